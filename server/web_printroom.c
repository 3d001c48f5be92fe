/* SPDX-License-Identifier: EUPL-1.2 */
/* "Utskriftsrummet" (issue 12, the paper leg): the print room's page for
 * role utskrift (and admin persons).  One day's paper letters
 * (/utskrift?dag=YYYY-MM-DD&rum=NAME&ordning=postklass) in print order or
 * by postal class, with what the separator page says of each, its state
 * and sheets; counts at the top; "Markera som postad" per printed letter
 * and for the whole day; "Skriv ut igen" for a failed letter still kept;
 * and the day's list to print (dagslista.pdf, drawn with cairo) or to open
 * in Excel (dagslista.csv).
 *
 * Data minimisation: the print room handles the envelopes, not the cases.
 * The page and the lists show only what the separator page already shows
 * on paper (handläggare, job, CUPS job, förvaltning, postal class, why
 * paper) and never the recipient's number, the title or anything of the
 * letter's content: the address is on the letter itself, and a list that
 * is printed and left on a desk must not become a register of who gets
 * which decision.  Free texts from workstations pass mm_log_mask_text so a
 * personnummer typed into one cannot reach a list either.
 *
 * Every action is the API's function (srv_api_post, srv_api_post_day,
 * srv_api_resolve "reprint"), so srv_may decides per letter and the journal
 * names the person (person:LOGIN).  The forms work without script and
 * answer with a redirect back to the same day (PRG) and a status line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "printroom.h"
#include "store.h"
#include "web.h"
#include "web_export.h"

/* At most this many letters in one day's list (one room's day is far
 * fewer: the list says when it was cut). */
#define ROWS_MAX 2000

/* ---- one day's letters ---- */

/* What the page and the lists show of a letter: the separator page's
 * data, never the recipient or the title. */
typedef struct {
    char id[37];
    char user[128];
    char cups_job_id[32];
    char department[128];
    char room[128];
    char postal_class[16];
    char reason[200];
    srv_jstate state;
    int sheets;
    int64_t decided_ms, posted_ms;
    char posted_by[256];
    int kept;        /* a failed letter whose document is still stored */
    int resolved;    /* a failed letter someone took care of ("Att hantera") */
    size_t order;    /* its place in print order (from 1) */
    char batch_id[37]; /* a batch's letter (issue 13): its batch, printed as one group */
    int batch_seq;
} pr_row;

/* The day, room and order asked for. */
typedef struct {
    char dag[11];       /* YYYY-MM-DD, local time */
    int64_t from_ms, to_ms;
    const char *room;   /* NULL every room; else one of srv_room_name's */
    int by_class;       /* ordning=postklass */
    int bad_date, bad_room;
} pr_query;

typedef struct {
    srv_web_req *rq;
    pr_row *rows;
    size_t n;
} pr_list;

/* The postal classes in the order the list sorts them (as the API's
 * order=postal): registered letters first, they go over the counter;
 * then A-post, then B-post. */
static const struct {
    const char *key, *label;
} classes[] = {
    {"rekommenderat", "Rekommenderat"},
    {"a-post", "A-post"},
    {"b-post", "B-post"},
};
#define NCLASS (sizeof classes / sizeof classes[0])

static size_t class_index(const char *key)
{
    for (size_t i = 0; i < NCLASS; i++)
        if (!strcmp(key, classes[i].key))
            return i;
    return NCLASS; /* unknown: last */
}

static const char *class_label(const char *key)
{
    size_t i = class_index(key);
    return i < NCLASS ? classes[i].label : key[0] ? key : "-";
}

static const char *state_sv(srv_jstate st)
{
    static const srv_text sv[SRV_JSTATE_COUNT] = {
        [SRV_JSTATE_QUEUED] = SRV_SV_STATE_PRINTING,        [SRV_JSTATE_PRINTING] = SRV_SV_STATE_PRINTING,
        [SRV_JSTATE_PRINTED] = SRV_SV_STATE_PRINTED,        [SRV_JSTATE_POSTED] = SRV_SV_STATE_POSTED,
        [SRV_JSTATE_FAILED] = SRV_SV_STATE_FAILED,          [SRV_JSTATE_CANCELLED] = SRV_SV_STATE_CANCELLED,
        [SRV_JSTATE_EXPIRED] = SRV_SV_STATE_EXPIRED,        [SRV_JSTATE_RETURNED] = SRV_SV_STATE_RETURNED,
        [SRV_JSTATE_DELIVERED] = SRV_SV_STATE_DELIVERED,    [SRV_JSTATE_SENDING] = SRV_SV_STATE_SENDING,
        [SRV_JSTATE_NEEDS_RECIPIENT] = SRV_SV_STATE_NEEDS_RECIPIENT,
    };
    return st > SRV_JSTATE_NONE && st < SRV_JSTATE_COUNT ? srv_sv(sv[st]) : "";
}

