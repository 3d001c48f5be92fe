#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# mmprintd end to end with the real mmsimd (FaR + operators), the real
# ippeveprinter as the print room and real TLS with client certificates:
# digital delivery, every paper reason, retries after FaR and operator
# trouble, application faults, policies, idempotency, held jobs, the client
# certificate check, metrics, the journal and a restart.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 8 100)
cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
operator mmp id=162021004748 name="Min myndighetspost"
operator billo id=165591234567 name=Billo
recipient 191212121212 operator=kivra
recipient 198112189876 operator=mmp pending=yes
recipient 194107086995 operator=billo accepts=162120009999
recipient 200001012384 type=Not
recipient ${P[0]} operator=kivra
recipient ${P[1]} operator=kivra
recipient ${P[2]} operator=kivra
recipient ${P[3]} operator=kivra
recipient ${P[4]} operator=billo
recipient ${P[5]} operator=kivra
recipient ${P[6]} operator=kivra
recipient ${P[7]} operator=kivra
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 3000"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
ok "mmprintd starts with HTTPS and client certificates"

mkpdf "$T/letter.pdf" 2 "Beslut om bygglov"
job() { # NAME RECIPIENT [key=value...]: bundle $T/NAME.job
  local n=$1 r=$2; shift 2
  bundle "$T/$n.job" "$T/letter.pdf" "recipient=$r" "recipient-source=option" "title=Beslut $n" \
    "subject=Beslut om bygglov" "user=anna" "host=desk1" "cups-job-id=4$RANDOM" "pages=2" "department=Bygg" "$@"
}

# --- digital ---
job digital 191212121212
submit "$T/digital.job" key-digital-1
is "digital: 201 Created" "$code" 201
is "digital: delivered within the synchronous answer" "$(jfield .state)" delivered
is "digital: channel" "$(jfield .channel)" digital
is "digital: operator named" "$(jfield .operator)" Kivra
is "digital: Swedish INFO line" "$(jfield .message)" "Levererat digitalt till Kivra"
DIG=$(jfield .id)
is "digital: exactly one letter in Kivra's inbox" "$(inbox_count 191212121212 new)" 1
tid=$(awk -F'\t' '$4 == "191212121212" {print $3}' "$T/inbox/index.tsv")
api GET "/api/v1/jobs/$DIG"
is "digital: the job keeps the operator's TransId" "$(jfield .trans_id)" "$tid"
msgid=$(awk -F'\t' '$4 == "191212121212" {print $6}' "$T/inbox/index.tsv")
is "digital: the message id is the job id" "$msgid" "$DIG"
contains "digital: journal has the sealing before the send" "$(jfield '[.events[].event] | join(",")')" "received,decided-digital,sealed,delivered"
is "digital: the letter and its sealed delivery are purged from the store" "$(stored_documents "$DIG")" ""
contains "digital: personnummer masked in the answer" "$(cat "$T/resp")" '"recipient_masked":"19121212-****"'

# --- paper: no mailbox, sender not accepted, pending ---
check_paper() { # NAME RECIPIENT SWEDISH-REASON
  job "$1" "$2"
  submit "$T/$1.job" "key-$1"
  local id
  id=$(jfield .id)
  is "$1: 201 Created" "$code" 201
  wait_state "$id" printed 20
  is "$1: printed" "$(jfield .state)" printed
  is "$1: channel paper" "$(jfield .channel)" paper
  is "$1: printer named" "$(jfield .printer)" Utskriftsrummet
  contains "$1: Swedish message says why" "$(jfield .message)" "$3"
  is "$1: nothing in the digital inbox" "$(inbox_count "$2")" 0
  local f
  f=$(for x in $(printed_files); do pdftotext "$x" - 2>/dev/null | grep -q "$id" && echo "$x"; done | head -1)
  if [ -n "$f" ]; then
    ok "$1: the print room got the job"
    is "$1: separator page + 2-page letter in one job" "$(pdfinfo "$f" | awk '/^Pages:/ {print $2}')" 3
    local txt
    txt=$(pdftotext -l 1 "$f" -)
    contains "$1: separator names the handläggare" "$txt" "Handläggare: anna"
    contains "$1: separator says why paper" "$txt" "Varför papper: $3"
    contains "$1: the letter follows the separator" "$(pdftotext -f 2 -l 2 "$f" -)" "Beslut om bygglov, sida 1"
  else
    not_ok "$1: the print room got the job"
    diag "$(ls -l "$T/printroom"; tail -20 "$T/server.log")"
  fi
}
check_paper nomailbox 200001012384 "mottagaren har ingen digital brevlåda"
check_paper notaccepted 194107086995 "mottagaren tar inte emot digital post från avsändaren"
check_paper pending 198112189876 "mottagarens digitala brevlåda är inte klar"

