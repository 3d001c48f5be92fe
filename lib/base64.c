/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64 over OpenSSL: EVP_EncodeBlock for one-line output, the
 * EVP_Decode* stream for input (whitespace, line breaks and padding are
 * OpenSSL's to handle, not ours). */
#include "base64.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"

size_t mm_base64_size(size_t len)
{
    /* EVP_EncodeBlock counts in int. */
    if (len > (size_t)INT_MAX / 4 * 3)
        return 0;
    return 4 * ((len + 2) / 3) + 1;
}

void mm_base64_write(const void *data, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}

char *mm_base64_encode(const void *data, size_t len)
{
    size_t n = mm_base64_size(len);
    char *out = n ? malloc(n) : NULL;
    if (out)
        mm_base64_write(data, len, out);
    return out;
}

long long mm_base64_decode_to(const char *text, size_t len, mm_base64_sink put, void *ctx)
{
    /* OpenSSL reads '-' as a soft end of the data and ignores the rest;
     * in our inputs anything after it would be silently dropped. */
    if (memchr(text, '-', len))
        return -1;
    EVP_ENCODE_CTX *dc = EVP_ENCODE_CTX_new();
    if (!dc)
        return -1;
    EVP_DecodeInit(dc);
    /* 3 bytes out for every 4 in, plus what the context held back. */
    unsigned char out[3 * 4096 / 4 + 80];
    long long total = 0;
    int n = 0, rc = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        int chunk = len - off > 4096 ? 4096 : (int)(len - off);
        if (EVP_DecodeUpdate(dc, out, &n, (const unsigned char *)text + off, chunk) < 0 ||
            (n > 0 && put(ctx, out, (size_t)n) < 0))
            rc = -1;
        total += n;
        off += (size_t)chunk;
    }
    if (rc == 0 && (EVP_DecodeFinal(dc, out, &n) < 0 || (n > 0 && put(ctx, out, (size_t)n) < 0)))
        rc = -1;
    total += n;
    EVP_ENCODE_CTX_free(dc);
    return rc < 0 ? -1 : total;
}

static int to_buf(void *ctx, const unsigned char *data, size_t len)
{
    return mm_buf_append(ctx, data, len);
}

unsigned char *mm_base64_decode(const char *text, size_t len, size_t *out_len)
{
    mm_buf b = MM_BUF_INIT;
    long long n = mm_base64_decode_to(text, len, to_buf, &b);
    if (n <= 0) {
        mm_buf_free(&b);
        return NULL;
    }
    *out_len = b.len;
    return (unsigned char *)b.data; /* malloc'd by mm_buf: free() it */
}
