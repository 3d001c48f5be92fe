/* SPDX-License-Identifier: EUPL-1.2 */
/* One-time initialisation of libxml2 and xmlsec1 for the signature
 * modules, and the capture of xmlsec's errors (it would print them). */
#include "dsig.h"

#include <pthread.h>
#include <stdio.h>

#include <libxml/parser.h>

#include <xmlsec/base64.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;
static char init_msg[160];

/* Library code never prints: xmlsec's default callback writes to stderr.
 * The first xmlsec error of this thread (since reset) goes into our error messages. */
static __thread char xmlsec_last[200];

static void quiet_xmlsec(const char *file, int line, const char *func, const char *obj,
                         const char *subj, int reason, const char *msg)
{
    (void)file; (void)line; (void)reason;
    if (xmlsec_last[0])
        return; /* the first error is the root cause */
    snprintf(xmlsec_last, sizeof xmlsec_last, "%s: %s%s%s%s%s", func ? func : "?", obj ? obj : "",
             obj ? " " : "", subj ? subj : "", subj ? ": " : "", msg ? msg : "");
}

static void do_init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0) {
        init_failed = 1;
        snprintf(init_msg, sizeof init_msg, "xmlsec initialisation failed");
        return;
    }
    if (xmlSecCheckVersion() != 1) {
        init_failed = 1;
        snprintf(init_msg, sizeof init_msg, "xmlsec library version is not compatible");
        return;
    }
    if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
        init_failed = 1;
        snprintf(init_msg, sizeof init_msg, "xmlsec-openssl initialisation failed");
        return;
    }
    xmlSecErrorsSetCallback(quiet_xmlsec); /* after init, which installs the default */
    /* §4.4: base64 on one line, no line feeds inserted into templates. */
    /* xmlsec rejects 0 ("no breaks"); a line longer than any value will do. */
    xmlSecBase64SetDefaultLineSize(1 << 26);
    xmlSecSetDefaultLineFeed(BAD_CAST "");
}

int mm_dsig_init(mm_error *err)
{
    pthread_once(&init_once, do_init);
    if (init_failed)
        return mm_error_set(err, MM_ERR_SYSTEM, 0, "%s", init_msg);
    return 0;
}

void mm_dsig_shutdown(void)
{
    /* xmlsec and OpenSSL clean up at exit; shutting down while other
     * threads may still sign would be unsafe, so this is deliberately a
     * no-op kept for symmetry with mm_dsig_init. */
}

void mm_dsig_error_reset(void)
{
    xmlsec_last[0] = 0;
}

const char *mm_dsig_error_text(void)
{
    return xmlsec_last;
}
