/* SPDX-License-Identifier: EUPL-1.2 */
/* `key = value` configuration files. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileio.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

typedef struct {
    char *key;
    char *value;
    int line;
} entry;

struct mm_config {
    entry *entries;
    size_t count;
};

static int valid_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static const entry *find(const mm_config *cfg, const char *key)
{
    for (size_t i = 0; cfg && i < cfg->count; i++)
        if (!strcmp(cfg->entries[i].key, key))
            return &cfg->entries[i];
    return NULL;
}

static int add(mm_config *cfg, const char *key, const char *value, int line)
{
    entry *e = realloc(cfg->entries, (cfg->count + 1) * sizeof *e);
    if (!e)
        return -1;
    cfg->entries = e;
    e[cfg->count].key = strdup(key);
    e[cfg->count].value = strdup(value);
    e[cfg->count].line = line;
    if (!e[cfg->count].key || !e[cfg->count].value) {
        free(e[cfg->count].key);
        free(e[cfg->count].value);
        return -1;
    }
    cfg->count++;
    return 0;
}

static int parse_line(mm_config *cfg, char *line, int lineno, const char *path, mm_error *err)
{
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return mm_error_set(err, MM_ERR_INPUT, lineno, "%s:%d: expected 'key = value'", path, lineno);
    *eq = '\0';
    char *key = trim(s);
    char *value = trim(eq + 1);
    if (*key == '\0')
        return mm_error_set(err, MM_ERR_INPUT, lineno, "%s:%d: missing key before '='", path, lineno);
    for (const char *k = key; *k; k++)
        if (!valid_key_char(*k))
            return mm_error_set(err, MM_ERR_INPUT, lineno, "%s:%d: invalid character in key '%s'", path, lineno, key);
    size_t vlen = strlen(value);
    if (vlen >= 1 && value[0] == '"') {
        if (vlen < 2 || value[vlen - 1] != '"')
            return mm_error_set(err, MM_ERR_INPUT, lineno, "%s:%d: unterminated quoted value", path, lineno);
        value[vlen - 1] = '\0';
        value++;
    }
    if (find(cfg, key))
        return mm_error_set(err, MM_ERR_INPUT, lineno, "%s:%d: '%s' is set twice", path, lineno, key);
    if (add(cfg, key, value, lineno) < 0)
        return mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
    return 0;
}

mm_config *mm_config_load(const char *path, mm_error *err)
{
    mm_buf text = MM_BUF_INIT;
    if (mm_fileio_read_file(path, &text, CONFIG_MAX_BYTES) < 0) {
        int e = errno;
        mm_buf_free(&text);
        mm_error_set(err, e == EFBIG ? MM_ERR_INPUT : MM_ERR_SYSTEM, e, "%s: %s", path,
                     e == EFBIG ? "larger than 1 MiB" : strerror(e));
        return NULL;
    }
    if (memchr(text.data, '\0', text.len)) {
        mm_buf_free(&text);
        mm_error_set(err, MM_ERR_INPUT, 0, "%s: contains a NUL byte", path);
        return NULL;
    }
    mm_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        mm_buf_free(&text);
        mm_error_set(err, MM_ERR_SYSTEM, ENOMEM, "out of memory");
        return NULL;
    }
    int lineno = 0;
    char *p = text.data;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        lineno++;
        if (parse_line(cfg, p, lineno, path, err) < 0) {
            mm_config_free(cfg);
            mm_buf_free(&text);
            return NULL;
        }
        p = nl ? nl + 1 : NULL;
    }
    mm_buf_free(&text);
    return cfg;
}

void mm_config_free(mm_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->entries[i].key);
        free(cfg->entries[i].value);
    }
    free(cfg->entries);
    free(cfg);
}

const char *mm_config_get(const mm_config *cfg, const char *key, const char *def)
{
    const entry *e = find(cfg, key);
    return e ? e->value : def;
}

long mm_config_get_long(const mm_config *cfg, const char *key, long def)
{
    const entry *e = find(cfg, key);
    if (!e || !*e->value)
        return def;
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    return (errno || *end) ? def : v;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        *out = 0;
    else
        return -1;
    return 0;
}

int mm_config_get_bool(const mm_config *cfg, const char *key, int def)
{
    const entry *e = find(cfg, key);
    if (!e)
        return def;
    int v;
    return parse_bool(e->value, &v) ? def : v;
}

size_t mm_config_count(const mm_config *cfg)
{
    return cfg ? cfg->count : 0;
}

const char *mm_config_key_at(const mm_config *cfg, size_t i)
{
    return cfg && i < cfg->count ? cfg->entries[i].key : NULL;
}

/* Seconds in one unit of a duration, 0 for no known unit. */
static long unit_seconds(char u)
{
    return u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : u == 'd' ? 86400 : 0;
}

