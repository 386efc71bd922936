/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: signed-note checkpoints (split, text parse, open with a known key) and
 * ledger entry bytes, as an offline verifier reads them from a packet or a server. A parse that
 * succeeds must describe what it read consistently; a failure must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The public half of the test key that signed the corpus's notes (its secret is not kept). */
static const char test_vkey[] =
	"haven.test/ledger+47784dec+ATU31I58LB4RRBlkXJNyZR/CXIhvsiMdJcj7GqlEwTuU";

static void check_note(const char *p, size_t n)
{
	struct hv_ledger_note *sn = malloc(sizeof(*sn));
	struct hv_ledger_checkpoint c, c2;
	struct hv_ledger_verifier v;
	struct hv_err err;
	int n_ok = -1, rc;

	if (hv_ledger_verifier_parse(test_vkey, &v, &err) != HV_OK)
		__builtin_trap();
	hv_err_clear(&err);
	if (hv_ledger_note_split(p, n, sn, &err) == HV_OK) {
		if (sn->text_len == 0 || sn->text_len >= n || p[sn->text_len - 1] != '\n' ||
		    sn->n_sigs < 1 || sn->n_sigs > HV_LEDGER_NOTE_SIGS_MAX)
			__builtin_trap();
		hv_err_clear(&err);
		if (hv_ledger_checkpoint_parse(p, sn->text_len, &c, &err) == HV_OK) {
			struct hv_buf b;

			/* the canonical text of what was read is the note's first lines */
			hv_buf_init(&b, 0);
			hv_ledger_checkpoint_text(&c, &b);
			if (b.len > sn->text_len || memcmp(b.data, p, b.len) != 0)
				__builtin_trap();
			hv_buf_release(&b);
		} else if (!err.msg[0]) {
			__builtin_trap();
		}
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	hv_err_clear(&err);
	rc = hv_ledger_checkpoint_open(p, n, &v, 1, &c2, &n_ok, &err);
	if (rc == HV_OK && n_ok != 1)
		__builtin_trap();
	if (rc != HV_OK && !err.msg[0])
		__builtin_trap();
	(void)hv_ledger_note_signed_by(p, n, &v);
	free(sn);
}

static void check_entry(const char *p, size_t n)
{
	struct hv_ledger_fields f;
	char kind[HV_LEDGER_KIND_MAX + 1], ref[HV_LEDGER_REF_MAX + 1];
	struct hv_err err;

	hv_err_clear(&err);
	if (hv_ledger_entry_parse(p, n, &f, kind, ref, &err) == HV_OK) {
		struct hv_buf b;

		/* only the one canonical form parses: composing it again gives the same bytes */
		hv_buf_init(&b, 0);
		hv_ledger_entry_compose(&f, &b);
		if (b.len != n || memcmp(b.data, p, n) != 0)
			__builtin_trap();
		hv_buf_release(&b);
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
}

/* Public key files come from outside (auditors, packets): a key that parses prints back as
 * the same text. */
static void check_key(const char *p, size_t n)
{
	struct hv_ledger_verifier v;
	struct hv_ledger_signer k;
	struct hv_err err;
	char *text = malloc(n + 1);
	size_t len = n;

	memcpy(text, p, n);
	text[n] = '\0';
	if (memchr(p, '\0', n)) {
		free(text);
		return;
	}
	if (len && text[len - 1] == '\n')
		len--;
	hv_err_clear(&err);
	if (hv_ledger_verifier_parse(text, &v, &err) == HV_OK) {
		struct hv_buf b;

		hv_buf_init(&b, 0);
		hv_ledger_verifier_format(&v, &b);
		if (b.len != len || memcmp(b.data, text, len) != 0)
			__builtin_trap();
		hv_buf_release(&b);
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	hv_err_clear(&err);
	if (hv_ledger_signer_parse(text, &k, &err) == HV_OK) {
		struct hv_buf b;

		hv_buf_init(&b, 0);
		hv_ledger_signer_format(&k, &b);
		if (b.len != len || memcmp(b.data, text, len) != 0)
			__builtin_trap();
		hv_buf_release(&b);
		hv_ledger_signer_wipe(&k);
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_note((const char *)data, size);
	check_entry((const char *)data, size);
	check_key((const char *)data, size);
	return 0;
}
