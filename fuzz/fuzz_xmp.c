/* SPDX-License-Identifier: EUPL-1.2 */
/* The XMP reader (lib/discover.c): a PDF's metadata packet, in which the
 * filter looks for the mm:recipient property. */
#include "fuzz.h"

#include "discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_libxml_init();
    char *xmp = fuzz_cstr(data, size);
    free(mm_discover_xmp_recipient(xmp));
    free(xmp);
    return 0;
}
