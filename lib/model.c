/* SPDX-License-Identifier: EUPL-1.2 */
/* The benefit model (model.h): inputs, their text form, and the three
 * scenarios' NPV and payback. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "text.h"

typedef enum { KEY_DECISIONS, KEY_AMOUNT, KEY_RATE } key_kind;

/* Every input key: this table alone says which keys a FILE and the web
 * form take, in the order a person reads them. */
static const struct {
    const char *name;
    key_kind kind;
    size_t offset; /* of the double in mm_model_inputs (not for decisions) */
} keys[] = {
    {"decisions", KEY_DECISIONS, 0},
    {"paper_cost", KEY_AMOUNT, offsetof(mm_model_inputs, paper_cost)},
    {"digital_cost", KEY_AMOUNT, offsetof(mm_model_inputs, digital_cost)},
    {"minutes_saved", KEY_AMOUNT, offsetof(mm_model_inputs, minutes_saved)},
    {"hourly_rate", KEY_AMOUNT, offsetof(mm_model_inputs, hourly_rate)},
    {"security_value", KEY_AMOUNT, offsetof(mm_model_inputs, security_value)},
    {"letters_per_decision", KEY_AMOUNT, offsetof(mm_model_inputs, letters_per_decision)},
    {"discount_rate", KEY_RATE, offsetof(mm_model_inputs, discount_rate)},
    {"operation_cost", KEY_AMOUNT, offsetof(mm_model_inputs, operation_cost)},
    {"contract_cost", KEY_AMOUNT, offsetof(mm_model_inputs, contract_cost)},
    {"licence_cost", KEY_AMOUNT, offsetof(mm_model_inputs, licence_cost)},
    {"project_cost", KEY_AMOUNT, offsetof(mm_model_inputs, project_cost)},
    {"eservice_cost", KEY_AMOUNT, offsetof(mm_model_inputs, eservice_cost)},
    {"marketing_cost", KEY_AMOUNT, offsetof(mm_model_inputs, marketing_cost)},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const char *const scenario_names[MM_MODEL_SCENARIOS] = {"postage", "postage+process", "postage+security"};

void mm_model_defaults(mm_model_inputs *in)
{
    static const double n[] = {650, 3900, 10400, 19630, 28405};
    memset(in, 0, sizeof *in);
    in->years = (int)(sizeof n / sizeof n[0]);
    memcpy(in->decisions, n, sizeof n);
    in->paper_cost = 7;
    in->digital_cost = 1.50;
    in->minutes_saved = 10;
    in->hourly_rate = 300;
    in->security_value = 60;
    in->letters_per_decision = 2;
    in->discount_rate = 8;
    in->operation_cost = 62500;
    in->contract_cost = 6000;
    in->licence_cost = 120000;
    in->project_cost = 77400;
    in->eservice_cost = 28500;
    in->marketing_cost = 12000;
}

size_t mm_model_key_count(void)
{
    return NKEYS;
}

const char *mm_model_key_at(size_t i)
{
    return i < NKEYS ? keys[i].name : NULL;
}

static int find_key(const char *name)
{
    for (size_t i = 0; name && i < NKEYS; i++)
        if (!strcmp(keys[i].name, name))
            return (int)i;
    return -1;
}

static double *field(mm_model_inputs *in, size_t i)
{
    return (double *)(void *)((char *)in + keys[i].offset);
}

/* "650 3900 ..." into n[]: the count, or -1 (not 1..max whole numbers). */
static int parse_decisions(const char *text, double *n, int max)
{
    int count = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t len = strspn(p, "0123456789");
        /* A whole number of at most 9 digits, ended by a blank or the end. */
        if (!len || len > 9 || (p[len] && p[len] != ' ' && p[len] != '\t') || count == max)
            return -1;
        char digits[10];
        memcpy(digits, p, len);
        digits[len] = 0;
        n[count++] = (double)strtol(digits, NULL, 10);
        p += len;
    }
    return count ? count : -1;
}

