/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 9162 Merkle hashing, entry bytes, compact ranges, proof generation and verification. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/sign.h"
#include "ledger/merkle.h"

#include "core/banned.h"

void hv_ledger_leaf_hash(const void *entry, size_t len, uint8_t out[HV_LEDGER_HASH_LEN])
{
	static const unsigned char zero = 0x00;

	hv_sha256_2(&zero, 1, entry, len, out);
}

void hv_ledger_node_hash(const uint8_t left[HV_LEDGER_HASH_LEN],
			 const uint8_t right[HV_LEDGER_HASH_LEN], uint8_t out[HV_LEDGER_HASH_LEN])
{
	unsigned char in[1 + 2 * HV_LEDGER_HASH_LEN];

	in[0] = 0x01;
	memcpy(in + 1, left, HV_LEDGER_HASH_LEN);
	memcpy(in + 1 + HV_LEDGER_HASH_LEN, right, HV_LEDGER_HASH_LEN);
	hv_sha256_2(in, sizeof(in), NULL, 0, out);
}

void hv_ledger_empty_root(uint8_t out[HV_LEDGER_HASH_LEN])
{
	hv_sha256("", 0, out);
}

/* ---- entry bytes ---- */

static const char entry_magic[] = "haven-ledger-entry/1\n";

int hv_ledger_fields_check(const char *kind, const char *ref, size_t body_len, struct hv_err *err)
{
	size_t n;

	if (!kind || !*kind)
		return hv_err_set(err, HV_EINVAL, "ledger entry: kind is empty");
	n = strlen(kind);
	if (n > HV_LEDGER_KIND_MAX)
		return hv_err_set(err, HV_ELIMIT,
				  "ledger entry: kind \"%.40s...\" is longer than %d bytes", kind,
				  HV_LEDGER_KIND_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = kind[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return hv_err_set(err, HV_EINVAL,
					  "ledger entry: kind \"%s\" has a character other than "
					  "a-z, 0-9 and _ at byte %zu",
					  kind, i + 1);
	}
	if (ref) {
		n = strlen(ref);
		if (n == 0)
			return hv_err_set(err, HV_EINVAL,
					  "ledger entry: ref is empty (pass NULL for none)");
		if (n > HV_LEDGER_REF_MAX)
			return hv_err_set(err, HV_ELIMIT,
					  "ledger entry: ref is longer than %d bytes",
					  HV_LEDGER_REF_MAX);
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)ref[i];

			if (c < 0x20 || c == 0x7f)
				return hv_err_set(err, HV_EINVAL,
						  "ledger entry: ref has a control character at "
						  "byte %zu",
						  i + 1);
		}
	}
	if (body_len > HV_LEDGER_BODY_MAX)
		return hv_err_set(err, HV_ELIMIT, "ledger entry: body of %zu bytes is over %u",
				  body_len, HV_LEDGER_BODY_MAX);
	return HV_OK;
}

void hv_ledger_entry_compose(const struct hv_ledger_fields *f, struct hv_buf *out)
{
	hv_buf_adds(out, entry_magic);
	hv_buf_addf(out, "seq %" PRId64 "\nkind %s\nref %s\nrecorded_ms %" PRId64 "\nbody %zu\n",
		    f->seq, f->kind, f->ref ? f->ref : "", f->recorded_ms, f->body_len);
	hv_buf_add(out, f->body, f->body_len);
}

/* Reads "NAME " then a line ending in '\n' from *p; the line (without '\n') is [*v, *v + *vn). */
static int take_line(const char **p, const char *end, const char *name, const char **v, size_t *vn,
		     struct hv_err *err)
{
	size_t nl = strlen(name);
	const char *e;

