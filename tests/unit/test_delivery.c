/* SPDX-License-Identifier: EUPL-1.2 */
/* lib/delivery: a delivery we build verifies, validates against the official
 * XSDs, has every element in the namespace of its declaring schema, carries
 * the document unchanged, and respects the TTK limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <openssl/evp.h>

#include "buf.h"
#include "delivery.h"
#include "dsig.h"
#include "soap.h"

static char pki[64];
static mm_signer *signer;
static unsigned char *pdf;
#define PDF_LEN 50000
/* 2026-11-28 10:00 UTC, a winter day: Stockholm is +01:00 */
#define RECEIVED ((time_t)1795860000)

static const char *shared_dir(void)
{
    const char *s = getenv("MM_SHARED");
    return s && *s ? s : MM_SRCDIR "/../shared";
}

static int setup(void **state)
{
    (void)state;
    snprintf(pki, sizeof pki, "/tmp/test_delivery.XXXXXX");
    if (!mkdtemp(pki))
        return -1;
    char cmd[256], c[128], k[128];
    snprintf(cmd, sizeof cmd, "'%s/tools/pki/mkpki' '%s' >/dev/null 2>&1", MM_SRCDIR, pki);
    if (system(cmd) != 0)
        return -1;
    snprintf(c, sizeof c, "%s/org.crt", pki);
    snprintf(k, sizeof k, "%s/org.key", pki);
    mm_error err;
    signer = mm_signer_load(c, k, &err);
    pdf = malloc(PDF_LEN);
    if (!signer || !pdf)
        return -1;
    memcpy(pdf, "%PDF-1.4\n", 9);
    for (int i = 9; i < PDF_LEN; i++)
        pdf[i] = (unsigned char)(i * 7919 % 251);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mm_signer_free(signer);
    free(pdf);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pki);
    return system(cmd) == 0 ? 0 : -1;
}

static void params(mm_delivery_params *p)
{
    memset(p, 0, sizeof *p);
    p->sender_id = "162120000142";
    p->sender_name = "Exempelkommun";
    p->recipient = "191212121212";
    p->reference = "Bygg-2026-17";
    p->subject = "Beslut om bygglov <Kv. Åkern 3> & \"grannar\"";
    p->support_text = "Kontakta bygglovsenheten";
    p->support_url = "https://exempelkommun.example/bygglov";
    p->support_phone = "08-123 456 00";
    p->support_email = "bygglov@exempelkommun.example";
    p->body_text = "Hej!\r\nDu har fått ett beslut.";
    p->attachment = pdf;
    p->attachment_len = PDF_LEN;
    p->attachment_name = "beslut.pdf";
}

static void build(const mm_delivery_params *p, mm_buf *out, char id[37])
{
    mm_error err;
    if (mm_delivery_build(signer, p, RECEIVED, out, id, &err) < 0)
        fail_msg("build failed: %s", err.msg);
}

static void test_round_trip(void **state)
{
    (void)state;
    mm_delivery_params p;
    params(&p);
    mm_buf out = MM_BUF_INIT;
    char id[37];
    build(&p, &out, id);
    mm_sig_report r;
    mm_error err;
    assert_int_equal(mm_dsig_verify(out.data, out.len, 0, &r, &err), 0);
    assert_int_equal(r.count, 2);
    assert_true(mm_sig_report_all_ok(&r));
    for (size_t i = 0; i < r.count; i++) {
        assert_string_equal(r.items[i].algorithm, "rsa-sha256");
        assert_string_equal(r.items[i].subject, mm_signer_subject(signer));
        assert_string_equal(r.items[i].orgnr, "162120000142");
    }
    mm_sig_report_free(&r);
    mm_buf_free(&out);
}

/* §4.4: every element prefixed, all prefixes declared once on the Envelope,
 * no whitespace between elements. */
