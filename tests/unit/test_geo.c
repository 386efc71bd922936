/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of src/geo/geo.h: location cells, reading real city data, errors, and export round trips.
 * Real files come from $HAVEN_SHARED_DATA (never copied here); small cases are written to a
 * temporary directory. GDAL is used directly only as an independent oracle. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <unistd.h>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/buf.h"
#include "core/json.h"
#include "geo/address.h"
#include "geo/geo.h"

#include "core/banned.h"

/* ~1 m in degrees of latitude: the brief's tolerance against GDAL's own reprojection. */
#define ONE_M_DEG 1e-5
/* ~1 cm. */
#define ONE_CM_DEG 1e-7

static char tmp_dir[256];

/* ---- helpers ---- */

static const char *data_path(const char *rel)
{
	static char buf[4][1024];
	static int k;
	const char *root = getenv("HAVEN_SHARED_DATA");

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", root ? root : "../shared/data", rel);
	return buf[k];
}

static const char *tmp_path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmp_dir, name);
	return buf[k];
}

static const char *write_tmp(const char *name, const char *text)
{
	const char *p = tmp_path(name);
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
	return p;
}

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/haven_test_geo_XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(tmp_dir))
		return -1;
	hv_geo_init();
	return 0;
}

/* The temporary directory is flat: remove its files, then it. */
static int group_teardown(void **state)
{
	DIR *d = opendir(tmp_dir);
	struct dirent *e;

	(void)state;
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			remove(tmp_path(e->d_name));
	if (d)
		closedir(d);
	return rmdir(tmp_dir);
}

/* What reading a whole source found. */
struct tally {
	int64_t n_ok, n_einval, n_nogeom, n_repaired;
	char first_err[HV_ERR_MSG_MAX];
	int other_rc;
};

typedef void feature_fn(const struct hv_geo_feature *f, void *arg);

/* values[] and attrs_json are two views of the same attributes: rebuilding the JSON from the
 * layer's field names and the values must give the reader's text exactly. */
static void check_values(const struct hv_geo_layer_info *info, const struct hv_geo_feature *f)
{
	struct hv_buf b;
	struct hv_json w;

	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	hv_json_obj_begin(&w);
	for (size_t i = 0; i < info->n_fields; i++) {
		hv_json_key(&w, info->fields[i]);
		hv_json_str(&w, f->values[i]);
	}
	hv_json_obj_end(&w);
	assert_string_equal(b.data, f->attrs_json);
	hv_buf_release(&b);
}

static struct tally read_all(const struct hv_geo_import_opts *o, feature_fn *fn, void *arg)
{
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err = {0};
	struct tally t = {0};
	int rc;

	rc = hv_geo_reader_open(o, &r, &err);
	if (rc != HV_OK)
		fail_msg("open %s: %s", o->path, err.msg);
	while ((rc = hv_geo_reader_next(r, &f, &err)) != 0) {
		if (rc == HV_EINVAL) {
			if (t.n_einval++ == 0)
				snprintf(t.first_err, sizeof(t.first_err), "%s", err.msg);
			continue;
		}
		if (rc < 0) {
			t.other_rc = rc;
			snprintf(t.first_err, sizeof(t.first_err), "%s", err.msg);
			break;
		}
		t.n_ok++;
		check_values(hv_geo_reader_info(r), &f);
		t.n_nogeom += f.wkb == NULL;
		t.n_repaired += f.repair != NULL;
		if (fn)
			fn(&f, arg);
	}
	hv_geo_reader_free(r);
	return t;
}

static int open_err(const struct hv_geo_import_opts *o, struct hv_err *err)
{
	struct hv_geo_reader *r = NULL;
	int rc = hv_geo_reader_open(o, &r, err);

	hv_geo_reader_free(r);
	return rc;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static void assert_near(double a, double b, double tol)
{
	if (!(fabs(a - b) <= tol))
		fail_msg("%.12f and %.12f differ by more than %g", a, b, tol);
}

/* Consistency every feature must have, whatever the source. */
static void check_feature(const struct hv_geo_feature *f)
{
	assert_non_null(f->source_key);
	assert_non_null(f->kind);
	assert_non_null(f->attrs_json);
	assert_int_equal(f->attrs_json[0], '{');
	if (!f->wkb) {
		assert_null(f->geom_type);
		assert_false(f->has_point);
		return;
	}
	assert_non_null(f->geom_type);
	assert_true(f->wkb_len >= 21);
	assert_true(f->wkb[0] == 0 || f->wkb[0] == 1);
	assert_true(f->minx <= f->maxx && f->miny <= f->maxy);
	assert_true(f->minx >= -180 && f->maxx <= 180 && f->miny >= -90 && f->maxy <= 90);
	if (f->has_point) {
		assert_true(f->lon >= f->minx - 1e-12 && f->lon <= f->maxx + 1e-12);
		assert_true(f->lat >= f->miny - 1e-12 && f->lat <= f->maxy + 1e-12);
	}
}

/* ---- location cells ---- */

static bool cell(const char *s, double *lat, double *lon)
{
	return hv_geo_parse_location_cell(s, strlen(s), lat, lon);
}

static void test_geo_location_cell_socrata_pair(void **state)
{
	double lat, lon;

	(void)state;
	assert_true(cell("(41.97, -87.66)", &lat, &lon));
	assert_near(lat, 41.97, 0);
	assert_near(lon, -87.66, 0);
	assert_true(cell("  (41.97,-87.66)\n", &lat, &lon));
	assert_true(cell("(-.5, +.25)", &lat, &lon));
	assert_near(lat, -0.5, 0);
	assert_near(lon, 0.25, 0);
}

static void test_geo_location_cell_multiline_address(void **state)
{
	const char *s = "324 S DESPLAINES ST\nCHICAGO, IL 60661\n(41.877028304420755, "
			"-87.64430865193455)";
	double lat, lon;

	(void)state;
	assert_true(cell(s, &lat, &lon));
	assert_near(lat, 41.877028304420755, 1e-15);
	assert_near(lon, -87.64430865193455, 1e-15);
	/* An address with parentheses of its own: the last pair decides. */
	assert_true(cell("Unit (rear)\n(41.5, -87.5)", &lat, &lon));
	assert_near(lat, 41.5, 0);
	assert_true(cell("(1, 2)\n(41.5, -87.5)", &lat, &lon));
	assert_near(lon, -87.5, 0);
}

static void test_geo_location_cell_point_wkt(void **state)
{
	double lat, lon;

	(void)state;
	assert_true(cell("POINT (-87.6443 41.877)", &lat, &lon));
	assert_near(lon, -87.6443, 0);
	assert_near(lat, 41.877, 0);
	assert_true(cell("point(-87.6 41.8)", &lat, &lon));
	assert_false(cell("POINT (1 2 3)", &lat, &lon));
	assert_false(cell("POINT (-87.6, 41.8)", &lat, &lon));
	assert_false(cell("POINT Z (1 2 3)", &lat, &lon));
	assert_false(cell("POINT (1 2) x", &lat, &lon));
}

static void test_geo_location_cell_garbage(void **state)
{
	const char *bad[] = {
		"E Saint Louis, IL\n",
		"(nan, inf)",
		"(1e5, 2)",
		"(0x10, 2)",
		"(41.9, -87.6) trailing",
		"(41.9, -87.6, 3)",
		"(41.9 -87.6)",
		"((((((",
		")",
		"(,)",
		"(41.9, )",
		"(41.9x, 1)",
		"b'\\x00\\x01(1, 2)'",
		"(1,2",
	};
	double lat = 7, lon = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cell(bad[i], &lat, &lon))
			fail_msg("accepted \"%s\"", bad[i]);
	assert_near(lat, 7, 0);
	assert_near(lon, 7, 0);
}

