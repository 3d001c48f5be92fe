#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# mmctl verify on third-party vectors, tampered copies, and a delivery we
# produce; our delivery is also checked by independent tools: the stock
# xmlsec1 CLI on the prefix-free rewrite (made with python3-lxml) and
# xmllint against the official XSDs.
. "$(dirname "$0")/lib.sh"

V=$MM_SHARED/spec/vectors
PY=/usr/bin/python3 # Debian's, which has python3-lxml
BENCH=$MM_BUILDDIR/tools/bench/bench_sign
make_pki

# --- third-party vectors
out=$("$MMCTL" verify --strip-blanks "$V/SignedDeliveryWithSignature.xml"); rc=$?
is "SignedDelivery vector verifies (exit 0)" "$rc" 0
is "SignedDelivery vector: one line, digest and signature ok, signer named" "$out" \
  'SignedDelivery: digest ok, signature ok, signer "serialNumber=162021004748+CN=Kommun A,O=Kommun A,C=SE"'

out=$("$MMCTL" verify --strip-blanks "$V/SealedDeliveryWithSignature.xml"); rc=$?
is "SealedDelivery vector verifies (exit 0)" "$rc" 0
is "SealedDelivery vector: seal and inner signature both ok" "$(grep -c 'digest ok, signature ok' <<<"$out")" 2
contains "SealedDelivery vector: the seal is reported" "$out" "SealedDelivery: digest ok, signature ok"

out=$("$MMCTL" verify --strip-blanks - < "$V/SealedDeliveryWithSignature.xml"); rc=$?
is "reads the document from stdin with '-'" "$rc" 0

out=$("$MMCTL" verify "$V/SignedDeliveryWithSignature.xml"); rc=$?
is "pretty-printed vector without --strip-blanks fails (exit 1)" "$rc" 1
contains "... and says the digest is bad" "$out" "digest BAD"

# --- tampered copies: one character of signed text
sed 's/Säkert Meddelande/Säkert Meddelandf/' "$V/SignedDeliveryWithSignature.xml" > "$T/subject.xml"
out=$("$MMCTL" verify --strip-blanks "$T/subject.xml"); rc=$?
is "changed Subject: exit 1" "$rc" 1
contains "changed Subject: digest BAD with a reason" "$out" "SignedDelivery: digest BAD, signature ok"

sed 's/>2020-05-28</>2020-05-29</' "$V/SealedDeliveryWithSignature.xml" > "$T/seal.xml"
out=$("$MMCTL" verify --strip-blanks "$T/seal.xml"); rc=$?
is "changed Seal date: exit 1" "$rc" 1
contains "changed Seal date: the seal digest is bad" "$out" "SealedDelivery: digest BAD"
contains "changed Seal date: the sender's signature still holds" "$out" "SignedDelivery: digest ok, signature ok"

# --- usage and unreadable input
"$MMCTL" verify >/dev/null 2>&1; is "no FILE: usage error (exit 2)" "$?" 2
"$MMCTL" verify "$T/does-not-exist.xml" >/dev/null 2>&1; is "missing file: exit 2" "$?" 2
echo 'not xml <' > "$T/junk.xml"
err=$("$MMCTL" verify "$T/junk.xml" 2>&1 >/dev/null); rc=$?
is "not XML: exit 1" "$rc" 1
contains "not XML: says so" "$err" "not well-formed"

# --- a delivery we produce
check "bench_sign --write produces one deliverSecure request" "$BENCH" --write "$T/req.xml" "$PKI/org.crt" "$PKI/org.key"
out=$("$MMCTL" verify "$T/req.xml"); rc=$?
is "our deliverSecure request verifies with mmctl verify (exit 0)" "$rc" 0
is "... both signatures ok" "$(grep -c 'digest ok, signature ok, signer ".*serialNumber=162120000142' <<<"$out")" 2

# one character of the subject and of the document changed on the wire
sed 's/<m3:Subject>B/<m3:Subject>C/' "$T/req.xml" > "$T/req-subject.xml"
out=$("$MMCTL" verify "$T/req-subject.xml"); rc=$?
is "our request with a changed Subject fails (exit 1)" "$rc" 1
is "... both digests are bad" "$(grep -c 'digest BAD' <<<"$out")" 2
sed 's/\(<m1:Body>JVBERi0xLjQK\)J/\1K/' "$T/req.xml" > "$T/req-pdf.xml"
is "the document copy really differs" "$(cmp -s "$T/req.xml" "$T/req-pdf.xml"; echo $?)" 1
"$MMCTL" verify "$T/req-pdf.xml" >/dev/null; is "our request with a changed document byte fails" "$?" 1

