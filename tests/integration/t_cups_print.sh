#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Printing through the real path: lp -> private cupsd -> pdftomm -> mmprint
# backend -> mmprintd -> mmsimd (Kivra) or ippeveprinter (print room).
# One letter per recipient source, PostScript input, paper fallback, and bad
# input that must end visibly without anything being sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

for i in $(seq 1 12); do P[i]=$(test_pnr $((i * 37))); done
NOMAILBOX=$(test_pnr 999)
regs=()
for i in $(seq 1 12); do regs+=("$(sim_recipient "${P[i]}")"); done
start_stack "${regs[@]}" || { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts (mmsimd, ippeveprinter, mmprintd, cupsd, queue)"

dashed() { echo "${1:0:8}-${1:8:4}"; }
masked() { echo "${1:0:8}-****"; }

# print_and_check NAME NUMBER LP-ARGS...: the letter reaches NUMBER's mailbox
# exactly once and the job completes saying so in Swedish.
print_and_check() {
  local name=$1 pnr=$2; shift 2
  local id
  id=$(submit "$@")
  if [ -z "$id" ]; then not_ok "$name: lp accepted the job"; return; fi
  if wait_job_state "$id" completed 40; then ok "$name: job $id completed"; else
    not_ok "$name: job $id completed"; diag "$(job_log "$id" | grep -v ' D ' | tail -n 5)"; fi
  wait_inbox "$pnr" 1 20
  is "$name: exactly one letter in the mailbox of $(masked "$pnr")" "$(inbox_count "$pnr")" 1
  contains "$name: the job said where it went" "$(job_log "$id")" "Levererat digitalt till Kivra"
}

make_letter "$T/plain.pdf" "text:Beslut om bistånd" "text:Hej! Detta är ett beslut."
print_and_check "option Personnummer" "${P[1]}" -o "Personnummer=${P[1]}" "$T/plain.pdf"
print_and_check "option Personnummer=Custom.N (print dialogs)" "${P[2]}" -o "Personnummer=Custom.$(dashed "${P[2]}")" "$T/plain.pdf"
print_and_check "job-billing" "${P[3]}" -o "job-billing=${P[3]}" "$T/plain.pdf"
make_letter "$T/info.pdf" "info:MMRecipient=${P[4]}" "text:Beslut"
print_and_check "PDF Info key /MMRecipient" "${P[4]}" "$T/info.pdf"
# The XMP namespace and property are the ones lib/discover.h documents.
xmp_ns=$(sed -n 's/^#define MM_XMP_NS "\(.*\)"/\1/p' "$MM_SRCDIR/lib/discover.h")
xmp_prop=$(sed -n 's/^#define MM_XMP_PROPERTY "\(.*\)"/\1/p' "$MM_SRCDIR/lib/discover.h")
make_letter "$T/xmp.pdf" "xmp:$xmp_ns|mmr|$xmp_prop=${P[5]}" "text:Beslut"
print_and_check "XMP property" "${P[5]}" "$T/xmp.pdf"
make_letter "$T/kw.pdf" "info:Keywords=beslut, mm-recipient=${P[6]}" "text:Beslut"
print_and_check "/Keywords mm-recipient=" "${P[6]}" "$T/kw.pdf"
make_letter "$T/subj.pdf" "info:Subject=Beslut om bistånd mm:$(dashed "${P[7]}")" "text:Beslut"
print_and_check "/Subject marker" "${P[7]}" "$T/subj.pdf"
print_and_check "job title marker" "${P[8]}" -t "mm:${P[8]} Beslut" "$T/plain.pdf"
make_letter "$T/text.pdf" "text:Exempelkommun" "text:Personnummer: $(dashed "${P[9]}")" "text:Beslut om bistånd"
print_and_check "page text (label + number)" "${P[9]}" "$T/text.pdf"

# PostScript (what Windows drivers and old applications send): CUPS turns it
# into PDF before our filter; the page text still names the recipient.
cat > "$T/letter.ps" <<EOF
%!PS-Adobe-3.0
%%Pages: 1
%%EndComments
%%Page: 1 1
/Helvetica findfont 12 scalefont setfont
72 760 moveto (Exempelkommun) show
72 744 moveto (Personnummer: $(dashed "${P[10]}")) show
72 728 moveto (Beslut om bistand) show
showpage
%%EOF
EOF
print_and_check "PostScript input, number in page text" "${P[10]}" "$T/letter.ps"
print_and_check "PostScript input with -o Personnummer" "${P[11]}" -o "Personnummer=${P[11]}" "$T/letter.ps"

# A recipient without a digital mailbox: paper in the print room.
before=$(printroom_count)
id=$(submit -o "Personnummer=$NOMAILBOX" "$T/plain.pdf")
check "no mailbox: job completes" wait_job_state "$id" completed 40
contains "no mailbox: the job says it went to the print room" "$(job_log "$id")" "Utskriftsrummet (mottagaren har ingen digital brevlåda)"
for ((i = 0; i < 100; i++)); do [ "$(printroom_count)" -gt "$before" ] && break; sleep 0.2; done
is "no mailbox: one print in the print room" "$(printroom_count)" $((before + 1))
is "no mailbox: nothing in any mailbox" "$(inbox_count "$NOMAILBOX")" 0

# Bad input: each job stops ("filter failed"; the document is kept so the
# job can be restarted or cancelled), shows the filter's Swedish reason, and
# nothing is sent anywhere.
letters_before=$(cat "$SIM_INBOX/index.tsv" 2>/dev/null | wc -l)
prints_before=$(printroom_count)
head -c 4000 /dev/urandom > "$T/garbage.bin"
make_letter "$T/secret-src.pdf" "text:Personnummer: $(dashed "${P[12]}")"
qpdf --encrypt hemligt hemligt 256 -- "$T/secret-src.pdf" "$T/encrypted.pdf"
python3 - "$T/nopages.pdf" <<'EOF'
import sys
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
d = b"%PDF-1.4\n"; offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(d)); d += b"%d 0 obj\n%s\nendobj\n" % (i, o)
x = len(d)
d += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
d += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
open(sys.argv[1], "wb").write(d)
EOF
for bad in garbage.bin encrypted.pdf nopages.pdf; do
  id=$(submit -o document-format=application/pdf -o "Personnummer=${P[12]}" "$T/$bad")
  if [ -z "$id" ]; then
    ok "$bad: refused by lp/cupsd at submission"  # nothing queued, the user saw the error
    continue
  fi
  if wait_job_state "$id" "processing-stopped" 40; then
    ok "$bad: job $id ends in a visible state ($(job_state "$id"))"
  else
    not_ok "$bad: job $id ends in a visible state"
  fi
  msg=$(job_message "$id")
  check "$bad: the job shows the filter's Swedish reason ($msg)" grep -q -E "PDF|Dokumentet" <<<"$msg"
done
sleep 2
is "bad input: no letter was sent to any mailbox" "$(cat "$SIM_INBOX/index.tsv" 2>/dev/null | wc -l)" "$letters_before"
is "bad input: nothing was printed" "$(printroom_count)" "$prints_before"

# What a user sees with lpstat: twelve letters done, three jobs stopped.
is "lpstat -W completed lists the 12 sent letters" "$(lpstat -W completed -o "$CUPS_QUEUE" | wc -l)" 12
is "lpstat lists the 3 stopped jobs as not completed" "$(lpstat -o "$CUPS_QUEUE" | wc -l)" 3

# Privacy: no full personnummer in cupsd's logs at LogLevel info and above
# (debug lines carry argv[5], which is why the admin guide says not to run
# production at debug).
leaks=0
for i in $(seq 1 12); do
  if grep -a -v '^D ' "$CUPS_DIR/log/error_log" | grep -q -e "${P[i]}" -e "$(dashed "${P[i]}")"; then
    leaks=$((leaks + 1))
  fi
done
is "no unmasked personnummer in non-debug CUPS log lines" "$leaks" 0

check_no_sanitizer_reports
stop_cupsd
done_testing
