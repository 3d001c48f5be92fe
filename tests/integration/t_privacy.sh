#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Personal data only where it must be (issue 10, point 4) and a server that
# does not trust the filter (point 2).  A bundle whose title, subject,
# recipient-problem, host, department and user carry personnummer in the
# shapes discovery accepts (a space, an en dash, '+', no separator) is
# stored with each of them masked: the API's JSON, every row of the SQLite
# file but the recipient column, the journal and the server log hold none
# whole, and the journal holds none of the client's free text at all.
# Retention (gallring) then blanks every personal column.  Bundles a
# workstation could forge past the filter (`lp -o raw`) with a recipient
# the filter would never have sent are held, with the Swedish reason the
# person sees.  Real mmprintd, mmsimd and ippeveprinter over real TLS.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

mapfile -t P < <(pins 6 30)
A=191212121212
cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
recipient $A operator=kivra
recipient ${P[5]} operator=kivra
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "retention_days = 1" "sync_wait_ms = 3000"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
DB=$T/state/mmprintd.db
mkpdf "$T/letter.pdf" 1 "Beslut om bistand"

# The numbers of the free text, each written the way a person might.
d10() { echo "${1:2:6}"; }                      # YYMMDD
t4() { echo "${1:8:4}"; }                       # the birth number and check digit
TITLE="Beslut ${P[0]:0:8} $(t4 "${P[0]}") Tolvan"         # 19121212 1212
SUBJECT="Ärende $(d10 "${P[1]}") $(t4 "${P[1]}")"        # 121212 1212
PROBLEM="filter: $(d10 "${P[2]}")–$(t4 "${P[2]}") is not labelled"  # en dash
HOST="pc-${P[3]}"                                        # 12 digits
DEPT="Enhet $(d10 "${P[4]}")+$(t4 "${P[4]}")"            # '+': 100 years or older
USER_=${P[1]:0:8}-$(t4 "${P[1]}")                        # a login that is a number

# unmasked TEXT: the numbers of P written whole in TEXT, in any separator
# of up to three bytes (en dash), as "k:NUMBER" lines; empty when none.
unmasked() {
  local p hits=""
  for p in "${P[@]}"; do
    LC_ALL=C grep -q -E "$(d10 "$p")[^0-9*]{0,3}$(t4 "$p")" <<<"$1" && hits+="${p:0:8}…;"
  done
  echo "$hits"
}

# --- intake: free text is masked before it is stored ---
bundle "$T/free.job" "$T/letter.pdf" "recipient=$A" "recipient-source=option" "title=$TITLE" "subject=$SUBJECT" \
  "host=$HOST" "department=$DEPT" "user=$USER_" "cups-job-id=71" "pages=1"
submit "$T/free.job" k-free
is "a letter with numbers in its free text is taken (201)" "$code" 201
F=$(jfield .id)
wait_state "$F" delivered 20 || not_ok "the letter is delivered (state $(jfield .state))"
api GET "/api/v1/jobs/$F"
JSON=$(cat "$T/resp")
is "API: no personnummer of the free text whole in the job's JSON" "$(unmasked "$JSON")" ""
is "API: the title keeps its words, the number masked" "$(jfield .title)" "Beslut ${P[0]:0:8} **** Tolvan"
is "API: host masked" "$(jfield .host)" "pc-${P[3]:0:8}****"
is "API: department masked ('+' as separator)" "$(jfield .department)" "Enhet $(d10 "${P[4]}")+****"
is "API: user masked" "$(jfield .user)" "${P[1]:0:8}-****"
is "API: the recipient shows masked" "$(jfield .recipient_masked)" "19121212-****"

# A held letter: its recipient-problem text is client text too.
# Its cups-job-id is a number too: a bundle may carry anything there.
bundle "$T/held.job" "$T/letter.pdf" "recipient-problem=$PROBLEM" "title=Utan mottagare" "user=anna" "pages=1" \
  "cups-job-id=${P[5]:2:10}"
submit "$T/held.job" k-held
H=$(jfield .id)
is "held: needs-recipient" "$(jfield .state)" needs-recipient
is "held: the API has no personnummer whole" "$(unmasked "$(cat "$T/resp")")" ""
contains "held: the reason keeps its words, the number masked" "$(jfield .reason)" "$(d10 "${P[2]}")–****"
is "held: the CUPS job id masked" "$(jfield .cups_job_id)" "$(d10 "${P[5]}")****"

ROWS=$(sqlite3 -separator '|' "$DB" "SELECT * FROM jobs")
is "SQLite: no personnummer of the free text whole in any row" "$(unmasked "$ROWS")" ""
is "SQLite: the whole number only in the recipient column" \
  "$(sqlite3 "$DB" "SELECT count(*) FROM jobs WHERE (SELECT group_concat(value) FROM json_each(json_array(title, subject, user, host, department, recipient_problem, reason, reason_sv))) LIKE '%1212%1212%'")" 0
