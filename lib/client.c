/* SPDX-License-Identifier: EUPL-1.2 */
/* The print path's client of mmprintd (see client.h): its configuration, the
 * key-permission check, and the POST of a job bundle through lib/http. */
#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "http.h"
#include "text.h"

#define MAX_REPLY (256u * 1024u)

/* The backend's and notifier's keys (backend.conf, mmctl.conf(5)'s
 * "client" file); timeouts are written in seconds and kept in ms. */
static const mm_config_key client_keys[] = {
    {"cert", MM_CONFIG_TEXT, offsetof(mm_client_conf, cert), sizeof((mm_client_conf *)0)->cert, NULL, 0, 0, 0,
     MM_CONFIG_REQUIRED},
    {"key", MM_CONFIG_TEXT, offsetof(mm_client_conf, key), sizeof((mm_client_conf *)0)->key, NULL, 0, 0, 0,
     MM_CONFIG_REQUIRED},
    {"ca", MM_CONFIG_TEXT, offsetof(mm_client_conf, ca), sizeof((mm_client_conf *)0)->ca, NULL, 0, 0, 0,
     MM_CONFIG_REQUIRED},
    {"connect_timeout", MM_CONFIG_LONG, offsetof(mm_client_conf, connect_timeout_ms), 0, "5", 1, 3600, 1000, 0},
    {"timeout", MM_CONFIG_LONG, offsetof(mm_client_conf, timeout_ms), 0, "120", 1, 3600, 1000, 0},
    {"key_shared_with_lp", MM_CONFIG_BOOL, offsetof(mm_client_conf, key_shared_with_lp), 0, "no", 0, 0, 0, 0},
    {"batch_wait", MM_CONFIG_LONG, offsetof(mm_client_conf, batch_wait_ms), 0, "900", 0, 86400, 1000, 0},
};

int mm_client_conf_load(const char *path, mm_client_conf *conf, mm_error *err)
{
    memset(conf, 0, sizeof *conf);
    return mm_config_load_table(path, client_keys, sizeof client_keys / sizeof client_keys[0], conf, NULL, err);
}

/* The directory that holds path: whoever may write to it may replace the
 * file, whatever the file's own mode says.  A sticky directory (/tmp) lets
 * only the file's owner rename or remove it. */
static int check_dir(const char *path, mm_error *err)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    struct stat st;
    if (stat(dir, &st) != 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot read directory %s: %s", dir, strerror(errno));
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "directory %s of %s is writable by group or others (mode %03o); fix: chmod go-w %s",
                            dir, path, (unsigned)(st.st_mode & 0777), dir);
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return mm_error_set(err, MM_ERR_INPUT, 0, "directory %s of %s is owned by uid %u; fix: chown root %s", dir,
                            path, (unsigned)st.st_uid, dir);
    return 0;
}

static int stat_regular(const char *path, const char *what, struct stat *st, mm_error *err)
{
    if (stat(path, st) != 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot read %s %s: %s", what, path, strerror(errno));
    if (!S_ISREG(st->st_mode))
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s %s is not a regular file", what, path);
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return mm_error_set(err, MM_ERR_INPUT, 0, "%s %s is owned by uid %u, not root; fix: chown root:root %s",
                            what, path, (unsigned)st->st_uid, path);
    return 0;
}

/* The key check; shared_with_lp also allows group lp to read it (the
 * notifier, which cupsd runs as lp, then works; so could a filter). */
static int check_key(const char *path, int shared_with_lp, mm_error *err)
{
    struct stat st;
    if (stat_regular(path, "key", &st, err) != 0)
        return -1;
    unsigned mode = (unsigned)(st.st_mode & 0777);
    if (st.st_mode & (S_IRWXO))
        return mm_error_set(err, MM_ERR_INPUT, 0, "key %s is accessible by others (mode %03o); fix: chmod 600 %s",
                            path, mode, path);
    if (st.st_mode & (S_IWGRP | S_IXGRP))
        return mm_error_set(err, MM_ERR_INPUT, 0, "key %s is group-writable (mode %03o); fix: chmod 600 %s", path,
                            mode, path);
    if (st.st_mode & S_IRGRP) {
        struct group *lp = shared_with_lp ? getgrnam("lp") : NULL;
        if (!lp || st.st_gid != lp->gr_gid)
            return mm_error_set(err, MM_ERR_INPUT, 0,
                                "key %s is group-readable (mode %03o): filters running as lp could take it; fix: "
                                "chmod 600 %s",
                                path, mode, path);
    }
    return check_dir(path, err);
}

int mm_client_check_key(const char *path, mm_error *err)
{
    return check_key(path, 0, err);
}

int mm_client_check_trust(const char *path, mm_error *err)
{
    struct stat st;
    if (stat_regular(path, "trust file", &st, err) != 0)
        return -1;
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "trust file %s is writable by group or others (mode %03o); fix: chmod 644 %s", path,
                            (unsigned)(st.st_mode & 0777), path);
    return check_dir(path, err);
}

