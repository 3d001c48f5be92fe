/* SPDX-License-Identifier: EUPL-1.2 */
/* The portal's "Statistik" (/statistik, /statistik.csv; SRV_ACT_STATS):
 * the figures of server/stats.h for a period, as tables and as two charts
 * drawn here as inline SVG (no script, no style attribute: the CSP allows
 * neither; sizes are SVG attributes, colours classes of mmprint.css).
 * Every chart has role="img" with a title, and its figures are also in a
 * table right after it (WCAG's table alternative).  No letter and no
 * person is on the page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "text.h"
#include "web.h"

/* The query of the page: fran, till (YYYY-MM-DD) and per (by). */
typedef struct {
    const char *fran, *till, *per;
    char from_day[11], to_day[11];
    int64_t from_ms, to_ms;
} period;

static void num(mm_buf *b, long v)
{
    /* 12 345: a no-break space between thousands, as Swedish writes them */
    char d[32];
    snprintf(d, sizeof d, "%ld", v < 0 ? -v : v);
    size_t n = strlen(d);
    if (v < 0)
        mm_buf_puts(b, "−");
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            mm_buf_puts(b, "\u00a0");
        mm_buf_append(b, d + i, 1);
    }
}

/* A decimal number with a decimal comma ("1 234,50"). */
static void dec(mm_buf *b, double v, int decimals)
{
    double scale = decimals == 2 ? 100.0 : decimals == 1 ? 10.0 : 1.0;
    long long x = (long long)(v * scale + (v < 0 ? -0.5 : 0.5));
    long whole = (long)(x / (long long)scale);
    long frac = (long)((x < 0 ? -x : x) % (long long)scale);
    num(b, whole);
    if (decimals)
        mm_buf_printf(b, ",%0*ld", decimals, frac);
}

static void percent(mm_buf *b, long part, long whole)
{
    if (whole <= 0) {
        mm_buf_puts(b, "–");
        return;
    }
    dec(b, 100.0 * (double)part / (double)whole, 1);
    mm_buf_puts(b, "\u00a0%");
}

static void kr(mm_buf *b, double v)
{
    dec(b, v, 2);
    mm_buf_puts(b, "\u00a0kr");
}

static const char *channel_sv(const char *c)
{
    return !strcmp(c, "digital") ? "Digital brevlåda" : !strcmp(c, "paper") ? "Papper" : "Inte skickat";
}

/* A group's key as people read it. */
static void key_text(mm_buf *b, const char *by, const char *key)
{
    if (!strcmp(by, "channel"))
        srv_html_esc(b, channel_sv(key));
    else if (!key[0])
        srv_html_esc(b, !strcmp(by, "operator") ? "(ingen: papper)" : "(ingen angiven)");
    else
        srv_html_esc(b, key);
}

static void th(mm_buf *b, const char *text)
{
    srv_html_raw(b, "<th scope=\"col\">");
    srv_html_esc(b, text);
    srv_html_raw(b, "</th>");
}

static void td_num(mm_buf *b, long v)
{
    srv_html_raw(b, "<td class=\"tal\">");
    num(b, v);
    srv_html_raw(b, "</td>");
}

static void td_pct(mm_buf *b, long part, long whole)
{
    srv_html_raw(b, "<td class=\"tal\">");
    percent(b, part, whole);
    srv_html_raw(b, "</td>");
}

/* An average lead time in minutes (under an hour), hours (under 2 days) or days. */
static void lead_avg(mm_buf *b, const srv_stats_lead *l)
{
    if (l->n <= 0) {
        mm_buf_puts(b, "–");
        return;
    }
    double h = (double)l->sum_ms / (double)l->n / 3600000.0;
    if (h < 1) {
        dec(b, h * 60.0, 1);
        mm_buf_puts(b, "\u00a0minuter");
    } else if (h < 48) {
        dec(b, h, 1);
        mm_buf_puts(b, "\u00a0timmar");
    } else {
        dec(b, h / 24.0, 1);
        mm_buf_puts(b, "\u00a0dagar");
    }
}

