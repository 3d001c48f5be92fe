/* SPDX-License-Identifier: EUPL-1.2 */
/* The send workers of mmprintd: seal the letter (signed delivery, stored
 * before the first attempt), deliverSecure to the operator, retry with
 * backoff until the deadline, then the policy's fallback. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "delivery.h"
#include "log.h"
#include "mailbox.h"
#include "policy.h"
#include "timer.h"
#include "workers.h"

const double srv_lat_bounds[SRV_LAT_BUCKETS] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600};

static int seal(srv *s, srv_job *j, mm_buf *soap, mm_error *err)
{
    mm_buf doc = MM_BUF_INIT;
    int found = srv_store_document(s->store, j->id, "pdf", &doc, err);
    if (found) {
        mm_buf_free(&doc);
        return found < 0 ? -1 : mm_error_set(err, MM_ERR_INPUT, 0, "the letter of job %s is not stored", j->id);
    }
    char subject[256];
    mm_text_copy(subject, sizeof subject, j->subject[0] ? j->subject : j->title[0] ? j->title : "Brev");
    char ref[51];
    mm_text_copy(ref, sizeof ref, j->department);
    mm_delivery_params p = {
        .sender_id = s->conf.sender_id[0] ? s->conf.sender_id : s->orgnr,
        .sender_name = s->conf.sender_name,
        .recipient = j->recipient,
        .reference = ref[0] ? ref : NULL,
        /* The job id is the message id: a rebuilt delivery is still the same letter. */
        .message_id = j->id,
        .subject = subject,
        .support_text = s->conf.support_text,
        .support_url = s->conf.support_url[0] ? s->conf.support_url : NULL,
        .support_phone = s->conf.support_phone[0] ? s->conf.support_phone : NULL,
        .body_type = "text/plain",
        .body_text = s->conf.body_text,
        .attachment = (const unsigned char *)doc.data,
        .attachment_len = doc.len,
        .attachment_type = "application/pdf",
        .attachment_name = "brev.pdf",
    };
    char msgid[37] = "";
    int rc = mm_delivery_build(s->signer, &p, time(NULL), soap, msgid, err);
    mm_buf_free(&doc);
    if (rc)
        return -1;
    SRV_SET(j->message_id, msgid);
    j->has_soap = 1;
    char detail[200];
    snprintf(detail, sizeof detail, "message id %s, %zu bytes stored before the first attempt", msgid, soap->len);
    int rc2 = srv_transition_doc(s, j, SRV_JSTATE_SENDING, "sealed", detail, "soap", soap->data, soap->len);
    if (rc2 < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "cannot store the sealed delivery of job %s", j->id);
    return rc2;
}

static void record_latency(srv *s, const srv_job *j)
{
    int64_t ms = srv_now_ms() - j->created_ms;
    if (ms < 0)
        ms = 0;
    int b = 0;
    while (b < SRV_LAT_BUCKETS && (double)ms / 1000.0 > srv_lat_bounds[b])
        b++;
    atomic_fetch_add(&s->lat_bucket[b], 1);
    atomic_fetch_add(&s->lat_count, 1);
    atomic_fetch_add(&s->lat_sum_ms, (long)ms);
}

