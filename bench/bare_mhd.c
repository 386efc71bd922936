/* SPDX-License-Identifier: Apache-2.0 */
/* The baseline for bench/http.sh: libmicrohttpd alone, in the same mode as haven serve (epoll,
 * internal thread pool, one per core), answering every request with a fixed 200-byte JSON body
 * on the second access-handler call. Usage: bench_bare_mhd PORT [THREADS]; stops on SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

static char body[201];

static enum MHD_Result on_access(void *cls, struct MHD_Connection *con, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	static int started;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/* the first call only marks the request: answering now would cost keep-alive */
	if (!*con_cls) {
		*con_cls = &started;
		return MHD_YES;
	}
	*upload_data_size = 0;
	r = MHD_create_response_from_buffer(200, body, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(con, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned port = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 8081;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads =
		argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : (unsigned)(n > 0 ? n : 1);
	struct MHD_Daemon *d;
	sigset_t sigs;
	int sig;

	/* a JSON object of exactly 200 bytes, about the size of a one-hit lookup answer */
	memset(body, ' ', 200);
	memcpy(body, "{\"matches\":[],\"pad\":\"", 21);
	memset(body + 21, 'x', 200 - 21 - 2);
	memcpy(body + 198, "\"}", 2);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC,
			     (uint16_t)port, NULL, NULL, on_access, NULL,
			     MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
			     4096u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bench_bare_mhd: cannot listen on port %u\n", port);
		return 1;
	}
	printf("bare libmicrohttpd on http://127.0.0.1:%u/ (%u threads)\n", port, threads);
	fflush(stdout);
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	return 0;
}
