/* SPDX-License-Identifier: Apache-2.0 */
/* Sign templates in the store (schema 6): every version of each template's JSON document,
 * append-only; the highest version of a name is its current one. SQLite only for now. */
#ifndef HV_STORE_SIGN_TEMPLATES_H
#define HV_STORE_SIGN_TEMPLATES_H

#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define HV_SIGN_TEMPLATE_NAME_MAX 64

/* One stored version. doc is owned when it came from the store (hv_sign_template_rec_release). */
struct hv_sign_template_rec {
	char name[HV_SIGN_TEMPLATE_NAME_MAX];
	int64_t version; /* 1, 2, ... per name */
	char *doc;       /* the JSON document as stored */
	int64_t created_ms;
	char created_by[HV_USER_NAME_MAX];
};

void hv_sign_template_rec_release(struct hv_sign_template_rec *r);

/* Called per row; doc is NULL in listings. Non-zero stops the iteration and is returned. */
typedef int (*hv_sign_template_fn)(void *ctx, const struct hv_sign_template_rec *r);

/* Appends a new version of template name (inside the caller's transaction; HV_ESTORE outside
 * one). *version receives its number (the previous highest + 1). Borrows every argument. */
int hv_store_sign_template_add(struct hv_store *s, const char *name, const char *doc,
			       int64_t created_ms, const char *created_by, int64_t *version,
			       struct hv_err *err);
/* Version `version` of name (0: the current one) into *out (caller releases). HV_ENOENT naming
 * the template (and version) when there is none. */
int hv_store_sign_template_get(struct hv_store *s, const char *name, int64_t version,
			       struct hv_sign_template_rec *out, struct hv_err *err);
/* The current version of every stored template, by name (doc NULL). */
int hv_store_sign_template_each(struct hv_store *s, hv_sign_template_fn fn, void *ctx,
				struct hv_err *err);
/* Every version of name, oldest first (doc NULL). */
int hv_store_sign_template_versions(struct hv_store *s, const char *name, hv_sign_template_fn fn,
				    void *ctx, struct hv_err *err);

#endif
