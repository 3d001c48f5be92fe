#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# mmsimd as a client sees it: real TLS with client certificates (test PKI),
# FaR answers that validate against the official XSDs, refusals, SOAP
# faults, SIGHUP reload, fault injection and the deliverSecure checks.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3   # Debian's python3 with lxml (not a pyenv shim)
make_pki

PORT=$(free_port)
URL=https://127.0.0.1:$PORT
mkdir -p "$T/inbox"
cat > "$T/registry" <<'EOF'
operator kivra id=165567828172 name=Kivra
operator mmp id=162021004748 name="Min myndighetspost"
recipient 191212121212 operator=kivra
recipient 198112189876 operator=mmp pending=yes
recipient 194107086995 operator=kivra accepts=162120009999
sender 162120000142 name=Exempelkommun
sender 162120009999 name="Annan myndighet"
dispatcher 165590000001 name="Exempel Förmedling AB" senders=162120000142
EOF
: > "$T/faults"

"$MMSIMD" --listen "127.0.0.1:$PORT" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$T/inbox" --faults "$T/faults" \
  --pidfile "$T/sim.pid" >"$T/sim.out" 2>"$T/sim.log" &
SIM=$!
remember_pid $SIM
wait_port "$PORT" 20
for _ in $(seq 50); do grep -q listening "$T/sim.out" && break; sleep 0.1; done
is "prints its URL when ready" "$(cat "$T/sim.out")" "mmsimd: listening on $URL"

# soap PATH FILE: POST FILE with the organisation certificate; body in
# $T/resp, HTTP status (000 = no answer) in $code
soap() {
  code=$(curl -sS -o "$T/resp" -w '%{http_code}' --max-time 20 --cacert "$PKI/ca.crt" \
    --cert "$PKI/org.crt" --key "$PKI/org.key" -H 'Content-Type: text/xml; charset=UTF-8' \
    --data-binary @"$2" "$URL$1" 2>"$T/curl.err")
  curl_rc=$?
}

envelope() { # BODY-XML > file
  printf '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>' "$1"
}
reach_req() { # SENDER ID... > file
  local s=$1 ids=""; shift
  for i in "$@"; do ids="$ids<rcp3:recipientId>$i</rcp3:recipientId>"; done
  envelope "<rcp3:isReachable xmlns:rcp3=\"http://minameddelanden.gov.se/schema/Recipient/v3\"><rcp3:senderOrgNr>$s</rcp3:senderOrgNr>$ids</rcp3:isReachable>"
}

# Summarises an isReachable answer by namespace: "ID Type Pending Accepted ServiceAdress" lines.
reach_summary() {
  $PY - "$T/resp" <<'EOF'
import sys
from lxml import etree
R = "{http://minameddelanden.gov.se/schema/Recipient}"
R3 = "{http://minameddelanden.gov.se/schema/Recipient/v3}"
doc = etree.parse(sys.argv[1])
for ret in doc.iter(R3 + "return"):
    acc = ret.find(R + "AccountStatus")
    addr = acc.findtext(R + "ServiceSupplier/" + R + "ServiceAdress") or "-"
    print(acc.findtext(R + "RecipientId"), acc.findtext(R + "Type"), acc.findtext(R + "Pending"),
          ret.findtext(R + "SenderAccepted"), addr)
EOF
}

# Validates the SOAP body's first element against an XSD (extracted standalone).
validate_body() { # XSD
  $PY - "$T/resp" "$T/body.xml" <<'EOF'
import sys
from lxml import etree
doc = etree.parse(sys.argv[1])
body = doc.getroot().find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
etree.ElementTree(body[0]).write(sys.argv[2])
EOF
  xmllint --noout --schema "$1" "$T/body.xml"
}

fault_code() {
  $PY - "$T/resp" <<'EOF'
import sys
from lxml import etree
try:
    doc = etree.parse(sys.argv[1])
except Exception:
    print("not-xml"); sys.exit()
c = doc.findtext(".//{http://minameddelanden.gov.se/schema/Common/v3}ErrorCode")
print(c if c else "none")
EOF
}

# ---- FaR isReachable -------------------------------------------------------
reach_req 162120000142 191212121212 198112189876 194107086995 189001019802 > "$T/reach.xml"
soap /far/Recipient/v3 "$T/reach.xml"
is "isReachable answers HTTP 200" "$code" 200
is "isReachable: registered, pending, not accepted, unregistered" "$(reach_summary)" \
"191212121212 Secure false true $URL/op/kivra/Service/v3
198112189876 Secure true true $URL/op/mmp/Service/v3
194107086995 Secure false false $URL/op/kivra/Service/v3
189001019802 Not false false -"
check "isReachableResponse validates against Recipient v3 XSD" validate_body "$SCHEMAS/schema/v3/Recipient.xsd"

reach_req 162120009999 194107086995 > "$T/reach2.xml"
soap /far/Recipient/v3 "$T/reach2.xml"
is "the sender the recipient accepts is accepted" "$(reach_summary)" \
  "194107086995 Secure false true $URL/op/kivra/Service/v3"

envelope '<rcp3:isRegistered xmlns:rcp3="http://minameddelanden.gov.se/schema/Recipient/v3"><rcp3:recipientId>191212121212</rcp3:recipientId><rcp3:recipientId>189001019802</rcp3:recipientId></rcp3:isRegistered>' > "$T/reg.xml"
soap /far/Recipient/v3 "$T/reg.xml"
is "isRegistered answers HTTP 200" "$code" 200
check "isRegisteredResponse validates against Recipient v3 XSD" validate_body "$SCHEMAS/schema/v3/Recipient.xsd"
contains "isRegistered gives the unregistered one Type=Not" "$(cat "$T/resp")" \
  "<rcp3:return><rcp:RecipientId>189001019802</rcp:RecipientId><rcp:Type>Not</rcp:Type>"

