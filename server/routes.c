/* SPDX-License-Identifier: EUPL-1.2 */
/* The routes of the job API (doc/api.md): one table of method + path
 * pattern -> handler, and the 404/405 answers for what it does not hold. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "web.h"

/* A pattern's "*" is one path segment (no '/', may be empty), "**" at the
 * end is the rest of the path; the matched text is the handler's arg. */
enum { ARG_ANY, ARG_JOB_ID, ARG_KEY };
/* A longer Idempotency-Key in the path is no route at all (the handler
 * refuses any over 128 characters as malformed). */
#define KEY_MAX 130

typedef struct {
    const char *method;
    const char *pattern;
    int arg;             /* what the "*" must be before anything else is looked at */
    srv_handler fn;
} route;

static enum MHD_Result get_healthz(srv_req *rq, const char *arg);

static const route routes[] = {
    {"GET", "/healthz", ARG_ANY, get_healthz},
    {"GET", "/metrics", ARG_ANY, srv_api_get_metrics},
    {"POST", "/api/v1/jobs", ARG_ANY, srv_api_post_job},
    {"GET", "/api/v1/jobs", ARG_ANY, srv_api_list_jobs},
    {"POST", "/api/v1/jobs/by-key/*/cancel", ARG_KEY, srv_api_post_cancel_by_key},
    {"GET", "/api/v1/jobs/*", ARG_JOB_ID, srv_api_get_job},
    {"POST", "/api/v1/jobs/*/recipient", ARG_JOB_ID, srv_api_post_recipient},
    {"POST", "/api/v1/jobs/*/cancel", ARG_JOB_ID, srv_api_post_cancel},
    {"POST", "/api/v1/jobs/*/resolve", ARG_JOB_ID, srv_api_post_resolve},
    {"GET", "/api/v1/exceptions", ARG_ANY, srv_api_list_exceptions},
    {"GET", "/api/v1/reachability/**", ARG_ANY, srv_api_get_reachability},
    /* The print room (api_printroom.c, issue 12). */
    {"GET", "/api/v1/printroom", ARG_ANY, srv_api_get_printroom},
    {"POST", "/api/v1/printroom/posted", ARG_ANY, srv_api_post_day_posted},
    {"POST", "/api/v1/jobs/*/posted", ARG_JOB_ID, srv_api_post_posted},
    {"GET", "/api/v1/stats", ARG_ANY, srv_api_get_stats},
    /* The web portal's local accounts (web_users.c): the admin tool's. */
    {"POST", "/api/v1/users", ARG_ANY, srv_web_api_add_user},
    {"GET", "/api/v1/users", ARG_ANY, srv_web_api_list_users},
    {"DELETE", "/api/v1/users/*", ARG_ANY, srv_web_api_del_user},
    /* Batch print streams (api_batches.c, issue 13). */
    {"POST", "/api/v1/batches", ARG_ANY, srv_api_post_batch},
    {"GET", "/api/v1/batches", ARG_ANY, srv_api_list_batches},
    {"GET", "/api/v1/batches/*", ARG_JOB_ID, srv_api_get_batch},
    {"POST", "/api/v1/batches/*/cancel", ARG_JOB_ID, srv_api_post_batch_cancel},
};

static enum MHD_Result get_healthz(srv_req *rq, const char *arg)
{
    (void)arg;
    if (atomic_load(&rq->s->draining))
        return srv_respond_text(rq->conn, 503, "text/plain", strdup("draining\n"));
    return srv_respond_text(rq->conn, 200, "text/plain", strdup("ok\n"));
}

int srv_api_job_id_valid(const char *id, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isxdigit((unsigned char)id[i]) || id[i] == '-'))
            return 0;
    return 1;
}

int srv_api_route_match(const char *pattern, const char *url, const char **arg, size_t *arg_len)
{
    *arg = "";
    *arg_len = 0;
    while (*pattern) {
        if (!strcmp(pattern, "**")) {
            *arg = url;
            *arg_len = strlen(url);
            return 1;
        }
        if (*pattern == '*') {
            size_t n = strcspn(url, "/");
            *arg = url;
            *arg_len = n;
            url += n;
            pattern++;
            continue;
        }
        if (*pattern++ != *url++)
            return 0;
    }
    return *url == 0;
}

/* The 404 of a path no route holds: under /api/v1/jobs/ a malformed job id
 * says the job is not there. */
static enum MHD_Result not_found(srv_req *rq, const char *url)
{
    const char *jobs = "/api/v1/jobs/", *by_key = "/api/v1/jobs/by-key/";
    if (!strncmp(url, jobs, strlen(jobs)) && strncmp(url, by_key, strlen(by_key))) {
        const char *id = url + strlen(jobs);
        if (!srv_api_job_id_valid(id, strcspn(id, "/")))
            return srv_respond_error(rq->conn, 404, "not-found", SRV_SV_JOB_NOT_FOUND);
    }
    return srv_respond_error(rq->conn, 404, "not-found", SRV_SV_NOT_FOUND);
}

enum MHD_Result srv_api_dispatch(srv_req *rq, const char *url, const char *method)
{
    int path_known = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const route *r = &routes[i];
        const char *a;
        size_t n;
        if (!srv_api_route_match(r->pattern, url, &a, &n))
            continue;
        /* The path's variable part is checked before the method: a
         * malformed job id is 404 whatever the method. */
        if ((r->arg == ARG_JOB_ID && !srv_api_job_id_valid(a, n)) || (r->arg == ARG_KEY && n >= KEY_MAX))
            return not_found(rq, url);
        path_known = 1;
        if (strcmp(r->method, method))
            continue;
        char *arg = strndup(a, n);
        if (!arg)
            return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
        enum MHD_Result ret = r->fn(rq, arg);
        free(arg);
        return ret;
    }
    return path_known ? srv_respond_error(rq->conn, 405, "method", SRV_SV_METHOD) : not_found(rq, url);
}
