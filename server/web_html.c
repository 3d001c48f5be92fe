/* SPDX-License-Identifier: EUPL-1.2 */
/* The web portal's answers (see web.h): the HTML builder with its escaping,
 * the one page shell (lang="sv", skip link, header, nav "Huvudmeny", main,
 * one h1), the security headers every answer carries, redirects, JSON and
 * the form fields of a request body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* No inline script or style anywhere: the page's only script and style
 * are our own files (web/), and nothing may frame the portal. */
#define CSP                                                                                                         \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "               \
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

void srv_html_raw(mm_buf *b, const char *markup)
{
    mm_buf_puts(b, markup);
}

void srv_html_local_time(int64_t ms, srv_time_form form, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!size)
        return;
    out[0] = 0;
    if (!localtime_r(&t, &tm))
        return;
    if (form == SRV_TIME_HHMM)
        strftime(out, size, "%H:%M", &tm);
    else if (form == SRV_TIME_DAY)
        strftime(out, size, "%Y-%m-%d", &tm);
    else
        strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

void srv_html_esc(mm_buf *b, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&': mm_buf_puts(b, "&amp;"); break;
        case '<': mm_buf_puts(b, "&lt;"); break;
        case '>': mm_buf_puts(b, "&gt;"); break;
        case '"': mm_buf_puts(b, "&quot;"); break;
        case '\'': mm_buf_puts(b, "&#39;"); break;
        default: mm_buf_append(b, p, 1);
        }
    }
}

void srv_web_csrf_field(const srv_web_req *rq, mm_buf *b)
{
    srv_html_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    srv_html_esc(b, rq->session.csrf);
    srv_html_raw(b, "\">");
}

int srv_web_form(const srv_web_req *rq, const char *name, char *out, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = rq->body, *end = rq->body ? rq->body + rq->body_len : NULL;
    out[0] = 0;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (eq && (size_t)(eq - p) == nlen && !memcmp(p, name, nlen)) {
            size_t vlen = (size_t)(e - eq - 1);
            if (vlen >= size)
                return -1;
            memcpy(out, eq + 1, vlen);
            out[vlen] = 0;
            for (char *q = out; *q; q++)
                if (*q == '+')
                    *q = ' ';
            MHD_http_unescape(out); /* %XX; the result is never longer */
            return 0;
        }
        p = e + 1;
    }
    return -1;
}

enum MHD_Result srv_web_send(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp, int cache_static)
{
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    /* Static files are referred to with ?v=VERSION: a new version is a new URL. */
    MHD_add_response_header(resp, "Cache-Control", cache_static ? "public, max-age=31536000, immutable" : "no-store");
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* body consumed; with the cookie the handler set. */
static enum MHD_Result send_buf(srv_web_req *rq, unsigned status, const char *type, mm_buf *body)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(body->len, body->data ? body->data : (char *)"", body->data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        mm_buf_free(body);
        return MHD_NO;
    }
    body->data = NULL;
    body->len = 0;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (rq->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, rq->set_cookie);
    return srv_web_send(rq->conn, status, resp, 0);
}

/* The main menu: a page shows only in the menus of those srv_may lets
 * open it, in this order. */
static const struct {
    const char *href, *label;
    srv_action action;
} menu[] = {
    {"/brev", "Mina brev", SRV_ACT_LIST},
    {"/behover", "Behöver mottagare", SRV_ACT_LIST},
    {"/hantera", "Att hantera", SRV_ACT_SEE_EXCEPTIONS},
    {"/massutskick", "Massutskick", SRV_ACT_LIST},
    {"/utskrift", "Utskriftsrummet", SRV_ACT_PRINTROOM},
    {"/statistik", "Statistik", SRV_ACT_STATS},
    {"/nyttomodell", "Nyttomodell", SRV_ACT_STATS},
};

const char *srv_web_home(const srv *s, const srv_principal *who)
{
    /* Where each role's day starts: the print room on its list, management
     * on its figures; a page the rules refuse is never the start page. */
    static const struct {
        srv_role role;
        const char *href;
        srv_action action;
    } start[] = {
        {SRV_ROLE_UTSKRIFT, "/utskrift", SRV_ACT_PRINTROOM},
        {SRV_ROLE_STATISTIK, "/statistik", SRV_ACT_STATS},
    };
    for (size_t i = 0; who && i < sizeof start / sizeof start[0]; i++)
        if (who->kind == SRV_PRINCIPAL_PERSON && who->role == start[i].role && srv_may(s, who, start[i].action, NULL))
            return start[i].href;
    for (size_t i = 0; i < sizeof menu / sizeof menu[0]; i++)
        if (srv_may(s, who, menu[i].action, NULL))
            return menu[i].href;
    return NULL;
}

