/* SPDX-License-Identifier: EUPL-1.2 */
/* "Mina brev" (GET /brev, GET /brev.json): every letter the person printed
 * (the jobs whose CUPS user is their login; everyone's for a principal
 * srv_may lets read any job), newest first: when, title, the masked
 * recipient, channel, where it went and its state in Swedish.  Searchable
 * by title (q) and dates (fran, till: YYYY-MM-DD, local time), filtered in
 * the store (srv_store_letters).  /static/mmprint.js polls the JSON and
 * updates the table's rows in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idnum.h"
#include "log.h"
#include "text.h"
#include "web.h"

/* At most this many rows: the newest; a search finds older ones. */
#define LETTERS_MAX 200

typedef struct {
    char id[37];
    char nar[20];
    char titel[512];
    char mottagare[20];
    const char *kanal;
    char vart[128];
    const char *tillstand;
    const char *state;
} letter_row;

typedef struct {
    srv_web_req *rq;
    letter_row *rows;
    size_t n;
} letters;

static const char *state_sv(srv_jstate st)
{
    static const srv_text sv[SRV_JSTATE_COUNT] = {
        [SRV_JSTATE_QUEUED] = SRV_SV_STATE_SENDING,          [SRV_JSTATE_NEEDS_RECIPIENT] = SRV_SV_STATE_NEEDS_RECIPIENT,
        [SRV_JSTATE_SENDING] = SRV_SV_STATE_SENDING,         [SRV_JSTATE_PRINTING] = SRV_SV_STATE_PRINTING,
        [SRV_JSTATE_DELIVERED] = SRV_SV_STATE_DELIVERED,     [SRV_JSTATE_PRINTED] = SRV_SV_STATE_PRINTED,
        [SRV_JSTATE_POSTED] = SRV_SV_STATE_POSTED,
        [SRV_JSTATE_RETURNED] = SRV_SV_STATE_RETURNED,       [SRV_JSTATE_FAILED] = SRV_SV_STATE_FAILED,
        [SRV_JSTATE_CANCELLED] = SRV_SV_STATE_CANCELLED,     [SRV_JSTATE_EXPIRED] = SRV_SV_STATE_EXPIRED,
    };
    return st > SRV_JSTATE_NONE && st < SRV_JSTATE_COUNT ? srv_sv(sv[st]) : "";
}

static void add_row(const srv_job *j, void *arg)
{
    letters *l = arg;
    /* The one place decides, row by row, as every list does. */
    if (l->n >= LETTERS_MAX || !srv_may(l->rq->s, l->rq->who, SRV_ACT_READ, j))
        return;
    letter_row *r = &l->rows[l->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", j->id);
    srv_html_local_time(j->created_ms, SRV_TIME_DAY_HHMM, r->nar, sizeof r->nar);
    snprintf(r->titel, sizeof r->titel, "%s", j->title[0] ? j->title : "(utan titel)");
    /* A title may name a personnummer too: masked like every other text. */
    mm_log_mask_text(r->titel);
    char mask[16] = "";
    if (j->recipient[0])
        mm_idnum_mask(j->recipient, mask);
    snprintf(r->mottagare, sizeof r->mottagare, "%s", mask);
    r->kanal = !strcmp(j->channel, "digital") ? srv_sv(SRV_SV_CHANNEL_DIGITAL)
               : !strcmp(j->channel, "paper") ? srv_sv(SRV_SV_CHANNEL_PAPER)
                                              : "";
    if (!strcmp(j->channel, "digital"))
        snprintf(r->vart, sizeof r->vart, "%s", j->operator_name);
    else if (!strcmp(j->channel, "paper"))
        snprintf(r->vart, sizeof r->vart, "%s", j->printer[0] ? j->printer : l->rq->s->conf.printer_name);
    r->tillstand = state_sv(j->state);
    r->state = srv_jstate_name(j->state);
}

typedef struct {
    const char *q, *fran, *till;
    int bad_date;
} search;

static void read_search(srv_web_req *rq, search *f, int64_t *from, int64_t *to)
{
    f->q = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "q");
    f->fran = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "fran");
    f->till = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "till");
    f->q = f->q && f->q[0] && strlen(f->q) < 200 ? f->q : NULL;
    *from = 0;
    *to = 0;
    f->bad_date = (f->fran && f->fran[0] && mm_text_day(f->fran, 0, from)) || (f->till && f->till[0] && mm_text_day(f->till, 1, to));
}

/* The rows of the request's search into *l: 0, or -1 (database). */
static int find(srv_web_req *rq, letters *l, search *f)
{
    int64_t from, to;
    read_search(rq, f, &from, &to);
    l->rq = rq;
    l->n = 0;
    if (!(l->rows = calloc(LETTERS_MAX, sizeof *l->rows)))
        return -1;
    if (f->bad_date)
        return 0;
    /* A principal that may read any job sees everyone's letters. */
    const char *user = srv_may(rq->s, rq->who, SRV_ACT_READ, NULL) ? NULL : rq->who->name;
    mm_error err;
    if (srv_store_letters(rq->s->store, user, f->q, from, to, LETTERS_MAX, add_row, l, &err)) {
        mm_log(MM_LOG_ERROR, "web: listing the letters of %s: %s", rq->who->actor, err.msg);
        return -1;
    }
    return 0;
}

