/* SPDX-License-Identifier: EUPL-1.2 */
/* Who may do what (server/auth.c): the principals a certificate or a
 * person becomes, and the rules table, action by action, for a job of
 * one's own and a job of someone else's; the per-principal rate limit of
 * the reachability precheck (server/rate.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "batch.h"
#include "rate.h"

#define DESK1 "C=SE,O=Exempelkommun,CN=desk1"
#define DESK2 "C=SE,O=Exempelkommun,CN=desk2"
#define ADMIN "C=SE,O=Exempelkommun,CN=admin"

static srv s; /* only conf.admin_allow is read */

static srv_job job(const char *client, const char *user, const char *channel, srv_jstate state)
{
    srv_job j;
    memset(&j, 0, sizeof j);
    snprintf(j.id, sizeof j.id, "00000000-0000-0000-0000-000000000001");
    snprintf(j.client, sizeof j.client, "%s", client);
    snprintf(j.user, sizeof j.user, "%s", user);
    snprintf(j.channel, sizeof j.channel, "%s", channel);
    j.state = state;
    return j;
}

static void cn_of_a_dn(void **state)
{
    (void)state;
    char cn[64];
    assert_int_equal(srv_auth_dn_cn(DESK1, cn, sizeof cn), 0);
    assert_string_equal(cn, "desk1");
    assert_int_equal(srv_auth_dn_cn("CN=Anna\\, kansliet,O=Kommun", cn, sizeof cn), 0);
    assert_string_equal(cn, "Anna, kansliet");
    /* An O= that looks like a CN is not one. */
    assert_int_equal(srv_auth_dn_cn("O=CN\\=admin,C=SE", cn, sizeof cn), -1);
    assert_string_equal(cn, "");
    assert_int_equal(srv_auth_dn_cn("plain-loopback", cn, sizeof cn), -1);
    assert_int_equal(srv_auth_dn_cn(DESK1, cn, 3), -1);
}

static void certificates_become_workstations_or_admin(void **state)
{
    (void)state;
    srv_principal p;
    snprintf(s.conf.admin_allow, sizeof s.conf.admin_allow, "ops, admin");
    srv_auth_certificate(&s, DESK1, &p);
    assert_int_equal(p.kind, SRV_PRINCIPAL_WORKSTATION);
    assert_string_equal(p.name, DESK1);
    assert_string_equal(p.actor, DESK1);
    srv_auth_certificate(&s, ADMIN, &p);
    assert_int_equal(p.kind, SRV_PRINCIPAL_ADMIN);
    /* A CN listed only as part of another name is not listed. */
    srv_auth_certificate(&s, "C=SE,CN=admin2", &p);
    assert_int_equal(p.kind, SRV_PRINCIPAL_WORKSTATION);
    srv_auth_certificate(&s, "", &p);
    assert_int_equal(p.kind, SRV_PRINCIPAL_NONE);
    s.conf.admin_allow[0] = 0;
    srv_auth_certificate(&s, ADMIN, &p);
    assert_int_equal(p.kind, SRV_PRINCIPAL_WORKSTATION); /* nobody is admin unless listed */
}

static void roles_by_name(void **state)
{
    (void)state;
    assert_int_equal(srv_auth_role("handläggare"), SRV_ROLE_HANDLAGGARE);
    assert_int_equal(srv_auth_role("handlaggare"), SRV_ROLE_HANDLAGGARE);
    assert_int_equal(srv_auth_role("utskrift"), SRV_ROLE_UTSKRIFT);
    assert_int_equal(srv_auth_role("admin"), SRV_ROLE_ADMIN);
    assert_int_equal(srv_auth_role("statistik"), SRV_ROLE_STATISTIK);
    assert_int_equal(srv_auth_role("root"), SRV_ROLE_NONE);
    srv_principal p;
    srv_auth_person("anna", SRV_ROLE_HANDLAGGARE, &p);
    assert_int_equal(p.kind, SRV_PRINCIPAL_PERSON);
    assert_string_equal(p.actor, "person:anna");
    srv_auth_person("anna", SRV_ROLE_NONE, &p);
    assert_int_equal(p.kind, SRV_PRINCIPAL_NONE);
}

/* The table of doc/api.md, row by row: "own" is a job of the principal's
 * (submitted by it, printed under its login, on paper for the print room),
 * "other" is desk2's job of user bertil that went digital. */
typedef struct {
    const char *who;
    int no_job, own, other; /* allowed? */
} expect;

