/* SPDX-License-Identifier: Apache-2.0 */
/* File-system helpers. */
#define _POSIX_C_SOURCE 200809L
#include "core/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include <stdlib.h>

#include "core/xalloc.h"

int hv_fs_read_file(const char *path, size_t limit, char **out, size_t *len, struct hv_err *err)
{
	FILE *f = fopen(path, "rb");
	struct hv_buf b;
	char chunk[65536];
	size_t n;
	int rc = HV_OK;

	*out = NULL;
	if (!f)
		return hv_err_set(err, errno == ENOENT ? HV_ENOENT : HV_EIO, "%s: %s", path,
				  strerror(errno));
	hv_buf_init(&b, limit);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		hv_buf_add(&b, chunk, n);
	if (ferror(f)) {
		rc = hv_err_set(err, HV_EIO, "%s: read error", path);
	} else if (b.failed) {
		rc = hv_err_set(err, HV_ELIMIT, "%s: larger than %zu bytes", path, limit);
	}
	fclose(f);
	if (rc) {
		hv_buf_release(&b);
		return rc;
	}
	*out = hv_buf_detach(&b, len);
	return HV_OK;
}

const char *hv_fs_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

bool hv_fs_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int hv_fs_mkdirs(const char *path, struct hv_err *err)
{
	struct stat st;
	char *p;
	int rc = HV_OK;

	/* The loop below starts after the first byte; an empty path has none. */
	if (!*path)
		return hv_err_set(err, HV_EINVAL, "cannot create a directory with an empty name");
	p = hv_xstrdup(path);
	for (char *s = p + 1;; s++) {
		char c = *s;
		int e;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		e = mkdir(p, 0755) == 0 ? 0 : errno;
		/* EEXIST is fine only for a directory: a file in the way is an error. */
		if (e == EEXIST && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)))
			e = ENOTDIR;
		if (e != 0 && e != EEXIST) {
			rc = hv_err_set(err, HV_EIO, "cannot create directory %s: %s", p,
					strerror(e));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}