static void test_wire_form(void **state)
{
    (void)state;
    mm_delivery_params p;
    params(&p);
    mm_buf out = MM_BUF_INIT;
    char id[37];
    build(&p, &out, id);
    assert_true(out.len <= MM_DELIVERY_MAX_BYTES);
    assert_memory_equal(out.data, "<soapenv:Envelope xmlns:soapenv=", 32);
    const char *first_gt = strchr(out.data, '>');
    int decls = 0;
    for (const char *q = out.data; (q = strstr(q, "xmlns")); q++) {
        assert_true(q < first_gt);
        decls++;
    }
    assert_int_equal(decls, 7);
    assert_non_null(strstr(out.data, "<soapenv:Body><svc3:deliverSecure><svc3:deliverSecure><m3:SignedDelivery>"));
    assert_non_null(strstr(out.data, "xmlns:p7=\"http://www.w3.org/2000/09/xmldsig#\""));
    for (const char *q = out.data; (q = strchr(q, '<')); q++) {
        if (q[1] == '/')
            q++;
        size_t n = strcspn(q + 1, " >:");
        assert_true(q[1 + n] == ':'); /* prefixed */
    }
    assert_null(strstr(out.data, ">\n<"));
    assert_null(strstr(out.data, "> <"));
    assert_null(strstr(out.data, "/>"));
    assert_non_null(strstr(out.data, "<m1:ReceivedTime>2026-11-28+01:00</m1:ReceivedTime>"));
    assert_non_null(strstr(out.data, "<m1:SignaturesOK>true</m1:SignaturesOK>"));
    assert_non_null(strstr(out.data, "<m3:Language>svSE</m3:Language>"));
    mm_buf_free(&out);
}

static xmlNodePtr find(xmlNodePtr n, const char *ns, const char *path)
{
    /* path: "A/B/C" of local names, each in ns (or any ns when ns NULL) */
    char seg[64];
    while (n && *path) {
        size_t l = strcspn(path, "/");
        snprintf(seg, sizeof seg, "%.*s", (int)l, path);
        path += l + (path[l] == '/');
        xmlNodePtr c;
        for (c = n->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, seg))
                break;
        n = c;
    }
    (void)ns;
    return n;
}

static const char *ns_of(xmlNodePtr n)
{
    return n && n->ns ? (const char *)n->ns->href : "";
}

/* §3.1: each element in the namespace of the schema that declares it, the
 * document bytes unchanged, the MD5 checksum upper-case hex. */
static void test_namespaces_and_content(void **state)
{
    (void)state;
    mm_delivery_params p;
    params(&p);
    mm_buf out = MM_BUF_INIT;
    char id[37];
    build(&p, &out, id);
    xmlDocPtr d = xmlReadMemory(out.data, (int)out.len, NULL, NULL, XML_PARSE_NONET);
    assert_non_null(d);
    xmlNodePtr env = xmlDocGetRootElement(d);
    xmlNodePtr sealed = find(env, NULL, "Body/deliverSecure/deliverSecure");
    assert_non_null(sealed);
    assert_string_equal(ns_of(sealed), MM_NS_SVC3);
    xmlNodePtr sd = find(sealed, NULL, "SignedDelivery");
    assert_string_equal(ns_of(sd), MM_NS_M3);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Header")), MM_NS_M3);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Header/Sender")), MM_NS_M2);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Header/Sender/Id")), MM_NS_SND);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Header/Sender/Name")), MM_NS_SND);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Header/Recipient")), MM_NS_M2);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Header/Reference")), MM_NS_M2);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Message/Header/Supportinfo/EmailAdress")), MM_NS_M3);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Message/Body/ContentType")), MM_NS_M1);
    assert_string_equal(ns_of(find(sd, NULL, "Delivery/Message/Attachment/Checksum")), MM_NS_M1);
    assert_string_equal(ns_of(find(sd, NULL, "Signature")), MM_NS_DS);
    assert_string_equal(ns_of(find(sealed, NULL, "Seal/ReceivedTime")), MM_NS_M1);
    assert_string_equal(ns_of(find(sealed, NULL, "Signature")), MM_NS_DS);

    /* schema order in the attachment: ContentType, Body, Checksum, Filename */
    xmlNodePtr att = find(sd, NULL, "Delivery/Message/Attachment");
    const char *order[] = {"ContentType", "Body", "Checksum", "Filename"};
    int i = 0;
    for (xmlNodePtr c = att->children; c; c = c->next, i++)
        assert_string_equal((const char *)c->name, order[i]);
    assert_int_equal(i, 4);

    xmlChar *subj = xmlNodeGetContent(find(sd, NULL, "Delivery/Message/Header/Subject"));
    assert_string_equal((char *)subj, p.subject);
    xmlFree(subj);
    xmlChar *mid = xmlNodeGetContent(find(sd, NULL, "Delivery/Message/Header/Id"));
    assert_string_equal((char *)mid, id);
    xmlFree(mid);

    xmlChar *b64 = xmlNodeGetContent(find(att, NULL, "Body"));
    size_t bl = strlen((char *)b64);
    unsigned char *raw = malloc(bl);
    int rl = EVP_DecodeBlock(raw, b64, (int)bl);
    assert_true(rl >= PDF_LEN && rl <= PDF_LEN + 2);
    assert_memory_equal(raw, pdf, PDF_LEN);
    free(raw);
    xmlFree(b64);

    unsigned char md[16];
    unsigned int ml;
    EVP_Digest(pdf, PDF_LEN, md, &ml, EVP_md5(), NULL);
    char hex[33];
    for (int j = 0; j < 16; j++)
        snprintf(hex + 2 * j, 3, "%02X", md[j]);
    xmlChar *sum = xmlNodeGetContent(find(att, NULL, "Checksum"));
    assert_string_equal((char *)sum, hex);
    xmlFree(sum);

    xmlChar *body = xmlNodeGetContent(find(sd, NULL, "Delivery/Message/Body/Body"));
    unsigned char txt[256] = {0};
    EVP_DecodeBlock(txt, body, (int)strlen((char *)body));
    assert_string_equal((char *)txt, p.body_text);
    xmlFree(body);
    xmlFreeDoc(d);
    mm_buf_free(&out);
}

