// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel timeouts: TimerTimeout() and the libc overlay's pthread_join(),
 * which honours _NTO_TIMEOUT_JOIN (compiled against the overlay, which
 * declares it).
 *
 * QNX arms a timeout in the kernel for the thread's next blocking state,
 * and any kernel call clears it.  Here the armed timeout lives in the
 * thread's TLS (internal.h) and travels with the next libchan call: MsgSend*
 * and MsgReceive* (and MsgReplyReceive) pass it to the kernel as an absolute
 * deadline, every other libchan call drops it.  So it is cleared by the
 * next libchan call, not by an unrelated system call such as read(): a
 * deliberate difference, which keeps the kernel free of per-thread state.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "internal.h"

__thread struct qchan_armed qchan_armed __attribute__((tls_model("initial-exec")));

#define TIMEOUT_STATES	(_NTO_TIMEOUT_SEND | _NTO_TIMEOUT_RECEIVE | _NTO_TIMEOUT_REPLY | \
			 _NTO_TIMEOUT_JOIN | _NTO_TIMEOUT_NANOSLEEP)

/* glibc's TIMER_ABSTIME is bit 0, which no timeout state uses (STATE_DEAD). */
_Static_assert(!(TIMEOUT_STATES & TIMER_ABSTIME), "TIMER_ABSTIME");

#define NSEC_PER_SEC	1000000000LL

static int64_t clock_now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * _NTO_TIMEOUT_NANOSLEEP: QNX's kernel puts the caller to sleep at once
 * (nanosleep() is this call); a signal handler ends the sleep early with
 * EINTR and the time that was left in *otime, the only case QNX writes it.
 */
static int timeout_nanosleep(clockid_t id, int flags, const uint64_t *ntime, uint64_t *otime)
{
	struct timespec ts, rem;
	int64_t left;
	int err;

	if (!ntime)
		return 0;	/* QNX: an immediate timeout, no sleep */
	ts.tv_sec = (time_t)(*ntime / NSEC_PER_SEC);
	ts.tv_nsec = (long)(*ntime % NSEC_PER_SEC);
	err = clock_nanosleep(id, flags & TIMER_ABSTIME, &ts, &rem);
	if (!err)
		return 0;
	if (err == EINTR && otime) {
		if (flags & TIMER_ABSTIME) {
			left = (int64_t)(*ntime > INT64_MAX ? INT64_MAX : *ntime) - clock_now(id);
			*otime = left > 0 ? (uint64_t)left : 0;
		} else {
			*otime = (uint64_t)rem.tv_sec * NSEC_PER_SEC + (uint64_t)rem.tv_nsec;
		}
	}
	return -err;
}

QCHAN_EXPORT int TimerTimeout_r(clockid_t id, int flags, const struct sigevent *notify,
				const uint64_t *ntime, uint64_t *otime)
{
	uint32_t states = (uint32_t)flags & TIMEOUT_STATES;
	uint32_t previous = qchan_armed.states;
	int64_t deadline = 0;

	if (((uint32_t)flags & ~(TIMEOUT_STATES | TIMER_ABSTIME)) ||
	    (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC) ||
	    (notify && notify->sigev_notify != SIGEV_UNBLOCK))
		return -EINVAL;

	if (states & _NTO_TIMEOUT_NANOSLEEP) {
		/* The sleep is the blocking call the timeout was for: nothing stays armed. */
		qchan_armed.states = 0;
		return timeout_nanosleep(id, flags, ntime, otime);
	}
	/* No ntime: the deadline has passed already, the call will not block. */
	if (states && ntime) {
		if (flags & TIMER_ABSTIME) {
			deadline = *ntime > INT64_MAX ? INT64_MAX : (int64_t)*ntime;
		} else {
			int64_t now = clock_now(id);

			deadline = *ntime > (uint64_t)(INT64_MAX - now) ? INT64_MAX :
				   now + (int64_t)*ntime;
		}
	}
	qchan_armed.states = states;
	qchan_armed.clock = id;
	qchan_armed.deadline = deadline;
	/* QNX returns the flags of a timeout armed before and not used yet. */
	return (int)previous;
}

QCHAN_EXPORT int TimerTimeout(clockid_t id, int flags, const struct sigevent *notify,
			      const uint64_t *ntime, uint64_t *otime)
{
	return (int)qchan_set_errno(TimerTimeout_r(id, flags, notify, ntime, otime));
}

/* The overlay redirects the name to libchan_pthread_join: this calls glibc's. */
#undef pthread_join

/*
 * The overlay's <pthread.h> redirects pthread_join here (only programs built
 * with it, as for pthread_create): a thread's next join after
 * TimerTimeout(_NTO_TIMEOUT_JOIN) fails with ETIMEDOUT at the deadline.  Any
 * other join drops an armed timeout, as every libchan call does, and is
 * glibc's.
 */
QCHAN_EXPORT int libchan_pthread_join(pthread_t thread, void **retval)
{
	struct qchan_armed t;

	if (qchan_timeout_take(&t) & _NTO_TIMEOUT_JOIN) {
		struct timespec ts = {
			.tv_sec = t.deadline / NSEC_PER_SEC,
			.tv_nsec = t.deadline % NSEC_PER_SEC,
		};

		return pthread_clockjoin_np(thread, retval, t.clock, &ts);
	}
	return pthread_join(thread, retval);
}
