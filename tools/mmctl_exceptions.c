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

static void usage(FILE *f, const char *cmd)
{
    if (!strcmp(cmd, "exceptions"))
        fputs("usage: mmctl exceptions [-s SERVER] [-C CLIENT_CONF]\n", f);
    else
        fputs("usage: mmctl resolve [-s SERVER] [-C CLIENT_CONF] JOB_ID reprint|handled|cancel\n", f);
    fputs("  -s SERVER       mmprintd as host[:port] or mmprint://host[:port]/ (default $MMCTL_SERVER)\n"
          "  -C CLIENT_CONF  client certificate file: cert, key, ca (default $MMPRINT_BACKEND_CONF or\n"
          "                  " MMCTL_DEFAULT_CLIENT_CONF "); an admin certificate (the server's admin_allow)\n",
          f);
}

/* One exit path: rc (0, 1 failed, 2 bad arguments) is set before each
 * jump to out, where the answer is freed. */
int mmctl_cmd_exceptions(int argc, char **argv)
{
    int rc = 2;
    mm_buf resp = MM_BUF_INIT;
    json_t *root = NULL;
    mmctl_api_opts o;

    int i = mmctl_api_parse_opts(argc, argv, &o);
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
    if (mmctl_api_call_ok("exceptions", &o, "GET", "/api/v1/exceptions", NULL, &resp)) {
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
        snprintf(line, sizeof line, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", mmctl_json_str(e, "id"), mmctl_json_str(e, "state"), mmctl_json_str(e, "final"),
                 json_is_true(json_object_get(e, "document_kept")) ? "kept" : "purged", mmctl_json_str(e, "user"),
                 mmctl_json_str(e, "recipient_masked"), mmctl_json_str(e, "title"), mmctl_json_str(e, "reason_sv"));
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
    mmctl_api_opts o;

    int i = mmctl_api_parse_opts(argc, argv, &o);
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
    if (mmctl_api_call_ok("resolve", &o, "POST", path, body, &resp)) {
        rc = 1;
        goto out;
    }
    j = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    snprintf(line, sizeof line, "%s: %s (%s)", id, mmctl_json_str(j, "state"), mmctl_json_str(j, "message"));
    mm_log_mask_text(line);
    printf("%s\n", line);
    rc = 0;

out:
    json_decref(j);
    mm_buf_free(&resp);
    return rc;
}
