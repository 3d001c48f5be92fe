/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprint: the CUPS notifier of the "Mina meddelanden" queue, recipient URI
 * mmprint://SERVER[:PORT]/ (the same address as the queue's device URI).
 *
 * A letter that the server holds for a personnummer is held in CUPS too.
 * When the user cancels it there (cancel, lprm, the Windows queue view) no
 * backend runs again, so without this the server would keep the letter.
 * `mmprint-queue install` subscribes job-completed events for this notifier
 * (mmctl subscribe), with the queue's name as notify-user-data.  cupsd
 * starts it as its User (lp), with argv[1] the recipient URI and argv[2]
 * the user data (base64), writes each event (an IPP message) to its stdin
 * and keeps it running while events come.  For a job of that queue that
 * ended canceled or aborted, it reads the job's job-uuid from cupsd (events
 * do not carry it) and tells the server, which cancels the job it keeps
 * under that Idempotency-Key if this machine's certificate submitted it and
 * it has not started to go out.  Everything it writes to stderr lands in
 * cupsd's error_log, masked. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cups/cups.h>

#include "client.h"
#include "cupsjob.h"
#include "error.h"
#include "log.h"

#define DEFAULT_CONF "/etc/mmprint/backend.conf"

/* Seconds between attempts while the server cannot be reached: about 19
 * minutes in all, then the held letter is left to the server's expiry. */
static const int retry_after_s[] = {2, 5, 10, 30, 60, 120, 300, 600};
#define RETRIES ((int)(sizeof retry_after_s / sizeof retry_after_s[0]))
/* "No such job" is asked again this many times: a job cancelled while the
 * backend was posting it may reach the server's store a moment later. */
#define NOT_FOUND_RETRIES 2

/* One line to cupsd's error_log.  Every line passes the log mask: event
 * texts and server answers may carry a personnummer (a job title can). */
static void say(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *c = line; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    mm_log_mask_text(line);
    fprintf(stderr, "%s: %s\n", level, line);
}

/* The job's job-uuid from cupsd: 0 found, 1 the job is gone (purged, or no
 * history kept), 2 the job is on another queue than queue (when not ""),
 * -1 another error (why filled). */
static int job_uuid(int job_id, const char *queue, char *uuid, size_t size, char *why, size_t why_size)
{
    static const char *const want[] = {"job-uuid", "job-printer-uri"};
    ipp_t *resp = mm_cupsjob_get(job_id, want, 2);
    ipp_status_t st = cupsLastError();
    int rc = -1;
    if (st == IPP_STATUS_ERROR_NOT_FOUND) {
        rc = 1;
    } else if (!resp || st > IPP_STATUS_OK_CONFLICTING) {
        snprintf(why, why_size, "%s", cupsLastErrorString());
    } else {
        ipp_attribute_t *p = ippFindAttribute(resp, "job-printer-uri", IPP_TAG_URI);
        const char *printer = p ? strstr(ippGetString(p, 0, NULL), "/printers/") : NULL;
        ipp_attribute_t *a = ippFindAttribute(resp, "job-uuid", IPP_TAG_URI);
        const char *v = a ? ippGetString(a, 0, NULL) : NULL;
        if (queue[0] && (!printer || strcmp(printer + strlen("/printers/"), queue))) {
            rc = 2;
        } else if (v && mm_client_key_valid(v)) {
            snprintf(uuid, size, "%s", v);
            rc = 0;
        } else {
            snprintf(why, why_size, "the job has no usable job-uuid");
        }
    }
    ippDelete(resp);
    return rc;
}

/* Tells the server; runs in a child of its own so that the parent keeps
 * reading events (cupsd drops events that do not fit in the pipe). */
static void tell_server(const char *base, int job_id, const char *uuid)
{
    const char *conf_path = getenv("MMPRINT_BACKEND_CONF");
    if (!conf_path || !*conf_path)
        conf_path = DEFAULT_CONF;
    mm_client_conf conf;
    mm_error err;
    mm_error_clear(&err);
    if (mm_client_conf_load(conf_path, &conf, &err) != 0 || mm_client_check_files(conf_path, &conf, &err) != 0) {
        say("ERROR", "[Job %d] mmprint notifier: cannot tell the server that the job was cancelled: "
                     "mmprint is misconfigured on this machine (%s)", job_id, err.msg);
        return;
    }
    /* cupsd runs notifiers as its User: the key must be readable by lp
     * (root:lp 0640, see the admin guide), or nothing can be sent. */
    if (access(conf.key, R_OK) != 0 || access(conf.cert, R_OK) != 0) {
        say("ERROR", "[Job %d] mmprint notifier: cannot tell the server that the job was cancelled: "
                     "%s or %s is not readable by this notifier (uid %u); make the key root:lp 0640",
            job_id, conf.key, conf.cert, (unsigned)getuid());
        return;
    }
    int not_found = 0;
    for (int attempt = 0;; attempt++) {
        mm_client_reply r;
        mm_error_clear(&err);
        int rc = mm_client_cancel_by_key(&conf, base, uuid, NULL, &r, &err);
        const char *retry_why = NULL;
        char why[700];
        if (rc != 0) {
            snprintf(why, sizeof why, "%s", err.msg);
            retry_why = why;
        } else if (r.status == 200) {
            say("NOTICE", "[Job %d] mmprint notifier: the server cancelled its job %s (cancelled in CUPS); "
                          "the letter is deleted there", job_id, r.id);
            return;
        } else if (r.status == 404) {
            if (not_found++ < NOT_FOUND_RETRIES) {
                snprintf(why, sizeof why, "the server has no such job yet");
                retry_why = why;
            } else {
                say("NOTICE", "[Job %d] mmprint notifier: the server has no job of this machine with this "
                              "job-uuid (it never got there); nothing to cancel", job_id);
                return;
            }
        } else if (r.status == 409) {
            if (!strcmp(r.state, "sending") || !strcmp(r.state, "printing"))
                say("WARNING", "[Job %d] mmprint notifier: cancelled in CUPS, but the server had already "
                               "started to send job %s (%s): it goes out", job_id, r.id, r.state);
            else
                say("NOTICE", "[Job %d] mmprint notifier: the server's job %s is already %s; left as it is",
                    job_id, r.id, r.state[0] ? r.state : "final");
            return;
        } else if (r.status == 401 || r.status == 403) {
            say("ERROR", "[Job %d] mmprint notifier: the server does not accept this machine's certificate "
                         "(HTTP %ld); it still keeps the job", job_id, r.status);
            return;
        } else if (r.status == 408 || r.status == 429 || r.status >= 500) {
            snprintf(why, sizeof why, "HTTP %ld %s", r.status, r.error);
            retry_why = why;
        } else {
            say("ERROR", "[Job %d] mmprint notifier: the server refused the cancel (HTTP %ld %s)", job_id,
                r.status, r.error);
            return;
        }
        if (attempt >= RETRIES) {
            say("WARNING", "[Job %d] mmprint notifier: could not tell the server that the job was cancelled "
                           "(%s); it keeps the job until its held letters expire", job_id, retry_why);
            return;
        }
        say("DEBUG", "[Job %d] mmprint notifier: %s; asking again in %d s", job_id, retry_why,
            retry_after_s[attempt]);
        sleep((unsigned)retry_after_s[attempt]);
    }
}

