/* SPDX-License-Identifier: EUPL-1.2 */
/* lib/client: device URI parsing, backend.conf, key and trust file
 * permissions, control characters in server text, the server answer ->
 * CUPS action table (its masking of server text is
 * mm_log_mask_text, tested in test_log). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"

static void test_base_url(void **state)
{
    (void)state;
    char out[300];
    mm_error err;
    assert_int_equal(mm_client_base_url("mmprint://print.example.se:8631/", out, sizeof out, &err), 0);
    assert_string_equal(out, "https://print.example.se:8631");
    assert_int_equal(mm_client_base_url("mmprint://127.0.0.1/", out, sizeof out, &err), 0);
    assert_string_equal(out, "https://127.0.0.1:8631");
    assert_int_equal(mm_client_base_url("mmprint://[::1]:9000", out, sizeof out, &err), 0);
    assert_string_equal(out, "https://[::1]:9000");
    static const char *const bad[] = {
        "ipp://host/", "mmprint://", "mmprint:///", "mmprint://user:pw@host/", "mmprint://host:0/",
        "mmprint://host:99999/", "mmprint://host/path", "mmprint://host/?x=1", "mmprint://ho st/",
        "mmprint://[::1/", "mmprint://host:12ab/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_error_clear(&err);
        assert_int_equal(mm_client_base_url(bad[i], out, sizeof out, &err), -1);
        assert_int_equal(err.cls, MM_ERR_INPUT);
    }
}

static mm_client_action classify(long status, const char *json)
{
    mm_client_reply r;
    mm_client_parse_reply(status, json, json ? strlen(json) : 0, &r);
    return mm_client_classify(&r);
}

static void test_classify(void **state)
{
    (void)state;
    assert_int_equal(classify(201, "{\"state\":\"delivered\"}"), MM_CLIENT_DONE);
    assert_int_equal(classify(200, "{\"state\":\"printed\"}"), MM_CLIENT_DONE);
    assert_int_equal(classify(201, "{\"state\":\"queued\"}"), MM_CLIENT_DONE);
    assert_int_equal(classify(201, "{\"state\":\"sending\"}"), MM_CLIENT_DONE);
    assert_int_equal(classify(201, "{\"state\":\"printing\"}"), MM_CLIENT_DONE);
    assert_int_equal(classify(201, "{\"state\":\"needs-recipient\"}"), MM_CLIENT_HOLD);
    assert_int_equal(classify(200, "{\"state\":\"needs-recipient\"}"), MM_CLIENT_HOLD);
    assert_int_equal(classify(201, "{\"state\":\"returned\"}"), MM_CLIENT_CANCEL);
    assert_int_equal(classify(200, "{\"state\":\"failed\"}"), MM_CLIENT_CANCEL);
    assert_int_equal(classify(200, "{\"state\":\"cancelled\"}"), MM_CLIENT_CANCEL);
    /* A held letter the server let expire (held_expiry) is never sent: not retried forever. */
    assert_int_equal(classify(200, "{\"state\":\"expired\"}"), MM_CLIENT_CANCEL);
    /* A 2xx we cannot read is asked again (the key makes that safe), never taken as delivered. */
    assert_int_equal(classify(201, "{\"state\":\"bogus\"}"), MM_CLIENT_RETRY);
    assert_int_equal(classify(201, "not json"), MM_CLIENT_RETRY);
    assert_int_equal(classify(400, "{\"error\":\"bad-bundle\",\"message\":\"Felaktig\"}"), MM_CLIENT_CANCEL);
    assert_int_equal(classify(413, NULL), MM_CLIENT_CANCEL);
    assert_int_equal(classify(401, NULL), MM_CLIENT_STOP);
    assert_int_equal(classify(403, NULL), MM_CLIENT_STOP);
    assert_int_equal(classify(500, NULL), MM_CLIENT_RETRY);
    assert_int_equal(classify(503, "{\"error\":\"draining\"}"), MM_CLIENT_RETRY);
    assert_int_equal(classify(429, NULL), MM_CLIENT_RETRY);
    assert_int_equal(classify(302, NULL), MM_CLIENT_RETRY);
}

