#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The statistics (issue 12) through the real mmsimd (FaR: recipients with a
# mailbox at two operators, without one, with one still pending, and one
# that refuses the sender), mmprintd and ippeveprinter:
# - letters of two förvaltningar and none, of every letter type, go out
#   digitally or on paper; GET /api/v1/stats (JSON by department, channel
#   and month; CSV by format=csv and by Accept: text/csv) gives the figures
#   this test counts itself from the letters it sent: letters, pages,
#   digital share, decisions, reach rate and the reasons for the rest,
#   letters per operator and month, lead times, and the savings at the
#   unit values of the configuration (written with a decimal comma);
# - `mmctl stats` shows the same, and its --csv is the API's CSV;
# - who is refused: a workstation's certificate (403 with the Swedish
#   message, also through mmctl), the handläggare and the print room's
#   person (403 on /statistik and /statistik.csv); the statistik person
#   sees the page (its charts as SVG images with a table each, no style
#   attribute, no letter and no person on it) and no letter: /brev,
#   /behover and /hantera are 403, a letter's page and document 404;
# - mmprintd killed with SIGKILL while letters are on their way leaves the
#   rollup equal to an aggregate over the jobs (written here, independent
#   of the server's SQL); after the restart every letter is counted once;
# - gallring: once the letters are older than retention_days, the start's
#   retention blanks their departments and recipients, and the figures
#   stay exactly what they were.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 40 600)
K1=${P[0]} K2=${P[1]} K3=${P[2]} K4=${P[3]} M1=${P[4]} PEND=${P[5]} REF=${P[6]}
N1=${P[7]} N2=${P[8]} N3=${P[9]} N4=${P[10]}
cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
operator mmp id=162021004748 name="Min myndighetspost"
operator billo id=165591234567 name=Billo
recipient $K1 operator=kivra
recipient $K2 operator=kivra
recipient $K3 operator=kivra
recipient $K4 operator=kivra
recipient $M1 operator=mmp
recipient $PEND operator=kivra pending=yes
recipient $REF operator=billo accepts=162120009999
sender 162120000142 name=Exempelkommun
sender 162120009999 name="Annan myndighet"
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
# A printer that needs $T/print-secs seconds a letter: 2 s before the crash
# below, so that paper letters are still on their way when it comes.
echo 0 > "$T/print-secs"
printf '#!/bin/sh\nsleep "$(cat "%s")"\n' "$T/print-secs" > "$T/print-cmd"
chmod +x "$T/print-cmd"
start_printer "$T/print-cmd" || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
CONF=$T/mmprintd.conf
write_conf "$CONF" "sync_wait_ms = 0" "paper_cost = 8,50" "digital_cost = 1.25" "minutes_saved = 12" \
  "hourly_rate = 400" "security_value = 55" "retention_days = 365"
start_server "$CONF" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
check "mmctl user add anna (handläggare)" web_user anna handläggare 'Anna-lösen-1'
check "mmctl user add ulla (utskrift)" web_user ulla utskrift 'Ulla-lösen-3'
check "mmctl user add stina (statistik)" web_user stina statistik 'Stina-lösen-4'
check "mmctl user add adam (admin)" web_user adam admin 'Adam-lösen-5'
printf 'cert = %s\nkey = %s\nca = %s\n' "$PKI/client-desk1.crt" "$PKI/client-desk1.key" "$PKI/ca.crt" > "$T/desk1-client.conf"

