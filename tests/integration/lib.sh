# SPDX-License-Identifier: EUPL-1.2
# Shared helpers for integration tests: TAP output, a private temporary
# directory, free loopback ports, a test PKI, and clean-up of every process
# a test started.  Source it first thing: . "$(dirname "$0")/lib.sh"
set -u
: "${MM_SRCDIR:?run through tests/run}" "${MM_BUILDDIR:?run through tests/run}" "${MM_SHARED:?}"
MM_BIN=$MM_BUILDDIR
MMCTL=$MM_BIN/tools/mmctl
MMSIMD=$MM_BIN/sim/mmsimd
SCHEMAS=$MM_SHARED/spec/schemas/current
# tools/demo reuses these helpers with its own directory, and with
# MM_STACK_KEEP=1 leaves the processes running for the user (--keep).
if [ -n "${MM_STACK_DIR:-}" ]; then
  T=$MM_STACK_DIR
  mkdir -p "$T"
else
  T=$(mktemp -d /tmp/mmit.XXXXXX)
fi
_tap_n=0
_tap_failed=0

# gone PID: the process has ended.  A child of this shell that exited stays a
# zombie (kill -0 still succeeds) until it is reaped: reap it here.
gone() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null)
  case $st in
    "") return 0 ;;
    Z*) wait "$1" 2>/dev/null; return 0 ;;
  esac
  return 1
}

_cleanup() {
  # tools/demo runs under set -e: a kill of a process that already ended
  # must not turn a successful run's exit status into 1.
  set +e
  [ "${MM_STACK_KEEP:-0}" = 1 ] && return 0
  if [ -f "$T/pids" ]; then
    while read -r pid; do kill "$pid" 2>/dev/null; done < "$T/pids"
    sleep 0.2
    while read -r pid; do kill -9 "$pid" 2>/dev/null; done < "$T/pids"
    # Let them go before their directories do (cupsd writes as it stops).
    local pid i left
    for ((i = 0; i < 50; i++)); do
      left=0
      while read -r pid; do gone "$pid" || left=1; done < "$T/pids"
      [ "$left" = 0 ] && break
      sleep 0.1
    done
  fi
  if [ -n "${MM_STACK_DIR:-}" ] || [ "${MM_KEEP_TMP:-0}" = 1 ] || [ "$_tap_failed" -gt 0 ]; then
    echo "# kept $T" >&2
  else
    remove_extra_dirs "$T"
    rm -rf "$T"
  fi
}
trap _cleanup EXIT

# Directories a stack made outside $T (cups.sh: a cupsd tree lp can reach).
remove_extra_dirs() { # T
  local d
  [ -f "$1/extra_dirs" ] || return 0
  while read -r d; do
    case $d in /tmp/mmcups.*) rm -rf "$d" ;; esac
  done < "$1/extra_dirs"
  rm -f "$1/extra_dirs"
}

ok()      { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok()  { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
diag()    { sed 's/^/# /' <<<"$*"; }
# check DESCRIPTION CMD...   passes when CMD exits 0
check()   { local d=$1; shift; if "$@" >"$T/last.out" 2>&1; then ok "$d"; else not_ok "$d"; diag "$(tail -n 20 "$T/last.out")"; fi; }
# check_fails DESCRIPTION CMD...   passes when CMD exits non-zero
check_fails() { local d=$1; shift; if "$@" >"$T/last.out" 2>&1; then not_ok "$d"; diag "$(tail -n 20 "$T/last.out")"; else ok "$d"; fi; }
# is DESCRIPTION GOT WANT
is()      { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got:  $2"; diag "want: $3"; fi; }
# contains DESCRIPTION HAYSTACK NEEDLE
contains() { if [[ "$2" == *"$3"* ]]; then ok "$1"; else not_ok "$1"; diag "missing: $3"; diag "in: ${2:0:2000}"; fi; }

remember_pid() { echo "$1" >> "$T/pids"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: until something listens on 127.0.0.1:PORT
wait_port() {
  local i
  for ((i = 0; i < ${2:-10} * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# make_pki: test PKI under $T/pki (organisation, server and client certificates)
make_pki() {
  [ -f "$T/pki/org.crt" ] || "$MM_SRCDIR/tools/pki/mkpki" -c desk1 -c desk2 -c admin "$T/pki" >/dev/null
  PKI=$T/pki
}

done_testing() {
  echo "1..$_tap_n"
  [ "$_tap_failed" -eq 0 ]
}
