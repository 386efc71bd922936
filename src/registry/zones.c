/* SPDX-License-Identifier: Apache-2.0 */
/* Scope rules: versioned, effective-dated definitions of which properties the order covers. A
 * property in a rule's scope is a zone. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <stdio.h>

#include "core/clock.h"
#include "core/json.h"
#include "core/xalloc.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "registry/scope.h"

#define RULE_NAME_MAX 64

struct zone_rule {
	char *name;
	char *expr_text;
	int64_t effective_ms;
	struct hv_scope_expr *expr;
};

struct hv_zones {
	struct zone_rule *rules;
	size_t n_rules;
};

static int check_name(const char *name, struct hv_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > RULE_NAME_MAX)
		return hv_err_set(err, HV_EINVAL, "scope name must be 1 to %d characters",
				  RULE_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return hv_err_set(err, HV_EINVAL,
					  "scope name \"%s\": character %zu ('%c') is not a letter, "
					  "digit, '-', '_' or '.'",
					  name, i + 1, c);
	}
	return HV_OK;
}

/* The canonical JSON of a scope rule version, as its ledger entry's body: compact, fixed key
 * order, so the kind check can recompute it byte for byte from the row. */
static void scope_body(const struct hv_scope_rule *r, int64_t id, struct hv_buf *out)
{
	struct hv_json w;

	hv_json_init(&w, out, false);
	hv_json_obj_begin(&w);
	hv_json_key(&w, "id");
	hv_json_int(&w, id);
	hv_json_key(&w, "name");
	hv_json_str(&w, r->name);
	hv_json_key(&w, "expr");
	hv_json_str(&w, r->expr);
	hv_json_key(&w, "effective_ms");
	hv_json_int(&w, r->effective_ms);
	hv_json_key(&w, "created_ms");
	hv_json_int(&w, r->created_ms);
	hv_json_key(&w, "retired");
	hv_json_bool(&w, r->retired);
	hv_json_obj_end(&w);
}

/* A rule version and its ledger entry ("scope", "scope_rules:ID") commit together or not at
 * all. */
static int add_version(struct hv_store *s, const struct hv_scope_rule *r, struct hv_err *err)
{
	struct hv_buf body;
	char ref[48];
	int64_t id;
	int rc;

	if ((rc = hv_store_begin(s, err)))
		return rc;
	hv_buf_init(&body, 0);
	if ((rc = hv_store_scope_add(s, r, &id, err)))
		goto fail;
	scope_body(r, id, &body);
	snprintf(ref, sizeof(ref), "scope_rules:%lld", (long long)id);
	if ((rc = hv_ledger_append(s, "scope", ref, body.data, body.len, r->created_ms, NULL, err)) ||
	    (rc = hv_store_commit(s, err)))
		goto fail;
	hv_buf_release(&body);
	return HV_OK;
fail:
	hv_store_rollback(s);
	hv_buf_release(&body);
	return rc;
}

struct find_version {
	int64_t id;
	struct hv_scope_rule r;
	bool found;
};

static int find_version(void *ctx, const struct hv_scope_rule *r)
{
	struct find_version *f = ctx;

	if (r->id != f->id)
		return 0;
	f->r = *r;
	f->r.name = hv_xstrdup(r->name);
	f->r.expr = hv_xstrdup(r->expr);
	f->found = true;
	return 1;
}

/* The kind check of "scope" entries: the row named by ref, serialised again, must be the body. */
static int scope_check(struct hv_store *s, int64_t seq, const char *ref, const char *body,
		       size_t len, struct hv_err *err)
{
	struct find_version f = {0};
	json_t *j = NULL;
	const char *name;
	struct hv_buf again;
	long long id;
	char tail;
	int rc;

	if (!ref || sscanf(ref, "scope_rules:%lld%c", &id, &tail) != 1 || id <= 0)
		return hv_err_set(err, HV_EINVAL, "a scope entry must name scope_rules:ID, not %s",
				  ref ? ref : "nothing");
	j = json_loadb(body, len, 0, NULL);
	name = json_string_value(json_object_get(j, "name"));
	if (!name) {
		json_decref(j);
		return hv_err_set(err, HV_EINVAL, "the entry's body is not a scope rule");
	}
	f.id = id;
	rc = hv_store_scope_versions(s, name, find_version, &f, err);
	json_decref(j);
	if (rc < 0)
		return rc;
	if (!f.found)
		return hv_err_set(err, HV_EINVAL,
				  "scope_rules row %lld: missing, or no longer named as its entry says",
				  id);
	hv_buf_init(&again, 0);
	scope_body(&f.r, id, &again);
	rc = HV_OK;
	if (again.len != len || memcmp(again.data, body, len) != 0)
		rc = hv_err_set(err, HV_EINVAL,
				"scope_rules row %lld differs from its ledger entry: the row now "
				"reads %s",
				id, again.data);
	hv_buf_release(&again);
	hv_scope_rule_release(&f.r);
	return rc;
}

