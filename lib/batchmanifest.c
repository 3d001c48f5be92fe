/* SPDX-License-Identifier: EUPL-1.2 */
/* The manifest of a batch: page ranges and recipients as a mass-mailing
 * export writes them, CSV or JSON (batch.h, doc/job-bundle.md). */
#include "batch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The columns (CSV) and keys (JSON) we read. */
enum { COL_FIRST, COL_LAST, COL_RECIPIENT, COL_REFERENCE, COL_NONE };

/* "First_Page", "first-page", "first page" all name COL_FIRST. */
static int column_of(const char *name, size_t n)
{
    static const struct {
        const char *name;
        int col;
    } names[] = {{"first_page", COL_FIRST}, {"last_page", COL_LAST}, {"recipient", COL_RECIPIENT},
                 {"reference", COL_REFERENCE}, {"title", COL_REFERENCE}};
    while (n > 0 && isspace((unsigned char)*name))
        name++, n--;
    while (n > 0 && isspace((unsigned char)name[n - 1]))
        n--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i].name) != n)
            continue;
        size_t k = 0;
        for (; k < n; k++) {
            char c = (char)tolower((unsigned char)name[k]);
            if (c == '-' || c == ' ')
                c = '_';
            if (c != names[i].name[k])
                break;
        }
        if (k == n)
            return names[i].col;
    }
    return COL_NONE;
}

/* A page number: digits only (blanks around), 1 .. 999999999. */
static int page_number(const char *s, size_t n, size_t *out)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > 9)
        return -1;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    if (v == 0)
        return -1;
    *out = v;
    return 0;
}

/* Copies a text value, trimmed, control characters as blanks. */
static int text_value(const char *s, size_t n, char *out, size_t size)
{
    while (n > 0 && isspace((unsigned char)*s))
        s++, n--;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= size)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    out[n] = '\0';
    return 0;
}

/* One row being read: which of its values were given. */
typedef struct {
    mm_batch_row row;
    int have_first, have_last;
} row_in;

static int set_value(row_in *r, int col, const char *s, size_t n, size_t rowno, mm_error *err)
{
    switch (col) {
    case COL_FIRST:
    case COL_LAST:
        if (page_number(s, n, col == COL_FIRST ? &r->row.first_page : &r->row.last_page) < 0)
            return mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: %s is not a page number (1, 2, ...)",
                                rowno, col == COL_FIRST ? "first_page" : "last_page");
        *(col == COL_FIRST ? &r->have_first : &r->have_last) = 1;
        return 0;
    case COL_RECIPIENT:
        if (text_value(s, n, r->row.recipient, sizeof r->row.recipient) < 0)
            return mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: recipient too long", rowno);
        return 0;
    case COL_REFERENCE:
        if (text_value(s, n, r->row.reference, sizeof r->row.reference) < 0)
            return mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: reference too long (at most %zu bytes)",
                                rowno, sizeof r->row.reference - 1);
        return 0;
    default:
        return 0;
    }
}

static int add_row(mm_batch_manifest *m, size_t *cap, row_in *r, size_t rowno, mm_error *err)
{
    if (!r->have_first || !r->have_last)
        return mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: first_page and last_page are required", rowno);
    if (r->row.first_page > r->row.last_page)
        return mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: first_page is after last_page", rowno);
    if (m->n >= MM_BATCH_MANIFEST_MAX_ROWS)
        return mm_error_set(err, MM_ERR_INPUT, 0, "manifest has more than %d rows", MM_BATCH_MANIFEST_MAX_ROWS);
    if (m->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        mm_batch_row *rows = realloc(m->rows, nc * sizeof *rows);
        if (!rows)
            return mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory");
        m->rows = rows;
        *cap = nc;
    }
    m->rows[m->n++] = r->row;
    return 0;
}

/* ---- CSV ----------------------------------------------------------------- */

typedef struct {
    const char *p, *end;
    char sep;
    mm_buf field;
} csv;

