/* SPDX-License-Identifier: Apache-2.0 */
/* Ed25519, random bytes and base64 over libsodium. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/password.h"
#include "crypto/sign.h"

#include "core/banned.h"

int hv_sign_keypair(const uint8_t seed[HV_SIGN_SEED_LEN], uint8_t pk[HV_SIGN_PUBLIC_LEN],
		    uint8_t sk[HV_SIGN_SECRET_LEN], struct hv_err *err)
{
	int rc;

	if ((rc = hv_crypto_init(err)))
		return rc;
	if (crypto_sign_seed_keypair(pk, sk, seed) != 0)
		return hv_err_set(err, HV_EINTERNAL, "cannot derive an Ed25519 key pair");
	return HV_OK;
}

void hv_sign(const uint8_t sk[HV_SIGN_SECRET_LEN], const void *msg, size_t len,
	     uint8_t sig[HV_SIGN_LEN])
{
	crypto_sign_detached(sig, NULL, msg, len, sk);
}

bool hv_sign_verify(const uint8_t pk[HV_SIGN_PUBLIC_LEN], const void *msg, size_t len,
		    const uint8_t sig[HV_SIGN_LEN])
{
	if (hv_crypto_init(NULL))
		return false;
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

void hv_random_bytes(void *p, size_t n)
{
	/* without a working RNG no key may be made: stop rather than return weak bytes */
	if (hv_crypto_init(NULL) != HV_OK) {
		fprintf(stderr, "haven: libsodium cannot start; no random bytes\n");
		abort();
	}
	randombytes_buf(p, n);
}

void hv_memzero(void *p, size_t n)
{
	sodium_memzero(p, n);
}

size_t hv_base64_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
}

void hv_base64_encode(const void *in, size_t len, char *out, size_t cap)
{
	sodium_bin2base64(out, cap, in, len, sodium_base64_VARIANT_ORIGINAL);
}

int hv_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len,
		     struct hv_err *err)
{
	const char *end = NULL;
	size_t n = 0;
	char *again;
	int rc = HV_OK;

	if (hv_crypto_init(err))
		return HV_EINTERNAL;
	if (sodium_base642bin(out, cap, text, len, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != text + len)
		return hv_err_set(err, HV_EFORMAT, "not base64 (or longer than %zu bytes)", cap);
	/* libsodium accepts non-zero padding bits; only the one canonical text is accepted here */
	again = malloc(hv_base64_len(n));
	if (!again)
		abort();
	hv_base64_encode(out, n, again, hv_base64_len(n));
	if (strlen(again) != len || memcmp(again, text, len) != 0)
		rc = hv_err_set(err, HV_EFORMAT, "not canonical base64");
	free(again);
	if (rc == HV_OK && out_len)
		*out_len = n;
	return rc;
}
