/* Logging for daemons and tools.  Every message passes through
 * mm_log_mask_text, so a personnummer can never reach a log unmasked. */
#ifndef MM_LOG_H
#define MM_LOG_H

#include <stddef.h>

typedef enum { MM_LOG_ERROR, MM_LOG_WARN, MM_LOG_INFO, MM_LOG_DEBUG } mm_log_level;

/* Program name prefix and the most verbose level written (default INFO, to stderr). */
void mm_log_init(const char *ident, mm_log_level max_level);
void mm_log(mm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Rewrites, in place, every run of characters that reads as a personnummer
 * or samordningsnummer (10 or 12 digits, with or without '-'/'+') so that
 * its last four digits become '*'.  Returns the number of numbers masked. */
size_t mm_log_mask_text(char *text);

#endif
