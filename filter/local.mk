# SPDX-License-Identifier: EUPL-1.2
# filter: pdftomm, the CUPS filter application/pdf -> application/vnd.mmprint-job.
cupsfilterdir = $(CUPS_SERVERBIN)/filter
cupsfilter_PROGRAMS = filter/pdftomm
filter_pdftomm_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
filter_pdftomm_SOURCES = filter/pdftomm.c
# discover (poppler-glib, qpdf, libxml2 for XMP), libcups for the job options.
filter_pdftomm_LDADD = $(MM_LIB) $(POPPLER_LIBS) $(QPDF_LIBS) $(XML_LIBS) $(CUPS_LIBS)

# The MIME type and conversion for queues without our PPD (the PPD's
# *cupsFilter2 line is what routes on a PPD queue).  cupsd reads *.types and
# *.convs from DataDir/mime as well as from ServerRoot.
cupsmimedir = $(datadir)/cups/mime
dist_cupsmime_DATA = filter/mmprint.types filter/mmprint.convs
