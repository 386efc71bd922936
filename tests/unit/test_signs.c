/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of src/signs/signs.h on a real store: serials, a sign through every state and every
 * illegal transition with its message, the 50 m rule both ways, the ledger entries and their
 * check, coverage counts, the plan on a small hand-made city worked out by hand, measures and
 * the opt-in form. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_fixture.h"

#include "core/arena.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "signs/signs.h"

/* The hand-made city, on the equator so that degrees are easy: at latitude 0 one degree is
 * 111,195 m on the sphere the plan's distances use (R = 6,371,008.8 m), and the index's areas
 * use 111,319.5 m per degree of longitude and 110,574.3 m per degree of latitude (WGS 84 radii
 * of curvature at the equator).
 *   A  [0, 0.002] x [0, 0.002]          about 4.92 ha, ward 1, dept Parks
 *   B  [0.01, 0.0105] x [0, 0.0005]     55.66 m x 55.29 m = 3,077 m2, ward 1, dept Parks
 *   C  [0.02, 0.021] x [0, 0.001]       111.32 m x 110.57 m = 12,309 m2, ward 2, dept Fleet
 *   D  [0.05, 0.0505] x [0, 0.0005]     3,077 m2, ward 2, dept Fleet
 *   E  [0.03, 0.031] x [0, 0.001]       status Sold: out of scope
 *   F  [0.07, 0.0705] x [0, 0.0005]     ward 3, no department */
#define SQ(id, status, ward, dept, x0, x1, y1)                                                     \
	"{\"type\":\"Feature\",\"properties\":{\"id\":\"" id "\",\"name\":\"Lot " id "\","         \
	"\"address\":\"" id " Main St\",\"status\":\"" status "\",\"Ward\":" ward                  \
	",\"Department\":" dept "},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[" x0      \
	",0],[" x1 ",0],[" x1 "," y1 "],[" x0 "," y1 "],[" x0 ",0]]]}}"

static const char city[] = "{\"type\":\"FeatureCollection\",\"features\":[" SQ(
	"A", "Owned by City", "1", "\"Parks\"", "0", "0.002",
	"0.002") "," SQ("B", "Owned by City", "1", "\"Parks\"", "0.01", "0.0105",
			"0.0005") "," SQ("C", "Owned by City", "2", "\"Fleet\"", "0.02", "0.021",
					 "0.001") "," SQ("D", "Owned by City", "2", "\"Fleet\"",
							 "0.05", "0.0505",
							 "0.0005") "," SQ("E", "Sold", "2",
									  "\"Fleet\"", "0.03",
									  "0.031",
									  "0.001") "," SQ("F",
											  "Owned "
											  "by City",
											  "3",
											  "null",
											  "0.07",
											  "0.0705",
											  "0.0005") "]}";

enum {
	A = 1,
	B,
	C,
	D,
	E,
	F
}; /* property ids in import order */

static void import_city(struct fixture *f)
{
	struct hv_import_opts o = {0};
	struct hv_import_report rep;
	struct hv_err err;
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/city.geojson", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(city, fp);
	fclose(fp);
	o.geo.path = path;
	o.source = "city";
	o.geo.kind = "lot";
	if (hv_registry_import(f->s, &o, &rep, &err) != HV_OK)
		fail_msg("import: %s", err.msg);
	hv_import_report_release(&rep);
	assert_int_equal(hv_registry_scope_add(f->s, "order", "status = 'Owned by City'", 0, &err),
			 HV_OK);
	assert_int_equal(hv_signs_ledger_register(&err), HV_OK);
}

static void issue(struct fixture *f, const int64_t *ids, size_t n,
		  char (*serials)[HV_SIGN_SERIAL_MAX])
{
	struct hv_signs_job job = {.langs = "en,es", .actor = "test"};
	struct hv_err err;
	int64_t run;

	assert_int_equal(hv_store_begin(f->s, &err), HV_OK);
	if (hv_signs_issue(f->s, &job, ids, n, 0, &run, serials, &err))
		fail_msg("issue: %s", err.msg);
	assert_int_equal(hv_store_commit(f->s, &err), HV_OK);
}

/* Expects rc == want and err's message to contain each of the NULL-terminated texts. */
static void expect(int rc, int want, const struct hv_err *err, ...)
{
	va_list ap;
	const char *t;

	if (rc != want)
		fail_msg("got %d, want %d: %s", rc, want, err->msg);
	va_start(ap, err);
	while ((t = va_arg(ap, const char *)))
		if (!strstr(err->msg, t))
			fail_msg("message \"%s\" lacks \"%s\"", err->msg, t);
	va_end(ap);
}

