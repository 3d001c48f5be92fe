sbin_PROGRAMS += server/mmprintd
server_mmprintd_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
server_mmprintd_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS)
server_mmprintd_SOURCES = server/mmprintd.c server/mmprintd.h server/conf.c server/store.c server/store.h server/job.c server/job.h \
	server/queue.c server/work.c server/workers.h server/timer.c server/timer.h server/policy.c server/policy.h \
	server/farbatch.c server/send.c server/printq.c server/maintain.c \
	server/print.c server/print.h server/api.c server/recipient.c \
	server/instance.c server/instance.h
server_mmprintd_LDADD = $(MM_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS)
EXTRA_DIST += server/mmprintd.service

# Load generator of tools/bench/server.
noinst_PROGRAMS += tools/bench/load_jobs
tools_bench_load_jobs_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_bench_load_jobs_SOURCES = tools/bench/load_jobs.c
tools_bench_load_jobs_LDADD = $(MM_LIBS)
dist_man_MANS += doc/mmprintd.8 doc/mmprintd.conf.5
EXTRA_DIST += doc/api.md server/testlib.sh tools/bench/server
