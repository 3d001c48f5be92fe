#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Who a letter found in its text is for, through the whole print path (real
# cupsd + lp, pdftomm, the mmprint backend, mmprintd, mmsimd), with NO
# filter.conf on the desktop, as the demo runs it (issue 8 part 3):
# - a letter is never addressed to the sender: the letterhead's
#   "Org.nr 212000-0142" (Exempelkommun, 162120000142) is the server's own
#   number, whatever source names it;
# - a number labelled as someone else's ("Barnets personnummer") is not the
#   recipient's;
# - labels above the number in a table (iText 2.1.7 as in JasperReports,
#   LibreOffice) count, and abbreviated labels (Samordningsnr) too.
# The sender has a mailbox in the simulator, so a letter wrongly addressed
# to it would show up there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cups.sh"

FOOTER="Exempelkommun, 123 45 Exempelstad. Org.nr 212000-0142"
A=$(test_pnr 111)    # plain letters
D=$(test_pnr 222)    # iText table
E=$(test_pnr 333)    # LibreOffice table
G=$(test_pnr 444)    # the guardian, given by the handläggare
SNR=197010632391     # samordningsnummer (Skatteverket's example 701063-2391)
ORG=165560160680     # a company as recipient
CHILD=$(python3 -c 'import json,sys; print([p for p in json.load(open(sys.argv[1])) if p.startswith("20")][7])' \
  "$MM_SHARED/testdata/ids/personnummer-meta/allPins.json")
dash() { echo "${1:0:8}-${1:8:4}"; }
short() { echo "${1:2:6}-${1:8:4}"; }

