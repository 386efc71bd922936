/* SPDX-License-Identifier: Apache-2.0 */
/* The evidence ledger: an append-only RFC 9162 Merkle log in the store. Modules append one entry
 * per record inside their own store transaction (so the record and its entry commit together),
 * register a check per kind that `haven verify` runs, and read entries, roots and proofs. */
#ifndef HV_LEDGER_LEDGER_H
#define HV_LEDGER_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "ledger/checkpoint.h"
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
	const char
		*body; /* points into entry (the body part); body_len bytes, not NUL-terminated */
	size_t body_len;
	uint8_t leaf_hash[HV_LEDGER_HASH_LEN]; /* as stored */
};

/* Reads entry seq. HV_ENOENT when absent; HV_EFORMAT when its stored bytes do not parse (a
 * tampered row). Caller releases *out. */
int hv_ledger_get(struct hv_store *s, int64_t seq, struct hv_ledger_entry *out, struct hv_err *err);
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

/* ---- checkpoints ---- */

/* Inside the caller's transaction: signs the current tree (origin: signers[0]'s key name) with
 * every signer and stores the note, which is appended to note_out (may be NULL); *size_out (may
 * be NULL) gets its size. When the latest checkpoint already has this size and a signature of
 * every signer, it is reused, not stored again. */
int hv_ledger_checkpoint(struct hv_store *s, const struct hv_ledger_signer *const *signers, int n,
			 int64_t now_ms, struct hv_buf *note_out, int64_t *size_out,
			 struct hv_err *err);
/* Appends the latest stored checkpoint note to out. HV_ENOENT when there is none. */
int hv_ledger_checkpoint_latest(struct hv_store *s, struct hv_buf *out, struct hv_err *err);

/* ---- verification ---- */

struct hv_ledger_verify_report {
	int64_t n_entries;
	int64_t n_nodes;
	int64_t n_checkpoints;
	int64_t n_kind_checked;	  /* entries whose kind check ran and passed */
	int64_t n_kind_unchecked; /* entries of a kind with no registered check */
	int64_t bad_seq;	  /* the first entry that failed, or -1 */
};

/* Recomputes everything from the stored entries: every entry's bytes parse and agree with its
 * row (seq, kind, ref, recorded_ms), every leaf hash, every stored interior node, the root at
 * every checkpoint's size against the checkpoint, every checkpoint's signature by one of keys
 * (n_keys may be 0: signatures are then not checked, which the report says), and each entry's
 * kind check (when run_kind_checks). Stops at the first failure: HV_EINVAL with err naming it,
 * e.g. "entry 41 (incident:12): leaf hash mismatch"; rep->bad_seq is set when an entry is to
 * blame. Reads in one read transaction, so appends by others do not disturb it. */
int hv_ledger_verify(struct hv_store *s, const struct hv_ledger_verifier *keys, int n_keys,
		     bool run_kind_checks, struct hv_ledger_verify_report *rep, struct hv_err *err);

/* ---- group commit ----
 * A committer owns one store connection and a thread. Writers on any thread submit work: a
 * function that does the caller's inserts and its hv_ledger_append calls. The committer runs
 * everything queued in one store transaction per batch (each piece of work in a savepoint, so a
 * failing one is undone alone), commits (one fsync per batch; synchronous=FULL stays), and only
 * then wakes each writer with its result. With signers it signs a checkpoint in the batch's
 * transaction whenever the last one is checkpoint_ms old, and on a timer when new entries wait,
 * so under load checkpoints are at most checkpoint_ms apart. */
struct hv_ledger_committer;

/* Runs on the committer's thread inside the batch transaction; s is the committer's connection
 * (valid only during the call). Returns HV_OK or a negative status with err set. */
typedef int (*hv_ledger_work_fn)(struct hv_store *s, void *ctx, struct hv_err *err);

struct hv_ledger_committer_config {
	const char *store_uri;
	const struct hv_ledger_signer *const *signers; /* copied; n_signers 0: no checkpoints */
	int n_signers;
	int max_batch;	       /* pieces of work per transaction; 0: 4096 */
	int64_t checkpoint_ms; /* 0: a checkpoint in every batch; default callers use 1000 */
	int64_t gather_us;     /* how long a batch may wait for writers about to resubmit; 0:
				* 1000, negative: never wait */
};

struct hv_ledger_committer_stats {
	int64_t n_batches;
	int64_t n_work;
	int64_t n_failed;
	int64_t n_checkpoints;
};

/* Opens the store and starts the thread. Caller owns *out (hv_ledger_committer_stop). */
int hv_ledger_committer_start(const struct hv_ledger_committer_config *cfg,
			      struct hv_ledger_committer **out, struct hv_err *err);
/* Queues fn(ctx) and waits until its batch is durable (or failed). Returns fn's status; when fn
 * succeeded but the commit failed, HV_ESTORE. Thread-safe. HV_ECONFLICT after stop began. */
int hv_ledger_committer_submit(struct hv_ledger_committer *c, hv_ledger_work_fn fn, void *ctx,
			       struct hv_err *err);
void hv_ledger_committer_stats(struct hv_ledger_committer *c,
			       struct hv_ledger_committer_stats *out);
/* Runs what is queued, signs a last checkpoint when entries wait, stops the thread, closes the
 * store, frees c (NULL-safe). */
void hv_ledger_committer_stop(struct hv_ledger_committer *c);

/* ---- JSON (hashes in standard base64, as RFC 6962's API writes them) ---- */

/* {"seq","kind","ref","recorded","recorded_ms","leaf_hash","entry"}: entry is the base64 of the
 * exact bytes hashed. */
void hv_ledger_entry_json(struct hv_json *w, const struct hv_ledger_entry *e);
/* {"seq","size","leaf_hash","root","proof":[...]} */
void hv_ledger_inclusion_json(struct hv_json *w, int64_t seq, int64_t size,
			      const uint8_t leaf[HV_LEDGER_HASH_LEN],
			      const uint8_t root[HV_LEDGER_HASH_LEN],
			      const struct hv_ledger_proof *p);
/* {"first","second","first_root","second_root","proof":[...]} */
void hv_ledger_consistency_json(struct hv_json *w, int64_t first, int64_t second,
				const uint8_t first_root[HV_LEDGER_HASH_LEN],
				const uint8_t second_root[HV_LEDGER_HASH_LEN],
				const struct hv_ledger_proof *p);

/* ---- kind checks for `haven verify` ----
 * A module registers one per kind it appends: check recomputes the canonical JSON of the record
 * named by ref from the module's own tables and compares it with body; a mismatch returns
 * HV_EINVAL with err naming the field or table ("scope_rules row 4: expr differs"). It runs
 * inside verify's read transaction on the same connection: it may read anything, including
 * hv_ledger_get, but must not write or iterate the ledger (hv_store_ledger_each). */
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
