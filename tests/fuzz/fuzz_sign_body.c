/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the JSON bodies of the signs API (install with its GPS fix and base64
 * photo, inspect, assign, issue, measures, opt-in decisions). An accepted body keeps every
 * number in range and every photo within 20 MB; a refused one always says why. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "api/api_signs.h"
#include "signs/signs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const all[] = {
		"installer", "lat", "lon", "accuracy_m", "at", "reason", "correction",
		"photo_base64", "photo_sha256", "outcome", "note", "to_kind", "to",
		"ward_office", "count", "langs", "barrier", "locked_hours", "property_ids", "size",
		"variant", "template", "public_url", NULL};
	struct hv_api_sign_body b;
	struct hv_arena a;
	struct hv_err err;

	hv_arena_init(&a, 0);
	hv_err_clear(&err);
	if (hv_api_signs_parse_body(&a, (const char *)data, size, all, &b, &err) == HV_OK) {
		/* A broken invariant must crash, in every build type. */
		if (!isnan(b.lat) && !(b.lat >= -90 && b.lat <= 90))
			__builtin_trap();
		if (!isnan(b.lon) && !(b.lon >= -180 && b.lon <= 180))
			__builtin_trap();
		if (b.photo_len > HV_SIGNS_PHOTO_MAX || (b.photo_len && !b.photo))
			__builtin_trap();
		if (b.n_property_ids > HV_API_SIGNS_MAX_IDS)
			__builtin_trap();
		for (size_t i = 0; i < b.n_property_ids; i++)
			if (b.property_ids[i] <= 0)
				__builtin_trap();
		if (b.installer && strlen(b.installer) >= HV_SIGN_NAME_MAX)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	hv_arena_release(&a);
	return 0;
}