int mm_client_check_files(const char *conf_path, const mm_client_conf *conf, mm_error *err)
{
    if (mm_client_check_trust(conf_path, err) != 0 || mm_client_check_trust(conf->ca, err) != 0 ||
        mm_client_check_trust(conf->cert, err) != 0)
        return -1;
    return check_key(conf->key, conf->key_shared_with_lp, err);
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* Overlong three- and four-byte forms, surrogates, above U+10FFFF. */
    if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
        (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* Whether the n-byte UTF-8 sequence at s is a character that breaks or
 * reorders a line: C0, DEL, C1 (U+0080..U+009F, NEL among them), the line
 * and paragraph separators and the bidirectional embeddings and isolates. */
static int is_control(const unsigned char *s, size_t n)
{
    if (n == 1)
        return s[0] < 0x20 || s[0] == 0x7f;
    if (n == 2)
        return s[0] == 0xc2 && s[1] < 0xa0;
    if (n == 3 && s[0] == 0xe2 && s[1] == 0x80)
        return s[2] == 0xa8 || s[2] == 0xa9 || (s[2] >= 0xaa && s[2] <= 0xae);
    if (n == 3 && s[0] == 0xe2 && s[1] == 0x81)
        return s[2] >= 0xa6 && s[2] <= 0xa9;
    return 0;
}

void mm_client_one_line(char *text)
{
    unsigned char *in = (unsigned char *)text, *out = in;
    int space = 1; /* drops leading spaces and runs */
    while (*in) {
        size_t n = utf8_len(in);
        if (n == 0 || is_control(in, n) || *in == ' ') {
            if (!space)
                *out++ = ' ';
            space = 1;
            in += n ? n : 1;
            continue;
        }
        memmove(out, in, n);
        out += n;
        in += n;
        space = 0;
    }
    if (out > (unsigned char *)text && out[-1] == ' ')
        out--;
    *out = '\0';
}

int mm_client_base_url(const char *uri, char *out, size_t out_size, mm_error *err)
{
    static const char scheme[] = "mmprint://";
    if (!uri || strncmp(uri, scheme, sizeof scheme - 1) != 0)
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI must start with %s", scheme);
    const char *host = uri + sizeof scheme - 1;
    size_t hl = strcspn(host, "/?#");
    const char *rest = host + hl;
    if (*rest == '?' || *rest == '#' || (*rest == '/' && rest[1] != '\0'))
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI must be mmprint://host[:port]/");
    if (hl == 0 || hl > 255)
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has no usable host");
    char hp[256];
    memcpy(hp, host, hl);
    hp[hl] = '\0';
    if (strchr(hp, '@'))
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI must not carry credentials");
    /* Split host and port, keeping [v6] literals whole. */
    char *port = NULL;
    if (hp[0] == '[') {
        char *close = strchr(hp, ']');
        if (!close || (close[1] != '\0' && close[1] != ':'))
            return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has a malformed IPv6 address");
        if (close[1] == ':')
            port = close + 1;
    } else {
        port = strchr(hp, ':');
    }
    long portno = MM_CLIENT_DEFAULT_PORT;
    if (port) {
        *port++ = '\0';
        char *end = NULL;
        errno = 0;
        portno = strtol(port, &end, 10);
        if (errno || end == port || *end || portno < 1 || portno > 65535)
            return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has a bad port");
    }
    for (const char *p = hp; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-[]:_", *p))
            return mm_error_set(err, MM_ERR_INPUT, 0, "device URI host has a bad character");
    if (hp[0] == '\0')
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI has no host");
    int n = snprintf(out, out_size, "https://%s:%ld", hp, portno);
    if (n < 0 || (size_t)n >= out_size)
        return mm_error_set(err, MM_ERR_INPUT, 0, "device URI too long");
    return 0;
}

/* A text field of a server reply and where it goes. */
typedef struct {
    const char *key;
    char *dst;
    size_t size;
} reply_text;

/* Copies each key's string (or "") into its field, made one line: server
 * text goes into CUPS lines, logs and job attributes. */
static void reply_texts(json_t *o, const reply_text *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(o, t[i].key);
        mm_text_copy(t[i].dst, t[i].size, json_is_string(v) ? json_string_value(v) : "");
        mm_client_one_line(t[i].dst);
    }
}

/* The reply's JSON object, or NULL (no body, not JSON, not an object). */
static json_t *reply_object(const char *body, size_t len)
{
    json_t *o = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void mm_client_parse_reply(long status, const char *body, size_t len, mm_client_reply *r)
{
    memset(r, 0, sizeof *r);
    r->status = status;
    json_t *o = reply_object(body, len);
    if (!o)
        return;
    const reply_text texts[] = {
        {"id", r->id, sizeof r->id},
        {"state", r->state, sizeof r->state},
        {"channel", r->channel, sizeof r->channel},
        {"operator", r->operator_name, sizeof r->operator_name},
        {"printer", r->printer, sizeof r->printer},
        {"message", r->message, sizeof r->message},
        {"error", r->error, sizeof r->error},
    };
    reply_texts(o, texts, sizeof texts / sizeof texts[0]);
    json_t *p = json_object_get(o, "pages");
    if (json_is_integer(p) && json_integer_value(p) > 0 && json_integer_value(p) < 1000000)
        r->pages = (int)json_integer_value(p);
    json_decref(o);
}

mm_client_action mm_client_classify(const mm_client_reply *r)
{
    long s = r->status;
    if (s == 200 || s == 201) {
        static const char *const done[] = {"delivered", "printed", "posted", "queued", "sending", "printing"};
        for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
            if (!strcmp(r->state, done[i]))
                return MM_CLIENT_DONE;
        if (!strcmp(r->state, "needs-recipient"))
            return MM_CLIENT_HOLD;
        if (!strcmp(r->state, "returned") || !strcmp(r->state, "failed") || !strcmp(r->state, "cancelled") ||
            !strcmp(r->state, "expired"))
            return MM_CLIENT_CANCEL;
        /* An answer we do not understand: asking again is safe (idempotent). */
        return MM_CLIENT_RETRY;
    }
    if (s == 401 || s == 403)
        return MM_CLIENT_STOP;
    if (s == 408 || s == 429 || s >= 500 || s < 400)
        return MM_CLIENT_RETRY;
    return MM_CLIENT_CANCEL;
}

/* One HTTPS POST with the client certificate over mm_http; any HTTP answer
 * fills r and returns 0, transport failures and an abort return -1
 * (MM_ERR_TRANSPORT; a reply over MAX_REPLY is MM_ERR_PROTOCOL). */
static int post(const mm_client_conf *conf, const char *url, const char *content_type, const void *data,
                size_t len, const char *idem_key, const volatile sig_atomic_t *abort_flag, mm_client_reply *r,
                mm_error *err)
{
    memset(r, 0, sizeof *r);
    /* The CA of the mmprint server alone: no system CA can stand in for it. */
    mm_http_config hc = {
        .cert_file = conf->cert,
        .key_file = conf->key,
        .ca_file = conf->ca,
        .connect_timeout_ms = conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : 5000L,
        .timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 120000L,
        .max_response = MAX_REPLY,
        .abort_flag = abort_flag,
        .https_only = 1,
        .ca_file_only = 1,
    };
    mm_http *h = mm_http_new(&hc, err);
    if (!h)
        return -1;
    char idem[300];
    const char *headers[] = {"Accept: application/json", NULL, NULL};
    if (idem_key && *idem_key) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", idem_key);
        headers[1] = idem;
    }
    mm_buf body = MM_BUF_INIT;
    long status = 0;
    int rc = mm_http_request(h, "POST", url, content_type, data, len, headers, &status, &body, err);
    if (rc == 0)
        mm_client_parse_reply(status, body.data, body.len, r);
    mm_buf_free(&body);
    mm_http_free(h);
    return rc;
}

int mm_client_submit(const mm_client_conf *conf, const char *base_url, const unsigned char *bundle,
                     size_t len, const char *idem_key, const volatile sig_atomic_t *abort_flag,
                     mm_client_reply *r, mm_error *err)
{
    memset(r, 0, sizeof *r);
    char url[600];
    if ((size_t)snprintf(url, sizeof url, "%s/api/v1/jobs", base_url) >= sizeof url)
        return mm_error_set(err, MM_ERR_INPUT, 0, "server URL too long");
    return post(conf, url, "application/vnd.mmprint-job", bundle, len, idem_key, abort_flag, r, err);
}

int mm_client_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)key[i]) && !strchr("-_.:", key[i]))
            return 0;
    return 1;
}

