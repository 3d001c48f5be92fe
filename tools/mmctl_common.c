/* Configuration loading and error printing shared by mmctl subcommands. */
#include "mmctl_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idnum.h"
#include "log.h"
#include "mmctl.h"

static const char *const known_keys[] = {
    "cert", "key", "ca", "sender_id", "sender_name", "far_url", "timeout",
    "support_text", "support_url", "support_phone", "support_email", NULL,
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

/* Empty values count as absent. */
static const char *get(const mm_config *cfg, const char *key)
{
    const char *v = mm_config_get(cfg, key, NULL);
    return v && *v ? v : NULL;
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
    out->cfg = mm_config_load(out->path, &err);
    if (!out->cfg)
        return fail(msg, msg_size, "cannot load configuration: %s", err.msg);

    for (size_t i = 0; i < mm_config_count(out->cfg); i++) {
        const char *k = mm_config_key_at(out->cfg, i);
        size_t j = 0;
        while (known_keys[j] && strcmp(known_keys[j], k))
            j++;
        if (!known_keys[j]) {
            fail(msg, msg_size, "%s: unknown key '%s'", out->path, k);
            mmctl_conf_free(out);
            return -1;
        }
    }

    out->cert = get(out->cfg, "cert");
    out->key = get(out->cfg, "key");
    out->ca = get(out->cfg, "ca");
    out->sender_id = get(out->cfg, "sender_id");
    out->sender_name = get(out->cfg, "sender_name");
    out->far_url = get(out->cfg, "far_url");
    out->support_text = get(out->cfg, "support_text");
    out->support_url = get(out->cfg, "support_url");
    out->support_phone = get(out->cfg, "support_phone");
    out->support_email = get(out->cfg, "support_email");
    if (!out->support_text)
        out->support_text = MMCTL_DEFAULT_SUPPORT_TEXT;

    const char *missing = !out->cert ? "cert" : !out->key ? "key" : !out->far_url ? "far_url" : NULL;
    if (missing) {
        fail(msg, msg_size, "%s: required key '%s' is missing", out->path, missing);
        mmctl_conf_free(out);
        return -1;
    }
    if (strncmp(out->far_url, "https://", 8)) {
        fail(msg, msg_size, "%s: far_url must be an https:// URL", out->path);
        mmctl_conf_free(out);
        return -1;
    }
    if (out->sender_id && !mm_idnum_sender_id_valid(out->sender_id)) {
        fail(msg, msg_size, "%s: sender_id must be 16 followed by the 10-digit organisation number", out->path);
        mmctl_conf_free(out);
        return -1;
    }
    const char *t = get(out->cfg, "timeout");
    out->timeout = 30;
    if (t) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || v < 1 || v > 600) {
            fail(msg, msg_size, "%s: timeout must be a number of seconds between 1 and 600", out->path);
            mmctl_conf_free(out);
            return -1;
        }
        out->timeout = v;
    }
    return 0;
}

void mmctl_conf_free(mmctl_conf *c)
{
    if (c->cfg)
        mm_config_free(c->cfg);
    c->cfg = NULL;
}
