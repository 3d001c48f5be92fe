/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's pieces that need no network (server/web_*.c): HTML
 * escaping and form fields, the sessions (random tokens stored hashed,
 * idle and absolute timeouts, CSRF tokens, logout, an account's sessions
 * ended), and the yescrypt password hashes of the local accounts; the
 * role of PAM groups with the machine's real groups; the store's accounts
 * and "Mina brev"'s query against a real SQLite file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "web.h"

static void escapes_html(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    srv_html_esc(&b, "<script>alert(\"x\" & 'y')</script> åäö");
    assert_string_equal(b.data, "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt; åäö");
    mm_buf_free(&b);
    srv_html_esc(&b, NULL);
    srv_html_raw(&b, "<p>");
    assert_string_equal(b.data, "<p>");
    mm_buf_free(&b);
}

static void reads_form_fields(void **state)
{
    (void)state;
    const char *body = "csrf=ab12&anvandare=anna+b%C3%A5rd&losenord=a%26b%3Dc&tom=&lang=0123456789";
    srv_web_req rq;
    memset(&rq, 0, sizeof rq);
    rq.body = body;
    rq.body_len = strlen(body);
    char v[64];
    assert_int_equal(srv_web_form(&rq, "anvandare", v, sizeof v), 0);
    assert_string_equal(v, "anna bård");
    assert_int_equal(srv_web_form(&rq, "losenord", v, sizeof v), 0);
    assert_string_equal(v, "a&b=c");
    assert_int_equal(srv_web_form(&rq, "tom", v, sizeof v), 0);
    assert_string_equal(v, "");
    assert_int_equal(srv_web_form(&rq, "csr", v, sizeof v), -1); /* a prefix is no name */
    assert_int_equal(srv_web_form(&rq, "saknas", v, sizeof v), -1);
    char small[5];
    assert_int_equal(srv_web_form(&rq, "lang", small, sizeof small), -1); /* too long: refused, not cut */
    assert_string_equal(small, "");
    rq.body = NULL;
    rq.body_len = 0;
    assert_int_equal(srv_web_form(&rq, "csrf", v, sizeof v), -1);
}

static void sessions_and_csrf(void **state)
{
    (void)state;
    srv_web_sessions *t = srv_web_sessions_new(900, 28800, 4);
    assert_non_null(t);
    char tok[65], tok2[65];
    srv_web_session a, b, f;
    assert_int_equal(srv_web_session_create(t, "anna", SRV_ROLE_HANDLAGGARE, tok, &a), 0);
    assert_int_equal(strlen(tok), 64);
    assert_int_equal(strlen(a.csrf), 64);
    assert_string_not_equal(tok, a.csrf);
    assert_int_equal(srv_web_session_create(t, "anna", SRV_ROLE_HANDLAGGARE, tok2, &b), 0);
    assert_string_not_equal(tok, tok2); /* 256 random bits each */
    assert_string_not_equal(a.csrf, b.csrf);
    int64_t now = srv_mono_ms();
    assert_int_equal(srv_web_session_find(t, tok, now, &f), 0);
    assert_string_equal(f.login, "anna");
    assert_int_equal(f.role, SRV_ROLE_HANDLAGGARE);
    assert_string_equal(f.csrf, a.csrf);
    assert_int_equal(srv_web_token_equal(f.csrf, a.csrf), 1);
    assert_int_equal(srv_web_token_equal(f.csrf, b.csrf), 0);
    assert_int_equal(srv_web_token_equal(f.csrf, ""), 0);
    assert_int_equal(srv_web_token_equal("", ""), 0); /* an empty token never matches */
    /* A token of the wrong form, or one of the right form naming nothing. */
    assert_int_equal(srv_web_session_find(t, "xyz", now, &f), -1);
    assert_int_equal(f.expired, 1);
    char other[65];
    memset(other, 'a', 64);
    other[64] = 0;
    assert_int_equal(srv_web_session_find(t, other, now, &f), -1);
    assert_int_equal(srv_web_session_find(t, NULL, now, &f), -1);
    assert_int_equal(f.expired, 0);
    /* Idle timeout: each find touches the session. */
    assert_int_equal(srv_web_session_find(t, tok, now + 800000, &f), 0);
    assert_int_equal(srv_web_session_find(t, tok, now + 1600000, &f), 0);
    assert_int_equal(srv_web_session_find(t, tok, now + 2501000, &f), -1); /* 901 s idle */
    assert_int_equal(f.expired, 1);
    assert_int_equal(srv_web_session_find(t, tok, now + 2501000, &f), -1); /* gone for good */
    /* Absolute timeout: kept busy, still over after web_session_max. */
    int64_t at = now;
    for (int i = 0; i < 40; i++) {
        at += 800000;
        if (at - now > 28800000)
            break;
        assert_int_equal(srv_web_session_find(t, tok2, at, &f), 0);
    }
    assert_int_equal(srv_web_session_find(t, tok2, now + 28801000, &f), -1);
    /* Logout, and an account's sessions ended. */
    assert_int_equal(srv_web_session_create(t, "anna", SRV_ROLE_HANDLAGGARE, tok, &a), 0);
    srv_web_session_end(t, tok);
    assert_int_equal(srv_web_session_find(t, tok, srv_mono_ms(), &f), -1);
    assert_int_equal(srv_web_session_create(t, "bertil", SRV_ROLE_HANDLAGGARE, tok, &a), 0);
    assert_int_equal(srv_web_session_create(t, "bertil", SRV_ROLE_HANDLAGGARE, tok2, &b), 0);
    assert_int_equal(srv_web_session_create(t, "", SRV_ROLE_NONE, other, &b), 0); /* a login form's */
    assert_int_equal(srv_web_sessions_end_login(t, "bertil"), 2);
    assert_int_equal(srv_web_session_find(t, tok2, srv_mono_ms(), &f), -1);
    assert_int_equal(srv_web_session_find(t, other, srv_mono_ms(), &f), 0);
    assert_string_equal(f.login, "");
    srv_web_sessions_free(t);
    srv_web_sessions_free(NULL);
}

