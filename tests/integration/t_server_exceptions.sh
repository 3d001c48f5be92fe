#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A letter that reached no one is never deleted (issue 8, parts 5 and 7):
# a transient qpdf failure is retried, a mistyped printer_uri stops the
# start, and a returned, failed or expired letter is kept in the exception
# list (GET /api/v1/exceptions) until a person resolves it (POST
# /api/v1/jobs/{id}/resolve: reprint, handled or cancel, journaled with the
# principal) or exception_retention purges it.  Real mmprintd, mmsimd and
# ippeveprinter over real TLS with client certificates.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
recipient 191212121212 operator=kivra
recipient 200001012384 type=Not
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
DESK1="C=SE,O=Exempelkommun,CN=desk1"
# Resolving is the admin's (doc/api.md "Who may do what"): the admin
# certificate, listed in admin_allow, resolves; desk1 submits and reads.
ADMIN="C=SE,O=Exempelkommun,CN=admin"

# --- a mistyped printer_uri stops the start, in -t and as a daemon ---
for bad in "ipp//127.0.0.1:$IPP_PORT/ipp/print" "ipp://127.0.0.1:notaport/ipp/print" \
  "http://127.0.0.1:$IPP_PORT/ipp/print" "ipp://127.0.0.1:$IPP_PORT"; do
  write_conf "$T/bad.conf" "printer_uri = $bad"
  check_fails "mmprintd -t refuses printer_uri $bad" "$MMPRINTD" -t -c "$T/bad.conf"
  contains "the -t refusal names the key printer_uri ($bad)" "$(cat "$T/last.out")" "printer_uri '$bad' is not usable"
done
write_conf "$T/bad.conf" "printer_uri = ipp://127.0.0.1:notaport/ipp/print"
"$MMPRINTD" -c "$T/bad.conf" >"$T/bad.out" 2>&1 &
pid=$!
remember_pid $pid
for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
if kill -0 $pid 2>/dev/null; then
  rc="still running after 10 s"
  kill $pid
  wait $pid
else
  wait $pid
  rc=$?
fi
is "the daemon with printer_uri ipp://host:notaport/... exits with status 1" "$rc" 1
contains "and says why, naming the key" "$(cat "$T/bad.out")" "refusing to start: config: printer_uri"
contains "and what is wrong" "$(cat "$T/bad.out")" "the port is not a number"
write_conf "$T/good.conf"
check "a correct printer_uri passes mmprintd -t" "$MMPRINTD" -t -c "$T/good.conf"
write_conf "$T/bad.conf" "held_expiry = 14"
check_fails "held_expiry without a unit is refused" "$MMPRINTD" -t -c "$T/bad.conf"
contains "the refusal says how to write it" "$(cat "$T/last.out")" "held_expiry must be a whole number with a unit s, m, h or d (e.g. 14d)"

# A qpdf that dies from a signal once (as under the OOM killer), then works.
REAL_QPDF=$(command -v qpdf)
mkdir -p "$T/bin"
printf '#!/bin/sh\nif rm "%s" 2>/dev/null; then kill -KILL $$; fi\nexec "%s" "$@"\n' "$T/state/spool/qpdf-kill-once" "$REAL_QPDF" \
  > "$T/bin/qpdf"
chmod +x "$T/bin/qpdf"
export PATH="$T/bin:$PATH"

write_conf "$T/mmprintd.conf" "print_deadline = 3" "sync_wait_ms = 3000" "admin_allow = admin"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
mkpdf "$T/letter.pdf" 1 "Beslut om bistand"
job() { # NAME RECIPIENT [key=value...]: bundle $T/NAME.job
  local n=$1 r=$2
  shift 2
  bundle "$T/$n.job" "$T/letter.pdf" "recipient=$r" "recipient-source=option" "title=Beslut $n" "user=anna" \
    "host=desk1" "cups-job-id=5$RANDOM" "pages=1" "$@"
}
resolve() { API_CERT=admin api POST "/api/v1/jobs/$1/resolve" -H 'Content-Type: application/json' -d "$2"; }
events() { api GET "/api/v1/jobs/$1"; jfield '[.events[] | .event + ": " + .detail] | join("\n")'; }
in_list() { # ID FIELD: FIELD of job ID in the exception list ("absent" when not listed)
  api GET /api/v1/exceptions
  jq -r --arg id "$1" '[.exceptions[] | select(.id == $id)] | if length == 0 then "absent" else (.[0] | '"$2"' | tostring) end' \
    < "$T/resp"
}
pdf_size=$(stat -c %s "$T/letter.pdf")

