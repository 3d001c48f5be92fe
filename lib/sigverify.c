/* SPDX-License-Identifier: EUPL-1.2 */
/* Verification of Mina meddelanden signatures the way a mailbox operator
 * does it (spec/mina-meddelanden.md §4): rebuild each signed element
 * prefix-free under its XSD type name, then check its last ds:Signature
 * against the §4.2/§4.6 profile with the embedded certificate. */
#include "sigverify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>

#include <xmlsec/crypto.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/openssl/evp.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base64.h"
#include "buf.h"
#include "c14n.h"
#include "dsig.h"
#include "ns.h"
#include "text.h"
#include "xmlutil.h"

#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_RSA_SHA1 "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define ALG_SHA1 "http://www.w3.org/2000/09/xmldsig#sha1"
#define ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

/* ------------------------------------------- libxml2's C14N (independent) */

typedef struct {
    xmlNodePtr top;     /* subtree to include (NULL: everything) */
    xmlNodePtr exclude; /* subtree to leave out (the enveloped Signature) */
} c14n_sel;

static int node_in(xmlNodePtr n, xmlNodePtr top)
{
    for (; n; n = n->parent)
        if (n == top)
            return 1;
    return 0;
}

static int c14n_visible(void *ud, xmlNodePtr node, xmlNodePtr parent)
{
    const c14n_sel *sel = ud;
    xmlNodePtr n = (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE) ? parent : node;
    if (node->type == XML_ATTRIBUTE_NODE && parent == NULL)
        n = node->parent;
    if (sel->exclude && node_in(n, sel->exclude))
        return 0;
    if (sel->top && !node_in(n, sel->top))
        return 0;
    return 1;
}

static int c14n_to_buf(void *ctx, const char *data, int len)
{
    return mm_buf_append(ctx, data, (size_t)len) < 0 ? -1 : len;
}

static int c14n_to_md(void *ctx, const char *data, int len)
{
    return EVP_DigestUpdate(ctx, data, (size_t)len) == 1 ? len : -1;
}

/* Exclusive C14N 1.0 without comments of the selected nodes. */
static int c14n_run(xmlDocPtr doc, c14n_sel *sel, xmlOutputWriteCallback w, void *wctx)
{
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(w, NULL, wctx, NULL);
    if (!ob)
        return -1;
    int rc = xmlC14NExecute(doc, c14n_visible, sel, XML_C14N_EXCLUSIVE_1_0, NULL, 0, ob);
    if (xmlOutputBufferClose(ob) < 0)
        rc = -1;
    return rc < 0 ? -1 : 0;
}

/* --------------------------------------------------------- verification */

static void attr_copy(xmlNodePtr n, const char *name, char *out, size_t outsz)
{
    out[0] = 0;
    xmlChar *v = n ? xmlGetNoNsProp(n, BAD_CAST name) : NULL;
    if (v) {
        snprintf(out, outsz, "%s", (const char *)v);
        xmlFree(v);
    }
}

typedef enum { K_NONE, K_SIGNED, K_SEALED } kind_t;

static kind_t target_kind(xmlNodePtr n, const char **ns)
{
    if (n->type != XML_ELEMENT_NODE)
        return K_NONE;
    const char *name = (const char *)n->name;
    const char *href = n->ns ? (const char *)n->ns->href : NULL;
    if (href && (!strcmp(href, MM_NS_M3) || !strcmp(href, MM_NS_M1))) {
        *ns = !strcmp(href, MM_NS_M3) ? MM_NS_M3 : MM_NS_M1;
        if (!strcmp(name, "SignedDelivery") || !strcmp(name, "signedDelivery"))
            return K_SIGNED;
        if (!strcmp(name, "SealedDelivery"))
            return K_SEALED;
        return K_NONE;
    }
    if (href && !strcmp(href, MM_NS_SVC3) && !strcmp(name, "deliverSecure") &&
        n->parent && mm_xml_is(n->parent, MM_NS_SVC3, "deliverSecure")) {
        *ns = MM_NS_M3;
        return K_SEALED;
    }
    if (!href && !strcmp(name, "arg0")) { /* legacy v1 wrapper */
        *ns = MM_NS_M1;
        for (xmlNodePtr c = xmlFirstElementChild(n); c; c = xmlNextElementSibling(c))
            if (!strcmp((const char *)c->name, "Seal"))
                return K_SEALED;
            else if (!strcmp((const char *)c->name, "Delivery"))
                return K_SIGNED;
    }
    return K_NONE;
}

