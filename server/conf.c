/* SPDX-License-Identifier: EUPL-1.2 */
/* mmprintd configuration (mmprintd.conf(5)) and the start-up safety checks
 * of certificates and keys. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <cups/http.h>

#include "conf.h"

#include "http.h"
#include "idnum.h"
#include "log.h"
#include "bundle.h"
#include "config.h"
#include "far.h"
#include "print.h"
#include "text.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define TEXT(name, field, def, flags) \
    {name, MM_CONFIG_TEXT, offsetof(srv_conf, field), sizeof((srv_conf *)0)->field, def, 0, 0, 0, flags}
#define LONG(name, field, def, lo, hi) {name, MM_CONFIG_LONG, offsetof(srv_conf, field), 0, def, lo, hi, 0, 0}
#define SECS(name, field, def, lo, hi) {name, MM_CONFIG_DURATION, offsetof(srv_conf, field), 0, def, lo, hi, 0, 0}
#define REQUIRED MM_CONFIG_REQUIRED
/* $(pkgdatadir)/web, where make install puts web/ (server/local.mk). */
#ifndef SRV_WEB_ASSETS
#define SRV_WEB_ASSETS "/usr/local/share/mmprint/web"
#endif

/* Every key of mmprintd.conf(5), in the order of the man page: its type,
 * its field, its default as written in the file (NULL: none) and its
 * limits.  This table alone decides which keys exist, their defaults and
 * ranges, which are required, and what `mmprintd -t` prints. */
