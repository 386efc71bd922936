/* SPDX-License-Identifier: Apache-2.0 */
/* Wall-clock time as int64 milliseconds since the Unix epoch (UTC), and ISO 8601 text. */
#ifndef HV_CORE_CLOCK_H
#define HV_CORE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_TIME_ISO_MAX 32

/* Now, in ms since the epoch. HAVEN_NOW (an ISO 8601 time) overrides it, for tests and demos. */
int64_t hv_time_now_ms(void);
/* Monotonic clock in nanoseconds, for measuring durations. */
uint64_t hv_time_mono_ns(void);
/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (at least HV_TIME_ISO_MAX bytes). */
void hv_time_format_iso(int64_t ms, char *out, size_t cap);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.mmm]]" with optional "Z" or "+HH:MM"; a date alone
 * means its start (00:00 UTC). Returns false on anything else, including impossible dates. */
bool hv_time_parse_iso(const char *s, int64_t *ms);

#endif
