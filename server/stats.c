/* SPDX-License-Identifier: EUPL-1.2 */
/* The statistics (see stats.h): the store's rollup rows grouped in memory.
 * The rollup has a few rows per month, department, channel and operator
 * (tens of thousands for a large organisation over two years), so one
 * pass with a hash index per list is all the work. */
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmprintd.h"
#include "text.h"
#include "texts.h"

/* A string key -> position index (open addressing, FNV-1a); the keys are
 * the index's own copies. */
typedef struct {
    char **keys;
    size_t *pos;
    size_t cap, n;
} key_index;

typedef struct {
    key_index rows, reasons, operators, cells;
    size_t cap_rows, cap_reasons, cap_operators, cap_cells;
} stats_priv;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void index_free(key_index *x)
{
    for (size_t i = 0; i < x->cap; i++)
        free(x->keys[i]);
    free(x->keys);
    free(x->pos);
    memset(x, 0, sizeof *x);
}

/* The slot of key in x (empty: keys[slot] == NULL). */
static size_t index_slot(const key_index *x, const char *key)
{
    size_t i = (size_t)fnv(key) & (x->cap - 1);
    while (x->keys[i] && strcmp(x->keys[i], key))
        i = (i + 1) & (x->cap - 1);
    return i;
}

/* The position of key, or next (recorded, *created set) when it is new:
 * the position, or (size_t)-1 out of memory. */
static size_t index_get(key_index *x, const char *key, size_t next, int *created)
{
    *created = 0;
    if ((x->n + 1) * 2 > x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        key_index y = {calloc(cap, sizeof *y.keys), calloc(cap, sizeof *y.pos), cap, x->n};
        if (!y.keys || !y.pos) {
            free(y.keys);
            free(y.pos);
            return (size_t)-1;
        }
        for (size_t i = 0; i < x->cap; i++)
            if (x->keys[i]) {
                size_t j = index_slot(&y, x->keys[i]);
                y.keys[j] = x->keys[i];
                y.pos[j] = x->pos[i];
            }
        free(x->keys);
        free(x->pos);
        *x = y;
    }
    size_t i = index_slot(x, key);
    if (x->keys[i])
        return x->pos[i];
    if (!(x->keys[i] = strdup(key)))
        return (size_t)-1;
    x->pos[i] = next;
    x->n++;
    *created = 1;
    return next;
}

/* The element of key in the array *items of *n (capacity *cap, each size
 * bytes, new ones zeroed): its address, or NULL out of memory. */
static void *group(key_index *x, const char *key, void **items, size_t *n, size_t *cap, size_t size)
{
    int created;
    size_t at = index_get(x, key, *n, &created);
    if (at == (size_t)-1)
        return NULL;
    if (created) {
        if (*n == *cap) {
            size_t c = *cap ? *cap * 2 : 16;
            void *p = realloc(*items, c * size);
            if (!p)
                return NULL; /* the key stays indexed at a position never filled: the result is dropped anyway */
            *items = p;
            *cap = c;
        }
        memset((char *)*items + *n * size, 0, size);
        (*n)++;
    }
    return (char *)*items + at * size;
}

static void lead_add(srv_stats_lead *l, const srv_stats_raw *raw)
{
    l->n += raw->lead_n;
    l->sum_ms += raw->lead_ms;
    l->within_1d += raw->lead_1d;
    l->within_5wd += raw->lead_5wd;
}

/* One rollup row into one group's figures. */
static void row_add(srv_stats_row *r, const srv_stats_raw *raw)
{
    const char *o = raw->outcome;
    int digital = !strcmp(o, "delivered"), paper = !strcmp(o, "printed") || !strcmp(o, "posted");
    int beslut = !strcmp(raw->letter_type, "beslut");
    if (digital || paper) {
        r->letters += raw->letters;
        r->pages += raw->pages;
        if (beslut)
            r->decisions += raw->letters;
    }
    if (digital) {
        r->digital += raw->letters;
        if (beslut)
            r->digital_decisions += raw->letters;
        lead_add(&r->lead_digital, raw);
    }
    if (paper)
        r->paper += raw->letters;
    if (!strcmp(o, "posted")) {
        r->posted += raw->letters;
        lead_add(&r->lead_paper, raw);
    }
    if (!strcmp(o, "pending"))
        r->pending += raw->letters;
    else if (!strcmp(o, "failed"))
        r->failed += raw->letters;
    else if (!strcmp(o, "cancelled"))
        r->cancelled += raw->letters;
    if (raw->reach[0]) {
        r->looked_up += raw->letters;
        if (!strcmp(raw->reach, "digital"))
            r->reached += raw->letters;
    }
}

