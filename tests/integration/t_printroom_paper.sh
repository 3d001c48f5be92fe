#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The paper leg of issue 12, through the real mmsimd (FaR: no mailbox, so
# paper), mmprintd and two ippeveprinters over IPPS:
# - two print rooms: the default room (printer_name, a two-sided printer)
#   and "Byggrummet" of printroom_dir (one-sided), routed by department
#   (case and blanks ignored); a room file that cannot be trusted or routes
#   a department twice stops the start, naming the file;
# - the separator page is a sheet of its own: on the two-sided printer page
#   2 is its back page and the letter starts on page 3; on the one-sided
#   printer there is no back page; sheets recorded; the postal class is
#   the separator page's heading (a room's postal_class_default applies);
# - a busy printer in one room never holds up the other room's letters,
#   and a letter waiting across a restart is printed in its own room;
# - the print room's list (GET /api/v1/printroom) in print order, by room,
#   by postal class; marking letters posted one by one and a whole day,
#   journaled with the principal; refused for a workstation, 409 with a
#   Swedish message for a letter that is not printed;
# - a failed letter reprinted (resolve reprint) goes to its own room.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 20 700)
{
  echo "operator kivra id=165567828172 name=Kivra"
  echo "recipient ${P[19]} operator=kivra"
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
[ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ] || start_dnssd || { not_ok "DNS-SD for ippeveprinter starts"; done_testing; exit 1; }

# printer NAME DIR CMD [-2]: an IPPS ippeveprinter keeping its documents in
# DIR; prints its port
printer() {
  local name=$1 dir=$2 cmd=$3 port
  shift 3
  mkdir -p "$dir"
  port=$(free_port)
  ippeveprinter "$@" -p "$port" -d "$dir" -f application/pdf -k -K "$(printer_keys)" -c "$cmd" -n localhost -r off \
    "$name" >>"$T/ipp-$name.log" 2>&1 &
  remember_pid $!
  echo "$port $!"
}
# The Bygg printer holds a job named in $T/hold-bygg until $T/release exists.
cat > "$T/bygg-cmd" <<EOF
#!/bin/sh
if [ -e "$T/hold-bygg" ] && [ ! -e "$T/release" ]; then
  while [ ! -e "$T/release" ]; do sleep 0.05; done
fi
exit 0
EOF
chmod +x "$T/bygg-cmd"
read -r MAIN_PORT MAIN_PID < <(printer Utskriftsrummet "$T/printroom" /bin/true -2)
read -r BYGG_PORT BYGG_PID < <(printer Bygg "$T/bygg" "$T/bygg-cmd")
wait_port "$MAIN_PORT" 20 && wait_port "$BYGG_PORT" 20 || { not_ok "both ippeveprinters start"; done_testing; exit 1; }
PRINTER_URI=ipps://127.0.0.1:$MAIN_PORT/ipp/print
SIDES=$(ipptool -tv "$PRINTER_URI" get-printer-attributes.test 2>/dev/null | grep -E 'sides-(default|supported)' | tr -s ' ' | paste -sd ';')
diag "the two-sided printer says: $SIDES"
# printer_sides = auto sends no sides: the printer's default decides how
# many sheets the letter takes (the separator's sheet is one either way).
case $SIDES in *"sides-default (keyword) = two-sided"*) SHEETS1=2 ;; *) SHEETS1=4 ;; esac

mkdir -p "$T/rooms"
room_file() { # FILE extra lines...: the Bygg room's file
  local f=$1
  shift
  { echo "name = Byggrummet"
    echo "uri = ipps://127.0.0.1:$BYGG_PORT/ipp/print"
    echo "ca = $PKI/ca.crt"
    echo "departments = Bygg, Miljö"
    echo "postal_class_default = a-post"
    printf '%s\n' "$@"; } > "$f"
}

