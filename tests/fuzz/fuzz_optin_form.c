/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the public opt-in form's body (POST /opt-in). An accepted body always has
 * the four fields, non-empty, valid UTF-8, within bounds, a known kind and consent; a refused
 * one always says why. */
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "signs/signs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void field_ok(const char *s)
{
	/* A broken invariant must crash, in every build type (assert vanishes under NDEBUG). */
	if (!s || !*s || strlen(s) > 250 || !hv_utf8_valid(s, strlen(s)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"business", "church", "clinic", "nonprofit", "other"};
	struct hv_signs_optin_form f;
	struct hv_arena a;
	struct hv_err err;
	bool known = false;

	hv_arena_init(&a, 0);
	hv_err_clear(&err);
	if (hv_signs_optin_parse(&a, (const char *)data, size, &f, &err) == HV_OK) {
		field_ok(f.organisation);
		field_ok(f.kind);
		field_ok(f.address);
		field_ok(f.contact);
		for (size_t i = 0; i < 5; i++)
			known |= strcmp(f.kind, kinds[i]) == 0;
		if (!known || !f.consent)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	hv_arena_release(&a);
	return 0;
}
