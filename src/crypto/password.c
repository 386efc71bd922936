/* SPDX-License-Identifier: Apache-2.0 */
/* Passwords, tokens and comparisons over libsodium: the only file that includes <sodium.h>. */
#include "crypto/password.h"

#include <string.h>

#include <sodium.h>

#include "crypto/sha256.h"

_Static_assert(HV_PWHASH_STR_MAX == crypto_pwhash_STRBYTES, "password hash buffer size");

int hv_crypto_init(struct hv_err *err)
{
	if (sodium_init() < 0)
		return hv_err_set(err, HV_EINTERNAL, "libsodium failed to initialise");
	return HV_OK;
}

int hv_password_hash(const char *password, char out[HV_PWHASH_STR_MAX], struct hv_err *err)
{
	int rc;

	if ((rc = hv_crypto_init(err)))
		return rc;
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return hv_err_set(err, HV_EINTERNAL, "password hashing ran out of memory");
	return HV_OK;
}

bool hv_password_verify(const char *hash, const char *password)
{
	if (hv_crypto_init(NULL))
		return false;
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void hv_token_new(char out[HV_TOKEN_HEX_LEN])
{
	unsigned char b[HV_TOKEN_BYTES];

	/* sodium_init cannot fail short of a broken system; randombytes_buf works regardless. */
	(void)hv_crypto_init(NULL);
	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, HV_TOKEN_HEX_LEN, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

void hv_token_hash(const char *token, char out[65])
{
	uint8_t d[HV_SHA256_LEN];

	hv_sha256(token, strlen(token), d);
	hv_sha256_hex(d, out);
}

bool hv_ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}