/* A full table: the login form, else the session, seen longest ago makes room. */
static void full_table_evicts_oldest(void **state)
{
    (void)state;
    srv_web_sessions *t = srv_web_sessions_new(900, 28800, 2);
    char t1[65], t2[65], t3[65];
    srv_web_session s, f;
    assert_int_equal(srv_web_session_create(t, "a", SRV_ROLE_ADMIN, t1, &s), 0);
    usleep(2000);
    assert_int_equal(srv_web_session_create(t, "b", SRV_ROLE_ADMIN, t2, &s), 0);
    usleep(2000);
    assert_int_equal(srv_web_session_find(t, t1, srv_mono_ms(), &f), 0); /* a is now the newest seen */
    assert_int_equal(srv_web_session_create(t, "c", SRV_ROLE_ADMIN, t3, &s), 0);
    assert_int_equal(srv_web_session_find(t, t2, srv_mono_ms(), &f), -1);
    assert_int_equal(srv_web_session_find(t, t1, srv_mono_ms(), &f), 0);
    assert_int_equal(srv_web_session_find(t, t3, srv_mono_ms(), &f), 0);
    /* A login form's pre-session goes before any signed-in session. */
    char p1[65], p2[65];
    assert_int_equal(srv_web_session_create(t, "", SRV_ROLE_NONE, p1, &s), 0); /* evicts a (seen longer ago) */
    assert_int_equal(srv_web_session_find(t, t3, srv_mono_ms(), &f), 0);
    assert_int_equal(srv_web_session_create(t, "", SRV_ROLE_NONE, p2, &s), 0); /* evicts the form p1, not c */
    assert_int_equal(srv_web_session_find(t, p1, srv_mono_ms(), &f), -1);
    assert_int_equal(srv_web_session_find(t, t3, srv_mono_ms(), &f), 0);
    assert_int_equal(srv_web_session_find(t, p2, srv_mono_ms(), &f), 0);
    srv_web_sessions_free(t);
}

static void yescrypt_passwords(void **state)
{
    (void)state;
    char h1[256], h2[256];
    mm_error err;
    assert_int_equal(srv_web_password_hash("Rätt lösen 1", h1, sizeof h1, &err), 0);
    assert_int_equal(strncmp(h1, "$y$", 3), 0);
    assert_null(strstr(h1, "Rätt"));
    assert_int_equal(srv_web_password_hash("Rätt lösen 1", h2, sizeof h2, &err), 0);
    assert_string_not_equal(h1, h2); /* a random salt each time */
    assert_int_equal(srv_web_password_check("Rätt lösen 1", h1), 1);
    assert_int_equal(srv_web_password_check("Rätt lösen 1", h2), 1);
    assert_int_equal(srv_web_password_check("rätt lösen 1", h1), 0);
    assert_int_equal(srv_web_password_check("", h1), 0);
    assert_int_equal(srv_web_password_check("Rätt lösen 1", ""), 0);
    assert_int_equal(srv_web_password_check("Rätt lösen 1", "$y$trasig"), 0);
    assert_int_equal(srv_web_password_check("x", "*"), 0);
    char tiny[8];
    assert_int_equal(srv_web_password_hash("x", tiny, sizeof tiny, &err), -1);
}

/* web_pam_roles against the machine's own users and groups: root is in
 * group root (gid 0). */
