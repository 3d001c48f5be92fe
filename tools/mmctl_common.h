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

#endif
