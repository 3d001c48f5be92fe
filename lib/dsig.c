/* Mina meddelanden XML-DSig (spec/mina-meddelanden.md §4): signing of
 * prefix-free documents and verification the way a mailbox operator does it
 * (rebuild each signed element prefix-free under its XSD type name, then
 * check the last ds:Signature with the embedded certificate). */
#include "dsig.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>

#include <xmlsec/base64.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/openssl/evp.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "xmlutil.h"

#define NS_DS   "http://www.w3.org/2000/09/xmldsig#"
#define NS_M1   "http://minameddelanden.gov.se/schema/Message"
#define NS_M3   "http://minameddelanden.gov.se/schema/Message/v3"
#define NS_SVC3 "http://minameddelanden.gov.se/schema/Service/v3"

#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_RSA_SHA1 "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define ALG_SHA1 "http://www.w3.org/2000/09/xmldsig#sha1"
#define ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

/* ------------------------------------------------------------------ init */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;
static char init_msg[160];

/* Library code never prints: xmlsec's default callback writes to stderr.
 * The first xmlsec error of this thread (since reset) goes into our error messages. */
static __thread char xmlsec_last[200];

static void quiet_xmlsec(const char *file, int line, const char *func, const char *obj,
                         const char *subj, int reason, const char *msg)
{
    (void)file; (void)line; (void)reason;
    if (xmlsec_last[0])
        return; /* the first error is the root cause */
    snprintf(xmlsec_last, sizeof xmlsec_last, "%s: %s%s%s%s%s", func ? func : "?", obj ? obj : "",
             obj ? " " : "", subj ? subj : "", subj ? ": " : "", msg ? msg : "");
}

static void do_init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0) {
        init_failed = 1;
        snprintf(init_msg, sizeof init_msg, "xmlsec initialisation failed");
        return;
    }
    if (xmlSecCheckVersion() != 1) {
        init_failed = 1;
        snprintf(init_msg, sizeof init_msg, "xmlsec library version is not compatible");
        return;
    }
    if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
        init_failed = 1;
        snprintf(init_msg, sizeof init_msg, "xmlsec-openssl initialisation failed");
        return;
    }
    xmlSecErrorsSetCallback(quiet_xmlsec); /* after init, which installs the default */
    /* §4.4: base64 on one line, no line feeds inserted into templates. */
    /* xmlsec rejects 0 ("no breaks"); a line longer than any value will do. */
    xmlSecBase64SetDefaultLineSize(1 << 26);
    xmlSecSetDefaultLineFeed(BAD_CAST "");
}

int mm_dsig_init(mm_error *err)
{
    pthread_once(&init_once, do_init);
    if (init_failed)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "%s", init_msg);
    return 0;
}

void mm_dsig_shutdown(void)
{
    /* xmlsec and OpenSSL clean up at exit; shutting down while other
     * threads may still sign would be unsafe, so this is deliberately a
     * no-op kept for symmetry with mm_dsig_init. */
}

/* --------------------------------------------------------------- helpers */

static void attr_copy(xmlNodePtr n, const char *name, char *out, size_t outsz)
{
    out[0] = 0;
    xmlChar *v = n ? xmlGetNoNsProp(n, BAD_CAST name) : NULL;
    if (v) {
        snprintf(out, outsz, "%s", (const char *)v);
        xmlFree(v);
    }
}

static void cert_names(X509 *cert, char *subject, size_t subjsz, char *orgnr, size_t orgsz)
{
    subject[0] = 0;
    orgnr[0] = 0;
    X509_NAME *name = X509_get_subject_name(cert);
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        if (n < 0)
            n = 0;
        if ((size_t)n >= subjsz)
            n = (long)subjsz - 1;
        memcpy(subject, p, (size_t)n);
        subject[n] = 0;
    }
    BIO_free(bio);
    int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
    if (idx < 0)
        return;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    const unsigned char *d = ASN1_STRING_get0_data(s);
    int len = ASN1_STRING_length(s);
    for (int i = 0; i < len; i++)
        if (d[i] < '0' || d[i] > '9')
            return;
    /* The org certificate carries "16" + organisationsnummer; accept the
     * bare 10-digit form too. */
    if (len == 12 && d[0] == '1' && d[1] == '6')
        snprintf(orgnr, orgsz, "%.12s", (const char *)d);
    else if (len == 10)
        snprintf(orgnr, orgsz, "16%.10s", (const char *)d);
}

