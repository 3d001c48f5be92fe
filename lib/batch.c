/* SPDX-License-Identifier: EUPL-1.2 */
/* Splitting a batch print job into letters (batch.h). */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <glib.h>
#include <poppler.h>
#include <qpdf/qpdf-c.h>

#include "batchbundle.h"
#include "discover.h"
#include "fileio.h"
#include "pdfdoc.h"

/* ---- the plan ----------------------------------------------------------- */

/* The letter being read: its candidates grow page by page. */
typedef struct {
    mm_batch_letter *l;
    int unlabelled;
    int need_text;        /* recipient from the page text */
} current;

static void set_doubt(mm_batch_plan *p, mm_batch_doubt code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_doubt(mm_batch_plan *p, mm_batch_doubt code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p->doubt = code;
    vsnprintf(p->doubt_reason, sizeof p->doubt_reason, fmt, ap);
    va_end(ap);
    free(p->letters);
    p->letters = NULL;
    p->n_letters = 0;
}

static int is_own(const mm_batch_request *req, const char *number)
{
    for (size_t i = 0; i < req->n_own; i++)
        if (req->own[i] && !strcmp(req->own[i], number))
            return 1;
    return 0;
}

/* The single-letter page-text rule over a letter's candidates. */
static void text_recipient(const mm_batch_request *req, current *c)
{
    mm_batch_letter *l = c->l;
    mm_decision d;
    mm_candidates_decide(&l->candidates, req->own, req->n_own, req->n_own > 0, &d);
    if (d.choice == MM_CHOICE_FOUND) {
        mm_error e;
        mm_error_clear(&e);
        if (mm_idnum_parse(d.number, req->today, &l->id, &e) == 0) {
            l->found = 1;
            snprintf(l->source, sizeof l->source, "text");
            return;
        }
    }
    if (d.choice == MM_CHOICE_NONE && c->unlabelled)
        snprintf(l->problem, sizeof l->problem,
                 "the letter's text has %d valid number(s) but none next to a label such as 'Personnummer:'",
                 c->unlabelled);
    else if (d.choice == MM_CHOICE_NONE)
        snprintf(l->problem, sizeof l->problem, "no recipient in the manifest or the letter's text");
    else
        mm_candidates_why(&d, &l->candidates, l->problem, sizeof l->problem);
    if (d.choice != MM_CHOICE_NONE)
        snprintf(l->source, sizeof l->source, "text");
}

/* A manifest recipient: valid, and not the sender's own number. */
static void manifest_recipient(const mm_batch_request *req, mm_batch_letter *l, const char *recipient)
{
    mm_error e;
    mm_error_clear(&e);
    snprintf(l->source, sizeof l->source, "manifest");
    if (mm_idnum_parse(recipient, req->today, &l->id, &e) < 0)
        snprintf(l->problem, sizeof l->problem, "invalid recipient in the manifest: %.200s", e.msg);
    else if (is_own(req, l->id.number))
        snprintf(l->problem, sizeof l->problem, "the manifest names the sender's own number as the recipient");
    else
        l->found = 1;
}

/* Distinct numbers of candidates that are not the sender's. */
static int distinct_numbers(const mm_batch_request *req, const mm_candidates *cs)
{
    int n = 0;
    for (int i = 0; i < cs->n; i++) {
        if (is_own(req, cs->list[i].number))
            continue;
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = !strcmp(cs->list[k].number, cs->list[i].number);
        n += !seen;
    }
    return n;
}

static int add_letter(mm_batch_plan *p, size_t *cap, size_t first, size_t last, mm_error *err)
{
    if (p->n_letters == *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        mm_batch_letter *l = realloc(p->letters, nc * sizeof *l);
        if (!l)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        p->letters = l;
        *cap = nc;
    }
    mm_batch_letter *l = &p->letters[p->n_letters++];
    memset(l, 0, sizeof *l);
    l->first_page = first;
    l->last_page = last;
    snprintf(l->candidates.source, sizeof l->candidates.source, "text");
    return 0;
}

/* The top-level outline entries' pages (1-based, 0 when an entry has no
 * page) and titles into *pages (malloc'd); the count (at most limit + 1:
 * more than limit is all the caller needs to know), -1 for memory. */
static int outline_pages(PopplerDocument *doc, size_t limit, size_t **pages, char ***titles)
{
    *pages = NULL;
    *titles = NULL;
    PopplerIndexIter *it = poppler_index_iter_new(doc);
    if (!it)
        return 0;
    size_t n = 0, cap = 0;
    int rc = 0;
    do {
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            size_t *np = realloc(*pages, nc * sizeof *np);
            if (np)
                *pages = np;
            char **nt = realloc(*titles, nc * sizeof *nt);
            if (nt)
                *titles = nt;
            if (!np || !nt) {
                rc = -1;
                break;
            }
            cap = nc;
        }
        size_t page = 0;
        char *title = NULL;
        PopplerAction *a = poppler_index_iter_get_action(it);
        if (a && a->type == POPPLER_ACTION_GOTO_DEST && a->goto_dest.dest) {
            PopplerDest *d = a->goto_dest.dest;
            if (d->type == POPPLER_DEST_NAMED) {
                PopplerDest *nd = poppler_document_find_dest(doc, d->named_dest);
                if (nd && nd->page_num > 0)
                    page = (size_t)nd->page_num;
                if (nd)
                    poppler_dest_free(nd);
            } else if (d->page_num > 0) {
                page = (size_t)d->page_num;
            }
        }
        if (a && a->any.title)
            title = strdup(a->any.title);
        if (a)
            poppler_action_free(a);
        (*pages)[n] = page;
        (*titles)[n] = title;
        n++;
    } while (n <= limit && poppler_index_iter_next(it));
    poppler_index_iter_free(it);
    if (rc < 0) {
        for (size_t i = 0; i < n; i++)
            free((*titles)[i]);
        return -1;
    }
    return (int)n;
}

