/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/core: err, buf, str, json, clock, fs and strmap, through their public headers.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/str.h"
#include "core/strmap.h"

#include "core/banned.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static struct hv_str S(const char *s) {
	return hv_str_cstr(s);
}

static bool
contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/* An hv_err followed by guard bytes, to see that truncation never writes past msg. */
struct guarded_err {
	struct hv_err e;
	unsigned char guard[64];
};

static void guard_init(struct guarded_err *g)
{
	memset(g, 0, sizeof(*g));
	memset(g->guard, 0x5A, sizeof(g->guard));
}

static void guard_check(const struct guarded_err *g)
{
	for (size_t i = 0; i < sizeof(g->guard); i++)
		assert_int_equal(g->guard[i], 0x5A);
}

/* ---- err ---------------------------------------------------------------------------------- */

static void test_err_set_formats_and_returns_code(void **state)
{
	struct hv_err e;

	hv_err_clear(&e);
	assert_int_equal(e.code, HV_OK);
	assert_string_equal(e.msg, "");
	assert_int_equal(hv_err_set(&e, HV_EINVAL, "row %d: field %s", 12, "lat"), HV_EINVAL);
	assert_int_equal(e.code, HV_EINVAL);
	assert_string_equal(e.msg, "row 12: field lat");
	/* A second set replaces, it does not append. */
	assert_int_equal(hv_err_set(&e, HV_EIO, "x"), HV_EIO);
	assert_int_equal(e.code, HV_EIO);
	assert_string_equal(e.msg, "x");
	hv_err_clear(&e);
	assert_int_equal(e.code, HV_OK);
	assert_string_equal(e.msg, "");
}

static void test_err_null_safe(void **state)
{
	hv_err_clear(NULL);
	assert_int_equal(hv_err_set(NULL, HV_ENOENT, "missing %s", "x"), HV_ENOENT);
	assert_int_equal(hv_err_prefix(NULL, HV_EIO, "ctx %d", 1), HV_EIO);
}

static void test_err_set_truncates_long_message(void **state)
{
	struct guarded_err g;
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = 'S';
	guard_init(&g);
	assert_int_equal(hv_err_set(&g.e, HV_EFORMAT, "%s", big), HV_EFORMAT);
	assert_int_equal(strlen(g.e.msg), HV_ERR_MSG_MAX - 1);
	assert_int_equal(g.e.msg[0], 'S');
	assert_int_equal(g.e.msg[HV_ERR_MSG_MAX - 2], 'a');
	guard_check(&g);
}

static void test_err_prefix_prepends_context(void **state)
{
	struct hv_err e;

	hv_err_set(&e, HV_EFORMAT, "bad latitude \"%s\"", "91");
	/* The code already set wins over the one passed. */
	assert_int_equal(hv_err_prefix(&e, HV_EIO, "%s:%d", "parcels.csv", 7), HV_EFORMAT);
	assert_int_equal(e.code, HV_EFORMAT);
	assert_string_equal(e.msg, "parcels.csv:7: bad latitude \"91\"");
	assert_int_equal(hv_err_prefix(&e, HV_EIO, "import"), HV_EFORMAT);
	assert_string_equal(e.msg, "import: parcels.csv:7: bad latitude \"91\"");
}

static void test_err_prefix_sets_code_when_clear(void **state)
{
	struct hv_err e;

	hv_err_clear(&e);
	assert_int_equal(hv_err_prefix(&e, HV_ESTORE, "open"), HV_ESTORE);
	assert_int_equal(e.code, HV_ESTORE);
	assert_true(strncmp(e.msg, "open", 4) == 0);
}

