/* SPDX-License-Identifier: EUPL-1.2 */
/* Paper for mmprintd: the separator page, the letter merged behind it
 * with qpdf, and the IPP requests to the printer (libcups).  Knows the
 * printer's settings and nothing of jobs or the server: the print worker
 * (printq.c) hands it the bytes and texts to print. */
#ifndef MMPRINTD_PRINT_H
#define MMPRINTD_PRINT_H

#include <stddef.h>
#include <cups/http.h>

#include "buf.h"
#include "error.h"

/* The printer's settings (strings borrowed from the configuration). */
typedef struct {
    const char *uri;         /* printer_uri: ipp:// or ipps:// */
    const char *name;        /* printer_name, for messages */
    int connect_timeout_ms;
    const char *ca;          /* printer_ca: "" or a PEM file the ipps:// certificate must chain to */
    const char *fingerprint; /* printer_fingerprint: "" or the SHA-256 of its certificate */
} srv_printer;

/* ---- two-sided printers (issue 12): the separator is always a sheet of
 * its own ---- */

/* What the printer said of its sides (Get-Printer-Attributes). */
typedef struct {
    int asked;      /* it answered sides-supported */
    int duplex;     /* ... with a two-sided value */
    char def[32];   /* its sides-default, "" unknown */
} srv_sides_info;
/* How one letter is printed. */
typedef struct {
    char sides[32]; /* the job's "sides" attribute, "" none (the printer's default) */
    int back;       /* the separator page gets a back page: the letter starts on a new sheet */
    int two_sided;  /* the job prints two-sided (as asked, or the printer's default) */
} srv_sides_plan;
/* Asks the printer: 0 (*info set; asked 0 when it does not say), or -1
 * with err when it cannot be asked. */
int srv_print_sides(const srv_printer *p, srv_sides_info *info, mm_error *err);
/* The plan for setting (a room's sides: "auto", "one-sided",
 * "two-sided-long-edge", "two-sided-short-edge") and what the printer said
 * (info NULL: it could not be asked).  one-sided: sides one-sided, no back
 * page; two-sided-*: that sides and a back page; auto: no sides sent, and a
 * back page unless the printer said it prints one side only. */
void srv_print_plan(const char *setting, const srv_sides_info *info, srv_sides_plan *plan);
/* The sheets of paper one letter of letter_pages takes, separator included. */
int srv_print_sheets(const srv_sides_plan *plan, int letter_pages);

/* err->code when an ipps:// printer's certificate is not the one we trust
 * (class MM_ERR_TRANSPORT: nothing was sent, the letter is retried). */
enum { SRV_PRINT_UNTRUSTED = 9001 };

/* Reads a SHA-256 fingerprint written as 64 hex digits, colons allowed,
 * into out[32] (NULL: only checks it): 0, or -1 when it is not one. */
int srv_print_fingerprint_parse(const char *text, unsigned char *out);
/* Whether path is a PEM file with at least one certificate: 0, or -1 with err. */
int srv_print_ca_check(const char *path, mm_error *err);

/* 1 when suffix (".print.pdf") ends the name of one of the print path's
 * temporary files in the spool, else 0. */
int srv_print_temp_suffix(const char *suffix);
/* Writes a one-page PDF with the given UTF-8 lines (Latin-1 subset): the
 * first as a heading.  0, or -1 out of memory. */
int srv_separator_pdf(const char *const *lines, size_t n, mm_buf *out);
/* The same, with a second page (the back of the separator's sheet) that
 * says only back, small, at its foot, when back is not NULL. */
int srv_separator_sheet(const char *const *lines, size_t n, const char *back, mm_buf *out);
/* Builds the separator page (lines; back: its back page, see
 * srv_separator_sheet) + the letter as one PDF in the spool,
 * at spool_prefix".print.pdf" (path set; temporary files beside it are
 * removed): 0, or -1 with err (MM_ERR_INPUT = the letter cannot be
 * printed).  The caller unlinks path when done. */
int srv_print_prepare(const char *spool_prefix, const void *letter, size_t letter_len, const char *const *lines,
                      size_t nlines, const char *back, char *path, size_t size, mm_error *err);
/* Sends that PDF as one IPP job named name (with the job attribute sides
 * unless NULL or ""): 0 accepted with
 * *printer_job_id set; 1 the printer is there but cannot take a job now
 * (busy, its queue full, or paused), err says which; -1 error
 * (MM_ERR_TRANSPORT = retry). */
int srv_print_submit(const srv_printer *p, const char *name, const char *path, const char *sides, int *printer_job_id,
                     mm_error *err);
/* The printer's printer-state (3 idle, 4 processing, 5 stopped) with its
 * printer-state-reasons, comma-separated; -1 when it cannot be asked.
 * *conn (NULL at first) keeps the connection for the next call; the
 * caller closes it with httpClose(). */
int srv_print_state(const srv_printer *p, http_t **conn, char *reasons, size_t size);
/* Looks for an earlier job named name at the printer (after a crash
 * between printing and recording it): 1 found, 0 not, -1 error. */
int srv_print_find(const srv_printer *p, const char *name, int *printer_job_id, mm_error *err);

#endif
