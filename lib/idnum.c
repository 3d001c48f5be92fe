/* SPDX-License-Identifier: EUPL-1.2 */
/* Swedish identity numbers, by the rules of spec/identity-numbers-and-pdf.md §1.
 *
 * Decisions where the sources leave room:
 * - A 10-digit number is an organisationsnummer when its "month" (digits 3-4)
 *   is >= 20; such a number can never be a person's (§1.4).  It is written
 *   "NNNNNN-NNNN" or plain; '+' is a person-only separator and rejected.
 * - Samordningsnummer with month 00 are refused: the RecipientId pattern of
 *   Mina meddelanden only allows months 01-12, so such a person cannot be
 *   addressed.  Day 60 (unknown day, month known) is accepted, as
 *   Skatteverket issues it.  Impossible dates (30 February as day 90) are
 *   refused, as Skatteverket confirmed its test data is wrong there.
 * - Birth number 000 is refused for persons only (§1.3).
 * - A space is not a separator ("19090527 1474" is invalid); surrounding
 *   blanks are trimmed.
 */
#include "idnum.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

static int luhn_ok(const char d[10])
{
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        int v = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
        sum += v > 9 ? v - 9 : v;
    }
    return (10 - sum % 10) % 10 == d[9] - '0';
}

static int is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && is_leap(year))
        return 29;
    return days[month - 1];
}

static int num2(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Checks the date part of a person's number; year is the full year. */
static int check_person_date(int year, int month, int day, mm_id_kind *kind, mm_error *err)
{
    if (month < 1 || month > 12) {
        if (month == 0 && day >= 60)
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_DATE,
                                "coordination number with unknown month (00) cannot be addressed");
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_DATE, "month %02d does not exist", month);
    }
    if (day >= 60) {
        *kind = MM_ID_COORDINATION;
        day -= 60;
        if (day == 0)
            return 0; /* day 60: birth day unknown */
    } else {
        *kind = MM_ID_PERSON;
    }
    if (day < 1 || day > days_in_month(year, month))
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_DATE, "no such date (%04d-%02d-%02d)", year, month, day);
    return 0;
}

