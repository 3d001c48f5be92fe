/* mmsimd request handling: FaR (Recipient v3, Authority) and mailbox
 * operators (Service v3 deliverSecure), fault injection, and the inbox. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include "dsig.h"
#include "idnum.h"
#include "log.h"
#include "soap.h"
#include "mmsim.h"

/* TTK 4.17 / spec §3.3: the whole deliverSecure envelope may be at most 2 MB. */
#define SIM_DELIVER_MAX 2097152
#define SIM_REACH_MAX 1000

static const char *const allowed_attachment_types[] = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "text/calendar",
    NULL,
};

/* ---- replies ---- */

static void reply_fault(sim_reply *rp, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int make_uuid(char out[37]);

/* The un-versioned Authority port declares one fault element per operation
 * (auth:getSendersFault...) of type c1:ExceptionInformation. */
static int write_authority_fault(mm_buf *b, const char *op, int code, const char *desc)
{
    char call[37];
    if (make_uuid(call))
        return -1;
    int rc = 0;
    rc |= mm_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"" MM_NS_SOAP
                         "\"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>");
    rc |= mm_xml_escape(b, desc);
    rc |= mm_buf_printf(b, "</faultstring><detail><auth:%sFault xmlns:auth=\"" MM_NS_AUTH "\" xmlns:c1=\"" MM_NS_C1
                           "\"><c1:ErrorCode>%d</c1:ErrorCode><c1:Description>", op, code);
    rc |= mm_xml_escape(b, desc);
    rc |= mm_buf_printf(b, "</c1:Description><c1:CallId>%s</c1:CallId></auth:%sFault></detail></soap:Fault>"
                           "</soap:Body></soap:Envelope>", call, op);
    return rc ? -1 : 0;
}

static void reply_fault(sim_reply *rp, int code, const char *fmt, ...)
{
    char desc[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc, sizeof desc, fmt, ap);
    va_end(ap);
    mm_buf_reset(&rp->body);
    /* SOAP 1.1: a fault travels with HTTP 500 */
    rp->status = 500;
    rp->content_type = "text/xml; charset=UTF-8";
    if (rp->auth_op ? write_authority_fault(&rp->body, rp->auth_op, code, desc)
                    : mm_soap_write_fault(&rp->body, code, desc, NULL)) {
        mm_buf_reset(&rp->body);
        rp->content_type = "text/plain; charset=UTF-8";
        mm_buf_puts(&rp->body, "out of memory\n");
    }
    size_t l = strlen(rp->log);
    snprintf(rp->log + l, sizeof rp->log - l, " fault=%d (%.200s)", code, desc);
}

static void reply_text(sim_reply *rp, int status, const char *text)
{
    mm_buf_reset(&rp->body);
    rp->status = status;
    rp->content_type = "text/plain; charset=UTF-8";
    mm_buf_puts(&rp->body, text);
}

static void log_add(sim_reply *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_add(sim_reply *rp, const char *fmt, ...)
{
    size_t l = strlen(rp->log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rp->log + l, sizeof rp->log - l, fmt, ap);
    va_end(ap);
}

#define ENV_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"" MM_NS_SOAP "\"><soapenv:Body>"
#define ENV_CLOSE "</soapenv:Body></soapenv:Envelope>"

/* ---- XML helpers ---- */

static int is_elem(xmlNodePtr n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) &&
           (ns ? (n->ns && !strcmp((const char *)n->ns->href, ns)) : !n->ns);
}

static xmlNodePtr first_elem(xmlNodePtr parent)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

/* Text of a child, trimmed, into a fixed buffer ("" when absent or too long). */
static void child_text(xmlNodePtr parent, const char *ns, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    if (!parent)
        return;
    char *t = mm_xml_child_text(parent, ns, name);
    if (!t)
        return;
    char *s = t;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n < cap) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
    free(t);
}

typedef struct {
    char msg[300];
} first_error;

static void schema_error(void *ctx, xmlErrorPtr e)
{
    first_error *fe = ctx;
    if (fe->msg[0] || !e || !e->message)
        return;
    snprintf(fe->msg, sizeof fe->msg, "%s", e->message);
    size_t n = strlen(fe->msg);
    while (n && fe->msg[n - 1] == '\n')
        fe->msg[--n] = '\0';
}

/* Validates one element (the SOAP operation) against a compiled schema.
 * Returns 0 when valid, else -1 with the validator's first message. */
