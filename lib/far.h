/* SPDX-License-Identifier: EUPL-1.2 */
/* FaR (Förmedlingsadressregistret) client: Recipient v3 isReachable, and the
 * rule for when a letter may go digitally. */
#ifndef MM_FAR_H
#define MM_FAR_H

#include <stddef.h>
#include "error.h"
#include "http.h"
#include "soap.h"

#define MM_FAR_BATCH_MAX 1000

/* Why a recipient can or cannot get a letter digitally: the outcome of
 * mm_far_apply_rule, in the order it tests.  Callers that need a text in
 * another language index their own table by it (mmprintd: Swedish). */
typedef enum {
    MM_REACH_NOT_FOUND = 0,  /* FaR did not answer for the recipient */
    MM_REACH_NO_MAILBOX,     /* Type=Not */
    MM_REACH_ANONYMOUS,      /* Type=Anonymous */
    MM_REACH_OTHER_TYPE,     /* any Type but Secure, Anonymous and Not */
    MM_REACH_PENDING,        /* the mailbox is not ready yet */
    MM_REACH_SENDER_REFUSED, /* SenderAccepted=false */
    MM_REACH_NO_ADDRESS,     /* no ServiceAdress */
    MM_REACH_DIGITAL,        /* the rule holds */
    MM_REACH_COUNT
} mm_reach_why;

typedef struct {
    char recipient[13];
    int found;               /* FaR answered for this recipient */
    char type[16];           /* "Secure", "Anonymous", "Not" */
    int pending;
    int sender_accepted;
    char operator_id[16];    /* ServiceSupplier/Id */
    char operator_name[128]; /* ServiceSupplier/Name */
    char service_address[512];
    int digital;             /* 1 when the digital-delivery rule holds */
    char reason[160];        /* English reason when digital == 0, e.g. "no mailbox (Type=Not)" */
    mm_reach_why why;        /* the same as a code */
} mm_reach;

/* The outcome's word for statistics and the store ("digital",
 * "no-mailbox", "not-found", ...): a static string, "unknown" out of range. */
const char *mm_far_reach_name(mm_reach_why why);

/* Applies the digital-delivery rule to a filled mm_reach: digital only when
 * SenderAccepted and Type=Secure and not Pending and a ServiceAdress exists;
 * sets digital, why and reason. */
void mm_far_apply_rule(mm_reach *r);

/* Asks FaR about n recipients (12-digit numbers), splitting into calls of
 * at most MM_FAR_BATCH_MAX.  out[i] answers ids[i]; out is the caller's
 * array of n entries, ids stay the caller's.  fault (may be NULL) gets a
 * SOAP fault's details. */
int mm_far_is_reachable(mm_http *h, const char *far_url, const char *sender_orgnr,
                        const char *const *ids, size_t n, mm_reach *out,
                        mm_soap_fault *fault, mm_error *err);

/* Appends the isReachable request body for ids to out, the caller's
 * buffer (exposed for tests); -1 when memory runs out or n is too large. */
int mm_far_build_request(mm_buf *out, const char *sender_orgnr, const char *const *ids, size_t n);
/* Parses an isReachableResponse body element (the caller's document,
 * unchanged) into out (matched by RecipientId). */
int mm_far_parse_response(xmlNodePtr response, const char *const *ids, size_t n, mm_reach *out, mm_error *err);

/* Recipient v3 isRegistered: whether each recipient has an account at all
 * (no sender acceptance).  Fills found, type, pending and the operator
 * fields of out[i] for ids[i]; sender_accepted, digital and reason are not
 * meaningful here.  Batches of MM_FAR_BATCH_MAX like isReachable. */
int mm_far_is_registered(mm_http *h, const char *far_url, const char *const *ids, size_t n, mm_reach *out,
                         mm_soap_fault *fault, mm_error *err);
int mm_far_build_registered_request(mm_buf *out, const char *const *ids, size_t n);
int mm_far_parse_registered_response(xmlNodePtr response, const char *const *ids, size_t n, mm_reach *out,
                                     mm_error *err);

#endif
