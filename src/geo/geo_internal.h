/* SPDX-License-Identifier: Apache-2.0 */
/* Shared inside src/geo only: GDAL error text, CRS helpers, role field names, and the GEOS
 * validity/representative-point step. Third-party types may appear here, never in geo.h. */
#ifndef HV_GEO_GEO_INTERNAL_H
#define HV_GEO_GEO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <ogr_srs_api.h>

#include "core/buf.h"
#include "core/err.h"

/* GDAL's last message on this thread, or a placeholder when it left none. Call CPLErrorReset()
 * before the GDAL call whose failure you want to explain. */
const char *hv_geo_gdal_msg(void);

/* True when path names an existing file or directory, on disk or in GDAL's /vsimem/ and other
 * virtual file systems. Optional: *empty, a regular file of 0 bytes; *is_dir, a directory. */
bool hv_geo_path_stat(const char *path, bool *empty, bool *is_dir);

/* A new SRS for EPSG:epsg with x = east/longitude, y = north/latitude whatever the authority says.
 * Caller owns the result (OSRDestroySpatialReference); NULL when the code is unknown. */
OGRSpatialReferenceH hv_geo_srs_epsg(int epsg);

/* Fields our own export writes and our reader maps back onto the property, by role. The short
 * names fit a Shapefile's 10-character field names, so an export to .shp re-imports too. */
#define HV_GEO_F_SOURCE "haven_source"
#define HV_GEO_F_SOURCE_ID "haven_source_id"
#define HV_GEO_F_KIND "haven_kind"
#define HV_GEO_F_NAME "haven_name"
#define HV_GEO_F_ADDRESS "haven_address"
#define HV_GEO_F_STATUS "haven_status"

/* Their Shapefile spellings, where the full name is longer than 10 characters. */
#define HV_GEO_F_SOURCE_SHP "haven_src"
#define HV_GEO_F_SOURCE_ID_SHP "haven_sid"
#define HV_GEO_F_ADDRESS_SHP "haven_addr"
#define HV_GEO_F_STATUS_SHP "haven_stat"

/* A GEOS context with its WKB reader and writer: one per reader, never shared between threads. */
struct hv_geo_valid;

/* Caller owns the result (hv_geo_valid_free). */
struct hv_geo_valid *hv_geo_valid_new(void);
void hv_geo_valid_free(struct hv_geo_valid *v);

/* What hv_geo_valid_shape learnt about one geometry. */
struct hv_geo_shape {
	/* "Polygon", "MultiPolygon", ... of the result; static storage. */
	const char *type;
	/* The input was invalid: wkb_out holds the repaired geometry, reason GEOS's explanation. */
	bool repaired;
	/* A point on the surface: interior for areas, on the line for lines. */
	bool has_point;
	double x, y;
	double minx, miny, maxx, maxy;
	/* The input was empty: nothing else is set. */
	bool empty;
};

/* Reads 2D ISO WKB; for polygonal input checks validity and, when invalid, repairs it with
 * MakeValid keeping only the polygonal parts (a MultiPolygon stays multi). Fills *out. wkb_out
 * receives the repaired WKB only when out->repaired; reason its text. HV_EINVAL (err says why,
 * without file or row) when GEOS cannot read the geometry or nothing polygonal survives repair. */
int hv_geo_valid_shape(struct hv_geo_valid *v, const unsigned char *wkb, size_t len,
		       struct hv_geo_shape *out, struct hv_buf *wkb_out, struct hv_buf *reason,
		       struct hv_err *err);

#endif
