/* SPDX-License-Identifier: EUPL-1.2 */
/* Masking of identity numbers in log text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void keeps_other_numbers(void **state)
{
    (void)state;
    masked("org 162120000142", "org 162120000142", 0);          /* organisations are public */
    masked("org 212000-0142", "org 212000-0142", 0);
    masked("job 12345 pages 3", "job 12345 pages 3", 0);
    masked("id 1234567890123456", "id 1234567890123456", 0);     /* longer runs are something else */
    masked("2026-11-28 10:00", "2026-11-28 10:00", 0);
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
        cmocka_unit_test(keeps_other_numbers),
        cmocka_unit_test(masks_server_text),
        cmocka_unit_test(log_line_is_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
