/* SPDX-License-Identifier: EUPL-1.2 */
/* Finding the recipient of a print job (spec/identity-numbers-and-pdf.md
 * §3, §7, §8): job option -> job-billing -> PDF Info key -> XMP property ->
 * /Keywords token -> /Subject marker -> job-title marker -> page text.
 * It never guesses: a source that is present but invalid, or page text with
 * no or several labelled candidates, gives "missing" with a reason. */
#ifndef MM_DISCOVER_H
#define MM_DISCOVER_H

#include <stddef.h>
#include <time.h>

#include "candidates.h"
#include "error.h"
#include "idnum.h"

/* The XMP property of a recipient: <mm:recipient> (element or attribute of
 * rdf:Description) in this namespace; doc/job-bundle.md. */
#define MM_XMP_NS "http://mmprint.example/ns/1.0/"
#define MM_XMP_PROPERTY "recipient"
/* Largest page count whose text is searched (hostile input bound). */
#define MM_DISCOVER_MAX_TEXT_PAGES 50
/* Largest XMP packet and page text (bytes) examined. */
#define MM_DISCOVER_MAX_XMP (1024 * 1024)
#define MM_DISCOVER_MAX_TEXT (16 * 1024 * 1024)
/* Largest PDF the filter accepts: its bundle (PDF + at most 64 KiB of
 * header) must fit the 32 MiB that the backend sends and the server takes. */
#define MM_DISCOVER_MAX_PDF (32u * 1024 * 1024 - 65536u)

typedef struct {
    const char *option_personnummer; /* job option Personnummer as received, or NULL */
    const char *job_billing;         /* job-billing option, or NULL */
    const char *title;               /* job title (argv[3]), or NULL */
    const char *sender_orgnr;        /* own organisation number (12 digits, 16...) from filter.conf, or NULL:
                                      * left out of the page text's candidates */
    const struct tm *today;          /* for 10-digit numbers; NULL = now */
} mm_discover_input;

typedef struct {
    int found;
    mm_id id;
    char source[16];     /* option, billing, info, xmp, keywords, subject, title, text */
    char problem[256];   /* English reason when not found (no number in it) */
    int pages;
    char subject[256];   /* the PDF's /Subject, for the letter's subject line */
    /* Every labelled number of the page text (or /Subject) when that source
     * decided, with whose it says it is: the bundle carries them so that
     * the server, which knows all of the sender's numbers, decides again. */
    mm_candidates candidates;
} mm_discover_result;

/* Examines a PDF.  Returns -1 (MM_ERR_INPUT) for a PDF that cannot be
 * used at all: not a PDF, damaged, encrypted, or without pages; err->code
 * is then one of the MM_DISCOVER_BAD_* values. */
enum { MM_DISCOVER_BAD_PDF = 1, MM_DISCOVER_ENCRYPTED = 2, MM_DISCOVER_NO_PAGES = 3 };
int mm_discover(const unsigned char *pdf, size_t len, const mm_discover_input *in,
                mm_discover_result *out, mm_error *err);

/* The page-text rule on its own (UTF-8 text, pages separated by form
 * feeds, no positions): exactly one distinct, labelled, valid addressee
 * candidate (mm_candidates_decide).  Fills out->candidates too. */
int mm_discover_in_text(const char *text, const char *sender_orgnr, const struct tm *today,
                        mm_discover_result *out);

/* Every labelled number the page text of a PDF names (the same reading
 * and labels as mm_discover's page-text source, no sender number left
 * out), whatever its other sources say: for comparing a number a person
 * typed with what the letter itself says.  0 with *out, or -1 with err as
 * mm_discover (MM_ERR_SYSTEM when memory runs out). */
int mm_discover_text_numbers(const unsigned char *pdf, size_t len, const struct tm *today, mm_candidates *out,
                             mm_error *err);

/* ---- per page, for the batch splitter (lib/batch.c) ---------------------
 * page is a PopplerPage *; the caller keeps it.  Both add the page's
 * labelled numbers to cs (no sender number left out: the caller decides
 * with its own list, mm_candidates_decide) and count in *unlabelled the
 * valid numbers without a label.  0, or -1 when memory runs out. */
struct _PopplerPage;
/* The whole page, read with positions as mm_discover's page-text source. */
int mm_discover_page_numbers(struct _PopplerPage *page, const struct tm *today, mm_candidates *cs,
                             int *unlabelled);
/* Only the text in the top `fraction` of the page's height
 * (poppler_page_get_text_for_area), read without positions. */
int mm_discover_area_numbers(struct _PopplerPage *page, double fraction, const struct tm *today,
                             mm_candidates *cs, int *unlabelled);

/* The XMP reader on its own, the parser's entry for the fuzz harness
 * (fuzz/fuzz_xmp.c): the mm:recipient property of a metadata packet as a
 * malloc'd, trimmed string, or NULL. */
char *mm_discover_xmp_recipient(const char *xmp);

#endif
