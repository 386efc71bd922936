/* SPDX-License-Identifier: Apache-2.0 */
/* The OGC API items filters' parsers (api_ogc.c), on their own so the fuzz target reaches them. */
#ifndef HV_API_API_OGC_H
#define HV_API_API_OGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "store/store.h"

/* Parses an items bbox: "minx,miny,maxx,maxy" or the 3D "minx,miny,minz,maxx,maxy,maxz"
 * (heights ignored), CRS84 degrees, into box[4] = minx, miny, maxx, maxy. minx > maxx crosses
 * the antimeridian; miny > maxy, a value out of range or any other text is HV_EINVAL with err
 * saying "bbox: \"...\" <why>". */
int hv_api_ogc_bbox(const char *v, double box[4], struct hv_err *err);

/* Parses an items datetime into the inclusive range [*t0, *t1] of ms since the epoch: an RFC 3339
 * instant (t0 == t1), a date alone (that whole UTC day), or an interval "a/b" whose ends may be
 * ".." or empty (open: INT64_MIN, INT64_MAX). Anything else, or an interval ending before it
 * starts, is HV_EINVAL with err saying "datetime: \"...\" <why>". */
int hv_api_ogc_datetime(const char *v, int64_t *t0, int64_t *t1, struct hv_err *err);

/* ---- the items fast path: an immutable in-memory snapshot of both collections ---- */

enum hv_ogc_coll {
	HV_OGC_ZONES,
	HV_OGC_PROPERTIES,
	HV_OGC_COLL_COUNT,
};

/* What an items request selects. Times are inclusive; open ends are INT64_MIN / INT64_MAX. */
struct hv_ogc_filter {
	int coll;
	bool has_bbox, has_time;
	double minx, miny, maxx, maxy;
	int64_t t0, t1;
};

/* Per collection: feature count, bounding box of those with a geometry, earliest valid_from. */
struct hv_ogc_stats {
	int64_t n[HV_OGC_COLL_COUNT];
	bool has_ext[HV_OGC_COLL_COUNT];
	double ext[HV_OGC_COLL_COUNT][4];
	int64_t t_min[HV_OGC_COLL_COUNT];
};

struct hv_zones;

/* Writes a feature's members ("type", "id", "geometry", "properties") into the object w has open:
 * the public fields only. in: p's membership of each of z's rules (hv_zones_match). */
void hv_api_ogc_feature_members(struct hv_json *w, const struct hv_property *p,
				const struct hv_zones *z, const bool *in);
/* Whether p's stored bounding box intersects f's bbox (an address-only property never does). */
bool hv_api_ogc_bbox_hit(const struct hv_ogc_filter *f, double minx, double miny, double maxx,
			 double maxy, bool has_geom);
/* Adds p (in collection c) to the statistics. */
void hv_api_ogc_stats_add(struct hv_ogc_stats *st, int c, const struct hv_property *p);

struct hv_ogc_snap; /* immutable once built */

/* Reads every current property and the rules in force now into a snapshot: each feature's
 * public GeoJSON written once, a grid index per collection for bbox, ids in order for paging and
 * by-id lookups. Caller owns *out. */
int hv_ogc_snap_build(struct hv_store *s, struct hv_ogc_snap **out, struct hv_err *err);
void hv_ogc_snap_free(struct hv_ogc_snap *snap);
int64_t hv_ogc_snap_data_version(const struct hv_ogc_snap *snap);
const struct hv_ogc_stats *hv_ogc_snap_stats(const struct hv_ogc_snap *snap);

/* One page of items. */
struct hv_ogc_page {
	int64_t after, limit;		  /* in: cursor (0: from the start) and page size */
	int64_t n_matched, n_returned;	  /* out */
	int64_t last_id;		  /* out: the page's last feature */
	bool more;			  /* out: features matching after the page */
};

/* Writes the features matching f after pg->after, at most pg->limit of them in id order, each
 * as a JSON object into the array w has open; fills pg's counts (numberMatched is exact).
 * a: scratch memory for the candidates. */
void hv_ogc_snap_items(const struct hv_ogc_snap *snap, const struct hv_ogc_filter *f,
		       struct hv_arena *a, struct hv_json *w, struct hv_ogc_page *pg);
/* The feature with this id in collection c: its members' JSON text (borrowed from snap) or false
 * when the collection has none. */
bool hv_ogc_snap_item(const struct hv_ogc_snap *snap, int c, int64_t id, const char **members,
		      size_t *len);

/* A live holder as for the lookup (registry/lookup.h): readers never wait for a rebuild. */
struct hv_ogc_live;
int hv_ogc_live_new(struct hv_store *s, struct hv_ogc_live **out, struct hv_err *err);
void hv_ogc_live_free(struct hv_ogc_live *live);
/* The current snapshot, never NULL; valid until hv_ogc_live_release. */
const struct hv_ogc_snap *hv_ogc_live_acquire(struct hv_ogc_live *live);
void hv_ogc_live_release(struct hv_ogc_live *live, const struct hv_ogc_snap *snap);
/* Rebuilds when the store's data version moved; *rebuilt says whether it did. On error the
 * current snapshot stays. */
int hv_ogc_live_refresh_if_changed(struct hv_ogc_live *live, struct hv_store *s, bool *rebuilt,
				   struct hv_err *err);

struct hv_api;
/* Tests only: true makes the OGC handlers scan the store per request (the path the snapshot
 * replaced), so the two can be compared answer by answer. */
void hv_api_ogc_use_store(struct hv_api *api, bool on);

#endif