/* The row's state in Swedish; a failed letter someone took care of says so. */
static const char *row_state(const pr_row *r, char *out, size_t size)
{
    if (!r->resolved)
        return state_sv(r->state);
    snprintf(out, size, "%s (%s)", state_sv(r->state), srv_sv(SRV_SV_WEB_PR_RESOLVED));
    return out;
}

static void copy_masked(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s", text);
    mm_log_mask_text(out);
}

static void add_row(const srv_job *j, void *arg)
{
    pr_list *l = arg;
    /* The one place decides, row by row, as every list does. */
    if (l->n >= ROWS_MAX || !srv_may(l->rq->s, l->rq->who, SRV_ACT_READ, j))
        return;
    pr_row *r = &l->rows[l->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", j->id);
    copy_masked(r->user, sizeof r->user, j->user[0] ? j->user : "-");
    copy_masked(r->cups_job_id, sizeof r->cups_job_id, j->cups_job_id[0] ? j->cups_job_id : "-");
    copy_masked(r->department, sizeof r->department, j->department[0] ? j->department : "-");
    copy_masked(r->room, sizeof r->room, j->printer[0] ? j->printer : l->rq->s->conf.printer_name);
    snprintf(r->postal_class, sizeof r->postal_class, "%s", j->postal_class);
    copy_masked(r->reason, sizeof r->reason, j->reason_sv[0] ? j->reason_sv : srv_sv(SRV_SV_PAPER_ASKED));
    r->state = j->state;
    r->sheets = j->sheets;
    r->decided_ms = j->decided_ms ? j->decided_ms : j->created_ms;
    r->posted_ms = j->posted_ms;
    copy_masked(r->posted_by, sizeof r->posted_by, j->posted_by);
    r->kept = j->state == SRV_JSTATE_FAILED && srv_job_is_exception(j) && !j->purged;
    r->resolved = j->resolved_ms != 0;
    r->order = l->n;
    snprintf(r->batch_id, sizeof r->batch_id, "%s", j->batch_id);
    r->batch_seq = j->batch_seq;
}

/* A batch's letters as one group where its first letter is, in seq order
 * (issue 13): the printer got them so, behind one cover sheet
 * (printroom.h), whenever each was decided.  The places are renumbered.
 * 0, or -1 out of memory (the list stays as it was). */
static int group_batches(pr_list *l)
{
    pr_row *out = calloc(l->n + 1, sizeof *out);
    char *placed = calloc(l->n + 1, 1);
    if (!out || !placed) {
        free(out);
        free(placed);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (placed[i])
            continue;
        if (!l->rows[i].batch_id[0]) {
            out[k++] = l->rows[i];
            placed[i] = 1;
            continue;
        }
        /* The batch's rows, by seq (a selection: few letters a day). */
        for (;;) {
            size_t best = l->n;
            for (size_t m = i; m < l->n; m++)
                if (!placed[m] && !strcmp(l->rows[m].batch_id, l->rows[i].batch_id) &&
                    (best == l->n || l->rows[m].batch_seq < l->rows[best].batch_seq))
                    best = m;
            if (best == l->n)
                break;
            out[k++] = l->rows[best];
            placed[best] = 1;
        }
    }
    for (size_t i = 0; i < k; i++)
        out[i].order = i + 1;
    memcpy(l->rows, out, k * sizeof *out);
    free(out);
    free(placed);
    return 0;
}

/* The letters of batch_id in l from row i on (they are together). */
static size_t batch_run(const pr_list *l, size_t i)
{
    size_t n = 0;
    while (i + n < l->n && !strcmp(l->rows[i + n].batch_id, l->rows[i].batch_id))
        n++;
    return n;
}

static int by_class_cmp(const void *a, const void *b)
{
    const pr_row *x = a, *y = b;
    size_t cx = class_index(x->postal_class), cy = class_index(y->postal_class);
    if (cx != cy)
        return cx < cy ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order; /* print order within a class */
}

/* The day plus_days after dag, as YYYY-MM-DD. */
static void day_after(const char *dag, int plus_days, char out[11])
{
    int64_t ms;
    out[0] = 0;
    if (mm_text_day(dag, plus_days, &ms))
        return;
    srv_html_local_time(ms, SRV_TIME_DAY, out, 11);
}


/* The sheets of a letter, none when the printer has not said. */
static void sheets_text(int sheets, const char *none, char *out, size_t size)
{
    if (sheets > 0)
        snprintf(out, size, "%d", sheets);
    else
        snprintf(out, size, "%s", none);
}

/* The query of dag, rum and ordning (from the URL or a form; NULL absent). */
static void read_query(srv_web_req *rq, const char *dag, const char *rum, const char *ordning, pr_query *q)
{
    memset(q, 0, sizeof *q);
    if (dag && dag[0] && !srv_printroom_day(dag, &q->from_ms, &q->to_ms)) {
        /* Written anew, never echoed: it goes into links and file names. */
        srv_html_local_time(q->from_ms, SRV_TIME_DAY, q->dag, sizeof q->dag);
    } else {
        q->bad_date = dag && dag[0];
        srv_html_local_time(srv_now_ms(), SRV_TIME_DAY, q->dag, sizeof q->dag);
        srv_printroom_day(q->dag, &q->from_ms, &q->to_ms);
    }
    /* Only a room the server has: its name then comes from the
     * configuration, never from the request. */
    if (rum && rum[0]) {
        long i = srv_room_find(rq->s, rum);
        q->room = i >= 0 ? srv_room_name(rq->s, (size_t)i) : NULL;
        q->bad_room = !q->room;
    }
    q->by_class = ordning && !strcmp(ordning, "postklass");
}

static const char *arg_of(srv_web_req *rq, const char *name)
{
    const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
    return v && strlen(v) < 256 ? v : NULL;
}

static void query_from_url(srv_web_req *rq, pr_query *q)
{
    read_query(rq, arg_of(rq, "dag"), arg_of(rq, "rum"), arg_of(rq, "ordning"), q);
}

static void query_from_form(srv_web_req *rq, pr_query *q)
{
    char dag[16], rum[256], ordning[16];
    srv_web_form(rq, "dag", dag, sizeof dag);
    srv_web_form(rq, "rum", rum, sizeof rum);
    srv_web_form(rq, "ordning", ordning, sizeof ordning);
    read_query(rq, dag, rum, ordning, q);
}

/* One open exception: a failed letter of the list whose document is gone
 * (exception_retention purged it; jobs.purged is the other retention's)
 * offers no reprint. */
static void gone_row(const srv_job *j, int kept, void *arg)
{
    pr_list *l = arg;
    if (kept)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (l->rows[i].kept && !strcmp(l->rows[i].id, j->id))
            l->rows[i].kept = 0;
}

/* Clears kept of the rows of l whose letter is no longer stored, from the
 * exception list (which knows): 0, or -1 with err (kept left as it was:
 * the reprint itself then says the letter is gone). */
static int mark_gone(pr_list *l, mm_error *err)
{
    size_t failed = 0;
    for (size_t i = 0; i < l->n; i++)
        failed += l->rows[i].kept;
    return failed ? srv_store_exceptions(l->rq->s->store, NULL, ROWS_MAX, gone_row, l, err) : 0;
}

/* The day's letters of q into *l (print order, or by class): 0, or -1
 * (the store; logged).  l->rows is the caller's to free. */
static int find(srv_web_req *rq, const pr_query *q, pr_list *l)
{
    l->rq = rq;
    l->n = 0;
    if (!(l->rows = calloc(ROWS_MAX, sizeof *l->rows)))
        return -1;
    mm_error err;
    mm_error_clear(&err);
    if (srv_store_printroom(rq->s->store, q->room, q->from_ms, q->to_ms, ROWS_MAX, add_row, l, &err)) {
        mm_log(MM_LOG_ERROR, "web: listing the print room's letters for %s: %s", rq->who->actor, err.msg);
        return -1;
    }
    if (l->n && mark_gone(l, &err))
        mm_log(MM_LOG_WARN, "web: which failed letters are still stored cannot be read: %s", err.msg);
    if (group_batches(l))
        mm_log(MM_LOG_WARN, "web: out of memory grouping the print room's batches");
    if (q->by_class)
        qsort(l->rows, l->n, sizeof *l->rows, by_class_cmp);
    return 0;
}

/* How many rows of l are in state st (SRV_JSTATE_NONE: all; failed: those
 * nobody has taken care of), of class c (NULL: any). */
static size_t count(const pr_list *l, srv_jstate st, const char *c)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        srv_jstate s = l->rows[i].state;
        if (st == SRV_JSTATE_PRINTING ? s != SRV_JSTATE_PRINTING && s != SRV_JSTATE_QUEUED
                                      : st != SRV_JSTATE_NONE && s != st)
            continue;
        if (c && class_index(l->rows[i].postal_class) != class_index(c))
            continue;
        if (st == SRV_JSTATE_FAILED && l->rows[i].resolved)
            continue;
        n++;
    }
    return n;
}

