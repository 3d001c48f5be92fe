/* SPDX-License-Identifier: EUPL-1.2 */
/* Small text helpers every program needs: bounded copies that never cut a
 * UTF-8 character in half, trimming, strict UTF-8 validation, digit runs
 * and hex encoding.  Plain C strings in caller-owned buffers; nothing here
 * allocates. */
#ifndef MM_TEXT_H
#define MM_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (size bytes, size > 0), cut on a UTF-8 character
 * boundary when it does not fit; NULL src copies "".  For display text,
 * where a shorter string is still right. */
void mm_text_copy(char *dst, size_t size, const char *src);

/* Copies src whole into dst or fails with -1 (dst untouched) when it does
 * not fit: for ids, paths and addresses, where a cut value would be wrong. */
int mm_text_copy_exact(char *dst, size_t size, const char *src);

/* As mm_text_copy, without the whitespace around src. */
void mm_text_copy_trimmed(char *dst, size_t size, const char *src);

/* Removes surrounding whitespace in place, moving the text to the start,
 * so s stays the pointer to free.  Returns s (NULL for NULL). */
char *mm_text_trim(char *s);

/* 1 when s is strict UTF-8 (no overlong forms, surrogates or code points
 * above U+10FFFF) without control characters other than tab; else 0. */
int mm_text_utf8_valid(const char *s);

/* 1 when s is exactly n ASCII digits; NULL is not. */
int mm_text_digits(const char *s, size_t n);

/* Writes len bytes as 2*len hex digits plus NUL into out (2*len+1 bytes):
 * lower case, or upper case when upper is set. */
void mm_text_hex(const void *data, size_t len, int upper, char *out);
/* An amount as people write it in a setting: digits with at most one
 * decimal mark, '.' or ',' ("7", "1.50", "1,50"), no sign, no exponent,
 * at most 15 characters, into *out: 0, or -1 (*out unchanged). */
int mm_text_amount(const char *s, double *out);
/* A calendar day as people give it in a form or a query, exactly
 * "YYYY-MM-DD" (a real date, year 1970 or later), into *ms: the local
 * midnight that begins it, plus_days days later (1: the midnight that ends
 * it; a day of 23 or 25 hours keeps its length).  0, or -1 (*ms unchanged). */
int mm_text_day(const char *text, int plus_days, int64_t *ms);

#endif
