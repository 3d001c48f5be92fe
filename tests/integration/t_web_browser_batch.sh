#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# "Massutskick" (issue 13, server/web_batch.c) in a real headless Chromium,
# with the keyboard only: the real mmprintd, mmsimd and ippeveprinter.  One
# batch of anna's (pages:2: a letter with a mailbox, one without, one
# without a recipient).  The handläggare opens Massutskick from the menu,
# the batch's report and the held letter's completion page; every page
# passes axe-core, focus is visible, no CSP violation, no request to any
# other host.  The browser part is tests/browser/t_batch.py.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
BROWSER_DIR=$(cd "$(dirname "$0")/../browser" && pwd)
PY=/usr/bin/python3 # Debian's python3 (python3-selenium)

for p in /usr/bin/chromium /usr/bin/chromedriver /usr/bin/certutil; do
  [ -x "$p" ] || { not_ok "$p is installed (tools/install-deps)"; done_testing; exit 1; }
done
$PY -c 'import selenium' 2>/dev/null || { not_ok "python3-selenium is installed (tools/install-deps)"; done_testing; exit 1; }
"$BROWSER_DIR/install-axe" >"$T/install-axe.log" 2>&1 ||
  { not_ok "axe-core is installed (tests/browser/install-axe)"; diag "$(cat "$T/install-axe.log")"; done_testing; exit 1; }
ok "chromium, chromedriver, selenium and axe-core are here"

make_pki
mapfile -t R < <(pins 3 5100)
{
  echo "operator kivra id=165567828172 name=Kivra"
  echo "recipient ${R[0]} operator=kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(tail -5 "$T/server.log")"; done_testing; exit 1; }
check "account anna (handläggare) is created" web_user anna handläggare 'Anna-Losen-1'

python3 - "$MM_SRCDIR/tests/data/pdf" "$T/batch.pdf" "${R[0]}" "${R[1]}" "" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mkbatch
pages = []
for i, p in enumerate(sys.argv[3:]):
    top = mkbatch.head("Personnummer:", p[:8] + "-" + p[8:], "Person %d" % i) if p else [(800, "Exempelkommun")]
    pages.append(top + mkbatch.body(1))
    pages.append(mkbatch.body(2))
mkbatch.write(sys.argv[2], pages)
PY
{
  printf 'MMPRINT-BATCH 1\nsplit: pages:2\nuser: anna\ntitle: Placeringsbeslut\n'
  printf 'manifest-length: 0\ndocument-length: %s\n\n' "$(stat -c %s "$T/batch.pdf")"
  cat "$T/batch.pdf"
} > "$T/batch.bundle"
api POST /api/v1/batches -H 'Content-Type: application/vnd.mmprint-batch' -H 'Idempotency-Key: browser-batch' \
  --data-binary @"$T/batch.bundle"
is "the batch is accepted (202)" "$code" 202
B=$(jfield .id)
for ((i = 0; i < 300; i++)); do
  api GET "/api/v1/batches/$B"
  [ "$(jfield .state)" = split ] && [ "$(jfield .counts.pending)" = 0 ] && break
  sleep 0.2
done
is "3 letters: 1 digital, 1 paper, 1 held" "$(jfield '.letters,.counts.digital,.counts.paper,.counts.held')" \
  "$(printf '3\n1\n1\n1')"

export MM_WEB_URL=$WEB_URL MM_CA=$PKI/ca.crt MM_USER=anna MM_PASS=Anna-Losen-1 MM_BATCH=$B \
  MM_HELD=$(jfield '.items[2].job_id') MM_LETTERS=3
export MM_TAP_STATE=$T/tap.state
echo "$_tap_n $_tap_failed" > "$MM_TAP_STATE"
$PY -B "$BROWSER_DIR/t_batch.py"
read -r _tap_n _tap_failed < "$MM_TAP_STATE"

kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "mmprintd stops cleanly" "$?" 0
check_fails "no sanitizer reports from mmprintd" grep -a -m 5 -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
  "$T/server.log"
done_testing
