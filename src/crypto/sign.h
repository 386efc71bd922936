/* SPDX-License-Identifier: Apache-2.0 */
/* Ed25519 signatures, random bytes and standard base64 (RFC 4648 section 4), through libsodium. */
#ifndef HV_CRYPTO_SIGN_H
#define HV_CRYPTO_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HV_SIGN_SEED_LEN   32
#define HV_SIGN_PUBLIC_LEN 32
#define HV_SIGN_SECRET_LEN 64 /* libsodium's seed || public key */
#define HV_SIGN_LEN	   64

/* Derives a key pair from a 32-byte seed (RFC 8032). HV_EINTERNAL if libsodium fails to start. */
int hv_sign_keypair(const uint8_t seed[HV_SIGN_SEED_LEN], uint8_t pk[HV_SIGN_PUBLIC_LEN],
		    uint8_t sk[HV_SIGN_SECRET_LEN], struct hv_err *err);
/* Signs msg with sk. */
void hv_sign(const uint8_t sk[HV_SIGN_SECRET_LEN], const void *msg, size_t len,
	     uint8_t sig[HV_SIGN_LEN]);
/* True when sig is pk's signature of msg. */
bool hv_sign_verify(const uint8_t pk[HV_SIGN_PUBLIC_LEN], const void *msg, size_t len,
		    const uint8_t sig[HV_SIGN_LEN]);
/* Fills p with n cryptographically random bytes. */
void hv_random_bytes(void *p, size_t n);
/* Zeroes n bytes at p in a way the compiler keeps. */
void hv_memzero(void *p, size_t n);

/* Length of the base64 text of n bytes, with its NUL. */
size_t hv_base64_len(size_t n);
/* Writes the padded standard base64 of in into out (hv_base64_len(len) bytes). */
void hv_base64_encode(const void *in, size_t len, char *out, size_t cap);
/* Decodes padded standard base64 text (exactly len bytes of it, no white space) into out.
 * HV_EFORMAT when it is not canonical base64 or decodes to more than cap bytes. */
int hv_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len,
		     struct hv_err *err);

#endif
