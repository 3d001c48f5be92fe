/* SPDX-License-Identifier: EUPL-1.2 */
/* Signing in and out of the web portal (see web.h): the login form with
 * its own CSRF token (a pre-session, so that nobody can sign a person in
 * as someone else from another site), throttling per IP and per user
 * name, a new session token at every login, and the journal's record of
 * every login, failed login and logout (no password, ever). */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "log.h"
#include "rate.h"
#include "text.h"
#include "web.h"

static void set_cookie(srv_web_req *rq, const char *token)
{
    /* __Host-: only over HTTPS, for this host and path "/" alone. */
    snprintf(rq->set_cookie, sizeof rq->set_cookie, SRV_WEB_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict%s",
             token, token[0] ? "" : "; Max-Age=0");
}

/* An audit event of the person (actor "person:LOGIN"). */
static void audit(srv_web_req *rq, const char *login, const char *event, const char *detail)
{
    char actor[300];
    mm_error err;
    snprintf(actor, sizeof actor, "person:%s", login);
    if (srv_store_audit(rq->s->store, actor, event, detail, &err))
        mm_log(MM_LOG_ERROR, "web: cannot journal %s of %s: %s", event, login, err.msg);
}

enum MHD_Result srv_web_get_root(srv_web_req *rq, const char *arg)
{
    (void)arg;
    if (rq->who->kind == SRV_PRINCIPAL_PERSON) {
        const char *home = srv_web_home(rq->s, rq->who);
        return home ? srv_web_redirect(rq, home)
                    : srv_web_message(rq, 403, "Ingen behörighet", srv_sv(SRV_SV_WEB_FORBIDDEN));
    }
    return srv_web_redirect(rq, rq->token && !rq->session.found ? "/logga-in?utloggad=1" : "/logga-in");
}

/* The login form; error: the Swedish text of #fel, or NULL. */
static enum MHD_Result login_form(srv_web_req *rq, unsigned status, const char *error, const char *name)
{
    mm_buf b = MM_BUF_INIT;
    const char *out = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "utloggad");
    if (out && !error) {
        srv_html_raw(&b, "<p class=\"info\" role=\"status\">");
        srv_html_esc(&b, srv_sv(SRV_SV_WEB_LOGGED_OUT));
        srv_html_raw(&b, "</p>\n");
    }
    srv_html_raw(&b, "<form method=\"post\" action=\"/logga-in\" class=\"inloggning\">\n");
    srv_web_csrf_field(rq, &b);
    if (error) {
        srv_html_raw(&b, "\n<p id=\"fel\" role=\"alert\" class=\"fel\">");
        srv_html_esc(&b, error);
        srv_html_raw(&b, "</p>");
    }
    srv_html_raw(&b, "\n<p><label for=\"anvandare\">Användarnamn</label>\n"
                     "<input id=\"anvandare\" name=\"anvandare\" autocomplete=\"username\" required");
    if (name && name[0]) {
        srv_html_raw(&b, " value=\"");
        srv_html_esc(&b, name);
        srv_html_raw(&b, "\"");
    } else {
        srv_html_raw(&b, " autofocus");
    }
    srv_html_raw(&b, "></p>\n<p><label for=\"losenord\">Lösenord</label>\n"
                     "<input id=\"losenord\" name=\"losenord\" type=\"password\" autocomplete=\"current-password\" "
                     "required");
    if (name && name[0])
        srv_html_raw(&b, " autofocus");
    srv_html_raw(&b, "></p>\n<p><button type=\"submit\">Logga in</button></p>\n</form>\n");
    return srv_web_page(rq, status, "Logga in", &b);
}

