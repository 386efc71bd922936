/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the sign template parser (documents come from admins over the API and the
 * command line). An accepted template always has a valid name, English text, and every text of
 * every present language; a refused one always says why. */
#include <stdint.h>
#include <string.h>

#include "signs/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant must crash, in every build type (assert vanishes under NDEBUG). */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_sign_template *t = NULL;
	struct hv_err err;

	hv_err_clear(&err);
	if (hv_sign_template_parse((const char *)data, size, &t, &err) == HV_OK) {
		size_t n = strlen(t->name);

		CHECK(n >= 1 && n <= 40);
		CHECK(strspn(t->name, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
		CHECK(strcmp(t->kind, "city") == 0 || strcmp(t->kind, "private") == 0);
		CHECK(t->city[0] && t->citation[0] && t->unreviewed_mark[0]);
		CHECK(t->texts[HV_LANG_EN].present);
		CHECK(!t->seal_png || t->seal_len >= 8);
		for (int l = 0; l < HV_LANG_COUNT; l++) {
			if (!t->texts[l].present)
				continue;
			CHECK(t->texts[l].heading && t->texts[l].heading[0]);
			for (int v = 0; v < HV_VARIANT_COUNT; v++)
				CHECK(t->texts[l].body[v] && t->texts[l].body[v][0]);
		}
		hv_sign_template_free(t);
	} else {
		CHECK(t == NULL);
		CHECK(err.msg[0] != '\0');
	}
	return 0;
}
