/* SPDX-License-Identifier: Apache-2.0 */
/* File-system helpers. */
#ifndef HV_CORE_FS_H
#define HV_CORE_FS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Reads a whole file (at most limit bytes) into *out (caller frees, NUL-terminated).
 * Returns HV_OK, HV_ENOENT, HV_EIO or HV_ELIMIT. */
int hv_fs_read_file(const char *path, size_t limit, char **out, size_t *len, struct hv_err *err);
/* The last path component of path (borrowed from path). */
const char *hv_fs_basename(const char *path);
bool hv_fs_exists(const char *path);
/* Creates a directory and its parents (mode 0755); an existing directory is fine. */
int hv_fs_mkdirs(const char *path, struct hv_err *err);

#endif
