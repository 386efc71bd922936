/* SPDX-License-Identifier: Apache-2.0 */
/* The OGC API items fast path: every current feature's public GeoJSON written once into an
 * immutable snapshot, with a uniform grid per collection for bbox queries and ids in order for
 * paging and by-id lookups; a live holder swaps in a rebuilt snapshot when the store's data
 * version moves, so no request reads the store. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_ogc.h"
#include "core/buf.h"
#include "core/live.h"
#include "core/xalloc.h"
#include "registry/registry.h"

/* Grid side in cells, at most: a feature covering the whole extent costs GRID_MAX^2 entries. */
#define GRID_MAX 256

struct feat {
	int64_t id;
	int64_t valid_from_ms;
	double minx, miny, maxx, maxy;
	bool has_geom;
	size_t off, len; /* its members' JSON in snap->text */
};

/* One collection: positions into snap->feats, in id order, and the grid over them. */
struct coll {
	uint32_t *pos;
	size_t n;
	int gx, gy;	       /* 0: no feature has a geometry */
	double x0, y0, cw, ch; /* the grid's origin and cell size, degrees */
	uint32_t *cell_start;  /* gx * gy + 1 offsets into cell_items */
	uint32_t *cell_items;  /* indexes into pos */
};

struct hv_ogc_snap {
	atomic_int refs;
	int64_t data_version;
	struct feat *feats;
	size_t n_feats, cap_feats;
	char *text;
	struct coll colls[HV_OGC_COLL_COUNT];
	struct hv_ogc_stats stats;
};

/* ---- build ---- */

struct build {
	struct hv_ogc_snap *snap;
	struct hv_zones *z;
	bool *in;
	struct hv_buf text;
	struct hv_json w;
	bool *is_zone; /* per feature */
	size_t cap_zone;
};

static int add_one(void *ctx, const struct hv_property *p)
{
	struct build *b = ctx;
	struct hv_ogc_snap *snap = b->snap;
	struct feat *f;
	bool zone = false;
	size_t start;

	hv_zones_match(b->z, p, b->in);
	for (size_t i = 0; i < hv_zones_count(b->z); i++)
		zone = zone || b->in[i];
	if (snap->n_feats == snap->cap_feats) {
		snap->cap_feats = snap->cap_feats ? 2 * snap->cap_feats : 1024;
		snap->feats = hv_xrealloc(snap->feats, snap->cap_feats * sizeof(*snap->feats));
		b->is_zone = hv_xrealloc(b->is_zone, snap->cap_feats * sizeof(bool));
	}
	f = &snap->feats[snap->n_feats];
	b->is_zone[snap->n_feats] = zone;
	snap->n_feats++;
	*f = (struct feat){
		.id = p->id,
		.valid_from_ms = p->valid_from_ms,
		.minx = p->minx,
		.miny = p->miny,
		.maxx = p->maxx,
		.maxy = p->maxy,
		.has_geom = p->wkb != NULL,
	};
	/* The members of a one-member object: written inside a throwaway "{" and cut out. */
	start = b->text.len;
	hv_json_init(&b->w, &b->text, false);
	hv_json_obj_begin(&b->w);
	hv_api_ogc_feature_members(&b->w, p, b->z, b->in);
	f->off = start + 1;
	f->len = b->text.len - start - 1;
	hv_api_ogc_stats_add(&snap->stats, HV_OGC_PROPERTIES, p);
	if (zone)
		hv_api_ogc_stats_add(&snap->stats, HV_OGC_ZONES, p);
	return 0;
}

static int cell_x(const struct coll *c, double x)
{
	double v = (x - c->x0) / c->cw;

	if (!(v >= 0))
		return 0;
	if (v >= c->gx)
		return c->gx - 1;
	return (int)v;
}

static int cell_y(const struct coll *c, double y)
{
	double v = (y - c->y0) / c->ch;

	if (!(v >= 0))
		return 0;
	if (v >= c->gy)
		return c->gy - 1;
	return (int)v;
}

/* Lays a grid over the collection's extent, about two features with a geometry per cell; each
 * feature is listed in every cell its box touches (CSR layout: counts, then offsets, then fill). */
