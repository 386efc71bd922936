/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd adapter: epoll, an internal thread pool, limits, per-request arenas, request log
 * lines and the lazily opened per-thread store. The only file that includes <microhttpd.h>. */
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xalloc.h"
#include "store/store.h"

/* Request log lines, batched: one write per LOG_FLUSH_MS or LOG_FLUSH_BYTES instead of one per
 * request (a write per request halved the server's rate). */
struct reqlog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hv_buf buf;
	pthread_t flusher;
	bool stop, started;
};

#define LOG_FLUSH_MS	100
#define LOG_FLUSH_BYTES (64 * 1024)

struct hv_server {
	struct MHD_Daemon *mhd;
	struct reqlog log;
	const struct hv_router *router;
	struct hv_server_opts o;
	char *db_path, *public_url;
	pthread_key_t store_key; /* this worker thread's store connection */
	atomic_uint in_flight;
	uint16_t port;
	bool tls;
};

/* One request: created when MHD has read the request line, freed when MHD says it completed. */
struct rq {
	struct hv_server *srv;
	struct hv_arena arena;
	struct hv_req req;
	struct hv_buf body;
	const char *raw_uri; /* as received: path and query still encoded */
	uint64_t t0_ns;
	int code;
	size_t bytes;
	size_t body_limit; /* the matched route's, or the server's */
	bool binary;	   /* the route takes any bytes (an uploaded file) */
	bool started, answered;
	const struct hv_route *stream_rt; /* a streamed route, once begun */
	const struct hv_stream_ops *stream;
	uint64_t stream_limit;
	int64_t content_length; /* -1: not given (chunked) */
	uint64_t n_body;	/* body bytes received */
	/* A refused body being read and dropped (up to drain_max bytes in all), then answered
	 * with the saved response. */
	bool draining;
	uint64_t drain_max;
	struct {
		int status;
		const char *type;
		char *body; /* in the arena */
		size_t len;
		const char *hname[HV_RESP_MAX_HEADERS], *hvalue[HV_RESP_MAX_HEADERS];
		size_t n_headers;
		char log_detail[HV_ERR_MSG_MAX];
	} saved;
};

/* A refused body is read to its end and dropped before the answer goes out: a client (or a
 * proxy such as nginx) still sending would otherwise meet a closed connection and never see the
 * answer (a reset; nginx reports 502). Over-limit bodies are drained up to DRAIN_FACTOR times the
 * limit (at most DRAIN_MAX past it), bodies refused for another reason (roles, a bad upload) up
 * to DRAIN_MAX; anything longer is answered at once and the connection closed. */
#define DRAIN_FACTOR 8
#define DRAIN_MAX    ((uint64_t)64 << 20)

#define LOG_PATH_MAX 200

/* ---- the batched request log ---- */

static void reqlog_flush_locked(struct reqlog *l)
{
	if (l->buf.len) {
		fwrite(l->buf.data, 1, l->buf.len, stderr);
		hv_buf_reset(&l->buf);
	}
}

static void *reqlog_loop(void *arg)
{
	struct reqlog *l = arg;
	struct timespec until;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += LOG_FLUSH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&l->cv, &l->mu, &until);
		reqlog_flush_locked(l);
	}
	reqlog_flush_locked(l);
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

static void reqlog_init(struct reqlog *l)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	hv_buf_init(&l->buf, 0);
	l->stop = false;
	l->started = pthread_create(&l->flusher, NULL, reqlog_loop, l) == 0;
}

/* Flushes what is left and stops the flusher; after the workers have stopped. */
static void reqlog_release(struct reqlog *l)
{
	if (l->started) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->flusher, NULL);
	}
	reqlog_flush_locked(l);
	hv_buf_release(&l->buf);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
}

static void reqlog_add(struct reqlog *l, const char *line, size_t n)
{
	pthread_mutex_lock(&l->mu);
	hv_buf_add(&l->buf, line, n);
	if (l->buf.len >= LOG_FLUSH_BYTES || !l->started)
		reqlog_flush_locked(l);
	pthread_mutex_unlock(&l->mu);
}

/* ---- the per-thread store ---- */

static void store_close_cb(void *p)
{
	hv_store_close(p);
}

