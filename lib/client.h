/* SPDX-License-Identifier: EUPL-1.2 */
/* The print path's client of mmprintd: what the CUPS backend needs to hand a
 * job bundle to the server over HTTPS with a client certificate, and to turn
 * the server's answer into one of the few things CUPS can do with a job. */
#ifndef MM_CLIENT_H
#define MM_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include "error.h"

#define MM_CLIENT_DEFAULT_PORT 8631
/* The server refuses bodies above 32 MiB; leave room for the bundle header. */
#define MM_CLIENT_MAX_BUNDLE (32u * 1024u * 1024u)

typedef struct {
    char cert[1024];           /* client certificate (PEM) */
    char key[1024];            /* its private key (PEM) */
    char ca[1024];             /* CA that signed the server's certificate */
    long connect_timeout_ms;   /* default 5000 */
    long timeout_ms;           /* whole request, default 120000 */
    int key_shared_with_lp;    /* key_shared_with_lp = yes: the key may be root:lp 0640 (default no) */
    long batch_wait_ms;        /* batch_wait: how long the backend follows a batch, default 900 s */
} mm_client_conf;

/* Reads a configuration file (config.h: `key = value`, a key set twice is
 * an error) with the keys cert, key, ca, connect_timeout and timeout
 * (seconds, 1..3600), key_shared_with_lp (yes/no) and batch_wait
 * (seconds, 0..86400) into conf (the
 * caller's; fixed-size fields, nothing to free).  Unknown keys and missing
 * cert/key/ca are errors. */
int mm_client_conf_load(const char *path, mm_client_conf *conf, mm_error *err);

/* Refuses a private key that anyone but its owner could read or change:
 * any group or other permission bit, an owner other than root or the
 * caller, a directory others may replace it in.  The message names the
 * file and the chmod/chown that fixes it. */
int mm_client_check_key(const char *path, mm_error *err);

/* Refuses a file that decides whom we trust (a CA file, backend.conf) when
 * someone but root or the caller could change it: writable by group or
 * others, owned by another user, or in a directory they may write to
 * (sticky directories excepted).  The message names the fix. */
int mm_client_check_trust(const char *path, mm_error *err);

/* Every file of a loaded configuration, the configuration file itself at
 * conf_path included: the key as mm_client_check_key (or, with
 * key_shared_with_lp, also root:lp 0640), cert, ca and conf_path as
 * mm_client_check_trust. */
int mm_client_check_files(const char *conf_path, const mm_client_conf *conf, mm_error *err);

/* Makes text from the server safe for one CUPS line, in place: every
 * control character (C0, DEL, C1, U+2028/U+2029 and the bidirectional
 * overrides U+202A..U+202E, U+2066..U+2069) and every byte that is not
 * valid UTF-8 becomes one space, runs of spaces one, and the ends are
 * trimmed.  The result is never longer than the input. */
void mm_client_one_line(char *text);

/* mmprint://host[:port]/ -> https://host:port (no trailing slash).  IPv6
 * literals in brackets are kept; user info, query and fragment are refused. */
int mm_client_base_url(const char *device_uri, char *out, size_t out_size, mm_error *err);

/* The server's answer to POST /api/v1/jobs, as far as the backend needs it. */
typedef struct {
    long status;               /* HTTP status */
    char id[64];
    char state[32];
    char channel[16];
    char operator_name[64];
    char printer[128];
    char message[512];         /* Swedish, for an INFO:/ERROR: line */
    char error[128];           /* machine-readable error on 4xx/5xx */
    int pages;                 /* 0 when unknown */
} mm_client_reply;

/* Fills r from a status and a JSON body; a body that is not JSON leaves the
 * text fields empty (the status still decides what happens). */
void mm_client_parse_reply(long status, const char *body, size_t len, mm_client_reply *r);

typedef enum {
    MM_CLIENT_DONE,    /* accepted: CUPS_BACKEND_OK */
    MM_CLIENT_HOLD,    /* recipient missing: JOBSTATE account-info-needed, CUPS_BACKEND_HOLD */
    MM_CLIENT_RETRY,   /* try again later: CUPS_BACKEND_RETRY */
    MM_CLIENT_CANCEL,  /* refused or finally failed: CUPS_BACKEND_CANCEL */
    MM_CLIENT_STOP     /* this host is not allowed (TLS client refused): CUPS_BACKEND_STOP */
} mm_client_action;

