#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# mmprintd's start-up safety checks: it refuses a private key others can
# read, a certificate that does not match its key, an expired certificate,
# plain HTTP off loopback and unknown configuration keys; it warns about a
# certificate that expires within 30 days; the spool is private.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki
SIM_URL=https://127.0.0.1:9   # never contacted: these runs stop before any work
PRINTER_URI=ipps://127.0.0.1:9/ipp/print
mkdir -p "$T/k"
cp "$PKI/org.key" "$PKI/org.crt" "$T/k/"
chmod 600 "$T/k/org.key"

# runs mmprintd -t (check and exit) with extra config lines; output in $T/out
try() {
  write_conf "$T/try.conf" "$@"
  "$MMPRINTD" -t -c "$T/try.conf" >"$T/out" 2>&1
}

check "a safe setup passes the check" try "org_key = $T/k/org.key" "org_cert = $T/k/org.crt"
contains "the check reports the certificate's days left" "$(cat "$T/out")" "valid for"

chmod 644 "$T/k/org.key"
check_fails "a world-readable organisation key: refuses to start" try "org_key = $T/k/org.key" "org_cert = $T/k/org.crt"
contains "the refusal names the key and the fix" "$(cat "$T/out")" "chmod 600 $T/k/org.key"
chmod 640 "$T/k/org.key"
check_fails "a group-readable organisation key: refuses to start" try "org_key = $T/k/org.key" "org_cert = $T/k/org.crt"
chmod 600 "$T/k/org.key"

# the same check for the real daemon start (not only -t)
chmod 604 "$T/k/org.key"
write_conf "$T/unsafe.conf" "org_key = $T/k/org.key"
"$MMPRINTD" -c "$T/unsafe.conf" >"$T/out" 2>&1 &
pid=$!
remember_pid $pid
rc=0
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
wait $pid
rc=$?
is "daemon with an unsafe key exits with status 1" "$rc" 1
check_fails "daemon with an unsafe key never listens" wait_port "$SRV_PORT" 1
contains "daemon logs why" "$(cat "$T/out")" "refusing to start"
chmod 600 "$T/k/org.key"

cp "$PKI/server.key" "$T/k/other.key"
chmod 600 "$T/k/other.key"
check_fails "a certificate that does not match its key: refuses" try "org_key = $T/k/other.key" "org_cert = $T/k/org.crt"
contains "the refusal says so" "$(cat "$T/out")" "does not match"

# An expired and a soon-expiring certificate, issued by the test CA.
mkdir -p "$T/ca"
: > "$T/ca/index.txt"
echo 1000 > "$T/ca/serial"
cat > "$T/ca/ca.cnf" <<EOF
[ca]
default_ca = x
[x]
database = $T/ca/index.txt
new_certs_dir = $T/ca
serial = $T/ca/serial
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
EOF
issue() { # NAME STARTDATE ENDDATE
  openssl req -new -newkey rsa:2048 -nodes -keyout "$T/k/$1.key" -out "$T/ca/$1.csr" -subj "/CN=$1" 2>/dev/null
  openssl ca -batch -config "$T/ca/ca.cnf" -cert "$PKI/ca.crt" -keyfile "$PKI/ca.key" -in "$T/ca/$1.csr" \
    -out "$T/k/$1.crt" -startdate "$2" -enddate "$3" -notext 2>/dev/null
  chmod 600 "$T/k/$1.key"
}
issue expired 20200101000000Z 20200201000000Z
check_fails "an expired certificate: refuses to start" try "org_key = $T/k/expired.key" "org_cert = $T/k/expired.crt"
contains "the refusal says expired" "$(cat "$T/out")" "expired"
soon=$(date -u -d '+10 days' +%Y%m%d%H%M%SZ)
issue soon 20200101000000Z "$soon"
check "a certificate expiring in 10 days still starts" try "org_key = $T/k/soon.key" "org_cert = $T/k/soon.crt" \
  "sender_id = 162120000142"
contains "but it warns" "$(cat "$T/out")" "expires in"

check_fails "an unknown configuration key: refuses" try "colour = blue"
contains "the refusal names the key" "$(cat "$T/out")" "colour"
check_fails "plain HTTP on a non-loopback address: refuses" try "listen_plain_loopback = yes" "listen_address = 0.0.0.0"
check_fails "a missing required key: refuses" try "far_url ="
# FaR is asked about people: never over plain http, whatever the config says.
check_fails "far_url over plain http: refuses to start" try "far_url = http://127.0.0.1:8080/far/Recipient/v3"
contains "the refusal names far_url and https" "$(cat "$T/out")" "far_url 'http://127.0.0.1:8080/far/Recipient/v3' must be an https:// URL"

