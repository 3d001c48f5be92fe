/* One configuration file format for every program: `key = value` lines,
 * '#' comments, blank lines ignored.  Unknown keys are reported by the
 * program that knows which keys it takes. */
#ifndef MM_CONFIG_H
#define MM_CONFIG_H

#include "error.h"

typedef struct mm_config mm_config;

mm_config *mm_config_load(const char *path, mm_error *err);
void mm_config_free(mm_config *cfg);
/* The value, or def when the key is absent. */
const char *mm_config_get(const mm_config *cfg, const char *key, const char *def);
long mm_config_get_long(const mm_config *cfg, const char *key, long def);
int mm_config_get_bool(const mm_config *cfg, const char *key, int def);
/* Key names in file order, for checking against a program's known keys. */
size_t mm_config_count(const mm_config *cfg);
const char *mm_config_key_at(const mm_config *cfg, size_t i);

#endif
