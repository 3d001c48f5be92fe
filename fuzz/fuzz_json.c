/* SPDX-License-Identifier: EUPL-1.2 */
/* The API's JSON bodies (server/respond.c srv_req_json_string): the members
 * the handlers read — "recipient" of POST /jobs/ID/recipient, then checked
 * as a personnummer, and "action" of POST /exceptions/ID/resolve. */
#include "fuzz.h"

#include "api.h"
#include "idnum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_copy(data, size);
    srv_req rq = {.body = size ? body : NULL, .body_len = size};
    char num[64], action[16];
    if (srv_req_json_string(&rq, "recipient", num, sizeof num) == 0 && num[0]) {
        mm_id id;
        mm_error err;
        mm_idnum_parse(num, NULL, &id, &err);
    }
    srv_req_json_string(&rq, "action", action, sizeof action);
    free(body);
    return 0;
}
