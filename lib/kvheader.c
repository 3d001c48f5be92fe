/* SPDX-License-Identifier: EUPL-1.2 */
/* The "key: value" header of the job and batch bundles (kvheader.h). */
#include "kvheader.h"

#include <string.h>

const mm_kv_field *mm_kv_find(const mm_kv_field *fields, size_t n, const char *key, size_t key_len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(fields[i].key) == key_len && !memcmp(fields[i].key, key, key_len))
            return &fields[i];
    return NULL;
}

int mm_kv_write(const mm_kv_field *fields, size_t n, const void *obj, mm_buf *out, mm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = (const char *)obj + fields[i].offset;
        if (!*v)
            continue;
        if (mm_buf_printf(out, "%s: ", fields[i].key) < 0)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        for (const char *p = v; *p; p++)
            if (mm_buf_append(out, (*p == '\n' || *p == '\r') ? " " : p, 1) < 0)
                return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        if (mm_buf_puts(out, "\n") < 0)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    }
    return 0;
}

int mm_kv_next(const unsigned char *data, size_t len, size_t *pos, size_t max, const char *what, char *line,
               size_t size, const char **key, const char **value, mm_error *err)
{
    if (*pos >= len)
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s header has no end", what);
    const unsigned char *nl = memchr(data + *pos, '\n', len - *pos);
    if (!nl || (size_t)(nl - data) > max)
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s header too long or unterminated", what);
    size_t line_len = (size_t)(nl - (data + *pos));
    if (line_len == 0) {
        (*pos)++;
        return 0;
    }
    if (line_len >= size)
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s header line too long", what);
    memcpy(line, data + *pos, line_len);
    line[line_len] = '\0';
    *pos += line_len + 1;
    if (memchr(line, '\0', line_len) || strchr(line, '\r'))
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s header contains control characters", what);
    char *colon = strstr(line, ": ");
    if (!colon)
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s header line without 'key: value'", what);
    *colon = '\0';
    *key = line;
    *value = colon + 2;
    return 1;
}

int mm_kv_store(const mm_kv_field *fields, size_t n, void *obj, const char *key, const char *value,
                const char *what, mm_error *err)
{
    const mm_kv_field *f = mm_kv_find(fields, n, key, strlen(key));
    if (!f)
        return 0;
    if (strlen(value) >= f->size)
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s field '%s' too long", what, key);
    /* A key given again replaces the whole field: no byte of the earlier,
     * longer value stays behind its end (the fuzzer's write-and-read-back
     * check compares whole headers). */
    memset((char *)obj + f->offset, 0, f->size);
    strcpy((char *)obj + f->offset, value);
    return 1;
}

int mm_kv_size(const char *v, size_t *out)
{
    if (!*v || strlen(v) > 12)
        return -1;
    size_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        n = n * 10 + (size_t)(*p - '0');
    }
    *out = n;
    return 0;
}
