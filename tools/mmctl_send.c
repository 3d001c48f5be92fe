#include <stdio.h>
#include "mmctl.h"

int mmctl_cmd_lookup(int argc, char **argv) { (void)argc; (void)argv; fputs("mmctl lookup: not built yet\n", stderr); return 2; }
int mmctl_cmd_send(int argc, char **argv) { (void)argc; (void)argv; fputs("mmctl send: not built yet\n", stderr); return 2; }
