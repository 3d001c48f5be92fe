/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd's configuration (mmprintd.conf(5)): the settings, their one
 * table of keys in conf.c, and the start-up checks of certificates and keys. */
#ifndef SRV_CONF_H
#define SRV_CONF_H

#include <stdio.h>
#include "error.h"
#include "http.h"

/* The front's default GnuTLS priorities (tls_priorities). */
#define SRV_TLS_PRIORITIES                                                                              \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:" \
    "-MAC-ALL:+AEAD:-RSA:%SERVER_PRECEDENCE"

/* A print room (issue 12): its printer, trusted like the default room's,
 * and the departments whose paper letters go there.  rooms[0] of srv_conf
 * is the default room (printer_uri, printer_name ...); the others come
 * from printroom_dir, one NAME.conf file each (mmprintd.conf(5)). */
#define SRV_ROOMS_MAX 16
typedef struct {
    char name[128];             /* as jobs record it (job.printer) */
    char uri[1024];
    char ca[1024];
    char fingerprint[128];
    int cleartext;              /* insecure_cleartext: ipp:// accepted */
    char sides[32];             /* auto, one-sided, two-sided-long-edge, two-sided-short-edge */
    char departments[1024];     /* comma-separated; "" in the default room (it takes the rest) */
    char postal_class_default[16]; /* "" = the main file's postal_class_default */
    char file[1024];            /* the file it was read from ("" the main file) */
} srv_room_conf;

typedef struct {
    char listen_address[64];
    int port;
    int plain_loopback;        /* plain HTTP on 127.0.0.1 (tests, local tools only) */
    char tls_cert[1024], tls_key[1024], client_ca[1024];
    char client_allow[1024];   /* comma-separated client CNs; "" = any client the CA signed */
    char admin_allow[1024];    /* comma-separated CNs of the admin tool's certificates (auth.c) */
    long reach_rate;           /* reachability prechecks per minute and principal */
    long reach_burst;          /* ... of which at most this many at once */
    char client_crl[1024];     /* PEM CRL(s) of client_ca; "" = none */
    char client_deny_serials[2048]; /* comma-separated serial numbers (hex) refused */
    char tls_priorities[512];  /* GnuTLS priority string of the front */
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
    long max_connections_per_ip;
    long header_timeout_s;     /* handshake + request headers, per request */
    long request_rate, request_burst; /* per principal: requests per second, at once */
    long lock_wait_s;          /* how long a start waits for a stopping instance */
    /* The web portal for people (server/web.h): a second listener. */
    char web_listen[80];       /* ADDR:PORT; "" = no portal */
    char web_public_url[256];  /* the portal as people reach it: held letters' messages point there */
    char web_tls_cert[1024], web_tls_key[1024]; /* "" = tls_cert, tls_key */
    char web_assets[1024];     /* the folder of /static/ (mmprint.css, mmprint.js) */
    long web_session_idle_s, web_session_max_s;
    long web_login_rate, web_login_burst; /* login attempts per minute, per IP and per user name */
    int web_pam;               /* log in through PAM instead of the local accounts */
    char web_pam_service[128];
    char web_pam_roles[1024];  /* role:GROUP,... (PAM's groups to one role) */
    /* The paper leg and the statistics (issue 12). */
    char postal_class_default[16]; /* a letter that names no postal class */
    /* The print rooms (issue 12, server/printroom.h). */
    char printer_sides[32];    /* the default room's sides: auto, one-sided, two-sided-long-edge ... */
    char printroom_dir[1024];  /* "" = the default room only */
    srv_room_conf rooms[SRV_ROOMS_MAX]; /* [0] the default room, then printroom_dir's by file name */
    size_t nrooms;
    /* The statistics' unit values (server/stats.h): as written (amounts,
     * mm_text_amount), and parsed by srv_conf_load. */
    char paper_cost_text[24], digital_cost_text[24], minutes_saved_text[24];
    char hourly_rate_text[24], security_value_text[24], letters_per_decision_text[24];
    double paper_cost;         /* kr per paper letter: postage and material */
    double digital_cost;       /* kr per digital message */
    double minutes_saved;      /* minutes of work saved per digital letter */
    double hourly_rate;        /* kr per hour of that work */
    double security_value;     /* kr per digital decision (the registered-letter fee) */
    double letters_per_decision; /* letters a digital decision replaces (the benefit model) */
    /* Batch print streams (issue 13, server/batch.h): refused beyond. */
    long batch_max_bytes;      /* a batch bundle as received (413) */
    long batch_max_pages;      /* pages of its PDF */
    long batch_max_letters;    /* letters it splits into */
} srv_conf;

/* Loads path into c: every key known, each value or its default in range,
 * required keys present, then the checks across keys (TLS or loopback,
 * sender_id, printer_uri).  Returns 0, or -1 with err naming the problem. */
int srv_conf_load(const char *path, srv_conf *c, mm_error *err);

/* Reads printroom_dir's NAME.conf files into c->rooms[1..] (rooms[0], the
 * default room, from the main file's printer_* keys), each checked as the
 * default printer is: 0, or -1 with err naming the file.  srv_conf_load
 * calls it. */
int srv_conf_load_rooms(srv_conf *c, mm_error *err);
/* 1 when sides is one srv_room_conf.sides may be. */
int srv_conf_sides_valid(const char *sides);

/* Writes every key with its effective value, "key = value" per line in the
 * table's order, as a configuration file would say it (mmprintd -t). */
void srv_conf_print(const srv_conf *c, FILE *f);

/* Start-up safety check of the files that decide whom the server trusts
 * (tls_cert, client_ca, client_crl, ca_file): each a regular file owned by
 * root or the server's user and writable by nobody else.  0, or -1 with err. */
int srv_conf_check_trust(const srv_conf *c, mm_error *err);

/* Start-up safety checks of a certificate and its key; *days_left is set. */
int srv_check_cert_key(const char *cert, const char *key, long *days_left, mm_error *err);

/* The organisation's HTTPS client to FaR and the operators, as c says
 * (certificate, key, CA, timeouts); NULL (logged) when it cannot be made.
 * The caller frees it with mm_http_free. */
mm_http *srv_conf_http_new(const srv_conf *c);

#endif
