#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The server is down while a case worker prints: CUPS holds the job and
# retries it (printer-error-policy=retry-job, JobRetryInterval 2 s here);
# when the server is back the letter arrives, once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

A=$(test_pnr 303)
start_stack "$(sim_recipient "$A")" || { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts"

stop_mmprintd
make_letter "$T/letter.pdf" "text:Beslut" "text:Personnummer: ${A:0:8}-${A:8:4}"
id=$(submit "$T/letter.pdf")
check "server down: the job is held for a retry" wait_job_state "$id" pending-held 30
contains "server down: the job says the server does not answer" "$(job_message "$id")" "mmprint-servern svarar inte"
is "server down: reason resources-are-not-ready" "$(job_state_reasons "$id")" "resources-are-not-ready"
contains "server down: the queue stays enabled" "$(lpstat -p "$CUPS_QUEUE")" "enabled"
for ((i = 0; i < 80; i++)); do
  tries=$(grep -a -c "\[Job $id\] Backend returned status 6" "$CUPS_DIR/log/error_log")
  [ "$tries" -ge 2 ] && break
  sleep 0.5
done
check "CUPS kept retrying ($tries attempts)" test "$tries" -ge 2
is "nothing delivered while the server is down" "$(inbox_count "$A")" 0

start_mmprintd || not_ok "the server restarts"
check "server back: the job completes by itself" wait_job_state "$id" completed 60
wait_inbox "$A" 1 20
sleep 2
is "server back: exactly one letter" "$(inbox_count "$A")" 1
contains "server back: the job says it was delivered" "$(job_log "$id")" "Levererat digitalt till Kivra"

check_no_sanitizer_reports
stop_cupsd
done_testing
