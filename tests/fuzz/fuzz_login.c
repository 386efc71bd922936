/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the body parser of POST /api/v1/login. An accepted body always yields a
 * name and a password within their bounds. */
#include <stdint.h>
#include <string.h>

#include "api/api.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant must crash, in every build type (assert vanishes under NDEBUG). */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_arena a;
	struct hv_api_login in;
	struct hv_err err;

	hv_arena_init(&a, 0);
	hv_err_clear(&err);
	if (hv_api_parse_login(&a, (const char *)data, size, &in, &err) == HV_OK) {
		size_t n = strlen(in.name);

		if (!(n >= 1 && n < HV_USER_NAME_MAX))
			__builtin_trap();
		if (!(strlen(in.password) <= HV_API_PASSWORD_MAX))
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	hv_arena_release(&a);
	return 0;
}
