/* SPDX-License-Identifier: EUPL-1.2 */
/* The job API of mmprintd (doc/api.md) behind the HTTPS front (front.c):
 * one request as the handlers see it, the route table's handlers, the
 * answers they queue, and the Swedish texts of those answers, kept in one
 * table (respond.c).
 *
 * Every handler queues exactly one answer on rq->conn and returns what
 * MHD_queue_response returned; none of them keeps rq or its body. */
#ifndef MMPRINTD_API_H
#define MMPRINTD_API_H

#include <stdarg.h>
#include <microhttpd.h>
#include <jansson.h>

#include "mmprintd.h"
#include "texts.h"
#include "auth.h"
#include "idnum.h"
#include "batch.h"

/* One complete request, owned by the front for the duration of the call. */
typedef struct {
    srv *s;
    struct MHD_Connection *conn;
    const char *client;   /* the principal: the client certificate's subject DN */
    const char *body;     /* the whole body, NULL when empty */
    size_t body_len;
    const srv_principal *who; /* who asks, as auth.c decides (srv_may) */
    /* POST /api/v1/batches only: the body was streamed into this spool
     * file (front.c; body is NULL), of spool_len bytes; a handler that
     * keeps the file sets spool_kept, else the front removes it. */
    const char *spool;
    int64_t spool_len;
    int spool_kept;
} srv_req;

/* The string member name of the request's JSON object body, copied into
 * out: 0, or -1 (out "") when the body is no JSON object, lacks it, or it
 * does not fit in size. */
int srv_req_json_string(const srv_req *rq, const char *name, char *out, size_t size);

/* What a route handler is: arg is the path's variable part (a job id, an
 * Idempotency-Key, a personnummer; "" when the route has none). */
typedef enum MHD_Result (*srv_handler)(srv_req *rq, const char *arg);

/* routes.c: finds the route of method + url and calls its handler; 404 and
 * 405 answers for the rest. */
enum MHD_Result srv_api_dispatch(srv_req *rq, const char *url, const char *method);
/* Does url fit a route pattern ("*" one path segment, "**" at the end the
 * rest)?  Sets *arg, *arg_len to the part it matched (also the web
 * portal's routes, web_routes.c). */
int srv_api_route_match(const char *pattern, const char *url, const char **arg, size_t *arg_len);
/* libmicrohttpd's error log into ours (debug level), for both listeners
 * (front.c, web.c). */
void srv_api_mhd_log(void *cls, const char *fmt, va_list ap);
/* A job id as mm_uuid_new writes it: 36 of hex digits and dashes. */
int srv_api_job_id_valid(const char *id, size_t n);


/* ---- answers (respond.c); each queues one response and frees what it is
 * given, also on failure ---- */

/* text: malloc'ed, consumed. */
enum MHD_Result srv_respond_text(struct MHD_Connection *c, unsigned status, const char *type, char *text);
/* o: a new reference, consumed (NULL answers MHD_NO). */
enum MHD_Result srv_respond_json(struct MHD_Connection *c, unsigned status, json_t *o);
/* {"error": error, "message": srv_sv(sv)} */
enum MHD_Result srv_respond_error(struct MHD_Connection *c, unsigned status, const char *error, srv_text sv);
/* {"error": error, "message": message_sv} for a Swedish text built at run time. */
enum MHD_Result srv_respond_error_text(struct MHD_Connection *c, unsigned status, const char *error,
                                       const char *message_sv);
/* {"error": error, "detail": detail (English), "message": srv_sv(sv)} */
enum MHD_Result srv_respond_problem(struct MHD_Connection *c, unsigned status, const char *error,
                                    const char *detail, srv_text sv);
/* The same with a Swedish text from elsewhere (lib's mm_pdf_problem_sv). */
enum MHD_Result srv_respond_problem_text(struct MHD_Connection *c, unsigned status, const char *error,
                                         const char *detail, const char *message_sv);
/* {"error": error, "message": srv_sv(sv)} with Retry-After: retry_after_s
 * (429 of a rate limit, 503). */
enum MHD_Result srv_respond_retry(struct MHD_Connection *c, unsigned status, const char *error, srv_text sv,
                                  long retry_after_s);
/* 400 for one of the sender's own numbers given as a recipient. */
enum MHD_Result srv_respond_own_number(struct MHD_Connection *c, const char *number12);

/* ---- JSON of a job (job_json.c) ---- */

/* The job as every answer shows it (doc/api.md), with its journal events
 * when with_events: a new reference (the caller owns it). */
