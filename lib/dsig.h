/* Mina meddelanden XML-DSig: the prefix-free canonical form
 * (spec/mina-meddelanden.md §4.3), enveloped RSA-SHA256 signing with
 * xmlsec1/OpenSSL, and verification the way a mailbox operator does it. */
#ifndef MM_DSIG_H
#define MM_DSIG_H

#include <stddef.h>
#include <libxml/tree.h>
#include "error.h"

/* Initialise libxml2 + xmlsec once per process (thread-safe to call again). */
int mm_dsig_init(mm_error *err);
void mm_dsig_shutdown(void);

/* The organisation certificate and key, loaded once and shared by threads. */
typedef struct mm_signer mm_signer;

mm_signer *mm_signer_load(const char *cert_pem_path, const char *key_pem_path, mm_error *err);
void mm_signer_free(mm_signer *s);
/* Subject DN as written into X509SubjectName. */
const char *mm_signer_subject(const mm_signer *s);
/* "16" + organisationsnummer from the certificate's serialNumber, or "" */
const char *mm_signer_orgnr(const mm_signer *s);

/* Signs a prefix-free document in place: appends an enveloped Signature
 * (exc-c14n, rsa-sha256, sha256, URI="", KeyInfo with X509SubjectName and
 * the leaf certificate) as the last child of the root element. */
int mm_dsig_sign_doc(const mm_signer *s, xmlDocPtr doc, mm_error *err);
/* The same signature, byte for byte, computed directly: our own exclusive
 * C14N writer for the prefix-free form (memcpy-speed on the large base64
 * text, where libxml2's C14N goes character by character) plus one
 * EVP_DigestSign.  Falls back to mm_dsig_sign_doc for a document outside
 * that form.  Used for deliveries (2 signatures each) for throughput. */
int mm_dsig_sign_doc_direct(const mm_signer *s, xmlDocPtr doc, mm_error *err);

/* Writes text escaped as Canonical XML does (attr: attribute value, else
 * element content) through put, which returns 0 or -1.  The digest input
 * and the wire form share it, so both carry exactly the same text. */
typedef int (*mm_xml_sink)(void *ctx, const char *data, size_t len);
int mm_c14n_escape(const char *s, int attr, mm_xml_sink put, void *ctx);

/* Largest document mm_dsig_verify examines. */
#define MM_DSIG_MAX_BYTES (16 * 1024 * 1024)
/* ...and at most this many signed elements in it (each costs a verification). */
#define MM_DSIG_MAX_SIGNATURES 64

/* One checked MM signature. */
typedef struct {
    char element[32];     /* "SignedDelivery" or "SealedDelivery" */
    int digest_ok;
    int signature_ok;
    char algorithm[16];   /* "rsa-sha256" or "rsa-sha1" */
    char subject[512];    /* signer certificate subject (RFC 2253) */
    char orgnr[16];       /* "16"+orgnr from serialNumber, "" if none */
    char problem[256];    /* why not ok, "" when ok */
    char digest[100];     /* our own recomputation of the reference digest, base64 */
    unsigned char *cert_der; /* signer's certificate, DER, malloc'd */
    size_t cert_der_len;
    struct x509_st *cert; /* the same certificate decoded (X509, owned), for chain checks */
} mm_sig_check;

typedef struct {
    mm_sig_check *items;
    size_t count;
} mm_sig_report;

/* Verifies every MM signature in a SignedDelivery, SealedDelivery, or a
 * whole deliverSecure SOAP request (any prefixes).  strip_blanks drops
 * whitespace-only text nodes first (for pretty-printed vectors).  Returns 0
 * when the input could be examined (check each item), -1 when it could not
 * (not XML, no signature...).  Free the report with mm_sig_report_free. */
int mm_dsig_verify(const char *xml, size_t len, int strip_blanks, mm_sig_report *report, mm_error *err);

/* Decoded signer certificates, keyed by their exact DER bytes, shared by
 * threads.  Decoding a certificate costs OpenSSL 3 more than the RSA check
 * itself, and an operator sees the same few sender certificates all day. */
typedef struct mm_cert_cache mm_cert_cache;
mm_cert_cache *mm_cert_cache_new(void);
void mm_cert_cache_free(mm_cert_cache *c);

/* Verifies a document the caller has parsed already (it is not changed);
 * cache may be NULL.  Without flags the reference digest is computed with
 * the direct C14N writer (fast) and SignatureValue is checked over
 * SignedInfo canonicalised by libxml2.  MM_DSIG_XMLSEC lets xmlsec1 decide
 * both instead: an implementation independent of our signer, at about
 * twice the cost.  mm_dsig_verify is this with MM_DSIG_XMLSEC. */
#define MM_DSIG_XMLSEC 1u
int mm_dsig_verify_doc(xmlDocPtr doc, int strip_blanks, unsigned flags, mm_cert_cache *cache,
                       mm_sig_report *report, mm_error *err);
/* 1 when the report has at least one signature and all are valid. */
int mm_sig_report_all_ok(const mm_sig_report *report);
void mm_sig_report_free(mm_sig_report *report);

#endif
