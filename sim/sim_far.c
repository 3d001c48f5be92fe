/* SPDX-License-Identifier: EUPL-1.2 */
/* mmsimd's FaR: Recipient v3 (isReachable, isRegistered) answered from the
 * registry, with refuse-tls rules handing out the refusing listener, and
 * Authority (getSenders, getDispatchers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "idnum.h"
#include "soap.h"
#include "sim.h"
#include "sim_request.h"
#include "xmlutil.h"

/* A FaR call carries at most this many recipients (spec §3.2). */
#define SIM_REACH_MAX 1000

static void service_address(sim_state *st, const sim_registry *reg, int op, int refuse, mm_buf *out)
{
    mm_buf_puts(out, refuse && st->refuse_url[0] ? st->refuse_url : st->base_url);
    mm_buf_puts(out, "/op/");
    mm_buf_puts(out, reg->ops[op].key);
    mm_buf_puts(out, "/Service/v3");
}

/* The content of an rcp:AccountStatus, wrapped in <rcp:AccountStatus> when
 * wrap (isReachable) or bare (isRegistered returns the type directly);
 * refuse[] holds per-operator refuse-tls decisions. */
static void account_status(sim_state *st, const sim_registry *reg, const char *id, const int *refuse, int wrap,
                           mm_buf *b)
{
    const sim_recipient *rc = sim_registry_recipient(reg, id);
    mm_buf_printf(b, "%s<rcp:RecipientId>%s</rcp:RecipientId>", wrap ? "<rcp:AccountStatus>" : "", id);
    if (!rc || !strcmp(rc->type, "Not") || rc->op < 0) {
        mm_buf_printf(b, "<rcp:Type>Not</rcp:Type><rcp:Pending>false</rcp:Pending>%s", wrap ? "</rcp:AccountStatus>" : "");
        return;
    }
    const sim_operator *o = &reg->ops[rc->op];
    mm_buf_printf(b, "<rcp:Type>%s</rcp:Type><rcp:Pending>%s</rcp:Pending><rcp:ServiceSupplier><rcp:Id>%s</rcp:Id><rcp:Name>",
                  rc->type, rc->pending ? "true" : "false", o->id);
    mm_xml_escape(b, o->name);
    mm_buf_puts(b, "</rcp:Name><rcp:ServiceAdress>");
    mm_buf tmp = MM_BUF_INIT;
    service_address(st, reg, rc->op, refuse ? refuse[rc->op] : 0, &tmp);
    mm_xml_escape(b, tmp.data ? tmp.data : "");
    mm_buf_free(&tmp);
    mm_buf_printf(b, "</rcp:ServiceAdress><rcp:InternalServiceAdress></rcp:InternalServiceAdress></rcp:ServiceSupplier>%s",
                  wrap ? "</rcp:AccountStatus>" : "");
}

void sim_far_recipient(sim_state *st, xmlNodePtr op, sim_reply *rp)
{
    int reach = mm_xml_is(op, MM_NS_RCP3, "isReachable");
    int registered = mm_xml_is(op, MM_NS_RCP3, "isRegistered");
    if (!reach && !registered) {
        sim_log_add(rp, "Recipient/%s", op->name);
        sim_reply_fault(rp, 5001, "operation %.60s is not offered by this simulator (isReachable, isRegistered)",
                    (const char *)op->name);
        return;
    }
    sim_log_add(rp, "%s", reach ? "isReachable" : "isRegistered");
    /* Count before validating so that too many ids gives 5005, not 5001. */
    xmlNodePtr first;
    size_t n = (size_t)mm_xml_count(op, MM_NS_RCP3, "recipientId", &first);
    if (reach && n > SIM_REACH_MAX) {
        sim_reply_fault(rp, 5005, "max exceeded: %zu recipientId in one isReachable, at most %d", n, SIM_REACH_MAX);
        return;
    }
    char (*ids)[SIM_ID_LEN] = calloc(n ? n : 1, sizeof *ids);
    if (!ids) {
        sim_reply_fault(rp, 0, "out of memory");
        return;
    }
    size_t k = 0;
    for (xmlNodePtr c = first; c; c = xmlNextElementSibling(c))
        if (mm_xml_is(c, MM_NS_RCP3, "recipientId")) {
            xmlChar *t = xmlNodeGetContent(c);
            if (t && strlen((const char *)t) < SIM_ID_LEN)
                snprintf(ids[k], SIM_ID_LEN, "%s", (const char *)t);
            xmlFree(t);
            k++;
        }
    char sender[SIM_ID_LEN];
    sim_child_text(op, MM_NS_RCP3, "senderOrgNr", sender, sizeof sender);
    sim_log_add(rp, " n=%zu", n);
    if (n) {
        char m[16];
        mm_idnum_mask(ids[0], m);
        sim_log_add(rp, " first=%s", m);
    }

    sim_rule rule;
    pthread_rwlock_rdlock(&st->lock);
    int hit = sim_fault_pick(st, 1, NULL, ids, n, 0, &rule);
    pthread_rwlock_unlock(&st->lock);
    if (hit && sim_fault_apply(&rule, rp)) {
        free(ids);
        return;
    }

    char why[320];
    if (sim_validate(st->rcp_schema, op, why, sizeof why)) {
        sim_reply_fault(rp, 5001, "invalid input: %s", why);
        free(ids);
        return;
    }

    mm_buf *b = &rp->body;
    mm_buf_reset(b);
    pthread_rwlock_rdlock(&st->lock);
    const sim_registry *reg = st->reg;
    int *refuse = calloc(reg->n_ops ? reg->n_ops : 1, sizeof *refuse);
    if (refuse && reach) {
        /* refuse-tls for an operator: hand out the refusing listener as its
         * ServiceAdress; one decision (and one count) per operator per call */
        for (size_t i = 0; i < reg->n_ops; i++) {
            int used = 0;
            for (size_t j = 0; j < n && !used; j++) {
                const sim_recipient *rc = sim_registry_recipient(reg, ids[j]);
                used = rc && rc->op == (int)i;
            }
            if (used && sim_fault_pick(st, 0, reg->ops[i].key, NULL, 0, 1, &rule)) {
                refuse[i] = 1;
                sim_log_add(rp, " refuse-tls=%s", reg->ops[i].key);
            }
        }
    }
    mm_buf_puts(b, SIM_ENV_OPEN);
    mm_buf_printf(b, "<rcp3:%s xmlns:rcp3=\"" MM_NS_RCP3 "\" xmlns:rcp=\"" MM_NS_RCP "\">",
                  reach ? "isReachableResponse" : "isRegisteredResponse");
    size_t secure = 0;
    for (size_t j = 0; j < n; j++) {
        const sim_recipient *rc = sim_registry_recipient(reg, ids[j]);
        mm_buf_puts(b, "<rcp3:return>");
        account_status(st, reg, ids[j], refuse, reach, b);
        if (reach) {
            int acc = rc && strcmp(rc->type, "Not") && rc->op >= 0 && sim_recipient_accepts(rc, sender);
            mm_buf_printf(b, "<rcp:SenderAccepted>%s</rcp:SenderAccepted>", acc ? "true" : "false");
        }
        mm_buf_puts(b, "</rcp3:return>");
        if (rc && !strcmp(rc->type, "Secure"))
            secure++;
    }
    pthread_rwlock_unlock(&st->lock);
    free(refuse);
    mm_buf_printf(b, "</rcp3:%s>" SIM_ENV_CLOSE, reach ? "isReachableResponse" : "isRegisteredResponse");
    rp->status = 200;
    rp->content_type = "text/xml; charset=UTF-8";
    sim_log_add(rp, " ok secure=%zu", secure);
    free(ids);
}