/* ---- URLs ---- */

static void url_enc(mm_buf *b, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
            mm_buf_append(b, p, 1);
        else
            mm_buf_printf(b, "%%%02X", *p);
    }
}

/* "/utskrift?dag=D[&rum=R][&ordning=postklass]" for day dag (NULL: q's),
 * then extra ("&klart=..." or ""), into b; sep "&" for a Location,
 * "&amp;" inside HTML. */
static void page_url(mm_buf *b, const pr_query *q, const char *dag, const char *sep, const char *extra)
{
    mm_buf_printf(b, "/utskrift?dag=%s", dag ? dag : q->dag);
    if (q->room) {
        mm_buf_printf(b, "%srum=", sep);
        url_enc(b, q->room);
    }
    if (q->by_class)
        mm_buf_printf(b, "%sordning=postklass", sep);
    if (extra)
        mm_buf_puts(b, extra);
}

/* The lists' URL (dagslista.pdf, .csv) for q, HTML-escaped: in the
 * page's order too, so the printed list is the list on the screen. */
static void list_url(mm_buf *b, const pr_query *q, const char *what)
{
    mm_buf_printf(b, "/utskrift/dagslista.%s?dag=%s", what, q->dag);
    if (q->room) {
        mm_buf_puts(b, "&amp;rum=");
        url_enc(b, q->room);
    }
    if (q->by_class)
        mm_buf_puts(b, "&amp;ordning=postklass");
}

