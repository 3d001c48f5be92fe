/* SPDX-License-Identifier: EUPL-1.2 */
/* The statistics of issue 12: letters, pages, digital share, reach, the
 * mailbox operators per month, lead times and the realised savings, read
 * from the store's rollup (srv_store_stats, store.h) and never from the
 * jobs themselves, so the figures survive gallring and answer in
 * milliseconds however many jobs there are.  No personal data: the rollup
 * has no recipient, user, title or id; a department is its text as the
 * job gave it (masked at intake), trimmed.
 *
 * Used by GET /api/v1/stats (api_stats.c), /statistik (web_stats.c),
 * `mmctl stats` (through the API) and the benefit-model page. */
#ifndef MMPRINTD_STATS_H
#define MMPRINTD_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

struct json_t;

typedef struct srv srv;

/* Lead times of one kind (digital: submission -> delivered; paper:
 * submission -> posted). */
typedef struct {
    long n;            /* letters with a lead time */
    int64_t sum_ms;    /* their sum: the average is sum_ms / n */
    long within_1d;    /* of them within 24 hours */
    long within_5wd;   /* of them within 5 working days (7 calendar days; holidays not counted) */
} srv_stats_lead;

/* The figures of one group (or of everything: srv_stats_result.totals). */
typedef struct {
    char key[128];     /* the group: "YYYY-MM", a department ("" none given), an operator, a channel */
    long letters;      /* sent: delivered + printed + posted */
    long pages;        /* of the sent letters */
    long digital;      /* delivered to a mailbox */
    long paper;        /* printed or posted */
    long posted;       /* of paper: marked posted by the print room */
    long decisions;          /* sent letters of type beslut */
    long digital_decisions;  /* delivered letters of type beslut */
    long pending;      /* not final yet (queued, needs a recipient, sending, printing) */
    long failed;       /* reached no one (failed, returned, expired) */
    long cancelled;
    long looked_up;    /* jobs FaR was asked about (reach != "") */
    long reached;      /* of them: a usable mailbox (reach "digital") */
    srv_stats_lead lead_digital, lead_paper;
} srv_stats_row;

/* Why a looked-up recipient had no usable mailbox: mm_far_reach_name's word
 * ("no-mailbox", "not-found", ...), how many. */
typedef struct {
    char word[16];
    long n;
} srv_stats_reason;

/* Delivered letters per mailbox operator and month (the operators' invoices). */
typedef struct {
    char month[8];     /* "YYYY-MM" */
    char operator_name[128];
    long n;
} srv_stats_operator;

/* One cell of month × department × channel (sent letters and pages). */
typedef struct {
    char month[8];
    char department[128];
    char channel[10];  /* digital, paper */
    long letters, pages, digital;
} srv_stats_cell;

/* The unit values (mmprintd.conf(5): paper_cost, digital_cost,
 * minutes_saved, hourly_rate, security_value, letters_per_decision). */
typedef struct {
    double paper_cost, digital_cost, minutes_saved, hourly_rate, security_value, letters_per_decision;
} srv_stats_units;

/* Realised savings in kronor. */
typedef struct {
    double postage;    /* digital letters × (paper_cost − digital_cost) */
    double work_time;  /* digital letters × minutes_saved / 60 × hourly_rate */
    double security;   /* digital decisions × security_value */
    double total;
} srv_stats_savings;

typedef struct {
    char from_month[8], to_month[8]; /* the whole months the figures cover, local time */
    char by[16];                     /* month, department, operator or channel */
    srv_stats_row *rows;             /* one per group, by key */
    size_t nrows;
    srv_stats_row totals;            /* key "" */
    srv_stats_reason *reasons;       /* reach words other than "digital", most first */
    size_t nreasons;
    srv_stats_operator *operators;   /* by month, then operator */
    size_t noperators;
    srv_stats_cell *cells;           /* by month, department, channel */
    size_t ncells;
    srv_stats_units units;           /* the server's, as used */
    srv_stats_savings savings;       /* of totals */
    void *priv;                      /* the grouping's index, between srv_stats_begin and srv_stats_finish */
} srv_stats_result;

/* The figures of the whole months (local time) from from_ms's month to the
 * month of to_ms - 1 (to_ms exclusive: the day after the last day asked),
 * grouped by by ("month", "department", "operator" or "channel"; NULL:
 * month), with the server's unit values.  *out is filled (zeroed first);
 * the caller frees it with srv_stats_free, also after a failure.
 * Returns 0, or -1 with err (MM_ERR_INPUT: a bad by or period). */
int srv_stats_query(srv *s, int64_t from_ms, int64_t to_ms, const char *by, srv_stats_result *out, mm_error *err);

/* Frees what srv_stats_query put into r (not r itself); NULL: nothing. */
void srv_stats_free(srv_stats_result *r);

/* The realised savings of digital letters and digital decisions at units. */
void srv_stats_savings_of(const srv_stats_units *u, long digital, long digital_decisions, srv_stats_savings *out);

/* ---- the parts, for the unit tests and callers with their own rollup rows ---- */

/* One row of the rollup (store.h). */
typedef srv_store_stats_row srv_stats_raw;

/* Starts r (zeroed) for grouping by by: 0, or -1 with err for another word. */
int srv_stats_begin(srv_stats_result *r, const char *by, const srv_stats_units *u, mm_error *err);
/* Adds one rollup row to r: 0, or -1 (out of memory) with err. */
int srv_stats_add(srv_stats_result *r, const srv_stats_raw *raw, mm_error *err);
/* Sorts the lists and computes the savings: call once after the rows. */
void srv_stats_finish(srv_stats_result *r);

/* "YYYY-MM" of t_ms in local time into out (8 bytes). */
void srv_stats_month(int64_t t_ms, char out[8]);

/* The period of a request: from and to ("YYYY-MM-DD", both days
 * included; NULL or "": from the first of the month eleven months before
 * now's, to today) into [*from_ms, *to_ms) and the days as used
 * (from_day, to_day: 11 bytes).  0, or -1 when a date is none or the
 * period ends before it starts. */
int srv_stats_period(const char *from, const char *to, int64_t now_ms, int64_t *from_ms, int64_t *to_ms,
                     char from_day[11], char to_day[11]);

/* The Swedish of a reach word ("no-mailbox" -> "Ingen digital brevlåda"). */
const char *srv_stats_reach_sv(const char *word);

/* ---- answers (api_stats.c): GET /api/v1/stats, also /statistik.csv ---- */

/* r as doc/api.md's JSON (a new reference), from_day/to_day the period asked. */
struct json_t *srv_stats_json(const srv_stats_result *r, const char *from_day, const char *to_day);
/* r as CSV (doc/api.md), malloc'ed for the caller to free, NULL out of memory. */
char *srv_stats_csv(const srv_stats_result *r);

#endif