# Letters the simulated mailboxes received for NUMBER as recipient (index.tsv
# field 4; the sender's number is in every line as field 5).
inbox_to() { # NUMBER
  [ -f "$SIM_INBOX/index.tsv" ] || { echo 0; return; }
  awk -F'\t' -v n="$1" '$4 == n' "$SIM_INBOX/index.tsv" | wc -l
}
wait_inbox_to() { # NUMBER COUNT SECONDS
  local i
  for ((i = 0; i < ${3:-20} * 5; i++)); do
    [ "$(inbox_to "$1")" -ge "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
# POST with the workstation's certificate; prints "STATUS BODY".
srv_post() { # PATH JSON
  curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/client-desk1.crt" --key "$PKI/client-desk1.key" \
    -H 'Content-Type: application/json' -X POST --data "$2" -w ' %{http_code}' "https://127.0.0.1:$SRV_PORT$1"
}
# The server's job for a CUPS job id.
server_job() { # CUPS_JOB_ID
  srv_get "/api/v1/jobs" | python3 -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]:
    if j.get("cups_job_id") == sys.argv[1]:
        print(j["id"])' "$1" | tail -n 1
}

# The report generators are part of the test: missing ones are a failure.
if ! command -v javac >/dev/null || ! ls /usr/share/java/itext*.jar >/dev/null 2>&1; then
  not_ok "javac and iText are installed (tools/install-deps: default-jdk-headless libitext-java)"
  done_testing; exit 1
fi
if ! command -v soffice >/dev/null; then
  not_ok "LibreOffice is installed (tools/install-deps installs libreoffice-writer)"
  done_testing; exit 1
fi

start_stack "$(sim_recipient "$A")" "$(sim_recipient "$D")" "$(sim_recipient "$E")" "$(sim_recipient "$G")" \
  "$(sim_recipient "$SNR")" "$(sim_recipient "$ORG")" "$(sim_recipient "$CHILD")" "$(sim_recipient "$ORG_NR")" ||
  { not_ok "the print path starts"; done_testing; exit 1; }
ok "the print path starts"
check "no filter.conf on this desktop (as in the demo)" test ! -e /etc/mmprint/filter.conf

# held NAME JOBID WANT...: the job is held, and its CUPS line says WANT.
held() {
  local name=$1 id=$2; shift 2
  check "$name: held in CUPS" wait_job_state "$id" pending-held 40
  local msg w
  msg=$(job_message "$id")
  contains "$name: the CUPS line says a number is missing" "$msg" "Personnummer saknas"
  for w in "$@"; do contains "$name: ... and why: '$w'" "$msg" "$w"; done
  contains "$name: ... and how to add it" "$msg" "-o Personnummer="
}
delivered() { # NAME JOBID NUMBER
  check "$1: completes in CUPS" wait_job_state "$2" completed 60
  wait_inbox_to "$3" 1 30
  is "$1: one letter in the mailbox of $(short "$3" | cut -c1-6)-****" "$(inbox_to "$3")" 1
  contains "$1: the CUPS job says it was delivered" "$(job_log "$2")" "Levererat digitalt till Kivra"
}

# --- 1. The letterhead's Org.nr and no personnummer ------------------------
make_letter "$T/org-only.pdf" "text:Exempelkommun" "text:Socialförvaltningen" "text:Beslut om bygglov" \
  "text:Ärendet avslutas." "text:$FOOTER"
orgonly=$(submit "$T/org-only.pdf")
held "Org.nr footer, no personnummer" "$orgonly" "bara avsändarens eget organisationsnummer"

# --- 2. Only an unlabelled personnummer, and the Org.nr --------------------
make_letter "$T/unlabelled.pdf" "text:Exempelkommun" "text:Angående $(dash "$A")" "text:Beslut om bistånd" \
  "text:$FOOTER"
id=$(submit "$T/unlabelled.pdf")
held "unlabelled personnummer + Org.nr" "$id" "bara avsändarens eget organisationsnummer"
is "unlabelled personnummer: nothing in that person's mailbox" "$(inbox_to "$A")" 0

# --- 3. A labelled personnummer and the Org.nr ------------------------------
make_letter "$T/labelled.pdf" "text:Exempelkommun" "text:Beslut om bistånd" "text:Personnummer: $(dash "$A")" \
  "text:$FOOTER"
id=$(submit "$T/labelled.pdf")
delivered "Personnummer + Org.nr footer" "$id" "$A"

# --- 4. The child's number in a letter to the guardians ---------------------
make_letter "$T/child.pdf" "text:Exempelkommun" "text:Till vårdnadshavare för Kalle Andersson" \
  "text:Beslut om skolskjuts" "text:Barnets personnummer: $(dash "$CHILD")" "text:$FOOTER"
id=$(submit "$T/child.pdf")
held "'Barnets personnummer' to 'Till vårdnadshavare'" "$id" "barnets" "inte mottagarens"
is "'Barnets personnummer': nothing in the child's mailbox" "$(inbox_to "$CHILD")" 0
# The handläggare gives the guardian's number: the letter goes there.
check "the guardian's number completes it (lp -i … -H resume)" lp -i "$id" -o "Personnummer=$G" -H resume
delivered "the letter to the guardians, completed" "$id" "$G"
is "... and still nothing for the child" "$(inbox_to "$CHILD")" 0

# --- 5. iText 2.1.7 (JasperReports' PDF library): a table and a report -----
mkdir -p "$T/java"
cat > "$T/java/Letters.java" <<'JAVA'
import com.lowagie.text.*;
import com.lowagie.text.pdf.*;
import java.io.FileOutputStream;

/* Two letters as case-management reports lay them out: a PdfPTable whose
 * header row has "Personnummer" over the number, and text fields placed at
 * fixed positions the way JasperReports' exporter draws a column header band
 * over a detail band.  Both with the municipality's Org.nr in the footer. */
public class Letters {
    static void footer(PdfWriter w, final String text) {
        w.setPageEvent(new PdfPageEventHelper() {
            public void onEndPage(PdfWriter wr, Document d) {
                ColumnText.showTextAligned(wr.getDirectContent(), Element.ALIGN_CENTER,
                    new Phrase(text, new Font(Font.HELVETICA, 8)), 297, 30, 0);
            }
        });
    }
    public static void main(String[] a) throws Exception {
        String number = a[2], foot = a[3];
        Document d = new Document(PageSize.A4);
        PdfWriter w = PdfWriter.getInstance(d, new FileOutputStream(a[0]));
        footer(w, foot);
        d.open();
        d.add(new Paragraph("Exempelkommun, Socialförvaltningen"));
        d.add(new Paragraph("Beslut om bistånd"));
        PdfPTable t = new PdfPTable(3);
        t.setWidthPercentage(100);
        Font b = new Font(Font.HELVETICA, 10, Font.BOLD);
        t.addCell(new Phrase("Namn", b));
        t.addCell(new Phrase("Personnummer", b));
        t.addCell(new Phrase("Beslutsdatum", b));
        t.addCell("Anna Andersson");
        t.addCell(number);
        t.addCell("2026-11-28");
        d.add(t);
        d.add(new Paragraph("Du har beviljats bistånd enligt socialtjänstlagen."));
        d.close();

        d = new Document(PageSize.A4);
        w = PdfWriter.getInstance(d, new FileOutputStream(a[1]));
        footer(w, foot);
        d.open();
        PdfContentByte cb = w.getDirectContent();
        Font h = new Font(Font.HELVETICA, 9, Font.BOLD), n = new Font(Font.HELVETICA, 9);
        String[] head = {"Namn", "Personnummer", "Diarienummer"};
        String[] row = {"Anna Andersson", number, "SN 2026/0142"};
        for (int i = 0; i < 3; i++) {
            ColumnText.showTextAligned(cb, Element.ALIGN_LEFT, new Phrase(head[i], h), 60 + 150 * i, 700, 0);
            ColumnText.showTextAligned(cb, Element.ALIGN_LEFT, new Phrase(row[i], n), 60 + 150 * i, 686, 0);
        }
        d.add(new Paragraph("Beslut om bistånd"));
        d.close();
    }
}
JAVA
(cd "$T/java" && javac -cp /usr/share/java/itext.jar Letters.java && \
  java -cp /usr/share/java/itext.jar:. Letters "$T/itext-table.pdf" "$T/itext-report.pdf" "$(dash "$D")" "$FOOTER") \
  >"$T/java/build.log" 2>&1
check "iText wrote the two letters" test -s "$T/itext-table.pdf" -a -s "$T/itext-report.pdf"
contains "iText 2.1.7 made them (Producer)" "$(pdfinfo "$T/itext-table.pdf" 2>&1)" "iText 2.1.7"
id=$(submit "$T/itext-table.pdf")
delivered "iText PdfPTable, 'Personnummer' header over the number" "$id" "$D"
id=$(submit "$T/itext-report.pdf")
check "iText report: completes in CUPS" wait_job_state "$id" completed 60
wait_inbox_to "$D" 2 30
is "iText report (fields at fixed positions): the second letter to the same person" "$(inbox_to "$D")" 2

# --- 6. A LibreOffice table -------------------------------------------------
mkdir -p "$T/lo"
cat > "$T/lo/beslut.fodt" <<FODT
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:body><office:text>
  <text:p>Exempelkommun, Socialförvaltningen</text:p>
  <text:p>Beslut om bostadsanpassning</text:p>
  <table:table table:name="Uppgifter">
   <table:table-column table:number-columns-repeated="3"/>
   <table:table-row>
    <table:table-cell><text:p>Namn</text:p></table:table-cell>
    <table:table-cell><text:p>Personnummer</text:p></table:table-cell>
    <table:table-cell><text:p>Datum</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell><text:p>Eva Ek</text:p></table:table-cell>
    <table:table-cell><text:p>$(dash "$E")</text:p></table:table-cell>
    <table:table-cell><text:p>2026-11-28</text:p></table:table-cell>
   </table:table-row>
  </table:table>
  <text:p>Du har beviljats bidrag till bostadsanpassning.</text:p>
  <text:p>$FOOTER</text:p>
 </office:text></office:body>
</office:document>
FODT
(cd "$T/lo" && timeout 180 soffice --headless -env:UserInstallation=file://$T/lo/profile \
  --convert-to pdf beslut.fodt >"$T/lo/convert.log" 2>&1)
check "LibreOffice exported the table letter" test -s "$T/lo/beslut.pdf"
contains "LibreOffice made it (Producer)" "$(pdfinfo "$T/lo/beslut.pdf" 2>&1)" "LibreOffice"
id=$(submit "$T/lo/beslut.pdf")
delivered "LibreOffice table, 'Personnummer' header over the number" "$id" "$E"

# --- 7. Abbreviated labels ---------------------------------------------------
make_letter "$T/snr.pdf" "text:Exempelkommun" "text:Beslut om ekonomiskt bistånd" \
  "text:Samordningsnr: $(short "$SNR")" "text:$FOOTER"
id=$(submit "$T/snr.pdf")
delivered "'Samordningsnr:' with a 10-digit samordningsnummer" "$id" "$SNR"

# A letter to a company: its Org.nr is the recipient, the sender's is not.
make_letter "$T/company.pdf" "text:Exempelkommun" "text:Mottagare: Bolaget AB" \
  "text:Org. nr. $(short "$ORG")" "text:Beslut om serveringstillstånd" "text:$FOOTER"
id=$(submit "$T/company.pdf")
delivered "a company's 'Org. nr.' next to the sender's" "$id" "$ORG"

# --- 8. The sender's number from the print dialog or the metadata ----------
make_letter "$T/plain.pdf" "text:Beslut" "text:Brevet saknar nummer."
id=$(submit -o "Personnummer=$ORG_NR" "$T/plain.pdf")
held "Personnummer option = the sender's number" "$id" "212000-0142 är avsändarens eget organisationsnummer"
make_letter "$T/xmp-own.pdf" "xmp:http://mmprint.example/ns/1.0/|mm|recipient=$ORG_NR" "text:Beslut"
id=$(submit "$T/xmp-own.pdf")
held "XMP recipient = the sender's number" "$id" "212000-0142 är avsändarens eget organisationsnummer"
# The letter of part 1 released with the sender's number: still held, and
# the CUPS line now says why that number cannot be used.
check "lp -i … -o Personnummer=<sender> -H resume" lp -i "$orgonly" -o "Personnummer=212000-0142" -H resume
held "released with the sender's number" "$orgonly" "numret 212000-0142 är avsändarens eget organisationsnummer"
sid=$(server_job "$id")
check "the server has the held job" test -n "$sid"
out=$(srv_post "/api/v1/jobs/$sid/recipient" "{\"recipient\": \"$ORG_NR\"}")
is "POST …/recipient with the sender's number: 400" "${out##* }" 400
msg=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1].rsplit(" ", 1)[0])["message"])' "$out" 2>&1)
contains "... with a Swedish message" "$msg" "Numret 212000-0142 är avsändarens eget organisationsnummer"
out=$(srv_get "/api/v1/reachability/$ORG_NR"; echo)
contains "the precheck refuses the sender's number" "$out" "own-number"
out=$(srv_post "/api/v1/jobs/$sid/recipient" "{\"recipient\": \"$A\"}")
is "POST …/recipient with a person's number: 200" "${out##* }" 200

# --- Never to the sender ------------------------------------------------------
wait_inbox_to "$A" 2 30
is "the sender's own mailbox received nothing" "$(inbox_to "$ORG_NR")" 0
n=$(srv_get "/api/v1/jobs" | python3 -c '
import json, sys
print(sum(1 for j in json.load(sys.stdin)["jobs"] if j.get("recipient_masked") == sys.argv[1]))' "$ORG_NR")
is "no server job is addressed to the sender" "$n" 0
is "nothing went to paper" "$(printroom_count)" 0

check_no_sanitizer_reports
stop_cupsd
done_testing
