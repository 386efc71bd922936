/* SPDX-License-Identifier: Apache-2.0 */
/* `haven signs ...`: print runs, each sign's lifecycle, coverage, the placement plan, physical
 * measures, private opt-ins and the module's settings. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_signs.h"
#include "core/banned.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/str.h"
#include "signs/signs.h"
#include "store/blobs.h"

static const char signs_usage[] =
	"usage: haven [--db PATH] signs <sub-command> [options]\n"
	"\n"
	"Templates (the approved wording, per language; versioned):\n"
	"  signs template list [--json] | signs template show NAME [--version N]\n"
	"  signs template set NAME FILE [--by USER]\n"
	"  signs template preview NAME --out FILE.pdf [--version N] [--size S] [--variant V]\n"
	"        [--langs L] [--bleed]            a sample sign (serial and QR code say SAMPLE)\n"
	"Print runs and serials:\n"
	"  signs issue (--scope NAME [--unsigned] | --property ID...) [--size S] [--langs "
	"en,es,...]\n"
	"        [--variant V] [--template city|private] [--public-url URL] [--json]\n"
	"  signs print (same options) --out FILE.pdf [--bleed]  issue and render one PDF\n"
	"  signs render --run ID --out FILE.pdf [--bleed]       render an issued run again\n"
	"  signs runs [--json]\n"
	"Lifecycle (issued -> assigned -> installed -> inspected -> replaced; append-only):\n"
	"  signs assign SERIAL --to-kind department|ward_office|private_owner --to NAME [--at "
	"DATE]\n"
	"  signs install SERIAL --installer NAME --lat LAT --lon LON [--accuracy M] [--photo "
	"FILE]\n"
	"        [--reason TEXT] [--at DATE] [--correction]\n"
	"  signs inspect SERIAL --outcome ok|damaged|missing|removed [--note TEXT] [--photo FILE]\n"
	"  signs replace SERIAL [--reason TEXT]\n"
	"  signs show SERIAL [--json]          signs verify SERIAL [--json] (what the public "
	"sees)\n"
	"  signs list [--property ID] [--run ID] [--state S] [--json]\n"
	"Coverage and the plan:\n"
	"  signs coverage [--scope NAME] [--json]\n"
	"  signs plan --budget DOLLARS [--cost 100] [--scope NAME] [--json]\n"
	"  signs staging add NAME LON LAT | signs staging list [--json]\n"
	"  signs incident add --kind attempted_use|incident --lon LON --lat LAT [--property ID]\n"
	"        [--at DATE]      (for planning: reports made outside haven; staff reports count too)\n"
	"Physical measures:\n"
	"  signs measure PROPERTY_ID --barrier none|installed|lockable|locked [--hours "
	"22:00-06:00]\n"
	"        [--note TEXT]\n"
	"  signs measures PROPERTY_ID [--json]\n"
	"Private opt-in (contact is restricted; each read of it is logged):\n"
	"  signs optin list [--json] | signs optin show ID [--json]\n"
	"  signs optin approve ID --ward-office NAME [--count N] [--langs L]\n"
	"  signs optin reject ID [--note TEXT]\n"
	"Settings (versioned): signs config [--json] | signs config NAME VALUE\n"
	"\n"
	"A GPS fix more than 50 m outside the property needs --reason. Photos go to the blob "
	"store\n"
	"beside the store file, by SHA-256, never modified. See docs/signs.md.\n";

static int run(struct hv_cli *cli, int argc, char **argv);

const struct hv_cmd hv_cmd_signs = {
	.name = "signs",
	.run = run,
	.summary = "sign templates, print runs, lifecycle, coverage, placement plan, opt-ins",
	.usage = signs_usage,
};

struct opts {
	const char *scope, *size, *langs, *variant, *template_name, *public_url, *out;
	const char *to_kind, *to, *installer, *photo, *reason, *outcome, *note, *state;
	const char *barrier, *hours, *ward_office, *kind;
	int64_t *props;
	size_t n_props;
	int64_t property, run_id, at_ms, count;
	double lat, lon, accuracy, budget, cost;
	bool json, correction, bleed, unsigned_only;
};

static int parse_num(const char *opt, const char *v, double *out)
{
	if (!hv_str_to_double(hv_str_cstr(v), out) || !isfinite(*out))
		return hv_cli_usage(&hv_cmd_signs, "%s \"%s\" is not a number", opt, v);
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_SCOPE = 256,
		O_PROPERTY,
		O_SIZE,
		O_LANGS,
		O_VARIANT,
		O_TEMPLATE,
		O_URL,
		O_OUT,
		O_JSON,
		O_TO_KIND,
		O_TO,
		O_AT,
		O_INSTALLER,
		O_LAT,
		O_LON,
		O_ACC,
		O_PHOTO,
		O_REASON,
		O_CORR,
		O_OUTCOME,
		O_NOTE,
		O_RUN,
		O_STATE,
		O_BUDGET,
		O_COST,
		O_BARRIER,
		O_HOURS,
		O_WARD,
		O_COUNT,
		O_KIND,
		O_BLEED,
		O_UNSIGNED,
	};
	static const struct option opts[] = {
		{"scope", required_argument, NULL, O_SCOPE},
		{"property", required_argument, NULL, O_PROPERTY},
		{"size", required_argument, NULL, O_SIZE},
		{"langs", required_argument, NULL, O_LANGS},
		{"variant", required_argument, NULL, O_VARIANT},
		{"template", required_argument, NULL, O_TEMPLATE},
		{"public-url", required_argument, NULL, O_URL},
		{"out", required_argument, NULL, O_OUT},
		{"json", no_argument, NULL, O_JSON},
		{"to-kind", required_argument, NULL, O_TO_KIND},
		{"to", required_argument, NULL, O_TO},
		{"at", required_argument, NULL, O_AT},
		{"installer", required_argument, NULL, O_INSTALLER},
		{"lat", required_argument, NULL, O_LAT},
		{"lon", required_argument, NULL, O_LON},
		{"accuracy", required_argument, NULL, O_ACC},
		{"photo", required_argument, NULL, O_PHOTO},
		{"reason", required_argument, NULL, O_REASON},
		{"correction", no_argument, NULL, O_CORR},
		{"outcome", required_argument, NULL, O_OUTCOME},
		{"note", required_argument, NULL, O_NOTE},
		{"run", required_argument, NULL, O_RUN},
		{"state", required_argument, NULL, O_STATE},
		{"budget", required_argument, NULL, O_BUDGET},
		{"cost", required_argument, NULL, O_COST},
		{"barrier", required_argument, NULL, O_BARRIER},
		{"hours", required_argument, NULL, O_HOURS},
		{"ward-office", required_argument, NULL, O_WARD},
		{"count", required_argument, NULL, O_COUNT},
		{"kind", required_argument, NULL, O_KIND},
		{"bleed", no_argument, NULL, O_BLEED},
		{"unsigned", no_argument, NULL, O_UNSIGNED},
		{0},
	};
	int c, rc;
	int64_t id;

	o->lat = o->lon = o->accuracy = o->budget = NAN;
	o->cost = 100;
	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_SCOPE:
			o->scope = optarg;
			break;
		case O_PROPERTY:
			if (!hv_cli_parse_id(optarg, &id))
				return hv_cli_usage(&hv_cmd_signs, "--property \"%s\" is not an id",
						    optarg);
			o->props = realloc(o->props, (o->n_props + 1) * sizeof(*o->props));
			if (!o->props)
				abort();
			o->props[o->n_props++] = id;
			o->property = id;
			break;
		case O_SIZE:
			o->size = optarg;
			break;
		case O_LANGS:
			o->langs = optarg;
			break;
		case O_VARIANT:
			o->variant = optarg;
			break;
		case O_TEMPLATE:
			o->template_name = optarg;
			break;
		case O_URL:
			o->public_url = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_TO_KIND:
			o->to_kind = optarg;
			break;
		case O_TO:
			o->to = optarg;
			break;
		case O_AT:
			if (!hv_time_parse_iso(optarg, &o->at_ms))
				return hv_cli_usage(&hv_cmd_signs,
						    "--at \"%s\" is not a date or time", optarg);
			break;
		case O_INSTALLER:
			o->installer = optarg;
			break;
		case O_LAT:
			if ((rc = parse_num("--lat", optarg, &o->lat)))
				return rc;
			break;
		case O_LON:
			if ((rc = parse_num("--lon", optarg, &o->lon)))
				return rc;
			break;
		case O_ACC:
			if ((rc = parse_num("--accuracy", optarg, &o->accuracy)))
				return rc;
			break;
		case O_PHOTO:
			o->photo = optarg;
			break;
		case O_REASON:
			o->reason = optarg;
			break;
		case O_CORR:
			o->correction = true;
			break;
		case O_OUTCOME:
			o->outcome = optarg;
			break;
		case O_NOTE:
			o->note = optarg;
			break;
		case O_RUN:
			if (!hv_cli_parse_id(optarg, &o->run_id))
				return hv_cli_usage(&hv_cmd_signs, "--run \"%s\" is not an id",
						    optarg);
			break;
		case O_STATE:
			o->state = optarg;
			break;
		case O_BUDGET:
			if ((rc = parse_num("--budget", optarg, &o->budget)))
				return rc;
			break;
		case O_COST:
			if ((rc = parse_num("--cost", optarg, &o->cost)))
				return rc;
			break;
		case O_BARRIER:
			o->barrier = optarg;
			break;
		case O_HOURS:
			o->hours = optarg;
			break;
		case O_WARD:
			o->ward_office = optarg;
			break;
		case O_COUNT:
			if (!hv_cli_parse_id(optarg, &o->count))
				return hv_cli_usage(&hv_cmd_signs, "--count \"%s\" is not a count",
						    optarg);
			break;
		case O_KIND:
			o->kind = optarg;
			break;
		case O_BLEED:
			o->bleed = true;
			break;
		case O_UNSIGNED:
			o->unsigned_only = true;
			break;
		case ':':
			return hv_cli_usage(&hv_cmd_signs, "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(&hv_cmd_signs, "unknown option %s", argv[optind - 1]);
		}
	}
	return 0;
}

/* Who records from the command line: the login name (events and runs keep it). */
static const char *actor(void)
{
	const char *u = getenv("USER");

	return u && *u ? u : "cli";
}