static void free_titles(char **titles, int n)
{
    for (int i = 0; i < n; i++)
        free(titles[i]);
    free(titles);
}

/* The boundaries of every mode but text, from what the PDF and request
 * say before any page is read: letters in p, or doubt.  0 or -1 (memory). */
static int plan_bounds(PopplerDocument *doc, const mm_batch_request *req, size_t max_letters, mm_batch_plan *p,
                       mm_error *err)
{
    size_t cap = 0, N = p->pages;
    if (p->mode == MM_SPLIT_PAGES) {
        size_t k = (size_t)req->pages_n;
        if (N % k) {
            set_doubt(p, MM_BATCH_DOUBT_PAGES_REMAINDER,
                      "%zu pages do not divide into letters of %zu pages (%zu left over)", N, k, N % k);
            return 0;
        }
        if (N / k > max_letters)
            return 0;
        for (size_t f = 1; f <= N; f += k)
            if (add_letter(p, &cap, f, f + k - 1, err) < 0)
                return -1;
        return 0;
    }
    if (p->mode == MM_SPLIT_MANIFEST) {
        const mm_batch_manifest *m = req->manifest;
        if (!m || m->n == 0) {
            set_doubt(p, MM_BATCH_DOUBT_NO_MANIFEST, "split by manifest, but no manifest was sent");
            return 0;
        }
        size_t next = 1;
        for (size_t i = 0; i < m->n; i++) {
            const mm_batch_row *r = &m->rows[i];
            if (r->first_page != next || r->last_page > N) {
                const char *what = r->first_page > next  ? "leaves a gap before it"
                                   : r->first_page < next ? "overlaps or is out of order"
                                                          : "goes past the document's last page";
                set_doubt(p, MM_BATCH_DOUBT_MANIFEST_COVER,
                          "manifest row %zu (pages %zu-%zu) %s; the PDF has %zu pages", i + 1, r->first_page,
                          r->last_page, what, N);
                return 0;
            }
            next = r->last_page + 1;
        }
        if (next != N + 1) {
            set_doubt(p, MM_BATCH_DOUBT_MANIFEST_COVER, "the manifest covers pages 1-%zu, the PDF has %zu", next - 1,
                      N);
            return 0;
        }
        if (m->n > max_letters)
            return 0;
        for (size_t i = 0; i < m->n; i++) {
            if (add_letter(p, &cap, m->rows[i].first_page, m->rows[i].last_page, err) < 0)
                return -1;
            mm_batch_letter *l = &p->letters[i];
            snprintf(l->reference, sizeof l->reference, "%s", m->rows[i].reference);
            if (m->rows[i].recipient[0])
                manifest_recipient(req, l, m->rows[i].recipient);
        }
        return 0;
    }
    /* outline */
    size_t *pages;
    char **titles;
    int n = outline_pages(doc, max_letters, &pages, &titles);
    if (n < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    int rc = 0;
    if (n == 0) {
        set_doubt(p, MM_BATCH_DOUBT_NO_OUTLINE, "split by outline, but the PDF has no bookmarks");
    } else if (pages[0] != 1) {
        set_doubt(p, MM_BATCH_DOUBT_OUTLINE_START, pages[0] ? "the first bookmark is on page %zu, not page 1"
                                                            : "the first bookmark leads to no page%.0zu",
                  pages[0]);
    } else if ((size_t)n > max_letters) {
        /* the caller says so */
    } else {
        for (int i = 1; i < n && !p->doubt; i++)
            if (pages[i] <= pages[i - 1] || pages[i] > N)
                set_doubt(p, MM_BATCH_DOUBT_OUTLINE_ORDER,
                          pages[i] ? "bookmark %d is on page %zu, not after the previous one (page %zu)"
                                   : "bookmark %d leads to no page%.0zu (previous on page %zu)",
                          i + 1, pages[i], pages[i - 1]);
        for (int i = 0; i < n && !p->doubt && rc == 0; i++) {
            rc = add_letter(p, &cap, pages[i], i + 1 < n ? pages[i + 1] - 1 : N, err);
            if (rc == 0 && titles[i])
                snprintf(p->letters[i].reference, sizeof p->letters[i].reference, "%s", titles[i]);
        }
    }
    free(pages);
    free_titles(titles, n);
    return rc;
}

static int top_level_entries(PopplerDocument *doc)
{
    PopplerIndexIter *it = poppler_index_iter_new(doc);
    int n = 0;
    if (it) {
        do
            n++;
        while (n < 2 && poppler_index_iter_next(it));
        poppler_index_iter_free(it);
    }
    return n;
}

static PopplerDocument *open_doc(const char *path, int *pages, mm_error *err)
{
    GError *gerr = NULL;
    /* A URI needs an absolute path; the caller may give a relative one. */
    gchar *abs = g_canonicalize_filename(path, NULL);
    gchar *uri = g_filename_to_uri(abs, NULL, &gerr);
    g_free(abs);
    PopplerDocument *doc = uri ? poppler_document_new_from_file(uri, NULL, &gerr) : NULL;
    g_free(uri);
    return mm_pdfdoc_checked(doc, gerr, pages, err);
}

/* Page text: a page whose address area names exactly one number (not the
 * sender's) starts a letter; every page's text goes to its letter. */
static int plan_text(PopplerDocument *doc, const mm_batch_request *req, size_t max_letters, mm_batch_plan *p,
                     mm_error *err)
{
    size_t cap = 0;
    current c = {NULL, 0, 1};
    for (size_t i = 1; i <= p->pages; i++) {
        PopplerPage *page = poppler_document_get_page(doc, (int)i - 1);
        if (!page)
            return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_BAD_PDF, "page %zu of the PDF cannot be read", i);
        mm_candidates area;
        memset(&area, 0, sizeof area);
        int ul = 0;
        int rc = mm_discover_area_numbers(page, MM_BATCH_ADDRESS_AREA, req->today, &area, &ul);
        if (rc == 0 && !area.more && distinct_numbers(req, &area) == 1) {
            if (c.l)
                text_recipient(req, &c);
            if (p->n_letters >= max_letters) {
                g_object_unref(page);
                set_doubt(p, MM_BATCH_DOUBT_TOO_MANY_LETTERS, "more than %zu letters", max_letters);
                return 0;
            }
            rc = add_letter(p, &cap, i, i, err);
            c.l = rc == 0 ? &p->letters[p->n_letters - 1] : NULL;
            c.unlabelled = 0;
        } else if (rc == 0 && !c.l) {
            g_object_unref(page);
            set_doubt(p, MM_BATCH_DOUBT_TEXT_LEADING,
                      "page %zu comes before the first page whose address area names one recipient", i);
            /* A document where no page starts a letter says so instead. */
            for (size_t k = i + 1; k <= p->pages && p->doubt == MM_BATCH_DOUBT_TEXT_LEADING; k++) {
                PopplerPage *pg = poppler_document_get_page(doc, (int)k - 1);
                if (!pg)
                    break;
                mm_candidates a2;
                memset(&a2, 0, sizeof a2);
                int u2 = 0;
                int r2 = mm_discover_area_numbers(pg, MM_BATCH_ADDRESS_AREA, req->today, &a2, &u2);
                g_object_unref(pg);
                if (r2 < 0)
                    return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
                if (!a2.more && distinct_numbers(req, &a2) == 1)
                    break;
                if (k == p->pages)
                    set_doubt(p, MM_BATCH_DOUBT_TEXT_NO_START,
                              "no page's address area names exactly one recipient number");
            }
            if (p->pages == 1)
                set_doubt(p, MM_BATCH_DOUBT_TEXT_NO_START, "no page's address area names exactly one recipient number");
            return 0;
        }
        if (rc == 0) {
            c.l->last_page = i;
            rc = mm_discover_page_numbers(page, req->today, &c.l->candidates, &c.unlabelled);
        }
        g_object_unref(page);
        if (rc < 0)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
    }
    if (c.l)
        text_recipient(req, &c);
    return 0;
}

