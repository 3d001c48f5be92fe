/* The work behind each job: FaR lookups in batches, signing/sealing and
 * deliverSecure in worker threads, paper via IPP, retries with backoff and
 * jitter until a deadline, and the policy fallback.  Every step is written
 * to the store (and its journal) before the next one starts, so a restart
 * can pick up any job where it stopped. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cups/cups.h>
#include <openssl/rand.h>

#include "delivery.h"
#include "http.h"
#include "idnum.h"
#include "log.h"
#include "mailbox.h"
#include "mmprintd.h"

const double srv_lat_bounds[SRV_LAT_BUCKETS] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600};

void srv_path(const srv *s, const char *id, const char *suffix, char *out, size_t size)
{
    snprintf(out, size, "%s/%s%s", s->conf.spool_dir, id, suffix);
}

/* ---- scheduling ---- */

static long backoff_ms(const srv *s, int attempts)
{
    double d = (double)s->conf.retry_initial_ms;
    for (int i = 1; i < attempts && d < (double)s->conf.retry_max_ms; i++)
        d *= 2;
    if (d > (double)s->conf.retry_max_ms)
        d = (double)s->conf.retry_max_ms;
    /* Jitter: anywhere in [d/2, d], so retries of many jobs spread out. */
    unsigned int r = 0;
    RAND_bytes((unsigned char *)&r, sizeof r);
    return (long)(d / 2 + (d / 2) * ((double)r / 4294967295.0));
}

static void schedule(srv *s, srv_job *j, int stage, long delay_ms)
{
    srv_timer *t = malloc(sizeof *t);
    if (!t) {
        free(j);
        return;
    }
    t->due_ms = srv_now_ms() + delay_ms;
    t->stage = stage;
    t->job = j;
    pthread_mutex_lock(&s->timer_mu);
    srv_timer **p = &s->timers;
    while (*p && (*p)->due_ms <= t->due_ms)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    pthread_cond_signal(&s->timer_cv);
    pthread_mutex_unlock(&s->timer_mu);
}

static srv_queue *stage_queue(srv *s, int stage)
{
    return stage == STAGE_FAR ? &s->q_far : stage == STAGE_SEND ? &s->q_send : &s->q_print;
}

static void *timer_main(void *arg)
{
    srv *s = arg;
    pthread_mutex_lock(&s->timer_mu);
    while (!s->stopping) {
        int64_t now = srv_now_ms();
        if (s->timers && s->timers->due_ms <= now) {
            srv_timer *t = s->timers;
            s->timers = t->next;
            pthread_mutex_unlock(&s->timer_mu);
            srv_queue_push(stage_queue(s, t->stage), t->job);
            free(t);
            pthread_mutex_lock(&s->timer_mu);
            continue;
        }
        int64_t due = s->timers ? s->timers->due_ms : now + 60000;
        struct timespec ts = {(time_t)(due / 1000), (long)(due % 1000) * 1000000L};
        pthread_cond_timedwait(&s->timer_cv, &s->timer_mu, &ts);
    }
    pthread_mutex_unlock(&s->timer_mu);
    return NULL;
}

void srv_enqueue(srv *s, const srv_job *job)
{
    srv_job *j = malloc(sizeof *j);
    if (!j)
        return; /* stays in the store; resumed at the next start */
    *j = *job;
    switch (j->state) {
    case SRV_JSTATE_QUEUED:
        srv_queue_push(&s->q_far, j);
        break;
    case SRV_JSTATE_SENDING:
        srv_queue_push(&s->q_send, j);
        break;
    case SRV_JSTATE_PRINTING:
        srv_queue_push(&s->q_print, j);
        break;
    default:
        free(j);
        break;
    }
}

/* ---- decisions ---- */

static void set_str(char *dst, size_t size, const char *v)
{
    srv_copy(dst, size, v);
}
#define SET(field, v) set_str((field), sizeof(field), (v))

/* Technical trouble or a refusal ends the digital path: paper, or returned
 * for digital-only.  The job is owned by the caller and freed or passed on. */
static void fallback(srv *s, srv_job *j, const char *reason, const char *reason_sv)
{
    srv_jstate expect = j->state;
    SET(j->reason, reason);
    SET(j->reason_sv, reason_sv);
    char detail[400];
    if (!strcmp(j->policy, "digital-only")) {
        j->state = SRV_JSTATE_RETURNED;
        SET(j->channel, "none");
        snprintf(detail, sizeof detail, "policy digital-only: %s", reason);
        srv_transition(s, j, expect, "returned", detail);
        free(j);
        return;
    }
    j->state = SRV_JSTATE_PRINTING;
    SET(j->channel, "paper");
    j->attempts = 0;
    j->deadline_ms = srv_now_ms() + s->conf.print_deadline_s * 1000;
    if (!j->decided_ms)
        j->decided_ms = srv_now_ms();
    snprintf(detail, sizeof detail, "paper to %s: %s", s->conf.printer_name, reason);
    if (srv_transition(s, j, expect, "decided-paper", detail) == 0)
        srv_queue_push(&s->q_print, j);
    else
        free(j);
}

