/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/cases: the warrant checklist's table, content sniffing, the EXIF reader. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cases/checklist.h"
#include "cases/evidence.h"
#include "core/clock.h"
#include "core/fs.h"

#define DAY (24 * 3600 * 1000LL)

struct row {
	const char *issuer, *signer, *form, *named;
	int dated_days_ago; /* -1: no date */
	enum hv_warrant_answer want;
	const char *why_has;
};

static const struct row table[] = {
	/* the court forms, complete */
	{"court", "judge", "AO93", "yes", 2, HV_WARRANT_JUDICIAL, "AO 93"},
	{"court", "magistrate", "AO442", "yes", 400, HV_WARRANT_JUDICIAL, "AO 442"},
	/* a court and a judge with no form given */
	{"court", "judge", "", "yes", 1, HV_WARRANT_JUDICIAL, "counsel"},
	/* DHS forms: administrative, whatever else is said */
	{"dhs", "immigration-officer", "I-200", "yes", 1, HV_WARRANT_ADMINISTRATIVE, "I-200"},
	{"ice", "immigration-officer", "I-205", "no", -1, HV_WARRANT_ADMINISTRATIVE, "I-205"},
	{"cbp", "", "I-138", "", -1, HV_WARRANT_ADMINISTRATIVE, "I-138"},
	{"", "", "I-200", "", -1, HV_WARRANT_ADMINISTRATIVE, "not a judge"},
	/* no form, signed by an officer */
	{"dhs", "immigration-officer", "", "yes", 1, HV_WARRANT_ADMINISTRATIVE, "not a judge"},
	{"", "immigration-officer", "other", "", -1, HV_WARRANT_ADMINISTRATIVE, "not a judge"},
	/* the detainer */
	{"dhs", "immigration-officer", "I-247A", "yes", 1, HV_WARRANT_DETAINER, "not a warrant"},
	{"court", "judge", "I-247A", "yes", 1, HV_WARRANT_DETAINER, "detainer"},
	/* unclear: missing or inconsistent pieces */
	{"court", "judge", "AO93", "no", 1, HV_WARRANT_UNCLEAR, "names"},
	{"court", "judge", "AO93", "", 1, HV_WARRANT_UNCLEAR, "names"},
	{"court", "judge", "AO442", "yes", -1, HV_WARRANT_UNCLEAR, "date"},
	{"court", "judge", "AO93", "yes", 20, HV_WARRANT_UNCLEAR, "14 days"},
	{"court", "", "AO93", "yes", 1, HV_WARRANT_UNCLEAR, "judge or magistrate"},
	{"dhs", "immigration-officer", "AO93", "yes", 1, HV_WARRANT_UNCLEAR, "immigration"},
	{"court", "judge", "I-200", "yes", 1, HV_WARRANT_UNCLEAR, "DHS form"},
	{"court", "none", "", "yes", 1, HV_WARRANT_UNCLEAR, "not signed"},
	{"", "", "", "", -1, HV_WARRANT_UNCLEAR, "issuer is not known"},
	{"other", "judge", "", "yes", 1, HV_WARRANT_UNCLEAR, "cannot be placed"},
};

static void test_checklist_table(void **state)
{
	int64_t now = 1795000000000LL;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		struct hv_warrant_doc d = {.now_ms = now};
		struct hv_warrant_result res;

		assert_true(hv_checklist_parse_issuer(r->issuer, &d.issuer));
		assert_true(hv_checklist_parse_signer(r->signer, &d.signer));
		assert_true(hv_checklist_parse_form(r->form, &d.form));
		assert_true(hv_checklist_parse_named(r->named, &d.place_or_person));
		d.dated_ms = r->dated_days_ago < 0 ? 0 : now - r->dated_days_ago * DAY;
		hv_checklist_classify(&d, &res);
		if (res.answer != r->want || !strstr(res.why, r->why_has)) {
			print_error("row %zu: got %s (%s)\n", i,
				    hv_checklist_answer_code(res.answer), res.why);
			fail();
		}
		/* never "valid": counsel decides */
		assert_null(strstr(res.why, " is valid"));
		assert_null(strstr(hv_checklist_answer_text(res.answer), "valid"));
	}
}

