/* Recipient discovery in a print job.
 *
 * Two parsers read the PDF: poppler-glib for pages, text, XMP and the
 * standard Info strings, and qpdf's C API for custom Info keys, which
 * poppler-glib cannot read (spec §6).  qpdf keeps the project in C; the
 * alternative was a C++ shim over poppler-cpp.
 */
#include "discover.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <poppler.h>
#include <qpdf/qpdf-c.h>

static void set_found(mm_discover_result *out, const mm_id *id, const char *source)
{
    out->found = 1;
    out->id = *id;
    snprintf(out->source, sizeof out->source, "%s", source);
    out->problem[0] = '\0';
}

static void set_missing(mm_discover_result *out, const char *source, const char *reason)
{
    out->found = 0;
    snprintf(out->source, sizeof out->source, "%s", source);
    snprintf(out->problem, sizeof out->problem, "%s", reason);
}

/* A present source decides: valid -> found, invalid -> missing with why.
 * Falling through to a weaker source would override what a person wrote. */
static void decide(mm_discover_result *out, const char *value, const char *source, const struct tm *today)
{
    mm_id id;
    mm_error err;
    mm_error_clear(&err);
    if (mm_idnum_parse(value, today, &id, &err) == 0) {
        set_found(out, &id, source);
    } else {
        char why[256];
        snprintf(why, sizeof why, "invalid number in %s: %.200s", source, err.msg);
        set_missing(out, source, why);
    }
}

/* The job option as dialogs send it: "Custom.NUMBER", "NUMBER", or one of
 * the empty forms "None", "", "Custom" (what Qt sends without a text field). */
static const char *option_value(const char *raw)
{
    if (!raw)
        return NULL;
    if (!strncmp(raw, "Custom.", 7))
        raw += 7;
    while (*raw == ' ')
        raw++;
    if (!*raw || !strcmp(raw, "None") || !strcmp(raw, "Custom"))
        return NULL;
    return raw;
}

/* Only digits, separators and blanks: a value meant as a number. */
static int looks_numeric(const char *s)
{
    int digits = 0;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digits++;
        else if (*s != '-' && *s != '+' && *s != ' ')
            return 0;
    }
    return digits >= 6;
}

/* Finds a marker ("mm-recipient=", "personnummer=" or "mm:") in free text
 * and copies the number after it to out.  Returns 1 when a marker exists. */
