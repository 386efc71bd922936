/* SPDX-License-Identifier: Apache-2.0 */
/* The lookup index, answering: exact point in polygon, the inside test and the near search.
 *
 * A lookup maps the point to its grid cell with arithmetic. One byte of the clearance raster
 * settles most points: nothing can cover a point in a block no item's box touches, and nothing
 * is nearer than the edge of the square of free blocks around it. Otherwise the cell's range in
 * cell_start leads to its entries (8 bytes each: the polygon's word offset and its box clipped to
 * the cell in 1/256ths of it), where most candidates fail the box test without a further read;
 * a candidate that passes is tested on its polygon data, contiguous and in Z-order. A cell wholly
 * inside a polygon says so in its entry and needs no test; a polygon with many vertices reads
 * only the edges of the horizontal band at the point's latitude. Coordinates stay doubles and
 * every orientation is exact, so answers equal GEOS covers.
 *
 * Distances use a local equirectangular projection with the WGS 84 ellipsoid's radii of
 * curvature at the query's latitude. For a distance d its relative error is about d / 6,400 km
 * (the change of scale across d): under 0.1 mm at 25 m, about 1.6 cm at 100 km. */
#include <math.h>
#include <string.h>

#include "geo/index_internal.h"

#include "core/banned.h"

/* Polygons already measured in one near search (a polygon is listed in several cells), and
 * candidates gathered before they are measured. */
#define NEAR_SEEN  32
#define NEAR_CANDS 64
/* Near searches reaching at most this many cells gather them all at once; larger ones go ring
 * by ring, nearest first, and stop early. */
#define NEAR_WINDOW_MAX 9

/* The local scale at lat_deg: interpolated in the index's table inside the grid's latitudes
 * (sin, cos and sqrt per lookup would cost more than the search), computed outside. */
static void index_scale(const struct hv_index *ix, double lat_deg, double *kx, double *ky)
{
	double t = (lat_deg - ix->scale_lat0) * ix->scale_inv_step, f;
	uint32_t i;

	if (!(t >= 0.0 && t < HV_INDEX_SCALE_STEPS)) {
		hv_index_local_scale(lat_deg, kx, ky);
		return;
	}
	i = (uint32_t)t;
	f = t - i;
	*kx = ix->scale[2 * i] + f * (ix->scale[2 * i + 2] - ix->scale[2 * i]);
	*ky = ix->scale[2 * i + 1] + f * (ix->scale[2 * i + 3] - ix->scale[2 * i + 1]);
}

/* ---- point in polygon ---- */

/* Adds the crossings of one ring stored without its closing vertex; true when the point lies on
 * the ring. */
static bool ring_test(const double *xy, uint32_t n, double px, double py, unsigned *crossings)
{
	double x1 = xy[2 * n - 2], y1 = xy[2 * n - 1];

	for (uint32_t i = 0; i < n; i++) {
		double x2 = xy[2 * i], y2 = xy[2 * i + 1];

		if (hv_index_edge(x1, y1, x2, y2, px, py, crossings))
			return true;
		x1 = x2;
		y1 = y2;
	}
	return false;
}

bool hv_index_poly_covers(const struct hv_index_head *h, double px, double py)
{
	uint32_t n_rings = h->n_rings & ~HV_INDEX_H_BANDED;
	unsigned crossings = 0;

	if (h->n_rings & HV_INDEX_H_BANDED) {
		const double *xy = (const double *)(h + 1);
		const struct hv_index_bands *bd = hv_index_bands_of(h);
		const uint32_t *start = (const uint32_t *)(bd + 1);
		const uint32_t *edge = start + bd->n_bands + 1;
		uint32_t k = hv_index_band_of(bd, py);

		for (uint32_t i = start[k]; i < start[k + 1]; i++) {
			const double *v = xy + 2 * (size_t)edge[i];

			if (hv_index_edge(v[0], v[1], v[2], v[3], px, py, &crossings))
				return true;
		}
	} else if (n_rings == 1) {
		return ring_test((const double *)(h + 1), h->n_vert, px, py, &crossings) ||
		       (crossings & 1);
	} else {
		const uint32_t *table = (const uint32_t *)(h + 1);
		const double *xy = (const double *)((const uint64_t *)(h + 1) + (n_rings + 1) / 2);

		for (uint32_t r = 0; r < n_rings; r++) {
			if (ring_test(xy, table[r], px, py, &crossings))
				return true;
			xy += 2 * (size_t)table[r];
		}
	}
	return crossings & 1;
}