mm_model_problem mm_model_set(mm_model_inputs *in, const char *key, const char *value, mm_error *err)
{
    int i = find_key(key);
    double v = 0, n[MM_MODEL_YEARS_MAX];
    int count;
    if (i < 0) {
        mm_error_set(err, MM_ERR_INPUT, 0, "unknown key '%s'", key ? key : "");
        return MM_MODEL_UNKNOWN_KEY;
    }
    if (!value || !*value) {
        mm_error_set(err, MM_ERR_INPUT, 0, "%s has no value", key);
        return MM_MODEL_EMPTY;
    }
    switch (keys[i].kind) {
    case KEY_DECISIONS:
        if ((count = parse_decisions(value, n, MM_MODEL_YEARS_MAX)) < 0) {
            mm_error_set(err, MM_ERR_INPUT, 0,
                         "decisions must be 1 to %d whole numbers separated by blanks, one per year "
                         "(e.g. 650 3900 10400)",
                         MM_MODEL_YEARS_MAX);
            return MM_MODEL_BAD_DECISIONS;
        }
        in->years = count;
        memset(in->decisions, 0, sizeof in->decisions);
        memcpy(in->decisions, n, (size_t)count * sizeof n[0]);
        return MM_MODEL_OK;
    case KEY_RATE:
        if (mm_text_amount(value, &v) || v > 100) {
            mm_error_set(err, MM_ERR_INPUT, 0, "%s must be a percentage from 0 to 100 (e.g. 8 or 3,5)", key);
            return MM_MODEL_BAD_RATE;
        }
        break;
    case KEY_AMOUNT:
        if (mm_text_amount(value, &v)) {
            mm_error_set(err, MM_ERR_INPUT, 0, "%s must be an amount: digits with at most one decimal mark "
                                               "(e.g. 7, 1.50 or 1,50)", key);
            return MM_MODEL_BAD_AMOUNT;
        }
        break;
    }
    *field(in, (size_t)i) = v;
    return MM_MODEL_OK;
}

/* v as written: no trailing zeros ("7", "1.5", "0.08"). */
static void format_amount(double v, char *out, size_t size)
{
    snprintf(out, size, "%.6f", v);
    char *dot = strchr(out, '.');
    if (!dot)
        return;
    char *e = out + strlen(out);
    while (e > dot + 1 && e[-1] == '0')
        *--e = 0;
    if (e == dot + 1)
        *dot = 0;
}

