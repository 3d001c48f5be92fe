/* SPDX-License-Identifier: EUPL-1.2 */
/* lib/far and lib/mailbox: the isReachable request is what the Recipient v3
 * XSD demands, answers are read by namespace whatever the prefixes, the
 * digital rule says why a letter goes to paper, and deliverSecure results
 * are read as operators send them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "far.h"
#include "mailbox.h"
#include "soap.h"

#define ORG "162120000142"

/* Schema errors are expected in negative cases; keep the TAP output clean. */
static void quiet(void *ctx, xmlErrorPtr error)
{
    (void)ctx;
    (void)error;
}

static const char *shared_dir(void)
{
    const char *s = getenv("MM_SHARED");
    return s && *s ? s : MM_SRCDIR "/../shared";
}

static xmlSchemaPtr load_schema(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/spec/schemas/current/%s", shared_dir(), rel);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    assert_non_null(pc);
    xmlSchemaPtr s = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    assert_non_null(s);
    return s;
}

static int validates(xmlSchemaPtr schema, xmlNodePtr node)
{
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidStructuredErrors(vc, quiet, NULL);
    int rc = xmlSchemaValidateOneElement(vc, node);
    xmlSchemaFreeValidCtxt(vc);
    return rc == 0;
}

/* Parses a built request and returns the Body's child (isReachable). */
static xmlNodePtr request_element(const mm_buf *b, xmlDocPtr *doc)
{
    *doc = xmlReadMemory(b->data, (int)b->len, NULL, NULL, XML_PARSE_NONET);
    assert_non_null(*doc);
    xmlNodePtr body = mm_xml_child(xmlDocGetRootElement(*doc), MM_NS_SOAP, "Body");
    assert_non_null(body);
    xmlNodePtr el = mm_xml_child(body, MM_NS_RCP3, "isReachable");
    assert_non_null(el);
    return el;
}

static size_t count_children(xmlNodePtr parent, const char *ns, const char *name)
{
    size_t n = 0;
    for (xmlNodePtr c = parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name) && c->ns &&
            !strcmp((const char *)c->ns->href, ns))
            n++;
    return n;
}

static void request_is_valid_against_recipient_v3(void **state)
{
    (void)state;
    const char *ids[] = {"191212121212", "189001019802", "191401682396"};
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_far_build_request(&b, ORG, ids, 3), 0);
    xmlDocPtr doc;
    xmlNodePtr el = request_element(&b, &doc);
    xmlSchemaPtr schema = load_schema("schema/v3/Recipient.xsd");
    assert_true(validates(schema, el));

    char *org = mm_xml_child_text(el, MM_NS_RCP3, "senderOrgNr");
    assert_string_equal(org, ORG);
    free(org);
    assert_int_equal(count_children(el, MM_NS_RCP3, "recipientId"), 3);
    /* in input order */
    size_t i = 0;
    for (xmlNodePtr c = el->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "recipientId"))
            continue;
        xmlChar *t = xmlNodeGetContent(c);
        assert_string_equal((const char *)t, ids[i++]);
        xmlFree(t);
    }
    xmlFreeDoc(doc);
    mm_buf_free(&b);

    /* The check can fail: a malformed id is rejected by the schema. */
    const char *bad[] = {"12345"};
    assert_int_equal(mm_far_build_request(&b, ORG, bad, 1), 0);
    el = request_element(&b, &doc);
    assert_false(validates(schema, el));
    xmlFreeDoc(doc);
    mm_buf_free(&b);
    xmlSchemaFree(schema);
}

static void batch_of_1000_valid_1001_refused(void **state)
{
    (void)state;
    static char store[1001][13];
    const char *ids[1001];
    for (size_t i = 0; i < 1001; i++)
        ids[i] = store[i];
    mm_buf b = MM_BUF_INIT;
    xmlDocPtr doc;
    xmlNodePtr el;
    xmlSchemaPtr schema = load_schema("schema/v3/Recipient.xsd");
    for (size_t i = 0; i < 1001; i++)
        snprintf(store[i], sizeof store[i], "19900101%04zu", i);
    assert_int_equal(mm_far_build_request(&b, ORG, ids, 1000), 0);
    el = request_element(&b, &doc);
    assert_int_equal(count_children(el, MM_NS_RCP3, "recipientId"), 1000);
    assert_true(validates(schema, el));
    xmlFreeDoc(doc);
    mm_buf_free(&b);
    /* 1001 is more than the schema allows; the builder refuses. */
    assert_int_equal(mm_far_build_request(&b, ORG, ids, 1001), -1);
    mm_buf_free(&b);
    xmlSchemaFree(schema);
}