/* Validates element (as a standalone document) against the schema file. */
static void validate(xmlNodePtr el, const char *xsd)
{
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    assert_non_null(schema);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
    xmlDocSetRootElement(d, xmlDocCopyNode(el, d, 1));
    int rc = xmlSchemaValidateDoc(vc, d);
    xmlFreeDoc(d);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
    assert_int_equal(rc, 0);
}

static void test_xsd(void **state)
{
    (void)state;
    mm_delivery_params p;
    params(&p);
    mm_error err;
    char id[37];
    xmlDocPtr sd = mm_delivery_signed(signer, &p, id, &err);
    assert_non_null(sd);
    xmlDocPtr sealed = mm_delivery_sealed(signer, sd, RECEIVED, &err);
    assert_non_null(sealed);

    /* Message/v3 declares only the types; a wrapper schema in the same
     * namespace declares the two root elements the signer marshals. */
    char wrapper[256], xsd[1024];
    snprintf(wrapper, sizeof wrapper, "%s/wrapper.xsd", pki);
    FILE *f = fopen(wrapper, "w");
    assert_non_null(f);
    fprintf(f,
            "<schema xmlns=\"http://www.w3.org/2001/XMLSchema\" xmlns:m3=\"%s\" targetNamespace=\"%s\" "
            "elementFormDefault=\"qualified\"><include schemaLocation=\"file://%s/spec/schemas/current/schema/v3/Message.xsd\"/>"
            "<element name=\"SignedDelivery\" type=\"m3:SignedDelivery\"/>"
            "<element name=\"SealedDelivery\" type=\"m3:SealedDelivery\"/></schema>\n",
            MM_NS_M3, MM_NS_M3, shared_dir());
    fclose(f);
    validate(xmlDocGetRootElement(sd), wrapper);
    validate(xmlDocGetRootElement(sealed), wrapper);

    /* The SOAP body's deliverSecure against Service/v3, which declares it. */
    mm_buf out = MM_BUF_INIT;
    assert_int_equal(mm_delivery_wire(sealed, &out, &err), 0);
    xmlDocPtr w = xmlReadMemory(out.data, (int)out.len, NULL, NULL, XML_PARSE_NONET);
    snprintf(xsd, sizeof xsd, "%s/spec/schemas/current/schema/v3/Service.xsd", shared_dir());
    validate(find(xmlDocGetRootElement(w), NULL, "Body/deliverSecure"), xsd);
    xmlFreeDoc(w);
    mm_buf_free(&out);
    xmlFreeDoc(sd);
    xmlFreeDoc(sealed);
}

