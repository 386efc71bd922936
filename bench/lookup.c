/* SPDX-License-Identifier: Apache-2.0 */
/* bench/lookup: haven's point-in-polygon index beside GEOS (STRtree + prepared covers) and PostGIS
 * (GiST; one query per round trip, and a batch join) on the same polygons and points, in one
 * process and one run; prints rates, build times, memory, agreement and the goals. */
#define GEOS_USE_ONLY_R_API

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geos_c.h>
#include <libpq-fe.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "geo/geo.h"
#include "geo/index.h"

#include "core/banned.h"

#define MATCH_CAP    64
#define PROBE_POINTS 2000
#define MIB	     (1024.0 * 1024.0)

/* ------------------------------------------------------------------------------------------ */
/* Options and small helpers */

struct opts {
	const char *data_dir;
	const char *pg_conninfo; /* NULL: no PostGIS */
	const char *pg_missing;	 /* why there is no PostGIS, from the driver script */
	size_t n_lots;		 /* tiled lot polygons (the parks come on top) */
	size_t n_points;
	size_t n_pg_sample; /* points for one-query-per-round-trip */
	size_t n_pg_join;   /* points for the batch join */
	int rounds;
	int threads;	   /* hv_index_lookup_batch */
	double max_pass_s; /* cap on one haven pass while the index is still naive */
	bool explain;	   /* print PostgreSQL's plans */
	uint64_t seed;
};

static double now_s(void)
{
	return (double)hv_time_mono_ns() / 1e9;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rand01(uint64_t *state)
{
	return (double)(splitmix64(state) >> 11) * 0x1.0p-53;
}

/* An order-independent fingerprint of a set of ids: the sum of a strong mix of each, kept with
 * the count. Two engines agree on a point when count and sum agree. */
static uint64_t id_mix(int64_t ref)
{
	uint64_t s = (uint64_t)ref;
	return splitmix64(&s);
}

/* Resident set size in bytes, from /proc/self/statm (second field, in pages). */
static size_t rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0, resident = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* The CPU's model name from /proc/cpuinfo, or "unknown CPU". */
static void cpu_model(char *out, size_t cap)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	snprintf(out, cap, "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			colon += 1 + strspn(colon + 1, " \t");
			snprintf(out, cap, "%.*s", (int)strcspn(colon, "\n"), colon);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* "1,234,567" */
static const char *group(char *out, size_t cap, double v)
{
	char digits[64];
	snprintf(digits, sizeof(digits), "%.0f", v);
	size_t n = strlen(digits), o = 0;
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		out[o++] = digits[i];
		if (digits[i] != '-' && (n - i - 1) % 3 == 0 && i + 1 < n)
			out[o++] = ',';
	}
	out[o] = '\0';
	return out;
}

static bool parse_size(const char *s, size_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0)
		return false;
	*out = (size_t)v;
	return true;
}

/* ------------------------------------------------------------------------------------------ */
/* The workload: translated copies of the Englewood lots, the large parks, random points */

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void bytes_put(struct bytes *b, const void *src, size_t n)
{
	b->p = hv_xgrow(b->p, &b->cap, b->len + n, 1);
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u32le(struct bytes *b, uint32_t v)
{
	unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 24)};
	bytes_put(b, x, 4);
}

static void put_f64le(struct bytes *b, double d)
{
	uint64_t v;
	unsigned char x[8];
	memcpy(&v, &d, 8);
	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	bytes_put(b, x, 8);
}

struct wkb_rd {
	const unsigned char *p, *end;
};

static bool rd_u32(struct wkb_rd *r, bool le, uint32_t *v)
{
	if (r->end - r->p < 4)
		return false;
	const unsigned char *p = r->p;
	*v = le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
		: (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
			     (uint32_t)p[0] << 24;
	r->p += 4;
	return true;
}

static bool rd_f64(struct wkb_rd *r, bool le, double *d)
{
	if (r->end - r->p < 8)
		return false;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)r->p[le ? i : 7 - i] << (8 * i);
	memcpy(d, &v, 8);
	r->p += 8;
	return true;
}

struct bbox {
	double minx, miny, maxx, maxy;
};

static void bbox_empty(struct bbox *b)
{
	b->minx = b->miny = INFINITY;
	b->maxx = b->maxy = -INFINITY;
}

static void bbox_add(struct bbox *b, double x, double y)
{
	b->minx = fmin(b->minx, x);
	b->miny = fmin(b->miny, y);
	b->maxx = fmax(b->maxx, x);
	b->maxy = fmax(b->maxy, y);
}

/* Copies one Polygon or MultiPolygon (2D WKB, either byte order) into little-endian ISO WKB with
 * every coordinate moved by (dx, dy); counts the vertices as stored (closing points included)
 * and grows *box by the moved coordinates. */
static bool wkb_translate(struct wkb_rd *r, struct bytes *out, double dx, double dy,
			  size_t *n_vertices, struct bbox *box, int depth)
{
	if (r->p >= r->end || depth > 1)
		return false;
	bool le = *r->p++ == 1;
	uint32_t type, n;
	if (!rd_u32(r, le, &type) || !rd_u32(r, le, &n))
		return false;
	unsigned char order = 1;
	bytes_put(out, &order, 1);
	put_u32le(out, type);
	put_u32le(out, n);
	if (type == 6) {
		for (uint32_t i = 0; i < n; i++)
			if (!wkb_translate(r, out, dx, dy, n_vertices, box, depth + 1))
				return false;
		return true;
	}
	if (type != 3)
		return false;
	for (uint32_t ring = 0; ring < n; ring++) {
		uint32_t n_pts;
		if (!rd_u32(r, le, &n_pts) || (size_t)(r->end - r->p) / 16 < n_pts)
			return false;
		put_u32le(out, n_pts);
		for (uint32_t i = 0; i < n_pts; i++) {
			double x, y;
			rd_f64(r, le, &x);
			rd_f64(r, le, &y);
			put_f64le(out, x + dx);
			put_f64le(out, y + dy);
			bbox_add(box, x + dx, y + dy);
		}
		*n_vertices += n_pts;
	}
	return true;
}

struct source {
	struct bytes wkb; /* the features' WKB, back to back */
	size_t *off;	  /* n + 1 */
	size_t n, cap;
	struct bbox box;
};

