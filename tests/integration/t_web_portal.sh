#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The web portal for people (issue 11, part 2 and "Mina brev" of part 3;
# server/web.h, mmprintd(8)): the second listener with server TLS only,
# through real TLS with curl against a real mmprintd, mmsimd and
# ippeveprinter.  Local accounts made with mmctl user add (refused with a
# workstation certificate); login ok and failed (the Swedish text), the
# cookie's attributes and every security header; a missing CSRF token is
# the 403 page; an idle session goes back to the login page with "Du har
# loggats ut"; throttling answers the Swedish 429 page; no session is a 303
# to /logga-in (401 JSON for /brev.json); a workstation's client
# certificate on the web port is no login; handläggare B cannot see A's
# letter in /brev or /brev.json, statistik sees no letters, the admin
# sees all; the search by title and date; logins journaled with the
# person; a PAM login (pam_exec with expose_authtok) whose system group
# maps to a role.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki
MMCTL=$MM_BIN/tools/mmctl

cat > "$T/registry" <<EOF2
operator kivra id=165567828172 name=Kivra
recipient 191212121212 operator=kivra
sender 162120000142 name=Exempelkommun
EOF2
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "web_login_rate = 1" "web_login_burst = 5" "sync_wait_ms = 3000"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
DB=$T/state/mmprintd.db

# --- accounts ---
check "mmctl user add anna (handläggare) with the admin certificate" web_user anna handläggare 'Anna-lösen-1'
check "mmctl user add bertil (handläggare)" web_user bertil handläggare 'Bertil-lösen-2'
check "mmctl user add stina (statistik)" web_user stina statistik 'Stina-lösen-3'
check "mmctl user add admin1 (admin)" web_user admin1 admin 'Admin-lösen-4'
printf 'cert = %s\nkey = %s\nca = %s\n' "$PKI/client-desk1.crt" "$PKI/client-desk1.key" "$PKI/ca.crt" > "$T/desk1.conf"
printf 'Mallory-lösen\n' | "$MMCTL" user add mallory --role admin --password-stdin -s "127.0.0.1:$SRV_PORT" \
  -C "$T/desk1.conf" >/dev/null 2>"$T/mmctl.err"
is "mmctl user add with a workstation certificate fails" "$?" 1
contains "... with the Swedish reason" "$(cat "$T/mmctl.err")" "Du har inte behörighet att hantera användare"
"$MMCTL" user list -s "127.0.0.1:$SRV_PORT" -C "$T/admin-client.conf" > "$T/users.txt"
contains "mmctl user list names anna and her role" "$(cat "$T/users.txt")" "anna	handläggare"
check_fails "... and no mallory" grep -q mallory "$T/users.txt"
is "the store keeps a yescrypt hash, no password" \
  "$(sqlite3 "$DB" "SELECT substr(hash,1,3) || (instr(hash,'Anna-lösen-1') = 0) FROM users WHERE name = 'anna'")" '$y$1'