static void test_signs_serial_format_and_check(void **state)
{
	char s[HV_SIGN_SERIAL_MAX], t[HV_SIGN_SERIAL_MAX], typo[HV_SIGN_SERIAL_MAX];
	struct hv_err err;

	(void)state;
	for (int i = 0; i < 200; i++) {
		hv_signs_serial_new("HV", s);
		assert_int_equal(strlen(s), 12);
		assert_int_equal(hv_signs_serial_parse(s, t, &err), HV_OK);
		assert_string_equal(s, t);
		/* Any single changed symbol is caught by the check symbol. */
		for (int k = 3; k < 12; k++) {
			if (s[k] == '-')
				continue;
			snprintf(typo, sizeof(typo), "%s", s);
			typo[k] = typo[k] == 'Z' ? 'Y' : typo[k] == '9' ? 'A' : (char)(typo[k] + 1);
			if (typo[k] == 'I' || typo[k] == 'L' || typo[k] == 'O' || typo[k] == 'U' ||
			    typo[k] == ':')
				continue;
			assert_int_equal(hv_signs_serial_parse(typo, t, &err), HV_EINVAL);
		}
	}
	/* Typed loosely: lower case, O for 0, no hyphens inside. */
	hv_signs_serial_new("HV", s);
	snprintf(typo, sizeof(typo), "hv-%c%c%c%c%c%c%c%c", s[3] | 32, s[4] | 32, s[5] | 32,
		 s[6] | 32, s[8] | 32, s[9] | 32, s[10] | 32, s[11] | 32);
	for (char *c = typo; *c; c++)
		if (*c == '0')
			*c = 'o';
	assert_int_equal(hv_signs_serial_parse(typo, t, &err), HV_OK);
	assert_string_equal(t, s);
	expect(hv_signs_serial_parse("HV-1234", t, &err), HV_EINVAL, &err, "8 symbols", NULL);
	expect(hv_signs_serial_parse("12345678", t, &err), HV_EINVAL, &err, "LETTERS-XXXX-XXXX",
	       NULL);
	expect(hv_signs_serial_parse("HV-1234-56U8", t, &err), HV_EINVAL, &err,
	       "'U' is not a serial symbol", NULL);
}

