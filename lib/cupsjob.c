/* SPDX-License-Identifier: EUPL-1.2 */
/* Requests about one job to the local cupsd. */
#include "cupsjob.h"

#include <stdio.h>

void mm_cupsjob_uri(int job_id, char *uri, size_t size)
{
    snprintf(uri, size, "ipp://localhost/jobs/%d", job_id);
}

ipp_t *mm_cupsjob_get(int job_id, const char *const *want, int n)
{
    char uri[64];
    mm_cupsjob_uri(job_id, uri, sizeof uri);
    ipp_t *req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL, uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", n, NULL, want);
    return cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/"); /* frees req */
}
