/* SPDX-License-Identifier: EUPL-1.2 */
/* The server's intake check of a letter (lib/pdfcheck): what qpdf can
 * merge and print is taken, with its page count; the rest is refused with
 * the reason a handläggare can act on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pdfcheck.h"
#include "sandbox.h"

/* Two pages; the xref offsets are deliberately not exact, as in many PDFs
 * that applications write: qpdf repairs such a table (a warning), and the
 * print path's qpdf prints it, so it must be taken. */
static const char two_pages[] =
    "%PDF-1.4\n"
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n"
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    "4 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    "xref\n0 5\n0000000000 65535 f \n0000000001 00000 n \n0000000002 00000 n \n"
    "0000000003 00000 n \n0000000004 00000 n \n"
    "trailer << /Size 5 /Root 1 0 R >>\nstartxref\n9999\n%%EOF\n";

static const char no_pages[] =
    "%PDF-1.4\n"
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    "trailer << /Size 3 /Root 1 0 R >>\n%%EOF\n";

static const char no_objects[] = "%PDF-1.7\nthe letter was cut off here\n%%EOF\n";

static int check(const char *pdf, int *pages, mm_error *err)
{
    mm_error_clear(err);
    return mm_pdf_check((const unsigned char *)pdf, strlen(pdf), pages, err);
}

static void repaired_pdf_is_taken_with_its_pages(void **state)
{
    (void)state;
    int pages = -1;
    mm_error err;
    assert_int_equal(check(two_pages, &pages, &err), 0);
    assert_int_equal(pages, 2);
}

static void pdf_without_pages_is_refused(void **state)
{
    (void)state;
    int pages = -1;
    mm_error err;
    assert_int_equal(check(no_pages, &pages, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    assert_int_equal(err.code, MM_PDF_NO_PAGES);
    assert_non_null(strstr(mm_pdf_problem_sv(err.code), "inga sidor"));
}

static void damaged_pdf_is_refused(void **state)
{
    (void)state;
    int pages = -1;
    mm_error err;
    assert_int_equal(check(no_objects, &pages, &err), -1);
    assert_int_equal(err.code, MM_PDF_DAMAGED);
    assert_non_null(strstr(mm_pdf_problem_sv(err.code), "skadad"));
    /* Cut in the middle of the page tree. */
    char cut[120];
    memcpy(cut, two_pages, sizeof cut - 1);
    cut[sizeof cut - 1] = 0;
    assert_int_equal(check(cut, &pages, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
}

static void not_a_pdf_is_refused(void **state)
{
    (void)state;
    int pages = -1;
    mm_error err;
    assert_int_equal(check("GIF89a....", &pages, &err), -1);
    assert_int_equal(err.code, MM_PDF_DAMAGED);
    assert_int_equal(check("", &pages, &err), -1);
}

int main(int argc, char **argv)
{
    static const mm_sandbox_entry sandboxed[] = {MM_PDF_CHECK_ENTRY, {NULL, NULL}};
    mm_sandbox_child_main(argc, argv, sandboxed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(repaired_pdf_is_taken_with_its_pages),
        cmocka_unit_test(pdf_without_pages_is_refused),
        cmocka_unit_test(damaged_pdf_is_refused),
        cmocka_unit_test(not_a_pdf_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
