/* SPDX-License-Identifier: EUPL-1.2 */
/* The prefix-free canonical form of Mina meddelanden
 * (spec/mina-meddelanden.md §4.3): exclusive C14N 1.0 without comments,
 * written directly for trees in that form.  Signing digests with it,
 * verification recomputes digests with it, and the wire writer shares its
 * escaping, so all three carry exactly the same text. */
#ifndef MM_C14N_H
#define MM_C14N_H

#include <stddef.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include "buf.h"

/* Writes text escaped as Canonical XML does (attr: attribute value, else
 * element content) through put, which returns 0 or -1. */
typedef int (*mm_xml_sink)(void *ctx, const char *data, size_t len);
int mm_c14n_escape(const char *s, int attr, mm_xml_sink put, void *ctx);

/* How the writer reads the tree. */
enum {
    MM_C14N_ANY_PREFIX = 1,   /* write any element as its prefix-free rewrite would be (the verifier's view) */
    MM_C14N_STRIP_BLANKS = 2, /* leave out whitespace-only text */
};

typedef struct {
    const char *name;   /* write the top element under this name (NULL: its own); */
    const char *href;   /* ...in this namespace (the verifier renames the root to its XSD type) */
    xmlNodePtr exclude; /* a subtree to leave out (the enveloped Signature), or NULL */
    unsigned flags;     /* MM_C14N_* */
} mm_c14n_opts;

/* Canonicalises the subtree at n (opts may be NULL) into md, an initialised
 * digest context the caller owns and finalises, or appends it to out.
 * Default namespaces are declared where they change, attributes sorted,
 * no empty-element tags.  Returns 0; 1 when the tree has something outside
 * the prefix-free form (a prefix without MM_C14N_ANY_PREFIX, a namespaced
 * attribute, more than 8 attributes, an entity reference): the caller then
 * takes libxml2's or xmlsec's C14N; -1 when memory or the digest fails.
 * After 1 or -1, md or out holds a partial result. */
int mm_c14n_digest(xmlNodePtr n, const mm_c14n_opts *opts, EVP_MD_CTX *md);
int mm_c14n_append(xmlNodePtr n, const mm_c14n_opts *opts, mm_buf *out);

#endif
