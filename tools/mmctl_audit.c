/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl audit verify: checks the hash chain of mmprintd's journal (the
 * events table, lib/journal.h) in a read-only view of the database and
 * names the first row that was changed, removed or inserted. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "journal.h"
#include "mmctl.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: mmctl audit verify DATABASE\n"
               "  checks the journal's hash chain; exit 0 intact, 1 broken, 2 cannot read\n");
}

/* One exit path: rc (0 intact, 1 broken, 2 cannot read) is set before
 * each jump to out, where the database is closed. */
int mmctl_cmd_audit(int argc, char **argv)
{
    int rc = 2;
    sqlite3 *db = NULL;
    mm_journal_report rep;
    mm_error err;
    mm_error_clear(&err);

    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        rc = 0;
        goto out;
    }
    if (argc != 3 || strcmp(argv[1], "verify")) {
        usage(stderr);
        rc = 2;
        goto out;
    }
    /* Read-only: the check must never change what it checks. */
    if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "mmctl audit: cannot open %s: %s\n", argv[2], db ? sqlite3_errmsg(db) : "out of memory");
        rc = 2;
        goto out;
    }
    sqlite3_busy_timeout(db, 5000);
    if (mm_journal_verify(db, &rep, &err)) {
        fprintf(stderr, "mmctl audit: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    if (rep.first_bad_seq) {
        printf("journal BROKEN at row %" PRId64 ": %s\n", rep.first_bad_seq, rep.problem);
        rc = 1;
        goto out;
    }
    printf("journal intact: %" PRId64 " events, hash chain verified\n", rep.rows);
    rc = 0;

out:
    sqlite3_close(db);
    return rc;
}
