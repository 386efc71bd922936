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

#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/buf.h"
#include "crypto/sign.h"
#include "ledger/checkpoint.h"
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
	{""},
	{"00"},
	{"10"},
	{"2021"},
	{"3031"},
	{"40414243"},
	{"5051525354555657"},
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
	{0,
	 8,
	 3,
	 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{5,
	 8,
	 3,
	 {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
	{1,
	 5,
	 3,
	 {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	{0, 1, 0, {NULL}},
};

static const struct vec_proof consistency_vectors[] = {
	{1, 1, 0, {NULL}},
	{1,
	 8,
	 3,
	 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{6,
	 8,
	 3,
	 {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2,
	 5,
	 2,
	 {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	{6,
	 7,
	 3,
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
		assert_int_equal(
			hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a], &want, root, &err),
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
			assert_int_not_equal(hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a],
									&bad, root, &err),
					     HV_OK);
		}
		if (want.n > 0) {
			bad = want;
			bad.n--;
			assert_int_not_equal(hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a],
									&bad, root, &err),
					     HV_OK);
		}
		bad = want;
		memcpy(bad.hash[bad.n++], root, 32);
		assert_int_not_equal(
			hv_ledger_inclusion_verify(v->a, v->b, leaf[v->a], &bad, root, &err),
			HV_OK);
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
		assert_int_equal(hv_ledger_consistency_proof(naive_get, &t, v->a, v->b, &got, &err),
				 HV_OK);
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
				hv_ledger_inclusion_verify(i, n, leaf[i], &p, root[n], &err),
				HV_OK);
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
				assert_int_not_equal(hv_ledger_consistency_verify(
							     m, n, root[m - 1], root[n], &p, &err),
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
	assert_int_equal(
		hv_ledger_append(s, kind, ref, body, strlen(body), 1764201600000, &seq, &err),
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
	assert_int_equal(
		hv_ledger_append(fx->s, "x", NULL, "{}", HV_LEDGER_BODY_MAX + 1, 1, NULL, &err),
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
		assert_int_equal(hv_ledger_consistency_proof(naive_get, &t, n, 37, &q, &err),
				 HV_OK);
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

/* ---- signed notes and keys ----
 * Source of the key pair, text and signature: golang.org/x/mod/sumdb/note, note_test.go (the
 * PeterNeumann example that C2SP's signed-note implementations test against). */
static const char peter_skey[] =
	"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char peter_vkey[] =
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char peter_text[] = "If you think cryptography is the answer to your problem,\n"
				 "then you don't know what your problem is.\n";
static const char peter_sig[] =
	"\xe2\x80\x94 PeterNeumann "
	"x08go/ZJkuBS9UG/"
	"SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

static void test_ledger_note_vector(void **state)
{
	struct hv_ledger_signer k;
	struct hv_ledger_verifier v, v2;
	struct hv_ledger_note *n = malloc(sizeof(*n));
	struct hv_buf b;
	struct hv_err err;
	uint8_t sig[64];
	char note[512];

	(void)state;
	assert_int_equal(hv_ledger_signer_parse(peter_skey, &k, &err), HV_OK);
	assert_int_equal(k.key_id, 0xc74f20a3);
	hv_ledger_signer_verifier(&k, &v);
	hv_buf_init(&b, 0);
	hv_ledger_verifier_format(&v, &b);
	assert_string_equal(b.data, peter_vkey);
	hv_buf_reset(&b);
	hv_ledger_signer_format(&k, &b);
	assert_string_equal(b.data, peter_skey);
	assert_int_equal(hv_ledger_verifier_parse(peter_vkey, &v2, &err), HV_OK);
	assert_memory_equal(v2.pk, v.pk, 32);
	/* Ed25519 is deterministic: the same signature as the reference */
	snprintf(note, sizeof(note), "%s\n%s", peter_text, peter_sig);
	assert_int_equal(hv_ledger_note_split(note, strlen(note), n, &err), HV_OK);
	assert_int_equal(n->text_len, strlen(peter_text));
	assert_int_equal(n->n_sigs, 1);
	assert_string_equal(n->sigs[0].name, "PeterNeumann");
	assert_int_equal(n->sigs[0].key_id, 0xc74f20a3);
	hv_sign(k.sk, peter_text, strlen(peter_text), sig);
	assert_memory_equal(sig, n->sigs[0].sig, 64);
	assert_true(hv_sign_verify(v.pk, peter_text, strlen(peter_text), n->sigs[0].sig));
	assert_true(hv_ledger_note_signed_by(note, strlen(note), &v));
	/* manglings of the verifier key are refused */
	assert_int_not_equal(
		hv_ledger_verifier_parse(
			"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v2,
			&err),
		HV_OK);
	assert_int_not_equal(
		hv_ledger_verifier_parse(
			"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", &v2,
			&err),
		HV_OK);
	assert_int_not_equal(
		hv_ledger_verifier_parse(
			"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &v2,
			&err),
		HV_OK);
	/* a control character, no blank line, a broken signature line */
	assert_int_equal(hv_ledger_note_split("a\tb\n\n\xe2\x80\x94 x AAAA\n", 16, n, &err),
			 HV_EFORMAT);
	assert_int_equal(hv_ledger_note_split("a\n\xe2\x80\x94 x AAAAAAAA\n", 18, n, &err),
			 HV_EFORMAT);
	assert_int_equal(hv_ledger_note_split("a\n\n- x AAAAAAAA\n", 16, n, &err), HV_EFORMAT);
	hv_buf_release(&b);
	hv_ledger_signer_wipe(&k);
	free(n);
}

static void test_ledger_checkpoint_sign_open(void **state)
{
	struct hv_ledger_signer k1, k2, other;
	const struct hv_ledger_signer *both[2] = {&k1, &k2}, *one[1] = {&k1};
	struct hv_ledger_verifier v[3];
	struct hv_ledger_checkpoint c = {.origin = "haven.test/ledger", .size = 41}, got;
	struct hv_buf b;
	struct hv_err err;
	int n_ok;

	(void)state;
	memset(c.root, 0xab, 32);
	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k1, &err), HV_OK);
	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k2, &err), HV_OK);
	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &other, &err), HV_OK);
	hv_ledger_signer_verifier(&k1, &v[0]);
	hv_ledger_signer_verifier(&k2, &v[1]);
	hv_ledger_signer_verifier(&other, &v[2]);
	hv_buf_init(&b, 0);
	assert_int_equal(hv_ledger_checkpoint_sign(&c, one, 1, &b, &err), HV_OK);
	assert_non_null(strstr(b.data, "haven.test/"
				       "ledger\n41\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="
				       "\n\n\xe2\x80\x94 haven.test/ledger "));
	assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, v, 1, &got, &n_ok, &err), HV_OK);
	assert_int_equal(n_ok, 1);
	assert_string_equal(got.origin, "haven.test/ledger");
	assert_int_equal(got.size, 41);
	assert_memory_equal(got.root, c.root, 32);
	/* only an unknown key: refused; a changed byte: refused */
	assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, &v[2], 1, &got, &n_ok, &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "no signature by a known key"));
	b.data[19] = '2'; /* size 41 -> 42 */
	assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, v, 1, &got, &n_ok, &err),
			 HV_EINVAL);
	assert_non_null(strstr(err.msg, "does not verify"));
	/* a hand-over note, signed by old and new: either key alone opens it */
	hv_buf_reset(&b);
	assert_int_equal(hv_ledger_checkpoint_sign(&c, both, 2, &b, &err), HV_OK);
	assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, &v[0], 1, &got, &n_ok, &err),
			 HV_OK);
	assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, &v[1], 1, &got, &n_ok, &err),
			 HV_OK);
	assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, v, 3, &got, &n_ok, &err), HV_OK);
	assert_int_equal(n_ok, 2);
	/* text parse: leading zero, bad base64 */
	assert_int_equal(
		hv_ledger_checkpoint_parse("o\n041\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n",
					   51, &got, &err),
		HV_EFORMAT);
	assert_int_equal(
		hv_ledger_checkpoint_parse("o\n41\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6t=\n",
					   50, &got, &err),
		HV_EFORMAT);
	hv_buf_release(&b);
	hv_ledger_signer_wipe(&k1);
	hv_ledger_signer_wipe(&k2);
	hv_ledger_signer_wipe(&other);
}

