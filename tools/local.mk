# SPDX-License-Identifier: EUPL-1.2
bin_PROGRAMS += tools/mmctl
tools_mmctl_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
tools_mmctl_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_mmctl_SOURCES = tools/mmctl.c tools/mmctl.h \
	tools/mmctl_id.c tools/mmctl_verify.c tools/mmctl_send.c tools/mmctl_common.c tools/mmctl_common.h \
	tools/mmctl_release.c tools/mmctl_subscribe.c \
	tools/mmctl_audit.c tools/mmctl_exceptions.c tools/mmctl_user.c \
	tools/mmctl_stats.c \
	tools/mmctl_model.c tools/mmctl_batch.c
tools_mmctl_LDADD = $(MM_LIB) $(MM_SIGN_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(CUPS_LIBS)


noinst_PROGRAMS += tools/bench/bench_sign
tools_bench_bench_sign_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_bench_bench_sign_SOURCES = tools/bench/bench_sign.c
tools_bench_bench_sign_LDADD = $(MM_LIB) $(MM_SIGN_LIBS) -lpthread
EXTRA_DIST += tools/bench/sign

dist_bin_SCRIPTS = tools/pki/mkpki
dist_sbin_SCRIPTS = tools/mmprint-queue
EXTRA_DIST += tools/install-deps tools/build tools/check tools/layout

# The batch splitter's benchmark (tools/bench/split).
noinst_PROGRAMS += tools/bench/bench_split
tools_bench_bench_split_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_bench_bench_split_SOURCES = tools/bench/bench_split.c
tools_bench_bench_split_LDADD = $(MM_LIBS)
EXTRA_DIST += tools/bench/split

# Load generator of tools/bench/server; the benchmark scripts.
noinst_PROGRAMS += tools/bench/load_jobs
tools_bench_load_jobs_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_bench_load_jobs_SOURCES = tools/bench/load_jobs.c
tools_bench_load_jobs_LDADD = $(MM_LIB) $(CURL_LIBS) $(JANSSON_LIBS) -lpthread
EXTRA_DIST += tools/bench/server tools/bench/print tools/bench/discover
# The web portal's pages and preview against a static file (tools/bench/web).
EXTRA_DIST += tools/bench/web
# The statistics over 1,000,000 jobs against a count(*) (tools/bench/stats).
EXTRA_DIST += tools/bench/stats