static int source_read(const char *path, struct source *s)
{
	struct hv_geo_import_opts o = {.path = path};
	struct hv_geo_reader *rd = NULL;
	struct hv_err err = {0};
	struct hv_geo_feature f;
	int rc = hv_geo_reader_open(&o, &rd, &err);
	if (rc < 0) {
		fprintf(stderr, "bench_lookup: %s\n", err.msg);
		return rc;
	}
	memset(s, 0, sizeof(*s));
	bbox_empty(&s->box);
	s->off = hv_xgrow(NULL, &s->cap, 1, sizeof(*s->off));
	s->off[0] = 0;
	size_t skipped = 0;
	while ((rc = hv_geo_reader_next(rd, &f, &err)) != 0) {
		if (rc == HV_EINVAL) {
			skipped++;
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "bench_lookup: %s\n", err.msg);
			goto out;
		}
		if (!f.wkb || !f.geom_type ||
		    (strcmp(f.geom_type, "Polygon") != 0 &&
		     strcmp(f.geom_type, "MultiPolygon") != 0)) {
			skipped++;
			continue;
		}
		bytes_put(&s->wkb, f.wkb, f.wkb_len);
		s->off = hv_xgrow(s->off, &s->cap, s->n + 2, sizeof(*s->off));
		s->off[++s->n] = s->wkb.len;
		bbox_add(&s->box, f.minx, f.miny);
		bbox_add(&s->box, f.maxx, f.maxy);
	}
	rc = HV_OK;
	if (skipped)
		fprintf(stderr, "bench_lookup: %s: %zu features without a polygon skipped\n", path,
			skipped);
out:
	hv_geo_reader_free(rd);
	return rc;
}

static void source_release(struct source *s)
{
	free(s->wkb.p);
	free(s->off);
}

struct workload {
	struct bytes wkb; /* polygon i is wkb.p[off[i] .. off[i + 1]); its ref (id) is i */
	size_t *off;
	size_t n_polys, n_lots, n_parks, n_vertices, cap;
	size_t n_copies, cols, rows;
	struct bbox box; /* of the tiled lots; the points are drawn in it */
	double *lon, *lat;
	size_t n_points;
};

static bool workload_add(struct workload *w, const struct source *s, size_t i, double dx, double dy,
			 struct bbox *box)
{
	struct wkb_rd r = {s->wkb.p + s->off[i], s->wkb.p + s->off[i + 1]};
	if (!wkb_translate(&r, &w->wkb, dx, dy, &w->n_vertices, box, 0))
		return false;
	w->off = hv_xgrow(w->off, &w->cap, w->n_polys + 2, sizeof(*w->off));
	w->off[++w->n_polys] = w->wkb.len;
	return true;
}

/* The lots tiled in a grid of translated copies, each copy one lot-bbox plus a 2% gap and a
 * seeded jitter of up to 1% apart (copies never overlap, nor line up exactly), until n_lots; the
 * parks moved as a whole onto the middle of the tiled area; points uniform over the tiled bbox. */
static int workload_build(const struct opts *o, struct workload *w)
{
	struct source lots, parks;
	char path[4096];
	int rc;
	memset(w, 0, sizeof(*w));
	snprintf(path, sizeof(path), "%s/chicago/city_owned_lots_englewood.geojson", o->data_dir);
	if ((rc = source_read(path, &lots)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/chicago/parks_large_65.geojson", o->data_dir);
	if ((rc = source_read(path, &parks)) < 0) {
		source_release(&lots);
		return rc;
	}
	uint64_t rng = o->seed;
	double lw = lots.box.maxx - lots.box.minx, lh = lots.box.maxy - lots.box.miny;
	w->n_copies = (o->n_lots + lots.n - 1) / lots.n;
	w->cols = (size_t)ceil(sqrt((double)w->n_copies));
	w->rows = (w->n_copies + w->cols - 1) / w->cols;
	w->off = hv_xgrow(NULL, &w->cap, 1, sizeof(*w->off));
	w->off[0] = 0;
	bbox_empty(&w->box);
	rc = HV_EFORMAT;
	for (size_t c = 0; w->n_polys < o->n_lots; c++) {
		double dx = (double)(c % w->cols) * lw * 1.02 + rand01(&rng) * lw * 0.01;
		double dy = (double)(c / w->cols) * lh * 1.02 + rand01(&rng) * lh * 0.01;
		for (size_t i = 0; i < lots.n && w->n_polys < o->n_lots; i++)
			if (!workload_add(w, &lots, i, dx, dy, &w->box))
				goto bad;
	}
	w->n_lots = w->n_polys;
	double pdx = (w->box.minx + w->box.maxx) / 2 - (parks.box.minx + parks.box.maxx) / 2;
	double pdy = (w->box.miny + w->box.maxy) / 2 - (parks.box.miny + parks.box.maxy) / 2;
	struct bbox park_box;
	bbox_empty(&park_box);
	for (size_t i = 0; i < parks.n; i++)
		if (!workload_add(w, &parks, i, pdx, pdy, &park_box))
			goto bad;
	w->n_parks = parks.n;

	w->n_points = o->n_points;
	w->lon = hv_xmalloc(w->n_points * sizeof(double));
	w->lat = hv_xmalloc(w->n_points * sizeof(double));
	for (size_t i = 0; i < w->n_points; i++) {
		w->lon[i] = w->box.minx + rand01(&rng) * (w->box.maxx - w->box.minx);
		w->lat[i] = w->box.miny + rand01(&rng) * (w->box.maxy - w->box.miny);
	}
	rc = HV_OK;
	goto out;
bad:
	fprintf(stderr, "bench_lookup: polygon %zu: WKB the bench cannot walk\n", w->n_polys);
out:
	source_release(&lots);
	source_release(&parks);
	return rc;
}

static void workload_release(struct workload *w)
{
	free(w->wkb.p);
	free(w->off);
	free(w->lon);
	free(w->lat);
}

/* Per-point answers of one engine: how many polygons cover the point, and their id fingerprint. */
struct answers {
	uint32_t *n;
	uint64_t *h;
	size_t len;
};

/* Touches the pages now, so they do not show in a later RSS delta. */
static void answers_init(struct answers *a, size_t len)
{
	a->len = len;
	a->n = hv_xmalloc(len * sizeof(*a->n));
	a->h = hv_xmalloc(len * sizeof(*a->h));
	memset(a->n, 0xff, len * sizeof(*a->n));
	memset(a->h, 0, len * sizeof(*a->h));
}

static void answers_release(struct answers *a)
{
	free(a->n);
	free(a->h);
}

static size_t answers_diff(const struct answers *a, const struct answers *b, size_t n)
{
	size_t d = 0;
	for (size_t i = 0; i < n; i++)
		d += a->n[i] != b->n[i] || a->h[i] != b->h[i];
	return d;
}

static uint64_t answers_total(const struct answers *a, size_t n)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += a->n[i];
	return t;
}

/* ------------------------------------------------------------------------------------------ */
/* haven */

/* Adds every polygon's WKB and builds; *add_s is the time the adds took, the rest is the build. */
static struct hv_index *haven_build(const struct workload *w, double *add_s)
{
	double t0 = now_s();
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_err err = {0};
	for (size_t i = 0; i < w->n_polys; i++) {
		if (hv_index_builder_add_wkb(b, (int64_t)i, w->wkb.p + w->off[i],
					     w->off[i + 1] - w->off[i], &err) < 0) {
			fprintf(stderr, "bench_lookup: haven refused polygon %zu: %s\n", i,
				err.msg);
			hv_index_builder_free(b);
			return NULL;
		}
	}
	*add_s = now_s() - t0;
	return hv_index_build(b);
}

/* One thread, one call per point; returns the number of matches (all INSIDE with radius 0). */
static uint64_t haven_pass(const struct hv_index *ix, const struct workload *w, size_t n,
			   double radius_m, struct answers *a)
{
	struct hv_index_match m[MATCH_CAP];
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = hv_index_lookup(ix, w->lon[i], w->lat[i], radius_m, m, MATCH_CAP);
		total += k;
		if (a) {
			uint64_t h = 0;
			for (size_t j = 0; j < k && j < MATCH_CAP; j++)
				h += id_mix(m[j].ref);
			a->n[i] = (uint32_t)k;
			a->h[i] = h;
		}
	}
	return total;
}

