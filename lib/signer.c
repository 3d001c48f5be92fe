/* SPDX-License-Identifier: EUPL-1.2 */
/* The organisation's signer: the key and certificate loaded once, and the
 * enveloped Signature computed by xmlsec1 or directly. */
#include "signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/openssl/evp.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base64.h"
#include "buf.h"
#include "c14n.h"
#include "cert.h"
#include "dsig.h"
#include "ns.h"
#include "xmlutil.h"

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
    mm_cert_names(cert, s->subject, sizeof s->subject, s->orgnr, sizeof s->orgnr);
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
    s->cert_b64 = mm_base64_encode(der, (size_t)derlen);
    if (!s->cert_b64) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        goto fail;
    }
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

/* Appends the one Signature template both signers fill: exc-c14n,
 * rsa-sha256, one Reference URI="" with the enveloped transform and sha256,
 * KeyInfo with X509SubjectName (xmlsec leaves it empty: raw text, not
 * entity-parsed) and X509Certificate (with_cert: filled here, for the
 * direct signer; xmlsec fills it from the key when it signs).  NULL prefix:
 * the Signature declares xmlns="…xmldsig#" (prefix-free form).  Returns the
 * Signature, or NULL (root may then hold a partial template). */
static xmlNodePtr add_template(const mm_signer *s, xmlDocPtr doc, xmlNodePtr root, int with_cert)
{
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId,
                                                     xmlSecTransformRsaSha256Id, NULL, NULL);
    if (!sig)
        return NULL;
    if (!xmlAddChild(root, sig)) {
        xmlFreeNode(sig);
        return NULL;
    }
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, BAD_CAST "", NULL);
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    xmlNodePtr x509 = ki ? xmlSecTmplKeyInfoAddX509Data(ki) : NULL;
    xmlNodePtr sn = x509 ? xmlSecTmplX509DataAddSubjectName(x509) : NULL;
    xmlNodePtr xc = sn ? xmlSecTmplX509DataAddCertificate(x509) : NULL;
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) || !xc)
        return NULL;
    xmlNodeAddContent(sn, BAD_CAST s->subject);
    if (with_cert)
        xmlNodeAddContent(xc, BAD_CAST s->cert_b64);
    return sig;
}

int mm_dsig_sign_doc(const mm_signer *s, xmlDocPtr doc, mm_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root)
        return mm_error_set(err, MM_ERR_INPUT, 0, "document to sign has no root element");
    xmlNodePtr sig = add_template(s, doc, root, 0);
    if (!sig)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot build Signature template");

    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot create xmlsec context");
    /* The key is shared read-only between threads (OpenSSL 3 EVP_PKEY
     * signing is thread-safe); detach it before the context frees it. */
    ctx->signKey = s->key;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    mm_dsig_error_reset();
    int rc = xmlSecDSigCtxSign(ctx, sig);
    ctx->signKey = NULL;
    xmlSecDSigCtxDestroy(ctx);
    if (rc < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "XML signing failed (%s)", mm_dsig_error_text());
    return 0;
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
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *dctx = EVP_MD_CTX_new();
    int rc = -1;
    if (dctx && EVP_DigestInit_ex(dctx, EVP_sha256(), NULL) == 1) {
        rc = mm_c14n_digest(root, NULL, dctx);
        if (rc == 0 && EVP_DigestFinal_ex(dctx, md, &mdlen) != 1)
            rc = -1;
    }
    EVP_MD_CTX_free(dctx);
    if (rc > 0) /* not in the prefix-free form: let xmlsec do it all */
        return mm_dsig_sign_doc(s, doc, err);
    if (rc < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory canonicalising");

    xmlNodePtr sig = add_template(s, doc, root, 1);
    if (!sig)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot build Signature template");
    xmlNodePtr si = mm_xml_child(sig, MM_NS_DS, "SignedInfo");
    xmlNodePtr ref = mm_xml_child(si, MM_NS_DS, "Reference");

    mm_buf c = MM_BUF_INIT; /* SignedInfo is small: collect it */
    unsigned char *sigval = NULL;
    char *sig64 = NULL;
    char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    EVP_MD_CTX *mctx = NULL;
    size_t siglen = 0;
    rc = -1;
    mm_base64_write(md, mdlen, b64);
    set_text(mm_xml_child(ref, MM_NS_DS, "DigestValue"), b64);
    /* SignatureValue over the prefix-free SignedInfo. */
    if (!si || mm_c14n_append(si, NULL, &c) != 0)
        goto done;
    mctx = EVP_MD_CTX_new();
    if (!mctx || EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, s->pkey) != 1 ||
        EVP_DigestSign(mctx, NULL, &siglen, (unsigned char *)c.data, c.len) != 1)
        goto done;
    sigval = malloc(siglen);
    if (sigval && EVP_DigestSign(mctx, sigval, &siglen, (unsigned char *)c.data, c.len) == 1 &&
        (sig64 = mm_base64_encode(sigval, siglen))) {
        set_text(mm_xml_child(sig, MM_NS_DS, "SignatureValue"), sig64);
        rc = 0;
    }
done:
    free(sig64);
    free(sigval);
    EVP_MD_CTX_free(mctx);
    mm_buf_free(&c);
    if (rc < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "XML signing failed (canonicalisation or RSA)");
    return 0;
}