/* The Swedish of FaR's outcome: job.c's table holds it in mm_reach_why's order. */
static const char *reach_sv(mm_reach_why why)
{
    return srv_sv(why < MM_REACH_DIGITAL ? (srv_text)(SRV_SV_REACH_NOT_FOUND + why) : SRV_SV_DIGITAL);
}

/* Applies FaR's answer to a job in memory; returns what to do next
 * (0 send, 1 print, 2 nothing more: returned) and fills event/detail. */
static int decide(srv *s, srv_job *j, const mm_reach *r, const char **event, char *detail, size_t dsize)
{
    char mask[16];
    mm_idnum_mask(j->recipient, mask);
    int64_t now = srv_now_ms();
    j->updated_ms = now;
    j->attempts = 0;
    if (r->digital) {
        j->state = SRV_JSTATE_SENDING;
        SET(j->channel, "digital");
        SET(j->operator_name, r->operator_name[0] ? r->operator_name : r->operator_id);
        SET(j->operator_url, r->service_address);
        SET(j->reason, "recipient has a digital mailbox");
        SET(j->reason_sv, reach_sv(MM_REACH_DIGITAL));
        j->decided_ms = now;
        snprintf(detail, dsize, "digital: %s via %s (%s)", mask, j->operator_name, j->operator_url);
        *event = "decided-digital";
        return 0;
    }
    SET(j->reason, r->reason);
    SET(j->reason_sv, reach_sv(r->why));
    if (!strcmp(j->policy, "digital-only")) {
        j->state = SRV_JSTATE_RETURNED;
        SET(j->channel, "none");
        j->final_ms = now;
        snprintf(detail, dsize, "FaR: %s: %s; policy digital-only: nothing sent", mask, r->reason);
        *event = "returned";
        return 2;
    }
    j->state = SRV_JSTATE_PRINTING;
    SET(j->channel, "paper");
    j->deadline_ms = now + s->conf.print_deadline_s * 1000;
    j->decided_ms = now;
    snprintf(detail, dsize, "FaR: %s: %s; paper to %s", mask, r->reason, s->conf.printer_name);
    *event = "decided-paper";
    return 1;
}

/* Records the decisions of a whole batch in one transaction, then hands
 * each job on. */
static void decide_batch(srv *s, srv_job **batch, size_t n, const mm_reach *reach)
{
    srv_change *ch = calloc(n, sizeof *ch);
    char *details = calloc(n, 1024);
    int *next = calloc(n, sizeof *next);
    if (!ch || !details || !next) {
        free(ch);
        free(details);
        free(next);
        for (size_t i = 0; i < n; i++)
            schedule(s, batch[i], STAGE_FAR, 1000);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ch[i].job = batch[i];
        ch[i].expect = SRV_JSTATE_QUEUED;
        ch[i].detail = details + i * 1024;
        next[i] = decide(s, batch[i], &reach[i], &ch[i].event, details + i * 1024, 1024);
    }
    mm_error err;
    if (srv_store_update_many(s->store, ch, n, &err))
        mm_log(MM_LOG_ERROR, "cannot record %zu FaR decisions: %s", n, err.msg);
    for (size_t i = 0; i < n; i++) {
        srv_job *j = batch[i];
        if (ch[i].rc < 0) {
            /* Not recorded: ask FaR again later (the job is still queued). */
            j->state = SRV_JSTATE_QUEUED;
            schedule(s, j, STAGE_FAR, 1000);
            continue;
        }
        if (ch[i].rc == 1) { /* cancelled meanwhile */
            free(j);
            continue;
        }
        srv_job_notify(s, j);
        if (next[i] == 0) {
            srv_queue_push(&s->q_send, j);
        } else if (next[i] == 1) {
            srv_queue_push(&s->q_print, j);
        } else {
            free(j);
        }
    }
    free(ch);
    free(details);
    free(next);
}

