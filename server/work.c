/* SPDX-License-Identifier: EUPL-1.2 */
/* The life of mmprintd's workers: start, stop, hand a job to the stage its
 * state calls for, resume unfinished jobs after a start, and what the
 * stages share (the HTTPS client, spool paths).  The stages themselves:
 * farbatch.c, send.c, printq.c, with timer.c and policy.c. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "timer.h"
#include "workers.h"
#include "printroom.h"
#include "batch.h"

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
        srv_room_enqueue(s, j);
        break;
    default:
        free(j);
        break;
    }
}

/* ---- start, stop, resume ---- */

int srv_work_start(srv *s, mm_error *err)
{
    srv_queue_init(&s->q_far);
    srv_queue_init(&s->q_send);
    pthread_mutex_init(&s->timer_mu, NULL);
    srv_cond_init(&s->timer_cv);
    pthread_mutex_init(&s->wait_mu, NULL);
    s->send_threads = calloc((size_t)s->conf.workers, sizeof(pthread_t));
    if (!s->send_threads)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    if (pthread_create(&s->timer_thread, NULL, srv_timer_main, s) ||
        pthread_create(&s->far_thread, NULL, srv_far_main, s))
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot start threads");
    /* On failure the counts say how many threads srv_work_stop must join. */
    for (long i = 0; i < s->conf.workers; i++)
        if (pthread_create(&s->send_threads[i], NULL, srv_send_main, s)) {
            s->conf.workers = i;
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot start threads");
        }
    if (srv_batch_start(s, err))
        return -1;
    return srv_print_start(s, err);
}

void srv_work_stop(srv *s)
{
    /* Work not yet started stays in the store in its state and is resumed
     * at the next start; work in progress finishes its current step. */
    srv_batch_stop(s); /* first: it hands letters to the queues */
    srv_queue_close(&s->q_far);
    srv_queue_close(&s->q_send);
    pthread_mutex_lock(&s->timer_mu);
    s->stopping = 1;
    pthread_cond_broadcast(&s->timer_cv);
    pthread_mutex_unlock(&s->timer_mu);
    /* A print worker waiting for a busy printer, or for its turn, stops. */
    srv_print_stop(s);
    pthread_join(s->timer_thread, NULL);
    pthread_join(s->far_thread, NULL);
    for (long i = 0; i < s->conf.workers; i++)
        pthread_join(s->send_threads[i], NULL);
    srv_timer_drop_all(s);
}

void srv_work_free(srv *s)
{
    /* Only after the front has stopped: until then a request may still
     * push to a (closed) queue. */
    srv_queue_drain_free(&s->q_far);
    srv_queue_drain_free(&s->q_send);
    srv_print_free(s);
    free(s->send_threads);
    s->send_threads = NULL;
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
    int rc = srv_store_unfinished(s->store, resume_one, s, err);
    /* then the batches not split yet (batch.c): their letters stored
     * before were handed on just now, the rest are stored by it */
    srv_batch_kick(s);
    return rc;
}

/* The spool holds only the print path's temporary files (documents live in
 * the store); after a crash, whatever is left there is of no use. */

