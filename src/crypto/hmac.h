/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC-SHA256 (OpenSSL), for signed webhooks. */
#ifndef HV_CRYPTO_HMAC_H
#define HV_CRYPTO_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/sha256.h"

/* HMAC-SHA256 of p[0..len) under key[0..key_len) as lower-case hex into out. */
void hv_hmac_sha256_hex(const void *key, size_t key_len, const void *p, size_t len,
			char out[HV_SHA256_HEX_LEN]);

#endif
