/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl model: the pre-study's benefit model (lib/model.h) for its three
 * scenarios -- per year benefits, costs, net, discounted net and the
 * cumulative net, and each scenario's net present value and payback time.
 * The inputs are the Exempelkommun defaults, overridden by FILE, and with
 * --from-stats year 1's digital decisions come from mmprintd's statistics
 * (GET /api/v1/stats, the admin certificate as for mmctl exceptions). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "mmctl.h"
#include "mmctl_common.h"
#include "model.h"

static void usage(FILE *f)
{
    fputs("usage: mmctl model [FILE] [--from-stats [--from DATE --to DATE] [-s SERVER] [-C CLIENT_CONF]] [--csv]\n"
          "  FILE            key = value lines overriding the pre-study's inputs (mmctl(1) \"model\")\n"
          "  --from-stats    year 1's digital decisions from mmprintd's statistics, per year\n"
          "  --from, --to    the period asked (YYYY-MM-DD, whole months; default the last 12 months)\n"
          "  -s SERVER       mmprintd as host[:port] (default $MMCTL_SERVER)\n"
          "  -C CLIENT_CONF  the admin tool's client certificate file (default $MMPRINT_BACKEND_CONF or\n"
          "                  " MMCTL_DEFAULT_CLIENT_CONF ")\n"
          "  --csv           one comma-separated row per scenario and year\n",
          f);
}

/* "YYYY-MM-DD" in form; the server checks the calendar ("bad-period"). */
static int is_day(const char *s)
{
    return strlen(s) == 10 && strspn(s, "0123456789-") == 10 && s[4] == '-' && s[7] == '-';
}

/* "YYYY-MM" as the local midnight starting that month (plus months): 0, or -1. */
static int month_ms(const char *text, int plus_months, long long *ms)
{
    char day[16];
    if (!text || strlen(text) != 7)
        return -1;
    snprintf(day, sizeof day, "%s-01", text);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(day, "%Y-%m-%d", &tm);
    if (!end || *end)
        return -1;
    tm.tm_mon += plus_months;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = (long long)t * 1000;
    return 0;
}

/* The server's unit value key of the answer's "units" into *out (kept when absent). */
static int unit(const json_t *units, const char *key, double *out)
{
    json_t *v = json_object_get(units, key);
    if (!json_is_number(v) || json_number_value(v) < 0)
        return -1;
    *out = json_number_value(v);
    return 0;
}

/* The statistics: the server's unit values into in, the digital decisions
 * per year into *per_year and the period they cover into period: 0, or 1
 * once the reason is printed. */
static int measured(const mmctl_api_opts *o, const char *from, const char *to, mm_model_inputs *in,
                    double *per_year, char *period, size_t psize)
{
    int rc = 1;
    mm_buf resp = MM_BUF_INIT;
    json_t *root = NULL;
    char path[160];
    time_t now = time(NULL);

    /* Without a period the server's default: from the first of the month
     * twelve months back to today (doc/api.md), as the portal's page. */
    if (from)
        snprintf(path, sizeof path, "/api/v1/stats?from=%s&to=%s", from, to);
    else
        snprintf(path, sizeof path, "/api/v1/stats");
    if (mmctl_api_call_ok("model", o, "GET", path, NULL, &resp))
        goto out;
    root = json_loadb(resp.data ? resp.data : "", resp.len, 0, NULL);
    json_t *dd = json_object_get(json_object_get(root, "totals"), "digital_decisions");
    const char *fm = json_string_value(json_object_get(root, "from_month"));
    const char *tm_ = json_string_value(json_object_get(root, "to_month"));
    long long start_ms, end_ms;
    json_t *u = json_object_get(root, "units");
    if (!json_is_integer(dd) || month_ms(fm, 0, &start_ms) || month_ms(tm_, 1, &end_ms) ||
        unit(u, "paper_cost", &in->paper_cost) || unit(u, "digital_cost", &in->digital_cost) ||
        unit(u, "minutes_saved", &in->minutes_saved) || unit(u, "hourly_rate", &in->hourly_rate) ||
        unit(u, "security_value", &in->security_value) ||
        unit(u, "letters_per_decision", &in->letters_per_decision)) {
        mmctl_err("model", "unexpected answer from the server (no totals.digital_decisions, from_month, to_month "
                           "or units)");
        goto out;
    }
    /* The months asked, up to now: the current month counts the days so far. */
    if (end_ms > (long long)now * 1000)
        end_ms = (long long)now * 1000;
    *per_year = mm_model_per_year((double)json_integer_value(dd), start_ms, end_ms);
    snprintf(period, psize, "%s..%s: %lld digital decisions", fm, tm_, (long long)json_integer_value(dd));
    rc = 0;
out:
    json_decref(root);
    mm_buf_free(&resp);
    return rc;
}

/* An amount in kr for the table: whole kronor. */
static void print_row(const mm_model_year *r, int y)
{
    printf("%4d %9.0f %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f\n", y, r->decisions, r->benefits, r->costs, r->net,
           r->discounted, r->cumulative, r->discounted_cumulative);
}

static void print_payback(const char *what, double years, int n)
{
    if (years == MM_MODEL_NO_PAYBACK)
        printf("%s: not within the %d years\n", what, n);
    else
        printf("%s: %.1f years\n", what, years);
}

