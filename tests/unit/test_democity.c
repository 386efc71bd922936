/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the demo city: determinism, counts, geometry, addresses, and the files read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/xalloc.h"
#include "demo/democity.h"
#include "geo/geo.h"

static const char *const statuses[] = {"Owned by City", "Sold", "Leased", "Not City Owned"};

/* A fresh directory under /tmp; the caller removes it with remove_dir. */
static char *make_dir(void)
{
	char tmpl[] = "/tmp/hv-democity-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return hv_xstrdup(tmpl);
}

static void remove_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

static char *read_file(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	char *data = NULL;
	struct hv_err err = {0};

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (hv_fs_read_file(path, (size_t)1 << 26, &data, len, &err) != HV_OK)
		fail_msg("%s", err.msg);
	return data;
}

static void write_city(const char *dir, uint64_t seed, struct hv_democity_stats *stats)
{
	struct hv_err err = {0};

	if (hv_democity_write(dir, seed, stats, &err) != HV_OK)
		fail_msg("%s", err.msg);
}

static bool same_parcel(const struct hv_democity_parcel *a, const struct hv_democity_parcel *b)
{
	return strcmp(a->parcel_id, b->parcel_id) == 0 && a->kind == b->kind &&
	       strcmp(a->status, b->status) == 0 && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->address, b->address) == 0 && a->ward == b->ward && a->sq_ft == b->sq_ft &&
	       a->shape == b->shape && a->n_rects == b->n_rects &&
	       memcmp(a->rects, b->rects, sizeof(a->rects[0]) * a->n_rects) == 0;
}

static void test_democity_same_seed_same_town(void **state)
{
	struct hv_democity a, b, c;
	bool differs = false;

	(void)state;
	hv_democity_init(&a, 7);
	hv_democity_init(&b, 7);
	hv_democity_init(&c, 8);
	assert_int_equal(a.n_parcels, b.n_parcels);
	assert_int_equal(a.n_points, b.n_points);
	for (size_t i = 0; i < a.n_parcels; i++)
		assert_true(same_parcel(&a.parcels[i], &b.parcels[i]));
	for (size_t i = 0; i < a.n_parcels && i < c.n_parcels && !differs; i++)
		differs = !same_parcel(&a.parcels[i], &c.parcels[i]);
	assert_true(differs || a.n_parcels != c.n_parcels);
	hv_democity_release(&a);
	hv_democity_release(&b);
	hv_democity_release(&c);
	hv_democity_release(NULL);
}

/* The same seed writes the same bytes. A dBASE header carries the date of writing (bytes 1-3),
 * which is no part of the town, so those are left out. */
static void test_democity_same_seed_same_files(void **state)
{
	char *d1 = make_dir(), *d2 = make_dir(), *d3 = make_dir();
	char *dbf1, *dbf2, *csv1, *csv2, *csv3;
	size_t n_dbf1, n_dbf2, n_csv1, n_csv2, n_csv3;

	(void)state;
	write_city(d1, 42, NULL);
	write_city(d2, 42, NULL);
	write_city(d3, 43, NULL);
	dbf1 = read_file(d1, "parcels.dbf", &n_dbf1);
	dbf2 = read_file(d2, "parcels.dbf", &n_dbf2);
	assert_int_equal(n_dbf1, n_dbf2);
	assert_true(n_dbf1 > 32);
	assert_memory_equal(dbf1, dbf2, 1);
	assert_memory_equal(dbf1 + 4, dbf2 + 4, n_dbf1 - 4);
	csv1 = read_file(d1, "points.csv", &n_csv1);
	csv2 = read_file(d2, "points.csv", &n_csv2);
	csv3 = read_file(d3, "points.csv", &n_csv3);
	assert_int_equal(n_csv1, n_csv2);
	assert_memory_equal(csv1, csv2, n_csv1);
	assert_false(n_csv1 == n_csv3 && memcmp(csv1, csv3, n_csv1) == 0);
	free(dbf1);
	free(dbf2);
	free(csv1);
	free(csv2);
	free(csv3);
	remove_dir(d1);
	remove_dir(d2);
	remove_dir(d3);
}

