/* SPDX-License-Identifier: EUPL-1.2 */
/* The timer of mmprintd: jobs waiting for a retry, in due order, handed
 * back to their stage's queue when due (see timer.h). */
#include <stdlib.h>
#include <time.h>
#include <openssl/rand.h>

#include "timer.h"
#include "printroom.h"

/* One job waiting for its retry. */
struct srv_timer {
    int64_t due_ms; /* monotonic (srv_mono_ms) */
    srv_stage stage;
    srv_job *job;
    struct srv_timer *next;
};

long srv_backoff_ms(const srv *s, int attempts)
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

void srv_schedule(srv *s, srv_job *j, srv_stage stage, long delay_ms)
{
    struct srv_timer *t = malloc(sizeof *t);
    if (!t) {
        free(j);
        return;
    }
    t->due_ms = srv_mono_ms() + delay_ms;
    t->stage = stage;
    t->job = j;
    pthread_mutex_lock(&s->timer_mu);
    struct srv_timer **p = &s->timers;
    while (*p && (*p)->due_ms <= t->due_ms)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
    pthread_cond_signal(&s->timer_cv);
    pthread_mutex_unlock(&s->timer_mu);
}

static srv_queue *stage_queue(srv *s, srv_stage stage)
{
    return stage == SRV_STAGE_FAR ? &s->q_far : &s->q_send;
}

void *srv_timer_main(void *arg)
{
    srv *s = arg;
    pthread_mutex_lock(&s->timer_mu);
    while (!s->stopping) {
        int64_t now = srv_mono_ms();
        if (s->timers && s->timers->due_ms <= now) {
            struct srv_timer *t = s->timers;
            s->timers = t->next;
            pthread_mutex_unlock(&s->timer_mu);
            if (t->stage == SRV_STAGE_PRINT)
                srv_room_enqueue(s, t->job); /* its room's line */
            else
                srv_queue_push(stage_queue(s, t->stage), t->job);
            free(t);
            pthread_mutex_lock(&s->timer_mu);
            continue;
        }
        int64_t due = s->timers ? s->timers->due_ms : now + 60000;
        struct timespec ts;
        srv_mono_deadline(&ts, due);
        pthread_cond_timedwait(&s->timer_cv, &s->timer_mu, &ts);
    }
    pthread_mutex_unlock(&s->timer_mu);
    return NULL;
}

void srv_timer_drop_all(srv *s)
{
    while (s->timers) {
        struct srv_timer *t = s->timers;
        s->timers = t->next;
        free(t->job);
        free(t);
    }
}
