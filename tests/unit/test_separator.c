/* The separator page the print room sees in front of every paper letter
 * (server/print.c srv_separator_pdf): a PDF that the server's own intake
 * check (lib/pdfcheck, qpdf) takes as one page, whose text, read back with
 * poppler as any PDF reader would, holds each given line as given, Swedish
 * letters included, in the given order.  The header promises one page
 * whatever the number of lines, and text in broken UTF-8 must not break
 * the page either. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <poppler.h>

#include "buf.h"
#include "pdfcheck.h"
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

/* The text of the PDF's only page, as poppler extracts it (g_free it). */
static char *page_text(const mm_buf *pdf)
{
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(pdf->data, pdf->len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    g_bytes_unref(bytes);
    if (!doc)
        fail_msg("poppler cannot open the separator page: %s", gerr ? gerr->message : "?");
    assert_int_equal(poppler_document_get_n_pages(doc), 1);
    PopplerPage *page = poppler_document_get_page(doc, 0);
    assert_non_null(page);
    char *text = poppler_page_get_text(page);
    g_object_unref(page);
    g_object_unref(doc);
    assert_non_null(text);
    return text;
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
    char *text = page_text(&pdf);
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
    char *text = page_text(&pdf);
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
    char *text = page_text(&pdf);
    assert_non_null(strstr(text, "Titel: R"));
    assert_non_null(strstr(text, "dgivning"));
    assert_non_null(strstr(text, "Efter: Öppet"));
    g_free(text);
    mm_buf_free(&pdf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(swedish_lines_as_given),
        cmocka_unit_test(many_lines_still_one_page),
        cmocka_unit_test(broken_utf8_still_one_page),
    };
    return cmocka_run_group_tests_name("separator", tests, NULL, NULL);
}