static const mm_config_key conf_keys[] = {
    TEXT("listen_address", listen_address, "127.0.0.1", 0),
    {"port", MM_CONFIG_INT, offsetof(srv_conf, port), 0, "8631", 1, 65535, 0, 0},
    /* Empty is "no", as it always was; a word other than yes/no is refused. */
    {"listen_plain_loopback", MM_CONFIG_BOOL, offsetof(srv_conf, plain_loopback), 0, "no", 0, 0, 0,
     MM_CONFIG_EMPTY_ABSENT},
    TEXT("tls_cert", tls_cert, "", 0),
    TEXT("tls_key", tls_key, "", 0),
    TEXT("client_ca", client_ca, "", 0),
    TEXT("client_allow", client_allow, "", 0),
    TEXT("admin_allow", admin_allow, "", 0),
    /* A FaR lookup about a person is processing of personal data: a case
     * worker checks a few recipients, not a register. */
    LONG("reach_rate", reach_rate, "30", 1, 100000),
    LONG("reach_burst", reach_burst, "10", 1, 100000),
    TEXT("client_crl", client_crl, "", 0),
    TEXT("client_deny_serials", client_deny_serials, "", 0),
    /* TLS 1.3 and 1.2 only, AEAD ciphers with forward secrecy (no static
     * RSA key exchange, no CBC), the server's order (mmprintd.conf(5)). */
    TEXT("tls_priorities", tls_priorities, SRV_TLS_PRIORITIES, 0),
    TEXT("org_cert", org_cert, NULL, REQUIRED),
    TEXT("org_key", org_key, NULL, REQUIRED),
    TEXT("ca_file", ca_file, NULL, REQUIRED),
    TEXT("sender_name", sender_name, NULL, REQUIRED),
    TEXT("sender_id", sender_id, "", 0),
    TEXT("far_url", far_url, NULL, REQUIRED),
    TEXT("database", database, "/var/lib/mmprint/mmprintd.db", 0),
    TEXT("spool_dir", spool_dir, "/var/spool/mmprint", 0),
    LONG("sync_wait_ms", sync_wait_ms, "1500", 0, 60000),
    LONG("far_batch_wait_ms", far_batch_wait_ms, "5", 0, 1000),
    LONG("far_batch_max", far_batch_max, STR(MM_FAR_BATCH_MAX), 1, MM_FAR_BATCH_MAX),
    /* A worker waits for its operator's answer most of the time (tens of
     * milliseconds over the Internet), so there are many more than cores. */
    LONG("workers", workers, "16", 1, 64),
    LONG("print_workers", print_workers, "1", 1, 16),
    LONG("retry_initial_ms", retry_initial_ms, "1000", 10, 3600000),
    LONG("retry_max_ms", retry_max_ms, "300000", 10, 86400000),
    LONG("retry_deadline", retry_deadline_s, "86400", 1, 30 * 86400),
    LONG("print_deadline", print_deadline_s, "86400", 1, 30 * 86400),
    LONG("http_timeout_ms", http_timeout_ms, "30000", 100, 600000),
    LONG("connect_timeout_ms", connect_timeout_ms, "5000", 100, 600000),
    TEXT("printer_uri", printer_uri, NULL, REQUIRED),
    TEXT("printer_name", printer_name, "Utskriftsrummet", 0),
    /* An ipps:// printer is trusted through one of these two, never by
     * libcups' defaults (any root, trust on first use). */
    TEXT("printer_ca", printer_ca, "", 0),
    TEXT("printer_fingerprint", printer_fingerprint, "", 0),
    /* ipp:// sends letters in clear: only when this names that risk. */
    {"printer_insecure_cleartext", MM_CONFIG_BOOL, offsetof(srv_conf, printer_cleartext), 0, "no", 0, 0, 0,
     MM_CONFIG_EMPTY_ABSENT},
    LONG("retention_days", retention_days, "365", 0, 36500),
    TEXT("support_text", support_text, "Har du frågor om brevet? Kontakta avsändaren.", 0),
    TEXT("support_url", support_url, "", 0),
    TEXT("support_phone", support_phone, "", 0),
    TEXT("body_text", body_text, "Du har fått ett brev. Det finns i den bifogade filen.", 0),
    LONG("max_connections", max_connections, "256", 4, 4096),
    /* Far below max_connections: one host cannot take every connection. */
    LONG("max_connections_per_ip", max_connections_per_ip, "16", 1, 4096),
    LONG("header_timeout", header_timeout_s, "10", 1, 300),
    LONG("request_rate", request_rate, "20", 1, 100000),
    LONG("request_burst", request_burst, "200", 1, 1000000),
    SECS("held_expiry", held_expiry_s, "14d", 1, 3650L * 86400),
    SECS("exception_retention", exception_retention_s, "60d", 1, 3650L * 86400),
    /* As long as systemd gives the previous instance to stop (TimeoutStopSec). */
    LONG("lock_wait", lock_wait_s, "90", 0, 3600),
    /* The web portal for people (server/web.h, mmprintd(8)). */
    TEXT("web_listen", web_listen, "", 0),
    TEXT("web_public_url", web_public_url, "", 0),
    TEXT("web_tls_cert", web_tls_cert, "", 0),
    TEXT("web_tls_key", web_tls_key, "", 0),
    TEXT("web_assets", web_assets, SRV_WEB_ASSETS, 0),
    LONG("web_session_idle", web_session_idle_s, "900", 1, 86400),
    LONG("web_session_max", web_session_max_s, "28800", 1, 7L * 86400),
    /* Enough for a person who mistypes a few times; far too few to guess. */
    LONG("web_login_rate", web_login_rate, "10", 1, 100000),
    LONG("web_login_burst", web_login_burst, "5", 1, 100000),
    {"web_pam", MM_CONFIG_BOOL, offsetof(srv_conf, web_pam), 0, "no", 0, 0, 0, MM_CONFIG_EMPTY_ABSENT},
    TEXT("web_pam_service", web_pam_service, "mmprintd", 0),
    TEXT("web_pam_roles", web_pam_roles, "", 0),
    /* The print room's class of a letter that names none (MMPostClass). */
    TEXT("postal_class_default", postal_class_default, "b-post", 0),
    /* The print rooms (issue 12): the default room's sides, and a folder
     * of more rooms (srv_conf_load_rooms). */
    TEXT("printer_sides", printer_sides, "auto", 0),
    TEXT("printroom_dir", printroom_dir, "", 0),
    /* The statistics' unit values: the pre-study's figures (stats.h). */
    TEXT("paper_cost", paper_cost_text, "7", 0),
    TEXT("digital_cost", digital_cost_text, "1.50", 0),
    TEXT("minutes_saved", minutes_saved_text, "10", 0),
    TEXT("hourly_rate", hourly_rate_text, "300", 0),
    TEXT("security_value", security_value_text, "60", 0),
    TEXT("letters_per_decision", letters_per_decision_text, "2", 0),
    /* Batch print streams (issue 13): a night run's 5,000 letters of two
     * pages are some 100 MB; beyond these a batch is refused, never cut. */
    LONG("batch_max_bytes", batch_max_bytes, "1073741824", 4096, 68719476736L),
    LONG("batch_max_pages", batch_max_pages, "50000", 1, 1000000),
    LONG("batch_max_letters", batch_max_letters, "20000", 1, 1000000),
};

