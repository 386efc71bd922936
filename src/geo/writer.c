/* SPDX-License-Identifier: Apache-2.0 */
/* Export: one layer of text fields in GeoJSON, CSV (WKT), GeoPackage or Shapefile, and point
 * reprojection. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "geo/geo.h"
#include "geo/geo_internal.h"

#include "core/banned.h"

/* dBASE's widest character field: GDAL's default of 80 would cut longer values. */
#define SHP_TEXT_WIDTH 254

struct hv_geo_writer {
	char *path;
	enum hv_geo_format fmt;
	GDALDatasetH ds;
	OGRLayerH layer;
	OGRCoordinateTransformationH ct; /* WGS 84 -> output CRS; NULL for EPSG:4326 */
	size_t n_fields;
	int *field_idx; /* layer field index of each caller field */
	bool in_tx;
	int64_t n_written;
};

bool hv_geo_format_parse(const char *name, enum hv_geo_format *out)
{
	static const struct {
		const char *name;
		enum hv_geo_format fmt;
	} names[] = {
		{"geojson", HV_GEO_GEOJSON},	 {"csv", HV_GEO_CSV},
		{"gpkg", HV_GEO_GPKG},		 {"shp", HV_GEO_SHAPEFILE},
		{"shapefile", HV_GEO_SHAPEFILE},
	};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (hv_str_ieq_cstr(hv_str_cstr(name), names[i].name)) {
			*out = names[i].fmt;
			return true;
		}
	}
	return false;
}

static const char *driver_name(enum hv_geo_format fmt)
{
	switch (fmt) {
	case HV_GEO_GEOJSON:
		return "GeoJSON";
	case HV_GEO_CSV:
		return "CSV";
	case HV_GEO_GPKG:
		return "GPKG";
	case HV_GEO_SHAPEFILE:
		return "ESRI Shapefile";
	}
	return "GeoJSON";
}

/* A Shapefile keeps 10 characters of a field name: our role fields get names the reader knows,
 * the rest GDAL launders. */
static const char *shp_field_name(const char *name)
{
	static const char *const map[][2] = {
		{HV_GEO_F_SOURCE, HV_GEO_F_SOURCE_SHP},
		{HV_GEO_F_SOURCE_ID, HV_GEO_F_SOURCE_ID_SHP},
		{HV_GEO_F_ADDRESS, HV_GEO_F_ADDRESS_SHP},
		{HV_GEO_F_STATUS, HV_GEO_F_STATUS_SHP},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(name, map[i][0]) == 0)
			return map[i][1];
	return name;
}

/* The name a field is created under. CSV, GeoPackage and Shapefile match field names ignoring
 * case, so a name equal but for case to an earlier one ("NAME" after "name", as an export of
 * several sources has) gets a "_2" (or "_3", ...) suffix rather than failing the export. */
static void column_name(const struct hv_geo_writer *w, OGRFeatureDefnH defn, const char *field,
			struct hv_buf *out)
{
	const char *base = w->fmt == HV_GEO_SHAPEFILE ? shp_field_name(field) : field;

	hv_buf_reset(out);
	hv_buf_adds(out, base);
	if (w->fmt == HV_GEO_GEOJSON)
		return;
	for (int n = 2; OGR_FD_GetFieldIndex(defn, out->data) >= 0; n++) {
		hv_buf_reset(out);
		hv_buf_addf(out, "%s_%d", base, n);
	}
}

static int create_fields(struct hv_geo_writer *w, const char *const *fields, struct hv_err *err)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(w->layer);
	struct hv_buf name;
	int rc = HV_OK;

	hv_buf_init(&name, 0);
	w->field_idx = hv_xcalloc(w->n_fields ? w->n_fields : 1, sizeof(*w->field_idx));
	for (size_t i = 0; i < w->n_fields && rc == HV_OK; i++) {
		OGRFieldDefnH fd;
		OGRErr e;

		column_name(w, defn, fields[i], &name);
		fd = OGR_Fld_Create(name.data, OFTString);
		if (w->fmt == HV_GEO_SHAPEFILE)
			OGR_Fld_SetWidth(fd, SHP_TEXT_WIDTH);
		CPLErrorReset();
		e = OGR_L_CreateField(w->layer, fd, TRUE);
		OGR_Fld_Destroy(fd);
		if (e != OGRERR_NONE)
			rc = hv_err_set(err, HV_EIO, "%s: cannot create field \"%s\": %s", w->path,
					fields[i], hv_geo_gdal_msg());
		/* Drivers may add columns of their own: take the index GDAL gave, not i. */
		w->field_idx[i] = OGR_FD_GetFieldCount(defn) - 1;
	}
	hv_buf_release(&name);
	return rc;
}

