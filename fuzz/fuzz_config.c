/* SPDX-License-Identifier: EUPL-1.2 */
/* The configuration parsers: lib/config.c's "key = value" reader with
 * mmprintd's key table and its checks across keys (server/conf.c), printed
 * back when accepted; and mmsimd's registry and fault files
 * (sim/sim_config.c); and the benefit model's FILE (lib/model.c, whose
 * value parser also reads the portal's /nyttomodell form).  They read paths, so the input goes into a memory
 * file named by /proc/self/fd. */
#include "fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "model.h"
#include "sim.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fd = memfd_create("fuzz-config", 0);
    if (fd < 0)
        abort();
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    mm_error err;
    srv_conf c;
    if (srv_conf_load(path, &c, &err) == 0) {
        FILE *null = fopen("/dev/null", "w");
        if (!null)
            abort();
        srv_conf_print(&c, null);
        fclose(null);
    }
    sim_registry_free(sim_registry_load(path, &err));
    sim_faults_free(sim_faults_load(path, &err));
    mm_model_inputs in;
    mm_model_result r;
    mm_model_defaults(&in);
    if (mm_model_load(path, &in, &err) == 0)
        mm_model_compute(&in, &r);
    return 0;
}
