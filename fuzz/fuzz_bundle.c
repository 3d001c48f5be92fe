/* SPDX-License-Identifier: EUPL-1.2 */
/* The job bundle parser (lib/bundle.c), as mmprintd's POST /api/v1/jobs
 * and the backend meet a body: parse, then the server's recipient rule on
 * the parsed candidates, then write and parse again — what the parser
 * accepted must be writable, and what we write must parse. */
#include "fuzz.h"

#include "bundle.h"
#include "candidates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = (unsigned char *)fuzz_copy(data, size);
    mm_bundle b;
    mm_error err;
    mm_bundle_init(&b);
    if (mm_bundle_parse(copy, size, &b, &err) == 0) {
        static const char *const own[] = {"162120000142"};
        mm_decision d;
        char why[256];
        mm_candidates_decide(&b.cands, own, 1, 1, &d);
        mm_candidates_why(&d, &b.cands, why, sizeof why);
        mm_buf out = MM_BUF_INIT;
        if (mm_bundle_write(&b, &out, &err) == 0) {
            mm_bundle again;
            mm_bundle_init(&again);
            if (mm_bundle_parse((const unsigned char *)out.data, out.len, &again, &err))
                abort(); /* we wrote a bundle we cannot read */
        }
        mm_buf_free(&out);
    }
    free(copy);
    return 0;
}
