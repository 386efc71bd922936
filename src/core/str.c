/* SPDX-License-Identifier: Apache-2.0 */
/* String views and small string helpers. */
#include "core/str.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


struct hv_str hv_str_cstr(const char *s)
{
	return hv_str_of(s, s ? strlen(s) : 0);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

struct hv_str hv_str_trim(struct hv_str s)
{
	for (;;) {
		if (s.len >= 3 && (unsigned char)s.ptr[0] == 0xEF &&
		    (unsigned char)s.ptr[1] == 0xBB && (unsigned char)s.ptr[2] == 0xBF) {
			s.ptr += 3;
			s.len -= 3;
		} else if (s.len && is_space(s.ptr[0])) {
			s.ptr++;
			s.len--;
		} else {
			break;
		}
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

bool hv_str_eq(struct hv_str a, struct hv_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool hv_str_ieq(struct hv_str a, struct hv_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (lower(a.ptr[i]) != lower(b.ptr[i]))
			return false;
	return true;
}

bool hv_str_ieq_cstr(struct hv_str a, const char *b)
{
	return hv_str_ieq(a, hv_str_cstr(b));
}

bool hv_str_to_double(struct hv_str s, double *out)
{
	char tmp[64];
	char *end;
	double v;

	s = hv_str_trim(s);
	if (s.len == 0 || s.len >= sizeof(tmp))
		return false;
	memcpy(tmp, s.ptr, s.len);
	tmp[s.len] = '\0';
	v = strtod(tmp, &end);
	/* ERANGE also flags underflow (1e-310 is a subnormal, finite double); overflow shows as
	 * an infinite result, which isfinite rejects. */
	if (end != tmp + s.len || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool hv_str_to_i64(struct hv_str s, int64_t *out)
{
	char tmp[32];
	char *end;
	long long v;

	s = hv_str_trim(s);
	if (s.len == 0 || s.len >= sizeof(tmp))
		return false;
	memcpy(tmp, s.ptr, s.len);
	tmp[s.len] = '\0';
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno || end != tmp + s.len)
		return false;
	*out = v;
	return true;
}

bool hv_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n + 1;
	}
	return true;
}