static void invalid_input_is_refused_before_any_call(void **state)
{
    (void)state;
    const char *ids[] = {"191212121212", "19121212-1212"};
    mm_reach out[2];
    mm_soap_fault f;
    mm_error e;
    mm_error_clear(&e);
    /* no HTTP handle: the call must not get that far */
    assert_int_equal(mm_far_is_reachable(NULL, "https://127.0.0.1:1/", ORG, ids, 2, out, &f, &e), -1);
    assert_int_equal(e.cls, MM_ERR_INPUT);
    assert_non_null(strstr(e.msg, "recipient 2"));
    assert_null(strstr(e.msg, "1212"));
    mm_error_clear(&e);
    assert_int_equal(mm_far_is_reachable(NULL, "https://127.0.0.1:1/", "5560000000", ids, 1, out, &f, &e), -1);
    assert_int_equal(e.cls, MM_ERR_INPUT);
}

/* An answer in the style captured from real services: many namespace
 * declarations with numbered prefixes on the wrapper. */
static const char response_xml[] =
    "<?xml version='1.0' encoding='UTF-8'?>"
    "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
    "<ns17:isReachableResponse xmlns:ns2=\"http://minameddelanden.gov.se/schema/Sender\""
    " xmlns:ns3=\"http://minameddelanden.gov.se/schema/Recipient\""
    " xmlns:ns4=\"http://minameddelanden.gov.se/schema/Authority\""
    " xmlns:ns5=\"http://minameddelanden.gov.se/schema/Common\""
    " xmlns:ns6=\"http://minameddelanden.gov.se/schema/Common/v3\""
    " xmlns:ns7=\"urn:oasis:names:tc:ubl:CoreComponentParameters:1:0\""
    " xmlns:ns8=\"http://minameddelanden.gov.se/externalschema/Invoice/v1\""
    " xmlns:ns17=\"http://minameddelanden.gov.se/schema/Recipient/v3\">"
    /* 1: digital */
    "<ns17:return><ns3:AccountStatus><ns3:RecipientId>191212121212</ns3:RecipientId>"
    "<ns3:Type>Secure</ns3:Type><ns3:Pending>false</ns3:Pending>"
    "<ns3:ServiceSupplier><ns3:Id>165567828172</ns3:Id><ns3:Name>Kivra</ns3:Name>"
    "<ns3:ServiceAdress>https://mm.kivra.com/service/v3</ns3:ServiceAdress>"
    "<ns3:UIAdress>https://www.kivra.com</ns3:UIAdress><ns3:InternalServiceAdress></ns3:InternalServiceAdress>"
    "</ns3:ServiceSupplier><ns3:LastRegistration>2024-01-15T10:00:00+01:00</ns3:LastRegistration>"
    "</ns3:AccountStatus><ns3:SenderAccepted>true</ns3:SenderAccepted></ns17:return>"
    /* 2: no mailbox */
    "<ns17:return><ns3:AccountStatus><ns3:RecipientId>189001019802</ns3:RecipientId>"
    "<ns3:Type>Not</ns3:Type><ns3:Pending>false</ns3:Pending></ns3:AccountStatus>"
    "<ns3:SenderAccepted>false</ns3:SenderAccepted></ns17:return>"
    /* 3: pending */
    "<ns17:return><ns3:AccountStatus><ns3:RecipientId>189001029819</ns3:RecipientId>"
    "<ns3:Type>Secure</ns3:Type><ns3:Pending>true</ns3:Pending>"
    "<ns3:ServiceSupplier><ns3:Id>162021005448</ns3:Id><ns3:Name>minmyndighetspost.se</ns3:Name>"
    "<ns3:ServiceAdress>https://mmp.example/Service/v3</ns3:ServiceAdress><ns3:InternalServiceAdress/>"
    "</ns3:ServiceSupplier></ns3:AccountStatus><ns3:SenderAccepted>true</ns3:SenderAccepted></ns17:return>"
    /* 4: refuses this sender */
    "<ns17:return><ns3:AccountStatus><ns3:RecipientId>189001039800</ns3:RecipientId>"
    "<ns3:Type>Secure</ns3:Type><ns3:Pending>0</ns3:Pending>"
    "<ns3:ServiceSupplier><ns3:Id>165567828172</ns3:Id><ns3:Name>Kivra</ns3:Name>"
    "<ns3:ServiceAdress>https://mm.kivra.com/service/v3</ns3:ServiceAdress><ns3:InternalServiceAdress/>"
    "</ns3:ServiceSupplier></ns3:AccountStatus><ns3:SenderAccepted>false</ns3:SenderAccepted>"
    "<ns3:LastSenderAcceptChange>2025-03-01T08:00:00Z</ns3:LastSenderAcceptChange></ns17:return>"
    /* 5: anonymous */
    "<ns17:return><ns3:AccountStatus><ns3:RecipientId>189001049817</ns3:RecipientId>"
    "<ns3:Type>Anonymous</ns3:Type><ns3:Pending>false</ns3:Pending>"
    "<ns3:ServiceSupplier><ns3:Id>165567828172</ns3:Id><ns3:Name>Kivra</ns3:Name>"
    "<ns3:ServiceAdress>https://mm.kivra.com/service/v3</ns3:ServiceAdress><ns3:InternalServiceAdress/>"
    "</ns3:ServiceSupplier></ns3:AccountStatus><ns3:SenderAccepted>true</ns3:SenderAccepted></ns17:return>"
    /* 6: Secure but the address is empty */
    "<ns17:return><ns3:AccountStatus><ns3:RecipientId>191401682396</ns3:RecipientId>"
    "<ns3:Type>Secure</ns3:Type><ns3:Pending>false</ns3:Pending>"
    "<ns3:ServiceSupplier><ns3:Id>165592540321</ns3:Id><ns3:Name>Fortnox</ns3:Name>"
    "<ns3:ServiceAdress> </ns3:ServiceAdress><ns3:InternalServiceAdress/>"
    "</ns3:ServiceSupplier></ns3:AccountStatus><ns3:SenderAccepted>1</ns3:SenderAccepted></ns17:return>"
    "</ns17:isReachableResponse></S:Body></S:Envelope>";

