#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""Writes the test PDFs of the filter/discovery tests into OUTDIR.

    mkpdfs.py OUTDIR

Python 3 standard library only (plus the qpdf CLI for the encrypted ones).
Every file is small and valid unless its name says otherwise; page text uses
Helvetica with WinAnsiEncoding plus a /Differences table so that Unicode
dashes and spaces (U+2010..U+2015, U+2212, U+00A0, U+2009, U+202F) can be
written and reach poppler as those characters.  The numbers are Skatteverket
style test numbers: 19121212-1212, 19811218-9876, samordningsnummer
19701063-2391, organisationsnummer 556016-0680, and the sender's own
organisationsnummer 212000-0142 (the test PKI's Exempelkommun).  A 10-digit
personnummer without '+' is read as under 100 years old: 811218-9876 is
19811218-9876, but 121212-1212 would be 20121212-1212 (a different person).
"""
import os
import subprocess
import sys
import zlib

A = "191212121212"          # personnummer 19121212-1212
A_DASH = "19121212-1212"
B = "198112189876"          # personnummer 19811218-9876
B_DASH = "19811218-9876"
COORD = "19701063-2391"     # samordningsnummer
ORG = "556016-0680"         # a company (recipient)
OWN = "212000-0142"         # the sender (Exempelkommun)
BADCHECK = "19121212-1213"  # wrong check digit

# Extra glyphs at codes 0x80.. (WinAnsi leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D unused;
# we simply override a block of codes that these tests never need otherwise).
EXTRA = [("\u2212", "minus"), ("\u2010", "uni2010"), ("\u2011", "uni2011"),
         ("\u2012", "figuredash"), ("\u2013", "endash"), ("\u2014", "emdash"),
         ("\u2015", "uni2015"), ("\u2009", "uni2009"), ("\u202f", "uni202F")]
EXTRA_CODE = {ch: 0x80 + i for i, (ch, _) in enumerate(EXTRA)}


def encode_text(s):
    out = bytearray()
    for ch in s:
        if ch in EXTRA_CODE:
            out.append(EXTRA_CODE[ch])
        else:
            out += ch.encode("cp1252")
    return bytes(out)


def pdf_literal(b):
    return b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def info_string(s, utf16=False):
    if utf16:  # what LibreOffice writes: UTF-16BE with BOM, as a hex string
        return b"<" + ("\ufeff" + s).encode("utf-16-be").hex().upper().encode() + b">"
    return pdf_literal(s.encode("latin-1"))


def xmp_packet(props="", attrs=""):
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
            ' xmlns:mm="http://mmprint.example/ns/1.0/" xmlns:other="http://example.org/other/"'
            + attrs + '>' + props +
            '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>').encode("utf-8")


def make_pdf(path, pages=(("Brev",),), info=None, xmp=None, info_utf16=(), compress=False):
    """pages: one tuple of text lines per page, or a list of (x, y, text)
    placed at those points (11 pt, like a report engine's text fields);
    info: dict of Info entries."""
    objs = []

    def add(body):
        objs.append(body)
        return len(objs)

    cat = add(None)
    pages_obj = add(None)
    diffs = b" ".join(b"/" + name.encode() for _, name in EXTRA)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding "
               b"<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [128 " + diffs + b"] >> >>")
    kids = []
    for lines in pages:
        if isinstance(lines, list):
            ops = [b"BT /F1 11 Tf 1 0 0 1 %g %g Tm " % (x, y) + pdf_literal(encode_text(t)) + b" Tj ET"
                   for x, y, t in lines]
        else:
            ops = [b"BT /F1 11 Tf 72 780 Td 15 TL"]
            for line in lines:
                ops.append(pdf_literal(encode_text(line)) + b" '")
            ops.append(b"ET")
        stream = b"\n".join(ops)
        if compress:
            z = zlib.compress(stream)
            content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(z) + z + b"\nendstream")
        else:
            content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                        b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_obj, font, content)))
    objs[pages_obj - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) +
                           b"] /Count %d >>" % len(kids))
    catalog = b"<< /Type /Catalog /Pages %d 0 R" % pages_obj
    if xmp is not None:
        meta = add(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp) + xmp + b"\nendstream")
        catalog += b" /Metadata %d 0 R" % meta
    objs[cat - 1] = catalog + b" >>"
    entries = [b"/Producer (mmprint mkpdfs.py)"]
    for k, v in (info or {}).items():
        entries.append(b"/" + k.encode() + b" " + info_string(v, k in info_utf16))
    info_obj = add(b"<< " + b" ".join(entries) + b" >>")
    data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    data += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    data += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
             % (len(objs) + 1, cat, info_obj, xref))
    with open(path, "wb") as f:
        f.write(data)
    return data


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkpdfs.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)
    head = ("Exempelkommun", "Org.nr " + OWN, "Socialförvaltningen")

    make_pdf(p("plain.pdf"), [("Beslut om bistånd", "Hej! Detta är ett beslut.")])
    # PDF Info keys
    make_pdf(p("info-mmrecipient.pdf"), [("Beslut",)], info={"MMRecipient": A})
    make_pdf(p("info-personnummer-utf16.pdf"), [("Beslut",)], info={"Personnummer": A_DASH},
             info_utf16=("Personnummer",))
    make_pdf(p("info-invalid.pdf"), [("Personnummer: " + B_DASH,)], info={"MMRecipient": "191212121213"})
    # XMP
    make_pdf(p("xmp-element.pdf"), [("Beslut",)], xmp=xmp_packet(props="<mm:recipient>%s</mm:recipient>" % A_DASH))
    make_pdf(p("xmp-attribute.pdf"), [("Beslut",)], xmp=xmp_packet(attrs=' mm:recipient="%s"' % A))
    make_pdf(p("xmp-other-namespace.pdf"), [("Beslut",)],
             xmp=xmp_packet(props="<other:recipient>%s</other:recipient>" % A))
    make_pdf(p("xmp-broken.pdf"), [("Beslut",)], xmp=b"<x:xmpmeta><rdf:RDF <<<")
    # A DTD in the packet: its entity would fill in the recipient; the packet is ignored.
    dtd_packet = xmp_packet(props="<mm:recipient>&r;</mm:recipient>").replace(
        b"?>\n<x:xmpmeta", b'?>\n<!DOCTYPE x:xmpmeta [<!ENTITY r "%s">]><x:xmpmeta' % A_DASH.encode(), 1)
    make_pdf(p("xmp-dtd.pdf"), [("Beslut",)], xmp=dtd_packet)
    # Keywords (LibreOffice writes UTF-16 hex strings)
    make_pdf(p("keywords.pdf"), [("Beslut",)], info={"Keywords": "beslut, mm-recipient=" + A},
             info_utf16=("Keywords",))
    make_pdf(p("keywords-other.pdf"), [("Beslut",)], info={"Keywords": "beslut, bistånd"})
    # Subject
    make_pdf(p("subject-marker.pdf"), [("Beslut",)], info={"Subject": "Beslut [mm:%s]" % A_DASH})
    make_pdf(p("subject-label.pdf"), [("Beslut",)], info={"Subject": "Beslut Personnummer: " + A_DASH})
    make_pdf(p("subject-plain.pdf"), [("Beslut",)], info={"Subject": "Beslut om bostadsbidrag"})
    # Page text
    make_pdf(p("text-label.pdf"), [head + ("Personnummer: " + A_DASH, "Beslut om bistånd")])
    make_pdf(p("text-label-above.pdf"), [head + ("Personnummer", A_DASH, "Beslut")])
    make_pdf(p("text-label-10digit.pdf"), [head + ("Pnr 811218-9876", "Beslut")])
    make_pdf(p("text-coordination.pdf"), [head + ("Samordningsnummer: " + COORD,)])
    make_pdf(p("text-org-recipient.pdf"), [head + ("Mottagare: Bolaget AB", "Organisationsnummer: " + ORG)])
    make_pdf(p("text-no-label.pdf"), [head + ("Angående " + A_DASH, "Beslut")])
    make_pdf(p("text-two.pdf"), [head + ("Personnummer: " + A_DASH, "Vårdnadshavare, personnummer: " + B_DASH)])
    make_pdf(p("text-same-twice.pdf"), [head + ("Personnummer: " + B_DASH,), ("Pnr: 811218-9876",)])
    make_pdf(p("text-own-org-only.pdf"), [head + ("Beslut om bygglov",)])
    make_pdf(p("text-badcheck.pdf"), [head + ("Personnummer: " + BADCHECK,)])
    make_pdf(p("text-badcheck-and-valid.pdf"), [head + ("Personnummer: " + BADCHECK, "Pnr: " + B_DASH)])
    make_pdf(p("text-endash.pdf"), [head + ("Personnummer: 19121212\u20131212",)])
    make_pdf(p("text-minus.pdf"), [head + ("Personnummer: 811218\u22129876",)])
    make_pdf(p("text-nbhyphen.pdf"), [head + ("Personnummer: 19121212\u20111212",)])
    make_pdf(p("text-thinspace.pdf"), [head + ("Personnummer:\u00a019121212\u20091212",)])
    make_pdf(p("text-phone-like.pdf"), [head + ("Personnummer: 08-121212-1212",)])
    make_pdf(p("text-compressed.pdf"), [head + ("Personnummer: " + A_DASH,)], compress=True)
    # Labels by position (spec §7 step 5): report engines place the column
    # heading over the number, each text field on its own.
    foot = [(72, 40, "Exempelkommun, 123 45 Exempelstad. Org.nr " + OWN)]
    row = lambda y, *cells: [(72 + 150 * i, y, c) for i, c in enumerate(cells) if c]
    make_pdf(p("table-header.pdf"), [row(700, "Namn", "Personnummer", "Datum") +
                                     row(684, "Anna Andersson", A_DASH, "2026-11-28") + foot])
    make_pdf(p("table-tight.pdf"), [[(72, 700, "Namn"), (140, 700, "Personnummer"), (226, 700, "Datum"),
                                     (72, 684, "Anna A."), (140, 684, A_DASH), (226, 684, "2026-11-28")] + foot])
    make_pdf(p("table-two-rows.pdf"), [row(700, "Namn", "Personnummer") + row(684, "Anna Andersson", A_DASH) +
                                       row(668, "Bo Berg", B_DASH) + foot])
    make_pdf(p("table-child.pdf"), [row(700, "Namn", "Barnets personnummer") + row(684, "Kalle", A_DASH) + foot])
    make_pdf(p("table-keyvalue.pdf"), [row(700, "Namn", "Anna Andersson") + row(684, "Personnummer", A_DASH) +
                                       row(668, "Datum", "2026-11-28") + foot])
    make_pdf(p("table-label-not-nearest.pdf"), [row(700, "Namn", "Personnummer") + row(684, "", "Anna Andersson") +
                                                row(668, "", A_DASH) + foot])
    make_pdf(p("table-prose-above.pdf"), [[(72, 700, "Vi behöver ditt personnummer för att handlägga ärendet."),
                                           (72, 684, A_DASH)] + foot])
    make_pdf(p("table-coordination.pdf"), [row(700, "Namn", "Samordningsnr") + row(684, "Anna", COORD) + foot])
    # Precedence: every source names a different number
    all_sources = dict(info={"MMRecipient": A, "Keywords": "mm-recipient=" + B,
                             "Subject": "Personnummer: " + B_DASH},
                       xmp=xmp_packet(props="<mm:recipient>%s</mm:recipient>" % B),
                       pages=[("Personnummer: " + B_DASH,)])
    make_pdf(p("precedence.pdf"), **all_sources)
    make_pdf(p("precedence-no-info.pdf"), [("Personnummer: " + A_DASH,)],
             info={"Keywords": "mm-recipient=" + A, "Subject": "Personnummer: " + A_DASH},
             xmp=xmp_packet(props="<mm:recipient>%s</mm:recipient>" % B))
    make_pdf(p("precedence-keywords.pdf"), [("Personnummer: " + A_DASH,)],
             info={"Keywords": "mm-recipient=" + B, "Subject": "Personnummer: " + A_DASH})
    make_pdf(p("precedence-subject.pdf"), [("Personnummer: " + B_DASH,)],
             info={"Subject": "Personnummer: " + A_DASH})
    # A ten-page letter, the recipient on page 1 (benchmark, page count)
    letter = [head + ("Personnummer: " + A_DASH, "Beslut om ekonomiskt bistånd")]
    for i in range(2, 11):
        letter.append(tuple("Sida %d rad %d: Lorem ipsum dolor sit amet, beslut enligt 4 kap. 1 § SoL." % (i, r)
                            for r in range(1, 45)))
    make_pdf(p("letter10.pdf"), letter)
    # Unusable input
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    d = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(d))
        d += b"%d 0 obj\n%s\nendobj\n" % (i, o)
    x = len(d)
    d += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
    d += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
    open(p("nopages.pdf"), "wb").write(d)
    open(p("broken.pdf"), "wb").write(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n" + b"\x00garbage" * 40)
    open(p("not-a-pdf.bin"), "wb").write(bytes(range(256)) * 8)
    open(p("empty.pdf"), "wb").write(b"")
    for name, args in (("encrypted.pdf", ["hemligt", "hemligt"]), ("owner-only.pdf", ["", "agare"])):
        subprocess.run(["qpdf", "--encrypt"] + args + ["256", "--", p("text-label.pdf"), p(name)], check=True)


if __name__ == "__main__":
    main()
