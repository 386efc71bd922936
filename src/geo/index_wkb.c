/* SPDX-License-Identifier: Apache-2.0 */
/* A strict WKB decoder (ISO and PostGIS EWKB, either byte order) feeding the index builder. */
#include <math.h>
#include <string.h>

#include "core/xalloc.h"
#include "geo/index_internal.h"

#include "core/banned.h"

#define WKB_POINT	 1
#define WKB_POLYGON	 3
#define WKB_MULTIPOINT	 4
#define WKB_MULTIPOLYGON 6

/* EWKB's flag bits on the type word. */
#define EWKB_Z	  0x80000000u
#define EWKB_M	  0x40000000u
#define EWKB_SRID 0x20000000u

#define SRID_WGS84 4326

/* The smallest encodings, to refuse counts the remaining bytes cannot hold before allocating. */
#define POINT_MIN_BYTES	  21 /* byte order, type, x, y */
#define POLYGON_MIN_BYTES 9  /* byte order, type, ring count */

struct rd {
	const unsigned char *p;
	size_t len, pos;
	int64_t ref;
	struct hv_err *err;
};

/* One geometry header: byte order, base type, dimensions. */
struct hdr {
	bool big;
	uint32_t type;	 /* base type: 1 .. 7 */
	unsigned n_dims; /* doubles per vertex: 2, 3 or 4 */
	size_t at;	 /* byte offset of the header */
};

static int truncated(struct rd *r, size_t need)
{
	return hv_err_set(r->err, HV_EINVAL,
			  "property %lld: WKB truncated at byte %zu (%zu more bytes needed)",
			  (long long)r->ref, r->len, need - (r->len - r->pos));
}

static int need(struct rd *r, size_t n)
{
	if (r->len - r->pos < n)
		return truncated(r, n);
	return HV_OK;
}

static uint32_t get_u32(struct rd *r, bool big)
{
	const unsigned char *b = r->p + r->pos;
	uint32_t v;

	if (big)
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	else
		v = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
	r->pos += 4;
	return v;
}

static double get_f64(struct rd *r, bool big)
{
	const unsigned char *b = r->p + r->pos;
	uint64_t u = 0;
	double d;

	for (int i = 0; i < 8; i++)
		u |= (uint64_t)b[big ? i : 7 - i] << (8 * (7 - i));
	memcpy(&d, &u, sizeof(d));
	r->pos += 8;
	return d;
}

/* A count followed by at least count * min_bytes bytes. */
static int read_count(struct rd *r, bool big, size_t min_bytes, const char *what, uint32_t *out)
{
	size_t at = r->pos;
	int rc = need(r, 4);

	if (rc)
		return rc;
	*out = get_u32(r, big);
	if ((r->len - r->pos) / min_bytes < *out)
		return hv_err_set(
			r->err, HV_EINVAL,
			"property %lld: WKB truncated: %u %s declared at byte %zu need at "
			"least %zu bytes, %zu left",
			(long long)r->ref, *out, what, at, (size_t)*out * min_bytes,
			r->len - r->pos);
	return HV_OK;
}

static int read_header(struct rd *r, struct hdr *h)
{
	uint32_t t, code, iso_dims;
	bool z, m;
	int rc;

	h->at = r->pos;
	if ((rc = need(r, 5)))
		return rc;
	if (r->p[r->pos] > 1)
		return hv_err_set(r->err, HV_EINVAL,
				  "property %lld: WKB byte order %u at byte %zu (0 or 1 expected)",
				  (long long)r->ref, r->p[r->pos], r->pos);
	h->big = r->p[r->pos] == 0;
	r->pos++;
	t = get_u32(r, h->big);
	code = t & ~(EWKB_Z | EWKB_M | EWKB_SRID);
	iso_dims = code / 1000;
	h->type = code % 1000;
	if (iso_dims > 3 || h->type < 1 || h->type > 7)
		return hv_err_set(
			r->err, HV_EINVAL,
			"property %lld: WKB geometry type %u at byte %zu is not a geometry "
			"type",
			(long long)r->ref, t, h->at + 1);
	z = (t & EWKB_Z) || iso_dims == 1 || iso_dims == 3;
	m = (t & EWKB_M) || iso_dims == 2 || iso_dims == 3;
	h->n_dims = 2 + z + m;
	if (t & EWKB_SRID) {
		uint32_t srid;

		if ((rc = need(r, 4)))
			return rc;
		srid = get_u32(r, h->big);
		/* 0 is "unknown"; any other SRID says the coordinates are not lon/lat. */
		if (srid != 0 && srid != SRID_WGS84)
			return hv_err_set(r->err, HV_EINVAL,
					  "property %lld: WKB SRID %u is not WGS 84 (4326)",
					  (long long)r->ref, srid);
	}
	return HV_OK;
}

