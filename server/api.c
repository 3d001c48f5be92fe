/* The HTTPS front of mmprintd: libmicrohttpd with client certificates
 * checked against the configured CA (GnuTLS), size-limited bodies, JSON
 * with jansson, and the job API of doc/api.md. */
#include <ctype.h>
#include <errno.h>
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
#include <openssl/evp.h>

#include "bundle.h"
#include "idnum.h"
#include "log.h"
#include "pdfcheck.h"
#include "mmprintd.h"

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
    if (mm_buf_read_file(&b, path, 1u << 20)) {
        mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot read %s: %s", path, strerror(errno));
        mm_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* ---- responses ---- */

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *type, char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!text)
        return MHD_NO;
    size_t n = strlen(text);
    char *t2 = realloc(text, n + 2);
    if (t2) {
        t2[n] = '\n';
        t2[n + 1] = 0;
        text = t2;
    }
    return respond_text(c, status, "application/json", text);
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *error,
                                     const char *message_sv)
{
    return respond_json(c, status, json_pack("{s:s, s:s}", "error", error, "message", message_sv));
}

static void iso_time(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *srv_job_json(srv *s, const srv_job *j, int with_events)
{
    char msg[512], mask[16] = "", created[32], updated[32];
    srv_message(s, j, msg, sizeof msg);
    if (j->recipient[0])
        mm_idnum_mask(j->recipient, mask);
    iso_time(j->created_ms, created, sizeof created);
    iso_time(j->updated_ms, updated, sizeof updated);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(j->id));
    json_object_set_new(o, "state", json_string(srv_jstate_name(j->state)));
    json_object_set_new(o, "channel", json_string(j->channel[0] ? j->channel : "none"));
    json_object_set_new(o, "reason", json_string(j->reason));
    json_object_set_new(o, "operator", str_or_null(j->operator_name));
    json_object_set_new(o, "printer", str_or_null(j->printer));
    json_object_set_new(o, "trans_id", str_or_null(j->trans_id));
    json_object_set_new(o, "printer_job_id", j->print_job_id > 0 ? json_integer(j->print_job_id) : json_null());
    json_object_set_new(o, "message", json_string(msg));
    json_object_set_new(o, "pages", json_integer(j->pages));
    json_object_set_new(o, "recipient_masked", str_or_null(mask));
    json_object_set_new(o, "recipient_source", str_or_null(j->recipient_source));
    json_object_set_new(o, "policy", json_string(j->policy));
    json_object_set_new(o, "user", str_or_null(j->user));
    json_object_set_new(o, "host", str_or_null(j->host));
    json_object_set_new(o, "client", str_or_null(j->client));
    json_object_set_new(o, "cups_job_id", str_or_null(j->cups_job_id));
    json_object_set_new(o, "department", str_or_null(j->department));
    json_object_set_new(o, "title", str_or_null(j->title));
    json_object_set_new(o, "message_id", str_or_null(j->message_id));
    json_object_set_new(o, "sha256", str_or_null(j->sha256));
    json_object_set_new(o, "created", json_string(created));
    json_object_set_new(o, "updated", json_string(updated));
    json_object_set_new(o, "exception", json_boolean(srv_job_is_exception(j)));
    if (j->resolved_ms) {
        char resolved[32];
        iso_time(j->resolved_ms, resolved, sizeof resolved);
        json_object_set_new(o, "resolution", json_string(j->resolution));
        json_object_set_new(o, "resolved_by", json_string(j->resolved_by));
        json_object_set_new(o, "resolved", json_string(resolved));
    }
    if (with_events)
        json_object_set_new(o, "events", srv_store_events_json(s->store, j->id));
    return o;
}

/* ---- authorisation ---- */

/* Who may do what is decided here and nowhere else (DESIGN: two entrances,
 * one set of rules).  Today the API has one kind of principal: a machine
 * whose client certificate the front admitted (client_ca, client_allow).
 * It may do what the API offered before (see, cancel, resolve any job);
 * only "cancel-own", a workstation reporting a cancel in its own CUPS, is
 * held to the jobs that certificate submitted, since a notifier has no
 * business with another machine's jobs.  Roles (handläggare, print room,
 * admin) and the ownership of every action come with issue 10, here. */
int srv_may(const srv *s, const char *principal, const char *action, const srv_job *job)
{
    (void)s;
    if (!principal || !principal[0])
        return 0;
    if (!strcmp(action, "cancel-own"))
        return job && job->client[0] && !strcmp(principal, job->client);
    return 1;
}

/* ---- client certificates ---- */

static int client_allowed(const srv *s, const char *cn)
{
    if (!s->conf.client_allow[0])
        return 1;
    const char *p = s->conf.client_allow;
    size_t n = strlen(cn);
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if ((size_t)(t - p) == n && n && !strncmp(p, cn, n))
            return 1;
        p = e;
    }
    return 0;
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

