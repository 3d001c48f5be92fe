/* SPDX-License-Identifier: EUPL-1.2 */
/* The exception list of the API: letters that reached no one (failed,
 * returned, expired), kept until a person resolves them (DESIGN). */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"

srv_outcome srv_api_resolve(srv *s, const srv_principal *who, const char *id, const char *action)
{
    srv_job j;
    srv_outcome o = srv_api_lookup(s, who, id, SRV_ACT_RESOLVE, &j);
    if (o != SRV_OK)
        return o;
    if (!srv_job_is_exception(&j))
        return SRV_WRONG_STATE;
    int rc = srv_resolve(s, &j, action, who->actor);
    if (rc)
        return rc == 1 ? SRV_WRONG_STATE : rc == 2 ? SRV_NO_DOCUMENT : SRV_FAILED;
    if (!strcmp(action, "reprint"))
        srv_api_run_and_wait(s, &j);
    return SRV_OK;
}

enum MHD_Result srv_api_post_resolve(srv_req *rq, const char *id)
{
    struct MHD_Connection *c = rq->conn;
    char action[16];
    if (srv_req_json_string(rq, "action", action, sizeof action) ||
        (strcmp(action, "reprint") && strcmp(action, "handled") && strcmp(action, "cancel")))
        return srv_respond_error(c, 400, "bad-action", SRV_SV_BAD_ACTION);
    switch (srv_api_resolve(rq->s, rq->who, id, action)) {
    case SRV_OK: return srv_api_answer_job(rq->s, c, id, 200);
    case SRV_NO_SUCH_JOB: return srv_respond_error(c, 404, "not-found", SRV_SV_JOB_NOT_FOUND);
    case SRV_NOT_ALLOWED: return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_RESOLVE);
    case SRV_WRONG_STATE: return srv_respond_error(c, 409, "not-exception", SRV_SV_NOT_EXCEPTION);
    case SRV_NO_DOCUMENT: return srv_respond_error(c, 409, "no-document", SRV_SV_NO_DOCUMENT);
    default: return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
}

typedef struct {
    srv *s;
    const srv_principal *who;
    json_t *arr;
} exc_ctx;

/* An exception is the job as every other answer shows it, plus what the
 * exception list needs: the Swedish reason, the end, and the letter's fate. */
static void exception_one(const srv_job *j, int kept, void *arg)
{
    exc_ctx *x = arg;
    if (!srv_may(x->s, x->who, SRV_ACT_READ, j))
        return;
    char final[32], purge[32];
    srv_iso_time(j->final_ms, final, sizeof final);
    srv_iso_time(j->final_ms + (int64_t)x->s->conf.exception_retention_s * 1000, purge, sizeof purge);
    json_t *o = srv_job_json(x->s, j, 0);
    json_object_set_new(o, "reason_sv", json_string(j->reason_sv));
    json_object_set_new(o, "final", json_string(final));
    json_object_set_new(o, "document_kept", json_boolean(kept));
    json_object_set_new(o, "document_purged_after", kept ? json_string(purge) : json_null());
    json_array_append_new(x->arr, o);
}

enum MHD_Result srv_api_list_exceptions(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    (void)arg;
    if (!srv_may(s, rq->who, SRV_ACT_SEE_EXCEPTIONS, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_SEE_EXCEPTIONS);
    /* Scoped as the job list: a workstation's own in the query, and every
     * row checked (exception_one). */
    exc_ctx x = {s, rq->who, json_array()};
    if (srv_store_exceptions(s->store, srv_auth_list_client(rq->who), 1000, exception_one, &x, NULL)) {
        json_decref(x.arr);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    return srv_respond_json(c, 200, json_pack("{s:o}", "exceptions", x.arr));
}

