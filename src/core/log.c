/* SPDX-License-Identifier: Apache-2.0 */
/* key=value logging to stderr. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/clock.h"

static enum hv_log_level min_level = HV_LOG_INFO;

void hv_log_set_level(enum hv_log_level level)
{
	min_level = level;
}

void hv_log(enum hv_log_level level, const char *msg, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	char ts[HV_TIME_ISO_MAX];
	char line[2048];
	int n;
	va_list ap;

	if (level < min_level)
		return;
	hv_time_format_iso(hv_time_now_ms(), ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "ts=%s level=%s msg=\"%s\"", ts, names[level], msg);
	if (n < 0)
		return;
	if (fmt && *fmt && (size_t)n < sizeof(line) - 2) {
		line[n++] = ' ';
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "%s\n", line);
}