static int find_marker(const char *text, int allow_short_marker, char *out, size_t outlen)
{
    static const char *markers[] = {"mm-recipient=", "personnummer=", "mm:"};
    size_t nmarkers = allow_short_marker ? 3 : 2;
    for (const char *p = text; p && *p; p++) {
        for (size_t m = 0; m < nmarkers; m++) {
            size_t ml = strlen(markers[m]);
            if (strncasecmp(p, markers[m], ml))
                continue;
            if (p > text && isalnum((unsigned char)p[-1]))
                continue;
            const char *v = p + ml;
            while (*v == ' ')
                v++;
            size_t n = 0;
            while (n + 1 < outlen && (isdigit((unsigned char)v[n]) || v[n] == '-' || v[n] == '+'))
                n++;
            if (n == 0)
                continue;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* The custom Info keys /MMRecipient or /Personnummer, read through qpdf;
 * returns a malloc'd UTF-8 value or NULL. */
static char *info_recipient(const unsigned char *pdf, size_t len, int *encrypted)
{
    static const char *keys[] = {"/MMRecipient", "/Personnummer"};
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    char *value = NULL;
    *encrypted = 0;
    if (!(qpdf_read_memory(q, "job", (const char *)pdf, (unsigned long long)len, NULL) & QPDF_ERRORS)) {
        /* Also an owner-password-only PDF, which poppler opens: its
         * restrictions would travel into the recipient's mailbox. */
        *encrypted = qpdf_is_encrypted(q) ? 1 : 0;
        qpdf_oh info = qpdf_oh_get_key(q, qpdf_get_trailer(q), "/Info");
        for (size_t k = 0; k < 2 && !value && qpdf_oh_is_dictionary(q, info); k++) {
            qpdf_oh v = qpdf_oh_get_key(q, info, keys[k]);
            if (qpdf_oh_is_string(q, v)) {
                const char *s = qpdf_oh_get_utf8_value(q, v);
                if (s && *s)
                    value = strdup(s);
            }
        }
    }
    qpdf_cleanup(&q);
    return value;
}

static char *xmp_recipient(const char *xmp)
{
    if (!xmp)
        return NULL;
    xmlDocPtr doc = xmlReadMemory(xmp, (int)strlen(xmp), "xmp.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return NULL;
    char *value = NULL;
    /* Depth-first: the property as an element, or as an attribute of rdf:Description. */
    xmlNodePtr n = xmlDocGetRootElement(doc);
    while (n && !value) {
        if (n->type == XML_ELEMENT_NODE) {
            if (n->ns && !strcmp((const char *)n->ns->href, MM_XMP_NS) &&
                !strcmp((const char *)n->name, MM_XMP_PROPERTY)) {
                xmlChar *c = xmlNodeGetContent(n);
                value = c ? strdup((const char *)c) : NULL;
                xmlFree(c);
                break;
            }
            xmlChar *a = xmlGetNsProp(n, (const xmlChar *)MM_XMP_PROPERTY, (const xmlChar *)MM_XMP_NS);
            if (a) {
                value = strdup((const char *)a);
                xmlFree(a);
                break;
            }
        }
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && !n->next)
            n = n->parent;
        if (n)
            n = n->next;
    }
    xmlFreeDoc(doc);
    if (value)
        g_strstrip(value);
    return value;
}

/* ---- page text ---------------------------------------------------------- */

static const char *labels[] = {
    "personnummer", "pnr", "person-nr", "personnr", "pers.nr", "pers nr", "samordningsnummer",
    "organisationsnummer", "org.nr", "orgnr", "org nr", "identitetsnummer", "mottagare",
};

/* Rewrites UTF-8 text into a simpler form: Unicode dashes -> '-', odd
 * spaces -> ' ', soft hyphens dropped.  Output is never longer. */
static void normalise(const char *in, char *out)
{
    const unsigned char *p = (const unsigned char *)in;
    char *o = out;
    while (*p) {
        if (p[0] == 0xC2 && p[1] == 0xA0) {          /* NBSP */
            *o++ = ' ';
            p += 2;
        } else if (p[0] == 0xC2 && p[1] == 0xAD) {   /* soft hyphen */
            p += 2;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0x95) { /* U+2010..2015 */
            *o++ = '-';
            p += 3;
        } else if (p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92) {                 /* U+2212 minus */
            *o++ = '-';
            p += 3;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xAF)) {
            *o++ = ' ';                               /* U+2000..200A (figure, thin, hair...), U+202F */
            p += 3;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x8B) {
            p += 3;                                   /* zero-width space */
        } else if (*p == '\t' || *p == '\r') {
            *o++ = *p == '\t' ? ' ' : '\n';
            p++;
        } else {
            *o++ = (char)*p++;
        }
    }
    *o = '\0';
}

/* True when the text just before pos (on the same line), or the previous
 * line when the number starts its line, ends with a label. */
static int ends_with_label(const char *start, const char *end)
{
    /* Skip blanks and label punctuation backwards. */
    while (end > start && (end[-1] == ' ' || end[-1] == ':' || end[-1] == '\t' || end[-1] == '.'))
        end--;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        size_t l = strlen(labels[i]);
        if ((size_t)(end - start) < l)
            continue;
        const char *w = end - l;
        if (strncasecmp(w, labels[i], l))
            continue;
        if (w > start && isalpha((unsigned char)w[-1]))
            continue;
        return 1;
    }
    return 0;
}

static int labelled(const char *text, const char *cand)
{
    const char *line = cand;
    while (line > text && line[-1] != '\n' && line[-1] != '\f')
        line--;
    if (ends_with_label(line, cand))
        return 1;
    /* The number opens its line: look at the line directly above. */
    for (const char *p = line; p < cand; p++)
        if (*p != ' ' && *p != '\t')
            return 0;
    if (line == text)
        return 0;
    const char *prev_end = line - 1;
    const char *prev = prev_end;
    while (prev > text && prev[-1] != '\n' && prev[-1] != '\f')
        prev--;
    return ends_with_label(prev, prev_end);
}

/* What a scan of free text found: labelled valid numbers (distinct),
 * labelled number-shaped strings that are not valid, unlabelled valid ones. */
typedef struct {
    char first[13];
    int distinct;
    int invalid_labelled;
    int unlabelled;
} text_scan;

static void scan_text(const char *norm, const char *sender_orgnr, const struct tm *today, text_scan *ts)
{
    memset(ts, 0, sizeof *ts);
    for (const char *p = norm; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > norm && isdigit((unsigned char)p[-1])))
            continue;
        /* Part of a longer digit group such as 08-121212-1212 or 2024-121212. */
        if (p > norm + 1 && (p[-1] == '-' || p[-1] == '+') && isdigit((unsigned char)p[-2])) {
            while (isdigit((unsigned char)p[1]))
                p++;
            continue;
        }
        /* Shapes: 10 or 12 digits; 6 or 8 digits, a separator ('-', '+' or
         * one space), 4 digits. */
        size_t head = 0;
        while (isdigit((unsigned char)p[head]))
            head++;
        char cand[16];
        size_t cand_len, total = head;
        if (head == 10 || head == 12) {
            memcpy(cand, p, head);
            cand_len = head;
        } else if ((head == 6 || head == 8) && (p[head] == '-' || p[head] == '+' || p[head] == ' ') &&
                   isdigit((unsigned char)p[head + 1])) {
            size_t tail = 0;
            while (isdigit((unsigned char)p[head + 1 + tail]))
                tail++;
            if (tail != 4) {
                p += head - 1;
                continue;
            }
            memcpy(cand, p, head);
            cand_len = head;
            if (p[head] != ' ')
                cand[cand_len++] = p[head];
            memcpy(cand + cand_len, p + head + 1, 4);
            cand_len += 4;
            total = head + 5;
        } else {
            p += head - 1;
            continue;
        }
        /* Followed by more digits after a separator: a longer number. */
        if ((p[total] == '-' || p[total] == '+') && isdigit((unsigned char)p[total + 1])) {
            p += total - 1;
            continue;
        }
        cand[cand_len] = '\0';
        mm_id id;
        mm_error err;
        mm_error_clear(&err);
        int is_label = labelled(norm, p);
        if (mm_idnum_parse(cand, today, &id, &err) < 0) {
            /* Next to a label it was meant as an identity number (a typo, a
             * wrong check digit): that makes the whole text unreliable.
             * Without a label it is a date, an invoice number... */
            if (is_label)
                ts->invalid_labelled++;
        } else if (sender_orgnr && !strcmp(id.number, sender_orgnr)) {
            /* the sender's own number in the letterhead */
        } else if (!is_label) {
            ts->unlabelled++;
        } else if (strcmp(ts->first, id.number)) {
            if (!ts->distinct)
                memcpy(ts->first, id.number, sizeof ts->first);
            ts->distinct++;
        }
        p += total - 1;
    }
}