/* The statistics' unit values: each an amount (mm_text_amount). */
static int check_amounts(srv_conf *c, mm_error *err)
{
    const struct {
        const char *key, *text;
        double *value;
    } a[] = {{"paper_cost", c->paper_cost_text, &c->paper_cost},
             {"digital_cost", c->digital_cost_text, &c->digital_cost},
             {"minutes_saved", c->minutes_saved_text, &c->minutes_saved},
             {"hourly_rate", c->hourly_rate_text, &c->hourly_rate},
             {"security_value", c->security_value_text, &c->security_value},
             {"letters_per_decision", c->letters_per_decision_text, &c->letters_per_decision}};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        if (mm_text_amount(a[i].text, a[i].value))
            return mm_error_set(err, MM_ERR_INPUT, 0,
                                "config: %s must be an amount such as 7 or 1.50 (no sign), not '%s'", a[i].key,
                                a[i].text);
    return 0;
}

/* The print room's printer: ipp:// or ipps://, a host, a port and the
 * printer's path, checked the way libcups will read it when printing, so a
 * typing error stops the start instead of failing letters later. */
static int check_printer_uri(const char *key, const char *uri, mm_error *err)
{
    char scheme[32], user[256], host[256], resource[1024];
    int port = 0;
    http_uri_status_t st = httpSeparateURI(HTTP_URI_CODING_ALL, uri, scheme, sizeof scheme, user, sizeof user,
                                           host, sizeof host, &port, resource, sizeof resource);
    const char *why = NULL;
    if (st == HTTP_URI_STATUS_BAD_PORT)
        why = "the port is not a number from 1 to 65535";
    else if (st == HTTP_URI_STATUS_BAD_HOSTNAME)
        why = "the host name is not valid";
    else if (st == HTTP_URI_STATUS_MISSING_RESOURCE)
        why = "the printer's path is missing (e.g. /ipp/print or /printers/NAME)";
    else if (st != HTTP_URI_STATUS_OK && st != HTTP_URI_STATUS_UNKNOWN_SCHEME)
        why = "it is not a URI of the form ipp://host[:port]/path";
    else if (strcmp(scheme, "ipp") && strcmp(scheme, "ipps"))
        why = "the scheme must be ipp or ipps";
    else if (strncmp(uri, scheme, strlen(scheme)) || strncmp(uri + strlen(scheme), "://", 3))
        why = "it must start with ipp:// or ipps://";
    else if (!host[0])
        why = "the host is missing";
    else if (user[0])
        why = "a user name in the URI is not supported";
    else if (port < 1 || port > 65535)
        why = "the port is not a number from 1 to 65535";
    else if (resource[0] != '/' || strpbrk(resource, "?#"))
        why = "the printer's path must start with / and have no query";
    if (why)
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: %s '%s' is not usable: %s", key, uri, why);
    return 0;
}

/* How a printer is trusted: ipps:// with its CA or a pinned fingerprint,
 * or ipp:// only when the cleartext risk is accepted by name.  The CA file
 * must hold certificates now, not at the first letter.  pre names where
 * ("config: " or "config: FILE: ") and k the keys (uri, ca, fingerprint,
 * cleartext) as that file spells them. */
typedef struct {
    const char *uri, *ca, *fingerprint, *cleartext;
} trust_keys;

static int check_room_trust(const srv_room_conf *r, const char *pre, const trust_keys *k, mm_error *err)
{
    if (!strncmp(r->uri, "ipp://", 6)) {
        if (!r->cleartext)
            return mm_error_set(err, MM_ERR_INPUT, 0,
                                "%s%s %s would send letters unencrypted; use ipps:// with %s "
                                "or %s, or set %s = yes to accept that risk",
                                pre, k->uri, r->uri, k->ca, k->fingerprint, k->cleartext);
        return 0;
    }
    if (!r->ca[0] && !r->fingerprint[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s%s %s needs %s or %s to verify the printer", pre, k->uri, r->uri,
                            k->ca, k->fingerprint);
    if (r->fingerprint[0] && srv_print_fingerprint_parse(r->fingerprint, NULL))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "%s%s must be the certificate's SHA-256 as 64 hex digits (colons allowed)", pre,
                            k->fingerprint);
    if (r->ca[0] && srv_print_ca_check(r->ca, err))
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s%s: %s", pre, k->ca, err->msg);
    return 0;
}

