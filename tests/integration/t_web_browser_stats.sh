#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The portal's Statistik in a real headless Chromium (issue 12), over real
# mmsimd, ippeveprinter and mmprintd: letters of two förvaltningar go out
# digitally and on paper through the job API; then the statistik person
# uses the page with the keyboard only and axe-core finds no serious or
# critical WCAG 2.1 A/AA violation; the charts are SVG images with names
# and tables; a handläggare is refused.  The browser part is
# tests/browser/t_stats.py (TAP lines numbered on).
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
BROWSER_DIR=$(cd "$(dirname "$0")/../browser" && pwd)
PY=/usr/bin/python3
for p in /usr/bin/chromium /usr/bin/chromedriver /usr/bin/certutil; do
  [ -x "$p" ] || { not_ok "$p is installed (tools/install-deps)"; done_testing; exit 1; }
done
$PY -c 'import selenium' 2>/dev/null || { not_ok "python3-selenium is installed (tools/install-deps)"; done_testing; exit 1; }
"$BROWSER_DIR/install-axe" >"$T/install-axe.log" 2>&1 ||
  { not_ok "axe-core is installed (tests/browser/install-axe)"; diag "$(cat "$T/install-axe.log")"; done_testing; exit 1; }
make_pki

mapfile -t P < <(pins 6 700)
cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
recipient ${P[0]} operator=kivra
recipient ${P[1]} operator=kivra
recipient ${P[2]} operator=kivra
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 5000"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }
check "account stina (statistik) is created" web_user stina statistik 'Stina-lösen-4'
check "account anna (handläggare) is created" web_user anna handläggare 'Anna-lösen-1'

# Letters: recipient index, förvaltning, letter type (P[0..2] have a mailbox).
sent=0 digital=0
for l in "0 Socialförvaltningen beslut" "1 Socialförvaltningen annat" "3 Socialförvaltningen beslut" \
  "2 Byggnadsnämnden information" "4 Byggnadsnämnden annat"; do
  read -r i dept type <<<"$l"
  sent=$((sent + 1))
  mkpdf "$T/l$sent.pdf" 1 "Brev $sent"
  bundle "$T/l$sent.job" "$T/l$sent.pdf" "recipient=${P[$i]}" recipient-source=option user=anna "title=Brev $sent" \
    pages=1 "department=$dept" "letter-type=$type"
  submit "$T/l$sent.job" "browser-stats-$sent"
  [ "$i" -le 2 ] && digital=$((digital + 1))
done
for ((i = 0; i < 200; i++)); do
  api GET "/api/v1/jobs?user=anna"
  [ "$(jq '[.jobs[] | select(.state == "delivered" or .state == "printed")] | length' < "$T/resp")" = "$sent" ] && break
  sleep 0.1
done
is "$sent letters delivered or printed" "$(jq '[.jobs[] | select(.state == "delivered" or .state == "printed")] | length' < "$T/resp")" "$sent"

export MM_WEB_URL=$WEB_URL MM_CA=$PKI/ca.crt MM_STATS_USER=stina MM_STATS_PASS='Stina-lösen-4' \
  MM_HL_USER=anna MM_HL_PASS='Anna-lösen-1' MM_LETTERS=$sent MM_DIGITAL=$digital \
  MM_DEPTS="Socialförvaltningen|Byggnadsnämnden"
export MM_TAP_STATE=$T/tap.state
echo "$_tap_n $_tap_failed" > "$MM_TAP_STATE"
$PY -B "$BROWSER_DIR/t_stats.py"
read -r _tap_n _tap_failed < "$MM_TAP_STATE"
done_testing