static void test_err_prefix_truncates_long_prefix(void **state)
{
	struct guarded_err g;
	char big[1500];

	memset(big, 'p', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	guard_init(&g);
	hv_err_set(&g.e, HV_EINVAL, "original");
	assert_int_equal(hv_err_prefix(&g.e, HV_EIO, "%s", big), HV_EINVAL);
	assert_true(strlen(g.e.msg) <= HV_ERR_MSG_MAX - 1);
	assert_int_equal(g.e.msg[0], 'p');
	assert_int_equal(g.e.msg[100], 'p');
	guard_check(&g);
}

static void test_err_prefix_truncates_long_message(void **state)
{
	struct guarded_err g;
	char big[HV_ERR_MSG_MAX + 10];

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	guard_init(&g);
	hv_err_set(&g.e, HV_EINVAL, "%s", big);
	assert_int_equal(strlen(g.e.msg), HV_ERR_MSG_MAX - 1);
	hv_err_prefix(&g.e, HV_EIO, "ctx");
	assert_int_equal(strlen(g.e.msg), HV_ERR_MSG_MAX - 1);
	assert_true(strncmp(g.e.msg, "ctx: mmm", 8) == 0);
	assert_int_equal(g.e.msg[HV_ERR_MSG_MAX - 2], 'm');
	guard_check(&g);
	/* Repeated prefixes on a full message stay bounded. */
	for (int i = 0; i < 50; i++)
		hv_err_prefix(&g.e, HV_EIO, "level %d", i);
	assert_true(strlen(g.e.msg) <= HV_ERR_MSG_MAX - 1);
	assert_true(strncmp(g.e.msg, "level 49: level 48: ", 20) == 0);
	guard_check(&g);
}

static void test_err_status_str_names_codes(void **state)
{
	const int codes[] = {HV_OK,	HV_EINVAL, HV_ENOENT, HV_EIO,	    HV_EFORMAT,	 HV_ESTORE,
			     HV_EEXIST, HV_EUSAGE, HV_ELIMIT, HV_ECONFLICT, HV_EINTERNAL};
	const size_t n = sizeof(codes) / sizeof(codes[0]);

	assert_string_equal(hv_status_str(HV_OK), "ok");
	assert_string_equal(hv_status_str(HV_ENOENT), "not found");
	assert_string_equal(hv_status_str(HV_EINVAL), "invalid input");
	/* Every code has a distinct, non-empty name (HV_EINTERNAL shares the fallback). */
	for (size_t i = 0; i < n; i++) {
		assert_non_null(hv_status_str(codes[i]));
		assert_true(strlen(hv_status_str(codes[i])) > 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(hv_status_str(codes[i]), hv_status_str(codes[j]));
	}
	assert_string_equal(hv_status_str(-12345), hv_status_str(HV_EINTERNAL));
}

/* ---- buf ---------------------------------------------------------------------------------- */

static void test_buf_init_is_empty_string(void **state)
{
	struct hv_buf b;

	hv_buf_init(&b, 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	assert_int_equal(b.limit, HV_BUF_DEFAULT_LIMIT);
	assert_false(b.failed);
	hv_buf_release(&b);
	hv_buf_release(NULL);
	hv_buf_init(&b, 100);
	assert_int_equal(b.limit, 100);
	hv_buf_release(&b);
}

static void test_buf_add_grows_and_keeps_content(void **state)
{
	struct hv_buf b;
	const size_t total = 300000;

	hv_buf_init(&b, 0);
	for (size_t i = 0; i < total; i++)
		hv_buf_addc(&b, (char)('a' + i % 26));
	assert_false(b.failed);
	assert_int_equal(b.len, total);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	for (size_t i = 0; i < total; i++)
		if (b.data[i] != (char)('a' + i % 26))
			fail_msg("byte %zu is %c", i, b.data[i]);
	hv_buf_release(&b);
}

static void test_buf_adds_addf_and_binary(void **state)
{
	struct hv_buf b;
	char expect[400];
	size_t n = 0;

	hv_buf_init(&b, 0);
	hv_buf_adds(&b, "abc");
	hv_buf_add(&b, "\0x", 2);
	hv_buf_add(&b, NULL, 0);
	hv_buf_addf(&b, "[%d:%s]", -42, "zz");
	assert_int_equal(b.len, 3 + 2 + 8);
	assert_memory_equal(b.data, "abc\0x[-42:zz]", 14);
	assert_int_equal(b.data[b.len], '\0');

	/* addf output longer than the first allocation */
	hv_buf_reset(&b);
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(expect + n, sizeof(expect) - n, "item-%02d,", i);
	for (int i = 0; i < 30; i++)
		hv_buf_addf(&b, "item-%02d,", i);
	assert_int_equal(b.len, n);
	assert_string_equal(b.data, expect);
	hv_buf_reset(&b);
	hv_buf_addf(&b, "%0300d", 7);
	assert_int_equal(b.len, 300);
	assert_int_equal(b.data[299], '7');
	assert_int_equal(b.data[0], '0');
	assert_int_equal(b.data[300], '\0');
	hv_buf_release(&b);
}

static void test_buf_limit_sets_sticky_failure(void **state)
{
	struct hv_buf b;

	hv_buf_init(&b, 10);
	hv_buf_adds(&b, "12345678");
	assert_false(b.failed);
	hv_buf_adds(&b, "abc"); /* 11 > 10 */
	assert_true(b.failed);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	/* Sticky: even an append that would fit is refused. */
	hv_buf_addc(&b, 'x');
	hv_buf_adds(&b, "y");
	hv_buf_addf(&b, "%d", 1);
	hv_buf_add(&b, "z", 1);
	assert_true(b.failed);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	hv_buf_release(&b);
}

static void test_buf_limit_exact_fits(void **state)
{
	struct hv_buf b;

	hv_buf_init(&b, 4);
	hv_buf_adds(&b, "abcd");
	assert_false(b.failed);
	assert_string_equal(b.data, "abcd");
	hv_buf_addc(&b, 'e');
	assert_true(b.failed);
	assert_string_equal(b.data, "abcd");
	hv_buf_release(&b);

	/* A single oversized append leaves nothing behind. */
	hv_buf_init(&b, 5);
	hv_buf_addf(&b, "%s", "123456");
	assert_true(b.failed);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	hv_buf_release(&b);

	/* A huge n must not wrap around the limit check. */
	hv_buf_init(&b, 16);
	hv_buf_adds(&b, "ab");
	hv_buf_add(&b, "x", SIZE_MAX - 1);
	assert_true(b.failed);
	assert_string_equal(b.data, "ab");
	hv_buf_release(&b);
}

static void test_buf_reset_clears_failure_keeps_storage(void **state)
{
	struct hv_buf b;
	size_t cap;

	hv_buf_init(&b, 0);
	hv_buf_reset(&b); /* never grown */
	assert_string_equal(b.data, "");
	hv_buf_release(&b);

	hv_buf_init(&b, 8);
	hv_buf_adds(&b, "hello");
	hv_buf_adds(&b, "world");
	assert_true(b.failed);
	cap = b.cap;
	hv_buf_reset(&b);
	assert_false(b.failed);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.limit, 8);
	hv_buf_adds(&b, "again");
	assert_false(b.failed);
	assert_string_equal(b.data, "again");
	hv_buf_release(&b);
}

static void test_buf_detach_hands_over_and_reinits(void **state)
{
	struct hv_buf b;
	size_t len = 99;
	char *p;

	hv_buf_init(&b, 50);
	hv_buf_adds(&b, "owned bytes");
	p = hv_buf_detach(&b, &len);
	assert_string_equal(p, "owned bytes");
	assert_int_equal(len, 11);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	assert_int_equal(b.limit, 50);
	assert_false(b.failed);
	/* The buffer is usable again and does not share storage with p. */
	hv_buf_adds(&b, "new");
	assert_string_equal(p, "owned bytes");
	assert_string_equal(b.data, "new");
	free(p);

	hv_buf_release(&b);
	hv_buf_init(&b, 0);
	p = hv_buf_detach(&b, &len); /* empty: still a freeable string */
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	p = hv_buf_detach(&b, NULL);
	assert_non_null(p);
	free(p);
	hv_buf_release(&b);
}

static void test_buf_release_allows_reuse(void **state)
{
	struct hv_buf b;

	hv_buf_init(&b, 0);
	hv_buf_adds(&b, "first");
	hv_buf_release(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	hv_buf_adds(&b, "second");
	assert_string_equal(b.data, "second");
	hv_buf_release(&b);
	hv_buf_release(&b); /* twice is fine */
}

/* ---- str ---------------------------------------------------------------------------------- */

static void assert_view(struct hv_str v, const char *expect)
{
	assert_int_equal(v.len, strlen(expect));
	assert_memory_equal(v.ptr, expect, v.len);
}

static void test_str_cstr_and_of(void **state)
{
	struct hv_str v = hv_str_cstr("abc");

	assert_int_equal(v.len, 3);
	assert_int_equal(hv_str_cstr(NULL).len, 0);
	v = hv_str_of("abcdef", 2);
	assert_true(hv_str_eq(v, S("ab")));
	assert_false(hv_str_eq(v, S("abc")));
	assert_true(hv_str_eq(hv_str_of(NULL, 0), S("")));
}

static void test_str_trim_whitespace_crlf_bom(void **state)
{
	const char *src = "  \t a b \r\n";
	struct hv_str t = hv_str_trim(S(src));

	assert_view(t, "a b");
	assert_ptr_equal(t.ptr, src + 4);
	assert_view(hv_str_trim(S("value\r\n")), "value");
	assert_view(hv_str_trim(S("\r\nvalue")), "value");
	assert_view(hv_str_trim(S("\xEF\xBB\xBFname")), "name");
	assert_view(hv_str_trim(S("\xEF\xBB\xBF  id \r\n")), "id");
	assert_view(hv_str_trim(S(" \xEF\xBB\xBFid")), "id");
	assert_view(hv_str_trim(S("\xEF\xBB\xBF")), "");
	assert_view(hv_str_trim(S("\v\f x\fy \f")), "x\fy");
	assert_view(hv_str_trim(S("   ")), "");
	assert_view(hv_str_trim(S("")), "");
	/* Only a whole BOM goes; a partial one and non-ASCII text stay. */
	assert_view(hv_str_trim(S("\xEF\xBBx")), "\xEF\xBBx");
	assert_view(hv_str_trim(S(" \xC3\xA9 ")), "\xC3\xA9");
	/* The view's end is respected: nothing past len is looked at. */
	assert_view(hv_str_trim(hv_str_of(" ab  cd", 4)), "ab");
}

static void test_str_eq_and_ieq(void **state)
{
	assert_true(hv_str_eq(S("Parcel"), S("Parcel")));
	assert_false(hv_str_eq(S("Parcel"), S("parcel")));
	assert_true(hv_str_ieq(S("Parcel ID"), S("pARCEL id")));
	assert_true(hv_str_ieq_cstr(S("LAT"), "lat"));
	assert_false(hv_str_ieq_cstr(S("lat"), "lath"));
	assert_false(hv_str_ieq(S("lon"), S("lot")));
	assert_true(hv_str_ieq(S(""), S("")));
	/* ASCII only: neighbours of the letters must not be folded together. */
	assert_false(hv_str_ieq(S("@"), S("`")));
	assert_false(hv_str_ieq(S("["), S("{")));
	assert_false(hv_str_ieq(S("\xC3\x89"), S("\xC3\xA9"))); /* É vs é */
	assert_true(hv_str_ieq(hv_str_of("IDxyz", 2), S("id")));
}

static void test_str_to_double_accepts_numbers(void **state)
{
	double v = 0;

	assert_true(hv_str_to_double(S("1.5"), &v));
	assert_true(v == 1.5);
	assert_true(hv_str_to_double(S("  -2e3 \r\n"), &v));
	assert_true(v == -2000.0);
	assert_true(hv_str_to_double(S("-87.6298"), &v));
	assert_true(v == -87.6298);
	assert_true(hv_str_to_double(S("0"), &v));
	assert_true(v == 0.0);
	assert_true(hv_str_to_double(S(".25"), &v));
	assert_true(v == 0.25);
	assert_true(hv_str_to_double(S("1.7976931348623157e308"), &v));
	assert_true(v == 1.7976931348623157e308);
	assert_true(hv_str_to_double(S("\xEF\xBB\xBF"
				       "41.88"),
				     &v));
	assert_true(v == 41.88);
	/* Subnormals are finite doubles too (strtod reports them with ERANGE). */
	assert_true(hv_str_to_double(S("1e-310"), &v));
	assert_true(v == 1e-310);
	assert_true(hv_str_to_double(S("-4.9406564584124654e-324"), &v));
	assert_true(v == -4.9406564584124654e-324);
	/* Not NUL-terminated: only the view counts. */
	assert_true(hv_str_to_double(hv_str_of("12.5xyz", 4), &v));
	assert_true(v == 12.5);
}

static void test_str_to_double_rejects_junk(void **state)
{
	const char *bad[] = {"",    "   ",  "1x",  "x1",   "1.5.2",    "1 2",	"nan",
			     "NaN", "-nan", "inf", "-inf", "Infinity", "1e999", "-1e999",
			     "1e",  "--1",  "+",   ".",	   "1,5",      "\t"};
	double v = 12345.0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (hv_str_to_double(S(bad[i]), &v))
			fail_msg("accepted \"%s\" as %g", bad[i], v);
	}
	/* The whole view must parse, even when the bytes after it would continue a number. */
	assert_false(hv_str_to_double(hv_str_of("1x5", 2), &v));
}

static void test_str_to_i64_range_and_junk(void **state)
{
	int64_t v = 0;
	const char *bad[] = {"",
			     " ",
			     "1.0",
			     "12a",
			     "a12",
			     "0x10",
			     "1 2",
			     "9223372036854775808",
			     "-9223372036854775809",
			     "99999999999999999999"};

	assert_true(hv_str_to_i64(S("42"), &v));
	assert_int_equal(v, 42);
	assert_true(hv_str_to_i64(S(" -7\r\n"), &v));
	assert_true(v == -7);
	assert_true(hv_str_to_i64(S("9223372036854775807"), &v));
	assert_true(v == INT64_MAX);
	assert_true(hv_str_to_i64(S("-9223372036854775808"), &v));
	assert_true(v == INT64_MIN);
	assert_true(hv_str_to_i64(hv_str_of("123456", 3), &v));
	assert_int_equal(v, 123);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (hv_str_to_i64(S(bad[i]), &v))
			fail_msg("accepted \"%s\" as %lld", bad[i], (long long)v);
	}
}

static bool utf8(const char *s)
{
	return hv_utf8_valid(s, strlen(s));
}

static void test_str_utf8_valid_sequences(void **state)
{
	assert_true(hv_utf8_valid("", 0));
	assert_true(utf8("plain ascii"));
	assert_true(utf8("caf\xC3\xA9"));      /* é, 2 bytes */
	assert_true(utf8("\xC2\x80"));	       /* U+0080, smallest 2-byte */
	assert_true(utf8("\xE0\xA0\x80"));     /* U+0800, smallest 3-byte */
	assert_true(utf8("\xE2\x82\xAC"));     /* € */
	assert_true(utf8("\xED\x9F\xBF"));     /* U+D7FF, just below surrogates */
	assert_true(utf8("\xEE\x80\x80"));     /* U+E000, just above */
	assert_true(utf8("\xEF\xBF\xBF"));     /* U+FFFF */
	assert_true(utf8("\xF0\x90\x80\x80")); /* U+10000 */
	assert_true(utf8("\xF0\x9F\x98\x80")); /* emoji */
	assert_true(utf8("\xF4\x8F\xBF\xBF")); /* U+10FFFF */
	assert_true(hv_utf8_valid("a\0b", 3)); /* NUL is a valid code point */
	assert_true(utf8("\xEF\xBB\xBF"
			 "bom"));
}

static void test_str_utf8_rejects_invalid(void **state)
{
	const char *bad[] = {
		"\x80",			/* lone continuation */
		"a\xBF",		/* lone continuation after ASCII */
		"\xC0\xAF",		/* overlong '/' */
		"\xC1\xBF",		/* overlong */
		"\xE0\x80\xAF",		/* overlong 3-byte */
		"\xE0\x9F\xBF",		/* overlong U+07FF */
		"\xF0\x80\x80\xAF",	/* overlong 4-byte */
		"\xF0\x8F\xBF\xBF",	/* overlong U+FFFF */
		"\xED\xA0\x80",		/* U+D800 surrogate */
		"\xED\xBF\xBF",		/* U+DFFF surrogate */
		"\xF4\x90\x80\x80",	/* U+110000 */
		"\xF5\x80\x80\x80",	/* beyond Unicode */
		"\xF8\x88\x80\x80\x80", /* 5-byte form */
		"\xFE",
		"\xFF",
		"\xC3",		/* truncated at end */
		"\xE2\x82",	/* truncated at end */
		"\xF0\x9F\x98", /* truncated at end */
		"\xC3"
		"A", /* continuation missing */
		"\xE2\x82"
		"A",
		"\xF0\x9F\x98"
		"A",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (utf8(bad[i]))
			fail_msg("accepted invalid sequence #%zu", i);
	}
	/* The length bounds the scan: a sequence cut by len is truncated. */
	assert_false(hv_utf8_valid("\xC3\xA9", 1));
	assert_false(hv_utf8_valid("\xE2\x82\xAC", 2));
	assert_false(hv_utf8_valid("\xF0\x9F\x98\x80", 3));
	assert_true(hv_utf8_valid("ab\xC3\xA9", 2));
}

/* ---- json --------------------------------------------------------------------------------- */

struct jw {
	struct hv_buf b;
	struct hv_json w;
};

static void jw_init(struct jw *j, bool pretty)
{
	hv_buf_init(&j->b, 0);
	hv_json_init(&j->w, &j->b, pretty);
}

static void jw_expect(struct jw *j, const char *expect)
{
	assert_false(j->b.failed);
	assert_string_equal(j->b.data, expect);
	assert_int_equal(j->b.len, strlen(expect));
	hv_buf_release(&j->b);
}

static void test_json_nesting_and_commas(void **state)
{
	struct jw j;

	jw_init(&j, false);
	hv_json_obj_begin(&j.w);
	hv_json_key(&j.w, "a");
	hv_json_int(&j.w, 1);
	hv_json_key(&j.w, "b");
	hv_json_arr_begin(&j.w);
	hv_json_int(&j.w, 1);
	hv_json_int(&j.w, 2);
	hv_json_obj_begin(&j.w);
	hv_json_key(&j.w, "c");
	hv_json_null(&j.w);
	hv_json_obj_end(&j.w);
	hv_json_arr_begin(&j.w);
	hv_json_arr_end(&j.w);
	hv_json_arr_end(&j.w);
	hv_json_key(&j.w, "d");
	hv_json_obj_begin(&j.w);
	hv_json_obj_end(&j.w);
	hv_json_key(&j.w, "e");
	hv_json_bool(&j.w, true);
	hv_json_key(&j.w, "f");
	hv_json_bool(&j.w, false);
	hv_json_obj_end(&j.w);
	jw_expect(&j, "{\"a\":1,\"b\":[1,2,{\"c\":null},[]],\"d\":{},\"e\":true,\"f\":false}");
}

static void test_json_fixed_decimals(void **state)
{
	struct hv_buf b;
	struct hv_json w;

	(void)state;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, false);
	hv_json_arr_begin(&w);
	hv_json_fixed(&w, -87.6, 7);
	hv_json_fixed(&w, -88.058407957255781, 7);
	hv_json_fixed(&w, 12.0, 2);
	hv_json_fixed(&w, 0.004, 2);
	hv_json_fixed(&w, -0.004, 2);
	hv_json_fixed(&w, 0.125, 2);
	hv_json_fixed(&w, 1e300, 7);
	hv_json_fixed(&w, NAN, 7);
	hv_json_fixed(&w, 41.80000004, 7);
	hv_json_arr_end(&w);
	assert_string_equal(b.data,
			    "[-87.6,-88.058408,12,0,0,0.13,1.0000000000000001e+300,null,41.8]");
	hv_buf_release(&b);
}

