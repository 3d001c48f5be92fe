#include <stdio.h>
#include "mmctl.h"

int mmctl_cmd_verify(int argc, char **argv) { (void)argc; (void)argv; fputs("mmctl verify: not built yet\n", stderr); return 2; }