static void far_batch(srv *s, mm_http *h, srv_job **batch, size_t n)
{
    const char **ids = calloc(n, sizeof *ids);
    mm_reach *reach = calloc(n, sizeof *reach);
    if (!ids || !reach) {
        free(ids);
        free(reach);
        for (size_t i = 0; i < n; i++)
            schedule(s, batch[i], STAGE_FAR, 1000);
        return;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = batch[i]->recipient;
    mm_soap_fault fault;
    mm_error err;
    mm_error_clear(&err);
    memset(&fault, 0, sizeof fault);
    atomic_fetch_add(&s->far_calls, 1);
    const char *orgnr = s->conf.sender_id[0] ? s->conf.sender_id : s->orgnr;
    int rc = mm_far_is_reachable(h, s->conf.far_url, orgnr, ids, n, reach, &fault, &err);
    if (rc == 0) {
        decide_batch(s, batch, n, reach);
    } else {
        atomic_fetch_add(&s->far_errors, 1);
        int retry = mm_error_retryable(&err) || err.cls == MM_ERR_PROTOCOL || err.cls == MM_ERR_SYSTEM;
        mm_log(MM_LOG_WARN, "FaR isReachable for %zu recipients failed (%s %d): %s", n,
               mm_error_class_name(err.cls), err.code, err.msg);
        int64_t now = srv_now_ms();
        for (size_t i = 0; i < n; i++) {
            srv_job *j = batch[i];
            char detail[700];
            j->attempts++;
            if (retry && now < j->deadline_ms) {
                long d = backoff_ms(s, j->attempts);
                snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; retry in %ld ms", j->attempts,
                         mm_error_class_name(err.cls), err.code, err.msg, d);
                srv_store_event(s->store, j->id, "far-error", detail, NULL);
                schedule(s, j, STAGE_FAR, d);
            } else {
                snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; giving up", j->attempts,
                         mm_error_class_name(err.cls), err.code, err.msg);
                srv_store_event(s->store, j->id, "far-error", detail, NULL);
                fallback(s, j, retry ? "FaR did not answer before the deadline" : "FaR refused the question",
                         srv_sv(SRV_SV_FAR_NO_ANSWER));
            }
        }
    }
    free(ids);
    free(reach);
}

static mm_http *new_http(srv *s)
{
    mm_http_config hc = {
        .cert_file = s->conf.org_cert,
        .key_file = s->conf.org_key,
        .ca_file = s->conf.ca_file,
        .connect_timeout_ms = s->conf.connect_timeout_ms,
        .timeout_ms = s->conf.http_timeout_ms,
    };
    mm_error err;
    mm_http *h = mm_http_new(&hc, &err);
    if (!h)
        mm_log(MM_LOG_ERROR, "cannot create HTTPS client: %s", err.msg);
    return h;
}

static void *far_main(void *arg)
{
    srv *s = arg;
    mm_http *h = new_http(s);
    size_t max = (size_t)s->conf.far_batch_max;
    srv_job **batch = calloc(max, sizeof *batch);
    for (;;) {
        srv_job *first = srv_queue_pop(&s->q_far, -1);
        if (!first)
            break;
        size_t n = 0;
        batch[n++] = first;
        int64_t until = srv_now_ms() + s->conf.far_batch_wait_ms;
        while (n < max) {
            int64_t left = until - srv_now_ms();
            srv_job *j = srv_queue_pop(&s->q_far, left > 0 ? (long)left : 0);
            if (!j)
                break;
            batch[n++] = j;
        }
        /* A job cancelled while queued is dropped when its decision finds
         * the state moved on (compare-and-set in decide/fallback). */
        size_t m = n;
        if (m && h)
            far_batch(s, h, batch, m);
        else
            for (size_t i = 0; i < m; i++)
                schedule(s, batch[i], STAGE_FAR, 5000);
    }
    free(batch);
    mm_http_free(h);
    return NULL;
}

/* ---- digital delivery ---- */

