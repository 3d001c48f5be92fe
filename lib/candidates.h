/* SPDX-License-Identifier: EUPL-1.2 */
/* The labelled identity numbers a letter's text names, and the rule that
 * picks the recipient among them (doc/job-bundle.md, "candidates").
 *
 * The filter finds the candidates; it cannot know every number of the
 * sending organisation, the server can (its certificate, sender_id).  So the
 * filter writes the whole list into the bundle and the server applies the
 * same rule again with its own numbers removed: the server has the last
 * word, and no desktop configuration is needed for it to be right. */
#ifndef MM_CANDIDATES_H
#define MM_CANDIDATES_H

#include <stddef.h>
#include "error.h"

/* Whose number a label says it is. */
typedef enum {
    MM_LABEL_PERSON,         /* the addressee: "Personnummer", "Samordningsnr", "Mottagarens pnr" ... */
    MM_LABEL_ORGNR,          /* the addressee's organisation number: "Org.nr", "Organisationsnummer" ... */
    /* Someone the letter is about, not the addressee: never a recipient. */
    MM_LABEL_CHILD,          /* "Barnets personnummer" */
    MM_LABEL_PUPIL,          /* "Elevens personnummer" */
    MM_LABEL_PRINCIPAL,      /* "Huvudmannens", "Den enskildes", "Brukarens" ... */
    MM_LABEL_PATIENT,        /* "Patientens" */
    MM_LABEL_DECEASED,       /* "Den avlidnes" */
    MM_LABEL_REPRESENTATIVE, /* "Vårdnadshavarens", "God mans", "Ombudets" ... */
    MM_LABEL_OTHER,          /* "Makens", "Arbetsgivarens org.nr" ... */
    MM_LABEL_COUNT
} mm_label_kind;

/* At most this many distinct (kind, number) pairs; more sets `more`. */
#define MM_CANDIDATES_MAX 24

typedef struct {
    mm_label_kind kind;
    char number[13];         /* the 12-digit form */
} mm_candidate;

typedef struct {
    char source[12];         /* where they were found: "text" or "subject" */
    int n;
    mm_candidate list[MM_CANDIDATES_MAX];
    int invalid;             /* a labelled number failed validation: the text is unreliable */
    int more;                /* more candidates than the list holds, or a page too big to examine */
    int to_representative;   /* the letter is addressed "Till vårdnadshavare", "Till god man" ... */
} mm_candidates;

/* True when nothing was recorded (no candidate and no flag). */
int mm_candidates_empty(const mm_candidates *c);
/* Adds one (kind, number) pair unless already there; sets `more` when full. */
void mm_candidates_add(mm_candidates *c, mm_label_kind kind, const char *number12);

/* "person", "orgnr", "child", "pupil", "principal", "patient", "deceased",
 * "representative", "other". */
const char *mm_label_kind_name(mm_label_kind kind);
/* True for the kinds that can name the addressee (person, orgnr). */
int mm_label_kind_addressee(mm_label_kind kind);

/* The bundle form: comma-separated SOURCE:KIND:NUMBER tokens, and the flags
 * SOURCE:invalid, SOURCE:more, SOURCE:to-representative.  "" when empty.
 * Fails (MM_ERR_INPUT) when out is too small. */
int mm_candidates_format(const mm_candidates *c, char *out, size_t size, mm_error *err);
/* Parses the bundle form.  An unknown kind or flag is read as MM_LABEL_OTHER
 * or as doubt (`more`), so a newer filter can never make an older server
 * less careful.  Malformed text fails with MM_ERR_INPUT. */
int mm_candidates_parse(const char *text, mm_candidates *c, mm_error *err);

/* The outcome of the rule. */
typedef enum {
    MM_CHOICE_FOUND,             /* exactly one addressee candidate is left */
    MM_CHOICE_NONE,              /* no labelled number at all */
    MM_CHOICE_ONLY_OWN,          /* only the sender's own numbers */
    MM_CHOICE_INVALID,           /* a labelled number is not valid */
    MM_CHOICE_SEVERAL,           /* two or more different addressee candidates (or too many to list) */
    MM_CHOICE_THIRD_PARTY,       /* only numbers labelled as someone else's (the child's ...) */
    MM_CHOICE_TO_REPRESENTATIVE, /* addressed to a guardian/god man: the number may be the child's */
    MM_CHOICE_ORG_UNCHECKED      /* one organisation number, and the sender's numbers are not known here */
} mm_choice;

typedef struct {
    mm_choice choice;
    char number[13];             /* FOUND: the recipient */
    mm_label_kind kind;          /* FOUND: its label; THIRD_PARTY: the first third party's */
    int distinct;                /* SEVERAL: how many different addressee numbers */
} mm_decision;

/* The rule (spec/identity-numbers-and-pdf.md §7 steps 5-7): drop the
 * sender's own numbers (own[0..n_own), 12-digit form); a number labelled as
 * someone else's anywhere is never the recipient; exactly one distinct
 * addressee number left is the recipient, anything else is doubt.  In a
 * letter addressed to a representative ("Till vårdnadshavare") only one
 * number labelled as the representative's, and nothing else, is. 
 * know_senders = 0 (a desktop without configured sender numbers) never
 * picks an organisation number: it may be the sender's own. */
void mm_candidates_decide(const mm_candidates *c, const char *const *own, size_t n_own, int know_senders,
                          mm_decision *d);
/* An English reason for a decision other than FOUND (no number in it). */
void mm_candidates_why(const mm_decision *d, const mm_candidates *c, char *out, size_t size);

#endif