# The letters: recipient, department, letter type, pages; what the test
# expects of each (channel, operator, FaR's word) goes to $T/sent.tsv.
expect() { # RECIPIENT: "channel<TAB>operator<TAB>reach" as the registry above says
  case $1 in
    "$K1" | "$K2" | "$K3" | "$K4") printf 'digital\tKivra\tdigital' ;;
    "$M1") printf 'digital\tMin myndighetspost\tdigital' ;;
    "$PEND") printf 'paper\t\tpending' ;;
    "$REF") printf 'paper\t\tsender-refused' ;;
    *) printf 'paper\t\tno-mailbox' ;;
  esac
}
: > "$T/sent.tsv"
IDS=()
n=0
letter() { # RECIPIENT DEPARTMENT TYPE PAGES: the next letter's bundle, $T/s$n.job
  n=$((n + 1))
  mkpdf "$T/s$n.pdf" "$4" "Beslut om bistånd $n"
  bundle "$T/s$n.job" "$T/s$n.pdf" "recipient=$1" recipient-source=option user=anna "title=Beslut om bistånd $n" \
    "pages=$4" "department=$2" "letter-type=$3"
  printf '%s\t%s\t%s\t%s\n' "$2" "$3" "$4" "$(expect "$1")" >> "$T/sent.tsv"
}
post() { # N: submits letter N
  submit "$T/s$1.job" "stats-$1"
  case $code in 20[12]) ;; *) diag "letter $1: $code $(cat "$T/resp")" ;; esac
  IDS+=("$(jfield .id)")
}
send() { letter "$@" && post "$n"; }
# all_final: every letter sent so far is delivered or printed (30 s at most)
all_final() {
  local i
  for ((i = 0; i < 300; i++)); do
    api GET "/api/v1/jobs?user=anna"
    [ "$(jq '[.jobs[] | select(.state != "delivered" and .state != "printed")] | length' < "$T/resp")" = 0 ] &&
      [ "$(jq '.jobs | length' < "$T/resp")" = "$n" ] && return 0
    sleep 0.1
  done
  return 1
}
send "$K1" Socialförvaltningen beslut 2
send "$K2" Socialförvaltningen beslut 1
send "$K3" Socialförvaltningen information 1
send "$M1" Socialförvaltningen beslut 3
send "$N1" Socialförvaltningen beslut 2
send "$N2" Socialförvaltningen annat 1
send "$PEND" Socialförvaltningen annat 1
send "$K4" Byggnadsnämnden annat 1
send "$K1" Byggnadsnämnden annat 2
send "$N3" Byggnadsnämnden information 1
send "$REF" Byggnadsnämnden information 1
send "$N4" "" annat 1
check "12 letters: each delivered or printed" all_final

TODAY=$(date +%F)
MONTH=$(date +%Y-%m)
Q="from=$TODAY&to=$TODAY"
# count AWK_CONDITION [FIELD]: letters of $T/sent.tsv ($1 dept, $2 type, $3
# pages, $4 channel, $5 operator, $6 reach) matching, or the sum of FIELD
count() { awk -F'\t' -v f="${2:-0}" "$1 { s += (f ? \$f : 1) } END { print s + 0 }" "$T/sent.tsv"; }

# --- the API's figures against the test's own counts ---
API_CERT=admin api GET "/api/v1/stats?$Q&by=department"
is "GET /api/v1/stats (admin tool): 200" "$code" 200
cp "$T/resp" "$T/by-dept.json"
is "the period is today's month" "$(jfield '[.from, .to, .from_month, .to_month, .by] | join(" ")')" \
  "$TODAY $TODAY $MONTH $MONTH department"
is "totals: letters, pages, digital, paper" "$(jfield '.totals | [.letters, .pages, .digital, .paper] | join(" ")')" \
  "$(count 1) $(count 1 3) $(count '$4 == "digital"') $(count '$4 == "paper"')"
is "totals: decisions, digital decisions (letter type beslut)" \
  "$(jfield '.totals | [.decisions, .digital_decisions] | join(" ")')" \
  "$(count '$2 == "beslut"') $(count '$2 == "beslut" && $4 == "digital"')"
is "totals: nothing pending, failed or cancelled" "$(jfield '.totals | [.pending, .failed, .cancelled] | join(" ")')" "0 0 0"
is "reach: looked up, reached, rate" "$(jfield '.totals | [.looked_up, .reached, .reach_rate] | join(" ")')" \
  "$(count 1) $(count '$6 == "digital"') $(awk -F'\t' '{ n++; d += $6 == "digital" } END { print d / n }' "$T/sent.tsv")"
is "digital share" "$(jfield '.totals.digital_share')" \
  "$(awk -F'\t' '{ n++; d += $4 == "digital" } END { print d / n }' "$T/sent.tsv")"
