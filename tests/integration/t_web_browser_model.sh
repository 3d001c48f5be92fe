#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The benefit model's page /nyttomodell in a real headless Chromium (issue
# 12 part 3): a real mmprintd and mmsimd over real TLS deliver letters, of
# them decisions; a person with the role statistik uses the page with the
# keyboard only (tests/browser/t_model.py: a refused input said next to its
# field, the NPV for 9 kr per paper letter equal to mmctl model's, the link
# from the realised figures), every state of the page passes axe-core (WCAG
# 2.1 A/AA), no CSP violation, no request to any other host.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
BROWSER_DIR=$(cd "$(dirname "$0")/../browser" && pwd)
PY=/usr/bin/python3
MMCTL=$MM_BIN/tools/mmctl
make_pki

for p in /usr/bin/chromium /usr/bin/chromedriver /usr/bin/certutil; do
  [ -x "$p" ] || { not_ok "$p is installed (tools/install-deps)"; done_testing; exit 1; }
done
$PY -c 'import selenium' 2>/dev/null || { not_ok "python3-selenium is installed (tools/install-deps)"; done_testing; exit 1; }
"$BROWSER_DIR/install-axe" >"$T/install-axe.log" 2>&1 ||
  { not_ok "axe-core is installed (tests/browser/install-axe)"; diag "$(cat "$T/install-axe.log")"; done_testing; exit 1; }
ok "chromium, chromedriver, selenium and axe-core are here"

A=191212121212
cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
recipient $A operator=kivra
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 3000"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
check "mmctl user add stina (statistik)" web_user stina statistik 'Stina-lösen-1'

mkpdf "$T/letter.pdf" 1 "Beslut"
for n in 1 2; do
  bundle "$T/l$n.job" "$T/letter.pdf" "title=Beslut $n" user=hanna recipient=$A letter-type=beslut cups-job-id=$n
  submit "$T/l$n.job" "k-$n"
  wait_state "$(jfield .id)" delivered || not_ok "decision $n is delivered"
done
is "two decisions are in the simulated mailbox" "$(inbox_count $A)" 2

printf 'paper_cost = 9\n' > "$T/model-9.conf"
npv9=$("$MMCTL" model "$T/model-9.conf" | sed -n 's/^Net present value at [0-9.]* %: \(-*[0-9]*\) kr$/\1/p' | head -n 1)
is "mmctl model gives scenario 1's NPV with 9 kr per paper letter" "${npv9:+yes}" yes

export MM_WEB_URL=$WEB_URL MM_CA=$PKI/ca.crt MM_STATS_USER=stina MM_STATS_PASS='Stina-lösen-1' MM_NPV9=$npv9 \
  MM_DECISIONS=2
export MM_TAP_STATE=$T/tap.state
echo "$_tap_n $_tap_failed" > "$MM_TAP_STATE"
$PY -B "$BROWSER_DIR/t_model.py"
read -r _tap_n _tap_failed < "$MM_TAP_STATE"

kill "$SRV_PID" 2>/dev/null
wait "$SRV_PID" 2>/dev/null
check_fails "no sanitizer reports from mmprintd" grep -a -m 5 -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
  "$T/server.log"
done_testing
