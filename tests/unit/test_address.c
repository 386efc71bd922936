/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of src/geo/address.h: every normalisation rule, matching (ranges, parity, ambiguity,
 * units), garbage, threads, and real Chicago data read from $HAVEN_SHARED_DATA (never copied
 * here): the 81 library branches by their address and its variants, the 2021 inventory, and
 * building footprints whose address ranges come from an address template. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "geo/address.h"
#include "geo/geo.h"

#include "core/banned.h"

/* Room for every match any test expects; more means a test is wrong. */
#define CAP 64

/* ---- helpers ---- */

static const char *data_path(const char *rel)
{
	static char buf[1024];
	const char *root = getenv("HAVEN_SHARED_DATA");

	snprintf(buf, sizeof(buf), "%s/%s", root ? root : "../shared/data", rel);
	return buf;
}

/* text parses, and its canonical text is want. */
static void check_canon(const char *text, const char *want)
{
	struct hv_addr a;
	char got[HV_ADDR_FORMAT_MAX];

	if (!hv_addr_parse(text, strlen(text), &a))
		fail_msg("\"%s\" does not parse, want \"%s\"", text, want);
	hv_addr_format(&a, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("\"%s\" reads \"%s\", want \"%s\"", text, got, want);
}

struct canon_case {
	const char *text, *want;
};

static void check_canon_table(const struct canon_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_canon(c[i].text, c[i].want);
}

#define CHECK_CANON(table) check_canon_table(table, sizeof(table) / sizeof(table[0]))

static void check_refused(const char *text, size_t len)
{
	struct hv_addr a, zero;

	memset(&zero, 0, sizeof(zero));
	if (hv_addr_parse(text, len, &a))
		fail_msg("\"%.*s\" parses as \"%s\"", (int)(len > 60 ? 60 : len), text, a.street);
	assert_memory_equal(&a, &zero, sizeof(a));
}

/* An index of the given addresses, ref = position. */
static struct hv_addr_index *index_of(const char *const *texts, size_t n)
{
	struct hv_addr_index_builder *b = hv_addr_index_builder_new();

	for (size_t i = 0; i < n; i++)
		if (!hv_addr_index_builder_add(b, (int64_t)i, texts[i]))
			fail_msg("\"%s\" was not indexed", texts[i]);
	return hv_addr_index_build(b);
}

/* The query finds exactly the refs listed (ascending, -1 ends the list). */
static void check_find(const struct hv_addr_index *ix, const char *query, ...)
{
	int64_t refs[CAP], want[CAP];
	size_t n, n_want = 0;
	va_list ap;

	va_start(ap, query);
	for (int r = va_arg(ap, int); r >= 0; r = va_arg(ap, int))
		want[n_want++] = r;
	va_end(ap);
	n = hv_addr_index_find(ix, query, refs, CAP);
	if (n != n_want)
		fail_msg("\"%s\" finds %zu addresses, want %zu (first: %lld)", query, n, n_want,
			 n ? (long long)refs[0] : -1LL);
	for (size_t i = 0; i < n; i++)
		if (refs[i] != want[i])
			fail_msg("\"%s\": match %zu is %lld, want %lld", query, i,
				 (long long)refs[i], (long long)want[i]);
}

/* ---- normalisation ---- */

static void test_address_parse_fields(void **state)
{
	struct hv_addr a;
	const char *t = "1200-1210 w. Normal Pkwy North, Apt 4b, Chicago, IL 60621";

	(void)state;
	assert_true(hv_addr_parse(t, strlen(t), &a));
	assert_int_equal(a.number_lo, 1200);
	assert_int_equal(a.number_hi, 1210);
	assert_string_equal(a.predir, "W");
	assert_string_equal(a.street, "NORMAL");
	assert_string_equal(a.type, "PKWY");
	assert_string_equal(a.postdir, "N");
	assert_string_equal(a.unit, "4B");
	/* len bounds the text: no NUL needed, and what follows is not read. */
	assert_true(hv_addr_parse("3401 W Foster Ave###", 17, &a));
	assert_string_equal(a.street, "FOSTER");
	assert_string_equal(a.type, "AVE");
	/* A NUL inside len separates words like any control byte. */
	assert_true(hv_addr_parse("100 Main\0St", 11, &a));
	assert_string_equal(a.street, "MAIN");
	assert_string_equal(a.type, "ST");
}

static void test_address_parse_case_punctuation_spaces(void **state)
{
	static const struct canon_case c[] = {
		{"2505 E. 73rd St.", "2505 E 73RD ST"},
		{"2505 e 73rd st", "2505 E 73RD ST"},
		{"  2505\tE .73rd\r\n  St. ", "2505 E 73RD ST"},
		{"2421  CONGRESS ST", "2421 CONGRESS ST"},
		{"100 O'Brien St", "100 OBRIEN ST"},
		{"100 O\342\200\231Brien St", "100 OBRIEN ST"},
		{"100 N.W. Highway", "100 NW HWY"},
		{"100 St.Louis Ave", "100 ST LOUIS AVE"},
		{"100 Wilkes-Barre St", "100 WILKES BARRE ST"},
		{"100 Main St; (rear) & \"yard\"", "100 MAIN ST"},
		{"100\xC2\xA0Main\xC2\xA0St", "100 MAIN ST"},
		{"100 \303\261and\303\272 St", "100 \303\221AND\303\232 ST"},
		{"100 Stra\303\237e Ave", "100 STRA\303\237E AVE"},
	};

	(void)state;
	CHECK_CANON(c);
}

static void test_address_parse_directionals(void **state)
{
	static const struct canon_case c[] = {
		{"100 N Main St", "100 N MAIN ST"},
		{"100 North Main St", "100 N MAIN ST"},
		{"100 south Main St", "100 S MAIN ST"},
		{"100 EAST Main St", "100 E MAIN ST"},
		{"100 West Main St", "100 W MAIN ST"},
		{"100 NE Main St", "100 NE MAIN ST"},
		{"100 Northwest Main", "100 NW MAIN"},
		{"100 southeast Main", "100 SE MAIN"},
		{"100 SouthWest Main", "100 SW MAIN"},
		{"100 Northeast Main", "100 NE MAIN"},
		{"100 N. E. Main", "100 N E MAIN"}, /* two words: the second is the name's */
		{"100 Main St South", "100 MAIN ST S"},
		{"442 W NORMAL PKWY NORTH", "442 W NORMAL PKWY N"},
		{"7841 S STONY ISLAND AVE EAST", "7841 S STONY ISLAND AVE E"},
	};

	(void)state;
	CHECK_CANON(c);
}

/* A directional word is the name when nothing but a type follows it; one word at most is a
 * directional. */
static void test_address_parse_directional_as_name(void **state)
{
	static const struct canon_case c[] = {
		{"5724 North Ave", "5724 NORTH AVE"},
		{"5724 W. North Ave.", "5724 W NORTH AVE"},
		{"5724 West North Avenue", "5724 W NORTH AVE"},
		{"100 North", "100 NORTH"},
		{"100 W North", "100 W NORTH"},
		{"6083 N. Northwest Hwy.", "6083 N NORTHWEST HWY"},
		{"6083 North Northwest Highway", "6083 N NORTHWEST HWY"},
		{"4000 W West End Ave", "4000 W WEST END AVE"},
		{"1000 W North Shore Ave", "1000 W NORTH SHORE AVE"},
		{"100 N Ave", "100 N AVE"},
		{"10554 S AVENUE H", "10554 S AVENUE H"},
		{"9516 S Avenue N", "9516 S AVENUE N"},
	};

	(void)state;
	CHECK_CANON(c);
}

static void test_address_parse_street_types(void **state)
{
	static const struct canon_case c[] = {
		{"1 Foo Avenue", "1 FOO AVE"},	   {"1 Foo Ave", "1 FOO AVE"},
		{"1 Foo Av", "1 FOO AVE"},	   {"1 Foo Street", "1 FOO ST"},
		{"1 Foo St", "1 FOO ST"},	   {"1 Foo Str", "1 FOO ST"},
		{"1 Foo Boulevard", "1 FOO BLVD"}, {"1 Foo Blvd", "1 FOO BLVD"},
		{"1 Foo Road", "1 FOO RD"},	   {"1 Foo Rd", "1 FOO RD"},
		{"1 Foo Drive", "1 FOO DR"},	   {"1 Foo Dr", "1 FOO DR"},
		{"1 Foo Place", "1 FOO PL"},	   {"1 Foo Pl", "1 FOO PL"},
		{"1 Foo Court", "1 FOO CT"},	   {"1 Foo Ct", "1 FOO CT"},
		{"1 Foo Lane", "1 FOO LN"},	   {"1 Foo Ln", "1 FOO LN"},
		{"1 Foo Parkway", "1 FOO PKWY"},   {"1 Foo Pkwy", "1 FOO PKWY"},
		{"1 Foo Terrace", "1 FOO TER"},	   {"1 Foo Ter", "1 FOO TER"},
		{"1 Foo Highway", "1 FOO HWY"},	   {"1 Foo Hwy", "1 FOO HWY"},
		{"1 Foo Square", "1 FOO SQ"},	   {"1 Foo Sq", "1 FOO SQ"},
		{"1 Foo Circle", "1 FOO CIR"},	   {"1 Foo Cir", "1 FOO CIR"},
		{"1 Foo Way", "1 FOO WAY"},	   {"1 Foo Plaza", "1 FOO PLZ"},
		{"1 Foo Plz", "1 FOO PLZ"},	   {"1 Foo Expressway", "1 FOO EXPY"},
		{"1 Foo Expy", "1 FOO EXPY"},	   {"1 Foo Trail", "1 FOO TRL"},
		{"1 Foo Trl", "1 FOO TRL"},	   {"1 Foo Row", "1 FOO ROW"},
		{"1 Foo Alley", "1 FOO ALY"},
	};

	(void)state;
	CHECK_CANON(c);
}

/* The last type word is the type only when a name precedes it. */
static void test_address_parse_type_word_as_name(void **state)
{
	static const struct canon_case c[] = {
		{"100 Park Ave", "100 PARK AVE"},
		{"4904 S. Lake Park Ave.", "4904 S LAKE PARK AVE"},
		{"6100 W. Irving Park Rd.", "6100 W IRVING PARK RD"},
		{"13537 S AVENUE O", "13537 S AVENUE O"},
		{"100 Avenue O", "100 AVENUE O"},
		{"100 Avenue O St", "100 AVENUE O ST"},
		{"4242 S ST LAWRENCE AVE", "4242 S ST LAWRENCE AVE"},
		{"100 St Louis", "100 ST LOUIS"},
		{"100 Broadway", "100 BROADWAY"},
		{"6000 N. Broadway St.", "6000 N BROADWAY ST"},
		{"100 Plaza", "100 PLAZA"},
		{"100 W Court St", "100 W COURT ST"},
		/* What follows the type is a city without a comma, or a note. */
		{"2042 N CENTRAL AVE OP", "2042 N CENTRAL AVE"},
		{"2505 E 73rd St Chicago IL", "2505 E 73RD ST"},
	};

	(void)state;
	CHECK_CANON(c);
}

static void test_address_parse_ordinals(void **state)
{
	static const struct canon_case c[] = {
		{"2505 E 73rd St", "2505 E 73RD ST"},
		{"2505 E 73RD ST", "2505 E 73RD ST"},
		{"2505 E 73Rd St", "2505 E 73RD ST"},
		{"2505 E 73th St", "2505 E 73RD ST"},
		{"2505 E 73 St", "2505 E 73RD ST"},
		{"2505 East Seventy-Third Street", "2505 E 73RD ST"},
		{"2505 east seventy third street", "2505 E 73RD ST"},
		{"1 W 1st St", "1 W 1ST ST"},
		{"1 W First St", "1 W 1ST ST"},
		{"1 W 2 St", "1 W 2ND ST"},
		{"1 W Second St", "1 W 2ND ST"},
		{"1 W 11 St", "1 W 11TH ST"},
		{"1 W 12nd St", "1 W 12TH ST"},
		{"1 W 13 St", "1 W 13TH ST"},
		{"1 W Twentieth St", "1 W 20TH ST"},
		{"1 W 21 St", "1 W 21ST ST"},
		{"1 W 22 St", "1 W 22ND ST"},
		{"1 W 111 St", "1 W 111TH ST"},
		{"1 W 112 St", "1 W 112TH ST"},
		{"1 W 123 St", "1 W 123RD ST"},
		{"2914 W FIFTH AVE", "2914 W 5TH AVE"},
		{"1 W Ninety-Ninth St", "1 W 99TH ST"},
		/* A number before other words, or without a type, is no ordinal. */
		{"100 Route 66", "100 ROUTE 66"},
		{"100 5 Points Rd", "100 5 POINTS RD"},
	};

	(void)state;
	CHECK_CANON(c);
}

static void test_address_parse_units(void **state)
{
	static const struct canon_case c[] = {
		{"100 Main St Apt 4B", "100 MAIN ST UNIT 4B"},
		{"100 Main St Apt. 4b", "100 MAIN ST UNIT 4B"},
		{"100 Main St Apartment 4B", "100 MAIN ST UNIT 4B"},
		{"100 Main St Unit 4B", "100 MAIN ST UNIT 4B"},
		{"100 Main St Ste 200", "100 MAIN ST UNIT 200"},
		{"100 Main St Suite 200", "100 MAIN ST UNIT 200"},
		{"100 Main St #4B", "100 MAIN ST UNIT 4B"},
		{"100 Main St # 4B", "100 MAIN ST UNIT 4B"},
		{"100 Main St Apt #4B", "100 MAIN ST UNIT 4B"},
		{"100 Main St Apt 4-B", "100 MAIN ST UNIT 4B"},
		{"100 Main St Rm 12", "100 MAIN ST UNIT 12"},
		{"100 Main St Room 12", "100 MAIN ST UNIT 12"},
		{"100 Main St Fl 3", "100 MAIN ST FL 3"},
		{"100 Main St Floor 3", "100 MAIN ST FL 3"},
		{"100 Main St Flr 3rd", "100 MAIN ST FL 3"},
		{"100 Main St 3rd Floor", "100 MAIN ST FL 3"},
		{"100 Main St Third Fl", "100 MAIN ST FL 3"},
		{"100 Main St Floor B2", "100 MAIN ST FL B2"},
		{"100 Main St Floor Seventy-Third", "100 MAIN ST FL 73"},
		{"100 Main St Seventy-Third Floor", "100 MAIN ST FL 73"},
		{"100 Main St, Suite 200, Chicago, IL", "100 MAIN ST UNIT 200"},
		{"100 Main St, 3rd Floor", "100 MAIN ST FL 3"},
		{"100 Main St Apt 52100", "100 MAIN ST UNIT 52100"},
		{"100 Main St Apt 4B Chicago IL 60601", "100 MAIN ST UNIT 4B"},
		/* A designator without a value, or first, is a word; so is a floor with no digit.
		 */
		{"100 Main St Apt", "100 MAIN ST"},
		{"100 Unit St", "100 UNIT ST"},
		{"100 Main St Floor Ave", "100 MAIN ST FLOOR AVE"},
		/* Florida, not a floor; a city's part, not a unit. */
		{"100 Main St Miami FL 33101", "100 MAIN ST"},
		{"100 Main St, Miami, FL 33101", "100 MAIN ST"},
		/* Too long for the field: the building. */
		{"100 Main St Suite 1234567890123456", "100 MAIN ST"},
	};

	(void)state;
	CHECK_CANON(c);
}

static void test_address_parse_numbers_and_ranges(void **state)
{
	static const struct canon_case c[] = {
		{"1200-1210 W 63RD ST", "1200-1210 W 63RD ST"},
		{"1200 - 1210 W 63rd St", "1200-1210 W 63RD ST"},
		{"1200 -1210 W 63rd St", "1200-1210 W 63RD ST"},
		{"1200-1200 W 63rd St", "1200 W 63RD ST"},
		{"1200-10 W 63rd St", "1200 W 63RD ST"}, /* reversed: the first number */
		{"1234A Main St", "1234 MAIN ST UNIT A"},
		{"100 1/2 Main St", "100 MAIN ST UNIT 1/2"},
		{"#5 Main St", "5 MAIN ST"},
		{"0 Main St", "MAIN ST"},
		{"W 63rd St", "W 63RD ST"},
		{"Foster Ave", "FOSTER AVE"},
		{"0 22 Foo St", "0 22 FOO ST"}, /* no number, and the street 22 FOO */
		{"123456789 Main St", "123456789 MAIN ST"},
	};
	struct hv_addr a;

	(void)state;
	CHECK_CANON(c);
	assert_true(hv_addr_parse("Foster Ave", 10, &a));
	assert_int_equal(a.number_lo, 0);
	assert_int_equal(a.number_hi, 0);
}

static void test_address_parse_city_state_zip(void **state)
{
	static const struct canon_case c[] = {
		{"2505 E. 73rd St., Chicago, IL 60649", "2505 E 73RD ST"},
		{"2505 E 73rd St, Chicago IL", "2505 E 73RD ST"},
		{"2505 E 73rd St 60649", "2505 E 73RD ST"},
		{"2505 E 73rd St 60649-1234", "2505 E 73RD ST"},
		{"2505 E 73rd St Chicago IL 60649", "2505 E 73RD ST"},
		{"5406 N Broadway 60640", "5406 N BROADWAY"},
		{"100 Foo 60649-12345", "100 FOO"},
		{"100 Foo 60649 Apt 4", "100 FOO UNIT 4"},
		{"100 Foo 60649 Suite 1234567890123456", "100 FOO"},
	};

	(void)state;
	CHECK_CANON(c);
}

static void test_address_parse_garbage(void **state)
{
	char junk[HV_ADDR_TEXT_MAX + 1];
	char digits[HV_ADDR_TEXT_MAX];
	char street[HV_ADDR_MAX + 16];

	(void)state;
	check_refused("", 0);
	check_refused("   \t ", 5);
	check_refused(",,,", 3);
	check_refused("2505, E 73rd St", 15); /* the comma ends the address before a street */
	check_refused("12345", 5);
	check_refused("1200-1210", 9);
	check_refused("1 2 3 4", 7);
	check_refused("100 # - #", 9);
	check_refused("1234567890 Main St", 18); /* no house number has ten digits */
	check_refused("100 Bad \xFF\xFE St", 14);
	check_refused("100 Cut \xC3", 9);
	/* 1 KB of junk: every byte value but NUL, repeating. */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(1 + i % 255);
	check_refused(junk, sizeof(junk)); /* over the limit */
	for (size_t i = 0; i < sizeof(digits); i++)
		digits[i] = (char)('0' + i % 10);
	check_refused(digits, sizeof(digits));
	memset(street, 'A', sizeof(street));
	memcpy(street, "100 ", 4);
	check_refused(street, sizeof(street)); /* the name does not fit */
	check_refused(NULL, 0);
}

/* Junk within the limit parses or not, without harm; valid UTF-8 junk keeps its bytes. */
static void test_address_parse_junk_within_limit(void **state)
{
	char junk[HV_ADDR_TEXT_MAX];
	struct hv_addr a;
	char out[HV_ADDR_FORMAT_MAX];
	unsigned x = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(junk); i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = (char)(round % 2 ? 0x20 + (x >> 16) % 0x5f : (x >> 16));
		}
		if (hv_addr_parse(junk, sizeof(junk), &a)) {
			hv_addr_format(&a, out, sizeof(out));
			assert_true(strlen(out) < sizeof(out));
		}
	}
}

