/* SPDX-License-Identifier: EUPL-1.2 */
/* The FaR batcher of mmprintd: collects queued jobs for up to
 * far_batch_wait_ms (at most far_batch_max), asks FaR about all of them in
 * one isReachable call, and records the decisions in one transaction. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy.h"
#include "timer.h"
#include "workers.h"
#include "printroom.h"

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
            srv_schedule(s, batch[i], SRV_STAGE_FAR, 1000);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ch[i].job = batch[i];
        ch[i].expect = SRV_JSTATE_QUEUED;
        ch[i].detail = details + i * 1024;
        next[i] = srv_policy_decide(s, batch[i], &reach[i], &ch[i].event, details + i * 1024, 1024);
    }
    mm_error err;
    if (srv_store_update_many(s->store, ch, n, &err))
        mm_log(MM_LOG_ERROR, "cannot record %zu FaR decisions: %s", n, err.msg);
    /* The batches of the letters decided here: once all of a batch's
     * letters are decided its paper letters go to print (printroom.h). */
    char (*batches)[sizeof batch[0]->batch_id] = calloc(n, sizeof *batches);
    size_t nb = 0;
    for (size_t i = 0; batches && i < n; i++) {
        size_t k = 0;
        while (k < nb && strcmp(batches[k], batch[i]->batch_id))
            k++;
        if (batch[i]->batch_id[0] && ch[i].rc == 0 && k == nb)
            snprintf(batches[nb++], sizeof batches[0], "%s", batch[i]->batch_id);
    }
    for (size_t i = 0; i < n; i++) {
        srv_job *j = batch[i];
        if (ch[i].rc < 0) {
            /* Not recorded: ask FaR again later (the job is still queued). */
            j->state = SRV_JSTATE_QUEUED;
            srv_schedule(s, j, SRV_STAGE_FAR, 1000);
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
            srv_room_enqueue(s, j);
        } else {
            free(j);
        }
    }
    for (size_t k = 0; k < nb; k++)
        srv_room_batch_check(s, batches[k]);
    free(batches);
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
            srv_schedule(s, batch[i], SRV_STAGE_FAR, 1000);
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
                long d = srv_backoff_ms(s, j->attempts);
                snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; retry in %ld ms", j->attempts,
                         mm_error_class_name(err.cls), err.code, err.msg, d);
                srv_store_event(s->store, j->id, "far-error", detail, NULL);
                srv_schedule(s, j, SRV_STAGE_FAR, d);
            } else {
                snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; giving up", j->attempts,
                         mm_error_class_name(err.cls), err.code, err.msg);
                srv_store_event(s->store, j->id, "far-error", detail, NULL);
                srv_policy_fallback(s, j, retry ? "FaR did not answer before the deadline" : "FaR refused the question",
                         srv_sv(SRV_SV_FAR_NO_ANSWER));
            }
        }
    }
    free(ids);
    free(reach);
}

void *srv_far_main(void *arg)
{
    srv *s = arg;
    mm_http *h = srv_conf_http_new(&s->conf);
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
         * the state moved on (compare-and-set in decide/fallback).  One
         * back for another attempt may have been cancelled while it
         * waited: asked about again it would only add far-error events to
         * its journal until its deadline, so it is dropped here. */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            srv_job now;
            if (batch[i]->attempts > 0 && srv_store_get(s->store, batch[i]->id, &now, NULL) == 0 &&
                now.state != SRV_JSTATE_QUEUED) {
                free(batch[i]);
                continue;
            }
            batch[m++] = batch[i];
        }
        if (m && h)
            far_batch(s, h, batch, m);
        else
            for (size_t i = 0; i < m; i++)
                srv_schedule(s, batch[i], SRV_STAGE_FAR, 5000);
    }
    free(batch);
    mm_http_free(h);
    return NULL;
}

