/* SPDX-License-Identifier: EUPL-1.2 */
/* "Nyttomodell" (GET /nyttomodell, srv_may SRV_ACT_STATS): the pre-study's
 * benefit model (lib/model.h) with every input editable as a GET form (the
 * keys of `mmctl model`'s FILE are the field names, so a URL and a FILE
 * say the same), the three scenarios' net present value and payback and
 * their years as tables; next to it the organisation's realised figures of
 * the last 12 months from the statistics (stats.h) and a link that puts
 * them into the model, by the rule `mmctl model --from-stats` follows
 * (mm_model_use_measured).  A refused input is said in Swedish next to its
 * field (aria-describedby) and in a summary; the page then answers 400 and
 * computes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "model.h"
#include "stats.h"
#include "text.h"
#include "web.h"

/* The form's fields: the model's keys with their Swedish labels, hints and
 * fieldsets, in the order they are shown. */
static const struct {
    const char *key, *label, *hint;
    int group; /* index into groups[] */
} fields[] = {
    {"decisions", "Digitala beslut per år", "Ett heltal per år, åtskilda med mellanslag: år 1, år 2 …", 0},
    {"paper_cost", "Porto och material per pappersbrev (kr)", NULL, 1},
    {"digital_cost", "Kostnad per digitalt meddelande (kr)", "Räknas per digitalt beslut.", 1},
    {"minutes_saved", "Sparad arbetstid per brev (minuter)", NULL, 1},
    {"hourly_rate", "Timkostnad (kr per timme)", NULL, 1},
    {"security_value", "Säkerhetsvärde per digitalt beslut (kr)", "Avgiften för rekommenderat brev.", 1},
    {"letters_per_decision", "Brev som ett digitalt beslut ersätter", NULL, 1},
    {"operation_cost", "Drift (kr per år)", NULL, 2},
    {"contract_cost", "Avtal och upphandling (kr, år 1)", NULL, 2},
    {"licence_cost", "Licens (kr, år 1)", NULL, 2},
    {"project_cost", "Projekt (kr, år 1)", NULL, 2},
    {"eservice_cost", "Paketering av e-tjänsten (kr, år 1)", NULL, 2},
    {"marketing_cost", "Marknadsföring (kr, år 1)", NULL, 2},
    {"discount_rate", "Kalkylränta (procent)", "År 1 diskonteras inte.", 3},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *const groups[] = {"Digitala beslut", "Värden per brev och beslut", "Kostnader", "Kalkylränta"};

static const char *const scenario_sv[MM_MODEL_SCENARIOS] = {
    "Scenario 1: porto", "Scenario 2: porto och effektivare process", "Scenario 3: porto och säkerhetsvärde"};

/* What the form said: each field's text as typed (shown back) and its problem. */
typedef struct {
    char text[NFIELDS][400];
    mm_model_problem why[NFIELDS];
    int bad;
} form;

/* Reads every field from the query into in (over the defaults). */
static void read_form(srv_web_req *rq, mm_model_inputs *in, form *f)
{
    memset(f, 0, sizeof *f);
    mm_model_defaults(in);
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, fields[i].key);
        if (v) {
            /* Too long to be a value, or not text: refused rather than cut
             * (and not shown back when it is no UTF-8). */
            int usable = strlen(v) < sizeof f->text[i] && mm_text_utf8_valid(v);
            if (mm_text_utf8_valid(v))
                mm_text_copy_trimmed(f->text[i], sizeof f->text[i], v);
            f->why[i] = !usable ? (fields[i].group ? MM_MODEL_BAD_AMOUNT : MM_MODEL_BAD_DECISIONS)
                                : mm_model_set(in, fields[i].key, f->text[i], NULL);
            if (f->why[i] != MM_MODEL_OK)
                f->bad++;
        } else {
            mm_model_format(in, fields[i].key, f->text[i], sizeof f->text[i]);
        }
    }
}

static const char *problem_sv(mm_model_problem why)
{
    switch (why) {
    case MM_MODEL_EMPTY: return srv_sv(SRV_SV_MODEL_EMPTY);
    case MM_MODEL_BAD_RATE: return srv_sv(SRV_SV_MODEL_BAD_RATE);
    case MM_MODEL_BAD_DECISIONS: return srv_sv(SRV_SV_MODEL_BAD_DECISIONS);
    default: return srv_sv(SRV_SV_MODEL_BAD_AMOUNT);
    }
}

