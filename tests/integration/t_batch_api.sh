#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Batch print streams through the API (issue 13): real mmprintd, mmsimd
# (recipients with and without a mailbox) and ippeveprinter over real TLS;
# batch bundles built here with printf + cat (doc/job-bundle.md) and posted
# with curl and a client certificate.  A batch split each of the four ways
# (page text, pages:N, manifest CSV, outline); an ambiguous batch held with
# its Swedish reason and cancelled; a batch whose held letter is completed
# through POST /api/v1/jobs/{id}/recipient; another workstation refused;
# an oversize batch refused with no file left; mmprintd killed while a
# batch's letters are stored and sent, then every letter exactly once.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
. "$MM_SRCDIR/tests/integration/batchlib.sh"
make_pki

mapfile -t R < <(pins 100 3000)
# R[0..39] and R[60..99] have a mailbox, R[40..59] not
{
  echo "operator kivra id=165567828172 name=Kivra"
  for ((i = 0; i < 100; i++)); do ((i < 40 || i >= 60)) && echo "recipient ${R[$i]} operator=kivra"; done
  echo "sender 162120000142 name=Exempelkommun"
} > "$T/registry"
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 0" "batch_max_bytes = 400000"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; done_testing; exit 1; }

# ---- page text: 6 letters, 4 with a mailbox, 2 without ----
mkletters "$T/text.pdf" 0 6 36
batchbundle "$T/text.batch" "$T/text.pdf" "" split=text user=anna title=Beslut cups-job-id=11
post_batch "$T/text.batch" key-text
is "page text: accepted (202)" "$code" 202
TEXT_ID=$(jfield .id)
is "... state received" "$(jfield .state)" received
wait_batch "$TEXT_ID" || diag "$(cat "$T/resp")"
is "page text: split into 6 letters" "$(jfield .letters)" 6
is "... 4 digital, 2 to paper" "$(jfield '.counts.digital,.counts.paper')" "$(printf '4\n2')"
is "... the Swedish one-liner" "$(jfield .message)" "6 brev: 4 digitalt, 2 till utskrift"
is "... letters in order with their pages" "$(jfield '[.items[] | "\(.seq):\(.first_page)-\(.last_page)"] | join(" ")')" \
  "1:1-2 2:3-4 3:5-6 4:7-8 5:9-10 6:11-12"
is "... each letter its recipient (masked)" "$(jfield '.items[0].recipient_masked')" "${R[36]:0:8}-****"
is "... the mailbox letters in the simulator's inbox, once each" \
  "$(for i in 36 37 38 39; do inbox_count "${R[$i]}"; done | paste -sd ' ')" "1 1 1 1"
check "... no spool file or letters' directory left" bash -c "! ls '$T/state/spool' | grep -q '$TEXT_ID'"
api POST /api/v1/batches -H "Idempotency-Key: key-text" --data-binary @"$T/text.batch"
is "the same Idempotency-Key again: that batch (200), not another" "$code:$(jfield .id)" "200:$TEXT_ID"

# ---- pages:2 over the same kind of PDF ----
mkletters "$T/pages.pdf" 0 4 0
batchbundle "$T/pages.batch" "$T/pages.pdf" "" split=pages:2 user=anna title=Faktura
post_batch "$T/pages.batch" key-pages
PAGES_ID=$(jfield .id)
wait_batch "$PAGES_ID"
is "pages:2: 4 letters, all digital" "$(jfield '.letters,.counts.digital,.state')" "$(printf '4\n4\nsplit')"

# ---- manifest CSV: no numbers in the PDF; one row names the sender itself ----
mkletters "$T/man.pdf" 0 3 0 1
printf 'first_page;last_page;recipient\n1;2;%s\n3;4;%s\n5;6;212000-0142\n' "${R[4]}" "${R[44]}" > "$T/man.csv"
batchbundle "$T/man.batch" "$T/man.pdf" "$T/man.csv" split=manifest user=anna title=Kallelse
post_batch "$T/man.batch" key-man
MAN_ID=$(jfield .id)
wait_batch "$MAN_ID"
is "manifest: 3 letters: 1 digital, 1 paper, 1 held" "$(jfield '.letters,.counts.digital,.counts.paper,.counts.held')" \
  "$(printf '3\n1\n1\n1')"
is "... the one-liner names the held one" "$(jfield .message)" "3 brev: 1 digitalt, 1 till utskrift, 1 behöver mottagare"
HELD_JOB=$(jfield '.items[2].job_id')
contains "... the held letter says why (the sender's own number)" "$(jfield '.items[2].message')" "212000-0142"
# completed afterwards, one by one, through the single-letter path
api POST "/api/v1/jobs/$HELD_JOB/recipient" -H 'Content-Type: application/json' -d "{\"recipient\":\"${R[5]}\"}"
is "... completing the held letter (200)" "$code" 200
wait_state "$HELD_JOB" delivered 30
api GET "/api/v1/batches/$MAN_ID"
is "... then the report: 2 digital, 1 paper, none held" "$(jfield .message)" "3 brev: 2 digitalt, 1 till utskrift"
is "... delivered once to the completed recipient" "$(inbox_count "${R[5]}")" 1

