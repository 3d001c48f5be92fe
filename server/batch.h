/* SPDX-License-Identifier: EUPL-1.2 */
/* Batch print streams (issue 13): one job holding many letters, received
 * as a batch bundle (lib/batchbundle.h) by POST /api/v1/batches, split on
 * the server in a confined child (lib/batch.h) and turned into one job per
 * letter (jobs.batch_id, jobs.batch_seq) through the single-letter intake.
 *
 * A batch's states:
 *   received  -> the bundle is in the spool file, nothing split yet
 *   splitting -> the worker splits it and inserts its letters
 *   split     -> every letter is a job (each decided on its own)
 *   held      -> the split itself is in doubt (reason_sv says why); a
 *                person may cancel it
 *   cancelled -> a person cancelled a held batch (final)
 * received and splitting are resumed when mmprintd starts. */
#ifndef MMPRINTD_BATCH_H
#define MMPRINTD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "job.h"

typedef enum {
    SRV_BSTATE_NONE = 0, /* "any" in a compare-and-set */
    SRV_BSTATE_RECEIVED,
    SRV_BSTATE_SPLITTING,
    SRV_BSTATE_SPLIT,
    SRV_BSTATE_HELD,
    SRV_BSTATE_CANCELLED,
} srv_bstate;

/* "received", ... ("" for NONE); from_name gives NONE for an unknown word. */
const char *srv_bstate_name(srv_bstate st);
srv_bstate srv_bstate_from_name(const char *name);

/* A batch as the store keeps it (server/store.c maps each field to a
 * column of the table batches). */
typedef struct {
    char id[37];
    char idem_key[129];        /* the CUPS job-uuid; unique per client */
    char client[256];          /* TLS client certificate subject */
    char user[128];
    char host[256];
    char cups_job_id[32];
    char title[512];
    char department[128];
    char policy[32];
    char postal_class[16];
    char letter_type[16];
    char split[32];            /* auto, manifest, outline, pages:N, text */
    srv_bstate state;
    char reason[200];          /* English */
    char reason_sv[200];       /* Swedish, what a person reads */
    int letters;               /* letters of the plan (0 until split) */
    int pages;
    int64_t bytes;             /* size of the bundle as received */
    char spool[512];           /* the spool file while the batch is not split */
    int64_t created_ms, updated_ms;
} srv_batch;

/* The counts of a batch's letters by outcome, as the report and the
 * Swedish one-liner give them. */
typedef struct {
    int letters;  /* every letter stored */
    int digital;  /* delivered or on their way to a mailbox (channel digital, not failed) */
    int paper;    /* channel paper */
    int held;     /* waiting for a recipient */
    int pending;  /* not decided yet (no channel) */
    int failed;   /* reached no one (an exception), or cancelled */
} srv_batch_counts;

/* The view of a batch that srv_may (auth.c) decides on: a job with the
 * batch's client and user (workstation: its own client's; handläggare:
 * their own; admin: all), its state held when the batch is. */
void srv_batch_view(const srv_batch *b, srv_job *view);

/* Adds letter j to c. */
void srv_batch_count(srv_batch_counts *c, const srv_job *j);

/* Adds n letters in state to c. */
void srv_batch_count_state(srv_batch_counts *c, srv_jstate state, int n);

/* The Swedish one-liner of a batch, for CUPS and the pages:
 * "400 brev: 312 digitalt, 80 till utskrift, 8 behöver mottagare", parts
 * with 0 left out, ", 12 skickas" while letters are on their way (pending).
 * A batch not split yet or held: its state's text (held: its reason_sv). */
void srv_batch_summary_sv(const srv_batch *b, const srv_batch_counts *c, char *out, size_t size);

/* ---- the batch worker (batch.c), started by main after srv_resume (the
 * jobs of the earlier run are handed on first, so that no letter is handed
 * on twice) and stopped before the other workers ---- */

typedef struct srv srv;

/* Starts the batch worker: it takes every batch in received or splitting
 * (those of an earlier run first: the crash-safe resume) and splits it.
 * 0, or -1 with err. */
int srv_batch_start(srv *s, mm_error *err);
/* Wakes the worker for a batch just stored (state received). */
void srv_batch_kick(srv *s);
/* Stops the worker after its current step (a batch being split stays in
 * its state and is resumed at the next start) and joins it. */
void srv_batch_stop(srv *s);
/* The batch's spool file ("<spool_dir>/<id>.batch") and its letters'
 * directory ("<spool_dir>/<id>.letters") into out. */
void srv_batch_spool_path(const srv *s, const char *id, char *out, size_t size);
void srv_batch_letters_dir(const srv *s, const char *id, char *out, size_t size);
/* Removes the batch's spool file and letters' directory (once its letters
 * are stored, or it was cancelled): no intermediate storage is kept. */
void srv_batch_discard(srv *s, const srv_batch *b);

/* The split's child (lib/sandbox.h mm_sandbox_call): mmprintd lists
 * SRV_BATCH_ENTRY in its mm_sandbox_child_main. */
#define SRV_BATCH_SPLIT_CHILD "batch-split"
void srv_batch_split_child(const unsigned char *in, size_t len, int fd);
#define SRV_BATCH_ENTRY {SRV_BATCH_SPLIT_CHILD, srv_batch_split_child}

#endif