static void test_checklist_parsers_refuse_unknown_values(void **state)
{
	enum hv_issuer i;
	enum hv_warrant_form f;
	enum hv_signer s;

	assert_false(hv_checklist_parse_issuer("fbi-ish", &i));
	assert_false(hv_checklist_parse_form("I-9", &f));
	assert_false(hv_checklist_parse_signer("clerk", &s));
}

static void test_checklist_answer_texts(void **state)
{
	assert_string_equal(hv_checklist_answer_text(HV_WARRANT_JUDICIAL),
			    "appears to be a judicial warrant");
	assert_string_equal(hv_checklist_answer_text(HV_WARRANT_DETAINER),
			    "detainer request: not a warrant");
	assert_non_null(strstr(hv_checklist_answer_text(HV_WARRANT_ADMINISTRATIVE),
			       "does not by itself authorise entry into non-public areas"));
	assert_string_equal(hv_checklist_answer_text(HV_WARRANT_UNCLEAR), "unclear");
}

static void test_checklist_script_in_both_languages(void **state)
{
	size_t n_en, n_es;
	const char *const *en = hv_checklist_script("en", &n_en);
	const char *const *es = hv_checklist_script("es", &n_es);

	assert_int_equal(n_en, n_es);
	assert_non_null(strstr(en[2], "Do not consent to entry into non-public areas"));
	assert_non_null(strstr(es[2], "No consienta"));
	assert_ptr_equal(hv_checklist_script("xx", &n_en), en);
}

