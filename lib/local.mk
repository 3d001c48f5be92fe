# SPDX-License-Identifier: EUPL-1.2
noinst_LIBRARIES += lib/libmmprint.a
lib_libmmprint_a_CFLAGS = $(AM_CFLAGS) $(MM_DEP_CFLAGS)
lib_libmmprint_a_SOURCES = \
	lib/error.c lib/error.h \
	lib/buf.c lib/buf.h \
	lib/text.c lib/text.h \
	lib/base64.c lib/base64.h \
	lib/uuid.c lib/uuid.h \
	lib/fileio.c lib/fileio.h \
	lib/xmlutil.c lib/xmlutil.h \
	lib/idnum.c lib/idnum.h \
	lib/log.c lib/log.h \
	lib/config.c lib/config.h \
	lib/dsig.c lib/dsig.h \
	lib/c14n.c lib/c14n.h \
	lib/cert.c lib/cert.h \
	lib/signer.c lib/signer.h \
	lib/sigverify.c lib/sigverify.h \
	lib/ns.h \
	lib/delivery.c lib/delivery.h \
	lib/soap.c lib/soap.h \
	lib/http.c lib/http.h \
	lib/far.c lib/far.h \
	lib/mailbox.c lib/mailbox.h \
	lib/candidates.c lib/candidates.h \
	lib/kvheader.c lib/kvheader.h \
	lib/bundle.c lib/bundle.h \
	lib/batchbundle.c lib/batchbundle.h \
	lib/batch.c lib/batchmanifest.c lib/batch.h \
	lib/discover.c lib/discover.h lib/pdfdoc.h \
	lib/pdfcheck.c lib/pdfcheck.h \
	lib/sandbox.c lib/sandbox.h \
	lib/client.c lib/client.h \
	lib/cupsjob.c lib/cupsjob.h \
	lib/journal.c lib/journal.h \
	lib/model.c lib/model.h
