/* SPDX-License-Identifier: EUPL-1.2 */
/* The shape of a deliverSecure's signatures as a strict operator demands
 * it (spec/mina-meddelanden.md §4.2, §4.6): exactly two signatures, each
 * the last child of its element, and nothing in them beyond the profile.
 * The algorithms and counts are lib/sigverify's checks; these are the
 * rules it leaves open: anything in a Signature is outside the signed
 * bytes except SignedInfo, so every extra element there (ds:Object,
 * KeyName, a second X509Data, InclusiveNamespaces...) is unsigned content
 * or an instruction the operator would have to trust unsigned. */
#include <stdio.h>
#include <string.h>
#include <libxml/tree.h>
#include "ns.h"
#include "sim_request.h"
#include "xmlutil.h"

/* One ds: element of the profile: name, whether it may be left out, and
 * its element children in order (NULL: it has none). */
typedef struct sim_shape {
    const char *name;
    int optional;
    const struct sim_shape *kids;
} sim_shape;

static const sim_shape leaf_end[] = {{NULL, 0, NULL}};
static const sim_shape transforms[] = {{"Transform", 0, leaf_end}, {NULL, 0, NULL}};
static const sim_shape reference[] = {
    {"Transforms", 0, transforms}, {"DigestMethod", 0, leaf_end}, {"DigestValue", 0, leaf_end}, {NULL, 0, NULL}};
static const sim_shape signed_info[] = {{"CanonicalizationMethod", 0, leaf_end},
                                        {"SignatureMethod", 0, leaf_end},
                                        {"Reference", 0, reference},
                                        {NULL, 0, NULL}};
static const sim_shape x509_data[] = {
    {"X509SubjectName", 1, leaf_end}, {"X509Certificate", 0, leaf_end}, {NULL, 0, NULL}};
static const sim_shape key_info[] = {{"X509Data", 0, x509_data}, {NULL, 0, NULL}};
static const sim_shape signature[] = {
    {"SignedInfo", 0, signed_info}, {"SignatureValue", 0, leaf_end}, {"KeyInfo", 0, key_info}, {NULL, 0, NULL}};

/* 0 when n's element children are exactly `want`, recursively; else -1
 * with the offending element named in why. */
static int shape_ok(xmlNodePtr n, const sim_shape *want, const char *where, char *why, size_t cap)
{
    xmlNodePtr c = xmlFirstElementChild(n);
    for (const sim_shape *w = want; w->name; w++) {
        if (c && mm_xml_is(c, MM_NS_DS, w->name)) {
            char path[200];
            snprintf(path, sizeof path, "%s/%s", where, w->name);
            if (shape_ok(c, w->kids, path, why, cap))
                return -1;
            c = xmlNextElementSibling(c);
        } else if (!w->optional) {
            if (c)
                snprintf(why, cap, "%s holds %.60s where the profile has %s", where, (const char *)c->name, w->name);
            else
                snprintf(why, cap, "%s has no %s", where, w->name);
            return -1;
        }
    }
    if (c) {
        snprintf(why, cap, "%s holds %.60s, which the signature profile does not allow", where, (const char *)c->name);
        return -1;
    }
    return 0;
}

static size_t count_signatures(xmlNodePtr n)
{
    size_t k = 0;
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            k += (size_t)mm_xml_is(n, MM_NS_DS, "Signature") + count_signatures(n->children);
    return k;
}

int sim_profile_check(xmlNodePtr sealed, xmlNodePtr signedd, char *why, size_t cap)
{
    const struct {
        xmlNodePtr el;
        const char *name;
    } signed_els[] = {{signedd, "SignedDelivery"}, {sealed, "SealedDelivery"}};
    for (size_t i = 0; i < 2; i++) {
        xmlNodePtr sig = signed_els[i].el ? xmlLastElementChild(signed_els[i].el) : NULL;
        if (!mm_xml_is(sig, MM_NS_DS, "Signature")) {
            snprintf(why, cap, "%s has no ds:Signature as its last child", signed_els[i].name);
            return -1;
        }
        char where[64];
        snprintf(where, sizeof where, "%s/Signature", signed_els[i].name);
        if (shape_ok(sig, signature, where, why, cap))
            return -1;
    }
    size_t n = count_signatures(xmlDocGetRootElement(sealed->doc));
    if (n != 2) {
        snprintf(why, cap, "the request holds %zu ds:Signature elements; the profile has exactly two "
                           "(SignedDelivery's and the seal)", n);
        return -1;
    }
    return 0;
}
