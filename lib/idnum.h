/* SPDX-License-Identifier: EUPL-1.2 */
/* Swedish identity numbers: personnummer, samordningsnummer and
 * organisationsnummer (spec/identity-numbers-and-pdf.md §1). */
#ifndef MM_IDNUM_H
#define MM_IDNUM_H

#include <time.h>
#include "error.h"

typedef enum {
    MM_ID_PERSON,        /* personnummer */
    MM_ID_COORDINATION,  /* samordningsnummer (day + 60) */
    MM_ID_ORGANISATION   /* organisationsnummer */
} mm_id_kind;

typedef struct {
    char number[13];     /* the 12-digit form Mina meddelanden uses: YYYYMMDDNNNC or 16NNNNNNNNNN */
    mm_id_kind kind;
} mm_id;

/* Parses and validates one number as typed by a person (10 or 12 digits,
 * optional '-' or '+' separator, surrounding spaces).  `today` decides the
 * century of a 10-digit personnummer ('+' = 100 years or older); NULL means
 * the current date.  On error returns -1 with an English reason in err
 * (MM_ERR_INPUT) that never repeats the number itself. */
int mm_idnum_parse(const char *text, const struct tm *today, mm_id *out, mm_error *err);

/* err->code after a failed mm_idnum_parse: what is wrong, so that a page
 * can tell the person who typed it (mm_idnum_problem_sv). */
enum {
    MM_IDNUM_EMPTY = 1,   /* nothing typed */
    MM_IDNUM_FORM,        /* not 10 or 12 digits with at most one separator before the last four */
    MM_IDNUM_LETTERS,     /* letters: an interim or reserve number */
    MM_IDNUM_CHECKSUM,    /* the check digit does not match */
    MM_IDNUM_DATE,        /* no such date (month, day, century) */
    MM_IDNUM_BIRTH_NUMBER, /* birth number 000 */
    MM_IDNUM_ORG,         /* an organisation number's own rules */
};
/* The Swedish sentence for a person about a failed parse's code (static,
 * never NULL; a general one for an unknown code). */
const char *mm_idnum_problem_sv(int code);

/* "person", "coordination" or "organisation". */
const char *mm_idnum_kind_name(mm_id_kind kind);

/* 1 when s is a sender id as Mina meddelanden writes it (senderOrgNr,
 * Sender/Id, a certificate's serialNumber): "16" followed by the ten digits
 * of the organisationsnummer, nothing else; else 0 (also for NULL).  The
 * organisation number itself is not checked further, as the services do
 * not either. */
int mm_idnum_sender_id_valid(const char *s);

/* Masks a 12-digit number for logs: "19121212-****"; organisation numbers
 * are public and kept as they are.  out must hold 16 bytes. */
void mm_idnum_mask(const char *number12, char out[16]);

#endif
