/* SPDX-License-Identifier: Apache-2.0 */
/* Signed-note checkpoints and Ed25519 keys in sumdb/note form; key files of mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "crypto/sha256.h"
#include "crypto/sign.h"
#include "ledger/checkpoint.h"

#include "core/banned.h"

#define EM_DASH	    "\xe2\x80\x94"
#define SIG_PREFIX  EM_DASH " "
#define ALG_ED25519 0x01

int hv_ledger_key_name_check(const char *name, struct hv_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return hv_err_set(err, HV_EINVAL, "key name is empty");
	if (n > HV_LEDGER_NAME_MAX)
		return hv_err_set(err, HV_EINVAL, "key name is longer than %d bytes",
				  HV_LEDGER_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || c == '+')
			return hv_err_set(
				err, HV_EINVAL,
				"key name \"%s\": byte %zu is a space, '+' or not printable "
				"ASCII",
				name, i + 1);
	}
	return HV_OK;
}

static uint32_t key_id(const char *name, const uint8_t pk[32])
{
	struct hv_sha256 *h = hv_sha256_new();
	uint8_t d[HV_SHA256_LEN], sep[2] = {'\n', ALG_ED25519};

	hv_sha256_update(h, name, strlen(name));
	hv_sha256_update(h, sep, 2);
	hv_sha256_update(h, pk, 32);
	hv_sha256_final(h, d);
	hv_sha256_free(h);
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

static int signer_from_seed(const char *name, const uint8_t seed[32], struct hv_ledger_signer *k,
			    struct hv_err *err)
{
	int rc;

	memset(k, 0, sizeof(*k));
	if ((rc = hv_ledger_key_name_check(name, err)))
		return rc;
	memcpy(k->name, name, strlen(name) + 1);
	memcpy(k->seed, seed, 32);
	if ((rc = hv_sign_keypair(seed, k->pk, k->sk, err)))
		return rc;
	k->key_id = key_id(name, k->pk);
	return HV_OK;
}

int hv_ledger_signer_generate(const char *name, struct hv_ledger_signer *out, struct hv_err *err)
{
	uint8_t seed[32];
	int rc;

	hv_random_bytes(seed, sizeof(seed));
	rc = signer_from_seed(name, seed, out, err);
	hv_memzero(seed, sizeof(seed));
	return rc;
}

void hv_ledger_signer_wipe(struct hv_ledger_signer *k)
{
	if (k)
		hv_memzero(k, sizeof(*k));
}

void hv_ledger_signer_verifier(const struct hv_ledger_signer *k, struct hv_ledger_verifier *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, k->name, sizeof(out->name));
	out->key_id = k->key_id;
	memcpy(out->pk, k->pk, 32);
}

static void add_key_b64(struct hv_buf *out, const uint8_t key[32])
{
	uint8_t raw[33];
	char b64[64];

	raw[0] = ALG_ED25519;
	memcpy(raw + 1, key, 32);
	hv_base64_encode(raw, sizeof(raw), b64, sizeof(b64));
	hv_buf_adds(out, b64);
	hv_memzero(raw, sizeof(raw));
	hv_memzero(b64, sizeof(b64));
}

void hv_ledger_signer_format(const struct hv_ledger_signer *k, struct hv_buf *out)
{
	hv_buf_addf(out, "PRIVATE+KEY+%s+%08" PRIx32 "+", k->name, k->key_id);
	add_key_b64(out, k->seed);
}

void hv_ledger_verifier_format(const struct hv_ledger_verifier *v, struct hv_buf *out)
{
	hv_buf_addf(out, "%s+%08" PRIx32 "+", v->name, v->key_id);
	add_key_b64(out, v->pk);
}

/* Splits "NAME+KEYID+BASE64[\n]" and decodes the key bytes after the algorithm byte. */
static int parse_key(const char *text, const char *what, char name[HV_LEDGER_NAME_MAX + 1],
		     uint32_t *id, uint8_t key[32], struct hv_err *err)
{
	const char *p1, *p2, *end = text + strlen(text);
	uint8_t raw[40];
	size_t n = 0;
	char hex[9];
	char *hend;
	int rc;

	if (end > text && end[-1] == '\n')
		end--;
	p1 = memchr(text, '+', (size_t)(end - text));
	if (!p1 || !(p2 = memchr(p1 + 1, '+', (size_t)(end - p1 - 1))))
		return hv_err_set(err, HV_EFORMAT, "%s: expected NAME+KEYID+KEY", what);
	if (p1 == text || (size_t)(p1 - text) > HV_LEDGER_NAME_MAX)
		return hv_err_set(err, HV_EFORMAT, "%s: the key name is empty or too long", what);
	memcpy(name, text, (size_t)(p1 - text));
	name[p1 - text] = '\0';
	if ((rc = hv_ledger_key_name_check(name, err)))
		return hv_err_prefix(err, HV_EFORMAT, "%s", what);
	if (p2 - p1 - 1 != 8)
		return hv_err_set(err, HV_EFORMAT, "%s: the key ID is not 8 hex digits", what);
	memcpy(hex, p1 + 1, 8);
	hex[8] = '\0';
	for (int i = 0; i < 8; i++) {
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return hv_err_set(err, HV_EFORMAT,
					  "%s: the key ID \"%s\" is not lower-case hex", what, hex);
	}
	*id = (uint32_t)strtoul(hex, &hend, 16);
	if (hv_base64_decode(p2 + 1, (size_t)(end - p2 - 1), raw, sizeof(raw), &n, NULL) ||
	    n != 33 || raw[0] != ALG_ED25519) {
		hv_memzero(raw, sizeof(raw));
		return hv_err_set(err, HV_EFORMAT, "%s: the key is not base64 of an Ed25519 key",
				  what);
	}
	memcpy(key, raw + 1, 32);
	hv_memzero(raw, sizeof(raw));
	return HV_OK;
}

