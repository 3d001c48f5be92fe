/* SPDX-License-Identifier: EUPL-1.2 */
/* pdftomm: the CUPS filter of the "Mina meddelanden" queue.
 *
 *   pdftomm job-id user title copies options [file]
 *
 * Reads the PDF (argv[6] or stdin), finds the recipient (lib/discover.c)
 * and writes a job bundle (doc/job-bundle.md) to stdout for the mmprint
 * backend.  A missing recipient still gives a bundle (the backend holds the
 * job); a PDF that cannot be used gives a Swedish ERROR: line and exit 1, so
 * CUPS stops the job instead of passing anything on.  Thin on purpose: the
 * logic lives in libmmprint.
 *
 * On a batch queue (the queue's PPD default MMBatch=True, never a job
 * option) it does no discovery: it checks that the document is a PDF and
 * streams a batch bundle (lib/batchbundle.h: header, then the PDF in
 * chunks) for the server to split into letters. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cups/cups.h>

#include "batchbundle.h"
#include "buf.h"
#include "bundle.h"
#include "config.h"
#include "discover.h"
#include "error.h"
#include "fileio.h"
#include "idnum.h"
#include "log.h"
#include "text.h"

#define MAX_PDF MM_DISCOVER_MAX_PDF
#define DEFAULT_CONF "/etc/mmprint/filter.conf"
/* Hostile PDFs can make text extraction slow; CUPS's MaxJobTime is hours. */
#define DEFAULT_TIME_LIMIT 300
/* The largest batch the filter passes on: the server's default
 * batch_max_bytes; a server set lower refuses with its own message. */
#define BATCH_MAX_PDF (1024ULL * 1024 * 1024)
#define CHUNK (64 * 1024)

static void on_alarm(int sig)
{
    static const char msg[] = "ERROR: Dokumentet tog för lång tid att läsa och skickas inte.\n";
    (void)sig;
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(1);
}

/* The queue's default for an option the dialog did not send: CUPS puts
 * only the job's own options in argv[5], the PPD default is in $PPD. */
static void ppd_default(const char *keyword, char *out, size_t outlen)
{
    const char *path = getenv("PPD");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char want[64], line[512];
    snprintf(want, sizeof want, "*Default%s:", keyword);
    size_t wl = strlen(want);
    int lines = 0;
    while (fgets(line, sizeof line, f) && lines++ < 20000) {
        if (strncmp(line, want, wl))
            continue;
        const char *v = line + wl;
        while (*v == ' ')
            v++;
        size_t n = strcspn(v, " \r\n");
        if (n < outlen) {
            memcpy(out, v, n);
            out[n] = '\0';
        }
        break;
    }
    fclose(f);
}

/* A PPD choice value or "Custom.text" as typed in a dialog. */
static const char *custom_text(const char *v)
{
    if (!v)
        return NULL;
    if (!strncmp(v, "Custom.", 7))
        v += 7;
    if (!*v || !strcmp(v, "None") || !strcmp(v, "Custom"))
        return NULL;
    return v;
}

/* Removes an "mm:NUMBER" / "[mm:NUMBER]" marker from a title so the number
 * does not travel on as the letter's title. */
static void strip_title_marker(char *t)
{
    char *m = t;
    /* "mm:" on its own, followed by a digit (not "comm:", not "mm:ss"). */
    while ((m = strstr(m, "mm:")) && ((m > t && ((m[-1] >= 'a' && m[-1] <= 'z') || (m[-1] >= 'A' && m[-1] <= 'Z'))) ||
                                      !(m[3] >= '0' && m[3] <= '9')))
        m += 3;
    if (!m)
        return;
    char *start = (m > t && m[-1] == '[') ? m - 1 : m;
    char *end = m + 3;
    while ((*end >= '0' && *end <= '9') || *end == '-' || *end == '+')
        end++;
    if (*end == ']' && start < m)
        end++;
    while (*end == ' ')
        end++;
    memmove(start, end, strlen(end) + 1);
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        t[--n] = '\0';
}