/* Every other mode: the letters are known; read the pages of those whose
 * recipient comes from the text. */
static int plan_read(PopplerDocument *doc, const mm_batch_request *req, mm_batch_plan *p, mm_error *err)
{
    for (size_t k = 0; k < p->n_letters; k++) {
        mm_batch_letter *l = &p->letters[k];
        if (l->source[0])
            continue; /* the manifest decided */
        current c = {l, 0, 1};
        for (size_t i = l->first_page; i <= l->last_page; i++) {
            PopplerPage *page = poppler_document_get_page(doc, (int)i - 1);
            if (!page)
                return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_BAD_PDF, "page %zu of the PDF cannot be read", i);
            int rc = mm_discover_page_numbers(page, req->today, &l->candidates, &c.unlabelled);
            g_object_unref(page);
            if (rc < 0)
                return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        }
        text_recipient(req, &c);
    }
    return 0;
}

int mm_batch_plan_make(const char *pdf_path, const mm_batch_request *req, mm_batch_plan *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    if (req->mode == MM_SPLIT_PAGES && req->pages_n < 1)
        return mm_error_set(err, MM_ERR_INPUT, 0, "pages per letter must be 1 or more");
    int pages = 0;
    PopplerDocument *doc = open_doc(pdf_path, &pages, err);
    if (!doc)
        return -1;
    out->pages = (size_t)pages;
    size_t max_letters = req->max_letters ? req->max_letters : 20000;
    size_t max_pages = req->max_pages ? req->max_pages : 50000;
    out->mode = req->mode;
    if (out->mode == MM_SPLIT_AUTO)
        out->mode = req->manifest && req->manifest->n ? MM_SPLIT_MANIFEST
                    : top_level_entries(doc) >= 2     ? MM_SPLIT_OUTLINE
                                                      : MM_SPLIT_TEXT;
    int rc = 0;
    if (out->pages > max_pages)
        set_doubt(out, MM_BATCH_DOUBT_TOO_MANY_PAGES, "%zu pages, more than the %zu a batch may have", out->pages,
                  max_pages);
    else if (out->mode == MM_SPLIT_TEXT)
        rc = plan_text(doc, req, max_letters, out, err);
    else {
        rc = plan_bounds(doc, req, max_letters, out, err);
        if (rc == 0 && !out->doubt && out->n_letters == 0)
            set_doubt(out, MM_BATCH_DOUBT_TOO_MANY_LETTERS, "more than %zu letters", max_letters);
        if (rc == 0 && !out->doubt)
            rc = plan_read(doc, req, out, err);
    }
    g_object_unref(doc);
    /* Give poppler's freed pages back to the system: the split that
     * usually follows in the same process then starts from the plan alone. */
    malloc_trim(0);
    if (rc < 0)
        mm_batch_plan_free(out);
    return rc;
}

