/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a sign serial as typed or taken from a URL (GET /s/{serial}). An accepted
 * serial is normalised (PREFIX-XXXX-XXXX), and parsing the normal form gives it back. */
#include <stdint.h>
#include <string.h>

#include "signs/signs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[64], out[HV_SIGN_SERIAL_MAX], again[HV_SIGN_SERIAL_MAX];
	struct hv_err err;
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	memcpy(text, data, n);
	text[n] = 0;
	hv_err_clear(&err);
	if (hv_signs_serial_parse(text, out, &err) == HV_OK) {
		size_t len = strlen(out);

		/* A broken invariant must crash, in every build type. */
		if (len < 11 || len > 14 || out[len - 5] != '-' || out[len - 10] != '-')
			__builtin_trap();
		if (hv_signs_serial_parse(out, again, &err) != HV_OK || strcmp(out, again) != 0)
			__builtin_trap();
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	return 0;
}