/* Copies src into nd as the prefix-free form (§4.3): each element's
 * namespace as a default declaration only where it changes. */
static xmlNodePtr rebuild(xmlDocPtr nd, xmlNodePtr parent, xmlNodePtr src, int strip,
                          const char *root_name, const char *root_ns)
{
    const xmlChar *name = root_name ? BAD_CAST root_name : src->name;
    const xmlChar *href = root_name ? BAD_CAST root_ns : (src->ns ? src->ns->href : NULL);
    xmlNodePtr n = xmlNewDocNode(nd, NULL, name, NULL);
    if (!n)
        return NULL;
    if (parent)
        xmlAddChild(parent, n);
    if (href) {
        const xmlChar *ph = parent && parent->ns ? parent->ns->href : NULL;
        if (ph && xmlStrEqual(ph, href))
            xmlSetNs(n, parent->ns);
        else {
            xmlNsPtr ns = xmlNewNs(n, href, NULL);
            if (!ns)
                return NULL;
            xmlSetNs(n, ns);
        }
    }
    for (xmlAttrPtr a = src->properties; a; a = a->next) {
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        if (!a->ns)
            xmlNewProp(n, a->name, v ? v : BAD_CAST "");
        else {
            /* Rare (xml:lang, xsi:type): keep the attribute's own prefix. */
            xmlNsPtr ans = xmlSearchNsByHref(nd, n, a->ns->href);
            if (!ans)
                ans = xmlNewNs(n, a->ns->href, a->ns->prefix);
            if (ans)
                xmlNewNsProp(n, ans, a->name, v ? v : BAD_CAST "");
        }
        xmlFree(v);
    }
    for (xmlNodePtr c = src->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (!rebuild(nd, n, c, strip, NULL, NULL))
                return NULL;
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (strip && xmlIsBlankNode(c))
                continue;
            xmlNodePtr t = xmlNewDocText(nd, c->content);
            if (!t)
                return NULL;
            xmlAddChild(n, t);
        }
    }
    return n;
}

static const char *alg_attr(xmlNodePtr parent, const char *ns, const char *name, char *buf, size_t sz)
{
    xmlNodePtr el;
    mm_xml_count(parent, ns, name, &el);
    attr_copy(el, "Algorithm", buf, sz);
    return buf;
}

static void set_problem(mm_sig_check *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_problem(mm_sig_check *it, const char *fmt, ...)
{
    if (it->problem[0])
        return; /* keep the first reason */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->problem, sizeof it->problem, fmt, ap);
    va_end(ap);
}