static void test_democity_counts(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 50; seed++) {
		struct hv_democity city;
		size_t by_kind[HV_DEMOCITY_N_KINDS] = {0}, by_shape[4] = {0}, by_status[4] = {0};

		hv_democity_init(&city, seed);
		assert_in_range(city.n_parcels, 600, 900);
		assert_in_range(city.n_points, 40, 80);
		for (size_t i = 0; i < city.n_parcels; i++) {
			const struct hv_democity_parcel *p = &city.parcels[i];

			by_kind[p->kind]++;
			by_shape[p->shape]++;
			for (size_t k = 0; k < 4; k++)
				by_status[k] += strcmp(p->status, statuses[k]) == 0;
			assert_in_range(p->ward, 1, 6);
			assert_true(p->sq_ft > 0);
		}
		for (int k = 0; k < HV_DEMOCITY_N_KINDS; k++)
			assert_true(by_kind[k] > 0);
		/* most of it is the city's, so a scope on status means something */
		assert_true(by_status[0] > city.n_parcels * 3 / 4);
		for (int k = 1; k < 4; k++)
			assert_true(by_status[k] > 0);
		for (int k = 0; k < 4; k++)
			assert_true(by_shape[k] > 0);
		hv_democity_release(&city);
	}
}

static bool rects_overlap(const struct hv_democity_rect *a, const struct hv_democity_rect *b)
{
	return a->x0_m < b->x1_m && b->x0_m < a->x1_m && a->y0_m < b->y1_m && b->y0_m < a->y1_m;
}

static void test_democity_parcels_do_not_overlap(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 10; seed++) {
		struct hv_democity city;
		struct hv_democity_rect *all;
		size_t n = 0;

		hv_democity_init(&city, seed);
		all = hv_xcalloc(city.n_parcels * 2, sizeof(*all));
		for (size_t i = 0; i < city.n_parcels; i++) {
			const struct hv_democity_parcel *p = &city.parcels[i];

			assert_int_equal(
				p->n_rects,
				p->shape == HV_DEMOCITY_L || p->shape == HV_DEMOCITY_TWO ? 2 : 1);
			for (size_t k = 0; k < p->n_rects; k++) {
				assert_true(p->rects[k].x0_m < p->rects[k].x1_m);
				assert_true(p->rects[k].y0_m < p->rects[k].y1_m);
				all[n++] = p->rects[k];
			}
			/* an L's second part is flush with the first: one polygon, no gap */
			if (p->shape == HV_DEMOCITY_L)
				assert_true(p->rects[0].x1_m == p->rects[1].x0_m);
		}
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (rects_overlap(&all[i], &all[j]))
					fail_msg("seed %llu: rectangles %zu and %zu overlap",
						 (unsigned long long)seed, i, j);
		free(all);
		hv_democity_release(&city);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names and positions of the grid's streets, as the generator lays them out. */
static const char *const street_names[] = {"Harbor St",	    "Willow St", "Oak St",
					   "Lincoln St",    "Main St",	 "Cedar St",
					   "Washington St", "Maple St",	 "Prairie St"};

static double street_position(const char *street, bool *avenue)
{
	*avenue = strstr(street, " Ave") != NULL;
	if (*avenue)
		return ((street[0] - '1') - 3) * 120.0;
	for (int i = 0; i < 9; i++)
		if (strcmp(street, street_names[i]) == 0)
			return (i - 4) * 200.0;
	fail_msg("unknown street %s", street);
	return 0;
}

/* "1234 W 3rd Ave": the directional says which side of Main St (or 4th Ave) the parcel is on,
 * the hundreds count blocks from there, and even numbers are on the north and west sides. */
static void check_address(const struct hv_democity_parcel *p)
{
	const struct hv_democity_rect *r = &p->rects[0];
	double cx = (r->x0_m + r->x1_m) / 2, cy = (r->y0_m + r->y1_m) / 2, line;
	char dir;
	int number, used = 0;
	bool avenue;

	assert_int_equal(sscanf(p->address, "%d %c %n", &number, &dir, &used), 2);
	line = street_position(p->address + used, &avenue);
	if (avenue) {
		assert_int_equal(dir, cx < 0 ? 'W' : 'E');
		assert_int_equal(number / 100, (int)(fabs(cx) / 200));
		assert_int_equal(number % 2, cy > line ? 0 : 1);
	} else {
		assert_int_equal(dir, cy < 0 ? 'S' : 'N');
		assert_int_equal(number / 100, (int)(fabs(cy) / 120));
		assert_int_equal(number % 2, cx < line ? 0 : 1);
	}
}

static void test_democity_addresses_follow_the_grid(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 20; seed++) {
		struct hv_democity city;
		const char **addr, **ids;

		hv_democity_init(&city, seed);
		addr = hv_xcalloc(city.n_parcels, sizeof(*addr));
		ids = hv_xcalloc(city.n_parcels, sizeof(*ids));
		for (size_t i = 0; i < city.n_parcels; i++) {
			assert_true(city.parcels[i].address[0] != '\0');
			check_address(&city.parcels[i]);
			addr[i] = city.parcels[i].address;
			ids[i] = city.parcels[i].parcel_id;
		}
		qsort(addr, city.n_parcels, sizeof(*addr), cmp_str);
		qsort(ids, city.n_parcels, sizeof(*ids), cmp_str);
		for (size_t i = 1; i < city.n_parcels; i++) {
			if (strcmp(addr[i - 1], addr[i]) == 0)
				fail_msg("seed %llu: address %s twice", (unsigned long long)seed,
					 addr[i]);
			assert_string_not_equal(ids[i - 1], ids[i]);
		}
		free(addr);
		free(ids);
		hv_democity_release(&city);
	}
}