static void test_signs_lifecycle_every_state(void **state)
{
	struct fixture *f = *state;
	char sr[2][HV_SIGN_SERIAL_MAX], repl[HV_SIGN_SERIAL_MAX], again[HV_SIGN_SERIAL_MAX];
	const int64_t ids[2] = {B, C};
	struct hv_signs_install in = {.installer = "Ana",
				      .lat = 0.00025,
				      .lon = 0.01025,
				      .accuracy_m = 4,
				      .actor = "test"};
	struct hv_sign_row row;
	struct hv_signs_public pub;
	struct hv_err err;
	int64_t n_events = 0, n_ledger = 0;

	import_city(f);
	issue(f, ids, 2, sr);
	in.serial = sr[0];

	/* issued: no install, no inspect */
	expect(hv_signs_install(f->s, &in, NULL, &err), HV_ECONFLICT, &err, sr[0],
	       "issued but not assigned", NULL);
	expect(hv_signs_inspect(f->s, sr[0], "ok", 0, NULL, NULL, "t", &err), HV_ECONFLICT, &err,
	       sr[0], "cannot inspect a sign that is issued", NULL);
	/* -> assigned */
	expect(hv_signs_assign(f->s, sr[0], "garage", "x", 0, "t", &err), HV_EINVAL, &err,
	       "not department, ward_office or private_owner", NULL);
	assert_int_equal(hv_signs_assign(f->s, sr[0], "department", "Parks", 0, "t", &err), HV_OK);
	expect(hv_signs_inspect(f->s, sr[0], "ok", 0, NULL, NULL, "t", &err), HV_ECONFLICT, &err,
	       "cannot inspect a sign that is assigned", NULL);
	/* -> installed */
	assert_int_equal(hv_signs_install(f->s, &in, NULL, &err), HV_OK);
	assert_int_equal(hv_store_sign_get(f->s, sr[0], &row, &err), HV_OK);
	assert_string_equal(row.state, "installed");
	expect(hv_signs_assign(f->s, sr[0], "department", "Parks", 0, "t", &err), HV_ECONFLICT,
	       &err, sr[0], "cannot assign a sign that is installed", NULL);
	expect(hv_signs_install(f->s, &in, NULL, &err), HV_ECONFLICT, &err,
	       "cannot install a sign that is installed", "--correction", NULL);
	/* a correction is a new event, with its reason */
	in.correction = true;
	in.reason = "the first fix was taken before the sign went up";
	assert_int_equal(hv_signs_install(f->s, &in, NULL, &err), HV_OK);
	in.correction = false;
	in.reason = NULL;
	/* inspected: ok stays installed; damaged, missing, found again, removed */
	expect(hv_signs_inspect(f->s, sr[0], "fine", 0, NULL, NULL, "t", &err), HV_EINVAL, &err,
	       "outcome \"fine\"", NULL);
	assert_int_equal(hv_signs_inspect(f->s, sr[0], "ok", 0, NULL, NULL, "t", &err), HV_OK);
	assert_int_equal(hv_store_sign_get(f->s, sr[0], &row, &err), HV_OK);
	assert_string_equal(row.state, "installed");
	assert_int_equal(hv_signs_inspect(f->s, sr[0], "damaged", 0, "graffiti", NULL, "t", &err),
			 HV_OK);
	assert_int_equal(hv_signs_verify(f->s, sr[0], &pub, &err), HV_OK);
	assert_true(pub.found);
	assert_string_equal(pub.state, "damaged");
	assert_true(pub.installed_ms > 0);
	assert_int_equal(hv_signs_inspect(f->s, sr[0], "missing", 0, NULL, NULL, "t", &err), HV_OK);
	assert_int_equal(hv_signs_verify(f->s, sr[0], &pub, &err), HV_OK);
	assert_int_equal(pub.installed_ms, 0);
	assert_int_equal(hv_signs_inspect(f->s, sr[0], "ok", 0, "found it", NULL, "t", &err),
			 HV_OK);
	assert_int_equal(hv_signs_inspect(f->s, sr[0], "removed", 0, NULL, NULL, "t", &err), HV_OK);
	expect(hv_signs_inspect(f->s, sr[0], "ok", 0, NULL, NULL, "t", &err), HV_ECONFLICT, &err,
	       "cannot inspect a sign that is removed", NULL);
	expect(hv_signs_install(f->s, &in, NULL, &err), HV_ECONFLICT, &err,
	       "cannot install a sign that is removed", NULL);
	/* -> replaced, with a new serial linked to the old */
	assert_int_equal(hv_signs_replace(f->s, sr[0], "removed by vandals", 0, "t", repl, &err),
			 HV_OK);
	assert_string_not_equal(repl, sr[0]);
	assert_int_equal(hv_store_sign_get(f->s, sr[0], &row, &err), HV_OK);
	assert_string_equal(row.state, "replaced");
	assert_string_equal(row.replaced_by, repl);
	assert_int_equal(hv_store_sign_get(f->s, repl, &row, &err), HV_OK);
	assert_string_equal(row.state, "issued");
	assert_string_equal(row.replaces, sr[0]);
	assert_int_equal(row.property_id, B);
	expect(hv_signs_replace(f->s, sr[0], NULL, 0, "t", again, &err), HV_ECONFLICT, &err,
	       "cannot replace a sign twice", repl, NULL);
	expect(hv_signs_install(f->s, &in, NULL, &err), HV_ECONFLICT, &err, "replaced by", repl,
	       NULL);
	expect(hv_signs_assign(f->s, sr[0], "department", "x", 0, "t", &err), HV_ECONFLICT, &err,
	       "replaced by", repl, NULL);
	assert_int_equal(hv_signs_verify(f->s, sr[0], &pub, &err), HV_OK);
	assert_true(pub.found);
	assert_string_equal(pub.state, "replaced");
	assert_string_equal(pub.replaced_by, repl);
	/* unknown and mistyped serials */
	expect(hv_signs_assign(f->s, "HV-0000-0000", "department", "x", 0, "t", &err), HV_ENOENT,
	       &err, "HV-0000-0000", "no such sign was issued", NULL);
	assert_int_equal(hv_signs_verify(f->s, "HV-0000-0000", &pub, &err), HV_OK);
	assert_false(pub.found);
	/* the other sign of the run is untouched */
	assert_int_equal(hv_store_sign_get(f->s, sr[1], &row, &err), HV_OK);
	assert_string_equal(row.state, "issued");

	/* Every event is in the ledger, and the ledger's check recomputes each one. */
	{
		const struct hv_ledger_kind *k = hv_ledger_kind_find("sign_event");
		int64_t size;

		assert_non_null(k);
		assert_int_equal(hv_ledger_size(f->s, &size, &err), HV_OK);
		for (int64_t i = 0; i < size; i++) {
			struct hv_ledger_entry e;

			assert_int_equal(hv_ledger_get(f->s, i, &e, &err), HV_OK);
			if (strcmp(e.kind, "sign_event") == 0) {
				n_ledger++;
				if (k->check(f->s, i, e.ref, e.body, e.body_len, &err))
					fail_msg("check %lld: %s", (long long)i, err.msg);
				/* a body that does not match is caught */
				assert_int_equal(
					k->check(f->s, i, e.ref, e.body, e.body_len - 1, &err),
					HV_EINVAL);
			}
			hv_ledger_entry_release(&e);
		}
	}
	for (int i = 1; i < 100; i++) {
		struct hv_sign_event e;

		if (hv_store_sign_event_get(f->s, i, &e, &err) == HV_OK)
			n_events++;
	}
	/* issued x2, assigned, installed x2, inspected x5, replaced, issued (new) */
	assert_int_equal(n_events, 12);
	assert_int_equal(n_ledger, n_events);
}

