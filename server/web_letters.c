/* SPDX-License-Identifier: EUPL-1.2 */
/* "Behöver mottagare" and "Att hantera" of the web portal (issue 11 part
 * 3): the person's held letters (/behover), one letter (/brev/{id}: for a
 * held one the preview of page 1 and the form that gives it a recipient or
 * cancels it), the preflight the page's script asks as a number is typed
 * (/brev/{id}/kontroll), and the person's exceptions (/hantera) with the
 * letter's PDF and "Markera som hanterat".
 *
 * Every action goes through the same function as the API's
 * (srv_api_complete, srv_api_cancel, srv_api_resolve, srv_api_reach), so
 * srv_may decides and the journal names the person (person:LOGIN).  A
 * letter the person may not act on answers as if it did not exist.  The
 * forms work without script: the POST answers with the same Swedish texts
 * as the live check, and "Kontrollera" (the form's first button, what
 * Enter presses) shows where the letter would go without sending it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "preview.h"
#include "web.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* At most this many rows in a list. */
#define ROWS_MAX 500

static enum MHD_Result no_letter(srv_web_req *rq)
{
    return srv_web_message(rq, 404, "Brevet finns inte", srv_sv(SRV_SV_WEB_NO_LETTER));
}

static enum MHD_Result internal(srv_web_req *rq)
{
    return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
}

static void when(int64_t ms, char out[20])
{
    srv_html_local_time(ms, SRV_TIME_DAY_HHMM, out, 20);
}

static const char *title_of(const srv_job *j)
{
    return j->title[0] ? j->title : "(utan titel)";
}

static void para(mm_buf *b, const char *attrs, const char *text)
{
    srv_html_raw(b, "<p");
    srv_html_raw(b, attrs);
    srv_html_raw(b, ">");
    srv_html_esc(b, text);
    srv_html_raw(b, "</p>\n");
}

static void cell(mm_buf *b, const char *tag, const char *cls, const char *text)
{
    mm_buf_printf(b, "<%s class=\"%s\"%s>", tag, cls, !strcmp(tag, "th") ? " scope=\"row\"" : "");
    srv_html_esc(b, text);
    mm_buf_printf(b, "</%s>", tag);
}

static void script(mm_buf *b)
{
    srv_html_raw(b, "<script src=\"/static/letters.js?v=" PACKAGE_VERSION "\" defer></script>\n");
}

/* A one-button form that posts to /brev/{id}/what. */
static void button_form(srv_web_req *rq, mm_buf *b, const char *id, const char *what, const char *label)
{
    mm_buf_printf(b, "<form method=\"post\" action=\"/brev/%s/%s\" class=\"knapp\">", id, what);
    srv_web_csrf_field(rq, b);
    srv_html_raw(b, "<button type=\"submit\">");
    srv_html_esc(b, label);
    srv_html_raw(b, "</button></form>");
}

/* ---- Behöver mottagare ---- */

typedef struct {
    srv_web_req *rq;
    mm_buf *b;
    size_t n;
} rows;

static void held_row(const srv_job *j, void *arg)
{
    rows *r = arg;
    if (r->n >= ROWS_MAX || j->state != SRV_JSTATE_NEEDS_RECIPIENT || !srv_may(r->rq->s, r->rq->who, SRV_ACT_READ, j))
        return;
    char t[20];
    when(j->created_ms, t);
    mm_buf_printf(r->b, "<tr data-id=\"%s\">", j->id);
    cell(r->b, "td", "nar", t);
    cell(r->b, "th", "titel", title_of(j));
    cell(r->b, "td", "varfor", j->reason_sv[0] ? j->reason_sv : srv_sv(SRV_SV_NO_RECIPIENT));
    mm_buf_printf(r->b, "<td class=\"atgard\"><a href=\"/brev/%s\">Ange mottagare</a></td></tr>\n", j->id);
    r->n++;
}