static void json_out(struct hv_buf *b)
{
	hv_cli_print(b);
	hv_buf_release(b);
}

/* The positional argument after the options, exactly one. */
static const char *one_arg(int argc, char **argv, const char *what)
{
	if (optind + 1 != argc) {
		hv_cli_usage(&hv_cmd_signs, "%s needs exactly one %s", argv[0], what);
		return NULL;
	}
	return argv[optind];
}

/* ---- issue / print ---- */

struct collect {
	int64_t *ids;
	size_t n, cap;
	bool unsigned_only;
};

static int collect_cb(void *ctx, const struct hv_property *p, bool is_signed, bool gated)
{
	struct collect *c = ctx;

	(void)gated;
	if (c->unsigned_only && is_signed)
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->ids = realloc(c->ids, c->cap * sizeof(*c->ids));
		if (!c->ids)
			abort();
	}
	c->ids[c->n++] = p->id;
	return 0;
}

static int issue_common(struct hv_cli *cli, struct hv_store *s, int argc, char **argv, bool print)
{
	struct opts o = {0};
	struct collect c = {0};
	struct hv_signs_job job;
	struct hv_err err;
	char(*serials)[HV_SIGN_SERIAL_MAX] = NULL;
	const int64_t *ids;
	size_t n;
	int64_t run_id = 0;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		goto out;
	if (optind < argc) {
		rc = hv_cli_usage(&hv_cmd_signs, "unexpected argument \"%s\"", argv[optind]);
		goto out;
	}
	if (!o.scope == !o.n_props) {
		rc = hv_cli_usage(&hv_cmd_signs,
				  "%s needs --scope NAME or --property ID (one of them)", argv[0]);
		goto out;
	}
	if (print && !o.out) {
		rc = hv_cli_usage(&hv_cmd_signs, "print needs --out FILE.pdf");
		goto out;
	}
	job = (struct hv_signs_job){.template_name = o.template_name,
				    .size = o.size,
				    .variant = o.variant,
				    .langs = o.langs,
				    .public_url = o.public_url,
				    .actor = actor()};
	if ((rc = hv_signs_job_check(&job, &err))) {
		rc = hv_cli_fail(&err);
		goto out;
	}
	if (o.scope) {
		c.unsigned_only = o.unsigned_only;
		if ((rc = hv_signs_status_each(s, o.scope, collect_cb, &c, &err))) {
			rc = hv_cli_fail(&err);
			goto out;
		}
		ids = c.ids;
		n = c.n;
	} else {
		ids = o.props;
		n = o.n_props;
	}
	if (!n) {
		hv_err_set(&err, HV_EINVAL, "scope %s: no property in scope; nothing to issue",
			   o.scope);
		rc = hv_cli_fail(&err);
		goto out;
	}
	serials = calloc(n, sizeof(*serials));
	if (!serials)
		abort();
	if ((rc = hv_store_begin(s, &err)) ||
	    (rc = hv_signs_issue(s, &job, ids, n, 0, &run_id, serials, &err))) {
		hv_store_rollback(s);
		rc = hv_cli_fail(&err);
		goto out;
	}
	if (print && (rc = hv_cli_signs_render(s, run_id, o.out, o.bleed, &err))) {
		/* Nothing issued survives a failed render. */
		hv_store_rollback(s);
		rc = hv_cli_fail(&err);
		goto out;
	}
	if ((rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		rc = hv_cli_fail(&err);
		goto out;
	}
	if (o.json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_json_obj_begin(&w);
		hv_json_key(&w, "run");
		hv_json_int(&w, run_id);
		if (print) {
			hv_json_key(&w, "pdf");
			hv_json_str(&w, o.out);
		}
		hv_json_key(&w, "signs");
		hv_json_arr_begin(&w);
		for (size_t i = 0; i < n; i++) {
			hv_json_obj_begin(&w);
			hv_json_key(&w, "serial");
			hv_json_str(&w, serials[i]);
			hv_json_key(&w, "property_id");
			hv_json_int(&w, ids[i]);
			hv_json_obj_end(&w);
		}
		hv_json_arr_end(&w);
		hv_json_obj_end(&w);
		json_out(&b);
	} else {
		printf("print run %lld: %zu sign%s issued%s%s\n", (long long)run_id, n,
		       n == 1 ? "" : "s", print ? ", PDF " : "", print ? o.out : "");
		for (size_t i = 0; i < n; i++)
			printf("  %s  property %lld\n", serials[i], (long long)ids[i]);
	}
	rc = HV_EXIT_OK;
out:
	free(serials);
	free(c.ids);
	free(o.props);
	return rc;
}

static int sub_issue(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	return issue_common(cli, s, argc, argv, false);
}

static int sub_print(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	return issue_common(cli, s, argc, argv, true);
}

/* Renders an existing run again (a replacement's run of one, a lost PDF): issues nothing. */
static int sub_render(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (!o.run_id || !o.out)
		return hv_cli_usage(&hv_cmd_signs, "render needs --run ID and --out FILE.pdf");
	if (hv_cli_signs_render(s, o.run_id, o.out, o.bleed, &err))
		return hv_cli_fail(&err);
	printf("print run %lld rendered to %s\n", (long long)o.run_id, o.out);
	return 0;
}

static int run_cb(void *ctx, const struct hv_sign_run *r)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(r->created_ms, when, sizeof(when));
	if (!w) {
		printf("run %-5lld %s  %-7s %-7s %-15s %-20s %lld sign%s%s\n", (long long)r->id,
		       when, r->template_name, r->size, r->variant, r->langs, (long long)r->n_signs,
		       r->n_signs == 1 ? "" : "s", r->optin_id ? "  (opt-in)" : "");
		return 0;
	}
	hv_json_obj_begin(w);
	hv_json_key(w, "id");
	hv_json_int(w, r->id);
	hv_json_key(w, "created");
	hv_json_str(w, when);
	hv_json_key(w, "actor");
	hv_json_str(w, r->actor);
	hv_json_key(w, "template");
	hv_json_str(w, r->template_name);
	hv_json_key(w, "size");
	hv_json_str(w, r->size);
	hv_json_key(w, "variant");
	hv_json_str(w, r->variant);
	hv_json_key(w, "langs");
	hv_json_str(w, r->langs);
	hv_json_key(w, "public_url");
	hv_json_str(w, r->public_url);
	hv_json_key(w, "signs");
	hv_json_int(w, r->n_signs);
	hv_json_obj_end(w);
	return 0;
}

