/* SPDX-License-Identifier: Apache-2.0 */
/* OGC API - Features Part 1 (Core, GeoJSON, OpenAPI 3.0) under /ogc, with two collections:
 * "zones" (properties in the scope of any rule in force now) and "properties" (every current
 * property). A feature carries only what a city publishes anyway: geometry, kind, name,
 * address, zone status, the source's name and its id for the property, and valid_from.
 *
 * items parameters:
 *   limit     1..10000, default 10; larger values are clamped to 10000, not refused.
 *   bbox      minx,miny,maxx,maxy (or the 6-number 3D form, heights ignored) in CRS84; a
 *             feature matches when its stored bounding box intersects it; minx > maxx crosses
 *             the antimeridian. Address-only properties (no geometry) never match a bbox.
 *   datetime  each feature's one temporal property is valid_from: when the version served
 *             (the current one) took effect, i.e. the effective time of the import that wrote
 *             it. An instant matches features whose valid_from equals it; a date alone
 *             ("2025-10-01") means that whole UTC day; an interval "a/b" (either end ".." or
 *             empty: open) matches valid_from in [a, b]. So datetime=../2025-10-01 is "features
 *             whose current version was in force by then".
 *   after     the opaque cursor of a rel=next link (paging without offsets: a page is the
 *             features after the previous page's last one, so concurrent imports never shift
 *             it). next links keep every other parameter.
 *   f         json (or geojson): the only format.
 * numberMatched counts every feature matching bbox and datetime (not just those after the
 * cursor); numberReturned those on the page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "api/api_ogc.h"
#include "core/clock.h"
#include "core/str.h"
#include "registry/registry.h"

#define OGC_LIMIT_DEFAULT 10
#define OGC_LIMIT_MAX	  10000
#define DAY_MS		  86400000LL

#define CRS84	  "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#define GREGORIAN "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
#define T_JSON	  "application/json"
#define T_GEOJSON "application/geo+json"
#define T_OPENAPI "application/vnd.oai.openapi+json;version=3.0"
#define CONF_BASE "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"

#define COLL_ZONES	HV_OGC_ZONES
#define COLL_PROPERTIES HV_OGC_PROPERTIES
#define COLL_COUNT	HV_OGC_COLL_COUNT

static const struct {
	const char *id, *title, *description;
} colls[COLL_COUNT] = {
	[COLL_ZONES] = {"zones", "Zones",
			"City property in the scope of a rule in force now: federal immigration "
			"enforcement needs a judicial warrant here."},
	[COLL_PROPERTIES] = {"properties", "City property",
			     "Every property in the city's current inventory, with its zone "
			     "status."},
};

static int coll_find(const char *id)
{
	for (int c = 0; c < COLL_COUNT; c++)
		if (strcmp(colls[c].id, id) == 0)
			return c;
	return -1;
}

/* One pass over the store: filter, count, write a page, and gather each collection's extent. */
struct scan {
	const struct hv_ogc_filter *f; /* NULL: no filter (collection statistics) */
	const struct hv_zones *z;
	bool *in;
	struct hv_json *w; /* NULL: count only */
	int64_t after, limit;
	int64_t n_matched, n_returned, last_id;
	bool more;
	struct hv_ogc_stats st; /* for /collections */
};

static bool in_any_zone(const struct hv_zones *z, const bool *in)
{
	for (size_t i = 0; i < hv_zones_count(z); i++)
		if (in[i])
			return true;
	return false;
}

bool hv_api_ogc_bbox_hit(const struct hv_ogc_filter *f, double minx, double miny, double maxx,
			 double maxy, bool has_geom)
{
	bool x_ok;

	if (!has_geom)
		return false;
	if (maxy < f->miny || miny > f->maxy)
		return false;
	if (f->minx <= f->maxx)
		x_ok = maxx >= f->minx && minx <= f->maxx;
	else /* across the antimeridian: [minx, 180] or [-180, maxx] */
		x_ok = maxx >= f->minx || minx <= f->maxx;
	return x_ok;
}

static void link_to(struct hv_json *w, struct hv_req *req, const char *rel, const char *type,
		    const char *title, const char *path);