static void test_ledger_key_file(void **state)
{
	struct fixture *fx = *state;
	struct hv_ledger_signer k;
	struct hv_err err;
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/city.key", fx->dir);
	assert_int_equal(hv_ledger_key_create(path, "haven.test/ledger", &err), HV_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(hv_ledger_key_create(path, "haven.test/ledger", &err), HV_EEXIST);
	assert_non_null(strstr(err.msg, "not overwriting"));
	assert_int_equal(hv_ledger_key_load(path, &k, &err), HV_OK);
	assert_string_equal(k.name, "haven.test/ledger");
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(hv_ledger_key_load(path, &k, &err), HV_EINVAL);
	assert_non_null(strstr(err.msg, "mode 0640"));
	assert_int_equal(hv_ledger_key_create(path, "bad name", &err), HV_EINVAL);
	hv_ledger_signer_wipe(&k);
}

static void test_ledger_checkpoint_store(void **state)
{
	struct fixture *fx = *state;
	struct hv_ledger_signer k;
	const struct hv_ledger_signer *one[1] = {&k};
	struct hv_ledger_verifier v;
	struct hv_ledger_checkpoint c;
	struct hv_buf b, latest;
	struct hv_err err;
	uint8_t root[32];
	int64_t size;

	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k, &err), HV_OK);
	hv_ledger_signer_verifier(&k, &v);
	hv_buf_init(&b, 0);
	hv_buf_init(&latest, 0);
	assert_int_equal(hv_ledger_checkpoint_latest(fx->s, &latest, &err), HV_ENOENT);
	append(fx->s, "a", NULL, "1");
	append(fx->s, "a", NULL, "2");
	append(fx->s, "a", NULL, "3");
	/* outside a transaction: refused */
	assert_int_equal(hv_ledger_checkpoint(fx->s, one, 1, 5, &b, &size, &err), HV_ESTORE);
	assert_int_equal(hv_store_begin(fx->s, &err), HV_OK);
	assert_int_equal(hv_ledger_checkpoint(fx->s, one, 1, 5, &b, &size, &err), HV_OK);
	assert_int_equal(hv_store_commit(fx->s, &err), HV_OK);
	assert_int_equal(size, 3);
	assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, &v, 1, &c, NULL, &err), HV_OK);
	assert_int_equal(hv_ledger_root(fx->s, 3, root, &err), HV_OK);
	assert_memory_equal(c.root, root, 32);
	assert_int_equal(hv_ledger_checkpoint_latest(fx->s, &latest, &err), HV_OK);
	assert_string_equal(latest.data, b.data);
	/* same size, same key: the stored one is reused */
	hv_buf_reset(&latest);
	assert_int_equal(hv_store_begin(fx->s, &err), HV_OK);
	assert_int_equal(hv_ledger_checkpoint(fx->s, one, 1, 6, &latest, &size, &err), HV_OK);
	assert_int_equal(hv_store_commit(fx->s, &err), HV_OK);
	assert_string_equal(latest.data, b.data);
	hv_buf_release(&b);
	hv_buf_release(&latest);
	hv_ledger_signer_wipe(&k);
}

