/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's QNX libc overlay: <signal.h>, which on QNX also brings the
 * event vocabulary of <sys/siginfo.h> (SIGEV_PULSE_INIT and friends).
 */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <signal.h>

#if defined(_SIGNAL_H) && !defined(_LIBCHAN_OVERLAY_SIGNAL_H)
#define _LIBCHAN_OVERLAY_SIGNAL_H
#include <sys/siginfo.h>
#endif
