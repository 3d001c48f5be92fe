/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd's store (server/store.c), against real SQLite files in a
 * temporary directory:
 * - its journal chain when something else writes to the same database:
 *   another connection appends chained events (as a second server did
 *   before the instance lock), and the store's next writes still succeed,
 *   chain onto those rows, and the whole journal verifies (lib/journal);
 * - compare-and-set: a change made on a stale copy of a job writes
 *   nothing, neither the row nor a journal event, and an exception is
 *   resolved once however many people press the button;
 * - rollback: a write that fails inside its transaction leaves the jobs,
 *   the journal and its head as they were, and the next write chains on;
 * - authorisation (issue 10): an Idempotency-Key is its submitting
 *   client's, every event records its actor, and a database of the version
 *   before both is migrated (its index, its journal) and still verifies.
 * Failures inside a transaction come from the database itself: a
 * duplicate key, or a trigger that refuses one row (installed through a
 * connection of the test's own, as a damaged or hand-edited database
 * would refuse it);
 * - personal data: retention (gallring) blanks every personal column of a
 *   final job, read back from the SQLite file itself, and every journal
 *   detail is masked whoever wrote it;
 * - /metrics' counts (job_counts, kept by triggers) equal a count over the
 *   jobs after every kind of write, also for a database made before them;
 * - opening a store leaves SQLite's process-wide settings alone (they are
 *   mmprintd's main's): a large statement journal spills to a file as
 *   SQLite's default says, and stays in memory with main's setting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "journal.h"
#include "store.h"

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
    snprintf(f->dir, sizeof f->dir, "/tmp/test_store.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/mmprintd.db", f->dir);
    mm_error err;
    f->st = srv_store_open(f->path, &err);
    if (!f->st)
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

static void new_job(srv_job *j, const char *id)
{
    memset(j, 0, sizeof *j);
    snprintf(j->id, sizeof j->id, "%s", id);
    j->state = SRV_JSTATE_QUEUED;
    snprintf(j->channel, sizeof j->channel, "none");
    j->created_ms = j->updated_ms = 1700000000000;
}

/* Appends n chained events through a connection of its own, the way any
 * writer of this journal must: read the head, hash onto it, move the head. */