static const char *source_sv(const char *source)
{
    static const struct {
        const char *key, *sv;
    } names[] = {
        {"option", "utskriftsalternativet Personnummer"},
        {"billing", "fältet för faktureringsinformation (job-billing)"},
        {"info", "dokumentets egenskaper (PDF Info)"},
        {"xmp", "dokumentets metadata (XMP)"},
        {"keywords", "dokumentets nyckelord (mm-recipient=)"},
        {"subject", "dokumentets ämne"},
        {"title", "jobbets namn (mm:)"},
        {"text", "dokumentets text"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].key, source))
            return names[i].sv;
    return source;
}

/* A PPD option's choice: the job's option (the PPD keyword, else the
 * script's mm-* name), else the PPD's default; out unchanged when none. */
static void ppd_choice(int nopt, cups_option_t *opts, const char *keyword, const char *script_name, char *out,
                       size_t size)
{
    const char *p = cupsGetOption(keyword, nopt, opts);
    if (!p)
        p = cupsGetOption(script_name, nopt, opts);
    if (p)
        mm_text_copy(out, size, p);
    else
        ppd_default(keyword, out, size);
}

static int fail(const char *swedish, const char *detail)
{
    fprintf(stderr, "ERROR: %s\n", swedish);
    if (detail)
        fprintf(stderr, "DEBUG: pdftomm: %s\n", detail);
    return 1;
}

/* The time limit: MMPRINT_FILTER_TIME_LIMIT seconds, else the default;
 * on_alarm ends the filter when it runs out. */
static void start_time_limit(void)
{
    long limit = DEFAULT_TIME_LIMIT;
    const char *limit_env = getenv("MMPRINT_FILTER_TIME_LIMIT");
    if (limit_env && atol(limit_env) > 0)
        limit = atol(limit_env);
    alarm((unsigned)limit);
}

/* Reads the PDF from path (NULL: stdin) into pdf, which the caller frees
 * in every case.  0, or 1 with the ERROR: line said. */
static int read_document(const char *path, mm_buf *pdf)
{
    if ((path ? mm_fileio_read_file(path, pdf, MAX_PDF) : mm_fileio_read_fd(STDIN_FILENO, pdf, MAX_PDF, NULL)) < 0) {
        int e = errno;
        if (e == EFBIG || e == E2BIG || e == EOVERFLOW)
            return fail("Dokumentet är för stort (högst 32 MiB) och skickas inte.", NULL);
        return fail("Dokumentet kunde inte läsas.", strerror(e));
    }
    if (pdf->len == 0)
        return fail("Dokumentet är tomt och skickas inte.", NULL);
    return 0;
}

/* The sender's own organisation number from the filter's configuration,
 * excluded from page text; own stays "" without one.  0, or 1 with the
 * ERROR: line said when the file exists but cannot be read. */
static int load_sender_orgnr(char own[13])
{
    const char *conf_path = getenv("MMPRINT_FILTER_CONF");
    if (!conf_path || !*conf_path)
        conf_path = DEFAULT_CONF;
    if (access(conf_path, F_OK) != 0)
        return 0;
    mm_error err;
    mm_error_clear(&err);
    mm_config *cfg = mm_config_load(conf_path, &err);
    if (!cfg)
        return fail("Skrivarens inställningar är felaktiga; kontakta IT.", err.msg);
    for (size_t i = 0; i < mm_config_count(cfg); i++)
        if (strcmp(mm_config_key_at(cfg, i), "sender_org_number"))
            fprintf(stderr, "WARNING: Okänd inställning '%s' i %s ignoreras\n", mm_config_key_at(cfg, i),
                    conf_path);
    const char *org = mm_config_get(cfg, "sender_org_number", NULL);
    mm_id oid;
    if (org && mm_idnum_parse(org, NULL, &oid, &err) == 0)
        memcpy(own, oid.number, 13);
    else if (org)
        fprintf(stderr, "DEBUG: pdftomm: sender_org_number in %s is not valid: %s\n", conf_path, err.msg);
    mm_config_free(cfg);
    return 0;
}

