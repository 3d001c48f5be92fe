/* SPDX-License-Identifier: EUPL-1.2 */
/* The job of mmprintd (see job.h): its changes as the store records them,
 * the waiters of synchronous answers, and the Swedish a person reads. */
#include "job.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <openssl/evp.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mmprintd.h"

/* ---- the Swedish ---- */


void srv_message(const srv *s, const srv_job *j, char *out, size_t size)
{
    switch (j->state) {
    case SRV_JSTATE_QUEUED:
        snprintf(out, size, "Köad: väntar på svar från adressregistret");
        break;
    case SRV_JSTATE_NEEDS_RECIPIENT: {
        /* Why, when there is more to say than "missing": the number in the
         * letter is the sender's own, the child's ... (server/recipient.c). */
        char why[sizeof j->reason_sv + 2] = "";
        if (j->reason_sv[0] && strcmp(j->reason_sv, srv_sv(SRV_SV_NO_RECIPIENT)))
            snprintf(why, sizeof why, ": %s", j->reason_sv);
        /* Where the person can add it: the web page (every desktop, Windows
         * first), else the command a Linux desktop has. */
        size_t base = strlen(s->conf.web_public_url);
        while (base && s->conf.web_public_url[base - 1] == '/')
            base--;
        if (base)
            snprintf(out, size, "Personnummer saknas%s – lägg till %s på %.*s/behover", why,
                     why[0] ? "mottagarens" : "det", (int)base, s->conf.web_public_url);
        else if (j->cups_job_id[0])
            snprintf(out, size, "Personnummer saknas%s – lägg till %s med: lp -i %s -o Personnummer=ÅÅÅÅMMDDNNNN -H resume",
                     why, why[0] ? "mottagarens" : "det", j->cups_job_id);
        else
            snprintf(out, size, "Personnummer saknas%s – komplettera jobb %s med mottagarens personnummer", why, j->id);
        break;
    }
    case SRV_JSTATE_SENDING:
        snprintf(out, size, "Skickas digitalt till %s", j->operator_name[0] ? j->operator_name : "brevlådan");
        break;
    case SRV_JSTATE_DELIVERED:
        snprintf(out, size, "Levererat digitalt till %s", j->operator_name[0] ? j->operator_name : "brevlådan");
        break;
    case SRV_JSTATE_PRINTING:
        /* The job's own room (printroom.h), chosen at the decision. */
        snprintf(out, size, "Skickat till utskrift i %s (%s)", j->printer[0] ? j->printer : s->conf.printer_name,
                 j->reason_sv);
        break;
    case SRV_JSTATE_PRINTED:
        snprintf(out, size, "Utskrivet i %s (%s)", j->printer[0] ? j->printer : s->conf.printer_name, j->reason_sv);
        break;
    case SRV_JSTATE_POSTED:
        snprintf(out, size, "Utskrivet i %s och postat", j->printer[0] ? j->printer : s->conf.printer_name);
        break;
    case SRV_JSTATE_RETURNED:
        snprintf(out, size, "Returnerat, inget har skickats: %s", j->reason_sv);
        break;
    case SRV_JSTATE_FAILED:
        snprintf(out, size, "Utskriften misslyckades – kontakta IT-supporten (jobb %s)", j->id);
        break;
    case SRV_JSTATE_CANCELLED:
        snprintf(out, size, "Avbrutet, inget har skickats");
        break;
    case SRV_JSTATE_EXPIRED:
        snprintf(out, size, "Inget har skickats: %s. Brevet finns kvar hos administratören (jobb %s)", j->reason_sv,
                 j->id);
        break;
    default:
        snprintf(out, size, "Okänt läge");
        break;
    }
}

/* ---- waiters of synchronous answers, and the changes that wake them ---- */

void srv_wait_register(srv *s, srv_waiter *w, const char *id, srv_jstate state)
{
    snprintf(w->id, sizeof w->id, "%s", id);
    w->state = state;
    srv_cond_init(&w->cv);
    pthread_mutex_lock(&s->wait_mu);
    w->next = s->waiters;
    s->waiters = w;
    pthread_mutex_unlock(&s->wait_mu);
}

static int settled(srv_jstate state)
{
    return srv_jstate_is_final(state) || state == SRV_JSTATE_NEEDS_RECIPIENT;
}

