#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# "Utskriftsrummet" of the web portal (issue 12, the paper leg;
# server/web_printroom.c) through real TLS with curl against a real
# mmprintd, mmsimd (FaR: no mailbox, so paper) and ippeveprinter.
# The print room's person (role utskrift) sees today's paper letters in
# print order with the separator page's data and postal class, sorted by
# postal class on request, and counts; never a recipient's number or a
# title.  "Markera som postad" posts one printed letter (journaled
# person:LOGIN), refuses one that is not printed with a Swedish message and
# without the CSRF token; "Markera alla utskrivna som postade" posts the
# day's printed letters and says how many.  A letter that failed (the
# printer was down) is printed again with "Skriv ut igen"; one whose letter
# is no longer stored says so.  The day's list comes as CSV (BOM, ";",
# attachment, no personnummer) and as PDF (pdftotext shows the rows).
# Statistik and handläggare get 403 on every route and change nothing; a
# workstation certificate gets nothing from the portal.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 40 420)
{ # no recipient has a mailbox: every letter goes to paper
  echo "operator kivra id=165567828172 name=Kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
# printer_up: ippeveprinter again on the same port (the server's printer_uri)
printer_up() {
  ippeveprinter -p "$IPP_PORT" -d "$T/printroom" -f application/pdf -k -K "$(printer_keys)" -c /bin/true \
    -n localhost -r off "Utskriftsrummet" >>"$T/ipp.log" 2>&1 &
  IPP_PID=$!
  remember_pid $IPP_PID
  wait_port "$IPP_PORT" 20
}
CONF=("sync_wait_ms = 5000" "print_deadline = 3" "retry_initial_ms = 200" "retry_max_ms = 400")
write_conf "$T/mmprintd.conf" "${CONF[@]}"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
check "mmctl user add ulla (utskrift)" web_user ulla utskrift 'Ulla-lösen-1'
check "mmctl user add anna (handläggare)" web_user anna handläggare 'Anna-lösen-2'
check "mmctl user add sten (statistik)" web_user sten statistik 'Sten-lösen-3'
check "mmctl user add adam (admin)" web_user adam admin 'Adam-lösen-4'

# letter N CLASS DEPARTMENT: a paper letter of anna's; prints its id
letter() {
  mkpdf "$T/l$1.pdf" 1 "Beslut $1"
  bundle "$T/l$1.job" "$T/l$1.pdf" "recipient=${P[$1]}" recipient-source=option user=anna "title=Hemligt beslut $1" \
    "cups-job-id=10$1" "department=$3" "postal-class=$2" host=desk1.example.se pages=1
  submit "$T/l$1.job" "pr-$1" >/dev/null
  jfield .id
}
L1=$(letter 1 b-post Socialförvaltningen)
L2=$(letter 2 a-post Barn-\ och\ utbildning)
L3=$(letter 3 rekommenderat Socialförvaltningen)
for id in "$L1" "$L2" "$L3"; do wait_state "$id" printed 30; done
is "three paper letters are printed" "$(jfield .state)" printed
state_of() { api GET "/api/v1/jobs/$1"; jfield .state; }
actors() { api GET "/api/v1/jobs/$1"; jq -r --arg e "$2" '[.events[] | select(.event == $e) | .actor] | join(",")' < "$T/resp"; }
# rows: the page's rows in order, "ID STATE CLASS"
rows() { grep -o '<tr data-id="[^"]*" data-state="[^"]*" data-class="[^"]*"' "$T/resp" | sed 's/<tr data-id="\([^"]*\)" data-state="\([^"]*\)" data-class="\([^"]*\)"/\1 \2 \3/'; }
TODAY=$(date +%F)

# --- refused: no session, statistik, handläggare, a workstation certificate ---
web GET /utskrift
is "no session: /utskrift is 303 to the login" "$code" 303
WEB_AS=sten web_login sten 'Sten-lösen-3'
is "sten (statistik) signs in" "$code" 303
STEN_CSRF=$WEB_CSRF # from the page after the login (the logout form's token)
WEB_AS=anna web_login anna 'Anna-lösen-2'
ANNA_CSRF=$WEB_CSRF
for who in sten anna; do
  for path in /utskrift /utskrift/dagslista.csv /utskrift/dagslista.pdf; do
    WEB_AS=$who web GET "$path"
    is "$who: GET $path is 403" "$code" 403
  done
  contains "$who: ... the page Ingen behörighet" "$(cat "$T/resp")" "Du har inte behörighet"
  csrf=$([ "$who" = sten ] && echo "$STEN_CSRF" || echo "$ANNA_CSRF")
  for path in "/utskrift/$L1/postad" "/utskrift/$L1/skriv-ut-igen" /utskrift/postad; do
    WEB_AS=$who web POST "$path" --data-urlencode "csrf=$csrf" --data-urlencode "dag=$TODAY"
    is "$who: POST $path is 403" "$code" 403
  done
done
is "... and the letter is still printed" "$(state_of "$L1")" printed
WEB_AS=sten web GET /utskrift
check_fails "the menu of statistik has no Utskriftsrummet" grep -q 'href="/utskrift"' "$T/resp"
code=$(curl -sS -o "$T/resp" -D "$T/resp.h" -w '%{http_code}' --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" \
  --key "$PKI/client-desk1.key" "$WEB_URL/utskrift")
is "a workstation certificate on the portal: 303 to the login (a certificate is no person)" "$code" 303
check_fails "... and no letter in the answer" grep -q "$L1" "$T/resp"
api GET /utskrift
is "the API front has no /utskrift" "$code" 404

# --- the page ---
WEB_AS=ulla web_login ulla 'Ulla-lösen-1'
is "ulla (utskrift) signs in" "$code" 303
ULLA_CSRF=$WEB_CSRF
WEB_AS=ulla web GET /utskrift
is "GET /utskrift: 200" "$code" 200
cp "$T/resp" "$T/page1.html"
PG=$(cat "$T/resp")
contains "the page's h1" "$PG" "<h1>Utskriftsrummet</h1>"
contains "the menu marks Utskriftsrummet as the current page" "$PG" '<a href="/utskrift" aria-current="page">'
contains "the table has a caption naming the day and the order" "$PG" "<caption>Brev på papper $TODAY, i utskriftsordning</caption>"
is "the letters in print order, each with its postal class" "$(rows)" "$L1 printed b-post
$L2 printed a-post
$L3 printed rekommenderat"
row1=$(grep -A0 "data-id=\"$L1\"" "$T/resp")
contains "a row: the job id (short) as its header" "$row1" "<th scope=\"row\" class=\"jobb\"><abbr title=\"$L1\">${L1:0:8}</abbr></th>"
contains "... the handläggare" "$row1" '<td class="handlaggare">anna</td>'
contains "... the CUPS job" "$row1" '<td class="cups">101</td>'
contains "... the förvaltning" "$row1" '<td class="forvaltning">Socialförvaltningen</td>'
contains "... the postal class" "$row1" '<td class="postklass">B-post</td>'
contains "... why paper" "$row1" '<td class="varfor">'
contains "... the state in Swedish" "$row1" '<td class="tillstand">Utskrivet</td>'
contains "... a button Markera som postad" "$row1" "action=\"/utskrift/$L1/postad\""
api GET "/api/v1/jobs/$L1"
SHEETS=$(jfield .sheets)
check "the printer's sheets are recorded ($SHEETS)" test "$SHEETS" -gt 0
contains "... and the row shows them" "$row1" "<td class=\"ark\">$SHEETS</td>"
contains "the counts: 3 to post" "$PG" '<span class="tal" id="att-posta">3</span> att posta'
contains "... 0 posted" "$PG" '<span class="tal" id="postade">0</span> postade'
contains "per postal class: 1 A-post" "$PG" '<tr data-class="a-post"><th scope="row">A-post</th><td>1</td><td>1</td><td>0</td></tr>'
contains "the button for the whole day" "$PG" "Markera alla utskrivna som postade (3)</button>"
contains "the previous day's link" "$PG" "href=\"/utskrift?dag=$(date -d yesterday +%F)\">Föregående dag"
contains "the day list as PDF" "$PG" "href=\"/utskrift/dagslista.pdf?dag=$TODAY\""
contains "the day list as CSV" "$PG" "href=\"/utskrift/dagslista.csv?dag=$TODAY\""
for i in 1 2 3; do
  p=${P[$i]}
  check_fails "no personnummer of letter $i on the page (data minimisation)" grep -q -e "$p" -e "${p:0:8}-${p:8}" \
    -e "${p:2:6}-${p:8}" -e "${p:0:8}-\*\*\*\*" "$T/page1.html"
  check_fails "... nor its title" grep -q "Hemligt beslut $i" "$T/page1.html"
done
WEB_AS=ulla web GET "/utskrift?ordning=postklass"
is "?ordning=postklass: Rekommenderat (for the counter), A-post, B-post" "$(rows)" "$L3 printed rekommenderat
$L2 printed a-post
$L1 printed b-post"
WEB_AS=ulla web GET "/utskrift?dag=$(date -d yesterday +%F)"
is "yesterday: 200" "$code" 200
is "... no letters" "$(rows)" ""
contains "... says so" "$(cat "$T/resp")" "Inga brev på papper den här dagen."
WEB_AS=ulla web GET "/utskrift?dag=2026-02-30"
is "a day that does not exist: 400" "$code" 400
contains "... with the Swedish message" "$(cat "$T/resp")" "Ogiltigt datum"
WEB_AS=ulla web GET "/utskrift?rum=Utskriftsrummet"
is "?rum= of the one room: its letters" "$(rows | wc -l)" 3
WEB_AS=ulla web GET "/utskrift?rum=Kontoret"
is "?rum= of no room: 400" "$code" 400
contains "... with the Swedish message" "$(cat "$T/resp")" "Det finns inget utskriftsrum med det namnet."

# --- the day's list ---
WEB_AS=ulla web GET "/utskrift/dagslista.csv?dag=$TODAY"
is "dagslista.csv: 200" "$code" 200
H=$(tr -d '\r' < "$T/resp.h")
contains "... text/csv in UTF-8" "$H" "Content-Type: text/csv; charset=utf-8"
contains "... as an attachment" "$H" "Content-Disposition: attachment; filename=\"dagslista-$TODAY.csv\""
is "... starts with the UTF-8 BOM (Excel on Windows)" "$(head -c 3 "$T/resp" | od -An -tx1 | tr -d ' ')" efbbbf
is "... a header line and three rows" "$(tr -d '\r' < "$T/resp" | wc -l)" 4
is "... lines end in CRLF" "$(grep -c $'\r$' "$T/resp")" 4
tr -d '\r' < "$T/resp" | tail -n +2 > "$T/rows.csv"
is "... ';' separated, 15 fields" "$(awk -F';' '{print NF}' "$T/rows.csv" | sort -u)" 15
is "... in print order, the job ids" "$(cut -d';' -f4 "$T/rows.csv" | paste -sd ' ')" "$L1 $L2 $L3"
contains "... with the separator page's data" "$(sed -n 1p "$T/rows.csv")" \
  ";$L1;anna;101;Socialförvaltningen;Utskriftsrummet;B-post;"
contains "... and its header in Swedish" "$(head -1 "$T/resp")" "Nr;Dag;Till utskrift;Jobb-id;Handläggare;CUPS-jobb;Förvaltning"
for i in 1 2 3; do
  p=${P[$i]}
  check_fails "... no personnummer of letter $i" grep -q -e "$p" -e "${p:0:8}-${p:8}" -e "${p:2:6}-${p:8}" -e "${p:2}" "$T/resp"
done
WEB_AS=ulla web GET "/utskrift/dagslista.pdf?dag=$TODAY"
is "dagslista.pdf: 200" "$code" 200
H=$(tr -d '\r' < "$T/resp.h")
contains "... application/pdf" "$H" "Content-Type: application/pdf"
contains "... as an attachment" "$H" "Content-Disposition: attachment; filename=\"dagslista-$TODAY.pdf\""
cp "$T/resp" "$T/dagslista.pdf"
check "... a PDF pdftotext reads" pdftotext -layout "$T/dagslista.pdf" "$T/dagslista.txt"
TXT=$(cat "$T/dagslista.txt")
contains "... its title" "$TXT" "Dagslista – Utskriftsrummet"
contains "... the day" "$TXT" "Dag: $TODAY"
contains "... the counts per postal class" "$TXT" "A-post: 1 (att posta 1)"
for id in "$L1" "$L2" "$L3"; do contains "... the row of ${id:0:8}" "$TXT" "${id:0:8}"; done
check_fails "... no personnummer" grep -q -e "${P[1]:0:8}" -e "${P[2]:0:8}" -e "${P[3]:0:8}" "$T/dagslista.txt"

# --- Markera som postad ---
WEB_AS=ulla web POST "/utskrift/$L1/postad" --data-urlencode "dag=$TODAY"
is "Markera som postad without the CSRF token: 403" "$code" 403
contains "... the page Formuläret har gått ut" "$(cat "$T/resp")" "Formuläret har gått ut"
is "... still printed" "$(state_of "$L1")" printed
WEB_AS=ulla web POST "/utskrift/$L1/postad" --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY" \
  --data-urlencode ordning=postklass
is "Markera som postad: 303" "$code" 303
contains "... back to the same day and order" "$(tr -d '\r' < "$T/resp.h")" \
  "Location: /utskrift?dag=$TODAY&ordning=postklass&klart=postad"
is "the letter is posted" "$(state_of "$L1")" posted
is "... journaled with the person" "$(actors "$L1" posted)" person:ulla
api GET "/api/v1/jobs/$L1"
is "... posted_by names the person" "$(jfield .posted_by)" person:ulla
WEB_AS=ulla web GET "/utskrift?dag=$TODAY&ordning=postklass&klart=postad"
contains "the page says it, politely" "$(cat "$T/resp")" '<p id="klart" class="info" role="status">Brevet är markerat som postat.</p>'
contains "... the row says Postat" "$(grep "data-id=\"$L1\"" "$T/resp")" '<td class="tillstand">Postat</td>'
check_fails "... and has no button any more" grep -q "action=\"/utskrift/$L1/postad\"" "$T/resp"
WEB_AS=ulla web POST "/utskrift/$L1/postad" --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY"
is "posting a posted letter: 409" "$code" 409
contains "... with the Swedish message" "$(cat "$T/resp")" "Brevet kan inte markeras som postat: det är inte utskrivet."
WEB_AS=ulla web POST "/utskrift/00000000-0000-4000-8000-000000000000/postad" --data-urlencode "csrf=$ULLA_CSRF"
is "posting an unknown letter: 404" "$code" 404

# --- a failed letter, printed again ---
kill "$IPP_PID"
wait "$IPP_PID" 2>/dev/null
L4=$(letter 4 a-post Socialförvaltningen)
L5=$(letter 5 b-post Miljöförvaltningen)
wait_state "$L4" failed 30
is "with the printer down, a letter fails" "$(jfield .state)" failed
wait_state "$L5" failed 30
is "... and another" "$(jfield .state)" failed
WEB_AS=ulla web GET /utskrift
row4=$(grep "data-id=\"$L4\"" "$T/resp")
contains "the failed letter's row says Misslyckades" "$row4" '<td class="tillstand">Misslyckades</td>'
contains "... and offers Skriv ut igen" "$row4" "action=\"/utskrift/$L4/skriv-ut-igen\""
contains "the counts: 2 failed" "$(cat "$T/resp")" '<span class="tal" id="misslyckade">2</span> misslyckade'
WEB_AS=ulla web POST "/utskrift/$L4/postad" --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY"
is "posting a failed letter: 409" "$code" 409
contains "... the page says it is not printed" "$(cat "$T/resp")" \
  '<p id="fel" class="fel" role="alert">Brevet kan inte markeras som postat: det är inte utskrivet.'
is "... still failed" "$(state_of "$L4")" failed
WEB_AS=ulla web POST "/utskrift/$L2/skriv-ut-igen" --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY"
is "Skriv ut igen of a printed letter: 409" "$code" 409
contains "... with the Swedish message" "$(cat "$T/resp")" "Brevet kan inte skrivas ut igen: utskriften har inte misslyckats"
check "the printer is up again" printer_up
before=$(printed_files | wc -l)
WEB_AS=ulla web POST "/utskrift/$L4/skriv-ut-igen" --data-urlencode "dag=$TODAY"
is "Skriv ut igen without the CSRF token: 403" "$code" 403
WEB_AS=ulla web POST "/utskrift/$L4/skriv-ut-igen" --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY"
is "Skriv ut igen: 303" "$code" 303
contains "... back to the day with a message" "$(tr -d '\r' < "$T/resp.h")" "Location: /utskrift?dag=$TODAY&klart=omskrivet"
wait_state "$L4" printed 30
is "the failed letter is printed" "$(jfield .state)" printed
is "... the reprint journaled with the person" "$(actors "$L4" resolved)" person:ulla
is "... the printer got one more job" "$(printed_files | wc -l)" $((before + 1))
WEB_AS=ulla web GET "/utskrift?klart=omskrivet"
contains "the page says it was sent again" "$(cat "$T/resp")" "Brevet är skickat till skrivaren igen."
contains "... and the row is Utskrivet" "$(grep "data-id=\"$L4\"" "$T/resp")" '<td class="tillstand">Utskrivet</td>'