static void test_geo_location_cell_out_of_range(void **state)
{
	double lat, lon;

	(void)state;
	assert_false(cell("(91.0, -87.6)", &lat, &lon));
	assert_false(cell("(41.0, -180.5)", &lat, &lon));
	assert_false(cell("POINT (181 0)", &lat, &lon));
	assert_true(cell("(90, 180)", &lat, &lon));
	assert_true(cell("(-90, -180)", &lat, &lon));
}

static void test_geo_location_cell_empty(void **state)
{
	double lat, lon;

	(void)state;
	assert_false(cell("", &lat, &lon));
	assert_false(cell("   \n", &lat, &lon));
	assert_false(cell("()", &lat, &lon));
	assert_false(hv_geo_parse_location_cell(NULL, 0, &lat, &lon));
	/* The length bounds the read: the pair lies beyond it. */
	assert_false(hv_geo_parse_location_cell("(1, 2)", 5, &lat, &lon));
}

/* ---- real data ---- */

struct inv {
	bool first_seen;
	int64_t n_owned;
};

static void on_inventory(const struct hv_geo_feature *f, void *arg)
{
	struct inv *s = arg;

	check_feature(f);
	if (f->row == 1) {
		s->first_seen = true;
		assert_string_equal(f->source_key, "58815");
		assert_string_equal(f->address, "3500 W CARROLL AVE");
		assert_string_equal(f->status, "Owned by City");
		assert_string_equal(f->kind, "property");
		assert_null(f->name);
		assert_string_equal(f->geom_type, "Point");
		assert_near(f->lat, 41.8875918, 1e-12);
		assert_near(f->lon, -87.7139511, 1e-12);
		assert_contains(f->attrs_json, "\"PIN\":\"16-11-400-017-0000\"");
		/* An empty CSV cell is null: CSV has no other way to say "no value". */
		assert_contains(f->attrs_json, "\"Date of Disposition\":null");
	}
	if (f->status && strcmp(f->status, "Owned by City") == 0)
		s->n_owned++;
}

static void test_geo_reads_inventory_2021(void **state)
{
	struct hv_geo_import_opts o = {
		.path = data_path("chicago/city_owned_land_inventory_2021.csv")};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;
	const struct hv_geo_layer_info *info;
	struct inv s = {0};
	struct tally t;

	(void)state;
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	info = hv_geo_reader_info(r);
	assert_string_equal(info->driver, "CSV");
	assert_string_equal(info->id_field, "ID");
	assert_string_equal(info->address_field, "Address");
	assert_string_equal(info->status_field, "Property Status");
	assert_null(info->name_field);
	assert_null(info->kind_field);
	assert_string_equal(info->srs, "EPSG:4326");
	assert_contains(info->coord_fields, "Latitude/Longitude");
	assert_int_equal(info->n_fields, 19);
	assert_string_equal(info->fields[18], "Location");
	hv_geo_reader_free(r);

	t = read_all(&o, on_inventory, &s);
	assert_int_equal(t.n_einval, 0);
	assert_int_equal(t.other_rc, 0);
	assert_true(s.first_seen);
	assert_int_equal(t.n_ok, 19628);
	/* 212 rows with empty coordinate cells, and 1,779 with the (0, 0) placeholder in both the
	 * lat/lon and the X/Y columns (and "(0.0, 0.0)" in Location): none are located. */
	assert_int_equal(t.n_nogeom, 212 + 1779);
	assert_int_equal(s.n_owned, 13939);
}

struct latlon_rows {
	double *lat, *lon;
	int64_t n;
	double max_diff;
};

static void on_latlon_collect(const struct hv_geo_feature *f, void *arg)
{
	struct latlon_rows *s = arg;

	assert_true(f->row <= s->n);
	s->lat[f->row - 1] = f->wkb ? f->lat : NAN;
	s->lon[f->row - 1] = f->wkb ? f->lon : NAN;
}

static void on_stateplane_compare(const struct hv_geo_feature *f, void *arg)
{
	struct latlon_rows *s = arg;
	double lat = s->lat[f->row - 1], lon = s->lon[f->row - 1];

	assert_true((f->wkb == NULL) == isnan(lat));
	if (!f->wkb)
		return;
	s->max_diff = fmax(s->max_diff, fmax(fabs(f->lat - lat), fabs(f->lon - lon)));
}

/* With --srs EPSG:3435 the X/Y Coordinate columns are used: they must land where the city's own
 * Latitude/Longitude columns say, row by row. */
static void test_geo_inventory_xy_columns_match_latlon(void **state)
{
	struct hv_geo_import_opts o = {
		.path = data_path("chicago/city_owned_land_inventory_2021.csv")};
	struct latlon_rows s = {.n = 19628};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;
	struct tally t;

	(void)state;
	s.lat = calloc((size_t)s.n, sizeof(double));
	s.lon = calloc((size_t)s.n, sizeof(double));
	read_all(&o, on_latlon_collect, &s);
	o.srs = "EPSG:3435";
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->srs, "EPSG:3435");
	assert_contains(hv_geo_reader_info(r)->coord_fields, "X Coordinate/Y Coordinate");
	hv_geo_reader_free(r);
	t = read_all(&o, on_stateplane_compare, &s);
	assert_int_equal(t.n_einval, 0);
	assert_int_equal(t.n_ok, 19628);
	assert_true(s.max_diff < ONE_M_DEG);
	free(s.lat);
	free(s.lon);
}

static void on_library(const struct hv_geo_feature *f, void *arg)
{
	check_feature(f);
	assert_non_null(f->wkb);
	assert_true(f->has_point);
	assert_non_null(f->name);
	/* All branches are in Chicago. */
	assert_true(f->lat > 41.6 && f->lat < 42.1 && f->lon > -87.95 && f->lon < -87.5);
	if (f->row == 1) {
		assert_string_equal(f->name, "South Shore");
		assert_near(f->lat, 41.76155535585864, 1e-13);
		assert_contains(f->attrs_json, "\"NAME\":\"South Shore\"");
	}
	(void)arg;
}

static void test_geo_reads_libraries_location_cells(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/libraries.csv")};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;
	struct tally t;

	(void)state;
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	/* The header says "NAME " with a trailing space. */
	assert_string_equal(hv_geo_reader_info(r)->name_field, "NAME");
	assert_string_equal(hv_geo_reader_info(r)->address_field, "ADDRESS");
	assert_contains(hv_geo_reader_info(r)->coord_fields, "LOCATION (lat, lon)");
	hv_geo_reader_free(r);
	t = read_all(&o, on_library, NULL);
	assert_int_equal(t.n_ok, 81);
	assert_int_equal(t.n_einval, 0);
	assert_int_equal(t.n_nogeom, 0);

	/* An explicit name field, spelled without the space, matches too. */
	o.name_field = "name";
	assert_int_equal(open_err(&o, &err), HV_OK);
}

static void on_fire_station(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	assert_true(f->has_point);
}

/* Coordinates only inside a three-line quoted LOCATION cell. */
static void test_geo_reads_fire_stations_multiline_cells(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/fire_stations.csv")};
	struct tally t;

	(void)state;
	t = read_all(&o, on_fire_station, NULL);
	assert_int_equal(t.n_ok, 92);
	assert_int_equal(t.n_nogeom, 0);
}