static void form(mm_buf *b, const period *p, const char *by)
{
    static const struct {
        const char *by, *label;
    } per[] = {{"month", "Månad"}, {"department", "Förvaltning"}, {"operator", "Brevlådeoperatör"}, {"channel", "Kanal"}};
    srv_html_raw(b, "<form method=\"get\" action=\"/statistik\" class=\"sok\" aria-label=\"Välj period\">\n"
                    "<p><label for=\"fran\">Från och med datum</label>\n<input id=\"fran\" name=\"fran\" type=\"date\""
                    " placeholder=\"ÅÅÅÅ-MM-DD\" value=\"");
    srv_html_esc(b, p->fran ? p->fran : p->from_day);
    srv_html_raw(b, "\"></p>\n<p><label for=\"till\">Till och med datum</label>\n<input id=\"till\" name=\"till\""
                    " type=\"date\" placeholder=\"ÅÅÅÅ-MM-DD\" value=\"");
    srv_html_esc(b, p->till ? p->till : p->to_day);
    srv_html_raw(b, "\"></p>\n<p><label for=\"per\">Dela upp per</label>\n<select id=\"per\" name=\"per\">");
    for (size_t i = 0; i < sizeof per / sizeof per[0]; i++) {
        mm_buf_printf(b, "<option value=\"%s\"%s>", per[i].by, !strcmp(by, per[i].by) ? " selected" : "");
        srv_html_esc(b, per[i].label);
        srv_html_raw(b, "</option>");
    }
    srv_html_raw(b, "</select></p>\n<p><button type=\"submit\">Visa</button></p>\n</form>\n");
}

/* ---- the charts ---- */

typedef struct {
    char key[128];
    long letters, digital, paper;
} bar;

/* Sums the cells into bars by month (by_month) or by department. */
static size_t bars_of(const srv_stats_result *r, int by_month, bar **out)
{
    bar *v = calloc(r->ncells ? r->ncells : 1, sizeof *v);
    size_t n = 0;
    if (!v) {
        *out = NULL;
        return 0;
    }
    for (size_t i = 0; i < r->ncells; i++) {
        const srv_stats_cell *c = &r->cells[i];
        const char *k = by_month ? c->month : c->department;
        size_t j = 0;
        while (j < n && strcmp(v[j].key, k))
            j++;
        if (j == n)
            snprintf(v[n++].key, sizeof v->key, "%s", k);
        v[j].letters += c->letters;
        v[j].digital += c->digital;
        v[j].paper += c->letters - c->digital;
    }
    *out = v;
    return n;
}

/* Digital share per month: one bar a month, 0-100 %. */
static void chart_share(mm_buf *b, const bar *v, size_t n)
{
    const int w = 760, h = 260, left = 48, top = 16, plot = 200;
    int step = n ? (w - left - 8) / (int)n : 0;
    if (step > 60)
        step = 60;
    mm_buf_printf(b, "<figure class=\"diagram\">\n<svg id=\"diagram-andel\" role=\"img\" aria-labelledby=\"diagram-andel-titel\""
                     " viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" class=\"diagram\">\n"
                     "<title id=\"diagram-andel-titel\">Andel digitalt per månad, procent av skickade brev</title>\n",
                  w, h, w, h);
    for (int t = 0; t <= 100; t += 25) {
        int y = top + plot - plot * t / 100;
        mm_buf_printf(b, "<line class=\"axel\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                         "<text class=\"etikett\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%d %%</text>\n",
                      left, y, w - 4, y, left - 6, y + 4, t);
    }
    for (size_t i = 0; i < n; i++) {
        int pct10 = v[i].letters ? (int)(1000.0 * (double)v[i].digital / (double)v[i].letters + 0.5) : 0;
        int bh = plot * pct10 / 1000, x = left + 4 + (int)i * step;
        mm_buf_printf(b, "<rect class=\"stapel-digital\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", x,
                      top + plot - bh, step - 6, bh);
        /* the month's number under its bar ("01"), the year in the table */
        mm_buf_printf(b, "<text class=\"etikett\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + (step - 6) / 2,
                      top + plot + 16);
        srv_html_esc(b, v[i].key + 5);
        srv_html_raw(b, "</text>\n");
    }
    srv_html_raw(b, "</svg>\n<figcaption>Diagrammets siffror finns i tabellen nedanför.</figcaption>\n</figure>\n");
    srv_html_raw(b, "<table id=\"tabell-andel\">\n<caption>Andel digitalt per månad</caption>\n<thead><tr>");
    th(b, "Månad");
    th(b, "Skickade brev");
    th(b, "Digitalt");
    th(b, "Papper");
    th(b, "Andel digitalt");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        srv_html_raw(b, "<tr><th scope=\"row\">");
        srv_html_esc(b, v[i].key);
        srv_html_raw(b, "</th>");
        td_num(b, v[i].letters);
        td_num(b, v[i].digital);
        td_num(b, v[i].paper);
        td_pct(b, v[i].digital, v[i].letters);
        srv_html_raw(b, "</tr>\n");
    }
    srv_html_raw(b, "</tbody>\n</table>\n");
}

