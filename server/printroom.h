/* SPDX-License-Identifier: EUPL-1.2 */
/* The print rooms of mmprintd (issue 12): the default room (printer_uri,
 * printer_name ... in mmprintd.conf) and the rooms of printroom_dir, which
 * room a paper letter goes to, and the print room's day.  What the print
 * room does with a letter (the list, marking it posted): api.h. */
#ifndef MMPRINTD_PRINTROOM_H
#define MMPRINTD_PRINTROOM_H

#include <stddef.h>
#include <stdint.h>

#include "mmprintd.h"

/* How many print rooms there are (at least 1: the default room). */
size_t srv_rooms_count(const srv *s);
/* The name of room i (0: the default room, conf printer_name), as jobs'
 * printer field records it; NULL when i is out of range. */
const char *srv_room_name(const srv *s, size_t i);
/* The index of the room named name (exactly), or -1. */
long srv_room_find(const srv *s, const char *name);
/* The room a paper letter of department goes to: the room whose
 * departments list names it (case-insensitive, blanks trimmed), else 0. */
size_t srv_room_route(const srv *s, const char *department);

/* Hands a paper letter (consumed) to its room's print line (printq.c):
 * the room job->printer names, else the room srv_room_route chooses
 * (job->printer set, logged when the named room is gone).  Freed when the
 * lines are not running (the letter stays in the store).  A letter of a
 * batch (job->batch_id) is held back (it stays "printing" in the store)
 * until srv_room_batch_check releases its batch; after that it goes alone
 * (a retry, a held letter completed later), never twice into a line. */
void srv_room_enqueue(srv *s, srv_job *job);

/* ---- a batch's paper letters (issue 13) ----
 * The paper letters of one batch reach a room's line as one run: ONE
 * cover sheet, then the letters in seq order, each behind its own
 * separator, nothing of anyone else's between (srv_queue_push_many).  The
 * cover is an IPP job of its own named srv_batch_cover_name: a crash after
 * it printed finds it at the printer and never prints it twice, as the
 * letters are found by theirs; and a letter's own document, sheets and
 * journal stay exactly those of a single letter. */

/* A cover sheet waiting in a line: a queue item like a letter (the queue
 * frees it as a srv_job, so job comes first); job.state SRV_JSTATE_NONE
 * tells it from a letter (a letter in a line is always "printing"). */
typedef struct {
    srv_job job;           /* job.user: the handläggare, job.printer: the room, job.deadline_ms */
    char batch_id[64];
    int letters;           /* paper letters behind it */
    int postal[3];         /* of them rekommenderat, a-post, b-post */
} srv_batch_cover;

/* 1 when the line's item j is a cover sheet (srv_batch_cover). */
static inline int srv_is_batch_cover(const srv_job *j)
{
    return j->state == SRV_JSTATE_NONE;
}

/* The IPP job name of batch_id's cover in room: the same on every try. */
void srv_batch_cover_name(const char *batch_id, const char *room, char *out, size_t size);

/* Hands the n paper letters letters[] of batch_id (consumed, already in
 * seq order, all "printing") to their rooms' lines: each room's letters,
 * in the given order, behind one cover sheet, pushed as one run.
 * Nothing of the batch must reach a line any other way until this is
 * called (the caller holds them back until every letter is decided). */
void srv_room_enqueue_batch(srv *s, const char *batch_id, srv_job **letters, size_t n);

/* Releases batch_id's paper letters once the batch is split and none of
 * its letters waits for FaR any more: every letter in state "printing"
 * reaches its room's line in seq order behind one cover sheet per room
 * (srv_room_enqueue_batch), once per run of the server.  Called for every
 * batch letter decided, once per batch for the letters decided together
 * (farbatch.c, policy.c), for a batch letter cancelled while it waited for
 * FaR (api_jobs.c), for a batch letter resumed in "printing"
 * (work.c), and by a thread watching a batch still being split once it
 * is split (its letters may all be decided before that); cheap once
 * released.  The store's letters are read at each call that finds the
 * batch not released yet. */
void srv_room_batch_check(srv *s, const char *batch_id);
/* The line is done with letter seq of batch_id (printed, failed, or
 * waiting for a retry): handing it on again is not a duplicate. */
void srv_room_batch_left(srv *s, const char *batch_id, int seq);
/* Stops and joins the threads watching s's batches being split
 * (srv_print_stop). */
void srv_room_batch_stop(srv *s);
/* Forgets s's released batches (srv_print_free). */
void srv_room_batch_forget(srv *s);

/* The postal class of a letter of department that names none: its
 * room's postal_class_default, else the main file's. */
const char *srv_room_postal_default(const srv *s, const char *department);

/* The local calendar day "YYYY-MM-DD" (the server's time zone) as the
 * wall-clock range [*from_ms, *to_ms): 0, or -1 when day is no such date.
 * NULL or "": today. */
int srv_printroom_day(const char *day, int64_t *from_ms, int64_t *to_ms);

#endif
