/* SPDX-License-Identifier: EUPL-1.2 */
/* The print rooms of mmprintd (see printroom.h): the rooms themselves are
 * read by conf.c (srv_conf.rooms); their print lines run in printq.c. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "printroom.h"

size_t srv_rooms_count(const srv *s)
{
    /* A configuration made without srv_conf_load (unit tests) has the
     * default room only. */
    return s->conf.nrooms ? s->conf.nrooms : 1;
}

const char *srv_room_name(const srv *s, size_t i)
{
    if (i >= srv_rooms_count(s))
        return NULL;
    return s->conf.nrooms ? s->conf.rooms[i].name : s->conf.printer_name;
}

long srv_room_find(const srv *s, const char *name)
{
    for (size_t i = 0; name && name[0] && i < srv_rooms_count(s); i++)
        if (!strcmp(srv_room_name(s, i), name))
            return (long)i;
    return -1;
}

/* text without the blanks around it: its start, and its length in *n. */
static const char *trimmed(const char *text, size_t *n)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    *n = len;
    return text;
}

/* Does the comma-separated list name department (case-insensitive for
 * ASCII letters, blanks around each name ignored)? */
static int lists(const char *list, const char *department)
{
    size_t dn;
    const char *d = trimmed(department, &dn);
    if (!dn)
        return 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        char one[256];
        snprintf(one, sizeof one, "%.*s", (int)len, p);
        size_t on;
        const char *o = trimmed(one, &on);
        if (on == dn && !strncasecmp(o, d, dn))
            return 1;
        p += len;
        if (*p)
            p++;
    }
    return 0;
}

size_t srv_room_route(const srv *s, const char *department)
{
    for (size_t i = 1; department && i < s->conf.nrooms; i++)
        if (lists(s->conf.rooms[i].departments, department))
            return i;
    return 0;
}

const char *srv_room_postal_default(const srv *s, const char *department)
{
    size_t i = srv_room_route(s, department);
    if (i > 0 && s->conf.rooms[i].postal_class_default[0])
        return s->conf.rooms[i].postal_class_default;
    return s->conf.postal_class_default;
}

/* ---- holding a batch's paper letters back (printroom.h) ---- */

/* A batch whose paper letters were handed to the lines in this run of
 * the server, with the seqs of its letters now in a line (pushed and not
 * yet through print_one): a letter handed on again while it is in a line
 * (the resume of a letter the release already pushed) is not pushed twice;
 * one that left its line (a retry after a printer error, a held letter
 * completed later) goes alone behind its own separator. */
typedef struct released {
    const srv *s;
    char id[37];
    unsigned char *in_line; /* bit seq */
    int nbits;
    struct released *next;
} released;

static pthread_mutex_t batch_mu = PTHREAD_MUTEX_INITIALIZER;
static released *releases;

static released *released_find(const srv *s, const char *id)
{
    for (released *r = releases; r; r = r->next)
        if (r->s == s && !strcmp(r->id, id))
            return r;
    return NULL;
}

/* Marks seq in a line (on 1) or not (0): 0, or -1 out of memory. */
static int in_line_set(released *r, int seq, int on)
{
    if (seq < 0)
        return 0;
    if (seq >= r->nbits) {
        if (!on)
            return 0;
        int n = (seq / 8 + 1) * 8 * 2;
        unsigned char *b = realloc(r->in_line, (size_t)n / 8);
        if (!b)
            return -1;
        memset(b + r->nbits / 8, 0, (size_t)(n - r->nbits) / 8);
        r->in_line = b;
        r->nbits = n;
    }
    if (on)
        r->in_line[seq / 8] |= (unsigned char)(1u << (seq % 8));
    else
        r->in_line[seq / 8] &= (unsigned char)~(1u << (seq % 8));
    return 0;
}

static int in_line(const released *r, int seq)
{
    return seq >= 0 && seq < r->nbits && (r->in_line[seq / 8] >> (seq % 8)) & 1;
}

/* A batch still being split whose letters are decided as they are
 * stored: a thread of its own looks at it until it is split, then asks
 * srv_room_batch_check (the letters may all be decided before the split
 * ends, and then no decision is left to ask).  srv_room_batch_stop ends
 * and joins them. */
typedef struct watcher {
    srv *s;
    char batch_id[37];
    pthread_t thread;
    int stop;
    struct watcher *next;
} watcher;

static watcher *watchers;
#define BATCH_WATCH_MS 200