static const char *const resp_ids[] = {
    "189001019802", /* Not */
    "191212121212", /* digital */
    "189001029819", /* pending */
    "189001039800", /* refuses sender */
    "189001049817", /* anonymous */
    "191401682396", /* no address */
    "189001059808", /* FaR does not answer */
};

static void response_fixture_is_schema_valid(void **state)
{
    (void)state;
    xmlNodePtr body;
    mm_error e;
    xmlDocPtr doc = mm_soap_parse(response_xml, strlen(response_xml), &body, NULL, &e);
    assert_non_null(doc);
    xmlSchemaPtr schema = load_schema("schema/v3/Recipient.xsd");
    assert_true(validates(schema, body));
    xmlSchemaFree(schema);
    xmlFreeDoc(doc);
}

static void response_is_matched_by_recipient_and_rule_applied(void **state)
{
    (void)state;
    xmlNodePtr body;
    mm_error e;
    mm_error_clear(&e);
    xmlDocPtr doc = mm_soap_parse(response_xml, strlen(response_xml), &body, NULL, &e);
    assert_non_null(doc);
    mm_reach out[7];
    assert_int_equal(mm_far_parse_response(body, resp_ids, 7, out, &e), 0);
    xmlFreeDoc(doc);

    for (size_t i = 0; i < 7; i++)
        assert_string_equal(out[i].recipient, resp_ids[i]);

    assert_true(out[0].found);
    assert_false(out[0].digital);
    assert_string_equal(out[0].type, "Not");
    assert_string_equal(out[0].reason, "no digital mailbox (Type=Not)");
    assert_string_equal(out[0].service_address, "");

    assert_true(out[1].found);
    assert_true(out[1].digital);
    assert_string_equal(out[1].type, "Secure");
    assert_false(out[1].pending);
    assert_true(out[1].sender_accepted);
    assert_string_equal(out[1].operator_id, "165567828172");
    assert_string_equal(out[1].operator_name, "Kivra");
    assert_string_equal(out[1].service_address, "https://mm.kivra.com/service/v3");
    assert_string_equal(out[1].reason, "");

    assert_false(out[2].digital);
    assert_true(out[2].pending);
    assert_string_equal(out[2].operator_name, "minmyndighetspost.se");
    assert_string_equal(out[2].reason, "mailbox registration pending");

    assert_false(out[3].digital);
    assert_false(out[3].sender_accepted);
    assert_string_equal(out[3].reason, "recipient does not accept this sender");

    assert_false(out[4].digital);
    assert_string_equal(out[4].type, "Anonymous");
    assert_string_equal(out[4].reason, "anonymous account");

    assert_false(out[5].digital);
    assert_true(out[5].sender_accepted);
    assert_string_equal(out[5].reason, "no service address");

    assert_false(out[6].found);
    assert_false(out[6].digital);
    assert_string_equal(out[6].reason, "not known to FaR");
}

