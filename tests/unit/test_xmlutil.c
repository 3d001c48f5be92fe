/* SPDX-License-Identifier: EUPL-1.2 */
/* Namespace-aware libxml2 helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "xmlutil.h"

static const char doc_text[] =
    "<r xmlns='urn:a' xmlns:b='urn:b'>text<x>1</x><!-- c --><b:x> 2 </b:x><x>3</x><y xmlns=''> z </y></r>";

static void children(void **state)
{
    (void)state;
    xmlDocPtr doc = xmlReadMemory(doc_text, (int)strlen(doc_text), NULL, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr r = xmlDocGetRootElement(doc);
    assert_true(mm_xml_is(r, "urn:a", "r"));
    assert_false(mm_xml_is(r, "urn:b", "r"));
    assert_false(mm_xml_is(NULL, "urn:a", "r"));

    xmlNodePtr first = NULL;
    assert_int_equal(mm_xml_count(r, "urn:a", "x", &first), 2);
    assert_ptr_equal(first, mm_xml_child(r, "urn:a", "x"));
    assert_int_equal(mm_xml_count(r, "urn:b", "x", NULL), 1);
    assert_int_equal(mm_xml_count(r, "urn:c", "x", &first), 0);
    assert_null(first);
    assert_null(mm_xml_child(NULL, "urn:a", "x"));

    char *t = mm_xml_child_text(r, "urn:b", "x");
    assert_string_equal(t, " 2 ");
    free(t);
    t = mm_xml_child_text_trimmed(r, "urn:b", "x");
    assert_string_equal(t, "2");
    free(t);
    t = mm_xml_child_text_trimmed(r, NULL, "y"); /* no namespace */
    assert_string_equal(t, "z");
    free(t);
    assert_null(mm_xml_child_text(r, "urn:a", "y"));
    assert_null(mm_xml_text(NULL));
    xmlFreeDoc(doc);
}

static void booleans_and_escaping(void **state)
{
    (void)state;
    assert_int_equal(mm_xml_parse_bool("true"), 1);
    assert_int_equal(mm_xml_parse_bool("1"), 1);
    assert_int_equal(mm_xml_parse_bool("false"), 0);
    assert_int_equal(mm_xml_parse_bool("0"), 0);
    assert_int_equal(mm_xml_parse_bool("TRUE"), -1);
    assert_int_equal(mm_xml_parse_bool(NULL), -1);
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_xml_escape(&b, "a<b>&\"c\"\r\n\t\x01"), 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&quot;&#13;\n\t?");
    mm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(children),
        cmocka_unit_test(booleans_and_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
