/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch bundle (application/vnd.mmprint-batch): one print job holding
 * many letters, which the filter of a batch queue, `mmctl batch submit` and
 * the API send to the server (doc/job-bundle.md, "The batch bundle"):
 *
 *   MMPRINT-BATCH 1\n
 *   key: value\n ...     (the keys below; unknown keys are ignored)
 *   \n
 *   <manifest-length bytes of manifest><document-length bytes of PDF>
 *
 * Only the header is ever held in memory (at most MM_BATCH_MAX_HEADER
 * bytes); the body is streamed by whoever moves it. */
#ifndef MM_BATCHBUNDLE_H
#define MM_BATCHBUNDLE_H

#include <stddef.h>
#include "buf.h"
#include "error.h"

#define MM_BATCH_MAGIC "MMPRINT-BATCH 1"
#define MM_BATCH_MAX_HEADER 65536
/* Largest manifest (bytes) a header may announce. */
#define MM_BATCH_MAX_MANIFEST (16u * 1024 * 1024)
/* Largest page count of pages:N. */
#define MM_BATCH_MAX_PAGES_PER_LETTER 1000

typedef struct {
    char split[16];          /* auto (default), manifest, outline, text, pages:N (1 <= N <= 1000) */
    char user[128];
    char host[256];
    char cups_job_id[32];
    char title[512];
    char policy[32];         /* digital-else-paper (default), digital-only, paper-only */
    char department[128];
    char postal_class[16];   /* a-post, b-post, rekommenderat; "" the server's default */
    char letter_type[16];    /* beslut, information, annat; "" the server's default */
    char manifest_type[8];   /* csv or json when manifest_length > 0, else "" */
    size_t manifest_length;  /* 0: no manifest */
    size_t document_length;  /* bytes of the PDF; never 0 */
} mm_batch_header;

/* Zeroes h and sets the defaults: split "auto", policy "digital-else-paper". */
void mm_batch_header_init(mm_batch_header *h);

/* 1 when s is a split word of the header (auto, manifest, outline, text,
 * pages:N with N in 1..MM_BATCH_MAX_PAGES_PER_LETTER, no leading zero),
 * else 0; *pages_n (may be NULL) gets N for pages:N, else 0. */
int mm_batch_split_valid(const char *s, int *pages_n);

/* Appends the header (magic line, the non-empty fields, manifest-length,
 * document-length, the empty line) to out; the caller then writes the
 * manifest and the PDF.  The same checks as the parse (split word,
 * policy, postal class, letter type, manifest-type given exactly when
 * manifest_length > 0, manifest <= MM_BATCH_MAX_MANIFEST, document_length
 * > 0, header <= MM_BATCH_MAX_HEADER) fail with MM_ERR_INPUT; a line break
 * in a value is written as a blank.  Out of memory: MM_ERR_SYSTEM. */
int mm_batch_header_write(const mm_batch_header *h, mm_buf *out, mm_error *err);

/* Parses the header from the first len bytes of a batch bundle (give it
 * up to MM_BATCH_MAX_HEADER bytes, or the whole bundle when shorter; more
 * is not looked at).  Returns 0 with h filled and *header_len = the bytes
 * of the header with its empty line (the manifest starts there, the PDF
 * manifest_length bytes later), or -1 with err (MM_ERR_INPUT, an English
 * message without values from the header): not a batch bundle, no end
 * within MM_BATCH_MAX_HEADER, control characters, a line without
 * "key: value", a value too long for its field, an unknown split word,
 * policy, postal-class or letter-type, a missing or malformed
 * document-length (or 0), manifest-length without manifest-type (or with
 * a type other than csv/json), a manifest over MM_BATCH_MAX_MANIFEST.
 * Unknown keys are ignored so that newer senders work with older servers.
 * Whether the body really has manifest_length + document_length bytes is
 * the reader's to check as it streams it. */
int mm_batch_header_parse(const unsigned char *data, size_t len, mm_batch_header *h, size_t *header_len,
                          mm_error *err);

#endif
