#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# mmctl lookup and send as a user sees them, over real mutual TLS against
# mmsimd (FaR + mailbox operators): output lines, configuration errors,
# TLS refusals, server down, timeouts, faults, and the documented exit
# codes (mmctl(1)).  Error output never shows a personnummer in full.
. "$(dirname "$0")/lib.sh"
make_pki

PORT=$(free_port)
URL=https://127.0.0.1:$PORT
mkdir -p "$T/inbox"
cat > "$T/registry" <<'EOF'
operator kivra id=165567828172 name=Kivra
operator mmp id=162021004748 name="Min myndighetspost"
recipient 191212121212 operator=kivra
recipient 198112189876 operator=mmp pending=yes
recipient 194107086995 operator=kivra accepts=162120009999
sender 162120000142 name=Exempelkommun
sender 162120009999 name="Annan myndighet"
EOF
: > "$T/faults"
"$MMSIMD" --listen "127.0.0.1:$PORT" --cert "$PKI/server.crt" --key "$PKI/server.key" --ca "$PKI/ca.crt" \
  --registry "$T/registry" --schemas "$SCHEMAS" --inbox "$T/inbox" --faults "$T/faults" \
  >"$T/sim.out" 2>"$T/sim.log" &
SIM=$!
remember_pid $SIM
wait_port "$PORT" 20
for _ in $(seq 50); do grep -q listening "$T/sim.out" && break; sleep 0.1; done

# Sets the simulator's fault rules and waits until it has re-read them.
faults() {
  local n; n=$(grep -c 'fault rules' "$T/sim.log")
  printf '%s\n' "$@" > "$T/faults"
  kill -HUP $SIM
  for _ in $(seq 50); do [ "$(grep -c 'fault rules' "$T/sim.log")" -gt "$n" ] && break; sleep 0.1; done
}

