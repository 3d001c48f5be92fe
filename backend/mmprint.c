/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprint: the CUPS backend of the "Mina meddelanden" queue.  Thin on
 * purpose: it reads the job bundle written by the pdftomm filter, posts it
 * to mmprintd (HTTPS, client certificate, the CUPS job-uuid as idempotency
 * key) and turns the answer into what CUPS understands: a Swedish INFO: or
 * ERROR: line and a backend exit code.  Never CUPS_BACKEND_FAILED, so a
 * server problem can never stop the queue for everybody. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cups/backend.h>
#include <cups/cups.h>

#include "batchbundle.h"
#include "buf.h"
#include "bundle.h"
#include "client.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "text.h"

#define DEFAULT_CONF "/etc/mmprint/backend.conf"
/* The batch bundle's first line (lib/batchbundle.h); its header is at most
 * MM_BATCH_MAX_HEADER bytes, so that much read tells which kind we have. */
#define BATCH_MAGIC MM_BATCH_MAGIC "\n"
#define PEEK_MAX (MM_BATCH_MAX_HEADER + 1u)

static volatile sig_atomic_t terminated;

static void on_sigterm(int sig)
{
    (void)sig;
    terminated = 1;
}

/* One line to cupsd; text from elsewhere (the server's answer, a bundle's
 * fields, error details) is kept on one line without control characters
 * and masked. */
static void say(const char *prefix, const char *text)
{
    char line[1024];
    snprintf(line, sizeof line, "%s", text);
    mm_client_one_line(line);
    mm_log_mask_text(line);
    fprintf(stderr, "%s: %s\n", prefix, line);
}

/* SIGTERM (cupsd cancelling or stopping the job) only sets the flag; the
 * read and the transfer look at it and give up. */
static void catch_sigterm(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Opens the print file (path, or stdin when NULL) as *fd and reads its
 * first bytes (up to PEEK_MAX) into head.  0, or -1 with the line for
 * cupsd said and *status set. */
static int open_input(const char *path, int *fd, mm_buf *head, int *status)
{
    *fd = 0;
    if (path && (*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "DEBUG: cannot open print file: %s\n", strerror(errno));
        say("ERROR", "Utskriftsfilen kunde inte läsas");
        *status = CUPS_BACKEND_CANCEL;
        return -1;
    }
    char chunk[8192];
    while (head->len < PEEK_MAX && !terminated) {
        size_t want = PEEK_MAX - head->len < sizeof chunk ? PEEK_MAX - head->len : sizeof chunk;
        ssize_t n = read(*fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "DEBUG: cannot read print file: %s\n", strerror(errno));
            say("ERROR", "Utskriften kunde inte läsas");
            *status = CUPS_BACKEND_CANCEL;
            return -1;
        }
        if (n == 0)
            break;
        if (mm_buf_append(head, chunk, (size_t)n) < 0) {
            say("ERROR", "Utskriften kunde inte läsas");
            *status = CUPS_BACKEND_CANCEL;
            return -1;
        }
    }
    if (terminated) {
        *status = CUPS_BACKEND_RETRY;
        return -1;
    }
    return 0;
}

/* Reads the rest of the job bundle from fd after what open_input read into
 * bundle.  0: bundle holds a job to send.  -1: nothing to send; the line
 * for cupsd is said and *status is the backend's exit status.  bundle is
 * the caller's to free in both cases. */
static int read_bundle(int fd, mm_buf *bundle, int *status)
{
    int rrc = bundle->len > MM_CLIENT_MAX_BUNDLE ? (errno = EFBIG, -1)
                                                  : mm_fileio_read_fd(fd, bundle, MM_CLIENT_MAX_BUNDLE, &terminated);
    int too_big = rrc != 0 && errno == EFBIG;
    if (terminated) {
        *status = CUPS_BACKEND_RETRY;
        return -1;
    }
    if (rrc != 0) {
        say("ERROR", too_big ? "Dokumentet är för stort för Mina meddelanden (högst 32 MiB)"
                             : "Utskriften kunde inte läsas");
        *status = CUPS_BACKEND_CANCEL;
        return -1;
    }
    if (bundle->len == 0) {
        /* Only a failed filter leaves us nothing (lp refuses empty files).
         * Exiting OK lets cupsd judge by the filter's status: the job stops
         * ("filter failed"), keeps its document and the filter's ERROR:
         * line, instead of being cancelled here. */
        fputs("DEBUG: empty input: the filter failed; nothing sent\n", stderr);
        *status = CUPS_BACKEND_OK;
        return -1;
    }
    return 0;
}

