/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's listener (see web.h): libmicrohttpd on web_listen with
 * server TLS only (no client certificate is asked for: a person signs in),
 * TLS 1.2+ under tls_priorities, the same limits as the job API's front
 * (connections per IP, header timeout and request rate per IP through
 * connlimit.c), small request bodies (forms) gathered in memory, the
 * session of the cookie looked up, and the hand-over to the routes
 * (web_routes.c). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "connlimit.h"
#include "fileio.h"
#include "log.h"
#include "rate.h"
#include "web.h"

/* Forms are a few short fields. */
#define MAX_FORM 16384u
#define CONNECTION_MEMORY (32u * 1024u)
#define MAX_SESSIONS 10000u

typedef struct {
    srv_conn_slot slot;
    char peer[64];
} conn_ctx;

typedef struct {
    mm_buf body;
    int too_large;
    int limited;
} req_ctx;

static conn_ctx *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    srv *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        conn_ctx *cc = calloc(1, sizeof *cc);
        if (!cc) {
            if (fd)
                shutdown(fd->connect_fd, SHUT_RDWR);
            return;
        }
        snprintf(cc->peer, sizeof cc->peer, "?");
        if (ad && ad->client_addr)
            getnameinfo(ad->client_addr,
                        ad->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
                        cc->peer, sizeof cc->peer, NULL, 0, NI_NUMERICHOST);
        srv_connlimit_track(s->web->limit, &cc->slot, fd ? fd->connect_fd : -1, cc->peer);
        *socket_context = cc;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_ctx *cc = *socket_context;
        if (cc)
            srv_connlimit_untrack(s->web->limit, &cc->slot);
        free(cc);
        *socket_context = NULL;
    }
}

static enum MHD_Result plain_refusal(struct MHD_Connection *c, unsigned status, srv_text text)
{
    const char *t = srv_sv(text);
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(t), (void *)t, MHD_RESPMEM_PERSISTENT);
    if (resp)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    return srv_web_send(c, status, resp, 0);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    srv *s = cls;
    req_ctx *rq = *con_cls;
    conn_ctx *cc = conn_of(c);
    if (!rq) {
        if (!(rq = calloc(1, sizeof *rq)))
            return MHD_NO;
        *con_cls = rq;
        if (cc)
            srv_connlimit_headers_done(s->web->limit, &cc->slot);
        long wait_s = 0;
        if (!srv_connlimit_take(s->web->limit, cc ? cc->peer : "?", &wait_s)) {
            rq->limited = 1;
            mm_log(MM_LOG_WARN, "web: %s is over request_rate: %s %s refused", cc ? cc->peer : "?", method, url);
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > MAX_FORM)
            rq->too_large = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rq->too_large && !rq->limited &&
            (rq->body.len + *upload_data_size > MAX_FORM || mm_buf_append(&rq->body, upload_data, *upload_data_size))) {
            rq->too_large = 1;
            mm_buf_free(&rq->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->limited)
        return plain_refusal(c, 429, SRV_SV_TOO_MANY_REQUESTS);
    if (rq->too_large)
        return plain_refusal(c, 413, SRV_SV_TOO_LARGE);
    srv_web_req w;
    memset(&w, 0, sizeof w);
    w.s = s;
    w.conn = c;
    w.method = method;
    w.url = url;
    w.body = rq->body.data;
    w.body_len = rq->body.len;
    snprintf(w.peer, sizeof w.peer, "%s", cc ? cc->peer : "?");
    w.token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SRV_WEB_COOKIE);
    srv_principal who;
    memset(&who, 0, sizeof who);
    if (w.token && !srv_web_session_find(s->web->sessions, w.token, srv_mono_ms(), &w.session) &&
        w.session.login[0])
        srv_auth_person(w.session.login, w.session.role, &who);
    w.who = &who;
    return srv_web_dispatch(&w);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    srv *s = cls;
    req_ctx *rq = *con_cls;
    conn_ctx *cc = conn_of(c);
    if (cc && rq)
        srv_connlimit_request_done(s->web->limit, &cc->slot);
    if (rq) {
        mm_buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* web_listen "ADDR:PORT" or "[ADDR6]:PORT" as a socket address. */
static int web_addr(const char *listen, struct sockaddr_storage *ss, mm_error *err)
{
    char host[80];
    const char *colon = strrchr(listen, ':');
    const char *h = listen;
    size_t hl = colon ? (size_t)(colon - listen) : 0;
    if (hl && listen[0] == '[' && listen[hl - 1] == ']')
        h++, hl -= 2;
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    memset(ss, 0, sizeof *ss);
    if (!colon || !hl || hl >= sizeof host || !end || *end || port < 1 || port > 65535)
        return mm_error_set(err, MM_ERR_INPUT, 0, "web_listen %s is not ADDRESS:PORT", listen);
    memcpy(host, h, hl);
    host[hl] = 0;
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
    } else {
        return mm_error_set(err, MM_ERR_INPUT, 0, "web_listen %s: %s is not an IP address", listen, host);
    }
    return 0;
}

