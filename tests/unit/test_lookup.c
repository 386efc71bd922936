/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of src/registry/lookup.h: snapshots built from a real store, the polygon-wins rule,
 * zones in answers, address lookups, and the live holder swapping snapshots under readers. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_fixture.h"

#include "registry/lookup.h"
#include "registry/registry.h"

static void import_text(struct fixture *f, const char *name, const char *source, const char *text)
{
	struct hv_import_opts o = {0};
	struct hv_import_report rep;
	struct hv_err err;
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	o.geo.path = path;
	o.source = source;
	o.geo.kind = "lot";
	if (hv_registry_import(f->s, &o, &rep, &err) != HV_OK)
		fail_msg("import %s: %s", name, err.msg);
	hv_import_report_release(&rep);
}

/* Two adjacent 100 m squares sharing an edge at lon -87.699, and a parcel far away. */
static const char parcels[] =
	"{\"type\":\"FeatureCollection\",\"features\":["
	"{\"type\":\"Feature\",\"properties\":{\"id\":\"A\",\"address\":\"100 N MAIN ST\","
	"\"status\":\"Owned by City\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	"[[[-87.700,41.800],[-87.699,41.800],[-87.699,41.801],[-87.700,41.801],[-87.700,41.800]]]}},"
	"{\"type\":\"Feature\",\"properties\":{\"id\":\"B\",\"address\":\"102 N MAIN ST\","
	"\"status\":\"Sold\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	"[[[-87.699,41.800],[-87.698,41.800],[-87.698,41.801],[-87.699,41.801],[-87.699,41.800]]]}},"
	"{\"type\":\"Feature\",\"properties\":{\"id\":\"Z\",\"address\":\"1 S FAR AVE\","
	"\"status\":\"Owned by City\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
	"[[[-87.600,41.900],[-87.599,41.900],[-87.599,41.901],[-87.600,41.901],[-87.600,41.900]]]}}"
	"]}";

/* The inventory's points: A's point lies just outside A (the polygon wins), C is point-only,
 * and "Z" in another place is an unrelated source's id. */
static const char points[] = "id,address,status,latitude,longitude\n"
			     "A,100 N Main St,Owned by City,41.8012,-87.6995\n"
			     "C,300 W Elm St,Owned by City,41.810,-87.710\n"
			     "Z,9 W Other St,Owned by City,41.700,-87.800\n";

static void build(struct fixture *f, struct hv_lookup **l)
{
	struct hv_err err;

	import_text(f, "parcels.geojson", "parcels", parcels);
	import_text(f, "points.csv", "inventory", points);
	assert_int_equal(hv_registry_scope_add(f->s, "owned", "status = 'Owned by City'", 0, &err),
			 HV_OK);
	assert_int_equal(hv_lookup_build(f->s, l, &err), HV_OK);
}

static void test_lookup_inside_and_shared_edge(void **state)
{
	struct fixture *f = *state;
	struct hv_lookup_hit h[8];
	struct hv_lookup *l;
	size_t n;

	build(f, &l);
	n = hv_lookup_point(l, -87.6995, 41.8005, 25, h, 8);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].source_id, "A");
	assert_int_equal(h[0].relation, HV_INDEX_INSIDE);
	assert_int_equal(h[0].n_zones, 1);
	assert_string_equal(h[0].zones[0], "owned");

	/* on the shared edge: both parcels */
	n = hv_lookup_point(l, -87.699, 41.8005, 25, h, 8);
	assert_int_equal(n, 2);
	assert_true((strcmp(h[0].source_id, "A") == 0 && strcmp(h[1].source_id, "B") == 0) ||
		    (strcmp(h[0].source_id, "B") == 0 && strcmp(h[1].source_id, "A") == 0));
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(h[i].n_zones, strcmp(h[i].source_id, "A") == 0 ? 1 : 0);
	hv_lookup_free(l);
}

