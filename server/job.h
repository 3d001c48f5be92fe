/* SPDX-License-Identifier: EUPL-1.2 */
/* The job of mmprintd: the job as the store keeps it, its states
 * (jstate.h), its changes as the store records them, the waiters of
 * synchronous answers, and the Swedish a person reads about it. */
#ifndef MMPRINTD_JOB_H
#define MMPRINTD_JOB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "jstate.h"
#include "log.h"
#include "text.h"
#include "texts.h"

/* A job as the store keeps it (server/store.c maps each field to a column).
 * Workers own the copy they hold: passed on to a queue or timer, or freed. */
typedef struct {
    char id[37];
    char idem_key[129];
    srv_jstate state;
    char channel[10];          /* digital, paper, none */
    char reason[200];          /* English */
    char reason_sv[200];       /* Swedish, for the message and the separator page */
    char operator_name[128];
    char operator_url[512];
    char printer[128];
    char trans_id[128];
    int print_job_id;
    char recipient[13];
    char recipient_source[32];
    char recipient_problem[256];
    char title[512];
    char subject[256];
    char user[128];
    char host[256];
    char client[256];          /* TLS client certificate subject */
    char cups_job_id[32];
    char policy[32];
    char department[128];
    int pages;
    char sha256[65];
    int64_t doc_len;
    char message_id[37];
    int has_soap;              /* the sealed delivery is stored (document "soap") */
    int attempts;
    int64_t created_ms, updated_ms, decided_ms, final_ms;
    int64_t deadline_ms;       /* retry deadline of the current stage */
    int purged;
    /* An exception (failed, returned, expired: the letter reached no one)
     * stays open, its letter kept, until a person resolves it. */
    char resolution[16];       /* "", handled, cancel */
    char resolved_by[256];     /* the principal who resolved it */
    int64_t resolved_ms;
    /* The paper leg and the statistics (issue 12). */
    char postal_class[16];     /* a-post, b-post, rekommenderat (mm_bundle_postal_class_valid) */
    char letter_type[16];      /* beslut, information, annat (mm_bundle_letter_type_valid) */
    char reach[16];            /* FaR's outcome as mm_far_reach_name ("digital", "no-mailbox", ...), "" not asked */
    int sheets;                /* sheets of paper the print room received, separator included */
    int64_t posted_ms;         /* when the print room marked it posted (state posted) */
    char posted_by[256];       /* the principal who did */
    /* A letter of a batch print stream (issue 13, server/batch.h): its
     * batch's id and its place in it (1..), "" and 0 for a single letter.
     * (batch_id, batch_seq) is unique: a letter is inserted once. */
    char batch_id[37];
    int batch_seq;
} srv_job;

/* True while the job is an unresolved exception: its letter is kept. */
static inline int srv_job_is_exception(const srv_job *job)
{
    return srv_jstate_is_exception(job->state) && !job->resolved_ms;
}

/* A UTF-8-safe copy into a char array field (mm_text_copy). */
#define SRV_SET(field, v) mm_text_copy((field), sizeof(field), (v))

/* ---- what needs the server (struct srv, server/mmprintd.h) ---- */

typedef struct srv srv;

/* Records a change (already in job) and wakes synchronous waiters.  Unless
 * expect_state is SRV_JSTATE_NONE, only a job still in expect_state changes
 * (compare-and-set).  Returns what srv_store_update returns: 0 done, 1 the
 * job changed meanwhile, -1 error (logged).  job stays the caller's. */
int srv_transition(srv *s, srv_job *job, srv_jstate expect_state, const char *event, const char *detail);
/* The same, journaled as done by actor (a principal's, srv_principal.actor)
 * rather than by the server itself (SRV_ACTOR_SELF). */
int srv_transition_as(srv *s, srv_job *job, srv_jstate expect_state, const char *event, const char *detail,
                      const char *actor);
/* The same, storing document kind (doc != NULL) in the same transaction. */
int srv_transition_doc(srv *s, srv_job *job, srv_jstate expect_state, const char *event, const char *detail,
                       const char *kind, const void *doc, size_t doc_len);
/* Wakes the waiters of a job that settled (final or needs a recipient)
 * after a change recorded elsewhere (srv_store_update_many). */
void srv_job_notify(srv *s, const srv_job *job);

/* A synchronous answer waiting for its job to settle: registered before
 * the job is handed on, so that no change is missed. */
typedef struct srv_waiter {
    char id[37];
    srv_jstate state;
    pthread_cond_t cv;
    struct srv_waiter *next;
} srv_waiter;
void srv_wait_register(srv *s, srv_waiter *w, const char *id, srv_jstate state);
/* Waits until the job is final or needs a recipient, timeout_ms passed, or
 * the server drains. */
void srv_wait(srv *s, srv_waiter *w, long timeout_ms);
void srv_wait_unregister(srv *s, srv_waiter *w);

/* Swedish one-liner for the job's state (for CUPS INFO: lines). */
void srv_message(const srv *s, const srv_job *job, char *out, size_t size);
/* Logs a line about job, prefixed with its id ("job ID: ..."), like
 * cupsdLogJob; mm_log masks any personnummer in it. */
void srv_log_job(mm_log_level level, const srv_job *job, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "14 dagar" (swedish) or "14 days": the largest unit that divides secs. */
void srv_duration_text(long secs, int swedish, char *out, size_t size);

#endif
