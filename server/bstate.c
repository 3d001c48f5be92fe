/* SPDX-License-Identifier: EUPL-1.2 */
/* The states of a batch and their one name table, and a letter counted by
 * its state (batch.h): pure data, so that the store and the reports use
 * them without the batch worker. */
#include <string.h>

#include "batch.h"

static const char *const bstate_names[] = {
    [SRV_BSTATE_NONE] = "",
    [SRV_BSTATE_RECEIVED] = "received",
    [SRV_BSTATE_SPLITTING] = "splitting",
    [SRV_BSTATE_SPLIT] = "split",
    [SRV_BSTATE_HELD] = "held",
    [SRV_BSTATE_CANCELLED] = "cancelled",
};
#define NBSTATES (sizeof bstate_names / sizeof bstate_names[0])

const char *srv_bstate_name(srv_bstate st)
{
    return (size_t)st < NBSTATES ? bstate_names[st] : "";
}

srv_bstate srv_bstate_from_name(const char *name)
{
    for (size_t i = 1; name && i < NBSTATES; i++)
        if (!strcmp(name, bstate_names[i]))
            return (srv_bstate)i;
    return SRV_BSTATE_NONE;
}

void srv_batch_count_state(srv_batch_counts *c, srv_jstate state, int n)
{
    c->letters += n;
    switch (state) {
    case SRV_JSTATE_NEEDS_RECIPIENT:
        c->held += n;
        break;
    case SRV_JSTATE_QUEUED:
    case SRV_JSTATE_SENDING:
        c->pending += n;
        break;
    case SRV_JSTATE_DELIVERED:
        c->digital += n;
        break;
    case SRV_JSTATE_PRINTING:
    case SRV_JSTATE_PRINTED:
    case SRV_JSTATE_POSTED:
        c->paper += n;
        break;
    default: /* returned, failed, cancelled, expired: reached no one */
        c->failed += n;
        break;
    }
}

void srv_batch_count(srv_batch_counts *c, const srv_job *j)
{
    srv_batch_count_state(c, j->state, 1);
}
