#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# mmctl verify on third-party vectors, tampered copies, and a delivery we
# produce; our delivery is also checked by independent tools: the stock
# xmlsec1 CLI on the prefix-free rewrite (made with python3-lxml) and
# xmllint against the official XSDs.  Beyond the mathematics: the signer's
# chain against --ca, the certificate's organisation number against the
# Sender, and SHA-1 only with --allow-sha1 (documents signed by xmlsec1).
. "$(dirname "$0")/lib.sh"

V=$MM_SHARED/spec/vectors
PY=/usr/bin/python3 # Debian's, which has python3-lxml
BENCH=$MM_BUILDDIR/tools/bench/bench_sign
make_pki

# --- third-party vectors: their certificates come from a test CA we do not
# have (and have expired), so only --no-chain passes them.
out=$("$MMCTL" verify --no-chain --strip-blanks "$V/SignedDeliveryWithSignature.xml"); rc=$?
is "SignedDelivery vector verifies with --no-chain (exit 0)" "$rc" 0
is "SignedDelivery vector: one line with algorithm, signer, sender and chain" "$out" \
  'SignedDelivery: digest ok, signature ok, algorithm rsa-sha256 (digest sha256), signer "serialNumber=162021004748+CN=Kommun A,O=Kommun A,C=SE", sender 162021004748 ok, chain not checked'
out=$("$MMCTL" verify --ca "$PKI/ca.crt" --strip-blanks "$V/SignedDeliveryWithSignature.xml"); rc=$?
is "SignedDelivery vector against a CA that did not issue it: refused (exit 1)" "$rc" 1
contains "... and says the chain is bad, with OpenSSL's reason" "$out" \
  "chain BAD: signer certificate does not chain to the given CA: unable to get local issuer certificate"
err=$("$MMCTL" verify --strip-blanks "$V/SignedDeliveryWithSignature.xml" 2>&1 >/dev/null); rc=$?
is "neither --ca nor --no-chain: usage error (exit 2)" "$rc" 2
contains "... which asks for --ca or --no-chain" "$err" "give --ca FILE (the CA the signer must chain to) or --no-chain"
"$MMCTL" verify --ca "$T/no-such-ca.pem" --strip-blanks "$V/SignedDeliveryWithSignature.xml" >/dev/null 2>&1
is "an unreadable --ca file: exit 2" "$?" 2

out=$("$MMCTL" verify --no-chain --strip-blanks "$V/SealedDeliveryWithSignature.xml"); rc=$?
is "SealedDelivery vector verifies (exit 0)" "$rc" 0
is "SealedDelivery vector: seal and inner signature both ok" "$(grep -c 'digest ok, signature ok' <<<"$out")" 2
contains "SealedDelivery vector: the seal is reported" "$out" "SealedDelivery: digest ok, signature ok"

out=$("$MMCTL" verify --no-chain --strip-blanks - < "$V/SealedDeliveryWithSignature.xml"); rc=$?
is "reads the document from stdin with '-'" "$rc" 0

out=$("$MMCTL" verify --no-chain "$V/SignedDeliveryWithSignature.xml"); rc=$?
is "pretty-printed vector without --strip-blanks fails (exit 1)" "$rc" 1
contains "... and says the digest is bad" "$out" "digest BAD"

# --- tampered copies: one character of signed text
sed 's/Säkert Meddelande/Säkert Meddelandf/' "$V/SignedDeliveryWithSignature.xml" > "$T/subject.xml"
out=$("$MMCTL" verify --no-chain --strip-blanks "$T/subject.xml"); rc=$?
is "changed Subject: exit 1" "$rc" 1
contains "changed Subject: digest BAD with a reason" "$out" "SignedDelivery: digest BAD, signature ok"

sed 's/>2020-05-28</>2020-05-29</' "$V/SealedDeliveryWithSignature.xml" > "$T/seal.xml"
out=$("$MMCTL" verify --no-chain --strip-blanks "$T/seal.xml"); rc=$?
is "changed Seal date: exit 1" "$rc" 1
contains "changed Seal date: the seal digest is bad" "$out" "SealedDelivery: digest BAD"
contains "changed Seal date: the sender's signature still holds" "$out" "SignedDelivery: digest ok, signature ok"

# --- usage and unreadable input
"$MMCTL" verify --no-chain >/dev/null 2>&1; is "no FILE: usage error (exit 2)" "$?" 2
"$MMCTL" verify --no-chain "$T/does-not-exist.xml" >/dev/null 2>&1; is "missing file: exit 2" "$?" 2
echo 'not xml <' > "$T/junk.xml"
err=$("$MMCTL" verify --no-chain "$T/junk.xml" 2>&1 >/dev/null); rc=$?
is "not XML: exit 1" "$rc" 1
contains "not XML: says so" "$err" "not well-formed"

# --- a delivery we produce
check "bench_sign --write produces one deliverSecure request" "$BENCH" --write "$T/req.xml" "$PKI/org.crt" "$PKI/org.key"
out=$("$MMCTL" verify --ca "$PKI/ca.crt" "$T/req.xml"); rc=$?
is "our deliverSecure request verifies with mmctl verify --ca (exit 0)" "$rc" 0
is "... both signatures ok, rsa-sha256, signer is the Sender, chain ok" \
  "$(grep -c 'digest ok, signature ok, algorithm rsa-sha256 (digest sha256), signer ".*serialNumber=162120000142.*", sender 162120000142 ok, chain ok$' <<<"$out")" 2
