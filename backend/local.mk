# backend: the CUPS backend mmprint (device URI mmprint://server[:port]/).
cupsbackenddir = $(CUPS_SERVERBIN)/backend
cupsbackend_PROGRAMS = backend/mmprint
backend_mmprint_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
backend_mmprint_SOURCES = backend/mmprint.c
backend_mmprint_LDADD = $(MM_LIBS)

# The queue's documentation, test harness and benchmark travel with the source.
mmprintdocdir = $(docdir)
dist_mmprintdoc_DATA = doc/admin-guide.md doc/handlaggare.md
EXTRA_DIST += tests/integration/cups.sh tests/integration/t_cups_backend.sh \
	tests/integration/t_cups_print.sh tests/integration/t_cups_hold.sh \
	tests/integration/t_cups_retry.sh tests/integration/t_cups_libreoffice.sh \
	tests/integration/t_cups_server.sh \
	tools/bench/print
