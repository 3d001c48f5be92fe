/* Mailbox-operator client: POST deliverSecure, read the DeliveryResult. */
#include "mailbox.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int is_elem(xmlNodePtr n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && n->ns && n->ns->href &&
           !strcmp((const char *)n->ns->href, ns);
}

/* Trims surrounding whitespace in place. */
static char *trim(char *t)
{
    if (!t)
        return NULL;
    char *s = t;
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    memmove(t, s, n);
    t[n] = '\0';
    return t;
}

int mm_mailbox_parse_response(xmlNodePtr response, mm_mailbox_result *result, mm_error *err)
{
    memset(result, 0, sizeof *result);
    if (!is_elem(response, MM_NS_SVC3, "deliverSecureResponse"))
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "mailbox operator answered something other than deliverSecureResponse");
    xmlNodePtr ret = mm_xml_child(response, MM_NS_SVC3, "return");
    if (!ret)
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse without return");

    char *tid = trim(mm_xml_child_text(ret, MM_NS_SVC, "TransId"));
    if (!tid || !*tid || strlen(tid) >= sizeof result->trans_id) {
        free(tid);
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse with a missing or over-long TransId");
    }
    memcpy(result->trans_id, tid, strlen(tid) + 1);
    free(tid);

    int statuses = 0, all_delivered = 1;
    for (xmlNodePtr c = ret->children; c; c = c->next) {
        if (!is_elem(c, MM_NS_SVC, "Status"))
            continue;
        char *rid = trim(mm_xml_child_text(c, MM_NS_SVC, "RecipientId"));
        char *del = trim(mm_xml_child_text(c, MM_NS_SVC, "Delivered"));
        int d = -1;
        if (del && (!strcmp(del, "true") || !strcmp(del, "1")))
            d = 1;
        else if (del && (!strcmp(del, "false") || !strcmp(del, "0")))
            d = 0;
        int rid_ok = rid && strlen(rid) == 12;
        for (size_t i = 0; rid_ok && i < 12; i++)
            rid_ok = isdigit((unsigned char)rid[i]) != 0;
        if (rid_ok && statuses == 0)
            memcpy(result->recipient, rid, 13);
        free(rid);
        free(del);
        if (d < 0 || !rid_ok)
            return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse with a malformed Status");
        statuses++;
        all_delivered &= d;
    }
    if (!statuses)
        return mm_error_set(err, MM_ERR_PROTOCOL, 0, "deliverSecureResponse without Status");
    result->delivered = all_delivered;
    return 0;
}

int mm_mailbox_deliver(mm_http *h, const char *service_url, const char *soap, size_t len,
                       mm_mailbox_result *result, mm_soap_fault *fault, mm_error *err)
{
    memset(result, 0, sizeof *result);
    xmlNodePtr body;
    xmlDocPtr doc = mm_soap_call(h, service_url, soap, len, &body, fault, err);
    if (!doc)
        return -1;
    int rc = mm_mailbox_parse_response(body, result, err);
    xmlFreeDoc(doc);
    return rc;
}
