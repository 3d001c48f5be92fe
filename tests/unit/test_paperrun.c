/* SPDX-License-Identifier: EUPL-1.2 */
/* A batch's paper letters on a real store (issue 13, server/printroom.c):
 * they are held back while any letter of the batch waits for FaR, then
 * reach each room's line once, as one run: ONE cover sheet (its count and
 * postal classes) and the room's letters in seq order; a letter still in
 * a line is never pushed twice (the resume after a crash), and one that
 * left it goes alone.  The lines' queues are real, their printers are not
 * started (t_web_batch prints through ippeveprinter). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "printroom.h"

#define BATCH "11111111-2222-3333-4444-555555555555"

static srv s;
static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    memset(&s, 0, sizeof s);
    snprintf(dir, sizeof dir, "/tmp/test_paperrun.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/mmprintd.db", dir);
    mm_error err;
    if (!(s.store = srv_store_open(path, &err)))
        return -1;
    pthread_mutex_init(&s.wait_mu, NULL);
    s.conf.print_deadline_s = 60;
    snprintf(s.conf.printer_name, sizeof s.conf.printer_name, "Utskriftsrummet");
    s.conf.nrooms = 2;
    snprintf(s.conf.rooms[0].name, sizeof s.conf.rooms[0].name, "Utskriftsrummet");
    snprintf(s.conf.rooms[1].name, sizeof s.conf.rooms[1].name, "Byggrummet");
    snprintf(s.conf.rooms[1].departments, sizeof s.conf.rooms[1].departments, "Bygg");
    s.nprint_lines = 2;
    for (size_t i = 0; i < 2; i++)
        srv_queue_init(&s.print_lines[i].q);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    srv_print_free(&s);
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

static void letter(srv_job *j, int seq, srv_jstate st, const char *channel, const char *room, const char *pc)
{
    memset(j, 0, sizeof *j);
    snprintf(j->id, sizeof j->id, "00000000-0000-0000-0000-%012d", seq);
    snprintf(j->batch_id, sizeof j->batch_id, BATCH);
    j->batch_seq = seq;
    j->state = st;
    snprintf(j->channel, sizeof j->channel, "%s", channel);
    snprintf(j->printer, sizeof j->printer, "%s", room);
    snprintf(j->postal_class, sizeof j->postal_class, "%s", pc);
    snprintf(j->user, sizeof j->user, "anna");
    snprintf(j->client, sizeof j->client, "C=SE,CN=desk1");
    j->created_ms = srv_now_ms();
}

/* The batch, split, with six letters: paper in the main room (1, 5: one
 * A-post), digital (2), paper in Byggrummet (3), waiting for FaR (4),
 * held for a recipient (6). */
static void store_batch(void)
{
    srv_batch b;
    memset(&b, 0, sizeof b);
    snprintf(b.id, sizeof b.id, BATCH);
    snprintf(b.client, sizeof b.client, "C=SE,CN=desk1");
    snprintf(b.user, sizeof b.user, "anna");
    b.state = SRV_BSTATE_SPLIT;
    b.letters = 6;
    b.created_ms = srv_now_ms();
    assert_int_equal(srv_store_batch_insert(s.store, &b, "test", NULL), 0);
    srv_job j[6];
    letter(&j[0], 1, SRV_JSTATE_PRINTING, "paper", "Utskriftsrummet", "b-post");
    letter(&j[1], 2, SRV_JSTATE_DELIVERED, "digital", "", "b-post");
    letter(&j[2], 3, SRV_JSTATE_PRINTING, "paper", "Byggrummet", "b-post");
    letter(&j[3], 4, SRV_JSTATE_QUEUED, "none", "", "b-post");
    letter(&j[4], 5, SRV_JSTATE_PRINTING, "paper", "Utskriftsrummet", "a-post");
    letter(&j[5], 6, SRV_JSTATE_NEEDS_RECIPIENT, "none", "", "b-post");
    srv_batch_letter l[6];
    for (int i = 0; i < 6; i++)
        l[i] = (srv_batch_letter){&j[i], "test", "%PDF-1.4\n", 9, 0};
    assert_int_equal(srv_store_batch_insert_letters(s.store, l, 6, NULL), 0);
}

