/* SPDX-License-Identifier: EUPL-1.2 */
/* Configuration loading and error printing shared by mmctl subcommands. */
#include "mmctl_common.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>
#include <jansson.h>

#include "client.h"
#include "http.h"
#include "idnum.h"
#include "log.h"
#include "mmctl.h"

#define REF(name, field, flags) {name, MM_CONFIG_REF, offsetof(mmctl_conf, field), 0, NULL, 0, 0, 0, flags}

/* Every key of mmctl.conf(5); this table alone decides which keys exist,
 * which are required and their defaults and ranges.  Empty values count as
 * absent (mmctl.conf(5)). */
static const mm_config_key mmctl_keys[] = {
    REF("cert", cert, MM_CONFIG_REQUIRED),
    REF("key", key, MM_CONFIG_REQUIRED),
    REF("ca", ca, 0),
    REF("sender_id", sender_id, 0),
    REF("sender_name", sender_name, 0),
    REF("far_url", far_url, MM_CONFIG_REQUIRED),
    {"timeout", MM_CONFIG_LONG, offsetof(mmctl_conf, timeout), 0, "30", 1, 600, 0, MM_CONFIG_EMPTY_ABSENT},
    {"support_text", MM_CONFIG_REF, offsetof(mmctl_conf, support_text), 0, MMCTL_DEFAULT_SUPPORT_TEXT, 0, 0, 0, 0},
    REF("support_url", support_url, 0),
    REF("support_phone", support_phone, 0),
    REF("support_email", support_email, 0),
};

void mmctl_err(const char *cmd, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mm_log_mask_text(line);
    fprintf(stderr, "mmctl %s: %s\n", cmd, line);
}

static int fail(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return -1;
}

int mmctl_conf_load(const char *path_opt, mmctl_conf *out, char *msg, size_t msg_size)
{
    memset(out, 0, sizeof *out);
    const char *path = path_opt;
    if (!path || !*path)
        path = getenv("MMCTL_CONFIG");
    if (!path || !*path)
        path = MMCTL_DEFAULT_CONFIG;
    snprintf(out->path, sizeof out->path, "%s", path);

    mm_error err;
    mm_error_clear(&err);
    if (mm_config_load_table(out->path, mmctl_keys, sizeof mmctl_keys / sizeof mmctl_keys[0], out, &out->cfg,
                             &err))
        return fail(msg, msg_size, "cannot load configuration: %s", err.msg);
    /* What the table cannot say: the form of two values. */
    if (!mm_http_url_is_https(out->far_url)) {
        fail(msg, msg_size, "%s: far_url must be an https:// URL", out->path);
        mmctl_conf_free(out);
        return -1;
    }
    if (out->sender_id && !mm_idnum_sender_id_valid(out->sender_id)) {
        fail(msg, msg_size, "%s: sender_id must be 16 followed by the 10-digit organisation number", out->path);
        mmctl_conf_free(out);
        return -1;
    }
    return 0;
}

void mmctl_conf_free(mmctl_conf *c)
{
    if (c->cfg)
        mm_config_free(c->cfg);
    c->cfg = NULL;
}

/* ---- mmctl against mmprintd's API (exceptions, resolve, user) ---- */


/* Options common to both commands; returns optind, or -1 (usage) / -2 (help). */
int mmctl_api_parse_opts(int argc, char **argv, mmctl_api_opts *o)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'},
        {"client-conf", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    o->server = getenv("MMCTL_SERVER");
    o->client_conf = getenv("MMPRINT_BACKEND_CONF");
    if (!o->client_conf || !*o->client_conf)
        o->client_conf = MMCTL_DEFAULT_CLIENT_CONF;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+s:C:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o->server = optarg; break;
        case 'C': o->client_conf = optarg; break;
        case 'h': return -2;
        default: return -1;
        }
    }
    return optind;
}

/* One request to mmprintd: 0 with *status and the body, 1 on failure (printed). */
int mmctl_api_call(const char *cmd, const mmctl_api_opts *o, const char *method, const char *path, const char *body,
                long *status, mm_buf *resp)
{
    mm_error err;
    mm_error_clear(&err);
    if (!o->server || !*o->server) {
        mmctl_err(cmd, "no server: give it with -s host[:port] or $MMCTL_SERVER");
        return 1;
    }
    char uri[600], base[600], url[800];
    if (strstr(o->server, "://"))
        snprintf(uri, sizeof uri, "%s", o->server);
    else
        snprintf(uri, sizeof uri, "mmprint://%s/", o->server);
    mm_client_conf cc;
    if (mm_client_base_url(uri, base, sizeof base, &err) || mm_client_conf_load(o->client_conf, &cc, &err) ||
        mm_client_check_key(cc.key, &err) || mm_http_global_init(&err)) {
        mmctl_err(cmd, "%s", err.msg);
        return 1;
    }
    snprintf(url, sizeof url, "%s%s", base, path);
    mm_http_config hc = {.cert_file = cc.cert, .key_file = cc.key, .ca_file = cc.ca,
                         .connect_timeout_ms = cc.connect_timeout_ms, .timeout_ms = cc.timeout_ms};
    mm_http *h = mm_http_new(&hc, &err);
    int rc = !h || mm_http_request(h, method, url, body ? "application/json" : NULL, body, body ? strlen(body) : 0,
                                   NULL, status, resp, &err);
    mm_http_free(h);
    if (rc)
        mmctl_err(cmd, "%s: %s", url, err.msg);
    return rc ? 1 : 0;
}

int mmctl_api_client(const char *cmd, const mmctl_api_opts *o, char *base, size_t base_size, mm_client_conf *cc)
{
    mm_error err;
    mm_error_clear(&err);
    if (!o->server || !*o->server) {
        mmctl_err(cmd, "no server: give it with -s host[:port] or $MMCTL_SERVER");
        return 1;
    }
    char uri[600];
    if (strstr(o->server, "://"))
        snprintf(uri, sizeof uri, "%s", o->server);
    else
        snprintf(uri, sizeof uri, "mmprint://%s/", o->server);
    if (mm_client_base_url(uri, base, base_size, &err) || mm_client_conf_load(o->client_conf, cc, &err) ||
        mm_client_check_key(cc->key, &err) || mm_http_global_init(&err)) {
        mmctl_err(cmd, "%s", err.msg);
        return 1;
    }
    return 0;
}

const char *mmctl_json_str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

/* The server's Swedish message of an error answer. */
int mmctl_api_refused(const char *cmd, long status, const mm_buf *resp)
{
    json_t *o = json_loadb(resp->data ? resp->data : "", resp->len, 0, NULL);
    mmctl_err(cmd, "HTTP %ld: %s", status, o ? mmctl_json_str(o, "message") : "unexpected answer");
    json_decref(o);
    return 1;
}

/* call() that also wants HTTP 200: 0 with the answer in resp, or 1 once the
 * reason (the server's Swedish message) is printed. */
int mmctl_api_call_ok(const char *cmd, const mmctl_api_opts *o, const char *method, const char *path, const char *body,
                   mm_buf *resp)
{
    long status = 0;
    if (mmctl_api_call(cmd, o, method, path, body, &status, resp))
        return 1;
    return status == 200 || status == 201 ? 0 : mmctl_api_refused(cmd, status, resp);
}

