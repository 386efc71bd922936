/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes address parsing and matching: the input is parsed whole (its canonical text must parse
 * back to the same address), then each line is indexed as one property and must find itself. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geo/address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounds the work per input; an address is one line, so more text only repeats the search. */
#define MAX_INPUT 65536
/* Enough results to see a line's own ref unless the input repeats one address this often. */
#define FIND_CAP 256

static bool same_addr(const struct hv_addr *a, const struct hv_addr *b)
{
	return a->number_lo == b->number_lo && a->number_hi == b->number_hi &&
	       strcmp(a->predir, b->predir) == 0 && strcmp(a->street, b->street) == 0 &&
	       strcmp(a->type, b->type) == 0 && strcmp(a->postdir, b->postdir) == 0 &&
	       strcmp(a->unit, b->unit) == 0;
}

/* Canonical text is a fixed point: format(parse(x)) parses back to parse(x). */
static void check_round_trip(const char *text, size_t len)
{
	struct hv_addr a, b;
	char canon[HV_ADDR_FORMAT_MAX];

	if (!hv_addr_parse(text, len, &a))
		return;
	hv_addr_format(&a, canon, sizeof(canon));
	if (strlen(canon) + 1 >= sizeof(canon))
		abort();
	if (!hv_addr_parse(canon, strlen(canon), &b) || !same_addr(&a, &b))
		abort();
}

static bool has_ref(const int64_t *refs, size_t n, int64_t ref)
{
	for (size_t i = 0; i < n; i++)
		if (refs[i] == ref)
			return true;
	return false;
}

/* Indexes every line (ref = line number; the text ends at a NUL) and looks every line up: one
 * that was indexed must find its own ref. */
static void check_index(char *text)
{
	struct hv_addr_index_builder *b = hv_addr_index_builder_new();
	struct hv_addr_index *ix;
	int64_t refs[FIND_CAP];
	bool *added = NULL;
	size_t n_lines = 1, n;
	char *line;

	for (const char *p = text; *p; p++)
		n_lines += *p == '\n';
	added = calloc(n_lines, sizeof(*added));
	if (!added)
		abort();
	line = text;
	for (size_t i = 0; i < n_lines; i++) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		added[i] = hv_addr_index_builder_add(b, (int64_t)i, line);
		line = nl ? nl + 1 : line + strlen(line);
	}
	ix = hv_addr_index_build(b);
	line = text;
	for (size_t i = 0; i < n_lines; i++) {
		n = hv_addr_index_find(ix, line, refs, FIND_CAP);
		if (added[i] && (n == 0 || (n <= FIND_CAP && !has_ref(refs, n, (int64_t)i))))
			abort();
		line += strlen(line) + (i + 1 < n_lines);
	}
	free(added);
	hv_addr_index_free(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > MAX_INPUT)
		return 0;
	check_round_trip((const char *)data, size);
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	check_index(text);
	free(text);
	return 0;
}
