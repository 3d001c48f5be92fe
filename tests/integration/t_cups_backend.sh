#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The mmprint backend inside a real, private cupsd, for what needs no
# mmprintd: discovery, unsafe key and trust files (root-only key, CA file,
# backend.conf), the server unreachable (CUPS retries the job), SIGTERM when
# a job is cancelled mid-transfer, content that is not our bundle.
# A raw queue hands the backend our bytes unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

make_pki
mkdir -m 700 "$T/keys"
cp "$PKI/client-desk1.crt" "$PKI/client-desk1.key" "$PKI/ca.crt" "$T/keys/"
chmod 600 "$T/keys/client-desk1.key"
backend_conf "$T/keys/client-desk1.crt" "$T/keys/client-desk1.key" "$T/keys/ca.crt"
CUPSD_RETRY_INTERVAL=1 start_cupsd || { not_ok "private cupsd starts"; done_testing; exit 1; }
ok "private cupsd starts on 127.0.0.1:$CUPSD_PORT"

# Discovery: the web UI and lpinfo list the backend as a network device.
devices=$(lpinfo -v 2>&1)
contains "lpinfo -v lists the mmprint backend" "$devices" 'network mmprint'
out=$("$MM_BUILDDIR/backend/mmprint")
is "discovery prints exactly one line" "$out" 'network mmprint "Unknown" "Mina meddelanden (mmprint)"'

# tools/mmprint-queue: install and remove the queue the way IT does.
ppd=$(_find_ppd)
check "mmprint-queue install" "$MM_SRCDIR/tools/mmprint-queue" install --queue Test_q \
  --server 127.0.0.1:9999 --name "Mina meddelanden (test)" --ppd "$ppd"
is "the queue's device URI" "$(lpstat -v Test_q 2>&1)" "device for Test_q: mmprint://127.0.0.1:9999/"
is "the queue retries jobs instead of stopping" "$(printer_attr Test_q printer-error-policy)" "retry-job"
is "the queue is not shared" "$(printer_attr Test_q printer-is-shared)" "false"
is "the queue's description" "$(printer_attr Test_q printer-info)" "Mina meddelanden (test)"
is "the queue accepts jobs" "$(printer_attr Test_q printer-is-accepting-jobs)" "true"
# It refuses a backend that CUPS would run as lp (not mode 0700 root).
mkdir -p "$T/sb/backend"
install -m 0755 "$MM_BUILDDIR/backend/mmprint" "$T/sb/backend/mmprint"
out=$(MMPRINT_SERVERBIN=$T/sb "$MM_SRCDIR/tools/mmprint-queue" install --queue Test_q2 --server 127.0.0.1:9999 --ppd "$ppd" 2>&1)
is "mmprint-queue install refuses a 0755 backend" "$?" 1
contains "… naming the fix" "$out" "chmod 0700 $T/sb/backend/mmprint"
check_fails "… and installs no queue" lpstat -v Test_q2
check "mmprint-queue install takes the 0700 root backend cupsd runs" env MMPRINT_SERVERBIN="$CUPS_DIR/serverbin" \
  "$MM_SRCDIR/tools/mmprint-queue" install --queue Test_q2 --server 127.0.0.1:9999 --ppd "$ppd"
check "mmprint-queue remove" "$MM_SRCDIR/tools/mmprint-queue" remove --queue Test_q2
check_fails "mmprint-queue refuses a server with a path in it" "$MM_SRCDIR/tools/mmprint-queue" install --queue Test_q --server 'h/../x' --ppd "$ppd"
check "mmprint-queue remove" "$MM_SRCDIR/tools/mmprint-queue" remove --queue Test_q
check_fails "the queue is gone" lpstat -v Test_q
check "mmprint-queue remove of a missing queue is not an error" "$MM_SRCDIR/tools/mmprint-queue" remove --queue Test_q

