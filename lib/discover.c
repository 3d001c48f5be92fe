/* SPDX-License-Identifier: EUPL-1.2 */
/* Recipient discovery in a print job.
 *
 * Two parsers read the PDF: poppler-glib for pages, text, XMP and the
 * standard Info strings, and qpdf's C API for custom Info keys, which
 * poppler-glib cannot read (spec §6).  qpdf keeps the project in C; the
 * alternative was a C++ shim over poppler-cpp.
 */
#include "discover.h"
#include "pdfdoc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <poppler.h>
#include <qpdf/qpdf-c.h>

#include "log.h"
#include "text.h"
#include "xmlutil.h"

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
    /* XMP (ISO 16684-1) has no DTD; one is refused as hostile, judged on
     * the parsed document (any encoding), and the packet ignored. */
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        return NULL;
    }
    char *value = NULL;
    /* Depth-first: the property as an element, or as an attribute of rdf:Description. */
    xmlNodePtr n = xmlDocGetRootElement(doc);
    while (n && !value) {
        if (n->type == XML_ELEMENT_NODE) {
            if (mm_xml_is(n, MM_XMP_NS, MM_XMP_PROPERTY)) {
                value = mm_xml_text(n);
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

/* Labels of identity numbers as Swedish letters write them (spec §7 step 5,
 * doc/job-bundle.md), lower case; matched case-insensitively, with or
 * without a colon or dots after them. */
typedef struct {
    const char *text;
    mm_label_kind kind;
} label_word;

#define P MM_LABEL_PERSON
#define O MM_LABEL_ORGNR
static const label_word labels[] = {
    {"personnummer", P}, {"personnr", P}, {"person-nr", P}, {"pers.nr", P}, {"pers. nr", P}, {"pers nr", P},
    {"persnr", P}, {"pnr", P}, {"p-nr", P}, {"identitetsnummer", P}, {"mottagare", P},
    {"samordningsnummer", P}, {"samordningsnr", P}, {"samordnings-nr", P}, {"samordn.nr", P},
    {"samordn. nr", P},
    /* Both kinds of person number in one label, as forms write it. */
    {"personnummer/samordningsnummer", P}, {"personnummer / samordningsnummer", P},
    {"person-/samordningsnummer", P}, {"person- /samordningsnummer", P}, {"person-/samordningsnr", P},
    {"person- /samordningsnr", P}, {"personnr/samordningsnr", P}, {"pnr/snr", P},
    {"personnummer eller samordningsnummer", P}, {"person- eller samordningsnummer", P},
    {"person- och samordningsnummer", P},
    /* A person or an organisation (invoices, registers): the number tells which. */
    {"person-/organisationsnummer", P}, {"person- /organisationsnummer", P},
    {"person- eller organisationsnummer", P}, {"personnummer/organisationsnummer", P}, {"personnr/orgnr", P},
    {"organisationsnummer", O}, {"organisationsnr", O}, {"org.nr", O}, {"org. nr", O}, {"org nr", O},
    {"orgnr", O}, {"org-nr", O}, {"org.nummer", O}, {"org. nummer", O}, {"orgnummer", O},
};
#undef P
#undef O

/* Words just before a label that say whose number it is.  ADDRESSEE keeps
 * the label's own kind; every other names someone the letter is about or
 * mentions, whose number is never the recipient. */
#define ADDRESSEE MM_LABEL_COUNT
static const label_word qualifiers[] = {
    {"mottagarens", ADDRESSEE}, {"mottagares", ADDRESSEE}, {"adressatens", ADDRESSEE},
    /* A decision is sent to the one who applied (sökanden). */
    {"sökandens", ADDRESSEE}, {"sökandes", ADDRESSEE}, {"den sökandes", ADDRESSEE},
    {"ditt", ADDRESSEE}, {"ert", ADDRESSEE},
    {"barnets", MM_LABEL_CHILD}, {"barns", MM_LABEL_CHILD}, {"barnens", MM_LABEL_CHILD},
    {"den unges", MM_LABEL_CHILD}, {"den underåriges", MM_LABEL_CHILD}, {"ungdomens", MM_LABEL_CHILD},
    {"flickans", MM_LABEL_CHILD}, {"pojkens", MM_LABEL_CHILD},
    {"elevens", MM_LABEL_PUPIL}, {"elevs", MM_LABEL_PUPIL}, {"elevernas", MM_LABEL_PUPIL},
    {"studentens", MM_LABEL_PUPIL}, {"den studerandes", MM_LABEL_PUPIL},
    {"huvudmannens", MM_LABEL_PRINCIPAL}, {"huvudmans", MM_LABEL_PRINCIPAL},
    {"den enskildes", MM_LABEL_PRINCIPAL}, {"enskildes", MM_LABEL_PRINCIPAL}, {"brukarens", MM_LABEL_PRINCIPAL},
    {"vårdtagarens", MM_LABEL_PRINCIPAL}, {"omsorgstagarens", MM_LABEL_PRINCIPAL},
    {"klientens", MM_LABEL_PRINCIPAL},
    {"patientens", MM_LABEL_PATIENT}, {"patients", MM_LABEL_PATIENT},
    {"den avlidnes", MM_LABEL_DECEASED}, {"avlidnes", MM_LABEL_DECEASED}, {"den avlidnas", MM_LABEL_DECEASED},
    {"dödsboets", MM_LABEL_DECEASED},
    {"vårdnadshavarens", MM_LABEL_REPRESENTATIVE}, {"vårdnadshavares", MM_LABEL_REPRESENTATIVE},
    {"förälderns", MM_LABEL_REPRESENTATIVE}, {"förälders", MM_LABEL_REPRESENTATIVE},
    {"föräldrarnas", MM_LABEL_REPRESENTATIVE}, {"moderns", MM_LABEL_REPRESENTATIVE},
    {"faderns", MM_LABEL_REPRESENTATIVE}, {"mammans", MM_LABEL_REPRESENTATIVE},
    {"pappans", MM_LABEL_REPRESENTATIVE}, {"god mans", MM_LABEL_REPRESENTATIVE},
    {"gode mannens", MM_LABEL_REPRESENTATIVE}, {"godmans", MM_LABEL_REPRESENTATIVE},
    {"förvaltarens", MM_LABEL_REPRESENTATIVE}, {"förmyndarens", MM_LABEL_REPRESENTATIVE},
    {"ombudets", MM_LABEL_REPRESENTATIVE}, {"företrädarens", MM_LABEL_REPRESENTATIVE},
    {"ställföreträdarens", MM_LABEL_REPRESENTATIVE}, {"kontaktpersonens", MM_LABEL_REPRESENTATIVE},
    {"makens", MM_LABEL_OTHER}, {"makans", MM_LABEL_OTHER}, {"makes", MM_LABEL_OTHER},
    {"makas", MM_LABEL_OTHER}, {"sambons", MM_LABEL_OTHER}, {"partnerns", MM_LABEL_OTHER},
    {"medsökandens", MM_LABEL_OTHER}, {"medsökandes", MM_LABEL_OTHER}, {"deltagarens", MM_LABEL_OTHER},
    {"den anhöriges", MM_LABEL_OTHER}, {"anhörigs", MM_LABEL_OTHER}, {"handläggarens", MM_LABEL_OTHER},
    {"arbetsgivarens", MM_LABEL_OTHER}, {"hyresvärdens", MM_LABEL_OTHER}, {"vårdgivarens", MM_LABEL_OTHER},
    {"utförarens", MM_LABEL_OTHER}, {"leverantörens", MM_LABEL_OTHER}, {"anordnarens", MM_LABEL_OTHER},
    /* The sender's own numbers in the letterhead. */
    {"avsändarens", MM_LABEL_OTHER}, {"kommunens", MM_LABEL_OTHER}, {"regionens", MM_LABEL_OTHER},
    {"förvaltningens", MM_LABEL_OTHER}, {"nämndens", MM_LABEL_OTHER}, {"myndighetens", MM_LABEL_OTHER},
};

/* Address lines of a letter written to someone acting for another person:
 * a plain "Personnummer" in it may well be the child's or the huvudman's. */
static const char *const to_representative[] = {
    "till vårdnadshavare", "till vårdnadshavaren", "till vårdnadshavarna", "till förälder", "till föräldern",
    "till föräldrar", "till föräldrarna", "till god man", "till gode man", "till förvaltare", "till förvaltaren",
    "till ställföreträdare", "till ställföreträdaren", "till förmyndare", "till förmyndaren", "till ombud",
    "till ombudet",
};

static void normalise(const char *in, char *out)
{
    const unsigned char *p = (const unsigned char *)in;
    char *o = out;
    while (*p) {
        size_t used;
        o += mm_log_fold_char(p, o, &used); /* shared with log masking */
        p += used;
    }
    *o = '\0';
}

/* Normalised copy of UTF-8 text (free() it), NULL when out of memory. */
static char *normalised(const char *text)
{
    char *norm = malloc(strlen(text) + 1);
    if (norm)
        normalise(text, norm);
    return norm;
}

/* An ASCII letter or any byte of a non-ASCII character (å, ä, ö ...): a
 * label glued to a word ("Elevpersonnummer") is not a label. */
static int is_letter(char c)
{
    return isalpha((unsigned char)c) || (unsigned char)c >= 0x80;
}

/* Bytes of lit (lower case) matched case-insensitively at t, 0 if not.
 * Folds ASCII and the Latin-1 capitals (Å Ä Ö É ...: C3 80-9E). */
static size_t fold_match(const char *t, const char *lit)
{
    size_t i;
    for (i = 0; lit[i]; i++) {
        unsigned char a = (unsigned char)t[i], b = (unsigned char)lit[i];
        if (!a)
            return 0;
        if (i > 0 && (unsigned char)lit[i - 1] == 0xC3 && (unsigned char)t[i - 1] == 0xC3 && a >= 0x80 &&
            a <= 0x9E && a != 0x97)
            a = (unsigned char)(a + 0x20);
        else if (a < 0x80)
            a = (unsigned char)tolower(a);
        if (a != b)
            return 0;
    }
    return i;
}

/* The longest entry of words[] that ends exactly at end (not before lo),
 * standing on its own at its start; returns its start or NULL. */
static const char *word_ending_at(const label_word *words, size_t n, const char *text0, const char *lo,
                                  const char *end, mm_label_kind *kind)
{
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(words[i].text);
        if ((size_t)(end - lo) < l)
            continue;
        const char *w = end - l;
        if (!fold_match(w, words[i].text) || (w > text0 && is_letter(w[-1])))
            continue;
        if (!best || w < best) {
            best = w;
            *kind = words[i].kind;
        }
    }
    return best;
}

/* A label ending at end, with the qualifier before it (on its line or at
 * the end of the line above: "Barnets\npersonnummer" in a narrow column).
 * Returns where the label starts and its kind, or NULL. */
static const char *label_ending_at(const char *text0, const char *lo, const char *end, mm_label_kind *kind)
{
    mm_label_kind k;
    const char *start = word_ending_at(labels, sizeof labels / sizeof labels[0], text0, lo, end, &k);
    if (!start)
        return NULL;
    const char *q = start;
    int newlines = 0;
    while (q > text0 && (q[-1] == ' ' || (q[-1] == '\n' && !newlines++)))
        q--;
    mm_label_kind qk;
    const char *qs = word_ending_at(qualifiers, sizeof qualifiers / sizeof qualifiers[0], text0, text0, q, &qk);
    if (qs) {
        start = qs;
        if (qk != ADDRESSEE)
            k = qk;
    }
    *kind = k;
    return start;
}

/* "(ÅÅÅÅMMDD-NNNN)", "(12 siffror)": a format hint between a label and its
 * number.  Anything else in brackets ("(barnet)") ends the label. */
static int format_hint(const char *s, const char *e)
{
    int run = 0;
    while (s < e) {
        size_t l;
        if ((l = fold_match(s, "siffror")) && s + l <= e) {
            s += l;
            continue;
        }
        unsigned char c = (unsigned char)*s;
        if (isdigit(c)) {
            if (++run > 2)
                return 0;
            s++;
            continue;
        }
        run = 0;
        if (c == 0xC3 && s + 1 < e && ((unsigned char)s[1] == 0x85 || (unsigned char)s[1] == 0xA5)) {
            s += 2; /* Å å */
            continue;
        }
        if (!strchr("AaMmDdNnXxYyCcTt -+/", c) || !c)
            return 0;
        s++;
    }
    return 1;
}

/* Steps back from end over what may stand between a label and its number:
 * blanks, a colon, dots and a format hint. */
static const char *skip_tail_back(const char *lo, const char *end)
{
    for (;;) {
        while (end > lo && (end[-1] == ' ' || end[-1] == ':' || end[-1] == '.'))
            end--;
        if (end > lo && end[-1] == ')') {
            const char *open = end - 1;
            while (open > lo && open[-1] != '(' && open[-1] != '\n' && end - open < 40)
                open--;
            if (open > lo && open[-1] == '(' && format_hint(open, end - 1)) {
                end = open - 1;
                continue;
            }
        }
        return end;
    }
}

/* The same forwards from the end of a label; returns the end of its tail. */
static size_t skip_tail_fwd(const char *t, size_t e, size_t len)
{
    while (e < len && (t[e] == ':' || t[e] == '.'))
        e++;
    size_t a = e;
    while (a < len && t[a] == ' ')
        a++;
    if (a < len && t[a] == '(') {
        size_t c = a + 1;
        while (c < len && t[c] != ')' && t[c] != '\n' && c - a < 40)
            c++;
        if (c < len && t[c] == ')' && format_hint(t + a + 1, t + c)) {
            e = c + 1;
            while (e < len && t[e] == ':')
                e++;
        }
    }
    return e;
}

/* One page's text as the scan sees it: normalised UTF-8, and when poppler
 * gave the text layout, where each glyph is (page coordinates, y down). */
typedef struct {
    double x1, y1, x2, y2;
} gbox;

typedef struct {
    size_t s, e;          /* bytes of the label with its qualifier */
    mm_label_kind kind;
    int standalone;       /* nothing else close on its line: a heading or a table cell */
} label_occ;

typedef struct {
    size_t s, e;          /* bytes of the number */
    int valid;
    mm_id id;
    int kind;             /* mm_label_kind, or -1 while unlabelled */
    gbox box;
    int has_box;
} cand;

typedef struct {
    char *text;
    size_t len;
    int *glyph;           /* per byte: the glyph it came from, -1 for an added blank; NULL = no layout */
    gbox *box;            /* per glyph */
    int *gbyte;           /* per glyph: its first byte, -1 when normalisation dropped it */
    int *glabel;          /* per glyph: the label_occ it is part of, or -1 */
    int *gcand;           /* per glyph: the cand it is part of, or -1 */
    int nglyph;
    int too_big;          /* too much text to read with positions */
    label_occ *occ;
    int nocc;
    cand *cands;
    int ncand;
} page_text;

/* A page with more text than this (bytes; a dense page has some 10 KiB)
 * or more number-shaped strings is not read by position: that bounds the
 * memory and time a hostile PDF can make the filter use.  Its numbers are
 * doubt (a label by position might have made one more candidate). */
#define MAX_LAYOUT_TEXT (256 * 1024)
#define MAX_LAYOUT_NUMBERS 500

static void page_free(page_text *pt)
{
    free(pt->text);
    free(pt->glyph);
    free(pt->box);
    free(pt->gbyte);
    free(pt->glabel);
    free(pt->gcand);
    free(pt->occ);
    free(pt->cands);
    memset(pt, 0, sizeof *pt);
}

static double height(const gbox *b)
{
    return b->y2 - b->y1;
}

/* Two glyphs on one line of text: they overlap by half their height. */
static int same_line(const gbox *a, const gbox *b)
{
    double ha = height(a), hb = height(b);
    double lo = a->y1 > b->y1 ? a->y1 : b->y1, hi = a->y2 < b->y2 ? a->y2 : b->y2;
    double h = ha < hb ? ha : hb;
    return h > 0 && hi - lo >= 0.5 * h;
}

/* Plain text, no positions. */
static int page_from_text(const char *text, size_t n, page_text *pt)
{
    memset(pt, 0, sizeof *pt);
    char *copy = malloc(n + 1);
    if (!copy)
        return -1;
    memcpy(copy, text, n);
    copy[n] = '\0';
    pt->text = normalised(copy);
    free(copy);
    if (!pt->text)
        return -1;
    pt->len = strlen(pt->text);
    return 0;
}

/* poppler's text with one box per character (poppler_page_get_text_layout
 * gives them in the order of poppler_page_get_text).  Glyphs of one line
 * that poppler joined without a blank (report engines place each field on
 * its own: "Andersson19121212-12122026-11-28") get one. */
static int page_from_poppler(PopplerPage *page, page_text *pt)
{
    memset(pt, 0, sizeof *pt);
    gchar *t = poppler_page_get_text(page);
    if (!t)
        t = g_strdup("");
    size_t tl = strlen(t);
    PopplerRectangle *r = NULL;
    guint n = 0;
    pt->too_big = tl > MAX_LAYOUT_TEXT;
    int layout = !pt->too_big && g_utf8_validate(t, -1, NULL) &&
                 poppler_page_get_text_layout(page, &r, &n) && n > 0 && (glong)n == g_utf8_strlen(t, -1);
    if (!layout) {
        int too_big = pt->too_big;
        int rc = page_from_text(t, tl, pt);
        pt->too_big = too_big;
        g_free(r);
        g_free(t);
        return rc;
    }
    pt->text = malloc(2 * tl + 1);
    pt->glyph = malloc((2 * tl + 1) * sizeof *pt->glyph);
    pt->box = malloc(n * sizeof *pt->box);
    pt->gbyte = malloc(n * sizeof *pt->gbyte);
    pt->glabel = malloc(n * sizeof *pt->glabel);
    pt->gcand = malloc(n * sizeof *pt->gcand);
    if (!pt->text || !pt->glyph || !pt->box || !pt->gbyte || !pt->glabel || !pt->gcand) {
        page_free(pt);
        g_free(r);
        g_free(t);
        return -1;
    }
    pt->nglyph = (int)n;
    const unsigned char *p = (const unsigned char *)t;
    size_t o = 0;
    int prev = -1; /* the last glyph that was not blank */
    for (guint i = 0; i < n; i++) {
        pt->box[i] = (gbox){r[i].x1, r[i].y1, r[i].x2, r[i].y2};
        pt->glabel[i] = pt->gcand[i] = -1;
        size_t used, w;
        char tmp[4];
        w = mm_log_fold_char(p, tmp, &used);
        /* mm_log_fold_char passes characters it leaves alone on byte by byte; here
         * each is one glyph, so take all its bytes. */
        size_t clen = (size_t)(g_utf8_next_char((const gchar *)p) - (const gchar *)p);
        if (w == 1 && used == 1 && clen > 1) {
            memcpy(tmp, p, clen);
            w = used = clen;
        }
        int blank = w == 0 || tmp[0] == ' ' || tmp[0] == '\n';
        if (!blank && prev >= 0 && o > 0 && pt->text[o - 1] != ' ' && pt->text[o - 1] != '\n' &&
            same_line(&pt->box[prev], &pt->box[i])) {
            double h = height(&pt->box[prev]) > height(&pt->box[i]) ? height(&pt->box[prev]) : height(&pt->box[i]);
            if (pt->box[i].x1 - pt->box[prev].x2 > 0.3 * h) {
                pt->text[o] = ' ';
                pt->glyph[o++] = -1;
            }
        }
        pt->gbyte[i] = w ? (int)o : -1;
        for (size_t k = 0; k < w; k++) {
            pt->text[o] = tmp[k];
            pt->glyph[o++] = (int)i;
        }
        if (!blank)
            prev = (int)i;
        p += used;
    }
    pt->text[o] = '\0';
    pt->len = o;
    g_free(r);
    g_free(t);
    return 0;
}

/* The glyph a byte of the text came from, -1 for none. */
static int glyph_at(const page_text *pt, size_t pos)
{
    return pt->glyph && pos < pt->len ? pt->glyph[pos] : -1;
}

/* A label that is alone on its line, or separated from its neighbours by a
 * gap wider than a word space: a heading or a table cell, not prose. */
static int standalone(const page_text *pt, size_t s, size_t e)
{
    const char *t = pt->text;
    size_t b = s;
    while (b > 0 && t[b - 1] == ' ')
        b--;
    if (b > 0 && t[b - 1] != '\n') {
        int gp = glyph_at(pt, b - 1), gs = glyph_at(pt, s);
        if (gp >= 0 && gs >= 0 && same_line(&pt->box[gp], &pt->box[gs]) &&
            pt->box[gs].x1 - pt->box[gp].x2 < 0.4 * height(&pt->box[gs]))
            return 0;
    }
    size_t a = e;
    while (a < pt->len && t[a] == ' ')
        a++;
    if (a < pt->len && t[a] != '\n') {
        int gn = glyph_at(pt, a), gl = glyph_at(pt, e - 1);
        if (gn >= 0 && gl >= 0 && same_line(&pt->box[gn], &pt->box[gl]) &&
            pt->box[gn].x1 - pt->box[gl].x2 < 0.4 * height(&pt->box[gl]))
            return 0;
    }
    return 1;
}

/* Every label on a page with a layout, and which glyphs belong to it. */
static int find_labels(page_text *pt)
{
    const char *t = pt->text;
    int cap = 0;
    for (size_t e = 1; e <= pt->len; e++) {
        if (!is_letter(t[e - 1]) || (e < pt->len && is_letter(t[e])))
            continue;
        mm_label_kind k;
        const char *s = label_ending_at(t, t, t + e, &k);
        if (!s)
            continue;
        size_t te = skip_tail_fwd(t, e, pt->len);
        if (pt->nocc == cap) {
            cap = cap ? 2 * cap : 16;
            label_occ *grown = realloc(pt->occ, (size_t)cap * sizeof *grown);
            if (!grown)
                return -1;
            pt->occ = grown;
        }
        label_occ *lo = &pt->occ[pt->nocc];
        lo->s = (size_t)(s - t);
        lo->e = te;
        lo->kind = k;
        lo->standalone = standalone(pt, lo->s, te);
        /* A longer label ending later ("personnummer/samordningsnummer")
         * takes over the glyphs of a shorter one inside it. */
        for (size_t b = lo->s; b < te; b++)
            if (pt->glyph[b] >= 0)
                pt->glabel[pt->glyph[b]] = pt->nocc;
        pt->nocc++;
    }
    return 0;
}

/* The label of a number by the text around it: just before it on its line
 * ("Personnummer: N"), or at the end of the line above when the number
 * opens its line.  Returns a mm_label_kind, or -1. */
static int text_label(const char *text0, const char *c)
{
    const char *line = c;
    while (line > text0 && line[-1] != '\n')
        line--;
    mm_label_kind k;
    if (label_ending_at(text0, line, skip_tail_back(line, c), &k))
        return (int)k;
    for (const char *p = line; p < c; p++)
        if (*p != ' ')
            return -1;
    if (line == text0)
        return -1;
    const char *prev_end = line - 1, *prev = prev_end;
    while (prev > text0 && prev[-1] != '\n')
        prev--;
    if (label_ending_at(text0, prev, skip_tail_back(prev, prev_end), &k))
        return (int)k;
    return -1;
}

static int glyph_skippable(const page_text *pt, int g)
{
    if (pt->gbyte[g] < 0)
        return 1;
    char ch = pt->text[pt->gbyte[g]];
    return ch == ' ' || ch == '\n';
}

/* By position (spec §7 step 5): the nearest text to the left on the same
 * line is a label, or the nearest text directly above, in the same column,
 * is a label that stands alone (a column heading) or a number under such a
 * heading (the next row of the table).  Returns a mm_label_kind, or -1. */
static int position_label(const page_text *pt, int ci)
{
    const cand *c = &pt->cands[ci];
    const gbox *C = &c->box;
    double h = height(C);
    int left = -1, above = -1;
    for (int g = 0; g < pt->nglyph; g++) {
        if (pt->gcand[g] == ci || glyph_skippable(pt, g))
            continue;
        const gbox *b = &pt->box[g];
        char ch = pt->text[pt->gbyte[g]];
        if (same_line(b, C)) {
            if (ch != ':' && ch != '.' && b->x2 <= C->x1 + 0.2 * h && (left < 0 || b->x2 > pt->box[left].x2))
                left = g;
            continue;
        }
        double ov = (b->x2 < C->x2 ? b->x2 : C->x2) - (b->x1 > C->x1 ? b->x1 : C->x1);
        if (ov > 0 && b->y2 <= C->y1 + 0.3 * h && b->y1 + b->y2 < C->y1 + C->y2 &&
            (above < 0 || b->y2 > pt->box[above].y2))
            above = g;
    }
    if (left >= 0 && pt->glabel[left] >= 0)
        return (int)pt->occ[pt->glabel[left]].kind;
    if (above < 0 || C->y1 - pt->box[above].y2 > 3.0 * h)
        return -1;
    if (pt->glabel[above] >= 0 && pt->occ[pt->glabel[above]].standalone)
        return (int)pt->occ[pt->glabel[above]].kind;
    if (pt->gcand[above] >= 0)
        return pt->cands[pt->gcand[above]].kind;
    return -1;
}

/* Finds the number-shaped strings of a page (spec §7 step 3): 10 or 12
 * digits; 6 or 8 digits, a separator ('-', '+' or one space), 4 digits;
 * none of them part of a longer digit group. */
static int find_numbers(page_text *pt, const struct tm *today)
{
    const char *norm = pt->text;
    int cap = 0;
    for (const char *p = norm; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > norm && isdigit((unsigned char)p[-1])))
            continue;
        /* Part of a longer digit group such as 08-121212-1212 or 2024-121212. */
        if (p > norm + 1 && (p[-1] == '-' || p[-1] == '+') && isdigit((unsigned char)p[-2])) {
            while (isdigit((unsigned char)p[1]))
                p++;
            continue;
        }
        size_t head = 0;
        while (isdigit((unsigned char)p[head]))
            head++;
        char num[16];
        size_t num_len, total = head;
        if (head == 10 || head == 12) {
            memcpy(num, p, head);
            num_len = head;
        } else if ((head == 6 || head == 8) && (p[head] == '-' || p[head] == '+' || p[head] == ' ') &&
                   isdigit((unsigned char)p[head + 1])) {
            size_t tail = 0;
            while (isdigit((unsigned char)p[head + 1 + tail]))
                tail++;
            if (tail != 4) {
                p += head - 1;
                continue;
            }
            memcpy(num, p, head);
            num_len = head;
            if (p[head] != ' ')
                num[num_len++] = p[head];
            memcpy(num + num_len, p + head + 1, 4);
            num_len += 4;
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
        num[num_len] = '\0';
        if (pt->ncand == cap) {
            cap = cap ? 2 * cap : 16;
            cand *grown = realloc(pt->cands, (size_t)cap * sizeof *grown);
            if (!grown)
                return -1;
            pt->cands = grown;
        }
        cand *c = &pt->cands[pt->ncand];
        memset(c, 0, sizeof *c);
        c->s = (size_t)(p - norm);
        c->e = c->s + total;
        mm_error err;
        mm_error_clear(&err);
        c->valid = mm_idnum_parse(num, today, &c->id, &err) == 0;
        c->kind = text_label(norm, p);
        if (pt->glyph) {
            for (size_t b = c->s; b < c->e; b++) {
                int g = pt->glyph[b];
                if (g < 0)
                    continue;
                const gbox *gb = &pt->box[g];
                if (!c->has_box) {
                    c->box = *gb;
                    c->has_box = 1;
                } else {
                    c->box.x1 = gb->x1 < c->box.x1 ? gb->x1 : c->box.x1;
                    c->box.y1 = gb->y1 < c->box.y1 ? gb->y1 : c->box.y1;
                    c->box.x2 = gb->x2 > c->box.x2 ? gb->x2 : c->box.x2;
                    c->box.y2 = gb->y2 > c->box.y2 ? gb->y2 : c->box.y2;
                }
                pt->gcand[g] = pt->ncand;
            }
        }
        pt->ncand++;
        p += total - 1;
    }
    return 0;
}

static int by_top(const void *a, const void *b, void *arg)
{
    const page_text *pt = arg;
    double ya = pt->cands[*(const int *)a].box.y1, yb = pt->cands[*(const int *)b].box.y1;
    return ya < yb ? -1 : ya > yb;
}

/* What a scan of one or more pages found (the candidates themselves go
 * into the result). */
typedef struct {
    int unlabelled;       /* valid numbers without a label */
} scan_totals;

/* Scans one page, adding its labelled numbers to cs. */
static int scan_page(page_text *pt, const char *sender_orgnr, const struct tm *today, mm_candidates *cs,
                     scan_totals *tot)
{
    if (pt->glyph && find_labels(pt) < 0)
        return -1;
    if (find_numbers(pt, today) < 0)
        return -1;
    if (pt->ncand > 0 && (pt->too_big || pt->ncand > MAX_LAYOUT_NUMBERS))
        cs->more = 1;
    else if (pt->glyph && pt->ncand > 0) {
        /* Top to bottom, so that a row of a table gets its label from the
         * row above it. */
        int *order = malloc((size_t)pt->ncand * sizeof *order);
        if (!order)
            return -1;
        for (int i = 0; i < pt->ncand; i++)
            order[i] = i;
        g_qsort_with_data(order, pt->ncand, sizeof *order, by_top, pt);
        for (int i = 0; i < pt->ncand; i++) {
            cand *c = &pt->cands[order[i]];
            if (c->kind < 0 && c->has_box)
                c->kind = position_label(pt, order[i]);
        }
        free(order);
    }
    /* Address lines saying the letter goes to someone acting for another. */
    for (size_t i = 0; i < pt->len; i++) {
        if (i > 0 && pt->text[i - 1] != '\n')
            continue;
        size_t a = i;
        while (a < pt->len && pt->text[a] == ' ')
            a++;
        for (size_t k = 0; k < sizeof to_representative / sizeof to_representative[0]; k++) {
            size_t l = fold_match(pt->text + a, to_representative[k]);
            if (l && !is_letter(pt->text[a + l]))
                cs->to_representative = 1;
        }
    }
    for (int i = 0; i < pt->ncand; i++) {
        const cand *c = &pt->cands[i];
        if (!c->valid) {
            /* Next to a label it was meant as an identity number (a typo,
             * a wrong check digit): that makes the whole text unreliable.
             * Without a label it is a date, an invoice number... */
            if (c->kind >= 0)
                cs->invalid = 1;
        } else if (sender_orgnr && !strcmp(c->id.number, sender_orgnr)) {
            /* the sender's own number in the letterhead, known here */
        } else if (c->kind < 0) {
            tot->unlabelled++;
        } else {
            mm_candidates_add(cs, (mm_label_kind)c->kind, c->id.number);
        }
    }
    return 0;
}

/* Applies the rule to what the scan found: found or missing in out. */
static void text_decide(mm_discover_result *out, const char *source, const char *sender_orgnr,
                        const scan_totals *tot)
{
    mm_decision d;
    mm_candidates_decide(&out->candidates, NULL, 0, sender_orgnr != NULL, &d);
    if (d.choice == MM_CHOICE_FOUND) {
        mm_id id;
        mm_error err;
        mm_error_clear(&err);
        if (mm_idnum_parse(d.number, NULL, &id, &err) == 0) {
            set_found(out, &id, source);
            return;
        }
    }
    char why[256];
    if (d.choice == MM_CHOICE_NONE && tot->unlabelled)
        snprintf(why, sizeof why,
                 "page text has %d valid number(s) but none next to a label such as 'Personnummer:'",
                 tot->unlabelled);
    else if (d.choice == MM_CHOICE_NONE)
        snprintf(why, sizeof why, "no recipient in the print dialog, the PDF's metadata or its text");
    else
        mm_candidates_why(&d, &out->candidates, why, sizeof why);
    set_missing(out, d.choice == MM_CHOICE_NONE ? "" : source, why);
}

int mm_discover_in_text(const char *text, const char *sender_orgnr, const struct tm *today,
                        mm_discover_result *out)
{
    memset(&out->candidates, 0, sizeof out->candidates);
    snprintf(out->candidates.source, sizeof out->candidates.source, "text");
    scan_totals tot = {0};
    /* Pages are separated by form feeds; a label never reaches across one. */
    for (const char *p = text;;) {
        const char *ff = strchr(p, '\f');
        size_t n = ff ? (size_t)(ff - p) : strlen(p);
        page_text pt;
        if (page_from_text(p, n, &pt) < 0 || scan_page(&pt, sender_orgnr, today, &out->candidates, &tot) < 0) {
            page_free(&pt);
            set_missing(out, "text", "out of memory");
            return -1;
        }
        page_free(&pt);
        if (!ff)
            break;
        p = ff + 1;
    }
    text_decide(out, "text", sender_orgnr, &tot);
    return 0;
}

/* A /Subject with a labelled number ("Personnummer: N"): 1 decided (found
 * or missing set in out), 0 nothing there. */
static int subject_label(const char *subject, const char *sender_orgnr, const struct tm *today,
                         mm_discover_result *out)
{
    mm_candidates cs;
    memset(&cs, 0, sizeof cs);
    snprintf(cs.source, sizeof cs.source, "subject");
    scan_totals tot = {0};
    page_text pt;
    int rc = page_from_text(subject, strlen(subject), &pt);
    if (rc == 0)
        rc = scan_page(&pt, sender_orgnr, today, &cs, &tot);
    page_free(&pt);
    if (rc < 0 || (cs.n == 0 && !cs.invalid && !cs.more))
        return 0;
    out->candidates = cs;
    text_decide(out, "subject", sender_orgnr, &tot);
    return 1;
}

/* The text of the first pages, read with positions. */
static int discover_in_pages(PopplerDocument *doc, int pages, const char *sender_orgnr, const struct tm *today,
                             mm_discover_result *out)
{
    memset(&out->candidates, 0, sizeof out->candidates);
    snprintf(out->candidates.source, sizeof out->candidates.source, "text");
    scan_totals tot = {0};
    size_t total = 0;
    int n = pages < MM_DISCOVER_MAX_TEXT_PAGES ? pages : MM_DISCOVER_MAX_TEXT_PAGES;
    for (int i = 0; i < n && total < MM_DISCOVER_MAX_TEXT; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        page_text pt;
        int rc = page_from_poppler(page, &pt);
        g_object_unref(page);
        if (rc == 0)
            rc = scan_page(&pt, sender_orgnr, today, &out->candidates, &tot);
        total += pt.len;
        page_free(&pt);
        if (rc < 0) {
            set_missing(out, "text", "out of memory");
            return -1;
        }
    }
    text_decide(out, "text", sender_orgnr, &tot);
    return 0;
}

int mm_discover_page_numbers(PopplerPage *page, const struct tm *today, mm_candidates *cs, int *unlabelled)
{
    scan_totals tot = {0};
    page_text pt;
    int rc = page_from_poppler(page, &pt);
    if (rc == 0)
        rc = scan_page(&pt, NULL, today, cs, &tot);
    page_free(&pt);
    *unlabelled += tot.unlabelled;
    return rc;
}

int mm_discover_area_numbers(PopplerPage *page, double fraction, const struct tm *today, mm_candidates *cs,
                             int *unlabelled)
{
    double w = 0, h = 0;
    poppler_page_get_size(page, &w, &h);
    /* poppler-glib's text areas count y from the top of the page. */
    PopplerRectangle area = {0, 0, w, h * fraction};
    gchar *t = poppler_page_get_text_for_area(page, &area);
    scan_totals tot = {0};
    page_text pt;
    int rc = page_from_text(t ? t : "", t ? strlen(t) : 0, &pt);
    g_free(t);
    if (rc == 0)
        rc = scan_page(&pt, NULL, today, cs, &tot);
    page_free(&pt);
    *unlabelled += tot.unlabelled;
    return rc;
}

/* ---- the whole job ------------------------------------------------------- */

/* The PDF opened with poppler (pdf stays the caller's and must outlive
 * the document), with its page count: the document, or NULL with err
 * (MM_ERR_INPUT, a MM_DISCOVER_BAD_* code). */
static PopplerDocument *open_pdf(const unsigned char *pdf, size_t len, int *pages, mm_error *err)
{
    if (len < 5 || memcmp(pdf, "%PDF-", 5)) {
        mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_BAD_PDF, "not a PDF document");
        return NULL;
    }
    GError *gerr = NULL;
    GBytes *bytes = g_bytes_new_static(pdf, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    g_bytes_unref(bytes);
    return mm_pdfdoc_checked(doc, gerr, pages, err);
}

PopplerDocument *mm_pdfdoc_checked(PopplerDocument *doc, GError *gerr, int *pages, mm_error *err)
{
    if (!doc) {
        int encrypted = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        mm_error_set(err, MM_ERR_INPUT, encrypted ? MM_DISCOVER_ENCRYPTED : MM_DISCOVER_BAD_PDF,
                     encrypted ? "the PDF is encrypted" : "the PDF is damaged: %s",
                     gerr ? gerr->message : "unknown error");
        if (gerr)
            g_error_free(gerr);
        return NULL;
    }
    *pages = poppler_document_get_n_pages(doc);
    if (*pages <= 0) {
        g_object_unref(doc);
        mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_NO_PAGES, "the PDF has no pages");
        return NULL;
    }
    return doc;
}