static void on_park_point(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	assert_true(f->has_point);
	assert_non_null(f->name);
	/* No byte-order mark left anywhere (the file has one inside its first value). */
	assert_null(strstr(f->name, "\xEF\xBB\xBF"));
	assert_null(strstr(f->attrs_json, "\xEF\xBB\xBF"));
	if (f->row == 1) {
		assert_string_equal(f->name, "63rd Street Beach");
		assert_contains(f->attrs_json, "\"name\":\"63rd Street Beach\"");
		assert_near(f->lat, 41.7824914, 1e-12);
		assert_near(f->lon, -87.574502, 1e-12);
	}
}

static void test_geo_reads_park_points_bom(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/park_points.csv")};
	struct tally t;

	(void)state;
	t = read_all(&o, on_park_point, NULL);
	assert_int_equal(t.n_ok, 340);
	assert_int_equal(t.n_nogeom, 0);
	assert_int_equal(t.n_einval, 0);
}

static void on_lot(const struct hv_geo_feature *f, void *arg)
{
	int64_t *n_multi = arg;

	check_feature(f);
	assert_true(f->has_point);
	*n_multi += strcmp(f->geom_type, "MultiPolygon") == 0;
	/* The published bbox of the file. */
	assert_true(f->minx >= -87.6775 && f->maxx <= -87.6283);
	assert_true(f->miny >= 41.7562 && f->maxy <= 41.7937);
	assert_int_equal(f->wkb[0], 1);
	assert_int_equal(f->wkb[1], 6); /* ISO WKB MultiPolygon, little-endian */
}

static void test_geo_reads_englewood_lots(void **state)
{
	struct hv_geo_import_opts o = {
		.path = data_path("chicago/city_owned_lots_englewood.geojson")};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;
	int64_t n_multi = 0;
	struct tally t;

	(void)state;
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->driver, "GeoJSON");
	assert_int_equal(hv_geo_reader_info(r)->n_features, 2752);
	assert_string_equal(hv_geo_reader_info(r)->id_field, "id");
	assert_string_equal(hv_geo_reader_info(r)->status_field, "property_status");
	hv_geo_reader_free(r);
	t = read_all(&o, on_lot, &n_multi);
	assert_int_equal(t.n_ok, 2752);
	assert_int_equal(t.n_einval, 0);
	assert_int_equal(n_multi, 2752);
}

/* The oracle: the same shapefile read by OGR directly, reprojected from EPSG:3435. */
struct oracle {
	OGRLayerH layer;
	OGRCoordinateTransformationH ct;
	int64_t n_checked, n_vertex_checked;
};

/* Same rings, vertex by vertex within tol; a ring may come back reversed (a Shapefile stores
 * outer rings clockwise). */
static void compare_ring(OGRGeometryH ours, OGRGeometryH theirs, double tol, int64_t *n)
{
	int np = OGR_G_GetPointCount(theirs);
	bool fwd = true, rev = true;

	assert_int_equal(OGR_G_GetPointCount(ours), np);
	for (int i = 0; i < np; i++) {
		int j = np - 1 - i;

		fwd = fwd && fabs(OGR_G_GetX(ours, i) - OGR_G_GetX(theirs, i)) <= tol &&
		      fabs(OGR_G_GetY(ours, i) - OGR_G_GetY(theirs, i)) <= tol;
		rev = rev && fabs(OGR_G_GetX(ours, j) - OGR_G_GetX(theirs, i)) <= tol &&
		      fabs(OGR_G_GetY(ours, j) - OGR_G_GetY(theirs, i)) <= tol;
	}
	if (!fwd && !rev)
		fail_msg("ring of %d points differs by more than %g", np, tol);
	*n += np;
}

static void compare_vertices(OGRGeometryH ours, OGRGeometryH theirs, double tol, int64_t *n)
{
	int nc = OGR_G_GetGeometryCount(theirs);

	if (nc > 0) {
		assert_int_equal(OGR_G_GetGeometryCount(ours), nc);
		for (int i = 0; i < nc; i++)
			compare_vertices(OGR_G_GetGeometryRef(ours, i),
					 OGR_G_GetGeometryRef(theirs, i), tol, n);
		return;
	}
	compare_ring(ours, theirs, tol, n);
}

static void on_building(const struct hv_geo_feature *f, void *arg)
{
	struct oracle *o = arg;
	OGRFeatureH feat = OGR_L_GetFeature(o->layer, f->row - 1);
	OGRGeometryH g = OGR_G_Clone(OGR_F_GetGeometryRef(feat));
	OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
	OGRGeometryH ours = NULL;
	OGREnvelope env;

	check_feature(f);
	assert_int_equal(OGR_G_Transform(g, o->ct), OGRERR_NONE);
	OGR_G_GetEnvelope(g, &env);
	OGR_G_SetPoint_2D(pt, 0, f->lon, f->lat);
	/* The representative point is on the reprojected footprint (within 1 m), and the bbox is
	 * the footprint's. */
	assert_true(OGR_G_Distance(pt, g) < ONE_M_DEG);
	if (!f->repair) {
		assert_near(f->minx, env.MinX, ONE_M_DEG);
		assert_near(f->maxx, env.MaxX, ONE_M_DEG);
		assert_near(f->miny, env.MinY, ONE_M_DEG);
		assert_near(f->maxy, env.MaxY, ONE_M_DEG);
		assert_int_equal(OGR_G_CreateFromWkbEx(f->wkb, NULL, &ours, f->wkb_len),
				 OGRERR_NONE);
		compare_vertices(ours, g, 1e-9, &o->n_vertex_checked);
		OGR_G_DestroyGeometry(ours);
	}
	o->n_checked++;
	OGR_G_DestroyGeometry(pt);
	OGR_G_DestroyGeometry(g);
	OGR_F_Destroy(feat);
}

static void test_geo_buildings_srs_override_matches_gdal(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/buildings_sample.shp"),
				       .srs = "EPSG:3435"};
	GDALDatasetH ds = GDALOpenEx(o.path, GDAL_OF_VECTOR, NULL, NULL, NULL);
	OGRSpatialReferenceH from = OSRNewSpatialReference(NULL), to = OSRNewSpatialReference(NULL);
	struct oracle orc = {0};
	struct tally t;

	(void)state;
	assert_non_null(ds);
	assert_int_equal(OSRImportFromEPSG(from, 3435), OGRERR_NONE);
	assert_int_equal(OSRImportFromEPSG(to, 4326), OGRERR_NONE);
	OSRSetAxisMappingStrategy(from, OAMS_TRADITIONAL_GIS_ORDER);
	OSRSetAxisMappingStrategy(to, OAMS_TRADITIONAL_GIS_ORDER);
	orc.layer = GDALDatasetGetLayer(ds, 0);
	orc.ct = OCTNewCoordinateTransformation(from, to);
	assert_non_null(orc.ct);
	t = read_all(&o, on_building, &orc);
	assert_int_equal(t.n_einval, 0);
	assert_int_equal(t.n_ok, 6049);
	assert_int_equal(orc.n_checked, 6049);
	assert_true(orc.n_vertex_checked > 6049 * 4);
	OCTDestroyCoordinateTransformation(orc.ct);
	OSRRelease(from);
	OSRRelease(to);
	GDALClose(ds);
}

static void on_community_area(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	assert_true(f->has_point);
	assert_true(f->minx > -87.95 && f->maxx < -87.5 && f->miny > 41.6 && f->maxy < 42.05);
}

