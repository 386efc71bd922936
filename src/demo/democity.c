/* SPDX-License-Identifier: Apache-2.0 */
/* The demo city: a street grid, blocks cut into lots, parks and schools, a facilities list, and
 * their Shapefile and CSV. */
#include "demo/democity.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fs.h"
#include "core/xalloc.h"
#include "geo/geo.h"

#include "core/banned.h"

/* The grid: N_COLS x N_ROWS blocks between N_COLS + 1 named north-south streets and N_ROWS + 1
 * numbered east-west avenues. Main St (x = 0) divides E from W house numbers, 4th Ave (y = 0)
 * N from S, and each block further out adds 100, as in most Midwestern towns. Lots face the
 * avenues, back to back along an east-west alley. */
#define N_COLS 8
#define N_ROWS 7
#define MERIDIAN 4 /* the street at x = 0 */
#define BASELINE 3 /* the avenue at y = 0 */
#define BLOCK_W_M 200.0
#define BLOCK_H_M 120.0
#define STREET_M 20.0 /* right of way between blocks */
#define ALLEY_M 6.0
#define STRIP_MIN_M 8 /* lot frontages, about 26 to 46 feet */
#define STRIP_MAX_M 14
#define MAX_STRIPS 24
#define POND_SIDES 12

#define PI 3.14159265358979323846
#define M_PER_DEG 111195.08 /* a degree of latitude on the mean-radius sphere */
#define SQ_FT_PER_M2 10.7639104

static const char *const streets[N_COLS + 1] = {
	"Harbor St", "Willow St", "Oak St", "Lincoln St", "Main St",
	"Cedar St", "Washington St", "Maple St", "Prairie St",
};

static const char *const avenues[N_ROWS + 1] = {
	"1st Ave", "2nd Ave", "3rd Ave", "4th Ave", "5th Ave", "6th Ave", "7th Ave", "8th Ave",
};

static const char *const kind_names[HV_DEMOCITY_N_KINDS] = {
	[HV_DEMOCITY_LOT] = "lot",
	[HV_DEMOCITY_GARAGE] = "garage",
	[HV_DEMOCITY_VACANT_LOT] = "vacant lot",
	[HV_DEMOCITY_BUILDING] = "building",
	[HV_DEMOCITY_PARK] = "park",
	[HV_DEMOCITY_SCHOOL_LOT] = "school lot",
};

#define OWNED "Owned by City"
#define SOLD "Sold"
#define LEASED "Leased"
#define NOT_OWNED "Not City Owned"

/* What a city building or garage is, and so what the facilities list calls it. */
enum facility {
	FAC_NONE = -1, /* a storage shed, a vacant structure, a private garage: no facility */
	FAC_CITY_HALL,
	FAC_LIBRARY, /* the first of the buildings drawn at random */
	FAC_FIRE,
	FAC_POLICE,
	FAC_WARD_OFFICE,
	FAC_SENIOR,
	FAC_CLINIC,
	FAC_COMMUNITY,
	FAC_PUBLIC_WORKS,
	FAC_PARKING, /* the first garage */
	FAC_FLEET,
	N_FACILITIES,
};

enum name_arg {
	ARG_NONE,
	ARG_COUNT,  /* the n-th of its type */
	ARG_WARD,   /* the parcel's ward */
	ARG_STREET, /* the street of its address */
};

static const struct {
	const char *kind;
	const char *fmt;
	enum name_arg arg;
} facilities[N_FACILITIES] = {
	[FAC_CITY_HALL] = {"city hall", "Port Haven City Hall", ARG_NONE},
	[FAC_LIBRARY] = {"library", "Port Haven Public Library, %s Branch", ARG_STREET},
	[FAC_FIRE] = {"fire station", "Fire Station %d", ARG_COUNT},
	[FAC_POLICE] = {"police station", "Police District %d Station", ARG_COUNT},
	[FAC_WARD_OFFICE] = {"ward office", "Ward %d Office", ARG_WARD},
	[FAC_SENIOR] = {"senior center", "%s Senior Center", ARG_STREET},
	[FAC_CLINIC] = {"health clinic", "%s Health Clinic", ARG_STREET},
	[FAC_COMMUNITY] = {"community center", "%s Community Center", ARG_STREET},
	[FAC_PUBLIC_WORKS] = {"public works", "Public Works Yard %d", ARG_COUNT},
	[FAC_PARKING] = {"garage", "%s Parking Garage", ARG_STREET},
	[FAC_FLEET] = {"garage", "Fleet Maintenance Garage %d", ARG_COUNT},
};

/* How often each facility (FAC_LIBRARY..FAC_PUBLIC_WORKS) and garage (FAC_PARKING, FAC_FLEET)
 * turns up: a town this size has a couple of fire stations, not ten. */
static const int building_weights[] = {5, 3, 2, 4, 3, 3, 4, 2};
static const int garage_weights[] = {3, 1};
#define N_BUILDING_WEIGHTS (sizeof(building_weights) / sizeof(building_weights[0]))

