/* SPDX-License-Identifier: EUPL-1.2 */
/* The confined child qpdf runs in (lib/sandbox): it reads its input in the
 * spool and writes there, but cannot read the organisation key next door;
 * its limits apply; it inherits no descriptor and no environment; a
 * forked check can open no file at all; a child that hangs is killed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

static char top[64], keydir[128], key[160], spool[128], input[160];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(top, sizeof top, "/tmp/mmsandbox.XXXXXX");
    if (!mkdtemp(top))
        return -1;
    snprintf(keydir, sizeof keydir, "%s/keys", top);
    snprintf(key, sizeof key, "%s/org.key", keydir);
    snprintf(spool, sizeof spool, "%s/spool", top);
    snprintf(input, sizeof input, "%s/letter.pdf", spool);
    mkdir(keydir, 0700);
    mkdir(spool, 0700);
    put(key, "-----BEGIN PRIVATE KEY-----\nsecret\n");
    put(input, "%PDF-1.4 the letter\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
    return system(cmd) == 0 ? 0 : -1;
}

static const mm_sandbox limits = {
    .write_dir = spool, .cpu_s = 7, .mem_bytes = 512LL << 20, .file_bytes = 100000, .nofile = 32, .timeout_ms = 10000,
};

/* Runs argv confined; returns its exit status (128 + signal when killed). */
static int run(const mm_sandbox *sb, char *const argv[])
{
    int status = -1;
    mm_error err;
    if (mm_sandbox_exec(sb, argv, &status, &err))
        fail_msg("mm_sandbox_exec: %s", err.msg);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static void reads_its_input_but_not_the_key(void **state)
{
    (void)state;
    if (!mm_sandbox_landlock())
        skip();
    char copy[200], stolen[200];
    snprintf(copy, sizeof copy, "%s/copy.pdf", spool);
    snprintf(stolen, sizeof stolen, "%s/stolen", spool);
    char *cp_input[] = {"cp", input, copy, NULL};
    assert_int_equal(run(&limits, cp_input), 0);
    struct stat sb;
    assert_int_equal(stat(copy, &sb), 0);
    assert_int_equal(sb.st_size, 20);
    char *cat_key[] = {"cat", key, NULL};
    assert_int_not_equal(run(&limits, cat_key), 0);
    char *cp_key[] = {"cp", key, stolen, NULL};
    assert_int_not_equal(run(&limits, cp_key), 0);
    assert_int_equal(stat(stolen, &sb), -1);
    /* Nor anything else outside the spool and the system's programs. */
    char *cat_passwd[] = {"cat", "/etc/passwd", NULL};
    assert_int_not_equal(run(&limits, cat_passwd), 0);
    /* The key is readable for this process: the sandbox made the difference. */
    assert_int_equal(access(key, R_OK), 0);
}

static void its_limits_apply(void **state)
{
    (void)state;
    char *sh_limits[] = {"sh", "-c",
                         "test \"$(ulimit -n)\" = 32 && test \"$(ulimit -t)\" = 7 && test \"$(ulimit -v)\" = 524288 && "
                         "test \"$(ulimit -c)\" = 0",
                         NULL};
    assert_int_equal(run(&limits, sh_limits), 0);
    /* A file beyond file_bytes is cut off (SIGXFSZ). */
    char big[200], cmd[300];
    snprintf(big, sizeof big, "%s/big", spool);
    snprintf(cmd, sizeof cmd, "head -c 300000 /dev/zero > %s", big);
    char *sh_big[] = {"sh", "-c", cmd, NULL};
    assert_int_not_equal(run(&limits, sh_big), 0);
    struct stat sb;
    assert_int_equal(stat(big, &sb), 0);
    assert_true(sb.st_size <= 100000);
}

static void inherits_no_descriptor_and_no_environment(void **state)
{
    (void)state;
    int fd = open("/dev/null", O_WRONLY); /* without O_CLOEXEC */
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, 7), 7);
    setenv("MM_SECRET", "organisation key passphrase", 1);
    char *sh_fd[] = {"sh", "-c", "echo x >&7", NULL};
    assert_int_not_equal(run(&limits, sh_fd), 0);
    char *sh_env[] = {"sh", "-c", "test -z \"$MM_SECRET\" && test \"$PATH\" = /usr/bin:/bin", NULL};
    assert_int_equal(run(&limits, sh_env), 0);
    close(7);
    close(fd);
    unsetenv("MM_SECRET");
}

