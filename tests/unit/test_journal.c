/* SPDX-License-Identifier: EUPL-1.2 */
/* The journal's hash chain (lib/journal): a chain written row by row with
 * mm_journal_hash verifies; a changed, removed, inserted or re-ordered row,
 * or rows cut off at the end, are reported at the first bad row. Real
 * SQLite databases in a temporary directory. */
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

typedef struct {
    char dir[64];
    char path[128];
    sqlite3 *db;
} fixture;

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
}

/* Writes n events the way mmprintd does: each row chained to the previous;
 * the first half without an actor, as rows written before actors existed,
 * the rest with one. */
static void write_chain(sqlite3 *db, int n)
{
    char prev[65] = MM_JOURNAL_GENESIS, h[65];
    for (int i = 1; i <= n; i++) {
        char job[40], detail[64];
        snprintf(job, sizeof job, "job-%d", i % 3);
        snprintf(detail, sizeof detail, "attempt %d: détail with ünicode", i);
        int64_t t = 1700000000000 + i;
        const char *actor = i <= n / 2 ? "" : "C=SE,O=Exempelkommun,CN=desk1";
        mm_journal_hash(prev, i, job, t, "delivered", detail, actor, h);
        sqlite3_stmt *s;
        assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO events (seq, job_id, time_ms, event, detail, prev_hash,"
                                                " hash, actor) VALUES (?,?,?,?,?,?,?,?)", -1, &s, NULL), SQLITE_OK);
        sqlite3_bind_int64(s, 1, i);
        sqlite3_bind_text(s, 2, job, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, t);
        sqlite3_bind_text(s, 4, "delivered", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 5, detail, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 6, prev, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 7, h, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 8, actor, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_finalize(s);
        memcpy(prev, h, sizeof prev);
    }
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO journal_head VALUES (1, %d, '%s')", n, prev);
    exec_ok(db, sql);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_journal.XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/j.db", f->dir);
    if (sqlite3_open(f->path, &f->db) != SQLITE_OK)
        return -1;
    exec_ok(f->db, MM_JOURNAL_SCHEMA);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sqlite3_close(f->db);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static mm_journal_report verify(fixture *f)
{
    mm_journal_report r;
    mm_error err;
    assert_int_equal(mm_journal_verify(f->db, &r, &err), 0);
    return r;
}

static void intact_chain_verifies(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 50);
    mm_journal_report r = verify(f);
    assert_int_equal(r.first_bad_seq, 0);
    assert_int_equal(r.rows, 50);
}

static void empty_journal_is_intact(void **state)
{
    fixture *f = *state;
    mm_journal_report r = verify(f);
    assert_int_equal(r.first_bad_seq, 0);
    assert_int_equal(r.rows, 0);
}

static void changed_detail_is_found(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 20);
    exec_ok(f->db, "UPDATE events SET detail = 'rewritten' WHERE seq = 12");
    mm_journal_report r = verify(f);
    assert_int_equal(r.first_bad_seq, 12);
    assert_non_null(strstr(r.problem, "changed"));
}

static void changed_time_is_found(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 20);
    exec_ok(f->db, "UPDATE events SET time_ms = time_ms + 1 WHERE seq = 3");
    assert_int_equal(verify(f).first_bad_seq, 3);
}

static void recomputed_row_breaks_the_next_link(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 10);
    /* A forger who fixes row 5's own hash still breaks row 6's prev_hash. */
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT prev_hash, job_id, time_ms FROM events WHERE seq = 5", -1, &s,
                                        NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    char h[65], sql[256];
    mm_journal_hash((const char *)sqlite3_column_text(s, 0), 5, (const char *)sqlite3_column_text(s, 1),
                    sqlite3_column_int64(s, 2), "delivered", "forged", "", h);
    sqlite3_finalize(s);
    snprintf(sql, sizeof sql, "UPDATE events SET detail = 'forged', hash = '%s' WHERE seq = 5", h);
    exec_ok(f->db, sql);
    mm_journal_report r = verify(f);
    assert_int_equal(r.first_bad_seq, 6);
    assert_non_null(strstr(r.problem, "prev_hash"));
}

static void removed_row_is_found(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 20);
    exec_ok(f->db, "DELETE FROM events WHERE seq = 7");
    mm_journal_report r = verify(f);
    assert_int_equal(r.first_bad_seq, 7);
    assert_non_null(strstr(r.problem, "missing"));
}

static void cut_off_end_is_found(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 20);
    exec_ok(f->db, "DELETE FROM events WHERE seq > 17");
    mm_journal_report r = verify(f);
    assert_true(r.first_bad_seq > 0);
    assert_non_null(strstr(r.problem, "head"));
}

