/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal of mmprintd, for people (DESIGN "Two entrances, one set of
 * rules"; mmprintd(8) "THE WEB PORTAL"): a second listener (web_listen) with
 * server TLS only, a login (local accounts or PAM), sessions in memory,
 * server-rendered Swedish HTML pages and a little JSON for the script that
 * keeps them up to date.
 *
 * HOW TO ADD A PAGE OR A ROUTE (the letters helper's /behover, /brev/{id}...,
 * /hantera in server/web_letters.c; anyone's next page):
 *
 *  1. Write the handler in your own file server/web_NAME.c (add it to
 *     server/local.mk beside web_brev.c) and declare it in this header under
 *     "handlers", e.g.
 *         enum MHD_Result srv_web_get_held(srv_web_req *rq, const char *arg);
 *  2. Add ONE line per route to routes[] in server/web_routes.c:
 *         {"GET", "/brev/ *", SRV_WEB_SESSION | SRV_WEB_JOB_ID, SRV_ACT_READ, srv_web_get_letter},
 *         {"POST", "/brev/ * /skicka", SRV_WEB_SESSION | SRV_WEB_CSRF | SRV_WEB_JOB_ID, SRV_ACT_COMPLETE, ...},
 *     (without the blanks around "*": a "*" is one path segment, "**" at the
 *     end the rest; the matched text is the handler's arg).  The first
 *     matching line wins, so put "/brev.json" before "/brev/ *".
 *     - SRV_WEB_SESSION: a person must be signed in.  Without a session a
 *       page answers 303 to /logga-in, SRV_WEB_JSON routes 401 JSON; an
 *       expired session goes to /logga-in?utloggad=1 ("Du har loggats ut").
 *     - SRV_WEB_CSRF: the session's CSRF token must come as the form field
 *       "csrf" or the header X-CSRF-Token (every POST that changes anything
 *       must have it; the dispatcher refuses with the 403 page "Formuläret
 *       har gått ut..." before your handler runs).
 *     - SRV_WEB_JSON: refusals are JSON ({"error", "message"}), not pages.
 *     - SRV_WEB_JOB_ID: the "*" must be a job id (else the 404 page
 *       "Brevet finns inte").
 *     - action: what srv_may is asked with job NULL before the handler runs
 *       (refused: the 403 page "Du har inte behörighet..."), SRV_ACT_NONE_WEB
 *       for none.  For one job, ask again yourself with the job:
 *       srv_web_find_job() answers 404 "Brevet finns inte" for a job the
 *       person may not read or act on, as if it did not exist.
 *  3. Build the page with the HTML builder below (srv_html_*: every text
 *     from outside goes through srv_html_esc) into an mm_buf and answer
 *     with srv_web_page(rq, 200, "Title", body): the shell (lang="sv", skip
 *     link, header, nav "Huvudmeny", main, the one h1 = title) is added.
 *     A form that changes something carries srv_web_csrf_field(rq, &b).
 *     Journal every action with the person: srv_transition_as(...,
 *     rq->who->actor) for a job, srv_store_audit(rq->s->store,
 *     rq->who->actor, ...) for anything else.
 *  4. Swedish fixed texts go to server/texts.c's table (srv_sv), the
 *     portal's under "the web portal".
 *
 * Security headers (CSP without inline script or style, nosniff,
 * Referrer-Policy, Cache-Control: no-store, HSTS) are added to every answer
 * by srv_web_send; static files (web/, /static/NAME) are cached long and
 * referred to with ?v=VERSION.
 *
 * Sessions live in memory only: a restart of mmprintd signs everybody out
 * (the next page says "Du har loggats ut"). */
#ifndef MMPRINTD_WEB_H
#define MMPRINTD_WEB_H

#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include <jansson.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "mmprintd.h"

/* ---- sessions (web_session.c) ---- */

#define SRV_WEB_COOKIE "__Host-mmprint"

/* What a request sees of its session: a copy, no lock held. */
typedef struct {
    int found;          /* the cookie named a live session (signed in or not) */
    int expired;        /* the cookie named one that is gone or timed out */
    char login[128];    /* "" before login (the login form's pre-session) */
    srv_role role;
    char csrf[65];      /* the session's CSRF token (hex) */
} srv_web_session;

typedef struct srv_web_sessions srv_web_sessions;

/* A table of at most max sessions, idle_s and max_s their timeouts: a new
 * handle, or NULL (out of memory). */
srv_web_sessions *srv_web_sessions_new(long idle_s, long max_s, size_t max);
void srv_web_sessions_free(srv_web_sessions *t);
/* A new session (login "" for the login form's pre-session) with fresh
 * random token and CSRF token: token (64 hex + NUL) is what the cookie
 * carries; only its SHA-256 is kept.  0, or -1 (no randomness). */
int srv_web_session_create(srv_web_sessions *t, const char *login, srv_role role, char token[65],
                           srv_web_session *out);
/* The session of a cookie's token at monotonic now_ms into *out (touching
 * it: the idle timeout starts again): 0 found, -1 not (out->expired set
 * when it timed out, a token of the right form that names nothing included). */
int srv_web_session_find(srv_web_sessions *t, const char *token, int64_t now_ms, srv_web_session *out);
/* Ends the token's session (logout); nothing when there is none. */
void srv_web_session_end(srv_web_sessions *t, const char *token);
/* Ends every session of login (an account deleted).  Returns how many. */
size_t srv_web_sessions_end_login(srv_web_sessions *t, const char *login);
/* Constant-time comparison of two NUL-terminated tokens: 1 equal. */
int srv_web_token_equal(const char *a, const char *b);

/* ---- accounts and passwords (web_account.c) ---- */

/* A yescrypt hash of password (crypt_gensalt "$y$", random salt) into out:
 * 0, or -1 with err. */
int srv_web_password_hash(const char *password, char *out, size_t size, mm_error *err);
/* Does password match hash (crypt(3) output)?  1 yes, 0 no (also for a
 * malformed hash).  The comparison is constant-time. */
int srv_web_password_check(const char *password, const char *hash);
/* Who login is, with password: 1 and *role set when the password is right
 * and the person has a role (local account, or PAM with web_pam), 0 not,
 * -1 the check itself failed (database, PAM).  An unknown name costs as
 * much time as a known one (a dummy hash is checked). */
int srv_web_authenticate(srv *s, const char *login, const char *password, srv_role *role);
/* The role of PAM groups: the first role of web_pam_roles ("role:GROUP,...")
 * whose group login is a member of (getgrouplist), SRV_ROLE_NONE if none. */
srv_role srv_web_pam_role(const char *roles, const char *login);

/* ---- the listener (web.c) ---- */

/* The portal's state beside MHD (s->web). */
struct srv_web {
    struct MHD_Daemon *daemon;
    struct srv_connlimit *limit;     /* header timeout, request rate per IP (connlimit.h) */
    struct srv_rate *login_ip, *login_user; /* login attempts per IP, per user name */
    srv_web_sessions *sessions;
    char *pem[2];                    /* certificate and key, kept while MHD runs */
    char dummy_hash[256];            /* checked for unknown names (timing) */
};

/* Starts the portal on web_listen (nothing when it is ""): 0, or -1 with err. */
int srv_web_start(srv *s, mm_error *err);
/* Stops it (requests in progress finish first) and frees s->web. */
void srv_web_stop(srv *s);

/* ---- one request as the handlers see it ---- */

typedef struct {
    srv *s;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const char *body;       /* the request body (a form), NULL when empty */
    size_t body_len;
    char peer[64];          /* the client's IP address */
    const char *token;      /* the session cookie's token, NULL without one */
    srv_web_session session;
    const srv_principal *who; /* the person (kind NONE without a login) */
    char set_cookie[200];   /* a Set-Cookie for the answer (login, logout), "" none */
} srv_web_req;

typedef enum MHD_Result (*srv_web_handler)(srv_web_req *rq, const char *arg);

/* ---- the route table (web_routes.c) ---- */

enum {
    SRV_WEB_PUBLIC = 0,
    SRV_WEB_SESSION = 1, /* a signed-in person */
    SRV_WEB_CSRF = 2,    /* the session's CSRF token in the form or X-CSRF-Token */
    SRV_WEB_JSON = 4,    /* refusals as JSON */
    SRV_WEB_JOB_ID = 8,  /* the "*" is a job id */
};
/* "No srv_may question" in a route's action column. */
#define SRV_ACT_NONE_WEB ((srv_action)-1)

/* Finds the route of the request and runs it with its checks. */
enum MHD_Result srv_web_dispatch(srv_web_req *rq);

/* ---- answers and the HTML builder (web_html.c) ---- */

/* Appends text HTML-escaped (& < > " ') to b. */
void srv_html_esc(mm_buf *b, const char *text);
/* Appends markup as it is (never text from outside). */
void srv_html_raw(mm_buf *b, const char *markup);
/* ms as the server's local time (the pages' clock) into out:
 * "HH:MM", "YYYY-MM-DD" or "YYYY-MM-DD HH:MM". */
typedef enum { SRV_TIME_HHMM, SRV_TIME_DAY, SRV_TIME_DAY_HHMM } srv_time_form;
void srv_html_local_time(int64_t ms, srv_time_form form, char *out, size_t size);
/* The hidden form field of the session's CSRF token. */
void srv_web_csrf_field(const srv_web_req *rq, mm_buf *b);
/* The value of form field name in the request's body
 * (application/x-www-form-urlencoded), decoded, into out: 0, or -1 (out
 * "") when absent or too long. */
int srv_web_form(const srv_web_req *rq, const char *name, char *out, size_t size);

/* Queues resp with the portal's security headers; cache_static: long
 * caching (static files), else Cache-Control: no-store.  resp destroyed. */
enum MHD_Result srv_web_send(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp, int cache_static);
/* A page: title (the one h1 and the <title>) and body (its HTML, consumed)
 * in the shell; the nav is shown to a signed-in person. */
enum MHD_Result srv_web_page(srv_web_req *rq, unsigned status, const char *title, mm_buf *body);
/* A signed-in person's start page: the print room's list for utskrift,
 * the statistics for statistik, else the first page of the main menu
 * srv_may lets them open ("/brev"); NULL when none. */
const char *srv_web_home(const srv *s, const srv_principal *who);
/* A page with one paragraph of text (a refusal, an error). */
enum MHD_Result srv_web_message(srv_web_req *rq, unsigned status, const char *title, const char *text);
/* 303 See Other to location (a path of ours).  Pages and redirects carry
 * rq->set_cookie when set. */
enum MHD_Result srv_web_redirect(srv_web_req *rq, const char *location);
/* JSON (o consumed). */
enum MHD_Result srv_web_json(srv_web_req *rq, unsigned status, json_t *o);
/* The job id for a handler, into *j: 0 when it exists and the person may
 * do action on it (srv_may); else -1 with *answer queued: the 404 page
 * "Brevet finns inte" (also for another person's letter), or 500. */
int srv_web_find_job(srv_web_req *rq, const char *id, srv_action action, srv_job *j, enum MHD_Result *answer);

/* ---- handlers ---- */

/* web_login.c: /, /logga-in, /logga-ut */
enum MHD_Result srv_web_get_root(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_get_login(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_post_login(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_post_logout(srv_web_req *rq, const char *arg);
/* web_static.c: /static/NAME from web_assets */
enum MHD_Result srv_web_get_static(srv_web_req *rq, const char *name);
/* web_brev.c: "Mina brev" */
enum MHD_Result srv_web_get_letters(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_get_letters_json(srv_web_req *rq, const char *arg);

/* web_letters.c: "Behöver mottagare" (/behover), one letter (/brev/{id}
 * and its preview, preflight, Skicka, Makulera), "Att hantera" (/hantera,
 * the letter's PDF, Markera som hanterat) */
enum MHD_Result srv_web_get_held(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_get_letter(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_get_preview(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_get_check(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_post_send(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_post_cancel(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_get_exceptions(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_get_document(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_post_handled(srv_web_req *rq, const char *id);

/* web_batch.c: "Massutskick" (/massutskick, /massutskick/{id}, its
 * exception list undantag.pdf and undantag.csv, Makulera massutskicket) */
enum MHD_Result srv_web_get_batches(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_get_batch(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_get_batch_pdf(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_get_batch_csv(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_post_batch_cancel(srv_web_req *rq, const char *id);

/* web_printroom.c: "Utskriftsrummet" (/utskrift), Markera som postad (one,
 * the whole day), Skriv ut igen, the day's list as PDF and CSV */
enum MHD_Result srv_web_get_printroom(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_post_printroom_one(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_post_printroom_day(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_post_printroom_reprint(srv_web_req *rq, const char *id);
enum MHD_Result srv_web_get_printroom_pdf(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_get_printroom_csv(srv_web_req *rq, const char *arg);
/* web_stats.c: "Statistik" (/statistik, /statistik.csv; SRV_ACT_STATS) */
enum MHD_Result srv_web_get_stats(srv_web_req *rq, const char *arg);
enum MHD_Result srv_web_get_stats_csv(srv_web_req *rq, const char *arg);
/* web_model.c: "Nyttomodell", the benefit model beside the realised figures */
enum MHD_Result srv_web_get_model(srv_web_req *rq, const char *arg);

/* web_users.c: the admin API's /api/v1/users (api.h's srv_req) */
enum MHD_Result srv_web_api_add_user(srv_req *rq, const char *arg);
enum MHD_Result srv_web_api_list_users(srv_req *rq, const char *arg);
enum MHD_Result srv_web_api_del_user(srv_req *rq, const char *name);

#endif