void hv_api_ogc_feature_members(struct hv_json *w, const struct hv_property *p,
				const struct hv_zones *z, const bool *in)
{
	char iso[HV_TIME_ISO_MAX];
	bool any = false;

	hv_json_key(w, "type");
	hv_json_str(w, "Feature");
	hv_json_key(w, "id");
	hv_json_int(w, p->id);
	hv_json_key(w, "geometry");
	/* Stored WKB came through GEOS; a bad one is a store problem, shown as no geometry. */
	(void)hv_api_geojson_geometry(w, p->wkb, p->wkb_len);
	hv_json_key(w, "properties");
	hv_json_obj_begin(w);
	hv_json_key(w, "kind");
	hv_json_str(w, p->kind);
	hv_json_key(w, "name");
	hv_json_str(w, p->name);
	hv_json_key(w, "address");
	hv_json_str(w, p->address);
	hv_json_key(w, "zones");
	hv_json_arr_begin(w);
	for (size_t i = 0; i < hv_zones_count(z); i++)
		if (in[i]) {
			hv_json_str(w, hv_zones_name(z, i));
			any = true;
		}
	hv_json_arr_end(w);
	hv_json_key(w, "in_zone");
	hv_json_bool(w, any);
	hv_json_key(w, "source");
	hv_json_str(w, p->source);
	hv_json_key(w, "source_id");
	hv_json_str(w, p->source_key);
	hv_json_key(w, "valid_from");
	hv_time_format_iso(p->valid_from_ms, iso, sizeof(iso));
	hv_json_str(w, iso);
	hv_json_obj_end(w);
}

/* The links of a feature answered alone: self and its collection. */
static void feature_links(struct hv_json *w, struct hv_req *req, int c, int64_t id)
{
	char path[128];

	hv_json_key(w, "links");
	hv_json_arr_begin(w);
	snprintf(path, sizeof(path), "/collections/%s/items/%lld", colls[c].id, (long long)id);
	link_to(w, req, "self", T_GEOJSON, NULL, path);
	snprintf(path, sizeof(path), "/collections/%s", colls[c].id);
	link_to(w, req, "collection", T_JSON, colls[c].title, path);
	hv_json_arr_end(w);
}

void hv_api_ogc_stats_add(struct hv_ogc_stats *st, int c, const struct hv_property *p)
{
	st->n[c]++;
	if (st->t_min[c] == 0 || p->valid_from_ms < st->t_min[c])
		st->t_min[c] = p->valid_from_ms;
	if (!p->wkb)
		return;
	if (!st->has_ext[c]) {
		st->ext[c][0] = p->minx;
		st->ext[c][1] = p->miny;
		st->ext[c][2] = p->maxx;
		st->ext[c][3] = p->maxy;
		st->has_ext[c] = true;
		return;
	}
	if (p->minx < st->ext[c][0])
		st->ext[c][0] = p->minx;
	if (p->miny < st->ext[c][1])
		st->ext[c][1] = p->miny;
	if (p->maxx > st->ext[c][2])
		st->ext[c][2] = p->maxx;
	if (p->maxy > st->ext[c][3])
		st->ext[c][3] = p->maxy;
}

static int scan_one(void *ctx, const struct hv_property *p)
{
	struct scan *x = ctx;
	const struct hv_ogc_filter *f = x->f;
	bool zone;

	hv_zones_match(x->z, p, x->in);
	zone = in_any_zone(x->z, x->in);
	if (!f) {
		hv_api_ogc_stats_add(&x->st, COLL_PROPERTIES, p);
		if (zone)
			hv_api_ogc_stats_add(&x->st, COLL_ZONES, p);
		return 0;
	}
	if (f->coll == COLL_ZONES && !zone)
		return 0;
	if (f->has_bbox && !hv_api_ogc_bbox_hit(f, p->minx, p->miny, p->maxx, p->maxy, p->wkb))
		return 0;
	if (f->has_time && (p->valid_from_ms < f->t0 || p->valid_from_ms > f->t1))
		return 0;
	x->n_matched++;
	if (p->id <= x->after)
		return 0;
	if (x->n_returned == x->limit) {
		x->more = true;
		return 0; /* keep counting: numberMatched is exact */
	}
	hv_json_obj_begin(x->w);
	hv_api_ogc_feature_members(x->w, p, x->z, x->in);
	hv_json_obj_end(x->w);
	x->n_returned++;
	x->last_id = p->id;
	return 0;
}

/* Loads the zones and runs one scan over every current property. */
static int run_scan(struct hv_req *req, struct hv_store *s, struct hv_zones **z, struct scan *x,
		    struct hv_err *err)
{
	struct hv_property_filter pf = {0};
	int rc;