static int seal(srv *s, srv_job *j, mm_buf *soap, mm_error *err)
{
    mm_buf doc = MM_BUF_INIT;
    int found = srv_store_document(s->store, j->id, "pdf", &doc, err);
    if (found) {
        mm_buf_free(&doc);
        return found < 0 ? -1 : mm_error_set(err, MM_ERR_INPUT, 0, "the letter of job %s is not stored", j->id);
    }
    char subject[256];
    srv_copy(subject, sizeof subject, j->subject[0] ? j->subject : j->title[0] ? j->title : "Brev");
    char ref[51];
    srv_copy(ref, sizeof ref, j->department);
    mm_delivery_params p = {
        .sender_id = s->conf.sender_id[0] ? s->conf.sender_id : s->orgnr,
        .sender_name = s->conf.sender_name,
        .recipient = j->recipient,
        .reference = ref[0] ? ref : NULL,
        /* The job id is the message id: a rebuilt delivery is still the same letter. */
        .message_id = j->id,
        .subject = subject,
        .support_text = s->conf.support_text,
        .support_url = s->conf.support_url[0] ? s->conf.support_url : NULL,
        .support_phone = s->conf.support_phone[0] ? s->conf.support_phone : NULL,
        .body_type = "text/plain",
        .body_text = s->conf.body_text,
        .attachment = (const unsigned char *)doc.data,
        .attachment_len = doc.len,
        .attachment_type = "application/pdf",
        .attachment_name = "brev.pdf",
    };
    char msgid[37] = "";
    int rc = mm_delivery_build(s->signer, &p, time(NULL), soap, msgid, err);
    mm_buf_free(&doc);
    if (rc)
        return -1;
    SET(j->message_id, msgid);
    j->has_soap = 1;
    char detail[200];
    snprintf(detail, sizeof detail, "message id %s, %zu bytes stored before the first attempt", msgid, soap->len);
    int rc2 = srv_transition_doc(s, j, SRV_JSTATE_SENDING, "sealed", detail, "soap", soap->data, soap->len);
    if (rc2 < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot store the sealed delivery of job %s", j->id);
    return rc2;
}

static void record_latency(srv *s, const srv_job *j)
{
    int64_t ms = srv_now_ms() - j->created_ms;
    if (ms < 0)
        ms = 0;
    int b = 0;
    while (b < SRV_LAT_BUCKETS && (double)ms / 1000.0 > srv_lat_bounds[b])
        b++;
    atomic_fetch_add(&s->lat_bucket[b], 1);
    atomic_fetch_add(&s->lat_count, 1);
    atomic_fetch_add(&s->lat_sum_ms, (long)ms);
}

static void send_one(srv *s, mm_http *h, srv_job *j)
{
    mm_error err;
    mm_error_clear(&err);
    mm_buf soap = MM_BUF_INIT;
    char detail[900];
    if (j->has_soap && srv_store_document(s->store, j->id, "soap", &soap, &err)) {
        mm_log(MM_LOG_WARN, "job %s: stored delivery unreadable (%s); sealing again with the same message id",
               j->id, err.msg[0] ? err.msg : "missing");
        mm_error_clear(&err);
        j->has_soap = 0;
        mm_buf_reset(&soap);
    }
    if (!j->has_soap) {
        int rc = seal(s, j, &soap, &err);
        if (rc == 1) { /* cancelled or changed meanwhile */
            mm_buf_free(&soap);
            free(j);
            return;
        }
        if (rc < 0) {
            mm_buf_free(&soap);
            snprintf(detail, sizeof detail, "cannot build the delivery: %s", err.msg);
            srv_store_event(s->store, j->id, "seal-failed", detail, NULL);
            if (err.cls == MM_ERR_INPUT) {
                fallback(s, j, detail, srv_sv(SRV_SV_CANNOT_SEAL));
            } else if (srv_now_ms() >= j->deadline_ms) {
                fallback(s, j, detail, srv_sv(SRV_SV_SEND_LATE));
            } else {
                j->attempts++;
                schedule(s, j, STAGE_SEND, backoff_ms(s, j->attempts));
            }
            return;
        }
    }
    mm_mailbox_result res;
    mm_soap_fault fault;
    memset(&res, 0, sizeof res);
    memset(&fault, 0, sizeof fault);
    j->attempts++;
    atomic_fetch_add(&s->op_attempts, 1);
    int rc = mm_mailbox_deliver(h, j->operator_url, soap.data, soap.len, &res, &fault, &err);
    mm_buf_free(&soap);
    if (rc == 0 && res.delivered) {
        j->state = SRV_JSTATE_DELIVERED;
        SET(j->trans_id, res.trans_id);
        snprintf(detail, sizeof detail, "attempt %d: delivered to %s, TransId %s, document sha256 %s, %d pages",
                 j->attempts, j->operator_name, res.trans_id, j->sha256, j->pages);
        if (srv_transition(s, j, SRV_JSTATE_SENDING, "delivered", detail) == 0)
            record_latency(s, j);
        free(j);
        return;
    }
    if (rc == 0) {
        snprintf(detail, sizeof detail, "attempt %d: %s answered Delivered=false (TransId %s)", j->attempts,
                 j->operator_name, res.trans_id);
        srv_store_event(s->store, j->id, "not-delivered", detail, NULL);
        fallback(s, j, "operator answered Delivered=false", srv_sv(SRV_SV_NOT_DELIVERED));
        return;
    }
    int retry = mm_error_retryable(&err) || err.cls == MM_ERR_PROTOCOL || err.cls == MM_ERR_SYSTEM;
    if (retry) {
        atomic_fetch_add(&s->op_errors, 1);
        if (srv_now_ms() < j->deadline_ms) {
            long d = backoff_ms(s, j->attempts);
            snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; retry in %ld ms", j->attempts,
                     mm_error_class_name(err.cls), err.code, err.msg, d);
            srv_store_event(s->store, j->id, "send-failed", detail, NULL);
            schedule(s, j, STAGE_SEND, d);
            return;
        }
        snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; deadline passed", j->attempts,
                 mm_error_class_name(err.cls), err.code, err.msg);
        srv_store_event(s->store, j->id, "send-failed", detail, NULL);
        fallback(s, j, "no delivery to the operator before the deadline",
                 srv_sv(SRV_SV_SEND_LATE));
        return;
    }
    atomic_fetch_add(&s->op_rejected, 1);
    snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; not retried", j->attempts,
             mm_error_class_name(err.cls), err.code, err.msg);
    srv_store_event(s->store, j->id, "send-rejected", detail, NULL);
    char reason[200];
    snprintf(reason, sizeof reason, "operator refused the delivery (fault %d)", err.code);
    fallback(s, j, reason, srv_sv(SRV_SV_REFUSED));
}

