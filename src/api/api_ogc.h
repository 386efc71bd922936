/* SPDX-License-Identifier: Apache-2.0 */
/* The OGC API items filters' parsers (api_ogc.c), on their own so the fuzz target reaches them. */
#ifndef HV_API_API_OGC_H
#define HV_API_API_OGC_H

#include <stdint.h>

#include "core/err.h"

/* Parses an items bbox: "minx,miny,maxx,maxy" or the 3D "minx,miny,minz,maxx,maxy,maxz"
 * (heights ignored), CRS84 degrees, into box[4] = minx, miny, maxx, maxy. minx > maxx crosses
 * the antimeridian; miny > maxy, a value out of range or any other text is HV_EINVAL with err
 * saying "bbox: \"...\" <why>". */
int hv_api_ogc_bbox(const char *v, double box[4], struct hv_err *err);

/* Parses an items datetime into the inclusive range [*t0, *t1] of ms since the epoch: an RFC 3339
 * instant (t0 == t1), a date alone (that whole UTC day), or an interval "a/b" whose ends may be
 * ".." or empty (open: INT64_MIN, INT64_MAX). Anything else, or an interval ending before it
 * starts, is HV_EINVAL with err saying "datetime: \"...\" <why>". */
int hv_api_ogc_datetime(const char *v, int64_t *t0, int64_t *t1, struct hv_err *err);

#endif
