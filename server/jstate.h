/* SPDX-License-Identifier: EUPL-1.2 */
/* The states of a job and the one table of their names.  A state is a
 * srv_jstate everywhere in the server; it becomes text only at the edges,
 * in the database's state column (the same words as ever, so existing
 * databases keep working) and in the JSON answers, as PAPPL keeps
 * ipp_jstate_t and names it only for IPP.  Pure data: the store and the
 * API use it without the rest of the job. */
#ifndef MMPRINTD_JSTATE_H
#define MMPRINTD_JSTATE_H

#include <stddef.h>

typedef enum {
    SRV_JSTATE_NONE = 0,        /* no state: an unknown word in a row; as an expectation, "any" */
    SRV_JSTATE_QUEUED,          /* waiting for FaR's answer */
    SRV_JSTATE_NEEDS_RECIPIENT, /* held until someone adds a personnummer */
    SRV_JSTATE_SENDING,         /* sign, seal, deliverSecure */
    SRV_JSTATE_PRINTING,        /* on its way to the printer */
    SRV_JSTATE_DELIVERED,       /* final states from here on */
    SRV_JSTATE_PRINTED,         /* the printer took it; the print room has yet to post it */
    SRV_JSTATE_POSTED,          /* a person in the print room marked it posted (after printed) */
    SRV_JSTATE_RETURNED,        /* final, reached no one: exceptions */
    SRV_JSTATE_FAILED,
    SRV_JSTATE_CANCELLED,
    SRV_JSTATE_EXPIRED,
    SRV_JSTATE_COUNT
} srv_jstate;

/* What the table says of a state (flags of srv_jstate_sql_in). */
#define SRV_JSTATE_F_WORKING   1u /* a worker stage takes it (resumed after a start) */
#define SRV_JSTATE_F_FINAL     2u /* never changes again (but an exception's resolution, and printed -> posted) */
#define SRV_JSTATE_F_EXCEPTION 4u /* final, and the letter reached no one */
#define SRV_JSTATE_F_HELD      8u /* waits for a person to give a recipient */

/* The state's word in the database and the API ("needs-recipient"). */
const char *srv_jstate_name(srv_jstate state);
/* The state named name, SRV_JSTATE_NONE for an unknown word. */
srv_jstate srv_jstate_from_name(const char *name);
int srv_jstate_is_final(srv_jstate state);
/* True for the final states in which the letter reached no one. */
int srv_jstate_is_exception(srv_jstate state);
/* Writes the names of every state with all of flags as an SQL list
 * ("'failed','returned','expired'"), for "state IN (...)". */
void srv_jstate_sql_in(unsigned flags, char *out, size_t size);

#endif
