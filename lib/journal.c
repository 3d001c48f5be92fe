/* SPDX-License-Identifier: EUPL-1.2 */
/* Hash chain of the server journal (see journal.h for the exact layout). */
#include "journal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

void mm_journal_hash(const char *prev_hash, int64_t seq, const char *job_id, int64_t time_ms,
                     const char *event, const char *detail, const char *actor, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    char num[2][32];
    snprintf(num[0], sizeof num[0], "%" PRId64, seq);
    snprintf(num[1], sizeof num[1], "%" PRId64, time_ms);
    const char *parts[] = {prev_hash, num[0], job_id ? job_id : "", num[1], event ? event : "",
                           detail ? detail : "", actor ? actor : ""};
    size_t nparts = sizeof parts / sizeof parts[0] - (actor && actor[0] ? 0 : 1);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    for (size_t i = 0; i < nparts; i++) {
        if (i)
            EVP_DigestUpdate(c, "\x1f", 1);
        EVP_DigestUpdate(c, parts[i], strlen(parts[i]));
    }
    EVP_DigestFinal_ex(c, md, &mdlen);
    EVP_MD_CTX_free(c);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Has the events table the actor column? 1 yes, 0 no, -1 error. */
static int has_actor(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA table_info(events)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int found = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 1);
        if (name && !strcmp((const char *)name, "actor"))
            found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

int mm_journal_migrate(sqlite3 *db, mm_error *err)
{
    int have = has_actor(db);
    if (have == 0 &&
        sqlite3_exec(db, "ALTER TABLE events ADD COLUMN actor TEXT NOT NULL DEFAULT ''", NULL, NULL, NULL) == SQLITE_OK)
        have = 1;
    return have == 1 ? 0 : mm_error_set(err, MM_ERR_SYSTEM, 0, "journal: cannot add the actor column: %s", sqlite3_errmsg(db));
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int mm_journal_verify(sqlite3 *db, mm_journal_report *report, mm_error *err)
{
    memset(report, 0, sizeof *report);
    sqlite3_stmt *st = NULL;
    /* A database no newer server has opened yet has no actor column: its
     * rows are all of the layout before actors. */
    int actor = has_actor(db);
    if (actor < 0 ||
        sqlite3_prepare_v2(db, actor ? "SELECT seq, job_id, time_ms, event, detail, prev_hash, hash, actor "
                                       "FROM events ORDER BY seq"
                                     : "SELECT seq, job_id, time_ms, event, detail, prev_hash, hash, '' "
                                       "FROM events ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot read the journal: %s", sqlite3_errmsg(db));
    char prev[65] = MM_JOURNAL_GENESIS;
    int64_t expect_seq = 1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        char h[65];
        report->rows++;
        if (seq != expect_seq) {
            report->first_bad_seq = expect_seq;
            snprintf(report->problem, sizeof report->problem,
                     "row %" PRId64 " is missing (next row is %" PRId64 ")", expect_seq, seq);
            break;
        }
        if (strcmp(col(st, 5), prev)) {
            report->first_bad_seq = seq;
            snprintf(report->problem, sizeof report->problem,
                     "row %" PRId64 ": prev_hash does not match the previous row's hash", seq);
            break;
        }
        mm_journal_hash(prev, seq, col(st, 1), sqlite3_column_int64(st, 2), col(st, 3), col(st, 4), col(st, 7), h);
        if (strcmp(h, col(st, 6))) {
            report->first_bad_seq = seq;
            snprintf(report->problem, sizeof report->problem,
                     "row %" PRId64 ": content does not match its hash (changed)", seq);
            break;
        }
        memcpy(prev, h, sizeof prev);
        expect_seq++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot read the journal: %s", sqlite3_errmsg(db));
    if (report->first_bad_seq)
        return 0;
    /* The head row catches rows removed from the end of the chain. */
    if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM journal_head WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot read the journal head: %s", sqlite3_errmsg(db));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t hseq = sqlite3_column_int64(st, 0);
        if (hseq != expect_seq - 1 || strcmp(col(st, 1), prev)) {
            report->first_bad_seq = expect_seq - 1 < hseq ? expect_seq : (hseq > 0 ? hseq : 1);
            snprintf(report->problem, sizeof report->problem,
                     "journal head (row %" PRId64 ") does not match the last row %" PRId64
                     " (rows removed at the end, or head changed)", hseq, expect_seq - 1);
        }
    } else if (report->rows > 0) {
        report->first_bad_seq = 1;
        snprintf(report->problem, sizeof report->problem, "journal head is missing");
    }
    sqlite3_finalize(st);
    return 0;
}
