/* SPDX-License-Identifier: EUPL-1.2 */
/* The routes of the web portal (see web.h "HOW TO ADD A PAGE"): one table
 * of method + path pattern, what each needs (a session, the CSRF token)
 * and what srv_may is asked before its handler runs; and the refusals,
 * the same for every page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

typedef struct {
    const char *method;
    const char *pattern;
    unsigned flags;     /* SRV_WEB_* */
    srv_action action;  /* asked with job NULL before the handler; SRV_ACT_NONE_WEB: none */
    srv_web_handler fn;
} web_route;

#define S SRV_WEB_SESSION
#define C SRV_WEB_CSRF
#define J SRV_WEB_JSON
#define ID SRV_WEB_JOB_ID
#define NONE SRV_ACT_NONE_WEB

/* The first line that matches wins: "/brev.json" before "/brev/ *". */
static const web_route routes[] = {
    {"GET", "/", SRV_WEB_PUBLIC, NONE, srv_web_get_root},
    {"GET", "/static/*", SRV_WEB_PUBLIC, NONE, srv_web_get_static},
    {"GET", "/logga-in", SRV_WEB_PUBLIC, NONE, srv_web_get_login},
    /* Its CSRF token is the login form's pre-session's (login CSRF). */
    {"POST", "/logga-in", C, NONE, srv_web_post_login},
    {"POST", "/logga-ut", S | C, NONE, srv_web_post_logout},
    {"GET", "/brev", S, SRV_ACT_LIST, srv_web_get_letters},
    {"GET", "/brev.json", S | J, SRV_ACT_LIST, srv_web_get_letters_json},
    /* web_letters.c: Behöver mottagare, one letter, Att hantera (srv_may per letter in the handlers) */
    {"GET", "/behover", S, SRV_ACT_LIST, srv_web_get_held},
    {"GET", "/brev/*/forhandsvisning.png", S | ID, NONE, srv_web_get_preview},
    {"GET", "/brev/*/kontroll", S | J | ID, SRV_ACT_PRECHECK, srv_web_get_check},
    {"POST", "/brev/*/skicka", S | C | ID, NONE, srv_web_post_send},
    {"POST", "/brev/*/makulera", S | C | ID, NONE, srv_web_post_cancel},
    {"GET", "/brev/*/dokument.pdf", S | ID, NONE, srv_web_get_document},
    {"POST", "/brev/*/hanterad", S | C | ID, NONE, srv_web_post_handled},
    {"GET", "/brev/*", S | ID, NONE, srv_web_get_letter},
    {"GET", "/hantera", S, SRV_ACT_SEE_EXCEPTIONS, srv_web_get_exceptions},
    /* web_printroom.c: Utskriftsrummet.  POST with job NULL is no one's (a
     * letter decides), so the routes ask PRINTROOM and the srv_api_*
     * functions ask POST or RESOLVE of each letter. */
    {"GET", "/utskrift", S, SRV_ACT_PRINTROOM, srv_web_get_printroom},
    {"GET", "/utskrift/dagslista.pdf", S, SRV_ACT_PRINTROOM, srv_web_get_printroom_pdf},
    {"GET", "/utskrift/dagslista.csv", S, SRV_ACT_PRINTROOM, srv_web_get_printroom_csv},
    {"POST", "/utskrift/postad", S | C, SRV_ACT_PRINTROOM, srv_web_post_printroom_day},
    {"POST", "/utskrift/*/postad", S | C | ID, SRV_ACT_PRINTROOM, srv_web_post_printroom_one},
    {"POST", "/utskrift/*/skriv-ut-igen", S | C | ID, SRV_ACT_PRINTROOM, srv_web_post_printroom_reprint},
    /* web_batch.c: Massutskick.  Who may see one batch: srv_may READ on
     * the batch's client and user, asked by the server's batch lookup. */
    {"GET", "/massutskick", S, SRV_ACT_LIST, srv_web_get_batches},
    {"GET", "/massutskick/*/undantag.pdf", S, SRV_ACT_LIST, srv_web_get_batch_pdf},
    {"GET", "/massutskick/*/undantag.csv", S, SRV_ACT_LIST, srv_web_get_batch_csv},
    {"GET", "/massutskick/*", S, SRV_ACT_LIST, srv_web_get_batch},
    {"POST", "/massutskick/*/makulera", S | C, SRV_ACT_LIST, srv_web_post_batch_cancel},
    /* web_stats.c: Statistik (counts only, no letter) */
    {"GET", "/statistik", S, SRV_ACT_STATS, srv_web_get_stats},
    {"GET", "/statistik.csv", S, SRV_ACT_STATS, srv_web_get_stats_csv},
    /* web_model.c: the benefit model */
    {"GET", "/nyttomodell", S, SRV_ACT_STATS, srv_web_get_model},
};

