/* SPDX-License-Identifier: EUPL-1.2 */
/* The print workers of mmprintd: each print room has its own line
 * (srv_printline, mmprintd.h); letters reach the room's printer one at a
 * time, in the order they leave the line's queue; a busy printer is waited
 * for, an error retried with backoff until the print deadline.  The
 * separator page is always a sheet of its own (srv_print_plan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cups/cups.h>

#include "log.h"
#include "print.h"
#include "printroom.h"
#include "timer.h"
#include "workers.h"

/* A busy printer: how long a letter may wait for it before that is logged
 * and noted in the letter's journal (a minute, or half the print deadline
 * when that is shorter), and the longest pause between two sends of the
 * same letter. */
#define PRINT_BUSY_NOTE_MS 60000
#define PRINT_RESEND_MAX_MS 30000
#define PRINT_CONNECT_MS 30000
/* How long a printer's answer about its sides is kept (sides_for). */
#define PRINT_SIDES_KEEP_MS (10 * 60 * 1000)

static const srv_room_conf *room_of(const srv_printline *l)
{
    return &l->s->conf.rooms[l->room];
}

static srv_printer printer_of(const srv_printline *l)
{
    const srv_room_conf *r = room_of(l);
    srv_printer p = {r->uri, r->name, PRINT_CONNECT_MS, r->ca, r->fingerprint};
    return p;
}

/* What the line's printer says of its sides, for printer_sides = auto:
 * asked once and kept for PRINT_SIDES_KEEP_MS, not before every letter
 * (each ask is an IPP request on a connection of its own, TLS handshake
 * included).  A duplex unit fitted or removed is seen within those
 * 10 minutes, and at once after a print to the printer fails
 * (sides_forget): a printer that was replaced or reconfigured usually
 * fails a job first.  The default sides changed at the printer's panel
 * changes no plan's back page (a duplex printer always gets one), only
 * the sheets recorded until the next ask.  The configuration, and so the
 * printer's URI, is read only at start, which begins with nothing kept.
 * The workers of a line ask one at a time (sides_mu held while asking):
 * those behind the first use its answer.  0 with *info set, or -1 when
 * the printer cannot be asked (nothing kept: the next letter asks). */
static int sides_for(srv_printline *l, const srv_printer *pr, srv_sides_info *info)
{
    pthread_mutex_lock(&l->sides_mu);
    int rc = 0;
    int64_t now = srv_mono_ms();
    if (now >= atomic_load(&l->sides_until_ms)) {
        mm_error err;
        mm_error_clear(&err);
        rc = srv_print_sides(pr, &l->sides, &err);
        atomic_store(&l->sides_until_ms, rc == 0 ? now + PRINT_SIDES_KEEP_MS : 0);
        if (rc)
            mm_log(MM_LOG_DEBUG, "%s", err.msg);
    }
    *info = l->sides;
    pthread_mutex_unlock(&l->sides_mu);
    return rc;
}

/* A print to the line's printer failed: ask for its sides again.  Not
 * under sides_mu: the letter holds the printer's turn, and an ask under
 * way (up to PRINT_CONNECT_MS) must not hold it up. */
static void sides_forget(srv_printline *l)
{
    atomic_store(&l->sides_until_ms, 0);
}

/* The printer knows the letter by this name (srv_print_find after a crash). */
static void job_name(const srv_job *j, char *out, size_t size)
{
    snprintf(out, size, "mmprint-%s", j->id);
}

/* The separator page's heading: the postal class, as the print room
 * sorts the post by it (registered letters go over the counter). */
static const char *postal_heading(const char *postal_class)
{
    return !strcmp(postal_class, "rekommenderat") ? srv_sv(SRV_SV_POSTAL_REK)
           : !strcmp(postal_class, "a-post")      ? srv_sv(SRV_SV_POSTAL_A)
                                                  : srv_sv(SRV_SV_POSTAL_B);
}

/* The letter from the store behind its Swedish separator page (postal
 * class, who, which job, when, why paper), and the back of the separator's
 * sheet when the plan says so, as one PDF in the spool: see
 * srv_print_prepare. */
