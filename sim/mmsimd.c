/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd: a simulator of FaR (Recipient v3, Authority) and of any number of
 * mailbox operators (Service v3 deliverSecure) over HTTPS with client
 * certificates.  See doc/mmsimd.8. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <libxml/xmlschemas.h>
#include <openssl/rand.h>
#include <openssl/x509_vfy.h>
#include "buf.h"
#include "dsig.h"
#include "log.h"
#include "sim.h"
#include "fileio.h"

/* The xmlsec1 tool of Debian's package xmlsec1, for --verify-with=xmlsec1. */
#define SIM_XMLSEC1_DEFAULT "/usr/bin/xmlsec1"

/* Largest request body read; deliverSecure itself is limited to 2 MiB. */
#define SIM_READ_MAX (4 * 1024 * 1024)
#define SIM_PEM_MAX (1024 * 1024)

typedef struct {
    mm_buf body;
    int too_big;
    const char *refused;   /* why the client certificate was refused, NULL = accepted */
    struct timespec t0;
} sim_request;

/* The listener that closes every connection at once (refuse-tls rules). */
typedef struct {
    int fd;
    pthread_t thread;
    atomic_int stop;
    int running;
} sim_refuser;

static void usage(FILE *f)
{
    fputs("usage: mmsimd --listen HOST:PORT --cert server.crt --key server.key --ca ca.crt\n"
          "              --registry FILE --schemas DIR --inbox DIR [--faults FILE]\n"
          "              [--pidfile FILE] [--log-level error|warn|info|debug] [--index-only]\n"
          "              [--verify-with=sigverify|xmlsec1] [--xmlsec1 PATH]\n",
          f);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Per TLS connection: the client certificate is checked once, not for
 * every request on a keep-alive connection. */
typedef struct {
    int checked;
    const char *refused;
} sim_conn;

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_ctx = calloc(1, sizeof(sim_conn));
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_ctx);
        *socket_ctx = NULL;
    }
}

