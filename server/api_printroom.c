/* SPDX-License-Identifier: EUPL-1.2 */
/* The print room of the API (issue 12): the day's paper letters in print
 * order, and marking printed letters posted, one or a whole day, each
 * journaled with the person who did it (doc/api.md "The print room"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "auth.h"
#include "log.h"
#include "printroom.h"

/* A day's letters are a few thousand at most; the list stops there. */
#define PRINTROOM_MAX 20000

srv_outcome srv_api_post(srv *s, const srv_principal *who, const char *id)
{
    srv_job j;
    srv_outcome o = srv_api_lookup(s, who, id, SRV_ACT_POST, &j);
    if (o != SRV_OK)
        return o;
    if (j.state != SRV_JSTATE_PRINTED)
        return SRV_WRONG_STATE;
    j.state = SRV_JSTATE_POSTED;
    j.posted_ms = srv_now_ms();
    SRV_SET(j.posted_by, who->actor);
    char detail[600];
    snprintf(detail, sizeof detail, "posted by %s (%s, %d sheets, printed in %s)", who->actor,
             j.postal_class[0] ? j.postal_class : "-", j.sheets, j.printer[0] ? j.printer : "-");
    int rc = srv_transition_as(s, &j, SRV_JSTATE_PRINTED, "posted", detail, who->actor);
    return rc == 0 ? SRV_OK : rc == 1 ? SRV_WRONG_STATE : SRV_FAILED;
}

typedef struct {
    srv *s;
    const srv_principal *who;
    long n;
} post_ctx;

/* Called with the store unlocked (srv_store_printroom): each letter is
 * looked up and changed on its own, as one click would do it. */
static void post_one(const srv_job *j, void *arg)
{
    post_ctx *p = arg;
    if (j->state != SRV_JSTATE_PRINTED || !srv_may(p->s, p->who, SRV_ACT_READ, j) ||
        !srv_may(p->s, p->who, SRV_ACT_POST, j))
        return;
    if (srv_api_post(p->s, p->who, j->id) == SRV_OK)
        p->n++;
}

srv_outcome srv_api_post_day(srv *s, const srv_principal *who, const char *room, int64_t from_ms, int64_t to_ms,
                             long *n)
{
    post_ctx p = {s, who, 0};
    mm_error err;
    mm_error_clear(&err);
    int rc = srv_store_printroom(s->store, room, from_ms, to_ms, PRINTROOM_MAX, post_one, &p, &err);
    *n = p.n;
    if (rc) {
        mm_log(MM_LOG_ERROR, "print room: cannot read the day's letters: %s", err.msg);
        return SRV_FAILED;
    }
    if (p.n)
        mm_log(MM_LOG_INFO, "print room %s: %ld letters marked posted by %s", room ? room : "(all)", p.n, who->actor);
    return SRV_OK;
}

/* ---- handlers ---- */

/* The day and the room of a print-room request: 0, or -1 with *answer
 * queued (400 a bad day, 404 an unknown room). */
static int day_and_room(srv_req *rq, const char *day, const char *room, int64_t *from, int64_t *to,
                        enum MHD_Result *answer)
{
    if (srv_printroom_day(day, from, to)) {
        *answer = srv_respond_error(rq->conn, 400, "bad-day", SRV_SV_BAD_DAY);
        return -1;
    }
    if (room && srv_room_find(rq->s, room) < 0) {
        *answer = srv_respond_error(rq->conn, 404, "unknown-room", SRV_SV_UNKNOWN_ROOM);
        return -1;
    }
    return 0;
}

typedef struct {
    srv *s;
    const srv_principal *who;
    json_t *arr;
} list_ctx;

static void list_one(const srv_job *j, void *arg)
{
    list_ctx *l = arg;
    if (!srv_may(l->s, l->who, SRV_ACT_READ, j))
        return;
    char decided[32];
    srv_iso_time(j->decided_ms, decided, sizeof decided);
    json_t *o = srv_job_json(l->s, j, 0);
    /* What the separator page says beside the job's own fields. */
    json_object_set_new(o, "reason_sv", json_string(j->reason_sv));
    json_object_set_new(o, "decided", json_string(decided));
    json_object_set_new(o, "may_post", json_boolean(j->state == SRV_JSTATE_PRINTED &&
                                                    srv_may(l->s, l->who, SRV_ACT_POST, j)));
    json_array_append_new(l->arr, o);
}

/* The print room sorts the day's post by class: registered letters are
 * handed over at the counter, A-post and B-post go in separate trays. */
static int postal_rank(const char *c)
{
    return !strcmp(c, "rekommenderat") ? 0 : !strcmp(c, "a-post") ? 1 : 2;
}

typedef struct {
    json_t *o;
    size_t i;
    int rank;
} ranked;

