#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The queue on a central print server: `mmprint-queue install --shared`
# makes "Mina meddelanden" printable from other machines over IPP.  The
# workstation is a second private cupsd with none of our software and a
# driverless queue (lpadmin -m everywhere) for the shared queue; Windows
# desktops are played by ipptool sending what their class drivers send.
# Each letter ends where it should: text letters in the mailbox, raster
# letters (no text) held for the handläggare with a Swedish reason.  A
# queue that is not shared refuses the workstation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

A=$(test_pnr 111) # the PDF letter, printed on the workstation
B=$(test_pnr 222) # the PostScript letter, printed on the workstation
C=$(test_pnr 333) # PostScript straight over IPP (Windows' PS Class Driver)
D=$(test_pnr 444) # completes the raster letter
dashed() { echo "${1:0:8}-${1:8:4}"; }

# cupsd counts all of 127.0.0.0/8 as "localhost", to which every queue is
# open: the workstation must reach us from another address.
CUPSD_LAN=$(lan_address)
if [ -z "$CUPSD_LAN" ]; then
  echo "1..0 # SKIP this machine has no non-loopback IPv4 address to play a remote workstation from"
  exit 0
fi
export CUPSD_LAN
start_stack "$(sim_recipient "$A")" "$(sim_recipient "$B")" "$(sim_recipient "$C")" "$(sim_recipient "$D")" ||
  { not_ok "the print server starts"; done_testing; exit 1; }
ok "the print server starts (mmsimd, ippeveprinter, mmprintd, cupsd on $CUPSD_LAN, the queue)"
start_remote_cupsd || { not_ok "the workstation's cupsd starts"; done_testing; exit 1; }
ok "the workstation's cupsd starts (no mmprint filter, backend, PPD or MIME files)"

SHARED_URI=ipp://$CUPSD_LAN:$CUPSD_PORT/printers/$CUPS_QUEUE
make_letter "$T/a.pdf" "text:Exempelkommun" "text:Personnummer: $(dashed "$A")" "text:Beslut om bistånd"
# ps_letter OUT NUMBER: a PostScript letter whose page text names NUMBER.
ps_letter() {
  cat > "$1" <<EOF
%!PS-Adobe-3.0
%%Pages: 1
%%EndComments
%%Page: 1 1
/Helvetica findfont 12 scalefont setfont
72 760 moveto (Exempelkommun) show
72 744 moveto (Personnummer: $(dashed "$2")) show
72 728 moveto (Beslut om bistand) show
showpage
%%EOF
EOF
}
ps_letter "$T/b.ps" "$B"
ps_letter "$T/c.ps" "$C"
# The raster letters: what the IPP Class Driver (PWG) and AirPrint (URF)
# send, rendered from a letter that names A (an image has no text left).
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pwgraster -r150 -sPAPERSIZE=a4 -sOutputFile="$T/letter.pwg" "$T/a.pdf" 2>/dev/null &&
  [ "$(head -c 4 "$T/letter.pwg")" = RaS2 ] || { not_ok "ghostscript makes a PWG raster"; done_testing; exit 1; }
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=urf -r150 -sPAPERSIZE=a4 -sOutputFile="$T/letter.urf" "$T/a.pdf" 2>/dev/null &&
  [ "$(head -c 7 "$T/letter.urf")" = UNIRAST ] || { not_ok "ghostscript makes a URF raster"; done_testing; exit 1; }

