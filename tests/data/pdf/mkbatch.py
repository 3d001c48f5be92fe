#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""Writes the test PDFs of the batch splitter (tests/unit/test_batch.c,
tools/bench/batch) into OUTDIR.

    mkbatch.py OUTDIR            the small test files
    mkbatch.py OUTDIR LETTERS    also big.pdf: LETTERS letters of 2 pages,
                                 recipient in the address area of page 1,
                                 text on both pages

Python 3 standard library only.  The numbers are those of mkpdfs.py: A and
B persons, ORG a company, OWN the sender (Exempelkommun).  A page's
address area is its top 45 % (y above 463 of 842 points).
"""
import os
import sys

A, B = "19121212-1212", "19811218-9876"
ORG, OWN = "556016-0680", "212000-0142"
# Valid personnummer for the big file: 19 + YYMMDD + NNN + check digit.


def luhn_check(digits9):
    s = 0
    for i, ch in enumerate(digits9):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        s += d // 10 + d % 10
    return str((10 - s % 10) % 10)


def person(i):
    """The i-th of many distinct valid personnummer (1950-1999)."""
    year = 50 + i % 50
    day = 1 + (i // 50) % 28
    month = 1 + (i // 1400) % 12
    serial = 100 + (i // 16800) % 900
    ten = "%02d%02d%02d%03d" % (year, month, day, serial)
    return "19%s%s-%s%s" % (ten[:6], "", ten[6:], luhn_check(ten))


def lit(s):
    b = s.encode("cp1252")
    return b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def page_stream(lines):
    """lines: (y, text) at x = 72, 11 pt Helvetica."""
    return b"\n".join(b"BT /F1 11 Tf 72 %d Td " % y + lit(t) + b" Tj ET" for y, t in lines)


class Writer:
    """A PDF written object by object, so that a big one never sits in memory."""

    def __init__(self, path, npages):
        self.f = open(path, "wb")
        self.f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.offsets = {}
        self.npages = npages
        # 1 catalog, 2 pages, 3 font, 4 outlines; page k: 5 + 2k (page), 6 + 2k (content)
        self.next = 5 + 2 * npages

    def obj(self, num, body):
        self.offsets[num] = self.f.tell()
        self.f.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")

    def page(self, k, lines):
        s = page_stream(lines)
        self.obj(6 + 2 * k, b"<< /Length %d >>\nstream\n" % len(s) + s + b"\nendstream")
        self.obj(5 + 2 * k, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (6 + 2 * k))

    def close(self, outline=()):
        """outline: (title, 1-based page) top-level entries in this order."""
        kids = b" ".join(b"%d 0 R" % (5 + 2 * k) for k in range(self.npages))
        self.obj(2, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % self.npages)
        self.obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        cat = b"<< /Type /Catalog /Pages 2 0 R"
        if outline:
            first = self.next
            nums = list(range(first, first + len(outline)))
            for i, (title, page) in enumerate(outline):
                body = b"<< /Title " + lit(title) + b" /Parent 4 0 R"
                if i > 0:
                    body += b" /Prev %d 0 R" % nums[i - 1]
                if i + 1 < len(nums):
                    body += b" /Next %d 0 R" % nums[i + 1]
                body += b" /Dest [%d 0 R /XYZ 0 842 0] >>" % (5 + 2 * (page - 1))
                self.obj(nums[i], body)
            self.obj(4, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
                     % (nums[0], nums[-1], len(nums)))
            cat += b" /Outlines 4 0 R /PageMode /UseOutlines"
            self.next += len(outline)
        else:
            self.obj(4, b"<< /Type /Outlines /Count 0 >>")
        self.obj(1, cat + b" >>")
        size = self.next
        xref = self.f.tell()
        self.f.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for n in range(1, size):
            self.f.write(b"%010d 00000 n \n" % self.offsets.get(n, 0))
        self.f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
        self.f.close()


def write(path, pages, outline=()):
    w = Writer(path, len(pages))
    for k, lines in enumerate(pages):
        w.page(k, lines)
    w.close(outline)


def head(label, number, name="Anna Andersson"):
    """An address area: sender line, name, labelled number."""
    return [(800, "Exempelkommun, Org.nr: " + OWN), (740, name), (725, label + " " + number)]


def body(n):
    return [(400, "Beslut om plats i forskola, sida %d" % n), (380, "Text text text.")]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    # Page text: letters at pages 1 (A, 2 pages, A again lower on page 2),
    # 3 (B), 4-5 (only the child's number: no recipient), 6 (ORG).
    text = [head("Personnummer:", A) + body(1), body(2) + [(300, "Personnummer: " + A)],
            head("Personnummer:", B) + body(1),
            head("Barnets personnummer:", B) + body(1), body(2),
            head("Org.nr:", ORG, "Bolaget AB") + body(1)]
    write(os.path.join(out, "text.pdf"), text)
    # Page text with a page before the first start; and with no start at all.
    write(os.path.join(out, "text-leading.pdf"), [body(1)] + text)
    write(os.path.join(out, "text-none.pdf"), [body(1), body(2)])
    # Two numbers in one address area: not a start.
    write(os.path.join(out, "text-two.pdf"),
          [head("Personnummer:", A) + [(710, "Personnummer: " + B)] + body(1)])
    # Outline: letters at pages 1 and 3 of 5 (recipients in the text).
    six = [head("Personnummer:", A) + body(1), body(2), head("Personnummer:", B) + body(1), body(2),
           body(3), head("Org.nr:", ORG) + body(1)]
    write(os.path.join(out, "outline.pdf"), six, [("Brev 1", 1), ("Brev 2", 3), ("Brev 3", 6)])
    write(os.path.join(out, "outline-order.pdf"), six, [("Brev 1", 1), ("Brev 2", 4), ("Brev 3", 3)])
    write(os.path.join(out, "outline-start.pdf"), six, [("Brev 1", 2), ("Brev 2", 4)])
    write(os.path.join(out, "outline-one.pdf"), six, [("Allt", 1)])
    # Fixed pages: 6 pages, a recipient on every odd page.
    pages = [head("Personnummer:", A) + body(1), body(2), head("Personnummer:", B) + body(1), body(2),
             head("Org.nr:", OWN) + body(1), body(2)]
    write(os.path.join(out, "pages.pdf"), pages)
    if len(sys.argv) > 2:
        n = int(sys.argv[2])
        w = Writer(os.path.join(out, "big.pdf"), 2 * n)
        for i in range(n):
            w.page(2 * i, head("Personnummer:", person(i), "Person %d" % i) + body(1))
            w.page(2 * i + 1, body(2) + [(300, "Med vanlig halsning, Exempelkommun")])
        w.close()
        with open(os.path.join(out, "big.recipients"), "w") as f:
            for i in range(n):
                f.write(person(i).replace("-", "") + "\n")


if __name__ == "__main__":
    main()
