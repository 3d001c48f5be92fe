/* SPDX-License-Identifier: EUPL-1.2 */
/* SQLite store of mmprintd (see store.h). */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sqlite3.h>

#include "buf.h"
#include "batch.h"
#include "journal.h"
#include "log.h"

/* Every statement of the store, by name; its SQL is in stmt_sql[]. */
typedef enum {
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_HEAD,
    Q_EVENT_ADD,
    Q_HEAD_SET,
    Q_EVENTS,
    Q_DOC_PUT,
    Q_DOC_GET,
    Q_DOC_PURGE,
    Q_DOC_PURGE_BUT_LETTER,
    Q_JOB_INSERT,
    Q_JOB_GET,
    Q_JOB_GET_KEY,
    Q_JOB_UPDATE,
    Q_JOB_UPDATE_CAS,
    Q_JOB_RESOLVE,
    Q_JOB_LIST,
    Q_JOB_UNFINISHED,
    Q_JOB_HELD,
    Q_JOB_COUNTS,
    Q_JOB_PURGE,
    Q_EXCEPTIONS,
    Q_EXCEPTION_COUNTS,
    Q_EXCEPTION_LETTERS,
    Q_USER_ADD,
    Q_USER_GET,
    Q_USER_DEL,
    Q_USER_LIST,
    Q_LETTERS_USER,
    Q_LETTERS_ALL,
    /* the print room (issue 12) */
    Q_PRINTROOM,
    Q_PRINTROOM_ROOM,
    /* batch print streams (issue 13): the letters of a batch */
    Q_JOB_GET_BATCH_SEQ,
    Q_BATCH_LETTERS,
    Q_BATCH_UNDECIDED,
    Q_BATCH_STATE_COUNTS,
    Q_BATCH_PAPER,
    Q_COUNT
} stmt_id;

/* The statements of the table batches (issue 13), spelled by batch_sql. */
enum { QB_INSERT, QB_GET, QB_GET_KEY, QB_UPDATE, QB_LIST, QB_UNFINISHED, QB_COUNT };

struct srv_store {
    sqlite3 *db;
    /* Prepared once by srv_store_open, finalised by srv_store_close: the
     * store has one connection, and every statement is used under mu. */
    sqlite3_stmt *stmt[Q_COUNT];
    sqlite3_stmt *bstmt[QB_COUNT]; /* the batches' statements (batch_sql, at the end) */
    pthread_mutex_t mu;
    int64_t last_seq;
    char last_hash[65];
};

int64_t srv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One table drives the schema, the INSERT, the UPDATE and reading rows
 * back, so the struct and the columns cannot drift apart. */
enum {
    C_TEXT,
    C_INT,
    C_I64,
    C_STATE, /* srv_jstate, stored as its name */
    C_BSTATE /* srv_bstate (batches), stored as its name */
};
typedef struct {
    const char *name;
    int type;
    size_t off;
    size_t size;
    int personal; /* blanked by retention */
} column;

#define T(f, p) {#f, C_TEXT, offsetof(srv_job, f), sizeof(((srv_job *)0)->f), p}
#define I(f) {#f, C_INT, offsetof(srv_job, f), 0, 0}
#define L(f) {#f, C_I64, offsetof(srv_job, f), 0, 0}
#define S(f) {#f, C_STATE, offsetof(srv_job, f), 0, 0}
/* Personal (blanked by retention): the recipient; the client's free text
 * (title, subject, recipient_problem, host, department: masked at intake,
 * but they name cases, and a masked number keeps the birth date); the
 * reasons (they copy recipient_problem and carry masked numbers); the user
 * (a person's login).  Kept: the principals (client, resolved_by: who
 * acted, as the journal keeps them), ids and receipts (idem_key,
 * cups_job_id, trans_id, message_id: none names a person, the journal has
 * the receipts), the operator and printer (whose, once the recipient is
 * blank, says nothing about anyone), sizes and the letter's hash. */
static const column cols[] = {
    T(id, 0), T(idem_key, 0), S(state), T(channel, 0), T(reason, 1), T(reason_sv, 1),
    T(operator_name, 0), T(operator_url, 0), T(printer, 0), T(trans_id, 0), I(print_job_id),
    T(recipient, 1), T(recipient_source, 0), T(recipient_problem, 1), T(title, 1), T(subject, 1),
    T(user, 1), T(host, 1), T(client, 0), T(cups_job_id, 0), T(policy, 0), T(department, 1),
    I(pages), T(sha256, 0), L(doc_len), T(message_id, 0), I(has_soap), I(attempts),
    L(created_ms), L(updated_ms), L(decided_ms), L(final_ms), L(deadline_ms), I(purged),
    T(resolution, 0), T(resolved_by, 0), L(resolved_ms),
    T(postal_class, 0), T(letter_type, 0), T(reach, 0), I(sheets), L(posted_ms), T(posted_by, 0),
    T(batch_id, 0), I(batch_seq),
};
#undef T
#undef I
#undef L
#undef S
#define NCOLS (sizeof cols / sizeof cols[0])

/* Binds the n columns of table t from the struct at row, the first as
 * parameter first; a state is bound as its name. */
static void bind_row(sqlite3_stmt *s, const column *t, size_t n, const void *row, int first)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = (const char *)row + t[i].off;
        int idx = first + (int)i;
        if (t[i].type == C_TEXT)
            sqlite3_bind_text(s, idx, p, -1, SQLITE_TRANSIENT);
        else if (t[i].type == C_STATE)
            sqlite3_bind_text(s, idx, srv_jstate_name(*(const srv_jstate *)p), -1, SQLITE_STATIC);
        else if (t[i].type == C_BSTATE)
            sqlite3_bind_text(s, idx, srv_bstate_name(*(const srv_bstate *)p), -1, SQLITE_STATIC);
        else if (t[i].type == C_INT)
            sqlite3_bind_int(s, idx, *(const int *)p);
        else
            sqlite3_bind_int64(s, idx, *(const int64_t *)p);
    }
}

/* Reads the result columns 0..n-1 into the struct at row (size bytes,
 * zeroed first), as table t spells them. */
static void read_row(sqlite3_stmt *s, const column *t, size_t n, void *row, size_t size)
{
    memset(row, 0, size);
    for (size_t i = 0; i < n; i++) {
        char *p = (char *)row + t[i].off;
        /* text only where it is text: asking an integer column for text
         * converts its value */
        const char *text = t[i].type == C_INT || t[i].type == C_I64 ? NULL : (const char *)sqlite3_column_text(s, (int)i);
        if (t[i].type == C_TEXT)
            snprintf(p, t[i].size, "%s", text ? text : "");
        else if (t[i].type == C_STATE)
            *(srv_jstate *)p = srv_jstate_from_name(text);
        else if (t[i].type == C_BSTATE)
            *(srv_bstate *)p = srv_bstate_from_name(text);
        else if (t[i].type == C_INT)
            *(int *)p = sqlite3_column_int(s, (int)i);
        else
            *(int64_t *)p = sqlite3_column_int64(s, (int)i);
    }
}

/* A column's SQL type: text (states as their names) or integer. */
static const char *column_sql_type(const column *c)
{
    return c->type == C_TEXT || c->type == C_STATE || c->type == C_BSTATE ? "TEXT NOT NULL DEFAULT ''"
                                                                           : "INTEGER NOT NULL DEFAULT 0";
}

static void bind_job(sqlite3_stmt *s, const srv_job *j, int first)
{
    bind_row(s, cols, NCOLS, j, first);
}

static void read_job(sqlite3_stmt *s, srv_job *j)
{
    read_row(s, cols, NCOLS, j, sizeof *j);
}

/* The SQL of every statement.  Written out here once; a "$" word stands
 * for what cols[] spells (expand_sql): $cols the column list, $values its
 * placeholders, $set the SET list of an update (?1 = id, the column i at
 * ?i+1), $expect the placeholder after the columns (compare-and-set on the
 * state), $blank the personal columns emptied by retention; $working,
 * $final, $exception and $held the states job.c's table gives those flags
 * (srv_jstate_sql_in), so no state name is written twice. */