# Independent verifier: rewrite prefix-free with lxml, rename the root to
# its XSD type name, then the stock xmlsec1 CLI with the certificate from
# KeyInfo, trusting only our test CA.
cat > "$T/rewrite.py" <<'EOF'
import sys
from lxml import etree
M3 = "http://minameddelanden.gov.se/schema/Message/v3"
SVC3 = "http://minameddelanden.gov.se/schema/Service/v3"
def rebuild(src, tag):
    root = etree.Element(tag, nsmap={None: etree.QName(tag).namespace})
    def copy(s, d):
        d.text = s.text
        for k, v in s.attrib.items():
            d.set(k, v)
        for c in s:
            if not isinstance(c.tag, str):
                continue
            ns = etree.QName(c).namespace
            cd = etree.SubElement(d, c.tag, nsmap=None if ns == etree.QName(d).namespace else {None: ns})
            copy(c, cd)
            cd.tail = c.tail
    copy(src, root)
    return root
doc = etree.parse(sys.argv[1])
what = sys.argv[2]
wire = doc.find(".//{%s}deliverSecure/{%s}deliverSecure" % (SVC3, SVC3))
if what == "sealed":
    out = rebuild(wire, "{%s}SealedDelivery" % M3)
elif what == "sealed-unrenamed":
    out = rebuild(wire, wire.tag)
elif what == "signed":
    out = rebuild(wire.find("{%s}SignedDelivery" % M3), "{%s}SignedDelivery" % M3)
else:  # the SOAP body's child, for schema validation
    out = wire.getparent()
sys.stdout.buffer.write(etree.tostring(out))
EOF
for w in sealed sealed-unrenamed signed body; do
  "$PY" "$T/rewrite.py" "$T/req.xml" "$w" > "$T/$w.xml" || not_ok "rewrite $w with lxml"
done
contains "the prefix-free rewrite has no prefixes" "$(head -c 300 "$T/sealed.xml")" '<SealedDelivery xmlns="http://minameddelanden.gov.se/schema/Message/v3"><SignedDelivery><Delivery>'
xs() { xmlsec1 --verify --trusted-pem "$PKI/ca.crt" --node-xpath "/*/*[local-name()='Signature']" "$1"; }
check "xmlsec1 CLI verifies our seal (prefix-free, root renamed)" xs "$T/sealed.xml"
check "xmlsec1 CLI verifies our SignedDelivery signature" xs "$T/signed.xml"
check_fails "xmlsec1 CLI rejects the seal when the root keeps its wire name" xs "$T/sealed-unrenamed.xml"
check "mmctl verify accepts the standalone prefix-free SealedDelivery" "$MMCTL" verify "$T/sealed.xml"
"$PY" -c 'import xmlsec' 2>/dev/null && {
  cat > "$T/pyverify.py" <<'EOF'
import sys, xmlsec
from lxml import etree
root = etree.parse(sys.argv[1]).getroot()
sig = [c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "Signature"][-1]
ctx = xmlsec.SignatureContext()
ctx.key = xmlsec.Key.from_file(sys.argv[2], xmlsec.constants.KeyDataFormatCertPem)
ctx.verify(sig)
EOF
  check "python3-xmlsec verifies our seal" "$PY" "$T/pyverify.py" "$T/sealed.xml" "$PKI/org.crt"
  check "python3-xmlsec verifies our SignedDelivery" "$PY" "$T/pyverify.py" "$T/signed.xml" "$PKI/org.crt"
}

check "the SOAP body's deliverSecure validates against Service/v3 XSD (xmllint)" \
  xmllint --noout --schema "$SCHEMAS/schema/v3/Service.xsd" "$T/body.xml"
sed 's/<m3:Language>svSE</<m3:Language>svSE<m3:Bogus\/></' "$T/req.xml" > "$T/req-bad.xml"
"$PY" "$T/rewrite.py" "$T/req-bad.xml" body > "$T/body-bad.xml"
check_fails "xmllint rejects a body with an element the schema does not allow" \
  xmllint --noout --schema "$SCHEMAS/schema/v3/Service.xsd" "$T/body-bad.xml"

done_testing
