#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# tools/demo as a new user runs it: the Quick start's first command.  It
# exits 0 when every sample letter ended where it should, non-zero with a
# line saying which did not, and --keep works in a directory that lp
# cannot reach (mktemp -d, a 0700 home).
. "$(dirname "$0")/lib.sh"
demo=$MM_SRCDIR/tools/demo

# The Quick start's command as it stands: run, show, stop everything.
"$demo" >"$T/plain.out" 2>&1
is "tools/demo exits 0 after a successful run" "$?" 0
contains "... and says every letter ended where expected" "$(cat "$T/plain.out")" "demo OK: all 7 letters ended where expected"

private=$(mktemp -d /tmp/mmdemo.XXXXXX)   # 0700: lp cannot traverse it
dir=$private/stack
"$demo" --keep "$dir" >"$T/keep.out" 2>&1
is "demo --keep under a 0700 directory exits 0" "$?" 0
out=$(cat "$T/keep.out")
contains "it says every letter ended where expected" "$out" "demo OK: all 7 letters ended where expected"
if grep -a -q -E 'Filter failed|filter errors|failed with status|crashed on signal' "$dir"/cups/log/error_log 2>/dev/null; then
  not_ok "no filter failed"
  diag "$(grep -a -E 'Filter failed|filter errors|failed with status|crashed on signal' "$dir"/cups/log/error_log | head -n 3)"
else
  ok "no filter failed"
fi
for row in "XMP-metadata.*digital.*delivered" "Sidtext \\(ingen.*paper.*printed" "Org.nr.*text.*digital.*delivered" "Utan mottagare.*digital.*delivered"; do
  check "the table shows: $row" grep -Eq "$row" "$T/keep.out"
done
check "DIR/env is written" grep -q '^export CUPS_SERVER=' "$dir/env"
pids=$(cat "$dir/pids")
server=$(sed -n 's/^export CUPS_SERVER=//p' "$dir/env")
check "the kept stack answers lpstat" env CUPS_SERVER="$server" lpstat -p Mina_meddelanden
cupsdir=$(readlink "$dir/cups")
"$demo" --stop "$dir" >"$T/stop.out" 2>&1
is "demo --stop exits 0" "$?" 0
alive=0
for _ in $(seq 50); do
  alive=0
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
  [ "$alive" -eq 0 ] && break
  sleep 0.1
done
is "demo --stop ends every process it started" "$alive" 0
if [ -n "$cupsdir" ] && [ -e "$cupsdir" ]; then not_ok "demo --stop removes cupsd's tree outside DIR"; else ok "demo --stop removes cupsd's tree outside DIR"; fi
rm -rf "$private"

# A letter that does not end where expected: qpdf cannot read anything, so
# the paper letters fail in the print room.
mkdir -p "$T/badbin"
# mmprintd runs as the unprivileged test user under root: it must reach the
# stand-in qpdf to run it.
chmod a+x "$T" "$T/badbin"
printf '#!/bin/sh\necho "qpdf: simulated damage" >&2\nexit 2\n' > "$T/badbin/qpdf"
chmod 755 "$T/badbin/qpdf"
PATH=$T/badbin:$PATH "$demo" >"$T/bad.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then ok "demo exits non-zero when a letter did not end where expected"; else not_ok "demo exits non-zero when a letter did not end where expected"; fi
contains "... with a line saying how many" "$(cat "$T/bad.out")" "demo FAILED: 2 of 7 letters did not end where expected"
check "... and the table marks the letter" grep -q "Sidtext.*<- expected paper/printed" "$T/bad.out"

done_testing
