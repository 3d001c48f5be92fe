/* SPDX-License-Identifier: EUPL-1.2 */
/* Mailbox-operator client: Service v3 deliverSecure. */
#ifndef MM_MAILBOX_H
#define MM_MAILBOX_H

#include <stddef.h>
#include "error.h"
#include "http.h"
#include "soap.h"

typedef struct {
    char trans_id[128];
    int delivered;      /* Status/Delivered for the recipient (1 only when every Status says true) */
    char recipient[13]; /* Status/RecipientId (the first one) */
    int wrong_recipient; /* a Status named another recipient than the letter's (an error) */
} mm_mailbox_result;

/* POSTs a deliverSecure envelope (from mm_delivery_build) for recipient
 * (12 digits) to the operator's ServiceAdress, which must be https (else
 * MM_ERR_INPUT, nothing sent).  Delivered=false is reported as success
 * with delivered=0; the caller decides (paper).  An answer about another
 * recipient is an error (see mm_mailbox_parse_response).  soap stays the
 * caller's; fault (may be NULL) gets a SOAP fault's details. */
int mm_mailbox_deliver(mm_http *h, const char *service_url, const char *recipient, const char *soap, size_t len,
                       mm_mailbox_result *result, mm_soap_fault *fault, mm_error *err);

/* Parses a deliverSecureResponse body element (by namespace URI; the
 * caller's document, unchanged) into result, the caller's.  With recipient
 * set, every Status must name exactly that recipient: otherwise -1 with
 * MM_ERR_PROTOCOL, wrong_recipient set and delivered 0, since a receipt
 * for someone else says nothing about this letter. */
int mm_mailbox_parse_response(xmlNodePtr response, const char *recipient, mm_mailbox_result *result,
                              mm_error *err);

#endif
