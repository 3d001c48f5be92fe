/* SPDX-License-Identifier: EUPL-1.2 */
/* The benefit model (lib/model.h): the pre-study's defaults and their
 * figures worked out by hand from spec/requirements.md, the FILE format
 * and its refusals, payback edge cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

static char path[64];

/* text as a FILE loaded over the defaults: the load's result, err set. */
static int load_text(const char *text, mm_model_inputs *in, mm_error *err)
{
    snprintf(path, sizeof path, "/tmp/mmmodeltestXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    mm_model_defaults(in);
    mm_error_clear(err);
    int rc = mm_model_load(path, in, err);
    unlink(path);
    return rc;
}

static void defaults_are_the_pre_study(void **state)
{
    (void)state;
    mm_model_inputs in;
    mm_model_defaults(&in);
    assert_int_equal(in.years, 5);
    assert_true(in.decisions[0] == 650 && in.decisions[4] == 28405);
    char v[128];
    mm_model_format(&in, "decisions", v, sizeof v);
    assert_string_equal(v, "650 3900 10400 19630 28405");
    mm_model_format(&in, "digital_cost", v, sizeof v);
    assert_string_equal(v, "1.5");
    mm_model_format(&in, "discount_rate", v, sizeof v);
    assert_string_equal(v, "8");
    mm_model_format(&in, "no_such_key", v, sizeof v);
    assert_string_equal(v, "");
    assert_int_equal(mm_model_key_count(), 14);
    assert_string_equal(mm_model_key_at(0), "decisions");
    assert_null(mm_model_key_at(14));
}

static void default_figures(void **state)
{
    (void)state;
    mm_model_inputs in;
    mm_model_result r;
    mm_model_defaults(&in);
    mm_model_compute(&in, &r);
    assert_int_equal(r.years, 5);
    /* Year 1, by hand: postage 650 x 2 x 7 = 9100; process 650 x 100 =
     * 65000; security 650 x 60 = 39000; costs 62500 + 650 x 1.50 + the
     * one-off 243900 = 307375. */
    const mm_model_year *y1 = &r.scenario[0].year[0];
    assert_float_equal(y1->postage, 9100, 1e-9);
    assert_float_equal(y1->process, 65000, 1e-9);
    assert_float_equal(y1->security, 39000, 1e-9);
    assert_float_equal(y1->costs, 307375, 1e-9);
    assert_float_equal(y1->net, -298275, 1e-9);
    assert_float_equal(r.scenario[1].year[0].net, 74100 - 307375, 1e-9);
    assert_float_equal(r.scenario[2].year[0].net, 48100 - 307375, 1e-9);
    /* Year 2 is discounted once: -13750 / 1.08. */
    assert_float_equal(r.scenario[0].year[1].net, 54600 - 62500 - 5850, 1e-9);
    assert_float_equal(r.scenario[0].year[1].discounted, -13750 / 1.08, 1e-9);
    /* NPV of scenario 1: -298275 - 13750/1.08 + 67500/1.08^2 + 182875/1.08^3
     * + 292562.5/1.08^4. */
    double npv1 = -298275 - 13750 / 1.08 + 67500 / (1.08 * 1.08) + 182875 / (1.08 * 1.08 * 1.08) +
                  292562.5 / (1.08 * 1.08 * 1.08 * 1.08);
    assert_float_equal(r.scenario[0].npv, npv1, 1e-6);
    assert_float_equal(r.scenario[0].npv, 107078.13, 0.01);
    /* Cumulative -61650 after year 4, +292562.5 in year 5. */
    assert_float_equal(r.scenario[0].payback, 4 + 61650 / 292562.5, 1e-9);
    /* Scenario 2: -233275 after year 1, +376250 in year 2. */
    assert_float_equal(r.scenario[1].payback, 1 + 233275 / 376250.0, 1e-9);
    assert_float_equal(r.scenario[2].payback, 2 + 39025 / 691500.0, 1e-9);
    assert_true(r.scenario[0].discounted_payback > r.scenario[0].payback);
    assert_string_equal(mm_model_scenario_name(2), "postage+security");
    assert_string_equal(mm_model_scenario_name(3), "");
}

static void payback_edges(void **state)
{
    (void)state;
    mm_model_inputs in;
    mm_model_result r;
    mm_model_defaults(&in);
    /* Nothing digital: the costs are never paid back. */
    assert_int_equal(mm_model_set(&in, "decisions", "0 0 0", NULL), MM_MODEL_OK);
    mm_model_compute(&in, &r);
    assert_int_equal(r.years, 3);
    assert_true(r.scenario[1].payback == MM_MODEL_NO_PAYBACK);
    assert_true(r.scenario[1].discounted_payback == MM_MODEL_NO_PAYBACK);
    /* No costs at all: never below zero, paid back at once. */
    for (size_t i = 0; i < mm_model_key_count(); i++)
        if (strstr(mm_model_key_at(i), "_cost") && strcmp(mm_model_key_at(i), "paper_cost"))
            assert_int_equal(mm_model_set(&in, mm_model_key_at(i), "0", NULL), MM_MODEL_OK);
    assert_int_equal(mm_model_set(&in, "decisions", "10", NULL), MM_MODEL_OK);
    mm_model_compute(&in, &r);
    assert_true(r.scenario[0].payback == 0);
    /* Paid back, then below zero again, then back: the last crossing
     * counts (the sum stays >= 0 after it).  Nets: -100, +200, -300, +400
     * with only operation costs and postage: decisions chosen so. */
    mm_model_defaults(&in);
    for (size_t i = 0; i < mm_model_key_count(); i++)
        if (strstr(mm_model_key_at(i), "_cost") && strcmp(mm_model_key_at(i), "paper_cost"))
            assert_int_equal(mm_model_set(&in, mm_model_key_at(i), "0", NULL), MM_MODEL_OK);
    assert_int_equal(mm_model_set(&in, "operation_cost", "100", NULL), MM_MODEL_OK);
    assert_int_equal(mm_model_set(&in, "paper_cost", "1", NULL), MM_MODEL_OK);
    assert_int_equal(mm_model_set(&in, "letters_per_decision", "1", NULL), MM_MODEL_OK);
    assert_int_equal(mm_model_set(&in, "decisions", "0 300 0 500", NULL), MM_MODEL_OK);
    mm_model_compute(&in, &r);
    /* cumulative: -100, 100, 0?  year 3: 100 - 100 = 0 is not below zero,
     * so the last negative year is 1: payback 1 + 100/200. */
    assert_float_equal(r.scenario[0].payback, 1.5, 1e-9);
    assert_int_equal(mm_model_set(&in, "decisions", "0 300 0 0 500", NULL), MM_MODEL_OK);
    mm_model_compute(&in, &r);
    /* cumulative: -100, 100, 0, -100, 300: last negative year 4. */
    assert_float_equal(r.scenario[0].payback, 4 + 100 / 400.0, 1e-9);
}

static void set_refuses(void **state)
{
    (void)state;
    mm_model_inputs in, before;
    mm_error err;
    mm_model_defaults(&in);
    before = in;
    static const struct {
        const char *key, *value;
        mm_model_problem why;
        const char *msg;
    } bad[] = {
        {"paper_costs", "7", MM_MODEL_UNKNOWN_KEY, "unknown key 'paper_costs'"},
        {"paper_cost", "", MM_MODEL_EMPTY, "paper_cost has no value"},
        {"paper_cost", "7 kr", MM_MODEL_BAD_AMOUNT, "paper_cost must be an amount"},
        {"paper_cost", "-7", MM_MODEL_BAD_AMOUNT, "paper_cost must be an amount"},
        {"hourly_rate", "1e3", MM_MODEL_BAD_AMOUNT, "hourly_rate must be an amount"},
        {"discount_rate", "101", MM_MODEL_BAD_RATE, "discount_rate must be a percentage from 0 to 100"},
        {"discount_rate", "8%", MM_MODEL_BAD_RATE, "discount_rate must be a percentage"},
        {"decisions", "650, 3900", MM_MODEL_BAD_DECISIONS, "decisions must be 1 to 30 whole numbers"},
        {"decisions", "650 3900.5", MM_MODEL_BAD_DECISIONS, "decisions must be"},
        {"decisions", "   ", MM_MODEL_BAD_DECISIONS, "decisions must be"},
        {"decisions", "1234567890", MM_MODEL_BAD_DECISIONS, "decisions must be"},
        {"decisions", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31",
         MM_MODEL_BAD_DECISIONS, "decisions must be"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_error_clear(&err);
        assert_int_equal(mm_model_set(&in, bad[i].key, bad[i].value, &err), bad[i].why);
        assert_int_equal(err.cls, MM_ERR_INPUT);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("%s = '%s': '%s' lacks '%s'", bad[i].key, bad[i].value, err.msg, bad[i].msg);
        assert_memory_equal(&in, &before, sizeof in);
    }
    /* The decimal comma and 30 years are fine. */
    assert_int_equal(mm_model_set(&in, "digital_cost", "1,25", &err), MM_MODEL_OK);
    assert_float_equal(in.digital_cost, 1.25, 1e-12);
    assert_int_equal(mm_model_set(&in, "decisions", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 "
                                                    "25 26 27 28 29 30", &err),
                     MM_MODEL_OK);
    assert_int_equal(in.years, 30);
}

static void file_overrides(void **state)
{
    (void)state;
    mm_model_inputs in;
    mm_error err;
    assert_int_equal(load_text("# real costs vary\npaper_cost = 4,50\ndecisions = \"100 200\"\n\ndiscount_rate = 3.5\n",
                               &in, &err),
                     0);
    assert_float_equal(in.paper_cost, 4.5, 1e-12);
    assert_float_equal(in.discount_rate, 3.5, 1e-12);
    assert_int_equal(in.years, 2);
    assert_true(in.decisions[1] == 200 && in.decisions[2] == 0);
    /* What the file does not name keeps its default. */
    assert_float_equal(in.hourly_rate, 300, 1e-12);
    assert_float_equal(in.licence_cost, 120000, 1e-12);
    assert_int_equal(load_text("", &in, &err), 0);
    assert_float_equal(in.paper_cost, 7, 1e-12);
}

static void file_refusals(void **state)
{
    (void)state;
    mm_model_inputs in;
    mm_error err;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"paper_cost = 7\npostage = 7\n", ":2: unknown key 'postage'"},
        {"paper_cost = 7\npaper_cost = 8\n", "'paper_cost' is set twice"},
        {"paper_cost 7\n", "expected 'key = value'"},
        {"hourly_rate = 300 kr\n", "hourly_rate must be an amount"},
        {"hourly_rate =\n", "hourly_rate has no value"},
        {"decisions = 650;3900\n", "decisions must be 1 to 30 whole numbers"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(load_text(bad[i].text, &in, &err), -1);
        assert_int_equal(err.cls, MM_ERR_INPUT);
        if (!strstr(err.msg, bad[i].msg) || !strstr(err.msg, "/tmp/mmmodeltest"))
            fail_msg("'%s': '%s' lacks '%s' or the path", bad[i].text, err.msg, bad[i].msg);
    }
    mm_model_defaults(&in);
    assert_int_equal(mm_model_load("/nonexistent/model.conf", &in, &err), -1);
    assert_int_equal(err.cls, MM_ERR_SYSTEM);
    assert_non_null(strstr(err.msg, "/nonexistent/model.conf"));
}

static void measured_decisions(void **state)
{
    (void)state;
    mm_model_inputs in;
    mm_model_defaults(&in);
    /* 5000 a year measured: year 1 is 5000, years 2 (3900) raised to it,
     * years 3-5 above it stay. */
    mm_model_use_measured(&in, 4999.6);
    assert_true(in.decisions[0] == 5000 && in.decisions[1] == 5000 && in.decisions[2] == 10400 &&
                in.decisions[4] == 28405);
    assert_int_equal(in.years, 5);
    mm_model_use_measured(&in, -3);
    assert_true(in.decisions[0] == 0 && in.decisions[1] == 5000);
    /* 100 in half a year (182.5 days) is 200 a year. */
    assert_float_equal(mm_model_per_year(100, 0, 86400000LL * 365 / 2), 200, 1e-9);
    assert_float_equal(mm_model_per_year(100, 10, 10), 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_pre_study),
        cmocka_unit_test(default_figures),
        cmocka_unit_test(payback_edges),
        cmocka_unit_test(set_refuses),
        cmocka_unit_test(file_overrides),
        cmocka_unit_test(file_refusals),
        cmocka_unit_test(measured_decisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
