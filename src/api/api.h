/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON API under /api/v1: one file per resource, each registering its routes. The API's
 * state is the live lookup snapshot, kept fresh by a background thread so that an import by
 * another process shows up without a restart. */
#ifndef HV_API_API_H
#define HV_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "http/http.h"

#define HV_API_LOOKUP_MAX_POINTS   10000
#define HV_API_LOOKUP_MAX_RADIUS_M 1000.0

struct hv_api;

/* Builds the lookup snapshot from the store at db_path and starts the refresh thread, which
 * checks the store's data version every refresh_ms (0: 2000). Caller owns *out. */
int hv_api_new(const char *db_path, unsigned refresh_ms, struct hv_api **out, struct hv_err *err);
/* Stops the refresh thread, frees the snapshot and closes the API's own store (NULL-safe). */
void hv_api_free(struct hv_api *api);
/* Starts the ledger's group committer on its own connection to db_path (see
 * src/ledger/ledger.h), signing checkpoints at most 1 s apart with the key in key_path (NULL:
 * no checkpoints). Handlers that append reach it through hv_api_committer (api_internal.h);
 * hv_api_free stops it after the last batch. */
int hv_api_ledger_start(struct hv_api *api, const char *db_path, const char *key_path,
			struct hv_err *err);
/* Adds every API route (and /healthz) to r; api must outlive r's use. */
int hv_api_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);

/* The cap on concurrent argon2id verifications at login (default: one per core; over it a login
 * waits up to 2 s, then answers 503 with Retry-After). cap 0 leaves it; *peak (may be NULL)
 * receives the most ever running at once. After hv_api_register. For tests and tuning. */
void hv_api_auth_hash_cap(struct hv_api *api, unsigned cap, unsigned *peak);

/* Deletes the sessions expired by now_ms from s, in a transaction of its own (the refresh thread
 * does it every minute on the API's connection, and every login does it too); *n_deleted says
 * how many. s is the caller's: a connection is used by one thread at a time. */
int hv_api_purge_sessions(struct hv_store *s, int64_t now_ms, int64_t *n_deleted,
			  struct hv_err *err);

/* The body of POST /api/v1/lookup: {"points": [[lon, lat], ...], "radius": M}. radius is
 * optional (HV_LOOKUP_RADIUS_M). lon, lat are arena arrays of n. */
struct hv_api_points {
	double *lon, *lat;
	size_t n;
	double radius_m;
};

/* Parses and checks such a body: malformed JSON (with line and column), a missing or unknown
 * member, a point that is not two numbers in range, more than HV_API_LOOKUP_MAX_POINTS points
 * (HV_ELIMIT): err names the member and point index. */
int hv_api_parse_points(struct hv_arena *a, const char *body, size_t len, struct hv_api_points *out,
			struct hv_err *err);

/* The body of POST /api/v1/login: {"name": "...", "password": "..."}, both arena strings. */
struct hv_api_login {
	const char *name;     /* 1 to HV_USER_NAME_MAX - 1 bytes, no NUL */
	const char *password; /* at most HV_API_PASSWORD_MAX bytes, no NUL */
};

#define HV_API_PASSWORD_MAX 1024

/* Parses and checks a login body: malformed JSON (line and column), a missing, unknown or
 * ill-typed member, a name or password out of bounds: HV_EINVAL with err naming the member.
 * err never quotes the password. */
int hv_api_parse_login(struct hv_arena *a, const char *body, size_t len, struct hv_api_login *out,
		       struct hv_err *err);

/* The body of POST /api/v1/cases ({"title", "incidents": [id, ...]}, is_new) or of
 * POST /api/v1/cases/{id}/events ({"state", "referred_to", "outcome", "note", "incidents"}).
 * Strings and the id array are arena copies. HV_EINVAL naming the member. */
#define HV_API_CASE_MAX_INCIDENTS 256
struct hv_api_case_in {
	const char *title, *state, *referred_to, *outcome, *note;
	int64_t *incidents;
	size_t n_incidents;
};
int hv_api_parse_case(struct hv_arena *a, const char *body, size_t len, bool is_new,
		      struct hv_api_case_in *out, struct hv_err *err);

#endif
