# SPDX-License-Identifier: EUPL-1.2
# A private cupsd for integration tests, sourced after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/cups.sh"
# start_cupsd        cupsd on 127.0.0.1:$CUPSD_PORT with everything under
#                    $T/cups, our pdftomm filter and mmprint backend in its
#                    ServerBin; exports CUPS_SERVER (so lp/lpstat/lpadmin and
#                    libcups programs talk to it).  Needs root (cupsd must
#                    start as root to run filters as lp).
# stop_cupsd
# install_queue SERVER_HOST:PORT     tools/mmprint-queue install, our PPD, the
#                    notifier subscription (mmctl subscribe)
# start_printroom    ippeveprinter on 127.0.0.1:$PRINTROOM_PORT keeping what
#                    it prints in $PRINTROOM_DIR; $PRINTROOM_URI is its URI
# backend_conf CERT KEY CA           the backend.conf cupsd hands the backend
#                    (plus the line $BACKEND_CONF_EXTRA)
# job_attr JOBID ATTR                one job attribute as text (ipptool)
# job_state JOBID / job_state_reasons JOBID / job_message JOBID
# wait_job_state JOBID STATE[|STATE...] SECONDS   until the job is in a state
# submit ARGS...     lp ARGS -> prints the CUPS job id
# A central print server and a workstation with none of our software:
# lan_address        this machine's first non-loopback IPv4 address (cupsd
#                    treats 127.0.0.0/8 as "localhost", for which a queue
#                    need not be shared); empty if there is none
# CUPSD_LAN=ADDR     set before start_cupsd/start_stack: our cupsd listens
#                    on ADDR:$CUPSD_PORT too, allows clients from ADDR and
#                    has Browsing on (what cupsctl --share-printers sets,
#                    so cupsctl reports _share_printers=1; no DNS-SD)
# install_shared_queue SERVER_HOST:PORT   install_queue with --shared
# start_remote_cupsd  a second private cupsd (the workstation): system
#                    ServerBin and MIME files only, tree in $T/remote-cups,
#                    on 127.0.0.1:$REMOTE_CUPSD_PORT; $REMOTE_CUPS_SERVER
#                    is its address (pass as CUPS_SERVER=... or use
#                    remote_cups CMD...)
# stop_remote_cupsd
# remote_cups CMD ARGS...  runs a CUPS client (lp, lpstat, lpadmin, ...)
#                    against the workstation's cupsd
# add_remote_queue NAME URI [MODEL]  lpadmin -p NAME -E -v URI -m MODEL on
#                    the workstation (MODEL: everywhere, the default, or raw)
# remote_submit NAME ARGS...  lp -d NAME ARGS on the workstation -> its job id
# remote_job_state NAME JOBID  the workstation job's state (ipptool)
# ipp_print URI FILE FORMAT USER  Print-Job with ipptool (a driverless
#                    client, e.g. Windows' IPP Class Driver) -> job id, or
#                    "status-code: message" and status 1 when refused
: "${T:?source lib.sh first}"
# Debian's ippeveprinter needs DNS-SD even with "-r off": reuse the server
# tests' private D-Bus + avahi (start_dnssd).  Sourced first so that the
# helpers below, some with the same names, are the ones in effect here.
if [ -f "$MM_SRCDIR/tests/integration/testlib.sh" ]; then
  . "$MM_SRCDIR/tests/integration/testlib.sh"
fi

CUPS_DIR=$T/cups
CUPS_QUEUE=Mina_meddelanden
# tools/mmprint-queue runs mmctl (the notifier subscription): the built one.
export MMCTL

