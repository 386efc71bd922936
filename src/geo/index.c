/* SPDX-License-Identifier: Apache-2.0 */
/* The lookup index, building: polygon data laid out in Z-order, the grid with its per-cell
 * entries, the classification of large polygons' cells, and the clearance raster. How lookups
 * use them is in index_lookup.c; the memory layout in index_internal.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/xalloc.h"
#include "geo/index_internal.h"

#include "core/banned.h"

#define DEG	 (3.14159265358979323846 / 180.0)
#define WGS84_A	 6378137.0
#define WGS84_E2 6.69437999014e-3 /* first eccentricity squared */

/* Radix sort digits. */
#define RADIX_BITS 11
#define RADIX_MASK ((1u << RADIX_BITS) - 1)

/* Polygons with more stored vertices than this get a band table: testing all edges of a park
 * (hundreds of vertices) would cost more than the two extra reads of its band. */
#define BAND_MIN_VERTICES 48
/* Band table size: one band per this many edges, at most 65536 bands; a table holding more than
 * BAND_MAX_FACTOR entries per edge (long edges in many bands) is halved until it does not. */
#define EDGES_PER_BAND	2
#define BAND_MAX	65536
#define BAND_MAX_FACTOR 4

/* The grid aims at this many cells per item; cells are square in metres. */
#define CELLS_PER_ITEM 1.0
#define GRID_MAX_DIM   65535u
#define GRID_MAX_CELLS ((size_t)1 << 26)
/* Polygons whose box spans more cells than this have each cell classified (boundary crosses it,
 * wholly inside, wholly outside) instead of being listed in every cell of their box. */
#define CLASSIFY_MIN_CELLS 8
/* The clearance raster's size limit, in blocks (half a byte each) per item. */
#define CLEAR_BLOCKS_PER_ITEM 16

/* ---- small helpers ---- */

void hv_index_local_scale(double lat_deg, double *kx, double *ky)
{
	double s = sin(lat_deg * DEG), c = cos(lat_deg * DEG);
	double w = 1.0 - WGS84_E2 * s * s;
	double n = WGS84_A / sqrt(w);

	*kx = n * c * DEG;
	*ky = n * (1.0 - WGS84_E2) / w * DEG;
}

static void build_scale(struct hv_index *ix)
{
	double h = ix->ncy * ix->cell_h_deg;

	ix->scale_lat0 = ix->gy0;
	ix->scale_inv_step = HV_INDEX_SCALE_STEPS / h;
	for (uint32_t i = 0; i <= HV_INDEX_SCALE_STEPS; i++)
		hv_index_local_scale(ix->gy0 + h * i / HV_INDEX_SCALE_STEPS, &ix->scale[2 * i],
				     &ix->scale[2 * i + 1]);
}

/* Asks for transparent huge pages on the big arrays: a lookup's random reads then rarely miss
 * the TLB, which on this hardware costs about as much as the cache miss itself, and filling a
 * fresh array takes one page fault per 2 MiB instead of per 4 KiB. */
void *hv_index_big_alloc(size_t n)
{
	void *p = hv_xmalloc(n);
#ifdef MADV_HUGEPAGE
	uintptr_t a = ((uintptr_t)p + ((uintptr_t)2 << 20) - 1) & ~(((uintptr_t)2 << 20) - 1);
	uintptr_t e = ((uintptr_t)p + n) & ~(((uintptr_t)2 << 20) - 1);

	if (e > a)
		madvise((void *)a, e - a, MADV_HUGEPAGE);
#endif
	return p;
}

/* Sorts a[0..n) by the upper 32 bits (LSD radix, 11 bits a pass over the bits some key uses:
 * two passes for the keys of a grid of a million cells); tmp holds n. Stable, so equal keys keep
 * their order. */