static void grid_build(struct hv_ogc_snap *snap, int ci)
{
	struct coll *c = &snap->colls[ci];
	const double *ext = snap->stats.ext[ci];
	size_t n_geom = 0, n_cells, n_items = 0;
	uint32_t *fill;
	int g = 1;

	if (!snap->stats.has_ext[ci])
		return;
	for (size_t i = 0; i < c->n; i++)
		n_geom += snap->feats[c->pos[i]].has_geom;
	while (g < GRID_MAX && (size_t)g * (size_t)g * 2 < n_geom)
		g++;
	c->gx = c->gy = g;
	c->x0 = ext[0];
	c->y0 = ext[1];
	c->cw = ext[2] > ext[0] ? (ext[2] - ext[0]) / g : 1;
	c->ch = ext[3] > ext[1] ? (ext[3] - ext[1]) / g : 1;
	n_cells = (size_t)g * (size_t)g;
	c->cell_start = hv_xcalloc(n_cells + 1, sizeof(uint32_t));
	for (size_t i = 0; i < c->n; i++) {
		const struct feat *f = &snap->feats[c->pos[i]];

		if (!f->has_geom)
			continue;
		for (int y = cell_y(c, f->miny); y <= cell_y(c, f->maxy); y++)
			for (int x = cell_x(c, f->minx); x <= cell_x(c, f->maxx); x++) {
				c->cell_start[(size_t)y * g + x + 1]++;
				n_items++;
			}
	}
	for (size_t k = 0; k < n_cells; k++)
		c->cell_start[k + 1] += c->cell_start[k];
	c->cell_items = hv_xcalloc(n_items ? n_items : 1, sizeof(uint32_t));
	fill = hv_xcalloc(n_cells, sizeof(uint32_t));
	for (size_t i = 0; i < c->n; i++) {
		const struct feat *f = &snap->feats[c->pos[i]];

		if (!f->has_geom)
			continue;
		for (int y = cell_y(c, f->miny); y <= cell_y(c, f->maxy); y++)
			for (int x = cell_x(c, f->minx); x <= cell_x(c, f->maxx); x++) {
				size_t k = (size_t)y * g + x;

				c->cell_items[c->cell_start[k] + fill[k]++] = (uint32_t)i;
			}
	}
	free(fill);
}

int hv_ogc_snap_build(struct hv_store *s, struct hv_ogc_snap **out, struct hv_err *err)
{
	struct hv_ogc_snap *snap = hv_xcalloc(1, sizeof(*snap));
	struct hv_property_filter pf = {0};
	struct build b = {.snap = snap};
	int rc;

	*out = NULL;
	atomic_init(&snap->refs, 1);
	hv_buf_init(&b.text, (size_t)1 << 34); /* 16 GiB: a city far larger than Chicago */
	if ((rc = hv_store_data_version(s, &snap->data_version, err)) ||
	    (rc = hv_zones_load(s, 0, &b.z, err)))
		goto out;
	b.in = hv_xcalloc(hv_zones_count(b.z) + 1, sizeof(bool));
	if ((rc = hv_store_property_each(s, &pf, add_one, &b, err)) < 0)
		goto out;
	rc = HV_OK;
	if (b.text.failed || snap->n_feats > UINT32_MAX) {
		rc = hv_err_set(err, HV_ELIMIT, "ogc snapshot: %zu features are too many to hold",
				snap->n_feats);
		goto out;
	}
	snap->text = hv_buf_detach(&b.text, NULL);
	for (int ci = 0; ci < HV_OGC_COLL_COUNT; ci++) {
		struct coll *c = &snap->colls[ci];

		c->pos = hv_xcalloc(snap->n_feats ? snap->n_feats : 1, sizeof(uint32_t));
		for (size_t i = 0; i < snap->n_feats; i++)
			if (ci == HV_OGC_PROPERTIES || b.is_zone[i])
				c->pos[c->n++] = (uint32_t)i;
		grid_build(snap, ci);
	}
	*out = snap;
	snap = NULL;
out:
	hv_ogc_snap_free(snap);
	hv_buf_release(&b.text);
	hv_zones_free(b.z);
	free(b.in);
	free(b.is_zone);
	return rc;
}

