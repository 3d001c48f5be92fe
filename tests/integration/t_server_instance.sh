#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# One mmprintd per database (issue 8, part 4), with the real mmprintd,
# mmsimd and ippeveprinter over real TLS:
#  - an admin starts a second server by hand while the first prints 20
#    paper letters: it refuses at once (exit 3, names the first one's pid),
#    deletes none of the first one's print files and journals nothing; the
#    first keeps taking letters and every letter is printed once;
#  - mmprintd -t works while the server runs;
#  - a journal row written behind the server's back does not make it
#    refuse every later letter (the chain head is read from the database);
#  - an overlapping restart (SIGTERM, new server at once): the new one waits
#    for the old one to finish its current step, then resumes and listens;
#    nothing is printed twice; with a short lock_wait it refuses instead;
#  - a server that cannot listen (port taken) exits non-zero at once,
#    without sweeping the spool or resuming jobs.
# The print room is paused (SIGSTOP) where a print must stay in flight, so
# that the checks do not depend on timing.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki
{
  echo "operator kivra id=165567828172 name=Kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }

# The print room (our own, not cups.sh's start_printroom, which takes 5-15 s
# a letter): ippeveprinter taking about 0.3 s per letter and answering
# server-error-busy meanwhile, as print-room printers do.
printf '#!/bin/sh\nsleep 0.3\n' > "$T/print-slowly"
chmod 755 "$T/print-slowly"
start_print_room() { # [PORT]
  [ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] || start_dnssd || return 1
  mkdir -p "$T/printroom"
  IPP_PORT=${1:-$(free_port)}
  PRINTER_URI=ipp://127.0.0.1:$IPP_PORT/ipp/print
  ippeveprinter -p "$IPP_PORT" -d "$T/printroom" -f application/pdf -k -c "$T/print-slowly" -n localhost -r off \
    "Utskriftsrummet" >>"$T/ipp.log" 2>&1 &
  IPP_PID=$!
  remember_pid $IPP_PID
  wait_port "$IPP_PORT" 20
}
start_print_room || { not_ok "ippeveprinter starts"; done_testing; exit 1; }

CONF=$T/mmprintd.conf
DB=$T/state/mmprintd.db
SPOOL=$T/state/spool
# Plain ipp://, accepted by name: the tests below pause the printer (SIGSTOP)
# to keep letters in flight, and a paused printer must hold a letter's
# request open; over ipps:// its TLS handshake would time out instead
# (t_paper_tls tests the ipps:// path).
CLEAR="printer_insecure_cleartext = yes"
write_conf "$CONF" "sync_wait_ms = 200" "print_deadline = 600" "$CLEAR"
start_server "$CONF" || { not_ok "mmprintd starts"; done_testing; exit 1; }
FIRST=$SRV_PID

mkpdf "$T/letter.pdf" 1 "Beslut om bostadsanpassningsbidrag"
mapfile -t P < <(pins 40 500)
IDS=()
n_letters=0
# letter: one paper letter through the API; its id appended to IDS, status in $code
letter() {
  n_letters=$((n_letters + 1))
  bundle "$T/l$n_letters.job" "$T/letter.pdf" "recipient=${P[$((n_letters % 40))]}" "recipient-source=option" \
    "user=anna" "pages=1" "policy=paper-only" "cups-job-id=$n_letters"
  submit "$T/l$n_letters.job" "letter-$n_letters"
  [ "$code" = 201 ] && IDS+=("$(jfield .id)")
}
# letters N: N paper letters at once, as many desks would send them
letters() {
  local i n pids=() first=$((n_letters + 1))
  for ((i = 0; i < $1; i++)); do
    n_letters=$((n_letters + 1))
    n=$n_letters
    bundle "$T/l$n.job" "$T/letter.pdf" "recipient=${P[$((n % 40))]}" "recipient-source=option" \
      "user=anna" "pages=1" "policy=paper-only" "cups-job-id=$n"
    curl -sS -o "$T/resp.$n" -w '%{http_code}' --max-time 60 --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" \
      --key "$PKI/client-desk1.key" -H 'Content-Type: application/vnd.mmprint-job' -H "Idempotency-Key: letter-$n" \
      --data-binary @"$T/l$n.job" "$SRV_URL/api/v1/jobs" >"$T/code.$n" 2>>"$T/curl.err" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for ((n = first; n <= n_letters; n++)); do
    [ "$(cat "$T/code.$n")" = 201 ] && IDS+=("$(jq -r .id < "$T/resp.$n")")
  done
}
in_printing() { sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE state = 'printing'"; }
events() { sqlite3 "$DB" "SELECT count(*) FROM events${1:+ WHERE event = '$1'}"; }
# exited PID: the process is gone (or a zombie waiting for `wait`)
exited() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null); [ -z "$s" ] || [[ $s == Z* ]]; }
# wait_exit PID SECONDS: until the process has exited; its status in $rc
wait_exit() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if exited "$1"; then wait "$1"; rc=$?; return 0; fi
    sleep 0.1
  done
  rc=alive
  return 1
}
# in_flight: with the printer paused, waits until the running server's
# journal has been still for a second: its print worker is stuck at the
# printer and every other letter waits behind it.
in_flight() {
  local i n last=-1 still=0
  for ((i = 0; i < 300; i++)); do
    n=$(events)
    if [ "$n" = "$last" ]; then
      still=$((still + 1))
      [ "$still" -ge 10 ] && return 0
    else
      still=0
    fi
    last=$n
    sleep 0.1
  done
  return 1
}
# print_file: a print file of the running server in its spool.  Its own
# live for milliseconds (or, against a paused printer, appear only after
# libcups gives up on the job list, a minute later), so the test puts one
# there with the name they have; the server never deletes another job's.
print_file() {
  TMPFILE=$SPOOL/$(cat /proc/sys/kernel/random/uuid).print.pdf
  cp "$T/letter.pdf" "$TMPFILE"
}
# all_printed SECONDS: every letter in IDS is printed, each exactly once
all_printed() {
  local id i n
  for id in "${IDS[@]}"; do
    for ((i = 0; i < $1 * 10; i++)); do
      [ -n "$(find "$T/printroom" -name "*mmprint-$id.pdf" 2>/dev/null)" ] && break
      sleep 0.1
    done
  done
  for id in "${IDS[@]}"; do
    api GET "/api/v1/jobs/$id"
    [ "$(jfield .state)" = printed ] || { echo "$id: $(jfield .state)"; return 1; }
    n=$(find "$T/printroom" -name "*mmprint-$id.pdf" | wc -l)
    [ "$n" = 1 ] || { echo "$id printed $n times"; return 1; }
  done
}
# still_there DESCRIPTION FILE: passes when FILE exists
still_there() { if [ -f "$2" ]; then ok "$1"; else not_ok "$1"; fi; }
second() { # LOG [CONF]: another mmprintd in the background; its pid in $SECOND
  "$MMPRINTD" -c "${2:-$CONF}" >"$1" 2>&1 &
  SECOND=$!
  remember_pid $SECOND
}