void hv_index_radix_sort(uint64_t *a, uint64_t *tmp, size_t n)
{
	uint64_t *src = a, *dst = tmp, *t, used = 0;
	size_t count[1 << RADIX_BITS];

	for (size_t i = 0; i < n; i++)
		used |= a[i];
	for (int shift = 32; shift < 64 && (used >> shift) != 0; shift += RADIX_BITS) {
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & RADIX_MASK]++;
		for (size_t d = 0; d <= RADIX_MASK; d++) {
			size_t c = count[d];

			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & RADIX_MASK]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* ---- builder ---- */

struct hv_index_builder *hv_index_builder_new(void)
{
	return hv_xcalloc(1, sizeof(struct hv_index_builder));
}

int hv_index_builder_add_wkb(struct hv_index_builder *b, int64_t ref, const unsigned char *wkb,
			     size_t len, struct hv_err *err)
{
	return hv_index_wkb_add(b, ref, wkb, len, err);
}

void hv_index_builder_add_point(struct hv_index_builder *b, int64_t ref, double lon, double lat)
{
	if (!isfinite(lon) || !isfinite(lat) || fabs(lon) > 180.0 || fabs(lat) > 90.0)
		return;
	if (b->n_points >= HV_INDEX_MAX_POINTS)
		return;
	b->points = hv_xgrow(b->points, &b->cap_points, b->n_points + 1, sizeof(*b->points));
	b->points[b->n_points++] = (struct hv_index_bpoint){.x = lon, .y = lat, .ref = ref};
}

void hv_index_builder_free(struct hv_index_builder *b)
{
	if (!b)
		return;
	free(b->polys);
	free(b->rings);
	free(b->xy);
	free(b->points);
	free(b);
}

/* ---- measuring polygons ---- */

/* What the build learns about one polygon before laying it out. */
struct pinfo {
	double minx, miny, maxx, maxy;
	double area_m2;
	size_t off;	   /* word offset of its data */
	size_t words;	   /* size of its data in words */
	uint32_t n_stored; /* vertices stored (closing ones too when banded) */
	bool banded;
	uint32_t n_bands;
	double band_y0, band_scale;
	uint32_t *band_table; /* banded: start[n_bands + 1] then edge[] */
	size_t n_band_table;
	bool classified;       /* listed by classify_poly's cells, not by its box */
	size_t mark0, n_marks; /* its cells in the build's mark list */
};

static const double *vertex(const struct hv_index_builder *b, const struct hv_index_bring *r,
			    uint32_t i)
{
	return b->xy + 2 * (r->v0 + (i < r->n ? i : i - r->n));
}

/* Twice the signed area of a ring in degrees squared, relative to its first vertex to keep the
 * products small (and so precise). */
static double ring_area2(const struct hv_index_builder *b, const struct hv_index_bring *r)
{
	const double *v0 = vertex(b, r, 0);
	double sum = 0.0;

	for (uint32_t i = 1; i + 1 < r->n; i++) {
		const double *p = vertex(b, r, i), *q = vertex(b, r, i + 1);

		sum += (p[0] - v0[0]) * (q[1] - v0[1]) - (q[0] - v0[0]) * (p[1] - v0[1]);
	}
	return sum;
}

/* Builds the band table of a banded polygon. Edge k of the stored layout runs from stored vertex
 * k to k + 1; each ring is stored with its closing vertex, so ring r's edges are
 * [s_r, s_r + n_r) where s_r is the ring's first stored vertex. */
static void build_bands(const struct hv_index_builder *b, const struct hv_index_bpoly *bp,
			struct pinfo *pi)
{
	size_t n_edges = pi->n_stored - bp->n_rings, total;
	uint32_t nb = (uint32_t)(n_edges / EDGES_PER_BAND > BAND_MAX ? BAND_MAX
								     : n_edges / EDGES_PER_BAND);
	uint32_t *start, *edge, s;
	double h = pi->maxy - pi->miny;

	if (nb < 1 || !(h > 0.0))
		nb = 1;
	for (;;) {
		pi->band_y0 = pi->miny;
		pi->band_scale = h > 0.0 ? nb / h : 0.0;
		total = 0;
		for (uint32_t r = 0; r < bp->n_rings; r++) {
			const struct hv_index_bring *rg = &b->rings[bp->ring0 + r];

			for (uint32_t i = 0; i < rg->n; i++) {
				double ya = vertex(b, rg, i)[1], yb = vertex(b, rg, i + 1)[1];

				total += hv_index_sub(dmax(ya, yb), pi->band_y0, pi->band_scale,
						      nb - 1) -
					 hv_index_sub(dmin(ya, yb), pi->band_y0, pi->band_scale,
						      nb - 1) +
					 1;
			}
		}
		if (nb == 1 || total <= BAND_MAX_FACTOR * n_edges)
			break;
		nb /= 2;
	}
	pi->n_bands = nb;
	pi->n_band_table = nb + 1 + total;
	pi->band_table = hv_xcalloc(pi->n_band_table, sizeof(uint32_t));
	start = pi->band_table;
	edge = start + nb + 1;
	/* Count into start[k + 1], prefix, then fill with start[k] as the cursor and shift back. */
	for (int pass = 0; pass < 2; pass++) {
		s = 0;
		for (uint32_t r = 0; r < bp->n_rings; r++) {
			const struct hv_index_bring *rg = &b->rings[bp->ring0 + r];

			for (uint32_t i = 0; i < rg->n; i++) {
				double ya = vertex(b, rg, i)[1], yb = vertex(b, rg, i + 1)[1];
				uint32_t ka = hv_index_sub(dmin(ya, yb), pi->band_y0,
							   pi->band_scale, nb - 1);
				uint32_t kb = hv_index_sub(dmax(ya, yb), pi->band_y0,
							   pi->band_scale, nb - 1);

				for (uint32_t k = ka; k <= kb; k++) {
					if (pass == 0)
						start[k + 1]++;
					else
						edge[start[k]++] = s + i;
				}
			}
			s += rg->n + 1;
		}
		if (pass == 0)
			for (uint32_t k = 0; k < nb; k++)
				start[k + 1] += start[k];
	}
	for (uint32_t k = nb; k > 0; k--)
		start[k] = start[k - 1];
	start[0] = 0;
}

static size_t poly_words(const struct pinfo *pi, uint32_t n_rings)
{
	size_t w = sizeof(struct hv_index_head) / 8 + 2 * (size_t)pi->n_stored;

	if (pi->banded)
		w += sizeof(struct hv_index_bands) / 8 + (pi->n_band_table + 1) / 2;
	else if (n_rings > 1)
		w += (n_rings + 1) / 2;
	return w;
}

static void measure_poly(const struct hv_index_builder *b, const struct hv_index_bpoly *bp,
			 struct pinfo *pi)
{
	double shells = 0.0, holes = 0.0, kx, ky;
	size_t n = 0;

	pi->minx = pi->miny = INFINITY;
	pi->maxx = pi->maxy = -INFINITY;
	for (uint32_t r = 0; r < bp->n_rings; r++) {
		const struct hv_index_bring *rg = &b->rings[bp->ring0 + r];
		double a = fabs(ring_area2(b, rg));

		for (uint32_t i = 0; i < rg->n; i++) {
			const double *v = vertex(b, rg, i);

			pi->minx = dmin(pi->minx, v[0]);
			pi->maxx = dmax(pi->maxx, v[0]);
			pi->miny = dmin(pi->miny, v[1]);
			pi->maxy = dmax(pi->maxy, v[1]);
		}
		if (rg->shell)
			shells += a;
		else
			holes += a;
		n += rg->n;
	}
	hv_index_local_scale((pi->miny + pi->maxy) / 2, &kx, &ky);
	pi->area_m2 = shells > holes ? (shells - holes) / 2 * kx * ky : 0.0;
	pi->banded = n > BAND_MIN_VERTICES;
	pi->n_stored = (uint32_t)(pi->banded ? n + bp->n_rings : n);
	if (pi->banded)
		build_bands(b, bp, pi);
	pi->words = poly_words(pi, bp->n_rings);
}

/* Writes one polygon's data at w (layout in index_internal.h). */
static void write_poly(uint64_t *w, const struct hv_index_builder *b,
		       const struct hv_index_bpoly *bp, const struct pinfo *pi)
{
	struct hv_index_head *h = (struct hv_index_head *)w;
	double *xy;

	*h = (struct hv_index_head){.ref = bp->ref,
				    .area_m2 = pi->area_m2,
				    .n_vert = pi->n_stored,
				    .n_rings = bp->n_rings | (pi->banded ? HV_INDEX_H_BANDED : 0)};
	w += sizeof(*h) / 8;
	if (!pi->banded && bp->n_rings > 1) {
		uint32_t *table = (uint32_t *)w;

		for (uint32_t r = 0; r < bp->n_rings; r++)
			table[r] = b->rings[bp->ring0 + r].n;
		if (bp->n_rings % 2)
			table[bp->n_rings] = 0;
		w += (bp->n_rings + 1) / 2;
	}
	xy = (double *)w;
	for (uint32_t r = 0; r < bp->n_rings; r++) {
		const struct hv_index_bring *rg = &b->rings[bp->ring0 + r];

		memcpy(xy, b->xy + 2 * rg->v0, 2 * sizeof(double) * rg->n);
		xy += 2 * rg->n;
		if (pi->banded) {
			xy[0] = b->xy[2 * rg->v0];
			xy[1] = b->xy[2 * rg->v0 + 1];
			xy += 2;
		}
	}
	if (pi->banded) {
		struct hv_index_bands *bd = (struct hv_index_bands *)xy;
		uint32_t *table = (uint32_t *)(bd + 1);

		*bd = (struct hv_index_bands){
			.y0 = pi->band_y0, .scale = pi->band_scale, .n_bands = pi->n_bands};
		memcpy(table, pi->band_table, pi->n_band_table * sizeof(uint32_t));
		if (pi->n_band_table % 2)
			table[pi->n_band_table] = 0;
	}
}

/* ---- the grid ---- */

static uint32_t grid_dim(double v)
{
	if (!(v > 1.0))
		return 1;
	if (v >= GRID_MAX_DIM)
		return GRID_MAX_DIM;
	return (uint32_t)ceil(v);
}

static void grid_apply(struct hv_index *ix, uint32_t ncx, uint32_t ncy, double minx, double miny,
		       double w, double h)
{
	ix->ncx = ncx;
	ix->ncy = ncy;
	ix->gx0 = minx;
	ix->gy0 = miny;
	ix->cell_w_deg = w / ncx;
	ix->cell_h_deg = h / ncy;
	ix->sx = 256.0 / ix->cell_w_deg;
	ix->sy = 256.0 / ix->cell_h_deg;
	ix->gmax_x = 256 * ncx - 1;
	ix->gmax_y = 256 * ncy - 1;
	ix->n_cells = (size_t)ncx * ncy;
}

/* Entries the polygons would need if each were listed in every cell of its box; stops counting
 * past limit. */
static size_t entries_bound(const struct hv_index *ix, const struct pinfo *pi, size_t n,
			    size_t limit)
{
	size_t sum = 0;

	for (size_t i = 0; i < n && sum <= limit; i++)
		sum += (size_t)((hv_index_grid_x(ix, pi[i].maxx) >> 8) -
				(hv_index_grid_x(ix, pi[i].minx) >> 8) + 1) *
		       ((hv_index_grid_y(ix, pi[i].maxy) >> 8) -
			(hv_index_grid_y(ix, pi[i].miny) >> 8) + 1);
	return sum;
}

/* Square cells (in metres) about CELLS_PER_ITEM per item, coarsened while the entries would be
 * too many (large polygons overlapping many cells). */
static void grid_setup(struct hv_index *ix, const struct pinfo *pi, size_t n_polys, size_t n_points,
		       double minx, double miny, double maxx, double maxy)
{
	double w = dmax(maxx - minx, 1e-9), h = dmax(maxy - miny, 1e-9), kx, ky, side;
	double items = (double)(n_polys + n_points);
	double cells = dmin(dmax(items * CELLS_PER_ITEM, 1.0), (double)GRID_MAX_CELLS);

	hv_index_local_scale((miny + maxy) / 2, &kx, &ky);
	kx = dmax(kx, 1e-3);
	/* Square cells of the area's share, but no more cells along a side than in all: items on
	 * a line would otherwise get a long thin grid of tiny cells. */
	side = dmax(sqrt(w * kx * h * ky / cells), dmax(w * kx, h * ky) / cells);
	for (;;) {
		uint32_t ncx = grid_dim(w * kx / side), ncy = grid_dim(h * ky / side);
		size_t budget;

		grid_apply(ix, ncx, ncy, minx, miny, w, h);
		if (ix->n_cells > GRID_MAX_CELLS) {
			side *= 1.25;
			continue;
		}
		budget = 8 * (n_polys + n_points) + ix->n_cells;
		if (ix->n_cells == 1 || entries_bound(ix, pi, n_polys, budget) + n_points <= budget)
			break;
		side *= 1.25;
	}
}

/* The entry of an item in cell (cx, cy) whose box spans sub-cells [ax, bx] x [ay, by]. */
static struct hv_index_entry make_entry(uint32_t id, uint32_t cx, uint32_t cy, uint32_t ax,
					uint32_t bx, uint32_t ay, uint32_t by)
{
	uint32_t lx = cx << 8, ly = cy << 8;

	return (struct hv_index_entry){
		.id = id,
		.x0 = (uint8_t)(ax > lx ? ax - lx : 0),
		.x1 = (uint8_t)(bx < lx + 255 ? bx - lx : 255),
		.y0 = (uint8_t)(ay > ly ? ay - ly : 0),
		.y1 = (uint8_t)(by < ly + 255 ? by - ly : 255),
	};
}

/* Counts (fill false) or stores (fill true, from the end of each cell's range backwards) an
 * entry in a cell. */
static void put_entry(struct hv_index *ix, uint32_t cell, struct hv_index_entry e, bool fill)
{
	if (fill)
		ix->entries[--ix->cell_start[cell]] = e;
	else
		ix->cell_start[cell]++;
}

/* ---- classifying the cells of large polygons ---- */

struct classify {
	uint32_t cx0, cy0, w, h; /* the polygon's cell range */
	uint8_t *mark;		 /* w * h: a boundary edge may touch the cell */
};

/* Marks every cell an edge may touch. The column slices and the interpolated y are widened by a
 * millionth of a cell, far more than their rounding error, so a cell the grid mapping could
 * place any point of the edge in is always marked. */
static void mark_edge(const struct hv_index *ix, struct classify *c, double x1, double y1,
		      double x2, double y2)
{
	double ex = ix->cell_w_deg * 1e-6 + 1e-12, ey = ix->cell_h_deg * 1e-6 + 1e-12;
	double xa = dmin(x1, x2) - ex, xb = dmax(x1, x2) + ex;
	uint32_t c0 = hv_index_grid_x(ix, xa) >> 8, c1 = hv_index_grid_x(ix, xb) >> 8;

	c0 = c0 < c->cx0 ? c->cx0 : c0;
	c1 = c1 >= c->cx0 + c->w ? c->cx0 + c->w - 1 : c1;
	for (uint32_t col = c0; col <= c1; col++) {
		double lx = dmax(xa, ix->gx0 + col * ix->cell_w_deg);
		double hx = dmin(xb, ix->gx0 + (col + 1) * ix->cell_w_deg);
		double ylo = dmin(y1, y2), yhi = dmax(y1, y2);
		uint32_t r0, r1;

		if (x1 != x2) {
			double ta = dmin(dmax((lx - x1) / (x2 - x1), 0.0), 1.0);
			double tb = dmin(dmax((hx - x1) / (x2 - x1), 0.0), 1.0);
			double ya = y1 + (y2 - y1) * ta, yb = y1 + (y2 - y1) * tb;

			ylo = dmin(ya, yb);
			yhi = dmax(ya, yb);
		}
		r0 = hv_index_grid_y(ix, ylo - ey) >> 8;
		r1 = hv_index_grid_y(ix, yhi + ey) >> 8;
		r0 = r0 < c->cy0 ? c->cy0 : r0;
		r1 = r1 >= c->cy0 + c->h ? c->cy0 + c->h - 1 : r1;
		for (uint32_t row = r0; row <= r1; row++)
			c->mark[(size_t)(row - c->cy0) * c->w + (col - c->cx0)] = 1;
	}
}

/* Lists the cells of a large polygon in marks: a boundary cell as its id, a cell wholly inside
 * as id | 1 << 31; cells wholly outside are left out. A cell no edge touches is wholly inside or
 * outside, so its centre decides. */
static void classify_poly(const struct hv_index *ix, const struct hv_index_builder *b,
			  const struct hv_index_bpoly *bp, struct pinfo *pi, uint32_t **marks,
			  size_t *n_marks, size_t *cap_marks)
{
	const struct hv_index_head *h = (const struct hv_index_head *)(ix->blob + pi->off);
	struct classify c;

	c.cx0 = hv_index_grid_x(ix, pi->minx) >> 8;
	c.cy0 = hv_index_grid_y(ix, pi->miny) >> 8;
	c.w = (hv_index_grid_x(ix, pi->maxx) >> 8) - c.cx0 + 1;
	c.h = (hv_index_grid_y(ix, pi->maxy) >> 8) - c.cy0 + 1;
	c.mark = hv_xcalloc((size_t)c.w * c.h, 1);
	for (uint32_t r = 0; r < bp->n_rings; r++) {
		const struct hv_index_bring *rg = &b->rings[bp->ring0 + r];

		for (uint32_t i = 0; i < rg->n; i++) {
			const double *p = vertex(b, rg, i), *q = vertex(b, rg, i + 1);

			mark_edge(ix, &c, p[0], p[1], q[0], q[1]);
		}
	}
	pi->mark0 = *n_marks;
	*marks = hv_xgrow(*marks, cap_marks, *n_marks + (size_t)c.w * c.h, sizeof(**marks));
	for (uint32_t row = 0; row < c.h; row++) {
		for (uint32_t col = 0; col < c.w; col++) {
			uint32_t cx = c.cx0 + col, cy = c.cy0 + row;
			uint32_t cell = cy * ix->ncx + cx;

			if (c.mark[(size_t)row * c.w + col])
				(*marks)[(*n_marks)++] = cell;
			else if (hv_index_poly_covers(h, ix->gx0 + (cx + 0.5) * ix->cell_w_deg,
						      ix->gy0 + (cy + 0.5) * ix->cell_h_deg))
				(*marks)[(*n_marks)++] = cell | 0x80000000u;
		}
	}
	pi->n_marks = *n_marks - pi->mark0;
	free(c.mark);
}

/* ---- building ---- */

/* Counts or stores the entries of one polygon. */
static void place_poly(struct hv_index *ix, const struct pinfo *pi, const uint32_t *marks,
		       bool fill)
{
	uint32_t ax = hv_index_grid_x(ix, pi->minx), bx = hv_index_grid_x(ix, pi->maxx);
	uint32_t ay = hv_index_grid_y(ix, pi->miny), by = hv_index_grid_y(ix, pi->maxy);
	uint32_t id = (uint32_t)pi->off;

	if (pi->classified) {
		for (size_t i = 0; i < pi->n_marks; i++) {
			uint32_t m = marks[pi->mark0 + i], cell = m & 0x7fffffffu;
			uint32_t cx = cell % ix->ncx, cy = cell / ix->ncx;
			struct hv_index_entry e = make_entry(id, cx, cy, ax, bx, ay, by);

			if (m & 0x80000000u)
				e = (struct hv_index_entry){.id = id | HV_INDEX_E_FULL,
							    .x0 = 0,
							    .x1 = 255,
							    .y0 = 0,
							    .y1 = 255};
			put_entry(ix, cell, e, fill);
		}
		return;
	}
	for (uint32_t cy = ay >> 8; cy <= by >> 8; cy++)
		for (uint32_t cx = ax >> 8; cx <= bx >> 8; cx++)
			put_entry(ix, cy * ix->ncx + cx, make_entry(id, cx, cy, ax, bx, ay, by),
				  fill);
}

static void place_point(struct hv_index *ix, uint32_t i, bool fill)
{
	uint32_t gx = hv_index_grid_x(ix, ix->points[i].x),
		 gy = hv_index_grid_y(ix, ix->points[i].y);

	put_entry(ix, (gy >> 8) * ix->ncx + (gx >> 8),
		  make_entry(i | HV_INDEX_E_POINT, gx >> 8, gy >> 8, gx, gx, gy, gy), fill);
}

/* Z-order of the items' cells: polygons by their box centre. Returns n (key << 32 | index). */
static uint64_t *order_items(const struct hv_index *ix, const struct pinfo *pi, size_t n_polys,
			     const struct hv_index_bpoint *pts, size_t n_points, bool polys)
{
	size_t n = polys ? n_polys : n_points;
	uint64_t *keys = hv_xmalloc((n ? n : 1) * sizeof(uint64_t));
	uint64_t *tmp = hv_xmalloc((n ? n : 1) * sizeof(uint64_t));

	for (size_t i = 0; i < n; i++) {
		double x = polys ? (pi[i].minx + pi[i].maxx) / 2 : pts[i].x;
		double y = polys ? (pi[i].miny + pi[i].maxy) / 2 : pts[i].y;
		uint32_t key =
			hv_index_morton(hv_index_grid_x(ix, x) >> 8, hv_index_grid_y(ix, y) >> 8);

		keys[i] = (uint64_t)key << 32 | i;
	}
	hv_index_radix_sort(keys, tmp, n);
	free(tmp);
	return keys;
}

/* Fills cell_start and entries: counts per cell, prefix sums to each cell's end, then stores
 * from the back so each cell lists its polygons in data order, then its points. */
static void build_entries(struct hv_index *ix, const struct pinfo *pi, const uint64_t *order,
			  size_t n_polys, const uint32_t *marks)
{
	size_t total = 0;

	ix->cell_start = hv_index_big_alloc((ix->n_cells + 1) * sizeof(uint32_t));
	memset(ix->cell_start, 0, (ix->n_cells + 1) * sizeof(uint32_t));
	for (size_t k = 0; k < n_polys; k++) {
		const struct pinfo *p = &pi[(uint32_t)order[k]];

		place_poly(ix, p, marks, false);
	}
	for (size_t i = 0; i < ix->n_points; i++)
		place_point(ix, (uint32_t)i, false);
	for (size_t c = 0; c < ix->n_cells; c++) {
		total += ix->cell_start[c];
		ix->cell_start[c] = (uint32_t)total;
	}
	ix->cell_start[ix->n_cells] = (uint32_t)total;
	ix->n_entries = total;
	ix->entries = hv_index_big_alloc((total ? total : 1) * sizeof(struct hv_index_entry));
	for (size_t i = ix->n_points; i > 0; i--)
		place_point(ix, (uint32_t)(i - 1), true);
	for (size_t k = n_polys; k > 0; k--) {
		const struct pinfo *p = &pi[(uint32_t)order[k - 1]];

		place_poly(ix, p, marks, true);
	}
}

/* ---- the clearance raster ---- */

static void mark_blocks(const struct hv_index *ix, uint8_t *dist, uint32_t ax, uint32_t bx,
			uint32_t ay, uint32_t by)
{
	uint32_t sh = ix->clear_shift;

	for (uint32_t y = ay >> sh; y <= by >> sh; y++)
		memset(dist + (size_t)y * ix->nbx + (ax >> sh), 0, (bx >> sh) - (ax >> sh) + 1);
}

static uint8_t inc_sat(uint8_t v)
{
	return (uint8_t)(v + (v < 255));
}

/* One pass of the two-pass chessboard distance transform (Rosenfeld and Pfaltz) over rows in
 * the direction dir (+1: top-left to bottom-right, -1: back): each block takes the smaller of its
 * value and 1 + the values of its neighbours already passed. Two passes are exact. */
static void chamfer_pass(uint8_t *d, uint32_t w, uint32_t h, int dir)
{
	for (uint32_t i = 0; i < h; i++) {
		uint32_t y = dir > 0 ? i : h - 1 - i;
		uint8_t *row = d + (size_t)y * w;

		if (i > 0) {
			const uint8_t *prev = dir > 0 ? row - w : row + w;

			for (uint32_t x = 0; x < w; x++) {
				uint8_t m = prev[x];

				if (x > 0 && prev[x - 1] < m)
					m = prev[x - 1];
				if (x + 1 < w && prev[x + 1] < m)
					m = prev[x + 1];
				m = inc_sat(m);
				row[x] = m < row[x] ? m : row[x];
			}
		}
		for (uint32_t k = 1; k < w; k++) {
			uint32_t x = dir > 0 ? k : w - 1 - k;
			uint8_t m = inc_sat(row[dir > 0 ? x - 1 : x + 1]);

			row[x] = m < row[x] ? m : row[x];
		}
	}
}

/* Blocks of a quarter cell a side where that keeps the raster within CLEAR_BLOCKS_PER_ITEM
 * blocks an item, else halves or whole cells. */
static void build_clearance(struct hv_index *ix, const struct pinfo *pi, size_t np,
			    const uint32_t *marks)
{
	size_t budget = CLEAR_BLOCKS_PER_ITEM * (np + ix->n_points) + ((size_t)1 << 20);
	uint8_t *dist;

	ix->clear_shift = 6;
	while (ix->clear_shift < 8 && (ix->n_cells << (2 * (8 - ix->clear_shift))) > budget)
		ix->clear_shift++;
	ix->nbx = ix->ncx << (8 - ix->clear_shift);
	ix->nby = ix->ncy << (8 - ix->clear_shift);
	ix->block_w_deg = ix->cell_w_deg / (1u << (8 - ix->clear_shift));
	ix->block_h_deg = ix->cell_h_deg / (1u << (8 - ix->clear_shift));
	ix->clear_stride = (ix->nbx + 1) / 2;
	dist = hv_xmalloc((size_t)ix->nbx * ix->nby);
	memset(dist, 255, (size_t)ix->nbx * ix->nby);
	for (size_t i = 0; i < np; i++) {
		uint32_t ax = hv_index_grid_x(ix, pi[i].minx), bx = hv_index_grid_x(ix, pi[i].maxx);
		uint32_t ay = hv_index_grid_y(ix, pi[i].miny), by = hv_index_grid_y(ix, pi[i].maxy);

		if (!pi[i].classified) {
			mark_blocks(ix, dist, ax, bx, ay, by);
			continue;
		}
		/* A large polygon marks only the cells it is listed in, clipped to its box. */
		for (size_t k = 0; k < pi[i].n_marks; k++) {
			uint32_t cell = marks[pi[i].mark0 + k] & 0x7fffffffu;
			uint32_t lx = (cell % ix->ncx) << 8, ly = (cell / ix->ncx) << 8;

			mark_blocks(ix, dist, ax > lx ? ax : lx, bx < lx + 255 ? bx : lx + 255,
				    ay > ly ? ay : ly, by < ly + 255 ? by : ly + 255);
		}
	}
	for (size_t i = 0; i < ix->n_points; i++) {
		uint32_t gx = hv_index_grid_x(ix, ix->points[i].x),
			 gy = hv_index_grid_y(ix, ix->points[i].y);

		mark_blocks(ix, dist, gx, gx, gy, gy);
	}
	chamfer_pass(dist, ix->nbx, ix->nby, 1);
	chamfer_pass(dist, ix->nbx, ix->nby, -1);
	/* Four bits a block (distances past 15 blocks saturate): half the bytes, so the raster
	 * stays in cache with the cell ranges. */
	ix->clear = hv_index_big_alloc((size_t)ix->clear_stride * ix->nby);
	memset(ix->clear, 0, (size_t)ix->clear_stride * ix->nby);
	for (uint32_t y = 0; y < ix->nby; y++) {
		for (uint32_t x = 0; x < ix->nbx; x++) {
			uint8_t v = dist[(size_t)y * ix->nbx + x];

			ix->clear[(size_t)y * ix->clear_stride + x / 2] |=
				(uint8_t)((v < 15 ? v : 15) << (4 * (x & 1)));
		}
	}
	free(dist);
}

/* Measures every polygon; the box of the polygons goes to the index, that of everything to
 * box[4]. */
static void measure_all(struct hv_index *ix, const struct hv_index_builder *b, struct pinfo *pi,
			double *box)
{
	box[0] = box[1] = INFINITY;
	box[2] = box[3] = -INFINITY;
	for (size_t i = 0; i < b->n_polys; i++) {
		measure_poly(b, &b->polys[i], &pi[i]);
		box[0] = dmin(box[0], pi[i].minx);
		box[1] = dmin(box[1], pi[i].miny);
		box[2] = dmax(box[2], pi[i].maxx);
		box[3] = dmax(box[3], pi[i].maxy);
	}
	ix->has_polys = b->n_polys > 0;
	ix->minx = box[0];
	ix->miny = box[1];
	ix->maxx = box[2];
	ix->maxy = box[3];
	for (size_t i = 0; i < b->n_points; i++) {
		box[0] = dmin(box[0], b->points[i].x);
		box[1] = dmin(box[1], b->points[i].y);
		box[2] = dmax(box[2], b->points[i].x);
		box[3] = dmax(box[3], b->points[i].y);
	}
}

/* Lays the polygons' data out in Z-order of their box centres; returns that order. */
static uint64_t *lay_out_polys(struct hv_index *ix, const struct hv_index_builder *b,
			       struct pinfo *pi)
{
	uint64_t *order = order_items(ix, pi, b->n_polys, NULL, 0, true);
	size_t words = 0;

	for (size_t k = 0; k < b->n_polys; k++) {
		struct pinfo *p = &pi[(uint32_t)order[k]];

		p->off = words;
		words += p->words;
	}
	ix->blob_words = words;
	ix->blob = hv_index_big_alloc((words ? words : 1) * sizeof(uint64_t));
	for (size_t i = 0; i < b->n_polys; i++) {
		write_poly(ix->blob + pi[i].off, b, &b->polys[i], &pi[i]);
		free(pi[i].band_table);
		pi[i].band_table = NULL;
	}
	return order;
}

/* Classifies the cells of every polygon spanning more than CLASSIFY_MIN_CELLS; returns the
 * mark list. */
static uint32_t *classify_all(const struct hv_index *ix, const struct hv_index_builder *b,
			      struct pinfo *pi)
{
	uint32_t *marks = NULL;
	size_t n_marks = 0, cap_marks = 0;

	for (size_t i = 0; i < b->n_polys; i++) {
		size_t span = (size_t)((hv_index_grid_x(ix, pi[i].maxx) >> 8) -
				       (hv_index_grid_x(ix, pi[i].minx) >> 8) + 1) *
			      ((hv_index_grid_y(ix, pi[i].maxy) >> 8) -
			       (hv_index_grid_y(ix, pi[i].miny) >> 8) + 1);

		pi[i].classified = span > CLASSIFY_MIN_CELLS;
		if (pi[i].classified)
			classify_poly(ix, b, &b->polys[i], &pi[i], &marks, &n_marks, &cap_marks);
	}
	return marks;
}

/* The point-only properties, in Z-order too. */
static void copy_points(struct hv_index *ix, const struct hv_index_builder *b)
{
	uint64_t *order = order_items(ix, NULL, 0, b->points, b->n_points, false);

	ix->points = hv_index_big_alloc((b->n_points ? b->n_points : 1) * sizeof(*ix->points));
	for (size_t k = 0; k < b->n_points; k++) {
		const struct hv_index_bpoint *p = &b->points[(uint32_t)order[k]];

		ix->points[k] = (struct hv_index_point){.x = p->x, .y = p->y, .ref = p->ref};
	}
	free(order);
}

struct hv_index *hv_index_build(struct hv_index_builder *b)
{
	struct hv_index *ix = hv_xcalloc(1, sizeof(*ix));
	struct pinfo *pi = NULL;
	uint64_t *order = NULL;
	uint32_t *marks = NULL;
	double box[4];

	if (!b || b->n_polys + b->n_points == 0)
		goto out;
	ix->n_polys = b->n_polys;
	ix->n_points = b->n_points;
	ix->n_vertices = b->n_input_vertices;
	pi = hv_xcalloc(b->n_polys ? b->n_polys : 1, sizeof(*pi));
	measure_all(ix, b, pi, box);
	grid_setup(ix, pi, b->n_polys, b->n_points, box[0], box[1], box[2], box[3]);
	order = lay_out_polys(ix, b, pi);
	marks = classify_all(ix, b, pi);
	copy_points(ix, b);
	build_entries(ix, pi, order, b->n_polys, marks);
	build_clearance(ix, pi, b->n_polys, marks);
	build_scale(ix);
out:
	ix->memory =
		sizeof(*ix) + (ix->n_cells ? (ix->n_cells + 1) * sizeof(uint32_t) : 0) +
		ix->n_entries * sizeof(struct hv_index_entry) + ix->blob_words * sizeof(uint64_t) +
		ix->n_points * sizeof(struct hv_index_point) + (size_t)ix->clear_stride * ix->nby;
	free(order);
	free(marks);
	free(pi);
	hv_index_builder_free(b);
	return ix;
}

void hv_index_free(struct hv_index *ix)
{
	if (!ix)
		return;
	free(ix->cell_start);
	free(ix->entries);
	free(ix->blob);
	free(ix->points);
	free(ix->clear);
	free(ix);
}

size_t hv_index_n_polygons(const struct hv_index *ix)
{
	return ix ? ix->n_polys : 0;
}

size_t hv_index_n_points(const struct hv_index *ix)
{
	return ix ? ix->n_points : 0;
}

size_t hv_index_n_vertices(const struct hv_index *ix)
{
	return ix ? ix->n_vertices : 0;
}

size_t hv_index_memory(const struct hv_index *ix)
{
	return ix ? ix->memory : 0;
}