static void missing_head_is_found(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 5);
    exec_ok(f->db, "DELETE FROM journal_head");
    assert_int_equal(verify(f).first_bad_seq, 1);
}

static void not_a_journal_fails_cleanly(void **state)
{
    fixture *f = *state;
    exec_ok(f->db, "DROP TABLE events");
    mm_journal_report r;
    mm_error err;
    assert_int_equal(mm_journal_verify(f->db, &r, &err), -1);
    assert_int_equal(err.cls, MM_ERR_SYSTEM);
}

static void hash_is_sha256_over_the_documented_fields(void **state)
{
    (void)state;
    char h[65];
    mm_journal_hash(MM_JOURNAL_GENESIS, 1, "j", 2, "e", "d", "", h);
    /* computed with: printf '%s\x1f1\x1fj\x1f2\x1fe\x1fd' 0000…0000 | sha256sum */
    assert_string_equal(h, "76b5db74901027b26543eb5ee0ba1fd45864483ad18fb35142b1c02b93137004");
    char h2[65];
    mm_journal_hash(MM_JOURNAL_GENESIS, 1, "j", 2, "e", "d2", "", h2);
    assert_string_not_equal(h, h2);
    assert_int_equal(strlen(h), 64);
    /* With an actor, it is the seventh field:
     * printf '%s\x1f1\x1fj\x1f2\x1fe\x1fd\x1fa' 0000…0000 | sha256sum */
    mm_journal_hash(MM_JOURNAL_GENESIS, 1, "j", 2, "e", "d", "a", h2);
    assert_string_equal(h2, "dfe5e5717d5da45c3aec9ac73f906a54952662ee7431509138d3e61bfdfb2a75");
}

/* Who acted is covered by the chain: changing it, or blanking it to pass
 * the row off as one written before actors, breaks the row's hash. */
static void changed_actor_is_found(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 20);
    exec_ok(f->db, "UPDATE events SET actor = 'C=SE,O=Exempelkommun,CN=desk2' WHERE seq = 15");
    assert_int_equal(verify(f).first_bad_seq, 15);
}

static void blanked_actor_is_found(void **state)
{
    fixture *f = *state;
    write_chain(f->db, 20);
    exec_ok(f->db, "UPDATE events SET actor = '' WHERE seq = 12");
    assert_int_equal(verify(f).first_bad_seq, 12);
}

/* A journal written before the actor column: verifies as it is, and again
 * after mm_journal_migrate added the column (its rows keep their hashes). */
static void journal_before_actors_verifies_and_migrates(void **state)
{
    fixture *f = *state;
    exec_ok(f->db, "DROP TABLE events; CREATE TABLE events (seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL,"
                   " time_ms INTEGER NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL,"
                   " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)");
    char prev[65] = MM_JOURNAL_GENESIS, h[65], sql[512];
    for (int i = 1; i <= 4; i++) {
        mm_journal_hash(prev, i, "job-1", 1700000000000 + i, "resumed", "old row", "", h);
        snprintf(sql, sizeof sql, "INSERT INTO events VALUES (%d, 'job-1', %lld, 'resumed', 'old row', '%s', '%s')",
                 i, 1700000000000LL + i, prev, h);
        exec_ok(f->db, sql);
        memcpy(prev, h, sizeof prev);
    }
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO journal_head VALUES (1, 4, '%s')", prev);
    exec_ok(f->db, sql);
    mm_journal_report r = verify(f);
    assert_int_equal(r.rows, 4);
    assert_int_equal(r.first_bad_seq, 0);
    mm_error err;
    assert_int_equal(mm_journal_migrate(f->db, &err), 0);
    assert_int_equal(mm_journal_migrate(f->db, &err), 0); /* twice: nothing to do */
    r = verify(f);
    assert_int_equal(r.rows, 4);
    assert_int_equal(r.first_bad_seq, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(intact_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_journal_is_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(changed_detail_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(changed_time_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(recomputed_row_breaks_the_next_link, setup, teardown),
        cmocka_unit_test_setup_teardown(removed_row_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(cut_off_end_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_head_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(not_a_journal_fails_cleanly, setup, teardown),
        cmocka_unit_test(hash_is_sha256_over_the_documented_fields),
        cmocka_unit_test_setup_teardown(changed_actor_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(blanked_actor_is_found, setup, teardown),
        cmocka_unit_test_setup_teardown(journal_before_actors_verifies_and_migrates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
