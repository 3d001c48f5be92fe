/* SPDX-License-Identifier: EUPL-1.2 */
/* What every libFuzzer harness in fuzz/ shares: libFuzzer's entry point and
 * a NUL-terminated copy of the input, for the parsers that take C strings. */
#ifndef MM_FUZZ_H
#define MM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The input as a malloc'd copy of exactly size bytes (not terminated, so
 * AddressSanitizer sees any read past the end); the caller frees it. */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    return s;
}

/* The input as a malloc'd C string (a NUL inside ends it early, as it
 * would for the parser's real callers); the caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* libxml2 ready and silent: its messages for broken documents are the
 * normal case here, not news.  Both calls are cheap to repeat, so the XML
 * targets make them on every input rather than each defining an
 * LLVMFuzzerInitialize for them. */
static inline void fuzz_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static inline void fuzz_libxml_init(void)
{
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, fuzz_quiet);
}

#endif
