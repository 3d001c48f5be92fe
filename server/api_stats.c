/* SPDX-License-Identifier: EUPL-1.2 */
/* GET /api/v1/stats (doc/api.md): the statistics as JSON or CSV, for the
 * principals srv_may lets see them (SRV_ACT_STATS); the JSON and CSV
 * writers are also the portal's (/statistik.csv, web_stats.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "stats.h"

static json_t *ratio(long part, long whole)
{
    return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

static json_t *lead_json(const srv_stats_lead *l)
{
    return json_pack("{s:I, s:o, s:I, s:I}", "count", (json_int_t)l->n, "average_hours",
                     l->n > 0 ? json_real((double)l->sum_ms / (double)l->n / 3600000.0) : json_null(), "within_1d",
                     (json_int_t)l->within_1d, "within_5wd", (json_int_t)l->within_5wd);
}

/* The FIGURES of doc/api.md into o. */
static json_t *row_json(const srv_stats_row *r, int with_key)
{
    json_t *o = json_object();
    if (with_key)
        json_object_set_new(o, "key", json_string(r->key));
    const struct {
        const char *name;
        long v;
    } n[] = {{"letters", r->letters},     {"pages", r->pages},         {"digital", r->digital},
             {"paper", r->paper},         {"posted", r->posted},       {"decisions", r->decisions},
             {"digital_decisions", r->digital_decisions},              {"pending", r->pending},
             {"failed", r->failed},       {"cancelled", r->cancelled}, {"looked_up", r->looked_up},
             {"reached", r->reached}};
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
        json_object_set_new(o, n[i].name, json_integer(n[i].v));
    json_object_set_new(o, "digital_share", ratio(r->digital, r->letters));
    json_object_set_new(o, "reach_rate", ratio(r->reached, r->looked_up));
    json_object_set_new(o, "lead_digital", lead_json(&r->lead_digital));
    json_object_set_new(o, "lead_paper", lead_json(&r->lead_paper));
    return o;
}

json_t *srv_stats_json(const srv_stats_result *r, const char *from_day, const char *to_day)
{
    json_t *rows = json_array(), *reasons = json_array(), *ops = json_array(), *cells = json_array();
    for (size_t i = 0; i < r->nrows; i++)
        json_array_append_new(rows, row_json(&r->rows[i], 1));
    for (size_t i = 0; i < r->nreasons; i++)
        json_array_append_new(reasons, json_pack("{s:s, s:s, s:I}", "reach", r->reasons[i].word, "text",
                                                 srv_stats_reach_sv(r->reasons[i].word), "count",
                                                 (json_int_t)r->reasons[i].n));
    for (size_t i = 0; i < r->noperators; i++)
        json_array_append_new(ops, json_pack("{s:s, s:s, s:I}", "month", r->operators[i].month, "operator",
                                             r->operators[i].operator_name, "letters", (json_int_t)r->operators[i].n));
    for (size_t i = 0; i < r->ncells; i++) {
        const srv_stats_cell *c = &r->cells[i];
        json_array_append_new(cells, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "month", c->month, "department",
                                               c->department, "channel", c->channel, "letters", (json_int_t)c->letters,
                                               "pages", (json_int_t)c->pages, "digital", (json_int_t)c->digital));
    }
    const srv_stats_units *u = &r->units;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:f, s:f, s:f, s:f, s:f, s:f}, s:o, s:{s:f, s:f, s:f, s:f},"
                     " s:o, s:o, s:o, s:o}",
                     "from", from_day, "to", to_day, "from_month", r->from_month, "to_month", r->to_month, "by",
                     r->by, "units", "paper_cost", u->paper_cost, "digital_cost", u->digital_cost, "minutes_saved",
                     u->minutes_saved, "hourly_rate", u->hourly_rate, "security_value", u->security_value,
                     "letters_per_decision", u->letters_per_decision, "totals", row_json(&r->totals, 0), "savings",
                     "postage", r->savings.postage, "work_time", r->savings.work_time, "security",
                     r->savings.security, "total", r->savings.total, "rows", rows, "reach_reasons", reasons,
                     "operators", ops, "cells", cells);
}

/* A CSV field: quoted when it holds a comma, quote or line break; a
 * leading = + - @ gets a quote mark in front, so a spreadsheet never
 * takes a department's text for a formula. */
