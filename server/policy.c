/* SPDX-License-Identifier: EUPL-1.2 */
/* The channel policy of mmprintd: which way a letter goes on intake,
 * after FaR's answer, and when the digital path fails (see policy.h). */
#include <stdio.h>
#include <string.h>

#include "idnum.h"
#include "policy.h"
#include "printroom.h"

/* The print room of a paper letter, chosen once at the decision and kept
 * in the job, so a restart or a reprint goes to the same room. */
static void choose_room(const srv *s, srv_job *j)
{
    if (!j->printer[0] || srv_room_find(s, j->printer) < 0)
        SRV_SET(j->printer, srv_room_name(s, srv_room_route(s, j->department)));
}

/* The job leaves the digital path for paper: printing, with the print
 * deadline from now.  decided_ms keeps the first decision's time. */
static void to_paper(const srv *s, srv_job *j, int64_t now)
{
    j->state = SRV_JSTATE_PRINTING;
    SRV_SET(j->channel, "paper");
    j->attempts = 0;
    j->deadline_ms = now + s->conf.print_deadline_s * 1000;
    if (!j->decided_ms)
        j->decided_ms = now;
    choose_room(s, j);
}

/* digital-only and no digital way: returned, nothing sent. */
static void to_returned(srv_job *j)
{
    j->state = SRV_JSTATE_RETURNED;
    SRV_SET(j->channel, "none");
}

/* Technical trouble or a refusal ends the digital path: paper, or returned
 * for digital-only.  The job is owned by the caller and freed or passed on. */
void srv_policy_fallback(srv *s, srv_job *j, const char *reason, const char *reason_sv)
{
    srv_jstate expect = j->state;
    SRV_SET(j->reason, reason);
    SRV_SET(j->reason_sv, reason_sv);
    char detail[400];
    if (!strcmp(j->policy, "digital-only")) {
        to_returned(j);
        snprintf(detail, sizeof detail, "policy digital-only: %s", reason);
        int done = srv_transition(s, j, expect, "returned", detail) == 0;
        if (done && j->batch_id[0])
            srv_room_batch_check(s, j->batch_id); /* maybe the batch's last letter */
        free(j);
        return;
    }
    to_paper(s, j, srv_now_ms());
    snprintf(detail, sizeof detail, "paper to %s: %s", j->printer, reason);
    char batch_id[sizeof j->batch_id];
    snprintf(batch_id, sizeof batch_id, "%s", j->batch_id);
    if (srv_transition(s, j, expect, "decided-paper", detail) == 0) {
        srv_room_enqueue(s, j);
        if (batch_id[0])
            srv_room_batch_check(s, batch_id);
    } else {
        free(j);
    }
}

/* The Swedish of FaR's outcome (texts.c), by mm_reach_why. */
static const char *reach_sv(mm_reach_why why)
{
    static const srv_text sv[MM_REACH_COUNT] = {
        [MM_REACH_NOT_FOUND] = SRV_SV_REACH_NOT_FOUND,
        [MM_REACH_NO_MAILBOX] = SRV_SV_REACH_NO_MAILBOX,
        [MM_REACH_ANONYMOUS] = SRV_SV_REACH_ANONYMOUS,
        [MM_REACH_OTHER_TYPE] = SRV_SV_REACH_OTHER_TYPE,
        [MM_REACH_PENDING] = SRV_SV_REACH_PENDING,
        [MM_REACH_SENDER_REFUSED] = SRV_SV_REACH_SENDER_REFUSED,
        [MM_REACH_NO_ADDRESS] = SRV_SV_REACH_NO_ADDRESS,
        [MM_REACH_DIGITAL] = SRV_SV_DIGITAL,
    };
    return srv_sv(why >= 0 && why < MM_REACH_COUNT ? sv[why] : SRV_SV_REACH_NOT_FOUND);
}

int srv_policy_decide(srv *s, srv_job *j, const mm_reach *r, const char **event, char *detail, size_t dsize)
{
    char mask[16];
    mm_idnum_mask(j->recipient, mask);
    int64_t now = srv_now_ms();
    j->updated_ms = now;
    j->attempts = 0;
    SRV_SET(j->reach, mm_far_reach_name(r->why));
    if (r->digital) {
        j->state = SRV_JSTATE_SENDING;
        SRV_SET(j->channel, "digital");
        SRV_SET(j->operator_name, r->operator_name[0] ? r->operator_name : r->operator_id);
        SRV_SET(j->operator_url, r->service_address);
        SRV_SET(j->reason, "recipient has a digital mailbox");
        SRV_SET(j->reason_sv, reach_sv(MM_REACH_DIGITAL));
        j->decided_ms = now;
        snprintf(detail, dsize, "digital: %s via %s (%s)", mask, j->operator_name, j->operator_url);
        *event = "decided-digital";
        return 0;
    }
    SRV_SET(j->reason, r->reason);
    SRV_SET(j->reason_sv, reach_sv(r->why));
    if (!strcmp(j->policy, "digital-only")) {
        to_returned(j);
        j->final_ms = now;
        snprintf(detail, dsize, "FaR: %s: %s; policy digital-only: nothing sent", mask, r->reason);
        *event = "returned";
        return 2;
    }
    j->decided_ms = now;
    to_paper(s, j, now);
    snprintf(detail, dsize, "FaR: %s: %s; paper to %s", mask, r->reason, j->printer);
    *event = "decided-paper";
    return 1;
}

srv_jstate srv_policy_intake(srv *s, srv_job *j, int have_recipient, const char *reason_sv)
{
    if (!strcmp(j->policy, "paper-only")) {
        j->state = SRV_JSTATE_PRINTING;
        SRV_SET(j->channel, "paper");
        SRV_SET(j->reason, "policy paper-only");
        SRV_SET(j->reason_sv, srv_sv(SRV_SV_PAPER_ASKED));
        j->decided_ms = j->created_ms;
        j->deadline_ms = j->created_ms + s->conf.print_deadline_s * 1000;
        choose_room(s, j);
    } else if (have_recipient) {
        j->state = SRV_JSTATE_QUEUED;
        SRV_SET(j->channel, "none");
        j->deadline_ms = j->created_ms + s->conf.retry_deadline_s * 1000;
    } else {
        j->state = SRV_JSTATE_NEEDS_RECIPIENT;
        SRV_SET(j->channel, "none");
        SRV_SET(j->reason, j->recipient_problem);
        SRV_SET(j->reason_sv, reason_sv);
    }
    return j->state;
}
