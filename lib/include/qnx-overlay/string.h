/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's QNX libc overlay: <string.h> plus what QNX's has and glibc
 * lacks.  strlcpy and strlcat came to glibc in 2.38; before that libchan
 * provides them (BSD semantics, as QNX documents).  strupr and strlwr:
 * always libchan's.
 */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <string.h>

/* Only once the full header is in (glibc's _STRING_H). */
#if defined(_STRING_H) && !defined(_LIBCHAN_OVERLAY_STRING_H)
#define _LIBCHAN_OVERLAY_STRING_H

#if !__GLIBC_PREREQ(2, 38)
#ifdef __cplusplus
extern "C" {
#endif
/* Return strlen(src) (strlcat: plus the length dst had), whatever fit. */
extern size_t strlcpy(char *__restrict __dst, const char *__restrict __src, size_t __size);
extern size_t strlcat(char *__restrict __dst, const char *__restrict __src, size_t __size);
#ifdef __cplusplus
}
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif
/* Convert the string to upper (strupr) or lower case in place; return it. */
extern char *strupr(char *__s);
extern char *strlwr(char *__s);
#ifdef __cplusplus
}
#endif

#endif
