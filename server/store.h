/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd's durable store: SQLite in WAL mode holding the jobs, the
 * hash-chained journal (lib/journal.h), the idempotency keys (a unique
 * index on jobs(client, idem_key): a key is its submitting client's) and the documents of unfinished jobs and open
 * exceptions.  One connection behind one mutex: every call is
 * a short transaction, and the journal chain needs a single writer anyway.
 * Every statement is prepared once, at open.
 *
 * Ownership: the store copies what it is given (jobs, texts, documents)
 * and keeps nothing of the caller's after a call returns; a srv_job * that
 * a callback receives is the store's, valid only during that call. */
#ifndef MMPRINTD_STORE_H
#define MMPRINTD_STORE_H

#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "batch.h"
#include "job.h"

/* srv_job and srv_jstate: server/job.h. */

typedef struct srv_store srv_store;

/* The journal's actor of the server's own steps (workers, timers, upkeep):
 * every event given no actor (NULL) records this one. */
#define SRV_ACTOR_SELF "mmprintd"

/* Opens (creating it with mode 0600) the database at path: a new handle
 * for srv_store_close, or NULL with err. */
srv_store *srv_store_open(const char *path, mm_error *err);
/* Finalises the statements, closes the database and frees st (NULL: nothing). */
void srv_store_close(srv_store *st);

/* Inserts a new job, its "received" event (its actor: job->client, the
 * submitting principal) and its document (kind "pdf") in one transaction.
 * Returns 0 when inserted, 1 when job->client already submitted idem_key
 * (*job is then replaced by that job; nothing is stored), -1 on error. */
int srv_store_insert(srv_store *st, srv_job *job, const char *detail, const void *doc, size_t doc_len,
                     mm_error *err);

/* A job's document ("pdf": the letter, "soap": the sealed delivery) into
 * out (reset first; the caller owns and frees it): 0 found, 1 not (never
 * stored, or purged), -1 error. */
int srv_store_document(srv_store *st, const char *id, const char *kind, mm_buf *out, mm_error *err);

/* The job id copied into *job: 0 found, 1 not found, -1 error. */
int srv_store_get(srv_store *st, const char *id, srv_job *job, mm_error *err);

/* The job client submitted with this Idempotency-Key (the CUPS job-uuid;
 * client NULL: whoever submitted it first): 0 found, 1 not found, -1 error. */
int srv_store_get_by_key(srv_store *st, const char *client, const char *key, srv_job *job, mm_error *err);

/* Writes every mutable field of job and appends one event, in one
 * transaction.  Unless expect_state is SRV_JSTATE_NONE the row is only
 * changed if its state is still expect_state (compare-and-set): returns 1
 * otherwise.
 * A job that becomes final loses its documents in the same transaction
 * (srv_store_update_many too), except the letter (kind "pdf") of an open
 * exception. */
int srv_store_update(srv_store *st, const srv_job *job, srv_jstate expect_state,
                     const char *event, const char *detail, mm_error *err);
/* The same, also storing document kind (doc != NULL) with the change, the
 * event recorded as done by actor (NULL: SRV_ACTOR_SELF). */
int srv_store_update_doc(srv_store *st, const srv_job *job, srv_jstate expect_state, const char *event,
                         const char *detail, const char *kind, const void *doc, size_t doc_len, const char *actor,
                         mm_error *err);

/* Several compare-and-set updates with their events in ONE transaction
 * (the FaR batcher decides many jobs at once).  Each rc is set like the
 * return of srv_store_update; returns -1 (all rc -1) on a database error. */
typedef struct {
    const srv_job *job;
    srv_jstate expect;    /* SRV_JSTATE_NONE = unconditional */
    const char *event;
    const char *detail;
    int rc;
} srv_change;
int srv_store_update_many(srv_store *st, srv_change *ch, size_t n, mm_error *err);

/* Appends an event for a job (attempts, errors) without changing it. */
int srv_store_event(srv_store *st, const char *job_id, const char *event, const char *detail, mm_error *err);
/* The same, done by actor (NULL: SRV_ACTOR_SELF); job_id "" for an event
 * of no job (a reachability precheck, gallring). */
int srv_store_event_as(srv_store *st, const char *job_id, const char *actor, const char *event, const char *detail,
                       mm_error *err);

/* One journal event of a job; its strings belong to the store and are
 * valid only during the callback. */
typedef struct {
    int64_t time_ms;
    const char *event;
    const char *detail;
    const char *actor; /* who acted ("" in rows written before actors) */
} srv_event;
/* Calls fn for every event of job id, oldest first, with the store locked
 * (fn must not call the store): 0, or -1 with err. */
int srv_store_events(srv_store *st, const char *id, void (*fn)(const srv_event *, void *), void *arg,
                     mm_error *err);

/* Calls fn for every job matching the filters (NULL = any; client: the
 * submitting client), newest first, at most limit.  The rows are read first and fn is called with the store
 * unlocked (it may call the store): 0, or -1 with err. */
int srv_store_list(srv_store *st, const char *client, const char *user, const char *state, int64_t since_ms,
                   int limit, void (*fn)(const srv_job *, void *), void *arg, mm_error *err);

/* Calls fn for every job not in a final state and not waiting for a
 * recipient, as srv_store_list does. */
int srv_store_unfinished(srv_store *st, void (*fn)(const srv_job *, void *), void *arg, mm_error *err);

/* Per state/channel counts for /metrics (jobs now; read from counts kept
 * by triggers on jobs, a few rows however many jobs are stored): calls
 * fn(state, channel, count), count > 0, ordered by state and channel,
 * with the store locked (fn must not call the store; the strings live for
 * the call only): 0, or -1 on a database error. */
int srv_store_counts(srv_store *st, void (*fn)(const char *, const char *, long, void *), void *arg);

/* Retention (gallring): blanks the personal fields of final jobs older than
 * days and journals one "gallring" event.  Returns the number of jobs purged. */
long srv_store_purge(srv_store *st, int days, mm_error *err);

int64_t srv_now_ms(void);

/* ---- the exception list (DESIGN: a letter that reached no one is never
 * deleted until a person has taken care of it) ---- */


/* Resolves an exception: writes job (its new state, or resolution and
 * resolved_ms) and appends one event, in one transaction, only if the
 * stored row is still in expect_state and unresolved (1 otherwise).  The
 * letter is purged in the same transaction when job is no longer an open
 * exception and is final. */
int srv_store_resolve(srv_store *st, const srv_job *job, srv_jstate expect_state, const char *event,
                      const char *detail, const char *actor, mm_error *err);

/* Calls fn for every open exception (client: only those it submitted; NULL
 * every one), oldest final first, at most limit; kept tells whether its
 * letter is still stored.  As srv_store_list: fn is
 * called with the store unlocked. */
int srv_store_exceptions(srv_store *st, const char *client, int limit, void (*fn)(const srv_job *, int kept, void *),
                         void *arg, mm_error *err);

/* Open exceptions per state for /metrics: calls fn(state, count), count
 * > 0, read and locked as srv_store_counts. */
int srv_store_exception_counts(srv_store *st, void (*fn)(const char *, long, void *), void *arg);

/* Purges the letters of open exceptions final before cutoff_ms (the jobs
 * stay in the exception list, without their letters) and journals one
 * "exception-expired" event per job.  Returns how many, -1 on error. */
long srv_store_purge_exceptions(srv_store *st, int64_t cutoff_ms, const char *why, mm_error *err);

/* Calls fn for every job waiting for a recipient since before before_ms,
 * as srv_store_list does. */
int srv_store_held_before(srv_store *st, int64_t before_ms, void (*fn)(const srv_job *, void *), void *arg,
                          mm_error *err);

/* ---- the web portal (server/web.h) ---- */

/* An event of no job in the hash-chained journal: the audit trail of what
 * people do that is not a step of one letter (a login, a failed login, a
 * logout, an account added).  actor: the principal ("person:LOGIN", a
 * certificate's DN).  The detail is masked like every event's. */
int srv_store_audit(srv_store *st, const char *actor, const char *event, const char *detail, mm_error *err);

/* A local account of the web portal: its yescrypt hash, never a password. */
typedef struct {
    char name[128];
    char role[32];     /* srv_auth_role's word */
    char hash[256];    /* crypt(3) output; "" in lists */
    int64_t created_ms;
} srv_user;
/* Adds u (created now) and journals "user-added" by actor, in one
 * transaction: 0 added, 1 the name exists already (nothing changed), -1 error. */
int srv_store_user_add(srv_store *st, const srv_user *u, const char *actor, mm_error *err);
/* The account name into *u: 0 found, 1 not, -1 error. */
int srv_store_user_get(srv_store *st, const char *name, srv_user *u, mm_error *err);
/* Deletes it and journals "user-deleted" by actor: 0 deleted, 1 none, -1 error. */
int srv_store_user_del(srv_store *st, const char *name, const char *actor, mm_error *err);
/* Calls fn for every account by name, hashes left out, with the store
 * locked (fn must not call the store): 0, or -1 with err. */
int srv_store_user_list(srv_store *st, void (*fn)(const srv_user *, void *), void *arg, mm_error *err);

/* "Mina brev": the jobs printed under user (NULL: everyone's), created in
 * [from_ms, to_ms) (to_ms 0: no end), whose title contains title_part
 * (NULL or "": any; ASCII letters case-insensitive), newest first, at most
 * limit; fn as srv_store_list's (the store unlocked). */
int srv_store_letters(srv_store *st, const char *user, const char *title_part, int64_t from_ms, int64_t to_ms,
                      int limit, void (*fn)(const srv_job *, void *), void *arg, mm_error *err);

/* ---- the print room (issue 12) ---- */

/* The print room's letters: channel paper in any state (printing, printed,
 * posted, failed ...), decided in [from_ms, to_ms) (to_ms 0: no end), of
 * print room room (jobs.printer; NULL: every room), in print order
 * (decided_ms, created_ms, id), at most limit; fn as srv_store_list's (the
 * store unlocked).  0, or -1 with err. */
int srv_store_printroom(srv_store *st, const char *room, int64_t from_ms, int64_t to_ms, int limit,
                        void (*fn)(const srv_job *, void *), void *arg, mm_error *err);
/* ---- the statistics' rollup (issue 12, server/stats.h) ---- */

/* One row of the rollup: the counts of the jobs created in month (local
 * time, "YYYY-MM") with this department (trimmed), channel, operator,
 * letter type, reach word and outcome ("delivered", "printed", "posted",
 * "cancelled", "failed": reached no one, "pending": not final).  lead_*:
 * of delivered (submission -> final_ms) and posted (-> posted_ms) letters,
 * how many, the sum, how many within 24 h and within 7 days. */
typedef struct {
    const char *month, *department, *channel, *operator_name, *letter_type, *reach, *outcome;
    long letters, pages, lead_n;
    int64_t lead_ms;
    long lead_1d, lead_5wd;
} srv_store_stats_row;
/* Calls fn for every row of the months from_month to to_month (inclusive),
 * with the store locked (fn must not call the store; the strings live for
 * the call only); fn returns 0 to go on, -1 (with err set) to stop.
 * Returns 0, or -1 with err. */
int srv_store_stats(srv_store *st, const char *from_month, const char *to_month,
                    int (*fn)(const srv_store_stats_row *, void *), void *arg, mm_error *err);

/* ---- batch print streams (issue 13, server/batch.h) ----
 * A batch is a row of its own (table batches); its letters are jobs with
 * jobs.batch_id = its id and jobs.batch_seq = 1.. (unique together).  Its
 * events are journaled under the batch's id as job id. */

/* Inserts a new batch (state, created_ms set by the caller) and its
 * "batch-received" event (actor b->client).  0 inserted, 1 b->client already
 * sent b->idem_key (*b is then replaced by that batch; nothing stored), -1 error. */
int srv_store_batch_insert(srv_store *st, srv_batch *b, const char *detail, mm_error *err);
/* The batch id into *b: 0 found, 1 not, -1 error. */
int srv_store_batch_get(srv_store *st, const char *id, srv_batch *b, mm_error *err);
/* The batch client sent with Idempotency-Key key: 0 found, 1 not, -1 error. */
int srv_store_batch_get_by_key(srv_store *st, const char *client, const char *key, srv_batch *b, mm_error *err);
/* Rewrites every field of b and appends event (actor NULL: SRV_ACTOR_SELF),
 * in one transaction, only if the stored state is still expect (NONE: any):
 * 0 done, 1 the state differed (nothing written), -1 error. */
int srv_store_batch_update(srv_store *st, const srv_batch *b, srv_bstate expect, const char *event,
                           const char *detail, const char *actor, mm_error *err);

/* One letter of a batch to insert: job (batch_id and batch_seq set), the
 * detail of its "received" event, its PDF.  rc: 0 inserted, 1 that
 * (batch_id, batch_seq) was stored already (*job is then the stored one;
 * nothing changed), -1 error. */
typedef struct {
    srv_job *job;
    const char *detail;
    const void *doc;
    size_t doc_len;
    int rc;
} srv_batch_letter;
/* Inserts n letters, each as srv_store_insert does, in ONE transaction:
 * 0, or -1 (nothing stored, every rc -1) with err. */
int srv_store_batch_insert_letters(srv_store *st, srv_batch_letter *l, size_t n, mm_error *err);

/* Calls fn for every letter (job) of batch_id in seq order; fn as
 * srv_store_list's (the store unlocked): 0, or -1 with err. */
int srv_store_batch_letters(srv_store *st, const char *batch_id, void (*fn)(const srv_job *, void *), void *arg,
                            mm_error *err);

/* As srv_store_batch_letters, only the letters on their way to paper
 * (state printing). */
int srv_store_batch_paper(srv_store *st, const char *batch_id, void (*fn)(const srv_job *, void *), void *arg,
                          mm_error *err);

/* How many of batch_id's letters wait for a decision (state queued):
 * the count, or -1 with err.  Cheap: an index of the batch's states. */
long srv_store_batch_undecided(srv_store *st, const char *batch_id, mm_error *err);

/* Calls fn(state name, letters in it, arg) for each state batch_id's
 * letters are in, the store locked (fn must not call the store): 0, or
 * -1.  Cheap: the index of the batch's states alone. */
int srv_store_batch_state_counts(srv_store *st, const char *batch_id, void (*fn)(const char *, long, void *),
                                 void *arg);
/* Calls fn for every batch sent by client and printed by user (NULL: any),
 * newest first, at most limit; the store unlocked during fn. */
int srv_store_batch_list(srv_store *st, const char *client, const char *user, int limit,
                         void (*fn)(const srv_batch *, void *), void *arg, mm_error *err);
/* Calls fn for every batch in state received or splitting, oldest first
 * (the worker resumes them at start), as srv_store_batch_list. */
int srv_store_batch_unfinished(srv_store *st, void (*fn)(const srv_batch *, void *), void *arg, mm_error *err);

#endif
