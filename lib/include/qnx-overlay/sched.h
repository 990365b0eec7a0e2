/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libchan's QNX libc overlay: <sched.h> plus QNX's getprio() and setprio(). */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <sched.h>

#if defined(_SCHED_H) && !defined(_LIBCHAN_OVERLAY_SCHED_H)
#define _LIBCHAN_OVERLAY_SCHED_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif
/*
 * The scheduling priority of process @pid's main thread, or of the calling
 * thread for pid 0: its SCHED_FIFO/SCHED_RR priority, 0 under SCHED_OTHER
 * (the priority qchan gives its messages and pulses); -1 and errno on error.
 */
extern int getprio(pid_t __pid);
/*
 * Set it; a SCHED_OTHER thread given 1..99 becomes SCHED_RR, a real-time
 * one given 0 SCHED_OTHER.  The previous priority, or -1 and errno.
 */
extern int setprio(pid_t __pid, int __prio);
#ifdef __cplusplus
}
#endif

#endif
