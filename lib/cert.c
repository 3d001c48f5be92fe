/* SPDX-License-Identifier: EUPL-1.2 */
/* Certificate names and the shared cache of decoded signer certificates. */
#include "cert.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>

#include "idnum.h"

void mm_cert_names(X509 *cert, char *subject, size_t subjsz, char *orgnr, size_t orgsz)
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
    /* The org certificate carries "16" + organisationsnummer; accept the
     * bare 10-digit form too. */
    char id[13] = "16";
    if (len == 12)
        memcpy(id, d, 12);
    else if (len == 10)
        memcpy(id + 2, d, 10);
    else
        return;
    id[12] = '\0';
    if (mm_idnum_sender_id_valid(id))
        snprintf(orgnr, orgsz, "%s", id);
}

X509_STORE *mm_cert_store_load(const char *file, mm_error *err)
{
    X509_STORE *st = X509_STORE_new();
    if (!st) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        return NULL;
    }
    if (X509_STORE_load_file(st, file) != 1) {
        X509_STORE_free(st);
        mm_error_set(err, MM_ERR_INPUT, 0, "cannot read CA certificates from %s", file);
        return NULL;
    }
    return st;
}

int mm_cert_chain_check(X509_STORE *store, X509 *cert, char *why, size_t whysz)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = ctx && X509_STORE_CTX_init(ctx, store, cert, NULL) == 1 && X509_verify_cert(ctx) == 1;
    if (!ok)
        snprintf(why, whysz, "%s",
                 ctx ? X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)) : "out of memory");
    X509_STORE_CTX_free(ctx);
    return ok ? 0 : -1;
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
X509 *mm_cert_cache_get(mm_cert_cache *c, const unsigned char *der, size_t len)
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

void mm_cert_cache_put(mm_cert_cache *c, const unsigned char *der, size_t len, X509 *x)
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

