#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Crash test: 200 jobs (150 digital, 50 paper) are submitted concurrently,
# mmprintd is killed with SIGKILL in the middle, restarted, and the clients
# resubmit whatever was not acknowledged (same Idempotency-Key, as the CUPS
# backend does).  Every job must reach exactly one final state; no letter
# may be missing; the operator sees each letter once (a resend after the
# crash carries the same message id, so it is recognised as a duplicate),
# and the print room gets each paper letter exactly once.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

N=200
mapfile -t R < <(pins $N 2000)
{
  echo "operator kivra id=165567828172 name=Kivra"
  for ((i = 0; i < 150; i++)); do echo "recipient ${R[$i]} operator=kivra"; done
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
# A little operator latency so that the kill lands while deliveries are in flight.
echo "op=kivra delay=15" > "$T/faults"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "workers = 4"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }

mkpdf "$T/letter.pdf" 1 "Beslut"
mkdir -p "$T/jobs" "$T/codes"
for ((i = 0; i < N; i++)); do
  bundle "$T/jobs/$i.job" "$T/letter.pdf" "recipient=${R[$i]}" "recipient-source=option" "user=crash" \
    "cups-job-id=$i" "pages=1" "title=Brev $i"
done

# send_one I: POST job I with key crash-I; its HTTP status goes to codes/I
send_one() {
  curl -s -o "$T/codes/$1.body" -w '%{http_code}' --max-time 30 --cacert "$PKI/ca.crt" \
    --cert "$PKI/client-desk1.crt" --key "$PKI/client-desk1.key" \
    -H 'Content-Type: application/vnd.mmprint-job' -H "Idempotency-Key: crash-$1" \
    --data-binary @"$T/jobs/$1.job" "$SRV_URL/api/v1/jobs" > "$T/codes/$1" 2>/dev/null
}
export -f send_one
export T PKI SRV_URL

seq 0 $((N - 1)) | xargs -P 8 -I{} bash -c 'send_one {}' &
SUBMIT=$!
# Kill when about a third of the digital letters have arrived.
for _ in $(seq 600); do
  n=$(wc -l < "$T/inbox/index.tsv" 2>/dev/null || echo 0)
  [ "$n" -ge 50 ] && break
  sleep 0.05
done
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
at_kill=$(wc -l < "$T/inbox/index.tsv" 2>/dev/null || echo 0)
diag "killed mmprintd with $at_kill deliveries in the inbox and $(printed_files | wc -l) prints"
wait "$SUBMIT"
if [ "$at_kill" -gt 0 ] && [ "$at_kill" -lt 150 ]; then ok "the kill landed in the middle of the run"; else not_ok "the kill landed in the middle of the run ($at_kill)"; fi

start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
ok "mmprintd restarts after SIGKILL"
# The backend retries what was not acknowledged, with the same key.
resent=0
for ((i = 0; i < N; i++)); do
  c=$(cat "$T/codes/$i" 2>/dev/null)
  if [ "$c" != 201 ] && [ "$c" != 200 ]; then send_one "$i"; resent=$((resent + 1)); fi
done
diag "$resent submissions were not acknowledged before the kill and were sent again"
bad=0
for ((i = 0; i < N; i++)); do
  c=$(cat "$T/codes/$i")
  [ "$c" = 201 ] || [ "$c" = 200 ] || bad=$((bad + 1))
done
is "every submission is acknowledged in the end" "$bad" 0

# Wait until all jobs are final.
for _ in $(seq 600); do
  api GET "/api/v1/jobs?user=crash"
  left=$(jq '[.jobs[] | select(.state != "delivered" and .state != "printed" and .state != "failed" and .state != "returned" and .state != "cancelled")] | length' < "$T/resp")
  [ "$left" = 0 ] && break
  sleep 0.2
done
api GET "/api/v1/jobs?user=crash"
is "exactly $N jobs exist (no job created twice)" "$(jq '.jobs | length' < "$T/resp")" $N
is "all $N jobs are final" "$left" 0
is "150 delivered digitally" "$(jq '[.jobs[] | select(.state == "delivered")] | length' < "$T/resp")" 150
is "50 printed" "$(jq '[.jobs[] | select(.state == "printed")] | length' < "$T/resp")" 50
jq -r '.jobs[] | [.cups_job_id, .id, .state] | @tsv' < "$T/resp" | sort -n > "$T/final.tsv"

# Inbox: every digital recipient got its letter, each message id arrived as
# "new" exactly once; any extra line is a resend of the same message id.
missing=0 twice=0 foreign=0
for ((i = 0; i < 150; i++)); do
  n=$(inbox_count "${R[$i]}" new)
  [ "$n" = 0 ] && missing=$((missing + 1))
  [ "$n" -gt 1 ] && twice=$((twice + 1))
  ids=$(awk -F'\t' -v r="${R[$i]}" '$4 == r {print $6}' "$T/inbox/index.tsv" | sort -u | wc -l)
  [ "$ids" -gt 1 ] && foreign=$((foreign + 1))
done
is "no digital letter missing" "$missing" 0
is "no digital letter arrived twice as new" "$twice" 0
is "resends after the crash carry the same message id" "$foreign" 0
dups=$(awk -F'\t' '$9 == "duplicate"' "$T/inbox/index.tsv" | wc -l)
diag "$dups resends recognised by the operator as duplicates (same message id)"
is "nothing for the paper recipients in the inbox" "$(for ((i = 150; i < N; i++)); do inbox_count "${R[$i]}"; done | awk '{s += $1} END {print s + 0}')" 0

# Print room: every paper job printed exactly once.
pmissing=0 ptwice=0
while IFS=$'\t' read -r cid id state; do
  [ "$cid" -ge 150 ] || continue
  n=$(find "$T/printroom" -name "*mmprint-$id.pdf" | wc -l)
  [ "$n" = 0 ] && pmissing=$((pmissing + 1))
  [ "$n" -gt 1 ] && ptwice=$((ptwice + 1))
done < "$T/final.tsv"
is "no paper letter missing" "$pmissing" 0
is "no paper letter printed twice" "$ptwice" 0
is "the print room has exactly 50 jobs" "$(printed_files | wc -l)" 50

check "the journal's hash chain survived the crash" "$MMCTL" audit verify "$T/state/mmprintd.db"
is "no document is left in the store once every job is final" "$(sqlite3 "$T/state/mmprintd.db" "SELECT count(*) FROM documents")" 0
is "no temporary file is left in the spool" "$(find "$T/state/spool" -type f | wc -l)" 0

kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "clean stop" "$?" 0
done_testing
