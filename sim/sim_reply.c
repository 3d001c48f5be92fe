/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd's replies and the XML helpers every service uses: SOAP faults in
 * the form each port declares, plain answers, the access-log line, child
 * texts and schema validation. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include "log.h"
#include "soap.h"
#include "sim.h"
#include "sim_request.h"
#include "text.h"
#include "uuid.h"
#include "xmlutil.h"

/* ---- replies ---- */

/* The un-versioned Authority port declares one fault element per operation
 * (auth:getSendersFault...) of type c1:ExceptionInformation. */
static int authority_fault(mm_buf *b, const char *op, int code, const char *desc)
{
    char call[37];
    if (mm_uuid_new(call))
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

void sim_reply_fault(sim_reply *rp, int code, const char *fmt, ...)
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
    if (rp->auth_op ? authority_fault(&rp->body, rp->auth_op, code, desc)
                    : mm_soap_write_fault(&rp->body, code, desc, NULL)) {
        mm_buf_reset(&rp->body);
        rp->content_type = "text/plain; charset=UTF-8";
        mm_buf_puts(&rp->body, "out of memory\n");
    }
    size_t l = strlen(rp->log);
    snprintf(rp->log + l, sizeof rp->log - l, " fault=%d (%.200s)", code, desc);
}

void sim_reply_text(sim_reply *rp, int status, const char *text)
{
    mm_buf_reset(&rp->body);
    rp->status = status;
    rp->content_type = "text/plain; charset=UTF-8";
    mm_buf_puts(&rp->body, text);
}

void sim_log_add(sim_reply *rp, const char *fmt, ...)
{
    size_t l = strlen(rp->log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rp->log + l, sizeof rp->log - l, fmt, ap);
    va_end(ap);
}

/* ---- XML ---- */

void sim_child_text(xmlNodePtr parent, const char *ns, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    char *t = mm_xml_child_text_trimmed(parent, ns, name);
    if (t && mm_text_copy_exact(out, cap, t))
        out[0] = '\0';
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

int sim_validate(xmlSchemaPtr schema, xmlNodePtr elem, char *why, size_t cap)
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
