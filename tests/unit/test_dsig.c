/* SPDX-License-Identifier: EUPL-1.2 */
/* lib/dsig: verification of third-party signed vectors exactly as a mailbox
 * operator does it, tamper detection, profile enforcement, hostile input,
 * and our own signer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "buf.h"
#include "fileio.h"
#include "dsig.h"

static char pki[64];

static const char *shared_dir(void)
{
    const char *s = getenv("MM_SHARED");
    return s && *s ? s : MM_SRCDIR "/../shared";
}

static void read_vector(mm_buf *b, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/spec/vectors/%s", shared_dir(), name);
    mm_buf_reset(b);
    assert_int_equal(mm_fileio_read_file(path, b, 1 << 20), 0);
}

/* Replaces the first occurrence of from (after the optional anchor). */
static void replace(mm_buf *b, const char *anchor, const char *from, const char *to)
{
    char *start = anchor ? strstr(b->data, anchor) : b->data;
    assert_non_null(start);
    char *p = strstr(start, from);
    assert_non_null(p);
    size_t off = (size_t)(p - b->data), fl = strlen(from), tl = strlen(to);
    mm_buf n = MM_BUF_INIT;
    assert_int_equal(mm_buf_append(&n, b->data, off), 0);
    assert_int_equal(mm_buf_append(&n, to, tl), 0);
    assert_int_equal(mm_buf_append(&n, b->data + off + fl, b->len - off - fl), 0);
    mm_buf_free(b);
    *b = n;
}

static const mm_sig_check *item(const mm_sig_report *r, const char *element)
{
    for (size_t i = 0; i < r->count; i++)
        if (!strcmp(r->items[i].element, element))
            return &r->items[i];
    fail_msg("no %s in report", element);
    return NULL;
}

static mm_cert_cache *certs; /* shared by every check, so cache hits are exercised too */

/* Both verifiers on the same bytes: xmlsec1 (mm_dsig_verify) and the direct
 * one on a parsed document (what mmsimd runs), which must agree item by
 * item.  Returns mm_dsig_verify's result and report. */
