/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the report/update parser (first byte 'R' or 'U') and the case body parser
 * ('C' new case, 'E' case event) on arbitrary bytes. What a report parser accepts must be
 * canonical JSON that parses again, with no member outside the ones it knows. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "cases/cases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_arena a;
	struct hv_err err;

	if (size < 1)
		return 0;
	hv_arena_init(&a, 0);
	if (data[0] == 'C' || data[0] == 'E') {
		struct hv_api_case_in c;

		if (hv_api_parse_case(&a, (const char *)data + 1, size - 1, data[0] == 'C', &c,
				      &err) == HV_OK) {
			if (data[0] == 'C' && !c.title)
				__builtin_trap();
			if (c.n_incidents > HV_API_CASE_MAX_INCIDENTS)
				__builtin_trap();
		}
	} else {
		struct hv_incident_in in;
		bool report = data[0] != 'U';

		if (hv_incident_parse(&a, (const char *)data + 1, size - 1, report, 1796000000000LL,
				      &in, &err) == HV_OK) {
			json_t *j =
				json_loadb(in.data.data, in.data.len, JSON_REJECT_DUPLICATES, NULL);

			if (!json_is_object(j))
				__builtin_trap();
			if (json_object_get(j, "citizenship") ||
			    json_object_get(j, "immigration_status"))
				__builtin_trap();
			json_decref(j);
			if (report && (!in.type || !in.occurred_ms))
				__builtin_trap();
			if (in.witness.len) {
				j = json_loadb(in.witness.data, in.witness.len, 0, NULL);
				if (!json_is_array(j))
					__builtin_trap();
				json_decref(j);
			}
		}
		hv_incident_in_release(&in);
	}
	hv_arena_release(&a);
	return 0;
}