/* The host the job came from: what cupsd recorded for the connection
 * (job-originating-host-name), or this machine's name when the job was
 * printed here (cupsd says localhost) or cupsd said nothing. */
static void origin_host(int nopts, cups_option_t *opts, char *host, size_t size)
{
    const char *h = cupsGetOption("job-originating-host-name", nopts, opts);
    if (h && *h && strcmp(h, "localhost") && strcmp(h, "127.0.0.1") && strcmp(h, "::1") && strcmp(h, "[::1]")) {
        snprintf(host, size, "%s", h);
        return;
    }
    if (gethostname(host, size) != 0)
        snprintf(host, size, "localhost");
    host[size - 1] = '\0';
}

/* Only our job bundle is sent, and it is sent under CUPS's word for who
 * printed it: the job id, the user and the host come from cupsd, not from
 * the bundle, which whoever printed could have written (lp -o raw skips
 * the filter).  0: *out holds the bundle to post.  -1: nothing to send;
 * the line for cupsd is said and *status is set (the job is held: the
 * document stays for whoever looks at it). */
static int take_bundle(const mm_buf *in, const char *job_id, const char *user, const char *host, mm_buf *out,
                       int *status)
{
    mm_bundle b;
    mm_error err;
    mm_error_clear(&err);
    char text[700];
    if (mm_bundle_parse((const unsigned char *)in->data, in->len, &b, &err) != 0) {
        snprintf(text, sizeof text, "not our job bundle, not sent: %s", err.msg);
        say("DEBUG", text);
        say("ERROR", "Utskriften kom inte genom mmprint-filtret (till exempel lp -o raw) och skickas inte – jobbet "
                     "hålls. Skriv ut dokumentet igen på vanligt sätt och ta bort det här jobbet.");
        *status = CUPS_BACKEND_HOLD;
        return -1;
    }
    if (strcmp(b.user, user) || strcmp(b.cups_job_id, job_id)) {
        snprintf(text, sizeof text,
                 "the job bundle says user %s, job %s; CUPS says user %s, job %s: sent as CUPS says",
                 b.user, b.cups_job_id, user, job_id);
        say("NOTICE", text);
    }
    static const char *const keys[] = {"user", "host", "cups-job-id"};
    const char *values[] = {user, host, job_id};
    if (mm_bundle_set_fields((const unsigned char *)in->data, in->len, keys, values, 3, out, &err) != 0) {
        snprintf(text, sizeof text, "mmprint kan inte skicka utskriften (%s)", err.msg);
        say("ERROR", text);
        *status = CUPS_BACKEND_HOLD;
        return -1;
    }
    return 0;
}

/* The server's answer as a line for cupsd; returns the backend's exit
 * status for it (see mm_client_classify). */
static int report_reply(const mm_client_reply *r, const char *job_id)
{
    char text[700];
    switch (mm_client_classify(r)) {
    case MM_CLIENT_DONE:
        say("INFO", r->message[0] ? r->message : "Mottaget av mmprint-servern");
        if (r->pages > 0)
            fprintf(stderr, "PAGE: total %d\n", r->pages);
        return CUPS_BACKEND_OK;
    case MM_CLIENT_HOLD:
        fputs("JOBSTATE: account-info-needed\n", stderr);
        /* WARNING, not INFO: cupsd clears INFO text once the job leaves
         * processing, and the held job must keep telling what to do. */
        if (r->message[0] && strstr(r->message, "mmctl")) {
            say("WARNING", r->message);
        } else if (r->message[0]) {
            snprintf(text, sizeof text, "%s (eller: mmctl release %s NUMMER)", r->message, job_id);
            say("WARNING", text);
        } else {
            snprintf(text, sizeof text,
                     "Personnummer saknas – lägg till det med: lp -i %s -o Personnummer=ÅÅÅÅMMDDNNNN -H resume "
                     "(eller mmctl release %s NUMMER)", job_id, job_id);
            say("WARNING", text);
        }
        return CUPS_BACKEND_HOLD;
    case MM_CLIENT_CANCEL:
        if (r->message[0]) {
            say("ERROR", r->message);
        } else {
            snprintf(text, sizeof text, "mmprint-servern tog inte emot utskriften (HTTP %ld %s)", r->status,
                     r->error);
            say("ERROR", text);
        }
        return CUPS_BACKEND_CANCEL;
    case MM_CLIENT_STOP:
        say("ERROR", "Den här datorn är inte behörig hos mmprint-servern (certifikat) – kontakta IT");
        return CUPS_BACKEND_STOP;
    case MM_CLIENT_RETRY:
        break;
    }
    snprintf(text, sizeof text, "mmprint-servern kan inte ta emot utskriften just nu (HTTP %ld) – försöker igen",
             r->status);
    say("WARNING", text);
    return CUPS_BACKEND_RETRY;
}

