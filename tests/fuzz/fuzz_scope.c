/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: parse the input as a scope expression; when it parses, evaluate it against a full
 * and a sparse property. Errors must carry a "column N: " message with a column inside the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "registry/scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *attr(void *ctx, const char *key)
{
	static const char *const pairs[][2] = {
		{"Ward", "28"},
		{"Zoning Classification", "RS-3"},
		{"Sq. Ft.", "3125.50"},
		{"Blank", "  "},
		{"Long",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	};

	(void)ctx;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (strcmp(pairs[i][0], key) == 0)
			return pairs[i][1];
	return NULL;
}

static void check_error(int rc, const struct hv_err *err, size_t len)
{
	char *end;
	unsigned long column;

	if (rc != HV_EINVAL && rc != HV_ELIMIT)
		abort();
	if (err->code != rc || strncmp(err->msg, "column ", 7) != 0)
		abort();
	column = strtoul(err->msg + 7, &end, 10);
	if (column < 1 || column > len + 1 || *end != ':')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hv_scope_subject full = {
		.kind = "lot",
		.status = "Owned by City",
		.source = "inventory",
		.source_id = "16-01-123-004",
		.name = "Café O'Brien",
		.address = "4100 W MADISON ST",
		.has_geometry = true,
		.attr = attr,
	};
	const struct hv_scope_subject sparse = {.kind = "", .status = "  ", .address = "0028"};
	struct hv_scope_expr *e = NULL;
	struct hv_err err = {0};
	char *text = hv_xmalloc(size + 1);
	int rc;

	if (size)
		memcpy(text, data, size);
	text[size] = '\0';
	rc = hv_scope_parse(text, &e, &err);
	if (rc == HV_OK) {
		(void)hv_scope_eval(e, &full);
		(void)hv_scope_eval(e, &sparse);
	} else {
		check_error(rc, &err, strlen(text));
	}
	hv_scope_expr_free(e);
	free(text);
	return 0;
}
