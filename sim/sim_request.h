/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd's request handling, shared by its parts: the SOAP front
 * (sim_soap.c: parse, route, replies, schema checks), fault injection
 * (sim_inject.c), FaR (sim_far.c), the operators' deliverSecure
 * (sim_operator.c) and the inbox (sim_inbox.c). */
#ifndef SIM_REQUEST_H
#define SIM_REQUEST_H

#include <stddef.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include "sim.h"

#define SIM_ENV_OPEN "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope xmlns:soapenv=\"" MM_NS_SOAP "\"><soapenv:Body>"
#define SIM_ENV_CLOSE "</soapenv:Body></soapenv:Envelope>"

/* ---- replies (sim_reply.c) ---- */
/* Replaces the reply with a SOAP fault (HTTP 500): an Authority fault
 * element when rp->auth_op is set, else the Service/Recipient one. */
void sim_reply_fault(sim_reply *rp, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sim_reply_text(sim_reply *rp, int status, const char *text);
/* Appends to the access-log line of the request. */
void sim_log_add(sim_reply *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* ---- XML (sim_reply.c) ---- */
/* Text of a child, trimmed, into a fixed buffer ("" when absent or too long). */
void sim_child_text(xmlNodePtr parent, const char *ns, const char *name, char *out, size_t cap);
/* Validates one element (the SOAP operation) against a compiled schema.
 * Returns 0 when valid, else -1 with the validator's first message. */
int sim_validate(xmlSchemaPtr schema, xmlNodePtr elem, char *why, size_t cap);

/* ---- fault injection (sim_inject.c) ---- */
/* Picks the first rule that applies to this request and consumes one use
 * of it: 1 with *out filled, 0 for none.  The caller holds st->lock for reading. */
int sim_fault_pick(sim_state *st, int far, const char *op, char (*rcpts)[SIM_ID_LEN], size_t n_rcpts,
                   int want_refuse, sim_rule *out);
/* Applies a picked rule: sleeps for delay=, then answers for the action.
 * Returns 1 when the reply is complete (the request must not be served). */
int sim_fault_apply(const sim_rule *r, sim_reply *rp);

/* ---- the services ---- */
/* FaR Recipient v3 (isReachable, isRegistered) and Authority (getSenders,
 * getDispatchers); op is the SOAP Body's operation element. */
void sim_far_recipient(sim_state *st, xmlNodePtr op, sim_reply *rp);
void sim_far_authority(sim_state *st, xmlNodePtr op, sim_reply *rp);
/* Service v3 deliverSecure at operator opkey; body/len is the raw request
 * the inbox keeps. */
void sim_operator_deliver(sim_state *st, const char *opkey, xmlNodePtr op, const char *body, size_t len,
                          sim_reply *rp);

/* ---- the signature profile (sim_profile.c) ---- */
/* The operator's rules on the shape of a deliverSecure's signatures
 * beyond lib/sigverify's: exactly two ds:Signature in the request, the
 * last children of SignedDelivery (signedd) and of the sealed element,
 * each holding only what the profile has.  0, or -1 with why. */
int sim_profile_check(xmlNodePtr sealed, xmlNodePtr signedd, char *why, size_t cap);

/* ---- --verify-with=xmlsec1 (sim_xmlsec.c) ---- */
/* Verifies the signature that is el's last child with the xmlsec1 tool,
 * on el rewritten prefix-free under {Message/v3}root_name, with the key of
 * the certificate in its KeyInfo.  0 verified; 1 not (why says xmlsec1's
 * reason); -1 xmlsec1 could not run or finish (why). */
int sim_xmlsec1_verify(const sim_state *st, xmlNodePtr el, const char *root_name, char *why, size_t cap);

/* ---- the inbox (sim_inbox.c) ---- */
/* One m3:Message of the delivery, as the index records it. */
typedef struct {
    char id[256];
    char subject[1024];
    mm_buf sha; /* comma-separated sha256 of the attachments, "-" when none */
} sim_msg;

/* Index fields must not break the TSV: tabs and line breaks become spaces. */
void sim_tsv_clean(char *s);
/* Keeps a delivered request: TRANSID.xml (unless --index-only) and one
 * durable index.tsv line per message; *dups counts messages seen before.
 * Returns 0, or -1 with a log message written and the reason in why. */
int sim_inbox_record(sim_state *st, const char *opkey, const char *trans, const char *recipient,
                     const char *sender, const sim_msg *msgs, size_t n_msgs, const char *body, size_t len,
                     int *dups, char *why, size_t cap);

#endif
