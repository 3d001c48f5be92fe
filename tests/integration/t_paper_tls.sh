#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Paper letters travel encrypted to a printer mmprintd verified: ipps://
# with the right printer_ca or a pinned printer_fingerprint prints; a wrong
# CA or pin sends nothing, keeps the letter (retried, then in the exception
# list with a Swedish reason) and logs why; plain ipp:// refuses to start
# unless printer_insecure_cleartext names the risk, and then warns.  Real
# mmsimd, ippeveprinter over TLS and mmprintd.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 1 420)
{
  echo "operator kivra id=165567828172 name=Kivra"
  echo "recipient ${P[0]} operator=kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
mkpdf "$T/letter.pdf" 1 "Beslut om bistand"
pdf_size=$(stat -c %s "$T/letter.pdf")
n=0
paper_job() { # submits a paper-only letter; sets ID
  n=$((n + 1))
  bundle "$T/p$n.job" "$T/letter.pdf" "recipient=${P[0]}" "recipient-source=option" "user=anna" "pages=1" \
    "policy=paper-only" "title=Brev $n"
  submit "$T/p$n.job" "k-paper-$n"
  ID=$(jfield .id)
}
restart() { # CONF
  [ -n "${SRV_PID:-}" ] && { kill -TERM "$SRV_PID"; wait "$SRV_PID" 2>/dev/null; }
  start_server "$1"
}
sha256_of() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-64; }

# --- (a) ipps:// with the CA that issued the printer's certificate ---
case $PRINTER_URI in ipps://*) ok "the test printer is reached over ipps://" ;; *) not_ok "ipps printer ($PRINTER_URI)" ;; esac
write_conf "$T/good.conf" "sync_wait_ms = 3000"
check "mmprintd -t accepts ipps:// with printer_ca" "$MMPRINTD" -t -c "$T/good.conf"
contains "mmprintd -t shows printer_ca" "$(cat "$T/last.out")" "printer_ca = $PKI/ca.crt"
contains "mmprintd -t shows printer_insecure_cleartext" "$(cat "$T/last.out")" "printer_insecure_cleartext = no"
restart "$T/good.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }
paper_job
wait_state "$ID" printed 20
is "right printer_ca: the letter is printed" "$(jfield .state)" printed
is "right printer_ca: the printer received one document" "$(printed_files | wc -l)" 1

# --- (b) a printer_ca that did not issue the printer's certificate ---
write_conf "$T/wrongca.conf" "printer_ca = $PKI/other-ca.crt" "print_deadline = 4" "sync_wait_ms = 0"
restart "$T/wrongca.conf" || { not_ok "mmprintd starts (wrong CA)"; done_testing; exit 1; }
paper_job
WRONG_CA=$ID
sleep 2
api GET "/api/v1/jobs/$WRONG_CA"
is "wrong printer_ca: the letter waits (printing, retried)" "$(jfield .state)" printing
is "wrong printer_ca: nothing reached the printer" "$(printed_files | wc -l)" 1
contains "wrong printer_ca: the journal says the printer is not trusted" \
  "$(jfield '[.events[] | select(.event == "print-failed") | .detail] | join("\n")')" "is not trusted, nothing sent"
contains "wrong printer_ca: the log says why, with the CA file" "$(cat "$T/server.log")" \
  "does not verify against printer_ca $PKI/other-ca.crt"
wait_state "$WRONG_CA" failed 20
is "wrong printer_ca past print_deadline: failed, not dropped" "$(jfield .state)" failed
is "wrong printer_ca: its letter is kept in the store" "$(stored_documents "$WRONG_CA")" "pdf $pdf_size"
api GET /api/v1/exceptions
is "wrong printer_ca: the exception list says why in Swedish" \
  "$(jq -r --arg id "$WRONG_CA" '.exceptions[] | select(.id == $id) | .reason_sv' < "$T/resp")" \
  "skrivaren i utskriftsrummet kunde inte verifieras (fel certifikat), brevet skickades inte dit"
is "wrong printer_ca: still nothing printed" "$(printed_files | wc -l)" 1

# --- a pinned fingerprint: the wrong one sends nothing, the right one prints ---
write_conf "$T/wrongpin.conf" "printer_ca =" "printer_fingerprint = $(sha256_of "$PKI/server.crt")" \
  "sync_wait_ms = 0"
