/* SPDX-License-Identifier: Apache-2.0 */
/* Secrets: argon2id password hashes, random tokens and constant-time comparison (libsodium). */
#ifndef HV_CRYPTO_PASSWORD_H
#define HV_CRYPTO_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HV_PWHASH_STR_MAX 128 /* crypto_pwhash_STRBYTES */
#define HV_TOKEN_BYTES	  32
#define HV_TOKEN_HEX_LEN  (2 * HV_TOKEN_BYTES + 1) /* hex and its NUL */

/* Initialises libsodium; idempotent and thread-safe. HV_EINTERNAL when it cannot. */
int hv_crypto_init(struct hv_err *err);

/* Hashes password with argon2id (OPSLIMIT/MEMLIMIT_INTERACTIVE) into out, a self-describing
 * "$argon2id$..." string. HV_EINTERNAL when out of memory for the hash. */
int hv_password_hash(const char *password, char out[HV_PWHASH_STR_MAX], struct hv_err *err);
/* True when password matches hash (a string from hv_password_hash). */
bool hv_password_verify(const char *hash, const char *password);

/* Fills out with HV_TOKEN_BYTES random bytes as lowercase hex (NUL-terminated). */
void hv_token_new(char out[HV_TOKEN_HEX_LEN]);
/* The hex SHA-256 of a token string: what the store keeps instead of the token. */
void hv_token_hash(const char *token, char out[65]);

/* Compares a and b (both NUL-terminated) in time that depends only on their lengths. */
bool hv_ct_streq(const char *a, const char *b);

#endif