/* CSV: geometry as a WKT column our reader picks up again. Shapefile: UTF-8 in the .dbf (with a
 * .cpg saying so) rather than GDAL's Latin-1 default, which loses characters. */
static char **layer_options(enum hv_geo_format fmt)
{
	static const char *const csv_lco[] = {"GEOMETRY=AS_WKT", NULL};
	static const char *const shp_lco[] = {"ENCODING=UTF-8", NULL};

	switch (fmt) {
	case HV_GEO_CSV:
		return (char **)csv_lco;
	case HV_GEO_SHAPEFILE:
		return (char **)shp_lco;
	default:
		return NULL;
	}
}

static int create_layer(struct hv_geo_writer *w, const char *layer, OGRSpatialReferenceH srs,
			struct hv_err *err)
{
	CPLErrorReset();
	w->layer = GDALDatasetCreateLayer(w->ds, layer ? layer : "haven", srs, wkbUnknown,
					  layer_options(w->fmt));
	if (!w->layer)
		return hv_err_set(err, HV_EIO, "%s: cannot create layer: %s", w->path,
				  hv_geo_gdal_msg());
	return HV_OK;
}

int hv_geo_writer_open(const char *path, enum hv_geo_format fmt, const char *layer, int epsg,
		       const char *const *fields, size_t n_fields, struct hv_geo_writer **out,
		       struct hv_err *err)
{
	struct hv_geo_writer *w = NULL;
	OGRSpatialReferenceH srs = NULL, wgs84 = NULL;
	GDALDriverH drv;
	int rc = HV_OK;

	*out = NULL;
	hv_geo_init();
	if (hv_geo_path_stat(path, NULL, NULL))
		return hv_err_set(err, HV_EEXIST, "%s: already exists", path);
	if (fmt == HV_GEO_GEOJSON)
		epsg = 4326; /* RFC 7946: GeoJSON is WGS 84 */
	srs = hv_geo_srs_epsg(epsg);
	wgs84 = hv_geo_srs_epsg(4326);
	if (!srs || !wgs84) {
		rc = hv_err_set(err, HV_EINVAL, "EPSG:%d is not a CRS GDAL knows", epsg);
		goto out;
	}
	drv = GDALGetDriverByName(driver_name(fmt));
	if (!drv) {
		rc = hv_err_set(err, HV_EINTERNAL, "GDAL has no %s driver", driver_name(fmt));
		goto out;
	}
	w = hv_xcalloc(1, sizeof(*w));
	w->path = hv_xstrdup(path);
	w->fmt = fmt;
	w->n_fields = n_fields;
	CPLErrorReset();
	w->ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
	if (!w->ds) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot create: %s", path, hv_geo_gdal_msg());
		goto out;
	}
	if ((rc = create_layer(w, layer, srs, err)) || (rc = create_fields(w, fields, err)))
		goto out;
	if (epsg != 4326) {
		CPLErrorReset();
		w->ct = OCTNewCoordinateTransformation(wgs84, srs);
		if (!w->ct) {
			rc = hv_err_set(err, HV_EINVAL,
					"cannot reproject from WGS 84 to EPSG:%d: %s", epsg,
					hv_geo_gdal_msg());
			goto out;
		}
	}
	/* One transaction for the whole export: a GeoPackage commits per feature otherwise. */
	w->in_tx = GDALDatasetTestCapability(w->ds, ODsCTransactions) &&
		   GDALDatasetStartTransaction(w->ds, FALSE) == OGRERR_NONE;
	*out = w;
	w = NULL;
out:
	hv_geo_writer_free(w);
	if (srs)
		OSRRelease(srs);
	if (wgs84)
		OSRRelease(wgs84);
	return rc;
}

static int set_geometry(struct hv_geo_writer *w, OGRFeatureH feat, const unsigned char *wkb,
			size_t wkb_len, struct hv_err *err)
{
	OGRGeometryH g = NULL;

	if (OGR_G_CreateFromWkbEx(wkb, NULL, &g, wkb_len) != OGRERR_NONE)
		return hv_err_set(err, HV_EINVAL, "%s: feature %lld: the geometry is not WKB",
				  w->path, (long long)w->n_written + 1);
	CPLErrorReset();
	if (w->ct && OGR_G_Transform(g, w->ct) != OGRERR_NONE) {
		OGR_G_DestroyGeometry(g);
		return hv_err_set(err, HV_EINVAL, "%s: feature %lld: cannot reproject: %s", w->path,
				  (long long)w->n_written + 1, hv_geo_gdal_msg());
	}
	OGR_F_SetGeometryDirectly(feat, g);
	return HV_OK;
}