enum MHD_Result srv_web_get_held(srv_web_req *rq, const char *arg)
{
    (void)arg;
    mm_buf b = MM_BUF_INIT;
    srv_html_raw(&b, "<table id=\"behover\">\n<caption>Brev som du har skrivit ut och som väntar på att du anger "
                     "mottagare, det senaste först</caption>\n<thead><tr><th scope=\"col\">När</th>"
                     "<th scope=\"col\">Titel</th><th scope=\"col\">Varför</th><th scope=\"col\">Åtgärd</th></tr>"
                     "</thead>\n<tbody>\n");
    rows r = {rq, &b, 0};
    /* A principal that may read any job sees everyone's; rows are checked one by one. */
    const char *user = srv_may(rq->s, rq->who, SRV_ACT_READ, NULL) ? NULL : rq->who->name;
    mm_error err;
    if (srv_store_list(rq->s->store, NULL, user, "needs-recipient", 0, ROWS_MAX, held_row, &r, &err)) {
        mm_log(MM_LOG_ERROR, "web: listing the held letters of %s: %s", rq->who->actor, err.msg);
        mm_buf_free(&b);
        return internal(rq);
    }
    srv_html_raw(&b, "</tbody>\n</table>\n");
    if (!r.n)
        para(&b, " id=\"inga-brev\"", srv_sv(SRV_SV_WEB_NO_HELD));
    return srv_web_page(rq, 200, "Behöver mottagare", &b);
}

/* ---- one letter ---- */

/* What the completion form shows: the typed number, and what the check
 * (or the refusal of a post) said about it. */
typedef struct {
    const char *typed;
    const srv_preflight *check; /* NULL: nothing checked yet */
    int ask_confirm;            /* the letter names another number: #avvikelse shown */
    const char *error;          /* a refusal of the post (with a check, its own text) */
    const char *done;           /* a message after an action */
} form_state;

