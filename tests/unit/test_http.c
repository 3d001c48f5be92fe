/* SPDX-License-Identifier: EUPL-1.2 */
/* lib/http (and mm_soap_call, FaR batching, deliverSecure over it) against a
 * real HTTPS server on 127.0.0.1 that demands a client certificate from the
 * test PKI (tools/pki/mkpki): what a user sees when the certificate, the CA,
 * the server or the network is wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "far.h"
#include "fileio.h"
#include "http.h"
#include "mailbox.h"
#include "soap.h"

typedef struct {
    char dir[256];
    char pki[300];
    pid_t server;
    int port;
} fixture;

static fixture fx;

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", fx.pki, name);
}

static int run(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        /* keep the TAP stream clean */
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
    (void)state;
    snprintf(fx.dir, sizeof fx.dir, "/tmp/mm-test-http.XXXXXX");
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.pki, sizeof fx.pki, "%s/pki", fx.dir);
    char *mk[] = {MM_SRCDIR "/tools/pki/mkpki", fx.pki, NULL};
    if (run(mk) != 0)
        return -1;
    char port_file[400];
    snprintf(port_file, sizeof port_file, "%s/port", fx.dir);
    fx.server = fork();
    if (fx.server == 0) {
        char *argv[] = {"python3", MM_SRCDIR "/tests/unit/test_http_server.py", fx.pki, port_file, NULL};
        execvp(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &fx.port) == 1;
            fclose(f);
            if (ok)
                return mm_http_global_init(NULL);
        }
        usleep(50000);
    }
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    if (fx.server > 0) {
        kill(fx.server, SIGTERM);
        waitpid(fx.server, NULL, 0);
    }
    char *rm[] = {"rm", "-rf", fx.dir, NULL};
    run(rm);
    return 0;
}

/* A handle with the organisation certificate, trusting the test CA. */
static mm_http *handle(const char *cert, const char *key, const char *ca, long timeout_ms, size_t max)
{
    char c[512], k[512], a[512];
    if (cert)
        path_in(c, sizeof c, cert);
    if (key)
        path_in(k, sizeof k, key);
    path_in(a, sizeof a, ca);
    mm_http_config cfg = {.cert_file = cert ? c : NULL, .key_file = key ? k : NULL, .ca_file = a,
                          .connect_timeout_ms = 2000, .timeout_ms = timeout_ms, .max_response = max};
    mm_error e;
    mm_error_clear(&e);
    mm_http *h = mm_http_new(&cfg, &e);
    if (!h)
        fprintf(stderr, "mm_http_new: %s\n", e.msg);
    assert_non_null(h);
    return h;
}

static void url(char *out, size_t n, const char *path)
{
    snprintf(out, n, "https://127.0.0.1:%d%s", fx.port, path);
}

static void client_certificate_is_presented_and_connection_reused(void **state)
{
    (void)state;
    mm_http *h = handle("org.crt", "org.key", "ca.crt", 0, 0);
    char u[128];
    url(u, sizeof u, "/echo");
    mm_buf r = MM_BUF_INIT;
    long status;
    mm_error e;
    mm_error_clear(&e);
    assert_int_equal(mm_http_request(h, "GET", u, NULL, NULL, 0, NULL, &status, &r, &e), 0);
    assert_int_equal(status, 200);
    assert_non_null(strstr(r.data, "client=mmprint.Exempelkommun.example"));
    assert_non_null(strstr(r.data, "method=GET"));
    const char *p = strstr(r.data, "port=");
    assert_non_null(p);
    int port1 = atoi(p + 5);

    /* A POST on the same handle reuses the kept-alive connection. */
    const char *hdrs[] = {"X-Test: yes", NULL};
    assert_int_equal(mm_http_request(h, "POST", u, "text/xml; charset=UTF-8", "<a/>", 4, hdrs, &status, &r, &e), 0);
    assert_int_equal(status, 200);
    assert_non_null(strstr(r.data, "method=POST"));
    assert_non_null(strstr(r.data, "ct=text/xml; charset=UTF-8"));
    assert_non_null(strstr(r.data, "x=yes"));
    assert_non_null(strstr(r.data, "len=4 body=<a/>"));
    p = strstr(r.data, "port=");
    assert_int_equal(atoi(p + 5), port1);
    mm_buf_free(&r);
    mm_http_free(h);
}