/* How many points a pass can cover within max_s, judged on a short probe: while the index is
 * still naive a full pass could take hours, and a prefix of the points shows its rate as well. */
static size_t haven_budget(const struct hv_index *ix, const struct workload *w, double radius_m,
			   double max_s)
{
	size_t probe = w->n_points < PROBE_POINTS ? w->n_points : PROBE_POINTS;
	double t0 = now_s();
	haven_pass(ix, w, probe, radius_m, NULL);
	double per = (now_s() - t0) / (double)probe;
	if (per * (double)w->n_points <= max_s)
		return w->n_points;
	return (size_t)fmax((double)probe, max_s / per);
}

static void haven_batch_answers(const struct hv_index_batch *b, struct answers *a)
{
	for (size_t i = 0; i < b->n_points; i++) {
		uint64_t h = 0;
		for (size_t j = b->offsets[i]; j < b->offsets[i + 1]; j++)
			h += id_mix(b->matches[j].ref);
		a->n[i] = (uint32_t)(b->offsets[i + 1] - b->offsets[i]);
		a->h[i] = h;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* GEOS: an STR tree (node capacity 10) of prepared polygons, queried with a point, then covers */

struct geos_item {
	const GEOSPreparedGeometry *prep;
	int64_t ref;
};

struct geos_eng {
	GEOSContextHandle_t ctx;
	GEOSGeometry **geom;
	struct geos_item *items;
	GEOSSTRtree *tree;
	size_t n;
};

struct geos_query {
	GEOSContextHandle_t ctx;
	const GEOSGeometry *pt;
	uint32_t n;
	uint64_t h;
};

static void geos_cb(void *item, void *userdata)
{
	const struct geos_item *it = item;
	struct geos_query *q = userdata;
	if (GEOSPreparedCovers_r(q->ctx, it->prep, q->pt) == 1) {
		q->n++;
		q->h += id_mix(it->ref);
	}
}

static void geos_cb_none(void *item, void *userdata)
{
	(void)item;
	(void)userdata;
}

static void geos_free(struct geos_eng *g)
{
	if (!g->ctx)
		return;
	if (g->tree)
		GEOSSTRtree_destroy_r(g->ctx, g->tree);
	for (size_t i = 0; i < g->n; i++) {
		if (g->items[i].prep)
			GEOSPreparedGeom_destroy_r(g->ctx, g->items[i].prep);
		GEOSGeom_destroy_r(g->ctx, g->geom[i]);
	}
	free(g->items);
	free(g->geom);
	GEOS_finish_r(g->ctx);
	memset(g, 0, sizeof(*g));
}

/* Reads every WKB, prepares it, inserts it, and forces the tree to build (GEOS 3.11 builds it on
 * the first query). */
static int geos_build(const struct workload *w, struct geos_eng *g)
{
	memset(g, 0, sizeof(*g));
	g->ctx = GEOS_init_r();
	GEOSWKBReader *rd = GEOSWKBReader_create_r(g->ctx);
	g->geom = hv_xcalloc(w->n_polys, sizeof(*g->geom));
	g->items = hv_xcalloc(w->n_polys, sizeof(*g->items));
	g->tree = GEOSSTRtree_create_r(g->ctx, 10);
	for (size_t i = 0; i < w->n_polys; i++) {
		GEOSGeometry *geom = GEOSWKBReader_read_r(g->ctx, rd, w->wkb.p + w->off[i],
							  w->off[i + 1] - w->off[i]);
		if (!geom) {
			fprintf(stderr, "bench_lookup: GEOS cannot read polygon %zu\n", i);
			GEOSWKBReader_destroy_r(g->ctx, rd);
			geos_free(g);
			return HV_EINVAL;
		}
		g->geom[g->n] = geom;
		g->items[g->n].prep = GEOSPrepare_r(g->ctx, geom);
		g->items[g->n].ref = (int64_t)i;
		GEOSSTRtree_insert_r(g->ctx, g->tree, geom, &g->items[g->n]);
		g->n++;
	}
	GEOSWKBReader_destroy_r(g->ctx, rd);
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(g->ctx, w->box.minx, w->box.miny);
	GEOSSTRtree_query_r(g->ctx, g->tree, pt, geos_cb_none, NULL);
	GEOSGeom_destroy_r(g->ctx, pt);
	return HV_OK;
}

static uint64_t geos_pass(struct geos_eng *g, const struct workload *w, size_t n, struct answers *a)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(g->ctx, w->lon[i], w->lat[i]);
		struct geos_query q = {.ctx = g->ctx, .pt = pt};
		GEOSSTRtree_query_r(g->ctx, g->tree, pt, geos_cb, &q);
		GEOSGeom_destroy_r(g->ctx, pt);
		total += q.n;
		if (a) {
			a->n[i] = q.n;
			a->h[i] = q.h;
		}
	}
	return total;
}