static void test_address_format(void **state)
{
	struct hv_addr a;
	char out[HV_ADDR_FORMAT_MAX], small[8];
	const char *t = "1200-1210 w normal pkwy north apt 4b";

	(void)state;
	assert_true(hv_addr_parse(t, strlen(t), &a));
	hv_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "1200-1210 W NORMAL PKWY N UNIT 4B");
	hv_addr_format(&a, small, sizeof(small));
	assert_string_equal(small, "1200-12"); /* truncated, terminated */
	small[0] = 'x';
	hv_addr_format(&a, small, 0);
	assert_int_equal(small[0], 'x');
	memset(&a, 0, sizeof(a));
	snprintf(a.street, sizeof(a.street), "FOSTER");
	hv_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "FOSTER");
}

/* ---- matching ---- */

static void test_address_find_exact_and_variants(void **state)
{
	static const char *const addrs[] = {"3401 W. Foster Ave.", "3401 E Foster Ave",
					    "3400 W Foster Ave", "2505 E. 73rd St."};
	struct hv_addr_index *ix = index_of(addrs, 4);

	(void)state;
	check_find(ix, "3401 W Foster Ave", 0, -1);
	check_find(ix, "3401 west foster avenue", 0, -1);
	check_find(ix, "3401 W FOSTER AVE, Chicago, IL 60625", 0, -1);
	check_find(ix, "3401 W Foster St", -1);
	check_find(ix, "3403 W Foster Ave", -1);
	check_find(ix, "3401 W Fostr Ave", -1);
	check_find(ix, "2505 East Seventy-Third Street", 3, -1);
	check_find(ix, "2505 e 73 st", 3, -1);
	hv_addr_index_free(ix);
}