static void tamper_expect(const mm_buf *orig, const char *anchor, int off, int signed_ok, int sealed_ok)
{
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_buf_append(&b, orig->data, orig->len), 0);
    char *p = strstr(b.data, anchor);
    assert_non_null(p);
    p += strlen(anchor) + off;
    *p = *p == 'A' ? 'B' : 'A';
    mm_sig_report r;
    mm_error err;
    assert_int_equal(mm_dsig_verify(b.data, b.len, 0, &r, &err), 0);
    assert_int_equal(r.count, 2);
    for (size_t i = 0; i < r.count; i++) {
        int want = !strcmp(r.items[i].element, "SignedDelivery") ? signed_ok : sealed_ok;
        if ((r.items[i].digest_ok && r.items[i].signature_ok) != want)
            fail_msg("%s after changing %s: digest %d signature %d", r.items[i].element, anchor,
                     r.items[i].digest_ok, r.items[i].signature_ok);
    }
    mm_sig_report_free(&r);
    mm_buf_free(&b);
}

static void test_tamper(void **state)
{
    (void)state;
    mm_delivery_params p;
    params(&p);
    mm_buf out = MM_BUF_INIT;
    char id[37];
    build(&p, &out, id);
    tamper_expect(&out, "<m3:Subject>", 0, 0, 0);
    tamper_expect(&out, "<m3:Attachment><m1:ContentType>application/pdf</m1:ContentType><m1:Body>", 30000, 0, 0);
    tamper_expect(&out, "<m1:ReceivedTime>", 3, 1, 0);
    tamper_expect(&out, "<p7:SignatureValue>", 10, 0, 0); /* the inner one comes first */
    mm_buf_free(&out);
}

