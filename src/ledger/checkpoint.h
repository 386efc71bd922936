/* SPDX-License-Identifier: Apache-2.0 */
/* Checkpoints as transparency logs write them: a C2SP signed note (c2sp.org/signed-note) whose
 * text is a tlog checkpoint (c2sp.org/tlog-checkpoint), Ed25519-signed by the city's key:
 *
 *   haven.example.city/ledger
 *   41
 *   <base64 of the 32-byte root>
 *
 *   — haven.example.city/ledger <base64(4-byte key ID || 64-byte signature)>
 *
 * Keys are written the way Go's sumdb/note writes them: a verifier key
 * "NAME+KEYID+base64(0x01 || public key)", a signer key "PRIVATE+KEY+NAME+KEYID+base64(0x01 ||
 * seed)", KEYID the hex of SHA-256(NAME || 0x0A || 0x01 || public key)[:4]. Store-free. */
#ifndef HV_LEDGER_CHECKPOINT_H
#define HV_LEDGER_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "ledger/merkle.h"

#define HV_LEDGER_NAME_MAX	128   /* bytes of a key name or an origin */
#define HV_LEDGER_NOTE_MAX	16384 /* bytes of a signed note */
#define HV_LEDGER_NOTE_SIGS_MAX 32

/* A signing key; secret: wipe with hv_ledger_signer_wipe. */
struct hv_ledger_signer {
	char name[HV_LEDGER_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t seed[32];
	uint8_t sk[64];
	uint8_t pk[32];
};

struct hv_ledger_verifier {
	char name[HV_LEDGER_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t pk[32];
};

/* A checkpoint's text fields. */
struct hv_ledger_checkpoint {
	char origin[HV_LEDGER_NAME_MAX + 1];
	int64_t size;
	uint8_t root[HV_LEDGER_HASH_LEN];
};

/* HV_OK when name is a valid key name (non-empty, at most 128 bytes, printable ASCII other than
 * space and '+'); HV_EINVAL naming the problem. */
int hv_ledger_key_name_check(const char *name, struct hv_err *err);
/* A new random key named name. */
int hv_ledger_signer_generate(const char *name, struct hv_ledger_signer *out, struct hv_err *err);
/* Parses "PRIVATE+KEY+NAME+KEYID+BASE64" (trailing newline allowed); HV_EFORMAT naming what. */
int hv_ledger_signer_parse(const char *text, struct hv_ledger_signer *out, struct hv_err *err);
/* Appends the signer key text (no newline). */
void hv_ledger_signer_format(const struct hv_ledger_signer *k, struct hv_buf *out);
void hv_ledger_signer_verifier(const struct hv_ledger_signer *k, struct hv_ledger_verifier *out);
void hv_ledger_signer_wipe(struct hv_ledger_signer *k);
/* Parses "NAME+KEYID+BASE64" (trailing newline allowed); HV_EFORMAT when malformed or when
 * KEYID is not the hash of the name and key. */
int hv_ledger_verifier_parse(const char *text, struct hv_ledger_verifier *out, struct hv_err *err);
/* Appends the verifier key text (no newline). */
void hv_ledger_verifier_format(const struct hv_ledger_verifier *v, struct hv_buf *out);

/* Creates a key file at path holding a new signer key named name, mode 0600, refusing to
 * overwrite (HV_EEXIST naming the path). */
int hv_ledger_key_create(const char *path, const char *name, struct hv_err *err);
/* Loads a signer key file. Refuses (HV_EINVAL naming path and mode) a file that its group or
 * others may read or write, or that is not a regular file; HV_ENOENT / HV_EIO / HV_EFORMAT. */
int hv_ledger_key_load(const char *path, struct hv_ledger_signer *out, struct hv_err *err);
/* Loads verifier keys from a file: one per line, blank lines and '#' comments skipped; at most
 * cap. Errors name the file and line. */
int hv_ledger_verifiers_load(const char *path, struct hv_ledger_verifier *out, int cap, int *n,
			     struct hv_err *err);

/* Appends the checkpoint text ("origin\nsize\nbase64root\n"). */
void hv_ledger_checkpoint_text(const struct hv_ledger_checkpoint *c, struct hv_buf *out);
/* Parses a checkpoint's text (extension lines after the root are allowed and ignored). */
int hv_ledger_checkpoint_parse(const char *text, size_t len, struct hv_ledger_checkpoint *out,
			       struct hv_err *err);
/* Appends a signed note of c signed by every signer (n >= 1; for a key hand-over, old and new). */
int hv_ledger_checkpoint_sign(const struct hv_ledger_checkpoint *c,
			      const struct hv_ledger_signer *const *signers, int n,
			      struct hv_buf *out, struct hv_err *err);

/* One signature line of a note, as split (not yet verified). */
struct hv_ledger_note_sig {
	char name[HV_LEDGER_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t sig[64];
	size_t sig_len; /* bytes after the key ID; 64 for Ed25519 */
};

struct hv_ledger_note {
	size_t text_len; /* the text is note[0, text_len), ending in '\n' */
	int n_sigs;
	struct hv_ledger_note_sig sigs[HV_LEDGER_NOTE_SIGS_MAX];
};

/* Splits a signed note into its text and signature lines; checks the form only (UTF-8, no
 * control characters but '\n', the blank line, each "— NAME BASE64" line). HV_EFORMAT naming
 * what and where. */
int hv_ledger_note_split(const char *note, size_t len, struct hv_ledger_note *out,
			 struct hv_err *err);
/* Opens a signed checkpoint: splits it, verifies the signatures of the known keys (unknown ones
 * are ignored; a known key's bad signature rejects the note; at least one must verify), parses
 * the text into *out. *n_verified (may be NULL) gets the number of good signatures. HV_EFORMAT
 * (malformed) or HV_EINVAL (signature) naming the problem. */
int hv_ledger_checkpoint_open(const char *note, size_t len, const struct hv_ledger_verifier *keys,
			      int n_keys, struct hv_ledger_checkpoint *out, int *n_verified,
			      struct hv_err *err);
/* True when note carries a signature line by key k (name and key ID; not verified). */
bool hv_ledger_note_signed_by(const char *note, size_t len, const struct hv_ledger_verifier *k);

#endif
