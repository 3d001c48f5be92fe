#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Who may do what (issue 10, part 1; doc/api.md "Who may do what"): two
# workstation certificates (desk1, desk2) and one admin certificate (CN
# admin, listed in admin_allow) against a real mmprintd, mmsimd and
# ippeveprinter over real TLS.  Workstation desk2 cannot see, list,
# complete, cancel or repeat desk1's jobs (answered as unknown, 404, with
# the Swedish message), nor resolve exceptions; the same Idempotency-Key
# from desk2 is a job of desk2's own; the admin lists everything, completes
# and resolves.  The reachability precheck is limited per principal (429,
# Retry-After, Swedish) and journaled with who asked; every journal event
# carries its actor, and `mmctl audit verify` still passes.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
"$MM_SRCDIR/tools/pki/mkpki" -c desk1 -c desk2 -c admin "$T/pki" >/dev/null
PKI=$T/pki
DESK1="C=SE,O=Exempelkommun,CN=desk1"
DESK2="C=SE,O=Exempelkommun,CN=desk2"
ADMIN="C=SE,O=Exempelkommun,CN=admin"

cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
recipient 191212121212 operator=kivra
recipient 194107086995 operator=kivra
recipient 200001012384 type=Not
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "admin_allow = admin" "reach_rate = 1" "reach_burst = 3" "sync_wait_ms = 3000"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }

# as NAME METHOD PATH [curl args...]: HTTPS with client certificate NAME;
# body in $T/resp, headers in $T/hdr, status in $code
as() {
  local who=$1 m=$2 p=$3
  shift 3
  code=$(curl -sS -o "$T/resp" -D "$T/hdr" -w '%{http_code}' --max-time 60 --cacert "$PKI/ca.crt" \
    --cert "$PKI/client-$who.crt" --key "$PKI/client-$who.key" -X "$m" "$@" "$SRV_URL$p" 2>"$T/curl.err")
}
send() { # NAME BUNDLE KEY
  as "$1" POST /api/v1/jobs -H 'Content-Type: application/vnd.mmprint-job' -H "Idempotency-Key: $3" \
    --data-binary @"$2"
}
state_of() { as desk1 GET "/api/v1/jobs/$1"; jfield .state; }
events_of() { # WHO ID: "event actor" per line
  as "$1" GET "/api/v1/jobs/$2"
  jfield '.events[] | .event + " " + (.actor // "null")'
}
NOT_FOUND="Jobbet finns inte"

mkpdf "$T/letter.pdf" 1 "Beslut om bistand"
bundle "$T/held.job" "$T/letter.pdf" "recipient-problem=no personnummer found" "user=anna" "host=desk1" \
  "cups-job-id=41" "title=Beslut anna" "pages=1"
bundle "$T/steal.job" "$T/letter.pdf" "recipient=191212121212" "recipient-source=option" "user=mallory" \
  "host=desk2" "cups-job-id=7" "title=Annat brev" "pages=1"
bundle "$T/returned.job" "$T/letter.pdf" "recipient=200001012384" "recipient-source=option" "policy=digital-only" \
  "user=anna" "host=desk1" "cups-job-id=42" "title=Beslut returned" "pages=1"

# --- desk1's held letter ---
send desk1 "$T/held.job" cups-uuid-A
is "desk1 submits a letter without recipient: 201" "$code" 201
A=$(jfield .id)
is "it is held" "$(jfield .state)" needs-recipient
as desk1 GET "/api/v1/jobs/$A"
is "desk1 reads its own job" "$code" 200

# --- desk2 cannot see it ---
as desk2 GET "/api/v1/jobs/$A"
is "desk2 reading desk1's job: 404, as if unknown" "$code" 404
contains "... with the Swedish message" "$(jfield .message)" "$NOT_FOUND"
check_fails "... and nothing of the job in the answer" grep -q "anna\|Beslut\|$A" "$T/resp"
as desk2 GET /api/v1/jobs
is "desk2's job list: 200" "$code" 200
is "desk2's job list does not hold desk1's job" "$(jq --arg id "$A" '[.jobs[] | select(.id == $id)] | length' < "$T/resp")" 0
as desk2 GET "/api/v1/jobs?user=anna"
is "... not even asked by desk1's user name" "$(jq '.jobs | length' < "$T/resp")" 0
as desk1 GET /api/v1/jobs
is "desk1's list holds its job" "$(jq --arg id "$A" '[.jobs[] | select(.id == $id)] | length' < "$T/resp")" 1

