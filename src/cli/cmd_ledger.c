/* SPDX-License-Identifier: Apache-2.0 */
/* `haven ledger keygen|pubkey|checkpoint|show|proof` and `haven verify`: the evidence ledger. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/str.h"
#include "ledger/ledger.h"
#include "registry/registry.h"
#include "signs/signs.h"

#include "core/banned.h"

static const char ledger_usage[] =
	"usage: haven ledger keygen [--key FILE] [--name NAME]\n"
	"       haven ledger pubkey [--key FILE]\n"
	"       haven [--db PATH] ledger checkpoint [--key FILE]...\n"
	"       haven [--db PATH] ledger show SEQ [--json]\n"
	"       haven [--db PATH] ledger proof inclusion SEQ [--size N]\n"
	"       haven [--db PATH] ledger proof consistency FIRST SECOND\n"
	"\n"
	"The ledger is an append-only Merkle log (RFC 9162) of every report entry, evidence\n"
	"record, sign event, scope change and read of a restricted record.\n"
	"\n"
	"keygen     writes a new Ed25519 signing key to FILE (mode 0600; refuses to overwrite)\n"
	"           and prints its public key. NAME is the log's origin, e.g.\n"
	"           haven.example-city.gov/ledger (default haven/ledger).\n"
	"pubkey     prints the public (verifier) key of FILE, for auditors and `haven verify`.\n"
	"checkpoint with --key: signs and stores a checkpoint of the current tree (give --key\n"
	"           twice, old and new, to hand over to a new key); without: prints the latest.\n"
	"show       prints entry SEQ (0-based).\n"
	"proof      prints an inclusion proof of SEQ in the tree of size N (default: now), or a\n"
	"           consistency proof between two tree sizes, as JSON with base64 hashes.\n"
	"\n"
	"FILE defaults to $HAVEN_LEDGER_KEY. See docs/internals/ledger.md for key rotation.\n";

static const char verify_usage[] =
	"usage: haven [--db PATH] verify [--pubkey FILE]... [--key FILE] [--json]\n"
	"                                [--no-kind-checks]\n"
	"\n"
	"Recomputes the ledger from the stored entries: every entry's bytes and leaf hash, every\n"
	"interior node, each checkpoint's root and signature, and each module's check that its\n"
	"records still match their entries. Names the first thing that does not match and exits "
	"1.\n"
	"\n"
	"--pubkey FILE  public keys (one per line, as `haven ledger pubkey` prints them) whose\n"
	"               checkpoint signatures count; default $HAVEN_LEDGER_PUBKEY. Keep old keys\n"
	"               in the file after a rotation.\n"
	"--key FILE     take the public key from a signing key file instead.\n"
	"Without either, signatures are not checked (and the output says so).\n";

static const struct hv_cmd *self(void);
static const struct hv_cmd *verify_self(void);

#define MAX_KEYS 8

static const char *default_key(void)
{
	const char *k = getenv("HAVEN_LEDGER_KEY");

	return k && *k ? k : NULL;
}

static int keygen(int argc, char **argv)
{
	enum {
		O_KEY = 256,
		O_NAME
	};
	static const struct option opts[] = {
		{"key", required_argument, NULL, O_KEY},
		{"name", required_argument, NULL, O_NAME},
		{0},
	};
	const char *path = default_key(), *name = "haven/ledger";
	struct hv_ledger_signer k;
	struct hv_ledger_verifier v;
	struct hv_buf b;
	struct hv_err err;
	int c;

	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == O_KEY)
			path = optarg;
		else if (c == O_NAME)
			name = optarg;
		else if (c == ':')
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		else
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
	}
	if (optind != argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
	if (!path)
		return hv_cli_usage(self(), "keygen needs --key FILE (or $HAVEN_LEDGER_KEY)");
	if (hv_ledger_key_create(path, name, &err) || hv_ledger_key_load(path, &k, &err))
		return hv_cli_fail(&err);
	hv_ledger_signer_verifier(&k, &v);
	hv_ledger_signer_wipe(&k);
	hv_buf_init(&b, 0);
	hv_ledger_verifier_format(&v, &b);
	fprintf(stderr, "haven: signing key written to %s (mode 0600); keep it secret\n", path);
	hv_cli_print(&b);
	hv_buf_release(&b);
	return HV_EXIT_OK;
}

/* Parses --key FILE options (repeatable) into keys; returns a usage/fail exit or OK. */
static int load_keys(int argc, char **argv, struct hv_ledger_signer *keys, int *n, bool *json,
		     int64_t *size)
{
	enum {
		O_KEY = 256,
		O_JSON,
		O_SIZE
	};
	static const struct option opts[] = {
		{"key", required_argument, NULL, O_KEY},
		{"json", no_argument, NULL, O_JSON},
		{"size", required_argument, NULL, O_SIZE},
		{0},
	};
	struct hv_err err;
	int c;

	*n = 0;
	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_KEY:
			if (*n == MAX_KEYS)
				return hv_cli_usage(self(), "at most %d --key options", MAX_KEYS);
			if (hv_ledger_key_load(optarg, &keys[*n], &err))
				return hv_cli_fail(&err);
			(*n)++;
			break;
		case O_JSON:
			if (!json)
				return hv_cli_usage(self(), "--json is not an option here");
			*json = true;
			break;
		case O_SIZE:
			if (!size || !hv_str_to_i64(hv_str_cstr(optarg), size) || *size <= 0)
				return hv_cli_usage(self(), "--size \"%s\" is not a tree size",
						    optarg);
			break;
		case ':':
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

static int pubkey(int argc, char **argv)
{
	struct hv_ledger_signer keys[MAX_KEYS];
	struct hv_ledger_verifier v;
	struct hv_buf b;
	struct hv_err err;
	int n, rc;

	if ((rc = load_keys(argc, argv, keys, &n, NULL, NULL)))
		return rc;
	if (optind != argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
	if (n == 0) {
		if (!default_key())
			return hv_cli_usage(self(),
					    "pubkey needs --key FILE (or $HAVEN_LEDGER_KEY)");
		if (hv_ledger_key_load(default_key(), &keys[0], &err))
			return hv_cli_fail(&err);
		n = 1;
	}
	hv_buf_init(&b, 0);
	for (int i = 0; i < n; i++) {
		hv_ledger_signer_verifier(&keys[i], &v);
		hv_ledger_signer_wipe(&keys[i]);
		hv_buf_reset(&b);
		hv_ledger_verifier_format(&v, &b);
		hv_cli_print(&b);
	}
	hv_buf_release(&b);
	return HV_EXIT_OK;
}

static int checkpoint(struct hv_store *s, int argc, char **argv)
{
	struct hv_ledger_signer keys[MAX_KEYS];
	const struct hv_ledger_signer *ptrs[MAX_KEYS];
	struct hv_buf note;
	struct hv_err err;
	int64_t size;
	int n, rc;

	hv_err_clear(&err);
	if ((rc = load_keys(argc, argv, keys, &n, NULL, NULL)))
		return rc;
	if (optind != argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
	if (n == 0 && default_key()) {
		if (hv_ledger_key_load(default_key(), &keys[0], &err))
			return hv_cli_fail(&err);
		n = 1;
	}
	hv_buf_init(&note, 0);
	if (n == 0) {
		rc = hv_ledger_checkpoint_latest(s, &note, &err);
	} else {
		for (int i = 0; i < n; i++)
			ptrs[i] = &keys[i];
		if (!(rc = hv_store_begin(s, &err)) &&
		    !(rc = hv_ledger_checkpoint(s, ptrs, n, hv_time_now_ms(), &note, &size, &err)))
			rc = hv_store_commit(s, &err);
		if (rc)
			hv_store_rollback(s);
		for (int i = 0; i < n; i++)
			hv_ledger_signer_wipe(&keys[i]);
	}
	if (rc) {
		hv_buf_release(&note);
		return hv_cli_fail(&err);
	}
	fwrite(note.data, 1, note.len, stdout);
	hv_buf_release(&note);
	return HV_EXIT_OK;
}

static bool parse_seq(const char *s, int64_t *v)
{
	return hv_str_to_i64(hv_str_cstr(s), v) && *v >= 0;
}

static int show(struct hv_store *s, int argc, char **argv)
{
	struct hv_ledger_signer keys[MAX_KEYS];
	struct hv_ledger_entry e;
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	bool json = false;
	int64_t seq;
	int n, rc;

	hv_err_clear(&err);
	if ((rc = load_keys(argc, argv, keys, &n, &json, NULL)))
		return rc;
	if (optind + 1 != argc)
		return hv_cli_usage(self(), "show needs exactly one SEQ");
	if (!parse_seq(argv[optind], &seq))
		return hv_cli_usage(self(), "\"%s\" is not an entry number", argv[optind]);
	if (hv_ledger_get(s, seq, &e, &err))
		return hv_cli_fail(&err);
	hv_buf_init(&b, 0);
	if (json) {
		hv_json_init(&w, &b, true);
		hv_ledger_entry_json(&w, &e);
		hv_cli_print(&b);
	} else {
		char when[HV_TIME_ISO_MAX];

		hv_time_format_iso(e.recorded_ms, when, sizeof(when));
		printf("entry %lld  %s  %s  recorded %s\n", (long long)e.seq, e.kind,
		       e.ref ? e.ref : "-", when);
		fwrite(e.body, 1, e.body_len, stdout);
		fputc('\n', stdout);
	}
	hv_buf_release(&b);
	hv_ledger_entry_release(&e);
	return HV_EXIT_OK;
}

static int proof(struct hv_store *s, int argc, char **argv)
{
	struct hv_ledger_signer keys[MAX_KEYS];
	struct hv_ledger_proof p;
	struct hv_ledger_entry e = {0};
	uint8_t r1[HV_LEDGER_HASH_LEN], r2[HV_LEDGER_HASH_LEN];
	struct hv_buf b;
	struct hv_json w;
	struct hv_err err;
	int64_t a, c = 0, size = 0;
	int n, rc;

	hv_err_clear(&err);
	if (argc < 2)
		return hv_cli_usage(self(), "proof needs inclusion or consistency");
	if ((rc = load_keys(argc - 1, argv + 1, keys, &n, NULL, &size)))
		return rc;
	optind += 1;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	if (strcmp(argv[1], "inclusion") == 0) {
		if (optind + 1 != argc || !parse_seq(argv[optind], &a))
			return hv_cli_usage(self(), "proof inclusion needs one SEQ");
		if ((rc = hv_ledger_prove_inclusion(s, a, size, &size, &p, &err)) ||
		    (rc = hv_ledger_root(s, size, r1, &err)) ||
		    (rc = hv_ledger_get(s, a, &e, &err)))
			goto out;
		hv_ledger_inclusion_json(&w, a, size, e.leaf_hash, r1, &p);
	} else if (strcmp(argv[1], "consistency") == 0) {
		if (optind + 2 != argc || !parse_seq(argv[optind], &a) ||
		    !parse_seq(argv[optind + 1], &c))
			return hv_cli_usage(self(),
					    "proof consistency needs FIRST and SECOND sizes");
		if (size)
			return hv_cli_usage(self(), "--size is for inclusion proofs");
		if ((rc = hv_ledger_prove_consistency(s, a, c, &p, &err)) ||
		    (rc = hv_ledger_root(s, a, r1, &err)) || (rc = hv_ledger_root(s, c, r2, &err)))
			goto out;
		hv_ledger_consistency_json(&w, a, c, r1, r2, &p);
	} else {
		hv_buf_release(&b);
		return hv_cli_usage(self(), "no proof \"%s\" (inclusion, consistency)", argv[1]);
	}
	hv_cli_print(&b);
out:
	hv_ledger_entry_release(&e);
	hv_buf_release(&b);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static const struct {
	const char *name;
	int (*run)(struct hv_store *s, int argc, char **argv);
} store_subs[] = {
	{"checkpoint", checkpoint},
	{"show", show},
	{"proof", proof},
};

static int run_ledger(struct hv_cli *cli, int argc, char **argv)
{
	struct hv_store *s;
	int rc;

	if (argc < 2)
		return hv_cli_usage(self(), "which one: keygen, pubkey, checkpoint, show, proof");
	/* key commands touch no store */
	if (strcmp(argv[1], "keygen") == 0)
		return keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "pubkey") == 0)
		return pubkey(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(store_subs) / sizeof(store_subs[0]); i++) {
		if (strcmp(argv[1], store_subs[i].name) != 0)
			continue;
		if (!(s = hv_cli_open_store(cli)))
			return HV_EXIT_FAIL;
		rc = store_subs[i].run(s, argc - 1, argv + 1);
		hv_store_close(s);
		return rc;
	}
	return hv_cli_usage(
		self(), "no sub-command \"%s\" (keygen, pubkey, checkpoint, show, proof)", argv[1]);
}

const struct hv_cmd hv_cmd_ledger = {
	.name = "ledger",
	.run = run_ledger,
	.summary = "the evidence ledger: keys, checkpoints, entries, proofs",
	.usage = ledger_usage,
};

static const struct hv_cmd *self(void)
{
	return &hv_cmd_ledger;
}

/* ---- haven verify ---- */

/* Every module that appends registers its kind check here. */
static int register_kinds(struct hv_err *err)
{
	int rc = hv_ledger_kind_register(&hv_registry_scope_kind, err);

	if (!rc)
		rc = hv_signs_ledger_register(err);
	return rc ? rc : hv_cases_register_kinds(err);
}

static int run_verify(struct hv_cli *cli, int argc, char **argv)
{
	enum {
		O_PUBKEY = 256,
		O_KEY,
		O_JSON,
		O_NO_KIND
	};
	static const struct option opts[] = {
		{"pubkey", required_argument, NULL, O_PUBKEY},
		{"key", required_argument, NULL, O_KEY},
		{"json", no_argument, NULL, O_JSON},
		{"no-kind-checks", no_argument, NULL, O_NO_KIND},
		{0},
	};
	struct hv_ledger_verifier keys[32];
	struct hv_ledger_verify_report rep;
	struct hv_ledger_signer k;
	struct hv_store *s = NULL;
	struct hv_err err;
	const char *env = getenv("HAVEN_LEDGER_PUBKEY");
	bool json = false, kind_checks = true;
	int n_keys = 0, n, c, rc;
	uint64_t t0;

	hv_err_clear(&err);
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_PUBKEY:
			if (hv_ledger_verifiers_load(optarg, keys + n_keys, 32 - n_keys, &n, &err))
				return hv_cli_fail(&err);
			n_keys += n;
			break;
		case O_KEY:
			if (n_keys == 32)
				return hv_cli_usage(verify_self(), "too many keys");
			if (hv_ledger_key_load(optarg, &k, &err))
				return hv_cli_fail(&err);
			hv_ledger_signer_verifier(&k, &keys[n_keys++]);
			hv_ledger_signer_wipe(&k);
			break;
		case O_JSON:
			json = true;
			break;
		case O_NO_KIND:
			kind_checks = false;
			break;
		case ':':
			return hv_cli_usage(verify_self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(verify_self(), "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return hv_cli_usage(verify_self(), "unexpected argument \"%s\"", argv[optind]);
	if (n_keys == 0 && env && *env) {
		if (hv_ledger_verifiers_load(env, keys, 32, &n_keys, &err))
			return hv_cli_fail(&err);
	}
	if ((rc = register_kinds(&err)))
		return hv_cli_fail(&err);
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	t0 = hv_time_mono_ns();
	rc = hv_ledger_verify(s, keys, n_keys, kind_checks, &rep, &err);
	hv_store_close(s);
	if (json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_json_obj_begin(&w);
		hv_json_key(&w, "ok");
		hv_json_bool(&w, rc == HV_OK);
		hv_json_key(&w, "error");
		hv_json_str(&w, rc ? err.msg : NULL);
		hv_json_key(&w, "bad_seq");
		if (rep.bad_seq >= 0)
			hv_json_int(&w, rep.bad_seq);
		else
			hv_json_null(&w);
		hv_json_key(&w, "entries");
		hv_json_int(&w, rep.n_entries);
		hv_json_key(&w, "nodes");
		hv_json_int(&w, rep.n_nodes);
		hv_json_key(&w, "checkpoints");
		hv_json_int(&w, rep.n_checkpoints);
		hv_json_key(&w, "signatures_checked");
		hv_json_bool(&w, n_keys > 0);
		hv_json_key(&w, "kind_checked");
		hv_json_int(&w, rep.n_kind_checked);
		hv_json_key(&w, "kind_unchecked");
		hv_json_int(&w, rep.n_kind_unchecked);
		hv_json_obj_end(&w);
		hv_cli_print(&b);
		hv_buf_release(&b);
	}
	if (rc) {
		fprintf(stderr, "haven: verify FAILED: %s\n", err.msg);
		return HV_EXIT_FAIL;
	}
	if (!json) {
		printf("ledger ok: %lld entries, %lld nodes, %lld checkpoints%s, %lld records "
		       "checked against their entries (%.2f s)\n",
		       (long long)rep.n_entries, (long long)rep.n_nodes,
		       (long long)rep.n_checkpoints,
		       n_keys ? " (signatures verified)"
			      : " (signatures NOT checked: no public key)",
		       (long long)rep.n_kind_checked, (double)(hv_time_mono_ns() - t0) / 1e9);
		if (rep.n_kind_unchecked)
			printf("note: %lld entries are of kinds no module checks\n",
			       (long long)rep.n_kind_unchecked);
	}
	return HV_EXIT_OK;
}

const struct hv_cmd hv_cmd_verify = {
	.name = "verify",
	.run = run_verify,
	.summary = "recompute the ledger and check every record against its entry",
	.usage = verify_usage,
};

static const struct hv_cmd *verify_self(void)
{
	return &hv_cmd_verify;
}