static const char *const stmt_sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    /* seq is the rowid: the last row is one index step */
    [Q_HEAD] = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
    [Q_EVENT_ADD] = "INSERT INTO events (seq, job_id, time_ms, event, detail, prev_hash, hash, actor)"
                    " VALUES (?,?,?,?,?,?,?,?)",
    [Q_HEAD_SET] = "INSERT INTO journal_head (id, seq, hash) VALUES (1, ?, ?)"
                   " ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    [Q_EVENTS] = "SELECT time_ms, event, detail, actor FROM events WHERE job_id = ? ORDER BY seq",
    [Q_DOC_PUT] = "INSERT OR REPLACE INTO documents (job_id, kind, data) VALUES (?,?,?)",
    [Q_DOC_GET] = "SELECT data FROM documents WHERE job_id = ? AND kind = ?",
    [Q_DOC_PURGE] = "DELETE FROM documents WHERE job_id = ?",
    [Q_DOC_PURGE_BUT_LETTER] = "DELETE FROM documents WHERE job_id = ? AND kind <> 'pdf'",
    [Q_JOB_INSERT] = "INSERT INTO jobs ($cols) VALUES ($values)",
    [Q_JOB_GET] = "SELECT $cols FROM jobs WHERE id = ?",
    /* A key is the submitting client's (?1 NULL: any client's, oldest). */
    [Q_JOB_GET_KEY] = "SELECT $cols FROM jobs WHERE idem_key = ?2 AND (?1 IS NULL OR client = ?1)"
                      " ORDER BY created_ms LIMIT 1",
    [Q_JOB_UPDATE] = "UPDATE jobs SET $set WHERE id = ?1",
    [Q_JOB_UPDATE_CAS] = "UPDATE jobs SET $set WHERE id = ?1 AND state = $expect",
    /* and "not resolved yet": two people resolving one letter at once get
     * one resolution, not two */
    [Q_JOB_RESOLVE] = "UPDATE jobs SET $set WHERE id = ?1 AND state = $expect AND resolved_ms = 0",
    [Q_JOB_LIST] = "SELECT $cols FROM jobs WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR state = ?2)"
                   " AND created_ms >= ?3 AND (?5 IS NULL OR client = ?5) ORDER BY created_ms DESC LIMIT ?4",
    [Q_JOB_UNFINISHED] = "SELECT $cols FROM jobs WHERE state IN ($working) ORDER BY created_ms",
    [Q_JOB_HELD] = "SELECT $cols FROM jobs WHERE state IN ($held) AND created_ms < ?1 ORDER BY created_ms",
    /* /metrics reads the counts kept by triggers (job_counts, counts_schema). */
    [Q_JOB_COUNTS] = "SELECT state, channel, jobs FROM job_counts WHERE jobs <> 0 ORDER BY state, channel",
    [Q_JOB_PURGE] = "UPDATE jobs SET purged = 1$blank WHERE purged = 0 AND final_ms > 0 AND final_ms < ?1"
                    " AND state IN ($final)",
    [Q_EXCEPTIONS] = "SELECT $cols, EXISTS (SELECT 1 FROM documents WHERE job_id = jobs.id AND kind = 'pdf')"
                     " FROM jobs WHERE state IN ($exception) AND resolved_ms = 0 AND (?2 IS NULL OR client = ?2)"
                     " ORDER BY final_ms, created_ms LIMIT ?1",
    [Q_EXCEPTION_COUNTS] = "SELECT state, sum(unresolved) FROM job_counts WHERE state IN ($exception)"
                           " GROUP BY state HAVING sum(unresolved) <> 0",
    /* The documents table holds only unfinished jobs and open exceptions:
     * starting from it keeps this cheap however long the jobs table is. */
    [Q_EXCEPTION_LETTERS] = "SELECT DISTINCT d.job_id FROM documents d JOIN jobs j ON j.id = d.job_id"
                            " WHERE j.state IN ($exception) AND j.resolved_ms = 0"
                            " AND j.final_ms > 0 AND j.final_ms < ?1 ORDER BY d.job_id",
    /* The web portal's local accounts (web_account.c). */
    [Q_USER_ADD] = "INSERT INTO users (name, role, hash, created_ms) VALUES (?,?,?,?) ON CONFLICT(name) DO NOTHING",
    [Q_USER_GET] = "SELECT name, role, hash, created_ms FROM users WHERE name = ?",
    [Q_USER_DEL] = "DELETE FROM users WHERE name = ?",
    [Q_USER_LIST] = "SELECT name, role, '', created_ms FROM users ORDER BY name",
    /* "Mina brev": one person's letters walk the index jobs_user_created
     * backwards and stop at the limit, however many jobs there are; the
     * title filter (?4, a plain substring, ASCII case folded) only reads the
     * rows of that person's dates.  Two statements, not "?1 IS NULL OR
     * user = ?1", which SQLite cannot answer from the index. */
    [Q_LETTERS_USER] = "SELECT $cols FROM jobs WHERE user = ?1 AND created_ms >= ?2 AND created_ms < ?3"
                       " AND (?4 IS NULL OR instr(lower(title), lower(?4)) > 0) ORDER BY created_ms DESC LIMIT ?5",
    [Q_LETTERS_ALL] = "SELECT $cols FROM jobs WHERE created_ms >= ?2 AND created_ms < ?3"
                      " AND (?4 IS NULL OR instr(lower(title), lower(?4)) > 0) ORDER BY created_ms DESC LIMIT ?5",
    /* The print room's letters of a day, in print order: the partial index
     * jobs_paper_decided holds paper letters only, so the query reads that
     * day's paper letters and nothing else.  channel = 'paper' is written
     * out for SQLite to see that the index applies; one statement per
     * room filter, as Q_LETTERS_*, so "any room" does not hide the index. */
    [Q_PRINTROOM] = "SELECT $cols FROM jobs WHERE channel = 'paper' AND decided_ms >= ?1 AND decided_ms < ?2"
                    " ORDER BY decided_ms, created_ms, id LIMIT ?3",
    [Q_PRINTROOM_ROOM] = "SELECT $cols FROM jobs WHERE channel = 'paper' AND decided_ms >= ?1 AND decided_ms < ?2"
                         " AND printer = ?4 ORDER BY decided_ms, created_ms, id LIMIT ?3",
    /* Batch print streams (issue 13): both walk the unique index
     * jobs_batch_seq. */
    [Q_JOB_GET_BATCH_SEQ] = "SELECT $cols FROM jobs WHERE batch_id = ?1 AND batch_seq = CAST(?2 AS INTEGER)",
    [Q_BATCH_LETTERS] = "SELECT $cols FROM jobs WHERE batch_id = ?1 ORDER BY batch_seq",
    /* Asked at every decision of a batch's letter and for every batch
     * listed: they walk jobs_batch_state (the counts read the index
     * alone), not the letters' rows. */
    [Q_BATCH_UNDECIDED] = "SELECT count(*) FROM jobs WHERE batch_id = ?1 AND state = 'queued'",
    [Q_BATCH_STATE_COUNTS] = "SELECT state, count(*) FROM jobs WHERE batch_id = ?1 GROUP BY state",
    [Q_BATCH_PAPER] = "SELECT $cols FROM jobs WHERE batch_id = ?1 AND state = 'printing' ORDER BY batch_seq",
};

/* Writes sql with its "$" words spelled out (see stmt_sql) into out. */
static void expand_sql(const char *sql, mm_buf *out)
{
    while (*sql) {
        size_t n = strcspn(sql, "$");
        mm_buf_append(out, sql, n);
        sql += n;
        if (!*sql)
            break;
        const char *word = ++sql;
        size_t len = strspn(word, "abcdefghijklmnopqrstuvwxyz");
        sql += len;
        for (size_t i = 0, k = 0; i < NCOLS; i++) {
            if (len == 4 && !strncmp(word, "cols", 4))
                mm_buf_printf(out, "%s%s", i ? "," : "", cols[i].name);
            else if (len == 6 && !strncmp(word, "values", 6))
                mm_buf_puts(out, i ? ",?" : "?");
            /* idem_key, created_ms, batch_id and batch_seq never change after the insert: left
             * out of the SET list, their index entries are not rewritten at
             * every step. */
            else if (len == 3 && !strncmp(word, "set", 3) && i > 0 && strcmp(cols[i].name, "idem_key") &&
                     strcmp(cols[i].name, "created_ms") && strncmp(cols[i].name, "batch_", 6))
                mm_buf_printf(out, "%s%s = ?%zu", k++ ? "," : "", cols[i].name, i + 1);
            else if (len == 5 && !strncmp(word, "blank", 5) && cols[i].personal)
                mm_buf_printf(out, ", %s = ''", cols[i].name);
        }
        if (len == 6 && !strncmp(word, "expect", 6))
            mm_buf_printf(out, "?%zu", NCOLS + 1);
        static const struct {
            const char *word;
            unsigned flags;
        } sets[] = {{"working", SRV_JSTATE_F_WORKING},
                    {"final", SRV_JSTATE_F_FINAL},
                    {"exception", SRV_JSTATE_F_EXCEPTION},
                    {"held", SRV_JSTATE_F_HELD}};
        for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++)
            if (len == strlen(sets[k].word) && !strncmp(word, sets[k].word, len)) {
                char in[256];
                srv_jstate_sql_in(sets[k].flags, in, sizeof in);
                mm_buf_puts(out, in);
            }
    }
}

/* Prepares every statement of stmt_sql (after the schema is in place). */
static int prepare_all(srv_store *st, mm_error *err)
{
    for (int i = 0; i < Q_COUNT; i++) {
        mm_buf sql = MM_BUF_INIT;
        expand_sql(stmt_sql[i], &sql);
        int rc = sql.data ? sqlite3_prepare_v3(st->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL)
                          : SQLITE_NOMEM;
        mm_buf_free(&sql);
        if (rc != SQLITE_OK)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "database: preparing statement %d: %s", i,
                                sqlite3_errmsg(st->db));
    }
    return 0;
}

