# SPDX-License-Identifier: EUPL-1.2
# Helpers for the mmprintd integration tests (tests/integration/t_server_*.sh),
# sourced after tests/integration/lib.sh.  Everything runs in $T on 127.0.0.1
# with the real mmsimd, the real ippeveprinter and the test PKI over real TLS.
# mmprintd refuses to run as root.  Under root (CI on a fresh machine) the
# tests run it as the unprivileged user $MM_TEST_USER, made here when
# missing, through the wrapper mmprintd-as-user: $MMPRINTD is what the
# tests start, MMPRINTD_BIN the program itself.
export MMPRINTD_BIN=$MM_BIN/server/mmprintd
export MM_TEST_USER=${MM_TEST_USER:-mmprint-test}
MMPRINTD=$MMPRINTD_BIN
if [ "$(id -u)" = 0 ]; then
  if ! id -u "$MM_TEST_USER" >/dev/null 2>&1; then
    # Parallel test files may race to create it: one does, all then see it.
    flock /tmp/.mmprint-test-user.lock sh -c 'id -u "$1" >/dev/null 2>&1 ||
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1"' sh "$MM_TEST_USER"
  fi
  MMPRINTD=$MM_SRCDIR/tests/integration/mmprintd-as-user
  chmod a+x "$T"
fi
PINS=$MM_SHARED/testdata/ids/personnummer-meta/allPins.json

# pins N OFFSET: N valid test personnummer (Skatteverket's test list)
pins() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(d[int(sys.argv[3]):int(sys.argv[3])+int(sys.argv[2])]))' "$PINS" "$1" "${2:-0}"
}

# mkpdf FILE PAGES TEXT [PADDING_BYTES]: a small valid PDF with TEXT on each page
mkpdf() {
  python3 - "$@" <<'PY'
import random, sys
path, pages, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pad = int(sys.argv[4]) if len(sys.argv) > 4 else 0
objs = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
kids = []
for p in range(pages):
    body = "BT /F1 14 Tf 72 720 Td (%s, sida %d) Tj ET" % (text, p + 1)
    if pad:
        # a comment line brings the file up to the wanted size
        r = random.Random(p)
        body += "\n%" + "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(pad // pages))
    objs.append("<< /Length %d >>\nstream\n%s\nendstream" % (len(body) + 1, body))
    objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (len(objs)))
    kids.append("%d 0 R" % len(objs))
