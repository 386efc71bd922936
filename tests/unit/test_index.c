/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of src/geo/index.h: hand-made edge cases, strict WKB decoding, the near search, batch
 * mode and concurrent readers, and GEOS prepared covers as the oracle on Chicago's Englewood lots
 * and large parks. GEOS is used here only as that independent oracle. Hand-made coordinates are
 * dyadic (-87.625, 41.8125, ...) so points exactly on an edge can be written down. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <geos_c.h>

#include "geo/geo.h"
#include "geo/index.h"

#include "core/banned.h"

#if defined(__SANITIZE_ADDRESS__)
#define HV_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HV_TEST_SANITIZED 1
#endif
#endif

/* The oracle's random points, half over the lots' box and half over the parks': the full
 * million in plain builds; a sanitizer makes the index code several times slower, so fewer
 * there to stay well under a minute. */
#ifdef HV_TEST_SANITIZED
#define ORACLE_RANDOM 250000
#else
#define ORACLE_RANDOM 1000000
#endif

#define MATCH_CAP 64

/* ---- helpers ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static double rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}

/* A WKB writer for the test geometries: either byte order, extra Z/M doubles per vertex. */
struct wkb {
	unsigned char b[1 << 20];
	size_t len;
	bool big;
	unsigned extra; /* doubles after x and y in each vertex */
};

static void put_u8(struct wkb *w, unsigned v)
{
	assert_true(w->len < sizeof(w->b));
	w->b[w->len++] = (unsigned char)v;
}

static void put_u32(struct wkb *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put_u8(w, (v >> (w->big ? 24 - 8 * i : 8 * i)) & 0xff);
}

static void put_f64(struct wkb *w, double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	for (int i = 0; i < 8; i++)
		put_u8(w, (unsigned)((u >> (w->big ? 56 - 8 * i : 8 * i)) & 0xff));
}

static void put_head(struct wkb *w, uint32_t type)
{
	put_u8(w, w->big ? 0 : 1);
	put_u32(w, type);
}

static void put_xy(struct wkb *w, double x, double y)
{
	put_f64(w, x);
	put_f64(w, y);
	for (unsigned i = 0; i < w->extra; i++)
		put_f64(w, 7.0);
}

/* A ring of n vertices xy[2i], xy[2i + 1], closed by repeating the first. */
static void put_ring(struct wkb *w, const double *xy, size_t n)
{
	put_u32(w, (uint32_t)n + 1);
	for (size_t i = 0; i < n; i++)
		put_xy(w, xy[2 * i], xy[2 * i + 1]);
	put_xy(w, xy[0], xy[1]);
}

static void rect_xy(double *xy, double x0, double y0, double x1, double y1)
{
	double r[8] = {x0, y0, x1, y0, x1, y1, x0, y1};

	memcpy(xy, r, sizeof(r));
}

static void put_rect_polygon(struct wkb *w, uint32_t type, double x0, double y0, double x1,
			     double y1)
{
	double xy[8];

	rect_xy(xy, x0, y0, x1, y1);
	put_head(w, type);
	put_u32(w, 1);
	put_ring(w, xy, 4);
}

static void add_ok(struct hv_index_builder *b, int64_t ref, const struct wkb *w)
{
	struct hv_err err = {0};

	if (hv_index_builder_add_wkb(b, ref, w->b, w->len, &err) != HV_OK)
		fail_msg("add_wkb %lld: %s", (long long)ref, err.msg);
}

static void add_rect(struct hv_index_builder *b, int64_t ref, double x0, double y0, double x1,
		     double y1)
{
	struct wkb w = {.len = 0};

	put_rect_polygon(&w, 3, x0, y0, x1, y1);
	add_ok(b, ref, &w);
}

/* One polygon with one ring of n vertices. */
static void add_ring(struct hv_index_builder *b, int64_t ref, const double *xy, size_t n)
{
	struct wkb w = {.len = 0};

	put_head(&w, 3);
	put_u32(&w, 1);
	put_ring(&w, xy, n);
	add_ok(b, ref, &w);
}

static size_t look(const struct hv_index *ix, double x, double y, double r,
		   struct hv_index_match *m)
{
	return hv_index_lookup(ix, x, y, r, m, MATCH_CAP);
}

/* Number of INSIDE matches, after checking every match in m[0..n) is INSIDE. */
static size_t n_inside(const struct hv_index_match *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(m[i].relation, HV_INDEX_INSIDE);
	return n;
}

/* Metres per degree on the WGS 84 ellipsoid: the meridional radius (latitude) and the prime
 * vertical radius times cos(lat) (longitude), the scale the index documents. */
static void wgs84_scale(double lat, double *kx, double *ky)
{
	const double a = 6378137.0, e2 = 6.69437999014e-3, d = 3.14159265358979323846 / 180.0;
	double s = sin(lat * d), w = 1.0 - e2 * s * s;

	*kx = a / sqrt(w) * cos(lat * d) * d;
	*ky = a * (1.0 - e2) / (w * sqrt(w)) * d;
}

/* ---- hand-made cases ---- */

#define X0 -87.625
#define X1 -87.5
#define Y0 41.75
#define Y1 41.875

static void test_index_vertex_and_edge_match(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct hv_index *ix;

	(void)state;
	add_rect(b, 1, X0, Y0, X1, Y1);
	ix = hv_index_build(b);
	assert_int_equal(look(ix, X0, Y0, 0, m), 1); /* a vertex */
	assert_int_equal(m[0].ref, 1);
	assert_int_equal(m[0].relation, HV_INDEX_INSIDE);
	assert_true(m[0].distance_m == 0.0);
	assert_int_equal(look(ix, X1, Y1, 0, m), 1);
	assert_int_equal(look(ix, -87.5625, Y0, 0, m), 1); /* on the bottom edge */
	assert_int_equal(look(ix, X1, 41.8125, 0, m), 1);  /* on the right edge */
	assert_int_equal(look(ix, -87.5625, 41.8125, 0, m), 1);
	/* One unit in the last place outside each edge. */
	assert_int_equal(look(ix, nextafter(X1, 0.0), 41.8125, 0, m), 0);
	assert_int_equal(look(ix, nextafter(X0, -180.0), 41.8125, 0, m), 0);
	assert_int_equal(look(ix, -87.5625, nextafter(Y0, 0.0), 0, m), 0);
	assert_int_equal(look(ix, -87.5625, nextafter(Y1, 90.0), 0, m), 0);
	hv_index_free(ix);
}

static void test_index_shared_edge_matches_both(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct hv_index *ix;
	/* Two triangles sharing the diagonal (X0, Y0)-(X1, Y1) of slope 1. */
	double lower[6] = {X0, Y0, X1, Y0, X1, Y1};
	double upper[6] = {X0, Y0, X1, Y1, X0, Y1};

	(void)state;
	add_rect(b, 10, X1, Y0, -87.25, Y1); /* twice the square's area, to the right */
	add_rect(b, 11, X0, Y0, X1, Y1);
	add_ring(b, 12, lower, 3);
	add_ring(b, 13, upper, 3);
	ix = hv_index_build(b);
	/* On the vertical edge shared by the squares: both, smallest first; the lower triangle
	 * has that edge too. */
	assert_int_equal(n_inside(m, look(ix, X1, 41.8125, 0, m)), 3);
	assert_int_equal(m[0].ref, 12);
	assert_int_equal(m[1].ref, 11);
	assert_int_equal(m[2].ref, 10);
	assert_true(m[0].area_m2 < m[1].area_m2 && m[1].area_m2 < m[2].area_m2);
	/* On the shared diagonal: both triangles (equal areas: ref order) and the square. */
	assert_int_equal(n_inside(m, look(ix, -87.5625, 41.8125, 0, m)), 3);
	assert_int_equal(m[0].ref, 12);
	assert_int_equal(m[1].ref, 13);
	assert_int_equal(m[2].ref, 11);
	/* One unit in the last place off the diagonal: one triangle only. */
	assert_int_equal(n_inside(m, look(ix, -87.5625, nextafter(41.8125, 90.0), 0, m)), 2);
	assert_int_equal(m[0].ref, 13);
	assert_int_equal(n_inside(m, look(ix, -87.5625, nextafter(41.8125, 0.0), 0, m)), 2);
	assert_int_equal(m[0].ref, 12);
	/* The vertex all four share. */
	assert_int_equal(n_inside(m, look(ix, X1, Y1, 0, m)), 4);
	hv_index_free(ix);
}