/* The §4.2/§4.6 profile; returns the digest algorithm to use or NULL. */
static const EVP_MD *check_profile(xmlNodePtr sig, mm_sig_check *it)
{
    char alg[160];
    xmlNodePtr si, ref, tr, ki, xd;
    if (mm_xml_count(sig, MM_NS_DS, "SignedInfo", &si) != 1)
        return set_problem(it, "Signature has no single SignedInfo"), NULL;
    if (strcmp(alg_attr(si, MM_NS_DS, "CanonicalizationMethod", alg, sizeof alg), ALG_EXC_C14N))
        set_problem(it, "CanonicalizationMethod is not exc-c14n: %s", alg);
    const EVP_MD *md = NULL;
    const char *want_digest = NULL;
    alg_attr(si, MM_NS_DS, "SignatureMethod", alg, sizeof alg);
    if (!strcmp(alg, ALG_RSA_SHA256)) {
        snprintf(it->algorithm, sizeof it->algorithm, "rsa-sha256");
        md = EVP_sha256();
        want_digest = ALG_SHA256;
    } else if (!strcmp(alg, ALG_RSA_SHA1)) {
        snprintf(it->algorithm, sizeof it->algorithm, "rsa-sha1");
        md = EVP_sha1();
        want_digest = ALG_SHA1;
    } else {
        set_problem(it, "SignatureMethod is not rsa-sha256 or rsa-sha1: %s", alg);
        return NULL;
    }
    if (mm_xml_count(si, MM_NS_DS, "Reference", &ref) == 1) {
        alg_attr(ref, MM_NS_DS, "DigestMethod", alg, sizeof alg);
        snprintf(it->digest_algorithm, sizeof it->digest_algorithm, "%s",
                 !strcmp(alg, ALG_SHA256) ? "sha256" : !strcmp(alg, ALG_SHA1) ? "sha1" : "other");
        it->sha1 = !strcmp(alg, ALG_SHA1) || md == EVP_sha1();
    }
    if (mm_xml_count(si, MM_NS_DS, "Reference", &ref) != 1)
        set_problem(it, "SignedInfo must hold exactly one Reference");
    else {
        xmlChar *uri = xmlGetNoNsProp(ref, BAD_CAST "URI");
        if (!uri || uri[0])
            set_problem(it, "Reference URI must be \"\" (got %s)", uri ? (const char *)uri : "none");
        xmlFree(uri);
        if (mm_xml_count(ref, MM_NS_DS, "Transforms", &tr) != 1 ||
            mm_xml_count(tr, MM_NS_DS, "Transform", NULL) != 1 ||
            strcmp(alg_attr(tr, MM_NS_DS, "Transform", alg, sizeof alg), ALG_ENVELOPED))
            set_problem(it, "Reference must have exactly one Transform, enveloped-signature");
        if (strcmp(alg_attr(ref, MM_NS_DS, "DigestMethod", alg, sizeof alg), want_digest))
            set_problem(it, "DigestMethod %s does not match SignatureMethod", alg);
    }
    if (mm_xml_count(sig, MM_NS_DS, "KeyInfo", &ki) != 1 || mm_xml_count(ki, MM_NS_DS, "X509Data", &xd) != 1 ||
        mm_xml_count(xd, MM_NS_DS, "X509Certificate", NULL) != 1)
        set_problem(it, "KeyInfo must hold exactly one X509Certificate");
    return md;
}

/* The base64 text of n decoded (XML may break it into lines); malloc'd,
 * NULL when absent or not base64. */
static unsigned char *node_base64(xmlNodePtr n, size_t *len)
{
    xmlChar *b64 = n ? xmlNodeGetContent(n) : NULL;
    unsigned char *raw = b64 ? mm_base64_decode((const char *)b64, strlen((const char *)b64), len) : NULL;
    xmlFree(b64);
    return raw;
}

/* The first ds:a/ds:b/ds:c below n, or NULL. */
static xmlNodePtr ds_path(xmlNodePtr n, const char *a, const char *b, const char *c)
{
    const char *steps[] = {a, b, c};
    for (size_t i = 0; i < 3 && n; i++)
        mm_xml_count(n, MM_NS_DS, steps[i], &n);
    return n;
}

