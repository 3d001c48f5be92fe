/* SPDX-License-Identifier: EUPL-1.2 */
/* "Massutskick" (issue 13): a person's batches (/massutskick), one batch's
 * report (/massutskick/{id}: every letter's outcome; a held letter links
 * to its completion page /brev/{job id}), and its exception list
 * (undantagslistan: the letters that went on paper, could not be sent or
 * are held, with the reason) as PDF and CSV with the day list's
 * conventions (web_export.h).
 *
 * The pages draw the batch report exactly as GET /api/v1/batches/{id}
 * gives it (its JSON: "id", "state", "reason", "message", "letters",
 * "counts", "items"[{"seq", "job_id", "first_page", "last_page", "pages",
 * "state", "channel", "recipient_masked", "message"}]), so the API and
 * the page never tell two stories.  Who may see a batch is decided by
 * srv_may in auth.c through the server's lookup (batch_report below): a
 * batch the person may not read answers 404 as if it did not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "jstate.h"
#include "log.h"
#include "web.h"
#include "web_export.h"

/* ---- the batch report, from the server (api: srv_api_batch_lookup) ---- */

/* The report of batch id as the API gives it, if the person may read it
 * (srv_api_batch_lookup asks srv_may): 0 (*report owned by the caller), 1
 * no such batch for this person, -1 error. */
static int batch_report(srv_web_req *rq, const char *id, json_t **report)
{
    srv_batch b;
    *report = NULL;
    switch (srv_api_batch_lookup(rq->s, rq->who, id, &b)) {
    case SRV_OK: break;
    case SRV_NO_SUCH_JOB: return 1;
    default: return -1;
    }
    *report = srv_batch_json(rq->s, &b, 1);
    return *report ? 0 : -1;
}

typedef struct {
    srv_web_req *rq;
    json_t *list;
    int failed;
} list_ctx;

static void list_one(const srv_batch *b, void *arg)
{
    list_ctx *l = arg;
    /* The view srv_may decides on, as the API's list: a job of the
     * batch's client and user. */
    srv_job view;
    srv_batch_view(b, &view);
    if (!srv_may(l->rq->s, l->rq->who, SRV_ACT_READ, &view))
        return;
    json_t *o = srv_batch_json(l->rq->s, b, 0);
    /* the page's clock is local time; the API's "created" is UTC */
    if (o)
        json_object_set_new(o, "created_ms", json_integer(b->created_ms));
    if (!o || json_array_append_new(l->list, o))
        l->failed = 1;
}

/* The person's batches as GET /api/v1/batches lists them (reports without
 * items, newest first): 0 (*list owned), -1 error. */
static int batch_list(srv_web_req *rq, json_t **list)
{
    list_ctx l = {rq, json_array(), 0};
    *list = l.list;
    if (!l.list || srv_store_batch_list(rq->s->store, srv_auth_list_client(rq->who), NULL, 200, list_one, &l, NULL))
        return -1;
    return l.failed ? -1 : 0;
}

/* ---- texts of a report ---- */

static const char *str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static long num(const json_t *o, const char *key)
{
    return (long)json_integer_value(json_object_get(o, key));
}

static const char *state_sv(const char *word)
{
    static const srv_text sv[SRV_JSTATE_COUNT] = {
        [SRV_JSTATE_QUEUED] = SRV_SV_STATE_SENDING,      [SRV_JSTATE_NEEDS_RECIPIENT] = SRV_SV_STATE_NEEDS_RECIPIENT,
        [SRV_JSTATE_SENDING] = SRV_SV_STATE_SENDING,     [SRV_JSTATE_PRINTING] = SRV_SV_STATE_PRINTING,
        [SRV_JSTATE_DELIVERED] = SRV_SV_STATE_DELIVERED, [SRV_JSTATE_PRINTED] = SRV_SV_STATE_PRINTED,
        [SRV_JSTATE_POSTED] = SRV_SV_STATE_POSTED,       [SRV_JSTATE_RETURNED] = SRV_SV_STATE_RETURNED,
        [SRV_JSTATE_FAILED] = SRV_SV_STATE_FAILED,       [SRV_JSTATE_CANCELLED] = SRV_SV_STATE_CANCELLED,
        [SRV_JSTATE_EXPIRED] = SRV_SV_STATE_EXPIRED,
    };
    srv_jstate st = srv_jstate_from_name(word);
    return st > SRV_JSTATE_NONE && st < SRV_JSTATE_COUNT ? srv_sv(sv[st]) : word;
}

static const char *channel_sv(const char *channel)
{
    return !strcmp(channel, "digital") ? "Digitalt" : !strcmp(channel, "paper") ? "Papper" : "–";
}