is "SQLite: the recipient column holds the number" "$(sqlite3 "$DB" "SELECT recipient FROM jobs WHERE id = '$F'")" "$A"
JOURNAL=$(sqlite3 "$DB" "SELECT event || ': ' || detail FROM events")
is "journal: no personnummer of the free text whole" "$(unmasked "$JOURNAL")" ""
is "journal: the recipient only masked" "$(grep -c "$A" <<<"$JOURNAL")" 0
contains "journal: intake names the masked recipient, source, policy and hash" \
  "$(sqlite3 "$DB" "SELECT detail FROM events WHERE job_id = '$F' AND event = 'received'")" \
  "recipient 19121212-**** (option); policy digital-else-paper;"
for word in Tolvan Ärende "pc-" Enhet "not labelled" "Utan mottagare"; do
  is "journal: no client free text ('$word')" "$(grep -c -- "$word" <<<"$JOURNAL")" 0
done
is "server log: no personnummer of the free text whole" "$(unmasked "$(cat "$T/server.log")")" ""
is "server log: no whole recipient" "$(grep -c "$A" "$T/server.log")" 0

# --- a principal without a workstation certificate submits nothing ---
before=$(sqlite3 "$DB" "SELECT count(*) FROM jobs")
nocert=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$PKI/ca.crt" -X POST \
  -H 'Content-Type: application/vnd.mmprint-job' --data-binary @"$T/free.job" "$SRV_URL/api/v1/jobs" 2>/dev/null)
contains "no client certificate: refused" "000 400 401 403" "$nocert"
is "no client certificate: nothing stored" "$(sqlite3 "$DB" "SELECT count(*) FROM jobs")" "$before"

# --- the server re-validates what the filter checked ---
# forged NAME WANT_SV key=value...: a bundle no filter would write is held,
# and the message the person sees says why, in Swedish.
forged() {
  local n=$1 want=$2
  shift 2
  bundle "$T/$n.job" "$T/letter.pdf" "title=Forged $n" "user=anna" "cups-job-id=8$RANDOM" "pages=1" "$@"
  submit "$T/$n.job" "k-$n"
  is "$n: taken and held, not delivered" "$code/$(jfield .state)" "201/needs-recipient"
  contains "$n: the person sees why, in Swedish" "$(jfield .message)" "Personnummer saknas: $want"
}
forged badcheck "numret i jobbet är inget giltigt personnummer" "recipient=${A:0:11}3" "recipient-source=option"
forged text-without-candidates "mottagaren i brevet kunde inte avgöras säkert" "recipient=$A" "recipient-source=text"
forged candidates-of-another-source "mottagaren i brevet kunde inte avgöras säkert" "recipient=$A" \
  "recipient-source=option" "candidates=text:child:$A"
forged unknown-source "mottagaren i brevet kunde inte avgöras säkert" "recipient=$A" "recipient-source=magic"
forged ambiguous "brevet har flera olika märkta personnummer" "recipient=$A" "recipient-source=text" \
  "candidates=text:person:$A,text:person:${P[5]}"
forged other-than-candidates "mottagaren i brevet kunde inte avgöras säkert" "recipient=$A" \
  "recipient-source=text" "candidates=text:person:${P[5]}"
is "no forged letter reached a mailbox" "$(inbox_count "${P[5]}")" 0
is "only the honest letter reached 19121212-****" "$(inbox_count "$A")" 1

# --- gallring: every personal column of a final job is blanked ---
sqlite3 "$DB" "UPDATE jobs SET final_ms = final_ms - 2 * 86400000 WHERE id = '$F'"
kill -HUP "$SRV_PID"
for _ in $(seq 100); do [ "$(sqlite3 "$DB" "SELECT purged FROM jobs WHERE id = '$F'")" = 1 ] && break; sleep 0.1; done
is "gallring: the job older than retention_days is purged" "$(sqlite3 "$DB" "SELECT purged FROM jobs WHERE id = '$F'")" 1
for col in recipient title subject user host department recipient_problem reason reason_sv; do
  is "gallring: $col is blank" "$(sqlite3 "$DB" "SELECT length($col) FROM jobs WHERE id = '$F'")" 0
done
is "gallring: nothing of the free text is left in the row" \
  "$(sqlite3 "$DB" "SELECT * FROM jobs WHERE id = '$F'" | grep -c -e Tolvan -e Enhet -e 'pc-' -e '\*\*\*\*')" 0
is "gallring: the principal and the letter's hash are kept" \
  "$(sqlite3 "$DB" "SELECT client <> '' AND length(sha256) = 64 FROM jobs WHERE id = '$F'")" 1
contains "gallring: journaled" "$(sqlite3 "$DB" "SELECT detail FROM events WHERE event = 'gallring'")" \
  "purged personal fields of 1 jobs older than 1 days"
is "gallring: a held job keeps its fields" "$(sqlite3 "$DB" "SELECT purged, title FROM jobs WHERE id = '$H'")" \
  "0|Utan mottagare"
check "the journal still verifies (mmctl audit verify)" "$MMCTL" audit verify "$DB"

done_testing