static void test_json_scalars_and_raw(void **state)
{
	struct jw j;

	jw_init(&j, false);
	hv_json_arr_begin(&j.w);
	hv_json_str(&j.w, "x");
	hv_json_str(&j.w, NULL);
	hv_json_int(&j.w, INT64_MIN);
	hv_json_int(&j.w, INT64_MAX);
	hv_json_double(&j.w, -2.5);
	hv_json_raw(&j.w, "{\"y\":[1]}");
	hv_json_strn(&j.w, "abcdef", 3);
	hv_json_arr_end(&j.w);
	jw_expect(&j, "[\"x\",null,-9223372036854775808,9223372036854775807,-2.5,{\"y\":[1]},"
		      "\"abc\"]");

	jw_init(&j, false);
	hv_json_obj_begin(&j.w);
	hv_json_key(&j.w, "raw");
	hv_json_raw(&j.w, "[true]");
	hv_json_key(&j.w, "n");
	hv_json_int(&j.w, 0);
	hv_json_obj_end(&j.w);
	jw_expect(&j, "{\"raw\":[true],\"n\":0}");
}

static void test_json_escapes_quotes_and_controls(void **state)
{
	struct jw j;

	jw_init(&j, false);
	hv_json_obj_begin(&j.w);
	hv_json_key(&j.w, "k\"ey\\");
	hv_json_str(&j.w, "say \"hi\"\\ \n\t\r/");
	hv_json_key(&j.w, "ctl");
	hv_json_str(&j.w, "\x01\x08\x0c\x1f\x7f");
	hv_json_key(&j.w, "nul");
	hv_json_strn(&j.w, "a\0b", 3);
	hv_json_obj_end(&j.w);
	jw_expect(&j, "{\"k\\\"ey\\\\\":\"say \\\"hi\\\"\\\\ \\n\\t\\r/\","
		      "\"ctl\":\"\\u0001\\u0008\\u000c\\u001f\x7f\","
		      "\"nul\":\"a\\u0000b\"}");
}

