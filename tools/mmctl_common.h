/* SPDX-License-Identifier: EUPL-1.2 */
/* Configuration shared by the mmctl subcommands that talk to Mina
 * meddelanden (lookup, send): one file, see mmctl.conf(5). */
#ifndef MMCTL_COMMON_H
#define MMCTL_COMMON_H

#include <stddef.h>

#include "config.h"

typedef struct {
    mm_config *cfg;
    char path[1024];
    const char *cert;          /* organisation certificate (PEM) */
    const char *key;           /* its key (PEM) */
    const char *ca;            /* CA bundle for FaR/operator servers, NULL = system */
    const char *sender_id;     /* "16"+10 digits, NULL = from the certificate */
    const char *sender_name;
    const char *far_url;
    long timeout;              /* seconds */
    const char *support_text;
    const char *support_url;
    const char *support_phone;
    const char *support_email;
} mmctl_conf;

/* The default support text on letters (Swedish: recipients read it). */
#define MMCTL_DEFAULT_SUPPORT_TEXT \
    "Har du frågor om brevet? Kontakta avsändaren på det sätt som anges i brevet."

/* Loads the file named by path_opt, else $MMCTL_CONFIG, else
 * MMCTL_DEFAULT_CONFIG, and checks it: every key known, required keys
 * present, values well-formed.  On failure writes a one-line English
 * reason to msg and returns -1. */
int mmctl_conf_load(const char *path_opt, mmctl_conf *out, char *msg, size_t msg_size);
void mmctl_conf_free(mmctl_conf *c);

/* Prints "mmctl CMD: message" to stderr with every personnummer masked. */
void mmctl_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- mmctl against mmprintd's API with a client certificate ---- */

/* The backend's file (backend/mmprint.c): on a print server the same certificate. */
#define MMCTL_DEFAULT_CLIENT_CONF "/etc/mmprint/backend.conf"

#include <jansson.h>
#include "buf.h"

typedef struct {
    const char *server;      /* -s, $MMCTL_SERVER */
    const char *client_conf; /* -C, $MMPRINT_BACKEND_CONF, MMCTL_DEFAULT_CLIENT_CONF */
} mmctl_api_opts;

/* -s SERVER and -C CLIENT_CONF: optind, or -1 (usage) / -2 (help). */
int mmctl_api_parse_opts(int argc, char **argv, mmctl_api_opts *o);
/* One request: 0 with *status and the body in resp, 1 on failure (printed). */
int mmctl_api_call(const char *cmd, const mmctl_api_opts *o, const char *method, const char *path, const char *body,
                   long *status, mm_buf *resp);
/* Prints the server's Swedish message of an error answer; returns 1. */
int mmctl_api_refused(const char *cmd, long status, const mm_buf *resp);
/* mmctl_api_call wanting 200 or 201: 0, or 1 once the reason is printed. */
int mmctl_api_call_ok(const char *cmd, const mmctl_api_opts *o, const char *method, const char *path,
                      const char *body, mm_buf *resp);
/* The server's base URL (https://host:port) and the client certificate
 * configuration of o, for a command that drives lib/client itself (a
 * streamed upload): 0, or 1 on failure (printed). */
#include "client.h"
int mmctl_api_client(const char *cmd, const mmctl_api_opts *o, char *base, size_t base_size, mm_client_conf *cc);
/* The string member key of o, "-" when absent. */
const char *mmctl_json_str(const json_t *o, const char *key);

#endif
