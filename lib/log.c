/* SPDX-License-Identifier: EUPL-1.2 */
/* Logging with personnummer masking. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Set once at start-up, before threads (the configuration exception). */
static const char *log_ident = "mmprint";
static mm_log_level log_max = MM_LOG_INFO;

void mm_log_init(const char *ident, mm_log_level max_level)
{
    if (ident)
        log_ident = ident;
    log_max = max_level;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length in bytes of a separator at p: '-', '+', or a UTF-8 Unicode dash
 * (U+2010..U+2015, U+2212); 0 if none. */
static size_t separator_len(const unsigned char *p)
{
    if (*p == '-' || *p == '+')
        return 1;
    if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0x95)
        return 3;
    if (p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92)
        return 3;
    return 0;
}

static int count_digits(const char *p)
{
    int n = 0;
    while (is_digit(p[n]))
        n++;
    return n;
}

/* Digits 3-4 of the 10-digit form are 20 or more only in organisation numbers. */
static int org_month(const char *ten)
{
    return (ten[2] - '0') * 10 + (ten[3] - '0') >= 20;
}

/* Masks what reads as a person's number: 6 or 8 date digits, an optional
 * separator, then 4 digits, not part of a longer digit run.  A 12-digit run
 * starting with "16" is an organisation number (public) and stays. */
size_t mm_log_mask_text(char *text)
{
    size_t masked = 0;
    char *p = text;
    while (*p) {
        if (!is_digit(*p) || (p > text && is_digit(p[-1]))) {
            p++;
            continue;
        }
        int run = count_digits(p);
        char *tail = NULL;
        if (run == 10 || run == 12) {
            if (!(run == 12 && p[0] == '1' && p[1] == '6') && !org_month(p + run - 10))
                tail = p + run - 4;
        } else if (run == 6 || run == 8) {
            size_t sl = separator_len((const unsigned char *)p + run);
            if (sl && count_digits(p + run + sl) == 4 && !(run == 8 && p[0] == '1' && p[1] == '6') &&
                !org_month(p + run - 6))
                tail = p + run + sl;
        }
        if (tail) {
            memset(tail, '*', 4);
            masked++;
            p = tail + 4;
        } else {
            p += run;
        }
    }
    return masked;
}

void mm_log(mm_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    if (level > log_max)
        return;
    char stackbuf[1024];
    char *msg = stackbuf;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stackbuf, sizeof stackbuf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof stackbuf) {
        msg = malloc((size_t)n + 1);
        if (!msg) {
            msg = stackbuf; /* truncated is better than lost */
        } else {
            va_start(ap, fmt);
            vsnprintf(msg, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
    }
    mm_log_mask_text(msg);
    /* One fprintf per line so lines from threads do not interleave. */
    fprintf(stderr, "%s[%ld]: %s: %s\n", log_ident, (long)getpid(), names[level], msg);
    if (msg != stackbuf)
        free(msg);
}