static void test_json_invalid_utf8_becomes_replacement(void **state)
{
	struct hv_buf b;

	hv_buf_init(&b, 0);
	hv_json_quote(&b,
		      "a\xFF"
		      "b",
		      3);
	assert_string_equal(b.data, "\"a\xEF\xBF\xBD"
				    "b\"");

	/* Valid multi-byte text passes through unchanged. */
	hv_buf_reset(&b);
	hv_json_quote(&b, "\xE2\x82\xAC \xF0\x9F\x98\x80 caf\xC3\xA9", 14);
	assert_string_equal(b.data, "\"\xE2\x82\xAC \xF0\x9F\x98\x80 caf\xC3\xA9\"");

	/* Overlong forms, surrogates, truncated sequences: the output is valid UTF-8, contains
	 * U+FFFD, and keeps the surrounding text. */
	const char *bad[] = {"x\xC0\xAFy", "x\xED\xA0\x80y", "x\xF4\x90\x80\x80y",
			     "x\xE2\x82y", "x\x80y",	     "x\xF0\x9F\x98"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hv_buf_reset(&b);
		hv_json_quote(&b, bad[i], strlen(bad[i]));
		assert_true(hv_utf8_valid(b.data, b.len));
		assert_true(contains(b.data, "\xEF\xBF\xBD"));
		assert_int_equal(b.data[0], '"');
		assert_int_equal(b.data[1], 'x');
		assert_int_equal(b.data[b.len - 1], '"');
		if (bad[i][strlen(bad[i]) - 1] == 'y')
			assert_int_equal(b.data[b.len - 2], 'y');
	}
	/* A truncated sequence at the very end of the input does not read past it. */
	hv_buf_reset(&b);
	hv_json_quote(&b, "\xE2\x82\xAC", 2);
	assert_string_equal(b.data, "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
	hv_buf_release(&b);
}

static void test_json_nonfinite_doubles_are_null(void **state)
{
	struct jw j;
	double back;

	jw_init(&j, false);
	hv_json_arr_begin(&j.w);
	hv_json_double(&j.w, NAN);
	hv_json_double(&j.w, INFINITY);
	hv_json_double(&j.w, -INFINITY);
	hv_json_arr_end(&j.w);
	jw_expect(&j, "[null,null,null]");

	/* Finite doubles round-trip exactly. */
	const double vals[] = {0.1, -87.62979999999999, 41.8781136, 1e300, 5e-324, 3.0};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, false);
		hv_json_double(&w, vals[i]);
		assert_false(contains(b.data, ","));
		char *end = NULL;

		back = strtod(b.data, &end);
		assert_ptr_equal(end, b.data + b.len);
		assert_true(back == vals[i]);
		hv_buf_release(&b);
	}
}

