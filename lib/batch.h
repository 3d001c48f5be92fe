/* SPDX-License-Identifier: EUPL-1.2 */
/* Splitting a batch print job into letters (doc/job-bundle.md, "The batch
 * bundle"): where each letter starts (manifest > outline > pages:N > page
 * text), its recipient, and the letters' own PDFs.
 *
 * It never guesses.  When the boundaries themselves are in doubt the whole
 * batch is (plan.doubt, nothing is split); when only a letter's recipient
 * is, that letter is planned with found = 0 and the server holds it.
 *
 * These functions parse untrusted PDFs: the server calls them in a
 * confined child (lib/sandbox.h), never in its own process. */
#ifndef MM_BATCH_H
#define MM_BATCH_H

#include <stddef.h>
#include <time.h>

#include "candidates.h"
#include "error.h"
#include "idnum.h"

/* ---- the manifest ------------------------------------------------------- */

/* Limits of a manifest (hostile input bound; a night run fits well). */
#define MM_BATCH_MANIFEST_MAX_BYTES (16u * 1024 * 1024)
#define MM_BATCH_MANIFEST_MAX_ROWS 20000

typedef struct {
    size_t first_page, last_page; /* 1-based, inclusive, first <= last */
    char recipient[32];           /* as written (trimmed), "" when not given: from the page text */
    char reference[128];          /* the sender system's reference or title, "" when not given */
} mm_batch_row;

typedef struct {
    mm_batch_row *rows;           /* malloc'd, n of them, in the order written */
    size_t n;
} mm_batch_manifest;

/* Parses a manifest (UTF-8).  type "csv" or "json", or NULL to sniff (the
 * first non-blank character '[' is JSON, else CSV).
 *  CSV: a header row naming the columns first_page, last_page (required),
 *    recipient, reference (optional; "title" is read as reference), in any
 *    order, case-insensitive, unknown columns ignored; ';' or ',' as
 *    separator (the header row's first one); fields may be quoted with
 *    '"' ("" inside); a UTF-8 BOM and CRLF are tolerated; blank lines skipped.
 *  JSON: an array of objects with the same keys; first_page/last_page
 *    numbers (or digit strings), recipient/reference strings; other keys ignored.
 * Refused (-1, MM_ERR_INPUT, English message naming the row, never a
 * number from it): over MM_BATCH_MANIFEST_MAX_BYTES or _MAX_ROWS, no rows,
 * a page that is not a whole number >= 1, first_page > last_page, a field
 * too long, malformed CSV/JSON, a NUL byte.  Order, gaps and overlaps are
 * not refused here: against the PDF they make the batch in doubt
 * (mm_batch_plan_make).  On success out owns rows (mm_batch_manifest_free). */
int mm_batch_manifest_parse(const char *data, size_t len, const char *type, mm_batch_manifest *out,
                            mm_error *err);
void mm_batch_manifest_free(mm_batch_manifest *m);

/* ---- the request and the plan ------------------------------------------- */

typedef enum {
    MM_SPLIT_AUTO = 0, /* manifest if given, else outline with >= 2 top-level entries, else text */
    MM_SPLIT_MANIFEST,
    MM_SPLIT_OUTLINE,
    MM_SPLIT_PAGES,
    MM_SPLIT_TEXT
} mm_split_mode;

/* Reads a split word of the batch header (mm_batch_split_valid): 0 with
 * *mode and *pages_n (N of pages:N, else 0), -1 with err (MM_ERR_INPUT). */
int mm_batch_split_parse(const char *word, mm_split_mode *mode, int *pages_n, mm_error *err);
/* "auto", "manifest", "outline", "pages", "text". */
const char *mm_batch_split_name(mm_split_mode mode);

/* The address area: the top part of a page, as a fraction of its height. */
#define MM_BATCH_ADDRESS_AREA 0.45

typedef struct {
    mm_split_mode mode;
    int pages_n;                       /* MM_SPLIT_PAGES: pages per letter (>= 1) */
    const mm_batch_manifest *manifest; /* NULL when none; required for MM_SPLIT_MANIFEST */
    const char *const *own;            /* the sender's own numbers (12-digit form), never a recipient */
    size_t n_own;
    const struct tm *today;            /* for 10-digit numbers; NULL = now */
    size_t max_pages;                  /* batch_max_pages; 0 = 50000 */
    size_t max_letters;                /* batch_max_letters; 0 = 20000 */
} mm_batch_request;

