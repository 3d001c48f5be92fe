/* SPDX-License-Identifier: EUPL-1.2 */
/* Signing with the organisation certificate: enveloped RSA-SHA256
 * XML-DSig of documents in the prefix-free form (spec/mina-meddelanden.md
 * §4.2), by xmlsec1 or by the direct canonical-form writer. */
#ifndef MM_SIGNER_H
#define MM_SIGNER_H

#include <libxml/tree.h>

#include "error.h"

/* The organisation certificate and key, loaded once and shared read-only
 * by threads. */
typedef struct mm_signer mm_signer;

/* Loads a PEM certificate and its unencrypted RSA key (calls mm_dsig_init).
 * Returns a signer the caller frees with mm_signer_free, or NULL with err. */
mm_signer *mm_signer_load(const char *cert_pem_path, const char *key_pem_path, mm_error *err);
void mm_signer_free(mm_signer *s);
/* Subject DN as written into X509SubjectName; owned by s. */
const char *mm_signer_subject(const mm_signer *s);
/* "16" + organisationsnummer from the certificate's serialNumber, or "";
 * owned by s. */
const char *mm_signer_orgnr(const mm_signer *s);

/* Signs a prefix-free document in place with xmlsec1: appends an enveloped
 * Signature (exc-c14n, rsa-sha256, sha256, URI="", KeyInfo with
 * X509SubjectName and the leaf certificate) as the last child of the root
 * element.  The document stays the caller's; on failure it may hold a
 * partial Signature and should be freed. */
int mm_dsig_sign_doc(const mm_signer *s, xmlDocPtr doc, mm_error *err);
/* The same signature, byte for byte, computed directly: the canonical-form
 * writer (c14n.h) plus one EVP_DigestSign.  Falls back to mm_dsig_sign_doc
 * for a document outside that form.  Used for deliveries (2 signatures
 * each) for throughput.  Ownership as mm_dsig_sign_doc. */
int mm_dsig_sign_doc_direct(const mm_signer *s, xmlDocPtr doc, mm_error *err);

#endif
