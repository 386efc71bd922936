/* SPDX-License-Identifier: Apache-2.0 */
/* For tests/e2e/ledger_crash.sh: N threads append through the group committer as fast as they
 * can and print "SEQ BODY" for each entry the committer acknowledged as durable, until killed
 * (kill -9 is the point). Usage: ledger_crash_writer DB KEYFILE THREADS */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"

#include "core/banned.h"

struct writer {
	struct hv_ledger_committer *c;
	int id;
	int64_t n, seq;
};

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static int work(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct writer *w = ctx;
	char body[96];

	snprintf(body, sizeof(body), "{\"writer\":%d,\"n\":%" PRId64 "}", w->id, w->n);
	return hv_ledger_append(s, "crash_test", NULL, body, strlen(body), 1, &w->seq, err);
}

static void *run(void *arg)
{
	struct writer *w = arg;
	struct hv_err err;

	for (w->n = 0;; w->n++) {
		if (hv_ledger_committer_submit(w->c, work, w, &err)) {
			fprintf(stderr, "submit: %s\n", err.msg);
			exit(1);
		}
		/* printed only after submit returned: the entry is durable */
		pthread_mutex_lock(&out_lock);
		printf("%" PRId64 " {\"writer\":%d,\"n\":%" PRId64 "}\n", w->seq, w->id, w->n);
		fflush(stdout);
		pthread_mutex_unlock(&out_lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct hv_ledger_signer key;
	const struct hv_ledger_signer *keys[1] = {&key};
	struct hv_ledger_committer_config cfg = {
		.signers = keys, .n_signers = 1, .checkpoint_ms = 200};
	struct hv_ledger_committer *c;
	struct writer w[16];
	pthread_t t[16];
	struct hv_err err;
	int n;

	if (argc != 4 || (n = (int)strtol(argv[3], NULL, 10)) < 1 || n > 16) {
		fprintf(stderr, "usage: ledger_crash_writer DB KEYFILE THREADS(1-16)\n");
		return 2;
	}
	cfg.store_uri = argv[1];
	if (hv_ledger_key_load(argv[2], &key, &err) || hv_ledger_committer_start(&cfg, &c, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		w[i] = (struct writer){.c = c, .id = i};
		pthread_create(&t[i], NULL, run, &w[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
