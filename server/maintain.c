/* SPDX-License-Identifier: EUPL-1.2 */
/* Upkeep of mmprintd's jobs: resolution of exceptions, expiry of letters
 * held for a recipient, retention of personal fields and of unresolved
 * exceptions' letters; each journaled. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mmprintd.h"
#include "printroom.h"

int srv_resolve(srv *s, srv_job *j, const char *action, const char *principal)
{
    char detail[1200];
    srv_jstate was = j->state;
    j->updated_ms = srv_now_ms();
    if (!strcmp(action, "reprint")) {
        mm_buf doc = MM_BUF_INIT;
        int found = srv_store_document(s->store, j->id, "pdf", &doc, NULL);
        mm_buf_free(&doc);
        if (found)
            return found < 0 ? -1 : 2;
        /* Its own print room again (printroom.h); a letter that never was
         * on paper goes where its department's letters go. */
        if (srv_room_find(s, j->printer) < 0 || strcmp(j->channel, "paper"))
            SRV_SET(j->printer, srv_room_name(s, srv_room_route(s, j->department)));
        snprintf(detail, sizeof detail, "reprint by %s: sent to %s again (was %s: %s)", principal, j->printer,
                 srv_jstate_name(was), j->reason);
        char reason[300], reason_sv[300]; /* cut to the fields by SET, on a UTF-8 boundary */
        snprintf(reason, sizeof reason, "reprint after: %s", j->reason);
        snprintf(reason_sv, sizeof reason_sv, "ny utskrift: %s", j->reason_sv[0] ? j->reason_sv : srv_jstate_name(was));
        SRV_SET(j->reason, reason);
        SRV_SET(j->reason_sv, reason_sv);
        j->state = SRV_JSTATE_PRINTING;
        SRV_SET(j->channel, "paper");
        j->print_job_id = 0;
        j->sheets = 0;
        if (!j->decided_ms) /* the print room's day of a letter that never was on paper */
            j->decided_ms = j->updated_ms;
        j->attempts = 0;
        j->final_ms = 0;
        j->deadline_ms = j->updated_ms + s->conf.print_deadline_s * 1000;
    } else {
        SRV_SET(j->resolution, action);
        SRV_SET(j->resolved_by, principal);
        j->resolved_ms = j->updated_ms;
        snprintf(detail, sizeof detail, "%s by %s: %s; the letter is purged", action, principal,
                 !strcmp(action, "handled") ? "taken care of outside mmprint" : "nothing will be sent");
    }
    mm_error err;
    mm_error_clear(&err);
    int rc = srv_store_resolve(s->store, j, was, "resolved", detail, principal, &err);
    if (rc < 0)
        srv_log_job(MM_LOG_ERROR, j, "cannot record the resolution: %s", err.msg);
    if (rc == 0)
        srv_log_job(MM_LOG_INFO, j, "exception resolved: %s", detail);
    return rc;
}

static void expire_held(const srv_job *held, void *arg)
{
    srv *s = arg;
    srv_job j = *held;
    char en[48], sv[48], detail[300];
    srv_duration_text(s->conf.held_expiry_s, 0, en, sizeof en);
    srv_duration_text(s->conf.held_expiry_s, 1, sv, sizeof sv);
    j.state = SRV_JSTATE_EXPIRED;
    SRV_SET(j.channel, "none");
    snprintf(detail, sizeof detail, "no recipient was added within %s", en);
    SRV_SET(j.reason, detail);
    snprintf(detail, sizeof detail, "inget personnummer lades till inom %s", sv);
    SRV_SET(j.reason_sv, detail);
    snprintf(detail, sizeof detail, "waited for a recipient for more than %s (held_expiry); nothing sent, "
                                    "the letter is kept in the exception list", en);
    if (srv_transition(s, &j, SRV_JSTATE_NEEDS_RECIPIENT, "expired", detail) == 0)
        srv_log_job(MM_LOG_INFO, &j, "%s", detail);
}

void srv_maintain(srv *s)
{
    mm_error err;
    mm_error_clear(&err);
    long n = srv_store_purge(s->store, (int)s->conf.retention_days, &err);
    if (n > 0)
        mm_log(MM_LOG_INFO, "retention: purged personal data of %ld jobs", n);
    else if (n < 0)
        mm_log(MM_LOG_ERROR, "retention: %s", err.msg);
    int64_t now = srv_now_ms();
    if (srv_store_held_before(s->store, now - (int64_t)s->conf.held_expiry_s * 1000, expire_held, s, &err))
        mm_log(MM_LOG_ERROR, "expiry of held letters: %s", err.msg);
    char en[48], why[160];
    srv_duration_text(s->conf.exception_retention_s, 0, en, sizeof en);
    snprintf(why, sizeof why, "unresolved for more than %s (exception_retention): the letter is purged, "
                              "the job stays in the exception list", en);
    n = srv_store_purge_exceptions(s->store, now - (int64_t)s->conf.exception_retention_s * 1000, why, &err);
    if (n > 0)
        mm_log(MM_LOG_INFO, "exception retention: purged the letters of %ld unresolved exceptions older than %s",
               n, en);
    else if (n < 0)
        mm_log(MM_LOG_ERROR, "exception retention: %s", err.msg);
}
