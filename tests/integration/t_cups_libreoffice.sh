#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# A case worker prints a Writer letter from LibreOffice to "Mina
# meddelanden".  LibreOffice's print path keeps no metadata (only /Title =
# the file name), so the recipient is found in the page text
# ("Personnummer: ÅÅÅÅMMDD-NNNN").  soffice honours CUPS_SERVER like any
# libcups client, so it prints to the private cupsd.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

if ! command -v soffice >/dev/null; then
  not_ok "LibreOffice is installed (tools/install-deps installs libreoffice-writer)"
  done_testing; exit 1
fi
A=$(test_pnr 404)
start_stack "$(sim_recipient "$A")" || { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts"

mkdir -p "$T/lo"
cat > "$T/lo/beslut.txt" <<TXT
Exempelkommun
Socialförvaltningen

Beslut om bistånd

Personnummer: ${A:0:8}-${A:8:4}

Hej! Du har beviljats bistånd enligt socialtjänstlagen.
Med vänliga hälsningar, Handläggaren
TXT
# A real Writer document: converted by LibreOffice itself.
(cd "$T/lo" && timeout 120 soffice --headless -env:UserInstallation=file://$T/lo/profile \
  --convert-to odt beslut.txt >"$T/lo/convert.log" 2>&1)
check "LibreOffice made an .odt letter" test -s "$T/lo/beslut.odt"

before=$(lpstat -W all -o "$CUPS_QUEUE" 2>/dev/null | wc -l)
(cd "$T/lo" && timeout 120 soffice --headless -env:UserInstallation=file://$T/lo/profile \
  --pt "$CUPS_QUEUE" beslut.odt >"$T/lo/print.log" 2>&1)
check "soffice --pt $CUPS_QUEUE exits 0" test $? -eq 0
id=""
for ((i = 0; i < 100; i++)); do
  id=$(lpstat -W all -o "$CUPS_QUEUE" 2>/dev/null | sed -n "s/^$CUPS_QUEUE-\([0-9]*\) .*/\1/p" | sort -n | tail -n 1)
  [ -n "$id" ] && [ "$(lpstat -W all -o "$CUPS_QUEUE" | wc -l)" -gt "$before" ] && break
  sleep 0.2
done
check "LibreOffice's job reached the private cupsd" test -n "$id"
check "the job completes" wait_job_state "$id" completed 60
wait_inbox "$A" 1 30
is "the letter reached the recipient's Kivra mailbox" "$(inbox_count "$A")" 1
contains "the job says it was delivered" "$(job_log "$id")" "Levererat digitalt till Kivra"
# The server's journal records where the number was found: the page text.
sid=$(srv_get "/api/v1/jobs?user=root" | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"]; print(j[-1]["id"] if j else "")' 2>/dev/null)
check "the server has the job" test -n "$sid"
journal=$(srv_get "/api/v1/jobs/$sid")
field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$1" <<<"$journal"; }
is "the server recorded the page text as the recipient source" "$(field recipient_source)" "text"
is "the server job is delivered" "$(field state)" "delivered"
contains "the journal names the masked recipient and its source" "$journal" "recipient ${A:0:8}-**** (text)"

check_no_sanitizer_reports
stop_cupsd
done_testing