static void test_lookup_polygon_wins_nearby_only(void **state)
{
	struct fixture *f = *state;
	struct hv_lookup_hit h[8];
	struct hv_lookup_stats st;
	struct hv_lookup *l;
	size_t n;

	build(f, &l);
	hv_lookup_stats(l, &st);
	assert_int_equal(st.n_polygons, 3);
	assert_int_equal(st.n_superseded, 1); /* A's point; Z's point is far from Z's polygon */
	assert_int_equal(st.n_points, 2);

	/* at A's inventory point, just north of A: A's polygon answers (near, at the recorded
	 * point), not the inventory row */
	n = hv_lookup_point(l, -87.6995, 41.8012, 25, h, 8);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].source, "parcels");
	assert_string_equal(h[0].source_id, "A");
	assert_int_equal(h[0].relation, HV_INDEX_NEAR);
	assert_true(h[0].distance_m < 0.01);
	/* 10 m further north: still A, the recorded point (10 m) nearer than the polygon (32 m) */
	n = hv_lookup_point(l, -87.6995, 41.80129, 25, h, 8);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].source_id, "A");
	assert_true(h[0].distance_m > 9 && h[0].distance_m < 11);

	/* point-only C: near */
	n = hv_lookup_point(l, -87.710, 41.81005, 25, h, 8);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].source_id, "C");
	assert_int_equal(h[0].relation, HV_INDEX_NEAR);

	/* the unrelated Z point is kept */
	n = hv_lookup_point(l, -87.800, 41.700, 25, h, 8);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].source, "inventory");
	hv_lookup_free(l);
}

static void test_lookup_address(void **state)
{
	struct fixture *f = *state;
	struct hv_lookup_hit h[8];
	struct hv_lookup *l;
	size_t n;

	build(f, &l);
	n = hv_lookup_address(l, "300 West Elm Street", h, 8);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].source_id, "C");
	/* 100 N Main St: the parcel (A) and the inventory row were one property but the point was
	 * left out, so one answer */
	n = hv_lookup_address(l, "100 north main st.", h, 8);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].source_id, "A");
	assert_int_equal(hv_lookup_address(l, "999 Nowhere Blvd", h, 8), 0);
	hv_lookup_free(l);
}

struct reader_ctx {
	struct hv_lookup_live *live;
	atomic_bool stop;
	atomic_long n_lookups;
	atomic_long n_bad;
};

/* Every snapshot a reader sees answers the fixed query completely: A inside. */
static void *reader(void *arg)
{
	struct reader_ctx *r = arg;
	struct hv_lookup_hit h[8];

	while (!atomic_load(&r->stop)) {
		const struct hv_lookup *l = hv_lookup_live_acquire(r->live);
		size_t n = hv_lookup_point(l, -87.6995, 41.8005, 25, h, 8);

		if (n != 1 || strcmp(h[0].source_id, "A") != 0)
			atomic_fetch_add(&r->n_bad, 1);
		hv_lookup_live_release(r->live, l);
		atomic_fetch_add(&r->n_lookups, 1);
	}
	return NULL;
}

static void test_lookup_live_refresh_under_readers(void **state)
{
	struct fixture *f = *state;
	struct reader_ctx r = {0};
	struct hv_lookup_hit h[8];
	struct hv_lookup *first;
	pthread_t t[3];
	struct hv_err err;
	bool rebuilt;

	build(f, &first);
	hv_lookup_free(first);
	assert_int_equal(hv_lookup_live_new(f->s, &r.live, &err), HV_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);

	assert_int_equal(hv_lookup_live_refresh_if_changed(r.live, f->s, &rebuilt, &err), HV_OK);
	assert_false(rebuilt);
	for (int round = 0; round < 5; round++) {
		char name[32];

		/* a new point-only property each round: the store changes, the index follows */
		snprintf(name, sizeof(name), "extra%d.csv", round);
		char text[256];
		snprintf(text, sizeof(text),
			 "id,address,status,latitude,longitude\nX%d,%d W Oak St,Sold,41.85,%.4f\n",
			 round, round + 1, -87.75 - round * 0.01);
		import_text(f, name, name, text);
		assert_int_equal(hv_lookup_live_refresh_if_changed(r.live, f->s, &rebuilt, &err),
				 HV_OK);
		assert_true(rebuilt);
		const struct hv_lookup *l = hv_lookup_live_acquire(r.live);
		assert_int_equal(hv_lookup_point(l, -87.75 - round * 0.01, 41.85, 25, h, 8), 1);
		hv_lookup_live_release(r.live, l);
	}
	atomic_store(&r.stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_true(atomic_load(&r.n_lookups) > 0);
	assert_int_equal(atomic_load(&r.n_bad), 0);
	hv_lookup_live_free(r.live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_inside_and_shared_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_polygon_wins_nearby_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_live_refresh_under_readers, setup,
						teardown),
	};

	hv_geo_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
