/* SPDX-License-Identifier: EUPL-1.2 */
/* The check a letter passes before the server takes it: the PDF parses
 * (with qpdf, the same parser that later merges it with the separator
 * page), is not encrypted, and has pages.  A letter that fails here would
 * otherwise be accepted and then fail in the print room. */
#ifndef MM_PDFCHECK_H
#define MM_PDFCHECK_H

#include <stddef.h>
#include "error.h"

/* err->code after a failed mm_pdf_check (MM_ERR_INPUT). */
enum { MM_PDF_DAMAGED = 1, MM_PDF_ENCRYPTED = 2, MM_PDF_NO_PAGES = 3 };

/* Returns 0 with *pages set, or -1 with err (class MM_ERR_INPUT, code one
 * of MM_PDF_*, an English message without document content). */
int mm_pdf_check(const unsigned char *pdf, size_t len, int *pages, mm_error *err);

/* mm_pdf_check parses in a child started as the same program
 * (mm_sandbox_call): every program that calls it lists this entry in its
 * mm_sandbox_child_main at the start of main. */
#define MM_PDF_CHECK_CHILD "pdf-check"
void mm_pdf_check_child(const unsigned char *in, size_t len, int fd);
#define MM_PDF_CHECK_ENTRY {MM_PDF_CHECK_CHILD, mm_pdf_check_child}

/* The Swedish sentence for a handläggare about a failed check's code. */
const char *mm_pdf_problem_sv(int code);

#endif