int mm_idnum_parse(const char *text, const struct tm *today, mm_id *out, mm_error *err)
{
    if (!text)
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_EMPTY, "no number given");
    while (*text == ' ' || *text == '\t')
        text++;
    size_t len = strlen(text);
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    if (len == 0)
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_EMPTY, "empty number");
    if (len > 13)
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_FORM, "too long for an identity number");

    char digits[13];
    size_t nd = 0;
    char sep = 0;
    size_t sep_pos = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isdigit(c)) {
            digits[nd++] = (char)c;
        } else if ((c == '-' || c == '+') && !sep) {
            sep = (char)c;
            sep_pos = nd;
        } else if (isalpha(c)) {
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_LETTERS,
                                "letters are not allowed (interim or reserve numbers cannot receive letters)");
        } else {
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_FORM, "unexpected character '%c'", isprint(c) ? c : '?');
        }
        if (nd > 12)
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_FORM, "too many digits");
    }
    if (nd != 10 && nd != 12)
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_FORM, "must have 10 or 12 digits, not %zu", nd);
    if (sep && sep_pos != nd - 4)
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_FORM, "separator must come before the last four digits");
    digits[nd] = '\0';

    /* The 10 digits the checksum covers. */
    const char *ten = nd == 12 ? digits + 2 : digits;
    int month = num2(ten + 2);
    int day = num2(ten + 4);

    if (nd == 12 && digits[0] == '1' && digits[1] == '6') {
        if (sep == '+')
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_ORG, "'+' is only used in personnummer");
        if (month < 20)
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_ORG, "not an organisation number (digits 3-4 must be 20 or more)");
    } else if (nd == 12 && !(num2(digits) >= 18 && num2(digits) <= 20)) {
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_DATE, "century must be 18, 19 or 20 (or 16 for organisations)");
    }

    if (!luhn_ok(ten))
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_CHECKSUM, "checksum digit is wrong");

    mm_id id;
    memset(&id, 0, sizeof id);

    if (month >= 20) {
        if (nd == 12 && !(digits[0] == '1' && digits[1] == '6'))
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_DATE, "month %02d does not exist", month);
        if (sep == '+')
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_ORG, "'+' is only used in personnummer");
        if (ten[0] == '0' || ten[0] == '4')
            return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_ORG, "organisation group number %c is not used", ten[0]);
        id.kind = MM_ID_ORGANISATION;
        memcpy(id.number, "16", 2);
        memcpy(id.number + 2, ten, 10);
        id.number[12] = '\0';
        *out = id;
        return 0;
    }

    if (ten[6] == '0' && ten[7] == '0' && ten[8] == '0')
        return mm_error_set(err, MM_ERR_INPUT, MM_IDNUM_BIRTH_NUMBER, "birth number 000 is not allowed");

    int year;
    if (nd == 12) {
        year = num2(digits) * 100 + num2(digits + 2);
    } else {
        struct tm now_tm;
        if (!today) {
            time_t now = time(NULL);
            localtime_r(&now, &now_tm);
            today = &now_tm;
        }
        int base = today->tm_year + 1900 - (sep == '+' ? 100 : 0);
        int yy = num2(ten);
        year = base - ((base - yy) % 100 + 100) % 100;
    }
    if (check_person_date(year, month, day, &id.kind, err) < 0)
        return -1;

    /* year is 1800..2099 here, so it takes exactly four digits */
    id.number[0] = (char)('0' + year / 1000);
    id.number[1] = (char)('0' + year / 100 % 10);
    id.number[2] = (char)('0' + year / 10 % 10);
    id.number[3] = (char)('0' + year % 10);
    memcpy(id.number + 4, ten + 2, 8);
    id.number[12] = '\0';
    *out = id;
    return 0;
}

const char *mm_idnum_problem_sv(int code)
{
    switch (code) {
    case MM_IDNUM_EMPTY:
        return "Skriv mottagarens personnummer.";
    case MM_IDNUM_FORM:
        return "Ett personnummer har 10 eller 12 siffror, till exempel ÅÅÅÅMMDD-NNNN.";
    case MM_IDNUM_LETTERS:
        return "Numret får inte innehålla bokstäver: interimsnummer och reservnummer kan inte ta emot brev.";
    case MM_IDNUM_CHECKSUM:
        return "Numret stämmer inte: kontrollsiffran (den sista siffran) är fel. Kontrollera att du skrivit rätt.";
    case MM_IDNUM_DATE:
        return "Numret stämmer inte: datumet i numret finns inte. Kontrollera födelsedatumet.";
    case MM_IDNUM_BIRTH_NUMBER:
        return "Numret stämmer inte: födelsenumret 000 används inte.";
    case MM_IDNUM_ORG:
        return "Numret är inget giltigt organisationsnummer.";
    default:
        return "Numret är inget giltigt personnummer.";
    }
}

const char *mm_idnum_kind_name(mm_id_kind kind)
{
    switch (kind) {
    case MM_ID_PERSON: return "person";
    case MM_ID_COORDINATION: return "coordination";
    case MM_ID_ORGANISATION: return "organisation";
    }
    return "unknown";
}

int mm_idnum_sender_id_valid(const char *s)
{
    return mm_text_digits(s, 12) && s[0] == '1' && s[1] == '6';
}

void mm_idnum_mask(const char *number12, char out[16])
{
    if (!number12 || strlen(number12) != 12) {
        snprintf(out, 16, "(invalid)");
        return;
    }
    if (number12[0] == '1' && number12[1] == '6') {
        snprintf(out, 16, "%s", number12); /* organisation numbers are public */
        return;
    }
    snprintf(out, 16, "%.8s-****", number12);
}