/* ---- lookups ----
 *
 * A lookup is staged so that the cache misses of one stage overlap: the clearance byte and the
 * point's cell range together; then the ranges of every cell the near search needs; then all
 * their entries; then the data of every candidate polygon. Three or four misses in sequence,
 * however many cells and candidates. */

/* Where a query falls. */
struct spot {
	double px, py;
	uint32_t gx, gy; /* sub-cell coordinates */
	uint32_t cell;
	double kx, ky; /* metres per degree there, when a near search may follow */
};

/* Inserts an INSIDE match into out[0 .. min(n, cap)) kept sorted by area, then ref. */
static void add_inside(struct hv_index_match *out, size_t cap, size_t n,
		       const struct hv_index_head *h)
{
	struct hv_index_match m = {
		.ref = h->ref, .relation = HV_INDEX_INSIDE, .area_m2 = h->area_m2};
	size_t have = n < cap ? n : cap, i = have;

	while (i > 0 && (m.area_m2 < out[i - 1].area_m2 ||
			 (m.area_m2 == out[i - 1].area_m2 && m.ref < out[i - 1].ref)))
		i--;
	if (i >= cap)
		return;
	memmove(out + i + 1, out + i, ((have < cap ? have : cap - 1) - i) * sizeof(*out));
	out[i] = m;
}

static bool in_box(const struct hv_index_entry *e, const struct spot *s)
{
	uint32_t ux = s->gx & 255, uy = s->gy & 255;

	return ux - e->x0 <= (uint32_t)(e->x1 - e->x0) && uy - e->y0 <= (uint32_t)(e->y1 - e->y0);
}

/* Could any polygon cover the point at all? */
static bool in_polygons_box(const struct hv_index *ix, const struct spot *s)
{
	return ix->has_polys && s->px >= ix->minx && s->px <= ix->maxx && s->py >= ix->miny &&
	       s->py <= ix->maxy;
}

/* Starts loading the polygons among the point's cell entries [e, end) whose box holds it. */
static void inside_prefetch(const struct hv_index *ix, const struct hv_index_entry *e,
			    const struct hv_index_entry *end, const struct spot *s)
{
	/* Points follow the polygons in a cell and never cover anything. */
	for (; e < end && !(e->id & HV_INDEX_E_POINT); e++)
		if (!(e->id & HV_INDEX_E_FULL) && in_box(e, s))
			PREFETCH(ix->blob + (e->id & HV_INDEX_E_MASK));
}

/* The polygons among the point's cell entries [e, end) that cover it, smallest first. */
static size_t inside_eval(const struct hv_index *ix, const struct hv_index_entry *e,
			  const struct hv_index_entry *end, const struct spot *s,
			  struct hv_index_match *out, size_t cap)
{
	size_t n = 0;

	for (; e < end && !(e->id & HV_INDEX_E_POINT); e++) {
		const struct hv_index_head *h;

		if (!in_box(e, s))
			continue;
		h = (const struct hv_index_head *)(ix->blob + (e->id & HV_INDEX_E_MASK));
		if ((e->id & HV_INDEX_E_FULL) || hv_index_poly_covers(h, s->px, s->py))
			add_inside(out, cap, n++, h);
	}
	return n;
}

static size_t find_inside(const struct hv_index *ix, const struct spot *s,
			  struct hv_index_match *out, size_t cap)
{
	const struct hv_index_entry *e = ix->entries + ix->cell_start[s->cell];
	const struct hv_index_entry *end = ix->entries + ix->cell_start[s->cell + 1];

	if (!in_polygons_box(ix, s))
		return 0;
	inside_prefetch(ix, e, end, s);
	return inside_eval(ix, e, end, s, out, cap);
}

/* Squared distance from the origin to segment a-b (metres). Branch-free: which end or the
 * interior is nearest is as unpredictable as the data, and a mispredicted branch costs more than
 * the division. */
