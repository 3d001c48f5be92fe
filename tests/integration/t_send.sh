#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# End to end: `mmctl lookup` and `mmctl send` against mmsimd over real mutual
# TLS.  What arrives in the simulated mailbox must validate against the
# official XSDs and verify with an independent verifier (xmlsec1 CLI on a
# prefix-free rewrite made with lxml); every failure mode maps to the exit
# status mmctl(1) documents.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3   # Debian's python3 with lxml (not a pyenv shim)
make_pki

PORT=$(free_port)
URL=https://127.0.0.1:$PORT
INBOX=$T/inbox
cat > "$T/registry" <<'EOF'
operator kivra id=165567828172 name=Kivra
operator mmp id=162021004748 name="Min myndighetspost"
recipient 191212121212 operator=kivra
recipient 198112189876 operator=mmp pending=yes
recipient 194107086995 operator=mmp accepts=162120009999
recipient 189001029819 operator=mmp
sender 162120000142 name=Exempelkommun
EOF
: > "$T/faults"
"$MMSIMD" --listen "127.0.0.1:$PORT" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$INBOX" --faults "$T/faults" \
  >"$T/sim.out" 2>"$T/sim.log" &
SIM=$!
remember_pid $SIM
wait_port "$PORT" 20
for _ in $(seq 50); do grep -q listening "$T/sim.out" && break; sleep 0.1; done

conf() { # CERT KEY > config
  cat <<EOF
cert = $1
key = $2
ca = $PKI/ca.crt
far_url = $URL/far/Recipient/v3
sender_id = 162120000142
sender_name = Exempelkommun
timeout = 10
EOF
}
conf "$PKI/org.crt" "$PKI/org.key" > "$T/mmctl.conf"

reload() { # after writing $T/faults: wait until mmsimd has re-read it
  local n; n=$(grep -c 'fault rules' "$T/sim.log")
  kill -HUP $SIM
  for _ in $(seq 50); do [ "$(grep -c 'fault rules' "$T/sim.log")" -gt "$n" ] && break; sleep 0.1; done
}
index_lines() { if [ -f "$INBOX/index.tsv" ]; then wc -l < "$INBOX/index.tsv"; else echo 0; fi; }
# send ID SUBJECT: runs mmctl send; output in $out, status in $rc
send() {
  out=$("$MMCTL" send -c "$T/mmctl.conf" --to "$1" --subject "$2" --body "Hej! Se bifogat beslut." \
        --reference BN-2026-0142 "$T/beslut.pdf" 2>"$T/send.err")
  rc=$?
}

# A small real PDF, as a case worker would send
printf '%%!PS\n/Helvetica findfont 18 scalefont setfont 72 720 moveto (Beslut om bygglov) show showpage\n' |
  ps2pdf - "$T/beslut.pdf"
check "test PDF made" test -s "$T/beslut.pdf"

# Wait for mmctl send/lookup to be built (they are written in parallel).
if "$MMCTL" send 2>&1 | grep -q "not built yet"; then
  not_ok "mmctl send is built"
  done_testing
  exit
fi

# ---- lookup --------------------------------------------------------------
lookup=$("$MMCTL" lookup -c "$T/mmctl.conf" 191212121212 198112189876 194107086995 189001019802 2>"$T/lookup.err")
is "lookup exits 0" "$?" 0
is "lookup: digital, pending, not accepted, no mailbox" "$lookup" \
"191212121212 digital Kivra $URL/op/kivra/Service/v3
198112189876 paper: mailbox registration pending
194107086995 paper: recipient does not accept this sender
189001019802 paper: no digital mailbox (Type=Not)"

# ---- send: delivered -------------------------------------------------------
send 191212121212 "Beslut om bygglov"
is "send exits 0" "$rc" 0
diag "$out"
[ "$rc" = 0 ] || diag "$(cat "$T/send.err")"
trans=$(sed -n 's/^delivered to Kivra, TransId \([^,]*\), message id \(.*\)$/\1/p' <<<"$out")
msgid=$(sed -n 's/^delivered to Kivra, TransId \([^,]*\), message id \(.*\)$/\2/p' <<<"$out")
if [ -n "$trans" ] && [ -n "$msgid" ]; then ok "send reports operator, TransId and message id"; else not_ok "send reports operator, TransId and message id"; diag "$out"; fi
check "the letter is in the simulated mailbox as TransId.xml" test -s "$INBOX/$trans.xml"
line=$(grep -F "$trans" "$INBOX/index.tsv" 2>/dev/null)
is "index.tsv: operator, recipient, sender, message id, subject, first delivery" \
  "$(cut -f2,4,5,6,7,9 <<<"$line")" "kivra	191212121212	162120000142	$msgid	Beslut om bygglov	new"