# 1001 recipients is over the contract's 1000
ids=$(seq -f '1990010%05g' 1 1001)
# shellcheck disable=SC2086
reach_req 162120000142 $ids > "$T/big.xml"
soap /far/Recipient/v3 "$T/big.xml"
is "isReachable with 1001 recipients: fault 5005" "$code $(fault_code)" "500 5005"

# ---- refusals ------------------------------------------------------------
code=$(curl -sS -o "$T/resp" -w '%{http_code}' --cacert "$PKI/ca.crt" --data-binary @"$T/reach.xml" \
  "$URL/far/Recipient/v3" 2>/dev/null)
if [ "$code" = 403 ] || [ "$code" = 000 ]; then ok "no client certificate: refused ($code)"; else not_ok "no client certificate: refused"; diag "HTTP $code"; fi
contains "refusal says why" "$(cat "$T/resp" 2>/dev/null)" "no client certificate"
if grep -q "<rcp:AccountStatus>" "$T/resp"; then not_ok "no FaR data without a certificate"; else ok "no FaR data without a certificate"; fi

code=$(curl -sS -o "$T/resp" -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/rogue.crt" --key "$PKI/rogue.key" \
  --data-binary @"$T/reach.xml" "$URL/far/Recipient/v3" 2>/dev/null)
if [ "$code" = 403 ] || [ "$code" = 000 ]; then ok "certificate from another CA: refused ($code)"; else not_ok "certificate from another CA: refused"; diag "HTTP $code"; fi
if grep -q "<rcp:AccountStatus>" "$T/resp"; then not_ok "no FaR data for a foreign certificate"; else ok "no FaR data for a foreign certificate"; fi

# ---- faults for bad input --------------------------------------------------
printf 'this is not XML <<<' > "$T/garbage"
soap /far/Recipient/v3 "$T/garbage"
is "garbage: HTTP 500 with SOAP fault 5001" "$code $(fault_code)" "500 5001"
check "the fault carries ErrorCode, Description and a 20..50 character CallId" $PY - "$T/resp" <<'EOF'
import sys
from lxml import etree
C3 = "{http://minameddelanden.gov.se/schema/Common/v3}"
doc = etree.parse(sys.argv[1])
d = doc.find(".//" + C3 + "applicationFault")
ok = (d is not None and [c.tag for c in d] == [C3 + "ErrorCode", C3 + "Description", C3 + "CallId"]
      and 20 <= len(d.findtext(C3 + "CallId")) <= 50)
sys.exit(0 if ok else 1)
EOF

reach_req 1621200001 191212121212 > "$T/invalid.xml"
soap /far/Recipient/v3 "$T/invalid.xml"
is "schema-invalid senderOrgNr: fault 5001" "$code $(fault_code)" "500 5001"
contains "the fault names the validator's complaint" "$(cat "$T/resp")" "senderOrgNr"

envelope '<rcp3:isReachable xmlns:rcp3="http://minameddelanden.gov.se/schema/Recipient/v3"><rcp3:recipientId>191212121212</rcp3:recipientId></rcp3:isReachable>' > "$T/invalid2.xml"
soap /far/Recipient/v3 "$T/invalid2.xml"
is "isReachable without senderOrgNr: fault 5001" "$code $(fault_code)" "500 5001"

head -c 5000000 /dev/zero | tr '\0' x > "$T/5mb"
soap /far/Recipient/v3 "$T/5mb"
is "a 5 MB body (over the 4 MiB read limit): fault 5005" "$code $(fault_code)" "500 5005"
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/org.crt" --key "$PKI/org.key" \
  "$URL/far/Recipient/v3")
is "GET: 405 (SOAP takes POST)" "$code" 405
printf '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>' > "$T/dtd.xml"
soap /far/Recipient/v3 "$T/dtd.xml"
is "a DOCTYPE (entity tricks): fault 5001" "$code $(fault_code)" "500 5001"

# ---- Authority -------------------------------------------------------------
envelope '<auth:getSenders xmlns:auth="http://minameddelanden.gov.se/Authority"/>' > "$T/senders.xml"
soap /far/Authority "$T/senders.xml"
is "getSenders answers HTTP 200" "$code" 200
is "getSenders lists the registry's senders (unqualified return, snd children)" "$($PY - "$T/resp" <<'EOF'
import sys
from lxml import etree
S = "{http://minameddelanden.gov.se/schema/Sender}"
doc = etree.parse(sys.argv[1])
print(";".join(r.findtext(S + "Id") + "=" + r.findtext(S + "Name") for r in doc.iter("return")))
EOF
)" "162120000142=Exempelkommun;162120009999=Annan myndighet"
envelope '<auth:getDispatchers xmlns:auth="http://minameddelanden.gov.se/Authority"/>' > "$T/disp.xml"
soap /far/Authority "$T/disp.xml"
contains "getDispatchers lists the förmedlare and its senders" "$(cat "$T/resp")" \
  "<return><disp:Id>165590000001</disp:Id><disp:Name>Exempel Förmedling AB</disp:Name><disp:Senders>162120000142</disp:Senders></return>"
envelope '<auth:getSenders xmlns:auth="http://minameddelanden.gov.se/Authority"><arg0>x</arg0></auth:getSenders>' > "$T/senders-bad.xml"
soap /far/Authority "$T/senders-bad.xml"
is "getSenders with an argument: fault 5001 in auth:getSendersFault (c1)" "$code $($PY - "$T/resp" <<'EOF'
import sys
from lxml import etree
d = etree.parse(sys.argv[1])
print(d.findtext(".//{http://minameddelanden.gov.se/Authority}getSendersFault/{http://minameddelanden.gov.se/schema/Common}ErrorCode"))
EOF
)" "500 5001"

