/* SPDX-License-Identifier: Apache-2.0 */
/* One key=value line per event on stderr; only the edges (cli, http) log. */
#ifndef HV_CORE_LOG_H
#define HV_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum hv_log_level {
	HV_LOG_DEBUG,
	HV_LOG_INFO,
	HV_LOG_WARN,
	HV_LOG_ERROR,
};

/* Messages below level are dropped (default HV_LOG_INFO; HAVEN_LOG=debug lowers it). */
void hv_log_set_level(enum hv_log_level level);
/* Writes "ts=... level=... msg=\"msg\"" followed by the formatted key=value pairs in fmt. */
void hv_log(enum hv_log_level level, const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* True when a message at level would be written. */
bool hv_log_enabled(enum hv_log_level level);
/* Writes the start of a line as hv_log does ("ts=... level=... msg=\"msg\""), without printf:
 * for sinks that append their own key=value pairs (the HTTP request log). Returns its length;
 * out needs at least 64 bytes plus strlen(msg), else the result is truncated. */
size_t hv_log_prefix(char *out, size_t cap, enum hv_log_level level, const char *msg);
/* Formats one line exactly as hv_log writes it, newline included, into out (cap bytes, NUL-
 * terminated, truncated to fit); returns its length. For sinks that batch lines themselves (the
 * HTTP request log writes many lines per system call). */
size_t hv_log_format(char *out, size_t cap, enum hv_log_level level, const char *msg,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
