/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl batch: a mass mailing (massutskick) sent straight to mmprintd, the
 * way a business system's night run reaches it without CUPS:
 *
 *   mmctl batch submit FILE.pdf [MANIFEST.csv|.json] [--split MODE] [--title T] [--wait]
 *   mmctl batch show ID
 *   mmctl batch list
 *
 * submit streams a batch bundle (lib/batchbundle.h) from the files, never
 * reading them whole, as the backend does; the server splits it into
 * letters (doc/api.md "Batches").  The client certificate file is the
 * backend's (-C, mm_client_conf_load). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "batchbundle.h"
#include "client.h"
#include "log.h"
#include "mmctl.h"
#include "mmctl_common.h"
#include "text.h"
#include "uuid.h"

/* The PDF a batch may carry: the server's own limit (batch_max_bytes)
 * decides; this only keeps a mistaken file from travelling at all. */
#define MAX_PDF_BYTES (64ULL * 1024 * 1024 * 1024)

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void usage(FILE *f)
{
    fputs("usage: mmctl batch [-s SERVER] [-C CLIENT_CONF] submit FILE.pdf [MANIFEST.csv|MANIFEST.json]\n"
          "                   [--split auto|manifest|outline|text|pages:N] [--title TITLE] [--wait]\n"
          "       mmctl batch [-s SERVER] [-C CLIENT_CONF] show BATCH_ID\n"
          "       mmctl batch [-s SERVER] [-C CLIENT_CONF] list\n"
          "  -s SERVER       mmprintd as host[:port] or mmprint://host[:port]/ (default $MMCTL_SERVER)\n"
          "  -C CLIENT_CONF  client certificate file: cert, key, ca (default $MMPRINT_BACKEND_CONF or\n"
          "                  " MMCTL_DEFAULT_CLIENT_CONF ")\n"
          "  --wait          follow the batch until every letter is decided (batch_wait in CLIENT_CONF)\n",
          f);
}

/* Opens path for reading: 0 with *fd and *size, or 1 (printed). */
static int open_file(const char *path, int *fd, unsigned long long *size)
{
    struct stat st;
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0 || fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        mmctl_err("batch", "cannot read %s: %s", path, *fd < 0 ? strerror(errno) : "not a regular file");
        return 1;
    }
    *size = (unsigned long long)st.st_size;
    return 0;
}

/* The PDF's first bytes say it is one; the offset is put back. */
static int is_pdf(int fd)
{
    char magic[5];
    ssize_t n = pread(fd, magic, sizeof magic, 0);
    return n == (ssize_t)sizeof magic && !memcmp(magic, "%PDF-", 5);
}

static void print_batch(const mm_client_batch *b)
{
    char line[1400];
    snprintf(line, sizeof line, "%s\t%s\t%s%s%s", b->id, b->state, b->message[0] ? b->message : "-",
             b->reason[0] ? "\t" : "", b->reason);
    mm_log_mask_text(line);
    printf("%s\n", line);
}

/* Follows the batch until it is decided, held or batch_wait runs out.
 * 0 decided, 1 held/cancelled or not decided in time (printed). */
static int wait_batch(const mm_client_conf *cc, const char *base, mm_client_batch *b)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char id[sizeof b->id];
    snprintf(id, sizeof id, "%s", b->id);
    for (;;) {
        mm_client_action a = mm_client_batch_classify(b);
        if (a == MM_CLIENT_HOLD || a == MM_CLIENT_CANCEL) {
            print_batch(b);
            return 1;
        }
        if (mm_client_batch_decided(b)) {
            print_batch(b);
            return 0;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long spent = (now.tv_sec - t0.tv_sec) * 1000LL + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (interrupted || spent >= cc->batch_wait_ms) {
            print_batch(b);
            mmctl_err("batch", "batch %s is not decided yet; see mmctl batch show %s", id, id);
            return 1;
        }
        struct timespec pause = {1, 0};
        nanosleep(&pause, NULL);
        mm_client_batch nb;
        mm_error err;
        mm_error_clear(&err);
        if (mm_client_batch_get(cc, base, id, &interrupted, &nb, &err) == 0 && nb.status == 200)
            *b = nb;
    }
}

/* One exit path: rc (0, 1 failed, 2 bad arguments) is set before each
 * jump to out, where the files and buffers are released. */