static void expect_input_error(const mm_delivery_params *p, const char *needle)
{
    mm_buf out = MM_BUF_INIT;
    mm_error err;
    char id[37];
    assert_int_equal(mm_delivery_build(signer, p, RECEIVED, &out, id, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    if (!strstr(err.msg, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err.msg, needle);
    assert_int_equal(out.len, 0);
    mm_buf_free(&out);
}

static void test_limits(void **state)
{
    (void)state;
    mm_delivery_params p;
    char s256[257], s255[256], r51[52];
    memset(s256, 'x', 256);
    s256[256] = 0;
    memset(s255, 'x', 255);
    s255[255] = 0;
    memset(r51, '1', 51);
    r51[51] = 0;

    params(&p);
    p.subject = s256;
    expect_input_error(&p, "subject");
    p.subject = s255; /* the limit itself is fine */
    mm_buf out = MM_BUF_INIT;
    char id[37];
    build(&p, &out, id);
    mm_buf_free(&out);

    params(&p);
    p.attachment_type = "image/png";
    expect_input_error(&p, "content type");
    params(&p);
    p.body_type = "application/pdf";
    expect_input_error(&p, "body content type");
    params(&p);
    p.reference = r51;
    expect_input_error(&p, "reference");
    params(&p);
    p.sender_name = "X";
    expect_input_error(&p, "sender name");
    params(&p);
    p.recipient = "19121212121";
    expect_input_error(&p, "recipient");
    params(&p);
    p.sender_id = "552120000142";
    expect_input_error(&p, "sender id");
    params(&p);
    p.subject = NULL;
    expect_input_error(&p, "subject");
    params(&p);
    p.subject = "bad\001control";
    expect_input_error(&p, "control");

    /* 2 MB: a document whose base64 alone is over the limit, and one that
     * only the whole envelope pushes over it. */
    unsigned char *big = calloc(1, 1600000);
    assert_non_null(big);
    params(&p);
    p.attachment = big;
    p.attachment_len = 1600000;
    expect_input_error(&p, "2 MB");
    p.attachment_len = MM_DELIVERY_MAX_BYTES / 4 * 3 - 100;
    expect_input_error(&p, "2 MB");
    p.attachment_len = 1500000; /* about 2.0 MB as base64, still fits */
    build(&p, &out, id);
    assert_true(out.len <= MM_DELIVERY_MAX_BYTES);
    mm_buf_free(&out);
    free(big);
}

static void test_ids_and_dates(void **state)
{
    (void)state;
    mm_delivery_params p;
    params(&p);
    mm_buf out = MM_BUF_INIT;
    char id[37], id2[37];
    build(&p, &out, id);
    mm_buf_free(&out);
    build(&p, &out, id2);
    mm_buf_free(&out);
    /* UUID v4 from the random generator */
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '4');
    assert_non_null(strchr("89ab", id[19]));
    assert_string_not_equal(id, id2);

    p.message_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    build(&p, &out, id);
    assert_string_equal(id, p.message_id);
    assert_non_null(strstr(out.data, "<m3:Id>0f8fad5b-d9cb-469f-a165-70867728950e</m3:Id>"));
    mm_buf_free(&out);

    mm_error err;
    xmlDocPtr sd = mm_delivery_signed(signer, &p, id, &err);
    assert_non_null(sd);
    struct {
        time_t t;
        const char *want;
    } cases[] = {
        {1795860000, "2026-11-28+01:00"}, /* winter */
        {1783159200, "2026-07-04+02:00"}, /* 2026-07-04 10:00 UTC, summer */
        {1795822200, "2026-11-28+01:00"}, /* 2026-11-27 23:30 UTC is already the 28th in Stockholm */
        {1774746000, "2026-03-29+02:00"}, /* 2026-03-29 01:00 UTC: CEST starts */
        {1774745999, "2026-03-29+01:00"},
        {1792890000, "2026-10-25+01:00"}, /* 2026-10-25 01:00 UTC: CEST ends */
        {1792889999, "2026-10-25+02:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xmlDocPtr s = mm_delivery_sealed(signer, sd, cases[i].t, &err);
        assert_non_null(s);
        xmlChar *rt = xmlNodeGetContent(find(xmlDocGetRootElement(s), NULL, "Seal/ReceivedTime"));
        if (strcmp((char *)rt, cases[i].want))
            fail_msg("time %lld: got %s, want %s", (long long)cases[i].t, rt, cases[i].want);
        xmlFree(rt);
        xmlFreeDoc(s);
    }
    xmlFreeDoc(sd);
}

static void *thread_build(void *arg)
{
    int *ok = arg;
    mm_delivery_params p;
    params(&p);
    p.sign_with_xmlsec = *ok; /* half the threads share the xmlSecKey through xmlSecDSigCtx */
    *ok = 1;
    for (int i = 0; i < 10; i++) {
        mm_buf out = MM_BUF_INIT;
        mm_error err;
        char id[37];
        mm_sig_report r;
        if (mm_delivery_build(signer, &p, RECEIVED, &out, id, &err) < 0 ||
            mm_dsig_verify(out.data, out.len, 0, &r, &err) < 0) {
            *ok = 0;
        } else {
            *ok &= mm_sig_report_all_ok(&r);
            mm_sig_report_free(&r);
        }
        mm_buf_free(&out);
    }
    return NULL;
}

/* One signer shared by several threads, as in the server. */
/* The fast signer and xmlSecDSigCtx give the very same request. */
static void test_direct_equals_xmlsec(void **state)
{
    (void)state;
    mm_delivery_params p;
    params(&p);
    p.message_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    mm_buf a = MM_BUF_INIT, b = MM_BUF_INIT;
    char id[37];
    build(&p, &a, id);
    p.sign_with_xmlsec = 1;
    build(&p, &b, id);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    mm_buf_free(&a);
    mm_buf_free(&b);
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    int ok[4];
    for (int i = 0; i < 4; i++) {
        ok[i] = i % 2;
        assert_int_equal(pthread_create(&t[i], NULL, thread_build, &ok[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_true(ok[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_wire_form),
        cmocka_unit_test(test_namespaces_and_content),
        cmocka_unit_test(test_xsd),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_ids_and_dates),
        cmocka_unit_test(test_direct_equals_xmlsec),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