static srv_job *copy(int seq)
{
    char id[37];
    snprintf(id, sizeof id, "00000000-0000-0000-0000-%012d", seq);
    srv_job *j = malloc(sizeof *j);
    assert_non_null(j);
    assert_int_equal(srv_store_get(s.store, id, j, NULL), 0);
    return j;
}

/* The next item of room's line: a cover (its letter count returned, *pc
 * its postal counts) or a letter (-seq). */
static int next_item(size_t room, int pc[3])
{
    srv_job *j = srv_queue_pop(&s.print_lines[room].q, 0);
    assert_non_null(j);
    int r;
    if (srv_is_batch_cover(j)) {
        srv_batch_cover *c = (srv_batch_cover *)j;
        assert_string_equal(c->batch_id, BATCH);
        assert_string_equal(c->job.user, "anna");
        memcpy(pc, c->postal, sizeof c->postal);
        r = c->letters;
    } else {
        assert_string_equal(j->batch_id, BATCH);
        r = -j->batch_seq;
    }
    free(j);
    return r;
}

static void held_until_decided_then_one_run_per_room(void **state)
{
    (void)state;
    store_batch();
    /* The FaR answer for letter 1 put it on paper: held back. */
    srv_room_enqueue(&s, copy(1));
    srv_room_batch_check(&s, BATCH);
    assert_int_equal(srv_queue_len(&s.print_lines[0].q), 0);
    assert_int_equal(srv_queue_len(&s.print_lines[1].q), 0);

    /* Letter 4 decided (digital): the batch is released. */
    srv_job *four = copy(4);
    four->state = SRV_JSTATE_DELIVERED;
    assert_int_equal(srv_store_update(s.store, four, SRV_JSTATE_QUEUED, "delivered", "test", NULL), 0);
    free(four);
    srv_room_batch_check(&s, BATCH);
    assert_int_equal(srv_queue_len(&s.print_lines[0].q), 3);
    assert_int_equal(srv_queue_len(&s.print_lines[1].q), 2);
    int pc[3];
    assert_int_equal(next_item(0, pc), 2); /* the cover: 2 letters, 1 A-post, 1 B-post */
    assert_int_equal(pc[0], 0);
    assert_int_equal(pc[1], 1);
    assert_int_equal(pc[2], 1);
    assert_int_equal(next_item(0, pc), -1);
    assert_int_equal(next_item(0, pc), -5);
    assert_int_equal(next_item(1, pc), 1);
    assert_int_equal(next_item(1, pc), -3);

    /* Released once: asking again, and letter 5 handed on again while it
     * is still in its line (a resume), push nothing. */
    srv_room_batch_check(&s, BATCH);
    srv_room_enqueue(&s, copy(5));
    assert_int_equal(srv_queue_len(&s.print_lines[0].q), 0);
    /* Out of the line (a printer error), its retry goes alone. */
    srv_room_batch_left(&s, BATCH, 5);
    srv_room_enqueue(&s, copy(5));
    assert_int_equal(srv_queue_len(&s.print_lines[0].q), 1);
    assert_int_equal(next_item(0, pc), -5);
}

static void cover_names_are_deterministic(void **state)
{
    (void)state;
    char a[200], b[200];
    srv_batch_cover_name(BATCH, "Byggrummet", a, sizeof a);
    srv_batch_cover_name(BATCH, "Byggrummet", b, sizeof b);
    assert_string_equal(a, b);
    assert_string_equal(a, "mmprint-batch-" BATCH "-Byggrummet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(held_until_decided_then_one_run_per_room, setup, teardown),
        cmocka_unit_test(cover_names_are_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
