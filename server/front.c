/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTPS front of mmprintd: the listening socket, libmicrohttpd with
 * TLS and client certificates checked against the configured CA (GnuTLS,
 * once per connection), size-limited request bodies gathered in memory,
 * and the hand-over of each complete request to the routes (routes.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "api.h"
#include "auth.h"
#include "log.h"
#include "fileio.h"

#define MAX_JOB_BODY (32u * 1024u * 1024u)
#define MAX_SMALL_BODY 4096u
/* All request bodies being received at once may not exceed this: many
 * parallel 32 MiB uploads must not exhaust memory (answered 503, retried). */
#define MAX_BODIES_TOTAL (512u * 1024u * 1024u)

typedef struct {
    mm_buf body;
    size_t limit;
    int too_large;
    int forbidden;      /* 403 decided on the first call */
    int busy;           /* over the server-wide body budget */
    size_t counted;     /* bytes of this body counted in s->body_bytes */
    srv *server;
    char client[256];   /* subject DN of the client certificate */
} req_ctx;

static char *read_pem(const char *path, mm_error *err)
{
    mm_buf b = MM_BUF_INIT;
    if (mm_fileio_read_file(path, &b, 1u << 20)) {
        mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot read %s: %s", path, strerror(errno));
        mm_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* ---- client certificates ---- */

static int client_allowed(const srv *s, const char *cn)
{
    return !s->conf.client_allow[0] || srv_auth_cn_listed(s->conf.client_allow, cn);
}

/* 0 allowed (subject copied), -1 not. */
static int check_client(srv *s, struct MHD_Connection *c, char *subject, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return -1;
    gnutls_session_t sess = (gnutls_session_t)ci->tls_session;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers2(sess, &status) < 0 || status != 0)
        return -1;
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(sess, &n);
    if (!peers || n == 0)
        return -1;
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return -1;
    int rc = -1;
    char cn[256] = "";
    size_t dn_size = size, cn_size = sizeof cn;
    if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_crt_get_dn(crt, subject, &dn_size) >= 0 &&
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_size) >= 0 &&
        client_allowed(s, cn))
        rc = 0;
    gnutls_x509_crt_deinit(crt);
    return rc;
}

/* The certificate check costs a chain verification: do it once per TLS
 * connection (kept-alive clients send many jobs over one). */
typedef struct {
    int state; /* 0 unchecked, 1 allowed, -1 refused */
    char subject[256];
} conn_ctx;

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(conn_ctx));
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
    }
}

