/* SPDX-License-Identifier: EUPL-1.2 */
/* The print rooms of mmprintd (see printroom.h): the rooms themselves are
 * read by conf.c (srv_conf.rooms); their print lines run in printq.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "printroom.h"

size_t srv_rooms_count(const srv *s)
{
    /* A configuration made without srv_conf_load (unit tests) has the
     * default room only. */
    return s->conf.nrooms ? s->conf.nrooms : 1;
}

const char *srv_room_name(const srv *s, size_t i)
{
    if (i >= srv_rooms_count(s))
        return NULL;
    return s->conf.nrooms ? s->conf.rooms[i].name : s->conf.printer_name;
}

long srv_room_find(const srv *s, const char *name)
{
    for (size_t i = 0; name && name[0] && i < srv_rooms_count(s); i++)
        if (!strcmp(srv_room_name(s, i), name))
            return (long)i;
    return -1;
}

/* text without the blanks around it: its start, and its length in *n. */
static const char *trimmed(const char *text, size_t *n)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    *n = len;
    return text;
}

/* Does the comma-separated list name department (case-insensitive for
 * ASCII letters, blanks around each name ignored)? */
static int lists(const char *list, const char *department)
{
    size_t dn;
    const char *d = trimmed(department, &dn);
    if (!dn)
        return 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        char one[256];
        snprintf(one, sizeof one, "%.*s", (int)len, p);
        size_t on;
        const char *o = trimmed(one, &on);
        if (on == dn && !strncasecmp(o, d, dn))
            return 1;
        p += len;
        if (*p)
            p++;
    }
    return 0;
}

size_t srv_room_route(const srv *s, const char *department)
{
    for (size_t i = 1; department && i < s->conf.nrooms; i++)
        if (lists(s->conf.rooms[i].departments, department))
            return i;
    return 0;
}

const char *srv_room_postal_default(const srv *s, const char *department)
{
    size_t i = srv_room_route(s, department);
    if (i > 0 && s->conf.rooms[i].postal_class_default[0])
        return s->conf.rooms[i].postal_class_default;
    return s->conf.postal_class_default;
}

void srv_room_enqueue(srv *s, srv_job *j)
{
    long room = srv_room_find(s, j->printer);
    if (room < 0) {
        /* A letter of a room no longer configured (or decided before
         * rooms were recorded) goes where its department goes now. */
        size_t r = srv_room_route(s, j->department);
        if (j->printer[0])
            srv_log_job(MM_LOG_WARN, j, "print room '%s' is not configured any more: printing in %s", j->printer,
                        srv_room_name(s, r));
        SRV_SET(j->printer, srv_room_name(s, r));
        room = (long)r;
    }
    if ((size_t)room >= s->nprint_lines) { /* not started (unit tests): stays in the store */
        free(j);
        return;
    }
    srv_queue_push(&s->print_lines[room].q, j);
}

/* ---- a batch's paper letters (printroom.h) ---- */

void srv_batch_cover_name(const char *batch_id, const char *room, char *out, size_t size)
{
    snprintf(out, size, "mmprint-batch-%s-%s", batch_id, room);
}

/* The room index a letter goes to (as srv_room_enqueue: printer, else its
 * department's room; printer set). */
static size_t letter_room(srv *s, srv_job *j)
{
    long room = srv_room_find(s, j->printer);
    if (room < 0) {
        size_t r = srv_room_route(s, j->department);
        SRV_SET(j->printer, srv_room_name(s, r));
        room = (long)r;
    }
    return (size_t)room;
}

void srv_room_enqueue_batch(srv *s, const char *batch_id, srv_job **letters, size_t n)
{
    size_t rooms = srv_rooms_count(s);
    srv_job **run = calloc(n + 1, sizeof *run);
    char *done = calloc(n ? n : 1, 1);
    for (size_t i = 0; run && done && i < n; i++) {
        if (done[i])
            continue;
        size_t room = letter_room(s, letters[i]);
        srv_batch_cover *c = calloc(1, sizeof *c);
        if (!c)
            break;
        c->job.state = SRV_JSTATE_NONE;
        SRV_SET(c->job.user, letters[i]->user);
        SRV_SET(c->job.printer, srv_room_name(s, room));
        c->job.deadline_ms = srv_now_ms() + s->conf.print_deadline_s * 1000;
        snprintf(c->batch_id, sizeof c->batch_id, "%s", batch_id);
        size_t k = 0;
        run[k++] = &c->job;
        for (size_t m = i; m < n; m++) {
            if (done[m] || letter_room(s, letters[m]) != room)
                continue;
            const char *pc = letters[m]->postal_class;
            c->postal[!strcmp(pc, "rekommenderat") ? 0 : !strcmp(pc, "a-post") ? 1 : 2]++;
            c->letters++;
            run[k++] = letters[m];
            done[m] = 1;
        }
        mm_log(MM_LOG_INFO, "batch %s: %d paper letters to %s behind one cover sheet", batch_id, c->letters,
               c->job.printer);
        if (room < s->nprint_lines && room < rooms)
            srv_queue_push_many(&s->print_lines[room].q, run, k);
        else /* not started (unit tests): they stay in the store */
            for (size_t m = 0; m < k; m++)
                free(run[m]);
    }
    /* What was not handed on (out of memory) stays in the store: resumed
     * at the next start. */
    for (size_t i = 0; i < n; i++)
        if (!done || !done[i])
            free(letters[i]);
    free(run);
    free(done);
}

int srv_printroom_day(const char *day, int64_t *from_ms, int64_t *to_ms)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!day || !day[0]) {
        time_t now = time(NULL);
        localtime_r(&now, &tm);
    } else {
        int y, m, d, n = 0;
        if (strlen(day) != 10 || day[4] != '-' || day[7] != '-' || strspn(day, "0123456789-") != 10 ||
            sscanf(day, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || y < 1970 || m < 1 || m > 12 || d < 1 ||
            d > 31)
            return -1;
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
    }
    /* Midnight to midnight in local time: a day of 23 or 25 hours
     * (daylight saving) keeps its true length. */
    struct tm a = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday, .tm_isdst = -1};
    struct tm b = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + 1, .tm_isdst = -1};
    time_t from = mktime(&a), to = mktime(&b);
    /* mktime moves 2026-02-30 to March: no such day. */
    if (from == (time_t)-1 || to == (time_t)-1 || a.tm_mday != tm.tm_mday || a.tm_mon != tm.tm_mon)
        return -1;
    *from_ms = (int64_t)from * 1000;
    *to_ms = (int64_t)to * 1000;
    return 0;
}
