/* SPDX-License-Identifier: EUPL-1.2 */
/* Labelled candidates and the recipient rule shared by filter and server. */
#include "candidates.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[MM_LABEL_COUNT] = {
    "person", "orgnr", "child", "pupil", "principal", "patient", "deceased", "representative", "other",
};

const char *mm_label_kind_name(mm_label_kind kind)
{
    return kind < MM_LABEL_COUNT ? kind_names[kind] : "other";
}

int mm_label_kind_addressee(mm_label_kind kind)
{
    return kind == MM_LABEL_PERSON || kind == MM_LABEL_ORGNR;
}

int mm_candidates_empty(const mm_candidates *c)
{
    return c->n == 0 && !c->invalid && !c->more && !c->to_representative;
}

void mm_candidates_add(mm_candidates *c, mm_label_kind kind, const char *number12)
{
    for (int i = 0; i < c->n; i++)
        if (c->list[i].kind == kind && !strcmp(c->list[i].number, number12))
            return;
    if (c->n >= MM_CANDIDATES_MAX) {
        c->more = 1;
        return;
    }
    c->list[c->n].kind = kind;
    snprintf(c->list[c->n].number, sizeof c->list[c->n].number, "%s", number12);
    c->n++;
}

int mm_candidates_format(const mm_candidates *c, char *out, size_t size, mm_error *err)
{
    size_t len = 0;
    out[0] = '\0';
    if (mm_candidates_empty(c))
        return 0;
    const char *src = c->source[0] ? c->source : "text";
    const char *flags[3] = {c->invalid ? "invalid" : NULL, c->more ? "more" : NULL,
                            c->to_representative ? "to-representative" : NULL};
    for (int i = 0; i < c->n + 3; i++) {
        int w;
        if (i < c->n)
            w = snprintf(out + len, size - len, "%s%s:%s:%s", len ? "," : "", src,
                         mm_label_kind_name(c->list[i].kind), c->list[i].number);
        else if (flags[i - c->n])
            w = snprintf(out + len, size - len, "%s%s:%s", len ? "," : "", src, flags[i - c->n]);
        else
            continue;
        if (w < 0 || (size_t)w >= size - len) {
            out[0] = '\0';
            return mm_error_set(err, MM_ERR_INPUT, 0, "candidate list does not fit %zu bytes", size);
        }
        len += (size_t)w;
    }
    return 0;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int mm_candidates_parse(const char *text, mm_candidates *c, mm_error *err)
{
    memset(c, 0, sizeof *c);
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t tl = end ? (size_t)(end - p) : strlen(p);
        char tok[64];
        if (tl == 0 || tl >= sizeof tok)
            return mm_error_set(err, MM_ERR_INPUT, 0, "malformed candidate list");
        memcpy(tok, p, tl);
        tok[tl] = '\0';
        p += tl + (end ? 1 : 0);
        if (end && !*p)
            return mm_error_set(err, MM_ERR_INPUT, 0, "malformed candidate list");
        char *c1 = strchr(tok, ':');
        if (!c1 || c1 == tok || (size_t)(c1 - tok) >= sizeof c->source)
            return mm_error_set(err, MM_ERR_INPUT, 0, "malformed candidate list");
        *c1 = '\0';
        if (c->source[0] && strcmp(c->source, tok))
            return mm_error_set(err, MM_ERR_INPUT, 0, "candidates from more than one source");
        memcpy(c->source, tok, (size_t)(c1 - tok) + 1);
        char *what = c1 + 1;
        char *c2 = strchr(what, ':');
        if (!c2) {
            if (!strcmp(what, "invalid"))
                c->invalid = 1;
            else if (!strcmp(what, "to-representative"))
                c->to_representative = 1;
            else
                c->more = 1; /* "more", or a flag of a newer filter: doubt */
            continue;
        }
        *c2 = '\0';
        const char *num = c2 + 1;
        if (strlen(num) != 12 || !all_digits(num, 12))
            return mm_error_set(err, MM_ERR_INPUT, 0, "candidate number must be 12 digits");
        mm_label_kind kind = MM_LABEL_OTHER;
        for (int k = 0; k < MM_LABEL_COUNT; k++)
            if (!strcmp(what, kind_names[k]))
                kind = (mm_label_kind)k;
        mm_candidates_add(c, kind, num);
    }
    return 0;
}

static int is_own(const char *number, const char *const *own, size_t n_own)
{
    for (size_t i = 0; i < n_own; i++)
        if (own[i] && own[i][0] && !strcmp(own[i], number))
            return 1;
    return 0;
}