/* n kronor as whole kronor with a space (no-break) between thousands. */
static void kr(mm_buf *b, double v)
{
    char digits[400], out[600];
    snprintf(digits, sizeof digits, "%.0f", v);
    const char *d = digits;
    size_t o = 0;
    if (*d == '-') {
        out[o++] = '-';
        d++;
    }
    size_t n = strlen(d);
    for (size_t i = 0; i < n && o + 3 < sizeof out; i++) {
        if (i && (n - i) % 3 == 0) {
            out[o++] = '\xc2'; /* U+00A0 */
            out[o++] = '\xa0';
        }
        out[o++] = d[i];
    }
    out[o] = 0;
    srv_html_esc(b, strcmp(out, "-0") ? out : "0");
}

/* A payback in years with a decimal comma ("4,2 år"), or "inte inom N år". */
static void years_sv(mm_buf *b, double v, int years)
{
    char t[64];
    if (v == MM_MODEL_NO_PAYBACK) {
        snprintf(t, sizeof t, "inte inom %d år", years);
    } else {
        snprintf(t, sizeof t, "%.1f år", v);
        char *dot = strchr(t, '.');
        if (dot)
            *dot = ',';
    }
    srv_html_esc(b, t);
}

static void put_field(mm_buf *b, const form *f, size_t i)
{
    const char *k = fields[i].key;
    srv_html_raw(b, "<p class=\"falt\"><label for=\"");
    srv_html_raw(b, k);
    srv_html_raw(b, "\">");
    srv_html_esc(b, fields[i].label);
    srv_html_raw(b, "</label>\n");
    if (fields[i].hint) {
        srv_html_raw(b, "<span class=\"hjalp\" id=\"");
        srv_html_raw(b, k);
        srv_html_raw(b, "-hjalp\">");
        srv_html_esc(b, fields[i].hint);
        srv_html_raw(b, "</span>\n");
    }
    srv_html_raw(b, "<input type=\"text\" id=\"");
    srv_html_raw(b, k);
    srv_html_raw(b, "\" name=\"");
    srv_html_raw(b, k);
    /* decisions: a list, as wide as the form; the rest amounts */
    srv_html_raw(b, i ? "\" inputmode=\"decimal\"" : "\" class=\"bred\"");
    if (f->why[i] != MM_MODEL_OK || fields[i].hint) {
        srv_html_raw(b, " aria-describedby=\"");
        if (fields[i].hint) {
            srv_html_raw(b, k);
            srv_html_raw(b, "-hjalp");
        }
        if (f->why[i] != MM_MODEL_OK) {
            srv_html_raw(b, fields[i].hint ? " " : "");
            srv_html_raw(b, k);
            srv_html_raw(b, "-fel\" aria-invalid=\"true");
        }
        srv_html_raw(b, "\"");
    }
    srv_html_raw(b, " value=\"");
    srv_html_esc(b, f->text[i]);
    srv_html_raw(b, "\">\n");
    if (f->why[i] != MM_MODEL_OK) {
        srv_html_raw(b, "<span class=\"fel\" id=\"");
        srv_html_raw(b, k);
        srv_html_raw(b, "-fel\">");
        srv_html_esc(b, problem_sv(f->why[i]));
        srv_html_raw(b, "</span>\n");
    }
    srv_html_raw(b, "</p>\n");
}

/* The refused fields, first on the page. */
static void put_summary(mm_buf *b, const form *f)
{
    if (f->bad) {
        /* The summary links each refused field (GOV.UK's error summary). */
        srv_html_raw(b, "<div class=\"felsammanfattning\" role=\"alert\" id=\"fel\">\n<p>");
        srv_html_esc(b, srv_sv(SRV_SV_MODEL_FIX));
        srv_html_raw(b, "</p>\n<ul>\n");
        for (size_t i = 0; i < NFIELDS; i++) {
            if (f->why[i] == MM_MODEL_OK)
                continue;
            srv_html_raw(b, "<li><a href=\"#");
            srv_html_raw(b, fields[i].key);
            srv_html_raw(b, "\">");
            srv_html_esc(b, fields[i].label);
            srv_html_raw(b, ": ");
            srv_html_esc(b, problem_sv(f->why[i]));
            srv_html_raw(b, "</a></li>\n");
        }
        srv_html_raw(b, "</ul>\n</div>\n");
    }
}

static void put_form(mm_buf *b, const form *f)
{
    srv_html_raw(b, "<h2 id=\"varden-rubrik\">Modellens värden</h2>\n"
                    "<form method=\"get\" action=\"/nyttomodell\" class=\"modellform\" aria-labelledby=\"varden-rubrik\">\n");
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        srv_html_raw(b, "<fieldset>\n<legend>");
        srv_html_esc(b, groups[g]);
        srv_html_raw(b, "</legend>\n");
        for (size_t i = 0; i < NFIELDS; i++)
            if (fields[i].group == (int)g)
                put_field(b, f, i);
        srv_html_raw(b, "</fieldset>\n");
    }
    srv_html_raw(b, "<p class=\"knappar\"><button type=\"submit\">Beräkna</button> "
                    "<a href=\"/nyttomodell\">Återställ förstudiens värden</a></p>\n</form>\n");
}

