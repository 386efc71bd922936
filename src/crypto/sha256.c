/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 over OpenSSL's EVP interface. */
#include "crypto/sha256.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct hv_sha256 {
	EVP_MD_CTX *ctx;
};

/* OpenSSL 3 looks the algorithm up on every EVP_sha256() init; fetching it once makes many
 * small digests (one per imported property) several times cheaper. */
static EVP_MD *sha256_md;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void fetch_md(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md) {
		fprintf(stderr, "haven: OpenSSL has no SHA-256\n");
		abort();
	}
}

static const EVP_MD *md(void)
{
	pthread_once(&md_once, fetch_md);
	return sha256_md;
}

static void oom_abort(void)
{
	fprintf(stderr, "haven: out of memory (sha256)\n");
	abort();
}

struct hv_sha256 *hv_sha256_new(void)
{
	struct hv_sha256 *h = malloc(sizeof(*h));

	if (!h)
		oom_abort();
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex2(h->ctx, md(), NULL) != 1)
		oom_abort();
	return h;
}

void hv_sha256_update(struct hv_sha256 *h, const void *p, size_t len)
{
	EVP_DigestUpdate(h->ctx, p, len);
}

void hv_sha256_final(struct hv_sha256 *h, uint8_t out[HV_SHA256_LEN])
{
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->ctx, out, &n);
	EVP_DigestInit_ex2(h->ctx, md(), NULL);
}

void hv_sha256_free(struct hv_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void hv_sha256(const void *p, size_t len, uint8_t out[HV_SHA256_LEN])
{
	unsigned int n = 0;

	EVP_Digest(p, len, out, &n, md(), NULL);
}

void hv_sha256_hex(const uint8_t d[HV_SHA256_LEN], char out[HV_SHA256_HEX_LEN])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < HV_SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

int hv_sha256_file(const char *path, char out[HV_SHA256_HEX_LEN], struct hv_err *err)
{
	FILE *f = fopen(path, "rb");
	struct hv_sha256 *h;
	uint8_t d[HV_SHA256_LEN];
	static _Thread_local unsigned char chunk[1 << 16];
	size_t n;
	int rc = HV_OK;

	if (!f)
		return hv_err_set(err, errno == ENOENT ? HV_ENOENT : HV_EIO, "%s: %s", path,
				  strerror(errno));
	h = hv_sha256_new();
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		hv_sha256_update(h, chunk, n);
	if (ferror(f))
		rc = hv_err_set(err, HV_EIO, "%s: read error", path);
	fclose(f);
	hv_sha256_final(h, d);
	hv_sha256_free(h);
	if (rc == HV_OK)
		hv_sha256_hex(d, out);
	return rc;
}