static srv_principal principal(const char *who)
{
    srv_principal p;
    snprintf(s.conf.admin_allow, sizeof s.conf.admin_allow, "admin");
    if (!strcmp(who, "workstation"))
        srv_auth_certificate(&s, DESK1, &p);
    else if (!strcmp(who, "admin-tool"))
        srv_auth_certificate(&s, ADMIN, &p);
    else if (!strcmp(who, "nobody"))
        srv_auth_certificate(&s, NULL, &p);
    else
        srv_auth_person("anna", srv_auth_role(who), &p);
    return p;
}

static srv_job own_job(const char *who)
{
    if (!strcmp(who, "utskrift"))
        return job(DESK2, "bertil", "paper", SRV_JSTATE_PRINTED);
    return job(DESK1, "anna", "digital", SRV_JSTATE_NEEDS_RECIPIENT);
}

static void check_action(srv_action a, const expect *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        srv_principal p = principal(e[i].who);
        srv_job own = own_job(e[i].who), other = job(DESK2, "bertil", "digital", SRV_JSTATE_DELIVERED);
        if (srv_may(&s, &p, a, NULL) != e[i].no_job || srv_may(&s, &p, a, &own) != e[i].own ||
            srv_may(&s, &p, a, &other) != e[i].other)
            fail_msg("action %d, %s: got %d/%d/%d, want %d/%d/%d", (int)a, e[i].who, srv_may(&s, &p, a, NULL),
                     srv_may(&s, &p, a, &own), srv_may(&s, &p, a, &other), e[i].no_job, e[i].own, e[i].other);
    }
}

#define CHECK(a, ...)                                                                                  \
    do {                                                                                               \
        const expect e[] = {__VA_ARGS__};                                                              \
        check_action(a, e, sizeof e / sizeof e[0]);                                                    \
    } while (0)

