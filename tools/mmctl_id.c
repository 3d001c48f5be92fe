#include <stdio.h>
#include "mmctl.h"

int mmctl_cmd_id(int argc, char **argv) { (void)argc; (void)argv; fputs("mmctl id: not built yet\n", stderr); return 2; }