/* A .prj naming EPSG:3435 by its ESRI name: the layer CRS is used, no --srs needed. */
static void test_geo_reads_community_areas_stateplane(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/community_areas_stateplane.shp")};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;
	struct tally t;

	(void)state;
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->srs, "EPSG:3435");
	assert_string_equal(hv_geo_reader_info(r)->driver, "ESRI Shapefile");
	hv_geo_reader_free(r);
	t = read_all(&o, on_community_area, NULL);
	assert_int_equal(t.n_ok, 77);
	assert_int_equal(t.n_einval, 0);
}

static void on_projected_point(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	assert_string_equal(f->source_key, "p1");
	assert_string_equal(f->geom_type, "Point");
	/* Row 1 of the 2021 inventory: X/Y 1152902.306, 1902237.065; the city's lat/lon. */
	assert_near(f->lat, 41.8875918, ONE_M_DEG / 10);
	assert_near(f->lon, -87.7139511, ONE_M_DEG / 10);
}

static void test_geo_geojson_projected_crs_honoured(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;
	struct tally t;

	(void)state;
	o.path = write_tmp(
		"projected.geojson",
		"{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
		"{\"name\":\"urn:ogc:def:crs:EPSG::3435\"}},\"features\":[{\"type\":"
		"\"Feature\",\"properties\":{\"id\":\"p1\"},\"geometry\":{\"type\":"
		"\"Point\",\"coordinates\":[1152902.306,1902237.065]}}]}");
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->srs, "EPSG:3435");
	hv_geo_reader_free(r);
	t = read_all(&o, on_projected_point, NULL);
	assert_int_equal(t.n_ok, 1);
}

static void on_esri(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	assert_string_equal(f->source_key, "7");
	assert_string_equal(f->name, "Lot A");
	assert_string_equal(f->geom_type, "Polygon");
	assert_near(f->minx, -87.65, 1e-12);
	assert_near(f->maxy, 41.78, 1e-12);
	assert_true(f->lon > -87.65 && f->lon < -87.64 && f->lat > 41.77 && f->lat < 41.78);
}

static void test_geo_reads_esri_json(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;
	struct tally t;

	(void)state;
	o.path = write_tmp(
		"lots.json",
		"{\"geometryType\":\"esriGeometryPolygon\",\"spatialReference\":{\"wkid\":4326},"
		"\"fields\":[{\"name\":\"OBJECTID\",\"type\":\"esriFieldTypeOID\"},{\"name\":"
		"\"NAME\",\"type\":\"esriFieldTypeString\"}],\"features\":[{\"attributes\":{"
		"\"OBJECTID\":7,\"NAME\":\"Lot A\"},\"geometry\":{\"rings\":[[[-87.65,41.77],"
		"[-87.65,41.78],[-87.64,41.78],[-87.64,41.77],[-87.65,41.77]]]}}]}");
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->driver, "ESRIJSON");
	hv_geo_reader_free(r);
	t = read_all(&o, on_esri, NULL);
	assert_int_equal(t.n_ok, 1);
}

static void on_bowtie(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	if (strcmp(f->source_key, "bow") == 0) {
		assert_non_null(f->repair);
		assert_contains(f->repair, "Self-intersection");
		/* MakeValid splits the bow tie into its two triangles. */
		assert_string_equal(f->geom_type, "MultiPolygon");
		assert_true(f->has_point);
	} else {
		assert_null(f->repair);
	}
}

static void test_geo_invalid_polygon_repaired(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct tally t;

	(void)state;
	o.path = write_tmp(
		"bowtie.geojson",
		"{\"type\":\"FeatureCollection\",\"features\":["
		"{\"type\":\"Feature\",\"properties\":{\"id\":\"bow\"},\"geometry\":{\"type\":"
		"\"Polygon\",\"coordinates\":[[[-87.65,41.77],[-87.64,41.78],[-87.64,41.77],"
		"[-87.65,41.78],[-87.65,41.77]]]}},"
		"{\"type\":\"Feature\",\"properties\":{\"id\":\"flat\"},\"geometry\":{\"type\":"
		"\"Polygon\",\"coordinates\":[[[-87.65,41.77],[-87.64,41.78],[-87.65,41.77],"
		"[-87.64,41.78],[-87.65,41.77]]]}},"
		"{\"type\":\"Feature\",\"properties\":{\"id\":\"ok\"},\"geometry\":{\"type\":"
		"\"Polygon\",\"coordinates\":[[[-87.65,41.77],[-87.64,41.77],[-87.64,41.78],"
		"[-87.65,41.77]]]}}]}");
	t = read_all(&o, on_bowtie, NULL);
	assert_int_equal(t.n_ok, 2);
	assert_int_equal(t.n_repaired, 1);
	/* A ring with no area left after repair is an error for that feature only. */
	assert_int_equal(t.n_einval, 1);
	assert_contains(t.first_err, "bowtie.geojson: feature 2: ");
	assert_contains(t.first_err, "no area left");
}

static void on_curve(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	assert_string_equal(f->geom_type, "Polygon");
	assert_true(f->wkb[1] == 3 && f->wkb[2] == 0); /* 2D Polygon, Z dropped */
}

/* Curves are linearised and Z is dropped: what we store is simple 2D features. */
static void test_geo_curves_linearised_2d(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct tally t;

	(void)state;
	o.path =
		write_tmp("curve.csv", "WKT,id\n\"CURVEPOLYGON Z (CIRCULARSTRING Z (-87.65 41.77 1,"
				       "-87.64 41.78 1,-87.65 41.77 1))\",c1\n");
	t = read_all(&o, on_curve, NULL);
	assert_int_equal(t.n_einval, 0);
	assert_int_equal(t.n_ok, 1);
}

static void on_ring(const struct hv_geo_feature *f, void *arg)
{
	(void)arg;
	check_feature(f);
	assert_string_equal(f->source_key, "open");
	assert_string_equal(f->geom_type, "Polygon");
	assert_null(f->repair);
}

/* An unclosed ring is closed; a ring too short to be one is an error for its row only. */
static void test_geo_rings_closed_or_refused(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct tally t;

	(void)state;
	o.path = write_tmp("rings.csv",
			   "WKT,id\n"
			   "\"POLYGON ((-87.65 41.77,-87.64 41.77,-87.64 41.78))\",open\n"
			   "\"POLYGON ((-87.65 41.77,-87.64 41.78,-87.65 41.77))\",short\n");
	t = read_all(&o, on_ring, NULL);
	assert_int_equal(t.n_ok, 1);
	assert_int_equal(t.n_einval, 1);
	assert_contains(t.first_err, "rings.csv: row 2: ");
}

/* ---- errors ---- */

static void test_geo_error_missing_file(void **state)
{
	struct hv_geo_import_opts o = {.path = "/nonexistent/haven/lots.csv"};
	struct hv_err err;

	(void)state;
	assert_int_equal(open_err(&o, &err), HV_ENOENT);
	assert_contains(err.msg, "/nonexistent/haven/lots.csv");
	assert_contains(err.msg, "no such file");
}

static void test_geo_error_not_geodata(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_err err;

	(void)state;
	o.path = write_tmp("notes.txt", "Shopping list: eggs, milk.\n");
	assert_int_equal(open_err(&o, &err), HV_EFORMAT);
	assert_contains(err.msg, "notes.txt");
	assert_contains(err.msg, "not a vector format GDAL reads");
}