static void pam_roles_by_group(void **state)
{
    (void)state;
    struct group *g = getgrgid(0);
    assert_non_null(g);
    char roles[200];
    snprintf(roles, sizeof roles, "admin:no-such-group-x, statistik : %s ,handläggare:%s", g->gr_name, g->gr_name);
    assert_int_equal(srv_web_pam_role(roles, "root"), SRV_ROLE_STATISTIK); /* the first that matches */
    assert_int_equal(srv_web_pam_role("handläggare:no-such-group-x", "root"), SRV_ROLE_NONE);
    assert_int_equal(srv_web_pam_role(roles, "no-such-user-x"), SRV_ROLE_NONE);
    snprintf(roles, sizeof roles, "chef:%s", g->gr_name);
    assert_int_equal(srv_web_pam_role(roles, "root"), SRV_ROLE_NONE); /* no such role */
    assert_int_equal(srv_web_pam_role("", "root"), SRV_ROLE_NONE);
}

static void count_row(const srv_job *j, void *arg)
{
    (void)j;
    (*(int *)arg)++;
}

static void first_title(const srv_job *j, void *arg)
{
    char *out = arg;
    if (!out[0])
        snprintf(out, 64, "%.60s", j->title);
}

/* The store's side: accounts (unique names, journaled) and "Mina brev"'s
 * query (one person's, by title and dates, newest first, a limit). */
static void store_accounts_and_letters(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_web.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/db", dir);
    mm_error err;
    srv_store *st = srv_store_open(path, &err);
    assert_non_null(st);
    srv_user u, got;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "anna");
    snprintf(u.role, sizeof u.role, "handläggare");
    snprintf(u.hash, sizeof u.hash, "$y$hash");
    assert_int_equal(srv_store_user_add(st, &u, "C=SE,CN=admin", &err), 0);
    assert_int_equal(srv_store_user_add(st, &u, "C=SE,CN=admin", &err), 1); /* once */
    assert_int_equal(srv_store_user_get(st, "anna", &got, &err), 0);
    assert_string_equal(got.hash, "$y$hash");
    assert_string_equal(got.role, "handläggare");
    assert_int_equal(srv_store_user_get(st, "bertil", &got, &err), 1);
    assert_int_equal(srv_store_audit(st, "person:anna", "login", "login from 127.0.0.1", &err), 0);
    int64_t base = 1700000000000;
    for (int i = 0; i < 30; i++) {
        srv_job j;
        memset(&j, 0, sizeof j);
        snprintf(j.id, sizeof j.id, "00000000-0000-0000-0000-%012d", i);
        snprintf(j.user, sizeof j.user, "%s", i % 3 ? "anna" : "bertil");
        snprintf(j.title, sizeof j.title, "%s %d", i % 2 ? "Beslut" : "Kallelse", i);
        j.state = SRV_JSTATE_DELIVERED;
        j.created_ms = j.updated_ms = base + (int64_t)i * 86400000;
        assert_int_equal(srv_store_insert(st, &j, "", "%PDF", 4, &err), 0);
    }
    int n = 0;
    assert_int_equal(srv_store_letters(st, "anna", NULL, 0, 0, 100, count_row, &n, &err), 0);
    assert_int_equal(n, 20);
    n = 0;
    assert_int_equal(srv_store_letters(st, NULL, NULL, 0, 0, 100, count_row, &n, &err), 0);
    assert_int_equal(n, 30);
    n = 0;
    assert_int_equal(srv_store_letters(st, "anna", "kallelse", 0, 0, 100, count_row, &n, &err), 0);
    assert_int_equal(n, 10);
    n = 0;
    assert_int_equal(srv_store_letters(st, "anna", NULL, base + 10 * 86400000LL, base + 20 * 86400000LL, 100,
                                       count_row, &n, &err), 0);
    assert_int_equal(n, 7); /* days 10..19, not bertil's 12, 15, 18 */
    n = 0;
    assert_int_equal(srv_store_letters(st, "anna", NULL, 0, 0, 5, count_row, &n, &err), 0);
    assert_int_equal(n, 5);
    char title[64] = "";
    assert_int_equal(srv_store_letters(st, "anna", NULL, 0, 0, 5, first_title, title, &err), 0);
    assert_string_equal(title, "Beslut 29"); /* newest first */
    assert_int_equal(srv_store_user_del(st, "anna", "C=SE,CN=admin", &err), 0);
    assert_int_equal(srv_store_user_del(st, "anna", "C=SE,CN=admin", &err), 1);
    srv_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escapes_html),
        cmocka_unit_test(reads_form_fields),
        cmocka_unit_test(sessions_and_csrf),
        cmocka_unit_test(full_table_evicts_oldest),
        cmocka_unit_test(yescrypt_passwords),
        cmocka_unit_test(pam_roles_by_group),
        cmocka_unit_test(store_accounts_and_letters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