enum MHD_Result srv_web_get_login(srv_web_req *rq, const char *arg)
{
    (void)arg;
    if (rq->who->kind == SRV_PRINCIPAL_PERSON)
        return srv_web_redirect(rq, "/");
    if (!rq->session.found) {
        /* The form's pre-session: its CSRF token protects the login itself. */
        char token[65];
        if (srv_web_session_create(rq->s->web->sessions, "", SRV_ROLE_NONE, token, &rq->session))
            return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
        set_cookie(rq, token);
        OPENSSL_cleanse(token, sizeof token);
    }
    return login_form(rq, 200, NULL, NULL);
}

enum MHD_Result srv_web_post_login(srv_web_req *rq, const char *arg)
{
    (void)arg;
    char raw[128], name[128], password[512], detail[300];
    srv_web_form(rq, "anvandare", raw, sizeof raw);
    mm_text_copy_trimmed(name, sizeof name, raw);
    if (srv_web_form(rq, "losenord", password, sizeof password))
        password[0] = 0;
    int64_t now = srv_mono_ms();
    /* Every attempt costs a token of the address and of the name: a
     * guesser is slowed down whichever of the two it varies. */
    long wait_ip = srv_rate_take(rq->s->web->login_ip, rq->peer, now);
    long wait_user = name[0] ? srv_rate_take(rq->s->web->login_user, name, now) : 0;
    enum MHD_Result ret;
    if (wait_ip || wait_user) {
        snprintf(detail, sizeof detail, "login refused: too many attempts (%s), from %s", wait_ip ? "address" : "name",
                 rq->peer);
        audit(rq, name[0] ? name : "?", "login-throttled", detail);
        mm_log(MM_LOG_WARN, "web: %s", detail);
        mm_buf b = MM_BUF_INIT;
        srv_html_raw(&b, "<p id=\"fel\" role=\"alert\" class=\"fel\">");
        srv_html_esc(&b, srv_sv(SRV_SV_WEB_THROTTLED));
        srv_html_raw(&b, "</p>\n<p><a href=\"/logga-in\">Till inloggningen</a></p>\n");
        ret = srv_web_page(rq, 429, "För många försök", &b);
        OPENSSL_cleanse(password, sizeof password);
        return ret;
    }
    srv_role role = SRV_ROLE_NONE;
    int ok = name[0] && password[0] ? srv_web_authenticate(rq->s, name, password, &role) : 0;
    OPENSSL_cleanse(password, sizeof password);
    if (ok < 0)
        return login_form(rq, 503, srv_sv(SRV_SV_WEB_LOGIN_ERROR), name);
    if (!ok) {
        snprintf(detail, sizeof detail, "login failed (wrong name or password, or no role) from %s", rq->peer);
        audit(rq, name[0] ? name : "?", "login-failed", detail);
        return login_form(rq, 401, srv_sv(SRV_SV_WEB_LOGIN_FAILED), name);
    }
    /* A new token at login: a pre-session token someone planted is worth nothing. */
    char token[65];
    srv_web_session_end(rq->s->web->sessions, rq->token);
    if (srv_web_session_create(rq->s->web->sessions, name, role, token, &rq->session))
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    set_cookie(rq, token);
    OPENSSL_cleanse(token, sizeof token);
    srv_principal who;
    srv_auth_person(name, role, &who);
    snprintf(detail, sizeof detail, "login (%s) from %s", rq->s->conf.web_pam ? "PAM" : "local account", rq->peer);
    audit(rq, name, "login", detail);
    mm_log(MM_LOG_INFO, "web: %s signed in from %s", who.actor, rq->peer);
    const char *home = srv_web_home(rq->s, &who);
    return srv_web_redirect(rq, home ? home : "/");
}

enum MHD_Result srv_web_post_logout(srv_web_req *rq, const char *arg)
{
    (void)arg;
    srv_web_session_end(rq->s->web->sessions, rq->token);
    set_cookie(rq, "");
    char detail[100];
    snprintf(detail, sizeof detail, "logout from %s", rq->peer);
    audit(rq, rq->who->name, "logout", detail);
    return srv_web_redirect(rq, "/logga-in?utloggad=1");
}