/* Letters per channel per förvaltning: one stacked bar a department. */
static void chart_channels(mm_buf *b, const bar *v, size_t n)
{
    const int w = 760, label = 220, row = 28, top = 8;
    long max = 1;
    for (size_t i = 0; i < n; i++)
        if (v[i].letters > max)
            max = v[i].letters;
    int h = top + (int)n * row + 36;
    mm_buf_printf(b, "<figure class=\"diagram\">\n<svg id=\"diagram-kanal\" role=\"img\" aria-labelledby=\"diagram-kanal-titel\""
                     " viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" class=\"diagram\">\n"
                     "<title id=\"diagram-kanal-titel\">Skickade brev per kanal och förvaltning: digital brevlåda"
                     " och papper</title>\n",
                  w, h, w, h);
    int plot = w - label - 70;
    for (size_t i = 0; i < n; i++) {
        int y = top + (int)i * row;
        int wd = (int)((double)plot * (double)v[i].digital / (double)max);
        int wp = (int)((double)plot * (double)v[i].paper / (double)max);
        mm_buf_printf(b, "<text class=\"etikett\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", label - 8, y + 17);
        char k[40];
        /* a long name cut short here; the table has it whole */
        mm_text_copy(k, sizeof k, v[i].key[0] ? v[i].key : "(ingen angiven)");
        srv_html_esc(b, k);
        srv_html_raw(b, "</text>");
        mm_buf_printf(b, "<rect class=\"stapel-digital\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\"/>"
                         "<rect class=\"stapel-papper\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\"/>"
                         "<text class=\"etikett\" x=\"%d\" y=\"%d\">%ld</text>\n",
                      label, y + 2, wd, label + wd, y + 2, wp, label + wd + wp + 6, y + 17, v[i].letters);
    }
    int ly = top + (int)n * row + 14;
    mm_buf_printf(b, "<rect class=\"stapel-digital\" x=\"%d\" y=\"%d\" width=\"14\" height=\"14\"/>"
                     "<text class=\"etikett\" x=\"%d\" y=\"%d\">Digital brevlåda</text>"
                     "<rect class=\"stapel-papper\" x=\"%d\" y=\"%d\" width=\"14\" height=\"14\"/>"
                     "<text class=\"etikett\" x=\"%d\" y=\"%d\">Papper</text>\n",
                  label, ly, label + 20, ly + 12, label + 170, ly, label + 190, ly + 12);
    srv_html_raw(b, "</svg>\n<figcaption>Diagrammets siffror finns i tabellen nedanför.</figcaption>\n</figure>\n");
    srv_html_raw(b, "<table id=\"tabell-kanal\">\n<caption>Skickade brev per kanal och förvaltning</caption>\n"
                    "<thead><tr>");
    th(b, "Förvaltning");
    th(b, "Digital brevlåda");
    th(b, "Papper");
    th(b, "Totalt");
    th(b, "Andel digitalt");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        srv_html_raw(b, "<tr><th scope=\"row\">");
        key_text(b, "department", v[i].key);
        srv_html_raw(b, "</th>");
        td_num(b, v[i].digital);
        td_num(b, v[i].paper);
        td_num(b, v[i].letters);
        td_pct(b, v[i].digital, v[i].letters);
        srv_html_raw(b, "</tr>\n");
    }
    srv_html_raw(b, "</tbody>\n</table>\n");
}

/* ---- the tables ---- */

static void summary(mm_buf *b, const srv_stats_result *r)
{
    const srv_stats_row *t = &r->totals;
    srv_html_raw(b, "<h2 id=\"sammanfattning\">Sammanfattning</h2>\n<dl class=\"brevfakta\" id=\"summa\">\n");
    const struct {
        const char *label;
        long v;
    } f[] = {{"Skickade brev", t->letters},       {"Sidor", t->pages},
             {"Digitalt", t->digital},            {"Papper", t->paper},
             {"Varav postade", t->posted},        {"Beslut, digitalt", t->digital_decisions},
             {"Väntar", t->pending},              {"Nådde ingen", t->failed},
             {"Makulerade", t->cancelled},        {"Mottagare uppslagna i FaR", t->looked_up}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        srv_html_raw(b, "<dt>");
        srv_html_esc(b, f[i].label);
        srv_html_raw(b, "</dt><dd>");
        num(b, f[i].v);
        srv_html_raw(b, "</dd>\n");
    }
    srv_html_raw(b, "<dt>Andel digitalt</dt><dd id=\"andel-digitalt\">");
    percent(b, t->digital, t->letters);
    srv_html_raw(b, "</dd>\n<dt>Nåbarhet (uppslagna mottagare med digital brevlåda)</dt><dd id=\"nabarhet\">");
    percent(b, t->reached, t->looked_up);
    srv_html_raw(b, "</dd>\n</dl>\n");
}

