/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch handlers of the API (doc/api.md "Batches"): intake of a batch
 * bundle streamed to a spool file by the front, a batch's report, the
 * caller's batches, and cancelling a held batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "batch.h"
#include "idnum.h"
#include "log.h"
#include "text.h"
#include "uuid.h"

/* The view of a batch srv_may decides on: a job of its client and user. */
static void batch_view(const srv_batch *b, srv_job *view)
{
    memset(view, 0, sizeof *view);
    SRV_SET(view->id, b->id);
    SRV_SET(view->client, b->client);
    SRV_SET(view->user, b->user);
    view->state = b->state == SRV_BSTATE_HELD ? SRV_JSTATE_NEEDS_RECIPIENT : SRV_JSTATE_QUEUED;
    SRV_SET(view->batch_id, b->id);
}

srv_outcome srv_api_batch_lookup(srv *s, const srv_principal *who, const char *id, srv_action action,
                                 srv_batch *out)
{
    int rc = srv_store_batch_get(s->store, id, out, NULL);
    if (rc < 0)
        return SRV_FAILED;
    if (rc == 1)
        return SRV_NO_SUCH_JOB;
    srv_job view;
    batch_view(out, &view);
    if (!srv_may(s, who, SRV_ACT_READ, &view)) {
        mm_log(MM_LOG_WARN, "%s asked for batch %s, sent by %s: refused as not found", who->actor, id, out->client);
        return SRV_NO_SUCH_JOB;
    }
    return srv_may(s, who, action, &view) ? SRV_OK : SRV_NOT_ALLOWED;
}

typedef struct {
    srv *s;
    srv_batch_counts counts;
    json_t *items; /* NULL: counts only */
    int next_page;
} report_ctx;

static void report_one(const srv_job *j, void *arg)
{
    report_ctx *r = arg;
    srv_batch_count(&r->counts, j);
    int first = r->next_page;
    r->next_page += j->pages;
    if (!r->items)
        return;
    char mask[16] = "", msg[512];
    if (j->recipient[0])
        mm_idnum_mask(j->recipient, mask);
    srv_message(r->s, j, msg, sizeof msg);
    json_array_append_new(r->items,
                          json_pack("{s:i,s:s,s:i,s:i,s:i,s:s,s:o,s:o,s:s}", "seq", j->batch_seq, "job_id", j->id,
                                    "first_page", first, "last_page", first + j->pages - 1, "pages", j->pages,
                                    "state", srv_jstate_name(j->state), "channel",
                                    srv_json_str_or_null(strcmp(j->channel, "none") ? j->channel : ""),
                                    "recipient_masked", srv_json_str_or_null(mask), "message", msg));
}

json_t *srv_batch_json(srv *s, const srv_batch *b, int with_items)
{
    report_ctx r = {s, {0}, with_items ? json_array() : NULL, 1};
    if (srv_store_batch_letters(s->store, b->id, report_one, &r, NULL)) {
        json_decref(r.items);
        return NULL;
    }
    char msg[512], created[32];
    srv_batch_summary_sv(b, &r.counts, msg, sizeof msg);
    srv_iso_time(b->created_ms, created, sizeof created);
    json_t *o = json_pack("{s:s,s:s,s:o,s:s,s:i,s:i,s:{s:i,s:i,s:i,s:i,s:i},s:o,s:o,s:o,s:o,s:s,s:s}", "id", b->id,
                          "state", srv_bstate_name(b->state), "reason", srv_json_str_or_null(b->reason_sv),
                          "message", msg, "letters", r.counts.letters ? r.counts.letters : b->letters, "pages",
                          b->pages, "counts", "digital", r.counts.digital, "paper", r.counts.paper, "held",
                          r.counts.held, "pending", r.counts.pending, "failed", r.counts.failed, "title",
                          srv_json_str_or_null(b->title), "user", srv_json_str_or_null(b->user), "cups_job_id",
                          srv_json_str_or_null(b->cups_job_id), "idempotency_key", srv_json_str_or_null(b->idem_key),
                          "split", b->split, "created", created);
    if (o && r.items)
        json_object_set_new(o, "items", r.items);
    else
        json_decref(r.items);
    return o;
}

