/* SPDX-License-Identifier: EUPL-1.2 */
/* The header-timeout reaper and the per-principal request rate (see
 * connlimit.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "connlimit.h"
#include "log.h"
#include "mmprintd.h"
#include "rate.h"

#define REAP_EVERY_MS 250

struct srv_connlimit {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* stopping */
    int stopping;
    pthread_t thread;
    int64_t header_timeout_ms;
    srv_rate *rate;             /* requests per principal (rate.c, as the precheck's) */
    srv_conn_slot *conns;       /* tracked connections */
};

/* ---- the reaper ---- */

/* Shuts down the connections past their deadline, under l->mu.  MHD tells
 * srv_connlimit_untrack before it closes a descriptor, so every fd in the
 * list is still that connection's. */
static void reap(srv_connlimit *l, int64_t now)
{
    unsigned n = 0;
    char peer[64] = "";
    for (srv_conn_slot *c = l->conns; c; c = c->next) {
        if (c->reaped || !c->deadline_ms || now < c->deadline_ms)
            continue;
        /* Wakes the connection's thread with an end of file; MHD closes it. */
        shutdown(c->fd, SHUT_RDWR);
        c->reaped = 1;
        if (!n++)
            memcpy(peer, c->peer, sizeof peer);
    }
    if (n)
        mm_log(MM_LOG_WARN, "closed %u connection%s (from %s%s) whose request did not arrive within %lld s", n,
               n == 1 ? "" : "s", peer, n == 1 ? "" : " and others", (long long)(l->header_timeout_ms / 1000));
}

static void *reaper_main(void *arg)
{
    srv_connlimit *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->stopping) {
        struct timespec until;
        srv_mono_deadline(&until, srv_mono_ms() + REAP_EVERY_MS);
        pthread_cond_timedwait(&l->cv, &l->mu, &until);
        reap(l, srv_mono_ms());
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

srv_connlimit *srv_connlimit_new(long header_timeout_s, long rate, long burst, mm_error *err)
{
    srv_connlimit *l = calloc(1, sizeof *l);
    if (!l) {
        mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
        return NULL;
    }
    l->header_timeout_ms = (int64_t)header_timeout_s * 1000;
    /* Per second in the settings, per minute in the limiter. */
    if (!(l->rate = srv_rate_new(rate * 60, burst))) {
        free(l);
        mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    srv_cond_init(&l->cv);
    int e = pthread_create(&l->thread, NULL, reaper_main, l);
    if (e) {
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        srv_rate_free(l->rate);
        free(l);
        mm_error_set(err, MM_ERR_SYSTEM, e, "cannot start the connection reaper: %s", strerror(e));
        return NULL;
    }
    return l;
}

void srv_connlimit_free(srv_connlimit *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stopping = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    srv_rate_free(l->rate);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void srv_connlimit_track(srv_connlimit *l, srv_conn_slot *slot, int fd, const char *peer)
{
    pthread_mutex_lock(&l->mu);
    slot->fd = fd;
    slot->deadline_ms = srv_mono_ms() + l->header_timeout_ms;
    slot->reaped = 0;
    snprintf(slot->peer, sizeof slot->peer, "%s", peer ? peer : "?");
    slot->prev = NULL;
    slot->next = l->conns;
    if (l->conns)
        l->conns->prev = slot;
    l->conns = slot;
    pthread_mutex_unlock(&l->mu);
}

void srv_connlimit_headers_done(srv_connlimit *l, srv_conn_slot *slot)
{
    pthread_mutex_lock(&l->mu);
    slot->deadline_ms = 0;
    pthread_mutex_unlock(&l->mu);
}

void srv_connlimit_request_done(srv_connlimit *l, srv_conn_slot *slot)
{
    pthread_mutex_lock(&l->mu);
    slot->deadline_ms = srv_mono_ms() + l->header_timeout_ms;
    pthread_mutex_unlock(&l->mu);
}

void srv_connlimit_untrack(srv_connlimit *l, srv_conn_slot *slot)
{
    pthread_mutex_lock(&l->mu);
    if (slot->prev)
        slot->prev->next = slot->next;
    else if (l->conns == slot)
        l->conns = slot->next;
    if (slot->next)
        slot->next->prev = slot->prev;
    slot->prev = slot->next = NULL;
    pthread_mutex_unlock(&l->mu);
}

/* ---- the request rate ---- */

int srv_connlimit_take(srv_connlimit *l, const char *principal, long *retry_after_s)
{
    long wait = srv_rate_take(l->rate, principal, srv_mono_ms());
    if (wait)
        *retry_after_s = wait;
    return wait == 0;
}
