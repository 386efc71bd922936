/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON bodies of the signs API (install, inspect, assign, ...), parsed and checked here so
 * that a fuzz target can reach the parser without a server. */
#ifndef HV_API_API_SIGNS_H
#define HV_API_API_SIGNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

#define HV_API_SIGNS_MAX_IDS 10000

/* Every member any signs route takes; a route passes the names it accepts. Strings are arena
 * copies (NULL: absent); numbers NaN when absent. */
struct hv_api_sign_body {
	const char *installer, *reason, *note, *outcome, *to_kind, *to, *photo_sha256;
	const char *ward_office, *langs, *barrier, *locked_hours, *size, *variant;
	const char *template_name, *public_url;
	double lat, lon, accuracy_m;
	int64_t at_ms; /* "at": ISO 8601; 0 absent */
	bool correction;
	unsigned char *photo; /* "photo_base64" decoded (<= HV_SIGNS_PHOTO_MAX bytes) */
	size_t photo_len;
	int64_t *property_ids; /* "property_ids": [1, 2, ...] */
	size_t n_property_ids;
	int64_t count;
};

/* Parses body (a JSON object) accepting only the members named in allowed (NULL-terminated):
 * malformed JSON (line and column), an unknown member, a wrong type, a string too long, a
 * coordinate out of range, bad base64 or a photo over 20 MB: HV_EINVAL / HV_ELIMIT naming the
 * member. */
int hv_api_signs_parse_body(struct hv_arena *a, const char *body, size_t len,
			    const char *const *allowed, struct hv_api_sign_body *out,
			    struct hv_err *err);

#endif