/* The client must present a certificate that chains to --ca. */
static const char *client_refusal(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s = ci ? (gnutls_session_t)ci->tls_session : NULL;
    if (!s)
        return "no TLS session";
    unsigned int n = 0;
    if (!gnutls_certificate_get_peers(s, &n) || n == 0)
        return "no client certificate";
    unsigned int status = 0;
    if (gnutls_certificate_verify_peers2(s, &status) != 0 || status != 0)
        return "client certificate not issued by a trusted CA";
    return NULL;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, int status, const char *ctype, mm_buf *body)
{
    struct MHD_Response *r;
    if (body->data && body->len) {
        r = MHD_create_response_from_buffer_with_free_callback(body->len, body->data, free);
        if (r) {
            body->data = NULL;
            body->len = body->cap = 0;
        }
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **ctx)
{
    sim_state *st = cls;
    sim_request *rq = *ctx;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        sim_conn *sc = ci ? ci->socket_context : NULL;
        if (sc && !sc->checked) {
            sc->refused = client_refusal(c);
            sc->checked = 1;
        }
        rq->refused = sc ? sc->refused : client_refusal(c);
        *ctx = rq;
        return MHD_YES;
    }
    if (*upload_size) {
        /* keep reading past the limit so the client gets an answer, not a reset */
        if (!rq->too_big && !rq->refused) {
            if (rq->body.len + *upload_size > SIM_READ_MAX || mm_buf_append(&rq->body, upload, *upload_size)) {
                rq->too_big = 1;
                mm_buf_free(&rq->body);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->refused) {
        mm_log(MM_LOG_WARN, "%s %s refused: %s (%.1fms)", method, url, rq->refused, ms_since(&rq->t0));
        mm_buf b = MM_BUF_INIT;
        mm_buf_printf(&b, "mmsimd: access refused: %s\n", rq->refused);
        enum MHD_Result r = send_reply(c, 403, "text/plain; charset=UTF-8", &b);
        mm_buf_free(&b);
        return r;
    }
    if (strcmp(method, "POST")) {
        mm_log(MM_LOG_INFO, "%s %s: method not allowed (%.1fms)", method, url, ms_since(&rq->t0));
        mm_buf b = MM_BUF_INIT;
        mm_buf_puts(&b, "mmsimd: SOAP services take POST\n");
        enum MHD_Result r = send_reply(c, 405, "text/plain; charset=UTF-8", &b);
        mm_buf_free(&b);
        return r;
    }
    sim_reply rp;
    memset(&rp, 0, sizeof rp);
    sim_handle(st, url, rq->body.data ? rq->body.data : "", rq->body.len, rq->too_big, &rp);
    mm_log(rp.status >= 500 || rp.drop ? MM_LOG_WARN : MM_LOG_INFO, "%s %s%s http=%d (%.1fms)", url, rp.log,
           rp.drop ? " dropped" : "", rp.drop ? 0 : rp.status, ms_since(&rq->t0));
    if (rp.drop) {
        mm_buf_free(&rp.body);
        return MHD_NO; /* MHD closes the connection without an answer */
    }
    enum MHD_Result r = send_reply(c, rp.status, rp.content_type, &rp.body);
    mm_buf_free(&rp.body);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode toe)
{
    sim_request *rq = *ctx;
    if (rq) {
        mm_buf_free(&rq->body);
        free(rq);
        *ctx = NULL;
    }
}

/* libmicrohttpd's own messages (TLS handshake failures, ...) into our log. */
static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    mm_log(MM_LOG_INFO, "connection: %s", msg);
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    return sim_refuse_connection(cls) ? MHD_NO : MHD_YES;
}

static void *refuser_main(void *arg)
{
    sim_refuser *rf = arg;
    while (!atomic_load(&rf->stop)) {
        struct pollfd p = {rf->fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int c = accept(rf->fd, NULL, NULL);
        if (c >= 0)
            close(c); /* before any TLS byte: the client's handshake fails */
    }
    return NULL;
}

/* Starts the refusing listener on the main listener's host, any free port. */
static int refuser_start(sim_refuser *rf, const struct sockaddr *addr, socklen_t alen, const char *host,
                         char *url, size_t cap)
{
    struct sockaddr_storage ss;
    memcpy(&ss, addr, alen);
    if (ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = 0;
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = 0;
    rf->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rf->fd < 0)
        return -1;
    socklen_t sl = alen;
    if (bind(rf->fd, (struct sockaddr *)&ss, alen) || listen(rf->fd, 64) ||
        getsockname(rf->fd, (struct sockaddr *)&ss, &sl)) {
        close(rf->fd);
        return -1;
    }
    unsigned port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                   : ((struct sockaddr_in6 *)&ss)->sin6_port);
    atomic_store(&rf->stop, 0);
    if (pthread_create(&rf->thread, NULL, refuser_main, rf)) {
        close(rf->fd);
        return -1;
    }
    rf->running = 1;
    snprintf(url, cap, "https://%s:%u", host, port);
    return 0;
}

static void refuser_stop(sim_refuser *rf)
{
    if (!rf->running)
        return;
    atomic_store(&rf->stop, 1);
    pthread_join(rf->thread, NULL);
    close(rf->fd);
    rf->running = 0;
}

static char *read_pem(const char *path, const char *what)
{
    mm_buf b = MM_BUF_INIT;
    if (mm_fileio_read_file(path, &b, SIM_PEM_MAX)) {
        mm_log(MM_LOG_ERROR, "cannot read %s %s: %s", what, path, strerror(errno));
        mm_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void schema_parse_error(void *ctx, xmlErrorPtr e)
{
    char *first = ctx;
    if (!first[0] && e && e->message)
        snprintf(first, 300, "%s", e->message);
}

static xmlSchemaPtr load_schema(const char *dir, const char *rel)
{
    char path[4200], first[300] = "";
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    if (!pc)
        return NULL;
    xmlSchemaSetParserStructuredErrors(pc, schema_parse_error, first);
    xmlSchemaPtr s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (!s)
        mm_log(MM_LOG_ERROR, "cannot load schema %s: %s", path, first[0] ? first : "unreadable");
    return s;
}

/* (Re)loads the registry and the faults file; keeps the old ones on error. */
static int load_data(sim_state *st, sim_refuser *rf, const struct sockaddr *addr, socklen_t alen, const char *host)
{
    mm_error err;
    mm_error_clear(&err);
    sim_registry *reg = sim_registry_load(st->registry_path, &err);
    if (!reg) {
        mm_log(MM_LOG_ERROR, "registry not loaded: %s", err.msg);
        return -1;
    }
    sim_faults *faults = NULL;
    if (st->faults_path) {
        faults = sim_faults_load(st->faults_path, &err);
        if (!faults) {
            mm_log(MM_LOG_ERROR, "faults not loaded: %s", err.msg);
            sim_registry_free(reg);
            return -1;
        }
    }
    char url[300] = "";
    if (sim_faults_have_refuse_tls(faults) && !rf->running) {
        if (refuser_start(rf, addr, alen, host, url, sizeof url)) {
            mm_log(MM_LOG_ERROR, "cannot start the TLS-refusing listener: %s", strerror(errno));
            sim_registry_free(reg);
            sim_faults_free(faults);
            return -1;
        }
        mm_log(MM_LOG_INFO, "refuse-tls listener on %s", url);
    }
    pthread_rwlock_wrlock(&st->lock);
    sim_registry *old_reg = st->reg;
    sim_faults *old_faults = st->faults;
    st->reg = reg;
    st->faults = faults;
    if (url[0])
        snprintf(st->refuse_url, sizeof st->refuse_url, "%s", url);
    pthread_rwlock_unlock(&st->lock);
    sim_registry_free(old_reg);
    sim_faults_free(old_faults);
    mm_log(MM_LOG_INFO, "registry: %zu operators, %zu recipients, %zu senders, %zu dispatchers; %zu fault rules",
           reg->n_ops, reg->n_rcps, reg->n_senders, reg->n_disps, faults ? faults->n : (size_t)0);
    return 0;
}

/* The command line, checked; host/port/addr are --listen taken apart. */
typedef struct {
    const char *listen, *cert, *key, *ca, *registry, *schemas, *inbox, *faults, *pidfile;
    mm_log_level level;
    int index_only;
    const char *xmlsec1;   /* the xmlsec1 program with --verify-with=xmlsec1, else NULL */
    char host[256], port[16];
    struct sockaddr_storage addr;
    socklen_t alen;
} sim_args;

/* HOST:PORT or [IPv6]:PORT, numeric only: the simulator never resolves
 * names.  0, or -1 with the reason on stderr. */
static int parse_listen(sim_args *a)
{
    const char *colon = strrchr(a->listen, ':');
    size_t hl = colon ? (size_t)(colon - a->listen) : 0;
    if (!colon || hl == 0 || hl >= sizeof a->host || strlen(colon + 1) == 0 ||
        strlen(colon + 1) >= sizeof a->port) {
        fprintf(stderr, "mmsimd: --listen wants HOST:PORT, e.g. 127.0.0.1:8443\n");
        return -1;
    }
    memcpy(a->host, a->listen, hl);
    a->host[hl] = '\0';
    snprintf(a->port, sizeof a->port, "%s", colon + 1);
    char bare[256];
    snprintf(bare, sizeof bare, "%s", a->host);
    if (bare[0] == '[' && hl > 2 && bare[hl - 1] == ']') {
        memmove(bare, bare + 1, hl - 2);
        bare[hl - 2] = '\0';
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(bare, a->port, &hints, &ai) || !ai) {
        fprintf(stderr, "mmsimd: --listen %s: not a numeric address and port\n", a->listen);
        return -1;
    }
    a->alen = ai->ai_addrlen;
    memcpy(&a->addr, ai->ai_addr, a->alen);
    freeaddrinfo(ai);
    return 0;
}

/* 0: run with a; 1: --help was answered (exit 0); -1: bad command line,
 * said on stderr (exit 2). */
static int parse_args(int argc, char **argv, sim_args *a)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},   {"cert", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},      {"ca", required_argument, NULL, 'a'},
        {"registry", required_argument, NULL, 'r'}, {"schemas", required_argument, NULL, 's'},
        {"inbox", required_argument, NULL, 'i'},    {"faults", required_argument, NULL, 'f'},
        {"pidfile", required_argument, NULL, 'p'},  {"log-level", required_argument, NULL, 'L'},
        {"index-only", no_argument, NULL, 'x'},     {"help", no_argument, NULL, 'h'},
        {"verify-with", required_argument, NULL, 'V'}, {"xmlsec1", required_argument, NULL, 'X'},
        {NULL, 0, NULL, 0},
    };
    const char *level = "info", *verify_with = "sigverify", *xmlsec1 = SIM_XMLSEC1_DEFAULT;
    int o;
    memset(a, 0, sizeof *a);
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'l': a->listen = optarg; break;
        case 'c': a->cert = optarg; break;
        case 'k': a->key = optarg; break;
        case 'a': a->ca = optarg; break;
        case 'r': a->registry = optarg; break;
        case 's': a->schemas = optarg; break;
        case 'i': a->inbox = optarg; break;
        case 'f': a->faults = optarg; break;
        case 'p': a->pidfile = optarg; break;
        case 'L': level = optarg; break;
        case 'x': a->index_only = 1; break;
        case 'V': verify_with = optarg; break;
        case 'X': xmlsec1 = optarg; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
    }
    if (optind != argc || !a->listen || !a->cert || !a->key || !a->ca || !a->registry || !a->schemas ||
        !a->inbox) {
        usage(stderr);
        return -1;
    }
    if (!strcmp(level, "error"))
        a->level = MM_LOG_ERROR;
    else if (!strcmp(level, "warn"))
        a->level = MM_LOG_WARN;
    else if (!strcmp(level, "info"))
        a->level = MM_LOG_INFO;
    else if (!strcmp(level, "debug"))
        a->level = MM_LOG_DEBUG;
    else {
        fprintf(stderr, "mmsimd: --log-level must be error, warn, info or debug\n");
        return -1;
    }
    if (!strcmp(verify_with, "xmlsec1")) {
        if (xmlsec1[0] != '/') {
            fprintf(stderr, "mmsimd: --xmlsec1 wants an absolute path (no PATH search)\n");
            return -1;
        }
        a->xmlsec1 = xmlsec1;
    } else if (strcmp(verify_with, "sigverify")) {
        fprintf(stderr, "mmsimd: --verify-with must be sigverify or xmlsec1\n");
        return -1;
    }
    return parse_listen(a);
}