# --- a transient qpdf failure is retried, and the letter is printed ---
: > "$T/state/spool/qpdf-kill-once"
job qpdfkill 200001012384 "policy=paper-only"
submit "$T/qpdfkill.job" k-qpdfkill
Q=$(jfield .id)
wait_state "$Q" printed 20
is "qpdf killed by a signal once: the letter is still printed" "$(jfield .state)" printed
check "qpdf was really killed once (fault injected)" test ! -e "$T/state/spool/qpdf-kill-once"
contains "the killed attempt is journaled and retried" "$(events "$Q")" "qpdf was killed by signal 9; retry in"
is "printed exactly once" "$(find "$T/printroom" -name "*mmprint-$Q.pdf" | wc -l)" 1
is "a printed letter is purged as before" "$(stored_documents "$Q")" ""

# --- returned (digital-only, no mailbox): kept, listed, resolved as handled ---
job returned 200001012384 "policy=digital-only"
submit "$T/returned.job" k-returned
R=$(jfield .id)
is "digital-only without a mailbox: returned" "$(jfield .state)" returned
is "returned: the job is an exception" "$(jfield .exception)" true
is "returned: its letter is kept in the store" "$(stored_documents "$R")" "pdf $pdf_size"
api GET /api/v1/exceptions
is "GET /api/v1/exceptions: 200" "$code" 200
is "the exception list holds the returned job" "$(in_list "$R" .state)" returned
is "listed with its document kept" "$(in_list "$R" .document_kept)" true
is "listed with the reason in Swedish" "$(in_list "$R" .reason_sv)" "mottagaren har ingen digital brevlåda"
contains "and in English" "$(in_list "$R" .reason)" "Type=Not"
is "listed with the handläggare" "$(in_list "$R" .user)" anna
is "listed with the title" "$(in_list "$R" .title)" "Beslut returned"
is "listed with the recipient masked" "$(in_list "$R" .recipient_masked)" "20000101-****"
contains "listed with the CUPS job id" "$(in_list "$R" .cups_job_id)" 5
contains "listed with its final time" "$(in_list "$R" .final)" "Z"
api GET /metrics
contains "metrics: open exceptions gauge" "$(cat "$T/resp")" 'mmprintd_exceptions_open{state="returned"} 1'

resolve "$R" '{"action":"fold"}'
is "an unknown action: 400" "$code" 400
is "an unknown action: bad-action" "$(jfield .error)" bad-action
contains "an unknown action: Swedish message" "$(jfield .message)" "Okänd åtgärd"
resolve "$R" 'not json'
is "a body that is not JSON: 400" "$code" 400
# A principal the front must refuse: no client certificate.
for req in "GET /api/v1/exceptions" "POST /api/v1/jobs/$R/resolve"; do
  anon=$(curl -sS -o "$T/anon" -w '%{http_code}' --max-time 30 --cacert "$PKI/ca.crt" -X ${req% *} \
    -H 'Content-Type: application/json' --data '{"action":"handled"}' "$SRV_URL${req#* }" 2>/dev/null)
  if [ "$anon" = 403 ] || [ "$anon" = 000 ]; then ok "no client certificate: $req refused ($anon)"; else not_ok "no client certificate: $req refused"; diag "HTTP $anon: $(cat "$T/anon")"; fi
  check_fails "no client certificate: $req lists nothing" grep -q "$R" "$T/anon"