static void test_geo_error_empty_file(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_err err;

	(void)state;
	o.path = write_tmp("empty.csv", "");
	assert_int_equal(open_err(&o, &err), HV_EFORMAT);
	assert_contains(err.msg, "empty.csv: the file is empty");
}

/* GeoJSON without a crs member is WGS 84 by definition; State Plane feet in one are refused row
 * by row, with a hint at --srs. */
static void test_geo_error_geojson_feet_without_crs(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct tally t;

	(void)state;
	o.path = write_tmp("feet.geojson",
			   "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
			   "\"properties\":{\"id\":\"p1\"},\"geometry\":{\"type\":\"Point\","
			   "\"coordinates\":[1152902.306,1902237.065]}}]}");
	t = read_all(&o, NULL, NULL);
	assert_int_equal(t.n_ok, 0);
	assert_int_equal(t.n_einval, 1);
	assert_contains(t.first_err, "feet.geojson: feature 1: coordinates (x 1152902.306");
	assert_contains(t.first_err, "--srs");
	o.srs = "EPSG:3435";
	t = read_all(&o, on_projected_point, NULL);
	assert_int_equal(t.n_ok, 1);
}

static void test_geo_error_unknown_srs(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/libraries.csv"),
				       .srs = "EPSG:999999"};
	struct hv_err err;

	(void)state;
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "libraries.csv");
	assert_contains(err.msg, "\"EPSG:999999\"");
}

static void test_geo_error_missing_field(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/libraries.csv"),
				       .id_field = "BRANCH_ID"};
	struct hv_err err;

	(void)state;
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "libraries.csv: no field \"BRANCH_ID\" (fields: NAME, HOURS OF "
				 "OPERATION, ADDRESS,");
	o.id_field = NULL;
	o.status_field = "Status";
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "no field \"Status\"");
}

static void test_geo_error_missing_layer(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/libraries.csv"),
				       .layer = "branches"};
	struct hv_err err;

	(void)state;
	assert_int_equal(open_err(&o, &err), HV_EFORMAT);
	assert_contains(err.msg, "no layer \"branches\" (layers: libraries)");
}

static void test_geo_error_bad_latitude_row_skipped(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;

	(void)state;
	o.path = write_tmp("bad_lat.csv", "ID,Latitude,Longitude\n1,41.9,-87.6\n2,abc,-87.6\n"
					  "3,41.8,-87.7\n");
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), HV_EINVAL);
	assert_contains(err.msg, "bad_lat.csv: row 2, field \"Latitude\": \"abc\" is not a number");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_int_equal(f.row, 3);
	assert_string_equal(f.source_key, "3");
	assert_near(f.lat, 41.8, 0);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 0);
	hv_geo_reader_free(r);
}

static void test_geo_error_coordinates_out_of_range(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;

	(void)state;
	o.path = write_tmp("range.csv", "id,lat,lng\n1,91.5,-87.6\n2,41.9,-187.6\n3,41.9,\n"
					"4,41.9,-87.6\n");
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), HV_EINVAL);
	assert_contains(err.msg, "range.csv: row 1, field \"lat\": 91.5 is out of range");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), HV_EINVAL);
	assert_contains(err.msg, "row 2, field \"lng\": -187.6 is out of range");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), HV_EINVAL);
	assert_contains(err.msg, "row 3, field \"lng\": empty");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 0);
	hv_geo_reader_free(r);
}

static void test_geo_error_projected_outside_area_of_use(void **state)
{
	struct hv_geo_import_opts o = {.srs = "EPSG:3435"};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;

	(void)state;
	/* 3,000,000 ftUS east of Illinois East's origin is in Ohio. */
	o.path = write_tmp("xy.csv", "ID,X Coordinate,Y Coordinate\n1,1152902.306,1902237.065\n"
				     "2,3000000,1902237\n3,1153085.534,1901901.079\n");
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_near(f.lat, 41.8875918, ONE_M_DEG / 10);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), HV_EINVAL);
	assert_contains(err.msg, "xy.csv: row 2: coordinates (3000000, 1902237) lie outside the "
				 "area of use of EPSG:3435");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 0);
	hv_geo_reader_free(r);
}

static void test_geo_error_xy_columns_need_srs(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_err err;

	(void)state;
	o.path = write_tmp("xy_only.csv", "ID,X,Y\n1,1152902.306,1902237.065\n");
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "xy_only.csv: columns \"X\"/\"Y\"");
	assert_contains(err.msg, "--srs");
}

static void test_geo_error_layer_without_crs(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_err err;
	struct tally t;

	(void)state;
	/* A WKT column has no CRS; these numbers cannot be longitude/latitude. */
	o.path = write_tmp("nocrs.csv", "WKT,id\n\"POINT (1152902.306 1902237.065)\",p1\n");
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "nocrs.csv: layer has no CRS and its coordinates are not "
				 "longitude/latitude: pass --srs EPSG:N");
	o.srs = "EPSG:3435";
	t = read_all(&o, on_projected_point, NULL);
	assert_int_equal(t.n_ok, 1);
}

static void test_geo_error_bad_wkt_and_empty_id(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;

	(void)state;
	o.path = write_tmp("wkt.csv", "WKT,id\n\"POINT (bad)\",1\n\"POINT (-87.6 41.9)\",\n"
				      ",3\n");
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), HV_EINVAL);
	assert_contains(err.msg, "wkt.csv: row 1, field \"WKT\": \"POINT (bad)\" is not a WKT");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), HV_EINVAL);
	assert_contains(err.msg, "wkt.csv: row 2, field \"id\": the id is empty");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_null(f.wkb);
	/* The WKT column is the geometry, not an attribute. */
	assert_string_equal(f.attrs_json, "{\"id\":\"3\"}");
	assert_int_equal(hv_geo_reader_info(r)->n_fields, 1);
	assert_string_equal(hv_geo_reader_info(r)->fields[0], "id");
	hv_geo_reader_free(r);
}

/* ---- roles ---- */

static void test_geo_kind_field_and_fixed_kind(void **state)
{
	struct hv_geo_import_opts o = {0};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;

	(void)state;
	o.path = write_tmp("kinds.csv", "haven_source_id,haven_kind,haven_name,Ward\n"
					"a, Library ,Branch,5\nb,,Lot,6\n");
	o.kind = " Park ";
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->kind_field, "haven_kind");
	assert_string_equal(hv_geo_reader_info(r)->id_field, "haven_source_id");
	/* haven_* fields are roles, not attributes. */
	assert_int_equal(hv_geo_reader_info(r)->n_fields, 1);
	assert_string_equal(hv_geo_reader_info(r)->fields[0], "Ward");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_string_equal(f.kind, "library");
	assert_string_equal(f.name, "Branch");
	assert_string_equal(f.attrs_json, "{\"Ward\":\"5\"}");
	assert_string_equal(f.values[0], "5");
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_string_equal(f.kind, "park");
	hv_geo_reader_free(r);
}

/* ---- address template ---- */

#define BUILDINGS_TEMPLATE "{F_ADD1}-{T_ADD1} {PRE_DIR1} {ST_NAME1} {ST_TYPE1}"

/* What the buildings' address fields say, read from values[] independently of the template. */
struct building_addrs {
	size_t f_from, f_to, f_name; /* indexes into the layer's fields */
	int64_t n, n_addressed, n_ranges;
};

static long field_long(const struct hv_geo_feature *f, size_t i)
{
	return f->values[i] ? strtol(f->values[i], NULL, 10) : 0;
}