# The PPD: built by ppd/local.mk, else compiled from the source .drv.
_find_ppd() {
  local f
  for f in "$MM_BUILDDIR"/ppd/*.ppd "$MM_BUILDDIR"/ppd/ppd/*.ppd; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  for f in "$MM_SRCDIR"/ppd/*.drv; do
    [ -f "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

# _lp_can_reach DIR: whether the lp user (filters) can traverse to DIR.
_lp_can_reach() {
  setpriv --reuid=lp --regid=lp --clear-groups test -x "$1" 2>/dev/null
}

backend_conf() { # CERT KEY CA  (plus the line $BACKEND_CONF_EXTRA, if set)
  mkdir -p "$CUPS_DIR"
  printf 'cert = %s\nkey = %s\nca = %s\nconnect_timeout = 3\ntimeout = 60\n%s\n' "$1" "$2" "$3" \
    "${BACKEND_CONF_EXTRA:-}" > "$CUPS_DIR/backend.conf"
  chmod 644 "$CUPS_DIR/backend.conf"
}

start_cupsd() {
  [ "$(id -u)" = 0 ] || { echo "start_cupsd: needs root" >&2; return 1; }
  CUPSD_PORT=$(free_port)
  write_cupsd_conf || return 1
  local C=$CUPS_DIR
  # A directive cupsd does not know stops it; say so at once, not as a timeout.
  if ! cupsd -t -c "$C/cupsd.conf" -s "$C/cups-files.conf" >"$C/log/cupsd-t.out" 2>&1; then
    echo "cupsd refuses $C/cupsd.conf:" >&2
    cat "$C/log/cupsd-t.out" >&2
    return 1
  fi
  cupsd -f -c "$C/cupsd.conf" -s "$C/cups-files.conf" 2>>"$C/log/cupsd.stderr" &
  CUPSD_PID=$!
  remember_pid "$CUPSD_PID"
  export CUPS_SERVER=127.0.0.1:$CUPSD_PORT
  # A client.conf-free HOME so nothing from the real user's ~/.cups leaks in.
  mkdir -p "$T/home"
  export HOME=$T/home
  wait_port "$CUPSD_PORT" 20 || { echo "cupsd did not start:" >&2; tail -n 20 "$C/log/error_log" "$C/log/cupsd.stderr" >&2; return 1; }
}

# write_cupsd_conf: the private cupsd's cupsd.conf and cups-files.conf under
# $CUPS_DIR (port $CUPSD_PORT), its ServerBin with our filter and backend.
write_cupsd_conf() {
  : "${CUPSD_PORT:=$(free_port)}"
  local sub f
  # Filters run as lp: they must reach the spool through $T (not its secrets:
  # keys stay 0600 in their own directories).
  chmod 755 "$T"
  if ! _lp_can_reach "$T"; then
    # A parent of $T is closed to lp (a mktemp -d directory, a 0700 home:
    # tools/demo --keep DIR), so every filter would fail.  cupsd's tree then
    # lives in a directory of its own that lp can reach; $T/cups points there.
    if [ ! -L "$T/cups" ]; then
      local real
      real=$(mktemp -d /tmp/mmcups.XXXXXX) || return 1
      # backend.conf may be written already: it moves along.
      [ -d "$T/cups" ] && cp -a "$T/cups/." "$real/"
      rm -rf "$T/cups"
      ln -s "$real" "$T/cups"
      echo "$real" >> "$T/extra_dirs"
    fi
    CUPS_DIR=$(readlink "$T/cups")
  fi
  local C=$CUPS_DIR
  mkdir -p "$C"/{etc/ppd,spool,tmp,cache,state,log,serverbin}
  chmod 755 "$C"
  # TempDir as Debian sets up /var/spool/cups/tmp: filters (as lp) write there.
  chown root:lp "$C/tmp"
  chmod 1770 "$C/tmp"
  # ServerBin mirrors the system one, plus our filter and backend.  CUPS only
  # runs root-owned programs that nobody else can write; the backend is
  # 0700 so that it runs as root and may read the root-only client key.
  for sub in /usr/lib/cups/*/; do
    sub=${sub%/}
    mkdir -p "$C/serverbin/${sub##*/}"
    for f in "$sub"/*; do
      [ -e "$f" ] && ln -sf "$f" "$C/serverbin/${sub##*/}/${f##*/}"
    done
  done
  if [ -x "$MM_BUILDDIR/filter/pdftomm" ]; then
    rm -f "$C/serverbin/filter/pdftomm"
    install -o root -g root -m 0755 "$MM_BUILDDIR/filter/pdftomm" "$C/serverbin/filter/pdftomm"
  fi
  rm -f "$C/serverbin/backend/mmprint"
  install -o root -g root -m 0700 "$MM_BUILDDIR/backend/mmprint" "$C/serverbin/backend/mmprint"
  # The notifier that reports jobs cancelled in CUPS (cupsd runs it as lp).
  if [ -x "$MM_BUILDDIR/notifier/mmprint" ]; then
    rm -f "$C/serverbin/notifier/mmprint"
    install -o root -g root -m 0755 "$MM_BUILDDIR/notifier/mmprint" "$C/serverbin/notifier/mmprint"
  fi
  chmod 755 "$C/serverbin" "$C/serverbin"/*
  [ -f "$C/backend.conf" ] || backend_conf /nonexistent /nonexistent /nonexistent
  # Our MIME type and conversion, as `make install` puts them in /etc/cups.
  for f in "$MM_SRCDIR"/filter/*.types "$MM_SRCDIR"/filter/*.convs; do
    [ -f "$f" ] && install -m 0644 "$f" "$C/etc/"
  done

  cat > "$C/cups-files.conf" <<EOF
ServerRoot $C/etc
ServerBin $C/serverbin
RequestRoot $C/spool
TempDir $C/tmp
CacheDir $C/cache
StateDir $C/state
AccessLog $C/log/access_log
ErrorLog $C/log/error_log
PageLog $C/log/page_log
Printcap $C/printcap
FileDevice No
User lp
Group lp
SystemGroup root
SetEnv MMPRINT_BACKEND_CONF $C/backend.conf
PassEnv ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
EOF
  local browsing=No
  [ -n "${CUPSD_LAN:-}" ] && browsing=Yes
  # The settings doc/admin-guide.md recommends: personnummer kept private,
  # no documents kept after the job.  Retries are fast here so a test can
  # watch CUPS retry while the server is down.
  cat > "$C/cupsd.conf" <<EOF
LogLevel debug
MaxLogSize 0
Listen 127.0.0.1:$CUPSD_PORT
${CUPSD_LAN:+Listen $CUPSD_LAN:$CUPSD_PORT}
Browsing $browsing
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
DefaultEncryption Never
JobRetryInterval ${CUPSD_RETRY_INTERVAL:-2}
JobRetryLimit ${CUPSD_RETRY_LIMIT:-30}
PreserveJobFiles No
PreserveJobHistory Yes
MaxJobs 2000
MaxJobsPerUser 0
MaxJobsPerPrinter 0
<Location />
  Order allow,deny
  Allow 127.0.0.1
${CUPSD_LAN:+  Allow $CUPSD_LAN}
</Location>
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default Personnummer job-billing
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
  chmod 644 "$C/cupsd.conf" "$C/cups-files.conf"
}

stop_cupsd() {
  [ -n "${CUPSD_PID:-}" ] || return 0
  kill "$CUPSD_PID" 2>/dev/null
  local i
  for ((i = 0; i < 100; i++)); do
    gone "$CUPSD_PID" && break
    sleep 0.1
  done
  CUPSD_PID=
}

install_queue() { # SERVER_HOST:PORT
  local ppd
  ppd=$(_find_ppd) || { echo "install_queue: no PPD built (ppd/)" >&2; return 1; }
  "$MM_SRCDIR/tools/mmprint-queue" install --server "$1" --ppd "$ppd"
}

start_printroom() {
  PRINTROOM_PORT=$(free_port)
  PRINTROOM_DIR=$T/printroom
  mkdir -p "$PRINTROOM_DIR"
  if [ -z "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] && declare -F start_dnssd >/dev/null; then
    start_dnssd || return 1
  fi
  ippeveprinter -p "$PRINTROOM_PORT" -n localhost -r off -k -K "$(printer_keys)" -d "$PRINTROOM_DIR" \
    -f application/pdf,application/octet-stream -l Utskriftsrummet Utskriftsrummet \
    >"$T/printroom.log" 2>&1 &
  remember_pid $!
  PRINTROOM_URI=ipps://127.0.0.1:$PRINTROOM_PORT/ipp/print
  wait_port "$PRINTROOM_PORT" 20
}

# Prints "name=value" lines for the asked attributes of one job.
job_attrs() { # JOBID ATTR...
  local id=$1; shift
  local test=$T/get-job.test
  local want display a
  want=$(IFS=,; echo "$*")
  display=""
  for a in "$@"; do display+="  DISPLAY $a"$'\n'; done
  cat > "$test" <<EOF
{
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri \$uri
  ATTR integer job-id $id
  ATTR name requesting-user-name root
  ATTR keyword requested-attributes $want
$display}
EOF
  ipptool -t -v "ipp://$CUPS_SERVER/printers/$CUPS_QUEUE" "$test" 2>/dev/null |
    sed -n 's/^ *\([a-z-]*\) ([^)]*) = \(.*\)$/\1=\2/p'
}

job_attr() { # JOBID ATTR
  job_attrs "$1" "$2" | sed -n "s/^$2=//p" | head -n 1
}
job_state() { job_attr "$1" job-state; }
job_state_reasons() { job_attr "$1" job-state-reasons; }
job_message() { job_attr "$1" job-printer-state-message; }

wait_job_state() { # JOBID STATE[|STATE...] SECONDS
  local id=$1 want=$2 secs=${3:-30} st i
  for ((i = 0; i < secs * 5; i++)); do
    st=$(job_state "$id")
    if [[ "|$want|" == *"|$st|"* ]]; then
      return 0
    fi
    sleep 0.2
  done
  echo "job $id: state '$st' after ${secs}s, wanted '$want' ($(job_state_reasons "$id"); $(job_message "$id"))" >&2
  return 1
}

# lp ARGS on our queue; prints the job id only.
submit() {
  local out
  out=$(lp -d "$CUPS_QUEUE" "$@") || return 1
  sed -n 's/^request id is [^ ]*-\([0-9]*\) .*/\1/p' <<<"$out"
}