/* An omitted type or directional matches every address that agrees on the rest. */
static void test_address_find_ambiguous(void **state)
{
	static const char *const addrs[] = {"100 W 63rd St", "100 W 63rd Pl",	"100 E 63rd St",
					    "100 W 64th St", "5406 N BROADWAY", "100 W 63rd St N"};
	struct hv_addr_index *ix = index_of(addrs, 6);

	(void)state;
	check_find(ix, "100 W 63rd St", 0, 5, -1);
	check_find(ix, "100 W 63rd St S", 0, -1);
	check_find(ix, "100 W 63rd", 0, 1, 5, -1);
	check_find(ix, "100 63rd St", 0, 2, 5, -1);
	check_find(ix, "100 63rd", 0, 1, 2, 5, -1);
	/* The index's own address may omit them too. */
	check_find(ix, "5406 N Broadway St", 4, -1);
	check_find(ix, "5406 S Broadway", -1);
	hv_addr_index_free(ix);
}

static void test_address_find_ranges_parity(void **state)
{
	static const char *const addrs[] = {"1200-1210 W 63RD ST", "1201-1209 W 63rd St",
					    "1204 W 63rd St", "1300-1311 W 63rd St",
					    "1200-1210 W 64th St"};
	struct hv_addr_index *ix = index_of(addrs, 5);

	(void)state;
	check_find(ix, "1200 W 63rd St", 0, -1);
	check_find(ix, "1204 W 63rd St", 0, 2, -1);
	check_find(ix, "1210 W 63rd St", 0, -1);
	check_find(ix, "1212 W 63rd St", -1);
	check_find(ix, "1198 W 63rd St", -1);
	check_find(ix, "1201 W 63rd St", 1, -1);
	check_find(ix, "1205 W 63rd St", 1, -1);
	check_find(ix, "1211 W 63rd St", -1);
	/* Ends of different parity: both sides. */
	check_find(ix, "1300 W 63rd St", 3, -1);
	check_find(ix, "1305 W 63rd St", 3, -1);
	check_find(ix, "1311 W 63rd St", 3, -1);
	/* A query range finds what it overlaps on its side. */
	check_find(ix, "1206-1220 W 63rd St", 0, -1);
	check_find(ix, "1203-1207 W 63rd St", 1, -1);
	check_find(ix, "1100-1202 W 63rd St", 0, -1);
	check_find(ix, "1204 W 64th St", 4, -1);
	hv_addr_index_free(ix);
}

