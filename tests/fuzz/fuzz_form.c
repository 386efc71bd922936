/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: form bodies (hv_form_parse). The input's first line is the Content-Type, the
 * rest the body. Every parsed field must have a non-empty UTF-8 name; a text value must be UTF-8
 * of exactly len bytes with no NUL; a file value must lie inside the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant must crash, in every build type (assert vanishes under NDEBUG). */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t)(nl - data) : size;
	char *ct = malloc(ct_len + 1);
	const char *body = nl ? (const char *)nl + 1 : (const char *)data + size;
	size_t len = nl ? size - ct_len - 1 : 0;
	struct hv_arena a;
	struct hv_form f;
	struct hv_err err;

	memcpy(ct, data, ct_len);
	ct[ct_len] = '\0';
	hv_arena_init(&a, 0);
	if (hv_form_parse(&a, strlen(ct) == ct_len ? ct : "", body, len, &f, &err) == HV_OK) {
		if (f.n_fields > HV_FORM_MAX_FIELDS)
			__builtin_trap();
		for (size_t i = 0; i < f.n_fields; i++) {
			const struct hv_form_field *x = &f.fields[i];

			if (!x->name[0] || !hv_utf8_valid(x->name, strlen(x->name)))
				__builtin_trap();
			if (hv_form_field(&f, x->name) != x)
				__builtin_trap();
			if (x->filename) {
				if (x->value < body || x->value + x->len > body + len)
					__builtin_trap();
			} else {
				if (strlen(x->value) != x->len || !hv_utf8_valid(x->value, x->len))
					__builtin_trap();
				if (hv_form_get(&f, x->name) != x->value)
					__builtin_trap();
			}
		}
	}
	hv_arena_release(&a);
	free(ct);
	return 0;
}