# make_letter OUT.pdf [info:KEY=VALUE]... [xmp:NSURI|PREFIX|PROPERTY=VALUE]... [text:LINE]...
# A small, valid one-page PDF (python3 stdlib only) with the given Info
# entries, an XMP property and lines of page text (Latin-1, Helvetica).
make_letter() {
  python3 - "$@" <<'EOF'
import sys, zlib
out, args = sys.argv[1], sys.argv[2:]
info, xmp, text = [], [], []
for a in args:
    kind, _, rest = a.partition(":")
    if kind == "info": info.append(rest.split("=", 1))
    elif kind == "xmp": xmp.append(rest)
    elif kind == "text": text.append(rest)
def pdfstr(s):
    b = s.encode("latin-1")
    return b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
objs = []
def add(body):
    objs.append(body); return len(objs)
cat = add(None); pages = add(None); font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
lines = [b"BT /F1 12 Tf 72 760 Td 16 TL"] + [pdfstr(t) + b" '" for t in (text or ["Brev"])] + [b"ET"]
stream = b"\n".join(lines)
content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
page = add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages, font, content))
objs[pages - 1] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % page
catalog = b"<< /Type /Catalog /Pages %d 0 R" % pages
if xmp:
    props, nss = b"", b""
    for i, x in enumerate(xmp):
        ns, prefix, pv = x.split("|", 2)
        prop, val = pv.split("=", 1)
        nss += b' xmlns:%s="%s"' % (prefix.encode(), ns.encode())
        props += b"<%s:%s>%s</%s:%s>" % (prefix.encode(), prop.encode(), val.encode(), prefix.encode(), prop.encode())
    x = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
         b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
         b'<rdf:Description rdf:about=""' + nss + b'>' + props + b'</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>')
    meta = add(b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(x) + x + b"\nendstream")
    catalog += b" /Metadata %d 0 R" % meta
