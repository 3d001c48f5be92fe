/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch splitter on real PDFs (written by tests/data/pdf/mkbatch.py,
 * read by poppler, split by qpdf): the batch bundle header, manifests, the
 * plan of each split mode with its refusals, and the letters' files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qpdf/qpdf-c.h>

#include "batch.h"
#include "batchbundle.h"
#include "buf.h"

#define A "191212121212"
#define B "198112189876"
#define ORG "165560160680"
#define OWN "162120000142"

static char dir[64];
static struct tm today; /* fixed: 2026-11-28 */
static const char *const own[] = {OWN};

static int make_pdfs(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_batch.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/data/pdf/mkbatch.py' '%s'", MM_SRCDIR, dir);
    today.tm_year = 126;
    today.tm_mon = 10;
    today.tm_mday = 28;
    return system(cmd) == 0 ? 0 : -1;
}

static int remove_pdfs(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- the header ---------------------------------------------------------- */

static void header_round_trip(void **state)
{
    (void)state;
    mm_batch_header h, g;
    mm_batch_header_init(&h);
    strcpy(h.split, "pages:2");
    strcpy(h.user, "anna");
    strcpy(h.host, "ws1.example");
    strcpy(h.cups_job_id, "42");
    strcpy(h.title, "Beslut\nnattkörning");
    strcpy(h.policy, "digital-only");
    strcpy(h.department, "Förskola");
    strcpy(h.postal_class, "a-post");
    strcpy(h.letter_type, "beslut");
    strcpy(h.manifest_type, "csv");
    h.manifest_length = 5;
    h.document_length = 1234;
    mm_buf b = MM_BUF_INIT;
    mm_error err;
    mm_error_clear(&err);
    assert_int_equal(mm_batch_header_write(&h, &b, &err), 0);
    assert_non_null(strstr(b.data, "title: Beslut nattkörning\n"));
    mm_buf_puts(&b, "a;b\n1%PDF-");
    size_t hl = 0;
    assert_int_equal(mm_batch_header_parse((unsigned char *)b.data, b.len, &g, &hl, &err), 0);
    assert_memory_equal(b.data + hl, "a;b\n1%PDF-", 11);
    assert_string_equal(g.split, "pages:2");
    assert_string_equal(g.user, "anna");
    assert_string_equal(g.host, "ws1.example");
    assert_string_equal(g.cups_job_id, "42");
    assert_string_equal(g.title, "Beslut nattkörning");
    assert_string_equal(g.policy, "digital-only");
    assert_string_equal(g.department, "Förskola");
    assert_string_equal(g.postal_class, "a-post");
    assert_string_equal(g.letter_type, "beslut");
    assert_string_equal(g.manifest_type, "csv");
    assert_int_equal(g.manifest_length, 5);
    assert_int_equal(g.document_length, 1234);
    mm_buf_free(&b);

    /* Defaults, unknown keys ignored, only the first 64 KiB looked at. */
    const char *min = "MMPRINT-BATCH 1\nfuture-key: x\ndocument-length: 9\n\n%PDF-1.4 and more";
    assert_int_equal(mm_batch_header_parse((const unsigned char *)min, strlen(min), &g, &hl, &err), 0);
    assert_string_equal(g.split, "auto");
    assert_string_equal(g.policy, "digital-else-paper");
    assert_int_equal(g.manifest_length, 0);
    assert_int_equal(hl, strstr(min, "%PDF") - min);
    int n;
    assert_true(mm_batch_split_valid("pages:1000", &n) && n == 1000);
    assert_false(mm_batch_split_valid("pages:1001", &n));
    assert_false(mm_batch_split_valid("pages:0", &n));
    assert_false(mm_batch_split_valid("pages:02", &n));
    assert_false(mm_batch_split_valid("pages:", &n));
    assert_false(mm_batch_split_valid("Auto", &n));
}

static void header_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"MMPRINT-JOB 1\ndocument-length: 9\n\n", "not a batch bundle"},
        {"MMPRINT-BATCH 1\ndocument-length: 9\n", "no end"},
        {"MMPRINT-BATCH 1\ndocument-length 9\n\n", "key: value"},
        {"MMPRINT-BATCH 1\nuser: a\rb\ndocument-length: 9\n\n", "control characters"},
        {"MMPRINT-BATCH 1\nsplit: pages:0\ndocument-length: 9\n\n", "unknown split"},
        {"MMPRINT-BATCH 1\nsplit: every\ndocument-length: 9\n\n", "unknown split"},
        {"MMPRINT-BATCH 1\npolicy: fax\ndocument-length: 9\n\n", "policy"},
        {"MMPRINT-BATCH 1\npostal-class: c-post\ndocument-length: 9\n\n", "postal-class"},
        {"MMPRINT-BATCH 1\nletter-type: brev\ndocument-length: 9\n\n", "letter-type"},
        {"MMPRINT-BATCH 1\n\n", "no document-length"},
        {"MMPRINT-BATCH 1\ndocument-length: 0\n\n", "no document"},
        {"MMPRINT-BATCH 1\ndocument-length: -1\n\n", "bad document-length"},
        {"MMPRINT-BATCH 1\ndocument-length: 1234567890123\n\n", "bad document-length"},
        {"MMPRINT-BATCH 1\nmanifest-length: 5\ndocument-length: 9\n\n", "csv or json"},
        {"MMPRINT-BATCH 1\nmanifest-type: xml\nmanifest-length: 5\ndocument-length: 9\n\n", "csv or json"},
        {"MMPRINT-BATCH 1\nmanifest-type: csv\ndocument-length: 9\n\n", "without"},
        {"MMPRINT-BATCH 1\nmanifest-type: csv\nmanifest-length: 16777217\ndocument-length: 9\n\n", "larger"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_batch_header h;
        mm_error err;
        mm_error_clear(&err);
        size_t hl = 99;
        int rc = mm_batch_header_parse((const unsigned char *)bad[i].text, strlen(bad[i].text), &h, &hl, &err);
        if (rc != -1 || err.cls != MM_ERR_INPUT || !strstr(err.msg, bad[i].why))
            fail_msg("case %zu: rc %d, '%s'", i, rc, err.msg);
        assert_int_equal(hl, 0);
    }
    /* A too long value; a header without end within 64 KiB. */
    mm_buf b = MM_BUF_INIT;
    mm_buf_puts(&b, "MMPRINT-BATCH 1\nuser: ");
    for (int i = 0; i < 200; i++)
        mm_buf_puts(&b, "x");
    mm_buf_puts(&b, "\ndocument-length: 9\n\n");
    mm_batch_header h;
    mm_error err;
    size_t hl;
    assert_int_equal(mm_batch_header_parse((unsigned char *)b.data, b.len, &h, &hl, &err), -1);
    assert_non_null(strstr(err.msg, "too long"));
    mm_buf_reset(&b);
    mm_buf_puts(&b, "MMPRINT-BATCH 1\n");
    for (int i = 0; i < 7000; i++)
        mm_buf_puts(&b, "x-pad: 0123\n");
    mm_buf_puts(&b, "document-length: 9\n\n");
    assert_int_equal(mm_batch_header_parse((unsigned char *)b.data, b.len, &h, &hl, &err), -1);
    assert_non_null(strstr(err.msg, "too long or unterminated"));
    /* Writing refuses what parsing would. */
    mm_batch_header_init(&h);
    h.document_length = 1;
    strcpy(h.split, "pages:x");
    mm_buf_reset(&b);
    assert_int_equal(mm_batch_header_write(&h, &b, &err), -1);
    strcpy(h.split, "outline");
    h.manifest_length = 3;
    assert_int_equal(mm_batch_header_write(&h, &b, &err), -1);
    strcpy(h.manifest_type, "json");
    h.document_length = 0;
    assert_int_equal(mm_batch_header_write(&h, &b, &err), -1);
    mm_buf_free(&b);
}

