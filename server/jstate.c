/* SPDX-License-Identifier: EUPL-1.2 */
/* The states of a job (see jstate.h). */
#include "jstate.h"

#include <stdio.h>
#include <string.h>

/* The one table of the states: their words and what they are. */
static const struct {
    const char *name;
    unsigned flags;
} jstates[SRV_JSTATE_COUNT] = {
    [SRV_JSTATE_NONE] = {"unknown", 0},
    [SRV_JSTATE_QUEUED] = {"queued", SRV_JSTATE_F_WORKING},
    [SRV_JSTATE_NEEDS_RECIPIENT] = {"needs-recipient", SRV_JSTATE_F_HELD},
    [SRV_JSTATE_SENDING] = {"sending", SRV_JSTATE_F_WORKING},
    [SRV_JSTATE_PRINTING] = {"printing", SRV_JSTATE_F_WORKING},
    [SRV_JSTATE_DELIVERED] = {"delivered", SRV_JSTATE_F_FINAL},
    /* Printed is final for the print path (the CUPS job completes, the
     * letter is purged): "posted" only records the print room's step. */
    [SRV_JSTATE_PRINTED] = {"printed", SRV_JSTATE_F_FINAL},
    [SRV_JSTATE_POSTED] = {"posted", SRV_JSTATE_F_FINAL},
    [SRV_JSTATE_RETURNED] = {"returned", SRV_JSTATE_F_FINAL | SRV_JSTATE_F_EXCEPTION},
    [SRV_JSTATE_FAILED] = {"failed", SRV_JSTATE_F_FINAL | SRV_JSTATE_F_EXCEPTION},
    [SRV_JSTATE_CANCELLED] = {"cancelled", SRV_JSTATE_F_FINAL},
    [SRV_JSTATE_EXPIRED] = {"expired", SRV_JSTATE_F_FINAL | SRV_JSTATE_F_EXCEPTION},
};

static unsigned jstate_flags(srv_jstate state)
{
    return state >= 0 && state < SRV_JSTATE_COUNT ? jstates[state].flags : 0;
}

const char *srv_jstate_name(srv_jstate state)
{
    return state > SRV_JSTATE_NONE && state < SRV_JSTATE_COUNT ? jstates[state].name : "unknown";
}

srv_jstate srv_jstate_from_name(const char *name)
{
    for (int i = SRV_JSTATE_NONE + 1; name && i < SRV_JSTATE_COUNT; i++)
        if (!strcmp(name, jstates[i].name))
            return (srv_jstate)i;
    return SRV_JSTATE_NONE;
}

int srv_jstate_is_final(srv_jstate state)
{
    return (jstate_flags(state) & SRV_JSTATE_F_FINAL) != 0;
}

int srv_jstate_is_exception(srv_jstate state)
{
    return (jstate_flags(state) & SRV_JSTATE_F_EXCEPTION) != 0;
}

void srv_jstate_sql_in(unsigned flags, char *out, size_t size)
{
    size_t n = 0;
    if (size)
        out[0] = 0;
    for (int i = SRV_JSTATE_NONE + 1; i < SRV_JSTATE_COUNT; i++)
        if ((jstates[i].flags & flags) == flags && n < size)
            n += (size_t)snprintf(out + n, size - n, "%s'%s'", n ? "," : "", jstates[i].name);
}
