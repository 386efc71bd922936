/* SPDX-License-Identifier: Apache-2.0 */
/* The ops table every store back end fills in; private to src/store. */
#ifndef HV_STORE_STORE_IMPL_H
#define HV_STORE_STORE_IMPL_H

#include "store/store.h"

struct hv_store_ops {
	const char *name;
	void (*close)(struct hv_store *s);
	int (*schema_version)(struct hv_store *s);
	int (*begin)(struct hv_store *s, struct hv_err *err);
	int (*commit)(struct hv_store *s, struct hv_err *err);
	void (*rollback)(struct hv_store *s);
	int (*source_find)(struct hv_store *s, const char *name, int64_t *id, struct hv_err *err);
	int (*source_ensure)(struct hv_store *s, const char *name, int64_t now_ms, int64_t *id,
			     struct hv_err *err);
	int (*source_last_effective)(struct hv_store *s, int64_t source_id, int64_t *ms,
				     struct hv_err *err);
	int (*import_add)(struct hv_store *s, const struct hv_import_rec *r, int64_t *id,
			  struct hv_err *err);
	int (*import_finish)(struct hv_store *s, const struct hv_import_rec *r, struct hv_err *err);
	int (*import_each)(struct hv_store *s, hv_import_fn fn, void *ctx, struct hv_err *err);
	int (*property_keys)(struct hv_store *s, int64_t source_id, hv_property_key_fn fn,
			     void *ctx, struct hv_err *err);
	int (*property_append)(struct hv_store *s, struct hv_property *p, struct hv_err *err);
	int (*property_get)(struct hv_store *s, int64_t id, int64_t as_of_ms,
			    struct hv_property *out, struct hv_err *err);
	int (*property_each)(struct hv_store *s, const struct hv_property_filter *f,
			     hv_property_fn fn, void *ctx, struct hv_err *err);
	int (*property_history)(struct hv_store *s, int64_t id, hv_property_fn fn, void *ctx,
				struct hv_err *err);
	int (*property_count)(struct hv_store *s, int64_t *n, struct hv_err *err);
	int (*data_version)(struct hv_store *s, int64_t *v, struct hv_err *err);
	int (*scope_add)(struct hv_store *s, const struct hv_scope_rule *r, int64_t *id,
			 struct hv_err *err);
	int (*scope_each)(struct hv_store *s, int64_t as_of_ms, hv_scope_rule_fn fn, void *ctx,
			  struct hv_err *err);
	int (*scope_versions)(struct hv_store *s, const char *name, hv_scope_rule_fn fn, void *ctx,
			      struct hv_err *err);
	int (*user_add)(struct hv_store *s, const char *name, const char *role,
			const char *password_hash, int64_t now_ms, int64_t *id, struct hv_err *err);
	int (*user_find)(struct hv_store *s, const char *name, struct hv_user *out,
			 struct hv_err *err);
	int (*user_each)(struct hv_store *s, hv_user_fn fn, void *ctx, struct hv_err *err);
	int (*user_disable)(struct hv_store *s, const char *name, struct hv_err *err);
	int (*session_add)(struct hv_store *s, const char *token_hash, int64_t user_id,
			   const char *csrf_hash, int64_t now_ms, int64_t expires_ms,
			   struct hv_err *err);
	int (*session_get)(struct hv_store *s, const char *token_hash, int64_t now_ms,
			   struct hv_session *out, struct hv_err *err);
	int (*session_delete)(struct hv_store *s, const char *token_hash, struct hv_err *err);
	int (*session_purge)(struct hv_store *s, int64_t now_ms, int64_t *n_deleted,
			     struct hv_err *err);
	int (*token_add)(struct hv_store *s, const char *token_hash, const char *name,
			 const char *role, int64_t now_ms, int64_t *id, struct hv_err *err);
	int (*token_get)(struct hv_store *s, const char *token_hash, struct hv_api_token *out,
			 struct hv_err *err);
	int (*token_revoke)(struct hv_store *s, int64_t id, int64_t now_ms, struct hv_err *err);
	int (*token_each)(struct hv_store *s, hv_token_fn fn, void *ctx, struct hv_err *err);
};

/* Every back end's handle starts with this. */
struct hv_store {
	const struct hv_store_ops *ops;
};

int hv_store_sqlite_open(const char *path, struct hv_store **out, struct hv_err *err);

#endif
