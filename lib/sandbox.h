/* SPDX-License-Identifier: EUPL-1.2 */
/* A confined child for the parsers of untrusted documents (qpdf): resource
 * limits, no descriptors but stdio, a clean environment, and Landlock, so
 * that a PDF that takes over the parser still cannot read the organisation
 * key, the database or anything else the daemon may read.  Without Landlock
 * in the kernel the child runs with the other limits only
 * (mm_sandbox_landlock() says which). */
#ifndef MM_SANDBOX_H
#define MM_SANDBOX_H

#include <stddef.h>
#include "error.h"

typedef struct {
    /* NULL-terminated files and directories the child may read (and
     * execute); the program itself is added by mm_sandbox_exec. */
    const char *const *read;
    /* NULL, or a directory where the child may create, write and remove
     * files (its input may be read there too). */
    const char *write_dir;
    long cpu_s;          /* RLIMIT_CPU, seconds */
    long long mem_bytes; /* RLIMIT_AS (not applied to mm_sandbox_call in sanitizer builds) */
    long long file_bytes; /* RLIMIT_FSIZE */
    long nofile;         /* RLIMIT_NOFILE */
    int timeout_ms;      /* wall clock; the child is killed after it */
    /* mm_sandbox_call only: 0 (none), or a descriptor that becomes
     * readable when the caller stops (a daemon's shutdown): the child is
     * killed then rather than waited for. */
    int stop_fd;
} mm_sandbox;

/* err->code of a child killed after timeout_ms (class MM_ERR_TRANSPORT),
 * and of one killed because stop_fd became readable (class MM_ERR_SYSTEM:
 * the work was not done, nothing is known of the input). */
enum { MM_SANDBOX_TIMEOUT = 1, MM_SANDBOX_STOPPED = 2 };

/* The Landlock ABI version the kernel offers, 0 when it has none. */
int mm_sandbox_landlock(void);

/* Runs argv (argv[0] a path, or a name looked up in PATH) in a confined
 * child with stdin, stdout and stderr on /dev/null and the environment
 * PATH=/usr/bin:/bin LC_ALL=C only: 0 with *status as from waitpid, or -1
 * with err (MM_ERR_SYSTEM: cannot start; MM_ERR_TRANSPORT with
 * MM_SANDBOX_TIMEOUT: killed after timeout_ms). */
int mm_sandbox_exec(const mm_sandbox *sb, char *const argv[], int *status, mm_error *err);

/* A function that runs in a confined child (mm_sandbox_call): it reads
 * its input in (len bytes) and writes its answer to fd. */
typedef void (*mm_sandbox_fn)(const unsigned char *in, size_t len, int fd);
typedef struct {
    const char *name;
    mm_sandbox_fn fn;
} mm_sandbox_entry;

/* The first call in main of every program that uses mm_sandbox_call:
 * when this process was started as such a child, runs the entry of
 * entries (ended by {NULL, NULL}) it was started for and exits; otherwise
 * returns at once. */
void mm_sandbox_child_main(int argc, char **argv, const mm_sandbox_entry *entries);

/* Runs the entry name of this program (see mm_sandbox_child_main) in a
 * confined child with in (inlen bytes) as its input, and reads up to
 * outlen bytes of its answer into out: 0 with *got and *status (from
 * waitpid) set, or -1 as mm_sandbox_exec.  The child is this program
 * started afresh (/proc/self/exe), not a bare fork: a fork of a threaded
 * daemon may inherit a lock another thread held (malloc's, a library's)
 * and hang in the parser, and would hold a copy of everything the daemon
 * holds.  Once started it reads no file at all, or with read only those
 * files and directories, read-only and not executable (the fonts a PDF
 * renderer needs), and write_dir (NULL: none), where it may create, write,
 * read and remove files (a batch's letters), never execute them. */
int mm_sandbox_call(const mm_sandbox *sb, const char *name, const void *in, size_t inlen, void *out, size_t outlen,
                    size_t *got, int *status, mm_error *err);

#endif
