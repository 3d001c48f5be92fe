/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd's configuration (mmprintd.conf(5)): the settings, their one
 * table of keys in conf.c, and the start-up checks of certificates and keys. */
#ifndef SRV_CONF_H
#define SRV_CONF_H

#include <stdio.h>
#include "error.h"
#include "http.h"

typedef struct {
    char listen_address[64];
    int port;
    int plain_loopback;        /* plain HTTP on 127.0.0.1 (tests, local tools only) */
    char tls_cert[1024], tls_key[1024], client_ca[1024];
    char client_allow[1024];   /* comma-separated client CNs; "" = any client the CA signed */
    char org_cert[1024], org_key[1024];
    char ca_file[1024];        /* CA bundle for FaR's and operators' server certificates */
    char sender_name[257], sender_id[13];
    char far_url[1024];
    char database[1024], spool_dir[1024];
    long sync_wait_ms;
    long far_batch_wait_ms;
    long far_batch_max;
    long workers, print_workers;
    long retry_initial_ms, retry_max_ms;
    long retry_deadline_s;     /* digital stage (FaR + operator) */
    long print_deadline_s;
    long http_timeout_ms, connect_timeout_ms;
    char printer_uri[1024], printer_name[128];
    char printer_ca[1024];        /* CA file the ipps:// printer's certificate must chain to */
    char printer_fingerprint[128]; /* or: the SHA-256 of its certificate (hex) */
    int printer_cleartext;        /* printer_insecure_cleartext: ipp:// accepted */
    long retention_days;
    long held_expiry_s;        /* a letter waiting for a recipient becomes an exception */
    long exception_retention_s; /* an unresolved exception's letter is kept this long */
    char support_text[1025], support_url[512], support_phone[64], body_text[2048];
    long max_connections;
    long lock_wait_s;          /* how long a start waits for a stopping instance */
} srv_conf;

/* Loads path into c: every key known, each value or its default in range,
 * required keys present, then the checks across keys (TLS or loopback,
 * sender_id, printer_uri).  Returns 0, or -1 with err naming the problem. */
int srv_conf_load(const char *path, srv_conf *c, mm_error *err);

/* Writes every key with its effective value, "key = value" per line in the
 * table's order, as a configuration file would say it (mmprintd -t). */
void srv_conf_print(const srv_conf *c, FILE *f);

/* Start-up safety checks of a certificate and its key; *days_left is set. */
int srv_check_cert_key(const char *cert, const char *key, long *days_left, mm_error *err);

/* The organisation's HTTPS client to FaR and the operators, as c says
 * (certificate, key, CA, timeouts); NULL (logged) when it cannot be made.
 * The caller frees it with mm_http_free. */
mm_http *srv_conf_http_new(const srv_conf *c);

#endif