static void held_page(srv_web_req *rq, mm_buf *b, const srv_job *j, const form_state *f)
{
    char t[20];
    when(j->created_ms, t);
    srv_html_raw(b, "<dl class=\"brevfakta\">\n<dt>Titel</dt><dd>");
    srv_html_esc(b, title_of(j));
    srv_html_raw(b, "</dd>\n<dt>Utskrivet</dt><dd>");
    srv_html_esc(b, t);
    mm_buf_printf(b, "</dd>\n<dt>Sidor</dt><dd>%d</dd>\n<dt>Varför brevet väntar</dt><dd>", j->pages);
    srv_html_esc(b, j->reason_sv[0] ? j->reason_sv : srv_sv(SRV_SV_NO_RECIPIENT));
    srv_html_raw(b, "</dd>\n</dl>\n");

    int invalid = f->check && !f->check->valid;
    const char *message = f->error ? f->error : invalid ? f->check->problem_sv : f->check ? f->check->text_sv : "";
    mm_buf_printf(b, "<form method=\"post\" action=\"/brev/%s/skicka\" id=\"mottagare\" data-kontroll=\"/brev/%s/kontroll\""
                     " novalidate>\n", j->id, j->id);
    srv_web_csrf_field(rq, b);
    srv_html_raw(b, "\n<p><label for=\"personnummer\">Personnummer</label>\n"
                    "<span id=\"personnummer-hjalp\" class=\"hjalp\">");
    srv_html_esc(b, srv_sv(SRV_SV_WEB_PN_HINT));
    srv_html_raw(b, "</span>\n<input id=\"personnummer\" name=\"personnummer\" type=\"text\" inputmode=\"numeric\" "
                    "autocomplete=\"off\" spellcheck=\"false\" maxlength=\"20\" "
                    "aria-describedby=\"personnummer-hjalp kontroll\" value=\"");
    srv_html_esc(b, f->typed ? f->typed : "");
    srv_html_raw(b, "\"");
    /* After a refused post without script, focus goes back to the field
     * whose description now says what is wrong. */
    if (invalid || (f->error && !f->ask_confirm))
        srv_html_raw(b, " aria-invalid=\"true\" autofocus");
    srv_html_raw(b, "></p>\n");
    mm_buf_printf(b, "<div id=\"kontroll\" class=\"kontroll%s\" aria-live=\"polite\">",
                  invalid || f->error ? " fel" : "");
    if (message[0])
        para(b, "", message);
    srv_html_raw(b, "</div>\n");
    /* The letter's own text names another number: said, and Skicka needs
     * the box ticked (the server checks it again). */
    const char *mismatch = f->check && f->check->mismatch ? f->check->mismatch_sv : "";
    srv_html_raw(b, f->ask_confirm ? "<div id=\"avvikelse\" class=\"avvikelse\">" : "<div id=\"avvikelse\" class=\"avvikelse\" hidden>");
    para(b, " id=\"avvikelse-text\"", mismatch);
    srv_html_raw(b, "<p><input type=\"checkbox\" id=\"bekrafta\" name=\"bekrafta\" value=\"1\" "
                    "aria-describedby=\"avvikelse-text\"");
    if (f->ask_confirm && f->error)
        srv_html_raw(b, " autofocus");
    srv_html_raw(b, "> <label for=\"bekrafta\" class=\"kryss\">");
    srv_html_esc(b, srv_sv(SRV_SV_WEB_CONFIRM_LABEL));
    srv_html_raw(b, "</label></p>\n</div>\n"
                    "<p class=\"knappar\"><button type=\"submit\" name=\"atgard\" value=\"kontrollera\" "
                    "class=\"sekundar\">Kontrollera</button>\n"
                    "<button type=\"submit\" name=\"atgard\" value=\"skicka\">Skicka</button></p>\n</form>\n");
    button_form(rq, b, j->id, "makulera", "Makulera brevet");
    srv_html_raw(b, "\n<h2>Förhandsvisning</h2>\n");
    mm_buf_printf(b, "<p><img id=\"forhandsvisning\" class=\"forhandsvisning\" src=\"/brev/%s/forhandsvisning.png\" "
                     "alt=\"", j->id);
    srv_html_raw(b, "Första sidan av brevet ");
    srv_html_esc(b, title_of(j));
    srv_html_raw(b, "\"></p>\n");
    script(b);
}

/* A letter that is not (or no longer) held: where it stands. */
static void other_page(srv_web_req *rq, mm_buf *b, const srv_job *j)
{
    char t[20];
    when(j->created_ms, t);
    srv_html_raw(b, "<dl class=\"brevfakta\">\n<dt>Titel</dt><dd>");
    srv_html_esc(b, title_of(j));
    srv_html_raw(b, "</dd>\n<dt>Utskrivet</dt><dd>");
    srv_html_esc(b, t);
    srv_html_raw(b, "</dd>\n<dt>Mottagare</dt><dd>");
    char mask[16] = "";
    if (j->recipient[0])
        mm_idnum_mask(j->recipient, mask);
    srv_html_esc(b, mask);
    srv_html_raw(b, "</dd>\n<dt>Tillstånd</dt><dd id=\"tillstand\" data-state=\"");
    srv_html_esc(b, srv_jstate_name(j->state));
    srv_html_raw(b, "\">");
    char line[400];
    srv_message(rq->s, j, line, sizeof line);
    srv_html_esc(b, line);
    srv_html_raw(b, "</dd>\n</dl>\n");
    if (srv_job_is_exception(j) && srv_may(rq->s, rq->who, SRV_ACT_RESOLVE, j)) {
        mm_buf_printf(b, "<p><a href=\"/brev/%s/dokument.pdf\">Ladda ned PDF</a></p>\n", j->id);
        button_form(rq, b, j->id, "hanterad", "Markera som hanterat");
    }
    srv_html_raw(b, "<p><a href=\"/brev\">Till Mina brev</a></p>\n");
}