/* A facility at a parcel's address is that building: same name. */
static void test_democity_points(void **state)
{
	struct hv_democity city;
	size_t on_parcels = 0;
	double lon_w, lat_s, lon_e, lat_n;

	(void)state;
	hv_democity_init(&city, 3);
	hv_democity_to_lonlat(-850, -400, &lon_w, &lat_s);
	hv_democity_to_lonlat(850, 500, &lon_e, &lat_n);
	for (size_t i = 0; i < city.n_points; i++) {
		const struct hv_democity_point *pt = &city.points[i];

		assert_true(pt->name[0] && pt->address[0] && pt->kind && pt->status);
		assert_true(pt->lon_deg > lon_w && pt->lon_deg < lon_e);
		assert_true(pt->lat_deg > lat_s && pt->lat_deg < lat_n);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(pt->facility_id, city.points[j].facility_id);
		for (size_t j = 0; j < city.n_parcels; j++) {
			if (strcmp(city.parcels[j].address, pt->address) != 0)
				continue;
			assert_string_equal(city.parcels[j].name, pt->name);
			on_parcels++;
		}
	}
	assert_true(on_parcels > city.n_points / 2);
	assert_true(on_parcels < city.n_points);
	hv_democity_release(&city);
}

static void test_democity_stats(void **state)
{
	char *dir = make_dir();
	struct hv_democity_stats stats;
	struct hv_democity city;

	(void)state;
	write_city(dir, 5, &stats);
	hv_democity_init(&city, 5);
	assert_int_equal(stats.n_parcels, city.n_parcels);
	assert_int_equal(stats.n_points, city.n_points);
	for (size_t i = 0; i < city.n_parcels; i++)
		stats.n_by_kind[city.parcels[i].kind]--;
	for (int k = 0; k < HV_DEMOCITY_N_KINDS; k++)
		assert_int_equal(stats.n_by_kind[k], 0);
	assert_string_equal(hv_democity_kind_name(HV_DEMOCITY_VACANT_LOT), "vacant lot");
	assert_string_equal(hv_democity_kind_name(HV_DEMOCITY_SCHOOL_LOT), "school lot");
	hv_democity_release(&city);
	remove_dir(dir);
}