static void *send_main(void *arg)
{
    srv *s = arg;
    /* One client per thread: its connections to each operator are kept alive. */
    mm_http *h = new_http(s);
    srv_job *j;
    while ((j = srv_queue_pop(&s->q_send, -1))) {
        if (!h) {
            schedule(s, j, STAGE_SEND, 5000);
            continue;
        }
        send_one(s, h, j);
    }
    mm_http_free(h);
    return NULL;
}

/* ---- paper ---- */

/* A busy printer: how long a letter may wait for it before that is logged
 * and noted in the letter's journal (a minute, or half the print deadline
 * when that is shorter), and the longest pause between two sends of the
 * same letter. */
#define PRINT_BUSY_NOTE_MS 60000
#define PRINT_RESEND_MAX_MS 30000

/* Takes the next letter with its place in line. */
static srv_job *print_take(srv *s, unsigned long *ticket)
{
    pthread_mutex_lock(&s->print_pop_mu);
    srv_job *j = srv_queue_pop(&s->q_print, -1);
    if (j)
        *ticket = s->print_tickets++;
    pthread_mutex_unlock(&s->print_pop_mu);
    return j;
}

/* Waits until it is this letter's turn at the printer: 0, or -1 when
 * stopping.  Every ticket waits for and passes its turn exactly once. */
static int print_turn_wait(srv *s, unsigned long ticket)
{
    pthread_mutex_lock(&s->print_mu);
    while (s->print_turn != ticket && !s->print_stopping)
        pthread_cond_wait(&s->print_cv, &s->print_mu);
    int mine = s->print_turn == ticket && !s->print_stopping;
    pthread_mutex_unlock(&s->print_mu);
    return mine ? 0 : -1;
}

static void print_turn_pass(srv *s)
{
    pthread_mutex_lock(&s->print_mu);
    s->print_turn++;
    pthread_cond_broadcast(&s->print_cv);
    pthread_mutex_unlock(&s->print_mu);
}

/* Sleeps ms, or less when the server stops: returns 1 when stopping. */
static int print_sleep(srv *s, long ms)
{
    int64_t until = srv_now_ms() + ms;
    struct timespec ts = {(time_t)(until / 1000), (long)(until % 1000) * 1000000L};
    pthread_mutex_lock(&s->print_mu);
    while (!s->print_stopping && srv_now_ms() < until)
        pthread_cond_timedwait(&s->print_cv, &s->print_mu, &ts);
    int stop = s->print_stopping;
    pthread_mutex_unlock(&s->print_mu);
    return stop;
}

static const char *printer_state_name(int state)
{
    return state == IPP_PSTATE_IDLE ? "idle" : state == IPP_PSTATE_PROCESSING ? "processing"
                                            : state == IPP_PSTATE_STOPPED  ? "stopped"
                                                                           : "unknown";
}

static long clamp_ms(int64_t v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : (long)v;
}

/* Sends the letter, and while the printer answers that it is busy (it
 * takes one job at a time, its queue is full, or the print room paused it)
 * waits for it and sends again.  That is neither an error nor an attempt,
 * has no backoff, and keeps the letter's place in line: the letters behind
 * it wait for their turn.  The printer is asked for its state meanwhile, at
 * a tenth of the time it has been busy (25 ms to 1 s), and the letter goes
 * again as soon as it is idle, or after at most 2 s to 30 s (a printer with
 * a queue of its own may take jobs while processing).  The letter gives up
 * only when its print deadline has passed and the printer has taken no
 * letter for a whole print_deadline: letters that are merely queued behind
 * others never fail, and a printer busy for hours is logged and noted in
 * the letter's journal long before.  Returns 0 printed, -1 error (err),
 * 2 stopping (the letter stays "printing" and is resumed at the next start). */