objs[cat - 1] = catalog + b" >>"
infoobj = add(b"<< " + b" ".join(b"/" + k.encode() + b" " + pdfstr(v) for k, v in info) + b" /Producer (mmprint test) >>")
data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
offs = []
for i, body in enumerate(objs, 1):
    offs.append(len(data))
    data += b"%d 0 obj\n" % i + body + b"\nendobj\n"
xref = len(data)
data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
data += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, cat, infoobj, xref)
open(out, "wb").write(data)
EOF
}

# test_pnr N: the Nth valid 1900s test personnummer from Skatteverket's list.
test_pnr() {
  python3 -c 'import json,sys; d=[p for p in json.load(open(sys.argv[1])) if p.startswith("19")]; print(d[int(sys.argv[2])])' \
    "$MM_SHARED/testdata/ids/personnummer-meta/allPins.json" "$1"
}

# ---- the whole print path: mmsimd + mmprintd + print room + cupsd + queue ----
ORG_NR=162120000142

# start_mmsimd REGISTRY_LINES...   the simulator (FaR + operator kivra) on
# $SIM_PORT with its inbox in $SIM_INBOX; each argument is a registry line.
# $SIM_FAULTS, if set, names its faults file (mmsimd(8)).
start_mmsimd() {
  make_pki
  SIM_PORT=$(free_port)
  SIM_INBOX=$T/inbox
  mkdir -p "$SIM_INBOX"
  {
    echo "operator kivra name=Kivra id=165567828172"
    echo "sender $ORG_NR name=Exempelkommun"
    printf '%s\n' "$@"
  } > "$T/registry"
  "$MMSIMD" --listen "127.0.0.1:$SIM_PORT" --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --ca "$PKI/ca.crt" --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$SIM_INBOX" \
    ${SIM_FAULTS:+--faults "$SIM_FAULTS"} >"$T/mmsimd.log" 2>&1 &
  SIM_PID=$!
  remember_pid "$SIM_PID"
  wait_port "$SIM_PORT" 20
}