static int exec(srv_store *st, const char *sql, mm_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The statement id, ready to bind; hand it back with release().  The caller
 * holds the mutex. */
static sqlite3_stmt *prep(srv_store *st, stmt_id id)
{
    return st->stmt[id];
}

static void release(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Runs a statement without rows (after its bindings): SQLITE_DONE or the error. */
static int run(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    release(s);
    return rc;
}

/* Steps a statement that yields at most one row: 0 a row (read it, then
 * release), 1 none, -1 error (err set, released). */
static int step_one(srv_store *st, sqlite3_stmt *s, mm_error *err)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    release(s);
    return rc == SQLITE_DONE ? 1 : -1;
}

/* A database written by an earlier version lacks the columns added since:
 * each is added with its default (ALTER TABLE ADD COLUMN), so the table
 * always has every column of cols[]. */
static int add_missing_columns(srv_store *st, mm_error *err)
{
    char have[NCOLS] = {0};
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA table_info(jobs)", -1, &s, NULL) != SQLITE_OK)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(s, 1);
        for (size_t i = 0; i < NCOLS; i++)
            if (name && !strcmp(name, cols[i].name))
                have[i] = 1;
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < NCOLS; i++) {
        if (have[i])
            continue;
        char sql[200];
        snprintf(sql, sizeof sql, "ALTER TABLE jobs ADD COLUMN %s %s", cols[i].name,
                 column_sql_type(&cols[i]));
        if (exec(st, sql, err))
            return -1;
    }
    return 0;
}

/* Reads the journal's last row into the chain head kept in memory. */
static int head_load(srv_store *st, mm_error *err)
{
    sqlite3_stmt *s = prep(st, Q_HEAD);
    int rc = step_one(st, s, err);
    if (rc < 0)
        return -1;
    int64_t seq = 0;
    char hash[65] = MM_JOURNAL_GENESIS;
    if (rc == 0) {
        const unsigned char *h = sqlite3_column_text(s, 1);
        seq = sqlite3_column_int64(s, 0);
        snprintf(hash, sizeof hash, "%s", h ? (const char *)h : "");
        release(s);
    }
    if (st->last_seq && seq != st->last_seq)
        mm_log(MM_LOG_WARN, "journal: another writer moved the chain from row %" PRId64 " to %" PRId64
                            "; continuing from the database", st->last_seq, seq);
    st->last_seq = seq;
    memcpy(st->last_hash, hash, sizeof hash);
    return 0;
}

static int stats_schema(srv_store *st, mm_error *err); /* the statistics' rollup, at the end */
static int batch_schema(srv_store *st, mm_error *err);  /* batch print streams, at the end */
static int counts_schema(srv_store *st, mm_error *err); /* /metrics' counts, at the end */

srv_store *srv_store_open(const char *path, mm_error *err)
{
    srv_store *st = calloc(1, sizeof *st);
    if (!st) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&st->mu, NULL);
    /* The database holds the letters: the server's user alone may read it
     * (SQLite gives its -wal and -shm files the same mode). */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) || ((sb.st_mode & 077) && fchmod(fd, 0600))) {
        mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot create database %s with mode 0600: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        srv_store_close(st);
        return NULL;
    }
    close(fd);
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot open database %s: %s", path,
                     st->db ? sqlite3_errmsg(st->db) : "out of memory");
        srv_store_close(st);
        return NULL;
    }
    sqlite3_busy_timeout(st->db, 5000);
    mm_buf schema = MM_BUF_INIT;
    /* Documents come and go within seconds and their pages are reused from
     * the freelist: checkpointing every 64 MiB of log instead of every 4 MiB
     * copies such a page into the database far less often (8% less CPU per
     * job in tools/bench/server).  A purged letter's pages are zeroed
     * (secure_delete), whatever the SQLite build's default; FAST would save
     * about a third of the log writes but leave purged letters readable in
     * free pages. */
    mm_buf_puts(&schema, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                         "PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=67108864;"
                         "PRAGMA secure_delete=ON;"
                         "CREATE TABLE IF NOT EXISTS jobs (");
    for (size_t i = 0; i < NCOLS; i++)
        mm_buf_printf(&schema, "%s%s %s%s", i ? ", " : "", cols[i].name,
                      column_sql_type(&cols[i]),
                      i == 0 ? " PRIMARY KEY" : "");
    mm_buf_puts(&schema,
                ");"
                /* Empty keys are allowed many times; a real key once per
                 * submitting client: the same key from another workstation
                 * is another job, never the first one's (doc/api.md).  An
                 * older database's index of the key alone is replaced. */
                "DROP INDEX IF EXISTS jobs_idem;"
                "CREATE UNIQUE INDEX IF NOT EXISTS jobs_idem_client ON jobs(client, idem_key) WHERE idem_key <> '';"
                /* No index on state: it would be rewritten on every step of
                 * every job, and the few queries by state can scan. */
                "DROP INDEX IF EXISTS jobs_state;"
                "CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_ms);"
                /* "Mina brev" (Q_LETTERS_USER): a person's letters, newest first. */
                "CREATE INDEX IF NOT EXISTS jobs_user_created ON jobs(user, created_ms);"
                /* The print room's day (Q_PRINTROOM): partial, so a digital
                 * letter's steps never touch it; a paper letter's few
                 * steps (printing, printed, posted) rewrite one small entry. */
                "CREATE INDEX IF NOT EXISTS jobs_paper_decided ON jobs(decided_ms) WHERE channel = 'paper';"
                /* The web portal's local accounts: a yescrypt hash, never a password. */
                "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL,"
                " hash TEXT NOT NULL, created_ms INTEGER NOT NULL);"
                /* The letter (kind pdf) and its sealed delivery (soap) until the
                 * job is final: written and purged in the job's own transactions. */
                "CREATE TABLE IF NOT EXISTS documents (job_id TEXT NOT NULL, kind TEXT NOT NULL,"
                " data BLOB NOT NULL, PRIMARY KEY (job_id, kind));"
                MM_JOURNAL_SCHEMA);
    int rc = schema.data ? exec(st, schema.data, err) : mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    mm_buf_free(&schema);
    if (rc == 0)
        rc = add_missing_columns(st, err);
    if (rc == 0)
        rc = mm_journal_migrate(st->db, err);
    if (rc == 0)
        rc = stats_schema(st, err);
    if (rc == 0)
        rc = counts_schema(st, err);
    if (rc == 0)
        rc = prepare_all(st, err);
    if (rc == 0)
        rc = batch_schema(st, err);
    if (rc) {
        srv_store_close(st);
        return NULL;
    }
    if (head_load(st, err)) {
        srv_store_close(st);
        return NULL;
    }
    return st;
}

void srv_store_close(srv_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(st->stmt[i]); /* NULL: a no-op */
    for (size_t i = 0; i < sizeof st->bstmt / sizeof st->bstmt[0]; i++)
        sqlite3_finalize(st->bstmt[i]);
    if (st->db)
        sqlite3_close(st->db);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

/* Appends one chained event; the caller holds the mutex and a transaction. */
static int add_event(srv_store *st, const char *job_id, int64_t now, const char *event, const char *detail,
                     const char *actor, char h[65], mm_error *err)
{
    int64_t seq = st->last_seq + 1;
    actor = actor && actor[0] ? actor : SRV_ACTOR_SELF;
    mm_journal_hash(st->last_hash, seq, job_id, now, event, detail ? detail : "", actor, h);
    sqlite3_stmt *s = prep(st, Q_EVENT_ADD);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, job_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_text(s, 4, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, st->last_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, h, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, actor, -1, SQLITE_STATIC);
    if (run(s) != SQLITE_DONE)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "journal: %s", sqlite3_errmsg(st->db));
    s = prep(st, Q_HEAD_SET);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, h, -1, SQLITE_STATIC);
    if (run(s) != SQLITE_DONE)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "journal head: %s", sqlite3_errmsg(st->db));
    /* Only advanced once the transaction commits (see tx_end). */
    return 0;
}

/* The in-memory chain head follows the database only after COMMIT, so a
 * rolled-back event never leaves a gap. */
typedef struct {
    int64_t seq;
    char hash[65];
} chain_save;

/* Every event passes here: its detail is masked whoever wrote it, as the
 * last guard, because the journal is immutable and outlives retention
 * (mm_log_mask_text, the rule of the logs). */
static int event_locked(srv_store *st, const char *job_id, int64_t now, const char *event,
                        const char *detail, const char *actor, mm_error *err)
{
    char h[65];
    char *masked = strdup(detail ? detail : "");
    if (!masked)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "journal: out of memory");
    mm_log_mask_text(masked);
    int rc = add_event(st, job_id, now, event, masked, actor, h, err);
    free(masked);
    if (rc)
        return -1;
    st->last_seq++;
    memcpy(st->last_hash, h, sizeof h);
    return 0;
}

/* Every write transaction starts here: the mutex is taken, the chain head
 * saved (c) and the write lock taken (BEGIN IMMEDIATE).  The chain head is
 * read again under the write lock, so a row appended by anything else (a
 * second server, a repair by hand) is chained onto: a stale head in memory
 * would fail every later write with "UNIQUE constraint failed: events.seq",
 * for good.  0, or -1 with err and the mutex released. */
static int tx_begin(srv_store *st, chain_save *c, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    c->seq = st->last_seq;
    memcpy(c->hash, st->last_hash, sizeof c->hash);
    if (run(prep(st, Q_BEGIN)) != SQLITE_DONE) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    } else if (head_load(st, err)) {
        run(prep(st, Q_ROLLBACK));
    } else {
        return 0;
    }
    pthread_mutex_unlock(&st->mu);
    return -1;
}