conf() { # FILE KEY=VALUE... : the good configuration, with keys replaced or added
  local f=$1; shift
  local -A v=([cert]=$PKI/org.crt [key]=$PKI/org.key [ca]=$PKI/ca.crt [far_url]=$URL/far/Recipient/v3
              [sender_name]=Exempelkommun [timeout]=5)
  local order=(cert key ca far_url sender_name timeout) kv
  for kv in "$@"; do
    [ -n "${v[${kv%%=*}]+set}" ] || order+=("${kv%%=*}")
    v[${kv%%=*}]=${kv#*=}
  done
  { echo "# test configuration"; for k in "${order[@]}"; do echo "$k = ${v[$k]}"; done; } > "$f"
}
conf "$T/good.conf"

# run ARGS...: runs mmctl; $rc, $out (stdout), $err (stderr)
run() {
  "$MMCTL" "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  out=$(cat "$T/stdout")
  err=$(cat "$T/stderr")
  { echo "$ mmctl $*  -> $rc"; cat "$T/stdout" "$T/stderr"; } >> "$T/stderr.all"
}
never_unmasked() { # DESCRIPTION TEXT
  if grep -qE '(19121212|19811218|19410708)[0-9]{4}' <<<"$2"; then not_ok "$1"; diag "$2"; else ok "$1"; fi
}

# ---- lookup ---------------------------------------------------------------
run lookup -c "$T/good.conf" 191212121212 19811218-9876 194107086995 189001019802
is "lookup: exit 0 when FaR answered" "$rc" 0
is "lookup: one line per recipient, in order, 12-digit numbers" "$out" \
"191212121212 digital Kivra $URL/op/kivra/Service/v3
198112189876 paper: mailbox registration pending
194107086995 paper: recipient does not accept this sender
189001019802 paper: no digital mailbox (Type=Not)"

conf "$T/other-sender.conf" sender_id=162120009999
run lookup -c "$T/other-sender.conf" 194107086995
is "lookup: sender_id from the configuration is what FaR is asked about" "$out" \
  "194107086995 digital Kivra $URL/op/kivra/Service/v3"

MMCTL_CONFIG=$T/good.conf run lookup 121212+1212
is "lookup: \$MMCTL_CONFIG is used without -c; 10-digit input normalised" "$rc $out" \
  "0 191212121212 digital Kivra $URL/op/kivra/Service/v3"

run lookup -c "$T/good.conf" 191212121212 191212121213 nonsense
is "lookup: invalid input gives exit 1" "$rc" 1
is "lookup: the valid number is still looked up" "$out" "191212121212 digital Kivra $URL/op/kivra/Service/v3"
contains "lookup: invalid input named by position" "$err" "argument 2"
contains "lookup: ... both of them" "$err" "argument 3"
never_unmasked "lookup: stderr does not show the invalid number" "$err"

# ---- configuration ---------------------------------------------------------
conf "$T/typo.conf" far_ulr=https://x.example/
run lookup -c "$T/typo.conf" 191212121212
is "config: unknown key gives exit 2" "$rc" 2
contains "config: the unknown key is named" "$err" "far_ulr"

run lookup -c "$T/nonexistent.conf" 191212121212
is "config: missing file gives exit 2" "$rc" 2
contains "config: the missing file is named" "$err" "$T/nonexistent.conf"

grep -v '^far_url' "$T/good.conf" > "$T/nourl.conf"
run lookup -c "$T/nourl.conf" 191212121212
is "config: missing far_url gives exit 2" "$rc" 2
contains "config: says which key is missing" "$err" "far_url"

conf "$T/badsender.conf" sender_id=5560000000
run lookup -c "$T/badsender.conf" 191212121212
is "config: malformed sender_id gives exit 2" "$rc" 2

# ---- TLS and transport failures ---------------------------------------------
conf "$T/rogue.conf" cert="$PKI/rogue.crt" key="$PKI/rogue.key" sender_id=162120000142
run lookup -c "$T/rogue.conf" 191212121212
is "tls: a client certificate from an unknown CA is refused (exit 3)" "$rc" 3
is "tls: ... and nothing is printed as a result" "$out" ""

conf "$T/wrongca.conf" ca="$PKI/other-ca.crt"
run lookup -c "$T/wrongca.conf" 191212121212
is "tls: a server certificate from an untrusted CA is refused (exit 3)" "$rc" 3
contains "tls: ... saying it is a certificate problem" "$err" "certificate"

DOWN=$(free_port)
conf "$T/down.conf" far_url="https://127.0.0.1:$DOWN/far/Recipient/v3"
run lookup -c "$T/down.conf" 191212121212
is "transport: FaR down gives exit 3" "$rc" 3
contains "transport: ... naming where it tried" "$err" "127.0.0.1:$DOWN"

faults "far delay=2500 count=1"
conf "$T/fast.conf" timeout=1
t0=$(date +%s%N)
run lookup -c "$T/fast.conf" 191212121212
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "timeout: a slow FaR gives exit 3" "$rc" 3
if [ "$ms" -lt 2300 ]; then ok "timeout: gave up after ${ms}ms (timeout = 1 s)"; else not_ok "timeout honoured"; diag "${ms}ms"; fi

faults "far fault=5006 count=1"
run lookup -c "$T/good.conf" 191212121212
is "fault: FaR application fault gives exit 3 for lookup" "$rc" 3
contains "fault: the code is printed" "$err" "5006"
contains "fault: ... and the call id" "$err" "call id"

faults "far http=503 count=1"
run lookup -c "$T/good.conf" 191212121212
is "transport: HTTP 503 without a fault gives exit 3" "$rc" 3
contains "transport: ... naming the status" "$err" "503"
faults

# ---- send -------------------------------------------------------------------
printf '%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n' > "$T/beslut.pdf"

run send -c "$T/good.conf" --to 19121212-1212 --subject "Beslut om bygglov" --reference BN-2026-1 "$T/beslut.pdf"
is "send: delivered, exit 0" "$rc" 0
if [[ "$out" =~ ^delivered\ to\ Kivra,\ TransId\ [^,]+,\ message\ id\ [0-9a-f-]{36}$ ]]; then
  ok "send: prints operator, TransId and message id"
else not_ok "send: prints operator, TransId and message id"; diag "$out"; fi
msgid=${out##* }
if grep -rqs "$msgid" "$T/inbox"; then ok "send: the operator's inbox holds the letter"; else not_ok "send: the operator's inbox holds the letter"; diag "$(ls -R "$T/inbox" | head)"; fi

run send -c "$T/good.conf" --to 198112189876 --subject "Beslut" "$T/beslut.pdf"
is "send: pending mailbox gives exit 4" "$rc" 4
is "send: ... and says why" "$out" "not delivered digitally: mailbox registration pending"

run send -c "$T/good.conf" --to 189001019802 --subject "Beslut" "$T/beslut.pdf"
is "send: no mailbox gives exit 4" "$rc 4" "4 4"

echo "not a pdf" > "$T/letter.txt"
run send -c "$T/good.conf" --to 191212121212 --subject "Beslut" "$T/letter.txt"
is "send: a non-PDF file gives exit 1" "$rc" 1

run send -c "$T/good.conf" --to 191212121213 --subject "Beslut" "$T/beslut.pdf"
is "send: an invalid personnummer gives exit 1" "$rc" 1
never_unmasked "send: ... without showing it" "$err"

run send -c "$T/good.conf" --subject "Beslut" "$T/beslut.pdf"
is "send: missing --to is a usage error (exit 2)" "$rc" 2

faults "op=kivra fault=5006 count=1"
run send -c "$T/good.conf" --to 191212121212 --subject "Beslut" "$T/beslut.pdf"
is "send: operator application fault gives exit 5" "$rc" 5
contains "send: ... with the code" "$err" "5006"
never_unmasked "send: fault output masks the recipient" "$err"

faults "op=kivra http=500 count=1"
run send -c "$T/good.conf" --to 191212121212 --subject "Beslut" "$T/beslut.pdf"
is "send: operator HTTP 500 gives exit 3 (try again later)" "$rc" 3
contains "send: ... and says so" "$err" "try again later"

faults "far fault=1 count=1"
run send -c "$T/good.conf" --to 191212121212 --subject "Beslut" "$T/beslut.pdf"
is "send: FaR technical fault gives exit 3" "$rc" 3
faults

kill -TERM $SIM
wait $SIM 2>/dev/null
[ "${MM_SHOW_ERRORS:-0}" = 1 ] && cat "$T"/stderr.all >&2
done_testing