static void on_building_address(const struct hv_geo_feature *f, void *arg)
{
	struct building_addrs *b = arg;
	long from = field_long(f, b->f_from), to = field_long(f, b->f_to);
	bool named = f->values[b->f_name] && f->values[b->f_name][0];
	struct hv_addr a;

	b->n++;
	if (!from && !to && !named) {
		assert_null(f->address);
		return;
	}
	assert_non_null(f->address);
	b->n_addressed++;
	/* Single spaces, no dangling range: "830-832 W 35TH ST", "2606 S EMERALD AVE". */
	assert_null(strstr(f->address, "  "));
	assert_true(f->address[0] != ' ' && f->address[strlen(f->address) - 1] != ' ');
	assert_true(hv_addr_parse(f->address, strlen(f->address), &a));
	assert_int_equal(a.number_lo, from ? from : to);
	assert_int_equal(a.number_hi, to ? to : from);
	if (from && to && from != to) {
		assert_non_null(strchr(f->address, '-'));
		b->n_ranges++;
	}
}

static size_t field_index(const struct hv_geo_layer_info *info, const char *name)
{
	for (size_t i = 0; i < info->n_fields; i++)
		if (strcmp(info->fields[i], name) == 0)
			return i;
	fail_msg("no field %s", name);
	return 0;
}

/* Chicago's footprints keep their address in five fields; the template puts it together, and
 * the ranges ("830-832 W 35TH ST") read as ranges. */
static void test_geo_address_template_buildings(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/buildings_sample.shp"),
				       .srs = "EPSG:3435", .address_template = BUILDINGS_TEMPLATE};
	struct hv_geo_reader *r = NULL;
	struct building_addrs b = {0};
	struct hv_err err;
	struct tally t;

	(void)state;
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->address_field, BUILDINGS_TEMPLATE);
	b.f_from = field_index(hv_geo_reader_info(r), "F_ADD1");
	b.f_to = field_index(hv_geo_reader_info(r), "T_ADD1");
	b.f_name = field_index(hv_geo_reader_info(r), "ST_NAME1");
	hv_geo_reader_free(r);
	t = read_all(&o, on_building_address, &b);
	assert_int_equal(t.n_einval, 0);
	assert_int_equal(b.n, 6049);
	/* The sample's counts (ogr2ogr): 145 footprints span a range, 3,741 have an address. */
	assert_int_equal(b.n_ranges, 145);
	assert_int_equal(b.n_addressed, 3741);
}

static void on_template_row(const struct hv_geo_feature *f, void *arg)
{
	const char *const *want = arg;
	const char *w = want[f->row - 1];

	if (!w)
		assert_null(f->address);
	else if (!f->address)
		fail_msg("row %lld: no address, want \"%s\"", (long long)f->row, w);
	else
		assert_string_equal(f->address, w);
}

/* Ranges collapse when the ends agree or one says nothing; spaces collapse; literal text stays;
 * field names match as --address-field's do (trimmed, any case). */
static void test_geo_address_template_rules(void **state)
{
	static const char *const want[] = {
		"1200-1210 W 63RD ST", "1200 W 63RD ST", "1210 W 63RD ST", "1200 W 63RD ST",
		"W 63RD ST", "1200 63RD ST", NULL, "1200-1210 W 63RD ST Unit 4B",
	};
	struct hv_geo_import_opts o = {.address_template = "{from}-{TO} { dir }  {name} {type} "};
	struct tally t;

	(void)state;
	o.path = write_tmp("template.csv", "id,from,to,dir,name,type\n"
					   "1,1200,1210,W,63RD,ST\n"
					   "2,1200,1200,W,63RD,ST\n"
					   "3,0,1210,W,63RD,ST\n"
					   "4,1200,,W,63RD,ST\n"
					   "5,0,0,W,63RD,ST\n"
					   "6, 1200 ,,,63RD,ST\n"
					   "7,0,,,,\n"
					   "8,1200,1210,W,63RD,ST Unit 4B\n");
	t = read_all(&o, on_template_row, (void *)want);
	assert_int_equal(t.n_ok, 8);
	o.address_template = "{from}-{to} {dir} {name} {type}, Chicago";
	o.path = write_tmp("template2.csv", "id,from,to,dir,name,type\n1,5,5,N,STATE,ST\n");
	{
		static const char *const want2[] = {"5 N STATE ST, Chicago"};

		t = read_all(&o, on_template_row, (void *)want2);
		assert_int_equal(t.n_ok, 1);
	}
}

static void test_geo_address_template_errors(void **state)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/buildings_sample.shp"),
				       .srs = "EPSG:3435"};
	struct hv_err err;

	(void)state;
	o.address_template = "{F_ADD1}-{T_ADD2} {ST_NAME1}";
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "buildings_sample.shp: address template \"{F_ADD1}-{T_ADD2} "
				 "{ST_NAME1}\": no field \"T_ADD2\" (fields: BLDG_ID,");
	o.address_template = "{F_ADD1} {ST_NAME1";
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "unclosed \"{\"");
	o.address_template = "{F_ADD1} { } {ST_NAME1}";
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "empty \"{}\"");
	o.address_template = "{F_ADD1} {ST_NAME1}";
	o.address_field = "ST_NAME1";
	assert_int_equal(open_err(&o, &err), HV_EINVAL);
	assert_contains(err.msg, "an address field (\"ST_NAME1\") and an address template");
}

static void test_geo_reads_in_memory_file(void **state)
{
	static const char csv[] = "\xEF\xBB\xBFid,name,latitude,longitude\r\n"
				  "1,\xEF\xBB\xBFX,41.78,-87.57\r\n";
	struct hv_geo_import_opts o = {.path = "/vsimem/test_geo.csv"};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;

	(void)state;
	assert_int_equal(hv_geo_mem_file("/tmp/not_vsimem.csv", csv, 3, &err), HV_EINVAL);
	assert_int_equal(hv_geo_mem_file(o.path, csv, sizeof(csv) - 1, &err), HV_OK);
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
	assert_string_equal(f.source_key, "1");
	assert_string_equal(f.name, "X");
	assert_near(f.lon, -87.57, 0);
	hv_geo_reader_free(r);
	hv_geo_mem_file_remove(o.path);
	assert_int_equal(open_err(&o, &err), HV_ENOENT);
}

/* ---- writer ---- */

static const char *const export_fields[] = {"haven_source", "haven_source_id", "haven_kind",
					    "haven_name",   "haven_address",   "haven_status",
					    "Ward"};

struct rt_row {
	const char *key, *name, *ward;
	const char *wkt; /* NULL: no geometry */
};

static const struct rt_row rt_rows[] = {
	{"L-1", "Lot one", "5",
	 "MULTIPOLYGON (((-87.654623719406 41.779413683238,-87.654618420362 41.779213867322,"
	 "-87.654767322384 41.779174516285,-87.654863610695 41.779409996098,"
	 "-87.654623719406 41.779413683238)))"},
	{"L-2", "Lot two, \"quoted\" é", NULL,
	 "MULTIPOLYGON (((-87.66 41.78,-87.65 41.78,-87.65 41.79,-87.66 41.79,-87.66 41.78),"
	 "(-87.658 41.782,-87.652 41.782,-87.652 41.788,-87.658 41.782)))"},
	{"L-3", NULL, "7", NULL},
};

