/* SPDX-License-Identifier: EUPL-1.2 */
/* Paper: a Swedish separator page (who, which job, when, why paper) put in
 * front of the letter with qpdf, printed as ONE IPP job with libcups so the
 * print room gets them together and in order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cups/cups.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "print.h"
#include "fileio.h"
#include "sandbox.h"

/* UTF-8 -> WinAnsi (the Helvetica encoding), enough for Swedish text. */
static void pdf_text(mm_buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    mm_buf_puts(out, "(");
    while (*p) {
        unsigned cp;
        int n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            cp = ((unsigned)(*p & 0x1f) << 6) | (p[1] & 0x3f);
            n = 2;
        } else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            cp = ((unsigned)(*p & 0x0f) << 12) | ((unsigned)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            n = 3;
        } else {
            cp = '?';
            n = 1;
            while (p[n] && (p[n] & 0xc0) == 0x80)
                n++;
        }
        p += n;
        unsigned char c;
        if (cp == 0x2013)
            c = 0x96;
        else if (cp == 0x2014)
            c = 0x97;
        else if (cp >= 0x20 && cp < 0x7f)
            c = (unsigned char)cp;
        else if (cp >= 0xa0 && cp <= 0xff)
            c = (unsigned char)cp;
        else
            c = '?';
        if (c == '(' || c == ')' || c == '\\')
            mm_buf_printf(out, "\\%c", c);
        else if (c >= 0x80)
            mm_buf_printf(out, "\\%03o", c);
        else
            mm_buf_append(out, &c, 1);
    }
    mm_buf_puts(out, ")");
}

/* One page's content stream: lines from the top (the first a heading in
 * large bold: the postal class the print room sorts by), or, for the back
 * of the sheet, one small line at the foot. */
static void page_content(mm_buf *c, const char *const *lines, size_t n, const char *foot)
{
    if (foot) {
        mm_buf_puts(c, "BT /F1 9 Tf 60 40 Td ");
        pdf_text(c, foot);
        mm_buf_puts(c, " Tj\nET\n");
        return;
    }
    mm_buf_puts(c, "BT /F2 24 Tf 60 770 Td ");
    for (size_t i = 0; i < n; i++) {
        if (i == 1)
            mm_buf_puts(c, "/F1 13 Tf 0 -40 Td ");
        else if (i > 1)
            mm_buf_puts(c, "0 -22 Td ");
        pdf_text(c, lines[i]);
        mm_buf_puts(c, " Tj\n");
    }
    mm_buf_puts(c, "ET\n");
}

