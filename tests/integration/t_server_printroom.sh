#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The print room's printer takes one job at a time and answers
# server-error-busy to the next while it prints, as ippeveprinter and many
# office printers do.  Through the real mmsimd (FaR: no mailbox, so paper),
# mmprintd and ippeveprinter:
# - 30 paper letters submitted at once to a printer that needs a second for
#   each all come out, each with its separator page, in the order they were
#   submitted, within a minute (not stalled by backoff), with no busy answer
#   counted or journaled as a failed attempt, and none failed although most
#   waited longer than print_deadline;
# - a printer that stays busy (another user's long job) is visible: the
#   waiting letter's journal, the log and /metrics say so, and after
#   print_deadline without progress the letters fail for a person to handle;
# - SIGTERM while a letter waits for the printer stops at once; the letter
#   is printed once after the restart.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

N=30
mapfile -t P < <(pins $((N + 5)) 400)
{ # no recipient has a mailbox: every letter goes to paper
  echo "operator kivra id=165567828172 name=Kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }

# The printer: $T/print-secs seconds per job, and a job named "lang-rapport*"
# (another user's long report) holds it until $T/release exists.
cat > "$T/print-cmd" <<EOF
#!/bin/sh
case "\$IPP_JOB_NAME" in
  lang-rapport*) while [ ! -e "$T/release" ]; do sleep 0.05; done ;;
  *) sleep "\$(cat "$T/print-secs")" ;;
esac
EOF
echo 1 > "$T/print-secs"
chmod +x "$T/print-cmd"
[ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] || start_dnssd || { not_ok "DNS-SD for ippeveprinter starts"; done_testing; exit 1; }
mkdir -p "$T/printroom"
IPP_PORT=$(free_port)
PRINTER_URI=ipps://127.0.0.1:$IPP_PORT/ipp/print
ippeveprinter -p "$IPP_PORT" -d "$T/printroom" -f application/pdf -k -K "$(printer_keys)" -c "$T/print-cmd" -n localhost -r off \
  "Utskriftsrummet" >"$T/ipp.log" 2>&1 &
remember_pid $!
wait_port "$IPP_PORT" 20 || { not_ok "ippeveprinter starts"; done_testing; exit 1; }

# The shipped retry settings (1 s doubling up to 300 s), a short print deadline.
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "retry_initial_ms = 1000" "retry_max_ms = 300000" "print_deadline = 5"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }

letter() { # NAME RECIPIENT TEXT: a one-page letter as a job bundle
  mkpdf "$T/$1.pdf" 1 "$3"
  bundle "$T/$1.job" "$T/$1.pdf" "recipient=$2" "recipient-source=option" "user=anna" "pages=1" "title=$3"
}
metric() { api GET /metrics; awk -v m="$1" '$1 == m {print $2}' "$T/resp"; }
# printed_order DIR: for each file at the printer in the printer's job order,
# "job-name, Jobb-id on the separator page, text of the letter's page"
printed_order() {
  python3 - "$1" <<'PY'
import glob, os, re, subprocess, sys
files = glob.glob(os.path.join(sys.argv[1], "*.pdf"))
for f in sorted(files, key=lambda f: int(os.path.basename(f).split("-")[0])):
    name = os.path.basename(f).split("-", 1)[1][:-4]
    sep = subprocess.run(["pdftotext", "-f", "1", "-l", "1", f, "-"], capture_output=True, text=True).stdout
    body = subprocess.run(["pdftotext", "-f", "2", "-l", "2", f, "-"], capture_output=True, text=True).stdout
    m = re.search(r"Jobb-id: (\S+)", sep)
    t = re.search(r"(Brev \d+)", body)
    print(name, m.group(1) if m and "pappersutskrift" in sep else "-", t.group(1) if t else "-")
PY
}

# 1. Thirty letters at once to a printer that needs a second for each: the
# printer alone needs 30 s; the old exponential backoff needed over 70 s.
for ((i = 1; i <= N; i++)); do letter "l$i" "${P[$i]}" "Brev $i"; done
ids=()
refused=()
t0=$(date +%s)
for ((i = 1; i <= N; i++)); do
  submit "$T/l$i.job" "printroom-$i"
  case $code in 20[12]) ;; *) refused+=("letter $i: $code $(cat "$T/resp" 2>/dev/null)") ;; esac
  ids+=("$(jfield .id)")
done
t1=$(date +%s)
left=$N
while [ "$(date +%s)" -le $((t1 + 60)) ]; do
  api GET "/api/v1/jobs?user=anna"
  left=$(jq '[.jobs[] | select(.state != "printed")] | length' < "$T/resp")
  [ "$left" = 0 ] && break
  sleep 0.2