/* The shared state before anything is loaded into it; sim_state_release
 * undoes it and frees whatever was loaded since. */
static void sim_state_init(sim_state *st, const sim_args *a)
{
    memset(st, 0, sizeof *st);
    pthread_rwlock_init(&st->lock, NULL);
    pthread_mutex_init(&st->fault_mu, NULL);
    pthread_mutex_init(&st->index_mu, NULL);
    pthread_mutex_init(&st->sync_mu, NULL);
    st->index_fd = -1;
    st->inbox = a->inbox;
    st->index_only = a->index_only;
    st->registry_path = a->registry;
    st->faults_path = a->faults;
    if (RAND_bytes((unsigned char *)&st->rng, sizeof st->rng) != 1 || !st->rng)
        st->rng = 0x9e3779b97f4a7c15ULL;
}

static void sim_state_release(sim_state *st)
{
    if (st->tmpdir[0] && rmdir(st->tmpdir))
        mm_log(MM_LOG_WARN, "cannot remove %s: %s", st->tmpdir, strerror(errno));
    if (st->index_fd >= 0)
        close(st->index_fd);
    sim_set_free(&st->seen);
    sim_registry_free(st->reg);
    sim_faults_free(st->faults);
    if (st->ca_store)
        X509_STORE_free(st->ca_store);
    mm_cert_cache_free(st->certs);
    if (st->rcp_schema)
        xmlSchemaFree(st->rcp_schema);
    if (st->svc_schema)
        xmlSchemaFree(st->svc_schema);
    pthread_rwlock_destroy(&st->lock);
    pthread_mutex_destroy(&st->fault_mu);
    pthread_mutex_destroy(&st->index_mu);
    pthread_mutex_destroy(&st->sync_mu);
}

