/* SPDX-License-Identifier: EUPL-1.2 */
/* Whole reads and writes on file descriptors and files, with the loops
 * over short transfers and EINTR in one place. */
#ifndef MM_FILEIO_H
#define MM_FILEIO_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"

/* Appends everything readable from fd until end of file to b (which the
 * caller owns and frees, also on failure).  Returns 0, or -1 with errno:
 * EFBIG when the data would take b beyond max bytes, ENOMEM, or read's own
 * error.  A read interrupted by a signal is retried unless stop is non-NULL
 * and *stop is set (a SIGTERM handler's flag): then -1 with EINTR.  The fd
 * stays open. */
int mm_fileio_read_fd(int fd, mm_buf *b, size_t max, const volatile sig_atomic_t *stop);

/* Appends the whole file at path to b, like mm_fileio_read_fd (an empty
 * file leaves b non-NULL and empty).  -1 with errno when it cannot be
 * opened or read or is larger than max. */
int mm_fileio_read_file(const char *path, mm_buf *b, size_t max);

/* Writes all len bytes of data to fd, retrying short writes and EINTR.
 * Returns 0, or -1 with errno (EIO when write made no progress). */
int mm_fileio_write_fd(int fd, const void *data, size_t len);

#endif
