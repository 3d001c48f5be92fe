/* SPDX-License-Identifier: EUPL-1.2 */
/* The job handlers of the API (doc/api.md): intake of a job bundle, a job
 * and the job list, completion of a held job's recipient, and cancelling
 * (through the API by id, or from a workstation's CUPS by its key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>

#include "api.h"
#include "printroom.h"
#include "auth.h"
#include "bundle.h"
#include "client.h"
#include "idnum.h"
#include "log.h"
#include "pdfcheck.h"
#include "policy.h"
#include "text.h"
#include "uuid.h"

enum MHD_Result srv_api_answer_job(srv *s, struct MHD_Connection *c, const char *id, unsigned status)
{
    srv_job j;
    mm_error err;
    int rc = srv_store_get(s->store, id, &j, &err);
    if (rc < 0)
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    if (rc == 1)
        return srv_respond_error(c, 404, "not-found", SRV_SV_JOB_NOT_FOUND);
    return srv_respond_json(c, status, srv_job_json(s, &j, 0));
}

void srv_api_run_and_wait(srv *s, const srv_job *j)
{
    srv_waiter w;
    srv_wait_register(s, &w, j->id, j->state);
    srv_enqueue(s, j);
    srv_wait(s, &w, s->conf.sync_wait_ms);
    srv_wait_unregister(s, &w);
}

srv_outcome srv_api_number(const srv *s, const char *typed, mm_id *id, mm_error *err)
{
    memset(id, 0, sizeof *id);
    if (mm_idnum_parse(typed, NULL, id, err))
        return SRV_BAD_NUMBER;
    return srv_recipient_is_own(s, id->number) ? SRV_OWN_NUMBER : SRV_OK;
}

/* Completes a job that waited for a recipient, journaled as done by actor;
 * 0 done, 1 state changed meanwhile. */
static int complete_recipient(srv *s, srv_job *j, const char *number12, const char *source, const char *actor)
{
    char mask[16], detail[200];
    snprintf(j->recipient, sizeof j->recipient, "%s", number12);
    snprintf(j->recipient_source, sizeof j->recipient_source, "%s", source);
    j->recipient_problem[0] = 0;
    j->reason[0] = j->reason_sv[0] = 0;
    j->attempts = 0;
    j->deadline_ms = srv_now_ms() + s->conf.retry_deadline_s * 1000;
    j->state = SRV_JSTATE_QUEUED;
    mm_idnum_mask(number12, mask);
    snprintf(detail, sizeof detail, "recipient %s added (source %s)", mask, source);
    int rc = srv_transition_as(s, j, SRV_JSTATE_NEEDS_RECIPIENT, "recipient-added", detail, actor);
    if (rc == 0)
        srv_api_run_and_wait(s, j);
    return rc;
}

/* The letter must be one the print room can print: parsed, unencrypted,
 * with pages.  Refused at once (400 with a Swedish message the backend
 * shows in CUPS) rather than accepted and failed later.  Returns 0 with
 * *pages, or -1 with *refused set to the answer already queued. */
static int check_letter(struct MHD_Connection *c, const srv_req *rq, const mm_bundle *b, int *pages,
                        enum MHD_Result *refused)
{
    static const char *codes[] = {[MM_PDF_DAMAGED] = "damaged-pdf", [MM_PDF_ENCRYPTED] = "encrypted-pdf",
                                  [MM_PDF_NO_PAGES] = "no-pages"};
    mm_error err;
    mm_error_clear(&err);
    if (mm_pdf_check(b->document, b->document_len, pages, &err) == 0)
        return 0;
    if (err.cls == MM_ERR_SYSTEM) {
        /* The check itself could not run (fork, pipe, memory): not the
         * letter's fault, so the backend retries rather than cancels. */
        mm_log(MM_LOG_ERROR, "cannot check a job's PDF from %s: %s", rq->client, err.msg);
        *refused = srv_respond_error(c, 503, "busy", SRV_SV_BUSY);
        return -1;
    }
    int code = err.code >= MM_PDF_DAMAGED && err.code <= MM_PDF_NO_PAGES ? err.code : MM_PDF_DAMAGED;
    mm_log(MM_LOG_WARN, "refused a job from %s (user %s, cups job %s): %s", rq->client, b->user,
           b->cups_job_id[0] ? b->cups_job_id : "-", err.msg);
    *refused = srv_respond_problem_text(c, 400, codes[code], err.msg, mm_pdf_problem_sv(code));
    return -1;
}

