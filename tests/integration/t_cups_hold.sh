#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A letter without a recipient is held in CUPS (account-info-needed) with a
# Swedish instruction, and completed either with
# `lp -i ID -o Personnummer=N -H resume` or `mmctl release ID N`: one letter,
# to the right mailbox, and no second job on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

A=$(test_pnr 101)
B=$(test_pnr 202)
start_stack "$(sim_recipient "$A")" "$(sim_recipient "$B")" || { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts"

make_letter "$T/noone.pdf" "text:Beslut om bistånd" "text:Ingen mottagare angiven här."

for how in lp mmctl; do
  pnr=$A; [ "$how" = mmctl ] && pnr=$B
  id=$(submit "$T/noone.pdf")
  check "$how: the job without a recipient is held" wait_job_state "$id" pending-held 40
  msg=$(job_message "$id")
  contains "$how: the held job tells how to add the number (Swedish)" "$msg" "Personnummer saknas"
  contains "$how: ... with the lp command" "$msg" "-o Personnummer="
  check "$how: cupsd recorded account-info-needed" bash -c "grep -a '\[Job $id\]' '$CUPS_DIR/log/error_log' | grep -q 'account information is required'"
  is "$how: nothing delivered while held" "$(inbox_count "$pnr")" 0
  jobs=$(srv_get "/api/v1/jobs?state=needs-recipient")
  contains "$how: the server keeps the job as needs-recipient" "$jobs" "needs-recipient"

  if [ "$how" = lp ]; then
    check "lp -i $id -o Personnummer=… -H resume" lp -i "$id" -o "Personnummer=$pnr" -H resume
  else
    check "mmctl release $id …" "$MMCTL" release "$id" "${pnr:0:8}-${pnr:8:4}"
  fi
  check "$how: the released job completes" wait_job_state "$id" completed 40
  wait_inbox "$pnr" 1 20
  is "$how: exactly one letter reached the mailbox" "$(inbox_count "$pnr")" 1
  contains "$how: the job says it was delivered" "$(job_log "$id")" "Levererat digitalt till Kivra"
  n=$(srv_get "/api/v1/jobs?state=needs-recipient" | grep -o '"id"' | wc -l)
  is "$how: no job left waiting for a recipient on the server" "$n" 0
done

# What print dialogs send when nothing was typed: "None" (GTK, the PPD's
# only fixed choice) and a bare "Custom" (Qt has no text field).  Both mean
# "no number": the job is held, never sent anywhere.
for v in None Custom; do
  id=$(submit -o "Personnummer=$v" "$T/noone.pdf")
  check "Personnummer=$v: the job is held for a number" wait_job_state "$id" pending-held 40
  contains "Personnummer=$v: the held job says the number is missing" "$(job_message "$id")" "Personnummer saknas"
  cancel "$id"
done

# mmctl release on a job that is not held says so and changes nothing.
id=$(submit -o "Personnummer=$A" "$T/noone.pdf")
wait_job_state "$id" completed 40
out=$("$MMCTL" release "$id" "$A" 2>&1); rc=$?
is "mmctl release on a completed job fails" "$rc" 1
contains "… and says the job is not held" "$out" "inte pausat"
out=$("$MMCTL" release "$id" 12345 2>&1); rc=$?
is "mmctl release with a malformed number is a usage error" "$rc" 2
wait_inbox "$A" 2 20
is "the extra letter to A was delivered once (2 in total)" "$(inbox_count "$A")" 2

check_no_sanitizer_reports
stop_cupsd
done_testing
