/* SPDX-License-Identifier: EUPL-1.2 */
/* A job as the API shows it (doc/api.md): built here, from the store's rows,
 * and nowhere else. */
#include <stdio.h>
#include <time.h>

#include "api.h"
#include "idnum.h"

void srv_iso_time(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *srv_json_str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* One journal event as {time (ms precision), event, detail, actor}; actor
 * is null in rows written before the journal had actors. */
static void event_one(const srv_event *ev, void *arg)
{
    time_t t = (time_t)(ev->time_ms / 1000);
    struct tm tm;
    char ts[96];
    gmtime_r(&t, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ev->time_ms % 1000));
    json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:o}", "time", ts, "event", ev->event, "detail", ev->detail,
                                         "actor", srv_json_str_or_null(ev->actor)));
}

json_t *srv_job_json(srv *s, const srv_job *j, int with_events)
{
    char msg[512], mask[16] = "", created[32], updated[32];
    srv_message(s, j, msg, sizeof msg);
    if (j->recipient[0])
        mm_idnum_mask(j->recipient, mask);
    srv_iso_time(j->created_ms, created, sizeof created);
    srv_iso_time(j->updated_ms, updated, sizeof updated);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(j->id));
    json_object_set_new(o, "state", json_string(srv_jstate_name(j->state)));
    json_object_set_new(o, "channel", json_string(j->channel[0] ? j->channel : "none"));
    json_object_set_new(o, "reason", json_string(j->reason));
    json_object_set_new(o, "operator", srv_json_str_or_null(j->operator_name));
    json_object_set_new(o, "printer", srv_json_str_or_null(j->printer));
    json_object_set_new(o, "trans_id", srv_json_str_or_null(j->trans_id));
    json_object_set_new(o, "printer_job_id", j->print_job_id > 0 ? json_integer(j->print_job_id) : json_null());
    json_object_set_new(o, "message", json_string(msg));
    json_object_set_new(o, "pages", json_integer(j->pages));
    json_object_set_new(o, "recipient_masked", srv_json_str_or_null(mask));
    json_object_set_new(o, "recipient_source", srv_json_str_or_null(j->recipient_source));
    json_object_set_new(o, "policy", json_string(j->policy));
    json_object_set_new(o, "user", srv_json_str_or_null(j->user));
    json_object_set_new(o, "host", srv_json_str_or_null(j->host));
    json_object_set_new(o, "client", srv_json_str_or_null(j->client));
    json_object_set_new(o, "cups_job_id", srv_json_str_or_null(j->cups_job_id));
    json_object_set_new(o, "department", srv_json_str_or_null(j->department));
    json_object_set_new(o, "title", srv_json_str_or_null(j->title));
    json_object_set_new(o, "message_id", srv_json_str_or_null(j->message_id));
    json_object_set_new(o, "sha256", srv_json_str_or_null(j->sha256));
    json_object_set_new(o, "created", json_string(created));
    json_object_set_new(o, "updated", json_string(updated));
    json_object_set_new(o, "exception", json_boolean(srv_job_is_exception(j)));
    json_object_set_new(o, "postal_class", srv_json_str_or_null(j->postal_class));
    json_object_set_new(o, "letter_type", srv_json_str_or_null(j->letter_type));
    json_object_set_new(o, "reach", srv_json_str_or_null(j->reach));
    json_object_set_new(o, "sheets", j->sheets > 0 ? json_integer(j->sheets) : json_null());
    if (j->posted_ms) {
        char posted[32];
        srv_iso_time(j->posted_ms, posted, sizeof posted);
        json_object_set_new(o, "posted", json_string(posted));
        json_object_set_new(o, "posted_by", json_string(j->posted_by));
    }
    if (j->resolved_ms) {
        char resolved[32];
        srv_iso_time(j->resolved_ms, resolved, sizeof resolved);
        json_object_set_new(o, "resolution", json_string(j->resolution));
        json_object_set_new(o, "resolved_by", json_string(j->resolved_by));
        json_object_set_new(o, "resolved", json_string(resolved));
    }
    if (with_events) {
        /* As before: a journal that cannot be read shows the events read. */
        json_t *events = json_array();
        srv_store_events(s->store, j->id, event_one, events, NULL);
        json_object_set_new(o, "events", events);
    }
    return o;
}