static int print_submit_waiting(srv *s, srv_job *j, const char *path, int *pjid, long *waited_ms, mm_error *err)
{
    int64_t start = srv_now_ms(), sent = start;
    http_t *conn = NULL; /* for the printer-state questions */
    int64_t note_ms = s->conf.print_deadline_s * 500 < PRINT_BUSY_NOTE_MS ? s->conf.print_deadline_s * 500
                                                                          : PRINT_BUSY_NOTE_MS;
    int noted = 0;
    for (;;) {
        int rc = srv_print_submit(s, j, path, pjid, err);
        int64_t now = srv_now_ms();
        if (rc != 1) {
            int64_t since = atomic_exchange(&s->print_busy_since_ms, 0);
            if (rc == 0) {
                s->print_accepted_ms = now;
                if (since && now - since >= note_ms)
                    mm_log(MM_LOG_INFO, "printer %s takes letters again after %lld s busy", s->conf.printer_name,
                           (long long)((now - since) / 1000));
            }
            *waited_ms = (long)(sent - start);
            httpClose(conn);
            return rc;
        }
        atomic_fetch_add(&s->print_busy, 1);
        int64_t since = 0; /* when this busy spell began */
        if (atomic_compare_exchange_strong(&s->print_busy_since_ms, &since, now))
            since = now;
        if (now >= j->deadline_ms && now - s->print_accepted_ms >= s->conf.print_deadline_s * 1000) {
            char msg[sizeof err->msg + 64];
            snprintf(msg, sizeof msg, "%s; it has taken no letter for %lld s", err->msg,
                     (long long)((now - s->print_accepted_ms) / 1000));
            mm_error_set(err, MM_ERR_TRANSPORT, err->code, "%s", msg);
            *waited_ms = (long)(now - start);
            httpClose(conn);
            return -1;
        }
        char reasons[256] = "";
        int state = -1;
        if (!noted && now - start >= note_ms) {
            char detail[900];
            state = srv_print_state(s, &conn, reasons, sizeof reasons);
            snprintf(detail, sizeof detail, "%s for %lld s (printer-state %s, reasons %s); waiting in line, not an error",
                     err->msg, (long long)((now - start) / 1000), printer_state_name(state),
                     reasons[0] ? reasons : "-");
            srv_store_event(s->store, j->id, "print-waiting", detail, NULL);
            mm_log(MM_LOG_WARN, "%s for %lld s (printer-state %s, reasons %s); %zu more letters waiting", err->msg,
                   (long long)((now - since) / 1000), printer_state_name(state), reasons[0] ? reasons : "-",
                   srv_queue_len(&s->q_print));
            noted = 1;
        }
        for (;;) {
            if (print_sleep(s, clamp_ms((now - since) / 10, 25, 1000))) {
                *waited_ms = (long)(srv_now_ms() - start);
                httpClose(conn);
                return 2;
            }
            now = srv_now_ms();
            if (now - sent >= clamp_ms((now - since) / 10, 2000, PRINT_RESEND_MAX_MS))
                break;
            state = srv_print_state(s, &conn, reasons, sizeof reasons);
            if (state != IPP_PSTATE_PROCESSING && state != IPP_PSTATE_STOPPED)
                break; /* idle, or cannot tell: send again */
        }
        sent = now;
    }
}

static void print_one(srv *s, srv_job *j, unsigned long ticket)
{
    mm_error err;
    mm_error_clear(&err);
    char detail[900], path[1200] = "";
    int pjid = 0;
    long waited_ms = 0;
    /* A crash between printing and recording it must not print twice. */
    int found = srv_print_find(s, j, &pjid, &err);
    int rc = 0;
    if (found != 1) {
        j->attempts++;
        atomic_fetch_add(&s->print_attempts, 1);
        /* Prepared before the turn: several print workers run qpdf at once. */
        rc = srv_print_prepare(s, j, path, sizeof path, &err);
    }
    if (print_turn_wait(s, ticket)) {
        rc = 2;
    } else {
        if (found != 1 && rc == 0)
            rc = print_submit_waiting(s, j, path, &pjid, &waited_ms, &err);
        print_turn_pass(s);
    }
    if (path[0])
        unlink(path);
    if (rc == 2) { /* stopping: stays "printing" in the store, resumed at the next start */
        free(j);
        return;
    }
    if (rc == 0) {
        j->state = SRV_JSTATE_PRINTED;
        SET(j->printer, s->conf.printer_name);
        j->print_job_id = pjid;
        char waited[80] = "";
        if (waited_ms >= 1000)
            snprintf(waited, sizeof waited, ", after %.0f s waiting for the busy printer", waited_ms / 1000.0);
        snprintf(detail, sizeof detail, "%s: printer job %d on %s%s, document sha256 %s, %d pages, reason: %s",
                 found == 1 ? "found at printer after restart" : "printed", pjid, s->conf.printer_name, waited,
                 j->sha256, j->pages, j->reason);
        srv_transition(s, j, SRV_JSTATE_PRINTING, "printed", detail);
        free(j);
        return;
    }
    atomic_fetch_add(&s->print_errors, 1);
    if (srv_now_ms() < j->deadline_ms && err.cls != MM_ERR_INPUT) {
        long d = backoff_ms(s, j->attempts);
        snprintf(detail, sizeof detail, "attempt %d: %s; retry in %ld ms", j->attempts, err.msg, d);
        srv_store_event(s->store, j->id, "print-failed", detail, NULL);
        schedule(s, j, STAGE_PRINT, d);
        return;
    }
    j->state = SRV_JSTATE_FAILED;
    /* The reason now says why the letter reached no one (the exception list shows it). */
    snprintf(detail, sizeof detail, "not printed: %s", err.msg);
    SET(j->reason, detail);
    SET(j->reason_sv, err.cls == MM_ERR_INPUT ? srv_sv(SRV_SV_PRINT_UNREADABLE)
                                              : srv_sv(SRV_SV_PRINT_LATE));
    snprintf(detail, sizeof detail, "attempt %d: %s; giving up, the letter is kept in the exception list",
             j->attempts, err.msg);
    mm_log(MM_LOG_ERROR, "job %s cannot be printed: %s", j->id, err.msg);
    srv_transition(s, j, SRV_JSTATE_PRINTING, "failed", detail);
    free(j);
}

