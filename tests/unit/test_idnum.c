/* SPDX-License-Identifier: EUPL-1.2 */
/* Identity numbers, driven by every file of the shared public test data
 * (../shared/testdata/ids, see its README for the documented exceptions). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idnum.h"

/* The '+' forms of the shared list were generated in 2023. */
static struct tm in_2023 = {.tm_year = 123, .tm_mon = 5, .tm_mday = 1};

static json_t *load(const char *rel)
{
    const char *shared = getenv("MM_SHARED");
    if (!shared) {
        fail_msg("MM_SHARED is not set: run through tests/run");
        return NULL;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/testdata/ids/%s", shared, rel);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (!j)
        fail_msg("%s: %s", path, jerr.text);
    return j;
}

static int parses(const char *text, mm_id *id)
{
    mm_error err;
    mm_error_clear(&err);
    int rc = mm_idnum_parse(text, &in_2023, id, &err);
    if (rc < 0) {
        assert_int_equal(err.cls, MM_ERR_INPUT);
        assert_true(err.msg[0] != '\0');
        /* The reason never repeats the number. */
        assert_null(strstr(err.msg, text));
    }
    return rc == 0;
}

static void list_json(void **state)
{
    (void)state;
    json_t *list = load("personnummer-meta/list.json");
    size_t i, checked = 0;
    json_t *c;
    json_array_foreach(list, i, c) {
        int valid = json_is_true(json_object_get(c, "valid"));
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *long_format = json_string_value(json_object_get(c, "long_format"));
        const char *formats[] = {"long_format", "short_format", "separated_format", "separated_long"};
        for (size_t f = 0; f < 4; f++) {
            const char *in = json_string_value(json_object_get(c, formats[f]));
            mm_id id;
            int ok = parses(in, &id);
            if (ok != valid)
                fail_msg("%s: expected %s", in, valid ? "valid" : "invalid");
            /* Without a separator the short form cannot carry "100 or older",
             * so its century is the younger one; all other forms must match. */
            if (ok && f != 1) {
                assert_string_equal(id.number, long_format);
                assert_int_equal(id.kind, !strcmp(type, "con") ? MM_ID_COORDINATION : MM_ID_PERSON);
            }
            checked++;
        }
    }
    assert_int_equal(checked, json_array_size(list) * 4);
    json_decref(list);
}

static void structured_json(void **state)
{
    (void)state;
    json_t *s = load("personnummer-meta/structured.json");
    const char *kinds[] = {"ssn", "con"};
    size_t checked = 0;
    for (size_t k = 0; k < 2; k++) {
        json_t *strings = json_object_get(json_object_get(s, kinds[k]), "string");
        const char *verdicts[] = {"valid", "invalid"};
        for (size_t v = 0; v < 2; v++) {
            size_t i;
            json_t *x;
            json_array_foreach(json_object_get(strings, verdicts[v]), i, x) {
                mm_id id;
                int ok = parses(json_string_value(x), &id);
                if (ok != (v == 0))
                    fail_msg("%s: expected %s", json_string_value(x), verdicts[v]);
                checked++;
            }
        }
    }
    assert_true(checked > 20);
    json_decref(s);
}

static void interim_rejected(void **state)
{
    (void)state;
    json_t *list = load("personnummer-meta/interim.json");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        mm_id id;
        /* Interim numbers never receive Mina meddelanden letters. */
        assert_false(parses(json_string_value(json_object_get(c, "long_format")), &id));
        assert_false(parses(json_string_value(json_object_get(c, "separated_format")), &id));
    }
    assert_int_equal(json_array_size(list), 12);
    json_decref(list);
}

static void orgnumber_not_person(void **state)
{
    (void)state;
    json_t *list = load("personnummer-meta/orgnumber.json");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *in = json_string_value(json_object_get(c, "short_format"));
        mm_id id;
        assert_true(parses(in, &id));
        assert_int_equal(id.kind, MM_ID_ORGANISATION);
        assert_memory_equal(id.number, "16", 2);
        assert_string_equal(id.number + 2, in);
        assert_true(parses(json_string_value(json_object_get(c, "separated_format")), &id));
        assert_int_equal(id.kind, MM_ID_ORGANISATION);
    }
    json_decref(list);
}

