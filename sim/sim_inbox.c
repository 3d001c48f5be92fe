/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd's inbox: each delivered request kept as TRANSID.xml, and
 * index.tsv with one line per message, made durable by group commit, read
 * back at start for duplicate detection. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "sim.h"
#include "sim_request.h"
#include "fileio.h"

void sim_tsv_clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
}

/* Writes the request as TRANSID.xml (temporary name, fsync, rename). */
static int store_request(sim_state *st, const char *trans, const char *body, size_t len, char *why, size_t cap)
{
    char tmp[4200], fin[4200];
    snprintf(tmp, sizeof tmp, "%s/.%s.xml.tmp", st->inbox, trans);
    snprintf(fin, sizeof fin, "%s/%s.xml", st->inbox, trans);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(why, cap, "cannot create %.300s: %.200s", tmp, strerror(errno));
        return -1;
    }
    if (mm_fileio_write_fd(fd, body, len)) {
        snprintf(why, cap, "cannot write %.300s: %.200s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (fsync(fd) || close(fd) || rename(tmp, fin)) {
        snprintf(why, cap, "cannot store %.300s: %.200s", fin, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Appends a line; the caller holds index_mu.  *seq numbers it for index_sync. */
static int index_write(sim_state *st, const char *line, size_t len, uint64_t *seq)
{
    if (mm_fileio_write_fd(st->index_fd, line, len))
        return -1;
    *seq = ++st->index_written;
    return 0;
}

/* Group commit: the lines are durable before the answer goes out, and one
 * fdatasync covers every line written before it started, instead of each
 * delivery holding the index lock through a disk flush of its own. */
static int index_sync(sim_state *st, uint64_t seq)
{
    int rc = 0;
    pthread_mutex_lock(&st->sync_mu);
    if (st->index_synced < seq) {
        pthread_mutex_lock(&st->index_mu);
        uint64_t upto = st->index_written;
        pthread_mutex_unlock(&st->index_mu);
        rc = fdatasync(st->index_fd);
        if (rc == 0)
            st->index_synced = upto;
    }
    pthread_mutex_unlock(&st->sync_mu);
    return rc;
}

int sim_index_open(sim_state *st, mm_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/index.tsv", st->inbox);
    /* earlier deliveries count for duplicate detection after a restart */
    FILE *f = fopen(path, "r");
    if (f) {
        char line[8192];
        while (fgets(line, sizeof line, f)) {
            char *field[9] = {0};
            int n = 0;
            char *save = NULL;
            for (char *t = strtok_r(line, "\t\n", &save); t && n < 9; t = strtok_r(NULL, "\t\n", &save))
                field[n++] = t;
            if (n >= 6) {
                char key[300];
                snprintf(key, sizeof key, "%s|%s", field[3], field[5]);
                if (sim_set_add(&st->seen, key) < 0) {
                    fclose(f);
                    return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
                }
            }
        }
        fclose(f);
    }
    st->index_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (st->index_fd < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot open %s: %s", path, strerror(errno));
    return 0;
}


int sim_inbox_record(sim_state *st, const char *opkey, const char *trans, const char *recipient,
                     const char *sender, const sim_msg *msgs, size_t n_msgs, const char *body, size_t len,
                     int *dups, char *why, size_t cap)
{
    if (!st->index_only && store_request(st, trans, body, len, why, cap)) {
        mm_log(MM_LOG_ERROR, "%s", why);
        snprintf(why, cap, "technical error: the mailbox could not store the delivery");
        return -1;
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    mm_buf line = MM_BUF_INIT;
    int ioerr = 0;
    uint64_t seq = 0;
    *dups = 0;
    pthread_mutex_lock(&st->index_mu);
    for (size_t i = 0; i < n_msgs; i++) {
        char key[300];
        snprintf(key, sizeof key, "%s|%s", recipient, msgs[i].id);
        int dup = sim_set_add(&st->seen, key);
        *dups += dup == 1;
        mm_buf_printf(&line, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", when, opkey, trans, recipient, sender,
                      msgs[i].id[0] ? msgs[i].id : "-", msgs[i].subject, msgs[i].sha.len ? msgs[i].sha.data : "-",
                      dup == 1 ? "duplicate" : "new");
    }
    if (!line.data || index_write(st, line.data, line.len, &seq))
        ioerr = 1;
    pthread_mutex_unlock(&st->index_mu);
    if (!ioerr && index_sync(st, seq))
        ioerr = 1;
    mm_buf_free(&line);
    if (ioerr) {
        mm_log(MM_LOG_ERROR, "cannot append to %s/index.tsv: %s", st->inbox, strerror(errno));
        snprintf(why, cap, "technical error: the mailbox could not record the delivery");
        return -1;
    }
    return 0;
}