/* ---- batch bundles (the batch queue, doc/admin-guide.md) ---- */

/* The Swedish one-liner as the job's last word: INFO for the log and
 * lpstat, and job-printer-state-message, which stays on the finished job. */
static void say_summary(const char *text)
{
    char line[1024];
    snprintf(line, sizeof line, "%s", text);
    mm_client_one_line(line);
    mm_log_mask_text(line);
    /* cupsParseOptions quoting: a ' in the text would end the value. */
    for (char *p = line; *p; p++)
        if (*p == '\'')
            *p = ' ';
    fprintf(stderr, "INFO: %s\n", line);
    /* cupsd (2.4) takes the INFO line as job-printer-state-message while
     * the job runs and clears it when the job completes, WARNING too; the
     * ATTR line is for a cupsd that keeps it. */
    fprintf(stderr, "ATTR: job-printer-state-message='%s'\n", line);
}

/* Polls the batch until every letter is decided, the time limit of
 * conf->batch_wait_ms runs out or SIGTERM; says the summary and returns
 * the exit status.  The batch is on the server whatever happens here: a
 * job that ends before its letters only says so. */
static int follow_batch(const mm_client_conf *conf, const char *base, mm_client_batch *b)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char text[700];
    char id[sizeof b->id];
    snprintf(id, sizeof id, "%s", b->id);
    int last_ok = 1;
    for (;;) {
        if (last_ok && mm_client_batch_classify(b) == MM_CLIENT_HOLD) {
            snprintf(text, sizeof text, "%s (massutskick %s)",
                     b->reason[0] ? b->reason : (b->message[0] ? b->message : "Massutskicket hålls"), id);
            say("WARNING", text);
            return CUPS_BACKEND_HOLD;
        }
        if (last_ok && mm_client_batch_classify(b) == MM_CLIENT_CANCEL) {
            say("ERROR", b->message[0] ? b->message : "Massutskicket avbröts");
            return CUPS_BACKEND_CANCEL;
        }
        if (last_ok && mm_client_batch_decided(b)) {
            say_summary(b->message[0] ? b->message : "Massutskicket är skickat");
            return CUPS_BACKEND_OK;
        }
        if (last_ok && b->message[0])
            say("INFO", b->message);
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long spent = (now.tv_sec - t0.tv_sec) * 1000LL + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (terminated || spent >= conf->batch_wait_ms)
            break;
        /* Once a second at first, then every five: a night run of
         * thousands of letters takes minutes. */
        struct timespec pause = {spent < 30000 ? 1 : 5, 0};
        while (nanosleep(&pause, &pause) != 0 && !terminated)
            ;
        if (terminated)
            break;
        mm_client_batch nb;
        mm_error err;
        mm_error_clear(&err);
        last_ok = mm_client_batch_get(conf, base, id, &terminated, &nb, &err) == 0 && nb.status == 200;
        if (last_ok)
            *b = nb;
        else if (err.msg[0])
            fprintf(stderr, "DEBUG: polling batch %s: %s\n", id, err.msg);
    }
    /* Not yet all decided: the letters go on without this job. */
    if (b->message[0]) {
        say_summary(b->message);
    } else {
        snprintf(text, sizeof text, "Massutskicket %s är mottaget av mmprint-servern", id);
        say_summary(text);
    }
    return CUPS_BACKEND_OK;
}

/* Streams the batch bundle (the first head->len bytes read, the rest still
 * on fd) to the server with CUPS's user, host and job id in its header,
 * and follows it.  Returns the backend's exit status, the line said. */