# --- desk2 cannot complete it with a number of its choice ---
as desk2 POST "/api/v1/jobs/$A/recipient" -H 'Content-Type: application/json' -d '{"recipient":"191212121212"}'
is "desk2 completing desk1's held letter: 404" "$code" 404
contains "... with the Swedish message" "$(jfield .message)" "$NOT_FOUND"
is "... the letter is still held" "$(state_of "$A")" needs-recipient
is "... and nothing was delivered" "$(inbox_count 191212121212)" 0

# --- desk2 cannot cancel it ---
as desk2 POST "/api/v1/jobs/$A/cancel"
is "desk2 cancelling desk1's job by id: 404" "$code" 404
as desk2 POST "/api/v1/jobs/by-key/cups-uuid-A/cancel"
is "desk2 cancelling desk1's job by its key: 404" "$code" 404
is "... the letter is still held" "$(state_of "$A")" needs-recipient

# --- desk2 cannot repeat or complete it with desk1's Idempotency-Key ---
send desk2 "$T/steal.job" cups-uuid-A
is "desk2 sending desk1's Idempotency-Key with a recipient: a new job (201)" "$code" 201
B=$(jfield .id)
check "... with an id of its own" test -n "$B" -a "$B" != "$A"
is "... desk1's letter is still held, not completed" "$(state_of "$A")" needs-recipient
as desk1 GET "/api/v1/jobs/$A"
is "... and has no recipient" "$(jfield .recipient_masked)" null
as desk2 GET "/api/v1/jobs/$B"
is "desk2 reads its own new job" "$code" 200
is "... which carries desk2's own title" "$(jfield .title)" "Annat brev"
send desk2 "$T/steal.job" cups-uuid-A
is "desk2 repeating its own key: the same job of desk2's (200)" "$code/$(jfield .id)" "200/$B"

# --- exceptions: scoped, and workstations do not resolve ---
send desk1 "$T/returned.job" cups-uuid-E
E=$(jfield .id)
is "desk1's digital-only letter to a recipient without mailbox: returned" "$(jfield .state)" returned
as desk2 GET /api/v1/exceptions
is "desk2's exception list: 200" "$code" 200
is "desk2's exception list does not hold desk1's exception" \
  "$(jq --arg id "$E" '[.exceptions[] | select(.id == $id)] | length' < "$T/resp")" 0
as desk1 GET /api/v1/exceptions
is "desk1's exception list holds it" "$(jq --arg id "$E" '[.exceptions[] | select(.id == $id)] | length' < "$T/resp")" 1
as desk2 POST "/api/v1/jobs/$E/resolve" -H 'Content-Type: application/json' -d '{"action":"handled"}'
is "desk2 resolving desk1's exception: 404" "$code" 404
as desk1 POST "/api/v1/jobs/$E/resolve" -H 'Content-Type: application/json' -d '{"action":"handled"}'
is "desk1 resolving its own exception: 403 (an admin's task)" "$code" 403
contains "... with the Swedish reason" "$(jfield .message)" "Du har inte behörighet att hantera jobbet"

# --- the admin sees all, completes and resolves ---
as admin GET /api/v1/jobs
is "admin's job list: 200" "$code" 200
is "admin's list holds desk1's and desk2's jobs" \
  "$(jq --arg a "$A" --arg b "$B" '[.jobs[] | select(.id == $a or .id == $b)] | length' < "$T/resp")" 2
as admin GET /api/v1/exceptions
is "admin's exception list holds desk1's exception" \
  "$(jq --arg id "$E" '[.exceptions[] | select(.id == $id)] | length' < "$T/resp")" 1
