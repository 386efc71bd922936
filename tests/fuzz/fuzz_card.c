/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a pocket-card language file (configuration) on arbitrary bytes. What it
 * accepts has a title, 1 to 12 steps and lines within their bounds; what it refuses gets a
 * message that is itself UTF-8 (it is shown on the card page). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cases/checklist.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_card *c = malloc(sizeof(*c));
	struct hv_err err;

	if (!c)
		return 0;
	if (hv_card_parse("fuzz.txt", (const char *)data, size, c, &err) != HV_OK) {
		if (!err.msg[0] || !hv_utf8_valid(err.msg, strlen(err.msg)))
			__builtin_trap();
	} else {
		if (!c->title[0] || c->n_steps < 1 || c->n_steps > HV_CARD_LINES_MAX ||
		    c->n_notes > HV_CARD_LINES_MAX)
			__builtin_trap();
		for (size_t i = 0; i < c->n_steps; i++)
			if (!c->steps[i][0] || strlen(c->steps[i]) > HV_CARD_LINE_MAX)
				__builtin_trap();
	}
	free(c);
	return 0;
}
