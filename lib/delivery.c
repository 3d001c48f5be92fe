/* SPDX-License-Identifier: EUPL-1.2 */
/* One v3 deliverSecure request: SecureDelivery (spec §3.1) built
 * prefix-free, signed as SignedDelivery, sealed as SealedDelivery (§3.2),
 * and written in the prefixed wire form (§4.4). */
#include "delivery.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlstring.h>
#include <openssl/evp.h>

#include "base64.h"
#include "c14n.h"
#include "idnum.h"
#include "soap.h"
#include "text.h"
#include "uuid.h"

/* ------------------------------------------------------------ validation */

static const char *const attachment_types[] = { /* TTK 4.23 */
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
    "text/calendar",
};

/* UTF-8 text XML can carry, with a length in characters within [min, max]. */
static int check_text(const char *field, const char *s, int required, int min, int max, mm_error *err)
{
    if (!s)
        return required ? mm_error_set(err, MM_ERR_INPUT, 0, "%s is missing", field) : 0;
    int len = (int)strlen(s);
    if (!xmlCheckUTF8(BAD_CAST s))
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s is not valid UTF-8", field);
    for (int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return mm_error_set(err, MM_ERR_INPUT, 0, "%s contains a control character XML cannot carry", field);
    }
    int chars = xmlUTF8Strlen(BAD_CAST s);
    if (chars < min || chars > max) {
        if (min > 1)
            return mm_error_set(err, MM_ERR_INPUT, 0, "%s must be %d to %d characters (got %d)", field, min, max,
                                chars);
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s must be %s%d characters (got %d)", field,
                            min ? "1 to " : "at most ", max, chars);
    }
    return 0;
}

static int validate(const mm_delivery_params *p, mm_error *err)
{
    if (!mm_idnum_sender_id_valid(p->sender_id))
        return mm_error_set(err, MM_ERR_INPUT, 0, "sender id must be \"16\" followed by the 10-digit organisationsnummer");
    if (!mm_text_digits(p->recipient, 12))
        return mm_error_set(err, MM_ERR_INPUT, 0, "recipient must be a 12-digit identity number");
    if (check_text("sender name", p->sender_name, 1, 2, 256, err) < 0 ||
        check_text("reference", p->reference, 0, 0, 50, err) < 0 ||
        check_text("subject", p->subject, 1, 1, 255, err) < 0 ||
        check_text("support text", p->support_text ? p->support_text : p->sender_name, 1, 1, 1024, err) < 0 ||
        check_text("support URL", p->support_url, 0, 0, 255, err) < 0 ||
        check_text("support phone number", p->support_phone, 0, 0, 255, err) < 0 ||
        check_text("support e-mail address", p->support_email, 0, 5, 256, err) < 0 ||
        check_text("body text", p->body_text, 0, 0, MM_DELIVERY_MAX_BYTES, err) < 0 ||
        check_text("attachment file name", p->attachment_name, 0, 1, 255, err) < 0)
        return -1;
    if (p->support_email) {
        const char *at = strchr(p->support_email, '@');
        if (!at || at == p->support_email || !strchr(at + 2, '.') || at[1] == '.' ||
            p->support_email[strlen(p->support_email) - 1] == '.')
            return mm_error_set(err, MM_ERR_INPUT, 0, "support e-mail address is not of the form name@domain.tld");
    }
    if (p->body_type && strcmp(p->body_type, "text/plain") && strcmp(p->body_type, "text/html"))
        return mm_error_set(err, MM_ERR_INPUT, 0, "body content type must be text/plain or text/html (got %.60s)",
                            p->body_type);
    if (p->attachment_type) {
        size_t i, n = sizeof attachment_types / sizeof attachment_types[0];
        for (i = 0; i < n; i++)
            if (!strcmp(p->attachment_type, attachment_types[i]))
                break;
        if (i == n)
            return mm_error_set(err, MM_ERR_INPUT, 5019,
                                "attachment content type %.80s is not allowed (TTK 4.23: PDF, Word, iCalendar)",
                                p->attachment_type);
    }
    if (!p->attachment || p->attachment_len == 0)
        return mm_error_set(err, MM_ERR_INPUT, 0, "the letter has no document (attachment is empty)");
    /* Fail before signing when the base64 alone cannot fit. */
    if (p->attachment_len > (size_t)MM_DELIVERY_MAX_BYTES / 4 * 3)
        return mm_error_set(err, MM_ERR_INPUT, 5005,
                            "document too large: %zu bytes; the whole request may be at most %d bytes (2 MB) "
                            "after base64",
                            p->attachment_len, MM_DELIVERY_MAX_BYTES);
    if (p->message_id) {
        size_t n = strlen(p->message_id);
        if (n == 0 || n > 36 || strspn(p->message_id, "0123456789abcdefABCDEF-") != n)
            return mm_error_set(err, MM_ERR_INPUT, 0, "message id must be a UUID (at most 36 hex digits and dashes)");
    }
    return 0;
}