/* ---------------------------------------------------------------- signer */

struct mm_signer {
    xmlSecKeyPtr key;
    EVP_PKEY *pkey;    /* the same key, for the direct signer */
    char *cert_b64;    /* leaf certificate, base64 DER on one line */
    char subject[512];
    char orgnr[16];
};

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

mm_signer *mm_signer_load(const char *cert_pem_path, const char *key_pem_path, mm_error *err)
{
    if (mm_dsig_init(err) < 0)
        return NULL;
    X509 *cert = NULL;
    EVP_PKEY *pkey = NULL;
    mm_signer *s = NULL;
    unsigned char *der = NULL;
    BIO *b = BIO_new_file(cert_pem_path, "r");
    if (!b || !(cert = PEM_read_bio_X509(b, NULL, no_passphrase, NULL))) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot read certificate %s (PEM expected)", cert_pem_path);
        goto fail;
    }
    BIO_free(b);
    b = BIO_new_file(key_pem_path, "r");
    if (!b || !(pkey = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL))) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot read private key %s (unencrypted PEM expected)", key_pem_path);
        goto fail;
    }
    BIO_free(b);
    b = NULL;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        mm_error_set(err, MM_ERR_INPUT, 0, "key %s is not an RSA key (rsa-sha256 required)", key_pem_path);
        goto fail;
    }
    if (X509_check_private_key(cert, pkey) != 1) {
        mm_error_set(err, MM_ERR_INPUT, 0, "certificate %s does not match key %s", cert_pem_path, key_pem_path);
        goto fail;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        goto fail;
    }
    cert_names(cert, s->subject, sizeof s->subject, s->orgnr, sizeof s->orgnr);
    if (EVP_PKEY_up_ref(pkey) != 1) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot reference the private key");
        goto fail;
    }
    s->pkey = pkey;
    xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey);
    if (!data) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "xmlsec cannot adopt the private key");
        goto fail;
    }
    pkey = NULL; /* owned by data now */
    s->key = xmlSecKeyCreate();
    if (!s->key || xmlSecKeySetValue(s->key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        mm_error_set(err, MM_ERR_SYSTEM, 0, "xmlsec cannot create the signing key");
        goto fail;
    }
    int derlen = i2d_X509(cert, &der);
    if (derlen <= 0 ||
        xmlSecCryptoAppKeyCertLoadMemory(s->key, der, (xmlSecSize)derlen, xmlSecKeyDataFormatDer) < 0) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "xmlsec cannot attach certificate %s to the key", cert_pem_path);
        goto fail;
    }
    s->cert_b64 = malloc(4 * (((size_t)derlen + 2) / 3) + 1);
    if (!s->cert_b64) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        goto fail;
    }
    EVP_EncodeBlock((unsigned char *)s->cert_b64, der, derlen);
    OPENSSL_free(der);
    X509_free(cert);
    return s;
fail:
    BIO_free(b);
    OPENSSL_free(der);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    mm_signer_free(s);
    return NULL;
}

void mm_signer_free(mm_signer *s)
{
    if (!s)
        return;
    if (s->key)
        xmlSecKeyDestroy(s->key);
    EVP_PKEY_free(s->pkey);
    free(s->cert_b64);
    free(s);
}

const char *mm_signer_subject(const mm_signer *s) { return s->subject; }
const char *mm_signer_orgnr(const mm_signer *s) { return s->orgnr; }

/* ---------------------------------------------------------------- signing */