static int thread_store(void *ctx, struct hv_store **out, struct hv_err *err)
{
	struct hv_server *srv = ctx;
	struct hv_store *s = pthread_getspecific(srv->store_key);
	int rc;

	if (!s) {
		if ((rc = hv_store_open(srv->db_path, &s, err)))
			return rc;
		pthread_setspecific(srv->store_key, s);
	}
	*out = s;
	return HV_OK;
}

/* ---- request lifecycle ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct hv_server *srv = cls;
	struct rq *q = hv_xcalloc(1, sizeof(*q));

	(void)con;
	q->srv = srv;
	q->t0_ns = hv_time_mono_ns();
	hv_arena_init(&q->arena, 0);
	q->raw_uri = hv_arena_strdup(&q->arena, uri ? uri : "/");
	hv_buf_init(&q->body, srv->o.body_limit);
	atomic_fetch_add_explicit(&srv->in_flight, 1, memory_order_relaxed);
	return q;
}

/* The log gets the raw path (no query string: it can carry an address) with anything that is
 * not plain printable ASCII escaped, so one request is always one parseable line. */
static void log_path(const char *uri, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *p = uri; *p && *p != '?' && n + 4 < cap; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
}

static size_t put_str(char *out, size_t n, size_t cap, const char *s)
{
	while (*s && n + 1 < cap)
		out[n++] = *s++;
	return n;
}