static void append_elsewhere(const char *path, int n)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *s;
        int64_t seq = 0;
        char prev[65] = MM_JOURNAL_GENESIS, h[65];
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", -1, &s, NULL),
                         SQLITE_OK);
        if (sqlite3_step(s) == SQLITE_ROW) {
            seq = sqlite3_column_int64(s, 0);
            snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(s, 1));
        }
        sqlite3_finalize(s);
        seq++;
        mm_journal_hash(prev, seq, "other", 1700000000500 + i, "resumed", "printing", "", h);
        assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO events (seq, job_id, time_ms, event, detail, prev_hash,"
                                                " hash) VALUES (?,?,?,?,?,?,?)", -1, &s, NULL), SQLITE_OK);
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_text(s, 2, "other", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, 1700000000500 + i);
        sqlite3_bind_text(s, 4, "resumed", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, "printing", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 6, prev, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 7, h, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_finalize(s);
        assert_int_equal(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO journal_head VALUES (1, ?, ?)", -1, &s, NULL),
                         SQLITE_OK);
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_text(s, 2, h, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_finalize(s);
    }
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static mm_journal_report verify(const char *path)
{
    sqlite3 *db;
    mm_journal_report r;
    mm_error err;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(mm_journal_verify(db, &r, &err), 0);
    sqlite3_close(db);
    return r;
}

static int64_t count(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

static void writes_after_another_writer_chain_on(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j;
    new_job(&j, "job-1");
    assert_int_equal(srv_store_insert(f->st, &j, "from desk1", "%PDF-1.4", 8, &err), 0);
    assert_int_equal(srv_store_event(f->st, "job-1", "far", "asked", &err), 0);

    append_elsewhere(f->path, 3);

    /* Each kind of write: a single event, an update, a new job, a batch. */
    assert_int_equal(srv_store_event(f->st, "job-1", "print-failed", "busy", &err), 0);
    j.state = SRV_JSTATE_PRINTING;
    assert_int_equal(srv_store_update(f->st, &j, SRV_JSTATE_QUEUED, "decided", "paper", &err), 0);
    srv_job k;
    new_job(&k, "job-2");
    assert_int_equal(srv_store_insert(f->st, &k, "from desk2", "%PDF-1.4", 8, &err), 0);
    k.state = SRV_JSTATE_PRINTING;
    srv_change ch[] = {{.job = &k, .expect = SRV_JSTATE_QUEUED, .event = "decided", .detail = "paper"}};
    assert_int_equal(srv_store_update_many(f->st, ch, 1, &err), 0);
    assert_int_equal(ch[0].rc, 0);

    mm_journal_report r = verify(f->path);
    assert_int_equal(r.first_bad_seq, 0);
    assert_int_equal(r.rows, 2 + 3 + 4);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE job_id = 'other'"), 3);
}

static void writes_in_between_every_step(void **state)
{
    fixture *f = *state;
    mm_error err;
    /* The other writer keeps writing: the store follows every time. */
    for (int i = 0; i < 5; i++) {
        append_elsewhere(f->path, 1);
        assert_int_equal(srv_store_event(f->st, "job-1", "attempt", "again", &err), 0);
    }
    mm_journal_report r = verify(f->path);
    assert_int_equal(r.first_bad_seq, 0);
    assert_int_equal(r.rows, 10);
    assert_int_equal(count(f->path, "SELECT seq FROM journal_head"), 10);
}

/* ---- compare-and-set ---- */

/* The journal's head row and the number of events, to compare before and
 * after a write that must change nothing. */
typedef struct {
    int64_t seq, events;
    char hash[65];
} journal_state;

static journal_state journal_now(const char *path)
{
    journal_state js = {0};
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, hash FROM journal_head WHERE id = 1", -1, &s, NULL),
                     SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) {
        js.seq = sqlite3_column_int64(s, 0);
        snprintf(js.hash, sizeof js.hash, "%s", (const char *)sqlite3_column_text(s, 1));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    js.events = count(path, "SELECT count(*) FROM events");
    return js;
}

static void assert_journal_unchanged(const char *path, const journal_state *before)
{
    journal_state now = journal_now(path);
    assert_int_equal(now.events, before->events);
    assert_int_equal(now.seq, before->seq);
    assert_string_equal(now.hash, before->hash);
}

/* The journal verifies from genesis to its head, with rows rows. */
static void assert_journal_intact(const char *path, int64_t rows)
{
    mm_journal_report r = verify(path);
    assert_int_equal(r.first_bad_seq, 0);
    assert_int_equal(r.rows, rows);
    assert_int_equal(count(path, "SELECT seq FROM journal_head"), rows);
}

static void insert_job(fixture *f, srv_job *j, const char *id)
{
    mm_error err;
    new_job(j, id);
    assert_int_equal(srv_store_insert(f->st, j, "from desk1", "%PDF-1.4", 8, &err), 0);
}

static void cas_matching_state_writes_row_and_one_event(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j, got;
    insert_job(f, &j, "job-1");
    assert_int_equal(count(f->path, "SELECT count(*) FROM events"), 1);

    j.state = SRV_JSTATE_PRINTING;
    SRV_SET(j.channel, "paper");
    SRV_SET(j.reason, "no mailbox");
    j.updated_ms = 1700000001000;
    assert_int_equal(srv_store_update(f->st, &j, SRV_JSTATE_QUEUED, "decided", "paper", &err), 0);

    assert_int_equal(srv_store_get(f->st, "job-1", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_PRINTING);
    assert_string_equal(got.channel, "paper");
    assert_string_equal(got.reason, "no mailbox");
    assert_int_equal(got.updated_ms, 1700000001000);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events"), 2);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE job_id = 'job-1' AND event = 'decided'"
                                    " AND detail = 'paper'"), 1);
    assert_journal_intact(f->path, 2);
}

static void cas_stale_state_writes_nothing(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j, stale, got;
    insert_job(f, &j, "job-1");
    stale = j; /* a worker's copy taken while the job was queued */
    j.state = SRV_JSTATE_PRINTING;
    SRV_SET(j.channel, "paper");
    assert_int_equal(srv_store_update(f->st, &j, SRV_JSTATE_QUEUED, "decided", "paper", &err), 0);
    journal_state before = journal_now(f->path);

    /* The stale copy still believes the job is queued. */
    stale.state = SRV_JSTATE_SENDING;
    SRV_SET(stale.channel, "digital");
    SRV_SET(stale.operator_name, "Kivra");
    assert_int_equal(srv_store_update(f->st, &stale, SRV_JSTATE_QUEUED, "decided", "digital", &err), 1);

    assert_int_equal(srv_store_get(f->st, "job-1", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_PRINTING);
    assert_string_equal(got.channel, "paper");
    assert_string_equal(got.operator_name, "");
    assert_journal_unchanged(f->path, &before);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE detail = 'digital'"), 0);
    assert_journal_intact(f->path, 2);

    /* Unconditional (SRV_JSTATE_NONE) still writes. */
    assert_int_equal(srv_store_update(f->st, &stale, SRV_JSTATE_NONE, "forced", "digital", &err), 0);
    assert_int_equal(srv_store_get(f->st, "job-1", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_SENDING);
    assert_journal_intact(f->path, 3);
}

static void cas_many_writes_only_the_matching_change(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job a, b, got;
    insert_job(f, &a, "job-a");
    insert_job(f, &b, "job-b");
    srv_job b_stale = b;
    b.state = SRV_JSTATE_SENDING;
    assert_int_equal(srv_store_update(f->st, &b, SRV_JSTATE_QUEUED, "decided", "digital", &err), 0);
    int64_t events = count(f->path, "SELECT count(*) FROM events");
    assert_int_equal(events, 3);

    /* The FaR batcher decides both from its queued copies: job-b moved on
     * meanwhile.  The stale change comes first: the one after it is still
     * written. */
    a.state = SRV_JSTATE_PRINTING;
    b_stale.state = SRV_JSTATE_PRINTING;
    srv_change ch[] = {
        {.job = &b_stale, .expect = SRV_JSTATE_QUEUED, .event = "decided", .detail = "paper-b", .rc = -7},
        {.job = &a, .expect = SRV_JSTATE_QUEUED, .event = "decided", .detail = "paper-a", .rc = -7},
    };
    assert_int_equal(srv_store_update_many(f->st, ch, 2, &err), 0);
    assert_int_equal(ch[0].rc, 1);
    assert_int_equal(ch[1].rc, 0);

    assert_int_equal(srv_store_get(f->st, "job-a", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_PRINTING);
    assert_int_equal(srv_store_get(f->st, "job-b", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_SENDING);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events"), events + 1);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE detail = 'paper-a'"), 1);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE detail = 'paper-b'"), 0);
    assert_journal_intact(f->path, events + 1);
}

static void resolve_twice_resolves_once(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j, got;
    mm_buf doc = MM_BUF_INIT;
    insert_job(f, &j, "job-1");
    j.state = SRV_JSTATE_FAILED;
    j.final_ms = 1700000002000;
    assert_int_equal(srv_store_update(f->st, &j, SRV_JSTATE_QUEUED, "failed", "printer gone", &err), 0);
    /* An open exception keeps its letter. */
    assert_int_equal(srv_store_document(f->st, "job-1", "pdf", &doc, &err), 0);
    assert_int_equal(doc.len, 8);

    /* Two people open the exception list and both press a button. */
    srv_job first = j, second = j;
    SRV_SET(first.resolution, "handled");
    SRV_SET(first.resolved_by, "anna");
    first.resolved_ms = first.updated_ms = 1700000003000;
    SRV_SET(second.resolution, "cancel");
    SRV_SET(second.resolved_by, "bertil");
    second.resolved_ms = second.updated_ms = 1700000003500;
    assert_int_equal(srv_store_resolve(f->st, &first, SRV_JSTATE_FAILED, "resolved", "handled by anna", "person:anna", &err), 0);
    journal_state before = journal_now(f->path);
    assert_int_equal(srv_store_resolve(f->st, &second, SRV_JSTATE_FAILED, "resolved", "cancel by bertil", "person:bertil", &err), 1);

    assert_int_equal(srv_store_get(f->st, "job-1", &got, &err), 0);
    assert_string_equal(got.resolution, "handled");
    assert_string_equal(got.resolved_by, "anna");
    assert_int_equal(got.resolved_ms, 1700000003000);
    assert_journal_unchanged(f->path, &before);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE event = 'resolved'"), 1);
    /* Resolved and final: the letter is gone. */
    assert_int_equal(srv_store_document(f->st, "job-1", "pdf", &doc, &err), 1);
    assert_journal_intact(f->path, 3);
    mm_buf_free(&doc);
}

/* ---- rollback ---- */

static void exec_elsewhere(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

static void duplicate_id_rolls_back(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j, dup, got;
    insert_job(f, &j, "job-1");
    journal_state before = journal_now(f->path);

    new_job(&dup, "job-1");
    SRV_SET(dup.title, "another letter");
    mm_error_clear(&err);
    assert_int_equal(srv_store_insert(f->st, &dup, "from desk2", "%PDF-1.5", 8, &err), -1);
    assert_true(err.msg[0] != 0);
    assert_journal_unchanged(f->path, &before);
    assert_int_equal(srv_store_get(f->st, "job-1", &got, &err), 0);
    assert_string_equal(got.title, "");

    /* The next write chains on the head as it was. */
    assert_int_equal(srv_store_event(f->st, "job-1", "attempt", "again", &err), 0);
    assert_journal_intact(f->path, before.seq + 1);
}

static void duplicate_idem_key_stores_nothing(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j, again, got;
    new_job(&j, "job-1");
    SRV_SET(j.idem_key, "cups-job-uuid-1");
    assert_int_equal(srv_store_insert(f->st, &j, "from desk1", "%PDF-1.4", 8, &err), 0);
    journal_state before = journal_now(f->path);

    /* CUPS sends the same job again (a retry after a lost answer). */
    new_job(&again, "job-2");
    SRV_SET(again.idem_key, "cups-job-uuid-1");
    assert_int_equal(srv_store_insert(f->st, &again, "from desk1", "%PDF-1.4", 8, &err), 1);
    assert_string_equal(again.id, "job-1");
    assert_int_equal(srv_store_get(f->st, "job-2", &got, &err), 1);
    assert_int_equal(count(f->path, "SELECT count(*) FROM jobs"), 1);
    assert_journal_unchanged(f->path, &before);

    assert_int_equal(srv_store_event(f->st, "job-1", "attempt", "again", &err), 0);
    assert_journal_intact(f->path, before.seq + 1);
}

/* The insert writes the job and its "received" event, then its letter is
 * refused: all of it goes, and the head row with it. */
/* Workstation B sending A's key gets a job of its own, never A's. */
static void idem_key_is_the_submitting_clients(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job a, b, got;
    new_job(&a, "job-a");
    SRV_SET(a.idem_key, "cups-job-uuid-1");
    SRV_SET(a.client, "C=SE,O=Exempelkommun,CN=desk1");
    assert_int_equal(srv_store_insert(f->st, &a, "from desk1", "%PDF-1.4", 8, &err), 0);
    new_job(&b, "job-b");
    SRV_SET(b.idem_key, "cups-job-uuid-1");
    SRV_SET(b.client, "C=SE,O=Exempelkommun,CN=desk2");
    assert_int_equal(srv_store_insert(f->st, &b, "from desk2", "%PDF-1.4", 8, &err), 0);
    assert_string_equal(b.id, "job-b");
    assert_int_equal(srv_store_get_by_key(f->st, "C=SE,O=Exempelkommun,CN=desk1", "cups-job-uuid-1", &got, &err), 0);
    assert_string_equal(got.id, "job-a");
    assert_int_equal(srv_store_get_by_key(f->st, "C=SE,O=Exempelkommun,CN=desk2", "cups-job-uuid-1", &got, &err), 0);
    assert_string_equal(got.id, "job-b");
    assert_int_equal(srv_store_get_by_key(f->st, "C=SE,O=Exempelkommun,CN=desk3", "cups-job-uuid-1", &got, &err), 1);
    /* desk2 again: its own job, not a third */
    new_job(&b, "job-c");
    SRV_SET(b.idem_key, "cups-job-uuid-1");
    SRV_SET(b.client, "C=SE,O=Exempelkommun,CN=desk2");
    assert_int_equal(srv_store_insert(f->st, &b, "from desk2", "%PDF-1.4", 8, &err), 1);
    assert_string_equal(b.id, "job-b");
    assert_int_equal(count(f->path, "SELECT count(*) FROM jobs"), 2);
}

typedef struct {
    char actors[8][128];
    int n;
} actors_seen;

static void actor_one(const srv_event *ev, void *arg)
{
    actors_seen *a = arg;
    if (a->n < 8)
        snprintf(a->actors[a->n++], sizeof a->actors[0], "%s:%s", ev->event, ev->actor);
}

/* The intake's event is the submitting client's, a principal's change is
 * its own, the server's steps are "mmprintd"; and the chain covers them. */
static void events_record_their_actor(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j;
    new_job(&j, "job-1");
    SRV_SET(j.client, "C=SE,O=Exempelkommun,CN=desk1");
    assert_int_equal(srv_store_insert(f->st, &j, "from desk1", "%PDF-1.4", 8, &err), 0);
    assert_int_equal(srv_store_event(f->st, "job-1", "far-error", "timeout", &err), 0);
    j.state = SRV_JSTATE_CANCELLED;
    assert_int_equal(srv_store_update_doc(f->st, &j, SRV_JSTATE_QUEUED, "cancelled", "by the API", NULL, NULL, 0,
                                          "CN=admin", &err), 0);
    assert_int_equal(srv_store_event_as(f->st, "", "person:anna", "reachability-precheck", "19121212-****", &err), 0);
    actors_seen a = {0};
    assert_int_equal(srv_store_events(f->st, "job-1", actor_one, &a, &err), 0);
    assert_int_equal(a.n, 3);
    assert_string_equal(a.actors[0], "received:C=SE,O=Exempelkommun,CN=desk1");
    assert_string_equal(a.actors[1], "far-error:mmprintd");
    assert_string_equal(a.actors[2], "cancelled:CN=admin");
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE job_id = '' AND actor = 'person:anna'"), 1);
    assert_journal_intact(f->path, 4);
    exec_elsewhere(f->path, "UPDATE events SET actor = 'CN=desk2' WHERE seq = 3");
    assert_int_equal(verify(f->path).first_bad_seq, 3);
}

/* A database of the version before: the key unique alone, and a journal
 * without actors.  Opened, its index is per client and its journal has
 * actors, the old rows still verify and new rows chain on. */
static void database_before_authz_is_migrated(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job a, b;
    new_job(&a, "job-a");
    SRV_SET(a.idem_key, "key-1");
    SRV_SET(a.client, "CN=desk1");
    assert_int_equal(srv_store_insert(f->st, &a, "from desk1", "%PDF-1.4", 8, &err), 0);
    srv_store_close(f->st);
    /* Back to the old schema, with an old row hashed without an actor. */
    exec_elsewhere(f->path, "DROP INDEX jobs_idem_client; CREATE UNIQUE INDEX jobs_idem ON jobs(idem_key)"
                            " WHERE idem_key <> ''; DELETE FROM events; DELETE FROM journal_head;"
                            " ALTER TABLE events DROP COLUMN actor");
    char h[65], sql[600];
    mm_journal_hash(MM_JOURNAL_GENESIS, 1, "job-a", 1700000000000, "received", "from desk1", "", h);
    snprintf(sql, sizeof sql, "INSERT INTO events VALUES (1, 'job-a', 1700000000000, 'received', 'from desk1', '%s',"
                              " '%s'); INSERT INTO journal_head VALUES (1, 1, '%s')", MM_JOURNAL_GENESIS, h, h);
    exec_elsewhere(f->path, sql);
    assert_int_equal(verify(f->path).first_bad_seq, 0);

    f->st = srv_store_open(f->path, &err);
    assert_non_null(f->st);
    assert_int_equal(count(f->path, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_idem'"), 0);
    new_job(&b, "job-b");
    SRV_SET(b.idem_key, "key-1");
    SRV_SET(b.client, "CN=desk2");
    assert_int_equal(srv_store_insert(f->st, &b, "from desk2", "%PDF-1.4", 8, &err), 0);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE actor = ''"), 1);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE actor = 'CN=desk2'"), 1);
    assert_journal_intact(f->path, 2);
}

static void failure_after_the_event_rolls_back(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j, bad, got;
    mm_buf doc = MM_BUF_INIT;
    insert_job(f, &j, "job-1");
    exec_elsewhere(f->path, "CREATE TRIGGER refuse_doc BEFORE INSERT ON documents WHEN NEW.job_id = 'job-bad'"
                            " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    journal_state before = journal_now(f->path);

    new_job(&bad, "job-bad");
    assert_int_equal(srv_store_insert(f->st, &bad, "from desk1", "%PDF-1.4", 8, &err), -1);
    assert_int_equal(srv_store_get(f->st, "job-bad", &got, &err), 1);
    assert_int_equal(srv_store_document(f->st, "job-bad", "pdf", &doc, &err), 1);
    assert_journal_unchanged(f->path, &before);

    /* The next writes chain on: an insert, an update, a single event. */
    srv_job k;
    insert_job(f, &k, "job-2");
    k.state = SRV_JSTATE_PRINTING;
    assert_int_equal(srv_store_update(f->st, &k, SRV_JSTATE_QUEUED, "decided", "paper", &err), 0);
    assert_int_equal(srv_store_event(f->st, "job-2", "attempt", "again", &err), 0);
    assert_journal_intact(f->path, before.seq + 3);
    mm_buf_free(&doc);
}

/* A batch whose second row cannot be written: the first change, already
 * written with its event inside the transaction, goes too. */
static void failed_batch_rolls_back_every_change(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job a, bad, got;
    insert_job(f, &a, "job-a");
    insert_job(f, &bad, "job-bad");
    exec_elsewhere(f->path, "CREATE TRIGGER refuse_update BEFORE UPDATE ON jobs WHEN NEW.id = 'job-bad'"
                            " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    journal_state before = journal_now(f->path);

    a.state = SRV_JSTATE_PRINTING;
    bad.state = SRV_JSTATE_PRINTING;
    srv_change ch[] = {
        {.job = &a, .expect = SRV_JSTATE_QUEUED, .event = "decided", .detail = "paper"},
        {.job = &bad, .expect = SRV_JSTATE_QUEUED, .event = "decided", .detail = "paper"},
    };
    assert_int_equal(srv_store_update_many(f->st, ch, 2, &err), -1);
    assert_int_equal(ch[0].rc, -1);
    assert_int_equal(ch[1].rc, -1);
    assert_int_equal(srv_store_get(f->st, "job-a", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_QUEUED);
    assert_journal_unchanged(f->path, &before);

    /* The same change alone goes through, chained on the old head. */
    assert_int_equal(srv_store_update_many(f->st, ch, 1, &err), 0);
    assert_int_equal(ch[0].rc, 0);
    assert_int_equal(srv_store_get(f->st, "job-a", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_PRINTING);
    assert_journal_intact(f->path, before.seq + 1);
}

/* ---- personal data ---- */

/* Every text column of job id's row, as one string (read by SQLite, not by
 * the store). */
static void row_text(const char *path, const char *id, char *out, size_t size)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM jobs WHERE id = ?", -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < sqlite3_column_count(q); i++) {
        const unsigned char *t = sqlite3_column_text(q, i);
        int w = snprintf(out + len, size - len, "%s=%s|", sqlite3_column_name(q, i), t ? (const char *)t : "");
        assert_true(w > 0 && (size_t)w < size - len);
        len += (size_t)w;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void retention_blanks_every_personal_column(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j;
    new_job(&j, "job-old");
    j.state = SRV_JSTATE_PRINTED;
    SRV_SET(j.channel, "paper");
    SRV_SET(j.recipient, "191212121212");
    SRV_SET(j.recipient_source, "text");
    SRV_SET(j.recipient_problem, "Personnummer 19121212-**** saknas");
    SRV_SET(j.title, "Beslut Tolvan 19121212-****");
    SRV_SET(j.subject, "Ärende Tolvan Tolvansson");
    SRV_SET(j.user, "tolvan");
    SRV_SET(j.host, "tolvans-dator");
    SRV_SET(j.department, "Barn och unga, Tolvans grupp");
    SRV_SET(j.reason, "FaR: 19121212-****: no mailbox");
    SRV_SET(j.reason_sv, "Tolvan har ingen digital brevlåda");
    SRV_SET(j.client, "CN=desk1");
    SRV_SET(j.cups_job_id, "42");
    SRV_SET(j.policy, "digital-else-paper");
    SRV_SET(j.sha256, "ab");
    j.final_ms = srv_now_ms() - 3 * 86400000LL;
    assert_int_equal(srv_store_insert(f->st, &j, "from CN=desk1", "%PDF-1.4", 8, &err), 0);
    srv_job young = j;
    SRV_SET(young.id, "job-young");
    young.final_ms = srv_now_ms();
    assert_int_equal(srv_store_insert(f->st, &young, "from CN=desk1", "%PDF-1.4", 8, &err), 0);

    assert_int_equal(srv_store_purge(f->st, 2, &err), 1);

    char row[8192];
    row_text(f->path, "job-old", row, sizeof row);
    static const char *const personal[] = {"recipient", "recipient_problem", "title", "subject", "user",
                                           "host", "department", "reason", "reason_sv"};
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++) {
        char want[64];
        snprintf(want, sizeof want, "|%s=|", personal[i]);
        if (!strstr(row, want))
            fail_msg("%s is not blank after retention: %s", personal[i], row);
    }
    if (strstr(row, "Tolvan") || strstr(row, "tolvan") || strstr(row, "19121212"))
        fail_msg("personal data left after retention: %s", row);
    /* What is not personal stays: the principal, CUPS' id, the policy. */
    assert_non_null(strstr(row, "|client=CN=desk1|"));
    assert_non_null(strstr(row, "|cups_job_id=42|"));
    assert_non_null(strstr(row, "|purged=1|"));
    /* A job younger than the retention keeps everything. */
    row_text(f->path, "job-young", row, sizeof row);
    assert_non_null(strstr(row, "|recipient=191212121212|"));
    assert_non_null(strstr(row, "|title=Beslut Tolvan"));
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE event = 'gallring'"), 1);
    assert_journal_intact(f->path, 3);
}

static void journal_details_are_masked(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_job j;
    insert_job(f, &j, "job-1");
    assert_int_equal(srv_store_event(f->st, "job-1", "note",
                                     "about 191212121212, 19121212 1212 and 121212\xe2\x80\x93" "1212; org 162120000142",
                                     &err),
                     0);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE detail LIKE '%1212121212%'"
                                    " OR detail LIKE '%12 1212%' OR detail LIKE '%\xe2\x80\x93" "1212%'"), 0);
    assert_int_equal(count(f->path, "SELECT count(*) FROM events WHERE detail = 'about 19121212****, 19121212 ****"
                                    " and 121212\xe2\x80\x93****; org 162120000142'"), 1);
    assert_journal_intact(f->path, 2);
}

/* ---- batch print streams (issue 13) ---- */

static void count_letter(const srv_job *j, void *arg)
{
    int *seqs = arg;
    seqs[0]++;
    seqs[seqs[0]] = j->batch_seq;
}

/* A worker resuming after a crash stores a batch's letters again: those
 * stored before are left as they are (rc 1, the stored job handed back),
 * the rest are added, and each (batch_id, seq) is one job. */
static void batch_letters_are_stored_once(void **state)
{
    fixture *f = *state;
    mm_error err;
    srv_batch b;
    memset(&b, 0, sizeof b);
    snprintf(b.id, sizeof b.id, "00000000-0000-0000-0000-0000000000b1");
    snprintf(b.client, sizeof b.client, "CN=desk1");
    snprintf(b.idem_key, sizeof b.idem_key, "uuid-1");
    snprintf(b.user, sizeof b.user, "anna");
    b.state = SRV_BSTATE_RECEIVED;
    b.created_ms = 1000;
    assert_int_equal(srv_store_batch_insert(f->st, &b, "test", &err), 0);
    srv_batch again = b;
    snprintf(again.id, sizeof again.id, "00000000-0000-0000-0000-0000000000b2");
    assert_int_equal(srv_store_batch_insert(f->st, &again, "test", &err), 1);
    assert_string_equal(again.id, b.id); /* the same key: that batch */

    srv_job jobs[3];
    srv_batch_letter l[3];
    static const char *const ids[] = {"00000000-0000-0000-0000-000000000100", "00000000-0000-0000-0000-000000000101",
                                      "00000000-0000-0000-0000-000000000102"};
    for (int i = 0; i < 3; i++) {
        new_job(&jobs[i], ids[i]);
        snprintf(jobs[i].batch_id, sizeof jobs[i].batch_id, "%s", b.id);
        jobs[i].batch_seq = i + 1;
        l[i] = (srv_batch_letter){&jobs[i], "letter", "%PDF-", 5, -1};
    }
    assert_int_equal(srv_store_batch_insert_letters(f->st, l, 2, &err), 0);
    assert_int_equal(l[0].rc, 0);
    assert_int_equal(l[1].rc, 0);
    /* the resume: new job ids for seq 1..3 */
    for (int i = 0; i < 3; i++) {
        jobs[i].id[34] = '2'; /* ...0200, ...0201, ...0202 */
        l[i].rc = -1;
    }
    assert_int_equal(srv_store_batch_insert_letters(f->st, l, 3, &err), 0);
    assert_int_equal(l[0].rc, 1);
    assert_int_equal(l[1].rc, 1);
    assert_int_equal(l[2].rc, 0);
    assert_string_equal(jobs[0].id, "00000000-0000-0000-0000-000000000100"); /* the stored one */
    int seqs[8] = {0};
    assert_int_equal(srv_store_batch_letters(f->st, b.id, count_letter, seqs, &err), 0);
    assert_int_equal(seqs[0], 3);
    assert_int_equal(seqs[1], 1);
    assert_int_equal(seqs[2], 2);
    assert_int_equal(seqs[3], 3);

    /* compare-and-set on the batch's state */
    b.state = SRV_BSTATE_SPLIT;
    assert_int_equal(srv_store_batch_update(f->st, &b, SRV_BSTATE_SPLITTING, "x", "", NULL, &err), 1);
    assert_int_equal(srv_store_batch_update(f->st, &b, SRV_BSTATE_RECEIVED, "batch-split", "", NULL, &err), 0);
    srv_batch got;
    assert_int_equal(srv_store_batch_get(f->st, b.id, &got, &err), 0);
    assert_int_equal(got.state, SRV_BSTATE_SPLIT);
}

static void add_state(const char *state, long n, void *arg)
{
    srv_batch_count_state(arg, srv_jstate_from_name(state), (int)n);
}

/* What a decision and the backend's polling ask of a batch: how many
 * letters wait for FaR, the paper ones in seq order, the counts by
 * outcome; all from the index of the batch's states. */
static void batch_letters_by_state(void **state)
{
    fixture *f = *state;
    mm_error err;
    static const char *const batch = "00000000-0000-0000-0000-0000000000c1";
    static const srv_jstate states[] = {SRV_JSTATE_QUEUED,   SRV_JSTATE_PRINTING,        SRV_JSTATE_DELIVERED,
                                        SRV_JSTATE_PRINTING, SRV_JSTATE_NEEDS_RECIPIENT, SRV_JSTATE_QUEUED};
    enum { N = sizeof states / sizeof states[0] };
    srv_job jobs[N];
    srv_batch_letter l[N];
    for (int i = 0; i < N; i++) {
        char id[37];
        snprintf(id, sizeof id, "00000000-0000-0000-0000-0000000003%02u", (unsigned)i % 100u);
        new_job(&jobs[i], id);
        jobs[i].state = states[i];
        snprintf(jobs[i].batch_id, sizeof jobs[i].batch_id, "%s", batch);
        jobs[i].batch_seq = N - i; /* stored out of seq order */
        l[i] = (srv_batch_letter){&jobs[i], "letter", "%PDF-", 5, -1};
    }
    /* a single letter queued too: not the batch's */
    srv_job single;
    new_job(&single, "00000000-0000-0000-0000-000000000399");
    assert_int_equal(srv_store_insert(f->st, &single, "test", "%PDF-", 5, &err), 0);
    assert_int_equal(srv_store_batch_insert_letters(f->st, l, N, &err), 0);

    assert_int_equal(srv_store_batch_undecided(f->st, batch, &err), 2);
    int seqs[8] = {0};
    assert_int_equal(srv_store_batch_paper(f->st, batch, count_letter, seqs, &err), 0);
    assert_int_equal(seqs[0], 2);
    assert_int_equal(seqs[1], 3); /* jobs[3] */
    assert_int_equal(seqs[2], 5); /* jobs[1] */
    srv_batch_counts c = {0};
    assert_int_equal(srv_store_batch_state_counts(f->st, batch, add_state, &c), 0);
    assert_int_equal(c.letters, 6);
    assert_int_equal(c.pending, 2);
    assert_int_equal(c.paper, 2);
    assert_int_equal(c.digital, 1);
    assert_int_equal(c.held, 1);
    assert_int_equal(c.failed, 0);
    assert_int_equal(srv_store_batch_undecided(f->st, "00000000-0000-0000-0000-0000000000ff", &err), 0);
}

static void batch_summary_in_swedish(void **state)
{
    (void)state;
    srv_batch b;
    memset(&b, 0, sizeof b);
    b.state = SRV_BSTATE_SPLIT;
    srv_batch_counts c = {.letters = 400, .digital = 312, .paper = 80, .held = 8};
    char out[256];
    srv_batch_summary_sv(&b, &c, out, sizeof out);
    assert_string_equal(out, "400 brev: 312 digitalt, 80 till utskrift, 8 behöver mottagare");
    srv_batch_counts d = {.letters = 20, .digital = 8, .pending = 12};
    srv_batch_summary_sv(&b, &d, out, sizeof out);
    assert_string_equal(out, "20 brev: 8 digitalt, 12 skickas");
    b.state = SRV_BSTATE_HELD;
    snprintf(b.reason_sv, sizeof b.reason_sv, "Bokmärkena står inte i sidordning");
    srv_batch_summary_sv(&b, &c, out, sizeof out);
    assert_string_equal(out, "Massutskicket är stoppat: Bokmärkena står inte i sidordning");
    /* counting letters by state */
    srv_batch_counts e = {0};
    srv_job j;
    memset(&j, 0, sizeof j);
    srv_jstate st[] = {SRV_JSTATE_DELIVERED, SRV_JSTATE_PRINTED, SRV_JSTATE_NEEDS_RECIPIENT, SRV_JSTATE_QUEUED,
                       SRV_JSTATE_RETURNED};
    for (size_t i = 0; i < 5; i++) {
        j.state = st[i];
        srv_batch_count(&e, &j);
    }
    assert_int_equal(e.letters, 5);
    assert_int_equal(e.digital + e.paper + e.held + e.pending + e.failed, 5);
    assert_int_equal(e.failed, 1);
}

/* ---- /metrics' counts (job_counts, kept by triggers) ---- */

typedef struct {
    char text[4096];
    size_t len;
} lines;

static void add_line(lines *l, const char *state, const char *channel, long n)
{
    int w = snprintf(l->text + l->len, sizeof l->text - l->len, "%s %s %ld\n", state, channel ? channel : "-", n);
    assert_true(w > 0 && (size_t)w < sizeof l->text - l->len);
    l->len += (size_t)w;
}

static void count_line(const char *state, const char *channel, long n, void *arg)
{
    add_line(arg, state, channel, n);
}

static void exception_line(const char *state, long n, void *arg)
{
    add_line(arg, state, NULL, n);
}

/* The rows of a counting query (state, [channel,] count) read by SQLite
 * from the file itself, in the form of the lines above. */
static void counted(const char *path, const char *sql, int with_channel, lines *out)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    memset(out, 0, sizeof *out);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW)
        add_line(out, (const char *)sqlite3_column_text(q, 0),
                 with_channel ? (const char *)sqlite3_column_text(q, 1) : NULL,
                 (long)sqlite3_column_int64(q, with_channel ? 2 : 1));
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* What /metrics reports (srv_store_counts, srv_store_exception_counts) is
 * what a count over every job says now. */
static void assert_counts_are_the_jobs(fixture *f)
{
    lines got, want;
    memset(&got, 0, sizeof got);
    assert_int_equal(srv_store_counts(f->st, count_line, &got), 0);
    counted(f->path, "SELECT state, channel, count(*) FROM jobs GROUP BY state, channel ORDER BY state, channel", 1,
            &want);
    assert_string_equal(got.text, want.text);

    char exc[256], sql[512];
    srv_jstate_sql_in(SRV_JSTATE_F_EXCEPTION, exc, sizeof exc);
    snprintf(sql, sizeof sql,
             "SELECT state, count(*) FROM jobs WHERE state IN (%s) AND resolved_ms = 0 GROUP BY state ORDER BY state",
             exc);
    memset(&got, 0, sizeof got);
    assert_int_equal(srv_store_exception_counts(f->st, exception_line, &got), 0);
    counted(f->path, sql, 0, &want);
    assert_string_equal(got.text, want.text);
}

static void metrics_counts_are_a_count_of_the_jobs(void **state)
{
    fixture *f = *state;
    mm_error err;
    enum { N = 30 };
    srv_job j[N];
    char id[32];
    /* Each way a job is written: inserted, changed alone and many at once,
     * final, exceptions, resolved, purged, and resolved after its purge. */
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "job-%02d", i);
        insert_job(f, &j[i], id);
    }
    assert_counts_are_the_jobs(f);
    srv_change ch[N];
    size_t n = 0;
    for (int i = 0; i < N; i++) {
        static const struct {
            srv_jstate state;
            const char *channel;
        } to[6] = {{SRV_JSTATE_QUEUED, "none"},    {SRV_JSTATE_PRINTING, "paper"}, {SRV_JSTATE_PRINTED, "paper"},
                   {SRV_JSTATE_DELIVERED, "digital"}, {SRV_JSTATE_FAILED, "paper"},  {SRV_JSTATE_RETURNED, "digital"}};
        j[i].state = to[i % 6].state;
        SRV_SET(j[i].channel, to[i % 6].channel);
        if (srv_jstate_is_final(j[i].state))
            j[i].final_ms = 1700000001000; /* long ago: retention purges it */
        if (i < N / 2) {
            assert_int_equal(srv_store_update(f->st, &j[i], SRV_JSTATE_QUEUED, "step", "", &err), 0);
        } else {
            ch[n] = (srv_change){.job = &j[i], .expect = SRV_JSTATE_QUEUED, .event = "step", .detail = ""};
            n++;
        }
    }
    assert_int_equal(srv_store_update_many(f->st, ch, n, &err), 0);
    assert_counts_are_the_jobs(f);

    /* Resolved: handled (stays failed, no longer open), and a reprint. */
    SRV_SET(j[4].resolution, "handled");
    j[4].resolved_ms = 1700000002000;
    assert_int_equal(srv_store_resolve(f->st, &j[4], SRV_JSTATE_FAILED, "resolved", "handled", "person:anna", &err), 0);
    SRV_SET(j[5].resolution, "reprint");
    j[5].resolved_ms = 1700000002000;
    j[5].state = SRV_JSTATE_PRINTING;
    SRV_SET(j[5].channel, "paper");
    assert_int_equal(srv_store_resolve(f->st, &j[5], SRV_JSTATE_RETURNED, "resolved", "reprint", "person:anna", &err),
                     0);
    assert_counts_are_the_jobs(f);

    /* Retention, then an exception resolved after it (the statistics keep
     * such a job as it was when purged; /metrics reports it as it is). */
    assert_true(srv_store_purge(f->st, 1, &err) > 0);
    assert_counts_are_the_jobs(f);
    srv_job got;
    assert_int_equal(srv_store_get(f->st, "job-10", &got, &err), 0);
    assert_int_equal(got.state, SRV_JSTATE_FAILED);
    assert_int_equal(got.purged, 1);
    got.state = SRV_JSTATE_CANCELLED;
    SRV_SET(got.resolution, "cancel");
    got.resolved_ms = 1700000003000;
    assert_int_equal(srv_store_resolve(f->st, &got, SRV_JSTATE_FAILED, "resolved", "cancel", "person:anna", &err), 0);
    assert_counts_are_the_jobs(f);

    /* A row deleted by hand. */
    exec_elsewhere(f->path, "DELETE FROM jobs WHERE id IN ('job-00', 'job-11')");
    assert_counts_are_the_jobs(f);

    /* A database of the version before the counts gets them from its jobs
     * at the next start, and keeps them from then on. */
    exec_elsewhere(f->path, "DROP TRIGGER job_counts_insert; DROP TRIGGER job_counts_update;"
                            " DROP TRIGGER job_counts_delete; DROP TABLE job_counts;"
                            " UPDATE jobs SET state = 'posted' WHERE id = 'job-02'");
    srv_store_close(f->st);
    f->st = srv_store_open(f->path, &err);
    assert_non_null(f->st);
    assert_counts_are_the_jobs(f);
    srv_job k;
    insert_job(f, &k, "job-new");
    assert_counts_are_the_jobs(f);
    assert_int_equal(count(f->path, "SELECT sum(jobs) FROM job_counts"), N - 2 + 1);

    /* A scrape reads those counts, not the jobs (its cost does not grow
     * with them): a row put there by hand is what it reports. */
    exec_elsewhere(f->path, "INSERT INTO job_counts (state, channel, jobs, unresolved) VALUES ('failed', 'probe', 7, 7)");
    lines rep;
    memset(&rep, 0, sizeof rep);
    assert_int_equal(srv_store_counts(f->st, count_line, &rep), 0);
    assert_non_null(strstr(rep.text, "failed probe 7\n"));
    memset(&rep, 0, sizeof rep);
    assert_int_equal(srv_store_exception_counts(f->st, exception_line, &rep), 0);
    char want[64];
    snprintf(want, sizeof want, "failed - %lld\n",
             (long long)count(f->path, "SELECT count(*) + 7 FROM jobs WHERE state = 'failed' AND resolved_ms = 0"));
    assert_non_null(strstr(rep.text, want));
}

/* ---- SQLite's process-wide settings belong to mmprintd's main ---- */

/* A VFS that is the default one but counts the statement journals SQLite
 * writes to a file of their own (SQLITE_OPEN_SUBJOURNAL). */
static sqlite3_vfs counting_vfs;
static const sqlite3_vfs *real_vfs;
static int subjournals;

static int counting_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *out_flags)
{
    if (flags & SQLITE_OPEN_SUBJOURNAL)
        subjournals++;
    return real_vfs->xOpen(vfs, name, file, flags, out_flags);
}

/* Two trigger-firing statements that change about 600 KiB each, in one
 * transaction, through the counting VFS: how many statement journals went
 * to a file. */
static int subjournal_files(const char *dir)
{
    char path[160];
    snprintf(path, sizeof path, "%s/spill.db", dir);
    unlink(path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "counting"), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db,
                          "CREATE TABLE t (a TEXT NOT NULL); CREATE TABLE n (k INTEGER NOT NULL); INSERT INTO n VALUES (0);"
                          "CREATE TRIGGER t_count AFTER UPDATE ON t BEGIN UPDATE n SET k = k + 1; END;"
                          "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000)"
                          " INSERT INTO t SELECT hex(randomblob(150)) FROM c;",
                          NULL, NULL, &msg);
    assert_int_equal(rc, SQLITE_OK);
    subjournals = 0;
    /* The second statement journals the pages the first one changed. */
    rc = sqlite3_exec(db, "BEGIN; UPDATE t SET a = a || 'x'; UPDATE t SET a = a || 'y'; COMMIT;", NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s", msg ? msg : "?");
    sqlite3_close(db);
    unlink(path);
    return subjournals;
}

static void sqlite_settings_are_mains(void **state)
{
    fixture *f = *state;
    real_vfs = sqlite3_vfs_find(NULL);
    assert_non_null(real_vfs);
    counting_vfs = *real_vfs;
    counting_vfs.zName = "counting";
    counting_vfs.pNext = NULL;
    counting_vfs.xOpen = counting_open;
    assert_int_equal(sqlite3_vfs_register(&counting_vfs, 0), SQLITE_OK);

    /* The stores this program opened (every test before this one) left
     * SQLite as it comes: a large statement journal goes to a file. */
    assert_true(subjournal_files(f->dir) > 0);

    /* mmprintd's main, before its first use of SQLite: statement journals
     * stay in memory, however large. */
    srv_store_close(f->st);
    f->st = NULL;
    assert_int_equal(sqlite3_vfs_unregister(&counting_vfs), SQLITE_OK);
    assert_int_equal(sqlite3_shutdown(), SQLITE_OK);
    assert_int_equal(sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1), SQLITE_OK);
    assert_int_equal(sqlite3_vfs_register(&counting_vfs, 0), SQLITE_OK);
    assert_int_equal(subjournal_files(f->dir), 0);
    assert_int_equal(sqlite3_vfs_unregister(&counting_vfs), SQLITE_OK);

    /* A store opened with it works the same. */
    mm_error err;
    f->st = srv_store_open(f->path, &err);
    assert_non_null(f->st);
    srv_job j;
    insert_job(f, &j, "job-1");
    assert_counts_are_the_jobs(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(writes_after_another_writer_chain_on, setup, teardown),
        cmocka_unit_test_setup_teardown(writes_in_between_every_step, setup, teardown),
        cmocka_unit_test_setup_teardown(cas_matching_state_writes_row_and_one_event, setup, teardown),
        cmocka_unit_test_setup_teardown(cas_stale_state_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(cas_many_writes_only_the_matching_change, setup, teardown),
        cmocka_unit_test_setup_teardown(resolve_twice_resolves_once, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_id_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_idem_key_stores_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(idem_key_is_the_submitting_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(events_record_their_actor, setup, teardown),
        cmocka_unit_test_setup_teardown(database_before_authz_is_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(failure_after_the_event_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_batch_rolls_back_every_change, setup, teardown),
        cmocka_unit_test_setup_teardown(retention_blanks_every_personal_column, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_details_are_masked, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_letters_are_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_letters_by_state, setup, teardown),
        cmocka_unit_test(batch_summary_in_swedish),
        cmocka_unit_test_setup_teardown(metrics_counts_are_a_count_of_the_jobs, setup, teardown),
        /* Last: it leaves SQLite configured as mmprintd's main does. */
        cmocka_unit_test_setup_teardown(sqlite_settings_are_mains, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
