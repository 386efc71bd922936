/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and writing geodata through GDAL/OGR, reprojection to WGS 84 through PROJ, and geometry
 * validity through GEOS. No GDAL, PROJ or GEOS type leaves this module. */
#ifndef HV_GEO_GEO_H
#define HV_GEO_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Initialises GDAL once per process (idempotent, thread-safe); quiets GDAL's own stderr output. */
void hv_geo_init(void);

/* What to read and how to map the source's fields onto a property. Every string is borrowed. */
struct hv_geo_import_opts {
	const char *path;
	const char *layer;         /* NULL: the first layer */
	const char *srs;           /* "EPSG:N" or anything OSRSetFromUserInput takes: the CRS of the
				    * source coordinates; overrides whatever the layer says (a .prj
				    * that names no EPSG code, which GDAL may mis-identify). For a
				    * table, a projected srs selects X/Y columns (X Coordinate, x,
				    * easting, ...) over latitude/longitude ones */
	const char *id_field;      /* NULL: guessed (id, ID, PIN, OBJECTID, ...); none: row number */
	const char *name_field;    /* NULL: guessed (name, NAME, label, ...) */
	const char *address_field; /* NULL: guessed (address, ADDRESS, addr, ...) */
	const char *address_template; /* NULL: none. The address built from several fields, as
				       * building footprints keep it: "{F_ADD1}-{T_ADD1}
				       * {PRE_DIR1} {ST_NAME1} {ST_TYPE1}". Each {FIELD} (matched as
				       * address_field is) becomes the row's value, trimmed (unset:
				       * empty); "{A}-{B}", two fields joined by a dash, is a range
				       * that collapses to one number when both ends are equal or one
				       * is empty or 0, and to nothing when both are; runs of white
				       * space become one space, the ends are trimmed. Other text is
				       * copied; there is no escape for braces. Replaces the address
				       * field: naming address_field too is HV_EINVAL, and so is a
				       * field that does not exist (named in the message), an empty
				       * "{}" or an unclosed "{" */
	const char *status_field;  /* NULL: guessed (status, Property Status, ...) */
	const char *kind_field;    /* NULL: haven_kind when the source has it, else none */
	const char *kind;          /* fixed kind when no kind field (NULL: "property") */
};

/* One feature, ready for the registry. Every pointer is borrowed from the reader and valid until
 * the next hv_geo_reader_next or hv_geo_reader_free. */
struct hv_geo_feature {
	int64_t row;            /* 1-based row or feature number in the source layer */
	const char *source_key; /* the id field's value, or the row number as text */
	const char *kind;       /* lower case; never NULL */
	const char *name;       /* NULL when absent or empty */
	const char *address;
	const char *status;
	const char *geom_type;  /* "Point", "Polygon", "MultiPolygon", ...; NULL: no geometry */
	const unsigned char *wkb; /* WGS 84, x = lon, y = lat, ISO WKB; NULL: no geometry */
	size_t wkb_len;
	bool has_point;         /* representative point: the point itself, or a point on the surface */
	double lon, lat;
	double minx, miny, maxx, maxy; /* bbox of wkb */
	const char *attrs_json; /* every source field as a JSON object: text values, null when unset */
	const char *const *values; /* the same values, one per hv_geo_layer_info.fields[i] (NULL:
				    * unset), so callers need not parse attrs_json */
	const char *repair;     /* non-NULL when the geometry was invalid and MakeValid repaired it:
				 * what was wrong (GEOS's reason) */
};

/* What the reader found and chose. Borrowed from the reader. */
struct hv_geo_layer_info {
	const char *driver;      /* GDAL driver short name: "CSV", "GeoJSON", "ESRI Shapefile", ... */
	const char *layer;
	const char *srs;         /* CRS the coordinates are read in, as "EPSG:N" or the CRS's name;
				  * "EPSG:4326" when assumed (lat/lon columns, a layer without CRS
				  * whose coordinates are lon/lat); NULL when there is nothing to
				  * locate rows with */
	int64_t n_features;      /* -1 when unknown without a full scan */
	const char *id_field;    /* the fields chosen for each role, NULL when none */
	const char *name_field;
	const char *address_field; /* with an address template: the template */
	const char *status_field;
	const char *kind_field;
	const char *coord_fields; /* where coordinates come from, in order of preference:
				   * "geometry", "Latitude/Longitude", "X Coordinate/Y Coordinate
				   * (EPSG:3435)", "LOCATION (lat, lon)", joined by ", then " */
	const char *const *fields; /* every attribute field name (the keys of attrs_json, haven_*
				    * role fields excluded), trimmed, as the source spells it */
	size_t n_fields;
};

struct hv_geo_reader;

/* Opens a source: any vector format GDAL reads; CSV cells are kept as text, an empty one is null
 * (CSV has no other way to say "no value"). Role fields not named in o are guessed from common
 * names; fields named haven_* (our own export's) are roles, never attributes. Errors name the file and the problem: HV_ENOENT (missing file), HV_EFORMAT (empty,
 * not a format GDAL reads, no such layer), HV_EINVAL (unknown srs, a named field that does not
 * exist, a layer with no CRS whose coordinates are not lon/lat, X/Y columns without --srs, a bad
 * address template).
 * Caller owns *out. */
