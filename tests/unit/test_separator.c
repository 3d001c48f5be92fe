/* SPDX-License-Identifier: EUPL-1.2 */
/* The separator page the print room sees in front of every paper letter
 * (server/print.c srv_separator_pdf): a PDF that the server's own intake
 * check (lib/pdfcheck, qpdf) takes as one page, whose text, read back with
 * poppler as any PDF reader would, holds each given line as given, Swedish
 * letters included, in the given order.  The header promises one page
 * whatever the number of lines, and text in broken UTF-8 must not break
 * the page either.  srv_print_prepare puts the page in front of the letter
 * (qpdf) as one PDF, leaving no temporary file in the spool; a letter qpdf
 * cannot read is an input error (not retried). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poppler.h>

#include "buf.h"
#include "fileio.h"
#include "pdfcheck.h"
#include "sandbox.h"
#include "print.h"

/* Checks pdf as the intake does and returns its pages. */
static int pages_of(const mm_buf *pdf)
{
    mm_error err;
    int pages = -1;
    mm_error_clear(&err);
    if (mm_pdf_check((const unsigned char *)pdf->data, pdf->len, &pages, &err))
        fail_msg("mm_pdf_check refused the separator page: %s", err.msg);
    return pages;
}

/* The text of page index (0 the first) of a PDF of pages pages, as
 * poppler extracts it (g_free it). */
static char *page_n_text(const mm_buf *pdf, int pages, int index)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(pdf->data, pdf->len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    g_bytes_unref(bytes);
    if (!doc)
        fail_msg("poppler cannot open the PDF: %s", gerr ? gerr->message : "?");
    assert_int_equal(poppler_document_get_n_pages(doc), pages);
    PopplerPage *page = poppler_document_get_page(doc, index);
    assert_non_null(page);
    char *text = poppler_page_get_text(page);
    g_object_unref(page);
    g_object_unref(doc);
    assert_non_null(text);
    return text;
}

static char *page_text(const mm_buf *pdf, int pages)
{
    return page_n_text(pdf, pages, 0);
}

static void swedish_lines_as_given(void **state)
{
    (void)state;
    /* As printq.c gives them: a heading, then "label: value" lines. */
    static const char *const lines[] = {
        "Brev som inte kunde skickas digitalt",
        "Mottagare: Åsa Öberg, Storgatan 1, Västerås",
        "Handläggare: Kjell Ärlig (dator: skrivbord-7)",
        "Varför papper: ingen digital brevlåda – mottagaren är inte ansluten",
        "Titel: Beslut om bostadsbidrag (dnr 2024/17) \\ bilaga",
        "åäö ÅÄÖ é",
    };
    size_t n = sizeof lines / sizeof lines[0];
    mm_buf pdf = MM_BUF_INIT;
    assert_int_equal(srv_separator_pdf(lines, n, &pdf), 0);
    assert_int_equal(pages_of(&pdf), 1);
    char *text = page_text(&pdf, 1);
    const char *after = text;
    for (size_t i = 0; i < n; i++) {
        const char *at = strstr(after, lines[i]);
        if (!at)
            fail_msg("line %zu \"%s\" is not on the page (in this order); the page says:\n%s", i, lines[i], text);
        after = at + strlen(lines[i]);
    }
    g_free(text);
    mm_buf_free(&pdf);
}

static void many_lines_still_one_page(void **state)
{
    (void)state;
    static const char *lines[200];
    char buf[200][32];
    for (size_t i = 0; i < 200; i++) {
        snprintf(buf[i], sizeof buf[i], "rad %zu: ÅÄÖ", i);
        lines[i] = buf[i];
    }
    mm_buf pdf = MM_BUF_INIT;
    assert_int_equal(srv_separator_pdf(lines, 200, &pdf), 0);
    assert_int_equal(pages_of(&pdf), 1);
    char *text = page_text(&pdf, 1);
    /* The first lines are on it (the later ones run past the foot of the
     * page: the header promises one page, not room for 200 lines). */
    assert_non_null(strstr(text, "rad 0: ÅÄÖ"));
    assert_non_null(strstr(text, "rad 20: ÅÄÖ"));
    g_free(text);
    mm_buf_free(&pdf);

    /* No lines at all: still a valid, empty page. */
    assert_int_equal(srv_separator_pdf(lines, 0, &pdf), 0);
    assert_int_equal(pages_of(&pdf), 1);
    mm_buf_free(&pdf);
}

