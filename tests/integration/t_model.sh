#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The benefit model (issue 12 part 3; lib/model.c, mmctl model, the page
# /nyttomodell).  Every figure is checked against the model computed here,
# in python, from spec/requirements.md's text ("benefits per year: postage
# N x 2 x 7 kr; process improvement N x 100 kr (2 x 10 min); security N x
# 60 kr; minus digital cost N x 1.50 kr"; operation every year, one-off
# costs in year 1; NPV at 8 % with year 1 undiscounted; payback): the
# defaults, a FILE with other paper costs (4 and 9 kr, the spread the
# requirements name), refused FILEs, the page's figures (the same as
# mmctl's for the same inputs), its Swedish refusals next to the field,
# who may open it, and --from-stats with letters delivered through a real
# mmprintd and mmsimd: the statistics' digital decisions, per year, become
# year 1.
. "$(dirname "$0")/lib.sh"
. "$MM_SRCDIR/tests/integration/testlib.sh"
make_pki
MMCTL=$MM_BIN/tools/mmctl

# The model, written from the requirements, not from lib/model.c.
# model.py [KEY=VALUE...]: the CSV of every scenario and year as mmctl
# --csv writes it (npv and payback repeated on each row).
cat > "$T/model.py" <<'PY'
import sys
inp = {"decisions": "650 3900 10400 19630 28405", "paper_cost": "7", "digital_cost": "1.50",
       "minutes_saved": "10", "hourly_rate": "300", "security_value": "60", "letters_per_decision": "2",
       "discount_rate": "8", "operation_cost": "62500", "contract_cost": "6000", "licence_cost": "120000",
       "project_cost": "77400", "eservice_cost": "28500", "marketing_cost": "12000"}
for kv in sys.argv[1:]:
    k, v = kv.split("=", 1)
    inp[k] = v
N = [int(x) for x in inp.pop("decisions").split()]
v = {k: float(x.replace(",", ".")) for k, x in inp.items()}
rate = v["discount_rate"] / 100
one_off = v["contract_cost"] + v["licence_cost"] + v["project_cost"] + v["eservice_cost"] + v["marketing_cost"]

def payback(nets):
    # Years until the cumulative net is >= 0 for good, linear inside a year.
    cum, t = 0.0, 0.0
    for i, n in enumerate(nets):
        before = cum
        cum += n
        if cum < 0:
            t = None
        elif t is None:
            t = i + (-before) / n
    return "" if cum < 0 else "%.2f" % t

names = ["postage", "postage+process", "postage+security"]
print("scenario,name,year,decisions,benefits,costs,net,discounted_net,cumulative_net,npv,payback_years,"
      "discounted_payback_years")
for s in range(3):
    rows, nets, discs = [], [], []
    for y, n in enumerate(N):
        postage = n * v["letters_per_decision"] * v["paper_cost"]
        process = n * v["letters_per_decision"] * v["minutes_saved"] / 60 * v["hourly_rate"]
        security = n * v["security_value"]
        benefits = postage + (process if s == 1 else 0) + (security if s == 2 else 0)
        costs = v["operation_cost"] + n * v["digital_cost"] + (one_off if y == 0 else 0)
        net = benefits - costs
        disc = net / (1 + rate) ** y
        nets.append(net)
        discs.append(disc)
        rows.append((y + 1, n, benefits, costs, net, disc, sum(nets)))
    npv = sum(discs)
    for r in rows:
        print("%d,%s,%d,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%s,%s" % ((s + 1, names[s]) + r + (npv, payback(nets),
                                                                                        payback(discs))))
PY
# same_csv WHAT EXPECTED ACTUAL: mmctl's CSV (its columns picked by name)
# equals the independent one to the öre, and the paybacks to 0.01 year.
same_csv() {
  local r
  r=$(python3 - "$2" "$3" <<'PY'
import csv, sys
want = list(csv.DictReader(open(sys.argv[1])))
got = list(csv.DictReader(open(sys.argv[2])))
if len(want) != len(got):
    print("rows: want %d, got %d" % (len(want), len(got))); sys.exit(0)
for w, g in zip(want, got):
    for k in w:
        a, b = w[k], g.get(k)
        if b is None:
            print("no column %s" % k); sys.exit(0)
        try:
            if abs(float(a) - float(b)) > 0.011:
                print("scenario %s year %s %s: want %s, got %s" % (w["scenario"], w["year"], k, a, b)); sys.exit(0)
        except ValueError:
            if a != b:
                print("scenario %s year %s %s: want %r, got %r" % (w["scenario"], w["year"], k, a, b)); sys.exit(0)
print("same")
PY
)
  is "$1" "$r" same
}