static void default_namespaces_read_the_same(void **state)
{
    (void)state;
    const char *xml =
        "<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Body>"
        "<isReachableResponse xmlns=\"http://minameddelanden.gov.se/schema/Recipient/v3\"><return>"
        "<AccountStatus xmlns=\"http://minameddelanden.gov.se/schema/Recipient\"><RecipientId>191212121212</RecipientId>"
        "<Type>Secure</Type><Pending>false</Pending><ServiceSupplier><Id>165567828172</Id><Name>Billo</Name>"
        "<ServiceAdress>https://billo.example/v3</ServiceAdress><InternalServiceAdress/></ServiceSupplier>"
        "</AccountStatus><SenderAccepted xmlns=\"http://minameddelanden.gov.se/schema/Recipient\">true</SenderAccepted>"
        "</return></isReachableResponse></Body></Envelope>";
    xmlNodePtr body;
    mm_error e;
    xmlDocPtr doc = mm_soap_parse(xml, strlen(xml), &body, NULL, &e);
    assert_non_null(doc);
    const char *ids[] = {"191212121212"};
    mm_reach out[1];
    assert_int_equal(mm_far_parse_response(body, ids, 1, out, &e), 0);
    assert_true(out[0].digital);
    assert_string_equal(out[0].operator_name, "Billo");
    assert_string_equal(out[0].service_address, "https://billo.example/v3");
    xmlFreeDoc(doc);
}

/* Elements with the right local names in the wrong namespace are not the
 * answer: reading by prefix or local name alone would accept this. */
static void wrong_namespace_is_not_an_answer(void **state)
{
    (void)state;
    const char *xml =
        "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
        "<r:isReachableResponse xmlns:r=\"http://minameddelanden.gov.se/schema/Recipient/v3\"><r:return>"
        "<r:AccountStatus><r:RecipientId>191212121212</r:RecipientId><r:Type>Secure</r:Type>"
        "<r:Pending>false</r:Pending></r:AccountStatus><r:SenderAccepted>true</r:SenderAccepted>"
        "</r:return></r:isReachableResponse></S:Body></S:Envelope>";
    xmlNodePtr body;
    mm_error e;
    mm_error_clear(&e);
    xmlDocPtr doc = mm_soap_parse(xml, strlen(xml), &body, NULL, &e);
    assert_non_null(doc);
    const char *ids[] = {"191212121212"};
    mm_reach out[1];
    assert_int_equal(mm_far_parse_response(body, ids, 1, out, &e), -1);
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    assert_false(out[0].digital);
    xmlFreeDoc(doc);
}

