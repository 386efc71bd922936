/* SPDX-License-Identifier: Apache-2.0 */
/* Geometry validity and representative points through GEOS's reentrant C API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geos_c.h>

#include "core/xalloc.h"
#include "geo/geo_internal.h"

#include "core/banned.h"

struct hv_geo_valid {
	GEOSContextHandle_t ctx;
	GEOSWKBReader *rd;
	GEOSWKBWriter *wr;
	char msg[256]; /* GEOS's last error on this context */
};

/* Growable list of borrowed-then-cloned polygon parts while collecting MakeValid's output. */
struct parts {
	GEOSGeometry **g;
	size_t n, cap;
};

static void on_geos_error(const char *message, void *userdata)
{
	struct hv_geo_valid *v = userdata;

	snprintf(v->msg, sizeof(v->msg), "%s", message);
}

struct hv_geo_valid *hv_geo_valid_new(void)
{
	struct hv_geo_valid *v = hv_xcalloc(1, sizeof(*v));

	v->ctx = GEOS_init_r();
	if (!v->ctx) {
		fprintf(stderr, "haven: GEOS_init_r failed\n");
		abort();
	}
	GEOSContext_setErrorMessageHandler_r(v->ctx, on_geos_error, v);
	v->rd = GEOSWKBReader_create_r(v->ctx);
	v->wr = GEOSWKBWriter_create_r(v->ctx);
	/* ISO WKB, 2D, as on the OGR side: stored WKB does not depend on which path made it. */
	GEOSWKBWriter_setFlavor_r(v->ctx, v->wr, GEOS_WKB_ISO);
	GEOSWKBWriter_setOutputDimension_r(v->ctx, v->wr, 2);
	GEOSWKBWriter_setByteOrder_r(v->ctx, v->wr, GEOS_WKB_NDR);
	return v;
}

void hv_geo_valid_free(struct hv_geo_valid *v)
{
	if (!v)
		return;
	GEOSWKBReader_destroy_r(v->ctx, v->rd);
	GEOSWKBWriter_destroy_r(v->ctx, v->wr);
	GEOS_finish_r(v->ctx);
	free(v);
}

static const char *type_name(int id)
{
	switch (id) {
	case GEOS_POINT:
		return "Point";
	case GEOS_LINESTRING:
	case GEOS_LINEARRING:
		return "LineString";
	case GEOS_POLYGON:
		return "Polygon";
	case GEOS_MULTIPOINT:
		return "MultiPoint";
	case GEOS_MULTILINESTRING:
		return "MultiLineString";
	case GEOS_MULTIPOLYGON:
		return "MultiPolygon";
	default:
		return "GeometryCollection";
	}
}

static const char *geos_msg(struct hv_geo_valid *v)
{
	return v->msg[0] ? v->msg : "no detail from GEOS";
}

/* Clones every non-empty polygon found in g, descending into collections: MakeValid may hand back
 * a GeometryCollection mixing the repaired areas with collapsed lines and points. */
static void collect_polygons(struct hv_geo_valid *v, const GEOSGeometry *g, struct parts *p)
{
	int id = GEOSGeomTypeId_r(v->ctx, g);

	if (id == GEOS_POLYGON) {
		if (GEOSisEmpty_r(v->ctx, g))
			return;
		p->g = hv_xgrow(p->g, &p->cap, p->n + 1, sizeof(*p->g));
		p->g[p->n++] = GEOSGeom_clone_r(v->ctx, g);
		return;
	}
	if (id == GEOS_MULTIPOLYGON || id == GEOS_GEOMETRYCOLLECTION) {
		int n = GEOSGetNumGeometries_r(v->ctx, g);

		for (int i = 0; i < n; i++)
			collect_polygons(v, GEOSGetGeometryN_r(v->ctx, g, i), p);
	}
}

/* MakeValid, then the polygonal parts only: NULL when none survive. multi keeps a MultiPolygon
 * input multi even when one part is left, so the geometry type does not change under repair. */
