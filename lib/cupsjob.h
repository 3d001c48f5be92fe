/* SPDX-License-Identifier: EUPL-1.2 */
/* One job as the local cupsd sees it, for the programs beside the queue
 * (the notifier, mmctl release). */
#ifndef MM_CUPSJOB_H
#define MM_CUPSJOB_H

#include <stddef.h>
#include <cups/cups.h>

/* The job's URI on the local cupsd, "ipp://localhost/jobs/ID", into uri. */
void mm_cupsjob_uri(int job_id, char *uri, size_t size);

/* Get-Job-Attributes for job_id as the current user, asking for the n
 * attributes in want.  Returns cupsd's answer, which the caller frees with
 * ippDelete, or NULL; either way cupsLastError() and
 * cupsLastErrorString() tell how it went (IPP_STATUS_ERROR_NOT_FOUND: no
 * such job). */
ipp_t *mm_cupsjob_get(int job_id, const char *const *want, int n);

#endif