static void test_signs_install_50m_rule(void **state)
{
	struct fixture *f = *state;
	char sr[3][HV_SIGN_SERIAL_MAX];
	const int64_t ids[3] = {B, B, B};
	/* B spans lon 0.01 .. 0.0105 at the equator: 0.0001 degrees of longitude is 11.13 m. */
	struct hv_signs_install in = {.installer = "Ana", .lat = 0.00025, .actor = "t"};
	struct hv_sign_row row;
	struct hv_err err;
	double d;

	import_city(f);
	issue(f, ids, 3, sr);
	for (int i = 0; i < 3; i++)
		assert_int_equal(hv_signs_assign(f->s, sr[i], "department", "Parks", 0, "t", &err),
				 HV_OK);
	/* 0.00036 degrees (40.1 m) east of the east edge: within 50 m, no reason needed */
	in.serial = sr[0];
	in.lon = 0.0105 + 0.00036;
	assert_int_equal(hv_signs_install(f->s, &in, &d, &err), HV_OK);
	assert_true(fabs(d - 40.07) < 0.1);
	/* 0.00072 degrees (80.1 m) east: refused without a reason, nothing recorded */
	in.serial = sr[1];
	in.lon = 0.0105 + 0.00072;
	expect(hv_signs_install(f->s, &in, &d, &err), HV_EINVAL, &err, sr[1], "80 m outside",
	       "a written reason is required", NULL);
	assert_int_equal(hv_store_sign_get(f->s, sr[1], &row, &err), HV_OK);
	assert_string_equal(row.state, "assigned");
	/* the same fix with a reason is recorded, with its distance */
	in.reason = "the lot's fence is on the far side of the sidewalk";
	assert_int_equal(hv_signs_install(f->s, &in, &d, &err), HV_OK);
	assert_true(fabs(d - 80.15) < 0.1);
	assert_int_equal(hv_store_sign_get(f->s, sr[1], &row, &err), HV_OK);
	assert_string_equal(row.state, "installed");
	/* inside: distance 0 */
	in.serial = sr[2];
	in.reason = NULL;
	in.lon = 0.0102;
	assert_int_equal(hv_signs_install(f->s, &in, &d, &err), HV_OK);
	assert_true(d == 0);
	/* a fix out of range is refused before anything is read */
	in.lat = 91;
	expect(hv_signs_install(f->s, &in, &d, &err), HV_EINVAL, &err, "GPS fix", NULL);
}