for d in Socialförvaltningen Byggnadsnämnden ""; do
  is "department '$d': letters, pages, digital, paper, digital decisions" \
    "$(jq -r --arg d "$d" '.rows[] | select(.key == $d) | [.letters, .pages, .digital, .paper, .digital_decisions] | join(" ")' < "$T/by-dept.json")" \
    "$(count "\$1 == \"$d\"") $(count "\$1 == \"$d\"" 3) $(count "\$1 == \"$d\" && \$4 == \"digital\"") $(count "\$1 == \"$d\" && \$4 == \"paper\"") $(count "\$1 == \"$d\" && \$2 == \"beslut\" && \$4 == \"digital\"")"
done
is "one row per department, by name" "$(jq -c '[.rows[].key]' < "$T/by-dept.json")" '["","Byggnadsnämnden","Socialförvaltningen"]'
is "the reasons for the rest, by FaR's word, most first, in Swedish too" \
  "$(jq -r '[.reach_reasons[] | "\(.reach)=\(.count)"] | join(" ")' < "$T/by-dept.json")" \
  "no-mailbox=$(count '$6 == "no-mailbox"') pending=1 sender-refused=1"
is "... the Swedish of no-mailbox" "$(jq -r '.reach_reasons[0].text' < "$T/by-dept.json")" "Ingen digital brevlåda"
is "letters per operator per month (delivered)" \
  "$(jq -r '[.operators[] | "\(.month) \(.operator)=\(.letters)"] | join(", ")' < "$T/by-dept.json")" \
  "$MONTH Kivra=$(count '$5 == "Kivra"'), $MONTH Min myndighetspost=$(count '$5 == "Min myndighetspost"')"
is "month × department × channel: Socialförvaltningen's digital letters and pages" \
  "$(jq -r '.cells[] | select(.department == "Socialförvaltningen" and .channel == "digital") | "\(.month) \(.letters) \(.pages)"' < "$T/by-dept.json")" \
  "$MONTH $(count '$1 == "Socialförvaltningen" && $4 == "digital"') $(count '$1 == "Socialförvaltningen" && $4 == "digital"' 3)"
is "lead time digital: every delivered letter, all within a day" \
  "$(jfield '.totals.lead_digital | [.count, .within_1d, .within_5wd, (.average_hours < 1)] | join(" ")')" \
  "$(count '$4 == "digital"') $(count '$4 == "digital"') $(count '$4 == "digital"') true"
is "lead time paper: none posted yet" "$(jfield '.totals.lead_paper | [.count, .average_hours] | tostring')" '[0,null]'
is "the unit values of the configuration (8,50 with a comma)" \
  "$(jfield '.units | [.paper_cost, .digital_cost, .minutes_saved, .hourly_rate, .security_value, .letters_per_decision] | join(" ")')" \
  "8.5 1.25 12 400 55 2"
D=$(count '$4 == "digital"')
DD=$(count '$2 == "beslut" && $4 == "digital"')
is "savings: digital × (paper − digital), digital × minutes/60 × rate, digital decisions × security value" \
  "$(jfield '.savings | [.postage, .work_time, .security, .total] | join(" ")')" \
  "$(python3 -c "d, dd = $D, $DD; a, b, c = d * (8.5 - 1.25), d * 12 / 60 * 400, dd * 55; print(' '.join('{:g}'.format(x) for x in (a, b, c, a + b + c)))")"
API_CERT=admin api GET "/api/v1/stats?$Q&by=channel"
is "by channel" "$(jfield '[.rows[] | "\(.key)=\(.letters)"] | join(" ")')" \
  "digital=$(count '$4 == "digital"') paper=$(count '$4 == "paper"')"
API_CERT=admin api GET "/api/v1/stats?$Q&by=operator"
is "by operator: the delivered letters of each" \
  "$(jfield '[.rows[] | select(.digital > 0) | "\(.key)=\(.digital)"] | join(",")')" \
  "Kivra=$(count '$5 == "Kivra"'),Min myndighetspost=1"
API_CERT=admin api GET "/api/v1/stats?$Q"
is "by month (the default)" "$(jfield '[.by, (.rows[] | "\(.key)=\(.letters)")] | join(" ")')" "month $MONTH=$n"
API_CERT=admin api GET "/api/v1/stats?from=$TODAY&to=2000-01-01"
is "a period that ends before it starts: 400 bad-period" "$code $(jfield .error)" "400 bad-period"
contains "... with the Swedish message" "$(jfield .message)" "ÅÅÅÅ-MM-DD"
API_CERT=admin api GET "/api/v1/stats?from=2026-02-30"
is "a date that is none: 400" "$code $(jfield .error)" "400 bad-period"
API_CERT=admin api GET "/api/v1/stats?$Q&by=person"
is "by anything else: 400 bad-by" "$code $(jfield .error)" "400 bad-by"