/* The letter's page, with status and what the form shows. */
static enum MHD_Result letter_page(srv_web_req *rq, unsigned status, const srv_job *j, const form_state *f)
{
    mm_buf b = MM_BUF_INIT;
    if (f && f->done)
        para(&b, " class=\"info\" role=\"status\"", f->done);
    int held = j->state == SRV_JSTATE_NEEDS_RECIPIENT && srv_may(rq->s, rq->who, SRV_ACT_COMPLETE, j);
    if (held) {
        form_state none = {0};
        held_page(rq, &b, j, f ? f : &none);
    } else {
        other_page(rq, &b, j);
    }
    return srv_web_page(rq, status, held ? "Ange mottagare" : "Brevet", &b);
}

/* The message of a redirect after an action (?klart=...). */
static const char *done_text(srv_web_req *rq)
{
    const char *k = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "klart");
    if (!k)
        return NULL;
    if (!strcmp(k, "skickat"))
        return srv_sv(SRV_SV_WEB_SENT);
    if (!strcmp(k, "makulerat"))
        return srv_sv(SRV_SV_WEB_CANCELLED);
    if (!strcmp(k, "hanterat"))
        return srv_sv(SRV_SV_WEB_HANDLED);
    return NULL;
}

enum MHD_Result srv_web_get_letter(srv_web_req *rq, const char *id)
{
    srv_job j;
    enum MHD_Result answer;
    if (srv_web_find_job(rq, id, SRV_ACT_READ, &j, &answer))
        return answer;
    form_state f = {0};
    f.done = done_text(rq);
    return letter_page(rq, 200, &j, &f);
}

/* The stored letter of held job j into *pdf: 0, or -1 (gone, or the store). */
static int stored_pdf(srv_web_req *rq, const srv_job *j, mm_buf *pdf)
{
    mm_error err;
    mm_error_clear(&err);
    int rc = srv_store_document(rq->s->store, j->id, "pdf", pdf, &err);
    if (rc < 0)
        srv_log_job(MM_LOG_ERROR, j, "web: cannot read the letter: %s", err.msg);
    return rc ? -1 : 0;
}

/* The labelled numbers of j's letter into *c: c, or NULL when they cannot
 * be read (then no mismatch can be said; logged). */
static const mm_candidates *numbers(srv_web_req *rq, const srv_job *j, mm_candidates *c)
{
    mm_buf pdf = MM_BUF_INIT;
    mm_error err;
    mm_error_clear(&err);
    int rc = stored_pdf(rq, j, &pdf) ? -1 : srv_preview_numbers(pdf.data, pdf.len, c, &err);
    mm_buf_free(&pdf);
    if (rc) {
        srv_log_job(MM_LOG_WARN, j, "web: the letter's own numbers cannot be read: %s", err.msg[0] ? err.msg : "no letter");
        return NULL;
    }
    return c;
}

