/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's QNX libc overlay: <errno.h> plus the names QNX programs take
 * from QNX's: EOK (0, "no error") and ESRVRFAULT (312, what a send fails
 * with when the server faulted on its own buffers; qchan reports it).
 * QNX's other errno values differ from Linux's and are not renumbered:
 * programs get Linux's, by the same names.
 */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <errno.h>

#if defined(_ERRNO_H) && !defined(_LIBCHAN_OVERLAY_ERRNO_H)
#define _LIBCHAN_OVERLAY_ERRNO_H
#ifndef EOK
#define EOK		0
#endif
#ifndef ESRVRFAULT
#define ESRVRFAULT	312
#endif
#endif