static void test_parse_reply(void **state)
{
    (void)state;
    const char *j = "{\"id\":\"j-17\",\"state\":\"delivered\",\"channel\":\"digital\",\"operator\":\"Kivra\","
                    "\"printer\":null,\"message\":\"Levererat digitalt\\ntill Kivra\",\"pages\":3}";
    mm_client_reply r;
    mm_client_parse_reply(201, j, strlen(j), &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.id, "j-17");
    assert_string_equal(r.channel, "digital");
    assert_string_equal(r.operator_name, "Kivra");
    assert_string_equal(r.printer, "");
    assert_string_equal(r.message, "Levererat digitalt till Kivra");
    assert_int_equal(r.pages, 3);
    /* What the server says goes into CUPS lines: a line break, an escape
     * sequence, a C1 NEL, U+2028 or a bidi override in any field cannot
     * start a second line or change how the line reads. */
    const char *evil = "{\"state\":\"needs\\u0085-recipient\",\"id\":\"a\\rb\","
                       "\"message\":\"  Personnummer saknas\\n\\nERROR: forged\\u001b[31m red\\u007f"
                       "\\u2028INFO: x\\u202e kcab\\u2029 \",\"error\":\"bad\\tthing\"}";
    mm_client_parse_reply(200, evil, strlen(evil), &r);
    assert_string_equal(r.message, "Personnummer saknas ERROR: forged [31m red INFO: x kcab");
    assert_string_equal(r.state, "needs -recipient");
    assert_string_equal(r.id, "a b");
    assert_string_equal(r.error, "bad thing");
    mm_client_parse_reply(201, "{\"pages\":-4,\"message\":5}", 25, &r);
    assert_int_equal(r.pages, 0);
    assert_string_equal(r.message, "");
}

