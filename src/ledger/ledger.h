/* SPDX-License-Identifier: Apache-2.0 */
/* The evidence ledger: an append-only RFC 9162 Merkle log in the store. Modules append one entry
 * per record inside their own store transaction (so the record and its entry commit together),
 * register a check per kind that `haven verify` runs, and read entries, roots and proofs. */
#ifndef HV_LEDGER_LEDGER_H
#define HV_LEDGER_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "ledger/merkle.h"
#include "store/store.h"

/* Appends one entry inside the caller's open store transaction (HV_ESTORE outside one). kind:
 * "incident", "evidence", "sign_event", "scope", "read", ... ([a-z0-9_], 1-32 bytes); ref: the
 * record's key ("incident:12"), or NULL; body: the record's canonical JSON (len bytes, any bytes
 * up to 16 MiB; the ledger does not parse it); recorded_ms: when the record was made. The entry
 * bytes are composed from (seq, kind, ref, recorded_ms, body) (see merkle.h), the leaf hash is
 * SHA-256(0x00 || entry), and the interior nodes it completes are stored in the same
 * transaction. *seq_out (may be NULL) gets the entry's 0-based index. Errors: HV_EINVAL or
 * HV_ELIMIT naming the bad field; HV_ESTORE. On error the caller rolls back. */
int hv_ledger_append(struct hv_store *s, const char *kind, const char *ref, const char *body,
		     size_t len, int64_t recorded_ms, int64_t *seq_out, struct hv_err *err);

/* One entry as read back. Caller releases with hv_ledger_entry_release. */
struct hv_ledger_entry {
	int64_t seq;
	char *kind;
	char *ref; /* NULL when none */
	int64_t recorded_ms;
	unsigned char *entry; /* the exact bytes hashed */
	size_t entry_len;
	const char *body; /* points into entry (the body part); body_len bytes, not NUL-terminated */
	size_t body_len;
	uint8_t leaf_hash[HV_LEDGER_HASH_LEN]; /* as stored */
};

/* Reads entry seq. HV_ENOENT when absent; HV_EFORMAT when its stored bytes do not parse (a
 * tampered row). Caller releases *out. */
int hv_ledger_get(struct hv_store *s, int64_t seq, struct hv_ledger_entry *out,
		  struct hv_err *err);
void hv_ledger_entry_release(struct hv_ledger_entry *e);

/* Number of entries. */
int hv_ledger_size(struct hv_store *s, int64_t *n, struct hv_err *err);

/* MTH of the first size entries (0 <= size <= the ledger's size, else HV_EINVAL), from stored
 * nodes: O(log size) reads. */
int hv_ledger_root(struct hv_store *s, int64_t size, uint8_t out[HV_LEDGER_HASH_LEN],
		   struct hv_err *err);
/* Inclusion proof of entry seq in the tree of size entries (size 0: the current size, returned
 * in *size_out when not NULL). HV_EINVAL naming seq or size when out of range. */
int hv_ledger_prove_inclusion(struct hv_store *s, int64_t seq, int64_t size, int64_t *size_out,
			      struct hv_ledger_proof *out, struct hv_err *err);
/* Consistency proof from size first to size second (0 < first <= second <= the ledger's size). */
int hv_ledger_prove_consistency(struct hv_store *s, int64_t first, int64_t second,
				struct hv_ledger_proof *out, struct hv_err *err);

/* ---- kind checks for `haven verify` ----
 * A module registers one per kind it appends: check recomputes the canonical JSON of the record
 * named by ref from the module's own tables and compares it with body; a mismatch returns
 * HV_EINVAL with err naming the field or table ("scope_rules row 4: expr differs"). */
struct hv_ledger_kind {
	const char *kind;
	int (*check)(struct hv_store *s, int64_t seq, const char *ref, const char *body, size_t len,
		     struct hv_err *err);
};

/* Registers k (borrowed: static storage) for every later verify in this process. Registering the
 * same kind again with the same check is a no-op; with another check, HV_EEXIST. At most 64
 * kinds (HV_ELIMIT). Thread-safe; meant for start-up. */
int hv_ledger_kind_register(const struct hv_ledger_kind *k, struct hv_err *err);
/* The registered check of kind, or NULL. */
const struct hv_ledger_kind *hv_ledger_kind_find(const char *kind);

#endif