# srv_job_by USER: the server's newest job of a CUPS user (JSON).
srv_job_by() { srv_get /api/v1/jobs | jq -c --arg u "$1" '[.jobs[] | select(.user == $u)] | last'; }
wait_remote_state() { # JOBID STATE SECONDS
  local i
  for ((i = 0; i < $3 * 5; i++)); do
    [ "$(remote_job_state Remote "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  echo "workstation job $1: $(remote_job_state Remote "$1"), wanted $2" >&2
  return 1
}

# ---- refused: the queue as installed by default is not shared ----
is "by default the queue is not shared" "$(printer_attr "$CUPS_QUEUE" printer-is-shared)" false
check "the workstation adds a driverless queue for it (lpadmin -m everywhere)" \
  add_remote_queue Remote "$SHARED_URI" everywhere
id=$(remote_submit Remote -U anna "$T/a.pdf")
check "the workstation's job waits, refused by the print server" wait_remote_state "$id" pending-held 20
check "the print server said why: not shared" \
  grep -a -q "The printer or class is not shared" "$CUPS_DIR/log/error_log"
out=$(ipp_print "$SHARED_URI" "$T/letter.pwg" image/pwg-raster anna)
contains "a Windows desktop's Print-Job is refused: not shared" "$out" "client-error-not-authorized: The printer or class is not shared"
is "nothing reached the mailbox" "$(inbox_count "$A")" 0
remote_cups cancel "$id"

# ---- mmprint-queue --shared refuses a cupsd that takes nothing from the network ----
ppd=$(_find_ppd)
out=$(CUPS_SERVER=$REMOTE_CUPS_SERVER "$MM_SRCDIR/tools/mmprint-queue" install --shared \
  --server "127.0.0.1:$SRV_PORT" --ppd "$ppd" 2>&1)
rc=$?
is "install --shared on a cupsd that does not share printers fails" "$rc" 1
contains "... and says cupsd takes no jobs from other machines" "$out" "does not take print jobs from other machines"
contains "... and how to change that" "$out" "cupsctl --share-printers"
check_fails "... and installed nothing there" remote_cups lpstat -p "$CUPS_QUEUE"

# ---- share it ----
out=$(install_shared_queue "127.0.0.1:$SRV_PORT" 2>&1)
is "install --shared succeeds on the print server" "$?" 0
contains "install --shared tells the workstations' URI" "$out" "ipp://"
contains "... with the queue's path" "$out" "/printers/$CUPS_QUEUE"
if [[ "$out" == *warning* ]]; then not_ok "install --shared finds a filter for every format"; diag "$out"; else
  ok "install --shared finds a filter for every format (PDF, PostScript, PWG Raster, URF)"; fi
shared=$(printer_attr "$CUPS_QUEUE" printer-is-shared)
is "the queue is shared" "$shared" true
if [ "$shared" != true ]; then
  # Every letter below would only wait for its timeout.
  echo "Bail out! the queue is not shared, so no workstation can print to it"
  done_testing
  exit 1
fi
formats=$(printer_attr "$CUPS_QUEUE" document-format-supported)
for f in application/pdf application/postscript image/pwg-raster image/urf; do
  contains "driverless clients see $f in document-format-supported" ",$formats," ",$f,"
done
check "... with the PWG raster resolutions IPP Everywhere needs" test -n "$(printer_attr "$CUPS_QUEUE" pwg-raster-document-resolution-supported)"
check "... and urf-supported for AirPrint" test -n "$(printer_attr "$CUPS_QUEUE" urf-supported)"
remote_cups lpadmin -x Remote
check "the workstation adds the shared queue driverless (lpadmin -m everywhere)" \
  add_remote_queue Remote "$SHARED_URI" everywhere

# ---- a PDF from the workstation: recipient in the text, delivered ----
id=$(remote_submit Remote -U anna -t "Beslut A" "$T/a.pdf")
check "PDF: the workstation's job completes" wait_remote_state "$id" completed 40
check "PDF: the letter reaches A's mailbox" wait_inbox "$A" 1 20
is "PDF: exactly one letter" "$(inbox_count "$A")" 1
job=$(srv_job_by anna)
is "PDF: the server's job is the workstation user's (anna)" "$(jq -r .user <<<"$job")" anna
is "PDF: the server's job is delivered" "$(jq -r .state <<<"$job")" delivered

# ---- PostScript from the workstation: found in the page text, delivered ----
id=$(remote_submit Remote -U bertil "$T/b.ps")
check "PostScript: the workstation's job completes" wait_remote_state "$id" completed 40
check "PostScript: the letter reaches B's mailbox (number from the page text)" wait_inbox "$B" 1 20
is "PostScript: exactly one letter" "$(inbox_count "$B")" 1
is "PostScript: the server found it in the text" "$(jq -r .recipient_source <<<"$(srv_job_by bertil)")" text

# ---- PostScript straight over IPP, as the PS Class Driver sends it ----
id=$(ipp_print "$SHARED_URI" "$T/c.ps" application/postscript cecilia)
check "PS Class Driver: the print server converts the PostScript and completes" wait_job_state "$id" completed 40
check "PS Class Driver: the letter reaches C's mailbox" wait_inbox "$C" 1 20
is "PS Class Driver: exactly one letter" "$(inbox_count "$C")" 1

# ---- PWG raster and URF (IPP Class Driver, IPP Everywhere, AirPrint): held ----
for kind in pwg-raster urf; do
  file=$T/letter.pwg
  [ "$kind" = urf ] && file=$T/letter.urf
  id=$(ipp_print "$SHARED_URI" "$file" "image/$kind" david)
  if [ -z "$id" ] || [[ "$id" == *:* ]]; then not_ok "$kind: the print server takes the job"; diag "$id"; continue; fi
  ok "$kind: the print server takes the job ($id)"
  check "$kind: the letter (an image, no text) is held" wait_job_state "$id" pending-held 40
  msg=$(job_message "$id")
  contains "$kind: the CUPS job says in Swedish that the letter came as an image" "$msg" "brevet kom som en bild utan text"
  contains "$kind: ... lpstat -l shows it" "$(lpstat -l -W not-completed -o "$CUPS_QUEUE")" "brevet kom som en bild utan text"
  job=$(srv_job_by david)
  is "$kind: the server holds the job as needs-recipient" "$(jq -r .state <<<"$job")" needs-recipient
  contains "$kind: the server's job says so too" "$(jq -r .message <<<"$job")" "brevet kom som en bild utan text"
  is "$kind: nothing reached A's mailbox from the picture of A's letter" "$(inbox_count "$A")" 1
  if [ "$kind" = urf ]; then cancel "$id"; else pwg_id=$id; fi
done
# The held picture is a real letter: completed with a number, it is delivered.
id=${pwg_id:-0}
check "the held PWG letter completes once the number is added" lp -i "$id" -o "Personnummer=$D" -H resume
[ "$(job_state "$id")" = completed ] || wait_job_state "$id" completed 40
check "... and reaches D's mailbox" wait_inbox "$D" 1 20

check_no_sanitizer_reports
stop_remote_cupsd
stop_cupsd
done_testing
