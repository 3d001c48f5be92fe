/* SPDX-License-Identifier: EUPL-1.2 */
/* X.509 certificates as the signature code sees them: the subject and
 * organisation number written into signatures and reports, and a cache of
 * decoded signer certificates. */
#ifndef MM_CERT_H
#define MM_CERT_H

#include <stddef.h>
#include <openssl/x509.h>

#include "error.h"

/* Writes cert's subject (RFC 2253) into subject and "16" + the
 * organisationsnummer from its serialNumber into orgnr ("" when it carries
 * none: the 12-digit sender-id form or the bare 10 digits are accepted). */
void mm_cert_names(X509 *cert, char *subject, size_t subjsz, char *orgnr, size_t orgsz);

/* The CA certificates of a PEM file as a store for mm_cert_chain_check
 * (free with X509_STORE_free); NULL with err when the file cannot be read
 * or holds no certificate. */
X509_STORE *mm_cert_store_load(const char *file, mm_error *err);

/* Whether cert chains to a CA in store (its purpose not checked: signing
 * certificates are also TLS client certificates).  0 when it does;
 * otherwise -1 with OpenSSL's reason in why ("certificate has expired",
 * "unable to get local issuer certificate"...). */
int mm_cert_chain_check(X509_STORE *store, X509 *cert, char *why, size_t whysz);

/* Decoded signer certificates, keyed by their exact DER bytes, shared by
 * threads.  Decoding a certificate costs OpenSSL 3 more than the RSA check
 * itself, and an operator sees the same few sender certificates all day.
 * The cache holds 16; the oldest is replaced when it is full. */
typedef struct mm_cert_cache mm_cert_cache;
/* NULL when memory runs out; free with mm_cert_cache_free (NULL is fine). */
mm_cert_cache *mm_cert_cache_new(void);
void mm_cert_cache_free(mm_cert_cache *c);
/* The certificate decoded from exactly these DER bytes, as a new reference
 * the caller releases with X509_free; NULL when not cached. */
X509 *mm_cert_cache_get(mm_cert_cache *c, const unsigned char *der, size_t len);
/* Remembers x for der (the cache copies der and takes a reference of its
 * own; the caller keeps its reference).  Silently does nothing when memory
 * runs out. */
void mm_cert_cache_put(mm_cert_cache *c, const unsigned char *der, size_t len, X509 *x);

#endif
