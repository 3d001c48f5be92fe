/* SPDX-License-Identifier: EUPL-1.2 */
/* The intake check of a letter with qpdf (see pdfcheck.h). */
#include "pdfcheck.h"

#include <string.h>
#include <qpdf/qpdf-c.h>

int mm_pdf_check(const unsigned char *pdf, size_t len, int *pages, mm_error *err)
{
    *pages = 0;
    if (len < 5 || memcmp(pdf, "%PDF-", 5))
        return mm_error_set(err, MM_ERR_INPUT, MM_PDF_DAMAGED, "the document is not a PDF");
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