int hv_geo_writer_add(struct hv_geo_writer *w, const unsigned char *wkb, size_t wkb_len,
		      const char *const *values, struct hv_err *err)
{
	OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(w->layer));
	int rc = HV_OK;

	if (wkb && (rc = set_geometry(w, feat, wkb, wkb_len, err)))
		goto out;
	for (size_t i = 0; i < w->n_fields; i++)
		if (values && values[i])
			OGR_F_SetFieldString(feat, w->field_idx[i], values[i]);
	CPLErrorReset();
	if (OGR_L_CreateFeature(w->layer, feat) != OGRERR_NONE) {
		rc = hv_err_set(err, HV_EIO, "%s: feature %lld: %s", w->path,
				(long long)w->n_written + 1, hv_geo_gdal_msg());
		goto out;
	}
	w->n_written++;
out:
	OGR_F_Destroy(feat);
	return rc;
}

/* Deletes what the dataset wrote: the files GDAL listed (then frees the list), the path itself,
 * and for a Shapefile every sidecar, since GDAL's list leaves out the .prj and .cpg. */
static void unlink_output(const struct hv_geo_writer *w, char **files)
{
	static const char *const sidecars[] = {"shp", "shx", "dbf", "prj", "cpg", "qix"};

	for (char **f = files; f && *f; f++)
		VSIUnlink(*f);
	CSLDestroy(files);
	VSIUnlink(w->path);
	if (w->fmt != HV_GEO_SHAPEFILE)
		return;
	for (size_t i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++)
		VSIUnlink(CPLResetExtension(w->path, sidecars[i]));
}

int hv_geo_writer_close(struct hv_geo_writer *w, struct hv_err *err)
{
	char **files;
	int rc = HV_OK;

	if (!w)
		return HV_OK;
	CPLErrorReset();
	if (w->in_tx && GDALDatasetCommitTransaction(w->ds) != OGRERR_NONE) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot commit: %s", w->path, hv_geo_gdal_msg());
		hv_geo_writer_free(w);
		return rc;
	}
	w->in_tx = false;
	/* The list first: once closed, the dataset cannot say which files it wrote. */
	files = GDALGetFileList(w->ds);
	/* GDAL 3.6's GDALClose reports nothing: a failed flush shows as the last error. */
	CPLErrorReset();
	GDALClose(w->ds);
	w->ds = NULL;
	if (CPLGetLastErrorType() >= CE_Failure) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot write: %s", w->path, hv_geo_gdal_msg());
		unlink_output(w, files);
	} else {
		CSLDestroy(files);
	}
	hv_geo_writer_free(w);
	return rc;
}

/* Closes the dataset and deletes every file it made (a Shapefile is four or five). */
static void remove_output(struct hv_geo_writer *w)
{
	char **files = GDALGetFileList(w->ds);

	GDALClose(w->ds);
	w->ds = NULL;
	unlink_output(w, files);
}

void hv_geo_writer_free(struct hv_geo_writer *w)
{
	if (!w)
		return;
	if (w->ds) {
		if (w->in_tx)
			GDALDatasetRollbackTransaction(w->ds);
		remove_output(w);
	}
	if (w->ct)
		OCTDestroyCoordinateTransformation(w->ct);
	free(w->field_idx);
	free(w->path);
	free(w);
}

int hv_geo_transform_point(int from, int to, double *x, double *y, struct hv_err *err)
{
	OGRSpatialReferenceH s, t;
	OGRCoordinateTransformationH ct = NULL;
	double x0 = *x, y0 = *y;
	int rc = HV_OK;

	hv_geo_init();
	s = hv_geo_srs_epsg(from);
	t = hv_geo_srs_epsg(to);
	if (!s || !t) {
		rc = hv_err_set(err, HV_EINVAL, "EPSG:%d is not a CRS GDAL knows", s ? to : from);
		goto out;
	}
	CPLErrorReset();
	ct = OCTNewCoordinateTransformation(s, t);
	if (!ct) {
		rc = hv_err_set(err, HV_EINVAL, "cannot reproject from EPSG:%d to EPSG:%d: %s",
				from, to, hv_geo_gdal_msg());
		goto out;
	}
	if (!OCTTransform(ct, 1, x, y, NULL) || !isfinite(*x) || !isfinite(*y)) {
		*x = x0;
		*y = y0;
		rc = hv_err_set(err, HV_EINVAL,
				"(%.10g, %.10g) cannot be reprojected from EPSG:%d to EPSG:%d", x0,
				y0, from, to);
	}
out:
	if (ct)
		OCTDestroyCoordinateTransformation(ct);
	if (s)
		OSRRelease(s);
	if (t)
		OSRRelease(t);
	return rc;
}
