/* SPDX-License-Identifier: EUPL-1.2 */
/* Logging for daemons and tools.  Every message passes through
 * mm_log_mask_text, so a personnummer can never reach a log unmasked. */
#ifndef MM_LOG_H
#define MM_LOG_H

#include <stddef.h>

typedef enum { MM_LOG_ERROR, MM_LOG_WARN, MM_LOG_INFO, MM_LOG_DEBUG } mm_log_level;

/* Program name prefix and the most verbose level written (default INFO, to stderr). */
void mm_log_init(const char *ident, mm_log_level max_level);
void mm_log(mm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one masking rule for text that leaves a program (logs, CUPS lines,
 * mmctl output, and everything mmprintd stores from a client but the
 * recipient column).  Rewrites, in place, every run that reads as a
 * personnummer or samordningsnummer so that its last four digits become
 * '*': 10 or 12 digits, or 6 or 8 digits, one separator and 4 digits, not
 * part of a longer digit run.  The text is read through mm_log_fold_char,
 * as discovery reads it, so the separators are exactly discovery's: '-',
 * '+' (100 years or older), a space, tab, no-break or other Unicode space,
 * a Unicode dash (U+2010..U+2015) or minus (U+2212); soft hyphens and
 * zero-width spaces between digits are skipped.  The check digit is not
 * required to be right (a mistyped number is still a person's).
 * Organisation numbers stay (they are public): "16" + ten digits, or a
 * "month" (digits 3-4 of the ten-digit form) of 20 or more, and so do
 * digits inside a hash (32 or more hex digits, no dash) or a UUID
 * (8-4-4-4-12 hex digits).  Returns the number of numbers masked. */
size_t mm_log_mask_text(char *text);

/* The one reading of a character that discovery (lib/discover.c) finds
 * numbers through and mm_log_mask_text masks through, so that the two
 * cannot drift apart: rewrites the UTF-8 character at p into a simpler
 * form: Unicode dashes and minus -> '-', no-break and other Unicode spaces
 * and tabs -> ' ', CR -> LF, soft hyphens and zero-width spaces dropped.
 * Writes at most as many bytes as it reads; returns the bytes written (0
 * or 1) and sets *used to the bytes read. */
size_t mm_log_fold_char(const unsigned char *p, char *o, size_t *used);

#endif
