/* SPDX-License-Identifier: EUPL-1.2 */
/* Who may do what (see auth.h). */
#include <string.h>

#include "auth.h"

/* Who may do what is decided here and nowhere else (DESIGN: two entrances,
 * one set of rules).  Today the API has one kind of principal: a machine
 * whose client certificate the front admitted (client_ca, client_allow).
 * It may do what the API offered before (see, cancel, resolve any job);
 * only "cancel-own", a workstation reporting a cancel in its own CUPS, is
 * held to the jobs that certificate submitted, since a notifier has no
 * business with another machine's jobs.  Roles (handläggare, print room,
 * admin) and the ownership of every action come with issue 10, here. */
int srv_may(const srv *s, const char *principal, const char *action, const srv_job *job)
{
    (void)s;
    if (!principal || !principal[0])
        return 0;
    if (!strcmp(action, "cancel-own"))
        return job && job->client[0] && !strcmp(principal, job->client);
    return 1;
}
