/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's downloads (web_export.c): a list as a CSV for Excel
 * and as a cairo PDF table, shared by the print room's day list
 * (web_printroom.c) and a batch's exception list (web_batch.c), so both
 * files follow the same conventions. */
#ifndef MMPRINTD_WEB_EXPORT_H
#define MMPRINTD_WEB_EXPORT_H

#include <stddef.h>

#include "buf.h"
#include "web.h"

/* Sends body (consumed) as a download: 200, type, attachment filename
 * (ASCII, no quotes). */
enum MHD_Result srv_web_send_file(srv_web_req *rq, mm_buf *body, const char *type, const char *filename);

/* Starts a CSV: UTF-8 with a byte order mark (Excel on Windows reads a
 * CSV it opens with a double click in the ANSI code page without it). */
void srv_csv_start(mm_buf *b);
/* One CSV field and its ";" (the list separator of Swedish Windows), or
 * CRLF after the last of a line: quoted when it holds ";", a quote or a
 * line break; a text Excel would run as a formula (=, +, -, @ first) is
 * kept as text with a leading apostrophe. */
void srv_csv_field(mm_buf *b, const char *text, int last);

/* A PDF table: A4 landscape, a bold title, intro lines under it, the
 * column heads repeated on every page, and "footer – sida N av M" at
 * every page's foot. */
typedef struct {
    const char *head;
    double width; /* points; the widths add up to 770 (the page less its margins) */
} srv_pdf_col;
typedef struct {
    const char *title;          /* also the PDF's title */
    const char *const *intro;   /* at most 4 lines */
    size_t nintro;
    const srv_pdf_col *cols;
    size_t ncols;               /* at most 16 */
    const char *footer;
    const char *empty;          /* the line under the heads when there are no rows */
} srv_pdf_table;
/* Fills cells[0..ncols) with row i's texts (valid until the next call). */
typedef void (*srv_pdf_row_fn)(void *arg, size_t i, const char **cells);
/* Draws t with nrows rows into *out: 0, or -1 (cairo failed). */
int srv_pdf_table_draw(const srv_pdf_table *t, size_t nrows, srv_pdf_row_fn row, void *arg, mm_buf *out);

#endif