/* One key's text (from the file or its default) into settings. */
static int apply_one(const mm_config_key *k, const char *v, const char *path, void *settings, mm_error *err)
{
    char *dst = (char *)settings + k->offset;
    char *end;
    long n;
    switch (k->type) {
    case MM_CONFIG_TEXT:
        if (strlen(v) >= k->size)
            return mm_error_set(err, MM_ERR_INPUT, 0, "config %s: %s is too long (max %zu)", path, k->key,
                                k->size - 1);
        memcpy(dst, v, strlen(v) + 1);
        return 0;
    case MM_CONFIG_REF:
        *(const char **)(void *)dst = v;
        return 0;
    case MM_CONFIG_LONG:
    case MM_CONFIG_INT:
        errno = 0;
        n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < k->lo || n > k->hi)
            return mm_error_set(err, MM_ERR_INPUT, 0, "config %s: %s must be a number from %ld to %ld", path,
                                k->key, k->lo, k->hi);
        n *= k->scale ? k->scale : 1;
        if (k->type == MM_CONFIG_INT)
            *(int *)(void *)dst = (int)n;
        else
            *(long *)(void *)dst = n;
        return 0;
    case MM_CONFIG_DURATION: {
        errno = 0;
        n = strtol(v, &end, 10);
        long unit = unit_seconds(*end);
        if (errno || end == v || !unit || end[1] || n < 0 || n > k->hi / unit || n * unit < k->lo)
            return mm_error_set(err, MM_ERR_INPUT, 0,
                                "config %s: %s must be a whole number with a unit s, m, h or d (e.g. %s), "
                                "from %lds to %ldd",
                                path, k->key, k->def ? k->def : "14d", k->lo, k->hi / 86400);
        *(long *)(void *)dst = n * unit;
        return 0;
    }
    case MM_CONFIG_BOOL:
        if (parse_bool(v, (int *)(void *)dst))
            return mm_error_set(err, MM_ERR_INPUT, 0, "config %s: %s must be yes or no", path, k->key);
        return 0;
    }
    return mm_error_set(err, MM_ERR_INPUT, 0, "config %s: %s has no type", path, k->key);
}

int mm_config_apply(const mm_config *cfg, const char *path, const mm_config_key *keys, size_t nkeys,
                    void *settings, mm_error *err)
{
    for (size_t i = 0; cfg && i < cfg->count; i++) {
        size_t j = 0;
        while (j < nkeys && strcmp(keys[j].key, cfg->entries[i].key))
            j++;
        if (j == nkeys)
            return mm_error_set(err, MM_ERR_INPUT, 0, "config %s:%d: unknown key '%s'", path,
                                cfg->entries[i].line, cfg->entries[i].key);
    }
    for (size_t j = 0; j < nkeys; j++) {
        const mm_config_key *k = &keys[j];
        const char *v = mm_config_get(cfg, k->key, NULL);
        if (v && !*v && (k->type == MM_CONFIG_REF || (k->flags & MM_CONFIG_EMPTY_ABSENT)))
            v = NULL;
        if ((k->flags & MM_CONFIG_REQUIRED) && (!v || !*v))
            return mm_error_set(err, MM_ERR_INPUT, 0, "config %s: %s is required", path, k->key);
        if (!v)
            v = k->def;
        if (!v) {
            /* No value and no default: the zero of the type. */
            if (k->type == MM_CONFIG_TEXT)
                ((char *)settings + k->offset)[0] = '\0';
            else if (k->type == MM_CONFIG_REF)
                *(const char **)(void *)((char *)settings + k->offset) = NULL;
            continue;
        }
        if (apply_one(k, v, path, settings, err))
            return -1;
    }
    return 0;
}

int mm_config_load_table(const char *path, const mm_config_key *keys, size_t nkeys, void *settings,
                         mm_config **cfg_out, mm_error *err)
{
    mm_config *cfg = mm_config_load(path, err);
    if (!cfg)
        return -1;
    if (mm_config_apply(cfg, path, keys, nkeys, settings, err)) {
        mm_config_free(cfg);
        return -1;
    }
    if (cfg_out)
        *cfg_out = cfg;
    else
        mm_config_free(cfg);
    return 0;
}

void mm_config_format(const mm_config_key *k, const void *settings, char *out, size_t size)
{
    const char *src = (const char *)settings + k->offset;
    long n;
    switch (k->type) {
    case MM_CONFIG_TEXT:
        snprintf(out, size, "%s", src);
        return;
    case MM_CONFIG_REF:
        snprintf(out, size, "%s", *(const char *const *)(const void *)src ? *(const char *const *)(const void *)src : "");
        return;
    case MM_CONFIG_LONG:
    case MM_CONFIG_INT:
        n = k->type == MM_CONFIG_INT ? *(const int *)(const void *)src : *(const long *)(const void *)src;
        snprintf(out, size, "%ld", n / (k->scale ? k->scale : 1));
        return;
    case MM_CONFIG_DURATION: {
        /* In the largest unit that gives a whole number, as an admin writes it. */
        static const char units[] = "dhms";
        n = *(const long *)(const void *)src;
        for (const char *u = units; *u; u++)
            if (n % unit_seconds(*u) == 0 || *u == 's') {
                snprintf(out, size, "%ld%c", n / unit_seconds(*u), *u);
                return;
            }
        return;
    }
    case MM_CONFIG_BOOL:
        snprintf(out, size, "%s", *(const int *)(const void *)src ? "yes" : "no");
        return;
    }
    snprintf(out, size, "?");
}
