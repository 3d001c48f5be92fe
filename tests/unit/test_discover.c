/* SPDX-License-Identifier: EUPL-1.2 */
/* Recipient discovery on real PDFs (written by tests/data/pdf/mkpdfs.py,
 * read by poppler and qpdf): every source, their order, each rejection
 * rule, and unusable documents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"
#include "discover.h"

#define A "191212121212"
#define B "198112189876"
#define OWN "162120000142"

static char dir[64];
static struct tm today; /* fixed: 2026-11-28 */

static int make_pdfs(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_discover.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/data/pdf/mkpdfs.py' '%s'", MM_SRCDIR, dir);
    today.tm_year = 126;
    today.tm_mon = 10;
    today.tm_mday = 28;
    return system(cmd) == 0 ? 0 : -1;
}

static int remove_pdfs(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct {
    const char *personnummer, *billing, *title, *own;
    int no_own; /* no filter.conf: the sender's number unknown to the filter */
} job;

/* Runs discovery on one generated file; returns mm_discover's status. */
static int run(const char *file, const job *j, mm_discover_result *r, mm_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    mm_buf pdf = MM_BUF_INIT;
    if (mm_fileio_read_file(path, &pdf, MM_DISCOVER_MAX_PDF) < 0)
        fail_msg("cannot read %s", path);
    mm_discover_input in = {
        .option_personnummer = j ? j->personnummer : NULL,
        .job_billing = j ? j->billing : NULL,
        .title = j ? j->title : NULL,
        .sender_orgnr = j && j->no_own ? NULL : j && j->own ? j->own : OWN,
        .today = &today,
    };
    mm_error_clear(err);
    int rc = mm_discover((const unsigned char *)(pdf.data ? pdf.data : ""), pdf.len, &in, r, err);
    mm_buf_free(&pdf);
    return rc;
}

static void expect_found(const char *file, const job *j, const char *number, const char *source)
{
    mm_discover_result r;
    mm_error err;
    if (run(file, j, &r, &err) != 0)
        fail_msg("%s: %s", file, err.msg);
    if (!r.found)
        fail_msg("%s: nothing found (%s)", file, r.problem);
    if (strcmp(r.id.number, number) || strcmp(r.source, source))
        fail_msg("%s: found %s from %s, wanted %s from %s", file, r.id.number, r.source, number, source);
    assert_int_equal(r.problem[0], '\0');
}

static void expect_missing(const char *file, const job *j, const char *reason)
{
    mm_discover_result r;
    mm_error err;
    if (run(file, j, &r, &err) != 0)
        fail_msg("%s: %s", file, err.msg);
    if (r.found)
        fail_msg("%s: found %s from %s, wanted none", file, r.id.number, r.source);
    if (!strstr(r.problem, reason))
        fail_msg("%s: reason '%s' lacks '%s'", file, r.problem, reason);
    /* The reason travels into logs and the bundle: never a number in it. */
    assert_null(strstr(r.problem, "1212"));
    assert_null(strstr(r.problem, "9876"));
}

static void expect_unusable(const char *file, int code, const char *msg)
{
    mm_discover_result r;
    mm_error err;
    assert_int_equal(run(file, NULL, &r, &err), -1);
    assert_int_equal(err.cls, MM_ERR_INPUT);
    assert_int_equal(err.code, code);
    if (!strstr(err.msg, msg))
        fail_msg("%s: '%s' lacks '%s'", file, err.msg, msg);
}

static void job_option(void **state)
{
    (void)state;
    job j = {.personnummer = A};
    expect_found("plain.pdf", &j, A, "option");
    j.personnummer = "Custom.19121212-1212"; /* what GTK and LibreOffice send */
    expect_found("plain.pdf", &j, A, "option");
    j.personnummer = "Custom.19121212\xe2\x80\x93" "1212"; /* pasted with an en dash */
    expect_found("plain.pdf", &j, A, "option");
    j.personnummer = "811218-9876";
    expect_found("plain.pdf", &j, B, "option");
    /* The empty forms: None (dialog default), "" and a bare Custom (Qt). */
    const char *empty[] = {"None", "", "Custom", "Custom."};
    for (size_t i = 0; i < 4; i++) {
        j.personnummer = empty[i];
        expect_missing("plain.pdf", &j, "no recipient");
        expect_found("text-label.pdf", &j, A, "text");
    }
}

static void job_billing(void **state)
{
    (void)state;
    job j = {.billing = "19811218-9876"};
    expect_found("plain.pdf", &j, B, "billing");
    expect_found("info-mmrecipient.pdf", &j, B, "billing");
    /* A real billing code is not an identity number: ignored. */
    j.billing = "KST-4711";
    expect_found("info-mmrecipient.pdf", &j, A, "info");
}

static void pdf_info(void **state)
{
    (void)state;
    expect_found("info-mmrecipient.pdf", NULL, A, "info");
    expect_found("info-personnummer-utf16.pdf", NULL, A, "info");
}

static void xmp(void **state)
{
    (void)state;
    expect_found("xmp-element.pdf", NULL, A, "xmp");
    expect_found("xmp-attribute.pdf", NULL, A, "xmp");
    expect_missing("xmp-other-namespace.pdf", NULL, "no recipient");
    expect_missing("xmp-broken.pdf", NULL, "no recipient");
    /* A packet with a DTD is not metadata we read, whatever it declares. */
    expect_missing("xmp-dtd.pdf", NULL, "no recipient");
}

static void keywords_subject_title(void **state)
{
    (void)state;
    expect_found("keywords.pdf", NULL, A, "keywords");
    expect_missing("keywords-other.pdf", NULL, "no recipient");
    expect_found("subject-marker.pdf", NULL, A, "subject");
    expect_found("subject-label.pdf", NULL, A, "subject");
    expect_missing("subject-plain.pdf", NULL, "no recipient");
    job j = {.title = "mm:19811218-9876 Beslut"};
    expect_found("plain.pdf", &j, B, "title");
    j.title = "Beslut [mm:198112189876]";
    expect_found("plain.pdf", &j, B, "title");
    j.title = "Beslut till 19811218-9876"; /* no marker: not a source */
    expect_missing("plain.pdf", &j, "no recipient");
    j.title = "comm:198112189876"; /* a marker must stand on its own */
    expect_missing("plain.pdf", &j, "no recipient");
}

static void page_text(void **state)
{
    (void)state;
    expect_found("text-label.pdf", NULL, A, "text");
    expect_found("text-label-above.pdf", NULL, A, "text");
    expect_found("text-label-10digit.pdf", NULL, B, "text");
    expect_found("text-coordination.pdf", NULL, "197010632391", "text");
    expect_found("text-org-recipient.pdf", NULL, "165560160680", "text");
    expect_found("text-compressed.pdf", NULL, A, "text");
    expect_found("text-same-twice.pdf", NULL, B, "text"); /* 12- and 10-digit form of one person */
    expect_found("letter10.pdf", NULL, A, "text");
}

static void unicode_separators(void **state)
{
    (void)state;
    expect_found("text-endash.pdf", NULL, A, "text");
    expect_found("text-minus.pdf", NULL, B, "text");
    expect_found("text-nbhyphen.pdf", NULL, A, "text");
    expect_found("text-thinspace.pdf", NULL, A, "text");
}

static void text_rejections(void **state)
{
    (void)state;
    expect_missing("text-no-label.pdf", NULL, "none next to a label");
    expect_missing("text-two.pdf", NULL, "2 different labelled numbers");
    expect_missing("text-badcheck.pdf", NULL, "invalid number in text");
    expect_missing("text-badcheck-and-valid.pdf", NULL, "invalid number in text");
    expect_missing("text-phone-like.pdf", NULL, "no recipient");
    /* The sender's own Org.nr in the letterhead is never the recipient... */
    expect_missing("text-own-org-only.pdf", NULL, "no recipient");
    /* ...which is what excluding it does: configured otherwise, it is found. */
    job j = {.own = "165560160680"};
    expect_found("text-own-org-only.pdf", &j, OWN, "text");
}

static void precedence(void **state)
{
    (void)state;
    /* Every source names a number; the strongest present one decides. */
    job j = {.personnummer = "Custom." B, .billing = A};
    expect_found("precedence.pdf", &j, B, "option");
    j.personnummer = NULL;
    expect_found("precedence.pdf", &j, A, "billing");
    j.billing = NULL;
    expect_found("precedence.pdf", NULL, A, "info");
    expect_found("precedence-no-info.pdf", NULL, B, "xmp");
    expect_found("precedence-keywords.pdf", NULL, B, "keywords");
    expect_found("precedence-subject.pdf", NULL, A, "subject");
    j.title = "mm:" B;
    expect_found("text-label.pdf", &j, B, "title");
}

static void invalid_explicit_source_stops(void **state)
{
    (void)state;
    /* A person typed a number: a typo must not send the letter to whoever
     * a weaker source names. */
    job j = {.personnummer = "19121212-1213"};
    expect_missing("info-mmrecipient.pdf", &j, "invalid number in option");
    j.personnummer = NULL;
    j.billing = "19121212-1213";
    expect_missing("info-mmrecipient.pdf", &j, "invalid number in billing");
    expect_missing("info-invalid.pdf", NULL, "invalid number in info");
    j.billing = NULL;
    j.title = "mm:19121212-1213";
    expect_missing("text-label.pdf", &j, "invalid number in title");
}

static void unusable_documents(void **state)
{
    (void)state;
    expect_unusable("not-a-pdf.bin", MM_DISCOVER_BAD_PDF, "not a PDF");
    expect_unusable("empty.pdf", MM_DISCOVER_BAD_PDF, "not a PDF");
    expect_unusable("broken.pdf", MM_DISCOVER_BAD_PDF, "damaged");
    expect_unusable("nopages.pdf", MM_DISCOVER_NO_PAGES, "no pages");
    expect_unusable("encrypted.pdf", MM_DISCOVER_ENCRYPTED, "encrypted");
    expect_unusable("owner-only.pdf", MM_DISCOVER_ENCRYPTED, "encrypted");
}

static void page_count(void **state)
{
    (void)state;
    mm_discover_result r;
    mm_error err;
    assert_int_equal(run("letter10.pdf", NULL, &r, &err), 0);
    assert_int_equal(r.pages, 10);
    assert_int_equal(run("plain.pdf", NULL, &r, &err), 0);
    assert_int_equal(r.pages, 1);
}

/* The text rule on strings, for what is awkward to put in a PDF. */
static void text_rule(void **state)
{
    (void)state;
    mm_discover_result r;
    struct {
        const char *text, *want;
    } cases[] = {
        {"Personnummer:\xc2\xa0" "19121212-1212", A},                  /* NBSP */
        {"Pnr: 1912121\xc2\xad" "2-1212", A},                           /* soft hyphen inside */
        {"Personnummer 19121212\xe2\x80\x90" "1212", A},                /* U+2010 */
        {"Pnr 19121212\xe2\x80\x95" "1212", A},                          /* U+2015 */
        {"Personnummer: 121212+1212 (pnr 19121212-1212)", A},           /* 100+: same person */
        {"PERSONNUMMER: 19121212-1212", A},                             /* case-insensitive */
        {"Org.nr 212000-0142\nPersonnummer: 19121212-1212", A},         /* own org skipped */
        {"Personnummer: 19121212-1212\fPersonnummer: 19811218-9876", NULL}, /* page 2 differs */
        {"Anställningsnummer: 19121212-1212", NULL},                    /* not our label */
        {"Personnummer: 2024-01-15", NULL},                             /* a date */
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&r, 0, sizeof r);
        mm_discover_in_text(cases[i].text, OWN, &today, &r);
        if (cases[i].want && (!r.found || strcmp(r.id.number, cases[i].want)))
            fail_msg("case %zu: wanted %s, got %s (%s)", i, cases[i].want, r.found ? r.id.number : "none", r.problem);
        if (!cases[i].want && r.found)
            fail_msg("case %zu: wanted none, got %s", i, r.id.number);
    }
}

