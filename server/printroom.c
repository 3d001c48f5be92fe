/* SPDX-License-Identifier: EUPL-1.2 */
/* The print rooms of mmprintd (see printroom.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "printroom.h"

size_t srv_rooms_count(const srv *s)
{
    (void)s;
    return 1;
}

const char *srv_room_name(const srv *s, size_t i)
{
    return i < srv_rooms_count(s) ? s->conf.printer_name : NULL;
}

long srv_room_find(const srv *s, const char *name)
{
    for (size_t i = 0; name && i < srv_rooms_count(s); i++)
        if (!strcmp(srv_room_name(s, i), name))
            return (long)i;
    return -1;
}

size_t srv_room_route(const srv *s, const char *department)
{
    (void)s;
    (void)department;
    return 0;
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
        if (strlen(day) != 10 || sscanf(day, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || day[4] != '-' ||
            day[7] != '-' || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
            return -1;
        tm.tm_year = y - 1900;
        tm.tm_mon = m - 1;
        tm.tm_mday = d;
    }
    /* Midnight to midnight in local time: mktime normalises day 32 into
     * the next month, and a day of 23 or 25 hours (daylight saving) keeps
     * its true length. */
    struct tm a = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday, .tm_isdst = -1};
    struct tm b = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = tm.tm_mday + 1, .tm_isdst = -1};
    struct tm check = a;
    time_t from = mktime(&a), to = mktime(&b);
    if (from == (time_t)-1 || to == (time_t)-1 || a.tm_mday != check.tm_mday || a.tm_mon != check.tm_mon)
        return -1; /* 2026-02-30 */
    *from_ms = (int64_t)from * 1000;
    *to_ms = (int64_t)to * 1000;
    return 0;
}