static void test_json_pretty_indents(void **state)
{
	struct jw j;

	jw_init(&j, true);
	hv_json_obj_begin(&j.w);
	hv_json_key(&j.w, "a");
	hv_json_int(&j.w, 1);
	hv_json_key(&j.w, "b");
	hv_json_arr_begin(&j.w);
	hv_json_int(&j.w, 1);
	hv_json_str(&j.w, "two");
	hv_json_arr_end(&j.w);
	hv_json_key(&j.w, "c");
	hv_json_obj_begin(&j.w);
	hv_json_obj_end(&j.w);
	hv_json_key(&j.w, "d");
	hv_json_arr_begin(&j.w);
	hv_json_arr_end(&j.w);
	hv_json_obj_end(&j.w);
	jw_expect(&j, "{\n"
		      "  \"a\": 1,\n"
		      "  \"b\": [\n"
		      "    1,\n"
		      "    \"two\"\n"
		      "  ],\n"
		      "  \"c\": {},\n"
		      "  \"d\": []\n"
		      "}");
}

static void test_json_deep_nesting(void **state)
{
	struct jw j;
	char expect[2 * HV_JSON_MAX_DEPTH + 1];
	const int depth = HV_JSON_MAX_DEPTH - 1;

	jw_init(&j, false);
	for (int i = 0; i < depth; i++)
		hv_json_arr_begin(&j.w);
	for (int i = 0; i < depth; i++)
		hv_json_arr_end(&j.w);
	for (int i = 0; i < depth; i++) {
		expect[i] = '[';
		expect[depth + i] = ']';
	}
	expect[2 * depth] = '\0';
	jw_expect(&j, expect);
}

static void test_json_limit_reaches_buffer(void **state)
{
	struct hv_buf b;
	struct hv_json w;

	hv_buf_init(&b, 16);
	hv_json_init(&w, &b, false);
	hv_json_arr_begin(&w);
	for (int i = 0; i < 20; i++)
		hv_json_str(&w, "abc");
	hv_json_arr_end(&w);
	assert_true(b.failed);
	assert_true(b.len <= 16);
	hv_buf_release(&b);
}

/* ---- clock -------------------------------------------------------------------------------- */

/* Expected values below come from `date -u -d <time> +%s`, not from the code under test. */
static const struct {
	const char *iso;
	int64_t ms;
} known_times[] = {
	{"1970-01-01T00:00:00.000Z", 0},
	{"1969-12-31T23:59:59.999Z", -1},
	{"1969-12-31T00:00:00.000Z", -86400000},
	{"1969-12-30T23:59:59.999Z", -86400001},
	{"2000-02-29T00:00:00.000Z", 951782400000},
	{"1960-02-29T00:00:00.000Z", -310521600000},
	{"1900-01-01T00:00:00.000Z", -2208988800000},
	{"1600-03-01T00:00:00.000Z", -11670912000000},
	{"0001-01-01T00:00:00.000Z", -62135596800000},
	{"2038-01-19T03:14:08.000Z", 2147483648000},
	{"2024-02-29T23:59:59.123Z", 1709251199123},
	{"2021-06-01T12:00:00.000Z", 1622548800000},
	{"9999-12-31T23:59:59.999Z", 253402300799999},
};

static void test_clock_format_known_times(void **state)
{
	char out[HV_TIME_ISO_MAX];

	for (size_t i = 0; i < sizeof(known_times) / sizeof(known_times[0]); i++) {
		hv_time_format_iso(known_times[i].ms, out, sizeof(out));
		assert_string_equal(out, known_times[i].iso);
	}
}

static void test_clock_parse_known_times(void **state)
{
	int64_t ms;

	for (size_t i = 0; i < sizeof(known_times) / sizeof(known_times[0]); i++) {
		ms = 42;
		assert_true(hv_time_parse_iso(known_times[i].iso, &ms));
		assert_true(ms == known_times[i].ms);
	}
	assert_true(hv_time_parse_iso("2000-02-29", &ms));
	assert_true(ms == 951782400000);
	assert_true(hv_time_parse_iso("1960-02-29", &ms));
	assert_true(ms == -310521600000);
	assert_true(hv_time_parse_iso("2021-06-01T12:00", &ms));
	assert_true(ms == 1622548800000);
	assert_true(hv_time_parse_iso("2021-06-01T12:00Z", &ms));
	assert_true(ms == 1622548800000);
	assert_true(hv_time_parse_iso("2021-06-01 12:00:00", &ms));
	assert_true(ms == 1622548800000);
	assert_true(hv_time_parse_iso("2021-06-01T12:00:00.5Z", &ms));
	assert_true(ms == 1622548800500);
	assert_true(hv_time_parse_iso("2021-06-01T12:00:00.05", &ms));
	assert_true(ms == 1622548800050);
}

