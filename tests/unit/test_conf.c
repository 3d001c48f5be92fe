/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd's configuration table (server/conf.c, built in): defaults,
 * ranges, required and unknown keys, and the -t output read back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

#define NO_PRINTER \
    "org_cert = /k/org.crt\norg_key = /k/org.key\nca_file = /k/ca.crt\nsender_name = Exempelkommun\n" \
    "far_url = https://far.example/\nlisten_plain_loopback = yes\n"
#define MINIMAL \
    NO_PRINTER "printer_uri = ipp://printer.example:631/ipp/print\nprinter_insecure_cleartext = yes\n"

static char path[64];

static void write_text(const char *text)
{
    snprintf(path, sizeof path, "/tmp/mmconftestXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static int load(const char *text, srv_conf *c, mm_error *err)
{
    write_text(text);
    mm_error_clear(err);
    int rc = srv_conf_load(path, c, err);
    unlink(path);
    return rc;
}

static void defaults(void **state)
{
    (void)state;
    srv_conf c;
    mm_error err;
    assert_int_equal(load(MINIMAL, &c, &err), 0);
    assert_string_equal(c.listen_address, "127.0.0.1");
    assert_int_equal(c.port, 8631);
    assert_int_equal(c.plain_loopback, 1);
    assert_string_equal(c.database, "/var/lib/mmprint/mmprintd.db");
    assert_string_equal(c.spool_dir, "/var/spool/mmprint");
    assert_string_equal(c.printer_name, "Utskriftsrummet");
    assert_int_equal(c.sync_wait_ms, 1500);
    assert_int_equal(c.far_batch_max, 1000);
    assert_int_equal(c.workers, 16);
    assert_int_equal(c.print_workers, 1);
    assert_int_equal(c.retry_deadline_s, 86400);
    assert_int_equal(c.retention_days, 365);
    assert_int_equal(c.max_connections, 256);
    assert_int_equal(c.max_connections_per_ip, 16);
    assert_int_equal(c.header_timeout_s, 10);
    assert_int_equal(c.request_rate, 20);
    assert_int_equal(c.request_burst, 200);
    assert_string_equal(c.tls_priorities, SRV_TLS_PRIORITIES);
    assert_non_null(strstr(c.tls_priorities, "-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"));
    assert_string_equal(c.client_crl, "");
    assert_string_equal(c.client_deny_serials, "");
    assert_int_equal(c.held_expiry_s, 14 * 86400);
    assert_int_equal(c.exception_retention_s, 60 * 86400);
    assert_int_equal(c.lock_wait_s, 90);
    assert_string_equal(c.tls_cert, "");
    assert_string_equal(c.support_text, "Har du frågor om brevet? Kontakta avsändaren.");
}

/* MINIMAL with another far_url. */
#define WITH_FAR(url) \
    "org_cert = /k/org.crt\norg_key = /k/org.key\nca_file = /k/ca.crt\nsender_name = Exempelkommun\n" \
    "far_url = " url "\nprinter_uri = ipp://printer.example:631/ipp/print\n" \
    "printer_insecure_cleartext = yes\nlisten_plain_loopback = yes\n"

/* FaR is asked about people: plain http cannot be configured. */
static void far_url_must_be_https(void **state)
{
    (void)state;
    srv_conf c;
    mm_error err;
    static const char *const refused[] = {WITH_FAR("http://far.example/Recipient/v3"),
                                          WITH_FAR("HTTP://far.example/Recipient/v3"),
                                          WITH_FAR("ftp://far.example/"), WITH_FAR("far.example/Recipient/v3"),
                                          WITH_FAR("https:///Recipient/v3")};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(load(refused[i], &c, &err), -1);
        assert_non_null(strstr(err.msg, "config: far_url '"));
        assert_non_null(strstr(err.msg, "' must be an https:// URL"));
    }
    assert_int_equal(load(WITH_FAR("HTTPS://far.example/Recipient/v3"), &c, &err), 0);
}

/* People follow the held letter's link to type their password there. */
static void web_public_url_must_be_https(void **state)
{
    (void)state;
    srv_conf c;
    mm_error err;
    assert_int_equal(load(MINIMAL "web_public_url = http://mmprint.example:8443\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "config: web_public_url 'http://mmprint.example:8443' must be an https:// URL"));
    assert_int_equal(load(MINIMAL "web_public_url = https://mmprint.example:8443\n", &c, &err), 0);
    assert_string_equal(c.web_public_url, "https://mmprint.example:8443");
    assert_int_equal(load(MINIMAL, &c, &err), 0);
    assert_string_equal(c.web_public_url, "");
}

static void refusals(void **state)
{
    (void)state;
    srv_conf c;
    mm_error err;
    assert_int_equal(load(MINIMAL "colour = blue\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "unknown key 'colour'"));
    assert_int_equal(load(MINIMAL "workers = 4\nworkers = 8\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "'workers' is set twice"));
    assert_int_equal(load(MINIMAL "workers = 65\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "workers must be a number from 1 to 64"));
    assert_int_equal(load(MINIMAL "port = 0\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "port must be a number from 1 to 65535"));
    assert_int_equal(load(MINIMAL "held_expiry = 14\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "held_expiry must be a whole number with a unit s, m, h or d (e.g. 14d)"));
    assert_int_equal(load(MINIMAL "exception_retention = 3651d\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "(e.g. 60d)"));
    /* Each required key, missing. */
    static const char *const required[] = {"org_cert", "org_key", "ca_file", "sender_name", "far_url",
                                           "printer_uri"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        char text[1024];
        /* The minimal text without that key's line. */
        const char *line = strstr(MINIMAL, required[i]);
        size_t before = (size_t)(line - MINIMAL);
        const char *after = strchr(line, '\n') + 1;
        snprintf(text, sizeof text, "%.*s%s", (int)before, MINIMAL, after);
        assert_int_equal(load(text, &c, &err), -1);
        char want[64];
        snprintf(want, sizeof want, "%s is required", required[i]);
        assert_non_null(strstr(err.msg, want));
    }
    assert_int_equal(load(MINIMAL "listen_address = 0.0.0.0\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "requires listen_address"));
    assert_int_equal(load(MINIMAL "max_connections = 8\nmax_connections_per_ip = 9\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "max_connections_per_ip (9) exceeds max_connections (8)"));
    assert_int_equal(load(MINIMAL "header_timeout = 0\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "header_timeout must be a number from 1 to 300"));
    assert_int_equal(load(MINIMAL "sender_id = 1234\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "sender_id must be"));
}

/* The printer is trusted by printer_ca or printer_fingerprint (ipps://),
 * or sent letters in clear only when printer_insecure_cleartext says so. */
static void printer_trust(void **state)
{
    (void)state;
    srv_conf c;
    mm_error err;
    assert_int_equal(load(NO_PRINTER "printer_uri = ipp://printer.example:631/ipp/print\n", &c, &err), -1);
    assert_non_null(strstr(err.msg, "would send letters unencrypted"));
    assert_non_null(strstr(err.msg, "printer_insecure_cleartext = yes"));
    const char *ipps = NO_PRINTER "printer_uri = ipps://printer.example/ipp/print\n";
    char text[1024];
    assert_int_equal(load(ipps, &c, &err), -1);
    assert_non_null(strstr(err.msg, "needs printer_ca or printer_fingerprint"));
    snprintf(text, sizeof text, "%sprinter_fingerprint = %s\n", ipps,
             "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89");
    assert_int_equal(load(text, &c, &err), 0);
    snprintf(text, sizeof text, "%sprinter_fingerprint = abcd\n", ipps);
    assert_int_equal(load(text, &c, &err), -1);
    assert_non_null(strstr(err.msg, "64 hex digits"));
    snprintf(text, sizeof text, "%sprinter_ca = /nonexistent/ca.crt\n", ipps);
    assert_int_equal(load(text, &c, &err), -1);
    assert_non_null(strstr(err.msg, "config: printer_ca"));
}

/* What -t prints is a configuration file that loads to the same settings. */
static void printed_form_reads_back(void **state)
{
    (void)state;
    srv_conf a, b;
    mm_error err;
    assert_int_equal(load(MINIMAL "held_expiry = 36h\nworkers = 4\nsupport_url = https://kommun.example/\n", &a,
                          &err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    srv_conf_print(&a, f);
    fclose(f);
    assert_non_null(strstr(text, "held_expiry = 36h\n"));
    assert_non_null(strstr(text, "exception_retention = 60d\n"));
    assert_non_null(strstr(text, "workers = 4\n"));
    assert_non_null(strstr(text, "listen_plain_loopback = yes\n"));
    assert_int_equal(load(text, &b, &err), 0);
    assert_memory_equal(&a, &b, sizeof a);
    free(text);
}

/* The print rooms of printroom_dir (issue 12): one NAME.conf per room,
 * in name order after the default room; each checked like the default
 * printer, and a bad one refused naming its file. */
static char room_dir[64];

static void room(const char *file, const char *text)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", room_dir, file);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void unroom(const char *file)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", room_dir, file);
    unlink(p);
}

#define CLEAR "uri = ipp://printer.example:631/ipp/print\ninsecure_cleartext = yes\n"

static void print_rooms(void **state)
{
    (void)state;
    srv_conf c;
    mm_error err;
    char text[1024];
    snprintf(room_dir, sizeof room_dir, "/tmp/mmrooms.XXXXXX");
    assert_non_null(mkdtemp(room_dir));
    snprintf(text, sizeof text, MINIMAL "printroom_dir = %s\n", room_dir);
    /* none yet: the default room alone, from the printer_* keys */
    assert_int_equal(load(text, &c, &err), 0);
    assert_int_equal(c.nrooms, 1);
    assert_string_equal(c.rooms[0].name, "Utskriftsrummet");
    assert_string_equal(c.rooms[0].sides, "auto");
    room("skola.conf", CLEAR "departments = Skola\nsides = one-sided\n");
    room("bygg.conf", CLEAR "name = Byggrummet\ndepartments = Bygg, Miljö\npostal_class_default = a-post\n");
    room("README", "not a room\n");
    assert_int_equal(load(text, &c, &err), 0);
    assert_int_equal(c.nrooms, 3);
    assert_string_equal(c.rooms[1].name, "Byggrummet"); /* bygg.conf before skola.conf */
    assert_string_equal(c.rooms[1].postal_class_default, "a-post");
    assert_string_equal(c.rooms[2].name, "skola"); /* the file's name */
    assert_string_equal(c.rooms[2].sides, "one-sided");
    assert_string_equal(c.rooms[2].postal_class_default, "");
    const struct {
        const char *text, *want;
    } bad[] = {
        {"uri = ipp://printer.example:631/ipp/print\ndepartments = Kultur\n", "would send letters unencrypted"},
        {"uri = ipps://printer.example/ipp/print\ndepartments = Kultur\n", "needs ca or fingerprint"},
        {CLEAR "departments = Kultur\nsides = both\n", "sides must be auto"},
        {CLEAR "departments = Kultur\npostal_class_default = c-post\n", "postal_class_default must be"},
        {CLEAR, "departments is empty"},
        {CLEAR "departments = Kultur, MILJÖ, miljö\n", "department 'miljö' is routed by"},
        {CLEAR "departments = Kultur\nname = Byggrummet\n", "the name 'Byggrummet' is the name of"},
        {CLEAR "departments = Kultur\nname = Utskriftsrummet\n", "the default room (printer_name)"},
        {CLEAR "departments = Kultur\ncolour = red\n", "unknown key 'colour'"},
        {"departments = Kultur\n", "uri is required"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        room("zz.conf", bad[i].text);
        assert_int_equal(load(text, &c, &err), -1);
        if (!strstr(err.msg, bad[i].want) || !strstr(err.msg, "zz.conf"))
            fail_msg("case %zu: '%s' does not say '%s' naming zz.conf", i, err.msg, bad[i].want);
    }
    unroom("zz.conf");
    snprintf(text, sizeof text, MINIMAL "printer_sides = both\n");
    assert_int_equal(load(text, &c, &err), -1);
    assert_non_null(strstr(err.msg, "printer_sides must be auto"));
    snprintf(text, sizeof text, MINIMAL "printroom_dir = %s/none\n", room_dir);
    assert_int_equal(load(text, &c, &err), -1);
    assert_non_null(strstr(err.msg, "printroom_dir"));
    unroom("skola.conf");
    unroom("bygg.conf");
    unroom("README");
    rmdir(room_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(refusals),
        cmocka_unit_test(far_url_must_be_https),
        cmocka_unit_test(web_public_url_must_be_https),
        cmocka_unit_test(printer_trust),
        cmocka_unit_test(printed_form_reads_back),
        cmocka_unit_test(print_rooms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