/* Why the whole batch is in doubt (plan.doubt); the server maps each to
 * its Swedish reason (server/texts.c).  Codes are stable. */
typedef enum {
    MM_BATCH_OK = 0,
    MM_BATCH_DOUBT_PAGES_REMAINDER = 1, /* pages:N and the page count is not a multiple of N */
    MM_BATCH_DOUBT_OUTLINE_ORDER = 2,   /* top-level bookmarks not in increasing page order, or without a page */
    MM_BATCH_DOUBT_OUTLINE_START = 3,   /* the first top-level bookmark is not on page 1 */
    MM_BATCH_DOUBT_NO_OUTLINE = 4,      /* split outline, but fewer than 1 top-level bookmark */
    MM_BATCH_DOUBT_TEXT_LEADING = 5,    /* page text: pages before the first letter start */
    MM_BATCH_DOUBT_TEXT_NO_START = 6,   /* page text: no page starts a letter */
    MM_BATCH_DOUBT_MANIFEST_COVER = 7,  /* manifest ranges out of order, overlapping, with gaps or past the end */
    MM_BATCH_DOUBT_NO_MANIFEST = 8,     /* split manifest, but no manifest sent */
    MM_BATCH_DOUBT_TOO_MANY_PAGES = 9,  /* over max_pages */
    MM_BATCH_DOUBT_TOO_MANY_LETTERS = 10 /* over max_letters */
} mm_batch_doubt;

/* "pages-remainder", "outline-order", ... (stable words for logs and the API). */
const char *mm_batch_doubt_name(mm_batch_doubt code);

typedef struct {
    size_t first_page, last_page; /* 1-based, inclusive */
    int found;                    /* 1: id is the recipient */
    mm_id id;
    char source[16];              /* where the recipient came from: "manifest" or "text"; "" if nowhere */
    char problem[256];            /* found = 0: English reason, no number in it (the server holds the letter) */
    char reference[128];          /* the manifest's reference or the bookmark's title, "" if none */
    /* The page text's labelled numbers (source "text"), for the server to
     * decide again with all of its sender numbers, as for single letters. */
    mm_candidates candidates;
} mm_batch_letter;

typedef struct {
    mm_split_mode mode;           /* the mode used (auto resolved) */
    size_t pages;                 /* the PDF's page count */
    mm_batch_letter *letters;     /* malloc'd, n_letters of them in page order; NULL when in doubt */
    size_t n_letters;
    mm_batch_doubt doubt;         /* MM_BATCH_OK, or why the whole batch is held */
    char doubt_reason[256];       /* English, with page numbers where they help; "" when OK */
} mm_batch_plan;

/* Plans the split of the PDF at pdf_path (read once, page by page; the
 * working set stays bounded: only the current letter's candidates are
 * kept, never the text of the document).  Returns 0 with *out filled (a
 * plan in doubt is a success: out->doubt says so, out->letters is NULL),
 * or -1 with err: MM_ERR_INPUT with code one of MM_DISCOVER_BAD_* for a
 * PDF that cannot be read, is encrypted or has no pages (lib/discover.h);
 * MM_ERR_INPUT for a bad request (pages_n < 1); MM_ERR_SYSTEM for memory.
 * A manifest recipient is validated (mm_idnum_parse with req->today):
 * invalid or one of req->own makes that letter found = 0; without one,
 * the letter's recipient comes from the single-letter page-text rule over
 * its pages (what mm_discover reads with positions, minus req->own).
 * out is released with mm_batch_plan_free in every case. */
int mm_batch_plan_make(const char *pdf_path, const mm_batch_request *req, mm_batch_plan *out, mm_error *err);
void mm_batch_plan_free(mm_batch_plan *plan);

/* Writes each letter of a plan that is not in doubt as its own PDF,
 * out_dir/000001.pdf, 000002.pdf ... (seq = index + 1, "%06zu.pdf"),
 * copying the pages with qpdf from the input (opened once, and again
 * after every few thousand pages so that qpdf's object cache stays
 * bounded).  Files are
 * created with mode 0600 and replaced if there.  0, or -1 with err
 * (MM_ERR_INPUT for a plan in doubt or pages beyond the PDF or a PDF qpdf
 * cannot read, MM_ERR_SYSTEM for writing); files written before a failure
 * are left for the caller to remove with the directory. */
int mm_batch_split_write(const char *pdf_path, const mm_batch_plan *plan, const char *out_dir, mm_error *err);

#endif
