/* SPDX-License-Identifier: EUPL-1.2 */
/* The batch splitter on one PDF, as the server's confined child runs it:
 * plan (page text with positions, address areas) and the letters' files.
 * Prints letters, found, doubt, seconds and the peak resident size; the
 * comparison against qpdf and pdftotext is tools/bench/split's.
 * Usage: bench_split PDF OUT_DIR [MODE]   (MODE a split word, default text) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "batch.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_split PDF OUT_DIR [MODE]\n");
        return 2;
    }
    mm_error err;
    mm_error_clear(&err);
    mm_batch_request req;
    memset(&req, 0, sizeof req);
    if (mm_batch_split_parse(argc > 3 ? argv[3] : "text", &req.mode, &req.pages_n, &err) < 0) {
        fprintf(stderr, "bench_split: %s\n", err.msg);
        return 2;
    }
    static const char *const own[] = {"162120000142"};
    req.own = own;
    req.n_own = 1;
    mm_batch_plan plan;
    double t0 = now();
    if (mm_batch_plan_make(argv[1], &req, &plan, &err) < 0) {
        fprintf(stderr, "bench_split: %s\n", err.msg);
        return 1;
    }
    double t1 = now();
    size_t found = 0;
    for (size_t i = 0; i < plan.n_letters; i++)
        found += plan.letters[i].found != 0;
    int rc = plan.doubt ? 0 : mm_batch_split_write(argv[1], &plan, argv[2], &err);
    double t2 = now();
    if (rc < 0)
        fprintf(stderr, "bench_split: %s\n", err.msg);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("pages %zu letters %zu found %zu doubt %s plan_s %.2f write_s %.2f maxrss_kb %ld\n", plan.pages,
           plan.n_letters, found, mm_batch_doubt_name(plan.doubt), t1 - t0, t2 - t1, ru.ru_maxrss);
    mm_batch_plan_free(&plan);
    return rc < 0;
}
