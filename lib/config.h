/* SPDX-License-Identifier: EUPL-1.2 */
/* One configuration file format for every program: `key = value` lines,
 * '#' comments, blank lines ignored, a value may be "quoted", a key set
 * twice is an error.
 *
 * Each program describes the keys it takes in one table of mm_config_key
 * (name, type, where the value goes in the program's settings struct,
 * default, limits), as OpenSSH's servconf and CUPS' cupsd.conf do.  The
 * table alone drives the known-key check, the defaults, the range checks,
 * the required keys and the printed form of the settings. */
#ifndef MM_CONFIG_H
#define MM_CONFIG_H

#include <stddef.h>
#include "error.h"

typedef struct mm_config mm_config;

/* Reads and parses path (at most 1 MiB).  NULL with err set on a read
 * error, a malformed line or a key set twice.  The caller frees the result
 * with mm_config_free(). */
mm_config *mm_config_load(const char *path, mm_error *err);
void mm_config_free(mm_config *cfg);
/* The value, or def when the key is absent. */
const char *mm_config_get(const mm_config *cfg, const char *key, const char *def);
long mm_config_get_long(const mm_config *cfg, const char *key, long def);
int mm_config_get_bool(const mm_config *cfg, const char *key, int def);
/* Key names in file order, for checking against a program's known keys. */
size_t mm_config_count(const mm_config *cfg);
const char *mm_config_key_at(const mm_config *cfg, size_t i);

typedef enum {
    MM_CONFIG_TEXT,     /* char[size] in the settings; value copied, too long is an error */
    MM_CONFIG_REF,      /* const char * into the loaded file (lives as long as the mm_config);
                         * an empty value counts as absent; no default gives NULL */
    MM_CONFIG_LONG,     /* long: a decimal number lo..hi as written, stored times scale */
    MM_CONFIG_INT,      /* int: as MM_CONFIG_LONG */
    MM_CONFIG_DURATION, /* long seconds, written with its unit s, m, h or d ("14d"), lo..hi seconds:
                         * keys that keep letters, where a bare number's unit could be guessed wrong */
    MM_CONFIG_BOOL      /* int 0 or 1, written yes/no, true/false, on/off, 1/0 */
} mm_config_type;

#define MM_CONFIG_REQUIRED 1 /* absent or empty is an error */
#define MM_CONFIG_EMPTY_ABSENT 2 /* an empty value counts as absent (always so for MM_CONFIG_REF) */

typedef struct {
    const char *key;
    mm_config_type type;
    size_t offset;      /* offsetof(settings struct, field) */
    size_t size;        /* MM_CONFIG_TEXT: sizeof the field */
    const char *def;    /* the default as it would be written in the file; NULL: none */
    long lo, hi;        /* numbers and durations: the allowed range as written (durations: seconds) */
    long scale;         /* numbers: stored = written * scale (0 means 1), e.g. 1000 for seconds -> ms */
    int flags;          /* MM_CONFIG_REQUIRED, MM_CONFIG_EMPTY_ABSENT */
} mm_config_key;

/* Fills settings from cfg after checking every key in cfg is in keys:
 * each key's value, or its default when absent, converted and range-checked.
 * path names the file in messages.  Returns 0, or -1 with err set
 * (MM_ERR_INPUT) naming the first bad key; settings is then partly filled. */
int mm_config_apply(const mm_config *cfg, const char *path, const mm_config_key *keys, size_t nkeys,
                    void *settings, mm_error *err);

/* Loads path and applies keys to settings.  On success *cfg_out (when not
 * NULL) receives the loaded file, which MM_CONFIG_REF values point into;
 * the caller frees it.  Without cfg_out the table must have no MM_CONFIG_REF. */
int mm_config_load_table(const char *path, const mm_config_key *keys, size_t nkeys, void *settings,
                         mm_config **cfg_out, mm_error *err);

/* One key's value in settings as it would be written in the file ("14d",
 * "yes", "8631"), for printing the effective configuration. */
void mm_config_format(const mm_config_key *k, const void *settings, char *out, size_t size);

#endif
