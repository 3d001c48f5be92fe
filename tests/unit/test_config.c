/* SPDX-License-Identifier: EUPL-1.2 */
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

#include "client.h"
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

/* A program's settings and its one table of keys. */
typedef struct {
    char name[8];
    const char *url;
    long workers;
    int port;
    long timeout_ms;
    long expiry_s;
    int plain;
    long spare;
} settings;

static const mm_config_key keys[] = {
    {"name", MM_CONFIG_TEXT, offsetof(settings, name), sizeof((settings *)0)->name, NULL, 0, 0, 0,
     MM_CONFIG_REQUIRED},
    {"url", MM_CONFIG_REF, offsetof(settings, url), 0, "https://far.example", 0, 0, 0, 0},
    {"workers", MM_CONFIG_LONG, offsetof(settings, workers), 0, "16", 1, 64, 0, 0},
    {"port", MM_CONFIG_INT, offsetof(settings, port), 0, "8631", 1, 65535, 0, 0},
    {"timeout", MM_CONFIG_LONG, offsetof(settings, timeout_ms), 0, "120", 1, 3600, 1000, 0},
    {"expiry", MM_CONFIG_DURATION, offsetof(settings, expiry_s), 0, "14d", 1, 3650L * 86400, 0, 0},
    {"plain", MM_CONFIG_BOOL, offsetof(settings, plain), 0, "no", 0, 0, 0, 0},
    {"spare", MM_CONFIG_LONG, offsetof(settings, spare), 0, "3", 1, 9, 0, MM_CONFIG_EMPTY_ABSENT},
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* Applies the table to text; returns the apply result, err set. */
static int apply_text(const char *text, settings *s, mm_error *err)
{
    memset(s, 0, sizeof *s);
    mm_config *cfg = load_text(text, err);
    if (!cfg)
        return -2;
    int rc = mm_config_apply(cfg, "t.conf", keys, NKEYS, s, err);
    mm_config_free(cfg);
    return rc;
}

static void table_defaults(void **state)
{
    (void)state;
    mm_error err;
    settings s;
    mm_config *cfg = load_text("name = a\n", &err);
    assert_non_null(cfg);
    memset(&s, 0, sizeof s);
    assert_int_equal(mm_config_apply(cfg, "t.conf", keys, NKEYS, &s, &err), 0);
    assert_string_equal(s.name, "a");
    assert_string_equal(s.url, "https://far.example");
    assert_int_equal(s.workers, 16);
    assert_int_equal(s.port, 8631);
    assert_int_equal(s.timeout_ms, 120000);
    assert_int_equal(s.expiry_s, 14 * 86400);
    assert_int_equal(s.plain, 0);
    char out[64];
    mm_config_format(&keys[5], &s, out, sizeof out);
    assert_string_equal(out, "14d");
    mm_config_format(&keys[4], &s, out, sizeof out);
    assert_string_equal(out, "120");
    mm_config_format(&keys[6], &s, out, sizeof out);
    assert_string_equal(out, "no");
    mm_config_free(cfg);
}

static void table_values(void **state)
{
    (void)state;
    mm_error err;
    settings s;
    assert_int_equal(apply_text("name = b\nurl =\nspare =\nworkers = 64\nport = 1\ntimeout = 2\nexpiry = 90m\nplain = yes\n",
                                &s, &err), 0);
    assert_string_equal(s.name, "b");
    assert_string_equal(s.url, "https://far.example"); /* an empty reference counts as absent */
    assert_int_equal(s.spare, 3);                      /* and so does an empty MM_CONFIG_EMPTY_ABSENT */
    assert_int_equal(s.workers, 64);
    assert_int_equal(s.port, 1);
    assert_int_equal(s.timeout_ms, 2000);
    assert_int_equal(s.expiry_s, 5400);
    assert_int_equal(s.plain, 1);
    char out[64];
    mm_config_format(&keys[5], &s, out, sizeof out);
    assert_string_equal(out, "90m");
}

static void table_refusals(void **state)
{
    (void)state;
    mm_error err;
    settings s;
    assert_int_equal(apply_text("name = a\ncolour = blue\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, ":2: unknown key 'colour'"));
    assert_int_equal(apply_text("name = a\nname = b\n", &s, &err), -2);
    assert_non_null(strstr(err.msg, "'name' is set twice"));
    assert_int_equal(apply_text("workers = 4\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, "name is required"));
    assert_int_equal(apply_text("name =\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, "name is required"));
    assert_int_equal(apply_text("name = toolongname\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, "name is too long (max 7)"));
    assert_int_equal(apply_text("name = a\nworkers = 65\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, "workers must be a number from 1 to 64"));
    assert_int_equal(apply_text("name = a\nworkers = 0\n", &s, &err), -1);
    assert_int_equal(apply_text("name = a\nworkers = 8x\n", &s, &err), -1);
    assert_int_equal(apply_text("name = a\nport =\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, "port must be a number from 1 to 65535"));
    assert_int_equal(apply_text("name = a\nexpiry = 14\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, "expiry must be a whole number with a unit s, m, h or d (e.g. 14d)"));
    assert_int_equal(apply_text("name = a\nexpiry = 0s\n", &s, &err), -1);
    assert_int_equal(apply_text("name = a\nexpiry = 3651d\n", &s, &err), -1);
    assert_int_equal(apply_text("name = a\nexpiry = 2w\n", &s, &err), -1);
    assert_int_equal(apply_text("name = a\nplain = maybe\n", &s, &err), -1);
    assert_non_null(strstr(err.msg, "plain must be yes or no"));
}

/* The backend's file goes through the same parser and a table of its own. */
static void client_file(void **state)
{
    (void)state;
    mm_error err;
    mm_client_conf c;
    const char *texts[] = {
        "cert = a\nkey = b\nca = c\n",                           /* defaults */
        "cert = a\nkey = b\nca = c\ncert = d\n",                 /* set twice */
        "cert = a\nkey = b\nca = c\nconnect_timeout = 3601\n",   /* out of range */
        "cert = a\nkey = \"\"\nca = c\n",                        /* required, empty */
        "cert = \" a \"\nkey = b\nca = c\ntimeout = 7\n",        /* quoted */
    };
    int want[] = {0, -1, -1, -1, 0};
    const char *msg[] = {NULL, "'cert' is set twice", "connect_timeout must be a number from 1 to 3600",
                         "key is required", NULL};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        snprintf(path, sizeof path, "/tmp/mmcfgtestXXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, texts[i], strlen(texts[i])), (ssize_t)strlen(texts[i]));
        close(fd);
        mm_error_clear(&err);
        assert_int_equal(mm_client_conf_load(path, &c, &err), want[i]);
        unlink(path);
        if (msg[i])
            assert_non_null(strstr(err.msg, msg[i]));
    }
    /* the last one */
    assert_string_equal(c.cert, " a ");
    assert_int_equal(c.timeout_ms, 7000);
    assert_int_equal(c.connect_timeout_ms, 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_values),
        cmocka_unit_test(refuses_bad_files),
        cmocka_unit_test(table_defaults),
        cmocka_unit_test(table_values),
        cmocka_unit_test(table_refusals),
        cmocka_unit_test(client_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
