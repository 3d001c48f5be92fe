/* SPDX-License-Identifier: EUPL-1.2 */
/* One mmprintd per state: the lock that keeps a second server (started by
 * hand, or overlapping a restart) away from the database, the journal and
 * the spool of a running one. */
#ifndef MMPRINTD_INSTANCE_H
#define MMPRINTD_INSTANCE_H

#include "error.h"

typedef struct {
    int db_fd;    /* fcntl write lock on DATABASE.lock; the file says "PID running|stopping" */
    int spool_fd; /* flock on the spool directory itself */
    long pid;
} srv_instance;

/* Takes both locks, before anything reads or writes the state.  A holder
 * that says it is stopping is waited for up to wait_s seconds; any other
 * holder is refused after a second (time for one that has just been sent
 * SIGTERM to say so).  Creates spool_dir (mode 0700) if it is missing.
 * Returns 0 when held, 1 when another instance holds them (err says which,
 * with its pid when known), -1 on a system error. */
int srv_instance_lock(srv_instance *in, const char *database, const char *spool_dir, long wait_s, mm_error *err);
/* Tells a starting instance that this one is finishing its last steps. */
void srv_instance_stopping(srv_instance *in);
/* Releases the spool, then the database (call after the store is closed). */
void srv_instance_unlock(srv_instance *in);
/* The pid of the instance holding the database's lock, 0 when none (never
 * takes the lock: for mmprintd -t). */
long srv_instance_holder(const char *database);

#endif