static GEOSGeometry *repair(struct hv_geo_valid *v, const GEOSGeometry *g, bool multi)
{
	struct parts p = {0};
	GEOSGeometry *made, *res = NULL;

	made = GEOSMakeValid_r(v->ctx, g);
	if (!made)
		return NULL;
	collect_polygons(v, made, &p);
	GEOSGeom_destroy_r(v->ctx, made);
	if (p.n == 1 && !multi)
		res = p.g[0];
	else if (p.n > 0)
		res = GEOSGeom_createCollection_r(v->ctx, GEOS_MULTIPOLYGON, p.g, (unsigned)p.n);
	free(p.g);
	return res;
}

static int write_wkb(struct hv_geo_valid *v, const GEOSGeometry *g, struct hv_buf *out,
		     struct hv_err *err)
{
	size_t size = 0;
	unsigned char *w = GEOSWKBWriter_write_r(v->ctx, v->wr, g, &size);

	if (!w)
		return hv_err_set(err, HV_EINVAL, "cannot encode the repaired geometry: %s",
				  geos_msg(v));
	hv_buf_reset(out);
	hv_buf_add(out, w, size);
	GEOSFree_r(v->ctx, w);
	return HV_OK;
}

/* Fills bbox, representative point and type from the final geometry g. */
static void describe(struct hv_geo_valid *v, const GEOSGeometry *g, struct hv_geo_shape *out)
{
	GEOSGeometry *pt;

	out->type = type_name(GEOSGeomTypeId_r(v->ctx, g));
	GEOSGeom_getXMin_r(v->ctx, g, &out->minx);
	GEOSGeom_getYMin_r(v->ctx, g, &out->miny);
	GEOSGeom_getXMax_r(v->ctx, g, &out->maxx);
	GEOSGeom_getYMax_r(v->ctx, g, &out->maxy);
	pt = GEOSPointOnSurface_r(v->ctx, g);
	if (pt && !GEOSisEmpty_r(v->ctx, pt) && GEOSGeomGetX_r(v->ctx, pt, &out->x) == 1 &&
	    GEOSGeomGetY_r(v->ctx, pt, &out->y) == 1)
		out->has_point = true;
	if (pt)
		GEOSGeom_destroy_r(v->ctx, pt);
}

/* Records GEOS's reason for invalidity; GEOS allocates it, the caller's buffer keeps it. */
static void keep_reason(struct hv_geo_valid *v, const GEOSGeometry *g, struct hv_buf *reason)
{
	char *r = GEOSisValidReason_r(v->ctx, g);

	hv_buf_reset(reason);
	hv_buf_adds(reason, r ? r : "invalid geometry");
	if (r)
		GEOSFree_r(v->ctx, r);
}

int hv_geo_valid_shape(struct hv_geo_valid *v, const unsigned char *wkb, size_t len,
		       struct hv_geo_shape *out, struct hv_buf *wkb_out, struct hv_buf *reason,
		       struct hv_err *err)
{
	GEOSGeometry *g = NULL, *fixed = NULL;
	int id, rc = HV_OK;
	char valid;

	memset(out, 0, sizeof(*out));
	v->msg[0] = '\0';
	g = GEOSWKBReader_read_r(v->ctx, v->rd, wkb, len);
	if (!g)
		return hv_err_set(err, HV_EINVAL, "unreadable geometry: %s", geos_msg(v));
	if (GEOSisEmpty_r(v->ctx, g)) {
		out->empty = true;
		goto out;
	}
	id = GEOSGeomTypeId_r(v->ctx, g);
	if (id == GEOS_POLYGON || id == GEOS_MULTIPOLYGON) {
		valid = GEOSisValid_r(v->ctx, g);
		if (valid == 2) {
			rc = hv_err_set(err, HV_EINVAL, "cannot check the geometry: %s",
					geos_msg(v));
			goto out;
		}
		if (valid == 0) {
			keep_reason(v, g, reason);
			fixed = repair(v, g, id == GEOS_MULTIPOLYGON);
			if (!fixed) {
				rc = hv_err_set(
					err, HV_EINVAL,
					"invalid geometry (%s) has no area left after repair",
					reason->data);
				goto out;
			}
			rc = write_wkb(v, fixed, wkb_out, err);
			if (rc)
				goto out;
			out->repaired = true;
		}
	}
	describe(v, fixed ? fixed : g, out);
out:
	if (fixed)
		GEOSGeom_destroy_r(v->ctx, fixed);
	GEOSGeom_destroy_r(v->ctx, g);
	return rc;
}
