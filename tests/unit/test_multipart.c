/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/http/multipart.h: parts, fields, files, pieces of every size, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "http/multipart.h"

struct seen {
	struct hv_buf log; /* "name|filename|type=data;" per part */
	int n_parts;
};

static int on_begin(void *ctx, const struct hv_multipart_part *p, struct hv_err *err)
{
	struct seen *s = ctx;

	s->n_parts++;
	hv_buf_addf(&s->log, "%s|%s|%s=", p->name, p->filename, p->content_type);
	return HV_OK;
}

static int on_data(void *ctx, const char *p, size_t n, struct hv_err *err)
{
	hv_buf_add(&((struct seen *)ctx)->log, p, n);
	return HV_OK;
}

static int on_end(void *ctx, struct hv_err *err)
{
	hv_buf_addc(&((struct seen *)ctx)->log, ';');
	return HV_OK;
}

static const struct hv_multipart_cb cb = {on_begin, on_data, on_end};

static const char body[] = "preamble\r\n--XyZ\r\n"
			   "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
			   "hello\r\n--XyZ\r\n"
			   "Content-Disposition: form-data; name=\"file\"; filename=\"a b.jpg\"\r\n"
			   "Content-Type: image/jpeg\r\n\r\n"
			   "\xff\xd8 data with \r\n--Xy not a boundary\r\n--XyZ--\r\nepilogue";

static int parse(const char *b, size_t len, size_t piece, struct seen *s, struct hv_err *err)
{
	struct hv_multipart *m = hv_multipart_new("XyZ", &cb, s);
	int rc = HV_OK;

	hv_buf_init(&s->log, 0);
	s->n_parts = 0;
	for (size_t off = 0; off < len && rc == HV_OK; off += piece)
		rc = hv_multipart_feed(m, b + off, len - off < piece ? len - off : piece, err);
	if (rc == HV_OK)
		rc = hv_multipart_finish(m, err);
	hv_multipart_free(m);
	return rc;
}

static void test_multipart_parts_in_pieces_of_every_size(void **state)
{
	const char *want = "note||=hello;file|a b.jpg|image/jpeg=\xff\xd8 data with \r\n--Xy not a "
			   "boundary;";

	for (size_t piece = 1; piece <= sizeof(body); piece++) {
		struct seen s;
		struct hv_err err;

		assert_int_equal(parse(body, sizeof(body) - 1, piece, &s, &err), HV_OK);
		assert_int_equal(s.n_parts, 2);
		assert_string_equal(s.log.data, want);
		hv_buf_release(&s.log);
	}
}

static void test_multipart_boundary_from_content_type(void **state)
{
	char b[HV_MULTIPART_BOUNDARY_MAX + 1];
	struct hv_err err;

	assert_int_equal(hv_multipart_boundary("multipart/form-data; boundary=abc", b, &err),
			 HV_OK);
	assert_string_equal(b, "abc");
	assert_int_equal(
		hv_multipart_boundary("multipart/form-data; boundary=\"a b\"; x=1", b, &err),
		HV_OK);
	assert_string_equal(b, "a b");
	assert_int_equal(hv_multipart_boundary("application/json", b, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "multipart/form-data"));
	assert_int_equal(hv_multipart_boundary("multipart/form-data", b, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "boundary"));
}

static void test_multipart_unterminated_body_fails(void **state)
{
	struct seen s;
	struct hv_err err;

	assert_int_equal(parse(body, sizeof(body) - 30, 5, &s, &err), HV_EFORMAT);
	assert_non_null(strstr(err.msg, "closing boundary"));
	hv_buf_release(&s.log);
}

static void test_multipart_part_without_name_fails_naming_offset(void **state)
{
	static const char b[] = "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--";
	struct seen s;
	struct hv_err err;

	assert_int_equal(parse(b, sizeof(b) - 1, 100, &s, &err), HV_EFORMAT);
	assert_non_null(strstr(err.msg, "no name"));
	assert_non_null(strstr(err.msg, "at byte"));
	hv_buf_release(&s.log);
}

static void test_multipart_huge_headers_refused(void **state)
{
	struct hv_buf b;
	struct seen s;
	struct hv_err err;

	hv_buf_init(&b, 0);
	hv_buf_adds(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ");
	for (int i = 0; i < 10000; i++)
		hv_buf_addc(&b, 'p');
	hv_buf_adds(&b, "\r\n\r\nx\r\n--XyZ--");
	assert_int_equal(parse(b.data, b.len, 4096, &s, &err), HV_ELIMIT);
	assert_non_null(strstr(err.msg, "8192"));
	hv_buf_release(&s.log);
	hv_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multipart_parts_in_pieces_of_every_size),
		cmocka_unit_test(test_multipart_boundary_from_content_type),
		cmocka_unit_test(test_multipart_unterminated_body_fails),
		cmocka_unit_test(test_multipart_part_without_name_fails_naming_offset),
		cmocka_unit_test(test_multipart_huge_headers_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
