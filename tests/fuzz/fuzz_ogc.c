/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the OGC API items filters (bbox, datetime: untrusted query values) and the
 * WKB -> GeoJSON geometry writer, each on the whole input. A filter that parses must be in
 * range and ordered; a geometry that converts must be one well-formed GeoJSON object. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "api/api_ogc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant must crash, in every build type (assert vanishes under NDEBUG). */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct hv_err err;
	struct hv_buf b;
	struct hv_json w;
	double box[4];
	int64_t t0, t1;
	int rc;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0'; /* query values are NUL-free: the text up to the first NUL */
	if (hv_api_ogc_bbox(s, box, &err) == HV_OK) {
		if (!(box[0] >= -180 && box[0] <= 180 && box[2] >= -180 && box[2] <= 180))
			__builtin_trap();
		if (!(box[1] >= -90 && box[3] <= 90 && box[1] <= box[3]))
			__builtin_trap();
	} else if (strncmp(err.msg, "bbox: ", 6) != 0) {
		__builtin_trap();
	}
	if (hv_api_ogc_datetime(s, &t0, &t1, &err) == HV_OK) {
		if (!(t0 <= t1))
			__builtin_trap();
	} else if (strncmp(err.msg, "datetime: ", 10) != 0) {
		__builtin_trap();
	}
	free(s);

	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	rc = hv_api_geojson_geometry(&w, data, size);
	if (rc != HV_OK || size == 0) {
		if (strcmp(b.data, "null") != 0)
			__builtin_trap();
	} else {
		json_error_t jerr;
		json_t *j = json_loads(b.data, 0, &jerr);

		if (!j || !json_is_object(j) || !json_is_string(json_object_get(j, "type")))
			__builtin_trap();
		json_decref(j);
	}
	hv_buf_release(&b);
	return 0;
}