enum MHD_Result srv_web_get_preview(srv_web_req *rq, const char *id)
{
    srv_job j;
    enum MHD_Result answer;
    /* Only for whoever may complete it (its owner), and only while held. */
    if (srv_web_find_job(rq, id, SRV_ACT_COMPLETE, &j, &answer))
        return answer;
    if (j.state != SRV_JSTATE_NEEDS_RECIPIENT)
        return no_letter(rq);
    mm_buf pdf = MM_BUF_INIT, png = MM_BUF_INIT;
    mm_error err;
    mm_error_clear(&err);
    int rc = stored_pdf(rq, &j, &pdf) ? -1 : srv_preview_png(pdf.data, pdf.len, &png, &err);
    mm_buf_free(&pdf);
    if (rc) {
        srv_log_job(MM_LOG_WARN, &j, "web: no preview: %s", err.msg[0] ? err.msg : "no letter");
        mm_buf_free(&png);
        return srv_web_message(rq, err.cls == MM_ERR_INPUT ? 422 : 500, "Ingen förhandsvisning",
                               srv_sv(SRV_SV_WEB_NO_PREVIEW));
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(png.len, png.data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        mm_buf_free(&png);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "image/png");
    /* Never kept by the browser either (Cache-Control: no-store). */
    return srv_web_send(rq->conn, 200, resp, 0);
}

static json_t *check_json(const srv_preflight *p)
{
    return json_pack("{s:b, s:o, s:o, s:o, s:o, s:b, s:o}", "valid", p->valid, "problem_sv",
                     srv_json_str_or_null(p->valid ? NULL : p->problem_sv), "channel", srv_json_str_or_null(p->channel),
                     "operator", srv_json_str_or_null(p->operator_name), "text_sv", srv_json_str_or_null(p->text_sv),
                     "mismatch", p->mismatch, "mismatch_sv", srv_json_str_or_null(p->mismatch ? p->mismatch_sv : NULL));
}

enum MHD_Result srv_web_get_check(srv_web_req *rq, const char *id)
{
    srv_job j;
    if (srv_api_lookup(rq->s, rq->who, id, SRV_ACT_COMPLETE, &j) != SRV_OK)
        return srv_web_json(rq, 404, json_pack("{s:s, s:s}", "error", "not-found", "message", srv_sv(SRV_SV_WEB_NO_LETTER)));
    if (j.state != SRV_JSTATE_NEEDS_RECIPIENT)
        return srv_web_json(rq, 409, json_pack("{s:s, s:s}", "error", "not-held", "message", srv_sv(SRV_SV_WEB_NOT_HELD)));
    const char *typed = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "personnummer");
    srv_preflight p;
    mm_candidates c;
    /* The letter is read only for a valid number: typing costs nothing. */
    srv_preview_check(rq->s, rq->who, &j, NULL, typed && strlen(typed) < 64 ? typed : "", 0, &p);
    if (p.valid)
        srv_preview_check(rq->s, rq->who, &j, numbers(rq, &j, &c), typed, 1, &p);
    if (p.status != 200 && p.retry_after_s) {
        json_t *o = check_json(&p);
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        /* Retry-After with the JSON: srv_web_json sets no headers of its own. */
        struct MHD_Response *resp =
            text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
        if (!resp) {
            free(text);
            return MHD_NO;
        }
        char ra[24];
        snprintf(ra, sizeof ra, "%ld", p.retry_after_s);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        return srv_web_send(rq->conn, p.status, resp, 0);
    }
    return srv_web_json(rq, p.status, check_json(&p));
}

enum MHD_Result srv_web_post_send(srv_web_req *rq, const char *id)
{
    srv_job j;
    enum MHD_Result answer;
    if (srv_web_find_job(rq, id, SRV_ACT_COMPLETE, &j, &answer))
        return answer;
    form_state f = {0};
    if (j.state != SRV_JSTATE_NEEDS_RECIPIENT) {
        f.done = srv_sv(SRV_SV_WEB_NOT_HELD);
        return letter_page(rq, 409, &j, &f);
    }
    char typed[64], action[16], confirm[8];
    srv_web_form(rq, "personnummer", typed, sizeof typed);
    srv_web_form(rq, "atgard", action, sizeof action);
    srv_web_form(rq, "bekrafta", confirm, sizeof confirm);
    int only_check = !strcmp(action, "kontrollera");
    srv_preflight p;
    mm_candidates c;
    srv_preview_check(rq->s, rq->who, &j, NULL, typed, 0, &p);
    if (p.valid)
        srv_preview_check(rq->s, rq->who, &j, numbers(rq, &j, &c), typed, only_check, &p);
    f.typed = typed;
    f.check = &p;
    f.ask_confirm = p.valid && p.mismatch;
    if (!p.valid)
        return letter_page(rq, 400, &j, &f);
    if (only_check)
        return letter_page(rq, p.status == 200 ? 200 : p.status, &j, &f);
    if (p.mismatch && strcmp(confirm, "1")) {
        f.error = srv_sv(SRV_SV_WEB_CONFIRM_NEEDED);
        return letter_page(rq, 409, &j, &f);
    }
    mm_id number;
    mm_error err;
    mm_error_clear(&err);
    switch (srv_api_complete(rq->s, rq->who, id, typed, "web", &number, &err)) {
    case SRV_OK: {
        char to[80];
        snprintf(to, sizeof to, "/brev/%s?klart=skickat", j.id);
        return srv_web_redirect(rq, to);
    }
    case SRV_NO_SUCH_JOB:
    case SRV_NOT_ALLOWED: return no_letter(rq);
    case SRV_WRONG_STATE:
        if (srv_store_get(rq->s->store, id, &j, NULL))
            return internal(rq);
        f = (form_state){.done = srv_sv(SRV_SV_WEB_NOT_HELD)};
        return letter_page(rq, 409, &j, &f);
    case SRV_BAD_NUMBER:
    case SRV_OWN_NUMBER: return letter_page(rq, 400, &j, &f); /* the check said so already */
    default: return internal(rq);
    }
}

