/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl release CUPS_JOB_ID NUMBER: completes a job that the mmprint
 * backend held for a missing personnummer, the same way as
 * `lp -i ID -o Personnummer=NUMBER -H resume`: one IPP Set-Job-Attributes
 * with the number and job-hold-until=no-hold.  CUPS then runs the filter
 * and backend again with the same job-uuid, and the server completes the
 * held job instead of making a second letter.  The cupsd is the local one
 * or $CUPS_SERVER (libcups reads it). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cups/cups.h>

#include "client.h"
#include "cupsjob.h"
#include "log.h"
#include "mmctl.h"

/* Shape check only (10 or 12 digits, one '-'/'+' before the last four): the
 * filter validates the number fully and holds the job again if it is wrong. */
static int looks_like_number(const char *s)
{
    size_t digits = 0, len = strlen(s);
    if (len < 10 || len > 13)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (isdigit((unsigned char)s[i]))
            digits++;
        else if ((s[i] != '-' && s[i] != '+') || len - i != 5)
            return 0;
    }
    return digits == 10 || digits == 12;
}

static const char *state_name(int st)
{
    switch (st) {
    case IPP_JSTATE_PENDING: return "väntar";
    case IPP_JSTATE_HELD: return "pausad";
    case IPP_JSTATE_PROCESSING: return "bearbetas";
    case IPP_JSTATE_STOPPED: return "stoppad";
    case IPP_JSTATE_CANCELED: return "avbruten";
    case IPP_JSTATE_ABORTED: return "avbruten av systemet";
    case IPP_JSTATE_COMPLETED: return "klar";
    }
    return "okänd";
}

int mmctl_cmd_release(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mmctl release CUPS_JOB_ID PERSONNUMMER\n");
        return 2;
    }
    char *end = NULL;
    long id = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end || id < 1 || id > 0x7fffffffL) {
        fprintf(stderr, "mmctl release: '%s' är inget jobbnummer\n", argv[1]);
        return 2;
    }
    const char *number = argv[2];
    char shown[32];
    snprintf(shown, sizeof shown, "%s", number);
    mm_log_mask_text(shown);
    if (!looks_like_number(number)) {
        fprintf(stderr, "mmctl release: personnumret ska skrivas ÅÅÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN\n");
        return 2;
    }

    char uri[64];
    mm_cupsjob_uri((int)id, uri, sizeof uri);

    /* Only a held job can be released; say plainly what state it is in otherwise. */
    static const char *const want[] = {"job-state", "job-state-reasons"};
    ipp_t *resp = mm_cupsjob_get((int)id, want, 2);
    if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        fprintf(stderr, "mmctl release: jobb %ld: %s\n", id, cupsLastErrorString());
        ippDelete(resp);
        return 1;
    }
    ipp_attribute_t *a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM);
    int st = a ? ippGetInteger(a, 0) : 0;
    ippDelete(resp);
    if (st != IPP_JSTATE_HELD) {
        fprintf(stderr, "mmctl release: jobb %ld är inte pausat (det är %s)\n", id, state_name(st));
        return 1;
    }

    ipp_t *req = ippNewRequest(IPP_OP_SET_JOB_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL, uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    cups_option_t *opts = NULL;
    int n = cupsAddOption("Personnummer", number, 0, &opts);
    n = cupsAddOption("job-hold-until", "no-hold", n, &opts);
    cupsEncodeOptions2(req, n, opts, IPP_TAG_JOB);
    cupsFreeOptions(n, opts);
    ippDelete(cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/jobs"));
    if (cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        fprintf(stderr, "mmctl release: jobb %ld kunde inte släppas: %s\n", id, cupsLastErrorString());
        return 1;
    }
    printf("Jobb %ld släppt med personnummer %s\n", id, shown);
    return 0;
}
