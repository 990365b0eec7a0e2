/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libchan's QNX libc overlay: <unistd.h> plus QNX's delay(). */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <unistd.h>

#if defined(_UNISTD_H) && !defined(_LIBCHAN_OVERLAY_UNISTD_H)
#define _LIBCHAN_OVERLAY_UNISTD_H

#ifdef __cplusplus
extern "C" {
#endif
/*
 * Sleep for ms milliseconds; 0, or the milliseconds left (rounded up) if a
 * signal handler interrupted the sleep.
 */
extern unsigned int delay(unsigned int __ms);
#ifdef __cplusplus
}
#endif

#endif
