/* SPDX-License-Identifier: Apache-2.0 */
/* /api/v1/ledger: the latest signed checkpoint (public), entries and inclusion and consistency
 * proofs (auditor, law, admin). */
#include <stdio.h>

#include "api/api_internal.h"
#include "core/str.h"
#include "ledger/ledger.h"

#include "core/banned.h"

#define LEDGER_ROLES                                                                               \
	(HV_ROLE_BIT(HV_ROLE_AUDITOR) | HV_ROLE_BIT(HV_ROLE_LAW) | HV_ROLE_BIT(HV_ROLE_ADMIN))

/* The checkpoint as transparency logs serve it: the signed note itself, text/plain. */
static void ledger_checkpoint(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_store *s;
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = hv_req_store(req, &s, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_buf_reset(&resp->body);
	if ((rc = hv_ledger_checkpoint_latest(s, &resp->body, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	hv_resp_header(resp, "Cache-Control", "no-cache");
}

static void ledger_entry(struct hv_req *req, struct hv_resp *resp)
{
	const char *sseq = req->captures[0].value;
	struct hv_ledger_entry e = {0};
	struct hv_store *s;
	struct hv_err err;
	int64_t seq;
	int rc;

	hv_err_clear(&err);
	if (!hv_str_to_i64(hv_str_cstr(sseq), &seq) || seq < 0) {
		rc = hv_err_set(&err, HV_EINVAL, "seq: \"%.64s\" is not an entry number", sseq);
		hv_api_fail(resp, rc, &err);
		return;
	}
	if ((rc = hv_req_store(req, &s, &err)) || (rc = hv_ledger_get(s, seq, &e, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_ledger_entry_json(hv_resp_json(resp, 200), &e);
	hv_ledger_entry_release(&e);
}

static bool need_param(struct hv_req *req, struct hv_resp *resp, const char *name)
{
	char detail[96];

	if (hv_query_get(&req->query, name))
		return true;
	snprintf(detail, sizeof(detail), "%s: required", name);
	hv_resp_problem(resp, HV_EINVAL, detail);
	return false;
}

static void ledger_inclusion(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_ledger_proof p;
	struct hv_ledger_entry e = {0};
	uint8_t root[HV_LEDGER_HASH_LEN];
	struct hv_store *s;
	struct hv_err err;
	int64_t seq = 0, size = 0;
	int rc;

	hv_err_clear(&err);
	if (!need_param(req, resp, "seq") ||
	    !hv_api_param_i64(req, resp, "seq", 0, INT64_MAX - 1, &seq) ||
	    !hv_api_param_i64(req, resp, "size", 1, INT64_MAX, &size))
		return;
	if ((rc = hv_req_store(req, &s, &err)) ||
	    (rc = hv_ledger_prove_inclusion(s, seq, size, &size, &p, &err)) ||
	    (rc = hv_ledger_root(s, size, root, &err)) || (rc = hv_ledger_get(s, seq, &e, &err))) {
		hv_ledger_entry_release(&e);
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_ledger_inclusion_json(hv_resp_json(resp, 200), seq, size, e.leaf_hash, root, &p);
	hv_ledger_entry_release(&e);
}

static void ledger_consistency(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_ledger_proof p;
	uint8_t r1[HV_LEDGER_HASH_LEN], r2[HV_LEDGER_HASH_LEN];
	struct hv_store *s;
	struct hv_err err;
	int64_t first = 0, second = 0;
	int rc;

	hv_err_clear(&err);
	if (!need_param(req, resp, "first") || !need_param(req, resp, "second") ||
	    !hv_api_param_i64(req, resp, "first", 1, INT64_MAX, &first) ||
	    !hv_api_param_i64(req, resp, "second", 1, INT64_MAX, &second))
		return;
	if ((rc = hv_req_store(req, &s, &err)) ||
	    (rc = hv_ledger_prove_consistency(s, first, second, &p, &err)) ||
	    (rc = hv_ledger_root(s, first, r1, &err)) ||
	    (rc = hv_ledger_root(s, second, r2, &err))) {
		hv_api_fail(resp, rc, &err);
		return;
	}
	hv_ledger_consistency_json(hv_resp_json(resp, 200), first, second, r1, r2, &p);
}

int hv_api_ledger_start(struct hv_api *api, const char *db_path, const char *key_path,
			struct hv_err *err)
{
	struct hv_ledger_signer key;
	const struct hv_ledger_signer *keys[1] = {&key};
	struct hv_ledger_committer_config cfg = {
		.store_uri = db_path, .signers = keys, .n_signers = 0, .checkpoint_ms = 1000};
	int rc;

	if (api->committer)
		return hv_err_set(err, HV_ECONFLICT, "the ledger committer is already running");
	if (key_path) {
		if ((rc = hv_ledger_key_load(key_path, &key, err)))
			return rc;
		cfg.n_signers = 1;
	}
	rc = hv_ledger_committer_start(&cfg, &api->committer, err);
	hv_ledger_signer_wipe(&key);
	return rc;
}

struct hv_ledger_committer *hv_api_committer(struct hv_api *api)
{
	return api->committer;
}

static const char *const inclusion_params[] = {"seq", "size", NULL};
static const char *const consistency_params[] = {"first", "second", NULL};

int hv_api_ledger_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/api/v1/ledger/checkpoint",
		 .roles = HV_ROLES_ANY,
		 .handler = ledger_checkpoint,
		 .ctx = api},
		{.method = HV_GET,
		 .pattern = "/api/v1/ledger/entries/{seq}",
		 .roles = LEDGER_ROLES,
		 .handler = ledger_entry,
		 .ctx = api},
		{.method = HV_GET,
		 .pattern = "/api/v1/ledger/proof/inclusion",
		 .roles = LEDGER_ROLES,
		 .params = inclusion_params,
		 .handler = ledger_inclusion,
		 .ctx = api},
		{.method = HV_GET,
		 .pattern = "/api/v1/ledger/proof/consistency",
		 .roles = LEDGER_ROLES,
		 .params = consistency_params,
		 .handler = ledger_consistency,
		 .ctx = api},
	};
	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