/* ---- handlers ---- */

static int valid_job_id(const char *id)
{
    if (strlen(id) != 36)
        return 0;
    for (int i = 0; i < 36; i++)
        if (!(isxdigit((unsigned char)id[i]) || id[i] == '-'))
            return 0;
    return 1;
}

static int valid_key(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)k[i]) && !strchr("-_.:", k[i]))
            return 0;
    return 1;
}

static enum MHD_Result answer_job(srv *s, struct MHD_Connection *c, const char *id, unsigned status)
{
    srv_job j;
    mm_error err;
    int rc = srv_store_get(s->store, id, &j, &err);
    if (rc < 0)
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    if (rc == 1)
        return respond_error(c, 404, "not-found", "Jobbet finns inte");
    return respond_json(c, status, srv_job_json(s, &j, 0));
}

/* Hands a job to its stage and waits (briefly) for its outcome. */
static void run_and_wait(srv *s, const srv_job *j)
{
    srv_waiter w;
    srv_wait_register(s, &w, j->id, j->state);
    srv_enqueue(s, j);
    srv_wait(s, &w, s->conf.sync_wait_ms);
    srv_wait_unregister(s, &w);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Strict UTF-8 (no overlongs, surrogates or controls other than tab):
 * header values end up in JSON answers, the journal and the separator page. */
static int valid_utf8(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        if (*p < 0x80) {
            if (*p < 0x20 && *p != '\t')
                return 0;
            p++;
            continue;
        }
        int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
        if (n < 0 || *p == 0xc0 || *p == 0xc1 || *p > 0xf4)
            return 0;
        unsigned cp = *p & (0x3f >> n);
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        p += n + 1;
    }
    return 1;
}

/* 400 for the sender's own organisation number given as a recipient. */
static enum MHD_Result respond_own_number(struct MHD_Connection *c, const char *number12)
{
    char sv[200];
    srv_recipient_own_sv(number12, sv, sizeof sv);
    sv[0] = 'N'; /* "numret ...": a sentence of its own here */
    return respond_error(c, 400, "own-number", sv);
}

static int recipient_ok(const char *number, char out[13])
{
    mm_id id;
    mm_error err;
    if (!number[0] || mm_idnum_parse(number, NULL, &id, &err))
        return 0;
    memcpy(out, id.number, 13);
    return 1;
}

/* Completes a job that waited for a recipient; 0 done, 1 state changed meanwhile. */
static int complete_recipient(srv *s, srv_job *j, const char *number12, const char *source)
{
    char mask[16], detail[200];
    snprintf(j->recipient, sizeof j->recipient, "%s", number12);
    snprintf(j->recipient_source, sizeof j->recipient_source, "%s", source);
    j->recipient_problem[0] = 0;
    j->reason[0] = j->reason_sv[0] = 0;
    j->attempts = 0;
    j->deadline_ms = srv_now_ms() + s->conf.retry_deadline_s * 1000;
    j->state = SRV_JSTATE_QUEUED;
    mm_idnum_mask(number12, mask);
    snprintf(detail, sizeof detail, "recipient %s added (source %s)", mask, source);
    int rc = srv_transition(s, j, SRV_JSTATE_NEEDS_RECIPIENT, "recipient-added", detail);
    if (rc == 0)
        run_and_wait(s, j);
    return rc;
}

/* The letter must be one the print room can print: parsed, unencrypted,
 * with pages.  Refused at once (400 with a Swedish message the backend
 * shows in CUPS) rather than accepted and failed later.  Returns 0 with
 * *pages, or -1 with *refused set to the answer already queued. */
static int check_letter(struct MHD_Connection *c, const req_ctx *rq, const mm_bundle *b, int *pages,
                        enum MHD_Result *refused)
{
    static const char *codes[] = {[MM_PDF_DAMAGED] = "damaged-pdf", [MM_PDF_ENCRYPTED] = "encrypted-pdf",
                                  [MM_PDF_NO_PAGES] = "no-pages"};
    mm_error err;
    mm_error_clear(&err);
    if (mm_pdf_check(b->document, b->document_len, pages, &err) == 0)
        return 0;
    int code = err.code >= MM_PDF_DAMAGED && err.code <= MM_PDF_NO_PAGES ? err.code : MM_PDF_DAMAGED;
    mm_log(MM_LOG_WARN, "refused a job from %s (user %s, cups job %s): %s", rq->client, b->user,
           b->cups_job_id[0] ? b->cups_job_id : "-", err.msg);
    *refused = respond_json(c, 400, json_pack("{s:s, s:s, s:s}", "error", codes[code], "detail", err.msg,
                                              "message", mm_pdf_problem_sv(code)));
    return -1;
}

/* A held job re-sent with a number that cannot be used: it stays held, with
 * the new reason. */
