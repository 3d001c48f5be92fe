#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# The built pdftomm filter run as CUPS runs it (job-id user title copies
# options [file]) on generated PDFs: the job bundle on stdout, the Swedish
# INFO/ERROR lines on stderr, exit statuses, and the CUPS filter chain
# through cupsfilter (PDF and PostScript).
. "$(dirname "$0")/lib.sh"

F=$MM_BUILDDIR/filter/pdftomm
PPD=$MM_BUILDDIR/ppd/mmprint.ppd
D=$T/pdf
python3 "$MM_SRCDIR/tests/data/pdf/mkpdfs.py" "$D" || { not_ok "test PDFs generated"; done_testing; exit 1; }
# The sender's own organisation number (the letterhead's Org.nr).
printf 'sender_org_number = 212000-0142\n' > "$T/filter.conf"
export MMPRINT_FILTER_CONF=$T/filter.conf
unset PPD_ENV

# run NAME ARGS...: runs the filter; $T/NAME.out, $T/NAME.err, $T/NAME.rc
run() {
  local name=$1; shift
  "$F" "$@" >"$T/$name.out" 2>"$T/$name.err"
  echo $? >"$T/$name.rc"
}
# hdr NAME KEY: one header value of the bundle NAME wrote
hdr() { sed -n '/^$/q; s/^'"$2"': //p' "$T/$1.out"; }
# The document part of a bundle: everything after the first empty line.
body() { python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(d[d.index(b"\n\n")+2:])' "$T/$1.out"; }

# --- a letter with the recipient in its text, file given as argv[6] -------
run text 42 anna "Beslut om bistånd" 1 "job-originating-host-name=desk1.example job-uuid=urn:uuid:1" "$D/text-label.pdf"
is "text: exit status 0" "$(cat "$T/text.rc")" 0
is "text: bundle starts with the magic line" "$(head -n 1 "$T/text.out")" "MMPRINT-JOB 1"
is "text: recipient (12 digits)" "$(hdr text recipient)" 191212121212
is "text: recipient-source" "$(hdr text recipient-source)" text
is "text: title from argv[3]" "$(hdr text title)" "Beslut om bistånd"
is "text: user from argv[2]" "$(hdr text user)" anna
is "text: CUPS job id from argv[1]" "$(hdr text cups-job-id)" 42
is "text: host from job-originating-host-name" "$(hdr text host)" desk1.example
is "text: default policy" "$(hdr text policy)" digital-else-paper
is "text: page count" "$(hdr text pages)" 1
is "text: document-length is the file size" "$(hdr text document-length)" "$(stat -c %s "$D/text-label.pdf")"
body text >"$T/text.body.pdf"
check "text: the PDF travels unchanged" cmp -s "$T/text.body.pdf" "$D/text-label.pdf"
contains "text: Swedish INFO line naming the source" "$(cat "$T/text.err")" "INFO: Mottagare hittad i dokumentets text: 19121212-****"
check_fails "text: the full number never reaches stderr" grep -q -e 191212121212 -e 19121212-1212 "$T/text.err"

# --- the same from stdin (the filter is not first in the chain) ----------
"$F" 43 anna "Beslut" 1 "" <"$D/text-label.pdf" >"$T/stdin.out" 2>"$T/stdin.err"
is "stdin: exit status 0" "$?" 0
is "stdin: recipient" "$(hdr stdin recipient)" 191212121212
body stdin >"$T/stdin.body.pdf"
check "stdin: the PDF travels unchanged" cmp -s "$T/stdin.body.pdf" "$D/text-label.pdf"

# --- every source, as the filter sees it ------------------------------------
source_case() { # NAME FILE OPTIONS TITLE NUMBER SOURCE SWEDISH
  run "$1" 7 anna "$4" 1 "$3" "$D/$2"
  is "$1: recipient" "$(hdr "$1" recipient)" "$5"
  is "$1: source" "$(hdr "$1" recipient-source)" "$6"
  contains "$1: INFO names the source in Swedish" "$(cat "$T/$1.err")" "$7"
}
source_case option plain.pdf "Personnummer=Custom.19811218-9876" Beslut 198112189876 option "utskriftsalternativet Personnummer"
source_case billing plain.pdf "job-billing=198112189876" Beslut 198112189876 billing "job-billing"
source_case info info-mmrecipient.pdf "" Beslut 191212121212 info "dokumentets egenskaper (PDF Info)"
source_case xmp xmp-element.pdf "" Beslut 191212121212 xmp "dokumentets metadata (XMP)"
source_case keywords keywords.pdf "" Beslut 191212121212 keywords "dokumentets nyckelord"
source_case subject subject-label.pdf "" Beslut 191212121212 subject "dokumentets ämne"
source_case title plain.pdf "" "mm:19811218-9876 Beslut om bygglov" 198112189876 title "jobbets namn"
is "title: the marker is taken out of the letter's title" "$(hdr title title)" "Beslut om bygglov"
run marker-other 7 anna "Beslut mm:19811218-9876" 1 "Personnummer=191212121212" "$D/plain.pdf"
is "a title marker is removed even when another source won" "$(hdr marker-other title)" "Beslut"
run marker-not 7 anna "Protokoll kl 10 mm:ss comm:5" 1 "" "$D/plain.pdf"
is "text that only looks like a marker stays in the title" "$(hdr marker-not title)" "Protokoll kl 10 mm:ss comm:5"
source_case precedence precedence.pdf "Personnummer=None" Beslut 191212121212 info "PDF Info"
source_case own-org text-label.pdf "" Beslut 191212121212 text "dokumentets text"

# The sender's number is what keeps the letterhead's Org.nr out: without
# the config the same letter has two labelled numbers and is held.
MMPRINT_FILTER_CONF=$T/nonexistent.conf "$F" 7 anna Beslut 1 "" "$D/text-label.pdf" >"$T/noconf.out" 2>"$T/noconf.err"
is "no filter.conf: the letterhead's Org.nr makes the text ambiguous" "$(hdr noconf recipient)" ""
contains "no filter.conf: ... and the problem says so" "$(hdr noconf recipient-problem)" "2 different labelled numbers"
printf 'sender_org_number = 212000-0142\nsender_name = Exempelkommun\n' >"$T/extra.conf"
MMPRINT_FILTER_CONF=$T/extra.conf "$F" 7 anna Beslut 1 "" "$D/text-label.pdf" >"$T/extra.out" 2>"$T/extra.err"
is "unknown filter.conf key: the job still goes on" "$(hdr extra recipient)" 191212121212
contains "unknown filter.conf key: a warning names it" "$(cat "$T/extra.err")" "WARNING: Okänd inställning 'sender_name'"
printf 'sender_org_number = 212000-0142\nthis line is not a setting\n' >"$T/broken.conf"
MMPRINT_FILTER_CONF=$T/broken.conf "$F" 7 anna Beslut 1 "" "$D/text-label.pdf" >"$T/badconf.out" 2>"$T/badconf.err"
is "unreadable filter.conf: exit 1" "$?" 1
contains "unreadable filter.conf: Swedish ERROR line" "$(cat "$T/badconf.err")" "ERROR: Skrivarens inställningar är felaktiga"

# --- no recipient: still a bundle, so the backend can hold the job --------
for f in plain text-two text-no-label; do
  run "none-$f" 8 anna Beslut 1 "" "$D/$f.pdf"
  is "$f: exit status 0 (the job goes on to be held)" "$(cat "$T/none-$f.rc")" 0
  is "$f: no recipient in the bundle" "$(hdr "none-$f" recipient)" ""
  check "$f: recipient-problem says why" test -n "$(hdr "none-$f" recipient-problem)"
  contains "$f: Swedish INFO line" "$(cat "$T/none-$f.err")" "– jobbet hålls"
done
contains "nothing anywhere: Swedish INFO line" "$(cat "$T/none-plain.err")" "INFO: Ingen mottagare hittad – jobbet hålls"
contains "two numbers in the text: Swedish INFO line says so" "$(cat "$T/none-text-two.err")" "INFO: Flera olika personnummer i dokumentets text – jobbet hålls"
run invalid 9 anna Beslut 1 "Personnummer=19121212-1213" "$D/info-mmrecipient.pdf"
is "invalid option: no recipient (not the PDF's)" "$(hdr invalid recipient)" ""
contains "invalid option: the problem names the source" "$(hdr invalid recipient-problem)" "invalid number in option"
contains "invalid option: Swedish INFO line" "$(cat "$T/invalid.err")" "INFO: Ogiltigt personnummer i utskriftsalternativet Personnummer"
check_fails "invalid option: the typed number is not echoed" grep -q 19121212-1213 "$T/invalid.err" "$T/invalid.out"

# --- options: Ärende, Leverans, department; the PPD default ---------------
run opts 10 anna Beslut 1 "Arende=Custom.Beslut\\ om\\ bygglov MMPolicy=paper-only mm-department=Bygglov" "$D/text-label.pdf"
is "Arende (Custom.text) becomes the subject" "$(hdr opts subject)" "Beslut om bygglov"
is "MMPolicy becomes the policy" "$(hdr opts policy)" paper-only
is "mm-department" "$(hdr opts department)" Bygglov
sed 's/^\*DefaultMMPolicy: .*/*DefaultMMPolicy: digital-only/' "$PPD" >"$T/digital-only.ppd"
PPD=$T/digital-only.ppd "$F" 11 anna Beslut 1 "" "$D/text-label.pdf" >"$T/ppddef.out" 2>/dev/null
is "the queue's PPD default policy applies when the job has none" "$(hdr ppddef policy)" digital-only
PPD=$T/digital-only.ppd "$F" 11 anna Beslut 1 "MMPolicy=digital-else-paper" "$D/text-label.pdf" >"$T/ppdover.out" 2>/dev/null
is "the job's own choice beats the PPD default" "$(hdr ppdover policy)" digital-else-paper
run badpolicy 12 anna Beslut 1 "MMPolicy=sometimes" "$D/text-label.pdf"
is "unknown MMPolicy: exit 1" "$(cat "$T/badpolicy.rc")" 1
contains "unknown MMPolicy: Swedish ERROR line" "$(cat "$T/badpolicy.err")" "ERROR: Okänt val för Leverans"

# --- unusable input: ERROR line, exit 1, nothing passed on ----------------
bad_case() { # FILE SWEDISH
  run "bad-$1" 13 anna Beslut 1 "Personnummer=191212121212" "$D/$1"
  is "$1: exit status 1 (CUPS stops the job)" "$(cat "$T/bad-$1.rc")" 1
  contains "$1: Swedish ERROR line" "$(cat "$T/bad-$1.err")" "ERROR: $2"
  is "$1: nothing on stdout" "$(stat -c %s "$T/bad-$1.out")" 0
}
bad_case broken.pdf "Dokumentet är inte en läsbar PDF-fil"
bad_case not-a-pdf.bin "Dokumentet är inte en läsbar PDF-fil"
bad_case encrypted.pdf "PDF-filen är krypterad"
bad_case owner-only.pdf "PDF-filen är krypterad"
bad_case nopages.pdf "PDF-filen har inga sidor"
bad_case empty.pdf "Dokumentet är tomt"
{ printf '%%PDF-1.4\n'; head -c $((32 * 1024 * 1024)) /dev/zero; } >"$T/huge.pdf"
"$F" 14 anna Beslut 1 "" <"$T/huge.pdf" >"$T/huge.out" 2>"$T/huge.err"
is "over 32 MiB on stdin: exit 1" "$?" 1
contains "over 32 MiB: Swedish ERROR line" "$(cat "$T/huge.err")" "ERROR: Dokumentet är för stort"
run huge-file 14 anna Beslut 1 "" "$T/huge.pdf"
is "over 32 MiB as argv[6]: exit 1" "$(cat "$T/huge-file.rc")" 1
rm -f "$T/huge.pdf"
"$F" 1 anna >/dev/null 2>"$T/usage.err"
is "wrong argument count: exit 1" "$?" 1
contains "wrong argument count: usage line" "$(cat "$T/usage.err")" "Usage:"

# --- through CUPS's filter chain (cupsfilter with our PPD) ---------------
# ServerBin mirrors the system one plus our filter; our .types/.convs in
# ServerRoot make application/vnd.mmprint-job known to cupsfilter.
SB=$T/serverbin
for sub in /usr/lib/cups/*/; do
  sub=${sub%/}; mkdir -p "$SB/${sub##*/}"
  for f in "$sub"/*; do ln -sf "$f" "$SB/${sub##*/}/"; done