/* ---- manifests ----------------------------------------------------------- */

static int manifest(const char *text, const char *type, mm_batch_manifest *m, mm_error *err)
{
    mm_error_clear(err);
    return mm_batch_manifest_parse(text, strlen(text), type, m, err);
}

static void manifest_good(void **state)
{
    (void)state;
    mm_batch_manifest m;
    mm_error err;
    /* BOM, ';', CRLF, quoted field with the separator, extra column, blank line. */
    assert_int_equal(manifest("\xef\xbb\xbf" "First_Page;last_page;Recipient;Ärende;reference\r\n"
                              "1;2;19121212-1212;x;\"Beslut; plats\"\r\n\r\n"
                              "3;3;;y;\r\n",
                              NULL, &m, &err),
                     0);
    assert_int_equal(m.n, 2);
    assert_int_equal(m.rows[0].first_page, 1);
    assert_int_equal(m.rows[0].last_page, 2);
    assert_string_equal(m.rows[0].recipient, "19121212-1212");
    assert_string_equal(m.rows[0].reference, "Beslut; plats");
    assert_int_equal(m.rows[1].first_page, 3);
    assert_string_equal(m.rows[1].recipient, "");
    mm_batch_manifest_free(&m);
    /* ',' and columns in another order, no final newline. */
    assert_int_equal(manifest("recipient,last_page,first_page\n198112189876,4,4", "csv", &m, &err), 0);
    assert_int_equal(m.n, 1);
    assert_int_equal(m.rows[0].first_page, 4);
    assert_string_equal(m.rows[0].recipient, "198112189876");
    mm_batch_manifest_free(&m);
    /* JSON: numbers or digit strings, null recipient, unknown keys of any shape. */
    assert_int_equal(manifest(" [{\"first_page\": 1, \"last_page\": \"2\", \"recipient\": \"19121212-1212\","
                              " \"extra\": {\"a\": [1, true, null]}, \"title\": \"Beslut \\u00e5r \\ud83d\\ude00\"},"
                              " {\"first_page\": 3, \"last_page\": 3, \"recipient\": null}] ",
                              NULL, &m, &err),
                     0);
    assert_int_equal(m.n, 2);
    assert_int_equal(m.rows[0].last_page, 2);
    assert_string_equal(m.rows[0].reference, "Beslut år \xf0\x9f\x98\x80");
    assert_string_equal(m.rows[1].recipient, "");
    mm_batch_manifest_free(&m);
    /* Out of order, overlapping and gaps are the plan's to judge. */
    assert_int_equal(manifest("first_page;last_page\n3;4\n1;2\n2;2\n9;9\n", "csv", &m, &err), 0);
    assert_int_equal(m.n, 4);
    mm_batch_manifest_free(&m);
}