static X509 *embedded_cert(xmlNodePtr sig, mm_cert_cache *cache, mm_sig_check *it)
{
    size_t len = 0;
    unsigned char *der = node_base64(ds_path(sig, "KeyInfo", "X509Data", "X509Certificate"), &len);
    if (!der || len > 0x7fffffff) {
        free(der);
        return NULL;
    }
    X509 *cert = cache ? mm_cert_cache_get(cache, der, len) : NULL;
    if (!cert) {
        const unsigned char *p = der;
        cert = d2i_X509(NULL, &p, (long)len);
        /* Only a certificate that is all of these bytes may answer for them. */
        if (cert && p != der + len) {
            X509_free(cert);
            cert = NULL;
        }
        if (cert && cache)
            mm_cert_cache_put(cache, der, len, cert);
    }
    if (!cert) {
        free(der);
        return NULL;
    }
    it->cert_der = der;
    it->cert_der_len = len;
    return cert;
}

/* RSA check of SignatureValue over SignedInfo, canonicalised by libxml2
 * (not by the direct writer the signer uses). */
static int signedinfo_ok(xmlDocPtr doc, xmlNodePtr sig, const EVP_MD *md, EVP_PKEY *pk)
{
    xmlNodePtr si, sv;
    mm_xml_count(sig, MM_NS_DS, "SignedInfo", &si);
    mm_xml_count(sig, MM_NS_DS, "SignatureValue", &sv);
    if (!si || !sv || !md)
        return 0;
    mm_buf c = MM_BUF_INIT;
    c14n_sel sel = {si, NULL};
    int ok = 0;
    size_t len = 0;
    unsigned char *raw = node_base64(sv, &len);
    if (raw && c14n_run(doc, &sel, c14n_to_buf, &c) == 0) {
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        if (mctx && EVP_DigestVerifyInit(mctx, NULL, md, NULL, pk) == 1 &&
            EVP_DigestVerify(mctx, raw, len, (unsigned char *)c.data, c.len) == 1)
            ok = 1;
        EVP_MD_CTX_free(mctx);
    }
    free(raw);
    mm_buf_free(&c);
    return ok;
}

/* 1 when the Reference's DigestValue holds exactly these bytes. */
static int digest_value_is(xmlNodePtr sig, const unsigned char *d, size_t dl)
{
    size_t len = 0;
    unsigned char *raw = node_base64(ds_path(sig, "SignedInfo", "Reference", "DigestValue"), &len);
    int same = raw && dl && len == dl && CRYPTO_memcmp(raw, d, dl) == 0;
    free(raw);
    return same;
}

/* Our own recomputation of the reference digest: exc-c14n of the signed
 * element's prefix-free rewrite without its enveloped Signature.  The
 * direct writer renders the rewrite straight from the received tree (no
 * copy); with doc set (the rewrite itself, for xmlsec) it reads that, and
 * libxml2's C14N takes anything outside the writer's form.  Returns the
 * digest length, 0 when it could not be computed. */
static unsigned own_digest(xmlNodePtr target, const char *name, const char *ns, xmlDocPtr doc, xmlNodePtr sig,
                           int strip, const EVP_MD *md, unsigned char d[EVP_MAX_MD_SIZE], char *out, size_t outsz)
{
    out[0] = 0;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    unsigned int dl = 0;
    int rc = -1;
    if (mctx && EVP_DigestInit_ex(mctx, md, NULL) == 1) {
        mm_c14n_opts o = {name, ns, sig, MM_C14N_ANY_PREFIX | (strip ? MM_C14N_STRIP_BLANKS : 0)};
        mm_c14n_opts whole = {NULL, NULL, sig, 0};
        rc = doc ? mm_c14n_digest(xmlDocGetRootElement(doc), &whole, mctx) : mm_c14n_digest(target, &o, mctx);
        if (rc > 0 && doc) { /* outside the writer's form: start over with libxml2 */
            c14n_sel sel = {NULL, sig};
            rc = EVP_DigestInit_ex(mctx, md, NULL) == 1 ? c14n_run(doc, &sel, c14n_to_md, mctx) : -1;
        }
    }
    if (rc != 0 || EVP_DigestFinal_ex(mctx, d, &dl) != 1 || outsz < mm_base64_size(dl))
        dl = 0;
    else
        mm_base64_write(d, dl, out);
    EVP_MD_CTX_free(mctx);
    return dl;
}

