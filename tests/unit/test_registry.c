/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of src/registry/registry.h: import and re-import by source id, history, the all-or-nothing
 * rule, zones and export, on real SQLite files and small hand-written CSVs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_fixture.h"

#include "core/clock.h"
#include "core/fs.h"
#include "registry/registry.h"

/* Returns the path in one of a few rotating buffers, so a test can hold several at once. */
static const char *write_file(struct fixture *f, const char *name, const char *text)
{
	static char paths[4][256];
	static int next;
	char *path = paths[next++ % 4];
	FILE *fp;

	snprintf(path, sizeof(paths[0]), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static int import(struct fixture *f, const char *path, const char *effective, bool skip_bad,
		  struct hv_import_report *rep, struct hv_err *err)
{
	struct hv_import_opts o = {0};

	o.geo.path = path;
	o.geo.kind = "lot";
	o.source = "city";
	o.skip_bad = skip_bad;
	if (effective)
		assert_true(hv_time_parse_iso(effective, &o.effective_ms));
	return hv_registry_import(f->s, &o, rep, err);
}

static const char v1[] = "id,name,address,status,latitude,longitude\n"
			 "1,Lot A,100 N Main St,Owned by City,41.80,-87.70\n"
			 "2,Lot B,102 N Main St,Owned by City,41.81,-87.71\n"
			 "3,Lot C,104 N Main St,Sold,41.82,-87.72\n"
			 "4,Lot D,106 N Main St,Owned by City,,\n";

/* Lot A unchanged, Lot B sold, Lot C gone, Lot D gets coordinates, Lot E new. */
static const char v2[] = "id,name,address,status,latitude,longitude\n"
			 "1,Lot A,100 N Main St,Owned by City,41.80,-87.70\n"
			 "2,Lot B,102 N Main St,Sold,41.81,-87.71\n"
			 "4,Lot D,106 N Main St,Owned by City,41.83,-87.73\n"
			 "5,Lot E,108 N Main St,Owned by City,41.84,-87.74\n";

static void test_registry_import_counts(void **state)
{
	struct fixture *f = *state;
	struct hv_import_report rep;
	struct hv_err err;
	int64_t n;

	assert_int_equal(import(f, write_file(f, "v1.csv", v1), "2025-01-01", false, &rep, &err),
			 HV_OK);
	assert_int_equal(rep.n_read, 4);
	assert_int_equal(rep.n_added, 4);
	assert_int_equal(rep.n_address_only, 1);
	assert_true(rep.import_id > 0);
	assert_int_equal(strlen(rep.file_sha256), 64);
	hv_import_report_release(&rep);
	assert_int_equal(hv_store_property_count(f->s, &n, &err), HV_OK);
	assert_int_equal(n, 4);
}

static void test_registry_reimport_reports_changes(void **state)
{
	struct fixture *f = *state;
	struct hv_import_report rep;
	struct hv_err err;
	int64_t n;

	assert_int_equal(import(f, write_file(f, "v1.csv", v1), "2025-01-01", false, &rep, &err),
			 HV_OK);
	hv_import_report_release(&rep);
	assert_int_equal(import(f, write_file(f, "v2.csv", v2), "2025-06-01", false, &rep, &err),
			 HV_OK);
	assert_int_equal(rep.n_added, 1);
	assert_int_equal(rep.n_changed, 2);
	assert_int_equal(rep.n_unchanged, 1);
	assert_int_equal(rep.n_removed, 1);
	assert_int_equal(rep.n_columns_added, 0);
	hv_import_report_release(&rep);
	assert_int_equal(hv_store_property_count(f->s, &n, &err), HV_OK);
	assert_int_equal(n, 4);
}

struct find_ctx {
	const char *key;
	struct hv_property found;
	int n;
};

static int find_key(void *ctx, const struct hv_property *p)
{
	struct find_ctx *c = ctx;

	c->n++;
	if (strcmp(p->source_key, c->key) == 0) {
		c->found = *p;
		c->found.status = p->status ? strdup(p->status) : NULL;
		c->found.source = NULL;
		c->found.source_key = NULL;
		c->found.kind = NULL;
		c->found.name = NULL;
		c->found.address = NULL;
		c->found.geom_type = NULL;
		c->found.wkb = NULL;
		c->found.attrs_json = NULL;
	}
	return 0;
}

static void test_registry_history_as_of(void **state)
{
	struct fixture *f = *state;
	struct hv_import_report rep;
	struct hv_property_filter flt = {0};
	struct find_ctx c = {.key = "2"};
	struct hv_err err;
	int64_t t;

	assert_int_equal(import(f, write_file(f, "v1.csv", v1), "2025-01-01", false, &rep, &err),
			 HV_OK);
	hv_import_report_release(&rep);
	assert_int_equal(import(f, write_file(f, "v2.csv", v2), "2025-06-01", false, &rep, &err),
			 HV_OK);
	hv_import_report_release(&rep);

	assert_true(hv_time_parse_iso("2025-03-01", &t));
	flt.as_of_ms = t;
	assert_int_equal(hv_store_property_each(f->s, &flt, find_key, &c, &err), 0);
	assert_int_equal(c.n, 4); /* lots 1-4 as the first file said */
	assert_string_equal(c.found.status, "Owned by City");
	free(c.found.status);

	memset(&c, 0, sizeof(c));
	c.key = "2";
	flt.as_of_ms = 0;
	assert_int_equal(hv_store_property_each(f->s, &flt, find_key, &c, &err), 0);
	assert_int_equal(c.n, 4); /* 1, 2, 4, 5 */
	assert_string_equal(c.found.status, "Sold");
	free(c.found.status);
}

static void test_registry_failed_import_stores_nothing(void **state)
{
	struct fixture *f = *state;
	struct hv_import_report rep;
	struct hv_err err;
	int64_t n;
	const char *bad = write_file(f, "bad.csv",
				     "id,name,address,status,latitude,longitude\n"
				     "1,Lot A,100 N Main St,Owned by City,41.80,-87.70\n"
				     "2,Lot B,102 N Main St,Owned by City,north,-87.71\n");

	assert_int_equal(import(f, write_file(f, "v1.csv", v1), "2025-01-01", false, &rep, &err),
			 HV_OK);
	hv_import_report_release(&rep);
	assert_int_equal(import(f, bad, "2025-06-01", false, &rep, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "row 2"));
	assert_non_null(strstr(err.msg, "north"));
	assert_int_equal(hv_store_property_count(f->s, &n, &err), HV_OK);
	assert_int_equal(n, 4); /* the first import, untouched: nothing removed */

	assert_int_equal(import(f, bad, "2025-06-01", true, &rep, &err), HV_OK);
	assert_int_equal(rep.n_skipped, 1);
	assert_int_equal(rep.n_skips, 1);
	assert_int_equal(rep.skips[0].row, 2);
	hv_import_report_release(&rep);
}

static void test_registry_effective_order(void **state)
{
	struct fixture *f = *state;
	struct hv_import_report rep;
	struct hv_err err;

	assert_int_equal(import(f, write_file(f, "v1.csv", v1), "2025-06-01", false, &rep, &err),
			 HV_OK);
	hv_import_report_release(&rep);
	assert_int_equal(import(f, write_file(f, "v2.csv", v2), "2025-01-01", false, &rep, &err),
			 HV_ECONFLICT);
	assert_non_null(strstr(err.msg, "2025-06-01"));
}

static void test_registry_zones(void **state)
{
	struct fixture *f = *state;
	struct hv_import_report rep;
	struct hv_zones *z;
	struct hv_property p;
	struct hv_err err;
	bool in[2];
	int64_t t;

	assert_int_equal(import(f, write_file(f, "v1.csv", v1), "2025-01-01", false, &rep, &err),
			 HV_OK);
	hv_import_report_release(&rep);
	assert_true(hv_time_parse_iso("2025-10-01", &t));
	assert_int_equal(hv_registry_scope_add(f->s, "owned", "status = 'Owned by City'", t, &err),
			 HV_OK);
	assert_int_equal(hv_registry_scope_add(f->s, "bad", "status == 'x'", t, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "column"));
	assert_int_equal(hv_registry_scope_add(f->s, "a b", "kind = 'lot'", t, &err), HV_EINVAL);

	assert_int_equal(hv_zones_load(f->s, t - 1, &z, &err), HV_OK);
	assert_int_equal(hv_zones_count(z), 0);
	hv_zones_free(z);
	assert_int_equal(hv_zones_load(f->s, 0, &z, &err), HV_OK);
	assert_int_equal(hv_zones_count(z), 1);
	assert_int_equal(hv_zones_find(z, "owned"), 0);
	assert_int_equal(hv_store_property_get(f->s, 1, 0, &p, &err), HV_OK);
	hv_zones_match(z, &p, in);
	assert_true(in[0]);
	hv_property_release(&p);
	assert_int_equal(hv_store_property_get(f->s, 3, 0, &p, &err), HV_OK);
	hv_zones_match(z, &p, in);
	assert_false(in[0]); /* Sold */
	hv_property_release(&p);
	hv_zones_free(z);

	assert_int_equal(hv_registry_scope_retire(f->s, "owned", 0, &err), HV_OK);
	assert_int_equal(hv_zones_load(f->s, 0, &z, &err), HV_OK);
	assert_int_equal(hv_zones_count(z), 0);
	hv_zones_free(z);
	assert_int_equal(hv_registry_scope_retire(f->s, "owned", 0, &err), HV_ENOENT);
}

static void test_registry_export_reimports(void **state)
{
	struct fixture *f = *state;
	struct hv_import_report rep;
	struct hv_import_opts o = {0};
	struct hv_err err;
	char out[256];
	int64_t n;

	assert_int_equal(import(f, write_file(f, "v1.csv", v1), "2025-01-01", false, &rep, &err),
			 HV_OK);
	hv_import_report_release(&rep);
	snprintf(out, sizeof(out), "%s/out.geojson", f->dir);
	assert_int_equal(hv_registry_export(f->s, out, HV_GEO_GEOJSON, NULL, &n, &err), HV_OK);
	assert_int_equal(n, 4);
	assert_int_equal(hv_registry_export(f->s, out, HV_GEO_GEOJSON, NULL, &n, &err), HV_EEXIST);

	/* the same source again from its export: every property unchanged but for geometry
	 * precision, so nothing added or removed */
	o.geo.path = out;
	o.source = "city";
	assert_int_equal(hv_registry_import(f->s, &o, &rep, &err), HV_OK);
	assert_int_equal(rep.n_added, 0);
	assert_int_equal(rep.n_removed, 0);
	assert_int_equal(rep.n_read, 4);
	hv_import_report_release(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registry_import_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_reimport_reports_changes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_registry_history_as_of, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_failed_import_stores_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_registry_effective_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_zones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registry_export_reimports, setup, teardown),
	};

	hv_geo_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