static void *watch_main(void *arg)
{
    watcher *w = arg;
    for (;;) {
        pthread_mutex_lock(&batch_mu);
        int stop = w->stop;
        pthread_mutex_unlock(&batch_mu);
        if (stop)
            break;
        srv_batch b;
        int rc = srv_store_batch_get(w->s->store, w->batch_id, &b, NULL);
        if (rc != 0 || (b.state != SRV_BSTATE_RECEIVED && b.state != SRV_BSTATE_SPLITTING)) {
            if (rc == 0)
                srv_room_batch_check(w->s, w->batch_id);
            break;
        }
        struct timespec ts = {0, BATCH_WATCH_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* Under batch_mu: starts watching batch_id unless a watcher does already. */
static void watch(srv *s, const char *batch_id)
{
    for (watcher *w = watchers; w; w = w->next)
        if (w->s == s && !strcmp(w->batch_id, batch_id))
            return;
    watcher *w = calloc(1, sizeof *w);
    if (!w)
        return;
    w->s = s;
    snprintf(w->batch_id, sizeof w->batch_id, "%s", batch_id);
    if (pthread_create(&w->thread, NULL, watch_main, w)) {
        free(w);
        return; /* the next start's resume asks again */
    }
    w->next = watchers;
    watchers = w;
}

void srv_room_batch_stop(srv *s)
{
    pthread_mutex_lock(&batch_mu);
    for (watcher *w = watchers; w; w = w->next)
        if (w->s == s)
            w->stop = 1;
    pthread_mutex_unlock(&batch_mu);
    /* Joined without the lock: a watcher may be in srv_room_batch_check. */
    for (;;) {
        pthread_mutex_lock(&batch_mu);
        watcher *mine = NULL;
        for (watcher **p = &watchers; *p; p = &(*p)->next)
            if ((*p)->s == s) {
                mine = *p;
                *p = mine->next;
                break;
            }
        pthread_mutex_unlock(&batch_mu);
        if (!mine)
            break;
        pthread_join(mine->thread, NULL);
        free(mine);
    }
}

typedef struct {
    srv_job **paper; /* the batch's letters on their way to paper, seq order */
    size_t n, cap;
    int oom;
} batch_scan;

static void scan_one(const srv_job *j, void *arg)
{
    batch_scan *b = arg;
    if (j->state != SRV_JSTATE_PRINTING || b->oom)
        return;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        srv_job **p = realloc(b->paper, cap * sizeof *p);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->paper = p;
        b->cap = cap;
    }
    srv_job *c = malloc(sizeof *c);
    if (!c) {
        b->oom = 1;
        return;
    }
    *c = *j;
    b->paper[b->n++] = c;
}

void srv_room_batch_check(srv *s, const char *batch_id)
{
    pthread_mutex_lock(&batch_mu);
    srv_batch b;
    batch_scan scan = {0};
    mm_error err;
    mm_error_clear(&err);
    released *r = NULL;
    /* Until the batch is split not all its letters exist; held or
     * cancelled, none will print. */
    if (released_find(s, batch_id) || srv_store_batch_get(s->store, batch_id, &b, &err) ||
        b.state != SRV_BSTATE_SPLIT)
        goto out;
    /* Asked at every decision: the count first, from an index, and the
     * paper letters only once none is left to decide. */
    long undecided = srv_store_batch_undecided(s->store, batch_id, &err);
    if (undecided != 0) {
        if (undecided < 0)
            mm_log(MM_LOG_ERROR, "batch %s: cannot count its undecided letters: %s", batch_id, err.msg);
        goto out;
    }
    if (srv_store_batch_paper(s->store, batch_id, scan_one, &scan, &err) || scan.oom) {
        /* The letters stay "printing" in the store: the next decision,
         * or the next start, checks again. */
        mm_log(MM_LOG_ERROR, "batch %s: cannot gather its paper letters: %s", batch_id,
               scan.oom ? "out of memory" : err.msg);
        goto out;
    }
    r = calloc(1, sizeof *r);
    if (!r)
        goto out;
    r->s = s;
    snprintf(r->id, sizeof r->id, "%s", batch_id);
    for (size_t i = 0; i < scan.n; i++)
        if (in_line_set(r, scan.paper[i]->batch_seq, 1)) {
            free(r->in_line);
            free(r);
            goto out;
        }
    r->next = releases;
    releases = r;
    if (scan.n)
        srv_room_enqueue_batch(s, batch_id, scan.paper, scan.n);
    scan.n = 0;
out:
    pthread_mutex_unlock(&batch_mu);
    for (size_t i = 0; i < scan.n; i++)
        free(scan.paper[i]);
    free(scan.paper);
}

void srv_room_batch_left(srv *s, const char *batch_id, int seq)
{
    if (!batch_id[0])
        return;
    pthread_mutex_lock(&batch_mu);
    released *r = released_find(s, batch_id);
    if (r)
        in_line_set(r, seq, 0);
    pthread_mutex_unlock(&batch_mu);
}

void srv_room_batch_forget(srv *s)
{
    pthread_mutex_lock(&batch_mu);
    for (released **p = &releases; *p;) {
        released *r = *p;
        if (r->s == s) {
            *p = r->next;
            free(r->in_line);
            free(r);
        } else {
            p = &r->next;
        }
    }
    pthread_mutex_unlock(&batch_mu);
}

/* A batch letter on its way to paper: 1 when it is held back (consumed:
 * it stays "printing" in the store until its batch is released), or when
 * it is in a line already; 0 when it goes on alone.  Whoever decided the
 * letter asks srv_room_batch_check once for all the letters it decided (a
 * FaR answer decides many); a batch not split yet is watched (watch). */
static int batch_hold(srv *s, srv_job *j)
{
    char id[sizeof j->batch_id];
    snprintf(id, sizeof id, "%s", j->batch_id);
    pthread_mutex_lock(&batch_mu);
    released *r = released_find(s, id);
    int hold = !r || in_line(r, j->batch_seq);
    if (r && !hold && in_line_set(r, j->batch_seq, 1))
        hold = 1; /* out of memory: stays in the store */
    if (!r) {
        srv_batch b;
        if (srv_store_batch_get(s->store, id, &b, NULL) == 0 &&
            (b.state == SRV_BSTATE_RECEIVED || b.state == SRV_BSTATE_SPLITTING))
            watch(s, id);
    }
    pthread_mutex_unlock(&batch_mu);
    if (hold)
        free(j);
    return hold;
}

void srv_room_enqueue(srv *s, srv_job *j)
{
    if (j->batch_id[0] && batch_hold(s, j))
        return;
    long room = srv_room_find(s, j->printer);
    if (room < 0) {
        /* A letter of a room no longer configured (or decided before
         * rooms were recorded) goes where its department goes now. */
        size_t r = srv_room_route(s, j->department);
        if (j->printer[0])
            srv_log_job(MM_LOG_WARN, j, "print room '%s' is not configured any more: printing in %s", j->printer,
                        srv_room_name(s, r));
        SRV_SET(j->printer, srv_room_name(s, r));
        room = (long)r;
    }
    if ((size_t)room >= s->nprint_lines) { /* not started (unit tests): stays in the store */
        free(j);
        return;
    }
    srv_queue_push(&s->print_lines[room].q, j);
}

/* ---- a batch's paper letters (printroom.h) ---- */

void srv_batch_cover_name(const char *batch_id, const char *room, char *out, size_t size)
{
    snprintf(out, size, "mmprint-batch-%s-%s", batch_id, room);
}

/* The room index a letter goes to (as srv_room_enqueue: printer, else its
 * department's room; printer set). */
static size_t letter_room(srv *s, srv_job *j)
{
    long room = srv_room_find(s, j->printer);
    if (room < 0) {
        size_t r = srv_room_route(s, j->department);
        SRV_SET(j->printer, srv_room_name(s, r));
        room = (long)r;
    }
    return (size_t)room;
}

void srv_room_enqueue_batch(srv *s, const char *batch_id, srv_job **letters, size_t n)
{
    size_t rooms = srv_rooms_count(s);
    srv_job **run = calloc(n + 1, sizeof *run);
    char *done = calloc(n ? n : 1, 1);
    for (size_t i = 0; run && done && i < n; i++) {
        if (done[i])
            continue;
        size_t room = letter_room(s, letters[i]);
        srv_batch_cover *c = calloc(1, sizeof *c);
        if (!c)
            break;
        c->job.state = SRV_JSTATE_NONE;
        SRV_SET(c->job.user, letters[i]->user);
        SRV_SET(c->job.printer, srv_room_name(s, room));
        c->job.deadline_ms = srv_now_ms() + s->conf.print_deadline_s * 1000;
        snprintf(c->batch_id, sizeof c->batch_id, "%s", batch_id);
        size_t k = 0;
        run[k++] = &c->job;
        for (size_t m = i; m < n; m++) {
            if (done[m] || letter_room(s, letters[m]) != room)
                continue;
            const char *pc = letters[m]->postal_class;
            c->postal[!strcmp(pc, "rekommenderat") ? 0 : !strcmp(pc, "a-post") ? 1 : 2]++;
            c->letters++;
            run[k++] = letters[m];
            done[m] = 1;
        }
        mm_log(MM_LOG_INFO, "batch %s: %d paper letters to %s behind one cover sheet", batch_id, c->letters,
               c->job.printer);
        if (room < s->nprint_lines && room < rooms)
            srv_queue_push_many(&s->print_lines[room].q, run, k);
        else /* not started (unit tests): they stay in the store */
            for (size_t m = 0; m < k; m++)
                free(run[m]);
    }
    /* What was not handed on (out of memory) stays in the store: resumed
     * at the next start. */
    for (size_t i = 0; i < n; i++)
        if (!done || !done[i])
            free(letters[i]);
    free(run);
    free(done);
}

int srv_printroom_day(const char *day, int64_t *from_ms, int64_t *to_ms)
{
    char today[11];
    if (!day || !day[0]) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        day = today;
    }
    int64_t from, to;
    if (mm_text_day(day, 0, &from) || mm_text_day(day, 1, &to))
        return -1;
    *from_ms = from;
    *to_ms = to;
    return 0;
}