restart "$T/wrongpin.conf" || { not_ok "mmprintd starts (wrong pin)"; done_testing; exit 1; }
paper_job
PIN=$ID
sleep 2
api GET "/api/v1/jobs/$PIN"
is "wrong printer_fingerprint: the letter waits (printing)" "$(jfield .state)" printing
is "wrong printer_fingerprint: nothing reached the printer" "$(printed_files | wc -l)" 1
contains "wrong printer_fingerprint: the log says why" "$(cat "$T/server.log")" \
  "is not the certificate pinned in printer_fingerprint"
pin=$(sha256_of "$PKI/printer.crt" | sed 's/../&:/g; s/:$//')
write_conf "$T/pin.conf" "printer_ca =" "printer_fingerprint = $pin" "sync_wait_ms = 3000" "admin_allow = admin"
restart "$T/pin.conf" || { not_ok "mmprintd starts (right pin)"; done_testing; exit 1; }
wait_state "$PIN" printed 30
is "right printer_fingerprint (with colons): the waiting letter is printed after the restart" "$(jfield .state)" printed
API_CERT=admin api POST "/api/v1/jobs/$WRONG_CA/resolve" -H 'Content-Type: application/json' -d '{"action":"reprint"}'
is "the letter the wrong CA kept can be printed once the printer is trusted" "$code" 200
wait_state "$WRONG_CA" printed 30
is "... and it is" "$(jfield .state)" printed
is "the printer received the three trusted letters only" "$(printed_files | wc -l)" 3

# --- ipps:// without any trust setting, or a bad one: refuses to start ---
write_conf "$T/notrust.conf" "printer_ca ="
check_fails "ipps:// without printer_ca or printer_fingerprint: mmprintd -t refuses" "$MMPRINTD" -t -c "$T/notrust.conf"
contains "the refusal names both settings" "$(cat "$T/last.out")" "needs printer_ca or printer_fingerprint"
write_conf "$T/badpin.conf" "printer_ca =" "printer_fingerprint = abcd"
check_fails "a printer_fingerprint that is no SHA-256: refuses" "$MMPRINTD" -t -c "$T/badpin.conf"
write_conf "$T/badca.conf" "printer_ca = $T/letter.pdf"
check_fails "a printer_ca without certificates: refuses" "$MMPRINTD" -t -c "$T/badca.conf"
contains "the refusal names printer_ca" "$(cat "$T/last.out")" "config: printer_ca"

# --- (c) plain ipp:// only when the risk is accepted by name ---
CLEAR_URI=ipp://127.0.0.1:$IPP_PORT/ipp/print
write_conf "$T/clear.conf" "printer_uri = $CLEAR_URI" "sync_wait_ms = 3000"
check_fails "ipp:// without printer_insecure_cleartext: mmprintd -t refuses" "$MMPRINTD" -t -c "$T/clear.conf"
contains "the refusal says letters would go unencrypted, and what to set" "$(cat "$T/last.out")" \
  "would send letters unencrypted; use ipps:// with printer_ca or printer_fingerprint, or set printer_insecure_cleartext = yes"
kill -TERM "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
SRV_PID=
"$MMPRINTD" -c "$T/clear.conf" >"$T/clear.out" 2>&1
is "ipp:// without the setting: the daemon exits with status 1" "$?" 1
contains "and says why" "$(cat "$T/clear.out")" "refusing to start: config: printer_uri $CLEAR_URI would send letters unencrypted"
write_conf "$T/clear.conf" "printer_uri = $CLEAR_URI" "printer_insecure_cleartext = yes" "sync_wait_ms = 3000"
: > "$T/server.log"
start_server "$T/clear.conf" || { not_ok "mmprintd starts (cleartext accepted)"; done_testing; exit 1; }
ok "ipp:// with printer_insecure_cleartext = yes: starts"
contains "and warns at start that letters travel unencrypted" "$(cat "$T/server.log")" \
  "is plain ipp:// (printer_insecure_cleartext = yes): paper letters and their separator pages travel UNENCRYPTED"
paper_job
wait_state "$ID" printed 20
is "ipp:// with the setting: printed" "$(jfield .state)" printed
is "the printer received it" "$(printed_files | wc -l)" 4

done_testing
