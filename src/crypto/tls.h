/* SPDX-License-Identifier: Apache-2.0 */
/* Checks a TLS certificate and private key (PEM) before a server is given them, so that a bad
 * pair is refused with a message naming the file and the problem (OpenSSL libcrypto). */
#ifndef HV_CRYPTO_TLS_H
#define HV_CRYPTO_TLS_H

#include <stddef.h>

#include "core/err.h"

/* cert_pem (from cert_name) must hold a PEM certificate, key_pem (from key_name) a PEM private
 * key, and the key must be the certificate's. HV_EINVAL naming the file otherwise: "FILE: no PEM
 * certificate", "FILE: no PEM private key (or it is encrypted)", "KEY does not match CERT". The
 * names are used in messages only. */
int hv_crypto_tls_check(const char *cert_pem, size_t cert_len, const char *cert_name,
			const char *key_pem, size_t key_len, const char *key_name,
			struct hv_err *err);

#endif