/* The Swedish ERROR: text for a PDF that mm_discover could not use. */
static const char *discover_error_sv(int code)
{
    switch (code) {
    case MM_DISCOVER_ENCRYPTED:
        return "PDF-filen är krypterad eller lösenordsskyddad och kan inte skickas. Skriv ut en okrypterad version.";
    case MM_DISCOVER_NO_PAGES:
        return "PDF-filen har inga sidor och skickas inte.";
    default:
        return "Dokumentet är inte en läsbar PDF-fil och skickas inte.";
    }
}

/* Fills b (initialised by the caller) with the job, the document and what
 * the options and res say, all but the recipient.  b points into pdf, res
 * and the strings of argv/opts: they must outlive it.  0, or 1 with the
 * ERROR: line said. */
static int fill_bundle(mm_bundle *b, const mm_buf *pdf, const mm_discover_result *res, const char *job_id,
                       const char *user, const char *title, int nopt, cups_option_t *opts)
{
    b->pages = res->pages;
    b->document = (const unsigned char *)pdf->data;
    b->document_len = pdf->len;
    mm_text_copy(b->user, sizeof b->user, user);
    mm_text_copy(b->cups_job_id, sizeof b->cups_job_id, job_id);
    mm_text_copy(b->host, sizeof b->host, cupsGetOption("job-originating-host-name", nopt, opts));
    mm_text_copy(b->title, sizeof b->title, title);
    /* Whichever source won, a marker does not belong in the letter's title. */
    strip_title_marker(b->title);
    mm_text_copy(b->department, sizeof b->department, custom_text(cupsGetOption("mm-department", nopt, opts)));

    /* Subject: the Ärende option, else the PDF's /Subject unless it carries
     * an identity number (a marker is not a subject line). */
    const char *subject = custom_text(cupsGetOption("Arende", nopt, opts));
    if (!subject)
        subject = custom_text(cupsGetOption("mm-subject", nopt, opts));
    if (subject) {
        mm_text_copy(b->subject, sizeof b->subject, subject);
    } else if (res->subject[0]) {
        char tmp[sizeof res->subject];
        memcpy(tmp, res->subject, sizeof tmp);
        if (mm_log_mask_text(tmp) == 0 && strcmp(res->source, "subject"))
            mm_text_copy(b->subject, sizeof b->subject, res->subject);
    }

    char policy[32] = "";
    ppd_choice(nopt, opts, "MMPolicy", "mm-policy", policy, sizeof policy);
    if (policy[0]) {
        if (strcmp(policy, "digital-else-paper") && strcmp(policy, "digital-only") && strcmp(policy, "paper-only"))
            return fail("Okänt val för Leverans; välj Digitalt, annars papper, Endast digitalt eller Endast papper.",
                        "unknown MMPolicy value");
        mm_text_copy(b->policy, sizeof b->policy, policy);
    }
    /* "default" leaves the choice to the server (its print room's class). */
    char choice[32] = "";
    ppd_choice(nopt, opts, "MMPostClass", "mm-postal-class", choice, sizeof choice);
    if (choice[0] && strcmp(choice, "default")) {
        if (!mm_bundle_postal_class_valid(choice))
            return fail("Okänt val för Postklass; välj A-post, B-post eller Rekommenderat brev.",
                        "unknown MMPostClass value");
        mm_text_copy(b->postal_class, sizeof b->postal_class, choice);
    }
    choice[0] = 0;
    ppd_choice(nopt, opts, "MMLetterType", "mm-letter-type", choice, sizeof choice);
    if (choice[0] && strcmp(choice, "default")) {
        if (!mm_bundle_letter_type_valid(choice))
            return fail("Okänt val för Brevtyp; välj Beslut, Information eller Annat.", "unknown MMLetterType value");
        mm_text_copy(b->letter_type, sizeof b->letter_type, choice);
    }

    /* Every labelled number of the text, for the server to decide again
     * with all of the sender's numbers (doc/job-bundle.md). */
    mm_error err;
    mm_error_clear(&err);
    if (!mm_candidates_empty(&res->candidates) &&
        mm_candidates_format(&res->candidates, b->candidates, sizeof b->candidates, &err) < 0) {
        /* Cannot happen (the list is bounded); without it the server would
         * trust the filter alone, so do not send the letter on. */
        return fail("Jobbet kunde inte förberedas.", err.msg);
    }
    return 0;
}