static void *print_main(void *arg)
{
    srv *s = arg;
    srv_job *j;
    unsigned long ticket = 0;
    while ((j = print_take(s, &ticket)))
        print_one(s, j, ticket);
    return NULL;
}

/* ---- start, stop, resume ---- */

int srv_work_start(srv *s, mm_error *err)
{
    srv_queue_init(&s->q_far);
    srv_queue_init(&s->q_send);
    srv_queue_init(&s->q_print);
    pthread_mutex_init(&s->timer_mu, NULL);
    pthread_cond_init(&s->timer_cv, NULL);
    pthread_mutex_init(&s->wait_mu, NULL);
    pthread_mutex_init(&s->print_pop_mu, NULL);
    pthread_mutex_init(&s->print_mu, NULL);
    pthread_cond_init(&s->print_cv, NULL);
    s->print_accepted_ms = srv_now_ms();
    s->send_threads = calloc((size_t)s->conf.workers, sizeof(pthread_t));
    s->print_threads = calloc((size_t)s->conf.print_workers, sizeof(pthread_t));
    if (!s->send_threads || !s->print_threads)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    if (pthread_create(&s->timer_thread, NULL, timer_main, s) ||
        pthread_create(&s->far_thread, NULL, far_main, s))
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot start threads");
    /* On failure the counts say how many threads srv_work_stop must join. */
    long want = s->conf.print_workers;
    s->conf.print_workers = 0;
    for (long i = 0; i < s->conf.workers; i++)
        if (pthread_create(&s->send_threads[i], NULL, send_main, s)) {
            s->conf.workers = i;
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot start threads");
        }
    for (long i = 0; i < want; i++) {
        if (pthread_create(&s->print_threads[i], NULL, print_main, s))
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot start threads");
        s->conf.print_workers = i + 1;
    }
    return 0;
}

void srv_work_stop(srv *s)
{
    /* Work not yet started stays in the store in its state and is resumed
     * at the next start; work in progress finishes its current step. */
    srv_queue_close(&s->q_far);
    srv_queue_close(&s->q_send);
    srv_queue_close(&s->q_print);
    pthread_mutex_lock(&s->timer_mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->timer_cv);
    pthread_mutex_unlock(&s->timer_mu);
    /* A print worker waiting for a busy printer, or for its turn, stops. */
    pthread_mutex_lock(&s->print_mu);
    s->print_stopping = 1;
    pthread_cond_broadcast(&s->print_cv);
    pthread_mutex_unlock(&s->print_mu);
    pthread_join(s->timer_thread, NULL);
    pthread_join(s->far_thread, NULL);
    for (long i = 0; i < s->conf.workers; i++)
        pthread_join(s->send_threads[i], NULL);
    for (long i = 0; i < s->conf.print_workers; i++)
        pthread_join(s->print_threads[i], NULL);
    while (s->timers) {
        srv_timer *t = s->timers;
        s->timers = t->next;
        free(t->job);
        free(t);
    }
}

void srv_work_free(srv *s)
{
    /* Only after the front has stopped: until then a request may still
     * push to a (closed) queue. */
    srv_queue_drain_free(&s->q_far);
    srv_queue_drain_free(&s->q_send);
    srv_queue_drain_free(&s->q_print);
    free(s->send_threads);
    free(s->print_threads);
    s->send_threads = s->print_threads = NULL;
}

static void resume_one(const srv_job *j, void *arg)
{
    srv *s = arg;
    srv_store_event(s->store, j->id, "resumed",
                    j->state == SRV_JSTATE_SENDING && j->has_soap ? "resending the stored delivery"
                                                                  : srv_jstate_name(j->state),
                    NULL);
    srv_enqueue(s, j);
}

int srv_resume(srv *s, mm_error *err)
{
    return srv_store_unfinished(s->store, resume_one, s, err);
}

/* The spool holds only the print path's temporary files (documents live in
 * the store); after a crash, whatever is left there is of no use. */
