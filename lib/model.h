/* SPDX-License-Identifier: EUPL-1.2 */
/* The pre-study's benefit model (nyttomodell; spec/requirements.md
 * "Statistics and the benefit model"): for a number of years of digital
 * decisions N, three scenarios' yearly benefits and costs, their net
 * present value and their payback time.  Pure computation on plain
 * structs; the only input read is a `key = value` FILE (lib/config).
 *
 * The rules, per year y (1..years) with N = decisions[y]:
 *   postage  = N * letters_per_decision * paper_cost
 *   process  = N * letters_per_decision * minutes_saved / 60 * hourly_rate
 *   security = N * security_value
 *   costs    = operation_cost + N * digital_cost
 *              (+ contract, licence, project, eservice, marketing in year 1)
 *   benefits = postage (scenario 1), + process (2), + security (3)
 *   net = benefits - costs; discounted = net / (1 + rate)^(y - 1)
 * The digital cost is per decision (N x 1.50), as the requirements write it
 * ("minus digital cost N x 1.50 kr"), not per replaced letter.
 * NPV = the sum of the discounted nets (year 1 undiscounted).  Payback is
 * the time in years from the start of year 1 after which the cumulative
 * net stays >= 0, each year's net taken as spread evenly over its year
 * (so interpolated inside the year); 0 when it is never negative, and
 * MM_MODEL_NO_PAYBACK when it is still negative at the end of the period.
 * The discounted payback is the same on the discounted nets. */
#ifndef MM_MODEL_H
#define MM_MODEL_H

#include <stddef.h>
#include "error.h"

#define MM_MODEL_YEARS_MAX 30
#define MM_MODEL_SCENARIOS 3
/* Payback not reached within the model's years. */
#define MM_MODEL_NO_PAYBACK (-1.0)

/* Every input; the names of the FILE keys are the field names. */
typedef struct {
    int years;                                  /* 1..MM_MODEL_YEARS_MAX: the length of decisions */
    double decisions[MM_MODEL_YEARS_MAX];       /* digital decisions per year, whole numbers */
    double paper_cost;                          /* kr per paper letter (postage and material) */
    double digital_cost;                        /* kr per digital message, counted per decision */
    double minutes_saved;                       /* minutes of work saved per letter */
    double hourly_rate;                         /* kr per hour */
    double security_value;                      /* kr per digital decision */
    double letters_per_decision;                /* letters one digital decision replaces */
    double discount_rate;                       /* percent, 0..100 */
    double operation_cost;                      /* kr every year */
    double contract_cost, licence_cost, project_cost, eservice_cost, marketing_cost; /* kr, year 1 */
} mm_model_inputs;

/* Why an input's text was refused (the web page says it in Swedish). */
typedef enum {
    MM_MODEL_OK = 0,
    MM_MODEL_UNKNOWN_KEY,
    MM_MODEL_EMPTY,         /* no value */
    MM_MODEL_BAD_AMOUNT,    /* not an amount (mm_text_amount: 7, 1.50, 1,50) */
    MM_MODEL_BAD_RATE,      /* discount_rate not an amount from 0 to 100 */
    MM_MODEL_BAD_DECISIONS  /* not 1..MM_MODEL_YEARS_MAX whole numbers separated by blanks */
} mm_model_problem;

/* The pre-study's Exempelkommun inputs (the defaults of every key). */
void mm_model_defaults(mm_model_inputs *in);

/* The number of input keys and the i-th key's name (NULL past the end),
 * in the order a person reads them: decisions first. */
size_t mm_model_key_count(void);
const char *mm_model_key_at(size_t i);

/* Sets the input key from its text value.  Returns MM_MODEL_OK, or the
 * problem with err set (MM_ERR_INPUT, an English message naming the key);
 * in is then unchanged.  err may be NULL. */
mm_model_problem mm_model_set(mm_model_inputs *in, const char *key, const char *value, mm_error *err);

/* The input key's value as it would be written in a FILE ("650 3900",
 * "1.5", "8") into out; "" for an unknown key. */
void mm_model_format(const mm_model_inputs *in, const char *key, char *out, size_t size);

/* Reads path (`key = value` lines, lib/config) over in: each key present
 * overrides in's value.  0, or -1 with err set (MM_ERR_INPUT: the path and
 * the key, e.g. an unknown key with its line; MM_ERR_SYSTEM: unreadable);
 * in may then be partly changed. */
int mm_model_load(const char *path, mm_model_inputs *in, mm_error *err);

/* The organisation's measured digital decisions per year (annualised)
 * into in: year 1 becomes it, rounded to a whole number; a later year below
 * it is raised to it (a rollout in progress is not modelled as shrinking),
 * a later year above it stays as given. */
void mm_model_use_measured(mm_model_inputs *in, double per_year);

/* count events over [from_ms, to_ms) as a count per year (365 days);
 * 0 for an empty or reversed span. */
double mm_model_per_year(double count, long long from_ms, long long to_ms);

/* One year of one scenario, in kr. */
typedef struct {
    double decisions;
    double postage, process, security;   /* every benefit, whether the scenario counts it or not */
    double digital_cost, operation_cost, one_off_cost;
    double benefits, costs, net, discounted;
    double cumulative, discounted_cumulative;
} mm_model_year;

typedef struct {
    mm_model_year year[MM_MODEL_YEARS_MAX];
    double npv;
    double payback;             /* years, or MM_MODEL_NO_PAYBACK */
    double discounted_payback;  /* years, or MM_MODEL_NO_PAYBACK */
} mm_model_scenario;

typedef struct {
    int years;
    mm_model_scenario scenario[MM_MODEL_SCENARIOS]; /* [0] postage, [1] + process, [2] + security */
} mm_model_result;

/* Computes the three scenarios of in into *out. */
void mm_model_compute(const mm_model_inputs *in, mm_model_result *out);

/* The scenario's short English name ("postage", "postage+process",
 * "postage+security"), "" past the end. */
const char *mm_model_scenario_name(int i);

#endif