static int validate(xmlSchemaPtr schema, xmlNodePtr elem, char *why, size_t cap)
{
    first_error fe = {{0}};
    xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
    if (!v) {
        snprintf(why, cap, "validator unavailable");
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(v, schema_error, &fe);
    int rc = xmlSchemaValidateOneElement(v, elem);
    xmlSchemaFreeValidCtxt(v);
    if (rc == 0)
        return 0;
    snprintf(why, cap, "%s", fe.msg[0] ? fe.msg : "request does not validate against the schema");
    return -1;
}

/* ---- fault rules ---- */

static double rand01(sim_state *st)
{
    /* xorshift64*: flaky= needs cheap, not cryptographic, randomness */
    uint64_t x = st->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    st->rng = x;
    return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Picks the first rule that applies to this request and consumes one use
 * of it.  The caller holds st->lock for reading. */
static int pick_rule(sim_state *st, int far, const char *op, char (*rcpts)[SIM_ID_LEN], size_t n_rcpts,
                     int want_refuse, sim_rule *out)
{
    const sim_faults *f = st->faults;
    int found = 0;
    if (!f || !f->n)
        return 0;
    pthread_mutex_lock(&st->fault_mu);
    for (size_t i = 0; i < f->n && !found; i++) {
        sim_rule *r = &f->rules[i];
        if ((r->action == SIM_ACT_REFUSE_TLS) != (want_refuse != 0))
            continue;
        if (r->far && !far)
            continue;
        if (r->action == SIM_ACT_NOT_DELIVERED && far)
            continue; /* an operator's answer; FaR requests pass */
        if (r->op[0] && (far || !op || strcmp(r->op, op)))
            continue;
        if (r->recipient[0]) {
            size_t j;
            for (j = 0; j < n_rcpts; j++)
                if (!strcmp(rcpts[j], r->recipient))
                    break;
            if (j == n_rcpts)
                continue;
        }
        if (r->count == 0)
            continue;
        if (r->flaky < 1.0 && rand01(st) >= r->flaky)
            continue;
        if (r->count > 0)
            r->count--;
        *out = *r;
        found = 1;
    }
    pthread_mutex_unlock(&st->fault_mu);
    return found;
}

int sim_refuse_connection(sim_state *st)
{
    sim_rule r;
    pthread_rwlock_rdlock(&st->lock);
    int hit = pick_rule(st, 1, NULL, NULL, 0, 1, &r);
    pthread_rwlock_unlock(&st->lock);
    if (hit)
        mm_log(MM_LOG_INFO, "far refuse-tls (faults line %d): connection closed before the TLS handshake", r.line);
    return hit;
}

/* Applies a picked rule: sleeps for delay=, then answers for the action.
 * Returns 1 when the reply is complete (the request must not be served). */
static int apply_rule(const sim_rule *r, sim_reply *rp)
{
    if (r->delay_ms > 0) {
        struct timespec ts = {r->delay_ms / 1000, (r->delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) && errno == EINTR)
            ;
        log_add(rp, " delayed=%ldms", r->delay_ms);
    }
    switch (r->action) {
    case SIM_ACT_HTTP: {
        char t[128];
        snprintf(t, sizeof t, "mmsimd: simulated HTTP %d (faults line %d)\n", r->http_status, r->line);
        reply_text(rp, r->http_status, t);
        log_add(rp, " injected=http%d", r->http_status);
        return 1;
    }
    case SIM_ACT_FAULT:
        log_add(rp, " injected");
        reply_fault(rp, r->fault_code, "%s", r->description[0] ? r->description : "simulated fault (mmsimd)");
        return 1;
    case SIM_ACT_DROP:
        rp->drop = 1;
        log_add(rp, " injected=drop");
        return 1;
    default:
        return 0;
    }
}

/* ---- FaR ---- */

static void service_address(sim_state *st, const sim_registry *reg, int op, int refuse, mm_buf *out)
{
    mm_buf_puts(out, refuse && st->refuse_url[0] ? st->refuse_url : st->base_url);
    mm_buf_puts(out, "/op/");
    mm_buf_puts(out, reg->ops[op].key);
    mm_buf_puts(out, "/Service/v3");
}

/* The content of an rcp:AccountStatus, wrapped in <rcp:AccountStatus> when
 * wrap (isReachable) or bare (isRegistered returns the type directly);
 * refuse[] holds per-operator refuse-tls decisions. */
static void account_status(sim_state *st, const sim_registry *reg, const char *id, const int *refuse, int wrap,
                           mm_buf *b)
{
    const sim_recipient *rc = sim_registry_recipient(reg, id);
    mm_buf_printf(b, "%s<rcp:RecipientId>%s</rcp:RecipientId>", wrap ? "<rcp:AccountStatus>" : "", id);
    if (!rc || !strcmp(rc->type, "Not") || rc->op < 0) {
        mm_buf_printf(b, "<rcp:Type>Not</rcp:Type><rcp:Pending>false</rcp:Pending>%s", wrap ? "</rcp:AccountStatus>" : "");
        return;
    }
    const sim_operator *o = &reg->ops[rc->op];
    mm_buf_printf(b, "<rcp:Type>%s</rcp:Type><rcp:Pending>%s</rcp:Pending><rcp:ServiceSupplier><rcp:Id>%s</rcp:Id><rcp:Name>",
                  rc->type, rc->pending ? "true" : "false", o->id);
    mm_xml_escape(b, o->name);
    mm_buf_puts(b, "</rcp:Name><rcp:ServiceAdress>");
    mm_buf tmp = MM_BUF_INIT;
    service_address(st, reg, rc->op, refuse ? refuse[rc->op] : 0, &tmp);
    mm_xml_escape(b, tmp.data ? tmp.data : "");
    mm_buf_free(&tmp);
    mm_buf_printf(b, "</rcp:ServiceAdress><rcp:InternalServiceAdress></rcp:InternalServiceAdress></rcp:ServiceSupplier>%s",
                  wrap ? "</rcp:AccountStatus>" : "");
}

static void far_recipient(sim_state *st, xmlNodePtr op, sim_reply *rp)
{
    int reach = is_elem(op, MM_NS_RCP3, "isReachable");
    int registered = is_elem(op, MM_NS_RCP3, "isRegistered");
    if (!reach && !registered) {
        log_add(rp, "Recipient/%s", op->name);
        reply_fault(rp, 5001, "operation %.60s is not offered by this simulator (isReachable, isRegistered)",
                    (const char *)op->name);
        return;
    }
    log_add(rp, "%s", reach ? "isReachable" : "isRegistered");
    /* Count before validating so that too many ids gives 5005, not 5001. */
    size_t n = 0;
    for (xmlNodePtr c = op->children; c; c = c->next)
        if (is_elem(c, MM_NS_RCP3, "recipientId"))
            n++;
    if (reach && n > SIM_REACH_MAX) {
        reply_fault(rp, 5005, "max exceeded: %zu recipientId in one isReachable, at most %d", n, SIM_REACH_MAX);
        return;
    }
    char (*ids)[SIM_ID_LEN] = calloc(n ? n : 1, sizeof *ids);
    if (!ids) {
        reply_fault(rp, 0, "out of memory");
        return;
    }
    size_t k = 0;
    for (xmlNodePtr c = op->children; c; c = c->next)
        if (is_elem(c, MM_NS_RCP3, "recipientId")) {
            xmlChar *t = xmlNodeGetContent(c);
            if (t && strlen((const char *)t) < SIM_ID_LEN)
                snprintf(ids[k], SIM_ID_LEN, "%s", (const char *)t);
            xmlFree(t);
            k++;
        }
    char sender[SIM_ID_LEN];
    child_text(op, MM_NS_RCP3, "senderOrgNr", sender, sizeof sender);
    log_add(rp, " n=%zu", n);
    if (n) {
        char m[16];
        mm_idnum_mask(ids[0], m);
        log_add(rp, " first=%s", m);
    }

    sim_rule rule;
    pthread_rwlock_rdlock(&st->lock);
    int hit = pick_rule(st, 1, NULL, ids, n, 0, &rule);
    pthread_rwlock_unlock(&st->lock);
    if (hit && apply_rule(&rule, rp)) {
        free(ids);
        return;
    }

    char why[320];
    if (validate(st->rcp_schema, op, why, sizeof why)) {
        reply_fault(rp, 5001, "invalid input: %s", why);
        free(ids);
        return;
    }

    mm_buf *b = &rp->body;
    mm_buf_reset(b);
    pthread_rwlock_rdlock(&st->lock);
    const sim_registry *reg = st->reg;
    int *refuse = calloc(reg->n_ops ? reg->n_ops : 1, sizeof *refuse);
    if (refuse && reach) {
        /* refuse-tls for an operator: hand out the refusing listener as its
         * ServiceAdress; one decision (and one count) per operator per call */
        for (size_t i = 0; i < reg->n_ops; i++) {
            int used = 0;
            for (size_t j = 0; j < n && !used; j++) {
                const sim_recipient *rc = sim_registry_recipient(reg, ids[j]);
                used = rc && rc->op == (int)i;
            }
            if (used && pick_rule(st, 0, reg->ops[i].key, NULL, 0, 1, &rule)) {
                refuse[i] = 1;
                log_add(rp, " refuse-tls=%s", reg->ops[i].key);
            }
        }
    }
    mm_buf_puts(b, ENV_OPEN);
    mm_buf_printf(b, "<rcp3:%s xmlns:rcp3=\"" MM_NS_RCP3 "\" xmlns:rcp=\"" MM_NS_RCP "\">",
                  reach ? "isReachableResponse" : "isRegisteredResponse");
    size_t secure = 0;
    for (size_t j = 0; j < n; j++) {
        const sim_recipient *rc = sim_registry_recipient(reg, ids[j]);
        mm_buf_puts(b, "<rcp3:return>");
        account_status(st, reg, ids[j], refuse, reach, b);
        if (reach) {
            int acc = rc && strcmp(rc->type, "Not") && rc->op >= 0 && sim_recipient_accepts(rc, sender);
            mm_buf_printf(b, "<rcp:SenderAccepted>%s</rcp:SenderAccepted>", acc ? "true" : "false");
        }
        mm_buf_puts(b, "</rcp3:return>");
        if (rc && !strcmp(rc->type, "Secure"))
            secure++;
    }
    pthread_rwlock_unlock(&st->lock);
    free(refuse);
    mm_buf_printf(b, "</rcp3:%s>" ENV_CLOSE, reach ? "isReachableResponse" : "isRegisteredResponse");
    rp->status = 200;
    rp->content_type = "text/xml; charset=UTF-8";
    log_add(rp, " ok secure=%zu", secure);
    free(ids);
}

static void far_authority(sim_state *st, xmlNodePtr op, sim_reply *rp)
{
    int senders = is_elem(op, MM_NS_AUTH, "getSenders");
    int disps = is_elem(op, MM_NS_AUTH, "getDispatchers");
    log_add(rp, "Authority/%.60s", (const char *)op->name);
    if (senders || disps)
        rp->auth_op = senders ? "getSenders" : "getDispatchers";
    sim_rule rule;
    pthread_rwlock_rdlock(&st->lock);
    int hit = pick_rule(st, 1, NULL, NULL, 0, 0, &rule);
    pthread_rwlock_unlock(&st->lock);
    if (hit && apply_rule(&rule, rp))
        return;
    /* The WSDL's inline schema is not a file we can compile, so Authority
     * requests are checked structurally: known operation, no arguments. */
    if (!senders && !disps) {
        reply_fault(rp, 5001, "operation %.60s is not offered by this simulator (getSenders, getDispatchers)",
                    (const char *)op->name);
        return;
    }
    for (xmlNodePtr c = op->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE ||
            (c->type == XML_TEXT_NODE && c->content && strspn((const char *)c->content, " \t\r\n") !=
                                                            strlen((const char *)c->content))) {
            reply_fault(rp, 5001, "invalid input: %s takes no arguments", senders ? "getSenders" : "getDispatchers");
            return;
        }
    mm_buf *b = &rp->body;
    mm_buf_reset(b);
    mm_buf_puts(b, ENV_OPEN);
    pthread_rwlock_rdlock(&st->lock);
    const sim_registry *reg = st->reg;
    if (senders) {
        mm_buf_puts(b, "<auth:getSendersResponse xmlns:auth=\"" MM_NS_AUTH "\" xmlns:snd=\"" MM_NS_SND "\">");
        for (size_t i = 0; i < reg->n_senders; i++) {
            mm_buf_printf(b, "<return><snd:Id>%s</snd:Id><snd:Name>", reg->senders[i].id);
            mm_xml_escape(b, reg->senders[i].name);
            mm_buf_puts(b, "</snd:Name></return>");
        }
        mm_buf_puts(b, "</auth:getSendersResponse>");
        log_add(rp, " ok senders=%zu", reg->n_senders);
    } else {
        mm_buf_puts(b, "<auth:getDispatchersResponse xmlns:auth=\"" MM_NS_AUTH "\" xmlns:disp=\"" MM_NS_DISP "\">");
        for (size_t i = 0; i < reg->n_disps; i++) {
            mm_buf_printf(b, "<return><disp:Id>%s</disp:Id><disp:Name>", reg->disps[i].id);
            mm_xml_escape(b, reg->disps[i].name);
            mm_buf_puts(b, "</disp:Name>");
            for (size_t j = 0; j < reg->disps[i].n_senders; j++)
                mm_buf_printf(b, "<disp:Senders>%s</disp:Senders>", reg->disps[i].senders[j]);
            mm_buf_puts(b, "</return>");
        }
        mm_buf_puts(b, "</auth:getDispatchersResponse>");
        log_add(rp, " ok dispatchers=%zu", reg->n_disps);
    }
    pthread_rwlock_unlock(&st->lock);
    mm_buf_puts(b, ENV_CLOSE);
    rp->status = 200;
    rp->content_type = "text/xml; charset=UTF-8";
}

/* ---- deliverSecure ---- */

/* Decodes base64 (whitespace ignored) and returns the SHA-256 in hex.
 * Letters are gathered in blocks and decoded by OpenSSL: an attachment is
 * tens of kilobytes of base64 in every delivery. */
static int base64_sha256(const char *in, char hex[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return -1;
    }
    unsigned char block[4096], out[3072];
    size_t n = 0;
    int pad = 0, rc = 0;
    for (const unsigned char *p = (const unsigned char *)in;; p++) {
        int end = !*p;
        if (!end) {
            if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
                continue;
            /* '=' only as the last one or two letters; nothing after it */
            if ((pad && *p != '=') || (*p == '=' && ++pad > 2)) {
                rc = -1;
                break;
            }
            block[n++] = *p;
        }
        if (n == sizeof block || (end && n)) {
            /* Whole quads only; DecodeBlock refuses any other letter. */
            int got = n % 4 ? -1 : EVP_DecodeBlock(out, block, (int)n);
            /* Quads never straddle blocks, so the padding is in the last one. */
            if (got < pad || EVP_DigestUpdate(md, out, (size_t)(got - pad)) != 1) {
                rc = -1;
                break;
            }
            n = 0;
        }
        if (end)
            break;
    }
    unsigned char d[32];
    unsigned dl = 0;
    if (!rc && (EVP_DigestFinal_ex(md, d, &dl) != 1 || dl != 32))
        rc = -1;
    EVP_MD_CTX_free(md);
    if (rc)
        return -1;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return 0;
}

static int make_uuid(char out[37])
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1)
        return -1;
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
    return 0;
}