done
is "the refused requests changed nothing" "$(stored_documents "$R")" "pdf $pdf_size"

api POST "/api/v1/jobs/$R/resolve" -H 'Content-Type: application/json' -d '{"action":"handled"}'
is "a workstation resolving, even its own exception: 403" "$code" 403
contains "... with the Swedish reason" "$(jfield .message)" "Du har inte behörighet att hantera jobbet"
is "... and the letter is still kept" "$(stored_documents "$R")" "pdf $pdf_size"
resolve "$R" '{"action":"handled"}'
is "resolve handled: 200" "$code" 200
is "resolve handled: the resolution is recorded" "$(jfield .resolution)" handled
is "resolve handled: with who did it" "$(jfield .resolved_by)" "$ADMIN"
is "resolve handled: no longer an exception" "$(jfield .exception)" false
is "resolve handled: the letter is purged" "$(stored_documents "$R")" ""
is "resolve handled: gone from the exception list" "$(in_list "$R" .state)" absent
contains "resolve handled: journaled with the principal" "$(events "$R")" "resolved: handled by $ADMIN"
resolve "$R" '{"action":"reprint"}'
is "resolving it again: 409" "$code" 409
contains "resolving it again: Swedish message" "$(jfield .message)" "finns inte bland undantagen"

# --- a delivered letter is not an exception ---
job delivered 191212121212
submit "$T/delivered.job" k-delivered
DL=$(jfield .id)
is "a digital letter is delivered" "$(jfield .state)" delivered
resolve "$DL" '{"action":"handled"}'
is "resolve of a delivered job: 409" "$code" 409
is "resolve of a delivered job: not-exception" "$(jfield .error)" not-exception
contains "resolve of a delivered job: Swedish message" "$(jfield .message)" "Jobbet finns inte bland undantagen"

# --- the print deadline passes: failed, kept; reprinted once the printer is back ---
kill "$IPP_PID"
wait "$IPP_PID" 2>/dev/null
job failed 200001012384 "policy=paper-only"
submit "$T/failed.job" k-failed
F=$(jfield .id)
wait_state "$F" failed 20
is "printer away past print_deadline: failed" "$(jfield .state)" failed
is "failed: its letter is kept in the store" "$(stored_documents "$F")" "pdf $pdf_size"
is "failed: in the exception list" "$(in_list "$F" .state)" failed
is "failed: the list says why in Swedish" "$(in_list "$F" .reason_sv)" "brevet kunde inte skrivas ut i tid"
is "failed: document kept" "$(in_list "$F" .document_kept)" true
ippeveprinter -p "$IPP_PORT" -d "$T/printroom" -f application/pdf -k -K "$(printer_keys)" -c /bin/true -n localhost -r off \
  "Utskriftsrummet" \
  >"$T/ipp2.log" 2>&1 &
IPP_PID=$!
remember_pid $IPP_PID
wait_port "$IPP_PORT" 20
resolve "$F" '{"action":"reprint"}'
is "resolve reprint: 200" "$code" 200
wait_state "$F" printed 20
is "resolve reprint: printed" "$(jfield .state)" printed
is "resolve reprint: printed exactly once" "$(find "$T/printroom" -name "*mmprint-$F.pdf" | wc -l)" 1
f=$(find "$T/printroom" -name "*mmprint-$F.pdf" | head -1)
contains "the separator page says it is a new print" "$(pdftotext -l 1 "$f" - 2>/dev/null)" "Varför papper: ny utskrift"
is "resolve reprint: once printed, the letter is purged" "$(stored_documents "$F")" ""
is "resolve reprint: gone from the exception list" "$(in_list "$F" .state)" absent
contains "resolve reprint: journaled with the principal" "$(events "$F")" "resolved: reprint by $ADMIN"