# --- mmctl model with no FILE: the pre-study's Exempelkommun ---
python3 "$T/model.py" > "$T/want.csv"
check "mmctl model --csv runs with the defaults" sh -c "'$MMCTL' model --csv > '$T/got.csv'"
same_csv "mmctl model --csv equals the model computed from the requirements (every year, NPV, paybacks)" \
  "$T/want.csv" "$T/got.csv"
# The readable table says the same, rounded as a person reads it.
"$MMCTL" model > "$T/table.txt" 2>&1
summary() { # the NPV and payback lines of a readable table
  grep -E '^(Net present value|Payback|Discounted payback)' "$1" | sed 's/ at [0-9.]* %//'
}
want_summary=$(python3 - "$T/want.csv" <<'PY'
import csv, sys
seen = set()
for r in csv.DictReader(open(sys.argv[1])):
    if r["scenario"] in seen:
        continue
    seen.add(r["scenario"])
    print("Net present value: %.0f kr" % float(r["npv"]))
    for what, k in (("Payback", "payback_years"), ("Discounted payback", "discounted_payback_years")):
        print("%s: %s" % (what, "%.1f years" % float(r[k]) if r[k] else "not within the 5 years"))
PY
)
is "the readable table's NPV and paybacks are the independent ones" "$(summary "$T/table.txt")" "$want_summary"
contains "the table names its inputs" "$(cat "$T/table.txt")" "inputs: the pre-study's Exempelkommun defaults"
contains "scenario 1 pays back in year 5 (cumulative -61650 after year 4)" "$(cat "$T/table.txt")" "Payback: 4.2 years"

# --- a FILE overriding inputs: real paper costs vary from 4 to 9 kr ---
for pc in 4 9; do
  printf '# Exempelkommun with paper letters at %s kr\npaper_cost = %s\ndigital_cost = 1,25\ndecisions = "1000 5000 12000"\n' \
    "$pc" "$pc" > "$T/model-$pc.conf"
  python3 "$T/model.py" paper_cost=$pc digital_cost=1,25 "decisions=1000 5000 12000" > "$T/want-$pc.csv"
  check "mmctl model FILE (paper_cost $pc) runs" sh -c "'$MMCTL' model '$T/model-$pc.conf' --csv > '$T/got-$pc.csv'"
  same_csv "mmctl model FILE with paper_cost $pc, digital_cost 1,25 and 3 years equals the independent model" \
    "$T/want-$pc.csv" "$T/got-$pc.csv"
done
is "the paper cost moves the result: scenario 1's NPV at 4 kr is below that at 9 kr" \
  "$(python3 -c 'import csv,sys; a=[float(r["npv"]) for r in csv.DictReader(open(sys.argv[1]))][0]; b=[float(r["npv"]) for r in csv.DictReader(open(sys.argv[2]))][0]; print(a < b)' \
    "$T/got-4.csv" "$T/got-9.csv")" True

# --- bad FILEs are refused, saying where and what ---
printf 'paper_cost = 7\npostage = 7\n' > "$T/bad1.conf"
"$MMCTL" model "$T/bad1.conf" > "$T/last.out" 2>&1
is "a FILE with an unknown key is refused with exit status 1" "$?" 1
is "naming the file, the line and the key, and printing no figures" "$(cat "$T/last.out")" \
  "mmctl model: config $T/bad1.conf:2: unknown key 'postage'"
printf 'paper_cost = 7 kr\n' > "$T/bad2.conf"
check_fails "a FILE with an amount that is not one is refused" "$MMCTL" model "$T/bad2.conf"
contains "and says how to write it" "$(cat "$T/last.out")" \
  "$T/bad2.conf: paper_cost must be an amount: digits with at most one decimal mark (e.g. 7, 1.50 or 1,50)"
printf 'decisions = 650, 3900\n' > "$T/bad3.conf"
check_fails "a decisions list with commas is refused" "$MMCTL" model "$T/bad3.conf"
contains "and says how to write it" "$(cat "$T/last.out")" "decisions must be 1 to 30 whole numbers separated by blanks"
check_fails "a FILE that does not exist is refused" "$MMCTL" model "$T/none.conf"
contains "naming it" "$(cat "$T/last.out")" "$T/none.conf: No such file or directory"
check_fails "--from without --from-stats is refused" "$MMCTL" model --from 2026-01-01 --to 2026-01-31
contains "saying why" "$(cat "$T/last.out")" "--from and --to are for --from-stats"

