/* SPDX-License-Identifier: EUPL-1.2 */
/* Random (version 4) UUIDs, RFC 4122, for job and message ids. */
#ifndef MM_UUID_H
#define MM_UUID_H

/* Characters of the text form, without the NUL. */
#define MM_UUID_LEN 36

/* Writes a new random UUID, lower-case "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
 * plus NUL, into out.  Returns 0, or -1 (out = "") when the system's random
 * generator fails. */
int mm_uuid_new(char out[MM_UUID_LEN + 1]);

#endif
