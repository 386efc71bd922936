/* SPDX-License-Identifier: Apache-2.0 */
/* Error detail formatting. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hv_err_clear(struct hv_err *err)
{
	if (!err)
		return;
	err->code = HV_OK;
	err->msg[0] = '\0';
}

int hv_err_set(struct hv_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int hv_err_prefix(struct hv_err *err, int code, const char *fmt, ...)
{
	char pre[HV_ERR_MSG_MAX];
	char old[HV_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return code;
	if (err->code == HV_OK)
		err->code = code;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the message is for people and stays NUL-terminated. */
	size_t n = strlen(pre);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, pre, n);
	memcpy(err->msg + n, ": ", 2);
	n += 2;
	size_t m = strlen(old);
	if (m > sizeof(err->msg) - 1 - n)
		m = sizeof(err->msg) - 1 - n;
	memcpy(err->msg + n, old, m);
	err->msg[n + m] = '\0';
	return err->code;
}

const char *hv_status_str(int code)
{
	switch (code) {
	case HV_OK:
		return "ok";
	case HV_EINVAL:
		return "invalid input";
	case HV_ENOENT:
		return "not found";
	case HV_EIO:
		return "i/o error";
	case HV_EFORMAT:
		return "bad format";
	case HV_ESTORE:
		return "store error";
	case HV_EEXIST:
		return "already exists";
	case HV_EUSAGE:
		return "usage error";
	case HV_ELIMIT:
		return "limit exceeded";
	case HV_ECONFLICT:
		return "conflict";
	default:
		return "internal error";
	}
}