static int check_type(struct rd *r, const struct hdr *h, uint32_t want, const char *what)
{
	if (h->type != want)
		return hv_err_set(
			r->err, HV_EINVAL,
			"property %lld: WKB geometry type %u at byte %zu where %s expected",
			(long long)r->ref, h->type, h->at + 1, what);
	return HV_OK;
}

/* Reads one vertex (dropping Z and M); *empty for the NaN NaN an empty Point is written as. */
static int read_vertex(struct rd *r, const struct hdr *h, double *x, double *y, bool *empty)
{
	size_t at = r->pos;

	*x = get_f64(r, h->big);
	*y = get_f64(r, h->big);
	r->pos += 8 * (h->n_dims - 2);
	if (empty && isnan(*x) && isnan(*y)) {
		*empty = true;
		return HV_OK;
	}
	if (!isfinite(*x) || !isfinite(*y))
		return hv_err_set(r->err, HV_EINVAL,
				  "property %lld: non-finite coordinate at byte %zu",
				  (long long)r->ref, at);
	if (*x < -180.0 || *x > 180.0 || *y < -90.0 || *y > 90.0)
		return hv_err_set(r->err, HV_EINVAL,
				  "property %lld: coordinate (%.17g, %.17g) at byte %zu is outside "
				  "WGS 84 (lon -180..180, lat -90..90)",
				  (long long)r->ref, *x, *y, at);
	return HV_OK;
}

static int read_ring(struct rd *r, struct hv_index_builder *b, const struct hdr *h, uint32_t part,
		     uint32_t ring, bool multi)
{
	struct hv_index_bring *rg;
	size_t at = r->pos;
	uint32_t n;
	double x0 = 0, y0 = 0, x = 0, y = 0;
	int rc;

	if ((rc = read_count(r, h->big, 8 * (size_t)h->n_dims, "points", &n)))
		return rc;
	if (n < 4) {
		if (multi)
			return hv_err_set(
				r->err, HV_EINVAL,
				"property %lld: polygon %u ring %u at byte %zu has %u points "
				"(at least 4)",
				(long long)r->ref, part + 1, ring + 1, at, n);
		return hv_err_set(r->err, HV_EINVAL,
				  "property %lld: ring %u at byte %zu has %u points (at least 4)",
				  (long long)r->ref, ring + 1, at, n);
	}
	b->xy = hv_xgrow(b->xy, &b->cap_xy, b->n_xy + n, 2 * sizeof(double));
	b->rings = hv_xgrow(b->rings, &b->cap_rings, b->n_rings + 1, sizeof(*b->rings));
	rg = &b->rings[b->n_rings];
	*rg = (struct hv_index_bring){.v0 = b->n_xy, .n = n - 1, .shell = ring == 0};
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = read_vertex(r, h, &x, &y, NULL)))
			return rc;
		if (i == 0) {
			x0 = x;
			y0 = y;
		}
		/* The closing vertex repeats the first: not stored. */
		if (i + 1 < n) {
			b->xy[2 * (b->n_xy + i)] = x;
			b->xy[2 * (b->n_xy + i) + 1] = y;
		}
	}
	if (x != x0 || y != y0) {
		if (multi)
			return hv_err_set(
				r->err, HV_EINVAL,
				"property %lld: polygon %u ring %u at byte %zu is not closed "
				"(last point differs from the first)",
				(long long)r->ref, part + 1, ring + 1, at);
		return hv_err_set(r->err, HV_EINVAL,
				  "property %lld: ring %u at byte %zu is not closed (last point "
				  "differs from the first)",
				  (long long)r->ref, ring + 1, at);
	}
	b->n_xy += n - 1;
	b->n_rings++;
	b->n_input_vertices += n;
	return HV_OK;
}

/* Reads a polygon's rings (after its header) into the builder's current polygon. */
static int read_polygon(struct rd *r, struct hv_index_builder *b, const struct hdr *h,
			uint32_t part, bool multi)
{
	uint32_t n_rings;
	int rc;

	if ((rc = read_count(r, h->big, 4, "rings", &n_rings)))
		return rc;
	for (uint32_t i = 0; i < n_rings; i++)
		if ((rc = read_ring(r, b, h, part, i, multi)))
			return rc;
	return HV_OK;
}

