# SPDX-License-Identifier: EUPL-1.2
# Unit tests: one cmocka program per library module.
UNIT_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS) $(CMOCKA_CFLAGS) -DMM_SRCDIR='"$(abs_top_srcdir)"'
UNIT_LIBS = $(MM_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_idnum
tests_unit_test_idnum_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_idnum_SOURCES = tests/unit/test_idnum.c
tests_unit_test_idnum_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_soap tests/unit/test_far tests/unit/test_http
tests_unit_test_soap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_soap_SOURCES = tests/unit/test_soap.c
tests_unit_test_soap_LDADD = $(UNIT_LIBS)
tests_unit_test_far_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_far_SOURCES = tests/unit/test_far.c
tests_unit_test_far_LDADD = $(UNIT_LIBS)
tests_unit_test_http_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/unit/test_http_server.py

check_PROGRAMS += tests/unit/test_client
tests_unit_test_client_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_client_SOURCES = tests/unit/test_client.c
tests_unit_test_client_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_dsig
tests_unit_test_dsig_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dsig_SOURCES = tests/unit/test_dsig.c
tests_unit_test_dsig_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_delivery
tests_unit_test_delivery_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_delivery_SOURCES = tests/unit/test_delivery.c
tests_unit_test_delivery_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_log
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_config
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_bundle
tests_unit_test_bundle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bundle_SOURCES = tests/unit/test_bundle.c
tests_unit_test_bundle_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_batch
tests_unit_test_batch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_batch_SOURCES = tests/unit/test_batch.c
tests_unit_test_batch_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_discover
tests_unit_test_discover_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_discover_SOURCES = tests/unit/test_discover.c
tests_unit_test_discover_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_journal
tests_unit_test_journal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/data/pdf/mkpdfs.py
EXTRA_DIST += tests/data/pdf/mkbatch.py

check_PROGRAMS += tests/unit/test_pdfcheck
tests_unit_test_pdfcheck_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pdfcheck_SOURCES = tests/unit/test_pdfcheck.c
tests_unit_test_pdfcheck_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_sandbox
tests_unit_test_sandbox_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sandbox_SOURCES = tests/unit/test_sandbox.c
tests_unit_test_sandbox_LDADD = $(UNIT_LIBS)

# The server's internals, linked from server/libmmprintd.a: the store
# against a real SQLite file (compare-and-set, rollback, the journal), the
# queue, the separator page, the configuration table.
SERVER_UNIT_CFLAGS = $(UNIT_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS) -I$(srcdir)/server
SERVER_UNIT_LIBS = $(MMPRINTD_LIBS) $(MM_DEP_LIBS) $(CMOCKA_LIBS)
check_PROGRAMS += tests/unit/test_store
tests_unit_test_store_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_LDADD = $(SERVER_UNIT_LIBS)
# The statistics: savings, grouping, and the store's rollup (issue 12).
check_PROGRAMS += tests/unit/test_stats
tests_unit_test_stats_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_LDADD = $(SERVER_UNIT_LIBS) -lm
# The queue between the stages; the separator page read back with poppler.
check_PROGRAMS += tests/unit/test_queue tests/unit/test_separator
tests_unit_test_queue_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_queue_SOURCES = tests/unit/test_queue.c
tests_unit_test_queue_LDADD = $(SERVER_UNIT_LIBS)
tests_unit_test_separator_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_separator_SOURCES = tests/unit/test_separator.c
tests_unit_test_separator_LDADD = $(SERVER_UNIT_LIBS)

# The small shared helpers (lib/text, uuid, fileio, xmlutil, base64; idnum's sender id).
check_PROGRAMS += tests/unit/test_text tests/unit/test_fileio tests/unit/test_xmlutil tests/unit/test_base64
tests_unit_test_base64_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_base64_SOURCES = tests/unit/test_base64.c
tests_unit_test_base64_LDADD = $(UNIT_LIBS)
tests_unit_test_text_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_text_SOURCES = tests/unit/test_text.c
tests_unit_test_text_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_model
tests_unit_test_model_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_model_SOURCES = tests/unit/test_model.c
tests_unit_test_model_LDADD = $(UNIT_LIBS)
tests_unit_test_fileio_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fileio_SOURCES = tests/unit/test_fileio.c
tests_unit_test_fileio_LDADD = $(UNIT_LIBS)
tests_unit_test_xmlutil_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xmlutil_SOURCES = tests/unit/test_xmlutil.c
tests_unit_test_xmlutil_LDADD = $(UNIT_LIBS)

check_PROGRAMS += tests/unit/test_conf
tests_unit_test_conf_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_LDADD = $(SERVER_UNIT_LIBS)

# The print room (issue 12): rooms, the day, the list, posted.
check_PROGRAMS += tests/unit/test_printroom
tests_unit_test_printroom_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_printroom_SOURCES = tests/unit/test_printroom.c
tests_unit_test_printroom_LDADD = $(SERVER_UNIT_LIBS)
check_PROGRAMS += tests/unit/test_paperrun
tests_unit_test_paperrun_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_paperrun_SOURCES = tests/unit/test_paperrun.c
tests_unit_test_paperrun_LDADD = $(SERVER_UNIT_LIBS)

check_PROGRAMS += tests/unit/test_auth
tests_unit_test_auth_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c
tests_unit_test_auth_LDADD = $(SERVER_UNIT_LIBS)

# A held letter's page-1 preview, its labelled numbers and the preflight (issue 11).
check_PROGRAMS += tests/unit/test_preview
tests_unit_test_preview_CFLAGS = $(SERVER_UNIT_CFLAGS) $(CAIRO_CFLAGS)
tests_unit_test_preview_SOURCES = tests/unit/test_preview.c
tests_unit_test_preview_LDADD = $(SERVER_UNIT_LIBS)

# The web portal: HTML escaping, form fields, sessions and CSRF, passwords.
check_PROGRAMS += tests/unit/test_web
tests_unit_test_web_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_unit_test_web_SOURCES = tests/unit/test_web.c
tests_unit_test_web_LDADD = $(SERVER_UNIT_LIBS)

# The integration tests' scripts and helpers.
EXTRA_DIST += tests/integration/testlib.sh tests/integration/cups.sh tests/integration/mmprintd-as-user \
	tests/integration/t_cups_backend.sh tests/integration/t_cups_batch.sh tests/integration/t_cups_print.sh tests/integration/t_cups_hold.sh \
	tests/integration/t_cups_retry.sh tests/integration/t_cups_libreoffice.sh tests/integration/t_cups_server.sh \
	tests/integration/t_cups_cancel.sh tests/integration/t_filter.sh tests/integration/t_ppd.sh \
	tests/integration/t_paper_tls.sh
EXTRA_DIST += tests/integration/t_authz.sh
# Issue 10, point 5: one host cannot starve the others (front limits).
EXTRA_DIST += tests/integration/t_front_limits.sh
# Issue 10: the print path cannot be bypassed or forged (the backend).
EXTRA_DIST += tests/integration/t_cups_forged.sh
# Issue 11: the web portal for people (login, sessions, CSRF, "Mina brev").
EXTRA_DIST += tests/integration/t_web_portal.sh
# Issue 11, part 1: the shared queue on a central print server.
EXTRA_DIST += tests/integration/t_shared_queue.sh
# Issue 11: Behöver mottagare and Att hantera (preview, preflight, Skicka, exceptions).
EXTRA_DIST += tests/integration/t_web_letters.sh
# Issue 12, part 3: the benefit model (mmctl model, /nyttomodell, --from-stats).
EXTRA_DIST += tests/integration/t_model.sh tests/integration/t_web_browser_model.sh tests/browser/t_model.py
# The fuzzers' brief run (tools/fuzz all, clang build in build-fuzz/).
EXTRA_DIST += tests/integration/t_fuzz.sh
# Issue 11, part 4: the web portal in headless Chromium (selenium, axe-core
# pinned in tests/browser/package-lock.json, installed by install-axe).
EXTRA_DIST += tests/integration/t_web_browser.sh tests/browser/mmweb.py tests/browser/t_portal.py \
	tests/browser/install-axe tests/browser/package.json tests/browser/package-lock.json
# Issue 12, part 1: the paper leg (print rooms, duplex-safe separator, postal class, posted).
EXTRA_DIST += tests/integration/t_printroom_paper.sh
# Review of issue 13: printer_sides = auto asks the printer once, not per letter.
EXTRA_DIST += tests/integration/t_printroom_sides.sh
# Issue 12: the print room's page (Utskriftsrummet, dagslista), with curl and in Chromium.
EXTRA_DIST += tests/integration/t_web_printroom.sh tests/integration/t_web_browser_printroom.sh \
	tests/browser/t_printroom.py
# Issue 12: the statistics (API, CSV, mmctl stats, /statistik, refusals, crash, gallring).
EXTRA_DIST += tests/integration/t_stats.sh
# Batch print streams through the API (issue 13).
EXTRA_DIST += tests/integration/t_batch_api.sh
# Issue 13: mmprintd killed while a batch is split and while its letters are stored, stopped
# (SIGTERM) during a split, a letter cancelled while FaR is asked; the helpers of both.
EXTRA_DIST += tests/integration/t_batch_crash.sh tests/integration/batchlib.sh
# Issue 13: a batch's pages (Massutskick, the exception list) and its paper run behind one cover.
EXTRA_DIST += tests/integration/t_web_batch.sh tests/integration/t_web_browser_batch.sh tests/browser/t_batch.py
# Issue 12: Statistik in headless Chromium with axe-core.
EXTRA_DIST += tests/integration/t_web_browser_stats.sh tests/browser/t_stats.py
