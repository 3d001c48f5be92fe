sbin_PROGRAMS += server/mmprintd
server_mmprintd_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
server_mmprintd_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS)
server_mmprintd_SOURCES = server/mmprintd.c server/mmprintd.h server/conf.c server/conf.h server/store.c server/store.h server/job.c server/job.h \
	server/queue.c server/work.c server/workers.h server/timer.c server/timer.h server/policy.c server/policy.h \
	server/farbatch.c server/send.c server/printq.c server/maintain.c \
	server/print.c server/print.h server/api.c server/recipient.c \
	server/instance.c server/instance.h
server_mmprintd_LDADD = $(MM_LIB) $(MM_SIGN_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(CUPS_LIBS) $(QPDF_LIBS) \
	$(MHD_LIBS) $(GNUTLS_LIBS) -lpthread
EXTRA_DIST += server/mmprintd.service

