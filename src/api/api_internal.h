/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the API's resource files: the API state and small request helpers. */
#ifndef HV_API_API_INTERNAL_H
#define HV_API_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "registry/lookup.h"

struct hv_api {
	struct hv_lookup_live *live;
	struct hv_store *store; /* the refresh thread's own connection */
	pthread_t refresher;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, started;
	unsigned refresh_ms;
	struct hv_api_auth *auth; /* login limits (api_auth.c); NULL until registered */
	char *db_path;		    /* the store's path (evidence sits beside it) */
	struct hv_api_cases *cases; /* api_cases.c's state; NULL until registered */
	struct hv_ledger_committer *committer; /* NULL until hv_api_ledger_start */
};

/* The server's ledger committer, or NULL when it was not started: a handler that appends
 * records submits its work there (one durable transaction per batch). */
struct hv_ledger_committer *hv_api_committer(struct hv_api *api);

int hv_api_lookup_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
int hv_api_properties_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
int hv_api_scopes_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* Adds login, logout, me and users, and installs the router's authenticator. */
int hv_api_auth_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
void hv_api_auth_free(struct hv_api_auth *a);
/* Incidents, evidence uploads (streamed), notices, cases, the checklist (api_cases.c). */
int hv_api_cases_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
void hv_api_cases_free(struct hv_api_cases *c);
int hv_api_ogc_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);
/* The ledger's checkpoint (public), entries and proofs (auditor, law, admin). */
int hv_api_ledger_register(struct hv_api *api, struct hv_router *r, struct hv_err *err);

/* Writes ISO or extended WKB (2D, Z, M or ZM; either byte order; Z and M dropped) as a GeoJSON
 * geometry object with 7-decimal coordinates; no WKB writes null. Malformed WKB (truncated, bad
 * counts or types, non-finite coordinates, trailing bytes) writes null and returns HV_EINVAL. */
int hv_api_geojson_geometry(struct hv_json *w, const unsigned char *wkb, size_t len);

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