enum MHD_Result srv_web_post_cancel(srv_web_req *rq, const char *id)
{
    srv_job j;
    enum MHD_Result answer;
    if (srv_web_find_job(rq, id, SRV_ACT_CANCEL, &j, &answer))
        return answer;
    char to[80];
    switch (srv_api_cancel(rq->s, rq->who, id, "the web page")) {
    case SRV_OK:
        snprintf(to, sizeof to, "/brev/%s?klart=makulerat", j.id);
        return srv_web_redirect(rq, to);
    case SRV_NO_SUCH_JOB:
    case SRV_NOT_ALLOWED: return no_letter(rq);
    case SRV_WRONG_STATE: {
        if (srv_store_get(rq->s->store, id, &j, NULL))
            return internal(rq);
        form_state f = {.done = srv_sv(SRV_SV_WEB_NOT_CANCELLABLE)};
        return letter_page(rq, 409, &j, &f);
    }
    default: return internal(rq);
    }
}

/* ---- Att hantera ---- */

static void exception_row(const srv_job *j, int kept, void *arg)
{
    rows *r = arg;
    if (r->n >= ROWS_MAX || !srv_may(r->rq->s, r->rq->who, SRV_ACT_RESOLVE, j) ||
        !srv_may(r->rq->s, r->rq->who, SRV_ACT_READ, j))
        return;
    static const srv_text state_sv[SRV_JSTATE_COUNT] = {
        [SRV_JSTATE_RETURNED] = SRV_SV_STATE_RETURNED,
        [SRV_JSTATE_FAILED] = SRV_SV_STATE_FAILED,
        [SRV_JSTATE_EXPIRED] = SRV_SV_STATE_EXPIRED,
    };
    char t[20];
    when(j->final_ms ? j->final_ms : j->updated_ms, t);
    mm_buf_printf(r->b, "<tr data-id=\"%s\" data-state=\"%s\">", j->id, srv_jstate_name(j->state));
    cell(r->b, "td", "nar", t);
    cell(r->b, "th", "titel", title_of(j));
    cell(r->b, "td", "tillstand", j->state > SRV_JSTATE_NONE && j->state < SRV_JSTATE_COUNT ? srv_sv(state_sv[j->state]) : "");
    cell(r->b, "td", "varfor", j->reason_sv);
    srv_html_raw(r->b, "<td class=\"atgard\">");
    if (kept)
        mm_buf_printf(r->b, "<a href=\"/brev/%s/dokument.pdf\">Ladda ned PDF</a> ", j->id);
    button_form(r->rq, r->b, j->id, "hanterad", "Markera som hanterat");
    srv_html_raw(r->b, "</td></tr>\n");
    r->n++;
}