/* ------------------------------------------------------------------------------------------ */
/* PostGIS */

static const char LOOKUP_SQL[] =
	"SELECT id FROM parcels WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))";
static const char JOIN_SQL[] =
	"SELECT count(*) FROM pts JOIN parcels ON ST_Covers(parcels.geom, pts.geom)";

static int pg_fail(char *why, size_t cap, const char *what, PGconn *c, PGresult *r)
{
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c);
	snprintf(why, cap, "%s: %.*s", what, (int)strcspn(msg, "\n"), msg);
	PQclear(r);
	return HV_ESTORE;
}

static int pg_exec(PGconn *c, const char *sql, char *why, size_t cap)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return pg_fail(why, cap, sql, c, r);
	PQclear(r);
	return HV_OK;
}

static int pg_connect(const char *conninfo, PGconn **out, char *why, size_t cap)
{
	PGconn *c = PQconnectdb(conninfo);
	*out = NULL;
	if (PQstatus(c) != CONNECTION_OK) {
		pg_fail(why, cap, "connect", c, NULL);
		PQfinish(c);
		return HV_ESTORE;
	}
	*out = c;
	return HV_OK;
}

/* The round-trip query, planned once per connection as an application would. */
static int pg_prepare(PGconn *c, char *why, size_t cap)
{
	PGresult *r = PQprepare(c, "lk", LOOKUP_SQL, 2, (const Oid[]){701, 701});
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return pg_fail(why, cap, "prepare", c, r);
	PQclear(r);
	return HV_OK;
}

static const char HEX[] = "0123456789abcdef";

static void hex_put(struct bytes *b, const unsigned char *p, size_t n)
{
	b->p = hv_xgrow(b->p, &b->cap, b->len + 2 * n, 1);
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = (unsigned char)HEX[p[i] >> 4];
		b->p[b->len++] = (unsigned char)HEX[p[i] & 15];
	}
}

/* Our little-endian ISO WKB as hex EWKB with SRID 4326 (flag 0x20000000 and the SRID after the
 * type, on the outer geometry only), which geometry's text input takes exactly. */
static void ewkb_hex(struct bytes *b, const unsigned char *wkb, size_t len)
{
	unsigned char head[9];
	uint32_t type = (uint32_t)wkb[1] | (uint32_t)wkb[2] << 8 | (uint32_t)wkb[3] << 16 |
			(uint32_t)wkb[4] << 24;
	type |= 0x20000000u;
	head[0] = 1;
	for (int i = 0; i < 4; i++) {
		head[1 + i] = (unsigned char)(type >> (8 * i));
		head[5 + i] = (unsigned char)(4326u >> (8 * i));
	}
	hex_put(b, head, sizeof(head));
	hex_put(b, wkb + 5, len - 5);
}

static int pg_copy_flush(PGconn *c, struct bytes *b, char *why, size_t cap)
{
	if (b->len && PQputCopyData(c, (const char *)b->p, (int)b->len) != 1)
		return pg_fail(why, cap, "COPY", c, NULL);
	b->len = 0;
	return HV_OK;
}

static int pg_copy_end(PGconn *c, char *why, size_t cap)
{
	if (PQputCopyEnd(c, NULL) != 1)
		return pg_fail(why, cap, "COPY end", c, NULL);
	PGresult *r = PQgetResult(c);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return pg_fail(why, cap, "COPY", c, r);
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	return HV_OK;
}

/* COPY id, geom rows (one chunk per MiB); point rows when wkb is NULL. */
static int pg_copy(PGconn *c, const char *sql, const struct workload *w, size_t n, bool points,
		   char *why, size_t cap)
{
	struct bytes b = {0};
	int rc;
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		return pg_fail(why, cap, sql, c, r);
	PQclear(r);
	for (size_t i = 0; i < n; i++) {
		char id[32];
		int len = snprintf(id, sizeof(id), "%zu\t", i);
		bytes_put(&b, id, (size_t)len);
		if (points) {
			struct bytes pt = {0};
			unsigned char order = 1;
			bytes_put(&pt, &order, 1);
			put_u32le(&pt, 1);
			put_f64le(&pt, w->lon[i]);
			put_f64le(&pt, w->lat[i]);
			ewkb_hex(&b, pt.p, pt.len);
			free(pt.p);
		} else {
			ewkb_hex(&b, w->wkb.p + w->off[i], w->off[i + 1] - w->off[i]);
		}
		bytes_put(&b, "\n", 1);
		if (b.len >= (1u << 20) && (rc = pg_copy_flush(c, &b, why, cap)) < 0)
			goto out;
	}
	if ((rc = pg_copy_flush(c, &b, why, cap)) < 0)
		goto out;
	rc = pg_copy_end(c, why, cap);
out:
	free(b.p);
	return rc;
}

/* Whether the plan of an EXPLAIN statement names the GiST index; prints it when asked. */
static bool plan_uses_index(PGconn *c, const char *sql, bool print)
{
	PGresult *r = PQexec(c, sql);
	bool used = false;
	if (print)
		printf("%s\n", sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		for (int i = 0; i < PQntuples(r); i++) {
			used |= strstr(PQgetvalue(r, i, 0), "parcels_geom") != NULL;
			if (print)
				printf("  %s\n", PQgetvalue(r, i, 0));
		}
	}
	PQclear(r);
	return used;
}

struct pg_bench {
	PGconn *conn[2];
	double build_s, copy_s, index_s;
	double memory;
	double pts_copy_s;
	bool plan_ok, join_plan_ok;
	char version[128]; /* PostgreSQL and PostGIS */
	char why[512];
};

