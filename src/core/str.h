/* SPDX-License-Identifier: Apache-2.0 */
/* String views and small string helpers. */
#ifndef HV_CORE_STR_H
#define HV_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A borrowed view: ptr need not be NUL-terminated. */
struct hv_str {
	const char *ptr;
	size_t len;
};

static inline struct hv_str hv_str_of(const char *p, size_t n)
{
	struct hv_str s = {.ptr = p, .len = n};
	return s;
}

struct hv_str hv_str_cstr(const char *s);
/* Strips ASCII white space and a UTF-8 byte-order mark from both ends. */
struct hv_str hv_str_trim(struct hv_str s);
bool hv_str_eq(struct hv_str a, struct hv_str b);
/* ASCII case-insensitive comparison. */
bool hv_str_ieq(struct hv_str a, struct hv_str b);
bool hv_str_ieq_cstr(struct hv_str a, const char *b);
/* Parses a whole view as a finite double (leading/trailing space allowed). */
bool hv_str_to_double(struct hv_str s, double *out);
/* Parses a whole view as a decimal int64. */
bool hv_str_to_i64(struct hv_str s, int64_t *out);
/* True when s is valid UTF-8. */
bool hv_utf8_valid(const char *s, size_t len);

#endif