# ---- SIGHUP reload ---------------------------------------------------------
reach_req 162120000142 189001029819 > "$T/new.xml"
soap /far/Recipient/v3 "$T/new.xml"
is "a recipient not yet in the registry has no mailbox" "$(reach_summary | cut -d' ' -f2)" "Not"
echo "recipient 189001029819 operator=mmp" >> "$T/registry"
kill -HUP $SIM
for _ in $(seq 50); do [ "$(grep -c 'registry:' "$T/sim.log")" -ge 2 ] && break; sleep 0.1; done
soap /far/Recipient/v3 "$T/new.xml"
is "after SIGHUP the new recipient is reachable" "$(reach_summary)" "189001029819 Secure false true $URL/op/mmp/Service/v3"

# A broken registry is refused on SIGHUP and the old one stays.
cp "$T/registry" "$T/registry.good"
echo "recipient 12345 operator=nowhere" >> "$T/registry"
kill -HUP $SIM
for _ in $(seq 50); do grep -q 'registry not loaded' "$T/sim.log" && break; sleep 0.1; done
contains "a broken registry is reported" "$(cat "$T/sim.log")" "registry not loaded"
soap /far/Recipient/v3 "$T/new.xml"
is "and the previous registry keeps serving" "$(reach_summary | cut -d' ' -f2)" "Secure"
cp "$T/registry.good" "$T/registry"

# ---- fault injection -------------------------------------------------------
reload() { # waits until the reload was logged
  local n; n=$(grep -c 'fault rules' "$T/sim.log")
  kill -HUP $SIM
  for _ in $(seq 50); do [ "$(grep -c 'fault rules' "$T/sim.log")" -gt "$n" ] && break; sleep 0.1; done
}
echo "far http=500 count=2" > "$T/faults"
reload
soap /far/Recipient/v3 "$T/reach2.xml"; c1=$code
soap /far/Recipient/v3 "$T/reach2.xml"; c2=$code; b2=$(cat "$T/resp")
soap /far/Recipient/v3 "$T/reach2.xml"; c3=$code
is "http=500 count=2: two failures, then normal" "$c1 $c2 $c3" "500 500 200"
if [[ "$b2" == *"Envelope"* ]]; then not_ok "http=500 answers without SOAP"; else ok "http=500 answers without SOAP"; fi

echo "far fault=5006 count=1" > "$T/faults"
reload
soap /far/Recipient/v3 "$T/reach2.xml"; f1="$code $(fault_code)"
soap /far/Recipient/v3 "$T/reach2.xml"
is "fault=5006 count=1: a SOAP fault 5006, then normal" "$f1 $code" "500 5006 200"

echo "far drop count=1" > "$T/faults"
reload
soap /far/Recipient/v3 "$T/reach2.xml"; d1="$code $curl_rc"
soap /far/Recipient/v3 "$T/reach2.xml"
is "drop: connection closed without an answer (curl 52), then normal" "$d1 $code" "000 52 200"

echo "far delay=1500 count=1" > "$T/faults"
reload
t0=$(date +%s%N)
soap /far/Recipient/v3 "$T/reach2.xml"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
if [ "$code" = 200 ] && [ "$ms" -ge 1450 ]; then ok "delay=1500: answered after ${ms}ms"; else not_ok "delay=1500"; diag "HTTP $code after ${ms}ms"; fi
t0=$(date +%s%N); soap /far/Recipient/v3 "$T/reach2.xml"; t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
if [ "$ms" -lt 1000 ]; then ok "then no delay (${ms}ms)"; else not_ok "then no delay"; diag "${ms}ms"; fi

echo "recipient=191212121212 fault=5003" > "$T/faults"
reload
reach_req 162120000142 194107086995 > "$T/other.xml"
soap /far/Recipient/v3 "$T/other.xml"; o="$code"
soap /far/Recipient/v3 "$T/reach.xml"
is "recipient= rules hit only requests about that recipient" "$o $code $(fault_code)" "200 500 5003"

