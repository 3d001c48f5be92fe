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

#define BUCKET_HEADS 256u
#define REAP_EVERY_MS 250
#define PRUNE_EVERY_MS 60000

/* One principal's token bucket. */
typedef struct bucket {
    char principal[256];
    double tokens;
    int64_t last_ms;
    struct bucket *next;
} bucket;

struct srv_connlimit {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* stopping */
    int stopping;
    pthread_t thread;
    int64_t header_timeout_ms;
    double rate, burst;
    srv_conn_slot *conns;       /* tracked connections */
    bucket *heads[BUCKET_HEADS];
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

/* Forgets the buckets that are full again: a principal that comes back
 * starts with a full bucket anyway, so memory follows the active ones. */
static void prune(srv_connlimit *l, int64_t now)
{
    for (unsigned i = 0; i < BUCKET_HEADS; i++) {
        bucket **pp = &l->heads[i];
        while (*pp) {
            bucket *b = *pp;
            if (b->tokens + (double)(now - b->last_ms) * l->rate / 1000.0 >= l->burst) {
                *pp = b->next;
                free(b);
            } else {
                pp = &b->next;
            }
        }
    }
}

static void *reaper_main(void *arg)
{
    srv_connlimit *l = arg;
    int64_t next_prune = srv_mono_ms() + PRUNE_EVERY_MS;
    pthread_mutex_lock(&l->mu);
    while (!l->stopping) {
        struct timespec until;
        srv_mono_deadline(&until, srv_mono_ms() + REAP_EVERY_MS);
        pthread_cond_timedwait(&l->cv, &l->mu, &until);
        int64_t now = srv_mono_ms();
        reap(l, now);
        if (now >= next_prune) {
            prune(l, now);
            next_prune = now + PRUNE_EVERY_MS;
        }
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
    l->rate = (double)rate;
    l->burst = (double)(burst > 0 ? burst : 1);
    pthread_mutex_init(&l->mu, NULL);
    srv_cond_init(&l->cv);
    int e = pthread_create(&l->thread, NULL, reaper_main, l);
    if (e) {
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
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
    for (unsigned i = 0; i < BUCKET_HEADS; i++)
        while (l->heads[i]) {
            bucket *b = l->heads[i];
            l->heads[i] = b->next;
            free(b);
        }
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

static unsigned head_of(const char *principal)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)principal; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % BUCKET_HEADS;
}

int srv_connlimit_take(srv_connlimit *l, const char *principal, long *retry_after_s)
{
    int64_t now = srv_mono_ms();
    unsigned i = head_of(principal);
    int allowed = 1;
    pthread_mutex_lock(&l->mu);
    bucket *b = l->heads[i];
    while (b && strcmp(b->principal, principal))
        b = b->next;
    if (!b && (b = calloc(1, sizeof *b)) != NULL) {
        snprintf(b->principal, sizeof b->principal, "%s", principal);
        b->tokens = l->burst;
        b->last_ms = now;
        b->next = l->heads[i];
        l->heads[i] = b;
    }
    if (b) { /* without memory for a bucket the request is let through */
        b->tokens += (double)(now - b->last_ms) * l->rate / 1000.0;
        if (b->tokens > l->burst)
            b->tokens = l->burst;
        b->last_ms = now;
        if (b->tokens >= 1.0) {
            b->tokens -= 1.0;
        } else {
            allowed = 0;
            *retry_after_s = (long)((1.0 - b->tokens) / l->rate) + 1;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return allowed;
}