json_t *srv_job_json(srv *s, const srv_job *j, int with_events);
/* "YYYY-MM-DDTHH:MM:SSZ" of a wall-clock time in ms. */
void srv_iso_time(int64_t ms, char *out, size_t size);
/* A JSON string, or null for NULL and "" (a new reference). */
json_t *srv_json_str_or_null(const char *s);

/* ---- what both entrances do: the API's handlers below and the web
 * pages (web_letters.c) call the same function for each action, so the
 * checks, srv_may and the journal (with who->actor) are the same ---- */

/* How an action ended; each entrance words it its own way (JSON, page). */
typedef enum {
    SRV_OK = 0,
    SRV_NO_SUCH_JOB, /* unknown, or one who may not read (answered as unknown) */
    SRV_NOT_ALLOWED, /* who may read it but not do this (srv_may) */
    SRV_BAD_NUMBER,  /* not a valid identity number (lib/idnum; err->code says why) */
    SRV_OWN_NUMBER,  /* one of the sender's own numbers */
    SRV_WRONG_STATE, /* not held, not cancellable, or not an open exception */
    SRV_NO_DOCUMENT, /* a reprint asked of a letter no longer stored */
    SRV_TOO_OFTEN,   /* over reach_rate */
    SRV_FAR_DOWN,    /* FaR did not answer */
    SRV_FAILED,      /* the store or memory: internal */
} srv_outcome;

/* Job id into *j when who may read it and do action on it (srv_may):
 * SRV_OK, SRV_NO_SUCH_JOB (also when who may not read it; logged),
 * SRV_NOT_ALLOWED, or SRV_FAILED. */
srv_outcome srv_api_lookup(srv *s, const srv_principal *who, const char *id, srv_action action, srv_job *j);
/* A number typed as a recipient: SRV_OK with *id, SRV_BAD_NUMBER with err
 * (MM_ERR_INPUT, a MM_IDNUM_* code), or SRV_OWN_NUMBER with *id. */
srv_outcome srv_api_number(const srv *s, const char *typed, mm_id *id, mm_error *err);
/* Gives held job id the recipient typed (srv_api_number) on behalf of who,
 * journaled with who->actor and source ("api", "web"), then lets it go
 * and waits as srv_api_run_and_wait: SRV_OK, or why not (the number's
 * outcome with *id and err, then srv_api_lookup's with SRV_ACT_COMPLETE,
 * SRV_WRONG_STATE when the job is not waiting for a recipient). */
srv_outcome srv_api_complete(srv *s, const srv_principal *who, const char *id, const char *typed, const char *source,
                             mm_id *number, mm_error *err);
/* Cancels job id (queued or held) on behalf of who, journaled "cancelled
 * through VIA": SRV_OK, srv_api_lookup's outcome with SRV_ACT_CANCEL, or
 * SRV_WRONG_STATE. */
srv_outcome srv_api_cancel(srv *s, const srv_principal *who, const char *id, const char *via);
/* Resolves open exception id (action reprint, handled or cancel: the
 * caller checked it) on behalf of who (srv_resolve): SRV_OK, srv_api_lookup's
 * outcome with SRV_ACT_RESOLVE, SRV_WRONG_STATE, or SRV_NO_DOCUMENT.  A
 * reprinted letter is handed on and waited for. */
srv_outcome srv_api_resolve(srv *s, const srv_principal *who, const char *id, const char *action);
/* The reachability precheck: may who ask (SRV_ACT_PRECHECK), within
 * reach_rate, journaled before FaR is asked (as an event of job_id, "" for
 * none), then FaR's answer for number12 (valid, not the sender's own) in
 * *r: SRV_OK, SRV_NOT_ALLOWED, SRV_TOO_OFTEN with *wait_s, SRV_FAR_DOWN
 * with err, or SRV_FAILED. */
srv_outcome srv_api_reach(srv *s, const srv_principal *who, const char *job_id, const char *number12, mm_reach *r,
                          long *wait_s, mm_error *err);

/* ---- the print room (api_printroom.c, issue 12) ---- */

/* Marks printed letter id posted on behalf of who: srv_api_lookup with
 * SRV_ACT_POST, then printed -> posted (compare-and-set) with posted_ms
 * now and posted_by who->actor, journaled "posted" by who->actor: SRV_OK,
 * lookup's outcomes, or SRV_WRONG_STATE when it is not printed (also when
 * it is posted already). */
