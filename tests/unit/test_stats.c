/* SPDX-License-Identifier: EUPL-1.2 */
/* The statistics (server/stats.c) and the store's rollup behind them
 * (server/store.c), against a real SQLite file:
 * - the realised savings, computed here from the pre-study's unit values;
 * - grouping rollup rows by month, department, operator and channel, the
 *   reach reasons, the operators per month and the month × department ×
 *   channel cells;
 * - dates and months in local time (a letter at 23:30 UTC on 31 January is
 *   February's in Stockholm);
 * - the rollup kept by the triggers through every change a job goes
 *   through (delivered, printed -> posted, failed -> reprinted, cancelled),
 *   equal to an aggregate over the jobs written here independently;
 * - gallring (srv_store_purge) blanks the departments of the jobs but does
 *   not change the rollup, and a purged job changing afterwards leaves no
 *   negative count;
 * - a database without the rollup (an earlier version) gets it built
 *   from its jobs when opened. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "stats.h"
#include "store.h"

static const srv_stats_units units = {7, 1.5, 10, 300, 60, 2};

static void test_savings(void **state)
{
    (void)state;
    srv_stats_savings s;
    srv_stats_savings_of(&units, 100, 30, &s);
    /* 100 × (7 − 1.50); 100 × 10/60 h × 300 kr; 30 × 60 kr */
    assert_true(fabs(s.postage - 550.0) < 1e-9);
    assert_true(fabs(s.work_time - 5000.0) < 1e-9);
    assert_true(fabs(s.security - 1800.0) < 1e-9);
    assert_true(fabs(s.total - 7350.0) < 1e-9);
    srv_stats_units other = {4, 2, 6, 500, 0, 2};
    srv_stats_savings_of(&other, 3, 3, &s);
    assert_true(fabs(s.postage - 6.0) < 1e-9);
    assert_true(fabs(s.work_time - 150.0) < 1e-9);
    assert_true(fabs(s.security) < 1e-9);
}

static srv_stats_raw raw(const char *month, const char *dept, const char *channel, const char *op, const char *type,
                         const char *reach, const char *outcome, long n, long pages)
{
    srv_stats_raw r = {month, dept, channel, op, type, reach, outcome, n, pages, 0, 0, 0, 0};
    return r;
}