static void test_democity_refuses_to_overwrite(void **state)
{
	char *dir = make_dir();
	struct hv_err err = {0};
	char *before, *after, path[4096];
	size_t n_before, n_after;
	FILE *f;

	(void)state;
	write_city(dir, 1, NULL);
	before = read_file(dir, "points.csv", &n_before);
	assert_int_equal(hv_democity_write(dir, 2, NULL, &err), HV_EEXIST);
	snprintf(path, sizeof(path), "%s/parcels.shp: already exists", dir);
	assert_string_equal(err.msg, path);
	after = read_file(dir, "points.csv", &n_after);
	assert_int_equal(n_before, n_after);
	assert_memory_equal(before, after, n_before);
	free(before);
	free(after);
	remove_dir(dir);
	/* a lone leftover CSV blocks the whole town too, before anything is written */
	dir = make_dir();
	snprintf(path, sizeof(path), "%s/points.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(hv_democity_write(dir, 2, NULL, &err), HV_EEXIST);
	snprintf(path, sizeof(path), "%s/parcels.shp", dir);
	assert_false(hv_fs_exists(path));
	remove_dir(dir);
}

static void test_democity_creates_the_directory(void **state)
{
	char *dir = make_dir();
	char sub[4096];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	write_city(sub, 1, NULL);
	snprintf(sub, sizeof(sub), "%s/a/b/parcels.prj", dir);
	assert_true(hv_fs_exists(sub));
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	remove_dir(hv_xstrdup(sub));
	snprintf(sub, sizeof(sub), "%s/a", dir);
	rmdir(sub);
	remove_dir(dir);
}

/* Reads WKB's ring count of a little-endian Polygon. */
static uint32_t polygon_rings(const unsigned char *wkb, size_t len)
{
	assert_true(len >= 9 && wkb[0] == 1 && wkb[1] == 3);
	return (uint32_t)wkb[5] | (uint32_t)wkb[6] << 8 | (uint32_t)wkb[7] << 16 |
	       (uint32_t)wkb[8] << 24;
}

static void check_bbox(const struct hv_democity_parcel *p, const struct hv_geo_feature *f)
{
	double minx = 1e9, miny = 1e9, maxx = -1e9, maxy = -1e9;

	for (size_t k = 0; k < p->n_rects; k++) {
		double lon0, lat0, lon1, lat1;

		hv_democity_to_lonlat(p->rects[k].x0_m, p->rects[k].y0_m, &lon0, &lat0);
		hv_democity_to_lonlat(p->rects[k].x1_m, p->rects[k].y1_m, &lon1, &lat1);
		minx = fmin(minx, lon0);
		miny = fmin(miny, lat0);
		maxx = fmax(maxx, lon1);
		maxy = fmax(maxy, lat1);
	}
	/* 1e-7 degrees is about a centimetre: the round trip through EPSG:3435 loses less */
	assert_true(fabs(f->minx - minx) < 1e-7 && fabs(f->maxx - maxx) < 1e-7);
	assert_true(fabs(f->miny - miny) < 1e-7 && fabs(f->maxy - maxy) < 1e-7);
}

static void check_parcels_file(const char *dir, const struct hv_democity *city)
{
	char path[4096];
	struct hv_geo_import_opts o = {.path = path,
				       .id_field = "parcel_id",
				       .name_field = "name",
				       .address_field = "address",
				       .status_field = "status",
				       .kind_field = "kind"};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err = {0};
	size_t n = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/parcels.shp", dir);
	if (hv_geo_reader_open(&o, &r, &err) != HV_OK)
		fail_msg("%s", err.msg);
	assert_string_equal(hv_geo_reader_info(r)->srs, "EPSG:3435");
	while ((rc = hv_geo_reader_next(r, &f, &err)) == 1) {
		const struct hv_democity_parcel *p = &city->parcels[n++];

		assert_true(n <= city->n_parcels);
		assert_string_equal(f.source_key, p->parcel_id);
		assert_string_equal(f.kind, hv_democity_kind_name(p->kind));
		assert_string_equal(f.address, p->address);
		assert_string_equal(f.status, p->status);
		if (p->name[0])
			assert_string_equal(f.name, p->name);
		else
			assert_null(f.name);
		assert_null(f.repair); /* valid as written: the L and the pond included */
		assert_true(f.has_point);
		assert_string_equal(f.geom_type,
				    p->shape == HV_DEMOCITY_TWO ? "MultiPolygon" : "Polygon");
		if (p->shape == HV_DEMOCITY_POND)
			assert_int_equal(polygon_rings(f.wkb, f.wkb_len), 2);
		check_bbox(p, &f);
	}
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, city->n_parcels);
	hv_geo_reader_free(r);
}

static void check_points_file(const char *dir, const struct hv_democity *city)
{
	char path[4096];
	struct hv_geo_import_opts o = {
		.path = path, .id_field = "facility_id", .kind_field = "kind"};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err = {0};
	size_t n = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/points.csv", dir);
	if (hv_geo_reader_open(&o, &r, &err) != HV_OK)
		fail_msg("%s", err.msg);
	while ((rc = hv_geo_reader_next(r, &f, &err)) == 1) {
		const struct hv_democity_point *pt = &city->points[n++];

		assert_true(n <= city->n_points);
		assert_string_equal(f.source_key, pt->facility_id);
		assert_string_equal(f.name, pt->name);
		assert_string_equal(f.address, pt->address);
		assert_string_equal(f.status, pt->status);
		assert_string_equal(f.kind, pt->kind);
		assert_true(f.has_point);
		/* six decimals in the file */
		assert_true(fabs(f.lon - pt->lon_deg) <= 5e-7 && fabs(f.lat - pt->lat_deg) <= 5e-7);
	}
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, city->n_points);
	hv_geo_reader_free(r);
}

static void test_democity_files_read_back(void **state)
{
	char *dir = make_dir();
	struct hv_democity city;

	(void)state;
	write_city(dir, 11, NULL);
	hv_democity_init(&city, 11);
	check_parcels_file(dir, &city);
	check_points_file(dir, &city);
	hv_democity_release(&city);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_democity_same_seed_same_town),
		cmocka_unit_test(test_democity_same_seed_same_files),
		cmocka_unit_test(test_democity_counts),
		cmocka_unit_test(test_democity_parcels_do_not_overlap),
		cmocka_unit_test(test_democity_addresses_follow_the_grid),
		cmocka_unit_test(test_democity_points),
		cmocka_unit_test(test_democity_stats),
		cmocka_unit_test(test_democity_refuses_to_overwrite),
		cmocka_unit_test(test_democity_creates_the_directory),
		cmocka_unit_test(test_democity_files_read_back),
	};

	hv_geo_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
