/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the lookup index's files only: the builder's staging arrays, the built index's
 * memory layout, the grid mapping, and the exact point-in-ring kernel. */
#ifndef HV_GEO_INDEX_INTERNAL_H
#define HV_GEO_INDEX_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geo/index.h"

/* ---- builder ---- */

struct hv_index_bpoly {
	int64_t ref;
	size_t ring0; /* first ring in rings[] */
	uint32_t n_rings;
};

struct hv_index_bring {
	size_t v0;  /* first vertex in xy[] (a vertex is two doubles) */
	uint32_t n; /* vertices without the closing one */
	bool shell; /* the first ring of a polygon part; the others are holes */
};

struct hv_index_bpoint {
	double x, y;
	int64_t ref;
};

struct hv_index_builder {
	struct hv_index_bpoly *polys;
	size_t n_polys, cap_polys;
	struct hv_index_bring *rings;
	size_t n_rings, cap_rings;
	double *xy;
	size_t n_xy, cap_xy; /* vertices, not doubles */
	struct hv_index_bpoint *points;
	size_t n_points, cap_points;
	size_t n_input_vertices; /* as the WKB had them, closing vertices included */
	size_t blob_words;	 /* upper bound of the built polygon data, in 8-byte words */
};

/* The built polygon data is addressed by 30-bit offsets in 8-byte words (8 GiB); the builder
 * refuses geometries past this bound so hv_index_build cannot fail. */
#define HV_INDEX_MAX_WORDS  ((size_t)1 << 30)
#define HV_INDEX_MAX_POINTS ((size_t)1 << 28)

/* Upper bound of the words one polygon takes once built (head, ring table, coordinates with
 * the closing vertex, band table); see index.c's blob layout. */
static inline size_t hv_index_poly_words_bound(size_t n_rings, size_t n_vertices)
{
	return 8 + n_rings + 2 * (n_vertices + n_rings) + 4 * (n_vertices + n_rings);
}

/* Parses one WKB geometry into b (index_wkb.c); on error b is as before. */
int hv_index_wkb_add(struct hv_index_builder *b, int64_t ref, const unsigned char *wkb, size_t len,
		     struct hv_err *err);

/* ---- the built index ---- */

/* One polygon or point in one grid cell. The 8-bit box is the part of the item's bounding box
 * inside the cell, in 1/256ths of the cell, rounded outwards: a point outside it is outside the
 * item, so most candidates are rejected without touching their data. */
struct hv_index_entry {
	uint32_t id; /* HV_INDEX_E_* flags | word offset of the polygon or index of the point */
	uint8_t x0, x1, y0, y1;
};

#define HV_INDEX_E_POINT 0x80000000u /* id is an index into points[] */
#define HV_INDEX_E_FULL	 0x40000000u /* the polygon covers the whole cell */
#define HV_INDEX_E_MASK	 0x3fffffffu

/* Each polygon's data, contiguous and 8-byte aligned, in space-filling-curve order:
 *   head; ring table (u32 vertex counts, only when not banded and n_rings > 1, padded);
 *   coordinates (x, y doubles; closing vertices omitted unless banded);
 *   when banded: struct hv_index_bands, u32 start[n_bands + 1], u32 edge[] (padded). */
struct hv_index_head {
	int64_t ref;
	double area_m2;
	uint32_t n_vert;  /* stored vertices */
	uint32_t n_rings; /* | HV_INDEX_H_BANDED */
};

#define HV_INDEX_H_BANDED 0x80000000u

/* A banded polygon's edges by horizontal band: every edge whose closed y-range meets band k is
 * listed in edge[start[k] .. start[k + 1]) as the index of its first vertex (the edge runs to
 * the next stored vertex). Band of y: clamp(floor((y - y0) * scale), 0, n_bands - 1). */
struct hv_index_bands {
	double y0, scale;
	uint32_t n_bands, pad;
};

struct hv_index_point {
	double x, y;
	int64_t ref;
};

/* Linear interpolation of the local scale between these many latitudes of the grid's span has a
 * relative error below (span / steps)^2 / 8 in radians: 1e-11 for a city, 1e-7 for the world. */
#define HV_INDEX_SCALE_STEPS 4096

struct hv_index {
	/* Grid: sub-cell coordinate of x is floor((x - gx0) * sx), clamped to [0, gmax_x]; the cell
	 * is that >> 8. The same monotone mapping places items and queries, so an item whose box
	 * holds a point is always listed in the point's cell. */
	double gx0, gy0, sx, sy;
	uint32_t ncx, ncy, gmax_x, gmax_y;
	double cell_w_deg, cell_h_deg;
	double minx, miny, maxx, maxy; /* bounding box of the polygons */
	bool has_polys;
	/* Metres per degree (x, y) at SCALE_STEPS + 1 latitudes spanning the grid. */
	double scale_lat0, scale_inv_step;
	double scale[2 * (HV_INDEX_SCALE_STEPS + 1)];
	/* Clearance raster: blocks of 2^clear_shift sub-cells a side, row-major, four bits each:
	 * the chessboard distance in blocks (15 at most) to the nearest block an item's box
	 * touches, 0 for such a block. A point whose block is not 0 is covered by nothing, and no
	 * item is nearer than the edge of the square of free blocks around its block. */
	uint8_t *clear;
	uint32_t clear_shift, nbx, nby, clear_stride; /* stride in bytes */
	double block_w_deg, block_h_deg;
	uint32_t *cell_start; /* ncx * ncy + 1 */
	struct hv_index_entry *entries;
	uint64_t *blob;
	struct hv_index_point *points;
	size_t n_cells, n_entries, blob_words;
	size_t n_polys, n_points, n_vertices;
	size_t memory;
};

