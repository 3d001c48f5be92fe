/* SPDX-License-Identifier: EUPL-1.2 */
/* The blocking FIFO between mmprintd's stages (server/queue.c): jobs come
 * out in the order they went in, a timed pop on an empty queue gives up,
 * and closing the queue (the server stopping) wakes every worker blocked
 * in it.  A closed queue hands out nothing more (queue.c: what is left
 * stays in the store and is resumed at the next start); srv_queue_drain_free
 * frees what is left, and a job pushed after the close is freed at once:
 * the ASan build checks that nothing leaks and nothing is freed twice.
 * No durations are asserted: the machine may be slow. */
/* pthread_timedjoin_np: _GNU_SOURCE comes from configure */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmprintd.h"

/* A job as the stages pass it on: malloc'd, owned by whoever holds it. */
static srv_job *job_new(const char *id)
{
    srv_job *j = calloc(1, sizeof *j);
    assert_non_null(j);
    snprintf(j->id, sizeof j->id, "%s", id);
    j->state = SRV_JSTATE_QUEUED;
    return j;
}

/* Joins t, failing the test if it has not ended within 10 s (a worker that
 * was never woken). */
static void join_or_fail(pthread_t t, void **ret)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    if (pthread_timedjoin_np(t, ret, &until) != 0)
        fail_msg("a thread blocked in srv_queue_pop was not woken");
}

static void fifo_order(void **state)
{
    (void)state;
    srv_queue q;
    srv_queue_init(&q);
    char id[16];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "job-%d", i);
        srv_queue_push(&q, job_new(id));
        assert_int_equal(srv_queue_len(&q), (size_t)i + 1);
    }
    for (int i = 0; i < 5; i++) {
        srv_job *j = srv_queue_pop(&q, 0);
        assert_non_null(j);
        snprintf(id, sizeof id, "job-%d", i);
        assert_string_equal(j->id, id);
        assert_int_equal(srv_queue_len(&q), (size_t)(4 - i));
        free(j);
    }
    assert_null(srv_queue_pop(&q, 0));
    /* Interleaved pushes and pops keep the order too (the tail is reset
     * when the queue runs empty). */
    srv_queue_push(&q, job_new("job-a"));
    srv_queue_push(&q, job_new("job-b"));
    srv_job *j = srv_queue_pop(&q, 0);
    assert_string_equal(j->id, "job-a");
    free(j);
    srv_queue_push(&q, job_new("job-c"));
    j = srv_queue_pop(&q, 0);
    assert_string_equal(j->id, "job-b");
    free(j);
    j = srv_queue_pop(&q, 0);
    assert_string_equal(j->id, "job-c");
    free(j);
    assert_int_equal(srv_queue_len(&q), 0);
    srv_queue_drain_free(&q);
}

static void timed_pop_on_empty_queue_gives_up(void **state)
{
    (void)state;
    srv_queue q;
    srv_queue_init(&q);
    assert_null(srv_queue_pop(&q, 0));
    assert_null(srv_queue_pop(&q, 30));
    assert_int_equal(srv_queue_len(&q), 0);
    srv_queue_drain_free(&q);
}

typedef struct {
    srv_queue *q;
    int started;
    pthread_mutex_t mu;
} popper;

static void *pop_forever(void *arg)
{
    popper *p = arg;
    pthread_mutex_lock(&p->mu);
    p->started = 1;
    pthread_mutex_unlock(&p->mu);
    return srv_queue_pop(p->q, -1);
}

/* Starts threads blocked (most likely: no duration is promised) in
 * srv_queue_pop(q, -1). */
static void start_poppers(popper *p, srv_queue *q, pthread_t *t, int n)
{
    p->q = q;
    p->started = 0;
    pthread_mutex_init(&p->mu, NULL);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_create(&t[i], NULL, pop_forever, p), 0);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int started = p->started;
        pthread_mutex_unlock(&p->mu);
        if (started)
            break;
        usleep(1000);
    }
    usleep(50000); /* let them reach the wait; the test holds either way */
}

static void push_wakes_a_blocked_pop(void **state)
{
    (void)state;
    srv_queue q;
    popper p;
    pthread_t t;
    srv_queue_init(&q);
    start_poppers(&p, &q, &t, 1);
    srv_queue_push(&q, job_new("job-1"));
    void *ret = NULL;
    join_or_fail(t, &ret);
    assert_non_null(ret);
    assert_string_equal(((srv_job *)ret)->id, "job-1");
    free(ret);
    pthread_mutex_destroy(&p.mu);
    srv_queue_drain_free(&q);
}

