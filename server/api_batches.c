/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch handlers of the API (doc/api.md "Batches"): intake of a batch
 * bundle streamed to a spool file by the front, a batch's report, the
 * caller's batches, and cancelling a held batch. */
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "batch.h"
#include "batchbundle.h"
#include "client.h"
#include "idnum.h"
#include "log.h"
#include "text.h"
#include "uuid.h"

/* srv_api_batch_lookup, asking srv_may for action too. */
static srv_outcome lookup_for(srv *s, const srv_principal *who, const char *id, srv_action action, srv_batch *out)
{
    int rc = srv_store_batch_get(s->store, id, out, NULL);
    if (rc < 0)
        return SRV_FAILED;
    if (rc == 1)
        return SRV_NO_SUCH_JOB;
    srv_job view;
    srv_batch_view(out, &view);
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

static void count_state(const char *state, long n, void *arg)
{
    srv_batch_count_state(arg, srv_jstate_from_name(state), (int)n);
}

json_t *srv_batch_json(srv *s, const srv_batch *b, int with_items)
{
    report_ctx r = {s, {0}, with_items ? json_array() : NULL, 1};
    /* The counts alone from the index: a list of batches and the
     * backend's polling read no letter. */
    if (with_items ? srv_store_batch_letters(s->store, b->id, report_one, &r, NULL)
                   : srv_store_batch_state_counts(s->store, b->id, count_state, &r.counts)) {
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
    switch (srv_api_batch_lookup(rq->s, rq->who, id, &b)) {
    case SRV_OK: break;
    case SRV_NO_SUCH_JOB: return srv_respond_error(rq->conn, 404, "not-found", SRV_SV_BATCH_NOT_FOUND);
    default: return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    }
    /* ?items=no: the report without its letters (what the backend polls) */
    const char *items = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "items");
    json_t *o = srv_batch_json(rq->s, &b, !(items && !strcmp(items, "no")));
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
    srv_batch_view(b, &view);
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

srv_outcome srv_api_batch_lookup(srv *s, const srv_principal *who, const char *id, srv_batch *out)
{
    return lookup_for(s, who, id, SRV_ACT_READ, out);
}

srv_outcome srv_api_batch_cancel(srv *s, const srv_principal *who, const char *id)
{
    srv_batch b;
    srv_outcome o = lookup_for(s, who, id, SRV_ACT_CANCEL, &b);
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

/* The bundle's header from the spool file into *h: 0, or -1 with err. */
static int read_header(const srv_req *rq, mm_batch_header *h, size_t *header_len, mm_error *err)
{
    unsigned char head[MM_BATCH_MAX_HEADER];
    int fd = open(rq->spool, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof head) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return mm_error_set(err, MM_ERR_INPUT, 0, "empty body");
    if (mm_batch_header_parse(head, (size_t)n, h, header_len, err))
        return -1;
    /* the body must be exactly what the header announces: never cut */
    if ((uint64_t)rq->spool_len != (uint64_t)*header_len + h->manifest_length + h->document_length)
        return mm_error_set(err, MM_ERR_INPUT, 0, "the body is not as long as its header says");
    const char *texts[] = {h->user, h->host, h->cups_job_id, h->title, h->department};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!mm_text_utf8_valid(texts[i]))
            return mm_error_set(err, MM_ERR_INPUT, 0, "a header value is not valid UTF-8 text");
    return 0;
}

enum MHD_Result srv_api_post_batch(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    (void)arg;
    if (atomic_load(&s->draining))
        return srv_respond_error(c, 503, "draining", SRV_SV_DRAINING);
    if (!srv_may(s, rq->who, SRV_ACT_SUBMIT, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_SUBMIT);
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (key && !mm_client_key_valid(key))
        return srv_respond_error(c, 400, "bad-idempotency-key", SRV_SV_BAD_KEY);
    if (!rq->spool)
        return srv_respond_problem(c, 400, "bad-bundle", "empty body", SRV_SV_BATCH_BAD_BUNDLE);
    mm_batch_header h;
    size_t header_len = 0;
    mm_error err;
    mm_error_clear(&err);
    if (read_header(rq, &h, &header_len, &err)) {
        mm_log(MM_LOG_WARN, "refused a batch from %s: %s", rq->client, err.msg);
        return srv_respond_problem(c, 400, "bad-bundle", err.msg, SRV_SV_BATCH_BAD_BUNDLE);
    }
    /* the front named the spool file by a new id: the batch's */
    const char *base = strrchr(rq->spool, '/');
    base = base ? base + 1 : rq->spool;
    srv_batch b;
    memset(&b, 0, sizeof b);
    snprintf(b.id, sizeof b.id, "%.36s", base);
    SRV_SET(b.idem_key, key ? key : "");
    SRV_SET(b.client, rq->who->name);
    SRV_SET(b.user, h.user);
    SRV_SET(b.host, h.host);
    SRV_SET(b.cups_job_id, h.cups_job_id);
    SRV_SET(b.title, h.title);
    SRV_SET(b.department, h.department);
    SRV_SET(b.policy, h.policy[0] ? h.policy : "digital-else-paper");
    SRV_SET(b.postal_class, h.postal_class);
    SRV_SET(b.letter_type, h.letter_type);
    SRV_SET(b.split, h.split);
    char *texts[] = {b.user, b.host, b.cups_job_id, b.title, b.department};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        mm_log_mask_text(texts[i]);
    b.state = SRV_BSTATE_RECEIVED;
    b.bytes = rq->spool_len;
    SRV_SET(b.spool, rq->spool);
    b.created_ms = b.updated_ms = srv_now_ms();
    char detail[600];
    snprintf(detail, sizeof detail, "from %s user %s cups job %s; split %s; policy %s; %lld bytes (manifest %zu)",
             rq->client, b.user, b.cups_job_id[0] ? b.cups_job_id : "-", b.split, b.policy, (long long)b.bytes,
             h.manifest_length);
    int rc = srv_store_batch_insert(s->store, &b, detail, &err);
    if (rc < 0) {
        mm_log(MM_LOG_ERROR, "cannot store a batch: %s", err.msg);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    if (rc == 1) {
        /* the same Idempotency-Key again: that batch, never a second one */
        srv_store_event_as(s->store, b.id, rq->who->actor, "repeat",
                           "same Idempotency-Key sent again; answered with this batch", NULL);
    } else {
        rq->spool_kept = 1;
        mm_log(MM_LOG_INFO, "batch %s: received from %s (%lld bytes, split %s)", b.id, rq->client,
               (long long)b.bytes, b.split);
        srv_batch_kick(s);
    }
    json_t *o = srv_batch_json(s, &b, 0);
    return o ? srv_respond_json(c, rc == 1 ? 200 : 202, o) : srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
}