/* ------------------------------------------------------------- building */

typedef struct {
    xmlDocPtr doc;
    int oom;
} builder;

/* Appends an element in namespace href, declaring it as the default
 * namespace only where it differs from the parent's (prefix-free form). */
static xmlNodePtr el(builder *b, xmlNodePtr parent, const char *href, const char *name, const char *text)
{
    xmlNodePtr n = xmlNewDocNode(b->doc, NULL, BAD_CAST name, NULL);
    if (!n) {
        b->oom = 1;
        return NULL;
    }
    if (parent)
        xmlAddChild(parent, n);
    else
        xmlDocSetRootElement(b->doc, n);
    if (parent && parent->ns && !strcmp((const char *)parent->ns->href, href))
        xmlSetNs(n, parent->ns);
    else {
        xmlNsPtr ns = xmlNewNs(n, BAD_CAST href, NULL);
        if (!ns)
            b->oom = 1;
        xmlSetNs(n, ns);
    }
    if (text) {
        xmlNodePtr t = xmlNewDocText(b->doc, BAD_CAST text);
        if (!t)
            b->oom = 1;
        else
            xmlAddChild(n, t);
    }
    return n;
}

/* Like el() with a base64 text node that takes over the xmlMalloc'd
 * buffer (no extra copy of the large document). */
static xmlNodePtr el_owned(builder *b, xmlNodePtr parent, const char *href, const char *name, xmlChar *text)
{
    xmlNodePtr n = el(b, parent, href, name, NULL);
    xmlNodePtr t = n ? xmlNewDocText(b->doc, NULL) : NULL;
    if (!t) {
        xmlFree(text);
        b->oom = 1;
        return NULL;
    }
    t->content = text;
    xmlAddChild(n, t);
    return n;
}

/* Base64 on one line (§4.4) in xmlMalloc'd memory, for el_owned. */
static xmlChar *base64(const unsigned char *data, size_t len)
{
    size_t n = mm_base64_size(len);
    xmlChar *out = n ? xmlMalloc(n) : NULL;
    if (out)
        mm_base64_write(data, len, (char *)out);
    return out;
}