static void test_index_hole_excludes_interior_not_boundary(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct wkb w = {.len = 0};
	double shell[8], hole[8], kx, ky;
	struct hv_index *ix;

	(void)state;
	rect_xy(shell, X0, Y0, X1, Y1);
	rect_xy(hole, -87.59375, 41.78125, -87.53125, 41.84375);
	put_head(&w, 3);
	put_u32(&w, 2);
	put_ring(&w, shell, 4);
	put_ring(&w, hole, 4);
	add_ok(b, 5, &w);
	ix = hv_index_build(b);
	assert_int_equal(look(ix, -87.5625, 41.8125, 0, m), 0);	  /* in the hole */
	assert_int_equal(look(ix, -87.53125, 41.8125, 0, m), 1);  /* on its boundary */
	assert_int_equal(look(ix, -87.59375, 41.78125, 0, m), 1); /* on its corner */
	assert_int_equal(look(ix, -87.609375, 41.8125, 0, m), 1); /* between */
	/* The hole is a quarter of the shell: area = 3/4 of the square's, the square's being
	 * 0.125 deg x 0.125 deg at the local scale of 41.8125 deg (1.442 058e8 m2 by hand). */
	wgs84_scale(41.8125, &kx, &ky);
	assert_true(fabs(m[0].area_m2 - 0.75 * 0.125 * 0.125 * kx * ky) < 1.0);
	assert_true(fabs(m[0].area_m2 - 0.75 * 144205771.4) < 1.0);
	/* In the hole the polygon is still the nearest property: the hole's boundary is 0.03125
	 * deg away in both axes, nearer in x (2.6 km) than in y (3.5 km) at this latitude. */
	assert_int_equal(look(ix, -87.5625, 41.8125, 5000, m), 1);
	assert_int_equal(m[0].relation, HV_INDEX_NEAR);
	assert_true(fabs(m[0].distance_m - 0.03125 * kx) < 0.01);
	hv_index_free(ix);
}

static void test_index_two_holes(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct wkb w = {.len = 0};
	double shell[8], left[8], right[8];
	struct hv_index *ix;

	(void)state;
	rect_xy(shell, X0, Y0, X1, Y1);
	rect_xy(left, -87.609375, 41.78125, -87.578125, 41.84375);
	rect_xy(right, -87.546875, 41.78125, -87.515625, 41.84375);
	put_head(&w, 3);
	put_u32(&w, 3);
	put_ring(&w, shell, 4);
	put_ring(&w, left, 4);
	put_ring(&w, right, 4);
	add_ok(b, 6, &w);
	ix = hv_index_build(b);
	assert_int_equal(look(ix, -87.59375, 41.8125, 0, m), 0);  /* in the left hole */
	assert_int_equal(look(ix, -87.53125, 41.8125, 0, m), 0);  /* in the right hole */
	assert_int_equal(look(ix, -87.5625, 41.8125, 0, m), 1);	  /* between them */
	assert_int_equal(look(ix, -87.515625, 41.8125, 0, m), 1); /* on the right one's edge */
	assert_int_equal(look(ix, X1, Y1, 0, m), 1);
	hv_index_free(ix);
}

static void test_index_multipolygon_second_part(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct wkb w = {.len = 0};
	struct hv_index *ix;

	(void)state;
	put_head(&w, 6);
	put_u32(&w, 2);
	put_rect_polygon(&w, 3, X0, Y0, X1, Y1);
	put_rect_polygon(&w, 3, -87.25, Y0, -87.125, Y1);
	add_ok(b, 77, &w);
	ix = hv_index_build(b);
	assert_int_equal(hv_index_n_polygons(ix), 1);
	assert_int_equal(hv_index_n_vertices(ix), 10);
	assert_int_equal(look(ix, -87.1875, 41.8125, 0, m), 1);
	assert_int_equal(m[0].ref, 77);
	assert_int_equal(look(ix, -87.25, Y1, 0, m), 1);       /* the second part's corner */
	assert_int_equal(look(ix, -87.375, 41.8125, 0, m), 0); /* between the parts */
	hv_index_free(ix);
}

static void test_index_sliver_is_exact(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct hv_index *ix;
	/* A triangle 2^-30 deg (0.1 mm) tall over 0.25 deg: its long edges are nearly collinear,
	 * so only exact orientation tells the sides apart. */
	double top = 41.5 + ldexp(1.0, -30), mid = 41.5 + ldexp(1.0, -31);
	double xy[6] = {-87.5, 41.5, -87.25, top, -87.25, 41.5};

	(void)state;
	add_ring(b, 3, xy, 3);
	ix = hv_index_build(b);
	assert_int_equal(look(ix, -87.375, mid, 0, m), 1);		    /* on the top edge */
	assert_int_equal(look(ix, -87.375, nextafter(mid, 90.0), 0, m), 0); /* just above it */
	assert_int_equal(look(ix, -87.375, nextafter(mid, 0.0), 0, m), 1);  /* just below */
	assert_int_equal(look(ix, -87.375, 41.5, 0, m), 1);		    /* bottom edge */
	assert_int_equal(look(ix, -87.375, nextafter(41.5, 0.0), 0, m), 0);
	assert_int_equal(look(ix, -87.25, top, 0, m), 1);
	assert_int_equal(look(ix, -87.5, 41.5, 0, m), 1);
	assert_int_equal(look(ix, nextafter(-87.5, -180.0), 41.5, 0, m), 0);
	hv_index_free(ix);
}

static void test_index_point_on_bbox_edge(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	double xy[6] = {X0, Y0, X1, Y0, X1, Y1};
	struct hv_index *ix;

	(void)state;
	add_ring(b, 4, xy, 3);
	ix = hv_index_build(b);
	/* The box's corner (X0, Y1) is not in the triangle; its other corners are vertices. */
	assert_int_equal(look(ix, X0, Y1, 0, m), 0);
	assert_int_equal(look(ix, X1, Y1, 0, m), 1);
	assert_int_equal(look(ix, X1, Y0, 0, m), 1);
	/* On the box's right and top edges, at the grid's last cell and sub-cell. */
	assert_int_equal(look(ix, X1, 41.8, 0, m), 1);
	assert_int_equal(look(ix, -87.6, Y1, 0, m), 0);
	assert_int_equal(look(ix, nextafter(X1, 0.0), Y1, 0, m), 0);
	hv_index_free(ix);
}

static void test_index_degenerate_rings(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	/* A spike: three collinear vertices, no area. */
	double spike[6] = {X0, Y0, X1, Y1, -87.5625, 41.8125};
	/* A square with a repeated vertex. */
	double repeated[10] = {-87.25, Y0, -87.125, Y0, -87.125, Y0, -87.125, Y1, -87.25, Y1};
	/* A ring that is one point four times. */
	double dot[6] = {-87.0, 41.0, -87.0, 41.0, -87.0, 41.0};
	struct hv_index *ix;

	(void)state;
	add_ring(b, 1, spike, 3);
	add_ring(b, 2, repeated, 5);
	add_ring(b, 3, dot, 3);
	ix = hv_index_build(b);
	assert_int_equal(look(ix, -87.59375, 41.78125, 0, m), 1); /* on the spike */
	assert_int_equal(m[0].ref, 1);
	assert_true(m[0].area_m2 == 0.0);
	assert_int_equal(look(ix, -87.59375, 41.78, 0, m), 0);
	assert_int_equal(look(ix, -87.1875, 41.8125, 0, m), 1);
	assert_int_equal(m[0].ref, 2);
	assert_int_equal(look(ix, -87.125, 41.8, 0, m), 1);
	assert_int_equal(look(ix, -87.0, 41.0, 0, m), 1);
	assert_int_equal(m[0].ref, 3);
	assert_int_equal(look(ix, -87.0, nextafter(41.0, 90.0), 0, m), 0);
	hv_index_free(ix);
}

