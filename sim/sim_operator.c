/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd's mailbox operators: deliverSecure checked the way an operator
 * does (schema, signatures and their signers, content types, the
 * recipient's mailbox) and answered with a TransId. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "dsig.h"
#include "idnum.h"
#include "log.h"
#include "soap.h"
#include "sim.h"
#include "sim_request.h"
#include "base64.h"
#include "text.h"
#include "uuid.h"
#include "xmlutil.h"

/* TTK 4.17 / spec §3.3: the whole deliverSecure envelope may be at most 2 MB. */
#define SIM_DELIVER_MAX 2097152

static const char *const allowed_attachment_types[] = {
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "text/calendar",
    NULL,
};

static int digest_piece(void *md, const unsigned char *data, size_t len)
{
    return EVP_DigestUpdate(md, data, len) == 1 ? 0 : -1;
}

/* Decodes base64 (whitespace ignored) and returns the SHA-256 in hex; the
 * attachment streams through the digest, never decoded whole. */
static int base64_sha256(const char *in, char hex[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[32];
    unsigned dl = 0;
    int rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                     mm_base64_decode_to(in, strlen(in), digest_piece, md) >= 0 &&
                     EVP_DigestFinal_ex(md, d, &dl) == 1 && dl == 32
                 ? 0
                 : -1;
    EVP_MD_CTX_free(md);
    if (rc == 0)
        mm_text_hex(d, sizeof d, 0, hex);
    return rc;
}

static int signer_chain_ok(sim_state *st, const mm_sig_check *c, char *why, size_t cap)
{
    char reason[200];
    if (!c->cert) {
        snprintf(why, cap, "%s signature without a readable signer certificate", c->element);
        return 0;
    }
    if (mm_cert_chain_check(st->ca_store, c->cert, reason, sizeof reason) == 0)
        return 1;
    snprintf(why, cap, "%s signer certificate (%.200s) is not issued by a trusted CA: %s", c->element, c->subject,
             reason);
    return 0;
}

static void delivery_reply(sim_reply *rp, const char *trans, const char *recipient, int delivered)
{
    mm_buf *b = &rp->body;
    mm_buf_reset(b);
    mm_buf_puts(b, SIM_ENV_OPEN "<svc3:deliverSecureResponse xmlns:svc3=\"" MM_NS_SVC3 "\" xmlns:svc=\"" MM_NS_SVC "\">"
                            "<svc3:return><svc:TransId>");
    mm_buf_puts(b, trans);
    mm_buf_puts(b, "</svc:TransId><svc:Status><svc:RecipientId>");
    mm_xml_escape(b, recipient); /* unvalidated when a fault rule answers */
    mm_buf_printf(b, "</svc:RecipientId><svc:Delivered>%s</svc:Delivered>"
                     "</svc:Status></svc3:return></svc3:deliverSecureResponse>" SIM_ENV_CLOSE,
                  delivered ? "true" : "false");
    rp->status = 200;
    rp->content_type = "text/xml; charset=UTF-8";
}

/* The report's entry for a signed element ("SignedDelivery", "SealedDelivery"). */
static const mm_sig_check *report_item(const mm_sig_report *rep, const char *element)
{
    for (size_t i = 0; i < rep->count; i++)
        if (!strcmp(rep->items[i].element, element))
            return &rep->items[i];
    return NULL;
}

/* --verify-with=xmlsec1: the xmlsec1 tool verifies both signatures before
 * anything of ours looks at digests.  0, or the fault code with why. */
static int xmlsec1_verdict(sim_state *st, xmlNodePtr sealed, xmlNodePtr signedd, char *why, size_t cap)
{
    const struct {
        xmlNodePtr el;
        const char *name;
    } signed_els[] = {{signedd, "SignedDelivery"}, {sealed, "SealedDelivery"}};
    for (size_t i = 0; i < 2; i++) {
        char res[400];
        int x = sim_xmlsec1_verify(st, signed_els[i].el, signed_els[i].name, res, sizeof res);
        if (x) {
            snprintf(why, cap, "%s%s %s", x < 0 ? "cannot verify: " : "signature incorrect: ", signed_els[i].name,
                     res);
            return x < 0 ? -1 : 5006;
        }
    }
    return 0;
}

/* The signatures the way a strict operator checks them (prefix removal,
 * root renaming): the whole profile of spec §4.2/§4.6 (sim_profile's shape,
 * lib/sigverify's algorithm and count rules), exactly the SignedDelivery
 * and the seal signed and correct, each signer chained to --ca and
 * allowed to sign for sender.  With --verify-with=xmlsec1 the xmlsec1 tool
 * decides digest and SignatureValue first, and lib/sigverify checks with
 * libxmlsec instead of our canonical-form writer (which the signer shares).
 * Returns 0, or the fault code (-1: technical) with the reason in why. */
static int check_signatures(sim_state *st, xmlNodePtr sealed, xmlNodePtr signedd, const char *sender, char *why,
                            size_t cap)
{
    mm_sig_report rep = {0};
    mm_error err;
    mm_error_clear(&err);
    char shape[400];
    if (sim_profile_check(sealed, signedd, shape, sizeof shape)) {
        snprintf(why, cap, "signature incorrect: %s", shape);
        return 5006;
    }
    int code = st->xmlsec1_path ? xmlsec1_verdict(st, sealed, signedd, why, cap) : 0;
    if (code)
        return code;
    if (mm_dsig_verify_doc(sealed->doc, 0, st->xmlsec1_path ? MM_DSIG_XMLSEC : 0, st->certs, &rep, &err)) {
        snprintf(why, cap, "signature incorrect: %s", err.msg);
        return 5006;
    }
    if (rep.count != 2 || !report_item(&rep, "SignedDelivery") || !report_item(&rep, "SealedDelivery")) {
        code = 5006;
        snprintf(why, cap, "signature incorrect: %zu signed elements; the profile has one SignedDelivery and "
                           "its seal", rep.count);
    }
    for (size_t i = 0; i < rep.count && !code; i++) {
        const mm_sig_check *c = &rep.items[i];
        /* Every profile violation refuses, not only a bad digest or value. */
        if (!c->digest_ok || !c->signature_ok || c->problem[0]) {
            code = 5006;
            snprintf(why, cap, "signature incorrect: %s %s", c->element,
                     c->problem[0] ? c->problem : (!c->digest_ok ? "digest mismatch" : "bad signature value"));
        }
    }
    for (size_t i = 0; i < rep.count && !code; i++)
        if (!signer_chain_ok(st, &rep.items[i], why, cap))
            code = 5002;
    pthread_rwlock_rdlock(&st->lock);
    for (size_t i = 0; i < rep.count && !code; i++) {
        const mm_sig_check *c = &rep.items[i];
        if (!sim_registry_may_sign(st->reg, c->orgnr, sender)) {
            code = 6005;
            snprintf(why, cap, "%s signed by %s, which is neither the sender %s nor a dispatcher approved for it",
                     c->element, c->orgnr[0] ? c->orgnr : "a certificate without organisation number", sender);
        }
    }
    pthread_rwlock_unlock(&st->lock);
    mm_sig_report_free(&rep);
    return code;
}

/* The delivery's messages as the index records them, with their content
 * types checked (TTK 4.23) and each attachment's SHA-256.  Returns 0 with
 * *out (n_msgs entries, for free_messages) or the fault code with why. */
static int read_messages(xmlNodePtr delivery, sim_msg **out, size_t *n_out, char *why, size_t cap)
{
    xmlNodePtr first;
    size_t n_msgs = (size_t)mm_xml_count(delivery, MM_NS_M3, "Message", &first);
    sim_msg *msgs = calloc(n_msgs ? n_msgs : 1, sizeof *msgs);
    *out = msgs;
    *n_out = n_msgs;
    if (!msgs) {
        *n_out = 0;
        snprintf(why, cap, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (xmlNodePtr m = first; m; m = xmlNextElementSibling(m)) {
        if (!mm_xml_is(m, MM_NS_M3, "Message"))
            continue;
        sim_msg *sm = &msgs[k++];
        xmlNodePtr mh = mm_xml_child(m, MM_NS_M3, "Header");
        sim_child_text(mh, MM_NS_M3, "Id", sm->id, sizeof sm->id);
        sim_child_text(mh, MM_NS_M3, "Subject", sm->subject, sizeof sm->subject);
        sim_tsv_clean(sm->id);
        sim_tsv_clean(sm->subject);
        char ct[256];
        sim_child_text(mm_xml_child(m, MM_NS_M3, "Body"), MM_NS_M1, "ContentType", ct, sizeof ct);
        if (strcmp(ct, "text/plain") && strcmp(ct, "text/html")) {
            snprintf(why, cap, "unsupported MIME type for the message body: %.100s", ct);
            return 5019;
        }
        for (xmlNodePtr a = xmlFirstElementChild(m); a; a = xmlNextElementSibling(a)) {
            if (!mm_xml_is(a, MM_NS_M3, "Attachment"))
                continue;
            sim_child_text(a, MM_NS_M1, "ContentType", ct, sizeof ct);
            int okct = 0;
            for (int i = 0; allowed_attachment_types[i]; i++)
                okct |= !strcmp(ct, allowed_attachment_types[i]);
            if (!okct) {
                snprintf(why, cap, "unsupported MIME type for an attachment: %.100s", ct);
                return 5019;
            }
            char *b64 = mm_xml_child_text(a, MM_NS_M1, "Body");
            char hex[65];
            int bad = !b64 || base64_sha256(b64, hex);
            free(b64);
            if (bad) {
                snprintf(why, cap, "invalid input: attachment Body is not base64");
                return 5001;
            }
            if (sm->sha.len)
                mm_buf_puts(&sm->sha, ",");
            mm_buf_puts(&sm->sha, hex);
        }
    }
    return 0;
}

static void free_messages(sim_msg *msgs, size_t n)
{
    for (size_t i = 0; msgs && i < n; i++)
        mm_buf_free(&msgs[i].sha);
    free(msgs);
}

/* Why the mailbox does not take the letter (Delivered=false), or NULL:
 * is the mailbox here, open, and does it take letters from this sender? */
static const char *mailbox_refusal(sim_state *st, const char *opkey, const char *recipient, const char *sender)
{
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
    return refusal;
}

/* Answers for a picked fault rule: 1 when it answered the request
 * (an injected HTTP status, fault or drop, Delivered=false, or a receipt
 * naming another recipient, as a faulty operator might send). */
static int injected(const sim_rule *rule, const char *recipient, sim_reply *rp)
{
    if (sim_fault_apply(rule, rp))
        return 1;
    if (rule->action != SIM_ACT_NOT_DELIVERED && rule->action != SIM_ACT_ANSWER_RECIPIENT)
        return 0;
    char t[37];
    if (mm_uuid_new(t)) {
        sim_reply_fault(rp, 0, "no randomness for a TransId");
        return 1;
    }
    if (rule->action == SIM_ACT_ANSWER_RECIPIENT) {
        delivery_reply(rp, t, rule->answer_recipient, 1);
        sim_log_add(rp, " injected answer-recipient");
        return 1;
    }
    delivery_reply(rp, t, recipient[0] ? recipient : "000000000000", 0);
    sim_log_add(rp, " injected delivered=false");
    return 1;
}

void sim_operator_deliver(sim_state *st, const char *opkey, xmlNodePtr op, const char *body, size_t len,
                          sim_reply *rp)
{
    sim_log_add(rp, "deliverSecure op=%.31s", opkey);
    if (!mm_xml_is(op, MM_NS_SVC3, "deliverSecure")) {
        sim_reply_fault(rp, 5001, "operation %.60s is not offered by this simulator (deliverSecure)",
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
    sim_child_text(header, MM_NS_M2, "Recipient", recipient, sizeof recipient);
    sim_child_text(sender_el, MM_NS_SND, "Id", sender, sizeof sender);
    char masked[16];
    mm_idnum_mask(recipient, masked);
    sim_log_add(rp, " recipient=%s", recipient[0] ? masked : "?");

    sim_rule rule;
    char rc1[1][SIM_ID_LEN];
    memcpy(rc1[0], recipient, SIM_ID_LEN);
    pthread_rwlock_rdlock(&st->lock);
    int known_op = sim_registry_operator(st->reg, opkey) >= 0;
    int hit = sim_fault_pick(st, 0, opkey, rc1, recipient[0] ? 1 : 0, 0, &rule);
    pthread_rwlock_unlock(&st->lock);
    if (!known_op) {
        sim_reply_text(rp, 404, "mmsimd: no such operator\n");
        sim_log_add(rp, " unknown-operator");
        return;
    }
    if (hit && injected(&rule, recipient, rp))
        return;

    if (len > SIM_DELIVER_MAX) {
        sim_reply_fault(rp, 5005, "max exceeded: the request is %zu bytes, at most %d", len, SIM_DELIVER_MAX);
        return;
    }
    char why[600];
    if (sim_validate(st->svc_schema, op, why, sizeof why)) {
        sim_reply_fault(rp, 5001, "invalid input: %s", why);
        return;
    }
    int code = check_signatures(st, sealed, signedd, sender, why, sizeof why);
    if (code) {
        sim_reply_fault(rp, code < 0 ? 0 : code, "%s", why);
        return;
    }
    if (st->xmlsec1_path)
        sim_log_add(rp, " xmlsec1=verified");
    sim_msg *msgs = NULL;
    size_t n_msgs = 0;
    code = read_messages(delivery, &msgs, &n_msgs, why, sizeof why);
    char trans[37];
    const char *refusal = code ? NULL : mailbox_refusal(st, opkey, recipient, sender);
    int dups = 0;
    if (code) {
        sim_reply_fault(rp, code < 0 ? 0 : code, "%s", why);
    } else if (mm_uuid_new(trans)) {
        sim_reply_fault(rp, 0, "no randomness for a TransId");
    } else if (refusal) {
        delivery_reply(rp, trans, recipient, 0);
        sim_log_add(rp, " delivered=false (%s)", refusal);
    } else if (sim_inbox_record(st, opkey, trans, recipient, sender, msgs, n_msgs, body, len, &dups, why,
                                sizeof why)) {
        sim_reply_fault(rp, 0, "%s", why);
    } else {
        delivery_reply(rp, trans, recipient, 1);
        sim_log_add(rp, " delivered=true trans=%s%s", trans, dups ? " duplicate" : "");
    }
    free_messages(msgs, n_msgs);
}
