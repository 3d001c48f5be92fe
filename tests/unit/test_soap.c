/* SPDX-License-Identifier: EUPL-1.2 */
/* lib/soap: parsing responses and faults the way FaR and mailbox operators
 * send them, refusing hostile XML, and writing faults the XSD accepts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "soap.h"

#define ENV_OPEN "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
#define ENV_CLOSE "</soap:Body></soap:Envelope>"

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

static xmlDocPtr parse(const char *xml, xmlNodePtr *body, mm_soap_fault *f, mm_error *e)
{
    mm_error_clear(e);
    return mm_soap_parse(xml, strlen(xml), body, f, e);
}

static void ordinary_body_is_returned(void **state)
{
    (void)state;
    const char *xml = "<?xml version=\"1.0\"?>\n"
                      "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\">\n"
                      "  <S:Header/>\n  <S:Body>\n"
                      "    <ns9:isReachableResponse xmlns:ns9=\"http://minameddelanden.gov.se/schema/Recipient/v3\"/>\n"
                      "  </S:Body>\n</S:Envelope>";
    xmlNodePtr body = NULL;
    mm_soap_fault f;
    mm_error e;
    xmlDocPtr doc = parse(xml, &body, &f, &e);
    assert_non_null(doc);
    assert_non_null(body);
    assert_string_equal((const char *)body->name, "isReachableResponse");
    assert_string_equal((const char *)body->ns->href, MM_NS_RCP3);
    assert_int_equal(e.cls, MM_ERR_NONE);
    xmlFreeDoc(doc);
}

static void application_fault_5006_with_odd_prefixes(void **state)
{
    (void)state;
    const char *xml =
        "<ns17:Envelope xmlns:ns17=\"http://schemas.xmlsoap.org/soap/envelope/\"><ns17:Body><ns17:Fault>"
        "<faultcode>ns17:Server</faultcode><faultstring>Signaturen är felaktig</faultstring>"
        "<detail><ns4:applicationFault xmlns:ns4=\"http://minameddelanden.gov.se/schema/Common/v3\">"
        "<ns4:ErrorCode>5006</ns4:ErrorCode><ns4:Description>Signature incorrect</ns4:Description>"
        "<ns4:CallId>a1b2c3d4e5f6a7b8c9d0e1f2</ns4:CallId></ns4:applicationFault></detail>"
        "</ns17:Fault></ns17:Body></ns17:Envelope>";
    xmlNodePtr body = (xmlNodePtr)1;
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(xml, &body, &f, &e));
    assert_null(body);
    assert_int_equal(e.cls, MM_ERR_APPLICATION);
    assert_int_equal(e.code, 5006);
    assert_int_equal(f.code, 5006);
    assert_false(mm_soap_fault_is_technical(&f));
    assert_false(mm_error_retryable(&e));
    assert_string_equal(f.description, "Signature incorrect");
    assert_string_equal(f.call_id, "a1b2c3d4e5f6a7b8c9d0e1f2");
    assert_string_equal(f.faultstring, "Signaturen är felaktig");
    assert_non_null(strstr(e.msg, "5006"));
    assert_non_null(strstr(e.msg, "Signature incorrect"));
    assert_non_null(strstr(e.msg, "a1b2c3d4e5f6a7b8c9d0e1f2"));
}

static void technical_fault_0_is_retryable(void **state)
{
    (void)state;
    const char *xml = ENV_OPEN "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>x</faultstring>"
                               "<detail><applicationFault xmlns=\"http://minameddelanden.gov.se/schema/Common/v3\">"
                               "<ErrorCode> 0 </ErrorCode><Description>Tekniskt fel</Description>"
                               "<CallId>CALL-0000000000000000001</CallId></applicationFault></detail>"
                               "</soap:Fault>" ENV_CLOSE;
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(xml, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_TECHNICAL);
    assert_int_equal(f.code, 0);
    assert_true(mm_soap_fault_is_technical(&f));
    assert_true(mm_error_retryable(&e));
    assert_string_equal(f.description, "Tekniskt fel");
}

static void fault_4999_technical_5000_application(void **state)
{
    (void)state;
    mm_soap_fault f = {0};
    f.code = 4999;
    assert_true(mm_soap_fault_is_technical(&f));
    f.code = 5000;
    assert_false(mm_soap_fault_is_technical(&f));
    f.code = -1;
    assert_true(mm_soap_fault_is_technical(&f));
}

static void fault_without_code_is_technical(void **state)
{
    (void)state;
    const char *xml = ENV_OPEN "<soap:Fault><faultcode>soap:Server</faultcode>"
                               "<faultstring>java.lang.NullPointerException</faultstring></soap:Fault>" ENV_CLOSE;
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(xml, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_TECHNICAL);
    assert_int_equal(e.code, -1);
    assert_int_equal(f.code, -1);
    assert_string_equal(f.faultstring, "java.lang.NullPointerException");
    assert_non_null(strstr(e.msg, "java.lang.NullPointerException"));
}

static void c1_operation_fault_is_understood(void **state)
{
    (void)state;
    /* Authority's per-operation fault: wrapper in the WSDL namespace,
     * ExceptionInformation children in the old Common namespace. */
    const char *xml = ENV_OPEN "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>nope</faultstring>"
                               "<detail><a:getSendersFault xmlns:a=\"http://minameddelanden.gov.se/Authority\""
                               " xmlns:c=\"http://minameddelanden.gov.se/schema/Common\">"
                               "<c:ErrorCode>5002</c:ErrorCode><c:Description>Not authorised</c:Description>"
                               "<c:CallId>0123456789abcdefghij</c:CallId></a:getSendersFault></detail>"
                               "</soap:Fault>" ENV_CLOSE;
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(xml, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_APPLICATION);
    assert_int_equal(f.code, 5002);
    assert_string_equal(f.description, "Not authorised");
    assert_string_equal(f.call_id, "0123456789abcdefghij");
}

