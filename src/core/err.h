/* SPDX-License-Identifier: Apache-2.0 */
/* Status codes and the caller-owned error detail every fallible function fills in. */
#ifndef HV_CORE_ERR_H
#define HV_CORE_ERR_H

#include <stddef.h>

enum hv_status {
	HV_OK = 0,
	HV_EINVAL = -1,   /* bad input: a value, a field, a row */
	HV_ENOENT = -2,   /* a thing named does not exist */
	HV_EIO = -3,      /* reading or writing a file failed */
	HV_EFORMAT = -4,  /* a file or text is not in the expected format */
	HV_ESTORE = -5,   /* the store failed or is in an unexpected state */
	HV_EEXIST = -6,   /* a thing already exists */
	HV_EUSAGE = -7,   /* the command line is wrong */
	HV_ELIMIT = -8,   /* a size or count limit was exceeded */
	HV_ECONFLICT = -9, /* the request conflicts with the stored state */
	HV_EINTERNAL = -10,
};

#define HV_ERR_MSG_MAX 512

/* Detail of the last error; fixed storage, never allocates. */
struct hv_err {
	int code;
	char msg[HV_ERR_MSG_MAX];
};

/* Clears err (NULL-safe). */
void hv_err_clear(struct hv_err *err);

/* Formats a message into err (NULL-safe) and returns code, so an early exit is one line. */
int hv_err_set(struct hv_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to err's message (context on the way out); returns err->code or code. */
int hv_err_prefix(struct hv_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A short English name of a status code ("invalid input", ...). */
const char *hv_status_str(int code);

#endif
