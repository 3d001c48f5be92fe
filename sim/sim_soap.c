/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd's SOAP front: parses a request and routes it to FaR or an
 * operator (the replies are in sim_reply.c). */
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
#include "xmlutil.h"

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
        sim_reply_text(rp, 404, "mmsimd: no such service; use /far/Recipient/v3, /far/Authority or /op/NAME/Service/v3\n");
        return;
    }
    if (too_big) {
        snprintf(rp->log, sizeof rp->log, "%s", route == R_OPERATOR ? "deliverSecure" : "FaR");
        sim_reply_fault(rp, 5005, "max exceeded: request larger than the simulator reads");
        return;
    }
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc) {
        sim_reply_fault(rp, 0, "out of memory");
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
        sim_reply_fault(rp, 5001, "invalid input: not well-formed XML: %s", msg);
        return;
    }
    xmlFreeParserCtxt(pc);
    /* No DTDs: entity tricks have no place in a SOAP request (SOAP 1.1
     * §3).  Asked of the parsed document, not of the bytes, so that no
     * encoding (UTF-16, say) hides one.  The parser neither loads nor
     * substitutes anything (no DTDLOAD, no NOENT, NONET). */
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        snprintf(rp->log, sizeof rp->log, "rejected: DTD");
        sim_reply_fault(rp, 5001, "invalid input: a DOCTYPE is not allowed in a SOAP request");
        return;
    }
    xmlNodePtr env = xmlDocGetRootElement(doc);
    xmlNodePtr sbody = mm_xml_is(env, MM_NS_SOAP, "Envelope") ? mm_xml_child(env, MM_NS_SOAP, "Body") : NULL;
    xmlNodePtr op = xmlFirstElementChild(sbody);
    if (!op) {
        snprintf(rp->log, sizeof rp->log, "not SOAP");
        sim_reply_fault(rp, 5001, "invalid input: expected a SOAP 1.1 Envelope with an operation in its Body");
    } else if (route == R_RECIPIENT) {
        sim_far_recipient(st, op, rp);
    } else if (route == R_AUTHORITY) {
        sim_far_authority(st, op, rp);
    } else {
        sim_operator_deliver(st, opkey, op, body, len, rp);
    }
    xmlFreeDoc(doc);
}
