/* SPDX-License-Identifier: EUPL-1.2 */
/* The reachability precheck of the API: "would this recipient get the
 * letter digitally?", one FaR isReachable call.  A lookup about a person is
 * processing of personal data: only principals that may send may ask, each
 * at most reach_rate a minute (reach_burst at once), and every lookup is
 * journaled with who asked and the masked number (an event of no job, or
 * of the held letter a person checks a number for on the web page).  The
 * API's handler and the web page's check share srv_api_reach. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "far.h"
#include "http.h"
#include "idnum.h"
#include "log.h"
#include "rate.h"

srv_outcome srv_api_reach(srv *s, const srv_principal *who, const char *job_id, const char *number12, mm_reach *r,
                          long *wait_s, mm_error *err)
{
    memset(r, 0, sizeof *r);
    *wait_s = 0;
    if (!srv_may(s, who, SRV_ACT_PRECHECK, NULL))
        return SRV_NOT_ALLOWED;
    long wait = srv_rate_take(s->reach_rate, who->name, srv_now_ms());
    if (wait) {
        mm_log(MM_LOG_WARN, "reachability precheck by %s refused: over reach_rate (%ld a minute, burst %ld)",
               who->actor, s->conf.reach_rate, s->conf.reach_burst);
        *wait_s = wait;
        return SRV_TOO_OFTEN;
    }
    /* Journaled before FaR is asked: a lookup that cannot be traced is
     * not made. */
    char mask[16], detail[64];
    mm_idnum_mask(number12, mask);
    snprintf(detail, sizeof detail, "recipient %s looked up in FaR", mask);
    if (srv_store_event_as(s->store, job_id, who->actor, "reachability-precheck", detail, err)) {
        mm_log(MM_LOG_ERROR, "cannot journal a reachability precheck: %s", err->msg);
        return SRV_FAILED;
    }
    mm_http *h = srv_conf_http_new(&s->conf);
    if (!h)
        return SRV_FAILED;
    const char *ids[1] = {number12};
    mm_soap_fault f;
    memset(&f, 0, sizeof f);
    atomic_fetch_add(&s->far_calls, 1);
    int rc = mm_far_is_reachable(h, s->conf.far_url, s->conf.sender_id[0] ? s->conf.sender_id : s->orgnr, ids, 1,
                                 r, &f, err);
    mm_http_free(h);
    if (rc) {
        atomic_fetch_add(&s->far_errors, 1);
        mm_log(MM_LOG_WARN, "reachability precheck failed: %s", err->msg);
        return SRV_FAR_DOWN;
    }
    return SRV_OK;
}

enum MHD_Result srv_api_get_reachability(srv_req *rq, const char *text)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    mm_id id;
    mm_error err;
    mm_error_clear(&err);
    if (!srv_may(s, rq->who, SRV_ACT_PRECHECK, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_PRECHECK);
    srv_outcome o = strlen(text) > 20 ? SRV_BAD_NUMBER : srv_api_number(s, text, &id, &err);
    if (o == SRV_BAD_NUMBER)
        return srv_respond_error(c, 400, "bad-recipient", SRV_SV_BAD_RECIPIENT);
    if (o == SRV_OWN_NUMBER)
        return srv_respond_own_number(c, id.number);
    mm_reach r;
    long wait;
    switch (srv_api_reach(s, rq->who, "", id.number, &r, &wait, &err)) {
    case SRV_OK: break;
    case SRV_NOT_ALLOWED: return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_PRECHECK);
    case SRV_TOO_OFTEN: return srv_respond_retry(c, 429, "too-many-prechecks", SRV_SV_PRECHECK_RATE, wait);
    case SRV_FAR_DOWN: return srv_respond_problem(c, 502, "far-unavailable", err.msg, SRV_SV_FAR_UNAVAILABLE);
    default: return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    char mask[16];
    mm_idnum_mask(id.number, mask);
    json_t *op = srv_json_str_or_null(r.operator_name[0] ? r.operator_name : r.operator_id);
    return srv_respond_json(c, 200, json_pack("{s:s, s:b, s:o, s:s}", "recipient_masked", mask, "digital", r.digital,
                                              "operator", op, "reason", r.digital ? "digital mailbox" : r.reason));
}
