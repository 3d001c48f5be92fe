# backend: the CUPS backend mmprint (device URI mmprint://server[:port]/).
cupsbackenddir = $(CUPS_SERVERBIN)/backend
cupsbackend_PROGRAMS = backend/mmprint
backend_mmprint_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
backend_mmprint_SOURCES = backend/mmprint.c
backend_mmprint_LDADD = $(MM_LIBS)