/* Normalised copy of UTF-8 text (free() it), NULL when out of memory. */
static char *normalised(const char *text)
{
    char *norm = malloc(strlen(text) + 1);
    if (norm)
        normalise(text, norm);
    return norm;
}

int mm_discover_in_text(const char *text, const char *sender_orgnr, const struct tm *today,
                        mm_discover_result *out)
{
    char *norm = normalised(text);
    if (!norm) {
        set_missing(out, "text", "out of memory");
        return -1;
    }
    text_scan ts;
    scan_text(norm, sender_orgnr, today, &ts);
    free(norm);
    if (ts.distinct == 1 && !ts.invalid_labelled) {
        mm_id id;
        mm_error err;
        mm_error_clear(&err);
        if (mm_idnum_parse(ts.first, today, &id, &err) == 0) {
            set_found(out, &id, "text");
            return 0;
        }
    }
    char why[256];
    if (ts.invalid_labelled)
        snprintf(why, sizeof why, "invalid number in text: a labelled number in the page text is not a valid identity number; not guessing");
    else if (ts.distinct > 1)
        snprintf(why, sizeof why, "page text names %d different labelled numbers; not guessing", ts.distinct);
    else if (ts.unlabelled)
        snprintf(why, sizeof why, "page text has %d valid number(s) but none next to a label such as 'Personnummer:'", ts.unlabelled);
    else
        snprintf(why, sizeof why, "no recipient in the print dialog, the PDF's metadata or its text");
    set_missing(out, ts.invalid_labelled || ts.distinct > 1 ? "text" : "", why);
    return 0;
}

/* A /Subject with a labelled number ("Personnummer: N"): 1 decided (found
 * or missing set in out), 0 nothing there. */