# --- a room file that cannot be trusted or routes twice stops the start ---
mkdir -p "$T/badrooms"
room_file "$T/badrooms/bygg.conf"
sed -i "s|^uri = .*|uri = ipp://127.0.0.1:$BYGG_PORT/ipp/print|" "$T/badrooms/bygg.conf"
write_conf "$T/bad.conf" "printroom_dir = $T/badrooms"
check_fails "mmprintd -t refuses a print room whose printer would get letters in clear" "$MMPRINTD" -t -c "$T/bad.conf"
contains "the refusal names the room's file and the risk" "$(cat "$T/last.out")" "print room $T/badrooms/bygg.conf: uri ipp://127.0.0.1:$BYGG_PORT/ipp/print would send letters unencrypted"
room_file "$T/badrooms/bygg.conf"
room_file "$T/badrooms/miljo.conf"
sed -i -e 's/^name = .*/name = Miljörummet/' -e 's/^departments = .*/departments = miljö /' "$T/badrooms/miljo.conf"
check_fails "mmprintd -t refuses a department routed to two rooms" "$MMPRINTD" -t -c "$T/bad.conf"
contains "the refusal names both files" "$(cat "$T/last.out")" "print room $T/badrooms/miljo.conf: department 'miljö' is routed by $T/badrooms/bygg.conf too"
rm "$T/badrooms/miljo.conf"
room_file "$T/badrooms/bygg.conf" "sides = three-sided"
check_fails "mmprintd -t refuses a room with an unknown sides" "$MMPRINTD" -t -c "$T/bad.conf"
contains "naming the file and the key" "$(cat "$T/last.out")" "print room $T/badrooms/bygg.conf: sides must be auto, one-sided"

room_file "$T/rooms/bygg.conf"
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "printroom_dir = $T/rooms" "postal_class_default = b-post"
check "mmprintd -t takes the two rooms" "$MMPRINTD" -t -c "$T/mmprintd.conf"
contains "and shows the second room" "$(cat "$T/last.out")" "# print room Byggrummet"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }
ADMIN="C=SE,O=Exempelkommun,CN=admin"

letter() { # NAME PIN PAGES DEPARTMENT [key=value...]: submit a letter; ID=its id
  local name=$1 pin=$2 pages=$3 dep=$4
  shift 4
  mkpdf "$T/$name.pdf" "$pages" "Brev $name"
  bundle "$T/$name.job" "$T/$name.pdf" "recipient=$pin" "recipient-source=option" "user=anna" "host=desk1" \
    "pages=$pages" "title=Brev $name" "department=$dep" "$@"
  submit "$T/$name.job" "key-$name"
  ID=$(jfield .id)
}
job_of() { api GET "/api/v1/jobs/$1"; jfield "$2"; }
# file_of DIR ID: the document the printer in DIR received for job ID
file_of() { find "$1" -type f -name "*-mmprint-$2.pdf" | head -1; }
page() { pdftotext -f "$2" -l "$2" "$1" - 2>/dev/null | tr -s ' \n' '  '; }
pages_of() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }

# --- 1. routing, the separator's sheet, postal class ---
letter L1 "${P[1]}" 2 "Socialtjänsten" "postal-class=rekommenderat" "letter-type=beslut"
L1=$ID
letter L2 "${P[2]}" 1 "  bygg "
L2=$ID
wait_state "$L1" printed 30 || not_ok "L1 printed (state $(jfield .state))"
wait_state "$L2" printed 30 || not_ok "L2 printed (state $(jfield .state))"
is "a letter of another department goes to the default room" "$(job_of "$L1" .printer)" "Utskriftsrummet"
contains "its message names that room" "$(jfield .message)" "Utskrivet i Utskriftsrummet"
is "a letter of department ' bygg ' goes to Byggrummet" "$(job_of "$L2" .printer)" "Byggrummet"
contains "its message names Byggrummet" "$(jfield .message)" "Utskrivet i Byggrummet"
is "the Bygg room's postal_class_default applies to a letter that names none" "$(jfield .postal_class)" "a-post"
F1=$(file_of "$T/printroom" "$L1")
F2=$(file_of "$T/bygg" "$L2")
is "L1 reached only the default room's printer" "$(file_of "$T/bygg" "$L1")" ""
is "L2 reached only Byggrummet's printer" "$(file_of "$T/printroom" "$L2")" ""
P1=$(page "$F1" 1)
contains "the separator page's heading is the postal class (registered)" "$P1" "REKOMMENDERAT BREV"
contains "the separator page names the room" "$P1" "Utskriftsrum: Utskriftsrummet"
contains "and the letter type" "$P1" "Brevtyp: beslut"
contains "and the job" "$P1" "Jobb-id: $L1"
is "two-sided printer: separator, its back, the letter's 2 pages" "$(pages_of "$F1")" 4
contains "page 2 is the separator's back page, blank but for its note" "$(page "$F1" 2)" "Baksida till försättsbladet – lämnas tom"
contains "the letter starts on page 3 (a sheet of its own)" "$(page "$F1" 3)" "Brev L1, sida 1"
contains "and goes on on page 4" "$(page "$F1" 4)" "Brev L1, sida 2"
is "one-sided printer: no back page (separator + 1 page)" "$(pages_of "$F2")" 2
contains "its separator's heading says A-post" "$(page "$F2" 1)" "Porto: A-post"
contains "the letter follows on page 2" "$(page "$F2" 2)" "Brev L2, sida 1"
is "sheets of the one-sided letter: separator + 1" "$(job_of "$L2" .sheets)" 2
is "sheets of the letter on the two-sided printer: as its default sides print it" "$(job_of "$L1" .sheets)" "$SHEETS1"
contains "the journal says how it was printed" "$(job_of "$L1" '.events[] | select(.event == "printed") | .detail')" "separator with a back page"

