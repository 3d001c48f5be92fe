/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd: the registry and fault-injection files (formats in doc/mmsimd.8),
 * and the duplicate-detection set. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sim.h"
#include "text.h"

#define SIM_LINE_MAX 8192
#define SIM_TOKENS_MAX 64

static int is_id12(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]))
            return 0;
    return n == 12;
}

/* Splits a line into whitespace-separated tokens; a value may be quoted
 * (key="two words").  Quotes are removed in place.  Returns the count, or
 * -1 for an unterminated quote or too many tokens. */
static int tokenize(char *line, char **tok)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            break;
        if (n == SIM_TOKENS_MAX)
            return -1;
        tok[n++] = p;
        char *w = p;
        int quoted = 0;
        while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
            if (*p == '"') {
                quoted = !quoted;
                p++;
                continue;
            }
            *w++ = *p++;
        }
        if (quoted)
            return -1;
        int end = !*p;
        *w = '\0';
        if (end)
            break;
        p++;
    }
    return n;
}

/* "key=value" -> value when the key matches, else NULL. */
static const char *kv(const char *tok, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(tok, key, k) == 0 && tok[k] == '=')
        return tok + k + 1;
    return NULL;
}

/* Parses a comma-separated list of 12-digit numbers. */
static int id_list(const char *v, char (**out)[SIM_ID_LEN], size_t *n)
{
    char (*list)[SIM_ID_LEN] = NULL;
    size_t cnt = 0;
    const char *p = v;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char id[SIM_ID_LEN];
        if (len != 12) {
            free(list);
            return -1;
        }
        memcpy(id, p, 12);
        id[12] = '\0';
        if (!is_id12(id)) {
            free(list);
            return -1;
        }
        void *nl = realloc(list, (cnt + 1) * sizeof *list);
        if (!nl) {
            free(list);
            return -1;
        }
        list = nl;
        memcpy(list[cnt++], id, SIM_ID_LEN);
        p += len;
        if (*p == ',')
            p++;
    }
    *out = list;
    *n = cnt;
    return 0;
}

void sim_registry_free(sim_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_rcps; i++)
        free(r->rcps[i].accepts);
    for (size_t i = 0; i < r->n_disps; i++)
        free(r->disps[i].senders);
    free(r->ops);
    free(r->rcps);
    free(r->senders);
    free(r->disps);
    free(r);
}

static int cmp_rcp(const void *a, const void *b)
{
    return strcmp(((const sim_recipient *)a)->id, ((const sim_recipient *)b)->id);
}

