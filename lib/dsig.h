/* SPDX-License-Identifier: EUPL-1.2 */
/* Mina meddelanden XML-DSig, the umbrella: one-time initialisation of
 * libxml2 and xmlsec1, and the modules that do the work:
 *   c14n.h       the prefix-free canonical form (§4.3) and its escaping
 *   signer.h     the organisation's signer and enveloped RSA-SHA256 signing
 *   sigverify.h  verification the way a mailbox operator does it
 *   cert.h       certificate names and the decoded-certificate cache */
#ifndef MM_DSIG_H
#define MM_DSIG_H

#include "c14n.h"
#include "cert.h"
#include "error.h"
#include "signer.h"
#include "sigverify.h"

/* Initialises libxml2 + xmlsec once per process (thread-safe to call
 * again; call before threads start).  mm_dsig_shutdown is a no-op kept
 * for symmetry: xmlsec and OpenSSL clean up at exit. */
int mm_dsig_init(mm_error *err);
void mm_dsig_shutdown(void);

/* The first xmlsec error reported on this thread since the last reset
 * ("" when none), for error messages; library code never prints them. */
void mm_dsig_error_reset(void);
const char *mm_dsig_error_text(void);

#endif