/* Puts the recipient, or why there is none, in b and tells cupsd (masked). */
static void set_recipient(mm_bundle *b, const mm_discover_result *res)
{
    if (res->found) {
        char masked[16];
        mm_idnum_mask(res->id.number, masked);
        memcpy(b->recipient, res->id.number, sizeof b->recipient);
        mm_text_copy(b->recipient_source, sizeof b->recipient_source, res->source);
        fprintf(stderr, "INFO: Mottagare hittad i %s: %s\n", source_sv(res->source), masked);
        return;
    }
    mm_text_copy(b->recipient_source, sizeof b->recipient_source, res->source);
    mm_text_copy(b->recipient_problem, sizeof b->recipient_problem,
                 res->problem[0] ? res->problem : "no recipient found");
    /* A raster job (IPP Class Driver, IPP Everywhere, AirPrint) reached us
     * as pictures of pages: CUPS made it a PDF without text, so nothing can
     * be read from it.  The server words the held reason from this prefix
     * (server/recipient.c). */
    const char *type = getenv("CONTENT_TYPE");
    if (!res->source[0] && type && !strncmp(type, "image/", 6)) {
        snprintf(b->recipient_problem, sizeof b->recipient_problem,
                 "image only: the letter came as %.64s, a picture without text", type);
        fprintf(stderr, "INFO: Brevet kom som en bild utan text – mottagaren kan inte läsas, jobbet hålls\n");
        fprintf(stderr, "DEBUG: pdftomm: recipient missing: %s\n", b->recipient_problem);
        return;
    }
    if (!strncmp(res->problem, "invalid number", 14))
        fprintf(stderr, "INFO: Ogiltigt personnummer i %s – jobbet hålls\n", source_sv(res->source));
    else if (res->source[0] && (strstr(res->problem, "different") || strstr(res->problem, "several")))
        fprintf(stderr, "INFO: Flera olika personnummer i %s – jobbet hålls\n", source_sv(res->source));
    else if (strstr(res->problem, "someone else's"))
        fprintf(stderr, "INFO: Numret i %s är märkt som någon annans än mottagarens – jobbet hålls\n",
                source_sv(res->source));
    else if (strstr(res->problem, "guardian or representative"))
        fprintf(stderr, "INFO: Brevet är ställt till en vårdnadshavare eller företrädare – jobbet hålls\n");
    else if (strstr(res->problem, "left to the server"))
        fprintf(stderr, "INFO: Organisationsnumret i %s kontrolleras av servern\n", source_sv(res->source));
    else
        fprintf(stderr, "INFO: Ingen mottagare hittad – jobbet hålls\n");
    /* The reason never carries the number (discover.h), mask anyway. */
    char why[sizeof res->problem];
    memcpy(why, res->problem, sizeof why);
    mm_log_mask_text(why);
    fprintf(stderr, "DEBUG: pdftomm: recipient missing: %s\n", why);
}

/* ---- the batch queue ---- */

/* Copies all of in to out in CHUNK pieces; the bytes copied in *copied.
 * 0, or -1 with errno (EFBIG beyond max bytes). */