# ---- (a) a second server started by hand while 20 letters are printed ----
# The print room is paused first, so that all of them are still in flight.
kill -STOP "$IPP_PID"
letters 20
is "20 paper letters are accepted" "${#IDS[@]}" 20
check "the letters wait at the print room (printer paused)" in_flight
print_file
before_events=$(events)
n=$(in_printing)
is "all 20 letters are in flight (printing)" "$n" 20

"$MMPRINTD" -t -c "$CONF" >"$T/check.out" 2>&1
is "mmprintd -t while the server runs: exit 0" "$?" 0
contains "mmprintd -t: the configuration is usable" "$(cat "$T/check.out")" "is usable"
contains "mmprintd -t: it names the running server" "$(cat "$T/check.out")" "running mmprintd (pid $FIRST)"

t0=$(date +%s%N)
second "$T/second.log"
wait_exit "$SECOND" 15
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
is "second server: exits with status 3 (another instance)" "$rc" 3
if [ "$rc" != alive ] && [ "$elapsed_ms" -lt 10000 ]; then ok "second server: exits promptly (${elapsed_ms} ms)"
else not_ok "second server: exits promptly (${elapsed_ms} ms)"; fi
contains "second server: says who holds the database" "$(cat "$T/second.log")" \
  "another mmprintd (pid $FIRST) is using $DB; refusing to start"
