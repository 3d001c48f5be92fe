/* SPDX-License-Identifier: EUPL-1.2 */
/* A held letter's first page, its labelled numbers and the preflight of a
 * typed number (see preview.h). */
#include "preview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cairo.h>
#include <glib.h>
#include <poppler.h>

#include "api.h"
#include "discover.h"
#include "fileio.h"
#include "idnum.h"
#include "log.h"
#include "policy.h"
#include "sandbox.h"

/* What a renderer reads besides the letter: the fonts of a PDF that does
 * not embed its own (the standard 14, a letterhead's) and poppler's
 * character maps.  Nothing else, and only to read. */
static const char *const font_paths[] = {"/etc/fonts", "/usr/share/fonts", "/usr/share/fontconfig",
                                         "/usr/local/share/fonts", "/var/cache/fontconfig", "/usr/share/poppler",
                                         NULL};

/* The limits of the child.  A page that takes a second of CPU is already
 * hostile; the wall clock allows for a busy server. */
static const mm_sandbox limits = {
    .read = font_paths, .cpu_s = 10, .mem_bytes = 1LL << 30, .nofile = 64, .timeout_ms = 15000};

/* ---- in the child ---- */

typedef struct {
    const void *pdf;
    size_t len;
} letter;

static cairo_status_t png_out(void *closure, const unsigned char *data, unsigned int length)
{
    return mm_fileio_write_fd(*(int *)closure, data, length) ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* Page 1 as a PNG on fd; nothing at all when it cannot be rendered. */
static void render_child(void *arg, int fd)
{
    const letter *l = arg;
    GBytes *bytes = g_bytes_new_static(l->pdf, l->len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, NULL);
    g_bytes_unref(bytes);
    PopplerPage *page = doc && poppler_document_get_n_pages(doc) > 0 ? poppler_document_get_page(doc, 0) : NULL;
    double w = 0, h = 0;
    if (page)
        poppler_page_get_size(page, &w, &h);
    if (page && isfinite(w) && isfinite(h) && w >= 1 && h >= 1) {
        double scale = SRV_PREVIEW_DPI / 72.0;
        if (w * scale > SRV_PREVIEW_MAX_WIDTH)
            scale = SRV_PREVIEW_MAX_WIDTH / w;
        if (h * scale > SRV_PREVIEW_MAX_HEIGHT)
            scale = SRV_PREVIEW_MAX_HEIGHT / h;
        int pw = (int)ceil(w * scale), ph = (int)ceil(h * scale);
        pw = pw < 1 ? 1 : pw > SRV_PREVIEW_MAX_WIDTH ? SRV_PREVIEW_MAX_WIDTH : pw;
        ph = ph < 1 ? 1 : ph > SRV_PREVIEW_MAX_HEIGHT ? SRV_PREVIEW_MAX_HEIGHT : ph;
        cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
        cairo_t *cr = cairo_create(surface);
        cairo_set_source_rgb(cr, 1, 1, 1); /* paper: a PDF page has no background of its own */
        cairo_paint(cr);
        cairo_scale(cr, scale, scale);
        /* As it will be printed: annotations not meant for print left out. */
        poppler_page_render_for_printing(page, cr);
        cairo_destroy(cr);
        if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
            cairo_surface_write_to_png_stream(surface, png_out, &fd);
        cairo_surface_destroy(surface);
    }
    if (page)
        g_object_unref(page);
    if (doc)
        g_object_unref(doc);
}

typedef struct {
    int rc;
    mm_candidates c;
    mm_error err;
} numbers_answer;

static void numbers_child(void *arg, int fd)
{
    const letter *l = arg;
    numbers_answer a;
    memset(&a, 0, sizeof a);
    a.rc = mm_discover_text_numbers(l->pdf, l->len, NULL, &a.c, &a.err);
    mm_fileio_write_fd(fd, &a, sizeof a);
}

/* ---- in the server ---- */

/* Runs fn in the confined child with the letter; answer into out (up to
 * outlen bytes, *got).  -1 with err when the child could not run or was
 * stopped by a limit (the letter's fault: MM_ERR_INPUT). */
static int in_child(void (*fn)(void *, int), const void *pdf, size_t len, void *out, size_t outlen, size_t *got,
                    const char *what, mm_error *err)
{
    letter l = {pdf, len};
    int status = 0;
    if (mm_sandbox_call(&limits, fn, &l, out, outlen, got, &status, err)) {
        if (err->code == MM_SANDBOX_TIMEOUT)
            return mm_error_set(err, MM_ERR_INPUT, 0, "%s took more than %d s", what, limits.timeout_ms / 1000);
        return -1;
    }
    if (WIFSIGNALED(status))
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s ended on signal %d (a resource limit)", what,
                            WTERMSIG(status));
    return 0;
}