static double seg_dist2(double ax, double ay, double bx, double by)
{
	double ex = bx - ax, ey = by - ay, along = -(ax * ex + ay * ey), l2 = ex * ex + ey * ey;
	double t = dmin(dmax(along, 0.0), l2) / (l2 > 0.0 ? l2 : 1.0), dx = ax + t * ex;
	double dy = ay + t * ey;

	return dx * dx + dy * dy;
}

/* A near-search candidate: an entry and a lower bound of its squared distance. */
struct cand {
	double lb2;
	uint32_t id;
};

/* One near search: the query, its local scale, the candidates gathered from the cells visited
 * and the best match so far. Candidates are measured nearest bound first, so the best distance
 * shrinks early and most candidates are dismissed by their bound alone. */
struct near {
	double px, py;
	double kx, ky;	 /* metres per degree */
	double mx, my;	 /* metres per sub-cell */
	uint32_t gx, gy; /* the query's sub-cell */
	double best;	 /* distance of the match, or the radius while there is none */
	bool found;
	struct hv_index_match m;
	struct cand cand[NEAR_CANDS];
	unsigned n_cand;
	size_t seen[NEAR_SEEN];
	unsigned n_seen;
};

static double edge_dist2(const struct near *q, const double *a, const double *b)
{
	return seg_dist2((a[0] - q->px) * q->kx, (a[1] - q->py) * q->ky, (b[0] - q->px) * q->kx,
			 (b[1] - q->py) * q->ky);
}

/* Distance from the query to the polygon's boundary. A banded polygon reads only the bands within
 * the current best distance in y: any edge nearer lies in one of them. */
static double poly_distance(const struct near *q, const struct hv_index_head *h)
{
	uint32_t n_rings = h->n_rings & ~HV_INDEX_H_BANDED;
	const double *xy;
	double d2 = INFINITY;

	if (h->n_rings & HV_INDEX_H_BANDED) {
		const struct hv_index_bands *bd = hv_index_bands_of(h);
		const uint32_t *start = (const uint32_t *)(bd + 1);
		const uint32_t *edge = start + bd->n_bands + 1;
		double dy = q->best / q->ky * (1.0 + 1e-9) + 1e-12;
		uint32_t k0 = hv_index_band_of(bd, q->py - dy),
			 k1 = hv_index_band_of(bd, q->py + dy);

		xy = (const double *)(h + 1);
		for (uint32_t i = start[k0]; i < start[k1 + 1]; i++) {
			const double *v = xy + 2 * (size_t)edge[i];

			d2 = dmin(edge_dist2(q, v, v + 2), d2);
		}
		return sqrt(d2);
	}
	if (n_rings == 1)
		xy = (const double *)(h + 1);
	else
		xy = (const double *)((const uint64_t *)(h + 1) + (n_rings + 1) / 2);
	for (uint32_t r = 0; r < n_rings; r++) {
		uint32_t n = n_rings == 1 ? h->n_vert : ((const uint32_t *)(h + 1))[r];
		const double *prev = xy + 2 * (size_t)(n - 1);

		for (uint32_t i = 0; i < n; i++) {
			d2 = dmin(edge_dist2(q, prev, xy + 2 * (size_t)i), d2);
			prev = xy + 2 * (size_t)i;
		}
		xy += 2 * (size_t)n;
	}
	return sqrt(d2);
}

static void near_offer(struct near *q, double d, int64_t ref, double area_m2)
{
	if (q->found ? d > q->best || (d == q->best && ref >= q->m.ref) : !(d <= q->best))
		return;
	q->found = true;
	q->best = d;
	q->m = (struct hv_index_match){
		.ref = ref, .relation = HV_INDEX_NEAR, .distance_m = d, .area_m2 = area_m2};
}

static bool seen_before(struct near *q, size_t off)
{
	for (unsigned i = 0; i < q->n_seen; i++)
		if (q->seen[i] == off)
			return true;
	if (q->n_seen < NEAR_SEEN)
		q->seen[q->n_seen++] = off;
	return false;
}

