/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the streaming multipart/form-data parser, fed the input in pieces whose size
 * the first byte chooses (so boundaries straddle pieces). Part data can never exceed the input,
 * every part has a non-empty name, and part_begin/part_end pair up. */
#include <stdint.h>
#include <string.h>

#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct count {
	size_t data, open, parts;
};

static int on_begin(void *ctx, const struct hv_multipart_part *p, struct hv_err *err)
{
	struct count *c = ctx;

	if (!p->name[0] || c->open)
		__builtin_trap();
	c->open = 1;
	c->parts++;
	return HV_OK;
}

static int on_data(void *ctx, const char *p, size_t n, struct hv_err *err)
{
	struct count *c = ctx;

	if (!c->open)
		__builtin_trap();
	c->data += n;
	return HV_OK;
}

static int on_end(void *ctx, struct hv_err *err)
{
	struct count *c = ctx;

	if (!c->open)
		__builtin_trap();
	c->open = 0;
	return HV_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hv_multipart_cb cb = {on_begin, on_data, on_end};
	struct count c = {0};
	struct hv_multipart *m;
	struct hv_err err;
	char boundary[HV_MULTIPART_BOUNDARY_MAX + 1];
	size_t piece, off = 1;

	if (size < 1)
		return 0;
	hv_multipart_boundary("multipart/form-data; boundary=XyZ123", boundary, &err);
	piece = (size_t)data[0] % 97 + 1;
	m = hv_multipart_new(boundary, &cb, &c);
	/* Most corpus files start with the body itself: use it whole as well. */
	if (data[0] == '-')
		off = 0, piece = 7;
	while (off < size) {
		size_t n = size - off < piece ? size - off : piece;

		if (hv_multipart_feed(m, (const char *)data + off, n, &err) != HV_OK)
			break;
		off += n;
	}
	hv_multipart_finish(m, &err);
	if (c.data > size)
		__builtin_trap();
	hv_multipart_free(m);
	return 0;
}
