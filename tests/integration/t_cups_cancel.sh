#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A letter held for a personnummer and then cancelled in CUPS is cancelled
# on the server too, through the real path: cupsd runs the mmprint notifier
# (subscribed by mmprint-queue install) as lp, it reads the job-uuid from
# cupsd and tells mmprintd over mutual TLS.  The server journals who
# cancelled it and deletes the letter.  Another workstation's certificate
# cannot cancel it; a job the server already finished is left alone; a job
# cancelled while the backend waits for the server's answer is not sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

A=$(test_pnr 101)      # a Kivra mailbox
C=$(test_pnr 303)      # a Kivra mailbox, but FaR answers slowly about it
N=$(test_pnr 404)      # no digital mailbox
P=$(test_pnr 505)      # only in a job title (the notifier must not log it)
make_pki
# FaR takes 10 s over C, and the server waits up to 20 s for an outcome
# before it answers the backend: time to cancel a job the backend is sending.
SIM_FAULTS=$T/faults
echo "far recipient=$C delay=10000" > "$SIM_FAULTS"
SRV_SYNC_WAIT_MS=20000
# The notifier runs as lp: the key shared with lp (key_shared_with_lp, the
# opt-in doc/admin-guide.md describes); root-only keys are tested elsewhere.
STACK_KEY_SHARED=1 start_stack "$(sim_recipient "$A")" "$(sim_recipient "$C")" ||
  { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts"

DB=$T/srv/mmprintd.db
make_letter "$T/noone.pdf" "text:Beslut om bistånd" "text:Ingen mottagare angiven här."

# ---- helpers ----
# The mmprint subscriptions cupsd has, one "id recipient lease user-data" line each.
mm_subscriptions() {
  cat > "$T/subs.test" <<'TEST'
{
  OPERATION Get-Subscriptions
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name root
  ATTR boolean my-subscriptions false
  STATUS successful-ok
  STATUS client-error-not-found
}
TEST
  ipptool -t -v "ipp://$CUPS_SERVER/" "$T/subs.test" 2>/dev/null | python3 -c '
import re, sys
subs, cur = [], {}
for line in sys.stdin:
    m = re.match(r"\s+(notify-[a-z-]+) \([^)]*\) = (.*)$", line)
    if not m:
        continue
    if m.group(1) == "notify-subscription-id" and cur:
        subs.append(cur); cur = {}
    cur[m.group(1)] = m.group(2)
if cur:
    subs.append(cur)
for s in subs:
    if s.get("notify-recipient-uri", "").startswith("mmprint:"):
        print(s.get("notify-subscription-id"), s.get("notify-recipient-uri"),
              s.get("notify-lease-duration"), s.get("notify-user-data", "-"))
'
}
# The server's job id for a CUPS job id.
srv_job_for() { srv_get /api/v1/jobs | jq -r --arg c "$1" '.jobs[] | select(.cups_job_id == $c) | .id' | head -n 1; }
srv_state() { srv_get "/api/v1/jobs/$1" | jq -r .state; }
srv_events() { srv_get "/api/v1/jobs/$1" | jq -c '.events[]'; }
srv_event_count() { srv_get "/api/v1/jobs/$1" | jq '.events | length'; }
doc_count() { sqlite3 "$DB" "SELECT count(*) FROM documents WHERE job_id = '$1'"; }
wait_srv_job() { # CUPSID SECONDS: until the server has the job; prints its id
  local i sid
  for ((i = 0; i < $2 * 5; i++)); do
    sid=$(srv_job_for "$1")
    [ -n "$sid" ] && { echo "$sid"; return 0; }
    sleep 0.2
  done
  return 1
}
wait_srv_state() { # SID STATE SECONDS
  local i
  for ((i = 0; i < $3 * 5; i++)); do
    [ "$(srv_state "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  echo "server job $1 is $(srv_state "$1"), not $2" >&2
  return 1
}
# The notifier's lines about one CUPS job in cupsd's error_log.
notifier_log() { grep -a "\[Job $1\] mmprint notifier:" "$CUPS_DIR/log/error_log"; }
# Until the notifier has said how it ended for the job (not its DEBUG lines).
wait_notifier_outcome() { # CUPSID SECONDS
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    notifier_log "$1" | grep -q -v '^D ' && return 0
    sleep 0.2
  done
  return 1
}

# ---- the subscription ----
subs=$(mm_subscriptions)
is "install made one notifier subscription" "$(grep -c . <<<"$subs")" 1
contains "... to the server's address, never expiring, for the queue" "$subs" \
  "mmprint://127.0.0.1:$SRV_PORT/ 0 $CUPS_QUEUE"
"$MM_SRCDIR/tools/mmprint-queue" install --server "127.0.0.1:$SRV_PORT" --ppd "$(_find_ppd)" \
  >"$T/reinstall.out" 2>&1
is "installing again leaves exactly one subscription" "$(mm_subscriptions | grep -c .)" 1

# ---- a held letter, cancelled by the user in CUPS ----
id=$(submit -U anna -t "Beslut $P" "$T/noone.pdf")
check "the letter without a recipient is held in CUPS" wait_job_state "$id" pending-held 40
contains "... telling the handläggare what is missing" "$(job_message "$id")" "Personnummer saknas"
sid=$(wait_srv_job "$id" 10)
check "the server has the job" test -n "$sid"
is "... as needs-recipient" "$(srv_state "$sid")" needs-recipient
is "... with its letter stored" "$(doc_count "$sid")" 1

# Another workstation's certificate cannot cancel desk1's job.
uuid=$(job_attr "$id" job-uuid)
check "the CUPS job has a job-uuid ($uuid)" test -n "$uuid"
events_before=$(srv_event_count "$sid")
code=$(curl -sS -o "$T/desk2.out" -w '%{http_code}' --max-time 10 --cacert "$PKI/ca.crt" \
  --cert "$PKI/client-desk2.crt" --key "$PKI/client-desk2.key" -X POST -H 'Content-Type: application/json' \
  --data '{}' "https://127.0.0.1:$SRV_PORT/api/v1/jobs/by-key/$uuid/cancel")
check "desk2 cancelling desk1's job is refused (HTTP $code)" bash -c "[ '$code' = 404 ] || [ '$code' = 403 ]"
contains "... with a Swedish message" "$(cat "$T/desk2.out")" "Jobbet finns inte"
contains "... because desk1 submitted it (the server's log)" "$(grep -a "asked to cancel job $sid" "$T/mmprintd.log")" \
  "CN=desk2 asked to cancel job $sid, submitted by C=SE,O=Exempelkommun,CN=desk1: refused"
is "... and the job still waits for a recipient" "$(srv_state "$sid")" needs-recipient
is "... with its letter" "$(doc_count "$sid")" 1
is "... and nothing journaled" "$(srv_event_count "$sid")" "$events_before"

check "the handläggare cancels the held job (cancel -U anna $id)" cancel -U anna "$id"
check "CUPS shows it cancelled" wait_job_state "$id" canceled 10
check "within seconds the server's job is cancelled" wait_srv_state "$sid" cancelled 15
ev=$(srv_events "$sid")
contains "the journal names the cancel in CUPS" "$ev" '"event":"cancelled-in-cups"'
contains "... and the workstation that reported it" "$(grep cancelled-in-cups <<<"$ev")" "CN=desk1"
contains "... and the CUPS job" "$(grep cancelled-in-cups <<<"$ev")" "cups job $id"
is "the letter is deleted from the server's store" "$(doc_count "$sid")" 0
contains "the server's job says nothing was sent" "$(srv_get "/api/v1/jobs/$sid" | jq -r .message)" \
  "inget har skickats"
wait_notifier_outcome "$id" 10
# Only the id's first group: the log's masking also hides a last group that
# happens to be twelve decimal digits, as it would a personnummer.
contains "cupsd's log says the server cancelled it" "$(notifier_log "$id")" "the server cancelled its job ${sid%%-*}-"
n=$(srv_get "/api/v1/jobs?state=needs-recipient" | jq '.jobs | length')
is "no job left waiting for a recipient" "$n" 0

# ---- a job the server finished itself: cancelled in CUPS, left alone ----
# digital-only to someone without a mailbox: the server returns it and the
# backend cancels the CUPS job, which the notifier then reports.
id2=$(submit -o MMPolicy=digital-only -o "Personnummer=$N" "$T/noone.pdf")
check "a returned letter ends cancelled in CUPS" wait_job_state "$id2" canceled 40
sid2=$(srv_job_for "$id2")
is "... returned on the server" "$(srv_state "$sid2")" returned
events2=$(srv_event_count "$sid2")
check "the notifier reported the CUPS cancel" wait_notifier_outcome "$id2" 15
contains "... and was told the job is already final" "$(notifier_log "$id2")" "is already returned; left as it is"
is "the returned job is unchanged" "$(srv_state "$sid2")" returned
is "... and nothing more journaled" "$(srv_event_count "$sid2")" "$events2"

# ---- a delivered letter, later purged from CUPS's history ----
id3=$(submit -o "Personnummer=$A" "$T/noone.pdf")
check "a letter with a recipient completes" wait_job_state "$id3" completed 40
sid3=$(srv_job_for "$id3")
check "... delivered" wait_srv_state "$sid3" delivered 20
events3=$(srv_event_count "$sid3")
events1=$(srv_event_count "$sid")
# Purging makes cupsd report every job of the queue as cancelled once more
# (cancel -x on one job is refused for a finished job by cupsd 2.4).
check "an admin purges the queue's jobs from CUPS (cancel -a -x)" cancel -a -x "$CUPS_QUEUE"
check "the notifier saw the purge of the completed job" wait_notifier_outcome "$id3" 15
contains "... and found nothing to tell the server" "$(notifier_log "$id3")" "no longer in cupsd"
is "the delivered job is unchanged" "$(srv_state "$sid3")" delivered
is "... and nothing more journaled" "$(srv_event_count "$sid3")" "$events3"
is "the job cancelled earlier is unchanged too" "$(srv_event_count "$sid")" "$events1"

# ---- cancelled while the backend waits for the server's answer ----
id4=$(submit -o "Personnummer=$C" "$T/noone.pdf")
sid4=$(wait_srv_job "$id4" 20)
check "the server took the job and asks FaR (slow)" test -n "$sid4"
is "... the job is queued on the server" "$(srv_state "$sid4")" queued
is "... while the backend still waits (CUPS: processing)" "$(job_state "$id4")" processing
check "the handläggare cancels it in CUPS" cancel "$id4"
check "CUPS shows it cancelled" wait_job_state "$id4" canceled 10
check "the server cancels the queued job" wait_srv_state "$sid4" cancelled 8
contains "the journal says it was cancelled in CUPS while queued" "$(srv_events "$sid4" | grep cancelled-in-cups)" \
  "while queued"
# FaR's late answer must not send it: FaR works one lookup at a time, so a
# letter to A posted now is decided after C's answer came back.
id5=$(submit -o "Personnummer=$A" "$T/noone.pdf")
check "the next letter goes out after FaR answered about C" wait_inbox "$A" 2 60
is "the cancelled letter never reached C's mailbox" "$(inbox_count "$C")" 0
is "... and stays cancelled" "$(srv_state "$sid4")" cancelled
is "... without its letter" "$(doc_count "$sid4")" 0
wait_job_state "$id5" completed 30

# ---- the subscription survives a cupsd restart ----
stop_cupsd
check "cupsd saved the subscription in subscriptions.conf" grep -q "mmprint://127.0.0.1:$SRV_PORT/" \
  "$CUPS_DIR/etc/subscriptions.conf"
start_cupsd || not_ok "cupsd starts again"
is "after a restart the subscription is still there" "$(mm_subscriptions | grep -c .)" 1
id6=$(submit "$T/noone.pdf")
check "after the restart a letter is held again" wait_job_state "$id6" pending-held 40
sid6=$(wait_srv_job "$id6" 10)
cancel "$id6"
check "... and its cancel in CUPS reaches the server" wait_srv_state "$sid6" cancelled 15

# ---- the notifier's log lines ----
nlog=$(grep -a "mmprint notifier" "$CUPS_DIR/log/error_log")
check "the notifier wrote to cupsd's log" test -n "$nlog"
leak=0
for form in "$P" "${P:2}" "${P:0:8}-${P:8:4}" "${P:2:6}-${P:8:4}" "$C" "$N" "$A"; do
  grep -q -F -- "$form" <<<"$nlog" && { leak=1; diag "unmasked: $form"; }
done
is "the notifier logs no personnummer" "$leak" 0

# ---- remove cancels the subscription ----
out=$("$MM_SRCDIR/tools/mmprint-queue" remove 2>&1)
contains "mmprint-queue remove cancels the subscription" "$out" "1 mmprint subscription of $CUPS_QUEUE cancelled"
is "... and none is left in cupsd" "$(mm_subscriptions | grep -c .)" 0

check_no_sanitizer_reports
stop_cupsd
done_testing