/* Measures the gathered candidates, nearest bound first, while a bound can still beat the best. */
static void near_flush(const struct hv_index *ix, struct near *q)
{
	/* Start every candidate's load before the first is needed. */
	for (unsigned i = 0; i < q->n_cand; i++) {
		uint32_t id = q->cand[i].id;

		if (id & HV_INDEX_E_POINT)
			PREFETCH(&ix->points[id & HV_INDEX_E_MASK]);
		else
			PREFETCH(ix->blob + (id & HV_INDEX_E_MASK));
	}
	/* Insertion sort: a handful of candidates. */
	for (unsigned i = 1; i < q->n_cand; i++) {
		struct cand c = q->cand[i];
		unsigned j = i;

		for (; j > 0 && q->cand[j - 1].lb2 > c.lb2; j--)
			q->cand[j] = q->cand[j - 1];
		q->cand[j] = c;
	}
	for (unsigned i = 0; i < q->n_cand && q->cand[i].lb2 <= q->best * q->best; i++) {
		uint32_t id = q->cand[i].id;

		if (id & HV_INDEX_E_POINT) {
			const struct hv_index_point *p = &ix->points[id & HV_INDEX_E_MASK];
			double dx = (p->x - q->px) * q->kx, dy = (p->y - q->py) * q->ky;

			near_offer(q, sqrt(dx * dx + dy * dy), p->ref, 0.0);
		} else {
			size_t off = id & HV_INDEX_E_MASK;
			const struct hv_index_head *h =
				(const struct hv_index_head *)(ix->blob + off);

			if (!seen_before(q, off))
				near_offer(q, poly_distance(q, h), h->ref, h->area_m2);
		}
	}
	q->n_cand = 0;
}

/* Sub-cells between the query's and [lo, hi], less 2 for the positions inside the two
 * sub-cells and for rounding: a lower bound. Branch-free, like the gathering below. */
static double sub_gap(uint32_t g, uint32_t lo, uint32_t hi)
{
	int64_t below = (int64_t)lo - g - 2, above = (int64_t)g - hi - 2;
	int64_t gap = below > above ? below : above;

	return (double)(gap > 0 ? gap : 0);
}

/* Gathers the entries [e, end) of cell (cx, cy) whose box is within the best distance. Every
 * entry is written and the count advanced only for those that qualify: whether one does is as
 * unpredictable as the data. */
static void near_cell(const struct hv_index *ix, struct near *q, uint32_t cx, uint32_t cy,
		      const struct hv_index_entry *e, const struct hv_index_entry *end)
{
	double best2 = q->best * q->best;

	for (; e < end; e++) {
		double gx = sub_gap(q->gx, (cx << 8) + e->x0, (cx << 8) + e->x1) * q->mx;
		double gy = sub_gap(q->gy, (cy << 8) + e->y0, (cy << 8) + e->y1) * q->my;
		double lb2 = gx * gx + gy * gy;

		if (q->n_cand == NEAR_CANDS)
			near_flush(ix, q);
		q->cand[q->n_cand] = (struct cand){.lb2 = lb2, .id = e->id};
		/* A cell wholly inside a polygon holds none of its boundary: other cells do. */
		q->n_cand += (lb2 <= best2) & !(e->id & HV_INDEX_E_FULL);
	}
}

static void near_cell_at(const struct hv_index *ix, struct near *q, uint32_t cx, uint32_t cy)
{
	uint32_t cell = cy * ix->ncx + cx;

	near_cell(ix, q, cx, cy, ix->entries + ix->cell_start[cell],
		  ix->entries + ix->cell_start[cell + 1]);
}

/* The cells a search within q->best of the query can reach. */
struct window {
	int64_t x0, x1, y0, y1;
};

static struct window near_window(const struct hv_index *ix, const struct near *q)
{
	double dx = q->best / q->kx, dy = q->best / q->ky;

	return (struct window){
		.x0 = hv_index_grid_x(ix, q->px - dx) >> 8,
		.x1 = hv_index_grid_x(ix, q->px + dx) >> 8,
		.y0 = hv_index_grid_y(ix, q->py - dy) >> 8,
		.y1 = hv_index_grid_y(ix, q->py + dy) >> 8,
	};
}

/* Visits the cells at Chebyshev distance k from (cx, cy) inside the window. */
static void near_ring(const struct hv_index *ix, struct near *q, int64_t cx, int64_t cy, int64_t k,
		      struct window w)
{
	int64_t x0 = cx - k < w.x0 ? w.x0 : cx - k, x1 = cx + k > w.x1 ? w.x1 : cx + k;
	int64_t y0 = cy - k + 1 < w.y0 ? w.y0 : cy - k + 1;
	int64_t y1 = cy + k - 1 > w.y1 ? w.y1 : cy + k - 1;

