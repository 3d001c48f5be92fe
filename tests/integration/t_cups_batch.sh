#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The batch queue (massutskick) through the real print path: lp -> private
# cupsd -> pdftomm (MMBatch=True from the queue's PPD) -> mmprint backend,
# streaming the batch bundle -> mmprintd, which splits it into letters ->
# mmsimd (Kivra) or ippeveprinter (print room).  The CUPS job ends with the
# server's Swedish one-liner; the same PDF on the ordinary queue is not split;
# a batch in doubt is held with its Swedish reason; a server that is down is
# waited for; a batch over batch_max_bytes is refused with a Swedish line;
# mmctl batch submit sends a batch with a manifest, without CUPS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

for i in $(seq 1 8); do P[i]=$(test_pnr $((i * 41))); done
NOMB=$(test_pnr 977)
regs=()
for i in $(seq 1 8); do regs+=("$(sim_recipient "${P[i]}")"); done
# A small batch limit so that the oversize batch below is cheap to make.
SRV_CONF_EXTRA="batch_max_bytes = 400000" BACKEND_CONF_EXTRA="batch_wait = 90" start_stack "${regs[@]}" ||
  { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts (mmsimd, ippeveprinter, mmprintd, cupsd, queue)"

BQ=Mina_meddelanden_massutskick
out=$("$MM_SRCDIR/tools/mmprint-queue" install --batch --server "127.0.0.1:$SRV_PORT" --ppd "$(_find_ppd)" 2>&1)
check "mmprint-queue install --batch installs the batch queue ($out)" lpstat -p "$BQ"
contains "the batch queue is described as Mina meddelanden – massutskick" "$(lpstat -l -p "$BQ")" "Mina meddelanden – massutskick"
contains "the batch queue's PPD default is MMBatch=True" "$(lpoptions -p "$BQ" -l)" "MMBatch/Massutskick: False *True"
contains "the ordinary queue's PPD default stays MMBatch=False" "$(lpoptions -p "$CUPS_QUEUE" -l)" "MMBatch/Massutskick: *False True"

dashed() { echo "${1:0:8}-${1:8:4}"; }
# mkbatch OUT PAGE...: a PDF with one page per argument, its lines split at '|'.
mkbatch() {
  python3 - "$@" <<'PY'
import sys
out, pages = sys.argv[1], sys.argv[2:]
def s(t):
    b = t.encode("latin-1")
    return b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
kids = []
for p in pages:
    body = b"BT /F1 12 Tf 72 760 Td 16 TL " + b" ".join(s(l) + b" '" for l in p.split("|")) + b" ET"
    objs.append(b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % len(objs))
    kids.append(b"%d 0 R" % len(objs))
objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
d = b"%PDF-1.4\n"
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(d)); d += b"%d 0 obj\n" % i + o + b"\nendobj\n"
x = len(d)
d += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
d += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(out, "wb").write(d)
PY
}
# letter NUMBER: the two pages of one letter (address page, second page).
letter() { printf '%s\n' "Exempelkommun|Personnummer: $(dashed "$1")|Beslut om bistånd" "Sida 2 av beslutet|Med vänlig hälsning"; }

# bsubmit ARGS: lp on the batch queue; prints the job id only.
bsubmit() {
  local o
  o=$(lp -d "$BQ" "$@") || return 1
  sed -n 's/^request id is [^ ]*-\([0-9]*\) .*/\1/p' <<<"$o"
}
# final_message JOBID: the job's last job-printer-state-message: the
# attribute while the job is held or stopped; cupsd clears it when a job
# completes, so then the last value it set (error_log).
final_message() {
  local m
  m=$(job_message "$1")
  [ -n "$m" ] || m=$(job_log "$1" | sed -n 's/.*Set job-printer-state-message to "\(.*\)", current level.*/\1/p' | tail -n 1)
  printf '%s\n' "$m"
}

# 1. pages:2 over ten pages: five letters, four digital, one on paper.
mapfile -t pg < <(letter "${P[1]}"; letter "${P[2]}"; letter "${P[3]}"; letter "${P[4]}"; letter "$NOMB")
mkbatch "$T/ten.pdf" "${pg[@]}"
prints0=$(printroom_count)
id=$(bsubmit -o mm-split=pages:2 -t "Beslut natt" "$T/ten.pdf")
check "pages:2: lp accepted the batch ($id)" test -n "$id"
if wait_job_state "$id" completed 120; then ok "pages:2: the CUPS job completed"; else
  not_ok "pages:2: the CUPS job completed"; diag "$(job_log "$id" | grep -v ' D ' | tail -n 8)"; fi