static void print_table(const mm_model_inputs *in, const mm_model_result *res, const char *source)
{
    static const char *const titles[MM_MODEL_SCENARIOS] = {
        "Scenario 1: postage only", "Scenario 2: postage + process improvement", "Scenario 3: postage + security value"};
    char v[512];
    printf("Benefit model, %d years, inputs: %s\n", res->years, source);
    for (size_t i = 0; i < mm_model_key_count(); i++) {
        mm_model_format(in, mm_model_key_at(i), v, sizeof v);
        printf("  %-21s %s\n", mm_model_key_at(i), v);
    }
    for (int s = 0; s < MM_MODEL_SCENARIOS; s++) {
        const mm_model_scenario *sc = &res->scenario[s];
        printf("\n%s (kr)\n", titles[s]);
        printf("%4s %9s %12s %12s %12s %12s %12s %12s\n", "year", "decisions", "benefits", "costs", "net",
               "discounted", "cumulative", "cum.disc.");
        for (int y = 0; y < res->years; y++)
            print_row(&sc->year[y], y + 1);
        mm_model_format(in, "discount_rate", v, sizeof v);
        printf("Net present value at %s %%: %.0f kr\n", v, sc->npv);
        print_payback("Payback", sc->payback, res->years);
        print_payback("Discounted payback", sc->discounted_payback, res->years);
    }
}

/* A payback for the CSV: years with 2 decimals, "" when not reached. */
static const char *csv_payback(double years, char *buf, size_t n)
{
    if (years == MM_MODEL_NO_PAYBACK)
        buf[0] = 0;
    else
        snprintf(buf, n, "%.2f", years);
    return buf;
}

static void print_csv(const mm_model_result *res)
{
    printf("scenario,name,year,decisions,postage,process,security,digital_cost,operation_cost,one_off_cost,"
           "benefits,costs,net,discounted_net,cumulative_net,cumulative_discounted_net,npv,payback_years,"
           "discounted_payback_years\n");
    for (int s = 0; s < MM_MODEL_SCENARIOS; s++) {
        const mm_model_scenario *sc = &res->scenario[s];
        char p1[32], p2[32];
        for (int y = 0; y < res->years; y++) {
            const mm_model_year *r = &sc->year[y];
            printf("%d,%s,%d,%.0f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%s,%s\n", s + 1,
                   mm_model_scenario_name(s), y + 1, r->decisions, r->postage, r->process, r->security,
                   r->digital_cost, r->operation_cost, r->one_off_cost, r->benefits, r->costs, r->net, r->discounted,
                   r->cumulative, r->discounted_cumulative, sc->npv, csv_payback(sc->payback, p1, sizeof p1),
                   csv_payback(sc->discounted_payback, p2, sizeof p2));
        }
    }
}

/* One exit path: rc (0, 1 failed, 2 bad arguments) is set before each
 * jump to out. */
int mmctl_cmd_model(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"from-stats", no_argument, NULL, 'S'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},   {"csv", no_argument, NULL, 'c'},
        {"server", required_argument, NULL, 's'}, {"client-conf", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    int rc = 2, csv = 0, from_stats = 0, c;
    const char *from = NULL, *to = NULL;
    char source[512] = "the pre-study's Exempelkommun defaults", period[128];
    mmctl_api_opts o;
    mm_model_inputs in;
    mm_model_result res;
    mm_error err;

    o.server = getenv("MMCTL_SERVER");
    o.client_conf = getenv("MMPRINT_BACKEND_CONF");
    if (!o.client_conf || !*o.client_conf)
        o.client_conf = MMCTL_DEFAULT_CLIENT_CONF;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:C:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S': from_stats = 1; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'c': csv = 1; break;
        case 's': o.server = optarg; break;
        case 'C': o.client_conf = optarg; break;
        case 'h':
            usage(stdout);
            rc = 0;
            goto out;
        default:
            usage(stderr);
            goto out;
        }
    }
    if (argc - optind > 1 || (!from != !to) || ((from || to) && !from_stats)) {
        if (!from != !to)
            mmctl_err("model", "--from and --to go together");
        else if (from && !from_stats)
            mmctl_err("model", "--from and --to are for --from-stats");
        usage(stderr);
        goto out;
    }
    if (from && (!is_day(from) || !is_day(to))) {
        mmctl_err("model", "--from and --to must be dates YYYY-MM-DD");
        goto out;
    }
    mm_model_defaults(&in);
    mm_error_clear(&err);
    /* defaults < the server's unit values < FILE; then year 1 measured. */
    double per_year = 0;
    if (from_stats && measured(&o, from, to, &in, &per_year, period, sizeof period)) {
        rc = 1;
        goto out;
    }
    if (optind < argc) {
        if (mm_model_load(argv[optind], &in, &err)) {
            mmctl_err("model", "%s", err.msg);
            rc = 1;
            goto out;
        }
        snprintf(source, sizeof source, "the defaults overridden by %s", argv[optind]);
    }
    if (from_stats) {
        mm_model_use_measured(&in, per_year);
        size_t n = strlen(source);
        snprintf(source + n, sizeof source - n,
                 "; the server's unit values%s; year 1 from the statistics (%s, %.0f a year)",
                 optind < argc ? " under FILE's" : "", period, per_year);
    }
    mm_model_compute(&in, &res);
    if (csv)
        print_csv(&res);
    else
        print_table(&in, &res, source);
    rc = 0;

out:
    return rc;
}