int mm_dsig_sign_doc(const mm_signer *s, xmlDocPtr doc, mm_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return mm_error_set(err, MM_ERR_INPUT, 0, "document to sign has no root element");
    /* NULL prefix: the Signature declares xmlns="…xmldsig#" (prefix-free form). */
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId,
                                                     xmlSecTransformRsaSha256Id, NULL, NULL);
    if (!sig)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot create Signature template");
    if (!xmlAddChild(root, sig)) {
        xmlFreeNode(sig);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot append Signature");
    }
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    xmlNodePtr x509 = ki ? xmlSecTmplKeyInfoAddX509Data(ki) : NULL;
    xmlNodePtr sn = x509 ? xmlSecTmplX509DataAddSubjectName(x509) : NULL;
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) || !sn ||
        !xmlSecTmplX509DataAddCertificate(x509))
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot build Signature template");
    /* xmlsec leaves X509SubjectName empty; raw text, not entity-parsed. */
    xmlNodeAddContent(sn, BAD_CAST s->subject);

    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot create xmlsec context");
    /* The key is shared read-only between threads (OpenSSL 3 EVP_PKEY
     * signing is thread-safe); detach it before the context frees it. */
    ctx->signKey = s->key;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    xmlsec_last[0] = 0;
    int rc = xmlSecDSigCtxSign(ctx, sig);
    ctx->signKey = NULL;
    xmlSecDSigCtxDestroy(ctx);
    if (rc < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "XML signing failed (%s)", xmlsec_last);
    return 0;
}

/* ------------------------------------------------- direct (fast) signing */

/* Exclusive C14N written directly for documents in the prefix-free form
 * (§4.3 byte rules): default namespace declared where it changes from the
 * nearest output ancestor, attributes sorted, C14N escaping, no empty-element
 * tags.  Returns 1 when the tree has anything outside that form (the caller
 * then uses xmlsec), -1 on memory errors. */
typedef struct {
    mm_buf *buf;     /* collect the bytes here, or */
    EVP_MD_CTX *md;  /* hash them (staged, to keep small writes cheap) */
    size_t n;
    char stage[8192];
} pf_out;

static int pf_flush(pf_out *o)
{
    if (o->md && o->n && EVP_DigestUpdate(o->md, o->stage, o->n) != 1)
        return -1;
    o->n = 0;
    return 0;
}

static int pf_put(pf_out *o, const char *d, size_t len)
{
    if (o->buf)
        return mm_buf_append(o->buf, d, len);
    if (o->n + len > sizeof o->stage) {
        if (pf_flush(o) < 0)
            return -1;
        if (len > sizeof o->stage)
            return EVP_DigestUpdate(o->md, d, len) == 1 ? 0 : -1;
    }
    memcpy(o->stage + o->n, d, len);
    o->n += len;
    return 0;
}

static int pf_puts(pf_out *o, const char *s)
{
    return pf_put(o, s, strlen(s));
}

int mm_c14n_escape(const char *s, int attr, mm_xml_sink put, void *ctx)
{
    const char *special = attr ? "&<\"\t\n\r" : "&<>\r";
    while (*s) {
        size_t run = strcspn(s, special);
        if (run && put(ctx, s, run) < 0)
            return -1;
        s += run;
        if (!*s)
            break;
        const char *e;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\t': e = "&#x9;"; break;
        case '\n': e = "&#xA;"; break;
        default: e = "&#xD;"; break;
        }
        if (put(ctx, e, strlen(e)) < 0)
            return -1;
        s++;
    }
    return 0;
}

static int pf_sink(void *ctx, const char *data, size_t len)
{
    return pf_put(ctx, data, len);
}

static int pf_escape(pf_out *o, const char *s, int attr)
{
    return mm_c14n_escape(s, attr, pf_sink, o);
}

static int attr_cmp(const void *a, const void *b)
{
    return strcmp((const char *)(*(xmlAttrPtr const *)a)->name, (const char *)(*(xmlAttrPtr const *)b)->name);
}

static int is_blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

