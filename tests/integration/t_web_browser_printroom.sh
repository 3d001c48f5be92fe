#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# "Utskriftsrummet" (issue 12, server/web_printroom.c) in a real headless
# Chromium, as the print room's person uses it, with the keyboard only:
# the real mmprintd, mmsimd (no mailbox: paper) and ippeveprinter.  One
# letter failed while the printer was down, two were printed.  The person
# signs in, opens Utskriftsrummet from the menu, prints the failed letter
# again ("Skriv ut igen"), marks the whole day posted ("Markera alla
# utskrivna som postade"), sorts by postal class and goes to the previous
# day; every page passes axe-core (WCAG 2.1 A/AA, nothing serious or
# critical), focus is visible, no CSP violation, no request to any other
# host.  Afterwards the server has every letter posted, journaled with the
# person.  The browser part is tests/browser/t_printroom.py.
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
mapfile -t P < <(pins 3 440)
{
  echo "operator kivra id=165567828172 name=Kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 5000" "print_deadline = 3" "retry_initial_ms = 200" "retry_max_ms = 400"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(tail -5 "$T/server.log")"; done_testing; exit 1; }
PR_USER=ulla PR_PASS=Ulla-Losen-1
check "account $PR_USER (utskrift) is created" web_user "$PR_USER" utskrift "$PR_PASS"

# letter N CLASS: a paper letter of anna's; prints its id
letter() {
  mkpdf "$T/l$1.pdf" 1 "Beslut $1"
  bundle "$T/l$1.job" "$T/l$1.pdf" "recipient=${P[$1]}" recipient-source=option user=anna "title=Beslut $1" \
    "cups-job-id=20$1" department=Socialförvaltningen "postal-class=$2" pages=1
  submit "$T/l$1.job" "bp-$1" >/dev/null
  jfield .id
}
# The printer is down for the first letter: it fails.
kill "$IPP_PID"
wait "$IPP_PID" 2>/dev/null
F=$(letter 0 rekommenderat)
wait_state "$F" failed 30
is "a letter fails while the printer is down" "$(jfield .state)" failed
ippeveprinter -p "$IPP_PORT" -d "$T/printroom" -f application/pdf -k -K "$(printer_keys)" -c /bin/true \
  -n localhost -r off "Utskriftsrummet" >>"$T/ipp.log" 2>&1 &
remember_pid $!
wait_port "$IPP_PORT" 20 || { not_ok "ippeveprinter starts again"; done_testing; exit 1; }
P1=$(letter 1 b-post)
P2=$(letter 2 a-post)
wait_state "$P1" printed 30
wait_state "$P2" printed 30
is "two letters are printed" "$(jfield .state)" printed

export MM_WEB_URL=$WEB_URL MM_CA=$PKI/ca.crt MM_PR_USER=$PR_USER MM_PR_PASS=$PR_PASS MM_FAILED=$F \
  MM_PRINTED="$P1 $P2"
export MM_TAP_STATE=$T/tap.state
echo "$_tap_n $_tap_failed" > "$MM_TAP_STATE"
$PY -B "$BROWSER_DIR/t_printroom.py"
read -r _tap_n _tap_failed < "$MM_TAP_STATE"

for id in "$F" "$P1" "$P2"; do
  api GET "/api/v1/jobs/$id"
  is "the server has letter ${id:0:8} posted" "$(jfield .state)" posted
  is "... marked by person:$PR_USER" "$(jfield .posted_by)" "person:$PR_USER"
done
api GET "/api/v1/jobs/$F"
is "the reprint is journaled with the person" \
  "$(jq -r '[.events[] | select(.event == "resolved") | .actor] | join(",")' < "$T/resp")" "person:$PR_USER"

kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "mmprintd stops cleanly" "$?" 0
check_fails "no sanitizer reports from mmprintd" grep -a -m 5 -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
  "$T/server.log"
done_testing
