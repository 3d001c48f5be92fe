/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch bundle's header (batchbundle.h, doc/job-bundle.md). */
#include "batchbundle.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "kvheader.h"

void mm_batch_header_init(mm_batch_header *h)
{
    memset(h, 0, sizeof *h);
    strcpy(h->split, "auto");
    strcpy(h->policy, "digital-else-paper");
}

#define FIELD(k, m) MM_KV_FIELD(mm_batch_header, k, m)
static const mm_kv_field fields[] = {
    FIELD("split", split),
    FIELD("user", user),
    FIELD("host", host),
    FIELD("cups-job-id", cups_job_id),
    FIELD("title", title),
    FIELD("policy", policy),
    FIELD("department", department),
    FIELD("postal-class", postal_class),
    FIELD("letter-type", letter_type),
    FIELD("manifest-type", manifest_type),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

int mm_batch_split_valid(const char *s, int *pages_n)
{
    if (pages_n)
        *pages_n = 0;
    if (!s)
        return 0;
    if (!strcmp(s, "auto") || !strcmp(s, "manifest") || !strcmp(s, "outline") || !strcmp(s, "text"))
        return 1;
    if (strncmp(s, "pages:", 6) || s[6] < '1' || s[6] > '9' || strlen(s + 6) > 4)
        return 0;
    int n = 0;
    for (const char *p = s + 6; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        n = n * 10 + (*p - '0');
    }
    if (n > MM_BATCH_MAX_PAGES_PER_LETTER)
        return 0;
    if (pages_n)
        *pages_n = n;
    return 1;
}

static int valid_policy(const char *p)
{
    return !strcmp(p, "digital-else-paper") || !strcmp(p, "digital-only") || !strcmp(p, "paper-only");
}

/* The checks shared by writing and parsing. */
static int check(const mm_batch_header *h, mm_error *err)
{
    if (!mm_batch_split_valid(h->split, NULL))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "unknown split in batch bundle (auto, manifest, outline, text, pages:N)");
    if (!valid_policy(h->policy))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown delivery policy in batch bundle");
    if (h->postal_class[0] && !mm_bundle_postal_class_valid(h->postal_class))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "unknown postal-class in batch bundle (a-post, b-post, rekommenderat)");
    if (h->letter_type[0] && !mm_bundle_letter_type_valid(h->letter_type))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "unknown letter-type in batch bundle (beslut, information, annat)");
    if (h->manifest_length > MM_BATCH_MAX_MANIFEST)
        return mm_error_set(err, MM_ERR_INPUT, 0, "batch manifest larger than %u bytes", MM_BATCH_MAX_MANIFEST);
    if (h->manifest_length > 0 && strcmp(h->manifest_type, "csv") && strcmp(h->manifest_type, "json"))
        return mm_error_set(err, MM_ERR_INPUT, 0, "batch manifest-type must be csv or json");
    if (h->manifest_length == 0 && h->manifest_type[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "batch manifest-type given without a manifest");
    if (h->document_length == 0)
        return mm_error_set(err, MM_ERR_INPUT, 0, "batch bundle has no document");
    return 0;
}

int mm_batch_header_write(const mm_batch_header *h, mm_buf *out, mm_error *err)
{
    if (check(h, err) < 0)
        return -1;
    size_t start = out->len;
    if (mm_buf_puts(out, MM_BATCH_MAGIC "\n") < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    if (mm_kv_write(fields, NFIELDS, h, out, err) < 0)
        return -1;
    if (mm_buf_printf(out, "manifest-length: %zu\ndocument-length: %zu\n\n", h->manifest_length,
                      h->document_length) < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    if (out->len - start > MM_BATCH_MAX_HEADER) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return mm_error_set(err, MM_ERR_INPUT, 0, "batch bundle header over %d bytes", MM_BATCH_MAX_HEADER);
    }
    return 0;
}

int mm_batch_header_parse(const unsigned char *data, size_t len, mm_batch_header *h, size_t *header_len,
                          mm_error *err)
{
    mm_batch_header_init(h);
    *header_len = 0;
    size_t magic_len = strlen(MM_BATCH_MAGIC) + 1;
    if (len < magic_len || memcmp(data, MM_BATCH_MAGIC "\n", magic_len))
        return mm_error_set(err, MM_ERR_INPUT, 0, "not a batch bundle (first line must be '%s')", MM_BATCH_MAGIC);
    if (len > MM_BATCH_MAX_HEADER + 1)
        len = MM_BATCH_MAX_HEADER + 1;
    size_t pos = magic_len;
    int have_doc = 0, have_manifest = 0;
    for (;;) {
        char line[1024];
        const char *key, *value;
        int r = mm_kv_next(data, len, &pos, MM_BATCH_MAX_HEADER, "batch bundle", line, sizeof line, &key, &value,
                           err);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (!strcmp(key, "document-length")) {
            if (mm_kv_size(value, &h->document_length) < 0)
                return mm_error_set(err, MM_ERR_INPUT, 0, "bad document-length in batch bundle");
            have_doc = 1;
        } else if (!strcmp(key, "manifest-length")) {
            if (mm_kv_size(value, &h->manifest_length) < 0)
                return mm_error_set(err, MM_ERR_INPUT, 0, "bad manifest-length in batch bundle");
            have_manifest = 1;
        } else if (mm_kv_store(fields, NFIELDS, h, key, value, "batch bundle", err) < 0) {
            return -1;
        }
        /* Unknown keys are ignored so newer senders work with older servers. */
    }
    if (!have_doc)
        return mm_error_set(err, MM_ERR_INPUT, 0, "batch bundle has no document-length");
    if (!have_manifest && h->manifest_type[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "batch manifest-type given without manifest-length");
    if (check(h, err) < 0)
        return -1;
    *header_len = pos;
    return 0;
}