int mm_client_cancel_by_key(const mm_client_conf *conf, const char *base_url, const char *idem_key,
                            const volatile sig_atomic_t *abort_flag, mm_client_reply *r, mm_error *err)
{
    memset(r, 0, sizeof *r);
    if (!mm_client_key_valid(idem_key))
        return mm_error_set(err, MM_ERR_INPUT, 0, "not a usable job key");
    char url[800];
    if ((size_t)snprintf(url, sizeof url, "%s/api/v1/jobs/by-key/%s/cancel", base_url, idem_key) >= sizeof url)
        return mm_error_set(err, MM_ERR_INPUT, 0, "server URL too long");
    return post(conf, url, "application/json", "{}", 2, NULL, abort_flag, r, err);
}

/* ---- batches ---- */

static long json_count(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) < 100000000
               ? (long)json_integer_value(v)
               : 0;
}

void mm_client_parse_batch(long status, const char *body, size_t len, mm_client_batch *b)
{
    memset(b, 0, sizeof *b);
    b->status = status;
    b->letters = -1;
    json_t *o = reply_object(body, len);
    if (!o)
        return;
    const reply_text texts[] = {
        {"id", b->id, sizeof b->id},
        {"state", b->state, sizeof b->state},
        {"reason", b->reason, sizeof b->reason},
        {"message", b->message, sizeof b->message},
        {"error", b->error, sizeof b->error},
    };
    reply_texts(o, texts, sizeof texts / sizeof texts[0]);
    if (json_is_integer(json_object_get(o, "letters")))
        b->letters = json_count(o, "letters");
    json_t *c = json_object_get(o, "counts");
    if (json_is_object(c)) {
        b->digital = json_count(c, "digital");
        b->paper = json_count(c, "paper");
        b->held = json_count(c, "held");
        b->pending = json_count(c, "pending");
        b->failed = json_count(c, "failed");
    }
    json_decref(o);
}

