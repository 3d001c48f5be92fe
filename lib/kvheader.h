/* SPDX-License-Identifier: EUPL-1.2 */
/* The "key: value" header shared by the job bundle (lib/bundle.c) and the
 * batch bundle (lib/batchbundle.c): a table of fields naming char arrays in
 * a struct, so that writing and parsing cannot drift apart, and one line
 * reader with the same refusals for both formats. */
#ifndef MM_KVHEADER_H
#define MM_KVHEADER_H

#include <stddef.h>
#include "buf.h"
#include "error.h"

/* One text field: its key and the char array (offset, size) in the struct. */
typedef struct {
    const char *key;
    size_t offset;
    size_t size;
} mm_kv_field;

#define MM_KV_FIELD(type, k, m) {k, offsetof(type, m), sizeof(((type *)0)->m)}

/* The field of key (key_len bytes), or NULL. */
const mm_kv_field *mm_kv_find(const mm_kv_field *fields, size_t n, const char *key, size_t key_len);

/* Appends "key: value\n" for every non-empty field of obj; a line break in
 * a value becomes a blank (titles come from applications we do not
 * control).  0, or -1 with err (MM_ERR_SYSTEM) when memory runs out. */
int mm_kv_write(const mm_kv_field *fields, size_t n, const void *obj, mm_buf *out, mm_error *err);

/* Reads the header line at *pos of data[0..len) (what = "job bundle" or
 * "batch bundle", for messages).  Returns 1 with key and value in line
 * (size bytes, NUL-terminated at the ": "), 0 at the empty line that ends
 * the header (*pos is then past it), -1 with err (MM_ERR_INPUT): no end
 * within max bytes from the start of data, a line too long for line,
 * control characters (NUL, CR), or no "key: value". */
int mm_kv_next(const unsigned char *data, size_t len, size_t *pos, size_t max, const char *what, char *line,
               size_t size, const char **key, const char **value, mm_error *err);

/* Stores value into obj's field of key: 1 stored, 0 no such field (the
 * caller ignores unknown keys), -1 with err (MM_ERR_INPUT) when too long. */
int mm_kv_store(const mm_kv_field *fields, size_t n, void *obj, const char *key, const char *value,
                const char *what, mm_error *err);

/* A decimal size of at most 12 digits: 0 with *out, -1 otherwise. */
int mm_kv_size(const char *v, size_t *out);

#endif