/* --verify-with=xmlsec1: the program must be there, and the documents and
 * certificates it reads go to a directory of our own (mode 0700, made
 * fresh with mkdtemp), not into a shared /tmp.  0, or -1 logged. */
static int xmlsec1_setup(sim_state *st, const sim_args *a)
{
    if (access(a->xmlsec1, X_OK)) {
        mm_log(MM_LOG_ERROR, "--verify-with=xmlsec1: cannot run %s: %s (Debian package xmlsec1)", a->xmlsec1,
               strerror(errno));
        return -1;
    }
    const char *base = getenv("TMPDIR");
    snprintf(st->tmpdir, sizeof st->tmpdir, "%s/mmsimd.XXXXXX", base && base[0] == '/' ? base : "/tmp");
    if (!mkdtemp(st->tmpdir)) {
        mm_log(MM_LOG_ERROR, "cannot create a temporary directory %s: %s", st->tmpdir, strerror(errno));
        st->tmpdir[0] = '\0';
        return -1;
    }
    st->xmlsec1_path = a->xmlsec1;
    mm_log(MM_LOG_INFO, "signatures verified by %s (temporary files in %s)", a->xmlsec1, st->tmpdir);
    return 0;
}

/* The schemas and the CA store for checking requests.  0, or -1 logged;
 * what was loaded stays in st for sim_state_release. */
