#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Every cupsd.conf the project writes or documents is one cupsd accepts
# (cupsd -t), with the CUPS installed here: the private cupsd of the tests
# and the demo, the snippet in doc/admin-guide.md and its one-line edit of
# Debian's stock cupsd.conf.  Policy-only directives at top level stop a
# current Debian 12 cupsd (2.4.2-3+deb12u10).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

cupsd_accepts() { # DESCRIPTION CONF
  local files=$T/check-files.conf
  mkdir -p "$T/check"
  printf 'ServerRoot %s\nRequestRoot %s\nTempDir %s\nCacheDir %s\nStateDir %s\nErrorLog %s\nAccessLog %s\nPageLog %s\n' \
    "$T/check" "$T/check" "$T/check" "$T/check" "$T/check" "$T/check/e" "$T/check/a" "$T/check/p" > "$files"
  if cupsd -t -c "$2" -s "$files" >"$T/cupsd-t.out" 2>&1 && grep -q "\"$2\" is OK" "$T/cupsd-t.out"; then
    ok "$1"
  else
    not_ok "$1"
    diag "$(cat "$T/cupsd-t.out")"
  fi
}

# 1. The private cupsd that tests and tools/demo start.
write_cupsd_conf
cupsd_accepts "cupsd accepts the cupsd.conf of the tests and tools/demo" "$CUPS_DIR/cupsd.conf"
contains "the test cupsd keeps Personnummer private inside its policy" \
  "$(sed -n '/<Policy default>/,/<\/Policy>/p' "$CUPS_DIR/cupsd.conf")" "JobPrivateValues default Personnummer job-billing"

# 2. The snippet the admin guide gives, taken from the guide itself.
guide=$MM_SRCDIR/doc/admin-guide.md
awk '/^```/{ if (inblk) { if (take) exit; inblk=0 } else { inblk=1; take=0 }; next }
     inblk && /^# cupsd.conf/ { take=1 } inblk && take' "$guide" > "$T/guide-cupsd.conf"
if grep -q 'JobPrivateValues' "$T/guide-cupsd.conf"; then
  ok "the admin guide has a cupsd.conf snippet with JobPrivateValues"
else
  not_ok "the admin guide has a cupsd.conf snippet with JobPrivateValues"
fi
cupsd_accepts "cupsd accepts the admin guide's cupsd.conf snippet" "$T/guide-cupsd.conf"

# 3. The guide's one-line edit of Debian's stock cupsd.conf.
stock=/usr/share/cups/cupsd.conf.default
[ -f "$stock" ] || stock=/etc/cups/cupsd.conf
cp "$stock" "$T/stock-cupsd.conf"
edit=$(grep -m1 "^sed -i 's/.*JobPrivateValues" "$guide")
edit=${edit% /etc/cups/cupsd.conf}
if [ -n "$edit" ] && eval "$edit \"\$T/stock-cupsd.conf\""; then
  ok "the guide's sed command runs on Debian's stock cupsd.conf"
else
  not_ok "the guide's sed command runs on Debian's stock cupsd.conf"
fi
cupsd_accepts "cupsd accepts Debian's stock cupsd.conf after the guide's edit" "$T/stock-cupsd.conf"
policies=$(grep -c '^<Policy' "$T/stock-cupsd.conf")
added=$(grep -c '^[[:space:]]*JobPrivateValues default Personnummer job-billing$' "$T/stock-cupsd.conf")
is "every policy of the stock cupsd.conf keeps Personnummer private ($policies policies)" "$added" "$policies"

done_testing
