/* SPDX-License-Identifier: EUPL-1.2 */
/* Errors of the library functions (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mm_error_clear(mm_error *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

int mm_error_set(mm_error *e, mm_err_class cls, int code, const char *fmt, ...)
{
    if (!e)
        return -1;
    e->cls = cls;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int mm_error_retryable(const mm_error *e)
{
    return e && (e->cls == MM_ERR_TRANSPORT || e->cls == MM_ERR_TECHNICAL);
}

const char *mm_error_class_name(mm_err_class cls)
{
    switch (cls) {
    case MM_ERR_NONE: return "none";
    case MM_ERR_INPUT: return "input";
    case MM_ERR_TRANSPORT: return "transport";
    case MM_ERR_TECHNICAL: return "technical";
    case MM_ERR_APPLICATION: return "application";
    case MM_ERR_PROTOCOL: return "protocol";
    case MM_ERR_SYSTEM: return "system";
    }
    return "unknown";
}