/* Labels by position (spec §7 step 5) in PDFs laid out like reports: each
 * text field placed on its own, the column heading over the number. */
static void table_layouts(void **state)
{
    (void)state;
    expect_found("table-header.pdf", NULL, A, "text");
    expect_found("table-tight.pdf", NULL, A, "text");    /* headings a few points apart */
    expect_found("table-keyvalue.pdf", NULL, A, "text"); /* label cell left of the number cell */
    expect_found("table-coordination.pdf", NULL, "197010632391", "text");
    /* Every row under the heading is labelled by it: two people, no guess. */
    expect_missing("table-two-rows.pdf", NULL, "2 different labelled numbers");
    expect_missing("table-child.pdf", NULL, "someone else's (child)");
    /* Only the nearest text above counts, and only a heading, not prose. */
    expect_missing("table-label-not-nearest.pdf", NULL, "none next to a label");
    expect_missing("table-prose-above.pdf", NULL, "none next to a label");
}

/* Without filter.conf the letterhead's Org.nr is a candidate like any other:
 * the filter writes them all, and the server, which knows its own numbers,
 * decides. */
static void candidates_for_the_server(void **state)
{
    (void)state;
    const char *own[] = {OWN};
    mm_discover_result r;
    mm_error err;
    mm_decision d;
    job j = {.no_own = 1};

    assert_int_equal(run("text-label.pdf", &j, &r, &err), 0);
    assert_false(r.found);
    assert_non_null(strstr(r.problem, "2 different labelled numbers"));
    assert_int_equal(r.candidates.n, 2);
    assert_string_equal(r.candidates.source, "text");
    mm_candidates_decide(&r.candidates, own, 1, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_FOUND);
    assert_string_equal(d.number, A);

    /* Only the Org.nr: the filter never picks an organisation number it
     * cannot check; the server finds it is its own. */
    assert_int_equal(run("text-own-org-only.pdf", &j, &r, &err), 0);
    assert_false(r.found);
    assert_non_null(strstr(r.problem, "left to the server"));
    assert_int_equal(r.candidates.n, 1);
    assert_int_equal(r.candidates.list[0].kind, MM_LABEL_ORGNR);
    mm_candidates_decide(&r.candidates, own, 1, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_ONLY_OWN);

    /* An unlabelled personnummer next to the Org.nr is no recipient either. */
    assert_int_equal(run("text-no-label.pdf", &j, &r, &err), 0);
    mm_candidates_decide(&r.candidates, own, 1, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_ONLY_OWN);

    /* A company's Org.nr next to the sender's: the company. */
    assert_int_equal(run("text-org-recipient.pdf", &j, &r, &err), 0);
    assert_false(r.found);
    mm_candidates_decide(&r.candidates, own, 1, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_FOUND);
    assert_string_equal(d.number, "165560160680");

    /* With filter.conf the sender's number is left out of the list. */
    assert_int_equal(run("text-label.pdf", NULL, &r, &err), 0);
    assert_int_equal(r.candidates.n, 1);
    assert_string_equal(r.candidates.list[0].number, A);
    /* A page with more number-shaped strings than are examined is doubt. */
    char *many = malloc(30 + 501 * 11);
    assert_non_null(many);
    strcpy(many, "Personnummer: 19121212-1212\n");
    for (int i = 0; i < 500; i++)
        strcat(many, "5560160680 ");
    mm_discover_in_text(many, OWN, &today, &r);
    free(many);
    assert_false(r.found);
    assert_non_null(strstr(r.problem, "too many"));
    /* Metadata decided: no text candidates. */
    assert_int_equal(run("info-mmrecipient.pdf", &j, &r, &err), 0);
    assert_true(mm_candidates_empty(&r.candidates));
}