as admin POST "/api/v1/jobs/$E/resolve" -H 'Content-Type: application/json' -d '{"action":"handled"}'
is "admin resolves desk1's exception: 200" "$code" 200
is "... recorded with who resolved it" "$(jfield .resolved_by)" "$ADMIN"
as admin POST "/api/v1/jobs/$A/recipient" -H 'Content-Type: application/json' -d '{"recipient":"194107086995"}'
is "admin completes desk1's held letter: 200" "$code" 200
wait_state "$A" delivered 20
is "... and it is delivered" "$(jfield .state)" delivered

# --- the journal records who acted ---
ev=$(events_of desk1 "$A")
contains "journal: received by desk1" "$ev" "received $DESK1"
contains "journal: recipient added by the admin" "$ev" "recipient-added $ADMIN"
contains "journal: the server's own steps by mmprintd" "$ev" "delivered mmprintd"
contains "journal: resolved by the admin" "$(events_of desk1 "$E")" "resolved $ADMIN"
contains "journal: desk2's job received by desk2" "$(events_of desk2 "$B")" "received $DESK2"
contains "desk2's attempt at desk1's job is logged" "$(cat "$T/server.log")" "$DESK2 asked for job $A, submitted by $DESK1: refused as not found"

# --- reachability precheck: limited per principal, journaled ---
for i in 1 2 3; do
  as desk1 GET /api/v1/reachability/191212121212
  is "precheck $i of reach_burst 3: 200" "$code" 200
done
as desk1 GET /api/v1/reachability/191212121212
is "precheck 4 within the minute: 429" "$code" 429
contains "... with a Swedish message" "$(jfield .message)" "För många kontroller av mottagare"
retry=$(tr -d '\r' < "$T/hdr" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }')
check "... and Retry-After in seconds ($retry)" test "${retry:-0}" -ge 1 -a "${retry:-0}" -le 60
as desk2 GET /api/v1/reachability/194107086995
is "another principal has a budget of its own: 200" "$code" 200
DB=$T/state/mmprintd.db
is "every FaR lookup is journaled with who asked (desk1: 3)" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE event = 'reachability-precheck' AND actor = '$DESK1' AND job_id = ''")" 3
is "... (desk2: 1)" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE event = 'reachability-precheck' AND actor = '$DESK2'")" 1
is "... with the number masked" \
  "$(sqlite3 "$DB" "SELECT detail FROM events WHERE event = 'reachability-precheck' AND actor = '$DESK2'")" \
  "recipient 19410708-**** looked up in FaR"
is "... nowhere in the journal in full" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE detail LIKE '%191212121212%' OR detail LIKE '%194107086995%'")" 0
is "no journal event without an actor" "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE actor = ''")" 0

# --- mmctl against the server with the admin certificate ---
printf 'cert = %s\nkey = %s\nca = %s\n' "$PKI/client-admin.crt" "$PKI/client-admin.key" "$PKI/ca.crt" > "$T/admin.conf"
printf 'cert = %s\nkey = %s\nca = %s\n' "$PKI/client-desk2.crt" "$PKI/client-desk2.key" "$PKI/ca.crt" > "$T/desk2.conf"
send desk1 "$T/returned.job" cups-uuid-E2
E2=$(jfield .id)
check "mmctl exceptions with the admin certificate lists desk1's exception" \
  bash -c "'$MMCTL' exceptions -s 127.0.0.1:$SRV_PORT -C '$T/admin.conf' | grep -q '^$E2'"
check_fails "mmctl resolve with a workstation certificate is refused" \
  "$MMCTL" resolve -s "127.0.0.1:$SRV_PORT" -C "$T/desk2.conf" "$E2" handled
check "mmctl resolve with the admin certificate" "$MMCTL" resolve -s "127.0.0.1:$SRV_PORT" -C "$T/admin.conf" "$E2" handled

check "mmctl audit verify: the chain, actors included, is intact" "$MMCTL" audit verify "$DB"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "SIGTERM: clean exit" "$?" 0
check_fails "no sanitizer report in the server log" grep -E "Sanitizer|runtime error" "$T/server.log"
done_testing