# --- FaR down, then back ---
set_faults "far http=503 count=3"
job fardown "${P[0]}"
submit "$T/fardown.job" key-fardown
ID=$(jfield .id)
wait_state "$ID" delivered 20
is "FaR down then back: delivered" "$(jfield .state)" delivered
contains "FaR down then back: the failures are journaled" "$(jfield '[.events[].event] | join(",")')" "far-error,far-error"
is "FaR down then back: one letter" "$(inbox_count "${P[0]}")" 1

# --- operator HTTP 500, retried ---
set_faults "op=kivra recipient=${P[1]} http=500 count=2"
job op500 "${P[1]}"
submit "$T/op500.job" key-op500
ID=$(jfield .id)
wait_state "$ID" delivered 20
is "operator HTTP 500: retried and delivered" "$(jfield .state)" delivered
is "operator HTTP 500: two failed attempts journaled" "$(jfield '[.events[] | select(.event == "send-failed")] | length')" 2
is "operator HTTP 500: one letter" "$(inbox_count "${P[1]}" new)" 1
is "operator HTTP 500: no duplicate" "$(inbox_count "${P[1]}" duplicate)" 0

# --- SOAP technical fault (0-4999): retried ---
set_faults "op=kivra recipient=${P[6]} fault=3 count=1"
job tech "${P[6]}"
submit "$T/tech.job" key-tech
ID=$(jfield .id)
wait_state "$ID" delivered 20
is "SOAP fault 3 (technical): retried and delivered" "$(jfield .state)" delivered
contains "SOAP fault 3: the failed attempt is journaled" "$(jfield '[.events[] | select(.event == "send-failed") | .detail] | join(" ")')" "3"
is "SOAP fault 3: one letter" "$(inbox_count "${P[6]}" new)" 1

# --- SOAP 5006: not retried, paper ---
set_faults "op=kivra recipient=${P[2]} fault=5006"
job f5006 "${P[2]}"
submit "$T/f5006.job" key-f5006
ID=$(jfield .id)
wait_state "$ID" printed 20
is "SOAP 5006: paper" "$(jfield .state)" printed
is "SOAP 5006: a single attempt (not retried)" "$(jfield '[.events[] | select(.event == "send-rejected" or .event == "send-failed")] | length')" 1
contains "SOAP 5006: reason names the fault" "$(jfield .reason)" "5006"
set_faults ""

# --- a receipt for another recipient (Delivered=true for 191212121212): the
# letter's recipient got nothing we know of, so never delivered: paper ---
set_faults "op=kivra recipient=${P[7]} answer-recipient=191212121212"
job other "${P[7]}"
submit "$T/other.job" key-other
ID=$(jfield .id)
wait_state "$ID" printed 20
is "receipt for another recipient: paper, not delivered" "$(jfield .state)" printed
is "... never journaled as delivered" "$(jfield '[.events[] | select(.event == "delivered")] | length')" 0
is "... a single attempt (not retried)" \
  "$(jfield '[.events[] | select(.event == "send-rejected" or .event == "send-failed")] | length')" 1
is "... the reason names both recipients, masked" "$(jfield .reason)" \
  "operator answered for recipient 19121212-****, not for the letter's recipient ${P[7]:0:8}-****"
contains "... the Swedish message says the mailbox did not take the letter" "$(jfield .message)" \
  "den digitala brevlådan tog inte emot brevet"
check_fails "... the journal never holds the letter's recipient in full" grep -q "${P[7]}" <<<"$(jfield '[.events[].detail] | join(" ")')"
set_faults ""

# --- digital-only without a mailbox: returned, not printed ---
before=$(printed_files | wc -l)
job donly 200001012384 "policy=digital-only"
submit "$T/donly.job" key-donly
is "digital-only without mailbox: returned" "$(jfield .state)" returned
is "digital-only without mailbox: channel none" "$(jfield .channel)" none
contains "digital-only without mailbox: Swedish message" "$(jfield .message)" "Returnerat"
sleep 1
is "digital-only without mailbox: nothing printed" "$(printed_files | wc -l)" "$before"

# --- paper-only ---
job ponly 191212121212 "policy=paper-only"
submit "$T/ponly.job" key-ponly
ID=$(jfield .id)
wait_state "$ID" printed 20
is "paper-only: printed even with a mailbox" "$(jfield .state)" printed
is "paper-only: no second digital letter" "$(inbox_count 191212121212)" 1

