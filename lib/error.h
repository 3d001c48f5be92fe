/* SPDX-License-Identifier: EUPL-1.2 */
/* Errors returned by library functions: a class that tells the caller what
 * to do next, and a message fit for a log line (never a personnummer). */
#ifndef MM_ERROR_H
#define MM_ERROR_H

#include <stddef.h>

typedef enum {
    MM_ERR_NONE = 0,
    MM_ERR_INPUT,       /* caller's data is wrong: fix and resubmit */
    MM_ERR_TRANSPORT,   /* connection, TLS, timeout, HTTP 5xx: retry later */
    MM_ERR_TECHNICAL,   /* SOAP fault 0-4999: retry later */
    MM_ERR_APPLICATION, /* SOAP fault 5000+: do not retry */
    MM_ERR_PROTOCOL,    /* peer answered something we cannot parse */
    MM_ERR_SYSTEM       /* local resource: file, memory, crypto library */
} mm_err_class;

typedef struct {
    mm_err_class cls;
    int code;           /* SOAP fault code, HTTP status, errno or 0 */
    char msg[512];
} mm_error;

void mm_error_clear(mm_error *e);
/* Sets the error (if e is non-NULL) and returns -1 for `return mm_error_set(...)`. */
int mm_error_set(mm_error *e, mm_err_class cls, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* True for classes worth retrying later (transport, technical). */
int mm_error_retryable(const mm_error *e);
const char *mm_error_class_name(mm_err_class cls);

#endif