static void error_code_in_foreign_namespace_is_ignored(void **state)
{
    (void)state;
    const char *xml = ENV_OPEN "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>other</faultstring>"
                               "<detail><x:info xmlns:x=\"urn:other\"><x:ErrorCode>5006</x:ErrorCode></x:info></detail>"
                               "</soap:Fault>" ENV_CLOSE;
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(xml, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_TECHNICAL);
    assert_int_equal(f.code, -1);
}

static void fault_description_is_masked_in_error_message(void **state)
{
    (void)state;
    const char *xml = ENV_OPEN "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>x</faultstring>"
                               "<detail><c3:applicationFault xmlns:c3=\"http://minameddelanden.gov.se/schema/Common/v3\">"
                               "<c3:ErrorCode>5003</c3:ErrorCode><c3:Description>Recipient 191212121212 not found</c3:Description>"
                               "<c3:CallId>0123456789abcdefghij</c3:CallId></c3:applicationFault></detail>"
                               "</soap:Fault>" ENV_CLOSE;
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(xml, NULL, &f, &e));
    assert_int_equal(f.code, 5003);
    assert_null(strstr(e.msg, "191212121212"));
    assert_non_null(strstr(e.msg, "19121212"));
}

static void garbage_is_a_protocol_error(void **state)
{
    (void)state;
    const char *bad[] = {
        "<html><body>502 Bad Gateway</body></html>",
        "not xml at all",
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>",
        /* SOAP 1.2 is not what these services speak */
        "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body><x/></e:Body></e:Envelope>",
        ENV_OPEN ENV_CLOSE,
        "<Envelope><Body><x/></Body></Envelope>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_soap_fault f;
        mm_error e;
        xmlNodePtr body = NULL;
        assert_null(parse(bad[i], &body, &f, &e));
        assert_null(body);
        assert_int_equal(e.cls, MM_ERR_PROTOCOL);
        assert_true(e.msg[0] != '\0');
    }
    mm_error e;
    mm_error_clear(&e);
    assert_null(mm_soap_parse("", 0, NULL, NULL, &e));
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
}