/* Reads one field into c->field; returns 1 more fields follow on the line,
 * 0 the line (or input) ended, -1 malformed quoting. */
static int csv_field(csv *c)
{
    mm_buf_reset(&c->field);
    mm_buf_puts(&c->field, "");
    if (c->p < c->end && *c->p == '"') {
        c->p++;
        for (;;) {
            if (c->p >= c->end)
                return -1;
            if (*c->p == '"') {
                if (c->p + 1 < c->end && c->p[1] == '"') {
                    if (mm_buf_append(&c->field, "\"", 1) < 0)
                        return -2;
                    c->p += 2;
                    continue;
                }
                c->p++;
                break;
            }
            if (mm_buf_append(&c->field, c->p, 1) < 0)
                return -2;
            c->p++;
        }
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
            c->p++;
    } else {
        const char *s = c->p;
        while (c->p < c->end && *c->p != c->sep && *c->p != '\n' && *c->p != '\r')
            c->p++;
        if (memchr(s, '"', (size_t)(c->p - s)))
            return -1;
        if (mm_buf_append(&c->field, s, (size_t)(c->p - s)) < 0)
            return -2;
    }
    if (c->p >= c->end)
        return 0;
    if (*c->p == c->sep) {
        c->p++;
        return 1;
    }
    if (*c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\n') {
        c->p++;
        return 0;
    }
    return c->p >= c->end ? 0 : -1;
}

#define MAX_COLUMNS 64

static int parse_csv(const char *data, size_t len, mm_batch_manifest *m, mm_error *err)
{
    csv c = {data, data + len, 0, MM_BUF_INIT};
    int rc = 0;
    /* The separator: the first ';' or ',' of the header row. */
    for (const char *p = data; p < c.end && *p != '\n'; p++)
        if (*p == ';' || *p == ',') {
            c.sep = *p;
            break;
        }
    if (!c.sep) {
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "manifest CSV header needs first_page and last_page, "
                                               "separated by ';' or ','");
        goto out;
    }
    int cols[MAX_COLUMNS], ncols = 0, r;
    int have[COL_NONE] = {0};
    do {
        r = csv_field(&c);
        if (r < 0 || ncols == MAX_COLUMNS) {
            rc = r == -2 ? mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory")
                         : mm_error_set(err, MM_ERR_INPUT, 0, "manifest CSV header row is malformed");
            goto out;
        }
        cols[ncols] = column_of(c.field.data, c.field.len);
        if (cols[ncols] != COL_NONE && have[cols[ncols]]++) {
            rc = mm_error_set(err, MM_ERR_INPUT, 0, "manifest CSV header names a column twice");
            goto out;
        }
        ncols++;
    } while (r == 1);
    if (!have[COL_FIRST] || !have[COL_LAST]) {
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "manifest CSV header needs first_page and last_page");
        goto out;
    }
    size_t cap = 0, rowno = 0;
    while (c.p < c.end) {
        rowno++;
        row_in row;
        memset(&row, 0, sizeof row);
        int col = 0, blank = 1;
        do {
            r = csv_field(&c);
            if (r < 0) {
                rc = r == -2 ? mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory")
                             : mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: malformed CSV", rowno);
                goto out;
            }
            int empty = 1;
            for (size_t i = 0; i < c.field.len; i++)
                if (!isspace((unsigned char)c.field.data[i]))
                    empty = blank = 0;
            /* An empty field is a value not given (a blank line is all empty). */
            if (!empty && col < ncols && set_value(&row, cols[col], c.field.data, c.field.len, rowno, err) < 0) {
                rc = -1;
                goto out;
            }
            col++;
        } while (r == 1);
        if (blank) {
            rowno--;
            continue;
        }
        if (add_row(m, &cap, &row, rowno, err) < 0) {
            rc = -1;
            goto out;
        }
    }
out:
    mm_buf_free(&c.field);
    return rc;
}

/* ---- JSON ---------------------------------------------------------------- */

typedef struct {
    const char *p, *end;
    mm_buf s;             /* the last string read */
    int depth;
} json;

