/* SPDX-License-Identifier: EUPL-1.2 */
/* Who a new job's letter is for, decided on the server.
 *
 * The filter on the desktop finds the labelled numbers of the letter's text
 * but cannot know every number of the sending organisation; the server
 * does (the organisation certificate, sender_id).  So the rule that no
 * letter is ever addressed to a sender lives here, and needs nothing
 * configured on the desktops: the server removes its own numbers from the
 * bundle's candidates and applies the filter's rule again
 * (mm_candidates_decide), and refuses its own number from any source. */
#include <stdio.h>
#include <string.h>

#include "candidates.h"
#include "idnum.h"
#include "mmprintd.h"

static size_t own_numbers(const srv *s, const char *own[2])
{
    size_t n = 0;
    if (s->orgnr[0])
        own[n++] = s->orgnr;
    if (s->conf.sender_id[0] && strcmp(s->conf.sender_id, s->orgnr))
        own[n++] = s->conf.sender_id;
    return n;
}

int srv_recipient_is_own(const srv *s, const char *number12)
{
    const char *own[2];
    size_t n = own_numbers(s, own);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(own[i], number12))
            return 1;
    return 0;
}

/* "212000-0142": how letters print an organisation number. */
static void org_display(const char *number12, char out[16])
{
    if (strlen(number12) == 12 && !strncmp(number12, "16", 2))
        snprintf(out, 16, "%.6s-%.4s", number12 + 2, number12 + 8);
    else
        mm_idnum_mask(number12, out);
}

/* Starts in lower case: it follows "Personnummer saknas: " in the CUPS line. */
void srv_recipient_own_sv(const char *number12, char *out, size_t size)
{
    char shown[16];
    org_display(number12, shown);
    snprintf(out, size, "numret %s är avsändarens eget organisationsnummer och kan inte vara mottagare", shown);
}

/* Whose number a label says it is, in the words of the CUPS line. */
static const char *whose_sv(mm_label_kind kind)
{
    switch (kind) {
    case MM_LABEL_CHILD:
        return "barnets";
    case MM_LABEL_PUPIL:
        return "elevens";
    case MM_LABEL_PRINCIPAL:
        return "huvudmannens eller den enskildes";
    case MM_LABEL_PATIENT:
        return "patientens";
    case MM_LABEL_DECEASED:
        return "den avlidnes";
    case MM_LABEL_REPRESENTATIVE:
        return "en företrädares (vårdnadshavare, god man, ombud)";
    default:
        return "någon annans";
    }
}

static void choice_sv(const mm_decision *d, char *out, size_t size)
{
    switch (d->choice) {
    case MM_CHOICE_ONLY_OWN:
        snprintf(out, size, "brevet har bara avsändarens eget organisationsnummer, inget personnummer för mottagaren");
        break;
    case MM_CHOICE_INVALID:
        snprintf(out, size, "ett märkt nummer i brevet är inget giltigt personnummer");
        break;
    case MM_CHOICE_SEVERAL:
        snprintf(out, size, "brevet har flera olika märkta personnummer eller organisationsnummer");
        break;
    case MM_CHOICE_THIRD_PARTY:
        snprintf(out, size, "numret i brevet är märkt som %s och är inte mottagarens", whose_sv(d->kind));
        break;
    case MM_CHOICE_TO_REPRESENTATIVE:
        snprintf(out, size, "brevet är ställt till vårdnadshavare eller annan företrädare, och numret i brevet "
                            "kan vara barnets eller huvudmannens");
        break;
    default:
        snprintf(out, size, "%s", srv_sv(SRV_SV_NO_RECIPIENT));
        break;
    }
}

/* The bundle's own account of where its recipient came from must hold
 * together, whoever wrote it: a known source; page text decides only
 * through its candidates, which the filter always sends with it; and
 * candidates belong to the source that decided (discovery fills them only
 * for that source, doc/job-bundle.md).  NULL when it holds, else why not. */
