/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd internals shared by its source files: configuration, the server
 * (struct srv), the queues between the stages (FaR batcher -> sign/seal/send
 * workers -> printers), and the counters behind /metrics.  The job, its
 * states and waiters: job.h; the store: store.h; the worker stages behind
 * their own headers (timer.h, policy.h, workers.h, print.h). */
#ifndef MMPRINTD_H
#define MMPRINTD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "bundle.h"
#include "conf.h"
#include "dsig.h"
#include "error.h"
#include "far.h"
#include "job.h"
#include "print.h"
#include "store.h"

/* A FIFO of owned srv_job pointers. */
typedef struct jq_item {
    srv_job *job;
    struct jq_item *next;
} jq_item;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    jq_item *head, *tail;
    size_t len;
    int closed;
} srv_queue;

/* The worker stages, each behind its queue. */
typedef enum { SRV_STAGE_FAR, SRV_STAGE_SEND, SRV_STAGE_PRINT } srv_stage;

#define SRV_LAT_BUCKETS 12

/* One print room's line to its printer (printq.c; the rooms: printroom.h):
 * letters reach that printer one at a time, in the order they leave q (a
 * ticket taken with the letter under pop_mu; turn under mu), whatever the
 * number of print workers.  Each room has its own line, so a busy or
 * stopped printer in one room never holds up another room's letters. */
typedef struct srv_printline {
    struct srv *s;
    size_t room;                /* index of s->conf.rooms */
    srv_queue q;
    pthread_mutex_t pop_mu, mu;
    pthread_cond_t cv;          /* the turn moved on, or stopping */
    unsigned long tickets, turn;
    int stopping;
    int64_t accepted_ms;        /* when the printer last took a letter (or the start) */
    _Atomic int64_t busy_since_ms; /* 0 = the printer is not refusing as busy now */
    atomic_long busy;           /* busy answers (waited for, not errors) */
    /* The printer's sides (printer_sides = auto), asked once and kept
     * until sides_until_ms (monotonic; 0 = ask) or a failed print (printq.c
     * sides_for).  Under sides_mu, held while asking so that the line's
     * workers ask once between them; a failed print clears sides_until_ms
     * without waiting for an ask under way. */
    pthread_mutex_t sides_mu;
    srv_sides_info sides;
    _Atomic int64_t sides_until_ms;
    pthread_t *threads;
    long nthreads;
} srv_printline;

struct srv {
    srv_conf conf;
    srv_store *store;
    mm_signer *signer;
    char orgnr[13];
    long cert_days_left;

    srv_queue q_far, q_send;
    pthread_mutex_t timer_mu;
    pthread_cond_t timer_cv;
    struct srv_timer *timers;   /* retries in due order (timer.c) */
    int stopping;               /* workers: finish the current item, then exit */
    atomic_int draining;        /* front: refuse new jobs with 503 */
    atomic_size_t body_bytes;   /* request bodies being received right now */

    pthread_mutex_t wait_mu;
    srv_waiter *waiters;

    pthread_t far_thread, timer_thread;
    char *pem[3];               /* TLS certificate, key and client CA for the front */
    struct srv_front *front;    /* the front's limits and revocation data (front.c) */
    int listen_fd;              /* bound by srv_api_listen, handed to MHD by srv_api_start */
    pthread_t *send_threads;
    /* The print rooms' lines, one per s->conf.rooms (printq.c). */
    srv_printline print_lines[SRV_ROOMS_MAX];
    size_t nprint_lines;

    struct srv_rate *reach_rate; /* reachability prechecks per principal (rate.h) */
    struct srv_web *web;        /* the web portal for people, NULL without web_listen (web.h) */
    struct srv_batchq *batchq;  /* the batch worker (batch.c, issue 13), NULL when not started */

    /* metrics */
    atomic_long far_calls, far_errors, op_attempts, op_errors, op_rejected, print_attempts, print_errors;
    atomic_long lat_bucket[SRV_LAT_BUCKETS + 1];
    atomic_long lat_count, lat_sum_ms;
};

extern const double srv_lat_bounds[SRV_LAT_BUCKETS];

/* queue.c */
/* In-memory waits (queues, waiters, the timer, print turns) run on the
 * monotonic clock: a step of the wall clock neither fires nor stalls them.
 * Deadlines stored in the database stay on the wall clock (srv_now_ms). */
int64_t srv_mono_ms(void);
/* A condition variable whose timed waits use the monotonic clock. */
void srv_cond_init(pthread_cond_t *cv);
/* *ts = the monotonic time mono_ms, for pthread_cond_timedwait on such a
 * condition variable. */
