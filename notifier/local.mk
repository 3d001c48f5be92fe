# SPDX-License-Identifier: EUPL-1.2
# notifier: mmprint, the CUPS notifier (recipient URI mmprint://server[:port]/)
# that tells mmprintd when a job is cancelled in CUPS.  cupsd runs notifiers
# from ServerBin/notifier as its User (lp).
cupsnotifierdir = $(CUPS_SERVERBIN)/notifier
cupsnotifier_PROGRAMS = notifier/mmprint
notifier_mmprint_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
notifier_mmprint_SOURCES = notifier/mmprint.c
# client (libcurl, jansson), libcups for the notification's attributes.
notifier_mmprint_LDADD = $(MM_LIB) $(CURL_LIBS) $(JANSSON_LIBS) $(CUPS_LIBS)
