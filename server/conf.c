/* mmprintd configuration (mmprintd.conf(5)) and the start-up safety checks
 * of certificates and keys. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <cups/http.h>

#include "config.h"
#include "mmprintd.h"

static const char *const known_keys[] = {
    "listen_address", "port", "listen_plain_loopback", "tls_cert", "tls_key", "client_ca", "client_allow",
    "org_cert", "org_key", "ca_file", "sender_name", "sender_id", "far_url", "database", "spool_dir",
    "sync_wait_ms", "far_batch_wait_ms", "far_batch_max", "workers", "print_workers", "retry_initial_ms",
    "retry_max_ms", "retry_deadline", "print_deadline", "http_timeout_ms", "connect_timeout_ms",
    "printer_uri", "printer_name", "retention_days", "support_text", "support_url", "support_phone",
    "body_text", "max_connections", "held_expiry", "exception_retention", "lock_wait",
};

static int copy(char *dst, size_t size, const char *v, const char *key, mm_error *err)
{
    if (strlen(v) >= size)
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: %s is too long (max %zu)", key, size - 1);
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int range(const mm_config *cfg, const char *key, long def, long lo, long hi, long *out, mm_error *err)
{
    const char *v = mm_config_get(cfg, key, NULL);
    if (!v) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi)
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: %s must be a number from %ld to %ld", key, lo, hi);
    *out = n;
    return 0;
}

/* A duration with its unit, s, m, h or d ("14d"): these keys keep letters,
 * so a bare number, whose unit a reader could guess wrong, is refused. */
static int duration(const mm_config *cfg, const char *key, const char *def, long lo, long hi, long *out,
                    mm_error *err)
{
    const char *v = mm_config_get(cfg, key, def);
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    long unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
    if (errno || end == v || !unit || end[1] || n < 0 || n > hi / unit || n * unit < lo)
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "config: %s must be a whole number with a unit s, m, h or d (e.g. %s), "
                            "from %lds to %ldd",
                            key, def, lo, hi / 86400);
    *out = n * unit;
    return 0;
}

/* The print room's printer: ipp:// or ipps://, a host, a port and the
 * printer's path, checked the way libcups will read it when printing, so a
 * typing error stops the start instead of failing letters later. */
static int check_printer_uri(const char *uri, mm_error *err)
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
        return mm_error_set(err, MM_ERR_INPUT, 0, "config: printer_uri '%s' is not usable: %s", uri, why);
    return 0;
}

