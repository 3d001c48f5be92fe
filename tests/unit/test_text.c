/* SPDX-License-Identifier: EUPL-1.2 */
/* The small shared helpers: text copies, trimming, UTF-8, digits, hex,
 * UUIDs and the sender-id rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "idnum.h"
#include "text.h"
#include "uuid.h"

static void copy_cuts_on_character_boundary(void **state)
{
    (void)state;
    char d[6];
    mm_text_copy(d, sizeof d, "abc");
    assert_string_equal(d, "abc");
    mm_text_copy(d, sizeof d, NULL);
    assert_string_equal(d, "");
    mm_text_copy(d, sizeof d, "abcdefgh");
    assert_string_equal(d, "abcde");
    /* "abcö" is 5 bytes and fits; "abcdö" would leave half an ö. */
    mm_text_copy(d, sizeof d, "abc\xc3\xb6");
    assert_string_equal(d, "abc\xc3\xb6");
    mm_text_copy(d, sizeof d, "abcd\xc3\xb6");
    assert_string_equal(d, "abcd");
    mm_text_copy(d, sizeof d, "ab\xe2\x80\x93xyz"); /* en dash: 3 bytes */
    assert_string_equal(d, "ab\xe2\x80\x93");
    mm_text_copy(d, sizeof d, "abc\xe2\x80\x93");
    assert_string_equal(d, "abc");
}

static void copy_exact_refuses_to_cut(void **state)
{
    (void)state;
    char d[4] = "old";
    assert_int_equal(mm_text_copy_exact(d, sizeof d, "abc"), 0);
    assert_string_equal(d, "abc");
    assert_int_equal(mm_text_copy_exact(d, sizeof d, "abcd"), -1);
    assert_string_equal(d, "abc");
}

static void trimming(void **state)
{
    (void)state;
    char d[8];
    mm_text_copy_trimmed(d, sizeof d, "  \t hej \n");
    assert_string_equal(d, "hej");
    mm_text_copy_trimmed(d, sizeof d, " 1234567890 ");
    assert_string_equal(d, "1234567");
    mm_text_copy_trimmed(d, sizeof d, NULL);
    assert_string_equal(d, "");
    char s[] = "  a b  ";
    assert_ptr_equal(mm_text_trim(s), s);
    assert_string_equal(s, "a b");
    char e[] = " \n ";
    assert_string_equal(mm_text_trim(e), "");
    assert_null(mm_text_trim(NULL));
}

static void utf8(void **state)
{
    (void)state;
    assert_true(mm_text_utf8_valid(""));
    assert_true(mm_text_utf8_valid("Åsa Öberg\tSkövde"));
    assert_true(mm_text_utf8_valid("\xe2\x82\xac \xf0\x9f\x93\xa8")); /* euro sign, envelope */
    assert_false(mm_text_utf8_valid("line\nbreak"));
    assert_false(mm_text_utf8_valid("\xc3"));              /* cut short */
    assert_false(mm_text_utf8_valid("\xc0\xaf"));          /* overlong '/' */
    assert_false(mm_text_utf8_valid("\xe0\x80\xaf"));      /* overlong, 3 bytes */
    assert_false(mm_text_utf8_valid("\xed\xa0\x80"));      /* surrogate */
    assert_false(mm_text_utf8_valid("\xf4\x90\x80\x80"));  /* above U+10FFFF */
    assert_false(mm_text_utf8_valid("\xff"));
    assert_false(mm_text_utf8_valid("latin-1 \xe5"));
}

static void digits_and_hex(void **state)
{
    (void)state;
    assert_true(mm_text_digits("191212121212", 12));
    assert_false(mm_text_digits("19121212121", 12));
    assert_false(mm_text_digits("19121212-212", 12));
    assert_false(mm_text_digits(NULL, 0));
    assert_true(mm_text_digits("", 0));
    char h[9];
    mm_text_hex("\x00\x1f\xa0\xff", 4, 0, h);
    assert_string_equal(h, "001fa0ff");
    mm_text_hex("\x00\x1f\xa0\xff", 4, 1, h);
    assert_string_equal(h, "001FA0FF");
    mm_text_hex("", 0, 0, h);
    assert_string_equal(h, "");
}

static void uuids(void **state)
{
    (void)state;
    char a[MM_UUID_LEN + 1], b[MM_UUID_LEN + 1];
    assert_int_equal(mm_uuid_new(a), 0);
    assert_int_equal(mm_uuid_new(b), 0);
    assert_int_equal(strlen(a), 36);
    assert_string_not_equal(a, b);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal(a[i], '-');
        else
            assert_non_null(strchr("0123456789abcdef", a[i]));
    }
    assert_int_equal(a[14], '4');                   /* version 4 */
    assert_non_null(strchr("89ab", a[19]));          /* RFC 4122 variant */
}

static void sender_ids(void **state)
{
    (void)state;
    assert_true(mm_idnum_sender_id_valid("162120000142"));
    assert_false(mm_idnum_sender_id_valid("2120000142"));
    assert_false(mm_idnum_sender_id_valid("172120000142"));
    assert_false(mm_idnum_sender_id_valid("16212000014"));
    assert_false(mm_idnum_sender_id_valid("16212000014x"));
    assert_false(mm_idnum_sender_id_valid(NULL));
}

/* Settings in kronor as people write them (issue 12's unit values). */
static void amounts(void **state)
{
    (void)state;
    double v = -1;
    assert_int_equal(mm_text_amount("7", &v), 0);
    assert_true(v == 7.0);
    assert_int_equal(mm_text_amount("1.50", &v), 0);
    assert_true(v > 1.4999 && v < 1.5001);
    assert_int_equal(mm_text_amount("1,5", &v), 0);
    assert_true(v > 1.4999 && v < 1.5001);
    assert_int_equal(mm_text_amount("62500", &v), 0);
    assert_true(v == 62500.0);
    v = 42;
    const char *bad[] = {"", "-1", "1.", ".5", "1.2.3", "1e3", "7 kr", "1234567890123456", " 7"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(mm_text_amount(bad[i], &v), -1);
    assert_int_equal(mm_text_amount(NULL, &v), -1);
    assert_true(v == 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_cuts_on_character_boundary),
        cmocka_unit_test(copy_exact_refuses_to_cut),
        cmocka_unit_test(trimming),
        cmocka_unit_test(utf8),
        cmocka_unit_test(digits_and_hex),
        cmocka_unit_test(amounts),
        cmocka_unit_test(uuids),
        cmocka_unit_test(sender_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