static int pg_setup(const struct opts *o, const struct workload *w, struct pg_bench *p)
{
	PGconn *c;
	int rc;
	char *why = p->why;
	size_t cap = sizeof(p->why);
	for (int i = 0; i < 2; i++)
		if ((rc = pg_connect(o->pg_conninfo, &p->conn[i], why, cap)) < 0)
			return rc;
	c = p->conn[0];
	PGresult *v = PQexec(c, "SELECT current_setting('server_version'), postgis_lib_version()");
	if (PQresultStatus(v) != PGRES_TUPLES_OK)
		return pg_fail(why, cap, "postgis_lib_version", c, v);
	snprintf(p->version, sizeof(p->version), "PostgreSQL %.*s, PostGIS %s",
		 (int)strcspn(PQgetvalue(v, 0, 0), " "), PQgetvalue(v, 0, 0), PQgetvalue(v, 0, 1));
	PQclear(v);
	if ((rc = pg_exec(c, "SET client_min_messages = warning", why, cap)) < 0 ||
	    (rc = pg_exec(c, "DROP TABLE IF EXISTS parcels, pts", why, cap)) < 0 ||
	    (rc = pg_exec(c,
			  "CREATE TABLE parcels (id bigint NOT NULL, "
			  "geom geometry(Geometry, 4326) NOT NULL)",
			  why, cap)) < 0)
		return rc;
	double t0 = now_s();
	if ((rc = pg_copy(c, "COPY parcels (id, geom) FROM STDIN", w, w->n_polys, false, why,
			  cap)) < 0)
		return rc;
	double t1 = now_s();
	if ((rc = pg_exec(c, "CREATE INDEX parcels_geom ON parcels USING gist (geom)", why, cap)) <
	    0)
		return rc;
	double t2 = now_s();
	p->copy_s = t1 - t0;
	p->index_s = t2 - t1;
	p->build_s = t2 - t0;
	if ((rc = pg_exec(c, "VACUUM ANALYZE parcels", why, cap)) < 0)
		return rc;
	PGresult *r = PQexec(c, "SELECT pg_total_relation_size('parcels')");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return pg_fail(why, cap, "pg_total_relation_size", c, r);
	p->memory = strtod(PQgetvalue(r, 0, 0), NULL);
	PQclear(r);

	/* Unlogged rather than temporary: PostgreSQL never scans a temporary table in parallel,
	 * and the batch join should have the server's best plan. */
	size_t n_join = o->n_pg_join < w->n_points ? o->n_pg_join : w->n_points;
	if ((rc = pg_exec(c,
			  "CREATE UNLOGGED TABLE pts (id bigint NOT NULL, "
			  "geom geometry(Point, 4326) NOT NULL)",
			  why, cap)) < 0)
		return rc;
	t0 = now_s();
	if ((rc = pg_copy(c, "COPY pts (id, geom) FROM STDIN", w, n_join, true, why, cap)) < 0)
		return rc;
	p->pts_copy_s = now_s() - t0;
	if ((rc = pg_exec(c, "VACUUM ANALYZE pts", why, cap)) < 0)
		return rc;
	for (int i = 0; i < 2; i++)
		if ((rc = pg_prepare(p->conn[i], why, cap)) < 0)
			return rc;
	p->plan_ok = plan_uses_index(c, "EXPLAIN (ANALYZE, BUFFERS) EXECUTE lk(-87.65, 41.78)",
				     o->explain);
	p->join_plan_ok = plan_uses_index(c,
					  "EXPLAIN SELECT count(*) FROM pts JOIN parcels ON "
					  "ST_Covers(parcels.geom, pts.geom)",
					  o->explain);
	fflush(stdout);
	return HV_OK;
}

static void pg_teardown(struct pg_bench *p)
{
	if (p->conn[0]) {
		PGresult *r = PQexec(p->conn[0], "DROP TABLE IF EXISTS parcels, pts");
		PQclear(r);
	}
	for (int i = 0; i < 2; i++)
		PQfinish(p->conn[i]);
}

static void be_f64(char out[8], double d)
{
	uint64_t v;
	memcpy(&v, &d, 8);
	for (int i = 0; i < 8; i++)
		out[i] = (char)(v >> (56 - 8 * i));
}

struct pg_worker {
	PGconn *conn;
	const struct workload *w;
	size_t begin, end;
	struct answers *a;
	int rc;
	char why[256];
};

/* One prepared query per point, waiting for each answer before sending the next. */
static void *pg_worker_run(void *arg)
{
	struct pg_worker *k = arg;
	char x[8], y[8];
	const char *values[2] = {x, y};
	const int lengths[2] = {8, 8}, formats[2] = {1, 1};
	for (size_t i = k->begin; i < k->end; i++) {
		be_f64(x, k->w->lon[i]);
		be_f64(y, k->w->lat[i]);
		PGresult *r = PQexecPrepared(k->conn, "lk", 2, values, lengths, formats, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			k->rc = pg_fail(k->why, sizeof(k->why), "lookup", k->conn, r);
			return NULL;
		}
		uint64_t h = 0;
		int n = PQntuples(r);
		for (int j = 0; j < n; j++)
			h += id_mix(strtoll(PQgetvalue(r, j, 0), NULL, 10));
		k->a->n[i] = (uint32_t)n;
		k->a->h[i] = h;
		PQclear(r);
	}
	return NULL;
}

/* Lookups over points [0, n) on n_conn connections in as many threads; wall seconds, or < 0. */
static double pg_round_trips(struct pg_bench *p, const struct workload *w, size_t n, int n_conn,
			     struct answers *a)
{
	struct pg_worker k[2];
	pthread_t t[2];
	for (int i = 0; i < n_conn; i++)
		k[i] = (struct pg_worker){.conn = p->conn[i],
					  .w = w,
					  .a = a,
					  .begin = n * (size_t)i / (size_t)n_conn,
					  .end = n * (size_t)(i + 1) / (size_t)n_conn};
	double t0 = now_s();
	for (int i = 0; i < n_conn; i++)
		if (pthread_create(&t[i], NULL, pg_worker_run, &k[i]) != 0)
			abort();
	for (int i = 0; i < n_conn; i++)
		pthread_join(t[i], NULL);
	double dt = now_s() - t0;
	for (int i = 0; i < n_conn; i++)
		if (k[i].rc < 0) {
			snprintf(p->why, sizeof(p->why), "%s", k[i].why);
			return -1;
		}
	return dt;
}

static double pg_join(struct pg_bench *p, uint64_t *count)
{
	double t0 = now_s();
	PGresult *r = PQexec(p->conn[0], JOIN_SQL);
	double dt = now_s() - t0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(p->why, sizeof(p->why), "batch join", p->conn[0], r);
		return -1;
	}
	*count = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return dt;
}

/* ------------------------------------------------------------------------------------------ */
/* The report */

struct row {
	const char *engine;
	size_t n;	/* points measured */
	double best_s;	/* best wall time of one pass over them */
	double build_s; /* < 0: none on this row */
	double memory;	/* bytes; < 0: none */
	const char *build_note, *memory_note;
};

static double rate(const struct row *r)
{
	return r->best_s > 0 ? (double)r->n / r->best_s : 0;
}