echo "op=kivra refuse-tls count=1" > "$T/faults"
reload
soap /far/Recipient/v3 "$T/reach2.xml"
addr=$(reach_summary | cut -d' ' -f5)
if [[ "$addr" == https://127.0.0.1:* ]] && [ "$addr" != "$URL/op/kivra/Service/v3" ]; then ok "refuse-tls: FaR hands out another address"; else not_ok "refuse-tls: FaR hands out another address"; diag "$addr"; fi
curl -sS -o /dev/null --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/org.crt" --key "$PKI/org.key" \
  --data-binary @"$T/reach2.xml" "$addr" 2>"$T/curl.err"
rc=$?
if [ "$rc" -ne 0 ]; then ok "the TLS handshake at that address fails (curl $rc)"; else not_ok "the TLS handshake at that address fails"; fi
soap /far/Recipient/v3 "$T/reach2.xml"
is "count=1: the next answer has the real address again" "$(reach_summary | cut -d' ' -f5)" "$URL/op/kivra/Service/v3"

echo "far refuse-tls count=1" > "$T/faults"
reload
soap /far/Recipient/v3 "$T/reach2.xml"; r1="$code"
soap /far/Recipient/v3 "$T/reach2.xml"
is "far refuse-tls count=1: one handshake fails, then FaR answers" "$r1 $code" "000 200"
: > "$T/faults"
reload

# ---- deliverSecure -----------------------------------------------------------
BENCH=$MM_BUILDDIR/tools/bench/bench_sign
"$BENCH" --write "$T/deliv.xml" "$PKI/org.crt" "$PKI/org.key" >/dev/null  # signed+sealed for 191212121212
soap /op/kivra/Service/v3 "$T/deliv.xml"
is "deliverSecure to the recipient's operator: HTTP 200" "$code" 200
check "deliverSecureResponse validates against Service v3 XSD" validate_body "$SCHEMAS/schema/v3/Service.xsd"
delivered=$($PY - "$T/resp" <<'EOF'
import sys
from lxml import etree
S = "{http://minameddelanden.gov.se/schema/Service}"
d = etree.parse(sys.argv[1])
print(d.findtext(".//" + S + "TransId"), d.findtext(".//" + S + "RecipientId"), d.findtext(".//" + S + "Delivered"))
EOF
)
trans=${delivered%% *}
is "Delivered=true for 191212121212" "${delivered#* }" "191212121212 true"
check "the request is kept byte for byte as TRANSID.xml" cmp "$T/deliv.xml" "$T/inbox/$trans.xml"
line=$(grep -F "$trans" "$T/inbox/index.tsv")
is "index.tsv: operator, recipient, sender, subject, new" "$(cut -f2,4,5,7,9 <<<"$line")" \
  "kivra	191212121212	162120000142	Beslut om bygglov	new"
pdfsha=$($PY - "$T/deliv.xml" <<'EOF'
import sys, base64, hashlib
from lxml import etree
d = etree.parse(sys.argv[1])
b = d.findtext(".//{http://minameddelanden.gov.se/schema/Message/v3}Attachment/{http://minameddelanden.gov.se/schema/Message}Body")
print(hashlib.sha256(base64.b64decode(b)).hexdigest())
EOF
)
is "index.tsv: the attachment's sha256" "$(cut -f8 <<<"$line")" "$pdfsha"
# The access line is written when the answer has gone out: give it a moment.
for _ in $(seq 50); do grep -q "trans=$trans" "$T/sim.log" && break; sleep 0.05; done
if grep -q '191212121212' "$T/sim.log"; then not_ok "the log never shows the personnummer unmasked"; else ok "the log never shows the personnummer unmasked"; fi
contains "the log masks it" "$(cat "$T/sim.log")" "19121212-****"
if grep -qE "deliverSecure op=kivra recipient=19121212-\*\*\*\* delivered=true trans=$trans http=200 \([0-9.]+ms\)" "$T/sim.log"; then
  ok "one log line: operation, operator, masked recipient, outcome, duration"
else
  not_ok "one log line: operation, operator, masked recipient, outcome, duration"; diag "$(grep deliverSecure "$T/sim.log" | tail -2)"
fi

soap /op/kivra/Service/v3 "$T/deliv.xml"
is "the same message again is accepted" "$code" 200
is "but flagged as duplicate in index.tsv" "$(cut -f9 "$T/inbox/index.tsv" | tr '\n' ' ')" "new duplicate "

soap /op/mmp/Service/v3 "$T/deliv.xml"
is "to an operator where the recipient has no mailbox: Delivered=false" \
  "$code $(grep -o '<svc:Delivered>[a-z]*' "$T/resp")" "200 <svc:Delivered>false"
is "nothing new in the inbox" "$(wc -l < "$T/inbox/index.tsv")" 2

sed 's/Beslut om bygglov/Beslut om rivningslov/' "$T/deliv.xml" > "$T/tampered.xml"
soap /op/kivra/Service/v3 "$T/tampered.xml"
is "a changed subject breaks the signature: fault 5006" "$code $(fault_code)" "500 5006"

"$BENCH" --write "$T/rogue.xml" "$PKI/rogue.crt" "$PKI/rogue.key" >/dev/null
soap /op/kivra/Service/v3 "$T/rogue.xml"
is "signed with a certificate from an untrusted CA: fault 5002" "$code $(fault_code)" "500 5002"

# a certificate from the trusted CA for another organisation (not a dispatcher for the sender)
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/other.key" -out "$T/other.csr" \
  -subj "/C=SE/O=Annan AB/serialNumber=165566778899/CN=annan" 2>/dev/null
openssl x509 -req -in "$T/other.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
  -out "$T/other.crt" -days 30 2>/dev/null
"$BENCH" --write "$T/other.xml" "$T/other.crt" "$T/other.key" >/dev/null
soap /op/kivra/Service/v3 "$T/other.xml"
is "signed by another organisation that is no approved dispatcher: fault 6005" "$code $(fault_code)" "500 6005"

$PY - "$T/deliv.xml" "$T/invalid-deliv.xml" <<'EOF'
import sys
from lxml import etree
d = etree.parse(sys.argv[1])
sub = d.find(".//{http://minameddelanden.gov.se/schema/Message/v3}Subject")
sub.addnext(etree.Element("{http://minameddelanden.gov.se/schema/Message/v3}Unexpected"))
d.write(sys.argv[2])
EOF
soap /op/kivra/Service/v3 "$T/invalid-deliv.xml"
is "a schema-invalid delivery: fault 5001" "$code $(fault_code)" "500 5001"

{ cat "$T/deliv.xml"; printf '<!--'; head -c 2100000 /dev/zero | tr '\0' x; printf -- '-->'; } > "$T/huge.xml"
soap /op/kivra/Service/v3 "$T/huge.xml"
is "a request over 2 MiB: fault 5005" "$code $(fault_code)" "500 5005"

# An independent signer (python3-xmlsec, prefix-free form of spec §4.3) that
# can also change the attachment's content type before signing, and break
# the signature profile in one way (VIOLATION, with CERT2 a PEM certificate).
cat > "$T/resign.py" <<'EOF'
import sys, ssl, base64, copy
from lxml import etree
import xmlsec
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SVC3 = "http://minameddelanden.gov.se/schema/Service/v3"
M3 = "http://minameddelanden.gov.se/schema/Message/v3"
M1 = "http://minameddelanden.gov.se/schema/Message"
DS = "http://www.w3.org/2000/09/xmldsig#"
src, out, cert, key, ctype = sys.argv[1:6]
violation = sys.argv[6] if len(sys.argv) > 6 else ""
cert2 = sys.argv[7] if len(sys.argv) > 7 else None

def rebuild(el, parent, tag=None):
    qn = etree.QName(tag or el.tag)
    if parent is None:
        n = etree.Element(qn.text, nsmap={None: qn.namespace})
    elif etree.QName(parent.tag).namespace == qn.namespace:
        n = etree.SubElement(parent, qn.text)
    else:
        n = etree.SubElement(parent, qn.text, nsmap={None: qn.namespace})
    for k, v in el.attrib.items():
        n.set(k, v)
    n.text = el.text
    for c in el:
        if isinstance(c.tag, str):
            rebuild(c, n).tail = c.tail
    return n

def cert2_b64():
    return base64.b64encode(ssl.PEM_cert_to_DER_cert(open(cert2).read())).decode()

def sign(root, v=""):
    C = xmlsec.constants
    sig = xmlsec.template.create(root, C.TransformInclC14N if v == "inclusive-c14n" else C.TransformExclC14N,
                                 C.TransformRsaSha256)
    ref = xmlsec.template.add_reference(sig, C.TransformSha1 if v == "digest-sha1" else C.TransformSha256, uri="")
    xmlsec.template.add_transform(ref, C.TransformEnveloped)
    if v == "extra-transform":
        xmlsec.template.add_transform(ref, C.TransformExclC14N)
    if v == "two-references":
        xmlsec.template.add_transform(xmlsec.template.add_reference(sig, C.TransformSha256, uri=""),
                                      C.TransformEnveloped)
    ki = xmlsec.template.ensure_key_info(sig)
    xd = xmlsec.template.add_x509_data(ki)
    root.append(sig)
    ctx = xmlsec.SignatureContext()
    k = xmlsec.Key.from_file(key, xmlsec.constants.KeyDataFormatPem)
    k.load_cert_from_file(cert, xmlsec.constants.KeyDataFormatPem)
    ctx.key = k
    ctx.sign(sig)
    # After signing: KeyInfo and Object are outside the signed bytes.
    if v == "two-certs":
        etree.SubElement(xd, "{%s}X509Certificate" % DS).text = cert2_b64()
    elif v == "wrong-cert":
        xd.find("{%s}X509Certificate" % DS).text = cert2_b64()
    elif v == "keyname":
        etree.SubElement(ki, "{%s}KeyName" % DS).text = "org"
    elif v == "no-reference":
        ref.getparent().remove(ref)
    elif v == "object-wrap":  # a second, validly signed SignedDelivery hidden in the seal's Signature
        obj = etree.SubElement(sig, "{%s}Object" % DS)
        obj.append(copy.deepcopy(wire.find(".//{%s}SignedDelivery" % M3)))

wire = etree.parse(src)
inner = wire.find(".//{%s}deliverSecure/{%s}deliverSecure" % (SVC3, SVC3))
signed = rebuild(inner.find("{%s}SignedDelivery" % M3), None)
signed.remove(signed[-1])                       # the old signature
for a in signed.iter("{%s}Attachment" % M3):
    a.find("{%s}ContentType" % M1).text = ctype
sign(signed, "" if violation == "object-wrap" else violation)
sealed = etree.Element("{%s}SealedDelivery" % M3, nsmap={None: M3})
sealed.append(signed)
sealed.append(rebuild(inner.find("{%s}Seal" % M3), sealed))
sign(sealed, violation if violation == "object-wrap" else "")
# wire form: the sealed element becomes svc3:deliverSecure inside svc3:deliverSecure
env = etree.Element("{%s}Envelope" % SOAP, nsmap={"soapenv": SOAP, "svc3": SVC3})
body = etree.SubElement(env, "{%s}Body" % SOAP)
outer = etree.SubElement(body, "{%s}deliverSecure" % SVC3)
w = etree.SubElement(outer, "{%s}deliverSecure" % SVC3)
for c in list(sealed):
    w.append(c)
etree.ElementTree(env).write(out, xml_declaration=True, encoding="UTF-8")
EOF
check "python3-xmlsec re-signs the delivery" $PY "$T/resign.py" "$T/deliv.xml" "$T/indep.xml" "$PKI/org.crt" "$PKI/org.key" application/pdf
soap /op/kivra/Service/v3 "$T/indep.xml"
is "a delivery signed and sealed by python3-xmlsec is accepted" \
  "$code $(grep -o '<svc:Delivered>[a-z]*' "$T/resp")" "200 <svc:Delivered>true"
check "python3-xmlsec signs one with a zip attachment" $PY "$T/resign.py" "$T/deliv.xml" "$T/zip.xml" "$PKI/org.crt" "$PKI/org.key" application/zip
soap /op/kivra/Service/v3 "$T/zip.xml"
is "attachment type application/zip: fault 5019" "$code $(fault_code)" "500 5019"

# ---- the whole signature profile (spec §4.2, §4.6), as a strict operator ----
fault_desc() {
  $PY - "$T/resp" <<'EOF'
import sys
from lxml import etree
try:
    print(etree.parse(sys.argv[1]).findtext(".//{http://minameddelanden.gov.se/schema/Common/v3}Description") or "")
except Exception:
    print("")
EOF
}
# violation NAME WHAT CODE EXPECT [CERT2]: the delivery re-signed with one
# profile violation must get fault CODE whose Description contains EXPECT,
# and nothing is stored.
violation() {
  local before d; before=$(wc -l < "$T/inbox/index.tsv")
  $PY "$T/resign.py" "$T/deliv.xml" "$T/v-$1.xml" "$PKI/org.crt" "$PKI/org.key" application/pdf "$1" "${5:-}" ||
    { not_ok "$2: the delivery could be made"; return; }
  soap /op/kivra/Service/v3 "$T/v-$1.xml"
  d=$(fault_desc)
  if [ "$code $(fault_code)" = "500 $3" ] && [[ "$d" == *"$4"* ]] &&
     [ "$(wc -l < "$T/inbox/index.tsv")" = "$before" ]; then
    ok "$2: fault $3 naming '$4', nothing stored"
  else
    not_ok "$2: fault $3 naming '$4', nothing stored"; diag "HTTP $code fault $(fault_code): $d"
  fi
}
violation digest-sha1 "DigestMethod sha1 under SignatureMethod rsa-sha256 (wrong digest algorithm)" 5006 "DigestMethod"
violation extra-transform "a second Transform after enveloped-signature" 5006 "Transforms holds Transform"
violation inclusive-c14n "CanonicalizationMethod inclusive C14N instead of exc-c14n" 5006 "CanonicalizationMethod"
violation two-references "a second Reference in SignedInfo" 5006 "SignedInfo holds Reference"
violation no-reference "SignedInfo without its Reference (missing reference; the schema already says so)" 5001 \
  "Reference"
violation keyname "an extra unsigned KeyName in KeyInfo" 5006 "KeyInfo holds KeyName"
violation object-wrap "a validly signed SignedDelivery wrapped in the seal's unsigned ds:Object (signature wrapping)" \
  5006 "Signature holds Object"
violation two-certs "a second X509Certificate (the CA's) in KeyInfo" 5006 "X509Data holds X509Certificate" \
  "$PKI/ca.crt"
violation wrong-cert "KeyInfo carries another organisation's certificate than the signing key's (wrong certificate)" \
  5006 "SignatureValue does not verify" "$T/other.crt"
soap /op/kivra/Service/v3 "$T/indep.xml"
is "the same re-signing without a violation is still accepted" "$code" 200

# ---- DTDs are refused on the parsed document, in any encoding ----------------
printf '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE soapenv:Envelope [<!ENTITY org "162120000142">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><rcp3:isReachable xmlns:rcp3="http://minameddelanden.gov.se/schema/Recipient/v3"><rcp3:senderOrgNr>162120000142</rcp3:senderOrgNr><rcp3:recipientId>191212121212</rcp3:recipientId></rcp3:isReachable></soapenv:Body></soapenv:Envelope>' |
  iconv -f UTF-8 -t UTF-16 > "$T/dtd16.xml"
check_fails "the UTF-16 request holds no byte string <!DOCTYPE (a byte search misses it)" grep -q '<!DOCTYPE' "$T/dtd16.xml"
soap /far/Recipient/v3 "$T/dtd16.xml"
is "a DOCTYPE in a UTF-16 request: fault 5001" "$code $(fault_code)" "500 5001"
contains "  ... saying a DOCTYPE is not allowed" "$(fault_desc)" "a DOCTYPE is not allowed"
if grep -q "AccountStatus" "$T/resp"; then not_ok "  ... and no FaR data"; else ok "  ... and no FaR data"; fi
$PY - "$T/deliv.xml" "$T/deliv-dtd.xml" <<'EOF'
import sys
d = open(sys.argv[1], encoding="utf-8").read()
if d.startswith("<?xml"):
    d = d[d.index("?>") + 2:]
d = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Envelope [<!ATTLIST x y CDATA "z">]>' + d
open(sys.argv[2], "w", encoding="utf-16").write(d)
EOF
before=$(wc -l < "$T/inbox/index.tsv")
soap /op/kivra/Service/v3 "$T/deliv-dtd.xml"
is "a valid delivery with a DTD, in UTF-16: fault 5001, not stored" \
  "$code $(fault_code) $(wc -l < "$T/inbox/index.tsv")" "500 5001 $before"

echo "op=kivra fault=5006 count=1" > "$T/faults"
reload
soap /op/kivra/Service/v3 "$T/deliv.xml"; f1="$code $(fault_code)"
soap /op/kivra/Service/v3 "$T/deliv.xml"
is "op=kivra fault=5006 count=1: fault, then accepted" "$f1 $code" "500 5006 200"
: > "$T/faults"
reload

echo "op=kivra fault=5006 flaky=0" > "$T/faults"
reload
soap /op/kivra/Service/v3 "$T/deliv.xml"
is "flaky=0: the rule never applies" "$code" 200
: > "$T/faults"
reload

# Parallel deliveries on keep-alive connections: every one answered, stored
# and indexed on its own line (the index append is serialised).
before=$(wc -l < "$T/inbox/index.tsv")
check "100 deliveries over 4 parallel connections all answered Delivered=true" $PY - "$T/deliv.xml" "$PORT" "$PKI" <<'EOF'
import sys, ssl, http.client, threading
body = open(sys.argv[1], "rb").read()
ctx = ssl.create_default_context(cafile=sys.argv[3] + "/ca.crt")
ctx.load_cert_chain(sys.argv[3] + "/org.crt", sys.argv[3] + "/org.key")
good = []
def worker():
    c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[2]), context=ctx, timeout=30)
    for _ in range(25):
        c.request("POST", "/op/kivra/Service/v3", body, {"Content-Type": "text/xml; charset=UTF-8"})
        r = c.getresponse()
        good.append(r.status == 200 and b"<svc:Delivered>true</svc:Delivered>" in r.read())
