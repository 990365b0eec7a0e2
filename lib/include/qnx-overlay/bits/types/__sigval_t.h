/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan's QNX libc overlay: glibc's union sigval with QNX 7.1's third
 * member, sival_long.
 *
 * This replaces a glibc-internal header, the one place every glibc header
 * that declares union sigval (<signal.h>, <sys/wait.h>, <mqueue.h>,
 * <aio.h>, <netdb.h>, ...) takes it from, so the union is the same
 * whatever a program includes first.  It keeps glibc's guard and its two
 * spellings (POSIX.1b or not).  The ABI does not change: a long is as
 * wide and as aligned as a pointer on every Linux target (LP64, ILP32,
 * x32), so the union keeps its size, alignment and calling convention.
 * lib/test checks that the override is in effect and matches glibc.
 */
#ifndef ____sigval_t_defined
#define ____sigval_t_defined

#ifdef __USE_POSIX199309
union sigval {
	int sival_int;
	void *sival_ptr;
	long sival_long;
};

typedef union sigval __sigval_t;
#else
union __sigval {
	int __sival_int;
	void *__sival_ptr;
	long __sival_long;
};

typedef union __sigval __sigval_t;
#endif

#endif
