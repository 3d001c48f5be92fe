/* SPDX-License-Identifier: EUPL-1.2 */
/* The label rules (lib/candidates.c): the bundle's candidates list parsed,
 * decided with and without known sender numbers, explained, and written
 * back — which must then parse to the same list. */
#include "fuzz.h"

#include "candidates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    mm_candidates c, again;
    mm_error err;
    memset(&c, 0, sizeof c);
    if (mm_candidates_parse(text, &c, &err) == 0) {
        static const char *const own[] = {"162120000142", "165560000000"};
        mm_decision d;
        char why[256], form[1000];
        for (int know = 0; know < 2; know++) {
            mm_candidates_decide(&c, own, know ? 2 : 0, know, &d);
            mm_candidates_why(&d, &c, why, sizeof why);
        }
        if (mm_candidates_format(&c, form, sizeof form, &err) == 0) {
            memset(&again, 0, sizeof again);
            if (mm_candidates_parse(form, &again, &err) || again.n != c.n ||
                memcmp(again.list, c.list, sizeof c.list[0] * (size_t)c.n))
                abort(); /* what we write must read back the same */
        }
    }
    free(text);
    return 0;
}