static void broken_utf8_still_one_page(void **state)
{
    (void)state;
    /* A title from a client with another encoding (Latin-1 "å" = 0xe5),
     * a cut-off sequence at the end, a character outside Latin-1 (€). */
    static const char *const lines[] = {
        "Brev",
        "Titel: R\xe5" "dgivning",
        "Avs\xc3",
        "Pris: 10 €",
        "Efter: Öppet",
    };
    mm_buf pdf = MM_BUF_INIT;
    assert_int_equal(srv_separator_pdf(lines, 5, &pdf), 0);
    assert_int_equal(pages_of(&pdf), 1);
    char *text = page_text(&pdf, 1);
    assert_non_null(strstr(text, "Titel: R"));
    assert_non_null(strstr(text, "dgivning"));
    assert_non_null(strstr(text, "Efter: Öppet"));
    g_free(text);
    mm_buf_free(&pdf);
}

/* ---- srv_print_prepare: the page in front of the letter ---- */

/* A two-page letter whose xref offsets are wrong, as many applications
 * write them: qpdf repairs it with a warning (status 3), and it prints. */
static const char letter_2p[] =
    "%PDF-1.4\n"
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n"
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    "4 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    "xref\n0 5\n0000000000 65535 f \n0000000001 00000 n \n0000000002 00000 n \n"
    "0000000003 00000 n \n0000000004 00000 n \n"
    "trailer << /Size 5 /Root 1 0 R >>\nstartxref\n9999\n%%EOF\n";

/* The names in dir, but for "." and "..", as one string "a b " (sorted
 * order is not needed: the tests expect none or one). */
static void files_in(const char *dir, char *out, size_t size)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    out[0] = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            snprintf(out + strlen(out), size - strlen(out), "%s ", e->d_name);
    closedir(d);
}

/* Runs srv_print_prepare for job id in a new spool directory (dir), and
 * lists what it left there (left): its result, with err and path set. */
