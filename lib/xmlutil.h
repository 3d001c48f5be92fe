/* SPDX-License-Identifier: EUPL-1.2 */
/* Namespace-aware helpers over libxml2 trees, on libxml2's own element
 * walkers (xmlFirstElementChild, xmlNextElementSibling,
 * xmlLastElementChild).  A namespace argument ns is the namespace URI;
 * NULL means "no namespace".  Nothing here changes the tree. */
#ifndef MM_XMLUTIL_H
#define MM_XMLUTIL_H

#include <stddef.h>
#include <libxml/tree.h>

#include "buf.h"

/* 1 when n is an element named name in namespace ns. */
int mm_xml_is(const xmlNode *n, const char *ns, const char *name);

/* 1 when n is in namespace ns (NULL: in none), whatever its name. */
int mm_xml_in_ns(const xmlNode *n, const char *ns);

/* The first child element of parent with this namespace and name, or NULL
 * (also for a NULL parent).  The node belongs to the tree. */
xmlNodePtr mm_xml_child(xmlNodePtr parent, const char *ns, const char *name);

/* How many child elements of parent have this namespace and name; *first
 * (when first is non-NULL) gets the first of them or NULL. */
int mm_xml_count(xmlNodePtr parent, const char *ns, const char *name, xmlNodePtr *first);

/* The text content of n, malloc'd (the caller free()s it, whatever
 * allocator libxml2 uses); "" for an empty element, NULL when n is NULL
 * or memory runs out. */
char *mm_xml_text(xmlNodePtr n);

/* mm_xml_text of mm_xml_child(parent, ns, name): NULL when absent. */
char *mm_xml_child_text(xmlNodePtr parent, const char *ns, const char *name);

/* As mm_xml_child_text, without the surrounding whitespace (free() it). */
char *mm_xml_child_text_trimmed(xmlNodePtr parent, const char *ns, const char *name);

/* An xs:boolean ("true"/"1", "false"/"0"): 1 or 0; -1 for anything else
 * or NULL.  Surrounding whitespace is the caller's to trim. */
int mm_xml_parse_bool(const char *s);

/* XML-escapes text for element content or attribute values into out
 * (& < > " and CR; C0 controls XML cannot carry become '?').  Returns 0,
 * or -1 when memory runs out. */
int mm_xml_escape(mm_buf *out, const char *text);

#endif
