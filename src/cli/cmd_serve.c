/* SPDX-License-Identifier: Apache-2.0 */
/* `haven serve`: the HTTP front end over the same store. Runs until SIGTERM or SIGINT, then
 * drains the requests in flight and closes the stores. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "http/server.h"

#define GRACE_MS 10000

static const char serve_usage[] =
	"usage: haven [--db PATH] serve [--listen ADDR:PORT] [--public-url URL] [--threads N]\n"
	"                               [--ledger-key FILE]\n"
	"       haven [--db PATH] serve --routes\n"
	"\n"
	"Serves the JSON API (/api/v1/lookup, /api/v1/properties, /api/v1/scopes) and /healthz\n"
	"on ADDR:PORT (default 127.0.0.1:8080; port 0 picks a free one). The URL it listens on is\n"
	"printed on stdout; one line per request goes to stderr (method, path, status, bytes,\n"
	"duration; never the query string). --public-url is the base of links in answers (the\n"
	"address clients use, e.g. behind a reverse proxy; default http://ADDR:PORT). --threads: worker threads (default:\n"
	"one per core). Imports by other processes show up within a few seconds. SIGTERM or\n"
	"SIGINT: stop accepting, let requests in flight finish (up to 10 s), close the store.\n"
	"\n"
	"Signing in: POST /api/v1/login {\"name\", \"password\"} sets the haven_session\n"
	"cookie and returns a CSRF token that every POST, PUT or DELETE made with the cookie\n"
	"sends as X-CSRF-Token; integrations send \"Authorization: Bearer TOKEN\"\n"
	"(see 'haven token').\n"
	"--routes prints the route table (method, path, roles allowed) and exits.\n"
	"--ledger-key FILE (default $HAVEN_LEDGER_KEY): the city's ledger signing key; the\n"
	"server's group committer signs a checkpoint at most 1 s apart while entries come in.\n";

static const struct hv_cmd *self(void)
{
	return &hv_cmd_serve;
}

struct serve_opts {
	char host[64];
	unsigned port;
	const char *public_url;
	unsigned threads;
	bool routes;
	const char *ledger_key;
};

static bool parse_listen(const char *s, struct serve_opts *o)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(o->host))
		return false;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535)
		return false;
	memcpy(o->host, s, (size_t)(colon - s));
	o->host[colon - s] = '\0';
	o->port = (unsigned)port;
	return true;
}

static int parse_opts(int argc, char **argv, struct serve_opts *o)
{
	enum {
		O_LISTEN = 256,
		O_PUBLIC_URL,
		O_THREADS,
		O_ROUTES,
		O_LEDGER_KEY
	};
	static const struct option opts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"public-url", required_argument, NULL, O_PUBLIC_URL},
		{"threads", required_argument, NULL, O_THREADS},
		{"routes", no_argument, NULL, O_ROUTES},
		{"ledger-key", required_argument, NULL, O_LEDGER_KEY},
		{0},
	};
	int64_t n;
	int c;

	hv_cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
			if (!parse_listen(optarg, o))
				return hv_cli_usage(self(), "--listen \"%s\" is not ADDR:PORT",
						    optarg);
			break;
		case O_PUBLIC_URL:
			o->public_url = optarg;
			break;
		case O_THREADS:
			if (!hv_cli_parse_id(optarg, &n) || n > 1024)
				return hv_cli_usage(self(),
						    "--threads \"%s\" is not a number in 1..1024",
						    optarg);
			o->threads = (unsigned)n;
			break;
		case O_ROUTES:
			o->routes = true;
			break;
		case O_LEDGER_KEY:
			o->ledger_key = optarg;
			break;
		case ':':
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
	return HV_EXIT_OK;
}

/* Strips trailing slashes so links can be built as public_url + "/api/...". */
static char *trim_url(const char *u)
{
	size_t n = strlen(u);

	while (n && u[n - 1] == '/')
		n--;
	return hv_xstrndup(u, n);
}

