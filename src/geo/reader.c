/* SPDX-License-Identifier: Apache-2.0 */
/* The import path: any vector source GDAL reads, mapped onto properties in WGS 84. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "geo/geo.h"
#include "geo/geo_internal.h"

#include "core/banned.h"

/* How far (degrees) a reprojected coordinate may stray outside its CRS's area of use: areas of use
 * are drawn tight around a state or zone, and real parcels sit on its border. */
#define AREA_MARGIN_DEG 1.0
/* Rounding slack when checking that coordinates are longitude/latitude. */
#define LONLAT_EPS_DEG 1e-7
/* How much of a bad cell an error message quotes. */
#define QUOTE_MAX 48

enum {
	NO_FIELD = -1,
	ANY_FIELD = -2
};

/* One piece of an address template: literal text, a field, or a range of two fields. */
struct tpl_part {
	const char *text; /* literal text (into tpl_text), or NULL for a field */
	size_t len;
	int f_a, f_b; /* the field, and the range's end (NO_FIELD when none) */
};

/* Where a row's coordinates come from when it has no geometry, in order of preference. */
struct coords {
	int f_a, f_b; /* latitude/longitude, or Y/X; NO_FIELD when none */
	bool xy;      /* f_a/f_b are Y/X in the source CRS, not latitude/longitude */
	bool ll_ct;   /* latitude/longitude columns are in the (geographic) source CRS */
	int f_loc;    /* location cell field, ANY_FIELD (try every field) or NO_FIELD */
	int f_wkt;    /* CSV column GDAL parses as geometry: kept to report WKT it cannot read */
};

struct hv_geo_reader {
	char *path;
	GDALDatasetH ds;
	OGRLayerH layer;
	OGRFeatureH feat; /* the current feature, destroyed by the next call */
	const char *unit; /* "row" for tables, "feature" otherwise */
	bool is_csv;
	bool has_geom;
	int n_fields;
	char **names;	 /* trimmed field names */
	bool *skip_attr; /* haven_* role fields and the WKT column stay out of attrs_json */
	int *attr_of;	 /* field index -> attribute index (in info.fields), -1 for skipped */
	size_t n_attrs;
	const char **attr_names; /* info.fields: names of the attributes, borrowed from names */
	const char **values;	 /* the current feature's attribute values, into vals */
	size_t *val_off;	 /* where each value starts in vals; SIZE_MAX: unset */
	int f_id, f_name, f_addr, f_status, f_kind;
	bool id_guessed;
	char *tpl_text; /* the address template, copied; NULL when none */
	struct tpl_part *tpl;
	size_t n_tpl;
	struct coords c;
	char *fixed_kind;

	OGRSpatialReferenceH src; /* CRS of geometries and X/Y columns; NULL: WGS 84 */
	OGRSpatialReferenceH wgs84;
	OGRCoordinateTransformationH ct; /* src -> WGS 84; NULL when nothing to do */
	bool check_area;
	double area_w, area_s, area_e, area_n;
	char *srs_label;
	struct hv_geo_valid *valid;

	int64_t row;
	unsigned char *wkb; /* OGR's WKB of the current geometry, reused */
	size_t wkb_cap;
	struct hv_buf key, kind, name, addr, status, attrs, vals, fixed_wkb, repair, coord_desc;
	struct hv_geo_layer_info info;
};

/* Field names that play a role, most specific first; matched trimmed and case-insensitively. */
/* clang-format off */
static const char *const id_names[] = {HV_GEO_F_SOURCE_ID, HV_GEO_F_SOURCE_ID_SHP, "id",
	"objectid", "fid", "pin", "gid", NULL};
static const char *const name_names[] = {HV_GEO_F_NAME, "name", "label", "park", "landmark name",
	"site name", "building_name", NULL};
static const char *const addr_names[] = {HV_GEO_F_ADDRESS, HV_GEO_F_ADDRESS_SHP, "address",
	"addr", "street_address", "location_address", NULL};
static const char *const status_names[] = {HV_GEO_F_STATUS, HV_GEO_F_STATUS_SHP, "status",
	"property status", "property_status", NULL};
static const char *const kind_names[] = {HV_GEO_F_KIND, NULL};
static const char *const lat_names[] = {"latitude", "lat", "lat_dd", "latitude_dd", "lat_wgs84",
	NULL};
static const char *const lon_names[] = {"longitude", "lon", "lng", "long", "lon_dd",
	"longitude_dd", "lon_wgs84", NULL};
static const char *const x_names[] = {"x coordinate", "x_coordinate", "x", "x_coord", "xcoord",
	"easting", "point_x", NULL};
static const char *const y_names[] = {"y coordinate", "y_coordinate", "y", "y_coord", "ycoord",
	"northing", "point_y", NULL};
static const char *const loc_names[] = {"location", "the_geom", "geom", NULL};
/* clang-format on */

/* ---- messages ---- */

/* At most QUOTE_MAX bytes of an untrusted cell for a message, control bytes replaced: messages
 * end up on terminals. */