/* Index fields must not break the TSV: tabs and line breaks become spaces. */
static void tsv_clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

/* One m3:Message of the delivery, as the index records it. */
typedef struct {
    char id[256];
    char subject[1024];
    mm_buf sha; /* comma-separated sha256 of the attachments, "-" when none */
} sim_msg;

static int signer_chain_ok(sim_state *st, const mm_sig_check *c, char *why, size_t cap)
{
    X509 *x = c->cert;
    if (!x) {
        snprintf(why, cap, "%s signature without a readable signer certificate", c->element);
        return 0;
    }
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = ctx && X509_STORE_CTX_init(ctx, st->ca_store, x, NULL) == 1 && X509_verify_cert(ctx) == 1;
    if (!ok)
        snprintf(why, cap, "%s signer certificate (%.200s) is not issued by a trusted CA: %s", c->element,
                 c->subject, ctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)) : "no memory");
    X509_STORE_CTX_free(ctx);
    return ok;
}

/* Writes the request as TRANSID.xml (temporary name, fsync, rename). */
static int store_request(sim_state *st, const char *trans, const char *body, size_t len, char *why, size_t cap)
{
    char tmp[4200], fin[4200];
    snprintf(tmp, sizeof tmp, "%s/.%s.xml.tmp", st->inbox, trans);
    snprintf(fin, sizeof fin, "%s/%s.xml", st->inbox, trans);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(why, cap, "cannot create %.300s: %.200s", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, body + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(why, cap, "cannot write %.300s: %.200s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) || close(fd) || rename(tmp, fin)) {
        snprintf(why, cap, "cannot store %.300s: %.200s", fin, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Appends a line; the caller holds index_mu.  *seq numbers it for index_sync. */
static int index_write(sim_state *st, const char *line, size_t len, uint64_t *seq)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(st->index_fd, line + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    *seq = ++st->index_written;
    return 0;
}

/* Group commit: the lines are durable before the answer goes out, and one
 * fdatasync covers every line written before it started, instead of each
 * delivery holding the index lock through a disk flush of its own. */
static int index_sync(sim_state *st, uint64_t seq)
{
    int rc = 0;
    pthread_mutex_lock(&st->sync_mu);
    if (st->index_synced < seq) {
        pthread_mutex_lock(&st->index_mu);
        uint64_t upto = st->index_written;
        pthread_mutex_unlock(&st->index_mu);
        rc = fdatasync(st->index_fd);
        if (rc == 0)
            st->index_synced = upto;
    }
    pthread_mutex_unlock(&st->sync_mu);
    return rc;
}

int sim_index_open(sim_state *st, mm_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/index.tsv", st->inbox);
    /* earlier deliveries count for duplicate detection after a restart */
    FILE *f = fopen(path, "r");
    if (f) {
        char line[8192];
        while (fgets(line, sizeof line, f)) {
            char *field[9] = {0};
            int n = 0;
            char *save = NULL;
            for (char *t = strtok_r(line, "\t\n", &save); t && n < 9; t = strtok_r(NULL, "\t\n", &save))
                field[n++] = t;
            if (n >= 6) {
                char key[300];
                snprintf(key, sizeof key, "%s|%s", field[3], field[5]);
                if (sim_set_add(&st->seen, key) < 0) {
                    fclose(f);
                    return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
                }
            }
        }
        fclose(f);
    }
    st->index_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (st->index_fd < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot open %s: %s", path, strerror(errno));
    return 0;
}

static void reply_delivery(sim_reply *rp, const char *trans, const char *recipient, int delivered)
{
    mm_buf *b = &rp->body;
    mm_buf_reset(b);
    mm_buf_puts(b, ENV_OPEN "<svc3:deliverSecureResponse xmlns:svc3=\"" MM_NS_SVC3 "\" xmlns:svc=\"" MM_NS_SVC "\">"
                            "<svc3:return><svc:TransId>");
    mm_buf_puts(b, trans);
    mm_buf_puts(b, "</svc:TransId><svc:Status><svc:RecipientId>");
    mm_xml_escape(b, recipient); /* unvalidated when a fault rule answers */
    mm_buf_printf(b, "</svc:RecipientId><svc:Delivered>%s</svc:Delivered>"
                     "</svc:Status></svc3:return></svc3:deliverSecureResponse>" ENV_CLOSE,
                  delivered ? "true" : "false");
    rp->status = 200;
    rp->content_type = "text/xml; charset=UTF-8";
}

static void operator_deliver(sim_state *st, const char *opkey, xmlNodePtr op, const char *body, size_t len,
                             sim_reply *rp)
{
    log_add(rp, "deliverSecure op=%.31s", opkey);
    if (!is_elem(op, MM_NS_SVC3, "deliverSecure")) {
        reply_fault(rp, 5001, "operation %.60s is not offered by this simulator (deliverSecure)",
                    (const char *)op->name);
        return;
    }
    /* Tolerant look-up: fault rules may select by recipient before validation. */
    xmlNodePtr sealed = mm_xml_child(op, MM_NS_SVC3, "deliverSecure");
    xmlNodePtr signedd = sealed ? mm_xml_child(sealed, MM_NS_M3, "SignedDelivery") : NULL;
    xmlNodePtr delivery = signedd ? mm_xml_child(signedd, MM_NS_M3, "Delivery") : NULL;
    xmlNodePtr header = delivery ? mm_xml_child(delivery, MM_NS_M3, "Header") : NULL;
    xmlNodePtr sender_el = header ? mm_xml_child(header, MM_NS_M2, "Sender") : NULL;
    char recipient[SIM_ID_LEN], sender[SIM_ID_LEN];
    child_text(header, MM_NS_M2, "Recipient", recipient, sizeof recipient);
    child_text(sender_el, MM_NS_SND, "Id", sender, sizeof sender);
    char masked[16];
    mm_idnum_mask(recipient, masked);
    log_add(rp, " recipient=%s", recipient[0] ? masked : "?");

    sim_rule rule;
    pthread_rwlock_rdlock(&st->lock);
    int known_op = sim_registry_operator(st->reg, opkey) >= 0;
    char rc1[1][SIM_ID_LEN];
    memcpy(rc1[0], recipient, SIM_ID_LEN);
    int hit = pick_rule(st, 0, opkey, rc1, recipient[0] ? 1 : 0, 0, &rule);
    pthread_rwlock_unlock(&st->lock);
    if (!known_op) {
        reply_text(rp, 404, "mmsimd: no such operator\n");
        log_add(rp, " unknown-operator");
        return;
    }
    if (hit && apply_rule(&rule, rp))
        return;
    if (hit && rule.action == SIM_ACT_NOT_DELIVERED) {
        char t[37];
        if (make_uuid(t)) {
            reply_fault(rp, 0, "no randomness for a TransId");
            return;
        }
        reply_delivery(rp, t, recipient[0] ? recipient : "000000000000", 0);
        log_add(rp, " injected delivered=false");
        return;
    }

    if (len > SIM_DELIVER_MAX) {
        reply_fault(rp, 5005, "max exceeded: the request is %zu bytes, at most %d", len, SIM_DELIVER_MAX);
        return;
    }
    char why[600];
    if (validate(st->svc_schema, op, why, sizeof why)) {
        reply_fault(rp, 5001, "invalid input: %s", why);
        return;
    }

    /* Signatures the way an operator checks them (prefix removal, root renaming). */
    mm_sig_report rep = {0};
    mm_error err;
    mm_error_clear(&err);
    if (mm_dsig_verify_doc(op->doc, 0, 0, st->certs, &rep, &err)) {
        reply_fault(rp, 5006, "signature incorrect: %s", err.msg);
        return;
    }
    int have_signed = 0, have_seal = 0, code = 0;
    for (size_t i = 0; i < rep.count && !code; i++) {
        const mm_sig_check *c = &rep.items[i];
        if (!c->digest_ok || !c->signature_ok) {
            code = 5006;
            snprintf(why, sizeof why, "signature incorrect: %s %s", c->element,
                     c->problem[0] ? c->problem : (!c->digest_ok ? "digest mismatch" : "bad signature value"));
        }
        if (!strcmp(c->element, "SignedDelivery"))
            have_signed = 1;
        else if (!strcmp(c->element, "SealedDelivery"))
            have_seal = 1;
    }
    if (!code && (!have_signed || !have_seal)) {
        code = 5006;
        snprintf(why, sizeof why, "signature incorrect: %s", !have_signed ? "SignedDelivery is not signed"
                                                                            : "SealedDelivery carries no seal signature");
    }
    for (size_t i = 0; i < rep.count && !code; i++)
        if (!signer_chain_ok(st, &rep.items[i], why, sizeof why))
            code = 5002;
    pthread_rwlock_rdlock(&st->lock);
    for (size_t i = 0; i < rep.count && !code; i++) {
        const mm_sig_check *c = &rep.items[i];
        if (!sim_registry_may_sign(st->reg, c->orgnr, sender)) {
            code = 6005;
            snprintf(why, sizeof why, "%s signed by %s, which is neither the sender %s nor a dispatcher approved for it",
                     c->element, c->orgnr[0] ? c->orgnr : "a certificate without organisation number", sender);
        }
    }
    pthread_rwlock_unlock(&st->lock);
    mm_sig_report_free(&rep);
    if (code) {
        reply_fault(rp, code, "%s", why);
        return;
    }

    /* Content types (TTK 4.23) and what the index records per message. */
    size_t n_msgs = 0;
    for (xmlNodePtr m = delivery->children; m; m = m->next)
        if (is_elem(m, MM_NS_M3, "Message"))
            n_msgs++;
    sim_msg *msgs = calloc(n_msgs ? n_msgs : 1, sizeof *msgs);
    if (!msgs) {
        reply_fault(rp, 0, "out of memory");
        return;
    }
    size_t k = 0;
    for (xmlNodePtr m = delivery->children; m && !code; m = m->next) {
        if (!is_elem(m, MM_NS_M3, "Message"))
            continue;
        sim_msg *sm = &msgs[k++];
        xmlNodePtr mh = mm_xml_child(m, MM_NS_M3, "Header");
        child_text(mh, MM_NS_M3, "Id", sm->id, sizeof sm->id);
        child_text(mh, MM_NS_M3, "Subject", sm->subject, sizeof sm->subject);
        tsv_clean(sm->id);
        tsv_clean(sm->subject);
        char ct[256];
        child_text(mm_xml_child(m, MM_NS_M3, "Body"), MM_NS_M1, "ContentType", ct, sizeof ct);
        if (strcmp(ct, "text/plain") && strcmp(ct, "text/html")) {
            code = 5019;
            snprintf(why, sizeof why, "unsupported MIME type for the message body: %.100s", ct);
            break;
        }
        for (xmlNodePtr a = m->children; a; a = a->next) {
            if (!is_elem(a, MM_NS_M3, "Attachment"))
                continue;
            child_text(a, MM_NS_M1, "ContentType", ct, sizeof ct);
            int okct = 0;
            for (int i = 0; allowed_attachment_types[i]; i++)
                okct |= !strcmp(ct, allowed_attachment_types[i]);
            if (!okct) {
                code = 5019;
                snprintf(why, sizeof why, "unsupported MIME type for an attachment: %.100s", ct);
                break;
            }
            char *b64 = mm_xml_child_text(a, MM_NS_M1, "Body");
            char hex[65];
            int bad = !b64 || base64_sha256(b64, hex);
            free(b64);
            if (bad) {
                code = 5001;
                snprintf(why, sizeof why, "invalid input: attachment Body is not base64");
                break;
            }
            if (sm->sha.len)
                mm_buf_puts(&sm->sha, ",");
            mm_buf_puts(&sm->sha, hex);
        }
    }
    if (code) {
        reply_fault(rp, code, "%s", why);
        goto out;
    }

    /* Is the mailbox here, open, and does it take letters from this sender? */
    const char *refusal = NULL;
    pthread_rwlock_rdlock(&st->lock);
    const sim_recipient *rc = sim_registry_recipient(st->reg, recipient);
    int opidx = sim_registry_operator(st->reg, opkey);
    if (!rc || rc->op < 0 || rc->op != opidx)
        refusal = "no mailbox at this operator";
    else if (strcmp(rc->type, "Secure"))
        refusal = "account type is not Secure";
    else if (rc->pending)
        refusal = "account is pending";
    else if (!sim_recipient_accepts(rc, sender))
        refusal = "recipient does not accept this sender";
    pthread_rwlock_unlock(&st->lock);

    char trans[37];
    if (make_uuid(trans)) {
        reply_fault(rp, 0, "no randomness for a TransId");
        goto out;
    }
    if (refusal) {
        reply_delivery(rp, trans, recipient, 0);
        log_add(rp, " delivered=false (%s)", refusal);
        goto out;
    }
    if (!st->index_only && store_request(st, trans, body, len, why, sizeof why)) {
        mm_log(MM_LOG_ERROR, "%s", why);
        reply_fault(rp, 0, "technical error: the mailbox could not store the delivery");
        goto out;
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    mm_buf line = MM_BUF_INIT;
    int dups = 0, ioerr = 0;
    uint64_t seq = 0;
    pthread_mutex_lock(&st->index_mu);
    for (size_t i = 0; i < n_msgs; i++) {
        char key[300];
        snprintf(key, sizeof key, "%s|%s", recipient, msgs[i].id);
        int dup = sim_set_add(&st->seen, key);
        dups += dup == 1;
        mm_buf_printf(&line, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", when, opkey, trans, recipient, sender,
                      msgs[i].id[0] ? msgs[i].id : "-", msgs[i].subject, msgs[i].sha.len ? msgs[i].sha.data : "-",
                      dup == 1 ? "duplicate" : "new");
    }
    if (!line.data || index_write(st, line.data, line.len, &seq))
        ioerr = 1;
    pthread_mutex_unlock(&st->index_mu);
    if (!ioerr && index_sync(st, seq))
        ioerr = 1;
    mm_buf_free(&line);
    if (ioerr) {
        mm_log(MM_LOG_ERROR, "cannot append to %s/index.tsv: %s", st->inbox, strerror(errno));
        reply_fault(rp, 0, "technical error: the mailbox could not record the delivery");
        goto out;
    }
    reply_delivery(rp, trans, recipient, 1);
    log_add(rp, " delivered=true trans=%s%s", trans, dups ? " duplicate" : "");
out:
    for (size_t i = 0; i < n_msgs; i++)
        mm_buf_free(&msgs[i].sha);
    free(msgs);
}

/* ---- entry ---- */

void sim_handle(sim_state *st, const char *url, const char *body, size_t len, int too_big, sim_reply *rp)
{
    rp->status = 500;
    rp->content_type = "text/plain; charset=UTF-8";
    rp->drop = 0;
    rp->auth_op = NULL;
    rp->log[0] = '\0';

    enum { R_NONE, R_RECIPIENT, R_AUTHORITY, R_OPERATOR } route = R_NONE;
    char opkey[32] = "";
    if (!strcmp(url, "/far/Recipient/v3")) {
        route = R_RECIPIENT;
    } else if (!strcmp(url, "/far/Authority")) {
        route = R_AUTHORITY;
    } else if (!strncmp(url, "/op/", 4)) {
        const char *p = url + 4, *e = strchr(p, '/');
        if (e && e > p && (size_t)(e - p) < sizeof opkey && !strcmp(e, "/Service/v3")) {
            memcpy(opkey, p, (size_t)(e - p));
            opkey[e - p] = '\0';
            route = R_OPERATOR;
        }
    }
    if (route == R_NONE) {
        snprintf(rp->log, sizeof rp->log, "unknown path");
        reply_text(rp, 404, "mmsimd: no such service; use /far/Recipient/v3, /far/Authority or /op/NAME/Service/v3\n");
        return;
    }
    if (too_big) {
        snprintf(rp->log, sizeof rp->log, "%s", route == R_OPERATOR ? "deliverSecure" : "FaR");
        reply_fault(rp, 5005, "max exceeded: request larger than the simulator reads");
        return;
    }
    /* No DTDs: entity tricks have no place in a SOAP request. */
    if (memmem(body, len, "<!DOCTYPE", 9)) {
        snprintf(rp->log, sizeof rp->log, "rejected");
        reply_fault(rp, 5001, "invalid input: a DOCTYPE is not allowed in a SOAP request");
        return;
    }
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc) {
        reply_fault(rp, 0, "out of memory");
        return;
    }
    xmlDocPtr doc = len > (size_t)0x7fffffff ? NULL
                                             : xmlCtxtReadMemory(pc, body, (int)len, "request.xml", NULL,
                                                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(pc);
        char msg[300];
        snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "not XML");
        size_t n = strlen(msg);
        while (n && msg[n - 1] == '\n')
            msg[--n] = '\0';
        xmlFreeParserCtxt(pc);
        snprintf(rp->log, sizeof rp->log, "unparsable request");
        reply_fault(rp, 5001, "invalid input: not well-formed XML: %s", msg);
        return;
    }
    xmlFreeParserCtxt(pc);
    xmlNodePtr env = xmlDocGetRootElement(doc);
    xmlNodePtr sbody = is_elem(env, MM_NS_SOAP, "Envelope") ? mm_xml_child(env, MM_NS_SOAP, "Body") : NULL;
    xmlNodePtr op = first_elem(sbody);
    if (!op) {
        snprintf(rp->log, sizeof rp->log, "not SOAP");
        reply_fault(rp, 5001, "invalid input: expected a SOAP 1.1 Envelope with an operation in its Body");
    } else if (route == R_RECIPIENT) {
        far_recipient(st, op, rp);
    } else if (route == R_AUTHORITY) {
        far_authority(st, op, rp);
    } else {
        operator_deliver(st, opkey, op, body, len, rp);
    }
    xmlFreeDoc(doc);
}
