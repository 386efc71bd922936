/* SPDX-License-Identifier: Apache-2.0 */
/* key=value logging to stderr. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"

static enum hv_log_level min_level = HV_LOG_INFO;

void hv_log_set_level(enum hv_log_level level)
{
	min_level = level;
}

bool hv_log_enabled(enum hv_log_level level)
{
	return level >= min_level;
}

static size_t put(char *out, size_t n, size_t cap, const char *s)
{
	size_t len = strlen(s);

	if (len > cap - 1 - n)
		len = cap - 1 - n;
	memcpy(out + n, s, len);
	out[n + len] = '\0';
	return n + len;
}

size_t hv_log_prefix(char *out, size_t cap, enum hv_log_level level, const char *msg)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	char ts[HV_TIME_ISO_MAX];
	size_t n = 0;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	hv_time_format_iso(hv_time_now_ms(), ts, sizeof(ts));
	n = put(out, n, cap, "ts=");
	n = put(out, n, cap, ts);
	n = put(out, n, cap, " level=");
	n = put(out, n, cap, names[level]);
	n = put(out, n, cap, " msg=\"");
	n = put(out, n, cap, msg);
	return put(out, n, cap, "\"");
}

static size_t vformat(char *line, size_t cap, enum hv_log_level level, const char *msg,
		      const char *fmt, va_list ap)
{
	int n = (int)hv_log_prefix(line, cap, level, msg);

	if ((size_t)n > cap - 2)
		n = (int)cap - 2;
	if (fmt && *fmt && (size_t)n < cap - 3) {
		int m;

		line[n++] = ' ';
		m = vsnprintf(line + n, cap - 1 - (size_t)n, fmt, ap);
		if (m > 0)
			n += (size_t)m < cap - 1 - (size_t)n ? m : (int)(cap - 2 - (size_t)n);
	}
	line[n++] = '\n';
	line[n] = '\0';
	return (size_t)n;
}

size_t hv_log_format(char *out, size_t cap, enum hv_log_level level, const char *msg,
		     const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vformat(out, cap, level, msg, fmt, ap);
	va_end(ap);
	return n;
}

void hv_log(enum hv_log_level level, const char *msg, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t n;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	n = vformat(line, sizeof(line), level, msg, fmt, ap);
	va_end(ap);
	/* one write per line, so lines from several threads never interleave */
	fwrite(line, 1, n, stderr);
}
