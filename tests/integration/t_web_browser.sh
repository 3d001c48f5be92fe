#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The web portal in a real headless Chromium (issue 11, part 4), over the
# whole path: a workstation with none of our software (a second cupsd with
# a driverless queue) prints a letter without a recipient to the shared
# queue of the print server (our cupsd, filter and backend); the letter is
# held; its handläggare logs in with the keyboard only, sees the preview, is
# told a wrong check digit, types the right number, is told "digital
# brevlåda hos Kivra", presses Skicka, and sees "Levererat" appear by itself
# in "Mina brev" open in another tab; the letter is in the simulated
# mailbox, once.  Another handläggare cannot see or act on it; a form
# without its CSRF token and an idle session are refused; every page passes
# axe-core (WCAG 2.1 A/AA, nothing serious or critical); no CSP violation
# in the browser's console and no request to any host but the server.
# The browser part is tests/browser/t_portal.py (TAP lines numbered on).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"
BROWSER_DIR=$(cd "$(dirname "$0")/../browser" && pwd)
# Debian's python3 (python3-selenium), whatever python3 comes first on PATH.
PY=/usr/bin/python3

# --- what the browser part needs: Debian's packages and the pinned axe-core ---
for p in /usr/bin/chromium /usr/bin/chromedriver /usr/bin/certutil; do
  [ -x "$p" ] || { not_ok "$p is installed (tools/install-deps)"; done_testing; exit 1; }
done
$PY -c 'import selenium' 2>/dev/null || { not_ok "python3-selenium is installed (tools/install-deps)"; done_testing; exit 1; }
"$BROWSER_DIR/install-axe" >"$T/install-axe.log" 2>&1 ||
  { not_ok "axe-core is installed (tests/browser/install-axe)"; diag "$(cat "$T/install-axe.log")"; done_testing; exit 1; }
ok "chromium, chromedriver, selenium and axe-core $(sed -n 's/^ *"version": "\(.*\)",*$/\1/p' "$BROWSER_DIR/node_modules/axe-core/package.json" | head -n 1) are here"

A=$(test_pnr 101)
# The same number with a wrong check digit.
A_BAD=${A:0:11}$(( (${A:11:1} + 1) % 10 ))
HL=anna HL_PASS=anna-Losen-1 HL2=bertil HL2_PASS=bertil-Losen-2
TITLE="Beslut om bistånd"

# --- the print server: mmsimd, print room, mmprintd with the portal, cupsd
# with the shared queue; the workstation: a second cupsd, nothing of ours ---
# cupsd counts all of 127.0.0.0/8 as "localhost": the workstation reaches the
# shared queue at this machine's own non-loopback address (cups.sh).
CUPSD_LAN=$(lan_address)
[ -n "$CUPSD_LAN" ] || { not_ok "this machine has a non-loopback address for the workstation"; done_testing; exit 1; }
export CUPSD_LAN
start_stack "$(sim_recipient "$A")" || { not_ok "the print path starts"; done_testing; exit 1; }
WEB_PORT=$(free_port)
WEB_URL=https://127.0.0.1:$WEB_PORT
export WEB_PORT WEB_URL

# mmprintd_reconf "key = value"...: the stack's server restarted with these
# keys set (replacing the same keys), on the same store.
mmprintd_reconf() {
  local conf=$T/srv/mmprintd.conf kv
  stop_mmprintd
  for kv in "$@"; do
    sed -i "/^${kv%% *} *=/d" "$conf"
    echo "$kv" >> "$conf"
  done
  "$MMPRINTD" -c "$conf" >>"$T/mmprintd.log" 2>&1 &
  SRV_PID=$!
  remember_pid "$SRV_PID"
  wait_port "$SRV_PORT" 20 && wait_port "$WEB_PORT" 20
}
if mmprintd_reconf "web_listen = 127.0.0.1:$WEB_PORT" "web_assets = $MM_SRCDIR/web" "admin_allow = admin"; then
  ok "mmprintd starts with the portal on $WEB_URL"