if grep -q "spool: removed" "$T/second.log"; then not_ok "second server: sweeps no spool"; diag "$(cat "$T/second.log")"
else ok "second server: sweeps no spool"; fi
still_there "second server: the print file in the spool is still there" "$TMPFILE"
rm -f "$TMPFILE"
is "second server: nothing journaled (no resume, no event)" "$(events)" "$before_events"
is "second server: no job resumed" "$(events resumed)" 0
kill -CONT "$IPP_PID"
[ "$rc" = alive ] && { kill -TERM "$SECOND"; wait_exit "$SECOND" 60; }

letter
is "the first server takes one more letter (not 500)" "$code" 201
check "all 21 letters are printed, each once" all_printed 120
is "the print room got 21 documents" "$(printed_files | wc -l)" 21
check "the journal verifies" "$MMCTL" audit verify "$DB"
check "the first server still runs" kill -0 "$FIRST"

# ---- a journal row written behind the server's back (sqlite3) ----
python3 - "$DB" <<'PY'
import hashlib, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
row = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
seq, prev = (row[0] + 1, row[1]) if row else (1, "0" * 64)
t, ev, det = int(time.time() * 1000), "note", "written with sqlite3 while the server runs"
h = hashlib.sha256("\x1f".join([prev, str(seq), "", str(t), ev, det]).encode()).hexdigest()
db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)", (seq, "", t, ev, det, prev, h))
db.execute("INSERT OR REPLACE INTO journal_head VALUES (1, ?, ?)", (seq, h))
db.execute("COMMIT")
PY
letter
is "after a row written behind its back, the server takes a letter" "$code" 201
if [ "$code" != 201 ]; then diag "$(cat "$T/resp")"; fi
letter
is "and the next one" "$code" 201
check "those letters are printed too" all_printed 60
check "the journal, with the row from outside, verifies" "$MMCTL" audit verify "$DB"

# ---- a second server with its own database but the same spool ----
write_conf "$T/own-db.conf" "database = $T/own.db" "$CLEAR"
second "$T/own-db.log" "$T/own-db.conf"
wait_exit "$SECOND" 15
is "same spool, other database: refused with status 3" "$rc" 3
contains "same spool, other database: says so" "$(cat "$T/own-db.log")" \
  "another mmprintd is using spool_dir $SPOOL (with another database); refusing to start"
[ "$rc" = alive ] && { kill -TERM "$SECOND"; wait_exit "$SECOND" 60; }

# ---- (b) an overlapping restart: SIGTERM, and the new server at once ----
kill -STOP "$IPP_PID"
letters 10
check "restart: the letters wait at the print room (printer paused)" in_flight
print_file
kill -TERM "$FIRST"
second "$T/third.log"
NEW=$SECOND
waiting=no
for _ in $(seq 100); do grep -q "waiting up to" "$T/third.log" && { waiting=yes; break; }; sleep 0.1; done
is "restart: the new server waits for the stopping one" "$waiting" yes
contains "restart: it names the stopping server" "$(cat "$T/third.log")" \
  "waiting up to 90 s for the stopping mmprintd (pid $FIRST) to release $DB"