static int csv_field(mm_buf *b, const char *t)
{
    int bad = 0;
    int formula = strchr("=+-@", t[0]) && t[0];
    if (!strpbrk(t, ",\"\r\n") && !formula)
        return mm_buf_puts(b, t) < 0;
    bad |= mm_buf_puts(b, formula ? "\"'" : "\"") < 0;
    for (; *t; t++)
        bad |= mm_buf_append(b, *t == '"' ? "\"\"" : t, *t == '"' ? 2 : 1) < 0;
    return bad | (mm_buf_puts(b, "\"") < 0);
}

static int csv_ratio(mm_buf *b, long part, long whole)
{
    return (whole > 0 ? mm_buf_printf(b, ",%.4f", (double)part / (double)whole) : mm_buf_puts(b, ",")) < 0;
}

static int csv_hours(mm_buf *b, const srv_stats_lead *l)
{
    return (l->n > 0 ? mm_buf_printf(b, ",%.2f", (double)l->sum_ms / (double)l->n / 3600000.0)
                     : mm_buf_puts(b, ",")) < 0;
}

static int csv_row(mm_buf *b, const char *key, const srv_stats_row *r)
{
    int bad = csv_field(b, key);
    bad |= mm_buf_printf(b, ",%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld", r->letters, r->pages, r->digital, r->paper,
                         r->posted, r->decisions, r->digital_decisions, r->pending, r->failed, r->cancelled) < 0;
    bad |= csv_ratio(b, r->digital, r->letters);
    bad |= mm_buf_printf(b, ",%ld,%ld", r->looked_up, r->reached) < 0;
    bad |= csv_ratio(b, r->reached, r->looked_up);
    bad |= csv_hours(b, &r->lead_digital);
    bad |= csv_hours(b, &r->lead_paper);
    return bad | (mm_buf_puts(b, "\r\n") < 0);
}

char *srv_stats_csv(const srv_stats_result *r)
{
    mm_buf b = MM_BUF_INIT;
    int bad = mm_buf_puts(&b, "key,letters,pages,digital,paper,posted,decisions,digital_decisions,pending,failed,"
                              "cancelled,digital_share,looked_up,reached,reach_rate,lead_digital_avg_hours,"
                              "lead_paper_avg_hours\r\n") < 0;
    for (size_t i = 0; i < r->nrows; i++)
        bad |= csv_row(&b, r->rows[i].key, &r->rows[i]);
    bad |= csv_row(&b, "totals", &r->totals);
    if (bad) {
        mm_buf_free(&b);
        return NULL;
    }
    return b.data; /* the buffer's text, now the caller's */
}

enum MHD_Result srv_api_get_stats(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    (void)arg;
    if (!srv_may(s, rq->who, SRV_ACT_STATS, NULL))
        return srv_respond_error(c, 403, "forbidden", SRV_SV_MAY_NOT_SEE_STATS);
    const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
    const char *to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
    const char *by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
    const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    int csv = (format && !strcmp(format, "csv")) || (accept && strstr(accept, "text/csv"));
    int64_t from_ms, to_ms;
    char from_day[11], to_day[11];
    if (srv_stats_period(from, to, srv_now_ms(), &from_ms, &to_ms, from_day, to_day))
        return srv_respond_error(c, 400, "bad-period", SRV_SV_STATS_BAD_PERIOD);
    srv_stats_result r;
    mm_error err;
    enum MHD_Result ret;
    if (srv_stats_query(s, from_ms, to_ms, by, &r, &err)) {
        ret = err.cls == MM_ERR_INPUT ? srv_respond_error(c, 400, "bad-by", SRV_SV_STATS_BAD_BY)
                                      : srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
        if (err.cls != MM_ERR_INPUT)
            mm_log(MM_LOG_ERROR, "statistics: %s", err.msg);
    } else if (csv) {
        char *text = srv_stats_csv(&r);
        ret = text ? srv_respond_text(c, 200, "text/csv; charset=utf-8", text)
                   : srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    } else {
        ret = srv_respond_json(c, 200, srv_stats_json(&r, from_day, to_day));
    }
    srv_stats_free(&r);
    return ret;
}