void srv_spool_sweep(srv *s)
{
    DIR *d = opendir(s->conf.spool_dir);
    if (!d)
        return;
    struct dirent *e;
    long removed = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char p[1300];
        snprintf(p, sizeof p, "%s/%s", s->conf.spool_dir, e->d_name);
        if (unlink(p) == 0)
            removed++;
    }
    closedir(d);
    if (removed)
        mm_log(MM_LOG_INFO, "spool: removed %ld leftover temporary files", removed);
}

/* ---- the exception list: resolution, held letters' expiry, retention ---- */

int srv_resolve(srv *s, srv_job *j, const char *action, const char *principal)
{
    char detail[1200];
    srv_jstate was = j->state;
    j->updated_ms = srv_now_ms();
    if (!strcmp(action, "reprint")) {
        mm_buf doc = MM_BUF_INIT;
        int found = srv_store_document(s->store, j->id, "pdf", &doc, NULL);
        mm_buf_free(&doc);
        if (found)
            return found < 0 ? -1 : 2;
        snprintf(detail, sizeof detail, "reprint by %s: sent to %s again (was %s: %s)", principal,
                 s->conf.printer_name, srv_jstate_name(was), j->reason);
        char reason[300], reason_sv[300]; /* cut to the fields by SET, on a UTF-8 boundary */
        snprintf(reason, sizeof reason, "reprint after: %s", j->reason);
        snprintf(reason_sv, sizeof reason_sv, "ny utskrift: %s", j->reason_sv[0] ? j->reason_sv : srv_jstate_name(was));
        SET(j->reason, reason);
        SET(j->reason_sv, reason_sv);
        j->state = SRV_JSTATE_PRINTING;
        SET(j->channel, "paper");
        SET(j->printer, "");
        j->print_job_id = 0;
        j->attempts = 0;
        j->final_ms = 0;
        j->deadline_ms = j->updated_ms + s->conf.print_deadline_s * 1000;
    } else {
        SET(j->resolution, action);
        SET(j->resolved_by, principal);
        j->resolved_ms = j->updated_ms;
        snprintf(detail, sizeof detail, "%s by %s: %s; the letter is purged", action, principal,
                 !strcmp(action, "handled") ? "taken care of outside mmprint" : "nothing will be sent");
    }
    mm_error err;
    mm_error_clear(&err);
    int rc = srv_store_resolve(s->store, j, was, "resolved", detail, &err);
    if (rc < 0)
        mm_log(MM_LOG_ERROR, "job %s: cannot record the resolution: %s", j->id, err.msg);
    if (rc == 0)
        mm_log(MM_LOG_INFO, "job %s: exception resolved: %s", j->id, detail);
    return rc;
}

static void expire_held(const srv_job *held, void *arg)
{
    srv *s = arg;
    srv_job j = *held;
    char en[48], sv[48], detail[300];
    srv_duration_text(s->conf.held_expiry_s, 0, en, sizeof en);
    srv_duration_text(s->conf.held_expiry_s, 1, sv, sizeof sv);
    j.state = SRV_JSTATE_EXPIRED;
    SET(j.channel, "none");
    snprintf(detail, sizeof detail, "no recipient was added within %s", en);
    SET(j.reason, detail);
    snprintf(detail, sizeof detail, "inget personnummer lades till inom %s", sv);
    SET(j.reason_sv, detail);
    snprintf(detail, sizeof detail, "waited for a recipient for more than %s (held_expiry); nothing sent, "
                                    "the letter is kept in the exception list", en);
    if (srv_transition(s, &j, SRV_JSTATE_NEEDS_RECIPIENT, "expired", detail) == 0)
        mm_log(MM_LOG_INFO, "job %s: %s", j.id, detail);
}

void srv_maintain(srv *s)
{
    mm_error err;
    mm_error_clear(&err);
    long n = srv_store_purge(s->store, (int)s->conf.retention_days, &err);
    if (n > 0)
        mm_log(MM_LOG_INFO, "retention: purged personal data of %ld jobs", n);
    else if (n < 0)
        mm_log(MM_LOG_ERROR, "retention: %s", err.msg);
    int64_t now = srv_now_ms();
    if (srv_store_held_before(s->store, now - (int64_t)s->conf.held_expiry_s * 1000, expire_held, s, &err))
        mm_log(MM_LOG_ERROR, "expiry of held letters: %s", err.msg);
    char en[48], why[160];
    srv_duration_text(s->conf.exception_retention_s, 0, en, sizeof en);
    snprintf(why, sizeof why, "unresolved for more than %s (exception_retention): the letter is purged, "
                              "the job stays in the exception list", en);
    n = srv_store_purge_exceptions(s->store, now - (int64_t)s->conf.exception_retention_s * 1000, why, &err);
    if (n > 0)
        mm_log(MM_LOG_INFO, "exception retention: purged the letters of %ld unresolved exceptions older than %s",
               n, en);
    else if (n < 0)
        mm_log(MM_LOG_ERROR, "exception retention: %s", err.msg);
}