is "index.tsv: the attachment is our PDF (sha256)" "$(cut -f8 <<<"$line")" \
  "$(sha256sum "$T/beslut.pdf" | cut -d' ' -f1)"

# Contract check: the request's deliverSecure element against Service v3 XSD
$PY - "$INBOX/$trans.xml" "$T/op.xml" <<'EOF'
import sys
from lxml import etree
doc = etree.parse(sys.argv[1])
body = doc.getroot().find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
etree.ElementTree(body[0]).write(sys.argv[2])
EOF
check "the delivered request validates against Service v3 XSD" \
  xmllint --noout --schema "$SCHEMAS/schema/v3/Service.xsd" "$T/op.xml"

# Independent signature check: prefix-free rewrite (spec §4.3) with lxml, the
# seal's root renamed to {Message/v3}SealedDelivery, verified by xmlsec1.
cat > "$T/prefixfree.py" <<'EOF'
import sys
from lxml import etree
SVC3 = "http://minameddelanden.gov.se/schema/Service/v3"
M3 = "http://minameddelanden.gov.se/schema/Message/v3"
def rebuild(src, parent, tag=None):
    qn = etree.QName(tag or src.tag)
    if parent is None:
        el = etree.Element(qn.text, nsmap={None: qn.namespace})
    elif etree.QName(parent.tag).namespace == qn.namespace:
        el = etree.SubElement(parent, qn.text)
    else:
        el = etree.SubElement(parent, qn.text, nsmap={None: qn.namespace})
    for k, v in src.attrib.items():
        el.set(k, v)
    el.text = src.text
    for c in src:
        if isinstance(c.tag, str):
            rebuild(c, el).tail = c.tail
    return el
doc = etree.parse(sys.argv[1])
inner = doc.find(".//{%s}deliverSecure/{%s}deliverSecure" % (SVC3, SVC3))
sealed = rebuild(inner, None, "{%s}SealedDelivery" % M3)
etree.ElementTree(sealed).write(sys.argv[2])
etree.ElementTree(rebuild(sealed.find("{%s}SignedDelivery" % M3), None)).write(sys.argv[3])
EOF
$PY "$T/prefixfree.py" "$INBOX/$trans.xml" "$T/sealed.xml" "$T/signed.xml"
check "xmlsec1 verifies the sender's SignedDelivery signature (chain to our CA)" \
  xmlsec1 --verify --trusted-pem "$PKI/ca.crt" "$T/signed.xml"
check "xmlsec1 verifies the seal over SealedDelivery" \
  xmlsec1 --verify --trusted-pem "$PKI/ca.crt" --node-xpath "/*/*[local-name()='Signature']" "$T/sealed.xml"
sed 's/Beslut om bygglov/Beslut om rivningslov/' "$T/signed.xml" > "$T/signed-bad.xml"
check_fails "xmlsec1 rejects it once the subject is changed (the check can fail)" \
  xmlsec1 --verify --trusted-pem "$PKI/ca.crt" "$T/signed-bad.xml"
check_fails "xmlsec1 rejects it against a CA that did not issue it" \
  xmlsec1 --verify --trusted-pem "$PKI/other-ca.crt" "$T/signed.xml"