static int sub_runs(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_buf b;
	struct hv_json w;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (!o.json)
		return hv_store_sign_run_each(s, run_cb, NULL, &err) < 0 ? hv_cli_fail(&err) : 0;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	hv_json_arr_begin(&w);
	rc = hv_store_sign_run_each(s, run_cb, &w, &err);
	hv_json_arr_end(&w);
	if (rc < 0) {
		hv_buf_release(&b);
		return hv_cli_fail(&err);
	}
	json_out(&b);
	return 0;
}

/* ---- lifecycle ---- */

/* Stores the photo file (if any) in the blob store beside the store file. */
static int store_photo(struct hv_cli *cli, const char *path, char hex[HV_SHA256_HEX_LEN],
		       struct hv_err *err)
{
	char dir[4096];
	struct hv_blobs *b = NULL;
	struct hv_blob_writer *w = NULL;
	FILE *f = NULL;
	char buf[65536];
	size_t n;
	int rc;

	if ((rc = hv_blobs_dir_for_store(cli->db_path, dir, sizeof(dir), err)) ||
	    (rc = hv_blobs_open(dir, &b, err)))
		return rc;
	if (!(f = fopen(path, "rb"))) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot open the photo", path);
		goto out;
	}
	if ((rc = hv_blob_writer_new(b, HV_SIGNS_PHOTO_MAX, &w, err)))
		goto out;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if ((rc = hv_blob_writer_write(w, buf, n, err))) {
			hv_err_prefix(err, rc, "%s", path);
			goto out;
		}
	if (ferror(f)) {
		rc = hv_err_set(err, HV_EIO, "%s: read error", path);
		goto out;
	}
	rc = hv_blob_writer_commit(w, hex, NULL, err);
	w = NULL;