done
ln -sf "$F" "$SB/filter/pdftomm"
mkdir -p "$T/etc"
cp "$MM_SRCDIR/filter/mmprint.types" "$MM_SRCDIR/filter/mmprint.convs" "$T/etc/"
printf 'ServerBin %s\n' "$SB" >"$T/etc/cups-files.conf"
cupsf() { CUPS_SERVERROOT=$T/etc cupsfilter -c "$T/etc/cups-files.conf" -p "$PPD" -m application/vnd.mmprint-job "$@"; }
cupsf -t "Beslut" "$D/keywords.pdf" >"$T/cf.out" 2>"$T/cf.err"
is "cupsfilter PDF: exit 0" "$?" 0
is "cupsfilter PDF: recipient from the untouched PDF's keywords" "$(hdr cf recipient)" 191212121212
is "cupsfilter PDF: source" "$(hdr cf recipient-source)" keywords
check_fails "cupsfilter PDF: pdftopdf did not run first" grep -q 'pdftopdf (PID' "$T/cf.err"
# (cupsfilter gives filters a fixed environment, so MMPRINT_FILTER_CONF does
# not reach pdftomm here: no Org.nr line in this letterhead.)
cat >"$T/letter.ps" <<'EOF'
%!PS-Adobe-3.0
%%Pages: 1
%%EndComments
%%Page: 1 1
/Helvetica findfont 12 scalefont setfont
72 760 moveto (Exempelkommun) show
72 744 moveto (Personnummer: 19811218-9876) show
72 728 moveto (Beslut om bistand) show
showpage
%%EOF
EOF
cupsf "$T/letter.ps" >"$T/ps.out" 2>"$T/ps.err"
is "cupsfilter PostScript: exit 0" "$?" 0
is "cupsfilter PostScript: recipient from the page text" "$(hdr ps recipient)" 198112189876
is "cupsfilter PostScript: source" "$(hdr ps recipient-source)" text
body ps >"$T/ps.body.pdf"
is "cupsfilter PostScript: the bundle carries a PDF" "$(head -c 5 "$T/ps.body.pdf")" "%PDF-"
cupsf "$D/encrypted.pdf" >"$T/cfbad.out" 2>"$T/cfbad.err"
check "cupsfilter encrypted PDF: the chain fails" test "$(stat -c %s "$T/cfbad.out")" -eq 0
contains "cupsfilter encrypted PDF: Swedish ERROR line" "$(cat "$T/cfbad.err")" "ERROR: PDF-filen är krypterad"
done_testing
