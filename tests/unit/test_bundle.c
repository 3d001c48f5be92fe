/* SPDX-License-Identifier: EUPL-1.2 */
/* The job bundle between filter, backend and server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
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

/* The backend puts CUPS's user, host and job id over the bundle's: every
 * line of those keys goes (also a second, later one that would win), the
 * rest, unknown keys and the document stay byte for byte. */
static void set_fields(void **state)
{
    (void)state;
    const char text[] = "MMPRINT-JOB 1\nuser: kollega\ntitle: Beslut\nx-future: keep me\ncups-job-id: 7\n"
                        "user: kollega2\nhost: forged.example\ndocument-length: 4\n\nuser";
    static const char *const keys[] = {"user", "host", "cups-job-id"};
    const char *values[] = {"anna", "desk1\nuser: x", "42"};
    mm_buf out = MM_BUF_INIT;
    mm_error err;
    assert_int_equal(mm_bundle_set_fields((const unsigned char *)text, sizeof text - 1, keys, values, 3, &out, &err),
                     0);
    const char want[] = "MMPRINT-JOB 1\nuser: anna\nhost: desk1 user: x\ncups-job-id: 42\ntitle: Beslut\n"
                        "x-future: keep me\ndocument-length: 4\n\nuser";
    assert_int_equal(out.len, sizeof want - 1);
    assert_memory_equal(out.data, want, sizeof want - 1);
    mm_bundle b;
    assert_int_equal(mm_bundle_parse((const unsigned char *)out.data, out.len, &b, &err), 0);
    assert_string_equal(b.user, "anna");
    assert_string_equal(b.cups_job_id, "42");
    mm_buf_free(&out);
    /* Too long for the field, a key not in the format, not a bundle. */
    char user[200];
    memset(user, 'u', sizeof user - 1);
    user[sizeof user - 1] = '\0';
    const char *long_values[] = {user, "h", "1"};
    assert_int_equal(
        mm_bundle_set_fields((const unsigned char *)text, sizeof text - 1, keys, long_values, 3, &out, &err), -1);
    static const char *const unknown[] = {"owner"};
    assert_int_equal(mm_bundle_set_fields((const unsigned char *)text, sizeof text - 1, unknown, values, 1, &out, &err),
                     -1);
    assert_int_equal(mm_bundle_set_fields((const unsigned char *)"%PDF-1.4\n", 9, keys, values, 3, &out, &err), -1);
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

/* Every field the filter writes comes back as written. */
static void all_fields(void **state)
{
    (void)state;
    mm_bundle b;
    mm_bundle_init(&b);
    strcpy(b.recipient, "165560160680");
    strcpy(b.recipient_source, "text");
    strcpy(b.title, "Beslut om bistånd");
    strcpy(b.subject, "Ärende 2024-001");
    strcpy(b.user, "anna");
    strcpy(b.host, "desk1.example");
    strcpy(b.cups_job_id, "7");
    strcpy(b.policy, "paper-only");
    strcpy(b.department, "Socialtjänsten");
    b.pages = 100000;
    b.document = (const unsigned char *)"";
    b.document_len = 0;
    mm_buf out = MM_BUF_INIT;
    mm_error err;
    assert_int_equal(mm_bundle_write(&b, &out, &err), 0);
    mm_bundle p;
    assert_int_equal(mm_bundle_parse((const unsigned char *)out.data, out.len, &p, &err), 0);
    assert_string_equal(p.recipient, "165560160680");
    assert_string_equal(p.subject, "Ärende 2024-001");
    assert_string_equal(p.host, "desk1.example");
    assert_string_equal(p.cups_job_id, "7");
    assert_string_equal(p.policy, "paper-only");
    assert_string_equal(p.department, "Socialtjänsten");
    assert_string_equal(p.document_type, "application/pdf");
    assert_int_equal(p.pages, 100000);
    assert_int_equal(p.document_len, 0);
    mm_buf_free(&out);
}

/* A missing recipient travels as a problem, so the backend can hold the job. */
static void missing_recipient(void **state)
{
    (void)state;
    mm_bundle b;
    mm_bundle_init(&b);
    strcpy(b.recipient_problem, "page text names 2 different labelled numbers; not guessing");
    b.document = pdf;
    b.document_len = sizeof pdf - 1;
    mm_buf out = MM_BUF_INIT;
    mm_error err;
    assert_int_equal(mm_bundle_write(&b, &out, &err), 0);
    assert_null(strstr(out.data, "recipient: "));
    mm_bundle p;
    assert_int_equal(mm_bundle_parse((const unsigned char *)out.data, out.len, &p, &err), 0);
    assert_string_equal(p.recipient, "");
    assert_string_equal(p.recipient_problem, "page text names 2 different labelled numbers; not guessing");
    mm_buf_free(&out);
}

static void write_refuses_bad_values(void **state)
{
    (void)state;
    mm_bundle b;
    mm_buf out = MM_BUF_INIT;
    mm_error err;
    mm_bundle_init(&b);
    strcpy(b.recipient, "19121212-121");
    assert_int_equal(mm_bundle_write(&b, &out, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    mm_bundle_init(&b);
    strcpy(b.policy, "whenever");
    assert_int_equal(mm_bundle_write(&b, &out, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    mm_buf_free(&out);
}

static void parse_limits_and_tolerance(void **state)
{
    (void)state;
    /* Unknown keys are ignored (a newer filter, an older server). */
    const char *newer = "MMPRINT-JOB 1\nrecipient: 191212121212\nfuture-key: x\ndocument-length: 3\n\nabc";
    mm_bundle b;
    mm_error err;
    assert_int_equal(mm_bundle_parse((const unsigned char *)newer, strlen(newer), &b, &err), 0);
    assert_string_equal(b.recipient, "191212121212");
    assert_memory_equal(b.document, "abc", 3);
    /* A value longer than its field is refused, not cut. */
    char big[700];
    int n = snprintf(big, sizeof big, "MMPRINT-JOB 1\nuser: ");
    memset(big + n, 'a', 200);
    strcpy(big + n + 200, "\ndocument-length: 0\n\n");
    expect_bad(big, "too long");
    /* A header line over 1 KiB, CR inside the header, a NUL in it. */
    char *line = malloc(3000);
    n = snprintf(line, 3000, "MMPRINT-JOB 1\ntitle: ");
    memset(line + n, 'x', 2000);
    strcpy(line + n + 2000, "\ndocument-length: 0\n\n");
    expect_bad(line, "too long");
    free(line);
    expect_bad("MMPRINT-JOB 1\ntitle: a\rb\ndocument-length: 0\n\n", "control characters");
    const unsigned char nul[] = "MMPRINT-JOB 1\ntitle: a\0b\ndocument-length: 0\n\n";
    mm_error_clear(&err);
    assert_int_equal(mm_bundle_parse(nul, sizeof nul - 1, &b, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    /* Page counts and lengths are plain decimal numbers. */
    expect_bad("MMPRINT-JOB 1\npages: 1e3\ndocument-length: 0\n\n", "page count");
    expect_bad("MMPRINT-JOB 1\npages: 100001\ndocument-length: 0\n\n", "page count");
    expect_bad("MMPRINT-JOB 1\ndocument-length: 99999999999999\n\n", "document-length");
    expect_bad("MMPRINT-JOB 2\ndocument-length: 0\n\n", "not a job bundle");
    expect_bad("", "not a job bundle");
}

/* The filter's labelled numbers travel to the server, which decides again. */
static void candidates(void **state)
{
    (void)state;
    mm_bundle b;
    mm_bundle_init(&b);
    mm_candidates c;
    memset(&c, 0, sizeof c);
    strcpy(c.source, "text");
    mm_candidates_add(&c, MM_LABEL_PERSON, "191212121212");
    mm_candidates_add(&c, MM_LABEL_ORGNR, "162120000142");
    mm_candidates_add(&c, MM_LABEL_CHILD, "201501012384");
    c.to_representative = 1;
    mm_error err;
    assert_int_equal(mm_candidates_format(&c, b.candidates, sizeof b.candidates, &err), 0);
    assert_string_equal(b.candidates, "text:person:191212121212,text:orgnr:162120000142,"
                                      "text:child:201501012384,text:to-representative");
    b.document = pdf;
    b.document_len = sizeof pdf - 1;
    mm_buf out = MM_BUF_INIT;
    assert_int_equal(mm_bundle_write(&b, &out, &err), 0);
    mm_bundle p;
    assert_int_equal(mm_bundle_parse((const unsigned char *)out.data, out.len, &p, &err), 0);
    assert_int_equal(p.cands.n, 3);
    assert_string_equal(p.cands.source, "text");
    assert_int_equal(p.cands.list[0].kind, MM_LABEL_PERSON);
    assert_string_equal(p.cands.list[1].number, "162120000142");
    assert_int_equal(p.cands.list[2].kind, MM_LABEL_CHILD);
    assert_true(p.cands.to_representative);
    assert_false(p.cands.invalid || p.cands.more);
    mm_buf_free(&out);

    /* The longest list fits one header line. */
    memset(&c, 0, sizeof c);
    strcpy(c.source, "subject");
    char num[13] = "191212121200";
    for (unsigned i = 0; i < MM_CANDIDATES_MAX + 3; i++) {
        num[10] = (char)('0' + i / 10);
        num[11] = (char)('0' + i % 10);
        mm_candidates_add(&c, MM_LABEL_REPRESENTATIVE, num);
    }
    c.invalid = c.to_representative = 1;
    assert_int_equal(c.n, MM_CANDIDATES_MAX);
    assert_true(c.more);
    assert_int_equal(mm_candidates_format(&c, b.candidates, sizeof b.candidates, &err), 0);
    assert_true(strlen("candidates: ") + strlen(b.candidates) < 1023);

    /* A newer filter's kinds and flags make an older server more careful, never less. */
    mm_candidates q;
    assert_int_equal(mm_candidates_parse("text:stepchild:191212121212,text:newflag", &q, &err), 0);
    assert_int_equal(q.list[0].kind, MM_LABEL_OTHER);
    assert_true(q.more);
    expect_bad("MMPRINT-JOB 1\ncandidates: text:person:1912\ndocument-length: 0\n\n", "12 digits");
    expect_bad("MMPRINT-JOB 1\ncandidates: text:person:191212121212,\ndocument-length: 0\n\n", "malformed");
    expect_bad("MMPRINT-JOB 1\ncandidates: text:person:191212121212,subject:person:191212121212\n"
               "document-length: 0\n\n", "more than one source");
    expect_bad("MMPRINT-JOB 1\ncandidates: person\ndocument-length: 0\n\n", "malformed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(set_fields),
        cmocka_unit_test(candidates),
        cmocka_unit_test(refuses_malformed),
        cmocka_unit_test(all_fields),
        cmocka_unit_test(missing_recipient),
        cmocka_unit_test(write_refuses_bad_values),
        cmocka_unit_test(parse_limits_and_tolerance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
