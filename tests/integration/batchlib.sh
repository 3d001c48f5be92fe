# SPDX-License-Identifier: EUPL-1.2
# Helpers of the batch tests (issue 13: t_batch_api.sh, t_batch_crash.sh),
# sourced after testlib.sh: batch PDFs, batch bundles (doc/job-bundle.md
# "The batch bundle") and the batch API.  R is the test's array of pins.

# mkletters OUT OUTLINE N FIRST [NOLABEL]: N letters of 2 pages, recipient
# R[FIRST+i] in page 1's address area (none with NOLABEL); OUTLINE 1 adds
# one top-level bookmark per letter
mkletters() {
  python3 - "$MM_SRCDIR/tests/data/pdf" "$1" "$2" "$3" "$4" "${5:-0}" "${R[@]:$4:$3}" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import mkbatch
out, outline, n, nolabel = sys.argv[2], sys.argv[3] == "1", int(sys.argv[4]), sys.argv[6] == "1"
pins = sys.argv[7:]
pages, marks = [], []
for i in range(n):
    p = pins[i]
    num = p[:8] + "-" + p[8:]
    top = [(800, "Exempelkommun")] if nolabel else mkbatch.head("Personnummer:", num, "Person %d" % i)
    pages.append(top + mkbatch.body(1))
    pages.append(mkbatch.body(2))
    marks.append(("Brev %d" % (i + 1), 2 * i + 1))
mkbatch.write(out, pages, marks if outline else ())
PY
}

# batchbundle OUT PDF [MANIFEST] -- key=value...: a batch bundle
batchbundle() {
  local out=$1 pdf=$2 man=${3:-} kv mlen=0
  shift 3
  [ -n "$man" ] && mlen=$(stat -c %s "$man")
  {
    printf 'MMPRINT-BATCH 1\n'
    for kv in "$@"; do printf '%s: %s\n' "${kv%%=*}" "${kv#*=}"; done
    [ -n "$man" ] && printf 'manifest-type: csv\n'
    printf 'manifest-length: %s\ndocument-length: %s\n\n' "$mlen" "$(stat -c %s "$pdf")"
    [ -n "$man" ] && cat "$man"
    cat "$pdf"
  } > "$out"
}

# post_batch FILE KEY: POST /api/v1/batches as desk1
post_batch() {
  api POST /api/v1/batches -H 'Content-Type: application/vnd.mmprint-batch' -H "Idempotency-Key: $2" \
    --data-binary @"$1"
}

# wait_batch ID [SECONDS]: until the batch is split or held and no letter
# is pending (every one decided)
wait_batch() {
  local i
  for ((i = 0; i < ${2:-60} * 5; i++)); do
    api GET "/api/v1/batches/$1"
    case "$(jfield .state)" in
      held | cancelled) return 0 ;;
      split) [ "$(jfield .counts.pending)" = 0 ] && return 0 ;;
    esac
    sleep 0.2
  done
  return 1
}