# Nothing listens on this port: the server is down.
dead=$(free_port)
lpadmin -p "$CUPS_QUEUE" -E -v "mmprint://127.0.0.1:$dead/" -m raw -o printer-error-policy=retry-job 2>/dev/null
make_letter "$T/letter.pdf"
make_bundle "$T/bundle" "$T/letter.pdf" title=x user=root cups-job-id=1 pages=1
id=$(submit -o raw "$T/bundle")
check "job is held for retry while the server is down" wait_job_state "$id" pending-held 15
msg=$(job_message "$id")
contains "the job says the server does not answer (Swedish)" "$msg" "mmprint-servern svarar inte"
reasons=$(job_state_reasons "$id")
is "reason is resources-are-not-ready" "$reasons" "resources-are-not-ready"
st=$(lpstat -p "$CUPS_QUEUE")
contains "the queue stays enabled (retry, not stop)" "$st" "enabled"
# CUPS tries again by itself (JobRetryInterval 1 s): the retry count grows.
for ((i = 0; i < 60; i++)); do
  tries=$(grep -c "\[Job $id\] Backend returned status 6" "$CUPS_DIR/log/error_log")
  [ "$tries" -ge 2 ] && break
  sleep 0.5
done
check "CUPS retried the job ($tries attempts so far)" test "$tries" -ge 2
cancel "$id"

# A job larger than the server takes (32 MiB): cancelled at once with a
# Swedish reason, not retried forever.
head -c $((33 * 1024 * 1024)) /dev/zero > "$T/huge.bin"
id=$(submit -o raw "$T/huge.bin")
check "a 33 MiB job is cancelled" wait_job_state "$id" canceled 30
contains "… saying it is too large" "$(job_log "$id" | grep -a '^E ')" "för stort"
rm -f "$T/huge.bin"

# A stalled server: it accepts the connection and never answers TLS.  Cancel
# must stop the backend at once (SIGTERM), not after the 60 s timeout.
stall=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' "$stall" &
remember_pid $!
wait_port "$stall"
lpadmin -p "$CUPS_QUEUE" -v "mmprint://127.0.0.1:$stall/" 2>/dev/null
id=$(submit -o raw "$T/bundle")
check "job is processing against the stalled server" wait_job_state "$id" processing 10
sleep 1
bpid=$(pgrep -f "^mmprint://127.0.0.1:$stall/" | head -n 1)  # argv[0] is the device URI
check "the backend process runs" test -n "$bpid"
t0=$(date +%s%N)
cancel "$id"
check "cancelled job reaches canceled" wait_job_state "$id" canceled 10
for ((i = 0; i < 50; i++)); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
t1=$(date +%s%N)
check_fails "the backend has exited after SIGTERM" kill -0 "$bpid"
ms=$(((t1 - t0) / 1000000))
check "the backend stopped within 3 s of cancel (${ms} ms)" test "$ms" -lt 3000
check "cupsd did not have to SIGKILL it" bash -c "! grep -q 'Stopping unresponsive job' '$CUPS_DIR/log/error_log'"

# mmctl release on a job held by its owner: the number is set on the job and
# the job is released (here it then waits for the server like any job).
id=$(submit -o raw -H indefinite "$T/bundle")
check "a job submitted with -H indefinite is held" wait_job_state "$id" pending-held 10
out=$("$MMCTL" release "$id" 19121212-1212 2>&1)
check "mmctl release exits 0" test $? -eq 0
contains "mmctl release confirms with a masked number" "$out" "19121212-****"
check_fails "mmctl release does not print the full number" grep -q "1212-1212" <<<"$out"
check "the released job runs the backend again" wait_job_state "$id" "processing|pending-held" 10
for ((i = 0; i < 50; i++)); do
  job_log "$id" | grep -q 'argv\[5\]=.*Personnummer=19121212-1212' && break
  sleep 0.2
done
check "the backend's next run got Personnummer in its options" bash -c "grep -a '\[Job $id\] argv\[5\]' '$CUPS_DIR/log/error_log' | grep -q 'Personnummer=19121212-1212'"
is "the value stays private to an unauthenticated IPP query (JobPrivateValues)" "$(job_attr "$id" Personnummer)" ""
out=$("$MMCTL" release 99999 191212121212 2>&1); rc=$?
is "mmctl release of an unknown job fails" "$rc" 1
cancel "$id"

