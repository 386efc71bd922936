/* SPDX-License-Identifier: Apache-2.0 */
/* Sign template documents: parsing and validation with JSON paths in every error, the language
 * table, the built-in defaults and the store's versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/xalloc.h"
#include "signs/template.h"
#include "signs/template_defaults.h"
#include "store/sign_templates.h"
#include "core/banned.h"

/* Each script names its family: fontconfig's default for Arabic is DejaVu Sans, and Noto Sans
 * CJK loses glyphs in cairo 1.16's PDF subsets, so CJK uses Noto Serif CJK. "Noto Sans" after
 * a script's family covers the Latin of a city's name inside the text. */
static const struct hv_sign_lang_info langs[HV_LANG_COUNT] = {
	[HV_LANG_EN] = {"en", "English", "en", "Noto Sans", false},
	[HV_LANG_ES] = {"es", "Spanish", "es", "Noto Sans", false},
	[HV_LANG_PL] = {"pl", "Polish", "pl", "Noto Sans", false},
	[HV_LANG_ZH_HANS] = {"zh-Hans", "Chinese (Simplified)", "zh-cn",
			     "Noto Serif CJK SC, Noto Sans", false},
	[HV_LANG_ZH_HANT] = {"zh-Hant", "Chinese (Traditional)", "zh-tw",
			     "Noto Serif CJK TC, Noto Sans", false},
	[HV_LANG_AR] = {"ar", "Arabic", "ar", "Noto Naskh Arabic, Noto Sans", true},
	[HV_LANG_UR] = {"ur", "Urdu", "ur", "Noto Nastaliq Urdu, Noto Naskh Arabic, Noto Sans", true},
	[HV_LANG_KO] = {"ko", "Korean", "ko", "Noto Serif CJK KR, Noto Sans", false},
	[HV_LANG_TL] = {"tl", "Tagalog", "tl", "Noto Sans", false},
	[HV_LANG_UK] = {"uk", "Ukrainian", "uk", "Noto Sans", false},
	[HV_LANG_RU] = {"ru", "Russian", "ru", "Noto Sans", false},
	[HV_LANG_HI] = {"hi", "Hindi", "hi", "Noto Sans Devanagari, Noto Sans", false},
};

static const char *const variant_names[HV_VARIANT_COUNT] = {"lot", "building-public",
							    "non-public"};

const char *const hv_sign_template_default_names[] = {"city", "private", NULL};

enum hv_sign_lang hv_sign_lang_parse(const char *tag)
{
	for (int i = 0; i < HV_LANG_COUNT; i++)
		if (tag && strcasecmp(tag, langs[i].tag) == 0)
			return (enum hv_sign_lang)i;
	return HV_LANG_COUNT;
}

const struct hv_sign_lang_info *hv_sign_lang_info(enum hv_sign_lang l)
{
	return l < HV_LANG_COUNT ? &langs[l] : NULL;
}

enum hv_sign_variant hv_sign_variant_parse(const char *s)
{
	for (int i = 0; i < HV_VARIANT_COUNT; i++)
		if (s && strcmp(s, variant_names[i]) == 0)
			return (enum hv_sign_variant)i;
	return HV_VARIANT_COUNT;
}

const char *hv_sign_variant_name(enum hv_sign_variant v)
{
	return v < HV_VARIANT_COUNT ? variant_names[v] : "?";
}

const char *hv_sign_template_default(const char *name)
{
	if (!name)
		return NULL;
	if (strcmp(name, "city") == 0)
		return hv_sign_default_city_json;
	if (strcmp(name, "private") == 0)
		return hv_sign_default_private_json;
	return NULL;
}

void hv_sign_template_free(struct hv_sign_template *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->kind);
	free(t->city);
	free(t->citation);
	free(t->unreviewed_mark);
	free(t->seal_png);
	for (int i = 0; i < HV_LANG_COUNT; i++) {
		free(t->texts[i].heading);
		for (int v = 0; v < HV_VARIANT_COUNT; v++)
			free(t->texts[i].body[v]);
	}
	free(t);
}

