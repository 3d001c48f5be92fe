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

size_t mm_log_fold_char(const unsigned char *p, char *o, size_t *used)
{
    if (p[0] == 0xC2 && p[1] == 0xA0) {                                       /* NBSP */
        *used = 2;
        *o = ' ';
        return 1;
    }
    if (p[0] == 0xC2 && p[1] == 0xAD) {                                       /* soft hyphen */
        *used = 2;
        return 0;
    }
    if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0x95) {       /* U+2010..2015 */
        *used = 3;
        *o = '-';
        return 1;
    }
    if (p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92) {                       /* U+2212 minus */
        *used = 3;
        *o = '-';
        return 1;
    }
    if (p[0] == 0xE2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xAF)) {
        *used = 3;                                    /* U+2000..200A (figure, thin, hair...), U+202F */
        *o = ' ';
        return 1;
    }
    if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x8B) {                       /* zero-width space */
        *used = 3;
        return 0;
    }
    *used = 1;
    *o = *p == '\t' ? ' ' : *p == '\r' ? '\n' : (char)*p;
    return 1;
}

/* The character at text[i] as discovery reads it (mm_log_fold_char): *c
 * is 0 for one it drops.  Returns the bytes it takes. */
static size_t unit_at(const char *text, size_t i, char *c)
{
    size_t used;
    if (!mm_log_fold_char((const unsigned char *)text + i, c, &used))
        *c = 0;
    return used;
}

/* Reads the digit run at text[i], across characters discovery drops (a
 * soft hyphen inside "121212­1212" joins the digits).  Keeps the first 12
 * digits in d and their byte offsets in at; sets *end past the run.
 * Returns the number of digits. */
static int read_run(const char *text, size_t i, char d[13], size_t at[12], size_t *end)
{
    int n = 0;
    for (;;) {
        char c;
        size_t used = unit_at(text, i, &c);
        if (c == 0 && text[i]) {
            i += used;
            continue;
        }
        if (!is_digit(c))
            break;
        if (n < 12) {
            d[n] = c;
            at[n] = i;
        }
        n++;
        i += used;
    }
    d[n < 12 ? n : 12] = '\0';
    *end = i;
    return n;
}

/* Digits 3-4 of the 10-digit form are 20 or more only in organisation numbers. */
static int org_month(const char *ten)
{
    return (ten[2] - '0') * 10 + (ten[3] - '0') >= 20;
}

static int is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True when the digits text[s..e) lie inside a hash (32 or more hex
 * digits) or a UUID (8-4-4-4-12): the letters' SHA-256 and the job ids the
 * logs and the journal name are not numbers a person typed. */
static int in_hex_id(const char *text, size_t s, size_t e)
{
    size_t a = s, b = e;
    while (a > 0 && (is_xdigit(text[a - 1]) || text[a - 1] == '-'))
        a--;
    while (is_xdigit(text[b]) || text[b] == '-')
        b++;
    size_t dashes = 0;
    for (size_t i = a; i < b; i++)
        dashes += text[i] == '-';
    if (b - a == 36 && dashes == 4)
        return text[a + 8] == '-' && text[a + 13] == '-' && text[a + 18] == '-' && text[a + 23] == '-';
    return dashes == 0 && b - a >= 32;
}

/* Masks what reads as a person's number: 6 or 8 date digits, an optional
 * separator, then 4 digits, not part of a longer digit run.  The text is
 * read through mm_log_fold_char, as discovery reads it, so every separator
 * discovery accepts ('-', '+', a space, a Unicode dash or space) is one
 * here too.  A 12-digit run starting with "16" is an organisation number
 * (public) and stays, and so does a run inside a hash or UUID. */
size_t mm_log_mask_text(char *text)
{
    size_t masked = 0;
    size_t i = 0;
    while (text[i]) {
        char c;
        size_t used = unit_at(text, i, &c);
        if (!is_digit(c)) {
            i += used;
            continue;
        }
        /* A run starts here: runs are consumed whole, so no digit precedes. */
        char d[13];
        size_t at[12], end;
        int run = read_run(text, i, d, at, &end);
        size_t *tail = NULL;
        size_t tail_at[12];
        if (run == 10 || run == 12) {
            if (!(run == 12 && d[0] == '1' && d[1] == '6') && !org_month(d + run - 10))
                tail = at + run - 4;
        } else if ((run == 6 || run == 8) && text[end]) {
            char sep;
            size_t sl = unit_at(text, end, &sep);
            char d2[13];
            size_t end2;
            if ((sep == '-' || sep == '+' || sep == ' ') && is_digit(text[end + sl]) &&
                read_run(text, end + sl, d2, tail_at, &end2) == 4) {
                if (!(run == 8 && d[0] == '1' && d[1] == '6') && !org_month(d + run - 6))
                    tail = tail_at;
                end = end2;
            }
        }
        if (tail && in_hex_id(text, i, end))
            tail = NULL;
        if (tail) {
            for (int k = 0; k < 4; k++)
                text[tail[k]] = '*';
            masked++;
        }
        i = end;
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