int srv_separator_sheet(const char *const *lines, size_t n, const char *back, mm_buf *out)
{
    mm_buf front = MM_BUF_INIT, rear = MM_BUF_INIT;
    page_content(&front, lines, n, NULL);
    if (back)
        page_content(&rear, NULL, 0, back);
    if (!front.data || (back && !rear.data)) {
        mm_buf_free(&front);
        mm_buf_free(&rear);
        return -1;
    }
    /* Objects: 1 catalog, 2 pages, 3 fonts F1, 4 F2, then per page its
     * page object and its content stream. */
    int npages = back ? 2 : 1, nobj = 4 + 2 * npages;
    size_t off[8];
    char kids[32], page[256];
    snprintf(kids, sizeof kids, back ? "[5 0 R 7 0 R]" : "[5 0 R]");
    mm_buf_puts(out, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    for (int i = 1; i <= nobj; i++) {
        off[i - 1] = out->len;
        mm_buf_printf(out, "%d 0 obj\n", i);
        if (i == 1) {
            mm_buf_puts(out, "<< /Type /Catalog /Pages 2 0 R >>");
        } else if (i == 2) {
            mm_buf_printf(out, "<< /Type /Pages /Kids %s /Count %d >>", kids, npages);
        } else if (i == 3 || i == 4) {
            mm_buf_printf(out, "<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>",
                          i == 3 ? "Helvetica" : "Helvetica-Bold");
        } else if (i % 2 == 1) { /* a page: 5 or 7, its content the next object */
            snprintf(page, sizeof page,
                     "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R "
                     "/F2 4 0 R >> >> /Contents %d 0 R >>", i + 1);
            mm_buf_puts(out, page);
        } else {
            const mm_buf *c = i == 6 ? &front : &rear;
            mm_buf_printf(out, "<< /Length %zu >>\nstream\n", c->len);
            mm_buf_append(out, c->data, c->len);
            mm_buf_puts(out, "endstream");
        }
        mm_buf_puts(out, "\nendobj\n");
    }
    size_t xref = out->len;
    mm_buf_printf(out, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
    for (int i = 0; i < nobj; i++)
        mm_buf_printf(out, "%010zu 00000 n \n", off[i]);
    mm_buf_printf(out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", nobj + 1, xref);
    mm_buf_free(&front);
    mm_buf_free(&rear);
    return out->data ? 0 : -1;
}

int srv_separator_pdf(const char *const *lines, size_t n, mm_buf *out)
{
    return srv_separator_sheet(lines, n, NULL, out);
}

/* ---- two-sided printers (issue 12) ---- */

int srv_print_sheets(const srv_sides_plan *plan, int letter_pages)
{
    int pages = letter_pages > 0 ? letter_pages : 1;
    if (plan->two_sided) /* the separator's sheet, then the letter's: two pages a sheet */
        return plan->back ? 1 + (pages + 1) / 2 : (1 + pages + 1) / 2;
    return 1 + (plan->back ? 1 : 0) + pages;
}

void srv_print_plan(const char *setting, const srv_sides_info *info, srv_sides_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (setting && !strcmp(setting, "one-sided")) {
        snprintf(plan->sides, sizeof plan->sides, "one-sided");
    } else if (setting && !strncmp(setting, "two-sided-", 10)) {
        snprintf(plan->sides, sizeof plan->sides, "%s", setting);
        plan->back = 1;
        plan->two_sided = 1;
    } else {
        /* auto: the printer's own default decides the sides (nothing sent),
         * and unless it has said it only prints one side, the separator has
         * a back page, so the letter starts on a sheet of its own whatever
         * that default is now or is changed to at the printer's panel. */
        plan->back = !info || !info->asked || info->duplex;
        plan->two_sided = info && info->asked && !strncmp(info->def, "two-sided-", 10);
    }
}

/* The temporary files of the print path, each spool_prefix + one of
 * these; the spool sweep removes these names and nothing else. */
static const char *const temp_suffixes[] = {".letter.pdf", ".sep.pdf", ".print.pdf"};

int srv_print_temp_suffix(const char *suffix)
{
    for (size_t i = 0; i < sizeof temp_suffixes / sizeof temp_suffixes[0]; i++)
        if (!strcmp(suffix, temp_suffixes[i]))
            return 1;
    return 0;
}

/* A temporary file for qpdf (mode 0600: it holds the letter), always a new
 * file: a leftover of ours is removed first, and a name that someone
 * turned into a symlink is neither followed nor written through.  No
 * fsync: the letter is in the store, and the spool is swept at every start. */
static int write_temp(const char *path, const void *data, size_t len, mm_error *err)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot create %s: %s", path, strerror(errno));
    int e = mm_fileio_write_fd(fd, data, len) ? errno : 0;
    if (close(fd) && !e)
        e = errno;
    if (e) {
        unlink(path);
        return mm_error_set(err, MM_ERR_SYSTEM, e, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

/* Runs qpdf, confined (lib/sandbox.h): it reads and writes only in the
 * spool, with limits on time, memory and output, so that a letter crafted
 * against the parser cannot reach the organisation key or the store.  The
 * letter is outside input.  Only qpdf's own verdict that it cannot read
 * the letter (exit status 2) is final; a timeout, a signal (a limit, the
 * OOM killer, a system shutdown) or any other status says nothing about
 * the letter and is retried (MM_ERR_TRANSPORT). */
static int merge(const char *spool_dir, const char *sep, const char *letter, size_t letter_len, const char *outpath,
                 mm_error *err)
{
    char *argv[] = {"qpdf", "--empty", "--pages", (char *)sep, (char *)letter, "--", (char *)outpath, NULL};
    mm_sandbox sb = {
        .write_dir = spool_dir,
        .cpu_s = 120,
        .mem_bytes = 2LL << 30,
        .file_bytes = 2LL * (long long)letter_len + (64LL << 20),
        .nofile = 64,
        .timeout_ms = 120000,
    };
    int status = 0;
    if (mm_sandbox_exec(&sb, argv, &status, err)) {
        if (err->code == MM_SANDBOX_TIMEOUT)
            return mm_error_set(err, MM_ERR_TRANSPORT, 0, "qpdf took more than 120 s on the letter");
        return mm_error_set(err, err->cls, err->code, "%s", err->msg);
    }
    if (WIFSIGNALED(status))
        return mm_error_set(err, MM_ERR_TRANSPORT, 0, "qpdf was killed by signal %d", WTERMSIG(status));
    /* qpdf exits 3 for warnings (a repaired PDF), which still prints. */
    if (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3)
        return 0;
    if (WEXITSTATUS(status) == 2)
        return mm_error_set(err, MM_ERR_INPUT, 0, "the letter is not a PDF qpdf can read (status 2)");
    return mm_error_set(err, MM_ERR_TRANSPORT, 0, "qpdf failed with status %d", WEXITSTATUS(status));
}

int srv_print_fingerprint_parse(const char *text, unsigned char *out)
{
    size_t n = 0;
    for (const char *c = text; *c; c++) {
        if (*c == ':')
            continue;
        int v = *c >= '0' && *c <= '9' ? *c - '0' : *c >= 'a' && *c <= 'f' ? *c - 'a' + 10
                : *c >= 'A' && *c <= 'F' ? *c - 'A' + 10 : -1;
        if (v < 0 || n >= 64)
            return -1;
        if (out)
            out[n / 2] = (unsigned char)(n % 2 ? (out[n / 2] | v) : v << 4);
        n++;
    }
    return n == 64 ? 0 : -1;
}

int srv_print_ca_check(const char *path, mm_error *err)
{
    X509_STORE *st = mm_cert_store_load(path, err);
    X509_STORE_free(st);
    return st ? 0 : -1;
}

/* Checks the certificate chain the printer presented on this connection
 * against printer_ca (chain, purpose and host name of the URI) and/or
 * printer_fingerprint (the leaf's SHA-256), before any letter is sent.
 * libcups 2.4 accepts any certificate in its handshake and its own trust
 * function would store one on first use: neither decides here. */
static int verify_printer(const srv_printer *p, http_t *http, const char *host, mm_error *err)
{
    cups_array_t *creds = NULL;
    if (httpCopyCredentials(http, &creds) || cupsArrayCount(creds) < 1) {
        httpFreeCredentials(creds);
        return mm_error_set(err, MM_ERR_TRANSPORT, SRV_PRINT_UNTRUSTED,
                            "printer %s presented no certificate: nothing sent", p->name);
    }
    http_credential_t *leaf = cupsArrayFirst(creds);
    unsigned char got[EVP_MAX_MD_SIZE];
    unsigned int glen = 0;
    char hex[3 * 32 + 1] = "";
    if (EVP_Digest(leaf->data, leaf->datalen, got, &glen, EVP_sha256(), NULL) == 1 && glen == 32)
        for (unsigned i = 0; i < 32; i++)
            snprintf(hex + 3 * i, 4, "%s%02X", i ? ":" : "", got[i]);
    const char *why = NULL;
    char whybuf[400];
    if (p->fingerprint && p->fingerprint[0]) {
        unsigned char want[32];
        if (srv_print_fingerprint_parse(p->fingerprint, want) || glen != 32 || memcmp(want, got, 32))
            why = "it is not the certificate pinned in printer_fingerprint";
    }
    if (!why && p->ca && p->ca[0]) {
        mm_error cerr;
        X509_STORE *st = mm_cert_store_load(p->ca, &cerr);
        STACK_OF(X509) *chain = sk_X509_new_null();
        X509 *x = NULL;
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        int i = 0;
        for (http_credential_t *c = leaf; c && chain; c = cupsArrayNext(creds), i++) {
            const unsigned char *d = c->data;
            X509 *one = d2i_X509(NULL, &d, (long)c->datalen);
            if (!one)
                continue;
            if (i == 0)
                x = one;
            else if (!sk_X509_push(chain, one))
                X509_free(one);
        }
        if (!st) {
            snprintf(whybuf, sizeof whybuf, "printer_ca cannot be read (%.200s)", cerr.msg);
            why = whybuf;
        } else if (!x || !ctx || !chain || !X509_STORE_CTX_init(ctx, st, x, chain)) {
            why = "its certificate cannot be read";
        } else {
            X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
            X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_SERVER);
            /* An address in the URI is checked against the IP names, a
             * host name against the DNS names. */
            if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1)
                X509_VERIFY_PARAM_set1_host(vp, host, 0);
            if (X509_verify_cert(ctx) != 1) {
                snprintf(whybuf, sizeof whybuf, "it does not verify against printer_ca %.120s for host %.64s: %.80s", p->ca,
                         host, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
                why = whybuf;
            }
        }
        X509_STORE_CTX_free(ctx);
        sk_X509_pop_free(chain, X509_free);
        X509_free(x);
        X509_STORE_free(st);
    }
    httpFreeCredentials(creds);
    if (why)
        return mm_error_set(err, MM_ERR_TRANSPORT, SRV_PRINT_UNTRUSTED,
                            "printer %.64s is not trusted, nothing sent: its certificate (SHA-256 %s) %.330s", p->name,
                            hex[0] ? hex : "?", why);
    return 0;
}

/* Connects to the printer, or reuses an open connection (open != NULL);
 * resource is set either way.  An ipps:// printer is verified before the
 * connection is handed out. */
static http_t *connect_printer(const srv_printer *p, char *resource, size_t rsize, mm_error *err, http_t *open)
{
    char scheme[32], user[256], host[256];
    int port = 0;
    if (httpSeparateURI(HTTP_URI_CODING_ALL, p->uri, scheme, sizeof scheme, user, sizeof user, host,
                        sizeof host, &port, resource, (int)rsize) < HTTP_URI_STATUS_OK) {
        mm_error_set(err, MM_ERR_INPUT, 0, "bad printer_uri");
        return NULL;
    }
    int tls = !strcmp(scheme, "ipps");
    if (open)
        return open;
    http_t *http = httpConnect2(host, port, NULL, AF_UNSPEC, tls ? HTTP_ENCRYPTION_ALWAYS : HTTP_ENCRYPTION_IF_REQUESTED,
                                1, p->connect_timeout_ms, NULL);
    if (!http) {
        mm_error_set(err, MM_ERR_TRANSPORT, 0, "cannot connect to printer %s: %s", p->name, cupsLastErrorString());
    } else if (tls && verify_printer(p, http, host, err)) {
        httpClose(http);
        http = NULL;
    }
    return http;
}

/* libcups reconnects by itself when the printer closed a kept connection:
 * a reused ipps:// connection is verified again after each request. */
static int still_trusted(const srv_printer *p, http_t *http)
{
    char scheme[32], user[256], host[256], resource[1024];
    int port = 0;
    mm_error err;
    if (httpSeparateURI(HTTP_URI_CODING_ALL, p->uri, scheme, sizeof scheme, user, sizeof user, host, sizeof host,
                        &port, resource, sizeof resource) < HTTP_URI_STATUS_OK)
        return 0;
    return strcmp(scheme, "ipps") || verify_printer(p, http, host, &err) == 0;
}

/* An IPP request of operation op to the printer, on behalf of mmprintd. */
static ipp_t *new_request(const srv_printer *p, ipp_op_t op)
{
    ipp_t *req = ippNewRequest(op);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, p->uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, "mmprintd");
    return req;
}

int srv_print_find(const srv_printer *p, const char *name, int *printer_job_id, mm_error *err)
{
    char resource[1024];
    http_t *http = connect_printer(p, resource, sizeof resource, err, NULL);
    if (!http)
        return -1;
    ipp_t *req = new_request(p, IPP_OP_GET_JOBS);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", NULL, "all");
    static const char *const attrs[] = {"job-id", "job-name", "job-state"};
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, NULL, attrs);
    ipp_t *resp = cupsDoRequest(http, req, resource);
    int found = 0;
    if (!resp || ippGetStatusCode(resp) > IPP_STATUS_OK_EVENTS_COMPLETE) {
        mm_error_set(err, MM_ERR_TRANSPORT, 0, "printer %s: Get-Jobs failed: %s", p->name, cupsLastErrorString());
        found = -1;
    } else {
        int id = 0, state = 0, match = 0;
        for (ipp_attribute_t *a = ippFirstAttribute(resp);; a = ippNextAttribute(resp)) {
            const char *an = a ? ippGetName(a) : NULL;
            if (!a || !an) { /* end of one job's group */
                if (match && id > 0 && state != IPP_JSTATE_CANCELED && state != IPP_JSTATE_ABORTED) {
                    *printer_job_id = id;
                    found = 1;
                    break;
                }
                id = state = match = 0;
                if (!a)
                    break;
                continue;
            }
            if (!strcmp(an, "job-id"))
                id = ippGetInteger(a, 0);
            else if (!strcmp(an, "job-state"))
                state = ippGetInteger(a, 0);
            else if (!strcmp(an, "job-name") && ippGetString(a, 0, NULL) && !strcmp(ippGetString(a, 0, NULL), name))
                match = 1;
        }
    }
    ippDelete(resp);
    httpClose(http);
    return found;
}

int srv_print_prepare(const char *spool_prefix, const void *letter_pdf, size_t letter_len,
                      const char *const *lines, size_t nlines, const char *back, char *both, size_t bsize,
                      mm_error *err)
{
    char letter[1200], sep[1200];
    snprintf(letter, sizeof letter, "%s%s", spool_prefix, temp_suffixes[0]);
    snprintf(sep, sizeof sep, "%s%s", spool_prefix, temp_suffixes[1]);
    snprintf(both, bsize, "%s%s", spool_prefix, temp_suffixes[2]);
    unlink(both); /* qpdf writes it: not through anything left there */
    /* qpdf merges files: the letter goes to a temporary one in the spool. */
    if (write_temp(letter, letter_pdf, letter_len, err))
        return -1;

    mm_buf pdf = MM_BUF_INIT;
    if (srv_separator_sheet(lines, nlines, back, &pdf)) {
        mm_buf_free(&pdf);
        unlink(letter);
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    }
    int rc = write_temp(sep, pdf.data, pdf.len, err);
    mm_buf_free(&pdf);
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", spool_prefix);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
    if (rc == 0)
        rc = merge(dir, sep, letter, letter_len, both, err);
    unlink(sep);
    unlink(letter);
    if (rc) {
        unlink(both);
        return -1;
    }
    return 0;
}

/* Statuses of a printer that is there and working but cannot take a job
 * right now: it takes one job at a time (server-error-busy, as many office
 * printers and ippeveprinter do), its own queue is full, or the print room
 * has paused it.  Waiting is the answer, not an error. */
static int printer_busy(ipp_status_t st)
{
    return st == IPP_STATUS_ERROR_BUSY || st == IPP_STATUS_ERROR_TOO_MANY_JOBS ||
           st == IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS;
}

int srv_print_submit(const srv_printer *p, const char *name, const char *both, const char *sides, int *printer_job_id,
                     mm_error *err)
{
    char resource[1024];
    http_t *http = connect_printer(p, resource, sizeof resource, err, NULL);
    if (!http)
        return -1;
    ipp_t *req = new_request(p, IPP_OP_PRINT_JOB);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "job-name", NULL, name);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_MIMETYPE, "document-format", NULL, "application/pdf");
    if (sides && sides[0])
        ippAddString(req, IPP_TAG_JOB, IPP_TAG_KEYWORD, "sides", NULL, sides);
    ipp_t *resp = cupsDoFileRequest(http, req, resource, both);
    int rc = -1;
    if (!resp) {
        mm_error_set(err, MM_ERR_TRANSPORT, 0, "printer %s: Print-Job failed: %s", p->name, cupsLastErrorString());
    } else if (printer_busy(ippGetStatusCode(resp))) {
        mm_error_set(err, MM_ERR_TRANSPORT, (int)ippGetStatusCode(resp), "printer %s is busy: %s", p->name,
                     ippErrorString(ippGetStatusCode(resp)));
        rc = 1;
    } else if (ippGetStatusCode(resp) > IPP_STATUS_OK_EVENTS_COMPLETE) {
        mm_error_set(err, MM_ERR_TRANSPORT, (int)ippGetStatusCode(resp), "printer %s refused the job: %s", p->name,
                     ippErrorString(ippGetStatusCode(resp)));
    } else {
        ipp_attribute_t *a = ippFindAttribute(resp, "job-id", IPP_TAG_INTEGER);
        *printer_job_id = a ? ippGetInteger(a, 0) : 0;
        rc = 0;
    }
    ippDelete(resp);
    httpClose(http);
    return rc;
}

