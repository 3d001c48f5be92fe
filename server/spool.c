/* SPDX-License-Identifier: EUPL-1.2 */
/* The print path's spool: where a job's temporary files are, and their
 * removal at start (the letters themselves are in the store). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mmprintd.h"
#include "print.h"

void srv_path(const srv *s, const char *id, const char *suffix, char *out, size_t size)
{
    snprintf(out, size, "%s/%s%s", s->conf.spool_dir, id, suffix);
}

/* A name the print path makes: a job id (a UUID, 36 characters of hex
 * digits and dashes) and one of print.c's suffixes. */
static int ours(const char *name)
{
    if (strlen(name) <= 36 || strspn(name, "0123456789abcdef-") != 36)
        return 0;
    return srv_print_temp_suffix(name + 36);
}

/* Removes the leftovers of ours only: what else is in the spool (a file
 * an administrator put there, a symlink) is not ours to delete, and no
 * symlink is followed. */
void srv_spool_sweep(srv *s)
{
    int dfd = open(s->conf.spool_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    struct dirent *e;
    long removed = 0, foreign = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        struct stat sb;
        if (ours(e->d_name) && fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode)) {
            if (unlinkat(dfd, e->d_name, 0) == 0)
                removed++;
        } else {
            foreign++;
        }
    }
    closedir(d);
    if (removed)
        mm_log(MM_LOG_INFO, "spool: removed %ld leftover temporary files", removed);
    if (foreign)
        mm_log(MM_LOG_WARN, "spool: %ld entries in %s are not mmprintd's temporary files; left alone", foreign,
               s->conf.spool_dir);
}