static void rules_table(void **state)
{
    (void)state;
    /*                    who             no job own other */
    CHECK(SRV_ACT_READ, {"workstation", 0, 1, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 1, 0},
          {"utskrift", 0, 1, 0}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_COMPLETE, {"workstation", 0, 1, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 1, 0},
          {"utskrift", 0, 0, 0}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_CANCEL, {"workstation", 0, 1, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 1, 0},
          {"utskrift", 0, 0, 0}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    /* The CUPS notifier's cancel is only ever a certificate's own job. */
    CHECK(SRV_ACT_CANCEL_OWN, {"workstation", 0, 1, 0}, {"admin-tool", 0, 0, 0}, {"handläggare", 0, 0, 0},
          {"utskrift", 0, 0, 0}, {"admin", 0, 0, 0}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_RESOLVE, {"workstation", 0, 0, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 1, 0},
          {"utskrift", 0, 1, 0}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_SUBMIT, {"workstation", 1, 1, 1}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 0, 0},
          {"utskrift", 0, 0, 0}, {"admin", 0, 0, 0}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_LIST, {"workstation", 1, 1, 1}, {"admin-tool", 1, 1, 1}, {"handläggare", 1, 1, 1},
          {"utskrift", 1, 1, 1}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_SEE_EXCEPTIONS, {"workstation", 1, 1, 1}, {"admin-tool", 1, 1, 1}, {"handläggare", 1, 1, 1},
          {"utskrift", 1, 1, 1}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    /* Only who may send may look a recipient up in FaR. */
    CHECK(SRV_ACT_PRECHECK, {"workstation", 1, 1, 1}, {"admin-tool", 1, 1, 1}, {"handläggare", 1, 1, 1},
          {"utskrift", 0, 0, 0}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_METRICS, {"workstation", 1, 1, 1}, {"admin-tool", 1, 1, 1}, {"handläggare", 1, 1, 1},
          {"utskrift", 1, 1, 1}, {"admin", 1, 1, 1}, {"statistik", 1, 1, 1}, {"nobody", 0, 0, 0});
    /* The web portal's accounts: the admin tool's certificate alone. */
    CHECK(SRV_ACT_USERS, {"workstation", 0, 0, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 0, 0},
          {"utskrift", 0, 0, 0}, {"admin", 0, 0, 0}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    /* The print room's list and posting (issue 12): its own staff and admins. */
    CHECK(SRV_ACT_PRINTROOM, {"workstation", 0, 0, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 0, 0},
          {"utskrift", 1, 1, 1}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    CHECK(SRV_ACT_POST, {"workstation", 0, 0, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 0, 0},
          {"utskrift", 0, 1, 0}, {"admin", 1, 1, 1}, {"statistik", 0, 0, 0}, {"nobody", 0, 0, 0});
    /* Statistics: counts for management, never to the print path's certificates. */
    CHECK(SRV_ACT_STATS, {"workstation", 0, 0, 0}, {"admin-tool", 1, 1, 1}, {"handläggare", 0, 0, 0},
          {"utskrift", 0, 0, 0}, {"admin", 1, 1, 1}, {"statistik", 1, 1, 1}, {"nobody", 0, 0, 0});
}

/* An open exception is the print room's, whichever channel it was on. */
static void print_room_reads_exceptions(void **state)
{
    (void)state;
    srv_principal p = principal("utskrift");
    srv_job returned = job(DESK2, "bertil", "digital", SRV_JSTATE_RETURNED);
    assert_int_equal(srv_may(&s, &p, SRV_ACT_READ, &returned), 1);
    assert_int_equal(srv_may(&s, &p, SRV_ACT_RESOLVE, &returned), 1);
    assert_int_equal(srv_may(&s, &p, SRV_ACT_CANCEL, &returned), 0);
}

/* A batch (issue 13) is read through its view: a job of its client and
 * user.  A workstation reads its own client's, a handläggare the batches
 * printed under their own login, admins all; the print room, statistics
 * and nobody none (its paper letters reach the print room as jobs). */
static void batch_view_rules(void **state)
{
    (void)state;
    srv_batch mine, other;
    memset(&mine, 0, sizeof mine);
    snprintf(mine.id, sizeof mine.id, "00000000-0000-0000-0000-0000000000b1");
    snprintf(mine.client, sizeof mine.client, "%s", DESK1);
    snprintf(mine.user, sizeof mine.user, "anna");
    mine.state = SRV_BSTATE_HELD;
    other = mine;
    snprintf(other.client, sizeof other.client, "%s", DESK2);
    snprintf(other.user, sizeof other.user, "bertil");
    srv_job vm, vo;
    srv_batch_view(&mine, &vm);
    srv_batch_view(&other, &vo);
    assert_string_equal(vm.batch_id, mine.id);
    static const struct {
        const char *who;
        int mine, other;
    } rules[] = {{"workstation", 1, 0}, {"admin-tool", 1, 1}, {"handläggare", 1, 0}, {"admin", 1, 1},
                 {"utskrift", 0, 0},    {"statistik", 0, 0},  {"nobody", 0, 0}};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        srv_principal p = principal(rules[i].who);
        if (srv_may(&s, &p, SRV_ACT_READ, &vm) != rules[i].mine || srv_may(&s, &p, SRV_ACT_READ, &vo) != rules[i].other)
            fail_msg("%s: reading batches", rules[i].who);
        /* who may read a held batch may cancel it, as a held letter */
        if (srv_may(&s, &p, SRV_ACT_CANCEL, &vm) != (rules[i].mine && strcmp(rules[i].who, "utskrift")))
            fail_msg("%s: cancelling a held batch", rules[i].who);
    }
}

static void list_filter(void **state)
{
    (void)state;
    srv_principal w = principal("workstation"), a = principal("admin-tool"), h = principal("handläggare");
    assert_string_equal(srv_auth_list_client(&w), DESK1);
    assert_null(srv_auth_list_client(&a));
    assert_null(srv_auth_list_client(&h)); /* rows filtered by READ */
}

static void rate_limit_per_key(void **state)
{
    (void)state;
    srv_rate *r = srv_rate_new(60, 3); /* one a second, three at once */
    assert_non_null(r);
    int64_t t = 1700000000000;
    for (int i = 0; i < 3; i++)
        assert_int_equal(srv_rate_take(r, "desk1", t), 0);
    assert_int_equal(srv_rate_take(r, "desk1", t), 1);     /* wait one second */
    assert_int_equal(srv_rate_take(r, "desk2", t), 0);     /* another principal has its own */
    assert_int_equal(srv_rate_take(r, "desk1", t + 999), 1);
    assert_int_equal(srv_rate_take(r, "desk1", t + 1000), 0);
    assert_int_equal(srv_rate_take(r, "desk1", t + 1000), 1);
    /* Idle long enough: full again, but never more than the burst. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(srv_rate_take(r, "desk1", t + 3600000), 0);
    assert_true(srv_rate_take(r, "desk1", t + 3600000) > 0);
    srv_rate_free(r);

    r = srv_rate_new(1, 1); /* one a minute: the wait is in whole seconds */
    assert_int_equal(srv_rate_take(r, "x", t), 0);
    long w = srv_rate_take(r, "x", t);
    assert_true(w >= 59 && w <= 60);
    srv_rate_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cn_of_a_dn),
        cmocka_unit_test(certificates_become_workstations_or_admin),
        cmocka_unit_test(roles_by_name),
        cmocka_unit_test(rules_table),
        cmocka_unit_test(print_room_reads_exceptions),
        cmocka_unit_test(batch_view_rules),
        cmocka_unit_test(list_filter),
        cmocka_unit_test(rate_limit_per_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