	if (k == 0) {
		near_cell_at(ix, q, (uint32_t)cx, (uint32_t)cy);
		return;
	}
	for (int64_t x = x0; x <= x1; x++) {
		if (cy - k >= w.y0)
			near_cell_at(ix, q, (uint32_t)x, (uint32_t)(cy - k));
		if (cy + k <= w.y1)
			near_cell_at(ix, q, (uint32_t)x, (uint32_t)(cy + k));
	}
	for (int64_t y = y0; y <= y1; y++) {
		if (cx - k >= w.x0)
			near_cell_at(ix, q, (uint32_t)(cx - k), (uint32_t)y);
		if (cx + k <= w.x1)
			near_cell_at(ix, q, (uint32_t)(cx + k), (uint32_t)y);
	}
}

/* A large radius: rings of cells around the query's, nearest first, each clipped to the window
 * the best distance so far still reaches, until the window holds no further ring. */
static void near_rings(const struct hv_index *ix, struct near *q, const struct spot *s)
{
	int64_t cx = s->gx >> 8, cy = s->gy >> 8;
	struct window w = near_window(ix, q);

	for (int64_t k = 0;; k++) {
		double before = q->best;

		if (cx - k < w.x0 && cy - k < w.y0 && cx + k > w.x1 && cy + k > w.y1)
			break;
		near_ring(ix, q, cx, cy, k, w);
		near_flush(ix, q);
		if (q->best < before)
			w = near_window(ix, q);
	}
}

/* Inside test and near search over a small window in stages: all cell ranges, all entries, all
 * candidates' data, so their misses overlap. The point's own cell is tested for INSIDE after
 * the near candidates are gathered, while its polygons load. */
static size_t near_small(const struct hv_index *ix, struct near *q, const struct spot *s,
			 struct window w, bool inside, struct hv_index_match *out, size_t cap)
{
	const struct hv_index_entry *begin[NEAR_WINDOW_MAX], *end[NEAR_WINDOW_MAX];
	uint32_t cxs[NEAR_WINDOW_MAX], cys[NEAR_WINDOW_MAX];
	unsigned n = 0, own = 0;

	for (int64_t y = w.y0; y <= w.y1; y++) {
		PREFETCH(ix->cell_start + y * ix->ncx + w.x0);
		PREFETCH(ix->cell_start + y * ix->ncx + w.x1 + 1);
	}
	for (int64_t y = w.y0; y <= w.y1; y++) {
		for (int64_t x = w.x0; x <= w.x1; x++, n++) {
			uint32_t cell = (uint32_t)y * ix->ncx + (uint32_t)x;

			begin[n] = ix->entries + ix->cell_start[cell];
			end[n] = ix->entries + ix->cell_start[cell + 1];
			cxs[n] = (uint32_t)x;
			cys[n] = (uint32_t)y;
			own = cell == s->cell ? n : own;
			PREFETCH(begin[n]);
		}
	}
	inside = inside && in_polygons_box(ix, s);
	if (inside)
		inside_prefetch(ix, begin[own], end[own], s);
	for (unsigned i = 0; i < n; i++)
		near_cell(ix, q, cxs[i], cys[i], begin[i], end[i]);
	if (inside) {
		size_t k = inside_eval(ix, begin[own], end[own], s, out, cap);

		if (k > 0)
			return k;
	}
	near_flush(ix, q);
	return 0;
}

/* Every polygon covering the point (when inside may be true), else the nearest polygon
 * boundary or point within radius_m. */