static int load_trust(sim_state *st, const sim_args *a)
{
    st->rcp_schema = load_schema(a->schemas, "schema/v3/Recipient.xsd");
    st->svc_schema = load_schema(a->schemas, "schema/v3/Service.xsd");
    if (!st->rcp_schema || !st->svc_schema)
        return -1;
    mm_error err;
    st->certs = mm_cert_cache_new();
    if (!st->certs) {
        mm_log(MM_LOG_ERROR, "out of memory");
        return -1;
    }
    if (!(st->ca_store = mm_cert_store_load(a->ca, &err))) {
        mm_log(MM_LOG_ERROR, "%s", err.msg);
        return -1;
    }
    return a->xmlsec1 ? xmlsec1_setup(st, a) : 0;
}

/* The HTTPS listener on a->addr, with the PEM texts (which must outlive
 * it); NULL logged.  With port 0 the bound port goes into st->base_url. */
static struct MHD_Daemon *start_daemon(sim_state *st, sim_args *a, const char *cert_pem, const char *key_pem,
                                       const char *ca_pem)
{
    unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                     MHD_USE_ERROR_LOG;
    if (a->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(flags, 0, on_accept, st, on_request, st,
                         MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL, /* first, or MHD warns */
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a->addr,
                         MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
                         MHD_OPTION_HTTPS_MEM_KEY, key_pem,
                         MHD_OPTION_HTTPS_MEM_TRUST, ca_pem,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                         MHD_OPTION_END);
    if (!d) {
        mm_log(MM_LOG_ERROR, "cannot listen on %s (address in use, or bad certificate/key)", a->listen);
        return NULL;
    }
    if (!strcmp(a->port, "0")) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        pthread_rwlock_wrlock(&st->lock);
        snprintf(st->base_url, sizeof st->base_url, "https://%s:%u", a->host, di ? (unsigned)di->port : 0u);
        pthread_rwlock_unlock(&st->lock);
    }
    return d;
}