# --- the page /nyttomodell against a real mmprintd ---
A=191212121212       # Kivra mailbox
cat > "$T/registry" <<EOF
operator kivra id=165567828172 name=Kivra
recipient $A operator=kivra
sender 162120000142 name=Exempelkommun
EOF
start_sim || { not_ok "mmsimd starts"; done_testing; exit 1; }
start_printer || { not_ok "ippeveprinter starts"; done_testing; exit 1; }
# The organisation's own unit value: 5 kr per paper letter (mmprintd.conf(5)).
write_conf "$T/mmprintd.conf" "sync_wait_ms = 3000" "paper_cost = 5"
start_server "$T/mmprintd.conf" || { not_ok "mmprintd starts"; diag "$(cat "$T/server.log")"; done_testing; exit 1; }
check "mmctl user add stina (statistik)" web_user stina statistik 'Stina-lösen-1'
check "mmctl user add adam (admin)" web_user adam admin 'Adam-lösen-2'
check "mmctl user add hanna (handläggare)" web_user hanna handläggare 'Hanna-lösen-3'
check "mmctl user add ulla (utskrift)" web_user ulla utskrift 'Ulla-lösen-4'

# page_figures: the scenario table of the page in $T/resp as the summary
# lines of mmctl's table ("Net present value: N kr", "Payback: X years").
page_figures() {
  python3 - "$T/resp" <<'PY'
import re, sys, html
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<table id="scenarier">.*?</table>', page, re.S)
if not m:
    print("no scenario table"); sys.exit(0)
for row in re.findall(r'<tr><th scope="row">.*?</tr>', m.group(0), re.S):
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    npv = cells[0].replace("\u00a0", "").replace(" ", "")
    print("Net present value: %s kr" % npv)
    for what, c in (("Payback", cells[1]), ("Discounted payback", cells[2])):
        mm = re.match(r"([0-9]+),([0-9]) år$", c)
        if mm:
            print("%s: %s.%s years" % (what, mm.group(1), mm.group(2)))
        else:
            n = re.match(r"inte inom ([0-9]+) år$", c)
            print("%s: not within the %s years" % (what, n.group(1) if n else "?" + c))
PY
}

WEB_AS=stina web_login stina 'Stina-lösen-1'
is "stina (statistik) signs in" "$code" 303
WEB_AS=stina web GET /nyttomodell
is "stina opens Nyttomodell" "$code" 200
contains "its one h1" "$(cat "$T/resp")" "<h1>Nyttomodell</h1>"
is "its figures are mmctl model's for the defaults" "$(page_figures)" "$(summary "$T/table.txt")"
contains "the inputs are in labelled fields" "$(cat "$T/resp")" \
  '<label for="decisions">Digitala beslut per år</label>'
contains "with the pre-study's decisions, written as in a FILE" "$(cat "$T/resp")" \
  'name="decisions" class="bred" aria-describedby="decisions-hjalp" value="650 3900 10400 19630 28405"'
contains "grouped in fieldsets" "$(cat "$T/resp")" "<legend>Kostnader</legend>"
contains "the years of scenario 2 are a table with a caption" "$(cat "$T/resp")" \
  "<caption>Scenario 2: porto och effektivare process, per år (kr)</caption>"
is "the page has no inline style or script (strict CSP)" "$(grep -c -E '<script>|style=|<style' "$T/resp")" 0

# The same inputs as the FILE with paper_cost 9: the same figures as mmctl.
"$MMCTL" model "$T/model-9.conf" > "$T/table-9.txt"
WEB_AS=stina web GET "/nyttomodell?paper_cost=9&digital_cost=1%2C25&decisions=1000+5000+12000"
is "the page with paper_cost 9, digital_cost 1,25 and 3 years answers" "$code" 200
is "its figures are mmctl model FILE's for the same inputs" "$(page_figures)" "$(summary "$T/table-9.txt")"
contains "the typed decimal comma is kept in the field" "$(cat "$T/resp")" 'value="1,25"'

# A refused input: a Swedish message next to the field, not a 500.
WEB_AS=stina web GET "/nyttomodell?paper_cost=sju+kronor&discount_rate=120"
is "an input that is not an amount answers 400 with the form" "$code" 400
contains "the field says what is wrong, in Swedish" "$(cat "$T/resp")" \
  '<span class="fel" id="paper_cost-fel">Skriv ett tal med siffror, till exempel 7 eller 1,50, utan enhet och minustecken.</span>'
contains "the field points to it (aria-describedby, aria-invalid)" "$(cat "$T/resp")" \
  'id="paper_cost" name="paper_cost" inputmode="decimal" aria-describedby="paper_cost-fel" aria-invalid="true" value="sju kronor"'