void mm_batch_plan_free(mm_batch_plan *plan)
{
    free(plan->letters);
    memset(plan, 0, sizeof *plan);
}

/* ---- the letters' files -------------------------------------------------- */

/* One letter's PDF from q's pages into path, through a temporary name so
 * that a file there is always whole. */
static int write_letter(qpdf_data q, const mm_batch_letter *l, const char *path, mm_error *err)
{
    qpdf_data o = qpdf_init();
    qpdf_silence_errors(o);
    qpdf_set_suppress_warnings(o, QPDF_TRUE);
    int rc = 0;
    if (qpdf_empty_pdf(o) & QPDF_ERRORS) {
        rc = mm_error_set(err, MM_ERR_SYSTEM, 0, "qpdf cannot make a PDF");
        goto out;
    }
    for (size_t i = l->first_page; i <= l->last_page; i++) {
        qpdf_oh page = qpdf_get_page_n(q, i - 1);
        if (qpdf_add_page(o, q, page, QPDF_FALSE) & QPDF_ERRORS) {
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "page %zu cannot be copied", i);
            goto out;
        }
    }
    if ((qpdf_init_write_memory(o) & QPDF_ERRORS) || (qpdf_write(o) & QPDF_ERRORS)) {
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "the letter of pages %zu-%zu cannot be written", l->first_page,
                          l->last_page);
        goto out;
    }
    char tmp[4104];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int bad = fd < 0 || mm_fileio_write_fd(fd, qpdf_get_buffer(o), (size_t)qpdf_get_buffer_length(o)) < 0;
    if (fd >= 0 && close(fd) < 0)
        bad = 1;
    if (bad || rename(tmp, path) < 0) {
        rc = mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot write %s", path);
        unlink(tmp);
    }