out:
	hv_blob_writer_abort(w);
	if (f)
		fclose(f);
	hv_blobs_free(b);
	return rc;
}

static int sub_assign(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	const char *serial;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(serial = one_arg(argc, argv, "SERIAL")))
		return rc ? rc : HV_EXIT_USAGE;
	if (!o.to_kind || !o.to)
		return hv_cli_usage(&hv_cmd_signs, "assign needs --to-kind and --to");
	if (hv_signs_assign(s, serial, o.to_kind, o.to, o.at_ms, actor(), &err))
		return hv_cli_fail(&err);
	printf("%s assigned to %s %s\n", serial, o.to_kind, o.to);
	return 0;
}

static int sub_install(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_signs_install in;
	char hex[HV_SHA256_HEX_LEN] = "";
	const char *serial;
	double d;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(serial = one_arg(argc, argv, "SERIAL")))
		return rc ? rc : HV_EXIT_USAGE;
	if (!o.installer || isnan(o.lat) || isnan(o.lon))
		return hv_cli_usage(&hv_cmd_signs, "install needs --installer, --lat and --lon");
	if (o.photo && store_photo(cli, o.photo, hex, &err))
		return hv_cli_fail(&err);
	in = (struct hv_signs_install){.serial = serial,
				       .installer = o.installer,
				       .at_ms = o.at_ms,
				       .lat = o.lat,
				       .lon = o.lon,
				       .accuracy_m = o.accuracy,
				       .photo_sha256 = o.photo ? hex : NULL,
				       .reason = o.reason,
				       .actor = actor(),
				       .correction = o.correction};
	if (hv_signs_install(s, &in, &d, &err))
		return hv_cli_fail(&err);
	if (isnan(d))
		printf("%s installed (no property location to check against)\n", serial);
	else if (d == 0)
		printf("%s installed, GPS fix inside the property\n", serial);
	else
		printf("%s installed, GPS fix %.1f m from the property\n", serial, d);
	if (o.photo)
		printf("photo %s\n", hex);
	return 0;
}

