/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 through OpenSSL's libcrypto (uses the CPU's SHA instructions), incremental and one-shot. */
#ifndef HV_CRYPTO_SHA256_H
#define HV_CRYPTO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HV_SHA256_LEN 32
#define HV_SHA256_HEX_LEN 65 /* 64 hex digits and a NUL */

struct hv_sha256; /* opaque incremental state */

/* Caller owns the result; free with hv_sha256_free. */
struct hv_sha256 *hv_sha256_new(void);
void hv_sha256_update(struct hv_sha256 *h, const void *p, size_t len);
/* Writes the digest and resets h for reuse. */
void hv_sha256_final(struct hv_sha256 *h, uint8_t out[HV_SHA256_LEN]);
void hv_sha256_free(struct hv_sha256 *h);
void hv_sha256(const void *p, size_t len, uint8_t out[HV_SHA256_LEN]);
/* SHA-256 of a || b without allocating: for many small digests (Merkle leaves and nodes). */
void hv_sha256_2(const void *a, size_t alen, const void *b, size_t blen,
		 uint8_t out[HV_SHA256_LEN]);
/* Lower-case hex of a digest into out (HV_SHA256_HEX_LEN bytes). */
void hv_sha256_hex(const uint8_t d[HV_SHA256_LEN], char out[HV_SHA256_HEX_LEN]);
/* Hashes a whole file by streaming it; HV_ENOENT or HV_EIO naming the path on failure. */
int hv_sha256_file(const char *path, char out[HV_SHA256_HEX_LEN], struct hv_err *err);

#endif