static void handle_event(ipp_t *msg, const char *base, const char *queue)
{
    ipp_attribute_t *ev = ippFindAttribute(msg, "notify-subscribed-event", IPP_TAG_KEYWORD);
    if (!ev || strcmp(ippGetString(ev, 0, NULL), "job-completed"))
        return;
    ipp_attribute_t *id = ippFindAttribute(msg, "notify-job-id", IPP_TAG_INTEGER);
    if (!id)
        id = ippFindAttribute(msg, "job-id", IPP_TAG_INTEGER);
    ipp_attribute_t *st = ippFindAttribute(msg, "job-state", IPP_TAG_ENUM);
    if (!id || !st)
        return;
    int job_id = ippGetInteger(id, 0), state = ippGetInteger(st, 0);
    /* Completed jobs were taken by the server; only a job that CUPS ended
     * without sending may still be waiting there. */
    if (state != IPP_JSTATE_CANCELED && state != IPP_JSTATE_ABORTED)
        return;
    char uuid[256], why[300] = "";
    int rc = job_uuid(job_id, queue, uuid, sizeof uuid, why, sizeof why);
    if (rc == 2)
        return;
    if (rc == 1) {
        say("NOTICE", "[Job %d] mmprint notifier: the job is no longer in cupsd (purged), so its job-uuid is "
                      "unknown and the server is not told; a letter held there for it stays until it expires",
            job_id);
        return;
    }
    if (rc < 0) {
        say("WARNING", "[Job %d] mmprint notifier: cannot read the job's job-uuid from cupsd (%s); the server "
                       "is not told of the cancel", job_id, why);
        return;
    }
    say("DEBUG", "[Job %d] mmprint notifier: %s in CUPS; telling the server", job_id,
        state == IPP_JSTATE_CANCELED ? "cancelled" : "aborted");
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child must not hold on to the event pipe. */
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, 0);
            close(null);
        }
        tell_server(base, job_id, uuid);
        _exit(0);
    }
    if (pid < 0)
        tell_server(base, job_id, uuid);
}

/* The queue whose jobs are ours, from notify-user-data (base64): the
 * subscription is server-wide (see tools/mmctl_subscribe.c); "" (no user
 * data) means every queue. */
static void queue_from_user_data(const char *user_data, char *queue, size_t size)
{
    int qlen = (int)size - 1;
    httpDecode64_2(queue, &qlen, user_data);
    queue[qlen >= 0 && qlen < (int)size ? qlen : 0] = 0;
}

/* Handles the events cupsd writes to stdin until it closes the pipe
 * (subscription gone, cupsd stopping). */
static void read_events(const char *base, const char *queue)
{
    for (;;) {
        ipp_t *msg = ippNew();
        ipp_state_t state;
        while ((state = ippReadFile(0, msg)) != IPP_STATE_DATA)
            if (state <= IPP_STATE_IDLE)
                break;
        if (state <= IPP_STATE_IDLE) {
            ippDelete(msg);
            return;
        }
        handle_event(msg, base, queue);
        ippDelete(msg);
    }
}

/* One exit path: rc is set before each jump to out. */
int main(int argc, char **argv)
{
    int rc = 1;
    char base[400], queue[128] = "";
    mm_error err;
    mm_error_clear(&err);

    setvbuf(stderr, NULL, _IOLBF, 0);
    if (argc != 3) {
        fprintf(stderr, "Usage: %s mmprint://SERVER[:PORT]/ notify-user-data\n"
                        "(run by cupsd for a subscription made by mmprint-queue install)\n", argv[0]);
        rc = 1;
        goto out;
    }
    if (mm_client_base_url(argv[1], base, sizeof base, &err) != 0) {
        say("ERROR", "mmprint notifier: bad recipient URI (%s)", err.msg);
        rc = 1;
        goto out;
    }
    queue_from_user_data(argv[2], queue, sizeof queue);
    signal(SIGPIPE, SIG_IGN);
    /* Children that tell the server are never waited for. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    read_events(base, queue);
    rc = 0;

out:
    return rc;
}