static void refuse_recipient(srv *s, srv_job *j, const srv_recipient *rcp)
{
    srv_copy(j->recipient_problem, sizeof j->recipient_problem, rcp->problem);
    srv_copy(j->reason, sizeof j->reason, rcp->problem);
    srv_copy(j->reason_sv, sizeof j->reason_sv, rcp->reason_sv);
    char detail[300];
    snprintf(detail, sizeof detail, "resubmitted; still no usable recipient: %s", rcp->problem);
    srv_transition(s, j, SRV_JSTATE_NEEDS_RECIPIENT, "recipient-refused", detail);
}

static enum MHD_Result post_job(srv *s, struct MHD_Connection *c, req_ctx *rq)
{
    if (atomic_load(&s->draining))
        return respond_error(c, 503, "draining", "Servern startar om, jobbet skickas igen strax");
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (key && !valid_key(key))
        return respond_error(c, 400, "bad-idempotency-key", "Ogiltig jobbnyckel (Idempotency-Key)");
    mm_bundle b;
    mm_error err;
    mm_error_clear(&err);
    mm_bundle_init(&b);
    if (mm_bundle_parse((const unsigned char *)rq->body.data, rq->body.len, &b, &err)) {
        mm_log(MM_LOG_WARN, "refused a job from %s: %s", rq->client, err.msg);
        return respond_json(c, 400, json_pack("{s:s, s:s, s:s}", "error", "bad-bundle", "detail", err.msg,
                                              "message", "Utskriftsjobbet kunde inte läsas av servern"));
    }
    const char *texts[] = {b.recipient, b.recipient_source, b.recipient_problem, b.title, b.subject, b.user,
                           b.host, b.cups_job_id, b.policy, b.department};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!valid_utf8(texts[i]))
            return respond_json(c, 400, json_pack("{s:s, s:s, s:s}", "error", "bad-bundle", "detail",
                                                  "a header value is not valid UTF-8 text", "message",
                                                  "Utskriftsjobbet kunde inte läsas av servern"));
    if (b.document_type[0] && strcmp(b.document_type, "application/pdf"))
        return respond_error(c, 400, "bad-document-type", "Endast PDF-dokument kan skickas");
    if (b.document_len < 5 || memcmp(b.document, "%PDF-", 5))
        return respond_error(c, 400, "not-pdf", "Dokumentet är inte en PDF");
    int pages = 0;
    enum MHD_Result refused;
    if (check_letter(c, rq, &b, &pages, &refused) < 0)
        return refused;
    const char *policy = b.policy[0] ? b.policy : "digital-else-paper";
    if (strcmp(policy, "digital-else-paper") && strcmp(policy, "digital-only") && strcmp(policy, "paper-only"))
        return respond_error(c, 400, "bad-policy", "Okänt leveranssätt (policy)");

    srv_recipient rcp;
    int have_recipient = srv_recipient_from_bundle(s, &b, &rcp);
    const char *number = rcp.number;

    srv_job *j = calloc(1, sizeof *j);
    if (!j)
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    srv_new_id(j->id);
    snprintf(j->idem_key, sizeof j->idem_key, "%s", key ? key : "");
    snprintf(j->recipient, sizeof j->recipient, "%s", number);
    snprintf(j->recipient_source, sizeof j->recipient_source, "%s", have_recipient ? rcp.source : "");
    snprintf(j->recipient_problem, sizeof j->recipient_problem, "%s", rcp.problem);
    snprintf(j->title, sizeof j->title, "%s", b.title);
    snprintf(j->subject, sizeof j->subject, "%s", b.subject);
    snprintf(j->user, sizeof j->user, "%s", b.user);
    snprintf(j->host, sizeof j->host, "%s", b.host);
    snprintf(j->client, sizeof j->client, "%s", rq->client);
    snprintf(j->cups_job_id, sizeof j->cups_job_id, "%s", b.cups_job_id);
    snprintf(j->policy, sizeof j->policy, "%s", policy);
    snprintf(j->department, sizeof j->department, "%s", b.department);
    /* What qpdf counted, not what the bundle claims. */
    j->pages = pages;
    j->doc_len = (int64_t)b.document_len;
    sha256_hex(b.document, b.document_len, j->sha256);
    j->created_ms = j->updated_ms = srv_now_ms();
    srv_policy_intake(s, j, have_recipient, rcp.reason_sv);

    char detail[2000], mask[16] = "-";
    if (have_recipient)
        mm_idnum_mask(number, mask);
    snprintf(detail, sizeof detail,
             "from %s user %s host %s cups job %s; recipient %s (%s); policy %s; %zu bytes sha256 %s, %d pages",
             rq->client, j->user, j->host, j->cups_job_id[0] ? j->cups_job_id : "-", mask,
             have_recipient ? j->recipient_source : j->recipient_problem, policy, b.document_len, j->sha256,
             j->pages);
    int rc = srv_store_insert(s->store, j, detail, b.document, b.document_len, &err);
    if (rc < 0) {
        mm_log(MM_LOG_ERROR, "cannot store a job: %s", err.msg);
        free(j);
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    }
    if (rc == 1) {
        /* A repeat: j now holds the first job.  Never a second letter. */
        char id[37];
        memcpy(id, j->id, sizeof id);
        if (j->state == SRV_JSTATE_NEEDS_RECIPIENT && have_recipient) {
            /* `lp -i ID -o Personnummer=N -H resume` re-sends the same job-uuid with a recipient. */
            const char *src = rcp.source[0] ? rcp.source : "resubmitted";
            complete_recipient(s, j, number, src);
        } else if (j->state == SRV_JSTATE_NEEDS_RECIPIENT && strcmp(j->reason_sv, rcp.reason_sv)) {
            /* Released with a number that cannot be used (the sender's own):
             * still held, and the CUPS line says why now. */
            refuse_recipient(s, j, &rcp);
        } else {
            srv_store_event(s->store, id, "repeat", "same Idempotency-Key submitted again; answered with this job",
                            NULL);
        }
        free(j);
        return answer_job(s, c, id, 200);
    }
    mm_log(MM_LOG_INFO, "job %s received from %s: %s", j->id, rq->client, srv_jstate_name(j->state));
    char id[37];
    memcpy(id, j->id, sizeof id);
    if (j->state != SRV_JSTATE_NEEDS_RECIPIENT)
        run_and_wait(s, j);
    free(j);
    return answer_job(s, c, id, 201);
}

