/* SPDX-License-Identifier: EUPL-1.2 */
/* Load generator for mmprintd: submits N job bundles (built with
 * mm_bundle_write around one PDF) through POST /api/v1/jobs over HTTPS with
 * a client certificate, from C concurrent clients (one thread and one
 * kept-alive curl handle each), with a unique Idempotency-Key per job.
 * Writes one line per job (index, HTTP status, state, id, seconds from
 * submission to answer) to --out and prints a summary.  --user names the
 * CUPS user the letters carry (default "bench"): tools/bench/web fills one
 * handläggare's "Mina brev" this way.
 * Usage: load_jobs --url URL --cert C --key K --ca CA --pdf FILE
 *                  --recipients FILE [-n N] [-c CLIENTS] [--out FILE] [--user NAME] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>

#include "buf.h"
#include "bundle.h"
#include "fileio.h"

typedef struct {
    long status;
    char state[24];
    char id[40];
    double seconds;
} result;

typedef struct {
    const char *url, *cert, *key, *ca, *user;
    mm_buf pdf;
    char **recipients;
    size_t nrecipients;
    int n;
    atomic_int next;
    result *results;
    char run_id[32];
} shared;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    return mm_buf_append(arg, p, size * n) ? 0 : size * n;
}

static void *client(void *arg)
{
    shared *sh = arg;
    CURL *c = curl_easy_init();
    mm_buf body = MM_BUF_INIT, resp = MM_BUF_INIT;
    curl_easy_setopt(c, CURLOPT_URL, sh->url);
    curl_easy_setopt(c, CURLOPT_SSLCERT, sh->cert);
    curl_easy_setopt(c, CURLOPT_SSLKEY, sh->key);
    curl_easy_setopt(c, CURLOPT_CAINFO, sh->ca);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    for (;;) {
        int i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->n)
            break;
        mm_bundle b;
        mm_bundle_init(&b);
        snprintf(b.recipient, sizeof b.recipient, "%s", sh->recipients[(size_t)i % sh->nrecipients]);
        snprintf(b.recipient_source, sizeof b.recipient_source, "option");
        snprintf(b.title, sizeof b.title, "Beslut %d", i);
        snprintf(b.subject, sizeof b.subject, "Beslut om bygglov");
        snprintf(b.user, sizeof b.user, "%s", sh->user);
        snprintf(b.host, sizeof b.host, "loadgen");
        snprintf(b.cups_job_id, sizeof b.cups_job_id, "%d", i);
        b.pages = 1;
        snprintf(b.document_type, sizeof b.document_type, "application/pdf");
        b.document = (const unsigned char *)sh->pdf.data;
        b.document_len = sh->pdf.len;
        mm_buf_reset(&body);
        mm_buf_reset(&resp);
        mm_error err;
        if (mm_bundle_write(&b, &body, &err)) {
            fprintf(stderr, "load_jobs: bundle: %s\n", err.msg);
            sh->results[i].status = -1;
            continue;
        }
        /* The user is in the key: two runs in the same second for two users
         * must not replay each other's jobs. */
        char key[160];
        snprintf(key, sizeof key, "Idempotency-Key: bench-%s-%.64s-%d", sh->run_id, sh->user, i);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/vnd.mmprint-job");
        h = curl_slist_append(h, key);
        h = curl_slist_append(h, "Expect:");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
        double t0 = now();
        CURLcode rc = curl_easy_perform(c);
        sh->results[i].seconds = now() - t0;
        curl_slist_free_all(h);
        if (rc != CURLE_OK) {
            sh->results[i].status = 0;
            snprintf(sh->results[i].state, sizeof sh->results[i].state, "curl-error");
            continue;
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &sh->results[i].status);
        json_t *o = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
        const char *st = json_string_value(json_object_get(o, "state"));
        const char *id = json_string_value(json_object_get(o, "id"));
        snprintf(sh->results[i].state, sizeof sh->results[i].state, "%s", st ? st : "?");
        snprintf(sh->results[i].id, sizeof sh->results[i].id, "%s", id ? id : "");
        json_decref(o);
    }
    mm_buf_free(&body);
    mm_buf_free(&resp);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    shared sh;
    memset(&sh, 0, sizeof sh);
    const char *pdf = NULL, *rfile = NULL, *out = NULL;
    int clients = 16;
    sh.n = 2000;
    sh.user = "bench";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "load_jobs: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--url")) sh.url = v;
        else if (!strcmp(a, "--cert")) sh.cert = v;
        else if (!strcmp(a, "--key")) sh.key = v;
        else if (!strcmp(a, "--ca")) sh.ca = v;
        else if (!strcmp(a, "--pdf")) pdf = v;
        else if (!strcmp(a, "--recipients")) rfile = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "-n")) sh.n = atoi(v);
        else if (!strcmp(a, "-c")) clients = atoi(v);
        else if (!strcmp(a, "--user")) sh.user = v;
        else {
            fprintf(stderr, "usage: load_jobs --url URL --cert C --key K --ca CA --pdf FILE --recipients FILE "
                            "[-n N] [-c CLIENTS] [--out FILE] [--user NAME]\n");
            return 2;
        }
        i++;
    }
    if (!sh.url || !sh.cert || !sh.key || !sh.ca || !pdf || !rfile || sh.n <= 0 || clients <= 0 || clients > 512) {
        fprintf(stderr, "load_jobs: --url, --cert, --key, --ca, --pdf and --recipients are required\n");
        return 2;
    }
    if (mm_fileio_read_file(pdf, &sh.pdf, 32u << 20)) {
        perror(pdf);
        return 1;
    }
    FILE *f = fopen(rfile, "r");
    if (!f) {
        perror(rfile);
        return 1;
    }
    char line[64];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        if (sh.nrecipients == cap) {
            cap = cap ? cap * 2 : 256;
            char **r = realloc(sh.recipients, cap * sizeof *r);
            if (!r)
                return 1;
            sh.recipients = r;
        }
        sh.recipients[sh.nrecipients++] = strdup(line);
    }
    fclose(f);
    if (!sh.nrecipients) {
        fprintf(stderr, "load_jobs: no recipients in %s\n", rfile);
        return 1;
    }
    snprintf(sh.run_id, sizeof sh.run_id, "%ld", (long)time(NULL));
    sh.results = calloc((size_t)sh.n, sizeof *sh.results);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_t *t = calloc((size_t)clients, sizeof *t);
    double t0 = now();
    for (int i = 0; i < clients; i++)
        pthread_create(&t[i], NULL, client, &sh);
    for (int i = 0; i < clients; i++)
        pthread_join(t[i], NULL);
    double wall = now() - t0;
    int ok = 0, delivered = 0;
    double *lat = calloc((size_t)sh.n, sizeof *lat);
    size_t nl = 0;
    FILE *o = out ? fopen(out, "w") : NULL;
    for (int i = 0; i < sh.n; i++) {
        result *r = &sh.results[i];
        if (r->status == 201 || r->status == 200)
            ok++;
        if (!strcmp(r->state, "delivered")) {
            delivered++;
            lat[nl++] = r->seconds;
        }
        if (o)
            fprintf(o, "%d\t%ld\t%s\t%s\t%.4f\n", i, r->status, r->state, r->id, r->seconds);
    }
    if (o)
        fclose(o);
    qsort(lat, nl, sizeof *lat, cmp_double);
    printf("submitted %d jobs from %d clients in %.2f s: %d accepted, %d delivered within the synchronous answer\n",
           sh.n, clients, wall, ok, delivered);
    if (nl)
        printf("client-side submit->answer for delivered jobs: p50 %.3f s, p99 %.3f s\n", lat[nl / 2],
               lat[(size_t)((double)nl * 0.99) < nl ? (size_t)((double)nl * 0.99) : nl - 1]);
    free(lat);
    free(t);
    free(sh.results);
    for (size_t i = 0; i < sh.nrecipients; i++)
        free(sh.recipients[i]);
    free(sh.recipients);
    mm_buf_free(&sh.pdf);
    curl_global_cleanup();
    return ok == sh.n ? 0 : 1;
}