int srv_stats_begin(srv_stats_result *r, const char *by, const srv_stats_units *u, mm_error *err)
{
    memset(r, 0, sizeof *r);
    by = by && by[0] ? by : "month";
    if (strcmp(by, "month") && strcmp(by, "department") && strcmp(by, "operator") && strcmp(by, "channel"))
        return mm_error_set(err, MM_ERR_INPUT, 0, "by must be month, department, operator or channel, not '%.32s'",
                            by);
    snprintf(r->by, sizeof r->by, "%s", by);
    if (u)
        r->units = *u;
    if (!(r->priv = calloc(1, sizeof(stats_priv))))
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    return 0;
}

int srv_stats_add(srv_stats_result *r, const srv_stats_raw *raw, mm_error *err)
{
    stats_priv *p = r->priv;
    if (!p || !raw->letters)
        return 0;
    row_add(&r->totals, raw);
    const char *key = !strcmp(r->by, "department") ? raw->department
                      : !strcmp(r->by, "operator") ? raw->operator_name
                      : !strcmp(r->by, "channel")  ? raw->channel
                                                   : raw->month;
    srv_stats_row *row = group(&p->rows, key, (void **)&r->rows, &r->nrows, &p->cap_rows, sizeof *row);
    if (!row)
        goto nomem;
    mm_text_copy(row->key, sizeof row->key, key);
    row_add(row, raw);
    if (raw->reach[0] && strcmp(raw->reach, "digital")) {
        srv_stats_reason *re = group(&p->reasons, raw->reach, (void **)&r->reasons, &r->nreasons, &p->cap_reasons,
                                     sizeof *re);
        if (!re)
            goto nomem;
        mm_text_copy(re->word, sizeof re->word, raw->reach);
        re->n += raw->letters;
    }
    int digital = !strcmp(raw->outcome, "delivered");
    int sent = digital || !strcmp(raw->outcome, "printed") || !strcmp(raw->outcome, "posted");
    char k[300];
    if (digital) {
        snprintf(k, sizeof k, "%s\037%s", raw->month, raw->operator_name);
        srv_stats_operator *op = group(&p->operators, k, (void **)&r->operators, &r->noperators,
                                       &p->cap_operators, sizeof *op);
        if (!op)
            goto nomem;
        mm_text_copy(op->month, sizeof op->month, raw->month);
        mm_text_copy(op->operator_name, sizeof op->operator_name, raw->operator_name);
        op->n += raw->letters;
    }
    if (sent) {
        snprintf(k, sizeof k, "%s\037%s\037%s", raw->month, raw->department, raw->channel);
        srv_stats_cell *c = group(&p->cells, k, (void **)&r->cells, &r->ncells, &p->cap_cells, sizeof *c);
        if (!c)
            goto nomem;
        mm_text_copy(c->month, sizeof c->month, raw->month);
        mm_text_copy(c->department, sizeof c->department, raw->department);
        mm_text_copy(c->channel, sizeof c->channel, raw->channel);
        c->letters += raw->letters;
        c->pages += raw->pages;
        if (digital)
            c->digital += raw->letters;
    }
    return 0;
nomem:
    return mm_error_set(err, MM_ERR_SYSTEM, 0, "statistics: out of memory");
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const srv_stats_row *)a)->key, ((const srv_stats_row *)b)->key);
}

static int cmp_reason(const void *a, const void *b)
{
    const srv_stats_reason *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->word, y->word);
}

static int cmp_operator(const void *a, const void *b)
{
    const srv_stats_operator *x = a, *y = b;
    int c = strcmp(x->month, y->month);
    return c ? c : strcmp(x->operator_name, y->operator_name);
}

static int cmp_cell(const void *a, const void *b)
{
    const srv_stats_cell *x = a, *y = b;
    int c = strcmp(x->month, y->month);
    if (!c)
        c = strcmp(x->department, y->department);
    return c ? c : strcmp(x->channel, y->channel);
}

void srv_stats_savings_of(const srv_stats_units *u, long digital, long digital_decisions, srv_stats_savings *out)
{
    out->postage = (double)digital * (u->paper_cost - u->digital_cost);
    out->work_time = (double)digital * u->minutes_saved / 60.0 * u->hourly_rate;
    out->security = (double)digital_decisions * u->security_value;
    out->total = out->postage + out->work_time + out->security;
}