/* ---- the page ---- */

static void hidden_query(mm_buf *b, const pr_query *q)
{
    mm_buf_printf(b, "<input type=\"hidden\" name=\"dag\" value=\"%s\">", q->dag);
    if (q->room) {
        srv_html_raw(b, "<input type=\"hidden\" name=\"rum\" value=\"");
        srv_html_esc(b, q->room);
        srv_html_raw(b, "\">");
    }
    if (q->by_class)
        srv_html_raw(b, "<input type=\"hidden\" name=\"ordning\" value=\"postklass\">");
}

/* A one-button form posting to /utskrift/{id}/what, back to q's page; the
 * button names the job for a screen reader, whose list of buttons would
 * otherwise be the same words again and again. */
static void row_button(srv_web_req *rq, mm_buf *b, const pr_query *q, const pr_row *r, const char *what,
                       const char *label)
{
    mm_buf_printf(b, "<form method=\"post\" action=\"/utskrift/%s/%s\" class=\"knapp\">", r->id, what);
    srv_web_csrf_field(rq, b);
    hidden_query(b, q);
    srv_html_raw(b, "<button type=\"submit\">");
    srv_html_esc(b, label);
    mm_buf_printf(b, "<span class=\"visuellt-dold\"> (jobb %.8s)</span></button></form>", r->id);
}

static void cell(mm_buf *b, const char *cls, const char *text)
{
    mm_buf_printf(b, "<td class=\"%s\">", cls);
    srv_html_esc(b, text);
    srv_html_raw(b, "</td>");
}

static void option(mm_buf *b, const char *value, const char *label, int selected)
{
    srv_html_raw(b, "<option value=\"");
    srv_html_esc(b, value);
    srv_html_raw(b, selected ? "\" selected>" : "\">");
    srv_html_esc(b, label);
    srv_html_raw(b, "</option>");
}

static void choose_form(srv_web_req *rq, mm_buf *b, const pr_query *q)
{
    char prev[11], next[11], today[11];
    day_after(q->dag, -1, prev);
    day_after(q->dag, 1, next);
    srv_html_local_time(srv_now_ms(), SRV_TIME_DAY, today, sizeof today);
    srv_html_raw(b, "<nav aria-label=\"Dagar\" class=\"dagar\"><ul>\n<li><a id=\"foregaende\" href=\"");
    page_url(b, q, prev, "&amp;", NULL);
    mm_buf_printf(b, "\">Föregående dag (%s)</a></li>\n", prev);
    if (strcmp(q->dag, today)) {
        srv_html_raw(b, "<li><a id=\"idag\" href=\"");
        page_url(b, q, today, "&amp;", NULL);
        srv_html_raw(b, "\">I dag</a></li>\n");
    }
    srv_html_raw(b, "<li><a id=\"nasta\" href=\"");
    page_url(b, q, next, "&amp;", NULL);
    mm_buf_printf(b, "\">Nästa dag (%s)</a></li>\n</ul></nav>\n", next);

    srv_html_raw(b, "<form method=\"get\" action=\"/utskrift\" class=\"sok\" aria-label=\"Välj dag\">\n"
                    "<p><label for=\"dag\">Dag</label>\n<input id=\"dag\" name=\"dag\" type=\"date\" value=\"");
    srv_html_esc(b, q->dag);
    srv_html_raw(b, "\"></p>\n");
    size_t rooms = srv_rooms_count(rq->s);
    if (rooms > 1) {
        srv_html_raw(b, "<p><label for=\"rum\">Utskriftsrum</label>\n<select id=\"rum\" name=\"rum\">");
        option(b, "", "Alla rum", !q->room);
        for (size_t i = 0; i < rooms; i++)
            option(b, srv_room_name(rq->s, i), srv_room_name(rq->s, i),
                   q->room && !strcmp(q->room, srv_room_name(rq->s, i)));
        srv_html_raw(b, "</select></p>\n");
    }
    srv_html_raw(b, "<p><label for=\"ordning\">Ordning</label>\n<select id=\"ordning\" name=\"ordning\">");
    option(b, "", "Utskriftsordning", !q->by_class);
    option(b, "postklass", "Postklass (Rekommenderat, A-post, B-post)", q->by_class);
    srv_html_raw(b, "</select></p>\n<p><button type=\"submit\">Visa</button></p>\n</form>\n");
}