# --- Markera alla utskrivna som postade ---
WEB_AS=ulla web POST /utskrift/postad --data-urlencode "dag=$TODAY"
is "Markera alla without the CSRF token: 403" "$code" 403
is "... nothing posted" "$(state_of "$L2")" printed
WEB_AS=ulla web POST /utskrift/postad --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$(date -d yesterday +%F)"
is "Markera alla for yesterday: 303" "$code" 303
contains "... marks none" "$(tr -d '\r' < "$T/resp.h")" "klart=postade&antal=0"
is "... today's letters stay printed" "$(state_of "$L2")" printed
WEB_AS=ulla web POST /utskrift/postad --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY" \
  --data-urlencode rum=Utskriftsrummet
is "Markera alla for today: 303" "$code" 303
LOC=$(tr -d '\r' < "$T/resp.h" | sed -n 's/^Location: //p')
is "... back to the day and room, saying how many" "$LOC" "/utskrift?dag=$TODAY&rum=Utskriftsrummet&klart=postade&antal=3"
for id in "$L2" "$L3" "$L4"; do
  is "letter ${id:0:8} is posted" "$(state_of "$id")" posted
  is "... by person:ulla" "$(actors "$id" posted)" person:ulla
done
is "the failed letter is not posted" "$(state_of "$L5")" failed
WEB_AS=ulla web GET "$LOC"
contains "the page says 3 letters were marked" "$(cat "$T/resp")" "3 brev är markerade som postade."
contains "... 4 posted" "$(cat "$T/resp")" '<span class="tal" id="postade">4</span> postade'
check_fails "... and no button for the whole day is left" grep -q 'id="posta-alla"' "$T/resp"

