/* SPDX-License-Identifier: EUPL-1.2 */
/* The reachability precheck of the API: "would this recipient get the
 * letter digitally?", one FaR isReachable call.  A lookup about a person is
 * processing of personal data: only principals that may send may ask, each
 * at most reach_rate a minute (reach_burst at once), and every lookup is
 * journaled with who asked and the masked number (an event of no job). */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "far.h"
#include "http.h"
#include "idnum.h"
#include "log.h"
#include "rate.h"

enum MHD_Result srv_api_get_reachability(srv_req *rq, const char *text)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    mm_id id;
    mm_error err;
    if (!srv_may(s, rq->who, SRV_ACT_PRECHECK, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_PRECHECK);
    if (strlen(text) > 20 || mm_idnum_parse(text, NULL, &id, &err))
        return srv_respond_error(c, 400, "bad-recipient", SRV_SV_BAD_RECIPIENT);
    if (srv_recipient_is_own(s, id.number))
        return srv_respond_own_number(c, id.number);
    long wait = srv_rate_take(s->reach_rate, rq->who->name, srv_now_ms());
    if (wait) {
        mm_log(MM_LOG_WARN, "reachability precheck by %s refused: over reach_rate (%ld a minute, burst %ld)",
               rq->who->actor, s->conf.reach_rate, s->conf.reach_burst);
        return srv_respond_retry(c, 429, "too-many-prechecks", SRV_SV_PRECHECK_RATE, wait);
    }
    /* Journaled before FaR is asked: a lookup that cannot be traced is
     * not made. */
    char mask[16], detail[64];
    mm_idnum_mask(id.number, mask);
    snprintf(detail, sizeof detail, "recipient %s looked up in FaR", mask);
    if (srv_store_event_as(s->store, "", rq->who->actor, "reachability-precheck", detail, &err)) {
        mm_log(MM_LOG_ERROR, "cannot journal a reachability precheck: %s", err.msg);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    mm_http *h = srv_conf_http_new(&s->conf);
    if (!h)
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    const char *ids[1] = {id.number};
    mm_reach r;
    mm_soap_fault f;
    memset(&r, 0, sizeof r);
    memset(&f, 0, sizeof f);
    atomic_fetch_add(&s->far_calls, 1);
    int rc = mm_far_is_reachable(h, s->conf.far_url, s->conf.sender_id[0] ? s->conf.sender_id : s->orgnr, ids, 1,
                                 &r, &f, &err);
    mm_http_free(h);
    if (rc) {
        atomic_fetch_add(&s->far_errors, 1);
        mm_log(MM_LOG_WARN, "reachability precheck failed: %s", err.msg);
        return srv_respond_problem(c, 502, "far-unavailable", err.msg, SRV_SV_FAR_UNAVAILABLE);
    }
    json_t *op = srv_json_str_or_null(r.operator_name[0] ? r.operator_name : r.operator_id);
    return srv_respond_json(c, 200, json_pack("{s:s, s:b, s:o, s:s}", "recipient_masked", mask, "digital", r.digital,
                                              "operator", op, "reason", r.digital ? "digital mailbox" : r.reason));
}