static void test_index_near_distance_by_hand(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct hv_index *ix;

	(void)state;
	add_rect(b, 9, X0, Y0, X1, Y1);
	ix = hv_index_build(b);
	/* 1e-4 deg north of the top edge: 1e-4 deg x the meridional radius at 41.8751 deg
	 * (6,363,987 m) x pi / 180 = 11.10709 m. */
	assert_int_equal(look(ix, -87.5625, 41.8751, 25, m), 1);
	assert_int_equal(m[0].ref, 9);
	assert_int_equal(m[0].relation, HV_INDEX_NEAR);
	assert_true(fabs(m[0].distance_m - 11.107086) < 1e-4);
	assert_true(m[0].area_m2 > 0.0);
	/* 1e-4 deg east of the right edge at 41.8125 deg: x N cos(lat) = 8.30935 m. */
	assert_int_equal(look(ix, -87.4999, 41.8125, 25, m), 1);
	assert_true(fabs(m[0].distance_m - 8.309354) < 1e-4);
	/* Off the corner by 1e-4 deg in both: the hypotenuse, 13.86644 m. */
	assert_int_equal(look(ix, -87.4999, 41.8751, 25, m), 1);
	assert_true(fabs(m[0].distance_m - 13.866443) < 1e-4);
	/* The radius bounds it, inclusive. */
	assert_int_equal(look(ix, -87.4999, 41.8751, 13.8, m), 0);
	assert_int_equal(look(ix, -87.4999, 41.8751, 13.9, m), 1);
	assert_int_equal(look(ix, -87.4999, 41.8751, 0, m), 0);
	assert_int_equal(look(ix, -87.4999, 41.8751, NAN, m), 0);
	assert_int_equal(look(ix, -87.4999, 41.8751, -5, m), 0);
	/* Far off (10 km) and a radius reaching it: the ring search, not the small window. */
	assert_int_equal(look(ix, -87.5625, 41.965, 1000, m), 0);
	assert_int_equal(look(ix, -87.5625, 41.965, 20000, m), 1);
	assert_true(fabs(m[0].distance_m - 0.09 * 6363987.0 * 3.14159265358979 / 180) < 20.0);
	hv_index_free(ix);
}

static void test_index_point_properties_only_near(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct wkb w = {.len = 0};
	struct hv_index *ix;
	double kx, ky;

	(void)state;
	hv_index_builder_add_point(b, 7, -87.55, 41.8);
	put_head(&w, 4);
	put_u32(&w, 2);
	put_head(&w, 1);
	put_xy(&w, -87.7, 41.9);
	put_head(&w, 1);
	put_xy(&w, -87.71, 41.91);
	add_ok(b, 8, &w);
	add_rect(b, 20, -87.4, 41.7, -87.3, 41.8);
	hv_index_builder_add_point(b, 21, -87.35, 41.75); /* inside the polygon */
	hv_index_builder_add_point(b, 22, NAN, 41.75);	  /* ignored */
	hv_index_builder_add_point(b, 23, -87.35, 95.0);  /* ignored */
	ix = hv_index_build(b);
	assert_int_equal(hv_index_n_points(ix), 4);
	assert_int_equal(look(ix, -87.55, 41.8, 0, m), 0);
	assert_int_equal(look(ix, -87.55, 41.8, 25, m), 1);
	assert_int_equal(m[0].ref, 7);
	assert_int_equal(m[0].relation, HV_INDEX_NEAR);
	assert_true(m[0].distance_m == 0.0 && m[0].area_m2 == 0.0);
	/* 1e-4 deg east of the MultiPoint's second point. */
	wgs84_scale(41.91, &kx, &ky);
	assert_int_equal(look(ix, -87.7099, 41.91, 25, m), 1);
	assert_int_equal(m[0].ref, 8);
	assert_true(fabs(m[0].distance_m - 1e-4 * kx) < 1e-4);
	/* A point property inside a polygon: the polygon answers, INSIDE, and nothing else. */
	assert_int_equal(look(ix, -87.35, 41.75, 25, m), 1);
	assert_int_equal(m[0].ref, 20);
	assert_int_equal(m[0].relation, HV_INDEX_INSIDE);
	hv_index_free(ix);
}

static void test_index_empty_index(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct hv_index_batch batch;
	double lon[3] = {-87.6, 0, NAN}, lat[3] = {41.8, 0, 1};
	unsigned char junk[3] = {1, 2, 3};
	struct hv_index *ix;

	(void)state;
	assert_int_equal(hv_index_builder_add_wkb(b, 1, junk, sizeof(junk), NULL), HV_EINVAL);
	ix = hv_index_build(b);
	assert_int_equal(hv_index_n_polygons(ix), 0);
	assert_int_equal(hv_index_n_points(ix), 0);
	assert_int_equal(hv_index_n_vertices(ix), 0);
	assert_true(hv_index_memory(ix) > 0);
	assert_int_equal(look(ix, -87.6, 41.8, 1e6, m), 0);
	hv_index_lookup_batch(ix, lon, lat, 3, 25, 2, &batch);
	assert_int_equal(batch.n_points, 3);
	assert_int_equal(batch.n_matches, 0);
	for (int i = 0; i <= 3; i++)
		assert_int_equal(batch.offsets[i], 0);
	hv_index_batch_release(&batch);
	hv_index_batch_release(&batch); /* released twice: harmless */
	hv_index_free(ix);
	hv_index_free(NULL);
	hv_index_builder_free(NULL);
	assert_int_equal(hv_index_lookup(NULL, -87.6, 41.8, 25, m, MATCH_CAP), 0);
	assert_int_equal(hv_index_memory(NULL), 0);
}

static void test_index_nan_and_out_of_range_input(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	double lon[5] = {NAN, -87.5625, INFINITY, -87.5625, 400.0};
	double lat[5] = {41.8, NAN, 41.8, 41.8125, 41.8};
	struct hv_index_batch batch;
	struct hv_index *ix;

	(void)state;
	add_rect(b, 1, X0, Y0, X1, Y1);
	ix = hv_index_build(b);
	assert_int_equal(look(ix, NAN, 41.8, 1e9, m), 0);
	assert_int_equal(look(ix, -87.6, NAN, 1e9, m), 0);
	assert_int_equal(look(ix, -INFINITY, 41.8, 1e9, m), 0);
	assert_int_equal(look(ix, 1e300, 1e300, 1e9, m), 0);
	assert_int_equal(look(ix, -87.6, -91.0, 1e9, m), 0);
	/* A radius of infinity still finds the one polygon. */
	assert_int_equal(look(ix, 10.0, 10.0, INFINITY, m), 1);
	hv_index_lookup_batch(ix, lon, lat, 5, 25, 0, &batch);
	assert_int_equal(batch.n_matches, 1);
	assert_int_equal(batch.offsets[3], 0);
	assert_int_equal(batch.offsets[4], 1);
	assert_int_equal(batch.offsets[5], 1);
	assert_int_equal(batch.matches[0].ref, 1);
	hv_index_batch_release(&batch);
	hv_index_free(ix);
}

static void test_index_order_and_cap(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	struct hv_index *ix;

	(void)state;
	add_rect(b, 30, -87.75, 41.625, -87.25, 42.0);
	add_rect(b, 31, X0, Y0, X1, Y1);
	add_rect(b, 32, -87.6875, 41.6875, -87.4375, 41.9375);
	ix = hv_index_build(b);
	assert_int_equal(look(ix, -87.5625, 41.8125, 0, m), 3);
	assert_int_equal(m[0].ref, 31);
	assert_int_equal(m[1].ref, 32);
	assert_int_equal(m[2].ref, 30);
	memset(m, 0, sizeof(m));
	assert_int_equal(hv_index_lookup(ix, -87.5625, 41.8125, 0, m, 1), 3);
	assert_int_equal(m[0].ref, 31);
	assert_int_equal(m[1].ref, 0); /* beyond cap: untouched */
	assert_int_equal(hv_index_lookup(ix, -87.5625, 41.8125, 0, NULL, 0), 3);
	hv_index_free(ix);
}