mm_client_action mm_client_batch_classify(const mm_client_batch *b)
{
    long s = b->status;
    if (s == 200 || s == 201 || s == 202) {
        if (!strcmp(b->state, "received") || !strcmp(b->state, "splitting") || !strcmp(b->state, "split"))
            return MM_CLIENT_DONE;
        if (!strcmp(b->state, "held"))
            return MM_CLIENT_HOLD;
        if (!strcmp(b->state, "cancelled"))
            return MM_CLIENT_CANCEL;
        return MM_CLIENT_RETRY; /* not understood: asking again is safe */
    }
    mm_client_reply r;
    memset(&r, 0, sizeof r);
    r.status = s;
    return mm_client_classify(&r);
}

int mm_client_batch_decided(const mm_client_batch *b)
{
    return !strcmp(b->state, "split") && b->letters >= 0 && b->pending == 0;
}

/* Streams the parts one after the other (mm_http_reader). */
typedef struct {
    const mm_client_part *parts;
    size_t n, i;
    unsigned long long off; /* within parts[i] */
} part_reader;

static long read_parts(void *ctx, char *buf, size_t size)
{
    part_reader *pr = ctx;
    while (pr->i < pr->n && pr->off == pr->parts[pr->i].len) {
        pr->i++;
        pr->off = 0;
    }
    if (pr->i == pr->n)
        return 0;
    const mm_client_part *p = &pr->parts[pr->i];
    unsigned long long left = p->len - pr->off;
    size_t want = size < left ? size : (size_t)left;
    if (p->data) {
        memcpy(buf, p->data + pr->off, want);
        pr->off += want;
        return (long)want;
    }
    ssize_t got;
    do
        got = read(p->fd, buf, want);
    while (got < 0 && errno == EINTR);
    if (got <= 0)
        return -1; /* shorter than promised, or unreadable */
    pr->off += (unsigned long long)got;
    return (long)got;
}

