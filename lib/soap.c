/* SPDX-License-Identifier: EUPL-1.2 */
/* SOAP 1.1 for Mina meddelanden: safe parsing of responses, faults and
 * calls over mm_http. */
#include "soap.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <openssl/rand.h>

#include "log.h"
#include "text.h"

/* ---- faults -------------------------------------------------------------- */

int mm_soap_fault_is_technical(const mm_soap_fault *f)
{
    return f->code < 5000;
}

/* Finds a child by local name in either Common namespace. */
static xmlNodePtr common_child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c = mm_xml_child(parent, MM_NS_C3, name);
    return c ? c : mm_xml_child(parent, MM_NS_C1, name);
}

/* Strict decimal integer (surrounding whitespace allowed). */
static int parse_int(const char *s, int *out)
{
    if (!s)
        return -1;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* Unqualified per SOAP 1.1, but some stacks qualify faultcode/faultstring. */
static xmlNodePtr fault_part(xmlNodePtr fault, const char *name)
{
    xmlNodePtr c = mm_xml_child(fault, NULL, name);
    return c ? c : mm_xml_child(fault, MM_NS_SOAP, name);
}

static int parse_fault(xmlNodePtr fnode, mm_soap_fault *fault, mm_error *err)
{
    mm_soap_fault local;
    mm_soap_fault *f = fault ? fault : &local;
    memset(f, 0, sizeof *f);
    f->code = -1;

    char *fs = mm_xml_text(fault_part(fnode, "faultstring"));
    mm_text_copy_trimmed(f->faultstring, sizeof f->faultstring, fs);
    free(fs);

    /* The code lives in any detail child of type ExceptionInformation
     * (c3:applicationFault, or a per-operation c1 fault element). */
    xmlNodePtr detail = fault_part(fnode, "detail");
    xmlNodePtr info = NULL;
    for (xmlNodePtr c = detail ? xmlFirstElementChild(detail) : NULL; c && !info; c = xmlNextElementSibling(c))
        if (common_child(c, "ErrorCode"))
            info = c;
    if (info) {
        char *code = mm_xml_text(common_child(info, "ErrorCode"));
        char *desc = mm_xml_text(common_child(info, "Description"));
        char *call = mm_xml_text(common_child(info, "CallId"));
        int v;
        if (parse_int(code, &v) == 0 && v >= 0)
            f->code = v;
        mm_text_copy_trimmed(f->description, sizeof f->description, desc);
        mm_text_copy_trimmed(f->call_id, sizeof f->call_id, call);
        free(code);
        free(desc);
        free(call);
    }

    if (f->code < 0) {
        mm_error_set(err, MM_ERR_TECHNICAL, -1, "SOAP fault without error code: %s",
                     f->faultstring[0] ? f->faultstring : "(no faultstring)");
    } else {
        mm_error_set(err, mm_soap_fault_is_technical(f) ? MM_ERR_TECHNICAL : MM_ERR_APPLICATION, f->code,
                     "SOAP fault %d: %s (call id %s)", f->code,
                     f->description[0] ? f->description : f->faultstring,
                     f->call_id[0] ? f->call_id : "none");
    }
    /* A fault may quote the recipient; the message is meant for logs. */
    if (err)
        mm_log_mask_text(err->msg);
    return -1;
}

/* ---- parsing ----------------------------------------------------------- */

xmlDocPtr mm_soap_parse(const char *xml, size_t len, xmlNodePtr *body,
                        mm_soap_fault *fault, mm_error *err)
{
    if (body)
        *body = NULL;
    if (fault) {
        memset(fault, 0, sizeof *fault);
        fault->code = -1;
    }
    if (!xml || len == 0) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "empty SOAP response");
        return NULL;
    }
    if (len > MM_SOAP_MAX_BYTES || len > INT_MAX) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "SOAP response of %zu bytes exceeds the limit of %d", len,
                     MM_SOAP_MAX_BYTES);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory creating XML parser");
        return NULL;
    }
    /* No network, no entity substitution, no DTD loading, no printing. */
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "soap-response.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *xe = xmlCtxtGetLastError(ctxt);
        char m[200] = "";
        if (xe && xe->message)
            mm_text_copy_trimmed(m, sizeof m, xe->message);
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "SOAP response is not well-formed XML: %s",
                     m[0] ? m : "parse error");
        if (err) /* parser messages may quote content */
            mm_log_mask_text(err->msg);
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);
    /* SOAP forbids DTDs.  Asked of the parsed document, not of the bytes:
     * a byte search misses other encodings (UTF-16) of the same text.  No
     * entity was substituted or loaded while parsing (no NOENT/DTDLOAD). */
    if (doc->intSubset || doc->extSubset) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "SOAP response contains a DTD, which SOAP does not allow");
        xmlFreeDoc(doc);
        return NULL;
    }

    xmlNodePtr env = xmlDocGetRootElement(doc);
    if (!env || strcmp((const char *)env->name, "Envelope") || !mm_xml_in_ns(env, MM_NS_SOAP)) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "response is not a SOAP 1.1 Envelope");
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlNodePtr b = mm_xml_child(env, MM_NS_SOAP, "Body");
    xmlNodePtr first = b ? xmlFirstElementChild(b) : NULL;
    if (!first) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "SOAP response has no Body content");
        xmlFreeDoc(doc);
        return NULL;
    }
    if (!strcmp((const char *)first->name, "Fault") && mm_xml_in_ns(first, MM_NS_SOAP)) {
        parse_fault(first, fault, err);
        xmlFreeDoc(doc);
        return NULL;
    }
    if (body)
        *body = first;
    return doc;
}