void mm_model_format(const mm_model_inputs *in, const char *key, char *out, size_t size)
{
    int i = find_key(key);
    if (!size)
        return;
    out[0] = 0;
    if (i < 0)
        return;
    if (keys[i].kind != KEY_DECISIONS) {
        format_amount(*field((mm_model_inputs *)in, (size_t)i), out, size);
        return;
    }
    size_t used = 0;
    for (int y = 0; y < in->years && used < size; y++) {
        int w = snprintf(out + used, size - used, "%s%.0f", y ? " " : "", in->decisions[y]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int mm_model_load(const char *path, mm_model_inputs *in, mm_error *err)
{
    int rc = -1;
    mm_config_key table[NKEYS];
    const char *refs[NKEYS];
    mm_config *cfg = mm_config_load(path, err);
    if (!cfg)
        goto out;
    /* lib/config's table check gives unknown keys with their line. */
    for (size_t i = 0; i < NKEYS; i++)
        table[i] = (mm_config_key){keys[i].name, MM_CONFIG_REF, i * sizeof refs[0], 0, NULL, 0, 0, 0, 0};
    if (mm_config_apply(cfg, path, table, NKEYS, refs, err))
        goto out;
    for (size_t i = 0; i < NKEYS; i++) {
        const char *v = mm_config_get(cfg, keys[i].name, NULL);
        mm_error e;
        mm_error_clear(&e);
        if (v && mm_model_set(in, keys[i].name, v, &e) != MM_MODEL_OK) {
            mm_error_set(err, MM_ERR_INPUT, 0, "%s: %s", path, e.msg);
            goto out;
        }
    }
    rc = 0;
out:
    mm_config_free(cfg);
    return rc;
}

void mm_model_use_measured(mm_model_inputs *in, double per_year)
{
    /* Rounded to a whole decision (without libm), at most what a FILE may say. */
    double n = per_year > 0 ? (double)(long long)(per_year > 999999999 ? 999999999 : per_year + 0.5) : 0;
    if (in->years < 1)
        in->years = 1;
    in->decisions[0] = n;
    for (int y = 1; y < in->years; y++)
        if (in->decisions[y] < n)
            in->decisions[y] = n;
}

double mm_model_per_year(double count, long long from_ms, long long to_ms)
{
    return to_ms > from_ms ? count * 365.0 * 86400000.0 / (double)(to_ms - from_ms) : 0;
}

/* The time in years after which the cumulative sum of net[] stays >= 0,
 * each year's net spread evenly over its year; MM_MODEL_NO_PAYBACK when
 * the sum is still below zero at the end. */
static double payback(const double *net, int years)
{
    double cum = 0, cum_at = 0;
    int last = 0; /* the last year that ended below zero, 0 none */
    for (int y = 1; y <= years; y++) {
        cum += net[y - 1];
        if (cum < 0) {
            last = y;
            cum_at = cum;
        }
    }
    if (last == years)
        return MM_MODEL_NO_PAYBACK;
    if (!last)
        return 0;
    /* The next year ends at >= 0, so its net is > -cum_at > 0. */
    return last + -cum_at / net[last];
}

void mm_model_compute(const mm_model_inputs *in, mm_model_result *out)
{
    memset(out, 0, sizeof *out);
    int years = in->years < 1 ? 0 : in->years > MM_MODEL_YEARS_MAX ? MM_MODEL_YEARS_MAX : in->years;
    out->years = years;
    double one_off = in->contract_cost + in->licence_cost + in->project_cost + in->eservice_cost + in->marketing_cost;
    double rate = in->discount_rate / 100;
    for (int s = 0; s < MM_MODEL_SCENARIOS; s++) {
        mm_model_scenario *sc = &out->scenario[s];
        double net[MM_MODEL_YEARS_MAX], disc[MM_MODEL_YEARS_MAX], cum = 0, dcum = 0, factor = 1;
        for (int y = 0; y < years; y++) {
            mm_model_year *r = &sc->year[y];
            double n = in->decisions[y];
            r->decisions = n;
            r->postage = n * in->letters_per_decision * in->paper_cost;
            r->process = n * in->letters_per_decision * in->minutes_saved / 60 * in->hourly_rate;
            r->security = n * in->security_value;
            r->digital_cost = n * in->digital_cost;
            r->operation_cost = in->operation_cost;
            r->one_off_cost = y == 0 ? one_off : 0;
            r->benefits = r->postage + (s == 1 ? r->process : 0) + (s == 2 ? r->security : 0);
            r->costs = r->operation_cost + r->digital_cost + r->one_off_cost;
            r->net = r->benefits - r->costs;
            r->discounted = r->net / factor; /* (1 + rate)^(y - 1), year 1 undiscounted */
            factor *= 1 + rate;
            cum += r->net;
            dcum += r->discounted;
            r->cumulative = cum;
            r->discounted_cumulative = dcum;
            net[y] = r->net;
            disc[y] = r->discounted;
        }
        sc->npv = dcum;
        sc->payback = payback(net, years);
        sc->discounted_payback = payback(disc, years);
    }
}

const char *mm_model_scenario_name(int i)
{
    return i >= 0 && i < MM_MODEL_SCENARIOS ? scenario_names[i] : "";
}
