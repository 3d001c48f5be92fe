/* SPDX-License-Identifier: EUPL-1.2 */
/* Token buckets per key (see rate.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rate.h"

/* Principals are certificates and people: a few hundred at most. */
#define RATE_KEYS 512

typedef struct {
    char key[256];
    double tokens;
    int64_t last_ms; /* 0: slot unused */
} bucket;

struct srv_rate {
    pthread_mutex_t mu;
    double per_ms, burst;
    bucket b[RATE_KEYS];
};

srv_rate *srv_rate_new(long per_minute, long burst)
{
    srv_rate *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
    r->per_ms = (double)(per_minute > 0 ? per_minute : 1) / 60000.0;
    r->burst = (double)(burst > 0 ? burst : 1);
    return r;
}

void srv_rate_free(srv_rate *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* key's bucket, or a fresh full one in place of an unused or the longest
 * unused slot; the caller holds mu. */
static bucket *find(srv_rate *r, const char *key, int64_t now_ms)
{
    bucket *oldest = &r->b[0];
    for (size_t i = 0; i < RATE_KEYS; i++) {
        bucket *b = &r->b[i];
        if (b->last_ms && !strcmp(b->key, key))
            return b;
        if (b->last_ms < oldest->last_ms)
            oldest = b;
    }
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    oldest->tokens = r->burst;
    oldest->last_ms = now_ms > 0 ? now_ms : 1;
    return oldest;
}

long srv_rate_take(srv_rate *r, const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&r->mu);
    bucket *b = find(r, key ? key : "", now_ms);
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * r->per_ms;
        if (b->tokens > r->burst)
            b->tokens = r->burst;
        b->last_ms = now_ms;
    }
    long wait = 0;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
    } else {
        double ms = (1.0 - b->tokens) / r->per_ms;
        wait = (long)((ms + 999.0) / 1000.0); /* whole seconds, rounded up */
        if (wait < 1)
            wait = 1;
    }
    pthread_mutex_unlock(&r->mu);
    return wait;
}