done
is "the server took every letter" "${refused[*]}" ""
diag "30 letters: submitted in $((t1 - t0)) s, $((N - left)) printed $(($(date +%s) - t1)) s after the last one"
is "30 letters to a busy printer: all printed within a minute of the last submission" "$left" 0
is "none of them failed" "$(jq '[.jobs[] | select(.state == "failed")] | length' < "$T/resp")" 0
is "the print room got 30 jobs" "$(printed_files | wc -l)" "$N"
want=$(for ((i = 1; i <= N; i++)); do echo "mmprint-${ids[$((i - 1))]} ${ids[$((i - 1))]} Brev $i"; done)
got=$(printed_order "$T/printroom")
is "printed in the order submitted, each behind its own separator page" "$got" "$want"
busy=$(metric mmprintd_print_busy_total)
if [ "${busy:-0}" -gt 0 ]; then ok "the printer did answer busy ($busy times), counted in /metrics"; else not_ok "busy answers counted in /metrics (got '${busy}')"; fi
is "busy answers are no print errors in /metrics" "$(metric mmprintd_print_errors_total)" 0
is "one print attempt per letter in /metrics" "$(metric mmprintd_print_attempts_total)" "$N"
journal() { # EVENT: how many of the 30 letters' journal events are EVENT
  sqlite3 "$T/state/mmprintd.db" "SELECT count(*) FROM events WHERE event = '$1' AND job_id IN ($(printf "'%s'," "${ids[@]}")'')"
}
is "no busy answer journaled as a failed print attempt" "$(journal print-failed)" 0
is "each letter journaled as printed once" "$(journal printed)" "$N"
api GET "/api/v1/jobs/${ids[$((N - 1))]}"
contains "the handläggare's message for the last letter" "$(jfield .message)" "Utskrivet i Utskriftsrummet"
is "the printer is not busy now (/metrics)" "$(metric mmprintd_printer_busy_seconds)" 0.0

# 2. Another user's long report holds the printer for longer than print_deadline
# (8 s here: the waiting letter is noted after half of it).
echo 0.2 > "$T/print-secs"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "retry_initial_ms = 1000" "retry_max_ms = 300000" "print_deadline = 8"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
cat > "$T/long.test" <<'EOF'
{
  OPERATION Print-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language sv
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name bertil
  ATTR name job-name $jobname
  ATTR mimeMediaType document-format application/pdf
  FILE $filename
  STATUS successful-ok
}
EOF
check "another user's long report is accepted by the printer" \
  ipptool -T 10 -d jobname=lang-rapport-1 -f "$T/l1.pdf" "$PRINTER_URI" "$T/long.test"
letter s1 "${P[31]}" "Brev S1"
letter s2 "${P[32]}" "Brev S2"
submit "$T/s1.job" stuck-1
S1=$(jfield .id)
submit "$T/s2.job" stuck-2
S2=$(jfield .id)
noted=""
for _ in $(seq 300); do # the note comes after half the print deadline
  api GET "/api/v1/jobs/$S1"
  noted=$(jfield '[.events[] | select(.event == "print-waiting") | .detail] | first // empty')
  [ -n "$noted" ] && break
  sleep 0.1
done
contains "the waiting letter's journal says the printer is busy" "$noted" "server-error-busy"
contains "... and that this is no error" "$noted" "not an error"
is "the waiting letter is still printing" "$(jfield .state)" printing
b=$(metric mmprintd_printer_busy_seconds)
if awk -v b="$b" 'BEGIN { exit !(b > 0) }'; then ok "/metrics shows how long the printer has been busy ($b s)"; else not_ok "/metrics shows the busy printer (got '$b')"; fi
is "still no print errors in /metrics while it waits" "$(metric mmprintd_print_errors_total)" 0
contains "the log warns of the busy printer" "$(cat "$T/server.log")" "Utskriftsrummet is busy: server-error-busy for"
wait_state "$S1" failed 30
is "busy without progress past print_deadline: the first letter fails" "$(jfield .state)" failed
contains "its journal says why" "$(jfield '[.events[] | select(.event == "failed") | .detail] | first')" "has taken no letter for"
contains "its message tells the handläggare" "$(jfield .message)" "Utskriften misslyckades"
wait_state "$S2" failed 30
is "the letter behind it fails too" "$(jfield .state)" failed
is "both counted as print errors in /metrics" "$(metric mmprintd_print_errors_total)" 2

# 3. SIGTERM while a letter waits for the busy printer; printed once after the restart.
kill -TERM "$SRV_PID"
wait "$SRV_PID"
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "retry_initial_ms = 1000" "retry_max_ms = 300000" "print_deadline = 600"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
letter s3 "${P[33]}" "Brev S3"
submit "$T/s3.job" stuck-3
S3=$(jfield .id)
for _ in $(seq 100); do [ "$(metric mmprintd_print_busy_total)" -gt 0 ] 2>/dev/null && break; sleep 0.1; done
kill -TERM "$SRV_PID"
stopped=no
for _ in $(seq 100); do kill -0 "$SRV_PID" 2>/dev/null || { stopped=yes; break; }; sleep 0.1; done
is "SIGTERM while waiting for the busy printer: stops within 10 s" "$stopped" yes
wait "$SRV_PID"
is "... with a clean exit" "$?" 0
is "the waiting letter is still to be printed" \
  "$(sqlite3 "$T/state/mmprintd.db" "SELECT state FROM jobs WHERE id = '$S3'")" printing
touch "$T/release"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
wait_state "$S3" printed 30
is "after the restart and the report: printed" "$(jfield .state)" printed
is "printed exactly once" "$(find "$T/printroom" -name "*mmprint-$S3.pdf" | wc -l)" 1
kill -TERM "$SRV_PID"
wait "$SRV_PID"
done_testing