static size_t put_u64(char *out, size_t n, size_t cap, uint64_t v)
{
	char tmp[24];
	size_t k = sizeof(tmp);

	tmp[--k] = '\0';
	do {
		tmp[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return put_str(out, n, cap, tmp + k);
}

/* The request's log line, by hand rather than printf: at tens of thousands of requests a
 * second the formatting showed up in profiles. Same shape as any hv_log line. */
static void log_request(struct hv_server *srv, const struct rq *q, bool aborted)
{
	char line[512], path[LOG_PATH_MAX];
	size_t n = hv_log_prefix(line, sizeof(line), HV_LOG_INFO, "request");

	log_path(q->raw_uri, path, sizeof(path));
	n = put_str(line, n, sizeof(line), " method=");
	n = put_str(line, n, sizeof(line), hv_method_name(q->req.method));
	n = put_str(line, n, sizeof(line), " path=\"");
	n = put_str(line, n, sizeof(line), path);
	n = put_str(line, n, sizeof(line), "\" status=");
	n = put_u64(line, n, sizeof(line), (uint64_t)q->code);
	n = put_str(line, n, sizeof(line), " bytes=");
	n = put_u64(line, n, sizeof(line), q->bytes);
	n = put_str(line, n, sizeof(line), " duration_us=");
	n = put_u64(line, n, sizeof(line), (hv_time_mono_ns() - q->t0_ns) / 1000);
	if (aborted)
		n = put_str(line, n, sizeof(line), " aborted=1");
	line[n++] = '\n';
	reqlog_add(&srv->log, line, n);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct hv_server *srv = cls;
	struct rq *q = *con_cls;

	(void)con;
	if (!q)
		return;
	if (hv_log_enabled(HV_LOG_INFO))
		log_request(srv, q, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (q->stream && q->stream->end)
		q->stream->end(q->req.stream_state);
	hv_buf_release(&q->body);
	hv_arena_release(&q->arena);
	free(q);
	*con_cls = NULL;
	atomic_fetch_sub_explicit(&srv->in_flight, 1, memory_order_release);
}

static enum MHD_Result queue(struct rq *q, struct MHD_Connection *con, struct hv_resp *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *data;

	if (resp->body.failed)
		hv_resp_problem(resp, HV_EINTERNAL, "response body over its limit");
	if (resp->log_detail[0]) {
		char path[LOG_PATH_MAX];

		log_path(q->raw_uri, path, sizeof(path));
		hv_log(HV_LOG_ERROR, "request failed", "path=\"%s\" status=%d detail=\"%s\"", path,
		       resp->status, resp->log_detail);
	}
	data = hv_buf_detach(&resp->body, &len);
	/* MUST_FREE hands the buffer over: no copy, freed by MHD when the response goes. */
	r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(data);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (size_t i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	ret = MHD_queue_response(con, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	q->code = resp->status;
	q->bytes = len;
	q->answered = true;
	return ret;
}

static enum MHD_Result answer_problem(struct rq *q, struct MHD_Connection *con, int status,
				      const char *detail)
{
	struct hv_resp resp;
	enum MHD_Result ret;

	hv_resp_init(&resp, 0);
	hv_resp_problem(&resp, status, detail);
	ret = queue(q, con, &resp);
	hv_resp_release(&resp);
	return ret;
}

/* Parses the raw URI into q->req; on a bad one fills resp with the 400. */
static bool parse_target(struct rq *q, struct hv_resp *resp)
{
	const char *uri = q->raw_uri, *qm = strchr(uri, '?');
	size_t path_len = qm ? (size_t)(qm - uri) : strlen(uri);
	struct hv_err err;
	int rc;

	hv_err_clear(&err);
	rc = hv_http_path_parse(&q->arena, uri, path_len, &q->req.segs, &q->req.path, &err);
	if (rc == HV_OK && qm)
		rc = hv_query_parse(&q->arena, qm + 1, strlen(qm + 1), &q->req.query, &err);
	if (rc) {
		hv_resp_problem(resp, rc, err.msg);
		return false;
	}
	return true;
}

/* The request's credentials for the router's authenticator. The values live in MHD's
 * connection memory, which outlasts the request. */
static void fill_credentials(struct rq *q, struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci;
	char addr[INET6_ADDRSTRLEN];

	q->req.session_cookie = MHD_lookup_connection_value(con, MHD_COOKIE_KIND, "haven_session");
	q->req.authorization =
		MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	q->req.csrf_header = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-CSRF-Token");
	q->req.content_type =
		MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	q->req.accept = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	q->req.client_addr = "";
	ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		const void *src = NULL;

		if (sa->sa_family == AF_INET)
			src = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		else if (sa->sa_family == AF_INET6)
			src = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (src && inet_ntop(sa->sa_family, src, addr, sizeof(addr)))
			q->req.client_addr = hv_arena_strdup(&q->arena, addr);
	}
	if (q->srv->o.trust_proxy) {
		const char *real = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Real-IP");
		unsigned char bin[sizeof(struct in6_addr)];

		if (real &&
		    (inet_pton(AF_INET, real, bin) == 1 || inet_pton(AF_INET6, real, bin) == 1))
			q->req.client_addr = hv_arena_strdup(&q->arena, real);
	}
}

static void setup_req(struct rq *q, struct MHD_Connection *con)
{
	q->req.arena = &q->arena;
	q->req.role = HV_ROLE_PUBLIC; /* until the router's authenticator says otherwise */
	q->req.body = q->body.data;
	q->req.body_len = q->body.len;
	q->req.public_url = q->srv->public_url;
	q->req.tls = q->srv->tls;
	q->req.store_fn = thread_store;
	q->req.store_ctx = q->srv;
	fill_credentials(q, con);
}

static enum MHD_Result answer(struct rq *q, struct MHD_Connection *con)
{
	struct hv_resp resp;
	enum MHD_Result ret;

	hv_resp_init(&resp, 0);
	setup_req(q, con);
	if (parse_target(q, &resp))
		hv_router_dispatch(q->srv->router, &q->req, &resp);
	ret = queue(q, con, &resp);
	hv_resp_release(&resp);
	return ret;
}

/* How much of an over-limit body is drained: an upload route's large limit must not make the
 * server read gigabytes it will refuse anyway. */
static uint64_t drain_cap(uint64_t limit)
{
	return limit * DRAIN_FACTOR < limit + DRAIN_MAX ? limit * DRAIN_FACTOR : limit + DRAIN_MAX;
}

/* Refuses the request with resp: the body (up to cap bytes in all) is read and dropped first and
 * resp saved for the last call, or, when the body is known to be longer or resp cannot be kept,
 * resp is queued now (MHD then closes the connection). */
static enum MHD_Result refuse(struct rq *q, struct MHD_Connection *con, struct hv_resp *resp,
			      uint64_t cap)
{
	if ((q->content_length >= 0 && (uint64_t)q->content_length > cap) || q->n_body > cap ||
	    resp->body.failed)
		return queue(q, con, resp);
	q->draining = true;
	q->drain_max = cap;
	q->saved.status = resp->status;
	q->saved.type = resp->content_type;
	q->saved.body = hv_arena_strndup(&q->arena, resp->body.data, resp->body.len);
	q->saved.len = resp->body.len;
	for (size_t i = 0; i < resp->n_headers; i++) {
		q->saved.hname[i] = resp->headers[i].name;
		q->saved.hvalue[i] = resp->headers[i].value;
	}
	q->saved.n_headers = resp->n_headers;
	memcpy(q->saved.log_detail, resp->log_detail, sizeof(q->saved.log_detail));
	return MHD_YES;
}

static enum MHD_Result refuse_problem(struct rq *q, struct MHD_Connection *con, int status,
				      const char *detail, uint64_t cap)
{
	struct hv_resp resp;
	enum MHD_Result ret;

	hv_resp_init(&resp, 0);
	hv_resp_problem(&resp, status, detail);
	ret = refuse(q, con, &resp, cap);
	hv_resp_release(&resp);
	return ret;
}

static enum MHD_Result answer_saved(struct rq *q, struct MHD_Connection *con)
{
	struct hv_resp resp;
	enum MHD_Result ret;

	hv_resp_init(&resp, 0);
	resp.status = q->saved.status;
	resp.content_type = q->saved.type;
	hv_buf_add(&resp.body, q->saved.body, q->saved.len);
	for (size_t i = 0; i < q->saved.n_headers; i++)
		hv_resp_header(&resp, q->saved.hname[i], q->saved.hvalue[i]);
	memcpy(resp.log_detail, q->saved.log_detail, sizeof(resp.log_detail));
	ret = queue(q, con, &resp);
	hv_resp_release(&resp);
	return ret;
}

static enum MHD_Result refuse_too_large(struct rq *q, struct MHD_Connection *con, uint64_t limit)
{
	char detail[128];

	snprintf(detail, sizeof(detail), "the request body is over %llu bytes",
		 (unsigned long long)limit);
	return refuse_problem(q, con, HV_HTTP_ETOO_LARGE, detail, drain_cap(limit));
}

/* A POST or PUT to a streamed route: its checks run on the head, before any body byte, and its
 * body goes to the route's stream ops instead of memory. A refusal drains the body first (see
 * refuse). *streamed tells the caller whether the request is now the stream's. */
static enum MHD_Result stream_start(struct rq *q, struct MHD_Connection *con, bool *streamed)
{
	const struct hv_route *rt;
	struct hv_resp resp;
	struct hv_err err;
	enum MHD_Result ret;
	const struct hv_stream_ops *ops;
	uint64_t limit = 0;
	int st, rc;

	*streamed = false;
	if (q->req.method != HV_POST && q->req.method != HV_PUT)
		return MHD_YES;
	hv_resp_init(&resp, 0);
	setup_req(q, con);
	if (!parse_target(q, &resp) ||
	    !(rt = hv_router_match(q->srv->router, q->req.method, &q->req.segs, &q->req, &st)) ||
	    !(ops = hv_router_stream(q->srv->router, rt, &limit))) {
		/* Not a streamed route: the ordinary path parses it again at the end. */
		memset(&q->req.segs, 0, sizeof(q->req.segs));
		memset(&q->req.query, 0, sizeof(q->req.query));
		q->req.n_captures = 0;
		hv_resp_release(&resp);
		return MHD_YES;
	}
	*streamed = true;
	hv_err_clear(&err);
	if (!(rt = hv_router_prepare(q->srv->router, &q->req, &resp))) {
		ret = refuse(q, con, &resp, DRAIN_MAX);
		goto out;
	}
	if (limit && q->content_length >= 0 && (uint64_t)q->content_length > limit) {
		ret = refuse_too_large(q, con, limit);
		goto out;
	}
	if ((rc = ops->begin(&q->req, &q->req.stream_state, &err))) {
		if (ops->end)
			ops->end(q->req.stream_state);
		q->req.stream_state = NULL;
		hv_resp_problem(&resp, rc, err.msg);
		ret = refuse(q, con, &resp, DRAIN_MAX);
		goto out;
	}
	q->stream_rt = rt;
	q->stream = ops;
	q->stream_limit = limit;
	ret = MHD_YES;
out:
	hv_resp_release(&resp);
	return ret;
}

static enum MHD_Result stream_chunk(struct rq *q, struct MHD_Connection *con, const char *p,
				    size_t n)
{
	struct hv_err err;
	int rc;

	q->req.stream_len += n;
	if (q->stream_limit && q->req.stream_len > q->stream_limit)
		return refuse_too_large(q, con, q->stream_limit);
	hv_err_clear(&err);
	if ((rc = q->stream->chunk(&q->req, q->req.stream_state, p, n, &err)))
		return refuse_problem(q, con, rc, err.msg, DRAIN_MAX);
	return MHD_YES;
}

static enum MHD_Result stream_answer(struct rq *q, struct MHD_Connection *con)
{
	struct hv_resp resp;
	enum MHD_Result ret;

	hv_resp_init(&resp, 0);
	q->req.ctx = q->stream_rt->ctx;
	q->stream_rt->handler(&q->req, &resp);
	ret = queue(q, con, &resp);
	hv_resp_release(&resp);
	return ret;
}

/* The body limit and kind of the route this request is for: an upload route takes far more
 * than the small default, and only it. A path that does not parse or match keeps the default
 * (it is answered with its error once the body is in). */
static void route_limits(struct rq *q)
{
	struct hv_arena scratch;
	struct hv_req r = {0};
	struct hv_path path;
	const struct hv_route *rt;
	const char *uri = q->raw_uri, *qm = strchr(uri, '?'), *norm;
	int status;

	q->body_limit = q->srv->o.body_limit;
	q->binary = false;
	/* Only POST and PUT routes take a body: a GET (the lookups, the map) keeps the default
	 * without matching its route twice. */
	if (q->req.method != HV_POST && q->req.method != HV_PUT)
		return;
	hv_arena_init(&scratch, 0);
	r.arena = &scratch;
	if (hv_http_path_parse(&scratch, uri, qm ? (size_t)(qm - uri) : strlen(uri), &path, &norm,
			       NULL) == HV_OK &&
	    (rt = hv_router_match(q->srv->router, q->req.method, &path, &r, &status))) {
		if (rt->max_body)
			q->body_limit = rt->max_body;
		q->binary = (rt->flags & HV_ROUTE_BINARY) != 0;
	}
	hv_arena_release(&scratch);
	hv_buf_release(&q->body);
	hv_buf_init(&q->body, q->body_limit);
}

/* libmicrohttpd calls this at least twice per request: once after the head, then with each
 * piece of the body, then once more with none. Answering on the first call makes 0.9.75 close
 * a keep-alive connection, so answers wait for the last call (a refused body is drained). */
static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct hv_server *srv = cls;
	struct rq *q = *con_cls;

	(void)url;
	(void)version;
	if (!q)
		*con_cls = q = on_uri(srv, url, con);
	if (!q->started) {
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		bool streamed;
		enum MHD_Result ret;
		int64_t n;

		q->started = true;
		q->req.method = hv_method_parse(method);
		q->content_length = cl && hv_str_to_i64(hv_str_cstr(cl), &n) && n >= 0 ? n : -1;
		ret = stream_start(q, con, &streamed);
		if (streamed)
			return ret;
		route_limits(q);
		if (q->content_length >= 0 && (uint64_t)q->content_length > q->body_limit)
			return refuse_too_large(q, con, q->body_limit);
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (q->answered)
			return MHD_YES;
		q->n_body += n;
		if (q->draining)
			return q->n_body > q->drain_max ? answer_saved(q, con) : MHD_YES;
		if (q->stream_rt)
			return stream_chunk(q, con, upload_data, n);
		hv_buf_add(&q->body, upload_data, n);
		if (q->body.failed) /* a chunked body with no length, crossing the limit */
			return refuse_too_large(q, con, q->body_limit);
		return MHD_YES;
	}
	if (q->answered)
		return MHD_YES;
	if (q->draining)
		return answer_saved(q, con);
	if (q->stream_rt)
		return stream_answer(q, con);
	if (!q->binary && memchr(q->body.data, '\0', q->body.len)) {
		return answer_problem(q, con, HV_EINVAL, "the request body contains a NUL byte");
	}
	return answer(q, con);
}

/* Keeps MHD from decoding the URL: haven decodes it itself, with validation, from the raw URI. */
static size_t no_unescape(void *cls, struct MHD_Connection *con, char *s)
{
	(void)cls;
	(void)con;
	return strlen(s);
}

/* ---- start and stop ---- */

static void apply_defaults(struct hv_server_opts *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (!o->host)
		o->host = "127.0.0.1";
	if (!o->n_threads)
		o->n_threads = n > 0 ? (unsigned)n : 1;
	if (!o->conn_limit)
		o->conn_limit = 4096;
	if (!o->per_ip_limit)
		o->per_ip_limit = 1024;
	if (!o->timeout_s)
		o->timeout_s = 30;
	if (!o->body_limit)
		o->body_limit = (size_t)1 << 20;
	if (!o->header_limit)
		o->header_limit = 32 * 1024;
}

int hv_server_start(const struct hv_server_opts *opts, const struct hv_router *r,
		    struct hv_server **out, struct hv_err *err)
{
	struct hv_server *srv;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	const union MHD_DaemonInfo *info;

	*out = NULL;
	srv = hv_xcalloc(1, sizeof(*srv));
	srv->o = *opts;
	apply_defaults(&srv->o);
	if (inet_pton(AF_INET, srv->o.host, &sa.sin_addr) != 1) {
		hv_err_set(err, HV_EINVAL, "listen address \"%s\" is not an IPv4 address",
			   srv->o.host);
		free(srv);
		return HV_EINVAL;
	}
	sa.sin_port = htons(srv->o.port);
	srv->router = r;
	srv->tls = srv->o.tls_cert_pem != NULL;
	srv->db_path = hv_xstrdup(opts->db_path ? opts->db_path : "haven.db");
	srv->public_url = hv_xstrdup(opts->public_url ? opts->public_url : "");
	atomic_init(&srv->in_flight, 0);
	pthread_key_create(&srv->store_key, store_close_cb);
	reqlog_init(&srv->log);
	if (srv->o.tls_cert_pem && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		hv_err_set(err, HV_EINVAL,
			   "TLS: this libmicrohttpd was built without TLS support (GnuTLS)");
		goto fail;
	}
	/* An empty key and certificate are ignored by libmicrohttpd without MHD_USE_TLS. */
	srv->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			(srv->o.tls_cert_pem ? MHD_USE_TLS : 0),
		srv->o.port, NULL, NULL, on_access, srv, MHD_OPTION_HTTPS_MEM_KEY,
		srv->o.tls_key_pem ? srv->o.tls_key_pem : "", MHD_OPTION_HTTPS_MEM_CERT,
		srv->o.tls_cert_pem ? srv->o.tls_cert_pem : "", MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, srv->o.n_threads,
		MHD_OPTION_CONNECTION_LIMIT, srv->o.conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		srv->o.per_ip_limit, MHD_OPTION_CONNECTION_TIMEOUT, srv->o.timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, srv->o.header_limit,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		srv, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL, MHD_OPTION_END);
	if (!srv->mhd) {
		hv_err_set(err, HV_EIO, "cannot listen on %s:%u (in use, or not allowed%s)",
			   srv->o.host, (unsigned)srv->o.port,
			   srv->o.tls_cert_pem ? ", or TLS refused the certificate and key" : "");
	fail:
		pthread_key_delete(srv->store_key);
		reqlog_release(&srv->log);
		free(srv->db_path);
		free(srv->public_url);
		free(srv);
		return HV_EIO;
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : srv->o.port;
	*out = srv;
	return HV_OK;
}

uint16_t hv_server_port(const struct hv_server *s)
{
	return s->port;
}

unsigned hv_server_stop(struct hv_server *s, unsigned grace_ms)
{
	struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
	unsigned left, waited = 0;
	MHD_socket ls;

	if (!s)
		return 0;
	/* Stop accepting first, so the drain below only waits for requests already here. */
	ls = MHD_quiesce_daemon(s->mhd);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	while ((left = atomic_load(&s->in_flight)) > 0 && waited < grace_ms) {
		nanosleep(&tick, NULL);
		waited += 10;
	}
	/* Joins the workers: each one's thread-exit destructor closes its store. */
	MHD_stop_daemon(s->mhd);
	pthread_key_delete(s->store_key);
	reqlog_release(&s->log);
	free(s->db_path);
	free(s->public_url);
	free(s);
	return left;
}