/* ---- verify against tampering (the e2e test does the same through the CLI) ---- */

static void tamper(const char *db_path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	int rc;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	/* as an attacker with the file would: drop the guards, change the rows */
	rc = sqlite3_exec(db,
			  "DROP TRIGGER IF EXISTS ledger_entries_no_update;"
			  "DROP TRIGGER IF EXISTS ledger_entries_no_delete;"
			  "DROP TRIGGER IF EXISTS ledger_entries_dense;"
			  "DROP TRIGGER IF EXISTS ledger_entries_no_replace;"
			  "DROP TRIGGER IF EXISTS ledger_nodes_no_update;"
			  "DROP TRIGGER IF EXISTS ledger_nodes_no_delete;"
			  "DROP TRIGGER IF EXISTS ledger_checkpoints_no_update;"
			  "DROP TRIGGER IF EXISTS ledger_checkpoints_no_delete;",
			  NULL, NULL, &msg);
	assert_int_equal(rc, SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	assert_true(sqlite3_changes(db) > 0 || strncmp(sql, "DELETE", 6) != 0);
	sqlite3_close(db);
}

static void fill(struct fixture *fx, struct hv_ledger_signer *k, int n)
{
	const struct hv_ledger_signer *one[1] = {k};
	struct hv_err err;
	char body[64], ref[32];

	for (int i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		snprintf(ref, sizeof(ref), "incident:%d", i + 1);
		append(fx->s, "incident", ref, body);
		if (i == n / 2 || i == n - 1) {
			assert_int_equal(hv_store_begin(fx->s, &err), HV_OK);
			assert_int_equal(hv_ledger_checkpoint(fx->s, one, 1, 1, NULL, NULL, &err),
					 HV_OK);
			assert_int_equal(hv_store_commit(fx->s, &err), HV_OK);
		}
	}
}

static void expect_verify(struct fixture *fx, const struct hv_ledger_verifier *v, int rc,
			  const char *needle)
{
	struct hv_ledger_verify_report rep;
	struct hv_err err;
	struct hv_store *s;

	/* a fresh connection: the tampering happened behind the fixture's back */
	assert_int_equal(hv_store_open(fx->db, &s, &err), HV_OK);
	hv_err_clear(&err);
	assert_int_equal(hv_ledger_verify(s, v, 1, true, &rep, &err), rc);
	if (needle && !strstr(err.msg, needle))
		fail_msg("verify said \"%s\", expected \"%s\"", err.msg, needle);
	hv_store_close(s);
}

static void test_ledger_verify_clean(void **state)
{
	struct fixture *fx = *state;
	struct hv_ledger_signer k;
	struct hv_ledger_verifier v;
	struct hv_ledger_verify_report rep;
	struct hv_err err;

	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k, &err), HV_OK);
	hv_ledger_signer_verifier(&k, &v);
	assert_int_equal(hv_ledger_verify(fx->s, &v, 1, true, &rep, &err), HV_OK);
	assert_int_equal(rep.n_entries, 0);
	fill(fx, &k, 45);
	assert_int_equal(hv_ledger_verify(fx->s, &v, 1, true, &rep, &err), HV_OK);
	assert_int_equal(rep.n_entries, 45);
	assert_int_equal(rep.n_checkpoints, 2);
	assert_int_equal(rep.n_nodes, 45 - 4); /* n - popcount(n) interior nodes; 45 = 101101b */
	hv_ledger_signer_wipe(&k);
}

