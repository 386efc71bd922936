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
#include "core/fs.h"
#include "core/log.h"
#include "crypto/tls.h"
#include "core/xalloc.h"
#include "http/server.h"
#include "web/web.h"

#define GRACE_MS 10000

static const char serve_usage[] =
	"usage: haven [--db PATH] serve [--listen ADDR:PORT] [--public-url URL] [--threads N]\n"
	"                  [--tile-url URL] [--tile-attribution TEXT] [--web-dir DIR]\n"
	"                  [--node-modules DIR] [--ledger-key FILE]\n"
	"                  [--tls-cert FILE --tls-key FILE] [--max-connections N] [--trust-proxy]\n"
	"       haven [--db PATH] serve --routes\n"
	"\n"
	"Serves the JSON API (/api/v1/lookup, /api/v1/properties, /api/v1/scopes), OGC API -\n"
	"Features (/ogc) and /healthz on ADDR:PORT (default 127.0.0.1:8080; port 0 picks a free\n"
	"one). The URL it listens on is printed on stdout; one line per request goes to stderr\n"
	"(method, path, status, bytes, duration; never the query string). --public-url is the\n"
	"base of links in answers (the address clients use, e.g. behind a reverse proxy; default\n"
	"http://ADDR:PORT). --threads: worker threads (default: one per core). Imports by other\n"
	"processes show up within a few seconds. SIGTERM or SIGINT: stop accepting, let requests\n"
	"in flight finish (up to 10 s), close the store.\n"
	"\n"
	"Signing in: POST /api/v1/login {\"name\", \"password\"} sets the haven_session\n"
	"cookie and returns a CSRF token that every POST, PUT or DELETE made with the cookie\n"
	"sends as X-CSRF-Token; integrations send \"Authorization: Bearer TOKEN\"\n"
	"(see 'haven token').\n"
	"\n"
	"Web pages: the public zone map at /, staff sign-in at /login, /properties, /imports,\n"
	"/admin/users and /admin/tokens; the OpenAPI document at /api. --tile-url is a base-map\n"
	"tile template (https://tiles.example.org/{z}/{x}/{y}.png; default none: the zones are\n"
	"drawn over the outline of the city's properties) and --tile-attribution its credit.\n"
	"--web-dir: haven's static files (default: the source tree's src/web/static, else the\n"
	"installed share/haven/web); --node-modules: where leaflet/dist is (default: the source\n"
	"tree's node_modules, after npm ci, else share/haven/node_modules).\n"
	"--ledger-key FILE (default $HAVEN_LEDGER_KEY): the city's ledger signing key; the\n"
	"server's group committer signs a checkpoint at most 1 s apart while entries come in.\n"
	"Limits: request bodies 1 MiB (413 past it), request heads 32 KiB (431), open connections\n"
	"--max-connections (default 4096; 1024 per client address, or N when smaller), idle\n"
	"connections closed after 30 s.\n"
	"--tls-cert FILE --tls-key FILE: serve HTTPS (PEM certificate chain and its private key,\n"
	"without a passphrase); the default public URL becomes https://ADDR:PORT and session\n"
	"cookies get Secure. Behind a TLS reverse proxy, use --public-url https://... instead\n"
	"(docs/deploy.md). --trust-proxy: behind that proxy, take the client's address (for the\n"
	"per-address login limit) from the X-Real-IP header it sets; without a proxy in front\n"
	"never give it.\n"
	"--routes prints the route table (method, path, roles allowed) and exits.\n";

static const struct hv_cmd *self(void)
{
	return &hv_cmd_serve;
}

