/* SPDX-License-Identifier: EUPL-1.2 */
/* Authorisation of mmprintd: who may do what, decided in one place for
 * every entrance (DESIGN "Two entrances, one set of rules"; doc/api.md
 * "Who may do what").
 *
 * A principal is whoever asks: a workstation (a client certificate), the
 * admin tool (a client certificate listed in admin_allow), or a person
 * signed in to the web pages (issue 11) with one role.  Every handler asks
 * srv_may before it acts, and the answer decides what a refusal looks
 * like: a job the principal may not even read is answered as unknown (404),
 * so nobody learns of other principals' jobs; a job it may read but not
 * change is answered 403 with a Swedish reason. */
#ifndef MMPRINTD_AUTH_H
#define MMPRINTD_AUTH_H

#include "mmprintd.h"

typedef enum {
    SRV_PRINCIPAL_NONE,        /* nobody: refused everything */
    SRV_PRINCIPAL_WORKSTATION, /* a client certificate: its own jobs */
    SRV_PRINCIPAL_ADMIN,       /* a client certificate in admin_allow: everything */
    SRV_PRINCIPAL_PERSON,      /* a person signed in, with a role */
} srv_principal_kind;

/* A person's role (from the web login, next issue). */
typedef enum {
    SRV_ROLE_NONE,
    SRV_ROLE_HANDLAGGARE, /* handläggare: the letters printed under their own login */
    SRV_ROLE_UTSKRIFT,    /* the print room: paper letters and the exception list */
    SRV_ROLE_ADMIN,       /* everything, as the admin tool */
    SRV_ROLE_STATISTIK,   /* counts only (/metrics), no letter */
} srv_role;

typedef struct {
    srv_principal_kind kind;
    srv_role role;      /* persons only */
    char name[256];     /* the certificate's subject DN, or the person's login */
    char actor[272];    /* as the journal records it: the DN, "person:LOGIN", "mmprintd" */
} srv_principal;

/* What a principal asks to do. */
typedef enum {
    SRV_ACT_SUBMIT,         /* POST /api/v1/jobs */
    SRV_ACT_READ,           /* GET a job, its journal; a row of a list */
    SRV_ACT_LIST,           /* GET /api/v1/jobs (rows then filtered by READ) */
    SRV_ACT_COMPLETE,       /* give a held job its recipient */
    SRV_ACT_CANCEL,         /* POST .../cancel */
    SRV_ACT_CANCEL_OWN,     /* a workstation's CUPS reports a cancel, by key */
    SRV_ACT_RESOLVE,        /* resolve an exception */
    SRV_ACT_SEE_EXCEPTIONS, /* GET /api/v1/exceptions (rows then filtered by READ) */
    SRV_ACT_PRECHECK,       /* GET /api/v1/reachability: a FaR lookup */
    SRV_ACT_METRICS,        /* GET /metrics: counts, no job and no person */
    SRV_ACT_USERS,          /* the web portal's local accounts: /api/v1/users, mmctl user */
    SRV_ACT_PRINTROOM,      /* the print room's list of paper letters (rows then filtered by READ) */
    SRV_ACT_POST,           /* mark a printed letter posted */
    SRV_ACT_STATS,          /* statistics and the benefit model: counts, no letter and no person */
    SRV_ACT_COUNT
} srv_action;

/* The principal of a client certificate whose subject DN the front
 * verified (RFC 4514, as GnuTLS writes it): admin when its CN is listed in
 * admin_allow, else a workstation.  NULL or "" = nobody. */
void srv_auth_certificate(const srv *s, const char *dn, srv_principal *p);
/* The principal of a person signed in as login with role. */
void srv_auth_person(const char *login, srv_role role, srv_principal *p);
/* The role of its name ("handläggare" or "handlaggare", "utskrift",
 * "admin", "statistik"), SRV_ROLE_NONE for any other. */
srv_role srv_auth_role(const char *name);

/* May p do action on job (NULL for actions on no one job)?  1 yes, 0 no.
 * Reads only; the rules table is in auth.c. */
int srv_may(const srv *s, const srv_principal *p, srv_action action, const srv_job *job);

/* The store filter of p's lists: the submitting client to select by (a
 * workstation's own jobs), or NULL (every row, then each checked with
 * SRV_ACT_READ). */
const char *srv_auth_list_client(const srv_principal *p);

/* Is cn one of list's comma-separated names (blanks around them
 * ignored)?  1 yes, 0 no ("" lists nobody).  client_allow and admin_allow. */
int srv_auth_cn_listed(const char *list, const char *cn);

/* The CN of an RFC 4514 DN ("C=SE,O=Org,CN=desk1") into out, unescaped:
 * 0, or -1 (out "") when it has none or it does not fit. */
int srv_auth_dn_cn(const char *dn, char *out, size_t size);

#endif
