/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of scope expressions: every operator, null and numeric semantics, errors and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "registry/scope.h"

/* A property with a few source attributes, as the registry would hand one over. */
struct attrs {
	const char *keys[8];
	const char *values[8];
	char last_key[64]; /* the key the expression asked for, to check it is passed as written */
};

static const char *lookup(void *ctx, const char *key)
{
	struct attrs *a = ctx;

	snprintf(a->last_key, sizeof(a->last_key), "%s", key);
	for (size_t i = 0; i < 8 && a->keys[i]; i++)
		if (strcmp(a->keys[i], key) == 0)
			return a->values[i];
	return NULL;
}

static struct attrs lot_attrs = {
	.keys = {"Ward", "Zoning Classification", "Sq. Ft.", "It's", "2020_total", "Blank",
		 "Padded"},
	.values = {"28", "RS-3", "3125.50", "quoted", "7", "   ", " 42 "},
};

static struct hv_scope_subject lot(void)
{
	return (struct hv_scope_subject){
		.kind = "lot",
		.status = "Owned by City",
		.source = "inventory-2021",
		.source_id = "16-01-123-004",
		.name = "Lot at 4100 W Madison",
		.address = "4100 W MADISON ST",
		.has_geometry = true,
		.attr = lookup,
		.attr_ctx = &lot_attrs,
	};
}

/* Parses text (which must parse) and evaluates it against s. */
static bool eval_on(const char *text, const struct hv_scope_subject *s)
{
	struct hv_scope_expr *e = NULL;
	struct hv_err err = {0};
	int rc = hv_scope_parse(text, &e, &err);
	bool r;

	if (rc != 0)
		fail_msg("%s: %s", text, err.msg);
	r = hv_scope_eval(e, s);
	hv_scope_expr_free(e);
	return r;
}

static bool eval_lot(const char *text)
{
	struct hv_scope_subject s = lot();

	return eval_on(text, &s);
}

static void expect_error(const char *text, int code, const char *msg)
{
	struct hv_scope_expr *e = (struct hv_scope_expr *)&e; /* must be reset to NULL */
	struct hv_err err = {0};

	assert_int_equal(hv_scope_parse(text, &e, &err), code);
	assert_null(e);
	assert_int_equal(err.code, code);
	assert_string_equal(err.msg, msg);
}

static void test_scope_equality(void **state)
{
	(void)state;
	assert_true(eval_lot("status = 'Owned by City'"));
	assert_false(eval_lot("status = 'owned by city'")); /* = is case-sensitive */
	assert_false(eval_lot("status = 'Owned by City '"));
	assert_true(eval_lot("kind != 'garage'"));
	assert_true(eval_lot("kind <> 'garage'"));
	assert_false(eval_lot("kind != 'lot'"));
	assert_false(eval_lot("kind <> 'lot'"));
	assert_true(eval_lot("source = 'inventory-2021'"));
	assert_true(eval_lot("source_id = '16-01-123-004'"));
	assert_true(eval_lot("name = 'Lot at 4100 W Madison'"));
	assert_true(eval_lot("address = '4100 W MADISON ST'"));
}

static void test_scope_ordering(void **state)
{
	(void)state;
	assert_true(eval_lot("attr.Ward < 29"));
	assert_false(eval_lot("attr.Ward < 28"));
	assert_true(eval_lot("attr.Ward <= 28"));
	assert_false(eval_lot("attr.Ward <= 27.99"));
	assert_true(eval_lot("attr.Ward > 9")); /* numerically; as text "28" < "9" */
	assert_false(eval_lot("attr.Ward > 28"));
	assert_true(eval_lot("attr.Ward >= 28"));
	assert_false(eval_lot("attr.Ward >= 28.01"));
	/* text orders byte by byte: upper case before lower case, a prefix first */
	assert_true(eval_lot("kind > 'garage'"));
	assert_true(eval_lot("kind < 'lots'"));
	assert_true(eval_lot("kind > 'Lot'"));
	assert_true(eval_lot("kind >= 'lot' and kind <= 'lot'"));
}