int srv_conf_sides_valid(const char *sides)
{
    static const char *const ok[] = {"auto", "one-sided", "two-sided-long-edge", "two-sided-short-edge"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(sides, ok[i]))
            return 1;
    return 0;
}

/* The default room from the main file's printer_* keys. */
static int check_printer_trust(srv_conf *c, mm_error *err)
{
    srv_room_conf *r = &c->rooms[0];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", c->printer_name);
    snprintf(r->uri, sizeof r->uri, "%s", c->printer_uri);
    snprintf(r->ca, sizeof r->ca, "%s", c->printer_ca);
    snprintf(r->fingerprint, sizeof r->fingerprint, "%s", c->printer_fingerprint);
    snprintf(r->sides, sizeof r->sides, "%s", c->printer_sides);
    r->cleartext = c->printer_cleartext;
    c->nrooms = 1;
    static const trust_keys k = {"printer_uri", "printer_ca", "printer_fingerprint", "printer_insecure_cleartext"};
    if (!srv_conf_sides_valid(c->printer_sides))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "config: printer_sides must be auto, one-sided, two-sided-long-edge or "
                            "two-sided-short-edge, not '%s'", c->printer_sides);
    return check_room_trust(r, "config: ", &k, err);
}

/* ---- the print rooms of printroom_dir ---- */

#define ROOM_TEXT(name, field, def, flags) \
    {name, MM_CONFIG_TEXT, offsetof(srv_room_conf, field), sizeof((srv_room_conf *)0)->field, def, 0, 0, 0, flags}
/* The keys of one print room's file (mmprintd.conf(5) "PRINT ROOMS"). */
static const mm_config_key room_keys[] = {
    ROOM_TEXT("name", name, "", 0),
    ROOM_TEXT("uri", uri, NULL, REQUIRED),
    ROOM_TEXT("ca", ca, "", 0),
    ROOM_TEXT("fingerprint", fingerprint, "", 0),
    {"insecure_cleartext", MM_CONFIG_BOOL, offsetof(srv_room_conf, cleartext), 0, "no", 0, 0, 0,
     MM_CONFIG_EMPTY_ABSENT},
    ROOM_TEXT("sides", sides, "auto", 0),
    ROOM_TEXT("departments", departments, "", 0),
    ROOM_TEXT("postal_class_default", postal_class_default, "", 0),
};

static int conf_file_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

/* The next department of a comma-separated list, blanks trimmed, into
 * out: the rest of the list after it, or NULL at the end. */
static const char *next_department(const char *p, char *out, size_t size)
{
    while (*p == ',' || isspace((unsigned char)*p))
        p++;
    if (!*p)
        return NULL;
    const char *e = p + strcspn(p, ",");
    const char *t = e;
    while (t > p && isspace((unsigned char)t[-1]))
        t--;
    snprintf(out, size, "%.*s", (int)(t - p), p);
    return e;
}

/* One room file into r (name from the file when it says none), checked:
 * 0, or -1 with err naming path. */
static int load_room(srv_conf *c, const char *path, const char *file, srv_room_conf *r, mm_error *err)
{
    memset(r, 0, sizeof *r);
    if (mm_config_load_table(path, room_keys, sizeof room_keys / sizeof room_keys[0], r, NULL, err))
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: print room file: %s", err->msg); /* names path */
    snprintf(r->file, sizeof r->file, "%s", path);
    if (!r->name[0])
        snprintf(r->name, sizeof r->name, "%.*s", (int)(strlen(file) - 5), file);
    char pre[1200];
    snprintf(pre, sizeof pre, "config: print room %s: ", path);
    /* The name is shown on pages, separator pages and CUPS lines. */
    for (const unsigned char *p = (const unsigned char *)r->name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return mm_error_set(err, MM_ERR_INPUT, 0, "%sname has a control character", pre);
    static const trust_keys k = {"uri", "ca", "fingerprint", "insecure_cleartext"};
    char key[1100];
    snprintf(key, sizeof key, "print room %s: uri", path);
    if (check_printer_uri(key, r->uri, err) || check_room_trust(r, pre, &k, err))
        return -1;
    if (!srv_conf_sides_valid(r->sides))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "%ssides must be auto, one-sided, two-sided-long-edge or two-sided-short-edge, not '%s'",
                            pre, r->sides);
    if (r->postal_class_default[0] && !mm_bundle_postal_class_valid(r->postal_class_default))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "%spostal_class_default must be a-post, b-post or rekommenderat, not '%s'", pre,
                            r->postal_class_default);
    if (!r->departments[0])
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "%sdepartments is empty: name the departments whose letters go there "
                            "(every other letter goes to the default room, printer_name)", pre);
    for (size_t i = 0; i < c->nrooms; i++) {
        if (!strcmp(c->rooms[i].name, r->name))
            return mm_error_set(err, MM_ERR_INPUT, 0, "%sthe name '%s' is the name of %s too", pre, r->name,
                                i ? c->rooms[i].file : "the default room (printer_name)");
        /* A department routed to two rooms would print where the file
         * order says: refused, so the routing is what the files say. */
        char a[128], b[128];
        for (const char *p = r->departments; (p = next_department(p, a, sizeof a));)
            for (const char *q = c->rooms[i].departments; (q = next_department(q, b, sizeof b));)
                if (!strcasecmp(a, b))
                    return mm_error_set(err, MM_ERR_INPUT, 0, "%sdepartment '%s' is routed by %s too", pre, a,
                                        c->rooms[i].file);
    }
    return 0;
}