static int subject_label(const char *subject, const char *sender_orgnr, const struct tm *today,
                         mm_discover_result *out)
{
    char *norm = normalised(subject);
    if (!norm)
        return 0;
    text_scan ts;
    scan_text(norm, sender_orgnr, today, &ts);
    free(norm);
    if (ts.invalid_labelled) {
        set_missing(out, "subject", "invalid number in subject: the labelled number is not a valid identity number");
        return 1;
    }
    if (ts.distinct > 1) {
        set_missing(out, "subject", "the subject names several different numbers; not guessing");
        return 1;
    }
    if (ts.distinct == 1) {
        decide(out, ts.first, "subject", today);
        return 1;
    }
    return 0;
}

/* ---- the whole job ------------------------------------------------------- */

int mm_discover(const unsigned char *pdf, size_t len, const mm_discover_input *in,
                mm_discover_result *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    if (len < 5 || memcmp(pdf, "%PDF-", 5))
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_BAD_PDF, "not a PDF document");

    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(pdf, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    g_bytes_unref(bytes);
    if (!doc) {
        int encrypted = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        mm_error_set(err, MM_ERR_INPUT, encrypted ? MM_DISCOVER_ENCRYPTED : MM_DISCOVER_BAD_PDF,
                     encrypted ? "the PDF is encrypted" : "the PDF is damaged: %s",
                     gerr ? gerr->message : "unknown error");
        if (gerr)
            g_error_free(gerr);
        return -1;
    }
    out->pages = poppler_document_get_n_pages(doc);
    if (out->pages <= 0) {
        g_object_unref(doc);
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_NO_PAGES, "the PDF has no pages");
    }
    int encrypted = 0;
    char *info = info_recipient(pdf, len, &encrypted);
    if (encrypted) {
        free(info);
        g_object_unref(doc);
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_ENCRYPTED, "the PDF is encrypted");
    }
    gchar *subject = poppler_document_get_subject(doc);
    if (subject)
        snprintf(out->subject, sizeof out->subject, "%s", subject);
    /* Markers are searched in normalised text (Unicode dashes and spaces). */
    char *subject_n = subject ? normalised(subject) : NULL;
    char *title_n = in->title ? normalised(in->title) : NULL;
    gchar *keywords = poppler_document_get_keywords(doc);
    char *keywords_n = keywords ? normalised(keywords) : NULL;
    gchar *xmp = NULL;
    char *x = NULL;

    const char *v;
    char marker[16];
    if ((v = option_value(in->option_personnummer))) {
        char *vn = normalised(v);
        decide(out, vn ? vn : v, "option", in->today);
        free(vn);
    } else if (in->job_billing && looks_numeric(in->job_billing)) {
        decide(out, in->job_billing, "billing", in->today);
    } else if (info) {
        decide(out, info, "info", in->today);
    } else if ((xmp = poppler_document_get_metadata(doc)) && strlen(xmp) <= MM_DISCOVER_MAX_XMP &&
               (x = xmp_recipient(xmp))) {
        decide(out, x, "xmp", in->today);
    } else if (keywords_n && find_marker(keywords_n, 0, marker, sizeof marker)) {
        decide(out, marker, "keywords", in->today);
    } else if (subject_n && find_marker(subject_n, 1, marker, sizeof marker)) {
        decide(out, marker, "subject", in->today);
    } else if (subject && subject_label(subject, in->sender_orgnr, in->today, out)) {
        /* decided by a labelled number in /Subject */
    } else if (title_n && find_marker(title_n, 1, marker, sizeof marker)) {
        decide(out, marker, "title", in->today);
    } else {
        GString *text = g_string_new(NULL);
        int n = out->pages < MM_DISCOVER_MAX_TEXT_PAGES ? out->pages : MM_DISCOVER_MAX_TEXT_PAGES;
        for (int i = 0; i < n && text->len < MM_DISCOVER_MAX_TEXT; i++) {
            PopplerPage *page = poppler_document_get_page(doc, i);
            if (!page)
                continue;
            gchar *t = poppler_page_get_text(page);
            if (t)
                g_string_append(text, t);
            g_string_append_c(text, '\f');
            g_free(t);
            g_object_unref(page);
        }
        int pages = out->pages;
        char subj[sizeof out->subject];
        memcpy(subj, out->subject, sizeof subj);
        mm_discover_in_text(text->str, in->sender_orgnr, in->today, out);
        out->pages = pages;
        memcpy(out->subject, subj, sizeof subj);
        g_string_free(text, TRUE);
    }
    free(x);
    g_free(xmp);
    free(keywords_n);
    g_free(keywords);
    free(title_n);
    free(subject_n);
    free(info);
    g_free(subject);
    g_object_unref(doc);
    return 0;
}
