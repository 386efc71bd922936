/* SPDX-License-Identifier: Apache-2.0 */
/* Lookup snapshots: the store's current properties in a spatial index and an address index,
 * each property's summary and zones, and a live holder that swaps snapshots for readers. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/strmap.h"
#include "core/live.h"
#include "core/xalloc.h"
#include "geo/address.h"
#include "registry/lookup.h"
#include "registry/registry.h"

/* A property's summary; strings are offsets into the snapshot's string pool. */
struct entry {
	int64_t id;
	uint32_t source, source_id, kind, name, address, status; /* 0: none */
	uint32_t zones_first, n_zones;                            /* into zone_refs */
	bool has_point;
	double lon, lat;
};

struct hv_lookup {
	atomic_int refs;
	int64_t data_version; /* the store's, when the snapshot was read */
	struct hv_buf pool; /* NUL-separated strings; offset 0 is "" (none) */
	struct entry *entries;
	size_t n_entries, cap_entries;
	char **zone_names;
	size_t n_zone_names;
	uint32_t *zone_refs; /* per entry, indexes into zone_names */
	size_t n_zone_refs, cap_zone_refs;
	const char **zone_ptrs; /* zone_refs resolved to names, for hits */
	struct hv_index *index;  /* polygons and point-only properties */
	struct hv_index *points; /* recorded points: point-only properties and the inventory
				  * points of parcels that have a polygon; one index point per
				  * distinct location, whose ref is a group of entries */
	size_t *group_offsets;   /* group g's entries: group_entries[offsets[g] .. [g + 1]) */
	uint32_t *group_entries;
	size_t n_groups;
	struct hv_addr_index *addresses;
	struct hv_lookup_stats stats;
};

static uint32_t pool_add(struct hv_lookup *l, const char *s)
{
	uint32_t off;

	if (!s || !*s)
		return 0;
	off = (uint32_t)l->pool.len;
	hv_buf_add(&l->pool, s, strlen(s) + 1);
	return off;
}

static const char *pool_str(const struct hv_lookup *l, uint32_t off)
{
	return off ? l->pool.data + off : NULL;
}

struct build_ctx {
	struct hv_lookup *l;
	struct hv_zones *z;
	bool *in;
	struct hv_index_builder *ib;
	struct hv_index_builder *pb; /* recorded points */
	struct hv_addr_index_builder *ab;
	struct hv_strmap polygon_refs; /* source id -> entry of a polygon with it */
	struct alias {
		char *key;
		double lon, lat;
	} *aliases;
	size_t n_aliases, cap_aliases;
	struct recorded {
		double lon, lat;
		uint32_t entry;
	} *recs;
	size_t n_recs, cap_recs;
	struct hv_strmap polygon_keys; /* source id -> index in boxes */
	double (*boxes)[4];            /* union bbox of the polygons with that source id */
	size_t n_boxes, cap_boxes;
	int pass;
	struct hv_err *err;
	int rc;
};

static bool polygonal(const struct hv_property *p)
{
	return p->wkb && p->geom_type && strstr(p->geom_type, "Polygon");
}

/* How far a point may lie from a polygon with the same source id and still be that polygon's
 * property: inventories' points and parcel polygons disagree by tens of metres (Chicago's
 * Englewood lots), while an unrelated source that happens to reuse the id lies elsewhere. */
#define SAME_PROPERTY_DEG 0.002 /* about 170 m of latitude */

static void note_polygon(struct build_ctx *b, const struct hv_property *p)
{
	size_t i;

	if (!hv_strmap_get(&b->polygon_keys, p->source_key, &i)) {
		i = b->n_boxes++;
		b->boxes = hv_xgrow(b->boxes, &b->cap_boxes, b->n_boxes, sizeof(*b->boxes));
		b->boxes[i][0] = p->minx;
		b->boxes[i][1] = p->miny;
		b->boxes[i][2] = p->maxx;
		b->boxes[i][3] = p->maxy;
		hv_strmap_put(&b->polygon_keys, p->source_key, i, NULL);
		return;
	}
	b->boxes[i][0] = p->minx < b->boxes[i][0] ? p->minx : b->boxes[i][0];
	b->boxes[i][1] = p->miny < b->boxes[i][1] ? p->miny : b->boxes[i][1];
	b->boxes[i][2] = p->maxx > b->boxes[i][2] ? p->maxx : b->boxes[i][2];
	b->boxes[i][3] = p->maxy > b->boxes[i][3] ? p->maxy : b->boxes[i][3];
}

