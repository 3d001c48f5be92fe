bin_PROGRAMS += tools/mmctl
tools_mmctl_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
tools_mmctl_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_mmctl_SOURCES = tools/mmctl.c tools/mmctl.h \
	tools/mmctl_id.c tools/mmctl_verify.c tools/mmctl_send.c tools/mmctl_common.c tools/mmctl_common.h \
	tools/mmctl_release.c tools/mmctl_subscribe.c \
	tools/mmctl_audit.c tools/mmctl_exceptions.c
tools_mmctl_LDADD = $(MM_LIBS)


noinst_PROGRAMS += tools/bench/bench_sign
tools_bench_bench_sign_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
tools_bench_bench_sign_SOURCES = tools/bench/bench_sign.c
tools_bench_bench_sign_LDADD = $(MM_LIBS)
EXTRA_DIST += tools/bench/sign

dist_bin_SCRIPTS = tools/pki/mkpki
dist_man_MANS += doc/mmctl.1 doc/mmctl.conf.5
dist_sbin_SCRIPTS = tools/mmprint-queue
EXTRA_DIST += tools/install-deps tools/build tools/check