static int send_batch(const mm_client_conf *conf, const char *base, int fd, const mm_buf *head, const char *job_id,
                      const char *user, const char *host, const char *uuid)
{
    mm_batch_header h;
    mm_buf header = MM_BUF_INIT;
    mm_error err;
    mm_error_clear(&err);
    size_t header_len = 0;
    int status = CUPS_BACKEND_HOLD;
    char text[700];
    if (mm_batch_header_parse((const unsigned char *)head->data, head->len, &h, &header_len, &err) != 0) {
        snprintf(text, sizeof text, "not a batch bundle, not sent: %s", err.msg);
        say("DEBUG", text);
        say("ERROR", "Utskriften kom inte genom mmprint-filtret och skickas inte – jobbet hålls. Skriv ut "
                     "dokumentet igen på vanligt sätt och ta bort det här jobbet.");
        goto out;
    }
    /* Sent as CUPS says, as a single letter is (take_bundle). */
    mm_text_copy(h.user, sizeof h.user, user);
    mm_text_copy(h.host, sizeof h.host, host);
    mm_text_copy(h.cups_job_id, sizeof h.cups_job_id, job_id);
    if (mm_batch_header_write(&h, &header, &err) != 0) {
        snprintf(text, sizeof text, "mmprint kan inte skicka utskriften (%s)", err.msg);
        say("ERROR", text);
        goto out;
    }
    unsigned long long body = (unsigned long long)h.manifest_length + (unsigned long long)h.document_length;
    unsigned long long have = head->len - header_len;
    if (have > body) {
        say("DEBUG", "the batch bundle is longer than its header says");
        say("ERROR", "Utskriften är skadad och skickas inte – jobbet hålls. Skriv ut dokumentet igen.");
        goto out;
    }
    mm_client_part parts[] = {
        {(const unsigned char *)header.data, -1, header.len},
        {(const unsigned char *)head->data + header_len, -1, have},
        {NULL, fd, body - have},
    };
    mm_client_batch b;
    fprintf(stderr, "DEBUG: streaming the batch bundle (%llu bytes of PDF) to the mmprint server\n",
            (unsigned long long)h.document_length);
    mm_error_clear(&err);
    if (mm_client_submit_batch(conf, base, parts, 3, uuid, &terminated, &b, &err) != 0) {
        if (terminated) {
            fprintf(stderr, "DEBUG: stopped by SIGTERM during the transfer\n");
        } else {
            fprintf(stderr, "DEBUG: %s\n", err.msg);
            say("WARNING", "mmprint-servern svarar inte – försöker igen om en stund");
        }
        status = CUPS_BACKEND_RETRY;
        goto out;
    }
    fprintf(stderr, "DEBUG: server answered HTTP %ld state=%s batch=%s\n", b.status, b.state, b.id);
    switch (mm_client_batch_classify(&b)) {
    case MM_CLIENT_DONE:
    case MM_CLIENT_HOLD:
        status = follow_batch(conf, base, &b);
        break;
    case MM_CLIENT_CANCEL:
        if (b.message[0]) {
            say("ERROR", b.message);
        } else {
            snprintf(text, sizeof text, "mmprint-servern tog inte emot massutskicket (HTTP %ld %s)", b.status,
                     b.error);
            say("ERROR", text);
        }
        status = CUPS_BACKEND_CANCEL;
        break;
    case MM_CLIENT_STOP:
        say("ERROR", "Den här datorn är inte behörig hos mmprint-servern (certifikat) – kontakta IT");
        status = CUPS_BACKEND_STOP;
        break;
    case MM_CLIENT_RETRY:
        snprintf(text, sizeof text,
                 "mmprint-servern kan inte ta emot utskriften just nu (HTTP %ld) – försöker igen", b.status);
        say("WARNING", text);
        status = CUPS_BACKEND_RETRY;
        break;
    }

out:
    mm_buf_free(&header);
    return status;
}

/* One exit path: every step sets status before it jumps to out, where
 * what was acquired is released. */