/* Ends what tx_begin started: COMMIT when ok, else ROLLBACK with the chain
 * head restored; releases the mutex.  0 committed, -1 rolled back. */
static int tx_end(srv_store *st, int ok, const chain_save *c, mm_error *err)
{
    int rc = 0;
    if (!ok || run(prep(st, Q_COMMIT)) != SQLITE_DONE) {
        if (ok)
            mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
        run(prep(st, Q_ROLLBACK));
        st->last_seq = c->seq;
        memcpy(st->last_hash, c->hash, sizeof c->hash);
        rc = -1;
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/* Stores a document of the job (data != NULL) and, once the job is final,
 * removes all of them, but keeps the letter of an open exception; the
 * caller holds the mutex and a transaction. */
static int documents_locked(srv_store *st, const srv_job *job, const char *kind, const void *data, size_t len,
                            mm_error *err)
{
    if (data) {
        sqlite3_stmt *s = prep(st, Q_DOC_PUT);
        sqlite3_bind_text(s, 1, job->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_blob64(s, 3, data, len, SQLITE_STATIC);
        if (run(s) != SQLITE_DONE)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "storing the %s of job %s: %s", kind, job->id,
                                sqlite3_errmsg(st->db));
    }
    if (srv_jstate_is_final(job->state)) {
        /* A letter that reached no one stays until a person resolves it. */
        sqlite3_stmt *s = prep(st, srv_job_is_exception(job) ? Q_DOC_PURGE_BUT_LETTER : Q_DOC_PURGE);
        sqlite3_bind_text(s, 1, job->id, -1, SQLITE_STATIC);
        if (run(s) != SQLITE_DONE)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "purging the documents of job %s: %s", job->id,
                                sqlite3_errmsg(st->db));
    }
    return 0;
}

int srv_store_document(srv_store *st, const char *id, const char *kind, mm_buf *out, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    sqlite3_stmt *s = prep(st, Q_DOC_GET);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    int result = step_one(st, s, err);
    if (result == 0) {
        const void *d = sqlite3_column_blob(s, 0);
        int n = sqlite3_column_bytes(s, 0);
        mm_buf_reset(out);
        result = mm_buf_append(out, d ? d : "", (size_t)n) < 0
            ? mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory reading the %s of job %s", kind, id) : 0;
        release(s);
    }
    pthread_mutex_unlock(&st->mu);
    return result;
}

/* One job by statement id, its parameters ?1 and ?2 bound to p1 and p2
 * (NULL: left NULL), the store locked: 0 found, 1 not, -1 error. */
static int get_one_locked(srv_store *st, stmt_id id, const char *p1, const char *p2, srv_job *job, mm_error *err)
{
    sqlite3_stmt *s = prep(st, id);
    if (p1)
        sqlite3_bind_text(s, 1, p1, -1, SQLITE_TRANSIENT);
    if (p2)
        sqlite3_bind_text(s, 2, p2, -1, SQLITE_TRANSIENT);
    int rc = step_one(st, s, err);
    if (rc == 0) {
        read_job(s, job);
        release(s);
    }
    return rc;
}

int srv_store_insert(srv_store *st, srv_job *job, const char *detail, const void *doc, size_t doc_len, mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    int result = -1, ok = 0;
    sqlite3_stmt *s = prep(st, Q_JOB_INSERT);
    bind_job(s, job, 1);
    int rc = run(s);
    if (rc == SQLITE_DONE) {
        ok = event_locked(st, job->id, job->created_ms, "received", detail, job->client, err) == 0 &&
             documents_locked(st, job, "pdf", doc, doc_len, err) == 0;
        result = 0;
    } else if (rc == SQLITE_CONSTRAINT && job->idem_key[0]) {
        char key[sizeof job->idem_key];
        memcpy(key, job->idem_key, sizeof key);
        char client[sizeof job->client];
        memcpy(client, job->client, sizeof client);
        rc = get_one_locked(st, Q_JOB_GET_KEY, client, key, job, err);
        if (rc == 1)
            mm_error_set(err, MM_ERR_SYSTEM, 0, "duplicate job id");
        ok = rc == 0;
        result = rc == 0 ? 1 : -1;
    } else {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    }
    if (tx_end(st, ok, &c, err))
        result = -1;
    return result;
}

static int get_one(srv_store *st, stmt_id id, const char *p1, const char *p2, srv_job *job, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    int rc = get_one_locked(st, id, p1, p2, job, err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int srv_store_get(srv_store *st, const char *id, srv_job *job, mm_error *err)
{
    return get_one(st, Q_JOB_GET, id, NULL, job, err);
}

int srv_store_get_by_key(srv_store *st, const char *client, const char *key, srv_job *job, mm_error *err)
{
    if (!key || !*key)
        return 1; /* jobs sent without a key are not found by key */
    /* a key is its client's: ?1 the client (NULL: any), ?2 the key */
    return get_one(st, Q_JOB_GET_KEY, client, key, job, err);
}

int srv_store_update(srv_store *st, const srv_job *job, srv_jstate expect_state, const char *event,
                     const char *detail, mm_error *err)
{
    return srv_store_update_doc(st, job, expect_state, event, detail, NULL, NULL, 0, NULL, err);
}

/* Rewrites one job's row by statement id (with ?NCOLS+1 = expect_state
 * when given) and, when it matched, appends its event and stores or purges
 * its documents; the caller holds the mutex and a transaction.  0 done, 1
 * the row did not match (nothing written), -1 error. */
static int write_job_locked(srv_store *st, stmt_id id, const srv_job *job, srv_jstate expect_state,
                            const char *event, const char *detail, const char *kind, const void *doc,
                            size_t doc_len, const char *actor, mm_error *err)
{
    sqlite3_stmt *s = prep(st, id);
    bind_job(s, job, 1);
    if (expect_state != SRV_JSTATE_NONE)
        sqlite3_bind_text(s, (int)NCOLS + 1, srv_jstate_name(expect_state), -1, SQLITE_STATIC);
    if (run(s) != SQLITE_DONE)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    if (sqlite3_changes(st->db) == 0)
        return 1;
    if (event_locked(st, job->id, job->updated_ms ? job->updated_ms : srv_now_ms(), event, detail, actor, err) ||
        documents_locked(st, job, kind, doc, doc_len, err))
        return -1;
    return 0;
}

/* One job's row rewritten by statement id, its event and its documents, in
 * one transaction: 0 done, 1 the row did not match (nothing written), -1
 * error. */
static int update_row(srv_store *st, stmt_id id, const srv_job *job, srv_jstate expect_state,
                      const char *event, const char *detail, const char *kind, const void *doc, size_t doc_len,
                      const char *actor, mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    int result = write_job_locked(st, id, job, expect_state, event, detail, kind, doc, doc_len, actor, err);
    if (tx_end(st, result == 0, &c, err) && result == 0)
        result = -1;
    return result;
}

int srv_store_update_doc(srv_store *st, const srv_job *job, srv_jstate expect_state, const char *event,
                         const char *detail, const char *kind, const void *doc, size_t doc_len, const char *actor,
                         mm_error *err)
{
    return update_row(st, expect_state != SRV_JSTATE_NONE ? Q_JOB_UPDATE_CAS : Q_JOB_UPDATE, job, expect_state, event, detail, kind,
                      doc, doc_len, actor, err);
}

int srv_store_update_many(srv_store *st, srv_change *ch, size_t n, mm_error *err)
{
    chain_save c;
    int result = tx_begin(st, &c, err);
    if (result == 0) {
        int ok = 1;
        for (size_t i = 0; i < n && ok; i++) {
            ch[i].rc = write_job_locked(st, ch[i].expect != SRV_JSTATE_NONE ? Q_JOB_UPDATE_CAS : Q_JOB_UPDATE, ch[i].job, ch[i].expect,
                                        ch[i].event, ch[i].detail, NULL, NULL, 0, NULL, err);
            ok = ch[i].rc >= 0;
        }
        result = tx_end(st, ok, &c, err);
    }
    if (result)
        for (size_t i = 0; i < n; i++)
            ch[i].rc = -1;
    return result;
}

int srv_store_event(srv_store *st, const char *job_id, const char *event, const char *detail, mm_error *err)
{
    return srv_store_event_as(st, job_id, NULL, event, detail, err);
}

int srv_store_event_as(srv_store *st, const char *job_id, const char *actor, const char *event, const char *detail,
                       mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    return tx_end(st, event_locked(st, job_id, srv_now_ms(), event, detail, actor, err) == 0, &c, err);
}

int srv_store_events(srv_store *st, const char *id, void (*fn)(const srv_event *, void *), void *arg,
                     mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    sqlite3_stmt *s = prep(st, Q_EVENTS);
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const unsigned char *event = sqlite3_column_text(s, 1), *detail = sqlite3_column_text(s, 2),
                            *actor = sqlite3_column_text(s, 3);
        srv_event ev = {sqlite3_column_int64(s, 0), event ? (const char *)event : "",
                        detail ? (const char *)detail : "", actor ? (const char *)actor : ""};
        fn(&ev, arg);
    }
    if (rc != SQLITE_DONE)
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    release(s);
    pthread_mutex_unlock(&st->mu);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps query s (bound, the store locked) to its end, each row read by
 * read_one into a new element of *rows (size bytes each), then releases s
 * and unlocks the store: the SQLite result code (SQLITE_DONE when every
 * row was read), *rows (owned by the caller, also on error) and *n. */
static int copy_rows(srv_store *st, sqlite3_stmt *s, size_t size, void (*read_one)(sqlite3_stmt *, void *),
                     void **rows, size_t *n)
{
    size_t cap = 0;
    int rc;
    *rows = NULL;
    *n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            void *r = realloc(*rows, nc * size);
            if (!r) {
                rc = SQLITE_NOMEM;
                break;
            }
            *rows = r;
            cap = nc;
        }
        read_one(s, (char *)*rows + (*n)++ * size);
    }
    release(s);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

/* A job row of a query, with the extra column "kept" of the exception list. */
typedef struct {
    srv_job job;
    int kept;
} job_row;

static void read_job_row(sqlite3_stmt *s, void *row)
{
    read_job(s, &((job_row *)row)->job);
}

static void read_job_kept_row(sqlite3_stmt *s, void *row)
{
    read_job(s, &((job_row *)row)->job);
    ((job_row *)row)->kept = sqlite3_column_int(s, (int)NCOLS);
}

/* Runs a job query (bound, the store locked), copies its rows out, unlocks
 * the store, then calls fn or fn_kept for each row: fn may call back into
 * the store.  with_kept: the query's column NCOLS is "kept". */
static int run_query(srv_store *st, sqlite3_stmt *s, void (*fn)(const srv_job *, void *),
                     void (*fn_kept)(const srv_job *, int, void *), void *arg, mm_error *err)
{
    void *mem;
    size_t n;
    int rc = copy_rows(st, s, sizeof(job_row), fn_kept ? read_job_kept_row : read_job_row, &mem, &n);
    job_row *rows = mem;
    if (rc != SQLITE_DONE) {
        free(rows);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errstr(rc));
    }
    for (size_t i = 0; i < n; i++) {
        if (fn_kept)
            fn_kept(&rows[i].job, rows[i].kept, arg);
        else
            fn(&rows[i].job, arg);
    }
    free(rows);
    return 0;
}

/* The job query id with the store locked, for run_query. */
static sqlite3_stmt *jobs_query(srv_store *st, stmt_id id)
{
    pthread_mutex_lock(&st->mu);
    return prep(st, id);
}

int srv_store_list(srv_store *st, const char *client, const char *user, const char *state, int64_t since_ms,
                   int limit, void (*fn)(const srv_job *, void *), void *arg, mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, Q_JOB_LIST);
    if (client)
        sqlite3_bind_text(s, 5, client, -1, SQLITE_TRANSIENT);
    if (user)
        sqlite3_bind_text(s, 1, user, -1, SQLITE_TRANSIENT);
    if (state)
        sqlite3_bind_text(s, 2, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, since_ms);
    sqlite3_bind_int(s, 4, limit);
    return run_query(st, s, fn, NULL, arg, err);
}