# --- a failed letter no longer stored ---
kill -TERM "$SRV_PID"
wait "$SRV_PID"
write_conf "$T/mmprintd.conf" "${CONF[@]}" "exception_retention = 1s"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
kill -HUP "$SRV_PID"
for _ in $(seq 100); do [ -z "$(stored_documents "$L5")" ] && break; sleep 0.1; done
is "after exception_retention the failed letter is purged" "$(stored_documents "$L5")" ""
WEB_AS=ulla web_login ulla 'Ulla-lösen-1'
ULLA_CSRF=$WEB_CSRF
WEB_AS=ulla web GET /utskrift
row5=$(grep "data-id=\"$L5\"" "$T/resp")
contains "its row says the letter is gone" "$row5" "Brevet finns inte kvar"
check_fails "... without Skriv ut igen" grep -q "action=\"/utskrift/$L5/skriv-ut-igen\"" "$T/resp"
WEB_AS=ulla web POST "/utskrift/$L5/skriv-ut-igen" --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY"
is "Skriv ut igen of a letter no longer stored: 410" "$code" 410
contains "... with the Swedish message" "$(cat "$T/resp")" \
  '<p id="fel" class="fel" role="alert">Brevet finns inte längre kvar i servern och kan inte skrivas ut igen.'
is "... still failed" "$(state_of "$L5")" failed
API_CERT=admin api POST "/api/v1/jobs/$L5/resolve" -H 'Content-Type: application/json' -d '{"action":"handled"}'
is "the admin marks it handled (the API)" "$code" 200
WEB_AS=ulla web GET /utskrift
contains "its row then says Misslyckades (hanterat)" "$(grep "data-id=\"$L5\"" "$T/resp")" \
  '<td class="tillstand">Misslyckades (hanterat)</td><td class="ark">–</td><td class="atgard"></td>'
