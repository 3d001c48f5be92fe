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
write_conf "$T/mmprintd.conf" "web_session_idle = 3" "web_session_max = 3600" "web_login_rate = 60" \
  "web_login_burst = 8" "sync_wait_ms = 3000"
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
WEB_AS=anna web_login anna 'fel-lösen'
is "wrong password: 401" "$code" 401
contains "... says so in Swedish in #fel" "$(cat "$T/resp")" '<p id="fel" role="alert" class="fel">Fel användarnamn eller lösenord</p>'
WEB_AS=anna web POST /logga-in --data-urlencode "anvandare=anna" --data-urlencode "losenord=Anna-lösen-1"
is "login without the form's CSRF token: 403" "$code" 403
contains "... the Swedish page" "$(cat "$T/resp")" "Formuläret har gått ut"
WEB_AS=anna web_login anna 'Anna-lösen-1'
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

done_testing