/* A page tells the person who typed a number what is wrong with it. */
static void problem_in_swedish(void **state)
{
    (void)state;
    static const struct {
        const char *typed;
        int code;
        const char *says;
    } cases[] = {
        {"", MM_IDNUM_EMPTY, "Skriv"},
        {"19121212-121", MM_IDNUM_FORM, "10 eller 12 siffror"},
        {"19121212-T212", MM_IDNUM_LETTERS, "bokstäver"},
        {"19121212-1213", MM_IDNUM_CHECKSUM, "kontrollsiffran"},
        {"121312-1211", MM_IDNUM_DATE, "datumet"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mm_id id;
        mm_error err;
        mm_error_clear(&err);
        assert_int_equal(mm_idnum_parse(cases[i].typed, NULL, &id, &err), -1);
        if (err.code != cases[i].code)
            fail_msg("%s: code %d, want %d (%s)", cases[i].typed, err.code, cases[i].code, err.msg);
        assert_non_null(strstr(mm_idnum_problem_sv(err.code), cases[i].says));
    }
    assert_non_null(strstr(mm_idnum_problem_sv(0), "personnummer"));
}

static void all_pins(void **state)
{
    (void)state;
    json_t *list = load("personnummer-meta/allPins.json");
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        const char *in = json_string_value(x);
        mm_id id;
        if (!parses(in, &id))
            fail_msg("Skatteverket test personnummer rejected: %s", in);
        assert_string_equal(id.number, in);
        assert_int_equal(id.kind, MM_ID_PERSON);
    }
    assert_int_equal(json_array_size(list), 41129);
    json_decref(list);
}

/* The README's exceptions: month 00 (cannot be addressed in MM) and the 24
 * impossible dates Skatteverket confirmed as errors are refused; every other
 * test samordningsnummer is valid. */
static void all_coords(void **state)
{
    (void)state;
    static const char *impossible =
        "192004912388 193002902397 193302912385 193309912388 194209912387 194804912386 195102892386 "
        "195109912385 195202912381 196602902394 197404912383 197902902399 198106912382 198502902391 "
        "199611912388 200111912382 200302912381 200902912385 201109912384 201302892383 201402902397 "
        "201402912388 201604912384 201902892387";
    json_t *list = load("personnummer-meta/allCoords.json");
    size_t i, accepted = 0, month00 = 0, bad_date = 0;
    json_t *x;
    json_array_foreach(list, i, x) {
        const char *in = json_string_value(x);
        mm_id id;
        int ok = parses(in, &id);
        int expect_bad_date = strstr(impossible, in) != NULL;
        int is_month00 = in[4] == '0' && in[5] == '0';
        if (is_month00 || expect_bad_date) {
            if (ok)
                fail_msg("%s should be refused", in);
            month00 += is_month00;
            bad_date += expect_bad_date;
        } else {
            if (!ok)
                fail_msg("%s should be valid", in);
            assert_int_equal(id.kind, MM_ID_COORDINATION);
            assert_string_equal(id.number, in);
            accepted++;
        }
    }
    assert_int_equal(month00, 132);  /* 129 month 00 + 3 with month 00 and day 60 */
    assert_int_equal(bad_date, 24);
    assert_int_equal(accepted, 2264 - 132 - 24);
    json_decref(list);
}

static void organisationsnummer_list(void **state)
{
    (void)state;
    json_t *list = load("organisationsnummer-meta/list.json");
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *in = json_string_value(json_object_get(c, "input"));
        const char *type = json_string_value(json_object_get(c, "type"));
        int valid = json_is_true(json_object_get(c, "valid"));
        mm_id id;
        int ok = parses(in, &id);
        if (ok != valid)
            fail_msg("%s: expected %s", in, valid ? "valid" : "invalid");
        if (!ok)
            continue;
        if (!strcmp(type, "Enskild firma")) {
            /* A sole trader is addressed by the owner's personnummer (or samordningsnummer). */
            assert_int_not_equal(id.kind, MM_ID_ORGANISATION);
            assert_string_equal(id.number, in);
        } else {
            char want[13];
            snprintf(want, sizeof want, "16%s", json_string_value(json_object_get(c, "short_format")));
            assert_int_equal(id.kind, MM_ID_ORGANISATION);
            assert_string_equal(id.number, want);
        }
    }
    json_decref(list);
}

