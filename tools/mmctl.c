/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl: the command-line tool for administrators and users. */
#include <stdio.h>
#include <string.h>

#include "mmctl.h"

typedef struct {
    const char *name;
    int (*run)(int, char **); /* argv[0] is the command's name; returns the exit status */
    const char *usage;
} mmctl_command;

static const mmctl_command commands[] = {
    {"id", mmctl_cmd_id, "id [--date YYYY-MM-DD] NUMBER...      validate and normalise identity numbers"},
    {"verify", mmctl_cmd_verify, "verify --ca CAFILE|--no-chain [--allow-sha1] FILE  check every Mina meddelanden signature"},
    {"lookup", mmctl_cmd_lookup, "lookup [-c CONF] ID...                can a letter go digitally, and where"},
    {"release", mmctl_cmd_release, "release CUPS_JOB_ID NUMBER             add the personnummer to a held print job and release it"},
    {"subscribe", mmctl_cmd_subscribe, "subscribe QUEUE mmprint://SERVER[:PORT]/  report jobs cancelled in CUPS to the server (root)"},
    {"unsubscribe", mmctl_cmd_unsubscribe, "unsubscribe QUEUE                      stop reporting them"},
    {"audit", mmctl_cmd_audit, "audit verify DATABASE                 check the hash chain of mmprintd's journal"},
    {"send", mmctl_cmd_send, "send [-c CONF] --to ID --subject TEXT [--body TEXT] FILE.pdf"},
    {"exceptions", mmctl_cmd_exceptions, "exceptions [-s SERVER] [-C CLIENT_CONF]  letters that reached no one (mmprintd)"},
    {"resolve", mmctl_cmd_resolve, "resolve [-s SERVER] [-C CLIENT_CONF] JOB_ID reprint|handled|cancel"},
    {"stats", mmctl_cmd_stats, "stats [-s SERVER] [-C CLIENT_CONF] [--from DATE] [--to DATE] [--by month|department|operator|channel] [--csv]"},
    {"model", mmctl_cmd_model, "model [FILE] [--from-stats [--from DATE --to DATE]] [--csv]  the benefit model: NPV and payback"},
    {"batch", mmctl_cmd_batch, "batch [-s SERVER] [-C CLIENT_CONF] submit FILE.pdf [MANIFEST] [--split MODE] [--title T] [--wait] | show ID | list  mass mailings"},
    {"user", mmctl_cmd_user, "user add NAME --role ROLE [--password-stdin] | del NAME | list  web portal accounts"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: mmctl COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].usage);
}

/* The command called name, or NULL. */
static const mmctl_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(name, commands[i].name))
            return &commands[i];
    return NULL;
}

/* One exit path: rc is set before each jump to out. */
int main(int argc, char **argv)
{
    int rc = 2;
    const mmctl_command *cmd;

    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        rc = argc < 2 ? 2 : 0;
        goto out;
    }
    if (!(cmd = find_command(argv[1]))) {
        fprintf(stderr, "mmctl: unknown command '%s'\n", argv[1]);
        usage(stderr);
        rc = 2;
        goto out;
    }
    rc = cmd->run(argc - 1, argv + 1);

out:
    return rc;
}