static void cell(mm_buf *b, const char *cls, const char *text)
{
    srv_html_raw(b, "<td class=\"");
    srv_html_raw(b, cls);
    srv_html_raw(b, "\">");
    srv_html_esc(b, text);
    srv_html_raw(b, "</td>");
}

static void input(mm_buf *b, const char *id, const char *label, const char *type, const char *value, const char *hint)
{
    srv_html_raw(b, "<p><label for=\"");
    srv_html_raw(b, id);
    srv_html_raw(b, "\">");
    srv_html_esc(b, label);
    srv_html_raw(b, "</label>\n<input id=\"");
    srv_html_raw(b, id);
    srv_html_raw(b, "\" name=\"");
    srv_html_raw(b, id);
    srv_html_raw(b, "\" type=\"");
    srv_html_raw(b, type);
    srv_html_raw(b, "\" value=\"");
    srv_html_esc(b, value ? value : "");
    srv_html_raw(b, "\"");
    if (hint) {
        srv_html_raw(b, " placeholder=\"");
        srv_html_esc(b, hint);
        srv_html_raw(b, "\"");
    }
    srv_html_raw(b, "></p>\n");
}

/* The page of l's rows, with the search form of f. */
static enum MHD_Result page(srv_web_req *rq, const letters *l, const search *f)
{
    mm_buf b = MM_BUF_INIT;
    srv_html_raw(&b, "<form method=\"get\" action=\"/brev\" class=\"sok\" role=\"search\" aria-label=\"Sök brev\">\n");
    input(&b, "q", "Titel innehåller", "search", f->q, NULL);
    input(&b, "fran", "Från och med datum", "date", f->fran, "ÅÅÅÅ-MM-DD");
    input(&b, "till", "Till och med datum", "date", f->till, "ÅÅÅÅ-MM-DD");
    srv_html_raw(&b, "<p><button type=\"submit\">Sök</button></p>\n</form>\n");
    if (f->bad_date) {
        srv_html_raw(&b, "<p id=\"fel\" role=\"alert\" class=\"fel\">");
        srv_html_esc(&b, srv_sv(SRV_SV_WEB_BAD_DATE));
        srv_html_raw(&b, "</p>\n");
    }
    /* What the script says when a row changes (polite: never interrupts). */
    srv_html_raw(&b, "<p id=\"andringar\" class=\"visuellt-dold\" aria-live=\"polite\"></p>\n");
    srv_html_raw(&b, "<table id=\"brev\" data-json=\"/brev.json\">\n<caption>Dina utskrivna brev, det senaste först"
                     "</caption>\n<thead><tr><th scope=\"col\">När</th><th scope=\"col\">Titel</th>"
                     "<th scope=\"col\">Mottagare</th><th scope=\"col\">Kanal</th><th scope=\"col\">Vart</th>"
                     "<th scope=\"col\">Tillstånd</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < l->n; i++) {
        const letter_row *r = &l->rows[i];
        srv_html_raw(&b, "<tr data-id=\"");
        srv_html_esc(&b, r->id);
        srv_html_raw(&b, "\" data-state=\"");
        srv_html_esc(&b, r->state);
        srv_html_raw(&b, "\">");
        cell(&b, "nar", r->nar);
        cell(&b, "titel", r->titel);
        cell(&b, "mottagare", r->mottagare);
        cell(&b, "kanal", r->kanal);
        cell(&b, "vart", r->vart);
        cell(&b, "tillstand", r->tillstand);
        srv_html_raw(&b, "</tr>\n");
    }
    srv_html_raw(&b, "</tbody>\n</table>\n");
    srv_html_raw(&b, l->n ? "<p id=\"inga-brev\" hidden>" : "<p id=\"inga-brev\">");
    srv_html_esc(&b, srv_sv(SRV_SV_WEB_NO_LETTERS));
    srv_html_raw(&b, "</p>\n");
    return srv_web_page(rq, 200, "Mina brev", &b);
}


/* The JSON of l's rows. */
static enum MHD_Result json(srv_web_req *rq, const letters *l, const search *f)
{
    if (f->bad_date) {
        return srv_web_json(rq, 400, json_pack("{s:s, s:s}", "error", "bad-date", "message", srv_sv(SRV_SV_WEB_BAD_DATE)));
    }
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) {
        const letter_row *r = &l->rows[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", r->id, "nar", r->nar, "titel",
                                           r->titel, "mottagare", r->mottagare, "kanal", r->kanal, "vart", r->vart,
                                           "tillstand", r->tillstand, "state", r->state));
    }
    return srv_web_json(rq, 200, json_pack("{s:o}", "brev", a ? a : json_array()));
}

/* Both answers of "Mina brev": the rows found, as a page or as JSON. */
static enum MHD_Result answer(srv_web_req *rq, int as_json)
{
    letters l;
    search f;
    enum MHD_Result r;
    if (find(rq, &l, &f))
        r = as_json ? srv_web_json(rq, 500, json_pack("{s:s, s:s}", "error", "internal", "message", srv_sv(SRV_SV_INTERNAL)))
                    : srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    else
        r = as_json ? json(rq, &l, &f) : page(rq, &l, &f);
    free(l.rows);
    return r;
}

enum MHD_Result srv_web_get_letters(srv_web_req *rq, const char *arg)
{
    (void)arg;
    return answer(rq, 0);
}

enum MHD_Result srv_web_get_letters_json(srv_web_req *rq, const char *arg)
{
    (void)arg;
    return answer(rq, 1);
}