void srv_mono_deadline(struct timespec *ts, int64_t mono_ms);
void srv_queue_init(srv_queue *q);
void srv_queue_push(srv_queue *q, srv_job *job);
/* Pushes jobs[0..n) (consumed) as one run under the queue's lock: nothing
 * else gets between them (a batch's cover sheet and its paper letters,
 * printroom.h).  All or nothing: out of memory or a closed queue frees
 * them all (they stay in the store). */
void srv_queue_push_many(srv_queue *q, srv_job **jobs, size_t n);
/* Blocks up to timeout_ms (-1 = forever); NULL on timeout or once the queue
 * is closed (what is left then stays in the store: srv_queue_drain_free). */
srv_job *srv_queue_pop(srv_queue *q, long timeout_ms);
void srv_queue_close(srv_queue *q);
size_t srv_queue_len(srv_queue *q);
void srv_queue_drain_free(srv_queue *q);

/* work.c */
int srv_work_start(srv *s, mm_error *err);
void srv_work_stop(srv *s);
void srv_work_free(srv *s);
/* Hands a stored job (copied) to the stage its state calls for. */
void srv_enqueue(srv *s, const srv_job *job);
/* Resumes every unfinished job after a start. */
int srv_resume(srv *s, mm_error *err);

/* printq.c: the print rooms' lines */
/* Initialises one line per print room and starts print_workers threads
 * for each: 0, or -1 with err (the threads started stay counted for
 * srv_print_stop). */
int srv_print_start(srv *s, mm_error *err);
/* Closes the lines and joins their threads (the letters waiting stay in
 * the store); srv_print_free frees what is left once the front stopped. */
void srv_print_stop(srv *s);
void srv_print_free(srv *s);
/* (A paper letter reaches its room's line through srv_room_enqueue,
 * printroom.h.) */
/* Sums over the lines for /metrics: letters waiting, busy answers, and
 * the longest busy spell's start (0: none busy). */
size_t srv_print_waiting(srv *s);
long srv_print_busy_total(srv *s);
int64_t srv_print_busy_since(srv *s);

/* spool.c */
/* Removes the print path's leftover temporary files (call before resuming). */
void srv_spool_sweep(srv *s);
/* The spool file of job id with suffix (the print path's temporary files). */
void srv_path(const srv *s, const char *id, const char *suffix, char *out, size_t size);

/* maintain.c */
/* Resolves an open exception (action reprint, handled or cancel) on behalf
 * of principal, journaled: 0 done (a reprinted job is then in state
 * printing, for the caller to srv_enqueue), 1 the job changed meanwhile,
 * 2 reprint asked but the letter is no longer stored, -1 error. */
int srv_resolve(srv *s, srv_job *job, const char *action, const char *principal);
/* Periodic upkeep (start, hourly, SIGHUP): retention of personal fields,
 * expiry of held letters (held_expiry) and of unresolved exceptions'
 * letters (exception_retention), each journaled. */
void srv_maintain(srv *s);

/* recipient.c: who a new job is for (never the sender itself) */
typedef struct {
    char number[13];       /* the recipient, "" when none */
    char source[32];       /* where it came from (the bundle's recipient-source, or its candidates') */
    char problem[256];     /* why none, in English, without the number */
    char reason_sv[200];   /* why none, in Swedish, for the CUPS line */
} srv_recipient;
/* Decides from a bundle: 1 with a recipient, 0 without (problem and
 * reason_sv set).  The sender's own numbers never come out. */
int srv_recipient_from_bundle(const srv *s, const mm_bundle *b, srv_recipient *r);
/* True when number12 is one of the sender's own (certificate, sender_id). */
int srv_recipient_is_own(const srv *s, const char *number12);
/* The Swedish sentence saying number12 is the sender's own number. */
void srv_recipient_own_sv(const char *number12, char *out, size_t size);

/* front.c: the HTTPS front (the API behind it: api.h; who may do what:
 * auth.h) */
struct MHD_Daemon;
/* Binds and listens on listen_address:port (s->listen_fd), so that a
 * server that cannot serve finds out before it changes anything. */
int srv_api_listen(srv *s, mm_error *err);
/* Starts serving on s->listen_fd, which the daemon then owns (set to -1);
 * the PEM texts it reads stay in s->pem (malloc'ed; main frees them after
 * srv_api_stop).  NULL with err on failure. */
struct MHD_Daemon *srv_api_start(srv *s, mm_error *err);
/* Stops the daemon (NULL: nothing); requests in progress finish first.
 * Then frees s->front. */
void srv_api_stop(srv *s, struct MHD_Daemon *d);

#endif
