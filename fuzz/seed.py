#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
"""Writes the seed corpora fuzz/corpus/TARGET from the tests' own inputs.

Usage: fuzz/seed.py [SHARED_DIR]   (default ../shared next to the checkout)

The inputs are the C string literals of tests/unit (adjacent literals and
simple #define'd literals joined, escapes decoded) that look like what a
target reads, the XMP packets of tests/data/pdf/mkpdfs.py, the signed
vectors of SHARED_DIR/spec/vectors, and a few documented forms (doc/).
Only Skatteverket's public test numbers appear in them.  Files are named by
content hash, so running it again adds nothing twice; the regression inputs
of findings (fuzz/corpus/TARGET/regress-*) are written by hand and kept.
"""
import ast
import glob
import hashlib
import os
import re
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(SRC), "shared")
LIT = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > 64 * 1024:
        return
    d = os.path.join(SRC, "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def put_both(target, data):
    """data, and data with a newline more: the sigverify harness picks its
    verifier by the input's length being even or odd."""
    put(target, data)
    put(target, data + b"\n")


def c_unescape(lit):
    """A C string literal's bytes (the escapes the tests use)."""
    body = lit[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = body[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:])
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(int(m.group(0), 8))
            i += 1 + len(m.group(0))
        else:
            out += {"n": b"\n", "t": b"\t", "r": b"\r", "f": b"\f", "0": b"\0", "\\": b"\\", '"': b'"',
                    "'": b"'"}.get(n, n.encode())
            i += 2
    return bytes(out)


def literals(path):
    """Every run of adjacent string literals (and #define'd literal macros) of a C file."""
    text = open(path, encoding="utf-8").read()
    macros = {}
    for m in re.finditer(r'^#define\s+(\w+)\s+((?:"(?:[^"\\\n]|\\.)*"\s*(?:\\\n\s*)?)+)$', text, re.M):
        macros[m.group(1)] = b"".join(c_unescape(l) for l in LIT.findall(m.group(2)))
    token = re.compile(r'"(?:[^"\\\n]|\\.)*"|\b(' + "|".join(map(re.escape, macros) or ["(?!)"]) + r')\b')
    runs, cur, last = [], [], None
    for m in token.finditer(text):
        gap = text[last:m.start()] if last is not None else "x"
        if cur and not re.fullmatch(r"\s*", gap):
            runs.append(b"".join(cur))
            cur = []
        cur.append(macros[m.group(1)] if m.group(1) else c_unescape(m.group(0)))
        last = m.end()
    if cur:
        runs.append(b"".join(cur))
    return runs


unit = os.path.join(SRC, "tests", "unit")
for f in sorted(glob.glob(os.path.join(unit, "*.c"))):
    for s in literals(f):
        if s.startswith(b"MMPRINT-JOB"):
            put("bundle", s)
        if b"Envelope" in s:
            put("soap", s)
            if b"Signature" in s:
                put_both("sigverify", s)
        if re.match(rb"^(text|subject):[a-z-]+(:\d{12})?(,|$)", s):
            put("candidates", s)
        if os.path.basename(f) == "test_discover.c" and re.search(rb"\d{6}", s) and len(s) > 8:
            put("text", s)
        if s.startswith(b"<") and b"rdf" in s.lower():
            put("xmp", s)
    if os.path.basename(f) in ("test_config.c", "test_conf.c"):
        for s in literals(f):
            if b"=" in s and b"\n" in s:
                put("config", s)

# The XMP packets of the PDF fixtures, made by their own generator.
sys.path.insert(0, os.path.join(SRC, "tests", "data", "pdf"))
from mkpdfs import xmp_packet  # noqa: E402

for x in [xmp_packet(props="<mm:recipient>19121212-1212</mm:recipient>"),
          xmp_packet(attrs=' mm:recipient="191212121212"'),
          xmp_packet(props="<other:recipient>191212121212</other:recipient>"),
          xmp_packet(props="<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Beslut</rdf:li></rdf:Alt></dc:title>"
                           "<mm:recipient> 198112189876 </mm:recipient>"),
          b"<x:xmpmeta><rdf:RDF <<<"]:
    put("xmp", x)

# The bundle's candidates lists (doc/job-bundle.md).
for c in ["text:person:191212121212", "text:person:191212121212,text:orgnr:162120000142",
          "subject:person:198112189876,subject:child:201501012384", "text:representative:191212121212,"
          "text:to-representative", "text:invalid", "text:more", "text:person:191212121212,text:more,text:invalid",
          "text:stepchild:191212121212,text:newflag", "text:patient:191212121212,text:deceased:198112189876,"
          "text:pupil:201501012384,text:principal:194107086995,text:other:162120000142"]:
    put("candidates", c)

# The signed vectors (whole) and a deliverSecure request around one.
for v in sorted(glob.glob(os.path.join(SHARED, "spec", "vectors", "*.xml"))):
    data = open(v, "rb").read()
    put_both("sigverify", data)
    # The same with a short letter: the digest then fails, but the rest of
    # the checks run at a fuzzer's speed (SignedInfo's signature still holds).
    small = re.sub(rb"(<Body[^>]*>\s*<Value>)[^<]{500,}(</Value>)", rb"\1JVBERi0xLjQKJSVFT0YK\2", data)
    if small == data:
        small = re.sub(rb">[A-Za-z0-9+/=\s]{2000,}<", b">JVBERi0xLjQKJSVFT0YK<", data, count=1)
    put_both("sigverify", small)
    put_both("sigverify", re.sub(rb">\s+<", b"><", small))

# A bundle with every key the filter writes (doc/job-bundle.md).
doc = b"%PDF-1.4\n%%EOF\n"
put("bundle", b"MMPRINT-JOB 1\nrecipient: 191212121212\nrecipient-source: text\n"
              b"candidates: text:person:191212121212,text:orgnr:162120000142,text:child:201501012384,"
              b"text:to-representative\ntitle: Beslut mm:19121212-1212\nsubject: Beslut\nuser: anna\n"
              b"host: desk1.example\ncups-job-id: 42\npolicy: digital-else-paper\ndepartment: Socialtj\xc3\xa4nsten\n"
              b"pages: 1\ndocument-type: application/pdf\ndocument-length: %d\n\n" % len(doc) + doc)
put("bundle", b"MMPRINT-JOB 1\nrecipient-problem: no labelled number\npolicy: paper-only\n"
              b"document-length: 0\n\n")

# Batch manifests and batch bundle headers (doc/job-bundle.md, "The batch bundle").
for m in [b"first_page;last_page;recipient;reference\n1;2;19121212-1212;D-1\n3;3;;D-2\n",
          b"\xef\xbb\xbfFirst_Page,Last_Page,Recipient\r\n1,2,\"19811218-9876\"\r\n\r\n3,4,556016-0680\r\n",
          b'[{"first_page": 1, "last_page": 2, "recipient": "19121212-1212", "reference": "D-1"},'
          b' {"first_page": "3", "last_page": 3, "recipient": null, "x": {"y": [1, true]}}]',
          b'[{"first_page": 1, "last_page": 1, "title": "\\u00c5r \\ud83d\\ude00"}]']:
    put("manifest", m)
put("batchheader", b"MMPRINT-BATCH 1\nsplit: pages:2\nuser: anna\nhost: desk1.example\ncups-job-id: 42\n"
                   b"title: Beslut\npolicy: digital-else-paper\ndepartment: F\xc3\xb6rskola\npostal-class: b-post\n"
                   b"letter-type: beslut\nmanifest-type: csv\nmanifest-length: 10\ndocument-length: 15\n\n"
                   b"first_page%PDF-1.4\n%%EOF\n")
put("batchheader", b"MMPRINT-BATCH 1\nsplit: auto\nfuture: x\nmanifest-length: 0\ndocument-length: 9\n\n%PDF-1.4\n")

# The API's JSON bodies (doc/api.md).
for j in ['{"recipient": "19121212-1212"}', '{"recipient": "191212121212"}', '{"recipient": "121212+1212"}',
          '{"action": "reprint"}', '{"action": "handled"}', '{"action": "cancel"}',
          '{"recipient": "19121212-1212", "recipient": "19121212-1212"}', '{"recipient": null}',
          '{"recipient": "\\u0031\\u0039121212-1212"}', '[{"action": "cancel"}]', '{}', '""']:
    put("json", j)

# Configuration files: mmprintd's (doc/mmprintd.conf.5's keys), mmsimd's registry.
put("config", "# mmprintd\nlisten_address = 127.0.0.1\nport = 8631\ntls_cert = /etc/mmprint/server.crt\n"
              "tls_key = /etc/mmprint/server.key\nclient_ca = /etc/mmprint/ca.crt\n"
              "org_cert = /etc/mmprint/org.crt\norg_key = /etc/mmprint/org.key\nca_file = /etc/mmprint/ca.crt\n"
              "sender_name = \"Exempelkommun\"\nsender_id = 162120000142\n"
              "far_url = https://far.example/Recipient/v3\ndatabase = /var/lib/mmprint/mmprintd.db\n"
              "spool_dir = /var/spool/mmprint\nprinter_uri = ipps://printer.example/ipp/print\n"
              "printer_name = Utskriftsrummet\nretry_initial_ms = 100\nretention_days = 30\n"
              "held_expiry = 14d\n")
put("config", "listen_plain_loopback = yes\nlisten_address = 127.0.0.1\n")
reg = os.path.join(SRC, "doc", "mmsimd-registry.example")
if os.path.exists(reg):
    put("config", open(reg, "rb").read())
put("config", "far http=500 count=2\nop=kivra fault=5006 description=\"fel signatur\"\n"
              "recipient=191212121212 drop\nop=billo delay=3000 flaky=0.1\n"
              "recipient=189001029819 not-delivered\nop=fortnox refuse-tls\n")