int hv_ledger_signer_parse(const char *text, struct hv_ledger_signer *out, struct hv_err *err)
{
	static const char prefix[] = "PRIVATE+KEY+";
	char name[HV_LEDGER_NAME_MAX + 1];
	uint8_t seed[32];
	uint32_t id;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strncmp(text, prefix, sizeof(prefix) - 1) != 0)
		return hv_err_set(err, HV_EFORMAT, "signer key: does not start with PRIVATE+KEY+");
	if ((rc = parse_key(text + sizeof(prefix) - 1, "signer key", name, &id, seed, err)))
		return rc;
	rc = signer_from_seed(name, seed, out, err);
	hv_memzero(seed, sizeof(seed));
	if (rc)
		return rc;
	if (out->key_id != id) {
		hv_ledger_signer_wipe(out);
		return hv_err_set(err, HV_EFORMAT,
				  "signer key: key ID %08" PRIx32 " does not match the key", id);
	}
	return HV_OK;
}

int hv_ledger_verifier_parse(const char *text, struct hv_ledger_verifier *out, struct hv_err *err)
{
	uint32_t id;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = parse_key(text, "verifier key", out->name, &id, out->pk, err)))
		return rc;
	out->key_id = key_id(out->name, out->pk);
	if (out->key_id != id)
		return hv_err_set(err, HV_EFORMAT,
				  "verifier key: key ID %08" PRIx32 " does not match the key", id);
	return HV_OK;
}

/* ---- key files ---- */

int hv_ledger_key_create(const char *path, const char *name, struct hv_err *err)
{
	struct hv_ledger_signer k;
	struct hv_buf b;
	int fd = -1, rc;
	ssize_t w;

	if ((rc = hv_ledger_signer_generate(name, &k, err)))
		return rc;
	hv_buf_init(&b, 4096);
	hv_ledger_signer_format(&k, &b);
	hv_buf_addc(&b, '\n');
	/* O_EXCL: never overwrite a key (old checkpoints need its public half, and a second
	 * keygen by mistake must not destroy the city's key) */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errno == EEXIST
			     ? hv_err_set(err, HV_EEXIST,
					  "%s: a key file is already there; not overwriting "
					  "it",
					  path)
			     : hv_err_set(err, HV_EIO, "%s: cannot create: %s", path,
					  strerror(errno));
		goto out;
	}
	/* the umask may have removed bits but never adds any; make 0600 explicit anyway */
	if (fchmod(fd, 0600) != 0 || (w = write(fd, b.data, b.len)) < 0 || (size_t)w != b.len ||
	    fsync(fd) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot write: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	rc = HV_OK;
out:
	hv_memzero(b.data, b.len);
	hv_buf_release(&b);
	hv_ledger_signer_wipe(&k);
	return rc;
}

