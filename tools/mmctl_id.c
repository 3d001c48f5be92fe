/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl id: validate and normalise identity numbers. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "idnum.h"
#include "mmctl.h"

static int parse_date(const char *s, struct tm *out)
{
    memset(out, 0, sizeof *out);
    int y, m, d;
    char extra;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || y < 1900 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    out->tm_year = y - 1900;
    out->tm_mon = m - 1;
    out->tm_mday = d;
    return 0;
}

/* One exit path: rc (0 all valid, 1 some not, 2 bad arguments) is set
 * before each jump to out. */
int mmctl_cmd_id(int argc, char **argv)
{
    int rc = 2;
    struct tm today_tm;
    const struct tm *today = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "--date") && i + 1 < argc) {
            if (parse_date(argv[++i], &today_tm) < 0) {
                fprintf(stderr, "mmctl id: --date wants YYYY-MM-DD\n");
                rc = 2;
                goto out;
            }
            today = &today_tm;
        } else {
            fprintf(stderr, "usage: mmctl id [--date YYYY-MM-DD] NUMBER...\n");
            rc = 2;
            goto out;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: mmctl id [--date YYYY-MM-DD] NUMBER...\n");
        rc = 2;
        goto out;
    }
    rc = 0;
    for (; i < argc; i++) {
        mm_id id;
        mm_error err;
        mm_error_clear(&err);
        if (mm_idnum_parse(argv[i], today, &id, &err) < 0) {
            fprintf(stderr, "mmctl id: %s: %s\n", argv[i], err.msg);
            rc = 1;
            continue;
        }
        printf("%s %s\n", id.number, mm_idnum_kind_name(id.kind));
    }

out:
    return rc;
}