ts = [threading.Thread(target=worker) for _ in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
sys.exit(0 if len(good) == 100 and all(good) else 1)
EOF
is "100 more index lines, each with 9 fields" \
  "$(tail -n +$((before + 1)) "$T/inbox/index.tsv" | awk -F'\t' 'NF == 9' | wc -l)" 100
is "100 more distinct TransIds stored" "$(tail -n +$((before + 1)) "$T/inbox/index.tsv" | cut -f3 | sort -u |
  while read -r t; do [ -s "$T/inbox/$t.xml" ] && echo "$t"; done | wc -l)" 100

code=$(curl -sS -o "$T/resp" -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/org.crt" --key "$PKI/org.key" \
  --data-binary @"$T/deliv.xml" "$URL/op/nosuch/Service/v3")
is "an unknown operator path: 404" "$code" 404

# ---- clean stop ------------------------------------------------------------
kill -TERM $SIM
wait $SIM
is "SIGTERM: clean exit" "$?" 0
check_fails "the pidfile is removed" test -e "$T/sim.pid"

# The documented example registry is accepted as it stands.
P2=$(free_port)
"$MMSIMD" --listen "127.0.0.1:$P2" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$MM_SRCDIR/doc/mmsimd-registry.example" --schemas "$SCHEMAS" --inbox "$T/inbox2" \
  >"$T/sim2.out" 2>"$T/sim2.log" &
SIM2=$!
remember_pid $SIM2
for _ in $(seq 100); do grep -q listening "$T/sim2.out" && break; sleep 0.1; done
contains "doc/mmsimd-registry.example loads" "$(cat "$T/sim2.log")" "registry: 3 operators, 5 recipients, 2 senders, 1 dispatchers"
kill -TERM $SIM2; wait $SIM2

# --index-only (load tests): every check still runs, only the copy is not kept.
"$MMSIMD" --listen "127.0.0.1:$P2" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$T/inbox3" --index-only >"$T/sim2.out" 2>"$T/sim2.log" &
SIM2=$!
remember_pid $SIM2
for _ in $(seq 100); do grep -q listening "$T/sim2.out" && break; sleep 0.1; done
URL0=$URL
URL=https://127.0.0.1:$P2
soap /op/kivra/Service/v3 "$T/deliv.xml"
is "--index-only: the delivery is accepted" "$code" 200
is "--index-only: it is in index.tsv with the attachment's sha256" "$(cut -f4,8 "$T/inbox3/index.tsv")" "191212121212	$pdfsha"
is "--index-only: no copy of the request is kept" "$(find "$T/inbox3" -name '*.xml' | wc -l)" 0
sed 's/Beslut om bygglov/Beslut om bygglow/' "$T/deliv.xml" > "$T/deliv-bad.xml"
soap /op/kivra/Service/v3 "$T/deliv-bad.xml"
contains "--index-only: a changed letter is still refused (5006)" "$(cat "$T/resp")" "<c3:ErrorCode>5006"
is "--index-only: and not recorded" "$(wc -l < "$T/inbox3/index.tsv")" 1
URL=$URL0
kill -TERM $SIM2; wait $SIM2

# --verify-with=xmlsec1: the xmlsec1 tool decides every signature, on a
# prefix-free copy mmsimd makes itself, so a canonicalisation bug that our
# signer and our verifier share cannot let a letter through.  A real letter
# from `mmctl send` (FaR look-up, then deliverSecure) is accepted; the same
# letter changed is refused by xmlsec1.
"$MMSIMD" --listen "127.0.0.1:$P2" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$T/inbox4" --verify-with=xmlsec1 \
  >"$T/sim4.out" 2>"$T/sim4.log" &
SIM4=$!
remember_pid $SIM4
for _ in $(seq 100); do grep -q listening "$T/sim4.out" && break; sleep 0.1; done
contains "--verify-with=xmlsec1: says so at start" "$(cat "$T/sim4.log")" "signatures verified by /usr/bin/xmlsec1"
xtmp=$(sed -n 's/.*(temporary files in \(.*\))$/\1/p' "$T/sim4.log")
is "  ... with a private temporary directory (0700)" "$(stat -c %a "$xtmp" 2>/dev/null)" 700
cat > "$T/mmctl.conf" <<EOF
cert = $PKI/org.crt
key = $PKI/org.key
ca = $PKI/ca.crt
far_url = https://127.0.0.1:$P2/far/Recipient/v3
sender_id = 162120000142
sender_name = Exempelkommun
timeout = 20
EOF
printf '%%!PS\n/Helvetica findfont 18 scalefont setfont 72 720 moveto (Beslut om bygglov) show showpage\n' |
  ps2pdf - "$T/beslut.pdf"
out=$("$MMCTL" send -c "$T/mmctl.conf" --to 191212121212 --subject "Beslut om bygglov" \
  --body "Hej! Se bifogat beslut." "$T/beslut.pdf" 2>"$T/send.err")
is "xmlsec1 mode: mmctl send delivers a real letter (exit 0)" "$?" 0
[ -s "$T/send.err" ] && diag "$(cat "$T/send.err")"
trans4=$(sed -n 's/^delivered to Kivra, TransId \([^,]*\),.*$/\1/p' <<<"$out")
check "  ... it is in the mailbox" test -s "$T/inbox4/$trans4.xml"
for _ in $(seq 50); do grep -q "trans=$trans4" "$T/sim4.log" && break; sleep 0.05; done
contains "  ... after xmlsec1 verified both signatures" "$(grep "trans=$trans4" "$T/sim4.log")" \
  "xmlsec1=verified delivered=true"
is "  ... and no temporary file is left" "$(find "$xtmp" -type f 2>/dev/null | wc -l)" 0
sed 's/Beslut om bygglov/Beslut om rivningslov/' "$T/inbox4/$trans4.xml" > "$T/x-tampered.xml"
URL=https://127.0.0.1:$P2
soap /op/kivra/Service/v3 "$T/x-tampered.xml"
is "xmlsec1 mode: the same letter with its subject changed: fault 5006" "$code $(fault_code)" "500 5006"
contains "  ... because xmlsec1 does not verify the SignedDelivery" "$(fault_desc)" \
  "SignedDelivery xmlsec1 does not verify it"
soap /op/kivra/Service/v3 "$T/v-object-wrap.xml"
contains "xmlsec1 mode: the profile still applies (signature wrapping refused)" "$(fault_desc)" "Signature holds Object"
soap /op/kivra/Service/v3 "$T/indep.xml"
is "xmlsec1 mode: the python3-xmlsec signed delivery is accepted" "$code" 200
is "  ... nothing but the two good letters stored" "$(wc -l < "$T/inbox4/index.tsv")" 2
URL=$URL0
kill -TERM $SIM4; wait $SIM4
is "xmlsec1 mode: clean exit" "$?" 0
check_fails "  ... and the temporary directory is removed" test -e "$xtmp"
# The tool's verdict decides: an xmlsec1 that says no (as the real one
# would for a digest our signer and our verifier got wrong together)
# refuses a letter our own verifier accepts.  It also shows what the tool
# is given: an argument vector, no inherited environment.
cat > "$T/fake-xmlsec1" <<EOF
#!/bin/sh
printf '%s\n' "\$@" > "$T/fake.argv"
env > "$T/fake.env"
ls /proc/\$\$/fd > "$T/fake.fds"
echo "func=xmlSecOpenSSLEvpDigestVerify:file=digests.c:line=1:obj=sha256:subj=unknown:error=12:invalid data:data and digest do not match" >&2
echo FAIL >&2
exit 1
EOF
chmod +x "$T/fake-xmlsec1"
MM_SECRET_PROBE=leak "$MMSIMD" --listen "127.0.0.1:$P2" --cert "$PKI/server.crt" --key "$PKI/server.key" \
  --ca "$PKI/ca.crt" --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$T/inbox4" --verify-with=xmlsec1 \
  --xmlsec1 "$T/fake-xmlsec1" >"$T/sim6.out" 2>"$T/sim6.log" &
SIM6=$!
remember_pid $SIM6
for _ in $(seq 100); do grep -q listening "$T/sim6.out" && break; sleep 0.1; done
URL=https://127.0.0.1:$P2
soap /op/kivra/Service/v3 "$T/deliv.xml"
is "xmlsec1 refusing a delivery our own verifier accepts: fault 5006" "$code $(fault_code)" "500 5006"
contains "  ... with xmlsec1's reason" "$(fault_desc)" "xmlsec1 does not verify it (exit 1): invalid data:data and digest do not match"
is "  ... nothing stored" "$(wc -l < "$T/inbox4/index.tsv")" 2
URL=$URL0
xtmp6=$(sed -n 's/.*(temporary files in \(.*\))$/\1/p' "$T/sim6.log")
contains "the tool gets no key from the document, only URI=\"\", the element's last Signature" \
  "$(tr '\n' ' ' < "$T/fake.argv")" \
  "--verify --enabled-key-data rsa --enabled-reference-uris empty --pubkey-cert-der $xtmp6/"
if grep -q MM_SECRET_PROBE "$T/fake.env"; then not_ok "  ... and none of mmsimd's environment"; else ok "  ... and none of mmsimd's environment"; fi
is "  ... and no descriptor but stdin, stdout, stderr (and the shell's own script)" \
  "$(grep -cvE '^[0-2]$|^1[0-9]$' "$T/fake.fds")" 0
kill -TERM $SIM6; wait $SIM6

"$MMSIMD" --listen "127.0.0.1:$P2" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$T/inbox4" --verify-with=xmlsec1 \
  --xmlsec1 "$T/no-such-xmlsec1" >/dev/null 2>"$T/sim5.log"
is "--xmlsec1 naming a program that is not there: exit 1" "$?" 1
contains "  ... saying so" "$(cat "$T/sim5.log")" "cannot run $T/no-such-xmlsec1"

# A registry error stops the start with a message naming the line.
echo "recipient 191212121212 operator=ghost" > "$T/bad-registry"
"$MMSIMD" --listen "127.0.0.1:$P2" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$T/bad-registry" --schemas "$SCHEMAS" --inbox "$T/inbox2" >/dev/null 2>"$T/sim3.log"
is "a broken registry: exit 1" "$?" 1
contains "naming the file, line and problem" "$(cat "$T/sim3.log")" "bad-registry line 1: no operator named ghost"

# start_bad REGISTRY-TEXT FAULTS-TEXT: mmsimd must refuse to start; prints its log
start_bad() {
  printf '%s\n' "$1" > "$T/r.bad"
  printf '%s\n' "$2" > "$T/f.bad"
  "$MMSIMD" --listen "127.0.0.1:$P2" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
    --registry "$T/r.bad" --faults "$T/f.bad" --schemas "$SCHEMAS" --inbox "$T/inbox2" >/dev/null 2>"$T/bad.log"
  echo "$? $(grep -o 'line [0-9]*: .*' "$T/bad.log" | head -1)"
}
OKREG='operator kivra id=165567828172'
is "registry: a recipient listed twice (the number is not repeated)" \
  "$(start_bad "$OKREG
recipient 191212121212 operator=kivra
recipient 191212121212 operator=kivra" "")" "1 "
contains "  ... and the message says so" "$(cat "$T/bad.log")" "a recipient is listed twice"
if grep -q 191212121212 "$T/bad.log"; then not_ok "  ... without the personnummer"; else ok "  ... without the personnummer"; fi
is "registry: unterminated quote" "$(start_bad 'operator kivra id=165567828172 name="Kivra' "")" \
  "1 line 1: unterminated quote or too many fields"
is "registry: a mailbox without operator" "$(start_bad "$OKREG
recipient 191212121212 type=Secure" "")" "1 line 2: a recipient with a mailbox needs operator=NAME"
is "registry: a bad accepts list" "$(start_bad "$OKREG
recipient 191212121212 operator=kivra accepts=1621200001" "")" \
  "1 line 2: accepts must be *, none or comma-separated 12-digit numbers"
is "faults: two actions in one rule" "$(start_bad "$OKREG" "op=kivra http=500 fault=5006")" \
  "1 line 1: only one of http=, fault=, drop, refuse-tls, not-delivered per rule"
is "faults: an unknown field" "$(start_bad "$OKREG" "far explode=yes")" "1 line 1: unknown fault field 'explode=yes'"
is "faults: flaky outside 0..1" "$(start_bad "$OKREG" "far http=500 flaky=1.5")" "1 line 1: flaky must be a probability 0..1"
is "faults: refuse-tls per recipient is refused" "$(start_bad "$OKREG" "recipient=191212121212 refuse-tls")" \
  "1 line 1: refuse-tls works per operator or for far, not per recipient"
done_testing