void sim_far_authority(sim_state *st, xmlNodePtr op, sim_reply *rp)
{
    int senders = mm_xml_is(op, MM_NS_AUTH, "getSenders");
    int disps = mm_xml_is(op, MM_NS_AUTH, "getDispatchers");
    sim_log_add(rp, "Authority/%.60s", (const char *)op->name);
    if (senders || disps)
        rp->auth_op = senders ? "getSenders" : "getDispatchers";
    sim_rule rule;
    pthread_rwlock_rdlock(&st->lock);
    int hit = sim_fault_pick(st, 1, NULL, NULL, 0, 0, &rule);
    pthread_rwlock_unlock(&st->lock);
    if (hit && sim_fault_apply(&rule, rp))
        return;
    /* The WSDL's inline schema is not a file we can compile, so Authority
     * requests are checked structurally: known operation, no arguments. */
    if (!senders && !disps) {
        sim_reply_fault(rp, 5001, "operation %.60s is not offered by this simulator (getSenders, getDispatchers)",
                    (const char *)op->name);
        return;
    }
    for (xmlNodePtr c = op->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE ||
            (c->type == XML_TEXT_NODE && c->content && strspn((const char *)c->content, " \t\r\n") !=
                                                            strlen((const char *)c->content))) {
            sim_reply_fault(rp, 5001, "invalid input: %s takes no arguments", senders ? "getSenders" : "getDispatchers");
            return;
        }
    mm_buf *b = &rp->body;
    mm_buf_reset(b);
    mm_buf_puts(b, SIM_ENV_OPEN);
    pthread_rwlock_rdlock(&st->lock);
    const sim_registry *reg = st->reg;
    if (senders) {
        mm_buf_puts(b, "<auth:getSendersResponse xmlns:auth=\"" MM_NS_AUTH "\" xmlns:snd=\"" MM_NS_SND "\">");
        for (size_t i = 0; i < reg->n_senders; i++) {
            mm_buf_printf(b, "<return><snd:Id>%s</snd:Id><snd:Name>", reg->senders[i].id);
            mm_xml_escape(b, reg->senders[i].name);
            mm_buf_puts(b, "</snd:Name></return>");
        }
        mm_buf_puts(b, "</auth:getSendersResponse>");
        sim_log_add(rp, " ok senders=%zu", reg->n_senders);
    } else {
        mm_buf_puts(b, "<auth:getDispatchersResponse xmlns:auth=\"" MM_NS_AUTH "\" xmlns:disp=\"" MM_NS_DISP "\">");
        for (size_t i = 0; i < reg->n_disps; i++) {
            mm_buf_printf(b, "<return><disp:Id>%s</disp:Id><disp:Name>", reg->disps[i].id);
            mm_xml_escape(b, reg->disps[i].name);
            mm_buf_puts(b, "</disp:Name>");
            for (size_t j = 0; j < reg->disps[i].n_senders; j++)
                mm_buf_printf(b, "<disp:Senders>%s</disp:Senders>", reg->disps[i].senders[j]);
            mm_buf_puts(b, "</return>");
        }
        mm_buf_puts(b, "</auth:getDispatchersResponse>");
        sim_log_add(rp, " ok dispatchers=%zu", reg->n_disps);
    }
    pthread_rwlock_unlock(&st->lock);
    mm_buf_puts(b, SIM_ENV_CLOSE);
    rp->status = 200;
    rp->content_type = "text/xml; charset=UTF-8";
}