static int prepare(srv *s, const srv_job *j, const srv_sides_plan *plan, char *path, size_t size, mm_error *err)
{
    mm_buf doc = MM_BUF_INIT;
    int found = srv_store_document(s->store, j->id, "pdf", &doc, err);
    if (found == 1)
        mm_error_set(err, MM_ERR_INPUT, 0, "the letter's document is no longer stored");
    if (found) {
        mm_buf_free(&doc);
        return -1;
    }
    enum { NLINES = 12 };
    char l[NLINES][400], date[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
    const char *pc = j->postal_class[0] ? j->postal_class : s->conf.postal_class_default;
    if (!strcmp(pc, "rekommenderat"))
        snprintf(l[0], sizeof l[0], "%s", postal_heading(pc));
    else
        snprintf(l[0], sizeof l[0], "Porto: %s", postal_heading(pc));
    snprintf(l[1], sizeof l[1], "%s", srv_sv(SRV_SV_SEP_HEADING));
    snprintf(l[2], sizeof l[2], "Handläggare: %s", j->user[0] ? j->user : "(okänd)");
    snprintf(l[3], sizeof l[3], "Dator: %s", j->host[0] ? j->host : "(okänd)");
    snprintf(l[4], sizeof l[4], "Jobb-id: %s", j->id);
    snprintf(l[5], sizeof l[5], "CUPS-jobb: %s", j->cups_job_id[0] ? j->cups_job_id : "-");
    snprintf(l[6], sizeof l[6], "Datum: %s", date);
    snprintf(l[7], sizeof l[7], "Varför papper: %s", j->reason_sv[0] ? j->reason_sv : srv_sv(SRV_SV_PAPER_ASKED));
    snprintf(l[8], sizeof l[8], "Förvaltning: %s", j->department[0] ? j->department : "-");
    snprintf(l[9], sizeof l[9], "Utskriftsrum: %s", j->printer[0] ? j->printer : s->conf.printer_name);
    snprintf(l[10], sizeof l[10], "Brevtyp: %s", j->letter_type[0] ? j->letter_type : "annat");
    snprintf(l[11], sizeof l[11], "Sidor i brevet: %d. Skicka brevet efter detta blad som %s.", j->pages,
             !strcmp(pc, "rekommenderat") ? "rekommenderat brev" : postal_heading(pc));
    const char *lines[NLINES];
    for (int i = 0; i < NLINES; i++)
        lines[i] = l[i];
    char prefix[1100];
    srv_path(s, j->id, "", prefix, sizeof prefix);
    int rc = srv_print_prepare(prefix, doc.data, doc.len, lines, NLINES, plan->back ? srv_sv(SRV_SV_SEP_BACK) : NULL,
                               path, size, err);
    mm_buf_free(&doc);
    return rc;
}

/* Takes the next letter with its place in line. */
static srv_job *print_take(srv_printline *l, unsigned long *ticket)
{
    pthread_mutex_lock(&l->pop_mu);
    srv_job *j = srv_queue_pop(&l->q, -1);
    if (j)
        *ticket = l->tickets++;
    pthread_mutex_unlock(&l->pop_mu);
    return j;
}

/* Waits until it is this letter's turn at the printer: 0, or -1 when
 * stopping.  Every ticket waits for and passes its turn exactly once. */
static int print_turn_wait(srv_printline *l, unsigned long ticket)
{
    pthread_mutex_lock(&l->mu);
    while (l->turn != ticket && !l->stopping)
        pthread_cond_wait(&l->cv, &l->mu);
    int mine = l->turn == ticket && !l->stopping;
    pthread_mutex_unlock(&l->mu);
    return mine ? 0 : -1;
}

static void print_turn_pass(srv_printline *l)
{
    pthread_mutex_lock(&l->mu);
    l->turn++;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* Sleeps ms, or less when the server stops: returns 1 when stopping. */
static int print_sleep(srv_printline *l, long ms)
{
    int64_t until = srv_mono_ms() + ms;
    struct timespec ts;
    srv_mono_deadline(&ts, until);
    pthread_mutex_lock(&l->mu);
    while (!l->stopping && srv_mono_ms() < until)
        pthread_cond_timedwait(&l->cv, &l->mu, &ts);
    int stop = l->stopping;
    pthread_mutex_unlock(&l->mu);
    return stop;
}

static const char *printer_state_name(int state)
{
    return state == IPP_PSTATE_IDLE ? "idle" : state == IPP_PSTATE_PROCESSING ? "processing"
                                            : state == IPP_PSTATE_STOPPED  ? "stopped"
                                                                           : "unknown";
}

static long clamp_ms(int64_t v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : (long)v;
}

/* Sends the letter, and while the printer answers that it is busy (it
 * takes one job at a time, its queue is full, or the print room paused it)
 * waits for it and sends again.  That is neither an error nor an attempt,
 * has no backoff, and keeps the letter's place in line: the letters behind
 * it wait for their turn.  The printer is asked for its state meanwhile, at
 * a tenth of the time it has been busy (25 ms to 1 s), and the letter goes
 * again as soon as it is idle, or after at most 2 s to 30 s (a printer with
 * a queue of its own may take jobs while processing).  The letter gives up
 * only when its print deadline has passed and the printer has taken no
 * letter for a whole print_deadline: letters that are merely queued behind
 * others never fail, and a printer busy for hours is logged and noted in
 * the letter's journal long before.  Returns 0 printed, -1 error (err),
 * 2 stopping (the letter stays "printing" and is resumed at the next start). */
static int print_submit_waiting(srv_printline *l, srv_job *j, const char *path, const char *sides, int *pjid,
                                long *waited_ms, mm_error *err)
{
    srv *s = l->s;
    srv_printer pr = printer_of(l);
    char name[64];
    job_name(j, name, sizeof name);
    int64_t start = srv_now_ms(), sent = start;
    http_t *conn = NULL; /* for the printer-state questions */
    int64_t note_ms = s->conf.print_deadline_s * 500 < PRINT_BUSY_NOTE_MS ? s->conf.print_deadline_s * 500
                                                                          : PRINT_BUSY_NOTE_MS;
    int noted = 0;
    for (;;) {
        int rc = srv_print_submit(&pr, name, path, sides, pjid, err);
        int64_t now = srv_now_ms();
        if (rc != 1) {
            if (rc == -1)
                sides_forget(l);
            int64_t since = atomic_exchange(&l->busy_since_ms, 0);
            if (rc == 0) {
                l->accepted_ms = now;
                if (since && now - since >= note_ms)
                    mm_log(MM_LOG_INFO, "printer %s takes letters again after %lld s busy", pr.name,
                           (long long)((now - since) / 1000));
            }
            *waited_ms = (long)(sent - start);
            httpClose(conn);
            return rc;
        }
        atomic_fetch_add(&l->busy, 1);
        int64_t since = 0; /* when this busy spell began */
        if (atomic_compare_exchange_strong(&l->busy_since_ms, &since, now))
            since = now;
        if (now >= j->deadline_ms && now - l->accepted_ms >= s->conf.print_deadline_s * 1000) {
            char msg[sizeof err->msg + 64];
            snprintf(msg, sizeof msg, "%s; it has taken no letter for %lld s", err->msg,
                     (long long)((now - l->accepted_ms) / 1000));
            mm_error_set(err, MM_ERR_TRANSPORT, err->code, "%s", msg);
            sides_forget(l);
            *waited_ms = (long)(now - start);
            httpClose(conn);
            return -1;
        }
        char reasons[256] = "";
        int state = -1;
        if (!noted && now - start >= note_ms) {
            char detail[900];
            state = srv_print_state(&pr, &conn, reasons, sizeof reasons);
            snprintf(detail, sizeof detail, "%s for %lld s (printer-state %s, reasons %s); waiting in line, not an error",
                     err->msg, (long long)((now - start) / 1000), printer_state_name(state),
                     reasons[0] ? reasons : "-");
            srv_store_event(s->store, j->id, "print-waiting", detail, NULL);
            mm_log(MM_LOG_WARN, "%s for %lld s (printer-state %s, reasons %s); %zu more letters waiting", err->msg,
                   (long long)((now - since) / 1000), printer_state_name(state), reasons[0] ? reasons : "-",
                   srv_queue_len(&l->q));
            noted = 1;
        }
        for (;;) {
            if (print_sleep(l, clamp_ms((now - since) / 10, 25, 1000))) {
                *waited_ms = (long)(srv_now_ms() - start);
                httpClose(conn);
                return 2;
            }
            now = srv_now_ms();
            if (now - sent >= clamp_ms((now - since) / 10, 2000, PRINT_RESEND_MAX_MS))
                break;
            state = srv_print_state(&pr, &conn, reasons, sizeof reasons);
            if (state != IPP_PSTATE_PROCESSING && state != IPP_PSTATE_STOPPED)
                break; /* idle, or cannot tell: send again */
        }
        sent = now;
    }
}

static void print_letter(srv_printline *l, srv_job *j, unsigned long ticket);

/* A letter through the line; a batch's letter is then out of it
 * (srv_room_batch_left), whatever became of it. */
static void print_one(srv_printline *l, srv_job *j, unsigned long ticket)
{
    char batch_id[sizeof j->batch_id];
    snprintf(batch_id, sizeof batch_id, "%s", j->batch_id);
    int seq = j->batch_seq;
    print_letter(l, j, ticket);
    srv_room_batch_left(l->s, batch_id, seq);
}

static void print_letter(srv_printline *l, srv_job *j, unsigned long ticket)
{
    srv *s = l->s;
    mm_error err;
    mm_error_clear(&err);
    char detail[900], path[1200] = "";
    int pjid = 0;
    long waited_ms = 0;
    /* A crash between printing and recording it must not print twice. */
    srv_printer pr = printer_of(l);
    char name[64];
    job_name(j, name, sizeof name);
    int found = srv_print_find(&pr, name, &pjid, &err);
    int rc = 0;
    srv_sides_plan plan;
    memset(&plan, 0, sizeof plan);
    if (found != 1) {
        j->attempts++;
        atomic_fetch_add(&s->print_attempts, 1);
        /* The printer's sides as last asked (sides_for).  One that cannot
         * be asked gets the safe plan (a back page); its Print-Job will
         * say what is wrong. */
        srv_sides_info info;
        memset(&info, 0, sizeof info);
        const char *setting = room_of(l)->sides;
        int asked = strcmp(setting, "auto") || sides_for(l, &pr, &info) == 0;
        srv_print_plan(setting, asked && !strcmp(setting, "auto") ? &info : NULL, &plan);
        /* Prepared before the turn: several print workers run qpdf at once. */
        rc = prepare(s, j, &plan, path, sizeof path, &err);
    }
    if (print_turn_wait(l, ticket)) {
        rc = 2;
    } else {
        if (found != 1 && rc == 0)
            rc = print_submit_waiting(l, j, path, plan.sides, &pjid, &waited_ms, &err);
        print_turn_pass(l);
    }
    if (path[0])
        unlink(path);
    if (rc == 2) { /* stopping: stays "printing" in the store, resumed at the next start */
        free(j);
        return;
    }
    if (rc == 0) {
        j->state = SRV_JSTATE_PRINTED;
        SRV_SET(j->printer, pr.name);
        j->print_job_id = pjid;
        if (found != 1)
            j->sheets = srv_print_sheets(&plan, j->pages);
        char waited[80] = "", how[120] = "";
        if (waited_ms >= 1000)
            snprintf(waited, sizeof waited, ", after %.0f s waiting for the busy printer", waited_ms / 1000.0);
        if (found != 1)
            snprintf(how, sizeof how, ", %d sheets (sides %s%s)", j->sheets, plan.sides[0] ? plan.sides : "printer default",
                     plan.back ? ", separator with a back page" : "");
        snprintf(detail, sizeof detail, "%s: printer job %d on %s%s, document sha256 %s, %d pages%s, reason: %s",
                 found == 1 ? "found at printer after restart" : "printed", pjid, pr.name, waited,
                 j->sha256, j->pages, how, j->reason);
        srv_transition(s, j, SRV_JSTATE_PRINTING, "printed", detail);
        free(j);
        return;
    }
    atomic_fetch_add(&s->print_errors, 1);
    if (srv_now_ms() < j->deadline_ms && err.cls != MM_ERR_INPUT) {
        long d = srv_backoff_ms(s, j->attempts);
        snprintf(detail, sizeof detail, "attempt %d: %s; retry in %ld ms", j->attempts, err.msg, d);
        /* A printer we cannot verify is an attack or a misconfiguration,
         * not a busy printer: the administrator must see it at once. */
        if (err.code == SRV_PRINT_UNTRUSTED)
            srv_log_job(MM_LOG_ERROR, j, "not sent to the printer: %s; retry in %ld ms", err.msg, d);
        srv_store_event(s->store, j->id, "print-failed", detail, NULL);
        srv_schedule(s, j, SRV_STAGE_PRINT, d);
        return;
    }
    j->state = SRV_JSTATE_FAILED;
    /* The reason now says why the letter reached no one (the exception list shows it). */
    snprintf(detail, sizeof detail, "not printed: %s", err.msg);
    SRV_SET(j->reason, detail);
    SRV_SET(j->reason_sv, err.cls == MM_ERR_INPUT            ? srv_sv(SRV_SV_PRINT_UNREADABLE)
                          : err.code == SRV_PRINT_UNTRUSTED ? srv_sv(SRV_SV_PRINTER_UNTRUSTED)
                                                            : srv_sv(SRV_SV_PRINT_LATE));
    snprintf(detail, sizeof detail, "attempt %d: %s; giving up, the letter is kept in the exception list",
             j->attempts, err.msg);
    srv_log_job(MM_LOG_ERROR, j, "cannot be printed: %s", err.msg);
    srv_transition(s, j, SRV_JSTATE_PRINTING, "failed", detail);
    free(j);
}

/* ---- a batch's cover sheet (printroom.h srv_batch_cover) ---- */

/* The cover's lines, Swedish: what the print room checks the run against. */
static void cover_lines(const srv *s, const srv_batch_cover *c, char l[][400], size_t *n)
{
    char date[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
    size_t k = 0;
    snprintf(l[k++], 400, "%s – %d brev på papper", srv_sv(SRV_SV_BATCH_COVER_HEADING), c->letters);
    snprintf(l[k++], 400, "Avsändare: %s", s->conf.sender_name[0] ? s->conf.sender_name : "-");
    snprintf(l[k++], 400, "Handläggare: %s", c->job.user[0] ? c->job.user : "(okänd)");
    snprintf(l[k++], 400, "Massutskick-id: %s", c->batch_id);
    snprintf(l[k++], 400, "Datum: %s", date);
    snprintf(l[k++], 400, "Utskriftsrum: %s", c->job.printer);
    static const srv_text pcs[3] = {SRV_SV_POSTAL_REK, SRV_SV_POSTAL_A, SRV_SV_POSTAL_B};
    for (int i = 0; i < 3; i++)
        if (c->postal[i])
            snprintf(l[k++], 400, "%s: %d brev", srv_sv(pcs[i]), c->postal[i]);
    snprintf(l[k++], 400, "%s", srv_sv(SRV_SV_BATCH_COVER_FOOT));
    *n = k;
}

/* Prints the cover in its turn.  The letters behind it wait for it (they
 * hold the next tickets); a printer error is retried with backoff until
 * the print deadline, then the letters go on without it (each has its own
 * separator) and the administrator is told. */
static void print_cover(srv_printline *l, srv_batch_cover *c, unsigned long ticket)
{
    srv *s = l->s;
    mm_error err;
    mm_error_clear(&err);
    srv_printer pr = printer_of(l);
    char name[200], path[1200] = "", detail[600];
    srv_batch_cover_name(c->batch_id, pr.name, name, sizeof name);
    int pjid = 0;
    int found = srv_print_find(&pr, name, &pjid, &err);
    int rc = 0;
    if (found != 1) {
        enum { NLINES = 12 };
        char lines[NLINES][400];
        const char *p[NLINES];
        size_t n = 0;
        cover_lines(s, c, lines, &n);
        for (size_t i = 0; i < n; i++)
            p[i] = lines[i];
        mm_buf pdf = MM_BUF_INIT;
        /* One file per room (two rooms' covers may be made at once), named
         * as long as an id so that the spool's sweep removes it after a
         * crash: the batch id's first 32 characters and the room. */
        char fname[40];
        snprintf(fname, sizeof fname, "%.32s%04zx", c->batch_id, l->room);
        srv_path(s, fname, ".sep.pdf", path, sizeof path);
        FILE *f = NULL;
        if (srv_separator_pdf(p, n, &pdf) || !(f = fopen(path, "wb")) || fwrite(pdf.data, 1, pdf.len, f) != pdf.len) {
            mm_error_set(&err, MM_ERR_SYSTEM, 0, "cannot write the cover sheet %s", path);
            rc = -1;
        }
        if (f && fclose(f) && rc == 0)
            rc = mm_error_set(&err, MM_ERR_SYSTEM, 0, "cannot write the cover sheet %s", path);
        mm_buf_free(&pdf);
    }
    if (print_turn_wait(l, ticket)) {
        rc = 2;
    } else {
        long waited = 0;
        for (int attempt = 1; found != 1 && rc == 0; attempt++) {
            rc = print_submit_waiting(l, &c->job, path, "", &pjid, &waited, &err);
            if (rc != -1 || err.cls == MM_ERR_INPUT || srv_now_ms() >= c->job.deadline_ms)
                break;
            mm_log(MM_LOG_WARN, "batch %s: cover sheet not printed (attempt %d): %s", c->batch_id, attempt, err.msg);
            if (print_sleep(l, srv_backoff_ms(s, attempt))) {
                rc = 2;
                break;
            }
            rc = 0;
        }
        print_turn_pass(l);
    }
    if (path[0])
        unlink(path);
    if (rc == 0) {
        snprintf(detail, sizeof detail, "cover sheet of batch %s for %d paper letters: printer job %d on %s%s",
                 c->batch_id, c->letters, pjid, pr.name, found == 1 ? " (found at printer after restart)" : "");
        srv_store_event_as(s->store, "", SRV_ACTOR_SELF, "batch-cover-printed", detail, NULL);
        mm_log(MM_LOG_INFO, "%s", detail);
    } else if (rc == -1) {
        mm_log(MM_LOG_ERROR, "batch %s: cover sheet not printed, its %d letters print without it: %s", c->batch_id,
               c->letters, err.msg);
    }
    free(c);
}

void *srv_print_main(void *arg)
{
    srv_printline *l = arg;
    srv_job *j;
    unsigned long ticket = 0;
    while ((j = print_take(l, &ticket))) {
        if (srv_is_batch_cover(j))
            print_cover(l, (srv_batch_cover *)j, ticket);
        else
            print_one(l, j, ticket);
    }
    return NULL;
}

/* ---- the lines ---- */

int srv_print_start(srv *s, mm_error *err)
{
    size_t n = srv_rooms_count(s);
    for (size_t i = 0; i < n; i++) {
        srv_printline *l = &s->print_lines[i];
        l->s = s;
        l->room = i;
        srv_queue_init(&l->q);
        pthread_mutex_init(&l->pop_mu, NULL);
        pthread_mutex_init(&l->mu, NULL);
        pthread_mutex_init(&l->sides_mu, NULL);
        atomic_store(&l->sides_until_ms, 0);
        srv_cond_init(&l->cv);
        l->accepted_ms = srv_now_ms();
        l->threads = calloc((size_t)s->conf.print_workers, sizeof(pthread_t));
        s->nprint_lines = i + 1;
        if (!l->threads)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        for (long k = 0; k < s->conf.print_workers; k++) {
            if (pthread_create(&l->threads[k], NULL, srv_print_main, l))
                return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot start threads");
            l->nthreads = k + 1;
        }
    }
    return 0;
}

void srv_print_stop(srv *s)
{
    srv_room_batch_stop(s);
    for (size_t i = 0; i < s->nprint_lines; i++) {
        srv_printline *l = &s->print_lines[i];
        srv_queue_close(&l->q);
        pthread_mutex_lock(&l->mu);
        l->stopping = 1;
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
    }
    for (size_t i = 0; i < s->nprint_lines; i++) {
        srv_printline *l = &s->print_lines[i];
        for (long k = 0; k < l->nthreads; k++)
            pthread_join(l->threads[k], NULL);
        l->nthreads = 0;
    }
}

void srv_print_free(srv *s)
{
    for (size_t i = 0; i < s->nprint_lines; i++) {
        srv_queue_drain_free(&s->print_lines[i].q);
        free(s->print_lines[i].threads);
        s->print_lines[i].threads = NULL;
    }
    srv_room_batch_forget(s);
}

size_t srv_print_waiting(srv *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nprint_lines; i++)
        n += srv_queue_len(&s->print_lines[i].q);
    return n;
}

long srv_print_busy_total(srv *s)
{
    long n = 0;
    for (size_t i = 0; i < s->nprint_lines; i++)
        n += atomic_load(&s->print_lines[i].busy);
    return n;
}

int64_t srv_print_busy_since(srv *s)
{
    int64_t oldest = 0;
    for (size_t i = 0; i < s->nprint_lines; i++) {
        int64_t t = atomic_load(&s->print_lines[i].busy_since_ms);
        if (t && (!oldest || t < oldest))
            oldest = t;
    }
    return oldest;
}