# --- no session ---
web GET /brev
is "no session: /brev is 303" "$code" 303
contains "... to /logga-in" "$(cat "$T/resp.h")" "Location: /logga-in"
web GET /brev.json
is "no session: /brev.json is 401" "$code" 401
is "... with the Swedish message" "$(jfield .message)" "Du är inte inloggad"
web GET /
is "/ without a session: 303" "$code" 303
# A workstation's client certificate is no login on the web port.
code=$(curl -sS -o "$T/resp" -D "$T/resp.h" -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" \
  --key "$PKI/client-desk1.key" "$WEB_URL/brev" 2>"$T/curl.err")
is "a workstation certificate on the web port: still 303 to the login" "$code" 303
code=$(curl -sS -o "$T/resp" -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/client-admin.crt" \
  --key "$PKI/client-admin.key" "$WEB_URL/api/v1/users" 2>"$T/curl.err")
is "the admin API is not on the web port (404)" "$code" 404

# --- the login page and every header ---
WEB_AS=anna web GET /logga-in
is "GET /logga-in: 200" "$code" 200
H=$(tr -d '\r' < "$T/resp.h")
contains "CSP: no inline script or style" "$H" "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
contains "X-Content-Type-Options" "$H" "X-Content-Type-Options: nosniff"
contains "Referrer-Policy" "$H" "Referrer-Policy: no-referrer"
contains "Cache-Control: no-store" "$H" "Cache-Control: no-store"
contains "HSTS" "$H" "Strict-Transport-Security: max-age="
contains "the pre-session cookie's attributes" "$H" "; Path=/; Secure; HttpOnly; SameSite=Strict"
P=$(cat "$T/resp")
contains "lang=sv" "$P" '<html lang="sv">'
contains "label Användarnamn for #anvandare" "$P" '<label for="anvandare">Användarnamn</label>'
contains "label Lösenord for #losenord" "$P" '<label for="losenord">Lösenord</label>'
contains "button Logga in" "$P" '<button type="submit">Logga in</button>'
is "one h1" "$(grep -c '<h1>' "$T/resp")" 1
contains "no inline script" "$(grep -c '<script>' "$T/resp" || true)" 0

# --- login: wrong password, CSRF, right password ---
WEB_FROM=127.0.0.2 WEB_AS=anna web_login anna 'fel-lösen'
is "wrong password: 401" "$code" 401
contains "... says so in Swedish in #fel" "$(cat "$T/resp")" '<p id="fel" role="alert" class="fel">Fel användarnamn eller lösenord</p>'
WEB_AS=anna web POST /logga-in --data-urlencode "anvandare=anna" --data-urlencode "losenord=Anna-lösen-1"
is "login without the form's CSRF token: 403" "$code" 403
contains "... the Swedish page" "$(cat "$T/resp")" "Formuläret har gått ut"
WEB_FROM=127.0.0.2 WEB_AS=anna web_login anna 'Anna-lösen-1'
is "login anna: 303" "$code" 303
H=$(tr -d '\r' < "$T/login.h")
contains "... to /brev" "$H" "Location: /brev"
contains "... a session cookie __Host-mmprint, Secure, HttpOnly, SameSite=Strict" "$H" \
  "Set-Cookie: __Host-mmprint="
contains "... its attributes" "$(grep -i '^Set-Cookie' <<<"$H")" "; Path=/; Secure; HttpOnly; SameSite=Strict"
WEB_AS=anna web GET /brev
is "anna's Mina brev: 200" "$code" 200
P=$(cat "$T/resp")
contains "the nav Huvudmeny" "$P" '<nav aria-label="Huvudmeny">'
contains "... Mina brev" "$P" '>Mina brev</a>'
contains "... Logga ut" "$P" '<button type="submit">Logga ut</button>'
contains "the table #brev" "$P" '<table id="brev"'
contains "the search form" "$P" 'id="q"'
is "login journaled with the person" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE event = 'login' AND actor = 'person:anna' AND job_id = ''")" 1
is "the failed login too" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE event = 'login-failed' AND actor = 'person:anna'")" 1
is "no password in the journal" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE detail LIKE '%lösen%'")" 0

# --- Mina brev: anna's letters, not bertil's ---
mkpdf "$T/letter.pdf" 1 "Beslut"
bundle "$T/a1.job" "$T/letter.pdf" "recipient=191212121212" "recipient-source=option" "user=anna" "host=desk1" \
  "cups-job-id=1" "title=Beslut om bistand" "pages=1"
bundle "$T/a2.job" "$T/letter.pdf" "recipient=191212121212" "recipient-source=option" "policy=paper-only" \
  "user=anna" "host=desk1" "cups-job-id=2" "title=Kallelse till mote" "pages=1"
bundle "$T/b1.job" "$T/letter.pdf" "recipient=191212121212" "recipient-source=option" "user=bertil" \
  "host=desk1" "cups-job-id=3" "title=Bertils hemliga brev" "pages=1"
submit "$T/a1.job" key-a1; A1=$(jfield .id)
submit "$T/a2.job" key-a2; A2=$(jfield .id)
submit "$T/b1.job" key-b1; B1=$(jfield .id)
wait_state "$A1" delivered 20 && wait_state "$A2" printed 30 && wait_state "$B1" delivered 20
check "the three letters reached their end" true
WEB_AS=anna web GET /brev
P=$(cat "$T/resp")
contains "anna sees her delivered letter's row" "$P" "<tr data-id=\"$A1\""
row() { grep -o "<tr data-id=\"$1\".*</tr>" "$T/resp"; }
R=$(row "$A1")
contains "... its title" "$R" '<td class="titel">Beslut om bistand</td>'
contains "... the masked recipient" "$R" '<td class="mottagare">19121212-****</td>'
contains "... the channel" "$R" '<td class="kanal">Digital brevlåda</td>'
contains "... the operator" "$R" '<td class="vart">Kivra</td>'
contains "... the state in Swedish" "$R" '<td class="tillstand">Levererat</td>'
contains "... when" "$R" "<td class=\"nar\">$(date +%Y-%m-%d)"
R=$(row "$A2")
contains "the paper letter: Papper, the print room, Utskrivet" "$R" \
  '<td class="kanal">Papper</td><td class="vart">Utskriftsrummet</td><td class="tillstand">Utskrivet</td>'
check_fails "the full personnummer is nowhere on the page" grep -q 191212121212 "$T/resp"
check_fails "bertil's letter is not on anna's page" grep -q "$B1" "$T/resp"
check_fails "... nor its title" grep -q "Bertils" "$T/resp"
WEB_AS=anna web GET /brev.json
is "anna's /brev.json: 200" "$code" 200
is "... two letters" "$(jfield '.brev | length')" 2
is "... the delivered one's state" "$(jq -r --arg id "$A1" '.brev[] | select(.id == $id) | .tillstand' "$T/resp")" "Levererat"
contains "... Cache-Control: no-store" "$(tr -d '\r' < "$T/resp.h")" "Cache-Control: no-store"
WEB_FROM=127.0.0.3 WEB_AS=bertil web_login bertil 'Bertil-lösen-2'
WEB_AS=bertil web GET /brev.json
is "bertil's /brev.json: only his letter" "$(jfield '[.brev[].id] | join(",")')" "$B1"
WEB_AS=bertil web GET /brev
check_fails "bertil's page does not show anna's letter" grep -q "$A1" "$T/resp"
WEB_AS=bertil web GET "/brev.json?q=Beslut"
is "bertil searching for anna's title finds nothing" "$(jfield '.brev | length')" 0

# --- search by title and date ---
WEB_AS=anna web GET "/brev.json?q=kallelse"
is "title search (case-insensitive): the Kallelse letter only" "$(jfield '[.brev[].id] | join(",")')" "$A2"
WEB_AS=anna web GET "/brev?q=kallelse"
check "... on the page too" grep -q "$A2" "$T/resp"
check_fails "... without the other" grep -q "$A1" "$T/resp"
TODAY=$(date +%Y-%m-%d)
WEB_AS=anna web GET "/brev.json?fran=$TODAY&till=$TODAY"
is "from/to today: both" "$(jfield '.brev | length')" 2
WEB_AS=anna web GET "/brev.json?till=2000-01-01"
is "to 2000-01-01: none" "$(jfield '.brev | length')" 0
WEB_AS=anna web GET "/brev.json?fran=igår"
is "a malformed date: 400" "$code" 400
is "... in Swedish" "$(jfield .message)" "Ogiltigt datum: skriv det som ÅÅÅÅ-MM-DD"

# --- statistik sees no letters; the admin sees all ---
WEB_FROM=127.0.0.4 WEB_AS=stina web_login stina 'Stina-lösen-3'
is "statistik signs in" "$code" 303
WEB_AS=stina web GET /brev
is "statistik: /brev refused (403)" "$code" 403
check_fails "... no letter on the page" grep -q "$A1" "$T/resp"
WEB_AS=stina web GET /brev.json
is "statistik: /brev.json refused (403)" "$code" 403
WEB_FROM=127.0.0.5 WEB_AS=admin1 web_login admin1 'Admin-lösen-4'
WEB_AS=admin1 web GET /brev.json
is "the admin sees all three letters" "$(jfield '.brev | length')" 3

# --- CSRF on a change: logout without the token ---
WEB_AS=anna web POST /logga-ut
is "logout without the CSRF token: 403" "$code" 403
contains "... the Swedish page" "$(cat "$T/resp")" "Formuläret har gått ut. Ladda om sidan och försök igen."
WEB_AS=anna web GET /brev.json
is "... and anna is still signed in" "$code" 200
WEB_AS=anna web POST /logga-ut -H "X-CSRF-Token: 0000"
is "logout with a wrong CSRF token: 403" "$code" 403

# --- logout ---
WEB_FROM=127.0.0.3 WEB_AS=bertil web_login bertil 'Bertil-lösen-2'
WEB_AS=bertil web POST /logga-ut --data-urlencode "csrf=$WEB_CSRF"
is "logout with the CSRF token: 303" "$code" 303
contains "... clears the cookie" "$(tr -d '\r' < "$T/resp.h")" "Max-Age=0"
WEB_AS=bertil web GET /brev
is "... and the session is gone" "$code" 303
is "logout journaled" "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE event = 'logout' AND actor = 'person:bertil'")" 1

# --- a deleted account is signed out ---
WEB_AS=stina web GET /logga-in
check "mmctl user del stina" "$MMCTL" user del stina -s "127.0.0.1:$SRV_PORT" -C "$T/admin-client.conf"
WEB_FROM=127.0.0.4 WEB_AS=stina web_login stina 'Stina-lösen-3'
is "stina cannot sign in any more" "$code" 401
is "account changes journaled with the admin certificate" \
  "$(sqlite3 "$DB" "SELECT group_concat(event) FROM events WHERE actor = 'C=SE,O=Exempelkommun,CN=admin' AND job_id = ''")" \
  "user-added,user-added,user-added,user-added,user-deleted"

# --- throttling (web_login_burst = 5, web_login_rate = 1 a minute) ---
# Per user name: guesses from five other addresses (127.0.0.N).
for i in 1 2 3 4 5 6; do
  WEB_FROM=127.0.0.$((20 + i)) WEB_AS=guess$i web_login admin1 "gissning-$i"
  [ "$code" = 429 ] && break
done
is "guessing admin1's password from many addresses: 429 after the burst" "$code" 429
contains "... the Swedish page" "$(cat "$T/resp")" "För många inloggningsförsök. Vänta en stund och försök igen."
WEB_FROM=127.0.0.40 WEB_AS=guess-ok web_login admin1 'Admin-lösen-4'
is "... then the right password from yet another address is refused too (per name)" "$code" 429
# Per address: guesses of many names from one.
for i in 1 2 3 4 5 6; do
  WEB_FROM=127.0.0.50 WEB_AS=scan web_login "namn$i" "gissning"
  [ "$code" = 429 ] && break
done
is "guessing names from one address: 429 after the burst" "$code" 429
WEB_FROM=127.0.0.50 WEB_AS=scan web_login anna 'Anna-lösen-1'
is "... anna from that address is refused too (per address)" "$code" 429
WEB_FROM=127.0.0.51 WEB_AS=anna2 web_login anna 'Anna-lösen-1'
is "... while anna from her own computer signs in" "$code" 303
is "throttled logins journaled" \
  "$(sqlite3 "$DB" "SELECT count(*) > 0 FROM events WHERE event = 'login-throttled' AND actor = 'person:admin1'")" 1

# --- static files ---
web GET /static/mmprint.css
is "/static/mmprint.css: 200" "$code" 200
H=$(tr -d '\r' < "$T/resp.h")
contains "... text/css" "$H" "Content-Type: text/css"
contains "... cached long" "$H" "Cache-Control: public, max-age=31536000"
web GET /static/mmprint.js
contains "/static/mmprint.js: text/javascript" "$(tr -d '\r' < "$T/resp.h")" "Content-Type: text/javascript"
web GET /static/..%2fmmprintd.conf
is "no path out of web_assets" "$code" 404

# --- a restart signs everybody out; an idle session goes back to the login ---
kill -TERM "$SRV_PID"; wait "$SRV_PID"
is "SIGTERM: clean exit" "$?" 0
write_conf "$T/mmprintd.conf" "web_session_idle = 2"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
WEB_AS=admin1 web GET /brev
is "after a restart the admin's session is gone: 303" "$code" 303
contains "... to /logga-in?utloggad=1" "$(tr -d '\r' < "$T/resp.h")" "Location: /logga-in?utloggad=1"
WEB_FROM=127.0.0.6 WEB_AS=anna3 web_login anna 'Anna-lösen-1'
is "anna signs in again" "$code" 303
sleep 3
WEB_AS=anna3 web GET /brev
is "after 3 s idle (web_session_idle = 2): 303" "$code" 303
contains "... to /logga-in?utloggad=1" "$(tr -d '\r' < "$T/resp.h")" "Location: /logga-in?utloggad=1"
WEB_AS=anna3 web GET "/logga-in?utloggad=1"
contains "... which says Du har loggats ut" "$(cat "$T/resp")" "Du har loggats ut"
WEB_FROM=127.0.0.6 WEB_AS=anna3 web_login anna 'Anna-lösen-1'
sleep 3
WEB_AS=anna3 web GET /brev.json
is "an expired session's /brev.json: 401" "$code" 401
kill -TERM "$SRV_PID"; wait "$SRV_PID"

# --- PAM (web_pam = yes): a real PAM stack and real system groups ---
# PAM reads services from /etc/pam.d only (an absolute path is refused), so
# this part needs root: a service file of its own, pam_exec with
# expose_authtok checking the password (mmprintd runs as $MM_TEST_USER,
# which pam_unix could not check against /etc/shadow), and system users
# and groups for the role mapping, all removed at the end.
if [ "$(id -u)" = 0 ]; then
  SUF=$$
  PAM_SVC=mmprintd-test-$SUF
  G_HL=mmprint-hl-$SUF
  U_PAM=mmprint-pam-$SUF
  U_NOROLE=mmprint-pn-$SUF
  pam_cleanup() {
    rm -f "/etc/pam.d/$PAM_SVC"
    userdel "$U_PAM" 2>/dev/null
    userdel "$U_NOROLE" 2>/dev/null
    groupdel "$G_HL" 2>/dev/null
  }
  trap 'pam_cleanup; _cleanup' EXIT
  groupadd --system "$G_HL"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin -G "$G_HL" "$U_PAM"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$U_NOROLE"
  # The directory's password check: pam_exec hands the password on stdin.
  cat > "$T/pamcheck.sh" <<EOF2
#!/bin/sh
pw=\$(tr -d '\\000')
case "\$PAM_USER" in
  $U_PAM|$U_NOROLE) [ "\$pw" = "Katalog-lösen-9" ] ;;
  *) exit 1 ;;