/* The prefix-free rewrite of src as a document of its own (NULL: no memory). */
static xmlDocPtr rewrite(xmlNodePtr src, int strip, const char *root_name, const char *root_ns)
{
    xmlDocPtr nd = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = nd ? rebuild(nd, NULL, src, strip, root_name, root_ns) : NULL;
    if (!root) {
        xmlFreeDoc(nd);
        return NULL;
    }
    xmlDocSetRootElement(nd, root);
    return nd;
}

/* The first element child of n with this local name (any namespace: v1,
 * v2 and v3 deliveries spell the header in different ones). */
static xmlNodePtr child_named(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? xmlFirstElementChild(n) : NULL; c; c = xmlNextElementSibling(c))
        if (!strcmp((const char *)c->name, name))
            return c;
    return NULL;
}

/* Delivery/Header/Sender/Id of a signed element (of the SignedDelivery
 * inside a sealed one): the organisation the signature must belong to.
 * It lies inside the signed content, so it is as trustworthy as the digest. */
static void sender_of(xmlNodePtr target, kind_t kind, char *out, size_t outsz)
{
    xmlNodePtr n = target;
    if (kind == K_SEALED) {
        xmlNodePtr s = child_named(n, "SignedDelivery");
        n = s ? s : child_named(n, "signedDelivery");
    }
    n = child_named(child_named(child_named(child_named(n, "Delivery"), "Header"), "Sender"), "Id");
    out[0] = 0;
    xmlChar *v = n && mm_xml_in_ns(n, MM_NS_SND) ? xmlNodeGetContent(n) : NULL;
    if (v && mm_text_digits((const char *)v, 12))
        snprintf(out, outsz, "%s", (const char *)v);
    xmlFree(v);
}