static void malformed_answers_are_protocol_errors(void **state)
{
    (void)state;
    const char *variants[] = {
        /* Pending is not a boolean */
        "<a:AccountStatus><a:RecipientId>191212121212</a:RecipientId><a:Type>Secure</a:Type>"
        "<a:Pending>maybe</a:Pending></a:AccountStatus><a:SenderAccepted>true</a:SenderAccepted>",
        /* SenderAccepted missing */
        "<a:AccountStatus><a:RecipientId>191212121212</a:RecipientId><a:Type>Secure</a:Type>"
        "<a:Pending>false</a:Pending></a:AccountStatus>",
        /* RecipientId missing */
        "<a:AccountStatus><a:Type>Secure</a:Type><a:Pending>false</a:Pending></a:AccountStatus>"
        "<a:SenderAccepted>true</a:SenderAccepted>",
        /* AccountStatus missing */
        "<a:SenderAccepted>true</a:SenderAccepted>",
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        char xml[2048];
        snprintf(xml, sizeof xml,
                 "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
                 "<r:isReachableResponse xmlns:r=\"http://minameddelanden.gov.se/schema/Recipient/v3\""
                 " xmlns:a=\"http://minameddelanden.gov.se/schema/Recipient\"><r:return>%s</r:return>"
                 "</r:isReachableResponse></S:Body></S:Envelope>",
                 variants[i]);
        xmlNodePtr body;
        mm_error e;
        mm_error_clear(&e);
        xmlDocPtr doc = mm_soap_parse(xml, strlen(xml), &body, NULL, &e);
        assert_non_null(doc);
        const char *ids[] = {"191212121212"};
        mm_reach out[1];
        assert_int_equal(mm_far_parse_response(body, ids, 1, out, &e), -1);
        assert_int_equal(e.cls, MM_ERR_PROTOCOL);
        xmlFreeDoc(doc);
    }
    /* A different operation's response is not an isReachable answer. */
    const char *other = "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
                        "<r:isRegisteredResponse xmlns:r=\"http://minameddelanden.gov.se/schema/Recipient/v3\"/>"
                        "</S:Body></S:Envelope>";
    xmlNodePtr body;
    mm_error e;
    xmlDocPtr doc = mm_soap_parse(other, strlen(other), &body, NULL, &e);
    const char *ids[] = {"191212121212"};
    mm_reach out[1];
    assert_int_equal(mm_far_parse_response(body, ids, 1, out, &e), -1);
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    xmlFreeDoc(doc);
}

static void rule_table(void **state)
{
    (void)state;
    mm_reach r;
    memset(&r, 0, sizeof r);
    r.found = 1;
    strcpy(r.type, "Secure");
    r.sender_accepted = 1;
    strcpy(r.service_address, "https://op.example/v3");
    mm_far_apply_rule(&r);
    assert_true(r.digital);

    r.pending = 1;
    mm_far_apply_rule(&r);
    assert_false(r.digital);
    assert_string_equal(r.reason, "mailbox registration pending");
    r.pending = 0;

    r.sender_accepted = 0;
    mm_far_apply_rule(&r);
    assert_false(r.digital);
    r.sender_accepted = 1;

    strcpy(r.type, "Normal");
    mm_far_apply_rule(&r);
    assert_false(r.digital);
    assert_non_null(strstr(r.reason, "Type=Normal"));
    strcpy(r.type, "Secure");

    r.found = 0;
    mm_far_apply_rule(&r);
    assert_false(r.digital);
    assert_string_equal(r.reason, "not known to FaR");
}

