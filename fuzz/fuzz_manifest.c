/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch manifest parser (lib/batchmanifest.c), as the server's split
 * child meets a manifest from a batch bundle: as CSV, as JSON and sniffed.
 * Every accepted row must keep the contract (1 <= first <= last, texts
 * terminated within their fields); a refusal leaves nothing to free. */
#include "fuzz.h"

#include "batch.h"

static void check(const mm_batch_manifest *m)
{
    if (m->n == 0 || m->n > MM_BATCH_MANIFEST_MAX_ROWS)
        abort();
    for (size_t i = 0; i < m->n; i++) {
        const mm_batch_row *r = &m->rows[i];
        if (r->first_page < 1 || r->first_page > r->last_page ||
            strnlen(r->recipient, sizeof r->recipient) == sizeof r->recipient ||
            strnlen(r->reference, sizeof r->reference) == sizeof r->reference)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = fuzz_copy(data, size);
    static const char *const types[] = {"csv", "json", NULL};
    for (size_t t = 0; t < 3; t++) {
        mm_batch_manifest m;
        mm_error err;
        if (mm_batch_manifest_parse(copy, size, types[t], &m, &err) == 0) {
            check(&m);
            mm_batch_manifest_free(&m);
        } else if (m.rows || m.n) {
            abort();
        }
    }
    free(copy);
    return 0;
}
