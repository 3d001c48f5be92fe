/* SPDX-License-Identifier: EUPL-1.2 */
/* Building a v3 deliverSecure request: SecureDelivery -> SignedDelivery
 * (signed) -> SealedDelivery (sealed) -> SOAP envelope in the prefixed wire
 * form of spec/mina-meddelanden.md §4.4. */
#ifndef MM_DELIVERY_H
#define MM_DELIVERY_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "signer.h"
#include "error.h"

/* The whole SOAP request may not exceed 2 MB (TTK 4.17). */
#define MM_DELIVERY_MAX_BYTES 2097152

typedef struct {
    const char *sender_id;        /* "16" + 10 digits */
    const char *sender_name;      /* 2..256 chars */
    const char *recipient;        /* 12 digits (validated by the caller with mm_idnum_parse) */
    const char *reference;        /* optional cost-allocation reference, <= 50 chars */
    const char *message_id;       /* optional UUID; generated when NULL; the same id gives the same letter */
    const char *subject;          /* <= 255 chars */
    const char *support_text;     /* <= 1024 chars; NULL: the sender name is used */
    const char *support_url;      /* optional */
    const char *support_phone;    /* optional */
    const char *support_email;    /* optional */
    const char *body_type;        /* "text/plain" (default) or "text/html" */
    const char *body_text;        /* UTF-8; when NULL a short default text (Swedish) is used */
    const unsigned char *attachment; /* the document bytes */
    size_t attachment_len;
    const char *attachment_type;  /* default "application/pdf"; only TTK 4.23 types allowed */
    const char *attachment_name;  /* default "brev.pdf" */
    int sign_with_xmlsec;         /* 0: mm_dsig_sign_doc_direct (default); 1: xmlSecDSigCtx for
                                     each signature (identical bytes, slower; for comparison) */
} mm_delivery_params;

/* Builds, signs and seals one delivery and writes the complete deliverSecure
 * SOAP 1.1 envelope to out (appended; the caller's buffer).  p and its
 * strings stay the caller's.  received is the seal's ReceivedTime.  The
 * message id used is copied to message_id_out (37 bytes).  Input errors
 * (size over MM_DELIVERY_MAX_BYTES, content type, missing or over-long
 * fields) fail with MM_ERR_INPUT and a clear message. */
int mm_delivery_build(const mm_signer *signer, const mm_delivery_params *p, time_t received,
                      mm_buf *out, char message_id_out[37], mm_error *err);

/* The steps, exposed for tests and the benchmark.  Each returns a
 * prefix-free standalone document (root {Message/v3}SignedDelivery or
 * SealedDelivery); the caller frees it with xmlFreeDoc. */
xmlDocPtr mm_delivery_signed(const mm_signer *signer, const mm_delivery_params *p,
                             char message_id_out[37], mm_error *err);
/* signed_doc stays the caller's (it is copied into the seal). */
xmlDocPtr mm_delivery_sealed(const mm_signer *signer, xmlDocPtr signed_doc, time_t received, mm_error *err);
/* Wraps a sealed document (the caller's, unchanged) in the SOAP envelope,
 * appended to out: every element prefixed and all prefixes declared on
 * soapenv:Envelope, no whitespace.  On failure out is as it was. */
int mm_delivery_wire(xmlDocPtr sealed_doc, mm_buf *out, mm_error *err);

#endif
