/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's JSON: one entry, inclusion and consistency proofs, shared by the CLI and the API. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"

#include "core/banned.h"

static void b64(struct hv_json *w, const void *p, size_t len)
{
	size_t cap = hv_base64_len(len);
	char *out = hv_xmalloc(cap);

	hv_base64_encode(p, len, out, cap);
	hv_json_str(w, out);
	free(out);
}

void hv_ledger_entry_json(struct hv_json *w, const struct hv_ledger_entry *e)
{
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(e->recorded_ms, when, sizeof(when));
	hv_json_obj_begin(w);
	hv_json_key(w, "seq");
	hv_json_int(w, e->seq);
	hv_json_key(w, "kind");
	hv_json_str(w, e->kind);
	hv_json_key(w, "ref");
	hv_json_str(w, e->ref);
	hv_json_key(w, "recorded");
	hv_json_str(w, when);
	hv_json_key(w, "recorded_ms");
	hv_json_int(w, e->recorded_ms);
	hv_json_key(w, "leaf_hash");
	b64(w, e->leaf_hash, HV_LEDGER_HASH_LEN);
	/* the exact bytes hashed, so anyone can recompute the leaf: SHA-256(0x00 || entry) */
	hv_json_key(w, "entry");
	b64(w, e->entry, e->entry_len);
	hv_json_obj_end(w);
}

static void proof_arr(struct hv_json *w, const struct hv_ledger_proof *p)
{
	hv_json_key(w, "proof");
	hv_json_arr_begin(w);
	for (int i = 0; i < p->n; i++)
		b64(w, p->hash[i], HV_LEDGER_HASH_LEN);
	hv_json_arr_end(w);
}

void hv_ledger_inclusion_json(struct hv_json *w, int64_t seq, int64_t size,
			      const uint8_t leaf[HV_LEDGER_HASH_LEN],
			      const uint8_t root[HV_LEDGER_HASH_LEN],
			      const struct hv_ledger_proof *p)
{
	hv_json_obj_begin(w);
	hv_json_key(w, "seq");
	hv_json_int(w, seq);
	hv_json_key(w, "size");
	hv_json_int(w, size);
	hv_json_key(w, "leaf_hash");
	b64(w, leaf, HV_LEDGER_HASH_LEN);
	hv_json_key(w, "root");
	b64(w, root, HV_LEDGER_HASH_LEN);
	proof_arr(w, p);
	hv_json_obj_end(w);
}

void hv_ledger_consistency_json(struct hv_json *w, int64_t first, int64_t second,
				const uint8_t first_root[HV_LEDGER_HASH_LEN],
				const uint8_t second_root[HV_LEDGER_HASH_LEN],
				const struct hv_ledger_proof *p)
{
	hv_json_obj_begin(w);
	hv_json_key(w, "first");
	hv_json_int(w, first);
	hv_json_key(w, "second");
	hv_json_int(w, second);
	hv_json_key(w, "first_root");
	b64(w, first_root, HV_LEDGER_HASH_LEN);
	hv_json_key(w, "second_root");
	b64(w, second_root, HV_LEDGER_HASH_LEN);
	proof_arr(w, p);
	hv_json_obj_end(w);
}
