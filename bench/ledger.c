/* SPDX-License-Identifier: Apache-2.0 */
/* bench/ledger: durable appends/s through the group committer with 1, 4 and 16 writer threads
 * beside one transaction per append (the peer), on a real SQLite file with synchronous=FULL;
 * the time to verify 1,000,000 entries beside a plain scan of the same table; and evidence
 * hashing MB/s of haven's streaming SHA-256 beside `sha256sum` on the same ~1 GB file.
 * Usage: bench_ledger DIR [SECONDS_PER_RUN] [VERIFY_ENTRIES] [HASH_MB] */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/buf.h"
#include "core/clock.h"
#include "crypto/sha256.h"
#include "crypto/sign.h"
#include "ledger/ledger.h"
#include "store/store.h"

#include "core/banned.h"

static void die(const char *what, const struct hv_err *err)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, err ? err->msg : "");
	exit(1);
}

/* CPU time of this process: on a shared machine it shows the work apart from the waiting. */
static double cpu_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double secs_since(uint64_t t0)
{
	return (double)(hv_time_mono_ns() - t0) / 1e9;
}

/* A body like an incident's canonical JSON: a few hundred bytes. */
static void make_body(char *out, size_t cap, int writer, int64_t i)
{
	snprintf(
		out, cap,
		"{\"id\":%" PRId64 ",\"writer\":%d,\"property\":%" PRId64 ",\"type\":\"staging\","
		"\"at_ms\":1764201600000,\"agencies\":[\"stated: ICE\"],\"personnel\":4,"
		"\"vehicles\":2,\"documents\":[{\"form\":\"I-200\",\"answer\":\"administrative\"}],"
		"\"text\":\"Vehicles parked in the north lot; staff asked for the document and "
		"called the law department.\"}",
		i, writer, 1000 + i % 5000);
}

/* ---- durable appends ---- */

struct run {
	const char *db;
	struct hv_ledger_committer *c; /* NULL: the peer, one transaction per append */
	int writer;
	double seconds;
	_Atomic int64_t *total;
	int64_t n;
};

static int append_work(struct hv_store *s, void *ctx, struct hv_err *err)
{
	struct run *r = ctx;
	char body[512];

	make_body(body, sizeof(body), r->writer, r->n);
	return hv_ledger_append(s, "incident", NULL, body, strlen(body), hv_time_now_ms(), NULL,
				err);
}

static void *writer_main(void *arg)
{
	struct run *r = arg;
	struct hv_store *s = NULL;
	struct hv_err err;
	uint64_t t0 = hv_time_mono_ns();

	if (!r->c && hv_store_open(r->db, &s, &err))
		die("open", &err);
	while (secs_since(t0) < r->seconds) {
		if (r->c) {
			if (hv_ledger_committer_submit(r->c, append_work, r, &err))
				die("submit", &err);
		} else {
			/* the peer: each writer its own transaction; SQLite's busy handler is not
			 * fair, so a writer starved past its 5 s timeout simply tries again */
			if (hv_store_begin(s, &err)) {
				if (strstr(err.msg, "locked"))
					continue;
				die("begin", &err);
			}
			if (append_work(s, r, &err) || hv_store_commit(s, &err))
				die("append", &err);
		}
		r->n++;
	}
	atomic_fetch_add(r->total, r->n);
	hv_store_close(s);
	return NULL;
}

static double run_writers(const char *db, int n_writers, bool group, double seconds,
			  const struct hv_ledger_signer *key, struct hv_ledger_committer_stats *st)
{
	const struct hv_ledger_signer *keys[1] = {key};
	struct hv_ledger_committer_config cfg = {
		.store_uri = db, .signers = keys, .n_signers = 1, .checkpoint_ms = 1000};
	struct hv_ledger_committer *c = NULL;
	struct run r[64];
	pthread_t t[64];
	_Atomic int64_t total = 0;
	struct hv_err err;
	uint64_t t0;
	double el;

	struct hv_store *s;

	memset(st, 0, sizeof(*st));
	/* create and migrate the file once: 16 connections opening a new file at once would race
	 * for the migration's lock */
	if (hv_store_open(db, &s, &err))
		die("open", &err);
	hv_store_close(s);
	if (group && hv_ledger_committer_start(&cfg, &c, &err))
		die("committer", &err);
	t0 = hv_time_mono_ns();
	for (int i = 0; i < n_writers; i++) {
		r[i] = (struct run){
			.db = db, .c = c, .writer = i, .seconds = seconds, .total = &total};
		pthread_create(&t[i], NULL, writer_main, &r[i]);
	}
	for (int i = 0; i < n_writers; i++)
		pthread_join(t[i], NULL);
	el = secs_since(t0);
	if (c) {
		hv_ledger_committer_stats(c, st);
		hv_ledger_committer_stop(c);
	}
	return (double)atomic_load(&total) / el;
}