/* In the child: opens the path it is given. */
static void try_open(const unsigned char *in, size_t len, int fd)
{
    char path[4096];
    snprintf(path, sizeof path, "%.*s", (int)len, (const char *)in);
    int r = open(path, O_RDONLY);
    int answer = r >= 0 ? 0 : errno;
    if (write(fd, &answer, sizeof answer) < 0)
        _exit(1);
}

/* In the child: creates the path it is given. */
static void try_create(const unsigned char *in, size_t len, int fd)
{
    char path[4096];
    snprintf(path, sizeof path, "%.*s", (int)len, (const char *)in);
    int r = open(path, O_WRONLY | O_CREAT, 0600);
    int answer = r >= 0 ? 0 : errno;
    if (write(fd, &answer, sizeof answer) < 0)
        _exit(1);
}

static void a_sandboxed_check_opens_no_file(void **state)
{
    (void)state;
    if (!mm_sandbox_landlock())
        skip();
    mm_sandbox sb = {.cpu_s = 5, .nofile = 16, .timeout_ms = 10000};
    const char *paths[] = {key, input, "/etc/hostname"};
    for (int i = 0; i < 3; i++) {
        int answer = -1, status = -1;
        size_t got = 0;
        mm_error err;
        assert_int_equal(mm_sandbox_call(&sb, "try-open", paths[i], strlen(paths[i]), &answer, sizeof answer, &got, &status, &err),
                         0);
        assert_int_equal(got, sizeof answer);
        assert_int_equal(answer, EACCES);
    }
}

/* A lock another thread of the caller holds, as a threaded server's
 * malloc or library lock may be held at any moment. */
static pthread_mutex_t busy_lock = PTHREAD_MUTEX_INITIALIZER;

static void take_busy_lock(const unsigned char *in, size_t len, int fd)
{
    (void)in;
    (void)len;
    pthread_mutex_lock(&busy_lock);
    int answer = 42;
    if (write(fd, &answer, sizeof answer) < 0)
        _exit(1);
}

static void *hold_busy_lock(void *arg)
{
    pthread_mutex_lock(&busy_lock);
    sem_post(arg);
    pause();
    return NULL;
}

/* A bare fork would copy the held lock and hang in the child until the
 * time limit: the child must start afresh. */
static void a_lock_held_by_another_thread_does_not_hang_the_child(void **state)
{
    (void)state;
    sem_t held;
    sem_init(&held, 0, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_busy_lock, &held), 0);
    sem_wait(&held);
    mm_sandbox sb = {.cpu_s = 5, .nofile = 16, .timeout_ms = 10000};
    int answer = 0, status = -1;
    size_t got = 0;
    mm_error err;
    assert_int_equal(mm_sandbox_call(&sb, "take-busy-lock", "", 0, &answer, sizeof answer, &got, &status, &err), 0);
    assert_int_equal(got, sizeof answer);
    assert_int_equal(answer, 42);
    pthread_cancel(t);
    pthread_join(t, NULL);
    sem_destroy(&held);
}

/* A renderer's child may read what it is given (the fonts), and only that,
 * and only to read. */
static void a_sandboxed_child_reads_only_what_it_is_given(void **state)
{
    (void)state;
    if (!mm_sandbox_landlock())
        skip();
    const char *const readable[] = {spool, NULL};
    mm_sandbox sb = {.read = readable, .cpu_s = 5, .nofile = 16, .timeout_ms = 10000};
    const char *paths[] = {input, key, "/etc/hostname"};
    for (int i = 0; i < 3; i++) {
        int answer = -1, status = -1;
        size_t got = 0;
        mm_error err;
        assert_int_equal(mm_sandbox_call(&sb, "try-open", paths[i], strlen(paths[i]), &answer, sizeof answer, &got, &status, &err),
                         0);
        assert_int_equal(got, sizeof answer);
        assert_int_equal(answer, i == 0 ? 0 : EACCES);
    }
    char out[200];
    snprintf(out, sizeof out, "%s/written", spool);
    int answer = -1, status = -1;
    size_t got = 0;
    mm_error err;
    assert_int_equal(mm_sandbox_call(&sb, "try-create", out, strlen(out), &answer, sizeof answer, &got, &status, &err), 0);
    assert_int_equal(answer, EACCES);
}

/* A batch split's child: reads its input, writes in write_dir and only
 * there (issue 13). */