void hv_ogc_snap_free(struct hv_ogc_snap *snap)
{
	if (!snap)
		return;
	for (int ci = 0; ci < HV_OGC_COLL_COUNT; ci++) {
		free(snap->colls[ci].pos);
		free(snap->colls[ci].cell_start);
		free(snap->colls[ci].cell_items);
	}
	free(snap->feats);
	free(snap->text);
	free(snap);
}

int64_t hv_ogc_snap_data_version(const struct hv_ogc_snap *snap)
{
	return snap->data_version;
}

const struct hv_ogc_stats *hv_ogc_snap_stats(const struct hv_ogc_snap *snap)
{
	return &snap->stats;
}

/* ---- queries ---- */

static bool time_hit(const struct hv_ogc_filter *f, const struct feat *ft)
{
	return !f->has_time || (ft->valid_from_ms >= f->t0 && ft->valid_from_ms <= f->t1);
}

static bool hit(const struct hv_ogc_filter *f, const struct feat *ft)
{
	if (f->has_bbox &&
	    !hv_api_ogc_bbox_hit(f, ft->minx, ft->miny, ft->maxx, ft->maxy, ft->has_geom))
		return false;
	return time_hit(f, ft);
}

/* Counts a matching feature and writes it when it belongs on the page. */
static void take(const struct hv_ogc_snap *snap, const struct feat *ft, struct hv_json *w,
		 struct hv_ogc_page *pg)
{
	pg->n_matched++;
	if (ft->id <= pg->after)
		return;
	if (pg->n_returned == pg->limit) {
		pg->more = true;
		return;
	}
	hv_json_obj_begin(w);
	hv_json_raw_members(w, snap->text + ft->off, ft->len);
	hv_json_obj_end(w);
	pg->n_returned++;
	pg->last_id = ft->id;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The positions of the features whose grid cells meet the box, each once: a feature is
 * reported only from the cell holding the lower-left corner of its box's intersection with the
 * query (the larger of the two minima on each axis; cell_x and cell_y are monotone). Sorted, so
 * in id order. NULL when the box covers so much of the grid that a plain scan is cheaper. */
static uint32_t *grid_candidates(const struct coll *c, const struct hv_ogc_snap *snap,
				 const struct hv_ogc_filter *f, struct hv_arena *a, size_t *n_out)
{
	int qx0 = cell_x(c, f->minx), qx1 = cell_x(c, f->maxx);
	int qy0 = cell_y(c, f->miny), qy1 = cell_y(c, f->maxy);
	size_t n = 0, cap = 0;
	uint32_t *out;

	for (int y = qy0; y <= qy1; y++)
		cap += c->cell_start[(size_t)y * c->gx + qx1 + 1] -
		       c->cell_start[(size_t)y * c->gx + qx0];
	if (cap > c->n / 4 && cap > 64)
		return NULL;
	out = hv_arena_alloc(a, (cap ? cap : 1) * sizeof(uint32_t));
	for (int y = qy0; y <= qy1; y++)
		for (int x = qx0; x <= qx1; x++) {
			size_t k = (size_t)y * c->gx + x;

			for (uint32_t j = c->cell_start[k]; j < c->cell_start[k + 1]; j++) {
				const struct feat *ft = &snap->feats[c->pos[c->cell_items[j]]];
				int fx = cell_x(c, ft->minx), fy = cell_y(c, ft->miny);

				if (x == (fx > qx0 ? fx : qx0) && y == (fy > qy0 ? fy : qy0))
					out[n++] = c->cell_items[j];
			}
		}
	qsort(out, n, sizeof(uint32_t), cmp_u32);
	*n_out = n;
	return out;
}

void hv_ogc_snap_items(const struct hv_ogc_snap *snap, const struct hv_ogc_filter *f,
		       struct hv_arena *a, struct hv_json *w, struct hv_ogc_page *pg)
{
	const struct coll *c = &snap->colls[f->coll];
	uint32_t *cand = NULL;
	size_t n_cand = 0;