static void set_signed_and_gated(struct fixture *f)
{
	/* F gets an installed sign; C a replaced one (not signed); D a locked gate, A a
	 * lockable one. */
	char sr[2][HV_SIGN_SERIAL_MAX], ns[HV_SIGN_SERIAL_MAX];
	const int64_t ids[2] = {F, C};
	struct hv_signs_install in = {
		.installer = "Ana", .lat = 0.00025, .lon = 0.07025, .actor = "t"};
	struct hv_err err;

	issue(f, ids, 2, sr);
	in.serial = sr[0];
	assert_int_equal(hv_signs_assign(f->s, sr[0], "ward_office", "Ward 3", 0, "t", &err),
			 HV_OK);
	assert_int_equal(hv_signs_install(f->s, &in, NULL, &err), HV_OK);
	assert_int_equal(hv_signs_replace(f->s, sr[1], NULL, 0, "t", ns, &err), HV_OK);
	expect(hv_signs_measure_set(f->s, D, "locked", "22:00-6:00", NULL, "t", &err), HV_EINVAL,
	       &err, "HH:MM-HH:MM", NULL);
	expect(hv_signs_measure_set(f->s, D, "gate", NULL, NULL, "t", &err), HV_EINVAL, &err,
	       "barrier \"gate\"", NULL);
	assert_int_equal(hv_signs_measure_set(f->s, D, "none", NULL, NULL, "t", &err), HV_OK);
	assert_int_equal(hv_signs_measure_set(f->s, D, "locked", "22:00-06:00", NULL, "t", &err),
			 HV_OK);
	assert_int_equal(hv_signs_measure_set(f->s, A, "lockable", NULL, NULL, "t", &err), HV_OK);
	/* E is out of scope: its gate counts nowhere */
	assert_int_equal(hv_signs_measure_set(f->s, E, "locked", "20:00-07:00", NULL, "t", &err),
			 HV_OK);
}

static const struct hv_signs_cov_row *row_of(const struct hv_signs_coverage *c, const char *g,
					     const char *v)
{
	for (size_t i = 0; i < c->n_rows; i++)
		if (strcmp(c->rows[i].group, g) == 0 && strcmp(c->rows[i].value, v) == 0)
			return &c->rows[i];
	fail_msg("no coverage row %s=%s", g, v);
	return NULL;
}

static void test_signs_coverage_counts(void **state)
{
	struct fixture *f = *state;
	struct hv_signs_coverage c;
	const struct hv_signs_cov_row *r;
	struct hv_err err;

	import_city(f);
	set_signed_and_gated(f);
	assert_int_equal(hv_signs_coverage(f->s, "order", &c, &err), HV_OK);
	/* In scope: A B C D F (E is Sold). Signed: F. Gated: A (lockable), D (locked). */
	r = row_of(&c, "total", "all");
	assert_int_equal(r->in_scope, 5);
	assert_int_equal(r->signed_, 1);
	assert_int_equal(r->gated, 2);
	r = row_of(&c, "department", "Parks"); /* A B */
	assert_int_equal(r->in_scope, 2);
	assert_int_equal(r->signed_, 0);
	assert_int_equal(r->gated, 1);
	r = row_of(&c, "department", "Fleet"); /* C D */
	assert_int_equal(r->in_scope, 2);
	assert_int_equal(r->gated, 1);
	r = row_of(&c, "department", "(none)"); /* F */
	assert_int_equal(r->in_scope, 1);
	assert_int_equal(r->signed_, 1);
	r = row_of(&c, "ward", "2"); /* C D; E is out of scope */
	assert_int_equal(r->in_scope, 2);
	r = row_of(&c, "kind", "lot");
	assert_int_equal(r->in_scope, 5);
	hv_signs_coverage_release(&c);
	/* the field names are settings */
	assert_int_equal(hv_signs_setting_set(f->s, "coverage.ward_field", "Department", &err),
			 HV_OK);
	assert_int_equal(hv_signs_coverage(f->s, NULL, &c, &err), HV_OK);
	assert_int_equal(row_of(&c, "ward", "Parks")->in_scope, 2);
	hv_signs_coverage_release(&c);
	expect(hv_signs_coverage(f->s, "nope", &c, &err), HV_ENOENT, &err, "scope \"nope\"", NULL);
}

static void add_incident(struct fixture *f, const char *kind, double lon, double lat, int64_t pid)
{
	struct hv_sign_point p = {.lon = lon, .lat = lat, .property_id = pid, .at_ms = 1};
	struct hv_err err;

	snprintf(p.name, sizeof(p.name), "%s", kind);
	assert_int_equal(hv_store_begin(f->s, &err), HV_OK);
	assert_int_equal(hv_store_sign_point_add(f->s, true, &p, NULL, &err), HV_OK);
	assert_int_equal(hv_store_commit(f->s, &err), HV_OK);
}