/* ---- verify ---- */

static int count_row(void *ctx, int ncol, char **vals, char **names)
{
	(void)ncol;
	(void)names;
	*(int64_t *)ctx = vals[0] ? strtoll(vals[0], NULL, 10) : 0;
	return 0;
}

static void bench_verify(const char *dir, int64_t n, const struct hv_ledger_signer *key)
{
	const struct hv_ledger_signer *keys[1] = {key};
	struct hv_ledger_verifier v;
	struct hv_ledger_verify_report rep;
	struct hv_store *s;
	struct hv_err err;
	char db[512], body[512];
	sqlite3 *raw;
	int64_t scanned = 0;
	double t_build, t_verify, t_scan, c0, c_verify, load[1] = {0};
	uint64_t t0;

	snprintf(db, sizeof(db), "%s/verify.db", dir);
	unlink(db);
	if (hv_store_open(db, &s, &err))
		die("open", &err);
	t0 = hv_time_mono_ns();
	/* 10,000 entries per transaction, a checkpoint after each: as the committer leaves it */
	for (int64_t i = 0; i < n;) {
		if (hv_store_begin(s, &err))
			die("begin", &err);
		for (int k = 0; k < 10000 && i < n; k++, i++) {
			make_body(body, sizeof(body), 0, i);
			if (hv_ledger_append(s, "incident", NULL, body, strlen(body),
					     1764201600000 + i, NULL, &err))
				die("append", &err);
		}
		if (hv_ledger_checkpoint(s, keys, 1, hv_time_now_ms(), NULL, NULL, &err) ||
		    hv_store_commit(s, &err))
			die("commit", &err);
	}
	t_build = secs_since(t0);
	hv_ledger_signer_verifier(key, &v);
	t0 = hv_time_mono_ns();
	c0 = cpu_secs();
	if (hv_ledger_verify(s, &v, 1, false, &rep, &err))
		die("verify", &err);
	t_verify = secs_since(t0);
	c_verify = cpu_secs() - c0;
	hv_store_close(s);
	/* the peer: the cheapest full read of the same rows */
	if (sqlite3_open(db, &raw) != SQLITE_OK)
		die("sqlite3_open", NULL);
	t0 = hv_time_mono_ns();
	sqlite3_exec(raw, "SELECT sum(length(entry) + length(leaf_hash)) FROM ledger_entries",
		     count_row, &scanned, NULL);
	t_scan = secs_since(t0);
	sqlite3_close(raw);
	getloadavg(load, 1);
	printf("verify: %" PRId64 " entries (%" PRId64 " nodes, %" PRId64
	       " checkpoints, signatures checked) in %.3f s wall, %.3f s CPU (%.0f entries/s; "
	       "load average %.1f on %ld cores); goal < 2 s: %s\n",
	       rep.n_entries, rep.n_nodes, rep.n_checkpoints, t_verify, c_verify,
	       (double)rep.n_entries / t_verify, load[0], sysconf(_SC_NPROCESSORS_ONLN),
	       t_verify < 2.0 ? "met" : (c_verify < 2.0 ? "met in CPU time, NOT in wall time"
							: "NOT met"));
	printf("verify: peer, a bare SQLite scan of the same rows: %.3f s; verify / scan = %.2f\n",
	       t_scan, t_verify / t_scan);
	printf("verify: building the %" PRId64 "-entry ledger took %.1f s (%.0f appends/s in "
	       "10,000-entry transactions)\n",
	       n, t_build, (double)n / t_build);
	unlink(db);
}

/* ---- hashing ---- */

/* The disk's durable-write latency: what one group commit costs at least. */
static double fsync_ms(const char *dir)
{
	char path[512], block[4096];
	double best = 1e9, sum = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/fsync.bin", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open fsync.bin", NULL);
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < 100; i++) {
		uint64_t t0 = hv_time_mono_ns();
		double ms;

		if (pwrite(fd, block, sizeof(block), (off_t)(i % 16) * 4096) < 0 ||
		    fdatasync(fd) != 0)
			die("fdatasync", NULL);
		ms = (double)(hv_time_mono_ns() - t0) / 1e6;
		sum += ms;
		best = ms < best ? ms : best;
	}
	close(fd);
	unlink(path);
	return sum / 100;
}

static double time_cmd(const char *cmd)
{
	uint64_t t0 = hv_time_mono_ns();

	if (system(cmd) != 0)
		die(cmd, NULL);
	return secs_since(t0);
}

