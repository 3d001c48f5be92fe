/* SPDX-License-Identifier: EUPL-1.2 */
/* A PDF as poppler opened it, checked the same way for lib's readers of
 * whole documents (discover.c, batch.c).  Internal to lib: the one header
 * of lib that names poppler's types. */
#ifndef MM_PDFDOC_H
#define MM_PDFDOC_H

#include <glib.h>
#include <poppler.h>

#include "error.h"

/* What poppler_document_new_from_*() gave: doc, or NULL with gerr (freed
 * here).  The document with its page count in *pages, or NULL with err
 * (MM_ERR_INPUT: MM_DISCOVER_ENCRYPTED, MM_DISCOVER_BAD_PDF, or
 * MM_DISCOVER_NO_PAGES, the document then released). */
PopplerDocument *mm_pdfdoc_checked(PopplerDocument *doc, GError *gerr, int *pages, mm_error *err);

#endif
