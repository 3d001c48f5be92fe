#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The print path cannot be bypassed or forged (issue 10, point 2), through
# the real path: cupsd with our PPD queue, lp, the backend, mmprintd, the
# simulated FaR and mailboxes, the print room.
# - `lp -o raw` of a PDF skips the pdftomm filter: the backend holds the
#   job with a Swedish line; nothing is posted, delivered or printed.
# - A hand-made bundle that names a colleague as its user (and another job
#   id and host) is sent under CUPS's user, job id and host.
# - Text from the server (here a mailbox operator's name, which FaR tells
#   the server) reaches CUPS as one line without control characters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

A=$(test_pnr 101)      # a Kivra mailbox
E=$(test_pnr 202)      # a mailbox at an operator whose name carries control characters
# NEL (C1), U+2028 LINE SEPARATOR, U+202E RIGHT-TO-LEFT OVERRIDE, a tab.
EVIL_NAME=$'Evil\xc2\x85ERROR: falsk rad\xe2\x80\xa8INFO: mer\xe2\x80\xaeTXET\tslut'
start_stack "$(sim_recipient "$A")" \
  "operator evil name=\"$EVIL_NAME\" id=165569999990" \
  "recipient $E operator=evil type=Secure pending=no accepts=*" ||
  { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts"

make_letter "$T/letter.pdf" "text:Beslut om bistånd"
server_jobs() { srv_get /api/v1/jobs; }
# job_field CUPS_JOB_ID FIELD: a field of the server's job for that CUPS job
job_field() {
  server_jobs | python3 -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]:
    if j.get("cups_job_id") == sys.argv[1]:
        print(j.get(sys.argv[2]) or ""); break' "$1" "$2"
}

# ---- (a) lp -o raw of a PDF on the PPD queue: the filter never ran ----
id=$(lp -d "$CUPS_QUEUE" -U anna -o raw -o "Personnummer=$A" "$T/letter.pdf" |
  sed -n 's/^request id is [^ ]*-\([0-9]*\) .*/\1/p')
check "a raw PDF is held, not sent" wait_job_state "$id" pending-held 20
msg=$(job_message "$id")
contains "the job says in Swedish why (job-printer-state-message)" "$msg" \
  "Utskriften kom inte genom mmprint-filtret (till exempel lp -o raw) och skickas inte – jobbet hålls"
sleep 2
is "nothing reached the server" "$(server_jobs | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["jobs"]))')" 0
is "nothing delivered" "$(inbox_count "$A")" 0
is "nothing printed" "$(printroom_count)" 0
check "the held job keeps its document" test -s "$(printf '%s/spool/d%05d-001' "$CUPS_DIR" "$id")"
st=$(lpstat -p "$CUPS_QUEUE" 2>&1)
contains "the queue stays enabled for everybody else" "$st" "enabled"
cancel "$id"

# ---- (b) a hand-made bundle naming a colleague, printed raw as anna ----
make_bundle "$T/forged.job" "$T/letter.pdf" "recipient=$A" recipient-source=option title=Beslut \
  user=kollega host=forged.example cups-job-id=9999 pages=1
id=$(lp -d "$CUPS_QUEUE" -U anna -o raw "$T/forged.job" | sed -n 's/^request id is [^ ]*-\([0-9]*\) .*/\1/p')
check "the forged bundle's job completes" wait_job_state "$id" completed 30
wait_inbox "$A" 1 20
is "the server has the job under CUPS's job id, not the bundle's 9999" "$(job_field "$id" cups_job_id)" "$id"
is "the server records CUPS's user, not the colleague the bundle names" "$(job_field "$id" user)" anna
is "… and this machine as the host, not the bundle's" "$(job_field "$id" host)" "$(hostname)"
check_fails "no server job carries the colleague's name" bash -c "curl -sS --max-time 10 --cacert '$PKI/ca.crt' \
  --cert '$PKI/client-desk1.crt' --key '$PKI/client-desk1.key' https://127.0.0.1:$SRV_PORT/api/v1/jobs | grep -q kollega"
contains "the backend logs the mismatch" "$(job_log "$id")" \
  "the job bundle says user kollega, job 9999; CUPS says user anna, job $id: sent as CUPS says"

# The normal path still works, and its user is the one CUPS has too.
id=$(lp -d "$CUPS_QUEUE" -U berit -o "Personnummer=$A" "$T/letter.pdf" | sed -n 's/^request id is [^ ]*-\([0-9]*\) .*/\1/p')
check "a letter through the filter is delivered" wait_job_state "$id" completed 30
is "… under its CUPS user" "$(job_field "$id" user)" berit
check_fails "… without a mismatch line" bash -c "grep -a '\[Job $id\]' '$CUPS_DIR/log/error_log' | grep -q 'the job bundle says'"

# ---- (c) what the server says is one clean CUPS line ----
id=$(lp -d "$CUPS_QUEUE" -U anna -o "Personnummer=$E" "$T/letter.pdf" | sed -n 's/^request id is [^ ]*-\([0-9]*\) .*/\1/p')
check "the letter to the evil operator's mailbox is delivered" wait_job_state "$id" completed 30
# has_controls: whether stdin holds NEL, U+2028, U+202E or a tab (1/0)
has_controls() { python3 -c 'import sys; t = sys.stdin.buffer.read().decode("utf-8", "replace"); print(int(any(c in t for c in "\u0085\u2028\u202e\t")))'; }
is "the server did report the operator's name with its control characters" "$(job_field "$id" operator | has_controls)" 1
line=$(job_log "$id" | grep -a 'Levererat digitalt')
contains "the backend's line names the operator" "$line" "Levererat digitalt till Evil ERROR: falsk rad INFO: mer TXET slut"
is "no control character from the server in the job's CUPS lines" "$(job_log "$id" | has_controls)" 0
is "no line of the job starts with the injected text" "$(job_log "$id" | grep -a -c '\] INFO: mer' || true)" 0
is "the job's state message has no control characters either" "$(job_message "$id" | has_controls)" 0

check_no_sanitizer_reports
stop_cupsd
done_testing
