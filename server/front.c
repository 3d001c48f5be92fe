/* SPDX-License-Identifier: EUPL-1.2 */
/* The HTTPS front of mmprintd: the listening socket, libmicrohttpd with
 * TLS 1.2+ under an explicit priority string, a client certificate required
 * at the handshake and checked against the configured CA, its key usage,
 * the revocation list and the deny list (GnuTLS, once per connection), the
 * limits that keep one host from starving the others (per-IP connections,
 * header timeout, memory per connection, request rate per principal:
 * connlimit.c), size-limited request bodies gathered in memory, and the
 * hand-over of each complete request to the routes (routes.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "api.h"
#include "batch.h"
#include "auth.h"
#include "connlimit.h"
#include "log.h"
#include "fileio.h"
#include "uuid.h"

#define MAX_JOB_BODY (32u * 1024u * 1024u)
#define MAX_SMALL_BODY 4096u
/* All request bodies being received at once may not exceed this: many
 * parallel 32 MiB uploads must not exhaust memory (answered 503, retried). */
#define MAX_BODIES_TOTAL (512u * 1024u * 1024u)
/* Per connection: request headers and the read buffer.  Our requests have
 * a few short headers; a body streams through in pieces. */
#define CONNECTION_MEMORY (32u * 1024u)

/* The front's state beside MHD's (s->front). */
struct srv_front {
    srv_connlimit *limit;
    gnutls_x509_crl_t *crls;    /* client_crl, checked against client_ca at start */
    unsigned ncrl;
};

typedef struct {
    mm_buf body;
    size_t limit;
    int too_large;
    int forbidden;      /* 403 decided on the first call */
    int busy;           /* over the server-wide body budget */
    int limited;        /* 429: over the principal's request rate */
    size_t counted;     /* bytes of this body counted in s->body_bytes */
    srv *server;
    char client[256];   /* subject DN of the client certificate */
    /* POST /api/v1/batches: the body goes to a spool file as it arrives
     * (never into memory, nor counted in body_bytes); the file is removed
     * unless the handler kept it (a client gone mid-upload leaves none). */
    int batch;
    int spool_fd;       /* -1 when none open */
    char spool[1100];   /* "" when none */
    int64_t spooled;
    int spool_kept;
} req_ctx;

/* Opens the batch upload's spool file: a new name, created exclusively,
 * mode 0600 (it holds letters).  0, or -1 (logged). */
static int spool_open(srv *s, req_ctx *rq)
{
    char id[37];
    if (mm_uuid_new(id))
        return -1;
    srv_batch_spool_path(s, id, rq->spool, sizeof rq->spool);
    rq->spool_fd = open(rq->spool, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (rq->spool_fd < 0) {
        mm_log(MM_LOG_ERROR, "cannot create the batch spool file %s: %s", rq->spool, strerror(errno));
        rq->spool[0] = 0;
        return -1;
    }
    return 0;
}

/* Closes the spool file and removes it unless kept. */
static void spool_done(req_ctx *rq)
{
    if (rq->spool_fd >= 0)
        close(rq->spool_fd);
    rq->spool_fd = -1;
    if (rq->spool[0] && !rq->spool_kept)
        unlink(rq->spool);
    rq->spool[0] = 0;
}

/* Writes one piece of a batch body to its spool file; over batch_max_bytes
 * the upload is refused (too_large) and the file removed. */
static void spool_write(srv *s, req_ctx *rq, const char *data, size_t n)
{
    if ((int64_t)n > s->conf.batch_max_bytes - rq->spooled) {
        rq->too_large = 1;
        spool_done(rq);
        return;
    }
    if (!rq->spool[0] && spool_open(s, rq)) {
        rq->busy = 1;
        return;
    }
    while (n) {
        ssize_t w = write(rq->spool_fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            mm_log(MM_LOG_ERROR, "cannot write the batch spool file %s: %s", rq->spool, strerror(errno));
            rq->busy = 1;
            spool_done(rq);
            return;
        }
        data += w;
        n -= (size_t)w;
        rq->spooled += w;
    }
}

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

/* Serial numbers in hex as an administrator copies them ("3A:0F", "0x3a0f",
 * "3a0f"), compared without leading zeros.  1 listed, 0 not, -1 the list
 * is not hex. */
static int serial_listed(const char *list, const unsigned char *serial, size_t n)
{
    char want[2 * 64 + 1] = "";
    size_t w = 0;
    while (n > 1 && serial[0] == 0)
        serial++, n--;
    for (size_t i = 0; i < n && w + 2 < sizeof want; i++)
        w += (size_t)snprintf(want + w, sizeof want - w, "%02x", serial[i]);
    const char *p = list;
    int found = 0;
    while (*p) {
        char got[sizeof want] = "";
        size_t g = 0;
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p)
            break;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        for (; *p && *p != ','; p++) {
            if (*p == ':' || *p == ' ')
                continue;
            char ch = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')) || g + 1 >= sizeof got)
                return -1;
            if (g == 0 && ch == '0')
                continue; /* leading zeros */
            got[g++] = ch;
        }
        const char *wz = want;
        while (wz[0] == '0' && wz[1])
            wz++;
        if (!g)
            got[g++] = '0';
        got[g] = 0;
        if (!strcmp(got, wz))
            found = 1; /* the rest still checked: a typing error is found at start */
    }
    return found;
}