enum MHD_Result srv_api_get_batch(srv_req *rq, const char *id)
{
    srv_batch b;
    switch (srv_api_batch_lookup(rq->s, rq->who, id, SRV_ACT_READ, &b)) {
    case SRV_OK: break;
    case SRV_NO_SUCH_JOB: return srv_respond_error(rq->conn, 404, "not-found", SRV_SV_BATCH_NOT_FOUND);
    default: return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    }
    json_t *o = srv_batch_json(rq->s, &b, 1);
    return o ? srv_respond_json(rq->conn, 200, o) : srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
}

typedef struct {
    srv_req *rq;
    json_t *arr;
} list_ctx;

static void list_one(const srv_batch *b, void *arg)
{
    list_ctx *l = arg;
    srv_job view;
    batch_view(b, &view);
    if (!srv_may(l->rq->s, l->rq->who, SRV_ACT_READ, &view))
        return;
    json_t *o = srv_batch_json(l->rq->s, b, 0);
    if (o)
        json_array_append_new(l->arr, o);
}

enum MHD_Result srv_api_list_batches(srv_req *rq, const char *arg)
{
    (void)arg;
    if (!srv_may(rq->s, rq->who, SRV_ACT_LIST, NULL))
        return srv_respond_error(rq->conn, 403, "not-allowed", SRV_SV_MAY_NOT_LIST);
    list_ctx l = {rq, json_array()};
    /* a workstation's own batches are selected in the query; every row is
     * then checked (list_one) */
    if (srv_store_batch_list(rq->s->store, srv_auth_list_client(rq->who), NULL, 200, list_one, &l, NULL)) {
        json_decref(l.arr);
        return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    }
    return srv_respond_json(rq->conn, 200, json_pack("{s:o}", "batches", l.arr));
}

srv_outcome srv_api_batch_cancel(srv *s, const srv_principal *who, const char *id)
{
    srv_batch b;
    srv_outcome o = srv_api_batch_lookup(s, who, id, SRV_ACT_CANCEL, &b);
    if (o != SRV_OK)
        return o;
    if (b.state != SRV_BSTATE_HELD)
        return SRV_WRONG_STATE;
    b.state = SRV_BSTATE_CANCELLED;
    b.updated_ms = srv_now_ms();
    int rc = srv_store_batch_update(s->store, &b, SRV_BSTATE_HELD, "batch-cancelled", "cancelled while held",
                                    who->actor, NULL);
    if (rc == 0)
        srv_batch_discard(s, &b);
    return rc == 0 ? SRV_OK : rc == 1 ? SRV_WRONG_STATE : SRV_FAILED;
}

enum MHD_Result srv_api_post_batch_cancel(srv_req *rq, const char *id)
{
    switch (srv_api_batch_cancel(rq->s, rq->who, id)) {
    case SRV_OK: break;
    case SRV_NO_SUCH_JOB: return srv_respond_error(rq->conn, 404, "not-found", SRV_SV_BATCH_NOT_FOUND);
    case SRV_NOT_ALLOWED: return srv_respond_error(rq->conn, 403, "not-allowed", SRV_SV_MAY_NOT_CANCEL);
    case SRV_WRONG_STATE: return srv_respond_error(rq->conn, 409, "not-held", SRV_SV_BATCH_NOT_HELD);
    default: return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    }
    srv_batch b;
    if (srv_store_batch_get(rq->s->store, id, &b, NULL) != 0)
        return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    json_t *o = srv_batch_json(rq->s, &b, 0);
    return o ? srv_respond_json(rq->conn, 200, o) : srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
}

enum MHD_Result srv_api_post_batch(srv_req *rq, const char *arg)
{
    (void)arg;
    return srv_respond_error(rq->conn, 501, "not-implemented", SRV_SV_INTERNAL);
}