/* How pf_c14n reads the tree. */
enum {
    PF_ANY_PREFIX = 1,   /* write any element as its prefix-free rewrite (§4.3) would be: the verifier's view */
    PF_STRIP_BLANKS = 2, /* leave out whitespace-only text */
};

/* name/href replace the element's own (the verifier renames the root to
 * its XSD type); rendered is the default namespace in scope in the output. */
static int pf_c14n(pf_out *o, xmlNodePtr n, const xmlChar *name, const xmlChar *href, const xmlChar *rendered,
                   xmlNodePtr exclude, unsigned mode)
{
    if (!name)
        name = n->name;
    if (!href) {
        if (!n->ns || !n->ns->href || (n->ns->prefix && !(mode & PF_ANY_PREFIX)))
            return 1;
        href = n->ns->href;
    }
    if (pf_puts(o, "<") < 0 || pf_puts(o, (const char *)name) < 0)
        return -1;
    if (!rendered || !xmlStrEqual(rendered, href)) {
        if (pf_puts(o, " xmlns=\"") < 0 || pf_escape(o, (const char *)href, 1) < 0 || pf_puts(o, "\"") < 0)
            return -1;
    }
    /* The rewrite drops every declaration of the original; our own form has
     * only default ones. */
    for (xmlNsPtr d = n->nsDef; d && !(mode & PF_ANY_PREFIX); d = d->next)
        if (d->prefix)
            return 1;
    xmlAttrPtr attrs[8];
    size_t na = 0;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        if (a->ns || na == 8)
            return 1;
        attrs[na++] = a;
    }
    qsort(attrs, na, sizeof attrs[0], attr_cmp);
    for (size_t i = 0; i < na; i++) {
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)attrs[i]);
        int bad = pf_puts(o, " ") < 0 || pf_puts(o, (const char *)attrs[i]->name) < 0 || pf_puts(o, "=\"") < 0 ||
                  pf_escape(o, v ? (const char *)v : "", 1) < 0 || pf_puts(o, "\"") < 0;
        xmlFree(v);
        if (bad)
            return -1;
    }
    if (pf_puts(o, ">") < 0)
        return -1;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c == exclude)
            continue;
        int rc = 0;
        if (c->type == XML_ELEMENT_NODE)
            rc = pf_c14n(o, c, NULL, NULL, href, exclude, mode);
        else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            rc = !c->content || ((mode & PF_STRIP_BLANKS) && is_blank(c->content))
                     ? 0 : pf_escape(o, (const char *)c->content, 0);
        else if (c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE)
            rc = 1;
        if (rc)
            return rc;
    }
    if (pf_puts(o, "</") < 0 || pf_puts(o, (const char *)name) < 0 || pf_puts(o, ">") < 0)
        return -1;
    return 0;
}

static xmlNodePtr ds_child(xmlNodePtr parent, const char *name)
{
    xmlNodePtr c;
    mm_xml_count(parent, NS_DS, name, &c);
    return c;
}

static void set_text(xmlNodePtr n, const char *text)
{
    xmlNodeSetContent(n, NULL);
    xmlNodeAddContent(n, BAD_CAST text);
}

