# SPDX-License-Identifier: EUPL-1.2
# fuzz: libFuzzer harnesses of the parsers that read what others send
# (configure --enable-fuzzers, CC=clang; run with tools/fuzz).  The seed
# corpora (fuzz/corpus/TARGET) and dictionaries (fuzz/TARGET.dict) are
# read from the source tree.
FUZZ_TARGETS = bundle candidates text xmp soap sigverify json config manifest batchheader
EXTRA_DIST += fuzz/fuzz.h fuzz/seed.py fuzz/bundle.dict fuzz/xml.dict fuzz/json.dict fuzz/config.dict fuzz/text.dict

if FUZZERS
FUZZ_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
FUZZ_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer
noinst_PROGRAMS += fuzz/fuzz_bundle fuzz/fuzz_candidates fuzz/fuzz_text fuzz/fuzz_xmp fuzz/fuzz_soap \
	fuzz/fuzz_sigverify fuzz/fuzz_json fuzz/fuzz_config fuzz/fuzz_manifest fuzz/fuzz_batchheader

fuzz_fuzz_bundle_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_bundle_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_bundle_SOURCES = fuzz/fuzz_bundle.c
fuzz_fuzz_bundle_LDADD = $(MM_LIBS)

fuzz_fuzz_candidates_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_candidates_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_candidates_SOURCES = fuzz/fuzz_candidates.c
fuzz_fuzz_candidates_LDADD = $(MM_LIBS)

fuzz_fuzz_text_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_text_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_text_SOURCES = fuzz/fuzz_text.c
fuzz_fuzz_text_LDADD = $(MM_LIBS)

fuzz_fuzz_xmp_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_xmp_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_xmp_SOURCES = fuzz/fuzz_xmp.c
fuzz_fuzz_xmp_LDADD = $(MM_LIBS)

fuzz_fuzz_soap_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_soap_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_soap_SOURCES = fuzz/fuzz_soap.c
fuzz_fuzz_soap_LDADD = $(MM_LIBS)

fuzz_fuzz_sigverify_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_sigverify_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_sigverify_SOURCES = fuzz/fuzz_sigverify.c
fuzz_fuzz_sigverify_LDADD = $(MM_LIBS)

# The server's handlers' helpers, from server/libmmprintd.a.
fuzz_fuzz_json_CFLAGS = $(FUZZ_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS) -I$(srcdir)/server
fuzz_fuzz_json_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_json_SOURCES = fuzz/fuzz_json.c
fuzz_fuzz_json_LDADD = $(MMPRINTD_LIBS) $(MM_DEP_LIBS)

# mmprintd's table (server/libmmprintd.a) and mmsimd's files: sim has no
# library, so its configuration module's object is linked as built for mmsimd.
fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS) -I$(srcdir)/server -I$(srcdir)/sim
fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c
fuzz_fuzz_config_LDADD = sim/mmsimd-sim_config.$(OBJEXT) $(MMPRINTD_LIBS) $(MM_DEP_LIBS)
fuzz_fuzz_manifest_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_manifest_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_manifest_SOURCES = fuzz/fuzz_manifest.c
fuzz_fuzz_manifest_LDADD = $(MM_LIBS)

fuzz_fuzz_batchheader_CFLAGS = $(FUZZ_CFLAGS)
fuzz_fuzz_batchheader_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_batchheader_SOURCES = fuzz/fuzz_batchheader.c
fuzz_fuzz_batchheader_LDADD = $(MM_LIBS)

endif