int srv_store_unfinished(srv_store *st, void (*fn)(const srv_job *, void *), void *arg, mm_error *err)
{
    return run_query(st, jobs_query(st, Q_JOB_UNFINISHED), fn, NULL, arg, err);
}

/* Calls fn(text of column 0, text of column 1 or NULL, count of the last
 * column) for each row of a counting query. */
static int run_counts(srv_store *st, stmt_id id, int text_cols, void (*fn)(const char *, const char *, long, void *),
                      void *arg)
{
    pthread_mutex_lock(&st->mu);
    sqlite3_stmt *s = prep(st, id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(s, 0), text_cols > 1 ? (const char *)sqlite3_column_text(s, 1) : NULL,
           (long)sqlite3_column_int64(s, text_cols), arg);
    release(s);
    pthread_mutex_unlock(&st->mu);
    return rc == SQLITE_DONE ? 0 : -1;
}

int srv_store_counts(srv_store *st, void (*fn)(const char *, const char *, long, void *), void *arg)
{
    return run_counts(st, Q_JOB_COUNTS, 2, fn, arg);
}

long srv_store_purge(srv_store *st, int days, mm_error *err)
{
    if (days <= 0)
        return 0;
    int64_t cutoff = srv_now_ms() - (int64_t)days * 86400000;
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    long n = -1;
    int ok = 0;
    sqlite3_stmt *s = prep(st, Q_JOB_PURGE);
    sqlite3_bind_int64(s, 1, cutoff);
    if (run(s) == SQLITE_DONE) {
        n = sqlite3_changes(st->db);
        ok = 1;
        if (n > 0) {
            char d[96];
            snprintf(d, sizeof d, "purged personal fields of %ld jobs older than %d days", n, days);
            ok = event_locked(st, "", srv_now_ms(), "gallring", d, NULL, err) == 0;
        }
    } else {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    }
    if (tx_end(st, ok, &c, err))
        n = -1;
    return n;
}

/* ---- the exception list ---- */

int srv_store_resolve(srv_store *st, const srv_job *job, srv_jstate expect_state, const char *event,
                      const char *detail, const char *actor, mm_error *err)
{
    return update_row(st, Q_JOB_RESOLVE, job, expect_state, event, detail, NULL, NULL, 0, actor, err);
}

int srv_store_exceptions(srv_store *st, const char *client, int limit, void (*fn)(const srv_job *, int kept, void *),
                         void *arg, mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, Q_EXCEPTIONS);
    sqlite3_bind_int(s, 1, limit);
    if (client)
        sqlite3_bind_text(s, 2, client, -1, SQLITE_TRANSIENT);
    return run_query(st, s, NULL, fn, arg, err);
}

typedef struct {
    void (*fn)(const char *, long, void *);
    void *arg;
} state_count;

static void state_count_one(const char *state, const char *unused, long n, void *arg)
{
    (void)unused;
    state_count *sc = arg;
    sc->fn(state, n, sc->arg);
}

int srv_store_exception_counts(srv_store *st, void (*fn)(const char *, long, void *), void *arg)
{
    state_count sc = {fn, arg};
    return run_counts(st, Q_EXCEPTION_COUNTS, 1, state_count_one, &sc);
}

long srv_store_purge_exceptions(srv_store *st, int64_t cutoff_ms, const char *why, mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    sqlite3_stmt *s = prep(st, Q_EXCEPTION_LETTERS);
    long n = 0;
    int ok = 1, rc;
    char **ids = NULL;
    sqlite3_bind_int64(s, 1, cutoff_ms);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char **r = realloc(ids, (size_t)(n + 1) * sizeof *ids);
        char *id = r ? strdup((const char *)sqlite3_column_text(s, 0)) : NULL;
        if (r)
            ids = r;
        if (!id) {
            rc = SQLITE_NOMEM;
            break;
        }
        ids[n++] = id;
    }
    release(s);
    if (rc != SQLITE_DONE) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errstr(rc));
        ok = 0;
    }
    int64_t now = srv_now_ms();
    for (long i = 0; i < n && ok; i++) {
        s = prep(st, Q_DOC_PURGE);
        sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
        if (run(s) != SQLITE_DONE) {
            mm_error_set(err, MM_ERR_SYSTEM, 0, "purging the letter of job %s: %s", ids[i], sqlite3_errmsg(st->db));
            ok = 0;
        } else {
            ok = event_locked(st, ids[i], now, "exception-expired", why, NULL, err) == 0;
        }
    }
    for (long i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    if (tx_end(st, ok, &c, err))
        n = -1;
    return n;
}

int srv_store_held_before(srv_store *st, int64_t before_ms, void (*fn)(const srv_job *, void *), void *arg,
                          mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, Q_JOB_HELD);
    sqlite3_bind_int64(s, 1, before_ms);
    return run_query(st, s, fn, NULL, arg, err);
}

/* ---- the web portal's accounts and letters ---- */

int srv_store_audit(srv_store *st, const char *actor, const char *event, const char *detail, mm_error *err)
{
    return srv_store_event_as(st, "", actor, event, detail, err);
}

/* Adds (Q_USER_ADD) or deletes (Q_USER_DEL) account u and journals event
 * by actor, in one transaction: 0 done, 1 nothing to do (the name exists,
 * or does not), -1 error. */
static int account_write(srv_store *st, stmt_id id, const srv_user *u, const char *event, const char *actor,
                         mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    sqlite3_stmt *s = prep(st, id);
    sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
    if (id == Q_USER_ADD) {
        sqlite3_bind_text(s, 2, u->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, u->hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, srv_now_ms());
    }
    int result = -1, ok = 0;
    if (run(s) != SQLITE_DONE) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    } else if (sqlite3_changes(st->db) == 0) {
        result = 1;
    } else {
        char d[200];
        snprintf(d, sizeof d, "account %s%s%s", u->name, u->role[0] ? " with role " : "", u->role);
        ok = event_locked(st, "", srv_now_ms(), event, d, actor, err) == 0;
        result = ok ? 0 : -1;
    }
    if (tx_end(st, ok, &c, err) && result == 0)
        result = -1;
    return result;
}

