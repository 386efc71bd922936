/* SPDX-License-Identifier: Apache-2.0 */
/* The OGC API items fast path (api_ogc_snap.c) against the store path it replaced, on the demo
 * city: the same bytes for many random boxes, pages, datetimes and ids; and a live refresh. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "api/api.h"
#include "api/api_ogc.h"
#include "core/clock.h"
#include "demo/democity.h"
#include "geo/geo.h"
#include "http/http.h"
#include "registry/registry.h"
#include "store_fixture.h"

struct ctx {
	struct fixture *f;
	struct hv_api *api;
	struct hv_router r;
	struct hv_store *reader; /* the handlers' connection on the store path */
};

static int store_fn(void *c, struct hv_store **out, struct hv_err *err)
{
	(void)err;
	*out = c;
	return HV_OK;
}

/* The answer to GET target, with "timeStamp" (the time of answering) blanked. */
static char *get(struct ctx *c, const char *target, int *code)
{
	struct hv_arena a;
	struct hv_req req = {.method = HV_GET, .public_url = "http://h"};
	struct hv_resp resp;
	const char *qm = strchr(target, '?');
	struct hv_err err;
	char *out, *ts;

	hv_arena_init(&a, 0);
	req.arena = &a;
	req.role = HV_ROLE_PUBLIC;
	req.store_fn = store_fn;
	req.store_ctx = c->reader;
	assert_int_equal(hv_http_path_parse(&a, target, qm ? (size_t)(qm - target) : strlen(target),
					    &req.segs, &req.path, &err),
			 HV_OK);
	if (qm)
		assert_int_equal(hv_query_parse(&a, qm + 1, strlen(qm + 1), &req.query, &err),
				 HV_OK);
	hv_resp_init(&resp, 0);
	hv_router_dispatch(&c->r, &req, &resp);
	*code = resp.status;
	out = strdup(resp.body.data);
	if ((ts = strstr(out, "\"timeStamp\":\"")))
		memset(ts + 13, 'x', 24);
	hv_resp_release(&resp);
	hv_arena_release(&a);
	return out;
}

/* Answers that held at least one feature: the comparisons must not all be of empty pages. */
static int n_nonempty;

/* Both paths answer target with the same code and bytes; returns the code. */
static int same(struct ctx *c, const char *target)
{
	int code_snap, code_store;
	char *snap, *store;

	hv_api_ogc_use_store(c->api, false);
	snap = get(c, target, &code_snap);
	hv_api_ogc_use_store(c->api, true);
	store = get(c, target, &code_store);
	hv_api_ogc_use_store(c->api, false);
	if (code_snap != code_store || strcmp(snap, store) != 0) {
		fprintf(stderr, "differ on %s:\n snapshot %d %.600s\n store    %d %.600s\n", target,
			code_snap, snap, code_store, store);
		fail();
	}
	if (strstr(snap, "\"type\":\"Feature\""))
		n_nonempty++;
	free(snap);
	free(store);
	return code_snap;
}

static int city_setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct hv_import_opts o = {0};
	struct hv_import_report rep;
	struct hv_err err;
	char path[256];

	setup((void **)&c->f);
	snprintf(path, sizeof(path), "%s/city", c->f->dir);
	assert_int_equal(hv_democity_write(path, 2025, NULL, &err), HV_OK);
	snprintf(path, sizeof(path), "%s/city/parcels.shp", c->f->dir);
	o.geo.path = path;
	o.geo.id_field = "parcel_id";
	o.geo.kind_field = "kind";
	o.source = "parcels";
	assert_int_equal(hv_time_parse_iso("2025-10-01", &o.effective_ms), true);
	assert_int_equal(hv_registry_import(c->f->s, &o, &rep, &err), HV_OK);
	hv_import_report_release(&rep);
	snprintf(path, sizeof(path), "%s/city/points.csv", c->f->dir);
	o.geo.id_field = "facility_id";
	o.source = "facilities";
	assert_int_equal(hv_time_parse_iso("2025-11-15T12:00:00Z", &o.effective_ms), true);
	assert_int_equal(hv_registry_import(c->f->s, &o, &rep, &err), HV_OK);
	hv_import_report_release(&rep);
	assert_int_equal(hv_registry_scope_add(c->f->s, "order",
					       "status = 'Owned by City' and kind in ('lot', "
					       "'garage', 'vacant lot', 'school lot', 'building')",
					       0, &err),
			 HV_OK);
	assert_int_equal(hv_api_new(c->f->db, 50, &c->api, &err), HV_OK);
	hv_router_init(&c->r);
	assert_int_equal(hv_api_register(c->api, &c->r, &err), HV_OK);
	assert_int_equal(hv_store_open(c->f->db, &c->reader, &err), HV_OK);
	*state = c;
	return 0;
}

static int city_teardown(void **state)
{
	struct ctx *c = *state;

	hv_store_close(c->reader);
	hv_api_free(c->api);
	teardown((void **)&c->f);
	free(c);
	return 0;
}

static double rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (double)((*seed >> 8) & 0xffffff) / (double)0x1000000;
}

/* Extent of the demo city: read from the properties collection. */
static void extent(struct ctx *c, double ext[4])
{
	int code;
	char *body = get(c, "/ogc/collections/properties", &code);
	const char *p = strstr(body, "\"bbox\":[[");

	assert_int_equal(code, 200);
	assert_non_null(p);
	assert_int_equal(sscanf(p + 9, "%lf,%lf,%lf,%lf", &ext[0], &ext[1], &ext[2], &ext[3]), 4);
	free(body);
}

