/* SPDX-License-Identifier: Apache-2.0 */
/* The ledger's rows in the store (schema 3): leaves, interior nodes, checkpoints. Only
 * src/ledger calls these; everyone else goes through src/ledger/ledger.h. SQLite only for now:
 * another back end returns HV_ESTORE "the ledger needs the SQLite store". */
#ifndef HV_STORE_LEDGER_STORE_H
#define HV_STORE_LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define HV_STORE_HASH_LEN 32

/* One leaf row as stored. Pointers are borrowed from the store and valid only during the
 * callback (each) or until release (get). */
struct hv_store_ledger_row {
	int64_t seq;
	const char *kind;
	const char *ref; /* NULL when the entry names no record */
	int64_t recorded_ms;
	const unsigned char *entry;
	size_t entry_len;
	const unsigned char *leaf_hash;
	size_t leaf_hash_len; /* 32 unless tampered with */
};

struct hv_store_ledger_checkpoint {
	int64_t id;
	int64_t size;
	const unsigned char *root;
	size_t root_len;
	int64_t created_ms;
	const char *note;
};

typedef int (*hv_store_ledger_row_fn)(void *ctx, const struct hv_store_ledger_row *r);
typedef int (*hv_store_ledger_node_fn)(void *ctx, int level, int64_t idx, const unsigned char *hash,
				       size_t len);
typedef int (*hv_store_ledger_checkpoint_fn)(void *ctx, const struct hv_store_ledger_checkpoint *c);

/* Number of leaves (max(seq) + 1; 0 when empty). */
int hv_store_ledger_size(struct hv_store *s, int64_t *n, struct hv_err *err);
/* Inserts one leaf inside the caller's transaction (HV_ESTORE outside one, or when seq is not the
 * next index). Borrows everything. */
int hv_store_ledger_insert(struct hv_store *s, int64_t seq, const char *kind, const char *ref,
			   int64_t recorded_ms, const void *entry, size_t entry_len,
			   const uint8_t leaf_hash[HV_STORE_HASH_LEN], struct hv_err *err);
/* Calls fn with leaf seq (HV_ENOENT when absent); fn's return value is returned. */
int hv_store_ledger_get(struct hv_store *s, int64_t seq, hv_store_ledger_row_fn fn, void *ctx,
			struct hv_err *err);
/* Every leaf with from <= seq < to (to < 0: to the end), by seq. A non-zero return from fn
 * stops and is returned. */
int hv_store_ledger_each(struct hv_store *s, int64_t from, int64_t to, hv_store_ledger_row_fn fn,
			 void *ctx, struct hv_err *err);

/* Stores the hash of a complete interior subtree (level >= 1) inside a transaction. */
int hv_store_ledger_node_put(struct hv_store *s, int level, int64_t idx,
			     const uint8_t hash[HV_STORE_HASH_LEN], struct hv_err *err);
/* Reads the hash of node (level, idx); level 0 reads the leaf hash of seq idx. HV_ENOENT when
 * absent, HV_ESTORE when the stored value is not 32 bytes. */
int hv_store_ledger_node_get(struct hv_store *s, int level, int64_t idx,
			     uint8_t hash[HV_STORE_HASH_LEN], struct hv_err *err);
/* Every interior node, by level then idx. */
int hv_store_ledger_node_each(struct hv_store *s, hv_store_ledger_node_fn fn, void *ctx,
			      struct hv_err *err);

/* Appends a checkpoint (inside a transaction). */
int hv_store_ledger_checkpoint_add(struct hv_store *s, int64_t size, const uint8_t root[32],
				   int64_t created_ms, const char *note, int64_t *id,
				   struct hv_err *err);
/* The latest checkpoint (greatest id); HV_ENOENT when there is none. */
int hv_store_ledger_checkpoint_latest(struct hv_store *s, hv_store_ledger_checkpoint_fn fn,
				      void *ctx, struct hv_err *err);
/* Every checkpoint by size then id. */
int hv_store_ledger_checkpoint_each(struct hv_store *s, hv_store_ledger_checkpoint_fn fn, void *ctx,
				    struct hv_err *err);

/* A read transaction (BEGIN DEFERRED ... COMMIT) so a long read sees one snapshot; refuses to
 * start inside another transaction (HV_ESTORE). */
int hv_store_ledger_read_begin(struct hv_store *s, struct hv_err *err);
void hv_store_ledger_read_end(struct hv_store *s);

/* Savepoints inside the caller's transaction, so one piece of work in a batch can be undone
 * alone: begin, then release (keep) or rollback (undo). */
int hv_store_ledger_savepoint(struct hv_store *s, struct hv_err *err);
int hv_store_ledger_savepoint_release(struct hv_store *s, struct hv_err *err);
void hv_store_ledger_savepoint_rollback(struct hv_store *s);

#endif