/* A point in 40 nested squares: more matches than a batch lookup first makes room for. */
static void test_index_batch_many_matches_and_none(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	double lon[3] = {-87.5625, -87.0, -87.5625}, lat[3] = {41.8125, 41.0, 41.8125};
	struct hv_index_batch batch;
	struct hv_index *ix;

	(void)state;
	for (int i = 0; i < 40; i++)
		add_rect(b, i, -87.5625 - 0.001 * (i + 1), 41.8125 - 0.001 * (i + 1),
			 -87.5625 + 0.001 * (i + 1), 41.8125 + 0.001 * (i + 1));
	ix = hv_index_build(b);
	assert_int_equal(look(ix, lon[0], lat[0], 0, m), 40);
	hv_index_lookup_batch(ix, lon, lat, 3, 25, 1, &batch);
	assert_int_equal(batch.n_matches, 80);
	assert_int_equal(batch.offsets[1], 40);
	assert_int_equal(batch.offsets[2], 40);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(batch.matches[i].ref, i); /* smallest first */
		assert_int_equal(batch.matches[40 + i].ref, i);
	}
	hv_index_batch_release(&batch);
	hv_index_lookup_batch(ix, lon, lat, 0, 25, 0, &batch);
	assert_int_equal(batch.n_points, 0);
	assert_int_equal(batch.n_matches, 0);
	assert_int_equal(batch.offsets[0], 0);
	hv_index_batch_release(&batch);
	hv_index_free(ix);
}

/* ---- WKB decoding ---- */

static void expect_error(struct hv_index_builder *b, const struct wkb *w, const char *text)
{
	struct hv_err err = {0};

	assert_int_equal(hv_index_builder_add_wkb(b, 42, w->b, w->len, &err), HV_EINVAL);
	assert_int_equal(err.code, HV_EINVAL);
	if (strncmp(err.msg, "property 42: ", 13) != 0 || !strstr(err.msg, text))
		fail_msg("expected \"%s\" in \"%s\"", text, err.msg);
}

static void test_index_wkb_errors(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct wkb good = {.len = 0}, w;
	struct hv_err err = {0};
	struct hv_index *ix;
	double xy[6] = {X0, Y0, X1, Y0, X1, Y1};

	(void)state;
	put_rect_polygon(&good, 3, X0, Y0, X1, Y1);
	/* Every proper prefix is truncated. */
	for (size_t n = 0; n < good.len; n++) {
		w = good;
		w.len = n;
		expect_error(b, &w, "WKB truncated");
	}
	w = good;
	w.len = 17;
	assert_int_equal(hv_index_builder_add_wkb(b, 42, w.b, w.len, &err), HV_EINVAL);
	assert_string_equal(err.msg,
			    "property 42: WKB truncated: 5 points declared at byte 9 need at "
			    "least 80 bytes, 4 left");
	w = good;
	w.len = 8;
	assert_int_equal(hv_index_builder_add_wkb(b, 42, w.b, w.len, &err), HV_EINVAL);
	assert_string_equal(err.msg, "property 42: WKB truncated at byte 8 (1 more bytes needed)");
	w = good;
	w.b[0] = 2;
	expect_error(b, &w, "byte order 2 at byte 0");
	w = good;
	w.b[w.len++] = 0;
	expect_error(b, &w, "1 bytes after the geometry at byte 93");
	w = (struct wkb){.len = 0};
	put_head(&w, 2); /* LineString */
	put_u32(&w, 0);
	expect_error(b, &w, "type 2 is not a Point, Polygon, MultiPoint or MultiPolygon");
	w = (struct wkb){.len = 0};
	put_head(&w, 7);
	put_u32(&w, 0);
	expect_error(b, &w, "type 7 is not");
	w = (struct wkb){.len = 0};
	put_head(&w, 17);
	expect_error(b, &w, "is not a geometry type");
	w = (struct wkb){.len = 0};
	put_head(&w, 4003);
	expect_error(b, &w, "is not a geometry type");
	w = (struct wkb){.len = 0};
	put_head(&w, 3);
	put_u32(&w, 1);
	put_u32(&w, 3);
	put_xy(&w, X0, Y0);
	put_xy(&w, X1, Y0);
	put_xy(&w, X0, Y0);
	expect_error(b, &w, "ring 1 at byte 9 has 3 points (at least 4)");
	w = (struct wkb){.len = 0};
	put_head(&w, 3);
	put_u32(&w, 1);
	put_u32(&w, 4);
	put_xy(&w, X0, Y0);
	put_xy(&w, X1, Y0);
	put_xy(&w, X1, Y1);
	put_xy(&w, X0, Y1);
	expect_error(b, &w, "ring 1 at byte 9 is not closed");
	w = (struct wkb){.len = 0};
	put_head(&w, 6);
	put_u32(&w, 2);
	put_rect_polygon(&w, 3, X0, Y0, X1, Y1);
	put_head(&w, 3);
	put_u32(&w, 1);
	put_u32(&w, 3);
	put_xy(&w, X0, Y0);
	put_xy(&w, X1, Y0);
	put_xy(&w, X0, Y0);
	expect_error(b, &w, "polygon 2 ring 1 at byte 111 has 3 points");
	w = (struct wkb){.len = 0};
	put_head(&w, 6);
	put_u32(&w, 1);
	put_head(&w, 1);
	put_xy(&w, X0, Y0);
	expect_error(b, &w, "type 1 at byte 10 where a Polygon expected");
	xy[3] = NAN;
	w = (struct wkb){.len = 0};
	put_head(&w, 3);
	put_u32(&w, 1);
	put_ring(&w, xy, 3);
	expect_error(b, &w, "non-finite coordinate at byte 29");
	xy[3] = Y0;
	xy[2] = 180.5;
	w = (struct wkb){.len = 0};
	put_head(&w, 3);
	put_u32(&w, 1);
	put_ring(&w, xy, 3);
	expect_error(b, &w, "coordinate (180.5, 41.75) at byte 29 is outside WGS 84");
	w = (struct wkb){.len = 0};
	put_head(&w, 0x20000003u);
	put_u32(&w, 3435);
	expect_error(b, &w, "SRID 3435 is not WGS 84 (4326)");
	/* Counts the bytes cannot hold are refused before anything is allocated. */
	w = (struct wkb){.len = 0};
	put_head(&w, 3);
	put_u32(&w, 0xffffffffu);
	expect_error(b, &w, "4294967295 rings declared");
	w = (struct wkb){.len = 0};
	put_head(&w, 6);
	put_u32(&w, 0xffffffffu);
	expect_error(b, &w, "4294967295 polygons declared");
	w = (struct wkb){.len = 0};
	put_head(&w, 3);
	put_u32(&w, 1);
	put_u32(&w, 0x10000000u);
	expect_error(b, &w, "268435456 points declared");
	/* A NULL pointer is an empty input. */
	assert_int_equal(hv_index_builder_add_wkb(b, 42, NULL, 0, &err), HV_EINVAL);
	/* After all that, nothing was added; a good geometry still is. */
	add_ok(b, 43, &good);
	ix = hv_index_build(b);
	assert_int_equal(hv_index_n_polygons(ix), 1);
	assert_int_equal(hv_index_n_vertices(ix), 5);
	assert_int_equal(hv_index_n_points(ix), 0);
	hv_index_free(ix);
}