static int prepare(const char *letter, const char *const *lines, size_t n, const char *id, char dir[27],
                   char path[128], char left[256], mm_error *err)
{
    char prefix[64];
    snprintf(dir, 27, "/tmp/test_separator.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(prefix, sizeof prefix, "%s/%s", dir, id);
    mm_error_clear(err);
    int rc = srv_print_prepare(prefix, letter, strlen(letter), lines, n, NULL, path, 128, err);
    files_in(dir, left, 256);
    return rc;
}

static void prepare_puts_the_page_before_the_letter(void **state)
{
    (void)state;
    char dir[27], path[128], left[256], want[128];
    static const char *const lines[] = {"Mina meddelanden – pappersutskrift", "Handläggare: Örjan Åström"};
    mm_error err;
    assert_int_equal(prepare(letter_2p, lines, 2, "job-1", dir, path, left, &err), 0);
    snprintf(want, sizeof want, "%s/job-1.print.pdf", dir);
    assert_string_equal(path, want);
    assert_string_equal(left, "job-1.print.pdf ");

    mm_buf pdf = MM_BUF_INIT;
    assert_int_equal(mm_fileio_read_file(path, &pdf, 1 << 20), 0);
    assert_int_equal(pages_of(&pdf), 3);
    char *text = page_text(&pdf, 3);
    assert_non_null(strstr(text, "Handläggare: Örjan Åström"));
    g_free(text);
    mm_buf_free(&pdf);
    unlink(path);
    rmdir(dir);
}

static void prepare_refuses_an_unreadable_letter(void **state)
{
    (void)state;
    char dir[27], path[128], left[256];
    static const char *const lines[] = {"Mina meddelanden – pappersutskrift"};
    mm_error err;
    assert_int_equal(prepare("%PDF-1.7\nthe letter was cut off here\n%%EOF\n", lines, 1, "job-2", dir, path, left,
                             &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT); /* not retried: the letter goes to the exception list */
    assert_string_equal(left, "");
    rmdir(dir);
}

/* ---- the separator's sheet on a two-sided printer (issue 12) ---- */

#define BACK "(Baksida till försättsbladet – lämnas tom. Brevet börjar på nästa ark.)"

static void back_page_makes_the_separator_a_sheet(void **state)
{
    (void)state;
    static const char *const lines[] = {"REKOMMENDERAT BREV", "Mina meddelanden – pappersutskrift", "Jobb-id: 1"};
    mm_buf pdf = MM_BUF_INIT;
    assert_int_equal(srv_separator_sheet(lines, 3, BACK, &pdf), 0);
    assert_int_equal(pages_of(&pdf), 2);
    char *front = page_n_text(&pdf, 2, 0), *back = page_n_text(&pdf, 2, 1);
    assert_non_null(strstr(front, "REKOMMENDERAT BREV"));
    assert_non_null(strstr(front, "Jobb-id: 1"));
    assert_null(strstr(front, "Baksida"));
    /* The back says only that it is the back: no data of the letter. */
    assert_non_null(strstr(back, BACK));
    assert_null(strstr(back, "Jobb-id"));
    assert_null(strstr(back, "REKOMMENDERAT"));
    g_free(front);
    g_free(back);
    mm_buf_free(&pdf);
    /* Without a back: one page, as srv_separator_pdf. */
    assert_int_equal(srv_separator_sheet(lines, 3, NULL, &pdf), 0);
    assert_int_equal(pages_of(&pdf), 1);
    mm_buf_free(&pdf);
}

static void prepare_with_a_back_starts_the_letter_on_page_3(void **state)
{
    (void)state;
    static const char *const lines[] = {"Porto: A-post", "Mina meddelanden – pappersutskrift"};
    char dir[27], prefix[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/test_separator.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(prefix, sizeof prefix, "%s/job-3", dir);
    mm_error err;
    mm_error_clear(&err);
    assert_int_equal(srv_print_prepare(prefix, letter_2p, strlen(letter_2p), lines, 2, BACK, path, sizeof path, &err),
                     0);
    mm_buf pdf = MM_BUF_INIT;
    assert_int_equal(mm_fileio_read_file(path, &pdf, 1 << 20), 0);
    assert_int_equal(pages_of(&pdf), 4); /* separator, its back, the letter's two pages */
    char *p1 = page_n_text(&pdf, 4, 0), *p2 = page_n_text(&pdf, 4, 1), *p3 = page_n_text(&pdf, 4, 2);
    assert_non_null(strstr(p1, "Porto: A-post"));
    assert_non_null(strstr(p2, BACK));
    assert_null(strstr(p3, "Baksida")); /* the letter's own (empty) first page */
    assert_null(strstr(p3, "Porto"));
    g_free(p1);
    g_free(p2);
    g_free(p3);
    mm_buf_free(&pdf);
    unlink(path);
    rmdir(dir);
}

/* What is sent for each setting and each printer, and the sheets a
 * letter of 1, 2 and 3 pages then takes, the separator's sheet included. */
static void sides_plan_and_sheets(void **state)
{
    (void)state;
    srv_sides_info simplex = {1, 0, "one-sided"}, duplex_one = {1, 1, "one-sided"},
                   duplex_two = {1, 1, "two-sided-long-edge"}, silent = {0, 0, ""};
    const struct {
        const char *setting;
        const srv_sides_info *info;
        const char *sides;
        int back, sheets[3];
    } cases[] = {
        /* auto: nothing sent; a back page unless the printer prints one side only */
        {"auto", &simplex, "", 0, {2, 3, 4}},
        {"auto", &duplex_one, "", 1, {3, 4, 5}},
        {"auto", &duplex_two, "", 1, {2, 2, 3}},
        {"auto", &silent, "", 1, {3, 4, 5}},   /* it did not say: safe */
        {"auto", NULL, "", 1, {3, 4, 5}},      /* it could not be asked: safe */
        /* the setting says what is sent, whatever the printer's default */
        {"one-sided", &duplex_two, "one-sided", 0, {2, 3, 4}},
        {"two-sided-long-edge", &simplex, "two-sided-long-edge", 1, {2, 2, 3}},
        {"two-sided-short-edge", NULL, "two-sided-short-edge", 1, {2, 2, 3}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        srv_sides_plan plan;
        srv_print_plan(cases[i].setting, cases[i].info, &plan);
        if (strcmp(plan.sides, cases[i].sides) || plan.back != cases[i].back)
            fail_msg("case %zu (%s): sides '%s' back %d, want '%s' %d", i, cases[i].setting, plan.sides, plan.back,
                     cases[i].sides, cases[i].back);
        for (int p = 1; p <= 3; p++)
            if (srv_print_sheets(&plan, p) != cases[i].sheets[p - 1])
                fail_msg("case %zu (%s): %d pages take %d sheets, want %d", i, cases[i].setting, p,
                         srv_print_sheets(&plan, p), cases[i].sheets[p - 1]);
    }
}

int main(int argc, char **argv)
{
    static const mm_sandbox_entry sandboxed[] = {MM_PDF_CHECK_ENTRY, {NULL, NULL}};
    mm_sandbox_child_main(argc, argv, sandboxed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(swedish_lines_as_given),
        cmocka_unit_test(many_lines_still_one_page),
        cmocka_unit_test(broken_utf8_still_one_page),
        cmocka_unit_test(prepare_puts_the_page_before_the_letter),
        cmocka_unit_test(prepare_refuses_an_unreadable_letter),
        cmocka_unit_test(back_page_makes_the_separator_a_sheet),
        cmocka_unit_test(prepare_with_a_back_starts_the_letter_on_page_3),
        cmocka_unit_test(sides_plan_and_sheets),
    };
    return cmocka_run_group_tests_name("separator", tests, NULL, NULL);
}
