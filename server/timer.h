/* SPDX-License-Identifier: EUPL-1.2 */
/* Retries: backoff with jitter, and the timer that hands a job back to
 * its stage when its retry is due.  In memory only: a job waiting here is
 * still in its state in the store, and resumed from there after a restart. */
#ifndef MMPRINTD_TIMER_H
#define MMPRINTD_TIMER_H

#include "mmprintd.h"

/* How long before attempt number attempts + 1: retry_initial_ms doubling up
 * to retry_max_ms, then anywhere in [d/2, d] so that retries spread out. */
long srv_backoff_ms(const srv *s, int attempts);
/* Hands job (consumed: freed when out of memory) back to stage's queue
 * after delay_ms. */
void srv_schedule(srv *s, srv_job *job, srv_stage stage, long delay_ms);
/* The timer thread (arg: the srv); returns when s->stopping is set. */
void *srv_timer_main(void *arg);
/* Frees the jobs still waiting (after the timer thread stopped). */
void srv_timer_drop_all(srv *s);

#endif