static void test_evidence_sniff(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *type;
	} t[] = {
		{"\xff\xd8\xff\xe0", 4, "image/jpeg"},
		{"\x89PNG\r\n\x1a\n", 8, "image/png"},
		{"%PDF-1.7", 8, "application/pdf"},
		{"\0\0\0\x18"
		 "ftypheic",
		 12, "image/heic"},
		{"\0\0\0\x18"
		 "ftypisom",
		 12, "video/mp4"},
		{"\0\0\0\x14"
		 "ftypqt  ",
		 12, "video/quicktime"},
		{"GIF89a", 6, "image/gif"},
		{"hello", 5, "application/octet-stream"},
		{"", 0, "application/octet-stream"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(hv_evidence_sniff((const uint8_t *)t[i].bytes, t[i].len),
				    t[i].type);
}

static void test_exif_time_and_gps(void **state)
{
	char path[1024], *data = NULL;
	size_t len;
	struct hv_exif x;
	struct hv_err err;

	snprintf(path, sizeof(path), "%s/tests/data/cases/gps.jpg", getenv("HAVEN_SOURCE_ROOT"));
	assert_int_equal(hv_fs_read_file(path, 1 << 20, &data, &len, &err), HV_OK);
	assert_int_equal(hv_exif_parse((const uint8_t *)data, len, &x, &err), HV_OK);
	assert_true(x.has_time);
	assert_string_equal(x.time, "2026-11-20T14:03:07");
	assert_true(x.has_position);
	assert_true(fabs(x.lat - 41.882) < 1e-9);
	assert_true(fabs(x.lon + 87.618) < 1e-9);
	/* truncated inside the EXIF block: an error naming the offset, never a read past it */
	assert_int_not_equal(hv_exif_parse((const uint8_t *)data, 60, &x, &err), HV_OK);
	assert_non_null(strstr(err.msg, "offset"));
	free(data);
}

static void test_exif_absent(void **state)
{
	struct hv_exif x;
	struct hv_err err;

	assert_int_equal(hv_exif_parse((const uint8_t *)"%PDF-1.4", 8, &x, &err), HV_ENOENT);
	assert_false(x.has_time);
	assert_false(x.has_position);
}

static void test_card_parse_and_errors_name_the_line(void **state)
{
	static const char good[] = "# Polski\ntitle: Jeśli przyjdą agenci\nstep: Zachowaj spokój.\n"
				   "step: Nie wyrażaj zgody.\r\n\nnote: Nazwiska\n";
	struct hv_card *c = malloc(sizeof(*c));
	struct hv_err err;

	assert_int_equal(hv_card_parse("pl.txt", good, sizeof(good) - 1, c, &err), HV_OK);
	assert_string_equal(c->title, "Jeśli przyjdą agenci");
	assert_int_equal(c->n_steps, 2);
	assert_string_equal(c->steps[1], "Nie wyrażaj zgody.");
	assert_int_equal(c->n_notes, 1);
	assert_int_equal(hv_card_parse("xx.txt", "title: a\nstep: b\nhello\n", 23, c, &err),
			 HV_EFORMAT);
	assert_string_equal(err.msg, "xx.txt line 3: expected \"title:\", \"step:\", \"note:\" or "
				     "\"reviewed:\"");
	assert_int_equal(hv_card_parse("xx.txt", "step: b\n", 8, c, &err), HV_EFORMAT);
	assert_non_null(strstr(err.msg, "a title and at least one step"));
	assert_int_equal(hv_card_parse("xx.txt", "title: \xff\n", 10, c, &err), HV_EFORMAT);
	assert_non_null(strstr(err.msg, "UTF-8"));
	free(c);
}

static void test_card_reviewed_line(void **state)
{
	struct hv_card *c = malloc(sizeof(*c));
	struct hv_err err;
	static const char yes[] = "reviewed: yes\ntitle: t\nstep: s\n";
	static const char no[] = "title: t\nreviewed:no \nstep: s\n";
	static const char none[] = "title: t\nstep: s\n";
	static const char bad[] = "title: t\nstep: s\nreviewed: maybe\n";
	static const char twice[] = "reviewed: yes\nreviewed: yes\ntitle: t\nstep: s\n";

	(void)state;
	assert_int_equal(hv_card_parse("a.txt", yes, sizeof(yes) - 1, c, &err), HV_OK);
	assert_true(c->reviewed);
	assert_int_equal(hv_card_parse("a.txt", no, sizeof(no) - 1, c, &err), HV_OK);
	assert_false(c->reviewed);
	assert_int_equal(c->n_steps, 1);
	assert_int_equal(hv_card_parse("a.txt", none, sizeof(none) - 1, c, &err), HV_OK);
	assert_false(c->reviewed);
	assert_int_equal(hv_card_parse("b.txt", bad, sizeof(bad) - 1, c, &err), HV_EFORMAT);
	assert_string_equal(err.msg,
			    "b.txt line 3: \"reviewed:\" is \"maybe\", expected yes or no");
	assert_int_equal(hv_card_parse("b.txt", twice, sizeof(twice) - 1, c, &err), HV_EFORMAT);
	assert_string_equal(err.msg, "b.txt line 2: a second \"reviewed:\"");
	assert_int_equal(hv_card_parse("b.txt", "title: t\nstep: s\nreviewed:\n", 27, c, &err),
			 HV_EFORMAT);
	assert_string_equal(err.msg, "b.txt line 3: \"reviewed:\" is \"\", expected yes or no");
	free(c);
}

/* Every card file shipped in data/cards parses, is unreviewed until the city says otherwise,
 * and has the whole script: the six steps and the six notes of the English card. */
static void test_card_shipped_files_parse(void **state)
{
	static const char *const langs[] = {"pl", "zh-Hans", "zh-Hant", "ar", "ur",
					    "ko", "tl",	     "uk",	"ru", "hi"};
	size_t n_en, n_notes_en;

	(void)state;
	hv_checklist_script("en", &n_en);
	hv_checklist_notes("en", &n_notes_en);
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		struct hv_card *c = malloc(sizeof(*c));
		struct hv_err err = {0};
		char path[512], name[32], *text = NULL;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s.txt", HV_CARD_SOURCE_DIR, langs[i]);
		snprintf(name, sizeof(name), "%s.txt", langs[i]);
		if (hv_fs_read_file(path, 64 * 1024, &text, &len, &err) != HV_OK ||
		    hv_card_parse(name, text, len, c, &err) != HV_OK)
			fail_msg("%s: %s", path, err.msg);
		assert_false(c->reviewed);
		assert_int_equal(c->n_steps, n_en);
		assert_int_equal(c->n_notes, n_notes_en);
		free(text);
		free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checklist_table),
		cmocka_unit_test(test_checklist_parsers_refuse_unknown_values),
		cmocka_unit_test(test_checklist_answer_texts),
		cmocka_unit_test(test_checklist_script_in_both_languages),
		cmocka_unit_test(test_evidence_sniff),
		cmocka_unit_test(test_exif_time_and_gps),
		cmocka_unit_test(test_exif_absent),
		cmocka_unit_test(test_card_parse_and_errors_name_the_line),
		cmocka_unit_test(test_card_reviewed_line),
		cmocka_unit_test(test_card_shipped_files_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