contains "a rate over 100 % is refused next to its field" "$(cat "$T/resp")" \
  '<span class="fel" id="discount_rate-fel">Skriv kalkylräntan i procent, från 0 till 100'
contains "the summary links the refused fields" "$(cat "$T/resp")" '<a href="#discount_rate">'
is "and nothing is computed from refused inputs" "$(grep -c 'id="scenarier"' "$T/resp")" 0
WEB_AS=stina web GET "/nyttomodell?hourly_rate=%FF%FE&decisions=$(printf '1%.0s' $(seq 500))"
is "a value that is no UTF-8 or far too long is refused as well (400, not 500)" "$code" 400
contains "next to its field" "$(cat "$T/resp")" '<span class="fel" id="hourly_rate-fel">'
contains "the long decisions too" "$(cat "$T/resp")" '<span class="fel" id="decisions-fel">'
big=999999999999999
WEB_AS=stina web GET "/nyttomodell?decisions=999999999+999999999&paper_cost=$big&hourly_rate=$big&minutes_saved=$big&letters_per_decision=$big&security_value=$big"
is "the largest inputs allowed still give a page" "$code" 200

# Who may: statistik and admin; not a handläggare or the print room.
WEB_AS=adam web_login adam 'Adam-lösen-2'
WEB_AS=adam web GET /nyttomodell
is "adam (admin) opens Nyttomodell" "$code" 200
for who in hanna:Hanna-lösen-3 ulla:Ulla-lösen-4; do
  WEB_AS=${who%%:*} web_login "${who%%:*}" "${who#*:}"
  WEB_AS=${who%%:*} web GET /nyttomodell
  is "${who%%:*} may not open Nyttomodell (403)" "$code" 403
  contains "and is told so in Swedish" "$(cat "$T/resp")" "Ingen behörighet"
  is "and sees no figures" "$(grep -c 'Nuvärde' "$T/resp")" 0
done
WEB_AS=nobody web GET /nyttomodell
is "without a login /nyttomodell goes to the login page" "$code $(grep -i '^location:' "$T/resp.h" | tr -d '\r')" \
  "303 Location: /logga-in"

# --- the realised figures beside the model, from letters really delivered ---
mkpdf "$T/letter.pdf" 1 "Beslut"
n=0
for t in beslut beslut beslut information; do
  n=$((n + 1))
  bundle "$T/l$n.job" "$T/letter.pdf" "title=Brev $n" user=hanna recipient=$A letter-type=$t cups-job-id=$n
  submit "$T/l$n.job" "k-$n"
  wait_state "$(jfield .id)" delivered || not_ok "letter $n ($t) is delivered"
done
is "four letters are in the simulated mailbox, three of them decisions" "$(inbox_count $A)" 4
WEB_AS=stina web GET /nyttomodell
is "Nyttomodell with the statistics answers" "$code" 200
realised() { # LABEL: the realised table's cell of the row LABEL, spaces removed
  python3 - "$T/resp" "$1" <<'PY'
import re, sys, html
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<table id="utfall">.*?</table>', page, re.S)
for th, td in re.findall(r'<tr><th scope="row">(.*?)</th><td[^>]*>(.*?)</td></tr>', m.group(0) if m else "", re.S):
    if html.unescape(th) == sys.argv[2]:
        print(html.unescape(td).replace("\u00a0", "").replace(" ", ""))
PY
}
is "beside the model: the digital letters delivered" "$(realised 'Digitala brev')" 4
is "the digital decisions (letter type beslut)" "$(realised 'Digitala beslut')" 3
is "postage and material saved: 4 x (5 - 1.50) kr, the server's unit values" "$(realised 'Sparat porto och material (kr)')" 14
is "working time saved: 4 x 10 min at 300 kr/h" "$(realised 'Sparad arbetstid (kr)')" 200
is "security value: 3 decisions x 60 kr" "$(realised 'Säkerhetsvärde (kr)')" 180
# Per year: 3 decisions over the period from the first of the month eleven
# months back (twelve months with this one) until now.
per_year=$(python3 - <<'PY'
import datetime, time
now = datetime.datetime.now()
y, m = now.year, now.month - 11
while m < 1:
    y, m = y - 1, m + 12
start = datetime.datetime(y, m, 1).timestamp()
print(round(3 * 365 * 86400 / (time.time() - start)))
PY
)
is "the decisions per year, counted up from the period" "$(realised 'Digitala beslut per år (uppräknat)')" "$per_year"
link=$(grep -o 'id="fran-utfall" href="[^"]*"' "$T/resp" | sed 's/.*href="//; s/"$//; s/&amp;/\&/g')
contains "a link computes the model from them: year 1 is the measured decisions, later years stay" "$link" \
  "decisions=$per_year%203900%2010400%2019630%2028405&"