int mm_dsig_sign_doc_direct(const mm_signer *s, xmlDocPtr doc, mm_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return mm_error_set(err, MM_ERR_INPUT, 0, "document to sign has no root element");
    /* The enveloped transform's output is the document as it is before the
     * Signature is appended, so canonicalise and digest it first. */
    mm_buf c = MM_BUF_INIT;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    pf_out *o = malloc(sizeof *o);
    EVP_MD_CTX *dctx = EVP_MD_CTX_new();
    int rc = -1;
    if (o && dctx && EVP_DigestInit_ex(dctx, EVP_sha256(), NULL) == 1) {
        o->buf = NULL;
        o->md = dctx;
        o->n = 0;
        rc = pf_c14n(o, root, NULL, NULL, NULL, NULL, 0);
        if (rc == 0 && (pf_flush(o) < 0 || EVP_DigestFinal_ex(dctx, md, &mdlen) != 1))
            rc = -1;
    }
    EVP_MD_CTX_free(dctx);
    if (rc != 0) {
        free(o);
        if (rc > 0) /* not in the prefix-free form: let xmlsec do it all */
            return mm_dsig_sign_doc(s, doc, err);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory canonicalising");
    }
    o->buf = &c; /* SignedInfo is small: collect it */
    o->md = NULL;

    /* Same template as mm_dsig_sign_doc. */
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId,
                                                     xmlSecTransformRsaSha256Id, NULL, NULL);
    if (!sig || !xmlAddChild(root, sig)) {
        xmlFreeNode(sig);
        free(o);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot create Signature template");
    }
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    xmlNodePtr x509 = ki ? xmlSecTmplKeyInfoAddX509Data(ki) : NULL;
    xmlNodePtr sn = x509 ? xmlSecTmplX509DataAddSubjectName(x509) : NULL;
    xmlNodePtr xc = sn ? xmlSecTmplX509DataAddCertificate(x509) : NULL;
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) || !xc) {
        free(o);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot build Signature template");
    }
    xmlNodeAddContent(sn, BAD_CAST s->subject);
    xmlNodeAddContent(xc, BAD_CAST s->cert_b64);

    unsigned char *sigval = NULL;
    char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    EVP_MD_CTX *mctx = NULL;
    size_t siglen = 0;
    rc = -1;
    EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
    set_text(ds_child(ref, "DigestValue"), b64);
    /* SignatureValue over the prefix-free SignedInfo. */
    xmlNodePtr si = ds_child(sig, "SignedInfo");
    if (!si || pf_c14n(o, si, NULL, NULL, NULL, NULL, 0) != 0)
        goto done;
    mctx = EVP_MD_CTX_new();
    if (!mctx || EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, s->pkey) != 1 ||
        EVP_DigestSign(mctx, NULL, &siglen, (unsigned char *)c.data, c.len) != 1)
        goto done;
    sigval = malloc(siglen);
    char *sig64 = sigval ? malloc(4 * ((siglen + 2) / 3) + 1) : NULL;
    if (sig64 && EVP_DigestSign(mctx, sigval, &siglen, (unsigned char *)c.data, c.len) == 1) {
        EVP_EncodeBlock((unsigned char *)sig64, sigval, (int)siglen);
        set_text(ds_child(sig, "SignatureValue"), sig64);
        rc = 0;
    }
    free(sig64);
done:
    free(sigval);
    free(o);
    EVP_MD_CTX_free(mctx);
    mm_buf_free(&c);
    if (rc < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "XML signing failed (canonicalisation or RSA)");
    return 0;
}

/* ------------------------------------------------------- canonicalisation */

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

typedef enum { K_NONE, K_SIGNED, K_SEALED } kind_t;

