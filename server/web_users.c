/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's local accounts on the admin API (doc/api.md "Users"):
 * POST /api/v1/users {"name", "role", "password"}, GET /api/v1/users,
 * DELETE /api/v1/users/NAME, for the admin tool's certificate alone
 * (srv_may SRV_ACT_USERS); each change journaled with its principal. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "log.h"
#include "text.h"
#include "web.h"

/* A login name: what a CUPS user name and a directory account can be,
 * without blanks, slashes or control characters. */
static int name_valid(const char *name)
{
    size_t n = strlen(name);
    return n && n < 128 && mm_text_utf8_valid(name) && !strpbrk(name, " /\\:\t\r\n\"'<>&");
}

enum MHD_Result srv_web_api_add_user(srv_req *rq, const char *arg)
{
    (void)arg;
    if (!srv_may(rq->s, rq->who, SRV_ACT_USERS, NULL))
        return srv_respond_error(rq->conn, 403, "forbidden", SRV_SV_MAY_NOT_USERS);
    srv_user u;
    char password[512];
    memset(&u, 0, sizeof u);
    if (srv_req_json_string(rq, "name", u.name, sizeof u.name) || srv_req_json_string(rq, "role", u.role, sizeof u.role) ||
        srv_req_json_string(rq, "password", password, sizeof password) || !name_valid(u.name) ||
        srv_auth_role(u.role) == SRV_ROLE_NONE || strlen(password) < 8) {
        OPENSSL_cleanse(password, sizeof password);
        return srv_respond_problem(rq->conn, 400, "bad-user",
                                   "name (no blanks or slashes), role (handläggare, utskrift, admin, statistik) and a "
                                   "password of at least 8 characters",
                                   SRV_SV_BAD_USER);
    }
    mm_error err;
    int rc = srv_web_password_hash(password, u.hash, sizeof u.hash, &err);
    OPENSSL_cleanse(password, sizeof password);
    if (rc == 0)
        rc = srv_store_user_add(rq->s->store, &u, rq->who->actor, &err);
    OPENSSL_cleanse(u.hash, sizeof u.hash);
    if (rc < 0) {
        mm_log(MM_LOG_ERROR, "adding account %s: %s", u.name, err.msg);
        return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    }
    if (rc == 1)
        return srv_respond_error(rq->conn, 409, "exists", SRV_SV_USER_EXISTS);
    mm_log(MM_LOG_INFO, "%s added web account %s (%s)", rq->who->actor, u.name, u.role);
    return srv_respond_json(rq->conn, 201, json_pack("{s:s, s:s}", "name", u.name, "role", u.role));
}

static void add_row(const srv_user *u, void *arg)
{
    char when[32];
    srv_iso_time(u->created_ms, when, sizeof when);
    json_array_append_new(arg, json_pack("{s:s, s:s, s:s}", "name", u->name, "role", u->role, "created", when));
}

enum MHD_Result srv_web_api_list_users(srv_req *rq, const char *arg)
{
    (void)arg;
    if (!srv_may(rq->s, rq->who, SRV_ACT_USERS, NULL))
        return srv_respond_error(rq->conn, 403, "forbidden", SRV_SV_MAY_NOT_USERS);
    json_t *a = json_array();
    mm_error err;
    if (!a || srv_store_user_list(rq->s->store, add_row, a, &err)) {
        json_decref(a);
        return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    }
    return srv_respond_json(rq->conn, 200, json_pack("{s:o}", "users", a));
}

enum MHD_Result srv_web_api_del_user(srv_req *rq, const char *name)
{
    if (!srv_may(rq->s, rq->who, SRV_ACT_USERS, NULL))
        return srv_respond_error(rq->conn, 403, "forbidden", SRV_SV_MAY_NOT_USERS);
    mm_error err;
    int rc = name_valid(name) ? srv_store_user_del(rq->s->store, name, rq->who->actor, &err) : 1;
    if (rc < 0)
        return srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL);
    if (rc == 1)
        return srv_respond_error(rq->conn, 404, "not-found", SRV_SV_USER_NOT_FOUND);
    /* Whoever is signed in as the deleted account is signed out now. */
    if (rq->s->web)
        srv_web_sessions_end_login(rq->s->web->sessions, name);
    mm_log(MM_LOG_INFO, "%s deleted web account %s", rq->who->actor, name);
    return srv_respond_json(rq->conn, 200, json_pack("{s:s, s:b}", "name", name, "deleted", 1));
}