# --- 2. one room's busy printer does not hold up the other room ---
touch "$T/hold-bygg"
letter B1 "${P[3]}" 1 "Bygg"
B1=$ID
for _ in $(seq 200); do [ -n "$(file_of "$T/bygg" "$B1")" ] && break; sleep 0.1; done
letter B2 "${P[4]}" 1 "Miljö"
B2=$ID
letter D1 "${P[5]}" 1 "Skola"
D1=$ID
wait_state "$D1" printed 30
is "a default-room letter is printed while Byggrummet's printer is held" "$(jfield .state)" printed
is "meanwhile the Bygg letter behind the held job still waits" "$(job_of "$B2" .state)" printing
is "in its own room" "$(jfield .printer)" "Byggrummet"
# A restart while it waits: it resumes into the same room.
kill -TERM "$SRV_PID"
wait "$SRV_PID"
touch "$T/release"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
wait_state "$B2" printed 30
is "after the restart the waiting letter is printed" "$(jfield .state)" printed
is "in Byggrummet" "$(jfield .printer)" "Byggrummet"
if [ -n "$(file_of "$T/bygg" "$B2")" ] && [ -z "$(file_of "$T/printroom" "$B2")" ]; then ok "by Byggrummet's printer only"; else not_ok "B2 at Byggrummet's printer only"; fi

# --- 3. the print room's list ---
DAY=$(date +%F)
API_CERT=admin api GET "/api/v1/printroom?day=$DAY"
is "the admin tool reads the print room's list" "$code" 200
is "the day's letters in print order" "$(jfield '[.jobs[].id] | join(" ")')" "$L1 $L2 $B1 $B2 $D1"
is "every room named, the default first" "$(jfield '.rooms | join(",")')" "Utskriftsrummet,Byggrummet"
is "each with its postal class, state and sheets" "$(jfield ".jobs[] | select(.id == \"$L2\") | [.postal_class, .state, .sheets, .reason_sv != \"\", .may_post] | map(tostring) | join(\" \")")" "a-post printed 2 true true"
API_CERT=admin api GET "/api/v1/printroom?day=$DAY&room=Byggrummet"
is "one room's letters" "$(jfield '[.jobs[].id] | join(" ")')" "$L2 $B1 $B2"
API_CERT=admin api GET "/api/v1/printroom?day=$DAY&order=postal"
is "sorted by postal class: registered first, then A-post, then B-post" "$(jfield '[.jobs[].postal_class] | join(" ")')" "rekommenderat a-post a-post a-post b-post"
API_CERT=admin api GET "/api/v1/printroom?day=1999-01-01"
is "another day has none" "$(jfield '.jobs | length')" 0
API_CERT=admin api GET "/api/v1/printroom?day=2026-02-30"
is "no such day: 400" "$code" 400
contains "with a Swedish message" "$(jfield .message)" "ÅÅÅÅ-MM-DD"
API_CERT=admin api GET "/api/v1/printroom?room=Finns+inte"
is "an unknown room: 404" "$code:$(jfield .error)" "404:unknown-room"
api GET "/api/v1/printroom?day=$DAY"
is "a workstation may not see the print room's list" "$code:$(jfield .error)" "403:not-allowed"
contains "and is told so in Swedish" "$(jfield .message)" "utskriftsrummets lista"

