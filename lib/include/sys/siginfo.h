/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * <sys/siginfo.h> for Linux (libchan): QNX's event vocabulary on top of
 * glibc's struct sigevent, so that one struct serves both glibc's calls
 * (timer_create, mq_notify, aio) and QNX's (MsgDeliverEvent and friends).
 *
 * glibc owns struct sigevent, union sigval and siginfo_t; nothing here
 * redefines them.  The mapping, which is also the ABI a qchan event uses:
 *
 *   sigev_notify  glibc's field.  Kinds both systems have keep glibc's
 *                 values (SIGEV_SIGNAL 0, SIGEV_NONE 1, SIGEV_THREAD 2,
 *                 SIGEV_THREAD_ID 4), so glibc's calls accept them.  QNX's
 *                 own kinds take the values 64-bit QNX 7 gives them
 *                 (0x80 | the QNX 6 number), which no glibc kind uses and
 *                 the Linux kernel rejects (EINVAL) rather than misreads:
 *                 SIGEV_SIGNAL_CODE 0x82, SIGEV_SIGNAL_THREAD 0x83,
 *                 SIGEV_PULSE 0x84, SIGEV_UNBLOCK 0x85, SIGEV_INTR 0x86.
 *                 Bits 8 and up are QNX's SIGEV_FLAG_* (SIGEV_GET_TYPE masks
 *                 them off); glibc's calls reject an event carrying one.
 *   sigev_signo   glibc's field; sigev_coid and sigev_id name it too, as
 *                 the union of QNX's layout does (offset 8).
 *   sigev_value   glibc's union sigval (offset 0); sival_long exists with
 *                 the libc overlay (see lib/README.md).
 *   sigev_code    int at offset 16, inside glibc's padding (QNX: short).
 *   sigev_priority int at offset 20, inside glibc's padding (QNX: short).
 *   sigev_handle  int after sigev_priority (offset 24; i386: 20), set by
 *                 MsgRegisterEvent with SIGEV_FLAG_HANDLE (QNX: unsigned).
 *   sigev_notify_function, sigev_notify_attributes: glibc's.
 *
 * siginfo_t and the SI_* codes are Linux's: they describe what the Linux
 * kernel delivers (their numbers differ from QNX's).
 */
#ifndef _SYS_SIGINFO_H_INCLUDED
#define _SYS_SIGINFO_H_INCLUDED

#include <signal.h>
#include <stdint.h>

/* glibc declares struct sigevent only when POSIX.1b is visible. */
#ifdef SIGEV_NONE

#define SIGEV_SIGNAL_CODE	0x82	/* signo, value, code */
#define SIGEV_SIGNAL_THREAD	0x83	/* signo, value, code: to the sending thread */
#define SIGEV_PULSE		0x84	/* coid, priority, code, value */
#define SIGEV_UNBLOCK		0x85	/* nothing: a kernel timeout unblocks */
#define SIGEV_INTR		0x86	/* nothing: InterruptWait() returns */

#define SIGEV_TYPE_MASK			0x000000ff
#define SIGEV_FLAG_CRITICAL		0x00000100	/* QNX 6 adaptive partitioning */
#define SIGEV_FLAG_OVERDRIVE		0x00000200
#define SIGEV_FLAG_UPDATEABLE		0x00000400	/* the server may change sigev_value */
#define SIGEV_FLAG_SIVAL_INT		0x00000800	/* sigev_value holds an int */
#define SIGEV_FLAG_NOQUEUE		0x00001000
#define SIGEV_FLAG_HANDLE		0x00002000	/* a registered event's handle */
#define SIGEV_FLAG_CODE_UPDATEABLE	0x00004000

/* As a pulse's priority: the receiving thread keeps its own priority. */
#define SIGEV_PULSE_PRIO_INHERIT	(-1)

#define sigev_coid	sigev_signo
#define sigev_id	sigev_signo
#define sigev_code	_sigev_un._pad[0]
#define sigev_priority	_sigev_un._pad[1]
#define sigev_handle	_sigev_un._pad[2]

/*
 * Values go through uintptr_t as on QNX, so that an int and a pointer are
 * both accepted without a cast warning.
 */
#define __QNX_SIGVAL_PTR(__v)	((void *)(uintptr_t)(__v))

#define SIGEV_NONE_INIT(__e)	((__e)->sigev_notify = SIGEV_NONE)

#define SIGEV_SIGNAL_INIT(__e, __s)					\
	((__e)->sigev_notify = SIGEV_SIGNAL, (__e)->sigev_signo = (__s))

#define SIGEV_SIGNAL_VALUE_INIT(__e, __s, __v)				\
	((__e)->sigev_notify = SIGEV_SIGNAL, (__e)->sigev_signo = (__s),	\
	 (__e)->sigev_value.sival_ptr = __QNX_SIGVAL_PTR(__v))
#define SIGEV_SIGNAL_VALUE_PTR_INIT	SIGEV_SIGNAL_VALUE_INIT

/*
 * Unlike QNX, no SIGEV_FLAG_SIVAL_INT here: the event stays one glibc's
 * timer_create() accepts.  A Linux sigval needs no width hint.
 */
#define SIGEV_SIGNAL_VALUE_INT_INIT(__e, __s, __v)			\
	((__e)->sigev_notify = SIGEV_SIGNAL, (__e)->sigev_signo = (__s),	\
	 (__e)->sigev_value.sival_int = (int)(__v))

#define SIGEV_SIGNAL_CODE_INIT(__e, __s, __v, __c)			\
	((__e)->sigev_notify = SIGEV_SIGNAL_CODE, (__e)->sigev_signo = (__s), \
	 (__e)->sigev_value.sival_ptr = __QNX_SIGVAL_PTR(__v),		\
	 (__e)->sigev_code = (__c))
#define SIGEV_SIGNAL_CODE_PTR_INIT	SIGEV_SIGNAL_CODE_INIT

#define SIGEV_SIGNAL_CODE_INT_INIT(__e, __s, __v, __c)			\
	((__e)->sigev_notify = SIGEV_SIGNAL_CODE | SIGEV_FLAG_SIVAL_INT,	\
	 (__e)->sigev_signo = (__s), (__e)->sigev_value.sival_int = (int)(__v), \
	 (__e)->sigev_code = (__c))

#define SIGEV_SIGNAL_THREAD_INIT(__e, __s, __v, __c)			\
	((__e)->sigev_notify = SIGEV_SIGNAL_THREAD, (__e)->sigev_signo = (__s), \
	 (__e)->sigev_value.sival_ptr = __QNX_SIGVAL_PTR(__v),		\
	 (__e)->sigev_code = (__c))

#define SIGEV_PULSE_INIT(__e, __coid, __prio, __c, __v)			\
	((__e)->sigev_notify = SIGEV_PULSE, (__e)->sigev_coid = (__coid),	\
	 (__e)->sigev_priority = (__prio),					\
	 (__e)->sigev_value.sival_ptr = __QNX_SIGVAL_PTR(__v),		\
	 (__e)->sigev_code = (__c))
#define SIGEV_PULSE_PTR_INIT	SIGEV_PULSE_INIT

#define SIGEV_PULSE_INT_INIT(__e, __coid, __prio, __c, __v)		\
	((__e)->sigev_notify = SIGEV_PULSE | SIGEV_FLAG_SIVAL_INT,		\
	 (__e)->sigev_coid = (__coid), (__e)->sigev_priority = (__prio),	\
	 (__e)->sigev_value.sival_int = (int)(__v), (__e)->sigev_code = (__c))

#define SIGEV_UNBLOCK_INIT(__e)	((__e)->sigev_notify = SIGEV_UNBLOCK)
#define SIGEV_INTR_INIT(__e)	((__e)->sigev_notify = SIGEV_INTR)

#define SIGEV_THREAD_INIT(__e, __f, __v, __a)				\
	((__e)->sigev_notify = SIGEV_THREAD, (__e)->sigev_notify_function = (__f), \
	 (__e)->sigev_value.sival_ptr = __QNX_SIGVAL_PTR(__v),		\
	 (__e)->sigev_notify_attributes = (__a))

/* The kind without the flag bits, and a new kind keeping them. */
#define SIGEV_GET_TYPE(__e)	((int)((unsigned int)(__e)->sigev_notify & SIGEV_TYPE_MASK))
#define SIGEV_SET_TYPE(__e, __t)						\
	((__e)->sigev_notify = (int)(((unsigned int)(__e)->sigev_notify &	\
				      ~(unsigned int)SIGEV_TYPE_MASK) | (unsigned int)(__t)))

#define SIGEV_MAKE_CRITICAL(__e)	((__e)->sigev_notify |= SIGEV_FLAG_CRITICAL)
#define SIGEV_CLEAR_CRITICAL(__e)	((__e)->sigev_notify &= ~SIGEV_FLAG_CRITICAL)
#define SIGEV_MAKE_OVERDRIVE(__e)	((__e)->sigev_notify |= SIGEV_FLAG_OVERDRIVE)
#define SIGEV_CLEAR_OVERDRIVE(__e)	((__e)->sigev_notify &= ~SIGEV_FLAG_OVERDRIVE)
#define SIGEV_MAKE_UPDATEABLE(__e)	((__e)->sigev_notify |= SIGEV_FLAG_UPDATEABLE)
#define SIGEV_CLEAR_UPDATEABLE(__e)	((__e)->sigev_notify &= ~SIGEV_FLAG_UPDATEABLE)
#define SIGEV_MAKE_NOQUEUE(__e)		((__e)->sigev_notify |= SIGEV_FLAG_NOQUEUE)
#define SIGEV_CLEAR_NOQUEUE(__e)	((__e)->sigev_notify &= ~SIGEV_FLAG_NOQUEUE)

#endif /* SIGEV_NONE */

#endif /* _SYS_SIGINFO_H_INCLUDED */
