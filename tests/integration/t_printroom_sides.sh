#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# printer_sides = auto asks the print room's printer for its sides once and
# keeps the answer (printq.c sides_for), not before every letter: through
# the real mmsimd (no mailbox, so paper), mmprintd with three print workers
# and an IPPS ippeveprinter that logs every request it gets (-vv):
# - N letters on paper: the printer is asked for sides-supported once, and
#   every letter still gets the separator's back page the answer calls for;
# - the printer goes away and a letter's print fails: when it is back, it
#   is asked again (once), and the letters after that use the new answer.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 12 810)
{
  echo "operator kivra id=165567828172 name=Kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
[ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] || start_dnssd || { not_ok "DNS-SD for ippeveprinter starts"; done_testing; exit 1; }

IPP_PORT=$(free_port)
PRINTER_URI=ipps://127.0.0.1:$IPP_PORT/ipp/print
# A two-sided printer (-2) that logs each request with its attributes (-vv).
printer() {
  ippeveprinter -vv -2 -p "$IPP_PORT" -d "$T/printroom" -f application/pdf -k -K "$(printer_keys)" -c /bin/true \
    -n localhost -r off Utskriftsrummet >>"$T/ipp.log" 2>&1 &
  IPP_PID=$!
  remember_pid $IPP_PID
  wait_port "$IPP_PORT" 20
}
mkdir -p "$T/printroom"
printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
# Our own questions before the server starts are not counted.
: > "$T/ipp.log"

# requests OP: the requests of operation OP the printer got (-vv logs each
# request as "operation-id=OP(code)", then its attributes); asks: the
# Get-Printer-Attributes requests among them that ask for sides-supported.
requests() { grep -c "operation-id=$1(" "$T/ipp.log"; }
asks() {
  awk '/operation-id=/ { op = $0; next }
       op ~ /=Get-Printer-Attributes\(/ && /requested-attributes/ && /sides-supported/ { n++; op = "" }
       END { print n + 0 }' "$T/ipp.log"
}

write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "print_workers = 3" "printer_sides = auto"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }

letter() { # NAME PIN: a 2-page letter for paper; ID=its id
  mkpdf "$T/$1.pdf" 2 "Brev $1"
  bundle "$T/$1.job" "$T/$1.pdf" "recipient=$2" "recipient-source=option" "user=anna" "host=desk1" \
    "pages=2" "title=Brev $1"
  submit "$T/$1.job" "key-$1"
  ID=$(jfield .id)
}
file_of() { find "$T/printroom" -type f -name "*-mmprint-$1.pdf" | head -1; }
pages_of() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }

# --- 1. N letters: one question about the sides ---
N=8
IDS=()
for i in $(seq 1 $N); do
  letter "L$i" "${P[$i]}"
  IDS+=("$ID")
done
printed=0
for id in "${IDS[@]}"; do wait_state "$id" printed 60 && printed=$((printed + 1)); done
is "all $N letters printed" "$printed" "$N"
is "the printer got one Print-Job per letter (the log is read right)" "$(requests Print-Job)" "$N"
is "it was asked for its sides once, not once per letter" "$(asks)" 1
full=0
for id in "${IDS[@]}"; do [ "$(pages_of "$(file_of "$id")")" = 4 ] && full=$((full + 1)); done
is "every letter, not only the first, has the separator's back page (separator, back, 2 pages)" "$full" "$N"
api GET "/api/v1/jobs/${IDS[$((N - 1))]}"
contains "the last letter's journal says how it was printed" "$(jfield '.events[] | select(.event == "printed") | .detail')" \
  "separator with a back page"

# --- 2. a failed print: the printer is asked again once it is back ---
kill "$IPP_PID"
wait "$IPP_PID" 2>/dev/null
letter F1 "${P[10]}"
F1=$ID
failed=
for _ in $(seq 300); do
  api GET "/api/v1/jobs/$F1"
  [ "$(jfield '[.events[] | select(.event == "print-failed")] | length')" -gt 0 ] && { failed=1; break; }
  sleep 0.1
done
is "with the printer gone the letter's print fails (and is retried)" "${failed:-0}" 1
printer || not_ok "the printer comes back"
wait_state "$F1" printed 60
is "the letter is printed once the printer is back" "$(jfield .state)" printed
letter A1 "${P[11]}"
A1=$ID
wait_state "$A1" printed 60
is "and the letter after it" "$(jfield .state)" printed
is "after the failure the printer was asked once more, and not again for the next letter" "$(asks)" 2
is "both with the back page" "$(pages_of "$(file_of "$F1")") $(pages_of "$(file_of "$A1")")" "4 4"

done_testing
