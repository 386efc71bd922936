/* SPDX-License-Identifier: Apache-2.0 */
/* Reading proofs back from the JSON the API and the CLI write (untrusted: from a packet or a
 * server), for verifiers that link no store. */
#include <string.h>

#include <jansson.h>

#include "crypto/sign.h"
#include "ledger/merkle.h"

#include "core/banned.h"

static int get_size(json_t *o, const char *key, int64_t lo, int64_t *out, struct hv_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return hv_err_set(err, HV_EFORMAT, "proof: \"%s\" is missing or not an integer",
				  key);
	*out = (int64_t)json_integer_value(v);
	if (*out < lo)
		return hv_err_set(err, HV_EFORMAT, "proof: \"%s\" is below %lld", key,
				  (long long)lo);
	return HV_OK;
}

static int get_hash(json_t *o, const char *key, uint8_t out[HV_LEDGER_HASH_LEN], struct hv_err *err)
{
	json_t *v = json_object_get(o, key);
	size_t n = 0;

	if (!json_is_string(v) ||
	    hv_base64_decode(json_string_value(v), json_string_length(v), out, HV_LEDGER_HASH_LEN,
			     &n, NULL) ||
	    n != HV_LEDGER_HASH_LEN)
		return hv_err_set(err, HV_EFORMAT, "proof: \"%s\" is not base64 of 32 bytes", key);
	return HV_OK;
}

static int get_path(json_t *o, struct hv_ledger_proof *p, struct hv_err *err)
{
	json_t *a = json_object_get(o, "proof");
	size_t n = 0;

	p->n = 0;
	if (!json_is_array(a))
		return hv_err_set(err, HV_EFORMAT, "proof: \"proof\" is missing or not an array");
	if (json_array_size(a) > HV_LEDGER_PROOF_MAX)
		return hv_err_set(err, HV_ELIMIT, "proof: more than %d hashes",
				  HV_LEDGER_PROOF_MAX);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);

		if (!json_is_string(v) ||
		    hv_base64_decode(json_string_value(v), json_string_length(v), p->hash[i],
				     HV_LEDGER_HASH_LEN, &n, NULL) ||
		    n != HV_LEDGER_HASH_LEN)
			return hv_err_set(err, HV_EFORMAT,
					  "proof: hash %zu is not base64 of 32 bytes", i + 1);
	}
	p->n = (int)json_array_size(a);
	return HV_OK;
}

static json_t *load(const char *text, size_t len, struct hv_err *err)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

	if (!o) {
		hv_err_set(err, HV_EFORMAT, "proof: line %d, column %d: %s", je.line, je.column,
			   je.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		hv_err_set(err, HV_EFORMAT, "proof: not a JSON object");
		return NULL;
	}
	return o;
}

int hv_ledger_inclusion_parse(const char *text, size_t len, struct hv_ledger_inclusion *out,
			      struct hv_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(o = load(text, len, err)))
		return HV_EFORMAT;
	if (!(rc = get_size(o, "seq", 0, &out->seq, err)) &&
	    !(rc = get_size(o, "size", 1, &out->size, err)) &&
	    !(rc = get_hash(o, "leaf_hash", out->leaf, err)) &&
	    !(rc = get_hash(o, "root", out->root, err)))
		rc = get_path(o, &out->proof, err);
	if (rc == HV_OK && out->seq >= out->size)
		rc = hv_err_set(err, HV_EFORMAT, "proof: seq %lld is not below size %lld",
				(long long)out->seq, (long long)out->size);
	json_decref(o);
	return rc;
}

int hv_ledger_consistency_parse(const char *text, size_t len, struct hv_ledger_consistency *out,
				struct hv_err *err)
{
	json_t *o;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(o = load(text, len, err)))
		return HV_EFORMAT;
	if (!(rc = get_size(o, "first", 1, &out->first, err)) &&
	    !(rc = get_size(o, "second", 1, &out->second, err)) &&
	    !(rc = get_hash(o, "first_root", out->first_root, err)) &&
	    !(rc = get_hash(o, "second_root", out->second_root, err)))
		rc = get_path(o, &out->proof, err);
	if (rc == HV_OK && out->first > out->second)
		rc = hv_err_set(err, HV_EFORMAT, "proof: first %lld is past second %lld",
				(long long)out->first, (long long)out->second);
	json_decref(o);
	return rc;
}