/* ---- calls ------------------------------------------------------------- */

xmlDocPtr mm_soap_call(mm_http *h, const char *url, const char *request, size_t len,
                       xmlNodePtr *body, mm_soap_fault *fault, mm_error *err)
{
    static const char *const headers[] = {"SOAPAction: \"\"", NULL};
    if (body)
        *body = NULL;
    if (fault) {
        memset(fault, 0, sizeof *fault);
        fault->code = -1;
    }
    mm_buf resp = MM_BUF_INIT;
    long status = 0;
    if (mm_http_request(h, "POST", url, "text/xml; charset=UTF-8", request, len, headers, &status, &resp,
                        err) < 0) {
        mm_buf_free(&resp);
        return NULL;
    }
    mm_error perr;
    mm_error_clear(&perr);
    xmlDocPtr doc = mm_soap_parse(resp.data, resp.len, body, fault, &perr);
    mm_buf_free(&resp);
    int is_fault = !doc && (perr.cls == MM_ERR_TECHNICAL || perr.cls == MM_ERR_APPLICATION);

    if (status == 200) {
        if (!doc && err)
            *err = perr;
        return doc;
    }
    /* Any other status: a fault body still says what went wrong. */
    if (is_fault) {
        if (err)
            *err = perr;
        return NULL;
    }
    if (doc) {
        xmlFreeDoc(doc);
        if (body)
            *body = NULL;
    }
    if (status >= 500 && status <= 599)
        mm_error_set(err, MM_ERR_TRANSPORT, (int)status, "HTTP %ld from %s without a SOAP fault", status, url);
    else if (status == 401 || status == 403)
        mm_error_set(err, MM_ERR_PROTOCOL, (int)status,
                     "HTTP %ld from %s: access refused (is the organisation certificate accepted there?)", status,
                     url);
    else
        mm_error_set(err, MM_ERR_PROTOCOL, (int)status, "unexpected HTTP status %ld from %s", status, url);
    return NULL;
}

/* ---- writing faults ---------------------------------------------------- */

int mm_soap_write_fault(mm_buf *out, int code, const char *description, const char *call_id)
{
    char generated[33];
    if (!description)
        description = "";
    if (code >= 0 && (!call_id || !*call_id)) {
        /* CallId is 20..50 characters in the schema. */
        unsigned char rnd[16];
        if (RAND_bytes(rnd, sizeof rnd) != 1)
            return -1;
        mm_text_hex(rnd, sizeof rnd, 0, generated);
        call_id = generated;
    }
    int rc = 0;
    rc |= mm_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                           "<soap:Envelope xmlns:soap=\"" MM_NS_SOAP "\"><soap:Body><soap:Fault>"
                           "<faultcode>soap:Server</faultcode><faultstring>");
    rc |= mm_xml_escape(out, description);
    rc |= mm_buf_puts(out, "</faultstring>");
    if (code >= 0) {
        rc |= mm_buf_printf(out,
                            "<detail><c3:applicationFault xmlns:c3=\"" MM_NS_C3 "\">"
                            "<c3:ErrorCode>%d</c3:ErrorCode><c3:Description>",
                            code);
        rc |= mm_xml_escape(out, description);
        rc |= mm_buf_puts(out, "</c3:Description><c3:CallId>");
        rc |= mm_xml_escape(out, call_id);
        rc |= mm_buf_puts(out, "</c3:CallId></c3:applicationFault></detail>");
    }
    rc |= mm_buf_puts(out, "</soap:Fault></soap:Body></soap:Envelope>");
    return rc ? -1 : 0;
}