msg=$(final_message "$id")
is "pages:2: the job shows the Swedish summary" "$msg" "5 brev: 4 digitalt, 1 till utskrift"
contains "pages:2: the summary was the backend's INFO line" "$(job_log "$id")" 'Set job-printer-state-message to "5 brev: 4 digitalt, 1 till utskrift"'
for i in 1 2 3 4; do wait_inbox "${P[i]}" 1 30; done
is "pages:2: one letter in each of the four mailboxes" \
  "$(inbox_count "${P[1]}")$(inbox_count "${P[2]}")$(inbox_count "${P[3]}")$(inbox_count "${P[4]}")" 1111
for ((i = 0; i < 150; i++)); do [ "$(printroom_count)" -gt "$prints0" ] && break; sleep 0.2; done
check "pages:2: the letter without a mailbox reached the print room" test "$(printroom_count)" -gt "$prints0"
is "pages:2: nothing for the number without a mailbox in any mailbox" "$(inbox_count "$NOMB")" 0

# 2. Page text (the queue's default, auto: no outline): the same layout.
mapfile -t pg < <(letter "${P[5]}"; letter "${P[6]}")
mkbatch "$T/text.pdf" "${pg[@]}"
id=$(bsubmit "$T/text.pdf")
check "page text: the CUPS job completed" wait_job_state "$id" completed 120
is "page text: the job shows the Swedish summary" "$(final_message "$id")" "2 brev: 2 digitalt"
wait_inbox "${P[5]}" 1 30; wait_inbox "${P[6]}" 1 30
is "page text: one letter in each mailbox" "$(inbox_count "${P[5]}")$(inbox_count "${P[6]}")" 11

# 3. The same ten pages on the ordinary queue: never split, held as today
#    (many numbers); a job option cannot make it a batch.
id=$(submit -o MMBatch=True "$T/ten.pdf")
check "ordinary queue: the multi-letter PDF is held, not split" wait_job_state "$id" pending-held 60
contains "ordinary queue: held for its several numbers, as before" "$(job_log "$id")" "Flera olika personnummer"
check_fails "ordinary queue: no batch was made of it" grep -q "Massutskick" <<<"$(job_log "$id")"
cancel "$id" 2>/dev/null

# 4. pages:3 over ten pages: the split is in doubt, the whole batch held.
inbox0=$(cat "$SIM_INBOX/index.tsv" 2>/dev/null | wc -l)
id=$(bsubmit -o mm-split=pages:3 "$T/ten.pdf")
check "pages:3 over 10 pages: the CUPS job is held" wait_job_state "$id" pending-held 60
msg=$(final_message "$id")
check "pages:3: the job shows the Swedish reason ($msg)" grep -q -E "sidor|Sidantalet|jämnt" <<<"$msg"
sleep 1
is "pages:3: no letter was sent" "$(cat "$SIM_INBOX/index.tsv" 2>/dev/null | wc -l)" "$inbox0"
cancel "$id" 2>/dev/null

# 5. A bad split word is refused by the filter with a Swedish line.
id=$(bsubmit -o mm-split=pages:0 "$T/ten.pdf")
check "mm-split=pages:0: the job stops" wait_job_state "$id" processing-stopped 40
contains "mm-split=pages:0: the filter says why in Swedish" "$(final_message "$id")" "Okänt val för Dela upp i brev"
cancel "$id" 2>/dev/null

# 6. The server is down: the job waits and is retried, then completes once.
stop_mmprintd
mapfile -t pg < <(letter "${P[7]}")
mkbatch "$T/one.pdf" "${pg[@]}"
id=$(bsubmit -o mm-split=pages:2 "$T/one.pdf")
check "server down: the batch job is held for a retry" wait_job_state "$id" pending-held 40
contains "server down: the job says the server does not answer" "$(final_message "$id")" "mmprint-servern svarar inte"
SRV_CONF_EXTRA="batch_max_bytes = 400000" start_mmprintd || not_ok "the server restarts"
check "server back: the batch job completes by itself" wait_job_state "$id" completed 120
is "server back: the job shows the summary" "$(final_message "$id")" "1 brev: 1 digitalt"
wait_inbox "${P[7]}" 1 30
sleep 1
is "server back: exactly one letter" "$(inbox_count "${P[7]}")" 1