/* A job by id for a handler: 0 found, else -1 with *answer queued (404 or 500). */
static int find_job(srv *s, struct MHD_Connection *c, const char *id, srv_job *j, enum MHD_Result *answer)
{
    int rc = srv_store_get(s->store, id, j, NULL);
    if (rc == 0)
        return 0;
    *answer = rc == 1 ? respond_error(c, 404, "not-found", "Jobbet finns inte")
                      : respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    return -1;
}

static enum MHD_Result post_recipient(srv *s, struct MHD_Connection *c, const char *id, req_ctx *rq)
{
    json_error_t je;
    json_t *o = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, JSON_REJECT_DUPLICATES, &je);
    const char *num = json_is_object(o) ? json_string_value(json_object_get(o, "recipient")) : NULL;
    char number[13];
    if (!num || !recipient_ok(num, number)) {
        json_decref(o);
        return respond_error(c, 400, "bad-recipient", "Ogiltigt personnummer");
    }
    json_decref(o);
    if (srv_recipient_is_own(s, number))
        return respond_own_number(c, number);
    srv_job j;
    enum MHD_Result missing;
    if (find_job(s, c, id, &j, &missing))
        return missing;
    if (j.state != SRV_JSTATE_NEEDS_RECIPIENT)
        return respond_error(c, 409, "has-recipient", "Jobbet väntar inte på något personnummer");
    if (complete_recipient(s, &j, number, "api"))
        return respond_error(c, 409, "has-recipient", "Jobbet väntar inte på något personnummer");
    return answer_job(s, c, id, 200);
}

static enum MHD_Result post_cancel(srv *s, struct MHD_Connection *c, const char *id, const char *client)
{
    srv_job j;
    enum MHD_Result missing;
    if (find_job(s, c, id, &j, &missing))
        return missing;
    if (!srv_may(s, client, "cancel", &j))
        return respond_error(c, 403, "not-allowed", "Du har inte behörighet att avbryta jobbet");
    srv_jstate was = j.state;
    if (was != SRV_JSTATE_QUEUED && was != SRV_JSTATE_NEEDS_RECIPIENT)
        return respond_error(c, 409, "not-cancellable", "Jobbet har redan skickats och kan inte avbrytas");
    j.state = SRV_JSTATE_CANCELLED;
    snprintf(j.channel, sizeof j.channel, "none");
    if (srv_transition(s, &j, was, "cancelled", "cancelled through the API") != 0)
        return respond_error(c, 409, "not-cancellable", "Jobbet har redan skickats och kan inte avbrytas");
    return answer_job(s, c, id, 200);
}

/* ---- the exception list ---- */

static const char *const not_exception_sv =
    "Jobbet finns inte bland undantagen: brevet har nått mottagaren, väntar fortfarande eller är redan hanterat";

