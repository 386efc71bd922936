/* SPDX-License-Identifier: Apache-2.0 */
/* haven-verify: checks a case packet offline. Needs no store and no haven installation: only the
 * packet folder (and, better, the city's published public key). */
#include <stdio.h>
#include <string.h>

#include "cases/packet.h"

#include "core/banned.h"

static const char usage[] =
	"usage: haven-verify DIR [--pubkey FILE]\n"
	"\n"
	"Checks a haven case packet: the checkpoint's Ed25519 signature, every ledger entry's\n"
	"inclusion proof against it, every file's SHA-256 and size, that no file was added or\n"
	"removed, that each evidence file is the one its ledger entry records, and that a sign's\n"
	"installation entry precedes each incident's report in the log. --pubkey FILE names the\n"
	"city's published key (one per line); without it the packet's own key is used, and the\n"
	"output says so. Exit status: 0 verified, 1 not verified, 2 usage error.\n";

int main(int argc, char **argv)
{
	struct hv_ledger_verifier keys[32];
	struct hv_packet_manifest m;
	struct hv_err err;
	const char *dir = NULL, *pubkey = NULL;
	int n_keys = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc) {
			pubkey = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' || dir) {
			fprintf(stderr, "haven-verify: unexpected argument %s\n\n%s", argv[i],
				usage);
			return 2;
		} else {
			dir = argv[i];
		}
	}
	if (!dir) {
		fputs(usage, stderr);
		return 2;
	}
	hv_err_clear(&err);
	if (pubkey && hv_ledger_verifiers_load(pubkey, keys, 32, &n_keys, &err)) {
		fprintf(stderr, "haven-verify: %s\n", err.msg);
		return 1;
	}
	rc = hv_packet_verify(dir, keys, n_keys, &m, &err);
	if (rc) {
		printf("NOT VERIFIED: %s\n", err.msg);
		hv_packet_manifest_release(&m);
		return 1;
	}
	printf("verified: %zu files, %zu ledger entries proved against the checkpoint of %s "
	       "(tree of %lld), %zu incident(s) each preceded by a sign installation entry "
	       "(%zu sign events)\n",
	       m.n_files, m.n_entries, m.origin, (long long)m.tree_size, m.n_incidents,
	       m.n_sign_events);
	if (m.key_from_packet)
		printf("note: signature checked with the packet's own key %s; pass --pubkey with "
		       "the city's published key to pin it\n",
		       m.key_name);
	hv_packet_manifest_release(&m);
	return 0;
}