# --- 4. posted ---
api POST "/api/v1/jobs/$L1/posted"
is "a workstation may not mark its own letter posted" "$code" 403
contains "(Swedish)" "$(jfield .message)" "markera brevet som postat"
is "and it stays printed" "$(job_of "$L1" .state)" printed
API_CERT=admin api POST "/api/v1/jobs/$L1/posted"
is "the admin tool marks a printed letter posted" "$code:$(jfield .state)" "200:posted"
is "posted_by is the principal" "$(jfield .posted_by)" "$ADMIN"
is "journaled as posted, with the principal as actor" "$(job_of "$L1" '[.events[] | select(.event == "posted") | .actor] | join(",")')" "$ADMIN"
API_CERT=admin api POST "/api/v1/jobs/$L1/posted"
is "posting it again: 409 already-posted" "$code:$(jfield .error)" "409:already-posted"
contains "with a Swedish message" "$(jfield .message)" "redan markerat som postat"
# A digital letter (the recipient has a mailbox) is never printed.
mkpdf "$T/dig.pdf" 1 "Digitalt"
bundle "$T/dig.job" "$T/dig.pdf" "recipient=${P[19]}" "recipient-source=option" "user=anna" "pages=1" "title=Digitalt"
submit "$T/dig.job" key-dig
DIG=$(jfield .id)
wait_state "$DIG" delivered 30 || not_ok "the digital letter is delivered ($(jfield .state))"
API_CERT=admin api POST "/api/v1/jobs/$DIG/posted"
is "a digital letter cannot be posted: 409 not-printed" "$code:$(jfield .error)" "409:not-printed"
is "the Swedish message says why" "$(jfield .message)" "Brevet kan inte markeras som postat: det är inte utskrivet."
is "and it stays delivered" "$(job_of "$DIG" .state)" delivered
api POST /api/v1/printroom/posted -H 'Content-Type: application/json' --data "{\"day\":\"$DAY\"}"
is "a workstation may not post a day" "$code" 403
API_CERT=admin api POST /api/v1/printroom/posted -H 'Content-Type: application/json' --data "{\"day\":\"$DAY\",\"room\":\"Byggrummet\"}"
is "posting Byggrummet's day marks its 3 printed letters" "$code:$(jfield .posted)" "200:3"
is "the default room's letter is left as it is" "$(job_of "$D1" .state)" printed
API_CERT=admin api POST /api/v1/printroom/posted -H 'Content-Type: application/json' --data "{\"day\":\"$DAY\"}"
is "then the whole day: the one left" "$(jfield .posted)" 1
API_CERT=admin api POST /api/v1/printroom/posted -H 'Content-Type: application/json' --data '{"day":"idag"}'
is "a day that is no date: 400" "$code:$(jfield .error)" "400:bad-day"
posted_events=$(sqlite3 "$T/state/mmprintd.db" "SELECT count(*) FROM events WHERE event = 'posted' AND actor = '$ADMIN'")
is "each letter journaled as posted once, by the admin" "$posted_events" 5

# --- 5. a failed letter is reprinted in its own room ---
kill -TERM "$SRV_PID"
wait "$SRV_PID"
kill "$BYGG_PID"
wait "$BYGG_PID" 2>/dev/null
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "printroom_dir = $T/rooms" "print_deadline = 2"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
letter F1 "${P[6]}" 1 "Miljö"
FAIL=$ID
wait_state "$FAIL" failed 60
is "a letter whose room's printer is gone fails after print_deadline" "$(jfield .state)" failed
is "and stays in its room" "$(jfield .printer)" "Byggrummet"
API_CERT=admin api POST "/api/v1/jobs/$FAIL/posted"
is "a failed letter cannot be posted" "$code:$(jfield .error)" "409:not-printed"
# The printer comes back on its address; the letter is reprinted there.
rm -f "$T/hold-bygg"
ippeveprinter -p "$BYGG_PORT" -d "$T/bygg" -f application/pdf -k -K "$(printer_keys)" -c "$T/bygg-cmd" -n localhost -r off \
  Bygg >>"$T/ipp-Bygg.log" 2>&1 &
remember_pid $!
wait_port "$BYGG_PORT" 20 || not_ok "the Bygg printer comes back"
API_CERT=admin api POST "/api/v1/jobs/$FAIL/resolve" -H 'Content-Type: application/json' --data '{"action":"reprint"}'
is "the admin tool asks for a reprint" "$code" 200
wait_state "$FAIL" printed 30
is "the reprint is printed" "$(jfield .state)" printed
is "in its own room" "$(jfield .printer)" "Byggrummet"
if [ -n "$(file_of "$T/bygg" "$FAIL")" ] && [ -z "$(file_of "$T/printroom" "$FAIL")" ]; then ok "by Byggrummet's printer"; else not_ok "the reprint at Byggrummet's printer"; fi
contains "its separator says why" "$(page "$(file_of "$T/bygg" "$FAIL")" 1)" "ny utskrift"
API_CERT=admin api GET "/api/v1/printroom?day=$DAY&room=Byggrummet"
is "the print room's list shows the reprinted letter as printed" "$(jfield ".jobs[] | select(.id == \"$FAIL\") | .state")" printed

done_testing