# The spool directory and the store (which holds the letters) are for the
# server's user only; a database made with looser rights is tightened.
SIM_URL=https://127.0.0.1:$(free_port)
write_conf "$T/run.conf"
mkdir -p "$T/state/spool"
chmod 755 "$T/state/spool"
: > "$T/state/mmprintd.db"
chmod 644 "$T/state/mmprintd.db"

# mmprintd refuses to run as root, the check (-t) included.  (The tests run
# it as $MM_TEST_USER when they run as root; unshare -r makes an ordinary
# user root in a user namespace.)
if [ "$(id -u)" = 0 ]; then as_root=(); else as_root=(unshare -r); fi
timeout 10 "${as_root[@]}" "${MMPRINTD_BIN:-$MM_BIN/server/mmprintd}" -c "$T/run.conf" >"$T/out" 2>&1
is "as root: the daemon exits with status 1" "$?" 1
contains "as root: it says why and what to do" "$(cat "$T/out")" "refusing to run as root: start mmprintd as its own user"
check_fails "as root: it never listened" wait_port "$SRV_PORT" 1
timeout 10 "${as_root[@]}" "${MMPRINTD_BIN:-$MM_BIN/server/mmprintd}" -t -c "$T/run.conf" >"$T/out" 2>&1
is "as root: mmprintd -t exits with status 1 too" "$?" 1
contains "as root: -t says why" "$(cat "$T/out")" "refusing to run as root"

# The spool sweep at start removes leftovers of ours only: a file someone
# else put there and symlinks (even with one of our names) stay, and no
# symlink is followed.
ours=0123abcd-0000-4000-8000-00000000beef
echo "letter" > "$T/state/spool/$ours.letter.pdf"
echo "admin's notes" > "$T/state/spool/notes.txt"
echo "victim" > "$T/victim"
ln -s "$T/victim" "$T/state/spool/link-to-victim"
ln -s "$T/victim" "$T/state/spool/$ours.print.pdf"
start_server "$T/run.conf"
check_fails "spool sweep: our leftover temporary file is removed" test -e "$T/state/spool/$ours.letter.pdf"
is "spool sweep: a foreign file survives" "$(cat "$T/state/spool/notes.txt" 2>&1)" "admin's notes"
check "spool sweep: a symlink survives" test -L "$T/state/spool/link-to-victim"
check "spool sweep: a symlink with one of our names survives" test -L "$T/state/spool/$ours.print.pdf"
is "spool sweep: the symlinks' target is untouched" "$(cat "$T/victim" 2>&1)" "victim"
contains "spool sweep: the log says what it left alone" "$(cat "$T/server.log")" \
  "spool: 3 entries in $T/state/spool are not mmprintd's temporary files; left alone"
is "spool directory is made private (0700)" "$(stat -c %a "$T/state/spool")" 700
is "database is private" "$(stat -c %a "$T/state/mmprintd.db")" 600
mkpdf "$T/l.pdf" 1 "Brev"
bundle "$T/j.job" "$T/l.pdf" "user=anna" "pages=1"
submit "$T/j.job" k1
ID=$(jfield .id)
is "a job without recipient is stored" "$(jfield .state)" needs-recipient
is "its letter is kept in the store until the job is final" "$(stored_documents "$ID")" "pdf $(stat -c %s "$T/l.pdf")"
is "the store's write-ahead log is private too (0600)" "$(stat -c %a "$T/state/mmprintd.db-wal")" 600
is "the job records the sending machine's certificate" "$(jfield .client)" "C=SE,O=Exempelkommun,CN=desk1"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "SIGTERM: clean stop" "$?" 0
contains "it says unfinished jobs resume" "$(cat "$T/server.log")" "resume at the next start"

# client_allow: only the listed machines, even with a certificate from the right CA.
write_conf "$T/run.conf" "client_allow = desk2"
start_server "$T/run.conf"
api GET /healthz
is "client_allow: desk1 is not listed and is refused" "$code" 403
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$PKI/ca.crt" --cert "$PKI/client-desk2.crt" \
  --key "$PKI/client-desk2.key" "$SRV_URL/healthz")
is "client_allow: desk2 is listed and allowed" "$code" 200
kill -TERM "$SRV_PID"
wait "$SRV_PID"

# Plain HTTP only on loopback, only when asked for.
write_conf "$T/run.conf" "listen_plain_loopback = yes"
start_server "$T/run.conf"
code=$(curl -s -o "$T/resp" -w '%{http_code}' --max-time 20 "http://127.0.0.1:$SRV_PORT/healthz")
is "listen_plain_loopback: plain HTTP on 127.0.0.1 answers" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Content-Type: application/vnd.mmprint-job' \
  -H 'Idempotency-Key: plain1' --data-binary @"$T/j.job" "http://127.0.0.1:$SRV_PORT/api/v1/jobs")
is "listen_plain_loopback: a job can be submitted" "$code" 201
kill -TERM "$SRV_PID"
wait "$SRV_PID"

done_testing
