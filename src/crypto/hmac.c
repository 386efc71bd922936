/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC-SHA256 through OpenSSL's one-shot HMAC(). */
#include "crypto/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

void hv_hmac_sha256_hex(const void *key, size_t key_len, const void *p, size_t len,
			char out[HV_SHA256_HEX_LEN])
{
	uint8_t d[HV_SHA256_LEN];
	unsigned int n = 0;

	HMAC(EVP_sha256(), key, (int)key_len, p, len, d, &n);
	hv_sha256_hex(d, out);
}
