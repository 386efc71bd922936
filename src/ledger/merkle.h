/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9162 Merkle tree hashing, entry bytes, compact ranges and proof verification: everything
 * that needs no store (core and crypto only), so an offline verifier can link it alone. */
#ifndef HV_LEDGER_MERKLE_H
#define HV_LEDGER_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define HV_LEDGER_HASH_LEN   32
#define HV_LEDGER_KIND_MAX   32		 /* bytes of a kind: [a-z0-9_], 1 to 32 */
#define HV_LEDGER_REF_MAX    256	 /* bytes of a ref: printable, no control characters */
#define HV_LEDGER_BODY_MAX   (16u << 20) /* bytes of a body */
#define HV_LEDGER_MAX_LEVELS 64
#define HV_LEDGER_PROOF_MAX  128 /* hashes in any proof (2 * 64 is the bound) */

/* leaf = SHA-256(0x00 || entry) */
void hv_ledger_leaf_hash(const void *entry, size_t len, uint8_t out[HV_LEDGER_HASH_LEN]);
/* node = SHA-256(0x01 || left || right) */
void hv_ledger_node_hash(const uint8_t left[HV_LEDGER_HASH_LEN],
			 const uint8_t right[HV_LEDGER_HASH_LEN], uint8_t out[HV_LEDGER_HASH_LEN]);
/* MTH of the empty tree: SHA-256 of nothing. */
void hv_ledger_empty_root(uint8_t out[HV_LEDGER_HASH_LEN]);

/* ---- entry bytes ----
 * An entry is composed deterministically from its fields, as text with a length-prefixed body:
 *   "haven-ledger-entry/1\n" "seq N\n" "kind K\n" "ref R\n" "recorded_ms T\n" "body L\n" BODY
 * N, T, L decimal without leading zeros; R is empty when the entry names no record. */
struct hv_ledger_fields {
	int64_t seq;
	const char *kind;
	const char *ref; /* NULL: none */
	int64_t recorded_ms;
	const char *body;
	size_t body_len;
};

/* Checks kind, ref and body against the limits above; HV_EINVAL / HV_ELIMIT naming the field. */
int hv_ledger_fields_check(const char *kind, const char *ref, size_t body_len, struct hv_err *err);
/* Appends the entry bytes of f to out (fields must pass hv_ledger_fields_check). */
void hv_ledger_entry_compose(const struct hv_ledger_fields *f, struct hv_buf *out);
/* Parses entry bytes back into fields. The strings of kind and ref are copied into kind_buf and
 * ref_buf (NUL-terminated); body points into entry. HV_EFORMAT naming what is wrong. Only the
 * exact form compose writes is accepted. */
int hv_ledger_entry_parse(const void *entry, size_t len, struct hv_ledger_fields *f,
			  char kind_buf[HV_LEDGER_KIND_MAX + 1],
			  char ref_buf[HV_LEDGER_REF_MAX + 1], struct hv_err *err);

/* ---- compact range: the roots of the perfect subtrees covering leaves [0, size) ---- */
struct hv_ledger_range {
	int64_t size;
	int n;							/* popcount(size) */
	uint8_t hash[HV_LEDGER_MAX_LEVELS][HV_LEDGER_HASH_LEN]; /* largest (leftmost) first */
};

void hv_ledger_range_init(struct hv_ledger_range *r);
/* Appends a leaf hash. When it completes subtrees, calls done(ctx, level, idx, hash) for each
 * new interior node, lowest level first (done may be NULL); a non-zero return stops and is
 * returned (the range is then in an unspecified state). */
int hv_ledger_range_push(struct hv_ledger_range *r, const uint8_t leaf[HV_LEDGER_HASH_LEN],
			 int (*done)(void *ctx, int level, int64_t idx, const uint8_t *hash),
			 void *ctx);
/* MTH of the leaves pushed so far (the empty root when none). */
void hv_ledger_range_root(const struct hv_ledger_range *r, uint8_t out[HV_LEDGER_HASH_LEN]);

