/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/ledger: RFC 6962/9162 reference vectors, entry bytes, appends in a real store,
 * stored nodes against a naive tree, proofs, kind checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/buf.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "store/store.h"

#include "store_fixture.h"

#include "core/banned.h"

/* ---- reference vectors ----
 * Source: transparency-dev/merkle, proof/verify_test.go (the RFC 6962 test inputs and the roots,
 * inclusion and consistency proofs computed from them, carried over from
 * certificate-transparency-go's merkletree tests). Leaf indices there are 1-based in the
 * inclusion table; here they are 0-based. */
static const struct {
	const char *hex;
} leaves_hex[8] = {
	{""}, {"00"}, {"10"}, {"2021"}, {"3031"}, {"40414243"}, {"5051525354555657"},
	{"606162636465666768696a6b6c6d6e6f"},
};

static const char *const roots_hex[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", /* empty tree */
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct vec_proof {
	int64_t a, b; /* inclusion: index, size; consistency: first, second */
	int n;
	const char *hex[4];
};

static const struct vec_proof inclusion_vectors[] = {
	{0, 8, 3,
	 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{5, 8, 3,
	 {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
	{1, 5, 3,
	 {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	{0, 1, 0, {NULL}},
};

static const struct vec_proof consistency_vectors[] = {
	{1, 1, 0, {NULL}},
	{1, 8, 3,
	 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{6, 8, 3,
	 {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 5, 2,
	 {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	{6, 7, 3,
	 {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void hex32(const uint8_t *h, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* A naive tree over leaf hashes: MTH straight from the RFC's definition, as the reference. */
struct naive {
	uint8_t (*leaf)[32];
	int64_t n;
};

static void mth(const struct naive *t, int64_t lo, int64_t n, uint8_t out[32])
{
	uint8_t l[32], r[32];
	int64_t k = 1;

	if (n == 1) {
		memcpy(out, t->leaf[lo], 32);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	mth(t, lo, k, l);
	mth(t, lo + k, n - k, r);
	hv_ledger_node_hash(l, r, out);
}

static int naive_get(void *ctx, int level, int64_t idx, uint8_t out[32], struct hv_err *err)
{
	const struct naive *t = ctx;
	int64_t w = (int64_t)1 << level;

	if ((idx + 1) * w > t->n)
		return hv_err_set(err, HV_ENOENT, "no node (%d, %lld)", level, (long long)idx);
	mth(t, idx * w, w, out);
	return HV_OK;
}

static struct naive vector_tree(uint8_t leaf[8][32])
{
	uint8_t data[16];

	for (int i = 0; i < 8; i++)
		hv_ledger_leaf_hash(data, unhex(leaves_hex[i].hex, data), leaf[i]);
	return (struct naive){.leaf = leaf, .n = 8};
}

static void test_ledger_vector_roots(void **state)
{
	uint8_t leaf[8][32], root[32], want[32];
	struct hv_ledger_range r;
	struct naive t = vector_tree(leaf);
	struct hv_err err;
	char hex[65];

	(void)state;
	hv_ledger_range_init(&r);
	for (int n = 0; n <= 8; n++) {
		unhex(roots_hex[n], want);
		hv_ledger_range_root(&r, root);
		hex32(root, hex);
		assert_string_equal(hex, roots_hex[n]);
		t.n = n;
		assert_int_equal(hv_ledger_tree_root(naive_get, &t, n, root, &err), HV_OK);
		assert_memory_equal(root, want, 32);
		if (n < 8)
			assert_int_equal(hv_ledger_range_push(&r, leaf[n], NULL, NULL), HV_OK);
	}
}

static void load_proof(const struct vec_proof *v, struct hv_ledger_proof *p)
{
	p->n = v->n;
	for (int i = 0; i < v->n; i++)
		unhex(v->hex[i], p->hash[i]);
}

static void test_ledger_vector_inclusion(void **state)
{
	uint8_t leaf[8][32], root[32];
	struct naive t = vector_tree(leaf);
	struct hv_ledger_proof want, got, bad;
	struct hv_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(inclusion_vectors) / sizeof(inclusion_vectors[0]); i++) {
		const struct vec_proof *v = &inclusion_vectors[i];

		load_proof(v, &want);
		t.n = v->b;
		assert_int_equal(hv_ledger_inclusion_proof(naive_get, &t, v->a, v->b, &got, &err),
				 HV_OK);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(got.hash, want.hash, (size_t)want.n * 32);
		unhex(roots_hex[v->b], root);
		assert_int_equal(hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a], &want, root, &err),
				 HV_OK);
		/* wrong index, wrong size, a flipped bit, a missing or extra hash: all refused */
		if (v->b > 1) {
			assert_int_not_equal(hv_ledger_inclusion_verify(v->a ^ 1, v->b, leaf[v->a],
									&want, root, &err),
					     HV_OK);
		}
		assert_int_not_equal(
			hv_ledger_inclusion_verify(v->a, v->b * 2, leaf[v->a], &want, root, &err),
			HV_OK);
		for (int k = 0; k < want.n; k++) {
			bad = want;
			bad.hash[k][0] ^= 8;
			assert_int_not_equal(
				hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a], &bad, root, &err),
				HV_OK);
		}
		if (want.n > 0) {
			bad = want;
			bad.n--;
			assert_int_not_equal(
				hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a], &bad, root, &err),
				HV_OK);
		}
		bad = want;
		memcpy(bad.hash[bad.n++], root, 32);
		assert_int_not_equal(
			hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a], &bad, root, &err), HV_OK);
	}
	/* index out of range */
	assert_int_equal(hv_ledger_inclusion_verify(1, 1, leaf[0], &want, root, &err), HV_EINVAL);
	assert_int_equal(hv_ledger_inclusion_proof(naive_get, &t, 3, 3, &got, &err), HV_EINVAL);
}

static void test_ledger_vector_consistency(void **state)
{
	uint8_t leaf[8][32], r1[32], r2[32];
	struct naive t = vector_tree(leaf);
	struct hv_ledger_proof want, got, bad;
	struct hv_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(consistency_vectors) / sizeof(consistency_vectors[0]); i++) {
		const struct vec_proof *v = &consistency_vectors[i];

		load_proof(v, &want);
		t.n = v->b;
		assert_int_equal(
			hv_ledger_consistency_proof(naive_get, &t, v->a, v->b, &got, &err), HV_OK);
		assert_int_equal(got.n, want.n);
		assert_memory_equal(got.hash, want.hash, (size_t)want.n * 32);
		unhex(roots_hex[v->a], r1);
		unhex(roots_hex[v->b], r2);
		assert_int_equal(hv_ledger_consistency_verify(v->a, v->b, r1, r2, &want, &err),
				 HV_OK);
		if (want.n == 0)
			continue;
		assert_int_not_equal(hv_ledger_consistency_verify(v->a, v->b, r2, r1, &want, &err),
				     HV_OK);
		assert_int_not_equal(
			hv_ledger_consistency_verify(v->a + 1, v->b, r1, r2, &want, &err), HV_OK);
		assert_int_not_equal(
			hv_ledger_consistency_verify(v->a, v->b * 2, r1, r2, &want, &err), HV_OK);
		for (int k = 0; k < want.n; k++) {
			bad = want;
			bad.hash[k][0] ^= 16;
			assert_int_not_equal(
				hv_ledger_consistency_verify(v->a, v->b, r1, r2, &bad, &err),
				HV_OK);
		}
		bad = want;
		bad.n--;
		assert_int_not_equal(hv_ledger_consistency_verify(v->a, v->b, r1, r2, &bad, &err),
				     HV_OK);
		bad.n = 0;
		assert_int_not_equal(hv_ledger_consistency_verify(v->a, v->b, r1, r2, &bad, &err),
				     HV_OK);
	}
	/* sizes that are always consistent, and time travel */
	unhex(roots_hex[0], r1);
	bad.n = 0;
	assert_int_equal(hv_ledger_consistency_verify(0, 5, r1, r2, &bad, &err), HV_OK);
	assert_int_equal(hv_ledger_consistency_verify(3, 3, r2, r2, &bad, &err), HV_OK);
	assert_int_not_equal(hv_ledger_consistency_verify(3, 3, r1, r2, &bad, &err), HV_OK);
	assert_int_not_equal(hv_ledger_consistency_verify(2, 1, r1, r2, &bad, &err), HV_OK);
}

/* Every inclusion and consistency proof of every tree up to 70 leaves verifies against the naive
 * roots: the generation and verification halves agree beyond the vectors. */
static void test_ledger_proofs_exhaustive(void **state)
{
	uint8_t leaf[70][32], root[70 + 1][32];
	struct naive t = {.leaf = leaf, .n = 70};
	struct hv_ledger_proof p;
	struct hv_err err;

	(void)state;
	for (int i = 0; i < 70; i++)
		hv_ledger_leaf_hash(&i, sizeof(i), leaf[i]);
	for (int n = 0; n <= 70; n++) {
		t.n = n;
		assert_int_equal(hv_ledger_tree_root(naive_get, &t, n, root[n], &err), HV_OK);
	}
	t.n = 70;
	for (int n = 1; n <= 70; n++) {
		for (int i = 0; i < n; i++) {
			assert_int_equal(hv_ledger_inclusion_proof(naive_get, &t, i, n, &p, &err),
					 HV_OK);
			assert_int_equal(
				hv_ledger_inclusion_verify(i, n, leaf[i], &p, root[n], &err), HV_OK);
			if (i + 1 < n)
				assert_int_not_equal(hv_ledger_inclusion_verify(i, n, leaf[i + 1],
										&p, root[n], &err),
						     HV_OK);
		}
		for (int m = 0; m <= n; m++) {
			assert_int_equal(hv_ledger_consistency_proof(naive_get, &t, m, n, &p, &err),
					 HV_OK);
			assert_int_equal(
				hv_ledger_consistency_verify(m, n, root[m], root[n], &p, &err),
				HV_OK);
			if (m > 0 && m < n)
				assert_int_not_equal(hv_ledger_consistency_verify(m, n, root[m - 1],
										  root[n], &p, &err),
						     HV_OK);
		}
	}
}

/* ---- entry bytes ---- */

static void test_ledger_entry_roundtrip(void **state)
{
	struct hv_ledger_fields f = {.seq = 41,
				     .kind = "incident",
				     .ref = "incident:12",
				     .recorded_ms = 1764201600000,
				     .body = "{\"a\":1}\n\0x",
				     .body_len = 10},
				g;
	char kind[HV_LEDGER_KIND_MAX + 1], ref[HV_LEDGER_REF_MAX + 1];
	struct hv_buf b;
	struct hv_err err;

	(void)state;
	hv_buf_init(&b, 0);
	hv_ledger_entry_compose(&f, &b);
	assert_string_equal(b.data, "haven-ledger-entry/1\nseq 41\nkind incident\nref incident:12\n"
				    "recorded_ms 1764201600000\nbody 10\n{\"a\":1}\n");
	assert_int_equal(hv_ledger_entry_parse(b.data, b.len, &g, kind, ref, &err), HV_OK);
	assert_int_equal(g.seq, 41);
	assert_string_equal(g.kind, "incident");
	assert_string_equal(g.ref, "incident:12");
	assert_int_equal(g.recorded_ms, 1764201600000);
	assert_int_equal(g.body_len, 10);
	assert_memory_equal(g.body, f.body, 10);
	/* one byte more or less in the body, a leading zero, a wrong magic: refused */
	assert_int_equal(hv_ledger_entry_parse(b.data, b.len - 1, &g, kind, ref, &err), HV_EFORMAT);
	assert_non_null(strstr(err.msg, "body is 9 bytes"));
	hv_buf_addc(&b, 'x');
	assert_int_equal(hv_ledger_entry_parse(b.data, b.len, &g, kind, ref, &err), HV_EFORMAT);
	hv_buf_reset(&b);
	hv_buf_adds(&b, "haven-ledger-entry/1\nseq 041\nkind a\nref \nrecorded_ms 1\nbody 0\n");
	assert_int_equal(hv_ledger_entry_parse(b.data, b.len, &g, kind, ref, &err), HV_EFORMAT);
	hv_buf_reset(&b);
	hv_buf_adds(&b, "haven-ledger-entry/1\nseq 0\nkind A\nref \nrecorded_ms 1\nbody 0\n");
	assert_int_equal(hv_ledger_entry_parse(b.data, b.len, &g, kind, ref, &err), HV_EFORMAT);
	hv_buf_reset(&b);
	hv_buf_adds(&b, "haven-ledger-entry/1\nseq 0\nkind a\nref \nrecorded_ms 1\nbody 0\n");
	assert_int_equal(hv_ledger_entry_parse(b.data, b.len, &g, kind, ref, &err), HV_OK);
	assert_null(g.ref);
	hv_buf_release(&b);
}

/* ---- the ledger in a real store ---- */

static int64_t append(struct hv_store *s, const char *kind, const char *ref, const char *body)
{
	struct hv_err err;
	int64_t seq = -1;

	assert_int_equal(hv_store_begin(s, &err), HV_OK);
	assert_int_equal(hv_ledger_append(s, kind, ref, body, strlen(body), 1764201600000, &seq,
					  &err),
			 HV_OK);
	assert_int_equal(hv_store_commit(s, &err), HV_OK);
	return seq;
}

static void test_ledger_append_and_get(void **state)
{
	struct fixture *fx = *state;
	struct hv_ledger_entry e;
	struct hv_err err;
	uint8_t leaf[32];
	int64_t n;

	assert_int_equal(append(fx->s, "incident", "incident:12", "{\"id\":12}"), 0);
	assert_int_equal(append(fx->s, "scope", NULL, "{}"), 1);
	assert_int_equal(hv_ledger_size(fx->s, &n, &err), HV_OK);
	assert_int_equal(n, 2);
	assert_int_equal(hv_ledger_get(fx->s, 0, &e, &err), HV_OK);
	assert_int_equal(e.seq, 0);
	assert_string_equal(e.kind, "incident");
	assert_string_equal(e.ref, "incident:12");
	assert_int_equal(e.recorded_ms, 1764201600000);
	assert_int_equal(e.body_len, 9);
	assert_memory_equal(e.body, "{\"id\":12}", 9);
	hv_ledger_leaf_hash(e.entry, e.entry_len, leaf);
	assert_memory_equal(leaf, e.leaf_hash, 32);
	hv_ledger_entry_release(&e);
	assert_int_equal(hv_ledger_get(fx->s, 1, &e, &err), HV_OK);
	assert_null(e.ref);
	hv_ledger_entry_release(&e);
	assert_int_equal(hv_ledger_get(fx->s, 2, &e, &err), HV_ENOENT);
	assert_non_null(strstr(err.msg, "2"));
	hv_ledger_entry_release(&e);
}

static void test_ledger_append_refuses(void **state)
{
	struct fixture *fx = *state;
	struct hv_err err;
	int64_t n;

	/* outside a transaction */
	assert_int_equal(hv_ledger_append(fx->s, "incident", NULL, "{}", 2, 1, NULL, &err),
			 HV_ESTORE);
	assert_non_null(strstr(err.msg, "outside a transaction"));
	assert_int_equal(hv_store_begin(fx->s, &err), HV_OK);
	assert_int_equal(hv_ledger_append(fx->s, "Incident", NULL, "{}", 2, 1, NULL, &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "kind \"Incident\""));
	assert_int_equal(hv_ledger_append(fx->s, "", NULL, "{}", 2, 1, NULL, &err), HV_EINVAL);
	assert_int_equal(hv_ledger_append(fx->s, "x", "a\nb", "{}", 2, 1, NULL, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "ref has a control character at byte 2"));
	assert_int_equal(hv_ledger_append(fx->s, "x", "", "{}", 2, 1, NULL, &err), HV_EINVAL);
	assert_int_equal(hv_ledger_append(fx->s, "x", NULL, "{}", 2, -5, NULL, &err), HV_EINVAL);
	assert_int_equal(hv_ledger_append(fx->s, "x", NULL, "{}", HV_LEDGER_BODY_MAX + 1, 1, NULL,
					  &err),
			 HV_ELIMIT);
	hv_store_rollback(fx->s);
	/* a rolled-back append leaves nothing */
	assert_int_equal(hv_store_begin(fx->s, &err), HV_OK);
	assert_int_equal(hv_ledger_append(fx->s, "x", NULL, "{}", 2, 1, NULL, &err), HV_OK);
	hv_store_rollback(fx->s);
	assert_int_equal(hv_ledger_size(fx->s, &n, &err), HV_OK);
	assert_int_equal(n, 0);
}

static void test_ledger_append_only(void **state)
{
	struct fixture *fx = *state;
	struct hv_store *s = fx->s;
	sqlite3 *db;
	char *msg = NULL;
	static const char *const attacks[] = {
		"UPDATE ledger_entries SET kind = 'x' WHERE seq = 0",
		"DELETE FROM ledger_entries WHERE seq = 1",
		"INSERT OR REPLACE INTO ledger_entries(seq, kind, recorded_ms, entry, leaf_hash)"
		" VALUES (0, 'x', 1, x'00', x'00')",
		"INSERT INTO ledger_entries(seq, kind, recorded_ms, entry, leaf_hash)"
		" VALUES (7, 'x', 1, x'00', x'00')",
		"UPDATE ledger_nodes SET hash = x'00'",
		"DELETE FROM ledger_nodes",
		"INSERT OR REPLACE INTO ledger_nodes(level, idx, hash) VALUES (1, 0, x'00')",
	};

	append(s, "a", NULL, "1");
	append(s, "a", NULL, "2");
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	sqlite3_exec(db, "PRAGMA recursive_triggers = ON", NULL, NULL, NULL);
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		assert_int_not_equal(sqlite3_exec(db, attacks[i], NULL, NULL, &msg), SQLITE_OK);
		assert_non_null(strstr(msg, "ledger"));
		sqlite3_free(msg);
		msg = NULL;
	}
	sqlite3_close(db);
}

/* Stored nodes, roots and proofs agree with a naive tree over the stored leaf hashes. */
static void test_ledger_store_tree(void **state)
{
	struct fixture *fx = *state;
	uint8_t leaf[37][32], root[32], want[32];
	struct naive t = {.leaf = leaf};
	struct hv_ledger_proof p, q;
	struct hv_ledger_entry e;
	struct hv_err err;
	char body[32];
	int64_t size;

	for (int i = 0; i < 37; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		assert_int_equal(append(fx->s, "test", NULL, body), i);
		assert_int_equal(hv_ledger_get(fx->s, i, &e, &err), HV_OK);
		memcpy(leaf[i], e.leaf_hash, 32);
		hv_ledger_entry_release(&e);
		t.n = i + 1;
		for (int n = 0; n <= i + 1; n++) {
			assert_int_equal(hv_ledger_root(fx->s, n, root, &err), HV_OK);
			assert_int_equal(hv_ledger_tree_root(naive_get, &t, n, want, &err), HV_OK);
			assert_memory_equal(root, want, 32);
		}
	}
	assert_int_equal(hv_ledger_root(fx->s, 38, root, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "has 37 entries"));
	for (int n = 1; n <= 37; n++) {
		for (int i = 0; i < n; i++) {
			assert_int_equal(hv_ledger_prove_inclusion(fx->s, i, n, NULL, &p, &err),
					 HV_OK);
			assert_int_equal(hv_ledger_inclusion_proof(naive_get, &t, i, n, &q, &err),
					 HV_OK);
			assert_int_equal(p.n, q.n);
			assert_memory_equal(p.hash, q.hash, (size_t)p.n * 32);
		}
		assert_int_equal(hv_ledger_prove_consistency(fx->s, n, 37, &p, &err), HV_OK);
		assert_int_equal(hv_ledger_consistency_proof(naive_get, &t, n, 37, &q, &err), HV_OK);
		assert_int_equal(p.n, q.n);
		assert_memory_equal(p.hash, q.hash, (size_t)p.n * 32);
	}
	assert_int_equal(hv_ledger_prove_inclusion(fx->s, 5, 0, &size, &p, &err), HV_OK);
	assert_int_equal(size, 37);
	assert_int_equal(hv_ledger_prove_inclusion(fx->s, 37, 0, &size, &p, &err), HV_EINVAL);
	assert_int_equal(hv_ledger_prove_consistency(fx->s, 0, 5, &p, &err), HV_EINVAL);
	assert_int_equal(hv_ledger_prove_consistency(fx->s, 5, 40, &p, &err), HV_EINVAL);
}

static int check_a(struct hv_store *s, int64_t seq, const char *ref, const char *body, size_t len,
		   struct hv_err *err)
{
	return HV_OK;
}

static int check_b(struct hv_store *s, int64_t seq, const char *ref, const char *body, size_t len,
		   struct hv_err *err)
{
	return HV_EINVAL;
}

static void test_ledger_kind_register(void **state)
{
	static const struct hv_ledger_kind a = {.kind = "unit_a", .check = check_a};
	static const struct hv_ledger_kind a2 = {.kind = "unit_a", .check = check_b};
	static const struct hv_ledger_kind bad = {.kind = "Unit", .check = check_a};
	struct hv_err err;

	(void)state;
	assert_null(hv_ledger_kind_find("unit_a"));
	assert_int_equal(hv_ledger_kind_register(&a, &err), HV_OK);
	assert_int_equal(hv_ledger_kind_register(&a, &err), HV_OK);
	assert_int_equal(hv_ledger_kind_register(&a2, &err), HV_EEXIST);
	assert_int_equal(hv_ledger_kind_register(&bad, &err), HV_EINVAL);
	assert_ptr_equal(hv_ledger_kind_find("unit_a"), &a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ledger_vector_roots),
		cmocka_unit_test(test_ledger_vector_inclusion),
		cmocka_unit_test(test_ledger_vector_consistency),
		cmocka_unit_test(test_ledger_proofs_exhaustive),
		cmocka_unit_test(test_ledger_entry_roundtrip),
		cmocka_unit_test_setup_teardown(test_ledger_append_and_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_append_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_store_tree, setup, teardown),
		cmocka_unit_test(test_ledger_kind_register),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
