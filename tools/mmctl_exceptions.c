/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl exceptions / mmctl resolve: the exception list of mmprintd (letters
 * that reached no one, doc/api.md) and its resolution, over the job API
 * with a client certificate -- until the web pages come, the way an admin
 * reaches the list.  The client certificate file has the format of the
 * backend's (cert, key, ca; mm_client_conf_load); its certificate must be
 * listed in the server's admin_allow to see every exception and resolve
 * (doc/api.md "Who may do what"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "client.h"
#include "log.h"
#include "http.h"
#include "mmctl.h"
#include "mmctl_common.h"

/* The backend's file (backend/mmprint.c): on a print server the same certificate. */
#define DEFAULT_CLIENT_CONF "/etc/mmprint/backend.conf"

typedef struct {
    const char *server;
    const char *client_conf;
} api_opts;

static void usage(FILE *f, const char *cmd)
{
    if (!strcmp(cmd, "exceptions"))
        fputs("usage: mmctl exceptions [-s SERVER] [-C CLIENT_CONF]\n", f);
    else
        fputs("usage: mmctl resolve [-s SERVER] [-C CLIENT_CONF] JOB_ID reprint|handled|cancel\n", f);
    fputs("  -s SERVER       mmprintd as host[:port] or mmprint://host[:port]/ (default $MMCTL_SERVER)\n"
          "  -C CLIENT_CONF  client certificate file: cert, key, ca (default $MMPRINT_BACKEND_CONF or\n"
          "                  " DEFAULT_CLIENT_CONF "); an admin certificate (the server's admin_allow)\n",
          f);
}

/* Options common to both commands; returns optind, or -1 (usage) / -2 (help). */
static int parse_opts(int argc, char **argv, api_opts *o)
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
        o->client_conf = DEFAULT_CLIENT_CONF;
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
static int call(const char *cmd, const api_opts *o, const char *method, const char *path, const char *body,
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

static const char *str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

/* The server's Swedish message of an error answer. */
static int refused(const char *cmd, long status, const mm_buf *resp)
{
    json_t *o = json_loadb(resp->data ? resp->data : "", resp->len, 0, NULL);
    mmctl_err(cmd, "HTTP %ld: %s", status, o ? str(o, "message") : "unexpected answer");
    json_decref(o);
    return 1;
}

/* call() that also wants HTTP 200: 0 with the answer in resp, or 1 once the
 * reason (the server's Swedish message) is printed. */
static int call_ok(const char *cmd, const api_opts *o, const char *method, const char *path, const char *body,
                   mm_buf *resp)
{
    long status = 0;
    if (call(cmd, o, method, path, body, &status, resp))
        return 1;
    return status == 200 ? 0 : refused(cmd, status, resp);
}

/* One exit path: rc (0, 1 failed, 2 bad arguments) is set before each
 * jump to out, where the answer is freed. */
int mmctl_cmd_exceptions(int argc, char **argv)
{
    int rc = 2;
    mm_buf resp = MM_BUF_INIT;
    json_t *root = NULL;
    api_opts o;

    int i = parse_opts(argc, argv, &o);
    if (i == -2) {
        usage(stdout, "exceptions");
        rc = 0;
        goto out;
    }
    if (i < 0 || i != argc) {
        usage(stderr, "exceptions");
        rc = 2;
        goto out;
    }
    if (call_ok("exceptions", &o, "GET", "/api/v1/exceptions", NULL, &resp)) {
        rc = 1;
        goto out;
    }
    root = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    json_t *list = json_object_get(root, "exceptions");
    if (!json_is_array(list)) {
        mmctl_err("exceptions", "unexpected answer from the server");
        rc = 1;
        goto out;
    }
    /* Tab-separated, one letter a line: easy to read and to cut/awk. */
    printf("JOB\tSTATE\tFINAL\tLETTER\tUSER\tRECIPIENT\tTITLE\tREASON\n");
    size_t n;
    json_t *e;
    json_array_foreach(list, n, e) {
        char line[2048];
        snprintf(line, sizeof line, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", str(e, "id"), str(e, "state"), str(e, "final"),
                 json_is_true(json_object_get(e, "document_kept")) ? "kept" : "purged", str(e, "user"),
                 str(e, "recipient_masked"), str(e, "title"), str(e, "reason_sv"));
        /* A title may carry a personnummer: never shown in full. */
        mm_log_mask_text(line);
        printf("%s\n", line);
    }
    fprintf(stderr, "%zu open exceptions\n", json_array_size(list));
    rc = 0;

out:
    json_decref(root);
    mm_buf_free(&resp);
    return rc;
}

/* One exit path, as exceptions. */
int mmctl_cmd_resolve(int argc, char **argv)
{
    int rc = 2;
    mm_buf resp = MM_BUF_INIT;
    json_t *j = NULL;
    char path[128], body[64], line[700];
    api_opts o;

    int i = parse_opts(argc, argv, &o);
    if (i == -2) {
        usage(stdout, "resolve");
        rc = 0;
        goto out;
    }
    if (i < 0 || argc - i != 2) {
        usage(stderr, "resolve");
        rc = 2;
        goto out;
    }
    const char *id = argv[i], *action = argv[i + 1];
    if (strcmp(action, "reprint") && strcmp(action, "handled") && strcmp(action, "cancel")) {
        mmctl_err("resolve", "unknown action '%s': reprint, handled or cancel", action);
        rc = 2;
        goto out;
    }
    if (strlen(id) != 36 || strspn(id, "0123456789abcdef-") != 36) {
        mmctl_err("resolve", "'%s' is not a job id (a UUID, see mmctl exceptions)", id);
        rc = 2;
        goto out;
    }
    snprintf(path, sizeof path, "/api/v1/jobs/%s/resolve", id);
    snprintf(body, sizeof body, "{\"action\":\"%s\"}", action);
    if (call_ok("resolve", &o, "POST", path, body, &resp)) {
        rc = 1;
        goto out;
    }
    j = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    snprintf(line, sizeof line, "%s: %s (%s)", id, str(j, "state"), str(j, "message"));
    mm_log_mask_text(line);
    printf("%s\n", line);
    rc = 0;

out:
    json_decref(j);
    mm_buf_free(&resp);
    return rc;
}
