/* SPDX-License-Identifier: EUPL-1.2 */
/* Masking of identity numbers in log text: the one rule (mm_log_mask_text)
 * masks every shape of a number that discovery itself accepts, checked
 * against discovery (mm_discover_in_text) for every character of the
 * Basic Multilingual Plane as the separator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discover.h"
#include "log.h"

static void masked(const char *in, const char *want, size_t count)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", in);
    size_t n = mm_log_mask_text(buf);
    if (strcmp(buf, want) || n != count)
        fail_msg("'%s' -> '%s' (%zu), want '%s' (%zu)", in, buf, n, want, count);
}

static void masks_person_numbers(void **state)
{
    (void)state;
    masked("recipient 191212121212 ok", "recipient 19121212**** ok", 1);
    masked("19121212-1212", "19121212-****", 1);
    masked("x121212-1212,", "x121212-****,", 1);
    masked("121212+1212", "121212+****", 1);
    masked("1212121212", "121212****", 1);
    masked("a 19121212\xe2\x80\x93" "1212 b", "a 19121212\xe2\x80\x93**** b", 1);  /* en dash */
    masked("19121212\xe2\x88\x92" "1212", "19121212\xe2\x88\x92****", 1);         /* minus sign */
    masked("two: 191212121212 and 197010632391", "two: 19121212**** and 19701063****", 2);
}

/* The shapes of issue 10: a space, Unicode dashes and spaces, '+'. */
static void masks_every_separator_shape(void **state)
{
    (void)state;
    masked("pnr 19121212 1212 x", "pnr 19121212 **** x", 1);
    masked("pnr 121212 1212", "pnr 121212 ****", 1);
    masked("121212\t1212", "121212\t****", 1);
    masked("19121212+1212", "19121212+****", 1);                                  /* 100 years or older */
    masked("121212\xc2\xa0" "1212", "121212\xc2\xa0****", 1);                       /* no-break space */
    masked("121212\xe2\x80\xaf" "1212", "121212\xe2\x80\xaf****", 1);               /* narrow no-break */
    masked("121212\xe2\x80\x90" "1212", "121212\xe2\x80\x90****", 1);               /* hyphen */
    masked("121212\xe2\x80\x94" "1212", "121212\xe2\x80\x94****", 1);               /* em dash */
    /* Soft hyphens and zero-width spaces vanish in discovery: the digits join. */
    masked("121212\xc2\xad" "1212", "121212\xc2\xad****", 1);
    masked("1912\xe2\x80\x8b" "12121212", "1912\xe2\x80\x8b" "1212****", 1);
    masked("19121212\xc2\xad-1212", "19121212\xc2\xad-****", 1);
    /* Two separators, or a number inside a longer run, are no number. */
    masked("121212  1212", "121212  1212", 0);
    masked("1121212 1212", "1121212 1212", 0);
    masked("121212 12121", "121212 12121", 0);
    /* Organisations stay public with any separator. */
    masked("212000 0142", "212000 0142", 0);
    masked("16212000\xe2\x80\x93" "0142", "16212000\xe2\x80\x93" "0142", 0);
}

/* Appends code point cp as UTF-8. */
static size_t utf8(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Whatever character discovery reads as (or between) the parts of a
 * number, the masker masks: the list is discovery's own, not a copy. */
static void masks_what_discovery_accepts(void **state)
{
    (void)state;
    static const char *const heads[] = {"19121212", "121212"};
    int accepted = 0;
    for (unsigned cp = 1; cp <= 0xFFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        for (size_t h = 0; h < 2; h++) {
            char text[64], line[64];
            size_t n = (size_t)snprintf(text, sizeof text, "Personnummer: %s", heads[h]);
            n += utf8(cp, text + n);
            snprintf(text + n, sizeof text - n, "1212");
            mm_discover_result r;
            memset(&r, 0, sizeof r);
            if (mm_discover_in_text(text, NULL, NULL, &r) != 0 || !r.found)
                continue;
            accepted++;
            snprintf(line, sizeof line, "%s", text);
            size_t m = mm_log_mask_text(line);
            size_t len = strlen(line);
            if (m != 1 || len < 4 || strcmp(line + len - 4, "****"))
                fail_msg("discovery takes U+%04X as a separator but the mask leaves '%s'", cp, line);
        }
    }
    /* '-', '+' (10 digits only), space, tab, the Unicode dashes, spaces and
     * the characters it drops: a change in discovery shows here. */
    assert_true(accepted >= 30);
}

static void keeps_other_numbers(void **state)
{
    (void)state;
    masked("org 162120000142", "org 162120000142", 0);          /* organisations are public */
    masked("org 212000-0142", "org 212000-0142", 0);
    masked("job 12345 pages 3", "job 12345 pages 3", 0);
    masked("id 1234567890123456", "id 1234567890123456", 0);     /* longer runs are something else */
    masked("2026-11-28 10:00", "2026-11-28 10:00", 0);
    /* Letters' hashes and job ids in logs and journal details stay whole. */
    masked("sha256 ab191212121212cd0000000000000000000000000000000000000000000000ff",
           "sha256 ab191212121212cd0000000000000000000000000000000000000000000000ff", 0);
    masked("job 19121212-1212-4abc-8def-191212121212 done", "job 19121212-1212-4abc-8def-191212121212 done", 0);
    /* ... but not a number merely next to hex letters. */
    masked("id ab191212121212cd", "id ab19121212****cd", 1);
}

/* The backend and mmctl mask server text for CUPS lines with the same rule. */
static void masks_server_text(void **state)
{
    (void)state;
    char a[] = "Till 19121212-1212 och 191212121212, 121212-1212 och 1212121212.";
    mm_log_mask_text(a);
    assert_string_equal(a, "Till 19121212-**** och 19121212****, 121212-**** och 121212****.");
    char b[] = "Jobb 1234567 sida 12345678901234 tel 08-123 45 67";
    mm_log_mask_text(b);
    assert_string_equal(b, "Jobb 1234567 sida 12345678901234 tel 08-123 45 67");
    /* Organisation numbers are public: the CUPS line may name the sender's. */
    char c[] = "Org.nr 212000-0142, 162120000142 och 5560160680; pnr 201501012384";
    mm_log_mask_text(c);
    assert_string_equal(c, "Org.nr 212000-0142, 162120000142 och 5560160680; pnr 20150101****");
}

static void log_line_is_masked(void **state)
{
    (void)state;
    char path[] = "/tmp/mmlogtestXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    mm_log_init("testlog", MM_LOG_INFO);
    mm_log(MM_LOG_INFO, "sending to %s", "191212121212");
    mm_log(MM_LOG_DEBUG, "hidden %s", "debug");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[512] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "testlog["));
    assert_non_null(strstr(buf, "info: sending to 19121212****"));
    assert_null(strstr(buf, "191212121212"));
    assert_null(strstr(buf, "hidden"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(masks_person_numbers),
        cmocka_unit_test(masks_every_separator_shape),
        cmocka_unit_test(masks_what_discovery_accepts),
        cmocka_unit_test(keeps_other_numbers),
        cmocka_unit_test(masks_server_text),
        cmocka_unit_test(log_line_is_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
