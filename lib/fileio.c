/* SPDX-License-Identifier: EUPL-1.2 */
/* Whole reads and writes: the loops over short transfers and EINTR. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int mm_fileio_read_fd(int fd, mm_buf *b, size_t max, const volatile sig_atomic_t *stop)
{
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR && !(stop && *stop))
                continue;
            return -1;
        }
        if (b->len > max || (size_t)n > max - b->len) {
            errno = EFBIG;
            return -1;
        }
        if (mm_buf_append(b, chunk, (size_t)n) < 0) {
            errno = ENOMEM;
            return -1;
        }
    }
    /* Callers use the data as a string even when the file is empty. */
    if (!b->data && mm_buf_append(b, "", 0) < 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int mm_fileio_read_file(const char *path, mm_buf *b, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = mm_fileio_read_fd(fd, b, max, NULL);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int mm_fileio_write_fd(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}
