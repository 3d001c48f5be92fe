/* SPDX-License-Identifier: EUPL-1.2 */
/* Base64 through OpenSSL: one-line encoding, tolerant-of-lines but strict
 * decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base64.h"

static void decodes(const char *text, const char *want, size_t want_len)
{
    size_t n = 0;
    unsigned char *d = mm_base64_decode(text, strlen(text), &n);
    if (!want) {
        if (d)
            fail_msg("'%s' decoded, want refused", text);
        return;
    }
    if (!d)
        fail_msg("'%s' refused", text);
    assert_int_equal(n, want_len);
    assert_memory_equal(d, want, want_len);
    free(d);
}

static void encode(void **state)
{
    (void)state;
    assert_int_equal(mm_base64_size(0), 1);
    assert_int_equal(mm_base64_size(4), 9);
    char *e = mm_base64_encode("any carnal pleas", 16);
    assert_string_equal(e, "YW55IGNhcm5hbCBwbGVhcw==");
    free(e);
    /* Long input stays on one line. */
    unsigned char big[3000];
    memset(big, 0xA5, sizeof big);
    e = mm_base64_encode(big, sizeof big);
    assert_int_equal(strlen(e), 4000);
    assert_null(strchr(e, '\n'));
    size_t n = 0;
    unsigned char *d = mm_base64_decode(e, strlen(e), &n);
    assert_int_equal(n, sizeof big);
    assert_memory_equal(d, big, sizeof big);
    free(d);
    free(e);
}

static void decode(void **state)
{
    (void)state;
    decodes("YW55IGNhcm5hbCBwbGVhcw==", "any carnal pleas", 16);
    decodes("YW55IGNhcm5hbCBwbGVhc3U=", "any carnal pleasu", 17);
    decodes("YW55IGNhcm5h\n bCBw\r\n\tbGVhc3Vy", "any carnal pleasur", 18);
    decodes("", NULL, 0);
    decodes("YW55", "any", 3);
    decodes("YW5", NULL, 0);          /* not whole quads */
    decodes("YW==YW55", NULL, 0);     /* data after padding */
    decodes("YW55-garbage", NULL, 0); /* OpenSSL's soft end is not ours */
    decodes("YW5*", NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode),
        cmocka_unit_test(decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