/* ---- proofs (RFC 9162 2.1.3, 2.1.4) ----
 * Generation reads subtree hashes through a callback, so the store (stored nodes) and tests (an
 * in-memory tree) share one algorithm. get(ctx, level, idx, out): the root of the perfect
 * subtree of 2^level leaves starting at leaf idx << level. */
typedef int (*hv_ledger_node_get_fn)(void *ctx, int level, int64_t idx,
				     uint8_t out[HV_LEDGER_HASH_LEN], struct hv_err *err);

struct hv_ledger_proof {
	int n;
	uint8_t hash[HV_LEDGER_PROOF_MAX][HV_LEDGER_HASH_LEN];
};

/* MTH of leaves [0, size). */
int hv_ledger_tree_root(hv_ledger_node_get_fn get, void *ctx, int64_t size,
			uint8_t out[HV_LEDGER_HASH_LEN], struct hv_err *err);
/* PATH(index, D[0:size]); HV_EINVAL unless 0 <= index < size. */
int hv_ledger_inclusion_proof(hv_ledger_node_get_fn get, void *ctx, int64_t index, int64_t size,
			      struct hv_ledger_proof *out, struct hv_err *err);
/* PROOF(first, D[0:second]); HV_EINVAL unless 0 <= first <= second. Empty when first is 0 or
 * equals second. */
int hv_ledger_consistency_proof(hv_ledger_node_get_fn get, void *ctx, int64_t first, int64_t second,
				struct hv_ledger_proof *out, struct hv_err *err);

/* RFC 9162 2.1.3.2: HV_OK when leaf (at index in a tree of size) with proof gives root;
 * HV_EINVAL naming the failure otherwise. */
int hv_ledger_inclusion_verify(int64_t index, int64_t size, const uint8_t leaf[HV_LEDGER_HASH_LEN],
			       const struct hv_ledger_proof *p,
			       const uint8_t root[HV_LEDGER_HASH_LEN], struct hv_err *err);
/* RFC 9162 2.1.4.2: HV_OK when proof shows the tree of size first (first_root) is a prefix of
 * the tree of size second (second_root). */
int hv_ledger_consistency_verify(int64_t first, int64_t second,
				 const uint8_t first_root[HV_LEDGER_HASH_LEN],
				 const uint8_t second_root[HV_LEDGER_HASH_LEN],
				 const struct hv_ledger_proof *p, struct hv_err *err);

/* Decodes n base64 hashes (a proof as the JSON API writes it) into out. HV_EFORMAT naming the
 * first bad one, HV_ELIMIT past HV_LEDGER_PROOF_MAX. */
int hv_ledger_proof_parse(const char *const *items, int n, struct hv_ledger_proof *out,
			  struct hv_err *err);

/* A proof as the API and CLI write it (JSON, base64 hashes), read back. */
struct hv_ledger_inclusion {
	int64_t seq, size;
	uint8_t leaf[HV_LEDGER_HASH_LEN];
	uint8_t root[HV_LEDGER_HASH_LEN];
	struct hv_ledger_proof proof;
};

struct hv_ledger_consistency {
	int64_t first, second;
	uint8_t first_root[HV_LEDGER_HASH_LEN];
	uint8_t second_root[HV_LEDGER_HASH_LEN];
	struct hv_ledger_proof proof;
};

/* Parses {"seq","size","leaf_hash","root","proof":[...]} (other members ignored; duplicates
 * refused). HV_EFORMAT / HV_ELIMIT naming the member. Verify with hv_ledger_inclusion_verify. */
int hv_ledger_inclusion_parse(const char *text, size_t len, struct hv_ledger_inclusion *out,
			      struct hv_err *err);
/* Parses {"first","second","first_root","second_root","proof":[...]}. */
int hv_ledger_consistency_parse(const char *text, size_t len, struct hv_ledger_consistency *out,
				struct hv_err *err);

#endif