static void test_index_wkb_variants_agree(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	struct hv_index_match m[MATCH_CAP];
	/* type word, EWKB SRID or -1, big-endian, extra doubles per vertex */
	static const struct {
		uint32_t type;
		int64_t srid;
		bool big;
		unsigned extra;
	} v[] = {
		{3, -1, false, 0},
		{3, -1, true, 0},
		{0x20000003u, 4326, false, 0},
		{0x20000003u, 0, true, 0},
		{1003, -1, false, 1},
		{2003, -1, true, 1},
		{3003, -1, false, 2},
		{0x80000003u, -1, true, 1},
		{0x40000003u, -1, false, 1},
		{0xe0000003u, 4326, true, 2},
	};
	size_t nv = sizeof(v) / sizeof(v[0]);
	struct wkb w;
	struct hv_index *ix;

	(void)state;
	for (size_t i = 0; i < nv; i++) {
		double xy[8];

		w = (struct wkb){.big = v[i].big, .extra = v[i].extra};
		rect_xy(xy, X0, Y0, X1, Y1);
		put_head(&w, v[i].type);
		if (v[i].srid >= 0)
			put_u32(&w, (uint32_t)v[i].srid);
		put_u32(&w, 1);
		put_ring(&w, xy, 4);
		add_ok(b, (int64_t)i, &w);
	}
	/* The same square as a big-endian MultiPolygon with Z, and empty geometries. */
	w = (struct wkb){.big = true, .extra = 1};
	put_head(&w, 1006);
	put_u32(&w, 1);
	put_rect_polygon(&w, 1003, X0, Y0, X1, Y1);
	add_ok(b, (int64_t)nv, &w);
	w = (struct wkb){.len = 0};
	put_head(&w, 3);
	put_u32(&w, 0); /* POLYGON EMPTY */
	add_ok(b, 100, &w);
	w = (struct wkb){.len = 0};
	put_head(&w, 1);
	put_xy(&w, NAN, NAN); /* POINT EMPTY */
	add_ok(b, 101, &w);
	w = (struct wkb){.extra = 1};
	put_head(&w, 1001); /* POINT Z */
	put_xy(&w, -87.0, 41.0);
	add_ok(b, 102, &w);
	ix = hv_index_build(b);
	assert_int_equal(hv_index_n_polygons(ix), nv + 1);
	assert_int_equal(hv_index_n_points(ix), 1);
	assert_int_equal(n_inside(m, look(ix, -87.5625, 41.8125, 0, m)), nv + 1);
	for (size_t i = 0; i <= nv; i++)
		assert_int_equal(m[i].ref, (int64_t)i); /* equal areas: ref order */
	assert_int_equal(look(ix, X1, Y1, 0, m), nv + 1);
	assert_int_equal(look(ix, -87.4, 41.8125, 0, m), 0);
	assert_int_equal(look(ix, -87.0, 41.0, 1, m), 1);
	assert_int_equal(m[0].ref, 102);
	hv_index_free(ix);
}

/* ---- GEOS as the oracle ---- */

struct oracle {
	GEOSContextHandle_t ctx;
	GEOSGeometry **geoms;
	const GEOSPreparedGeometry **prep;
	GEOSSTRtree *tree;
	size_t n;
};

struct hits {
	const struct oracle *o;
	GEOSGeometry *pt;
	int64_t *refs;
	size_t n;
};

static void oracle_candidate(void *item, void *userdata)
{
	struct hits *h = userdata;
	size_t i = (size_t)(uintptr_t)item;

	if (GEOSPreparedCovers_r(h->o->ctx, h->o->prep[i], h->pt) == 1) {
		assert_true(h->n < MATCH_CAP);
		h->refs[h->n++] = (int64_t)i;
	}
}

static int cmp_ref(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The refs of every geometry covering (x, y), sorted. */
static size_t oracle_covers(const struct oracle *o, double x, double y, int64_t *refs)
{
	struct hits h = {.o = o, .refs = refs};

	h.pt = GEOSGeom_createPointFromXY_r(o->ctx, x, y);
	GEOSSTRtree_query_r(o->ctx, o->tree, h.pt, oracle_candidate, &h);
	GEOSGeom_destroy_r(o->ctx, h.pt);
	qsort(refs, h.n, sizeof(*refs), cmp_ref);
	return h.n;
}

/* The city data: every polygon of both files, ref = position, in the index and in GEOS; their
 * rings as flat arrays for the brute-force near search. */
struct city {
	struct oracle o;
	struct hv_index *ix;
	double *px, *py; /* the test points */
	size_t n_pts, cap_pts;
	double box[2][4]; /* each file's minx, miny, maxx, maxy */
	size_t *ring0;	  /* geometry g's rings: ring0[g] .. ring0[g + 1] */
	size_t *v0;	  /* ring r's vertices (closing one included): v0[r] .. v0[r + 1] */
	double *vxy;
	bool *shell; /* ring r starts a polygon part */
	size_t n_rings, n_v;
	size_t n_lots; /* geometries [0, n_lots) are the Englewood lots */
};

static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	assert_non_null(p);
	return p;
}

static struct city *city;

static void add_test_point(struct city *c, double x, double y)
{
	if (c->n_pts == c->cap_pts) {
		c->cap_pts = c->cap_pts ? 2 * c->cap_pts : 1 << 20;
		c->px = grow(c->px, c->cap_pts, sizeof(double));
		c->py = grow(c->py, c->cap_pts, sizeof(double));
	}
	c->px[c->n_pts] = x;
	c->py[c->n_pts++] = y;
}

static void load_file(struct city *c, struct hv_index_builder *b, const char *name, int k)
{
	char path[1024];
	const char *root = getenv("HAVEN_SHARED_DATA");
	struct hv_geo_import_opts opts = {.path = path};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err = {0};
	GEOSWKBReader *rd = GEOSWKBReader_create_r(c->o.ctx);
	int rc;

	snprintf(path, sizeof(path), "%s/chicago/%s", root ? root : "../shared/data", name);
	if (hv_geo_reader_open(&opts, &r, &err) != HV_OK)
		fail_msg("%s", err.msg);
	c->box[k][0] = c->box[k][1] = INFINITY;
	c->box[k][2] = c->box[k][3] = -INFINITY;
	while ((rc = hv_geo_reader_next(r, &f, &err)) != 0) {
		GEOSGeometry *g;
		size_t i = c->o.n;

		assert_true(rc > 0);
		if (!f.wkb)
			continue;
		g = GEOSWKBReader_read_r(c->o.ctx, rd, f.wkb, f.wkb_len);
		assert_non_null(g);
		c->o.geoms = grow(c->o.geoms, i + 1, sizeof(*c->o.geoms));
		c->o.prep = grow(c->o.prep, i + 1, sizeof(*c->o.prep));
		c->o.geoms[i] = g;
		c->o.prep[i] = GEOSPrepare_r(c->o.ctx, g);
		GEOSSTRtree_insert_r(c->o.ctx, c->o.tree, g, (void *)(uintptr_t)i);
		if (hv_index_builder_add_wkb(b, (int64_t)i, f.wkb, f.wkb_len, &err) != HV_OK)
			fail_msg("%s", err.msg);
		c->box[k][0] = fmin(c->box[k][0], f.minx);
		c->box[k][1] = fmin(c->box[k][1], f.miny);
		c->box[k][2] = fmax(c->box[k][2], f.maxx);
		c->box[k][3] = fmax(c->box[k][3], f.maxy);
		c->o.n++;
	}
	hv_geo_reader_free(r);
	GEOSWKBReader_destroy_r(c->o.ctx, rd);
}

/* Test points from one ring: its vertices, one unit in the last place off each, edge midpoints
 * and random points along each edge (rarely exactly on it: the exact predicate's cases). */
static void ring_points(struct city *c, const GEOSGeometry *ring, bool shell)
{
	const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(c->o.ctx, ring);
	unsigned n = 0;
	double ax, ay, bx, by;

	GEOSCoordSeq_getSize_r(c->o.ctx, seq, &n);
	c->vxy = grow(c->vxy, 2 * (c->n_v + n), sizeof(double));
	for (unsigned i = 0; i < n; i++) {
		GEOSCoordSeq_getXY_r(c->o.ctx, seq, i, &c->vxy[2 * c->n_v],
				     &c->vxy[2 * c->n_v + 1]);
		c->n_v++;
	}
	c->v0 = grow(c->v0, c->n_rings + 2, sizeof(size_t));
	c->shell = grow(c->shell, c->n_rings + 1, sizeof(bool));
	c->shell[c->n_rings] = shell;
	c->v0[++c->n_rings] = c->n_v;
	for (unsigned i = 0; i + 1 < n; i++) {
		GEOSCoordSeq_getXY_r(c->o.ctx, seq, i, &ax, &ay);
		GEOSCoordSeq_getXY_r(c->o.ctx, seq, i + 1, &bx, &by);
		add_test_point(c, ax, ay);
		add_test_point(c, nextafter(ax, 0.0), ay);
		add_test_point(c, ax, nextafter(ay, 90.0));
		add_test_point(c, (ax + bx) / 2, (ay + by) / 2);
		for (int k = 0; k < 2; k++) {
			double t = rnd();

			add_test_point(c, ax + t * (bx - ax), ay + t * (by - ay));
		}
	}
}

