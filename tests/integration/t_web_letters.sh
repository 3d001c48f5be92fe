#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# "Behöver mottagare" and "Att hantera" of the web portal (issue 11 part 3;
# server/web_letters.c, server/preview.c) through real TLS with curl against
# a real mmprintd, mmsimd and ippeveprinter.  A held letter of anna's is in
# her /behover; its preview is a PNG of page 1 (compared with pdftocairo's
# page 1 and 2); the live check (/brev/{id}/kontroll) says "kontrollsiffra"
# for a wrong check digit, refuses the sender's own number, names the
# operator of a mailbox, says Utskriftsrummet without one, and flags a
# number the letter does not name (journaled FaR lookups with person:anna);
# the form without script says the same; Skicka of a number the letter
# contradicts needs bekrafta=1; Skicka delivers to the simulated mailbox
# (journal: person:anna) or prints; Makulera brevet cancels; a missing CSRF
# token is the 403 page; another handläggare gets 404 on every route and
# changes nothing; the print room may not look numbers up; "Att hantera"
# lists anna's returned letter, its PDF downloads (journaled), and
# "Markera som hanterat" resolves it.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki

A=191212121212       # Kivra mailbox; the number the letter names
B=198112189876       # no mailbox: paper
cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
recipient $A operator=kivra
recipient 200001012384 type=Not
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
write_conf "$T/mmprintd.conf" "sync_wait_ms = 3000" "reach_rate = 600" "reach_burst = 50" \
  "web_public_url = https://mmprint.example.se:8443/"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
check "mmctl user add anna (handläggare)" web_user anna handläggare 'Anna-lösen-1'
check "mmctl user add bertil (handläggare)" web_user bertil handläggare 'Bertil-lösen-2'
check "mmctl user add ulla (utskrift)" web_user ulla utskrift 'Ulla-lösen-3'

# The letter: page 1 names its addressee, page 2 is half black.
python3 - "$T/letter.pdf" <<'PY'
import sys
pages = [b"BT /F1 14 Tf 72 760 Td (Beslut om bistand) Tj 0 -24 Td (Personnummer: 19121212-1212) Tj ET",
         b"0 0 595 421 re f"]
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
kids = []
for body in pages:
    objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body))
    objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                b"/Contents %d 0 R >>" % len(objs))
    kids.append(b"%d 0 R" % len(objs))
objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
out = b"%PDF-1.4\n"
offs = []
for i, o in enumerate(objs):
    offs.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o)
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
open(sys.argv[1], "wb").write(out)
PY

# held NAME TITLE: a letter of anna's without a recipient, submitted by desk1; prints its id
held() {
  bundle "$T/$1.job" "$T/letter.pdf" "title=$2" user=anna "cups-job-id=$RANDOM" "recipient-problem=no recipient found"
  submit "$T/$1.job" "k-$1" >/dev/null
  jfield .id
}
H1=$(held h1 "Beslut om bistånd")
is "a letter without a recipient is held" "$(jfield .state)" needs-recipient
is "its message (the CUPS line) points the handläggare to the web page, not to lp" "$(jfield .message)" \
  "Personnummer saknas – lägg till det på https://mmprint.example.se:8443/behover"
H2=$(held h2 "Kallelse")
H3=$(held h3 "Beslut om färdtjänst")
bundle "$T/r.job" "$T/letter.pdf" "title=Beslut returnerat" user=anna recipient=200001012384 policy=digital-only cups-job-id=9
submit "$T/r.job" k-r
R=$(jfield .id)
is "a digital-only letter without a mailbox is returned (an exception)" "$(jfield .state)" returned

# journal ID EVENT: the actors of the job's events named EVENT (desk1 reads its own jobs)
journal() { api GET "/api/v1/jobs/$1"; jq -r --arg e "$2" '[.events[] | select(.event == $e) | .actor] | join(",")' < "$T/resp"; }
state_of() { api GET "/api/v1/jobs/$1"; jfield .state; }

# --- no session ---
web GET /behover
is "no session: /behover is 303 to the login" "$code" 303
web GET "/brev/$H1/kontroll?personnummer=$A"
is "no session: kontroll is 401 JSON" "$code" 401

# --- Behöver mottagare ---
WEB_AS=anna web_login anna 'Anna-lösen-1'
is "anna signs in" "$code" 303
ANNA_CSRF=$WEB_CSRF
WEB_AS=anna web GET /behover
is "GET /behover: 200" "$code" 200
P=$(cat "$T/resp")
contains "the page's h1" "$P" "<h1>Behöver mottagare</h1>"
contains "her held letter is a row" "$P" "<tr data-id=\"$H1\">"
contains "... with its title" "$P" "Beslut om bistånd"
contains "... and a link to complete it" "$P" "<a href=\"/brev/$H1\">Ange mottagare</a>"
check_fails "the returned letter is not in /behover" grep -q "$R" "$T/resp"

