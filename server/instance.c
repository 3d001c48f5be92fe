/* SPDX-License-Identifier: EUPL-1.2 */
/* The instance lock of mmprintd (see instance.h).
 *
 * The database is the state: jobs, documents and the journal chain, whose
 * head a writer must not share.  The lock is a POSIX write lock on
 * DATABASE.lock, next to the database (its directory is writable by the
 * server, SQLite puts its -wal and -shm files there; SQLite's own unix VFS
 * never uses that name).  A POSIX lock tells F_GETLK the holder's pid; the
 * file also says whether the holder is stopping, which a starting instance
 * waits for.  The file is never removed: removing a lock file lets two
 * processes lock two different files of the same name.
 *
 * The spool is locked as well, with flock on the directory itself, because
 * it may be configured apart from the database: two servers with their own
 * databases but one spool would delete each other's print files at start. */
#include "instance.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "log.h"

/* A holder that has just been sent SIGTERM says so within microseconds;
 * this covers a new instance started in the same instant. */
#define GRACE_MS 1000
#define POLL_MS 100

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap(void)
{
    struct timespec ts = {0, POLL_MS * 1000000L};
    nanosleep(&ts, NULL);
}

static int lock_path(const char *database, char *out, size_t size, mm_error *err)
{
    if ((size_t)snprintf(out, size, "%s.lock", database) >= size)
        return mm_error_set(err, MM_ERR_INPUT, 0, "database path %s is too long", database);
    return 0;
}

static void write_state(int fd, long pid, const char *state)
{
    char b[64];
    int n = snprintf(b, sizeof b, "%ld %s\n", pid, state);
    if (pwrite(fd, b, (size_t)n, 0) == n)
        (void)!ftruncate(fd, n);
}

/* The lock's holder: its pid, 0 when the lock is free, -1 when held by a
 * pid we cannot learn; and whether its file says it is stopping. */
static long holder(int fd, int *stopping)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    *stopping = 0;
    if (fcntl(fd, F_GETLK, &fl))
        return -1;
    if (fl.l_type == F_UNLCK)
        return 0;
    char b[64] = "";
    long fpid = 0;
    char state[16] = "";
    ssize_t n = pread(fd, b, sizeof b - 1, 0);
    if (n > 0) {
        b[n] = 0;
        if (sscanf(b, "%ld %15s", &fpid, state) != 2)
            fpid = 0;
    }
    /* The file may still name the previous holder for a moment. */
    long pid = fl.l_pid > 0 ? (long)fl.l_pid : fpid;
    *stopping = fpid == pid && !strcmp(state, "stopping");
    return pid > 0 ? pid : -1;
}

static int lock_db(srv_instance *in, const char *database, long wait_s, mm_error *err)
{
    char path[1100];
    if (lock_path(database, path, sizeof path, err))
        return -1;
    in->db_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (in->db_fd < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot open the lock file %s: %s", path, strerror(errno));
    long start = mono_ms(), announced = 0;
    for (;;) {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(in->db_fd, F_SETLK, &fl) == 0)
            break;
        if (errno != EACCES && errno != EAGAIN && errno != EINTR)
            return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot lock %s: %s", path, strerror(errno));
        int stopping;
        long pid = holder(in->db_fd, &stopping);
        if (pid == 0)
            continue; /* released between the two calls */
        long waited = mono_ms() - start;
        if (stopping) {
            if (waited >= wait_s * 1000) {
                mm_error_set(err, MM_ERR_SYSTEM, 0, "another mmprintd (pid %ld) is still stopping after %ld s "
                             "and holds %s; refusing to start", pid, wait_s, database);
                return 1;
            }
            if (announced != pid) {
                mm_log(MM_LOG_INFO, "waiting up to %ld s for the stopping mmprintd (pid %ld) to release %s", wait_s,
                       pid, database);
                announced = pid;
            }
        } else if (waited >= GRACE_MS) {
            if (pid > 0)
                mm_error_set(err, MM_ERR_SYSTEM, 0, "another mmprintd (pid %ld) is using %s; refusing to start",
                             pid, database);
            else
                mm_error_set(err, MM_ERR_SYSTEM, 0, "another mmprintd is using %s (lock %s); refusing to start",
                             database, path);
            return 1;
        }
        nap();
    }
    if (ftruncate(in->db_fd, 0) == 0)
        write_state(in->db_fd, in->pid, "running");
    return 0;
}

static int lock_spool(srv_instance *in, const char *dir, mm_error *err)
{
    if (mkdir(dir, 0700) && errno != EEXIST)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot create spool_dir %s: %s", dir, strerror(errno));
    in->spool_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (in->spool_fd < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot open spool_dir %s: %s", dir, strerror(errno));
    /* The database is ours already: a spool holder is a server with another
     * database, or one releasing both locks right now. */
    for (long start = mono_ms(); flock(in->spool_fd, LOCK_EX | LOCK_NB);) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot lock spool_dir %s: %s", dir, strerror(errno));
        if (mono_ms() - start >= GRACE_MS) {
            mm_error_set(err, MM_ERR_SYSTEM, 0,
                         "another mmprintd is using spool_dir %s (with another database); refusing to start", dir);
            return 1;
        }
        nap();
    }
    return 0;
}

int srv_instance_lock(srv_instance *in, const char *database, const char *spool_dir, long wait_s, mm_error *err)
{
    in->db_fd = in->spool_fd = -1;
    in->pid = (long)getpid();
    int rc = lock_db(in, database, wait_s, err);
    if (rc == 0)
        rc = lock_spool(in, spool_dir, err);
    if (rc)
        srv_instance_unlock(in);
    return rc;
}

void srv_instance_stopping(srv_instance *in)
{
    if (in->db_fd >= 0)
        write_state(in->db_fd, in->pid, "stopping");
}

void srv_instance_unlock(srv_instance *in)
{
    /* The spool first: whoever gets the database next finds it free. */
    if (in->spool_fd >= 0)
        close(in->spool_fd);
    if (in->db_fd >= 0)
        close(in->db_fd);
    in->spool_fd = in->db_fd = -1;
}

long srv_instance_holder(const char *database)
{
    char path[1100];
    if (lock_path(database, path, sizeof path, NULL))
        return 0;
    /* Read-only and never created: F_GETLK only asks. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    int stopping;
    long pid = holder(fd, &stopping);
    close(fd);
    return pid > 0 ? pid : 0;
}
