/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's CSV and PDF downloads (web_export.h). */
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>

#include "web_export.h"

enum MHD_Result srv_web_send_file(srv_web_req *rq, mm_buf *body, const char *type, const char *filename)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(body->len, body->data ? body->data : (char *)"",
                                                                body->data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        mm_buf_free(body);
        return MHD_NO;
    }
    body->data = NULL;
    body->len = 0;
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    return srv_web_send(rq->conn, 200, resp, 0);
}

void srv_csv_start(mm_buf *b)
{
    /* ";" separates (the comma is the decimal sign in Swedish), CRLF ends
     * the lines (RFC 4180), and the BOM makes Excel read UTF-8: å, ä, ö. */
    mm_buf_puts(b, "\xEF\xBB\xBF");
}

void srv_csv_field(mm_buf *b, const char *text, int last)
{
    /* The texts come from workstations: never a formula. */
    int formula = text[0] && strchr("=+-@\t\r", text[0]) && strcmp(text, "-");
    if (strpbrk(text, ";\"\r\n") || formula) {
        mm_buf_puts(b, formula ? "\"'" : "\"");
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                mm_buf_append(b, "\"", 1); /* a quote is doubled */
            mm_buf_append(b, p, 1);
        }
        mm_buf_puts(b, "\"");
    } else {
        mm_buf_puts(b, text);
    }
    mm_buf_puts(b, last ? "\r\n" : ";");
}

/* A4 landscape in points, cairo's PDF surface into a buffer. */
#define PW 842.0
#define PH 595.0
#define MARGIN 36.0
#define ROW_H 15.0
#define INTRO_TOP 70.0
#define INTRO_H 17.0
#define NEXT_TOP 60.0
#define BOTTOM (PH - 44.0)
#define NCOLS_MAX 16

static cairo_status_t pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
    return mm_buf_append(closure, data, len) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

static void font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* text at x, y, cut with "…" to at most width points (at a UTF-8 character
 * boundary). */
static void text_at(cairo_t *cr, double x, double y, double width, const char *text)
{
    char buf[600];
    snprintf(buf, sizeof buf, "%s", text);
    cairo_text_extents_t e;
    cairo_text_extents(cr, buf, &e);
    size_t n = strlen(buf);
    while (e.x_advance > width && n > 0) {
        do
            n--;
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80);
        snprintf(buf + n, sizeof buf - n, "…");
        cairo_text_extents(cr, buf, &e);
    }
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, buf);
}

static void rule(cairo_t *cr, double y, double width)
{
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, MARGIN, y + 4);
    cairo_line_to(cr, PW - MARGIN, y + 4);
    cairo_stroke(cr);
}

static void cells_at(cairo_t *cr, const srv_pdf_table *t, double y, const char *const *cells)
{
    double x = MARGIN;
    for (size_t c = 0; c < t->ncols; c++) {
        text_at(cr, x, y, t->cols[c].width - 4, cells[c] ? cells[c] : "");
        x += t->cols[c].width;
    }
}

static void header_row(cairo_t *cr, const srv_pdf_table *t, double y)
{
    const char *heads[NCOLS_MAX];
    for (size_t c = 0; c < t->ncols; c++)
        heads[c] = t->cols[c].head;
    font(cr, 8.5, 1);
    cells_at(cr, t, y, heads);
    rule(cr, y, 1.0);
}

static void footer(cairo_t *cr, const srv_pdf_table *t, int page_no, int pages)
{
    char line[300];
    font(cr, 8, 0);
    snprintf(line, sizeof line, "%s – sida %d av %d", t->footer, page_no, pages);
    text_at(cr, MARGIN, PH - 24, PW - 2 * MARGIN, line);
}

int srv_pdf_table_draw(const srv_pdf_table *t, size_t nrows, srv_pdf_row_fn row, void *arg, mm_buf *out)
{
    if (t->ncols > NCOLS_MAX || t->nintro > 4)
        return -1;
    double first_top = INTRO_TOP + INTRO_H * (double)t->nintro + 7;
    int per_first = (int)((BOTTOM - first_top) / ROW_H), per_next = (int)((BOTTOM - NEXT_TOP) / ROW_H);
    int n = (int)nrows;
    int pages = n <= per_first ? 1 : 1 + (n - per_first + per_next - 1) / per_next;
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(pdf_write, out, PW, PH);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, t->title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "mmprintd");
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 0, 0, 0);
    font(cr, 16, 1);
    text_at(cr, MARGIN, 50, PW - 2 * MARGIN, t->title);
    font(cr, 10, 0);
    for (size_t i = 0; i < t->nintro; i++)
        text_at(cr, MARGIN, INTRO_TOP + INTRO_H * (double)i, PW - 2 * MARGIN, t->intro[i]);
    int page_no = 1;
    double y = first_top;
    header_row(cr, t, y);
    if (!nrows && t->empty) {
        font(cr, 10, 0);
        text_at(cr, MARGIN, y + ROW_H + 4, PW - 2 * MARGIN, t->empty);
    }
    for (size_t i = 0; i < nrows; i++) {
        if (y + 2 * ROW_H > BOTTOM + 0.01) {
            footer(cr, t, page_no, pages);
            cairo_show_page(cr);
            page_no++;
            y = NEXT_TOP;
            header_row(cr, t, y);
        }
        y += ROW_H;
        const char *cells[NCOLS_MAX] = {0};
        row(arg, i, cells);
        font(cr, 8.5, 0);
        cells_at(cr, t, y, cells);
        rule(cr, y, 0.3);
    }
    footer(cr, t, page_no, pages);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    int rc = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS && out->data ? 0 : -1;
    cairo_surface_destroy(surface);
    return rc;
}