int hv_ledger_key_load(const char *path, struct hv_ledger_signer *out, struct hv_err *err)
{
	char text[512];
	struct stat st;
	ssize_t n;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hv_err_set(err, errno == ENOENT ? HV_ENOENT : HV_EIO,
				  "%s: cannot open key file: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = hv_err_set(err, HV_EINVAL, "%s: the key file is not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		rc = hv_err_set(err, HV_EINVAL,
				"%s: the key file has mode %04o, so others may read it; "
				"run chmod 600 on it (and consider the key exposed)",
				path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	text[n] = '\0';
	if ((rc = hv_ledger_signer_parse(text, out, err)))
		hv_err_prefix(err, rc, "%s", path);
out:
	hv_memzero(text, sizeof(text));
	close(fd);
	return rc;
}

int hv_ledger_verifiers_load(const char *path, struct hv_ledger_verifier *out, int cap, int *n,
			     struct hv_err *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int lineno = 0, rc = HV_OK;

	*n = 0;
	if (!f)
		return hv_err_set(err, errno == ENOENT ? HV_ENOENT : HV_EIO, "%s: cannot open: %s",
				  path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		size_t len;

		lineno++;
		len = strlen(p);
		while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' '))
			p[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (*n == cap) {
			rc = hv_err_set(err, HV_ELIMIT, "%s:%d: more than %d keys", path, lineno,
					cap);
			break;
		}
		if ((rc = hv_ledger_verifier_parse(p, &out[*n], err))) {
			hv_err_prefix(err, rc, "%s:%d", path, lineno);
			break;
		}
		(*n)++;
	}
	fclose(f);
	if (rc == HV_OK && *n == 0)
		rc = hv_err_set(err, HV_EINVAL, "%s: no public key in the file", path);
	return rc;
}

/* ---- checkpoints ---- */

void hv_ledger_checkpoint_text(const struct hv_ledger_checkpoint *c, struct hv_buf *out)
{
	char b64[64];

	hv_base64_encode(c->root, HV_LEDGER_HASH_LEN, b64, sizeof(b64));
	hv_buf_addf(out, "%s\n%" PRId64 "\n%s\n", c->origin, c->size, b64);
}

static const char *line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

int hv_ledger_checkpoint_parse(const char *text, size_t len, struct hv_ledger_checkpoint *out,
			       struct hv_err *err)
{
	const char *p = text, *end = text + len, *e;
	uint64_t size = 0;
	size_t n = 0;
	uint8_t root[40];

	memset(out, 0, sizeof(*out));
	if (!(e = line_end(p, end)) || e == p)
		return hv_err_set(err, HV_EFORMAT, "checkpoint line 1: no origin");
	if ((size_t)(e - p) > HV_LEDGER_NAME_MAX)
		return hv_err_set(err, HV_EFORMAT, "checkpoint line 1: origin longer than %d bytes",
				  HV_LEDGER_NAME_MAX);
	memcpy(out->origin, p, (size_t)(e - p));
	out->origin[e - p] = '\0';
	if (memchr(out->origin, '\0', (size_t)(e - p)))
		return hv_err_set(err, HV_EFORMAT, "checkpoint line 1: NUL in the origin");
	p = e + 1;
	if (!(e = line_end(p, end)) || e == p)
		return hv_err_set(err, HV_EFORMAT, "checkpoint line 2: no tree size");
	if ((e - p > 1 && *p == '0') || e - p > 19)
		return hv_err_set(err, HV_EFORMAT,
				  "checkpoint line 2: tree size \"%.*s\" is not "
				  "canonical",
				  (int)(e - p > 24 ? 24 : e - p), p);
	for (const char *q = p; q < e; q++) {
		if (*q < '0' || *q > '9')
			return hv_err_set(err, HV_EFORMAT,
					  "checkpoint line 2: tree size is not a decimal number");
		size = size * 10 + (uint64_t)(*q - '0');
	}
	if (size > (uint64_t)INT64_MAX)
		return hv_err_set(err, HV_EFORMAT, "checkpoint line 2: tree size is too large");
	out->size = (int64_t)size;
	p = e + 1;
	if (!(e = line_end(p, end)))
		return hv_err_set(err, HV_EFORMAT, "checkpoint line 3: no root hash");
	if (hv_base64_decode(p, (size_t)(e - p), root, sizeof(root), &n, NULL) ||
	    n != HV_LEDGER_HASH_LEN)
		return hv_err_set(err, HV_EFORMAT,
				  "checkpoint line 3: root is not base64 of 32 bytes");
	memcpy(out->root, root, HV_LEDGER_HASH_LEN);
	/* extension lines may follow; each must be a non-empty line */
	for (p = e + 1; p < end; p = e + 1) {
		if (!(e = line_end(p, end)) || e == p)
			return hv_err_set(err, HV_EFORMAT,
					  "checkpoint: an extension line is empty or unterminated");
	}
	return HV_OK;
}

int hv_ledger_checkpoint_sign(const struct hv_ledger_checkpoint *c,
			      const struct hv_ledger_signer *const *signers, int n,
			      struct hv_buf *out, struct hv_err *err)
{
	struct hv_buf text;
	uint8_t blob[4 + 64];
	char b64[128];
	int rc;

	if (n < 1)
		return hv_err_set(err, HV_EINVAL, "a checkpoint needs at least one signing key");
	if ((rc = hv_ledger_key_name_check(c->origin, err)))
		return hv_err_prefix(err, rc, "checkpoint origin");
	hv_buf_init(&text, HV_LEDGER_NOTE_MAX);
	hv_ledger_checkpoint_text(c, &text);
	hv_buf_add(out, text.data, text.len);
	hv_buf_addc(out, '\n');
	for (int i = 0; i < n; i++) {
		const struct hv_ledger_signer *k = signers[i];

		blob[0] = (uint8_t)(k->key_id >> 24);
		blob[1] = (uint8_t)(k->key_id >> 16);
		blob[2] = (uint8_t)(k->key_id >> 8);
		blob[3] = (uint8_t)k->key_id;
		hv_sign(k->sk, text.data, text.len, blob + 4);
		hv_base64_encode(blob, sizeof(blob), b64, sizeof(b64));
		hv_buf_addf(out, SIG_PREFIX "%s %s\n", k->name, b64);
	}
	hv_buf_release(&text);
	return HV_OK;
}

/* UTF-8 well-formedness (no overlongs, surrogates or values past U+10FFFF), and no control
 * characters other than '\n'; returns the offset of the first bad byte, or len. */
static size_t first_bad_byte(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t need;
		uint32_t cp, min;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7f)
				return i;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return i;
		}
		if (len - i <= need)
			return i;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += need + 1;
	}
	return len;
}

