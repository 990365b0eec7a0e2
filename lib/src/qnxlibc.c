// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The C library calls QNX programs expect and glibc lacks, declared by the
 * libc overlay (lib/include/qnx-overlay, which this file is compiled
 * against so that the definitions are checked against those declarations).
 */
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
 * QNX's getprio()/setprio() on Linux's scheduling parameters: a real-time
 * thread's priority is QNX's, a SCHED_OTHER thread's is 0 (as qchan counts
 * it for messages and pulses).  pid 0: the calling thread, as QNX does.
 */
QCHAN_EXPORT int getprio(pid_t pid)
{
	struct sched_param sp;

	if (sched_getparam(pid, &sp))
		return -1;
	return sp.sched_priority;
}

QCHAN_EXPORT int setprio(pid_t pid, int prio)
{
	struct sched_param sp;
	int old;

	if (sched_getparam(pid, &sp))
		return -1;
	old = sp.sched_priority;
	sp.sched_priority = prio;
	if (sched_setparam(pid, &sp))
		return -1;
	return old;
}