#undef S
#undef C
#undef J
#undef ID
#undef NONE

/* The CSRF token a POST carries: the form field csrf or X-CSRF-Token. */
static int csrf_ok(const srv_web_req *rq)
{
    char form[80];
    const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (!h && !srv_web_form(rq, "csrf", form, sizeof form))
        h = form;
    return h && rq->session.found && srv_web_token_equal(rq->session.csrf, h);
}

static enum MHD_Result refuse_json(srv_web_req *rq, unsigned status, const char *error, srv_text text)
{
    return srv_web_json(rq, status, json_pack("{s:s, s:s}", "error", error, "message", srv_sv(text)));
}

/* Without a signed-in session: to the login page, which says "Du har
 * loggats ut" when the cookie named a session that is gone. */
static enum MHD_Result not_signed_in(srv_web_req *rq, unsigned flags)
{
    if (flags & SRV_WEB_JSON)
        return refuse_json(rq, 401, "not-signed-in", rq->token ? SRV_SV_WEB_LOGGED_OUT : SRV_SV_WEB_NOT_SIGNED_IN);
    return srv_web_redirect(rq, rq->token && !rq->session.found ? "/logga-in?utloggad=1" : "/logga-in");
}

enum MHD_Result srv_web_dispatch(srv_web_req *rq)
{
    int path_known = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const web_route *r = &routes[i];
        const char *a;
        size_t n;
        if (!srv_api_route_match(r->pattern, rq->url, &a, &n))
            continue;
        path_known = 1;
        if (strcmp(r->method, rq->method))
            continue;
        int signed_in = rq->who->kind == SRV_PRINCIPAL_PERSON;
        if ((r->flags & SRV_WEB_SESSION) && !signed_in)
            return not_signed_in(rq, r->flags);
        if ((r->flags & SRV_WEB_CSRF) && !csrf_ok(rq))
            return r->flags & SRV_WEB_JSON ? refuse_json(rq, 403, "csrf", SRV_SV_WEB_CSRF)
                                           : srv_web_message(rq, 403, "Formuläret har gått ut", srv_sv(SRV_SV_WEB_CSRF));
        if ((r->flags & SRV_WEB_JOB_ID) && !srv_api_job_id_valid(a, n))
            return r->flags & SRV_WEB_JSON ? refuse_json(rq, 404, "not-found", SRV_SV_WEB_NO_LETTER)
                                           : srv_web_message(rq, 404, "Brevet finns inte", srv_sv(SRV_SV_WEB_NO_LETTER));
        if (r->action != SRV_ACT_NONE_WEB && !srv_may(rq->s, rq->who, r->action, NULL))
            return r->flags & SRV_WEB_JSON ? refuse_json(rq, 403, "forbidden", SRV_SV_WEB_FORBIDDEN)
                                           : srv_web_message(rq, 403, "Ingen behörighet", srv_sv(SRV_SV_WEB_FORBIDDEN));
        char *arg = strndup(a, n);
        if (!arg)
            return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
        enum MHD_Result ret = r->fn(rq, arg);
        free(arg);
        return ret;
    }
    if (path_known)
        return srv_web_message(rq, 405, "Fel metod", srv_sv(SRV_SV_METHOD));
    return srv_web_message(rq, 404, "Sidan finns inte", srv_sv(SRV_SV_WEB_NOT_FOUND));
}