static void test_scope_numeric_versus_text(void **state)
{
	(void)state;
	assert_true(eval_lot("attr.Ward = 28"));
	assert_true(eval_lot("attr.Ward = '28'"));
	assert_true(eval_lot("attr.Ward = '028'"));
	assert_true(eval_lot("attr.Ward = 028"));
	assert_true(eval_lot("attr.Ward = 28.0"));
	assert_true(eval_lot("attr.Ward = +28"));
	assert_false(eval_lot("attr.Ward = -28"));
	assert_true(eval_lot("attr['Sq. Ft.'] = 3125.5"));
	assert_true(eval_lot("attr['Sq. Ft.'] > 3125.49"));
	assert_true(eval_lot("attr.Padded = 42")); /* white space around a number is ignored */
	assert_true(eval_lot("attr.Padded = '42'"));
	assert_true(eval_lot("attr.Ward != 27"));
	/* text that is not a whole decimal number compares as text */
	assert_false(eval_lot("attr['Zoning Classification'] = 3"));
	assert_true(eval_lot("attr['Zoning Classification'] != 3"));
	assert_true(eval_lot("attr['Zoning Classification'] = 'RS-3'"));
	assert_true(eval_lot("attr['Zoning Classification'] > 3")); /* "RS-3" > "3" as bytes */
	assert_false(eval_lot("kind = 0"));

	struct hv_scope_subject s = lot();
	s.kind = "1e3"; /* exponents are not decimal numbers here */
	assert_false(eval_on("kind = 1000", &s));
	assert_true(eval_on("kind = '1e3'", &s));
	s.kind = "0x10";
	assert_false(eval_on("kind = 16", &s));
	s.kind = ".5";
	assert_true(eval_on("kind = 0.50", &s));
	s.kind = "-0";
	assert_true(eval_on("kind = 0", &s));
	s.kind = "12345678901234567890123"; /* longer than a double holds, still a number */
	assert_true(eval_on("kind > 12345678901234500000000", &s));
	assert_true(eval_on("kind = '0012345678901234567890123'", &s));
}

static void test_scope_in_and_not_in(void **state)
{
	(void)state;
	assert_true(eval_lot("kind in ('lot', 'garage', 'vacant lot')"));
	assert_false(eval_lot("kind in ('garage', 'vacant lot')"));
	assert_true(eval_lot("kind in ('lot')"));
	assert_false(eval_lot("kind not in ('lot', 'garage')"));
	assert_true(eval_lot("kind not in ('garage')"));
	assert_true(eval_lot("attr.Ward in (1, 2, '028')"));
	assert_true(eval_lot("attr.Ward not in (1, 2, 'x')"));
	assert_false(eval_lot("kind in ('LOT')"));
}

static void test_scope_like(void **state)
{
	(void)state;
	assert_true(eval_lot("address like '%madison%'")); /* case-insensitive */
	assert_true(eval_lot("address like '4100 W %'"));
	assert_false(eval_lot("address like '4100'")); /* the whole value must match */
	assert_true(eval_lot("address like '%'"));
	assert_true(eval_lot("address like '%%ST'"));
	assert_true(eval_lot("kind like 'l_t'"));
	assert_false(eval_lot("kind like 'l_'"));
	assert_true(eval_lot("kind like '___'"));
	assert_false(eval_lot("kind like '____'"));
	assert_true(eval_lot("kind like 'L%T'"));
	assert_true(eval_lot("kind not like 'g%'"));
	assert_false(eval_lot("kind not like 'l%'"));
	assert_true(eval_lot("source_id like '16-01-%-004'"));
	assert_false(eval_lot("source_id like '16-01-%-005'"));

	struct hv_scope_subject s = lot();
	s.name = "abXbYb"; /* backtracking to the last % */
	assert_true(eval_on("name like 'a%b'", &s));
	assert_true(eval_on("name like '%b%b'", &s));
	assert_false(eval_on("name like '%c%'", &s));
	s.name = "Café"; /* _ is one character, not one byte */
	assert_true(eval_on("name like 'caf_'", &s));
	assert_true(eval_on("name like '%é'", &s));
	assert_false(eval_on("name like 'caf__'", &s));
}