/* Wide ranges early in a street must not hide later entries from the binary search. */
static void test_address_find_wide_range_and_many_entries(void **state)
{
	struct hv_addr_index_builder *b = hv_addr_index_builder_new();
	struct hv_addr_index *ix;
	char t[64];
	int64_t refs[CAP];

	(void)state;
	assert_true(hv_addr_index_builder_add(b, 1000, "2-9998 N Long St"));
	for (int i = 0; i < 1000; i++) {
		snprintf(t, sizeof(t), "%d N Long St", 10 * i + 1);
		assert_true(hv_addr_index_builder_add(b, i, t));
	}
	ix = hv_addr_index_build(b);
	for (int i = 0; i < 1000; i++) {
		snprintf(t, sizeof(t), "%d N Long St", 10 * i + 1);
		assert_int_equal(hv_addr_index_find(ix, t, refs, CAP), 1);
		assert_int_equal(refs[0], i);
		snprintf(t, sizeof(t), "%d N Long St", 10 * i + 2);
		assert_int_equal(hv_addr_index_find(ix, t, refs, CAP), 1);
		assert_int_equal(refs[0], 1000);
	}
	check_find(ix, "5000 N Long St", 1000, -1);
	check_find(ix, "10000 N Long St", -1);
	hv_addr_index_free(ix);
}