static void is_registered_request_and_answer(void **state)
{
    (void)state;
    const char *ids[] = {"191212121212", "189001019802", "189001029819"};
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_far_build_registered_request(&b, ids, 3), 0);
    xmlDocPtr doc = xmlReadMemory(b.data, (int)b.len, NULL, NULL, XML_PARSE_NONET);
    xmlNodePtr el = mm_xml_child(mm_xml_child(xmlDocGetRootElement(doc), MM_NS_SOAP, "Body"), MM_NS_RCP3,
                                 "isRegistered");
    assert_non_null(el);
    xmlSchemaPtr schema = load_schema("schema/v3/Recipient.xsd");
    assert_true(validates(schema, el));
    assert_int_equal(count_children(el, MM_NS_RCP3, "recipientId"), 3);
    xmlFreeDoc(doc);
    mm_buf_free(&b);

    const char *xml =
        "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
        "<ns3:isRegisteredResponse xmlns:ns2=\"http://minameddelanden.gov.se/schema/Recipient\""
        " xmlns:ns3=\"http://minameddelanden.gov.se/schema/Recipient/v3\">"
        "<ns3:return><ns2:RecipientId>191212121212</ns2:RecipientId><ns2:Type>Secure</ns2:Type>"
        "<ns2:Pending>false</ns2:Pending><ns2:ServiceSupplier><ns2:Id>165567828172</ns2:Id><ns2:Name>Kivra</ns2:Name>"
        "<ns2:ServiceAdress>https://mm.kivra.com/service/v3</ns2:ServiceAdress><ns2:InternalServiceAdress/>"
        "</ns2:ServiceSupplier></ns3:return>"
        "<ns3:return><ns2:RecipientId>189001019802</ns2:RecipientId><ns2:Type>Not</ns2:Type>"
        "<ns2:Pending>false</ns2:Pending></ns3:return>"
        "</ns3:isRegisteredResponse></S:Body></S:Envelope>";
    xmlNodePtr body;
    mm_error e;
    mm_error_clear(&e);
    doc = mm_soap_parse(xml, strlen(xml), &body, NULL, &e);
    assert_non_null(doc);
    assert_true(validates(schema, body));
    mm_reach out[3];
    assert_int_equal(mm_far_parse_registered_response(body, ids, 3, out, &e), 0);
    assert_true(out[0].found);
    assert_string_equal(out[0].type, "Secure");
    assert_string_equal(out[0].operator_name, "Kivra");
    assert_true(out[1].found);
    assert_string_equal(out[1].type, "Not");
    assert_false(out[2].found);
    /* an isReachable answer is not an isRegistered answer */
    assert_int_equal(mm_far_parse_response(body, ids, 3, out, &e), -1);
    xmlFreeDoc(doc);
    xmlSchemaFree(schema);
}

/* ---- mailbox ----------------------------------------------------------- */

static int parse_delivery_for(const char *xml, const char *recipient, mm_mailbox_result *res, mm_error *e)
{
    xmlNodePtr body;
    mm_error_clear(e);
    xmlDocPtr doc = mm_soap_parse(xml, strlen(xml), &body, NULL, e);
    assert_non_null(doc);
    int rc = mm_mailbox_parse_response(body, recipient, res, e);
    xmlFreeDoc(doc);
    return rc;
}

static int parse_delivery(const char *xml, mm_mailbox_result *res, mm_error *e)
{
    return parse_delivery_for(xml, "191212121212", res, e);
}

#define DS_OPEN                                                                                              \
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"                   \
    "<ns5:deliverSecureResponse xmlns:ns2=\"http://minameddelanden.gov.se/schema/Message\""                 \
    " xmlns:ns3=\"http://minameddelanden.gov.se/schema/Sender\""                                             \
    " xmlns:ns4=\"http://minameddelanden.gov.se/schema/Service\""                                            \
    " xmlns:ns5=\"http://minameddelanden.gov.se/schema/Service/v3\""                                         \
    " xmlns:ns16=\"http://minameddelanden.gov.se/externalschema/Invoice/v1\">"
#define DS_CLOSE "</ns5:deliverSecureResponse></soap:Body></soap:Envelope>"

static void delivery_result_is_read_by_namespace(void **state)
{
    (void)state;
    const char *ok = DS_OPEN "<ns5:return><ns4:TransId>7c2a0f1e-6b1d-4e55-9d0e-1a2b3c4d5e6f</ns4:TransId>"
                             "<ns4:Status><ns4:RecipientId>191212121212</ns4:RecipientId>"
                             "<ns4:Delivered>true</ns4:Delivered></ns4:Status></ns5:return>" DS_CLOSE;
    mm_mailbox_result res;
    mm_error e;
    assert_int_equal(parse_delivery(ok, &res, &e), 0);
    assert_string_equal(res.trans_id, "7c2a0f1e-6b1d-4e55-9d0e-1a2b3c4d5e6f");
    assert_true(res.delivered);
    assert_string_equal(res.recipient, "191212121212");

    /* the fixture is a valid Service v3 response */
    xmlNodePtr body;
    xmlDocPtr doc = mm_soap_parse(ok, strlen(ok), &body, NULL, &e);
    xmlSchemaPtr schema = load_schema("schema/v3/Service.xsd");
    assert_true(validates(schema, body));
    xmlSchemaFree(schema);
    xmlFreeDoc(doc);

    const char *no = DS_OPEN "<ns5:return><ns4:TransId>T-2</ns4:TransId>"
                             "<ns4:Status><ns4:RecipientId>191212121212</ns4:RecipientId>"
                             "<ns4:Delivered>false</ns4:Delivered></ns4:Status></ns5:return>" DS_CLOSE;
    assert_int_equal(parse_delivery(no, &res, &e), 0);
    assert_string_equal(res.trans_id, "T-2");
    assert_false(res.delivered);
}