static void test_ogc_snapshot_same_boxes(void **state)
{
	struct ctx *c = *state;
	static const char *const colls[] = {"zones", "properties"};
	static const char *const limits[] = {"", "&limit=1", "&limit=3", "&limit=10000",
					     "&limit=99999"};
	unsigned seed = 7;
	double ext[4], w, h;
	int n_hits = 0, before = n_nonempty;
	char t[512];

	extent(c, ext);
	w = ext[2] - ext[0];
	h = ext[3] - ext[1];
	for (int i = 0; i < 400; i++) {
		/* boxes from about 10 m to beyond the whole city, some outside it */
		double size = pow(10, -4 + 3.5 * rnd(&seed));
		double x = ext[0] - 0.1 * w + 1.2 * w * rnd(&seed);
		double y = ext[1] - 0.1 * h + 1.2 * h * rnd(&seed);

		snprintf(t, sizeof(t), "/ogc/collections/%s/items?bbox=%.7f,%.7f,%.7f,%.7f%s",
			 colls[i % 2], x, y, x + size, y + size * 0.7, limits[i % 5]);
		assert_int_equal(same(c, t), 200);
		n_hits++;
	}
	/* the whole city, across the antimeridian, 3D, exactly on a feature's edge */
	snprintf(t, sizeof(t), "/ogc/collections/zones/items?bbox=%.7f,%.7f,%.7f,%.7f&limit=10000",
		 ext[0], ext[1], ext[2], ext[3]);
	same(c, t);
	same(c, "/ogc/collections/properties/items?bbox=170,-90,-170,90");
	same(c, "/ogc/collections/properties/items?bbox=-179,-89,0,179,89,0&limit=7");
	snprintf(t, sizeof(t), "/ogc/collections/properties/items?bbox=%.17g,%.17g,%.17g,%.17g",
		 ext[0], ext[1], ext[0], ext[1]);
	same(c, t);
	assert_int_equal(n_hits, 400);
	assert_true(n_nonempty - before > 100);
}

static void test_ogc_snapshot_same_pages(void **state)
{
	struct ctx *c = *state;
	static const char *const filters[] = {
		"",
		"&datetime=2025-10-01",
		"&datetime=../2025-10-31",
		"&datetime=2025-11-15T12:00:00Z",
		"&datetime=2025-11-01/..",
		"&datetime=2030-01-01",
	};
	unsigned seed = 11;
	char t[512];

	for (int i = 0; i < 120; i++) {
		int after = (int)(rnd(&seed) * 1200) - 100;

		snprintf(t, sizeof(t), "/ogc/collections/%s/items?limit=%d%s%s%d",
			 i % 2 ? "zones" : "properties", 1 + (int)(rnd(&seed) * 40), filters[i % 6],
			 after > 0 ? "&after=" : "", after > 0 ? after : 0);
		if (after <= 0)
			t[strlen(t) - 1] = '\0'; /* drop the trailing "0" */
		assert_int_equal(same(c, t), 200);
	}
	same(c, "/ogc/collections");
	same(c, "/ogc/collections/zones");
	same(c, "/ogc/collections/properties");
	/* errors are the handlers' own, on both paths */
	assert_int_equal(same(c, "/ogc/collections/zones/items?bbox=1,2,3"), 400);
	assert_int_equal(same(c, "/ogc/collections/zones/items?colour=red"), 400);
	assert_int_equal(same(c, "/ogc/collections/nope/items"), 404);
}

static void test_ogc_snapshot_same_ids(void **state)
{
	struct ctx *c = *state;
	int n_found[2] = {0, 0};
	char t[256];

	for (int id = -2; id < 1300; id += 1) {
		for (int k = 0; k < 2; k++) {
			snprintf(t, sizeof(t), "/ogc/collections/%s/items/%d",
				 k ? "properties" : "zones", id);
			if (same(c, t) == 200)
				n_found[k]++;
		}
	}
	same(c, "/ogc/collections/zones/items/abc");
	same(c, "/ogc/collections/zones/items/99999999999999999999");
	/* the demo city has several hundred properties, zones among them */
	assert_true(n_found[1] > 300);
	assert_true(n_found[0] > 50 && n_found[0] < n_found[1]);
}

/* An import after the snapshot was built shows up once the refresh thread sees it. */
static void test_ogc_snapshot_refreshes(void **state)
{
	struct ctx *c = *state;
	struct hv_import_opts o = {0};
	struct hv_import_report rep;
	struct hv_err err;
	char path[256], *body;
	FILE *fp;
	int code;

	snprintf(path, sizeof(path), "%s/extra.csv", c->f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("id,name,address,status,latitude,longitude\n"
	      "X1,Snapshot Lot,1 Test St,Owned by City,41.5,-88.0\n",
	      fp);
	fclose(fp);
	o.geo.path = path;
	o.geo.kind = "lot";
	o.source = "extra";
	assert_int_equal(hv_registry_import(c->f->s, &o, &rep, &err), HV_OK);
	hv_import_report_release(&rep);
	for (int i = 0; i < 200; i++) {
		body = get(c, "/ogc/collections/zones/items?bbox=-88.0001,41.4999,-87.9999,41.5001",
			   &code);
		if (strstr(body, "Snapshot Lot")) {
			free(body);
			same(c, "/ogc/collections/zones/items?limit=10000");
			return;
		}
		free(body);
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	fail_msg("the import never reached the OGC snapshot");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ogc_snapshot_same_boxes),
		cmocka_unit_test(test_ogc_snapshot_same_pages),
		cmocka_unit_test(test_ogc_snapshot_same_ids),
		cmocka_unit_test(test_ogc_snapshot_refreshes),
	};

	hv_geo_init();
	return cmocka_run_group_tests(tests, city_setup, city_teardown);
}
