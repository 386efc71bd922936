/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the batch points CSV reader, lenient and strict. */
#include <stddef.h>
#include <stdint.h>

#include "geo/points.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, int64_t line, const char *msg)
{
	(void)ctx;
	(void)line;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_points p;
	struct hv_err err;

	for (int strict = 0; strict < 2; strict++) {
		hv_points_init(&p);
		hv_points_parse_csv((const char *)data, size, strict, ignore, NULL, &p, &err);
		for (size_t i = 0; i < p.n; i++)
			if (!(p.lon[i] >= -180 && p.lon[i] <= 180 && p.lat[i] >= -90 && p.lat[i] <= 90))
				__builtin_trap();
		hv_points_release(&p);
	}
	return 0;
}
