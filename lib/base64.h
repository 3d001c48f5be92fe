/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64 (RFC 4648) through OpenSSL's EVP encoder and streaming decoder.
 * Mina meddelanden writes base64 on one line (spec/mina-meddelanden.md
 * §4.4); XML we receive may break it into lines. */
#ifndef MM_BASE64_H
#define MM_BASE64_H

#include <stddef.h>

/* Bytes mm_base64_write needs for len bytes of data, the NUL included;
 * 0 when len is too large to encode (over 1.5 GiB). */
size_t mm_base64_size(size_t len);

/* Writes len bytes as base64 on one line, NUL-terminated, into out, which
 * holds mm_base64_size(len) bytes (len must be encodable). */
void mm_base64_write(const void *data, size_t len, char *out);

/* The same into a new string the caller free()s; NULL when memory runs out
 * or len is too large. */
char *mm_base64_encode(const void *data, size_t len);

/* Decodes base64 text (whitespace anywhere ignored; padding only at the
 * end) and hands the bytes to put in pieces, which returns 0 or -1 to
 * stop.  Returns the number of bytes decoded, or -1 when the text is not
 * base64 (a stray character, data after padding, a length that is not a
 * whole number of quads) or put failed. */
typedef int (*mm_base64_sink)(void *ctx, const unsigned char *data, size_t len);
long long mm_base64_decode_to(const char *text, size_t len, mm_base64_sink put, void *ctx);

/* Decodes base64 text into a new buffer the caller free()s, *out_len its
 * length; NULL when the text is empty, not base64 or memory runs out. */
unsigned char *mm_base64_decode(const char *text, size_t len, size_t *out_len);

#endif
