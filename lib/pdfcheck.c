/* SPDX-License-Identifier: EUPL-1.2 */
/* The intake check of a letter with qpdf (see pdfcheck.h). */
#include "pdfcheck.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <qpdf/qpdf-c.h>

#include "sandbox.h"

/* The parse itself, in the confined child. */
static int check_here(const unsigned char *pdf, size_t len, int *pages, mm_error *err)
{
    qpdf_data q = qpdf_init();
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    int rc = 0;
    /* Warnings are repairs qpdf made (a broken xref table, say); such a PDF
     * still merges and prints, as the print path's qpdf exit status 3 does. */
    if (qpdf_read_memory(q, "letter", (const char *)pdf, (unsigned long long)len, NULL) & QPDF_ERRORS) {
        qpdf_error e = qpdf_has_error(q) ? qpdf_get_error(q) : NULL;
        if (e && qpdf_get_error_code(q, e) == qpdf_e_password)
            rc = mm_error_set(err, MM_ERR_INPUT, MM_PDF_ENCRYPTED, "the PDF needs a password");
        else
            rc = mm_error_set(err, MM_ERR_INPUT, MM_PDF_DAMAGED, "the PDF cannot be read (%s)",
                              e ? qpdf_get_error_message_detail(q, e) : "damaged");
    } else if (qpdf_is_encrypted(q)) {
        /* Also owner-password-only PDFs: their restrictions would travel
         * into the recipient's mailbox, and the filter refuses them too. */
        rc = mm_error_set(err, MM_ERR_INPUT, MM_PDF_ENCRYPTED, "the PDF is encrypted");
    } else {
        int n = qpdf_get_num_pages(q);
        if (n < 0 || qpdf_has_error(q))
            rc = mm_error_set(err, MM_ERR_INPUT, MM_PDF_DAMAGED, "the PDF's page tree cannot be read");
        else if (n == 0)
            rc = mm_error_set(err, MM_ERR_INPUT, MM_PDF_NO_PAGES, "the PDF has no pages");
        else
            *pages = n;
    }
    qpdf_cleanup(&q);
    return rc;
}

/* What the child answers through its pipe. */
typedef struct {
    int rc, pages;
    mm_error err;
} check_answer;

void mm_pdf_check_child(const unsigned char *in, size_t len, int fd)
{
    check_answer ans;
    memset(&ans, 0, sizeof ans);
    ans.rc = check_here(in, len, &ans.pages, &ans.err);
    const char *p = (const char *)&ans;
    for (size_t done = 0; done < sizeof ans;) {
        ssize_t n = write(fd, p + done, sizeof ans - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
}

/* qpdf parses the letter in a confined child (lib/sandbox.h): a forked
 * copy of this process that can open no file at all, with limits on time
 * and memory, so a PDF made against the parser reaches neither the
 * organisation key nor the store.  The child is this program started
 * again (mm_sandbox_call), which calls mm_pdf_check_child.  A child killed by a limit was given a
 * PDF too costly to print: that is the letter's fault. */
int mm_pdf_check(const unsigned char *pdf, size_t len, int *pages, mm_error *err)
{
    *pages = 0;
    if (len < 5 || memcmp(pdf, "%PDF-", 5))
        return mm_error_set(err, MM_ERR_INPUT, MM_PDF_DAMAGED, "the document is not a PDF");
    mm_sandbox sb = {.cpu_s = 60, .mem_bytes = 2LL << 30, .nofile = 16, .timeout_ms = 60000};
    check_answer ans;
    size_t got = 0;
    int status = 0;
    if (mm_sandbox_call(&sb, MM_PDF_CHECK_CHILD, pdf, len, &ans, sizeof ans, &got, &status, err)) {
        if (err->code == MM_SANDBOX_TIMEOUT)
            return mm_error_set(err, MM_ERR_INPUT, MM_PDF_DAMAGED, "the PDF took more than 60 s to check");
        return -1;
    }
    if (got != sizeof ans) {
        if (WIFSIGNALED(status))
            return mm_error_set(err, MM_ERR_INPUT, MM_PDF_DAMAGED,
                                "checking the PDF ended on signal %d (a resource limit)", WTERMSIG(status));
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "the PDF check gave no answer (status %d)", status);
    }
    if (ans.rc) {
        ans.err.msg[sizeof ans.err.msg - 1] = 0;
        return mm_error_set(err, ans.err.cls, ans.err.code, "%s", ans.err.msg);
    }
    *pages = ans.pages;
    return 0;
}

const char *mm_pdf_problem_sv(int code)
{
    switch (code) {
    case MM_PDF_ENCRYPTED:
        return "Brevet togs inte emot: PDF-filen är krypterad eller lösenordsskyddad. Skriv ut en okrypterad version.";
    case MM_PDF_NO_PAGES:
        return "Brevet togs inte emot: PDF-filen har inga sidor.";
    default:
        return "Brevet togs inte emot: dokumentet är en skadad PDF-fil som inte kan läsas. Skriv ut brevet på nytt.";
    }
}
