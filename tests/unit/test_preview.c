/* SPDX-License-Identifier: EUPL-1.2 */
/* What a handläggare sees of a held letter (server/preview.c): page 1 of
 * the stored PDF as a PNG of bounded size, rendered in the confined child
 * with its fonts (the letter's text is visible, the second page is not);
 * the letter's labelled numbers read in the child; a typed number that the
 * letter contradicts; and the preflight's Swedish answers for a wrong
 * check digit and for the sender's own number.  The PDFs are written by
 * tests/data/pdf/mkpdfs.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <cairo.h>

#include "fileio.h"
#include "preview.h"

static char dir[64];
static srv s;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mmpreview.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/data/pdf/mkpdfs.py' '%s'", MM_SRCDIR, dir);
    /* The sender: Exempelkommun, organisationsnummer 212000-0142. */
    memset(&s, 0, sizeof s);
    snprintf(s.orgnr, sizeof s.orgnr, "162120000142");
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static mm_buf read_pdf(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mm_buf b = MM_BUF_INIT;
    if (mm_fileio_read_file(path, &b, 64u << 20))
        fail_msg("cannot read %s", path);
    return b;
}

typedef struct {
    const unsigned char *p;
    size_t left;
} png_reader;

static cairo_status_t png_in(void *closure, unsigned char *data, unsigned int length)
{
    png_reader *r = closure;
    if (length > r->left)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p, length);
    r->p += length;
    r->left -= length;
    return CAIRO_STATUS_SUCCESS;
}

/* Dark pixels (any channel under 128) in the rectangle of the picture. */
static long dark(cairo_surface_t *img, int x0, int y0, int x1, int y1)
{
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    long n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t px;
            memcpy(&px, d + (size_t)y * stride + (size_t)x * 4, 4);
            if (((px >> 16) & 0xff) < 128 || ((px >> 8) & 0xff) < 128 || (px & 0xff) < 128)
                n++;
        }
    return n;
}

static void page_one_of_ten(void **state)
{
    (void)state;
    mm_buf pdf = read_pdf("letter10.pdf");
    mm_buf png = MM_BUF_INIT;
    mm_error err;
    mm_error_clear(&err);
    struct timespec t0, t1;
    struct rusage r0, r1;
    getrusage(RUSAGE_CHILDREN, &r0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (srv_preview_png(pdf.data, pdf.len, &png, &err))
        fail_msg("preview: %s", err.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_CHILDREN, &r1);
    /* A figure for the log, not a timed assertion (tools/bench/web measures
     * it); the child's CPU time says more than the wall clock on a busy host. */
    long cpu = (r1.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_utime.tv_sec - r0.ru_stime.tv_sec) * 1000 +
               (r1.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_utime.tv_usec - r0.ru_stime.tv_usec) / 1000;
    printf("# page 1 of a 10-page letter: %ld ms wall, %ld ms CPU in the child, %zu bytes of PNG\n",
           (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000), cpu, png.len);
    assert_true(png.len > 1000 && png.len < SRV_PREVIEW_MAX_PNG);
    assert_memory_equal(png.data, "\x89PNG\r\n\x1a\n", 8);
    png_reader r = {(const unsigned char *)png.data, png.len};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(png_in, &r);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    /* A4 (595 x 842 pt) at 100 dpi. */
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    assert_int_equal(w, 827);
    assert_int_equal(h, 1170);
    /* Page 1's five lines at the top, in Helvetica that the PDF does not
     * embed: drawn, so the child could read the system's fonts. */
    assert_true(dark(img, 90, 80, 500, 180) > 500);
    /* Below them page 1 is blank; page 2 has text all the way down. */
    assert_int_equal(dark(img, 0, 300, w, 1100), 0);
    cairo_surface_destroy(img);
    mm_buf_free(&png);
    mm_buf_free(&pdf);
}

static void bad_pdf_refused(void **state)
{
    (void)state;
    const char *names[] = {"broken.pdf", "nopages.pdf", "encrypted.pdf"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        mm_buf pdf = read_pdf(names[i]);
        mm_buf png = MM_BUF_INIT;
        mm_error err;
        mm_error_clear(&err);
        assert_int_equal(srv_preview_png(pdf.data, pdf.len, &png, &err), -1);
        assert_int_equal(err.cls, MM_ERR_INPUT);
        assert_int_equal(png.len, 0);
        mm_buf_free(&png);
        mm_buf_free(&pdf);
    }
}

static mm_candidates numbers_of(const char *name)
{
    mm_buf pdf = read_pdf(name);
    mm_candidates c;
    mm_error err;
    mm_error_clear(&err);
    if (srv_preview_numbers(pdf.data, pdf.len, &c, &err))
        fail_msg("%s: %s", name, err.msg);
    mm_buf_free(&pdf);
    return c;
}

static void letter_numbers(void **state)
{
    (void)state;
    mm_candidates c = numbers_of("text-label.pdf");
    int person = 0, own = 0;
    for (int i = 0; i < c.n; i++) {
        person |= c.list[i].kind == MM_LABEL_PERSON && !strcmp(c.list[i].number, "191212121212");
        own |= !strcmp(c.list[i].number, "162120000142");
    }
    assert_true(person);
    assert_true(own); /* read as it stands; the server leaves its own numbers out */
    c = numbers_of("plain.pdf");
    assert_int_equal(c.n, 0);
    /* Page text is read even when metadata named a recipient. */
    c = numbers_of("precedence.pdf");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.list[0].number, "198112189876");
}

