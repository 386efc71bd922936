/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the body parser of POST /api/v1/lookup. Accepted points are always in
 * range and never more than the limit. */
#include <math.h>
#include <stdint.h>

#include "api/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant must crash, in every build type (assert vanishes under NDEBUG). */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_arena a;
	struct hv_api_points p;
	struct hv_err err;

	hv_arena_init(&a, 0);
	if (hv_api_parse_points(&a, (const char *)data, size, &p, &err) == HV_OK) {
		if (!(p.n <= HV_API_LOOKUP_MAX_POINTS))
			__builtin_trap();
		if (!(p.radius_m >= 0 && p.radius_m <= HV_API_LOOKUP_MAX_RADIUS_M))
			__builtin_trap();
		for (size_t i = 0; i < p.n; i++)
			if (!(fabs(p.lon[i]) <= 180 && fabs(p.lat[i]) <= 90))
				__builtin_trap();
	}
	hv_arena_release(&a);
	return 0;
}
