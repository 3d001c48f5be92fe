/* SPDX-License-Identifier: EUPL-1.2 */
/* Configuration loading and error printing shared by mmctl subcommands. */
#include "mmctl_common.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "idnum.h"
#include "log.h"
#include "mmctl.h"

#define REF(name, field, flags) {name, MM_CONFIG_REF, offsetof(mmctl_conf, field), 0, NULL, 0, 0, 0, flags}

/* Every key of mmctl.conf(5); this table alone decides which keys exist,
 * which are required and their defaults and ranges.  Empty values count as
 * absent (mmctl.conf(5)). */
static const mm_config_key mmctl_keys[] = {
    REF("cert", cert, MM_CONFIG_REQUIRED),
    REF("key", key, MM_CONFIG_REQUIRED),
    REF("ca", ca, 0),
    REF("sender_id", sender_id, 0),
    REF("sender_name", sender_name, 0),
    REF("far_url", far_url, MM_CONFIG_REQUIRED),
    {"timeout", MM_CONFIG_LONG, offsetof(mmctl_conf, timeout), 0, "30", 1, 600, 0, MM_CONFIG_EMPTY_ABSENT},
    {"support_text", MM_CONFIG_REF, offsetof(mmctl_conf, support_text), 0, MMCTL_DEFAULT_SUPPORT_TEXT, 0, 0, 0, 0},
    REF("support_url", support_url, 0),
    REF("support_phone", support_phone, 0),
    REF("support_email", support_email, 0),
};

void mmctl_err(const char *cmd, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mm_log_mask_text(line);
    fprintf(stderr, "mmctl %s: %s\n", cmd, line);
}

static int fail(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return -1;
}

int mmctl_conf_load(const char *path_opt, mmctl_conf *out, char *msg, size_t msg_size)
{
    memset(out, 0, sizeof *out);
    const char *path = path_opt;
    if (!path || !*path)
        path = getenv("MMCTL_CONFIG");
    if (!path || !*path)
        path = MMCTL_DEFAULT_CONFIG;
    snprintf(out->path, sizeof out->path, "%s", path);

    mm_error err;
    mm_error_clear(&err);
    if (mm_config_load_table(out->path, mmctl_keys, sizeof mmctl_keys / sizeof mmctl_keys[0], out, &out->cfg,
                             &err))
        return fail(msg, msg_size, "cannot load configuration: %s", err.msg);
    /* What the table cannot say: the form of two values. */
    if (!mm_http_url_is_https(out->far_url)) {
        fail(msg, msg_size, "%s: far_url must be an https:// URL", out->path);
        mmctl_conf_free(out);
        return -1;
    }
    if (out->sender_id && !mm_idnum_sender_id_valid(out->sender_id)) {
        fail(msg, msg_size, "%s: sender_id must be 16 followed by the 10-digit organisation number", out->path);
        mmctl_conf_free(out);
        return -1;
    }
    return 0;
}

void mmctl_conf_free(mmctl_conf *c)
{
    if (c->cfg)
        mm_config_free(c->cfg);
    c->cfg = NULL;
}