int mm_discover(const unsigned char *pdf, size_t len, const mm_discover_input *in,
                mm_discover_result *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    PopplerDocument *doc = open_pdf(pdf, len, &out->pages, err);
    if (!doc)
        return -1;
    int encrypted = 0;
    char *info = info_recipient(pdf, len, &encrypted);
    if (encrypted) {
        free(info);
        g_object_unref(doc);
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_ENCRYPTED, "the PDF is encrypted");
    }
    gchar *subject = poppler_document_get_subject(doc);
    if (subject)
        mm_text_copy(out->subject, sizeof out->subject, subject);
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
        int pages = out->pages;
        char subj[sizeof out->subject];
        memcpy(subj, out->subject, sizeof subj);
        discover_in_pages(doc, pages, in->sender_orgnr, in->today, out);
        out->pages = pages;
        memcpy(out->subject, subj, sizeof subj);
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

int mm_discover_text_numbers(const unsigned char *pdf, size_t len, const struct tm *today, mm_candidates *out,
                             mm_error *err)
{
    memset(out, 0, sizeof *out);
    int pages = 0;
    PopplerDocument *doc = open_pdf(pdf, len, &pages, err);
    if (!doc)
        return -1;
    mm_discover_result r;
    memset(&r, 0, sizeof r);
    int rc = discover_in_pages(doc, pages, NULL, today, &r);
    g_object_unref(doc);
    if (rc < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory reading the page text");
    *out = r.candidates;
    return 0;
}

char *mm_discover_xmp_recipient(const char *xmp)
{
    return xmp_recipient(xmp);
}
