/* SPDX-License-Identifier: EUPL-1.2 */
/* Checking Mina meddelanden signatures as a mailbox operator does
 * (spec/mina-meddelanden.md §4): every SignedDelivery and SealedDelivery in
 * a document, prefixes removed and the root renamed, against the
 * rsa-sha256 (or legacy rsa-sha1) profile and the embedded certificate. */
#ifndef MM_SIGVERIFY_H
#define MM_SIGVERIFY_H

#include <stddef.h>
#include <libxml/tree.h>

#include "cert.h"
#include "error.h"

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
    char digest_algorithm[16]; /* DigestMethod: "sha256", "sha1" or "other" */
    char sender_id[16];   /* the signed delivery's Sender/Id, "" if none */
    int chain_ok;         /* mm_sig_report_check: 1 chained to the CA, 0 not, -1 not checked */
    int sender_ok;        /* mm_sig_report_check: 1 signer is the sender (or the named dispatcher), 0 not */
    int sha1;             /* SHA-1 in the signature or the digest */
    char subject[512];    /* signer certificate subject (RFC 2253) */
    char orgnr[16];       /* "16"+orgnr from serialNumber, "" if none */
    char problem[256];    /* why not ok, "" when ok */
    char digest[100];     /* our own recomputation of the reference digest, base64 */
    unsigned char *cert_der; /* signer's certificate, DER, malloc'd; owned by the report */
    size_t cert_der_len;
    struct x509_st *cert; /* the same certificate decoded (X509, owned by the report), for chain checks */
} mm_sig_check;

/* The checks of one document; the caller releases it with mm_sig_report_free. */
typedef struct {
    mm_sig_check *items;
    size_t count;
} mm_sig_report;

/* Verifies every MM signature in a SignedDelivery, SealedDelivery, or a
 * whole deliverSecure SOAP request (any prefixes), with xmlsec1 deciding.
 * strip_blanks drops whitespace-only text nodes first (for pretty-printed
 * vectors).  Returns 0 when the input could be examined (check each item),
 * -1 when it could not (not XML, no signature...), report then empty.
 * Free the report with mm_sig_report_free in both cases. */
int mm_dsig_verify(const char *xml, size_t len, int strip_blanks, mm_sig_report *report, mm_error *err);

/* Verifies a document the caller has parsed already (it is not changed and
 * stays the caller's); cache may be NULL.  Without flags the reference
 * digest is computed with the canonical-form writer (fast) and
 * SignatureValue is checked over SignedInfo canonicalised by libxml2.
 * MM_DSIG_XMLSEC lets xmlsec1 decide both instead: an implementation
 * independent of our signer, at about twice the cost.  mm_dsig_verify is
 * this with MM_DSIG_XMLSEC.  Report and return as mm_dsig_verify. */
#define MM_DSIG_XMLSEC 1u
int mm_dsig_verify_doc(xmlDocPtr doc, int strip_blanks, unsigned flags, mm_cert_cache *cache,
                       mm_sig_report *report, mm_error *err);
/* What a signature must also satisfy beyond its mathematics, for
 * mm_sig_report_check. */
typedef struct {
    X509_STORE *ca;         /* the signer must chain to it; NULL: not checked (chain_ok -1) */
    const char *dispatcher; /* "16"+orgnr also allowed to sign besides the Sender, or NULL */
    int allow_sha1;         /* accept rsa-sha1/sha1 (legacy senders); otherwise refused */
} mm_sig_policy;

/* Applies policy to every check of the report: the signer's certificate
 * chain, the binding of the certificate's organisation number to the
 * delivery's Sender/Id, and SHA-1.  Sets chain_ok and sender_ok, and
 * problem (when empty so far) for the first rule each signature breaks. */
void mm_sig_report_check(mm_sig_report *report, const mm_sig_policy *policy);

/* 1 when the report has at least one signature and all are valid. */
int mm_sig_report_all_ok(const mm_sig_report *report);
/* Frees what the report holds (not the struct itself) and empties it. */
void mm_sig_report_free(mm_sig_report *report);

#endif