static inline uint32_t hv_index_sub(double v, double origin, double scale, uint32_t max)
{
	double f = (v - origin) * scale;

	if (!(f > 0.0))
		return 0;
	if (f >= (double)max)
		return max;
	return (uint32_t)f;
}

static inline uint32_t hv_index_grid_x(const struct hv_index *ix, double x)
{
	return hv_index_sub(x, ix->gx0, ix->sx, ix->gmax_x);
}

static inline uint32_t hv_index_grid_y(const struct hv_index *ix, double y)
{
	return hv_index_sub(y, ix->gy0, ix->sy, ix->gmax_y);
}

/* fmin and fmax are library calls (their NaN rules defeat inlining); no NaN gets this far. */
static inline double dmin(double a, double b)
{
	return a < b ? a : b;
}

static inline double dmax(double a, double b)
{
	return a > b ? a : b;
}

static inline const struct hv_index_bands *hv_index_bands_of(const struct hv_index_head *h)
{
	return (const struct hv_index_bands *)((const double *)(h + 1) + 2 * (size_t)h->n_vert);
}

static inline uint32_t hv_index_band_of(const struct hv_index_bands *bd, double y)
{
	return hv_index_sub(y, bd->y0, bd->scale, bd->n_bands - 1);
}

/* Metres per degree of longitude (*kx) and latitude (*ky) at lat_deg on the WGS 84 ellipsoid:
 * the prime-vertical radius times cos(lat), and the meridional radius (index.c). */
void hv_index_local_scale(double lat_deg, double *kx, double *ky);

/* True when the polygon covers the point (interior or boundary). The crossing parity is taken
 * over all rings of all parts together, as GEOS's point locator does (index_lookup.c). */
bool hv_index_poly_covers(const struct hv_index_head *h, double px, double py);

/* Spreads the low 16 bits of v to the even bits. */
static inline uint32_t hv_index_spread16(uint32_t v)
{
	v &= 0xffff;
	v = (v | (v << 8)) & 0x00ff00ffu;
	v = (v | (v << 4)) & 0x0f0f0f0fu;
	v = (v | (v << 2)) & 0x33333333u;
	v = (v | (v << 1)) & 0x55555555u;
	return v;
}

/* Z-order (Morton) key of a cell: neighbours in space are mostly neighbours in the key. */
static inline uint32_t hv_index_morton(uint32_t cx, uint32_t cy)
{
	return hv_index_spread16(cx) | (hv_index_spread16(cy) << 1);
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* True when a lookup is sure to find nothing, known from the clearance raster alone (index.c):
 * batch mode answers most points so, in input order, and sorts only the others. */
bool hv_index_no_match(const struct hv_index *ix, double lon, double lat, double radius_m);

/* hv_xmalloc with transparent huge pages asked for (index.c). */
void *hv_index_big_alloc(size_t n);

/* Sorts a[0..n) by the upper 32 bits, stably (LSD radix); tmp holds n (index.c). */
void hv_index_radix_sort(uint64_t *a, uint64_t *tmp, size_t n);

/* ---- exact predicates (index_pred.c) ---- */

/* Sign of the orientation of c relative to a->b computed exactly (expansion arithmetic):
 * 1 left (counter-clockwise), -1 right, 0 collinear. Exact unless a product of two coordinates
 * underflows (coordinates below about 1e-150 in magnitude). */
int hv_index_orient_exact(double ax, double ay, double bx, double by, double cx, double cy);

/* Shewchuk's bound for the floating-point orientation determinant: (3 + 16 eps) eps. */
#define HV_INDEX_CCW_ERRBOUND (3.3306690738754716e-16)

/* The orientation sign: a floating-point determinant when its error bound proves the sign, the
 * exact computation otherwise (points on or very near the line). */
static inline int hv_index_orient(double ax, double ay, double bx, double by, double cx, double cy)
{
	double l = (ax - cx) * (by - cy);
	double r = (ay - cy) * (bx - cx);
	double det = l - r;
	double bound = HV_INDEX_CCW_ERRBOUND * (fabs(l) + fabs(r));

	if (det > bound)
		return 1;
	if (-det > bound)
		return -1;
	return hv_index_orient_exact(ax, ay, bx, by, cx, cy);
}

/* One edge of a ray-crossing count for the ray from (px, py) towards +x. Returns true when the
 * point lies on the edge; else adds 1 to *crossings when the ray crosses it. These are GEOS's
 * RayCrossingCounter rules (an upward edge includes its start and excludes its end, a downward
 * one the reverse; horizontal edges only decide "on the boundary"), so the parity and the
 * boundary decision agree with GEOS for every point, with exact orientation where it matters. */
static inline bool hv_index_edge(double x1, double y1, double x2, double y2, double px, double py,
				 unsigned *crossings)
{
	int o;

	if (x1 < px && x2 < px)
		return false;
	if (x2 == px && y2 == py)
		return true;
	if (x1 == px && y1 == py)
		return true;
	if ((y1 > py) == (y2 > py)) {
		/* No crossing; the point is on this edge only if it is horizontal through it. */
		if (y1 == py && y2 == py)
			return (px >= x1 || px >= x2) && (px <= x1 || px <= x2);
		return false;
	}
	if (x1 > px && x2 > px) {
		(*crossings)++;
		return false;
	}
	o = hv_index_orient(x1, y1, x2, y2, px, py);
	if (o == 0)
		return true;
	if ((o > 0) == (y2 > y1))
		(*crossings)++;
	return false;
}

#endif