static size_t find_near(const struct hv_index *ix, const struct spot *s, double radius_m,
			bool inside, struct hv_index_match *out, size_t cap)
{
	struct near q;
	struct window w;
	double dx, dy;

	/* Not an initialiser: zeroing the candidate arrays would cost more than the search. */
	q.px = s->px;
	q.py = s->py;
	q.best = radius_m;
	q.found = false;
	q.n_cand = 0;
	q.n_seen = 0;
	q.kx = s->kx;
	q.ky = s->ky;
	q.mx = q.kx / ix->sx;
	q.my = q.ky / ix->sy;
	q.gx = s->gx;
	q.gy = s->gy;
	w = near_window(ix, &q);
	if ((w.x1 - w.x0 + 1) * (w.y1 - w.y0 + 1) <= NEAR_WINDOW_MAX) {
		size_t n = near_small(ix, &q, s, w, inside, out, cap);

		if (n > 0)
			return n;
	} else {
		size_t n = inside ? find_inside(ix, s, out, cap) : 0;

		if (n > 0)
			return n;
		/* Nothing when even the grid's box is out of reach. */
		dx = dmax(dmax(ix->gx0 - s->px, s->px - (ix->gx0 + ix->ncx * ix->cell_w_deg)), 0.0);
		dy = dmax(dmax(ix->gy0 - s->py, s->py - (ix->gy0 + ix->ncy * ix->cell_h_deg)), 0.0);
		if (hypot(dx * q.kx, dy * q.ky) > radius_m)
			return 0;
		near_rings(ix, &q, s);
	}
	if (!q.found)
		return 0;
	if (cap > 0)
		out[0] = q.m;
	return 1;
}

/* How far the query is from the edge of the square of free blocks around its block (d > 0 is the
 * block's clearance value): no item is nearer. Negative when the query lies outside the square
 * (a query off the grid, whose block was clamped). */
static double clearance_m(const struct hv_index *ix, const struct spot *s, uint8_t d)
{
	double bx = (double)(s->gx >> ix->clear_shift), by = (double)(s->gy >> ix->clear_shift);
	double rings = d - 1;
	double left = ix->gx0 + (bx - rings) * ix->block_w_deg;
	double right = ix->gx0 + (bx + rings + 1) * ix->block_w_deg;
	double bottom = ix->gy0 + (by - rings) * ix->block_h_deg;
	double top = ix->gy0 + (by + rings + 1) * ix->block_h_deg;

	/* Less a micrometre: the block edges and the grid mapping round differently. */
	return dmin(dmin(s->px - left, right - s->px) * s->kx,
		    dmin(s->py - bottom, top - s->py) * s->ky) -
	       1e-6;
}

static uint8_t clearance(const struct hv_index *ix, const struct spot *s)
{
	uint32_t bx = s->gx >> ix->clear_shift, by = s->gy >> ix->clear_shift;

	return (ix->clear[(size_t)by * ix->clear_stride + bx / 2] >> (4 * (bx & 1))) & 15;
}

/* Places a query; false when it can match nothing (no index, not a WGS 84 coordinate). */
static bool place(const struct hv_index *ix, double lon, double lat, double radius_m,
		  struct spot *s)
{
	if (!ix || ix->n_cells == 0 || !isfinite(lon) || !isfinite(lat) || fabs(lon) > 180.0 ||
	    fabs(lat) > 90.0)
		return false;
	s->px = lon;
	s->py = lat;
	s->gx = hv_index_grid_x(ix, lon);
	s->gy = hv_index_grid_y(ix, lat);
	s->cell = (s->gy >> 8) * ix->ncx + (s->gx >> 8);
	if (radius_m > 0.0)
		index_scale(ix, lat, &s->kx, &s->ky);
	return true;
}

/* The clearance raster's verdict: nothing covers the point (d > 0) and nothing is within
 * radius_m of it. */
static bool clear_of_all(const struct hv_index *ix, const struct spot *s, uint8_t d,
			 double radius_m)
{
	return d > 0 && (!(radius_m > 0.0) || clearance_m(ix, s, d) > radius_m);
}

bool hv_index_no_match(const struct hv_index *ix, double lon, double lat, double radius_m)
{
	struct spot s;

	return !place(ix, lon, lat, radius_m, &s) ||
	       clear_of_all(ix, &s, clearance(ix, &s), radius_m);
}

size_t hv_index_lookup(const struct hv_index *ix, double lon, double lat, double radius_m,
		       struct hv_index_match *out, size_t cap)
{
	struct spot s;
	uint8_t d;

	if (!place(ix, lon, lat, radius_m, &s))
		return 0;
	/* The cell range loads with the clearance byte: it is needed unless that says otherwise. */
	PREFETCH(ix->cell_start + s.cell);
	d = clearance(ix, &s);
	if (clear_of_all(ix, &s, d, radius_m))
		return 0;
	if (!(radius_m > 0.0))
		return find_inside(ix, &s, out, cap);
	return find_near(ix, &s, radius_m, d == 0, out, cap);
}