# --- CSV ---
API_CERT=admin api GET "/api/v1/stats?$Q&by=department&format=csv"
is "CSV (format=csv): 200" "$code" 200
cp "$T/resp" "$T/api.csv"
is "CSV header" "$(head -1 "$T/api.csv" | tr -d '\r')" \
  "key,letters,pages,digital,paper,posted,decisions,digital_decisions,pending,failed,cancelled,digital_share,looked_up,reached,reach_rate,lead_digital_avg_hours,lead_paper_avg_hours"
is "CSV: Socialförvaltningen's line starts with its counts" \
  "$(grep '^Socialförvaltningen,' "$T/api.csv" | cut -d, -f1-8)" \
  "Socialförvaltningen,$(count '$1 == "Socialförvaltningen"'),$(count '$1 == "Socialförvaltningen"' 3),$(count '$1 == "Socialförvaltningen" && $4 == "digital"'),$(count '$1 == "Socialförvaltningen" && $4 == "paper"'),0,$(count '$1 == "Socialförvaltningen" && $2 == "beslut"'),$(count '$1 == "Socialförvaltningen" && $2 == "beslut" && $4 == "digital"')"
is "CSV: the totals line" "$(grep '^totals,' "$T/api.csv" | cut -d, -f1-5)" "totals,$n,$(count 1 3),$D,$(count '$4 == "paper"')"
API_CERT=admin api GET "/api/v1/stats?$Q&by=department" -H 'Accept: text/csv'
is "CSV by Accept: text/csv is the same" "$(cat "$T/resp")" "$(cat "$T/api.csv")"

# --- mmctl stats ---
check "mmctl stats --by department" "$MMCTL" stats -s "127.0.0.1:$SRV_PORT" -C "$T/admin-client.conf" \
  --from "$TODAY" --to "$TODAY" --by department
cp "$T/last.out" "$T/mmctl.out"
is "mmctl: Socialförvaltningen's letters, pages, digital, paper" \
  "$(awk -F'\t' '$1 == "Socialförvaltningen" { print $2, $3, $4, $5 }' "$T/mmctl.out")" \
  "$(count '$1 == "Socialförvaltningen"') $(count '$1 == "Socialförvaltningen"' 3) $(count '$1 == "Socialförvaltningen" && $4 == "digital"') $(count '$1 == "Socialförvaltningen" && $4 == "paper"')"
is "mmctl: the total line" "$(awk -F'\t' '$1 == "TOTAL" { print $2, $4, $5 }' "$T/mmctl.out")" "$n $D $(count '$4 == "paper"')"
contains "mmctl: the savings" "$(cat "$T/mmctl.out")" "$(printf 'postage %.2f' "$(python3 -c "print($D * 7.25)")")"
"$MMCTL" stats -s "127.0.0.1:$SRV_PORT" -C "$T/admin-client.conf" --from "$TODAY" --to "$TODAY" --by department --csv \
  > "$T/mmctl.csv" 2>"$T/mmctl.err"
is "mmctl stats --csv is the API's CSV" "$(cat "$T/mmctl.csv")" "$(cat "$T/api.csv")"

# --- who is refused ---
API_CERT=desk1 api GET "/api/v1/stats?$Q"
is "a workstation's certificate: 403" "$code $(jfield .error)" "403 forbidden"
is "... with the Swedish message" "$(jfield .message)" "Du har inte behörighet att se statistiken"
check_fails "mmctl stats with a workstation's certificate fails" "$MMCTL" stats -s "127.0.0.1:$SRV_PORT" \
  -C "$T/desk1-client.conf"
contains "... saying why, in the server's words" "$(cat "$T/last.out")" "Du har inte behörighet att se statistiken"
for who in anna:Anna-lösen-1:handläggare ulla:Ulla-lösen-3:utskrift; do
  IFS=: read -r u pw role <<<"$who"
  WEB_AS=$u web_login "$u" "$pw"
  for p in /statistik /statistik.csv; do
    WEB_AS=$u web GET "$p"
    is "$u ($role): $p is 403" "$code" 403
  done
  contains "... the page says why, in Swedish" "$(cat "$T/resp")" "Du har inte behörighet att se det här."