int hv_ledger_note_split(const char *note, size_t len, struct hv_ledger_note *out,
			 struct hv_err *err)
{
	const char *p, *end = note + len, *e, *sp;
	size_t bad, sep = 0;
	uint8_t blob[4 + 64 + 8];
	size_t n;
	bool found = false;

	memset(out, 0, sizeof(*out));
	if (len > HV_LEDGER_NOTE_MAX)
		return hv_err_set(err, HV_ELIMIT, "signed note: longer than %d bytes",
				  HV_LEDGER_NOTE_MAX);
	if ((bad = first_bad_byte((const unsigned char *)note, len)) != len)
		return hv_err_set(err, HV_EFORMAT,
				  "signed note: byte %zu is a control character or not UTF-8",
				  bad + 1);
	if (len == 0 || note[len - 1] != '\n')
		return hv_err_set(err, HV_EFORMAT, "signed note: does not end in a newline");
	/* the text ends at the last blank line */
	for (size_t i = len - 1; i > 0; i--) {
		if (note[i] == '\n' && note[i - 1] == '\n') {
			sep = i;
			found = true;
			break;
		}
	}
	if (!found || sep < 1)
		return hv_err_set(err, HV_EFORMAT,
				  "signed note: no blank line before the signatures");
	out->text_len = sep; /* note[sep] is the blank line's '\n'; the text keeps its own '\n' */
	for (p = note + sep + 1; p < end; p = e + 1) {
		struct hv_ledger_note_sig *s;

		e = line_end(p, end);
		if (out->n_sigs == HV_LEDGER_NOTE_SIGS_MAX)
			return hv_err_set(err, HV_ELIMIT, "signed note: more than %d signatures",
					  HV_LEDGER_NOTE_SIGS_MAX);
		s = &out->sigs[out->n_sigs];
		if ((size_t)(e - p) < sizeof(SIG_PREFIX) - 1 ||
		    memcmp(p, SIG_PREFIX, sizeof(SIG_PREFIX) - 1) != 0)
			return hv_err_set(err, HV_EFORMAT,
					  "signed note: signature line %d does not start with "
					  "\"" SIG_PREFIX "\"",
					  out->n_sigs + 1);
		p += sizeof(SIG_PREFIX) - 1;
		sp = memchr(p, ' ', (size_t)(e - p));
		if (!sp || sp == p || (size_t)(sp - p) > HV_LEDGER_NAME_MAX)
			return hv_err_set(err, HV_EFORMAT,
					  "signed note: signature line %d has no key name",
					  out->n_sigs + 1);
		memcpy(s->name, p, (size_t)(sp - p));
		s->name[sp - p] = '\0';
		if (hv_ledger_key_name_check(s->name, NULL))
			return hv_err_set(err, HV_EFORMAT,
					  "signed note: signature line %d: bad key name",
					  out->n_sigs + 1);
		if (hv_base64_decode(sp + 1, (size_t)(e - sp - 1), blob, sizeof(blob), &n, NULL) ||
		    n < 5 || n > 4 + 64)
			return hv_err_set(
				err, HV_EFORMAT,
				"signed note: signature line %d is not base64 of a key ID "
				"and a signature",
				out->n_sigs + 1);
		s->key_id = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
			    (uint32_t)blob[2] << 8 | blob[3];
		s->sig_len = n - 4;
		memcpy(s->sig, blob + 4, n - 4);
		out->n_sigs++;
	}
	if (out->n_sigs == 0)
		return hv_err_set(err, HV_EFORMAT, "signed note: no signature line");
	return HV_OK;
}

