/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP server: libmicrohttpd behind this header (server.c is the only file that includes
 * <microhttpd.h>). Requests are answered in the worker thread that read them. */
#ifndef HV_HTTP_SERVER_H
#define HV_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http/http.h"

struct hv_server_opts {
	const char *host;	/* an IPv4 address; NULL: 127.0.0.1 */
	uint16_t port;		/* 0: any free port (see hv_server_port) */
	unsigned n_threads;	/* worker threads; 0: one per core */
	unsigned conn_limit;	/* open connections at most; 0: 4096 */
	unsigned per_ip_limit;	/* per client address; 0: 1024 */
	unsigned timeout_s;	/* idle connection timeout; 0: 30 */
	size_t body_limit;	/* request body bytes; 0: 1 MiB; past it 413 */
	size_t header_limit;	/* per-connection memory for the request head; 0: 32 KiB */
	const char *db_path;	/* the store each worker thread opens lazily */
	const char *public_url; /* base for links; NULL: none */
	/* TLS: both PEM texts (NUL-terminated, must outlive the server) or neither (plain HTTP).
	 * Check them first (crypto/tls.h): a pair libmicrohttpd refuses is only "cannot listen". */
	const char *tls_cert_pem, *tls_key_pem;
	/* Behind a reverse proxy: the client's address is the X-Real-IP header the proxy sets
	 * (when it holds an IP address), not the proxy's. Never set this without a proxy in
	 * front: anyone could then choose their address for the login limits. */
	bool trust_proxy;
};

struct hv_server;

/* Starts listening and serving r (borrowed: must outlive the server). Caller owns *out.
 * Errors: HV_EINVAL (bad address), HV_EIO (cannot listen), naming the address. */
int hv_server_start(const struct hv_server_opts *o, const struct hv_router *r,
		    struct hv_server **out, struct hv_err *err);
/* The port actually bound. */
uint16_t hv_server_port(const struct hv_server *s);
/* Graceful stop: stops accepting, waits up to grace_ms for requests in flight to finish, then
 * closes every connection and each worker's store, and frees s (NULL-safe). Returns how many
 * requests were still in flight when the wait ended (0: a clean drain). */
unsigned hv_server_stop(struct hv_server *s, unsigned grace_ms);

#endif