out:
    qpdf_cleanup(&o);
    return rc;
}

/* qpdf keeps every object it has read until the document is closed, some
 * 6 KB a page: opened once, a 50,000-page batch would hold 300 MB.  So the
 * input is opened again after this many pages (its cross-reference table
 * is read again, a few ms), which bounds the working set. */
#define REOPEN_PAGES 4000

/* The input mapped read-only: qpdf reading a file seeks before nearly
 * every read (1.5 million lseek calls for 10,000 pages, more system time
 * than the whole split by qpdf's own command); from memory it does not.
 * The mapping's pages are the file's, dropped again at each reopen. */
typedef struct {
    void *map;
    size_t len;
    qpdf_data q;
    int pages;
} input;

static int input_open(input *in, mm_error *err)
{
    in->q = qpdf_init();
    qpdf_silence_errors(in->q);
    qpdf_set_suppress_warnings(in->q, QPDF_TRUE);
    if (qpdf_read_memory(in->q, "batch", in->map, (unsigned long long)in->len, NULL) & QPDF_ERRORS)
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_BAD_PDF, "the PDF cannot be read by qpdf");
    if (qpdf_is_encrypted(in->q))
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_ENCRYPTED, "the PDF is encrypted");
    in->pages = qpdf_get_num_pages(in->q);
    if (in->pages <= 0)
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_BAD_PDF, "the PDF's page tree cannot be read by qpdf");
    return 0;
}

