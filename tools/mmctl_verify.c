/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl verify (--ca FILE | --no-chain) [--allow-sha1] [--dispatcher ORGNR]
 * [--strip-blanks] FILE: check every Mina meddelanden signature in a
 * SignedDelivery, SealedDelivery or deliverSecure request as an operator
 * does: the mathematics, the signer's chain, the signer being the Sender,
 * and no SHA-1 unless asked for. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cert.h"
#include "dsig.h"
#include "fileio.h"
#include "idnum.h"
#include "mmctl.h"

#define VERIFY_USAGE                                                                                         \
    "usage: mmctl verify (--ca FILE | --no-chain) [--allow-sha1] [--dispatcher ORGNR] [--strip-blanks] FILE\n" \
    "       (FILE - reads stdin)\n"

static void print_check(const mm_sig_check *c)
{
    printf("%s: digest %s, signature %s", c->element, c->digest_ok ? "ok" : "BAD", c->signature_ok ? "ok" : "BAD");
    if (c->algorithm[0])
        printf(", algorithm %s (digest %s)", c->algorithm, c->digest_algorithm[0] ? c->digest_algorithm : "none");
    if (c->subject[0])
        printf(", signer \"%s\"", c->subject);
    printf(", sender %s %s", c->sender_id[0] ? c->sender_id : "missing", c->sender_ok ? "ok" : "BAD");
    printf(", chain %s", c->chain_ok < 0 ? "not checked" : c->chain_ok ? "ok" : "BAD");
    if (c->problem[0])
        printf(": %s", c->problem);
    putchar('\n');
}

/* One exit path: rc (0 all signatures good, 1 not, 2 cannot check) is set
 * before each jump to out, where the file, the CA store and the report are
 * freed. */
int mmctl_cmd_verify(int argc, char **argv)
{
    int rc = 2, strip = 0, have_report = 0, no_chain = 0, sha1_refused = 0;
    const char *file = NULL, *ca_file = NULL;
    mm_sig_policy policy = {0};
    mm_buf b = MM_BUF_INIT;
    mm_sig_report rep;
    mm_error err;
    mm_error_clear(&err);

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--strip-blanks"))
            strip = 1;
        else if (!strcmp(argv[i], "--allow-sha1"))
            policy.allow_sha1 = 1;
        else if (!strcmp(argv[i], "--no-chain"))
            no_chain = 1;
        else if (!strcmp(argv[i], "--ca") && i + 1 < argc)
            ca_file = argv[++i];
        else if (!strcmp(argv[i], "--dispatcher") && i + 1 < argc)
            policy.dispatcher = argv[++i];
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf(VERIFY_USAGE);
            rc = 0;
            goto out;
        } else if (!file && (strcmp(argv[i], "-") == 0 || argv[i][0] != '-'))
            file = argv[i];
        else {
            fprintf(stderr, VERIFY_USAGE);
            goto out;
        }
    }
    if (!file) {
        fprintf(stderr, VERIFY_USAGE);
        goto out;
    }
    /* A signature is only as good as the trust in its signer: skipping the
     * chain must be asked for. */
    if (!ca_file == !no_chain) {
        fprintf(stderr, "mmctl verify: give --ca FILE (the CA the signer must chain to) or --no-chain\n");
        goto out;
    }
    if (policy.dispatcher && !mm_idnum_sender_id_valid(policy.dispatcher)) {
        fprintf(stderr, "mmctl verify: --dispatcher must be 16 followed by the 10-digit organisation number\n");
        goto out;
    }
    if (ca_file && !(policy.ca = mm_cert_store_load(ca_file, &err))) {
        fprintf(stderr, "mmctl verify: %s\n", err.msg);
        goto out;
    }
    int rd = !strcmp(file, "-") ? mm_fileio_read_fd(STDIN_FILENO, &b, MM_DSIG_MAX_BYTES, NULL)
                                 : mm_fileio_read_file(file, &b, MM_DSIG_MAX_BYTES);
    if (rd < 0) {
        fprintf(stderr, "mmctl verify: cannot read %s (missing, unreadable or over %d bytes)\n", file,
                MM_DSIG_MAX_BYTES);
        goto out;
    }
    if (mm_dsig_verify(b.data ? b.data : "", b.len, strip, &rep, &err) < 0) {
        fprintf(stderr, "mmctl verify: %s: %s\n", file, err.msg);
        rc = 1;
        goto out;
    }
    have_report = 1;
    mm_sig_report_check(&rep, &policy);
    for (size_t i = 0; i < rep.count; i++) {
        print_check(&rep.items[i]);
        sha1_refused |= rep.items[i].sha1 && !policy.allow_sha1;
    }
    if (sha1_refused)
        fprintf(stderr, "mmctl verify: SHA-1 signatures are refused; --allow-sha1 accepts a legacy sender's\n");
    rc = mm_sig_report_all_ok(&rep) ? 0 : 1;

out:
    if (have_report)
        mm_sig_report_free(&rep);
    X509_STORE_free(policy.ca);
    mm_buf_free(&b);
    return rc;
}
