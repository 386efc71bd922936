/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation wrappers that abort on out-of-memory, so nobody else checks malloc. */
#ifndef HV_CORE_XALLOC_H
#define HV_CORE_XALLOC_H

#include <stddef.h>

void *hv_xmalloc(size_t n);
void *hv_xcalloc(size_t n, size_t size);
void *hv_xrealloc(void *p, size_t n);
/* Grows an array to hold at least `need` elements of `size` bytes; updates *cap. */
void *hv_xgrow(void *p, size_t *cap, size_t need, size_t size);
/* Caller owns the copy; NULL gives NULL. */
char *hv_xstrdup(const char *s);
char *hv_xstrndup(const char *s, size_t n);

#endif