/* ---- validation ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes standard base64 (whitespace ignored, '=' padding optional). */
static bool b64_decode(const char *s, unsigned char **out, size_t *out_len)
{
	size_t n = strlen(s), o = 0;
	unsigned char *buf = hv_xmalloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;
	bool pad = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		if (pad || (v = b64_value(c)) < 0) {
			free(buf);
			return false;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*out = buf;
	*out_len = o;
	return true;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 40)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* A text: non-empty, at most HV_SIGN_TEXT_MAX bytes, no control characters but newline. */
static int check_text(const json_t *v, const char *path, size_t max, struct hv_err *err)
{
	const char *s;
	size_t n;

	if (!v)
		return hv_err_set(err, HV_EINVAL, "%s: missing", path);
	if (!json_is_string(v))
		return hv_err_set(err, HV_EINVAL, "%s: must be a string", path);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 || strspn(s, " \n") == n)
		return hv_err_set(err, HV_EINVAL, "%s: must not be empty", path);
	if (n > max)
		return hv_err_set(err, HV_EINVAL, "%s: %zu bytes, at most %zu", path, n, max);
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7f)
			return hv_err_set(err, HV_EINVAL,
					  "%s: control character 0x%02x at byte %zu", path,
					  (unsigned char)s[i], i);
	return HV_OK;
}

/* Refuses members of obj not in allowed (typos would silently drop a text). */
static int check_members(const json_t *obj, const char *path, const char *const *allowed,
			 struct hv_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a; a++)
			if (strcmp(key, *a) == 0)
				ok = true;
		if (!ok)
			return hv_err_set(err, HV_EINVAL, "%s.%.64s: unknown member", path, key);
	}
	return HV_OK;
}

