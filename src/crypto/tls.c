/* SPDX-License-Identifier: Apache-2.0 */
/* TLS certificate and key checks with OpenSSL libcrypto (see tls.h). */
#include "crypto/tls.h"

#include <limits.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* An encrypted key would make OpenSSL ask for a passphrase on the terminal: refuse instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int hv_crypto_tls_check(const char *cert_pem, size_t cert_len, const char *cert_name,
			const char *key_pem, size_t key_len, const char *key_name,
			struct hv_err *err)
{
	BIO *cb = NULL, *kb = NULL;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	int rc = HV_OK;

	if (cert_len > INT_MAX || key_len > INT_MAX)
		return hv_err_set(err, HV_EINVAL, "%s: too large for a certificate or key",
				  cert_len > INT_MAX ? cert_name : key_name);
	cb = BIO_new_mem_buf(cert_pem, (int)cert_len);
	kb = BIO_new_mem_buf(key_pem, (int)key_len);
	if (!cb || !kb) {
		rc = hv_err_set(err, HV_EINTERNAL, "out of memory reading the certificate");
		goto out;
	}
	cert = PEM_read_bio_X509(cb, NULL, no_passphrase, NULL);
	if (!cert) {
		rc = hv_err_set(err, HV_EINVAL, "%s: no PEM certificate (BEGIN CERTIFICATE) in it",
				cert_name);
		goto out;
	}
	key = PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL);
	if (!key) {
		rc = hv_err_set(err, HV_EINVAL,
				"%s: no PEM private key in it (or it is encrypted: give the key "
				"without a passphrase)",
				key_name);
		goto out;
	}
	if (X509_check_private_key(cert, key) != 1) {
		rc = hv_err_set(err, HV_EINVAL,
				"%s is not the private key of the certificate in %s", key_name,
				cert_name);
		goto out;
	}
out:
	ERR_clear_error();
	EVP_PKEY_free(key);
	X509_free(cert);
	BIO_free(kb);
	BIO_free(cb);
	return rc;
}