int srv_store_user_add(srv_store *st, const srv_user *u, const char *actor, mm_error *err)
{
    return account_write(st, Q_USER_ADD, u, "user-added", actor, err);
}

int srv_store_user_get(srv_store *st, const char *name, srv_user *u, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    sqlite3_stmt *s = prep(st, Q_USER_GET);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    int rc = step_one(st, s, err);
    if (rc == 0) {
        memset(u, 0, sizeof *u);
        snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(s, 0));
        snprintf(u->role, sizeof u->role, "%s", (const char *)sqlite3_column_text(s, 1));
        snprintf(u->hash, sizeof u->hash, "%s", (const char *)sqlite3_column_text(s, 2));
        u->created_ms = sqlite3_column_int64(s, 3);
        release(s);
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int srv_store_user_del(srv_store *st, const char *name, const char *actor, mm_error *err)
{
    srv_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "%s", name);
    return account_write(st, Q_USER_DEL, &u, "user-deleted", actor, err);
}

int srv_store_user_list(srv_store *st, void (*fn)(const srv_user *, void *), void *arg, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    sqlite3_stmt *s = prep(st, Q_USER_LIST);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        srv_user u;
        memset(&u, 0, sizeof u);
        snprintf(u.name, sizeof u.name, "%s", (const char *)sqlite3_column_text(s, 0));
        snprintf(u.role, sizeof u.role, "%s", (const char *)sqlite3_column_text(s, 1));
        u.created_ms = sqlite3_column_int64(s, 3);
        fn(&u, arg);
    }
    if (rc != SQLITE_DONE)
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    release(s);
    pthread_mutex_unlock(&st->mu);
    return rc == SQLITE_DONE ? 0 : -1;
}

int srv_store_letters(srv_store *st, const char *user, const char *title_part, int64_t from_ms, int64_t to_ms,
                      int limit, void (*fn)(const srv_job *, void *), void *arg, mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, user ? Q_LETTERS_USER : Q_LETTERS_ALL);
    if (user)
        sqlite3_bind_text(s, 1, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, from_ms);
    sqlite3_bind_int64(s, 3, to_ms > 0 ? to_ms : INT64_MAX);
    if (title_part && title_part[0])
        sqlite3_bind_text(s, 4, title_part, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 5, limit);
    return run_query(st, s, fn, NULL, arg, err);
}

/* ---- the print room (issue 12) ---- */

int srv_store_printroom(srv_store *st, const char *room, int64_t from_ms, int64_t to_ms, int limit,
                        void (*fn)(const srv_job *, void *), void *arg, mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, room ? Q_PRINTROOM_ROOM : Q_PRINTROOM);
    sqlite3_bind_int64(s, 1, from_ms);
    sqlite3_bind_int64(s, 2, to_ms > 0 ? to_ms : INT64_MAX);
    sqlite3_bind_int(s, 3, limit);
    if (room)
        sqlite3_bind_text(s, 4, room, -1, SQLITE_TRANSIENT);
    return run_query(st, s, fn, NULL, arg, err);
}

/* ---- the statistics' rollup (issue 12, server/stats.h) ----
 *
 * One row per (month of created_ms in local time, department, channel,
 * operator, letter type, FaR's reach word, outcome) with counts, pages and
 * lead-time sums, kept by triggers on jobs, so every path that writes a job
 * (insert, update, update_many, resolve, a reprint, posted) changes it in
 * the same transaction: a crash leaves both or neither.  Retention blanks
 * the department of old jobs (purged 0 -> 1): the update trigger ignores
 * purged rows, so the figures keep the department the job had.  A purged
 * job that still changes state afterwards (an exception resolved after
 * gallring) stays counted as it was when purged.  No recipient, user,
 * title or id is in the rollup.  Answering from it takes milliseconds
 * where an aggregate over the jobs takes seconds (tools/bench/stats).
 * The statement journals its triggers need are kept in memory by a
 * process-wide setting of SQLite, made in mmprintd's main (the why and
 * the figures are there). */

/* The rollup's key and values of one job row (prefix "new", "old" or
 * "jobs"), written into out as "key..., letters, pages, lead_n, lead_ms,
 * lead_1d, lead_5wd" times sign (the aggregate form when sum is set). */
static void stats_row_sql(mm_buf *out, const char *p, int sign, int sum)
{
    char exc[256];
    srv_jstate_sql_in(SRV_JSTATE_F_EXCEPTION, exc, sizeof exc);
    const char *dl = srv_jstate_name(SRV_JSTATE_DELIVERED), *pr = srv_jstate_name(SRV_JSTATE_PRINTED),
               *po = srv_jstate_name(SRV_JSTATE_POSTED), *ca = srv_jstate_name(SRV_JSTATE_CANCELLED);
    char lead[512];
    /* submission -> delivered (digital), submission -> posted (paper) */
    snprintf(lead, sizeof lead,
             "(CASE WHEN %s.state = '%s' AND %s.final_ms > 0 THEN max(0, %s.final_ms - %s.created_ms)"
             " WHEN %s.state = '%s' AND %s.posted_ms > 0 THEN max(0, %s.posted_ms - %s.created_ms) END)",
             p, dl, p, p, p, p, po, p, p, p);
    mm_buf_printf(out,
                  "strftime('%%Y-%%m', %s.created_ms / 1000, 'unixepoch', 'localtime'), trim(%s.department),"
                  " %s.channel, %s.operator_name, %s.letter_type, %s.reach,"
                  " CASE WHEN %s.state IN ('%s','%s','%s','%s') THEN %s.state WHEN %s.state IN (%s) THEN 'failed'"
                  " ELSE 'pending' END,",
                  p, p, p, p, p, p, p, dl, pr, po, ca, p, p, exc);
    const char *f = sum ? "sum" : "";
    mm_buf_printf(out, " %s(%d), %s(%d * %s.pages), %s(%d * (%s IS NOT NULL)), %s(%d * coalesce(%s, 0)),"
                       " %s(%d * coalesce(%s <= 86400000, 0)), %s(%d * coalesce(%s <= 604800000, 0))",
                  f, sign, f, sign, p, f, sign, lead, f, sign, lead, f, sign, lead, f, sign, lead);
}

#define STATS_KEY "month, department, channel, operator_name, letter_type, reach, outcome"
#define STATS_VALUES "letters, pages, lead_n, lead_ms, lead_1d, lead_5wd"

/* An upsert of one job row's contribution (sign +1 or -1) for a trigger. */
static void stats_upsert_sql(mm_buf *out, const char *p, int sign)
{
    mm_buf_puts(out, "INSERT INTO stats (" STATS_KEY ", " STATS_VALUES ") VALUES (");
    stats_row_sql(out, p, sign, 0);
    mm_buf_puts(out, ") ON CONFLICT (" STATS_KEY ") DO UPDATE SET letters = letters + excluded.letters,"
                     " pages = pages + excluded.pages, lead_n = lead_n + excluded.lead_n,"
                     " lead_ms = lead_ms + excluded.lead_ms, lead_1d = lead_1d + excluded.lead_1d,"
                     " lead_5wd = lead_5wd + excluded.lead_5wd;");
}

/* Creates the rollup and its triggers; a database that had none (written
 * by an earlier version) gets it filled from its jobs once, in the same
 * transaction.  Called by srv_store_open. */
static int stats_schema(srv_store *st, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    int have = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'stats'", -1, &q,
                           NULL) != SQLITE_OK)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    have = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    mm_buf sql = MM_BUF_INIT;
    mm_buf_puts(&sql, "BEGIN IMMEDIATE;"
                      "CREATE TABLE IF NOT EXISTS stats (month TEXT NOT NULL, department TEXT NOT NULL,"
                      " channel TEXT NOT NULL, operator_name TEXT NOT NULL, letter_type TEXT NOT NULL,"
                      " reach TEXT NOT NULL, outcome TEXT NOT NULL, letters INTEGER NOT NULL DEFAULT 0,"
                      " pages INTEGER NOT NULL DEFAULT 0, lead_n INTEGER NOT NULL DEFAULT 0,"
                      " lead_ms INTEGER NOT NULL DEFAULT 0, lead_1d INTEGER NOT NULL DEFAULT 0,"
                      " lead_5wd INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (" STATS_KEY ")) WITHOUT ROWID;");
    if (!have) {
        mm_buf_puts(&sql, "INSERT INTO stats (" STATS_KEY ", " STATS_VALUES ") SELECT ");
        stats_row_sql(&sql, "jobs", 1, 1);
        mm_buf_puts(&sql, " FROM jobs GROUP BY 1, 2, 3, 4, 5, 6, 7;");
    }
    mm_buf_puts(&sql, "CREATE TRIGGER IF NOT EXISTS stats_job_insert AFTER INSERT ON jobs BEGIN ");
    stats_upsert_sql(&sql, "new", 1);
    /* Only what the rollup reads: every other update (attempts, deadlines)
     * costs one comparison. */
    mm_buf_puts(&sql, " END; CREATE TRIGGER IF NOT EXISTS stats_job_update AFTER UPDATE ON jobs"
                      " WHEN old.purged = 0 AND new.purged = 0 AND (old.state IS NOT new.state"
                      " OR old.channel IS NOT new.channel OR old.operator_name IS NOT new.operator_name"
                      " OR old.letter_type IS NOT new.letter_type OR old.reach IS NOT new.reach"
                      " OR old.department IS NOT new.department OR old.pages IS NOT new.pages"
                      " OR old.final_ms IS NOT new.final_ms OR old.posted_ms IS NOT new.posted_ms"
                      " OR old.created_ms IS NOT new.created_ms) BEGIN ");
    stats_upsert_sql(&sql, "old", -1);
    stats_upsert_sql(&sql, "new", 1);
    mm_buf_puts(&sql, " END; COMMIT;");
    int rc = sql.data ? exec(st, sql.data, err) : mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    if (rc)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    else if (!have)
        mm_log(MM_LOG_INFO, "statistics: rollup created from the jobs in the database");
    mm_buf_free(&sql);
    return rc;
}