int hv_ledger_checkpoint_open(const char *note, size_t len, const struct hv_ledger_verifier *keys,
			      int n_keys, struct hv_ledger_checkpoint *out, int *n_verified,
			      struct hv_err *err)
{
	struct hv_ledger_note *sn = hv_xmalloc(sizeof(*sn));
	int good = 0, rc;

	memset(out, 0, sizeof(*out));
	if (n_verified)
		*n_verified = 0;
	if ((rc = hv_ledger_note_split(note, len, sn, err)))
		goto out;
	for (int i = 0; i < sn->n_sigs; i++) {
		const struct hv_ledger_note_sig *s = &sn->sigs[i];

		for (int k = 0; k < n_keys; k++) {
			if (keys[k].key_id != s->key_id || strcmp(keys[k].name, s->name) != 0)
				continue;
			if (s->sig_len != 64 ||
			    !hv_sign_verify(keys[k].pk, note, sn->text_len, s->sig)) {
				rc = hv_err_set(err, HV_EINVAL,
						"checkpoint: the signature by %s+%08" PRIx32
						" does not verify",
						s->name, s->key_id);
				goto out;
			}
			good++;
		}
	}
	if (good == 0) {
		rc = hv_err_set(err, HV_EINVAL,
				"checkpoint: no signature by a known key (%d signature line%s)",
				sn->n_sigs, sn->n_sigs == 1 ? "" : "s");
		goto out;
	}
	if ((rc = hv_ledger_checkpoint_parse(note, sn->text_len, out, err)))
		goto out;
	if (n_verified)
		*n_verified = good;
out:
	free(sn);
	return rc;
}

bool hv_ledger_note_signed_by(const char *note, size_t len, const struct hv_ledger_verifier *k)
{
	struct hv_ledger_note *sn = hv_xmalloc(sizeof(*sn));
	bool found = false;

	if (hv_ledger_note_split(note, len, sn, NULL) == HV_OK) {
		for (int i = 0; i < sn->n_sigs && !found; i++)
			found = sn->sigs[i].key_id == k->key_id &&
				strcmp(sn->sigs[i].name, k->name) == 0;
	}
	free(sn);
	return found;
}
