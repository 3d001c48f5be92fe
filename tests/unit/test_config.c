/* Configuration files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static mm_config *load_text(const char *text, mm_error *err)
{
    snprintf(path, sizeof path, "/tmp/mmcfgtestXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    mm_error_clear(err);
    mm_config *cfg = mm_config_load(path, err);
    unlink(path);
    return cfg;
}

static void reads_values(void **state)
{
    (void)state;
    mm_error err;
    mm_config *cfg = load_text("# comment\n\ncert = /etc/mmprint/org.crt\n  sender_name=\"Exempelkommun \"\n"
                               "timeout = 30\nverbose = yes\nempty =\n", &err);
    assert_non_null(cfg);
    assert_string_equal(mm_config_get(cfg, "cert", NULL), "/etc/mmprint/org.crt");
    assert_string_equal(mm_config_get(cfg, "sender_name", NULL), "Exempelkommun ");
    assert_int_equal(mm_config_get_long(cfg, "timeout", 5), 30);
    assert_int_equal(mm_config_get_long(cfg, "missing", 5), 5);
    assert_true(mm_config_get_bool(cfg, "verbose", 0));
    assert_string_equal(mm_config_get(cfg, "empty", "x"), "");
    assert_string_equal(mm_config_get(cfg, "nope", "def"), "def");
    assert_int_equal(mm_config_count(cfg), 5);
    assert_string_equal(mm_config_key_at(cfg, 0), "cert");
    mm_config_free(cfg);
}

static void refuses_bad_files(void **state)
{
    (void)state;
    mm_error err;
    assert_null(load_text("a = 1\nnot a pair\n", &err));
    assert_non_null(strstr(err.msg, ":2: expected 'key = value'"));
    assert_null(load_text("a = 1\na = 2\n", &err));
    assert_non_null(strstr(err.msg, "set twice"));
    assert_null(load_text("Bad Key = 1\n", &err));
    assert_non_null(strstr(err.msg, "invalid character"));
    assert_null(load_text("a = \"open\n", &err));
    assert_non_null(strstr(err.msg, "unterminated"));
    mm_error_clear(&err);
    assert_null(mm_config_load("/nonexistent/mm.conf", &err));
    assert_non_null(strstr(err.msg, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_values),
        cmocka_unit_test(refuses_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