# sim_recipient NUMBER: a registry line for a Kivra mailbox that takes our letters
sim_recipient() { echo "recipient $1 operator=kivra type=Secure pending=no accepts=*"; }

# Letters the simulated mailboxes received for NUMBER (lines of index.tsv).
inbox_count() { # NUMBER
  [ -f "$SIM_INBOX/index.tsv" ] || { echo 0; return; }
  grep -c -F "$1" "$SIM_INBOX/index.tsv"
}
wait_inbox() { # NUMBER COUNT SECONDS
  local i
  for ((i = 0; i < ${3:-20} * 5; i++)); do
    [ "$(inbox_count "$1")" -ge "$2" ] && return 0
    sleep 0.2
  done
  return 1
}

# Files the print room printed.
printroom_count() { find "$PRINTROOM_DIR" -type f -name '*.pdf' 2>/dev/null | wc -l; }

# start_mmprintd: the server on $SRV_PORT (state in $T/srv), org certificate
# from the test PKI, FaR and kivra at the simulator, paper to the print room.
# $SRV_SYNC_WAIT_MS sets how long a submission waits for its outcome (3000);
# $SRV_CONF_EXTRA, if set, is appended to mmprintd.conf.
start_mmprintd() {
  SRV_PORT=${SRV_PORT:-$(free_port)}
  mkdir -p "$T/srv"
  chmod 700 "$T/srv"
  cp "$PKI/org.key" "$PKI/server.key" "$T/srv/" 2>/dev/null
  chmod 600 "$T/srv/org.key" "$T/srv/server.key"
  cat > "$T/srv/mmprintd.conf" <<CONF
listen_address = 127.0.0.1
port = $SRV_PORT
tls_cert = $PKI/server.crt
tls_key = $T/srv/server.key
client_ca = $PKI/ca.crt
org_cert = $PKI/org.crt
org_key = $T/srv/org.key
ca_file = $PKI/ca.crt
far_url = https://127.0.0.1:$SIM_PORT/far/Recipient/v3
sender_name = Exempelkommun
database = $T/srv/mmprintd.db
spool_dir = $T/srv/spool
printer_uri = $PRINTROOM_URI
printer_ca = $PKI/ca.crt
printer_name = Utskriftsrummet
sync_wait_ms = ${SRV_SYNC_WAIT_MS:-3000}
${SRV_CONF_EXTRA:-}
CONF
  "$MMPRINTD" -c "$T/srv/mmprintd.conf" >>"$T/mmprintd.log" 2>&1 &
  SRV_PID=$!
  remember_pid "$SRV_PID"
  wait_port "$SRV_PORT" 20
}

stop_mmprintd() {
  [ -n "${SRV_PID:-}" ] || return 0
  kill "$SRV_PID" 2>/dev/null
  local i
  for ((i = 0; i < 100; i++)); do gone "$SRV_PID" && break; sleep 0.1; done
  SRV_PID=
}

# srv_get PATH: GET on the server API with the desk1 client certificate.
srv_get() {
  curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" --key "$PKI/client-desk1.key" \
    "https://127.0.0.1:$SRV_PORT$1"
}