void srv_wait(srv *s, srv_waiter *w, long timeout_ms)
{
    struct timespec until;
    srv_mono_deadline(&until, srv_mono_ms() + timeout_ms);
    pthread_mutex_lock(&s->wait_mu);
    while (!settled(w->state) && !atomic_load(&s->draining))
        if (pthread_cond_timedwait(&w->cv, &s->wait_mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&s->wait_mu);
}

void srv_wait_unregister(srv *s, srv_waiter *w)
{
    pthread_mutex_lock(&s->wait_mu);
    for (srv_waiter **p = &s->waiters; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    pthread_mutex_unlock(&s->wait_mu);
    pthread_cond_destroy(&w->cv);
}

void srv_job_notify(srv *s, const srv_job *j)
{
    /* A waiter only cares for a settled job: waking it at every step would
     * cost two context switches per step for nothing. */
    if (!settled(j->state))
        return;
    pthread_mutex_lock(&s->wait_mu);
    for (srv_waiter *w = s->waiters; w; w = w->next)
        if (!strcmp(w->id, j->id)) {
            w->state = j->state;
            pthread_cond_signal(&w->cv);
        }
    pthread_mutex_unlock(&s->wait_mu);
}

/* One step of a job, recorded as done by actor (NULL: the server). */
static int transition(srv *s, srv_job *j, srv_jstate expect_state, const char *event, const char *detail,
                      const char *kind, const void *doc, size_t doc_len, const char *actor)
{
    mm_error err;
    mm_error_clear(&err);
    j->updated_ms = srv_now_ms();
    if (srv_jstate_is_final(j->state) && !j->final_ms)
        j->final_ms = j->updated_ms;
    int rc = srv_store_update_doc(s->store, j, expect_state, event, detail, kind, doc, doc_len, actor, &err);
    if (rc < 0)
        srv_log_job(MM_LOG_ERROR, j, "cannot record %s: %s", event, err.msg);
    else if (rc == 0)
        srv_job_notify(s, j);
    return rc;
}

int srv_transition(srv *s, srv_job *j, srv_jstate expect_state, const char *event, const char *detail)
{
    return transition(s, j, expect_state, event, detail, NULL, NULL, 0, NULL);
}

int srv_transition_as(srv *s, srv_job *j, srv_jstate expect_state, const char *event, const char *detail,
                      const char *actor)
{
    return transition(s, j, expect_state, event, detail, NULL, NULL, 0, actor);
}

int srv_transition_doc(srv *s, srv_job *j, srv_jstate expect_state, const char *event, const char *detail,
                       const char *kind, const void *doc, size_t doc_len)
{
    return transition(s, j, expect_state, event, detail, kind, doc, doc_len, NULL);
}

/* "14 dagar" or "14 days": the largest unit that divides the time. */
void srv_duration_text(long secs, int swedish, char *out, size_t size)
{
    static const struct {
        long n;
        const char *sv1, *svn, *en;
    } u[] = {{86400, "dag", "dagar", "day"},
             {3600, "timme", "timmar", "hour"},
             {60, "minut", "minuter", "minute"},
             {1, "sekund", "sekunder", "second"}};
    size_t i = 0;
    while (i < 3 && (secs < u[i].n || secs % u[i].n))
        i++;
    long n = secs / u[i].n;
    if (swedish)
        snprintf(out, size, "%ld %s", n, n == 1 ? u[i].sv1 : u[i].svn);
    else
        snprintf(out, size, "%ld %s%s", n, u[i].en, n == 1 ? "" : "s");
}


/* ---- logging ---- */

void srv_log_job(mm_log_level level, const srv_job *job, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    mm_log(level, "job %s: %s", job->id, text); /* masked there, with the rest of the line */
}

/* ---- intake helpers shared by single letters (api_jobs.c) and batches (batch.c) ---- */

void srv_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    mm_text_hex(md, sizeof md, 0, out);
}

/* Client free text is stored masked (mm_log_mask_text, the rule of the
 * logs): only the recipient column holds a whole personnummer.  The user
 * is a login and the CUPS job id a number, but a bundle may carry anything
 * there.  Returns how many numbers were masked. */
size_t srv_job_mask_client_text(srv_job *j)
{
    char *texts[] = {j->title, j->subject, j->recipient_problem, j->user, j->host, j->department, j->cups_job_id};
    size_t n = 0;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        n += mm_log_mask_text(texts[i]);
    return n;
}