srv_outcome srv_api_post(srv *s, const srv_principal *who, const char *id);
/* Every printed letter of print room room (NULL: every room) decided in
 * [from_ms, to_ms) (to_ms 0: no end) that who may post, each as
 * srv_api_post: SRV_OK with *n = how many were marked, or SRV_FAILED. */
srv_outcome srv_api_post_day(srv *s, const srv_principal *who, const char *room, int64_t from_ms, int64_t to_ms,
                             long *n);

/* ---- handlers ---- */

/* api_jobs.c */
enum MHD_Result srv_api_post_job(srv_req *rq, const char *arg);
enum MHD_Result srv_api_list_jobs(srv_req *rq, const char *arg);
enum MHD_Result srv_api_get_job(srv_req *rq, const char *id);
enum MHD_Result srv_api_post_recipient(srv_req *rq, const char *id);
enum MHD_Result srv_api_post_cancel(srv_req *rq, const char *id);
enum MHD_Result srv_api_post_cancel_by_key(srv_req *rq, const char *key);
/* The stored job id answered with status (404/500 when it cannot be read). */
enum MHD_Result srv_api_answer_job(srv *s, struct MHD_Connection *c, const char *id, unsigned status);
/* A job by id for a handler, into *j: 0 found and the requester may read
 * it and do action on it (srv_may); else -1 with *answer queued: 404 when
 * it is not there or the requester may not read it (as if unknown), 403
 * with the text refused when it may read but not do action, or 500. */
int srv_api_find_job(srv_req *rq, const char *id, srv_action action, srv_text refused, srv_job *j,
                     enum MHD_Result *answer);
/* The letter's SHA-256 in hex, as the journal and the API give it. */
void srv_sha256_hex(const void *data, size_t len, char out[65]);
/* Masks every personnummer in a new job's client free text (title,
 * subject, user, host, department, ...): how many were masked.  The
 * single-letter and the batch intake both store jobs so. */
size_t srv_job_mask_client_text(srv_job *j);
/* Hands a stored job (copied) to its stage and waits, at most sync_wait_ms,
 * until it is final or needs a recipient. */
void srv_api_run_and_wait(srv *s, const srv_job *j);

/* api_exceptions.c */
enum MHD_Result srv_api_list_exceptions(srv_req *rq, const char *arg);
enum MHD_Result srv_api_post_resolve(srv_req *rq, const char *id);

/* api_printroom.c: GET /api/v1/printroom, POST /api/v1/jobs/{id}/posted,
 * POST /api/v1/printroom/posted */
enum MHD_Result srv_api_get_printroom(srv_req *rq, const char *arg);
enum MHD_Result srv_api_post_posted(srv_req *rq, const char *id);
enum MHD_Result srv_api_post_day_posted(srv_req *rq, const char *arg);

/* api_reach.c */
enum MHD_Result srv_api_get_reachability(srv_req *rq, const char *number);

/* metrics.c */
enum MHD_Result srv_api_get_metrics(srv_req *rq, const char *arg);

/* api_stats.c: GET /api/v1/stats (SRV_ACT_STATS) */
enum MHD_Result srv_api_get_stats(srv_req *rq, const char *arg);

/* api_batches.c: batch print streams (issue 13, server/batch.h) */
enum MHD_Result srv_api_post_batch(srv_req *rq, const char *arg);
enum MHD_Result srv_api_list_batches(srv_req *rq, const char *arg);
enum MHD_Result srv_api_get_batch(srv_req *rq, const char *id);
enum MHD_Result srv_api_post_batch_cancel(srv_req *rq, const char *id);
/* Batch id into *out when who may read it (srv_may SRV_ACT_READ on a view
 * with the batch's client and user) and do action on it: SRV_OK,
 * SRV_NO_SUCH_JOB (no such batch, or who may not read it; logged),
 * SRV_NOT_ALLOWED, or SRV_FAILED.  The web pages use it too. */
srv_outcome srv_api_batch_lookup(srv *s, const srv_principal *who, const char *id, srv_action action,
                                 srv_batch *out);
/* The batch report (doc/api.md): {"id","state","reason","message",
 * "letters","counts",...,"items":[...]} (items only when with_items), a
 * new reference, NULL on a store error. */
json_t *srv_batch_json(srv *s, const srv_batch *b, int with_items);
/* Cancels held batch id on behalf of who: SRV_OK, lookup's outcomes with
 * SRV_ACT_CANCEL, SRV_WRONG_STATE when it is not held. */
srv_outcome srv_api_batch_cancel(srv *s, const srv_principal *who, const char *id);

#endif
