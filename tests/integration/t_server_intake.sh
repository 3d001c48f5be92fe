#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The server checks each letter when it is submitted: a PDF qpdf cannot
# read, an encrypted one, or one without pages is refused at once with a
# Swedish message that CUPS shows, instead of being accepted and failing
# later in the print room.  Through a raw queue (no filter), so that the
# server's own check is what decides; and directly on the API.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

A=$(test_pnr 12)
NOBOX=$(test_pnr 13)
STACK_RAW_QUEUE=1 start_stack "$(sim_recipient "$A")" ||
  { not_ok "the print path starts"; done_testing; exit 1; }
ok "cupsd, mmprintd, mmsimd and the print room run"

make_letter "$T/good.pdf" "text:Beslut om bistånd"
# Damaged: a PDF header, then no objects, no xref, no trailer.
printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\nthis is where the letter should have been\n%%%%EOF\n' > "$T/damaged.pdf"
# Encrypted with a user password: nobody could open it without it.
qpdf --encrypt secret owner 256 -- "$T/good.pdf" "$T/encrypted.pdf"
# A page tree with no pages.
python3 - "$T/nopages.pdf" <<'PY'
import sys
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
data = b"%PDF-1.4\n"
offs = []
for i, o in enumerate(objs, 1):
    offs.append(len(data)); data += b"%d 0 obj\n" % i + o + b"\nendobj\n"
x = len(data)
data += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
data += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
open(sys.argv[1], "wb").write(data)
PY
common=(recipient-source=option title=Beslut user=anna host=desk1 pages=1)

# Through CUPS: each bad letter is cancelled with the server's Swedish line;
# the server keeps nothing; the print room prints nothing.
n=0
for kind in damaged encrypted nopages; do
  n=$((n + 1))
  case $kind in
    damaged) want="skadad PDF-fil" ;;
    encrypted) want="krypterad eller lösenordsskyddad" ;;
    nopages) want="har inga sidor" ;;
  esac
  make_bundle "$T/$kind.job" "$T/$kind.pdf" "recipient=$NOBOX" "${common[@]}" "cups-job-id=$kind"
  # The server knows the job by its CUPS job id, which the backend sets.
  id=$(submit -o raw "$T/$kind.job")
  check "$kind: the CUPS job is cancelled at once" wait_job_state "$id" canceled 40
  contains "$kind: CUPS shows why, in Swedish" "$(job_log "$id" | grep -a '^E ')" "Brevet togs inte emot: "
  contains "$kind: ... naming the problem" "$(job_log "$id" | grep -a '^E ')" "$want"
  listed=$(srv_get "/api/v1/jobs" | python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin)["jobs"] if j.get("cups_job_id")==sys.argv[1]))' "$id")
  is "$kind: the server stored no job" "$listed" 0
done
is "no bad letter reached the print room" "$(printroom_count)" 0

# A good letter through the same path is taken, with the page count qpdf
# found rather than the one the bundle claims.
make_bundle "$T/good.job" "$T/good.pdf" "recipient=$A" recipient-source=option title=Beslut user=anna host=desk1 pages=7 cups-job-id=good
id=$(submit -o raw "$T/good.job")
check "a readable letter completes" wait_job_state "$id" completed 40
pages=$(srv_get "/api/v1/jobs" | python3 -c 'import json,sys; print([j.get("pages") for j in json.load(sys.stdin)["jobs"] if j.get("cups_job_id")==sys.argv[1]])' "$id")
is "the server records the pages it counted (1), not the bundle's claim (7)" "$pages" "[1]"

# On the API: the answer names the problem for programs and people.
post() { # BUNDLE
  curl -sS --max-time 20 --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" --key "$PKI/client-desk1.key" \
    -H 'Content-Type: application/vnd.mmprint-job' --data-binary "@$1" -w '\n%{http_code}' \
    "https://127.0.0.1:$SRV_PORT/api/v1/jobs"
}
out=$(post "$T/encrypted.job")
is "API: an encrypted letter is answered 400" "$(tail -n 1 <<<"$out")" 400
contains "API: ... with the error code encrypted-pdf" "$out" '"encrypted-pdf"'
out=$(post "$T/damaged.job")
is "API: a damaged letter is answered 400" "$(tail -n 1 <<<"$out")" 400
contains "API: ... with the error code damaged-pdf" "$out" '"damaged-pdf"'
check "the server log says why it refused, without the number" bash -c "grep -q 'refused a job from .*encrypted' '$T/mmprintd.log' && ! grep -q '$NOBOX' '$T/mmprintd.log'"
check_no_sanitizer_reports

done_testing
