/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes hv_geo_parse_location_cell: untrusted CSV cells, so any bytes must be safe. */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "geo/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double lat = 1000.0, lon = 1000.0;

	/* The view is not NUL-terminated: a read past size is the bug ASan should catch. */
	if (hv_geo_parse_location_cell((const char *)data, size, &lat, &lon)) {
		assert(isfinite(lat) && lat >= -90.0 && lat <= 90.0);
		assert(isfinite(lon) && lon >= -180.0 && lon <= 180.0);
	} else {
		assert(lat == 1000.0 && lon == 1000.0);
	}
	return 0;
}