else
  not_ok "mmprintd starts with the portal on $WEB_URL"
  diag "$(tail -n 5 "$T/mmprintd.log")"
  done_testing
  exit 1
fi
check "the print server shares its queue (mmprint-queue install --shared)" install_shared_queue "127.0.0.1:$SRV_PORT"
start_remote_cupsd || { not_ok "the workstation's cupsd starts"; done_testing; exit 1; }
check "the workstation adds a driverless queue to the shared one" \
  add_remote_queue Arbetsplats "ipp://$CUPSD_LAN:$CUPSD_PORT/printers/$CUPS_QUEUE" everywhere

declare -F web_user >/dev/null || { not_ok "testlib.sh has web_user"; done_testing; exit 1; }
check "account $HL (handläggare) is created" web_user "$HL" handläggare "$HL_PASS"
check "account $HL2 (handläggare) is created" web_user "$HL2" handläggare "$HL2_PASS"

# --- 1-2: the workstation prints a letter with no recipient; it is held ---
make_letter "$T/brev.pdf" "text:$TITLE" "text:Ingen mottagare angiven här."
rid=$(remote_submit Arbetsplats -U "$HL" -t "$TITLE" "$T/brev.pdf")
is "the workstation accepts the letter" "${rid:+yes}" yes
job=
for ((i = 0; i < 300; i++)); do
  job=$(srv_get "/api/v1/jobs?state=needs-recipient" | jq -r --arg u "$HL" '.jobs[] | select(.user == $u) | .id' | head -n 1)
  [ -n "$job" ] && break
  sleep 0.2
done
if ! is "the letter is held on the server as $HL's, waiting for a recipient" "${job:+held}" held; then
  diag "$(tail -n 20 "$REMOTE_CUPS_DIR/log/error_log")"
  diag "$(grep -a -E 'Job|INFO|ERROR' "$CUPS_DIR/log/error_log" | tail -n 20)"
  done_testing
  exit 1
fi
is "nothing is delivered while it is held" "$(inbox_count "$A")" 0

# --- 3-5 and the refusals, in the browser ---
export MM_WEB_URL=$WEB_URL MM_CA=$PKI/ca.crt MM_HL_USER=$HL MM_HL_PASS=$HL_PASS MM_HL2_USER=$HL2 \
  MM_HL2_PASS=$HL2_PASS MM_JOB=$job MM_PNR=$A MM_PNR_BAD=$A_BAD MM_OPERATOR=Kivra MM_TITLE=$TITLE
export MM_TAP_STATE=$T/tap.state
tap_sync() { read -r _tap_n _tap_failed < "$MM_TAP_STATE"; }
echo "$_tap_n $_tap_failed" > "$MM_TAP_STATE"
$PY -B "$BROWSER_DIR/t_portal.py" portal
tap_sync

wait_inbox "$A" 1 20
is "the letter is in the simulated mailbox, once" "$(inbox_count "$A")" 1
srv_get "/api/v1/jobs/$job" > "$T/job.json"
is "the server has it delivered" "$(jq -r .state "$T/job.json")" delivered
contains "the journal names the person who completed it" "$(jq -r '.events[].actor' "$T/job.json" | paste -sd ' ')" \
  "person:$HL"

# --- an idle session: the server again, with web_session_idle at its least ---
if mmprintd_reconf "web_session_idle = 10"; then
  export MM_IDLE=10
  echo "$_tap_n $_tap_failed" > "$MM_TAP_STATE"
  $PY -B "$BROWSER_DIR/t_portal.py" expiry
  tap_sync
else
  not_ok "mmprintd restarts with web_session_idle = 10"
  diag "$(tail -n 5 "$T/mmprintd.log")"
fi

check_no_sanitizer_reports
# The server under ASan reports leaks as it stops: stop it and read its log.
stop_mmprintd
check_fails "no sanitizer reports from mmprintd" grep -a -m 5 -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
  "$T/mmprintd.log"
stop_remote_cupsd
stop_cupsd
done_testing