static void savings(mm_buf *b, const srv_stats_result *r)
{
    const srv_stats_units *u = &r->units;
    srv_html_raw(b, "<h2 id=\"besparing\">Realiserad nytta</h2>\n<table id=\"tabell-nytta\">\n"
                    "<caption>Besparing för perioden, beräknad med serverns enhetsvärden</caption>\n<thead><tr>");
    th(b, "Post");
    th(b, "Beräkning");
    th(b, "Belopp");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n<tr><th scope=\"row\">Porto och material</th><td>");
    num(b, r->totals.digital);
    srv_html_raw(b, " digitala brev × (");
    kr(b, u->paper_cost);
    srv_html_raw(b, " − ");
    kr(b, u->digital_cost);
    srv_html_raw(b, ")</td><td class=\"tal\" id=\"nytta-porto\">");
    kr(b, r->savings.postage);
    srv_html_raw(b, "</td></tr>\n<tr><th scope=\"row\">Arbetstid</th><td>");
    num(b, r->totals.digital);
    srv_html_raw(b, " digitala brev × ");
    dec(b, u->minutes_saved, 1);
    srv_html_raw(b, " minuter × ");
    kr(b, u->hourly_rate);
    srv_html_raw(b, " per timme</td><td class=\"tal\" id=\"nytta-arbetstid\">");
    kr(b, r->savings.work_time);
    srv_html_raw(b, "</td></tr>\n<tr><th scope=\"row\">Säkerhetsvärde</th><td>");
    num(b, r->totals.digital_decisions);
    srv_html_raw(b, " digitala beslut × ");
    kr(b, u->security_value);
    srv_html_raw(b, "</td><td class=\"tal\" id=\"nytta-sakerhet\">");
    kr(b, r->savings.security);
    srv_html_raw(b, "</td></tr>\n<tr><th scope=\"row\">Totalt</th><td></td><td class=\"tal\" id=\"nytta-totalt\">");
    kr(b, r->savings.total);
    srv_html_raw(b, "</td></tr>\n</tbody>\n</table>\n");
}

static void groups(mm_buf *b, const srv_stats_result *r)
{
    static const struct {
        const char *by, *label, *caption;
    } g[] = {{"month", "Månad", "Siffror per månad"},
             {"department", "Förvaltning", "Siffror per förvaltning"},
             {"operator", "Brevlådeoperatör", "Siffror per brevlådeoperatör"},
             {"channel", "Kanal", "Siffror per kanal"}};
    size_t k = 0;
    while (k < 3 && strcmp(g[k].by, r->by))
        k++;
    srv_html_raw(b, "<h2 id=\"per-grupp\">");
    srv_html_esc(b, g[k].caption);
    srv_html_raw(b, "</h2>\n<table id=\"tabell-grupper\">\n<caption>");
    srv_html_esc(b, g[k].caption);
    srv_html_raw(b, ": skickade brev, andel digitalt, nåbarhet och ledtid</caption>\n<thead><tr>");
    th(b, g[k].label);
    th(b, "Skickade brev");
    th(b, "Sidor");
    th(b, "Digitalt");
    th(b, "Papper");
    th(b, "Andel digitalt");
    th(b, "Digitala beslut");
    th(b, "Nåbarhet");
    th(b, "Ledtid digitalt");
    th(b, "Ledtid papper");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->nrows; i++) {
        const srv_stats_row *x = &r->rows[i];
        srv_html_raw(b, "<tr><th scope=\"row\">");
        key_text(b, r->by, x->key);
        srv_html_raw(b, "</th>");
        td_num(b, x->letters);
        td_num(b, x->pages);
        td_num(b, x->digital);
        td_num(b, x->paper);
        td_pct(b, x->digital, x->letters);
        td_num(b, x->digital_decisions);
        td_pct(b, x->reached, x->looked_up);
        srv_html_raw(b, "<td class=\"tal\">");
        lead_avg(b, &x->lead_digital);
        srv_html_raw(b, "</td><td class=\"tal\">");
        lead_avg(b, &x->lead_paper);
        srv_html_raw(b, "</td></tr>\n");
    }
    if (!r->nrows)
        srv_html_raw(b, "<tr><td colspan=\"10\">Inga brev under perioden.</td></tr>\n");
    srv_html_raw(b, "</tbody>\n</table>\n");
}