static void test_address_find_units(void **state)
{
	static const char *const addrs[] = {"100 Main St",	 "100 Main St Apt 4B",
					    "100 Main St #5",	 "200 Main St Apt 1",
					    "200 Main St Apt 2", "300 Main St FL 3"};
	struct hv_addr_index *ix = index_of(addrs, 6);

	(void)state;
	/* No unit: the building and everything in it. */
	check_find(ix, "100 Main St", 0, 1, 2, -1);
	/* The unit when it is indexed, else the building. */
	check_find(ix, "100 Main St Apt 4B", 1, -1);
	check_find(ix, "100 Main St Unit 4-b", 1, -1);
	check_find(ix, "100 Main St, Suite 5", 2, -1);
	check_find(ix, "100 Main St Apt 9", 0, -1);
	/* No building address and another unit: nothing. */
	check_find(ix, "200 Main St Apt 3", -1);
	check_find(ix, "200 Main St", 3, 4, -1);
	check_find(ix, "300 Main St 3rd Floor", 5, -1);
	check_find(ix, "300 Main St Apt 3", -1);
	hv_addr_index_free(ix);
}

/* "1000 North Shore Ave" reads N SHORE AVE, which is not indexed: it is read again with NORTH
 * in the name. */
static void test_address_find_directional_fallback(void **state)
{
	static const char *const addrs[] = {"1000 W North Shore Ave", "4000 W West End Ave",
					    "1000 N Shore Dr"};
	struct hv_addr_index *ix = index_of(addrs, 3);

	(void)state;
	check_find(ix, "1000 North Shore Ave", 0, -1);
	check_find(ix, "1000 W North Shore Avenue", 0, -1);
	check_find(ix, "4000 West End Ave", 1, -1);
	/* The first reading finds N SHORE: no second one. */
	check_find(ix, "1000 North Shore", 2, -1);
	check_find(ix, "1000 North Shore Ave Chicago", 0, -1);
	hv_addr_index_free(ix);
}

/* Each ref once, in ascending order; the count may exceed cap. */
static void test_address_find_dedup_order_cap(void **state)
{
	struct hv_addr_index_builder *b = hv_addr_index_builder_new();
	struct hv_addr_index *ix;
	int64_t refs[4];

	(void)state;
	for (int64_t r = 99; r >= 0; r--)
		assert_true(hv_addr_index_builder_add(b, r, "725 W 61st Pl"));
	assert_true(hv_addr_index_builder_add(b, 7, "725 W. 61st Place"));
	assert_true(hv_addr_index_builder_add(b, 7, "725 61st Pl"));
	assert_false(hv_addr_index_builder_add(b, 500, "725"));
	assert_false(hv_addr_index_builder_add(b, 501, NULL));
	ix = hv_addr_index_build(b);
	assert_int_equal(hv_addr_index_find(ix, "725 W 61st Pl", refs, 4), 100);
	assert_int_equal(refs[0], 0);
	assert_int_equal(refs[1], 1);
	assert_int_equal(refs[3], 3);
	assert_int_equal(hv_addr_index_find(ix, "725 W 61st Pl", NULL, 0), 100);
	hv_addr_index_free(ix);
}

