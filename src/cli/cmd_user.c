/* SPDX-License-Identifier: Apache-2.0 */
/* `haven user add|list|disable` and `haven token add|revoke`: accounts and API tokens. A
 * password or token is printed once, on stdout, and never stored or logged in the clear. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "crypto/password.h"
#include "http/http.h"

static const char user_usage[] =
	"usage: haven [--db PATH] user add NAME --role ROLE [--password-stdin]\n"
	"       haven [--db PATH] user list [--json]\n"
	"       haven [--db PATH] user disable NAME\n"
	"\n"
	"ROLE: admin, law, facilities, staff or auditor. 'user add' prints a one-time password on\n"
	"stdout (give it to the person; it is not shown again), or with --password-stdin reads\n"
	"the password from the first line of stdin. Passwords are kept as argon2id hashes.\n"
	"'user disable' keeps the account (for the record) but refuses its logins and ends its\n"
	"sessions.\n";

static const char token_usage[] =
	"usage: haven [--db PATH] token add NAME --role ROLE\n"
	"       haven [--db PATH] token revoke ID\n"
	"\n"
	"An API token lets an integration call the API with one role: send it as\n"
	"\"Authorization: Bearer TOKEN\". 'token add' prints the token once on stdout (its id on\n"
	"stderr); the store keeps only its SHA-256. 'token revoke ID' refuses it from then on.\n";

#define PASSWORD_MAX 1024

static const struct hv_cmd *user_self(void)
{
	return &hv_cmd_user;
}

static const struct hv_cmd *token_self(void)
{
	return &hv_cmd_token;
}

struct user_opts {
	const char *role;
	bool password_stdin, json;
};

static int parse_opts(const struct hv_cmd *cmd, int argc, char **argv, struct user_opts *uo)
{
	enum {
		O_ROLE = 256,
		O_PASSWORD_STDIN,
		O_JSON
	};
	static const struct option opts[] = {
		{"role", required_argument, NULL, O_ROLE},
		{"password-stdin", no_argument, NULL, O_PASSWORD_STDIN},
		{"json", no_argument, NULL, O_JSON},
		{0},
	};
	int c;

	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_ROLE:
			uo->role = optarg;
			break;
		case O_PASSWORD_STDIN:
			uo->password_stdin = true;
			break;
		case O_JSON:
			uo->json = true;
			break;
		case ':':
			return hv_cli_usage(cmd, "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(cmd, "unknown option %s", argv[optind - 1]);
		}
	}
	return HV_EXIT_OK;
}

/* A role a person or a token can hold: any but the public. */
static int check_role(const struct hv_cmd *cmd, const char *role)
{
	if (!role)
		return hv_cli_usage(cmd, "--role is required");
	if (hv_role_parse(role) >= HV_ROLE_PUBLIC)
		return hv_cli_usage(
			cmd, "--role \"%s\": one of admin, law, facilities, staff, auditor", role);
	return HV_EXIT_OK;
}

static int check_name(const struct hv_cmd *cmd, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= HV_USER_NAME_MAX)
		return hv_cli_usage(cmd, "NAME \"%s\": 1 to %d bytes", name, HV_USER_NAME_MAX - 1);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			return hv_cli_usage(cmd, "NAME \"%s\": no spaces or control characters",
					    name);
	return HV_EXIT_OK;
}

static int read_password(char *out, size_t cap, struct hv_err *err)
{
	size_t n;

	if (!fgets(out, (int)cap, stdin))
		return hv_err_set(err, HV_EINVAL, "--password-stdin: no password on stdin");
	n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n == cap - 1)
		return hv_err_set(err, HV_EINVAL, "--password-stdin: longer than %d bytes",
				  PASSWORD_MAX - 1);
	out[n] = '\0';
	if (n < 8)
		return hv_err_set(err, HV_EINVAL, "--password-stdin: at least 8 characters");
	return HV_OK;
}

static int user_add(struct hv_store *s, int argc, char **argv)
{
	struct user_opts uo = {0};
	char password[PASSWORD_MAX], hash[HV_PWHASH_STR_MAX], tok[HV_TOKEN_HEX_LEN];
	const char *name;
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(user_self(), argc, argv, &uo)))
		return rc;
	if (optind + 1 != argc)
		return hv_cli_usage(user_self(), "user add takes one NAME");
	name = argv[optind];
	if ((rc = check_name(user_self(), name)) || (rc = check_role(user_self(), uo.role)))
		return rc;
	if (uo.password_stdin) {
		if ((rc = read_password(password, sizeof(password), &err)))
			return hv_cli_fail(&err);
	} else {
		/* 128 bits of randomness, as 32 hex digits: typed once, then changed. */
		hv_token_new(tok);
		snprintf(password, sizeof(password), "%.32s", tok);
	}
	if ((rc = hv_password_hash(password, hash, &err)) || (rc = hv_store_begin(s, &err)))
		return hv_cli_fail(&err);
	if ((rc = hv_store_user_add(s, name, uo.role, hash, hv_time_now_ms(), &id, &err)) ||
	    (rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		return hv_cli_fail(&err);
	}
	fprintf(stderr, "haven: user %s added (role %s, id %lld)%s\n", name, uo.role, (long long)id,
		uo.password_stdin ? "" : "; its one-time password follows");
	if (!uo.password_stdin)
		printf("%s\n", password);
	return HV_EXIT_OK;
}

