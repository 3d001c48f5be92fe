#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# "Massutskick" on the web portal and on paper (issue 13: server/web_batch.c,
# the paper run of printroom.c/printq.c, the batch group of /utskrift)
# through real TLS against a real mmprintd, mmsimd and ippeveprinter (its
# documents kept).  A batch bundle built with printf + cat, split pages:2,
# five letters: two with a mailbox, two without (paper), one without a
# recipient (held).  The handläggare's report page shows every letter's
# outcome; the exception list (CSV and PDF) lists exactly the paper and held
# letters; the held letter is completed on /brev/{id} and then shown
# delivered.  The paper letters reach the printer behind ONE cover sheet,
# contiguous and in order, each behind its separator, and /utskrift shows
# them as one group.  A batch in doubt shows its Swedish reason and is
# cancelled with "Makulera massutskicket".  Another handläggare gets 404 for the batch, statistik
# 403, a workstation certificate nothing from the portal.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t R < <(pins 10 5000)
{ # R[0], R[1] have a mailbox; R[2], R[3] not
  echo "operator kivra id=165567828172 name=Kivra"
  echo "recipient ${R[0]} operator=kivra"
  echo "recipient ${R[1]} operator=kivra"
  echo "recipient ${R[5]} operator=kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0"
# The pages' clock is the server's local time, here not UTC.
export TZ=Europe/Stockholm
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
check "mmctl user add anna (handläggare)" web_user anna handläggare 'Anna-lösen-1'
check "mmctl user add bo (handläggare)" web_user bo handläggare 'Bo-lösen-2'
check "mmctl user add ulla (utskrift)" web_user ulla utskrift 'Ulla-lösen-3'
check "mmctl user add sten (statistik)" web_user sten statistik 'Sten-lösen-4'

# The batch: letters of 2 pages; letter 1..5 to R[0], R[2], none, R[3], R[1]
python3 - "$MM_SRCDIR/tests/data/pdf" "$T/batch.pdf" "${R[0]}" "${R[2]}" "" "${R[3]}" "${R[1]}" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mkbatch
pages = []
for i, p in enumerate(sys.argv[3:]):
    top = mkbatch.head("Personnummer:", p[:8] + "-" + p[8:], "Person %d" % i) if p else [(800, "Exempelkommun")]
    pages.append(top + mkbatch.body(1) + [(300, "Brevtext nummer %d" % (i + 1))])
    pages.append(mkbatch.body(2))
mkbatch.write(sys.argv[2], pages)
PY
{
  printf 'MMPRINT-BATCH 1\n'
  printf 'split: pages:2\nuser: anna\nhost: desk1.example.se\ncups-job-id: 77\ntitle: Placeringsbeslut\n'
  printf 'manifest-length: 0\ndocument-length: %s\n\n' "$(stat -c %s "$T/batch.pdf")"
  cat "$T/batch.pdf"
} > "$T/batch.bundle"
api POST /api/v1/batches -H 'Content-Type: application/vnd.mmprint-batch' -H 'Idempotency-Key: web-batch-1' \
  --data-binary @"$T/batch.bundle"
is "the batch is accepted (202)" "$code" 202
B=$(jfield .id)
for ((i = 0; i < 300; i++)); do
  api GET "/api/v1/batches/$B"
  [ "$(jfield .state)" = split ] && [ "$(jfield .counts.pending)" = 0 ] && [ "$(jfield .letters)" = 5 ] && break
  sleep 0.2
done
is "split into 5 letters: 2 digital, 2 paper, 1 held" "$(jfield '.letters,.counts.digital,.counts.paper,.counts.held')" \
  "$(printf '5\n2\n2\n1')"
HELD=$(jfield '.items[2].job_id')
P2=$(jfield '.items[1].job_id')
P4=$(jfield '.items[3].job_id')
wait_state "$P2" printed 30
wait_state "$P4" printed 30
is "both paper letters printed" "$(api GET "/api/v1/jobs/$P2"; jfield .state)" printed

# ---- the printer: one cover, then separator + letter, in order ----
mapfile -t F < <(printed_files)
is "the printer got 3 documents: the cover and the 2 letters" "${#F[@]}" 3
T0=$(pdftotext "${F[0]}" - 2>/dev/null)
contains "the first is the cover sheet" "$T0" "Massutskick – 2 brev på papper"
contains "... naming the sender" "$T0" "Avsändare: Exempelkommun"
contains "... the handläggare" "$T0" "Handläggare: anna"
contains "... the batch id" "$T0" "$B"
contains "... the postal classes" "$T0" "B-post: 2 brev"
T1=$(pdftotext "${F[1]}" - 2>/dev/null)
T2=$(pdftotext "${F[2]}" - 2>/dev/null)
contains "then letter 2 behind its separator" "$T1" "Jobb-id: $P2"
contains "... its own text" "$T1" "Brevtext nummer 2"
contains "then letter 4 behind its separator" "$T2" "Jobb-id: $P4"
contains "... its own text" "$T2" "Brevtext nummer 4"

# ---- the report page ----
WEB_AS=anna web_login anna 'Anna-lösen-1'
is "anna signs in" "$code" 303
WEB_AS=anna web GET /massutskick
is "/massutskick: 200" "$code" 200
contains "... the menu has Massutskick" "$(cat "$T/resp")" 'href="/massutskick"'
contains "... lists the batch with its link" "$(cat "$T/resp")" "href=\"/massutskick/$B\""
contains "... its one-liner" "$(cat "$T/resp")" "5 brev: 2 digitalt, 2 till utskrift, 1 behöver mottagare"
api GET "/api/v1/batches/$B?items=no"
is "?items=no: the report without its letters" "$(jfield '.letters,(.items | length)')" "$(printf '5\n0')"
RECEIVED=$(date -d "$(jfield .created)" '+%Y-%m-%d %H:%M')
contains "... received at its local time (the API's is UTC)" "$(WEB_AS=anna web GET /massutskick; cat "$T/resp")" \
  "<td>$RECEIVED</td>"
WEB_AS=anna web GET "/massutskick/$B"
is "/massutskick/{id}: 200" "$code" 200
PG=$(cat "$T/resp")
contains "... the summary" "$PG" "5 brev: 2 digitalt, 2 till utskrift, 1 behöver mottagare"
is "... every letter a row" "$(grep -o '<tr data-state=' "$T/resp" | wc -l)" 5
is "... their states in order" "$(grep -o '<tr data-state="[a-z-]*"' "$T/resp" | cut -d'"' -f2 | paste -sd ' ')" \
  "delivered printed needs-recipient printed delivered"
contains "... the held letter links to its completion page" "$PG" "href=\"/brev/$HELD\""
contains "... states in Swedish" "$PG" "Behöver mottagare"
check_fails "... no unmasked recipient" grep -q "${R[2]:8:4}" "$T/resp"

# ---- the exception list ----
WEB_AS=anna web GET "/massutskick/$B/undantag.csv"
is "undantag.csv: 200" "$code" 200
contains "... an attachment" "$(cat "$T/resp.h")" 'attachment; filename="undantag-'
is "... starts with the BOM" "$(head -c 3 "$T/resp" | od -An -tx1 | tr -d ' ')" efbbbf
is "... CRLF lines" "$(grep -c $'\r$' "$T/resp")" 4
is "... exactly the paper and the held letters" "$(tail -n +2 "$T/resp" | cut -d';' -f2 | paste -sd ' ')" "2 3 4"
WEB_AS=anna web GET "/massutskick/$B/undantag.pdf"
is "undantag.pdf: 200" "$code" 200
cp "$T/resp" "$T/undantag.pdf"
PT=$(pdftotext -layout "$T/undantag.pdf" - 2>/dev/null)
contains "... pdftotext reads its title" "$PT" "Undantagslista"
contains "... the paper letters" "$PT" "${P2:0:8}"
contains "... and the held one" "$PT" "${HELD:0:8}"
check_fails "... not a digital one" grep -q "$(api GET "/api/v1/batches/$B"; jfield '.items[0].job_id' | cut -c1-8)" \
  <(printf '%s' "$PT")

# ---- /utskrift: one group ----
WEB_AS=ulla web_login ulla 'Ulla-lösen-3'
WEB_AS=ulla web GET /utskrift
is "/utskrift: 200" "$code" 200
contains "... the batch's group heading" "$(cat "$T/resp")" "Massutskick ${B:0:8}: 2 brev, handläggare anna"
is "... its letters right after it, in order" \
  "$(grep -o 'data-batch="[^"]*"\|<tr data-id="[^"]*"' "$T/resp" | sed 's/.*="\(.*\)"/\1/' | paste -sd ' ')" "$B $P2 $P4"
WEB_AS=ulla web GET /utskrift/dagslista.csv
contains "the dagslista CSV has the batch id" "$(cat "$T/resp")" "$B"

# ---- completing the held letter ----
WEB_AS=anna web GET "/brev/$HELD"
is "the held letter's page: 200" "$code" 200
T_CSRF=$(web_csrf)
WEB_AS=anna web POST "/brev/$HELD/skicka" --data-urlencode "csrf=$T_CSRF" --data-urlencode "personnummer=${R[5]}" \
  --data-urlencode atgard=skicka
wait_state "$HELD" delivered 30
WEB_AS=anna web GET "/massutskick/$B"
is "then the report shows it delivered" "$(grep -o '<tr data-state="[a-z-]*"' "$T/resp" | cut -d'"' -f2 | sed -n 3p)" delivered
contains "... and the summary" "$(cat "$T/resp")" "5 brev: 3 digitalt, 2 till utskrift"

# ---- refused ----
WEB_AS=bo web_login bo 'Bo-lösen-2'
for p in "/massutskick/$B" "/massutskick/$B/undantag.csv" "/massutskick/$B/undantag.pdf"; do
  WEB_AS=bo web GET "$p"
  is "another handläggare: $p 404" "$code" 404
done
WEB_AS=bo web GET /massutskick
check_fails "... and the list does not show it" grep -q "$B" "$T/resp"
WEB_AS=sten web_login sten 'Sten-lösen-4'
WEB_AS=sten web GET "/massutskick/$B"
is "statistik: 403" "$code" 403
contains "... in Swedish" "$(cat "$T/resp")" "behörighet"
code=$(curl -sS -o "$T/resp" -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" \
  --key "$PKI/client-desk1.key" "$WEB_URL/massutskick/$B")
is "a workstation certificate on the portal: 303 to the login" "$code" 303
check_fails "... and no report" grep -q "$B" "$T/resp"

# ---- a batch in doubt (pages:3 over 10 pages): its reason and Makulera ----
{
  printf 'MMPRINT-BATCH 1\nsplit: pages:3\nuser: anna\ntitle: Tveksamt\n'
  printf 'manifest-length: 0\ndocument-length: %s\n\n' "$(stat -c %s "$T/batch.pdf")"
  cat "$T/batch.pdf"
} > "$T/doubt.bundle"
api POST /api/v1/batches -H 'Content-Type: application/vnd.mmprint-batch' -H 'Idempotency-Key: web-batch-2' \
  --data-binary @"$T/doubt.bundle"
D=$(jfield .id)
for ((i = 0; i < 150; i++)); do
  api GET "/api/v1/batches/$D"
  [ "$(jfield .state)" = held ] && break
  sleep 0.2
done
is "the batch in doubt is held" "$(jfield .state)" held
REASON=$(jfield .reason)
WEB_AS=anna web GET "/massutskick/$D"
contains "its page gives the Swedish reason" "$(cat "$T/resp")" "$(sed 's/&/\&amp;/g' <<<"$REASON")"
contains "... and offers Makulera massutskicket" "$(cat "$T/resp")" "action=\"/massutskick/$D/makulera\""
WEB_AS=bo web POST "/massutskick/$D/makulera" --data-urlencode "csrf=$(WEB_AS=bo web GET /massutskick; web_csrf)"
is "another handläggare cannot cancel it: 404" "$code" 404
WEB_AS=anna web POST "/massutskick/$D/makulera"
is "without the CSRF token: 403" "$code" 403
WEB_AS=anna web GET "/massutskick/$D"
WEB_AS=anna web POST "/massutskick/$D/makulera" --data-urlencode "csrf=$(web_csrf)"
is "anna cancels it: 303 back to its page" "$code" 303
api GET "/api/v1/batches/$D"
is "... and it is cancelled" "$(jfield .state)" cancelled

check_fails "the log has no personnummer" grep -q -e "${R[2]}" -e "${R[3]}" "$T/server.log"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "mmprintd stops cleanly" "$?" 0
check_fails "no sanitizer reports from mmprintd" grep -a -m 5 -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
  "$T/server.log"
done_testing