	if ((rc = hv_zones_load(s, 0, z, err)))
		return rc;
	x->z = *z;
	x->in = hv_arena_calloc(req->arena, hv_zones_count(*z) + 1, sizeof(bool));
	rc = hv_store_property_each(s, &pf, scan_one, x, err);
	return rc < 0 ? rc : HV_OK;
}

/* ---- parameters ---- */

static bool check_f(struct hv_req *req, struct hv_resp *resp)
{
	const char *v = hv_query_get(&req->query, "f");
	char detail[HV_ERR_MSG_MAX];

	if (!v || strcmp(v, "json") == 0 || strcmp(v, "geojson") == 0)
		return true;
	snprintf(detail, sizeof(detail), "f: \"%.64s\" is not offered; the format is json", v);
	hv_resp_problem(resp, HV_EINVAL, detail);
	return false;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool parse_limit(struct hv_req *req, struct hv_resp *resp, int64_t *limit)
{
	const char *v = hv_query_get(&req->query, "limit");
	char detail[HV_ERR_MSG_MAX];
	int64_t n;

	*limit = OGC_LIMIT_DEFAULT;
	if (!v)
		return true;
	if (!hv_str_to_i64(hv_str_cstr(v), &n)) {
		if (!all_digits(v))
			goto bad;
		n = OGC_LIMIT_MAX; /* too many digits for int64: clamped like any large value */
	}
	if (n < 1)
		goto bad;
	*limit = n > OGC_LIMIT_MAX ? OGC_LIMIT_MAX : n;
	return true;
bad:
	snprintf(detail, sizeof(detail), "limit: \"%.64s\" is not a whole number of at least 1", v);
	hv_resp_problem(resp, HV_EINVAL, detail);
	return false;
}

int hv_api_ogc_bbox(const char *v, double box[4], struct hv_err *err)
{
	const char *why = NULL;
	double n[6];
	size_t k = 0;

	for (const char *p = v;; k++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (k == 6) {
			why = "has more than 6 numbers";
			goto bad;
		}
		if (!hv_str_to_double(hv_str_of(p, len), &n[k])) {
			why = "is not 4 comma-separated numbers (minx,miny,maxx,maxy)";
			goto bad;
		}
		if (!comma) {
			k++;
			break;
		}
		p = comma + 1;
	}
	if (k != 4 && k != 6) {
		why = "is not 4 comma-separated numbers (minx,miny,maxx,maxy)";
		goto bad;
	}
	if (k == 6) { /* minx,miny,minz,maxx,maxy,maxz */
		n[2] = n[3];
		n[3] = n[4];
	}
	if (n[0] < -180 || n[0] > 180 || n[2] < -180 || n[2] > 180) {
		why = "has a longitude outside -180..180";
		goto bad;
	}
	if (n[1] < -90 || n[1] > 90 || n[3] < -90 || n[3] > 90) {
		why = "has a latitude outside -90..90";
		goto bad;
	}
	if (n[1] > n[3]) {
		why = "has miny greater than maxy";
		goto bad;
	}
	memcpy(box, n, 4 * sizeof(double));
	return HV_OK;
bad:
	return hv_err_set(err, HV_EINVAL, "bbox: \"%.100s\" %s", v, why);
}

/* One end of an interval (open when empty or ".."); an instant's whole day for a date alone. */
static bool parse_time(const char *s, size_t len, bool open_ok, int64_t *lo, int64_t *hi)
{
	char tmp[HV_TIME_ISO_MAX * 2];
	int64_t t;

	if (open_ok && (len == 0 || (len == 2 && memcmp(s, "..", 2) == 0))) {
		*lo = INT64_MIN;
		*hi = INT64_MAX;
		return true;
	}
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (!hv_time_parse_iso(tmp, &t))
		return false;
	*lo = t;
	*hi = len == 10 ? t + DAY_MS - 1 : t;
	return true;
}

int hv_api_ogc_datetime(const char *v, int64_t *t0, int64_t *t1, struct hv_err *err)
{
	const char *slash = strchr(v, '/');
	int64_t lo, hi;

	if (!slash) {
		if (!parse_time(v, strlen(v), false, t0, t1))
			goto bad;
		return HV_OK;
	}
	if (strchr(slash + 1, '/') || !parse_time(v, (size_t)(slash - v), true, t0, &hi) ||
	    !parse_time(slash + 1, strlen(slash + 1), true, &lo, t1))
		goto bad;
	if (*t0 > *t1)
		return hv_err_set(err, HV_EINVAL, "datetime: \"%.100s\" ends before it starts", v);
	return HV_OK;
bad:
	return hv_err_set(err, HV_EINVAL,
			  "datetime: \"%.100s\" is not an RFC 3339 instant or an interval a/b "
			  "(either end may be ..)",
			  v);
}

static bool parse_bbox(struct hv_req *req, struct hv_resp *resp, struct hv_ogc_filter *f)
{
	const char *v = hv_query_get(&req->query, "bbox");
	struct hv_err err;
	double box[4];

	if (!v)
		return true;
	hv_err_clear(&err);
	if (hv_api_ogc_bbox(v, box, &err)) {
		hv_api_fail(resp, HV_EINVAL, &err);
		return false;
	}
	f->has_bbox = true;
	f->minx = box[0];
	f->miny = box[1];
	f->maxx = box[2];
	f->maxy = box[3];
	return true;
}

static bool parse_datetime(struct hv_req *req, struct hv_resp *resp, struct hv_ogc_filter *f)
{
	const char *v = hv_query_get(&req->query, "datetime");
	struct hv_err err;

	if (!v)
		return true;
	hv_err_clear(&err);
	if (hv_api_ogc_datetime(v, &f->t0, &f->t1, &err)) {
		hv_api_fail(resp, HV_EINVAL, &err);
		return false;
	}
	f->has_time = true;
	return true;
}

/* ---- links ---- */

static void write_link(struct hv_json *w, const char *rel, const char *type, const char *title,
		       const char *href)
{
	hv_json_obj_begin(w);
	hv_json_key(w, "href");
	hv_json_str(w, href);
	hv_json_key(w, "rel");
	hv_json_str(w, rel);
	hv_json_key(w, "type");
	hv_json_str(w, type);
	if (title) {
		hv_json_key(w, "title");
		hv_json_str(w, title);
	}
	hv_json_obj_end(w);
}

/* A link to base + "/ogc" + path (path may be empty). */
static void link_to(struct hv_json *w, struct hv_req *req, const char *rel, const char *type,
		    const char *title, const char *path)
{
	struct hv_buf b;

	hv_buf_init(&b, 0);
	hv_buf_addf(&b, "%s/ogc%s", req->public_url, path);
	write_link(w, rel, type, title, b.data);
	hv_buf_release(&b);
}

/* An items URL: the request's bbox and datetime, the effective limit, a cursor, a format. */
static void items_link(struct hv_json *w, struct hv_req *req, int c, const char *rel,
		       const char *type, int64_t limit, int64_t after, const char *fmt)
{
	static const char *const keep[] = {"bbox", "datetime", NULL};
	struct hv_buf b;

	hv_buf_init(&b, 0);
	hv_buf_addf(&b, "%s/ogc/collections/%s/items?limit=%lld", req->public_url, colls[c].id,
		    (long long)limit);
	for (const char *const *k = keep; *k; k++) {
		const char *v = hv_query_get(&req->query, *k);

		if (v) {
			hv_buf_addf(&b, "&%s=", *k);
			hv_api_url_encode(&b, v);
		}
	}
	if (after > 0)
		hv_buf_addf(&b, "&after=%lld", (long long)after);
	if (fmt) {
		hv_buf_adds(&b, "&f=");
		hv_api_url_encode(&b, fmt);
	}
	write_link(w, rel, type, NULL, b.data);
	hv_buf_release(&b);
}

/* ---- handlers ---- */

static void landing(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_json *w;

	if (!check_f(req, resp))
		return;
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "title");
	hv_json_str(w, "haven: city property zones");
	hv_json_key(w, "description");
	hv_json_str(w, "OGC API - Features over the city's property inventory and the zones "
		       "where federal immigration enforcement needs a judicial warrant.");
	hv_json_key(w, "links");
	hv_json_arr_begin(w);
	link_to(w, req, "self", T_JSON, "this document", "");
	link_to(w, req, "service-desc", T_OPENAPI, "the API definition", "/api");
	link_to(w, req, "conformance", T_JSON, "conformance classes", "/conformance");
	link_to(w, req, "data", T_JSON, "the collections", "/collections");
	hv_json_arr_end(w);
	hv_json_obj_end(w);
}

