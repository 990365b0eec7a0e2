/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's QNX libc overlay: <time.h> whose POSIX timers also take QNX's
 * SIGEV_PULSE events.  timer_create, timer_settime, timer_gettime,
 * timer_getoverrun and timer_delete are redirected to libchan_timer_*: a
 * SIGEV_PULSE timer is the qchan module's (its expiry is a pulse on the
 * event's connection), every other event goes to glibc's timer_create, and
 * the other calls tell the two kinds of timer_t apart (lib/src/timer.c).
 */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <time.h>

#if defined(_TIME_H) && defined(__USE_POSIX199309) && !defined(_LIBCHAN_OVERLAY_TIME_H)
#define _LIBCHAN_OVERLAY_TIME_H

#ifdef __cplusplus
extern "C" {
#endif
extern int libchan_timer_create(clockid_t __clock_id, struct sigevent *__restrict __evp,
				timer_t *__restrict __timerid);
extern int libchan_timer_settime(timer_t __timerid, int __flags,
				 const struct itimerspec *__restrict __value,
				 struct itimerspec *__restrict __ovalue);
extern int libchan_timer_gettime(timer_t __timerid, struct itimerspec *__value);
extern int libchan_timer_getoverrun(timer_t __timerid);
extern int libchan_timer_delete(timer_t __timerid);
#ifdef __cplusplus
}
#endif

#define timer_create		libchan_timer_create
#define timer_settime		libchan_timer_settime
#define timer_gettime		libchan_timer_gettime
#define timer_getoverrun	libchan_timer_getoverrun
#define timer_delete		libchan_timer_delete

#endif