static void add_point(struct hv_index_builder *b, int64_t ref, double x, double y)
{
	b->points = hv_xgrow(b->points, &b->cap_points, b->n_points + 1, sizeof(*b->points));
	b->points[b->n_points++] = (struct hv_index_bpoint){.x = x, .y = y, .ref = ref};
}

static int read_point(struct rd *r, struct hv_index_builder *b, const struct hdr *h)
{
	double x, y;
	bool empty = false;
	int rc;

	if ((rc = need(r, 8 * (size_t)h->n_dims)))
		return rc;
	if ((rc = read_vertex(r, h, &x, &y, &empty)))
		return rc;
	if (!empty)
		add_point(b, r->ref, x, y);
	return HV_OK;
}

static int read_multi(struct rd *r, struct hv_index_builder *b, const struct hdr *h)
{
	bool polys = h->type == WKB_MULTIPOLYGON;
	uint32_t n;
	int rc;

	if ((rc = read_count(r, h->big, polys ? POLYGON_MIN_BYTES : POINT_MIN_BYTES,
			     polys ? "polygons" : "points", &n)))
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		struct hdr ph;

		if ((rc = read_header(r, &ph)))
			return rc;
		if (polys) {
			if ((rc = check_type(r, &ph, WKB_POLYGON, "a Polygon")))
				return rc;
			rc = read_polygon(r, b, &ph, i, true);
		} else {
			if ((rc = check_type(r, &ph, WKB_POINT, "a Point")))
				return rc;
			rc = read_point(r, b, &ph);
		}
		if (rc)
			return rc;
	}
	return HV_OK;
}

static int read_geometry(struct rd *r, struct hv_index_builder *b)
{
	struct hdr h;
	int rc;

	if ((rc = read_header(r, &h)))
		return rc;
	switch (h.type) {
	case WKB_POINT:
		return read_point(r, b, &h);
	case WKB_POLYGON:
		return read_polygon(r, b, &h, 0, false);
	case WKB_MULTIPOINT:
	case WKB_MULTIPOLYGON:
		return read_multi(r, b, &h);
	default:
		return hv_err_set(r->err, HV_EINVAL,
				  "property %lld: WKB geometry type %u is not a Point, Polygon, "
				  "MultiPoint or MultiPolygon",
				  (long long)r->ref, h.type);
	}
}

int hv_index_wkb_add(struct hv_index_builder *b, int64_t ref, const unsigned char *wkb, size_t len,
		     struct hv_err *err)
{
	struct rd r = {.p = wkb, .len = wkb ? len : 0, .ref = ref, .err = err};
	size_t n_rings = b->n_rings, n_xy = b->n_xy, n_points = b->n_points;
	size_t n_input = b->n_input_vertices, words;
	int rc;

	rc = read_geometry(&r, b);
	if (rc == HV_OK && r.pos != r.len)
		rc = hv_err_set(err, HV_EINVAL,
				"property %lld: %zu bytes after the geometry at byte %zu",
				(long long)ref, r.len - r.pos, r.pos);
	words = b->blob_words + hv_index_poly_words_bound(b->n_rings - n_rings, b->n_xy - n_xy);
	if (rc == HV_OK && b->n_rings > n_rings && words > HV_INDEX_MAX_WORDS)
		rc = hv_err_set(err, HV_ELIMIT,
				"property %lld: the index holds at most %zu MiB of polygon data",
				(long long)ref, HV_INDEX_MAX_WORDS * 8 >> 20);
	if (rc == HV_OK && b->n_points > HV_INDEX_MAX_POINTS)
		rc = hv_err_set(err, HV_ELIMIT, "property %lld: the index holds at most %zu points",
				(long long)ref, HV_INDEX_MAX_POINTS);
	if (rc) {
		b->n_rings = n_rings;
		b->n_xy = n_xy;
		b->n_points = n_points;
		b->n_input_vertices = n_input;
		return rc;
	}
	if (b->n_rings > n_rings) {
		b->polys = hv_xgrow(b->polys, &b->cap_polys, b->n_polys + 1, sizeof(*b->polys));
		b->polys[b->n_polys++] = (struct hv_index_bpoly){
			.ref = ref, .ring0 = n_rings, .n_rings = (uint32_t)(b->n_rings - n_rings)};
		b->blob_words = words;
	}
	return HV_OK;
}