# --- duplicate idempotency key ---
job dup "${P[3]}"
submit "$T/dup.job" key-dup
first=$(jfield .id)
is "duplicate key: first submission 201" "$code" 201
submit "$T/dup.job" key-dup
is "duplicate key: repeat answered 200" "$code" 200
is "duplicate key: the same job" "$(jfield .id)" "$first"
sleep 0.5
is "duplicate key: one letter" "$(inbox_count "${P[3]}")" 1

# --- held job: no recipient, completed later (API and resubmission) ---
bundle "$T/norcpt.job" "$T/letter.pdf" "recipient-problem=no personnummer found" "user=anna" "cups-job-id=77" "pages=2"
submit "$T/norcpt.job" key-norcpt
is "no recipient: 201" "$code" 201
is "no recipient: needs-recipient" "$(jfield .state)" needs-recipient
contains "no recipient: tells how to add it" "$(jfield .message)" "lp -i 77 -o Personnummer=ÅÅÅÅMMDDNNNN -H resume"
HELD=$(jfield .id)
api POST "/api/v1/jobs/$HELD/recipient" -H 'Content-Type: application/json' -d '{"recipient":"12345"}'
is "recipient completion: invalid number refused" "$code" 400
api POST "/api/v1/jobs/$HELD/recipient" -H 'Content-Type: application/json' -d "{\"recipient\":\"${P[5]}\"}"
is "recipient completion: accepted" "$code" 200
wait_state "$HELD" delivered 20
is "recipient completion: delivered" "$(jfield .state)" delivered
# lp -i ID -o Personnummer=N -H resume: the same job-uuid again, now with a recipient
bundle "$T/held2.job" "$T/letter.pdf" "user=anna" "cups-job-id=78" "pages=2"
submit "$T/held2.job" key-held2
H2=$(jfield .id)
job held2b "${P[4]}" "cups-job-id=78"
submit "$T/held2b.job" key-held2
is "resubmission with recipient: same job" "$(jfield .id)" "$H2"
wait_state "$H2" delivered 20
is "resubmission with recipient: the held job is delivered" "$(jfield .state)" delivered
is "resubmission with recipient: operator" "$(jfield .operator)" Billo
is "resubmission with recipient: one letter" "$(inbox_count "${P[4]}")" 1

# --- cancel ---
bundle "$T/cancel.job" "$T/letter.pdf" "user=anna" "pages=2"
submit "$T/cancel.job" key-cancel
C=$(jfield .id)
api POST "/api/v1/jobs/$C/cancel"
is "cancel: 200" "$code" 200
is "cancel: cancelled" "$(jfield .state)" cancelled
api POST "/api/v1/jobs/$DIG/cancel"
is "cancel: a delivered job cannot be cancelled" "$code" 409

# --- refused input ---
printf 'not a bundle' > "$T/bad.job"
submit "$T/bad.job" key-bad
is "malformed bundle: 400" "$code" 400
contains "malformed bundle: Swedish message" "$(jfield .message)" "kunde inte läsas"
bundle "$T/badutf.job" "$T/letter.pdf" "recipient=191212121212" "title=$(printf 'Beslut \xff\xfe')" "user=anna"
submit "$T/badutf.job" key-badutf
is "header value that is not UTF-8: 400" "$code" 400
is "header value that is not UTF-8: bad-bundle" "$(jfield .error)" bad-bundle
head -c $((33 * 1024 * 1024)) /dev/zero > "$T/huge.job"
submit "$T/huge.job" key-huge
is "body over 32 MiB: 413" "$code" 413
api POST /api/v1/jobs -H 'Content-Type: application/vnd.mmprint-job' -H 'Transfer-Encoding: chunked' --data-binary @"$T/huge.job"
is "chunked body over 32 MiB (no Content-Length): 413" "$code" 413
api GET "/api/v1/jobs?since=yesterday"
is "bad since filter: 400" "$code" 400
api GET "/api/v1/jobs/../../etc/passwd"
is "a path that is not a job id: 404" "$code" 404
api GET /api/v1/jobs/00000000-0000-4000-8000-000000000000
is "unknown job: 404" "$code" 404

# --- client certificates ---
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$PKI/ca.crt" "$SRV_URL/healthz")
# Issue 10: the certificate is required at the handshake, so no HTTP answer.
is "client without certificate: refused at the handshake (no HTTP status)" "$code" 000
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$PKI/ca.crt" --cert "$PKI/rogue.crt" \
  --key "$PKI/rogue.key" -X POST --data-binary @"$T/digital.job" "$SRV_URL/api/v1/jobs")
