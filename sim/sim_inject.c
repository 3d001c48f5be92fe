/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd's fault injection at request time: which --faults rule applies
 * to a request (selectors, count=, flaky=) and what it answers instead.
 * The rules' file format is read in sim_config.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "sim.h"
#include "sim_request.h"

static double rand01(sim_state *st)
{
    /* xorshift64*: flaky= needs cheap, not cryptographic, randomness */
    uint64_t x = st->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    st->rng = x;
    return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

int sim_fault_pick(sim_state *st, int far, const char *op, char (*rcpts)[SIM_ID_LEN], size_t n_rcpts,
                   int want_refuse, sim_rule *out)
{
    const sim_faults *f = st->faults;
    int found = 0;
    if (!f || !f->n)
        return 0;
    pthread_mutex_lock(&st->fault_mu);
    for (size_t i = 0; i < f->n && !found; i++) {
        sim_rule *r = &f->rules[i];
        if ((r->action == SIM_ACT_REFUSE_TLS) != (want_refuse != 0))
            continue;
        if (r->far && !far)
            continue;
        if ((r->action == SIM_ACT_NOT_DELIVERED || r->action == SIM_ACT_ANSWER_RECIPIENT) && far)
            continue; /* an operator's answer; FaR requests pass */
        if (r->op[0] && (far || !op || strcmp(r->op, op)))
            continue;
        if (r->recipient[0]) {
            size_t j;
            for (j = 0; j < n_rcpts; j++)
                if (!strcmp(rcpts[j], r->recipient))
                    break;
            if (j == n_rcpts)
                continue;
        }
        if (r->count == 0)
            continue;
        if (r->flaky < 1.0 && rand01(st) >= r->flaky)
            continue;
        if (r->count > 0)
            r->count--;
        *out = *r;
        found = 1;
    }
    pthread_mutex_unlock(&st->fault_mu);
    return found;
}

int sim_refuse_connection(sim_state *st)
{
    sim_rule r;
    pthread_rwlock_rdlock(&st->lock);
    int hit = sim_fault_pick(st, 1, NULL, NULL, 0, 1, &r);
    pthread_rwlock_unlock(&st->lock);
    if (hit)
        mm_log(MM_LOG_INFO, "far refuse-tls (faults line %d): connection closed before the TLS handshake", r.line);
    return hit;
}

int sim_fault_apply(const sim_rule *r, sim_reply *rp)
{
    if (r->delay_ms > 0) {
        struct timespec ts = {r->delay_ms / 1000, (r->delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) && errno == EINTR)
            ;
        sim_log_add(rp, " delayed=%ldms", r->delay_ms);
    }
    switch (r->action) {
    case SIM_ACT_HTTP: {
        char t[128];
        snprintf(t, sizeof t, "mmsimd: simulated HTTP %d (faults line %d)\n", r->http_status, r->line);
        sim_reply_text(rp, r->http_status, t);
        sim_log_add(rp, " injected=http%d", r->http_status);
        return 1;
    }
    case SIM_ACT_FAULT:
        sim_log_add(rp, " injected");
        sim_reply_fault(rp, r->fault_code, "%s", r->description[0] ? r->description : "simulated fault (mmsimd)");
        return 1;
    case SIM_ACT_DROP:
        rp->drop = 1;
        sim_log_add(rp, " injected=drop");
        return 1;
    default:
        return 0;
    }
}

