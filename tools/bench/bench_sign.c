/* SPDX-License-Identifier: EUPL-1.2 */
/* Signing benchmark: deliveries signed+sealed per second in process, versus
 * the xmlsec1 CLI run twice per delivery (sign, then seal), versus the
 * RSA-2048 limit from `openssl speed` (2 signatures per delivery).
 * Usage: bench_sign [-n N] [-c N_CLI] [-t THREADS] [--write FILE] CERT KEY */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxml/tree.h>

#include "buf.h"
#include "delivery.h"
#include "dsig.h"
#include "fileio.h"

extern char **environ;

#define PDF_SIZE (50 * 1024)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Deterministic pseudo-random bytes wrapped as a PDF (a 50 KB letter). */
static unsigned char *make_pdf(size_t size)
{
    unsigned char *p = malloc(size);
    if (!p)
        return NULL;
    static const char head[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 0 >>\nstream\n";
    static const char tail[] = "\nendstream\nendobj\n%%EOF\n";
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)x;
    }
    memcpy(p, head, sizeof head - 1);
    memcpy(p + size - (sizeof tail - 1), tail, sizeof tail - 1);
    return p;
}

static void params(mm_delivery_params *p, const unsigned char *pdf)
{
    memset(p, 0, sizeof *p);
    p->sender_id = "162120000142";
    p->sender_name = "Exempelkommun";
    p->recipient = "191212121212";
    p->subject = "Beslut om bygglov";
    p->support_text = "Kontakta kommunens kontaktcenter";
    p->support_phone = "08-123 456 00";
    p->attachment = pdf;
    p->attachment_len = PDF_SIZE;
    p->attachment_name = "beslut.pdf";
}

typedef struct {
    const mm_signer *signer;
    const unsigned char *pdf;
    int n;
    int use_xmlsec;
    int failed;
} worker_arg;

static void *worker(void *ap)
{
    worker_arg *a = ap;
    mm_delivery_params p;
    params(&p, a->pdf);
    p.sign_with_xmlsec = a->use_xmlsec;
    for (int i = 0; i < a->n; i++) {
        mm_buf out = MM_BUF_INIT;
        mm_error err;
        char id[37];
        if (mm_delivery_build(a->signer, &p, time(NULL), &out, id, &err) < 0) {
            fprintf(stderr, "bench_sign: %s\n", err.msg);
            a->failed = 1;
        }
        mm_buf_free(&out);
        if (a->failed)
            break;
    }
    return NULL;
}

static double in_process(const mm_signer *s, const unsigned char *pdf, int n, int threads, int use_xmlsec)
{
    pthread_t tid[64];
    worker_arg args[64];
    if (threads < 1 || threads > 64)
        threads = 1;
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        args[i] = (worker_arg){s, pdf, n / threads, use_xmlsec, 0};
        pthread_create(&tid[i], NULL, worker, &args[i]);
    }
    int failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        failed |= args[i].failed;
    }
    double dt = now() - t0;
    return failed ? -1 : (double)(n / threads * threads) / dt;
}

