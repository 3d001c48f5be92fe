/* SPDX-License-Identifier: EUPL-1.2 */
/* The page-text scanner (lib/discover.c, mm_discover_in_text): labels,
 * number shapes, Unicode dashes and spaces, form-fed pages, as poppler's
 * text of a hostile PDF would give them. */
#include <time.h>

#include "fuzz.h"

#include "discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The scanner's own bound is far above what a fuzzer should spend on. */
    if (size > 64 * 1024)
        return 0;
    char *text = fuzz_cstr(data, size);
    struct tm today = {.tm_year = 2024 - 1900, .tm_mon = 5, .tm_mday = 1};
    mm_discover_result r;
    memset(&r, 0, sizeof r);
    mm_discover_in_text(text, "162120000142", &today, &r);
    memset(&r, 0, sizeof r);
    mm_discover_in_text(text, NULL, &today, &r);
    free(text);
    return 0;
}
