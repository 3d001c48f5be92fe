/* SPDX-License-Identifier: EUPL-1.2 */
/* The job bundle (application/vnd.mmprint-job) that the filter writes, the
 * backend sends, and the server takes as the body of POST /api/v1/jobs.
 * Format (doc/job-bundle.md): the line "MMPRINT-JOB 1", then "key: value"
 * lines (UTF-8, no CR/LF inside values), an empty line, then exactly
 * document-length bytes of the PDF. */
#ifndef MM_BUNDLE_H
#define MM_BUNDLE_H

#include <stddef.h>
#include "buf.h"
#include "candidates.h"
#include "error.h"

#define MM_BUNDLE_MAGIC "MMPRINT-JOB 1"
#define MM_BUNDLE_MAX_HEADER 65536

typedef struct {
    char recipient[13];          /* 12-digit form, "" when missing */
    char recipient_source[32];   /* option, billing, info, xmp, keywords, subject, title, text, "" */
    char recipient_problem[256]; /* why missing (English, no number in it), "" otherwise */
    char candidates[1000];       /* labelled numbers of the deciding text source (mm_candidates_format), "" if none */
    char title[512];
    char subject[256];
    char user[128];
    char host[256];
    char cups_job_id[32];
    char policy[32];             /* digital-else-paper (default), digital-only, paper-only */
    char department[128];
    char postal_class[16];       /* a-post, b-post, rekommenderat; "" the server's default */
    char letter_type[16];        /* beslut, information, annat; "" the server's default */
    int pages;
    char document_type[64];      /* application/pdf */
    mm_candidates cands;         /* candidates, parsed by mm_bundle_parse */
    const unsigned char *document; /* points into the parsed buffer */
    size_t document_len;
} mm_bundle;

void mm_bundle_init(mm_bundle *b);
/* The words of postal-class and letter-type (the PPD's choices, the API's
 * and the store's values): 1 when w is one of them, else 0 ("" is none). */
int mm_bundle_postal_class_valid(const char *w);
int mm_bundle_letter_type_valid(const char *w);
/* Appends the header and document to out. */
int mm_bundle_write(const mm_bundle *b, mm_buf *out, mm_error *err);
/* Parses data (which must outlive b: document points into it). Unknown keys
 * are ignored; values too long or malformed fail with MM_ERR_INPUT. */
int mm_bundle_parse(const unsigned char *data, size_t len, mm_bundle *b, mm_error *err);
/* Appends to out a copy of the bundle data (which mm_bundle_parse accepted)
 * with the header keys keys[0..n-1] set to values[0..n-1]: every line of
 * those keys is dropped and one line each written after the magic line;
 * the other lines, unknown keys included, and the document are kept as
 * they are.  A value too long for its field (or a key not in the format)
 * fails with MM_ERR_INPUT; control characters in values become spaces. */
int mm_bundle_set_fields(const unsigned char *data, size_t len, const char *const keys[],
                         const char *const values[], size_t n, mm_buf *out, mm_error *err);

#endif