static const char *claim_inconsistent(const mm_bundle *b)
{
    static const char *const sources[] = {"option", "billing", "info", "xmp", "keywords", "subject", "title", "text"};
    const char *src = b->recipient_source;
    int known = !src[0];
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
        known |= !strcmp(src, sources[i]);
    if (!known)
        return "the bundle names an unknown recipient source";
    int have = !mm_candidates_empty(&b->cands);
    if (have && strcmp(b->cands.source, "text") && strcmp(b->cands.source, "subject"))
        return "the bundle's candidates name an unknown source";
    if (have && src[0] && strcmp(src, b->cands.source))
        return "the bundle's candidates are not from its recipient's source";
    if (!have && b->recipient[0] && !strcmp(src, "text"))
        return "the bundle names page text as the recipient's source without its candidates";
    return NULL;
}

int srv_recipient_from_bundle(const srv *s, const mm_bundle *b, srv_recipient *r)
{
    memset(r, 0, sizeof *r);
    mm_id id;
    mm_error err;
    mm_error_clear(&err);
    int valid = b->recipient[0] && mm_idnum_parse(b->recipient, NULL, &id, &err) == 0;
    const char *odd = claim_inconsistent(b);
    if (odd) {
        snprintf(r->problem, sizeof r->problem, "%s", odd);
        snprintf(r->reason_sv, sizeof r->reason_sv, "%s", srv_sv(SRV_SV_RECIPIENT_UNSURE));
        return 0;
    }
    /* The candidates of the source that decided in the filter: decide again
     * without the sender's numbers. */
    if (!mm_candidates_empty(&b->cands) && (!b->recipient_source[0] || !strcmp(b->recipient_source, b->cands.source))) {
        const char *own[2];
        size_t n = own_numbers(s, own);
        mm_decision d;
        mm_candidates_decide(&b->cands, own, n, 1, &d);
        if (d.choice == MM_CHOICE_FOUND && (!valid || !strcmp(id.number, d.number))) {
            snprintf(r->number, sizeof r->number, "%s", d.number);
            snprintf(r->source, sizeof r->source, "%s", b->cands.source);
            return 1;
        }
        if (d.choice == MM_CHOICE_FOUND) {
            /* The filter named another number than its own list gives. */
            snprintf(r->problem, sizeof r->problem, "the bundle's recipient is not the one its candidates give");
            snprintf(r->reason_sv, sizeof r->reason_sv, "%s", srv_sv(SRV_SV_RECIPIENT_UNSURE));
            return 0;
        }
        mm_candidates_why(&d, &b->cands, r->problem, sizeof r->problem);
        choice_sv(&d, r->reason_sv, sizeof r->reason_sv);
        return 0;
    }
    if (valid && srv_recipient_is_own(s, id.number)) {
        snprintf(r->problem, sizeof r->problem, "the recipient (source %s) is the sender's own organisation number",
                 b->recipient_source[0] ? b->recipient_source : "unknown");
        srv_recipient_own_sv(id.number, r->reason_sv, sizeof r->reason_sv);
        return 0;
    }
    if (valid) {
        snprintf(r->number, sizeof r->number, "%s", id.number);
        snprintf(r->source, sizeof r->source, "%s", b->recipient_source);
        return 1;
    }
    snprintf(r->problem, sizeof r->problem, "%s",
             b->recipient[0] ? "the recipient number is not valid"
             : b->recipient_problem[0] ? b->recipient_problem : "no recipient in the job");
    /* A number the filter would never have sent (a forged or damaged
     * bundle): say so, not only that one is missing; likewise a letter that
     * came as a raster image (filter/pdftomm.c), which has no text at all. */
    snprintf(r->reason_sv, sizeof r->reason_sv, "%s",
             srv_sv(b->recipient[0]                                     ? SRV_SV_RECIPIENT_INVALID
                    : !strncmp(b->recipient_problem, "image only:", 11) ? SRV_SV_IMAGE_ONLY
                                                                         : SRV_SV_NO_RECIPIENT));
    return 0;
}