static void geometry_points(struct city *c, const GEOSGeometry *g)
{
	int parts = GEOSGetNumGeometries_r(c->o.ctx, g);

	for (int p = 0; p < parts; p++) {
		const GEOSGeometry *poly = GEOSGetGeometryN_r(c->o.ctx, g, p);
		int holes = GEOSGetNumInteriorRings_r(c->o.ctx, poly);

		ring_points(c, GEOSGetExteriorRing_r(c->o.ctx, poly), true);
		for (int h = 0; h < holes; h++)
			ring_points(c, GEOSGetInteriorRingN_r(c->o.ctx, poly, h), false);
	}
}

static int city_setup(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();

	(void)state;
	hv_geo_init();
	city = calloc(1, sizeof(*city));
	if (!city)
		return -1;
	city->o.ctx = GEOS_init_r();
	city->o.tree = GEOSSTRtree_create_r(city->o.ctx, 10);
	load_file(city, b, "city_owned_lots_englewood.geojson", 0);
	city->n_lots = city->o.n;
	load_file(city, b, "parks_large_65.geojson", 1);
	city->ix = hv_index_build(b);
	rng_state = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < ORACLE_RANDOM; i++) {
		const double *bx = city->box[i % 2];

		add_test_point(city, bx[0] + rnd() * (bx[2] - bx[0]),
			       bx[1] + rnd() * (bx[3] - bx[1]));
	}
	city->ring0 = grow(NULL, city->o.n + 1, sizeof(size_t));
	city->v0 = grow(NULL, 1, sizeof(size_t));
	city->v0[0] = 0;
	for (size_t i = 0; i < city->o.n; i++) {
		city->ring0[i] = city->n_rings;
		geometry_points(city, city->o.geoms[i]);
	}
	city->ring0[city->o.n] = city->n_rings;
	return 0;
}

static int city_teardown(void **state)
{
	(void)state;
	if (!city)
		return 0;
	for (size_t i = 0; i < city->o.n; i++) {
		GEOSPreparedGeom_destroy_r(city->o.ctx, city->o.prep[i]);
		GEOSGeom_destroy_r(city->o.ctx, city->o.geoms[i]);
	}
	GEOSSTRtree_destroy_r(city->o.ctx, city->o.tree);
	GEOS_finish_r(city->o.ctx);
	free(city->o.geoms);
	free(city->o.prep);
	free(city->px);
	free(city->py);
	free(city->ring0);
	free(city->v0);
	free(city->vxy);
	free(city->shell);
	hv_index_free(city->ix);
	free(city);
	city = NULL;
	return 0;
}

static void test_index_equals_geos_covers(void **state)
{
	struct hv_index_match m[MATCH_CAP];
	int64_t want[MATCH_CAP], got[MATCH_CAP];
	size_t n_inside_points = 0, n_boundary = 0;

	(void)state;
	assert_int_equal(hv_index_n_polygons(city->ix), city->o.n);
	for (size_t i = 0; i < city->n_pts; i++) {
		double x = city->px[i], y = city->py[i];
		size_t nw = oracle_covers(&city->o, x, y, want);
		size_t ng = n_inside(m, look(city->ix, x, y, 0, m));

		for (size_t k = 0; k < ng; k++)
			got[k] = m[k].ref;
		qsort(got, ng, sizeof(*got), cmp_ref);
		if (ng != nw || memcmp(got, want, ng * sizeof(*got)) != 0)
			fail_msg("point %zu (%.17g, %.17g): haven has %zu matches (first %lld), "
				 "GEOS "
				 "%zu (first %lld)",
				 i, x, y, ng, ng ? (long long)got[0] : -1LL, nw,
				 nw ? (long long)want[0] : -1LL);
		n_inside_points += nw > 0;
		n_boundary += nw > 1;
	}
	/* The test means something: many points are inside, some on shared boundaries. */
	assert_true(n_inside_points > city->n_pts / 10);
	assert_true(n_boundary > 100);
	print_message("%zu points agree with GEOS covers (%zu inside, %zu in two or more)\n",
		      city->n_pts, n_inside_points, n_boundary);
}

static bool same_match(const struct hv_index_match *a, const struct hv_index_match *b)
{
	return a->ref == b->ref && a->relation == b->relation && a->distance_m == b->distance_m &&
	       a->area_m2 == b->area_m2;
}

static void test_index_batch_equals_single(void **state)
{
	struct hv_index_match m[MATCH_CAP];
	struct hv_index_batch batch;
	int threads[2] = {2, 0};

	(void)state;
	for (int t = 0; t < 2; t++) {
		size_t n_near = 0;

		hv_index_lookup_batch(city->ix, city->px, city->py, city->n_pts, 25, threads[t],
				      &batch);
		assert_int_equal(batch.n_points, city->n_pts);
		assert_int_equal(batch.offsets[city->n_pts], batch.n_matches);
		for (size_t i = 0; i < city->n_pts; i++) {
			size_t n = look(city->ix, city->px[i], city->py[i], 25, m);

			assert_int_equal(batch.offsets[i + 1] - batch.offsets[i], n);
			for (size_t k = 0; k < n; k++)
				assert_true(
					same_match(&batch.matches[batch.offsets[i] + k], &m[k]));
			n_near += n == 1 && m[0].relation == HV_INDEX_NEAR;
		}
		assert_true(n_near > city->n_pts / 20);
		hv_index_batch_release(&batch);
	}
}

/* Distance to a polygon's boundary by brute force, with the documented projection. */
static double brute_distance(const struct city *c, size_t g, double x, double y)
{
	double best = INFINITY, kx, ky;

	wgs84_scale(y, &kx, &ky);
	for (size_t r = c->ring0[g]; r < c->ring0[g + 1]; r++) {
		for (size_t i = c->v0[r]; i + 1 < c->v0[r + 1]; i++) {
			double ax = (c->vxy[2 * i] - x) * kx, ay = (c->vxy[2 * i + 1] - y) * ky;
			double bx = (c->vxy[2 * i + 2] - x) * kx, by = (c->vxy[2 * i + 3] - y) * ky;
			double ex = bx - ax, ey = by - ay, l2 = ex * ex + ey * ey, t = 0.0, dx, dy;

			if (l2 > 0)
				t = fmin(fmax(-(ax * ex + ay * ey) / l2, 0.0), 1.0);
			dx = ax + t * ex;
			dy = ay + t * ey;
			best = fmin(best, sqrt(dx * dx + dy * dy));
		}
	}
	return best;
}

static void test_index_near_equals_brute_force(void **state)
{
	static const double radii[] = {5.0, 25.0, 300.0, 3000.0};
	struct hv_index_match m[MATCH_CAP];
	int64_t want[MATCH_CAP];
	size_t n_near = 0;

	(void)state;
	for (size_t i = 0; i < 2000; i++) {
		double x = city->px[i], y = city->py[i], r = radii[i % 4];
		size_t best_g = SIZE_MAX, n;
		double best = INFINITY;

		if (oracle_covers(&city->o, x, y, want) > 0)
			continue;
		for (size_t g = 0; g < city->o.n; g++) {
			double d = brute_distance(city, g, x, y);

			if (d < best) {
				best = d;
				best_g = g;
			}
		}
		n = look(city->ix, x, y, r, m);
		if (best > r + 1e-6) {
			assert_int_equal(n, 0);
			continue;
		}
		if (best < r - 1e-6) {
			assert_int_equal(n, 1);
			assert_int_equal(m[0].relation, HV_INDEX_NEAR);
			if (fabs(m[0].distance_m - best) > 1e-6)
				fail_msg(
					"point %zu: near %lld at %.9f m, brute force %zu at %.9f m",
					i, (long long)m[0].ref, m[0].distance_m, best_g, best);
			/* A tie between two polygons may pick either; the distance is what counts.
			 */
			n_near++;
		}
	}
	assert_true(n_near > 100);
}

