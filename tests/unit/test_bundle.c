/* The job bundle between filter, backend and server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bundle.h"

static const unsigned char pdf[] = "%PDF-1.4\n...\n%%EOF\n";

static void round_trip(void **state)
{
    (void)state;
    mm_bundle b;
    mm_bundle_init(&b);
    strcpy(b.recipient, "191212121212");
    strcpy(b.recipient_source, "xmp");
    strcpy(b.title, "Beslut\nom bygglov");
    strcpy(b.user, "anna");
    strcpy(b.cups_job_id, "42");
    b.pages = 2;
    b.document = pdf;
    b.document_len = sizeof pdf - 1;
    mm_buf out = MM_BUF_INIT;
    mm_error err;
    assert_int_equal(mm_bundle_write(&b, &out, &err), 0);
    mm_bundle p;
    assert_int_equal(mm_bundle_parse((const unsigned char *)out.data, out.len, &p, &err), 0);
    assert_string_equal(p.recipient, "191212121212");
    assert_string_equal(p.recipient_source, "xmp");
    assert_string_equal(p.title, "Beslut om bygglov"); /* a line break cannot break the header */
    assert_string_equal(p.policy, "digital-else-paper");
    assert_int_equal(p.pages, 2);
    assert_int_equal(p.document_len, sizeof pdf - 1);
    assert_memory_equal(p.document, pdf, sizeof pdf - 1);
    mm_buf_free(&out);
}

static void expect_bad(const char *text, const char *reason)
{
    mm_bundle b;
    mm_error err;
    mm_error_clear(&err);
    assert_int_equal(mm_bundle_parse((const unsigned char *)text, strlen(text), &b, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    if (!strstr(err.msg, reason))
        fail_msg("'%s' lacks '%s'", err.msg, reason);
}

static void refuses_malformed(void **state)
{
    (void)state;
    expect_bad("%PDF-1.4\n", "not a job bundle");
    expect_bad("MMPRINT-JOB 1\nrecipient: 1912\ndocument-length: 0\n\n", "12 digits");
    expect_bad("MMPRINT-JOB 1\ndocument-length: 5\n\nabc", "header says 5");
    expect_bad("MMPRINT-JOB 1\ndocument-length: 1\n\nabc", "header says 1");
    expect_bad("MMPRINT-JOB 1\ntitle: x\n", "no end");
    expect_bad("MMPRINT-JOB 1\n\n", "no document-length");
    expect_bad("MMPRINT-JOB 1\npolicy: maybe\ndocument-length: 0\n\n", "policy");
    expect_bad("MMPRINT-JOB 1\nnocolon\ndocument-length: 0\n\n", "key: value");
    expect_bad("MMPRINT-JOB 1\ndocument-length: -1\n\n", "document-length");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(refuses_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