#define TAMPER_TEST(name, sql, needle)                                                             \
	static void name(void **state)                                                             \
	{                                                                                          \
		struct fixture *fx = *state;                                                       \
		struct hv_ledger_signer k;                                                         \
		struct hv_ledger_verifier v;                                                       \
		struct hv_err err;                                                                 \
                                                                                                   \
		assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k, &err), HV_OK); \
		hv_ledger_signer_verifier(&k, &v);                                                 \
		fill(fx, &k, 45);                                                                  \
		expect_verify(fx, &v, HV_OK, NULL);                                                \
		tamper(fx->db, sql);                                                               \
		expect_verify(fx, &v, HV_EINVAL, needle);                                          \
		hv_ledger_signer_wipe(&k);                                                         \
	}

/* one byte of the body: the leaf no longer hashes to its stored hash */
TAMPER_TEST(test_ledger_verify_byte_changed,
	    "UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"n\":12}',"
	    " '\"n\":13}') AS BLOB) WHERE seq = 12",
	    "entry 12 (incident:13): leaf hash mismatch")
/* the byte and the leaf hash: the stored node above it no longer matches */
TAMPER_TEST(test_ledger_verify_byte_and_leaf_changed,
	    "UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"n\":12}',"
	    " '\"n\":13}') AS BLOB) WHERE seq = 12;"
	    "UPDATE ledger_entries SET leaf_hash = (SELECT leaf_hash FROM ledger_entries"
	    " WHERE seq = 13) WHERE seq = 12",
	    "entry 12 (incident:13): leaf hash mismatch")