static void th_col(mm_buf *b, const char *text)
{
    srv_html_raw(b, "<th scope=\"col\">");
    srv_html_esc(b, text);
    srv_html_raw(b, "</th>");
}

static void td_kr(mm_buf *b, double v)
{
    srv_html_raw(b, "<td class=\"belopp\">");
    kr(b, v);
    srv_html_raw(b, "</td>");
}

static void put_results(mm_buf *b, const mm_model_inputs *in, const mm_model_result *r)
{
    char rate[32];
    mm_model_format(in, "discount_rate", rate, sizeof rate);
    for (char *p = rate; *p; p++)
        if (*p == '.')
            *p = ',';
    srv_html_raw(b, "<h2>Resultat</h2>\n<table id=\"scenarier\">\n<caption>Nuvärde och återbetalningstid per "
                    "scenario (kalkylränta ");
    srv_html_esc(b, rate);
    srv_html_raw(b, " %)</caption>\n<thead><tr>");
    th_col(b, "Scenario");
    th_col(b, "Nuvärde (kr)");
    th_col(b, "Återbetalningstid");
    th_col(b, "Diskonterad återbetalningstid");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    for (int s = 0; s < MM_MODEL_SCENARIOS; s++) {
        const mm_model_scenario *sc = &r->scenario[s];
        srv_html_raw(b, "<tr><th scope=\"row\">");
        srv_html_esc(b, scenario_sv[s]);
        srv_html_raw(b, "</th>");
        td_kr(b, sc->npv);
        srv_html_raw(b, "<td>");
        years_sv(b, sc->payback, r->years);
        srv_html_raw(b, "</td><td>");
        years_sv(b, sc->discounted_payback, r->years);
        srv_html_raw(b, "</td></tr>\n");
    }
    srv_html_raw(b, "</tbody>\n</table>\n");
    for (int s = 0; s < MM_MODEL_SCENARIOS; s++) {
        const mm_model_scenario *sc = &r->scenario[s];
        char id[32];
        snprintf(id, sizeof id, "scenario-%d", s + 1);
        srv_html_raw(b, "<table id=\"");
        srv_html_raw(b, id);
        srv_html_raw(b, "\">\n<caption>");
        srv_html_esc(b, scenario_sv[s]);
        srv_html_raw(b, ", per år (kr)</caption>\n<thead><tr>");
        th_col(b, "År");
        th_col(b, "Digitala beslut");
        th_col(b, "Nytta");
        th_col(b, "Kostnader");
        th_col(b, "Netto");
        th_col(b, "Diskonterat netto");
        th_col(b, "Ackumulerat netto");
        srv_html_raw(b, "</tr></thead>\n<tbody>\n");
        for (int y = 0; y < r->years; y++) {
            const mm_model_year *yr = &sc->year[y];
            char n[16];
            snprintf(n, sizeof n, "%d", y + 1);
            srv_html_raw(b, "<tr><th scope=\"row\">");
            srv_html_esc(b, n);
            srv_html_raw(b, "</th>");
            td_kr(b, yr->decisions);
            td_kr(b, yr->benefits);
            td_kr(b, yr->costs);
            td_kr(b, yr->net);
            td_kr(b, yr->discounted);
            td_kr(b, yr->cumulative);
            srv_html_raw(b, "</tr>\n");
        }
        srv_html_raw(b, "</tbody>\n</table>\n");
    }
}

/* Appends v URL-encoded for a query (digits, '.', letters stay; the rest %XX). */
static void url_value(mm_buf *b, const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        char hex[4];
        if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '.' ||
            *p == '_' || *p == '-') {
            mm_buf_append(b, (const char *)p, 1);
        } else {
            snprintf(hex, sizeof hex, "%%%02X", *p);
            mm_buf_puts(b, hex);
        }
    }
}

static void realised_row(mm_buf *b, const char *label, double v)
{
    srv_html_raw(b, "<tr><th scope=\"row\">");
    srv_html_esc(b, label);
    srv_html_raw(b, "</th>");
    td_kr(b, v);
    srv_html_raw(b, "</tr>\n");
}

/* The organisation's realised figures beside the model, and a link that
 * computes the model from them: the server's unit values and the measured
 * digital decisions per year as year 1 (mm_model_use_measured), the rest of
 * in as the form has it -- what `mmctl model --from-stats` does. */
