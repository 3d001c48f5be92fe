/* SPDX-License-Identifier: EUPL-1.2 */
/* The prefix-free canonical form, written directly: memcpy speed on the
 * large base64 text of a delivery, where libxml2's C14N goes character by
 * character. */
#include "c14n.h"

#include <stdlib.h>
#include <string.h>

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

/* name/href replace the element's own; rendered is the default namespace
 * in scope in the output. */
static int write_el(pf_out *o, xmlNodePtr n, const xmlChar *name, const xmlChar *href, const xmlChar *rendered,
                   xmlNodePtr exclude, unsigned mode)
{
    if (!name)
        name = n->name;
    if (!href) {
        if (!n->ns || !n->ns->href || (n->ns->prefix && !(mode & MM_C14N_ANY_PREFIX)))
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
    for (xmlNsPtr d = n->nsDef; d && !(mode & MM_C14N_ANY_PREFIX); d = d->next)
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
            rc = write_el(o, c, NULL, NULL, href, exclude, mode);
        else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            rc = !c->content || ((mode & MM_C14N_STRIP_BLANKS) && xmlIsBlankNode(c))
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

static int run(xmlNodePtr n, const mm_c14n_opts *opts, EVP_MD_CTX *md, mm_buf *buf)
{
    static const mm_c14n_opts none = {NULL, NULL, NULL, 0};
    if (!opts)
        opts = &none;
    pf_out *o = malloc(sizeof *o); /* 8 KiB stage: off the caller's stack */
    if (!o)
        return -1;
    o->buf = buf;
    o->md = md;
    o->n = 0;
    int rc = write_el(o, n, BAD_CAST opts->name, BAD_CAST opts->href, NULL, opts->exclude, opts->flags);
    if (rc == 0 && pf_flush(o) < 0)
        rc = -1;
    free(o);
    return rc;
}

int mm_c14n_digest(xmlNodePtr n, const mm_c14n_opts *opts, EVP_MD_CTX *md)
{
    return run(n, opts, md, NULL);
}

int mm_c14n_append(xmlNodePtr n, const mm_c14n_opts *opts, mm_buf *out)
{
    return run(n, opts, NULL, out);
}