static void manifest_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text, *type, *why;
    } bad[] = {
        {"first_page;last_page\n", "csv", "no rows"},
        {"[]", NULL, "no rows"},
        {"first_page\n1\n", "csv", "first_page and last_page"},
        {"first_page;recipient\n1;x\n", "csv", "first_page and last_page"},
        {"first_page;last_page;first_page\n1;1;1\n", "csv", "twice"},
        {"first_page;last_page\n0;1\n", "csv", "row 1: first_page is not a page number"},
        {"first_page;last_page\n1;2\nx;3\n", "csv", "row 2: first_page is not a page number"},
        {"first_page;last_page\n1;-2\n", "csv", "last_page is not a page number"},
        {"first_page;last_page\n1;1234567890\n", "csv", "not a page number"},
        {"first_page;last_page\n3;2\n", "csv", "row 1: first_page is after last_page"},
        {"first_page;last_page\n1\n", "csv", "required"},
        {"first_page;last_page\n\"1;2\n", "csv", "malformed CSV"},
        {"first_page;last_page\n1;2\"x\"\n", "csv", "malformed CSV"},
        {"[{\"first_page\": 1.5, \"last_page\": 2}]", "json", "not a page number"},
        {"[{\"first_page\": 1, \"last_page\": 2, \"recipient\": 191212121212}]", "json", "must be a string"},
        {"[{\"first_page\": 1, \"last_page\": 2}", "json", "not a JSON array"},
        {"[{\"first_page\": 1, \"last_page\": 2}] x", "json", "not a JSON array"},
        {"{\"first_page\": 1}", "json", "not a JSON array"},
        {"[{\"first_page\": 1, \"last_page\": 2, \"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]",
         "json", "not a JSON array"},
        {"[{\"first_page\": 1, \"last_page\": 2, \"recipient\": \"a\\u0000b\"}]", "json", "not a JSON array"},
        {"first_page;last_page\n1;1\n", "xml", "csv or json"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_batch_manifest m;
        mm_error err;
        int rc = manifest(bad[i].text, bad[i].type, &m, &err);
        if (rc != -1 || err.cls != MM_ERR_INPUT || !strstr(err.msg, bad[i].why))
            fail_msg("case %zu: rc %d, '%s'", i, rc, err.msg);
        assert_null(m.rows);
    }
    /* NUL byte; a recipient and a reference too long. */
    mm_batch_manifest m;
    mm_error err;
    assert_int_equal(mm_batch_manifest_parse("first_page;last_page\n1;1\0\n", 26, "csv", &m, &err), -1);
    assert_non_null(strstr(err.msg, "NUL"));
    char big[400];
    snprintf(big, sizeof big, "first_page;last_page;reference\n1;1;%0200d\n", 0);
    assert_int_equal(manifest(big, NULL, &m, &err), -1);
    assert_non_null(strstr(err.msg, "reference too long"));
    snprintf(big, sizeof big, "first_page;last_page;recipient\n1;1;%040d\n", 0);
    assert_int_equal(manifest(big, NULL, &m, &err), -1);
    assert_non_null(strstr(err.msg, "recipient too long"));
    /* Limits: rows and bytes. */
    mm_buf b = MM_BUF_INIT;
    mm_buf_puts(&b, "first_page;last_page\n");
    for (int i = 1; i <= MM_BATCH_MANIFEST_MAX_ROWS + 1; i++)
        mm_buf_printf(&b, "%d;%d\n", i, i);
    assert_int_equal(mm_batch_manifest_parse(b.data, b.len, NULL, &m, &err), -1);
    assert_non_null(strstr(err.msg, "more than 20000 rows"));
    mm_buf_reset(&b);
    mm_buf_puts(&b, "first_page;last_page;x\n1;1;");
    while (b.len <= MM_BATCH_MANIFEST_MAX_BYTES)
        mm_buf_puts(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    assert_int_equal(mm_batch_manifest_parse(b.data, b.len, NULL, &m, &err), -1);
    assert_non_null(strstr(err.msg, "larger than"));
    mm_buf_free(&b);
}

/* ---- plans --------------------------------------------------------------- */

static int plan(const char *file, mm_split_mode mode, int n, const mm_batch_manifest *m, mm_batch_plan *p,
                mm_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    mm_batch_request req = {mode, n, m, own, 1, &today, 0, 0};
    mm_error_clear(err);
    return mm_batch_plan_make(path, &req, p, err);
}

static void expect_letter(const mm_batch_plan *p, size_t i, size_t first, size_t last, const char *recipient,
                          const char *source)
{
    assert_true(i < p->n_letters);
    const mm_batch_letter *l = &p->letters[i];
    if (l->first_page != first || l->last_page != last)
        fail_msg("letter %zu: pages %zu-%zu, want %zu-%zu", i + 1, l->first_page, l->last_page, first, last);
    if (recipient) {
        if (!l->found || strcmp(l->id.number, recipient))
            fail_msg("letter %zu: found %d '%s' (%s), want %s", i + 1, l->found, l->id.number, l->problem,
                     recipient);
        assert_string_equal(l->problem, "");
    } else {
        if (l->found)
            fail_msg("letter %zu: found %s, want none", i + 1, l->id.number);
        assert_true(l->problem[0] != '\0');
    }
    assert_string_equal(l->source, source);
}

static void plan_text(void **state)
{
    (void)state;
    mm_batch_plan p;
    mm_error err;
    assert_int_equal(plan("text.pdf", MM_SPLIT_TEXT, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_OK);
    assert_int_equal(p.mode, MM_SPLIT_TEXT);
    assert_int_equal(p.pages, 6);
    assert_int_equal(p.n_letters, 4);
    expect_letter(&p, 0, 1, 2, A, "text");
    expect_letter(&p, 1, 3, 3, B, "text");
    /* Only the child's number: this letter alone is held. */
    expect_letter(&p, 2, 4, 5, NULL, "text");
    assert_non_null(strstr(p.letters[2].problem, "child"));
    /* The sender's own number in the letterhead is never the recipient. */
    expect_letter(&p, 3, 6, 6, ORG, "text");
    mm_batch_plan_free(&p);
    /* auto without outline or manifest reads the text. */
    assert_int_equal(plan("text.pdf", MM_SPLIT_AUTO, 0, NULL, &p, &err), 0);
    assert_int_equal(p.mode, MM_SPLIT_TEXT);
    assert_int_equal(p.n_letters, 4);
    mm_batch_plan_free(&p);

    assert_int_equal(plan("text-leading.pdf", MM_SPLIT_TEXT, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_TEXT_LEADING);
    assert_string_equal(mm_batch_doubt_name(p.doubt), "text-leading");
    assert_non_null(strstr(p.doubt_reason, "page 1 "));
    assert_null(p.letters);
    assert_int_equal(p.n_letters, 0);
    mm_batch_plan_free(&p);
    assert_int_equal(plan("text-none.pdf", MM_SPLIT_TEXT, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_TEXT_NO_START);
    mm_batch_plan_free(&p);
    /* Two numbers in the address area: no start, so the batch is in doubt. */
    assert_int_equal(plan("text-two.pdf", MM_SPLIT_TEXT, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_TEXT_NO_START);
    mm_batch_plan_free(&p);
}

static void plan_outline(void **state)
{
    (void)state;
    mm_batch_plan p;
    mm_error err;
    /* auto picks the outline (>= 2 top-level bookmarks). */
    assert_int_equal(plan("outline.pdf", MM_SPLIT_AUTO, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_OK);
    assert_int_equal(p.mode, MM_SPLIT_OUTLINE);
    assert_int_equal(p.n_letters, 3);
    expect_letter(&p, 0, 1, 2, A, "text");
    expect_letter(&p, 1, 3, 5, B, "text");
    expect_letter(&p, 2, 6, 6, ORG, "text");
    assert_string_equal(p.letters[1].reference, "Brev 2");
    mm_batch_plan_free(&p);
    assert_int_equal(plan("outline-order.pdf", MM_SPLIT_OUTLINE, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_OUTLINE_ORDER);
    assert_null(p.letters);
    mm_batch_plan_free(&p);
    assert_int_equal(plan("outline-start.pdf", MM_SPLIT_AUTO, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_OUTLINE_START);
    assert_non_null(strstr(p.doubt_reason, "page 2"));
    mm_batch_plan_free(&p);
    /* One bookmark: auto reads the text instead; outline makes one letter. */
    assert_int_equal(plan("outline-one.pdf", MM_SPLIT_AUTO, 0, NULL, &p, &err), 0);
    assert_int_equal(p.mode, MM_SPLIT_TEXT);
    mm_batch_plan_free(&p);
    assert_int_equal(plan("outline-one.pdf", MM_SPLIT_OUTLINE, 0, NULL, &p, &err), 0);
    assert_int_equal(p.n_letters, 1);
    expect_letter(&p, 0, 1, 6, NULL, "text"); /* three different recipients in one letter */
    mm_batch_plan_free(&p);
    assert_int_equal(plan("text.pdf", MM_SPLIT_OUTLINE, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_NO_OUTLINE);
    mm_batch_plan_free(&p);
    /* More bookmarks than letters allowed: the batch, not a part of it. */
    char path[256];
    snprintf(path, sizeof path, "%s/outline.pdf", dir);
    mm_batch_request req = {MM_SPLIT_OUTLINE, 0, NULL, own, 1, &today, 0, 2};
    assert_int_equal(mm_batch_plan_make(path, &req, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_TOO_MANY_LETTERS);
    assert_null(p.letters);
    mm_batch_plan_free(&p);
    req.mode = MM_SPLIT_TEXT;
    assert_int_equal(mm_batch_plan_make(path, &req, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_TOO_MANY_LETTERS);
    mm_batch_plan_free(&p);
}

static void plan_pages(void **state)
{
    (void)state;
    mm_batch_plan p;
    mm_error err;
    assert_int_equal(plan("pages.pdf", MM_SPLIT_PAGES, 2, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_OK);
    assert_int_equal(p.n_letters, 3);
    expect_letter(&p, 0, 1, 2, A, "text");
    expect_letter(&p, 1, 3, 4, B, "text");
    /* Only the sender's own number: never the recipient. */
    expect_letter(&p, 2, 5, 6, NULL, "text");
    mm_batch_plan_free(&p);
    assert_int_equal(plan("pages.pdf", MM_SPLIT_PAGES, 4, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_PAGES_REMAINDER);
    assert_non_null(strstr(p.doubt_reason, "6 pages"));
    assert_null(p.letters);
    mm_batch_plan_free(&p);
    assert_int_equal(plan("pages.pdf", MM_SPLIT_PAGES, 0, NULL, &p, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    mm_batch_plan_free(&p);
    /* Limits make the batch in doubt, never a part of it. */
    char path[256];
    snprintf(path, sizeof path, "%s/pages.pdf", dir);
    mm_batch_request req = {MM_SPLIT_PAGES, 1, NULL, own, 1, &today, 5, 0};
    assert_int_equal(mm_batch_plan_make(path, &req, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_TOO_MANY_PAGES);
    mm_batch_plan_free(&p);
    req.max_pages = 0;
    req.max_letters = 5;
    assert_int_equal(mm_batch_plan_make(path, &req, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_TOO_MANY_LETTERS);
    mm_batch_plan_free(&p);
    /* Not a PDF. */
    snprintf(path, sizeof path, "%s/mkbatch.none", dir);
    FILE *f = fopen(path, "w");
    fputs("hello", f);
    fclose(f);
    assert_int_equal(mm_batch_plan_make(path, &req, &p, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    mm_batch_plan_free(&p);
}

static void plan_manifest(void **state)
{
    (void)state;
    mm_batch_plan p;
    mm_batch_manifest m;
    mm_error err;
    /* Recipients from the manifest (validated; own refused), or the text. */
    assert_int_equal(manifest("first_page;last_page;recipient;reference\n"
                              "1;2;19811218-9876;D-1\n3;3;19121212-1213;D-2\n4;4;212000-0142;D-3\n5;6;;D-4\n",
                              "csv", &m, &err),
                     0);
    assert_int_equal(plan("pages.pdf", MM_SPLIT_AUTO, 0, &m, &p, &err), 0);
    assert_int_equal(p.mode, MM_SPLIT_MANIFEST);
    assert_int_equal(p.doubt, MM_BATCH_OK);
    assert_int_equal(p.n_letters, 4);
    expect_letter(&p, 0, 1, 2, B, "manifest"); /* the manifest wins over the page text (A) */
    assert_string_equal(p.letters[0].reference, "D-1");
    expect_letter(&p, 1, 3, 3, NULL, "manifest");
    assert_non_null(strstr(p.letters[1].problem, "invalid recipient in the manifest"));
    expect_letter(&p, 2, 4, 4, NULL, "manifest");
    assert_non_null(strstr(p.letters[2].problem, "sender's own number"));
    expect_letter(&p, 3, 5, 6, NULL, "text"); /* only the sender's number in its text */
    mm_batch_plan_free(&p);
    mm_batch_manifest_free(&m);

    static const struct {
        const char *csv, *why;
    } bad[] = {
        {"first_page;last_page\n1;2\n4;6\n", "row 2 (pages 4-6) leaves a gap"},
        {"first_page;last_page\n1;3\n3;6\n", "row 2 (pages 3-6) overlaps"},
        {"first_page;last_page\n3;6\n1;2\n", "row 1 (pages 3-6) leaves a gap"},
        {"first_page;last_page\n1;2\n3;7\n", "goes past"},
        {"first_page;last_page\n1;2\n3;5\n", "covers pages 1-5, the PDF has 6"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(manifest(bad[i].csv, "csv", &m, &err), 0);
        assert_int_equal(plan("pages.pdf", MM_SPLIT_MANIFEST, 0, &m, &p, &err), 0);
        if (p.doubt != MM_BATCH_DOUBT_MANIFEST_COVER || !strstr(p.doubt_reason, bad[i].why))
            fail_msg("case %zu: doubt %d '%s'", i, p.doubt, p.doubt_reason);
        assert_null(p.letters);
        mm_batch_plan_free(&p);
        mm_batch_manifest_free(&m);
    }
    assert_int_equal(plan("pages.pdf", MM_SPLIT_MANIFEST, 0, NULL, &p, &err), 0);
    assert_int_equal(p.doubt, MM_BATCH_DOUBT_NO_MANIFEST);
    mm_batch_plan_free(&p);
}

/* ---- the letters' files -------------------------------------------------- */

static int pages_of(const char *path)
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    int n = (qpdf_read(q, path, NULL) & QPDF_ERRORS) ? -1 : qpdf_get_num_pages(q);
    qpdf_cleanup(&q);
    return n;
}

static void split_write(void **state)
{
    (void)state;
    mm_batch_plan p;
    mm_error err;
    assert_int_equal(plan("outline.pdf", MM_SPLIT_OUTLINE, 0, NULL, &p, &err), 0);
    char in[256], out[256], f[300];
    snprintf(in, sizeof in, "%s/outline.pdf", dir);
    snprintf(out, sizeof out, "%s/letters", dir);
    assert_int_equal(mkdir(out, 0700), 0);
    assert_int_equal(mm_batch_split_write(in, &p, out, &err), 0);
    static const int want[] = {2, 3, 1};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s/%06d.pdf", out, i + 1);
        assert_int_equal(pages_of(f), want[i]);
        struct stat st;
        assert_int_equal(stat(f, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
    snprintf(f, sizeof f, "%s/000004.pdf", out);
    assert_int_equal(access(f, F_OK), -1);
    /* Each letter reads back with its own recipient. */
    snprintf(f, sizeof f, "%s/000002.pdf", out);
    mm_batch_plan q;
    mm_batch_request req = {MM_SPLIT_TEXT, 0, NULL, own, 1, &today, 0, 0};
    assert_int_equal(mm_batch_plan_make(f, &req, &q, &err), 0);
    assert_int_equal(q.n_letters, 1);
    expect_letter(&q, 0, 1, 3, B, "text");
    mm_batch_plan_free(&q);
    /* A plan in doubt or with pages beyond the PDF writes nothing. */
    mm_batch_plan_free(&p);
    assert_int_equal(plan("pages.pdf", MM_SPLIT_PAGES, 4, NULL, &p, &err), 0);
    assert_int_equal(mm_batch_split_write(in, &p, out, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    mm_batch_plan_free(&p);
    assert_int_equal(plan("pages.pdf", MM_SPLIT_PAGES, 6, NULL, &p, &err), 0);
    p.letters[0].last_page = 7;
    assert_int_equal(mm_batch_split_write(in, &p, out, &err), -1);
    assert_non_null(strstr(err.msg, "not in the PDF"));
    mm_batch_plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_round_trip), cmocka_unit_test(header_refusals),
        cmocka_unit_test(manifest_good),     cmocka_unit_test(manifest_bad),
        cmocka_unit_test(plan_text),         cmocka_unit_test(plan_outline),
        cmocka_unit_test(plan_pages),        cmocka_unit_test(plan_manifest),
        cmocka_unit_test(split_write),
    };
    return cmocka_run_group_tests(tests, make_pdfs, remove_pdfs);
}
