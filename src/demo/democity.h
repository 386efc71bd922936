/* SPDX-License-Identifier: Apache-2.0 */
/* The demo city: "Port Haven", Illinois, a fictional town of several hundred city parcels and a
 * facilities list, generated deterministically from a seed for demos and tests. */
#ifndef HV_DEMO_DEMOCITY_H
#define HV_DEMO_DEMOCITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Where the town sits: inside the area of use of EPSG:3435 (Illinois East, ftUS). */
#define HV_DEMOCITY_ORIGIN_LON_DEG (-88.05)
#define HV_DEMOCITY_ORIGIN_LAT_DEG 41.52

enum hv_democity_kind {
	HV_DEMOCITY_LOT,
	HV_DEMOCITY_GARAGE,
	HV_DEMOCITY_VACANT_LOT,
	HV_DEMOCITY_BUILDING,
	HV_DEMOCITY_PARK,
	HV_DEMOCITY_SCHOOL_LOT,
	HV_DEMOCITY_N_KINDS,
};

/* How a parcel's rectangles make its geometry. */
enum hv_democity_shape {
	HV_DEMOCITY_RECT,  /* rects[0]: a Polygon */
	HV_DEMOCITY_L,     /* rects[0] (full depth) and rects[1] (its neighbour's front part, to the
			    * east, sharing the front edge's line): one L-shaped Polygon */
	HV_DEMOCITY_TWO,   /* rects[0] and rects[1], a street apart: a MultiPolygon */
	HV_DEMOCITY_POND,  /* rects[0] with a 12-sided pond inside as a hole: 2 rings */
};

/* An axis-aligned rectangle in the town's local frame: metres east and north of the origin. */
struct hv_democity_rect {
	double x0_m, y0_m, x1_m, y1_m; /* x0_m < x1_m, y0_m < y1_m */
};

/* One parcel of the city's land inventory (parcels.shp). The rectangles of all parcels are
 * pairwise disjoint, apart from shared edges. */
struct hv_democity_parcel {
	char parcel_id[24];    /* PIN-like "31-SS-BBB-LLL", unique */
	enum hv_democity_kind kind;
	const char *status;    /* "Owned by City", "Sold", "Leased" or "Not City Owned" */
	char name[64];         /* "" for lots and vacant lots, which have none */
	char address[48];      /* "1234 W 3rd Ave": unique, even numbers on one side of a street */
	int ward;              /* 1..6 */
	long sq_ft;            /* area, without a pond */
	enum hv_democity_shape shape;
	struct hv_democity_rect rects[2];
	size_t n_rects;
};

/* One facility of the city's facilities list (points.csv). Most stand on a building or garage
 * parcel with the same name and address; about one in ten is geocoded to the street in front
 * instead (as real lists often are), and some are at addresses that are no city parcel. */
struct hv_democity_point {
	char facility_id[16]; /* "F-001", unique */
	char name[64];
	char address[48];
	const char *kind;     /* "library", "fire station", "ward office", "garage", ... */
	const char *status;
	double lon_deg, lat_deg;
};

/* A generated town. Caller-owned storage: hv_democity_init fills it, hv_democity_release frees. */
struct hv_democity {
	struct hv_democity_parcel *parcels;
	size_t n_parcels;
	struct hv_democity_point *points;
	size_t n_points;
};

/* What hv_democity_write wrote. */
struct hv_democity_stats {
	size_t n_parcels;
	size_t n_points;
	size_t n_by_kind[HV_DEMOCITY_N_KINDS];
};

/* Generates the town for seed: 600 to 900 parcels of every kind and 40 to 80 facilities, the same
 * for the same seed on every run. Cannot fail (memory exhaustion aborts). */
void hv_democity_init(struct hv_democity *city, uint64_t seed);
/* Frees what hv_democity_init made (NULL-safe); city may be initialised again. */
void hv_democity_release(struct hv_democity *city);

/* The inventory's name of a kind: "lot", "garage", "vacant lot", "building", "park",
 * "school lot". */
const char *hv_democity_kind_name(enum hv_democity_kind kind);

/* Converts local metres (east, north of the origin) to WGS 84 degrees: an equirectangular
 * approximation, exact enough across a town two kilometres wide. */
void hv_democity_to_lonlat(double x_m, double y_m, double *lon_deg, double *lat_deg);

/* Generates the town for seed and writes, into dir (created if missing):
 *   parcels.shp (.shx .dbf .prj .cpg): Polygon/MultiPolygon parcels in EPSG:3435 with text fields
 *     parcel_id, kind, name, address, status, ward, sq_ft;
 *   points.csv: the facilities, facility_id,name,address,kind,status,latitude,longitude (WGS 84).
 * Writes nothing when one of these files already exists (HV_EEXIST). Other errors: HV_EIO
 * (cannot create dir or write a file), or the geo writer's. On an error no output is left
 * behind. stats (may be NULL) receives the counts. */
int hv_democity_write(const char *dir, uint64_t seed, struct hv_democity_stats *stats,
		      struct hv_err *err);

#endif
