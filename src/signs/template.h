/* SPDX-License-Identifier: Apache-2.0 */
/* Sign templates as data: the JSON document format, its validation (errors name the JSON path),
 * the languages signs are printed in, the built-in defaults and the store's versions. */
#ifndef HV_SIGNS_TEMPLATE_H
#define HV_SIGNS_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hv_store;

/* The languages haven prints, by BCP 47 tag. */
enum hv_sign_lang {
	HV_LANG_EN,
	HV_LANG_ES,
	HV_LANG_PL,
	HV_LANG_ZH_HANS,
	HV_LANG_ZH_HANT,
	HV_LANG_AR,
	HV_LANG_UR,
	HV_LANG_KO,
	HV_LANG_TL,
	HV_LANG_UK,
	HV_LANG_RU,
	HV_LANG_HI,
	HV_LANG_COUNT,
};

struct hv_sign_lang_info {
	const char *tag;    /* BCP 47: "zh-Hans" */
	const char *name;   /* English name: "Chinese (Simplified)" */
	const char *pango;  /* the language pango shapes for: "zh-cn" */
	const char *family; /* the font families, named per script (fontconfig would pick
			       DejaVu for Arabic): "Noto Naskh Arabic, Noto Sans" */
	bool rtl;
};

/* The language tagged tag (exact, case-insensitive), or HV_LANG_COUNT. */
enum hv_sign_lang hv_sign_lang_parse(const char *tag);
const struct hv_sign_lang_info *hv_sign_lang_info(enum hv_sign_lang l);

enum hv_sign_variant {
	HV_VARIANT_LOT,
	HV_VARIANT_BUILDING_PUBLIC,
	HV_VARIANT_NON_PUBLIC,
	HV_VARIANT_COUNT,
};

/* "lot", "building-public", "non-public"; HV_VARIANT_COUNT for anything else. */
enum hv_sign_variant hv_sign_variant_parse(const char *s);
const char *hv_sign_variant_name(enum hv_sign_variant v);

/* One language's text. */
struct hv_sign_text {
	bool present;
	bool reviewed;                      /* false: the sign prints the unreviewed mark */
	char *heading;                      /* "{city}" already replaced */
	char *body[HV_VARIANT_COUNT];       /* "{city}" already replaced */
};

/* A parsed, validated template (heap; hv_sign_template_free). */
struct hv_sign_template {
	char *name;           /* "city", "private", ... */
	char *kind;           /* "city" or "private" */
	char *city;           /* the city's name: "Port Haven" */
	char *citation;       /* the order: "Executive Order 2025-8" */
	char *unreviewed_mark; /* printed small beside an unreviewed translation */
	unsigned char *seal_png; /* NULL: no seal */
	size_t seal_len;
	struct hv_sign_text texts[HV_LANG_COUNT];
	int64_t version; /* the store's version; 0: a built-in default */
};

#define HV_SIGN_TEMPLATE_DOC_MAX ((size_t)4 << 20) /* 4 MiB, seal included */
#define HV_SIGN_TEXT_MAX	 2000              /* bytes per text */

/* Parses and validates a template document (untrusted). The document is an object:
 *   "name" (a-z 0-9 '-', 1-40), "kind" ("city"|"private"), "city", "citation" (strings),
 *   "seal_png_base64" (optional: a base64 PNG), "unreviewed_mark" (optional string),
 *   "languages": {TAG: {"reviewed": bool, "heading": str,
 *                       "body": {"lot": str, "building-public": str, "non-public": str}}}
 * with every TAG known and "en" present; nothing else. "{city}" in a text becomes the city's
 * name. Errors: HV_EFORMAT for malformed JSON (line, column), HV_EINVAL naming the JSON path
 * ("$.languages.ar.body.lot: missing") and the value. Caller owns *out. */
int hv_sign_template_parse(const char *doc, size_t len, struct hv_sign_template **out,
			   struct hv_err *err);
void hv_sign_template_free(struct hv_sign_template *t);

/* The built-in default document of name ("city", "private"; data/signs/NAME.json compiled in),
 * or NULL. Borrowed, static. */
const char *hv_sign_template_default(const char *name);
/* The built-in template names, NULL-terminated. */
extern const char *const hv_sign_template_default_names[];

/* The template name as the renderer uses it: the store's current version (or version when not
 * 0), else (version 0 only) the built-in default. HV_ENOENT naming an unknown template. Caller
 * owns *out. */
int hv_sign_template_load(struct hv_store *s, const char *name, int64_t version,
			  struct hv_sign_template **out, struct hv_err *err);

/* Validates doc and stores it as a new version of name (its "name" must be name), in one
 * transaction; nothing is stored when it fails. *version gets the new number. */
int hv_sign_template_store(struct hv_store *s, const char *name, const char *doc, size_t len,
			   const char *created_by, int64_t now_ms, int64_t *version,
			   struct hv_err *err);

#endif