static unsigned char *wkb_of(const char *wkt, size_t *len)
{
	OGRGeometryH g = NULL;
	unsigned char *b;

	assert_int_equal(OGR_G_CreateFromWkt((char **)&wkt, NULL, &g), OGRERR_NONE);
	*len = (size_t)OGR_G_WkbSize(g);
	b = malloc(*len);
	assert_int_equal(OGR_G_ExportToIsoWkb(g, wkbNDR, b), OGRERR_NONE);
	OGR_G_DestroyGeometry(g);
	return b;
}

static void write_export(const char *path, enum hv_geo_format fmt, int epsg)
{
	struct hv_geo_writer *w = NULL;
	struct hv_err err;
	size_t n_rows = sizeof(rt_rows) / sizeof(rt_rows[0]);

	assert_int_equal(hv_geo_writer_open(path, fmt, "lots", epsg, export_fields, 7, &w, &err),
			 HV_OK);
	for (size_t i = 0; i < n_rows; i++) {
		/* In the order of export_fields. */
		const char *v[7] = {"test", NULL, "lot", NULL, "1 Main St", "Owned by City", NULL};
		unsigned char *wkb = NULL;
		size_t len = 0;

		v[1] = rt_rows[i].key;
		v[3] = rt_rows[i].name;
		v[6] = rt_rows[i].ward;
		if (rt_rows[i].wkt)
			wkb = wkb_of(rt_rows[i].wkt, &len);
		if (hv_geo_writer_add(w, wkb, len, v, &err) != HV_OK)
			fail_msg("add: %s", err.msg);
		free(wkb);
	}
	if (hv_geo_writer_close(w, &err) != HV_OK)
		fail_msg("close: %s", err.msg);
}

struct rt_check {
	double tol_deg;
	size_t n_seen;
	int64_t n_vertices;
};

static void on_round_trip(const struct hv_geo_feature *f, void *arg)
{
	struct rt_check *c = arg;
	const struct rt_row *want = &rt_rows[f->row - 1];
	char attrs[64];

	check_feature(f);
	assert_string_equal(f->source_key, want->key);
	assert_string_equal(f->kind, "lot");
	assert_string_equal(f->address, "1 Main St");
	assert_string_equal(f->status, "Owned by City");
	if (want->name)
		assert_string_equal(f->name, want->name);
	else
		assert_null(f->name);
	/* Only the source's own attribute comes back as an attribute, and an unset one as null. */
	if (want->ward)
		snprintf(attrs, sizeof(attrs), "{\"Ward\":\"%s\"}", want->ward);
	else
		snprintf(attrs, sizeof(attrs), "{\"Ward\":null}");
	assert_string_equal(f->attrs_json, attrs);
	if (!want->wkt) {
		assert_null(f->wkb);
	} else {
		size_t len;
		unsigned char *b = wkb_of(want->wkt, &len);
		OGRGeometryH g = NULL, ours = NULL;

		assert_non_null(f->wkb);
		assert_int_equal(OGR_G_CreateFromWkbEx(b, NULL, &g, len), OGRERR_NONE);
		assert_int_equal(OGR_G_CreateFromWkbEx(f->wkb, NULL, &ours, f->wkb_len),
				 OGRERR_NONE);
		/* A Shapefile has no MultiPolygon type of its own: compare as multi. */
		ours = OGR_G_ForceToMultiPolygon(ours);
		compare_vertices(ours, g, c->tol_deg, &c->n_vertices);
		OGR_G_DestroyGeometry(g);
		OGR_G_DestroyGeometry(ours);
		free(b);
	}
	c->n_seen++;
}

static void round_trip(const char *name, enum hv_geo_format fmt, int epsg, const char *srs,
		       double tol_deg)
{
	struct hv_geo_import_opts o = {.path = tmp_path(name), .srs = srs};
	struct rt_check c = {.tol_deg = tol_deg};
	struct tally t;

	write_export(o.path, fmt, epsg);
	t = read_all(&o, on_round_trip, &c);
	if (t.n_einval || t.other_rc)
		fail_msg("%s: %s", name, t.first_err);
	assert_int_equal(c.n_seen, sizeof(rt_rows) / sizeof(rt_rows[0]));
	assert_true(c.n_vertices >= 14);
}

/* WGS 84 formats give the vertices back exactly (tolerance 0), better than the 1e-9 asked. */
static void test_geo_writer_round_trip_geojson(void **state)
{
	(void)state;
	round_trip("rt.geojson", HV_GEO_GEOJSON, 3435 /* ignored: GeoJSON is WGS 84 */, NULL, 0);
}

/* WKT is written with 17 significant digits, so CSV is exact too. */
static void test_geo_writer_round_trip_csv(void **state)
{
	(void)state;
	round_trip("rt.csv", HV_GEO_CSV, 4326, NULL, 0);
}

static void test_geo_writer_round_trip_gpkg(void **state)
{
	struct hv_geo_import_opts o = {.path = tmp_path("rt.gpkg"), .layer = "lots"};
	struct hv_err err;

	(void)state;
	round_trip("rt.gpkg", HV_GEO_GPKG, 4326, NULL, 0);
	assert_int_equal(open_err(&o, &err), HV_OK);
	o.layer = "parcels";
	assert_int_equal(open_err(&o, &err), HV_EFORMAT);
	assert_contains(err.msg, "rt.gpkg: no layer \"parcels\" (layers: lots)");
}

/* Illinois East feet in the file (its .prj says so), back to WGS 84 within a centimetre. */
static void test_geo_writer_round_trip_shapefile_3435(void **state)
{
	struct hv_geo_import_opts o = {.path = tmp_path("rt_sp.shp")};
	struct hv_geo_reader *r = NULL;
	struct hv_err err;

	(void)state;
	round_trip("rt_sp.shp", HV_GEO_SHAPEFILE, 3435, NULL, ONE_CM_DEG);
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->srs, "EPSG:3435");
	assert_string_equal(hv_geo_reader_info(r)->id_field, "haven_sid");
	assert_string_equal(hv_geo_reader_info(r)->address_field, "haven_addr");
	hv_geo_reader_free(r);
}

/* A CSV cannot say its CRS: one written in EPSG:3435 reads back with --srs. */
static void test_geo_writer_round_trip_csv_3435(void **state)
{
	(void)state;
	round_trip("rt_sp.csv", HV_GEO_CSV, 3435, "EPSG:3435", ONE_CM_DEG);
}

static void test_geo_writer_refuses_existing_path(void **state)
{
	const char *p = write_tmp("exists.geojson", "{}");
	struct hv_geo_writer *w = NULL;
	struct hv_err err;

	(void)state;
	assert_int_equal(
		hv_geo_writer_open(p, HV_GEO_GEOJSON, NULL, 4326, export_fields, 7, &w, &err),
		HV_EEXIST);
	assert_null(w);
	assert_contains(err.msg, "exists.geojson: already exists");
}

