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
} mm_mailbox_result;

/* POSTs a deliverSecure envelope (from mm_delivery_build) to the operator's
 * ServiceAdress.  Delivered=false is reported as success with delivered=0;
 * the caller decides (paper).  soap stays the caller's; fault (may be NULL)
 * gets a SOAP fault's details. */
int mm_mailbox_deliver(mm_http *h, const char *service_url, const char *soap, size_t len,
                       mm_mailbox_result *result, mm_soap_fault *fault, mm_error *err);

/* Parses a deliverSecureResponse body element (by namespace URI; the
 * caller's document, unchanged) into result, the caller's. */
int mm_mailbox_parse_response(xmlNodePtr response, mm_mailbox_result *result, mm_error *err);

#endif
