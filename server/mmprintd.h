/* mmprintd internals shared by its source files: configuration, the queues
 * between the stages (FaR batcher -> sign/seal/send workers -> printers),
 * the waiters of synchronous answers, and the counters behind /metrics. */
#ifndef MMPRINTD_H
#define MMPRINTD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <cups/http.h>

#include "bundle.h"
#include "dsig.h"
#include "error.h"
#include "far.h"
#include "store.h"

typedef struct {
    char listen_address[64];
    int port;
    int plain_loopback;        /* plain HTTP on 127.0.0.1 (tests, local tools only) */
    char tls_cert[1024], tls_key[1024], client_ca[1024];
    char client_allow[1024];   /* comma-separated client CNs; "" = any client the CA signed */
    char org_cert[1024], org_key[1024];
    char ca_file[1024];        /* CA bundle for FaR's and operators' server certificates */
    char sender_name[257], sender_id[13];
    char far_url[1024];
    char database[1024], spool_dir[1024];
    long sync_wait_ms;
    long far_batch_wait_ms;
    long far_batch_max;
    long workers, print_workers;
    long retry_initial_ms, retry_max_ms;
    long retry_deadline_s;     /* digital stage (FaR + operator) */
    long print_deadline_s;
    long http_timeout_ms, connect_timeout_ms;
    char printer_uri[1024], printer_name[128];
    long retention_days;
    long held_expiry_s;        /* a letter waiting for a recipient becomes an exception */
    long exception_retention_s; /* an unresolved exception's letter is kept this long */
    char support_text[1025], support_url[512], support_phone[64], body_text[2048];
    long max_connections;
    long lock_wait_s;          /* how long a start waits for a stopping instance */
} srv_conf;

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

enum { STAGE_FAR, STAGE_SEND, STAGE_PRINT };

typedef struct srv_timer {
    int64_t due_ms;
    int stage;
    srv_job *job;
    struct srv_timer *next;
} srv_timer;

typedef struct srv_waiter {
    char id[37];
    char state[20];
    pthread_cond_t cv;
    struct srv_waiter *next;
} srv_waiter;

#define SRV_LAT_BUCKETS 12

typedef struct {
    srv_conf conf;
    srv_store *store;
    mm_signer *signer;
    char orgnr[13];
    long cert_days_left;

    srv_queue q_far, q_send, q_print;
    pthread_mutex_t timer_mu;
    pthread_cond_t timer_cv;
    srv_timer *timers;
    int stopping;               /* workers: finish the current item, then exit */
    atomic_int draining;        /* front: refuse new jobs with 503 */
    atomic_size_t body_bytes;   /* request bodies being received right now */

    pthread_mutex_t wait_mu;
    srv_waiter *waiters;

    pthread_t far_thread, timer_thread;
    char *pem[3];               /* TLS certificate, key and client CA for the front */
    int listen_fd;              /* bound by srv_api_listen, handed to MHD by srv_api_start */
    pthread_t *send_threads, *print_threads;

    /* The print room: letters reach the printer one at a time, in the order
     * they leave q_print (a ticket taken with the letter under print_pop_mu;
     * print_turn under print_mu), whatever the number of print workers. */
    pthread_mutex_t print_pop_mu, print_mu;
    pthread_cond_t print_cv;    /* the turn moved on, or stopping */
    unsigned long print_tickets, print_turn;
    int print_stopping;
    int64_t print_accepted_ms;  /* when the printer last took a letter (or the start) */
    _Atomic int64_t print_busy_since_ms; /* 0 = the printer is not refusing as busy now */
    atomic_long print_busy;     /* busy answers (waited for, not errors) */

    /* metrics */
    atomic_long far_calls, far_errors, op_attempts, op_errors, op_rejected, print_attempts, print_errors;
    atomic_long lat_bucket[SRV_LAT_BUCKETS + 1];
    atomic_long lat_count, lat_sum_ms;
} srv;

extern const double srv_lat_bounds[SRV_LAT_BUCKETS];