static void send_one(srv *s, mm_http *h, srv_job *j)
{
    mm_error err;
    mm_error_clear(&err);
    mm_buf soap = MM_BUF_INIT;
    char detail[900];
    if (j->has_soap && srv_store_document(s->store, j->id, "soap", &soap, &err)) {
        srv_log_job(MM_LOG_WARN, j, "stored delivery unreadable (%s); sealing again with the same message id",
                    err.msg[0] ? err.msg : "missing");
        mm_error_clear(&err);
        j->has_soap = 0;
        mm_buf_reset(&soap);
    }
    if (!j->has_soap) {
        int rc = seal(s, j, &soap, &err);
        if (rc == 1) { /* cancelled or changed meanwhile */
            mm_buf_free(&soap);
            free(j);
            return;
        }
        if (rc < 0) {
            mm_buf_free(&soap);
            snprintf(detail, sizeof detail, "cannot build the delivery: %s", err.msg);
            srv_store_event(s->store, j->id, "seal-failed", detail, NULL);
            if (err.cls == MM_ERR_INPUT) {
                srv_policy_fallback(s, j, detail, srv_sv(SRV_SV_CANNOT_SEAL));
            } else if (srv_now_ms() >= j->deadline_ms) {
                srv_policy_fallback(s, j, detail, srv_sv(SRV_SV_SEND_LATE));
            } else {
                j->attempts++;
                srv_schedule(s, j, SRV_STAGE_SEND, srv_backoff_ms(s, j->attempts));
            }
            return;
        }
    }
    mm_mailbox_result res;
    mm_soap_fault fault;
    memset(&res, 0, sizeof res);
    memset(&fault, 0, sizeof fault);
    j->attempts++;
    atomic_fetch_add(&s->op_attempts, 1);
    int rc = mm_mailbox_deliver(h, j->operator_url, j->recipient, soap.data, soap.len, &res, &fault, &err);
    mm_buf_free(&soap);
    if (rc == 0 && res.delivered) {
        j->state = SRV_JSTATE_DELIVERED;
        SRV_SET(j->trans_id, res.trans_id);
        snprintf(detail, sizeof detail, "attempt %d: delivered to %s, TransId %s, document sha256 %s, %d pages",
                 j->attempts, j->operator_name, res.trans_id, j->sha256, j->pages);
        if (srv_transition(s, j, SRV_JSTATE_SENDING, "delivered", detail) == 0)
            record_latency(s, j);
        free(j);
        return;
    }
    if (rc == 0) {
        snprintf(detail, sizeof detail, "attempt %d: %s answered Delivered=false (TransId %s)", j->attempts,
                 j->operator_name, res.trans_id);
        srv_store_event(s->store, j->id, "not-delivered", detail, NULL);
        srv_policy_fallback(s, j, "operator answered Delivered=false", srv_sv(SRV_SV_NOT_DELIVERED));
        return;
    }
    /* A receipt for someone else, or an operator address that is not
     * https: asking again changes neither, and the letter must not count
     * as delivered.  Paper, with the reason. */
    if (res.wrong_recipient || err.cls == MM_ERR_INPUT) {
        snprintf(detail, sizeof detail, "attempt %d: %s; not retried", j->attempts, err.msg);
        srv_store_event(s->store, j->id, "send-rejected", detail, NULL);
        srv_policy_fallback(s, j, err.msg, srv_sv(SRV_SV_NOT_DELIVERED));
        return;
    }
    int retry = mm_error_retryable(&err) || err.cls == MM_ERR_PROTOCOL || err.cls == MM_ERR_SYSTEM;
    if (retry) {
        atomic_fetch_add(&s->op_errors, 1);
        if (srv_now_ms() < j->deadline_ms) {
            long d = srv_backoff_ms(s, j->attempts);
            snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; retry in %ld ms", j->attempts,
                     mm_error_class_name(err.cls), err.code, err.msg, d);
            srv_store_event(s->store, j->id, "send-failed", detail, NULL);
            srv_schedule(s, j, SRV_STAGE_SEND, d);
            return;
        }
        snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; deadline passed", j->attempts,
                 mm_error_class_name(err.cls), err.code, err.msg);
        srv_store_event(s->store, j->id, "send-failed", detail, NULL);
        srv_policy_fallback(s, j, "no delivery to the operator before the deadline",
                 srv_sv(SRV_SV_SEND_LATE));
        return;
    }
    atomic_fetch_add(&s->op_rejected, 1);
    snprintf(detail, sizeof detail, "attempt %d: %s %d: %s; not retried", j->attempts,
             mm_error_class_name(err.cls), err.code, err.msg);
    srv_store_event(s->store, j->id, "send-rejected", detail, NULL);
    char reason[200];
    snprintf(reason, sizeof reason, "operator refused the delivery (fault %d)", err.code);
    srv_policy_fallback(s, j, reason, srv_sv(SRV_SV_REFUSED));
}

void *srv_send_main(void *arg)
{
    srv *s = arg;
    /* One client per thread: its connections to each operator are kept alive. */
    mm_http *h = srv_conf_http_new(&s->conf);
    srv_job *j;
    while ((j = srv_queue_pop(&s->q_send, -1))) {
        if (!h) {
            srv_schedule(s, j, SRV_STAGE_SEND, 5000);
            continue;
        }
        send_one(s, h, j);
    }
    mm_http_free(h);
    return NULL;
}