/* The labels of identity numbers in their usual spellings, and the words
 * that say whose number it is. */
static void labels_and_qualifiers(void **state)
{
    (void)state;
    static const char C[] = "201501012395";
    struct {
        const char *text, *want, *why;
    } cases[] = {
        {"Personnr: 19121212-1212", A, NULL},
        {"Personnr.: 19121212-1212", A, NULL},
        {"PERS.NR 19121212-1212", A, NULL},
        {"Pers. nr: 19121212-1212", A, NULL},
        {"Persnr 191212121212", A, NULL},
        {"P-nr: 19121212-1212", A, NULL},
        {"Pnr 811218-9876", B, NULL},
        {"Person-nr: 19121212-1212", A, NULL},
        {"Identitetsnummer: 19121212-1212", A, NULL},
        {"Personnummer (ÅÅÅÅMMDD-NNNN): 19121212-1212", A, NULL},
        {"Personnummer (12 siffror) 191212121212", A, NULL},
        {"Samordningsnr: 701063-2391", "197010632391", NULL},
        {"Samordningsnr. 701063-2391", "197010632391", NULL},
        {"Samordn.nr 701063-2391", "197010632391", NULL},
        {"Samordn. nr: 19701063-2391", "197010632391", NULL},
        {"Samordnings-nr 701063-2391", "197010632391", NULL},
        {"Person-/samordningsnummer: 19121212-1212", A, NULL},
        {"Person- /samordningsnr: 19121212-1212", A, NULL},
        {"Personnummer eller samordningsnummer: 19121212-1212", A, NULL},
        {"Pnr/Snr: 19121212-1212", A, NULL},
        {"Person-/organisationsnummer: 556016-0680", "165560160680", NULL},
        {"Organisationsnr: 556016-0680", "165560160680", NULL},
        {"Org. nr. 556016-0680", "165560160680", NULL},
        {"ORG-NR 556016-0680", "165560160680", NULL},
        {"Orgnr 5560160680", "165560160680", NULL},
        {"Org.nummer: 556016-0680", "165560160680", NULL},
        /* Whose: the addressee's ... */
        {"Mottagarens personnummer: 19121212-1212", A, NULL},
        {"Sökandens personnummer: 19121212-1212", A, NULL},
        {"Ditt personnummer: 19121212-1212", A, NULL},
        {"Anna Andersson Personnummer: 19121212-1212", A, NULL}, /* a name before the label */
        /* ... or someone the letter is about. */
        {"Barnets personnummer: 20150101-2395", NULL, "someone else's (child)"},
        {"BARNETS PNR 20150101-2395", NULL, "someone else's (child)"},
        {"Barnets\npersonnummer\n20150101-2395", NULL, "someone else's (child)"},
        {"Elevens personnummer: 20150101-2395", NULL, "someone else's (pupil)"},
        {"Den enskildes personnummer: 19121212-1212", NULL, "someone else's (principal)"},
        {"Huvudmannens pers.nr 19121212-1212", NULL, "someone else's (principal)"},
        {"Patientens personnummer: 19121212-1212", NULL, "someone else's (patient)"},
        {"Den avlidnes personnummer: 19121212-1212", NULL, "someone else's (deceased)"},
        {"VÅRDNADSHAVARENS PERSONNUMMER: 19121212-1212", NULL, "someone else's (representative)"},
        {"God mans personnummer: 19121212-1212", NULL, "someone else's (representative)"},
        {"Arbetsgivarens org.nr: 556016-0680", NULL, "someone else's (other)"},
        /* Not a label of ours, or not next to the number. */
        {"Personnummer (barnet): 20150101-2395", NULL, "none next to a label"},
        {"Personnummer barn: 20150101-2395", NULL, "none next to a label"},
        {"Elevpersonnummer: 20150101-2395", NULL, "none next to a label"},
        {"Snr: 19121212-1212", NULL, "none next to a label"},
        /* A third party's number is not a recipient, the addressee's still is ... */
        {"Personnummer: 19121212-1212\nBarnets personnummer: 20150101-2395", A, NULL},
        /* ... unless the same number is also labelled as the third party's. */
        {"Personnummer: 20150101-2395\nBarnets personnummer: 20150101-2395", NULL, "someone else's (child)"},
        /* Written to a guardian: a plain Personnummer may be the child's. */
        {"Till vårdnadshavare för Kalle\nPersonnummer: 20150101-2395", NULL, "guardian or representative"},
        {"TILL GOD MAN FÖR ANNA\nPnr 19121212-1212", NULL, "guardian or representative"},
        /* ... and the guardian's own, labelled as such and alone, is the addressee. */
        {"Till vårdnadshavare\nVårdnadshavarens personnummer: 19811218-9876\nBarnets personnummer: 20150101-2395",
         B, NULL},
        {"Till vårdnadshavare\nVårdnadshavarens personnummer: 19811218-9876\nPersonnummer: 19121212-1212", NULL,
         "guardian or representative"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mm_discover_result r;
        memset(&r, 0, sizeof r);
        mm_discover_in_text(cases[i].text, OWN, &today, &r);
        if (cases[i].want && (!r.found || strcmp(r.id.number, cases[i].want)))
            fail_msg("'%s': wanted %s, got %s (%s)", cases[i].text, cases[i].want, r.found ? r.id.number : "none",
                     r.problem);
        if (!cases[i].want && r.found)
            fail_msg("'%s': wanted none, got %s", cases[i].text, r.id.number);
        if (cases[i].why && !strstr(r.problem, cases[i].why))
            fail_msg("'%s': reason '%s' lacks '%s'", cases[i].text, r.problem, cases[i].why);
        if (!cases[i].want)
            assert_null(strstr(r.problem, C + 4));
    }
}

/* The rule on a list of candidates, as the server applies it. */
static void decision_rule(void **state)
{
    (void)state;
    const char *own[] = {OWN, "162120009999"};
    mm_candidates c;
    mm_decision d;

    memset(&c, 0, sizeof c);
    mm_candidates_add(&c, MM_LABEL_ORGNR, OWN);
    mm_candidates_add(&c, MM_LABEL_ORGNR, "162120009999");
    mm_candidates_decide(&c, own, 2, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_ONLY_OWN); /* both of the sender's numbers */
    mm_candidates_decide(&c, NULL, 0, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_SEVERAL);
    assert_int_equal(d.distinct, 2);

    /* The sender's number under a person label is still the sender's. */
    memset(&c, 0, sizeof c);
    mm_candidates_add(&c, MM_LABEL_PERSON, OWN);
    mm_candidates_add(&c, MM_LABEL_PERSON, A);
    mm_candidates_decide(&c, own, 2, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_FOUND);
    assert_string_equal(d.number, A);
    mm_candidates_decide(&c, own, 2, 0, &d);
    assert_int_equal(d.choice, MM_CHOICE_FOUND); /* a person's number needs no sender list */

    /* One organisation number: only whoever knows the senders picks it. */
    memset(&c, 0, sizeof c);
    mm_candidates_add(&c, MM_LABEL_ORGNR, "165560160680");
    mm_candidates_decide(&c, NULL, 0, 0, &d);
    assert_int_equal(d.choice, MM_CHOICE_ORG_UNCHECKED);
    mm_candidates_decide(&c, own, 2, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_FOUND);

    /* A personnummer and a foreign company's Org.nr: doubt. */
    mm_candidates_add(&c, MM_LABEL_PERSON, A);
    mm_candidates_decide(&c, own, 2, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_SEVERAL);

    /* Doubt from the filter stays doubt. */
    memset(&c, 0, sizeof c);
    mm_candidates_add(&c, MM_LABEL_PERSON, A);
    c.invalid = 1;
    mm_candidates_decide(&c, own, 2, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_INVALID);
    c.invalid = 0;
    c.more = 1;
    mm_candidates_decide(&c, own, 2, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_SEVERAL);

    /* Third parties only: held, and the reason names whose. */
    memset(&c, 0, sizeof c);
    mm_candidates_add(&c, MM_LABEL_ORGNR, OWN);
    mm_candidates_add(&c, MM_LABEL_PUPIL, A);
    mm_candidates_decide(&c, own, 2, 1, &d);
    assert_int_equal(d.choice, MM_CHOICE_THIRD_PARTY);
    assert_int_equal(d.kind, MM_LABEL_PUPIL);
    char why[256];
    mm_candidates_why(&d, &c, why, sizeof why);
    assert_non_null(strstr(why, "(pupil)"));
    assert_null(strstr(why, "1212"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(job_option),
        cmocka_unit_test(job_billing),
        cmocka_unit_test(pdf_info),
        cmocka_unit_test(xmp),
        cmocka_unit_test(keywords_subject_title),
        cmocka_unit_test(page_text),
        cmocka_unit_test(unicode_separators),
        cmocka_unit_test(text_rejections),
        cmocka_unit_test(precedence),
        cmocka_unit_test(invalid_explicit_source_stops),
        cmocka_unit_test(unusable_documents),
        cmocka_unit_test(page_count),
        cmocka_unit_test(text_rule),
        cmocka_unit_test(table_layouts),
        cmocka_unit_test(candidates_for_the_server),
        cmocka_unit_test(labels_and_qualifiers),
        cmocka_unit_test(decision_rule),
    };
    return cmocka_run_group_tests(tests, make_pdfs, remove_pdfs);
}
