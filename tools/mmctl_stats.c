/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl stats: the statistics of mmprintd (GET /api/v1/stats, doc/api.md)
 * over the job API with a client certificate: letters, pages, digital
 * share, reach rate and lead times per month, department, operator or
 * channel, the reach reasons, the operators per month and the realised
 * savings; or the server's CSV as it is (--csv).  The certificate must be
 * the admin tool's (the server's admin_allow); no letter and no person is
 * in the answer. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "buf.h"
#include "mmctl.h"
#include "mmctl_common.h"

static void usage(FILE *f)
{
    fputs("usage: mmctl stats [-s SERVER] [-C CLIENT_CONF] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
          "                   [--by month|department|operator|channel] [--csv]\n"
          "  -s SERVER       mmprintd as host[:port] or mmprint://host[:port]/ (default $MMCTL_SERVER)\n"
          "  -C CLIENT_CONF  client certificate file: cert, key, ca (default $MMPRINT_BACKEND_CONF or\n"
          "                  " MMCTL_DEFAULT_CLIENT_CONF "); an admin certificate (the server's admin_allow)\n"
          "  --from, --to    the period, both days included (default: 12 months to today); whole months\n"
          "  --by            the rows: month (default), department, operator or channel\n"
          "  --csv           the server's CSV instead of the table\n",
          f);
}

/* "YYYY-MM-DD" in form (the server checks the calendar). */
static int is_day(const char *s)
{
    return strlen(s) == 10 && strspn(s, "0123456789-") == 10 && s[4] == '-' && s[7] == '-';
}

static long num(const json_t *o, const char *key)
{
    return (long)json_integer_value(json_object_get(o, key));
}

/* A share as a percentage, "-" for JSON null. */
static void pct(const json_t *o, const char *key, char *out, size_t size)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_number(v))
        snprintf(out, size, "%.1f%%", json_number_value(v) * 100.0);
    else
        snprintf(out, size, "-");
}

static void hours(const json_t *o, const char *lead, char *out, size_t size)
{
    const json_t *v = json_object_get(json_object_get(o, lead), "average_hours");
    if (json_is_number(v))
        snprintf(out, size, "%.1f", json_number_value(v));
    else
        snprintf(out, size, "-");
}

static void print_row(const char *key, const json_t *r)
{
    char share[16], rate[16], hd[24], hp[24];
    pct(r, "digital_share", share, sizeof share);
    pct(r, "reach_rate", rate, sizeof rate);
    hours(r, "lead_digital", hd, sizeof hd);
    hours(r, "lead_paper", hp, sizeof hp);
    printf("%s\t%ld\t%ld\t%ld\t%ld\t%s\t%ld\t%ld\t%s\t%s\t%s\n", key[0] ? key : "-", num(r, "letters"),
           num(r, "pages"), num(r, "digital"), num(r, "paper"), share, num(r, "digital_decisions"),
           num(r, "looked_up"), rate, hd, hp);
}

/* The answer as tab-separated tables: easy to read and to cut/awk. */
static int print_stats(const json_t *root)
{
    const json_t *rows = json_object_get(root, "rows"), *totals = json_object_get(root, "totals");
    if (!json_is_array(rows) || !json_is_object(totals))
        return -1;
    printf("# %s .. %s (months %s .. %s), by %s\n", mmctl_json_str(root, "from"), mmctl_json_str(root, "to"),
           mmctl_json_str(root, "from_month"), mmctl_json_str(root, "to_month"), mmctl_json_str(root, "by"));
    printf("%s\tLETTERS\tPAGES\tDIGITAL\tPAPER\tSHARE\tDIG_DECISIONS\tLOOKED_UP\tREACH\tLEAD_DIG_H\tLEAD_PAPER_H\n",
           mmctl_json_str(root, "by"));
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) print_row(mmctl_json_str(r, "key"), r);
    print_row("TOTAL", totals);
    const json_t *sv = json_object_get(root, "savings");
    printf("\nsavings (kr)\tpostage %.2f\twork time %.2f\tsecurity %.2f\ttotal %.2f\n",
           json_number_value(json_object_get(sv, "postage")), json_number_value(json_object_get(sv, "work_time")),
           json_number_value(json_object_get(sv, "security")), json_number_value(json_object_get(sv, "total")));
    const json_t *reasons = json_object_get(root, "reach_reasons");
    if (json_array_size(reasons)) {
        printf("\nREACH\tCOUNT\n");
        json_array_foreach(reasons, i, r) printf("%s\t%ld\n", mmctl_json_str(r, "reach"), num(r, "count"));
    }
    const json_t *ops = json_object_get(root, "operators");
    if (json_array_size(ops)) {
        printf("\nMONTH\tOPERATOR\tLETTERS\n");
        json_array_foreach(ops, i, r)
            printf("%s\t%s\t%ld\n", mmctl_json_str(r, "month"), mmctl_json_str(r, "operator"), num(r, "letters"));
    }
    return 0;
}

/* One exit path: rc (0, 1 failed, 2 bad arguments) is set before each
 * jump to out. */
int mmctl_cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"server", required_argument, NULL, 's'}, {"client-conf", required_argument, NULL, 'C'},
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"by", required_argument, NULL, 'b'},     {"csv", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int rc = 2, c, csv = 0;
    const char *from = NULL, *to = NULL, *by = "month";
    mm_buf resp = MM_BUF_INIT;
    json_t *root = NULL;
    mmctl_api_opts o = {getenv("MMCTL_SERVER"), getenv("MMPRINT_BACKEND_CONF")};
    if (!o.client_conf || !*o.client_conf)
        o.client_conf = MMCTL_DEFAULT_CLIENT_CONF;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:C:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.server = optarg; break;
        case 'C': o.client_conf = optarg; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'b': by = optarg; break;
        case 'c': csv = 1; break;
        case 'h': usage(stdout); rc = 0; goto out;
        default: usage(stderr); goto out;
        }
    }
    if (optind != argc) {
        usage(stderr);
        goto out;
    }
    if ((from && !is_day(from)) || (to && !is_day(to))) {
        mmctl_err("stats", "a date is written YYYY-MM-DD");
        goto out;
    }
    if (strcmp(by, "month") && strcmp(by, "department") && strcmp(by, "operator") && strcmp(by, "channel")) {
        mmctl_err("stats", "--by is month, department, operator or channel, not '%s'", by);
        goto out;
    }
    char path[160];
    snprintf(path, sizeof path, "/api/v1/stats?by=%s%s%s%s%s%s", by, from ? "&from=" : "", from ? from : "",
             to ? "&to=" : "", to ? to : "", csv ? "&format=csv" : "");
    if (mmctl_api_call_ok("stats", &o, "GET", path, NULL, &resp)) {
        rc = 1;
        goto out;
    }
    if (csv) {
        fwrite(resp.data ? resp.data : "", 1, resp.len, stdout);
        rc = 0;
        goto out;
    }
    root = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    if (!root || print_stats(root)) {
        mmctl_err("stats", "unexpected answer from the server");
        rc = 1;
        goto out;
    }
    rc = 0;

out:
    json_decref(root);
    mm_buf_free(&resp);
    return rc;
}