static void test_scope_null_semantics(void **state)
{
	static const char *const nulls[] = {NULL, "", "   ", "\t\r\n"};
	(void)state;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		struct hv_scope_subject s = lot();

		s.status = nulls[i];
		assert_false(eval_on("status = 'Sold'", &s));
		assert_false(eval_on("status != 'Sold'", &s));
		assert_false(eval_on("status <> 'Sold'", &s));
		assert_false(eval_on("status < 'zzz'", &s));
		assert_false(eval_on("status >= ''", &s));
		assert_false(eval_on("status in ('Sold')", &s));
		assert_false(eval_on("status not in ('Sold')", &s));
		assert_false(eval_on("status like '%'", &s));
		assert_false(eval_on("status not like 'x'", &s));
		assert_true(eval_on("status is null", &s));
		assert_false(eval_on("status is not null", &s));
		/* NOT is plain negation */
		assert_true(eval_on("not status = 'Sold'", &s));
		assert_true(eval_on("not (status != 'Sold')", &s));
	}
	assert_false(eval_lot("status is null"));
	assert_true(eval_lot("status is not null"));
	/* an absent attribute, a blank one, and a subject without attributes are all null */
	assert_true(eval_lot("attr.Missing is null"));
	assert_false(eval_lot("attr.Missing != 'x'"));
	assert_true(eval_lot("attr.Blank is null"));
	assert_false(eval_lot("attr.Blank = '   '"));

	struct hv_scope_subject bare = {.kind = "lot"};
	assert_true(eval_on("attr.Ward is null and name is null and geometry is null", &bare));
	assert_false(eval_on("attr.Ward = 28", &bare));
}

static void test_scope_geometry(void **state)
{
	(void)state;
	struct hv_scope_subject s = lot();

	assert_true(eval_on("geometry is not null", &s));
	assert_false(eval_on("geometry is null", &s));
	s.has_geometry = false;
	assert_true(eval_on("geometry is null", &s));
	assert_true(eval_on("GEOMETRY IS NOT NULL or kind = 'lot'", &s));
}

static void test_scope_precedence(void **state)
{
	(void)state;
	/* AND before OR: true because kind = 'lot' */
	assert_true(eval_lot("kind = 'lot' or kind = 'garage' and status = 'Sold'"));
	assert_false(eval_lot("(kind = 'lot' or kind = 'garage') and status = 'Sold'"));
	assert_true(eval_lot("status = 'Sold' and kind = 'x' or kind = 'lot'"));
	/* NOT before AND */
	assert_false(eval_lot("not kind = 'lot' and status = 'Owned by City'"));
	assert_true(eval_lot("not (kind = 'lot' and status = 'Sold')"));
	assert_true(eval_lot("not kind = 'garage' and not status = 'Sold'"));
	/* NOT before OR */
	assert_true(eval_lot("not kind = 'lot' or status = 'Owned by City'"));
	assert_true(eval_lot("not not kind = 'lot'"));
	assert_false(eval_lot("not not not kind = 'lot'"));
	assert_true(eval_lot("((kind = 'lot'))"));
	assert_true(eval_lot("kind = 'x' or kind = 'y' or kind = 'lot'"));
	assert_false(eval_lot("kind = 'lot' and kind = 'lot' and kind = 'y'"));
}

static void test_scope_keywords_are_case_insensitive(void **state)
{
	(void)state;
	assert_true(eval_lot("KIND In ('lot') AnD Status IS NOT NULL oR kind = 'x'"));
	assert_true(eval_lot("Kind NOT LIKE 'g%' and NOT kind NoT In ('lot')"));
	assert_true(eval_lot("\tkind\n=\r'lot'  "));
	assert_true(eval_lot("kind='lot'and(status!='Sold')"));
}

static void test_scope_attribute_forms(void **state)
{
	(void)state;
	assert_true(eval_lot("attr.Ward = 28"));
	assert_string_equal(lot_attrs.last_key, "Ward");
	assert_true(eval_lot("ATTR.Ward = 28"));
	assert_true(eval_lot("attr .Ward = 28"));
	assert_false(eval_lot("attr.ward = 28")); /* attribute names are the source's */
	assert_true(eval_lot("attr['Zoning Classification'] = 'RS-3'"));
	assert_string_equal(lot_attrs.last_key, "Zoning Classification");
	assert_true(eval_lot("attr[ 'Sq. Ft.' ] > 3000"));
	assert_true(eval_lot("attr(\"Sq. Ft.\") > 3000"));
	assert_true(eval_lot("attr('Sq. Ft.') > 3000"));
	assert_true(eval_lot("attr[\"Sq. Ft.\"] > 3000"));
	assert_true(eval_lot("attr['It''s'] = 'quoted'"));
	assert_string_equal(lot_attrs.last_key, "It's");
	assert_true(eval_lot("attr.2020_total = 7"));
}