# --- a held letter expires after held_expiry: an exception, kept ---
kill -TERM "$SRV_PID"
wait "$SRV_PID"
write_conf "$T/mmprintd.conf" "held_expiry = 4s" "sync_wait_ms = 3000" "admin_allow = admin"
start_server "$T/mmprintd.conf" || not_ok "mmprintd restarts with held_expiry = 4s"
bundle "$T/held.job" "$T/letter.pdf" "recipient-problem=no personnummer found" "user=anna" "cups-job-id=91" "pages=1"
submit "$T/held.job" k-held
H=$(jfield .id)
is "a letter without a recipient is held" "$(jfield .state)" needs-recipient
sleep 4.5 # held_expiry = 4s must pass
bundle "$T/held2.job" "$T/letter.pdf" "recipient-problem=no personnummer found" "user=anna" "cups-job-id=92" "pages=1"
submit "$T/held2.job" k-held2
H2=$(jfield .id)
kill -HUP "$SRV_PID"
wait_state "$H" expired 20
is "held longer than held_expiry, after SIGHUP: expired" "$(jfield .state)" expired
contains "expired: the Swedish message says nothing was sent" "$(jfield .message)" "Inget har skickats: inget personnummer lades till inom 4 sekunder"
is "expired: its letter is kept" "$(stored_documents "$H")" "pdf $pdf_size"
contains "expired: journaled" "$(events "$H")" "expired: waited for a recipient for more than 4 seconds"
is "expired: in the exception list" "$(in_list "$H" .state)" expired
is "expired: listed without a recipient" "$(in_list "$H" .recipient_masked)" null
api GET "/api/v1/jobs/$H2"
is "a letter held for less than held_expiry keeps waiting" "$(jfield .state)" needs-recipient
resolve "$H2" '{"action":"cancel"}'
is "a waiting letter is not an exception (409)" "$code" 409
api GET /metrics
contains "metrics: the expired letter is counted" "$(cat "$T/resp")" 'mmprintd_exceptions_open{state="expired"} 1'
contains "metrics: the reprinted one is not" "$(cat "$T/resp")" 'mmprintd_exceptions_open{state="failed"} 0'
is "metrics: after exceptions, resolutions and a reprint, every count is what the database holds" "$(metrics_and_db)" same
resolve "$H" '{"action":"cancel"}'
is "resolve cancel: 200" "$code" 200
is "resolve cancel: recorded" "$(jfield .resolution)" cancel
is "resolve cancel: the letter is purged" "$(stored_documents "$H")" ""
contains "resolve cancel: journaled with the principal" "$(events "$H")" "resolved: cancel by $ADMIN: nothing will be sent"
api POST "/api/v1/jobs/$H2/cancel"

# --- exception_retention: an unresolved letter is purged after its time, journaled ---
kill -TERM "$SRV_PID"
wait "$SRV_PID"
write_conf "$T/mmprintd.conf" "exception_retention = 3s" "sync_wait_ms = 3000" "admin_allow = admin"
start_server "$T/mmprintd.conf" || not_ok "mmprintd restarts with exception_retention = 3s"
job old 200001012384 "policy=digital-only"
submit "$T/old.job" k-old
O=$(jfield .id)
is "a second returned letter is kept" "$(stored_documents "$O")" "pdf $pdf_size"
sleep 3.5 # exception_retention = 3s must pass
job young 200001012384 "policy=digital-only"
submit "$T/young.job" k-young
Y=$(jfield .id)
kill -HUP "$SRV_PID"
for _ in $(seq 100); do [ -z "$(stored_documents "$O")" ] && break; sleep 0.1; done
is "after exception_retention and SIGHUP: the letter is purged" "$(stored_documents "$O")" ""
contains "the purge is journaled on the job" "$(events "$O")" "exception-expired: unresolved for more than 3 seconds"
contains "and logged" "$(cat "$T/server.log")" "exception retention: purged the letters of 1 unresolved exceptions"
is "the job stays in the exception list" "$(in_list "$O" .state)" returned
is "listed without its document" "$(in_list "$O" .document_kept)" false
is "a younger exception keeps its letter" "$(stored_documents "$Y")" "pdf $pdf_size"
resolve "$O" '{"action":"reprint"}'
is "reprint without the letter: 409" "$code" 409
contains "reprint without the letter: Swedish message" "$(jfield .message)" "Brevet finns inte längre kvar"
resolve "$O" '{"action":"handled"}'
is "it can still be marked handled" "$code" 200