static void print_row(const struct row *r)
{
	char a[32], b[32], build[32] = "", mem[32] = "";
	if (r->best_s <= 0) {
		printf("%-38s %10s  not measured\n", r->engine, group(a, sizeof(a), (double)r->n));
		return;
	}
	if (r->build_s >= 0)
		snprintf(build, sizeof(build), "%.3f s", r->build_s);
	if (r->memory >= 0)
		snprintf(mem, sizeof(mem), "%.1f MiB", r->memory / MIB);
	printf("%-38s %10s %12s %11.1f %10s %11s\n", r->engine, group(a, sizeof(a), (double)r->n),
	       group(b, sizeof(b), rate(r)), r->best_s * 1e9 / (double)r->n, build, mem);
}

static void print_notes(const struct row *r)
{
	if (r->best_s > 0 && (r->build_note || r->memory_note))
		printf("  %s: %s%s%s\n", r->engine, r->build_note ? r->build_note : "",
		       r->build_note && r->memory_note ? "; " : "",
		       r->memory_note ? r->memory_note : "");
}

static void print_goal(const char *what, const char *value, const char *goal, int pass)
{
	const char *verdict = "n/a";
	if (pass >= 0)
		verdict = pass ? "PASS" : "MISS";
	printf("%-48s %14s %10s  %s\n", what, value, goal, verdict);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_lookup [--data DIR] [--pg CONNINFO | --no-pg WHY] [--rounds N]\n"
		"                    [--polygons N] [--points N] [--pg-sample N] [--pg-join N]\n"
		"                    [--threads N] [--max-pass-seconds S] [--seed N] [--explain]\n"
		"DIR holds chicago/city_owned_lots_englewood.geojson and parks_large_65.geojson\n"
		"(default: $HAVEN_SHARED_DATA). Without --pg, PostGIS is not measured.\n"
		"Exit status: 0, or 3 when the engines disagree on a point (2: usage, 1: "
		"error).\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {{"data", required_argument, NULL, 'd'},
					      {"pg", required_argument, NULL, 'p'},
					      {"no-pg", required_argument, NULL, 'N'},
					      {"rounds", required_argument, NULL, 'r'},
					      {"polygons", required_argument, NULL, 'P'},
					      {"points", required_argument, NULL, 'n'},
					      {"pg-sample", required_argument, NULL, 's'},
					      {"pg-join", required_argument, NULL, 'j'},
					      {"threads", required_argument, NULL, 't'},
					      {"max-pass-seconds", required_argument, NULL, 'm'},
					      {"seed", required_argument, NULL, 'S'},
					      {"explain", no_argument, NULL, 'x'},
					      {"help", no_argument, NULL, 'h'},
					      {NULL, 0, NULL, 0}};
	*o = (struct opts){.data_dir = getenv("HAVEN_SHARED_DATA"),
			   .n_lots = 500000,
			   .n_points = 1000000,
			   .n_pg_sample = 20000,
			   .n_pg_join = 200000,
			   .rounds = 3,
			   .threads = 2,
			   .max_pass_s = 30,
			   .seed = 20240501};
	int c;
	size_t v;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->data_dir = optarg;
			break;
		case 'p':
			o->pg_conninfo = optarg;
			break;
		case 'N':
			o->pg_missing = optarg;
			break;
		case 'x':
			o->explain = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'm': {
			char *end = NULL;
			o->max_pass_s = strtod(optarg, &end);
			if (*end || !(o->max_pass_s > 0))
				goto bad;
			break;
		}
		default:
			if (c == '?' || !parse_size(optarg, &v))
				goto bad;
			if (c == 'r')
				o->rounds = v > 100 ? 100 : (int)v;
			else if (c == 'P')
				o->n_lots = v;
			else if (c == 'n')
				o->n_points = v;
			else if (c == 's')
				o->n_pg_sample = v;
			else if (c == 'j')
				o->n_pg_join = v;
			else if (c == 't')
				o->threads = v > 256 ? 256 : (int)v;
			else if (c == 'S')
				o->seed = v;
		}
	}
	if (optind != argc || !o->data_dir || !*o->data_dir) {
		if (!o->data_dir || !*o->data_dir)
			fprintf(stderr, "bench_lookup: no data directory: --data DIR or "
					"HAVEN_SHARED_DATA\n");
		goto bad;
	}
	return HV_OK;
bad:
	usage(stderr);
	return HV_EUSAGE;
}