/* The one helper for text that goes into a CUPS line. */
static void test_one_line(void **state)
{
    (void)state;
    char t[128];
    snprintf(t, sizeof t, "%s", "a\r\nb\tc\x7f" "d\xc2\x85" "e\xc2\x9f" "f");
    mm_client_one_line(t);
    assert_string_equal(t, "a b c d e f");
    /* U+2028, U+2029, the bidi embeddings/overrides and isolates. */
    snprintf(t, sizeof t, "%s", "x\xe2\x80\xa8y\xe2\x80\xa9z\xe2\x80\xaeq\xe2\x81\xa6w\xe2\x81\xa9");
    mm_client_one_line(t);
    assert_string_equal(t, "x y z q w");
    /* Swedish letters, the en dash and NBSP (U+00A0) stay. */
    snprintf(t, sizeof t, "%s", "Åtgärd \xe2\x80\x93 klar\xc2\xa0nu");
    mm_client_one_line(t);
    assert_string_equal(t, "Åtgärd \xe2\x80\x93 klar\xc2\xa0nu");
    /* Bytes that are not UTF-8 (a cut sequence, overlong, surrogate) go. */
    snprintf(t, sizeof t, "%s", "a\xc3" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x80");
    mm_client_one_line(t);
    assert_string_equal(t, "a b c d");
    t[0] = '\0';
    mm_client_one_line(t);
    assert_string_equal(t, "");
    snprintf(t, sizeof t, "%s", "\n\n\x1b");
    mm_client_one_line(t);
    assert_string_equal(t, "");
}

/* The notifier names a job by its CUPS job-uuid in a URL path: only what the
 * server takes as an Idempotency-Key may go there. */
static void test_key_valid(void **state)
{
    (void)state;
    assert_true(mm_client_key_valid("urn:uuid:2f1c5a9e-3b7d-4c1a-9e0f-5a6b7c8d9e0f"));
    assert_true(mm_client_key_valid("job_1.2-a"));
    assert_false(mm_client_key_valid(""));
    assert_false(mm_client_key_valid(NULL));
    assert_false(mm_client_key_valid("urn:uuid:x/../../jobs"));
    assert_false(mm_client_key_valid("a?b"));
    assert_false(mm_client_key_valid("a b"));
    assert_false(mm_client_key_valid("a%2fb"));
    char longkey[130];
    memset(longkey, 'a', 129);
    longkey[129] = 0;
    assert_false(mm_client_key_valid(longkey));
    longkey[128] = 0;
    assert_true(mm_client_key_valid(longkey));
}

static char tmpdir[64];

static void write_file(const char *name, const char *text, mode_t mode, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_conf(void **state)
{
    (void)state;
    char path[128];
    mm_client_conf c;
    mm_error err;
    write_file("ok.conf", "# backend\ncert = /etc/mmprint/desk.crt\n key=/etc/mmprint/desk.key \nca = /etc/mmprint/ca.crt\n"
               "timeout = 30\nconnect_timeout = 2\n", 0644, path, sizeof path);
    assert_int_equal(mm_client_conf_load(path, &c, &err), 0);
    assert_string_equal(c.cert, "/etc/mmprint/desk.crt");
    assert_string_equal(c.key, "/etc/mmprint/desk.key");
    assert_string_equal(c.ca, "/etc/mmprint/ca.crt");
    assert_int_equal(c.timeout_ms, 30000);
    assert_int_equal(c.connect_timeout_ms, 2000);
    write_file("bad.conf", "cert = a\nkey = b\nca = c\nserver = x\n", 0644, path, sizeof path);
    assert_int_equal(mm_client_conf_load(path, &c, &err), -1);
    assert_non_null(strstr(err.msg, "unknown key 'server'"));
    write_file("missing.conf", "cert = a\nkey = b\n", 0644, path, sizeof path);
    assert_int_equal(mm_client_conf_load(path, &c, &err), -1);
    write_file("timeout.conf", "cert = a\nkey = b\nca = c\ntimeout = 0\n", 0644, path, sizeof path);
    assert_int_equal(mm_client_conf_load(path, &c, &err), -1);
    assert_int_equal(mm_client_conf_load("/nonexistent/backend.conf", &c, &err), -1);
}

static void test_key_perms(void **state)
{
    (void)state;
    char path[128];
    mm_error err;
    write_file("k600.pem", "key", 0600, path, sizeof path);
    assert_int_equal(mm_client_check_key(path, &err), 0);
    write_file("k400.pem", "key", 0400, path, sizeof path);
    assert_int_equal(mm_client_check_key(path, &err), 0);
    write_file("k644.pem", "key", 0644, path, sizeof path);
    assert_int_equal(mm_client_check_key(path, &err), -1);
    assert_non_null(strstr(err.msg, "accessible by others"));
    assert_non_null(strstr(err.msg, "chmod 600"));
    write_file("k604.pem", "key", 0604, path, sizeof path);
    assert_int_equal(mm_client_check_key(path, &err), -1);
    /* Root-only: group-readable is refused whatever the group (lp, whose
     * filters parse every document, too). */
    write_file("k640.pem", "key", 0640, path, sizeof path);
    assert_int_equal(mm_client_check_key(path, &err), -1);
    assert_non_null(strstr(err.msg, "group-readable"));
    assert_non_null(strstr(err.msg, "chmod 600"));
    assert_non_null(strstr(err.msg, path));
    write_file("k620.pem", "key", 0620, path, sizeof path);
    assert_int_equal(mm_client_check_key(path, &err), -1);
    assert_non_null(strstr(err.msg, "group-writable"));
    if (geteuid() == 0) {
        write_file("kuid.pem", "key", 0600, path, sizeof path);
        assert_int_equal(chown(path, 12345, 0), 0);
        assert_int_equal(mm_client_check_key(path, &err), -1);
        assert_non_null(strstr(err.msg, "chown root:root"));
    }
    assert_int_equal(mm_client_check_key("/nonexistent/key.pem", &err), -1);
}

/* backend.conf with its own files: the CA and the configuration decide
 * whom the backend trusts, so nobody but root may be able to change them. */
static void test_trust_files(void **state)
{
    (void)state;
    char conf[128], ca[128], cert[128], key[128], text[600];
    mm_client_conf c;
    mm_error err;
    write_file("t.crt", "cert", 0644, cert, sizeof cert);
    write_file("t.ca", "ca", 0644, ca, sizeof ca);
    write_file("t.key", "key", 0600, key, sizeof key);
    snprintf(text, sizeof text, "cert = %s\nkey = %s\nca = %s\n", cert, key, ca);
    write_file("t.conf", text, 0644, conf, sizeof conf);
    assert_int_equal(mm_client_conf_load(conf, &c, &err), 0);
    assert_int_equal(c.key_shared_with_lp, 0);
    assert_int_equal(mm_client_check_files(conf, &c, &err), 0);
    assert_int_equal(chmod(ca, 0664), 0);
    assert_int_equal(mm_client_check_files(conf, &c, &err), -1);
    assert_non_null(strstr(err.msg, ca));
    assert_non_null(strstr(err.msg, "chmod 644"));
    assert_int_equal(chmod(ca, 0646), 0);
    assert_int_equal(mm_client_check_trust(ca, &err), -1);
    assert_int_equal(chmod(ca, 0644), 0);
    assert_int_equal(chmod(conf, 0666), 0);
    assert_int_equal(mm_client_check_files(conf, &c, &err), -1);
    assert_non_null(strstr(err.msg, conf));
    assert_int_equal(chmod(conf, 0644), 0);
    assert_int_equal(chmod(key, 0640), 0);
    assert_int_equal(mm_client_check_files(conf, &c, &err), -1);
    assert_non_null(strstr(err.msg, "group-readable"));
    /* A directory others may write to lets them replace the CA file. */
    assert_int_equal(chmod(key, 0600), 0);
    assert_int_equal(chmod(tmpdir, 0777), 0);
    assert_int_equal(mm_client_check_files(conf, &c, &err), -1);
    assert_non_null(strstr(err.msg, "chmod go-w"));
    assert_int_equal(chmod(tmpdir, 01777), 0); /* sticky, as /tmp */
    assert_int_equal(mm_client_check_files(conf, &c, &err), 0);
    assert_int_equal(chmod(tmpdir, 0700), 0);
    if (geteuid() == 0) {
        assert_int_equal(chown(ca, 12345, 0), 0);
        assert_int_equal(mm_client_check_files(conf, &c, &err), -1);
        assert_non_null(strstr(err.msg, "chown root:root"));
        assert_int_equal(chown(ca, 0, 0), 0);
        /* The explicit opt-in for the notifier: root:lp 0640, and only group lp. */
        snprintf(text, sizeof text, "cert = %s\nkey = %s\nca = %s\nkey_shared_with_lp = yes\n", cert, key, ca);
        write_file("t.conf", text, 0644, conf, sizeof conf);
        assert_int_equal(mm_client_conf_load(conf, &c, &err), 0);
        assert_int_equal(c.key_shared_with_lp, 1);
        struct group *lp = getgrnam("lp");
        if (lp) {
            assert_int_equal(chown(key, 0, lp->gr_gid), 0);
            assert_int_equal(chmod(key, 0640), 0);
            assert_int_equal(mm_client_check_files(conf, &c, &err), 0);
            assert_int_equal(chown(key, 0, 12345), 0);
            assert_int_equal(mm_client_check_files(conf, &c, &err), -1);
        }
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_client.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static mm_client_action batch_classify(long status, const char *json, mm_client_batch *b)
{
    mm_client_parse_batch(status, json, json ? strlen(json) : 0, b);
    return mm_client_batch_classify(b);
}

/* The batch report (doc/api.md "Batches") -> what the backend does. */
static void test_batch_reply(void **state)
{
    (void)state;
    mm_client_batch b;
    assert_int_equal(batch_classify(202, "{\"id\":\"b1\",\"state\":\"received\"}", &b), MM_CLIENT_DONE);
    assert_string_equal(b.id, "b1");
    assert_int_equal(b.letters, -1);
    assert_false(mm_client_batch_decided(&b));
    assert_int_equal(batch_classify(200,
                                    "{\"id\":\"b1\",\"state\":\"split\",\"letters\":10,\"message\":\"10 brev: 8 "
                                    "digitalt,\\n 2 till utskrift\",\"counts\":{\"digital\":8,\"paper\":2,\"held\":0,"
                                    "\"pending\":0,\"failed\":0}}",
                                    &b),
                     MM_CLIENT_DONE);
    assert_true(mm_client_batch_decided(&b));
    assert_int_equal(b.digital, 8);
    assert_int_equal(b.paper, 2);
    /* Server text goes into one CUPS line. */
    assert_string_equal(b.message, "10 brev: 8 digitalt, 2 till utskrift");
    assert_int_equal(batch_classify(200, "{\"state\":\"split\",\"letters\":10,\"counts\":{\"pending\":3}}", &b),
                     MM_CLIENT_DONE);
    assert_false(mm_client_batch_decided(&b));
    assert_int_equal(batch_classify(200, "{\"state\":\"held\",\"reason\":\"Sidantalet går inte jämnt upp\"}", &b),
                     MM_CLIENT_HOLD);
    assert_string_equal(b.reason, "Sidantalet går inte jämnt upp");
    assert_int_equal(batch_classify(200, "{\"state\":\"cancelled\"}", &b), MM_CLIENT_CANCEL);
    assert_int_equal(batch_classify(200, "{\"state\":\"bogus\"}", &b), MM_CLIENT_RETRY);
    assert_int_equal(batch_classify(413, "{\"message\":\"Massutskicket är för stort\"}", &b), MM_CLIENT_CANCEL);
    assert_string_equal(b.message, "Massutskicket är för stort");
    assert_int_equal(batch_classify(503, NULL, &b), MM_CLIENT_RETRY);
    assert_int_equal(batch_classify(403, NULL, &b), MM_CLIENT_STOP);
    assert_int_equal(batch_classify(202, "not json", &b), MM_CLIENT_RETRY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_url), cmocka_unit_test(test_classify), cmocka_unit_test(test_parse_reply),
        cmocka_unit_test(test_conf), cmocka_unit_test(test_key_perms), cmocka_unit_test(test_trust_files),
        cmocka_unit_test(test_one_line), cmocka_unit_test(test_batch_reply),
        cmocka_unit_test(test_key_valid),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
