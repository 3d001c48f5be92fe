/* Blocking FIFO of jobs between the server's stages. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "mmprintd.h"

void srv_queue_init(srv_queue *q)
{
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &a);
    pthread_condattr_destroy(&a);
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

srv_job *srv_queue_pop(srv_queue *q, long timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
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
