/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the API's resource files: the API state and small request helpers. */
#ifndef HV_API_API_INTERNAL_H
#define HV_API_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "crypto/password.h"
#include "api/api_ogc.h"
#include "registry/lookup.h"
#include "store/store.h"

struct hv_api {
	struct hv_lookup_live *live;
	struct hv_store *store; /* the refresh thread's own connection */
	pthread_t refresher;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, started;
	bool kick; /* refresh now (this server changed the data), not at the next period */
	unsigned refresh_ms;
	struct hv_api_auth *auth; /* login limits (api_auth.c); NULL until registered */
	char *db_path;		    /* the store's path (evidence sits beside it) */
	struct hv_api_cases *cases; /* api_cases.c's state; NULL until registered */
	struct hv_ledger_committer *committer; /* NULL until hv_api_ledger_start */
	struct hv_ogc_live *ogc;  /* the OGC items snapshot (api_ogc_snap.c) */
	bool ogc_use_store;	  /* tests: answer OGC requests from the store instead */
};

/* The server's ledger committer, or NULL when it was not started: a handler that appends
 * records submits its work there (one durable transaction per batch). */
struct hv_ledger_committer *hv_api_committer(struct hv_api *api);

/* Wakes the refresh thread so the snapshots pick up a change this server just made. */
void hv_api_refresh_soon(struct hv_api *api);

int hv_api_lookup_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
int hv_api_properties_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
int hv_api_scopes_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* Adds login, logout, me and users, and installs the router's authenticator. */
int hv_api_auth_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
void hv_api_auth_free(struct hv_api_auth *a);
/* Signs: /api/v1/signs..., /api/v1/properties/{id}/measures, /s/{serial} (api_signs.c). */
int hv_api_signs_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* The signs pages: /opt-in and /facilities/signs (src/web/signs_pages.c). */
int hv_web_signs_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* Incidents, evidence uploads (streamed), notices, cases, the checklist (api_cases.c). */
int hv_api_cases_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
void hv_api_cases_free(struct hv_api_cases *c);
int hv_api_ogc_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* The ledger's checkpoint (public), entries and proofs (auditor, law, admin). */
int hv_api_ledger_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* GET /api/v1/sign-templates[/{name}], PUT /api/v1/sign-templates/{name} (api_sign_templates.c). */
int hv_api_sign_templates_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);

/* Writes ISO or extended WKB (2D, Z, M or ZM; either byte order; Z and M dropped) as a GeoJSON
 * geometry object with 7-decimal coordinates; no WKB writes null. Malformed WKB (truncated, bad
 * counts or types, non-finite coordinates, trailing bytes) writes null and returns HV_EINVAL. */
int hv_api_geojson_geometry(struct hv_json *w, const unsigned char *wkb, size_t len);

/* A route flag (beside HV_ROUTE_*): the route signs in, so it needs no CSRF token (it replaces
 * the session rather than acting with it). */
#define HV_API_ROUTE_LOGIN 0x100u

/* The CSRF token of the session whose cookie is session_token (a hash of it). */
void hv_api_csrf_of(const char *session_token, char out[HV_TOKEN_HEX_LEN]);
/* Signs name in with password (login limits, dummy hash for unknown names) and starts a fresh
 * session, ending the one req came with. On success fills *u, *cookie (the Set-Cookie value, in
 * req's arena) and csrf, and returns true; otherwise answers resp (401, 429 with Retry-After,
 * 5xx) and returns false. req->ctx must be the struct hv_api. */
bool hv_api_login_start(struct hv_req *req, struct hv_resp *resp, const char *name,
			const char *password, struct hv_user *u, const char **cookie,
			char csrf[HV_TOKEN_HEX_LEN]);
/* Ends req's session (when signed in by cookie). Returns the Set-Cookie value that clears the
 * cookie (static), or NULL with err set when the store fails. */
const char *hv_api_session_end(struct hv_req *req, struct hv_err *err);

/* ---- imports (api_imports.c), shared with the upload page ---- */

#define HV_API_IMPORT_MAX_BODY ((size_t)256 << 20) /* an uploaded file: 256 MiB at most */

struct hv_import_report;

/* An upload and the import's parameters, as `haven import` takes them (NULL: not given). */
struct hv_api_import_in {
	const char *filename; /* required: its extension tells the format (.zip: a Shapefile) */
	const char *source, *srs, *address_template, *effective, *kind, *layer;
	const char *dry_run, *skip_bad; /* "true"/"1"/"on" or "false"/"0"/"off" */
	const char *data;		/* the file's bytes */
	size_t len;
};

/* Checks the parameters, writes the file into a private temporary directory, runs the importer
 * on it with req's store and removes the copy. Fills *rep (caller releases) on success. Errors
 * name the parameter, or the file, row and field; a bad file is HV_EINVAL, a store failure
 * HV_ESTORE; either way nothing is stored. A stored import wakes api's refresh thread, so the
 * lookup and the map see it at once rather than at the next period. */
int hv_api_import_run(struct hv_api *api, struct hv_req *req, const struct hv_api_import_in *in,
		      struct hv_import_report *rep, struct hv_err *err);
int hv_api_imports_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* GET /api: the OpenAPI 3.0 document of every /api/v1 route in r, built from the table. */
int hv_api_openapi_register(struct hv_router *r, struct hv_err *err);

/* Answers resp with the problem for a failed call (rc, err). */
void hv_api_fail(struct hv_resp *resp, int rc, const struct hv_err *err);
/* Parses query parameter name as a number in [lo, hi]; absent: *out unchanged and true. On a
 * bad value answers a 400 naming it and returns false. */
bool hv_api_param_double(struct hv_req *req, struct hv_resp *resp, const char *name, double lo,
			 double hi, double *out);
bool hv_api_param_i64(struct hv_req *req, struct hv_resp *resp, const char *name, int64_t lo,
		      int64_t hi, int64_t *out);
/* Appends s percent-encoded for a query string (unreserved characters stay). */
void hv_api_url_encode(struct hv_buf *b, const char *s);

#endif