static int run(char *const argv[])
{
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

#define SIG_TMPL(subject)                                                                                    \
    "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"                                   \
    "<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></CanonicalizationMethod>" \
    "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"></SignatureMethod>"     \
    "<Reference URI=\"\"><Transforms><Transform "                                                           \
    "Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"></Transform></Transforms>"          \
    "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></DigestMethod>"                    \
    "<DigestValue></DigestValue></Reference></SignedInfo><SignatureValue></SignatureValue>"                  \
    "<KeyInfo><X509Data><X509SubjectName>" subject "</X509SubjectName><X509Certificate></X509Certificate>"   \
    "</X509Data></KeyInfo></Signature>"

/* The unsigned SignedDelivery of our builder: drop its Signature. */
static int unsigned_template(const mm_signer *s, const unsigned char *pdf, mm_buf *out)
{
    mm_delivery_params p;
    params(&p, pdf);
    mm_error err;
    char id[37];
    xmlDocPtr d = mm_delivery_signed(s, &p, id, &err);
    if (!d)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(d);
    xmlNodePtr sig = xmlGetLastChild(root);
    xmlUnlinkNode(sig);
    xmlFreeNode(sig);
    xmlChar *mem = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(d, &mem, &len, "UTF-8");
    xmlFreeDoc(d);
    if (!mem)
        return -1;
    /* Insert the template before the closing root tag. */
    char *end = strstr((char *)mem, "</SignedDelivery>");
    int rc = !end || mm_buf_append(out, mem, (size_t)(end - (char *)mem)) < 0 ||
             mm_buf_puts(out, SIG_TMPL("") "</SignedDelivery>\n") < 0;
    xmlFree(mem);
    return rc ? -1 : 0;
}

static double xmlsec_cli(const char *cert, const char *key, const mm_buf *tmpl, int n, const char *dir)
{
    char t1[512], s1[512], t2[512], s2[512], keyarg[1100];
    snprintf(t1, sizeof t1, "%s/signed-tmpl.xml", dir);
    snprintf(s1, sizeof s1, "%s/signed.xml", dir);
    snprintf(t2, sizeof t2, "%s/sealed-tmpl.xml", dir);
    snprintf(s2, sizeof s2, "%s/sealed.xml", dir);
    snprintf(keyarg, sizeof keyarg, "%s,%s", key, cert);
    char *sign1[] = {"xmlsec1", "--sign", "--privkey-pem", keyarg, "--output", s1, t1, NULL};
    char *sign2[] = {"xmlsec1", "--sign", "--privkey-pem", keyarg, "--node-xpath",
                     "/*/*[local-name()='Signature']", "--output", s2, t2, NULL};
    double t0 = now();
    for (int i = 0; i < n; i++) {
        if (write_file(t1, tmpl->data, tmpl->len) < 0 || run(sign1) < 0)
            return -1;
        mm_buf sd = MM_BUF_INIT, st = MM_BUF_INIT;
        if (mm_fileio_read_file(s1, &sd, 8 << 20) < 0) {
            mm_buf_free(&sd);
            return -1;
        }
        char *rootp = strstr(sd.data, "<SignedDelivery");
        int bad = !rootp || mm_buf_puts(&st, "<SealedDelivery xmlns=\"http://minameddelanden.gov.se/schema/Message/v3\">") < 0 ||
                  mm_buf_puts(&st, rootp) < 0;
        while (!bad && st.len && (st.data[st.len - 1] == '\n')) /* drop trailing newline */
            st.data[--st.len] = 0;
        bad = bad || mm_buf_puts(&st, "<Seal><ReceivedTime xmlns=\"http://minameddelanden.gov.se/schema/Message\">"
                                      "2026-11-28+01:00</ReceivedTime><SignaturesOK "
                                      "xmlns=\"http://minameddelanden.gov.se/schema/Message\">true</SignaturesOK></Seal>" SIG_TMPL("")
                                      "</SealedDelivery>\n") < 0;
        bad = bad || write_file(t2, st.data, st.len) < 0 || run(sign2) < 0;
        mm_buf_free(&sd);
        mm_buf_free(&st);
        if (bad)
            return -1;
    }
    return (double)n / (now() - t0);
}

static double openssl_rsa2048_sign_per_s(void)
{
    FILE *f = popen("openssl speed -seconds 3 rsa2048 2>/dev/null", "r");
    if (!f)
        return -1;
    char line[512];
    double v = -1;
    while (fgets(line, sizeof line, f)) {
        double a, b, c, d;
        if (sscanf(line, "rsa 2048 bits %lfs %lfs %lf %lf", &a, &b, &c, &d) == 4)
            v = c;
    }
    pclose(f);
    return v;
}

int main(int argc, char **argv)
{
    int n = 300, ncli = 20, threads = 1;
    const char *write = NULL;
    int skip_external = 0;
    int i;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-c") && i + 1 < argc)
            ncli = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--write") && i + 1 < argc)
            write = argv[++i];
        else if (!strcmp(argv[i], "--in-process-only"))
            skip_external = 1;
        else
            break;
    }
    if (argc - i != 2 || n < 1) {
        fprintf(stderr, "usage: bench_sign [-n N] [-c N_CLI] [-t THREADS] [--in-process-only] [--write FILE] CERT KEY\n");
        return 2;
    }
    const char *cert = argv[i], *key = argv[i + 1];
    mm_error err;
    mm_signer *s = mm_signer_load(cert, key, &err);
    if (!s) {
        fprintf(stderr, "bench_sign: %s\n", err.msg);
        return 1;
    }
    unsigned char *pdf = make_pdf(PDF_SIZE);
    int rc = 0;
    if (write) { /* one complete wire request, for tests */
        mm_delivery_params p;
        params(&p, pdf);
        mm_buf out = MM_BUF_INIT;
        char id[37];
        if (mm_delivery_build(s, &p, time(NULL), &out, id, &err) < 0 || write_file(write, out.data, out.len) < 0) {
            fprintf(stderr, "bench_sign: cannot write %s: %s\n", write, err.msg);
            rc = 1;
        }
        mm_buf_free(&out);
        mm_signer_free(s);
        free(pdf);
        return rc;
    }
    double inproc = in_process(s, pdf, n, threads, 0);
    double inproc_xs = in_process(s, pdf, n, threads, 1);
    if (inproc < 0 || inproc_xs < 0) {
        rc = 1;
        goto done;
    }
    printf("in-process: %.1f deliveries/s (%d deliveries of a %d-byte PDF, %d thread%s, direct C14N writer + "
           "EVP_DigestSign)\n",
           inproc, n, PDF_SIZE, threads, threads == 1 ? "" : "s");
    printf("in-process, xmlSecDSigCtx per signature: %.1f deliveries/s (ratio direct/xmlsec %.2f)\n", inproc_xs,
           inproc / inproc_xs);
    if (skip_external)
        goto done;
    char dir[] = "/tmp/bench_sign.XXXXXX";
    if (!mkdtemp(dir)) {
        rc = 1;
        goto done;
    }
    mm_buf tmpl = MM_BUF_INIT;
    double cli = unsigned_template(s, pdf, &tmpl) < 0 ? -1 : xmlsec_cli(cert, key, &tmpl, ncli, dir);
    mm_buf_free(&tmpl);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_sign: could not remove %s\n", dir);
    double rsa = openssl_rsa2048_sign_per_s();
    if (cli > 0)
        printf("xmlsec1 CLI: %.1f deliveries/s (%d deliveries, 2 invocations each) (ratio %.1f)\n", cli, ncli,
               inproc / cli);
    else {
        printf("xmlsec1 CLI: failed\n");
        rc = 1;
    }
    if (rsa > 0) {
        double limit = rsa / 2;
        printf("RSA limit: %.1f deliveries/s (openssl speed rsa2048: %.1f sign/s, 2 signs per delivery) "
               "(ratio %.2f, goal >= 0.60%s)\n",
               limit, rsa, inproc / limit, threads == 1 ? "" : "; per core compare with -t 1");
    } else {
        printf("RSA limit: openssl speed failed\n");
        rc = 1;
    }
done:
    mm_signer_free(s);
    free(pdf);
    return rc;
}