int srv_conf_load(const char *path, srv_conf *c, mm_error *err)
{
    memset(c, 0, sizeof *c);
    mm_config *cfg = mm_config_load(path, err);
    if (!cfg)
        return -1;
    int rc = -1;
    for (size_t i = 0; i < mm_config_count(cfg); i++) {
        const char *k = mm_config_key_at(cfg, i);
        int known = 0;
        for (size_t j = 0; j < sizeof known_keys / sizeof known_keys[0]; j++)
            known |= !strcmp(k, known_keys[j]);
        if (!known) {
            mm_error_set(err, MM_ERR_INPUT, 0, "config %s: unknown key '%s'", path, k);
            goto out;
        }
    }
    struct {
        const char *key;
        char *dst;
        size_t size;
        const char *def; /* NULL = required */
    } strs[] = {
        {"listen_address", c->listen_address, sizeof c->listen_address, "127.0.0.1"},
        {"tls_cert", c->tls_cert, sizeof c->tls_cert, ""},
        {"tls_key", c->tls_key, sizeof c->tls_key, ""},
        {"client_ca", c->client_ca, sizeof c->client_ca, ""},
        {"client_allow", c->client_allow, sizeof c->client_allow, ""},
        {"org_cert", c->org_cert, sizeof c->org_cert, NULL},
        {"org_key", c->org_key, sizeof c->org_key, NULL},
        {"ca_file", c->ca_file, sizeof c->ca_file, NULL},
        {"sender_name", c->sender_name, sizeof c->sender_name, NULL},
        {"sender_id", c->sender_id, sizeof c->sender_id, ""},
        {"far_url", c->far_url, sizeof c->far_url, NULL},
        {"database", c->database, sizeof c->database, "/var/lib/mmprint/mmprintd.db"},
        {"spool_dir", c->spool_dir, sizeof c->spool_dir, "/var/spool/mmprint"},
        {"printer_uri", c->printer_uri, sizeof c->printer_uri, NULL},
        {"printer_name", c->printer_name, sizeof c->printer_name, "Utskriftsrummet"},
        {"support_text", c->support_text, sizeof c->support_text,
         "Har du frågor om brevet? Kontakta avsändaren."},
        {"support_url", c->support_url, sizeof c->support_url, ""},
        {"support_phone", c->support_phone, sizeof c->support_phone, ""},
        {"body_text", c->body_text, sizeof c->body_text, "Du har fått ett brev. Det finns i den bifogade filen."},
    };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        const char *v = mm_config_get(cfg, strs[i].key, strs[i].def);
        if (!v || (!strs[i].def && !*v)) {
            mm_error_set(err, MM_ERR_INPUT, 0, "config %s: %s is required", path, strs[i].key);
            goto out;
        }
        if (copy(strs[i].dst, strs[i].size, v, strs[i].key, err))
            goto out;
    }
    long port;
    if (range(cfg, "port", 8631, 1, 65535, &port, err) ||
        range(cfg, "sync_wait_ms", 1500, 0, 60000, &c->sync_wait_ms, err) ||
        range(cfg, "far_batch_wait_ms", 5, 0, 1000, &c->far_batch_wait_ms, err) ||
        range(cfg, "far_batch_max", MM_FAR_BATCH_MAX, 1, MM_FAR_BATCH_MAX, &c->far_batch_max, err) ||
        /* A worker waits for its operator's answer most of the time (tens of
         * milliseconds over the Internet), so there are many more than cores. */
        range(cfg, "workers", 16, 1, 64, &c->workers, err) ||
        range(cfg, "print_workers", 1, 1, 16, &c->print_workers, err) ||
        range(cfg, "retry_initial_ms", 1000, 10, 3600000, &c->retry_initial_ms, err) ||
        range(cfg, "retry_max_ms", 300000, 10, 86400000, &c->retry_max_ms, err) ||
        range(cfg, "retry_deadline", 86400, 1, 30 * 86400, &c->retry_deadline_s, err) ||
        range(cfg, "print_deadline", 86400, 1, 30 * 86400, &c->print_deadline_s, err) ||
        range(cfg, "http_timeout_ms", 30000, 100, 600000, &c->http_timeout_ms, err) ||
        range(cfg, "connect_timeout_ms", 5000, 100, 600000, &c->connect_timeout_ms, err) ||
        range(cfg, "retention_days", 365, 0, 36500, &c->retention_days, err) ||
        range(cfg, "max_connections", 256, 4, 4096, &c->max_connections, err) ||
        duration(cfg, "held_expiry", "14d", 1, 3650L * 86400, &c->held_expiry_s, err) ||
        duration(cfg, "exception_retention", "60d", 1, 3650L * 86400, &c->exception_retention_s, err) ||
        /* As long as systemd gives the previous instance to stop (TimeoutStopSec). */
        range(cfg, "lock_wait", 90, 0, 3600, &c->lock_wait_s, err))
        goto out;
    c->port = (int)port;
    c->plain_loopback = mm_config_get_bool(cfg, "listen_plain_loopback", 0);
    if (c->plain_loopback) {
        /* Plain HTTP is for loopback only: never on a reachable address. */
        if (strcmp(c->listen_address, "127.0.0.1") && strcmp(c->listen_address, "::1")) {
            mm_error_set(err, MM_ERR_INPUT, 0, "config: listen_plain_loopback requires listen_address 127.0.0.1 or ::1");
            goto out;
        }
    } else if (!c->tls_cert[0] || !c->tls_key[0] || !c->client_ca[0]) {
        mm_error_set(err, MM_ERR_INPUT, 0, "config: tls_cert, tls_key and client_ca are required for HTTPS");
        goto out;
    }
    if (c->sender_id[0] && (strlen(c->sender_id) != 12 || strncmp(c->sender_id, "16", 2) ||
                            strspn(c->sender_id, "0123456789") != 12)) {
        mm_error_set(err, MM_ERR_INPUT, 0, "config: sender_id must be \"16\" followed by 10 digits");
        goto out;
    }
    if (check_printer_uri(c->printer_uri, err))
        goto out;
    rc = 0;
out:
    mm_config_free(cfg);
    return rc;
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