static void test_address_find_garbage(void **state)
{
	static const char *const addrs[] = {"100 Main St"};
	struct hv_addr_index *ix = index_of(addrs, 1);
	struct hv_addr_index *empty = hv_addr_index_build(hv_addr_index_builder_new());
	char big[HV_ADDR_TEXT_MAX + 2];
	int64_t refs[CAP];

	(void)state;
	check_find(ix, "", -1);
	check_find(ix, "100", -1);
	check_find(ix, "100 Main St \xFF", -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "100 Main St ", 12);
	check_find(ix, big, -1); /* too long to be an address */
	assert_int_equal(hv_addr_index_find(ix, NULL, refs, CAP), 0);
	assert_int_equal(hv_addr_index_find(NULL, "100 Main St", refs, CAP), 0);
	check_find(empty, "100 Main St", -1);
	hv_addr_index_free(empty);
	hv_addr_index_free(ix);
	hv_addr_index_free(NULL);
	hv_addr_index_builder_free(NULL);
	hv_addr_index_free(hv_addr_index_build(NULL));
}

/* ---- threads ---- */

#define N_THREADS 4
#define N_STREETS 50
#define N_HOUSES  40

struct thread_arg {
	const struct hv_addr_index *ix;
	int mismatches;
};

/* Every house of every street finds exactly itself (ref = street * 1000 + number). */
static void *find_all(void *p)
{
	struct thread_arg *a = p;
	char t[64];
	int64_t refs[CAP];

	for (int round = 0; round < 5; round++) {
		for (int s = 0; s < N_STREETS; s++) {
			for (int h = 1; h <= N_HOUSES; h++) {
				snprintf(t, sizeof(t), "%d W %dth St", h * 2, s + 10);
				if (hv_addr_index_find(a->ix, t, refs, CAP) != 1 ||
				    refs[0] != s * 1000 + h * 2)
					a->mismatches++;
			}
		}
	}
	return NULL;
}