# 7. Over batch_max_bytes: refused with the server's Swedish line, not retried.
mkbatch "$T/big.pdf" "$(python3 -c 'print("|".join(["x" * 90] * 45))')" \
  $(for i in $(seq 1 120); do printf '%s ' "$(python3 -c 'print("|".join(["y" * 90] * 40))')"; done)
id=$(bsubmit -o mm-split=pages:1 "$T/big.pdf")
check "oversize ($(stat -c %s "$T/big.pdf") bytes): the job ends" wait_job_state "$id" "aborted|canceled|completed" 60
contains "oversize: the job shows the server's Swedish reason" "$(final_message "$id")" "Massutskicket är för stort"
is "oversize: not retried (one run of the backend)" "$(job_log "$id" | grep -c 'streaming the batch bundle')" 1

# 8. mmctl batch submit with a manifest CSV, --wait; show; list; a refused client.
export MMPRINT_BACKEND_CONF=$CUPS_DIR/backend.conf MMCTL_SERVER=127.0.0.1:$SRV_PORT
mapfile -t pg < <(letter "${P[8]}"; letter "${P[1]}")
mkbatch "$T/man.pdf" "${pg[@]}"
printf 'first_page;last_page;recipient;reference\n1;2;%s;Beslut 1\n3;4;%s;Beslut 2\n' "${P[8]}" "${P[1]}" > "$T/man.csv"
before1=$(inbox_count "${P[1]}")
out=$("$MMCTL" batch submit "$T/man.pdf" "$T/man.csv" --title "Nattkörning" --wait 2>&1); rc=$?
is "mmctl batch submit --wait: exit 0" "$rc" 0
contains "mmctl batch submit --wait: the Swedish summary" "$out" "2 brev: 2 digitalt"
bid=$(awk -F'\t' 'NR==1{print $1}' <<<"$out")
wait_inbox "${P[8]}" 1 30
is "manifest: the letter reached its mailbox" "$(inbox_count "${P[8]}")" 1
is "manifest: the second letter too" "$(inbox_count "${P[1]}")" $((before1 + 1))
out=$("$MMCTL" batch show "$bid" 2>&1)
contains "mmctl batch show: every letter listed" "$out" "SEQ"
is "mmctl batch show: two letters" "$(grep -c -E $'^[0-9]+\t[0-9]+-[0-9]+\t' <<<"$out")" 2
check_fails "mmctl batch show: no full personnummer" grep -q "${P[8]}" <<<"$out"
contains "mmctl batch list: the batch is there" "$("$MMCTL" batch list 2>&1)" "$bid"
mkdir -m 700 -p "$T/keys2"
cp "$PKI/client-desk2.crt" "$PKI/client-desk2.key" "$PKI/ca.crt" "$T/keys2/"
chmod 600 "$T/keys2/client-desk2.key"
printf 'cert = %s\nkey = %s\nca = %s\n' "$T/keys2/client-desk2.crt" "$T/keys2/client-desk2.key" "$T/keys2/ca.crt" > "$T/keys2/client.conf"
out=$("$MMCTL" batch -C "$T/keys2/client.conf" show "$bid" 2>&1); rc=$?
is "another workstation may not read the batch: exit 1" "$rc" 1
contains "another workstation: the server's Swedish answer" "$out" "Massutskicket finns inte"
out=$("$MMCTL" batch submit "$T/man.pdf" --split pages:0 2>&1); rc=$?
is "mmctl batch submit --split pages:0: usage error" "$rc" 2
echo "not a pdf" > "$T/not.pdf"
out=$("$MMCTL" batch submit "$T/not.pdf" 2>&1); rc=$?
is "mmctl batch submit of a non-PDF: refused" "$rc" 1
contains "mmctl batch submit of a non-PDF: says so" "$out" "is not a PDF file"

check_no_sanitizer_reports
stop_cupsd
done_testing
