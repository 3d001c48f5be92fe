# SPDX-License-Identifier: EUPL-1.2
# server: mmprintd, the signing server.  Its modules are a library of their
# own so the unit tests of the server's internals link the same code.
noinst_LIBRARIES += server/libmmprintd.a
server_libmmprintd_a_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"' -DSRV_WEB_ASSETS='"$(webassetsdir)"'
server_libmmprintd_a_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS) $(CAIRO_CFLAGS)
server_libmmprintd_a_SOURCES = server/mmprintd.h \
	server/conf.c server/conf.h server/instance.c server/instance.h \
	server/jstate.c server/jstate.h server/job.c server/job.h server/store.c server/store.h server/queue.c \
	server/work.c server/workers.h server/spool.c server/timer.c server/timer.h server/policy.c server/policy.h \
	server/recipient.c server/farbatch.c server/send.c server/printq.c server/maintain.c \
	server/print.c server/print.h \
	server/front.c server/connlimit.c server/connlimit.h server/routes.c server/api.h server/respond.c server/job_json.c \
	server/api_jobs.c server/api_exceptions.c server/api_reach.c server/metrics.c \
	server/auth.c server/auth.h server/rate.c server/rate.h server/texts.c server/texts.h \
	server/web.c server/web.h server/web_session.c server/web_account.c server/web_html.c server/web_routes.c \
	server/web_login.c server/web_static.c server/web_brev.c server/web_users.c \
	server/preview.c server/preview.h server/web_letters.c \
	server/printroom.c server/printroom.h server/api_printroom.c \
	server/web_printroom.c \
	server/stats.c server/stats.h server/api_stats.c server/web_stats.c \
	server/web_model.c \
	server/batch.c server/batch.h server/api_batches.c
MMPRINTD_LIBS = server/libmmprintd.a $(MM_LIB) $(MM_SIGN_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(CUPS_LIBS) \
	$(QPDF_LIBS) $(MHD_LIBS) $(GNUTLS_LIBS) $(CRYPT_LIBS) $(PAM_LIBS) $(POPPLER_LIBS) $(CAIRO_LIBS) -lm -lpthread

sbin_PROGRAMS += server/mmprintd
server_mmprintd_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR='"$(sysconfdir)"'
server_mmprintd_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS)
server_mmprintd_SOURCES = server/mmprintd.c
server_mmprintd_LDADD = $(MMPRINTD_LIBS)
EXTRA_DIST += server/mmprintd.service
