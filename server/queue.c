/* SPDX-License-Identifier: EUPL-1.2 */
/* Blocking FIFO of jobs between the server's stages, and the monotonic
 * clock that every in-memory wait of the server uses. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "mmprintd.h"

/* ---- the monotonic clock of in-memory waits ---- */

int64_t srv_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void srv_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

void srv_mono_deadline(struct timespec *ts, int64_t mono_ms)
{
    ts->tv_sec = (time_t)(mono_ms / 1000);
    ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

/* ---- the queue ---- */

void srv_queue_init(srv_queue *q)
{
    pthread_mutex_init(&q->mu, NULL);
    srv_cond_init(&q->cv);
    q->head = q->tail = NULL;
    q->len = 0;
    q->closed = 0;
}

void srv_queue_push(srv_queue *q, srv_job *job)
{
    jq_item *it = malloc(sizeof *it);
    if (!it) {
        /* The job stays in the store and is resumed on the next start. */
        free(job);
        return;
    }
    it->job = job;
    it->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->closed) {
        pthread_mutex_unlock(&q->mu);
        free(it);
        free(job);
        return;
    }
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->len++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void srv_queue_push_many(srv_queue *q, srv_job **jobs, size_t n)
{
    jq_item *first = NULL, *last = NULL;
    size_t made = 0;
    for (; made < n; made++) {
        jq_item *it = malloc(sizeof *it);
        if (!it)
            break;
        it->job = jobs[made];
        it->next = NULL;
        if (last)
            last->next = it;
        else
            first = it;
        last = it;
    }
    pthread_mutex_lock(&q->mu);
    int take = !q->closed && made == n;
    if (take) {
        if (q->tail)
            q->tail->next = first;
        else
            q->head = first;
        if (last)
            q->tail = last;
        q->len += n;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    if (!take) { /* all or nothing: what is not pushed stays in the store */
        while (first) {
            jq_item *next = first->next;
            free(first);
            first = next;
        }
        for (size_t i = 0; i < n; i++)
            free(jobs[i]);
    }
}

srv_job *srv_queue_pop(srv_queue *q, long timeout_ms)
{
    struct timespec until;
    srv_mono_deadline(&until, srv_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0));
    pthread_mutex_lock(&q->mu);
    while (!q->head && !q->closed) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&q->cv, &q->mu);
        } else if (timeout_ms == 0 || pthread_cond_timedwait(&q->cv, &q->mu, &until) == ETIMEDOUT) {
            break;
        }
    }
    srv_job *j = NULL;
    /* A closed queue hands out nothing more: what is left stays in the store. */
    if (q->head && !q->closed) {
        jq_item *it = q->head;
        q->head = it->next;
        if (!q->head)
            q->tail = NULL;
        q->len--;
        j = it->job;
        free(it);
    }
    pthread_mutex_unlock(&q->mu);
    return j;
}

void srv_queue_close(srv_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void srv_queue_drain_free(srv_queue *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->head) {
        jq_item *it = q->head;
        q->head = it->next;
        free(it->job);
        free(it);
    }
    q->tail = NULL;
    q->len = 0;
    pthread_mutex_unlock(&q->mu);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
}

size_t srv_queue_len(srv_queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}