# start_stack REGISTRY_LINES...: simulator, print room, server, cupsd, queue.
start_stack() {
  make_pki
  start_mmsimd "$@" || { echo "mmsimd did not start" >&2; cat "$T/mmsimd.log" >&2; return 1; }
  start_printroom || { echo "ippeveprinter did not start" >&2; return 1; }
  start_mmprintd || { echo "mmprintd did not start" >&2; tail -n 20 "$T/mmprintd.log" >&2; return 1; }
  # As doc/admin-guide.md says: the key root-only (0600), or with
  # STACK_KEY_SHARED=1 root:lp 0640 and key_shared_with_lp = yes, the
  # opt-in that lets the notifier (it runs as lp) report cancelled jobs.
  mkdir -m 750 -p "$T/keys"
  chgrp lp "$T/keys"
  cp "$PKI/client-desk1.crt" "$PKI/client-desk1.key" "$PKI/ca.crt" "$T/keys/"
  chmod 644 "$T/keys/client-desk1.crt" "$T/keys/ca.crt"
  if [ "${STACK_KEY_SHARED:-0}" = 1 ]; then
    chgrp lp "$T/keys/client-desk1.key"
    chmod 640 "$T/keys/client-desk1.key"
    BACKEND_CONF_EXTRA="key_shared_with_lp = yes"
  else
    chmod 600 "$T/keys/client-desk1.key"
  fi
  backend_conf "$T/keys/client-desk1.crt" "$T/keys/client-desk1.key" "$T/keys/ca.crt"
  start_cupsd || return 1
  if [ "${STACK_RAW_QUEUE:-0}" = 1 ]; then
    install_raw_queue "127.0.0.1:$SRV_PORT"
  else
    install_queue "127.0.0.1:$SRV_PORT" >/dev/null
  fi
}

# The text the filter/backend reported for a job (INFO/WARNING/ERROR lines in error_log).
job_log() { grep -a "\[Job $1\]" "$CUPS_DIR/log/error_log"; }

# Sanitizer reports from the filter or backend (ASan builds) land in cupsd's
# error_log as DEBUG lines; a test must fail on them.
check_no_sanitizer_reports() {
  if grep -a -q -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" "$CUPS_DIR/log/error_log" 2>/dev/null; then
    not_ok "no sanitizer reports from the filter or backend"
    diag "$(grep -a -E -m 5 "Sanitizer|runtime error:" "$CUPS_DIR/log/error_log")"
  else
    ok "no sanitizer reports from the filter or backend"
  fi
}

# make_bundle OUT PDF [key=value]...: a job bundle (lib/bundle.h format) as
# the pdftomm filter writes it, for raw-queue tests of backend + server.
make_bundle() {
  python3 - "$@" <<'PY'
import sys
out, pdf, kv = sys.argv[1], sys.argv[2], sys.argv[3:]
doc = open(pdf, "rb").read()
head = "MMPRINT-JOB 1\n" + "".join(k + ": " + v + "\n" for k, v in (a.split("=", 1) for a in kv))
head += "document-type: application/pdf\ndocument-length: %d\n\n" % len(doc)
open(out, "wb").write(head.encode() + doc)
PY
}

# install_raw_queue SERVER_HOST:PORT: the queue without the filter, so that
# the backend gets our bundle bytes unchanged.
install_raw_queue() {
  lpadmin -p "$CUPS_QUEUE" -E -v "mmprint://$1/" -m raw -o printer-error-policy=retry-job 2>/dev/null
}

# printer_attr QUEUE ATTR: one printer attribute as text (ipptool)
printer_attr() {
  local test=$T/get-printer.test
  cat > "$test" <<TEST
{
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri \$uri
  ATTR keyword requested-attributes $2
  DISPLAY $2
}
TEST
  ipptool -t -v "ipp://$CUPS_SERVER/printers/$1" "$test" 2>/dev/null |
    sed -n "s/^ *$2 ([^)]*) = \(.*\)$/\1/p" | tail -n 1
}

# ---- a central print server and a workstation without our software ----

lan_address() {
  # hostname(1) is in every Debian system (Priority: required), ip(8) not.
  local a
  for a in $(hostname -I 2>/dev/null); do
    case $a in 127.*|*:*) ;; *) echo "$a"; return 0 ;; esac
  done
}

install_shared_queue() { # SERVER_HOST:PORT
  local ppd
  ppd=$(_find_ppd) || { echo "install_shared_queue: no PPD built (ppd/)" >&2; return 1; }
  "$MM_SRCDIR/tools/mmprint-queue" install --shared --server "$1" --ppd "$ppd"
}

