/* SPDX-License-Identifier: EUPL-1.2 */
/* Version 4 UUIDs from OpenSSL's CSPRNG. */
#include "uuid.h"

#include <openssl/rand.h>

#include "text.h"

int mm_uuid_new(char out[MM_UUID_LEN + 1])
{
    unsigned char u[16];
    out[0] = '\0';
    if (RAND_bytes(u, sizeof u) != 1)
        return -1;
    u[6] = (unsigned char)((u[6] & 0x0F) | 0x40); /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    /* 8-4-4-4-12 hex digits */
    static const unsigned char groups[] = {4, 2, 2, 2, 6};
    char *o = out;
    const unsigned char *p = u;
    for (size_t g = 0; g < sizeof groups; g++) {
        if (g)
            *o++ = '-';
        mm_text_hex(p, groups[g], 0, o);
        o += 2 * groups[g];
        p += groups[g];
    }
    return 0;
}