static void expect_transport(mm_http *h, const char *path, const char *needle)
{
    char u[128];
    url(u, sizeof u, path);
    mm_buf r = MM_BUF_INIT;
    long status = -1;
    mm_error e;
    mm_error_clear(&e);
    assert_int_equal(mm_http_request(h, "GET", u, NULL, NULL, 0, NULL, &status, &r, &e), -1);
    assert_int_equal(e.cls, MM_ERR_TRANSPORT);
    assert_int_equal(status, 0);
    assert_true(mm_error_retryable(&e));
    if (needle && !strstr(e.msg, needle))
        fail_msg("'%s' not in '%s'", needle, e.msg);
    mm_buf_free(&r);
}

static void missing_client_certificate_is_a_transport_error(void **state)
{
    (void)state;
    mm_http *h = handle(NULL, NULL, "ca.crt", 0, 0);
    expect_transport(h, "/echo", NULL);
    mm_http_free(h);
}

static void certificate_from_unknown_ca_is_refused_by_server(void **state)
{
    (void)state;
    mm_http *h = handle("rogue.crt", "rogue.key", "ca.crt", 0, 0);
    expect_transport(h, "/echo", NULL);
    mm_http_free(h);
}

static void server_from_untrusted_ca_is_refused(void **state)
{
    (void)state;
    mm_http *h = handle("org.crt", "org.key", "other-ca.crt", 0, 0);
    expect_transport(h, "/echo", "certificate");
    mm_http_free(h);
}

static void server_down_is_a_transport_error(void **state)
{
    (void)state;
    /* a port that was free a moment ago */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    char u[128];
    snprintf(u, sizeof u, "https://127.0.0.1:%d/echo", ntohs(a.sin_port));
    mm_http *h = handle("org.crt", "org.key", "ca.crt", 0, 0);
    mm_buf r = MM_BUF_INIT;
    long status;
    mm_error e;
    mm_error_clear(&e);
    assert_int_equal(mm_http_request(h, "GET", u, NULL, NULL, 0, NULL, &status, &r, &e), -1);
    assert_int_equal(e.cls, MM_ERR_TRANSPORT);
    assert_non_null(strstr(e.msg, "127.0.0.1"));
    mm_buf_free(&r);
    mm_http_free(h);
}

static void timeout_is_honoured(void **state)
{
    (void)state;
    mm_http *h = handle("org.crt", "org.key", "ca.crt", 800, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_transport(h, "/slow", "timed out");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs >= 0.7);
    assert_true(secs < 3.0); /* the server answers only after 4 s */
    mm_http_free(h);
}

static void oversized_response_is_cut_off(void **state)
{
    (void)state;
    mm_http *h = handle("org.crt", "org.key", "ca.crt", 0, 1024 * 1024);
    const char *paths[] = {"/big", "/bigchunked"};
    for (size_t i = 0; i < 2; i++) {
        char u[128];
        url(u, sizeof u, paths[i]);
        mm_buf r = MM_BUF_INIT;
        long status;
        mm_error e;
        mm_error_clear(&e);
        assert_int_equal(mm_http_request(h, "GET", u, NULL, NULL, 0, NULL, &status, &r, &e), -1);
        assert_int_equal(e.cls, MM_ERR_PROTOCOL);
        assert_non_null(strstr(e.msg, "exceeds"));
        assert_true(r.len == 0);
        mm_buf_free(&r);
    }
    /* the same handle still works afterwards */
    char u[128];
    url(u, sizeof u, "/echo");
    mm_buf r = MM_BUF_INIT;
    long status;
    assert_int_equal(mm_http_request(h, "GET", u, NULL, NULL, 0, NULL, &status, &r, NULL), 0);
    assert_int_equal(status, 200);
    mm_buf_free(&r);
    mm_http_free(h);
}

static void unreadable_certificate_is_reported_at_creation(void **state)
{
    (void)state;
    mm_http_config cfg = {.cert_file = "/nonexistent/org.crt", .key_file = "/nonexistent/org.key"};
    mm_error e;
    mm_error_clear(&e);
    assert_null(mm_http_new(&cfg, &e));
    assert_int_equal(e.cls, MM_ERR_SYSTEM);
    assert_non_null(strstr(e.msg, "/nonexistent/org.crt"));
}

