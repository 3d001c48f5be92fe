/* SPDX-License-Identifier: EUPL-1.2 */
/* mmctl subcommands; each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status. */
#ifndef MMCTL_H
#define MMCTL_H

int mmctl_cmd_id(int argc, char **argv);
int mmctl_cmd_batch(int argc, char **argv);
int mmctl_cmd_verify(int argc, char **argv);
int mmctl_cmd_lookup(int argc, char **argv);
int mmctl_cmd_send(int argc, char **argv);
int mmctl_cmd_release(int argc, char **argv);
int mmctl_cmd_audit(int argc, char **argv);
int mmctl_cmd_exceptions(int argc, char **argv);
int mmctl_cmd_stats(int argc, char **argv);
int mmctl_cmd_resolve(int argc, char **argv);
int mmctl_cmd_user(int argc, char **argv);
int mmctl_cmd_model(int argc, char **argv);
int mmctl_cmd_subscribe(int argc, char **argv);
int mmctl_cmd_unsubscribe(int argc, char **argv);

/* Default configuration file, overridden by -c FILE or $MMCTL_CONFIG. */
#define MMCTL_DEFAULT_CONFIG SYSCONFDIR "/mmprint/mmctl.conf"

#endif