static void test_clock_parse_offsets(void **state)
{
	int64_t ms;
	const int64_t noon_utc = 1622548800000; /* 2021-06-01T12:00:00Z */

	assert_true(hv_time_parse_iso("2021-06-01T17:30:00+05:30", &ms));
	assert_true(ms == noon_utc);
	assert_true(hv_time_parse_iso("2021-06-01T04:00-08:00", &ms));
	assert_true(ms == noon_utc);
	assert_true(hv_time_parse_iso("2021-06-01T12:00:00.000+00:00", &ms));
	assert_true(ms == noon_utc);
	/* An offset that moves the time across midnight and into the previous year. */
	assert_true(hv_time_parse_iso("2021-01-01T02:00+05:30", &ms));
	assert_true(ms == 1609459200000 - (3 * 3600000 + 30 * 60000));
	{
		char out[HV_TIME_ISO_MAX];

		hv_time_format_iso(ms, out, sizeof(out));
		assert_string_equal(out, "2020-12-31T20:30:00.000Z");
	}
}

static void test_clock_rejects_invalid(void **state)
{
	const char *bad[] = {
		"",
		"2021",
		"2021-02-29", /* not a leap year */
		"2023-02-29",
		"1900-02-29", /* century, not a leap year */
		"2021-04-31",
		"2021-13-01",
		"2021-00-10",
		"2021-01-00",
		"2021-01-32",
		"01/01/21507",
		"21507-01-01",
		"2021-1-01",
		"2021-01-1",
		"2021/01/01",
		"2021-01-01T",
		"2021-01-01T12",
		"2021-01-01T12:",
		"2021-01-01T24:00",
		"2021-01-01T12:60",
		"2021-01-01T12:00:61",
		"2021-01-01T12:00:00.",
		"2021-01-01T12:00:00.Z",
		"2021-01-01x",
		"2021-01-01T00:00:00Zjunk",
		"2021-01-01T00:00+05:3",
		"2021-01-01T00:00+0530",
		"2021-01-01T00:00+24:00",
		"2021-01-01T00:00+05:60",
		"2021-01-01+05:30",
		" 2021-01-01",
		"2021-01-01 ",
		"abcd-ef-gh",
	};
	int64_t ms = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (hv_time_parse_iso(bad[i], &ms))
			fail_msg("accepted \"%s\" as %lld", bad[i], (long long)ms);
	}
}

static void test_clock_leap_days(void **state)
{
	int64_t a, b;

	/* Leap days exist exactly in leap years, and the day after follows by 24 h. */
	assert_true(hv_time_parse_iso("2024-02-29", &a));
	assert_true(hv_time_parse_iso("2024-03-01", &b));
	assert_true(b - a == 86400000);
	assert_true(hv_time_parse_iso("2000-02-29", &a));
	assert_true(hv_time_parse_iso("1600-02-29", &a));
	assert_true(hv_time_parse_iso("1964-02-29", &a));
	assert_true(hv_time_parse_iso("1964-03-01", &b));
	assert_true(b - a == 86400000);
	assert_false(hv_time_parse_iso("2100-02-29", &a));
	assert_false(hv_time_parse_iso("1800-02-29", &a));
	assert_true(hv_time_parse_iso("2023-02-28", &a));
	assert_true(hv_time_parse_iso("2023-03-01", &b));
	assert_true(b - a == 86400000);
	/* A year is 365 or 366 days. */
	assert_true(hv_time_parse_iso("2024-01-01", &a));
	assert_true(hv_time_parse_iso("2025-01-01", &b));
	assert_true(b - a == 366LL * 86400000);
	assert_true(hv_time_parse_iso("1969-01-01", &a));
	assert_true(hv_time_parse_iso("1970-01-01", &b));
	assert_true(b - a == 365LL * 86400000);
}

static void test_clock_round_trip(void **state)
{
	char out[HV_TIME_ISO_MAX];
	int64_t back;
	/* Pseudo-random times from year 1 to 9999, including before 1970. */
	uint64_t x = 88172645463325252ull;
	const int64_t lo = -62135596800000, hi = 253402300799999;

	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t ms = lo + (int64_t)(x % (uint64_t)(hi - lo));

		hv_time_format_iso(ms, out, sizeof(out));
		assert_int_equal(strlen(out), 24);
		if (!hv_time_parse_iso(out, &back) || back != ms)
			fail_msg("%lld formats as %s and parses back differently", (long long)ms,
				 out);
	}
}

static void test_clock_haven_now_overrides(void **state)
{
	const char *saved = getenv("HAVEN_NOW");
	char *keep = saved ? strdup(saved) : NULL;
	int64_t real;

	assert_int_equal(setenv("HAVEN_NOW", "2021-06-01T12:00:00Z", 1), 0);
	assert_true(hv_time_now_ms() == 1622548800000);
	assert_int_equal(setenv("HAVEN_NOW", "2000-02-29", 1), 0);
	assert_true(hv_time_now_ms() == 951782400000);
	/* An unparsable override falls back to the real clock. */
	assert_int_equal(setenv("HAVEN_NOW", "yesterday", 1), 0);
	real = (int64_t)time(NULL) * 1000;
	assert_true(llabs(hv_time_now_ms() - real) < 5000);
	assert_int_equal(unsetenv("HAVEN_NOW"), 0);
	real = (int64_t)time(NULL) * 1000;
	assert_true(llabs(hv_time_now_ms() - real) < 5000);
	if (keep) {
		setenv("HAVEN_NOW", keep, 1);
		free(keep);
	}
}

static void test_clock_mono_does_not_go_back(void **state)
{
	uint64_t a = hv_time_mono_ns(), b;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 2000000};

	nanosleep(&ts, NULL);
	b = hv_time_mono_ns();
	assert_true(b >= a + 1000000);
}

/* ---- fs ----------------------------------------------------------------------------------- */

struct tmpdir {
	char path[256];
};

