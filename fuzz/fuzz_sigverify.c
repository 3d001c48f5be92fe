/* SPDX-License-Identifier: EUPL-1.2 */
/* The signature verifier (lib/sigverify.c) as mmsimd and mmctl verify meet
 * a signed delivery.  An input of even length goes through mm_dsig_verify
 * (parse, then xmlsec1 decides), one of odd length through
 * mm_dsig_verify_doc with our own canonical-form writer deciding the
 * digest, blanks stripped, with the certificate cache: each costs a full
 * verification, so one per input keeps the fuzzer's pace. */
#include "fuzz.h"

#include "dsig.h"

static mm_cert_cache *cache;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mm_error err;
    if (mm_dsig_init(&err) || !(cache = mm_cert_cache_new()))
        abort();
    fuzz_libxml_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = fuzz_copy(data, size);
    mm_sig_report report;
    mm_error err;
    if (size % 2 == 0) {
        mm_dsig_verify(xml, size, 0, &report, &err);
        mm_sig_report_all_ok(&report);
        mm_sig_report_free(&report);
    } else {
        xmlDocPtr doc = xmlReadMemory(xml, (int)size, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
        if (doc) {
            memset(&report, 0, sizeof report);
            mm_dsig_verify_doc(doc, 1, 0, cache, &report, &err);
            mm_sig_report_all_ok(&report);
            mm_sig_report_free(&report);
            xmlFreeDoc(doc);
        }
    }
    free(xml);
    return 0;
}