/* Several threads looking up the same points concurrently get the single-thread answers. */
struct reader {
	const struct hv_index *ix;
	const struct hv_index_batch *want;
	size_t n;
	bool ok;
};

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	struct hv_index_match m[MATCH_CAP];

	r->ok = true;
	for (size_t i = 0; i < r->n; i++) {
		size_t n = hv_index_lookup(r->ix, city->px[i], city->py[i], 25, m, MATCH_CAP);

		r->ok &= n == r->want->offsets[i + 1] - r->want->offsets[i];
		for (size_t k = 0; r->ok && k < n; k++)
			r->ok &= same_match(&m[k], &r->want->matches[r->want->offsets[i] + k]);
	}
	return NULL;
}

static void test_index_concurrent_readers_agree(void **state)
{
	struct hv_index_batch want;
	struct reader rd[4];
	pthread_t tid[4];
	size_t n = city->n_pts < 200000 ? city->n_pts : 200000;

	(void)state;
	hv_index_lookup_batch(city->ix, city->px, city->py, n, 25, 1, &want);
	for (int t = 0; t < 4; t++) {
		rd[t] = (struct reader){.ix = city->ix, .want = &want, .n = n};
		assert_int_equal(pthread_create(&tid[t], NULL, reader_run, &rd[t]), 0);
	}
	for (int t = 0; t < 4; t++) {
		pthread_join(tid[t], NULL);
		assert_true(rd[t].ok);
	}
	hv_index_batch_release(&want);
}

/* Naive floating-point orientation: what an index without exact arithmetic would use. */
static int naive_orient(double ax, double ay, double bx, double by, double cx, double cy)
{
	double det = (ax - cx) * (by - cy) - (ay - cy) * (bx - cx);

	return (det > 0) - (det < 0);
}

/* A naive crossing test of a triangle (covers: boundary included). */
static bool naive_covers(const double *t, double px, double py)
{
	unsigned crossings = 0;

	for (int i = 0; i < 3; i++) {
		double x1 = t[2 * i], y1 = t[2 * i + 1];
		double x2 = t[(2 * i + 2) % 6], y2 = t[(2 * i + 3) % 6];
		int o;

		if ((y1 > py) == (y2 > py))
			continue;
		o = naive_orient(x1, y1, x2, y2, px, py);
		if (o == 0)
			return true;
		crossings += (o > 0) == (y2 > y1);
	}
	return crossings & 1;
}

/* A triangle with an edge across the world, whose coordinate differences round: near that edge
 * a floating-point determinant gets the side wrong, and only exact arithmetic agrees with GEOS
 * (whose orientation is exact there too). */
static void test_index_orientation_is_exact_where_floats_fail(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	GEOSContextHandle_t ctx = GEOS_init_r();
	GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx);
	struct hv_index_match m[MATCH_CAP];
	double t[6] = {-179.12345678901234, -89.01234567890123, 179.98765432109876,
		       88.91827364554637,   12.345678901234567, -88.5};
	struct wkb w = {.len = 0};
	const GEOSPreparedGeometry *prep;
	GEOSGeometry *g;
	struct hv_index *ix;
	size_t n_naive_wrong = 0;

	(void)state;
	put_head(&w, 3);
	put_u32(&w, 1);
	put_ring(&w, t, 3);
	add_ok(b, 1, &w);
	ix = hv_index_build(b);
	g = GEOSWKBReader_read_r(ctx, rd, w.b, w.len);
	prep = GEOSPrepare_r(ctx, g);
	rng_state = 777;
	for (int i = 0; i < 20000; i++) {
		double u = rnd();
		double x = t[0] + u * (t[2] - t[0]), y = t[1] + u * (t[3] - t[1]);

		/* The rounded point and its neighbours one unit in the last place away. */
		for (int k = 0; k < 9; k++) {
			double px = k % 3 == 0 ? x : nextafter(x, k % 3 == 1 ? 180.0 : -180.0);
			double py = k / 3 == 0 ? y : nextafter(y, k / 3 == 1 ? 90.0 : -90.0);
			GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(ctx, px, py);
			bool want = GEOSPreparedCovers_r(ctx, prep, pt) == 1;
			bool got = look(ix, px, py, 0, m) == 1;

			GEOSGeom_destroy_r(ctx, pt);
			if (got != want)
				fail_msg("(%.17g, %.17g): haven %d, GEOS %d", px, py, got, want);
			n_naive_wrong += naive_covers(t, px, py) != want;
		}
	}
	/* The case is hard: plain doubles would have answered wrongly many times. */
	print_message("naive floating point wrong on %zu of 180000 points\n", n_naive_wrong);
	assert_true(n_naive_wrong > 100);
	GEOSPreparedGeom_destroy_r(ctx, prep);
	GEOSGeom_destroy_r(ctx, g);
	GEOSWKBReader_destroy_r(ctx, rd);
	GEOS_finish_r(ctx);
	hv_index_free(ix);
}

/* A synthetic city: many small lots around a large polygon of 3,000 vertices with a hole of 600,
 * so the grid is fine, the large polygon is banded and has whole cells inside it. */
static void test_index_large_polygon_equals_geos(void **state)
{
	struct hv_index_builder *b = hv_index_builder_new();
	GEOSContextHandle_t ctx = GEOS_init_r();
	GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx);
	struct hv_index_match m[MATCH_CAP];
	struct wkb *w = calloc(1, sizeof(*w));
	double *shell = malloc(2 * 3000 * sizeof(double)), *hole = malloc(2 * 600 * sizeof(double));
	const double cx = -87.6, cy = 41.8, pi = 3.14159265358979323846;
	GEOSGeometry *big;
	const GEOSPreparedGeometry *prep;
	struct hv_index *ix;
	size_t n_in = 0;

	(void)state;
	assert_non_null(w);
	for (int i = 0; i < 3000; i++) {
		/* A wavy circle, so horizontal lines cross it many times near the top. */
		double a = 2 * pi * i / 3000, r = 0.02 * (1 + 0.1 * sin(17 * a));

		shell[2 * i] = cx + r * cos(a) * 1.3;
		shell[2 * i + 1] = cy + r * sin(a);
	}
	for (int i = 0; i < 600; i++) {
		double a = -2 * pi * i / 600;

		hole[2 * i] = cx + 0.005 * cos(a);
		hole[2 * i + 1] = cy + 0.005 * sin(a);
	}
	put_head(w, 3);
	put_u32(w, 2);
	put_ring(w, shell, 3000);
	put_ring(w, hole, 600);
	add_ok(b, 1000000, w);
	big = GEOSWKBReader_read_r(ctx, rd, w->b, w->len);
	prep = GEOSPrepare_r(ctx, big);
	for (int i = 0; i < 100; i++)
		for (int j = 0; j < 100; j++)
			add_rect(b, i * 100 + j, -87.7 + i * 0.002, 41.7 + j * 0.002,
				 -87.7 + i * 0.002 + 0.001, 41.7 + j * 0.002 + 0.001);
	ix = hv_index_build(b);
	rng_state = 12345;
	for (int i = 0; i < 200000; i++) {
		double x, y;
		GEOSGeometry *pt;
		bool want, got = false;
		size_t n;

		if (i % 4 == 0) {
			/* On or next to a shell or hole vertex. */
			const double *v =
				i % 8 ? shell + 2 * (i / 8 % 3000) : hole + 2 * (i / 8 % 600);

			x = i % 16 < 8 ? v[0] : nextafter(v[0], 0.0);
			y = v[1];
		} else {
			x = cx + (rnd() - 0.5) * 0.06;
			y = cy + (rnd() - 0.5) * 0.05;
		}
		pt = GEOSGeom_createPointFromXY_r(ctx, x, y);
		want = GEOSPreparedCovers_r(ctx, prep, pt) == 1;
		GEOSGeom_destroy_r(ctx, pt);
		n = look(ix, x, y, 0, m);
		for (size_t k = 0; k < n; k++)
			got |= m[k].ref == 1000000;
		if (got != want)
			fail_msg("(%.17g, %.17g): haven %d, GEOS %d", x, y, got, want);
		n_in += want;
	}
	assert_true(n_in > 50000);
	GEOSPreparedGeom_destroy_r(ctx, prep);
	GEOSGeom_destroy_r(ctx, big);
	GEOSWKBReader_destroy_r(ctx, rd);
	GEOS_finish_r(ctx);
	hv_index_free(ix);
	free(shell);
	free(hole);
	free(w);
}