/* s with every "{city}" replaced by city. Caller frees. */
static char *fill_city(const char *s, const char *city)
{
	size_t cn = strlen(city), n = 0, cap = strlen(s) + 1;
	char *out;
	const char *p;

	for (p = s; (p = strstr(p, "{city}")); p += 6)
		cap += cn;
	out = hv_xmalloc(cap);
	for (p = s; *p;) {
		if (strncmp(p, "{city}", 6) == 0) {
			memcpy(out + n, city, cn);
			n += cn;
			p += 6;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

static int parse_lang(const json_t *v, const char *tag, const char *city,
		      struct hv_sign_text *t, struct hv_err *err)
{
	static const char *const lang_members[] = {"reviewed", "heading", "body", NULL};
	char path[160];
	const json_t *body, *reviewed;
	int rc;

	snprintf(path, sizeof(path), "$.languages.%s", tag);
	if (!json_is_object(v))
		return hv_err_set(err, HV_EINVAL, "%s: must be an object", path);
	if ((rc = check_members(v, path, lang_members, err)))
		return rc;
	reviewed = json_object_get(v, "reviewed");
	if (!reviewed)
		return hv_err_set(err, HV_EINVAL, "%s.reviewed: missing (true or false)", path);
	if (!json_is_boolean(reviewed))
		return hv_err_set(err, HV_EINVAL, "%s.reviewed: must be true or false", path);
	snprintf(path, sizeof(path), "$.languages.%s.heading", tag);
	if ((rc = check_text(json_object_get(v, "heading"), path, 300, err)))
		return rc;
	snprintf(path, sizeof(path), "$.languages.%s.body", tag);
	body = json_object_get(v, "body");
	if (!body)
		return hv_err_set(err, HV_EINVAL, "%s: missing", path);
	if (!json_is_object(body))
		return hv_err_set(err, HV_EINVAL, "%s: must be an object with %s, %s and %s", path,
				  variant_names[0], variant_names[1], variant_names[2]);
	{
		const char *allowed[HV_VARIANT_COUNT + 1];

		for (int i = 0; i < HV_VARIANT_COUNT; i++)
			allowed[i] = variant_names[i];
		allowed[HV_VARIANT_COUNT] = NULL;
		if ((rc = check_members(body, path, allowed, err)))
			return rc;
	}
	for (int i = 0; i < HV_VARIANT_COUNT; i++) {
		snprintf(path, sizeof(path), "$.languages.%s.body.%s", tag, variant_names[i]);
		if ((rc = check_text(json_object_get(body, variant_names[i]), path,
				     HV_SIGN_TEXT_MAX, err)))
			return rc;
	}
	t->present = true;
	t->reviewed = json_is_true(reviewed);
	t->heading = fill_city(json_string_value(json_object_get(v, "heading")), city);
	for (int i = 0; i < HV_VARIANT_COUNT; i++)
		t->body[i] = fill_city(json_string_value(json_object_get(body, variant_names[i])),
				       city);
	return HV_OK;
}

static int parse_root(const json_t *root, struct hv_sign_template *t, struct hv_err *err)
{
	static const char *const members[] = {"name",	      "kind",		 "city",
					      "citation",     "seal_png_base64", "unreviewed_mark",
					      "languages",    NULL};
	static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	const json_t *v, *ls;
	const char *key;
	json_t *lv;
	int rc;

	if (!json_is_object(root))
		return hv_err_set(err, HV_EINVAL, "$: must be an object");
	if ((rc = check_members(root, "$", members, err)))
		return rc;
	if ((rc = check_text(json_object_get(root, "name"), "$.name", 40, err)))
		return rc;
	if (!name_ok(json_string_value(json_object_get(root, "name"))))
		return hv_err_set(err, HV_EINVAL,
				  "$.name: \"%.40s\": 1-40 characters of a-z, 0-9 and '-'",
				  json_string_value(json_object_get(root, "name")));
	if ((rc = check_text(json_object_get(root, "kind"), "$.kind", 16, err)))
		return rc;
	v = json_object_get(root, "kind");
	if (strcmp(json_string_value(v), "city") != 0 && strcmp(json_string_value(v), "private"))
		return hv_err_set(err, HV_EINVAL, "$.kind: \"%.16s\": must be \"city\" or \"private\"",
				  json_string_value(v));
	if ((rc = check_text(json_object_get(root, "city"), "$.city", 200, err)) ||
	    (rc = check_text(json_object_get(root, "citation"), "$.citation", 300, err)))
		return rc;
	t->name = hv_xstrdup(json_string_value(json_object_get(root, "name")));
	t->kind = hv_xstrdup(json_string_value(json_object_get(root, "kind")));
	t->city = hv_xstrdup(json_string_value(json_object_get(root, "city")));
	t->citation = hv_xstrdup(json_string_value(json_object_get(root, "citation")));
	if ((v = json_object_get(root, "unreviewed_mark"))) {
		if ((rc = check_text(v, "$.unreviewed_mark", 200, err)))
			return rc;
		t->unreviewed_mark = hv_xstrdup(json_string_value(v));
	} else {
		t->unreviewed_mark = hv_xstrdup("Translation not yet reviewed by the city");
	}
	if ((v = json_object_get(root, "seal_png_base64"))) {
		if (!json_is_string(v))
			return hv_err_set(err, HV_EINVAL, "$.seal_png_base64: must be a string");
		if (!b64_decode(json_string_value(v), &t->seal_png, &t->seal_len))
			return hv_err_set(err, HV_EINVAL, "$.seal_png_base64: not base64");
		if (t->seal_len < 8 || memcmp(t->seal_png, png_magic, 8) != 0)
			return hv_err_set(err, HV_EINVAL, "$.seal_png_base64: not a PNG image");
	}
	ls = json_object_get(root, "languages");
	if (!ls)
		return hv_err_set(err, HV_EINVAL, "$.languages: missing");
	if (!json_is_object(ls))
		return hv_err_set(err, HV_EINVAL, "$.languages: must be an object keyed by language");
	json_object_foreach((json_t *)ls, key, lv) {
		enum hv_sign_lang l = hv_sign_lang_parse(key);

		/* Exact tags only: "zh-hans" would print but not match a print run's langs. */
		if (l == HV_LANG_COUNT || strcmp(key, langs[l].tag) != 0)
			return hv_err_set(err, HV_EINVAL,
					  "$.languages.%.32s: unknown language tag (known: en es pl "
					  "zh-Hans zh-Hant ar ur ko tl uk ru hi)",
					  key);
		if ((rc = parse_lang(lv, langs[l].tag, t->city, &t->texts[l], err)))
			return rc;
	}
	if (!t->texts[HV_LANG_EN].present)
		return hv_err_set(err, HV_EINVAL, "$.languages.en: missing (English is required)");
	return HV_OK;
}

int hv_sign_template_parse(const char *doc, size_t len, struct hv_sign_template **out,
			   struct hv_err *err)
{
	struct hv_sign_template *t = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if (len > HV_SIGN_TEMPLATE_DOC_MAX)
		return hv_err_set(err, HV_ELIMIT, "template: %zu bytes, at most %zu", len,
				  HV_SIGN_TEMPLATE_DOC_MAX);
	root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return hv_err_set(err, HV_EFORMAT, "template: line %d, column %d: %s", jerr.line,
				  jerr.column, jerr.text);
	t = hv_xcalloc(1, sizeof(*t));
	if ((rc = parse_root(root, t, err)))
		goto out;
	*out = t;
	t = NULL;
out:
	hv_sign_template_free(t);
	json_decref(root);
	return rc;
}

int hv_sign_template_load(struct hv_store *s, const char *name, int64_t version,
			  struct hv_sign_template **out, struct hv_err *err)
{
	struct hv_sign_template_rec rec = {0};
	const char *def;
	int rc;

	*out = NULL;
	if (!name || !*name)
		return hv_err_set(err, HV_EINVAL, "no sign template named");
	if (s) {
		rc = hv_store_sign_template_get(s, name, version, &rec, err);
		if (rc == HV_OK) {
			rc = hv_sign_template_parse(rec.doc, strlen(rec.doc), out, err);
			if (rc)
				hv_err_prefix(err, rc, "stored template %s version %lld", name,
					      (long long)rec.version);
			else
				(*out)->version = rec.version;
			hv_sign_template_rec_release(&rec);
			return rc;
		}
		if (rc != HV_ENOENT || version)
			return rc;
	} else if (version) {
		return hv_err_set(err, HV_ENOENT, "sign template \"%s\" version %lld: no store",
				  name, (long long)version);
	}
	def = hv_sign_template_default(name);
	if (!def)
		return hv_err_set(err, HV_EINVAL,
				  "unknown sign template \"%.64s\" (built in: city, private)", name);
	rc = hv_sign_template_parse(def, strlen(def), out, err);
	if (rc)
		return hv_err_prefix(err, rc, "built-in template %s", name);
	return HV_OK;
}

int hv_sign_template_store(struct hv_store *s, const char *name, const char *doc, size_t len,
			   const char *created_by, int64_t now_ms, int64_t *version,
			   struct hv_err *err)
{
	struct hv_sign_template *t = NULL;
	int rc;

	if ((rc = hv_sign_template_parse(doc, len, &t, err)))
		return rc;
	if (strcmp(t->name, name) != 0) {
		rc = hv_err_set(err, HV_EINVAL, "$.name: \"%s\" does not match the template name \"%.64s\"",
				t->name, name);
		goto out;
	}
	if (memchr(doc, '\0', len)) {
		rc = hv_err_set(err, HV_EINVAL, "template: contains a NUL byte");
		goto out;
	}
	if ((rc = hv_store_begin(s, err)))
		goto out;
	{
		char *copy = hv_xstrndup(doc, len);

		rc = hv_store_sign_template_add(s, name, copy, now_ms, created_by, version, err);
		free(copy);
	}
	if (rc || (rc = hv_store_commit(s, err)))
		hv_store_rollback(s);
out:
	hv_sign_template_free(t);
	return rc;
}