static void test_signs_plan_hand_made_city(void **state)
{
	struct fixture *f = *state;
	struct hv_signs_plan_weights w = {.w = {10, 2, 1, 5, 1},
					  .near_m = 50,
					  .radius_m = 500,
					  .area_cap_ha = 2,
					  .staging_radius_m = 2000};
	struct hv_sign_point site = {.lon = 0.0205, .lat = 0.0005, .at_ms = 1};
	struct hv_signs_plan p;
	struct hv_property prop;
	struct hv_err err;

	import_city(f);
	set_signed_and_gated(f);
	/* A rectangle's point on the surface is its centre (GEOS scans the middle line). */
	assert_int_equal(hv_store_property_get(f->s, B, 0, &prop, &err), HV_OK);
	assert_true(fabs(prop.lon - 0.01025) < 1e-9 && fabs(prop.lat - 0.00025) < 1e-9);
	hv_property_release(&prop);

	/* Incidents:
	 *  1. attempted use reported at B (property_id B), at B's centre;
	 *  2. attempted use with no property at (0.001, 0.0012): 0.0002 deg = 22 m from A's centre
	 *     (0.001, 0.001), so within near_m 50: an attempt at A;
	 *  3. an incident inside A at (0.0008, 0.0012): 31 m from A's centre;
	 *  4. an incident inside C at (0.0205, 0.0005): C's centre;
	 *  5. attempted use 0.0009 deg (100 m) north of D's centre (0.05025, 0.00025): beyond
	 *     near_m, so not an attempt at D, but within radius_m, so an incident near D;
	 *  6. an incident at E (out of scope) changes no score: E is 0.0095+ deg (> 1 km) from
	 *     every candidate. */
	add_incident(f, "attempted_use", 0.01025, 0.00025, B);
	add_incident(f, "attempted_use", 0.001, 0.0012, 0);
	add_incident(f, "incident", 0.0008, 0.0012, 0);
	add_incident(f, "incident", 0.0205, 0.0005, 0);
	add_incident(f, "attempted_use", 0.05025, 0.00115, 0);
	add_incident(f, "incident", 0.0305, 0.0005, E);
	/* One staging site, at C's centre. */
	snprintf(site.name, sizeof(site.name), "depot");
	assert_int_equal(hv_store_begin(f->s, &err), HV_OK);
	assert_int_equal(hv_store_sign_point_add(f->s, false, &site, NULL, &err), HV_OK);
	assert_int_equal(hv_store_commit(f->s, &err), HV_OK);

	/* Candidates: in scope and unsigned: A B C D (E out of scope, F signed; C's sign was
	 * replaced, and a replaced sign is not a sign up).
	 *
	 * A: attempts 1 (#2) -> 10; incidents within 500 m: #2 and #3 -> 2 x 2 = 4; area 4.92 ha
	 *    capped at 2 -> 2; staging 0.0195 deg = 2,168 m away, beyond 2,000 -> 0; barrier
	 *    lockable -> exposure 0.5. Score 16.5.
	 * B: attempts 1 (#1) -> 10; incidents #1 -> 2; area 3,077 m2 = 0.3077 ha -> 0.3077;
	 *    staging: from (0.01025, 0.00025) to (0.0205, 0.0005) is sqrt(0.01025^2 +
	 *    0.00025^2) = 0.010253 deg = 1,140.1 m -> 5 x (1 - 1140.1 / 2000) = 2.1497;
	 *    no barrier -> exposure 1. Score 15.4574.
	 * C: attempts 0; incidents #4 -> 2; area 1.2309 ha; staging 0 m -> 5; exposure 1.
	 *    Score 9.2309.
	 * D: attempts 0 (#5 is 100 m away); incidents #5 -> 2; area 0.3077; staging 0.02975 deg
	 *    = 3,308 m -> 0; locked -> exposure 0. Score 2.3077.
	 * Ranking A, B, C, D. Budget $250 at $100: A ($100), B ($200); C would make $300. */
	assert_int_equal(hv_signs_plan_make(f->s, "order", 250, 100, &w, &p, &err), HV_OK);
	assert_int_equal(p.n_candidates, 4);
	assert_int_equal(p.n_items, 2);
	assert_true(fabs(p.spent - 200) < 1e-9);
	assert_int_equal(p.items[0].property_id, A);
	assert_int_equal(p.items[0].n_attempts, 1);
	assert_int_equal(p.items[0].n_incidents, 2);
	assert_true(fabs(p.items[0].term[HV_PLAN_AREA] - 2.0) < 1e-9);
	assert_true(p.items[0].term[HV_PLAN_STAGING] == 0);
	assert_true(fabs(p.items[0].term[HV_PLAN_EXPOSURE] - 0.5) < 1e-9);
	assert_true(fabs(p.items[0].score - 16.5) < 1e-9);
	assert_true(fabs(p.items[0].cum_cost - 100) < 1e-9);
	assert_int_equal(p.items[1].property_id, B);
	assert_true(fabs(p.items[1].term[HV_PLAN_ATTEMPT] - 10) < 1e-9);
	assert_true(fabs(p.items[1].term[HV_PLAN_INCIDENTS] - 2) < 1e-9);
	assert_true(fabs(p.items[1].term[HV_PLAN_AREA] - 0.3077) < 0.001);
	assert_true(fabs(p.items[1].term[HV_PLAN_STAGING] - 2.1497) < 0.002);
	assert_true(fabs(p.items[1].score - 15.4574) < 0.003);
	assert_true(fabs(p.items[1].cum_cost - 200) < 1e-9);
	hv_signs_plan_release(&p);

	/* With room for everything, the whole ranking and C's and D's scores. */
	assert_int_equal(hv_signs_plan_make(f->s, NULL, 10000, 100, &w, &p, &err), HV_OK);
	assert_int_equal(p.n_items, 4);
	assert_int_equal(p.items[2].property_id, C);
	assert_true(fabs(p.items[2].term[HV_PLAN_STAGING] - 5) < 1e-6);
	assert_true(fabs(p.items[2].score - 9.2309) < 0.002);
	assert_int_equal(p.items[3].property_id, D);
	assert_int_equal(p.items[3].n_attempts, 0);
	assert_int_equal(p.items[3].n_incidents, 1);
	assert_true(fabs(p.items[3].score - 2.3077) < 0.002);
	assert_true(fabs(p.items[3].cum_cost - 400) < 1e-9);
	hv_signs_plan_release(&p);

	/* Weights come from settings when none are given: only staging counts now, so C leads. */
	for (int t = 0; t < HV_PLAN_N_TERMS; t++) {
		static const char *const names[] = {"plan.w_attempt", "plan.w_incidents",
						    "plan.w_area", "plan.w_staging",
						    "plan.w_exposure"};

		assert_int_equal(hv_signs_setting_set(f->s, names[t], t == 3 ? "1" : "0", &err),
				 HV_OK);
	}
	assert_int_equal(hv_signs_plan_make(f->s, NULL, 100, 100, NULL, &p, &err), HV_OK);
	assert_int_equal(p.n_items, 1);
	assert_int_equal(p.items[0].property_id, C);
	hv_signs_plan_release(&p);
	expect(hv_signs_setting_set(f->s, "plan.w_area", "-1", &err), HV_EINVAL, &err,
	       "not a number >= 0", NULL);
	expect(hv_signs_plan_make(f->s, NULL, 100, 0, NULL, &p, &err), HV_EINVAL, &err, "cost",
	       NULL);
}

