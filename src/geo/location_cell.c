/* SPDX-License-Identifier: Apache-2.0 */
/* Coordinates from a text cell: the Socrata "(lat, lon)" location form or "POINT (lon lat)" WKT. */
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "geo/geo.h"

#include "core/banned.h"

/* A coordinate needs at most 17 significant digits; a longer token is not a coordinate we trust. */
#define NUM_MAX 40

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void skip_blanks(const char *s, size_t len, size_t *i)
{
	while (*i < len && is_blank(s[*i]))
		(*i)++;
}

/* Reads a plain decimal number at s[*i]: [+-] digits [. digits] or [+-] . digits. No exponent, no
 * hex, no "nan"/"inf": strtod would accept all of those, so the syntax is checked here first and
 * strtod only converts a token already known to be decimal. */
static bool read_number(const char *s, size_t len, size_t *i, double *out)
{
	char tmp[NUM_MAX + 1];
	size_t start = *i, p = *i, n_int = 0, n_frac = 0;
	char *end;

	if (p < len && (s[p] == '+' || s[p] == '-'))
		p++;
	while (p < len && is_digit(s[p])) {
		p++;
		n_int++;
	}
	if (p < len && s[p] == '.') {
		p++;
		while (p < len && is_digit(s[p])) {
			p++;
			n_frac++;
		}
	}
	if (n_int + n_frac == 0 || p - start > NUM_MAX)
		return false;
	memcpy(tmp, s + start, p - start);
	tmp[p - start] = '\0';
	*out = strtod(tmp, &end);
	/* end short of the token means a locale with another decimal point: refuse, not guess. */
	if (end != tmp + (p - start))
		return false;
	*i = p;
	return true;
}

/* "POINT ( lon lat )", the whole (trimmed) cell, POINT in any case. */
static bool parse_wkt_point(struct hv_str c, double *lat, double *lon)
{
	size_t i = 5;

	skip_blanks(c.ptr, c.len, &i);
	if (i >= c.len || c.ptr[i] != '(')
		return false;
	i++;
	skip_blanks(c.ptr, c.len, &i);
	if (!read_number(c.ptr, c.len, &i, lon))
		return false;
	if (i >= c.len || !is_blank(c.ptr[i]))
		return false;
	skip_blanks(c.ptr, c.len, &i);
	if (!read_number(c.ptr, c.len, &i, lat))
		return false;
	skip_blanks(c.ptr, c.len, &i);
	if (i >= c.len || c.ptr[i] != ')')
		return false;
	return i + 1 == c.len;
}

/* "... ( lat , lon )" at the very end of the (trimmed) cell; anything before the last "(" is the
 * address Socrata puts on the lines above and is ignored. */
static bool parse_socrata(struct hv_str c, double *lat, double *lon)
{
	size_t open, i;

	if (c.len < 2 || c.ptr[c.len - 1] != ')')
		return false;
	open = c.len - 1;
	while (open > 0 && c.ptr[open - 1] != '(')
		open--;
	if (open == 0)
		return false;
	i = open;
	skip_blanks(c.ptr, c.len, &i);
	if (!read_number(c.ptr, c.len, &i, lat))
		return false;
	skip_blanks(c.ptr, c.len, &i);
	if (i >= c.len || c.ptr[i] != ',')
		return false;
	i++;
	skip_blanks(c.ptr, c.len, &i);
	if (!read_number(c.ptr, c.len, &i, lon))
		return false;
	skip_blanks(c.ptr, c.len, &i);
	return i == c.len - 1;
}

bool hv_geo_parse_location_cell(const char *s, size_t len, double *lat, double *lon)
{
	struct hv_str c = hv_str_trim(hv_str_of(s, s ? len : 0));
	double y, x;
	bool ok;

	if (c.len >= 5 && hv_str_ieq_cstr(hv_str_of(c.ptr, 5), "POINT"))
		ok = parse_wkt_point(c, &y, &x);
	else
		ok = parse_socrata(c, &y, &x);
	if (!ok || y < -90.0 || y > 90.0 || x < -180.0 || x > 180.0)
		return false;
	*lat = y;
	*lon = x;
	return true;
}
