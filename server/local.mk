sbin_PROGRAMS += server/mmprintd
server_mmprintd_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
server_mmprintd_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS)
server_mmprintd_SOURCES = server/mmprintd.c server/mmprintd.h server/conf.c server/store.c server/store.h \
	server/queue.c server/work.c server/print.c server/recipient.c \
	server/front.c server/routes.c server/api.h server/respond.c server/job_json.c \
	server/api_jobs.c server/api_exceptions.c server/api_reach.c server/metrics.c \
	server/auth.c server/auth.h server/instance.c server/instance.h
server_mmprintd_LDADD = $(MM_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS)
EXTRA_DIST += server/mmprintd.service

# Load generator of tools/bench/server.
noinst_PROGRAMS += tools/bench/load_jobs
tools_bench_load_jobs_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_bench_load_jobs_SOURCES = tools/bench/load_jobs.c
tools_bench_load_jobs_LDADD = $(MM_LIBS)
dist_man_MANS += doc/mmprintd.8 doc/mmprintd.conf.5
EXTRA_DIST += doc/api.md server/testlib.sh tools/bench/server