TAMPER_TEST(test_ledger_verify_deleted, "DELETE FROM ledger_entries WHERE seq = 20",
	    "entry 20 is missing")
TAMPER_TEST(test_ledger_verify_deleted_last, "DELETE FROM ledger_entries WHERE seq = 44",
	    "entries were removed")
TAMPER_TEST(test_ledger_verify_swapped,
	    "UPDATE ledger_entries SET seq = -1 WHERE seq = 3;"
	    "UPDATE ledger_entries SET seq = 3 WHERE seq = 4;"
	    "UPDATE ledger_entries SET seq = 4 WHERE seq = -1",
	    "entry 3 (incident:5): its bytes are those of entry 4")
TAMPER_TEST(test_ledger_verify_checkpoint_byte,
	    "UPDATE ledger_checkpoints SET note = replace(note, char(10) || '45' || char(10),"
	    " char(10) || '44' || char(10)), size = 44 WHERE size = 45",
	    "does not verify")
TAMPER_TEST(test_ledger_verify_checkpoint_root,
	    "UPDATE ledger_checkpoints SET root = zeroblob(32) WHERE size = 45",
	    "its signed note (size 45) and its row (size 45) disagree")
TAMPER_TEST(test_ledger_verify_node_changed,
	    "UPDATE ledger_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 3",
	    "ledger node (level 2, index 3, over entries 12 to 15) does not match")
TAMPER_TEST(test_ledger_verify_kind_column,
	    "UPDATE ledger_entries SET ref = 'incident:99' WHERE seq = 7",
	    "entry 7 (incident:99): its kind, ref or recorded_ms column differs")

/* An attacker who changes an entry and stores its correct new leaf hash is caught one level up,
 * by the stored node over it (and, past that, by the signed checkpoint's root). */
static void test_ledger_verify_entry_and_leaf_rehashed(void **state)
{
	struct fixture *fx = *state;
	struct hv_ledger_signer k;
	struct hv_ledger_verifier v;
	struct hv_ledger_entry e;
	struct hv_err err;
	uint8_t leaf[32];
	sqlite3_stmt *st;
	sqlite3 *db;
	char *p;

	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k, &err), HV_OK);
	hv_ledger_signer_verifier(&k, &v);
	fill(fx, &k, 45);
	assert_int_equal(hv_ledger_get(fx->s, 12, &e, &err), HV_OK);
	p = strstr((char *)e.entry, "\"n\":12}");
	assert_non_null(p);
	p[5] = '3';
	hv_ledger_leaf_hash(e.entry, e.entry_len, leaf);
	tamper(fx->db, "SELECT 1");
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "UPDATE ledger_entries SET entry = ?1, leaf_hash = ?2"
					    " WHERE seq = 12",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, e.entry, (int)e.entry_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, leaf, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	hv_ledger_entry_release(&e);
	expect_verify(fx, &v, HV_EINVAL,
		      "ledger node (level 1, index 6, over entries 12 to 13) does not match");
	hv_ledger_signer_wipe(&k);
}

/* A module's kind check is run for its entries, and its failure names the entry. */
static int check_even(struct hv_store *s, int64_t seq, const char *ref, const char *body,
		      size_t len, struct hv_err *err)
{
	if (len > 0 && memcmp(body, "bad", 3) == 0)
		return hv_err_set(err, HV_EINVAL, "record %s differs from its entry", ref);
	return HV_OK;
}