check "restart: the old server is still finishing its step" kill -0 "$FIRST"
still_there "restart: the print file in the spool is untouched" "$TMPFILE"
is "restart: nothing resumed while the old one runs" "$(events resumed)" 0
kill -CONT "$IPP_PID"
wait_exit "$FIRST" 60
is "restart: the old server finishes and exits 0" "$rc" 0
SRV_PID=$NEW
check "restart: the new server listens" wait_port "$SRV_PORT" 30
contains "restart: only then it sweeps the spool (the file the old one left)" "$(cat "$T/third.log")" \
  "spool: removed 1 leftover temporary files"
check "restart: every letter is printed, each once" all_printed 120
is "restart: the print room got one document per letter" "$(printed_files | wc -l)" "${#IDS[@]}"
check "restart: the journal verifies" "$MMCTL" audit verify "$DB"
api GET /healthz
is "restart: the new server answers" "$code" 200

# ---- the wait is bounded: lock_wait = 2 refuses a server stopping longer ----
kill -STOP "$IPP_PID"
letters 5
check "bounded wait: the letters wait at the print room (printer paused)" in_flight
write_conf "$T/short.conf" "sync_wait_ms = 200" "print_deadline = 600" "lock_wait = 2" "$CLEAR"
kill -TERM "$NEW"
second "$T/fourth.log" "$T/short.conf"
wait_exit "$SECOND" 20
is "bounded wait: refused with status 3" "$rc" 3
contains "bounded wait: says the old one is still stopping" "$(cat "$T/fourth.log")" \
  "another mmprintd (pid $NEW) is still stopping after 2 s"
kill -CONT "$IPP_PID"
[ "$rc" = alive ] && { kill -TERM "$SECOND"; wait_exit "$SECOND" 60; }
wait_exit "$NEW" 60
is "bounded wait: the old server exits 0" "$rc" 0

# ---- a port taken by another program: no recovery, exit non-zero ----
# An unfinished letter: the print room is away while it is submitted.
kill "$IPP_PID"
wait "$IPP_PID" 2>/dev/null
start_server "$CONF"
letter
UNFINISHED=${IDS[-1]}
kill -TERM "$SRV_PID"
wait_exit "$SRV_PID" 60
api_state=$(sqlite3 "$DB" "SELECT state FROM jobs WHERE id = '$UNFINISHED'")
is "a letter is left unfinished (printing)" "$api_state" printing
# (named as mmprintd names its temporaries: the sweep removes nothing else)
LEFTOVER=$SPOOL/$(cat /proc/sys/kernel/random/uuid).print.pdf
: > "$LEFTOVER"
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); time.sleep(600)' "$SRV_PORT" &
PY_PID=$!
remember_pid $PY_PID
wait_port "$SRV_PORT" 10
resumed_before=$(events resumed)
events_before=$(events)
second "$T/fifth.log"
wait_exit "$SECOND" 15
is "port taken: exits with status 1" "$rc" 1
contains "port taken: says so" "$(cat "$T/fifth.log")" \
  "cannot listen on 127.0.0.1 port $SRV_PORT: Address already in use"
is "port taken: nothing resumed" "$(events resumed)" "$resumed_before"
is "port taken: nothing journaled" "$(events)" "$events_before"
still_there "port taken: the spool is not swept" "$LEFTOVER"
[ "$rc" = alive ] && { kill -TERM "$SECOND"; wait_exit "$SECOND" 60; }
kill "$PY_PID"
wait "$PY_PID" 2>/dev/null
start_print_room "$IPP_PORT" || not_ok "the print room comes back"
unfinished=$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE state IN ('queued', 'sending', 'printing')")
: > "$T/server.log"
start_server "$CONF"
check "port free again: the unfinished letters are printed, each once" all_printed 60
contains "port free again: the leftover is swept at this start" "$(cat "$T/server.log")" \
  "spool: removed 1 leftover temporary files"
is "port free again: the unfinished letters were resumed" "$(events resumed)" $((resumed_before + unfinished))
check "the journal verifies at the end" "$MMCTL" audit verify "$DB"
kill -TERM "$SRV_PID"
wait_exit "$SRV_PID" 60
is "clean stop at the end" "$rc" 0
done_testing
