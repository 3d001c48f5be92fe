#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The architecture the folder tree shows holds: no include cycle, each folder
# includes only from the folders below it, each local.mk names only its own
# files, and no two modules of a program call each other (tools/layout).
. "$(dirname "$0")/lib.sh"
"$MM_SRCDIR/tools/layout" check "$MM_BUILDDIR" >"$T/layout.tap"
rc=$?
while IFS= read -r line; do
  case $line in
    "ok "*) ok "${line#ok * - }" ;;
    "not ok "*) not_ok "${line#not ok * - }" ;;
    "# "*) diag "${line#\# }" ;;
  esac
done <"$T/layout.tap"
is "tools/layout check exits 0" "$rc" 0
done_testing
