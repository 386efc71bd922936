/* SPDX-License-Identifier: Apache-2.0 */
/* Dispatch from the store interface to the back end chosen by the URI. */
#include "store/store_impl.h"

#include <stdlib.h>
#include <string.h>

void hv_property_release(struct hv_property *p)
{
	if (!p)
		return;
	free(p->source);
	free(p->source_key);
	free(p->kind);
	free(p->name);
	free(p->address);
	free(p->status);
	free(p->geom_type);
	free(p->wkb);
	free(p->attrs_json);
	memset(p, 0, sizeof(*p));
}

void hv_scope_rule_release(struct hv_scope_rule *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->expr);
	memset(r, 0, sizeof(*r));
}

int hv_store_open(const char *uri, struct hv_store **out, struct hv_err *err)
{
	*out = NULL;
	if (!uri || !*uri)
		return hv_err_set(err, HV_EINVAL, "no store given");
	if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0)
		return hv_err_set(err, HV_EINVAL,
				  "%s: the PostgreSQL store is not built into this haven", uri);
	return hv_store_sqlite_open(uri, out, err);
}

void hv_store_close(struct hv_store *s)
{
	if (s)
		s->ops->close(s);
}

int hv_store_schema_version(struct hv_store *s)
{
	return s->ops->schema_version(s);
}

int hv_store_begin(struct hv_store *s, struct hv_err *err)
{
	return s->ops->begin(s, err);
}

int hv_store_commit(struct hv_store *s, struct hv_err *err)
{
	return s->ops->commit(s, err);
}

void hv_store_rollback(struct hv_store *s)
{
	s->ops->rollback(s);
}

int hv_store_source_find(struct hv_store *s, const char *name, int64_t *id, struct hv_err *err)
{
	return s->ops->source_find(s, name, id, err);
}

int hv_store_source_ensure(struct hv_store *s, const char *name, int64_t now_ms, int64_t *id,
			   struct hv_err *err)
{
	return s->ops->source_ensure(s, name, now_ms, id, err);
}

int hv_store_source_last_effective(struct hv_store *s, int64_t source_id, int64_t *ms,
				   struct hv_err *err)
{
	return s->ops->source_last_effective(s, source_id, ms, err);
}

int hv_store_import_add(struct hv_store *s, const struct hv_import_rec *r, int64_t *id,
			struct hv_err *err)
{
	return s->ops->import_add(s, r, id, err);
}

int hv_store_import_finish(struct hv_store *s, const struct hv_import_rec *r, struct hv_err *err)
{
	return s->ops->import_finish(s, r, err);
}

int hv_store_import_each(struct hv_store *s, hv_import_fn fn, void *ctx, struct hv_err *err)
{
	return s->ops->import_each(s, fn, ctx, err);
}

int hv_store_property_keys(struct hv_store *s, int64_t source_id, hv_property_key_fn fn, void *ctx,
			   struct hv_err *err)
{
	return s->ops->property_keys(s, source_id, fn, ctx, err);
}

int hv_store_property_append(struct hv_store *s, struct hv_property *p, struct hv_err *err)
{
	return s->ops->property_append(s, p, err);
}

int hv_store_property_get(struct hv_store *s, int64_t id, int64_t as_of_ms, struct hv_property *out,
			  struct hv_err *err)
{
	return s->ops->property_get(s, id, as_of_ms, out, err);
}

int hv_store_property_each(struct hv_store *s, const struct hv_property_filter *f, hv_property_fn fn,
			   void *ctx, struct hv_err *err)
{
	return s->ops->property_each(s, f, fn, ctx, err);
}

int hv_store_property_history(struct hv_store *s, int64_t id, hv_property_fn fn, void *ctx,
			      struct hv_err *err)
{
	return s->ops->property_history(s, id, fn, ctx, err);
}

int hv_store_property_count(struct hv_store *s, int64_t *n, struct hv_err *err)
{
	return s->ops->property_count(s, n, err);
}

int hv_store_data_version(struct hv_store *s, int64_t *v, struct hv_err *err)
{
	return s->ops->data_version(s, v, err);
}

int hv_store_scope_add(struct hv_store *s, const struct hv_scope_rule *r, int64_t *id,
		       struct hv_err *err)
{
	return s->ops->scope_add(s, r, id, err);
}

int hv_store_scope_each(struct hv_store *s, int64_t as_of_ms, hv_scope_rule_fn fn, void *ctx,
			struct hv_err *err)
{
	return s->ops->scope_each(s, as_of_ms, fn, ctx, err);
}

int hv_store_scope_versions(struct hv_store *s, const char *name, hv_scope_rule_fn fn, void *ctx,
			    struct hv_err *err)
{
	return s->ops->scope_versions(s, name, fn, ctx, err);
}

int hv_store_user_add(struct hv_store *s, const char *name, const char *role,
		      const char *password_hash, int64_t now_ms, int64_t *id, struct hv_err *err)
{
	return s->ops->user_add(s, name, role, password_hash, now_ms, id, err);
}

int hv_store_user_find(struct hv_store *s, const char *name, struct hv_user *out,
		       struct hv_err *err)
{
	return s->ops->user_find(s, name, out, err);
}

int hv_store_user_each(struct hv_store *s, hv_user_fn fn, void *ctx, struct hv_err *err)
{
	return s->ops->user_each(s, fn, ctx, err);
}

int hv_store_user_disable(struct hv_store *s, const char *name, struct hv_err *err)
{
	return s->ops->user_disable(s, name, err);
}

int hv_store_session_add(struct hv_store *s, const char *token_hash, int64_t user_id,
			 const char *csrf_hash, int64_t now_ms, int64_t expires_ms,
			 struct hv_err *err)
{
	return s->ops->session_add(s, token_hash, user_id, csrf_hash, now_ms, expires_ms, err);
}

int hv_store_session_get(struct hv_store *s, const char *token_hash, int64_t now_ms,
			 struct hv_session *out, struct hv_err *err)
{
	return s->ops->session_get(s, token_hash, now_ms, out, err);
}

int hv_store_session_delete(struct hv_store *s, const char *token_hash, struct hv_err *err)
{
	return s->ops->session_delete(s, token_hash, err);
}

int hv_store_session_purge(struct hv_store *s, int64_t now_ms, int64_t *n_deleted,
			   struct hv_err *err)
{
	return s->ops->session_purge(s, now_ms, n_deleted, err);
}

int hv_store_token_add(struct hv_store *s, const char *token_hash, const char *name,
		       const char *role, int64_t now_ms, int64_t *id, struct hv_err *err)
{
	return s->ops->token_add(s, token_hash, name, role, now_ms, id, err);
}

int hv_store_token_get(struct hv_store *s, const char *token_hash, struct hv_api_token *out,
		       struct hv_err *err)
{
	return s->ops->token_get(s, token_hash, out, err);
}

int hv_store_token_revoke(struct hv_store *s, int64_t id, int64_t now_ms, struct hv_err *err)
{
	return s->ops->token_revoke(s, id, now_ms, err);
}

int hv_store_token_each(struct hv_store *s, hv_token_fn fn, void *ctx, struct hv_err *err)
{
	return s->ops->token_each(s, fn, ctx, err);
}