static void put_realised(srv_web_req *rq, mm_buf *b, const mm_model_inputs *in)
{
    srv_stats_result r;
    mm_error err;
    int64_t from_ms = 0, to_ms = 0, now_ms = srv_now_ms();
    char from_day[11], to_day[11];
    mm_error_clear(&err);
    srv_html_raw(b, "<section class=\"utfall\" aria-labelledby=\"utfall-rubrik\">\n"
                    "<h2 id=\"utfall-rubrik\">Utfall</h2>\n<p>");
    srv_html_esc(b, srv_sv(SRV_SV_MODEL_REALISED_INTRO));
    srv_html_raw(b, "</p>\n");
    /* GET /api/v1/stats's default period (`mmctl model --from-stats`):
     * twelve months, this one included. */
    memset(&r, 0, sizeof r);
    if (srv_stats_period(NULL, NULL, now_ms, &from_ms, &to_ms, from_day, to_day) ||
        srv_stats_query(rq->s, from_ms, to_ms, "month", &r, &err)) {
        mm_log(MM_LOG_ERROR, "web: the statistics for %s: %s", rq->who->actor, err.msg);
        srv_html_raw(b, "<p class=\"fel\">");
        srv_html_esc(b, srv_sv(SRV_SV_MODEL_NO_STATS));
        srv_html_raw(b, "</p>\n</section>\n");
        srv_stats_free(&r);
        return;
    }
    /* Counted up over the days so far: the period ends at midnight. */
    double per_year = mm_model_per_year((double)r.totals.digital_decisions, from_ms, to_ms < now_ms ? to_ms : now_ms);
    srv_html_raw(b, "<table id=\"utfall\">\n<caption>Utfall ");
    srv_html_esc(b, r.from_month);
    srv_html_raw(b, " – ");
    srv_html_esc(b, r.to_month);
    srv_html_raw(b, "</caption>\n<thead><tr>");
    th_col(b, "Mått");
    th_col(b, "Antal eller kr");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    realised_row(b, "Skickade brev", (double)r.totals.letters);
    realised_row(b, "Digitala brev", (double)r.totals.digital);
    realised_row(b, "Digitala beslut", (double)r.totals.digital_decisions);
    realised_row(b, "Digitala beslut per år (uppräknat)", per_year);
    realised_row(b, "Sparat porto och material (kr)", r.savings.postage);
    realised_row(b, "Sparad arbetstid (kr)", r.savings.work_time);
    realised_row(b, "Säkerhetsvärde (kr)", r.savings.security);
    realised_row(b, "Realiserad nytta totalt (kr)", r.savings.total);
    srv_html_raw(b, "</tbody>\n</table>\n");

    mm_model_inputs m = *in;
    m.paper_cost = r.units.paper_cost;
    m.digital_cost = r.units.digital_cost;
    m.minutes_saved = r.units.minutes_saved;
    m.hourly_rate = r.units.hourly_rate;
    m.security_value = r.units.security_value;
    m.letters_per_decision = r.units.letters_per_decision;
    mm_model_use_measured(&m, per_year);
    mm_buf url = MM_BUF_INIT;
    mm_buf_puts(&url, "/nyttomodell");
    for (size_t i = 0; i < mm_model_key_count(); i++) {
        char v[400];
        mm_model_format(&m, mm_model_key_at(i), v, sizeof v);
        mm_buf_puts(&url, i ? "&" : "?");
        mm_buf_puts(&url, mm_model_key_at(i));
        mm_buf_puts(&url, "=");
        url_value(&url, v);
    }
    srv_html_raw(b, "<p><a id=\"fran-utfall\" href=\"");
    if (url.data)
        srv_html_esc(b, url.data);
    srv_html_raw(b, "\">Beräkna modellen med utfallet</a> (");
    srv_html_esc(b, srv_sv(SRV_SV_MODEL_FROM_REALISED));
    srv_html_raw(b, ")</p>\n</section>\n");
    mm_buf_free(&url);
    srv_stats_free(&r);
}

enum MHD_Result srv_web_get_model(srv_web_req *rq, const char *arg)
{
    (void)arg;
    mm_model_inputs in;
    mm_model_result r;
    form f;
    mm_buf b = MM_BUF_INIT;

    read_form(rq, &in, &f);
    srv_html_raw(&b, "<p>");
    srv_html_esc(&b, srv_sv(SRV_SV_MODEL_INTRO));
    /* The result first: after Beräkna the page opens on it; the inputs
     * follow to change and compute again. */
    srv_html_raw(&b, "</p>\n<div class=\"nyttomodell\">\n<section class=\"modell\" aria-label=\"Modellen\">\n");
    put_summary(&b, &f);
    if (!f.bad) {
        mm_model_compute(&in, &r);
        put_results(&b, &in, &r);
    }
    put_form(&b, &f);
    srv_html_raw(&b, "</section>\n");
    put_realised(rq, &b, &in);
    srv_html_raw(&b, "</div>\n");
    return srv_web_page(rq, f.bad ? 400 : 200, "Nyttomodell", &b);
}