static void lead_row(mm_buf *b, const char *label, const char *what, const srv_stats_lead *l)
{
    srv_html_raw(b, "<tr><th scope=\"row\">");
    srv_html_esc(b, label);
    srv_html_raw(b, "</th><td>");
    srv_html_esc(b, what);
    srv_html_raw(b, "</td>");
    td_num(b, l->n);
    srv_html_raw(b, "<td class=\"tal\">");
    lead_avg(b, l);
    srv_html_raw(b, "</td>");
    td_pct(b, l->within_1d, l->n);
    td_pct(b, l->within_5wd, l->n);
    srv_html_raw(b, "</tr>\n");
}

static void leads(mm_buf *b, const srv_stats_result *r)
{
    srv_html_raw(b, "<h2 id=\"ledtid\">Ledtid</h2>\n<table id=\"tabell-ledtid\">\n<caption>Ledtid från inlämning"
                    " till mottagaren, digitalt och på papper (fem arbetsdagar räknas som sju kalenderdagar)"
                    "</caption>\n<thead><tr>");
    th(b, "Kanal");
    th(b, "Mäts till");
    th(b, "Brev");
    th(b, "Genomsnitt");
    th(b, "Inom 1 dygn");
    th(b, "Inom 5 arbetsdagar");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    lead_row(b, "Digital brevlåda", "levererat", &r->totals.lead_digital);
    lead_row(b, "Papper", "postat", &r->totals.lead_paper);
    srv_html_raw(b, "</tbody>\n</table>\n");
}

static void reasons(mm_buf *b, const srv_stats_result *r)
{
    srv_html_raw(b, "<h2 id=\"nabarhet-rubrik\">Nåbarhet</h2>\n<p>Av ");
    num(b, r->totals.looked_up);
    srv_html_raw(b, " mottagare som slogs upp i FaR hade ");
    num(b, r->totals.reached);
    srv_html_raw(b, " en digital brevlåda som kunde användas (");
    percent(b, r->totals.reached, r->totals.looked_up);
    srv_html_raw(b, ").</p>\n<table id=\"tabell-skal\">\n<caption>Skäl till att övriga mottagare inte kunde nås"
                    " digitalt</caption>\n<thead><tr>");
    th(b, "Skäl");
    th(b, "Mottagare");
    th(b, "Andel av uppslagna");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->nreasons; i++) {
        srv_html_raw(b, "<tr><th scope=\"row\">");
        srv_html_esc(b, srv_stats_reach_sv(r->reasons[i].word));
        srv_html_raw(b, "</th>");
        td_num(b, r->reasons[i].n);
        td_pct(b, r->reasons[i].n, r->totals.looked_up);
        srv_html_raw(b, "</tr>\n");
    }
    if (!r->nreasons)
        srv_html_raw(b, "<tr><td colspan=\"3\">Inga.</td></tr>\n");
    srv_html_raw(b, "</tbody>\n</table>\n");
}

static void operators(mm_buf *b, const srv_stats_result *r)
{
    srv_html_raw(b, "<h2 id=\"operatorer\">Brevlådeoperatörer</h2>\n<table id=\"tabell-operatorer\">\n"
                    "<caption>Levererade brev per brevlådeoperatör och månad, att stämma av mot fakturorna"
                    "</caption>\n<thead><tr>");
    th(b, "Månad");
    th(b, "Brevlådeoperatör");
    th(b, "Levererade brev");
    srv_html_raw(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->noperators; i++) {
        srv_html_raw(b, "<tr><td>");
        srv_html_esc(b, r->operators[i].month);
        srv_html_raw(b, "</td><th scope=\"row\">");
        srv_html_esc(b, r->operators[i].operator_name[0] ? r->operators[i].operator_name : "(okänd)");
        srv_html_raw(b, "</th>");
        td_num(b, r->operators[i].n);
        srv_html_raw(b, "</tr>\n");
    }
    if (!r->noperators)
        srv_html_raw(b, "<tr><td colspan=\"3\">Inga digitala brev under perioden.</td></tr>\n");
    srv_html_raw(b, "</tbody>\n</table>\n");
}