static void conformance(struct hv_req *req, struct hv_resp *resp)
{
	static const char *const classes[] = {"core", "geojson", "oas30", NULL};
	struct hv_json *w;

	if (!check_f(req, resp))
		return;
	w = hv_resp_json(resp, 200);
	hv_json_obj_begin(w);
	hv_json_key(w, "conformsTo");
	hv_json_arr_begin(w);
	for (const char *const *c = classes; *c; c++) {
		char uri[128];

		snprintf(uri, sizeof(uri), CONF_BASE "%s", *c);
		hv_json_str(w, uri);
	}
	hv_json_arr_end(w);
	hv_json_obj_end(w);
}

static void write_collection(struct hv_json *w, struct hv_req *req, int c,
			     const struct hv_ogc_stats *x)
{
	char path[96], iso[HV_TIME_ISO_MAX];

	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_str(w, colls[c].id);
	hv_json_key(w, "title");
	hv_json_str(w, colls[c].title);
	hv_json_key(w, "description");
	hv_json_str(w, colls[c].description);
	hv_json_key(w, "itemType");
	hv_json_str(w, "feature");
	hv_json_key(w, "crs");
	hv_json_arr_begin(w);
	hv_json_str(w, CRS84);
	hv_json_arr_end(w);
	hv_json_key(w, "extent");
	hv_json_obj_begin(w);
	if (x->has_ext[c]) {
		hv_json_key(w, "spatial");
		hv_json_obj_begin(w);
		hv_json_key(w, "bbox");
		hv_json_arr_begin(w);
		hv_json_arr_begin(w);
		for (int i = 0; i < 4; i++)
			hv_json_fixed(w, x->ext[c][i], 7);
		hv_json_arr_end(w);
		hv_json_arr_end(w);
		hv_json_key(w, "crs");
		hv_json_str(w, CRS84);
		hv_json_obj_end(w);
	}
	if (x->n[c]) {
		hv_json_key(w, "temporal");
		hv_json_obj_begin(w);
		hv_json_key(w, "interval");
		hv_json_arr_begin(w);
		hv_json_arr_begin(w);
		hv_time_format_iso(x->t_min[c], iso, sizeof(iso));
		hv_json_str(w, iso);
		hv_json_null(w);
		hv_json_arr_end(w);
		hv_json_arr_end(w);
		hv_json_key(w, "trs");
		hv_json_str(w, GREGORIAN);
		hv_json_obj_end(w);
	}
	hv_json_obj_end(w);
	hv_json_key(w, "links");
	hv_json_arr_begin(w);
	snprintf(path, sizeof(path), "/collections/%s", colls[c].id);
	link_to(w, req, "self", T_JSON, colls[c].title, path);
	snprintf(path, sizeof(path), "/collections/%s/items", colls[c].id);
	link_to(w, req, "items", T_GEOJSON, colls[c].title, path);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
}

