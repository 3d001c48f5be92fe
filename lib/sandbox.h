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
} mm_sandbox;

/* err->code of a child killed after timeout_ms (class MM_ERR_TRANSPORT). */
enum { MM_SANDBOX_TIMEOUT = 1 };

/* The Landlock ABI version the kernel offers, 0 when it has none. */
int mm_sandbox_landlock(void);

/* Runs argv (argv[0] a path, or a name looked up in PATH) in a confined
 * child with stdin, stdout and stderr on /dev/null and the environment
 * PATH=/usr/bin:/bin LC_ALL=C only: 0 with *status as from waitpid, or -1
 * with err (MM_ERR_SYSTEM: cannot start; MM_ERR_TRANSPORT with
 * MM_SANDBOX_TIMEOUT: killed after timeout_ms). */
int mm_sandbox_exec(const mm_sandbox *sb, char *const argv[], int *status, mm_error *err);

/* Runs fn(arg, fd) in a confined child of this process (a fork, no exec:
 * fn sees this process's memory as it was, reads no file at all, and
 * writes its answer to fd), then reads up to outlen bytes of the answer
 * into out: 0 with *got and *status (from waitpid) set, or -1 as
 * mm_sandbox_exec.  write_dir is ignored; read is NULL (nothing is
 * readable) or the only files and directories the child may read, not
 * execute (the fonts a PDF renderer needs). */
int mm_sandbox_call(const mm_sandbox *sb, void (*fn)(void *arg, int fd), void *arg, void *out, size_t outlen,
                    size_t *got, int *status, mm_error *err);

#endif