static void mismatch(void **state)
{
    (void)state;
    char sv[300];
    mm_candidates c = numbers_of("text-label.pdf");
    /* The number the letter names: no question. */
    assert_int_equal(srv_preview_mismatch(&s, &c, "191212121212", sv, sizeof sv), 0);
    assert_string_equal(sv, "");
    /* Another number: said, with the letter's own masked. */
    assert_int_equal(srv_preview_mismatch(&s, &c, "198112189876", sv, sizeof sv), 1);
    assert_non_null(strstr(sv, "annat nummer (19121212-****)"));
    /* The child's number is never the recipient. */
    c = numbers_of("table-child.pdf");
    assert_int_equal(srv_preview_mismatch(&s, &c, "191212121212", sv, sizeof sv), 1);
    assert_non_null(strstr(sv, "barnets"));
    /* A letter whose labelled number is invalid cannot vouch for any. */
    c = numbers_of("text-badcheck.pdf");
    assert_int_equal(srv_preview_mismatch(&s, &c, "191212121212", sv, sizeof sv), 1);
    assert_non_null(strstr(sv, "inte är giltigt"));
    /* Only the sender's own number, or none at all: nothing to compare. */
    c = numbers_of("text-own-org-only.pdf");
    assert_int_equal(srv_preview_mismatch(&s, &c, "191212121212", sv, sizeof sv), 0);
    c = numbers_of("plain.pdf");
    assert_int_equal(srv_preview_mismatch(&s, &c, "191212121212", sv, sizeof sv), 0);
}

static void preflight_without_lookup(void **state)
{
    (void)state;
    srv_principal who;
    srv_auth_person("anna", SRV_ROLE_HANDLAGGARE, &who);
    srv_job j;
    memset(&j, 0, sizeof j);
    snprintf(j.user, sizeof j.user, "anna");
    mm_candidates c = numbers_of("text-label.pdf");
    srv_preflight p;
    srv_preview_check(&s, &who, &j, &c, "19121212-1213", 0, &p);
    assert_int_equal(p.valid, 0);
    assert_non_null(strstr(p.problem_sv, "kontrollsiffran"));
    srv_preview_check(&s, &who, &j, &c, "19121312-1211", 0, &p);
    assert_int_equal(p.valid, 0);
    assert_non_null(strstr(p.problem_sv, "datumet"));
    srv_preview_check(&s, &who, &j, &c, "212000-0142", 0, &p);
    assert_int_equal(p.valid, 0);
    assert_non_null(strstr(p.problem_sv, "avsändarens eget organisationsnummer"));
    srv_preview_check(&s, &who, &j, &c, "19811218-9876", 0, &p);
    assert_int_equal(p.valid, 1);
    assert_string_equal(p.number, "198112189876");
    assert_int_equal(p.mismatch, 1);
    assert_null(p.channel);
    srv_preview_check(&s, &who, &j, &c, "191212121212", 0, &p);
    assert_int_equal(p.valid, 1);
    assert_int_equal(p.mismatch, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_one_of_ten), cmocka_unit_test(bad_pdf_refused), cmocka_unit_test(letter_numbers),
        cmocka_unit_test(mismatch),        cmocka_unit_test(preflight_without_lookup),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
