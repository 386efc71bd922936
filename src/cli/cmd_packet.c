/* SPDX-License-Identifier: Apache-2.0 */
/* `haven packet CASE --out DIR`: a case packet that haven-verify checks offline. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cases/cases.h"
#include "cases/packet.h"
#include "cli/cli.h"
#include "core/clock.h"

static const char packet_usage[] =
	"usage: haven [--db PATH] packet CASE --out DIR [--key FILE]\n"
	"\n"
	"Writes the case packet into DIR (new or empty): summary.pdf, the evidence files, and\n"
	"manifest.json with each file's SHA-256, every ledger entry the case rests on with its\n"
	"inclusion proof, a checkpoint signed now with the ledger key (--key, else\n"
	"$HAVEN_LEDGER_KEY), the public key, and the sign history of the incidents' properties.\n"
	"Check it anywhere with: haven-verify DIR [--pubkey FILE]\n";

static int run_packet(struct hv_cli *cli, int argc, char **argv)
{
	enum {
		O_OUT = 256,
		O_KEY
	};
	static const struct option opts[] = {
		{"out", required_argument, NULL, O_OUT},
		{"key", required_argument, NULL, O_KEY},
		{0},
	};
	const char *out = NULL, *key = getenv("HAVEN_LEDGER_KEY");
	struct hv_ledger_signer signer;
	struct hv_store *s;
	struct hv_err err;
	int64_t id;
	int c, rc;

	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_OUT:
			out = optarg;
			break;
		case O_KEY:
			key = optarg;
			break;
		case ':':
			return hv_cli_usage(&hv_cmd_packet, "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(&hv_cmd_packet, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc || !hv_cli_parse_id(argv[optind], &id))
		return hv_cli_usage(&hv_cmd_packet, "one CASE id is needed");
	if (!out)
		return hv_cli_usage(&hv_cmd_packet, "--out DIR is required");
	if (!key || !*key)
		return hv_cli_usage(&hv_cmd_packet,
				    "--key FILE (or $HAVEN_LEDGER_KEY) is required");
	hv_err_clear(&err);
	if (hv_ledger_key_load(key, &signer, &err))
		return hv_cli_fail(&err);
	if (!(s = hv_cli_open_store(cli))) {
		hv_ledger_signer_wipe(&signer);
		return HV_EXIT_FAIL;
	}
	rc = hv_packet_write(s, id, out, &signer, hv_time_now_ms(), &err);
	hv_ledger_signer_wipe(&signer);
	hv_store_close(s);
	if (rc)
		return hv_cli_fail(&err);
	printf("packet of case %" PRId64 " written to %s\n", id, out);
	return HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_packet = {
	.name = "packet",
	.run = run_packet,
	.summary = "write a case packet (PDF, evidence, proofs) for offline checking",
	.usage = packet_usage,
};