mm_client_action mm_client_classify(const mm_client_reply *r);

/* POSTs the bundle (the caller's, unchanged) to base_url/api/v1/jobs over
 * mm_http with the client certificate, Idempotency-Key (if idem_key is
 * non-NULL).  Nothing is kept between calls; r is the caller's.  Any HTTP answer returns 0 with r filled; failures
 * to connect, TLS errors, timeouts and an abort (*abort_flag set, checked
 * during the transfer) return -1 with MM_ERR_TRANSPORT. */
int mm_client_submit(const mm_client_conf *conf, const char *base_url,
                     const unsigned char *bundle, size_t len, const char *idem_key,
                     const volatile sig_atomic_t *abort_flag, mm_client_reply *r, mm_error *err);

/* Whether key can name a job on the server: 1..128 characters of
 * [A-Za-z0-9-_.:], the server's rule for Idempotency-Key (a CUPS job-uuid
 * "urn:uuid:..." is one). */
int mm_client_key_valid(const char *key);

/* Tells the server that the job submitted with idem_key was cancelled in
 * CUPS: POST base_url/api/v1/jobs/by-key/KEY/cancel.  Returns like
 * mm_client_submit: any HTTP answer is 0 with r filled (200 cancelled, 404
 * no such job from this client, 409 too late: r->state says why). */
int mm_client_cancel_by_key(const mm_client_conf *conf, const char *base_url, const char *idem_key,
                            const volatile sig_atomic_t *abort_flag, mm_client_reply *r, mm_error *err);

/* ---- batches (doc/api.md "Batches"): one bundle, many letters ---- */

/* One part of a streamed body: len bytes from data, or, when data is NULL,
 * from fd at its current offset (read in chunks, never all at once). */
typedef struct {
    const unsigned char *data;
    int fd;
    unsigned long long len;
} mm_client_part;

/* The server's batch report (POST /api/v1/batches, GET /api/v1/batches/ID)
 * as far as the backend and mmctl need it; texts made one-line safe. */
typedef struct {
    long status;               /* HTTP status */
    char id[64];
    char state[32];            /* received, splitting, split, held, cancelled */
    char reason[512];          /* Swedish: why the whole batch is held */
    char message[512];         /* Swedish one-liner: "400 brev: 312 digitalt, ..." */
    char error[128];           /* machine-readable error on 4xx/5xx */
    long letters;              /* -1 while unknown */
    long digital, paper, held, pending, failed;
} mm_client_batch;

void mm_client_parse_batch(long status, const char *body, size_t len, mm_client_batch *b);

/* What to do with a batch answer, as mm_client_classify for a job:
 * DONE = accepted (received, splitting or split: poll for the outcome),
 * HOLD = the whole batch is held (b->reason), CANCEL = refused or cancelled
 * (a 413 above the server's batch limit among them), STOP and RETRY as for
 * jobs. */
mm_client_action mm_client_batch_classify(const mm_client_batch *b);

/* 1 when every letter of an accepted batch is decided: split, and none
 * still pending. */
int mm_client_batch_decided(const mm_client_batch *b);

/* POSTs the batch bundle made of parts (in order; their lengths add up to
 * the Content-Length) to base_url/api/v1/batches, streamed, with
 * Idempotency-Key idem_key (NULL: none); the time limit is the
 * configured timeout plus a millisecond per KB.  Returns as
 * mm_client_submit. */
int mm_client_submit_batch(const mm_client_conf *conf, const char *base_url, const mm_client_part *parts,
                           size_t nparts, const char *idem_key, const volatile sig_atomic_t *abort_flag,
                           mm_client_batch *b, mm_error *err);

/* GET base_url/api/v1/batches/ID?items=no (the report's counts, not its
 * letters) into b; returns as mm_client_submit. */
int mm_client_batch_get(const mm_client_conf *conf, const char *base_url, const char *id,
                        const volatile sig_atomic_t *abort_flag, mm_client_batch *b, mm_error *err);

#endif