static int has_client_auth(gnutls_x509_crt_t crt)
{
    for (unsigned i = 0;; i++) {
        char oid[128];
        size_t size = sizeof oid;
        int rc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, NULL);
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
            continue;
        if (rc < 0)
            return 0;
        if (!strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT))
            return 1;
    }
}

/* Why the imported peer certificate may not act here, or NULL. */
static const char *refusal(const srv *s, gnutls_x509_crt_t crt)
{
    unsigned usage = 0;
    unsigned char serial[64];
    size_t serial_size = sizeof serial;
    char cn[256] = "";
    size_t cn_size = sizeof cn;
    if (!has_client_auth(crt))
        return "it lacks the TLS client authentication extended key usage (clientAuth)";
    /* keyUsage is optional; when present it must allow signing the handshake. */
    int ku = gnutls_x509_crt_get_key_usage(crt, &usage, NULL);
    if (ku != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE && (ku < 0 || !(usage & GNUTLS_KEY_DIGITAL_SIGNATURE)))
        return "its key usage does not include digitalSignature";
    if (s->front->ncrl && gnutls_x509_crt_check_revocation(crt, s->front->crls, s->front->ncrl) != 0)
        return "it is revoked (client_crl)";
    if (gnutls_x509_crt_get_serial(crt, serial, &serial_size) < 0)
        return "its serial number cannot be read";
    if (serial_listed(s->conf.client_deny_serials, serial, serial_size) != 0)
        return "its serial number is in client_deny_serials";
    if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_size) < 0)
        return "it has no common name";
    if (!client_allowed(s, cn))
        return "its common name is not in client_allow";
    return NULL;
}

/* 0 allowed (subject copied), -1 not (the reason logged). */
static int check_client(srv *s, struct MHD_Connection *c, char *subject, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return -1;
    gnutls_session_t sess = (gnutls_session_t)ci->tls_session;
    unsigned status = 0;
    unsigned n = 0;
    subject[0] = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(sess, &n);
    if (!peers || n == 0) {
        mm_log(MM_LOG_WARN, "refused a client: no certificate");
        return -1;
    }
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return -1;
    const char *why = NULL;
    size_t dn_size = size;
    if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_crt_get_dn(crt, subject, &dn_size) < 0)
        why = "its certificate cannot be read";
    else if (gnutls_certificate_verify_peers2(sess, &status) < 0 || status != 0)
        why = "its certificate is not valid under client_ca (unknown issuer, expired or not yet valid)";
    else
        why = refusal(s, crt);
    if (why)
        mm_log(MM_LOG_WARN, "refused client %s: %s", subject[0] ? subject : "?", why);
    gnutls_x509_crt_deinit(crt);
    return why ? -1 : 0;
}

/* The certificate check costs a chain verification: do it once per TLS
 * connection (kept-alive clients send many jobs over one). */
typedef struct {
    int state; /* 0 unchecked, 1 allowed, -1 refused */
    char subject[256];
    srv_conn_slot slot; /* the header-timeout reaper's view (connlimit.h) */
} conn_ctx;

static void peer_text(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(out, size, "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

/* MHD calls STARTED once the TLS session exists and before the
 * connection's thread runs the handshake (libmicrohttpd 0.9.75
 * new_connection_process_), and CLOSED before it closes the descriptor. */
static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    srv *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_ctx *cc = calloc(1, sizeof *cc);
        if (!cc) {
            if (fd)
                shutdown(fd->connect_fd, SHUT_RDWR); /* untracked: not served at all */
            return;
        }
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        /* MHD only requests a certificate; a client without one must not
         * even finish the handshake. */
        if (ci && ci->tls_session)
            gnutls_certificate_server_set_request((gnutls_session_t)ci->tls_session, GNUTLS_CERT_REQUIRE);
        char peer[64];
        peer_text(c, peer, sizeof peer);
        srv_connlimit_track(s->front->limit, &cc->slot, fd ? fd->connect_fd : -1, peer);
        *socket_context = cc;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_ctx *cc = *socket_context;
        if (cc)
            srv_connlimit_untrack(s->front->limit, &cc->slot);
        free(cc);
        *socket_context = NULL;
    }
}

