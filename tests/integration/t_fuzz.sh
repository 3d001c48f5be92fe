#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The parsers that read what others send survive their fuzzers: every
# libFuzzer harness of fuzz/ (tools/fuzz, built with clang in build-fuzz/)
# replays its seed corpus, which holds the regression inputs of earlier
# findings, then fuzzes for MM_FUZZ_SECONDS (default 2) with AddressSanitizer,
# LeakSanitizer and UBSan; any crash, leak or UB report fails its target.
. "$(dirname "$0")/lib.sh"
targets=(bundle candidates text xmp soap sigverify json config manifest batchheader)
secs=${MM_FUZZ_SECONDS:-2}
if [ ! -x "$MM_SRCDIR/tools/fuzz" ]; then
  for t in "${targets[@]}"; do not_ok "fuzz $t: no tools/fuzz"; done
  done_testing
  exit
fi
MM_FUZZ_OUT=$T/fuzz "$MM_SRCDIR/tools/fuzz" all "$secs" >"$T/fuzz.out" 2>"$T/fuzz.err"
rc=$?
for t in "${targets[@]}"; do
  line=$(grep "^fuzz $t: " "$T/fuzz.out")
  case $line in
    "fuzz $t: ok,"*) ok "${line#fuzz }" ;;
    "") not_ok "fuzz $t: did not run"; diag "$(tail -n 5 "$T/fuzz.err")" ;;
    *) not_ok "${line#fuzz }"
       while IFS= read -r l; do diag "$l"; done < <(grep "^  $t: " "$T/fuzz.err") ;;
  esac
done
is "tools/fuzz all exits 0" "$rc" 0
done_testing