static char *read_text(const char *key, const char *path, mm_error *err)
{
    mm_buf b = MM_BUF_INIT;
    if (mm_fileio_read_file(path, &b, 1u << 20)) {
        mm_error_set(err, MM_ERR_SYSTEM, errno, "%s %s: %s", key, path, strerror(errno));
        mm_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void web_free(struct srv_web *w)
{
    if (!w)
        return;
    srv_connlimit_free(w->limit);
    srv_rate_free(w->login_ip);
    srv_rate_free(w->login_user);
    srv_web_sessions_free(w->sessions);
    free(w->pem[0]);
    free(w->pem[1]);
    free(w);
}

int srv_web_start(srv *s, mm_error *err)
{
    const srv_conf *cf = &s->conf;
    struct sockaddr_storage ss;
    if (!cf->web_listen[0])
        return 0;
    if (web_addr(cf->web_listen, &ss, err))
        return -1;
    const char *cert = cf->web_tls_cert[0] ? cf->web_tls_cert : cf->tls_cert;
    const char *key = cf->web_tls_key[0] ? cf->web_tls_key : cf->tls_key;
    if (!cert[0] || !key[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "web_listen needs web_tls_cert and web_tls_key (or tls_cert, tls_key)");
    long days = 0;
    if (srv_check_cert_key(cert, key, &days, err))
        return -1;
    struct srv_web *w = calloc(1, sizeof *w);
    if (!w)
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    s->web = w;
    if (!(w->pem[0] = read_text("web_tls_cert", cert, err)) || !(w->pem[1] = read_text("web_tls_key", key, err)) ||
        !(w->limit = srv_connlimit_new(cf->header_timeout_s, cf->request_rate, cf->request_burst, err)))
        goto fail;
    if (!(w->login_ip = srv_rate_new(cf->web_login_rate, cf->web_login_burst)) ||
        !(w->login_user = srv_rate_new(cf->web_login_rate, cf->web_login_burst)) ||
        !(w->sessions = srv_web_sessions_new(cf->web_session_idle_s, cf->web_session_max_s, MAX_SESSIONS))) {
        mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
        goto fail;
    }
    /* Checked instead of a hash when a name is unknown: same cost. */
    if (srv_web_password_hash("mmprint-no-such-account", w->dummy_hash, sizeof w->dummy_hash, err))
        goto fail;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TLS;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* No MHD_OPTION_HTTPS_MEM_TRUST: no client certificate is asked for,
     * and one sent anyway is no login. */
    w->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_HTTPS_MEM_CERT,
        w->pem[0], MHD_OPTION_HTTPS_MEM_KEY, w->pem[1], MHD_OPTION_HTTPS_PRIORITIES, cf->tls_priorities,
        MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_NOTIFY_CONNECTION, conn_notify, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)cf->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cf->max_connections_per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONNECTION_MEMORY, MHD_OPTION_EXTERNAL_LOGGER, srv_api_mhd_log, NULL, MHD_OPTION_END);
    if (!w->daemon) {
        int e = errno;
        mm_error_set(err, MM_ERR_SYSTEM, e, "cannot listen on web_listen %s (HTTPS): %s%s", cf->web_listen, strerror(e),
                     e == EADDRINUSE ? " (another program is using the port)" : "");
        goto fail;
    }
    mm_log(MM_LOG_INFO, "web portal on https://%s/ (%s)", cf->web_listen,
           cf->web_pam ? "PAM login" : "local accounts");
    return 0;
fail:
    web_free(w);
    s->web = NULL;
    return -1;
}

void srv_web_stop(srv *s)
{
    if (!s->web)
        return;
    if (s->web->daemon)
        MHD_stop_daemon(s->web->daemon);
    web_free(s->web);
    s->web = NULL;
}
