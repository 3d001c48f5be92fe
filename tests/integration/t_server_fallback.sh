#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# mmprintd's deadlines and visible failures: FaR or the operator unreachable
# past retry_deadline (policy fallback: paper, or returned), the print room
# away for a while (retried, printed), the print room away past
# print_deadline (failed, counted in /metrics), SIGTERM with work in flight
# (resumed after restart), and retention (gallring) keeping the journal
# verifiable.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 6 300)
{
  echo "operator kivra id=165567828172 name=Kivra"
  for p in "${P[@]}"; do echo "recipient $p operator=kivra"; done
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "retry_deadline = 2" "print_deadline = 3" "sync_wait_ms = 200"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }
mkpdf "$T/letter.pdf" 1 "Beslut"
job() { # NAME RECIPIENT [key=value...]
  local n=$1 r=$2
  shift 2
  bundle "$T/$n.job" "$T/letter.pdf" "recipient=$r" "recipient-source=option" "user=bo" "pages=1" "$@"
}

# FaR down for longer than the deadline: paper (digital-else-paper) ...
set_faults "far http=500"
job fardead "${P[0]}"
submit "$T/fardead.job" k-fardead
is "FaR down: the synchronous answer says queued" "$(jfield .state)" queued
contains "FaR down: Swedish queued message" "$(jfield .message)" "Köad: väntar på svar från adressregistret"
A=$(jfield .id)
# ... or returned (digital-only).
job fardead2 "${P[1]}" "policy=digital-only"
submit "$T/fardead2.job" k-fardead2
B=$(jfield .id)
wait_state "$A" printed 20
is "FaR down past the deadline: paper" "$(jfield .state)" printed
contains "FaR down past the deadline: reason" "$(jfield .reason)" "FaR did not answer before the deadline"
wait_state "$B" returned 20
is "FaR down past the deadline, digital-only: returned" "$(jfield .state)" returned
set_faults ""

# Operator unreachable (connection dropped) past the deadline: paper, one attempt journal line each.
set_faults "op=kivra drop"
job opdead "${P[2]}"
submit "$T/opdead.job" k-opdead
C=$(jfield .id)
wait_state "$C" printed 20
is "operator unreachable past the deadline: paper" "$(jfield .state)" printed
n=$(jfield '[.events[] | select(.event == "send-failed")] | length')
if [ "$n" -ge 2 ]; then ok "operator unreachable: several attempts journaled ($n)"; else not_ok "operator unreachable: several attempts journaled ($n)"; fi
is "operator unreachable: nothing in the inbox" "$(inbox_count "${P[2]}")" 0
set_faults ""

# Print room away for a moment: retried, printed once.
kill "$IPP_PID"
wait "$IPP_PID" 2>/dev/null
job away 200001012384 "policy=paper-only"
submit "$T/away.job" k-away
D=$(jfield .id)
sleep 1
api GET "/api/v1/jobs/$D"
is "printer away: still printing (retrying)" "$(jfield .state)" printing
OLD_PORT=$IPP_PORT
ippeveprinter -p "$OLD_PORT" -d "$T/printroom" -f application/pdf -k -K "$(printer_keys)" -c /bin/true -n localhost -r off \
  "Utskriftsrummet" \
  >"$T/ipp2.log" 2>&1 &
IPP_PID=$!
remember_pid $IPP_PID
wait_state "$D" printed 20
is "printer back: printed" "$(jfield .state)" printed
contains "printer away: the failed attempts are journaled" "$(jfield '[.events[].event] | join(",")')" "print-failed"
is "printer back: printed exactly once" "$(find "$T/printroom" -name "*mmprint-$D.pdf" | wc -l)" 1

# Print room away past the deadline: failed, visible and counted.
kill "$IPP_PID"
wait "$IPP_PID" 2>/dev/null
job never 200001012384 "policy=paper-only"
submit "$T/never.job" k-never
E=$(jfield .id)
wait_state "$E" failed 20
is "printer gone past the deadline: failed" "$(jfield .state)" failed
contains "failed: Swedish message" "$(jfield .message)" "Utskriften misslyckades"
api GET /metrics
contains "failed print jobs are counted in /metrics" "$(cat "$T/resp")" 'mmprintd_jobs{state="failed",channel="paper"} 1'
is "failed: the letter is kept for the exception list" "$(stored_documents "$E")" "pdf $(stat -c %s "$T/letter.pdf")"

# SIGTERM with jobs in flight: intake stops, work resumes after restart.
set_faults "op=kivra delay=1500"
for i in 3 4 5; do
  job "term$i" "${P[$i]}"
  submit "$T/term$i.job" "k-term$i"
done
kill -TERM "$SRV_PID"
sleep 0.2
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" \
  --key "$PKI/client-desk1.key" -X POST -H 'Content-Type: application/vnd.mmprint-job' --data-binary @"$T/term3.job" \
  "$SRV_URL/api/v1/jobs")
if [ "$code" = 503 ] || [ "$code" = 000 ]; then ok "while stopping, new jobs are refused (HTTP $code)"; else not_ok "while stopping, new jobs are refused (HTTP $code)"; fi
wait "$SRV_PID"
is "SIGTERM with work in flight: clean exit" "$?" 0
set_faults ""
start_server "$T/mmprintd.conf"
for i in 3 4 5; do
  for _ in $(seq 100); do [ "$(inbox_count "${P[$i]}" new)" -ge 1 ] && break; sleep 0.1; done
done
api GET "/api/v1/jobs?user=bo&state=delivered"
is "after restart every in-flight job is delivered" "$(jq '[.jobs[] | select(.recipient_masked | test("^(" + "'"${P[3]:0:8}|${P[4]:0:8}|${P[5]:0:8}"'" + ")"))] | length' < "$T/resp")" 3
for i in 3 4 5; do
  is "in-flight job $i: one letter as new" "$(inbox_count "${P[$i]}" new)" 1
done

# Retention: jobs final for longer than retention_days lose their personal fields; the chain stays intact.
kill -TERM "$SRV_PID"
wait "$SRV_PID"
sqlite3 "$T/state/mmprintd.db" "UPDATE jobs SET final_ms = final_ms - 40 * 86400000 WHERE id = '$A'"
write_conf "$T/mmprintd.conf" "retry_deadline = 2" "print_deadline = 3" "retention_days = 30"
start_server "$T/mmprintd.conf"
api GET "/api/v1/jobs/$A"
is "gallring: the old job's recipient is purged" "$(jfield .recipient_masked)" null
is "gallring: its user is purged" "$(jfield .user)" null
is "gallring: its document hash stays" "$(jfield .sha256 | wc -c)" 65
contains "gallring: journaled" "$(sqlite3 "$T/state/mmprintd.db" "SELECT detail FROM events WHERE event = 'gallring'")" "purged personal fields of 1 jobs"
api GET "/api/v1/jobs/$C"
is "gallring: a recent job keeps its fields" "$(jfield .user)" bo
check "gallring: the journal still verifies" "$MMCTL" audit verify "$T/state/mmprintd.db"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
done_testing