static void test_ledger_verify_kind_check(void **state)
{
	static const struct hv_ledger_kind k = {.kind = "unit_even", .check = check_even};
	struct fixture *fx = *state;
	struct hv_ledger_verify_report rep;
	struct hv_err err;

	assert_int_equal(hv_ledger_kind_register(&k, &err), HV_OK);
	append(fx->s, "unit_even", "r:1", "good");
	append(fx->s, "other", NULL, "x");
	assert_int_equal(hv_ledger_verify(fx->s, NULL, 0, true, &rep, &err), HV_OK);
	assert_int_equal(rep.n_kind_checked, 1);
	assert_int_equal(rep.n_kind_unchecked, 1);
	append(fx->s, "unit_even", "r:3", "bad");
	assert_int_equal(hv_ledger_verify(fx->s, NULL, 0, true, &rep, &err), HV_EINVAL);
	assert_string_equal(err.msg, "entry 2 (r:3): record r:3 differs from its entry");
	assert_int_equal(rep.bad_seq, 2);
}

/* ---- group commit ---- */

struct writer {
	const char *db;
	struct hv_ledger_committer *c;
	int id, n;
	int64_t seqs[64];
};

static int work_fn(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct writer *w = ctx;
	char body[64];
	int64_t seq;
	int i = w->n, rc;

	snprintf(body, sizeof(body), "{\"writer\":%d,\"i\":%d}", w->id, i);
	if (w->id == 3 && i == 5) /* one bad piece of work: undone alone */
		return hv_ledger_append(s, "BAD", NULL, body, strlen(body), 1, &seq, err);
	if ((rc = hv_ledger_append(s, "test", NULL, body, strlen(body), 1, &seq, err)))
		return rc;
	w->seqs[i] = seq;
	return HV_OK;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct hv_err err;

	for (w->n = 0; w->n < 40; w->n++) {
		int rc = hv_ledger_committer_submit(w->c, work_fn, w, &err);

		if (w->id == 3 && w->n == 5) {
			assert_int_equal(rc, HV_EINVAL);
			w->seqs[w->n] = -1;
		} else {
			assert_int_equal(rc, HV_OK);
		}
	}
	return NULL;
}

static void test_ledger_committer(void **state)
{
	struct fixture *fx = *state;
	struct hv_ledger_signer k;
	const struct hv_ledger_signer *one[1] = {&k};
	struct hv_ledger_verifier v;
	struct hv_ledger_committer *c;
	struct hv_ledger_committer_config cfg = {
		.store_uri = fx->db, .signers = one, .n_signers = 1, .checkpoint_ms = 0};
	struct hv_ledger_committer_stats st;
	struct hv_ledger_verify_report rep;
	struct writer w[8];
	pthread_t t[8];
	struct hv_err err;
	bool seen[8 * 40] = {false};
	int64_t n;

	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k, &err), HV_OK);
	hv_ledger_signer_verifier(&k, &v);
	assert_int_equal(hv_ledger_committer_start(&cfg, &c, &err), HV_OK);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct writer){.db = fx->db, .c = c, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	hv_ledger_committer_stats(c, &st);
	hv_ledger_committer_stop(c);
	assert_int_equal(st.n_work, 8 * 40);
	assert_int_equal(st.n_failed, 1);
	assert_true(st.n_batches <= 8 * 40);
	assert_true(st.n_checkpoints >= 1);
	/* every acknowledged seq is durable, distinct, and holds the writer's entry */
	assert_int_equal(hv_ledger_size(fx->s, &n, &err), HV_OK);
	assert_int_equal(n, 8 * 40 - 1);
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < 40; j++) {
			struct hv_ledger_entry e;
			char body[64];

			if (w[i].seqs[j] < 0)
				continue;
			assert_false(seen[w[i].seqs[j]]);
			seen[w[i].seqs[j]] = true;
			assert_int_equal(hv_ledger_get(fx->s, w[i].seqs[j], &e, &err), HV_OK);
			snprintf(body, sizeof(body), "{\"writer\":%d,\"i\":%d}", i, j);
			assert_int_equal(e.body_len, strlen(body));
			assert_memory_equal(e.body, body, e.body_len);
			hv_ledger_entry_release(&e);
		}
	}
	/* the last checkpoint covers everything, and verify passes */
	assert_int_equal(hv_ledger_verify(fx->s, &v, 1, true, &rep, &err), HV_OK);
	assert_int_equal(rep.n_entries, 8 * 40 - 1);
	assert_true(rep.n_checkpoints >= 1);
	{
		struct hv_buf b;
		struct hv_ledger_checkpoint cp;

		hv_buf_init(&b, 0);
		assert_int_equal(hv_ledger_checkpoint_latest(fx->s, &b, &err), HV_OK);
		assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, &v, 1, &cp, NULL, &err),
				 HV_OK);
		assert_int_equal(cp.size, 8 * 40 - 1);
		hv_buf_release(&b);
	}
	hv_ledger_signer_wipe(&k);
}

