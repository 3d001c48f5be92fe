#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The backend against the real server: a private cupsd with a raw queue
# (job bundles as the filter writes them), the mmprint backend, mmprintd over
# mutual TLS, mmsimd as FaR + Kivra, ippeveprinter as the print room.  Each
# server answer must become the right CUPS outcome, and nothing may be sent
# twice when CUPS runs the backend again for the same job.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

A=$(test_pnr 11)
B=$(test_pnr 22)
C=$(test_pnr 33)
NOMAILBOX=$(test_pnr 44)
STACK_RAW_QUEUE=1 start_stack "$(sim_recipient "$A")" "$(sim_recipient "$B")" "$(sim_recipient "$C")" ||
  { not_ok "the print path starts"; done_testing; exit 1; }
ok "cupsd, mmprintd, mmsimd and the print room run"

make_letter "$T/letter.pdf" "text:Beslut om bistånd" "text:Hej!"
common=(recipient-source=option title=Beslut subject=Beslut user=anna host=desk1 pages=1)

# Digital delivery.
make_bundle "$T/a.job" "$T/letter.pdf" "recipient=$A" "${common[@]}" cups-job-id=1
# The server's user is CUPS's (lp -U), not the bundle's (t_cups_forged).
id=$(submit -U anna -o raw "$T/a.job")
check "digital: job completes" wait_job_state "$id" completed 40
wait_inbox "$A" 1 20
is "digital: one letter in the Kivra mailbox" "$(inbox_count "$A")" 1
contains "digital: the job said where it went" "$(job_log "$id")" "Levererat digitalt till Kivra"
check "digital: page count reached the CUPS page log" grep -q "total 1" "$CUPS_DIR/log/page_log"
uuid=$(job_log "$id" | sed -n 's/.*job-uuid=\(urn:uuid:[0-9a-f-]*\).*/\1/p' | head -n 1)
check "digital: the backend ran with the job's uuid ($uuid)" test -n "$uuid"
jobs=$(srv_get "/api/v1/jobs?user=anna")
contains "digital: the server lists the job as delivered" "$jobs" '"delivered"'

# No digital mailbox: paper in the print room.
make_bundle "$T/p.job" "$T/letter.pdf" "recipient=$NOMAILBOX" "${common[@]}" cups-job-id=2
before=$(printroom_count)
id=$(submit -o raw "$T/p.job")
check "paper: job completes" wait_job_state "$id" completed 40
contains "paper: the job says it went to the print room" "$(job_log "$id")" "Utskriftsrummet (mottagaren har ingen digital brevlåda)"
for ((i = 0; i < 100; i++)); do [ "$(printroom_count)" -gt "$before" ] && break; sleep 0.2; done
is "paper: one print in the print room" "$(printroom_count)" $((before + 1))

# No recipient: held with account-info-needed and the Swedish instruction;
# running the job again (same job-uuid) must not create a second server job.
make_bundle "$T/n.job" "$T/letter.pdf" "recipient-problem=no recipient found" "${common[@]}" cups-job-id=3
id=$(submit -o raw "$T/n.job")
check "no recipient: job is held" wait_job_state "$id" pending-held 40
contains "no recipient: the job says how to add the number" "$(job_message "$id")" "Personnummer saknas"
check "no recipient: cupsd held it for account information" bash -c "grep -a '\[Job $id\]' '$CUPS_DIR/log/error_log' | grep -q 'account information is required'"
n1=$(srv_get "/api/v1/jobs?state=needs-recipient" | grep -o '"state"' | wc -l)
is "no recipient: one job waits on the server" "$n1" 1
lp -i "$id" -H resume >/dev/null
sleep 1
check "released without a number: held again" wait_job_state "$id" pending-held 40
n2=$(srv_get "/api/v1/jobs?state=needs-recipient" | grep -o '"state"' | wc -l)
is "released without a number: still one job on the server (same Idempotency-Key)" "$n2" 1
check "the second run was answered as a repeat (HTTP 200)" bash -c "grep -a '\[Job $id\]' '$CUPS_DIR/log/error_log' | grep -q 'server answered HTTP 200 state=needs-recipient'"
cancel "$id"

# Rejected input: the server answers 400, the backend cancels the job with
# the server's Swedish ERROR: line.
printf 'MMPRINT-JOB 1\nrecipient: %s\ndocument-type: application/pdf\ndocument-length: 5\n\nhello' "$B" > "$T/bad.job"
id=$(submit -o raw "$T/bad.job")
check "not a PDF: job is cancelled" wait_job_state "$id" canceled 40
check "not a PDF: an ERROR line in Swedish" bash -c "grep -a '\[Job $id\]' '$CUPS_DIR/log/error_log' | grep -q '^E .*Dokumentet är inte en PDF'"
printf 'garbage\n' > "$T/garbage.job"
id=$(submit -o raw "$T/garbage.job")
# Not our bundle: the backend holds it (issue 10; it used to post it and
# cancel the job on the server's 400), nothing is sent.
check "not a bundle: job is held" wait_job_state "$id" pending-held 40
contains "not a bundle: the reason is shown" "$(job_log "$id" | grep '^E ')" "kom inte genom mmprint-filtret"
cancel "$id"
is "rejected input: nothing sent to B" "$(inbox_count "$B")" 0

# The server goes down: CUPS holds the job and retries; when the server is
# back the letter arrives exactly once.
stop_mmprintd
make_bundle "$T/b.job" "$T/letter.pdf" "recipient=$B" "${common[@]}" cups-job-id=6
id=$(submit -o raw "$T/b.job")
check "server down: job held for retry" wait_job_state "$id" pending-held 30
contains "server down: the job says the server does not answer" "$(job_message "$id")" "mmprint-servern svarar inte"
start_mmprintd || not_ok "mmprintd restarts"
check "server back: the job completes by itself" wait_job_state "$id" completed 60
wait_inbox "$B" 1 20
sleep 1
is "server back: exactly one letter" "$(inbox_count "$B")" 1

# A machine whose certificate the server's CA did not sign: the server
# refuses it; the job is not lost (held for retry or the queue stopped).
mkdir -p "$T/rogue"
cp "$PKI/rogue.crt" "$PKI/rogue.key" "$T/rogue/"
chmod 600 "$T/rogue/rogue.key"
backend_conf "$T/rogue/rogue.crt" "$T/rogue/rogue.key" "$PKI/ca.crt"
make_bundle "$T/c.job" "$T/letter.pdf" "recipient=$C" "${common[@]}" cups-job-id=7
id=$(submit -o raw "$T/c.job")
check "rogue client: the job is kept (held or pending)" wait_job_state "$id" "pending-held|pending" 30
sleep 1
is "rogue client: nothing delivered" "$(inbox_count "$C")" 0
backend_conf "$T/keys/client-desk1.crt" "$T/keys/client-desk1.key" "$T/keys/ca.crt"
cupsenable "$CUPS_QUEUE"
check "with the right certificate the kept job is delivered" wait_job_state "$id" completed 60
wait_inbox "$C" 1 20
is "… once" "$(inbox_count "$C")" 1

# Privacy: the backend's own lines (not cupsd's debug dump of argv) never
# carry a full personnummer.
leak=0
for p in "$A" "$B" "$C" "$NOMAILBOX"; do
  grep -a -v -e 'argv\[' -e 'envp\[' "$CUPS_DIR/log/error_log" | grep -q -e "$p" -e "${p:0:8}-${p:8:4}" && leak=$((leak + 1))
done
is "no full personnummer in the backend's log lines" "$leak" 0

check_no_sanitizer_reports
stop_cupsd
done_testing