static enum MHD_Result post_resolve(srv *s, struct MHD_Connection *c, const char *id, req_ctx *rq)
{
    json_error_t je;
    json_t *o = json_loadb(rq->body.data ? rq->body.data : "", rq->body.len, JSON_REJECT_DUPLICATES, &je);
    const char *a = json_is_object(o) ? json_string_value(json_object_get(o, "action")) : NULL;
    char action[16] = "";
    if (a && (!strcmp(a, "reprint") || !strcmp(a, "handled") || !strcmp(a, "cancel")))
        snprintf(action, sizeof action, "%s", a);
    json_decref(o);
    if (!action[0])
        return respond_error(c, 400, "bad-action", "Okänd åtgärd: ange reprint, handled eller cancel");
    srv_job j;
    enum MHD_Result missing;
    if (find_job(s, c, id, &j, &missing))
        return missing;
    if (!srv_may(s, rq->client, "resolve", &j))
        return respond_error(c, 403, "not-allowed", "Du har inte behörighet att hantera jobbet");
    if (!srv_job_is_exception(&j))
        return respond_error(c, 409, "not-exception", not_exception_sv);
    int rc = srv_resolve(s, &j, action, rq->client);
    if (rc == 1)
        return respond_error(c, 409, "not-exception", not_exception_sv);
    if (rc == 2)
        return respond_error(c, 409, "no-document",
                             "Brevet finns inte längre kvar i servern och kan inte skrivas ut igen");
    if (rc < 0)
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    if (!strcmp(action, "reprint"))
        run_and_wait(s, &j);
    return answer_job(s, c, id, 200);
}

typedef struct {
    srv *s;
    json_t *arr;
} exc_ctx;

/* An exception is the job as every other answer shows it, plus what the
 * exception list needs: the Swedish reason, the end, and the letter's fate. */
static void exception_one(const srv_job *j, int kept, void *arg)
{
    exc_ctx *x = arg;
    char final[32], purge[32];
    iso_time(j->final_ms, final, sizeof final);
    iso_time(j->final_ms + (int64_t)x->s->conf.exception_retention_s * 1000, purge, sizeof purge);
    json_t *o = srv_job_json(x->s, j, 0);
    json_object_set_new(o, "reason_sv", json_string(j->reason_sv));
    json_object_set_new(o, "final", json_string(final));
    json_object_set_new(o, "document_kept", json_boolean(kept));
    json_object_set_new(o, "document_purged_after", kept ? json_string(purge) : json_null());
    json_array_append_new(x->arr, o);
}

static enum MHD_Result list_exceptions(srv *s, struct MHD_Connection *c, req_ctx *rq)
{
    if (!srv_may(s, rq->client, "see-exceptions", NULL))
        return respond_error(c, 403, "not-allowed", "Du har inte behörighet att se undantagen");
    exc_ctx x = {s, json_array()};
    if (srv_store_exceptions(s->store, 1000, exception_one, &x, NULL)) {
        json_decref(x.arr);
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    }
    return respond_json(c, 200, json_pack("{s:o}", "exceptions", x.arr));
}

static enum MHD_Result get_job(srv *s, struct MHD_Connection *c, const char *id)
{
    srv_job j;
    enum MHD_Result missing;
    if (find_job(s, c, id, &j, &missing))
        return missing;
    return respond_json(c, 200, srv_job_json(s, &j, 1));
}

static enum MHD_Result respond_not_cancellable(struct MHD_Connection *c, const srv_job *j)
{
    const char *sv = srv_jstate_is_final(j->state) ? "Jobbet är redan avslutat och ändras inte"
                                                  : "Jobbet har redan skickats och kan inte avbrytas";
    return respond_json(c, 409, json_pack("{s:s, s:s, s:s, s:s}", "error", "not-cancellable", "state", srv_jstate_name(j->state),
                                          "id", j->id, "message", sv));
}

/* The CUPS notifier of a workstation reports that the user cancelled the
 * job there (lprm, cancel, the Windows queue view).  The job is named by
 * the Idempotency-Key it was submitted with (its CUPS job-uuid), so the
 * workstation needs no server job id.  Only a job that has not started to
 * go out is cancelled; cancelled is final, so its letter is purged in the
 * same transaction (it reached no one by the user's own choice). */