static void a_sandboxed_child_writes_only_in_write_dir(void **state)
{
    (void)state;
    if (!mm_sandbox_landlock())
        skip();
    char outdir[200], inside[240], outside[240];
    snprintf(outdir, sizeof outdir, "%s/letters", spool);
    mkdir(outdir, 0700);
    snprintf(inside, sizeof inside, "%s/000001.pdf", outdir);
    snprintf(outside, sizeof outside, "%s/outside", spool);
    const char *const readable[] = {input, NULL};
    mm_sandbox sb = {.read = readable, .write_dir = outdir, .cpu_s = 5, .nofile = 16, .timeout_ms = 10000};
    const char *paths[] = {inside, outside};
    for (int i = 0; i < 2; i++) {
        int answer = -1, status = -1;
        size_t got = 0;
        mm_error err;
        assert_int_equal(mm_sandbox_call(&sb, "try-create", paths[i], strlen(paths[i]), &answer, sizeof answer, &got,
                                         &status, &err), 0);
        assert_int_equal(got, sizeof answer);
        assert_int_equal(answer, i == 0 ? 0 : EACCES);
    }
    struct stat st;
    assert_int_equal(stat(inside, &st), 0);
    assert_int_not_equal(stat(outside, &st), 0);
    const char *reads[] = {input, key};
    for (int i = 0; i < 2; i++) {
        int answer = -1, status = -1;
        size_t got = 0;
        mm_error err;
        assert_int_equal(mm_sandbox_call(&sb, "try-open", reads[i], strlen(reads[i]), &answer, sizeof answer, &got,
                                         &status, &err), 0);
        assert_int_equal(answer, i == 0 ? 0 : EACCES);
    }
    unlink(inside);
    rmdir(outdir);
}

static void a_hanging_child_is_killed(void **state)
{
    (void)state;
    mm_sandbox sb = limits;
    sb.timeout_ms = 300;
    char *sleeper[] = {"sleep", "30", NULL};
    int status = 0;
    mm_error err;
    assert_int_equal(mm_sandbox_exec(&sb, sleeper, &status, &err), -1);
    assert_int_equal(err.cls, MM_ERR_TRANSPORT);
    assert_int_equal(err.code, MM_SANDBOX_TIMEOUT);
}

/* In the child: works longer than any test waits. */
static void work_long(const unsigned char *in, size_t len, int fd)
{
    (void)in;
    (void)len;
    (void)fd;
    sleep(60);
}

static void *stop_soon(void *arg)
{
    int *fd = arg;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    if (write(*fd, "x", 1) != 1)
        return NULL;
    return NULL;
}

/* A daemon that stops does not wait for its child's work (a batch's split
 * of up to 45 minutes): once stop_fd is readable the child is killed. */
static void a_child_is_killed_when_the_caller_stops(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    mm_sandbox sb = {.cpu_s = 120, .nofile = 16, .timeout_ms = 120000, .stop_fd = p[0]};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stop_soon, &p[1]), 0);
    char answer[16];
    int status = 0;
    size_t got = 0;
    mm_error err;
    assert_int_equal(mm_sandbox_call(&sb, "work-long", "", 0, answer, sizeof answer, &got, &status, &err), -1);
    assert_int_equal(err.cls, MM_ERR_SYSTEM);
    assert_int_equal(err.code, MM_SANDBOX_STOPPED);
    /* waited for: killed, not left behind */
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

int main(int argc, char **argv)
{
    static const mm_sandbox_entry sandboxed[] = {
        {"try-open", try_open}, {"try-create", try_create}, {"take-busy-lock", take_busy_lock},
        {"work-long", work_long}, {NULL, NULL}};
    mm_sandbox_child_main(argc, argv, sandboxed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_its_input_but_not_the_key),
        cmocka_unit_test(its_limits_apply),
        cmocka_unit_test(inherits_no_descriptor_and_no_environment),
        cmocka_unit_test(a_sandboxed_check_opens_no_file),
        cmocka_unit_test(a_lock_held_by_another_thread_does_not_hang_the_child),
        cmocka_unit_test(a_sandboxed_child_reads_only_what_it_is_given),
        cmocka_unit_test(a_sandboxed_child_writes_only_in_write_dir),
        cmocka_unit_test(a_hanging_child_is_killed),
        cmocka_unit_test(a_child_is_killed_when_the_caller_stops),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
