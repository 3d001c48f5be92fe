/* SPDX-License-Identifier: EUPL-1.2 */
/* Text helpers: bounded UTF-8-safe copies, trimming, validation, hex. */
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <time.h>
#include <string.h>

/* Bytes of src that fit in size-1 without splitting a UTF-8 sequence. */
static size_t fit(const char *src, size_t n, size_t size)
{
    if (n < size)
        return n;
    n = size - 1;
    /* Step back over continuation bytes to the start of the cut character. */
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void copy_n(char *dst, size_t size, const char *src, size_t n)
{
    n = fit(src, n, size);
    memmove(dst, src, n);
    dst[n] = '\0';
}

void mm_text_copy(char *dst, size_t size, const char *src)
{
    copy_n(dst, size, src ? src : "", src ? strlen(src) : 0);
}

int mm_text_copy_exact(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

void mm_text_copy_trimmed(char *dst, size_t size, const char *src)
{
    if (!src)
        src = "";
    while (*src && isspace((unsigned char)*src))
        src++;
    size_t n = strlen(src);
    while (n > 0 && isspace((unsigned char)src[n - 1]))
        n--;
    copy_n(dst, size, src, n);
}

char *mm_text_trim(char *s)
{
    if (!s)
        return NULL;
    const char *start = s;
    while (*start && isspace((unsigned char)*start))
        start++;
    size_t n = strlen(start);
    while (n > 0 && isspace((unsigned char)start[n - 1]))
        n--;
    memmove(s, start, n);
    s[n] = '\0';
    return s;
}

int mm_text_utf8_valid(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        if (*p < 0x80) {
            if (*p < 0x20 && *p != '\t')
                return 0;
            p++;
            continue;
        }
        int n = (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0 || *p == 0xC0 || *p == 0xC1 || *p > 0xF4)
            return 0;
        unsigned cp = *p & (0x3Fu >> n);
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
                return 0;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n + 1;
    }
    return 1;
}

int mm_text_digits(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int mm_text_day(const char *text, int plus_days, int64_t *ms)
{
    int y, m, d;
    char end;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' || strspn(text, "0123456789") != 4 ||
        strspn(text + 5, "0123456789") != 2 || strspn(text + 8, "0123456789") != 2 ||
        sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + plus_days, .tm_isdst = -1};
    struct tm check = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    time_t t = mktime(&tm);
    /* mktime moves 2026-02-30 to March: no such day. */
    if (t == (time_t)-1 || mktime(&check) == (time_t)-1 || check.tm_mday != d || check.tm_mon != m - 1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

int mm_text_amount(const char *s, double *out)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || n > 15)
        return -1;
    double v = 0, scale = 0; /* scale: 0 before the decimal mark */
    int digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            digits++;
            if (scale) {
                v += (*p - '0') * scale;
                scale /= 10;
            } else {
                v = v * 10 + (*p - '0');
            }
        } else if ((*p == '.' || *p == ',') && !scale && digits) {
            scale = 0.1;
        } else {
            return -1;
        }
    }
    if (!digits || (scale && s[n - 1] < '0'))
        return -1;
    *out = v;
    return 0;
}

void mm_text_hex(const void *data, size_t len, int upper, char *out)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    const unsigned char *d = data;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 0x0F];
    }
    out[2 * len] = '\0';
}