static int one_entry(struct hv_store *s, void *ctx, struct hv_err *err)
{
	return hv_ledger_append(s, "test", NULL, "{}", 2, 1, ctx, err);
}

static int64_t latest_size(struct fixture *fx, const struct hv_ledger_verifier *v)
{
	struct hv_ledger_checkpoint cp;
	struct hv_buf b;
	struct hv_err err;
	struct hv_store *s;
	int rc;

	assert_int_equal(hv_store_open(fx->db, &s, &err), HV_OK);
	hv_buf_init(&b, 0);
	rc = hv_ledger_checkpoint_latest(s, &b, &err);
	if (rc == HV_OK)
		assert_int_equal(hv_ledger_checkpoint_open(b.data, b.len, v, 1, &cp, NULL, &err),
				 HV_OK);
	hv_buf_release(&b);
	hv_store_close(s);
	return rc == HV_OK ? cp.size : -1;
}

/* Checkpoints at most checkpoint_ms apart: the first batch signs one, a batch right after does
 * not, and entries left waiting get one from the timer without any further batch. */
static void test_ledger_committer_checkpoint_timer(void **state)
{
	struct fixture *fx = *state;
	struct hv_ledger_signer k;
	const struct hv_ledger_signer *one[1] = {&k};
	struct hv_ledger_verifier v;
	struct hv_ledger_committer *c;
	struct hv_ledger_committer_config cfg = {
		.store_uri = fx->db, .signers = one, .n_signers = 1, .checkpoint_ms = 1000};
	struct hv_err err;
	int64_t seq;

	assert_int_equal(hv_ledger_signer_generate("haven.test/ledger", &k, &err), HV_OK);
	hv_ledger_signer_verifier(&k, &v);
	assert_int_equal(hv_ledger_committer_start(&cfg, &c, &err), HV_OK);
	assert_int_equal(hv_ledger_committer_submit(c, one_entry, &seq, &err), HV_OK);
	assert_int_equal(latest_size(fx, &v), 1);
	assert_int_equal(hv_ledger_committer_submit(c, one_entry, &seq, &err), HV_OK);
	assert_int_equal(seq, 1);
	assert_int_equal(latest_size(fx, &v), 1); /* not due yet */
	nanosleep(&(struct timespec){.tv_sec = 2, .tv_nsec = 500000000}, NULL);
	assert_int_equal(latest_size(fx, &v), 2); /* the timer's */
	hv_ledger_committer_stop(c);
	hv_ledger_signer_wipe(&k);
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
		cmocka_unit_test(test_ledger_note_vector),
		cmocka_unit_test(test_ledger_checkpoint_sign_open),
		cmocka_unit_test_setup_teardown(test_ledger_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_checkpoint_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_byte_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_byte_and_leaf_changed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_deleted_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_checkpoint_byte, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_checkpoint_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_node_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_kind_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_kind_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_verify_entry_and_leaf_rehashed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ledger_committer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_committer_checkpoint_timer, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