	pg->n_matched = pg->n_returned = pg->last_id = 0;
	pg->more = false;
	if (!f->has_bbox && !f->has_time) {
		/* Everything matches: jump to the cursor. */
		size_t lo = 0, hi = c->n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (snap->feats[c->pos[mid]].id <= pg->after)
				lo = mid + 1;
			else
				hi = mid;
		}
		pg->n_matched = (int64_t)c->n;
		for (size_t i = lo; i < c->n && pg->n_returned < pg->limit; i++) {
			const struct feat *ft = &snap->feats[c->pos[i]];

			hv_json_obj_begin(w);
			hv_json_raw_members(w, snap->text + ft->off, ft->len);
			hv_json_obj_end(w);
			pg->n_returned++;
			pg->last_id = ft->id;
		}
		pg->more = lo + (size_t)pg->n_returned < c->n;
		return;
	}
	if (f->has_bbox && c->gx == 0)
		return; /* no feature of the collection has a geometry */
	if (f->has_bbox && f->minx <= f->maxx)
		cand = grid_candidates(c, snap, f, a, &n_cand);
	if (cand) {
		for (size_t i = 0; i < n_cand; i++) {
			const struct feat *ft = &snap->feats[c->pos[cand[i]]];

			if (hit(f, ft))
				take(snap, ft, w, pg);
		}
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct feat *ft = &snap->feats[c->pos[i]];

		if (hit(f, ft))
			take(snap, ft, w, pg);
	}
}

bool hv_ogc_snap_item(const struct hv_ogc_snap *snap, int ci, int64_t id, const char **members,
		      size_t *len)
{
	const struct coll *c = &snap->colls[ci];
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t v = snap->feats[c->pos[mid]].id;

		if (v == id) {
			const struct feat *ft = &snap->feats[c->pos[mid]];

			*members = snap->text + ft->off;
			*len = ft->len;
			return true;
		}
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* ---- live holder ---- */

struct hv_ogc_live {
	struct hv_live lv;
};

static atomic_int *snap_refs(void *obj)
{
	return &((struct hv_ogc_snap *)obj)->refs;
}

static void snap_free(void *obj)
{
	hv_ogc_snap_free(obj);
}

static const struct hv_live_ops ogc_live_ops = {.refs = snap_refs, .free = snap_free};

int hv_ogc_live_new(struct hv_store *s, struct hv_ogc_live **out, struct hv_err *err)
{
	struct hv_ogc_live *live;
	struct hv_ogc_snap *snap;
	int rc = hv_ogc_snap_build(s, &snap, err);

	*out = NULL;
	if (rc)
		return rc;
	live = hv_xcalloc(1, sizeof(*live));
	hv_live_init(&live->lv, snap, &ogc_live_ops);
	*out = live;
	return HV_OK;
}

void hv_ogc_live_free(struct hv_ogc_live *live)
{
	if (!live)
		return;
	hv_live_release(&live->lv);
	free(live);
}

const struct hv_ogc_snap *hv_ogc_live_acquire(struct hv_ogc_live *live)
{
	return hv_live_acquire(&live->lv);
}

void hv_ogc_live_release(struct hv_ogc_live *live, const struct hv_ogc_snap *snap)
{
	hv_live_put(&live->lv, (struct hv_ogc_snap *)snap);
}

int hv_ogc_live_refresh_if_changed(struct hv_ogc_live *live, struct hv_store *s, bool *rebuilt,
				   struct hv_err *err)
{
	const struct hv_ogc_snap *cur = hv_ogc_live_acquire(live);
	struct hv_ogc_snap *fresh;
	int64_t v, have = cur->data_version;
	int rc;

	hv_ogc_live_release(live, cur);
	*rebuilt = false;
	if ((rc = hv_store_data_version(s, &v, err)))
		return rc;
	if (v == have)
		return HV_OK;
	if ((rc = hv_ogc_snap_build(s, &fresh, err)))
		return rc;
	hv_live_swap(&live->lv, fresh);
	*rebuilt = true;
	return HV_OK;
}