static void ws(json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static int put_utf8(mm_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return mm_buf_append(b, u, n);
}

/* A string at j->p into j->s: 0, -1 malformed, -2 memory. */
static int jstring(json *j)
{
    mm_buf_reset(&j->s);
    if (mm_buf_puts(&j->s, "") < 0)
        return -2;
    if (j->p >= j->end || *j->p != '"')
        return -1;
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        unsigned char ch = (unsigned char)*j->p;
        if (ch < 0x20)
            return -1;
        if (ch != '\\') {
            if (mm_buf_append(&j->s, j->p++, 1) < 0)
                return -2;
            continue;
        }
        if (j->end - j->p < 2)
            return -1;
        char e = j->p[1];
        j->p += 2;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            if (mm_buf_append(&j->s, &map[simple - "\"\\/bfnrt"], 1) < 0)
                return -2;
            continue;
        }
        unsigned cp;
        if (e != 'u' || j->end - j->p < 4 || hex4(j->p, &cp) < 0)
            return -1;
        j->p += 4;
        if (cp >= 0xd800 && cp < 0xdc00) {
            unsigned lo;
            if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, &lo) < 0 || lo < 0xdc00 ||
                lo > 0xdfff)
                return -1;
            j->p += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
            return -1;
        }
        if (cp == 0)
            return -1;
        if (put_utf8(&j->s, cp) < 0)
            return -2;
    }
    if (j->p >= j->end)
        return -1;
    j->p++;
    return 0;
}

/* A number's text: [-]digits[.digits][e[+-]digits]; its span in *s, *n. */
static int jnumber(json *j, const char **s, size_t *n)
{
    *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    const char *d = j->p;
    while (j->p < j->end && (isdigit((unsigned char)*j->p) || *j->p == '.' || *j->p == 'e' || *j->p == 'E' ||
                             *j->p == '+' || *j->p == '-'))
        j->p++;
    *n = (size_t)(j->p - *s);
    return j->p > d ? 0 : -1;
}

/* Skips any value (for keys we do not read): 0, -1 malformed, -2 memory. */
static int jskip(json *j)
{
    ws(j);
    if (j->p >= j->end)
        return -1;
    if (*j->p == '"')
        return jstring(j);
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        int obj = *j->p == '{';
        if (++j->depth > 32)
            return -1;
        j->p++;
        ws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            j->depth--;
            return 0;
        }
        for (;;) {
            int r;
            if (obj) {
                ws(j);
                if ((r = jstring(j)) < 0)
                    return r;
                ws(j);
                if (j->p >= j->end || *j->p++ != ':')
                    return -1;
            }
            if ((r = jskip(j)) < 0)
                return r;
            ws(j);
            if (j->p >= j->end)
                return -1;
            if (*j->p == ',') {
                j->p++;
                continue;
            }
            if (*j->p++ != close)
                return -1;
            j->depth--;
            return 0;
        }
    }
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, words[i], n)) {
            j->p += n;
            return 0;
        }
    }
    const char *s;
    size_t n;
    return jnumber(j, &s, &n);
}