static int sub_inspect(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	char hex[HV_SHA256_HEX_LEN] = "";
	const char *serial;
	int rc;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(serial = one_arg(argc, argv, "SERIAL")))
		return rc ? rc : HV_EXIT_USAGE;
	if (!o.outcome)
		return hv_cli_usage(&hv_cmd_signs, "inspect needs --outcome");
	if (o.photo && store_photo(cli, o.photo, hex, &err))
		return hv_cli_fail(&err);
	if (hv_signs_inspect(s, serial, o.outcome, o.at_ms, o.note, o.photo ? hex : NULL, actor(),
			     &err))
		return hv_cli_fail(&err);
	printf("%s inspected: %s\n", serial, o.outcome);
	return 0;
}

static int sub_replace(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	char ns[HV_SIGN_SERIAL_MAX];
	const char *serial;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(serial = one_arg(argc, argv, "SERIAL")))
		return rc ? rc : HV_EXIT_USAGE;
	if (hv_signs_replace(s, serial, o.reason, o.at_ms, actor(), ns, &err))
		return hv_cli_fail(&err);
	if (o.json)
		printf("{\"serial\": \"%s\", \"replaced_by\": \"%s\"}\n", serial, ns);
	else
		printf("%s replaced by %s (issued; print it with the run's options)\n", serial, ns);
	return 0;
}

static int sub_show(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_buf b;
	struct hv_json w;
	const char *serial;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(serial = one_arg(argc, argv, "SERIAL")))
		return rc ? rc : HV_EXIT_USAGE;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	if (hv_signs_show_json(s, serial, &w, &err)) {
		hv_buf_release(&b);
		return hv_cli_fail(&err);
	}
	json_out(&b);
	return 0;
}

static int sub_verify(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_signs_public p;
	const char *serial;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(serial = one_arg(argc, argv, "SERIAL")))
		return rc ? rc : HV_EXIT_USAGE;
	if (hv_signs_verify(s, serial, &p, &err))
		return hv_cli_fail(&err);
	if (o.json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_signs_public_json(&p, &w);
		json_out(&b);
	} else if (!p.found) {
		printf("%s: not a sign haven issued\n", p.serial);
	} else if (strcmp(p.state, "replaced") == 0) {
		printf("%s: replaced by %s; this sign is no longer valid\n", p.serial,
		       p.replaced_by);
	} else {
		char when[HV_TIME_ISO_MAX] = "-";

		if (p.installed_ms)
			hv_time_format_iso(p.installed_ms, when, sizeof(when));
		printf("%s: genuine, %s, %s (%s); state %s, installed since %.10s\n", p.serial,
		       p.property_name, p.address, p.kind, p.state, when);
	}
	return p.found ? 0 : HV_EXIT_FAIL;
}

static int list_cb(void *ctx, const struct hv_sign_row *r)
{
	struct hv_json *w = ctx;

	if (!w) {
		printf("%-14s %-9s run %-4lld property %-7lld%s%s\n", r->serial, r->state,
		       (long long)r->run_id, (long long)r->property_id,
		       *r->replaced_by ? "  replaced by " : "", r->replaced_by);
		return 0;
	}
	hv_json_obj_begin(w);
	hv_signs_row_json(w, r);
	hv_json_obj_end(w);
	return 0;
}