/* Frees the grouping's index (between begin and finish). */
static void drop_index(srv_stats_result *r)
{
    stats_priv *p = r->priv;
    if (p) {
        index_free(&p->rows);
        index_free(&p->reasons);
        index_free(&p->operators);
        index_free(&p->cells);
        free(p);
        r->priv = NULL;
    }
}

void srv_stats_finish(srv_stats_result *r)
{
    drop_index(r);
    if (r->nrows)
        qsort(r->rows, r->nrows, sizeof *r->rows, cmp_row);
    if (r->nreasons)
        qsort(r->reasons, r->nreasons, sizeof *r->reasons, cmp_reason);
    if (r->noperators)
        qsort(r->operators, r->noperators, sizeof *r->operators, cmp_operator);
    if (r->ncells)
        qsort(r->cells, r->ncells, sizeof *r->cells, cmp_cell);
    srv_stats_savings_of(&r->units, r->totals.digital, r->totals.digital_decisions, &r->savings);
}

void srv_stats_free(srv_stats_result *r)
{
    if (!r)
        return;
    drop_index(r); /* a result left half-made */
    free(r->rows);
    free(r->reasons);
    free(r->operators);
    free(r->cells);
    r->rows = NULL;
    r->reasons = NULL;
    r->operators = NULL;
    r->cells = NULL;
    r->nrows = r->nreasons = r->noperators = r->ncells = 0;
}

void srv_stats_month(int64_t t_ms, char out[8])
{
    time_t t = (time_t)(t_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        snprintf(out, 8, "%s", t_ms < 0 ? "0000-00" : "9999-99");
    else
        snprintf(out, 8, "%04u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u);
}

typedef struct {
    srv_stats_result *r;
    mm_error *err;
} add_ctx;

static int add_row(const srv_store_stats_row *row, void *arg)
{
    add_ctx *c = arg;
    return srv_stats_add(c->r, row, c->err);
}

int srv_stats_query(srv *s, int64_t from_ms, int64_t to_ms, const char *by, srv_stats_result *out, mm_error *err)
{
    srv_stats_units u = {s->conf.paper_cost,    s->conf.digital_cost,   s->conf.minutes_saved,
                         s->conf.hourly_rate,   s->conf.security_value, s->conf.letters_per_decision};
    if (srv_stats_begin(out, by, &u, err))
        return -1;
    if (to_ms <= from_ms) {
        srv_stats_finish(out);
        return mm_error_set(err, MM_ERR_INPUT, 0, "the period ends before it starts");
    }
    srv_stats_month(from_ms, out->from_month);
    srv_stats_month(to_ms - 1, out->to_month);
    add_ctx c = {out, err};
    int rc = srv_store_stats(s->store, out->from_month, out->to_month, add_row, &c, err);
    srv_stats_finish(out);
    return rc ? -1 : 0;
}

int srv_stats_period(const char *from, const char *to, int64_t now_ms, int64_t *from_ms, int64_t *to_ms,
                     char from_day[11], char to_day[11])
{
    time_t now = (time_t)(now_ms / 1000);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return -1;
    char today[16], first[16];
    snprintf(today, sizeof today, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1 - 11;
    if (m < 1) {
        m += 12;
        y--;
    }
    snprintf(first, sizeof first, "%04u-%02u-01", (unsigned)y % 10000u, (unsigned)m % 100u);
    from = from && from[0] ? from : first;
    to = to && to[0] ? to : today;
    if (mm_text_day(from, 0, from_ms) || mm_text_day(to, 1, to_ms) || *to_ms <= *from_ms)
        return -1;
    memcpy(from_day, from, 10); /* mm_text_day: exactly 10 characters */
    from_day[10] = 0;
    memcpy(to_day, to, 10);
    to_day[10] = 0;
    return 0;
}

const char *srv_stats_reach_sv(const char *word)
{
    static const struct {
        const char *word;
        srv_text sv;
    } t[] = {{"not-found", SRV_SV_STATS_REACH_NOT_FOUND},
             {"no-mailbox", SRV_SV_STATS_REACH_NO_MAILBOX},
             {"anonymous", SRV_SV_STATS_REACH_ANONYMOUS},
             {"other-type", SRV_SV_STATS_REACH_OTHER_TYPE},
             {"pending", SRV_SV_STATS_REACH_PENDING},
             {"sender-refused", SRV_SV_STATS_REACH_SENDER_REFUSED},
             {"no-address", SRV_SV_STATS_REACH_NO_ADDRESS},
             {"digital", SRV_SV_CHANNEL_DIGITAL}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(word, t[i].word))
            return srv_sv(t[i].sv);
    return srv_sv(SRV_SV_STATS_REACH_OTHER);
}