int srv_conf_load_rooms(srv_conf *c, mm_error *err)
{
    if (!c->printroom_dir[0])
        return 0;
    struct dirent **names = NULL;
    int n = scandir(c->printroom_dir, &names, conf_file_name, alphasort);
    if (n < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "config: printroom_dir %s: %s", c->printroom_dir,
                            strerror(errno));
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[sizeof c->rooms[0].file];
        if (snprintf(path, sizeof path, "%s/%s", c->printroom_dir, names[i]->d_name) >= (int)sizeof path && rc == 0)
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "config: printroom_dir %s: a file name is too long",
                              c->printroom_dir);
        if (rc == 0 && c->nrooms >= SRV_ROOMS_MAX)
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "config: printroom_dir %s holds more than %d print rooms",
                              c->printroom_dir, SRV_ROOMS_MAX - 1);
        if (rc == 0 && load_room(c, path, names[i]->d_name, &c->rooms[c->nrooms], err) == 0)
            c->nrooms++;
        else
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int srv_conf_load(const char *path, srv_conf *c, mm_error *err)
{
    memset(c, 0, sizeof *c);
    if (mm_config_load_table(path, conf_keys, sizeof conf_keys / sizeof conf_keys[0], c, NULL, err))
        return -1;
    /* What no single key can say: how keys go together. */
    if (c->plain_loopback) {
        /* Plain HTTP is for loopback only: never on a reachable address. */
        if (strcmp(c->listen_address, "127.0.0.1") && strcmp(c->listen_address, "::1"))
            return mm_error_set(err, MM_ERR_INPUT, 0,
                                "config: listen_plain_loopback requires listen_address 127.0.0.1 or ::1");
    } else if (!c->tls_cert[0] || !c->tls_key[0] || !c->client_ca[0]) {
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: tls_cert, tls_key and client_ca are required for HTTPS");
    }
    /* FaR is asked about people by their personnummer: never in clear. */
    if (!mm_http_url_is_https(c->far_url))
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: far_url '%s' must be an https:// URL", c->far_url);
    if (c->max_connections_per_ip > c->max_connections)
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: max_connections_per_ip (%ld) exceeds max_connections (%ld)",
                            c->max_connections_per_ip, c->max_connections);
    if (c->sender_id[0] && !mm_idnum_sender_id_valid(c->sender_id))
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: sender_id must be \"16\" followed by 10 digits");
    if (check_printer_uri("printer_uri", c->printer_uri, err))
        return -1;
    if (!mm_bundle_postal_class_valid(c->postal_class_default))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "config: postal_class_default must be a-post, b-post or rekommenderat, not '%s'",
                            c->postal_class_default);
    if (c->web_session_idle_s > c->web_session_max_s)
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: web_session_idle (%ld) exceeds web_session_max (%ld)",
                            c->web_session_idle_s, c->web_session_max_s);
    /* People type passwords there: a link in the clear would teach them to. */
    if (c->web_public_url[0] && !mm_http_url_is_https(c->web_public_url))
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: web_public_url '%s' must be an https:// URL",
                            c->web_public_url);
    if (c->web_pam && !c->web_pam_roles[0])
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "config: web_pam = yes needs web_pam_roles (role:GROUP,...): without it nobody has a role");
    if (check_amounts(c, err) || check_printer_trust(c, err))
        return -1;
    return srv_conf_load_rooms(c, err);
}