int srv_preview_png(const void *pdf, size_t len, mm_buf *png, mm_error *err)
{
    mm_buf_reset(png);
    unsigned char *out = malloc(SRV_PREVIEW_MAX_PNG);
    if (!out)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory for a preview");
    size_t got = 0;
    int rc = in_child(render_child, pdf, len, out, SRV_PREVIEW_MAX_PNG, &got, "rendering the first page", err);
    static const unsigned char magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (rc == 0 && (got < sizeof magic || memcmp(out, magic, sizeof magic)))
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "the first page cannot be rendered");
    else if (rc == 0 && got >= SRV_PREVIEW_MAX_PNG)
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "the first page's picture is over %u bytes", SRV_PREVIEW_MAX_PNG);
    else if (rc == 0 && mm_buf_append(png, out, got))
        rc = mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory for a preview");
    free(out);
    return rc;
}

int srv_preview_numbers(const void *pdf, size_t len, mm_candidates *c, mm_error *err)
{
    memset(c, 0, sizeof *c);
    numbers_answer a;
    size_t got = 0;
    if (in_child(numbers_child, pdf, len, &a, sizeof a, &got, "reading the page text", err))
        return -1;
    if (got != sizeof a)
        return mm_error_set(err, MM_ERR_INPUT, 0, "reading the page text gave no answer");
    if (a.rc) {
        a.err.msg[sizeof a.err.msg - 1] = 0;
        return mm_error_set(err, a.err.cls, a.err.code, "%s", a.err.msg);
    }
    /* The child's answer is data like any other: bounded before use. */
    if (a.c.n < 0 || a.c.n > MM_CANDIDATES_MAX)
        return mm_error_set(err, MM_ERR_INPUT, 0, "reading the page text gave a malformed answer");
    for (int i = 0; i < a.c.n; i++)
        a.c.list[i].number[12] = 0;
    *c = a.c;
    return 0;
}

/* Whose number a label says it is, as the sentence of a mismatch puts it. */
static const char *whose_sv(mm_label_kind kind)
{
    switch (kind) {
    case MM_LABEL_CHILD: return "barnets";
    case MM_LABEL_PUPIL: return "elevens";
    case MM_LABEL_PRINCIPAL: return "den enskildes";
    case MM_LABEL_PATIENT: return "patientens";
    case MM_LABEL_DECEASED: return "den avlidnes";
    default: return "någon annans";
    }
}

int srv_preview_mismatch(const srv *s, const mm_candidates *c, const char *number12, char *sv, size_t size)
{
    int as_addressee = 0, as_other = 0, other_kind = MM_LABEL_OTHER;
    const char *another = NULL;
    sv[0] = 0;
    for (int i = 0; c && i < c->n; i++) {
        const mm_candidate *k = &c->list[i];
        if (srv_recipient_is_own(s, k->number))
            continue;
        if (strcmp(k->number, number12)) {
            if (!another && (mm_label_kind_addressee(k->kind) || k->kind == MM_LABEL_REPRESENTATIVE))
                another = k->number;
        } else if (mm_label_kind_addressee(k->kind) || k->kind == MM_LABEL_REPRESENTATIVE) {
            as_addressee = 1;
        } else if (!as_other) {
            as_other = 1;
            other_kind = (int)k->kind;
        }
    }
    /* A number the letter calls someone else's (the child's) is never its
     * recipient (mm_candidates_decide), even if it is named again. */
    if (as_other) {
        snprintf(sv, size, "Brevets text anger det här numret som %s nummer, inte som mottagarens. Kontrollera "
                           "att du skrivit mottagarens personnummer.",
                 whose_sv((mm_label_kind)other_kind));
        return 1;
    }
    if (as_addressee)
        return 0;
    if (!another && c) {
        for (int i = 0; i < c->n && !another; i++)
            if (!srv_recipient_is_own(s, c->list[i].number))
                another = c->list[i].number;
    }
    if (another) {
        char mask[16];
        mm_idnum_mask(another, mask);
        snprintf(sv, size, "Brevets text anger ett annat nummer (%s) än det du skrev. Kontrollera att mottagaren "
                           "är rätt.", mask);
        return 1;
    }
    if (c && c->invalid) {
        snprintf(sv, size, "Brevets text anger ett nummer som inte är giltigt, så det går inte att jämföra med det "
                           "du skrev. Kontrollera att mottagaren är rätt.");
        return 1;
    }
    return 0;
}