int srv_store_stats(srv_store *st, const char *from_month, const char *to_month,
                    int (*fn)(const srv_store_stats_row *, void *), void *arg, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT " STATS_KEY ", " STATS_VALUES " FROM stats"
                                " WHERE month >= ?1 AND month <= ?2 AND letters <> 0",
                                -1, &s, NULL);
    int result = -1;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, from_month, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, to_month, -1, SQLITE_STATIC);
        result = 0;
        while (result == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *t[7];
            for (int i = 0; i < 7; i++) {
                t[i] = (const char *)sqlite3_column_text(s, i);
                t[i] = t[i] ? t[i] : "";
            }
            srv_store_stats_row r = {t[0], t[1], t[2], t[3], t[4], t[5], t[6],
                                     (long)sqlite3_column_int64(s, 7), (long)sqlite3_column_int64(s, 8),
                                     (long)sqlite3_column_int64(s, 9), sqlite3_column_int64(s, 10),
                                     (long)sqlite3_column_int64(s, 11), (long)sqlite3_column_int64(s, 12)};
            result = fn(&r, arg);
        }
        if (result == 0 && rc != SQLITE_DONE)
            result = mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    } else {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->mu);
    return result;
}

/* ---- batch print streams (issue 13, server/batch.h) ----
 *
 * A batch is a row of batches; its letters are jobs with batch_id and
 * batch_seq, unique together (jobs_batch_seq), so a worker resuming after
 * a crash inserts a letter stored before it again as a no-op. */

#define BT(f) {#f, C_TEXT, offsetof(srv_batch, f), sizeof(((srv_batch *)0)->f), 0}
#define BI(f) {#f, C_INT, offsetof(srv_batch, f), 0, 0}
#define BL(f) {#f, C_I64, offsetof(srv_batch, f), 0, 0}
static const column bcols[] = {
    BT(id), BT(idem_key), BT(client), BT(user), BT(host), BT(cups_job_id), BT(title), BT(department),
    BT(policy), BT(postal_class), BT(letter_type), BT(split), {"state", C_BSTATE, offsetof(srv_batch, state), 0, 0},
    BT(reason), BT(reason_sv), BI(letters), BI(pages), BL(bytes), BT(spool), BL(created_ms), BL(updated_ms),
};
#undef BT
#undef BI
#undef BL
#define NBCOLS (sizeof bcols / sizeof bcols[0])

static void bind_batch(sqlite3_stmt *s, const srv_batch *b)
{
    bind_row(s, bcols, NBCOLS, b, 1);
}

static void read_batch(sqlite3_stmt *s, srv_batch *b)
{
    read_row(s, bcols, NBCOLS, b, sizeof *b);
}

/* The SQL of statement q (QB_*) into out, the columns spelled from bcols. */
static void batch_sql(int q, mm_buf *out)
{
    static const char *const head[QB_COUNT] = {
        [QB_INSERT] = "INSERT INTO batches (", [QB_GET] = "SELECT ", [QB_GET_KEY] = "SELECT ",
        [QB_UPDATE] = "UPDATE batches SET ", [QB_LIST] = "SELECT ", [QB_UNFINISHED] = "SELECT ",
    };
    mm_buf_puts(out, head[q]);
    for (size_t i = 0; i < NBCOLS; i++) {
        if (q == QB_UPDATE)
            mm_buf_printf(out, "%s%s = ?%zu", i ? "," : "", bcols[i].name, i + 1);
        else
            mm_buf_printf(out, "%s%s", i ? "," : "", bcols[i].name);
    }
    switch (q) {
    case QB_INSERT:
        mm_buf_puts(out, ") VALUES (");
        for (size_t i = 0; i < NBCOLS; i++)
            mm_buf_puts(out, i ? ",?" : "?");
        mm_buf_puts(out, ")");
        break;
    case QB_GET:
        mm_buf_puts(out, " FROM batches WHERE id = ?1");
        break;
    case QB_GET_KEY:
        mm_buf_puts(out, " FROM batches WHERE client = ?1 AND idem_key = ?2");
        break;
    case QB_UPDATE: /* compare-and-set on the state (?NBCOLS+1 NULL: any) */
        mm_buf_printf(out, " WHERE id = ?1 AND (?%zu IS NULL OR state = ?%zu)", NBCOLS + 1, NBCOLS + 1);
        break;
    case QB_LIST:
        mm_buf_puts(out, " FROM batches WHERE (?1 IS NULL OR client = ?1) AND (?2 IS NULL OR user = ?2)"
                         " ORDER BY created_ms DESC LIMIT ?3");
        break;
    default:
        mm_buf_puts(out, " FROM batches WHERE state IN ('received','splitting') ORDER BY created_ms");
        break;
    }
}

/* The table batches, the unique index of a batch's letters (after
 * add_missing_columns: an older jobs table gets batch_id first) and the
 * batches' statements. */
static int batch_schema(srv_store *st, mm_error *err)
{
    mm_buf sql = MM_BUF_INIT;
    mm_buf_puts(&sql, "CREATE TABLE IF NOT EXISTS batches (");
    for (size_t i = 0; i < NBCOLS; i++)
        mm_buf_printf(&sql, "%s%s %s%s", i ? ", " : "", bcols[i].name,
                      column_sql_type(&bcols[i]),
                      i == 0 ? " PRIMARY KEY" : "");
    mm_buf_puts(&sql, ");"
                      /* a key is its client's, as for jobs */
                      "CREATE UNIQUE INDEX IF NOT EXISTS batches_idem_client ON batches(client, idem_key)"
                      " WHERE idem_key <> '';"
                      "CREATE INDEX IF NOT EXISTS batches_created ON batches(created_ms);"
                      /* a letter of a batch is stored once */
                      "CREATE UNIQUE INDEX IF NOT EXISTS jobs_batch_seq ON jobs(batch_id, batch_seq)"
                      " WHERE batch_id <> '';"
                      /* a batch's letters by state (Q_BATCH_UNDECIDED, Q_BATCH_PAPER) */
                      "CREATE INDEX IF NOT EXISTS jobs_batch_state ON jobs(batch_id, state, batch_seq)"
                      " WHERE batch_id <> '';");
    int rc = sql.data ? exec(st, sql.data, err) : mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    mm_buf_free(&sql);
    for (int q = 0; q < QB_COUNT && rc == 0; q++) {
        mm_buf b = MM_BUF_INIT;
        batch_sql(q, &b);
        if (!b.data || sqlite3_prepare_v3(st->db, b.data, -1, SQLITE_PREPARE_PERSISTENT, &st->bstmt[q], NULL) != SQLITE_OK)
            rc = mm_error_set(err, MM_ERR_SYSTEM, 0, "database: preparing batch statement %d: %s", q,
                              sqlite3_errmsg(st->db));
        mm_buf_free(&b);
    }
    return rc;
}

/* One batch by statement q with ?1, ?2 bound to p1, p2, the store locked. */
static int batch_get_locked(srv_store *st, int q, const char *p1, const char *p2, srv_batch *b, mm_error *err)
{
    sqlite3_stmt *s = st->bstmt[q];
    sqlite3_bind_text(s, 1, p1, -1, SQLITE_TRANSIENT);
    if (p2)
        sqlite3_bind_text(s, 2, p2, -1, SQLITE_TRANSIENT);
    int rc = step_one(st, s, err);
    if (rc == 0) {
        read_batch(s, b);
        release(s);
    }
    return rc;
}

int srv_store_batch_insert(srv_store *st, srv_batch *b, const char *detail, mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    int result = -1, ok = 0;
    sqlite3_stmt *s = st->bstmt[QB_INSERT];
    bind_batch(s, b);
    int rc = run(s);
    if (rc == SQLITE_DONE) {
        ok = event_locked(st, b->id, b->created_ms, "batch-received", detail, b->client, err) == 0;
        result = 0;
    } else if (rc == SQLITE_CONSTRAINT && b->idem_key[0]) {
        char key[sizeof b->idem_key], client[sizeof b->client];
        memcpy(key, b->idem_key, sizeof key);
        memcpy(client, b->client, sizeof client);
        rc = batch_get_locked(st, QB_GET_KEY, client, key, b, err);
        if (rc == 1)
            mm_error_set(err, MM_ERR_SYSTEM, 0, "duplicate batch id");
        ok = rc == 0;
        result = rc == 0 ? 1 : -1;
    } else {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    }
    if (tx_end(st, ok, &c, err))
        result = -1;
    return result;
}