/* A point-only property is left out when a polygon with its source id lies close by. */
static bool superseded(const struct build_ctx *b, const struct hv_property *p)
{
	const double d = SAME_PROPERTY_DEG;
	size_t i;

	if (!p->has_point || !hv_strmap_get(&b->polygon_keys, p->source_key, &i))
		return false;
	return p->lon >= b->boxes[i][0] - d && p->lon <= b->boxes[i][2] + d &&
	       p->lat >= b->boxes[i][1] - d && p->lat <= b->boxes[i][3] + d;
}

static void add_recorded(struct build_ctx *b, double lon, double lat, size_t entry)
{
	b->recs = hv_xgrow(b->recs, &b->cap_recs, b->n_recs + 1, sizeof(*b->recs));
	b->recs[b->n_recs++] = (struct recorded){.lon = lon, .lat = lat, .entry = (uint32_t)entry};
}

static int cmp_recorded(const void *a, const void *b)
{
	const struct recorded *x = a, *y = b;

	if (x->lon != y->lon)
		return x->lon < y->lon ? -1 : 1;
	if (x->lat != y->lat)
		return x->lat < y->lat ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Inventories geocode several lots to one spot (a block's centre): such points are one index
 * point whose answer lists every property recorded there, since none is nearer than another. */
static void build_groups(struct build_ctx *b)
{
	struct hv_lookup *l = b->l;

	/* recs is NULL when no property has a recorded point; qsort(NULL, 0) is undefined */
	if (b->n_recs > 1)
		qsort(b->recs, b->n_recs, sizeof(*b->recs), cmp_recorded);
	l->group_offsets = hv_xmalloc((b->n_recs + 1) * sizeof(*l->group_offsets));
	l->group_entries = hv_xmalloc((b->n_recs + 1) * sizeof(*l->group_entries));
	for (size_t i = 0; i < b->n_recs; i++) {
		if (i == 0 || b->recs[i].lon != b->recs[i - 1].lon ||
		    b->recs[i].lat != b->recs[i - 1].lat) {
			l->group_offsets[l->n_groups] = i;
			hv_index_builder_add_point(b->pb, (int64_t)l->n_groups, b->recs[i].lon,
						   b->recs[i].lat);
			l->n_groups++;
		}
		l->group_entries[i] = b->recs[i].entry;
	}
	l->group_offsets[l->n_groups] = b->n_recs;
}

/* Pass 0 notes the source ids that have polygons; pass 1 adds every property. */
static int build_one(void *ctx, const struct hv_property *p)
{
	struct build_ctx *b = ctx;
	struct hv_lookup *l = b->l;
	struct entry *e;
	size_t ref;

	if (b->pass == 0) {
		if (polygonal(p))
			note_polygon(b, p);
		return 0;
	}
	if (!polygonal(p) && superseded(b, p)) {
		/* the parcel's polygon stands for the property; its recorded point stays findable */
		b->aliases = hv_xgrow(b->aliases, &b->cap_aliases, b->n_aliases + 1,
				      sizeof(*b->aliases));
		b->aliases[b->n_aliases++] =
			(struct alias){.key = hv_xstrdup(p->source_key), .lon = p->lon, .lat = p->lat};
		l->stats.n_superseded++;
		return 0;
	}
	ref = l->n_entries;
	l->entries = hv_xgrow(l->entries, &l->cap_entries, ref + 1, sizeof(*l->entries));
	e = &l->entries[l->n_entries++];
	memset(e, 0, sizeof(*e));
	e->id = p->id;
	e->source = pool_add(l, p->source);
	e->source_id = pool_add(l, p->source_key);
	e->kind = pool_add(l, p->kind);
	e->name = pool_add(l, p->name);
	e->address = pool_add(l, p->address);
	e->status = pool_add(l, p->status);
	e->has_point = p->has_point;
	e->lon = p->lon;
	e->lat = p->lat;
	hv_zones_match(b->z, p, b->in);
	e->zones_first = (uint32_t)l->n_zone_refs;
	for (size_t i = 0; i < hv_zones_count(b->z); i++) {
		if (!b->in[i])
			continue;
		l->zone_refs = hv_xgrow(l->zone_refs, &l->cap_zone_refs, l->n_zone_refs + 1,
					sizeof(*l->zone_refs));
		l->zone_refs[l->n_zone_refs++] = (uint32_t)i;
		e->n_zones++;
	}
	if (p->address && hv_addr_index_builder_add(b->ab, (int64_t)ref, p->address))
		l->stats.n_addresses++;
	if (polygonal(p)) {
		b->rc = hv_index_builder_add_wkb(b->ib, (int64_t)ref, p->wkb, p->wkb_len, b->err);
		if (b->rc)
			return 1;
		hv_strmap_put(&b->polygon_refs, p->source_key, ref, NULL);
		l->stats.n_polygons++;
	} else if (p->has_point) {
		hv_index_builder_add_point(b->ib, (int64_t)ref, p->lon, p->lat);
		add_recorded(b, p->lon, p->lat, ref);
		l->stats.n_points++;
	} else {
		l->stats.n_address_only++;
	}
	return 0;
}

int hv_lookup_build(struct hv_store *s, struct hv_lookup **out, struct hv_err *err)
{
	struct hv_lookup *l = hv_xcalloc(1, sizeof(*l));
	struct build_ctx b = {.l = l, .err = err};
	struct hv_property_filter f = {0};
	uint64_t t0 = hv_time_mono_ns();
	int rc;

	*out = NULL;
	atomic_init(&l->refs, 1);
	hv_buf_init(&l->pool, 0);
	hv_buf_addc(&l->pool, '\0');
	hv_strmap_init(&b.polygon_keys);
	hv_strmap_init(&b.polygon_refs);
	b.ib = hv_index_builder_new();
	b.pb = hv_index_builder_new();
	b.ab = hv_addr_index_builder_new();
	/* read before the data: a change racing with the build makes the next check rebuild */
	if ((rc = hv_store_data_version(s, &l->data_version, err)) ||
	    (rc = hv_zones_load(s, 0, &b.z, err)))
		goto fail;
	b.in = hv_xcalloc(hv_zones_count(b.z) + 1, sizeof(bool));
	for (b.pass = 0; b.pass < 2; b.pass++) {
		rc = hv_store_property_each(s, &f, build_one, &b, err);
		if (rc > 0)
			rc = b.rc;
		if (rc < 0)
			goto fail;
	}
	l->n_zone_names = hv_zones_count(b.z);
	l->zone_names = hv_xcalloc(l->n_zone_names + 1, sizeof(char *));
	for (size_t i = 0; i < l->n_zone_names; i++)
		l->zone_names[i] = hv_xstrdup(hv_zones_name(b.z, i));
	l->zone_ptrs = hv_xcalloc(l->n_zone_refs + 1, sizeof(char *));
	for (size_t i = 0; i < l->n_zone_refs; i++)
		l->zone_ptrs[i] = l->zone_names[l->zone_refs[i]];
	for (size_t i = 0; i < b.n_aliases; i++) {
		size_t ref;

		if (hv_strmap_get(&b.polygon_refs, b.aliases[i].key, &ref))
			add_recorded(&b, b.aliases[i].lon, b.aliases[i].lat, ref);
	}
	build_groups(&b);
	l->index = hv_index_build(b.ib);
	b.ib = NULL;
	l->points = hv_index_build(b.pb);
	b.pb = NULL;
	l->addresses = hv_addr_index_build(b.ab);
	b.ab = NULL;
	l->stats.n_properties = l->n_entries;
	l->stats.index_bytes = hv_index_memory(l->index) + hv_index_memory(l->points);
	l->stats.build_s = (double)(hv_time_mono_ns() - t0) / 1e9;
	*out = l;
	rc = HV_OK;
	goto out;
fail:
	hv_lookup_free(l);
out:
	hv_index_builder_free(b.ib);
	hv_index_builder_free(b.pb);
	hv_addr_index_builder_free(b.ab);
	for (size_t i = 0; i < b.n_aliases; i++)
		free(b.aliases[i].key);
	free(b.aliases);
	free(b.recs);
	hv_strmap_release(&b.polygon_refs);
	hv_zones_free(b.z);
	free(b.in);
	hv_strmap_release(&b.polygon_keys);
	free(b.boxes);
	return rc;
}

void hv_lookup_free(struct hv_lookup *l)
{
	if (!l)
		return;
	hv_index_free(l->index);
	hv_index_free(l->points);
	free(l->group_offsets);
	free(l->group_entries);
	hv_addr_index_free(l->addresses);
	for (size_t i = 0; i < l->n_zone_names; i++)
		free(l->zone_names[i]);
	free(l->zone_names);
	free(l->zone_refs);
	free(l->zone_ptrs);
	free(l->entries);
	hv_buf_release(&l->pool);
	free(l);
}

static void fill_hit(const struct hv_lookup *l, size_t ref, struct hv_lookup_hit *h)
{
	const struct entry *e = &l->entries[ref];

	memset(h, 0, sizeof(*h));
	h->property_id = e->id;
	h->source = pool_str(l, e->source);
	h->source_id = pool_str(l, e->source_id);
	h->kind = pool_str(l, e->kind);
	h->name = pool_str(l, e->name);
	h->address = pool_str(l, e->address);
	h->status = pool_str(l, e->status);
	h->has_point = e->has_point;
	h->lon = e->lon;
	h->lat = e->lat;
	h->relation = HV_INDEX_INSIDE;
	h->zones = l->zone_ptrs + e->zones_first;
	h->n_zones = e->n_zones;
}

void hv_lookup_hit_of(const struct hv_lookup *l, const struct hv_index_match *m,
		      struct hv_lookup_hit *out)
{
	fill_hit(l, (size_t)m->ref, out);
	out->relation = m->relation;
	out->distance_m = m->distance_m;
	out->area_m2 = m->area_m2;
}

#define MATCHES_MAX 64

/* Merges the nearest recorded location p (when there is one) into the index's answer
 * m[0..n), every one of which is written: after the polygons covering the point, the
 * properties recorded at p that are not listed yet; or, when nothing covers the point, those
 * properties instead of a farther near match. Writes at most cap, returns the count. */
static size_t merge_points(const struct hv_lookup *l, struct hv_index_match *m, size_t n,
			   size_t cap, const struct hv_index_match *p, size_t n_p)
{
	size_t g, first;

	if (n_p == 0)
		return n;
	if (n > 0 && m[0].relation == HV_INDEX_NEAR) {
		if (m[0].distance_m < p->distance_m)
			return n;
		n = 0; /* the recorded location is at least as near */
	}
	g = (size_t)p->ref;
	first = n;
	for (size_t k = l->group_offsets[g]; k < l->group_offsets[g + 1]; k++) {
		int64_t ref = l->group_entries[k];
		bool listed = false;

		for (size_t i = 0; i < first && !listed; i++)
			listed = m[i].ref == ref;
		if (listed)
			continue;
		if (n < cap)
			m[n] = (struct hv_index_match){.ref = ref,
						       .relation = HV_INDEX_NEAR,
						       .distance_m = p->distance_m};
		n++;
	}
	return n;
}

size_t hv_lookup_point(const struct hv_lookup *l, double lon, double lat, double radius_m,
		       struct hv_lookup_hit *out, size_t cap)
{
	struct hv_index_match m[MATCHES_MAX], p;
	size_t n = hv_index_lookup(l->index, lon, lat, radius_m, m, MATCHES_MAX);
	size_t n_p = hv_index_lookup(l->points, lon, lat, radius_m, &p, 1);

	if (n > MATCHES_MAX)
		n = MATCHES_MAX; /* more than 64 overlapping polygons: the smallest 64 */
	n = merge_points(l, m, n, MATCHES_MAX, &p, n_p);
	for (size_t i = 0; i < n && i < cap && i < MATCHES_MAX; i++)
		hv_lookup_hit_of(l, &m[i], &out[i]);
	return n;
}

void hv_lookup_batch(const struct hv_lookup *l, const double *lon, const double *lat, size_t n,
		     double radius_m, int n_threads, struct hv_index_batch *out)
{
	struct hv_index_batch a, p;
	size_t cap = 0;

	hv_index_lookup_batch(l->index, lon, lat, n, radius_m, n_threads, &a);
	hv_index_lookup_batch(l->points, lon, lat, n, radius_m, n_threads, &p);
	/* room for every polygon match and, per point, its whole recorded group */
	cap = a.n_matches;
	for (size_t i = 0; i < n; i++)
		if (p.offsets[i + 1] > p.offsets[i]) {
			size_t g = (size_t)p.matches[p.offsets[i]].ref;
			cap += l->group_offsets[g + 1] - l->group_offsets[g];
		}
	out->n_points = n;
	out->offsets = hv_xmalloc((n + 1) * sizeof(*out->offsets));
	out->matches = hv_xmalloc((cap ? cap : 1) * sizeof(*out->matches));
	out->n_matches = 0;
	for (size_t i = 0; i < n; i++) {
		size_t lo = a.offsets[i], k = a.offsets[i + 1] - lo;
		struct hv_index_match *dst = out->matches + out->n_matches;

		out->offsets[i] = out->n_matches;
		memcpy(dst, a.matches + lo, k * sizeof(*dst));
		k = merge_points(l, dst, k, cap - out->n_matches, p.matches + p.offsets[i],
				 p.offsets[i + 1] - p.offsets[i]);
		out->n_matches += k;
	}
	out->offsets[n] = out->n_matches;
	hv_index_batch_release(&a);
	hv_index_batch_release(&p);
}

size_t hv_lookup_address(const struct hv_lookup *l, const char *text, struct hv_lookup_hit *out,
			 size_t cap)
{
	int64_t refs[MATCHES_MAX];
	size_t n = hv_addr_index_find(l->addresses, text, refs, MATCHES_MAX);

	for (size_t i = 0; i < n && i < cap && i < MATCHES_MAX; i++)
		fill_hit(l, (size_t)refs[i], &out[i]);
	return n;
}

void hv_lookup_stats(const struct hv_lookup *l, struct hv_lookup_stats *out)
{
	*out = l->stats;
}

void hv_lookup_hit_json(struct hv_json *w, const struct hv_lookup_hit *h)
{
	hv_json_obj_begin(w);
	hv_json_key(w, "property_id");
	hv_json_int(w, h->property_id);
	hv_json_key(w, "relation");
	hv_json_str(w, h->relation == HV_INDEX_INSIDE ? "inside" : "near");
	hv_json_key(w, "distance_m");
	hv_json_fixed(w, h->distance_m, 2);
	hv_json_key(w, "source");
	hv_json_str(w, h->source);
	hv_json_key(w, "source_id");
	hv_json_str(w, h->source_id);
	hv_json_key(w, "kind");
	hv_json_str(w, h->kind);
	hv_json_key(w, "name");
	hv_json_str(w, h->name);
	hv_json_key(w, "address");
	hv_json_str(w, h->address);
	hv_json_key(w, "status");
	hv_json_str(w, h->status);
	hv_json_key(w, "lon");
	if (h->has_point)
		hv_json_fixed(w, h->lon, 7);
	else
		hv_json_null(w);
	hv_json_key(w, "lat");
	if (h->has_point)
		hv_json_fixed(w, h->lat, 7);
	else
		hv_json_null(w);
	hv_json_key(w, "zones");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < h->n_zones; i++)
		hv_json_str(w, h->zones[i]);
	hv_json_arr_end(w);
	hv_json_key(w, "in_zone");
	hv_json_bool(w, h->n_zones > 0);
	hv_json_obj_end(w);
}

/* ---- live holder ---- */

struct hv_lookup_live {
	struct hv_live lv;
};

static atomic_int *lookup_refs(void *obj)
{
	return &((struct hv_lookup *)obj)->refs;
}

static void lookup_free(void *obj)
{
	hv_lookup_free(obj);
}

static const struct hv_live_ops lookup_live_ops = {.refs = lookup_refs, .free = lookup_free};

int hv_lookup_live_new(struct hv_store *s, struct hv_lookup_live **out, struct hv_err *err)
{
	struct hv_lookup_live *live;
	struct hv_lookup *l;
	int rc = hv_lookup_build(s, &l, err);

	*out = NULL;
	if (rc)
		return rc;
	live = hv_xcalloc(1, sizeof(*live));
	hv_live_init(&live->lv, l, &lookup_live_ops);
	*out = live;
	return HV_OK;
}

void hv_lookup_live_free(struct hv_lookup_live *live)
{
	if (!live)
		return;
	hv_live_release(&live->lv);
	free(live);
}

const struct hv_lookup *hv_lookup_live_acquire(struct hv_lookup_live *live)
{
	return hv_live_acquire(&live->lv);
}

void hv_lookup_live_release(struct hv_lookup_live *live, const struct hv_lookup *l)
{
	hv_live_put(&live->lv, (struct hv_lookup *)l);
}

int hv_lookup_live_refresh(struct hv_lookup_live *live, struct hv_store *s, struct hv_err *err)
{
	struct hv_lookup *fresh;
	int rc = hv_lookup_build(s, &fresh, err);

	if (rc)
		return rc;
	hv_live_swap(&live->lv, fresh);
	return HV_OK;
}

int hv_lookup_live_refresh_if_changed(struct hv_lookup_live *live, struct hv_store *s,
				      bool *rebuilt, struct hv_err *err)
{
	const struct hv_lookup *cur = hv_lookup_live_acquire(live);
	int64_t v, have = cur->data_version;
	int rc;

	hv_lookup_live_release(live, cur);
	*rebuilt = false;
	if ((rc = hv_store_data_version(s, &v, err)))
		return rc;
	if (v == have)
		return HV_OK;
	if ((rc = hv_lookup_live_refresh(live, s, err)))
		return rc;
	*rebuilt = true;
	return HV_OK;
}
