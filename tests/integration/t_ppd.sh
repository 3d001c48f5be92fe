#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The queue's PPD as built (ppd/mmprint.drv -> ppdc): cupstestppd passes,
# with our pdftomm filter in place as its *cupsFilter2 line demands, and the
# options a handläggare and a script rely on are there with Swedish labels.
. "$(dirname "$0")/lib.sh"

PPD=$MM_BUILDDIR/ppd/mmprint.ppd
check "the build produced ppd/mmprint.ppd" test -f "$PPD"

# cupstestppd looks for filter programs under ROOT/usr/lib/cups/filter.
mkdir -p "$T/root/usr/lib/cups/filter"
ln -s "$MM_BUILDDIR/filter/pdftomm" "$T/root/usr/lib/cups/filter/pdftomm"
out=$(cupstestppd -R "$T/root" "$PPD" 2>&1); rc=$?
is "cupstestppd exit status (0 = PASS)" "$rc" 0
contains "cupstestppd says PASS" "$out" "PASS"
diag "$out"

# Without the filter installed the PPD must not pass: the test above is real.
mkdir -p "$T/empty/usr/lib/cups/filter"
out=$(cupstestppd -R "$T/empty" "$PPD" 2>&1)
contains "cupstestppd notices a missing pdftomm" "$out" 'Missing cupsFilter2 file'

ppd=$(cat "$PPD")
contains "routes PDF to pdftomm before pdftopdf" "$ppd" '*cupsFilter2: "application/pdf application/vnd.mmprint-job 0 pdftomm"'
contains "model Mina meddelanden" "$ppd" '*ShortNickName: "Mina meddelanden"'
contains "manufacturer mmprint" "$ppd" '*Manufacturer: "mmprint"'
contains "Personnummer: a None choice" "$ppd" '*Personnummer None/'
contains "Personnummer: custom string (fax-style)" "$ppd" '*CustomPersonnummer True'
contains "Personnummer: one string parameter" "$ppd" 'string 0 20'
contains "Arende: custom string" "$ppd" '*CustomArende True'
contains "Arende is labelled Ärende in Swedish" "$ppd" '*sv.Translation Arende/Ärende'
contains "Leverans default: Digitalt, annars papper" "$ppd" '*DefaultMMPolicy: digital-else-paper'
contains "Leverans: Endast digitalt" "$ppd" '*MMPolicy digital-only/Endast digitalt'
contains "Leverans: Endast papper" "$ppd" '*MMPolicy paper-only/Endast papper'
contains "Massutskick: off unless the queue says so" "$ppd" '*DefaultMMBatch: False'
contains "Massutskick: Ja" "$ppd" '*MMBatch True/Ja'
contains "Dela upp i brev default: auto" "$ppd" '*DefaultMMSplit: auto'
contains "Dela upp i brev: bookmarks, in Swedish" "$ppd" '*sv.MMSplit outline/Efter bokmärken'
contains "Dela upp i brev: page text" "$ppd" '*MMSplit text/'

# The user-visible options, in order (a dialog lists the *OpenUI entries).
opts=$(python3 - "$PPD" <<'PY'
import sys
ui = [l.split()[1].lstrip("*").split("/")[0] for l in open(sys.argv[1], encoding="latin-1") if l.startswith("*OpenUI")]
print(" ".join(ui))
PY
)
is "the options a dialog shows" "$opts" "PageSize PageRegion Personnummer Arende MMPolicy MMPostClass MMLetterType MMBatch MMSplit"
done_testing
