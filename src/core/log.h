/* SPDX-License-Identifier: Apache-2.0 */
/* One key=value line per event on stderr; only the edges (cli, http) log. */
#ifndef HV_CORE_LOG_H
#define HV_CORE_LOG_H

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

#endif
