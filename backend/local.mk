# SPDX-License-Identifier: EUPL-1.2
# backend: the CUPS backend mmprint (device URI mmprint://server[:port]/).
cupsbackenddir = $(CUPS_SERVERBIN)/backend
cupsbackend_PROGRAMS = backend/mmprint
backend_mmprint_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
backend_mmprint_SOURCES = backend/mmprint.c
# client (libcurl, jansson), libcups for the backend API.
backend_mmprint_LDADD = $(MM_LIB) $(CURL_LIBS) $(JANSSON_LIBS) $(CUPS_LIBS)

