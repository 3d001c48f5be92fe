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

/* The job's state (IPP_JSTATE_*, 0 when cupsd does not say), or -1 with
 * cupsd's error said. */
static int job_state(long id)
{
    static const char *const want[] = {"job-state", "job-state-reasons"};
    ipp_t *resp = mm_cupsjob_get((int)id, want, 2);
    if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
        fprintf(stderr, "mmctl release: jobb %ld: %s\n", id, cupsLastErrorString());
        ippDelete(resp);
        return -1;
    }
    ipp_attribute_t *a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM);
    int st = a ? ippGetInteger(a, 0) : 0;
    ippDelete(resp);
    return st;
}

/* One Set-Job-Attributes: the number and job-hold-until=no-hold.  0, or -1
 * (cupsLastError says why). */
static int release_with_number(long id, const char *number)
{
    char uri[64];
    mm_cupsjob_uri((int)id, uri, sizeof uri);
    ipp_t *req = ippNewRequest(IPP_OP_SET_JOB_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", NULL, uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    cups_option_t *opts = NULL;
    int n = cupsAddOption("Personnummer", number, 0, &opts);
    n = cupsAddOption("job-hold-until", "no-hold", n, &opts);
    cupsEncodeOptions2(req, n, opts, IPP_TAG_JOB);
    cupsFreeOptions(n, opts);
    ippDelete(cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/jobs"));
    return cupsLastError() > IPP_STATUS_OK_CONFLICTING ? -1 : 0;
}

/* One exit path: rc (0, 1 cupsd refused, 2 bad arguments) is set before
 * each jump to out. */
int mmctl_cmd_release(int argc, char **argv)
{
    int rc = 2, st;
    long id;
    char *end = NULL, shown[32];

    if (argc != 3) {
        fprintf(stderr, "usage: mmctl release CUPS_JOB_ID PERSONNUMMER\n");
        rc = 2;
        goto out;
    }
    id = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end || id < 1 || id > 0x7fffffffL) {
        fprintf(stderr, "mmctl release: '%s' är inget jobbnummer\n", argv[1]);
        rc = 2;
        goto out;
    }
    const char *number = argv[2];
    snprintf(shown, sizeof shown, "%s", number);
    mm_log_mask_text(shown);
    if (!looks_like_number(number)) {
        fprintf(stderr, "mmctl release: personnumret ska skrivas ÅÅÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN\n");
        rc = 2;
        goto out;
    }

    /* Only a held job can be released; say plainly what state it is in otherwise. */
    if ((st = job_state(id)) < 0) {
        rc = 1;
        goto out;
    }
    if (st != IPP_JSTATE_HELD) {
        fprintf(stderr, "mmctl release: jobb %ld är inte pausat (det är %s)\n", id, state_name(st));
        rc = 1;
        goto out;
    }
    if (release_with_number(id, number)) {
        fprintf(stderr, "mmctl release: jobb %ld kunde inte släppas: %s\n", id, cupsLastErrorString());
        rc = 1;
        goto out;
    }
    printf("Jobb %ld släppt med personnummer %s\n", id, shown);
    rc = 0;

out:
    return rc;
}
