/* SPDX-License-Identifier: Apache-2.0 */
/* Functions haven does not use: unbounded, not thread-safe, or silent on bad input. Included last. */
#ifndef HV_CORE_BANNED_H
#define HV_CORE_BANNED_H

#define HV_BANNED(func) sorry_##func##_is_banned_in_haven

#undef strcpy
#define strcpy(x, y) HV_BANNED(strcpy)
#undef strcat
#define strcat(x, y) HV_BANNED(strcat)
#undef sprintf
#define sprintf(...) HV_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) HV_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) HV_BANNED(strtok)
#undef gmtime
#define gmtime(x) HV_BANNED(gmtime)
#undef localtime
#define localtime(x) HV_BANNED(localtime)
#undef atoi
#define atoi(x) HV_BANNED(atoi)

#endif
