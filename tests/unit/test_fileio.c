/* SPDX-License-Identifier: EUPL-1.2 */
/* Whole reads and writes on descriptors and files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

static void write_then_read(void **state)
{
    (void)state;
    char path[] = "/tmp/mmfileioXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = 200000; /* several read chunks */
    char *data = malloc(len);
    assert_non_null(data);
    for (size_t i = 0; i < len; i++)
        data[i] = (char)('a' + i % 26);
    assert_int_equal(mm_fileio_write_fd(fd, data, len), 0);
    close(fd);

    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_fileio_read_file(path, &b, len), 0);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, data, len);
    mm_buf_free(&b);

    /* One byte over the limit. */
    errno = 0;
    assert_int_equal(mm_fileio_read_file(path, &b, len - 1), -1);
    assert_int_equal(errno, EFBIG);
    mm_buf_free(&b);

    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(mm_fileio_read_fd(fd, &b, len, NULL), 0);
    assert_int_equal(b.len, len);
    close(fd);
    mm_buf_free(&b);
    free(data);
    unlink(path);
}

static void empty_and_missing(void **state)
{
    (void)state;
    char path[] = "/tmp/mmfileioXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_fileio_read_file(path, &b, 10), 0);
    assert_non_null(b.data); /* usable as "" */
    assert_int_equal(b.len, 0);
    mm_buf_free(&b);
    unlink(path);
    errno = 0;
    assert_int_equal(mm_fileio_read_file(path, &b, 10), -1);
    assert_int_equal(errno, ENOENT);
    mm_buf_free(&b);
}

static void pipe_round_trip(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(mm_fileio_write_fd(p[1], "hello", 5), 0);
    close(p[1]);
    mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_fileio_read_fd(p[0], &b, 5, NULL), 0);
    assert_string_equal(b.data, "hello");
    close(p[0]);
    mm_buf_free(&b);
    errno = 0;
    assert_int_equal(mm_fileio_write_fd(-1, "x", 1), -1);
    assert_int_equal(errno, EBADF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_then_read),
        cmocka_unit_test(empty_and_missing),
        cmocka_unit_test(pipe_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