static int cmd_submit(const mmctl_api_opts *o, int argc, char **argv)
{
    int rc = 2, pdf_fd = -1, man_fd = -1, wait = 0;
    const char *pdf = NULL, *manifest = NULL, *split = NULL, *title = NULL;
    mm_buf header = MM_BUF_INIT;
    mm_batch_header h;
    mm_client_conf cc;
    mm_client_batch b;
    mm_error err;
    mm_error_clear(&err);
    char base[600];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--wait")) {
            wait = 1;
        } else if (!strcmp(argv[i], "--split") && i + 1 < argc) {
            split = argv[++i];
        } else if (!strcmp(argv[i], "--title") && i + 1 < argc) {
            title = argv[++i];
        } else if (argv[i][0] == '-') {
            usage(stderr);
            goto out;
        } else if (!pdf) {
            pdf = argv[i];
        } else if (!manifest) {
            manifest = argv[i];
        } else {
            usage(stderr);
            goto out;
        }
    }
    if (!pdf) {
        usage(stderr);
        goto out;
    }
    mm_batch_header_init(&h);
    if (split && !mm_batch_split_valid(split, NULL)) {
        mmctl_err("batch", "unknown --split '%s': auto, manifest, outline, text or pages:N (N 1..%d)", split,
                  MM_BATCH_MAX_PAGES_PER_LETTER);
        goto out;
    }
    if (split && !strcmp(split, "manifest") && !manifest) {
        mmctl_err("batch", "--split manifest needs a MANIFEST file");
        goto out;
    }
    rc = 1;
    unsigned long long pdf_size = 0, man_size = 0;
    if (open_file(pdf, &pdf_fd, &pdf_size))
        goto out;
    if (!is_pdf(pdf_fd) || pdf_size > MAX_PDF_BYTES) {
        mmctl_err("batch", "%s is not a PDF file", pdf);
        goto out;
    }
    if (manifest) {
        const char *dot = strrchr(manifest, '.');
        const char *type = dot && !strcasecmp(dot, ".csv") ? "csv" : dot && !strcasecmp(dot, ".json") ? "json" : NULL;
        if (!type) {
            mmctl_err("batch", "the manifest %s must be a .csv or .json file", manifest);
            rc = 2;
            goto out;
        }
        if (open_file(manifest, &man_fd, &man_size))
            goto out;
        if (man_size == 0 || man_size > MM_BATCH_MAX_MANIFEST) {
            mmctl_err("batch", "the manifest %s is empty or larger than %u bytes", manifest, MM_BATCH_MAX_MANIFEST);
            goto out;
        }
        mm_text_copy(h.manifest_type, sizeof h.manifest_type, type);
        h.manifest_length = (size_t)man_size;
    }
    mm_text_copy(h.split, sizeof h.split, split ? split : "auto");
    struct passwd *pw = getpwuid(getuid());
    mm_text_copy(h.user, sizeof h.user, pw ? pw->pw_name : "");
    if (gethostname(h.host, sizeof h.host) != 0)
        h.host[0] = '\0';
    h.host[sizeof h.host - 1] = '\0';
    const char *slash = strrchr(pdf, '/');
    mm_text_copy(h.title, sizeof h.title, title ? title : slash ? slash + 1 : pdf);
    h.document_length = (size_t)pdf_size;
    if (mm_batch_header_write(&h, &header, &err) != 0) {
        mmctl_err("batch", "%s", err.msg);
        goto out;
    }
    if (mmctl_api_client("batch", o, base, sizeof base, &cc))
        goto out;

    /* A fresh key: a retry of this command is a new batch, but curl's own
     * retries of one request are not. */
    char key[MM_UUID_LEN + 1];
    if (mm_uuid_new(key) != 0) {
        mmctl_err("batch", "cannot make an idempotency key");
        goto out;
    }
    mm_client_part parts[] = {
        {(const unsigned char *)header.data, -1, header.len},
        {NULL, man_fd, man_size},
        {NULL, pdf_fd, pdf_size},
    };
    if (mm_client_submit_batch(&cc, base, parts, 3, key, &interrupted, &b, &err) != 0) {
        mmctl_err("batch", "%s", err.msg);
        goto out;
    }
    mm_client_action a = mm_client_batch_classify(&b);
    if (a != MM_CLIENT_DONE && a != MM_CLIENT_HOLD) {
        char line[800];
        snprintf(line, sizeof line, "HTTP %ld: %s", b.status, b.message[0] ? b.message : b.error);
        mm_log_mask_text(line);
        mmctl_err("batch", "%s", line);
        goto out;
    }
    rc = wait ? wait_batch(&cc, base, &b) : (print_batch(&b), a == MM_CLIENT_HOLD);

