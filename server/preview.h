/* SPDX-License-Identifier: EUPL-1.2 */
/* What a person sees of a held letter before it goes (issue 11, "Behöver
 * mottagare"): a picture of its first page, so that they know which letter
 * it is; the labelled numbers its own text names, so that a typed number
 * that differs is caught before anything is sent (the pre-study calls a
 * typed number "a source of errors"); and the preflight of a typed number:
 * valid, not the sender's own, and where the letter would go.
 *
 * The PDF is a workstation's, so poppler reads it only in a confined child
 * (lib/sandbox.h, mm_sandbox_call): limits on time and memory, no
 * descriptor but its answer pipe, and nothing readable but the fonts.
 *
 * The picture is rendered on demand and never kept (no document, no file,
 * no cache): a page-1 render takes well under the 300 ms the issue allows
 * (tools/bench/web), and what is never stored cannot outlive the letter,
 * whichever way the letter ends or is purged.  Storing it as a document of
 * the job would have needed its own purge rules next to the letter's. */
#ifndef MMPRINTD_PREVIEW_H
#define MMPRINTD_PREVIEW_H

#include <stddef.h>

#include "auth.h"
#include "buf.h"
#include "candidates.h"
#include "error.h"
#include "mmprintd.h"

/* The picture: about 100 dpi (an A4 page is 827 x 1169 pixels), never
 * wider or taller than these, whatever size the page claims. */
#define SRV_PREVIEW_DPI 100
#define SRV_PREVIEW_MAX_WIDTH 1240
#define SRV_PREVIEW_MAX_HEIGHT 1754
/* Largest PNG taken from the child (an RGB page of the largest size is
 * 6.5 MB uncompressed). */
#define SRV_PREVIEW_MAX_PNG (8u * 1024 * 1024)

/* Renders page 1 of pdf (the caller's, unchanged) as a PNG into png (reset
 * first; the caller frees it): 0, or -1 with err (MM_ERR_INPUT: the page
 * cannot be rendered, or a limit killed the child; MM_ERR_SYSTEM: the
 * child could not be started). */
int srv_preview_png(const void *pdf, size_t len, mm_buf *png, mm_error *err);

/* Every labelled number the page text of pdf names (lib/discover's
 * mm_discover_text_numbers, in a confined child): 0 with *c, or -1 with
 * err as srv_preview_png. */
int srv_preview_numbers(const void *pdf, size_t len, mm_candidates *c, mm_error *err);

/* Does the letter's own text (c) name another number than number12 (a
 * valid number, 12-digit form)?  The sender's own numbers are left out.
 * 1 with a Swedish sentence in sv (the other number masked), or 0 (sv "")
 * when the letter names number12 as the addressee's or names none. */
int srv_preview_mismatch(const srv *s, const mm_candidates *c, const char *number12, char *sv, size_t size);

/* The preflight of a number typed for a held letter: what the page shows
 * as it is typed (GET /brev/{id}/kontroll) and again when the form is
 * posted without script. */
typedef struct {
    int valid;             /* a usable recipient: valid and not the sender's own */
    char number[13];       /* its 12-digit form when valid */
    char problem_sv[300];  /* why not, when !valid */
    const char *channel;   /* "digital", "paper", "none" (nothing would go), NULL (not known) */
    char operator_name[128]; /* the mailbox operator when digital */
    char text_sv[400];     /* where the letter would go, or why that is not known */
    int mismatch;          /* the letter's text names another number (srv_preview_mismatch) */
    char mismatch_sv[300];
    unsigned status;       /* for an HTTP answer: 200, or 429 (over reach_rate), 502 (FaR) */
    long retry_after_s;    /* with 429 */
} srv_preflight;

/* Checks typed for held job j (which who may complete) without sending
 * anything: srv_api_number; then, when c (the letter's numbers, NULL when
 * they could not be read) is given, srv_preview_mismatch; then, when
 * lookup, FaR through srv_api_reach (rate-limited, journaled on the job
 * with who->actor) and the channel policy's decision (srv_policy_decide on
 * a copy of j).  Fills *out. */
void srv_preview_check(srv *s, const srv_principal *who, const srv_job *j, const mm_candidates *c, const char *typed,
                       int lookup, srv_preflight *out);

#endif