objs[1] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(kids), pages)
out = b"%PDF-1.4\n"
offs = []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += ("%d 0 obj\n%s\nendobj\n" % (i + 1, o)).encode("latin-1")
x = len(out)
out += ("xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)).encode()
for o in offs:
    out += ("%010d 00000 n \n" % o).encode()
out += ("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)).encode()
open(path, "wb").write(out)
PY
}

# bundle OUT PDF key=value...: a job bundle (application/vnd.mmprint-job)
bundle() {
  local out=$1 pdf=$2 kv
  shift 2
  {
    printf 'MMPRINT-JOB 1\n'
    for kv in "$@"; do printf '%s: %s\n' "${kv%%=*}" "${kv#*=}"; done
    printf 'document-type: application/pdf\ndocument-length: %s\n\n' "$(stat -c %s "$pdf")"
    cat "$pdf"
  } > "$out"
}

# start_sim: mmsimd with $T/registry and $T/faults (and $SIM_ARGS); sets SIM_URL, SIM_PID
start_sim() {
  local i
  mkdir -p "$T/inbox"
  [ -f "$T/faults" ] || : > "$T/faults"
  SIM_PORT=$(free_port)
  SIM_URL=https://127.0.0.1:$SIM_PORT
  "$MMSIMD" --listen "127.0.0.1:$SIM_PORT" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
    --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$T/inbox" --faults "$T/faults" \
    --log-level warn ${SIM_ARGS:-} >"$T/sim.out" 2>"$T/sim.log" &
  SIM_PID=$!
  remember_pid $SIM_PID
  for i in $(seq 200); do grep -q listening "$T/sim.out" 2>/dev/null && return 0; sleep 0.05; done
  diag "mmsimd did not start: $(tail -5 "$T/sim.log")"
  return 1
}

# set_faults TEXT: new fault rules, re-read by mmsimd (SIGHUP)
set_faults() {
  printf '%s\n' "$1" > "$T/faults"
  kill -HUP "$SIM_PID"
  sleep 0.3
}

# start_dnssd: Debian's ippeveprinter will not start without DNS-SD (Avahi
# over the D-Bus system bus), even with "-r off".  This starts a private bus
# in $T and an avahi-daemon limited to lo, in its own mount namespace with an
# empty /run so that its pid file cannot clash with any other instance.
start_dnssd() {
  local d=$T/dnssd i
  mkdir -p "$d"
  cat > "$d/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$d/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
  printf '[server]\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=lo\nenable-dbus=yes\n[publish]\npublish-addresses=no\npublish-hinfo=no\npublish-workstation=no\n' > "$d/avahi.conf"
  dbus-daemon --config-file="$d/bus.conf" --fork --print-pid > "$d/dbus.pid" || return 1
  remember_pid "$(cat "$d/dbus.pid")"
  export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$d/bus
  unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec avahi-daemon -f "$1" --no-drop-root --no-chroot --no-rlimits' \
    sh "$d/avahi.conf" >"$d/avahi.log" 2>&1 &
  remember_pid $!
  for i in $(seq 100); do grep -q "startup complete" "$d/avahi.log" 2>/dev/null && return 0; sleep 0.05; done
  diag "avahi-daemon did not start: $(tail -3 "$d/avahi.log")"
  return 1
}

# printer_keys: the directory ippeveprinter -K serves its IPPS certificate
# from (localhost.crt/.key, for the name given with -n localhost: the test
# PKI's printer certificate).
printer_keys() {
  local d=$T/printer-keys
  [ -n "${PKI:-}" ] || make_pki
  if [ ! -f "$d/localhost.key" ]; then
    mkdir -p "$d"
    cp "$PKI/printer.crt" "$d/localhost.crt"
    cp "$PKI/printer.key" "$d/localhost.key"
  fi
  echo "$d"
}

# start_printer [COMMAND [DIR]]: ippeveprinter keeping its files in DIR
# (default $T/printroom), over IPPS with the test PKI's printer certificate
# (write_conf has mmprintd verify it with printer_ca); sets PRINTER_URI,
# IPP_PORT and IPP_PID.  The
# default command /bin/true finishes each job at once.  ippeveprinter takes
# one job at a time and answers server-error-busy while one is processing,
# as many office printers do: a COMMAND that sleeps makes it a slow printer
# (without a command it simulates 5-15 s of printing per job).
start_printer() {
  local dir=${2:-$T/printroom}
  [ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] || start_dnssd || return 1
  mkdir -p "$dir"
  IPP_PORT=$(free_port)
  PRINTER_URI=ipps://127.0.0.1:$IPP_PORT/ipp/print
  ippeveprinter -p "$IPP_PORT" -d "$dir" -f application/pdf -k -K "$(printer_keys)" -c "${1:-/bin/true}" \
    -n localhost -r off "Utskriftsrummet" \
    >>"$T/ipp.log" 2>&1 &
  IPP_PID=$!
  remember_pid $IPP_PID
  wait_port "$IPP_PORT" 20
}

# write_conf FILE ["key = value"...]: a server configuration for this test;
# the extra lines replace the defaults of the same keys
write_conf() {
  local f=$1 kv
  shift
  SRV_PORT=${SRV_PORT:-$(free_port)}
  SRV_URL=https://127.0.0.1:$SRV_PORT
  # The web portal for people (server/web.h) on its own port.
  export WEB_PORT=${WEB_PORT:-$(free_port)}
  export WEB_URL=https://127.0.0.1:$WEB_PORT
  mkdir -p "$T/state"
  {
    echo "listen_address = 127.0.0.1"
    echo "port = $SRV_PORT"
    echo "tls_cert = $PKI/server.crt"
    echo "tls_key = $PKI/server.key"
    echo "client_ca = $PKI/ca.crt"
    echo "org_cert = $PKI/org.crt"
    echo "org_key = $PKI/org.key"
    echo "ca_file = $PKI/ca.crt"
    echo "sender_name = Exempelkommun"
    echo "far_url = $SIM_URL/far/Recipient/v3"
    echo "database = $T/state/mmprintd.db"
    echo "spool_dir = $T/state/spool"
    echo "printer_uri = $PRINTER_URI"
    echo "printer_ca = $PKI/ca.crt"
    echo "printer_name = Utskriftsrummet"
    echo "retry_initial_ms = 100"
    echo "retry_max_ms = 400"
    echo "admin_allow = admin"
    echo "web_listen = 127.0.0.1:$WEB_PORT"
    echo "web_assets = $MM_SRCDIR/web"
  } > "$f.defaults"
  : > "$f.extra"
  for kv in "$@"; do echo "$kv" >> "$f.extra"; done
  awk -F' *= *' 'FILENAME == ARGV[1] { over[$1] = 1; next } !($1 in over)' "$f.extra" "$f.defaults" > "$f"
  cat "$f.extra" >> "$f"
  rm -f "$f.defaults" "$f.extra"
}

# start_server CONF: mmprintd in the background; sets SRV_PID
start_server() {
  "$MMPRINTD" -c "$1" >>"$T/server.log" 2>&1 &
  SRV_PID=$!
  remember_pid $SRV_PID
  wait_port "$SRV_PORT" 20 || { diag "mmprintd did not start: $(tail -5 "$T/server.log")"; return 1; }
  if grep -q '^web_listen = .' "$1"; then
    wait_port "$WEB_PORT" 20 || { diag "the web portal did not start: $(tail -5 "$T/server.log")"; return 1; }
  fi
}

# ---- the web portal (server/web.h) ----

# web_user NAME ROLE PASSWORD: a local account, made through
# `mmctl user add --password-stdin` with the admin certificate
web_user() {
  [ -f "$T/admin-client.conf" ] ||
    printf 'cert = %s\nkey = %s\nca = %s\n' "$PKI/client-admin.crt" "$PKI/client-admin.key" "$PKI/ca.crt" \
      > "$T/admin-client.conf"
  printf '%s\n' "$3" | "$MM_BIN/tools/mmctl" user add "$1" --role "$2" --password-stdin \
    -s "127.0.0.1:$SRV_PORT" -C "$T/admin-client.conf" >/dev/null
}

# web GET|POST PATH [curl args...]: HTTPS to the portal (server TLS only)
# with the cookie jar $T/jar-$WEB_AS (WEB_AS: whose browser, default
# "web"), from the address $WEB_FROM when set (127.0.0.N: another
# computer); body in $T/resp, headers in $T/resp.h, status in $code
web() {
  local m=$1 p=$2
  shift 2
  code=$(curl -sS -o "$T/resp" -D "$T/resp.h" -w '%{http_code}' --max-time 60 --cacert "$PKI/ca.crt" \
    ${WEB_FROM:+--interface "$WEB_FROM"} \
    -b "$T/jar-${WEB_AS:-web}" -c "$T/jar-${WEB_AS:-web}" -X "$m" "$@" "$WEB_URL$p" 2>"$T/curl.err")
}

# web_csrf: the CSRF token of the page in $T/resp (its hidden field csrf)
web_csrf() { grep -o 'name="csrf" value="[0-9a-f]*"' "$T/resp" | head -1 | sed 's/.*value="\(.*\)"/\1/'; }

# web_login NAME PASSWORD: signs in in the browser $WEB_AS (the login form,
# its CSRF token, the post); $code is the post's status (303 when signed in,
# its headers in $T/login.h) and WEB_CSRF the session's CSRF token for later
# posts (read from /brev)
web_login() {
  rm -f "$T/jar-${WEB_AS:-web}" # a browser without cookies
  web GET /logga-in
  local t
  t=$(web_csrf)
  web POST /logga-in --data-urlencode "csrf=$t" --data-urlencode "anvandare=$1" --data-urlencode "losenord=$2"
  local c=$code
  cp "$T/resp.h" "$T/login.h"
  WEB_CSRF=
  if [ "$c" = 303 ]; then
    # The person's start page (by role), as a browser follows the redirect.
    local home
    home=$(sed -n 's/^[Ll]ocation: *//p' "$T/login.h" | tr -d '\r')
    web GET "${home:-/}"
    WEB_CSRF=$(web_csrf)
  fi
  code=$c
}

# api METHOD PATH [curl args...]: HTTPS with the desk1 client certificate
# (or $API_CERT's: admin for what only the admin may do); body in $T/resp,
# status in $code
api() {
  local m=$1 p=$2 who=${API_CERT:-desk1}
  shift 2
  # A call that gets no answer must not leave the previous one's body to be read.
  rm -f "$T/resp"
  code=$(curl -sS -o "$T/resp" -w '%{http_code}' --max-time 60 --cacert "$PKI/ca.crt" \
    --cert "$PKI/client-$who.crt" --key "$PKI/client-$who.key" -X "$m" "$@" "$SRV_URL$p" 2>"$T/curl.err")
}

# submit BUNDLE [KEY]: POST /api/v1/jobs
submit() {
  local h=()
  [ -n "${2:-}" ] && h=(-H "Idempotency-Key: $2")
  api POST /api/v1/jobs -H 'Content-Type: application/vnd.mmprint-job' "${h[@]}" --data-binary @"$1"
}

jfield() { jq -r "$1" < "$T/resp"; }

# wait_state ID STATE [SECONDS]: poll until the job is in STATE
wait_state() {
  local i
  for ((i = 0; i < ${3:-20} * 10; i++)); do
    api GET "/api/v1/jobs/$1"
    [ "$(jfield .state)" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# inbox_count RECIPIENT [new|duplicate]: deliveries in the simulator's inbox index
inbox_count() {
  [ -f "$T/inbox/index.tsv" ] || { echo 0; return; }
  awk -F'\t' -v r="$1" -v k="${2:-}" '$4 == r && (k == "" || $9 == k)' "$T/inbox/index.tsv" | wc -l
}

# stored_documents ID: "kind bytes" of each document the store still holds for job ID
stored_documents() {
  sqlite3 -separator ' ' "$T/state/mmprintd.db" "SELECT kind, length(data) FROM documents WHERE job_id = '$1' ORDER BY kind" | paste -sd ' '
}

# printed_files: the documents ippeveprinter received
printed_files() { find "$T/printroom" -type f -name '*.pdf' 2>/dev/null | sort; }

# metrics_and_db [DB]: /metrics' job counts and open exceptions, and the
# same counted by sqlite3 over every job in DB (default the server's
# database), both as /metrics writes them: "same" when they agree, else
# both.  Scraped again while the jobs change in between.
metrics_and_db() {
  local db=${1:-$T/state/mmprintd.db} m a b i s
  local sql="SELECT 'mmprintd_jobs{state=\"' || state || '\",channel=\"' || CASE channel WHEN '' THEN 'none'
    ELSE channel END || '\"} ' || count(*) FROM jobs GROUP BY state, channel ORDER BY state, channel;"
  for s in failed returned expired; do
    sql+="SELECT 'mmprintd_exceptions_open{state=\"$s\"} ' || count(*) FROM jobs WHERE state = '$s' AND resolved_ms = 0;"
  done
  for i in $(seq 50); do
    a=$(sqlite3 "$db" "$sql")
    api GET /metrics
    b=$(sqlite3 "$db" "$sql")
    [ "$a" = "$b" ] && break
    sleep 0.1
  done
  m=$(grep -E '^mmprintd_(jobs|exceptions_open)\{' "$T/resp")
  if [ "$m" = "$a" ]; then echo same; else printf 'metrics:\n%s\ndatabase:\n%s\n' "$m" "$a"; fi
}