done
WEB_AS=anna web GET "/api/v1/stats?$Q"
is "the portal has no /api/v1/stats (persons use /statistik)" "$code" 404

# --- the statistik person ---
WEB_AS=stina web_login stina 'Stina-lösen-4'
is "stina (statistik) signs in" "$code" 303
contains "... and starts on /statistik" "$(tr -d '\r' < "$T/login.h")" "Location: /statistik"
WEB_AS=stina web GET "/statistik?fran=$TODAY&till=$TODAY&per=department"
is "GET /statistik: 200" "$code" 200
PAGE=$(cat "$T/resp")
cp "$T/resp" "$T/statistik.html"
contains "one h1" "$PAGE" "<h1>Statistik</h1>"
contains "the digital share per month as an SVG image with a name" "$PAGE" \
  '<svg id="diagram-andel" role="img" aria-labelledby="diagram-andel-titel"'
contains "... and its table" "$PAGE" '<table id="tabell-andel">'
contains "the channels per förvaltning as an SVG image" "$PAGE" '<svg id="diagram-kanal" role="img"'
contains "... and its table" "$PAGE" '<table id="tabell-kanal">'
contains "the table per förvaltning has Socialförvaltningen" "$PAGE" '<th scope="row">Socialförvaltningen</th>'
contains "the reach reasons in Swedish" "$PAGE" "Tar inte emot digital post från avsändaren"
contains "the operators per month" "$PAGE" '<th scope="row">Min myndighetspost</th>'
contains "the total savings" "$PAGE" "id=\"nytta-totalt\">$(python3 -c "
t = $D * 7.25 + $D * 80 + $DD * 55
s = '{:,.2f}'.format(t).replace(',', ' ').replace('.', ',').replace(' ', '\u00a0')
print(s + '\u00a0kr')")<"
contains "the CSV link" "$PAGE" "href=\"/statistik.csv?fran=$TODAY&amp;till=$TODAY&amp;per=department\""
check_fails "no style attribute (CSP style-src 'self')" grep -q ' style=' "$T/statistik.html"
check_fails "no inline script" grep -q '<script>' "$T/statistik.html"
leak=
for r in "$K1" "$N1" "${K1:0:8}-${K1:8}" "Beslut om bistånd" "${IDS[0]}" anna; do
  grep -qF "$r" "$T/statistik.html" && leak="$leak $r"
done
is "no letter and no person on the page (numbers, titles, ids, users)" "$leak" ""
WEB_AS=stina web GET "/statistik.csv?fran=$TODAY&till=$TODAY&per=department"
is "GET /statistik.csv: 200" "$code" 200
contains "... text/csv as an attachment" "$(tr -d '\r' < "$T/resp.h")" "Content-Disposition: attachment"
is "... the API's CSV" "$(cat "$T/resp")" "$(cat "$T/api.csv")"
WEB_AS=stina web GET "/statistik?fran=2026-02-30"
is "a date that is none: 400" "$code" 400
contains "... with the Swedish message" "$(cat "$T/resp")" "Ange perioden som datum, ÅÅÅÅ-MM-DD"
for p in /brev /behover /hantera; do
  WEB_AS=stina web GET "$p"
  is "statistik sees no letters: $p is 403" "$code" 403
done
for p in "/brev/${IDS[0]}" "/brev/${IDS[4]}/dokument.pdf"; do
  WEB_AS=stina web GET "$p"
  is "statistik sees no letter: $p is 404 (as if there were none)" "$code" 404
  contains "... Brevet finns inte" "$(cat "$T/resp")" "Brevet finns inte"
done
WEB_AS=adam web_login adam 'Adam-lösen-5'
WEB_AS=adam web GET /statistik
is "admin person: /statistik is 200" "$code" 200