/* The receipt must be about the letter's recipient: a Delivered=true for
 * someone else is an error (never "delivered"), with both numbers masked. */
static void receipt_for_another_recipient_is_not_delivered(void **state)
{
    (void)state;
    const char *other = DS_OPEN "<ns5:return><ns4:TransId>T-9</ns4:TransId>"
                                "<ns4:Status><ns4:RecipientId>198112189876</ns4:RecipientId>"
                                "<ns4:Delivered>true</ns4:Delivered></ns4:Status></ns5:return>" DS_CLOSE;
    mm_mailbox_result res;
    mm_error e;
    assert_int_equal(parse_delivery_for(other, "191212121212", &res, &e), -1);
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    assert_true(res.wrong_recipient);
    assert_false(res.delivered);
    assert_string_equal(e.msg, "operator answered for recipient 19811218-****, not for the letter's recipient "
                               "19121212-****");
    /* One Status about the recipient and one about another: still an error. */
    const char *two = DS_OPEN "<ns5:return><ns4:TransId>T-10</ns4:TransId>"
                              "<ns4:Status><ns4:RecipientId>191212121212</ns4:RecipientId>"
                              "<ns4:Delivered>true</ns4:Delivered></ns4:Status>"
                              "<ns4:Status><ns4:RecipientId>198112189876</ns4:RecipientId>"
                              "<ns4:Delivered>true</ns4:Delivered></ns4:Status></ns5:return>" DS_CLOSE;
    assert_int_equal(parse_delivery_for(two, "191212121212", &res, &e), -1);
    assert_true(res.wrong_recipient);
    assert_false(res.delivered);
    /* The same answer is fine for its own recipient. */
    assert_int_equal(parse_delivery_for(other, "198112189876", &res, &e), 0);
    assert_false(res.wrong_recipient);
    assert_true(res.delivered);
}

/* FaR and operators only over https: an http ServiceAdress in a real answer
 * makes the recipient not reachable digitally (paper, reason given), and
 * neither client sends anything to an http URL. */
static void plain_http_addresses_are_never_used(void **state)
{
    (void)state;
    static const char answer[] =
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
        "<ns17:isReachableResponse xmlns:ns3=\"http://minameddelanden.gov.se/schema/Recipient\""
        " xmlns:ns17=\"http://minameddelanden.gov.se/schema/Recipient/v3\">"
        "<ns17:return><ns3:AccountStatus><ns3:RecipientId>191212121212</ns3:RecipientId>"
        "<ns3:Type>Secure</ns3:Type><ns3:Pending>false</ns3:Pending>"
        "<ns3:ServiceSupplier><ns3:Id>165567828172</ns3:Id><ns3:Name>Kivra</ns3:Name>"
        "<ns3:ServiceAdress>http://mm.kivra.com/service/v3</ns3:ServiceAdress><ns3:InternalServiceAdress/>"
        "</ns3:ServiceSupplier></ns3:AccountStatus><ns3:SenderAccepted>true</ns3:SenderAccepted></ns17:return>"
        "<ns17:return><ns3:AccountStatus><ns3:RecipientId>198112189876</ns3:RecipientId>"
        "<ns3:Type>Secure</ns3:Type><ns3:Pending>false</ns3:Pending>"
        "<ns3:ServiceSupplier><ns3:Id>165567828172</ns3:Id><ns3:Name>Kivra</ns3:Name>"
        "<ns3:ServiceAdress>HTTPS://mm.kivra.com/service/v3</ns3:ServiceAdress><ns3:InternalServiceAdress/>"
        "</ns3:ServiceSupplier></ns3:AccountStatus><ns3:SenderAccepted>true</ns3:SenderAccepted></ns17:return>"
        "</ns17:isReachableResponse></S:Body></S:Envelope>";
    const char *ids[] = {"191212121212", "198112189876"};
    mm_reach out[2];
    mm_error e;
    mm_error_clear(&e);
    xmlNodePtr body;
    xmlDocPtr doc = mm_soap_parse(answer, strlen(answer), &body, NULL, &e);
    assert_non_null(doc);
    assert_int_equal(mm_far_parse_response(body, ids, 2, out, &e), 0);
    xmlFreeDoc(doc);
    assert_true(out[0].found);
    assert_false(out[0].digital);
    assert_int_equal(out[0].why, MM_REACH_NO_ADDRESS);
    assert_string_equal(out[0].reason, "service address is not https: http://mm.kivra.com/service/v3");
    assert_true(out[1].digital);

    /* Nothing is asked or sent over http (no HTTP handle: refused before any call). */
    mm_soap_fault f;
    mm_error_clear(&e);
    assert_int_equal(mm_far_is_reachable(NULL, "http://127.0.0.1:1/far", ORG, ids, 1, out, &f, &e), -1);
    assert_int_equal(e.cls, MM_ERR_INPUT);
    assert_string_equal(e.msg, "FaR URL http://127.0.0.1:1/far is not an https:// URL; nothing asked");
    mm_error_clear(&e);
    assert_int_equal(mm_far_is_registered(NULL, "http://127.0.0.1:1/far", ids, 1, out, &f, &e), -1);
    assert_int_equal(e.cls, MM_ERR_INPUT);
    mm_mailbox_result res;
    mm_error_clear(&e);
    assert_int_equal(mm_mailbox_deliver(NULL, "http://127.0.0.1:1/op", ids[0], "<x/>", 4, &res, &f, &e), -1);
    assert_int_equal(e.cls, MM_ERR_INPUT);
    assert_string_equal(e.msg, "operator address http://127.0.0.1:1/op is not an https:// URL; nothing sent");
    assert_false(res.delivered);
}