static void summary(mm_buf *b, const pr_list *l, const pr_query *q)
{
    mm_buf_printf(b, "<ul id=\"antal\" class=\"antal\">\n"
                     "<li><span class=\"tal\" id=\"att-posta\">%zu</span> att posta</li>\n"
                     "<li><span class=\"tal\" id=\"postade\">%zu</span> postade</li>\n"
                     "<li><span class=\"tal\" id=\"misslyckade\">%zu</span> misslyckade</li>\n"
                     "<li><span class=\"tal\" id=\"skrivs-ut\">%zu</span> skrivs ut</li>\n</ul>\n",
                  count(l, SRV_JSTATE_PRINTED, NULL), count(l, SRV_JSTATE_POSTED, NULL),
                  count(l, SRV_JSTATE_FAILED, NULL), count(l, SRV_JSTATE_PRINTING, NULL));
    mm_buf_printf(b, "<table id=\"postklasser\" class=\"kompakt\">\n<caption>Brev per postklass %s</caption>\n"
                     "<thead><tr><th scope=\"col\">Postklass</th><th scope=\"col\">Brev</th>"
                     "<th scope=\"col\">Att posta</th><th scope=\"col\">Postade</th></tr></thead>\n<tbody>\n",
                  q->dag);
    for (size_t i = 0; i < NCLASS; i++)
        mm_buf_printf(b, "<tr data-class=\"%s\"><th scope=\"row\">%s</th><td>%zu</td><td>%zu</td><td>%zu</td></tr>\n",
                      classes[i].key, classes[i].label, count(l, SRV_JSTATE_NONE, classes[i].key),
                      count(l, SRV_JSTATE_PRINTED, classes[i].key), count(l, SRV_JSTATE_POSTED, classes[i].key));
    srv_html_raw(b, "</tbody>\n</table>\n");
}

static void letter_rows(srv_web_req *rq, mm_buf *b, const pr_list *l, const pr_query *q, int show_room)
{
    mm_buf_printf(b, "<table id=\"utskrifter\">\n<caption>Brev på papper %s, %s</caption>\n<thead><tr>"
                     "<th scope=\"col\">Nr</th><th scope=\"col\">Jobb-id</th><th scope=\"col\">Till utskrift</th>"
                     "<th scope=\"col\">Handläggare</th><th scope=\"col\">CUPS-jobb</th>"
                     "<th scope=\"col\">Förvaltning</th>%s<th scope=\"col\">Postklass</th>"
                     "<th scope=\"col\">Varför papper</th><th scope=\"col\">Tillstånd</th>"
                     "<th scope=\"col\">Ark</th><th scope=\"col\">Åtgärd</th></tr></thead>\n<tbody>\n",
                  q->dag, q->by_class ? "efter postklass" : "i utskriftsordning",
                  show_room ? "<th scope=\"col\">Rum</th>" : "");
    int cols = show_room ? 12 : 11;
    for (size_t i = 0; i < l->n; i++) {
        const pr_row *r = &l->rows[i];
        char t[8], sheets[16], nr[24], state[80];
        if (!q->by_class && r->batch_id[0] && (i == 0 || strcmp(l->rows[i - 1].batch_id, r->batch_id))) {
            /* A batch's group: its heading as the row before its letters. */
            char head[300];
            snprintf(head, sizeof head, "Massutskick %.8s: %zu brev, handläggare %s", r->batch_id, batch_run(l, i),
                     r->user);
            mm_buf_printf(b, "<tr class=\"massutskick\" data-batch=\"%s\"><th scope=\"rowgroup\" colspan=\"%d\">",
                          r->batch_id, cols);
            srv_html_esc(b, head);
            srv_html_raw(b, "</th></tr>\n");
        }
        srv_html_local_time(r->decided_ms, SRV_TIME_HHMM, t, sizeof t);
        sheets_text(r->sheets, "–", sheets, sizeof sheets);
        snprintf(nr, sizeof nr, "%zu", r->order);
        mm_buf_printf(b, "<tr data-id=\"%s\" data-state=\"%s\" data-class=\"", r->id, srv_jstate_name(r->state));
        srv_html_esc(b, r->postal_class);
        srv_html_raw(b, "\">");
        cell(b, "nr", nr);
        mm_buf_printf(b, "<th scope=\"row\" class=\"jobb\"><abbr title=\"%s\">%.8s</abbr></th>", r->id, r->id);
        cell(b, "nar", t);
        cell(b, "handlaggare", r->user);
        cell(b, "cups", r->cups_job_id);
        cell(b, "forvaltning", r->department);
        if (show_room)
            cell(b, "rum", r->room);
        cell(b, "postklass", class_label(r->postal_class));
        cell(b, "varfor", r->reason);
        cell(b, "tillstand", row_state(r, state, sizeof state));
        cell(b, "ark", sheets);
        srv_html_raw(b, "<td class=\"atgard\">");
        if (r->state == SRV_JSTATE_PRINTED)
            row_button(rq, b, q, r, "postad", "Markera som postad");
        else if (r->state == SRV_JSTATE_FAILED && r->kept)
            row_button(rq, b, q, r, "skriv-ut-igen", "Skriv ut igen");
        else if (r->state == SRV_JSTATE_FAILED && !r->resolved)
            srv_html_esc(b, srv_sv(SRV_SV_WEB_PR_NOT_KEPT));
        srv_html_raw(b, "</td></tr>\n");
    }
    srv_html_raw(b, "</tbody>\n</table>\n");
}