int hv_geo_reader_open(const struct hv_geo_import_opts *o, struct hv_geo_reader **out,
		       struct hv_err *err);
const struct hv_geo_layer_info *hv_geo_reader_info(const struct hv_geo_reader *r);
/* Reads the next feature: 1 with *f filled, 0 at the end, or a negative status. The geometry is
 * the layer's own (reprojected, curves linearised, Z/M dropped, invalid polygons repaired), else
 * the coordinate columns, else a location cell; a row with none of these, or with the (0, 0)
 * placeholder exports write for "unknown", has no geometry (an address-only property).
 * HV_EINVAL is a problem with this row only (a non-numeric or out-of-range coordinate, coordinates
 * outside the CRS's area of use, an empty id, WKT GDAL cannot parse, a geometry GEOS cannot
 * repair); err names file, row ("row N" in tables, "feature N" elsewhere) and field, and the
 * reader has moved past the row, so the caller may skip it and read on. Other errors end the
 * reading. */
int hv_geo_reader_next(struct hv_geo_reader *r, struct hv_geo_feature *f, struct hv_err *err);
void hv_geo_reader_free(struct hv_geo_reader *r);

/* Finds coordinates in a text cell (untrusted; pure C, no GDAL). After trimming white space and a
 * byte-order mark, the cell must be either
 *   - "POINT (lon lat)" WKT, POINT in any case, and nothing else; or
 *   - text ending in "(lat, lon)", the Socrata location form: the pair is the last "(" ... ")" of
 *     the cell and closes it, and anything before it (an address on earlier lines) is ignored.
 * Inside the parentheses only blanks around the numbers are allowed; numbers are plain decimals
 * ([+-]digits[.digits], at most 40 characters: no exponent, hex, NaN or infinity). Returns true
 * and sets *lat, *lon when the pair is well formed with |lat| <= 90 and |lon| <= 180; false (and
 * *lat, *lon untouched) for anything else, including text after the closing parenthesis. */
bool hv_geo_parse_location_cell(const char *s, size_t len, double *lat, double *lon);

/* Makes a GDAL in-memory file (name must start with "/vsimem/") holding a copy of len bytes of
 * data, so a reader can open it like a file: fuzzing, and imports of uploaded bytes. Replaces an
 * earlier file of that name. HV_EINVAL for another name. Remove it with hv_geo_mem_file_remove. */
int hv_geo_mem_file(const char *name, const void *data, size_t len, struct hv_err *err);
/* Removes an in-memory file made by hv_geo_mem_file (NULL-safe; ignores other names). */
void hv_geo_mem_file_remove(const char *name);

/* Export formats. */
enum hv_geo_format {
	HV_GEO_GEOJSON,
	HV_GEO_CSV,  /* geometry as a WKT column */
	HV_GEO_GPKG,
	HV_GEO_SHAPEFILE,
};

/* Parses "geojson", "csv", "gpkg", "shp"/"shapefile"; false for anything else. */
bool hv_geo_format_parse(const char *name, enum hv_geo_format *out);

struct hv_geo_writer;

/* Creates path (replacing nothing: an existing file is HV_EEXIST) with one layer (NULL: "haven")
 * of text fields named fields[0..n_fields). Geometries come in as WGS 84 and are written in
 * EPSG:epsg (4326 for GeoJSON). A CSV cannot record its CRS (one written in another EPSG reads
 * back with that srs) nor tell an unset value from empty text (both read back as unset). A Shapefile holds one geometry type and 10-character field names: the
 * haven_* role fields get short names the reader knows, GDAL shortens the rest. CSV, GeoPackage
 * and Shapefile compare field names ignoring case: a name equal but for case to an earlier one
 * ("NAME" after "name") is written as "NAME_2" (then _3, ...). Caller owns *out:
 * hv_geo_writer_close to finish, hv_geo_writer_free to abandon (the partial files are removed). */
int hv_geo_writer_open(const char *path, enum hv_geo_format fmt, const char *layer, int epsg,
		       const char *const *fields, size_t n_fields, struct hv_geo_writer **out,
		       struct hv_err *err);
/* Adds a feature: WGS 84 ISO WKB (NULL: no geometry) and n_fields values (values or a value
 * NULL: unset). HV_EINVAL for bytes that are not WKB or cannot be reprojected, HV_EIO when GDAL
 * refuses the feature (a second geometry type in a Shapefile); err names the feature number. */
int hv_geo_writer_add(struct hv_geo_writer *w, const unsigned char *wkb, size_t wkb_len,
		      const char *const *values, struct hv_err *err);
/* Flushes and closes; frees w in every case (on failure, HV_EIO, the output is removed). */
int hv_geo_writer_close(struct hv_geo_writer *w, struct hv_err *err);
void hv_geo_writer_free(struct hv_geo_writer *w);

/* Reprojects one point from EPSG:from to EPSG:to (lon/lat order for geographic CRSs). Builds the
 * transformation each call (~40 us once PROJ's cache is warm): fine for thousands of points.
 * HV_EINVAL (x, y unchanged) for an unknown code or a point that cannot be reprojected. */
int hv_geo_transform_point(int from, int to, double *x, double *y, struct hv_err *err);

#endif
