/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl lookup / mmctl send: ask FaR where letters can go, and send one PDF
 * as a signed and sealed letter to the recipient's digital mailbox.
 * Exit codes (documented in mmctl(1)): 0 done, 1 invalid input, 2 usage or
 * configuration, 3 service unreachable or technical fault (try again later),
 * 4 not delivered digitally, 5 rejected by the service (application fault). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "delivery.h"
#include "dsig.h"
#include "far.h"
#include "fileio.h"
#include "http.h"
#include "idnum.h"
#include "mailbox.h"
#include "mmctl.h"
#include "mmctl_common.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_LATER = 3, EXIT_NOT_DIGITAL = 4, EXIT_REJECTED = 5 };

/* Largest PDF accepted: the whole request may not exceed 2 MB anyway. */
#define MAX_PDF_BYTES ((size_t)MM_DELIVERY_MAX_BYTES)

/* Everything both commands need to talk to FaR. */
typedef struct {
    mmctl_conf conf;
    mm_signer *signer; /* loaded when needed */
    char sender_id[13];
    mm_http *http;
} session;

static void session_free(session *s)
{
    mm_http_free(s->http);
    mm_signer_free(s->signer);
    mmctl_conf_free(&s->conf);
}

/* Loads configuration, the certificate when needed, and the HTTP handle. */
static int session_open(const char *cmd, const char *conf_path, int need_signer, session *s)
{
    memset(s, 0, sizeof *s);
    char msg[1200];
    if (mmctl_conf_load(conf_path, &s->conf, msg, sizeof msg) < 0) {
        mmctl_err(cmd, "%s", msg);
        return EXIT_USAGE;
    }
    mm_error err;
    mm_error_clear(&err);
    if (mm_dsig_init(&err) < 0 || mm_http_global_init(&err) < 0) {
        mmctl_err(cmd, "%s", err.msg);
        return EXIT_USAGE;
    }
    if (need_signer || !s->conf.sender_id) {
        s->signer = mm_signer_load(s->conf.cert, s->conf.key, &err);
        if (!s->signer) {
            mmctl_err(cmd, "cannot load the organisation certificate: %s", err.msg);
            return EXIT_USAGE;
        }
    }
    if (s->conf.sender_id) {
        snprintf(s->sender_id, sizeof s->sender_id, "%s", s->conf.sender_id);
    } else {
        const char *org = mm_signer_orgnr(s->signer);
        if (!org || strlen(org) != 12) {
            mmctl_err(cmd, "the certificate %s has no organisation number in serialNumber; set sender_id in %s",
                      s->conf.cert, s->conf.path);
            return EXIT_USAGE;
        }
        snprintf(s->sender_id, sizeof s->sender_id, "%s", org);
    }
    long total = s->conf.timeout * 1000;
    mm_http_config hc = {.cert_file = s->conf.cert, .key_file = s->conf.key, .ca_file = s->conf.ca,
                         .connect_timeout_ms = total < 10000 ? total : 10000, .timeout_ms = total};
    s->http = mm_http_new(&hc, &err);
    if (!s->http) {
        mmctl_err(cmd, "%s", err.msg);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Exit status for a failed call to FaR or an operator. */
static int failure_status(const mm_error *err)
{
    switch (err->cls) {
    case MM_ERR_APPLICATION: return EXIT_REJECTED;
    case MM_ERR_INPUT: return EXIT_INPUT;
    case MM_ERR_SYSTEM: return EXIT_USAGE;
    default: return EXIT_LATER; /* transport, technical, protocol */
    }
}

static void print_fault(const char *cmd, const char *who, const mm_soap_fault *f, const mm_error *err)
{
    if (err->cls == MM_ERR_TECHNICAL || err->cls == MM_ERR_APPLICATION) {
        if (f->code >= 0)
            mmctl_err(cmd, "%s answered with fault %d: %s (call id %s)", who, f->code,
                      f->description[0] ? f->description : f->faultstring, f->call_id[0] ? f->call_id : "none");
        else
            mmctl_err(cmd, "%s answered with a fault without error code: %s", who, f->faultstring);
    } else {
        mmctl_err(cmd, "%s: %s", who, err->msg);
    }
}

static void lookup_usage(FILE *f)
{
    fputs("usage: mmctl lookup [-c CONF] ID...\n", f);
}

/* One exit path: rc is set before each jump to out. */
int mmctl_cmd_lookup(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *conf_path = NULL;
    int c, rc = EXIT_USAGE;
    mm_id *parsed = NULL;
    const char **ids = NULL;
    int *ok = NULL;
    mm_reach *reach = NULL;
    session s;
    memset(&s, 0, sizeof s);

    optind = 1;
    while ((c = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': conf_path = optarg; break;
        case 'h': lookup_usage(stdout); rc = EXIT_OK; goto out;
        default: lookup_usage(stderr); rc = EXIT_USAGE; goto out;
        }
    }
    int n = argc - optind;
    if (n <= 0) {
        lookup_usage(stderr);
        rc = EXIT_USAGE;
        goto out;
    }

    parsed = calloc((size_t)n, sizeof *parsed);
    ids = calloc((size_t)n, sizeof *ids);
    ok = calloc((size_t)n, sizeof *ok);
    reach = calloc((size_t)n, sizeof *reach);
    if (!parsed || !ids || !ok || !reach) {
        mmctl_err("lookup", "out of memory");
        rc = EXIT_USAGE;
        goto out;
    }
    int invalid = 0;
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        mm_error err;
        mm_error_clear(&err);
        if (mm_idnum_parse(argv[optind + i], NULL, &parsed[i], &err) < 0) {
            mmctl_err("lookup", "argument %d: %s", i + 1, err.msg);
            invalid = 1;
            continue;
        }
        ok[i] = 1;
        ids[k++] = parsed[i].number;
    }

    rc = invalid ? EXIT_INPUT : EXIT_OK;
    if (k == 0)
        goto out;
    int orc = session_open("lookup", conf_path, 0, &s);
    if (orc != EXIT_OK) {
        rc = orc;
        goto out;
    }
    mm_soap_fault fault;
    mm_error err;
    mm_error_clear(&err);
    if (mm_far_is_reachable(s.http, s.conf.far_url, s.sender_id, ids, k, reach, &fault, &err) < 0) {
        print_fault("lookup", "FaR", &fault, &err);
        rc = EXIT_LATER;
        goto out;
    }
    /* Full numbers on stdout: the user's own query at their terminal. */
    for (size_t j = 0; j < k; j++) {
        if (reach[j].digital)
            printf("%s digital %s %s\n", reach[j].recipient,
                   reach[j].operator_name[0] ? reach[j].operator_name : reach[j].operator_id,
                   reach[j].service_address);
        else
            printf("%s paper: %s\n", reach[j].recipient, reach[j].reason);
    }

out:
    session_free(&s);
    free(parsed);
    free(ids);
    free(ok);
    free(reach);
    return rc;
}

static void send_usage(FILE *f)
{
    fputs("usage: mmctl send [-c CONF] --to ID --subject TEXT [--body TEXT] [--reference REF] FILE.pdf\n", f);
}

/* The file name the recipient sees: the PDF's own name when sensible. */
static const char *attachment_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n < 5 || n > 200 || strcasecmp(base + n - 4, ".pdf"))
        return NULL;
    return base;
}