static int parse_json(const char *data, size_t len, mm_batch_manifest *m, mm_error *err)
{
    json j = {data, data + len, MM_BUF_INIT, 0};
    int rc = 0, r = 0;
    size_t cap = 0, rowno = 0;
    ws(&j);
    if (j.p >= j.end || *j.p++ != '[')
        goto bad;
    ws(&j);
    if (j.p < j.end && *j.p == ']') {
        j.p++;
        goto end;
    }
    for (;;) {
        rowno++;
        row_in row;
        memset(&row, 0, sizeof row);
        ws(&j);
        if (j.p >= j.end || *j.p++ != '{')
            goto bad;
        ws(&j);
        if (j.p < j.end && *j.p == '}')
            j.p++;
        else
            for (;;) {
                ws(&j);
                if ((r = jstring(&j)) < 0)
                    goto bad;
                int col = column_of(j.s.data, j.s.len);
                ws(&j);
                if (j.p >= j.end || *j.p++ != ':')
                    goto bad;
                ws(&j);
                if (col == COL_NONE) {
                    if ((r = jskip(&j)) < 0)
                        goto bad;
                } else if (j.p < j.end && *j.p == '"') {
                    if ((r = jstring(&j)) < 0)
                        goto bad;
                    if (memchr(j.s.data, '\0', j.s.len) || set_value(&row, col, j.s.data, j.s.len, rowno, err) < 0) {
                        rc = -1;
                        goto out;
                    }
                } else if (j.p < j.end && (*j.p == '-' || isdigit((unsigned char)*j.p))) {
                    const char *s;
                    size_t n;
                    if (jnumber(&j, &s, &n) < 0)
                        goto bad;
                    if (col == COL_RECIPIENT || col == COL_REFERENCE) {
                        rc = mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: %s must be a string", rowno,
                                          col == COL_RECIPIENT ? "recipient" : "reference");
                        goto out;
                    }
                    if (set_value(&row, col, s, n, rowno, err) < 0) {
                        rc = -1;
                        goto out;
                    }
                } else if (j.end - j.p >= 4 && !memcmp(j.p, "null", 4) &&
                           (col == COL_RECIPIENT || col == COL_REFERENCE)) {
                    j.p += 4; /* no recipient: from the page text */
                } else {
                    rc = mm_error_set(err, MM_ERR_INPUT, 0, "manifest row %zu: a value of the wrong type", rowno);
                    goto out;
                }
                ws(&j);
                if (j.p >= j.end)
                    goto bad;
                if (*j.p == ',') {
                    j.p++;
                    continue;
                }
                if (*j.p++ != '}')
                    goto bad;
                break;
            }
        if (add_row(m, &cap, &row, rowno, err) < 0) {
            rc = -1;
            goto out;
        }
        ws(&j);
        if (j.p >= j.end)
            goto bad;
        if (*j.p == ',') {
            j.p++;
            continue;
        }
        if (*j.p++ != ']')
            goto bad;
        break;
    }
end:
    ws(&j);
    if (j.p != j.end)
        goto bad;
    goto out;
bad:
    rc = r == -2 ? mm_error_set(err, MM_ERR_SYSTEM, 0, "out of memory")
                 : mm_error_set(err, MM_ERR_INPUT, 0, "manifest is not a JSON array of objects (near row %zu)",
                                rowno ? rowno : 1);
out:
    mm_buf_free(&j.s);
    return rc;
}

int mm_batch_manifest_parse(const char *data, size_t len, const char *type, mm_batch_manifest *out,
                            mm_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > MM_BATCH_MANIFEST_MAX_BYTES)
        return mm_error_set(err, MM_ERR_INPUT, 0, "manifest larger than %u bytes", MM_BATCH_MANIFEST_MAX_BYTES);
    if (memchr(data, '\0', len))
        return mm_error_set(err, MM_ERR_INPUT, 0, "manifest contains a NUL byte");
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
        data += 3, len -= 3;
    int is_json;
    if (type && !strcmp(type, "json"))
        is_json = 1;
    else if (type && !strcmp(type, "csv"))
        is_json = 0;
    else if (type)
        return mm_error_set(err, MM_ERR_INPUT, 0, "manifest type must be csv or json");
    else {
        size_t i = 0;
        while (i < len && isspace((unsigned char)data[i]))
            i++;
        is_json = i < len && data[i] == '[';
    }
    int rc = is_json ? parse_json(data, len, out, err) : parse_csv(data, len, out, err);
    if (rc == 0 && out->n == 0)
        rc = mm_error_set(err, MM_ERR_INPUT, 0, "manifest has no rows");
    if (rc < 0)
        mm_batch_manifest_free(out);
    return rc;
}

void mm_batch_manifest_free(mm_batch_manifest *m)
{
    free(m->rows);
    memset(m, 0, sizeof *m);
}
