/* SPDX-License-Identifier: EUPL-1.2 */
/* Namespace-aware libxml2 helpers shared by the SOAP, FaR, mailbox,
 * delivery and signature code. */
#include "xmlutil.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

int mm_xml_in_ns(const xmlNode *n, const char *ns)
{
    if (!ns)
        return n->ns == NULL || n->ns->href == NULL;
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, ns);
}

int mm_xml_is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && mm_xml_in_ns(n, ns);
}

xmlNodePtr mm_xml_child(xmlNodePtr parent, const char *ns, const char *name)
{
    for (xmlNodePtr c = parent ? xmlFirstElementChild(parent) : NULL; c; c = xmlNextElementSibling(c))
        if (mm_xml_is(c, ns, name))
            return c;
    return NULL;
}

int mm_xml_count(xmlNodePtr parent, const char *ns, const char *name, xmlNodePtr *first)
{
    int count = 0;
    if (first)
        *first = NULL;
    for (xmlNodePtr c = parent ? xmlFirstElementChild(parent) : NULL; c; c = xmlNextElementSibling(c))
        if (mm_xml_is(c, ns, name)) {
            if (!count && first)
                *first = c;
            count++;
        }
    return count;
}

char *mm_xml_text(xmlNodePtr n)
{
    if (!n)
        return NULL;
    xmlChar *t = xmlNodeGetContent(n);
    /* Copy so callers free with free(), whatever allocator libxml2 uses. */
    char *s = strdup(t ? (const char *)t : "");
    xmlFree(t);
    return s;
}

char *mm_xml_child_text(xmlNodePtr parent, const char *ns, const char *name)
{
    return mm_xml_text(mm_xml_child(parent, ns, name));
}

char *mm_xml_child_text_trimmed(xmlNodePtr parent, const char *ns, const char *name)
{
    return mm_text_trim(mm_xml_child_text(parent, ns, name));
}

int mm_xml_parse_bool(const char *s)
{
    if (!s)
        return -1;
    if (!strcmp(s, "true") || !strcmp(s, "1"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "0"))
        return 0;
    return -1;
}

int mm_xml_escape(mm_buf *out, const char *text)
{
    const char *run = text;
    const unsigned char *p = (const unsigned char *)text;
    for (; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\r': rep = "&#13;"; break;
        case '\t': case '\n': break;
        default:
            /* Other C0 controls cannot be represented in XML 1.0 at all. */
            if (*p < 0x20)
                rep = "?";
        }
        if (!rep)
            continue;
        if (mm_buf_append(out, run, (size_t)((const char *)p - run)) < 0 || mm_buf_puts(out, rep) < 0)
            return -1;
        run = (const char *)p + 1;
    }
    return mm_buf_append(out, run, (size_t)((const char *)p - run));
}
