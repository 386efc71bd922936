/* SPDX-License-Identifier: Apache-2.0 */
/* Scope expressions: which properties the city's order covers, e.g.
 *   status = 'Owned by City' and kind in ('lot', 'garage', 'vacant lot')
 * parsed once, evaluated per property in C (no SQL), so every store back end agrees.
 *
 * The language
 *   expr       := and_expr { OR and_expr }
 *   and_expr   := not_expr { AND not_expr }
 *   not_expr   := { NOT } ( '(' expr ')' | condition )        precedence: NOT > AND > OR
 *   condition  := field op value | field [NOT] IN '(' value { ',' value } ')'
 *               | field [NOT] LIKE 'pattern' | field IS [NOT] NULL
 *   op         := = | != | <> | < | <= | > | >=
 *   field      := kind | status | source | source_id | name | address | geometry
 *               | attr.NAME | attr['Any Field Name'] | attr("Any Field Name")
 *   value      := 'string' | number
 * A condition is always field op value: the field on the left, a literal on the right. Keywords
 * and field names are case-insensitive; attribute names (NAME: letters, digits, _) are passed to
 * the subject's attr callback as written. geometry allows only IS [NOT] NULL (has_geometry).
 * Strings are single-quoted, '' is a quote inside one; attr("...") also takes double quotes.
 * Numbers are decimal: an optional sign, digits, an optional fraction (-12, 28, 0.5, .5).
 *
 * Semantics
 *   - A value that is NULL, empty or only white space is null. Every comparison, IN, NOT IN,
 *     LIKE and NOT LIKE on a null value is false (even !=); only IS NULL is true. NOT negates
 *     plainly (two-valued logic): NOT (status = 'Sold') is true for a null status.
 *   - When the value and the literal both read fully as decimal numbers (white space around the
 *     value ignored), they compare numerically: attr.Ward = 28, = '28' and = '028' all match a
 *     Ward of "28". Otherwise they compare as byte strings, case-sensitively, for = and ordering.
 *   - x IN (a, b) is x = a OR x = b; x NOT IN (a, b) is true for a non-null x equal to none.
 *   - LIKE matches the whole value: % any run of characters, _ exactly one (UTF-8) character,
 *     ASCII letters case-insensitively. There is no escape character.
 * Limits: at most 4,096 bytes of text, 64 levels of nested parentheses, 1,000 values in a list;
 * going past one is HV_ELIMIT with a message in the same "column N: ..." form. An unknown field
 * is HV_EINVAL "column N: unknown field \"x\" (fields: ...)". */
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
/* Frees e (NULL-safe). */
void hv_scope_expr_free(struct hv_scope_expr *e);
/* True when s is in scope. Allocates nothing and does not modify e, so threads may share one
 * compiled expression. */
bool hv_scope_eval(const struct hv_scope_expr *e, const struct hv_scope_subject *s);

#endif
