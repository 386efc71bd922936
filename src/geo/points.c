/* SPDX-License-Identifier: Apache-2.0 */
/* The batch points reader: a CSV of coordinates, parsed in one pass without copies. */
#include "geo/points.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/xalloc.h"

#define MAX_FIELDS 64

void hv_points_init(struct hv_points *p)
{
	memset(p, 0, sizeof(*p));
}

void hv_points_release(struct hv_points *p)
{
	if (!p)
		return;
	free(p->lon);
	free(p->lat);
	free(p->record);
	hv_points_init(p);
}

static void push(struct hv_points *p, double lon, double lat, int64_t record)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4096;

		p->lon = hv_xrealloc(p->lon, cap * sizeof(double));
		p->lat = hv_xrealloc(p->lat, cap * sizeof(double));
		p->record = hv_xrealloc(p->record, cap * sizeof(int64_t));
		p->cap = cap;
	}
	p->lon[p->n] = lon;
	p->lat[p->n] = lat;
	p->record[p->n] = record;
	p->n++;
}

/* Splits one line into fields (views), honouring double quotes without embedded newlines.
 * Returns the number of fields, or -1 when there are more than MAX_FIELDS. */
static int split(const char *s, size_t len, struct hv_str *f)
{
	int n = 0;
	size_t i = 0;

	for (;;) {
		size_t start = i;
		bool quoted = i < len && s[i] == '"';

		if (n == MAX_FIELDS)
			return -1;
		if (quoted) {
			start = ++i;
			while (i < len && s[i] != '"')
				i++;
			f[n++] = hv_str_of(s + start, i - start);
			while (i < len && s[i] != ',')
				i++;
		} else {
			while (i < len && s[i] != ',')
				i++;
			f[n++] = hv_str_of(s + start, i - start);
		}
		if (i >= len)
			return n;
		i++; /* the comma */
	}
}

static int find_col(const struct hv_str *f, int n, const char *const *names)
{
	for (const char *const *nm = names; *nm; nm++)
		for (int i = 0; i < n; i++)
			if (hv_str_ieq_cstr(hv_str_trim(f[i]), *nm))
				return i;
	return -1;
}

/* Fast path for plain decimals ("-87.6543210"); anything else goes to strtod via str.h. */
static bool number(struct hv_str s, double *v)
{
	s = hv_str_trim(s);
	if (s.len == 0 || s.len > 40)
		return false;
	return hv_str_to_double(s, v);
}

struct parse_state {
	int col_lon, col_lat;
	bool bad_any;
	char msg[256];
};

static bool parse_record(struct parse_state *st, const struct hv_str *f, int n, double *lon,
			 double *lat)
{
	int need = st->col_lon > st->col_lat ? st->col_lon : st->col_lat;

	if (n <= need) {
		snprintf(st->msg, sizeof(st->msg), "expected at least %d columns, found %d", need + 1,
			 n);
		return false;
	}
	if (!number(f[st->col_lon], lon)) {
		snprintf(st->msg, sizeof(st->msg), "longitude \"%.*s\" is not a number",
			 (int)(f[st->col_lon].len > 40 ? 40 : f[st->col_lon].len), f[st->col_lon].ptr);
		return false;
	}
	if (!number(f[st->col_lat], lat)) {
		snprintf(st->msg, sizeof(st->msg), "latitude \"%.*s\" is not a number",
			 (int)(f[st->col_lat].len > 40 ? 40 : f[st->col_lat].len), f[st->col_lat].ptr);
		return false;
	}
	if (fabs(*lon) > 180 || fabs(*lat) > 90) {
		snprintf(st->msg, sizeof(st->msg),
			 "(%.10g, %.10g) is out of range (longitude -180..180, latitude -90..90)",
			 *lon, *lat);
		return false;
	}
	return true;
}

/* A first line is a header when its first two fields are not both numbers. */
static bool is_header(const struct hv_str *f, int n)
{
	double v;

	return n < 2 || !number(f[0], &v) || !number(f[1], &v);
}

int hv_points_parse_csv(const char *data, size_t len, bool strict, hv_points_bad_fn bad,
			void *ctx, struct hv_points *out, struct hv_err *err)
{
	static const char *const lon_names[] = {"lon", "lng", "long", "longitude", "x", NULL};
	static const char *const lat_names[] = {"lat", "latitude", "y", NULL};
	struct parse_state st = {.col_lon = 0, .col_lat = 1};
	struct hv_str f[MAX_FIELDS];
	size_t pos = 0;
	int64_t line = 0;
	bool first = true;

	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *s = data + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		double lon, lat;
		int nf;

		pos += n + (nl ? 1 : 0);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n == 0 || hv_str_trim(hv_str_of(s, n)).len == 0)
			continue;
		nf = split(s, n, f);
		if (first) {
			first = false;
			if (nf > 0 && is_header(f, nf)) {
				int lo = find_col(f, nf, lon_names), la = find_col(f, nf, lat_names);

				if (lo >= 0 && la >= 0) {
					st.col_lon = lo;
					st.col_lat = la;
				}
				continue;
			}
		}
		out->n_records++;
		if (nf < 0) {
			snprintf(st.msg, sizeof(st.msg), "more than %d columns", MAX_FIELDS);
		} else if (parse_record(&st, f, nf, &lon, &lat)) {
			push(out, lon, lat, out->n_records - 1);
			continue;
		}
		out->n_bad++;
		if (bad)
			bad(ctx, line, st.msg);
		if (strict)
			return hv_err_set(err, HV_EINVAL, "line %lld: %s", (long long)line, st.msg);
	}
	return HV_OK;
}