int sim_registry_operator(const sim_registry *r, const char *key)
{
    for (size_t i = 0; i < r->n_ops; i++)
        if (strcmp(r->ops[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* Recipient lines may name operators defined later, so they are resolved
 * after the whole file is read; op holds the line's operator key meanwhile. */
typedef struct {
    char key[32];
    int line;
} pending_op;

static int grow(void **arr, size_t n, size_t elem)
{
    void *p = realloc(*arr, (n + 1) * elem);
    if (!p)
        return -1;
    *arr = p;
    memset((char *)p + n * elem, 0, elem);
    return 0;
}

static int parse_operator(sim_registry *r, char **tok, int nt, mm_error *err, int ln)
{
    if (nt < 2 || strlen(tok[1]) >= sizeof r->ops[0].key || !*tok[1])
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: operator needs a short name", ln);
    for (const char *c = tok[1]; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
            return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: operator name may hold only letters, digits, - and _", ln);
    if (sim_registry_operator(r, tok[1]) >= 0)
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: operator %s defined twice", ln, tok[1]);
    if (grow((void **)&r->ops, r->n_ops, sizeof *r->ops))
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    sim_operator *o = &r->ops[r->n_ops];
    snprintf(o->key, sizeof o->key, "%s", tok[1]);
    snprintf(o->name, sizeof o->name, "%s", tok[1]);
    for (int i = 2; i < nt; i++) {
        const char *v;
        if ((v = kv(tok[i], "name"))) {
            if (mm_text_copy_exact(o->name, sizeof o->name, v) || strlen(v) < 2)
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: name must be 2..256 characters", ln);
        } else if ((v = kv(tok[i], "id"))) {
            if (!is_id12(v) || strncmp(v, "16", 2))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: id must be 16 followed by 10 digits", ln);
            snprintf(o->id, sizeof o->id, "%s", v);
        } else {
            return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: unknown operator field '%.40s'", ln, tok[i]);
        }
    }
    if (!o->id[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: operator needs id=16NNNNNNNNNN", ln);
    r->n_ops++;
    return 0;
}

static int parse_recipient(sim_registry *r, pending_op **pops, char **tok, int nt, mm_error *err, int ln)
{
    if (nt < 2 || !is_id12(tok[1]))
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: recipient needs a 12-digit number", ln);
    if (grow((void **)&r->rcps, r->n_rcps, sizeof *r->rcps) ||
        grow((void **)pops, r->n_rcps, sizeof **pops))
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    sim_recipient *rc = &r->rcps[r->n_rcps];
    pending_op *po = &(*pops)[r->n_rcps];
    r->n_rcps++; /* counted now so that sim_registry_free releases accepts */
    snprintf(rc->id, sizeof rc->id, "%s", tok[1]);
    snprintf(rc->type, sizeof rc->type, "Secure");
    rc->op = -1;
    rc->accept_all = 1;
    po->line = ln;
    for (int i = 2; i < nt; i++) {
        const char *v;
        if ((v = kv(tok[i], "operator"))) {
            if (mm_text_copy_exact(po->key, sizeof po->key, v))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: operator name too long", ln);
        } else if ((v = kv(tok[i], "type"))) {
            if (strcmp(v, "Secure") && strcmp(v, "Anonymous") && strcmp(v, "Not"))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: type must be Secure, Anonymous or Not", ln);
            snprintf(rc->type, sizeof rc->type, "%s", v);
        } else if ((v = kv(tok[i], "pending"))) {
            if (!strcmp(v, "yes") || !strcmp(v, "true"))
                rc->pending = 1;
            else if (!strcmp(v, "no") || !strcmp(v, "false"))
                rc->pending = 0;
            else
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: pending must be yes or no", ln);
        } else if ((v = kv(tok[i], "accepts"))) {
            free(rc->accepts);
            rc->accepts = NULL;
            rc->n_accepts = 0;
            if (!strcmp(v, "*")) {
                rc->accept_all = 1;
            } else if (!strcmp(v, "none") || !*v) {
                rc->accept_all = 0;
            } else {
                rc->accept_all = 0;
                if (id_list(v, &rc->accepts, &rc->n_accepts))
                    return mm_error_set(err, MM_ERR_INPUT, 0,
                                        "line %d: accepts must be *, none or comma-separated 12-digit numbers", ln);
            }
        } else {
            return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: unknown recipient field '%.40s'", ln, tok[i]);
        }
    }
    if (strcmp(rc->type, "Not") && !po->key[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: a recipient with a mailbox needs operator=NAME", ln);
    return 0;
}

static int parse_sender(sim_registry *r, char **tok, int nt, mm_error *err, int ln)
{
    if (nt < 2 || !is_id12(tok[1]))
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: sender needs a 12-digit organisation number", ln);
    if (grow((void **)&r->senders, r->n_senders, sizeof *r->senders))
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    sim_sender *s = &r->senders[r->n_senders];
    snprintf(s->id, sizeof s->id, "%s", tok[1]);
    snprintf(s->name, sizeof s->name, "Sender %s", tok[1]);
    for (int i = 2; i < nt; i++) {
        const char *v;
        if ((v = kv(tok[i], "name"))) {
            if (mm_text_copy_exact(s->name, sizeof s->name, v) || strlen(v) < 2)
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: name must be 2..256 characters", ln);
        } else {
            return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: unknown sender field '%.40s'", ln, tok[i]);
        }
    }
    r->n_senders++;
    return 0;
}

static int parse_dispatcher(sim_registry *r, char **tok, int nt, mm_error *err, int ln)
{
    if (nt < 2 || !is_id12(tok[1]))
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: dispatcher needs a 12-digit organisation number", ln);
    if (grow((void **)&r->disps, r->n_disps, sizeof *r->disps))
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    sim_dispatcher *d = &r->disps[r->n_disps];
    r->n_disps++;
    snprintf(d->id, sizeof d->id, "%s", tok[1]);
    snprintf(d->name, sizeof d->name, "Dispatcher %s", tok[1]);
    for (int i = 2; i < nt; i++) {
        const char *v;
        if ((v = kv(tok[i], "name"))) {
            if (mm_text_copy_exact(d->name, sizeof d->name, v) || strlen(v) < 2)
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: name must be 2..256 characters", ln);
        } else if ((v = kv(tok[i], "senders"))) {
            free(d->senders);
            d->senders = NULL;
            d->n_senders = 0;
            if (id_list(v, &d->senders, &d->n_senders))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: senders must be comma-separated 12-digit numbers", ln);
        } else {
            return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: unknown dispatcher field '%.40s'", ln, tok[i]);
        }
    }
    return 0;
}

/* Reads a text file line by line into cb; shared by both file formats. */
typedef int (*line_cb)(void *ctx, char **tok, int nt, int ln, mm_error *err);

static int read_lines(const char *path, line_cb cb, void *ctx, mm_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot open %s: %s", path, strerror(errno));
    char *line = malloc(SIM_LINE_MAX);
    if (!line) {
        fclose(f);
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    }
    int ln = 0, rc = 0;
    while (fgets(line, SIM_LINE_MAX, f)) {
        ln++;
        size_t n = strlen(line);
        if (n == SIM_LINE_MAX - 1 && line[n - 1] != '\n') {
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "%s line %d: longer than %d bytes", path, ln, SIM_LINE_MAX - 2);
            break;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *tok[SIM_TOKENS_MAX];
        int nt = tokenize(line, tok);
        if (nt < 0) {
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "%s line %d: unterminated quote or too many fields", path, ln);
            break;
        }
        if (nt == 0)
            continue;
        if (cb(ctx, tok, nt, ln, err)) {
            /* prefix the file name to the callback's message */
            char m[sizeof err->msg];
            snprintf(m, sizeof m, "%s", err->msg);
            snprintf(err->msg, sizeof err->msg, "%.200s: %.300s", path, m);
            rc = -1;
            break;
        }
    }
    if (!rc && ferror(f))
        rc = mm_error_set(err, MM_ERR_SYSTEM, EIO, "cannot read %s", path);
    free(line);
    fclose(f);
    return rc;
}

typedef struct {
    sim_registry *r;
    pending_op *pops;
} reg_ctx;

static int registry_line(void *vctx, char **tok, int nt, int ln, mm_error *err)
{
    reg_ctx *c = vctx;
    if (!strcmp(tok[0], "operator"))
        return parse_operator(c->r, tok, nt, err, ln);
    if (!strcmp(tok[0], "recipient"))
        return parse_recipient(c->r, &c->pops, tok, nt, err, ln);
    if (!strcmp(tok[0], "sender"))
        return parse_sender(c->r, tok, nt, err, ln);
    if (!strcmp(tok[0], "dispatcher"))
        return parse_dispatcher(c->r, tok, nt, err, ln);
    return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: unknown record '%.40s'", ln, tok[0]);
}

sim_registry *sim_registry_load(const char *path, mm_error *err)
{
    reg_ctx c = {calloc(1, sizeof(sim_registry)), NULL};
    if (!c.r) {
        mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
        return NULL;
    }
    int rc = read_lines(path, registry_line, &c, err);
    for (size_t i = 0; !rc && i < c.r->n_rcps; i++) {
        if (!c.pops[i].key[0])
            continue;
        c.r->rcps[i].op = sim_registry_operator(c.r, c.pops[i].key);
        if (c.r->rcps[i].op < 0)
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "%s line %d: no operator named %s", path, c.pops[i].line,
                              c.pops[i].key);
    }
    free(c.pops);
    if (rc) {
        sim_registry_free(c.r);
        return NULL;
    }
    if (c.r->n_rcps)
        qsort(c.r->rcps, c.r->n_rcps, sizeof *c.r->rcps, cmp_rcp);
    for (size_t i = 1; i < c.r->n_rcps; i++)
        if (!strcmp(c.r->rcps[i].id, c.r->rcps[i - 1].id)) {
            /* the number is deliberately not repeated: it may be a personnummer */
            mm_error_set(err, MM_ERR_INPUT, 0, "%s: a recipient is listed twice", path);
            sim_registry_free(c.r);
            return NULL;
        }
    return c.r;
}

const sim_recipient *sim_registry_recipient(const sim_registry *r, const char *id)
{
    sim_recipient key;
    if (!r->n_rcps || strlen(id) >= sizeof key.id)
        return NULL;
    snprintf(key.id, sizeof key.id, "%s", id);
    return bsearch(&key, r->rcps, r->n_rcps, sizeof *r->rcps, cmp_rcp);
}

int sim_recipient_accepts(const sim_recipient *rc, const char *sender)
{
    if (rc->accept_all)
        return 1;
    for (size_t i = 0; i < rc->n_accepts; i++)
        if (!strcmp(rc->accepts[i], sender))
            return 1;
    return 0;
}

int sim_registry_may_sign(const sim_registry *r, const char *signer, const char *sender)
{
    if (!signer[0])
        return 0;
    if (!strcmp(signer, sender))
        return 1;
    for (size_t i = 0; i < r->n_disps; i++) {
        if (strcmp(r->disps[i].id, signer))
            continue;
        for (size_t j = 0; j < r->disps[i].n_senders; j++)
            if (!strcmp(r->disps[i].senders[j], sender))
                return 1;
    }
    return 0;
}

/* ---- faults ---- */

void sim_faults_free(sim_faults *f)
{
    if (!f)
        return;
    free(f->rules);
    free(f);
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int fault_line(void *vctx, char **tok, int nt, int ln, mm_error *err)
{
    sim_faults *f = vctx;
    sim_rule r;
    memset(&r, 0, sizeof r);
    r.flaky = 1.0;
    r.count = -1;
    r.line = ln;
    for (int i = 0; i < nt; i++) {
        const char *v;
        long x;
        int act = SIM_ACT_NONE;
        if (!strcmp(tok[i], "far")) {
            r.far = 1;
        } else if ((v = kv(tok[i], "op"))) {
            if (mm_text_copy_exact(r.op, sizeof r.op, v) || !*v)
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: bad operator name", ln);
        } else if ((v = kv(tok[i], "recipient"))) {
            if (!is_id12(v))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: recipient must be 12 digits", ln);
            snprintf(r.recipient, sizeof r.recipient, "%s", v);
        } else if ((v = kv(tok[i], "delay"))) {
            if (parse_long(v, 0, 600000, &x))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: delay must be 0..600000 ms", ln);
            r.delay_ms = x;
        } else if ((v = kv(tok[i], "http"))) {
            if (parse_long(v, 400, 599, &x))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: http must be a status 400..599", ln);
            r.http_status = (int)x;
            act = SIM_ACT_HTTP;
        } else if ((v = kv(tok[i], "fault"))) {
            if (parse_long(v, 1, 9998, &x))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: fault must be an ErrorCode 1..9998", ln);
            r.fault_code = (int)x;
            act = SIM_ACT_FAULT;
        } else if ((v = kv(tok[i], "description"))) {
            if (mm_text_copy_exact(r.description, sizeof r.description, v))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: description too long", ln);
        } else if (!strcmp(tok[i], "drop")) {
            act = SIM_ACT_DROP;
        } else if (!strcmp(tok[i], "refuse-tls")) {
            act = SIM_ACT_REFUSE_TLS;
        } else if (!strcmp(tok[i], "not-delivered")) {
            act = SIM_ACT_NOT_DELIVERED;
        } else if ((v = kv(tok[i], "answer-recipient"))) {
            if (!is_id12(v))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: answer-recipient must be 12 digits", ln);
            snprintf(r.answer_recipient, sizeof r.answer_recipient, "%s", v);
            act = SIM_ACT_ANSWER_RECIPIENT;
        } else if ((v = kv(tok[i], "flaky"))) {
            char *end;
            errno = 0;
            double p = strtod(v, &end);
            if (errno || end == v || *end || !(p >= 0.0 && p <= 1.0))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: flaky must be a probability 0..1", ln);
            r.flaky = p;
        } else if ((v = kv(tok[i], "count"))) {
            if (parse_long(v, 0, 1000000000L, &x))
                return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: count must be a number >= 0", ln);
            r.count = x;
        } else {
            return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: unknown fault field '%.40s'", ln, tok[i]);
        }
        if (act != SIM_ACT_NONE) {
            if (r.action != SIM_ACT_NONE)
                return mm_error_set(err, MM_ERR_INPUT, 0,
                                    "line %d: only one of http=, fault=, drop, refuse-tls, not-delivered per rule", ln);
            r.action = act;
        }
    }
    if (r.action == SIM_ACT_NONE && r.delay_ms == 0)
        return mm_error_set(err, MM_ERR_INPUT, 0,
                            "line %d: a rule needs delay=, http=, fault=, drop, refuse-tls or not-delivered", ln);
    if ((r.action == SIM_ACT_NOT_DELIVERED || r.action == SIM_ACT_ANSWER_RECIPIENT) && r.far)
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: %s is an operator answer, not for far", ln,
                            r.action == SIM_ACT_NOT_DELIVERED ? "not-delivered" : "answer-recipient");
    if (r.far && r.op[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: a rule is either for far or for op=NAME", ln);
    if (r.action == SIM_ACT_REFUSE_TLS && r.recipient[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: refuse-tls works per operator or for far, not per recipient", ln);
    if (r.action == SIM_ACT_REFUSE_TLS && !r.far && !r.op[0])
        return mm_error_set(err, MM_ERR_INPUT, 0, "line %d: refuse-tls needs far or op=NAME", ln);
    if (grow((void **)&f->rules, f->n, sizeof *f->rules))
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    f->rules[f->n++] = r;
    return 0;
}

sim_faults *sim_faults_load(const char *path, mm_error *err)
{
    sim_faults *f = calloc(1, sizeof *f);
    if (!f) {
        mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
        return NULL;
    }
    if (read_lines(path, fault_line, f, err)) {
        sim_faults_free(f);
        return NULL;
    }
    return f;
}

int sim_faults_have_refuse_tls(const sim_faults *f)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (f->rules[i].action == SIM_ACT_REFUSE_TLS)
            return 1;
    return 0;
}

/* ---- duplicate set: open addressing, FNV-1a ---- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static int set_insert(char **slots, size_t cap, char *key)
{
    size_t i = fnv1a(key) & (cap - 1);
    while (slots[i]) {
        if (!strcmp(slots[i], key))
            return 1;
        i = (i + 1) & (cap - 1);
    }
    slots[i] = key;
    return 0;
}

int sim_set_add(sim_set *s, const char *key)
{
    if ((s->used + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        char **ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                set_insert(ns, ncap, s->slots[i]);
        free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    size_t i = fnv1a(key) & (s->cap - 1);
    while (s->slots[i]) {
        if (!strcmp(s->slots[i], key))
            return 1;
        i = (i + 1) & (s->cap - 1);
    }
    char *k = strdup(key);
    if (!k)
        return -1;
    s->slots[i] = k;
    s->used++;
    return 0;
}

void sim_set_free(sim_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    s->slots = NULL;
    s->cap = s->used = 0;
}