/* One line per route: "METHOD PATTERN role,role,...", the table the e2e tests walk. */
static void print_routes(const struct hv_router *r)
{
	for (size_t i = 0; i < r->n_routes; i++) {
		const struct hv_route *rt = &r->routes[i];
		const char *sep = "";

		printf("%s %s ", hv_method_name(rt->method), rt->pattern);
		for (int role = 0; role < HV_ROLE_COUNT; role++) {
			if (rt->roles & HV_ROLE_BIT(role)) {
				printf("%s%s", sep, hv_role_name((enum hv_role)role));
				sep = ",";
			}
		}
		printf("\n");
	}
}

static int run_serve(struct hv_cli *cli, int argc, char **argv)
{
	struct serve_opts o = {.host = "127.0.0.1", .port = 8080};
	struct hv_api *api = NULL;
	struct hv_server *srv = NULL;
	struct hv_router router;
	struct hv_err err;
	sigset_t sigs;
	char *public_url = NULL;
	int rc, sig = 0, exit_code = HV_EXIT_FAIL;
	unsigned left;

	hv_err_clear(&err);
	if ((rc = parse_opts(argc, argv, &o)))
		return rc;
	/* Blocked before any thread starts, so every thread inherits the mask and only sigwait
	 * below sees the signal: no handler, no global flag. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o.public_url) {
		public_url = trim_url(o.public_url);
	} else if (o.port != 0) {
		/* Absolute links by default: clients such as GDAL resolve a root-relative href
		 * against the API's base path, not the host. */
		size_t n = strlen(o.host) + 32;

		public_url = hv_xmalloc(n);
		snprintf(public_url, n, "http://%s:%u", o.host, (unsigned)o.port);
	}
	hv_router_init(&router);
	if ((rc = hv_api_new(cli->db_path, 0, &api, &err)) ||
	    (rc = hv_api_register(api, &router, &err)))
		goto out;
	if (o.routes) {
		print_routes(&router);
		exit_code = HV_EXIT_OK;
		goto out;
	}
	if (!o.ledger_key && getenv("HAVEN_LEDGER_KEY") && *getenv("HAVEN_LEDGER_KEY"))
		o.ledger_key = getenv("HAVEN_LEDGER_KEY");
	if ((rc = hv_api_ledger_start(api, cli->db_path, o.ledger_key, &err)))
		goto out;
	struct hv_server_opts so = {
		.host = o.host,
		.port = (uint16_t)o.port,
		.n_threads = o.threads,
		.db_path = cli->db_path,
		.public_url = public_url,
	};
	if ((rc = hv_server_start(&so, &router, &srv, &err)))
		goto out;
	printf("haven: serving %s on http://%s:%u/\n", cli->db_path, o.host,
	       (unsigned)hv_server_port(srv));
	fflush(stdout);
	hv_log(HV_LOG_INFO, "listening", "addr=%s port=%u", o.host, (unsigned)hv_server_port(srv));
	while (sigwait(&sigs, &sig) != 0)
		;
	hv_log(HV_LOG_INFO, "shutting down", "signal=%d", sig);
	left = hv_server_stop(srv, GRACE_MS);
	srv = NULL;
	if (left)
		hv_log(HV_LOG_WARN, "requests cut off at shutdown", "n=%u", left);
	hv_log(HV_LOG_INFO, "stopped", "signal=%d", sig);
	exit_code = HV_EXIT_OK;
out:
	hv_server_stop(srv, 0);
	hv_api_free(api);
	free(public_url);
	if (exit_code != HV_EXIT_OK)
		return hv_cli_fail(&err);
	return exit_code;
}

const struct hv_cmd hv_cmd_serve = {
	.name = "serve",
	.run = run_serve,
	.summary = "serve the JSON API over HTTP",
	.usage = serve_usage,
};