/* Serves until SIGTERM or SIGINT; SIGHUP re-reads the registry and faults. */
static void wait_for_signals(const sigset_t *sigs, sim_state *st, sim_refuser *rf, sim_args *a)
{
    for (;;) {
        int sig = 0;
        if (sigwait(sigs, &sig))
            continue;
        if (sig == SIGHUP) {
            mm_log(MM_LOG_INFO, "SIGHUP: re-reading %s%s%s", a->registry, a->faults ? " and " : "",
                   a->faults ? a->faults : "");
            load_data(st, rf, (struct sockaddr *)&a->addr, a->alen, a->host);
        } else if (sig == SIGTERM || sig == SIGINT) {
            mm_log(MM_LOG_INFO, "stopping (signal %d)", sig);
            return;
        }
    }
}

/* One exit path: rc is set before each jump to out (0 stopped by a signal
 * or --help, 2 bad command line, 1 could not start); out releases only
 * what was acquired, in reverse order. */
int main(int argc, char **argv)
{
    int rc = 2, dsig_ready = 0, st_ready = 0, pid_written = 0;
    sim_args a;
    sim_state st;
    sim_refuser rf;
    memset(&rf, 0, sizeof rf);
    rf.fd = -1;
    char *cert_pem = NULL, *key_pem = NULL, *ca_pem = NULL;
    struct MHD_Daemon *d = NULL;
    sigset_t sigs;
    mm_error err;
    mm_error_clear(&err);

    switch (parse_args(argc, argv, &a)) {
    case 0:
        break;
    case 1:
        rc = 0;
        goto out;
    default:
        rc = 2;
        goto out;
    }
    mm_log_init("mmsimd", a.level);
    rc = 1;

    if (mkdir(a.inbox, 0750) && errno != EEXIST) {
        mm_log(MM_LOG_ERROR, "cannot create inbox %s: %s", a.inbox, strerror(errno));
        goto out;
    }

    /* Signals are taken synchronously by main with sigwait; every thread
     * started from here on inherits the mask (and ignores SIGPIPE). */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (mm_dsig_init(&err)) {
        mm_log(MM_LOG_ERROR, "cannot initialise XML signatures: %s", err.msg);
        goto out;
    }
    dsig_ready = 1;
    sim_state_init(&st, &a);
    st_ready = 1;

    if (load_trust(&st, &a))
        goto out;
    cert_pem = read_pem(a.cert, "certificate");
    key_pem = read_pem(a.key, "key");
    ca_pem = read_pem(a.ca, "CA certificate");
    if (!cert_pem || !key_pem || !ca_pem)
        goto out;
    if (sim_index_open(&st, &err)) {
        mm_log(MM_LOG_ERROR, "%s", err.msg);
        goto out;
    }
    /* The listener's URL first: ServiceAdress values are built from it. */
    snprintf(st.base_url, sizeof st.base_url, "https://%s:%s", a.host, a.port);
    if (load_data(&st, &rf, (struct sockaddr *)&a.addr, a.alen, a.host))
        goto out;
    if (!(d = start_daemon(&st, &a, cert_pem, key_pem, ca_pem)))
        goto out;
    if (a.pidfile) {
        FILE *pf = fopen(a.pidfile, "w");
        if (!pf || fprintf(pf, "%ld\n", (long)getpid()) < 0 || fclose(pf)) {
            mm_log(MM_LOG_ERROR, "cannot write pidfile %s", a.pidfile);
            goto out;
        }
        pid_written = 1;
    }
    printf("mmsimd: listening on %s\n", st.base_url);
    fflush(stdout);
    mm_log(MM_LOG_INFO, "listening on %s (inbox %s)", st.base_url, a.inbox);

    wait_for_signals(&sigs, &st, &rf, &a);
    rc = 0;

out:
    if (d)
        MHD_stop_daemon(d);
    refuser_stop(&rf);
    if (pid_written && rc == 0)
        unlink(a.pidfile);
    free(cert_pem);
    free(key_pem);
    free(ca_pem);
    if (st_ready)
        sim_state_release(&st);
    if (dsig_ready)
        mm_dsig_shutdown();
    return rc;
}