int main(int argc, char **argv)
{
    int status = CUPS_BACKEND_CANCEL;
    mm_buf bundle = MM_BUF_INIT, sent = MM_BUF_INIT;
    cups_option_t *opts = NULL;
    int nopts = 0, fd = 0;
    char base[400];
    mm_client_conf conf;
    mm_client_reply r;
    mm_error err;
    mm_error_clear(&err);

    setvbuf(stderr, NULL, _IOLBF, 0);
    if (argc == 1) {
        /* Discovery (lpinfo -v): one line, nothing else on stdout. */
        puts("network mmprint \"Unknown\" \"Mina meddelanden (mmprint)\"");
        status = CUPS_BACKEND_OK;
        goto out;
    }
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "Usage: %s job-id user title copies options [file]\n", argv[0]);
        status = CUPS_BACKEND_CANCEL;
        goto out;
    }
    catch_sigterm();

    const char *job_id = argv[1];
    const char *device_uri = getenv("DEVICE_URI");
    if (!device_uri)
        device_uri = argv[0];
    if (mm_client_base_url(device_uri, base, sizeof base, &err) != 0) {
        fprintf(stderr, "DEBUG: %s\n", err.msg);
        say("ERROR", "Skrivarkön är felinställd (enhetsadressen ska vara mmprint://server:port/) – kontakta IT");
        status = CUPS_BACKEND_STOP;
        goto out;
    }

    /* Root-only is the supported mode: only root (the backend at mode 0700)
     * can read a key that the filters, which run as lp, cannot. */
    if (geteuid() != 0) {
        char text[300];
        const char *bin = getenv("CUPS_SERVERBIN");
        snprintf(text, sizeof text,
                 "mmprint är felinställd på den här datorn – kontakta IT (the backend runs as uid %u, not root; fix: "
                 "chmod 0700 %s/backend/mmprint)",
                 (unsigned)geteuid(), bin && *bin ? bin : "/usr/lib/cups");
        say("ERROR", text);
        status = CUPS_BACKEND_STOP;
        goto out;
    }

    const char *conf_path = getenv("MMPRINT_BACKEND_CONF");
    if (!conf_path || !*conf_path)
        conf_path = DEFAULT_CONF;
    if (mm_client_conf_load(conf_path, &conf, &err) != 0 || mm_client_check_files(conf_path, &conf, &err) != 0) {
        /* Configuration problems hit every job alike: stop the queue, keep the job. */
        /* One line: cupsd shows the first ERROR: on the job and the last on
         * the queue; IT needs the English detail, the user the Swedish. */
        char text[700];
        snprintf(text, sizeof text, "mmprint är felinställd på den här datorn – kontakta IT (%s)", err.msg);
        say("ERROR", text);
        status = CUPS_BACKEND_STOP;
        goto out;
    }

    if (open_input(argc == 7 ? argv[6] : NULL, &fd, &bundle, &status) != 0)
        goto out;
    nopts = cupsParseOptions(argv[5], 0, &opts);
    char host[256];
    origin_host(nopts, opts, host, sizeof host);
    const char *uuid = cupsGetOption("job-uuid", nopts, opts);
    if (!uuid || !*uuid)
        fprintf(stderr, "DEBUG: no job-uuid in the job options; sending without an idempotency key\n");

    /* A batch is streamed: it may be far larger than a letter. */
    if (bundle.len >= sizeof BATCH_MAGIC - 1 && !memcmp(bundle.data, BATCH_MAGIC, sizeof BATCH_MAGIC - 1)) {
        status = send_batch(&conf, base, fd, &bundle, job_id, argv[2], host, uuid);
        goto out;
    }

    if (read_bundle(fd, &bundle, &status) != 0)
        goto out;
    if (take_bundle(&bundle, job_id, argv[2], host, &sent, &status) != 0)
        goto out;

    fputs("DEBUG: posting the job bundle to the mmprint server\n", stderr);
    if (mm_client_submit(&conf, base, (const unsigned char *)sent.data, sent.len, uuid, &terminated, &r,
                         &err) != 0) {
        if (terminated) {
            fprintf(stderr, "DEBUG: stopped by SIGTERM during the transfer\n");
        } else {
            fprintf(stderr, "DEBUG: %s\n", err.msg);
            say("WARNING", "mmprint-servern svarar inte – försöker igen om en stund");
        }
        status = CUPS_BACKEND_RETRY;
        goto out;
    }
    fprintf(stderr, "DEBUG: server answered HTTP %ld state=%s job=%s\n", r.status, r.state, r.id);
    status = report_reply(&r, job_id);

out:
    if (fd > 0)
        close(fd);
    cupsFreeOptions(nopts, opts);
    mm_buf_free(&bundle);
    mm_buf_free(&sent);
    return status;
}
