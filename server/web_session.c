/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's sessions (see web.h): in memory, each found by the
 * SHA-256 of its cookie's random 256-bit token (a copy of the table would
 * not let anyone sign in), with idle and absolute timeouts on the monotonic
 * clock and a CSRF token of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "text.h"
#include "web.h"

typedef struct {
    unsigned char hash[32]; /* SHA-256 of the token; all zero: a free slot */
    int used;
    char login[128];
    srv_role role;
    char csrf[65];
    int64_t created_ms, seen_ms; /* monotonic */
} session;

struct srv_web_sessions {
    pthread_mutex_t mu;
    long idle_ms, max_ms;
    size_t n;
    session *slots;
};

srv_web_sessions *srv_web_sessions_new(long idle_s, long max_s, size_t max)
{
    srv_web_sessions *t = calloc(1, sizeof *t);
    if (!t || !(t->slots = calloc(max, sizeof *t->slots))) {
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->mu, NULL);
    t->idle_ms = idle_s * 1000;
    t->max_ms = max_s * 1000;
    t->n = max;
    return t;
}

void srv_web_sessions_free(srv_web_sessions *t)
{
    if (!t)
        return;
    OPENSSL_cleanse(t->slots, t->n * sizeof *t->slots);
    free(t->slots);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static int random_hex(char *out, size_t bytes)
{
    unsigned char r[32];
    if (bytes > sizeof r || getrandom(r, bytes, 0) != (ssize_t)bytes)
        return -1;
    mm_text_hex(r, bytes, 0, out);
    OPENSSL_cleanse(r, sizeof r);
    return 0;
}

static void token_hash(const char *token, unsigned char out[32])
{
    unsigned int n = 32;
    EVP_Digest(token, strlen(token), out, &n, EVP_sha256(), NULL);
}

static int timed_out(const srv_web_sessions *t, const session *x, int64_t now)
{
    return now - x->seen_ms > t->idle_ms || now - x->created_ms > t->max_ms;
}

int srv_web_session_create(srv_web_sessions *t, const char *login, srv_role role, char token[65],
                           srv_web_session *out)
{
    session x;
    memset(&x, 0, sizeof x);
    memset(out, 0, sizeof *out);
    if (random_hex(token, 32) || random_hex(x.csrf, 32))
        return -1;
    token_hash(token, x.hash);
    x.used = 1;
    snprintf(x.login, sizeof x.login, "%s", login ? login : "");
    x.role = role;
    x.created_ms = x.seen_ms = srv_mono_ms();
    pthread_mutex_lock(&t->mu);
    /* A free or timed-out slot; when every slot is live, the login form
     * seen longest ago goes, and only when there is none a signed-in
     * session: a flood of login forms can neither grow the table nor
     * sign people out. */
    size_t pick = 0;
    for (size_t i = 0; i < t->n; i++) {
        session *y = &t->slots[i], *p = &t->slots[pick];
        if (!y->used || timed_out(t, y, x.created_ms)) {
            pick = i;
            break;
        }
        int y_form = !y->login[0], p_form = !p->login[0];
        if (y_form > p_form || (y_form == p_form && y->seen_ms < p->seen_ms))
            pick = i;
    }
    t->slots[pick] = x;
    pthread_mutex_unlock(&t->mu);
    out->found = 1;
    snprintf(out->login, sizeof out->login, "%s", x.login);
    out->role = role;
    memcpy(out->csrf, x.csrf, sizeof out->csrf);
    OPENSSL_cleanse(&x, sizeof x);
    return 0;
}

/* The slot of token's hash, the table locked; NULL when none. */
static session *slot_of(srv_web_sessions *t, const unsigned char hash[32])
{
    for (size_t i = 0; i < t->n; i++)
        if (t->slots[i].used && !CRYPTO_memcmp(t->slots[i].hash, hash, 32))
            return &t->slots[i];
    return NULL;
}

int srv_web_session_find(srv_web_sessions *t, const char *token, int64_t now_ms, srv_web_session *out)
{
    memset(out, 0, sizeof *out);
    if (!token || strlen(token) != 64 || strspn(token, "0123456789abcdef") != 64) {
        out->expired = token && token[0];
        return -1;
    }
    unsigned char h[32];
    token_hash(token, h);
    pthread_mutex_lock(&t->mu);
    session *x = slot_of(t, h);
    int rc = -1;
    if (x && timed_out(t, x, now_ms)) {
        OPENSSL_cleanse(x, sizeof *x);
        x = NULL;
    }
    if (x) {
        x->seen_ms = now_ms;
        out->found = 1;
        snprintf(out->login, sizeof out->login, "%s", x->login);
        out->role = x->role;
        memcpy(out->csrf, x->csrf, sizeof out->csrf);
        rc = 0;
    } else {
        out->expired = 1;
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void srv_web_session_end(srv_web_sessions *t, const char *token)
{
    if (!token || !token[0])
        return;
    unsigned char h[32];
    token_hash(token, h);
    pthread_mutex_lock(&t->mu);
    session *x = slot_of(t, h);
    if (x)
        OPENSSL_cleanse(x, sizeof *x);
    pthread_mutex_unlock(&t->mu);
}

size_t srv_web_sessions_end_login(srv_web_sessions *t, const char *login)
{
    size_t n = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++)
        if (t->slots[i].used && t->slots[i].login[0] && !strcmp(t->slots[i].login, login)) {
            OPENSSL_cleanse(&t->slots[i], sizeof t->slots[i]);
            n++;
        }
    pthread_mutex_unlock(&t->mu);
    return n;
}

int srv_web_token_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    return a[0] && n == strlen(b) && !CRYPTO_memcmp(a, b, n);
}