/* Labelled as someone else's somewhere in the letter. */
static int third_party(const mm_candidates *c, const char *number)
{
    for (int i = 0; i < c->n; i++)
        if (!mm_label_kind_addressee(c->list[i].kind) && !strcmp(c->list[i].number, number))
            return 1;
    return 0;
}

void mm_candidates_decide(const mm_candidates *c, const char *const *own, size_t n_own, int know_senders,
                          mm_decision *d)
{
    memset(d, 0, sizeof *d);
    if (c->invalid) {
        d->choice = MM_CHOICE_INVALID;
        return;
    }
    int own_seen = 0, third = -1, first = -1;
    char seen[MM_CANDIDATES_MAX][13];
    int distinct = 0;
    for (int i = 0; i < c->n; i++) {
        const mm_candidate *k = &c->list[i];
        if (is_own(k->number, own, n_own)) {
            own_seen = 1;
            continue;
        }
        if (!mm_label_kind_addressee(k->kind)) {
            if (third < 0)
                third = i;
            continue;
        }
        if (third_party(c, k->number))
            continue;
        int dup = 0;
        for (int s = 0; s < distinct; s++)
            dup |= !strcmp(seen[s], k->number);
        if (dup)
            continue;
        memcpy(seen[distinct++], k->number, 13);
        if (first < 0)
            first = i;
    }
    d->distinct = distinct;
    if (c->more || distinct > 1) {
        d->choice = MM_CHOICE_SEVERAL;
        return;
    }
    if (c->to_representative) {
        /* Written "Till vårdnadshavare": the guardian's own number, labelled
         * as such and alone, is the addressee; a plain "Personnummer" may be
         * the child's. */
        int rep = -1, reps = 0;
        for (int i = 0; i < c->n; i++) {
            const mm_candidate *k = &c->list[i];
            if (k->kind != MM_LABEL_REPRESENTATIVE || is_own(k->number, own, n_own))
                continue;
            reps++; /* one entry per number: mm_candidates_add keeps pairs distinct */
            rep = i;
        }
        if (distinct == 0 && reps == 1) {
            d->choice = MM_CHOICE_FOUND;
            d->kind = MM_LABEL_REPRESENTATIVE;
            memcpy(d->number, c->list[rep].number, sizeof d->number);
            return;
        }
        if (distinct || reps) {
            d->choice = MM_CHOICE_TO_REPRESENTATIVE;
            return;
        }
    }
    if (distinct == 1) {
        const mm_candidate *k = &c->list[first];
        /* An organisation number (16...) may be one of the sender's that
         * this side does not know: leave it to the server. */
        if (!know_senders && !strncmp(k->number, "16", 2)) {
            d->choice = MM_CHOICE_ORG_UNCHECKED;
            return;
        }
        d->choice = MM_CHOICE_FOUND;
        d->kind = k->kind;
        memcpy(d->number, k->number, sizeof d->number);
        return;
    }
    if (third >= 0) {
        d->choice = MM_CHOICE_THIRD_PARTY;
        d->kind = c->list[third].kind;
        return;
    }
    d->choice = own_seen ? MM_CHOICE_ONLY_OWN : MM_CHOICE_NONE;
}

void mm_candidates_why(const mm_decision *d, const mm_candidates *c, char *out, size_t size)
{
    const char *src = c->source[0] ? c->source : "text";
    const char *where = !strcmp(src, "subject") ? "the subject" : "page text";
    switch (d->choice) {
    case MM_CHOICE_FOUND:
        snprintf(out, size, "%s", "");
        break;
    case MM_CHOICE_NONE:
        snprintf(out, size, "no labelled number in %s", where);
        break;
    case MM_CHOICE_ONLY_OWN:
        snprintf(out, size, "%s names only the sender's own organisation number; not guessing", where);
        break;
    case MM_CHOICE_INVALID:
        snprintf(out, size, "invalid number in %s: a labelled number is not a valid identity number; not guessing",
                 src);
        break;
    case MM_CHOICE_SEVERAL:
        if (c->more)
            snprintf(out, size, "%s names too many different labelled numbers; not guessing", where);
        else
            snprintf(out, size, "%s names %d different labelled numbers; not guessing", where, d->distinct);
        break;
    case MM_CHOICE_THIRD_PARTY:
        snprintf(out, size, "%s names only a number labelled as someone else's (%s), not the addressee's; not guessing",
                 where, mm_label_kind_name(d->kind));
        break;
    case MM_CHOICE_TO_REPRESENTATIVE:
        snprintf(out, size, "the letter is addressed to a guardian or representative, and the labelled number in %s "
                 "may be the person it is about; not guessing", where);
        break;
    case MM_CHOICE_ORG_UNCHECKED:
        snprintf(out, size, "%s names one organisation number, which may be the sender's own; left to the server",
                 where);
        break;
    }
}
