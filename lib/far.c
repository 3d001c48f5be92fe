/* SPDX-License-Identifier: EUPL-1.2 */
/* FaR client: Recipient v3 isReachable in batches, response parsing by
 * namespace URI, and the rule deciding digital versus paper. */
#include "far.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "idnum.h"
#include "text.h"

/* The English reason of each outcome ("" for digital); the account type of
 * MM_REACH_OTHER_TYPE is appended in parentheses. */
static const char *const reach_en[MM_REACH_COUNT] = {
    [MM_REACH_NOT_FOUND] = "not known to FaR",
    [MM_REACH_NO_MAILBOX] = "no digital mailbox (Type=Not)",
    [MM_REACH_ANONYMOUS] = "anonymous account",
    [MM_REACH_OTHER_TYPE] = "unknown account type",
    [MM_REACH_PENDING] = "mailbox registration pending",
    [MM_REACH_SENDER_REFUSED] = "recipient does not accept this sender",
    [MM_REACH_NO_ADDRESS] = "no service address",
    [MM_REACH_DIGITAL] = "",
};

const char *mm_far_reach_name(mm_reach_why why)
{
    static const char *const names[MM_REACH_COUNT] = {
        [MM_REACH_NOT_FOUND] = "not-found",         [MM_REACH_NO_MAILBOX] = "no-mailbox",
        [MM_REACH_ANONYMOUS] = "anonymous",         [MM_REACH_OTHER_TYPE] = "other-type",
        [MM_REACH_PENDING] = "pending",             [MM_REACH_SENDER_REFUSED] = "sender-refused",
        [MM_REACH_NO_ADDRESS] = "no-address",       [MM_REACH_DIGITAL] = "digital",
    };
    return why >= 0 && why < MM_REACH_COUNT ? names[why] : "unknown";
}

void mm_far_apply_rule(mm_reach *r)
{
    if (!r->found)
        r->why = MM_REACH_NOT_FOUND;
    else if (!strcmp(r->type, "Not"))
        r->why = MM_REACH_NO_MAILBOX;
    else if (!strcmp(r->type, "Anonymous"))
        r->why = MM_REACH_ANONYMOUS;
    else if (strcmp(r->type, "Secure"))
        r->why = MM_REACH_OTHER_TYPE;
    else if (r->pending)
        r->why = MM_REACH_PENDING;
    else if (!r->sender_accepted)
        r->why = MM_REACH_SENDER_REFUSED;
    else if (!r->service_address[0] || !mm_http_url_is_https(r->service_address))
        r->why = MM_REACH_NO_ADDRESS;
    else
        r->why = MM_REACH_DIGITAL;
    r->digital = r->why == MM_REACH_DIGITAL;
    /* An address that is not https is no address: the letter would travel
     * in clear, so it goes on paper, and the reason names the address. */
    if (r->why == MM_REACH_NO_ADDRESS && r->service_address[0])
        snprintf(r->reason, sizeof r->reason, "service address is not https: %.100s", r->service_address);
    else if (r->why == MM_REACH_OTHER_TYPE)
        snprintf(r->reason, sizeof r->reason, "%s (Type=%.16s)", reach_en[r->why], r->type);
    else
        snprintf(r->reason, sizeof r->reason, "%s", reach_en[r->why]);
}

/* The rcp3:recipientId elements both requests carry. */
static int put_recipient_ids(mm_buf *out, const char *const *ids, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        rc |= mm_buf_puts(out, "<rcp3:recipientId>");
        rc |= mm_xml_escape(out, ids[i]);
        rc |= mm_buf_puts(out, "</rcp3:recipientId>");
    }
    return rc;
}

int mm_far_build_request(mm_buf *out, const char *sender_orgnr, const char *const *ids, size_t n)
{
    if (n > MM_FAR_BATCH_MAX || !sender_orgnr)
        return -1;
    int rc = 0;
    rc |= mm_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                           "<soapenv:Envelope xmlns:soapenv=\"" MM_NS_SOAP "\" xmlns:rcp3=\"" MM_NS_RCP3 "\">"
                           "<soapenv:Body><rcp3:isReachable><rcp3:senderOrgNr>");
    rc |= mm_xml_escape(out, sender_orgnr);
    rc |= mm_buf_puts(out, "</rcp3:senderOrgNr>");
    rc |= put_recipient_ids(out, ids, n);
    rc |= mm_buf_puts(out, "</rcp3:isReachable></soapenv:Body></soapenv:Envelope>");
    return rc ? -1 : 0;
}