static conn_ctx *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static int check_client_cached(srv *s, struct MHD_Connection *c, char *subject, size_t size)
{
    conn_ctx *cc = conn_of(c);
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
        conn_ctx *cc = conn_of(c);
        if (cc)
            srv_connlimit_headers_done(s->front->limit, &cc->slot);
        rq->limit = !strcmp(url, "/api/v1/jobs") ? MAX_JOB_BODY : MAX_SMALL_BODY;
        rq->spool_fd = -1;
        rq->batch = !strcmp(url, "/api/v1/batches") && !strcmp(method, "POST");
        if (rq->batch)
            rq->limit = (size_t)s->conf.batch_max_bytes;
        if (s->conf.plain_loopback)
            snprintf(rq->client, sizeof rq->client, "plain-loopback");
        else if (check_client_cached(s, c, rq->client, sizeof rq->client)) {
            rq->forbidden = 1;
            mm_log(MM_LOG_WARN, "refused a client without a valid, allowed certificate (%s %s)", method, url);
            return srv_respond_error(c, 403, "client-not-allowed", SRV_SV_CLIENT_NOT_ALLOWED);
        }
        long wait_s = 0;
        if (!srv_connlimit_take(s->front->limit, rq->client, &wait_s)) {
            rq->limited = 1;
            mm_log(MM_LOG_WARN, "%s is over request_rate (%ld/s, burst %ld): %s %s refused for about %ld s",
                   rq->client, s->conf.request_rate, s->conf.request_burst, method, url, wait_s);
            return srv_respond_error(c, 429, "too-many-requests", SRV_SV_TOO_MANY_REQUESTS);
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > rq->limit) {
            rq->too_large = 1;
            return srv_respond_error(c, 413, "too-large", rq->batch ? SRV_SV_BATCH_TOO_LARGE : SRV_SV_TOO_LARGE);
        }
        return MHD_YES;
    }
    if (*upload_data_size && rq->batch) {
        if (!rq->too_large && !rq->forbidden && !rq->busy && !rq->limited)
            spool_write(s, rq, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!rq->too_large && !rq->forbidden && !rq->busy && !rq->limited) {
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
    if (rq->limited)
        return srv_respond_error(c, 429, "too-many-requests", SRV_SV_TOO_MANY_REQUESTS);
    if (rq->too_large) {
        if (rq->batch)
            mm_log(MM_LOG_WARN, "refused a batch from %s over batch_max_bytes (%ld)", rq->client,
                   s->conf.batch_max_bytes);
        return srv_respond_error(c, 413, "too-large", rq->batch ? SRV_SV_BATCH_TOO_LARGE : SRV_SV_TOO_LARGE);
    }
    if (rq->busy)
        return srv_respond_error(c, 503, "busy", SRV_SV_BUSY);
    srv_principal who;
    srv_auth_certificate(s, rq->client, &who);
    srv_req req = {s, c, rq->client, rq->body.data, rq->body.len, &who, NULL, 0, 0};
    if (rq->batch && rq->spool_fd >= 0) {
        /* on disk before the batch is accepted: a crash after the 202
         * finds the whole bundle */
        int synced = fsync(rq->spool_fd) == 0;
        close(rq->spool_fd);
        rq->spool_fd = -1;
        if (!synced) {
            spool_done(rq);
            return srv_respond_error(c, 503, "busy", SRV_SV_BUSY);
        }
        req.spool = rq->spool;
        req.spool_len = rq->spooled;
    }
    enum MHD_Result ret = srv_api_dispatch(&req, url, method);
    rq->spool_kept = req.spool_kept;
    spool_done(rq);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    req_ctx *rq = *con_cls;
    conn_ctx *cc = conn_of(c);
    if (cc && rq)
        srv_connlimit_request_done(rq->server->front->limit, &cc->slot);
    if (rq) {
        atomic_fetch_sub(&rq->server->body_bytes, rq->counted);
        spool_done(rq); /* a client gone mid-upload: no file left behind */
        mm_buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

void srv_api_mhd_log(void *cls, const char *fmt, va_list ap)
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

/* client_crl: every CRL in the file, each signed by client_ca. */
static int load_crls(srv *s, const char *ca_pem, mm_error *err)
{
    struct srv_front *f = s->front;
    if (!s->conf.client_crl[0])
        return 0;
    char *pem = read_pem(s->conf.client_crl, err);
    if (!pem)
        return -1;
    gnutls_datum_t crl_d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    gnutls_datum_t ca_d = {(unsigned char *)ca_pem, (unsigned)strlen(ca_pem)};
    gnutls_x509_crt_t *cas = NULL;
    unsigned ncas = 0;
    int rc = -1;
    if (gnutls_x509_crl_list_import2(&f->crls, &f->ncrl, &crl_d, GNUTLS_X509_FMT_PEM, 0) < 0 || !f->ncrl) {
        mm_error_set(err, MM_ERR_INPUT, 0, "client_crl %s: not a PEM certificate revocation list",
                     s->conf.client_crl);
    } else if (gnutls_x509_crt_list_import2(&cas, &ncas, &ca_d, GNUTLS_X509_FMT_PEM, 0) < 0) {
        mm_error_set(err, MM_ERR_INPUT, 0, "client_ca %s: not PEM certificates", s->conf.client_ca);
    } else {
        rc = 0;
        for (unsigned i = 0; i < f->ncrl && !rc; i++) {
            unsigned status = 0;
            if (gnutls_x509_crl_verify(f->crls[i], cas, ncas, 0, &status) < 0 || status)
                rc = mm_error_set(err, MM_ERR_INPUT, 0, "client_crl %s: list %u is not signed by client_ca %s",
                                  s->conf.client_crl, i + 1, s->conf.client_ca);
            else if (gnutls_x509_crl_get_next_update(f->crls[i]) != (time_t)-1 &&
                     gnutls_x509_crl_get_next_update(f->crls[i]) < time(NULL))
                mm_log(MM_LOG_WARN, "client_crl %s is past its next update: publish a new one (still used)",
                       s->conf.client_crl);
        }
    }
    for (unsigned i = 0; i < ncas; i++)
        gnutls_x509_crt_deinit(cas[i]);
    gnutls_free(cas);
    free(pem);
    return rc;
}

static void front_free(struct srv_front *f)
{
    if (!f)
        return;
    srv_connlimit_free(f->limit);
    for (unsigned i = 0; i < f->ncrl; i++)
        gnutls_x509_crl_deinit(f->crls[i]);
    gnutls_free(f->crls);
    free(f);
}

/* What the front needs beside MHD: limits, revocation data; the settings
 * MHD would only refuse without saying why are checked here. */
static int front_new(srv *s, const char *ca_pem, mm_error *err)
{
    unsigned char probe = 0;
    if (serial_listed(s->conf.client_deny_serials, &probe, 1) < 0)
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "client_deny_serials: each entry must be a serial number in hex (e.g. 3A:0F:11)");
    if (ca_pem) {
        gnutls_priority_t prio;
        const char *at = NULL;
        if (gnutls_priority_init(&prio, s->conf.tls_priorities, &at) < 0)
            return mm_error_set(err, MM_ERR_INPUT, 0, "tls_priorities is not a GnuTLS priority string (at \"%.40s\")",
                                at ? at : "");
        gnutls_priority_deinit(prio);
    }
    s->front = calloc(1, sizeof *s->front);
    if (!s->front)
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    if ((ca_pem && load_crls(s, ca_pem, err)) ||
        !(s->front->limit = srv_connlimit_new(s->conf.header_timeout_s, s->conf.request_rate,
                                              s->conf.request_burst, err))) {
        front_free(s->front);
        s->front = NULL;
        return -1;
    }
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
    if (front_new(s, ca, err)) {
        free(cert);
        free(key);
        free(ca);
        return NULL;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        /* A trust list makes MHD ask every client for its certificate
         * (conn_notify then requires it). */
        {MHD_OPTION_HTTPS_MEM_TRUST, 0, ca},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, s->conf.tls_priorities},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
    struct MHD_Daemon *d = MHD_start_daemon(
        /* The socket srv_api_listen bound (-1: MHD binds the address itself). */
        flags, 0, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)s->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
        conn_notify, s,
        /* Inactivity only; the reaper (connlimit.c) bounds the wait for a
         * request's headers however slowly they trickle in. */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->conf.max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)s->conf.max_connections_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_EXTERNAL_LOGGER, srv_api_mhd_log, NULL,
        MHD_OPTION_ARRAY, s->conf.plain_loopback ? none : tls_opts, MHD_OPTION_END);
    /* Kept until the daemon stops: MHD may refer to them while running. */
    s->pem[0] = cert;
    s->pem[1] = key;
    s->pem[2] = ca;
    s->listen_fd = -1; /* MHD's now: closed when the daemon stops */
    if (!d) {
        mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot listen on %s port %d (HTTP%s)", s->conf.listen_address,
                     s->conf.port, s->conf.plain_loopback ? "" : "S");
        front_free(s->front);
        s->front = NULL;
    }
    return d;
}

void srv_api_stop(srv *s, struct MHD_Daemon *d)
{
    if (d)
        MHD_stop_daemon(d);
    /* After the daemon: every connection has been untracked. */
    front_free(s->front);
    s->front = NULL;
}