int srv_print_state(const srv_printer *p, http_t **conn, char *reasons, size_t size)
{
    char resource[1024];
    mm_error err;
    if (size)
        reasons[0] = 0;
    /* The connection stays open while the letter waits: a printer is
     * asked many times, and small ones take few connections. */
    http_t *http = connect_printer(p, resource, sizeof resource, &err, *conn);
    if (!http)
        return -1;
    *conn = http;
    ipp_t *req = new_request(p, IPP_OP_GET_PRINTER_ATTRIBUTES);
    static const char *const attrs[] = {"printer-state", "printer-state-reasons"};
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 2, NULL, attrs);
    ipp_t *resp = cupsDoRequest(http, req, resource);
    int state = -1;
    if (resp && ippGetStatusCode(resp) <= IPP_STATUS_OK_EVENTS_COMPLETE && still_trusted(p, http)) {
        ipp_attribute_t *a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM);
        state = a ? ippGetInteger(a, 0) : -1;
        a = ippFindAttribute(resp, "printer-state-reasons", IPP_TAG_KEYWORD);
        size_t used = 0;
        for (int i = 0; a && i < ippGetCount(a) && used + 1 < size; i++) {
            int n = snprintf(reasons + used, size - used, "%s%s", i ? "," : "", ippGetString(a, i, NULL));
            if (n < 0 || (size_t)n >= size - used)
                break;
            used += (size_t)n;
        }
    }
    ippDelete(resp);
    if (state < 0) { /* a fresh connection next time */
        httpClose(http);
        *conn = NULL;
    }
    return state;
}

