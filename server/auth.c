/* SPDX-License-Identifier: EUPL-1.2 */
/* Who may do what (see auth.h): the principals and the one rules table. */
#include <stdio.h>
#include <string.h>

#include "auth.h"

/* How far a rule reaches. */
enum {
    NO,     /* never */
    ANY,    /* any job, or the action on no job */
    CLIENT, /* jobs this certificate submitted (job->client) */
    USER,   /* jobs printed under this person's login (job->user) */
    PAPER,  /* the print room's letters: on paper, or an open exception */
};

/* The rows of the table: one per kind of principal, persons by role. */
enum { R_WORKSTATION, R_ADMIN, R_HANDLAGGARE, R_UTSKRIFT, R_PERSON_ADMIN, R_STATISTIK, R_COUNT };

/* The model of doc/api.md "Who may do what", and nowhere else.  A list
 * (LIST, SEE_EXCEPTIONS) allowed here is then filtered row by row with
 * READ, so a list never shows a job its reader could not open. */
static const unsigned char rules[R_COUNT][SRV_ACT_COUNT] = {
    /*                 SUBMIT READ    LIST COMPLETE CANCEL  CANCEL_OWN RESOLVE SEE_EXC PRECHECK METRICS USERS
     *                 PRINTROOM POST STATS */
    [R_WORKSTATION] = {ANY, CLIENT, ANY, CLIENT, CLIENT, CLIENT, NO, ANY, ANY, ANY, NO, NO, NO, NO},
    [R_ADMIN] = {ANY, ANY, ANY, ANY, ANY, CLIENT, ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY},
    /* A handläggare resolves the exceptions of their own letters ("Att
     * hantera", issue 11): RESOLVE is USER. */
    [R_HANDLAGGARE] = {NO, USER, ANY, USER, USER, NO, USER, ANY, ANY, ANY, NO, NO, NO, NO},
    /* The print room posts and reprints paper letters; it sees no statistics. */
    [R_UTSKRIFT] = {NO, PAPER, ANY, NO, NO, NO, PAPER, ANY, NO, ANY, NO, ANY, PAPER, NO},
    /* USERS: accounts are the admin tool's (its certificate), not a web session's. */
    [R_PERSON_ADMIN] = {NO, ANY, ANY, ANY, ANY, NO, ANY, ANY, ANY, ANY, NO, ANY, ANY, ANY},
    /* Counts only: no letter, no list, no person (issue 12). */
    [R_STATISTIK] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, ANY, NO, NO, NO, ANY},
};

static int row_of(const srv_principal *p)
{
    switch (p->kind) {
    case SRV_PRINCIPAL_WORKSTATION: return R_WORKSTATION;
    case SRV_PRINCIPAL_ADMIN: return R_ADMIN;
    case SRV_PRINCIPAL_PERSON:
        switch (p->role) {
        case SRV_ROLE_HANDLAGGARE: return R_HANDLAGGARE;
        case SRV_ROLE_UTSKRIFT: return R_UTSKRIFT;
        case SRV_ROLE_ADMIN: return R_PERSON_ADMIN;
        case SRV_ROLE_STATISTIK: return R_STATISTIK;
        case SRV_ROLE_NONE: return -1;
        }
        return -1;
    case SRV_PRINCIPAL_NONE: return -1;
    }
    return -1;
}

int srv_may(const srv *s, const srv_principal *p, srv_action action, const srv_job *job)
{
    (void)s;
    int row = p && p->name[0] ? row_of(p) : -1;
    if (row < 0 || (unsigned)action >= SRV_ACT_COUNT)
        return 0;
    switch (rules[row][action]) {
    case ANY: return 1;
    case CLIENT: return job && job->client[0] && !strcmp(job->client, p->name);
    case USER: return job && job->user[0] && !strcmp(job->user, p->name);
    case PAPER: return job && (!strcmp(job->channel, "paper") || srv_job_is_exception(job));
    default: return 0;
    }
}

const char *srv_auth_list_client(const srv_principal *p)
{
    int row = p ? row_of(p) : -1;
    return row >= 0 && rules[row][SRV_ACT_READ] == CLIENT ? p->name : NULL;
}

int srv_auth_dn_cn(const char *dn, char *out, size_t size)
{
    /* Attributes are separated by unescaped commas (or '+' in a
     * multi-valued RDN); a backslash escapes the next character. */
    const char *p = dn ? dn : "";
    out[0] = 0;
    while (*p) {
        int is_cn = !strncmp(p, "CN=", 3);
        if (is_cn)
            p += 3;
        size_t n = 0;
        for (; *p && *p != ',' && *p != '+'; p++) {
            if (*p == '\\' && p[1])
                p++;
            if (is_cn) {
                if (n + 1 >= size) {
                    out[0] = 0;
                    return -1;
                }
                out[n++] = *p;
            }
        }
        if (is_cn) {
            out[n] = 0;
            return n ? 0 : -1;
        }
        if (*p)
            p++;
    }
    return -1;
}

int srv_auth_cn_listed(const char *list, const char *cn)
{
    size_t n = strlen(cn);
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if ((size_t)(t - p) == n && n && !strncmp(p, cn, n))
            return 1;
        p = e;
    }
    return 0;
}

void srv_auth_certificate(const srv *s, const char *dn, srv_principal *p)
{
    memset(p, 0, sizeof *p);
    if (!dn || !dn[0] || strlen(dn) >= sizeof p->name)
        return;
    char cn[256];
    if (srv_auth_dn_cn(dn, cn, sizeof cn))
        cn[0] = 0;
    p->kind = cn[0] && srv_auth_cn_listed(s->conf.admin_allow, cn) ? SRV_PRINCIPAL_ADMIN : SRV_PRINCIPAL_WORKSTATION;
    snprintf(p->name, sizeof p->name, "%s", dn);
    snprintf(p->actor, sizeof p->actor, "%s", dn);
}

void srv_auth_person(const char *login, srv_role role, srv_principal *p)
{
    memset(p, 0, sizeof *p);
    if (!login || !login[0] || strlen(login) >= sizeof p->name || role == SRV_ROLE_NONE)
        return;
    p->kind = SRV_PRINCIPAL_PERSON;
    p->role = role;
    snprintf(p->name, sizeof p->name, "%s", login);
    /* "person:" keeps a login apart from a certificate's DN and from
     * the server's own "mmprintd" in the journal. */
    snprintf(p->actor, sizeof p->actor, "person:%s", login);
}

srv_role srv_auth_role(const char *name)
{
    static const struct {
        const char *name;
        srv_role role;
    } roles[] = {{"handläggare", SRV_ROLE_HANDLAGGARE}, {"handlaggare", SRV_ROLE_HANDLAGGARE},
                 {"utskrift", SRV_ROLE_UTSKRIFT},       {"admin", SRV_ROLE_ADMIN},
                 {"statistik", SRV_ROLE_STATISTIK}};
    for (size_t i = 0; name && i < sizeof roles / sizeof roles[0]; i++)
        if (!strcmp(name, roles[i].name))
            return roles[i].role;
    return SRV_ROLE_NONE;
}
