/* SPDX-License-Identifier: EUPL-1.2 */
/* What keeps one host or one principal from starving the others at the
 * front (front.c): a reaper that shuts down connections whose request
 * headers do not arrive in time (a slowloris that sends a byte every few
 * seconds is never idle, so libmicrohttpd's inactivity timeout keeps it),
 * and a token bucket per principal for the request rate. */
#ifndef SRV_CONNLIMIT_H
#define SRV_CONNLIMIT_H

#include <stdint.h>
#include "error.h"

typedef struct srv_connlimit srv_connlimit;

/* One tracked connection; lives inside the caller's per-connection state
 * from srv_connlimit_track to srv_connlimit_untrack.  Fields are the
 * limiter's (read and written under its lock). */
typedef struct srv_conn_slot {
    int fd;
    int64_t deadline_ms;        /* monotonic; 0 = a request is being handled */
    int reaped;
    char peer[64];
    struct srv_conn_slot *prev, *next;
} srv_conn_slot;

/* Starts the reaper thread: a connection's request headers must be complete
 * within header_timeout_s of its start (TLS handshake included) or of the
 * end of its previous request.  rate requests per second per principal, up
 * to burst at once.  NULL with err on failure. */
srv_connlimit *srv_connlimit_new(long header_timeout_s, long rate, long burst, mm_error *err);
/* Stops the reaper and frees; every slot must be untracked first (the
 * daemon stopped).  NULL: nothing. */
void srv_connlimit_free(srv_connlimit *l);

/* A new connection on fd (before its TLS handshake): its clock starts. */
void srv_connlimit_track(srv_connlimit *l, srv_conn_slot *slot, int fd, const char *peer);
/* Its request headers are complete: no deadline while the request runs. */
void srv_connlimit_headers_done(srv_connlimit *l, srv_conn_slot *slot);
/* Its request is answered: the next request's headers have header_timeout. */
void srv_connlimit_request_done(srv_connlimit *l, srv_conn_slot *slot);
/* The connection is closing: the reaper forgets it before its descriptor
 * is closed, so it never shuts down a descriptor number reused since. */
void srv_connlimit_untrack(srv_connlimit *l, srv_conn_slot *slot);

/* Takes one request from principal's bucket: 1 allowed, 0 over the rate
 * (*retry_after_s set to the seconds until a request is allowed again). */
int srv_connlimit_take(srv_connlimit *l, const char *principal, long *retry_after_s);

#endif
