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

int mmctl_cmd_verify(int argc, char **argv)
{
    int strip = 0;
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--strip-blanks"))
            strip = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: mmctl verify [--strip-blanks] FILE   (FILE - reads stdin)\n");
            return 0;
        } else if (!file && (strcmp(argv[i], "-") == 0 || argv[i][0] != '-'))
            file = argv[i];
        else {
            fprintf(stderr, "usage: mmctl verify [--strip-blanks] FILE\n");
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: mmctl verify [--strip-blanks] FILE\n");
        return 2;
    }
    mm_buf b = MM_BUF_INIT;
    int rd = !strcmp(file, "-") ? mm_fileio_read_fd(STDIN_FILENO, &b, MM_DSIG_MAX_BYTES, NULL)
                                 : mm_fileio_read_file(file, &b, MM_DSIG_MAX_BYTES);
    if (rd < 0) {
        fprintf(stderr, "mmctl verify: cannot read %s (missing, unreadable or over %d bytes)\n", file,
                MM_DSIG_MAX_BYTES);
        mm_buf_free(&b);
        return 2;
    }
    mm_error err;
    mm_error_clear(&err);
    mm_sig_report rep;
    if (mm_dsig_verify(b.data ? b.data : "", b.len, strip, &rep, &err) < 0) {
        fprintf(stderr, "mmctl verify: %s: %s\n", file, err.msg);
        mm_buf_free(&b);
        return 1;
    }
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
    int ok = mm_sig_report_all_ok(&rep);
    mm_sig_report_free(&rep);
    mm_buf_free(&b);
    return ok ? 0 : 1;
}