xmlDocPtr mm_delivery_signed(const mm_signer *signer, const mm_delivery_params *p, char message_id_out[37],
                             mm_error *err)
{
    if (validate(p, err) < 0)
        return NULL;
    char id[37];
    if (p->message_id)
        snprintf(id, sizeof id, "%s", p->message_id);
    else if (mm_uuid_new(id) < 0) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "random generator failed");
        return NULL;
    }
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int md5len = 0;
    if (EVP_Digest(p->attachment, p->attachment_len, md5, &md5len, EVP_md5(), NULL) != 1 || md5len != 16) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "MD5 of the attachment failed");
        return NULL;
    }
    char checksum[33];
    mm_text_hex(md5, 16, 1, checksum); /* upper-case hex, as every real sender emits */
    const char *body_text = p->body_text ? p->body_text : "Du har fått ett brev. Se bifogad fil.";
    xmlChar *body64 = base64((const unsigned char *)body_text, strlen(body_text));
    xmlChar *att64 = base64(p->attachment, p->attachment_len);
    builder b = {xmlNewDoc(BAD_CAST "1.0"), 0};
    if (!b.doc || !body64 || !att64) {
        xmlFree(body64);
        xmlFree(att64);
        xmlFreeDoc(b.doc);
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        return NULL;
    }
    xmlNodePtr root = el(&b, NULL, MM_NS_M3, "SignedDelivery", NULL);
    xmlNodePtr dlv = el(&b, root, MM_NS_M3, "Delivery", NULL);
    xmlNodePtr hdr = el(&b, dlv, MM_NS_M3, "Header", NULL);
    xmlNodePtr snd = el(&b, hdr, MM_NS_M2, "Sender", NULL);
    el(&b, snd, MM_NS_SND, "Id", p->sender_id);
    el(&b, snd, MM_NS_SND, "Name", p->sender_name);
    el(&b, hdr, MM_NS_M2, "Recipient", p->recipient);
    if (p->reference && *p->reference)
        el(&b, hdr, MM_NS_M2, "Reference", p->reference);
    xmlNodePtr msg = el(&b, dlv, MM_NS_M3, "Message", NULL);
    xmlNodePtr mh = el(&b, msg, MM_NS_M3, "Header", NULL);
    el(&b, mh, MM_NS_M3, "Id", id);
    el(&b, mh, MM_NS_M3, "Subject", p->subject);
    xmlNodePtr si = el(&b, mh, MM_NS_M3, "Supportinfo", NULL);
    el(&b, si, MM_NS_M3, "Text", p->support_text ? p->support_text : p->sender_name);
    if (p->support_url)
        el(&b, si, MM_NS_M3, "URL", p->support_url);
    if (p->support_phone)
        el(&b, si, MM_NS_M3, "PhoneNumber", p->support_phone);
    if (p->support_email)
        el(&b, si, MM_NS_M3, "EmailAdress", p->support_email);
    el(&b, mh, MM_NS_M3, "Language", "svSE");
    xmlNodePtr body = el(&b, msg, MM_NS_M3, "Body", NULL);
    el(&b, body, MM_NS_M1, "ContentType", p->body_type ? p->body_type : "text/plain");
    el_owned(&b, body, MM_NS_M1, "Body", body64);
    xmlNodePtr att = el(&b, msg, MM_NS_M3, "Attachment", NULL);
    el(&b, att, MM_NS_M1, "ContentType", p->attachment_type ? p->attachment_type : "application/pdf");
    el_owned(&b, att, MM_NS_M1, "Body", att64);
    el(&b, att, MM_NS_M1, "Checksum", checksum);
    el(&b, att, MM_NS_M1, "Filename", p->attachment_name ? p->attachment_name : "brev.pdf");
    if (b.oom) {
        xmlFreeDoc(b.doc);
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory building the delivery");
        return NULL;
    }
    if ((p->sign_with_xmlsec ? mm_dsig_sign_doc(signer, b.doc, err) : mm_dsig_sign_doc_direct(signer, b.doc, err)) < 0) {
        xmlFreeDoc(b.doc);
        return NULL;
    }
    if (message_id_out)
        memcpy(message_id_out, id, 37);
    return b.doc;
}

/* ------------------------------------------------------------- sealing */

static time_t last_sunday_0100utc(int year, int mon /* 0-based */, int mday_last)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = mday_last;
    tm.tm_hour = 1;
    time_t t = timegm(&tm);
    struct tm g;
    gmtime_r(&t, &g);
    return t - (time_t)g.tm_wday * 86400;
}

/* Europe/Stockholm offset in minutes by the EU rule (CEST from the last
 * Sunday of March to the last Sunday of October, 01:00 UTC), computed
 * here so no process-wide TZ has to be changed. */
static int stockholm_offset(time_t t)
{
    struct tm g;
    gmtime_r(&t, &g);
    int y = g.tm_year + 1900;
    return t >= last_sunday_0100utc(y, 2, 31) && t < last_sunday_0100utc(y, 9, 31) ? 120 : 60;
}

