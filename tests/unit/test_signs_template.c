/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/signs/template.h and src/store/sign_templates.h: the built-in templates, the
 * document format's validation (each error names its JSON path), and the store's append-only
 * versions (a refused document stores nothing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "signs/template.h"
#include "store/sign_templates.h"
#include "store/store.h"

#include "core/banned.h"

struct fx {
	char dir[256], path[300];
	struct hv_store *s;
};

static int setup(void **state)
{
	struct fx *f = hv_xcalloc(1, sizeof(*f));
	struct hv_err err;

	hv_err_clear(&err);
	snprintf(f->dir, sizeof(f->dir), "/tmp/hv_test_tpl_XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
	assert_int_equal(hv_store_open(f->path, &f->s, &err), HV_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[400];

	hv_store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A small valid document; tests edit it. */
static const char good[] =
	"{\"name\": \"t\", \"kind\": \"city\", \"city\": \"Port Haven\", \"citation\": \"EO 1\","
	" \"languages\": {"
	"  \"en\": {\"reviewed\": true, \"heading\": \"No enforcement in {city}\","
	"          \"body\": {\"lot\": \"City of {city} lot\", \"building-public\": \"B\","
	"                     \"non-public\": \"N\"}},"
	"  \"ar\": {\"reviewed\": false, \"heading\": \"\\u0645\","
	"          \"body\": {\"lot\": \"L\", \"building-public\": \"B\", \"non-public\": \"N\"}}}}";

static void test_signs_template_defaults_parse(void **state)
{
	(void)state;
	for (const char *const *n = hv_sign_template_default_names; *n; n++) {
		const char *doc = hv_sign_template_default(*n);
		struct hv_sign_template *t = NULL;
		struct hv_err err;

		hv_err_clear(&err);
		assert_non_null(doc);
		if (hv_sign_template_parse(doc, strlen(doc), &t, &err) != HV_OK)
			fail_msg("built-in %s: %s", *n, err.msg);
		assert_string_equal(t->name, *n);
		assert_string_equal(t->city, "Port Haven");
		assert_non_null(t->seal_png);
		for (int l = 0; l < HV_LANG_COUNT; l++) {
			const struct hv_sign_text *x = &t->texts[l];

			assert_true(x->present);
			/* English is the city's own text; every translation awaits review */
			assert_int_equal(x->reviewed, l == HV_LANG_EN);
			assert_null(strstr(x->heading, "{city}"));
			for (int v = 0; v < HV_VARIANT_COUNT; v++) {
				assert_non_null(x->body[v]);
				assert_null(strstr(x->body[v], "{city}"));
			}
		}
		hv_sign_template_free(t);
	}
	assert_null(hv_sign_template_default("nope"));
}

static void test_signs_template_city_wording(void **state)
{
	struct hv_sign_template *t = NULL;
	struct hv_err err;
	const char *doc = hv_sign_template_default("city");

	(void)state;
	hv_err_clear(&err);
	assert_int_equal(hv_sign_template_parse(doc, strlen(doc), &t, &err), HV_OK);
	assert_string_equal(t->texts[HV_LANG_EN].body[HV_VARIANT_LOT],
			    "This property is owned and/or controlled by the City of Port Haven. It "
			    "may not be used for civil immigration enforcement, including as a: "
			    "Staging area / Processing location / Operations base.");
	assert_non_null(strstr(t->texts[HV_LANG_EN].body[HV_VARIANT_NON_PUBLIC],
			       "Non-public area. No entry for civil immigration enforcement"));
	assert_string_equal(t->kind, "city");
	hv_sign_template_free(t);
	doc = hv_sign_template_default("private");
	assert_int_equal(hv_sign_template_parse(doc, strlen(doc), &t, &err), HV_OK);
	assert_string_equal(t->kind, "private");
	assert_non_null(strstr(t->texts[HV_LANG_EN].body[HV_VARIANT_LOT],
			       "No law enforcement official may enter this property for civil "
			       "immigration enforcement"));
	hv_sign_template_free(t);
}

static void test_signs_template_parse_fills_city(void **state)
{
	struct hv_sign_template *t = NULL;
	struct hv_err err;

	(void)state;
	hv_err_clear(&err);
	assert_int_equal(hv_sign_template_parse(good, strlen(good), &t, &err), HV_OK);
	assert_string_equal(t->texts[HV_LANG_EN].heading, "No enforcement in Port Haven");
	assert_string_equal(t->texts[HV_LANG_EN].body[HV_VARIANT_LOT], "City of Port Haven lot");
	assert_true(t->texts[HV_LANG_AR].present);
	assert_false(t->texts[HV_LANG_AR].reviewed);
	assert_false(t->texts[HV_LANG_KO].present);
	assert_null(t->seal_png);
	assert_non_null(t->unreviewed_mark);
	hv_sign_template_free(t);
}

/* good with the first occurrence of from replaced by to (caller frees). */
static char *edit(const char *from, const char *to)
{
	const char *p = strstr(good, from);
	struct hv_buf b;

	assert_non_null(p);
	hv_buf_init(&b, 0);
	hv_buf_add(&b, good, (size_t)(p - good));
	hv_buf_adds(&b, to);
	hv_buf_adds(&b, p + strlen(from));
	return hv_buf_detach(&b, NULL);
}

static void test_signs_template_errors_name_json_path(void **state)
{
	static const struct {
		const char *from, *to, *want;
		int code;
	} cases[] = {
		{"\"name\": \"t\", ", "", "$.name: missing", HV_EINVAL},
		{"\"name\": \"t\"", "\"name\": \"Big Name\"", "$.name: \"Big Name\"", HV_EINVAL},
		{"\"kind\": \"city\"", "\"kind\": \"county\"", "$.kind: \"county\"", HV_EINVAL},
		{"\"city\": \"Port Haven\"", "\"city\": 7", "$.city: must be a string", HV_EINVAL},
		{"\"citation\": \"EO 1\"", "\"citation\": \"  \"", "$.citation: must not be empty",
		 HV_EINVAL},
		{"\"en\": {", "\"fr\": {", "$.languages.fr: unknown language tag", HV_EINVAL},
		{"\"ar\": {", "\"AR\": {", "$.languages.AR: unknown language tag", HV_EINVAL},
		{"\"en\": {", "\"es\": {", "$.languages.en: missing", HV_EINVAL},
		{"\"reviewed\": true", "\"reviewed\": \"yes\"",
		 "$.languages.en.reviewed: must be true or false", HV_EINVAL},
		{"\"reviewed\": false, ", "", "$.languages.ar.reviewed: missing", HV_EINVAL},
		{"\"heading\": \"\\u0645\",", "\"headline\": \"x\",",
		 "$.languages.ar.headline: unknown member", HV_EINVAL},
		{"\"lot\": \"City of {city} lot\", ", "", "$.languages.en.body.lot: missing",
		 HV_EINVAL},
		{"\"non-public\": \"N\"}},", "\"non-public\": \"N\", \"garage\": \"G\"}},",
		 "$.languages.en.body.garage: unknown member", HV_EINVAL},
		{"\"heading\": \"No enforcement in {city}\"", "\"heading\": \"a\\u0007b\"",
		 "$.languages.en.heading: control character 0x07", HV_EINVAL},
		{"\"citation\": \"EO 1\",", "\"citation\": \"EO 1\", \"seal_png_base64\": \"@@\",",
		 "$.seal_png_base64: not base64", HV_EINVAL},
		{"\"citation\": \"EO 1\",", "\"citation\": \"EO 1\", \"seal_png_base64\": \"aGVsbG8=\",",
		 "$.seal_png_base64: not a PNG", HV_EINVAL},
		{"\"citation\": \"EO 1\",", "\"citation\": \"EO 1\", \"colour\": \"red\",",
		 "$.colour: unknown member", HV_EINVAL},
		{"\"kind\": \"city\",", "\"kind\": \"city\", \"kind\": \"city\",", "line 1",
		 HV_EFORMAT},
		{"\"languages\": {", "\"languages\": [", "line", HV_EFORMAT},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *doc = edit(cases[i].from, cases[i].to);
		struct hv_sign_template *t = NULL;
		struct hv_err err;
		int rc;

		hv_err_clear(&err);
		rc = hv_sign_template_parse(doc, strlen(doc), &t, &err);
		if (rc != cases[i].code || !strstr(err.msg, cases[i].want))
			fail_msg("case %zu: rc %d \"%s\"; want %d naming %s", i, rc, err.msg,
				 cases[i].code, cases[i].want);
		assert_null(t);
		free(doc);
	}
}

static void test_signs_template_not_an_object(void **state)
{
	struct hv_sign_template *t = NULL;
	struct hv_err err;

	(void)state;
	hv_err_clear(&err);
	assert_int_equal(hv_sign_template_parse("[1]", 3, &t, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "$: must be an object"));
	assert_int_equal(hv_sign_template_parse("", 0, &t, &err), HV_EFORMAT);
	{
		static const char d[] = "{\"name\": \"t\", \"kind\": \"city\", \"city\": \"c\", "
					"\"citation\": \"e\", \"languages\": 3}";

		assert_int_equal(hv_sign_template_parse(d, strlen(d), &t, &err), HV_EINVAL);
		assert_non_null(strstr(err.msg, "$.languages: must be an object"));
	}
	assert_int_equal(hv_sign_template_parse("{\"a\":\"\\u0000\"}", 14, &t, &err), HV_EFORMAT);
}

struct list {
	int n;
	char names[8][HV_SIGN_TEMPLATE_NAME_MAX];
	int64_t versions[8];
	char by[8][HV_USER_NAME_MAX];
	bool doc_seen;
};

static int collect(void *ctx, const struct hv_sign_template_rec *r)
{
	struct list *l = ctx;

	if (l->n < 8) {
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", r->name);
		snprintf(l->by[l->n], sizeof(l->by[0]), "%s", r->created_by);
		l->versions[l->n] = r->version;
	}
	if (r->doc)
		l->doc_seen = true;
	l->n++;
	return 0;
}

static void test_signs_template_store_versions(void **state)
{
	struct fx *f = *state;
	struct hv_sign_template_rec rec = {0};
	struct hv_sign_template *t = NULL;
	struct list l = {0};
	struct hv_err err;
	int64_t v;
	char *doc2 = edit("\"city\": \"Port Haven\"", "\"city\": \"Lakeview\"");
	char *other = edit("\"name\": \"t\"", "\"name\": \"other\"");

	hv_err_clear(&err);
	assert_int_equal(hv_sign_template_store(f->s, "t", good, strlen(good), "ana", 10, &v, &err),
			 HV_OK);
	assert_int_equal(v, 1);
	assert_int_equal(hv_sign_template_store(f->s, "t", doc2, strlen(doc2), "ben", 20, &v, &err),
			 HV_OK);
	assert_int_equal(v, 2);
	assert_int_equal(hv_sign_template_store(f->s, "other", other, strlen(other), "ana", 30, &v,
						&err),
			 HV_OK);
	assert_int_equal(v, 1);
	/* current and older versions */
	assert_int_equal(hv_store_sign_template_get(f->s, "t", 0, &rec, &err), HV_OK);
	assert_int_equal(rec.version, 2);
	assert_string_equal(rec.created_by, "ben");
	assert_int_equal(rec.created_ms, 20);
	assert_string_equal(rec.doc, doc2);
	hv_sign_template_rec_release(&rec);
	assert_int_equal(hv_store_sign_template_get(f->s, "t", 1, &rec, &err), HV_OK);
	assert_string_equal(rec.doc, good);
	hv_sign_template_rec_release(&rec);
	assert_int_equal(hv_store_sign_template_get(f->s, "t", 3, &rec, &err), HV_ENOENT);
	assert_non_null(strstr(err.msg, "\"t\" has no version 3"));
	assert_int_equal(hv_store_sign_template_get(f->s, "nope", 0, &rec, &err), HV_ENOENT);
	/* load: the store's current version, else the built-in */
	assert_int_equal(hv_sign_template_load(f->s, "t", 0, &t, &err), HV_OK);
	assert_string_equal(t->city, "Lakeview");
	assert_int_equal(t->version, 2);
	hv_sign_template_free(t);
	assert_int_equal(hv_sign_template_load(f->s, "t", 1, &t, &err), HV_OK);
	assert_string_equal(t->city, "Port Haven");
	hv_sign_template_free(t);
	assert_int_equal(hv_sign_template_load(f->s, "city", 0, &t, &err), HV_OK);
	assert_int_equal(t->version, 0);
	hv_sign_template_free(t);
	assert_int_equal(hv_sign_template_load(f->s, "nope", 0, &t, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "unknown sign template \"nope\""));
	/* listings carry no documents */
	assert_int_equal(hv_store_sign_template_each(f->s, collect, &l, &err), HV_OK);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[0], "other");
	assert_string_equal(l.names[1], "t");
	assert_int_equal(l.versions[1], 2);
	assert_false(l.doc_seen);
	memset(&l, 0, sizeof(l));
	assert_int_equal(hv_store_sign_template_versions(f->s, "t", collect, &l, &err), HV_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.versions[0], 1);
	assert_string_equal(l.by[0], "ana");
	assert_int_equal(l.versions[1], 2);
	free(doc2);
	free(other);
}

/* A refused document changes nothing; neither does a name that is not the document's. */
static void test_signs_template_store_refuses_bad(void **state)
{
	struct fx *f = *state;
	struct list l = {0};
	struct hv_err err;
	int64_t v = 0;
	char *bad = edit("\"en\": {", "\"fr\": {");

	hv_err_clear(&err);
	assert_int_equal(hv_sign_template_store(f->s, "t", good, strlen(good), "ana", 10, &v, &err),
			 HV_OK);
	assert_int_equal(hv_sign_template_store(f->s, "t", bad, strlen(bad), "ana", 11, &v, &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "$.languages.fr"));
	assert_int_equal(hv_sign_template_store(f->s, "x", good, strlen(good), "ana", 12, &v, &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "$.name: \"t\" does not match the template name \"x\""));
	assert_int_equal(hv_store_sign_template_versions(f->s, "t", collect, &l, &err), HV_OK);
	assert_int_equal(l.n, 1);
	memset(&l, 0, sizeof(l));
	assert_int_equal(hv_store_sign_template_each(f->s, collect, &l, &err), HV_OK);
	assert_int_equal(l.n, 1);
	/* writes need the caller's transaction */
	assert_int_equal(hv_store_sign_template_add(f->s, "t", good, 1, "a", &v, &err), HV_ESTORE);
	free(bad);
}

/* The table is append-only: SQLite itself refuses an UPDATE or DELETE. */
static void test_signs_template_append_only(void **state)
{
	struct fx *f = *state;
	struct hv_err err;
	sqlite3 *db = NULL;
	int64_t v;
	char *msg = NULL;

	hv_err_clear(&err);
	assert_int_equal(hv_sign_template_store(f->s, "t", good, strlen(good), "ana", 10, &v, &err),
			 HV_OK);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE sign_templates SET doc = '{}'", NULL, NULL,
					  &msg),
			     SQLITE_OK);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	msg = NULL;
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM sign_templates", NULL, NULL, &msg),
			     SQLITE_OK);
	sqlite3_free(msg);
	sqlite3_close(db);
	assert_true(hv_store_schema_version(f->s) >= 6);
}