# Files the backend must not trust: it refuses them, stops the queue with a
# Swedish ERROR: naming the file and the fix, and keeps the job (nothing is
# lost).  refused DESC DETAIL...: a job submitted now is kept and the queue
# says each DETAIL; then the queue is enabled again.
lpadmin -p "$CUPS_QUEUE" -v "mmprint://127.0.0.1:$dead/" 2>/dev/null
refused() {
  local desc=$1 d st id
  shift
  id=$(submit -o raw "$T/bundle")
  for ((i = 0; i < 50; i++)); do
    lpstat -p "$CUPS_QUEUE" 2>/dev/null | grep -q disabled && break
    sleep 0.2
  done
  st=$(lpstat -p "$CUPS_QUEUE" -l 2>&1)
  contains "$desc stops the queue" "$st" "disabled"
  contains "… the queue tells IT in Swedish" "$st" "mmprint är felinställd på den här datorn"
  for d in "$@"; do
    contains "… and says: $d" "$st" "$d"
  done
  is "… the job is kept, pending" "$(job_state "$id")" "pending"
  cancel "$id"
  cupsenable "$CUPS_QUEUE"
}
K=$T/keys/client-desk1.key
chmod 644 "$K"
refused "a client key others can read" "accessible by others" "fix: chmod 600 $K"
# Root-only is the supported mode: the filters run as lp, so a key that
# group lp can read is refused too (it used to be the recommended mode).
chgrp lp "$K"
chmod 640 "$K"
refused "a client key group lp can read" "group-readable" "fix: chmod 600 $K"
chgrp root "$K"
chmod 600 "$K"
# A writable CA file or backend.conf would let someone inject trust.
chmod 664 "$T/keys/ca.crt"
refused "a group-writable CA file" "trust file $T/keys/ca.crt is writable by group or others" "fix: chmod 644 $T/keys/ca.crt"
chmod 644 "$T/keys/ca.crt"
chown nobody "$T/keys/ca.crt"
refused "a CA file another user owns" "trust file $T/keys/ca.crt is owned by uid" "fix: chown root:root $T/keys/ca.crt"
chown root "$T/keys/ca.crt"
chmod 666 "$CUPS_DIR/backend.conf"
refused "a world-writable backend.conf" "trust file $CUPS_DIR/backend.conf is writable" "fix: chmod 644 $CUPS_DIR/backend.conf"
chmod 644 "$CUPS_DIR/backend.conf"
chmod 770 "$T/keys"
refused "a key directory its group may write to" "directory $T/keys of" "fix: chmod go-w $T/keys"
chmod 700 "$T/keys"

# Nothing in any CUPS log may hold an unmasked personnummer (the backend
# masks server text); none was printed here, so check the masking itself.
out=$(DEVICE_URI="mmprint://127.0.0.1:$dead/" MMPRINT_BACKEND_CONF="$CUPS_DIR/backend.conf" \
  "$MM_BUILDDIR/backend/mmprint" 1 u t 1 "" <"$T/bundle" 2>&1)
contains "backend run by hand without the server asks to retry" "$out" "WARNING: mmprint-servern svarar inte"
# Content that is not our bundle (a PDF sent with lp -o raw past the
# filter): held (CUPS_BACKEND_HOLD, 3) with a Swedish ERROR:, never posted.
out=$(DEVICE_URI="mmprint://127.0.0.1:$dead/" MMPRINT_BACKEND_CONF="$CUPS_DIR/backend.conf" \
  "$MM_BUILDDIR/backend/mmprint" 1 u t 1 "" <"$T/letter.pdf" 2>&1)
rc=$?
is "backend run by hand with a PDF holds the job (3)" "$rc" 3
contains "… saying so in Swedish" "$out" "ERROR: Utskriften kom inte genom mmprint-filtret"
check_fails "… without trying the server" grep -q "svarar inte" <<<"$out"
# Run as lp (a 0755 install): refused, with the fix.
out=$(DEVICE_URI="mmprint://127.0.0.1:$dead/" MMPRINT_BACKEND_CONF="$CUPS_DIR/backend.conf" CUPS_SERVERBIN=/usr/lib/cups \
  setpriv --reuid=lp --regid=lp --clear-groups "$MM_BUILDDIR/backend/mmprint" 1 u t 1 "" <"$T/bundle" 2>&1)
rc=$?
is "the backend run as lp stops (4)" "$rc" 4
contains "… naming the fix" "$out" "chmod 0700 /usr/lib/cups/backend/mmprint"
"$MM_BUILDDIR/backend/mmprint" 1 u t 1 "" </dev/null >/dev/null 2>&1
rc=$?
is "backend run by hand without a device URI config exits STOP (4), never FAILED (1)" "$rc" 4

check_no_sanitizer_reports
stop_cupsd
done_testing