int srv_print_sides(const srv_printer *p, srv_sides_info *info, mm_error *err)
{
    char resource[1024];
    memset(info, 0, sizeof *info);
    http_t *http = connect_printer(p, resource, sizeof resource, err, NULL);
    if (!http)
        return -1;
    ipp_t *req = new_request(p, IPP_OP_GET_PRINTER_ATTRIBUTES);
    static const char *const attrs[] = {"sides-supported", "sides-default"};
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 2, NULL, attrs);
    ipp_t *resp = cupsDoRequest(http, req, resource);
    int rc = -1;
    if (!resp || ippGetStatusCode(resp) > IPP_STATUS_OK_EVENTS_COMPLETE) {
        mm_error_set(err, MM_ERR_TRANSPORT, 0, "printer %s: Get-Printer-Attributes failed: %s", p->name,
                     cupsLastErrorString());
    } else {
        ipp_attribute_t *a = ippFindAttribute(resp, "sides-supported", IPP_TAG_KEYWORD);
        /* A printer that does not say is not known to print one side only. */
        info->asked = a != NULL;
        for (int i = 0; a && i < ippGetCount(a); i++) {
            const char *v = ippGetString(a, i, NULL);
            if (v && strcmp(v, "one-sided"))
                info->duplex = 1;
        }
        a = ippFindAttribute(resp, "sides-default", IPP_TAG_KEYWORD);
        snprintf(info->def, sizeof info->def, "%s", a && ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "");
        rc = 0;
    }
    ippDelete(resp);
    httpClose(http);
    return rc;
}