static void close_wakes_every_blocked_pop(void **state)
{
    (void)state;
    srv_queue q;
    popper p;
    pthread_t t[3];
    srv_queue_init(&q);
    start_poppers(&p, &q, t, 3);
    srv_queue_close(&q);
    for (int i = 0; i < 3; i++) {
        void *ret = (void *)1;
        join_or_fail(t[i], &ret);
        assert_null(ret);
    }
    /* And a pop after the close does not block. */
    assert_null(srv_queue_pop(&q, -1));
    pthread_mutex_destroy(&p.mu);
    srv_queue_drain_free(&q);
}

static void closed_queue_keeps_its_jobs_for_drain_free(void **state)
{
    (void)state;
    srv_queue q;
    srv_queue_init(&q);
    srv_queue_push(&q, job_new("job-1"));
    srv_queue_push(&q, job_new("job-2"));
    srv_queue_push(&q, job_new("job-3"));
    srv_queue_close(&q);
    /* A stopping worker takes nothing more: the jobs stay in the store. */
    assert_null(srv_queue_pop(&q, -1));
    assert_null(srv_queue_pop(&q, 0));
    assert_int_equal(srv_queue_len(&q), 3);
    /* A job handed on after the close is freed, not queued. */
    srv_queue_push(&q, job_new("job-late"));
    assert_int_equal(srv_queue_len(&q), 3);
    srv_queue_drain_free(&q); /* frees job-1..3: ASan reports a leak otherwise */
}

/* A batch's cover sheet and its paper letters go in as one run
 * (srv_queue_push_many): letters pushed one by one at the same time by
 * another thread never come out between them. */
enum { RUNS = 200, RUN_LEN = 6, SINGLES = 1500 };

static void *push_singles(void *arg)
{
    srv_queue *q = arg;
    char id[32];
    for (int i = 0; i < SINGLES; i++) {
        snprintf(id, sizeof id, "single-%d", i);
        srv_queue_push(q, job_new(id));
    }
    return NULL;
}

static void *push_runs(void *arg)
{
    srv_queue *q = arg;
    for (int r = 0; r < RUNS; r++) {
        srv_job *run[RUN_LEN];
        for (int k = 0; k < RUN_LEN; k++) {
            char id[32];
            snprintf(id, sizeof id, "run-%d-%d", r, k);
            run[k] = job_new(id);
        }
        srv_queue_push_many(q, run, RUN_LEN);
    }
    return NULL;
}

static void a_run_is_never_interleaved(void **state)
{
    (void)state;
    srv_queue q;
    srv_queue_init(&q);
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, push_singles, &q), 0);
    assert_int_equal(pthread_create(&b, NULL, push_runs, &q), 0);
    join_or_fail(a, NULL);
    join_or_fail(b, NULL);
    assert_int_equal(srv_queue_len(&q), (size_t)(SINGLES + RUNS * RUN_LEN));
    int runs = 0, singles = 0;
    srv_job *j;
    while ((j = srv_queue_pop(&q, 0))) {
        int r, k;
        if (sscanf(j->id, "run-%d-%d", &r, &k) == 2) {
            /* The start of a run: the rest follows it at once, in order. */
            assert_int_equal(k, 0);
            assert_int_equal(r, runs);
            free(j);
            for (int m = 1; m < RUN_LEN; m++) {
                char want[32];
                snprintf(want, sizeof want, "run-%d-%d", r, m);
                j = srv_queue_pop(&q, 0);
                assert_non_null(j);
                assert_string_equal(j->id, want);
                free(j);
            }
            runs++;
        } else {
            char want[32];
            snprintf(want, sizeof want, "single-%d", singles++);
            assert_string_equal(j->id, want);
            free(j);
        }
    }
    assert_int_equal(runs, RUNS);
    assert_int_equal(singles, SINGLES);
    srv_queue_drain_free(&q);
}

/* A run pushed after the close is freed whole (ASan: no leak). */
static void a_run_after_close_is_freed(void **state)
{
    (void)state;
    srv_queue q;
    srv_queue_init(&q);
    srv_queue_close(&q);
    srv_job *run[3] = {job_new("a"), job_new("b"), job_new("c")};
    srv_queue_push_many(&q, run, 3);
    assert_int_equal(srv_queue_len(&q), 0);
    srv_queue_drain_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fifo_order),
        cmocka_unit_test(timed_pop_on_empty_queue_gives_up),
        cmocka_unit_test(push_wakes_a_blocked_pop),
        cmocka_unit_test(close_wakes_every_blocked_pop),
        cmocka_unit_test(closed_queue_keeps_its_jobs_for_drain_free),
        cmocka_unit_test(a_run_is_never_interleaved),
        cmocka_unit_test(a_run_after_close_is_freed),
    };
    return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