static int by_postal(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The array sorted by postal class, print order within each (a stable
 * sort through the index). */
static json_t *sort_postal(json_t *arr)
{
    size_t n = json_array_size(arr);
    ranked *r = calloc(n ? n : 1, sizeof *r);
    if (!r)
        return arr;
    for (size_t i = 0; i < n; i++) {
        r[i].o = json_array_get(arr, i);
        r[i].i = i;
        const char *c = json_string_value(json_object_get(r[i].o, "postal_class"));
        r[i].rank = postal_rank(c ? c : "");
    }
    qsort(r, n, sizeof *r, by_postal);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(out, r[i].o);
    free(r);
    json_decref(arr);
    return out;
}

enum MHD_Result srv_api_get_printroom(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    (void)arg;
    if (!srv_may(s, rq->who, SRV_ACT_PRINTROOM, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_PRINTROOM);
    const char *day = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "day");
    const char *room = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "room");
    const char *order = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "order");
    if (room && !room[0])
        room = NULL;
    if (order && strcmp(order, "print") && strcmp(order, "postal"))
        return srv_respond_error(c, 400, "bad-filter", SRV_SV_BAD_FILTER);
    int64_t from, to;
    enum MHD_Result answer;
    if (day_and_room(rq, day, room, &from, &to, &answer))
        return answer;
    list_ctx l = {s, rq->who, json_array()};
    if (srv_store_printroom(s->store, room, from, to, PRINTROOM_MAX, list_one, &l, NULL)) {
        json_decref(l.arr);
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
    if (order && !strcmp(order, "postal"))
        l.arr = sort_postal(l.arr);
    char today[11];
    time_t t = (time_t)(from / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    json_t *rooms = json_array();
    for (size_t i = 0; i < srv_rooms_count(s); i++)
        json_array_append_new(rooms, json_string(srv_room_name(s, i)));
    return srv_respond_json(c, 200, json_pack("{s:s, s:o, s:o, s:o}", "day", today, "room",
                                              srv_json_str_or_null(room), "rooms", rooms, "jobs", l.arr));
}

enum MHD_Result srv_api_post_posted(srv_req *rq, const char *id)
{
    struct MHD_Connection *c = rq->conn;
    switch (srv_api_post(rq->s, rq->who, id)) {
    case SRV_OK: return srv_api_answer_job(rq->s, c, id, 200);
    case SRV_NO_SUCH_JOB: return srv_respond_error(c, 404, "not-found", SRV_SV_JOB_NOT_FOUND);
    case SRV_NOT_ALLOWED: return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_POST);
    case SRV_WRONG_STATE: {
        srv_job j;
        int posted = srv_store_get(rq->s->store, id, &j, NULL) == 0 && j.state == SRV_JSTATE_POSTED;
        return srv_respond_error(c, 409, posted ? "already-posted" : "not-printed",
                                 posted ? SRV_SV_ALREADY_POSTED : SRV_SV_NOT_PRINTED);
    }
    default: return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    }
}

enum MHD_Result srv_api_post_day_posted(srv_req *rq, const char *arg)
{
    srv *s = rq->s;
    struct MHD_Connection *c = rq->conn;
    (void)arg;
    if (!srv_may(s, rq->who, SRV_ACT_PRINTROOM, NULL))
        return srv_respond_error(c, 403, "not-allowed", SRV_SV_MAY_NOT_PRINTROOM);
    json_t *body = rq->body ? json_loadb(rq->body, rq->body_len, 0, NULL) : NULL;
    json_t *jd = json_object_get(body, "day"), *jr = json_object_get(body, "room");
    enum MHD_Result answer;
    int64_t from, to;
    char day[16] = "", room[128] = "";
    if (!json_is_object(body) || !json_is_string(jd) || (jr && !json_is_null(jr) && !json_is_string(jr)) ||
        strlen(json_string_value(jd)) >= sizeof day || (json_is_string(jr) && strlen(json_string_value(jr)) >= sizeof room)) {
        json_decref(body);
        return srv_respond_error(c, 400, "bad-day", SRV_SV_BAD_DAY);
    }
    snprintf(day, sizeof day, "%s", json_string_value(jd));
    if (json_is_string(jr))
        snprintf(room, sizeof room, "%s", json_string_value(jr));
    json_decref(body);
    if (day_and_room(rq, day, room[0] ? room : NULL, &from, &to, &answer))
        return answer;
    long n = 0;
    if (srv_api_post_day(s, rq->who, room[0] ? room : NULL, from, to, &n) != SRV_OK)
        return srv_respond_error(c, 500, "internal", SRV_SV_INTERNAL);
    return srv_respond_json(c, 200, json_pack("{s:s, s:I}", "day", day, "posted", (json_int_t)n));
}