static const char *const block_parks[] = {
	"O'Brien Park", "Lincoln Park", "Marquette Square", "Lakeview Commons",
};
static const char *const playlots[] = {
	"Willow Playlot", "Sunrise Playlot", "Kingfisher Playlot",
	"Sandpiper Playlot", "Orchard Playlot", "Bluebird Playlot",
};
static const char *const schools[] = {
	"Lincoln Elementary School", "Harbor Middle School", "Port Haven High School",
	"Prairie Elementary School",
};

#define N_BLOCK_PARKS (sizeof(block_parks) / sizeof(block_parks[0]))
#define N_PLAYLOTS (sizeof(playlots) / sizeof(playlots[0]))
#define N_SCHOOLS (sizeof(schools) / sizeof(schools[0]))

/* What a block holds. */
enum block_use {
	USE_LOTS,
	USE_PARK,
	USE_POND_PARK,
	USE_TWO_PARK,      /* a park over this block and the next one east... */
	USE_TWO_PARK_EAST, /* ...which is this one */
	USE_SCHOOL,
	USE_HALF_SCHOOL, /* a school on one half, lots on the other */
};

/* A place on the grid: where a parcel or a spare lot faces its street. */
struct site {
	char address[48];
	double front_x_m, front_y_m; /* on the street's centre line, in front of the address */
	double x_m, y_m;             /* inside the lot */
	int ward;
};

/* What the generator keeps about each parcel beyond the public struct. */
struct parcel_extra {
	struct site site;
	enum facility facility; /* buildings and garages; FAC_NONE otherwise */
};

struct gen {
	uint64_t rng;
	struct hv_democity *city;
	struct parcel_extra *extra; /* parallel to city->parcels */
	size_t cap_parcels;
	struct site *spares; /* strips no parcel covers: addresses of leased facilities */
	size_t n_spares, cap_spares;
	size_t n_block_parks, n_playlots, n_schools;
	int n_named[N_FACILITIES];
	bool ward_office[8]; /* by ward: one office each */
};

/* ---- randomness: splitmix64, so a seed gives the same town on every platform ------------ */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15u);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

/* lo..hi inclusive; the modulo bias is far below anything a demo could show. */
static int rng_range(uint64_t *s, int lo, int hi)
{
	return lo + (int)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

static bool rng_chance(uint64_t *s, double p)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53 < p;
}

/* An index drawn with the given weights. */
static size_t rng_weighted(uint64_t *s, const int *weights, size_t n)
{
	int total = 0, r;

	for (size_t i = 0; i < n; i++)
		total += weights[i];
	r = rng_range(s, 0, total - 1);
	for (size_t i = 0; i < n; i++) {
		if (r < weights[i])
			return i;
		r -= weights[i];
	}
	return n - 1;
}