/* config.c of the server */
int srv_conf_load(const char *path, srv_conf *c, mm_error *err);
/* Start-up safety checks of a certificate and its key; *days_left is set. */
int srv_check_cert_key(const char *cert, const char *key, long *days_left, mm_error *err);

/* queue.c */
void srv_queue_init(srv_queue *q);
void srv_queue_push(srv_queue *q, srv_job *job);
/* Blocks up to timeout_ms (-1 = forever); NULL on timeout or when closed and empty. */
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
/* Records a change (already in job) and wakes synchronous waiters.
 * Returns what srv_store_update returns. */
int srv_transition(srv *s, srv_job *job, const char *expect_state, const char *event, const char *detail);
/* The same, storing document kind (doc != NULL) in the same transaction. */
int srv_transition_doc(srv *s, srv_job *job, const char *expect_state, const char *event, const char *detail,
                       const char *kind, const void *doc, size_t doc_len);
/* Removes the print path's leftover temporary files (call before resuming). */
void srv_spool_sweep(srv *s);
/* Resumes every unfinished job after a start. */
int srv_resume(srv *s, mm_error *err);
/* Waits until the job is final or needs a recipient, or timeout_ms passed. */
void srv_wait_register(srv *s, srv_waiter *w, const char *id, const char *state);
void srv_wait(srv *s, srv_waiter *w, long timeout_ms);
void srv_wait_unregister(srv *s, srv_waiter *w);
/* Resolves an open exception (action reprint, handled or cancel) on behalf
 * of principal, journaled: 0 done (a reprinted job is then in state
 * printing, for the caller to srv_enqueue), 1 the job changed meanwhile,
 * 2 reprint asked but the letter is no longer stored, -1 error. */
int srv_resolve(srv *s, srv_job *job, const char *action, const char *principal);
/* Periodic upkeep (start, hourly, SIGHUP): retention of personal fields,
 * expiry of held letters (held_expiry) and of unresolved exceptions'
 * letters (exception_retention), each journaled. */
void srv_maintain(srv *s);
/* "14 dagar" (swedish) or "14 days". */
void srv_duration_text(long secs, int swedish, char *out, size_t size);
/* Swedish one-liner for the job's state (for CUPS INFO: lines). */
void srv_message(const srv *s, const srv_job *j, char *out, size_t size);
void srv_path(const srv *s, const char *id, const char *suffix, char *out, size_t size);
void srv_new_id(char out[37]);
/* Copies src into dst, truncating at a UTF-8 character boundary. */
void srv_copy(char *dst, size_t size, const char *src);

/* print.c */
/* Builds the separator page + letter as one PDF in the spool (path set,
 * size >= 1200): 0, or -1 with err (MM_ERR_INPUT = the letter cannot be
 * printed). */
int srv_print_prepare(srv *s, const srv_job *j, char *path, size_t size, mm_error *err);
/* Sends that PDF as one IPP job: 0 accepted with *printer_job_id set; 1 the
 * printer is there but cannot take a job now (busy, its queue full, or
 * paused), err says which; -1 error (MM_ERR_TRANSPORT = retry). */
int srv_print_submit(srv *s, const srv_job *j, const char *path, int *printer_job_id, mm_error *err);
/* The printer's printer-state (3 idle, 4 processing, 5 stopped) with its
 * printer-state-reasons, comma-separated; -1 when it cannot be asked.
 * *conn (NULL at first) keeps the connection for the next call; the
 * caller closes it with httpClose(). */
int srv_print_state(srv *s, http_t **conn, char *reasons, size_t size);
/* Looks for an earlier submission of this job at the printer (after a
 * crash between printing and recording it): 1 found, 0 not, -1 error. */
int srv_print_find(srv *s, const srv_job *j, int *printer_job_id, mm_error *err);
/* Writes a one-page PDF with the given UTF-8 lines (Latin-1 subset). */
int srv_separator_pdf(const char *const *lines, size_t n, mm_buf *out);

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
/* Stops the daemon (NULL: nothing); requests in progress finish first. */
void srv_api_stop(struct MHD_Daemon *d);

#endif
