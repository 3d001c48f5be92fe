/* SPDX-License-Identifier: EUPL-1.2 */
/* The answers from FaR and the mailbox operators: lib/soap.c's envelope and
 * fault parser, then the body as each caller reads it — isReachable and
 * isRegistered answers (lib/far.c) and deliverSecure's DeliveryResult
 * (lib/mailbox.c). */
#include "fuzz.h"

#include "far.h"
#include "mailbox.h"
#include "soap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_libxml_init();
    static const char *const ids[] = {"189001019802", "191212121212", "189001029819", "189001039800"};
    const size_t n = sizeof ids / sizeof ids[0];
    char *copy = fuzz_copy(data, size);
    xmlNodePtr body = NULL;
    mm_soap_fault fault;
    mm_error err;
    xmlDocPtr doc = mm_soap_parse(copy, size, &body, &fault, &err);
    if (doc) {
        mm_reach reach[4];
        mm_mailbox_result result;
        memset(reach, 0, sizeof reach);
        mm_far_parse_response(body, ids, n, reach, &err);
        memset(reach, 0, sizeof reach);
        mm_far_parse_registered_response(body, ids, n, reach, &err);
        memset(&result, 0, sizeof result);
        mm_mailbox_parse_response(body, ids[1], &result, &err);
        xmlFreeDoc(doc);
    }
    free(copy);
    return 0;
}
