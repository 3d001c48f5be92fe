/* SPDX-License-Identifier: EUPL-1.2 */
/* What every libFuzzer harness in fuzz/ shares: libFuzzer's entry point and
 * a NUL-terminated copy of the input, for the parsers that take C strings. */
#ifndef MM_FUZZ_H
#define MM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

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

#endif