static void test_group(void **state)
{
    (void)state;
    srv_stats_result r;
    mm_error err;
    assert_int_equal(srv_stats_begin(&r, "förvaltning", &units, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    srv_stats_free(&r);
    assert_int_equal(srv_stats_begin(&r, "department", &units, &err), 0);
    srv_stats_raw rows[] = {
        raw("2026-01", "Soc", "digital", "Kivra", "beslut", "digital", "delivered", 10, 12),
        raw("2026-01", "Soc", "paper", "", "annat", "no-mailbox", "posted", 4, 8),
        raw("2026-01", "Bygg", "paper", "", "information", "not-found", "printed", 2, 2),
        raw("2026-02", "Soc", "digital", "Min Myndighetspost", "annat", "digital", "delivered", 5, 5),
        raw("2026-02", "Bygg", "none", "", "annat", "no-mailbox", "pending", 3, 3),
        raw("2026-02", "Bygg", "paper", "", "beslut", "", "failed", 1, 1),
        raw("2026-02", "Bygg", "paper", "", "annat", "", "cancelled", 0, 0), /* a row counted down to 0 */
    };
    rows[0].lead_n = 10;
    rows[0].lead_ms = 10 * 3600000;
    rows[0].lead_1d = 10;
    rows[0].lead_5wd = 10;
    rows[1].lead_n = 4;
    rows[1].lead_ms = 4 * 3 * 86400000LL;
    rows[1].lead_5wd = 4;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(srv_stats_add(&r, &rows[i], &err), 0);
    srv_stats_finish(&r);
    assert_int_equal(r.nrows, 2);
    assert_string_equal(r.rows[0].key, "Bygg");
    assert_int_equal(r.rows[0].letters, 2);
    assert_int_equal(r.rows[0].pending, 3);
    assert_int_equal(r.rows[0].failed, 1);
    assert_int_equal(r.rows[0].looked_up, 5);
    assert_int_equal(r.rows[0].reached, 0);
    assert_string_equal(r.rows[1].key, "Soc");
    assert_int_equal(r.rows[1].letters, 19);
    assert_int_equal(r.rows[1].pages, 25);
    assert_int_equal(r.rows[1].digital, 15);
    assert_int_equal(r.rows[1].paper, 4);
    assert_int_equal(r.rows[1].posted, 4);
    assert_int_equal(r.rows[1].decisions, 10);
    assert_int_equal(r.rows[1].digital_decisions, 10);
    assert_int_equal(r.rows[1].lead_digital.n, 10);
    assert_int_equal(r.rows[1].lead_digital.sum_ms, 36000000);
    assert_int_equal(r.rows[1].lead_paper.n, 4);
    assert_int_equal(r.rows[1].lead_paper.within_1d, 0);
    assert_int_equal(r.rows[1].lead_paper.within_5wd, 4);
    assert_int_equal(r.totals.letters, 21);
    assert_int_equal(r.totals.digital, 15);
    assert_int_equal(r.totals.looked_up, 24);
    assert_int_equal(r.totals.reached, 15);
    /* reasons, most first: no-mailbox 7, not-found 2 */
    assert_int_equal(r.nreasons, 2);
    assert_string_equal(r.reasons[0].word, "no-mailbox");
    assert_int_equal(r.reasons[0].n, 7);
    assert_string_equal(r.reasons[1].word, "not-found");
    /* operators per month: only delivered letters */
    assert_int_equal(r.noperators, 2);
    assert_string_equal(r.operators[0].month, "2026-01");
    assert_string_equal(r.operators[0].operator_name, "Kivra");
    assert_int_equal(r.operators[0].n, 10);
    assert_string_equal(r.operators[1].operator_name, "Min Myndighetspost");
    /* cells: sent letters by month, department, channel */
    assert_int_equal(r.ncells, 4);
    assert_string_equal(r.cells[0].department, "Bygg");
    assert_string_equal(r.cells[1].channel, "digital");
    assert_int_equal(r.cells[1].letters, 10);
    assert_int_equal(r.cells[2].letters, 4);
    /* savings of the totals: 15 digital, 10 digital decisions */
    assert_true(fabs(r.savings.postage - 15 * 5.5) < 1e-9);
    assert_true(fabs(r.savings.work_time - 15 * 50.0) < 1e-9);
    assert_true(fabs(r.savings.security - 600.0) < 1e-9);
    srv_stats_free(&r);
    srv_stats_free(NULL);
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static void test_days(void **state)
{
    (void)state;
    char m[8];
    int64_t t;
    srv_stats_month(utc(2026, 1, 31, 23, 30), m); /* 00:30 on 1 February in Stockholm */
    assert_string_equal(m, "2026-02");
    srv_stats_month(utc(2026, 1, 31, 22, 30), m);
    assert_string_equal(m, "2026-01");
    assert_int_equal(mm_text_day("2026-03-01", 0, &t), 0);
    assert_int_equal(t, utc(2026, 2, 28, 23, 0));
    assert_int_equal(mm_text_day("2026-03-31", 1, &t), 0); /* the midnight after, summer time */
    assert_int_equal(t, utc(2026, 3, 31, 22, 0));
    assert_int_equal(mm_text_day("2026-02-30", 0, &t), -1);
    assert_int_equal(mm_text_day("2026-13-01", 0, &t), -1);
    assert_int_equal(mm_text_day("2026-1-01", 0, &t), -1);
    assert_int_equal(mm_text_day("2026-+1-01", 0, &t), -1);
    assert_int_equal(mm_text_day("2026-01- 1", 0, &t), -1);
    assert_int_equal(mm_text_day("2026-01-01x", 0, &t), -1);
    assert_int_equal(mm_text_day("", 0, &t), -1);
}

/* ---- the rollup in a real store ---- */

typedef struct {
    char dir[64];
    char path[128];
    srv_store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/test_stats.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/mmprintd.db", f->dir);
    mm_error err;
    if (!(f->st = srv_store_open(f->path, &err)))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    srv_store_close(f->st);
    char p[160];
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, sfx[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A job created at t, as intake stores it. */
static void submit(fixture *f, srv_job *j, int n, int64_t t, const char *dept, const char *type, int pages)
{
    memset(j, 0, sizeof *j);
    snprintf(j->id, sizeof j->id, "00000000-0000-4000-8000-%012d", n);
    j->state = SRV_JSTATE_QUEUED;
    snprintf(j->channel, sizeof j->channel, "none");
    snprintf(j->department, sizeof j->department, "%s", dept);
    snprintf(j->letter_type, sizeof j->letter_type, "%s", type);
    snprintf(j->recipient, sizeof j->recipient, "191212121212");
    snprintf(j->user, sizeof j->user, "anna");
    snprintf(j->title, sizeof j->title, "Beslut om bistånd");
    j->pages = pages;
    j->created_ms = j->updated_ms = t;
    mm_error err;
    assert_int_equal(srv_store_insert(f->st, j, "received", "%PDF", 4, &err), 0);
}

/* One step of the job's life, compare-and-set on its state. */
static void step(fixture *f, srv_job *j, srv_jstate to, int64_t at)
{
    srv_jstate from = j->state;
    j->state = to;
    j->updated_ms = at;
    if (srv_jstate_is_final(to) && to != SRV_JSTATE_POSTED)
        j->final_ms = at;
    if (to == SRV_JSTATE_POSTED)
        j->posted_ms = at;
    mm_error err;
    assert_int_equal(srv_store_update(f->st, j, from, srv_jstate_name(to), "", &err), 0);
}

static void decided(srv_job *j, const char *channel, const char *reach, const char *op)
{
    snprintf(j->channel, sizeof j->channel, "%s", channel);
    snprintf(j->reach, sizeof j->reach, "%s", reach);
    snprintf(j->operator_name, sizeof j->operator_name, "%s", op);
}

static char *query1(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(s, 0);
    char *out = strdup(t ? (const char *)t : "");
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

/* The rollup as text, its zero rows left out. */
static char *dump(const char *path)
{
    return query1(path, "SELECT group_concat(r, ';') FROM (SELECT month||'|'||department||'|'||channel||'|'||"
                        "operator_name||'|'||letter_type||'|'||reach||'|'||outcome||'|'||letters||'|'||pages||'|'||"
                        "lead_n||'|'||lead_ms||'|'||lead_1d||'|'||lead_5wd AS r FROM stats WHERE letters <> 0"
                        " ORDER BY r)");
}

/* The same figures computed from the jobs, written independently of the
 * server's SQL: what the rollup must equal while no job is purged. */
static char *aggregate(const char *path)
{
    return query1(
        path,
        "SELECT group_concat(r, ';') FROM (SELECT m||'|'||d||'|'||channel||'|'||operator_name||'|'||letter_type||'|'||"
        "reach||'|'||o||'|'||count(*)||'|'||sum(pages)||'|'||count(lead)||'|'||coalesce(sum(lead),0)||'|'||"
        "count(CASE WHEN lead <= 86400000 THEN 1 END)||'|'||count(CASE WHEN lead <= 7*86400000 THEN 1 END) AS r"
        " FROM (SELECT strftime('%Y-%m', created_ms/1000, 'unixepoch', 'localtime') AS m, trim(department) AS d,"
        " channel, operator_name, letter_type, reach, pages,"
        " CASE state WHEN 'delivered' THEN 'delivered' WHEN 'printed' THEN 'printed' WHEN 'posted' THEN 'posted'"
        " WHEN 'cancelled' THEN 'cancelled' WHEN 'failed' THEN 'failed' WHEN 'returned' THEN 'failed'"
        " WHEN 'expired' THEN 'failed' ELSE 'pending' END AS o,"
        " CASE WHEN state = 'delivered' THEN final_ms - created_ms WHEN state = 'posted' THEN posted_ms - created_ms"
        " END AS lead FROM jobs) GROUP BY m, d, channel, operator_name, letter_type, reach, o ORDER BY r)");
}

typedef struct {
    srv_stats_result *r;
    mm_error *err;
} ctx;

static int add(const srv_store_stats_row *row, void *arg)
{
    ctx *c = arg;
    return srv_stats_add(c->r, row, c->err);
}

static void figures(fixture *f, const char *from, const char *to, const char *by, srv_stats_result *r)
{
    mm_error err;
    assert_int_equal(srv_stats_begin(r, by, &units, &err), 0);
    ctx c = {r, &err};
    assert_int_equal(srv_store_stats(f->st, from, to, add, &c, &err), 0);
    srv_stats_finish(r);
}

/* Jobs through every path: returns the last job (for a change after gallring). */
static void life(fixture *f, srv_job *reprinted)
{
    srv_job j;
    int64_t jan = utc(2026, 1, 15, 9, 0);
    /* digital, a decision, delivered in 2 hours; the department with blanks */
    submit(f, &j, 1, jan, " Socialförvaltningen ", "beslut", 2);
    decided(&j, "digital", "digital", "Kivra");
    step(f, &j, SRV_JSTATE_SENDING, jan + 1000);
    step(f, &j, SRV_JSTATE_DELIVERED, jan + 7200000);
    /* paper (no mailbox), printed then posted 3 days later */
    submit(f, &j, 2, jan + 60000, "Socialförvaltningen", "information", 3);
    decided(&j, "paper", "no-mailbox", "");
    step(f, &j, SRV_JSTATE_PRINTING, jan + 61000);
    step(f, &j, SRV_JSTATE_PRINTED, jan + 120000);
    step(f, &j, SRV_JSTATE_POSTED, jan + 3 * 86400000LL);
    /* paper that failed, then reprinted (failed -> printing -> printed) */
    submit(f, &j, 3, jan + 120000, "Byggnadsnämnden", "annat", 1);
    decided(&j, "paper", "not-found", "");
    step(f, &j, SRV_JSTATE_PRINTING, jan + 121000);
    step(f, &j, SRV_JSTATE_FAILED, jan + 122000);
    step(f, &j, SRV_JSTATE_PRINTING, jan + 86400000);
    step(f, &j, SRV_JSTATE_PRINTED, jan + 86400000 + 5000);
    *reprinted = j;
    /* 23:30 UTC on 31 January: February's, local time */
    submit(f, &j, 4, utc(2026, 1, 31, 23, 30), "Socialförvaltningen", "beslut", 1);
    decided(&j, "digital", "digital", "Min Myndighetspost");
    step(f, &j, SRV_JSTATE_SENDING, utc(2026, 1, 31, 23, 31));
    step(f, &j, SRV_JSTATE_DELIVERED, utc(2026, 2, 2, 23, 30));
    /* cancelled while queued; one still waiting */
    submit(f, &j, 5, jan, "Byggnadsnämnden", "annat", 4);
    step(f, &j, SRV_JSTATE_CANCELLED, jan + 5000);
    submit(f, &j, 6, jan, "Byggnadsnämnden", "annat", 4);
}

static void test_rollup(void **state)
{
    fixture *f = *state;
    srv_job last;
    life(f, &last);
    char *a = aggregate(f->path), *d = dump(f->path);
    assert_string_equal(d, a);
    free(a);

    srv_stats_result r;
    figures(f, "2026-01", "2026-02", "month", &r);
    assert_int_equal(r.nrows, 2);
    assert_string_equal(r.rows[0].key, "2026-01");
    assert_int_equal(r.rows[0].letters, 3);
    assert_int_equal(r.rows[0].pages, 6);
    assert_int_equal(r.rows[0].digital, 1);
    assert_int_equal(r.rows[0].paper, 2);
    assert_int_equal(r.rows[0].posted, 1);
    assert_int_equal(r.rows[0].failed, 0);
    assert_int_equal(r.rows[0].cancelled, 1);
    assert_int_equal(r.rows[0].pending, 1);
    assert_int_equal(r.rows[0].digital_decisions, 1);
    assert_int_equal(r.rows[0].looked_up, 3);
    assert_int_equal(r.rows[0].reached, 1);
    assert_int_equal(r.rows[0].lead_digital.n, 1);
    assert_int_equal(r.rows[0].lead_digital.sum_ms, 7200000);
    assert_int_equal(r.rows[0].lead_digital.within_1d, 1);
    assert_int_equal(r.rows[0].lead_paper.n, 1);
    assert_int_equal(r.rows[0].lead_paper.sum_ms, 3 * 86400000LL - 60000);
    assert_int_equal(r.rows[0].lead_paper.within_1d, 0);
    assert_int_equal(r.rows[0].lead_paper.within_5wd, 1);
    assert_string_equal(r.rows[1].key, "2026-02");
    assert_int_equal(r.rows[1].digital, 1);
    assert_int_equal(r.rows[1].lead_digital.within_1d, 0);
    assert_int_equal(r.rows[1].lead_digital.within_5wd, 1);
    assert_int_equal(r.totals.digital_decisions, 2);
    srv_stats_free(&r);
    /* the department trimmed: one Socialförvaltningen */
    figures(f, "2026-01", "2026-01", "department", &r);
    assert_int_equal(r.nrows, 2);
    assert_string_equal(r.rows[0].key, "Byggnadsnämnden");
    assert_string_equal(r.rows[1].key, "Socialförvaltningen");
    assert_int_equal(r.rows[1].letters, 2);
    srv_stats_free(&r);

    /* gallring: the jobs lose their departments, the rollup nothing */
    mm_error err;
    assert_int_equal(srv_store_purge(f->st, 30, &err), 5);
    char *blank = query1(f->path, "SELECT count(*) FROM jobs WHERE purged = 1 AND department = '' AND recipient = ''");
    assert_string_equal(blank, "5");
    free(blank);
    char *after = dump(f->path);
    assert_string_equal(after, d);
    free(after);
    /* a purged job that still changes stays counted as it was; no count goes below zero */
    assert_int_equal(srv_store_get(f->st, last.id, &last, &err), 0);
    step(f, &last, SRV_JSTATE_POSTED, utc(2026, 2, 20, 10, 0));
    after = dump(f->path);
    assert_string_equal(after, d);
    free(after);
    char *neg = query1(f->path, "SELECT count(*) FROM stats WHERE letters < 0 OR pages < 0");
    assert_string_equal(neg, "0");
    free(neg);
    free(d);
}

/* A database of the version before the rollup: opened, it gets one built
 * from its jobs, equal to what the triggers would have kept. */
static void test_migration(void **state)
{
    fixture *f = *state;
    srv_job last;
    life(f, &last);
    char *before = dump(f->path);
    srv_store_close(f->st);
    f->st = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER stats_job_insert; DROP TRIGGER stats_job_update; DROP TABLE stats;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    mm_error err;
    f->st = srv_store_open(f->path, &err);
    assert_non_null(f->st);
    char *after = dump(f->path);
    assert_string_equal(after, before);
    free(after);
    /* opened again: built once, not twice */
    srv_store_close(f->st);
    f->st = srv_store_open(f->path, &err);
    assert_non_null(f->st);
    after = dump(f->path);
    assert_string_equal(after, before);
    free(after);
    free(before);
}

int main(void)
{
    setenv("TZ", "Europe/Stockholm", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_savings),
        cmocka_unit_test(test_group),
        cmocka_unit_test(test_days),
        cmocka_unit_test_setup_teardown(test_rollup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