/* Answers the collections (all, or only `only` when >= 0) with their extents: from the live
 * snapshot, or from one scan of the store. */
static void describe(struct hv_req *req, struct hv_resp *resp, int only)
{
	struct hv_api *api = req->ctx;
	const struct hv_ogc_snap *snap = NULL;
	const struct hv_ogc_stats *st;
	struct scan x = {0};
	struct hv_zones *z = NULL;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (!api->ogc_use_store) {
		snap = hv_ogc_live_acquire(api->ogc);
		st = hv_ogc_snap_stats(snap);
	} else if ((rc = hv_req_store(req, &s, &err)) || (rc = run_scan(req, s, &z, &x, &err))) {
		hv_api_fail(resp, rc, &err);
		goto out;
	} else {
		st = &x.st;
	}
	w = hv_resp_json(resp, 200);
	if (only >= 0) {
		write_collection(w, req, only, st);
		goto out;
	}
	hv_json_obj_begin(w);
	hv_json_key(w, "links");
	hv_json_arr_begin(w);
	link_to(w, req, "self", T_JSON, "the collections", "/collections");
	hv_json_arr_end(w);
	hv_json_key(w, "collections");
	hv_json_arr_begin(w);
	for (int c = 0; c < COLL_COUNT; c++)
		write_collection(w, req, c, st);
	hv_json_arr_end(w);
	hv_json_obj_end(w);
out:
	if (snap)
		hv_ogc_live_release(api->ogc, snap);
	hv_zones_free(z);
}

static void collections(struct hv_req *req, struct hv_resp *resp)
{
	if (check_f(req, resp))
		describe(req, resp, -1);
}