static void verify_one(xmlNodePtr target, kind_t kind, const char *ns, int strip, unsigned flags,
                       mm_cert_cache *cache, mm_sig_check *it)
{
    snprintf(it->element, sizeof it->element, "%s", kind == K_SEALED ? "SealedDelivery" : "SignedDelivery");
    it->chain_ok = -1;
    sender_of(target, kind, it->sender_id, sizeof it->sender_id);
    /* The element's own signature is its LAST element child. */
    xmlNodePtr sig = xmlLastElementChild(target);
    if (!mm_xml_is(sig, MM_NS_DS, "Signature")) {
        set_problem(it, "no ds:Signature as the last child");
        return;
    }
    const EVP_MD *md = check_profile(sig, it);
    X509 *cert = embedded_cert(sig, cache, it);
    if (!cert) {
        set_problem(it, "no readable X509Certificate in KeyInfo");
        return;
    }
    mm_cert_names(cert, it->subject, sizeof it->subject, it->orgnr, sizeof it->orgnr);
    EVP_PKEY *pk = X509_get_pubkey(cert);
    it->cert = cert; /* the report owns it now */
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    /* The whole rewrite is built only for xmlsec, or when the direct writer
     * cannot render the element (attributes in a namespace, say). */
    xmlDocPtr nd = NULL;
    if (md && !(flags & MM_DSIG_XMLSEC))
        dl = own_digest(target, it->element, ns, NULL, sig, strip, md, d, it->digest, sizeof it->digest);
    if (!dl && ((flags & MM_DSIG_XMLSEC) || md)) {
        if (!(nd = rewrite(target, strip, it->element, ns))) {
            set_problem(it, "out of memory rebuilding the element");
            EVP_PKEY_free(pk);
            return;
        }
        sig = xmlLastElementChild(xmlDocGetRootElement(nd));
        if (md)
            dl = own_digest(NULL, NULL, NULL, nd, sig, strip, md, d, it->digest, sizeof it->digest);
    }
    if (!(flags & MM_DSIG_XMLSEC)) {
        /* The profile is fixed (check_profile): one Reference to the whole
         * element, enveloped + exc-c14n.  Digest it ourselves, and check the
         * RSA signature over SignedInfo as libxml2 canonicalises it (in the
         * rewrite: a Signature of its own is enough). */
        xmlDocPtr sd = nd ? NULL : rewrite(sig, strip, NULL, NULL);
        if (!pk) {
            set_problem(it, "cannot use the embedded certificate's public key");
        } else {
            it->digest_ok = dl > 0 && digest_value_is(sig, d, dl);
            it->signature_ok = nd ? signedinfo_ok(nd, sig, md, pk)
                                  : sd && signedinfo_ok(sd, xmlDocGetRootElement(sd), md, pk);
            if (!it->digest_ok)
                set_problem(it, "digest mismatch: the signed content was changed");
            else if (!it->signature_ok)
                set_problem(it, "SignatureValue does not verify with the embedded certificate");
        }
        EVP_PKEY_free(pk);
        xmlFreeDoc(sd);
        xmlFreeDoc(nd);
        return;
    }

    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    xmlSecKeyDataPtr kd = NULL;
    xmlSecKeyPtr key = NULL;
    if (pk && EVP_PKEY_up_ref(pk) == 1 && !(kd = xmlSecOpenSSLEvpKeyAdopt(pk)))
        EVP_PKEY_free(pk);
    if (kd && (key = xmlSecKeyCreate()) && xmlSecKeySetValue(key, kd) == 0)
        kd = NULL;
    if (kd)
        xmlSecKeyDataDestroy(kd);
    if (!ctx || !key || !pk) {
        set_problem(it, "cannot use the embedded certificate's public key");
        if (key)
            xmlSecKeyDestroy(key);
    } else {
        ctx->signKey = key; /* the context owns it now */
        /* Only what the profile allows; hostile input cannot pull in
         * XPath/XSLT transforms or remote URIs. */
        ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId);
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId);
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id);
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha1Id);
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId);
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id);
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha1Id);
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformSha256Id);
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformSha1Id);
        int rc = xmlSecDSigCtxVerify(ctx, sig);
        xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetSize(&ctx->signedInfoReferences) > 0
            ? xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0) : NULL;
        it->digest_ok = rc == 0 && ref && ref->status == xmlSecDSigStatusSucceeded;
        it->signature_ok = rc == 0 && ctx->status == xmlSecDSigStatusSucceeded;
        if (rc == 0 && !it->digest_ok && ref)
            it->signature_ok = signedinfo_ok(nd, sig, md, pk); /* xmlsec stops at a bad digest */
        if (rc < 0)
            set_problem(it, "xmlsec could not process the Signature (malformed or disallowed algorithm)");
        else if (!it->digest_ok)
            set_problem(it, "digest mismatch: the signed content was changed");
        else if (!it->signature_ok)
            set_problem(it, "SignatureValue does not verify with the embedded certificate");
    }
    xmlSecDSigCtxDestroy(ctx);
    EVP_PKEY_free(pk);
    xmlFreeDoc(nd);
}