esac
EOF2
  chmod 755 "$T/pamcheck.sh"
  printf 'auth required pam_exec.so expose_authtok quiet %s\naccount required pam_permit.so\n' "$T/pamcheck.sh" \
    > "/etc/pam.d/$PAM_SVC"
  write_conf "$T/mmprintd.conf" "web_pam = yes" "web_pam_service = $PAM_SVC" \
    "web_pam_roles = admin:no-such-group-$SUF, handläggare:$G_HL"
  start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts with web_pam"; done_testing; exit 1; }
  bundle "$T/p1.job" "$T/letter.pdf" "recipient=191212121212" "recipient-source=option" "user=$U_PAM" \
    "host=desk1" "cups-job-id=9" "title=Katalogbrev" "pages=1"
  submit "$T/p1.job" key-p1; P1=$(jfield .id)
  WEB_FROM=127.0.0.7 WEB_AS=pam web_login "$U_PAM" 'fel'
  is "PAM: a wrong password is refused (401)" "$code" 401
  contains "... Fel användarnamn eller lösenord" "$(cat "$T/resp")" "Fel användarnamn eller lösenord"
  WEB_FROM=127.0.0.7 WEB_AS=pam web_login "$U_PAM" 'Katalog-lösen-9'
  is "PAM: the directory's password signs in (303)" "$code" 303
  WEB_AS=pam web GET /brev.json
  is "... as handläggare (group $G_HL): own letters" "$(jfield '[.brev[].id] | join(",")')" "$P1"
  is "... journaled as a PAM login of the person" \
    "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE event = 'login' AND actor = 'person:$U_PAM' AND detail LIKE 'login (PAM)%'")" 1
  WEB_FROM=127.0.0.8 WEB_AS=pn web_login "$U_NOROLE" 'Katalog-lösen-9'
  is "PAM: a right password but in no mapped group: refused (401)" "$code" 401
  WEB_FROM=127.0.0.9 WEB_AS=anna4 web_login anna 'Anna-lösen-1'
  is "with web_pam, a local account alone is no login" "$code" 401
  kill -TERM "$SRV_PID"; wait "$SRV_PID"
else
  ok "# SKIP the PAM login needs root (a service file in /etc/pam.d, system users and groups)"
fi
check_fails "no sanitizer report in the server log" grep -E "Sanitizer|runtime error" "$T/server.log"
done_testing