static kind_t target_kind(xmlNodePtr n, const char **ns)
{
    if (n->type != XML_ELEMENT_NODE)
        return K_NONE;
    const char *name = (const char *)n->name;
    const char *href = n->ns ? (const char *)n->ns->href : NULL;
    if (href && (!strcmp(href, NS_M3) || !strcmp(href, NS_M1))) {
        *ns = !strcmp(href, NS_M3) ? NS_M3 : NS_M1;
        if (!strcmp(name, "SignedDelivery") || !strcmp(name, "signedDelivery"))
            return K_SIGNED;
        if (!strcmp(name, "SealedDelivery"))
            return K_SEALED;
        return K_NONE;
    }
    if (href && !strcmp(href, NS_SVC3) && !strcmp(name, "deliverSecure") &&
        n->parent && mm_xml_is(n->parent, NS_SVC3, "deliverSecure")) {
        *ns = NS_M3;
        return K_SEALED;
    }
    if (!href && !strcmp(name, "arg0")) { /* legacy v1 wrapper */
        *ns = NS_M1;
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
            if (strip && is_blank(c->content))
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
    if (mm_xml_count(sig, NS_DS, "SignedInfo", &si) != 1)
        return set_problem(it, "Signature has no single SignedInfo"), NULL;
    if (strcmp(alg_attr(si, NS_DS, "CanonicalizationMethod", alg, sizeof alg), ALG_EXC_C14N))
        set_problem(it, "CanonicalizationMethod is not exc-c14n: %s", alg);
    const EVP_MD *md = NULL;
    const char *want_digest = NULL;
    alg_attr(si, NS_DS, "SignatureMethod", alg, sizeof alg);
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
    if (mm_xml_count(si, NS_DS, "Reference", &ref) != 1)
        set_problem(it, "SignedInfo must hold exactly one Reference");
    else {
        xmlChar *uri = xmlGetNoNsProp(ref, BAD_CAST "URI");
        if (!uri || uri[0])
            set_problem(it, "Reference URI must be \"\" (got %s)", uri ? (const char *)uri : "none");
        xmlFree(uri);
        if (mm_xml_count(ref, NS_DS, "Transforms", &tr) != 1 ||
            mm_xml_count(tr, NS_DS, "Transform", NULL) != 1 ||
            strcmp(alg_attr(tr, NS_DS, "Transform", alg, sizeof alg), ALG_ENVELOPED))
            set_problem(it, "Reference must have exactly one Transform, enveloped-signature");
        if (strcmp(alg_attr(ref, NS_DS, "DigestMethod", alg, sizeof alg), want_digest))
            set_problem(it, "DigestMethod %s does not match SignatureMethod", alg);
    }
    if (mm_xml_count(sig, NS_DS, "KeyInfo", &ki) != 1 || mm_xml_count(ki, NS_DS, "X509Data", &xd) != 1 ||
        mm_xml_count(xd, NS_DS, "X509Certificate", NULL) != 1)
        set_problem(it, "KeyInfo must hold exactly one X509Certificate");
    return md;
}

/* The base64 text of n decoded (XML may break it into lines); malloc'd,
 * NULL when absent or not base64. */
static unsigned char *node_base64(xmlNodePtr n, size_t *len)
{
    xmlChar *b64 = n ? xmlNodeGetContent(n) : NULL;
    if (!b64)
        return NULL;
    size_t total = strlen((char *)b64), j = 0;
    for (size_t i = 0; i < total; i++)
        if (b64[i] != ' ' && b64[i] != '\n' && b64[i] != '\r' && b64[i] != '\t')
            b64[j++] = b64[i];
    b64[j] = 0;
    unsigned char *raw = j && j % 4 == 0 ? malloc(j / 4 * 3 + 3) : NULL;
    int n_out = raw ? EVP_DecodeBlock(raw, b64, (int)j) : -1;
    while (n_out > 0 && j > 0 && b64[j - 1] == '=') { /* DecodeBlock counts padding */
        n_out--;
        j--;
    }
    xmlFree(b64);
    if (n_out <= 0) {
        free(raw);
        return NULL;
    }
    *len = (size_t)n_out;
    return raw;
}

struct mm_cert_cache {
    pthread_mutex_t mu;
    size_t next; /* slot replaced next when all are taken */
    struct {
        unsigned char *der;
        size_t len;
        X509 *cert;
    } slot[16];
};

mm_cert_cache *mm_cert_cache_new(void)
{
    mm_cert_cache *c = calloc(1, sizeof *c);
    if (c && pthread_mutex_init(&c->mu, NULL)) {
        free(c);
        c = NULL;
    }
    return c;
}

void mm_cert_cache_free(mm_cert_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < sizeof c->slot / sizeof c->slot[0]; i++) {
        free(c->slot[i].der);
        X509_free(c->slot[i].cert);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* The decoded certificate for exactly these DER bytes (a new reference), or NULL. */
static X509 *cache_get(mm_cert_cache *c, const unsigned char *der, size_t len)
{
    X509 *x = NULL;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < sizeof c->slot / sizeof c->slot[0] && !x; i++)
        if (c->slot[i].cert && c->slot[i].len == len && !memcmp(c->slot[i].der, der, len) &&
            X509_up_ref(c->slot[i].cert) == 1)
            x = c->slot[i].cert;
    pthread_mutex_unlock(&c->mu);
    return x;
}

static void cache_put(mm_cert_cache *c, const unsigned char *der, size_t len, X509 *x)
{
    unsigned char *copy = malloc(len);
    if (!copy || X509_up_ref(x) != 1) {
        free(copy);
        return;
    }
    memcpy(copy, der, len);
    pthread_mutex_lock(&c->mu);
    size_t n = sizeof c->slot / sizeof c->slot[0], i = 0;
    while (i < n && c->slot[i].cert)
        i++;
    if (i == n) {
        i = c->next;
        c->next = (c->next + 1) % n;
    }
    free(c->slot[i].der);
    X509_free(c->slot[i].cert);
    c->slot[i].der = copy;
    c->slot[i].len = len;
    c->slot[i].cert = x;
    pthread_mutex_unlock(&c->mu);
}

/* The first ds:a/ds:b/ds:c below n, or NULL. */
static xmlNodePtr ds_path(xmlNodePtr n, const char *a, const char *b, const char *c)
{
    const char *steps[] = {a, b, c};
    for (size_t i = 0; i < 3 && n; i++)
        mm_xml_count(n, NS_DS, steps[i], &n);
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
    X509 *cert = cache ? cache_get(cache, der, len) : NULL;
    if (!cert) {
        const unsigned char *p = der;
        cert = d2i_X509(NULL, &p, (long)len);
        /* Only a certificate that is all of these bytes may answer for them. */
        if (cert && p != der + len) {
            X509_free(cert);
            cert = NULL;
        }
        if (cert && cache)
            cache_put(cache, der, len, cert);
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
    mm_xml_count(sig, NS_DS, "SignedInfo", &si);
    mm_xml_count(sig, NS_DS, "SignatureValue", &sv);
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
    pf_out *o = malloc(sizeof *o);
    unsigned int dl = 0;
    int rc = -1;
    if (mctx && o && EVP_DigestInit_ex(mctx, md, NULL) == 1) {
        o->buf = NULL;
        o->md = mctx;
        o->n = 0;
        rc = doc ? pf_c14n(o, xmlDocGetRootElement(doc), NULL, NULL, NULL, sig, 0)
                 : pf_c14n(o, target, BAD_CAST name, BAD_CAST ns, NULL, sig,
                           PF_ANY_PREFIX | (strip ? PF_STRIP_BLANKS : 0));
        if (rc == 0 && pf_flush(o) < 0)
            rc = -1;
        if (rc > 0 && doc) { /* outside the writer's form: start over with libxml2 */
            c14n_sel sel = {NULL, sig};
            rc = EVP_DigestInit_ex(mctx, md, NULL) == 1 ? c14n_run(doc, &sel, c14n_to_md, mctx) : -1;
        }
    }
    if (rc != 0 || EVP_DigestFinal_ex(mctx, d, &dl) != 1 || outsz < 4 * ((dl + 2) / 3) + 1)
        dl = 0;
    else
        EVP_EncodeBlock((unsigned char *)out, d, (int)dl);
    free(o);
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

static void verify_one(xmlNodePtr target, kind_t kind, const char *ns, int strip, unsigned flags,
                       mm_cert_cache *cache, mm_sig_check *it)
{
    snprintf(it->element, sizeof it->element, "%s", kind == K_SEALED ? "SealedDelivery" : "SignedDelivery");
    /* The element's own signature is its LAST element child. */
    xmlNodePtr sig = xmlLastElementChild(target);
    if (!mm_xml_is(sig, NS_DS, "Signature")) {
        set_problem(it, "no ds:Signature as the last child");
        return;
    }
    const EVP_MD *md = check_profile(sig, it);
    X509 *cert = embedded_cert(sig, cache, it);
    if (!cert) {
        set_problem(it, "no readable X509Certificate in KeyInfo");
        return;
    }
    cert_names(cert, it->subject, sizeof it->subject, it->orgnr, sizeof it->orgnr);
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
