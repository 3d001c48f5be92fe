/* SPDX-License-Identifier: EUPL-1.2 */
/* The print room's server side (issue 12) on a real store: which room a
 * department's letters go to (server/printroom.c), the print room's day in
 * local time, the day's letters in print order (srv_store_printroom), and
 * marking letters posted (srv_api_post, srv_api_post_day) by each kind of
 * principal: the print room posts printed paper letters, journaled with
 * the person; a handläggare, statistik and a workstation may not; a letter
 * that is not printed (or posted already) is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "printroom.h"

#define DESK1 "C=SE,O=Exempelkommun,CN=desk1"
#define DAY 1764000000000LL /* a wall-clock time; the letters are decided around it */

static srv s;
static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    memset(&s, 0, sizeof s);
    snprintf(dir, sizeof dir, "/tmp/test_printroom.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/mmprintd.db", dir);
    mm_error err;
    if (!(s.store = srv_store_open(path, &err)))
        return -1;
    pthread_mutex_init(&s.wait_mu, NULL);
    snprintf(s.conf.printer_name, sizeof s.conf.printer_name, "Utskriftsrummet");
    snprintf(s.conf.postal_class_default, sizeof s.conf.postal_class_default, "b-post");
    s.conf.nrooms = 3;
    snprintf(s.conf.rooms[0].name, sizeof s.conf.rooms[0].name, "Utskriftsrummet");
    snprintf(s.conf.rooms[1].name, sizeof s.conf.rooms[1].name, "Byggrummet");
    snprintf(s.conf.rooms[1].departments, sizeof s.conf.rooms[1].departments, " Bygg ,Miljö");
    snprintf(s.conf.rooms[1].postal_class_default, sizeof s.conf.rooms[1].postal_class_default, "a-post");
    snprintf(s.conf.rooms[2].name, sizeof s.conf.rooms[2].name, "Skolrummet");
    snprintf(s.conf.rooms[2].departments, sizeof s.conf.rooms[2].departments, "Skola");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    srv_store_close(s.store);
    char p[160];
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
    rmdir(dir);
    pthread_mutex_destroy(&s.wait_mu);
    return 0;
}

/* A job stored as the decision leaves it (no document: it is not printed
 * here); id ends in n. */
static void add(int n, const char *channel, srv_jstate state, const char *room, int64_t decided, const char *user)
{
    srv_job j;
    memset(&j, 0, sizeof j);
    snprintf(j.id, sizeof j.id, "00000000-0000-0000-0000-%012d", n);
    snprintf(j.channel, sizeof j.channel, "%s", channel);
    snprintf(j.printer, sizeof j.printer, "%s", room);
    snprintf(j.client, sizeof j.client, DESK1);
    snprintf(j.user, sizeof j.user, "%s", user);
    snprintf(j.postal_class, sizeof j.postal_class, "b-post");
    snprintf(j.policy, sizeof j.policy, "digital-else-paper");
    j.state = state;
    j.created_ms = decided - 1000 + n; /* created before the decision, in id order */
    j.decided_ms = decided;
    j.updated_ms = decided;
    mm_error err;
    assert_int_equal(srv_store_insert(s.store, &j, "test", "%PDF-1.4", 8, &err), 0);
}

static const char *id(int n)
{
    static char buf[8][37];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 37, "00000000-0000-0000-0000-%012d", n);
    return b;
}

static void routes_by_department(void **state)
{
    (void)state;
    assert_int_equal(srv_rooms_count(&s), 3);
    assert_string_equal(srv_room_name(&s, 0), "Utskriftsrummet");
    assert_null(srv_room_name(&s, 3));
    assert_int_equal(srv_room_route(&s, "Bygg"), 1);
    assert_int_equal(srv_room_route(&s, "  bYGG "), 1); /* blanks and ASCII case */
    assert_int_equal(srv_room_route(&s, "miljö"), 1);
    assert_int_equal(srv_room_route(&s, "Skola"), 2);
    assert_int_equal(srv_room_route(&s, "Byggnad"), 0); /* a whole name, not a part */
    assert_int_equal(srv_room_route(&s, ""), 0);
    assert_int_equal(srv_room_route(&s, NULL), 0);
    assert_int_equal(srv_room_find(&s, "Skolrummet"), 2);
    assert_int_equal(srv_room_find(&s, "skolrummet"), -1);
    assert_int_equal(srv_room_find(&s, ""), -1);
    assert_string_equal(srv_room_postal_default(&s, "bygg"), "a-post");
    assert_string_equal(srv_room_postal_default(&s, "Skola"), "b-post"); /* the room has none */
    assert_string_equal(srv_room_postal_default(&s, "Kultur"), "b-post");
}

