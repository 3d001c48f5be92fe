/* SPDX-License-Identifier: EUPL-1.2 */
/* The hash-chained journal shared by mmprintd (which writes it) and
 * `mmctl audit verify` (which checks it).  Each row of the `events` table
 * stores hash = SHA-256(prev_hash || 0x1f || seq || 0x1f || job_id || 0x1f ||
 * time_ms || 0x1f || event || 0x1f || detail [|| 0x1f || actor]) in
 * lowercase hex, where prev_hash is the previous row's hash (64 '0' for the
 * first row) and actor, the principal that acted (a certificate's DN,
 * "person:LOGIN", "mmprintd" for the server's own steps), is hashed when it
 * is not empty: rows written before the column existed have actor '' and
 * keep their hashes, and no row written since has an empty actor.  The
 * table `journal_head` holds the last seq and hash so that removing rows at
 * the end is detected too. */
#ifndef MM_JOURNAL_H
#define MM_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "error.h"

/* The tables the chain lives in (created by the writer). */
#define MM_JOURNAL_SCHEMA                                                                              \
    "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL,"                \
    " time_ms INTEGER NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL,"                            \
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL, actor TEXT NOT NULL DEFAULT '');"                   \
    "CREATE INDEX IF NOT EXISTS events_job ON events(job_id);"                                         \
    "CREATE TABLE IF NOT EXISTS journal_head (id INTEGER PRIMARY KEY CHECK (id = 1),"                  \
    " seq INTEGER NOT NULL, hash TEXT NOT NULL);"

#define MM_JOURNAL_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Adds the actor column to an events table written before it existed
 * (every old row gets ''): 0, or -1 with err. */
int mm_journal_migrate(sqlite3 *db, mm_error *err);

/* Computes the hex hash of one event row into out (65 bytes); actor NULL
 * or "" is a row of the layout before actors. */
void mm_journal_hash(const char *prev_hash, int64_t seq, const char *job_id, int64_t time_ms,
                     const char *event, const char *detail, const char *actor, char out[65]);

typedef struct {
    int64_t rows;          /* rows checked */
    int64_t first_bad_seq; /* 0 when the chain is intact */
    char problem[256];     /* why the first bad row is bad */
} mm_journal_report;

/* Walks the whole chain.  Returns 0 when it could be read (look at
 * report->first_bad_seq), -1 on a database error. */
int mm_journal_verify(sqlite3 *db, mm_journal_report *report, mm_error *err);

#endif