out:
    if (pdf_fd >= 0)
        close(pdf_fd);
    if (man_fd >= 0)
        close(man_fd);
    mm_buf_free(&header);
    return rc;
}

/* One item of a batch report as a tab-separated line. */
static void print_item(json_t *it)
{
    char line[1400];
    snprintf(line, sizeof line, "%lld\t%lld-%lld\t%s\t%s\t%s\t%s\t%s",
             (long long)json_integer_value(json_object_get(it, "seq")),
             (long long)json_integer_value(json_object_get(it, "first_page")),
             (long long)json_integer_value(json_object_get(it, "last_page")), mmctl_json_str(it, "job_id"),
             mmctl_json_str(it, "state"), mmctl_json_str(it, "channel"), mmctl_json_str(it, "recipient_masked"),
             mmctl_json_str(it, "message"));
    mm_log_mask_text(line);
    printf("%s\n", line);
}

static int cmd_show(const mmctl_api_opts *o, const char *id)
{
    int rc = 1;
    mm_buf resp = MM_BUF_INIT;
    json_t *j = NULL;
    char path[300], line[1400];
    if (!mm_client_key_valid(id)) {
        mmctl_err("batch", "'%s' is not a batch id (see mmctl batch list)", id);
        rc = 2;
        goto out;
    }
    snprintf(path, sizeof path, "/api/v1/batches/%s", id);
    if (mmctl_api_call_ok("batch", o, "GET", path, NULL, &resp))
        goto out;
    j = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    if (!json_is_object(j)) {
        mmctl_err("batch", "unexpected answer from the server");
        goto out;
    }
    snprintf(line, sizeof line, "%s\t%s\t%s", mmctl_json_str(j, "id"), mmctl_json_str(j, "state"),
             mmctl_json_str(j, "message"));
    mm_log_mask_text(line);
    printf("%s\n", line);
    const char *reason = json_string_value(json_object_get(j, "reason"));
    if (reason && *reason) {
        snprintf(line, sizeof line, "%s", reason);
        mm_log_mask_text(line);
        printf("%s\n", line);
    }
    json_t *items = json_object_get(j, "items");
    if (json_is_array(items) && json_array_size(items) > 0) {
        printf("SEQ\tPAGES\tJOB\tSTATE\tCHANNEL\tRECIPIENT\tMESSAGE\n");
        size_t n;
        json_t *it;
        json_array_foreach(items, n, it) print_item(it);
    }
    rc = 0;

out:
    json_decref(j);
    mm_buf_free(&resp);
    return rc;
}

static int cmd_list(const mmctl_api_opts *o)
{
    int rc = 1;
    mm_buf resp = MM_BUF_INIT;
    json_t *j = NULL;
    if (mmctl_api_call_ok("batch", o, "GET", "/api/v1/batches", NULL, &resp))
        goto out;
    j = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    json_t *list = json_is_array(j) ? j : json_object_get(j, "batches");
    if (!json_is_array(list)) {
        mmctl_err("batch", "unexpected answer from the server");
        goto out;
    }
    printf("BATCH\tSTATE\tLETTERS\tTITLE\tSUMMARY\n");
    size_t n;
    json_t *b;
    json_array_foreach(list, n, b) {
        char line[1400];
        snprintf(line, sizeof line, "%s\t%s\t%lld\t%s\t%s", mmctl_json_str(b, "id"), mmctl_json_str(b, "state"),
                 (long long)json_integer_value(json_object_get(b, "letters")), mmctl_json_str(b, "title"),
                 mmctl_json_str(b, "message"));
        mm_log_mask_text(line);
        printf("%s\n", line);
    }
    rc = 0;

out:
    json_decref(j);
    mm_buf_free(&resp);
    return rc;
}

int mmctl_cmd_batch(int argc, char **argv)
{
    mmctl_api_opts o;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int i = mmctl_api_parse_opts(argc, argv, &o);
    if (i == -2) {
        usage(stdout);
        return 0;
    }
    if (i < 0 || i >= argc) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[i];
    if (!strcmp(sub, "submit"))
        return cmd_submit(&o, argc - i, argv + i);
    if (!strcmp(sub, "show") && argc - i == 2)
        return cmd_show(&o, argv[i + 1]);
    if (!strcmp(sub, "list") && argc - i == 1)
        return cmd_list(&o);
    usage(stderr);
    return 2;
}