int srv_store_batch_get(srv_store *st, const char *id, srv_batch *b, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    int rc = batch_get_locked(st, QB_GET, id, NULL, b, err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int srv_store_batch_get_by_key(srv_store *st, const char *client, const char *key, srv_batch *b, mm_error *err)
{
    if (!key || !*key)
        return 1;
    pthread_mutex_lock(&st->mu);
    int rc = batch_get_locked(st, QB_GET_KEY, client, key, b, err);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int srv_store_batch_update(srv_store *st, const srv_batch *b, srv_bstate expect, const char *event,
                           const char *detail, const char *actor, mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    sqlite3_stmt *s = st->bstmt[QB_UPDATE];
    bind_batch(s, b);
    if (expect != SRV_BSTATE_NONE)
        sqlite3_bind_text(s, (int)NBCOLS + 1, srv_bstate_name(expect), -1, SQLITE_STATIC);
    int result = -1;
    if (run(s) != SQLITE_DONE)
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    else if (sqlite3_changes(st->db) == 0)
        result = 1;
    else
        result = event_locked(st, b->id, b->updated_ms ? b->updated_ms : srv_now_ms(), event, detail, actor, err);
    if (tx_end(st, result == 0, &c, err) && result == 0)
        result = -1;
    return result;
}

int srv_store_batch_insert_letters(srv_store *st, srv_batch_letter *l, size_t n, mm_error *err)
{
    chain_save c;
    if (tx_begin(st, &c, err))
        return -1;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        srv_job *job = l[i].job;
        sqlite3_stmt *s = prep(st, Q_JOB_INSERT);
        bind_job(s, job, 1);
        int rc = run(s);
        l[i].rc = -1;
        if (rc == SQLITE_DONE) {
            ok = event_locked(st, job->id, job->created_ms, "received", l[i].detail, job->client, err) == 0 &&
                 documents_locked(st, job, "pdf", l[i].doc, l[i].doc_len, err) == 0;
            l[i].rc = 0;
        } else if (rc == SQLITE_CONSTRAINT && job->batch_id[0]) {
            /* stored before a crash: the stored one stays */
            char bid[sizeof job->batch_id], seq[16];
            memcpy(bid, job->batch_id, sizeof bid);
            snprintf(seq, sizeof seq, "%d", job->batch_seq);
            rc = get_one_locked(st, Q_JOB_GET_BATCH_SEQ, bid, seq, job, err);
            if (rc == 1)
                mm_error_set(err, MM_ERR_SYSTEM, 0, "duplicate job id");
            ok = rc == 0;
            l[i].rc = 1;
        } else {
            mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
            ok = 0;
        }
    }
    int result = tx_end(st, ok, &c, err);
    if (result)
        for (size_t i = 0; i < n; i++)
            l[i].rc = -1;
    return result;
}

int srv_store_batch_letters(srv_store *st, const char *batch_id, void (*fn)(const srv_job *, void *), void *arg,
                            mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, Q_BATCH_LETTERS);
    sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_TRANSIENT);
    return run_query(st, s, fn, NULL, arg, err);
}

int srv_store_batch_paper(srv_store *st, const char *batch_id, void (*fn)(const srv_job *, void *), void *arg,
                          mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, Q_BATCH_PAPER);
    sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_TRANSIENT);
    return run_query(st, s, fn, NULL, arg, err);
}

long srv_store_batch_undecided(srv_store *st, const char *batch_id, mm_error *err)
{
    sqlite3_stmt *s = jobs_query(st, Q_BATCH_UNDECIDED);
    sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_TRANSIENT);
    long n = -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    else
        mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    release(s);
    pthread_mutex_unlock(&st->mu);
    return n;
}

int srv_store_batch_state_counts(srv_store *st, const char *batch_id, void (*fn)(const char *, long, void *),
                                 void *arg)
{
    sqlite3_stmt *s = jobs_query(st, Q_BATCH_STATE_COUNTS);
    sqlite3_bind_text(s, 1, batch_id, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(s, 0), (long)sqlite3_column_int64(s, 1), arg);
    release(s);
    pthread_mutex_unlock(&st->mu);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void read_batch_row(sqlite3_stmt *s, void *row)
{
    read_batch(s, row);
}

/* Runs a batch query (bound, the store locked), copies its rows, unlocks,
 * then calls fn for each. */
static int run_batches(srv_store *st, sqlite3_stmt *s, void (*fn)(const srv_batch *, void *), void *arg,
                       mm_error *err)
{
    void *mem;
    size_t n;
    int rc = copy_rows(st, s, sizeof(srv_batch), read_batch_row, &mem, &n);
    srv_batch *rows = mem;
    if (rc != SQLITE_DONE) {
        free(rows);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errstr(rc));
    }
    for (size_t i = 0; i < n; i++)
        fn(&rows[i], arg);
    free(rows);
    return 0;
}

int srv_store_batch_list(srv_store *st, const char *client, const char *user, int limit,
                         void (*fn)(const srv_batch *, void *), void *arg, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    sqlite3_stmt *s = st->bstmt[QB_LIST];
    if (client)
        sqlite3_bind_text(s, 1, client, -1, SQLITE_TRANSIENT);
    if (user)
        sqlite3_bind_text(s, 2, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 3, limit);
    return run_batches(st, s, fn, arg, err);
}

int srv_store_batch_unfinished(srv_store *st, void (*fn)(const srv_batch *, void *), void *arg, mm_error *err)
{
    pthread_mutex_lock(&st->mu);
    return run_batches(st, st->bstmt[QB_UNFINISHED], fn, arg, err);
}

/* ---- /metrics' job counts ----
 *
 * The jobs per (state, channel) now, and of those the unresolved ones (an
 * open exception is a job in an exception state with resolved_ms = 0), kept
 * by triggers on jobs in the writing transaction, so a scrape reads a few
 * dozen rows instead of grouping every job ever stored (Q_JOB_COUNTS,
 * Q_EXCEPTION_COUNTS): over 1,000,000 jobs the two GROUP BYs took 2.2 to
 * 2.6 s, the store locked throughout, and now well under 1 ms; an insert
 * and two changes of a job cost the same within the noise (3000 jobs, two
 * busy cores).  Not the statistics' rollup: that one is by month
 * and outcome (states folded together), and keeps a purged job as it was
 * when purged, where /metrics reports every job's state now.  A row that
 * falls to 0 stays (a state comes back) and is not reported.  The update
 * trigger fires only when a counted field changes; retention's purge
 * changes none. */
static void counts_upsert_sql(mm_buf *out, const char *p, int sign)
{
    mm_buf_printf(out,
                  "INSERT INTO job_counts (state, channel, jobs, unresolved) VALUES (%s.state, %s.channel, %d,"
                  " %d * (%s.resolved_ms = 0)) ON CONFLICT (state, channel) DO UPDATE SET"
                  " jobs = jobs + excluded.jobs, unresolved = unresolved + excluded.unresolved;",
                  p, p, sign, sign, p);
}

/* Creates the counts and their triggers; a database that had none (written
 * by an earlier version) gets them counted from its jobs once, in the same
 * transaction.  Called by srv_store_open. */
static int counts_schema(srv_store *st, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_counts'", -1,
                           &q, NULL) != SQLITE_OK)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "database: %s", sqlite3_errmsg(st->db));
    int have = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    mm_buf sql = MM_BUF_INIT;
    mm_buf_puts(&sql, "BEGIN IMMEDIATE;"
                      "CREATE TABLE IF NOT EXISTS job_counts (state TEXT NOT NULL, channel TEXT NOT NULL,"
                      " jobs INTEGER NOT NULL DEFAULT 0, unresolved INTEGER NOT NULL DEFAULT 0,"
                      " PRIMARY KEY (state, channel)) WITHOUT ROWID;");
    if (!have)
        mm_buf_puts(&sql, "INSERT INTO job_counts (state, channel, jobs, unresolved)"
                          " SELECT state, channel, count(*), sum(resolved_ms = 0) FROM jobs GROUP BY state, channel;");
    mm_buf_puts(&sql, "CREATE TRIGGER IF NOT EXISTS job_counts_insert AFTER INSERT ON jobs BEGIN ");
    counts_upsert_sql(&sql, "new", 1);
    mm_buf_puts(&sql, " END; CREATE TRIGGER IF NOT EXISTS job_counts_update AFTER UPDATE ON jobs"
                      " WHEN old.state IS NOT new.state OR old.channel IS NOT new.channel"
                      " OR (old.resolved_ms = 0) IS NOT (new.resolved_ms = 0) BEGIN ");
    counts_upsert_sql(&sql, "old", -1);
    counts_upsert_sql(&sql, "new", 1);
    mm_buf_puts(&sql, " END; CREATE TRIGGER IF NOT EXISTS job_counts_delete AFTER DELETE ON jobs BEGIN ");
    counts_upsert_sql(&sql, "old", -1);
    mm_buf_puts(&sql, " END; COMMIT;");
    int rc = sql.data ? exec(st, sql.data, err) : mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    if (rc)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    else if (!have)
        mm_log(MM_LOG_INFO, "metrics: job counts created from the jobs in the database");
    mm_buf_free(&sql);
    return rc;
}