# --- a crash while letters are on their way ---
DB=$T/state/mmprintd.db
# rollup and aggregate: the rollup's rows, and the same computed from the
# jobs by this test's own SQL (no purged job yet)
rollup() {
  sqlite3 "$DB" "SELECT month, department, channel, operator_name, letter_type, reach, outcome, letters, pages,
    lead_n, lead_ms, lead_1d, lead_5wd FROM stats WHERE letters <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7"
}
aggregate() {
  sqlite3 "$DB" "SELECT m, d, channel, operator_name, letter_type, reach, o, count(*), sum(pages), count(lead),
    coalesce(sum(lead), 0), count(CASE WHEN lead <= 86400000 THEN 1 END), count(CASE WHEN lead <= 604800000 THEN 1 END)
    FROM (SELECT strftime('%Y-%m', created_ms / 1000, 'unixepoch', 'localtime') AS m, trim(department) AS d,
      channel, operator_name, letter_type, reach, pages,
      CASE WHEN state IN ('delivered', 'printed', 'posted', 'cancelled') THEN state
        WHEN state IN ('failed', 'returned', 'expired') THEN 'failed' ELSE 'pending' END AS o,
      CASE WHEN state = 'delivered' THEN final_ms - created_ms WHEN state = 'posted' THEN posted_ms - created_ms END AS lead
      FROM jobs) GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7"
}
is "before the crash: the rollup is the aggregate over the jobs" "$(rollup)" "$(aggregate)"
# Kivra answers after 5 s and the printer needs 2 s a letter: the crash
# comes while letters are on their way.
set_faults "op=kivra delay=5000"
echo 2 > "$T/print-secs"
first=$((n + 1))
for i in $(seq 1 8); do
  letter "$K2" Miljöförvaltningen beslut 1
  letter "$N2" Miljöförvaltningen information 2
done
for ((i = first; i <= n; i++)); do post "$i"; done
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
left=$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE state NOT IN ('delivered', 'printed')")
diag "$(sqlite3 "$DB" "SELECT state, count(*) FROM jobs GROUP BY state")"
if [ "$left" -gt 0 ]; then ok "killed while $left of $n letters were on their way"; else not_ok "killed mid-work (every letter was final)"; fi
is "after SIGKILL: the rollup is the aggregate over the jobs" "$(rollup)" "$(aggregate)"
set_faults ""
echo 0 > "$T/print-secs"
start_server "$CONF" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
check "after the restart every letter is delivered or printed" all_final
is "... and the rollup is still the aggregate" "$(rollup)" "$(aggregate)"
API_CERT=admin api GET "/api/v1/stats?$Q&by=department"
is "every letter counted once: totals letters, digital, paper" \
  "$(jfield '.totals | [.letters, .digital, .paper] | join(" ")')" \
  "$n $(count '$4 == "digital"') $(count '$4 == "paper"')"
is "Miljöförvaltningen: 16 letters, 8 digital decisions" \
  "$(jfield '.rows[] | select(.key == "Miljöförvaltningen") | [.letters, .digital_decisions] | join(" ")')" "16 8"
cp "$T/resp" "$T/before-gallring.json"

# --- gallring ---
# The letters become older than retention_days (365): their final_ms is
# moved 400 days back with the update trigger set aside, as if they had
# ended then (the figures already hold them); mmprintd puts the trigger back
# when it starts, and the start's retention purges them.
kill -TERM "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
sqlite3 "$DB" "BEGIN; DROP TRIGGER stats_job_update; UPDATE jobs SET final_ms = final_ms - 400 * 86400000; COMMIT;"
start_server "$CONF" || { not_ok "mmprintd starts again"; done_testing; exit 1; }
for i in $(seq 100); do [ "$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE purged = 1")" = "$n" ] && break; sleep 0.1; done
is "gallring purged every letter" "$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE purged = 1")" "$n"
is "... their departments and recipients are blank" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE department <> '' OR recipient <> ''")" 0
is "the update trigger is back" "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stats_job_%'")" 2
API_CERT=admin api GET "/api/v1/stats?$Q&by=department"
is "after gallring the figures are the same" "$(jq -S 'del(.from, .to)' < "$T/resp")" \
  "$(jq -S 'del(.from, .to)' < "$T/before-gallring.json")"
is "... Socialförvaltningen still has its letters" \
  "$(jfield '.rows[] | select(.key == "Socialförvaltningen") | .letters')" "$(count '$1 == "Socialförvaltningen"')"
done_testing