contains "... and it is no longer counted as failed" "$(cat "$T/resp")" '<span class="tal" id="misslyckade">0</span>'

# --- a long day: the PDF has more pages; a formula in a CSV field stays text ---
for i in $(seq 6 35); do letter "$i" b-post Socialförvaltningen >/dev/null; done
L36=$(letter 36 b-post '=SUMMA(1;2)')
wait_state "$L36" printed 30
WEB_AS=ulla web GET "/utskrift/dagslista.pdf?dag=$TODAY"
cp "$T/resp" "$T/lang.pdf"
is "36 letters: the day list has two pages" "$(pdfinfo "$T/lang.pdf" | awk '$1 == "Pages:" {print $2}')" 2
contains "... page 2 says so" "$(pdftotext -f 2 -l 2 "$T/lang.pdf" -)" "sida 2 av 2"
contains "... and ends with the last letter" "$(pdftotext -f 2 -l 2 -layout "$T/lang.pdf" -)" "${L36:0:8}"
WEB_AS=ulla web GET "/utskrift/dagslista.csv?dag=$TODAY"
contains "a förvaltning that looks like a formula is quoted as text in the CSV" "$(grep "$L36" "$T/resp")" \
  ";\"'=SUMMA(1;2)\";"

# --- two print rooms: Byggrummet (printroom_dir) takes department Bygg ---
BYGG_PORT=$(free_port)
mkdir -p "$T/bygg" "$T/rooms"
ippeveprinter -p "$BYGG_PORT" -d "$T/bygg" -f application/pdf -k -K "$(printer_keys)" -c /bin/true -n localhost -r off \
  Bygg >>"$T/ipp.log" 2>&1 &
