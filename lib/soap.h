/* SPDX-License-Identifier: EUPL-1.2 */
/* SOAP 1.1 envelopes and faults for Mina meddelanden. */
#ifndef MM_SOAP_H
#define MM_SOAP_H

#include <libxml/tree.h>
#include "buf.h"
#include "error.h"
#include "http.h"
#include "ns.h"
#include "xmlutil.h"

/* Largest SOAP response accepted (bytes). */
#define MM_SOAP_MAX_BYTES (16 * 1024 * 1024)

/* A parsed SOAP fault. */
typedef struct {
    int code;              /* ErrorCode, -1 when the fault carried none */
    char description[512];
    char call_id[64];
    char faultstring[256];
} mm_soap_fault;

/* 0-4999 technical (retry later), 5000+ application (do not retry). */
int mm_soap_fault_is_technical(const mm_soap_fault *f);

/* Parses a SOAP response safely (no network, no DTD, size-limited; call
 * mm_dsig_init or xmlInitParser once before threads start).  On a
 * Fault, fills fault and sets err (MM_ERR_TECHNICAL or MM_ERR_APPLICATION,
 * code = ErrorCode) and returns NULL.  Otherwise returns the document, which
 * the caller frees with xmlFreeDoc; *body points at the first element child
 * of soap:Body, inside that document (gone with it).  fault (may be NULL)
 * is the caller's. */
xmlDocPtr mm_soap_parse(const char *xml, size_t len, xmlNodePtr *body,
                        mm_soap_fault *fault, mm_error *err);

/* POSTs a SOAP request (text/xml; charset=UTF-8, SOAPAction "") and parses
 * the answer.  HTTP 5xx without a fault -> MM_ERR_TRANSPORT; a fault ->
 * as mm_soap_parse.  Returns the document or NULL; document and *body are
 * owned as with mm_soap_parse. */
xmlDocPtr mm_soap_call(mm_http *h, const char *url, const char *request, size_t len,
                       xmlNodePtr *body, mm_soap_fault *fault, mm_error *err);

/* Appends to out (the caller's) a complete SOAP 1.1 fault envelope with a
 * c3:applicationFault detail (used by the simulator and tests); -1 when
 * memory or the random generator fails.  code < 0 writes a fault with
 * no detail at all (only faultstring = description); call_id NULL or ""
 * generates a random 32-character one. */
int mm_soap_write_fault(mm_buf *out, int code, const char *description, const char *call_id);

#endif