/* The page of q's day, with a status line (notice, NULL none; alert:
 * it says what went wrong). */
static enum MHD_Result page(srv_web_req *rq, unsigned status, const pr_query *q, const char *notice, int alert)
{
    pr_list l;
    if (find(rq, q, &l)) {
        free(l.rows);
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
    mm_buf b = MM_BUF_INIT;
    if (q->bad_date || q->bad_room) {
        status = 400;
        srv_html_raw(&b, "<p id=\"fel\" class=\"fel\" role=\"alert\">");
        srv_html_esc(&b, srv_sv(q->bad_date ? SRV_SV_WEB_BAD_DATE : SRV_SV_WEB_PR_BAD_ROOM));
        srv_html_raw(&b, "</p>\n");
    } else if (notice) {
        srv_html_raw(&b, alert ? "<p id=\"fel\" class=\"fel\" role=\"alert\">"
                               : "<p id=\"klart\" class=\"info\" role=\"status\">");
        srv_html_esc(&b, notice);
        srv_html_raw(&b, "</p>\n");
    }
    choose_form(rq, &b, q);
    summary(&b, &l, q);
    srv_html_raw(&b, "<ul class=\"listor\">\n<li><a id=\"dagslista-pdf\" href=\"");
    list_url(&b, q, "pdf");
    srv_html_raw(&b, "\">Dagslista att skriva ut (PDF)</a></li>\n<li><a id=\"dagslista-csv\" href=\"");
    list_url(&b, q, "csv");
    srv_html_raw(&b, "\">Dagslista för Excel (CSV)</a></li>\n</ul>\n");
    size_t to_post = count(&l, SRV_JSTATE_PRINTED, NULL);
    if (to_post) {
        srv_html_raw(&b, "<form method=\"post\" action=\"/utskrift/postad\" id=\"posta-alla\">");
        srv_web_csrf_field(rq, &b);
        hidden_query(&b, q);
        mm_buf_printf(&b, "<p><button type=\"submit\">Markera alla utskrivna som postade (%zu)</button></p></form>\n",
                      to_post);
    }
    letter_rows(rq, &b, &l, q, srv_rooms_count(rq->s) > 1 && !q->room);
    if (!l.n) {
        srv_html_raw(&b, "<p id=\"inga-brev\">");
        srv_html_esc(&b, srv_sv(SRV_SV_WEB_PR_NONE));
        srv_html_raw(&b, "</p>\n");
    } else if (l.n >= ROWS_MAX) {
        mm_buf_printf(&b, "<p class=\"info\">Listan visar de första %d breven.</p>\n", ROWS_MAX);
    }
    free(l.rows);
    return srv_web_page(rq, status, "Utskriftsrummet", &b);
}

/* The status line of a redirect after an action (?klart=...&antal=N). */
static const char *done_text(srv_web_req *rq, char *out, size_t size)
{
    const char *k = arg_of(rq, "klart");
    if (!k)
        return NULL;
    if (!strcmp(k, "postad"))
        return srv_sv(SRV_SV_WEB_PR_POSTED_ONE);
    if (!strcmp(k, "omskrivet"))
        return srv_sv(SRV_SV_WEB_PR_REPRINTED);
    if (!strcmp(k, "postade")) {
        const char *a = arg_of(rq, "antal");
        long n = a ? strtol(a, NULL, 10) : 0;
        if (n <= 0)
            return srv_sv(SRV_SV_WEB_PR_POSTED_NONE);
        if (n == 1)
            return srv_sv(SRV_SV_WEB_PR_POSTED_ONE);
        snprintf(out, size, "%ld %s", n, srv_sv(SRV_SV_WEB_PR_POSTED_MANY));
        return out;
    }
    return NULL;
}

enum MHD_Result srv_web_get_printroom(srv_web_req *rq, const char *arg)
{
    (void)arg;
    pr_query q;
    query_from_url(rq, &q);
    char text[200];
    return page(rq, 200, &q, done_text(rq, text, sizeof text), 0);
}

/* ---- the actions ---- */

static enum MHD_Result back(srv_web_req *rq, const pr_query *q, const char *extra)
{
    mm_buf to = MM_BUF_INIT;
    page_url(&to, q, NULL, "&", extra);
    enum MHD_Result r = to.data ? srv_web_redirect(rq, to.data) : MHD_NO;
    mm_buf_free(&to);
    return r;
}

static enum MHD_Result no_letter(srv_web_req *rq)
{
    return srv_web_message(rq, 404, "Brevet finns inte", srv_sv(SRV_SV_WEB_NO_LETTER));
}

enum MHD_Result srv_web_post_printroom_one(srv_web_req *rq, const char *id)
{
    pr_query q;
    query_from_form(rq, &q);
    switch (srv_api_post(rq->s, rq->who, id)) {
    case SRV_OK: return back(rq, &q, "&klart=postad");
    case SRV_NO_SUCH_JOB:
    case SRV_NOT_ALLOWED: return no_letter(rq);
    case SRV_WRONG_STATE: return page(rq, 409, &q, srv_sv(SRV_SV_WEB_PR_NOT_PRINTED), 1);
    default: return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
}

enum MHD_Result srv_web_post_printroom_day(srv_web_req *rq, const char *arg)
{
    (void)arg;
    pr_query q;
    query_from_form(rq, &q);
    /* A day or room that cannot be read marks nothing. */
    if (q.bad_date || q.bad_room)
        return page(rq, 400, &q, NULL, 0);
    long n = 0;
    switch (srv_api_post_day(rq->s, rq->who, q.room, q.from_ms, q.to_ms, &n)) {
    case SRV_OK: {
        char extra[48];
        snprintf(extra, sizeof extra, "&klart=postade&antal=%ld", n);
        return back(rq, &q, extra);
    }
    case SRV_NOT_ALLOWED:
    case SRV_NO_SUCH_JOB: return srv_web_message(rq, 403, "Ingen behörighet", srv_sv(SRV_SV_WEB_FORBIDDEN));
    default: return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
}

enum MHD_Result srv_web_post_printroom_reprint(srv_web_req *rq, const char *id)
{
    pr_query q;
    query_from_form(rq, &q);
    srv_job j;
    /* Only a failed letter: srv_api_resolve would also take another open
     * exception (a returned digital letter) and print it. */
    switch (srv_api_lookup(rq->s, rq->who, id, SRV_ACT_RESOLVE, &j)) {
    case SRV_OK: break;
    case SRV_FAILED: return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    default: return no_letter(rq);
    }
    if (j.state != SRV_JSTATE_FAILED || !srv_job_is_exception(&j))
        return page(rq, 409, &q, srv_sv(SRV_SV_WEB_PR_NOT_FAILED), 1);
    switch (srv_api_resolve(rq->s, rq->who, id, "reprint")) {
    case SRV_OK: return back(rq, &q, "&klart=omskrivet");
    case SRV_NO_SUCH_JOB:
    case SRV_NOT_ALLOWED: return no_letter(rq);
    case SRV_WRONG_STATE: return page(rq, 409, &q, srv_sv(SRV_SV_WEB_PR_NOT_FAILED), 1);
    case SRV_NO_DOCUMENT: return page(rq, 410, &q, srv_sv(SRV_SV_WEB_PR_GONE), 1);
    default: return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
}

/* ---- the day's list: CSV and PDF ---- */

static void list_filename(const pr_query *q, const char *ext, char *out, size_t size)
{
    /* The room's name stays out of the file name: it may hold any character. */
    snprintf(out, size, "dagslista-%s.%s", q->dag, ext);
}

enum MHD_Result srv_web_get_printroom_csv(srv_web_req *rq, const char *arg)
{
    (void)arg;
    pr_query q;
    query_from_url(rq, &q);
    if (q.bad_date || q.bad_room)
        return srv_web_message(rq, 400, "Fel i adressen",
                               srv_sv(q.bad_date ? SRV_SV_WEB_BAD_DATE : SRV_SV_WEB_PR_BAD_ROOM));
    pr_list l;
    if (find(rq, &q, &l)) {
        free(l.rows);
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
    /* The conventions of every CSV of the portal: web_export.h. */
    mm_buf b = MM_BUF_INIT;
    srv_csv_start(&b);
    static const char *const head[] = {"Nr", "Dag", "Till utskrift", "Jobb-id", "Handläggare", "CUPS-jobb",
                                       "Förvaltning", "Utskriftsrum", "Postklass", "Varför papper", "Tillstånd",
                                       "Ark", "Postat", "Postat av", "Massutskick"};
    size_t nh = sizeof head / sizeof head[0];
    for (size_t i = 0; i < nh; i++)
        srv_csv_field(&b, head[i], i + 1 == nh);
    for (size_t i = 0; i < l.n; i++) {
        const pr_row *r = &l.rows[i];
        char nr[24], t[8], sheets[16], posted[20] = "", state[80];
        snprintf(nr, sizeof nr, "%zu", r->order);
        srv_html_local_time(r->decided_ms, SRV_TIME_HHMM, t, sizeof t);
        sheets_text(r->sheets, "", sheets, sizeof sheets);
        if (r->posted_ms)
            srv_html_local_time(r->posted_ms, SRV_TIME_DAY_HHMM, posted, sizeof posted);
        /* The journal's actor "person:LOGIN" as the login a person knows. */
        const char *by = !strncmp(r->posted_by, "person:", 7) ? r->posted_by + 7 : r->posted_by;
        const char *row[] = {nr, q.dag, t, r->id, r->user, r->cups_job_id, r->department, r->room,
                             class_label(r->postal_class), r->reason, row_state(r, state, sizeof state), sheets, posted, by,
                             r->batch_id};
        for (size_t k = 0; k < nh; k++)
            srv_csv_field(&b, row[k], k + 1 == nh);
    }
    free(l.rows);
    if (!b.data)
        return MHD_NO;
    char name[64];
    list_filename(&q, "csv", name, sizeof name);
    return srv_web_send_file(rq, &b, "text/csv; charset=utf-8", name);
}

/* The day's list as a PDF table (web_export.h). */
static const srv_pdf_col pdf_cols[] = {
    {"Nr", 24}, {"Tid", 34}, {"Jobb-id", 54}, {"Handläggare", 86}, {"CUPS-jobb", 58}, {"Förvaltning", 104},
    {"Rum", 80}, {"Postklass", 82}, {"Ark", 24}, {"Tillstånd", 70}, {"Varför papper", 100},
    {"Massutskick", 54}, /* 770 = PW - 2 MARGIN */
};
#define NCOLS (sizeof pdf_cols / sizeof pdf_cols[0])

typedef struct {
    const pr_list *l;
    char nr[24], t[8], id[9], sheets[16], state[80], batch[9];
} pdf_rows;

static void pdf_row(void *arg, size_t i, const char **cells)
{
    pdf_rows *p = arg;
    const pr_row *r = &p->l->rows[i];
    snprintf(p->nr, sizeof p->nr, "%zu", r->order);
    srv_html_local_time(r->decided_ms, SRV_TIME_HHMM, p->t, sizeof p->t);
    snprintf(p->id, sizeof p->id, "%.8s", r->id);
    sheets_text(r->sheets, "–", p->sheets, sizeof p->sheets);
    snprintf(p->batch, sizeof p->batch, "%.8s", r->batch_id);
    const char *c[NCOLS] = {p->nr, p->t, p->id, r->user, r->cups_job_id, r->department, r->room,
                            class_label(r->postal_class), p->sheets, row_state(r, p->state, sizeof p->state), r->reason,
                            p->batch};
    memcpy(cells, c, sizeof c);
}

/* The day's list of l as a PDF into *out: 0, or -1 (cairo failed). */
static int dagslista_pdf(srv_web_req *rq, const pr_list *l, const pr_query *q, mm_buf *out)
{
    char intro[3][600], now[20], foot[80];
    srv_html_local_time(srv_now_ms(), SRV_TIME_DAY_HHMM, now, sizeof now);
    snprintf(intro[0], sizeof intro[0], "Dag: %s    Utskriftsrum: %s    Ordning: %s    Utskriven: %s av %s", q->dag,
             q->room ? q->room : "alla rum", q->by_class ? "postklass" : "utskriftsordning", now, rq->who->name);
    snprintf(intro[1], sizeof intro[1], "Brev: %zu    Att posta: %zu    Postade: %zu    Misslyckade: %zu    Skrivs ut: %zu",
             l->n, count(l, SRV_JSTATE_PRINTED, NULL), count(l, SRV_JSTATE_POSTED, NULL),
             count(l, SRV_JSTATE_FAILED, NULL), count(l, SRV_JSTATE_PRINTING, NULL));
    int len = 0;
    intro[2][0] = '\0';
    for (size_t c = 0; c < NCLASS; c++)
        len += snprintf(intro[2] + len, sizeof intro[2] - (size_t)len, "%s%s: %zu (att posta %zu)", c ? "    " : "",
                        classes[c].label, count(l, SRV_JSTATE_NONE, classes[c].key),
                        count(l, SRV_JSTATE_PRINTED, classes[c].key));
    snprintf(foot, sizeof foot, "Dagslista %s", q->dag);
    const char *lines[3] = {intro[0], intro[1], intro[2]};
    srv_pdf_table t = {"Dagslista – Utskriftsrummet", lines, 3, pdf_cols, NCOLS, foot, srv_sv(SRV_SV_WEB_PR_NONE)};
    pdf_rows p = {.l = l};
    return srv_pdf_table_draw(&t, l->n, pdf_row, &p, out);
}

enum MHD_Result srv_web_get_printroom_pdf(srv_web_req *rq, const char *arg)
{
    (void)arg;
    pr_query q;
    query_from_url(rq, &q);
    if (q.bad_date || q.bad_room)
        return srv_web_message(rq, 400, "Fel i adressen",
                               srv_sv(q.bad_date ? SRV_SV_WEB_BAD_DATE : SRV_SV_WEB_PR_BAD_ROOM));
    pr_list l;
    if (find(rq, &q, &l)) {
        free(l.rows);
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
    mm_buf pdf = MM_BUF_INIT;
    int rc = dagslista_pdf(rq, &l, &q, &pdf);
    free(l.rows);
    if (rc) {
        mm_log(MM_LOG_ERROR, "web: the print room's day list (PDF) could not be drawn");
        mm_buf_free(&pdf);
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
    char name[64];
    list_filename(&q, "pdf", name, sizeof name);
    return srv_web_send_file(rq, &pdf, "application/pdf", name);
}