static void expect(const char *in, const char *number, mm_id_kind kind)
{
    mm_id id;
    if (!parses(in, &id))
        fail_msg("%s should be valid", in);
    assert_string_equal(id.number, number);
    assert_int_equal(id.kind, kind);
}

static void expect_invalid(const char *in, const char *reason_part)
{
    mm_id id;
    mm_error err;
    mm_error_clear(&err);
    if (mm_idnum_parse(in, &in_2023, &id, &err) == 0)
        fail_msg("'%s' should be invalid", in);
    if (!strstr(err.msg, reason_part))
        fail_msg("'%s': reason '%s' lacks '%s'", in, err.msg, reason_part);
}

static void edge_cases(void **state)
{
    (void)state;
    expect("20000229-2399", "200002292399", MM_ID_PERSON);   /* 2000 was a leap year */
    expect_invalid("19000229-0000", "");                     /* 1900 was not */
    expect("  19121212-1212 ", "191212121212", MM_ID_PERSON);
    expect("121212+1212", "191212121212", MM_ID_PERSON);     /* '+' : 100 years or older */
    expect("121212-1212", "201212121212", MM_ID_PERSON);
    expect("212000-0142", "162120000142", MM_ID_ORGANISATION);
    expect("162120000142", "162120000142", MM_ID_ORGANISATION);
    expect_invalid("19121212-1213", "checksum");
    expect_invalid("1912121212", "checksum");                /* 2019-12-12 with a wrong check digit */
    expect_invalid("191212121", "10 or 12 digits");
    expect_invalid("1912121212123", "too many");
    expect_invalid("19121212 1212", "unexpected character");
    expect_invalid("19121212-T212", "letters");
    expect_invalid("", "empty");
    expect_invalid("20150916-0006", "birth number 000");
    expect_invalid("212000+0142", "only used in personnummer");
    expect_invalid("1912121--212", "unexpected character");
    expect_invalid("1912-12121212", "separator");
    expect_invalid("171212121212", "century");
}

/* Day + 60 on a leap day: samordningsnummer for 29 Feb exist only in leap years. */
static void coordination_leap_day(void **state)
{
    (void)state;
    /* Build valid check digits rather than trusting hand arithmetic. */
    const char *bases[] = {"000289238", "010289238"};
    char num[16];
    for (int b = 0; b < 2; b++) {
        for (int c = 0; c <= 9; c++) {
            snprintf(num, sizeof num, "%s%d", bases[b], c);
            mm_id id;
            mm_error err;
            mm_error_clear(&err);
            if (mm_idnum_parse(num, &in_2023, &id, &err) == 0) {
                assert_int_equal(b, 0); /* only 2000-02-29 exists */
                assert_int_equal(id.kind, MM_ID_COORDINATION);
                char want[24];
                snprintf(want, sizeof want, "20%s", num);
                assert_string_equal(id.number, want);
            } else if (b == 1 && !strstr(err.msg, "checksum")) {
                assert_non_null(strstr(err.msg, "no such date"));
            }
        }
    }
}

static void mask(void **state)
{
    (void)state;
    char out[16];
    mm_idnum_mask("191212121212", out);
    assert_string_equal(out, "19121212-****");
    mm_idnum_mask("162120000142", out);
    assert_string_equal(out, "162120000142");
    mm_idnum_mask("123", out);
    assert_string_equal(out, "(invalid)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_json),
        cmocka_unit_test(structured_json),
        cmocka_unit_test(interim_rejected),
        cmocka_unit_test(orgnumber_not_person),
        cmocka_unit_test(all_pins),
        cmocka_unit_test(problem_in_swedish),
        cmocka_unit_test(all_coords),
        cmocka_unit_test(organisationsnummer_list),
        cmocka_unit_test(edge_cases),
        cmocka_unit_test(coordination_leap_day),
        cmocka_unit_test(mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