const struct hv_ledger_kind hv_registry_scope_kind = {.kind = "scope", .check = scope_check};

int hv_registry_scope_add(struct hv_store *s, const char *name, const char *expr,
			  int64_t effective_ms, struct hv_err *err)
{
	struct hv_scope_expr *e = NULL;
	int64_t now = hv_time_now_ms();
	int rc;

	if ((rc = check_name(name, err)))
		return rc;
	if ((rc = hv_scope_parse(expr, &e, err)))
		return hv_err_prefix(err, rc, "scope \"%s\"", name);
	hv_scope_expr_free(e);
	struct hv_scope_rule r = {
		.name = (char *)name,
		.expr = (char *)expr,
		.effective_ms = effective_ms ? effective_ms : now,
		.created_ms = now,
	};
	return add_version(s, &r, err);
}

static int found_rule(void *ctx, const struct hv_scope_rule *r)
{
	const char *name = ctx;

	return strcmp(r->name, name) == 0 ? 1 : 0;
}

int hv_registry_scope_retire(struct hv_store *s, const char *name, int64_t effective_ms,
			     struct hv_err *err)
{
	int64_t now = hv_time_now_ms();
	int64_t when = effective_ms ? effective_ms : now;
	int rc = hv_store_scope_each(s, when, found_rule, (void *)name, err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return hv_err_set(err, HV_ENOENT, "no scope named \"%s\" is in force then", name);
	struct hv_scope_rule r = {
		.name = (char *)name,
		.expr = "",
		.effective_ms = when,
		.created_ms = now,
		.retired = true,
	};
	return add_version(s, &r, err);
}

static int load_rule(void *ctx, const struct hv_scope_rule *r)
{
	struct hv_zones *z = ctx;
	struct zone_rule *zr;
	struct hv_err err;

	z->rules = hv_xrealloc(z->rules, (z->n_rules + 1) * sizeof(*z->rules));
	zr = &z->rules[z->n_rules];
	memset(zr, 0, sizeof(*zr));
	/* Rules were checked when added; a stored rule that no longer parses (a grammar change)
	 * matches nothing rather than everything. */
	if (hv_scope_parse(r->expr, &zr->expr, &err) != HV_OK)
		zr->expr = NULL;
	zr->name = hv_xstrdup(r->name);
	zr->expr_text = hv_xstrdup(r->expr);
	zr->effective_ms = r->effective_ms;
	z->n_rules++;
	return 0;
}

int hv_zones_load(struct hv_store *s, int64_t as_of_ms, struct hv_zones **out, struct hv_err *err)
{
	struct hv_zones *z = hv_xcalloc(1, sizeof(*z));
	int rc = hv_store_scope_each(s, as_of_ms ? as_of_ms : hv_time_now_ms(), load_rule, z, err);

	if (rc < 0) {
		hv_zones_free(z);
		*out = NULL;
		return rc;
	}
	*out = z;
	return HV_OK;
}

void hv_zones_free(struct hv_zones *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < z->n_rules; i++) {
		free(z->rules[i].name);
		free(z->rules[i].expr_text);
		hv_scope_expr_free(z->rules[i].expr);
	}
	free(z->rules);
	free(z);
}

size_t hv_zones_count(const struct hv_zones *z)
{
	return z ? z->n_rules : 0;
}

const char *hv_zones_name(const struct hv_zones *z, size_t i)
{
	return z->rules[i].name;
}

const char *hv_zones_expr(const struct hv_zones *z, size_t i)
{
	return z->rules[i].expr_text;
}

int64_t hv_zones_effective_ms(const struct hv_zones *z, size_t i)
{
	return z->rules[i].effective_ms;
}

long hv_zones_find(const struct hv_zones *z, const char *name)
{
	for (size_t i = 0; z && i < z->n_rules; i++)
		if (strcmp(z->rules[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Attributes are parsed only when a rule asks for one. */
struct attr_ctx {
	const char *json;
	json_t *root;
	bool parsed;
};

static const char *attr_lookup(void *ctx, const char *key)
{
	struct attr_ctx *a = ctx;

	if (!a->parsed) {
		a->root = json_loads(a->json ? a->json : "{}", 0, NULL);
		a->parsed = true;
	}
	return json_string_value(json_object_get(a->root, key));
}

void hv_zones_match(const struct hv_zones *z, const struct hv_property *p, bool *in)
{
	struct attr_ctx a = {.json = p->attrs_json};
	struct hv_scope_subject subj = {
		.kind = p->kind,
		.status = p->status,
		.source = p->source,
		.source_id = p->source_key,
		.name = p->name,
		.address = p->address,
		.has_geometry = p->wkb != NULL,
		.attr = attr_lookup,
		.attr_ctx = &a,
	};

	for (size_t i = 0; z && i < z->n_rules; i++)
		in[i] = !p->removed && z->rules[i].expr && hv_scope_eval(z->rules[i].expr, &subj);
	json_decref(a.root);
}
