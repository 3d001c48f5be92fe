# filter: pdftomm, the CUPS filter application/pdf -> application/vnd.mmprint-job.
cupsfilterdir = $(CUPS_SERVERBIN)/filter
cupsfilter_PROGRAMS = filter/pdftomm
filter_pdftomm_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
filter_pdftomm_SOURCES = filter/pdftomm.c
filter_pdftomm_LDADD = $(MM_LIBS)
# Only the shared libraries it uses: startup (dynamic linking of all of
# libmmprint's dependencies) was most of a run (tools/bench/discover).
filter_pdftomm_LDFLAGS = -Wl,--as-needed

# The MIME type and conversion for queues without our PPD (the PPD's
# *cupsFilter2 line is what routes on a PPD queue).  cupsd reads *.types and
# *.convs from DataDir/mime as well as from ServerRoot.
cupsmimedir = $(datadir)/cups/mime
dist_cupsmime_DATA = filter/mmprint.types filter/mmprint.convs
