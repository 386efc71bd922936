/* SPDX-License-Identifier: Apache-2.0 */
/* Scope expressions: which properties the city's order covers, e.g.
 *   status = 'Owned by City' and kind in ('lot', 'garage', 'vacant lot')
 * parsed once, evaluated per property in C (no SQL), so every store back end agrees. */
#ifndef HV_REGISTRY_SCOPE_H
#define HV_REGISTRY_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct hv_scope_expr; /* opaque compiled expression */

/* What an expression is evaluated against. Strings are borrowed; NULL or "" counts as null. */
struct hv_scope_subject {
	const char *kind;
	const char *status;
	const char *source;    /* source name */
	const char *source_id; /* the source's id of the property */
	const char *name;
	const char *address;
	bool has_geometry;
	/* attribute lookup: the value of the source field named key, NULL when absent */
	const char *(*attr)(void *ctx, const char *key);
	void *attr_ctx;
};

/* Compiles text. On a syntax error returns HV_EINVAL with err->msg
 * "column N: expected ..., found ..." (N is 1-based, in bytes). Caller owns *out. */
int hv_scope_parse(const char *text, struct hv_scope_expr **out, struct hv_err *err);
void hv_scope_expr_free(struct hv_scope_expr *e);
bool hv_scope_eval(const struct hv_scope_expr *e, const struct hv_scope_subject *s);

#endif