static int copy_fd(int in, int out, unsigned long long max, unsigned long long *copied)
{
    static char chunk[CHUNK];
    *copied = 0;
    for (;;) {
        ssize_t n = read(in, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (*copied + (unsigned long long)n > max) {
            errno = EFBIG;
            return -1;
        }
        if (mm_fileio_write_fd(out, chunk, (size_t)n) < 0)
            return -1;
        *copied += (unsigned long long)n;
    }
}

/* The batch's document as a file descriptor at offset 0 with its size:
 * the print file, or stdin spooled to an unlinked temporary file (the
 * header needs the length before the PDF).  0, or 1 with the ERROR: line
 * said; *fd is the caller's to close. */
static int batch_document(const char *path, int *fd, unsigned long long *size)
{
    struct stat st;
    if (path) {
        if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(*fd, &st) != 0)
            return fail("Dokumentet kunde inte läsas.", strerror(errno));
        *size = (unsigned long long)st.st_size;
    } else {
        const char *dir = getenv("TMPDIR");
        char tmpl[1024];
        snprintf(tmpl, sizeof tmpl, "%s/pdftomm-XXXXXX", dir && *dir ? dir : "/tmp");
        if ((*fd = mkstemp(tmpl)) < 0)
            return fail("Dokumentet kunde inte läsas.", strerror(errno));
        unlink(tmpl);
        if (copy_fd(STDIN_FILENO, *fd, BATCH_MAX_PDF, size) != 0) {
            if (errno == EFBIG)
                return fail("Massutskicket är för stort (högst 1 GiB) och skickas inte.", NULL);
            return fail("Dokumentet kunde inte läsas.", strerror(errno));
        }
        if (lseek(*fd, 0, SEEK_SET) != 0)
            return fail("Dokumentet kunde inte läsas.", strerror(errno));
    }
    if (*size == 0)
        return fail("Dokumentet är tomt och skickas inte.", NULL);
    if (*size > BATCH_MAX_PDF)
        return fail("Massutskicket är för stort (högst 1 GiB) och skickas inte.", NULL);
    char magic[5];
    if (pread(*fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic || memcmp(magic, "%PDF-", 5))
        return fail("Massutskicket är inte en PDF-fil och skickas inte.", "no %PDF- at the start");
    return 0;
}

/* The batch bundle's header from the job and the queue's choices.  0, or
 * 1 with the ERROR: line said. */
static int batch_header(mm_batch_header *h, const char *job_id, const char *user, const char *title, int nopt,
                        cups_option_t *opts, unsigned long long size)
{
    mm_batch_header_init(h);
    char choice[32] = "";
    /* The job's -o mm-split= (or MMSplit=), else the queue's default. */
    ppd_choice(nopt, opts, "MMSplit", "mm-split", choice, sizeof choice);
    if (!choice[0])
        mm_text_copy(choice, sizeof choice, "auto");
    if (!strcmp(choice, "manifest") || !mm_batch_split_valid(choice, NULL))
        return fail("Okänt val för Dela upp i brev (mm-split); använd auto, outline, text eller pages:N.",
                    "unknown split mode");
    mm_text_copy(h->split, sizeof h->split, choice);
    mm_text_copy(h->user, sizeof h->user, user);
    mm_text_copy(h->cups_job_id, sizeof h->cups_job_id, job_id);
    mm_text_copy(h->host, sizeof h->host, cupsGetOption("job-originating-host-name", nopt, opts));
    mm_text_copy(h->title, sizeof h->title, title);
    strip_title_marker(h->title);
    mm_text_copy(h->department, sizeof h->department, custom_text(cupsGetOption("mm-department", nopt, opts)));
    choice[0] = 0;
    ppd_choice(nopt, opts, "MMPolicy", "mm-policy", choice, sizeof choice);
    if (choice[0]) {
        if (strcmp(choice, "digital-else-paper") && strcmp(choice, "digital-only") && strcmp(choice, "paper-only"))
            return fail("Okänt val för Leverans; välj Digitalt, annars papper, Endast digitalt eller Endast papper.",
                        "unknown MMPolicy value");
        mm_text_copy(h->policy, sizeof h->policy, choice);
    }
    choice[0] = 0;
    ppd_choice(nopt, opts, "MMPostClass", "mm-postal-class", choice, sizeof choice);
    if (choice[0] && strcmp(choice, "default")) {
        if (!mm_bundle_postal_class_valid(choice))
            return fail("Okänt val för Postklass; välj A-post, B-post eller Rekommenderat brev.",
                        "unknown MMPostClass value");
        mm_text_copy(h->postal_class, sizeof h->postal_class, choice);
    }
    choice[0] = 0;
    ppd_choice(nopt, opts, "MMLetterType", "mm-letter-type", choice, sizeof choice);
    if (choice[0] && strcmp(choice, "default")) {
        if (!mm_bundle_letter_type_valid(choice))
            return fail("Okänt val för Brevtyp; välj Beslut, Information eller Annat.", "unknown MMLetterType value");
        mm_text_copy(h->letter_type, sizeof h->letter_type, choice);
    }
    h->document_length = (size_t)size;
    return 0;
}

/* The batch queue's whole work: header, then the PDF streamed.  0, or 1
 * with the ERROR: line said. */
static int run_batch(const char *path, const char *job_id, const char *user, const char *title, int nopt,
                     cups_option_t *opts)
{
    int rc = 1, fd = -1;
    unsigned long long size = 0, sent = 0;
    mm_buf out = MM_BUF_INIT;
    mm_batch_header h;
    mm_error err;
    mm_error_clear(&err);
    if ((rc = batch_document(path, &fd, &size)) != 0)
        goto out;
    if ((rc = batch_header(&h, job_id, user, title, nopt, opts, size)) != 0)
        goto out;
    if (mm_batch_header_write(&h, &out, &err) != 0) {
        rc = fail("Jobbet kunde inte förberedas.", err.msg);
        goto out;
    }
    if (mm_fileio_write_fd(STDOUT_FILENO, out.data, out.len) < 0 || copy_fd(fd, STDOUT_FILENO, size, &sent) != 0 ||
        sent != size) {
        rc = fail("Jobbet kunde inte skickas vidare.", errno ? strerror(errno) : "the document changed size");
        goto out;
    }
    fprintf(stderr, "INFO: Massutskick (%s) skickas till mmprint-servern för uppdelning i brev\n", h.split);
    rc = 0;

out:
    if (fd >= 0)
        close(fd);
    mm_buf_free(&out);
    return rc;
}

/* One exit path: rc (0, or 1 with an ERROR: line said) is set before each
 * jump to out, where what was acquired is released. */
int main(int argc, char **argv)
{
    int rc = 1;
    mm_buf pdf = MM_BUF_INIT, out = MM_BUF_INIT;
    cups_option_t *opts = NULL;
    int nopt = 0;
    char own[13] = "";
    mm_discover_result res;
    mm_bundle b;
    mm_error err;
    mm_error_clear(&err);

    if (argc < 6 || argc > 7) {
        fprintf(stderr, "Usage: %s job-id user title copies options [file]\n", argv[0]);
        rc = 1;
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    start_time_limit();

    const char *job_id = argv[1], *user = argv[2], *title = argv[3], *options = argv[5];
    nopt = cupsParseOptions(options, 0, &opts);
    /* Only the queue's PPD can make a batch queue: a job option cannot. */
    char batch[16] = "";
    ppd_default("MMBatch", batch, sizeof batch);
    if (!strcmp(batch, "True")) {
        rc = run_batch(argc == 7 ? argv[6] : NULL, job_id, user, title, nopt, opts);
        goto out;
    }

    if ((rc = read_document(argc == 7 ? argv[6] : NULL, &pdf)) != 0)
        goto out;
    if ((rc = load_sender_orgnr(own)) != 0)
        goto out;

    mm_discover_input in = {
        .option_personnummer = cupsGetOption("Personnummer", nopt, opts),
        .job_billing = cupsGetOption("job-billing", nopt, opts),
        .title = title,
        .sender_orgnr = own[0] ? own : NULL,
        .today = NULL,
    };
    if (mm_discover((const unsigned char *)pdf.data, pdf.len, &in, &res, &err) < 0) {
        rc = fail(discover_error_sv(err.code), err.msg);
        goto out;
    }

    mm_bundle_init(&b);
    if ((rc = fill_bundle(&b, &pdf, &res, job_id, user, title, nopt, opts)) != 0)
        goto out;
    set_recipient(&b, &res);

    mm_error_clear(&err);
    if (mm_bundle_write(&b, &out, &err) < 0) {
        rc = fail("Jobbet kunde inte förberedas.", err.msg);
        goto out;
    }
    if (mm_fileio_write_fd(STDOUT_FILENO, out.data, out.len) < 0) {
        rc = fail("Jobbet kunde inte skickas vidare.", strerror(errno));
        goto out;
    }
    rc = 0;

out:
    mm_buf_free(&out);
    cupsFreeOptions(nopt, opts);
    mm_buf_free(&pdf);
    return rc;
}
