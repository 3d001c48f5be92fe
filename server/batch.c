/* SPDX-License-Identifier: EUPL-1.2 */
/* Batch print streams: states, counts and the Swedish one-liner (batch.h). */
#include "batch.h"

#include <stdio.h>
#include <string.h>

#include "texts.h"
#include "../lib/batch.h"

void srv_batch_view(const srv_batch *b, srv_job *view)
{
    memset(view, 0, sizeof *view);
    SRV_SET(view->id, b->id);
    SRV_SET(view->client, b->client);
    SRV_SET(view->user, b->user);
    /* a held batch waits for a person, as a held letter does */
    view->state = b->state == SRV_BSTATE_HELD ? SRV_JSTATE_NEEDS_RECIPIENT : SRV_JSTATE_QUEUED;
    SRV_SET(view->batch_id, b->id);
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

#include <stdarg.h>

#include "api.h"
#include "batchbundle.h"
#include "fileio.h"
#include "idnum.h"
#include "log.h"
#include "mmprintd.h"
#include "policy.h"
#include "printroom.h"
#include "sandbox.h"
#include "uuid.h"
#include "batch.h"

struct srv_batchq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int kicked, stopping;
    pthread_t thread;
    /* written to when the server stops: a running split's child is
     * killed (mm_sandbox.stop_fd) rather than waited for, up to its 45
     * minutes; the batch stays splitting and is split again at the next
     * start, as after a crash */
    int stop_pipe[2];
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

/* After a crash: the spool's batch files of no batch still to split (an
 * upload cut off before its 202, a batch split or cancelled just before
 * the crash) are removed; those of received and splitting batches stay
 * for the worker.  Only names of ours ("<uuid>.batch", "<uuid>.letters"). */
static void sweep(srv *s)
{
    DIR *d = opendir(s->conf.spool_dir);
    if (!d)
        return;
    struct dirent *e;
    long removed = 0;
    while ((e = readdir(d))) {
        const char *dot = strchr(e->d_name, '.');
        if (!dot || dot - e->d_name != 36 || strspn(e->d_name, "0123456789abcdef-") != 36 ||
            (strcmp(dot, ".batch") && strcmp(dot, ".letters")))
            continue;
        srv_batch b;
        memset(&b, 0, sizeof b);
        memcpy(b.id, e->d_name, 36);
        int rc = srv_store_batch_get(s->store, b.id, &b, NULL);
        if (rc < 0 || (rc == 0 && (b.state == SRV_BSTATE_RECEIVED || b.state == SRV_BSTATE_SPLITTING)))
            continue;
        srv_batch_discard(s, &b);
        removed++;
    }
    closedir(d);
    if (removed)
        mm_log(MM_LOG_INFO, "spool: removed the files of %ld batches not to be split", removed);
}

int srv_batch_start(srv *s, mm_error *err)
{
    sweep(s);
    struct srv_batchq *q = calloc(1, sizeof *q);
    if (!q)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    if (pipe2(q->stop_pipe, O_CLOEXEC)) {
        int e = errno;
        free(q);
        return mm_error_set(err, MM_ERR_SYSTEM, e, "cannot start the batch worker: pipe: %s", strerror(e));
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    /* started after srv_resume: the batches of the earlier run first */
    q->kicked = 1;
    s->batchq = q;
    if (pthread_create(&q->thread, NULL, batch_main, s)) {
        s->batchq = NULL;
        close(q->stop_pipe[0]);
        close(q->stop_pipe[1]);
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
    /* readable from now on: ends a running split (split_one) */
    if (write(q->stop_pipe[1], "x", 1) != 1)
        mm_log(MM_LOG_WARN, "batches: cannot stop a running split: %s", strerror(errno));
    pthread_join(q->thread, NULL);
    close(q->stop_pipe[0]);
    close(q->stop_pipe[1]);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    s->batchq = NULL;
}

/* ---- the split, in a confined child ----
 *
 * The child gets its task as lines (spool file, letters' directory, the
 * header's length, the manifest's length and type, the PDF's length, the
 * split word, the limits, the sender's own numbers), copies the PDF out of
 * the bundle into the letters' directory, plans the split (lib/batch.h),
 * writes each letter's PDF and the plan (plan.tsv, one line a letter) and
 * answers one line: "ok PAGES LETTERS", "doubt CODE PAGES REASON" or
 * "error CLASS CODE MESSAGE".  It may read the spool file and nothing but
 * write the letters' directory (mm_sandbox_call's write_dir). */

#define PLAN_FILE "plan.tsv"
#define INPUT_FILE "input.pdf"

static void answer(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void answer(int fd, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    line[strcspn(line, "\n")] = 0;
    size_t n = strlen(line);
    line[n++] = '\n';
    if (write(fd, line, n) < 0)
        _exit(1);
}

/* A text of the plan as one field: no tab or line break. */
static void field(char *t)
{
    for (; *t; t++)
        if (*t == '\t' || *t == '\n' || *t == '\r')
            *t = ' ';
}

/* Copies n bytes of in (at its offset) to out: 0, or -1. */
static int copy_bytes(int in, int out, size_t n)
{
    char buf[65536];
    while (n) {
        ssize_t r = read(in, buf, n < sizeof buf ? n : sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return -1;
            off += w;
        }
        n -= (size_t)r;
    }
    return 0;
}

void srv_batch_split_child(const unsigned char *in, size_t len, int fd)
{
    char task[8192];
    snprintf(task, sizeof task, "%.*s", (int)(len < sizeof task - 1 ? len : sizeof task - 1), (const char *)in);
    char *line[12] = {0};
    size_t nl = 0;
    for (char *p = task, *save = NULL, *t; nl < 12 && (t = strtok_r(p, "\n", &save)); p = NULL)
        line[nl++] = t;
    if (nl < 9) {
        answer(fd, "error input 0 the task is incomplete");
        return;
    }
    const char *spool = line[0], *dir = line[1], *mtype = line[4], *split = line[6];
    size_t header_len = strtoull(line[2], NULL, 10), mlen = strtoull(line[3], NULL, 10),
           dlen = strtoull(line[5], NULL, 10);
    mm_batch_request req = {0};
    req.max_pages = strtoull(line[7], NULL, 10);
    req.max_letters = strtoull(line[8], NULL, 10);
    const char *own[3];
    for (size_t i = 9; i < nl; i++)
        own[req.n_own++] = line[i];
    req.own = own;
    mm_error err;
    mm_error_clear(&err);
    mm_batch_manifest manifest = {0};
    mm_batch_plan plan;
    memset(&plan, 0, sizeof plan);
    char path[1200];
    int in_fd = open(spool, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof path, "%s/%s", dir, INPUT_FILE);
    int out_fd = in_fd >= 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    char *mdata = mlen ? malloc(mlen) : NULL;
    int ok = in_fd >= 0 && out_fd >= 0 && (!mlen || mdata) && lseek(in_fd, (off_t)header_len, SEEK_SET) >= 0;
    for (size_t got = 0; ok && got < mlen;) {
        ssize_t r = read(in_fd, mdata + got, mlen - got);
        if (r <= 0)
            ok = 0;
        else
            got += (size_t)r;
    }
    ok = ok && copy_bytes(in_fd, out_fd, dlen) == 0;
    if (out_fd >= 0 && close(out_fd))
        ok = 0;
    if (in_fd >= 0)
        close(in_fd);
    if (!ok) {
        free(mdata);
        answer(fd, "error system 0 cannot copy the PDF out of the bundle: %s", strerror(errno));
        return;
    }
    if (mlen && mm_batch_manifest_parse(mdata, mlen, mtype[0] && strcmp(mtype, "-") ? mtype : NULL, &manifest, &err)) {
        free(mdata);
        answer(fd, "error input 0 manifest: %s", err.msg);
        return;
    }
    free(mdata);
    req.manifest = mlen ? &manifest : NULL;
    if (mm_batch_split_parse(split, &req.mode, &req.pages_n, &err) ||
        mm_batch_plan_make(path, &req, &plan, &err)) {
        answer(fd, "error %s %d %s", err.cls == MM_ERR_SYSTEM ? "system" : "input", err.code, err.msg);
    } else if (plan.doubt != MM_BATCH_OK) {
        answer(fd, "doubt %d %zu %s", (int)plan.doubt, plan.pages, plan.doubt_reason);
    } else if (mm_batch_split_write(path, &plan, dir, &err)) {
        answer(fd, "error %s %d %s", err.cls == MM_ERR_SYSTEM ? "system" : "input", err.code, err.msg);
    } else {
        snprintf(path, sizeof path, "%s/%s", dir, PLAN_FILE);
        FILE *f = fopen(path, "we");
        for (size_t i = 0; f && i < plan.n_letters; i++) {
            mm_batch_letter *l = &plan.letters[i];
            char cands[1000] = "";
            if (!mm_candidates_empty(&l->candidates) && mm_candidates_format(&l->candidates, cands, sizeof cands, &err))
                cands[0] = 0;
            field(l->problem);
            field(l->reference);
            field(cands);
            /* a manifest's number the planner refused (invalid, the
             * sender's own) goes to the server as written: it words why */
            char given[32] = "";
            if (plan.mode == MM_SPLIT_MANIFEST && !l->found && i < manifest.n)
                snprintf(given, sizeof given, "%s", manifest.rows[i].recipient);
            field(given);
            fprintf(f, "%zu\t%zu\t%zu\t%s\t%s\t%s\t%s\t%s\n", i + 1, l->first_page, l->last_page,
                    l->found ? l->id.number : given[0] ? given : "-",
                    l->found || given[0] ? (l->source[0] ? l->source : "manifest") : "-", cands[0] ? cands : "-",
                    l->problem[0] ? l->problem : "-", l->reference[0] ? l->reference : "-");
        }
        if (!f || fclose(f))
            answer(fd, "error system 0 cannot write the plan");
        else
            answer(fd, "ok %zu %zu", plan.pages, plan.n_letters);
    }
    mm_batch_plan_free(&plan);
    mm_batch_manifest_free(&manifest);
}

/* Holds the whole batch with its reasons (English for the log, Swedish for
 * people): 0, or the store's answer. */
static int hold(srv *s, srv_batch *b, const char *reason, const char *reason_sv)
{
    SRV_SET(b->reason, reason);
    SRV_SET(b->reason_sv, reason_sv);
    mm_log_mask_text(b->reason);
    b->state = SRV_BSTATE_HELD;
    b->updated_ms = srv_now_ms();
    mm_log(MM_LOG_WARN, "batch %s: held: %s", b->id, b->reason);
    int rc = srv_store_batch_update(s->store, b, SRV_BSTATE_SPLITTING, "batch-held", b->reason, NULL, NULL);
    /* Only the bundle is kept, for nothing: a held batch is cancelled or
     * sent again, never split later. */
    srv_batch_discard(s, b);
    return rc;
}

static srv_text doubt_text(int code)
{
    switch (code) {
    case MM_BATCH_DOUBT_PAGES_REMAINDER: return SRV_SV_BATCH_DOUBT_PAGES_REMAINDER;
    case MM_BATCH_DOUBT_OUTLINE_ORDER: return SRV_SV_BATCH_DOUBT_OUTLINE_ORDER;
    case MM_BATCH_DOUBT_OUTLINE_START: return SRV_SV_BATCH_DOUBT_OUTLINE_START;
    case MM_BATCH_DOUBT_NO_OUTLINE: return SRV_SV_BATCH_DOUBT_NO_OUTLINE;
    case MM_BATCH_DOUBT_TEXT_LEADING: return SRV_SV_BATCH_DOUBT_TEXT_LEADING;
    case MM_BATCH_DOUBT_TEXT_NO_START: return SRV_SV_BATCH_DOUBT_TEXT_NO_START;
    case MM_BATCH_DOUBT_MANIFEST_COVER: return SRV_SV_BATCH_DOUBT_MANIFEST_COVER;
    case MM_BATCH_DOUBT_NO_MANIFEST: return SRV_SV_BATCH_DOUBT_NO_MANIFEST;
    case MM_BATCH_DOUBT_TOO_MANY_PAGES: return SRV_SV_BATCH_TOO_MANY_PAGES;
    case MM_BATCH_DOUBT_TOO_MANY_LETTERS: return SRV_SV_BATCH_TOO_MANY_LETTERS;
    default: return SRV_SV_BATCH_SPLIT_FAILED;
    }
}

/* Letters are stored this many at a time, each group one transaction. */
#define LETTERS_PER_TX 200

/* One letter of the plan made a job, as srv_api_post_job makes a single
 * letter: its recipient decided again by the single-letter rule
 * (srv_recipient_from_bundle: the sender's own numbers never a recipient),
 * its first state by the policy (srv_policy_intake).  0, or -1. */
static int letter_job(srv *s, const srv_batch *b, char *row, srv_job *j, mm_buf *doc, char *detail, size_t dsize)
{
    char *f[8] = {0};
    size_t n = 0;
    for (char *p = row, *save = NULL, *t; n < 8 && (t = strtok_r(p, "\t\n", &save)); p = NULL)
        f[n++] = t;
    if (n < 8)
        return -1;
    int seq = atoi(f[0]), first = atoi(f[1]), last = atoi(f[2]);
    mm_bundle lb;
    mm_bundle_init(&lb);
    int manifest = !strcmp(f[4], "manifest");
    mm_id given;
    if (strcmp(f[3], "-") && mm_idnum_parse(f[3], NULL, &given, NULL) == 0)
        SRV_SET(lb.recipient, given.number);
    else if (strcmp(f[3], "-") && !strcmp(f[6], "-"))
        SRV_SET(lb.recipient_problem, "the manifest's recipient is not a valid number");
    /* A manifest's number is validated as an option's would be; a page
     * text's is decided again from its candidates, as a single letter's. */
    if (!manifest && strcmp(f[4], "-"))
        SRV_SET(lb.recipient_source, f[4]);
    if (strcmp(f[5], "-") && mm_candidates_parse(f[5], &lb.cands, NULL))
        memset(&lb.cands, 0, sizeof lb.cands);
    if (strcmp(f[6], "-"))
        SRV_SET(lb.recipient_problem, f[6]);
    srv_recipient rcp;
    int have = srv_recipient_from_bundle(s, &lb, &rcp);

    memset(j, 0, sizeof *j);
    if (mm_uuid_new(j->id))
        return -1;
    SRV_SET(j->batch_id, b->id);
    j->batch_seq = seq;
    SRV_SET(j->recipient, rcp.number);
    SRV_SET(j->recipient_source, have ? (manifest ? "manifest" : rcp.source) : "");
    SRV_SET(j->recipient_problem, rcp.problem);
    SRV_SET(j->title, strcmp(f[7], "-") ? f[7] : b->title);
    SRV_SET(j->user, b->user);
    SRV_SET(j->host, b->host);
    SRV_SET(j->client, b->client);
    SRV_SET(j->cups_job_id, b->cups_job_id);
    SRV_SET(j->policy, b->policy);
    SRV_SET(j->department, b->department);
    SRV_SET(j->postal_class, b->postal_class[0] ? b->postal_class : srv_room_postal_default(s, b->department));
    SRV_SET(j->letter_type, b->letter_type[0] ? b->letter_type : "annat");
    srv_job_mask_client_text(j);
    j->pages = last - first + 1;
    j->doc_len = (int64_t)doc->len;
    srv_sha256_hex(doc->data, doc->len, j->sha256);
    j->created_ms = j->updated_ms = srv_now_ms();
    srv_policy_intake(s, j, have, rcp.reason_sv);
    char mask[16] = "-";
    if (have)
        mm_idnum_mask(j->recipient, mask);
    snprintf(detail, dsize,
             "batch %s letter %d (pages %d-%d) from %s user %s cups job %s; recipient %s (%s); policy %s; "
             "%zu bytes sha256 %s, %d pages",
             b->id, seq, first, last, b->client, j->user, j->cups_job_id[0] ? j->cups_job_id : "-", mask,
             have ? j->recipient_source : "none found in the batch", j->policy, doc->len, j->sha256, j->pages);
    return 0;
}

/* Stores a group of letters in one transaction and hands the new ones on
 * (a letter stored before a crash was resumed with the other jobs). */
static int store_group(srv *s, srv_batch_letter *l, srv_job *jobs, mm_buf *docs, size_t n)
{
    mm_error err;
    if (srv_store_batch_insert_letters(s->store, l, n, &err)) {
        mm_log(MM_LOG_ERROR, "batch %s: cannot store letters: %s", jobs[0].batch_id, err.msg);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (l[i].rc == 0 && jobs[i].state != SRV_JSTATE_NEEDS_RECIPIENT)
            srv_enqueue(s, &jobs[i]);
        mm_buf_free(&docs[i]);
    }
    return 0;
}

/* Reads the plan and the letters' PDFs from dir and stores every letter:
 * 0, or -1 (the batch stays splitting, resumed at the next start). */
static int store_letters(srv *s, const srv_batch *b, const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, PLAN_FILE);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    srv_batch_letter *l = calloc(LETTERS_PER_TX, sizeof *l);
    srv_job *jobs = calloc(LETTERS_PER_TX, sizeof *jobs);
    mm_buf *docs = calloc(LETTERS_PER_TX, sizeof *docs);
    char (*details)[1024] = calloc(LETTERS_PER_TX, sizeof *details);
    char row[4096];
    size_t n = 0;
    int rc = l && jobs && docs && details ? 0 : -1;
    while (rc == 0 && fgets(row, sizeof row, f)) {
        if (stopping(s)) {
            rc = -1;
            break;
        }
        int seq = atoi(row);
        snprintf(path, sizeof path, "%s/%06d.pdf", dir, seq);
        docs[n] = (mm_buf)MM_BUF_INIT;
        if (mm_fileio_read_file(path, &docs[n], 1u << 30) ||
            letter_job(s, b, row, &jobs[n], &docs[n], details[n], sizeof details[n])) {
            mm_log(MM_LOG_ERROR, "batch %s: letter %d cannot be read", b->id, seq);
            mm_buf_free(&docs[n]);
            rc = -1;
            break;
        }
        l[n] = (srv_batch_letter){&jobs[n], details[n], docs[n].data, docs[n].len, 0};
        if (++n == LETTERS_PER_TX) {
            rc = store_group(s, l, jobs, docs, n);
            n = 0;
        }
    }
    if (rc == 0 && n)
        rc = store_group(s, l, jobs, docs, n);
    else
        for (size_t i = 0; i < n; i++)
            mm_buf_free(&docs[i]);
    fclose(f);
    free(l);
    free(jobs);
    free(docs);
    free(details);
    return rc;
}

/* Generous for 10,000 pages on a slow machine; memory as the goal. */
#define SPLIT_CPU_S 1800
#define SPLIT_TIMEOUT_MS (45 * 60 * 1000)
#define SPLIT_MEMORY (300LL << 20)

static void split_one(const srv_batch *stored, void *arg)
{
    srv *s = arg;
    if (stopping(s))
        return;
    srv_batch b = *stored;
    if (b.state == SRV_BSTATE_RECEIVED) {
        b.state = SRV_BSTATE_SPLITTING;
        b.updated_ms = srv_now_ms();
        if (srv_store_batch_update(s->store, &b, SRV_BSTATE_RECEIVED, "batch-splitting", b.split, NULL, NULL))
            return;
    } else {
        srv_store_event(s->store, b.id, "batch-resumed", "splitting again; letters stored before are kept", NULL);
    }
    char spool[1100], dir[1100];
    srv_batch_spool_path(s, b.id, spool, sizeof spool);
    srv_batch_letters_dir(s, b.id, dir, sizeof dir);
    if (mkdir(dir, 0700) && errno != EEXIST) {
        mm_log(MM_LOG_ERROR, "batch %s: cannot make %s: %s", b.id, dir, strerror(errno));
        return;
    }
    /* the header again, from the file (checked at intake) */
    unsigned char head[MM_BATCH_MAX_HEADER];
    int fd = open(spool, O_RDONLY | O_CLOEXEC);
    ssize_t hl = fd >= 0 ? read(fd, head, sizeof head) : -1;
    if (fd >= 0)
        close(fd);
    mm_batch_header h;
    size_t header_len = 0;
    mm_error err;
    mm_error_clear(&err);
    if (hl <= 0 || mm_batch_header_parse(head, (size_t)hl, &h, &header_len, &err)) {
        hold(s, &b, hl <= 0 ? "the bundle is gone from the spool" : err.msg, srv_sv(SRV_SV_BATCH_SPLIT_FAILED));
        return;
    }
    char task[8192];
    snprintf(task, sizeof task, "%s\n%s\n%zu\n%zu\n%s\n%zu\n%s\n%ld\n%ld\n%s\n%s\n", spool, dir, header_len,
             h.manifest_length, h.manifest_type[0] ? h.manifest_type : "-", h.document_length, h.split,
             s->conf.batch_max_pages, s->conf.batch_max_letters, s->orgnr[0] ? s->orgnr : "-",
             s->conf.sender_id[0] ? s->conf.sender_id : "-");
    const char *const readable[] = {spool, NULL};
    mm_sandbox sb = {.read = readable, .write_dir = dir, .cpu_s = SPLIT_CPU_S, .mem_bytes = SPLIT_MEMORY,
                     .file_bytes = s->conf.batch_max_bytes, .nofile = 64, .timeout_ms = SPLIT_TIMEOUT_MS,
                     .stop_fd = s->batchq->stop_pipe[0]};
    char out[1024];
    size_t got = 0;
    int status = 0;
    if (mm_sandbox_call(&sb, SRV_BATCH_SPLIT_CHILD, task, strlen(task), out, sizeof out - 1, &got, &status, &err)) {
        if (err.cls == MM_ERR_SYSTEM && err.code == MM_SANDBOX_STOPPED) {
            mm_log(MM_LOG_INFO, "batch %s: split stopped with the server; split again at the next start", b.id);
            return; /* stays splitting */
        }
        if (err.cls == MM_ERR_SYSTEM) {
            mm_log(MM_LOG_ERROR, "batch %s: cannot start the split: %s", b.id, err.msg);
            return; /* stays splitting: resumed at the next start */
        }
        hold(s, &b, err.msg, srv_sv(SRV_SV_BATCH_SPLIT_FAILED));
        return;
    }
    out[got] = 0;
    out[strcspn(out, "\n")] = 0;
    size_t pages = 0, letters = 0;
    int code = 0, off = 0;
    if (sscanf(out, "ok %zu %zu", &pages, &letters) == 2) {
        b.pages = (int)pages;
        b.letters = (int)letters;
        if (store_letters(s, &b, dir))
            return; /* stays splitting: resumed */
        b.state = SRV_BSTATE_SPLIT;
        b.updated_ms = srv_now_ms();
        char detail[200];
        snprintf(detail, sizeof detail, "%zu letters of %zu pages stored", letters, pages);
        if (srv_store_batch_update(s->store, &b, SRV_BSTATE_SPLITTING, "batch-split", detail, NULL, &err) == 0) {
            mm_log(MM_LOG_INFO, "batch %s: %s", b.id, detail);
            srv_batch_discard(s, &b);
        }
    } else if (sscanf(out, "doubt %d %zu %n", &code, &pages, &off) == 2) {
        b.pages = (int)pages;
        hold(s, &b, off ? out + off : "in doubt", srv_sv(doubt_text(code)));
    } else {
        hold(s, &b, got ? out : "the split ended without an answer", srv_sv(SRV_SV_BATCH_SPLIT_FAILED));
    }
}
