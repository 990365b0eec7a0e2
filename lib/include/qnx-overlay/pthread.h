/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's QNX libc overlay: <pthread.h> with QNX's pthread_create(),
 * whose thread argument may be NULL (glibc's stores the id unconditionally
 * and crashes).  The name is redirected to libchan_pthread_create, which
 * passes a discarded pthread_t to glibc's; everything else is glibc's.
 * A joinable thread created that way keeps its resources after it exits
 * until someone joins it, as on QNX: create it detached if nobody will.
 * pthread_join() is redirected to libchan_pthread_join, which honours a
 * TimerTimeout(_NTO_TIMEOUT_JOIN) armed by the thread (ETIMEDOUT) and is
 * glibc's otherwise.
 */
#pragma GCC system_header	/* #include_next is a GCC extension */
#include_next <pthread.h>

#if defined(_PTHREAD_H) && !defined(_LIBCHAN_OVERLAY_PTHREAD_H)
#define _LIBCHAN_OVERLAY_PTHREAD_H

#ifdef __cplusplus
extern "C" {
#endif
extern int libchan_pthread_create(pthread_t *__newthread, const pthread_attr_t *__attr,
				  void *(*__start)(void *), void *__arg);
extern int libchan_pthread_join(pthread_t __th, void **__thread_return);
#ifdef __cplusplus
}
#endif

#define pthread_create	libchan_pthread_create
#define pthread_join	libchan_pthread_join

#endif