/* ---- speed (run with HAVEN_INDEX_BENCH=1; a release build) ---- */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Geometry g of the city translated by (dx, dy), as a MultiPolygon. */
static void put_translated(struct wkb *w, const struct city *c, size_t g, double dx, double dy)
{
	uint32_t parts = 0;

	for (size_t r = c->ring0[g]; r < c->ring0[g + 1]; r++)
		parts += c->shell[r];
	put_head(w, 6);
	put_u32(w, parts);
	for (size_t r = c->ring0[g]; r < c->ring0[g + 1];) {
		size_t end = r + 1;

		while (end < c->ring0[g + 1] && !c->shell[end])
			end++;
		put_head(w, 3);
		put_u32(w, (uint32_t)(end - r));
		for (; r < end; r++) {
			put_u32(w, (uint32_t)(c->v0[r + 1] - c->v0[r]));
			for (size_t i = c->v0[r]; i < c->v0[r + 1]; i++)
				put_xy(w, c->vxy[2 * i] + dx, c->vxy[2 * i + 1] + dy);
		}
	}
}

/* Many WKB geometries back to back: geometry i is bytes[at[i] .. at[i + 1]). */
struct wkb_list {
	unsigned char *bytes;
	size_t len, cap;
	size_t *at;
};

static void append_wkb(struct wkb_list *l, const struct wkb *w, size_t i)
{
	if (l->len + w->len > l->cap) {
		l->cap = 2 * (l->len + w->len);
		l->bytes = grow(l->bytes, l->cap, 1);
	}
	l->at = grow(l->at, i + 2, sizeof(size_t));
	l->at[i] = l->len;
	memcpy(l->bytes + l->len, w->b, w->len);
	l->len += w->len;
	l->at[i + 1] = l->len;
}

/* The benchmark: the Englewood lots tiled with translated copies up to 500,000
 * polygons, plus the 65 large parks; 1,000,000 random points over them all. */
static void test_index_speed(void **state)
{
	const size_t target = 500000, n_pts = 1000000;
	struct hv_index_builder *b;
	struct hv_index_match m[MATCH_CAP];
	struct hv_index *ix;
	struct wkb *w;
	struct wkb_list all = {.len = 0};
	double *lon, *lat, *lb = city->box[0], *pb = city->box[1];
	double width = lb[2] - lb[0], height = lb[3] - lb[1], t0, t1, t2;
	size_t copies = (target + city->n_lots - 1) / city->n_lots, n = 0;
	size_t side = (size_t)ceil(sqrt((double)copies));
	double ux0, uy0, ux1, uy1;

	(void)state;
	if (!getenv("HAVEN_INDEX_BENCH"))
		skip();
	w = malloc(sizeof(*w));
	lon = malloc(n_pts * sizeof(double));
	lat = malloc(n_pts * sizeof(double));
	assert_non_null(w);
	assert_non_null(lon);
	assert_non_null(lat);
	w->big = false;
	w->extra = 0;
	/* All the WKB first, so the timing is the index's alone. */
	for (size_t k = 0; k < copies && n < target; k++) {
		for (size_t g = 0; g < city->n_lots && n < target; g++, n++) {
			w->len = 0;
			put_translated(w, city, g, (double)(k % side) * width,
				       (double)(k / side) * height);
			append_wkb(&all, w, n);
		}
	}
	for (size_t g = city->n_lots; g < city->o.n; g++, n++) {
		w->len = 0;
		put_translated(w, city, g, 0, 0);
		append_wkb(&all, w, n);
	}
	t0 = now_s();
	b = hv_index_builder_new();
	for (size_t i = 0; i < n; i++)
		if (hv_index_builder_add_wkb(b, (int64_t)i, all.bytes + all.at[i],
					     all.at[i + 1] - all.at[i], NULL) != HV_OK)
			fail_msg("geometry %zu refused", i);
	t1 = now_s();
	ix = hv_index_build(b);
	t2 = now_s();
	print_message("polygons %zu, vertices %zu (raw coordinates %.1f MiB)\n",
		      hv_index_n_polygons(ix), hv_index_n_vertices(ix),
		      hv_index_n_vertices(ix) * 16.0 / 1048576);
	print_message("build %.3f s (adding WKB %.3f s), memory %.1f MiB = %.2f x raw\n", t2 - t1,
		      t1 - t0, hv_index_memory(ix) / 1048576.0,
		      (double)hv_index_memory(ix) / (hv_index_n_vertices(ix) * 16.0));
	ux0 = fmin(lb[0], pb[0]);
	uy0 = fmin(lb[1], pb[1]);
	ux1 = fmax(lb[0] + (double)side * width, pb[2]);
	uy1 = fmax(lb[1] + (double)((copies + side - 1) / side) * height, pb[3]);
	rng_state = 42;
	for (size_t i = 0; i < n_pts; i++) {
		lon[i] = ux0 + rnd() * (ux1 - ux0);
		lat[i] = uy0 + rnd() * (uy1 - uy0);
	}
	for (int r = 0; r < 2; r++) {
		double radius = r ? 25.0 : 0.0;
		size_t hits = 0;
		double t = now_s();

		for (size_t i = 0; i < n_pts; i++)
			hits += look(ix, lon[i], lat[i], radius, m) > 0;
		t = now_s() - t;
		print_message(
			"radius %2.0f m: single %.0f ns a lookup (%.2f M/s, %zu with a match)\n",
			radius, t * 1e9 / n_pts, n_pts / t / 1e6, hits);
		for (int threads = 1; threads <= 2; threads++) {
			struct hv_index_batch batch;

			t = now_s();
			hv_index_lookup_batch(ix, lon, lat, n_pts, radius, threads, &batch);
			t = now_s() - t;
			print_message("radius %2.0f m: batch on %d thread%s %.2f M points/s\n",
				      radius, threads, threads > 1 ? "s" : "", n_pts / t / 1e6);
			hv_index_batch_release(&batch);
		}
	}
	hv_index_free(ix);
	free(lon);
	free(lat);
	free(w);
	free(all.bytes);
	free(all.at);
}

int main(void)
{
	const struct CMUnitTest hand[] = {
		cmocka_unit_test(test_index_vertex_and_edge_match),
		cmocka_unit_test(test_index_shared_edge_matches_both),
		cmocka_unit_test(test_index_hole_excludes_interior_not_boundary),
		cmocka_unit_test(test_index_two_holes),
		cmocka_unit_test(test_index_multipolygon_second_part),
		cmocka_unit_test(test_index_sliver_is_exact),
		cmocka_unit_test(test_index_point_on_bbox_edge),
		cmocka_unit_test(test_index_degenerate_rings),
		cmocka_unit_test(test_index_near_distance_by_hand),
		cmocka_unit_test(test_index_point_properties_only_near),
		cmocka_unit_test(test_index_empty_index),
		cmocka_unit_test(test_index_nan_and_out_of_range_input),
		cmocka_unit_test(test_index_order_and_cap),
		cmocka_unit_test(test_index_batch_many_matches_and_none),
		cmocka_unit_test(test_index_wkb_errors),
		cmocka_unit_test(test_index_wkb_variants_agree),
		cmocka_unit_test(test_index_orientation_is_exact_where_floats_fail),
		cmocka_unit_test(test_index_large_polygon_equals_geos),
	};
	const struct CMUnitTest oracle[] = {
		cmocka_unit_test(test_index_equals_geos_covers),
		cmocka_unit_test(test_index_batch_equals_single),
		cmocka_unit_test(test_index_near_equals_brute_force),
		cmocka_unit_test(test_index_concurrent_readers_agree),
		cmocka_unit_test(test_index_speed),
	};
	int failed = cmocka_run_group_tests_name("index", hand, NULL, NULL);

	failed += cmocka_run_group_tests_name("index_city", oracle, city_setup, city_teardown);
	return failed ? 1 : 0;
}