static int received_date(time_t received, char out[32])
{
    int off = stockholm_offset(received);
    time_t local = received + (time_t)off * 60;
    struct tm g;
    if (!gmtime_r(&local, &g) || g.tm_year < -1899 || g.tm_year > 8099)
        return -1;
    snprintf(out, 32, "%04d-%02d-%02d+%02d:00", (g.tm_year + 1900) % 10000, (g.tm_mon % 12) + 1,
             g.tm_mday % 32, off / 60 % 24);
    return 0;
}

/* take: move the SignedDelivery tree out of signed_doc instead of copying
 * it (mm_delivery_build no longer needs it; saves copying the document). */
static xmlDocPtr seal(const mm_signer *signer, xmlDocPtr signed_doc, time_t received, int take, int use_xmlsec,
                      mm_error *err)
{
    xmlNodePtr sroot = xmlDocGetRootElement(signed_doc);
    if (!mm_xml_is(sroot, MM_NS_M3, "SignedDelivery")) {
        mm_error_set(err, MM_ERR_INPUT, 0, "only a {Message/v3}SignedDelivery document can be sealed");
        return NULL;
    }
    char date[32];
    if (received_date(received, date) < 0) {
        mm_error_set(err, MM_ERR_INPUT, 0, "invalid received time");
        return NULL;
    }
    builder b = {xmlNewDoc(BAD_CAST "1.0"), 0};
    if (!b.doc) {
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        return NULL;
    }
    xmlNodePtr root = el(&b, NULL, MM_NS_M3, "SealedDelivery", NULL);
    /* The copy keeps its own xmlns="…/v3"; exclusive C14N drops it as
     * already in scope, so the digest input is the §4.3 form. */
    xmlNodePtr copy = NULL;
    if (root && take) {
        xmlUnlinkNode(sroot);
        xmlSetTreeDoc(sroot, b.doc); /* neither document uses a dictionary */
        copy = sroot;
    } else if (root)
        copy = xmlDocCopyNode(sroot, b.doc, 1);
    if (!copy)
        b.oom = 1;
    else
        xmlAddChild(root, copy);
    xmlNodePtr seal = el(&b, root, MM_NS_M3, "Seal", NULL);
    el(&b, seal, MM_NS_M1, "ReceivedTime", date);
    el(&b, seal, MM_NS_M1, "SignaturesOK", "true");
    if (b.oom) {
        xmlFreeDoc(b.doc);
        mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory building the seal");
        return NULL;
    }
    if ((use_xmlsec ? mm_dsig_sign_doc(signer, b.doc, err) : mm_dsig_sign_doc_direct(signer, b.doc, err)) < 0) {
        xmlFreeDoc(b.doc);
        return NULL;
    }
    return b.doc;
}

xmlDocPtr mm_delivery_sealed(const mm_signer *signer, xmlDocPtr signed_doc, time_t received, mm_error *err)
{
    return seal(signer, signed_doc, received, 0, 0, err);
}

/* ---------------------------------------------------------------- wire */

static const struct {
    const char *href, *prefix;
} wire_prefixes[] = {
    {MM_NS_M1, "m1"}, {MM_NS_M2, "m2"}, {MM_NS_M3, "m3"}, {MM_NS_SND, "snd"},
    {MM_NS_SVC3, "svc3"}, {MM_NS_DS, "p7"}, /* neutral dsig prefix, §4.4 */
};

static const char *prefix_of(xmlNodePtr n)
{
    if (!n->ns || !n->ns->href)
        return NULL;
    for (size_t i = 0; i < sizeof wire_prefixes / sizeof wire_prefixes[0]; i++)
        if (!strcmp((const char *)n->ns->href, wire_prefixes[i].href))
            return wire_prefixes[i].prefix;
    return NULL;
}

static int buf_sink(void *ctx, const char *data, size_t len)
{
    return mm_buf_append(ctx, data, len);
}

/* The wire text escaped exactly as in the signed form, so a receiver that
 * strips prefixes digests the same bytes. */
