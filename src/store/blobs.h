/* SPDX-License-Identifier: Apache-2.0 */
/* Content-addressed, write-once files (evidence, sign photos): each is stored under its SHA-256,
 * hashed while it streams in, made read-only and never modified. By default the folder sits
 * beside the store file ("haven.db" -> "haven.db.blobs/"). */
#ifndef HV_STORE_BLOBS_H
#define HV_STORE_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "crypto/sha256.h"

struct hv_blobs;       /* a blob folder; caller owns */
struct hv_blob_writer; /* one blob being written; caller owns */

/* Opens (creating, mode 0700) the folder dir. HV_EIO naming dir on failure. */
int hv_blobs_open(const char *dir, struct hv_blobs **out, struct hv_err *err);
void hv_blobs_free(struct hv_blobs *b);
/* The default folder for a store file: "<db_path>.blobs". HV_ELIMIT when it does not fit. */
int hv_blobs_dir_for_store(const char *db_path, char *out, size_t cap, struct hv_err *err);

/* Starts a blob: its bytes go to a temporary file in the folder, never to memory. max_len bounds
 * it (0: no bound); writing past it is HV_ELIMIT. */
int hv_blob_writer_new(struct hv_blobs *b, uint64_t max_len, struct hv_blob_writer **out,
		       struct hv_err *err);
int hv_blob_writer_write(struct hv_blob_writer *w, const void *p, size_t len, struct hv_err *err);
/* Makes the blob durable under its hash (fsync, rename, mode 0444, fsync of the folder) and frees
 * w, also on failure. An identical blob already stored is kept as it is (the new copy is dropped).
 * hex gets the SHA-256, *len the size (either may be NULL). */
int hv_blob_writer_commit(struct hv_blob_writer *w, char hex[HV_SHA256_HEX_LEN], uint64_t *len,
			  struct hv_err *err);
/* Drops an unfinished blob (its temporary file goes); NULL-safe. */
void hv_blob_writer_abort(struct hv_blob_writer *w);

/* Stores p[0..len) in one call. */
int hv_blobs_put(struct hv_blobs *b, const void *p, size_t len, char hex[HV_SHA256_HEX_LEN],
		 struct hv_err *err);
/* The path of blob hex (which must be 64 lower-case hex digits: HV_EINVAL otherwise). Does not
 * check that it exists. */
int hv_blobs_path(const struct hv_blobs *b, const char *hex, char *out, size_t cap,
		  struct hv_err *err);
/* Re-hashes blob hex: HV_ENOENT when absent, HV_ECONFLICT naming the file when its content no
 * longer has that hash (altered on disk), *len its size (may be NULL). */
int hv_blobs_verify(const struct hv_blobs *b, const char *hex, uint64_t *len, struct hv_err *err);

#endif
