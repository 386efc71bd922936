/* SPDX-License-Identifier: Apache-2.0 */
/* Lookup over the registry: which property (and zone) contains a point or has an address. A
 * snapshot holds the spatial index, the address index and each property's summary, built from
 * the store at one moment and immutable afterwards; a live holder swaps in a new snapshot when
 * the store changes, and readers keep the one they hold until they put it back. */
#ifndef HV_REGISTRY_LOOKUP_H
#define HV_REGISTRY_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/json.h"
#include "geo/index.h"
#include "store/store.h"

#define HV_LOOKUP_RADIUS_M 25.0

struct hv_lookup; /* an immutable snapshot */

/* One property in an answer. Strings are borrowed from the snapshot. */
struct hv_lookup_hit {
	int64_t property_id;
	const char *source;
	const char *source_id;
	const char *kind;
	const char *name;
	const char *address;
	const char *status;
	bool has_point;
	double lon, lat;
	enum hv_index_relation relation; /* INSIDE or NEAR; INSIDE for address matches */
	double distance_m;
	double area_m2;
	const char *const *zones; /* names of the scope rules the property is in */
	size_t n_zones;
};

/* Builds a snapshot of the current properties and scope rules. A point-only property whose
 * source id a polygon also has, within about 170 m of it, is left out: the polygon wins (an
 * inventory's point and the parcel's polygon are one property). Caller owns *out. */
int hv_lookup_build(struct hv_store *s, struct hv_lookup **out, struct hv_err *err);
void hv_lookup_free(struct hv_lookup *l);

/* Properties covering (lon, lat), smallest first; then the nearest recorded point within
 * radius_m (a point-only property, or a parcel's inventory point) as NEAR when it names a
 * property not already listed. When no polygon covers the point: the single nearest property
 * within radius_m (NEAR). Writes at most cap hits, returns how many there are. Thread-safe. */
size_t hv_lookup_point(const struct hv_lookup *l, double lon, double lat, double radius_m,
		       struct hv_lookup_hit *out, size_t cap);
/* Properties at an address (every match when ambiguous). */
size_t hv_lookup_address(const struct hv_lookup *l, const char *text, struct hv_lookup_hit *out,
			 size_t cap);
/* hv_lookup_point for n points on n_threads threads (0: every core), answers in input order as
 * in hv_index_lookup_batch; refs are resolved with hv_lookup_hit_of. Caller releases *out with
 * hv_index_batch_release. */
void hv_lookup_batch(const struct hv_lookup *l, const double *lon, const double *lat, size_t n,
		     double radius_m, int n_threads, struct hv_index_batch *out);
/* The hit for a match of hv_lookup_batch. */
void hv_lookup_hit_of(const struct hv_lookup *l, const struct hv_index_match *m,
		      struct hv_lookup_hit *out);
/* Counts: properties held, with polygons, point-only, address-only, superseded points. */
struct hv_lookup_stats {
	size_t n_properties, n_polygons, n_points, n_address_only, n_superseded, n_addresses;
	double build_s;
	size_t index_bytes;
};
void hv_lookup_stats(const struct hv_lookup *l, struct hv_lookup_stats *out);
/* Writes a hit as a JSON object. */
void hv_lookup_hit_json(struct hv_json *w, const struct hv_lookup_hit *h);

/* A live holder: readers acquire the current snapshot and release it when done; refresh builds
 * a new snapshot from the store and swaps it in without blocking readers. */
struct hv_lookup_live;

int hv_lookup_live_new(struct hv_store *s, struct hv_lookup_live **out, struct hv_err *err);
void hv_lookup_live_free(struct hv_lookup_live *live);
/* The current snapshot; valid until hv_lookup_live_release. Never NULL. */
const struct hv_lookup *hv_lookup_live_acquire(struct hv_lookup_live *live);
void hv_lookup_live_release(struct hv_lookup_live *live, const struct hv_lookup *l);
/* Rebuilds from s and swaps the new snapshot in; the old one is freed when its last reader
 * releases it. On error the current snapshot stays. */
int hv_lookup_live_refresh(struct hv_lookup_live *live, struct hv_store *s, struct hv_err *err);
/* Rebuilds only when the store's data version moved since the current snapshot was built (an
 * import or a scope change, by this process or another); *rebuilt says whether it did. */
int hv_lookup_live_refresh_if_changed(struct hv_lookup_live *live, struct hv_store *s,
				      bool *rebuilt, struct hv_err *err);

#endif