start_remote_cupsd() {
  [ "$(id -u)" = 0 ] || { echo "start_remote_cupsd: needs root" >&2; return 1; }
  REMOTE_CUPSD_PORT=$(free_port)
  REMOTE_CUPS_DIR=$T/remote-cups
  local C=$REMOTE_CUPS_DIR
  mkdir -p "$C"/etc/ppd "$C"/spool "$C"/tmp "$C"/cache "$C"/state "$C"/log
  chmod 755 "$C"
  chown root:lp "$C/tmp"
  chmod 1770 "$C/tmp"
  # The system's ServerBin and MIME database (DataDir): a desktop as Debian
  # installs it, with nothing of ours.
  cat > "$C/cups-files.conf" <<EOF
ServerRoot $C/etc
RequestRoot $C/spool
TempDir $C/tmp
CacheDir $C/cache
StateDir $C/state
AccessLog $C/log/access_log
ErrorLog $C/log/error_log
PageLog $C/log/page_log
Printcap $C/printcap
User lp
Group lp
SystemGroup root
EOF
  cat > "$C/cupsd.conf" <<EOF
LogLevel debug
MaxLogSize 0
Listen 127.0.0.1:$REMOTE_CUPSD_PORT
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
JobRetryInterval 2
PreserveJobFiles No
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
  chmod 644 "$C/cupsd.conf" "$C/cups-files.conf"
  if ! cupsd -t -c "$C/cupsd.conf" -s "$C/cups-files.conf" >"$C/log/cupsd-t.out" 2>&1; then
    echo "the workstation's cupsd refuses $C/cupsd.conf:" >&2
    cat "$C/log/cupsd-t.out" >&2
    return 1
  fi
  cupsd -f -c "$C/cupsd.conf" -s "$C/cups-files.conf" 2>>"$C/log/cupsd.stderr" &
  REMOTE_CUPSD_PID=$!
  remember_pid "$REMOTE_CUPSD_PID"
  REMOTE_CUPS_SERVER=127.0.0.1:$REMOTE_CUPSD_PORT
  wait_port "$REMOTE_CUPSD_PORT" 20 ||
    { echo "the workstation's cupsd did not start:" >&2; tail -n 20 "$C/log/error_log" "$C/log/cupsd.stderr" >&2; return 1; }
}

stop_remote_cupsd() {
  # stop_cupsd on the workstation's pid (bash scoping: it sees this local).
  local CUPSD_PID=${REMOTE_CUPSD_PID:-}
  stop_cupsd
  REMOTE_CUPSD_PID=
}

remote_cups() { # CMD ARGS...
  CUPS_SERVER=$REMOTE_CUPS_SERVER "$@"
}

add_remote_queue() { # NAME URI [MODEL]
  remote_cups lpadmin -p "$1" -E -v "$2" -m "${3:-everywhere}"
}

remote_submit() { # NAME ARGS...
  local q=$1 out
  shift
  out=$(remote_cups lp -d "$q" "$@") || return 1
  sed -n 's/^request id is [^ ]*-\([0-9]*\) .*/\1/p' <<<"$out"
}

remote_job_state() { # NAME JOBID
  local test=$T/remote-get-job.test
  cat > "$test" <<EOF
{
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri \$uri
  ATTR integer job-id $2
  ATTR name requesting-user-name root
  ATTR keyword requested-attributes job-state
  DISPLAY job-state
}
EOF
  ipptool -t -v "ipp://$REMOTE_CUPS_SERVER/printers/$1" "$test" 2>/dev/null |
    sed -n 's/^ *job-state ([^)]*) = \(.*\)$/\1/p' | head -n 1
}

# ipp_print URI FILE FORMAT USER: Print-Job straight to URI with ipptool, as a
# driverless client sends it (the Windows IPP Class Driver: PWG raster; the
# PS Class Driver over IPP: PostScript).  Prints the job id; on a refusal
# prints "status-code: status-message" and returns 1.
ipp_print() {
  local test=$T/print-job.test out
  cat > "$test" <<EOF
{
  OPERATION Print-Job
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri \$uri
  ATTR name requesting-user-name $4
  ATTR name job-name ${2##*/}
  ATTR mimeMediaType document-format $3
  FILE $2
  DISPLAY job-id
  DISPLAY status-message
}
EOF
  out=$(ipptool -t -v "$1" "$test" 2>&1)
  if [[ "$out" == *"status-code = successful-ok"* ]]; then
    sed -n 's/^ *job-id (integer) = \([0-9]*\)$/\1/p' <<<"$out" | head -n 1
    return 0
  fi
  sed -n 's/^ *status-code = \([^ ]*\).*$/\1/p' <<<"$out" | head -n 1 | tr '\n' ':'
  sed -n 's/^ *status-message ([^)]*) = \(.*\)$/ \1/p' <<<"$out" | head -n 1
  return 1
}