/* The period of the query; 0, or -1 (a bad date: *p still has the text). */
static int read_period(srv_web_req *rq, period *p)
{
    memset(p, 0, sizeof *p);
    p->fran = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "fran");
    p->till = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "till");
    p->per = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "per");
    if (!srv_stats_period(p->fran, p->till, srv_now_ms(), &p->from_ms, &p->to_ms, p->from_day, p->to_day))
        return 0;
    /* the default period, to fill the form beside the message */
    srv_stats_period(NULL, NULL, srv_now_ms(), &p->from_ms, &p->to_ms, p->from_day, p->to_day);
    return -1;
}

static const char *by_of(const period *p)
{
    static const char *const ok[] = {"month", "department", "operator", "channel"};
    for (size_t i = 0; i < 4; i++)
        if (p->per && !strcmp(p->per, ok[i]))
            return ok[i];
    return "month";
}

enum MHD_Result srv_web_get_stats(srv_web_req *rq, const char *arg)
{
    (void)arg;
    period p;
    int bad = read_period(rq, &p);
    const char *by = by_of(&p);
    mm_buf b = MM_BUF_INIT;
    form(&b, &p, by);
    if (bad) {
        srv_html_raw(&b, "<p id=\"fel\" role=\"alert\" class=\"fel\">");
        srv_html_esc(&b, srv_sv(SRV_SV_STATS_BAD_PERIOD));
        srv_html_raw(&b, "</p>\n");
        return srv_web_page(rq, 400, "Statistik", &b);
    }
    srv_stats_result r;
    mm_error err;
    if (srv_stats_query(rq->s, p.from_ms, p.to_ms, by, &r, &err)) {
        mm_log(MM_LOG_ERROR, "statistics: %s", err.msg);
        srv_stats_free(&r);
        mm_buf_free(&b);
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    }
    srv_html_raw(&b, "<p id=\"period\">Siffrorna gäller hela månader: ");
    srv_html_esc(&b, r.from_month);
    srv_html_raw(&b, " till och med ");
    srv_html_esc(&b, r.to_month);
    srv_html_raw(&b, ". Inga brev och inga personer visas här. <a id=\"csv\" href=\"/statistik.csv?fran=");
    srv_html_esc(&b, p.from_day);
    srv_html_raw(&b, "&amp;till=");
    srv_html_esc(&b, p.to_day);
    srv_html_raw(&b, "&amp;per=");
    srv_html_raw(&b, by);
    srv_html_raw(&b, "\">Hämta siffrorna som CSV</a></p>\n");
    summary(&b, &r);
    savings(&b, &r);
    bar *v = NULL;
    size_t n = bars_of(&r, 1, &v);
    srv_html_raw(&b, "<h2 id=\"andel-rubrik\">Andel digitalt per månad</h2>\n");
    chart_share(&b, v, n);
    free(v);
    n = bars_of(&r, 0, &v);
    srv_html_raw(&b, "<h2 id=\"kanal-rubrik\">Kanal per förvaltning</h2>\n");
    chart_channels(&b, v, n);
    free(v);
    groups(&b, &r);
    leads(&b, &r);
    reasons(&b, &r);
    operators(&b, &r);
    srv_stats_free(&r);
    return srv_web_page(rq, 200, "Statistik", &b);
}

enum MHD_Result srv_web_get_stats_csv(srv_web_req *rq, const char *arg)
{
    (void)arg;
    period p;
    if (read_period(rq, &p))
        return srv_web_message(rq, 400, "Statistik", srv_sv(SRV_SV_STATS_BAD_PERIOD));
    srv_stats_result r;
    mm_error err;
    char *csv = NULL;
    if (srv_stats_query(rq->s, p.from_ms, p.to_ms, by_of(&p), &r, &err) == 0)
        csv = srv_stats_csv(&r);
    else
        mm_log(MM_LOG_ERROR, "statistics: %s", err.msg);
    srv_stats_free(&r);
    if (!csv)
        return srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL));
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(csv), csv, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(csv);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
    char disp[96];
    snprintf(disp, sizeof disp, "attachment; filename=\"statistik-%s-%s.csv\"", r.from_month, r.to_month);
    MHD_add_response_header(resp, "Content-Disposition", disp);
    return srv_web_send(rq->conn, 200, resp, 0);
}
