/* SPDX-License-Identifier: EUPL-1.2 */
/* The confined child (see sandbox.h).  The Landlock ruleset is built in
 * the parent; between fork and exec the child makes only system calls, as
 * a child of a threaded process must, which is also why mm_sandbox_call
 * starts this program afresh instead of running a parser in the fork. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/landlock.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#if defined(__SANITIZE_ADDRESS__)
#define MM_SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MM_SANDBOX_ASAN 1
#endif
#endif

/* Landlock ABI 1's file system rights: every one is handled, so whatever
 * no rule grants is denied. */
#define FS_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG)
#define FS_ALL_V1                                                                                                  \
    (FS_READ | FS_WRITE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_CHAR |                          \
     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                   \
     LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)
/* Rights a rule on a file (not a directory) may carry. */
#define FS_FILE (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE)

/* What every dynamically linked program needs to start. */
static const char *const base_read[] = {"/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache", "/dev/urandom", NULL};

int mm_sandbox_landlock(void)
{
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return abi > 0 ? (int)abi : 0;
}

static uint64_t handled(int abi)
{
    uint64_t h = FS_ALL_V1;
    if (abi >= 2)
        h |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        h |= LANDLOCK_ACCESS_FS_TRUNCATE;
    return h;
}

/* One rule: path may be used with rights (narrowed to a file's rights when
 * it is a file).  A path that does not exist (no /lib64) is skipped. */
static int add_rule(int rs, const char *path, uint64_t rights, mm_error *err)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : mm_error_set(err, MM_ERR_SYSTEM, errno, "sandbox: %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && !S_ISDIR(sb.st_mode))
        rights &= FS_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
    struct landlock_path_beneath_attr pb = {.allowed_access = rights, .parent_fd = fd};
    int rc = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
    int e = errno;
    close(fd);
    if (rc)
        return mm_error_set(err, MM_ERR_SYSTEM, e, "sandbox: rule for %s: %s", path, strerror(e));
    return 0;
}

/* The ruleset for a child (-1 without Landlock, -2 on error with err):
 * scope 0 = a program's needs plus sb's, 1 = nothing at all, 2 = only
 * sb->read, read-only and not executable, and sb->write_dir to write. */
static int ruleset(const mm_sandbox *sb, const char *exe, int scope, mm_error *err)
{
    int abi = mm_sandbox_landlock();
    if (!abi)
        return -1;
    uint64_t h = handled(abi);
    struct landlock_ruleset_attr attr = {.handled_access_fs = h};
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
    if (rs < 0) {
        mm_error_set(err, MM_ERR_SYSTEM, errno, "sandbox: landlock_create_ruleset: %s", strerror(errno));
        return -2;
    }
    int bad = 0;
    if (scope == 2) {
        for (const char *const *p = sb->read; p && *p && !bad; p++)
            bad = add_rule(rs, *p, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR, err);
        /* write_dir: files made, written, read and removed there, never
         * executed, no directories, links or devices */
        if (!bad && sb->write_dir)
            bad = add_rule(rs, sb->write_dir,
                           (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | FS_WRITE |
                            LANDLOCK_ACCESS_FS_TRUNCATE) & h, err);
    } else if (!scope) {
        for (const char *const *p = base_read; *p && !bad; p++)
            bad = add_rule(rs, *p, FS_READ, err);
        for (const char *const *p = sb->read; p && *p && !bad; p++)
            bad = add_rule(rs, *p, FS_READ, err);
        if (!bad && exe)
            bad = add_rule(rs, exe, FS_READ, err);
        if (!bad && sb->write_dir)
            bad = add_rule(rs, sb->write_dir, (FS_READ | FS_WRITE | LANDLOCK_ACCESS_FS_TRUNCATE) & h, err);
        if (!bad)
            bad = add_rule(rs, "/dev/null", (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE), err);
    }
    if (bad) {
        close(rs);
        return -2;
    }
    return rs;
}

/* The flag that starts a program as a child of mm_sandbox_call. */
#define CHILD_FLAG "--mm-sandbox-child"
/* Where a child of mm_sandbox_call finds its answer pipe and, when it was
 * not applied before the execve, its Landlock ruleset. */
enum { CHILD_ANSWER_FD = 3, CHILD_RULESET_FD = 4 };

/* In the child: limits, no privileges to gain, descriptor 0 on in (or
 * /dev/null), 1 and 2 on /dev/null, keep (if >= 0) as 3, nothing else
 * open, and the Landlock ruleset rs: applied here, or with defer left open
 * as descriptor 4 for the program it executes (mm_sandbox_child_main),
 * because Landlock would refuse the execve of ourselves.  self: the child
 * executes this program again (a sanitizer build needs its address space).
 * System calls only. */