static int put_escaped(mm_buf *o, const char *s, int attr)
{
    return mm_c14n_escape(s, attr, buf_sink, o);
}

static int put_el(mm_buf *o, xmlNodePtr n, const char *name_override, const char *prefix_override,
                  mm_error *err)
{
    const char *prefix = prefix_override ? prefix_override : prefix_of(n);
    const char *name = name_override ? name_override : (const char *)n->name;
    if (!prefix)
        return mm_error_set(err, MM_ERR_INPUT, 0, "element %s has a namespace the wire form does not know",
                            (const char *)n->name);
    if (mm_buf_printf(o, "<%s:%s", prefix, name) < 0)
        goto oom;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        if (a->ns)
            return mm_error_set(err, MM_ERR_INPUT, 0, "namespaced attribute %s is not supported on the wire",
                                (const char *)a->name);
        xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
        int rc = mm_buf_printf(o, " %s=\"", (const char *)a->name) < 0 ||
                 put_escaped(o, v ? (const char *)v : "", 1) < 0 || mm_buf_puts(o, "\"") < 0;
        xmlFree(v);
        if (rc)
            goto oom;
    }
    if (mm_buf_puts(o, ">") < 0)
        goto oom;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (put_el(o, c, NULL, NULL, err) < 0)
                return -1;
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            if (put_escaped(o, (const char *)c->content, 0) < 0)
                goto oom;
        }
    }
    if (mm_buf_printf(o, "</%s:%s>", prefix, name) < 0)
        goto oom;
    return 0;
oom:
    return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory writing the request");
}

int mm_delivery_wire(xmlDocPtr sealed_doc, mm_buf *out, mm_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(sealed_doc);
    if (!root || strcmp((const char *)root->name, "SealedDelivery"))
        return mm_error_set(err, MM_ERR_INPUT, 0, "only a SealedDelivery document can be sent");
    size_t start = out->len;
    if (mm_buf_puts(out, "<soapenv:Envelope xmlns:soapenv=\"" MM_NS_SOAP "\" xmlns:m1=\"" MM_NS_M1
                         "\" xmlns:m2=\"" MM_NS_M2 "\" xmlns:m3=\"" MM_NS_M3 "\" xmlns:snd=\"" MM_NS_SND
                         "\" xmlns:svc3=\"" MM_NS_SVC3 "\" xmlns:p7=\"" MM_NS_DS
                         "\"><soapenv:Body><svc3:deliverSecure>") < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory writing the request");
    int rc = 0;
    /* The SealedDelivery is the inner svc3:deliverSecure on the wire. */
    if (put_el(out, root, "deliverSecure", "svc3", err) < 0)
        rc = -1;
    else if (mm_buf_puts(out, "</svc3:deliverSecure></soapenv:Body></soapenv:Envelope>") < 0)
        rc = mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory writing the request");
    else if (out->len - start > MM_DELIVERY_MAX_BYTES)
        rc = mm_error_set(err, MM_ERR_INPUT, 5005,
                          "request too large: %zu bytes, at most %d bytes (2 MB) allowed; make the document smaller",
                          out->len - start, MM_DELIVERY_MAX_BYTES);
    if (rc < 0) { /* leave out as it was */
        out->len = start;
        if (out->data)
            out->data[start] = 0;
    }
    return rc;
}

int mm_delivery_build(const mm_signer *signer, const mm_delivery_params *p, time_t received, mm_buf *out,
                      char message_id_out[37], mm_error *err)
{
    char id[37];
    xmlDocPtr sd = mm_delivery_signed(signer, p, id, err);
    if (!sd)
        return -1;
    xmlDocPtr sealed = seal(signer, sd, received, 1, p->sign_with_xmlsec, err);
    xmlFreeDoc(sd);
    if (!sealed)
        return -1;
    int rc = mm_delivery_wire(sealed, out, err);
    xmlFreeDoc(sealed);
    if (rc == 0 && message_id_out)
        memcpy(message_id_out, id, 37);
    return rc;
}