static double min_pos(double best, double t)
{
	return best <= 0 || t < best ? t : best;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct workload w;
	struct answers oracle = {0}, ah = {0}, ab = {0}, apg1 = {0}, apg2 = {0};
	struct geos_eng geos = {0}, extra = {0};
	struct hv_index *ix = NULL;
	struct pg_bench pg = {0};
	int status = 1;
	char s1[64], s2[64], s3[64];

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	hv_geo_init();
	if (workload_build(&o, &w) < 0)
		return 1;

	/* The answer arrays are touched before the first RSS reading. */
	answers_init(&oracle, w.n_points);
	answers_init(&ah, w.n_points);
	answers_init(&ab, w.n_points);
	size_t n_sample = o.n_pg_sample < w.n_points ? o.n_pg_sample : w.n_points;
	size_t n_join = o.n_pg_join < w.n_points ? o.n_pg_join : w.n_points;
	answers_init(&apg1, n_sample);
	answers_init(&apg2, n_sample);

	printf("bench/lookup: %s polygons (%s Englewood lots in %zu translated copies + %zu large "
	       "parks), %s vertices;\n",
	       group(s1, sizeof(s1), (double)w.n_polys), group(s2, sizeof(s2), (double)w.n_lots),
	       w.n_copies, w.n_parks, group(s3, sizeof(s3), (double)w.n_vertices));
	printf("%s uniform random points over %.3f x %.3f deg (seed %" PRIu64 "); best of %d "
	       "interleaved rounds, one process\n",
	       group(s1, sizeof(s1), (double)w.n_points), w.box.maxx - w.box.minx,
	       w.box.maxy - w.box.miny, o.seed, o.rounds);
	char cpu[128];
	cpu_model(cpu, sizeof(cpu));
	printf("%s, %ld cores online; GEOS %s; libpq %d\n", cpu, sysconf(_SC_NPROCESSORS_ONLN),
	       GEOSversion(), PQlibVersion());
	fflush(stdout);

	/* GEOS first, while no freed memory is around for it to reuse, so the RSS delta is its
	 * own; the first pass over all points is the oracle and builds the prepared geometries'
	 * lazy indexes, which belong to its footprint. */
	size_t rss0 = rss_bytes();
	double t0 = now_s();
	if (geos_build(&w, &geos) < 0)
		goto out;
	double geos_build_s = now_s() - t0;
	size_t rss1 = rss_bytes();
	t0 = now_s();
	geos_pass(&geos, &w, w.n_points, &oracle);
	double geos_first_s = now_s() - t0;
	size_t rss2 = rss_bytes();

	size_t rss3 = rss_bytes();
	t0 = now_s();
	double haven_add_s, add_s;
	ix = haven_build(&w, &haven_add_s);
	if (!ix)
		goto out;
	double haven_build_s = now_s() - t0;
	size_t rss4 = rss_bytes();
	for (int r = 1; r < o.rounds; r++) {
		t0 = now_s();
		if (geos_build(&w, &extra) < 0)
			goto out;
		geos_build_s = fmin(geos_build_s, now_s() - t0);
		geos_free(&extra);
		t0 = now_s();
		struct hv_index *again = haven_build(&w, &add_s);
		if (now_s() - t0 < haven_build_s) {
			haven_build_s = now_s() - t0;
			haven_add_s = add_s;
		}
		hv_index_free(again);
	}

	size_t n_haven = haven_budget(ix, &w, 0, o.max_pass_s);
	size_t n_near = haven_budget(ix, &w, 25, o.max_pass_s);

	if (o.pg_conninfo) {
		fprintf(stderr, "bench_lookup: loading PostGIS (COPY + CREATE INDEX)...\n");
		if (pg_setup(&o, &w, &pg) < 0) {
			pg_teardown(&pg);
			memset(pg.conn, 0, sizeof(pg.conn));
		}
	} else {
		snprintf(pg.why, sizeof(pg.why), "%s",
			 o.pg_missing ? o.pg_missing : "no server given (--pg CONNINFO)");
	}
	bool have_pg = pg.conn[0] != NULL;

	double best_h = 0, best_g = 0, best_b = 0, best_near = 0, best_pg1 = 0, best_pg2 = 0,
	       best_join = 0;
	uint64_t join_count = 0;
	for (int r = 0; r < o.rounds; r++) {
		fprintf(stderr, "bench_lookup: round %d of %d\n", r + 1, o.rounds);
		t0 = now_s();
		haven_pass(ix, &w, n_haven, 0, r == 0 ? &ah : NULL);
		best_h = min_pos(best_h, now_s() - t0);

		t0 = now_s();
		geos_pass(&geos, &w, w.n_points, NULL);
		best_g = min_pos(best_g, now_s() - t0);

		struct hv_index_batch b = {0};
		t0 = now_s();
		hv_index_lookup_batch(ix, w.lon, w.lat, n_haven, 0, o.threads, &b);
		best_b = min_pos(best_b, now_s() - t0);
		if (r == 0)
			haven_batch_answers(&b, &ab);
		hv_index_batch_release(&b);

		t0 = now_s();
		haven_pass(ix, &w, n_near, 25, NULL);
		best_near = min_pos(best_near, now_s() - t0);

		if (have_pg) {
			double dt = pg_round_trips(&pg, &w, n_sample, 1, &apg1);
			double dt2 = dt < 0 ? -1 : pg_round_trips(&pg, &w, n_sample, 2, &apg2);
			double dj = dt2 < 0 ? -1 : pg_join(&pg, &join_count);
			if (dj < 0) {
				have_pg = false;
				best_pg1 = best_pg2 = best_join = 0;
			} else {
				best_pg1 = min_pos(best_pg1, dt);
				best_pg2 = min_pos(best_pg2, dt2);
				best_join = min_pos(best_join, dj);
			}
		}
	}

	char haven_mem_note[96], haven_build_note[96], geos_mem_note[96], geos_build_note[160],
		pg_build_note[256];
	snprintf(haven_build_note, sizeof(haven_build_note),
		 "build: add_wkb %.3f s + hv_index_build %.3f s", haven_add_s,
		 haven_build_s - haven_add_s);
	snprintf(haven_mem_note, sizeof(haven_mem_note),
		 "memory: hv_index_memory (RSS delta %.1f MiB)", (double)(rss4 - rss3) / MIB);
	snprintf(geos_build_note, sizeof(geos_build_note),
		 "build: WKB read + GEOSPrepare + STRtree; the first query pass (%.2f s) builds "
		 "the prepared geometries' lazy indexes",
		 geos_first_s);
	snprintf(geos_mem_note, sizeof(geos_mem_note),
		 "memory: RSS delta (%.1f MiB before 1st pass)", (double)(rss1 - rss0) / MIB);
	snprintf(pg_build_note, sizeof(pg_build_note),
		 "%s; build: COPY %.2f s + CREATE INDEX %.2f s; memory: pg_total_relation_size",
		 pg.version, pg.copy_s, pg.index_s);
	char lab_b[64];
	snprintf(lab_b, sizeof(lab_b), "haven batch, %d threads", o.threads);
	struct row rh = {.engine = "haven, 1 thread",
			 .n = n_haven,
			 .best_s = best_h,
			 .build_s = haven_build_s,
			 .memory = (double)hv_index_memory(ix),
			 .build_note = haven_build_note,
			 .memory_note = haven_mem_note};
	struct row rb = {
		.engine = lab_b, .n = n_haven, .best_s = best_b, .build_s = -1, .memory = -1};
	struct row rn = {.engine = "haven, 1 thread, 25 m near (info)",
			 .n = n_near,
			 .best_s = best_near,
			 .build_s = -1,
			 .memory = -1};
	struct row rg = {.engine = "GEOS STRtree(10) + prepared, 1 thread",
			 .n = w.n_points,
			 .best_s = best_g,
			 .build_s = geos_build_s,
			 .memory = (double)(rss2 - rss0),
			 .build_note = geos_build_note,
			 .memory_note = geos_mem_note};
	struct row rp1 = {.engine = "PostGIS GiST, 1 conn, round trips",
			  .n = n_sample,
			  .best_s = best_pg1,
			  .build_s = pg.build_s,
			  .memory = pg.memory,
			  .build_note = pg_build_note};
	struct row rp2 = {.engine = "PostGIS GiST, 2 conns, round trips",
			  .n = n_sample,
			  .best_s = best_pg2,
			  .build_s = -1,
			  .memory = -1};
	struct row rj = {.engine = "PostGIS GiST, batch join",
			 .n = n_join,
			 .best_s = best_join,
			 .build_s = -1,
			 .memory = -1};
	char join_note[64];
	if (have_pg) {
		snprintf(join_note, sizeof(join_note), "query only; COPY of the points %.2f s",
			 pg.pts_copy_s);
		rj.build_note = join_note;
	}

	printf("\n%-38s %10s %12s %11s %10s %11s\n", "engine", "points", "lookups/s", "ns/lookup",
	       "build", "memory");
	print_row(&rh);
	print_row(&rb);
	print_row(&rn);
	print_row(&rg);
	if (have_pg) {
		print_row(&rp1);
		print_row(&rp2);
		print_row(&rj);
	} else {
		printf("%-38s PostGIS not measured: %s\n", "PostGIS GiST", pg.why);
	}
	printf("notes:\n");
	print_notes(&rh);
	print_notes(&rg);
	if (have_pg) {
		print_notes(&rp1);
		print_notes(&rj);
	}
	if (n_haven < w.n_points || n_near < w.n_points)
		printf("  haven measured on a prefix of the points: a full pass would take over "
		       "%.0f s (--max-pass-seconds); the index is not the final one yet\n",
		       o.max_pass_s);
	printf("  GEOS: a point geometry is made per lookup: prepared covers takes a geometry\n");
	if (have_pg && (!pg.plan_ok || !pg.join_plan_ok))
		printf("warning: PostgreSQL's plan does not use the GiST index for the %s\n",
		       !pg.plan_ok ? "round-trip query" : "batch join");

	/* Agreement, GEOS covers as the oracle. */
	size_t d_hg = answers_diff(&ah, &oracle, n_haven);
	size_t d_bg = answers_diff(&ab, &oracle, n_haven);
	size_t n_cmp = n_sample < n_haven ? n_sample : n_haven;
	printf("\nagreement (points whose inside-set differs; GEOS covers is the oracle):\n");
	printf("  haven 1 thread vs GEOS   %zu of %zu\n", d_hg, n_haven);
	printf("  haven batch vs GEOS      %zu of %zu\n", d_bg, n_haven);
	size_t d_pg = 0, d_pgh = 0;
	uint64_t join_expect = answers_total(&oracle, n_join);
	if (have_pg) {
		d_pg = answers_diff(&apg1, &oracle, n_sample) +
		       answers_diff(&apg2, &oracle, n_sample);
		d_pgh = answers_diff(&apg1, &ah, n_cmp);
		printf("  PostGIS vs GEOS          %zu of %zu (1 and 2 connections)\n", d_pg,
		       2 * n_sample);
		printf("  PostGIS vs haven         %zu of %zu\n", d_pgh, n_cmp);
		printf("  batch join count         PostGIS %" PRIu64 ", GEOS %" PRIu64 "%s\n",
		       join_count, join_expect,
		       n_join <= n_haven ? "" : " (haven not compared: fewer points measured)");
		if (n_join <= n_haven)
			printf("                           haven %" PRIu64 "\n",
			       answers_total(&ah, n_join));
	}
	size_t n_inside = 0;
	for (size_t i = 0; i < w.n_points; i++)
		n_inside += oracle.n[i] > 0;
	printf("  (%s of %s points are inside a polygon; %s matches in all)\n",
	       group(s1, sizeof(s1), (double)n_inside), group(s2, sizeof(s2), (double)w.n_points),
	       group(s3, sizeof(s3), (double)answers_total(&oracle, w.n_points)));
	bool agree = d_hg == 0 && d_bg == 0 && d_pg == 0 && d_pgh == 0 &&
		     (!have_pg || join_count == join_expect);

	/* Goals from the issue. */
	double raw = 16.0 * (double)w.n_vertices;
	char v[64];
	printf("\n%-48s %14s %10s\n", "goal", "measured", "target");
	snprintf(v, sizeof(v), "%.2fx", rate(&rh) / rate(&rg));
	print_goal("haven / GEOS, 1 thread, random points", v, ">= 5x", rate(&rh) >= 5 * rate(&rg));
	snprintf(v, sizeof(v), "%.1f ns", best_h * 1e9 / (double)n_haven);
	print_goal("haven ns per lookup, 1 thread", v, "< 200 ns",
		   best_h * 1e9 / (double)n_haven < 200);
	snprintf(v, sizeof(v), "%.2f M/s", rate(&rb) / 1e6);
	snprintf(s1, sizeof(s1), ">= 10 M/s");
	printf("%-48s %14s %10s  %s\n",
	       o.threads == 2 ? "haven batch, 2 threads" : "haven batch (goal is on 2 threads)", v,
	       s1, rate(&rb) >= 10e6 ? "PASS" : "MISS");
	if (have_pg) {
		snprintf(v, sizeof(v), "%.0fx", rate(&rh) / rate(&rp1));
		print_goal("haven 1 thread / PostGIS per round trip", v, ">= 100x",
			   rate(&rh) >= 100 * rate(&rp1));
	} else {
		print_goal("haven 1 thread / PostGIS per round trip", "-", ">= 100x", -1);
	}
	snprintf(v, sizeof(v), "%.3f s", haven_build_s);
	snprintf(s2, sizeof(s2), "index build, %s polygons",
		 group(s1, sizeof(s1), (double)w.n_polys));
	print_goal(s2, v, "< 1 s", haven_build_s < 1);
	snprintf(v, sizeof(v), "%.2fx", (double)hv_index_memory(ix) / raw);
	snprintf(s1, sizeof(s1), "< 1.5x");
	print_goal("index memory / raw coordinates (16 B x vertex)", v, s1,
		   (double)hv_index_memory(ix) < 1.5 * raw);
	printf("(raw coordinates: %s vertices x 16 B = %.1f MiB; hv_index_n_vertices says %s)\n",
	       group(s2, sizeof(s2), (double)w.n_vertices), raw / MIB,
	       group(s3, sizeof(s3), (double)hv_index_n_vertices(ix)));
	if (have_pg) {
		printf("(info: haven batch / PostGIS batch join %.0fx; haven 1 thread / PostGIS "
		       "2 conns %.0fx; GEOS / PostGIS per round trip %.0fx)\n",
		       rate(&rb) / rate(&rj), rate(&rh) / rate(&rp2), rate(&rg) / rate(&rp1));
	}
	if (!agree)
		printf("\nDISAGREEMENT: the engines' answers differ (see above)\n");
	status = agree ? 0 : 3;
out:
	pg_teardown(&pg);
	hv_index_free(ix);
	geos_free(&geos);
	answers_release(&oracle);
	answers_release(&ah);
	answers_release(&ab);
	answers_release(&apg1);
	answers_release(&apg2);
	workload_release(&w);
	return status;
}