static void test_geo_writer_free_removes_partial_output(void **state)
{
	const char *p = tmp_path("partial.shp");
	const char *v[7] = {"s", "k", "lot", "n", "a", "st", "w"};
	struct hv_geo_writer *w = NULL;
	unsigned char *wkb;
	struct hv_err err;
	size_t len;

	(void)state;
	assert_int_equal(hv_geo_writer_open(p, HV_GEO_SHAPEFILE, "partial", 3435, export_fields, 7,
					    &w, &err),
			 HV_OK);
	wkb = wkb_of(rt_rows[0].wkt, &len);
	assert_int_equal(hv_geo_writer_add(w, wkb, len, v, &err), HV_OK);
	free(wkb);
	/* A Shapefile holds one geometry type: a point after polygons is refused. */
	wkb = wkb_of("POINT (-87.6 41.9)", &len);
	assert_int_not_equal(hv_geo_writer_add(w, wkb, len, v, &err), HV_OK);
	assert_contains(err.msg, "partial.shp: feature 2");
	free(wkb);
	hv_geo_writer_free(w);
	assert_int_not_equal(access(p, F_OK), 0);
	assert_int_not_equal(access(tmp_path("partial.dbf"), F_OK), 0);
	assert_int_not_equal(access(tmp_path("partial.shx"), F_OK), 0);
	assert_int_not_equal(access(tmp_path("partial.prj"), F_OK), 0);
	hv_geo_writer_free(NULL);
}

/* "name" and "NAME" from two sources: CSV and GeoPackage cannot hold both names, so the second
 * is renamed; GeoJSON keeps both. */
static void test_geo_writer_case_duplicate_fields(void **state)
{
	static const char *const fields[] = {"haven_source_id", "name", "NAME", "Name"};
	static const char *const values[] = {"k1", "lower", "upper", "title"};
	const enum hv_geo_format fmts[] = {HV_GEO_CSV, HV_GEO_GPKG, HV_GEO_GEOJSON};
	const char *const paths[] = {"dup.csv", "dup.gpkg", "dup.geojson"};
	const char *const want[] = {
		"{\"name\":\"lower\",\"NAME_2\":\"upper\",\"Name_3\":\"title\"}",
		"{\"name\":\"lower\",\"NAME_2\":\"upper\",\"Name_3\":\"title\"}",
		"{\"name\":\"lower\",\"NAME\":\"upper\",\"Name\":\"title\"}",
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct hv_geo_import_opts o = {.path = tmp_path(paths[i])};
		struct hv_geo_writer *w = NULL;
		struct hv_geo_reader *r = NULL;
		struct hv_geo_feature f;
		struct hv_err err;

		assert_int_equal(
			hv_geo_writer_open(o.path, fmts[i], NULL, 4326, fields, 4, &w, &err),
			HV_OK);
		assert_int_equal(hv_geo_writer_add(w, NULL, 0, values, &err), HV_OK);
		assert_int_equal(hv_geo_writer_close(w, &err), HV_OK);
		/* name= picks "name" exactly, not "NAME". */
		o.name_field = "name";
		assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
		assert_int_equal(hv_geo_reader_next(r, &f, &err), 1);
		assert_string_equal(f.source_key, "k1");
		assert_string_equal(f.name, "lower");
		assert_string_equal(f.attrs_json, want[i]);
		hv_geo_reader_free(r);
	}
}

static void test_geo_format_parse_names(void **state)
{
	enum hv_geo_format f;

	(void)state;
	assert_true(hv_geo_format_parse("geojson", &f) && f == HV_GEO_GEOJSON);
	assert_true(hv_geo_format_parse("CSV", &f) && f == HV_GEO_CSV);
	assert_true(hv_geo_format_parse("gpkg", &f) && f == HV_GEO_GPKG);
	assert_true(hv_geo_format_parse("shp", &f) && f == HV_GEO_SHAPEFILE);
	assert_true(hv_geo_format_parse("shapefile", &f) && f == HV_GEO_SHAPEFILE);
	assert_false(hv_geo_format_parse("kml", &f));
	assert_false(hv_geo_format_parse(NULL, &f));
}

static void test_geo_transform_point_stateplane(void **state)
{
	double x = 1152902.306, y = 1902237.065;
	struct hv_err err;

	(void)state;
	assert_int_equal(hv_geo_transform_point(3435, 4326, &x, &y, &err), HV_OK);
	assert_near(x, -87.7139511, ONE_M_DEG / 10);
	assert_near(y, 41.8875918, ONE_M_DEG / 10);
	assert_int_equal(hv_geo_transform_point(4326, 3435, &x, &y, &err), HV_OK);
	assert_near(x, 1152902.306, 0.5);
	assert_near(y, 1902237.065, 0.5);
	assert_int_equal(hv_geo_transform_point(4326, 999999, &x, &y, &err), HV_EINVAL);
	assert_contains(err.msg, "EPSG:999999");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geo_location_cell_socrata_pair),
		cmocka_unit_test(test_geo_location_cell_multiline_address),
		cmocka_unit_test(test_geo_location_cell_point_wkt),
		cmocka_unit_test(test_geo_location_cell_garbage),
		cmocka_unit_test(test_geo_location_cell_out_of_range),
		cmocka_unit_test(test_geo_location_cell_empty),
		cmocka_unit_test(test_geo_reads_inventory_2021),
		cmocka_unit_test(test_geo_inventory_xy_columns_match_latlon),
		cmocka_unit_test(test_geo_reads_libraries_location_cells),
		cmocka_unit_test(test_geo_reads_fire_stations_multiline_cells),
		cmocka_unit_test(test_geo_reads_park_points_bom),
		cmocka_unit_test(test_geo_reads_englewood_lots),
		cmocka_unit_test(test_geo_buildings_srs_override_matches_gdal),
		cmocka_unit_test(test_geo_reads_community_areas_stateplane),
		cmocka_unit_test(test_geo_geojson_projected_crs_honoured),
		cmocka_unit_test(test_geo_reads_esri_json),
		cmocka_unit_test(test_geo_invalid_polygon_repaired),
		cmocka_unit_test(test_geo_curves_linearised_2d),
		cmocka_unit_test(test_geo_rings_closed_or_refused),
		cmocka_unit_test(test_geo_error_missing_file),
		cmocka_unit_test(test_geo_error_empty_file),
		cmocka_unit_test(test_geo_error_geojson_feet_without_crs),
		cmocka_unit_test(test_geo_error_not_geodata),
		cmocka_unit_test(test_geo_error_unknown_srs),
		cmocka_unit_test(test_geo_error_missing_field),
		cmocka_unit_test(test_geo_error_missing_layer),
		cmocka_unit_test(test_geo_error_bad_latitude_row_skipped),
		cmocka_unit_test(test_geo_error_coordinates_out_of_range),
		cmocka_unit_test(test_geo_error_projected_outside_area_of_use),
		cmocka_unit_test(test_geo_error_xy_columns_need_srs),
		cmocka_unit_test(test_geo_error_layer_without_crs),
		cmocka_unit_test(test_geo_error_bad_wkt_and_empty_id),
		cmocka_unit_test(test_geo_kind_field_and_fixed_kind),
		cmocka_unit_test(test_geo_address_template_buildings),
		cmocka_unit_test(test_geo_address_template_rules),
		cmocka_unit_test(test_geo_address_template_errors),
		cmocka_unit_test(test_geo_reads_in_memory_file),
		cmocka_unit_test(test_geo_writer_round_trip_geojson),
		cmocka_unit_test(test_geo_writer_round_trip_csv),
		cmocka_unit_test(test_geo_writer_round_trip_gpkg),
		cmocka_unit_test(test_geo_writer_round_trip_shapefile_3435),
		cmocka_unit_test(test_geo_writer_round_trip_csv_3435),
		cmocka_unit_test(test_geo_writer_refuses_existing_path),
		cmocka_unit_test(test_geo_writer_free_removes_partial_output),
		cmocka_unit_test(test_geo_writer_case_duplicate_fields),
		cmocka_unit_test(test_geo_format_parse_names),
		cmocka_unit_test(test_geo_transform_point_stateplane),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