/* ---- response parsing -------------------------------------------------- */

/* One AccountStatus into a scratch entry (found=1 on success). */
static int parse_account(xmlNodePtr acc, mm_reach *r, mm_error *err)
{
    char *rid = NULL, *type = NULL, *pending = NULL;
    char *sid = NULL, *sname = NULL, *saddr = NULL;
    int rc = -1;

    rid = mm_xml_child_text_trimmed(acc, MM_NS_RCP, "RecipientId");
    type = mm_xml_child_text_trimmed(acc, MM_NS_RCP, "Type");
    pending = mm_xml_child_text_trimmed(acc, MM_NS_RCP, "Pending");
    if (!rid || !mm_text_digits(rid, 12)) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answer with a missing or malformed RecipientId");
        goto out;
    }
    memcpy(r->recipient, rid, 13);
    if (!type || mm_text_copy_exact(r->type, sizeof r->type, type) < 0) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answer with a missing or malformed Type");
        goto out;
    }
    if ((r->pending = mm_xml_parse_bool(pending)) < 0) {
        mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answer with a missing or malformed Pending");
        goto out;
    }
    xmlNodePtr sup = mm_xml_child(acc, MM_NS_RCP, "ServiceSupplier");
    if (sup) {
        sid = mm_xml_child_text_trimmed(sup, MM_NS_RCP, "Id");
        sname = mm_xml_child_text_trimmed(sup, MM_NS_RCP, "Name");
        saddr = mm_xml_child_text_trimmed(sup, MM_NS_RCP, "ServiceAdress");
        if (sid && mm_text_copy_exact(r->operator_id, sizeof r->operator_id, sid) < 0) {
            mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answer with an over-long ServiceSupplier Id");
            goto out;
        }
        if (sname)
            mm_text_copy(r->operator_name, sizeof r->operator_name, sname);
        if (saddr && mm_text_copy_exact(r->service_address, sizeof r->service_address, saddr) < 0) {
            mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answer with a ServiceAdress longer than %zu bytes",
                         sizeof r->service_address - 1);
            goto out;
        }
    }
    r->found = 1;
    rc = 0;
out:
    free(rid);
    free(type);
    free(pending);
    free(sid);
    free(sname);
    free(saddr);
    return rc;
}

/* One isReachableResponse/return (ReachabilityStatus) into a scratch entry. */
static int parse_status(xmlNodePtr ret, mm_reach *r, mm_error *err)
{
    memset(r, 0, sizeof *r);
    xmlNodePtr acc = mm_xml_child(ret, MM_NS_RCP, "AccountStatus");
    if (!acc)
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answer without AccountStatus");
    if (parse_account(acc, r, err) < 0) {
        r->found = 0;
        return -1;
    }
    char *accepted = mm_xml_child_text_trimmed(ret, MM_NS_RCP, "SenderAccepted");
    r->sender_accepted = mm_xml_parse_bool(accepted);
    free(accepted);
    if (r->sender_accepted < 0) {
        r->found = 0;
        r->sender_accepted = 0;
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answer with a missing or malformed SenderAccepted");
    }
    return 0;
}

int mm_far_parse_response(xmlNodePtr response, const char *const *ids, size_t n, mm_reach *out, mm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        snprintf(out[i].recipient, sizeof out[i].recipient, "%.12s", ids[i]);
        mm_far_apply_rule(&out[i]);
    }
    if (!mm_xml_is(response, MM_NS_RCP3, "isReachableResponse"))
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answered something other than isReachableResponse");

    for (xmlNodePtr c = xmlFirstElementChild(response); c; c = xmlNextElementSibling(c)) {
        if (!mm_xml_is(c, MM_NS_RCP3, "return"))
            continue;
        mm_reach r;
        if (parse_status(c, &r, err) < 0)
            return -1;
        mm_far_apply_rule(&r);
        /* Every input position with this id gets the answer (duplicates). */
        for (size_t i = 0; i < n; i++)
            if (!strcmp(ids[i], r.recipient))
                out[i] = r;
    }
    return 0;
}

/* FaR is asked only over https: the question names the people. */
static int check_far_url(const char *far_url, mm_error *err)
{
    if (!mm_http_url_is_https(far_url))
        return mm_error_set(err, MM_ERR_INPUT, 0, "FaR URL %.200s is not an https:// URL; nothing asked",
                            far_url ? far_url : "(none)");
    return 0;
}