contains "with the server's paper cost" "$link" "paper_cost=5&"
WEB_AS=stina web GET "$link"
is "the link's page answers" "$code" 200
python3 - "$link" <<'PY' > "$T/from-link.conf"
import sys, urllib.parse
for k, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(sys.argv[1]).query):
    print("%s = %s" % (k, v))
PY
"$MMCTL" model "$T/from-link.conf" > "$T/table-link.txt"
is "its figures are mmctl model's for the same inputs" "$(page_figures)" "$(summary "$T/table-link.txt")"

# --- mmctl model --from-stats: the same figures from the statistics API ---
ADMIN_CONF=$T/admin-client.conf
printf 'cert = %s\nkey = %s\nca = %s\n' "$PKI/client-desk1.crt" "$PKI/client-desk1.key" "$PKI/ca.crt" > "$T/desk1-client.conf"
check "mmctl model --from-stats with the admin certificate runs" \
  sh -c "'$MMCTL' model --from-stats -s 127.0.0.1:$SRV_PORT -C '$ADMIN_CONF' --csv > '$T/got-stats.csv'"
python3 "$T/model.py" paper_cost=5 "decisions=$per_year 3900 10400 19630 28405" > "$T/want-stats.csv"
same_csv "--from-stats: year 1 is the measured decisions per year, the server's paper cost 5 kr, the rest the defaults" \
  "$T/want-stats.csv" "$T/got-stats.csv"
"$MMCTL" model --from-stats -s "127.0.0.1:$SRV_PORT" -C "$ADMIN_CONF" > "$T/table-stats.txt" 2>&1
is "the page's link computes what mmctl model --from-stats computes" "$(page_figures)" "$(summary "$T/table-stats.txt")"
contains "the table says where year 1 comes from" "$(cat "$T/table-stats.txt")" \
  "year 1 from the statistics ($(date +%Y-%m -d "$(date +%Y-%m-15) -11 months")..$(date +%Y-%m): 3 digital decisions, $per_year a year)"
printf 'paper_cost = 8\n' > "$T/model-8.conf"
"$MMCTL" model "$T/model-8.conf" --from-stats -s "127.0.0.1:$SRV_PORT" -C "$ADMIN_CONF" --csv > "$T/got-stats8.csv"
python3 "$T/model.py" paper_cost=8 "decisions=$per_year 3900 10400 19630 28405" > "$T/want-stats8.csv"
same_csv "--from-stats with a FILE: the FILE's paper cost wins over the server's" "$T/want-stats8.csv" "$T/got-stats8.csv"
"$MMCTL" model --from-stats --from 2025-01-01 --to 2025-12-31 -s "127.0.0.1:$SRV_PORT" -C "$ADMIN_CONF" --csv \
  > "$T/got-2025.csv"
python3 "$T/model.py" paper_cost=5 "decisions=0 3900 10400 19630 28405" > "$T/want-2025.csv"
same_csv "--from-stats --from 2025-01-01 --to 2025-12-31: no decisions then, year 1 is 0" "$T/want-2025.csv" "$T/got-2025.csv"
"$MMCTL" model --from-stats --from 2026-02-30 --to 2026-03-31 -s "127.0.0.1:$SRV_PORT" -C "$ADMIN_CONF" \
  > "$T/last.out" 2>&1
is "a date that does not exist is refused (exit status 1)" "$?" 1
contains "with the server's Swedish reason" "$(cat "$T/last.out")" "mmctl model: HTTP 400: Ange perioden som datum, ÅÅÅÅ-MM-DD"
"$MMCTL" model --from-stats -s "127.0.0.1:$SRV_PORT" -C "$T/desk1-client.conf" > "$T/last.out" 2>&1
is "a workstation certificate may not read the statistics: mmctl model --from-stats fails" "$?" 1
is "with the server's Swedish refusal" "$(cat "$T/last.out")" \
  "mmctl model: HTTP 403: Du har inte behörighet att se statistiken"
API_CERT=desk1 api GET /api/v1/stats
is "GET /api/v1/stats with the workstation certificate is 403" "$code" 403
is "and gives no figures" "$(jq -r '.totals // "none"' "$T/resp")" none

# Under ASan the server reports leaks as it stops: stop it and read its log.
kill "$SRV_PID" 2>/dev/null
wait "$SRV_PID" 2>/dev/null
check_fails "no sanitizer reports from mmprintd" grep -a -m 5 -E "(Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" \
  "$T/server.log"
done_testing