static int collect(xmlNodePtr n, int strip, unsigned flags, mm_cert_cache *cache, mm_sig_report *r, size_t *cap)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *ns = NULL;
        kind_t k = target_kind(n, &ns);
        if (k != K_NONE) {
            if (r->count >= MM_DSIG_MAX_SIGNATURES)
                return -2;
            if (r->count == *cap) {
                size_t nc = *cap ? *cap * 2 : 4;
                mm_sig_check *ni = realloc(r->items, nc * sizeof *ni);
                if (!ni)
                    return -1;
                r->items = ni;
                *cap = nc;
            }
            mm_sig_check *it = &r->items[r->count++];
            memset(it, 0, sizeof *it);
            verify_one(n, k, ns, strip, flags, cache, it);
        }
        int rc = collect(n->children, strip, flags, cache, r, cap);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mm_dsig_verify_doc(xmlDocPtr doc, int strip_blanks, unsigned flags, mm_cert_cache *cache,
                       mm_sig_report *report, mm_error *err)
{
    memset(report, 0, sizeof *report);
    if (mm_dsig_init(err) < 0)
        return -1;
    int rc = 0;
    size_t cap = 0;
    if (doc->intSubset || doc->extSubset)
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "documents with a DTD are refused");
    else if ((rc = collect(xmlDocGetRootElement(doc), strip_blanks, flags, cache, report, &cap)) == -2)
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "more than %d signed elements; refused", MM_DSIG_MAX_SIGNATURES);
    else if (rc < 0)
        rc = mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    else if (report->count == 0)
        rc = mm_error_set(err, MM_ERR_INPUT, 0,
                          "no Mina meddelanden signed element (SignedDelivery, SealedDelivery, deliverSecure) found");
    if (rc < 0)
        mm_sig_report_free(report);
    return rc;
}

int mm_dsig_verify(const char *xml, size_t len, int strip_blanks, mm_sig_report *report, mm_error *err)
{
    memset(report, 0, sizeof *report);
    if (mm_dsig_init(err) < 0)
        return -1;
    if (len > MM_DSIG_MAX_BYTES)
        return mm_error_set(err, MM_ERR_INPUT, 0, "document too large (%zu bytes, limit %d)", len,
                            MM_DSIG_MAX_BYTES);
    /* No network, no DTD loading, no entity substitution; quiet. */
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    xmlDocPtr doc = xmlCtxtReadMemory(pc, xml, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                      XML_PARSE_NOCDATA);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(pc);
        mm_error_set(err, MM_ERR_INPUT, 0, "not well-formed XML: line %d: %s", e ? e->line : 0,
                     e && e->message ? e->message : "parse error");
        xmlFreeParserCtxt(pc);
        return -1;
    }
    xmlFreeParserCtxt(pc);
    int rc = mm_dsig_verify_doc(doc, strip_blanks, MM_DSIG_XMLSEC, NULL, report, err);
    xmlFreeDoc(doc);
    return rc;
}

void mm_sig_report_check(mm_sig_report *r, const mm_sig_policy *p)
{
    for (size_t i = 0; r && i < r->count; i++) {
        mm_sig_check *it = &r->items[i];
        char why[160];
        if (p->ca && it->cert)
            it->chain_ok = mm_cert_chain_check(p->ca, it->cert, why, sizeof why) == 0;
        if (it->chain_ok == 0)
            set_problem(it, "signer certificate does not chain to the given CA: %s", why);
        it->sender_ok = it->orgnr[0] && it->sender_id[0] &&
                        (!strcmp(it->orgnr, it->sender_id) || (p->dispatcher && !strcmp(it->orgnr, p->dispatcher)));
        if (!it->sender_ok)
            set_problem(it, "signed by %s, but the Sender is %s",
                        it->orgnr[0] ? it->orgnr : "a certificate without organisation number",
                        it->sender_id[0] ? it->sender_id : "missing");
        if (it->sha1 && !p->allow_sha1)
            set_problem(it, "SHA-1 (%s, digest %s) is not accepted", it->algorithm,
                        it->digest_algorithm[0] ? it->digest_algorithm : "none");
    }
}

int mm_sig_report_all_ok(const mm_sig_report *r)
{
    if (!r || r->count == 0)
        return 0;
    for (size_t i = 0; i < r->count; i++)
        if (!r->items[i].digest_ok || !r->items[i].signature_ok || r->items[i].problem[0])
            return 0;
    return 1;
}

void mm_sig_report_free(mm_sig_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].cert_der);
        X509_free(r->items[i].cert);
    }
    free(r->items);
    r->items = NULL;
    r->count = 0;
}