static void quote_cell(char *dst, size_t cap, const char *s)
{
	size_t i = 0, o = 0;

	for (; s[i] && i < QUOTE_MAX && o + 1 < cap; i++)
		dst[o++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	/* Cut before a UTF-8 sequence the limit would split, not inside it. */
	while (o > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) {
		o--;
		i--;
	}
	if (s[i] && o + 4 <= cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static int row_err(const struct hv_geo_reader *r, struct hv_err *err, int code, const char *field,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "FILE: row N, field "F": detail", or without the field part when field is NULL. */
static int row_err(const struct hv_geo_reader *r, struct hv_err *err, int code, const char *field,
		   const char *fmt, ...)
{
	char detail[HV_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (field)
		return hv_err_set(err, code, "%s: %s %lld, field \"%s\": %s", r->path, r->unit,
				  (long long)r->row, field, detail);
	return hv_err_set(err, code, "%s: %s %lld: %s", r->path, r->unit, (long long)r->row,
			  detail);
}

/* Appends "a, b, c" (all names in list, count n) to b. */
static void add_list(struct hv_buf *b, char *const *list, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			hv_buf_add(b, ", ", 2);
		hv_buf_adds(b, list[i]);
	}
}

/* ---- fields ---- */

static bool is_haven_field(const char *name)
{
	return strlen(name) > 6 && hv_str_ieq_cstr(hv_str_of(name, 6), "haven_");
}

/* The field called name (trimmed; exact spelling first, then ignoring case), or NO_FIELD. */
static int find_field(const struct hv_geo_reader *r, const char *name)
{
	struct hv_str want = hv_str_trim(hv_str_cstr(name));

	for (int i = 0; i < r->n_fields; i++)
		if (hv_str_eq(hv_str_cstr(r->names[i]), want))
			return i;
	for (int i = 0; i < r->n_fields; i++)
		if (hv_str_ieq(hv_str_cstr(r->names[i]), want))
			return i;
	return NO_FIELD;
}

/* The first of the candidate names (in their order of preference) that the layer has. */
static int guess_field(const struct hv_geo_reader *r, const char *const *candidates)
{
	for (size_t k = 0; candidates[k]; k++) {
		int i = find_field(r, candidates[k]);

		if (i >= 0)
			return i;
	}
	return NO_FIELD;
}

static int no_field_err(const struct hv_geo_reader *r, const char *name, struct hv_err *err)
{
	struct hv_buf b;
	int rc;

	hv_buf_init(&b, HV_ERR_MSG_MAX);
	add_list(&b, r->names, r->n_fields);
	rc = hv_err_set(err, HV_EINVAL, "%s: no field \"%s\" (fields: %s%s)", r->path, name, b.data,
			b.failed ? "..." : "");
	hv_buf_release(&b);
	return rc;
}

/* The field given by the user (it must exist), or a guess among candidates (may be none). */
static int role_field(const struct hv_geo_reader *r, const char *given,
		      const char *const *candidates, int *out, struct hv_err *err)
{
	if (given) {
		*out = find_field(r, given);
		return *out >= 0 ? HV_OK : no_field_err(r, given, err);
	}
	*out = guess_field(r, candidates);
	return HV_OK;
}

/* Field names trimmed of spaces and a BOM ("NAME " is matched by "name"). */
static void read_field_names(struct hv_geo_reader *r)
{
	OGRFeatureDefnH d = OGR_L_GetLayerDefn(r->layer);

	r->n_fields = OGR_FD_GetFieldCount(d);
	r->names = hv_xcalloc((size_t)r->n_fields + 1, sizeof(*r->names));
	r->skip_attr = hv_xcalloc((size_t)r->n_fields + 1, sizeof(*r->skip_attr));
	for (int i = 0; i < r->n_fields; i++) {
		const char *raw = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, i));
		struct hv_str s = hv_str_trim(hv_str_cstr(raw));

		r->names[i] = hv_xstrndup(s.ptr, s.len);
		r->skip_attr[i] = is_haven_field(r->names[i]);
	}
	r->has_geom = OGR_FD_GetGeomFieldCount(d) > 0;
	r->unit = (r->has_geom && !r->is_csv) ? "feature" : "row";
}

static int tpl_err(const struct hv_geo_reader *r, struct hv_err *err, const char *what,
		   const char *name)
{
	struct hv_buf b;
	int rc;

	hv_buf_init(&b, HV_ERR_MSG_MAX);
	add_list(&b, r->names, r->n_fields);
	rc = hv_err_set(err, HV_EINVAL, "%s: address template \"%s\": %s%s%s%s (fields: %s%s)",
			r->path, r->tpl_text, what, name ? " \"" : "", name ? name : "",
			name ? "\"" : "", b.data, b.failed ? "..." : "");
	hv_buf_release(&b);
	return rc;
}

/* The field named between the braces at *p; moves *p past the closing brace. */
static int tpl_field(const struct hv_geo_reader *r, const char **p, int *out, struct hv_err *err)
{
	const char *open = *p + 1, *close = strchr(open, '}');
	char *name;

	if (!close)
		return tpl_err(r, err, "unclosed \"{\"", NULL);
	if (hv_str_trim(hv_str_of(open, (size_t)(close - open))).len == 0)
		return tpl_err(r, err, "empty \"{}\"", NULL);
	name = hv_xstrndup(open, (size_t)(close - open));
	*out = find_field(r, name);
	if (*out < 0)
		tpl_err(r, err, "no field", name);
	free(name);
	*p = close + 1;
	return *out < 0 ? HV_EINVAL : HV_OK;
}

/* A field at *p, or a range when another field follows after a dash ("{A}-{B}"). */
static int tpl_fields(const struct hv_geo_reader *r, const char **p, struct tpl_part *part,
		      struct hv_err *err)
{
	int rc = tpl_field(r, p, &part->f_a, err);

	if (rc || (*p)[0] != '-' || (*p)[1] != '{')
		return rc;
	++*p;
	return tpl_field(r, p, &part->f_b, err);
}

/* Splits the template into literal text, fields and ranges. */
static int parse_template(struct hv_geo_reader *r, const char *tpl, struct hv_err *err)
{
	const char *p;
	size_t cap = 0;
	int rc;

	r->tpl_text = hv_xstrdup(tpl);
	for (p = r->tpl_text; *p;) {
		struct tpl_part part = {.f_a = NO_FIELD, .f_b = NO_FIELD};

		if (*p != '{') {
			part.text = p;
			part.len = strcspn(p, "{");
			p += part.len;
		} else if ((rc = tpl_fields(r, &p, &part, err))) {
			return rc;
		}
		r->tpl = hv_xgrow(r->tpl, &cap, r->n_tpl + 1, sizeof(*r->tpl));
		r->tpl[r->n_tpl++] = part;
	}
	return HV_OK;
}

/* The address comes from a field, or from a template of several (then no field is guessed). */
static int address_role(struct hv_geo_reader *r, const struct hv_geo_import_opts *o,
			struct hv_err *err)
{
	if (!o->address_template)
		return role_field(r, o->address_field, addr_names, &r->f_addr, err);
	if (o->address_field)
		return hv_err_set(err, HV_EINVAL,
				  "%s: an address field (\"%s\") and an address template (\"%s\") "
				  "both name the address: give one",
				  r->path, o->address_field, o->address_template);
	return parse_template(r, o->address_template, err);
}

static int map_roles(struct hv_geo_reader *r, const struct hv_geo_import_opts *o,
		     struct hv_err *err)
{
	int rc;

	r->id_guessed = !o->id_field;
	if ((rc = role_field(r, o->id_field, id_names, &r->f_id, err)) ||
	    (rc = role_field(r, o->name_field, name_names, &r->f_name, err)) ||
	    (rc = address_role(r, o, err)) ||
	    (rc = role_field(r, o->status_field, status_names, &r->f_status, err)) ||
	    (rc = role_field(r, o->kind_field, kind_names, &r->f_kind, err)))
		return rc;
	return HV_OK;
}

/* ---- opening ---- */

/* A CSV file first, with our options: text kept as text, no X/Y guessing by GDAL (we find
 * coordinate columns ourselves, to report bad values), and an empty cell read as null, since CSV
 * cannot tell "no value" from empty text (so a GeoJSON null survives a CSV export and re-import).
 * Anything else, directories included (the CSV driver would read a Shapefile directory's stray
 * .csv): whatever driver claims it. */
static int open_dataset(struct hv_geo_reader *r, struct hv_err *err)
{
	static const char *const csv_only[] = {"CSV", NULL};
	static const char *const csv_opts[] = {"AUTODETECT_TYPE=NO", "KEEP_GEOM_COLUMNS=YES",
					       "EMPTY_STRING_AS_NULL=YES", NULL};
	bool empty = false, is_dir = false;

	if (!hv_geo_path_stat(r->path, &empty, &is_dir))
		return hv_err_set(err, HV_ENOENT, "%s: no such file", r->path);
	if (empty)
		return hv_err_set(err, HV_EFORMAT, "%s: the file is empty", r->path);
	CPLErrorReset();
	if (!is_dir)
		r->ds = GDALOpenEx(r->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, csv_only, csv_opts,
				   NULL);
	if (r->ds) {
		r->is_csv = true;
		return HV_OK;
	}
	CPLErrorReset();
	r->ds = GDALOpenEx(r->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (r->ds)
		return HV_OK;
	/* A driver that claimed the file and then failed says why; otherwise nobody claimed it. */
	if (*CPLGetLastErrorMsg())
		return hv_err_set(err, HV_EFORMAT, "%s: cannot read: %s", r->path,
				  hv_geo_gdal_msg());
	return hv_err_set(err, HV_EFORMAT, "%s: not a vector format GDAL reads", r->path);
}

static int select_layer(struct hv_geo_reader *r, const char *name, struct hv_err *err)
{
	int n = GDALDatasetGetLayerCount(r->ds);
	struct hv_buf b;
	int rc;

	if (n <= 0)
		return hv_err_set(err, HV_EFORMAT, "%s: no layers", r->path);
	if (!name) {
		r->layer = GDALDatasetGetLayer(r->ds, 0);
		return HV_OK;
	}
	r->layer = GDALDatasetGetLayerByName(r->ds, name);
	if (r->layer)
		return HV_OK;
	hv_buf_init(&b, HV_ERR_MSG_MAX);
	for (int i = 0; i < n; i++)
		hv_buf_addf(&b, "%s%s", i ? ", " : "",
			    OGR_L_GetName(GDALDatasetGetLayer(r->ds, i)));
	rc = hv_err_set(err, HV_EFORMAT, "%s: no layer \"%s\" (layers: %s)", r->path, name, b.data);
	hv_buf_release(&b);
	return rc;
}

/* "EPSG:N" (or another authority) when the CRS can be identified, else its name. Caller frees. */
static char *srs_label(OGRSpatialReferenceH s)
{
	OGRSpatialReferenceH c = OSRClone(s);
	const char *auth = OSRGetAuthorityName(c, NULL);
	struct hv_buf b;

	if (!auth && OSRAutoIdentifyEPSG(c) == OGRERR_NONE)
		auth = OSRGetAuthorityName(c, NULL);
	hv_buf_init(&b, 0);
	if (auth && OSRGetAuthorityCode(c, NULL))
		hv_buf_addf(&b, "%s:%s", auth, OSRGetAuthorityCode(c, NULL));
	else
		hv_buf_adds(&b, OSRGetName(c) ? OSRGetName(c) : "unnamed CRS");
	OSRRelease(c);
	return hv_buf_detach(&b, NULL);
}

/* The source CRS: --srs wins over whatever the layer says (a .prj without an EPSG code, which
 * GDAL may mis-identify); x is always east/longitude. */
static int source_srs(struct hv_geo_reader *r, const char *user, struct hv_err *err)
{
	OGRSpatialReferenceH layer_srs = OGR_L_GetSpatialRef(r->layer);

	r->wgs84 = hv_geo_srs_epsg(4326);
	if (!r->wgs84)
		return hv_err_set(err, HV_EINTERNAL, "GDAL does not know EPSG:4326 (%s)",
				  hv_geo_gdal_msg());
	if (user) {
		r->src = OSRNewSpatialReference(NULL);
		CPLErrorReset();
		if (OSRSetFromUserInput(r->src, user) != OGRERR_NONE)
			return hv_err_set(err, HV_EINVAL, "%s: unknown CRS \"%s\" (--srs): %s",
					  r->path, user, hv_geo_gdal_msg());
	} else if (layer_srs) {
		r->src = OSRClone(layer_srs);
	}
	if (r->src) {
		OSRSetAxisMappingStrategy(r->src, OAMS_TRADITIONAL_GIS_ORDER);
		r->srs_label = srs_label(r->src);
	}
	return HV_OK;
}

/* Chooses coordinate columns: X/Y for a projected CRS, latitude/longitude otherwise, then a
 * location cell. X/Y columns alone, without a CRS, would be guesswork: refused. */
static int choose_coords(struct hv_geo_reader *r, const char *user_srs, struct hv_err *err)
{
	struct coords *c = &r->c;
	bool projected = r->src && OSRIsProjected(r->src);
	int lat = guess_field(r, lat_names), lon = guess_field(r, lon_names);
	int x = guess_field(r, x_names), y = guess_field(r, y_names);
	bool have_ll = lat >= 0 && lon >= 0, have_xy = x >= 0 && y >= 0;
	int named_loc = guess_field(r, loc_names);

	c->f_a = c->f_b = c->f_wkt = NO_FIELD;
	if (have_xy && (projected || (user_srs && !have_ll))) {
		c->f_a = y;
		c->f_b = x;
		c->xy = true;
	} else if (have_ll) {
		c->f_a = lat;
		c->f_b = lon;
		c->ll_ct = r->src && !projected;
	}
	c->f_loc = named_loc >= 0 ? named_loc : (r->has_geom ? NO_FIELD : ANY_FIELD);
	if (r->is_csv && r->has_geom) {
		OGRFeatureDefnH d = OGR_L_GetLayerDefn(r->layer);
		const char *g = OGR_GFld_GetNameRef(OGR_FD_GetGeomFieldDefn(d, 0));

		c->f_wkt = find_field(r, (g && *g) ? g : "WKT");
		if (c->f_wkt >= 0)
			r->skip_attr[c->f_wkt] = true;
	}
	if (!r->has_geom && have_xy && !have_ll && !user_srs && named_loc < 0)
		return hv_err_set(err, HV_EINVAL,
				  "%s: columns \"%s\"/\"%s\" hold coordinates in an unnamed CRS: "
				  "pass --srs EPSG:N (EPSG:4326 if they are longitude/latitude)",
				  r->path, r->names[x], r->names[y]);
	return HV_OK;
}

static bool lonlat_env(const OGREnvelope *e)
{
	return isfinite(e->MinX) && isfinite(e->MaxX) && isfinite(e->MinY) && isfinite(e->MaxY) &&
	       e->MinX >= -180.0 - LONLAT_EPS_DEG && e->MaxX <= 180.0 + LONLAT_EPS_DEG &&
	       e->MinY >= -90.0 - LONLAT_EPS_DEG && e->MaxY <= 90.0 + LONLAT_EPS_DEG;
}

/* A layer with geometries but no CRS is taken as WGS 84 only when every coordinate could be
 * longitude/latitude; anything else is a projected file missing its .prj. */
static int check_unnamed_crs(struct hv_geo_reader *r, struct hv_err *err)
{
	OGREnvelope env;

	if (r->src || !r->has_geom)
		return HV_OK;
	if (OGR_L_GetExtent(r->layer, &env, TRUE) == OGRERR_NONE && !lonlat_env(&env))
		return hv_err_set(err, HV_EINVAL,
				  "%s: layer has no CRS and its coordinates are not "
				  "longitude/latitude: pass --srs EPSG:N",
				  r->path);
	OGR_L_ResetReading(r->layer);
	return HV_OK;
}

static int make_transform(struct hv_geo_reader *r, struct hv_err *err)
{
	const char *area_name = NULL;

	if (!r->src || OSRIsSame(r->src, r->wgs84))
		return HV_OK;
	CPLErrorReset();
	r->ct = OCTNewCoordinateTransformation(r->src, r->wgs84);
	if (!r->ct)
		return hv_err_set(err, HV_EINVAL, "%s: cannot reproject from %s to WGS 84: %s",
				  r->path, r->srs_label, hv_geo_gdal_msg());
	/* Only projected coordinates can be plausible numbers in the wrong place; -1000 is GDAL's
	 * "unknown" marker. */
	if (OSRIsProjected(r->src) &&
	    OSRGetAreaOfUse(r->src, &r->area_w, &r->area_s, &r->area_e, &r->area_n, &area_name) &&
	    r->area_w > -1000.0)
		r->check_area = true;
	return HV_OK;
}

/* What a person should know about where coordinates come from, for hv_geo_layer_info. */
static void describe_coords(struct hv_geo_reader *r)
{
	struct hv_buf *b = &r->coord_desc;
	const struct coords *c = &r->c;

	if (r->has_geom)
		hv_buf_adds(b, c->f_wkt >= 0 ? r->names[c->f_wkt] : "geometry");
	if (c->f_a >= 0) {
		/* People say "latitude/longitude" but "X/Y". */
		hv_buf_addf(b, "%s%s/%s", b->len ? ", then " : "",
			    r->names[c->xy ? c->f_b : c->f_a], r->names[c->xy ? c->f_a : c->f_b]);
		if (c->xy && r->srs_label)
			hv_buf_addf(b, " (%s)", r->srs_label);
	}
	if (c->f_loc >= 0)
		hv_buf_addf(b, "%s%s (lat, lon)", b->len ? ", then " : "", r->names[c->f_loc]);
	else if (c->f_loc == ANY_FIELD)
		hv_buf_addf(b, "%sany field (lat, lon)", b->len ? ", then " : "");
}

/* The attributes are the fields left once haven_* roles and the WKT column are set aside: the
 * keys of attrs_json, in field order. */
static void index_attributes(struct hv_geo_reader *r)
{
	size_t n = (size_t)r->n_fields;

	r->attr_of = hv_xcalloc(n + 1, sizeof(*r->attr_of));
	r->attr_names = hv_xcalloc(n + 1, sizeof(*r->attr_names));
	r->values = hv_xcalloc(n + 1, sizeof(*r->values));
	r->val_off = hv_xcalloc(n + 1, sizeof(*r->val_off));
	for (int i = 0; i < r->n_fields; i++) {
		r->attr_of[i] = r->skip_attr[i] ? -1 : (int)r->n_attrs;
		if (!r->skip_attr[i])
			r->attr_names[r->n_attrs++] = r->names[i];
	}
}

static void fill_info(struct hv_geo_reader *r)
{
	struct hv_geo_layer_info *i = &r->info;

	i->driver = GDALGetDriverShortName(GDALGetDatasetDriver(r->ds));
	i->layer = OGR_L_GetName(r->layer);
	if (!r->srs_label && (r->has_geom || r->c.f_a >= 0 || r->c.f_loc != NO_FIELD))
		r->srs_label = hv_xstrdup("EPSG:4326");
	i->srs = r->srs_label;
	i->n_features = OGR_L_TestCapability(r->layer, OLCFastFeatureCount)
				? (int64_t)OGR_L_GetFeatureCount(r->layer, FALSE)
				: -1;
	i->id_field = r->f_id >= 0 ? r->names[r->f_id] : NULL;
	i->name_field = r->f_name >= 0 ? r->names[r->f_name] : NULL;
	i->address_field = r->f_addr >= 0 ? r->names[r->f_addr] : r->tpl_text;
	i->status_field = r->f_status >= 0 ? r->names[r->f_status] : NULL;
	i->kind_field = r->f_kind >= 0 ? r->names[r->f_kind] : NULL;
	describe_coords(r);
	i->coord_fields = r->coord_desc.len ? r->coord_desc.data : NULL;
	i->fields = r->attr_names;
	i->n_fields = r->n_attrs;
}

/* Kinds compare as ASCII lower case: "Library" and "library " are one kind. */
static void lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Lower case, trimmed; "property" when empty. Caller frees. */
static char *fixed_kind(const char *kind)
{
	struct hv_str k = hv_str_trim(hv_str_cstr(kind));
	char *s;

	if (k.len == 0)
		return hv_xstrdup("property");
	s = hv_xstrndup(k.ptr, k.len);
	lower_ascii(s);
	return s;
}

#define N_BUFS 10

/* The reader's reusable buffers, to initialise and release them together. */
static void reader_bufs(struct hv_geo_reader *r, struct hv_buf *out[N_BUFS])
{
	struct hv_buf *all[N_BUFS] = {&r->key,	  &r->kind,	 &r->name, &r->addr,
				      &r->status, &r->attrs,	 &r->vals, &r->fixed_wkb,
				      &r->repair, &r->coord_desc};

	memcpy(out, all, sizeof(all));
}

static struct hv_geo_reader *reader_new(const char *path, const char *kind)
{
	struct hv_geo_reader *r = hv_xcalloc(1, sizeof(*r));
	struct hv_buf *bufs[N_BUFS];

	r->path = hv_xstrdup(path);
	r->unit = "row";
	r->f_id = r->f_name = r->f_addr = r->f_status = r->f_kind = NO_FIELD;
	r->fixed_kind = fixed_kind(kind);
	reader_bufs(r, bufs);
	for (size_t i = 0; i < N_BUFS; i++)
		hv_buf_init(bufs[i], 0);
	return r;
}

int hv_geo_reader_open(const struct hv_geo_import_opts *o, struct hv_geo_reader **out,
		       struct hv_err *err)
{
	struct hv_geo_reader *r;
	int rc;

	*out = NULL;
	if (!o || !o->path || !*o->path)
		return hv_err_set(err, HV_EINVAL, "no file to import");
	hv_geo_init();
	r = reader_new(o->path, o->kind);
	if ((rc = open_dataset(r, err)) || (rc = select_layer(r, o->layer, err)))
		goto out;
	read_field_names(r);
	if ((rc = map_roles(r, o, err)) || (rc = source_srs(r, o->srs, err)) ||
	    (rc = choose_coords(r, o->srs, err)) || (rc = check_unnamed_crs(r, err)) ||
	    (rc = make_transform(r, err)))
		goto out;
	r->valid = hv_geo_valid_new();
	index_attributes(r);
	fill_info(r);
	*out = r;
	r = NULL;
out:
	hv_geo_reader_free(r);
	return rc;
}

const struct hv_geo_layer_info *hv_geo_reader_info(const struct hv_geo_reader *r)
{
	return &r->info;
}

void hv_geo_reader_free(struct hv_geo_reader *r)
{
	struct hv_buf *bufs[N_BUFS];

	if (!r)
		return;
	reader_bufs(r, bufs);
	for (size_t i = 0; i < N_BUFS; i++)
		hv_buf_release(bufs[i]);
	if (r->feat)
		OGR_F_Destroy(r->feat);
	if (r->ct)
		OCTDestroyCoordinateTransformation(r->ct);
	if (r->src)
		OSRRelease(r->src);
	if (r->wgs84)
		OSRRelease(r->wgs84);
	if (r->ds)
		GDALClose(r->ds);
	hv_geo_valid_free(r->valid);
	for (int i = 0; i < r->n_fields; i++)
		free(r->names[i]);
	free(r->names);
	free(r->skip_attr);
	free(r->attr_of);
	free(r->attr_names);
	free(r->values);
	free(r->val_off);
	free(r->wkb);
	free(r->path);
	free(r->fixed_kind);
	free(r->srs_label);
	free(r->tpl_text);
	free(r->tpl);
	free(r);
}

/* ---- one feature: fields ---- */

/* A field's text with a leading BOM dropped (park_points.csv has one inside its first value), or
 * NULL when unset or null. For non-text fields GDAL formats into one scratch buffer per feature,
 * so the result is valid only until the next call. */
static const char *cell(const struct hv_geo_reader *r, int i)
{
	const char *s;

	if (!OGR_F_IsFieldSetAndNotNull(r->feat, i))
		return NULL;
	s = OGR_F_GetFieldAsString(r->feat, i);
	if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3;
	return s;
}

static void set_trimmed(struct hv_buf *b, const char *s)
{
	struct hv_str t = hv_str_trim(hv_str_cstr(s));

	hv_buf_reset(b);
	hv_buf_add(b, t.ptr, t.len);
}

/* Empty, or a number equal to 0: a range end that says nothing. */
static bool no_number(const char *s, size_t len)
{
	int64_t v;

	return len == 0 || (hv_str_to_i64(hv_str_of(s, len), &v) && v == 0);
}

/* Appends field i's trimmed value to b (nothing when unset). GDAL may format it into a scratch
 * buffer, so it is copied at once. */
static void add_cell(const struct hv_geo_reader *r, int i, struct hv_buf *b)
{
	struct hv_str v = hv_str_trim(hv_str_cstr(cell(r, i)));

	hv_buf_add(b, v.ptr, v.len);
}

/* Appends "FROM-TO", or the one number that means the same, to out: both ends are written,
 * then cut back. */
static void add_range(const struct hv_geo_reader *r, const struct tpl_part *t, struct hv_buf *out)
{
	size_t at = out->len, n_from, n_to;
	char *from, *to;

	add_cell(r, t->f_a, out);
	n_from = out->len - at;
	hv_buf_addc(out, '-');
	add_cell(r, t->f_b, out);
	if (out->failed)
		return;
	n_to = out->len - at - n_from - 1;
	from = out->data + at;
	to = from + n_from + 1;
	if (no_number(to, n_to) || (n_from == n_to && memcmp(from, to, n_to) == 0)) {
		out->len = at + n_from; /* "1200-1200", "1200-0", "1200-": the first end */
	} else if (no_number(from, n_from)) {
		memmove(from, to, n_to); /* "0-1210", "-1210": the second */
		out->len = at + n_to;
	}
	if (no_number(from, out->len - at))
		out->len = at; /* "0-0", "-": no number at all */
	out->data[out->len] = '\0';
}

/* Replaces runs of white space with one space and trims both ends, in place. */
static void collapse_spaces(struct hv_buf *b)
{
	size_t o = 0;

	for (size_t i = 0; i < b->len; i++) {
		bool space = b->data[i] == ' ' || (b->data[i] >= '\t' && b->data[i] <= '\r');

		if (!space)
			b->data[o++] = b->data[i];
		else if (o > 0 && b->data[o - 1] != ' ')
			b->data[o++] = ' ';
	}
	if (o > 0 && b->data[o - 1] == ' ')
		o--;
	b->len = o;
	b->data[o] = '\0';
}

/* The row's address from the template, into r->addr. */
static void render_template(struct hv_geo_reader *r)
{
	hv_buf_reset(&r->addr);
	for (size_t i = 0; i < r->n_tpl; i++) {
		const struct tpl_part *t = &r->tpl[i];

		if (t->text)
			hv_buf_add(&r->addr, t->text, t->len);
		else if (t->f_b >= 0)
			add_range(r, t, &r->addr);
		else
			add_cell(r, t->f_a, &r->addr);
	}
	if (!r->addr.failed)
		collapse_spaces(&r->addr);
}

/* One pass over the fields, copying out each value as it goes by (GDAL formats non-text fields
 * into one scratch buffer per feature): the roles' trimmed values, and every attribute's value
 * into vals, NUL-separated. */
static void copy_values(struct hv_geo_reader *r)
{
	struct hv_buf *roles[] = {&r->key, &r->name, &r->addr, &r->status, &r->kind};
	const int role_of[] = {r->f_id, r->f_name, r->f_addr, r->f_status, r->f_kind};

	for (size_t k = 0; k < sizeof(roles) / sizeof(roles[0]); k++)
		hv_buf_reset(roles[k]);
	hv_buf_reset(&r->vals);
	for (int i = 0; i < r->n_fields; i++) {
		const char *v = cell(r, i);
		int a = r->attr_of[i];

		if (a >= 0) {
			r->val_off[a] = v ? r->vals.len : SIZE_MAX;
			if (v)
				hv_buf_add(&r->vals, v, strlen(v) + 1);
		}
		for (size_t k = 0; k < sizeof(roles) / sizeof(roles[0]); k++)
			if (role_of[k] == i && v)
				set_trimmed(roles[k], v);
	}
}

/* values[] and attrs_json from the copies: the same strings, so either reads the same. */
static void publish_values(struct hv_geo_reader *r)
{
	struct hv_json w;

	hv_buf_reset(&r->attrs);
	hv_json_init(&w, &r->attrs, false);
	hv_json_obj_begin(&w);
	for (size_t a = 0; a < r->n_attrs; a++) {
		r->values[a] = r->val_off[a] == SIZE_MAX ? NULL : r->vals.data + r->val_off[a];
		hv_json_key(&w, r->attr_names[a]);
		hv_json_str(&w, r->values[a]);
	}
	hv_json_obj_end(&w);
}

/* Fills the feature's attributes and roles: source_key (the row number without an id field),
 * kind, name, address, status. An empty id is an error for the row. */
static int read_roles(struct hv_geo_reader *r, struct hv_geo_feature *f, struct hv_err *err)
{
	copy_values(r);
	if (r->tpl)
		render_template(r);
	if (!r->vals.failed)
		publish_values(r);
	if (r->vals.failed || r->attrs.failed || r->key.failed || r->name.failed ||
	    r->addr.failed || r->status.failed || r->kind.failed)
		return row_err(r, err, HV_ELIMIT, NULL, "a value is too large");
	if (r->f_id >= 0 && r->key.len == 0)
		return row_err(r, err, HV_EINVAL, r->names[r->f_id], "the id is empty%s",
			       r->id_guessed
				       ? " (the id field was guessed: name one with --id-field)"
				       : "");
	if (r->f_id < 0)
		hv_buf_addf(&r->key, "%lld", (long long)r->row);
	if (r->kind.len == 0)
		hv_buf_adds(&r->kind, r->fixed_kind);
	lower_ascii(r->kind.data);
	f->source_key = r->key.data;
	f->kind = r->kind.data;
	f->name = r->name.len ? r->name.data : NULL;
	f->address = r->addr.len ? r->addr.data : NULL;
	f->status = r->status.len ? r->status.data : NULL;
	f->attrs_json = r->attrs.data;
	f->values = r->values;
	return HV_OK;
}

/* ---- one feature: geometry ---- */

static bool in_area(const struct hv_geo_reader *r, double lon, double lat)
{
	double m = AREA_MARGIN_DEG;
	bool lon_ok;

	if (!r->check_area)
		return true;
	if (r->area_w <= r->area_e)
		lon_ok = lon >= r->area_w - m && lon <= r->area_e + m;
	else /* the area crosses the antimeridian */
		lon_ok = lon >= r->area_w - m || lon <= r->area_e + m;
	return lon_ok && lat >= r->area_s - m && lat <= r->area_n + m;
}

static int area_err(const struct hv_geo_reader *r, struct hv_err *err, double x, double y,
		    double lon, double lat)
{
	return row_err(r, err, HV_EINVAL, NULL,
		       "coordinates (%.10g, %.10g) lie outside the area of use of %s "
		       "(lon %.2f..%.2f, lat %.2f..%.2f): they fall at lon %.4f, lat %.4f",
		       x, y, r->srs_label, r->area_w, r->area_e, r->area_s, r->area_n, lon, lat);
}

static void grow_wkb(struct hv_geo_reader *r, size_t n)
{
	if (n > r->wkb_cap)
		r->wkb = hv_xgrow(r->wkb, &r->wkb_cap, n, 1);
}

/* A point as ISO WKB, written directly: points are most of what cities publish. */
static void set_point(struct hv_geo_reader *r, struct hv_geo_feature *f, double lon, double lat)
{
	const uint16_t probe = 1;
	const uint32_t type = 1;

	grow_wkb(r, 21);
	/* Byte order flag: 1 little-endian (NDR), 0 big; the numbers follow in host order. */
	r->wkb[0] = *(const unsigned char *)&probe == 1 ? 1 : 0;
	memcpy(r->wkb + 1, &type, 4);
	memcpy(r->wkb + 5, &lon, 8);
	memcpy(r->wkb + 13, &lat, 8);
	f->wkb = r->wkb;
	f->wkb_len = 21;
	f->geom_type = "Point";
	f->has_point = true;
	f->lon = f->minx = f->maxx = lon;
	f->lat = f->miny = f->maxy = lat;
}

/* Parses one coordinate cell. 0: a number; 1: empty; <0: error reported. */
static int coord_cell(const struct hv_geo_reader *r, int i, double *v, struct hv_err *err)
{
	const char *s = cell(r, i);
	struct hv_str t = hv_str_trim(hv_str_cstr(s));
	char q[QUOTE_MAX + 8];

	if (t.len == 0)
		return 1;
	if (hv_str_to_double(t, v))
		return 0;
	quote_cell(q, sizeof(q), s);
	return row_err(r, err, HV_EINVAL, r->names[i], "\"%s\" is not a number", q);
}

static int range_err(const struct hv_geo_reader *r, struct hv_err *err, int i, double v,
		     const char *what, int limit)
{
	return row_err(r, err, HV_EINVAL, r->names[i], "%.10g is out of range for a %s (-%d..%d)",
		       v, what, limit, limit);
}

/* Coordinates from two columns. 1: found; 0: both cells empty; <0: a bad value. */
static int from_columns(struct hv_geo_reader *r, struct hv_geo_feature *f, struct hv_err *err)
{
	const struct coords *c = &r->c;
	double a = 0, b = 0, lon, lat;
	int ea, eb = 0;

	if ((ea = coord_cell(r, c->f_a, &a, err)) < 0 || (eb = coord_cell(r, c->f_b, &b, err)) < 0)
		return ea < 0 ? ea : eb;
	/* (0, 0) is the placeholder exports write for "no location" (1,779 rows of the Chicago 2021
	 * inventory, both lat/lon and X/Y): no property sits there, so it counts as empty. */
	if ((ea && eb) || (!ea && !eb && a == 0.0 && b == 0.0))
		return 0;
	if (ea || eb)
		return row_err(r, err, HV_EINVAL, r->names[ea ? c->f_a : c->f_b],
			       "empty, but \"%s\" has a value", r->names[ea ? c->f_b : c->f_a]);
	if (!c->xy && (a < -90.0 || a > 90.0))
		return range_err(r, err, c->f_a, a, "latitude", 90);
	if (!c->xy && (b < -180.0 || b > 180.0))
		return range_err(r, err, c->f_b, b, "longitude", 180);
	lon = b;
	lat = a;
	if ((c->xy || c->ll_ct) && r->ct) {
		if (!OCTTransform(r->ct, 1, &lon, &lat, NULL) || !isfinite(lon) || !isfinite(lat))
			return row_err(r, err, HV_EINVAL, NULL,
				       "coordinates (%.10g, %.10g) cannot be reprojected from %s",
				       b, a, r->srs_label);
	}
	if (fabs(lat) > 90.0 || fabs(lon) > 180.0 || !in_area(r, lon, lat)) {
		if (r->check_area)
			return area_err(r, err, b, a, lon, lat);
		return row_err(r, err, HV_EINVAL, NULL,
			       "coordinates (%.10g, %.10g) are not longitude/latitude in %s", b, a,
			       r->srs_label ? r->srs_label : "EPSG:4326");
	}
	set_point(r, f, lon, lat);
	return 1;
}

/* "(lat, lon)" or POINT WKT in the location field, or in the first field that has one. A cell
 * that holds neither, or the (0, 0) placeholder, leaves the row without coordinates (an
 * address-only property). */
static void from_location(struct hv_geo_reader *r, struct hv_geo_feature *f)
{
	const struct coords *c = &r->c;
	int first = c->f_loc >= 0 ? c->f_loc : 0;
	int last = c->f_loc >= 0 ? c->f_loc : r->n_fields - 1;
	double lat, lon;

	for (int i = first; i <= last; i++) {
		const char *s;

		if (i == c->f_a || i == c->f_b || i == c->f_wkt)
			continue;
		s = cell(r, i);
		if (s && hv_geo_parse_location_cell(s, strlen(s), &lat, &lon) &&
		    !(lat == 0.0 && lon == 0.0)) {
			set_point(r, f, lon, lat);
			return;
		}
	}
}

/* Curves become line work and TINs/triangles multipolygons, so GEOS and every consumer of our
 * WKB see simple features only. Returns a geometry the caller owns, or NULL to use g as is. */
static OGRGeometryH simplify_type(OGRGeometryH g)
{
	OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
	OGRGeometryH own = NULL;

	if (OGR_GT_IsNonLinear(t)) {
		own = OGR_G_GetLinearGeometry(g, 0, NULL);
		if (!own)
			return NULL;
		t = wkbFlatten(OGR_G_GetGeometryType(own));
	}
	if (t == wkbTriangle || t == wkbTIN || t == wkbPolyhedralSurface)
		own = OGR_G_ForceToMultiPolygon(own ? own : OGR_G_Clone(g));
	return own;
}

static int export_wkb(struct hv_geo_reader *r, OGRGeometryH g, size_t *len, struct hv_err *err)
{
	int n = OGR_G_WkbSize(g);

	if (n <= 0)
		return row_err(r, err, HV_EINVAL, NULL, "the geometry cannot be encoded");
	grow_wkb(r, (size_t)n);
	if (OGR_G_ExportToIsoWkb(g, wkbNDR, r->wkb) != OGRERR_NONE)
		return row_err(r, err, HV_EINVAL, NULL, "the geometry cannot be encoded");
	*len = (size_t)n;
	return HV_OK;
}

/* Validity, repair and representative point through GEOS, for everything but single points. */
static int shape_through_geos(struct hv_geo_reader *r, size_t len, struct hv_geo_feature *f,
			      struct hv_err *err)
{
	struct hv_geo_shape s;
	int rc = hv_geo_valid_shape(r->valid, r->wkb, len, &s, &r->fixed_wkb, &r->repair, err);

	if (rc)
		return hv_err_prefix(err, rc, "%s: %s %lld", r->path, r->unit, (long long)r->row);
	if (s.empty)
		return HV_OK;
	f->wkb = s.repaired ? (const unsigned char *)r->fixed_wkb.data : r->wkb;
	f->wkb_len = s.repaired ? r->fixed_wkb.len : len;
	f->repair = s.repaired ? r->repair.data : NULL;
	f->geom_type = s.type;
	f->has_point = s.has_point;
	f->lon = s.x;
	f->lat = s.y;
	f->minx = s.minx;
	f->miny = s.miny;
	f->maxx = s.maxx;
	f->maxy = s.maxy;
	return HV_OK;
}

static int from_geometry(struct hv_geo_reader *r, OGRGeometryH g, struct hv_geo_feature *f,
			 struct hv_err *err)
{
	OGRGeometryH own = simplify_type(g);
	OGRGeometryH use = own ? own : g;
	OGREnvelope env;
	size_t len = 0;
	int rc;

	OGR_G_FlattenTo2D(use);
	/* Careless GeoJSON leaves rings open; GEOS would refuse them outright. */
	OGR_G_CloseRings(use);
	CPLErrorReset();
	if (r->ct && OGR_G_Transform(use, r->ct) != OGRERR_NONE) {
		rc = row_err(r, err, HV_EINVAL, NULL, "cannot reproject the geometry from %s: %s",
			     r->srs_label, hv_geo_gdal_msg());
		goto out;
	}
	OGR_G_GetEnvelope(use, &env);
	if (!lonlat_env(&env)) {
		rc = row_err(r, err, HV_EINVAL, NULL,
			     "coordinates (x %.10g..%.10g, y %.10g..%.10g) are not "
			     "longitude/latitude: is the CRS right? (--srs EPSG:N)",
			     env.MinX, env.MaxX, env.MinY, env.MaxY);
		goto out;
	}
	if (wkbFlatten(OGR_G_GetGeometryType(use)) == wkbPoint)
		set_point(r, f, OGR_G_GetX(use, 0), OGR_G_GetY(use, 0));
	else if ((rc = export_wkb(r, use, &len, err)) || (rc = shape_through_geos(r, len, f, err)))
		goto out;
	if (f->has_point && !in_area(r, f->lon, f->lat))
		rc = row_err(r, err, HV_EINVAL, NULL,
			     "the geometry lies outside the area of use of %s (lon %.2f..%.2f, lat "
			     "%.2f..%.2f): it falls at lon %.4f, lat %.4f",
			     r->srs_label, r->area_w, r->area_e, r->area_s, r->area_n, f->lon,
			     f->lat);
out:
	if (own)
		OGR_G_DestroyGeometry(own);
	return rc;
}

static int read_geometry(struct hv_geo_reader *r, struct hv_geo_feature *f, struct hv_err *err)
{
	OGRGeometryH g = r->has_geom ? OGR_F_GetGeometryRef(r->feat) : NULL;
	int rc;

	if (g && !OGR_G_IsEmpty(g))
		return from_geometry(r, g, f, err);
	if (!g && r->c.f_wkt >= 0) {
		const char *s = cell(r, r->c.f_wkt);
		char q[QUOTE_MAX + 8];

		/* GDAL drops WKT it cannot parse without a word; say so instead. */
		if (s && hv_str_trim(hv_str_cstr(s)).len) {
			quote_cell(q, sizeof(q), s);
			return row_err(r, err, HV_EINVAL, r->names[r->c.f_wkt],
				       "\"%s\" is not a WKT geometry", q);
		}
	}
	if (r->c.f_a >= 0) {
		rc = from_columns(r, f, err);
		if (rc != 0)
			return rc < 0 ? rc : HV_OK;
	}
	if (r->c.f_loc != NO_FIELD)
		from_location(r, f);
	return HV_OK;
}

int hv_geo_reader_next(struct hv_geo_reader *r, struct hv_geo_feature *f, struct hv_err *err)
{
	int rc;

	memset(f, 0, sizeof(*f));
	if (r->feat) {
		OGR_F_Destroy(r->feat);
		r->feat = NULL;
	}
	CPLErrorReset();
	r->feat = OGR_L_GetNextFeature(r->layer);
	if (!r->feat) {
		if (CPLGetLastErrorType() >= CE_Failure)
			return hv_err_set(err, HV_EFORMAT, "%s: reading after %s %lld: %s", r->path,
					  r->unit, (long long)r->row, hv_geo_gdal_msg());
		return 0;
	}
	r->row++;
	f->row = r->row;
	if ((rc = read_roles(r, f, err)) || (rc = read_geometry(r, f, err)))
		return rc;
	return 1;
}