static void rng_shuffle(uint64_t *s, size_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rng_range(s, 0, (int)i - 1), t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- the grid ----------------------------------------------------------------------------- */

static double street_x(int s)
{
	return (s - MERIDIAN) * BLOCK_W_M;
}

static double avenue_y(int a)
{
	return (a - BASELINE) * BLOCK_H_M;
}

static struct hv_democity_rect block_rect(int c, int r)
{
	return (struct hv_democity_rect){
		.x0_m = street_x(c) + STREET_M / 2,
		.x1_m = street_x(c + 1) - STREET_M / 2,
		.y0_m = avenue_y(r) + STREET_M / 2,
		.y1_m = avenue_y(r + 1) - STREET_M / 2,
	};
}

/* The south half of a block faces the avenue south of it, the north half the one north. */
static struct hv_democity_rect half_rect(int c, int r, bool north)
{
	struct hv_democity_rect b = block_rect(c, r);
	double mid = (b.y0_m + b.y1_m) / 2;

	if (north)
		b.y0_m = mid + ALLEY_M / 2;
	else
		b.y1_m = mid - ALLEY_M / 2;
	return b;
}

static int ward_of(int c, int r)
{
	return 1 + c * 3 / N_COLS + 3 * (r * 2 / N_ROWS);
}

/* The house number d_m from the dividing street: 100 per block, the position inside the block
 * giving the rest, even on one side of the street and odd on the other. */
static int house_number(double d_m, double block_m, int parity)
{
	int k = (int)(d_m / block_m);
	int n = (int)((d_m - k * block_m) / block_m * 100.0);

	n = n - n % 2 + parity;
	if (n < 1)
		n += 2;
	if (n > 99)
		n -= 2;
	return 100 * k + n;
}

/* A site facing avenue a at x_m; the north side of an avenue has the even numbers. */
static struct site avenue_site(int a, double x_m, bool north_side, double depth_m)
{
	struct site s = {.front_x_m = x_m, .front_y_m = avenue_y(a), .x_m = x_m};

	snprintf(s.address, sizeof(s.address), "%d %s %s",
		 house_number(fabs(x_m), BLOCK_W_M, north_side ? 0 : 1), x_m < 0 ? "W" : "E",
		 avenues[a]);
	s.y_m = avenue_y(a) + (north_side ? 1 : -1) * (STREET_M / 2 + depth_m / 2);
	return s;
}

/* A site facing street st at y_m; the west side of a street has the even numbers. */
static struct site street_site(int st, double y_m, bool west_side, double width_m)
{
	struct site s = {.front_x_m = street_x(st), .front_y_m = y_m, .y_m = y_m};

	snprintf(s.address, sizeof(s.address), "%d %s %s",
		 house_number(fabs(y_m), BLOCK_H_M, west_side ? 0 : 1), y_m < 0 ? "S" : "N",
		 streets[st]);
	s.x_m = street_x(st) + (west_side ? -1 : 1) * (STREET_M / 2 + width_m / 2);
	return s;
}

/* The street name of an address ("1234 W 3rd Ave" -> "3rd Ave"). */
static const char *street_of(const char *address)
{
	const char *s = strchr(address, ' ');

	s = s ? strchr(s + 1, ' ') : NULL;
	return s ? s + 1 : address;
}

/* ---- parcels ------------------------------------------------------------------------------ */

static double rect_area(const struct hv_democity_rect *r)
{
	return (r->x1_m - r->x0_m) * (r->y1_m - r->y0_m);
}

/* The pond: an ellipse of POND_SIDES vertices, clockwise as a hole should be. */
static void pond_vertex(const struct hv_democity_rect *r, int k, double *x, double *y)
{
	double a = -2 * PI * k / POND_SIDES;

	*x = (r->x0_m + r->x1_m) / 2 + 0.2 * (r->x1_m - r->x0_m) * cos(a);
	*y = (r->y0_m + r->y1_m) / 2 + 0.25 * (r->y1_m - r->y0_m) * sin(a);
}

static double pond_area(const struct hv_democity_rect *r)
{
	return 0.5 * POND_SIDES * 0.2 * (r->x1_m - r->x0_m) * 0.25 * (r->y1_m - r->y0_m) *
	       sin(2 * PI / POND_SIDES);
}

static const char *pick_status(struct gen *g, enum hv_democity_kind kind)
{
	static const char *const statuses[] = {OWNED, SOLD, LEASED, NOT_OWNED};
	static const int lots[] = {84, 7, 3, 6};
	static const int buildings[] = {78, 5, 12, 5};
	static const int school_lots[] = {75, 0, 25, 0};
	const int *w = lots;

	switch (kind) {
	case HV_DEMOCITY_PARK:
		return OWNED;
	case HV_DEMOCITY_SCHOOL_LOT:
		w = school_lots;
		break;
	case HV_DEMOCITY_BUILDING:
	case HV_DEMOCITY_GARAGE:
		w = buildings;
		break;
	default:
		break;
	}
	return statuses[rng_weighted(&g->rng, w, 4)];
}

/* Appends a parcel with its id, ward and status; the caller adds shape, site and name. The id is
 * PIN-like: column, block row and half (0 whole, 1 south, 2 north), first strip. */
static struct hv_democity_parcel *add_parcel(struct gen *g, enum hv_democity_kind kind, int c,
					     int r, int half, size_t strip)
{
	struct hv_democity *city = g->city;
	struct hv_democity_parcel *p;
	size_t cap = g->cap_parcels;

	city->parcels = hv_xgrow(city->parcels, &g->cap_parcels, city->n_parcels + 1,
				 sizeof(*city->parcels));
	g->extra = hv_xgrow(g->extra, &cap, city->n_parcels + 1, sizeof(*g->extra));
	g->extra[city->n_parcels] = (struct parcel_extra){.facility = FAC_NONE};
	p = &city->parcels[city->n_parcels++];
	*p = (struct hv_democity_parcel){.kind = kind, .ward = ward_of(c, r), .n_rects = 1};
	snprintf(p->parcel_id, sizeof(p->parcel_id), "31-%02d-%03d-%03zu", c + 1,
		 (r + 1) * 10 + half, strip + 1);
	p->status = pick_status(g, kind);
	return p;
}

static struct parcel_extra *extra_of(struct gen *g, const struct hv_democity_parcel *p)
{
	return &g->extra[p - g->city->parcels];
}

/* Sets the address and the area, once shape and rectangles are final. */
static void finish_parcel(struct gen *g, struct hv_democity_parcel *p, const struct site *site)
{
	double area = 0;

	for (size_t i = 0; i < p->n_rects; i++)
		area += rect_area(&p->rects[i]);
	if (p->shape == HV_DEMOCITY_POND)
		area -= pond_area(&p->rects[0]);
	p->sq_ft = lround(area * SQ_FT_PER_M2);
	snprintf(p->address, sizeof(p->address), "%s", site->address);
	extra_of(g, p)->site = *site;
}

/* "Lincoln Park", or "Willow Playlot 2" once the list has been used up. */
static void name_from_list(char *out, size_t cap, const char *const *list, size_t n, size_t *used)
{
	size_t k = (*used)++;

	if (k < n)
		snprintf(out, cap, "%s", list[k]);
	else
		snprintf(out, cap, "%s %zu", list[k % n], k / n + 1);
}

/* Names the n-th facility of type f, counting it. */
static void name_facility(struct gen *g, char *out, size_t cap, enum facility f, int ward,
			  const char *address)
{
	int count = ++g->n_named[f];

	switch (facilities[f].arg) {
	case ARG_COUNT:
		snprintf(out, cap, facilities[f].fmt, count);
		break;
	case ARG_WARD:
		snprintf(out, cap, facilities[f].fmt, ward);
		break;
	case ARG_STREET:
		snprintf(out, cap, facilities[f].fmt, street_of(address));
		break;
	case ARG_NONE:
		snprintf(out, cap, "%s", facilities[f].fmt);
		break;
	}
}

/* A facility for a site in ward; FAC_NONE when it is none. */
static enum facility pick_facility(struct gen *g, enum hv_democity_kind kind, int ward,
				   bool named)
{
	enum facility f;

	if (!named && rng_chance(&g->rng, 0.5))
		return FAC_NONE;
	if (kind == HV_DEMOCITY_GARAGE)
		return FAC_PARKING + (enum facility)rng_weighted(&g->rng, garage_weights, 2);
	if (g->n_named[FAC_CITY_HALL] == 0)
		return FAC_CITY_HALL;
	f = FAC_LIBRARY + (enum facility)rng_weighted(&g->rng, building_weights,
						       N_BUILDING_WEIGHTS);
	if (f == FAC_WARD_OFFICE) {
		if (g->ward_office[ward])
			return FAC_COMMUNITY;
		g->ward_office[ward] = true;
	}
	return f;
}

static void name_parcel(struct gen *g, struct hv_democity_parcel *p)
{
	enum facility f;

	switch (p->kind) {
	case HV_DEMOCITY_BUILDING:
	case HV_DEMOCITY_GARAGE:
		/* about half are sheds, vacant shells and private garages, unnamed */
		f = pick_facility(g, p->kind, p->ward, false);
		if (f != FAC_NONE)
			name_facility(g, p->name, sizeof(p->name), f, p->ward, p->address);
		extra_of(g, p)->facility = f;
		break;
	case HV_DEMOCITY_PARK:
		name_from_list(p->name, sizeof(p->name), playlots, N_PLAYLOTS, &g->n_playlots);
		break;
	default:
		break; /* lots have no names */
	}
}

/* ---- blocks cut into lots ----------------------------------------------------------------- */

/* Cuts [x0, x1) into frontages of STRIP_MIN_M..STRIP_MAX_M whole metres (the last one takes
 * what is left, under 2 * STRIP_MIN_M); edges[0..n] are their bounds. Returns n. */
static size_t cut_strips(struct gen *g, double x0, double x1, double *edges)
{
	size_t n = 0;
	double x = x0;

	edges[0] = x0;
	while (x1 - x >= 2 * STRIP_MIN_M) {
		int room = (int)(x1 - x) - STRIP_MIN_M;

		x += rng_range(&g->rng, STRIP_MIN_M, room < STRIP_MAX_M ? room : STRIP_MAX_M);
		edges[++n] = x;
		assert(n < MAX_STRIPS);
	}
	edges[++n] = x1;
	return n;
}

/* A lot that is no parcel: a possible address for a leased facility. */
static void add_spare(struct gen *g, int c, int r, bool north, const struct hv_democity_rect *half,
		      double x0, double x1)
{
	struct site *s;

	g->spares = hv_xgrow(g->spares, &g->cap_spares, g->n_spares + 1, sizeof(*g->spares));
	s = &g->spares[g->n_spares++];
	*s = avenue_site(north ? r + 1 : r, (x0 + x1) / 2, !north, half->y1_m - half->y0_m);
	s->ward = ward_of(c, r);
}

static enum hv_democity_kind pick_lot_kind(struct gen *g)
{
	static const enum hv_democity_kind kinds[] = {HV_DEMOCITY_VACANT_LOT, HV_DEMOCITY_LOT,
						      HV_DEMOCITY_BUILDING, HV_DEMOCITY_GARAGE,
						      HV_DEMOCITY_PARK};
	static const int weights[] = {60, 24, 10, 5, 1};

	return kinds[rng_weighted(&g->rng, weights, 5)];
}

/* How many strips a parcel of this kind takes: buildings and garages are wider than lots. */
static size_t pick_span(struct gen *g, enum hv_democity_kind kind, size_t left)
{
	size_t span;

	switch (kind) {
	case HV_DEMOCITY_BUILDING:
		span = (size_t)rng_range(&g->rng, 2, 4);
		break;
	case HV_DEMOCITY_GARAGE:
		span = (size_t)rng_range(&g->rng, 2, 3);
		break;
	case HV_DEMOCITY_PARK:
		span = 2;
		break;
	default:
		span = rng_chance(&g->rng, 0.1) ? 2 : 1;
		break;
	}
	return span < left ? span : left;
}

/* Where a half-block's parcel takes its address: the avenue it faces or, for some corner lots,
 * the side street. */
static struct site lot_site(struct gen *g, int c, int r, bool north,
			    const struct hv_democity_rect *half, const struct hv_democity_rect *a,
			    bool corner_west, bool corner_east)
{
	double depth = half->y1_m - half->y0_m;

	if ((corner_west || corner_east) && rng_chance(&g->rng, 0.5)) {
		/* a west-end lot is on the east side of the street west of it, and vice versa */
		return street_site(corner_west ? c : c + 1, (half->y0_m + half->y1_m) / 2,
				   corner_east, a->x1_m - a->x0_m);
	}
	return avenue_site(north ? r + 1 : r, (a->x0_m + a->x1_m) / 2, !north, depth);
}

/* Places one parcel at strip i of a half-block; returns the number of strips it used. */
static size_t place_parcel(struct gen *g, int c, int r, bool north,
			   const struct hv_democity_rect *half, const double *edges, size_t n,
			   size_t i)
{
	enum hv_democity_kind kind = pick_lot_kind(g);
	size_t span = pick_span(g, kind, n - i);
	struct hv_democity_parcel *p = add_parcel(g, kind, c, r, north ? 2 : 1, i);
	bool lot = kind == HV_DEMOCITY_LOT || kind == HV_DEMOCITY_VACANT_LOT;
	struct hv_democity_rect frontage;
	struct site site;

	p->rects[0] = (struct hv_democity_rect){edges[i], half->y0_m, edges[i + span], half->y1_m};
	frontage = p->rects[0];
	if (lot && span == 1 && i + 1 < n && rng_chance(&g->rng, 0.15)) {
		/* An L: this lot and the front half of the next, whose back half stays empty. */
		double back = (half->y1_m - half->y0_m) / 2;

		p->shape = HV_DEMOCITY_L;
		p->n_rects = 2;
		p->rects[1] = (struct hv_democity_rect){edges[i + 1], half->y0_m, edges[i + 2],
							half->y1_m};
		if (north)
			p->rects[1].y0_m += back;
		else
			p->rects[1].y1_m -= back;
		frontage.x1_m = edges[i + 2];
		span = 2;
	}
	site = lot_site(g, c, r, north, half, &frontage, p->n_rects == 1 && span == 1 && i == 0,
			p->n_rects == 1 && span == 1 && i + 1 == n);
	finish_parcel(g, p, &site);
	name_parcel(g, p);
	return span;
}

/* Cuts a half-block into strips and makes about two in three of them (or runs of them) city
 * parcels; the others are private land the inventory does not list. */
static void fill_half(struct gen *g, int c, int r, bool north)
{
	struct hv_democity_rect half = half_rect(c, r, north);
	double edges[MAX_STRIPS + 1];
	size_t n = cut_strips(g, half.x0_m, half.x1_m, edges);

	for (size_t i = 0; i < n;) {
		if (rng_chance(&g->rng, 0.35)) {
			add_spare(g, c, r, north, &half, edges[i], edges[i + 1]);
			i++;
		} else {
			i += place_parcel(g, c, r, north, &half, edges, n, i);
		}
	}
}

/* A park or school over a whole block (or two, for HV_DEMOCITY_TWO), addressed on the avenue
 * south of it. */
static struct hv_democity_parcel *add_block_parcel(struct gen *g, enum hv_democity_kind kind,
						   enum hv_democity_shape shape, int c, int r)
{
	struct hv_democity_parcel *p = add_parcel(g, kind, c, r, 0, 0);
	struct hv_democity_rect b = block_rect(c, r);
	struct site site = avenue_site(r, (b.x0_m + b.x1_m) / 2, true, b.y1_m - b.y0_m);

	p->shape = shape;
	p->rects[0] = b;
	if (shape == HV_DEMOCITY_TWO) {
		p->rects[1] = block_rect(c + 1, r);
		p->n_rects = 2;
	}
	finish_parcel(g, p, &site);
	return p;
}

/* A school on one half of a block, lots on the other. */
static void add_half_school(struct gen *g, int c, int r)
{
	bool north = rng_chance(&g->rng, 0.5);
	struct hv_democity_rect h = half_rect(c, r, north);
	struct site site = avenue_site(north ? r + 1 : r, (h.x0_m + h.x1_m) / 2, !north,
				       h.y1_m - h.y0_m);
	struct hv_democity_parcel *p;

	p = add_parcel(g, HV_DEMOCITY_SCHOOL_LOT, c, r, north ? 2 : 1, 0);
	p->rects[0] = h;
	finish_parcel(g, p, &site);
	name_from_list(p->name, sizeof(p->name), schools, N_SCHOOLS, &g->n_schools);
	fill_half(g, c, r, !north);
}

static void fill_block(struct gen *g, int c, int r, enum block_use use)
{
	struct hv_democity_parcel *p;

	switch (use) {
	case USE_LOTS:
		fill_half(g, c, r, false);
		fill_half(g, c, r, true);
		break;
	case USE_PARK:
		p = add_block_parcel(g, HV_DEMOCITY_PARK, HV_DEMOCITY_RECT, c, r);
		name_from_list(p->name, sizeof(p->name), block_parks, N_BLOCK_PARKS,
			       &g->n_block_parks);
		break;
	case USE_POND_PARK:
		p = add_block_parcel(g, HV_DEMOCITY_PARK, HV_DEMOCITY_POND, c, r);
		snprintf(p->name, sizeof(p->name), "Heron Pond Park");
		break;
	case USE_TWO_PARK:
		p = add_block_parcel(g, HV_DEMOCITY_PARK, HV_DEMOCITY_TWO, c, r);
		snprintf(p->name, sizeof(p->name), "Twin Groves Park");
		break;
	case USE_TWO_PARK_EAST:
		break; /* the park's second part */
	case USE_SCHOOL:
		p = add_block_parcel(g, HV_DEMOCITY_SCHOOL_LOT, HV_DEMOCITY_RECT, c, r);
		name_from_list(p->name, sizeof(p->name), schools, N_SCHOOLS, &g->n_schools);
		break;
	case USE_HALF_SCHOOL:
		add_half_school(g, c, r);
		break;
	}
}

/* Scatters the parks and schools over the grid; every other block is lots. */
static void plan_blocks(struct gen *g, enum block_use uses[N_ROWS][N_COLS])
{
	static const enum block_use roles[] = {
		USE_TWO_PARK, USE_POND_PARK, USE_PARK, USE_PARK,
		USE_SCHOOL, USE_SCHOOL, USE_HALF_SCHOOL, USE_HALF_SCHOOL,
	};
	size_t order[N_ROWS * N_COLS];

	for (size_t i = 0; i < N_ROWS * N_COLS; i++) {
		order[i] = i;
		uses[i / N_COLS][i % N_COLS] = USE_LOTS;
	}
	rng_shuffle(&g->rng, order, N_ROWS * N_COLS);
	for (size_t k = 0; k < sizeof(roles) / sizeof(roles[0]); k++) {
		for (size_t i = 0; i < N_ROWS * N_COLS; i++) {
			int c = (int)(order[i] % N_COLS), r = (int)(order[i] / N_COLS);
			bool two = roles[k] == USE_TWO_PARK;

			if (uses[r][c] != USE_LOTS)
				continue;
			if (two && (c + 1 == N_COLS || uses[r][c + 1] != USE_LOTS))
				continue;
			uses[r][c] = roles[k];
			if (two)
				uses[r][c + 1] = USE_TWO_PARK_EAST;
			break;
		}
	}
}

/* ---- the facilities list ------------------------------------------------------------------ */

static struct hv_democity_point *add_point(struct hv_democity *city, size_t *cap,
					   const struct site *site, bool at_street)
{
	struct hv_democity_point *pt;

	city->points = hv_xgrow(city->points, cap, city->n_points + 1, sizeof(*city->points));
	pt = &city->points[city->n_points++];
	*pt = (struct hv_democity_point){.status = OWNED};
	snprintf(pt->facility_id, sizeof(pt->facility_id), "F-%03zu", city->n_points);
	snprintf(pt->address, sizeof(pt->address), "%s", site->address);
	if (at_street)
		hv_democity_to_lonlat(site->front_x_m, site->front_y_m, &pt->lon_deg, &pt->lat_deg);
	else
		hv_democity_to_lonlat(site->x_m, site->y_m, &pt->lon_deg, &pt->lat_deg);
	return pt;
}

/* About three in four facilities are city buildings and garages from the inventory (same name
 * and address); the rest rent space at addresses the inventory does not list. */
static void make_points(struct gen *g)
{
	struct hv_democity *city = g->city;
	size_t *cand = hv_xcalloc(city->n_parcels + 1, sizeof(*cand));
	size_t n_cand = 0, n_total = (size_t)rng_range(&g->rng, 50, 70), cap = 0, n_on;
	size_t *spare = hv_xcalloc(g->n_spares + 1, sizeof(*spare));

	for (size_t i = 0; i < city->n_parcels; i++) {
		const char *st = city->parcels[i].status;

		if (g->extra[i].facility != FAC_NONE &&
		    (strcmp(st, OWNED) == 0 || strcmp(st, LEASED) == 0))
			cand[n_cand++] = i;
	}
	rng_shuffle(&g->rng, cand, n_cand);
	n_on = n_cand < n_total * 3 / 4 ? n_cand : n_total * 3 / 4;
	for (size_t k = 0; k < n_on; k++) {
		const struct hv_democity_parcel *p = &city->parcels[cand[k]];
		const struct parcel_extra *x = &g->extra[cand[k]];
		bool at_street = rng_chance(&g->rng, 0.1);
		struct hv_democity_point *pt = add_point(city, &cap, &x->site, at_street);

		snprintf(pt->name, sizeof(pt->name), "%s", p->name);
		pt->kind = facilities[x->facility].kind;
		pt->status = p->status;
	}
	for (size_t i = 0; i < g->n_spares; i++)
		spare[i] = i;
	rng_shuffle(&g->rng, spare, g->n_spares);
	for (size_t k = 0; k < n_total - n_on && k < g->n_spares; k++) {
		const struct site *site = &g->spares[spare[k]];
		bool at_street = rng_chance(&g->rng, 0.1);
		struct hv_democity_point *pt = add_point(city, &cap, site, at_street);
		enum facility f = pick_facility(g, HV_DEMOCITY_BUILDING, site->ward, true);

		name_facility(g, pt->name, sizeof(pt->name), f, site->ward, site->address);
		pt->kind = facilities[f].kind;
		pt->status = rng_chance(&g->rng, 0.7) ? LEASED : NOT_OWNED;
	}
	free(cand);
	free(spare);
}

/* ---- the town ----------------------------------------------------------------------------- */

void hv_democity_init(struct hv_democity *city, uint64_t seed)
{
	struct gen g = {.rng = seed, .city = city};
	enum block_use uses[N_ROWS][N_COLS];

	*city = (struct hv_democity){.parcels = NULL};
	plan_blocks(&g, uses);
	for (int r = 0; r < N_ROWS; r++)
		for (int c = 0; c < N_COLS; c++)
			fill_block(&g, c, r, uses[r][c]);
	make_points(&g);
	free(g.extra);
	free(g.spares);
}

void hv_democity_release(struct hv_democity *city)
{
	if (!city)
		return;
	free(city->parcels);
	free(city->points);
	*city = (struct hv_democity){.parcels = NULL};
}

const char *hv_democity_kind_name(enum hv_democity_kind kind)
{
	assert(kind >= 0 && kind < HV_DEMOCITY_N_KINDS);
	return kind_names[kind];
}

void hv_democity_to_lonlat(double x_m, double y_m, double *lon_deg, double *lat_deg)
{
	*lon_deg = HV_DEMOCITY_ORIGIN_LON_DEG +
		   x_m / (M_PER_DEG * cos(HV_DEMOCITY_ORIGIN_LAT_DEG * PI / 180));
	*lat_deg = HV_DEMOCITY_ORIGIN_LAT_DEG + y_m / M_PER_DEG;
}

/* ---- WKB: little-endian ISO, written byte by byte so the host's byte order does not matter -- */

static void put_u32(struct hv_buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		hv_buf_addc(b, (char)(v >> (8 * i) & 0xff));
}

static void put_xy(struct hv_buf *b, double x_m, double y_m)
{
	double lonlat[2];

	hv_democity_to_lonlat(x_m, y_m, &lonlat[0], &lonlat[1]);
	for (int k = 0; k < 2; k++) {
		uint64_t u;

		memcpy(&u, &lonlat[k], sizeof(u));
		for (int i = 0; i < 8; i++)
			hv_buf_addc(b, (char)(u >> (8 * i) & 0xff));
	}
}

static void put_header(struct hv_buf *b, uint32_t type)
{
	hv_buf_addc(b, 1); /* little-endian */
	put_u32(b, type);
}

/* A closed ring through n vertices. */
static void put_ring(struct hv_buf *b, const double (*v)[2], uint32_t n)
{
	put_u32(b, n + 1);
	for (uint32_t i = 0; i <= n; i++)
		put_xy(b, v[i % n][0], v[i % n][1]);
}

/* Outer rings run counter-clockwise, holes clockwise (the RFC 7946 way; GDAL turns them round
 * for a Shapefile). */
static void put_rect_ring(struct hv_buf *b, const struct hv_democity_rect *r)
{
	const double v[4][2] = {
		{r->x0_m, r->y0_m}, {r->x1_m, r->y0_m}, {r->x1_m, r->y1_m}, {r->x0_m, r->y1_m}};

	put_ring(b, v, 4);
}

/* a is the full-depth lot, b the front part of the next one east, flush with a's front. */
static void put_l_ring(struct hv_buf *b, const struct hv_democity_rect *a,
		       const struct hv_democity_rect *n)
{
	const double south[6][2] = {{a->x0_m, a->y0_m}, {n->x1_m, a->y0_m}, {n->x1_m, n->y1_m},
				    {a->x1_m, n->y1_m}, {a->x1_m, a->y1_m}, {a->x0_m, a->y1_m}};
	const double north[6][2] = {{a->x0_m, a->y0_m}, {a->x1_m, a->y0_m}, {a->x1_m, n->y0_m},
				    {n->x1_m, n->y0_m}, {n->x1_m, a->y1_m}, {a->x0_m, a->y1_m}};

	put_ring(b, n->y0_m == a->y0_m ? south : north, 6);
}

static void put_pond_ring(struct hv_buf *b, const struct hv_democity_rect *r)
{
	double v[POND_SIDES][2];

	for (int k = 0; k < POND_SIDES; k++)
		pond_vertex(r, k, &v[k][0], &v[k][1]);
	put_ring(b, (const double(*)[2])v, POND_SIDES);
}

static void parcel_wkb(struct hv_buf *b, const struct hv_democity_parcel *p)
{
	switch (p->shape) {
	case HV_DEMOCITY_RECT:
		put_header(b, 3);
		put_u32(b, 1);
		put_rect_ring(b, &p->rects[0]);
		break;
	case HV_DEMOCITY_L:
		put_header(b, 3);
		put_u32(b, 1);
		put_l_ring(b, &p->rects[0], &p->rects[1]);
		break;
	case HV_DEMOCITY_TWO:
		put_header(b, 6);
		put_u32(b, 2);
		for (int i = 0; i < 2; i++) {
			put_header(b, 3);
			put_u32(b, 1);
			put_rect_ring(b, &p->rects[i]);
		}
		break;
	case HV_DEMOCITY_POND:
		put_header(b, 3);
		put_u32(b, 2);
		put_rect_ring(b, &p->rects[0]);
		put_pond_ring(b, &p->rects[0]);
		break;
	}
}

/* ---- output ------------------------------------------------------------------------------- */

static int write_parcels(const struct hv_democity *city, const char *path, struct hv_err *err)
{
	static const char *const fields[] = {
		"parcel_id", "kind", "name", "address", "status", "ward", "sq_ft",
	};
	struct hv_geo_writer *w = NULL;
	struct hv_buf wkb;
	char ward[16], sq_ft[32];
	int rc;

	rc = hv_geo_writer_open(path, HV_GEO_SHAPEFILE, "parcels", 3435, fields,
				sizeof(fields) / sizeof(fields[0]), &w, err);
	if (rc)
		return rc;
	hv_buf_init(&wkb, 0);
	for (size_t i = 0; i < city->n_parcels; i++) {
		const struct hv_democity_parcel *p = &city->parcels[i];
		const char *name = p->name[0] ? p->name : NULL;
		const char *values[] = {
			p->parcel_id, kind_names[p->kind], name, p->address, p->status, ward, sq_ft,
		};

		snprintf(ward, sizeof(ward), "%d", p->ward);
		snprintf(sq_ft, sizeof(sq_ft), "%ld", p->sq_ft);
		hv_buf_reset(&wkb);
		parcel_wkb(&wkb, p);
		rc = hv_geo_writer_add(w, (const unsigned char *)wkb.data, wkb.len, values, err);
		if (rc)
			goto out;
	}
	rc = hv_geo_writer_close(w, err);
	w = NULL;
out:
	hv_geo_writer_free(w);
	hv_buf_release(&wkb);
	return rc;
}

/* One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break. */
static void csv_field(struct hv_buf *b, const char *s, char sep)
{
	if (strpbrk(s, ",\"\r\n")) {
		hv_buf_addc(b, '"');
		for (; *s; s++) {
			if (*s == '"')
				hv_buf_addc(b, '"');
			hv_buf_addc(b, *s);
		}
		hv_buf_addc(b, '"');
	} else {
		hv_buf_adds(b, s);
	}
	hv_buf_addc(b, sep);
}

static int write_points(const struct hv_democity *city, const char *path, struct hv_err *err)
{
	struct hv_buf csv;
	FILE *f;
	int rc = HV_OK;

	hv_buf_init(&csv, 0);
	hv_buf_adds(&csv, "facility_id,name,address,kind,status,latitude,longitude\n");
	for (size_t i = 0; i < city->n_points; i++) {
		const struct hv_democity_point *pt = &city->points[i];

		csv_field(&csv, pt->facility_id, ',');
		csv_field(&csv, pt->name, ',');
		csv_field(&csv, pt->address, ',');
		csv_field(&csv, pt->kind, ',');
		csv_field(&csv, pt->status, ',');
		/* six decimals: about 0.1 m, finer than any geocoder */
		hv_buf_addf(&csv, "%.6f,%.6f\n", pt->lat_deg, pt->lon_deg);
	}
	f = fopen(path, "wx");
	if (!f) {
		rc = hv_err_set(err, errno == EEXIST ? HV_EEXIST : HV_EIO, "%s: cannot create: %s",
				path, strerror(errno));
		goto out;
	}
	if (fwrite(csv.data, 1, csv.len, f) != csv.len || fflush(f) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot write: %s", path, strerror(errno));
		fclose(f);
		unlink(path);
		goto out;
	}
	if (fclose(f) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot write: %s", path, strerror(errno));
		unlink(path);
	}
out:
	hv_buf_release(&csv);
	return rc;
}

/* Refuses to write over an earlier town: every output must be new. */
static int check_absent(const char *dir, struct hv_err *err)
{
	static const char *const names[] = {"parcels.shp", "parcels.shx", "parcels.dbf",
					    "parcels.prj", "parcels.cpg", "points.csv"};
	struct hv_buf path;
	int rc = HV_OK;

	hv_buf_init(&path, 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && rc == HV_OK; i++) {
		hv_buf_reset(&path);
		hv_buf_addf(&path, "%s/%s", dir, names[i]);
		if (hv_fs_exists(path.data))
			rc = hv_err_set(err, HV_EEXIST, "%s: already exists", path.data);
	}
	hv_buf_release(&path);
	return rc;
}

int hv_democity_write(const char *dir, uint64_t seed, struct hv_democity_stats *stats,
		      struct hv_err *err)
{
	struct hv_democity city = {.parcels = NULL};
	struct hv_buf shp, csv;
	int rc;

	if ((rc = hv_fs_mkdirs(dir, err)) || (rc = check_absent(dir, err)))
		return rc;
	hv_buf_init(&shp, 0);
	hv_buf_init(&csv, 0);
	hv_buf_addf(&shp, "%s/parcels.shp", dir);
	hv_buf_addf(&csv, "%s/points.csv", dir);
	hv_democity_init(&city, seed);
	/* The CSV first: should the Shapefile then fail, the writer removes its own files and
	 * this removes the CSV, so nothing half-made is left. */
	if ((rc = write_points(&city, csv.data, err)))
		goto out;
	if ((rc = write_parcels(&city, shp.data, err))) {
		unlink(csv.data);
		goto out;
	}
	if (stats) {
		*stats = (struct hv_democity_stats){.n_parcels = city.n_parcels,
						    .n_points = city.n_points};
		for (size_t i = 0; i < city.n_parcels; i++)
			stats->n_by_kind[city.parcels[i].kind]++;
	}
out:
	hv_democity_release(&city);
	hv_buf_release(&shp);
	hv_buf_release(&csv);
	return rc;
}