static int confine(const mm_sandbox *sb, int rs, int in, int keep, int defer, int self)
{
    /* Out of the way first, so that no dup2 below overwrites another. */
    int hi = in >= 0 ? fcntl(in, F_DUPFD, 10) : -1;
    int hk = keep >= 0 ? fcntl(keep, F_DUPFD, 10) : -1;
    int hr = rs >= 0 ? fcntl(rs, F_DUPFD, 10) : -1;
    int null = open("/dev/null", O_RDWR);
    if ((in >= 0 && hi < 0) || (keep >= 0 && hk < 0) || (rs >= 0 && hr < 0) || null < 0)
        return -1;
    if (dup2(hi >= 0 ? hi : null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
        return -1;
    if (hk >= 0 ? dup2(hk, CHILD_ANSWER_FD) < 0 : close(CHILD_ANSWER_FD) < 0 && errno != EBADF)
        return -1;
    if (hr >= 0 ? dup2(hr, CHILD_RULESET_FD) < 0 : close(CHILD_RULESET_FD) < 0 && errno != EBADF)
        return -1;
    if (syscall(SYS_close_range, (unsigned)CHILD_RULESET_FD + 1, ~0U, 0))
        return -1;
    struct rlimit r;
    r.rlim_cur = r.rlim_max = (rlim_t)sb->cpu_s;
    if (sb->cpu_s > 0 && setrlimit(RLIMIT_CPU, &r))
        return -1;
#ifdef MM_SANDBOX_ASAN
    /* The sanitizer's shadow memory is already larger than any limit. */
    if (!self) {
#else
    (void)self;
    {
#endif
        r.rlim_cur = r.rlim_max = (rlim_t)sb->mem_bytes;
        if (sb->mem_bytes > 0 && setrlimit(RLIMIT_AS, &r))
            return -1;
    }
    r.rlim_cur = r.rlim_max = (rlim_t)sb->file_bytes;
    if (sb->file_bytes > 0 && setrlimit(RLIMIT_FSIZE, &r))
        return -1;
    r.rlim_cur = r.rlim_max = (rlim_t)sb->nofile;
    if (sb->nofile > 0 && setrlimit(RLIMIT_NOFILE, &r))
        return -1;
    r.rlim_cur = r.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &r);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
        return -1;
    if (hr >= 0 && !defer) {
        if (syscall(SYS_landlock_restrict_self, CHILD_RULESET_FD, 0))
            return -1;
        close(CHILD_RULESET_FD);
    }
    return 0;
}

/* Waits for the child until timeout_ms: 0 with *status, or -1 (killed). */
static int wait_child(pid_t pid, int timeout_ms, int *status, mm_error *err)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return mm_error_set(err, MM_ERR_SYSTEM, errno, "sandbox: waitpid: %s", strerror(errno));
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (timeout_ms > 0 && ms > timeout_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            return mm_error_set(err, MM_ERR_TRANSPORT, MM_SANDBOX_TIMEOUT, "took more than %d s", timeout_ms / 1000);
        }
        /* After EOF the child is normally already ending: look again soon. */
        struct timespec ts = {0, (ms < 100 ? 1 : 20) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* argv[0] as an absolute path: itself when it has a slash, else the first
 * executable of that name in PATH (the parent's PATH, as a shell would). */
static int find_program(const char *name, char *out, size_t size)
{
    if (strchr(name, '/'))
        return snprintf(out, size, "%s", name) < (int)size ? 0 : -1;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n && snprintf(out, size, "%.*s/%s", (int)n, path, name) < (int)size && access(out, X_OK) == 0)
            return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

int mm_sandbox_exec(const mm_sandbox *sb, char *const argv[], int *status, mm_error *err)
{
    char exe[PATH_MAX];
    if (find_program(argv[0], exe, sizeof exe))
        return mm_error_set(err, MM_ERR_SYSTEM, ENOENT, "cannot run %s: not found in PATH", argv[0]);
    int rs = ruleset(sb, exe, 0, err);
    if (rs == -2)
        return -1;
    static char *const envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        if (confine(sb, rs, -1, -1, 0, 0) == 0)
            execve(exe, argv, envp);
        _exit(127);
    }
    int e = errno;
    if (rs >= 0)
        close(rs);
    if (pid < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, e, "cannot run %s: %s", argv[0], strerror(e));
    return wait_child(pid, sb->timeout_ms, status, err);
}

/* Set by mm_sandbox_child_main at the start of main: a program that never
 * called it would, started again as a child, run its whole self. */
static int child_main_called;

void mm_sandbox_child_main(int argc, char **argv, const mm_sandbox_entry *entries)
{
    child_main_called = 1;
    if (argc != 5 || strcmp(argv[1], CHILD_FLAG))
        return;
    /* Before anything is read: from here on no file can be opened. */
    if (!strcmp(argv[4], "landlock")) {
        if (syscall(SYS_landlock_restrict_self, CHILD_RULESET_FD, 0))
            _exit(126);
        close(CHILD_RULESET_FD);
    }
    const mm_sandbox_entry *e = entries;
    while (e->name && strcmp(e->name, argv[2]))
        e++;
    char *end;
    errno = 0;
    unsigned long long len = strtoull(argv[3], &end, 10);
    if (!e->fn || errno || *end || len > SIZE_MAX - 1)
        _exit(125);
    unsigned char *in = malloc((size_t)len + 1);
    if (!in)
        _exit(125);
    size_t have = 0;
    while (have < len) {
        ssize_t n = read(0, in + have, (size_t)len - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(125);
        have += (size_t)n;
    }
    e->fn(in, (size_t)len, CHILD_ANSWER_FD);
    _exit(0);
}

/* The environment of a child of ours: a sanitizer build's options pass, so
 * that the child reports as its parent would. */
static void child_env(char **envp, size_t size)
{
    static const char *const keep[] = {"ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=", NULL};
    extern char **environ;
    size_t n = 0;
    envp[n++] = "PATH=/usr/bin:/bin";
    envp[n++] = "LC_ALL=C";
    for (char **e = environ; e && *e && n + 1 < size; e++)
        for (const char *const *k = keep; *k; k++)
            if (!strncmp(*e, *k, strlen(*k)))
                envp[n++] = *e;
    envp[n] = NULL;
}

int mm_sandbox_call(const mm_sandbox *sb, const char *name, const void *in, size_t inlen, void *out, size_t outlen,
                    size_t *got, int *status, mm_error *err)
{
    *got = 0;
    if (!child_main_called)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "sandbox: %s: this program does not call mm_sandbox_child_main",
                            name);
    /* Everything the child needs is made before the fork: between fork and
     * execve it may only make system calls.  Nothing readable, or only what
     * the caller lists (the fonts a renderer needs), read-only. */
    char lenbuf[32];
    snprintf(lenbuf, sizeof lenbuf, "%zu", inlen);
    int rs = ruleset(sb, NULL, sb->read || sb->write_dir ? 2 : 1, err);
    if (rs == -2)
        return -1;
    char *argv[] = {"mmprint-sandbox", CHILD_FLAG, (char *)name, lenbuf, rs >= 0 ? "landlock" : "none", NULL};
    char *envp[8];
    child_env(envp, sizeof envp / sizeof envp[0]);
    int pin[2] = {-1, -1}, pout[2] = {-1, -1};
    /* The input through a socket: a child that stops reading gives EPIPE
     * without a SIGPIPE that would end the caller. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pin) || pipe2(pout, O_CLOEXEC)) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (pin[i] >= 0)
                close(pin[i]);
            if (pout[i] >= 0)
                close(pout[i]);
        }
        if (rs >= 0)
            close(rs);
        return mm_error_set(err, MM_ERR_SYSTEM, e, "sandbox: pipe: %s", strerror(e));
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (confine(sb, rs, pin[0], pout[1], 1, 1) == 0)
            execve("/proc/self/exe", argv, envp);
        _exit(127);
    }
    int e = errno;
    close(pin[0]);
    close(pout[1]);
    if (rs >= 0)
        close(rs);
    if (pid < 0) {
        close(pin[1]);
        close(pout[0]);
        return mm_error_set(err, MM_ERR_SYSTEM, e, "sandbox: fork: %s", strerror(e));
    }
    /* The input goes in while the answer comes out, until EOF (the child
     * ended) or the time is up; a child that stops reading cannot block us. */
    const unsigned char *src = in;
    size_t sent = 0;
    if (inlen == 0) {
        close(pin[1]);
        pin[1] = -1;
    }
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int late = 0, stopped = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = sb->timeout_ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (sb->timeout_ms > 0 && left <= 0) {
            late = 1;
            break;
        }
        /* poll ignores a negative fd: the input all sent, or no stop_fd */
        struct pollfd pf[3] = {{.fd = pout[0], .events = POLLIN},
                               {.fd = pin[1], .events = POLLOUT},
                               {.fd = sb->stop_fd > 0 ? sb->stop_fd : -1, .events = POLLIN}};
        int n = poll(pf, 3, sb->timeout_ms > 0 ? (int)left : -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            late = n == 0;
            break;
        }
        if (pf[2].revents) {
            stopped = 1;
            break;
        }
        if (pin[1] >= 0 && pf[1].revents) {
            ssize_t w = send(pin[1], src + sent, inlen - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                sent += (size_t)w;
            /* Written, or the child stopped reading (EPIPE): its answer tells. */
            if (sent == inlen || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close(pin[1]);
                pin[1] = -1;
            }
        }
        if (!pf[0].revents)
            continue;
        char sink[256];
        ssize_t r = *got < outlen ? read(pout[0], (char *)out + *got, outlen - *got) : read(pout[0], sink, sizeof sink);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (*got < outlen)
            *got += (size_t)r;
    }
    if (pin[1] >= 0)
        close(pin[1]);
    close(pout[0]);
    if (late || stopped) {
        kill(pid, SIGKILL);
        waitpid(pid, status, 0);
        if (stopped)
            return mm_error_set(err, MM_ERR_SYSTEM, MM_SANDBOX_STOPPED, "sandbox: %s stopped: the caller stops", name);
        return mm_error_set(err, MM_ERR_TRANSPORT, MM_SANDBOX_TIMEOUT, "took more than %d s", sb->timeout_ms / 1000);
    }
    /* EOF: the child has ended or is ending. */
    return wait_child(pid, 10000, status, err);
}