static void bench_hash(const char *dir, int mb)
{
	char path[512], cmd[1100], hex[HV_SHA256_HEX_LEN], their[80] = {0};
	unsigned char *block = malloc(1 << 20);
	struct hv_err err;
	double best_ours = 1e9, best_theirs = 1e9;
	FILE *f;

	snprintf(path, sizeof(path), "%s/evidence.bin", dir);
	f = fopen(path, "wb");
	if (!f || !block)
		die("create the evidence file", NULL);
	hv_random_bytes(block, 1 << 20);
	for (int i = 0; i < mb; i++) {
		block[0] = (unsigned char)i; /* no two megabytes alike */
		fwrite(block, 1, 1 << 20, f);
	}
	fclose(f);
	free(block);
	snprintf(cmd, sizeof(cmd), "sha256sum '%.512s' > '%.512s.sum'", path, path);
	time_cmd(cmd); /* warm the page cache for both */
	for (int round = 0; round < 3; round++) {
		uint64_t t0 = hv_time_mono_ns();
		double t;

		if (hv_sha256_file(path, hex, &err))
			die("hash", &err);
		t = secs_since(t0);
		best_ours = t < best_ours ? t : best_ours;
		t = time_cmd(cmd);
		best_theirs = t < best_theirs ? t : best_theirs;
	}
	snprintf(cmd, sizeof(cmd), "%.512s.sum", path);
	f = fopen(cmd, "r");
	if (!f || !fgets(their, 65, f))
		die("read sha256sum's output", NULL);
	fclose(f);
	unlink(cmd);
	unlink(path);
	printf("hash: %d MB: haven %.0f MB/s, sha256sum %.0f MB/s (best of 3, cached); haven / "
	       "sha256sum = %.2f; goal >= 0.90: %s; digests %s\n",
	       mb, mb / best_ours, mb / best_theirs, best_theirs / best_ours,
	       best_theirs / best_ours >= 0.90 ? "met" : "NOT met",
	       strncmp(hex, their, 64) == 0 ? "agree" : "DIFFER");
}

int main(int argc, char **argv)
{
	static const int writers[] = {1, 4, 16, 64};
	struct hv_ledger_signer key;
	struct hv_ledger_committer_stats st, st_peer;
	struct hv_err err;
	const char *dir;
	double seconds, group, peer;
	int64_t n_verify;
	int hash_mb;
	char db[512];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_ledger DIR [SECONDS] [VERIFY_ENTRIES] [HASH_MB]\n");
		return 2;
	}
	dir = argv[1];
	seconds = argc > 2 ? strtod(argv[2], NULL) : 5;
	n_verify = argc > 3 ? strtoll(argv[3], NULL, 10) : 1000000;
	hash_mb = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 1024;
	if (hv_ledger_signer_generate("bench/ledger", &key, &err))
		die("key", &err);
	double fs = fsync_ms(dir);

	printf("appends: durable (synchronous=FULL, WAL) on %s, %.0f s per run, a checkpoint "
	       "signed at most 1 s apart\n",
	       dir, seconds);
	printf("appends: this disk's 4 KiB write + fdatasync takes %.2f ms on average: a writer "
	       "that waits for its own entry to be durable gets at most %.0f/s, and N such writers "
	       "at most N x that with one fsync per batch (16: %.0f/s)\n",
	       fs, 1000.0 / fs, 16 * 1000.0 / fs);
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		snprintf(db, sizeof(db), "%s/appends-%d.db", dir, writers[i]);
		unlink(db);
		group = run_writers(db, writers[i], true, seconds, &key, &st);
		snprintf(db, sizeof(db), "%s/peer-%d.db", dir, writers[i]);
		unlink(db);
		peer = run_writers(db, writers[i], false, seconds, &key, &st_peer);
		printf("appends: %2d writers: group commit %8.0f entries/s (%" PRId64
		       " batches, %.1f per batch, %" PRId64 " checkpoints); one transaction per "
		       "append %7.0f/s; ratio %.1fx%s\n",
		       writers[i], group, st.n_batches,
		       st.n_batches ? (double)st.n_work / (double)st.n_batches : 0.0,
		       st.n_checkpoints, peer, group / peer,
		       writers[i] == 16	  ? (group >= 20000 ? "; goal >= 20,000/s: met"
							    : "; goal >= 20,000/s: NOT met")
		       : writers[i] == 64 ? " (beyond the goal's 16: group commit's scaling)"
					  : "");
		snprintf(db, sizeof(db), "%s/appends-%d.db", dir, writers[i]);
		unlink(db);
		snprintf(db, sizeof(db), "%s/peer-%d.db", dir, writers[i]);
		unlink(db);
		fflush(stdout);
	}
	bench_verify(dir, n_verify, &key);
	fflush(stdout);
	if (hash_mb > 0)
		bench_hash(dir, hash_mb);
	hv_ledger_signer_wipe(&key);
	return 0;
}