WEB_AS=anna web GET "/brev/$H1"
is "GET /brev/ID of a held letter: 200" "$code" 200
P=$(cat "$T/resp")
contains "the preview image with its alt text" "$P" "<img id=\"forhandsvisning\" class=\"forhandsvisning\" src=\"/brev/$H1/forhandsvisning.png\" alt=\"Första sidan av brevet Beslut om bistånd\">"
contains "the field is labelled Personnummer" "$P" '<label for="personnummer">Personnummer</label>'
contains "the field is described by its hint and the live region" "$P" 'aria-describedby="personnummer-hjalp kontroll"'
contains "the live region #kontroll" "$P" '<div id="kontroll" class="kontroll" aria-live="polite">'
contains "the form posts to skicka with the CSRF token" "$P" "action=\"/brev/$H1/skicka\""
contains "... a button Skicka" "$P" '>Skicka</button>'
contains "... and Makulera brevet" "$P" '>Makulera brevet</button>'
contains "the confirmation box exists, hidden until needed" "$P" '<div id="avvikelse" class="avvikelse" hidden>'
contains "the page loads /static/letters.js" "$P" '<script src="/static/letters.js?v='
WEB_AS=anna web GET /static/letters.js
is "letters.js is served" "$code" 200

# --- the preview: page 1 as a PNG ---
WEB_AS=anna web GET "/brev/$H1/forhandsvisning.png"
is "preview: 200" "$code" 200
H=$(tr -d '\r' < "$T/resp.h")
contains "preview: image/png" "$H" "Content-Type: image/png"
contains "preview: never cached" "$H" "Cache-Control: no-store"
cp "$T/resp" "$T/preview.png"
pdftocairo -png -r 100 -f 1 -l 2 "$T/letter.pdf" "$T/ref"
# png-compare A B: "W H MEAN" — the size of A and its mean absolute difference from B (0..255)
cat > "$T/pngdiff.py" <<'PY'
import struct, sys, zlib
def load(path):
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(d):
        n, kind = struct.unpack(">I4s", d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "8-bit RGB(A) only"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev, stride = zlib.decompress(idat), [], bytearray(w * bpp), w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pr = a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c
            line[i] = (line[i] + (0, a, b, (a + b) // 2, pr)[f]) & 255
        rows.append([sum(line[x * bpp:x * bpp + 3]) // 3 for x in range(w)])
        prev = line
    return w, h, rows
wa, ha, a = load(sys.argv[1])
wb, hb, b = load(sys.argv[2])
w, h = min(wa, wb), min(ha, hb)
diff = sum(abs(a[y][x] - b[y][x]) for y in range(0, h, 2) for x in range(0, w, 2)) / ((h // 2) * (w // 2))
print(wa, ha, "%.2f" % diff)
PY
read -r pw ph d1 < <(python3 "$T/pngdiff.py" "$T/preview.png" "$T/ref-1.png")
read -r _ _ d2 < <(python3 "$T/pngdiff.py" "$T/preview.png" "$T/ref-2.png")
is "preview: A4 at 100 dpi (827 wide)" "$pw" 827
check "preview: at most 1240 x 1754" test "$pw" -le 1240 -a "$ph" -le 1754
check "preview: it is page 1 (close to pdftocairo's page 1: mean difference $d1)" python3 -c "import sys; sys.exit(not float('$d1') < 2)"
check "preview: not page 2 (mean difference $d2)" python3 -c "import sys; sys.exit(not float('$d2') > 40)"
check_fails "the store keeps no preview (documents: pdf only)" sh -c "sqlite3 '$T/state/mmprintd.db' \"SELECT kind FROM documents WHERE job_id = '$H1'\" | grep -v '^pdf$'"

# --- the live check ---
kontroll() { WEB_AS=anna web GET "/brev/$H1/kontroll" --get --data-urlencode "personnummer=$1"; }
kontroll 19121212-1213
is "kontroll of a wrong check digit: 200" "$code" 200
is "... valid false" "$(jfield .valid)" false
contains "... the Swedish problem names the kontrollsiffra" "$(jfield .problem_sv)" "kontrollsiffra"
kontroll 19121312-1211
contains "kontroll of a date that does not exist: datumet" "$(jfield .problem_sv)" "datumet i numret finns inte"
kontroll 212000-0142
is "kontroll of the sender's own organisation number: not valid" "$(jfield .valid)" false
contains "... says it is the sender's own" "$(jfield .problem_sv)" "avsändarens eget organisationsnummer"
kontroll 19121212-1212
is "kontroll of the letter's number with a mailbox: valid" "$(jfield .valid)" true
is "... channel digital" "$(jfield .channel)" digital
is "... operator Kivra" "$(jfield .operator)" Kivra
contains "... says digital brevlåda hos Kivra" "$(jfield .text_sv)" "digital brevlåda hos Kivra"
is "... no mismatch: the letter names this number" "$(jfield .mismatch)" false
kontroll 19811218-9876
is "kontroll of a number without a mailbox: paper" "$(jfield .channel)" paper
contains "... says Utskriftsrummet" "$(jfield .text_sv)" "Utskriftsrummet"
is "... mismatch: the letter names another number" "$(jfield .mismatch)" true
contains "... says which, masked" "$(jfield .mismatch_sv)" "19121212-****"
is "the FaR lookups are journaled on the letter with the person" "$(journal "$H1" reachability-precheck)" "person:anna,person:anna"
is "... and nothing was sent: still held" "$(state_of "$H1")" needs-recipient
check_fails "... the log masks the numbers" grep -q "$B" "$T/server.log"

# --- the form without script ---
WEB_AS=anna web POST "/brev/$H1/skicka" --data-urlencode "csrf=$ANNA_CSRF" --data-urlencode "personnummer=19121212-1213" \
  --data-urlencode atgard=skicka
is "Skicka with a wrong check digit: 400" "$code" 400
P=$(cat "$T/resp")
contains "... the page says kontrollsiffra in #kontroll" "$P" "kontrollsiffran (den sista siffran) är fel"
contains "... the field is marked invalid and focused" "$P" 'aria-invalid="true" autofocus'
WEB_AS=anna web POST "/brev/$H1/skicka" --data-urlencode "csrf=$ANNA_CSRF" --data-urlencode "personnummer=19121212-1212" \
  --data-urlencode atgard=kontrollera
is "Kontrollera (no script): 200" "$code" 200
contains "... says where it would go" "$(cat "$T/resp")" "digital brevlåda hos Kivra"
is "... and sends nothing" "$(state_of "$H1")" needs-recipient
WEB_AS=anna web POST "/brev/$H1/skicka" --data-urlencode "personnummer=$A" --data-urlencode atgard=skicka
is "Skicka without the CSRF token: 403" "$code" 403
contains "... the page Formuläret har gått ut" "$(cat "$T/resp")" "Formuläret har gått ut"
is "... still held" "$(state_of "$H1")" needs-recipient

# --- mismatch needs bekrafta ---
WEB_AS=anna web POST "/brev/$H1/skicka" --data-urlencode "csrf=$ANNA_CSRF" --data-urlencode "personnummer=19811218-9876" \
  --data-urlencode atgard=skicka
is "Skicka of a number the letter does not name, unconfirmed: 409" "$code" 409
P=$(cat "$T/resp")
contains "... the page says so" "$P" "Brevets text anger ett annat nummer (19121212-****)"
contains "... and shows #avvikelse" "$P" '<div id="avvikelse" class="avvikelse">'
contains "... with the checkbox bekrafta, focused" "$P" 'id="bekrafta" name="bekrafta" value="1" aria-describedby="avvikelse-text" autofocus'
is "... nothing sent" "$(state_of "$H1")" needs-recipient

# --- another handläggare: 404 on every route, nothing changes ---
WEB_AS=bertil web_login bertil 'Bertil-lösen-2'
B_CSRF=$WEB_CSRF
for path in "/brev/$H1" "/brev/$H1/forhandsvisning.png" "/brev/$R/dokument.pdf" "/brev/$R"; do
  WEB_AS=bertil web GET "$path"
  is "bertil: GET $path is 404" "$code" 404
done
contains "... the page Brevet finns inte" "$(cat "$T/resp")" "Brevet finns inte"
WEB_AS=bertil web GET "/brev/$H1/kontroll?personnummer=$A"
is "bertil: kontroll of anna's letter is 404 JSON" "$code" 404
for what in skicka makulera; do
  WEB_AS=bertil web POST "/brev/$H1/$what" --data-urlencode "csrf=$B_CSRF" --data-urlencode "personnummer=$A" \
    --data-urlencode atgard=skicka --data-urlencode bekrafta=1
  is "bertil: POST $what of anna's letter is 404" "$code" 404
done
WEB_AS=bertil web POST "/brev/$R/hanterad" --data-urlencode "csrf=$B_CSRF"
is "bertil: POST hanterad of anna's exception is 404" "$code" 404
is "... anna's letter is still held" "$(state_of "$H1")" needs-recipient
api GET "/api/v1/jobs/$R"
is "... anna's exception is still open" "$(jfield .exception)" true
WEB_AS=bertil web GET /behover
check_fails "bertil's /behover does not list anna's letter" grep -q "$H1" "$T/resp"
WEB_AS=bertil web GET /hantera
check_fails "bertil's /hantera does not list anna's exception" grep -q "$R" "$T/resp"
WEB_AS=ulla web_login ulla 'Ulla-lösen-3'
WEB_AS=ulla web GET "/brev/$H1/kontroll?personnummer=$A"
is "the print room may not look a number up: 403" "$code" 403
WEB_AS=ulla web GET "/brev/$H1"
is "... nor see a held letter: 404" "$code" 404

# --- Skicka ---
WEB_AS=anna web POST "/brev/$H1/skicka" --data-urlencode "csrf=$ANNA_CSRF" --data-urlencode "personnummer=19121212-1212" \
  --data-urlencode atgard=skicka
is "Skicka of the letter's own number: 303" "$code" 303
contains "... to the letter's page" "$(tr -d '\r' < "$T/resp.h")" "Location: /brev/$H1?klart=skickat"
wait_state "$H1" delivered 20
is "the letter is delivered" "$(jfield .state)" delivered
is "... to Kivra" "$(jfield .operator)" Kivra
is "... and is in the simulated mailbox" "$(inbox_count "$A")" 1
is "the recipient was added by person:anna" "$(journal "$H1" recipient-added)" person:anna
WEB_AS=anna web GET "/brev/$H1?klart=skickat"
contains "the letter's page says it was sent" "$(cat "$T/resp")" "brevet har skickats i väg"
WEB_AS=anna web GET "/brev/$H1/forhandsvisning.png"
is "no preview once it is no longer held" "$code" 404
WEB_AS=anna web GET /behover
check_fails "/behover no longer lists it" grep -q "$H1" "$T/resp"

WEB_AS=anna web POST "/brev/$H3/skicka" --data-urlencode "csrf=$ANNA_CSRF" --data-urlencode "personnummer=19811218-9876" \
  --data-urlencode atgard=skicka --data-urlencode bekrafta=1
is "Skicka of another number, confirmed: 303" "$code" 303
wait_state "$H3" printed 30
is "... without a mailbox it is printed in the print room" "$(jfield .state)" printed

# --- Makulera brevet ---
WEB_AS=anna web POST "/brev/$H2/makulera" --data-urlencode "csrf=$ANNA_CSRF"
is "Makulera brevet: 303" "$code" 303
is "the letter is cancelled" "$(state_of "$H2")" cancelled
is "... by person:anna" "$(journal "$H2" cancelled)" person:anna
is "... and its letter is purged" "$(stored_documents "$H2")" ""
WEB_AS=anna web POST "/brev/$H2/makulera" --data-urlencode "csrf=$ANNA_CSRF"
is "Makulera again: 409" "$code" 409

# --- Att hantera ---
WEB_AS=anna web GET /hantera
is "GET /hantera: 200" "$code" 200
P=$(cat "$T/resp")
contains "the table #hantera" "$P" '<table id="hantera">'
contains "her returned letter is a row" "$P" "<tr data-id=\"$R\" data-state=\"returned\">"
contains "... Returnerat" "$P" "Returnerat"
contains "... Ladda ned PDF" "$P" "<a href=\"/brev/$R/dokument.pdf\">Ladda ned PDF</a>"
contains "... Markera som hanterat" "$P" ">Markera som hanterat</button>"
WEB_AS=anna web GET "/brev/$R/dokument.pdf"
is "the PDF downloads: 200" "$code" 200
contains "... as an attachment" "$(tr -d '\r' < "$T/resp.h")" "Content-Disposition: attachment"
check "... the letter itself" cmp -s "$T/resp" "$T/letter.pdf"
is "... the download is journaled with the person" "$(journal "$R" downloaded)" person:anna
WEB_AS=anna web POST "/brev/$R/hanterad"
is "hanterad without the CSRF token: 403" "$code" 403
WEB_AS=anna web POST "/brev/$R/hanterad" --data-urlencode "csrf=$ANNA_CSRF"
is "Markera som hanterat: 303" "$code" 303
api GET "/api/v1/jobs/$R"
is "the exception is resolved" "$(jfield .exception)" false
is "... by person:anna" "$(journal "$R" resolved)" person:anna
WEB_AS=anna web GET "/hantera?klart=hanterat"
check_fails "... and no longer in /hantera" grep -q "data-id=\"$R\"" "$T/resp"
contains "... which says it" "$(cat "$T/resp")" "Brevet är markerat som hanterat."
WEB_AS=anna web GET "/brev/$R/dokument.pdf"
is "... its PDF is gone with it (404)" "$code" 404

done_testing
