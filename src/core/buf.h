/* SPDX-License-Identifier: Apache-2.0 */
/* Owned, growable, always NUL-terminated byte buffer with a hard limit and a sticky failure flag. */
#ifndef HV_CORE_BUF_H
#define HV_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct hv_buf {
	char *data;   /* never NULL after init; always NUL-terminated */
	size_t len;
	size_t cap;
	size_t limit; /* appends past this many bytes fail (set failed) */
	bool failed;  /* sticky: an append hit the limit */
};

#define HV_BUF_DEFAULT_LIMIT ((size_t)1 << 30)

/* Initialises b with the given limit (0: HV_BUF_DEFAULT_LIMIT). */
void hv_buf_init(struct hv_buf *b, size_t limit);
/* Frees b's storage (NULL-safe); b may be initialised again. */
void hv_buf_release(struct hv_buf *b);
/* Empties b, keeping its storage and clearing the failure flag. */
void hv_buf_reset(struct hv_buf *b);
void hv_buf_add(struct hv_buf *b, const void *p, size_t n);
void hv_buf_adds(struct hv_buf *b, const char *s);
void hv_buf_addc(struct hv_buf *b, char c);
void hv_buf_addf(struct hv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands b's bytes to the caller (caller frees) and re-initialises b. */
char *hv_buf_detach(struct hv_buf *b, size_t *len);

#endif
