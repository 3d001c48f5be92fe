/* SPDX-License-Identifier: EUPL-1.2 */
/* Authorisation of mmprintd: who may do what, decided in one place for
 * every entrance (DESIGN "Two entrances, one set of rules"). */
#ifndef MMPRINTD_AUTH_H
#define MMPRINTD_AUTH_H

#include "mmprintd.h"

/* May principal (a client certificate's subject DN; NULL or "" = nobody)
 * do action ("see-exceptions", "resolve", "cancel", "cancel-own") on job
 * (NULL for actions on no one job)?  1 allowed, 0 not.  Reads only. */
int srv_may(const srv *s, const char *principal, const char *action, const srv_job *job);

#endif