static void test_address_find_threads(void **state)
{
	struct hv_addr_index_builder *b = hv_addr_index_builder_new();
	struct thread_arg args[N_THREADS];
	pthread_t th[N_THREADS];
	char t[64];

	(void)state;
	for (int s = 0; s < N_STREETS; s++) {
		for (int h = 1; h <= N_HOUSES; h++) {
			snprintf(t, sizeof(t), "%d West %d Street", h * 2, s + 10);
			assert_true(hv_addr_index_builder_add(b, s * 1000 + h * 2, t));
		}
	}
	args[0].ix = hv_addr_index_build(b);
	for (int i = 0; i < N_THREADS; i++) {
		args[i].ix = args[0].ix;
		args[i].mismatches = 0;
		assert_int_equal(pthread_create(&th[i], NULL, find_all, &args[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].mismatches, 0);
	}
	hv_addr_index_free((struct hv_addr_index *)args[0].ix);
}

/* ---- real data ---- */

/* A library's address split by hand ("2505 E. 73rd St."), independently of the parser, to make
 * variants and to know which branches share a building. */
struct branch {
	char number[16], dir[16], name[64], type[16];
	char city[32], state[8], zip[16];
};

struct word_pair {
	const char *abbr, *full;
};

static const struct word_pair dir_words[] = {
	{"N.", "North"}, {"S.", "South"}, {"E.", "East"}, {"W.", "West"}, {NULL, NULL}};
static const struct word_pair type_words[] = {
	{"St.", "Street"}, {"Ave.", "Avenue"}, {"Rd.", "Road"},	    {"Blvd.", "Boulevard"},
	{"Dr.", "Drive"},  {"Pl.", "Place"},   {"Hwy.", "Highway"}, {NULL, NULL}};

static const struct word_pair *pair_of(const struct word_pair *p, const char *w)
{
	for (; p->abbr; p++)
		if (strcmp(p->abbr, w) == 0 || strcmp(p->full, w) == 0)
			return p;
	fail_msg("\"%s\" is in no table", w);
	return NULL;
}

static void split_branch(const char *addr, struct branch *b)
{
	char copy[256], *words[16], *save = NULL, none[] = "";
	size_t n = 0;

	for (size_t i = 0; i < 16; i++)
		words[i] = none;
	snprintf(copy, sizeof(copy), "%s", addr);
	for (char *w = strtok_r(copy, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	assert_true(n >= 4);
	snprintf(b->number, sizeof(b->number), "%s", words[0]);
	snprintf(b->dir, sizeof(b->dir), "%s", words[1]);
	snprintf(b->type, sizeof(b->type), "%s", words[n - 1]);
	b->name[0] = '\0';
	for (size_t i = 2; i + 1 < n; i++)
		snprintf(b->name + strlen(b->name), sizeof(b->name) - strlen(b->name), "%s%s",
			 i > 2 ? " " : "", words[i]);
}

static bool same_building(const struct branch *a, const struct branch *b, bool with_type)
{
	return strcmp(a->number, b->number) == 0 &&
	       pair_of(dir_words, a->dir) == pair_of(dir_words, b->dir) &&
	       strcasecmp(a->name, b->name) == 0 &&
	       (!with_type || pair_of(type_words, a->type) == pair_of(type_words, b->type));
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static void upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/* The length of an abbreviation without its period: "E." is "E". */
static int bare(const char *abbr)
{
	return (int)strcspn(abbr, ".");
}

#define N_VARIANTS 10

/* Variant i of branch b's address; *with_type false when it omits the type. */
static void variant(const struct branch *b, int i, char *out, size_t cap, bool *with_type)
{
	const struct word_pair *d = pair_of(dir_words, b->dir), *t = pair_of(type_words, b->type);
	/* The other spelling of the type than the one written. */
	const char *other_type = strcmp(b->type, t->abbr) == 0 ? t->full : t->abbr;

	*with_type = true;
	switch (i) {
	case 0: /* as written */
		snprintf(out, cap, "%s %s %s %s", b->number, b->dir, b->name, b->type);
		break;
	case 1: /* lower case */
		snprintf(out, cap, "%s %s %s %s", b->number, b->dir, b->name, b->type);
		lower(out);
		break;
	case 2: /* directional spelled out */
		snprintf(out, cap, "%s %s %s %s", b->number, d->full, b->name, b->type);
		break;
	case 3: /* type abbreviated or spelled out, the other way */
		snprintf(out, cap, "%s %s %s %s", b->number, b->dir, b->name, other_type);
		break;
	case 4: /* everything spelled out: "2505 East 73rd Street" */
		snprintf(out, cap, "%s %s %s %s", b->number, d->full, b->name, t->full);
		break;
	case 5: /* upper case, no periods: "2505 E 73RD ST" */
		snprintf(out, cap, "%s %.*s %s %.*s", b->number, bare(d->abbr), d->abbr, b->name,
			 bare(t->abbr), t->abbr);
		upper(out);
		break;
	case 6: /* with city, state and ZIP */
		snprintf(out, cap, "%s %s %s %s, %s, %s %s", b->number, b->dir, b->name, b->type,
			 b->city, b->state, b->zip);
		break;
	case 7: /* extra spaces, lower case, spelled out */
		snprintf(out, cap, "  %s   %s  %s    %s ", b->number, d->full, b->name, t->full);
		lower(out);
		break;
	case 8: /* with a unit */
		snprintf(out, cap, "%s %s %s %s, Suite 100", b->number, b->dir, b->name, b->type);
		break;
	default: /* no type */
		snprintf(out, cap, "%s %s %s", b->number, d->full, b->name);
		*with_type = false;
		break;
	}
}

struct branches {
	struct branch *b;
	size_t n, cap;
	size_t f_city, f_state, f_zip;
};

static size_t field_index(const struct hv_geo_layer_info *info, const char *name)
{
	for (size_t i = 0; i < info->n_fields; i++)
		if (strcmp(info->fields[i], name) == 0)
			return i;
	fail_msg("no field %s", name);
	return 0;
}

static void read_branches(struct branches *br, struct hv_addr_index_builder *ab)
{
	struct hv_geo_import_opts o = {.path = data_path("chicago/libraries.csv")};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;
	int rc;

	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->address_field, "ADDRESS");
	br->f_city = field_index(hv_geo_reader_info(r), "CITY");
	br->f_state = field_index(hv_geo_reader_info(r), "STATE");
	br->f_zip = field_index(hv_geo_reader_info(r), "ZIP");
	while ((rc = hv_geo_reader_next(r, &f, &err)) == 1) {
		struct branch *b;

		if (br->n == br->cap) {
			br->cap = br->cap ? 2 * br->cap : 64;
			br->b = realloc(br->b, br->cap * sizeof(*br->b));
			assert_non_null(br->b);
		}
		b = &br->b[br->n];
		assert_non_null(f.address);
		split_branch(f.address, b);
		snprintf(b->city, sizeof(b->city), "%s", f.values[br->f_city]);
		snprintf(b->state, sizeof(b->state), "%s", f.values[br->f_state]);
		snprintf(b->zip, sizeof(b->zip), "%s", f.values[br->f_zip]);
		if (!hv_addr_index_builder_add(ab, (int64_t)br->n, f.address))
			fail_msg("branch %zu: \"%s\" was not indexed", br->n, f.address);
		br->n++;
	}
	assert_int_equal(rc, 0);
	hv_geo_reader_free(r);
}

/* Every branch is found by its address as written and by each variant, and each finds exactly
 * the branches in that building (without a type: that number on that street). */
static void test_address_libraries_found_by_variants(void **state)
{
	struct hv_addr_index_builder *ab = hv_addr_index_builder_new();
	struct hv_addr_index *ix;
	struct branches br = {0};
	size_t n_checked = 0;

	(void)state;
	read_branches(&br, ab);
	assert_int_equal(br.n, 81);
	ix = hv_addr_index_build(ab);
	for (size_t i = 0; i < br.n; i++) {
		for (int v = 0; v < N_VARIANTS; v++) {
			char text[256];
			int64_t refs[CAP];
			bool with_type;
			size_t n, k = 0;

			variant(&br.b[i], v, text, sizeof(text), &with_type);
			n = hv_addr_index_find(ix, text, refs, CAP);
			assert_true(n <= CAP);
			for (size_t j = 0; j < br.n; j++) {
				if (!same_building(&br.b[i], &br.b[j], with_type))
					continue;
				if (k >= n || refs[k] != (int64_t)j)
					fail_msg("\"%s\" does not find branch %zu (%zu found)",
						 text, j, n);
				k++;
			}
			if (k != n)
				fail_msg("\"%s\" finds %zu branches, want %zu", text, n, k);
			n_checked++;
		}
	}
	assert_int_equal(n_checked, 81 * N_VARIANTS);
	free(br.b);
	hv_addr_index_free(ix);
}

struct inventory {
	struct hv_addr_index_builder *ab;
	char **addr; /* by ref = row - 1; NULL when the row has none */
	size_t n;
	size_t n_indexed;
};

static void read_inventory(struct inventory *inv)
{
	struct hv_geo_import_opts o = {
		.path = data_path("chicago/city_owned_land_inventory_2021.csv")};
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;
	size_t cap = 0;
	int rc;

	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	assert_string_equal(hv_geo_reader_info(r)->address_field, "Address");
	while ((rc = hv_geo_reader_next(r, &f, &err)) != 0) {
		if (rc < 0)
			fail_msg("%s", err.msg);
		if (inv->n == cap) {
			cap = cap ? 2 * cap : 1024;
			inv->addr = realloc(inv->addr, cap * sizeof(*inv->addr));
			assert_non_null(inv->addr);
		}
		assert_int_equal(f.row, (int64_t)inv->n + 1);
		inv->addr[inv->n] = f.address ? strdup(f.address) : NULL;
		if (f.address) {
			if (!hv_addr_index_builder_add(inv->ab, (int64_t)inv->n, f.address))
				fail_msg("row %lld: \"%s\" was not indexed", (long long)f.row,
					 f.address);
			inv->n_indexed++;
		}
		inv->n++;
	}
	hv_geo_reader_free(r);
}

/* Every address of the 2021 inventory indexes, and finds its own row among the matches. */
static void test_address_inventory_rows_find_themselves(void **state)
{
	struct inventory inv = {.ab = hv_addr_index_builder_new()};
	struct hv_addr_index *ix;
	int64_t refs[CAP];
	size_t max_n = 0;

	(void)state;
	read_inventory(&inv);
	assert_int_equal(inv.n, 19628);
	assert_int_equal(inv.n_indexed, 19628 - 556); /* 556 rows have no address */
	ix = hv_addr_index_build(inv.ab);
	for (size_t i = 0; i < inv.n; i++) {
		size_t n, k;

		if (!inv.addr[i])
			continue;
		n = hv_addr_index_find(ix, inv.addr[i], refs, CAP);
		assert_true(n >= 1 && n <= CAP);
		for (k = 0; k < n && refs[k] != (int64_t)i; k++)
			;
		if (k == n)
			fail_msg("row %zu: \"%s\" does not find itself", i + 1, inv.addr[i]);
		max_n = n > max_n ? n : max_n;
	}
	/* The most repeated address, 14 lots at 725 W 61ST PL. */
	assert_int_equal(hv_addr_index_find(ix, "725 West 61st Place", refs, CAP), 14);
	assert_int_equal(max_n, 14);
	for (size_t i = 0; i < inv.n; i++)
		free(inv.addr[i]);
	free(inv.addr);
	hv_addr_index_free(ix);
}

struct footprint {
	long from, to;
	char street[96]; /* "W 35TH ST": the rest of the address */
};

/* Footprints whose address is a range: every number inside on its side finds the footprint,
 * the numbers on the other side do not. */
static void test_address_building_ranges(void **state)
{
	struct hv_geo_import_opts o = {
		.path = data_path("chicago/buildings_sample.shp"),
		.srs = "EPSG:3435",
		.address_template = "{F_ADD1}-{T_ADD1} {PRE_DIR1} {ST_NAME1} {ST_TYPE1}"};
	struct hv_addr_index_builder *ab = hv_addr_index_builder_new();
	struct hv_addr_index *ix;
	struct hv_geo_reader *r = NULL;
	struct hv_geo_feature f;
	struct hv_err err;
	struct footprint *fp = calloc(8192, sizeof(*fp));
	size_t n_ranges = 0, n_numbers = 0;
	int rc;

	(void)state;
	assert_non_null(fp);
	assert_int_equal(hv_geo_reader_open(&o, &r, &err), HV_OK);
	while ((rc = hv_geo_reader_next(r, &f, &err)) == 1) {
		struct footprint *p = &fp[f.row];
		int used = 0;

		assert_true(f.row < 8192);
		if (!f.address || !hv_addr_index_builder_add(ab, f.row, f.address))
			continue;
		if (sscanf(f.address, "%ld-%ld %n", &p->from, &p->to, &used) == 2 && used > 0) {
			snprintf(p->street, sizeof(p->street), "%s", f.address + used);
			n_ranges++;
		}
	}
	assert_int_equal(rc, 0);
	hv_geo_reader_free(r);
	assert_int_equal(n_ranges, 145);
	ix = hv_addr_index_build(ab);
	for (size_t row = 0; row < 8192; row++) {
		const struct footprint *p = &fp[row];

		for (long n = p->from; p->street[0] && n <= p->to; n++) {
			char q[160];
			int64_t refs[CAP];
			size_t k, m;

			snprintf(q, sizeof(q), "%ld %s", n, p->street);
			m = hv_addr_index_find(ix, q, refs, CAP);
			for (k = 0; k < m && refs[k] != (int64_t)row; k++)
				;
			if ((n - p->from) % 2 == 0 && k == m)
				fail_msg("\"%s\" does not find footprint %zu", q, row);
			if ((n - p->from) % 2 == 1 && k < m)
				fail_msg("\"%s\" finds footprint %zu across the street", q, row);
			n_numbers++;
		}
	}
	assert_true(n_numbers > 145 * 2);
	free(fp);
	hv_addr_index_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_parse_fields),
		cmocka_unit_test(test_address_parse_case_punctuation_spaces),
		cmocka_unit_test(test_address_parse_directionals),
		cmocka_unit_test(test_address_parse_directional_as_name),
		cmocka_unit_test(test_address_parse_street_types),
		cmocka_unit_test(test_address_parse_type_word_as_name),
		cmocka_unit_test(test_address_parse_ordinals),
		cmocka_unit_test(test_address_parse_units),
		cmocka_unit_test(test_address_parse_numbers_and_ranges),
		cmocka_unit_test(test_address_parse_city_state_zip),
		cmocka_unit_test(test_address_parse_garbage),
		cmocka_unit_test(test_address_parse_junk_within_limit),
		cmocka_unit_test(test_address_format),
		cmocka_unit_test(test_address_find_exact_and_variants),
		cmocka_unit_test(test_address_find_ambiguous),
		cmocka_unit_test(test_address_find_ranges_parity),
		cmocka_unit_test(test_address_find_wide_range_and_many_entries),
		cmocka_unit_test(test_address_find_units),
		cmocka_unit_test(test_address_find_directional_fallback),
		cmocka_unit_test(test_address_find_dedup_order_cap),
		cmocka_unit_test(test_address_find_garbage),
		cmocka_unit_test(test_address_find_threads),
		cmocka_unit_test(test_address_libraries_found_by_variants),
		cmocka_unit_test(test_address_inventory_rows_find_themselves),
		cmocka_unit_test(test_address_building_ranges),
	};

	hv_geo_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
