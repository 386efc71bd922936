/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the query-string parser and the path parser on arbitrary bytes. Every
 * parsed value must be NUL-free valid UTF-8 and every path segment free of "..". */
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant must crash, in every build type (assert vanishes under NDEBUG). */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_arena a;
	struct hv_query q;
	struct hv_path p;
	struct hv_err err;
	const char *norm;

	hv_arena_init(&a, 0);
	if (hv_query_parse(&a, (const char *)data, size, &q, &err) == HV_OK) {
		for (size_t i = 0; i < q.n_params; i++) {
			if (!(*q.params[i].name))
				__builtin_trap();
			if (!(hv_utf8_valid(q.params[i].name, strlen(q.params[i].name))))
				__builtin_trap();
			if (!(hv_utf8_valid(q.params[i].value, strlen(q.params[i].value))))
				__builtin_trap();
			if (!(hv_query_get(&q, q.params[i].name) == q.params[i].value))
				__builtin_trap();
		}
	}
	if (hv_http_path_parse(&a, (const char *)data, size, &p, &norm, &err) == HV_OK) {
		if (!(norm[0] == '/'))
			__builtin_trap();
		for (size_t i = 0; i < p.n_segs; i++) {
			if (!(*p.segs[i]))
				__builtin_trap();
			if (!(strcmp(p.segs[i], "..") != 0 && strcmp(p.segs[i], ".") != 0))
				__builtin_trap();
		}
	}
	hv_arena_release(&a);
	return 0;
}