static int parse_form(struct hv_arena *a, const char *body, struct hv_signs_optin_form *form,
		      struct hv_err *err)
{
	return hv_signs_optin_parse(a, body, strlen(body), form, err);
}

static void test_signs_optin_form_and_approval(void **state)
{
	struct fixture *f = *state;
	struct hv_signs_optin_form form;
	struct hv_sign_optin o;
	struct hv_arena a;
	struct hv_err err;
	char serials[2][HV_SIGN_SERIAL_MAX];
	struct hv_sign_row row;
	int64_t id, id2, run, n;
	static const char ok[] = "organisation=St+Mark%27s&kind=church&address=12+N+Main+St"
				 "&contact=555-0100&consent=on";

	hv_arena_init(&a, 0);
	import_city(f);
	expect(parse_form(&a, "organisation=X&kind=church&address=1+Main&contact=c", &form, &err),
	       HV_EINVAL, &err, "consent: required", NULL);
	expect(parse_form(&a, "organisation=X&kind=bar&address=1&contact=c&consent=on", &form,
			  &err),
	       HV_EINVAL, &err, "kind \"bar\"", NULL);
	expect(parse_form(&a,
			  "organisation=X&kind=church&address=1&contact=c&consent=on"
			  "&citizenship=x",
			  &form, &err),
	       HV_EINVAL, &err, "unknown field \"citizenship\"", NULL);
	expect(parse_form(&a, "organisation=%ZZ", &form, &err), HV_EINVAL, &err, "badly encoded",
	       NULL);
	expect(parse_form(&a, "kind=church&address=1&contact=c&consent=on", &form, &err), HV_EINVAL,
	       &err, "organisation: required", NULL);
	assert_int_equal(hv_signs_optin_parse(&a, ok, strlen(ok), &form, &err), HV_OK);
	assert_string_equal(form.organisation, "St Mark's");
	assert_int_equal(hv_signs_optin_submit(f->s, &form, "10.0.0.1", &id, &err), HV_OK);
	/* the same address, written differently, counts against the same limit (3 an hour) */
	form.address = "12 n. main st.";
	assert_int_equal(hv_signs_optin_submit(f->s, &form, "10.0.0.2", &id2, &err), HV_OK);
	assert_int_equal(hv_signs_optin_submit(f->s, &form, "10.0.0.3", &id2, &err), HV_OK);
	expect(hv_signs_optin_submit(f->s, &form, "10.0.0.4", &id2, &err), HV_ELIMIT, &err,
	       "too many", NULL);
	/* reading the contact is logged, each time */
	assert_int_equal(hv_signs_optin_read(f->s, id, "ana", &o, &err), HV_OK);
	assert_string_equal(o.contact, "555-0100");
	assert_int_equal(hv_signs_optin_read(f->s, id, "ben", &o, &err), HV_OK);
	assert_int_equal(hv_store_sign_read_count(f->s, "sign_optin:1", &n, &err), HV_OK);
	assert_int_equal(n, 2);
	/* approval: private signs, assigned to the ward office */
	expect(hv_signs_optin_approve(f->s, id, "", 2, NULL, "ana", &run, serials, &err), HV_EINVAL,
	       &err, "ward office", NULL);
	assert_int_equal(hv_signs_optin_approve(f->s, id, "Ward 1 office", 2, "en,pl", "ana", &run,
						serials, &err),
			 HV_OK);
	for (int i = 0; i < 2; i++) {
		struct hv_sign_run r;

		assert_int_equal(hv_store_sign_get(f->s, serials[i], &row, &err), HV_OK);
		assert_string_equal(row.state, "assigned");
		assert_int_equal(row.optin_id, id);
		assert_int_equal(hv_store_sign_run_get(f->s, row.run_id, &r, &err), HV_OK);
		assert_string_equal(r.template_name, "private");
	}
	expect(hv_signs_optin_approve(f->s, id, "Ward 1 office", 1, NULL, "ana", &run, serials,
				      &err),
	       HV_ECONFLICT, &err, "already approved", NULL);
	assert_int_equal(hv_signs_optin_reject(f->s, id2, "duplicate", "ana", &err), HV_OK);
	hv_arena_release(&a);
}