static void test_signs_template_languages(void **state)
{
	(void)state;
	assert_int_equal(hv_sign_lang_parse("zh-Hans"), HV_LANG_ZH_HANS);
	assert_int_equal(hv_sign_lang_parse("ZH-HANT"), HV_LANG_ZH_HANT);
	assert_int_equal(hv_sign_lang_parse("zh"), HV_LANG_COUNT);
	assert_int_equal(hv_sign_lang_parse(NULL), HV_LANG_COUNT);
	assert_true(hv_sign_lang_info(HV_LANG_AR)->rtl);
	assert_true(hv_sign_lang_info(HV_LANG_UR)->rtl);
	assert_false(hv_sign_lang_info(HV_LANG_KO)->rtl);
	/* each script names its family; CJK is the Serif face (cairo 1.16 and Sans CJK) */
	assert_non_null(strstr(hv_sign_lang_info(HV_LANG_AR)->family, "Noto Naskh Arabic"));
	assert_non_null(strstr(hv_sign_lang_info(HV_LANG_UR)->family, "Noto Nastaliq Urdu"));
	assert_non_null(strstr(hv_sign_lang_info(HV_LANG_HI)->family, "Noto Sans Devanagari"));
	assert_non_null(strstr(hv_sign_lang_info(HV_LANG_ZH_HANS)->family, "Noto Serif CJK SC"));
	assert_int_equal(hv_sign_variant_parse("non-public"), HV_VARIANT_NON_PUBLIC);
	assert_int_equal(hv_sign_variant_parse("lobby"), HV_VARIANT_COUNT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_signs_template_defaults_parse),
		T(test_signs_template_city_wording),
		T(test_signs_template_parse_fills_city),
		T(test_signs_template_errors_name_json_path),
		T(test_signs_template_not_an_object),
		T(test_signs_template_store_versions),
		T(test_signs_template_store_refuses_bad),
		T(test_signs_template_append_only),
		T(test_signs_template_languages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