# --- mmctl exceptions and mmctl resolve, the admin's way to the list ---
printf 'cert = %s\nkey = %s\nca = %s\n' "$PKI/client-admin.crt" "$PKI/client-admin.key" "$PKI/ca.crt" > "$T/admin.conf"
check "mmctl exceptions: lists the open exceptions" "$MMCTL" exceptions -s "127.0.0.1:$SRV_PORT" -C "$T/admin.conf"
out=$(cat "$T/last.out")
TAB=$'\t'
contains "mmctl exceptions: the younger letter, kept" "$out" "$Y${TAB}returned${TAB}"
contains "mmctl exceptions: with the Swedish reason" "$(grep "^$Y" <<<"$out")" \
  "kept${TAB}anna${TAB}20000101-****${TAB}Beslut young${TAB}mottagaren har ingen digital brevlåda"
check "mmctl resolve JOB handled" "$MMCTL" resolve -s "127.0.0.1:$SRV_PORT" -C "$T/admin.conf" "$Y" handled
contains "mmctl resolve: says the outcome" "$(cat "$T/last.out")" "$Y: returned"
is "mmctl resolve: the letter is purged" "$(stored_documents "$Y")" ""
contains "mmctl resolve: journaled with the principal" "$(events "$Y")" "resolved: handled by $ADMIN"
check_fails "mmctl resolve of a resolved job fails" "$MMCTL" resolve -s "127.0.0.1:$SRV_PORT" -C "$T/admin.conf" "$Y" cancel
contains "and shows the server's Swedish message" "$(cat "$T/last.out")" "HTTP 409: Jobbet finns inte bland undantagen"

# --- a database from the previous version (no resolution columns) opens ---
kill -TERM "$SRV_PID"
wait "$SRV_PID"
cp "$T/state/mmprintd.db" "$T/old.db"
# That version had no /metrics' job counts either (their triggers read resolved_ms).
sqlite3 "$T/old.db" "DROP TRIGGER job_counts_insert; DROP TRIGGER job_counts_update; DROP TRIGGER job_counts_delete;
  DROP TABLE job_counts;
  ALTER TABLE jobs DROP COLUMN resolved_ms; ALTER TABLE jobs DROP COLUMN resolved_by;
  ALTER TABLE jobs DROP COLUMN resolution;"
is "the old database lacks the new columns" "$(sqlite3 "$T/old.db" "SELECT count(*) FROM pragma_table_info('jobs') WHERE name LIKE 'resol%'")" 0
write_conf "$T/mmprintd.conf" "database = $T/old.db" "admin_allow = admin"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd opens the previous version's database"; done_testing; exit 1; }
ok "mmprintd opens the previous version's database"
is "the columns are added" "$(sqlite3 "$T/old.db" "SELECT count(*) FROM pragma_table_info('jobs') WHERE name LIKE 'resol%'")" 3
api GET "/api/v1/jobs/$DL"
is "its jobs are still there" "$(jfield .state)" delivered
is "a returned job from before is listed, without its letter" "$(in_list "$R" .document_kept)" false
is "its jobs are counted in /metrics as the database holds them" "$(metrics_and_db "$T/old.db")" same
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "SIGTERM: clean exit" "$?" 0
check_fails "no sanitizer report in the server log" grep -E "Sanitizer|runtime error" "$T/server.log"

check "the journal verifies" "$MMCTL" audit verify "$T/state/mmprintd.db"
if grep -qE '20000101[0-9]{4}|20000101-[0-9]{4}|19121212[0-9]{4}' "$T/server.log"; then
  not_ok "no unmasked personnummer in the server log"
else
  ok "no unmasked personnummer in the server log"
fi
done_testing