static void test_scope_string_literals(void **state)
{
	(void)state;
	struct hv_scope_subject s = lot();

	s.name = "O'Brien Park";
	assert_true(eval_on("name = 'O''Brien Park'", &s));
	assert_true(eval_on("name like 'O''%'", &s));
	s.name = "'";
	assert_true(eval_on("name = ''''", &s));
	s.name = "a\"b";
	assert_true(eval_on("name = 'a\"b'", &s));
	assert_false(eval_lot("name = ''")); /* the empty literal never equals a non-null value */
}

struct error_case {
	const char *text;
	const char *msg;
};

static void test_scope_error_messages(void **state)
{
	static const struct error_case cases[] = {
		{"", "column 1: expected a condition, found end of expression"},
		{"   ", "column 4: expected a condition, found end of expression"},
		{"stauts = 'x'",
		 "column 1: unknown field \"stauts\" (fields: kind, status, source, source_id, name, "
		 "address, geometry, attr.NAME, attr['NAME'])"},
		{"kind = 'lot' and owner = 'x'",
		 "column 18: unknown field \"owner\" (fields: kind, status, source, source_id, name, "
		 "address, geometry, attr.NAME, attr['NAME'])"},
		{"status = 'Owned", "column 10: expected ' to end the string that starts here, "
				    "found end of expression"},
		{"attr(\"Sq. Ft.) = 1", "column 6: expected \" to end the string that starts here, "
					"found end of expression"},
		{"(kind = 'lot'",
		 "column 14: expected \")\" to close \"(\" at column 1, found end of expression"},
		{"((kind = 'lot') or", "column 19: expected a condition, found end of expression"},
		{"kind in ()", "column 10: expected a value in the list, found \")\""},
		{"kind in 'lot'", "column 9: expected \"(\" after IN, found 'lot'"},
		{"kind in ('lot' 'garage')",
		 "column 16: expected \",\" or \")\" in the list, found 'garage'"},
		{"kind in ('lot',)",
		 "column 16: expected a value ('text' in single quotes or a number), found \")\""},
		{"kind = 'lot' garbage",
		 "column 14: expected AND, OR or end of expression, found \"garbage\""},
		{"kind = 'lot')", "column 13: expected AND, OR or end of expression, found \")\""},
		{"'lot' = kind", "column 1: expected a field name (a condition is field op value, "
				 "field first), found "
				 "'lot'"},
		{"28 = attr.Ward", "column 1: expected a field name (a condition is field op "
				   "value, field first), found "
				   "\"28\""},
		{"\"kind\" = 'lot'", "column 1: expected a field name (double quotes only name "
				     "attributes: attr(\"...\")), "
				     "found \"kind\""},
		{"kind = status",
		 "column 8: expected a value ('text' or a number; a field cannot be on the right), "
		 "found \"status\""},
		{"kind = null",
		 "column 8: expected a value ('text' or a number; IS NULL tests for null), found "
		 "\"null\""},
		{"status = \"Sold\"", "column 10: expected a value ('text' in single quotes or a "
				      "number), found \"Sold\""},
		{"kind = ",
		 "column 8: expected a value ('text' in single quotes or a number), found "
		 "end of expression"},
		{"kind == 'lot'",
		 "column 7: expected a value ('text' in single quotes or a number), found \"=\""},
		{"kind 'lot'", "column 6: expected an operator (=, !=, <>, <, <=, >, >=, IN, NOT "
			       "IN, LIKE, NOT LIKE, "
			       "IS NULL, IS NOT NULL), found 'lot'"},
		{"kind",
		 "column 5: expected an operator (=, !=, <>, <, <=, >, >=, IN, NOT IN, LIKE, "
		 "NOT LIKE, IS NULL, IS NOT NULL), found end of expression"},
		{"kind ! 'lot'", "column 6: expected an operator (=, !=, <>, <, <=, >, >=, IN, NOT "
				 "IN, LIKE, NOT LIKE, "
				 "IS NULL, IS NOT NULL), found \"!\""},
		{"kind not 'lot'", "column 10: expected IN or LIKE after NOT, found 'lot'"},
		{"kind is 'lot'", "column 9: expected NULL or NOT NULL after IS, found 'lot'"},
		{"kind is not 'lot'", "column 13: expected NULL after IS NOT, found 'lot'"},
		{"kind like 5", "column 11: expected a 'pattern' after LIKE, found \"5\""},
		{"geometry = 'x'",
		 "column 10: expected IS NULL or IS NOT NULL after geometry, found \"=\""},
		{"and kind = 'lot'", "column 1: expected a condition, found \"and\""},
		{"kind = 'lot' and", "column 17: expected a condition, found end of expression"},
		{"kind = 'lot' or or kind = 'x'", "column 17: expected a condition, found \"or\""},
		{"()", "column 2: expected a condition, found \")\""},
		{"not", "column 4: expected a condition, found end of expression"},
		{"attr = 1", "column 6: expected \".\", \"[\" or \"(\" after attr, found \"=\""},
		{"attr. = 1",
		 "column 7: expected an attribute name (letters, digits, _) after \"attr.\", found "
		 "\"=\""},
		{"attr.",
		 "column 6: expected an attribute name (letters, digits, _) after \"attr.\", "
		 "found end of expression"},
		{"attr[Ward] = 1", "column 6: expected a quoted attribute name, found \"Ward\""},
		{"attr[''] = 1", "column 6: expected a non-empty attribute name, found ''"},
		{"attr['Ward') = 1",
		 "column 12: expected \"]\" after the attribute name, found \")\""},
		{"attr('Ward'] = 1",
		 "column 12: expected \")\" after the attribute name, found \"]\""},
		{"kind = 12ab", "column 8: expected a value ('text' in single quotes or a number), "
				"found \"12ab\""},
		{"kind = 1.2.3",
		 "column 8: expected a value ('text' in single quotes or a number), "
		 "found \"1.2.3\""},
		{"kind = - 1", "column 8: expected a value ('text' in single quotes or a number), "
			       "found \"-\""},
		{"kind = 'lot' @", "column 14: expected AND, OR or end of expression, found \"@\""},
		{"kind = 'lot' é", "column 14: expected AND, OR or end of expression, found \"é\""},
		{"kind = 'lot' \x01",
		 "column 14: expected AND, OR or end of expression, found \"?\""},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(cases[i].text, HV_EINVAL, cases[i].msg);
}

static void test_scope_error_quotes_long_tokens_shortly(void **state)
{
	(void)state;
	expect_error("kind = 'lot' 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", HV_EINVAL,
		     "column 14: expected AND, OR or end of expression, found "
		     "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
	/* cut at a character boundary: byte 32 is inside the 16th two-byte character */
	expect_error("kind = 'lot' '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9'",
		     HV_EINVAL,
		     "column 14: expected AND, OR or end of expression, found "
		     "'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
}

static void test_scope_error_without_err(void **state)
{
	struct hv_scope_expr *e = NULL;

	(void)state;
	assert_int_equal(hv_scope_parse("kind = ", &e, NULL), HV_EINVAL);
	assert_null(e);
	assert_int_equal(hv_scope_parse(NULL, &e, NULL), HV_EINVAL);
	hv_scope_expr_free(NULL);
}

/* "kind = 'lot'" joined n times by sep, wrapped in n_open parentheses. */
static char *build(size_t n, const char *sep, size_t n_open)
{
	struct hv_buf b;

	hv_buf_init(&b, 0);
	for (size_t i = 0; i < n_open; i++)
		hv_buf_addc(&b, '(');
	for (size_t i = 0; i < n; i++)
		hv_buf_adds(&b, i ? sep : "kind = 'lot'");
	for (size_t i = 0; i < n_open; i++)
		hv_buf_addc(&b, ')');
	return hv_buf_detach(&b, NULL);
}

static void test_scope_limit_length(void **state)
{
	char *text = malloc(4098);

	(void)state;
	/* 4,096 bytes: a condition padded with spaces is fine */
	memset(text, ' ', 4096);
	memcpy(text, "kind = 'lot'", 12);
	text[4096] = '\0';
	assert_true(eval_lot(text));
	text[4096] = ' ';
	text[4097] = '\0';
	expect_error(text, HV_ELIMIT,
		     "column 4097: expected at most 4096 bytes of text, found 4097 bytes");
	free(text);
}

static void test_scope_limit_depth(void **state)
{
	char *ok = build(1, "", 64);
	char *deep = build(1, "", 65);

	(void)state;
	assert_true(eval_lot(ok));
	expect_error(deep, HV_ELIMIT,
		     "column 65: expected at most 64 nested parentheses, found more");
	free(ok);
	free(deep);
}

static void test_scope_limit_list(void **state)
{
	struct hv_buf b;

	(void)state;
	hv_buf_init(&b, 0);
	hv_buf_adds(&b, "attr.Ward in (");
	for (int i = 1; i <= 1000; i++)
		hv_buf_addf(&b, "%s%d", i > 1 ? "," : "", i);
	hv_buf_adds(&b, ")");
	assert_true(eval_lot(b.data));
	b.data[b.len - 1] = ',';
	hv_buf_adds(&b, "1001)"); /* the 1001st value starts right after the last comma */
	char msg[128];
	snprintf(msg, sizeof(msg),
		 "column %zu: expected at most 1000 values in the list, found more", b.len - 4);
	expect_error(b.data, HV_ELIMIT, msg);
	hv_buf_release(&b);
}

/* Long chains are flat n-ary nodes, not deep trees: no depth limit applies to them. */
static void test_scope_long_chains_are_not_nesting(void **state)
{
	char *ands = build(200, " and kind = 'lot'", 0);
	char *ors = build(200, " or kind = 'x'", 0);
	struct hv_buf nots;

	(void)state;
	assert_true(eval_lot(ands));
	assert_true(eval_lot(ors));
	hv_buf_init(&nots, 0);
	for (int i = 0; i < 1000; i++)
		hv_buf_adds(&nots, "not ");
	hv_buf_adds(&nots, "kind = 'lot'");
	assert_true(eval_lot(nots.data)); /* an even number of NOTs */
	free(ands);
	free(ors);
	hv_buf_release(&nots);
}

/* A compiled expression is read-only: evaluating it many times, over different subjects, gives
 * the same answers. */
static void test_scope_reuse(void **state)
{
	struct hv_scope_expr *e = NULL;
	struct hv_scope_subject s = lot();

	(void)state;
	assert_int_equal(hv_scope_parse("status = 'Owned by City' and kind in ('lot', 'garage', "
					"'vacant lot') and attr.Ward >= 20",
					&e, NULL),
			 0);
	for (int i = 0; i < 1000; i++) {
		s.kind = (i % 3 == 0) ? "lot" : (i % 3 == 1) ? "park" : "garage";
		assert_int_equal(hv_scope_eval(e, &s), i % 3 != 1);
	}
	hv_scope_expr_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scope_equality),
		cmocka_unit_test(test_scope_ordering),
		cmocka_unit_test(test_scope_numeric_versus_text),
		cmocka_unit_test(test_scope_in_and_not_in),
		cmocka_unit_test(test_scope_like),
		cmocka_unit_test(test_scope_null_semantics),
		cmocka_unit_test(test_scope_geometry),
		cmocka_unit_test(test_scope_precedence),
		cmocka_unit_test(test_scope_keywords_are_case_insensitive),
		cmocka_unit_test(test_scope_attribute_forms),
		cmocka_unit_test(test_scope_string_literals),
		cmocka_unit_test(test_scope_error_messages),
		cmocka_unit_test(test_scope_error_quotes_long_tokens_shortly),
		cmocka_unit_test(test_scope_error_without_err),
		cmocka_unit_test(test_scope_limit_length),
		cmocka_unit_test(test_scope_limit_depth),
		cmocka_unit_test(test_scope_limit_list),
		cmocka_unit_test(test_scope_long_chains_are_not_nesting),
		cmocka_unit_test(test_scope_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