	if ((size_t)(end - *p) < nl + 1 || memcmp(*p, name, nl) != 0 || (*p)[nl] != ' ')
		return hv_err_set(err, HV_EFORMAT, "ledger entry: expected the \"%s\" line", name);
	*p += nl + 1;
	e = memchr(*p, '\n', (size_t)(end - *p));
	if (!e)
		return hv_err_set(err, HV_EFORMAT, "ledger entry: the \"%s\" line does not end",
				  name);
	*v = *p;
	*vn = (size_t)(e - *p);
	*p = e + 1;
	return HV_OK;
}

/* A non-negative decimal without leading zeros that fits int64. */
static int take_num(const char *v, size_t n, int64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 19 || (n > 1 && v[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)x;
	return 0;
}

int hv_ledger_entry_parse(const void *entry, size_t len, struct hv_ledger_fields *f,
			  char kind_buf[HV_LEDGER_KIND_MAX + 1],
			  char ref_buf[HV_LEDGER_REF_MAX + 1], struct hv_err *err)
{
	const char *p = entry, *end = p + len, *v;
	size_t n = sizeof(entry_magic) - 1, vn, ref_len;
	int64_t body_len;
	int rc;

	memset(f, 0, sizeof(*f));
	if (len < n || memcmp(p, entry_magic, n) != 0)
		return hv_err_set(err, HV_EFORMAT, "ledger entry: does not start with \"%.*s\"",
				  (int)n - 1, entry_magic);
	p += n;
	if ((rc = take_line(&p, end, "seq", &v, &vn, err)))
		return rc;
	if (take_num(v, vn, &f->seq))
		return hv_err_set(err, HV_EFORMAT, "ledger entry: seq is not a number");
	if ((rc = take_line(&p, end, "kind", &v, &vn, err)))
		return rc;
	if (vn == 0 || vn > HV_LEDGER_KIND_MAX)
		return hv_err_set(err, HV_EFORMAT, "ledger entry: kind is empty or too long");
	memcpy(kind_buf, v, vn);
	kind_buf[vn] = '\0';
	if (memchr(kind_buf, '\0', vn))
		return hv_err_set(err, HV_EFORMAT, "ledger entry: kind has a NUL byte");
	if ((rc = take_line(&p, end, "ref", &v, &vn, err)))
		return rc;
	if (vn > HV_LEDGER_REF_MAX)
		return hv_err_set(err, HV_EFORMAT, "ledger entry: ref is too long");
	memcpy(ref_buf, v, vn);
	ref_buf[vn] = '\0';
	ref_len = vn;
	if (memchr(ref_buf, '\0', vn))
		return hv_err_set(err, HV_EFORMAT, "ledger entry: ref has a NUL byte");
	if ((rc = take_line(&p, end, "recorded_ms", &v, &vn, err)))
		return rc;
	if (take_num(v, vn, &f->recorded_ms))
		return hv_err_set(err, HV_EFORMAT, "ledger entry: recorded_ms is not a number");
	if ((rc = take_line(&p, end, "body", &v, &vn, err)))
		return rc;
	if (take_num(v, vn, &body_len) || body_len > (int64_t)HV_LEDGER_BODY_MAX)
		return hv_err_set(err, HV_EFORMAT, "ledger entry: body length is not a number");
	if ((int64_t)(end - p) != body_len)
		return hv_err_set(err, HV_EFORMAT,
				  "ledger entry: body is %zu bytes, its length line says %" PRId64,
				  (size_t)(end - p), body_len);
	f->kind = kind_buf;
	f->ref = ref_len ? ref_buf : NULL;
	f->body = p;
	f->body_len = (size_t)body_len;
	if (hv_ledger_fields_check(f->kind, f->ref, f->body_len, err)) {
		if (err)
			err->code = HV_EFORMAT;
		return HV_EFORMAT;
	}
	return HV_OK;
}

/* ---- compact range ---- */

void hv_ledger_range_init(struct hv_ledger_range *r)
{
	memset(r, 0, sizeof(*r));
}

int hv_ledger_range_push(struct hv_ledger_range *r, const uint8_t leaf[HV_LEDGER_HASH_LEN],
			 int (*done)(void *ctx, int level, int64_t idx, const uint8_t *hash),
			 void *ctx)
{
	uint8_t carry[HV_LEDGER_HASH_LEN];
	int64_t i = r->size;
	int level = 0, rc;

	memcpy(carry, leaf, HV_LEDGER_HASH_LEN);
	/* each set low bit of size is a subtree of that level waiting for a right sibling */
	while ((r->size >> level) & 1) {
		hv_ledger_node_hash(r->hash[r->n - 1], carry, carry);
		r->n--;
		level++;
		if (done && (rc = done(ctx, level, i >> level, carry)))
			return rc;
	}
	memcpy(r->hash[r->n], carry, HV_LEDGER_HASH_LEN);
	r->n++;
	r->size++;
	return HV_OK;
}

void hv_ledger_range_root(const struct hv_ledger_range *r, uint8_t out[HV_LEDGER_HASH_LEN])
{
	uint8_t acc[HV_LEDGER_HASH_LEN];

	if (r->n == 0) {
		hv_ledger_empty_root(out);
		return;
	}
	memcpy(acc, r->hash[r->n - 1], HV_LEDGER_HASH_LEN);
	for (int k = r->n - 2; k >= 0; k--)
		hv_ledger_node_hash(r->hash[k], acc, acc);
	memcpy(out, acc, HV_LEDGER_HASH_LEN);
}

/* ---- proofs ---- */

static int64_t largest_pow2_below(int64_t n)
{
	int64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k; /* k < n <= 2k, for n >= 2 */
}

static int log2_exact(int64_t n)
{
	int l = 0;

	while (((int64_t)1 << l) < n)
		l++;
	return ((int64_t)1 << l) == n ? l : -1;
}

/* MTH(D[lo:lo+n]), n >= 1, reading stored perfect subtrees; the right edge recurses. */
static int subtree(hv_ledger_node_get_fn get, void *ctx, int64_t lo, int64_t n,
		   uint8_t out[HV_LEDGER_HASH_LEN], struct hv_err *err)
{
	uint8_t left[HV_LEDGER_HASH_LEN], right[HV_LEDGER_HASH_LEN];
	int l = log2_exact(n);
	int64_t k;
	int rc;

	if (l >= 0 && lo % n == 0)
		return get(ctx, l, lo >> l, out, err);
	k = largest_pow2_below(n);
	if ((rc = subtree(get, ctx, lo, k, left, err)) ||
	    (rc = subtree(get, ctx, lo + k, n - k, right, err)))
		return rc;
	hv_ledger_node_hash(left, right, out);
	return HV_OK;
}

int hv_ledger_tree_root(hv_ledger_node_get_fn get, void *ctx, int64_t size,
			uint8_t out[HV_LEDGER_HASH_LEN], struct hv_err *err)
{
	if (size < 0)
		return hv_err_set(err, HV_EINVAL, "tree size %" PRId64 " is negative", size);
	if (size == 0) {
		hv_ledger_empty_root(out);
		return HV_OK;
	}
	return subtree(get, ctx, 0, size, out, err);
}

/* Proof hashes are produced top-down; RFC order is bottom-up, so collect then reverse. */
static void proof_reverse(struct hv_ledger_proof *p)
{
	uint8_t t[HV_LEDGER_HASH_LEN];

	for (int i = 0, j = p->n - 1; i < j; i++, j--) {
		memcpy(t, p->hash[i], HV_LEDGER_HASH_LEN);
		memcpy(p->hash[i], p->hash[j], HV_LEDGER_HASH_LEN);
		memcpy(p->hash[j], t, HV_LEDGER_HASH_LEN);
	}
}

int hv_ledger_inclusion_proof(hv_ledger_node_get_fn get, void *ctx, int64_t index, int64_t size,
			      struct hv_ledger_proof *out, struct hv_err *err)
{
	int64_t lo = 0, n = size, m = index, k;
	int rc;

	out->n = 0;
	if (size <= 0 || index < 0 || index >= size)
		return hv_err_set(err, HV_EINVAL,
				  "no inclusion proof of entry %" PRId64
				  " in a tree of size %" PRId64
				  ": the entry must be below the size",
				  index, size);
	while (n > 1) {
		k = largest_pow2_below(n);
		if (out->n >= HV_LEDGER_PROOF_MAX)
			return hv_err_set(err, HV_EINTERNAL, "inclusion proof too long");
		if (m < k) {
			rc = subtree(get, ctx, lo + k, n - k, out->hash[out->n], err);
			n = k;
		} else {
			rc = subtree(get, ctx, lo, k, out->hash[out->n], err);
			lo += k;
			m -= k;
			n -= k;
		}
		if (rc)
			return rc;
		out->n++;
	}
	proof_reverse(out);
	return HV_OK;
}

int hv_ledger_consistency_proof(hv_ledger_node_get_fn get, void *ctx, int64_t first, int64_t second,
				struct hv_ledger_proof *out, struct hv_err *err)
{
	int64_t lo = 0, n = second, m = first, k;
	bool b = true;
	int rc;

	out->n = 0;
	if (first < 0 || second < first)
		return hv_err_set(err, HV_EINVAL,
				  "no consistency proof from size %" PRId64 " to %" PRId64
				  ": the first size must not exceed the second",
				  first, second);
	if (first == 0 || first == second)
		return HV_OK;
	for (;;) {
		if (out->n >= HV_LEDGER_PROOF_MAX)
			return hv_err_set(err, HV_EINTERNAL, "consistency proof too long");
		if (m == n) {
			if (!b && (rc = subtree(get, ctx, lo, n, out->hash[out->n++], err)))
				return rc;
			break;
		}
		k = largest_pow2_below(n);
		if (m <= k) {
			rc = subtree(get, ctx, lo + k, n - k, out->hash[out->n], err);
			n = k;
		} else {
			rc = subtree(get, ctx, lo, k, out->hash[out->n], err);
			lo += k;
			m -= k;
			n -= k;
			b = false;
		}
		if (rc)
			return rc;
		out->n++;
	}
	proof_reverse(out);
	return HV_OK;
}

int hv_ledger_inclusion_verify(int64_t index, int64_t size, const uint8_t leaf[HV_LEDGER_HASH_LEN],
			       const struct hv_ledger_proof *p,
			       const uint8_t root[HV_LEDGER_HASH_LEN], struct hv_err *err)
{
	uint8_t r[HV_LEDGER_HASH_LEN];
	uint64_t fn, sn;

	if (index < 0 || size <= 0 || index >= size)
		return hv_err_set(err, HV_EINVAL,
				  "inclusion proof: entry %" PRId64
				  " is not in a tree of size %" PRId64,
				  index, size);
	if (p->n < 0 || p->n > HV_LEDGER_PROOF_MAX)
		return hv_err_set(err, HV_EINVAL, "inclusion proof: %d hashes", p->n);
	fn = (uint64_t)index;
	sn = (uint64_t)size - 1;
	memcpy(r, leaf, HV_LEDGER_HASH_LEN);
	for (int i = 0; i < p->n; i++) {
		if (sn == 0)
			return hv_err_set(err, HV_EINVAL,
					  "inclusion proof: %d hashes, more than the tree needs",
					  p->n);
		if ((fn & 1) || fn == sn) {
			hv_ledger_node_hash(p->hash[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			hv_ledger_node_hash(r, p->hash[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return hv_err_set(err, HV_EINVAL, "inclusion proof: too few hashes (%d)", p->n);
	if (memcmp(r, root, HV_LEDGER_HASH_LEN) != 0)
		return hv_err_set(
			err, HV_EINVAL,
			"inclusion proof: the computed root does not match the tree's root");
	return HV_OK;
}

int hv_ledger_consistency_verify(int64_t first, int64_t second,
				 const uint8_t first_root[HV_LEDGER_HASH_LEN],
				 const uint8_t second_root[HV_LEDGER_HASH_LEN],
				 const struct hv_ledger_proof *p, struct hv_err *err)
{
	uint8_t path[HV_LEDGER_PROOF_MAX + 1][HV_LEDGER_HASH_LEN], fr[HV_LEDGER_HASH_LEN],
		sr[HV_LEDGER_HASH_LEN];
	uint64_t fn, sn;
	int n = 0;

	if (first < 0 || second < first)
		return hv_err_set(err, HV_EINVAL,
				  "consistency proof: size %" PRId64
				  " cannot precede size %" PRId64,
				  first, second);
	if (p->n < 0 || p->n > HV_LEDGER_PROOF_MAX)
		return hv_err_set(err, HV_EINVAL, "consistency proof: %d hashes", p->n);
	if (first == second) {
		if (p->n != 0)
			return hv_err_set(err, HV_EINVAL,
					  "consistency proof: equal sizes need an empty proof");
		if (memcmp(first_root, second_root, HV_LEDGER_HASH_LEN) != 0)
			return hv_err_set(err, HV_EINVAL,
					  "consistency proof: equal sizes with different roots");
		return HV_OK;
	}
	if (first == 0) {
		if (p->n != 0)
			return hv_err_set(err, HV_EINVAL,
					  "consistency proof: from size 0 needs an empty proof");
		return HV_OK;
	}
	if (p->n == 0)
		return hv_err_set(err, HV_EINVAL, "consistency proof: empty");
	if ((first & (first - 1)) == 0)
		memcpy(path[n++], first_root, HV_LEDGER_HASH_LEN);
	for (int i = 0; i < p->n; i++)
		memcpy(path[n++], p->hash[i], HV_LEDGER_HASH_LEN);
	fn = (uint64_t)first - 1;
	sn = (uint64_t)second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, path[0], HV_LEDGER_HASH_LEN);
	memcpy(sr, path[0], HV_LEDGER_HASH_LEN);
	for (int i = 1; i < n; i++) {
		if (sn == 0)
			return hv_err_set(err, HV_EINVAL,
					  "consistency proof: %d hashes, more than the trees need",
					  p->n);
		if ((fn & 1) || fn == sn) {
			hv_ledger_node_hash(path[i], fr, fr);
			hv_ledger_node_hash(path[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			hv_ledger_node_hash(sr, path[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return hv_err_set(err, HV_EINVAL, "consistency proof: too few hashes (%d)", p->n);
	if (memcmp(fr, first_root, HV_LEDGER_HASH_LEN) != 0)
		return hv_err_set(err, HV_EINVAL,
				  "consistency proof: the first tree's root does not match");
	if (memcmp(sr, second_root, HV_LEDGER_HASH_LEN) != 0)
		return hv_err_set(err, HV_EINVAL,
				  "consistency proof: the second tree's root does not match");
	return HV_OK;
}

int hv_ledger_proof_parse(const char *const *items, int n, struct hv_ledger_proof *out,
			  struct hv_err *err)
{
	size_t len;

	out->n = 0;
	if (n < 0 || n > HV_LEDGER_PROOF_MAX)
		return hv_err_set(err, HV_ELIMIT, "proof: %d hashes (at most %d)", n,
				  HV_LEDGER_PROOF_MAX);
	for (int i = 0; i < n; i++) {
		if (!items[i] ||
		    hv_base64_decode(items[i], strlen(items[i]), out->hash[i], HV_LEDGER_HASH_LEN,
				     &len, NULL) ||
		    len != HV_LEDGER_HASH_LEN)
			return hv_err_set(err, HV_EFORMAT,
					  "proof: hash %d is not base64 of 32 bytes", i + 1);
	}
	out->n = n;
	return HV_OK;
}
