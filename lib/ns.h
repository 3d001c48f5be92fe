/* SPDX-License-Identifier: EUPL-1.2 */
/* The XML namespaces of Mina meddelanden, SOAP 1.1 and XML-DSig. */
#ifndef MM_NS_H
#define MM_NS_H

#define MM_NS_SOAP   "http://schemas.xmlsoap.org/soap/envelope/"
#define MM_NS_M1     "http://minameddelanden.gov.se/schema/Message"
#define MM_NS_M2     "http://minameddelanden.gov.se/schema/Message/v2"
#define MM_NS_M3     "http://minameddelanden.gov.se/schema/Message/v3"
#define MM_NS_SND    "http://minameddelanden.gov.se/schema/Sender"
#define MM_NS_RCP    "http://minameddelanden.gov.se/schema/Recipient"
#define MM_NS_RCP3   "http://minameddelanden.gov.se/schema/Recipient/v3"
#define MM_NS_SVC    "http://minameddelanden.gov.se/schema/Service"
#define MM_NS_SVC3   "http://minameddelanden.gov.se/schema/Service/v3"
#define MM_NS_C1     "http://minameddelanden.gov.se/schema/Common"
#define MM_NS_C3     "http://minameddelanden.gov.se/schema/Common/v3"
#define MM_NS_AUTH   "http://minameddelanden.gov.se/Authority"
#define MM_NS_DISP   "http://minameddelanden.gov.se/schema/Dispatcher"
#define MM_NS_DS     "http://www.w3.org/2000/09/xmldsig#"

#endif
