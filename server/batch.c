/* SPDX-License-Identifier: EUPL-1.2 */
/* Batch print streams: states, counts and the Swedish one-liner (batch.h). */
#include "batch.h"

#include <stdio.h>
#include <string.h>

#include "texts.h"

static const char *const bstate_names[] = {
    [SRV_BSTATE_NONE] = "",
    [SRV_BSTATE_RECEIVED] = "received",
    [SRV_BSTATE_SPLITTING] = "splitting",
    [SRV_BSTATE_SPLIT] = "split",
    [SRV_BSTATE_HELD] = "held",
    [SRV_BSTATE_CANCELLED] = "cancelled",
};
#define NBSTATES (sizeof bstate_names / sizeof bstate_names[0])

const char *srv_bstate_name(srv_bstate st)
{
    return (size_t)st < NBSTATES ? bstate_names[st] : "";
}

srv_bstate srv_bstate_from_name(const char *name)
{
    for (size_t i = 1; name && i < NBSTATES; i++)
        if (!strcmp(name, bstate_names[i]))
            return (srv_bstate)i;
    return SRV_BSTATE_NONE;
}

void srv_batch_count(srv_batch_counts *c, const srv_job *j)
{
    c->letters++;
    switch (j->state) {
    case SRV_JSTATE_NEEDS_RECIPIENT:
        c->held++;
        break;
    case SRV_JSTATE_QUEUED:
    case SRV_JSTATE_SENDING:
        c->pending++;
        break;
    case SRV_JSTATE_DELIVERED:
        c->digital++;
        break;
    case SRV_JSTATE_PRINTING:
    case SRV_JSTATE_PRINTED:
    case SRV_JSTATE_POSTED:
        c->paper++;
        break;
    default: /* returned, failed, cancelled, expired: reached no one */
        c->failed++;
        break;
    }
}

/* Appends ", N word" (or ": N word" for the first part) when n > 0. */
static void part(char *out, size_t size, size_t *len, int *first, int n, const char *word)
{
    if (n <= 0 || *len >= size)
        return;
    int w = snprintf(out + *len, size - *len, "%s%d %s", *first ? ": " : ", ", n, word);
    if (w > 0)
        *len += (size_t)w < size - *len ? (size_t)w : size - *len - 1;
    *first = 0;
}

void srv_batch_summary_sv(const srv_batch *b, const srv_batch_counts *c, char *out, size_t size)
{
    if (!size)
        return;
    if (b->state == SRV_BSTATE_HELD) {
        snprintf(out, size, "%s: %s", srv_sv(SRV_SV_BATCH_HELD), b->reason_sv);
        return;
    }
    if (b->state == SRV_BSTATE_CANCELLED) {
        snprintf(out, size, "%s", srv_sv(SRV_SV_BATCH_CANCELLED));
        return;
    }
    if (b->state != SRV_BSTATE_SPLIT) {
        snprintf(out, size, "%s", srv_sv(SRV_SV_BATCH_RECEIVED));
        return;
    }
    int w = snprintf(out, size, "%d brev", c->letters);
    size_t len = w > 0 && (size_t)w < size ? (size_t)w : size - 1;
    int first = 1;
    part(out, size, &len, &first, c->digital, "digitalt");
    part(out, size, &len, &first, c->paper, "till utskrift");
    part(out, size, &len, &first, c->held, "behöver mottagare");
    part(out, size, &len, &first, c->failed, "kunde inte skickas");
    part(out, size, &len, &first, c->pending, "skickas");
}

/* ---- the batch worker ---- */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mmprintd.h"

struct srv_batchq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int kicked, stopping;
    pthread_t thread;
};

void srv_batch_spool_path(const srv *s, const char *id, char *out, size_t size)
{
    snprintf(out, size, "%s/%s.batch", s->conf.spool_dir, id);
}

void srv_batch_letters_dir(const srv *s, const char *id, char *out, size_t size)
{
    snprintf(out, size, "%s/%s.letters", s->conf.spool_dir, id);
}

void srv_batch_discard(srv *s, const srv_batch *b)
{
    char path[1100];
    srv_batch_spool_path(s, b->id, path, sizeof path);
    if (unlink(path) && errno != ENOENT)
        mm_log(MM_LOG_WARN, "batch %s: cannot remove %s: %s", b->id, path, strerror(errno));
    srv_batch_letters_dir(s, b->id, path, sizeof path);
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                unlinkat(dfd, e->d_name, 0);
        closedir(d);
    } else if (dfd >= 0) {
        close(dfd);
    }
    if (rmdir(path) && errno != ENOENT)
        mm_log(MM_LOG_WARN, "batch %s: cannot remove %s: %s", b->id, path, strerror(errno));
}

static void split_one(const srv_batch *b, void *arg);

static void *batch_main(void *arg)
{
    srv *s = arg;
    struct srv_batchq *q = s->batchq;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (!q->kicked && !q->stopping)
            pthread_cond_wait(&q->cv, &q->mu);
        int stop = q->stopping;
        q->kicked = 0;
        pthread_mutex_unlock(&q->mu);
        if (stop)
            break;
        mm_error err;
        /* Every batch not split yet, oldest first: after a start those of
         * the earlier run (received, or splitting when it stopped). */
        if (srv_store_batch_unfinished(s->store, split_one, s, &err))
            mm_log(MM_LOG_ERROR, "batches: cannot read the unfinished batches: %s", err.msg);
    }
    return NULL;
}

int srv_batch_start(srv *s, mm_error *err)
{
    struct srv_batchq *q = calloc(1, sizeof *q);
    if (!q)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->kicked = 1; /* resume at start */
    s->batchq = q;
    if (pthread_create(&q->thread, NULL, batch_main, s)) {
        s->batchq = NULL;
        free(q);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot start the batch worker");
    }
    return 0;
}

void srv_batch_kick(srv *s)
{
    struct srv_batchq *q = s->batchq;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->kicked = 1;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Is the worker asked to stop (checked between letters)? */
static int stopping(srv *s)
{
    struct srv_batchq *q = s->batchq;
    pthread_mutex_lock(&q->mu);
    int st = q->stopping;
    pthread_mutex_unlock(&q->mu);
    return st;
}

void srv_batch_stop(srv *s)
{
    struct srv_batchq *q = s->batchq;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stopping = 1;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->thread, NULL);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    s->batchq = NULL;
}

static void split_one(const srv_batch *b, void *arg)
{
    srv *s = arg;
    if (stopping(s))
        return;
    (void)b; /* the split: next commit */
}
