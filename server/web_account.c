/* SPDX-License-Identifier: EUPL-1.2 */
/* Who a person is (see web.h): the portal's local accounts, yescrypt
 * hashes from libcrypt checked in constant time, or PAM (web_pam) with the
 * person's groups mapped to one role (web_pam_roles), so that a server
 * joined to the directory through sssd or winbind takes the users' normal
 * passwords. */
#include <crypt.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <security/pam_appl.h>
#include <openssl/crypto.h>

#include "log.h"
#include "text.h"
#include "web.h"

int srv_web_password_hash(const char *password, char *out, size_t size, mm_error *err)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    /* NULL random bytes: libcrypt reads them from the kernel itself;
     * count 0: yescrypt's default cost. */
    if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "crypt_gensalt: %s", strerror(errno));
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    const char *h = crypt_r(password, salt, cd);
    int rc = 0;
    if (!h || h[0] == '*' || strlen(h) >= size)
        rc = mm_error_set(err, MM_ERR_SYSTEM, errno, "crypt: cannot hash the password");
    else
        snprintf(out, size, "%s", h);
    OPENSSL_cleanse(cd, sizeof *cd);
    free(cd);
    return rc;
}

int srv_web_password_check(const char *password, const char *hash)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return 0;
    const char *h = crypt_r(password, hash, cd);
    size_t n = strlen(hash);
    /* crypt_r answers a string starting with '*' for a malformed hash. */
    int ok = h && h[0] != '*' && n && strlen(h) == n && !CRYPTO_memcmp(h, hash, n);
    OPENSSL_cleanse(cd, sizeof *cd);
    free(cd);
    return ok;
}

/* ---- PAM ---- */

/* PAM asks; the password is the answer to any question asked without
 * echo, and nothing else is answered (no other kind of login is carried
 * by the form). */
static int conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
    const char *password = arg;
    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    struct pam_response *r = calloc((size_t)n, sizeof *r);
    if (!r)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
            if (!(r[i].resp = strdup(password)))
                goto fail;
        } else if (msg[i]->msg_style == PAM_PROMPT_ECHO_ON) {
            goto fail;
        }
        /* PAM_ERROR_MSG, PAM_TEXT_INFO: nothing to answer */
    }
    *resp = r;
    return PAM_SUCCESS;
fail:
    for (int i = 0; i < n; i++)
        if (r[i].resp) {
            OPENSSL_cleanse(r[i].resp, strlen(r[i].resp));
            free(r[i].resp);
        }
    free(r);
    return PAM_CONV_ERR;
}

/* 1 the password is right and the account may log in now, 0 not, -1 PAM failed. */
static int pam_check(const char *service, const char *login, const char *password)
{
    struct pam_conv conv = {conversation, (void *)password};
    pam_handle_t *h = NULL;
    int rc = pam_start(service, login, &conv, &h);
    if (rc != PAM_SUCCESS) {
        mm_log(MM_LOG_ERROR, "web: PAM service %s cannot start: %s", service, pam_strerror(h, rc));
        return -1;
    }
    rc = pam_authenticate(h, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
    if (rc == PAM_SUCCESS)
        rc = pam_acct_mgmt(h, PAM_SILENT);
    int ok = rc == PAM_SUCCESS;
    if (!ok && rc != PAM_AUTH_ERR && rc != PAM_USER_UNKNOWN && rc != PAM_PERM_DENIED && rc != PAM_ACCT_EXPIRED &&
        rc != PAM_NEW_AUTHTOK_REQD && rc != PAM_MAXTRIES)
        mm_log(MM_LOG_WARN, "web: PAM service %s: %s", service, pam_strerror(h, rc));
    pam_end(h, rc);
    return ok;
}

srv_role srv_web_pam_role(const char *roles, const char *login)
{
    struct passwd pw, *pp = NULL;
    char buf[4096];
    if (getpwnam_r(login, &pw, buf, sizeof buf, &pp) || !pp)
        return SRV_ROLE_NONE;
    gid_t groups[256];
    int n = (int)(sizeof groups / sizeof groups[0]);
    if (getgrouplist(login, pp->pw_gid, groups, &n) < 0)
        n = (int)(sizeof groups / sizeof groups[0]); /* the first 256: enough to find ours */
    const char *p = roles;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t len = strcspn(p, ",");
        char item[300];
        snprintf(item, sizeof item, "%.*s", (int)(len < sizeof item ? len : sizeof item - 1), p);
        p += len;
        char *colon = strchr(item, ':');
        if (!colon)
            continue;
        *colon = 0;
        char *group = mm_text_trim(colon + 1);
        srv_role role = srv_auth_role(mm_text_trim(item));
        struct group gr, *gp = NULL;
        char gbuf[8192];
        if (role == SRV_ROLE_NONE || getgrnam_r(group, &gr, gbuf, sizeof gbuf, &gp) || !gp)
            continue;
        for (int i = 0; i < n; i++)
            if (groups[i] == gp->gr_gid)
                return role;
    }
    return SRV_ROLE_NONE;
}

int srv_web_authenticate(srv *s, const char *login, const char *password, srv_role *role)
{
    *role = SRV_ROLE_NONE;
    if (s->conf.web_pam) {
        int rc = pam_check(s->conf.web_pam_service, login, password);
        if (rc <= 0)
            return rc;
        *role = srv_web_pam_role(s->conf.web_pam_roles, login);
        if (*role == SRV_ROLE_NONE)
            mm_log(MM_LOG_WARN, "web: %s signed in through PAM but is in none of web_pam_roles' groups", login);
        return *role != SRV_ROLE_NONE;
    }
    srv_user u;
    mm_error err;
    int rc = srv_store_user_get(s->store, login, &u, &err);
    if (rc < 0) {
        mm_log(MM_LOG_ERROR, "web: reading account %s: %s", login, err.msg);
        return -1;
    }
    /* An unknown name checks the dummy hash: the answer takes as long. */
    int ok = srv_web_password_check(password, rc == 0 ? u.hash : s->web->dummy_hash) && rc == 0;
    if (ok)
        *role = srv_auth_role(u.role);
    return ok && *role != SRV_ROLE_NONE;
}