enum MHD_Result srv_web_get_exceptions(srv_web_req *rq, const char *arg)
{
    (void)arg;
    mm_buf b = MM_BUF_INIT;
    const char *done = done_text(rq);
    if (done)
        para(&b, " class=\"info\" role=\"status\"", done);
    srv_html_raw(&b, "<p>Brev som inte nådde mottagaren: returnerade, misslyckade eller som gick ut utan "
                     "mottagare. Ladda ned brevet för att skriva ut det eller skicka det på annat sätt, och markera "
                     "det sedan som hanterat.</p>\n"
                     "<table id=\"hantera\">\n<caption>Dina brev att hantera, det äldsta först</caption>\n<thead><tr>"
                     "<th scope=\"col\">När</th><th scope=\"col\">Titel</th><th scope=\"col\">Tillstånd</th>"
                     "<th scope=\"col\">Varför</th><th scope=\"col\">Åtgärd</th></tr></thead>\n<tbody>\n");
    rows r = {rq, &b, 0};
    mm_error err;
    if (srv_store_exceptions(rq->s->store, NULL, ROWS_MAX, exception_row, &r, &err)) {
        mm_log(MM_LOG_ERROR, "web: listing the exceptions of %s: %s", rq->who->actor, err.msg);
        mm_buf_free(&b);
        return internal(rq);
    }
    srv_html_raw(&b, "</tbody>\n</table>\n");
    if (!r.n)
        para(&b, " id=\"inga-brev\"", srv_sv(SRV_SV_WEB_NO_EXCEPTIONS));
    return srv_web_page(rq, 200, "Att hantera", &b);
}

enum MHD_Result srv_web_get_document(srv_web_req *rq, const char *id)
{
    srv_job j;
    enum MHD_Result answer;
    /* Whoever may resolve the exception (its owner, the print room, an
     * admin), and only while it is one. */
    if (srv_web_find_job(rq, id, SRV_ACT_RESOLVE, &j, &answer))
        return answer;
    if (!srv_job_is_exception(&j))
        return no_letter(rq);
    mm_buf pdf = MM_BUF_INIT;
    if (stored_pdf(rq, &j, &pdf)) {
        mm_buf_free(&pdf);
        return srv_web_message(rq, 410, "Brevet finns inte kvar", srv_sv(SRV_SV_NO_DOCUMENT));
    }
    /* Reading a letter is journaled with who read it, as every action is. */
    mm_error err;
    mm_error_clear(&err);
    if (srv_store_event_as(rq->s->store, j.id, rq->who->actor, "downloaded", "the letter's PDF downloaded on the web page",
                           &err)) {
        mm_buf_free(&pdf);
        srv_log_job(MM_LOG_ERROR, &j, "web: cannot journal a download: %s", err.msg);
        return internal(rq);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(pdf.len, pdf.data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        mm_buf_free(&pdf);
        return MHD_NO;
    }
    char disp[80];
    snprintf(disp, sizeof disp, "attachment; filename=\"brev-%.8s.pdf\"", j.id);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/pdf");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    return srv_web_send(rq->conn, 200, resp, 0);
}

enum MHD_Result srv_web_post_handled(srv_web_req *rq, const char *id)
{
    srv_job j;
    enum MHD_Result answer;
    if (srv_web_find_job(rq, id, SRV_ACT_RESOLVE, &j, &answer))
        return answer;
    switch (srv_api_resolve(rq->s, rq->who, id, "handled")) {
    case SRV_OK: return srv_web_redirect(rq, "/hantera?klart=hanterat");
    case SRV_NO_SUCH_JOB:
    case SRV_NOT_ALLOWED: return no_letter(rq);
    case SRV_WRONG_STATE: return srv_web_message(rq, 409, "Brevet är redan hanterat", srv_sv(SRV_SV_NOT_EXCEPTION));
    default: return internal(rq);
    }
}
