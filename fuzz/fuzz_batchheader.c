/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch bundle header parser (lib/batchbundle.c), as mmprintd's
 * POST /api/v1/batches meets the first 64 KiB of a body: parse, then write
 * and parse again — what the parser accepted must be writable, and what we
 * write must parse to the same header. */
#include "fuzz.h"

#include "batchbundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = (unsigned char *)fuzz_copy(data, size);
    mm_batch_header h, again;
    mm_error err;
    size_t hl = 0, hl2 = 0;
    if (mm_batch_header_parse(copy, size, &h, &hl, &err) == 0) {
        if (hl == 0 || hl > size || hl > MM_BATCH_MAX_HEADER + 1)
            abort();
        mm_buf out = MM_BUF_INIT;
        if (mm_batch_header_write(&h, &out, &err) == 0) {
            if (mm_batch_header_parse((const unsigned char *)out.data, out.len, &again, &hl2, &err) ||
                hl2 != out.len || memcmp(&h, &again, sizeof h))
                abort(); /* we wrote a header we cannot read back */
        }
        mm_buf_free(&out);
    }
    free(copy);
    return 0;
}