static const char *batch_state_sv(const char *state)
{
    return !strcmp(state, "received")    ? "Mottaget"
           : !strcmp(state, "splitting") ? "Delas upp"
           : !strcmp(state, "split")     ? "Uppdelat"
           : !strcmp(state, "held")      ? "Stoppat"
           : !strcmp(state, "cancelled") ? "Makulerat"
                                         : state;
}

/* A letter of the exception list: on paper, held for a recipient, or
 * reached no one. */
static int is_exception(const json_t *item)
{
    srv_jstate st = srv_jstate_from_name(str(item, "state"));
    return !strcmp(str(item, "channel"), "paper") || st == SRV_JSTATE_NEEDS_RECIPIENT || srv_jstate_is_exception(st);
}

static void short_id(const char *id, char out[9])
{
    snprintf(out, 9, "%.8s", id);
}

/* ---- /massutskick ---- */

enum MHD_Result srv_web_get_batches(srv_web_req *rq, const char *arg)
{
    (void)arg;
    json_t *list = NULL;
    if (batch_list(rq, &list)) {
        json_decref(list);
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
    mm_buf b = MM_BUF_INIT;
    if (!json_array_size(list)) {
        srv_html_raw(&b, "<p>");
        srv_html_esc(&b, srv_sv(SRV_SV_WEB_BATCH_NONE));
        srv_html_raw(&b, "</p>");
    } else {
        srv_html_raw(&b, "<table class=\"lista\"><caption>Dina massutskick, det senaste först</caption><thead><tr>"
                         "<th scope=\"col\">Mottaget</th><th scope=\"col\">Titel</th><th scope=\"col\">Brev</th>"
                         "<th scope=\"col\">Utfall</th><th scope=\"col\">Tillstånd</th></tr></thead><tbody>");
        size_t i;
        json_t *o;
        json_array_foreach(list, i, o)
        {
            char sid[9], n[24];
            short_id(str(o, "id"), sid);
            snprintf(n, sizeof n, "%ld", num(o, "letters"));
            char when[20];
            srv_html_local_time(json_integer_value(json_object_get(o, "created_ms")), SRV_TIME_DAY_HHMM, when,
                                sizeof when);
            srv_html_raw(&b, "<tr><td>");
            srv_html_esc(&b, when);
            srv_html_raw(&b, "</td><th scope=\"row\"><a href=\"/massutskick/");
            srv_html_esc(&b, str(o, "id"));
            srv_html_raw(&b, "\">");
            srv_html_esc(&b, str(o, "title")[0] ? str(o, "title") : sid);
            srv_html_raw(&b, "</a></th><td>");
            srv_html_esc(&b, n);
            srv_html_raw(&b, "</td><td>");
            srv_html_esc(&b, str(o, "message"));
            srv_html_raw(&b, "</td><td>");
            srv_html_esc(&b, batch_state_sv(str(o, "state")));
            srv_html_raw(&b, "</td></tr>");
        }
        srv_html_raw(&b, "</tbody></table>");
    }
    json_decref(list);
    return srv_web_page(rq, 200, "Massutskick", &b);
}

/* ---- /massutskick/{id} ---- */

static void letter_row(mm_buf *b, const json_t *item)
{
    char seq[24], pages[48];
    snprintf(seq, sizeof seq, "%ld", num(item, "seq"));
    snprintf(pages, sizeof pages, "%ld–%ld (%ld)", num(item, "first_page"), num(item, "last_page"), num(item, "pages"));
    const char *state = str(item, "state");
    srv_html_raw(b, "<tr data-state=\"");
    srv_html_esc(b, state);
    srv_html_raw(b, "\"><th scope=\"row\">");
    srv_html_esc(b, seq);
    srv_html_raw(b, "</th><td>");
    srv_html_esc(b, pages);
    srv_html_raw(b, "</td><td>");
    if (srv_jstate_from_name(state) == SRV_JSTATE_NEEDS_RECIPIENT && str(item, "job_id")[0]) {
        /* Completed one by one on the letter's own page. */
        srv_html_raw(b, "<a href=\"/brev/");
        srv_html_esc(b, str(item, "job_id"));
        srv_html_raw(b, "\">");
        srv_html_esc(b, state_sv(state));
        srv_html_raw(b, "</a>");
    } else {
        srv_html_esc(b, state_sv(state));
    }
    srv_html_raw(b, "</td><td>");
    srv_html_esc(b, channel_sv(str(item, "channel")));
    srv_html_raw(b, "</td><td>");
    srv_html_esc(b, str(item, "recipient_masked")[0] ? str(item, "recipient_masked") : "–");
    srv_html_raw(b, "</td><td>");
    srv_html_esc(b, str(item, "message"));
    srv_html_raw(b, "</td></tr>");
}

static enum MHD_Result not_found(srv_web_req *rq)
{
    return srv_web_message(rq, 404, "Massutskicket finns inte", srv_sv(SRV_SV_WEB_BATCH_NOT_FOUND));
}

/* The report of id into *report, or the answer (404 or 500) into *answer. */
static int find(srv_web_req *rq, const char *id, json_t **report, enum MHD_Result *answer)
{
    int rc = batch_report(rq, id, report);
    if (rc == 1)
        *answer = not_found(rq);
    else if (rc)
        *answer = srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    return rc;
}

enum MHD_Result srv_web_get_batch(srv_web_req *rq, const char *id)
{
    json_t *r = NULL;
    enum MHD_Result answer;
    if (find(rq, id, &r, &answer))
        return answer;
    mm_buf b = MM_BUF_INIT;
    char sid[9], title[64];
    short_id(str(r, "id"), sid);
    snprintf(title, sizeof title, "Massutskick %s", sid);
    srv_html_raw(&b, "<p class=\"sammanfattning\" role=\"status\">");
    srv_html_esc(&b, str(r, "message"));
    srv_html_raw(&b, "</p>");
    if (!strcmp(str(r, "state"), "held")) {
        /* The split itself is in doubt: nothing was sent. */
        srv_html_raw(&b, "<p class=\"varning\">");
        srv_html_esc(&b, str(r, "reason"));
        srv_html_raw(&b, "</p>");
        srv_batch tmp;
        srv_job view;
        int may = srv_api_batch_lookup(rq->s, rq->who, id, &tmp) == SRV_OK;
        if (may) {
            srv_batch_view(&tmp, &view);
            may = srv_may(rq->s, rq->who, SRV_ACT_CANCEL, &view);
        }
        if (may) {
            srv_html_raw(&b, "<form method=\"post\" action=\"/massutskick/");
            srv_html_esc(&b, str(r, "id"));
            srv_html_raw(&b, "/makulera\">");
            srv_web_csrf_field(rq, &b);
            srv_html_raw(&b, "<p>");
            srv_html_esc(&b, srv_sv(SRV_SV_WEB_BATCH_CANCEL_WHAT));
            srv_html_raw(&b, "</p><button type=\"submit\">Makulera massutskicket</button></form>");
        }
    }

