/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl verify [--strip-blanks] FILE: check every Mina meddelanden signature
 * in a SignedDelivery, SealedDelivery or deliverSecure request. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dsig.h"
#include "fileio.h"
#include "mmctl.h"

/* One exit path: rc (0 all signatures good, 1 not, 2 cannot check) is set
 * before each jump to out, where the file and the report are freed. */
int mmctl_cmd_verify(int argc, char **argv)
{
    int rc = 2, strip = 0, have_report = 0;
    const char *file = NULL;
    mm_buf b = MM_BUF_INIT;
    mm_sig_report rep;
    mm_error err;
    mm_error_clear(&err);

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--strip-blanks"))
            strip = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: mmctl verify [--strip-blanks] FILE   (FILE - reads stdin)\n");
            rc = 0;
            goto out;
        } else if (!file && (strcmp(argv[i], "-") == 0 || argv[i][0] != '-'))
            file = argv[i];
        else {
            fprintf(stderr, "usage: mmctl verify [--strip-blanks] FILE\n");
            rc = 2;
            goto out;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: mmctl verify [--strip-blanks] FILE\n");
        rc = 2;
        goto out;
    }
    int rd = !strcmp(file, "-") ? mm_fileio_read_fd(STDIN_FILENO, &b, MM_DSIG_MAX_BYTES, NULL)
                                 : mm_fileio_read_file(file, &b, MM_DSIG_MAX_BYTES);
    if (rd < 0) {
        fprintf(stderr, "mmctl verify: cannot read %s (missing, unreadable or over %d bytes)\n", file,
                MM_DSIG_MAX_BYTES);
        rc = 2;
        goto out;
    }
    if (mm_dsig_verify(b.data ? b.data : "", b.len, strip, &rep, &err) < 0) {
        fprintf(stderr, "mmctl verify: %s: %s\n", file, err.msg);
        rc = 1;
        goto out;
    }
    have_report = 1;
    for (size_t i = 0; i < rep.count; i++) {
        const mm_sig_check *c = &rep.items[i];
        printf("%s: digest %s, signature %s", c->element, c->digest_ok ? "ok" : "BAD",
               c->signature_ok ? "ok" : "BAD");
        if (c->subject[0])
            printf(", signer \"%s\"", c->subject);
        if (c->problem[0])
            printf(": %s", c->problem);
        putchar('\n');
    }
    rc = mm_sig_report_all_ok(&rep) ? 0 : 1;

out:
    if (have_report)
        mm_sig_report_free(&rep);
    mm_buf_free(&b);
    return rc;
}