/* mm_soap_call: what each kind of answer becomes. */
static void soap_call_maps_answers_to_error_classes(void **state)
{
    (void)state;
    mm_http *h = handle("org.crt", "org.key", "ca.crt", 0, 0);
    struct {
        const char *path;
        mm_err_class cls;
        int code;
    } cases[] = {
        {"/soap-ok", MM_ERR_NONE, 0},
        {"/fault500", MM_ERR_APPLICATION, 5006},
        {"/plain503", MM_ERR_TRANSPORT, 503},
        {"/notfound", MM_ERR_PROTOCOL, 404},
        {"/garbage", MM_ERR_PROTOCOL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char u[128];
        url(u, sizeof u, cases[i].path);
        xmlNodePtr body = NULL;
        mm_soap_fault f;
        mm_error e;
        mm_error_clear(&e);
        xmlDocPtr doc = mm_soap_call(h, u, "<x/>", 4, &body, &f, &e);
        if (cases[i].cls == MM_ERR_NONE) {
            assert_non_null(doc);
            assert_string_equal((const char *)body->name, "pong");
            xmlFreeDoc(doc);
            continue;
        }
        assert_null(doc);
        if (e.cls != cases[i].cls)
            fail_msg("%s: class %s, want %s (%s)", cases[i].path, mm_error_class_name(e.cls),
                     mm_error_class_name(cases[i].cls), e.msg);
        assert_int_equal(e.code, cases[i].code);
        if (cases[i].cls == MM_ERR_APPLICATION) {
            assert_string_equal(f.description, "Signature incorrect");
            assert_string_equal(f.call_id, "abcdefghij0123456789");
        }
    }
    mm_http_free(h);
}

/* 2500 recipients become three isReachable calls of 1000, 1000 and 500,
 * each a proper SOAP POST, and every answer lands at its own id. */
static void far_lookup_is_split_into_batches(void **state)
{
    (void)state;
    enum { N = 2500 };
    static char store[N][13];
    const char *ids[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(store[i], sizeof store[i], "19800101%04zu", i);
        ids[i] = store[i];
    }
    mm_reach *out = calloc(N, sizeof *out);
    mm_http *h = handle("org.crt", "org.key", "ca.crt", 0, 0);
    char u[128];
    url(u, sizeof u, "/far");
    mm_soap_fault f;
    mm_error e;
    mm_error_clear(&e);
    if (mm_far_is_reachable(h, u, "162120000142", ids, N, out, &f, &e) != 0)
        fail_msg("isReachable: %s", e.msg);
    for (size_t i = 0; i < N; i++) {
        assert_string_equal(out[i].recipient, ids[i]);
        if (ids[i][11] == '9') { /* the responder leaves these out */
            assert_false(out[i].found);
            assert_string_equal(out[i].reason, "not known to FaR");
        } else if (ids[i][11] == '7') {
            assert_true(out[i].found);
            assert_false(out[i].digital);
        } else {
            assert_true(out[i].digital);
            char name[32];
            snprintf(name, sizeof name, "Op%s", ids[i]);
            assert_string_equal(out[i].operator_name, name);
        }
    }
    char log[400];
    snprintf(log, sizeof log, "%s/calls.log", fx.pki);
    mm_buf calls = MM_BUF_INIT;
    assert_int_equal(mm_fileio_read_file(log, &calls, 4096), 0);
    assert_string_equal(calls.data, "1000|text/xml; charset=UTF-8|\"\"\n"
                                    "1000|text/xml; charset=UTF-8|\"\"\n"
                                    "500|text/xml; charset=UTF-8|\"\"\n");
    mm_buf_free(&calls);
    mm_http_free(h);
    free(out);
}

static void deliver_reads_the_operator_receipt(void **state)
{
    (void)state;
    mm_http *h = handle("org.crt", "org.key", "ca.crt", 0, 0);
    char u[128];
    url(u, sizeof u, "/deliver");
    mm_mailbox_result res;
    mm_soap_fault f;
    mm_error e;
    mm_error_clear(&e);
    const char *req = "<deliverSecure/>";
    assert_int_equal(mm_mailbox_deliver(h, u, "191212121212", req, strlen(req), &res, &f, &e), 0);
    assert_string_equal(res.trans_id, "TX-16");
    assert_true(res.delivered);
    url(u, sizeof u, "/fault500");
    assert_int_equal(mm_mailbox_deliver(h, u, "191212121212", req, strlen(req), &res, &f, &e), -1);
    assert_int_equal(e.cls, MM_ERR_APPLICATION);
    assert_int_equal(f.code, 5006);
    mm_http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_certificate_is_presented_and_connection_reused),
        cmocka_unit_test(missing_client_certificate_is_a_transport_error),
        cmocka_unit_test(certificate_from_unknown_ca_is_refused_by_server),
        cmocka_unit_test(server_from_untrusted_ca_is_refused),
        cmocka_unit_test(server_down_is_a_transport_error),
        cmocka_unit_test(timeout_is_honoured),
        cmocka_unit_test(oversized_response_is_cut_off),
        cmocka_unit_test(unreadable_certificate_is_reported_at_creation),
        cmocka_unit_test(soap_call_maps_answers_to_error_classes),
        cmocka_unit_test(far_lookup_is_split_into_batches),
        cmocka_unit_test(deliver_reads_the_operator_receipt),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    xmlCleanupParser();
    return rc;
}
