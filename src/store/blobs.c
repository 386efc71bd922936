/* SPDX-License-Identifier: Apache-2.0 */
/* Content-addressed write-once files: temp file + fsync + rename, then read-only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/xalloc.h"
#include "store/blobs.h"
#include "core/banned.h"

#define BLOB_PATH_MAX 4096

struct hv_blobs {
	char *dir;
};

struct hv_blob_writer {
	struct hv_blobs *b;
	struct hv_sha256 *h;
	char tmp[BLOB_PATH_MAX];
	int fd;
	uint64_t len, max_len;
};

int hv_blobs_open(const char *dir, struct hv_blobs **out, struct hv_err *err)
{
	struct hv_blobs *b;
	int rc;

	*out = NULL;
	if (!dir || !*dir)
		return hv_err_set(err, HV_EINVAL, "blob folder: empty path");
	if ((rc = hv_fs_mkdirs(dir, err)))
		return rc;
	chmod(dir, 0700);
	b = hv_xcalloc(1, sizeof(*b));
	b->dir = hv_xstrdup(dir);
	*out = b;
	return HV_OK;
}

void hv_blobs_free(struct hv_blobs *b)
{
	if (!b)
		return;
	free(b->dir);
	free(b);
}

int hv_blobs_dir_for_store(const char *db_path, char *out, size_t cap, struct hv_err *err)
{
	int n = snprintf(out, cap, "%s.blobs", db_path);

	if (n < 0 || (size_t)n >= cap)
		return hv_err_set(err, HV_ELIMIT, "%s: path too long for its blob folder", db_path);
	return HV_OK;
}

static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return i == 64;
}

int hv_blobs_path(const struct hv_blobs *b, const char *hex, char *out, size_t cap,
		  struct hv_err *err)
{
	int n;

	if (!hex || !is_hex64(hex))
		return hv_err_set(err, HV_EINVAL, "blob id \"%.80s\": not a SHA-256 in lower-case hex",
				  hex ? hex : "");
	/* Two levels of fan-out keep folders small at millions of files. */
	n = snprintf(out, cap, "%s/%.2s/%s", b->dir, hex, hex);
	if (n < 0 || (size_t)n >= cap)
		return hv_err_set(err, HV_ELIMIT, "%s: blob path too long", b->dir);
	return HV_OK;
}

int hv_blob_writer_new(struct hv_blobs *b, uint64_t max_len, struct hv_blob_writer **out,
		       struct hv_err *err)
{
	struct hv_blob_writer *w = hv_xcalloc(1, sizeof(*w));
	int n;

	*out = NULL;
	n = snprintf(w->tmp, sizeof(w->tmp), "%s/.incoming-XXXXXX", b->dir);
	if (n < 0 || (size_t)n >= sizeof(w->tmp)) {
		free(w);
		return hv_err_set(err, HV_ELIMIT, "%s: blob path too long", b->dir);
	}
	w->fd = mkstemp(w->tmp);
	if (w->fd < 0) {
		int e = errno;

		free(w);
		return hv_err_set(err, HV_EIO, "%s: cannot create a file: %s", b->dir, strerror(e));
	}
	w->b = b;
	w->h = hv_sha256_new();
	w->max_len = max_len;
	*out = w;
	return HV_OK;
}

int hv_blob_writer_write(struct hv_blob_writer *w, const void *p, size_t len, struct hv_err *err)
{
	const char *c = p;

	if (w->max_len && (w->len + len < w->len || w->len + len > w->max_len))
		return hv_err_set(err, HV_ELIMIT, "upload over the limit of %llu bytes",
				  (unsigned long long)w->max_len);
	hv_sha256_update(w->h, p, len);
	while (len) {
		ssize_t n = write(w->fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hv_err_set(err, HV_EIO, "%s: write failed: %s", w->tmp,
					  strerror(errno));
		c += n;
		len -= (size_t)n;
		w->len += (uint64_t)n;
	}
	return HV_OK;
}

void hv_blob_writer_abort(struct hv_blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	unlink(w->tmp);
	hv_sha256_free(w->h);
	free(w);
}

static int fsync_dir(const char *dir, struct hv_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int rc = HV_OK;

	if (fd < 0 || fsync(fd) != 0)
		rc = hv_err_set(err, HV_EIO, "%s: fsync failed: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int hv_blob_writer_commit(struct hv_blob_writer *w, char hex[HV_SHA256_HEX_LEN], uint64_t *len,
			  struct hv_err *err)
{
	uint8_t d[HV_SHA256_LEN];
	char h[HV_SHA256_HEX_LEN], path[BLOB_PATH_MAX], sub[BLOB_PATH_MAX];
	struct stat st;
	int rc;

	hv_sha256_final(w->h, d);
	hv_sha256_hex(d, h);
	if (fsync(w->fd) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: fsync failed: %s", w->tmp, strerror(errno));
		goto fail;
	}
	if ((rc = hv_blobs_path(w->b, h, path, sizeof(path), err)))
		goto fail;
	snprintf(sub, sizeof(sub), "%s/%.2s", w->b->dir, h);
	if ((rc = hv_fs_mkdirs(sub, err)))
		goto fail;
	if (stat(path, &st) == 0) {
		/* Same hash, same bytes: the stored copy stays untouched. */
		hv_blob_writer_abort(w);
		goto done;
	}
	if (fchmod(w->fd, 0444) != 0 || rename(w->tmp, path) != 0) {
		rc = hv_err_set(err, HV_EIO, "%s: cannot store: %s", path, strerror(errno));
		goto fail;
	}
	close(w->fd);
	w->fd = -1;
	hv_sha256_free(w->h);
	if ((rc = fsync_dir(sub, err))) {
		free(w);
		return rc;
	}
	free(w);
done:
	if (hex)
		memcpy(hex, h, HV_SHA256_HEX_LEN);
	if (len)
		*len = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	return HV_OK;
fail:
	hv_blob_writer_abort(w);
	return rc;
}

int hv_blobs_put(struct hv_blobs *b, const void *p, size_t len, char hex[HV_SHA256_HEX_LEN],
		 struct hv_err *err)
{
	struct hv_blob_writer *w = NULL;
	int rc;

	if ((rc = hv_blob_writer_new(b, 0, &w, err)))
		return rc;
	if ((rc = hv_blob_writer_write(w, p, len, err))) {
		hv_blob_writer_abort(w);
		return rc;
	}
	return hv_blob_writer_commit(w, hex, NULL, err);
}

int hv_blobs_verify(const struct hv_blobs *b, const char *hex, uint64_t *len, struct hv_err *err)
{
	char path[BLOB_PATH_MAX], got[HV_SHA256_HEX_LEN];
	struct stat st;
	int rc;

	if ((rc = hv_blobs_path(b, hex, path, sizeof(path), err)))
		return rc;
	if (stat(path, &st) != 0)
		return hv_err_set(err, HV_ENOENT, "%s: stored file missing", path);
	if ((rc = hv_sha256_file(path, got, err)))
		return rc;
	if (strcmp(got, hex) != 0)
		return hv_err_set(err, HV_ECONFLICT, "%s: content changed (SHA-256 is now %s)", path,
				  got);
	if (len)
		*len = (uint64_t)st.st_size;
	return HV_OK;
}