static enum MHD_Result post_cancel_by_key(srv *s, struct MHD_Connection *c, const char *key, const req_ctx *rq)
{
    if (!valid_key(key))
        return respond_error(c, 400, "bad-idempotency-key", "Ogiltig jobbnyckel (Idempotency-Key)");
    srv_job j;
    mm_error err;
    mm_error_clear(&err);
    int rc = srv_store_get_by_key(s->store, key, &j, &err);
    if (rc < 0) {
        mm_log(MM_LOG_ERROR, "cannot look up a job by key: %s", err.msg);
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    }
    if (rc == 0 && !srv_may(s, rq->client, "cancel-own", &j)) {
        /* Answered like an unknown key: a workstation learns nothing of
         * other workstations' jobs. */
        mm_log(MM_LOG_WARN, "%s asked to cancel job %s, submitted by %s: refused", rq->client, j.id, j.client);
        rc = 1;
    }
    if (rc == 1)
        return respond_error(c, 404, "not-found", "Jobbet finns inte");
    /* A worker may move the job on between reading and writing: the
     * compare-and-set then fails and the new state decides. */
    for (int round = 0; round < 3; round++) {
        char detail[900];
        srv_jstate was = j.state;
        if (was != SRV_JSTATE_QUEUED && was != SRV_JSTATE_NEEDS_RECIPIENT)
            break;
        j.state = SRV_JSTATE_CANCELLED;
        snprintf(j.channel, sizeof j.channel, "none");
        snprintf(j.reason, sizeof j.reason, "cancelled in CUPS");
        snprintf(j.reason_sv, sizeof j.reason_sv, "%s", srv_sv(SRV_SV_CANCELLED_IN_CUPS));
        snprintf(detail, sizeof detail, "cancelled in CUPS (cups job %s on %s) while %s; reported by %s; letter purged",
                 j.cups_job_id[0] ? j.cups_job_id : "-", j.host[0] ? j.host : "-", srv_jstate_name(was), rq->client);
        rc = srv_transition(s, &j, was, "cancelled-in-cups", detail);
        if (rc == 0) {
            mm_log(MM_LOG_INFO, "job %s cancelled in CUPS (reported by %s)", j.id, rq->client);
            return answer_job(s, c, j.id, 200);
        }
        if (rc < 0 || srv_store_get(s->store, j.id, &j, &err) != 0)
            return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    }
    return respond_not_cancellable(c, &j);
}

typedef struct {
    srv *s;
    json_t *arr;
} list_ctx;

static void list_one(const srv_job *j, void *arg)
{
    list_ctx *l = arg;
    json_array_append_new(l->arr, srv_job_json(l->s, j, 0));
}

static int parse_since(const char *v, int64_t *out)
{
    if (!v || !*v) {
        *out = 0;
        return 0;
    }
    if (strspn(v, "0123456789") == strlen(v) && strlen(v) <= 12) {
        *out = strtoll(v, NULL, 10) * 1000;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!e || *e) {
        memset(&tm, 0, sizeof tm);
        e = strptime(v, "%Y-%m-%d", &tm);
        if (!e || *e)
            return -1;
    }
    *out = (int64_t)timegm(&tm) * 1000;
    return 0;
}

static enum MHD_Result list_jobs(srv *s, struct MHD_Connection *c)
{
    const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user");
    const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    int64_t since_ms;
    if (parse_since(since, &since_ms))
        return respond_error(c, 400, "bad-since", "Ogiltigt datum (since): använd ÅÅÅÅ-MM-DD");
    if ((user && strlen(user) > 127) || (state && strlen(state) > 19))
        return respond_error(c, 400, "bad-filter", "Ogiltigt filter");
    list_ctx l = {s, json_array()};
    if (srv_store_list(s->store, user && *user ? user : NULL, state && *state ? state : NULL, since_ms, 1000,
                       list_one, &l, NULL)) {
        json_decref(l.arr);
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    }
    return respond_json(c, 200, json_pack("{s:o}", "jobs", l.arr));
}

static enum MHD_Result get_reachability(srv *s, struct MHD_Connection *c, const char *text)
{
    mm_id id;
    mm_error err;
    if (strlen(text) > 20 || mm_idnum_parse(text, NULL, &id, &err))
        return respond_error(c, 400, "bad-recipient", "Ogiltigt personnummer");
    if (srv_recipient_is_own(s, id.number))
        return respond_own_number(c, id.number);
    mm_http *h = srv_http_new(s);
    if (!h)
        return respond_error(c, 500, "internal", "Internt fel i servern, försök igen senare");
    const char *ids[1] = {id.number};
    mm_reach r;
    mm_soap_fault f;
    memset(&r, 0, sizeof r);
    memset(&f, 0, sizeof f);
    atomic_fetch_add(&s->far_calls, 1);
    int rc = mm_far_is_reachable(h, s->conf.far_url, s->conf.sender_id[0] ? s->conf.sender_id : s->orgnr, ids, 1,
                                 &r, &f, &err);
    mm_http_free(h);
    if (rc) {
        atomic_fetch_add(&s->far_errors, 1);
        mm_log(MM_LOG_WARN, "reachability precheck failed: %s", err.msg);
        return respond_json(c, 502, json_pack("{s:s, s:s, s:s}", "error", "far-unavailable", "detail", err.msg,
                                              "message", "Adressregistret svarar inte just nu"));
    }
    char mask[16];
    mm_idnum_mask(id.number, mask);
    return respond_json(c, 200, json_pack("{s:s, s:b, s:o, s:s}", "recipient_masked", mask, "digital", r.digital,
                                          "operator", str_or_null(r.operator_name[0] ? r.operator_name : r.operator_id),
                                          "reason", r.digital ? "digital mailbox" : r.reason));
}

typedef struct {
    mm_buf *out;
} count_ctx;