static int check_client_cached(srv *s, struct MHD_Connection *c, char *subject, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_ctx *cc = ci ? ci->socket_context : NULL;
    if (cc && cc->state) {
        snprintf(subject, size, "%s", cc->subject);
        return cc->state > 0 ? 0 : -1;
    }
    int rc = check_client(s, c, subject, size);
    if (cc) {
        snprintf(cc->subject, sizeof cc->subject, "%s", rc == 0 ? subject : "");
        cc->state = rc == 0 ? 1 : -1;
    }
    return rc;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls)
{
    srv *s = cls;
    req_ctx *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        rq->server = s;
        rq->limit = !strcmp(url, "/api/v1/jobs") ? MAX_JOB_BODY : MAX_SMALL_BODY;
        if (s->conf.plain_loopback)
            snprintf(rq->client, sizeof rq->client, "plain-loopback");
        else if (check_client_cached(s, c, rq->client, sizeof rq->client)) {
            rq->forbidden = 1;
            mm_log(MM_LOG_WARN, "refused a client without a valid, allowed certificate (%s %s)", method, url);
            return srv_respond_error(c, 403, "client-not-allowed", SRV_SV_CLIENT_NOT_ALLOWED);
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > rq->limit) {
            rq->too_large = 1;
            return srv_respond_error(c, 413, "too-large", SRV_SV_TOO_LARGE);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rq->too_large && !rq->forbidden && !rq->busy) {
            size_t total = atomic_fetch_add(&s->body_bytes, *upload_data_size) + *upload_data_size;
            rq->counted += *upload_data_size;
            if (total > MAX_BODIES_TOTAL) {
                rq->busy = 1;
                mm_buf_free(&rq->body);
            } else if (rq->body.len + *upload_data_size > rq->limit) {
                rq->too_large = 1;
                mm_buf_free(&rq->body);
            } else if (mm_buf_append(&rq->body, upload_data, *upload_data_size)) {
                rq->too_large = 1;
                mm_buf_free(&rq->body);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (rq->forbidden)
        return srv_respond_error(c, 403, "client-not-allowed", SRV_SV_CLIENT_NOT_ALLOWED);
    if (rq->too_large)
        return srv_respond_error(c, 413, "too-large", SRV_SV_TOO_LARGE);
    if (rq->busy)
        return srv_respond_error(c, 503, "busy", SRV_SV_BUSY);
    srv_principal who;
    srv_auth_certificate(s, rq->client, &who);
    srv_req req = {s, c, rq->client, rq->body.data, rq->body.len, &who};
    return srv_api_dispatch(&req, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    req_ctx *rq = *con_cls;
    if (rq) {
        atomic_fetch_sub(&rq->server->body_bytes, rq->counted);
        mm_buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = 0;
    mm_log(MM_LOG_DEBUG, "httpd: %s", line);
}

/* listen_address:port as a socket address: 0 with *len set, or -1 with err. */
static int listen_addr(const srv *s, struct sockaddr_storage *ss, socklen_t *len, mm_error *err)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, s->conf.listen_address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)s->conf.port);
        *len = sizeof *in4;
    } else if (inet_pton(AF_INET6, s->conf.listen_address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)s->conf.port);
        *len = sizeof *in6;
    } else {
        return mm_error_set(err, MM_ERR_INPUT, 0, "listen_address %s is not an IP address", s->conf.listen_address);
    }
    return 0;
}

int srv_api_listen(srv *s, mm_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (listen_addr(s, &ss, &len, err))
        return -1;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    /* As MHD does for its own sockets: a restart can bind while the old
     * connections linger in TIME_WAIT, never while another socket listens. */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one)) ||
        bind(fd, (struct sockaddr *)&ss, len) || listen(fd, SOMAXCONN)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return mm_error_set(err, MM_ERR_SYSTEM, e, "cannot listen on %s port %d: %s%s", s->conf.listen_address,
                            s->conf.port, strerror(e),
                            e == EADDRINUSE ? " (another program is using the port)" : "");
    }
    s->listen_fd = fd;
    return 0;
}

struct MHD_Daemon *srv_api_start(srv *s, mm_error *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (listen_addr(s, &ss, &len, err))
        return NULL;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    char *cert = NULL, *key = NULL, *ca = NULL;
    if (!s->conf.plain_loopback) {
        flags |= MHD_USE_TLS;
        cert = read_pem(s->conf.tls_cert, err);
        key = cert ? read_pem(s->conf.tls_key, err) : NULL;
        ca = key ? read_pem(s->conf.client_ca, err) : NULL;
        if (!ca) {
            free(cert);
            free(key);
            return NULL;
        }
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        /* A trust list makes MHD ask every client for its certificate. */
        {MHD_OPTION_HTTPS_MEM_TRUST, 0, ca},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
    struct MHD_Daemon *d = MHD_start_daemon(
        /* The socket srv_api_listen bound (-1: MHD binds the address itself). */
        flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)s->listen_fd, MHD_OPTION_NOTIFY_COMPLETED,
        completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, conn_notify, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->conf.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)s->conf.max_connections,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_ARRAY, s->conf.plain_loopback ? none : tls_opts,
        MHD_OPTION_END);
    /* Kept until the daemon stops: MHD may refer to them while running. */
    s->pem[0] = cert;
    s->pem[1] = key;
    s->pem[2] = ca;
    s->listen_fd = -1; /* MHD's now: closed when the daemon stops */
    if (!d)
        mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot listen on %s port %d (HTTP%s)", s->conf.listen_address,
                     s->conf.port, s->conf.plain_loopback ? "" : "S");
    return d;
}

void srv_api_stop(struct MHD_Daemon *d)
{
    if (d)
        MHD_stop_daemon(d);
}
