/* SPDX-License-Identifier: EUPL-1.2 */
/* Mailbox-operator client: POST deliverSecure, read the DeliveryResult. */
#include "mailbox.h"

#include <stdlib.h>
#include <string.h>

#include "idnum.h"
#include "text.h"

int mm_mailbox_parse_response(xmlNodePtr response, const char *recipient, mm_mailbox_result *result,
                              mm_error *err)
{
    memset(result, 0, sizeof *result);
    if (!mm_xml_is(response, MM_NS_SVC3, "deliverSecureResponse"))
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "mailbox operator answered something other than deliverSecureResponse");
    xmlNodePtr ret = mm_xml_child(response, MM_NS_SVC3, "return");
    if (!ret)
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse without return");

    char *tid = mm_xml_child_text_trimmed(ret, MM_NS_SVC, "TransId");
    if (!tid || !*tid || strlen(tid) >= sizeof result->trans_id) {
        free(tid);
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse with a missing or over-long TransId");
    }
    memcpy(result->trans_id, tid, strlen(tid) + 1);
    free(tid);

    int statuses = 0, all_delivered = 1;
    for (xmlNodePtr c = xmlFirstElementChild(ret); c; c = xmlNextElementSibling(c)) {
        if (!mm_xml_is(c, MM_NS_SVC, "Status"))
            continue;
        char *rid = mm_xml_child_text_trimmed(c, MM_NS_SVC, "RecipientId");
        char *del = mm_xml_child_text_trimmed(c, MM_NS_SVC, "Delivered");
        int d = mm_xml_parse_bool(del);
        int rid_ok = mm_text_digits(rid, 12);
        int other = rid_ok && recipient && strcmp(rid, recipient);
        char got[16] = "", want[16] = "";
        if (other) {
            mm_idnum_mask(rid, got);
            mm_idnum_mask(recipient, want);
        }
        if (rid_ok && statuses == 0)
            memcpy(result->recipient, rid, 13);
        free(rid);
        free(del);
        if (d < 0 || !rid_ok)
            return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse with a malformed Status");
        if (other) {
            result->wrong_recipient = 1;
            result->delivered = 0;
            return mm_error_set(err, MM_ERR_PROTOCOL, 0,
                                "operator answered for recipient %s, not for the letter's recipient %s", got, want);
        }
        statuses++;
        all_delivered &= d;
    }
    if (!statuses)
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse without Status");
    result->delivered = all_delivered;
    return 0;
}

int mm_mailbox_deliver(mm_http *h, const char *service_url, const char *recipient, const char *soap, size_t len,
                       mm_mailbox_result *result, mm_soap_fault *fault, mm_error *err)
{
    memset(result, 0, sizeof *result);
    if (!mm_http_url_is_https(service_url))
        return mm_error_set(err, MM_ERR_INPUT, 0, "operator address %.200s is not an https:// URL; nothing sent",
                            service_url ? service_url : "(none)");
    xmlNodePtr body;
    xmlDocPtr doc = mm_soap_call(h, service_url, soap, len, &body, fault, err);
    if (!doc)
        return -1;
    int rc = mm_mailbox_parse_response(body, recipient, result, err);
    xmlFreeDoc(doc);
    return rc;
}