static void count_one(const char *state, const char *channel, long n, void *arg)
{
    count_ctx *cc = arg;
    mm_buf_printf(cc->out, "mmprintd_jobs{state=\"%s\",channel=\"%s\"} %ld\n", state, channel[0] ? channel : "none",
                  n);
}

static void exception_count(const char *state, long n, void *arg)
{
    long *counts = arg;
    srv_jstate st = srv_jstate_from_name(state);
    counts[st == SRV_JSTATE_FAILED ? 0 : st == SRV_JSTATE_RETURNED ? 1 : 2] += n;
}

static enum MHD_Result get_metrics(srv *s, struct MHD_Connection *c)
{
    mm_buf b = MM_BUF_INIT;
    count_ctx cc = {&b};
    mm_buf_puts(&b, "# HELP mmprintd_jobs Jobs in the store by state and channel.\n# TYPE mmprintd_jobs gauge\n");
    srv_store_counts(s->store, count_one, &cc);
    long exc[3] = {0, 0, 0};
    srv_store_exception_counts(s->store, exception_count, exc);
    mm_buf_printf(&b, "# HELP mmprintd_exceptions_open Letters that reached no one, kept until a person resolves"
                      " them (GET /api/v1/exceptions).\n# TYPE mmprintd_exceptions_open gauge\n"
                      "mmprintd_exceptions_open{state=\"failed\"} %ld\nmmprintd_exceptions_open{state=\"returned\"} %ld\n"
                      "mmprintd_exceptions_open{state=\"expired\"} %ld\n",
                  exc[0], exc[1], exc[2]);
    mm_buf_puts(&b, "# HELP mmprintd_delivery_latency_seconds From submission to Delivered.\n"
                    "# TYPE mmprintd_delivery_latency_seconds histogram\n");
    long cum = 0;
    for (int i = 0; i < SRV_LAT_BUCKETS; i++) {
        cum += atomic_load(&s->lat_bucket[i]);
        mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_bucket{le=\"%g\"} %ld\n", srv_lat_bounds[i], cum);
    }
    cum += atomic_load(&s->lat_bucket[SRV_LAT_BUCKETS]);
    mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_bucket{le=\"+Inf\"} %ld\n", cum);
    mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_sum %.3f\n", (double)atomic_load(&s->lat_sum_ms) / 1000.0);
    mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_count %ld\n", atomic_load(&s->lat_count));
    struct {
        const char *name, *help;
        long v;
    } counters[] = {
        {"mmprintd_far_requests_total", "isReachable calls to FaR.", atomic_load(&s->far_calls)},
        {"mmprintd_far_errors_total", "FaR calls that failed.", atomic_load(&s->far_errors)},
        {"mmprintd_operator_attempts_total", "deliverSecure attempts.", atomic_load(&s->op_attempts)},
        {"mmprintd_operator_errors_total", "deliverSecure technical failures (retried).", atomic_load(&s->op_errors)},
        {"mmprintd_operator_rejections_total", "deliverSecure application faults (not retried).",
         atomic_load(&s->op_rejected)},
        {"mmprintd_print_attempts_total", "IPP print attempts.", atomic_load(&s->print_attempts)},
        {"mmprintd_print_errors_total", "IPP print attempts that failed.", atomic_load(&s->print_errors)},
        {"mmprintd_print_busy_total", "Printer answers busy, not accepting or queue full (waited for, not errors).",
         atomic_load(&s->print_busy)},
    };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        mm_buf_printf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %ld\n", counters[i].name, counters[i].help,
                      counters[i].name, counters[i].name, counters[i].v);
    mm_buf_printf(&b, "# HELP mmprintd_certificate_days_left Days until the organisation certificate expires.\n"
                      "# TYPE mmprintd_certificate_days_left gauge\nmmprintd_certificate_days_left %ld\n",
                  s->cert_days_left);
    int64_t busy_since = atomic_load(&s->print_busy_since_ms);
    mm_buf_printf(&b, "# HELP mmprintd_printer_busy_seconds How long the printer has answered busy without taking a letter.\n"
                      "# TYPE mmprintd_printer_busy_seconds gauge\nmmprintd_printer_busy_seconds %.1f\n",
                  busy_since ? (double)(srv_now_ms() - busy_since) / 1000.0 : 0.0);
    mm_buf_printf(&b, "# HELP mmprintd_queue_length Jobs waiting in memory per stage.\n"
                      "# TYPE mmprintd_queue_length gauge\n"
                      "mmprintd_queue_length{stage=\"far\"} %zu\nmmprintd_queue_length{stage=\"send\"} %zu\n"
                      "mmprintd_queue_length{stage=\"print\"} %zu\n",
                  srv_queue_len(&s->q_far), srv_queue_len(&s->q_send), srv_queue_len(&s->q_print));
    if (!b.data)
        return MHD_NO;
    return respond_text(c, 200, "text/plain; version=0.0.4", b.data);
}

