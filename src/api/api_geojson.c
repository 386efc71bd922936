/* SPDX-License-Identifier: Apache-2.0 */
/* Stored WKB as a GeoJSON geometry object, for the OGC API's features. The lookup index's WKB
 * decoder keeps polygons only and is internal to geo; this one writes what the store holds. */
#include <math.h>
#include <string.h>

#include "api/api_internal.h"

#define GEOM_MAX_DEPTH 8

struct wkb {
	const unsigned char *p;
	size_t len, pos;
};

static bool rd_u32(struct wkb *b, bool le, uint32_t *out)
{
	const unsigned char *q;

	if (b->len - b->pos < 4)
		return false;
	q = b->p + b->pos;
	*out = le ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
			       (uint32_t)q[3] << 24
		  : (uint32_t)q[3] | (uint32_t)q[2] << 8 | (uint32_t)q[1] << 16 |
			       (uint32_t)q[0] << 24;
	b->pos += 4;
	return true;
}

static bool rd_f64(struct wkb *b, bool le, double *out)
{
	unsigned char q[8];
	uint64_t u = 0;

	if (b->len - b->pos < 8)
		return false;
	memcpy(q, b->p + b->pos, 8);
	for (int i = 0; i < 8; i++)
		u |= (uint64_t)q[le ? i : 7 - i] << (8 * i);
	memcpy(out, &u, sizeof(*out));
	b->pos += 8;
	return true;
}

/* One position: x, y written; Z and M read and dropped. w NULL: check only. */
static bool position(struct wkb *b, bool le, unsigned n_dims, struct hv_json *w)
{
	double v[4];

	for (unsigned i = 0; i < n_dims; i++)
		if (!rd_f64(b, le, &v[i]) || !isfinite(v[i]))
			return false;
	if (w) {
		hv_json_arr_begin(w);
		hv_json_fixed(w, v[0], 7);
		hv_json_fixed(w, v[1], 7);
		hv_json_arr_end(w);
	}
	return true;
}

/* A count of items each at least min_bytes long: refuses counts the input cannot hold. */
static bool count(struct wkb *b, bool le, size_t min_bytes, uint32_t *n)
{
	return rd_u32(b, le, n) && (size_t)*n <= (b->len - b->pos) / min_bytes;
}

static bool points(struct wkb *b, bool le, unsigned n_dims, struct hv_json *w)
{
	uint32_t n;

	if (!count(b, le, 8 * n_dims, &n))
		return false;
	if (w)
		hv_json_arr_begin(w);
	for (uint32_t i = 0; i < n; i++)
		if (!position(b, le, n_dims, w))
			return false;
	if (w)
		hv_json_arr_end(w);
	return true;
}

static bool rings(struct wkb *b, bool le, unsigned n_dims, struct hv_json *w)
{
	uint32_t n;

	if (!count(b, le, 4, &n))
		return false;
	if (w)
		hv_json_arr_begin(w);
	for (uint32_t i = 0; i < n; i++)
		if (!points(b, le, n_dims, w))
			return false;
	if (w)
		hv_json_arr_end(w);
	return true;
}

static const char *const type_names[] = {
	NULL,	      "Point",		 "LineString",	 "Polygon",
	"MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection",
};

/* One geometry (with its header). part_of: the member type a Multi* requires (its member is
 * written as coordinates only); 0: a whole geometry object. */
static bool geometry(struct wkb *b, struct hv_json *w, int depth, uint32_t part_of)
{
	uint32_t code, type, n;
	unsigned n_dims = 2;
	bool le;

	if (depth > GEOM_MAX_DEPTH || b->pos >= b->len || b->p[b->pos] > 1)
		return false;
	le = b->p[b->pos++] == 1;
	if (!rd_u32(b, le, &code))
		return false;
	/* EWKB flags (Z 0x80000000, M 0x40000000, SRID 0x20000000) or ISO thousands. */
	if (code & 0x20000000u) {
		uint32_t srid;

		if (!rd_u32(b, le, &srid) || (srid != 0 && srid != 4326))
			return false;
	}
	n_dims += (code & 0x80000000u) != 0;
	n_dims += (code & 0x40000000u) != 0;
	code &= 0x0fffffffu;
	if (code >= 1000 && code < 4000) {
		n_dims = code / 1000 == 3 ? 4 : 3;
		code %= 1000;
	}
	type = code;
	if (type < 1 || type > 7 || (part_of && type != part_of))
		return false;
	if (w && !part_of) {
		hv_json_obj_begin(w);
		hv_json_key(w, "type");
		hv_json_str(w, type_names[type]);
		hv_json_key(w, type == 7 ? "geometries" : "coordinates");
	}
	switch (type) {
	case 1:
		if (!position(b, le, n_dims, w))
			return false;
		break;
	case 2:
		if (!points(b, le, n_dims, w))
			return false;
		break;
	case 3:
		if (!rings(b, le, n_dims, w))
			return false;
		break;
	default:
		if (!count(b, le, 9, &n))
			return false;
		if (w)
			hv_json_arr_begin(w);
		for (uint32_t i = 0; i < n; i++)
			if (!geometry(b, w, depth + 1, type == 7 ? 0 : type - 3))
				return false;
		if (w)
			hv_json_arr_end(w);
	}
	if (w && !part_of)
		hv_json_obj_end(w);
	return true;
}

int hv_api_geojson_geometry(struct hv_json *w, const unsigned char *wkb, size_t len)
{
	struct wkb b = {.p = wkb, .len = len};

	if (!wkb || !len) {
		hv_json_null(w);
		return HV_OK;
	}
	/* Check the whole input first, so a bad one never leaves half a geometry behind. */
	if (!geometry(&b, NULL, 0, 0) || b.pos != len) {
		hv_json_null(w);
		return HV_EINVAL;
	}
	b.pos = 0;
	geometry(&b, w, 0, 0);
	return HV_OK;
}