/* The {collectionId} capture as a collection, or a 404 naming it. */
static int capture_coll(struct hv_req *req, struct hv_resp *resp)
{
	const char *id = req->captures[0].value;
	char detail[HV_ERR_MSG_MAX];
	int c = coll_find(id);

	if (c < 0) {
		snprintf(detail, sizeof(detail),
			 "no collection \"%.64s\" (there are \"zones\" and \"properties\")", id);
		hv_resp_problem(resp, HV_ENOENT, detail);
	}
	return c;
}

static void collection(struct hv_req *req, struct hv_resp *resp)
{
	int c = capture_coll(req, resp);

	if (c >= 0 && check_f(req, resp))
		describe(req, resp, c);
}

static void items(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	const struct hv_ogc_snap *snap = NULL;
	struct hv_ogc_filter f = {.coll = capture_coll(req, resp)};
	struct scan x = {.f = &f};
	const char *fmt = hv_query_get(&req->query, "f");
	char iso[HV_TIME_ISO_MAX];
	struct hv_zones *z = NULL;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	int rc;

	if (f.coll < 0 || !check_f(req, resp) || !parse_limit(req, resp, &x.limit) ||
	    !hv_api_param_i64(req, resp, "after", 0, INT64_MAX, &x.after) ||
	    !parse_bbox(req, resp, &f) || !parse_datetime(req, resp, &f))
		return;
	hv_err_clear(&err);
	if (api->ogc_use_store && (rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	w = hv_resp_json(resp, 200);
	resp->content_type = T_GEOJSON;
	x.w = w;
	hv_json_obj_begin(w);
	hv_json_key(w, "type");
	hv_json_str(w, "FeatureCollection");
	hv_json_key(w, "features");
	hv_json_arr_begin(w);
	if (!api->ogc_use_store) {
		struct hv_ogc_page pg = {.after = x.after, .limit = x.limit};

		snap = hv_ogc_live_acquire(api->ogc);
		hv_ogc_snap_items(snap, &f, req->arena, w, &pg);
		x.n_matched = pg.n_matched;
		x.n_returned = pg.n_returned;
		x.last_id = pg.last_id;
		x.more = pg.more;
	} else if ((rc = run_scan(req, s, &z, &x, &err))) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	hv_json_arr_end(w);
	hv_json_key(w, "numberMatched");
	hv_json_int(w, x.n_matched);
	hv_json_key(w, "numberReturned");
	hv_json_int(w, x.n_returned);
	hv_json_key(w, "timeStamp");
	hv_time_format_iso(hv_time_now_ms(), iso, sizeof(iso));
	hv_json_str(w, iso);
	hv_json_key(w, "links");
	hv_json_arr_begin(w);
	items_link(w, req, f.coll, "self", T_GEOJSON, x.limit, x.after, fmt);
	items_link(w, req, f.coll, "alternate", T_JSON, x.limit, x.after, "json");
	if (x.more)
		items_link(w, req, f.coll, "next", T_GEOJSON, x.limit, x.last_id, fmt);
	link_to(w, req, "collection", T_JSON, colls[f.coll].title,
		f.coll == COLL_ZONES ? "/collections/zones" : "/collections/properties");
	hv_json_arr_end(w);
	hv_json_obj_end(w);
out:
	if (snap)
		hv_ogc_live_release(api->ogc, snap);
	hv_zones_free(z);
}

static void item(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_api *api = req->ctx;
	int c = capture_coll(req, resp);
	const char *sid = req->captures[1].value;
	char detail[HV_ERR_MSG_MAX];
	struct hv_property p = {0};
	struct hv_zones *z = NULL;
	struct hv_store *s;
	struct hv_json *w;
	struct hv_err err;
	bool *in;
	int64_t id;
	int rc;

	if (c < 0 || !check_f(req, resp))
		return;
	hv_err_clear(&err);
	if (!hv_str_to_i64(hv_str_cstr(sid), &id) || id <= 0)
		goto missing;
	if (!api->ogc_use_store) {
		const struct hv_ogc_snap *snap = hv_ogc_live_acquire(api->ogc);
		const char *members;
		size_t len;
		bool found = hv_ogc_snap_item(snap, c, id, &members, &len);

		if (found) {
			w = hv_resp_json(resp, 200);
			resp->content_type = T_GEOJSON;
			hv_json_obj_begin(w);
			hv_json_raw_members(w, members, len);
			feature_links(w, req, c, id);
			hv_json_obj_end(w);
		}
		hv_ogc_live_release(api->ogc, snap);
		if (found)
			return;
		goto missing;
	}
	if ((rc = hv_req_store(req, &s, &err)) || (rc = hv_zones_load(s, 0, &z, &err))) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	rc = hv_store_property_get(s, id, 0, &p, &err);
	if (rc == HV_ENOENT)
		goto missing;
	if (rc) {
		hv_api_fail(resp, rc, &err);
		goto out;
	}
	in = hv_arena_calloc(req->arena, hv_zones_count(z) + 1, sizeof(bool));
	hv_zones_match(z, &p, in);
	if (p.removed || (c == COLL_ZONES && !in_any_zone(z, in)))
		goto missing;
	w = hv_resp_json(resp, 200);
	resp->content_type = T_GEOJSON;
	hv_json_obj_begin(w);
	hv_api_ogc_feature_members(w, &p, z, in);
	feature_links(w, req, c, p.id);
	hv_json_obj_end(w);
	goto out;
missing:
	snprintf(detail, sizeof(detail), "no feature \"%.64s\" in collection %s", sid, colls[c].id);
	hv_resp_problem(resp, HV_ENOENT, detail);
out:
	hv_property_release(&p);
	hv_zones_free(z);
}

/* The OpenAPI 3.0 description of the routes above; paths are relative to the server URL. */
static const char openapi_paths[] =
	"{\"/\":{\"get\":{\"summary\":\"Landing page\",\"operationId\":\"getLandingPage\","
	"\"parameters\":[{\"$ref\":\"#/components/parameters/f\"}],"
	"\"responses\":{\"200\":{\"$ref\":\"#/components/responses/json\"}}}},"
	"\"/conformance\":{\"get\":{\"summary\":\"Conformance classes\","
	"\"operationId\":\"getConformanceDeclaration\","
	"\"parameters\":[{\"$ref\":\"#/components/parameters/f\"}],"
	"\"responses\":{\"200\":{\"$ref\":\"#/components/responses/json\"}}}},"
	"\"/api\":{\"get\":{\"summary\":\"This document\",\"operationId\":\"getAPI\","
	"\"parameters\":[{\"$ref\":\"#/components/parameters/f\"}],"
	"\"responses\":{\"200\":{\"description\":\"The API definition\",\"content\":{"
	"\"application/vnd.oai.openapi+json;version=3.0\":{\"schema\":{\"type\":\"object\"}}}}}}},"
	"\"/collections\":{\"get\":{\"summary\":\"The collections\",\"operationId\":"
	"\"getCollections\",\"parameters\":[{\"$ref\":\"#/components/parameters/f\"}],"
	"\"responses\":{\"200\":{\"$ref\":\"#/components/responses/json\"}}}},"
	"\"/collections/{collectionId}\":{\"get\":{\"summary\":\"One collection\","
	"\"operationId\":\"describeCollection\",\"parameters\":["
	"{\"$ref\":\"#/components/parameters/collectionId\"},"
	"{\"$ref\":\"#/components/parameters/f\"}],"
	"\"responses\":{\"200\":{\"$ref\":\"#/components/responses/json\"},"
	"\"404\":{\"$ref\":\"#/components/responses/problem\"}}}},"
	"\"/collections/{collectionId}/items\":{\"get\":{\"summary\":\"Features of a collection\","
	"\"operationId\":\"getFeatures\",\"parameters\":["
	"{\"$ref\":\"#/components/parameters/collectionId\"},"
	"{\"name\":\"limit\",\"in\":\"query\",\"required\":false,\"style\":\"form\","
	"\"explode\":false,\"description\":\"Features per page; larger values are clamped to "
	"10000.\",\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000,"
	"\"default\":10}},"
	"{\"name\":\"bbox\",\"in\":\"query\",\"required\":false,\"style\":\"form\","
	"\"explode\":false,\"description\":\"minx,miny,maxx,maxy in CRS84: features whose "
	"bounding box intersects it.\",\"schema\":{\"type\":\"array\",\"minItems\":4,"
	"\"maxItems\":6,\"items\":{\"type\":\"number\"}}},"
	"{\"name\":\"datetime\",\"in\":\"query\",\"required\":false,\"style\":\"form\","
	"\"explode\":false,\"description\":\"An instant or an interval a/b (.. for an open end) "
	"matched against valid_from, when the feature's current version took effect; a date "
	"alone means that UTC day.\",\"schema\":{\"type\":\"string\"}},"
	"{\"name\":\"after\",\"in\":\"query\",\"required\":false,\"description\":\"Opaque "
	"paging cursor from a rel=next link.\",\"schema\":{\"type\":\"string\"}},"
	"{\"$ref\":\"#/components/parameters/f\"}],"
	"\"responses\":{\"200\":{\"description\":\"A page of features\",\"content\":{"
	"\"application/geo+json\":{\"schema\":{\"type\":\"object\"}}}},"
	"\"400\":{\"$ref\":\"#/components/responses/problem\"},"
	"\"404\":{\"$ref\":\"#/components/responses/problem\"}}}},"
	"\"/collections/{collectionId}/items/{featureId}\":{\"get\":{\"summary\":\"One "
	"feature\",\"operationId\":\"getFeature\",\"parameters\":["
	"{\"$ref\":\"#/components/parameters/collectionId\"},"
	"{\"name\":\"featureId\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":"
	"\"string\"}},{\"$ref\":\"#/components/parameters/f\"}],"
	"\"responses\":{\"200\":{\"description\":\"The feature\",\"content\":{"
	"\"application/geo+json\":{\"schema\":{\"type\":\"object\"}}}},"
	"\"404\":{\"$ref\":\"#/components/responses/problem\"}}}}}";

static const char openapi_components[] =
	"{\"parameters\":{\"f\":{\"name\":\"f\",\"in\":\"query\",\"required\":false,"
	"\"schema\":{\"type\":\"string\",\"enum\":[\"json\",\"geojson\"]}},"
	"\"collectionId\":{\"name\":\"collectionId\",\"in\":\"path\",\"required\":true,"
	"\"schema\":{\"type\":\"string\",\"enum\":[\"zones\",\"properties\"]}}},"
	"\"responses\":{\"json\":{\"description\":\"A JSON document\",\"content\":{"
	"\"application/json\":{\"schema\":{\"type\":\"object\"}}}},"
	"\"problem\":{\"description\":\"An RFC 7807 problem\",\"content\":{"
	"\"application/problem+json\":{\"schema\":{\"type\":\"object\"}}}}}}";

static void openapi(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_json *w;
	struct hv_buf b;

	if (!check_f(req, resp))
		return;
	w = hv_resp_json(resp, 200);
	resp->content_type = T_OPENAPI;
	hv_json_obj_begin(w);
	hv_json_key(w, "openapi");
	hv_json_str(w, "3.0.3");
	hv_json_key(w, "info");
	hv_json_obj_begin(w);
	hv_json_key(w, "title");
	hv_json_str(w, "haven OGC API - Features");
	hv_json_key(w, "version");
	hv_json_str(w, "1.0.0");
	hv_json_obj_end(w);
	hv_json_key(w, "servers");
	hv_json_arr_begin(w);
	hv_json_obj_begin(w);
	hv_json_key(w, "url");
	hv_buf_init(&b, 0);
	hv_buf_addf(&b, "%s/ogc", req->public_url);
	hv_json_str(w, b.data);
	hv_buf_release(&b);
	hv_json_obj_end(w);
	hv_json_arr_end(w);
	hv_json_key(w, "paths");
	hv_json_raw(w, openapi_paths);
	hv_json_key(w, "components");
	hv_json_raw(w, openapi_components);
	hv_json_obj_end(w);
}

void hv_api_ogc_use_store(struct hv_api *api, bool on)
{
	api->ogc_use_store = on;
}

static const char *const f_params[] = {"f", NULL};
static const char *const items_params[] = {"limit", "bbox", "datetime", "after", "f", NULL};

int hv_api_ogc_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	/* Designated initialisers: struct hv_route grows (body limits, flags, summaries). */
#define OGC_ROUTE(pat, prm, fn)                                                                    \
	{.method = HV_GET, .pattern = (pat), .roles = HV_ROLES_ANY, .params = (prm), .handler = (fn), \
	 .ctx = api}
	const struct hv_route routes[] = {
		OGC_ROUTE("/ogc", f_params, landing),
		OGC_ROUTE("/ogc/conformance", f_params, conformance),
		OGC_ROUTE("/ogc/api", f_params, openapi),
		OGC_ROUTE("/ogc/collections", f_params, collections),
		OGC_ROUTE("/ogc/collections/{collectionId}", f_params, collection),
		OGC_ROUTE("/ogc/collections/{collectionId}/items", items_params, items),
		OGC_ROUTE("/ogc/collections/{collectionId}/items/{featureId}", f_params, item),
	};
#undef OGC_ROUTE
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
