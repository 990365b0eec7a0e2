// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C library calls QNX programs expect and glibc lacks, declared by the
 * libc overlay (lib/include/qnx-overlay, which this file is compiled
 * against so that the definitions are checked against those declarations).
 */
#define _GNU_SOURCE	/* SCHED_BATCH, SCHED_IDLE, SCHED_RESET_ON_FORK */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/*
 * Defined whatever glibc's version, with glibc 2.38's prototype, so that
 * the exported ABI does not depend on the C library libchan was built on.
 */
QCHAN_EXPORT size_t strlcpy(char *__restrict dst, const char *__restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

QCHAN_EXPORT size_t strlcat(char *__restrict dst, const char *__restrict src, size_t size)
{
	/* dst not terminated within size: nothing is appended (BSD). */
	size_t dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

/* The overlay redirects the name to libchan_pthread_create: this calls glibc's. */
#undef pthread_create

QCHAN_EXPORT int libchan_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
					void *(*start)(void *), void *arg)
{
	pthread_t discarded;

	return pthread_create(thread ? thread : &discarded, attr, start, arg);
}

QCHAN_EXPORT unsigned int delay(unsigned int ms)
{
	struct timespec req = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	struct timespec rem;
	unsigned long long left;

	if (nanosleep(&req, &rem) == 0 || errno != EINTR)
		return 0;
	/* Round up: 0 would claim the whole delay elapsed. */
	left = (unsigned long long)rem.tv_sec * 1000 + ((unsigned long)rem.tv_nsec + 999999) / 1000000;
	return left > UINT_MAX ? UINT_MAX : (unsigned int)left;
}

static char *ulltoa_sign(unsigned long long value, int negative, char *buf, int radix)
{
	char digits[sizeof(value) * CHAR_BIT];
	char *p = buf;
	int n = 0;

	if (radix < 2 || radix > 36) {
		errno = EINVAL;
		buf[0] = '\0';
		return buf;
	}
	do {
		digits[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[value % (unsigned int)radix];
		value /= (unsigned int)radix;
	} while (value);
	if (negative)
		*p++ = '-';
	while (n)
		*p++ = digits[--n];
	*p = '\0';
	return buf;
}

/*
 * The magnitude of a negative value in radix 10, computed unsigned so that
 * LLONG_MIN works; in other radices the bits as they are.
 */
static char *lltoa_radix(long long value, unsigned long long bits, char *buf, int radix)
{
	if (radix == 10 && value < 0)
		return ulltoa_sign(0ULL - (unsigned long long)value, 1, buf, radix);
	return ulltoa_sign(bits, 0, buf, radix);
}

QCHAN_EXPORT char *itoa(int value, char *buf, int radix)
{
	return lltoa_radix(value, (unsigned int)value, buf, radix);
}

QCHAN_EXPORT char *ltoa(long value, char *buf, int radix)
{
	return lltoa_radix(value, (unsigned long)value, buf, radix);
}

QCHAN_EXPORT char *lltoa(long long value, char *buf, int radix)
{
	return lltoa_radix(value, (unsigned long long)value, buf, radix);
}

QCHAN_EXPORT char *utoa(unsigned int value, char *buf, int radix)
{
	return ulltoa_sign(value, 0, buf, radix);
}

QCHAN_EXPORT char *ultoa(unsigned long value, char *buf, int radix)
{
	return ulltoa_sign(value, 0, buf, radix);
}

QCHAN_EXPORT char *ulltoa(unsigned long long value, char *buf, int radix)
{
	return ulltoa_sign(value, 0, buf, radix);
}

/*
 * QNX's getprio()/setprio() on Linux's scheduling parameters, on the scale
 * qchan reports priorities on (_msg_info.priority, a pulse's priority -1):
 * a real-time thread's priority is its SCHED_FIFO/SCHED_RR one (1..99), and
 * every SCHED_OTHER (SCHED_BATCH, SCHED_IDLE) thread's is 0, below them all,
 * as Linux runs them.  QNX's default 10 would sit above real-time 1..9 here
 * and make `MsgSendPulse(coid, getprio(0), ...)` a real-time pulse.  pid 0:
 * the calling thread, as QNX does.
 */
QCHAN_EXPORT int getprio(pid_t pid)
{
	struct sched_param sp;

	if (sched_getparam(pid, &sp))
		return -1;
	return sp.sched_priority;
}

/*
 * A priority is set within the thread's policy, except across 0: as on QNX,
 * whose threads are round-robin by default, a priority above 0 makes a
 * SCHED_OTHER thread SCHED_RR (where the kernel allows it: CAP_SYS_NICE or
 * RLIMIT_RTPRIO, else EPERM), and 0 returns a real-time thread to
 * SCHED_OTHER at the nice value it kept, so that setprio(pid, old) undoes
 * old = setprio(pid, prio).
 */
QCHAN_EXPORT int setprio(pid_t pid, int prio)
{
	struct sched_param sp;
	int policy, flags, old;

	policy = sched_getscheduler(pid);
	if (policy < 0 || sched_getparam(pid, &sp))
		return -1;
	flags = policy & SCHED_RESET_ON_FORK;
	policy &= ~SCHED_RESET_ON_FORK;
	old = sp.sched_priority;
	sp.sched_priority = prio;
	switch (policy) {
	case SCHED_FIFO:
	case SCHED_RR:
		if (prio == 0)
			policy = SCHED_OTHER;
		break;
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
		if (prio > 0)
			policy = SCHED_RR;
		break;
	}
	/* SCHED_DEADLINE has no priority: EINVAL from the kernel. */
	if (sched_setscheduler(pid, policy | flags, &sp))
		return -1;
	return old;
}

/* QNX's <string.h>: @s converted in place with toupper()/tolower(), as QNX's do. */
QCHAN_EXPORT char *strupr(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		*p = (unsigned char)toupper(*p);
	return s;
}

QCHAN_EXPORT char *strlwr(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		*p = (unsigned char)tolower(*p);
	return s;
}

/* QNX's SchedGet() over sched_getscheduler()/sched_getparam() of a Linux tid. */
QCHAN_EXPORT int SchedGet_r(pid_t pid, int tid, struct sched_param *param)
{
	struct sched_param sp;
	pid_t who = tid ? tid : (pid && pid != getpid() ? pid : 0);
	int saved = errno;
	int policy;

	if (pid < 0 || tid < 0)
		return -EINVAL;
	policy = sched_getscheduler(who);
	if (policy == -1 || sched_getparam(who, &sp) == -1) {
		policy = -errno;
		errno = saved;
		return policy;
	}
	if (param)
		*param = sp;
	return policy & ~0x40000000;	/* SCHED_RESET_ON_FORK */
}

QCHAN_EXPORT int SchedGet(pid_t pid, int tid, struct sched_param *param)
{
	return (int)qchan_set_errno(SchedGet_r(pid, tid, param));
}