static void rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[1024];

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static int fs_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));
	const char *base = getenv("TMPDIR");

	if (!t)
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/haven-test-core-XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int fs_teardown(void **state)
{
	struct tmpdir *t = *state;

	rm_tree(t->path);
	free(t);
	return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void path_in(const struct tmpdir *t, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", t->path, name);
}

static void test_fs_read_file_whole(void **state)
{
	struct tmpdir *t = *state;
	char path[512];
	char *data = NULL;
	size_t len = 0;
	struct hv_err e;

	path_in(t, "small.bin", path, sizeof(path));
	write_file(path, "a\0b\nc", 5);
	assert_int_equal(hv_fs_read_file(path, 1024, &data, &len, &e), HV_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "a\0b\nc", 5);
	assert_int_equal(data[5], '\0');
	free(data);

	path_in(t, "empty", path, sizeof(path));
	write_file(path, "", 0);
	assert_int_equal(hv_fs_read_file(path, 1024, &data, &len, &e), HV_OK);
	assert_non_null(data);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
}

static void test_fs_read_file_large_multichunk(void **state)
{
	struct tmpdir *t = *state;
	char path[512];
	const size_t n = 200003;
	char *src = malloc(n), *data = NULL;
	size_t len = 0;

	assert_non_null(src);
	for (size_t i = 0; i < n; i++)
		src[i] = (char)(i * 31 + 7);
	path_in(t, "large.bin", path, sizeof(path));
	write_file(path, src, n);
	assert_int_equal(hv_fs_read_file(path, n, &data, &len, NULL), HV_OK);
	assert_int_equal(len, n);
	assert_memory_equal(data, src, n);
	free(data);
	free(src);
}

static void test_fs_read_file_limit(void **state)
{
	struct tmpdir *t = *state;
	char path[512];
	char *data = (char *)"sentinel";
	size_t len = 0;
	struct hv_err e;

	path_in(t, "ten.txt", path, sizeof(path));
	write_file(path, "0123456789", 10);
	assert_int_equal(hv_fs_read_file(path, 10, &data, &len, &e), HV_OK);
	assert_int_equal(len, 10);
	free(data);
	data = (char *)"sentinel";
	hv_err_clear(&e);
	assert_int_equal(hv_fs_read_file(path, 9, &data, &len, &e), HV_ELIMIT);
	assert_null(data);
	assert_int_equal(e.code, HV_ELIMIT);
	assert_true(contains(e.msg, path));
}

static void test_fs_read_file_missing_names_path(void **state)
{
	struct tmpdir *t = *state;
	char path[512];
	char *data = (char *)"sentinel";
	size_t len = 0;
	struct hv_err e;

	path_in(t, "no-such-file.csv", path, sizeof(path));
	hv_err_clear(&e);
	assert_int_equal(hv_fs_read_file(path, 1024, &data, &len, &e), HV_ENOENT);
	assert_null(data);
	assert_int_equal(e.code, HV_ENOENT);
	assert_true(contains(e.msg, path));
	assert_int_equal(hv_fs_read_file(path, 1024, &data, &len, NULL), HV_ENOENT);
}

static void test_fs_read_file_directory_is_io_error(void **state)
{
	struct tmpdir *t = *state;
	char *data = (char *)"sentinel";
	size_t len = 0;
	struct hv_err e;
	int rc;

	hv_err_clear(&e);
	rc = hv_fs_read_file(t->path, 1024, &data, &len, &e);
	assert_int_equal(rc, HV_EIO);
	assert_null(data);
	assert_true(contains(e.msg, t->path));
}

static void test_fs_basename(void **state)
{
	const char *p = "data/2024/parcels.csv";

	assert_string_equal(hv_fs_basename(p), "parcels.csv");
	assert_ptr_equal(hv_fs_basename(p), p + 10);
	assert_string_equal(hv_fs_basename("parcels.csv"), "parcels.csv");
	assert_string_equal(hv_fs_basename("/abs"), "abs");
	assert_string_equal(hv_fs_basename("./x.geojson"), "x.geojson");
}

static void test_fs_exists(void **state)
{
	struct tmpdir *t = *state;
	char path[512];

	assert_true(hv_fs_exists(t->path));
	path_in(t, "f", path, sizeof(path));
	assert_false(hv_fs_exists(path));
	write_file(path, "x", 1);
	assert_true(hv_fs_exists(path));
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_fs_mkdirs_creates_parents(void **state)
{
	struct tmpdir *t = *state;
	char path[512];
	struct stat st;
	struct hv_err e;

	path_in(t, "a/b/c", path, sizeof(path));
	assert_int_equal(hv_fs_mkdirs(path, &e), HV_OK);
	assert_true(is_dir(path));
	assert_int_equal(stat(path, &st), 0);
	/* Existing directories are fine. */
	assert_int_equal(hv_fs_mkdirs(path, &e), HV_OK);
	path_in(t, "a", path, sizeof(path));
	assert_int_equal(hv_fs_mkdirs(path, &e), HV_OK);
	/* A trailing slash and doubled slashes are tolerated. */
	path_in(t, "x//y/", path, sizeof(path));
	assert_int_equal(hv_fs_mkdirs(path, &e), HV_OK);
	path_in(t, "x/y", path, sizeof(path));
	assert_true(is_dir(path));
}

static void test_fs_mkdirs_under_file_fails(void **state)
{
	struct tmpdir *t = *state;
	char file[512], path[600];
	struct hv_err e;

	path_in(t, "plain", file, sizeof(file));
	write_file(file, "x", 1);
	snprintf(path, sizeof(path), "%s/sub", file);
	hv_err_clear(&e);
	assert_int_equal(hv_fs_mkdirs(path, &e), HV_EIO);
	assert_true(contains(e.msg, file));
	/* The path itself being a regular file is not "an existing directory". */
	hv_err_clear(&e);
	assert_int_not_equal(hv_fs_mkdirs(file, &e), HV_OK);
	assert_true(contains(e.msg, file));
}

static void test_fs_mkdirs_empty_path_fails(void **state)
{
	struct hv_err e;

	hv_err_clear(&e);
	assert_int_not_equal(hv_fs_mkdirs("", &e), HV_OK);
	assert_int_not_equal(e.code, HV_OK);
}

/* ---- strmap ------------------------------------------------------------------------------- */

static void test_strmap_put_get(void **state)
{
	struct hv_strmap m;
	size_t v = 99;
	char key[16] = "volatile";

	hv_strmap_init(&m);
	assert_false(hv_strmap_get(&m, "a", &v));
	assert_int_equal(v, 99);
	assert_true(hv_strmap_put(&m, "a", 0, NULL));
	assert_true(hv_strmap_put(&m, "b", 2, NULL));
	assert_true(hv_strmap_put(&m, "", 3, NULL));
	assert_true(hv_strmap_put(&m, key, 4, NULL));
	key[0] = 'V'; /* the map copied the key */
	assert_int_equal(m.len, 4);
	assert_true(hv_strmap_get(&m, "a", &v));
	assert_int_equal(v, 0);
	assert_true(hv_strmap_get(&m, "b", &v));
	assert_int_equal(v, 2);
	assert_true(hv_strmap_get(&m, "", &v));
	assert_int_equal(v, 3);
	assert_true(hv_strmap_get(&m, "volatile", &v));
	assert_int_equal(v, 4);
	assert_false(hv_strmap_get(&m, "Volatile", &v));
	assert_false(hv_strmap_get(&m, "c", &v));
	assert_false(hv_strmap_get(&m, "A", &v));
	hv_strmap_release(&m);
	hv_strmap_release(NULL);
	/* Usable again after release. */
	assert_false(hv_strmap_get(&m, "a", &v));
	assert_true(hv_strmap_put(&m, "a", 5, NULL));
	assert_true(hv_strmap_get(&m, "a", &v));
	assert_int_equal(v, 5);
	hv_strmap_release(&m);
}

static void test_strmap_duplicate_put_keeps_old(void **state)
{
	struct hv_strmap m;
	size_t v = 0, existing = 0;

	hv_strmap_init(&m);
	assert_true(hv_strmap_put(&m, "PIN-1", 10, &existing));
	assert_false(hv_strmap_put(&m, "PIN-1", 20, &existing));
	assert_int_equal(existing, 10);
	assert_false(hv_strmap_put(&m, "PIN-1", 30, NULL));
	assert_int_equal(m.len, 1);
	assert_true(hv_strmap_get(&m, "PIN-1", &v));
	assert_int_equal(v, 10);
	hv_strmap_release(&m);
}

static void test_strmap_grows_past_100k(void **state)
{
	struct hv_strmap m;
	const size_t n = 150000;
	char key[32];
	size_t v, existing;

	hv_strmap_init(&m);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "key-%zu", i);
		if (!hv_strmap_put(&m, key, i * 7 + 3, NULL))
			fail_msg("put %s failed", key);
	}
	assert_int_equal(m.len, n);
	assert_true(m.cap >= 2 * n);
	assert_int_equal(m.cap & (m.cap - 1), 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "key-%zu", i);
		if (!hv_strmap_get(&m, key, &v) || v != i * 7 + 3)
			fail_msg("get %s wrong", key);
	}
	/* Duplicates are still detected after growth. */
	for (size_t i = 0; i < n; i += 997) {
		snprintf(key, sizeof(key), "key-%zu", i);
		assert_false(hv_strmap_put(&m, key, 1, &existing));
		assert_int_equal(existing, i * 7 + 3);
	}
	assert_int_equal(m.len, n);
	snprintf(key, sizeof(key), "key-%zu", n);
	assert_false(hv_strmap_get(&m, key, &v));
	assert_false(hv_strmap_get(&m, "key-", &v));
	assert_false(hv_strmap_get(&m, "key-00", &v));
	hv_strmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set_formats_and_returns_code),
		cmocka_unit_test(test_err_null_safe),
		cmocka_unit_test(test_err_set_truncates_long_message),
		cmocka_unit_test(test_err_prefix_prepends_context),
		cmocka_unit_test(test_err_prefix_sets_code_when_clear),
		cmocka_unit_test(test_err_prefix_truncates_long_prefix),
		cmocka_unit_test(test_err_prefix_truncates_long_message),
		cmocka_unit_test(test_err_status_str_names_codes),

		cmocka_unit_test(test_buf_init_is_empty_string),
		cmocka_unit_test(test_buf_add_grows_and_keeps_content),
		cmocka_unit_test(test_buf_adds_addf_and_binary),
		cmocka_unit_test(test_buf_limit_sets_sticky_failure),
		cmocka_unit_test(test_buf_limit_exact_fits),
		cmocka_unit_test(test_buf_reset_clears_failure_keeps_storage),
		cmocka_unit_test(test_buf_detach_hands_over_and_reinits),
		cmocka_unit_test(test_buf_release_allows_reuse),

		cmocka_unit_test(test_str_cstr_and_of),
		cmocka_unit_test(test_str_trim_whitespace_crlf_bom),
		cmocka_unit_test(test_str_eq_and_ieq),
		cmocka_unit_test(test_str_to_double_accepts_numbers),
		cmocka_unit_test(test_str_to_double_rejects_junk),
		cmocka_unit_test(test_str_to_i64_range_and_junk),
		cmocka_unit_test(test_str_utf8_valid_sequences),
		cmocka_unit_test(test_str_utf8_rejects_invalid),

		cmocka_unit_test(test_json_nesting_and_commas),
		cmocka_unit_test(test_json_scalars_and_raw),
		cmocka_unit_test(test_json_fixed_decimals),
		cmocka_unit_test(test_json_escapes_quotes_and_controls),
		cmocka_unit_test(test_json_invalid_utf8_becomes_replacement),
		cmocka_unit_test(test_json_nonfinite_doubles_are_null),
		cmocka_unit_test(test_json_pretty_indents),
		cmocka_unit_test(test_json_deep_nesting),
		cmocka_unit_test(test_json_limit_reaches_buffer),

		cmocka_unit_test(test_clock_format_known_times),
		cmocka_unit_test(test_clock_parse_known_times),
		cmocka_unit_test(test_clock_parse_offsets),
		cmocka_unit_test(test_clock_rejects_invalid),
		cmocka_unit_test(test_clock_leap_days),
		cmocka_unit_test(test_clock_round_trip),
		cmocka_unit_test(test_clock_haven_now_overrides),
		cmocka_unit_test(test_clock_mono_does_not_go_back),

		cmocka_unit_test_setup_teardown(test_fs_read_file_whole, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_fs_read_file_large_multichunk, fs_setup,
						fs_teardown),
		cmocka_unit_test_setup_teardown(test_fs_read_file_limit, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_fs_read_file_missing_names_path, fs_setup,
						fs_teardown),
		cmocka_unit_test_setup_teardown(test_fs_read_file_directory_is_io_error, fs_setup,
						fs_teardown),
		cmocka_unit_test(test_fs_basename),
		cmocka_unit_test_setup_teardown(test_fs_exists, fs_setup, fs_teardown),
		cmocka_unit_test_setup_teardown(test_fs_mkdirs_creates_parents, fs_setup,
						fs_teardown),
		cmocka_unit_test_setup_teardown(test_fs_mkdirs_under_file_fails, fs_setup,
						fs_teardown),
		cmocka_unit_test(test_fs_mkdirs_empty_path_fails),

		cmocka_unit_test(test_strmap_put_get),
		cmocka_unit_test(test_strmap_duplicate_put_keeps_old),
		cmocka_unit_test(test_strmap_grows_past_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
