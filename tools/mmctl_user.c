/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl user add|del|list: the web portal's local accounts in mmprintd
 * (POST/DELETE/GET /api/v1/users, doc/api.md), over the job API with the
 * admin tool's certificate (the server's admin_allow).  A password is read
 * from standard input (--password-stdin, first line) or asked for twice
 * on the terminal without echo; it is never an argument (ps would show it). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "mmctl.h"
#include "mmctl_common.h"

static void usage(FILE *f)
{
    fputs("usage: mmctl user add NAME --role ROLE [--password-stdin] [-s SERVER] [-C CLIENT_CONF]\n"
          "       mmctl user del NAME [-s SERVER] [-C CLIENT_CONF]\n"
          "       mmctl user list [-s SERVER] [-C CLIENT_CONF]\n"
          "  ROLE             handläggare, utskrift, admin or statistik\n"
          "  --password-stdin read the password from the first line of standard input\n"
          "  -s SERVER        mmprintd as host[:port] (default $MMCTL_SERVER)\n"
          "  -C CLIENT_CONF   the admin certificate's file: cert, key, ca (default $MMPRINT_BACKEND_CONF or\n"
          "                   " MMCTL_DEFAULT_CLIENT_CONF ")\n",
          f);
}

/* One line of f into buf without its newline: 0, or -1 (nothing read). */
static int read_line(FILE *f, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, f))
        return -1;
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}

/* The password from the terminal, typed twice without echo: 0, or -1. */
static int ask_password(char *pw, size_t size)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return -1;
    struct termios old, quiet;
    int fd = fileno(tty), rc = -1;
    char again[512];
    if (tcgetattr(fd, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
        fputs("Password: ", tty);
        fflush(tty);
        int a = read_line(tty, pw, size);
        fputs("\nAgain: ", tty);
        fflush(tty);
        int b = read_line(tty, again, sizeof again);
        fputs("\n", tty);
        tcsetattr(fd, TCSAFLUSH, &old);
        rc = a || b || strcmp(pw, again) ? -1 : 0;
        if (!a && !b && strcmp(pw, again))
            fputs("mmctl user: the passwords differ\n", stderr);
    }
    OPENSSL_cleanse(again, sizeof again);
    fclose(tty);
    return rc;
}

/* One exit path: rc (0, 1 failed, 2 bad arguments) set before each jump. */
int mmctl_cmd_user(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"role", required_argument, NULL, 'r'},
        {"password-stdin", no_argument, NULL, 'p'},
        {"server", required_argument, NULL, 's'},
        {"client-conf", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int rc = 2, c, from_stdin = 0;
    const char *role = NULL;
    char password[512] = "", path[400];
    mm_buf resp = MM_BUF_INIT;
    json_t *body = NULL, *answer = NULL;
    char *text = NULL;
    mmctl_api_opts o = {getenv("MMCTL_SERVER"), getenv("MMPRINT_BACKEND_CONF")};
    if (!o.client_conf || !*o.client_conf)
        o.client_conf = MMCTL_DEFAULT_CLIENT_CONF;

    optind = 1;
    while ((c = getopt_long(argc, argv, "r:ps:C:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': role = optarg; break;
        case 'p': from_stdin = 1; break;
        case 's': o.server = optarg; break;
        case 'C': o.client_conf = optarg; break;
        case 'h': usage(stdout); rc = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    const char *verb = optind < argc ? argv[optind] : "";
    int nargs = argc - optind - 1;
    if (!strcmp(verb, "add") && nargs == 1 && role) {
        if (from_stdin ? read_line(stdin, password, sizeof password) : ask_password(password, sizeof password)) {
            fputs("mmctl user: no password given\n", stderr);
            rc = 1;
            goto out;
        }
        body = json_pack("{s:s, s:s, s:s}", "name", argv[optind + 1], "role", role, "password", password);
        text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        rc = !text || mmctl_api_call_ok("user", &o, "POST", "/api/v1/users", text, &resp);
        if (!rc)
            printf("added %s (%s)\n", argv[optind + 1], role);
    } else if (!strcmp(verb, "del") && nargs == 1 && !role) {
        snprintf(path, sizeof path, "/api/v1/users/%s", argv[optind + 1]);
        rc = mmctl_api_call_ok("user", &o, "DELETE", path, NULL, &resp);
        if (!rc)
            printf("deleted %s\n", argv[optind + 1]);
    } else if (!strcmp(verb, "list") && nargs == 0 && !role) {
        rc = mmctl_api_call_ok("user", &o, "GET", "/api/v1/users", NULL, &resp);
        answer = rc ? NULL : json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
        json_t *list = json_object_get(answer, "users"), *u;
        size_t i;
        if (!rc && !json_is_array(list)) {
            fputs("mmctl user: unexpected answer from the server\n", stderr);
            rc = 1;
        }
        if (!rc) {
            printf("NAME\tROLE\tCREATED\n");
            json_array_foreach(list, i, u)
                printf("%s\t%s\t%s\n", mmctl_json_str(u, "name"), mmctl_json_str(u, "role"), mmctl_json_str(u, "created"));
        }
    } else {
        usage(stderr);
        rc = 2;
    }

out:
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    json_decref(body);
    json_decref(answer);
    OPENSSL_cleanse(password, sizeof password);
    mm_buf_free(&resp);
    return rc;
}