remember_pid $!
wait_port "$BYGG_PORT" 20 || not_ok "the second printer starts"
printf 'name = Byggrummet\nuri = ipps://127.0.0.1:%s/ipp/print\nca = %s\ndepartments = Bygg\n' "$BYGG_PORT" "$PKI/ca.crt" \
  > "$T/rooms/bygg.conf"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
write_conf "$T/mmprintd.conf" "${CONF[@]}" "printroom_dir = $T/rooms"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts with two rooms"; done_testing; exit 1; }
L37=$(letter 37 a-post Bygg)
wait_state "$L37" printed 30
is "a letter of Bygg is printed in Byggrummet" "$(jfield .printer)" Byggrummet
WEB_AS=ulla web_login ulla 'Ulla-lösen-1'
ULLA_CSRF=$WEB_CSRF
WEB_AS=ulla web GET /utskrift
PG=$(cat "$T/resp")
contains "two rooms: a select Utskriftsrum" "$PG" '<label for="rum">Utskriftsrum</label>'
contains "... with both rooms and all" "$PG" \
  '<option value="" selected>Alla rum</option><option value="Utskriftsrummet">Utskriftsrummet</option><option value="Byggrummet">Byggrummet</option>'
contains "... and a column Rum" "$PG" '<th scope="col">Rum</th>'
contains "... the Bygg letter's room" "$(grep "data-id=\"$L37\"" "$T/resp")" '<td class="rum">Byggrummet</td>'
WEB_AS=ulla web GET "/utskrift?rum=Byggrummet"
is "?rum=Byggrummet: its one letter" "$(rows | cut -d' ' -f1)" "$L37"
check_fails "... without the column Rum (one room chosen)" grep -q '<th scope="col">Rum</th>' "$T/resp"
WEB_AS=ulla web GET "/utskrift?rum=Utskriftsrummet"
is "?rum=Utskriftsrummet: the other 36" "$(rows | wc -l)" 36
WEB_AS=ulla web GET "/utskrift/dagslista.csv?dag=$TODAY&rum=Byggrummet"
is "dagslista.csv of Byggrummet: a header and one row" "$(tr -d '\r' < "$T/resp" | wc -l)" 2
WEB_AS=ulla web POST /utskrift/postad --data-urlencode "csrf=$ULLA_CSRF" --data-urlencode "dag=$TODAY" \
  --data-urlencode rum=Byggrummet
contains "Markera alla in Byggrummet: one letter" "$(tr -d '\r' < "$T/resp.h")" "klart=postade&antal=1"
is "... the Bygg letter is posted" "$(state_of "$L37")" posted
is "... the letters of Utskriftsrummet are not" "$(state_of "$L36")" printed

# --- an admin person sees the same page ---
WEB_AS=adam web_login adam 'Adam-lösen-4'
WEB_AS=adam web GET /utskrift
is "an admin person: 200" "$code" 200
is "... with the day's 37 letters" "$(rows | wc -l)" 37

check_fails "the log has no personnummer" grep -q -e "${P[1]}" -e "${P[4]}" "$T/server.log"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
is "mmprintd stops cleanly" "$?" 0
check_fails "no sanitizer reports from mmprintd" grep -a -m 5 -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
  "$T/server.log"
done_testing
