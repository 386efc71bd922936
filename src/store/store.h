/* SPDX-License-Identifier: Apache-2.0 */
/* The one store interface: sources, imports, versioned properties and scope rules, over SQLite
 * (embedded default) and, later, PostgreSQL; the back end sits behind an ops table. */
#ifndef HV_STORE_STORE_H
#define HV_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hv_store; /* opaque; one per thread */

/* One version of a property, as stored. Strings and wkb are owned by the struct when it came from
 * the store (release with hv_property_release); when passed in to the store they are borrowed. */
struct hv_property {
	int64_t id;        /* haven's property id (stable across versions) */
	int64_t version;   /* id of this version row */
	int64_t source_id;
	char *source;      /* source name (filled by reads) */
	char *source_key;  /* the source's own id for the property */
	char *kind;
	char *name;
	char *address;
	char *status;
	char *geom_type;   /* "Point", "Polygon", "MultiPolygon", ...; NULL: address only */
	unsigned char *wkb; /* WGS 84 lon/lat, ISO WKB; NULL: address only */
	size_t wkb_len;
	bool has_point;    /* representative point (a point on the surface) */
	double lon, lat;
	double minx, miny, maxx, maxy; /* bbox, valid when wkb != NULL */
	char *attrs_json;  /* every source attribute, a JSON object */
	char content_hash[65];
	int64_t import_id;
	int64_t valid_from_ms; /* effective time of the import that wrote this version */
	bool removed;      /* this version records that the source no longer lists the property */
};

/* Frees the owned members of p (NULL-safe) and zeroes it. */
void hv_property_release(struct hv_property *p);

struct hv_import_rec {
	int64_t id;
	int64_t source_id;
	const char *file_name;
	const char *file_sha256;
	int64_t imported_ms;  /* wall-clock time of the import */
	int64_t effective_ms; /* when the source data was in force (the registry sets it) */
	int64_t n_read, n_added, n_changed, n_unchanged, n_removed, n_repaired, n_skipped;
	int64_t n_address_only;
	const char *report_json; /* the full report */
};

struct hv_scope_rule {
	int64_t id;
	char *name;
	char *expr;
	int64_t effective_ms;
	int64_t created_ms;
	bool retired; /* this version ends the rule */
};

void hv_scope_rule_release(struct hv_scope_rule *r);

/* Called for each row; return non-zero to stop the iteration (that value is returned). The
 * pointer is valid only during the call. */
typedef int (*hv_property_fn)(void *ctx, const struct hv_property *p);
typedef int (*hv_scope_rule_fn)(void *ctx, const struct hv_scope_rule *r);
typedef int (*hv_import_fn)(void *ctx, const struct hv_import_rec *r, const char *source_name);
/* Current state of one property of a source, for computing an import's changes. */
typedef int (*hv_property_key_fn)(void *ctx, const char *source_key, int64_t property_id,
				  const char *content_hash, bool removed);

struct hv_property_filter {
	int64_t source_id;    /* 0: any source */
	const char *kind;     /* NULL: any kind */
	int64_t as_of_ms;     /* 0: the current state; else the state at that time */
	bool include_removed; /* also yield properties whose latest version is a removal */
	int64_t after_id;     /* paging: only ids greater than this */
	int64_t limit;        /* 0: no limit */
};

/* Opens (creating when absent) the store named by uri: a file path for SQLite. Applies pending
 * migrations. Caller owns *out. Errors: HV_ESTORE, HV_EIO naming the path. */
int hv_store_open(const char *uri, struct hv_store **out, struct hv_err *err);
void hv_store_close(struct hv_store *s);
/* The schema version after migrations. */
int hv_store_schema_version(struct hv_store *s);

/* One write transaction per command: begin, writes, commit; rollback undoes everything since
 * begin. Writes outside a transaction are refused with HV_ESTORE. */
int hv_store_begin(struct hv_store *s, struct hv_err *err);
int hv_store_commit(struct hv_store *s, struct hv_err *err);
void hv_store_rollback(struct hv_store *s);

/* Finds a source by name (HV_ENOENT when absent). */
int hv_store_source_find(struct hv_store *s, const char *name, int64_t *id, struct hv_err *err);
/* Finds or creates a source. */
int hv_store_source_ensure(struct hv_store *s, const char *name, int64_t now_ms, int64_t *id,
			   struct hv_err *err);
/* Effective time of the source's latest import, 0 when none. */
int hv_store_source_last_effective(struct hv_store *s, int64_t source_id, int64_t *ms,
				   struct hv_err *err);

/* Records the start of an import (source, file, hash, times); the counts are ignored here. */
int hv_store_import_add(struct hv_store *s, const struct hv_import_rec *r, int64_t *id,
			struct hv_err *err);
/* Records an import's counts and report (r->id names the import); once per import. */
int hv_store_import_finish(struct hv_store *s, const struct hv_import_rec *r, struct hv_err *err);
/* Every finished import, oldest first. */
int hv_store_import_each(struct hv_store *s, hv_import_fn fn, void *ctx, struct hv_err *err);

/* Yields the latest version of every property of a source, removed ones included. */
int hv_store_property_keys(struct hv_store *s, int64_t source_id, hv_property_key_fn fn, void *ctx,
			   struct hv_err *err);
/* Appends a version. p->id == 0 creates the property (p->source_id, p->source_key must be set);
 * on return p->id and p->version are set. Borrows every member of p. */
int hv_store_property_append(struct hv_store *s, struct hv_property *p, struct hv_err *err);
/* The version of property id in force at as_of_ms (0: latest). HV_ENOENT when there is none.
 * Caller releases *out. */
