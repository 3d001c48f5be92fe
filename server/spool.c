/* SPDX-License-Identifier: EUPL-1.2 */
/* The print path's spool: where a job's temporary files are, and their
 * removal at start (the letters themselves are in the store). */
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "mmprintd.h"

void srv_path(const srv *s, const char *id, const char *suffix, char *out, size_t size)
{
    snprintf(out, size, "%s/%s%s", s->conf.spool_dir, id, suffix);
}

void srv_spool_sweep(srv *s)
{
    DIR *d = opendir(s->conf.spool_dir);
    if (!d)
        return;
    struct dirent *e;
    long removed = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char p[1300];
        snprintf(p, sizeof p, "%s/%s", s->conf.spool_dir, e->d_name);
        if (unlink(p) == 0)
            removed++;
    }
    closedir(d);
    if (removed)
        mm_log(MM_LOG_INFO, "spool: removed %ld leftover temporary files", removed);
}