int mm_far_is_reachable(mm_http *h, const char *far_url, const char *sender_orgnr,
                        const char *const *ids, size_t n, mm_reach *out,
                        mm_soap_fault *fault, mm_error *err)
{
    if (check_far_url(far_url, err) < 0)
        return -1;
    if (!mm_idnum_sender_id_valid(sender_orgnr))
        return mm_error_set(err, MM_ERR_INPUT, 0, "sender organisation number must be 16 followed by 10 digits");
    for (size_t i = 0; i < n; i++)
        if (!mm_text_digits(ids[i], 12))
            return mm_error_set(err, MM_ERR_INPUT, 0, "recipient %zu is not a 12-digit identity number", i + 1);

    mm_buf req = MM_BUF_INIT;
    for (size_t off = 0; off < n; off += MM_FAR_BATCH_MAX) {
        size_t k = n - off < MM_FAR_BATCH_MAX ? n - off : MM_FAR_BATCH_MAX;
        mm_buf_reset(&req);
        if (mm_far_build_request(&req, sender_orgnr, ids + off, k) < 0) {
            mm_buf_free(&req);
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory building isReachable");
        }
        xmlNodePtr body;
        xmlDocPtr doc = mm_soap_call(h, far_url, req.data, req.len, &body, fault, err);
        if (!doc) {
            mm_buf_free(&req);
            return -1;
        }
        int rc = mm_far_parse_response(body, ids + off, k, out + off, err);
        xmlFreeDoc(doc);
        if (rc < 0) {
            mm_buf_free(&req);
            return -1;
        }
    }
    mm_buf_free(&req);
    return 0;
}

/* ---- isRegistered ------------------------------------------------------ */

int mm_far_build_registered_request(mm_buf *out, const char *const *ids, size_t n)
{
    if (n == 0 || n > MM_FAR_BATCH_MAX)
        return -1;
    int rc = mm_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                              "<soapenv:Envelope xmlns:soapenv=\"" MM_NS_SOAP "\" xmlns:rcp3=\"" MM_NS_RCP3 "\">"
                              "<soapenv:Body><rcp3:isRegistered>");
    rc |= put_recipient_ids(out, ids, n);
    rc |= mm_buf_puts(out, "</rcp3:isRegistered></soapenv:Body></soapenv:Envelope>");
    return rc ? -1 : 0;
}

int mm_far_parse_registered_response(xmlNodePtr response, const char *const *ids, size_t n, mm_reach *out,
                                     mm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        snprintf(out[i].recipient, sizeof out[i].recipient, "%.12s", ids[i]);
        snprintf(out[i].reason, sizeof out[i].reason, "not known to FaR");
    }
    if (!mm_xml_is(response, MM_NS_RCP3, "isRegisteredResponse"))
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "FaR answered something other than isRegisteredResponse");
    /* Here return is itself the AccountStatus. */
    for (xmlNodePtr c = xmlFirstElementChild(response); c; c = xmlNextElementSibling(c)) {
        if (!mm_xml_is(c, MM_NS_RCP3, "return"))
            continue;
        mm_reach r;
        memset(&r, 0, sizeof r);
        if (parse_account(c, &r, err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(ids[i], r.recipient))
                out[i] = r;
    }
    return 0;
}

int mm_far_is_registered(mm_http *h, const char *far_url, const char *const *ids, size_t n, mm_reach *out,
                         mm_soap_fault *fault, mm_error *err)
{
    if (check_far_url(far_url, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!mm_text_digits(ids[i], 12))
            return mm_error_set(err, MM_ERR_INPUT, 0, "recipient %zu is not a 12-digit identity number", i + 1);
    mm_buf req = MM_BUF_INIT;
    int rc = 0;
    for (size_t off = 0; off < n && rc == 0; off += MM_FAR_BATCH_MAX) {
        size_t k = n - off < MM_FAR_BATCH_MAX ? n - off : MM_FAR_BATCH_MAX;
        mm_buf_reset(&req);
        if (mm_far_build_registered_request(&req, ids + off, k) < 0) {
            rc = mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory building isRegistered");
            break;
        }
        xmlNodePtr body;
        xmlDocPtr doc = mm_soap_call(h, far_url, req.data, req.len, &body, fault, err);
        if (!doc) {
            rc = -1;
            break;
        }
        rc = mm_far_parse_registered_response(body, ids + off, k, out + off, err);
        xmlFreeDoc(doc);
    }
    mm_buf_free(&req);
    return rc;
}
