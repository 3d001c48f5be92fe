/* `key = value` configuration files. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fileio.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

typedef struct {
    char *key;
    char *value;
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

static int add(mm_config *cfg, const char *key, const char *value)
{
    entry *e = realloc(cfg->entries, (cfg->count + 1) * sizeof *e);
    if (!e)
        return -1;
    cfg->entries = e;
    e[cfg->count].key = strdup(key);
    e[cfg->count].value = strdup(value);
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
    if (add(cfg, key, value) < 0)
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

int mm_config_get_bool(const mm_config *cfg, const char *key, int def)
{
    const entry *e = find(cfg, key);
    if (!e)
        return def;
    const char *v = e->value;
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
        return 1;
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
        return 0;
    return def;
}

size_t mm_config_count(const mm_config *cfg)
{
    return cfg ? cfg->count : 0;
}

const char *mm_config_key_at(const mm_config *cfg, size_t i)
{
    return cfg && i < cfg->count ? cfg->entries[i].key : NULL;
}
