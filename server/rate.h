/* SPDX-License-Identifier: EUPL-1.2 */
/* Per-principal rate limits of mmprintd: one token bucket per key (a
 * principal's name), refilled at a steady rate up to a burst.  Used for the
 * reachability precheck (api_reach.c: a FaR lookup about a person is
 * processing of personal data, so no one principal may run a register
 * through it) and for every request at the front (connlimit.c: no one
 * principal starves the others).  Thread-safe. */
#ifndef MMPRINTD_RATE_H
#define MMPRINTD_RATE_H

#include <stdint.h>

typedef struct srv_rate srv_rate;

/* A limiter of per_minute tokens a minute per key, at most burst at once:
 * a new handle for srv_rate_free, or NULL (out of memory). */
srv_rate *srv_rate_new(long per_minute, long burst);
void srv_rate_free(srv_rate *r);

/* Takes one token of key's bucket at now_ms: 0 taken, else the whole
 * seconds (at least 1) until the next token, nothing taken.  The table
 * holds a bounded number of keys; the longest unused is forgotten first
 * (it was full again long since, or soon will be). */
long srv_rate_take(srv_rate *r, const char *key, int64_t now_ms);

#endif