static int sub_list(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_buf b;
	struct hv_json w;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	free(o.props);
	if (!o.json)
		return hv_store_sign_each(s, o.property, o.run_id, o.state, list_cb, NULL, &err) < 0
			       ? hv_cli_fail(&err)
			       : 0;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	hv_json_arr_begin(&w);
	rc = hv_store_sign_each(s, o.property, o.run_id, o.state, list_cb, &w, &err);
	hv_json_arr_end(&w);
	if (rc < 0) {
		hv_buf_release(&b);
		return hv_cli_fail(&err);
	}
	json_out(&b);
	return 0;
}

/* ---- coverage, plan ---- */

static int sub_coverage(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_signs_coverage c;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (hv_signs_coverage(s, o.scope, &c, &err))
		return hv_cli_fail(&err);
	if (o.json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_signs_coverage_json(&c, &w);
		json_out(&b);
	} else {
		printf("%-11s %-30s %9s %7s %6s\n", "by", "value", "in scope", "signed", "gated");
		for (size_t i = 0; i < c.n_rows; i++)
			printf("%-11s %-30s %9lld %7lld %6lld\n", c.rows[i].group, c.rows[i].value,
			       (long long)c.rows[i].in_scope, (long long)c.rows[i].signed_,
			       (long long)c.rows[i].gated);
	}
	hv_signs_coverage_release(&c);
	return 0;
}

static int sub_plan(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	static const char *const terms[] = {"attempted use", "incidents", "lot size", "staging",
					    "exposure"};
	struct opts o = {0};
	struct hv_err err;
	struct hv_signs_plan p;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	if (isnan(o.budget))
		return hv_cli_usage(&hv_cmd_signs, "plan needs --budget DOLLARS");
	if (hv_signs_plan_make(s, o.scope, o.budget, o.cost, NULL, &p, &err))
		return hv_cli_fail(&err);
	if (o.json) {
		struct hv_buf b;
		struct hv_json w;

		hv_buf_init(&b, 0);
		hv_json_init(&w, &b, true);
		hv_signs_plan_json(&p, &w);
		json_out(&b);
	} else {
		printf("%zu unsigned properties in scope; budget $%.2f at $%.2f a sign: %zu signs, "
		       "$%.2f\n",
		       p.n_candidates, p.budget, p.cost, p.n_items, p.spent);
		for (size_t i = 0; i < p.n_items; i++) {
			const struct hv_signs_plan_item *it = &p.items[i];
			bool first = true;

			printf("%3zu. property %lld  %s, %s  score %.2f  cumulative $%.2f\n", i + 1,
			       (long long)it->property_id, *it->name ? it->name : "-",
			       *it->address ? it->address : "-", it->score, it->cum_cost);
			printf("     because:");
			for (int t = 0; t < HV_PLAN_N_TERMS; t++) {
				if (it->term[t] == 0)
					continue;
				printf("%s %s +%.2f", first ? "" : ",", terms[t], it->term[t]);
				first = false;
			}
			printf("%s  (%lld attempted, %lld incidents near, %.0f m2, barrier %s)\n",
			       first ? " nothing" : "", (long long)it->n_attempts,
			       (long long)it->n_incidents, it->area_m2, it->barrier);
		}
	}
	hv_signs_plan_release(&p);
	return 0;
}

static int point_cb(void *ctx, const struct hv_sign_point *p)
{
	(void)ctx;
	printf("%-4lld %-30s %.7f %.7f\n", (long long)p->id, p->name, p->lon, p->lat);
	return 0;
}