static int verify(const char *data, size_t len, int strip, mm_sig_report *r, mm_error *err)
{
    int rc = mm_dsig_verify(data, len, strip, r, err);
    if (len > MM_DSIG_MAX_BYTES)
        return rc;
    xmlDocPtr doc = xmlReadMemory(data, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (!doc) {
        assert_int_equal(rc, -1);
        return rc;
    }
    for (int round = 0; round < 2; round++) {
        mm_sig_report f;
        mm_error ferr;
        assert_int_equal(mm_dsig_verify_doc(doc, strip, 0, certs, &f, &ferr), rc);
        assert_int_equal(f.count, rc == 0 ? r->count : 0);
        for (size_t i = 0; rc == 0 && i < f.count; i++) {
            const mm_sig_check *a = &r->items[i], *b = &f.items[i];
            assert_string_equal(a->element, b->element);
            assert_string_equal(a->digest, b->digest);
            assert_string_equal(a->orgnr, b->orgnr);
            assert_int_equal(a->problem[0] != 0, b->problem[0] != 0);
            /* Outside the profile xmlsec may stop early; both refuse. */
            if (!strstr(a->problem, "Transform") && !strstr(a->problem, "URI") &&
                !strstr(a->problem, "Method") && !strstr(a->problem, "xmlsec could not")) {
                assert_int_equal(a->digest_ok, b->digest_ok);
                assert_int_equal(a->signature_ok, b->signature_ok);
            }
            assert_int_equal(a->cert_der != NULL, b->cert != NULL);
        }
        if (rc == 0)
            assert_int_equal(mm_sig_report_all_ok(r), mm_sig_report_all_ok(&f));
        mm_sig_report_free(&f);
    }
    xmlFreeDoc(doc);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    mm_error err;
    if (mm_dsig_init(&err) < 0 || !(certs = mm_cert_cache_new()))
        return -1;
    snprintf(pki, sizeof pki, "/tmp/test_dsig.XXXXXX");
    if (!mkdtemp(pki))
        return -1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "'%s/tools/pki/mkpki' '%s' >/dev/null 2>&1", MM_SRCDIR, pki);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mm_cert_cache_free(certs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pki);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_signed_vector(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    read_vector(&b, "SignedDeliveryWithSignature.xml");
    mm_sig_report r;
    mm_error err;
    assert_int_equal(verify(b.data, b.len, 1, &r, &err), 0);
    assert_int_equal(r.count, 1);
    const mm_sig_check *c = item(&r, "SignedDelivery");
    assert_true(c->digest_ok);
    assert_true(c->signature_ok);
    assert_string_equal(c->problem, "");
    assert_string_equal(c->algorithm, "rsa-sha256");
    /* spec §4.5: our own recomputation of the prefix-free digest */
    assert_string_equal(c->digest, "PmT16DHJNfPLgzLXgtzRbLxVBcKaTncOxK11pP1jNnM=");
    assert_string_equal(c->orgnr, "162021004748");
    assert_non_null(strstr(c->subject, "CN=Kommun A"));
    assert_non_null(c->cert_der);
    assert_true(c->cert_der_len > 500);
    assert_true(mm_sig_report_all_ok(&r));
    mm_sig_report_free(&r);

    /* Pretty-printed as is, the whitespace is signed content: must fail. */
    assert_int_equal(verify(b.data, b.len, 0, &r, &err), 0);
    assert_false(mm_sig_report_all_ok(&r));
    assert_false(r.items[0].digest_ok);
    mm_sig_report_free(&r);
    mm_buf_free(&b);
}

static void test_sealed_vector(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    read_vector(&b, "SealedDeliveryWithSignature.xml");
    mm_sig_report r;
    mm_error err;
    assert_int_equal(verify(b.data, b.len, 1, &r, &err), 0);
    assert_int_equal(r.count, 2);
    const mm_sig_check *seal = item(&r, "SealedDelivery"), *inner = item(&r, "SignedDelivery");
    assert_true(seal->digest_ok && seal->signature_ok);
    assert_true(inner->digest_ok && inner->signature_ok);
    assert_string_equal(seal->digest, "lg3+EGpzQBgIg9zYTBtwBWOL0110dOwrsmbSxDJwa+E=");
    assert_string_equal(inner->digest, "kX0T1CopHK8pFahAS8VhPLWsn/3M7KOHo6W/MFLrNMQ=");
    assert_true(mm_sig_report_all_ok(&r));
    mm_sig_report_free(&r);
    mm_buf_free(&b);
}

/* Any change of signed content fails; the SignedInfo signature itself stays
 * valid, so digest and signature are reported separately. */
static void test_tampered_vectors(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    mm_sig_report r;
    mm_error err;

    read_vector(&b, "SignedDeliveryWithSignature.xml");
    replace(&b, "<Subject>", "Meddelande", "Meddelandf");
    assert_int_equal(verify(b.data, b.len, 1, &r, &err), 0);
    assert_false(r.items[0].digest_ok);
    assert_true(r.items[0].signature_ok);
    assert_non_null(strstr(r.items[0].problem, "digest"));
    assert_false(mm_sig_report_all_ok(&r));
    mm_sig_report_free(&r);

    /* a byte of the attachment */
    read_vector(&b, "SealedDeliveryWithSignature.xml");
    replace(&b, "<Attachment>", "<Body xmlns=\"http://minameddelanden.gov.se/schema/Message\">SlZCRV",
            "<Body xmlns=\"http://minameddelanden.gov.se/schema/Message\">SlZCRW");
    assert_int_equal(verify(b.data, b.len, 1, &r, &err), 0);
    assert_false(item(&r, "SignedDelivery")->digest_ok);
    assert_false(item(&r, "SealedDelivery")->digest_ok);
    mm_sig_report_free(&r);

    /* the Seal only: the sender's signature still holds */
    read_vector(&b, "SealedDeliveryWithSignature.xml");
    replace(&b, "<ReceivedTime", "2020-05-28", "2020-05-29");
    assert_int_equal(verify(b.data, b.len, 1, &r, &err), 0);
    assert_true(item(&r, "SignedDelivery")->digest_ok && item(&r, "SignedDelivery")->signature_ok);
    assert_false(item(&r, "SealedDelivery")->digest_ok);
    assert_true(item(&r, "SealedDelivery")->signature_ok);
    mm_sig_report_free(&r);

    /* the inner signature value: inner signature bad, and the seal covers it */
    read_vector(&b, "SealedDeliveryWithSignature.xml");
    replace(&b, NULL, "<SignatureValue>", "<SignatureValue>A");
    char *sv = strstr(b.data, "<SignatureValue>A");
    sv[16] = sv[17] == 'A' ? 'B' : 'A';
    memmove(sv + 17, sv + 18, strlen(sv + 18) + 1); /* same length, first char changed */
    b.len = strlen(b.data);
    assert_int_equal(verify(b.data, b.len, 1, &r, &err), 0);
    assert_true(item(&r, "SignedDelivery")->digest_ok);
    assert_false(item(&r, "SignedDelivery")->signature_ok);
    assert_false(item(&r, "SealedDelivery")->digest_ok);
    mm_sig_report_free(&r);
    mm_buf_free(&b);
}

static void expect_problem(mm_buf *b, const char *needle)
{
    mm_sig_report r;
    mm_error err;
    assert_int_equal(verify(b->data, b->len, 1, &r, &err), 0);
    assert_int_equal(r.count, 1);
    if (!strstr(r.items[0].problem, needle))
        fail_msg("problem \"%s\" does not mention \"%s\"", r.items[0].problem, needle);
    assert_false(mm_sig_report_all_ok(&r));
    mm_sig_report_free(&r);
}

static void test_profile(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    read_vector(&b, "SignedDeliveryWithSignature.xml");
    replace(&b, NULL, "</Transforms>",
            "<Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\" /></Transforms>");
    expect_problem(&b, "Transform");

    read_vector(&b, "SignedDeliveryWithSignature.xml");
    replace(&b, NULL, "<Reference URI=\"\">", "<Reference URI=\"#x\">");
    expect_problem(&b, "URI");

    read_vector(&b, "SignedDeliveryWithSignature.xml");
    replace(&b, NULL, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
    expect_problem(&b, "DigestMethod");

    read_vector(&b, "SignedDeliveryWithSignature.xml");
    replace(&b, NULL, "xml-exc-c14n#", "REC-xml-c14n-20010315\" y=\"");
    expect_problem(&b, "CanonicalizationMethod");

    read_vector(&b, "SignedDeliveryWithSignature.xml");
    replace(&b, NULL, "</X509Data>", "<X509Certificate>AAAA</X509Certificate></X509Data>");
    expect_problem(&b, "X509Certificate");

    read_vector(&b, "SignedDeliveryWithSignature.xml");
    replace(&b, NULL, "</SignedDelivery>", "<Extra/></SignedDelivery>");
    expect_problem(&b, "last child");
    mm_buf_free(&b);
}

static void test_hostile(void **state)
{
    (void)state;
    mm_sig_report r;
    mm_error err;
    const char *notxml = "<a><b></a>";
    assert_int_equal(verify(notxml, strlen(notxml), 0, &r, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    assert_int_equal(r.count, 0);

    const char *dtd = "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>";
    assert_int_equal(verify(dtd, strlen(dtd), 0, &r, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    assert_non_null(strstr(err.msg, "DTD"));

    const char *none = "<x xmlns=\"urn:x\"><y/></x>";
    assert_int_equal(verify(none, strlen(none), 0, &r, &err), -1);
    assert_non_null(strstr(err.msg, "SignedDelivery"));

    /* An unsigned SignedDelivery is found and fails. */
    const char *unsig = "<SignedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\"><Delivery/></SignedDelivery>";
    assert_int_equal(verify(unsig, strlen(unsig), 0, &r, &err), 0);
    assert_int_equal(r.count, 1);
    assert_false(mm_sig_report_all_ok(&r));
    assert_non_null(strstr(r.items[0].problem, "Signature"));
    mm_sig_report_free(&r);

    size_t big = MM_DSIG_MAX_BYTES + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    assert_int_equal(verify(huge, big, 0, &r, &err), -1);
    assert_non_null(strstr(err.msg, "too large"));
    free(huge);
}

static char *pki_path(char *buf, size_t sz, const char *name)
{
    snprintf(buf, sz, "%s/%s", pki, name);
    return buf;
}

static void test_signer(void **state)
{
    (void)state;
    char c[128], k[128];
    mm_error err;
    mm_signer *s = mm_signer_load(pki_path(c, sizeof c, "org.crt"), pki_path(k, sizeof k, "org.key"), &err);
    assert_non_null(s);
    assert_string_equal(mm_signer_orgnr(s), "162120000142");
    assert_non_null(strstr(mm_signer_subject(s), "O=Exempelkommun"));

    /* Sign a prefix-free document and verify it; the X509SubjectName is ours. */
    const char *xml = "<SignedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\"><Delivery>"
                      "<Header><Sender xmlns=\"http://minameddelanden.gov.se/schema/Message/v2\">x &amp; y</Sender>"
                      "</Header></Delivery></SignedDelivery>";
    xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    assert_int_equal(mm_dsig_sign_doc(s, d, &err), 0);
    xmlChar *mem;
    int len;
    xmlDocDumpMemory(d, &mem, &len);
    xmlFreeDoc(d);
    assert_null(strstr((char *)mem, "xmlns:")); /* prefix-free */
    assert_non_null(strstr((char *)mem, "<X509SubjectName>CN=mmprint"));
    assert_null(strstr((char *)mem, "&#10;")); /* base64 on one line */
    char *cert = strstr((char *)mem, "<X509Certificate>");
    assert_non_null(cert);
    assert_null(memchr(cert, '\n', (size_t)(strstr(cert, "</X509Certificate>") - cert)));
    mm_sig_report r;
    assert_int_equal(verify((char *)mem, len, 0, &r, &err), 0);
    assert_true(mm_sig_report_all_ok(&r));
    assert_string_equal(r.items[0].subject, mm_signer_subject(s));
    assert_string_equal(r.items[0].orgnr, "162120000142");
    mm_sig_report_free(&r);
    xmlFree(mem);
    mm_signer_free(s);

    /* A certificate that does not belong to the key is refused. */
    s = mm_signer_load(pki_path(c, sizeof c, "org.crt"), pki_path(k, sizeof k, "rogue.key"), &err);
    assert_null(s);
    assert_non_null(strstr(err.msg, "does not match"));
    s = mm_signer_load(pki_path(c, sizeof c, "nonexistent.crt"), pki_path(k, sizeof k, "org.key"), &err);
    assert_null(s);
}

/* The direct signer produces exactly the bytes xmlsec produces (RSA PKCS#1
 * v1.5 is deterministic), including on text that needs C14N escaping. */
static void test_direct_equals_xmlsec(void **state)
{
    (void)state;
    char c[128], k[128];
    mm_error err;
    mm_signer *s = mm_signer_load(pki_path(c, sizeof c, "org.crt"), pki_path(k, sizeof k, "org.key"), &err);
    assert_non_null(s);
    const char *xml = "<SealedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">"
                      "<SignedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\"><Delivery>"
                      "<Header><Sender xmlns=\"http://minameddelanden.gov.se/schema/Message/v2\">"
                      "<Id xmlns=\"http://minameddelanden.gov.se/schema/Sender\">a &amp; b &lt; c &gt; d \"q\" &#13; \t\n"
                      "Åäö</Id><Name xmlns=\"http://minameddelanden.gov.se/schema/Sender\"></Name></Sender></Header>"
                      "<Empty/></Delivery><Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
                      "<Reference URI=\"\" Type=\"a&amp;b&#10;&#9;&quot;\"></Reference></SignedInfo></Signature>"
                      "</SignedDelivery><Seal><ReceivedTime xmlns=\"http://minameddelanden.gov.se/schema/Message\">"
                      "2026-11-28+01:00</ReceivedTime></Seal></SealedDelivery>";
    xmlChar *out[2];
    int len[2];
    for (int i = 0; i < 2; i++) {
        xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
        assert_non_null(d);
        assert_int_equal(i ? mm_dsig_sign_doc_direct(s, d, &err) : mm_dsig_sign_doc(s, d, &err), 0);
        xmlDocDumpMemory(d, &out[i], &len[i]);
        xmlFreeDoc(d);
    }
    assert_string_equal((char *)out[1], (char *)out[0]);
    mm_sig_report r;
    assert_int_equal(verify((char *)out[1], len[1], 0, &r, &err), 0);
    const mm_sig_check *seal = item(&r, "SealedDelivery"); /* the inner Signature is a dummy */
    assert_true(seal->digest_ok && seal->signature_ok);
    assert_string_equal(seal->problem, "");
    xmlFree(out[0]);
    xmlFree(out[1]);
    mm_sig_report_free(&r);

    /* A prefixed document is outside the fast path and still signs (xmlsec). */
    const char *pre = "<m:SignedDelivery xmlns:m=\"http://minameddelanden.gov.se/schema/Message/v3\"><m:Delivery/></m:SignedDelivery>";
    xmlDocPtr d = xmlReadMemory(pre, (int)strlen(pre), NULL, NULL, XML_PARSE_NONET);
    assert_int_equal(mm_dsig_sign_doc_direct(s, d, &err), 0);
    xmlFreeDoc(d);
    mm_signer_free(s);
}

/* Wire names: legacy v1 `arg0` (unqualified) is {Message}SignedDelivery,
 * v3 distributeSecure's `signedDelivery` is {Message/v3}SignedDelivery. */
static void test_wire_names(void **state)
{
    (void)state;
    char c[128], k[128];
    mm_error err;
    mm_signer *s = mm_signer_load(pki_path(c, sizeof c, "org.crt"), pki_path(k, sizeof k, "org.key"), &err);
    assert_non_null(s);
    const char *ns[2] = {"http://minameddelanden.gov.se/schema/Message", "http://minameddelanden.gov.se/schema/Message/v3"};
    for (int v = 0; v < 2; v++) {
        char xml[512];
        snprintf(xml, sizeof xml, "<SignedDelivery xmlns=\"%s\"><Delivery><Header>Hej</Header></Delivery></SignedDelivery>",
                 ns[v]);
        xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
        assert_int_equal(mm_dsig_sign_doc(s, d, &err), 0);
        xmlChar *mem;
        int len;
        xmlDocDumpMemory(d, &mem, &len);
        xmlFreeDoc(d);
        mm_buf b = MM_BUF_INIT;
        assert_int_equal(mm_buf_puts(&b, strstr((char *)mem, "<SignedDelivery")), 0);
        xmlFree(mem);
        char head[512];
        snprintf(head, sizeof head, "<SignedDelivery xmlns=\"%s\"><Delivery>", ns[v]);
        if (v == 0) {
            snprintf(xml, sizeof xml,
                     "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body><w:deliverSecure "
                     "xmlns:w=\"http://minameddelanden.gov.se/schema/Service\" xmlns:x=\"%s\"><arg0><x:Delivery>",
                     ns[0]);
            replace(&b, NULL, head, xml);
            replace(&b, NULL, "</Delivery>", "</x:Delivery>");
            replace(&b, NULL, "<Header>Hej</Header>", "<x:Header>Hej</x:Header>");
            replace(&b, NULL, "</SignedDelivery>", "</arg0></w:deliverSecure></S:Body></S:Envelope>");
        } else {
            snprintf(xml, sizeof xml, "<a:distributeSecure xmlns:a=\"%s\"><a:signedDelivery><a:Delivery>", ns[1]);
            replace(&b, NULL, head, xml);
            replace(&b, NULL, "</Delivery>", "</a:Delivery>");
            replace(&b, NULL, "<Header>Hej</Header>", "<a:Header>Hej</a:Header>");
            replace(&b, NULL, "</SignedDelivery>", "</a:signedDelivery></a:distributeSecure>");
        }
        mm_sig_report r;
        assert_int_equal(verify(b.data, b.len, 0, &r, &err), 0);
        assert_int_equal(r.count, 1);
        assert_string_equal(r.items[0].element, "SignedDelivery");
        if (!mm_sig_report_all_ok(&r))
            fail_msg("%s: %s", v ? "signedDelivery" : "arg0", r.items[0].problem);
        mm_sig_report_free(&r);
        mm_buf_free(&b);
    }
    mm_signer_free(s);
}

static void test_too_many(void **state)
{
    (void)state;
    mm_buf b = MM_BUF_INIT;
    mm_buf_puts(&b, "<r>");
    for (int i = 0; i <= MM_DSIG_MAX_SIGNATURES; i++)
        mm_buf_puts(&b, "<SealedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\"/>");
    mm_buf_puts(&b, "</r>");
    mm_sig_report r;
    mm_error err;
    assert_int_equal(verify(b.data, b.len, 0, &r, &err), -1);
    assert_non_null(strstr(err.msg, "signed elements"));
    assert_int_equal(r.count, 0);
    mm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_vector),
        cmocka_unit_test(test_sealed_vector),
        cmocka_unit_test(test_tampered_vectors),
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_signer),
        cmocka_unit_test(test_direct_equals_xmlsec),
        cmocka_unit_test(test_wire_names),
        cmocka_unit_test(test_too_many),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
