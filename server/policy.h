/* SPDX-License-Identifier: EUPL-1.2 */
/* The channel policy of mmprintd: digital when FaR says the recipient can
 * get it, else paper, or nothing for digital-only; and the fallback when
 * the digital path fails; and the first state of a new job. */
#ifndef MMPRINTD_POLICY_H
#define MMPRINTD_POLICY_H

#include "mmprintd.h"

/* The first state of a new job (queued, needs-recipient, or printing for
 * paper-only) with its channel, reason and deadline, from j->policy;
 * reason_sv is why there is no recipient.  Returns the state. */
srv_jstate srv_policy_intake(srv *s, srv_job *j, int have_recipient, const char *reason_sv);

/* Applies FaR's answer r to a queued job in memory (nothing recorded):
 * returns what to do next (0 send, 1 print, 2 nothing more: returned) and
 * sets *event and detail for the store. */
int srv_policy_decide(srv *s, srv_job *job, const mm_reach *r, const char **event, char *detail, size_t dsize);
/* Technical trouble or a refusal ends the digital path: paper, or returned
 * for digital-only; recorded.  job is consumed: queued for the printer or
 * freed. */
void srv_policy_fallback(srv *s, srv_job *job, const char *reason, const char *reason_sv);

#endif
