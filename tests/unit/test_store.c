/* mmprintd's store (server/store.c) and its journal chain when something
 * else writes to the same database: another connection appends chained
 * events (as a second server did before the instance lock), and the
 * store's next writes still succeed, chain onto those rows, and the whole
 * journal verifies (lib/journal).  Real SQLite files in a temporary
 * directory. */
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
        mm_journal_hash(prev, seq, "other", 1700000000500 + i, "resumed", "printing", h);
        assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?,?,?,?,?,?,?)", -1, &s, NULL), SQLITE_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(writes_after_another_writer_chain_on, setup, teardown),
        cmocka_unit_test_setup_teardown(writes_in_between_every_step, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