static int count_cb(void *ctx, const struct hv_sign_row *r)
{
	(void)r;
	(*(int64_t *)ctx)++;
	return 0;
}

static void test_signs_issue_errors_store_nothing(void **state)
{
	struct fixture *f = *state;
	struct hv_signs_job job = {.actor = "t"};
	char sr[2][HV_SIGN_SERIAL_MAX];
	const int64_t ids[2] = {A, 999};
	struct hv_err err;
	int64_t run;
	int64_t n = -1, before = -1;

	import_city(f);
	job.size = "A4";
	expect(hv_signs_job_check(&job, &err), HV_EINVAL, &err, "size \"A4\"", NULL);
	job.size = NULL;
	job.langs = "en,fr";
	expect(hv_signs_job_check(&job, &err), HV_EINVAL, &err, "language \"fr\"", NULL);
	job.langs = "en,zh-Hant,ar";
	assert_int_equal(hv_ledger_size(f->s, &before, &err), HV_OK);
	assert_int_equal(hv_store_begin(f->s, &err), HV_OK);
	expect(hv_signs_issue(f->s, &job, ids, 2, 0, &run, sr, &err), HV_ENOENT, &err,
	       "property 999", NULL);
	hv_store_rollback(f->s);
	n = 0;
	assert_int_equal(hv_store_sign_each(f->s, 0, 0, NULL, count_cb, &n, &err), HV_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hv_ledger_size(f->s, &n, &err), HV_OK);
	assert_int_equal(n, before);
	/* outside a transaction: refused */
	expect(hv_signs_issue(f->s, &job, ids, 1, 0, &run, sr, &err), HV_ESTORE, &err, "", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signs_serial_format_and_check),
		cmocka_unit_test_setup_teardown(test_signs_lifecycle_every_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signs_install_50m_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signs_coverage_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signs_plan_hand_made_city, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signs_optin_form_and_approval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signs_issue_errors_store_nothing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
