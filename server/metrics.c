/* SPDX-License-Identifier: EUPL-1.2 */
/* /metrics of mmprintd in the Prometheus text format: the store's jobs per
 * state and channel, open exceptions, the delivery latency histogram, the
 * counters of FaR, operator and printer calls, and the queues. */
#include <string.h>

#include "api.h"

typedef struct {
    mm_buf *out;
} count_ctx;

static void count_one(const char *state, const char *channel, long n, void *arg)
{
    count_ctx *cc = arg;
    mm_buf_printf(cc->out, "mmprintd_jobs{state=\"%s\",channel=\"%s\"} %ld\n", state, channel[0] ? channel : "none",
                  n);
}

static void exception_count(const char *state, long n, void *arg)
{
    long *counts = arg;
    srv_jstate st = srv_jstate_from_name(state);
    counts[st == SRV_JSTATE_FAILED ? 0 : st == SRV_JSTATE_RETURNED ? 1 : 2] += n;
}

enum MHD_Result srv_api_get_metrics(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    if (!srv_may(s, rq->who, SRV_ACT_METRICS, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_METRICS);
    (void)arg;
    mm_buf b = MM_BUF_INIT;
    count_ctx cc = {&b};
    mm_buf_puts(&b, "# HELP mmprintd_jobs Jobs in the store by state and channel.\n# TYPE mmprintd_jobs gauge\n");
    srv_store_counts(s->store, count_one, &cc);
    long exc[3] = {0, 0, 0};
    srv_store_exception_counts(s->store, exception_count, exc);
    mm_buf_printf(&b, "# HELP mmprintd_exceptions_open Letters that reached no one, kept until a person resolves"
                      " them (GET /api/v1/exceptions).\n# TYPE mmprintd_exceptions_open gauge\n"
                      "mmprintd_exceptions_open{state=\"failed\"} %ld\nmmprintd_exceptions_open{state=\"returned\"} %ld\n"
                      "mmprintd_exceptions_open{state=\"expired\"} %ld\n",
                  exc[0], exc[1], exc[2]);
    mm_buf_puts(&b, "# HELP mmprintd_delivery_latency_seconds From submission to Delivered.\n"
                    "# TYPE mmprintd_delivery_latency_seconds histogram\n");
    long cum = 0;
    for (int i = 0; i < SRV_LAT_BUCKETS; i++) {
        cum += atomic_load(&s->lat_bucket[i]);
        mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_bucket{le=\"%g\"} %ld\n", srv_lat_bounds[i], cum);
    }
    cum += atomic_load(&s->lat_bucket[SRV_LAT_BUCKETS]);
    mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_bucket{le=\"+Inf\"} %ld\n", cum);
    mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_sum %.3f\n", (double)atomic_load(&s->lat_sum_ms) / 1000.0);
    mm_buf_printf(&b, "mmprintd_delivery_latency_seconds_count %ld\n", atomic_load(&s->lat_count));
    struct {
        const char *name, *help;
        long v;
    } counters[] = {
        {"mmprintd_far_requests_total", "isReachable calls to FaR.", atomic_load(&s->far_calls)},
        {"mmprintd_far_errors_total", "FaR calls that failed.", atomic_load(&s->far_errors)},
        {"mmprintd_operator_attempts_total", "deliverSecure attempts.", atomic_load(&s->op_attempts)},
        {"mmprintd_operator_errors_total", "deliverSecure technical failures (retried).", atomic_load(&s->op_errors)},
        {"mmprintd_operator_rejections_total", "deliverSecure application faults (not retried).",
         atomic_load(&s->op_rejected)},
        {"mmprintd_print_attempts_total", "IPP print attempts.", atomic_load(&s->print_attempts)},
        {"mmprintd_print_errors_total", "IPP print attempts that failed.", atomic_load(&s->print_errors)},
        {"mmprintd_print_busy_total", "Printer answers busy, not accepting or queue full (waited for, not errors).",
         srv_print_busy_total(s)},
    };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        mm_buf_printf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %ld\n", counters[i].name, counters[i].help,
                      counters[i].name, counters[i].name, counters[i].v);
    mm_buf_printf(&b, "# HELP mmprintd_certificate_days_left Days until the organisation certificate expires.\n"
                      "# TYPE mmprintd_certificate_days_left gauge\nmmprintd_certificate_days_left %ld\n",
                  s->cert_days_left);
    int64_t busy_since = srv_print_busy_since(s);
    mm_buf_printf(&b, "# HELP mmprintd_printer_busy_seconds How long a printer has answered busy without taking a letter (the longest of the print rooms).\n"
                      "# TYPE mmprintd_printer_busy_seconds gauge\nmmprintd_printer_busy_seconds %.1f\n",
                  busy_since ? (double)(srv_now_ms() - busy_since) / 1000.0 : 0.0);
    mm_buf_printf(&b, "# HELP mmprintd_queue_length Jobs waiting in memory per stage.\n"
                      "# TYPE mmprintd_queue_length gauge\n"
                      "mmprintd_queue_length{stage=\"far\"} %zu\nmmprintd_queue_length{stage=\"send\"} %zu\n"
                      "mmprintd_queue_length{stage=\"print\"} %zu\n",
                  srv_queue_len(&s->q_far), srv_queue_len(&s->q_send), srv_print_waiting(s));
    if (!b.data)
        return MHD_NO;
    return srv_respond_text(c, 200, "text/plain; version=0.0.4", b.data);
}