/* The letter's PDF from path into pdf (the caller's to free in every
 * case): EXIT_OK, or EXIT_INPUT with the reason said. */
static int read_pdf(const char *path, mm_buf *pdf)
{
    if (mm_fileio_read_file(path, pdf, MAX_PDF_BYTES) < 0) {
        if (errno == EFBIG)
            mmctl_err("send", "%s is larger than %zu bytes, the limit for one letter", path, MAX_PDF_BYTES);
        else
            mmctl_err("send", "cannot read %s: %s", path, strerror(errno));
        return EXIT_INPUT;
    }
    if (pdf->len < 5 || memcmp(pdf->data, "%PDF-", 5)) {
        mmctl_err("send", "%s is not a PDF file", path);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

/* One exit path: rc is set before each jump to out. */
int mmctl_cmd_send(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"to", required_argument, NULL, 't'},
        {"subject", required_argument, NULL, 's'}, {"body", required_argument, NULL, 'b'},
        {"reference", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *conf_path = NULL, *to = NULL, *subject = NULL, *body = NULL, *reference = NULL;
    int c, rc = EXIT_USAGE;
    mm_buf pdf = MM_BUF_INIT, soap = MM_BUF_INIT;
    session s;
    mm_id id;
    mm_error err;
    memset(&s, 0, sizeof s);
    mm_error_clear(&err);

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': conf_path = optarg; break;
        case 't': to = optarg; break;
        case 's': subject = optarg; break;
        case 'b': body = optarg; break;
        case 'r': reference = optarg; break;
        case 'h': send_usage(stdout); rc = EXIT_OK; goto out;
        default: send_usage(stderr); rc = EXIT_USAGE; goto out;
        }
    }
    if (!to || !subject || argc - optind != 1) {
        send_usage(stderr);
        rc = EXIT_USAGE;
        goto out;
    }
    const char *file = argv[optind];

    if (mm_idnum_parse(to, NULL, &id, &err) < 0) {
        mmctl_err("send", "--to: %s", err.msg);
        rc = EXIT_INPUT;
        goto out;
    }
    if (!*subject) {
        mmctl_err("send", "--subject must not be empty");
        rc = EXIT_INPUT;
        goto out;
    }
    if ((rc = read_pdf(file, &pdf)) != EXIT_OK)
        goto out;

    if ((rc = session_open("send", conf_path, 1, &s)) != EXIT_OK)
        goto out;
    if (!s.conf.sender_name) {
        mmctl_err("send", "%s: sender_name is required for send", s.conf.path);
        rc = EXIT_USAGE;
        goto out;
    }

    char masked[16];
    mm_idnum_mask(id.number, masked);
    const char *ids[1] = {id.number};
    mm_reach reach;
    mm_soap_fault fault;
    if (mm_far_is_reachable(s.http, s.conf.far_url, s.sender_id, ids, 1, &reach, &fault, &err) < 0) {
        print_fault("send", "FaR", &fault, &err);
        rc = failure_status(&err);
        if (rc == EXIT_LATER)
            mmctl_err("send", "nothing was sent; try again later");
        goto out;
    }
    if (!reach.digital) {
        printf("not delivered digitally: %s\n", reach.reason);
        rc = EXIT_NOT_DIGITAL;
        goto out;
    }

    mm_delivery_params p = {
        .sender_id = s.sender_id,
        .sender_name = s.conf.sender_name,
        .recipient = id.number,
        .reference = reference,
        .subject = subject,
        .support_text = s.conf.support_text,
        .support_url = s.conf.support_url,
        .support_phone = s.conf.support_phone,
        .support_email = s.conf.support_email,
        .body_type = "text/plain",
        .body_text = body,
        .attachment = (const unsigned char *)pdf.data,
        .attachment_len = pdf.len,
        .attachment_type = "application/pdf",
        .attachment_name = attachment_name(file),
    };
    char msgid[37] = "";
    if (mm_delivery_build(s.signer, &p, time(NULL), &soap, msgid, &err) < 0) {
        mmctl_err("send", "cannot build the letter: %s", err.msg);
        rc = err.cls == MM_ERR_INPUT ? EXIT_INPUT : EXIT_USAGE;
        goto out;
    }
    mm_mailbox_result res;
    if (mm_mailbox_deliver(s.http, reach.service_address, id.number, soap.data, soap.len, &res, &fault, &err) < 0) {
        char who[200];
        snprintf(who, sizeof who, "mailbox operator %s", reach.operator_name);
        print_fault("send", who, &fault, &err);
        rc = failure_status(&err);
        if (rc == EXIT_LATER)
            mmctl_err("send", "the letter to %s may not have arrived; try again later (message id %s)", masked,
                      msgid);
        goto out;
    }
    if (!res.delivered) {
        printf("not delivered digitally: %s did not accept the letter (Delivered=false, TransId %s)\n",
               reach.operator_name, res.trans_id);
        rc = EXIT_NOT_DIGITAL;
        goto out;
    }
    printf("delivered to %s, TransId %s, message id %s\n", reach.operator_name, res.trans_id, msgid);
    rc = EXIT_OK;
out:
    mm_buf_free(&soap);
    mm_buf_free(&pdf);
    session_free(&s);
    return rc;
}