struct list_ctx {
	struct hv_json *w;
};

static int list_row(void *ctx, const struct hv_user *u)
{
	struct list_ctx *c = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(u->created_ms, when, sizeof(when));
	if (!c->w) {
		printf("%-24s %-10s %s%s\n", u->name, u->role, when,
		       u->disabled ? " disabled" : "");
		return 0;
	}
	hv_json_obj_begin(c->w);
	hv_json_key(c->w, "id");
	hv_json_int(c->w, u->id);
	hv_json_key(c->w, "name");
	hv_json_str(c->w, u->name);
	hv_json_key(c->w, "role");
	hv_json_str(c->w, u->role);
	hv_json_key(c->w, "created");
	hv_json_str(c->w, when);
	hv_json_key(c->w, "disabled");
	hv_json_bool(c->w, u->disabled);
	hv_json_obj_end(c->w);
	return 0;
}

static int user_list(struct hv_store *s, int argc, char **argv)
{
	struct user_opts uo = {0};
	struct hv_buf b;
	struct hv_json w;
	struct list_ctx c = {0};
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(user_self(), argc, argv, &uo)))
		return rc;
	if (optind != argc)
		return hv_cli_usage(user_self(), "unexpected argument \"%s\"", argv[optind]);
	hv_buf_init(&b, 0);
	if (uo.json) {
		hv_json_init(&w, &b, false);
		c.w = &w;
		hv_json_obj_begin(&w);
		hv_json_key(&w, "users");
		hv_json_arr_begin(&w);
	}
	rc = hv_store_user_each(s, list_row, &c, &err);
	if (uo.json) {
		hv_json_arr_end(&w);
		hv_json_obj_end(&w);
		if (!rc)
			hv_cli_print(&b);
	}
	hv_buf_release(&b);
	return rc ? hv_cli_fail(&err) : HV_EXIT_OK;
}

static int user_disable(struct hv_store *s, int argc, char **argv)
{
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	if (argc != 2)
		return hv_cli_usage(user_self(), "user disable takes one NAME");
	if ((rc = hv_store_begin(s, &err)))
		return hv_cli_fail(&err);
	if ((rc = hv_store_user_disable(s, argv[1], &err)) || (rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		return hv_cli_fail(&err);
	}
	fprintf(stderr, "haven: user %s disabled\n", argv[1]);
	return HV_EXIT_OK;
}

static int run_user(struct hv_cli *cli, int argc, char **argv)
{
	static const struct hv_subcmd subs[] = {
		{"add", user_add},
		{"list", user_list},
		{"disable", user_disable},
	};

	return hv_cli_dispatch(cli, user_self(), subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}

static int token_add(struct hv_store *s, int argc, char **argv)
{
	struct user_opts uo = {0};
	char tok[HV_TOKEN_HEX_LEN], hash[HV_TOKEN_HEX_LEN];
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(token_self(), argc, argv, &uo)))
		return rc;
	if (optind + 1 != argc)
		return hv_cli_usage(token_self(), "token add takes one NAME");
	if ((rc = check_name(token_self(), argv[optind])) ||
	    (rc = check_role(token_self(), uo.role)))
		return rc;
	hv_token_new(tok);
	hv_token_hash(tok, hash);
	if ((rc = hv_store_begin(s, &err)))
		return hv_cli_fail(&err);
	if ((rc = hv_store_token_add(s, hash, argv[optind], uo.role, hv_time_now_ms(), &id,
				     &err)) ||
	    (rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		return hv_cli_fail(&err);
	}
	fprintf(stderr, "haven: token %lld (%s, role %s) added; it is shown once\n", (long long)id,
		argv[optind], uo.role);
	printf("%s\n", tok);
	return HV_EXIT_OK;
}

static int token_revoke(struct hv_store *s, int argc, char **argv)
{
	struct hv_err err;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	if (argc != 2 || !hv_cli_parse_id(argv[1], &id))
		return hv_cli_usage(token_self(), "token revoke takes one numeric ID");
	if ((rc = hv_store_begin(s, &err)))
		return hv_cli_fail(&err);
	if ((rc = hv_store_token_revoke(s, id, hv_time_now_ms(), &err)) ||
	    (rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		return hv_cli_fail(&err);
	}
	fprintf(stderr, "haven: token %lld revoked\n", (long long)id);
	return HV_EXIT_OK;
}

static int run_token(struct hv_cli *cli, int argc, char **argv)
{
	static const struct hv_subcmd subs[] = {
		{"add", token_add},
		{"revoke", token_revoke},
	};

	return hv_cli_dispatch(cli, token_self(), subs, sizeof(subs) / sizeof(subs[0]), argc,
			       argv);
}

const struct hv_cmd hv_cmd_user = {
	.name = "user",
	.run = run_user,
	.summary = "add, list and disable accounts (admin, law, facilities, staff, auditor)",
	.usage = user_usage,
};

const struct hv_cmd hv_cmd_token = {
	.name = "token",
	.run = run_token,
	.summary = "add and revoke API tokens for integrations",
	.usage = token_usage,
};