# ---- not digital: exit 4, nothing in the mailbox -----------------------------
before=$(index_lines)
send 189001019802 "Beslut"
is "recipient without a mailbox: exit 4" "$rc" 4
contains "and says so" "$out" "not delivered digitally"
send 198112189876 "Beslut"
is "pending registration: exit 4" "$rc" 4
send 194107086995 "Beslut"
is "recipient does not accept the sender: exit 4" "$rc" 4
is "nothing reached the mailbox" "$(index_lines)" "$before"
if ls "$INBOX"/*.xml | grep -vqF "$trans"; then not_ok "only the one delivered letter is stored"; else ok "only the one delivered letter is stored"; fi

# FaR says digital but the operator answers Delivered=false
echo "recipient=189001029819 not-delivered" > "$T/faults"; reload
send 189001029819 "Beslut"
is "operator answers Delivered=false: exit 4" "$rc" 4
contains "and says the letter was not delivered" "$out" "not delivered digitally"
is "nothing reached the mailbox" "$(index_lines)" "$before"

# The operator's receipt names another recipient: never taken as delivered
echo "recipient=189001029819 answer-recipient=191212121212" > "$T/faults"; reload
send 189001029819 "Beslut"
is "receipt for another recipient: exit 3 (may not have arrived)" "$rc" 3
contains "... says whose receipt it was, masked" "$(cat "$T/send.err")" \
  "operator answered for recipient 19121212-****, not for the letter's recipient 18900102-****"
check_fails "... and never says delivered" grep -q "delivered to" <<<"$out"

# ---- faults ----------------------------------------------------------------
echo "op=kivra fault=5006" > "$T/faults"; reload
send 191212121212 "Beslut 5006"
is "operator answers fault 5006: exit 5" "$rc" 5
contains "the fault code is shown" "$(cat "$T/send.err")" "5006"

echo "op=kivra http=500" > "$T/faults"; reload
send 191212121212 "Beslut 500"
is "operator answers HTTP 500: exit 3 (try later)" "$rc" 3

echo "op=kivra drop" > "$T/faults"; reload
send 191212121212 "Beslut drop"
is "operator drops the connection: exit 3" "$rc" 3

echo "op=kivra refuse-tls" > "$T/faults"; reload
send 191212121212 "Beslut refuse"
is "operator's TLS handshake fails: exit 3" "$rc" 3

echo "far http=500" > "$T/faults"; reload
"$MMCTL" lookup -c "$T/mmctl.conf" 191212121212 >/dev/null 2>&1
is "FaR answers HTTP 500: lookup exit 3" "$?" 3
send 191212121212 "Beslut far"
is "FaR answers HTTP 500: send exit 3" "$rc" 3

echo "far drop count=1" > "$T/faults"; reload
send 191212121212 "Beslut far drop"
is "FaR drops the connection: send exit 3" "$rc" 3
send 191212121212 "Beslut efter"
is "count=1: then FaR is back and the letter goes out" "$rc" 0
: > "$T/faults"; reload

is "none of the failed attempts left a letter; two delivered in all" \
  "$(cut -f7 "$INBOX/index.tsv" | tr '\n' ';')" "Beslut om bygglov;Beslut efter;"
if cut -f9 "$INBOX/index.tsv" | grep -q duplicate; then not_ok "no letter arrived twice"; else ok "no letter arrived twice"; fi

# ---- a rogue signer ----------------------------------------------------------
# mmctl with the rogue certificate is already refused at TLS (client cert)
conf "$PKI/rogue.crt" "$PKI/rogue.key" > "$T/rogue.conf"
"$MMCTL" send -c "$T/rogue.conf" --to 191212121212 --subject "Falskt" "$T/beslut.pdf" >/dev/null 2>&1
is "mmctl with a certificate from another CA is refused: exit 3" "$?" 3
# a body signed by the rogue key, posted with the organisation's TLS certificate
"$MM_BUILDDIR/tools/bench/bench_sign" --write "$T/rogue.xml" "$PKI/rogue.crt" "$PKI/rogue.key" >/dev/null
code=$(curl -sS -o "$T/resp" -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/org.crt" --key "$PKI/org.key" \
  -H 'Content-Type: text/xml; charset=UTF-8' --data-binary @"$T/rogue.xml" "$URL/op/kivra/Service/v3")
fc=$(grep -o '<c3:ErrorCode>[0-9]*' "$T/resp" | cut -d'>' -f2)
if [ "$code" = 500 ] && { [ "$fc" = 5002 ] || [ "$fc" = 5006 ]; }; then ok "a rogue-signed delivery is rejected ($fc)"; else not_ok "a rogue-signed delivery is rejected"; diag "HTTP $code fault $fc"; fi
is "and not stored" "$(index_lines)" 2

# ---- the index's attachment hash at the base64 block edges -------------------
# 3070..3073 bytes are 4096 base64 letters with two, one and no '=', and one
# quad more: mmsimd decodes in blocks of 4096 letters.
for size in 3070 3071 3072 3073; do
  cp "$T/beslut.pdf" "$T/edge.pdf"
  have=$(stat -c %s "$T/edge.pdf")
  { printf '%%'; head -c $((size - have - 2)) /dev/zero | tr '\0' x; printf '\n'; } >> "$T/edge.pdf"
  "$MMCTL" send -c "$T/mmctl.conf" --to 191212121212 --subject "Kant $size" "$T/edge.pdf" >/dev/null 2>&1
  is "a $size-byte letter: the index holds its sha256" \
    "$(awk -F'\t' -v s="Kant $size" '$7 == s {print $8}' "$INBOX/index.tsv")" "$(sha256sum < "$T/edge.pdf" | cut -d' ' -f1)"
done

if grep -qE '19121212[0-9]{4}|191212121212' "$T/sim.log"; then not_ok "mmsimd's log masks every personnummer"; else ok "mmsimd's log masks every personnummer"; fi
kill -TERM $SIM
wait $SIM
is "mmsimd stops cleanly after it all (no sanitizer report)" "$?" 0
done_testing