is "client with a certificate from another CA: refused (403)" "$code" 403
api GET /healthz
is "client with a valid certificate: healthz 200" "$code" 200

# --- lists, precheck, metrics ---
api GET "/api/v1/jobs?user=anna&state=delivered"
is "list by user and state" "$(jfield '[.jobs[].state] | unique | join(",")')" delivered
api GET "/api/v1/reachability/191212121212"
is "precheck: digital" "$(jfield .digital)" true
is "precheck: operator" "$(jfield .operator)" Kivra
is "precheck: number masked" "$(jfield .recipient_masked)" "19121212-****"
api GET "/api/v1/reachability/200001012384"
is "precheck: no mailbox" "$(jfield .digital)" false
api GET /metrics
m=$(cat "$T/resp")
contains "metrics: delivered jobs counted" "$m" 'mmprintd_jobs{state="delivered",channel="digital"} 7'
contains "metrics: operator errors counted" "$m" "mmprintd_operator_errors_total 3"
contains "metrics: FaR errors counted" "$m" "mmprintd_far_errors_total 3"
contains "metrics: certificate days left" "$m" "mmprintd_certificate_days_left"
contains "metrics: latency histogram" "$m" "mmprintd_delivery_latency_seconds_count 7"
is "metrics: jobs per state and channel, and open exceptions, are what the database holds" "$(metrics_and_db)" same

# --- no personnummer in the server log ---
if grep -qE '(19121212|20000101|19410708|19811218)[0-9]{4}|(19121212|20000101)-[0-9]{4}' "$T/server.log"; then
  not_ok "no unmasked personnummer in the server log"
else
  ok "no unmasked personnummer in the server log"
fi

# Purged means zeroed in the database file (checked after the stop below),
# while a letter still waiting for its recipient is kept there as it came.
# The purged letter is the last one written (no later letter reuses its
# pages), and large, with its marker at the end, in SQLite overflow pages.
mkpdf "$T/waiting.pdf" 1 "Vantande beslut 0481516"
bundle "$T/waiting.job" "$T/waiting.pdf" "user=anna" "pages=1"
submit "$T/waiting.job" key-waiting-1
is "a letter without recipient waits" "$(jfield .state)" needs-recipient
mkpdf "$T/secret.pdf" 1 "Sekretessbeslut" 30000
printf '%% Sekretessbeslut 0481516\n' >> "$T/secret.pdf"
bundle "$T/secret.job" "$T/secret.pdf" "recipient=191212121212" "recipient-source=option" "user=anna" "pages=1"
submit "$T/secret.job" key-secret-1
is "a second digital letter is delivered" "$(jfield .state)" delivered

# --- SIGTERM, journal, restart ---
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "SIGTERM: clean exit" "$?" 0
check "journal: hash chain intact" "$MMCTL" audit verify "$T/state/mmprintd.db"
contains "journal: verify reports the events" "$(cat "$T/last.out")" "journal intact"
start_server "$T/mmprintd.conf"
api GET "/api/v1/jobs/$DIG"
is "restart: jobs are still there" "$(jfield .state)" delivered
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "after the stop the write-ahead log is folded into the database" "$(ls "$T/state" | grep -c -- '-wal$')" 0
check "the waiting letter is in the database file" grep -q 'Vantande beslut 0481516' "$T/state/mmprintd.db"
check_fails "the delivered letter is not: its pages were zeroed" grep -q 'Sekretessbeslut 0481516' "$T/state/mmprintd.db"
cp "$T/state/mmprintd.db" "$T/tampered.db"
sqlite3 "$T/tampered.db" "UPDATE events SET detail = 'changed' WHERE seq = 5"
check_fails "journal: a changed row is detected" "$MMCTL" audit verify "$T/tampered.db"
contains "journal: the first broken row is named" "$(cat "$T/last.out")" "row 5"
cp "$T/state/mmprintd.db" "$T/tampered2.db"
sqlite3 "$T/tampered2.db" "DELETE FROM events WHERE seq = 7"
check_fails "journal: a deleted row is detected" "$MMCTL" audit verify "$T/tampered2.db"
contains "journal: the missing row is named" "$(cat "$T/last.out")" "row 7"
cp "$T/state/mmprintd.db" "$T/tampered3.db"
sqlite3 "$T/tampered3.db" "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)"
check_fails "journal: removing the newest row is detected (journal head)" "$MMCTL" audit verify "$T/tampered3.db"
contains "journal: the report names the head" "$(cat "$T/last.out")" "journal head"

done_testing