static void put_menu(srv_web_req *rq, mm_buf *b)
{
    srv_html_raw(b, "<nav aria-label=\"Huvudmeny\">\n<ul>\n");
    for (size_t i = 0; i < sizeof menu / sizeof menu[0]; i++) {
        if (!srv_may(rq->s, rq->who, menu[i].action, NULL))
            continue;
        size_t n = strlen(menu[i].href);
        int here = !strncmp(rq->url, menu[i].href, n) && (!rq->url[n] || rq->url[n] == '/' || rq->url[n] == '.');
        srv_html_raw(b, "<li><a href=\"");
        srv_html_raw(b, menu[i].href);
        srv_html_raw(b, here ? "\" aria-current=\"page\">" : "\">");
        srv_html_esc(b, menu[i].label);
        srv_html_raw(b, "</a></li>\n");
    }
    srv_html_raw(b, "</ul>\n");
}

enum MHD_Result srv_web_page(srv_web_req *rq, unsigned status, const char *title, mm_buf *body)
{
    mm_buf b = MM_BUF_INIT;
    int signed_in = rq->who && rq->who->kind == SRV_PRINCIPAL_PERSON;
    srv_html_raw(&b, "<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    srv_html_esc(&b, title);
    srv_html_raw(&b, " – Mina meddelanden</title>\n<link rel=\"stylesheet\" href=\"/static/mmprint.css?v=" PACKAGE_VERSION
                     "\">\n<script src=\"/static/mmprint.js?v=" PACKAGE_VERSION "\" defer></script>\n</head>\n<body>\n"
                     "<a class=\"hoppa\" href=\"#innehall\">Hoppa till innehållet</a>\n<header>\n"
                     "<p class=\"tjanst\">Mina meddelanden – utskrifter</p>\n");
    if (signed_in) {
        put_menu(rq, &b);
        srv_html_raw(&b, "<form method=\"post\" action=\"/logga-ut\" class=\"logga-ut\">");
        srv_web_csrf_field(rq, &b);
        srv_html_raw(&b, "<span class=\"inloggad\">Inloggad som ");
        srv_html_esc(&b, rq->who->name);
        srv_html_raw(&b, "</span> <button type=\"submit\">Logga ut</button></form>\n</nav>\n");
    }
    srv_html_raw(&b, "</header>\n<main id=\"innehall\" tabindex=\"-1\">\n<h1>");
    srv_html_esc(&b, title);
    srv_html_raw(&b, "</h1>\n");
    if (body && body->data)
        mm_buf_append(&b, body->data, body->len);
    if (body)
        mm_buf_free(body);
    srv_html_raw(&b, "\n</main>\n</body>\n</html>\n");
    return send_buf(rq, status, "text/html; charset=utf-8", &b);
}

enum MHD_Result srv_web_message(srv_web_req *rq, unsigned status, const char *title, const char *text)
{
    mm_buf b = MM_BUF_INIT;
    srv_html_raw(&b, "<p class=\"meddelande\">");
    srv_html_esc(&b, text);
    srv_html_raw(&b, "</p>\n<p><a href=\"/\">Till startsidan</a></p>\n");
    return srv_web_page(rq, status, title, &b);
}

enum MHD_Result srv_web_redirect(srv_web_req *rq, const char *location)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    if (rq->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, rq->set_cookie);
    return srv_web_send(rq->conn, 303, resp, 0);
}

enum MHD_Result srv_web_json(srv_web_req *rq, unsigned status, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return srv_web_send(rq->conn, status, resp, 0);
}

int srv_web_find_job(srv_web_req *rq, const char *id, srv_action action, srv_job *j, enum MHD_Result *answer)
{
    /* The API's lookup: another person's letter is answered as if it did
     * not exist (404), as is one the person may read but not act on. */
    srv_outcome o = srv_api_lookup(rq->s, rq->who, id, action, j);
    if (o == SRV_OK)
        return 0;
    *answer = o == SRV_FAILED ? srv_web_message(rq, 500, "Fel i servern", srv_sv(SRV_SV_INTERNAL))
                              : srv_web_message(rq, 404, "Brevet finns inte", srv_sv(SRV_SV_WEB_NO_LETTER));
    return -1;
}