void srv_conf_print(const srv_conf *c, FILE *f)
{
    char value[2048];
    for (size_t i = 0; i < sizeof conf_keys / sizeof conf_keys[0]; i++) {
        mm_config_format(&conf_keys[i], c, value, sizeof value);
        fprintf(f, "%s = %s\n", conf_keys[i].key, value);
    }
    /* The rooms of printroom_dir, as comments: they are not keys of this file. */
    for (size_t i = 1; i < c->nrooms; i++)
        fprintf(f, "# print room %s (%s): uri %s, sides %s, departments %s\n", c->rooms[i].name,
                c->rooms[i].file, c->rooms[i].uri, c->rooms[i].sides, c->rooms[i].departments);
}

/* A file anyone but root or us can write lets them choose whom we trust. */
static int check_trust_file(const char *key, const char *path, mm_error *err)
{
    struct stat sb;
    if (stat(path, &sb))
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "%s %s: %s", key, path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s %s is not a regular file", key, path);
    if (sb.st_uid != 0 && sb.st_uid != geteuid())
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "%s %s is owned by uid %u, not by root or the server's user (uid %u): "
                            "its owner could make the server trust anyone",
                            key, path, (unsigned)sb.st_uid, (unsigned)geteuid());
    if (sb.st_mode & 022)
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "%s %s is writable by group or others (mode %04o): they could make the server "
                            "trust anyone; run: chmod go-w %s",
                            key, path, (unsigned)(sb.st_mode & 07777), path);
    return 0;
}

int srv_conf_check_trust(const srv_conf *c, mm_error *err)
{
    const char *files[][2] = {{"tls_cert", c->tls_cert},
                              {"client_ca", c->client_ca},
                              {"client_crl", c->client_crl},
                              {"ca_file", c->ca_file}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i][1][0] && check_trust_file(files[i][0], files[i][1], err))
            return -1;
    return 0;
}

int srv_check_cert_key(const char *cert, const char *key, long *days_left, mm_error *err)
{
    struct stat sb;
    if (stat(key, &sb))
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "private key %s: %s", key, strerror(errno));
    if (sb.st_mode & 077)
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "private key %s is accessible by group or others (mode %04o); "
                            "run: chmod 600 %s", key, (unsigned)(sb.st_mode & 07777), key);
    if (sb.st_uid != geteuid())
        return mm_error_set(err, MM_ERR_INPUT, 0, "private key %s is not owned by the server's user (uid %u)",
                            key, (unsigned)geteuid());
    FILE *f = fopen(cert, "r");
    if (!f)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "certificate %s: %s", cert, strerror(errno));
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        return mm_error_set(err, MM_ERR_INPUT, 0, "certificate %s: not a PEM certificate", cert);
    f = fopen(key, "r");
    EVP_PKEY *pk = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    int rc = -1;
    if (!pk) {
        mm_error_set(err, MM_ERR_INPUT, 0, "private key %s: cannot read an unencrypted PEM key", key);
    } else if (X509_check_private_key(x, pk) != 1) {
        mm_error_set(err, MM_ERR_INPUT, 0, "certificate %s does not match private key %s", cert, key);
    } else if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
        mm_error_set(err, MM_ERR_INPUT, 0, "certificate %s has expired", cert);
    } else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
        mm_error_set(err, MM_ERR_INPUT, 0, "certificate %s is not valid yet", cert);
    } else {
        int day = 0, sec = 0;
        ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(x));
        *days_left = day;
        rc = 0;
    }
    EVP_PKEY_free(pk);
    X509_free(x);
    return rc;
}

mm_http *srv_conf_http_new(const srv_conf *c)
{
    mm_http_config hc = {
        .cert_file = c->org_cert,
        .key_file = c->org_key,
        .ca_file = c->ca_file,
        .connect_timeout_ms = c->connect_timeout_ms,
        .timeout_ms = c->http_timeout_ms,
        .https_only = 1, /* FaR and operators: never plain http */
    };
    mm_error err;
    mm_http *h = mm_http_new(&hc, &err);
    if (!h)
        mm_log(MM_LOG_ERROR, "cannot create HTTPS client: %s", err.msg);
    return h;
}