    srv_html_raw(&b, "<p>Undantagslistan (brev på papper, brev som inte kunde skickas och brev som väntar): "
                     "<a href=\"/massutskick/");
    srv_html_esc(&b, str(r, "id"));
    srv_html_raw(&b, "/undantag.pdf\">PDF</a>, <a href=\"/massutskick/");
    srv_html_esc(&b, str(r, "id"));
    srv_html_raw(&b, "/undantag.csv\">CSV för Excel</a></p>");
    json_t *items = json_object_get(r, "items");
    srv_html_raw(&b, "<table class=\"lista\"><caption>Breven i massutskicket i ordning</caption><thead><tr>"
                     "<th scope=\"col\">Nr</th><th scope=\"col\">Sidor</th><th scope=\"col\">Tillstånd</th>"
                     "<th scope=\"col\">Kanal</th><th scope=\"col\">Mottagare</th><th scope=\"col\">Meddelande</th>"
                     "</tr></thead><tbody>");
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
        letter_row(&b, item);
    srv_html_raw(&b, "</tbody></table>");
    json_decref(r);
    return srv_web_page(rq, 200, title, &b);
}

/* ---- the exception list ---- */

static const srv_pdf_col ex_cols[] = {
    {"Nr", 30}, {"Sidor", 70}, {"Jobb-id", 70}, {"Tillstånd", 110}, {"Kanal", 60}, {"Mottagare", 100},
    {"Skäl", 330}, /* 770 */
};
#define EX_NCOLS (sizeof ex_cols / sizeof ex_cols[0])

typedef struct {
    const json_t **items;
    size_t n;
    char seq[24], pages[48], id[9];
} ex_rows;

/* The exception list's rows of report r, in seq order (the report's). */
static int ex_collect(const json_t *r, ex_rows *x)
{
    const json_t *items = json_object_get(r, "items");
    memset(x, 0, sizeof *x);
    x->items = calloc(json_array_size(items) + 1, sizeof *x->items);
    if (!x->items)
        return -1;
    size_t i;
    const json_t *item;
    json_array_foreach(items, i, item)
        if (is_exception(item))
            x->items[x->n++] = item;
    return 0;
}

static void ex_cells(ex_rows *x, size_t i, const char **cells)
{
    const json_t *it = x->items[i];
    snprintf(x->seq, sizeof x->seq, "%ld", num(it, "seq"));
    snprintf(x->pages, sizeof x->pages, "%ld–%ld", num(it, "first_page"), num(it, "last_page"));
    short_id(str(it, "job_id"), x->id);
    const char *c[EX_NCOLS] = {x->seq, x->pages, x->id, state_sv(str(it, "state")), channel_sv(str(it, "channel")),
                               str(it, "recipient_masked"), str(it, "message")};
    memcpy(cells, c, sizeof c);
}

static void ex_pdf_row(void *arg, size_t i, const char **cells)
{
    ex_cells(arg, i, cells);
}

static void ex_filename(const json_t *r, const char *ext, char *out, size_t size)
{
    char sid[9];
    short_id(str(r, "id"), sid);
    snprintf(out, size, "undantag-%s.%s", sid, ext);
}

enum MHD_Result srv_web_get_batch_csv(srv_web_req *rq, const char *id)
{
    json_t *r = NULL;
    enum MHD_Result answer;
    if (find(rq, id, &r, &answer))
        return answer;
    ex_rows x;
    if (ex_collect(r, &x)) {
        json_decref(r);
        return MHD_NO;
    }
    mm_buf b = MM_BUF_INIT;
    srv_csv_start(&b);
    static const char *const head[] = {"Massutskick", "Nr", "Första sidan", "Sista sidan", "Jobb-id",
                                       "Tillstånd", "Kanal", "Mottagare", "Skäl"};
    size_t nh = sizeof head / sizeof head[0];
    for (size_t k = 0; k < nh; k++)
        srv_csv_field(&b, head[k], k + 1 == nh);
    for (size_t i = 0; i < x.n; i++) {
        const json_t *it = x.items[i];
        char seq[24], first[24], last[24];
        snprintf(seq, sizeof seq, "%ld", num(it, "seq"));
        snprintf(first, sizeof first, "%ld", num(it, "first_page"));
        snprintf(last, sizeof last, "%ld", num(it, "last_page"));
        const char *row[] = {str(r, "id"), seq, first, last, str(it, "job_id"), state_sv(str(it, "state")),
                             channel_sv(str(it, "channel")), str(it, "recipient_masked"), str(it, "message")};
        for (size_t k = 0; k < nh; k++)
            srv_csv_field(&b, row[k], k + 1 == nh);
    }
    char name[64];
    ex_filename(r, "csv", name, sizeof name);
    free(x.items);
    json_decref(r);
    if (!b.data)
        return MHD_NO;
    return srv_web_send_file(rq, &b, "text/csv; charset=utf-8", name);
}

enum MHD_Result srv_web_get_batch_pdf(srv_web_req *rq, const char *id)
{
    json_t *r = NULL;
    enum MHD_Result answer;
    if (find(rq, id, &r, &answer))
        return answer;
    ex_rows x;
    if (ex_collect(r, &x)) {
        json_decref(r);
        return MHD_NO;
    }
    char intro[2][400], foot[80], sid[9];
    short_id(str(r, "id"), sid);
    snprintf(intro[0], sizeof intro[0], "Massutskick: %s    Utskriven av: %s", str(r, "id"), rq->who->name);
    snprintf(intro[1], sizeof intro[1], "%s", str(r, "message"));
    snprintf(foot, sizeof foot, "Undantagslista massutskick %s", sid);
    const char *lines[2] = {intro[0], intro[1]};
    srv_pdf_table t = {"Undantagslista – Massutskick", lines, 2, ex_cols, EX_NCOLS, foot,
                       srv_sv(SRV_SV_WEB_BATCH_NO_EXCEPTIONS)};
    mm_buf pdf = MM_BUF_INIT;
    int rc = srv_pdf_table_draw(&t, x.n, ex_pdf_row, &x, &pdf);
    char name[64];
    ex_filename(r, "pdf", name, sizeof name);
    free(x.items);
    json_decref(r);
    if (rc) {
        mm_log(MM_LOG_ERROR, "web: a batch's exception list (PDF) could not be drawn");
        mm_buf_free(&pdf);
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
    return srv_web_send_file(rq, &pdf, "application/pdf", name);
}

/* ---- Makulera massutskicket (a held batch) ---- */

enum MHD_Result srv_web_post_batch_cancel(srv_web_req *rq, const char *id)
{
    char to[120];
    switch (srv_api_batch_cancel(rq->s, rq->who, id)) {
    case SRV_OK:
        snprintf(to, sizeof to, "/massutskick/%s", id);
        return srv_web_redirect(rq, to);
    case SRV_NO_SUCH_JOB: return not_found(rq);
    case SRV_NOT_ALLOWED: return srv_web_message(rq, 403, "Du får inte makulera", srv_sv(SRV_SV_MAY_NOT_CANCEL));
    case SRV_WRONG_STATE: return srv_web_message(rq, 409, "Massutskicket är inte stoppat", srv_sv(SRV_SV_BATCH_NOT_HELD));
    default: return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
}
