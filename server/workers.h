/* SPDX-License-Identifier: EUPL-1.2 */
/* The worker stages of mmprintd, started and joined by work.c: their thread
 * functions (arg: the srv; each returns when its queue is closed).  They
 * talk to FaR and the operators with srv_conf_http_new (conf.h). */
#ifndef MMPRINTD_WORKERS_H
#define MMPRINTD_WORKERS_H

#include "mmprintd.h"

void *srv_far_main(void *arg);   /* farbatch.c */
void *srv_send_main(void *arg);  /* send.c */
void *srv_print_main(void *arg); /* printq.c */

#endif
