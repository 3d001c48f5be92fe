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

int srv_printroom_day(const char *day, int64_t *from_ms, int64_t *to_ms)
{
    char today[11];
    if (!day || !day[0]) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        day = today;
    }
    int64_t from, to;
    if (mm_text_day(day, 0, &from) || mm_text_day(day, 1, &to))
        return -1;
    *from_ms = from;
    *to_ms = to;
    return 0;
}