struct serve_opts {
	char host[64];
	unsigned port;
	const char *public_url;
	unsigned threads, max_conns;
	bool routes, trust_proxy;
	const char *tls_cert, *tls_key;
	struct hv_web_opts web;
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
		O_TILE_URL,
		O_TILE_ATTR,
		O_WEB_DIR,
		O_NODE_MODULES,
		O_LEDGER_KEY,
		O_TLS_CERT,
		O_TLS_KEY,
		O_MAX_CONNS,
		O_TRUST_PROXY,
	};
	static const struct option opts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"public-url", required_argument, NULL, O_PUBLIC_URL},
		{"threads", required_argument, NULL, O_THREADS},
		{"routes", no_argument, NULL, O_ROUTES},
		{"tile-url", required_argument, NULL, O_TILE_URL},
		{"tile-attribution", required_argument, NULL, O_TILE_ATTR},
		{"web-dir", required_argument, NULL, O_WEB_DIR},
		{"node-modules", required_argument, NULL, O_NODE_MODULES},
		{"ledger-key", required_argument, NULL, O_LEDGER_KEY},
		{"tls-cert", required_argument, NULL, O_TLS_CERT},
		{"tls-key", required_argument, NULL, O_TLS_KEY},
		{"max-connections", required_argument, NULL, O_MAX_CONNS},
		{"trust-proxy", no_argument, NULL, O_TRUST_PROXY},
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
		case O_TILE_URL:
			if (strncmp(optarg, "https://", 8) && strncmp(optarg, "http://", 7))
				return hv_cli_usage(self(), "--tile-url \"%s\" is not an http(s) URL",
						    optarg);
			o->web.tile_url = optarg;
			break;
		case O_TILE_ATTR:
			o->web.tile_attribution = optarg;
			break;
		case O_WEB_DIR:
			o->web.static_dir = optarg;
			break;
		case O_NODE_MODULES:
			o->web.node_modules = optarg;
			break;
		case O_LEDGER_KEY:
			o->ledger_key = optarg;
			break;
		case O_TLS_CERT:
			o->tls_cert = optarg;
			break;
		case O_TLS_KEY:
			o->tls_key = optarg;
			break;
		case O_MAX_CONNS:
			if (!hv_cli_parse_id(optarg, &n) || n > 100000)
				return hv_cli_usage(self(),
						    "--max-connections \"%s\" is not a number in "
						    "1..100000",
						    optarg);
			o->max_conns = (unsigned)n;
			break;
		case O_TRUST_PROXY:
			o->trust_proxy = true;
			break;
		case ':':
			return hv_cli_usage(self(), "%s needs a value", argv[optind - 1]);
		default:
			return hv_cli_usage(self(), "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return hv_cli_usage(self(), "unexpected argument \"%s\"", argv[optind]);
	if (!o->tls_cert != !o->tls_key)
		return hv_cli_usage(self(), "%s needs %s too",
				    o->tls_cert ? "--tls-cert" : "--tls-key",
				    o->tls_cert ? "--tls-key" : "--tls-cert");
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

#define TLS_FILE_MAX (1u << 20)

/* Reads the certificate and key files and checks that they are a PEM pair. */
static int load_tls(const struct serve_opts *o, char **cert, char **key, struct hv_err *err)
{
	size_t cert_len, key_len;
	int rc;

	if ((rc = hv_fs_read_file(o->tls_cert, TLS_FILE_MAX, cert, &cert_len, err)) ||
	    (rc = hv_fs_read_file(o->tls_key, TLS_FILE_MAX, key, &key_len, err)))
		return rc;
	return hv_crypto_tls_check(*cert, cert_len, o->tls_cert, *key, key_len, o->tls_key, err);
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
	struct hv_web *web = NULL;
	struct hv_server *srv = NULL;
	struct hv_router router;
	struct hv_err err;
	sigset_t sigs;
	char *public_url = NULL, *tls_cert = NULL, *tls_key = NULL;
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
	if (o.tls_cert && !o.routes && (rc = load_tls(&o, &tls_cert, &tls_key, &err)))
		goto out;
	if (o.public_url) {
		public_url = trim_url(o.public_url);
	} else if (o.port != 0) {
		/* Absolute links by default: clients such as GDAL resolve a root-relative href
		 * against the API's base path, not the host. */
		size_t n = strlen(o.host) + 32;

		public_url = hv_xmalloc(n);
		snprintf(public_url, n, "%s://%s:%u", o.tls_cert ? "https" : "http", o.host,
			 (unsigned)o.port);
	}
	hv_router_init(&router);
	if ((rc = hv_api_new(cli->db_path, 0, &api, &err)) ||
	    (rc = hv_api_register(api, &router, &err)) ||
	    (rc = hv_web_register(api, &router, &o.web, &web, &err)))
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
		.conn_limit = o.max_conns,
		.per_ip_limit = o.max_conns && o.max_conns < 1024 ? o.max_conns : 0,
		.db_path = cli->db_path,
		.public_url = public_url,
		.tls_cert_pem = tls_cert,
		.tls_key_pem = tls_key,
		.trust_proxy = o.trust_proxy,
	};
	if ((rc = hv_server_start(&so, &router, &srv, &err)))
		goto out;
	if (!hv_web_has_leaflet(web))
		hv_log(HV_LOG_WARN, "no Leaflet: the map page answers addresses without a map",
		       "hint=\"npm ci, or --node-modules DIR\"");
	printf("haven: serving %s on %s://%s:%u/\n", cli->db_path, o.tls_cert ? "https" : "http",
	       o.host, (unsigned)hv_server_port(srv));
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
	hv_web_free(web);
	hv_api_free(api);
	free(public_url);
	free(tls_cert);
	free(tls_key);
	if (exit_code != HV_EXIT_OK)
		return hv_cli_fail(&err);
	return exit_code;
}

const struct hv_cmd hv_cmd_serve = {
	.name = "serve",
	.run = run_serve,
	.summary = "serve the JSON API, the OGC API and the web pages over HTTP",
	.usage = serve_usage,
};