# ---- outline: one bookmark per letter ----
mkletters "$T/outline.pdf" 1 3 6
batchbundle "$T/outline.batch" "$T/outline.pdf" "" split=outline user=anna title=Besked
post_batch "$T/outline.batch" key-outline
OUT_ID=$(jfield .id)
wait_batch "$OUT_ID"
is "outline: 3 letters, all digital" "$(jfield '.letters,.counts.digital')" "$(printf '3\n3')"
JOB2=$(jfield '.items[1].job_id')
api GET "/api/v1/jobs/$JOB2"
is "... each letter titled by its bookmark" "$(jfield .title)" "Brev 2"

# ---- ambiguous: pages:3 over 10 pages ----
mkletters "$T/ten.pdf" 0 5 10
batchbundle "$T/ten.batch" "$T/ten.pdf" "" split=pages:3 user=anna title=Tveksamt
post_batch "$T/ten.batch" key-ten
TEN_ID=$(jfield .id)
wait_batch "$TEN_ID"
is "pages:3 over 10 pages: the whole batch held" "$(jfield .state)" held
is "... no letter made" "$(jfield .letters)" 0
contains "... its Swedish reason" "$(jfield .message)" "Sidantalet går inte jämnt upp"
is "... nothing sent for it" "$(for i in 10 11 12 13 14; do inbox_count "${R[$i]}"; done | paste -sd ' ')" "0 0 0 0 0"
# refused principals: another workstation sees no such batch, lists none of desk1's
API_CERT=desk2 api GET "/api/v1/batches/$TEN_ID"
is "another workstation: 404 for desk1's batch" "$code" 404
is "... with the Swedish message" "$(jfield .message)" "Massutskicket finns inte"
API_CERT=desk2 api POST "/api/v1/batches/$TEN_ID/cancel"
is "... and cannot cancel it (404)" "$code" 404
API_CERT=desk2 api GET /api/v1/batches
is "... its list holds none of desk1's batches" "$(jfield '.batches | length')" 0
api GET /api/v1/batches
is "desk1's list holds its 5 batches" "$(jfield '.batches | length')" 5
api POST "/api/v1/batches/$TEXT_ID/cancel"
is "a batch that is not held cannot be cancelled (409)" "$code:$(jfield .message)" \
  "409:Massutskicket är inte stoppat och kan inte avbrytas"
api POST "/api/v1/batches/$TEN_ID/cancel"
is "desk1 cancels its held batch" "$code:$(jfield .state)" "200:cancelled"

# ---- oversize: over batch_max_bytes, refused while streaming ----
mkpdf "$T/big.pdf" 4 "Stort" 500000
batchbundle "$T/big.batch" "$T/big.pdf" "" split=text user=anna
before=$(ls "$T/state/spool" | wc -l)
# no Content-Length up front (chunked): the server must stop it while it streams
api POST /api/v1/batches -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.batch"
is "oversize batch: 413" "$code" 413
is "... with the Swedish message" "$(jfield .message)" "Massutskicket är för stort. Dela upp det i flera mindre utskick."
is "... and no file left in the spool" "$(ls "$T/state/spool" | wc -l)" "$before"

# ---- crash: killed while a 30-letter batch is stored and sent ----
mkletters "$T/crash.pdf" 0 30 60
batchbundle "$T/crash.batch" "$T/crash.pdf" "" split=text user=anna title=Krasch
set_faults "op=kivra delay=300"
inbox_before=$(wc -l < "$T/inbox/index.tsv")
post_batch "$T/crash.batch" key-crash
CRASH_ID=$(jfield .id)
for _ in $(seq 600); do
  n=$(sqlite3 "$T/state/mmprintd.db" "SELECT count(*) FROM jobs WHERE batch_id = '$CRASH_ID'" 2>/dev/null || echo 0)
  d=$(wc -l < "$T/inbox/index.tsv" 2>/dev/null || echo 0)
  [ "$n" -gt 0 ] && [ "$d" -gt "$inbox_before" ] && break
  sleep 0.02
done
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
at_kill=$((d - inbox_before))
diag "killed with $n letters stored and $at_kill of them delivered"
if [ "$at_kill" -gt 0 ] && [ "$at_kill" -lt 30 ]; then ok "the kill landed while the batch's letters were sent"; else
  not_ok "the kill landed while the batch's letters were sent ($at_kill of 30)"; fi
set_faults ""
start_server "$T/mmprintd.conf" || { not_ok "mmprintd restarts"; done_testing; exit 1; }
wait_batch "$CRASH_ID" 90
is "after the crash: the batch is split into 30 letters" "$(jfield '.state,.letters')" "$(printf 'split\n30')"
is "... 30 digital in the report" "$(jfield .counts.digital)" 30
is "... each letter stored once" \
  "$(sqlite3 "$T/state/mmprintd.db" "SELECT count(*), count(DISTINCT batch_seq) FROM jobs WHERE batch_id = '$CRASH_ID'")" "30|30"
is "... every recipient got exactly one new delivery" \
  "$(for i in $(seq 60 89); do inbox_count "${R[$i]}" new; done | sort -u | paste -sd ' ')" "1"

done_testing