static int sub_staging(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct hv_err err;
	struct hv_sign_point p = {0};
	double lon, lat;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return hv_store_sign_point_each(s, false, point_cb, NULL, &err) < 0
			       ? hv_cli_fail(&err)
			       : 0;
	if (argc != 5 || strcmp(argv[1], "add") != 0)
		return hv_cli_usage(&hv_cmd_signs,
				    "signs staging add NAME LON LAT | signs staging list");
	if ((rc = parse_num("LON", argv[3], &lon)) || (rc = parse_num("LAT", argv[4], &lat)))
		return rc;
	if (lon < -180 || lon > 180 || lat < -90 || lat > 90)
		return hv_cli_usage(&hv_cmd_signs, "LON LAT out of range");
	if (strlen(argv[2]) >= sizeof(p.name) || !*argv[2])
		return hv_cli_usage(&hv_cmd_signs, "NAME: 1 to %zu bytes", sizeof(p.name) - 1);
	snprintf(p.name, sizeof(p.name), "%s", argv[2]);
	p.lon = lon;
	p.lat = lat;
	p.at_ms = hv_time_now_ms();
	if ((rc = hv_store_begin(s, &err)) ||
	    (rc = hv_store_sign_point_add(s, false, &p, NULL, &err)) ||
	    (rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		return hv_cli_fail(&err);
	}
	printf("staging site %s at %.7f %.7f\n", p.name, lon, lat);
	return 0;
}

static int sub_incident(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_sign_point p = {0};
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if (argc < 2 || strcmp(argv[1], "add") != 0)
		return hv_cli_usage(&hv_cmd_signs,
				    "signs incident add --kind K --lon LON --lat LAT");
	if ((rc = parse_opts(argc - 1, argv + 1, &o)))
		return rc;
	free(o.props);
	if (!o.kind || (strcmp(o.kind, "attempted_use") != 0 && strcmp(o.kind, "incident") != 0))
		return hv_cli_usage(&hv_cmd_signs, "--kind attempted_use or incident");
	if (isnan(o.lon) || isnan(o.lat) || o.lon < -180 || o.lon > 180 || o.lat < -90 ||
	    o.lat > 90)
		return hv_cli_usage(&hv_cmd_signs, "incident add needs --lon and --lat in range");
	snprintf(p.name, sizeof(p.name), "%s", o.kind);
	p.lon = o.lon;
	p.lat = o.lat;
	p.property_id = o.property;
	p.at_ms = o.at_ms ? o.at_ms : hv_time_now_ms();
	if ((rc = hv_store_begin(s, &err)) ||
	    (rc = hv_store_sign_point_add(s, true, &p, NULL, &err)) ||
	    (rc = hv_store_commit(s, &err))) {
		hv_store_rollback(s);
		return hv_cli_fail(&err);
	}
	printf("incident (%s) recorded at %.7f %.7f\n", p.name, p.lon, p.lat);
	return 0;
}

/* ---- measures ---- */

static int sub_measure(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	const char *arg;
	int64_t id;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(arg = one_arg(argc, argv, "PROPERTY_ID")))
		return rc ? rc : HV_EXIT_USAGE;
	if (!hv_cli_parse_id(arg, &id))
		return hv_cli_usage(&hv_cmd_signs, "\"%s\" is not a property id", arg);
	if (!o.barrier)
		return hv_cli_usage(&hv_cmd_signs, "measure needs --barrier");
	if (hv_signs_measure_set(s, id, o.barrier, o.hours, o.note, actor(), &err))
		return hv_cli_fail(&err);
	printf("property %lld: barrier %s%s%s\n", (long long)id, o.barrier, o.hours ? " " : "",
	       o.hours ? o.hours : "");
	return 0;
}

static int measure_cb(void *ctx, const struct hv_sign_measure *m)
{
	struct hv_json *w = ctx;
	char when[HV_TIME_ISO_MAX];

	hv_time_format_iso(m->recorded_ms, when, sizeof(when));
	if (!w) {
		printf("%s  %-9s %-11s %s  (%s)\n", when, m->barrier, m->locked_hours, m->note,
		       m->actor);
		return 0;
	}
	hv_json_obj_begin(w);
	hv_json_key(w, "recorded");
	hv_json_str(w, when);
	hv_json_key(w, "barrier");
	hv_json_str(w, m->barrier);
	hv_json_key(w, "locked_hours");
	hv_json_str(w, *m->locked_hours ? m->locked_hours : NULL);
	hv_json_key(w, "note");
	hv_json_str(w, *m->note ? m->note : NULL);
	hv_json_key(w, "actor");
	hv_json_str(w, m->actor);
	hv_json_obj_end(w);
	return 0;
}

static int sub_measures(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	struct hv_buf b;
	struct hv_json w;
	const char *arg;
	int64_t id;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)) || !(arg = one_arg(argc, argv, "PROPERTY_ID")))
		return rc ? rc : HV_EXIT_USAGE;
	if (!hv_cli_parse_id(arg, &id))
		return hv_cli_usage(&hv_cmd_signs, "\"%s\" is not a property id", arg);
	if (!o.json)
		return hv_store_sign_measure_history(s, id, measure_cb, NULL, &err) < 0
			       ? hv_cli_fail(&err)
			       : 0;
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	hv_json_arr_begin(&w);
	rc = hv_store_sign_measure_history(s, id, measure_cb, &w, &err);
	hv_json_arr_end(&w);
	if (rc < 0) {
		hv_buf_release(&b);
		return hv_cli_fail(&err);
	}
	json_out(&b);
	return 0;
}

/* ---- opt-ins ---- */

static int optin_cb(void *ctx, const struct hv_sign_optin *o)
{
	char when[HV_TIME_ISO_MAX];

	(void)ctx;
	hv_time_format_iso(o->created_ms, when, sizeof(when));
	/* The list leaves the contact out: reading it is `optin show`, which is logged. */
	printf("%-4lld %s  %-9s %-30s %-30s %s\n", (long long)o->id, when, o->kind, o->organisation,
	       o->address, *o->decision ? o->decision : "pending");
	return 0;
}

