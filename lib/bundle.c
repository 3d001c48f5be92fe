/* SPDX-License-Identifier: EUPL-1.2 */
/* The job bundle: a small text header and the PDF (doc/job-bundle.md). */
#include "bundle.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kvheader.h"

void mm_bundle_init(mm_bundle *b)
{
    memset(b, 0, sizeof *b);
    strcpy(b->policy, "digital-else-paper");
    strcpy(b->document_type, "application/pdf");
}

/* The header fields, so writing and parsing cannot drift apart. */
#define FIELD(k, m) MM_KV_FIELD(mm_bundle, k, m)
static const mm_kv_field fields[] = {
    FIELD("recipient", recipient),
    FIELD("recipient-source", recipient_source),
    FIELD("recipient-problem", recipient_problem),
    FIELD("candidates", candidates),
    FIELD("title", title),
    FIELD("subject", subject),
    FIELD("user", user),
    FIELD("host", host),
    FIELD("cups-job-id", cups_job_id),
    FIELD("policy", policy),
    FIELD("department", department),
    FIELD("postal-class", postal_class),
    FIELD("letter-type", letter_type),
    FIELD("document-type", document_type),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static int valid_policy(const char *p)
{
    return !strcmp(p, "digital-else-paper") || !strcmp(p, "digital-only") || !strcmp(p, "paper-only");
}

int mm_bundle_postal_class_valid(const char *w)
{
    return w && (!strcmp(w, "a-post") || !strcmp(w, "b-post") || !strcmp(w, "rekommenderat"));
}

int mm_bundle_letter_type_valid(const char *w)
{
    return w && (!strcmp(w, "beslut") || !strcmp(w, "information") || !strcmp(w, "annat"));
}

static int valid_recipient(const char *r)
{
    if (!*r)
        return 1;
    if (strlen(r) != 12)
        return 0;
    for (const char *p = r; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

int mm_bundle_write(const mm_bundle *b, mm_buf *out, mm_error *err)
{
    if (!valid_recipient(b->recipient))
        return mm_error_set(err, MM_ERR_INPUT, 0, "bundle recipient must be 12 digits");
    if (!valid_policy(b->policy))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown delivery policy '%s'", b->policy);
    if (b->postal_class[0] && !mm_bundle_postal_class_valid(b->postal_class))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown postal class '%s'", b->postal_class);
    if (b->letter_type[0] && !mm_bundle_letter_type_valid(b->letter_type))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown letter type '%s'", b->letter_type);
    if (mm_buf_puts(out, MM_BUNDLE_MAGIC "\n") < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    /* A value never carries a line break: mm_kv_write replaces it rather
     * than fail, titles come from applications we do not control. */
    if (mm_kv_write(fields, NFIELDS, b, out, err) < 0)
        return -1;
    if (mm_buf_printf(out, "pages: %d\ndocument-length: %zu\n\n", b->pages, b->document_len) < 0 ||
        mm_buf_append(out, b->document, b->document_len) < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    return 0;
}

int mm_bundle_parse(const unsigned char *data, size_t len, mm_bundle *b, mm_error *err)
{
    mm_bundle_init(b);
    size_t magic_len = strlen(MM_BUNDLE_MAGIC);
    if (len < magic_len + 1 || memcmp(data, MM_BUNDLE_MAGIC "\n", magic_len + 1))
        return mm_error_set(err, MM_ERR_INPUT, 0, "not a job bundle (first line must be '%s')", MM_BUNDLE_MAGIC);
    size_t pos = magic_len + 1;
    int have_length = 0;
    size_t doc_len = 0;
    for (;;) {
        char line[1024];
        const char *key, *value;
        int r = mm_kv_next(data, len, &pos, MM_BUNDLE_MAX_HEADER, "bundle", line, sizeof line, &key, &value, err);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (!strcmp(key, "pages")) {
            size_t n;
            if (mm_kv_size(value, &n) < 0 || n > 100000)
                return mm_error_set(err, MM_ERR_INPUT, 0, "bad page count in bundle");
            b->pages = (int)n;
            continue;
        }
        if (!strcmp(key, "document-length")) {
            if (mm_kv_size(value, &doc_len) < 0)
                return mm_error_set(err, MM_ERR_INPUT, 0, "bad document-length in bundle");
            have_length = 1;
            continue;
        }
        /* Unknown keys are ignored so newer filters work with older servers. */
        if (mm_kv_store(fields, NFIELDS, b, key, value, "bundle", err) < 0)
            return -1;
    }
    if (!have_length)
        return mm_error_set(err, MM_ERR_INPUT, 0, "bundle has no document-length");
    if (len - pos != doc_len)
        return mm_error_set(err, MM_ERR_INPUT, 0, "bundle document is %zu bytes, header says %zu", len - pos, doc_len);
    if (!valid_recipient(b->recipient))
        return mm_error_set(err, MM_ERR_INPUT, 0, "bundle recipient must be 12 digits");
    if (!valid_policy(b->policy))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown delivery policy in bundle");
    if (b->postal_class[0] && !mm_bundle_postal_class_valid(b->postal_class))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown postal-class in bundle (a-post, b-post, rekommenderat)");
    if (b->letter_type[0] && !mm_bundle_letter_type_valid(b->letter_type))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown letter-type in bundle (beslut, information, annat)");
    if (mm_candidates_parse(b->candidates, &b->cands, err) < 0)
        return -1;
    b->document = data + pos;
    b->document_len = doc_len;
    return 0;
}

int mm_bundle_set_fields(const unsigned char *data, size_t len, const char *const keys[],
                         const char *const values[], size_t n, mm_buf *out, mm_error *err)
{
    size_t magic_len = strlen(MM_BUNDLE_MAGIC) + 1;
    if (len < magic_len || memcmp(data, MM_BUNDLE_MAGIC "\n", magic_len))
        return mm_error_set(err, MM_ERR_INPUT, 0, "not a job bundle");
    if (mm_buf_append(out, data, magic_len) < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const mm_kv_field *f = mm_kv_find(fields, NFIELDS, keys[i], strlen(keys[i]));
        if (!f)
            return mm_error_set(err, MM_ERR_INPUT, 0, "'%s' is not a bundle field", keys[i]);
        if (strlen(values[i]) >= f->size)
            return mm_error_set(err, MM_ERR_INPUT, 0, "value for bundle field '%s' too long", keys[i]);
        if (mm_buf_printf(out, "%s: ", keys[i]) < 0)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        for (const char *p = values[i]; *p; p++)
            if (mm_buf_append(out, ((unsigned char)*p < 0x20 || *p == 0x7f) ? " " : p, 1) < 0)
                return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        if (mm_buf_puts(out, "\n") < 0)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    }
    /* The rest of the header, without the lines of the keys just written;
     * then the empty line and the document unchanged. */
    size_t pos = magic_len;
    while (pos < len) {
        const unsigned char *nl = memchr(data + pos, '\n', len - pos);
        if (!nl)
            return mm_error_set(err, MM_ERR_INPUT, 0, "bundle header has no end");
        size_t line_len = (size_t)(nl - (data + pos));
        if (line_len == 0)
            break;
        const unsigned char *colon = memchr(data + pos, ':', line_len);
        int replaced = 0;
        for (size_t i = 0; colon && i < n && !replaced; i++)
            replaced = strlen(keys[i]) == (size_t)(colon - (data + pos)) &&
                       !memcmp(keys[i], data + pos, (size_t)(colon - (data + pos)));
        if (!replaced && mm_buf_append(out, data + pos, line_len + 1) < 0)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        pos += line_len + 1;
    }
    if (pos >= len)
        return mm_error_set(err, MM_ERR_INPUT, 0, "bundle header has no end");
    if (mm_buf_append(out, data + pos, len - pos) < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    return 0;
}
