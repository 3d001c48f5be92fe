/* SPDX-License-Identifier: EUPL-1.2 */
/* A growable byte buffer, always NUL-terminated so text can be used directly. */
#ifndef MM_BUF_H
#define MM_BUF_H

#include <stddef.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} mm_buf;

#define MM_BUF_INIT {NULL, 0, 0}

/* The caller owns the mm_buf and releases its memory with mm_buf_free
 * (mm_buf_reset keeps it for reuse).  All return 0, or -1 when memory runs
 * out (the buffer is then unchanged). */
int mm_buf_append(mm_buf *b, const void *data, size_t len);
int mm_buf_puts(mm_buf *b, const char *s);
int mm_buf_printf(mm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mm_buf_reset(mm_buf *b);
void mm_buf_free(mm_buf *b);

#endif
