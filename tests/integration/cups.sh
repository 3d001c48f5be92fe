# A private cupsd for integration tests, sourced after lib.sh:
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/cups.sh"
# start_cupsd        cupsd on 127.0.0.1:$CUPSD_PORT with everything under
#                    $T/cups, our pdftomm filter and mmprint backend in its
#                    ServerBin; exports CUPS_SERVER (so lp/lpstat/lpadmin and
#                    libcups programs talk to it).  Needs root (cupsd must
#                    start as root to run filters as lp).
# stop_cupsd
# install_queue SERVER_HOST:PORT     tools/mmprint-queue install, our PPD
# start_printroom    ippeveprinter on 127.0.0.1:$PRINTROOM_PORT keeping what
#                    it prints in $PRINTROOM_DIR; $PRINTROOM_URI is its URI
# backend_conf CERT KEY CA           the backend.conf cupsd hands the backend
# job_attr JOBID ATTR                one job attribute as text (ipptool)
# job_state JOBID / job_state_reasons JOBID / job_message JOBID
# wait_job_state JOBID STATE[|STATE...] SECONDS   until the job is in a state
# submit ARGS...     lp ARGS -> prints the CUPS job id
: "${T:?source lib.sh first}"

CUPS_DIR=$T/cups
CUPS_QUEUE=Mina_meddelanden

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

backend_conf() { # CERT KEY CA
  mkdir -p "$CUPS_DIR"
  printf 'cert = %s\nkey = %s\nca = %s\nconnect_timeout = 3\ntimeout = 60\n' "$1" "$2" "$3" > "$CUPS_DIR/backend.conf"
  chmod 644 "$CUPS_DIR/backend.conf"
}

start_cupsd() {
  [ "$(id -u)" = 0 ] || { echo "start_cupsd: needs root" >&2; return 1; }
  CUPSD_PORT=$(free_port)
  local C=$CUPS_DIR sub f
  mkdir -p "$C"/{etc/ppd,spool,tmp,cache,state,log,serverbin}
  # Filters run as lp: they must reach the spool through $T (not its secrets:
  # keys stay 0600 in their own directories).
  chmod 755 "$T" "$C"
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
  chmod 755 "$C/serverbin" "$C/serverbin"/*
  [ -f "$C/backend.conf" ] || backend_conf /nonexistent /nonexistent /nonexistent

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
  # The settings doc/admin-guide.md recommends: personnummer kept private,
  # no documents kept after the job.  Retries are fast here so a test can
  # watch CUPS retry while the server is down.
  cat > "$C/cupsd.conf" <<EOF
LogLevel debug
MaxLogSize 0
Listen 127.0.0.1:$CUPSD_PORT
Browsing No
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
JobPrivateValues default Personnummer job-billing
JobPrivateAccess default
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
  cupsd -f -c "$C/cupsd.conf" -s "$C/cups-files.conf" 2>>"$C/log/cupsd.stderr" &
  CUPSD_PID=$!
  remember_pid "$CUPSD_PID"
  export CUPS_SERVER=127.0.0.1:$CUPSD_PORT
  # A client.conf-free HOME so nothing from the real user's ~/.cups leaks in.
  mkdir -p "$T/home"
  export HOME=$T/home
  wait_port "$CUPSD_PORT" 20 || { echo "cupsd did not start:" >&2; tail -n 20 "$C/log/error_log" "$C/log/cupsd.stderr" >&2; return 1; }
}

stop_cupsd() {
  [ -n "${CUPSD_PID:-}" ] || return 0
  kill "$CUPSD_PID" 2>/dev/null
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$CUPSD_PID" 2>/dev/null || break
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
  ippeveprinter -p "$PRINTROOM_PORT" -n 127.0.0.1 -r off -k -d "$PRINTROOM_DIR" \
    -f application/pdf,application/octet-stream -l Utskriftsrummet Utskriftsrummet \
    >"$T/printroom.log" 2>&1 &
  remember_pid $!
  PRINTROOM_URI=ipp://127.0.0.1:$PRINTROOM_PORT/ipp/print
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
