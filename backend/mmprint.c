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
#include <unistd.h>

#include <cups/backend.h>
#include <cups/cups.h>

#include "buf.h"
#include "client.h"
#include "error.h"
#include "fileio.h"
#include "log.h"

#define DEFAULT_CONF "/etc/mmprint/backend.conf"

static volatile sig_atomic_t terminated;

static void on_sigterm(int sig)
{
    (void)sig;
    terminated = 1;
}

/* One line to cupsd; text from elsewhere is masked and kept on one line. */
static void say(const char *prefix, const char *text)
{
    char line[1024];
    snprintf(line, sizeof line, "%s", text);
    for (char *c = line; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    mm_log_mask_text(line);
    fprintf(stderr, "%s: %s\n", prefix, line);
}

int main(int argc, char **argv)
{
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (argc == 1) {
        /* Discovery (lpinfo -v): one line, nothing else on stdout. */
        puts("network mmprint \"Unknown\" \"Mina meddelanden (mmprint)\"");
        return CUPS_BACKEND_OK;
    }
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "Usage: %s job-id user title copies options [file]\n", argv[0]);
        return CUPS_BACKEND_CANCEL;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *job_id = argv[1];
    const char *device_uri = getenv("DEVICE_URI");
    if (!device_uri)
        device_uri = argv[0];
    char base[400];
    mm_error err;
    mm_error_clear(&err);
    if (mm_client_base_url(device_uri, base, sizeof base, &err) != 0) {
        fprintf(stderr, "DEBUG: %s\n", err.msg);
        say("ERROR", "Skrivarkön är felinställd (enhetsadressen ska vara mmprint://server:port/) – kontakta IT");
        return CUPS_BACKEND_STOP;
    }

    const char *conf_path = getenv("MMPRINT_BACKEND_CONF");
    if (!conf_path || !*conf_path)
        conf_path = DEFAULT_CONF;
    mm_client_conf conf;
    if (mm_client_conf_load(conf_path, &conf, &err) != 0 || mm_client_check_key(conf.key, &err) != 0) {
        /* Configuration problems hit every job alike: stop the queue, keep the job. */
        /* One line: cupsd shows the first ERROR: on the job and the last on
         * the queue; IT needs the English detail, the user the Swedish. */
        char text[700];
        snprintf(text, sizeof text, "mmprint är felinställd på den här datorn – kontakta IT (%s)", err.msg);
        say("ERROR", text);
        return CUPS_BACKEND_STOP;
    }

    int fd = 0;
    if (argc == 7 && (fd = open(argv[6], O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "DEBUG: cannot open print file: %s\n", strerror(errno));
        say("ERROR", "Utskriftsfilen kunde inte läsas");
        return CUPS_BACKEND_CANCEL;
    }
    mm_buf bundle = MM_BUF_INIT;
    int rrc = mm_fileio_read_fd(fd, &bundle, MM_CLIENT_MAX_BUNDLE, &terminated);
    int too_big = rrc != 0 && errno == EFBIG;
    if (fd != 0)
        close(fd);
    if (terminated) {
        mm_buf_free(&bundle);
        return CUPS_BACKEND_RETRY;
    }
    if (rrc != 0) {
        mm_buf_free(&bundle);
        say("ERROR", too_big ? "Dokumentet är för stort för Mina meddelanden (högst 32 MiB)"
                             : "Utskriften kunde inte läsas");
        return CUPS_BACKEND_CANCEL;
    }
    if (bundle.len == 0) {
        /* Only a failed filter leaves us nothing (lp refuses empty files).
         * Exiting OK lets cupsd judge by the filter's status: the job stops
         * ("filter failed"), keeps its document and the filter's ERROR:
         * line, instead of being cancelled here. */
        mm_buf_free(&bundle);
        fputs("DEBUG: empty input: the filter failed; nothing sent\n", stderr);
        return CUPS_BACKEND_OK;
    }

    cups_option_t *opts = NULL;
    int nopts = cupsParseOptions(argv[5], 0, &opts);
    const char *uuid = cupsGetOption("job-uuid", nopts, opts);
    if (!uuid || !*uuid)
        fprintf(stderr, "DEBUG: no job-uuid in the job options; sending without an idempotency key\n");

    fputs("DEBUG: posting the job bundle to the mmprint server\n", stderr);
    mm_client_reply r;
    int src = mm_client_submit(&conf, base, (const unsigned char *)bundle.data, bundle.len, uuid,
                               &terminated, &r, &err);
    cupsFreeOptions(nopts, opts);
    mm_buf_free(&bundle);

    if (src != 0) {
        if (terminated) {
            fprintf(stderr, "DEBUG: stopped by SIGTERM during the transfer\n");
            return CUPS_BACKEND_RETRY;
        }
        fprintf(stderr, "DEBUG: %s\n", err.msg);
        say("WARNING", "mmprint-servern svarar inte – försöker igen om en stund");
        return CUPS_BACKEND_RETRY;
    }
    fprintf(stderr, "DEBUG: server answered HTTP %ld state=%s job=%s\n", r.status, r.state, r.id);

    char text[700];
    switch (mm_client_classify(&r)) {
    case MM_CLIENT_DONE:
        say("INFO", r.message[0] ? r.message : "Mottaget av mmprint-servern");
        if (r.pages > 0)
            fprintf(stderr, "PAGE: total %d\n", r.pages);
        return CUPS_BACKEND_OK;
    case MM_CLIENT_HOLD:
        fputs("JOBSTATE: account-info-needed\n", stderr);
        /* WARNING, not INFO: cupsd clears INFO text once the job leaves
         * processing, and the held job must keep telling what to do. */
        if (r.message[0] && strstr(r.message, "mmctl")) {
            say("WARNING", r.message);
        } else if (r.message[0]) {
            snprintf(text, sizeof text, "%s (eller: mmctl release %s NUMMER)", r.message, job_id);
            say("WARNING", text);
        } else {
            snprintf(text, sizeof text,
                     "Personnummer saknas – lägg till det med: lp -i %s -o Personnummer=ÅÅÅÅMMDDNNNN -H resume "
                     "(eller mmctl release %s NUMMER)", job_id, job_id);
            say("WARNING", text);
        }
        return CUPS_BACKEND_HOLD;
    case MM_CLIENT_CANCEL:
        if (r.message[0]) {
            say("ERROR", r.message);
        } else {
            snprintf(text, sizeof text, "mmprint-servern tog inte emot utskriften (HTTP %ld %s)", r.status, r.error);
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
             r.status);
    say("WARNING", text);
    return CUPS_BACKEND_RETRY;
}