int hv_store_property_get(struct hv_store *s, int64_t id, int64_t as_of_ms, struct hv_property *out,
			  struct hv_err *err);
/* Every property matching f, in id order. */
int hv_store_property_each(struct hv_store *s, const struct hv_property_filter *f, hv_property_fn fn,
			   void *ctx, struct hv_err *err);
/* Every version of one property, oldest first. */
int hv_store_property_history(struct hv_store *s, int64_t id, hv_property_fn fn, void *ctx,
			      struct hv_err *err);
/* Number of properties (latest version not removed). */
int hv_store_property_count(struct hv_store *s, int64_t *n, struct hv_err *err);

/* A number that grows whenever a property version or a scope rule is added, by this or any
 * other connection: readers holding derived state (the lookup index) compare it to rebuild. */
int hv_store_data_version(struct hv_store *s, int64_t *v, struct hv_err *err);

/* Appends a version of a scope rule (name, expr, effective_ms, created_ms, retired). */
int hv_store_scope_add(struct hv_store *s, const struct hv_scope_rule *r, int64_t *id,
		       struct hv_err *err);
/* For each rule name, the version in force at as_of_ms (0: now), skipping retired ones; by name. */
int hv_store_scope_each(struct hv_store *s, int64_t as_of_ms, hv_scope_rule_fn fn, void *ctx,
			struct hv_err *err);
/* Every version of the named rule, by effective time then id. */
int hv_store_scope_versions(struct hv_store *s, const char *name, hv_scope_rule_fn fn, void *ctx,
			    struct hv_err *err);

/* ---- accounts (schema 2) ---- */

#define HV_USER_NAME_MAX 64
#define HV_ROLE_NAME_MAX 16
#define HV_PWHASH_MAX	 128 /* libsodium's crypto_pwhash_STRBYTES */
#define HV_HASH_HEX_MAX	 65  /* hex SHA-256 and its NUL */

/* A user as stored; fixed buffers, nothing to release. */
struct hv_user {
	int64_t id;
	char name[HV_USER_NAME_MAX];
	char role[HV_ROLE_NAME_MAX];
	char password_hash[HV_PWHASH_MAX]; /* argon2id string (libsodium) */
	int64_t created_ms;
	bool disabled;
};

/* A live session: its user, and the hash of its CSRF token. */
struct hv_session {
	int64_t user_id;
	char user_name[HV_USER_NAME_MAX];
	char role[HV_ROLE_NAME_MAX];
	char csrf_hash[HV_HASH_HEX_MAX];
	int64_t expires_ms;
};

/* An API token's row (its hash stays in the store). */
struct hv_api_token {
	int64_t id;
	char name[HV_USER_NAME_MAX];
	char role[HV_ROLE_NAME_MAX];
	int64_t created_ms;
	int64_t revoked_ms; /* 0: live */
};

typedef int (*hv_user_fn)(void *ctx, const struct hv_user *u);

/* Adds a user (in a transaction). HV_EEXIST when the name is taken. */
int hv_store_user_add(struct hv_store *s, const char *name, const char *role,
		      const char *password_hash, int64_t now_ms, int64_t *id, struct hv_err *err);
/* Finds a user by name (disabled ones too). HV_ENOENT when absent. */
int hv_store_user_find(struct hv_store *s, const char *name, struct hv_user *out,
		       struct hv_err *err);
/* Every user, by name. */
int hv_store_user_each(struct hv_store *s, hv_user_fn fn, void *ctx, struct hv_err *err);
/* Disables a user and ends its sessions (in a transaction). HV_ENOENT when absent. */
int hv_store_user_disable(struct hv_store *s, const char *name, struct hv_err *err);

/* Records a session by the hex SHA-256 of its token and of its CSRF token (in a transaction). */
int hv_store_session_add(struct hv_store *s, const char *token_hash, int64_t user_id,
			 const char *csrf_hash, int64_t now_ms, int64_t expires_ms,
			 struct hv_err *err);
/* The session whose token hashes to token_hash, if not expired at now_ms and its user is not
 * disabled; HV_ENOENT otherwise. */
int hv_store_session_get(struct hv_store *s, const char *token_hash, int64_t now_ms,
			 struct hv_session *out, struct hv_err *err);
/* Ends a session (in a transaction); absent is not an error. */
int hv_store_session_delete(struct hv_store *s, const char *token_hash, struct hv_err *err);
/* Deletes every session expired at now_ms (expires_ms <= now_ms; in a transaction); *n_deleted
 * says how many. */
int hv_store_session_purge(struct hv_store *s, int64_t now_ms, int64_t *n_deleted,
			   struct hv_err *err);

/* Records an API token by the hex SHA-256 of its secret (in a transaction). */
int hv_store_token_add(struct hv_store *s, const char *token_hash, const char *name,
		       const char *role, int64_t now_ms, int64_t *id, struct hv_err *err);
/* The live (not revoked) token whose secret hashes to token_hash; HV_ENOENT otherwise. */
int hv_store_token_get(struct hv_store *s, const char *token_hash, struct hv_api_token *out,
		       struct hv_err *err);
/* Revokes token id at now_ms (in a transaction). HV_ENOENT when absent or already revoked. */
int hv_store_token_revoke(struct hv_store *s, int64_t id, int64_t now_ms, struct hv_err *err);

typedef int (*hv_token_fn)(void *ctx, const struct hv_api_token *t);
/* Every API token, revoked ones too (revoked_ms set), newest first; never a secret or its hash.
 * fn returning non-zero stops the walk and is returned. */
int hv_store_token_each(struct hv_store *s, hv_token_fn fn, void *ctx, struct hv_err *err);

#endif