static enum MHD_Result dispatch(srv *s, struct MHD_Connection *c, const char *url, const char *method,
                                req_ctx *rq)
{
    int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    if (!strcmp(url, "/healthz")) {
        if (!get)
            return respond_error(c, 405, "method", "Fel metod");
        if (atomic_load(&s->draining))
            return respond_text(c, 503, "text/plain", strdup("draining\n"));
        return respond_text(c, 200, "text/plain", strdup("ok\n"));
    }
    if (!strcmp(url, "/metrics"))
        return get ? get_metrics(s, c) : respond_error(c, 405, "method", "Fel metod");
    if (!strcmp(url, "/api/v1/jobs")) {
        if (post)
            return post_job(s, c, rq);
        if (get)
            return list_jobs(s, c);
        return respond_error(c, 405, "method", "Fel metod");
    }
    const char *by_key = "/api/v1/jobs/by-key/";
    if (!strncmp(url, by_key, strlen(by_key))) {
        char key[130];
        const char *rest = url + strlen(by_key);
        const char *slash = strchr(rest, '/');
        if (!slash || strcmp(slash, "/cancel") || (size_t)(slash - rest) >= sizeof key)
            return respond_error(c, 404, "not-found", "Finns inte");
        memcpy(key, rest, (size_t)(slash - rest));
        key[slash - rest] = 0;
        return post ? post_cancel_by_key(s, c, key, rq) : respond_error(c, 405, "method", "Fel metod");
    }
    const char *p = "/api/v1/jobs/";
    if (!strncmp(url, p, strlen(p))) {
        char id[64] = "";
        const char *rest = url + strlen(p);
        const char *slash = strchr(rest, '/');
        size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
        if (n >= sizeof id)
            return respond_error(c, 404, "not-found", "Jobbet finns inte");
        memcpy(id, rest, n);
        id[n] = 0;
        if (!valid_job_id(id))
            return respond_error(c, 404, "not-found", "Jobbet finns inte");
        if (!slash)
            return get ? get_job(s, c, id) : respond_error(c, 405, "method", "Fel metod");
        if (!strcmp(slash, "/recipient"))
            return post ? post_recipient(s, c, id, rq) : respond_error(c, 405, "method", "Fel metod");
        if (!strcmp(slash, "/cancel"))
            return post ? post_cancel(s, c, id, rq->client) : respond_error(c, 405, "method", "Fel metod");
        if (!strcmp(slash, "/resolve"))
            return post ? post_resolve(s, c, id, rq) : respond_error(c, 405, "method", "Fel metod");
        return respond_error(c, 404, "not-found", "Finns inte");
    }
    if (!strcmp(url, "/api/v1/exceptions"))
        return get ? list_exceptions(s, c, rq) : respond_error(c, 405, "method", "Fel metod");
    p = "/api/v1/reachability/";
    if (!strncmp(url, p, strlen(p)))
        return get ? get_reachability(s, c, url + strlen(p)) : respond_error(c, 405, "method", "Fel metod");
    return respond_error(c, 404, "not-found", "Finns inte");
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
            return respond_error(c, 403, "client-not-allowed",
                                 "Datorn saknar giltigt certifikat för utskriftsservern");
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > rq->limit) {
            rq->too_large = 1;
            return respond_error(c, 413, "too-large", "Dokumentet är för stort (högst 32 MB)");
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
        return respond_error(c, 403, "client-not-allowed", "Datorn saknar giltigt certifikat för utskriftsservern");
    if (rq->too_large)
        return respond_error(c, 413, "too-large", "Dokumentet är för stort (högst 32 MB)");
    if (rq->busy)
        return respond_error(c, 503, "busy", "Servern är upptagen, jobbet skickas igen strax");
    return dispatch(s, c, url, method, rq);
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

int srv_api_listen(srv *s, mm_error *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    socklen_t len;
    if (inet_pton(AF_INET, s->conf.listen_address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)s->conf.port);
        len = sizeof *in4;
    } else if (inet_pton(AF_INET6, s->conf.listen_address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)s->conf.port);
        len = sizeof *in6;
    } else {
        return mm_error_set(err, MM_ERR_INPUT, 0, "listen_address %s is not an IP address", s->conf.listen_address);
    }
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
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, s->conf.listen_address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)s->conf.port);
    } else if (inet_pton(AF_INET6, s->conf.listen_address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)s->conf.port);
        flags |= MHD_USE_IPv6;
    } else {
        mm_error_set(err, MM_ERR_INPUT, 0, "listen_address %s is not an IP address", s->conf.listen_address);
        return NULL;
    }
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
        completed, NULL, MHD_OPTION_NOTIFY_CONNECTION, conn_notify, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_CONNECTION_LIMIT,
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
