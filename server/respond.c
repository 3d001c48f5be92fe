/* SPDX-License-Identifier: EUPL-1.2 */
/* The answers of the job API (JSON or text, never cached) and the reading
 * of its JSON request bodies; see api.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"


/* Queues text (consumed) with a Retry-After of retry_after_s when > 0. */
static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type, char *text,
                               long retry_after_s)
{
    if (!text)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (retry_after_s > 0) {
        char v[24];
        snprintf(v, sizeof v, "%ld", retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result srv_respond_text(struct MHD_Connection *c, unsigned status, const char *type, char *text)
{
    return respond(c, status, type, text, 0);
}

/* The JSON text of o (consumed) with a final newline, or NULL. */
static char *json_text(json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *t2 = realloc(text, n + 2);
    if (t2) {
        t2[n] = '\n';
        t2[n + 1] = 0;
        text = t2;
    }
    return text;
}

enum MHD_Result srv_respond_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
    return respond(c, status, "application/json", json_text(o), 0);
}

enum MHD_Result srv_respond_retry(struct MHD_Connection *c, unsigned status, const char *error, srv_text sv,
                                  long retry_after_s)
{
    return respond(c, status, "application/json",
                   json_text(json_pack("{s:s, s:s}", "error", error, "message", srv_sv(sv))), retry_after_s);
}

enum MHD_Result srv_respond_error_text(struct MHD_Connection *c, unsigned status, const char *error,
                                       const char *message_sv)
{
    return srv_respond_json(c, status, json_pack("{s:s, s:s}", "error", error, "message", message_sv));
}

enum MHD_Result srv_respond_error(struct MHD_Connection *c, unsigned status, const char *error, srv_text sv)
{
    return srv_respond_error_text(c, status, error, srv_sv(sv));
}

enum MHD_Result srv_respond_problem_text(struct MHD_Connection *c, unsigned status, const char *error,
                                         const char *detail, const char *message_sv)
{
    return srv_respond_json(c, status, json_pack("{s:s, s:s, s:s}", "error", error, "detail", detail, "message",
                                                 message_sv));
}

enum MHD_Result srv_respond_problem(struct MHD_Connection *c, unsigned status, const char *error,
                                    const char *detail, srv_text sv)
{
    return srv_respond_problem_text(c, status, error, detail, srv_sv(sv));
}

enum MHD_Result srv_respond_own_number(struct MHD_Connection *c, const char *number12)
{
    char sv[200];
    srv_recipient_own_sv(number12, sv, sizeof sv);
    sv[0] = 'N'; /* "numret ...": a sentence of its own here */
    return srv_respond_error_text(c, 400, "own-number", sv);
}

int srv_req_json_string(const srv_req *rq, const char *name, char *out, size_t size)
{
    json_error_t je;
    json_t *o = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
    const char *v = json_is_object(o) ? json_string_value(json_object_get(o, name)) : NULL;
    int rc = v && strlen(v) < size ? 0 : -1;
    snprintf(out, size, "%s", rc == 0 ? v : "");
    json_decref(o);
    return rc;
}