static int sub_optin(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct opts o = {0};
	struct hv_err err;
	int64_t id;
	int rc;

	(void)cli;
	hv_err_clear(&err);
	if (argc < 2)
		return hv_cli_usage(&hv_cmd_signs, "signs optin list|show|approve|reject");
	if (strcmp(argv[1], "list") == 0)
		return hv_store_sign_optin_each(s, optin_cb, NULL, &err) < 0 ? hv_cli_fail(&err)
									     : 0;
	if ((rc = parse_opts(argc - 1, argv + 1, &o)))
		return rc;
	free(o.props);
	if (optind + 1 != argc - 1 || !hv_cli_parse_id(argv[optind + 1], &id))
		return hv_cli_usage(&hv_cmd_signs, "signs optin %s needs one request ID", argv[1]);
	if (strcmp(argv[1], "show") == 0) {
		struct hv_sign_optin r;

		if (hv_signs_optin_read(s, id, actor(), &r, &err))
			return hv_cli_fail(&err);
		printf("opt-in %lld (%s)\n  organisation %s\n  kind         %s\n  address      %s\n"
		       "  contact      %s\n  ward office  %s\n(this read of the contact is "
		       "logged)\n",
		       (long long)r.id, *r.decision ? r.decision : "pending", r.organisation,
		       r.kind, r.address, r.contact, *r.ward_office ? r.ward_office : "-");
		return 0;
	}
	if (strcmp(argv[1], "approve") == 0) {
		char(*serials)[HV_SIGN_SERIAL_MAX];
		size_t n = o.count ? (size_t)o.count : 1;
		int64_t run_id;

		if (n > 20)
			return hv_cli_usage(&hv_cmd_signs, "--count: 1 to 20");
		serials = calloc(n, sizeof(*serials));
		if (!serials)
			abort();
		if (hv_signs_optin_approve(s, id, o.ward_office, n, o.langs, actor(), &run_id,
					   serials, &err)) {
			free(serials);
			return hv_cli_fail(&err);
		}
		printf("opt-in %lld approved: print run %lld, for pick-up at %s\n", (long long)id,
		       (long long)run_id, o.ward_office);
		for (size_t i = 0; i < n; i++)
			printf("  %s\n", serials[i]);
		free(serials);
		return 0;
	}
	if (strcmp(argv[1], "reject") == 0) {
		if (hv_signs_optin_reject(s, id, o.note, actor(), &err))
			return hv_cli_fail(&err);
		printf("opt-in %lld rejected\n", (long long)id);
		return 0;
	}
	return hv_cli_usage(&hv_cmd_signs, "no optin sub-command \"%s\"", argv[1]);
}

static int sub_config(struct hv_cli *cli, struct hv_store *s, int argc, char **argv)
{
	struct hv_err err;
	struct hv_buf b;
	struct hv_json w;

	(void)cli;
	hv_err_clear(&err);
	if (argc == 3) {
		if (hv_signs_setting_set(s, argv[1], argv[2], &err))
			return hv_cli_fail(&err);
		printf("%s = %s\n", argv[1], argv[2]);
		return 0;
	}
	if (argc != 1 && !(argc == 2 && strcmp(argv[1], "--json") == 0))
		return hv_cli_usage(&hv_cmd_signs,
				    "signs config [--json] | signs config NAME VALUE");
	hv_buf_init(&b, 0);
	hv_json_init(&w, &b, true);
	if (hv_signs_settings_json(s, &w, &err)) {
		hv_buf_release(&b);
		return hv_cli_fail(&err);
	}
	json_out(&b);
	return 0;
}

static const struct hv_cli_signs_sub subs[] = {
	{"render", sub_render},	  {"issue", sub_issue},	      {"print", sub_print},
	{"runs", sub_runs},	  {"assign", sub_assign},     {"install", sub_install},
	{"inspect", sub_inspect}, {"replace", sub_replace},   {"show", sub_show},
	{"verify", sub_verify},	  {"list", sub_list},	      {"coverage", sub_coverage},
	{"plan", sub_plan},	  {"staging", sub_staging},   {"incident", sub_incident},
	{"measure", sub_measure}, {"measures", sub_measures}, {"optin", sub_optin},
	{"config", sub_config},
};

static int run(struct hv_cli *cli, int argc, char **argv)
{
	const struct hv_cli_signs_sub *sub = NULL;
	struct hv_store *s;
	struct hv_err err;
	int rc;

	if (argc < 2)
		return hv_cli_usage(&hv_cmd_signs, "which sub-command?");
	/* Templates (cmd_signs_template.c) open the store themselves. */
	if (strcmp(argv[1], "template") == 0)
		return hv_cli_signs_template(cli, argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			sub = &subs[i];
	if (!sub)
		return hv_cli_usage(&hv_cmd_signs, "no sub-command \"%s\"", argv[1]);
	hv_err_clear(&err);
	if (hv_signs_ledger_register(&err))
		return hv_cli_fail(&err);
	if (!(s = hv_cli_open_store(cli)))
		return HV_EXIT_FAIL;
	rc = sub->run(cli, s, argc - 1, argv + 1);
	hv_store_close(s);
	return rc;
}