static void malformed_delivery_results_are_protocol_errors(void **state)
{
    (void)state;
    const char *bad[] = {
        /* TransId missing */
        DS_OPEN "<ns5:return><ns4:Status><ns4:RecipientId>191212121212</ns4:RecipientId>"
                "<ns4:Delivered>true</ns4:Delivered></ns4:Status></ns5:return>" DS_CLOSE,
        /* Status missing */
        DS_OPEN "<ns5:return><ns4:TransId>T</ns4:TransId></ns5:return>" DS_CLOSE,
        /* Delivered not a boolean */
        DS_OPEN "<ns5:return><ns4:TransId>T</ns4:TransId><ns4:Status><ns4:RecipientId>191212121212</ns4:RecipientId>"
                "<ns4:Delivered>yes</ns4:Delivered></ns4:Status></ns5:return>" DS_CLOSE,
        /* TransId in the wrong namespace (Service/v3 instead of Service) */
        DS_OPEN "<ns5:return><ns5:TransId>T</ns5:TransId><ns4:Status><ns4:RecipientId>191212121212</ns4:RecipientId>"
                "<ns4:Delivered>true</ns4:Delivered></ns4:Status></ns5:return>" DS_CLOSE,
        /* not a deliverSecureResponse */
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
        "<x:notifyResponse xmlns:x=\"http://minameddelanden.gov.se/schema/Service/v3\"/></soap:Body></soap:Envelope>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_mailbox_result res;
        mm_error e;
        assert_int_equal(parse_delivery(bad[i], &res, &e), -1);
        assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_is_valid_against_recipient_v3),
        cmocka_unit_test(batch_of_1000_valid_1001_refused),
        cmocka_unit_test(invalid_input_is_refused_before_any_call),
        cmocka_unit_test(response_fixture_is_schema_valid),
        cmocka_unit_test(response_is_matched_by_recipient_and_rule_applied),
        cmocka_unit_test(default_namespaces_read_the_same),
        cmocka_unit_test(wrong_namespace_is_not_an_answer),
        cmocka_unit_test(malformed_answers_are_protocol_errors),
        cmocka_unit_test(rule_table),
        cmocka_unit_test(is_registered_request_and_answer),
        cmocka_unit_test(delivery_result_is_read_by_namespace),
        cmocka_unit_test(malformed_delivery_results_are_protocol_errors),
        cmocka_unit_test(receipt_for_another_recipient_is_not_delivered),
        cmocka_unit_test(plain_http_addresses_are_never_used),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