static void dtd_and_entities_are_refused(void **state)
{
    (void)state;
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                      ENV_OPEN "<r>&x;</r>" ENV_CLOSE;
    const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY a \"aaaaaaaaaa\">"
                         "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
                         ENV_OPEN "<r>&c;</r>" ENV_CLOSE;
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(xxe, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    assert_non_null(strstr(e.msg, "DTD"));
    assert_null(parse(laughs, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    /* An undeclared entity without a DTD is simply not well-formed. */
    assert_null(parse(ENV_OPEN "<r>&x;</r>" ENV_CLOSE, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
}

/* The same text in UTF-16 (with a byte-order mark), as a peer may send it:
 * ASCII widened to little-endian pairs.  *len gets the byte count. */
static char *utf16le(const char *ascii, size_t *len)
{
    size_t n = strlen(ascii);
    char *out = malloc(2 * n + 2);
    assert_non_null(out);
    out[0] = (char)0xff;
    out[1] = (char)0xfe;
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = ascii[i];
        out[3 + 2 * i] = 0;
    }
    *len = 2 * n + 2;
    return out;
}

/* A DTD is refused by what the parser found, not by a byte search: in
 * UTF-16 "<!DOCTYPE" is never the bytes a search looks for, yet the
 * document declares an entity that fills in the recipient. */
#define UTF16_ANSWER \
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>" \
    "%s" \
    "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>" \
    "<ns17:isReachableResponse xmlns:ns3=\"http://minameddelanden.gov.se/schema/Recipient\"" \
    " xmlns:ns17=\"http://minameddelanden.gov.se/schema/Recipient/v3\"><ns17:return>" \
    "<ns3:AccountStatus><ns3:RecipientId>%s</ns3:RecipientId><ns3:Type>Secure</ns3:Type>" \
    "<ns3:Pending>false</ns3:Pending></ns3:AccountStatus><ns3:SenderAccepted>true</ns3:SenderAccepted>" \
    "</ns17:return></ns17:isReachableResponse></S:Body></S:Envelope>"
static void dtd_in_utf16_is_refused_after_parsing(void **state)
{
    (void)state;
    char text[2048];
    mm_soap_fault f;
    mm_error e;
    xmlNodePtr body = NULL;
    size_t len = 0;

    /* Without a DTD the UTF-16 answer is fine: the refusal below is about the DTD. */
    snprintf(text, sizeof text, UTF16_ANSWER, "", "191212121212");
    char *wide = utf16le(text, &len);
    assert_null(memmem(wide, len, "<!DOCTYPE", 9));
    mm_error_clear(&e);
    xmlDocPtr doc = mm_soap_parse(wide, len, &body, &f, &e);
    if (!doc)
        fail_msg("plain UTF-16 answer refused: %s", e.msg);
    assert_string_equal((const char *)body->name, "isReachableResponse");
    xmlFreeDoc(doc);
    free(wide);

    snprintf(text, sizeof text, UTF16_ANSWER, "<!DOCTYPE S:Envelope [<!ENTITY r \"191212121212\">]>", "&r;");
    wide = utf16le(text, &len);
    assert_null(memmem(wide, len, "<!DOCTYPE", 9));
    assert_null(memmem(wide, len, "<!ENTITY", 8));
    mm_error_clear(&e);
    doc = mm_soap_parse(wide, len, &body, &f, &e);
    assert_null(doc);
    assert_null(body);
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    assert_string_equal(e.msg, "SOAP response contains a DTD, which SOAP does not allow");
    free(wide);
}

static void oversized_response_is_refused(void **state)
{
    (void)state;
    size_t n = (size_t)MM_SOAP_MAX_BYTES + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    memcpy(big, ENV_OPEN "<x/>" ENV_CLOSE, strlen(ENV_OPEN "<x/>" ENV_CLOSE));
    mm_error e;
    mm_error_clear(&e);
    assert_null(mm_soap_parse(big, n, NULL, NULL, &e));
    assert_int_equal(e.cls, MM_ERR_PROTOCOL);
    assert_non_null(strstr(e.msg, "limit"));
    free(big);
}

/* Validates one element against an XSD from the shared schema set. */
static int validates(xmlNodePtr node, const char *xsd_rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/spec/schemas/current/%s", shared_dir(), xsd_rel);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    assert_non_null(pc);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    assert_non_null(schema);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidStructuredErrors(vc, quiet, NULL);
    int rc = xmlSchemaValidateOneElement(vc, node);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    return rc == 0;
}

static void written_fault_round_trips_and_validates(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_soap_write_fault(&b, 5019, "Unsupported MIME type <text/x-evil> & more",
                                         "call-0123456789abcdef"), 0);
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(b.data, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_APPLICATION);
    assert_int_equal(f.code, 5019);
    assert_string_equal(f.description, "Unsupported MIME type <text/x-evil> & more");
    assert_string_equal(f.call_id, "call-0123456789abcdef");
    assert_string_equal(f.faultstring, "Unsupported MIME type <text/x-evil> & more");

    /* The detail element is a valid c3:applicationFault. */
    xmlDocPtr doc = xmlReadMemory(b.data, (int)b.len, NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr fault = mm_xml_child(mm_xml_child(xmlDocGetRootElement(doc), MM_NS_SOAP, "Body"), MM_NS_SOAP, "Fault");
    assert_non_null(fault);
    char *fc = mm_xml_child_text(fault, NULL, "faultcode");
    assert_string_equal(fc, "soap:Server");
    free(fc);
    xmlNodePtr af = mm_xml_child(mm_xml_child(fault, NULL, "detail"), MM_NS_C3, "applicationFault");
    assert_non_null(af);
    assert_true(validates(af, "schema/v3/Common.xsd"));
    xmlFreeDoc(doc);
    mm_buf_free(&b);
}

static void written_fault_gets_a_schema_valid_call_id(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_soap_write_fault(&b, 1, "tillfälligt fel", NULL), 0);
    mm_soap_fault f;
    mm_error e;
    assert_null(parse(b.data, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_TECHNICAL);
    assert_int_equal(f.code, 1);
    size_t n = strlen(f.call_id);
    assert_true(n >= 20 && n <= 50);
    mm_buf_free(&b);

    /* code < 0: a fault with no code at all */
    assert_int_equal(mm_soap_write_fault(&b, -1, "broken", NULL), 0);
    assert_null(parse(b.data, NULL, &f, &e));
    assert_int_equal(e.cls, MM_ERR_TECHNICAL);
    assert_int_equal(f.code, -1);
    assert_string_equal(f.faultstring, "broken");
    mm_buf_free(&b);
}

static void child_lookup_respects_namespaces(void **state)
{
    (void)state;
    const char *xml = "<r xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"><b:x>wrong</b:x><x>none</x><a:x>right</a:x></r>";
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
    xmlNodePtr r = xmlDocGetRootElement(doc);
    char *t = mm_xml_child_text(r, "urn:a", "x");
    assert_string_equal(t, "right");
    free(t);
    t = mm_xml_child_text(r, NULL, "x");
    assert_string_equal(t, "none");
    free(t);
    assert_null(mm_xml_child(r, "urn:c", "x"));
    assert_null(mm_xml_child_text(r, "urn:a", "y"));
    xmlFreeDoc(doc);
}

static void escape_makes_text_safe(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_xml_escape(&b, "a<b>&\"c\"\r\n\x01Å"), 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&quot;&#13;\n?Å");
    mm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ordinary_body_is_returned),
        cmocka_unit_test(application_fault_5006_with_odd_prefixes),
        cmocka_unit_test(technical_fault_0_is_retryable),
        cmocka_unit_test(fault_4999_technical_5000_application),
        cmocka_unit_test(fault_without_code_is_technical),
        cmocka_unit_test(c1_operation_fault_is_understood),
        cmocka_unit_test(error_code_in_foreign_namespace_is_ignored),
        cmocka_unit_test(fault_description_is_masked_in_error_message),
        cmocka_unit_test(garbage_is_a_protocol_error),
        cmocka_unit_test(dtd_and_entities_are_refused),
        cmocka_unit_test(dtd_in_utf16_is_refused_after_parsing),
        cmocka_unit_test(oversized_response_is_refused),
        cmocka_unit_test(written_fault_round_trips_and_validates),
        cmocka_unit_test(written_fault_gets_a_schema_valid_call_id),
        cmocka_unit_test(child_lookup_respects_namespaces),
        cmocka_unit_test(escape_makes_text_safe),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