/* A held job re-sent with a number that cannot be used: it stays held, with
 * the new reason. */
static void refuse_recipient(srv *s, srv_job *j, const srv_recipient *rcp, const char *why, const char *actor)
{
    mm_text_copy(j->recipient_problem, sizeof j->recipient_problem, rcp->problem);
    mm_log_mask_text(j->recipient_problem);
    mm_text_copy(j->reason, sizeof j->reason, j->recipient_problem);
    mm_text_copy(j->reason_sv, sizeof j->reason_sv, rcp->reason_sv);
    char detail[300];
    snprintf(detail, sizeof detail, "resubmitted; still no usable recipient: %s", why);
    srv_transition_as(s, j, SRV_JSTATE_NEEDS_RECIPIENT, "recipient-refused", detail, actor);
}

/* Why a new job has no recipient, for its journal: the server's own words,
 * never the client's free text (the journal outlives retention). */
static const char *journal_problem(const mm_bundle *b, const srv_recipient *rcp)
{
    if (b->recipient_problem[0] && !strcmp(rcp->problem, b->recipient_problem))
        return "no recipient found by the filter (its reason is kept in the job, not here)";
    return rcp->problem;
}

enum MHD_Result srv_api_post_job(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    (void)arg;
    if (atomic_load(&s->draining))
        return srv_respond_error(c, 503, "draining", SRV_SV_DRAINING);
    if (!srv_may(s, rq->who, SRV_ACT_SUBMIT, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_SUBMIT);
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (key && !mm_client_key_valid(key))
        return srv_respond_error(c, 400, "bad-idempotency-key", SRV_SV_BAD_KEY);
    mm_bundle b;
    mm_error err;
    mm_error_clear(&err);
    mm_bundle_init(&b);
    if (mm_bundle_parse((const unsigned char *)rq->body, rq->body_len, &b, &err)) {
        mm_log(MM_LOG_WARN, "refused a job from %s: %s", rq->client, err.msg);
        return srv_respond_problem(c, 400, "bad-bundle", err.msg, SRV_SV_BAD_BUNDLE);
    }
    const char *texts[] = {b.recipient, b.recipient_source, b.recipient_problem, b.title, b.subject, b.user,
                           b.host, b.cups_job_id, b.policy, b.department};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!mm_text_utf8_valid(texts[i]))
            return srv_respond_problem(c, 400, "bad-bundle", "a header value is not valid UTF-8 text", SRV_SV_BAD_BUNDLE);
    if (b.document_type[0] && strcmp(b.document_type, "application/pdf"))
        return srv_respond_error(c, 400, "bad-document-type", SRV_SV_BAD_DOCUMENT_TYPE);
    if (b.document_len < 5 || memcmp(b.document, "%PDF-", 5))
        return srv_respond_error(c, 400, "not-pdf", SRV_SV_NOT_PDF);
    int pages = 0;
    enum MHD_Result refused;
    if (check_letter(c, rq, &b, &pages, &refused) < 0)
        return refused;
    const char *policy = b.policy[0] ? b.policy : "digital-else-paper";
    if (strcmp(policy, "digital-else-paper") && strcmp(policy, "digital-only") && strcmp(policy, "paper-only"))
        return srv_respond_error(c, 400, "bad-policy", SRV_SV_BAD_POLICY);

    srv_recipient rcp;
    int have_recipient = srv_recipient_from_bundle(s, &b, &rcp);
    const char *number = rcp.number;

    srv_job *j = calloc(1, sizeof *j);
    if (!j)
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    if (mm_uuid_new(j->id)) {
        free(j);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    snprintf(j->idem_key, sizeof j->idem_key, "%s", key ? key : "");
    snprintf(j->recipient, sizeof j->recipient, "%s", number);
    snprintf(j->recipient_source, sizeof j->recipient_source, "%s", have_recipient ? rcp.source : "");
    snprintf(j->recipient_problem, sizeof j->recipient_problem, "%s", rcp.problem);
    snprintf(j->title, sizeof j->title, "%s", b.title);
    snprintf(j->subject, sizeof j->subject, "%s", b.subject);
    snprintf(j->user, sizeof j->user, "%s", b.user);
    snprintf(j->host, sizeof j->host, "%s", b.host);
    snprintf(j->client, sizeof j->client, "%s", rq->who->name); /* the key's scope too */
    snprintf(j->cups_job_id, sizeof j->cups_job_id, "%s", b.cups_job_id);
    snprintf(j->policy, sizeof j->policy, "%s", policy);
    snprintf(j->department, sizeof j->department, "%s", b.department);
    snprintf(j->postal_class, sizeof j->postal_class, "%s",
             b.postal_class[0] ? b.postal_class : srv_room_postal_default(s, b.department));
    snprintf(j->letter_type, sizeof j->letter_type, "%s", b.letter_type[0] ? b.letter_type : "annat");
    size_t masked = srv_job_mask_client_text(j);
    /* What qpdf counted, not what the bundle claims. */
    j->pages = pages;
    j->doc_len = (int64_t)b.document_len;
    srv_sha256_hex(b.document, b.document_len, j->sha256);
    j->created_ms = j->updated_ms = srv_now_ms();
    srv_policy_intake(s, j, have_recipient, rcp.reason_sv);

    char detail[2000], mask[16] = "-";
    if (have_recipient)
        mm_idnum_mask(number, mask);
    /* Sizes, hashes, sources, policy and the masked recipient; no title,
     * subject, host, department or problem text: the journal is immutable
     * and outlives retention (doc/mmprintd.8). */
    snprintf(detail, sizeof detail,
             "from %s user %s cups job %s; recipient %s (%s); policy %s; %zu bytes sha256 %s, %d pages",
             rq->client, j->user, j->cups_job_id[0] ? j->cups_job_id : "-", mask,
             have_recipient ? j->recipient_source : journal_problem(&b, &rcp), policy, b.document_len, j->sha256,
             j->pages);
    int rc = srv_store_insert(s->store, j, detail, b.document, b.document_len, &err);
    if (rc < 0) {
        mm_log(MM_LOG_ERROR, "cannot store a job: %s", err.msg);
        free(j);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    if (rc == 1) {
        /* A repeat: j now holds the first job.  Never a second letter. */
        char id[37];
        memcpy(id, j->id, sizeof id);
        if (j->state == SRV_JSTATE_NEEDS_RECIPIENT && have_recipient) {
            /* `lp -i ID -o Personnummer=N -H resume` re-sends the same job-uuid with a recipient. */
            const char *src = rcp.source[0] ? rcp.source : "resubmitted";
            complete_recipient(s, j, number, src, rq->who->actor);
        } else if (j->state == SRV_JSTATE_NEEDS_RECIPIENT && strcmp(j->reason_sv, rcp.reason_sv)) {
            /* Released with a number that cannot be used (the sender's own):
             * still held, and the CUPS line says why now. */
            refuse_recipient(s, j, &rcp, journal_problem(&b, &rcp), rq->who->actor);
        } else {
            srv_store_event_as(s->store, id, rq->who->actor, "repeat",
                               "same Idempotency-Key submitted again; answered with this job", NULL);
        }
        free(j);
        return srv_api_answer_job(s, c, id, 200);
    }
    srv_log_job(MM_LOG_INFO, j, "received from %s: %s", rq->client, srv_jstate_name(j->state));
    if (masked)
        srv_log_job(MM_LOG_INFO, j, "%zu personnummer in the client's free text stored masked", masked);
    char id[37];
    memcpy(id, j->id, sizeof id);
    if (j->state != SRV_JSTATE_NEEDS_RECIPIENT)
        srv_api_run_and_wait(s, j);
    free(j);
    return srv_api_answer_job(s, c, id, 201);
}

srv_outcome srv_api_lookup(srv *s, const srv_principal *who, const char *id, srv_action action, srv_job *j)
{
    int rc = srv_store_get(s->store, id, j, NULL);
    if (rc < 0)
        return SRV_FAILED;
    if (rc == 1)
        return SRV_NO_SUCH_JOB;
    if (!srv_may(s, who, SRV_ACT_READ, j)) {
        /* Answered like an unknown job: nobody learns that another
         * principal's job exists (doc/api.md "Who may do what"). */
        mm_log(MM_LOG_WARN, "%s asked for job %s, submitted by %s: refused as not found", who->actor, id,
               j->client);
        return SRV_NO_SUCH_JOB;
    }
    return srv_may(s, who, action, j) ? SRV_OK : SRV_NOT_ALLOWED;
}

int srv_api_find_job(srv_req *rq, const char *id, srv_action action, srv_text refused, srv_job *j,
                     enum MHD_Result *answer)
{
    switch (srv_api_lookup(rq->s, rq->who, id, action, j)) {
    case SRV_OK: return 0;
    case SRV_NO_SUCH_JOB: *answer = srv_respond_error(rq->conn, 404, "not-found", SRV_SV_JOB_NOT_FOUND); break;
    case SRV_NOT_ALLOWED: *answer = srv_respond_error(rq->conn, 403, "not-allowed", refused); break;
    default: *answer = srv_respond_error(rq->conn, 500, "internal", SRV_SV_INTERNAL); break;
    }
    return -1;
}

srv_outcome srv_api_complete(srv *s, const srv_principal *who, const char *id, const char *typed, const char *source,
                             mm_id *number, mm_error *err)
{
    srv_outcome o = srv_api_number(s, typed, number, err);
    if (o != SRV_OK)
        return o;
    srv_job j;
    if ((o = srv_api_lookup(s, who, id, SRV_ACT_COMPLETE, &j)) != SRV_OK)
        return o;
    if (j.state != SRV_JSTATE_NEEDS_RECIPIENT || complete_recipient(s, &j, number->number, source, who->actor))
        return SRV_WRONG_STATE;
    return SRV_OK;
}

enum MHD_Result srv_api_post_recipient(srv_req *rq, const char *id)
{
    struct MHD_Connection *c = rq->conn;
    char num[64];
    mm_id number;
    mm_error err;
    mm_error_clear(&err);
    srv_outcome o = srv_req_json_string(rq, "recipient", num, sizeof num)
                        ? SRV_BAD_NUMBER
                        : srv_api_complete(rq->s, rq->who, id, num, "api", &number, &err);
    switch (o) {
    case SRV_OK: return srv_api_answer_job(rq->s, c, id, 200);
    case SRV_BAD_NUMBER: return srv_respond_error(c, 400, "bad-recipient", SRV_SV_BAD_RECIPIENT);
    case SRV_OWN_NUMBER: return srv_respond_own_number(c, number.number);
    case SRV_NO_SUCH_JOB: return srv_respond_error(c, 404, "not-found", SRV_SV_JOB_NOT_FOUND);
    case SRV_NOT_ALLOWED: return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_COMPLETE);
    case SRV_WRONG_STATE: return srv_respond_error(c, 409, "has-recipient", SRV_SV_HAS_RECIPIENT);
    default: return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
}

srv_outcome srv_api_cancel(srv *s, const srv_principal *who, const char *id, const char *via)
{
    srv_job j;
    srv_outcome o = srv_api_lookup(s, who, id, SRV_ACT_CANCEL, &j);
    if (o != SRV_OK)
        return o;
    srv_jstate was = j.state;
    if (was != SRV_JSTATE_QUEUED && was != SRV_JSTATE_NEEDS_RECIPIENT)
        return SRV_WRONG_STATE;
    j.state = SRV_JSTATE_CANCELLED;
    snprintf(j.channel, sizeof j.channel, "none");
    char detail[100];
    snprintf(detail, sizeof detail, "cancelled through %s", via);
    int rc = srv_transition_as(s, &j, was, "cancelled", detail, who->actor);
    /* A batch letter cancelled while it waited for FaR may have been the
     * last one undecided: its batch's paper letters go on now
     * (printroom.h), not at the next start.  FaR's answer to it finds it
     * cancelled and asks nothing. */
    if (rc == 0 && j.batch_id[0])
        srv_room_batch_check(s, j.batch_id);
    return rc == 0 ? SRV_OK : rc == 1 ? SRV_WRONG_STATE : SRV_FAILED;
}

enum MHD_Result srv_api_post_cancel(srv_req *rq, const char *id)
{
    struct MHD_Connection *c = rq->conn;
    switch (srv_api_cancel(rq->s, rq->who, id, "the API")) {
    case SRV_OK: return srv_api_answer_job(rq->s, c, id, 200);
    case SRV_NO_SUCH_JOB: return srv_respond_error(c, 404, "not-found", SRV_SV_JOB_NOT_FOUND);
    case SRV_NOT_ALLOWED: return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_CANCEL);
    case SRV_WRONG_STATE: return srv_respond_error(c, 409, "not-cancellable", SRV_SV_NOT_CANCELLABLE);
    default: return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
}

enum MHD_Result srv_api_get_job(srv_req *rq, const char *id)
{
    srv_job j;
    enum MHD_Result missing;
    if (srv_api_find_job(rq, id, SRV_ACT_READ, SRV_SV_JOB_NOT_FOUND, &j, &missing))
        return missing;
    return srv_respond_json(rq->conn, 200, srv_job_json(rq->s, &j, 1));
}

static enum MHD_Result respond_not_cancellable(struct MHD_Connection *c, const srv_job *j)
{
    const char *sv = srv_sv(srv_jstate_is_final(j->state) ? SRV_SV_ALREADY_FINAL : SRV_SV_NOT_CANCELLABLE);
    return srv_respond_json(c, 409, json_pack("{s:s, s:s, s:s, s:s}", "error", "not-cancellable", "state", srv_jstate_name(j->state),
                                              "id", j->id, "message", sv));
}

/* The CUPS notifier of a workstation reports that the user cancelled the
 * job there (lprm, cancel, the Windows queue view).  The job is named by
 * the Idempotency-Key it was submitted with (its CUPS job-uuid), so the
 * workstation needs no server job id.  Only a job that has not started to
 * go out is cancelled; cancelled is final, so its letter is purged in the
 * same transaction (it reached no one by the user's own choice). */
enum MHD_Result srv_api_post_cancel_by_key(srv_req *rq, const char *key)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    if (!mm_client_key_valid(key))
        return srv_respond_error(c, 400, "bad-idempotency-key", SRV_SV_BAD_KEY);
    srv_job j;
    mm_error err;
    mm_error_clear(&err);
    /* A key is its submitting client's: another's is looked up only to
     * log the attempt. */
    int rc = srv_store_get_by_key(s->store, rq->who->name, key, &j, &err);
    if (rc == 1)
        rc = srv_store_get_by_key(s->store, NULL, key, &j, &err);
    if (rc < 0) {
        mm_log(MM_LOG_ERROR, "cannot look up a job by key: %s", err.msg);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    if (rc == 0 && !srv_may(s, rq->who, SRV_ACT_CANCEL_OWN, &j)) {
        /* Answered like an unknown key: a workstation learns nothing of
         * other workstations' jobs. */
        mm_log(MM_LOG_WARN, "%s asked to cancel job %s, submitted by %s: refused", rq->client, j.id, j.client);
        rc = 1;
    }
    if (rc == 1)
        return srv_respond_error(c, 404, "not-found", SRV_SV_JOB_NOT_FOUND);
    /* A worker may move the job on between reading and writing: the
     * compare-and-set then fails and the new state decides. */
    for (int round = 0; round < 3; round++) {
        char detail[900];
        srv_jstate was = j.state;
        if (was != SRV_JSTATE_QUEUED && was != SRV_JSTATE_NEEDS_RECIPIENT)
            break;
        j.state = SRV_JSTATE_CANCELLED;
        snprintf(j.channel, sizeof j.channel, "none");
        snprintf(j.reason, sizeof j.reason, "cancelled in CUPS");
        snprintf(j.reason_sv, sizeof j.reason_sv, "%s", srv_sv(SRV_SV_CANCELLED_IN_CUPS));
        /* No host: it is the client's free text, and the journal outlives retention. */
        snprintf(detail, sizeof detail, "cancelled in CUPS (cups job %s) while %s; reported by %s; letter purged",
                 j.cups_job_id[0] ? j.cups_job_id : "-", srv_jstate_name(was), rq->client);
        rc = srv_transition_as(s, &j, was, "cancelled-in-cups", detail, rq->who->actor);
        if (rc == 0) {
            srv_log_job(MM_LOG_INFO, &j, "cancelled in CUPS (reported by %s)", rq->client);
            return srv_api_answer_job(s, c, j.id, 200);
        }
        if (rc < 0 || srv_store_get(s->store, j.id, &j, &err) != 0)
            return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    return respond_not_cancellable(c, &j);
}

typedef struct {
    srv *s;
    const srv_principal *who;
    json_t *arr;
} list_ctx;

static void list_one(const srv_job *j, void *arg)
{
    list_ctx *l = arg;
    if (srv_may(l->s, l->who, SRV_ACT_READ, j))
        json_array_append_new(l->arr, srv_job_json(l->s, j, 0));
}

static int parse_since(const char *v, int64_t *out)
{
    if (!v || !*v) {
        *out = 0;
        return 0;
    }
    if (strspn(v, "0123456789") == strlen(v) && strlen(v) <= 12) {
        *out = strtoll(v, NULL, 10) * 1000;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!e || *e) {
        memset(&tm, 0, sizeof tm);
        e = strptime(v, "%Y-%m-%d", &tm);
        if (!e || *e)
            return -1;
    }
    *out = (int64_t)timegm(&tm) * 1000;
    return 0;
}

enum MHD_Result srv_api_list_jobs(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    (void)arg;
    if (!srv_may(s, rq->who, SRV_ACT_LIST, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_LIST);
    const char *user = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "user");
    const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    int64_t since_ms;
    if (parse_since(since, &since_ms))
        return srv_respond_error(c, 400, "bad-since", SRV_SV_BAD_SINCE);
    if ((user && strlen(user) > 127) || (state && strlen(state) > 19))
        return srv_respond_error(c, 400, "bad-filter", SRV_SV_BAD_FILTER);
    list_ctx l = {s, rq->who, json_array()};
    /* A workstation's own jobs are selected in the query, so that others'
     * do not use up the limit; every row is then checked (list_one). */
    if (srv_store_list(s->store, srv_auth_list_client(rq->who), user && *user ? user : NULL, state && *state ? state : NULL, since_ms, 1000,
                       list_one, &l, NULL)) {
        json_decref(l.arr);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    return srv_respond_json(c, 200, json_pack("{s:o}", "jobs", l.arr));
}