static void a_day_is_local_midnight_to_midnight(void **state)
{
    (void)state;
    setenv("TZ", "Europe/Stockholm", 1);
    tzset();
    int64_t from, to;
    assert_int_equal(srv_printroom_day("2026-12-02", &from, &to), 0);
    assert_int_equal(to - from, 86400000);
    time_t t = (time_t)(from / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    assert_int_equal(tm.tm_hour, 23); /* CET: local midnight is 23:00 UTC the day before */
    assert_int_equal(tm.tm_mday, 1);
    /* The day summer time begins has 23 hours, the day it ends 25. */
    assert_int_equal(srv_printroom_day("2026-03-29", &from, &to), 0);
    assert_int_equal(to - from, 23 * 3600000LL);
    assert_int_equal(srv_printroom_day("2026-10-25", &from, &to), 0);
    assert_int_equal(to - from, 25 * 3600000LL);
    static const char *const bad[] = {"2026-02-30", "2026-13-01", "2026-1-01", "26-12-02", "2026-12-02x",
                                      "2026/12/02", "2026-12-+2", "1969-12-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(srv_printroom_day(bad[i], &from, &to), -1);
    assert_int_equal(srv_printroom_day(NULL, &from, &to), 0); /* today */
    int64_t now = srv_now_ms();
    assert_true(from <= now && now < to);
}

typedef struct {
    char ids[16][37];
    int n;
} seen;

static void collect(const srv_job *j, void *arg)
{
    seen *x = arg;
    if (x->n < 16)
        snprintf(x->ids[x->n++], 37, "%s", j->id);
}

static void the_days_letters_in_print_order(void **state)
{
    (void)state;
    add(3, "paper", SRV_JSTATE_PRINTED, "Utskriftsrummet", DAY + 5000, "anna");
    add(1, "paper", SRV_JSTATE_PRINTING, "Byggrummet", DAY + 5000, "anna"); /* same time: created first */
    add(2, "paper", SRV_JSTATE_FAILED, "Utskriftsrummet", DAY + 1000, "anna");
    add(4, "digital", SRV_JSTATE_DELIVERED, "", DAY + 2000, "anna");  /* not the print room's */
    add(5, "paper", SRV_JSTATE_POSTED, "Byggrummet", DAY + 9000, "anna");
    add(6, "paper", SRV_JSTATE_PRINTED, "Utskriftsrummet", DAY + 86400000, "anna"); /* the next day */
    seen x = {0};
    mm_error err;
    assert_int_equal(srv_store_printroom(s.store, NULL, DAY, DAY + 86400000, 100, collect, &x, &err), 0);
    assert_int_equal(x.n, 4);
    assert_string_equal(x.ids[0], id(2));
    assert_string_equal(x.ids[1], id(1));
    assert_string_equal(x.ids[2], id(3));
    assert_string_equal(x.ids[3], id(5));
    memset(&x, 0, sizeof x);
    assert_int_equal(srv_store_printroom(s.store, "Byggrummet", DAY, DAY + 86400000, 100, collect, &x, &err), 0);
    assert_int_equal(x.n, 2);
    assert_string_equal(x.ids[0], id(1));
    assert_string_equal(x.ids[1], id(5));
    memset(&x, 0, sizeof x);
    assert_int_equal(srv_store_printroom(s.store, NULL, DAY, 0, 2, collect, &x, &err), 0); /* no end, limit 2 */
    assert_int_equal(x.n, 2);
    memset(&x, 0, sizeof x);
    assert_int_equal(srv_store_printroom(s.store, NULL, DAY + 5000, 0, 100, collect, &x, &err), 0);
    assert_int_equal(x.n, 4); /* 1, 3, 5 and the next day's 6 */
    assert_string_equal(x.ids[3], id(6));
}

static srv_principal person(const char *login, srv_role role)
{
    srv_principal p;
    srv_auth_person(login, role, &p);
    return p;
}

static void last_event(const srv_event *ev, void *arg)
{
    srv_event *out = arg;
    static char event[32], actor[64];
    snprintf(event, sizeof event, "%s", ev->event);
    snprintf(actor, sizeof actor, "%s", ev->actor);
    out->event = event;
    out->actor = actor;
}

static void the_print_room_posts_printed_paper_letters(void **state)
{
    (void)state;
    add(1, "paper", SRV_JSTATE_PRINTED, "Utskriftsrummet", DAY, "anna");
    add(2, "paper", SRV_JSTATE_PRINTING, "Utskriftsrummet", DAY, "anna");
    add(3, "digital", SRV_JSTATE_DELIVERED, "", DAY, "anna");
    add(4, "paper", SRV_JSTATE_PRINTED, "Utskriftsrummet", DAY, "anna");
    srv_principal ulla = person("ulla", SRV_ROLE_UTSKRIFT), anna = person("anna", SRV_ROLE_HANDLAGGARE),
                  stat = person("sven", SRV_ROLE_STATISTIK), desk;
    srv_auth_certificate(&s, DESK1, &desk);
    /* Refused: the handläggare may read her letter but not post it; the
     * workstation that sent it neither; statistik may not even read it. */
    assert_int_equal(srv_api_post(&s, &anna, id(1)), SRV_NOT_ALLOWED);
    assert_int_equal(srv_api_post(&s, &desk, id(1)), SRV_NOT_ALLOWED);
    assert_int_equal(srv_api_post(&s, &stat, id(1)), SRV_NO_SUCH_JOB);
    /* The print room may not read, let alone post, a digital letter. */
    assert_int_equal(srv_api_post(&s, &ulla, id(3)), SRV_NO_SUCH_JOB);
    assert_int_equal(srv_api_post(&s, &ulla, id(2)), SRV_WRONG_STATE); /* not printed yet */
    assert_int_equal(srv_api_post(&s, &ulla, "00000000-0000-0000-0000-000000000099"), SRV_NO_SUCH_JOB);
    srv_job j;
    mm_error err;
    assert_int_equal(srv_store_get(s.store, id(1), &j, &err), 0);
    assert_int_equal(j.state, SRV_JSTATE_PRINTED);
    int64_t before = srv_now_ms();
    assert_int_equal(srv_api_post(&s, &ulla, id(1)), SRV_OK);
    assert_int_equal(srv_store_get(s.store, id(1), &j, &err), 0);
    assert_int_equal(j.state, SRV_JSTATE_POSTED);
    assert_string_equal(j.posted_by, "person:ulla");
    assert_true(j.posted_ms >= before);
    srv_event ev = {0};
    assert_int_equal(srv_store_events(s.store, id(1), last_event, &ev, &err), 0);
    assert_string_equal(ev.event, "posted");
    assert_string_equal(ev.actor, "person:ulla");
    assert_int_equal(srv_api_post(&s, &ulla, id(1)), SRV_WRONG_STATE); /* posted already */
    /* A whole day: statistik marks nothing; the print room the one printed
     * letter left, not the printing one. */
    long n = -1;
    assert_int_equal(srv_api_post_day(&s, &stat, NULL, DAY, DAY + 86400000, &n), SRV_OK);
    assert_int_equal(n, 0);
    assert_int_equal(srv_api_post_day(&s, &anna, NULL, DAY, DAY + 86400000, &n), SRV_OK);
    assert_int_equal(n, 0);
    assert_int_equal(srv_api_post_day(&s, &ulla, "Byggrummet", DAY, DAY + 86400000, &n), SRV_OK);
    assert_int_equal(n, 0); /* another room's day */
    assert_int_equal(srv_api_post_day(&s, &ulla, NULL, DAY, DAY + 86400000, &n), SRV_OK);
    assert_int_equal(n, 1);
    assert_int_equal(srv_store_get(s.store, id(4), &j, &err), 0);
    assert_int_equal(j.state, SRV_JSTATE_POSTED);
    assert_int_equal(srv_store_get(s.store, id(2), &j, &err), 0);
    assert_int_equal(j.state, SRV_JSTATE_PRINTING);
    assert_int_equal(srv_api_post_day(&s, &ulla, NULL, DAY, DAY + 86400000, &n), SRV_OK);
    assert_int_equal(n, 0); /* nothing left */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(routes_by_department, setup, teardown),
        cmocka_unit_test_setup_teardown(a_day_is_local_midnight_to_midnight, setup, teardown),
        cmocka_unit_test_setup_teardown(the_days_letters_in_print_order, setup, teardown),
        cmocka_unit_test_setup_teardown(the_print_room_posts_printed_paper_letters, setup, teardown),
    };
    return cmocka_run_group_tests_name("printroom", tests, NULL, NULL);
}
