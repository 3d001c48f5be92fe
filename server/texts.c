/* SPDX-License-Identifier: EUPL-1.2 */
/* The Swedish texts of mmprintd (see texts.h). */
#include "texts.h"

static const char *const sv_texts[SRV_SV_COUNT] = {
    [SRV_SV_DIGITAL] = "mottagaren har en digital brevlåda",
    [SRV_SV_PAPER_ASKED] = "pappersutskrift begärd",
    [SRV_SV_FAR_NO_ANSWER] = "adressregistret svarade inte",
    [SRV_SV_CANNOT_SEAL] = "brevet kan inte skickas digitalt",
    [SRV_SV_SEND_LATE] = "den digitala leveransen lyckades inte i tid",
    [SRV_SV_NOT_DELIVERED] = "den digitala brevlådan tog inte emot brevet",
    [SRV_SV_REFUSED] = "den digitala brevlådan avvisade brevet",
    [SRV_SV_PRINT_UNREADABLE] = "brevet kunde inte läsas för utskrift",
    [SRV_SV_PRINT_LATE] = "brevet kunde inte skrivas ut i tid",
    [SRV_SV_PRINTER_UNTRUSTED] = "skrivaren i utskriftsrummet kunde inte verifieras (fel certifikat), brevet "
                                 "skickades inte dit",
    [SRV_SV_CANCELLED_IN_CUPS] = "avbrutet i utskriftskön",
    [SRV_SV_NO_RECIPIENT] = "personnummer saknas",
    [SRV_SV_RECIPIENT_UNSURE] = "mottagaren i brevet kunde inte avgöras säkert",
    [SRV_SV_RECIPIENT_INVALID] = "numret i jobbet är inget giltigt personnummer (kontrollsiffran eller datumet "
                                 "stämmer inte)",
    [SRV_SV_IMAGE_ONLY] = "brevet kom som en bild utan text, så mottagaren kunde inte läsas ur det",
    [SRV_SV_REACH_NOT_FOUND] = "mottagaren har ingen digital brevlåda",
    [SRV_SV_REACH_NO_MAILBOX] = "mottagaren har ingen digital brevlåda",
    [SRV_SV_REACH_ANONYMOUS] = "mottagaren har ingen säker digital brevlåda",
    [SRV_SV_REACH_OTHER_TYPE] = "mottagaren har ingen säker digital brevlåda",
    [SRV_SV_REACH_PENDING] = "mottagarens digitala brevlåda är inte klar att använda ännu",
    [SRV_SV_REACH_SENDER_REFUSED] = "mottagaren tar inte emot digital post från avsändaren",
    [SRV_SV_REACH_NO_ADDRESS] = "mottagarens digitala brevlåda saknar adress",
    [SRV_SV_INTERNAL] = "Internt fel i servern, försök igen senare",
    [SRV_SV_NOT_FOUND] = "Finns inte",
    [SRV_SV_JOB_NOT_FOUND] = "Jobbet finns inte",
    [SRV_SV_METHOD] = "Fel metod",
    [SRV_SV_DRAINING] = "Servern startar om, jobbet skickas igen strax",
    [SRV_SV_BUSY] = "Servern är upptagen, jobbet skickas igen strax",
    [SRV_SV_TOO_MANY_REQUESTS] = "Datorn skickar för många förfrågningar just nu, jobbet skickas igen strax",
    [SRV_SV_TOO_LARGE] = "Dokumentet är för stort (högst 32 MB)",
    [SRV_SV_CLIENT_NOT_ALLOWED] = "Datorn saknar giltigt certifikat för utskriftsservern",
    [SRV_SV_BAD_KEY] = "Ogiltig jobbnyckel (Idempotency-Key)",
    [SRV_SV_BAD_BUNDLE] = "Utskriftsjobbet kunde inte läsas av servern",
    [SRV_SV_BAD_DOCUMENT_TYPE] = "Endast PDF-dokument kan skickas",
    [SRV_SV_NOT_PDF] = "Dokumentet är inte en PDF",
    [SRV_SV_BAD_POLICY] = "Okänt leveranssätt (policy)",
    [SRV_SV_BAD_RECIPIENT] = "Ogiltigt personnummer",
    [SRV_SV_HAS_RECIPIENT] = "Jobbet väntar inte på något personnummer",
    [SRV_SV_NOT_CANCELLABLE] = "Jobbet har redan skickats och kan inte avbrytas",
    [SRV_SV_ALREADY_FINAL] = "Jobbet är redan avslutat och ändras inte",
    [SRV_SV_MAY_NOT_CANCEL] = "Du har inte behörighet att avbryta jobbet",
    [SRV_SV_MAY_NOT_RESOLVE] = "Du har inte behörighet att hantera jobbet",
    [SRV_SV_MAY_NOT_SEE_EXCEPTIONS] = "Du har inte behörighet att se undantagen",
    [SRV_SV_MAY_NOT_SUBMIT] = "Du har inte behörighet att skicka brev",
    [SRV_SV_MAY_NOT_COMPLETE] = "Du har inte behörighet att ange mottagare för jobbet",
    [SRV_SV_MAY_NOT_LIST] = "Du har inte behörighet att se jobben",
    [SRV_SV_MAY_NOT_PRECHECK] = "Du har inte behörighet att kontrollera mottagare",
    [SRV_SV_MAY_NOT_METRICS] = "Du har inte behörighet att se statistiken",
    [SRV_SV_PRECHECK_RATE] = "För många kontroller av mottagare på kort tid. Vänta en stund och försök igen.",
    [SRV_SV_BAD_ACTION] = "Okänd åtgärd: ange reprint, handled eller cancel",
    [SRV_SV_NOT_EXCEPTION] = "Jobbet finns inte bland undantagen: brevet har nått mottagaren, väntar fortfarande "
                         "eller är redan hanterat",
    [SRV_SV_NO_DOCUMENT] = "Brevet finns inte längre kvar i servern och kan inte skrivas ut igen",
    [SRV_SV_BAD_SINCE] = "Ogiltigt datum (since): använd ÅÅÅÅ-MM-DD",
    [SRV_SV_BAD_FILTER] = "Ogiltigt filter",
    [SRV_SV_FAR_UNAVAILABLE] = "Adressregistret svarar inte just nu",
};

const char *srv_sv(srv_text text)
{
    return text >= 0 && text < SRV_SV_COUNT && sv_texts[text] ? sv_texts[text] : "";
}