signer=$(sed -n '1s/.*signer "\([^"]*\)".*/\1/p' <<<"$out")
out=$("$MMCTL" verify --ca "$PKI/other-ca.crt" "$T/req.xml"); rc=$?
is "our request against the wrong CA: refused (exit 1)" "$rc" 1
is "... both signatures' chains are bad" "$(grep -c 'chain BAD: signer certificate does not chain to the given CA' <<<"$out")" 2

# A delivery whose Sender (162120000142, as bench_sign writes it) is not the
# organisation in the signing certificate: a second PKI for 162120000999.
"$MM_SRCDIR/tools/pki/mkpki" -o 2120000999 "$T/pki2" >/dev/null
check "bench_sign signs with another organisation's certificate" \
  "$BENCH" --write "$T/req-other.xml" "$T/pki2/org.crt" "$T/pki2/org.key"
out=$("$MMCTL" verify --ca "$T/pki2/ca.crt" "$T/req-other.xml"); rc=$?
is "signed by another organisation than the Sender: refused (exit 1)" "$rc" 1
is "... both signatures name the mismatch" \
  "$(grep -c 'sender 162120000142 BAD, chain ok: signed by 162120000999, but the Sender is 162120000142$' <<<"$out")" 2
out=$("$MMCTL" verify --ca "$T/pki2/ca.crt" --dispatcher 162120000999 "$T/req-other.xml"); rc=$?
is "... accepted when that organisation is named as the dispatcher (exit 0)" "$rc" 0
"$MMCTL" verify --ca "$T/pki2/ca.crt" --dispatcher 5560000000 "$T/req-other.xml" >/dev/null 2>&1
is "a malformed --dispatcher: exit 2" "$?" 2

# one character of the subject and of the document changed on the wire
sed 's/<m3:Subject>B/<m3:Subject>C/' "$T/req.xml" > "$T/req-subject.xml"
out=$("$MMCTL" verify --ca "$PKI/ca.crt" "$T/req-subject.xml"); rc=$?
is "our request with a changed Subject fails (exit 1)" "$rc" 1
is "... both digests are bad" "$(grep -c 'digest BAD' <<<"$out")" 2
sed 's/\(<m1:Body>JVBERi0xLjQK\)J/\1K/' "$T/req.xml" > "$T/req-pdf.xml"
is "the document copy really differs" "$(cmp -s "$T/req.xml" "$T/req-pdf.xml"; echo $?)" 1
"$MMCTL" verify --ca "$PKI/ca.crt" "$T/req-pdf.xml" >/dev/null; is "our request with a changed document byte fails" "$?" 1

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
check "mmctl verify accepts the standalone prefix-free SealedDelivery" "$MMCTL" verify --ca "$PKI/ca.crt" "$T/sealed.xml"

# SHA-1: our SignedDelivery re-signed by the stock xmlsec1 CLI from an
# rsa-sha1/sha1 template (valid mathematics, legacy algorithms).
cat > "$T/resign.py" <<'EOF'
import sys
from lxml import etree
root = etree.parse(sys.argv[1]).getroot()
root.remove([c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "Signature"][-1])
root.append(etree.fromstring(
    '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
    '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<SignatureMethod Algorithm="%s"/><Reference URI=""><Transforms>'
    '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>'
    '<DigestMethod Algorithm="%s"/><DigestValue/></Reference></SignedInfo><SignatureValue/>'
    '<KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>' % (sys.argv[2], sys.argv[3])))
sys.stdout.buffer.write(etree.tostring(root))
EOF
DSIG=http://www.w3.org/2000/09/xmldsig
"$PY" "$T/resign.py" "$T/signed.xml" "$DSIG#rsa-sha1" "$DSIG#sha1" > "$T/sha1-tmpl.xml" || not_ok "rsa-sha1 template"
check "xmlsec1 CLI signs the SignedDelivery with rsa-sha1/sha1" \
  xmlsec1 --sign --privkey-pem "$PKI/org.key,$PKI/org.crt" --output "$T/sha1.xml" "$T/sha1-tmpl.xml"
out=$("$MMCTL" verify --ca "$PKI/ca.crt" "$T/sha1.xml" 2>"$T/sha1.err"); rc=$?
is "a SHA-1 signature is refused without --allow-sha1 (exit 1)" "$rc" 1
contains "... the line names the algorithms, the mathematics being fine" "$out" \
  "digest ok, signature ok, algorithm rsa-sha1 (digest sha1)"
contains "... and says SHA-1 is not accepted" "$out" ": SHA-1 (rsa-sha1, digest sha1) is not accepted"
contains "... and stderr names the flag" "$(cat "$T/sha1.err")" "--allow-sha1"
out=$("$MMCTL" verify --ca "$PKI/ca.crt" --allow-sha1 "$T/sha1.xml"); rc=$?
is "with --allow-sha1 the same document verifies (exit 0)" "$rc" 0
is "... and the line names rsa-sha1" "$out" \
  "SignedDelivery: digest ok, signature ok, algorithm rsa-sha1 (digest sha1), signer \"$signer\", sender 162120000142 ok, chain ok"
"$PY" "$T/resign.py" "$T/signed.xml" "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" "$DSIG#sha1" > "$T/mix-tmpl.xml"
xmlsec1 --sign --privkey-pem "$PKI/org.key,$PKI/org.crt" --output "$T/mix.xml" "$T/mix-tmpl.xml" || not_ok "xmlsec1 mixed"
out=$("$MMCTL" verify --ca "$PKI/ca.crt" --allow-sha1 "$T/mix.xml"); rc=$?
is "rsa-sha256 with a sha1 digest is refused even with --allow-sha1 (exit 1)" "$rc" 1
contains "... as a mixed profile" "$out" "does not match SignatureMethod"
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
