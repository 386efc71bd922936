/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 over OpenSSL (EVP for the incremental state; the stack context for small digests). */
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP allocates a
 * context per digest; for the ledger's millions of 65-byte node hashes the stack context is
 * several times faster, and both run the same SHA-NI block function. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/sha256.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

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

void hv_sha256_2(const void *a, size_t alen, const void *b, size_t blen,
		 uint8_t out[HV_SHA256_LEN])
{
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, a, alen);
	SHA256_Update(&c, b, blen);
	SHA256_Final(out, &c);
}

int hv_sha256_file(const char *path, char out[HV_SHA256_HEX_LEN], struct hv_err *err)
{
	enum { CHUNK = 1 << 20 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char *chunk;
	SHA256_CTX c;
	uint8_t d[HV_SHA256_LEN];
	ssize_t n;
	int rc = HV_OK;

	if (fd < 0)
		return hv_err_set(err, errno == ENOENT ? HV_ENOENT : HV_EIO, "%s: %s", path,
				  strerror(errno));
	/* a large evidence file (a 4 GB video) streams through one 1 MiB buffer: read(2) without
	 * stdio's extra copy, the kernel told to read ahead */
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	chunk = malloc(CHUNK);
	if (!chunk)
		oom_abort();
	SHA256_Init(&c);
	while ((n = read(fd, chunk, CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = hv_err_set(err, HV_EIO, "%s: read error: %s", path, strerror(errno));
			break;
		}
		SHA256_Update(&c, chunk, (size_t)n);
	}
	close(fd);
	free(chunk);
	SHA256_Final(d, &c);
	if (rc == HV_OK)
		hv_sha256_hex(d, out);
	return rc;
}