static mm_http *client_http(const mm_client_conf *conf, const volatile sig_atomic_t *abort_flag, mm_error *err)
{
    mm_http_config hc = {
        .cert_file = conf->cert,
        .key_file = conf->key,
        .ca_file = conf->ca,
        .connect_timeout_ms = conf->connect_timeout_ms > 0 ? conf->connect_timeout_ms : 5000L,
        .timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 120000L,
        .max_response = MAX_REPLY,
        .abort_flag = abort_flag,
        .https_only = 1,
        .ca_file_only = 1,
    };
    return mm_http_new(&hc, err);
}

int mm_client_submit_batch(const mm_client_conf *conf, const char *base_url, const mm_client_part *parts,
                           size_t nparts, const char *idem_key, const volatile sig_atomic_t *abort_flag,
                           mm_client_batch *b, mm_error *err)
{
    memset(b, 0, sizeof *b);
    char url[600];
    if ((size_t)snprintf(url, sizeof url, "%s/api/v1/batches", base_url) >= sizeof url)
        return mm_error_set(err, MM_ERR_INPUT, 0, "server URL too long");
    unsigned long long total = 0;
    for (size_t i = 0; i < nparts; i++)
        total += parts[i].len;
    /* The request's time limit grows with the body (at least 1 MB/s on
     * top of the configured timeout): a night run may be a GiB. */
    mm_client_conf c = *conf;
    long base_ms = c.timeout_ms > 0 ? c.timeout_ms : 120000L;
    c.timeout_ms = base_ms + (long)(total / 1000ULL < 86400000ULL ? total / 1000ULL : 86400000ULL);
    mm_http *h = client_http(&c, abort_flag, err);
    if (!h)
        return -1;
    char idem[300];
    const char *headers[] = {"Accept: application/json", NULL, NULL};
    if (idem_key && *idem_key) {
        snprintf(idem, sizeof idem, "Idempotency-Key: %s", idem_key);
        headers[1] = idem;
    }
    part_reader pr = {parts, nparts, 0, 0};
    mm_buf body = MM_BUF_INIT;
    long status = 0;
    int rc = mm_http_post_stream(h, url, "application/vnd.mmprint-batch", read_parts, &pr, total, headers, &status,
                                 &body, err);
    if (rc == 0)
        mm_client_parse_batch(status, body.data, body.len, b);
    mm_buf_free(&body);
    mm_http_free(h);
    return rc;
}

int mm_client_batch_get(const mm_client_conf *conf, const char *base_url, const char *id,
                        const volatile sig_atomic_t *abort_flag, mm_client_batch *b, mm_error *err)
{
    memset(b, 0, sizeof *b);
    if (!mm_client_key_valid(id))
        return mm_error_set(err, MM_ERR_INPUT, 0, "not a usable batch id");
    char url[800];
    if ((size_t)snprintf(url, sizeof url, "%s/api/v1/batches/%s?items=no", base_url, id) >= sizeof url)
        return mm_error_set(err, MM_ERR_INPUT, 0, "server URL too long");
    mm_http *h = client_http(conf, abort_flag, err);
    if (!h)
        return -1;
    const char *headers[] = {"Accept: application/json", NULL};
    mm_buf body = MM_BUF_INIT;
    long status = 0;
    int rc = mm_http_request(h, "GET", url, NULL, NULL, 0, headers, &status, &body, err);
    if (rc == 0)
        mm_client_parse_batch(status, body.data, body.len, b);
    mm_buf_free(&body);
    mm_http_free(h);
    return rc;
}