static int input_map(const char *pdf_path, input *in, mm_error *err)
{
    memset(in, 0, sizeof *in);
    int fd = open(pdf_path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return mm_error_set(err, MM_ERR_SYSTEM, e, "cannot open the batch's PDF");
    }
    if (st.st_size <= 0) {
        close(fd);
        return mm_error_set(err, MM_ERR_INPUT, MM_DISCOVER_BAD_PDF, "the batch's PDF is empty");
    }
    in->len = (size_t)st.st_size;
    in->map = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (in->map == MAP_FAILED) {
        in->map = NULL;
        return mm_error_set(err, MM_ERR_SYSTEM, errno, "cannot map the batch's PDF");
    }
    madvise(in->map, in->len, MADV_SEQUENTIAL);
    return input_open(in, err);
}

static void input_close(input *in)
{
    if (in->q)
        qpdf_cleanup(&in->q);
    if (in->map)
        munmap(in->map, in->len);
    memset(in, 0, sizeof *in);
}

int mm_batch_split_write(const char *pdf_path, const mm_batch_plan *plan, const char *out_dir, mm_error *err)
{
    if (plan->doubt || !plan->letters)
        return mm_error_set(err, MM_ERR_INPUT, 0, "the batch's split is in doubt: nothing to write");
    input in;
    int rc = input_map(pdf_path, &in, err);
    size_t since_open = 0;
    for (size_t k = 0; k < plan->n_letters && rc == 0; k++) {
        const mm_batch_letter *l = &plan->letters[k];
        if (l->first_page < 1 || l->first_page > l->last_page || l->last_page > (size_t)in.pages) {
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "letter %zu's pages are not in the PDF", k + 1);
            break;
        }
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%06zu.pdf", out_dir, k + 1) >= sizeof path - 8) {
            rc = mm_error_set(err, MM_ERR_SYSTEM, 0, "output directory name too long");
            break;
        }
        rc = write_letter(in.q, l, path, err);
        /* The handles of this letter's pages are not needed again. */
        qpdf_oh_release_all(in.q);
        since_open += l->last_page - l->first_page + 1;
        if (rc == 0 && since_open >= REOPEN_PAGES && k + 1 < plan->n_letters) {
            qpdf_cleanup(&in.q);
            madvise(in.map, in.len, MADV_DONTNEED);
            since_open = 0;
            rc = input_open(&in, err);
        }
    }
    input_close(&in);
    return rc;
}

int mm_batch_split_parse(const char *word, mm_split_mode *mode, int *pages_n, mm_error *err)
{
    static const struct {
        const char *w;
        mm_split_mode m;
    } words[] = {{"auto", MM_SPLIT_AUTO}, {"manifest", MM_SPLIT_MANIFEST}, {"outline", MM_SPLIT_OUTLINE},
                 {"text", MM_SPLIT_TEXT}};
    if (!mm_batch_split_valid(word, pages_n))
        return mm_error_set(err, MM_ERR_INPUT, 0, "unknown split (auto, manifest, outline, text, pages:N)");
    *mode = MM_SPLIT_PAGES;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(word, words[i].w))
            *mode = words[i].m;
    return 0;
}

const char *mm_batch_split_name(mm_split_mode mode)
{
    switch (mode) {
    case MM_SPLIT_MANIFEST: return "manifest";
    case MM_SPLIT_OUTLINE: return "outline";
    case MM_SPLIT_PAGES: return "pages";
    case MM_SPLIT_TEXT: return "text";
    default: return "auto";
    }
}

const char *mm_batch_doubt_name(mm_batch_doubt code)
{
    static const char *const names[] = {"ok", "pages-remainder", "outline-order", "outline-start", "no-outline",
                                        "text-leading", "text-no-start", "manifest-cover", "no-manifest",
                                        "too-many-pages", "too-many-letters"};
    return (unsigned)code < sizeof names / sizeof names[0] ? names[code] : "unknown";
}