void srv_preview_check(srv *s, const srv_principal *who, const srv_job *j, const mm_candidates *c, const char *typed,
                       int lookup, srv_preflight *out)
{
    memset(out, 0, sizeof *out);
    out->status = 200;
    mm_id id;
    mm_error err;
    mm_error_clear(&err);
    srv_outcome o = srv_api_number(s, typed, &id, &err);
    if (o == SRV_BAD_NUMBER) {
        snprintf(out->problem_sv, sizeof out->problem_sv, "%s", mm_idnum_problem_sv(err.code));
        return;
    }
    if (o == SRV_OWN_NUMBER) {
        srv_recipient_own_sv(id.number, out->problem_sv, sizeof out->problem_sv);
        out->problem_sv[0] = 'N'; /* "numret ...": a sentence of its own here */
        return;
    }
    out->valid = 1;
    memcpy(out->number, id.number, sizeof out->number);
    out->mismatch = srv_preview_mismatch(s, c, id.number, out->mismatch_sv, sizeof out->mismatch_sv);
    if (!lookup)
        return;
    mm_reach r;
    long wait = 0;
    switch (srv_api_reach(s, who, j->id, id.number, &r, &wait, &err)) {
    case SRV_OK: break;
    case SRV_TOO_OFTEN:
        out->status = 429;
        out->retry_after_s = wait;
        snprintf(out->text_sv, sizeof out->text_sv, "%s", srv_sv(SRV_SV_PRECHECK_RATE));
        return;
    case SRV_NOT_ALLOWED:
        snprintf(out->text_sv, sizeof out->text_sv, "%s", srv_sv(SRV_SV_MAY_NOT_PRECHECK));
        return;
    case SRV_FAR_DOWN:
        out->status = 502;
        snprintf(out->text_sv, sizeof out->text_sv, "%s. Du kan ändå skicka: vägen avgörs när brevet skickas.",
                 srv_sv(SRV_SV_FAR_UNAVAILABLE));
        return;
    default:
        out->status = 500;
        snprintf(out->text_sv, sizeof out->text_sv, "%s", srv_sv(SRV_SV_INTERNAL));
        return;
    }
    /* The channel policy decides on a copy, in memory: the same rule that
     * will decide when the letter is sent (policy.c). */
    srv_job copy = *j;
    memcpy(copy.recipient, id.number, sizeof copy.recipient);
    const char *event = NULL;
    char detail[400];
    int next = srv_policy_decide(s, &copy, &r, &event, detail, sizeof detail);
    if (next == 0) {
        out->channel = "digital";
        snprintf(out->operator_name, sizeof out->operator_name, "%s", copy.operator_name);
        snprintf(out->text_sv, sizeof out->text_sv, "Mottagaren har en digital brevlåda hos %s. Brevet skickas dit.",
                 copy.operator_name);
    } else if (next == 1) {
        out->channel = "paper";
        snprintf(out->text_sv, sizeof out->text_sv,
                 "Brevet skrivs ut i Utskriftsrummet och skickas med vanlig post: %s.", copy.reason_sv);
    } else {
        out->channel = "none";
        snprintf(out->text_sv, sizeof out->text_sv,
                 "Brevet kan inte skickas: %s, och brevet får bara skickas digitalt.", copy.reason_sv);
    }
}
