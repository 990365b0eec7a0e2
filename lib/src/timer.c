// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Timers that deliver pulses: QNX's TimerCreate/TimerSettime/TimerDestroy
 * and, through the libc overlay's <time.h>, POSIX timer_create() and
 * friends, which send a SIGEV_PULSE event's timers to the module and every
 * other kind of event to glibc (compiled against the overlay, which
 * declares the libchan_timer_* names).
 *
 * Telling the two kinds of timer_t apart.  glibc (2.34 and later) returns
 * the kernel's POSIX timer id, a non-negative int, or for SIGEV_THREAD
 * timers INTPTR_MIN | (pointer >> 1), the pointer a malloc()ed block (so
 * the value is even); older glibc returned a pointer to a malloc()ed block
 * (even, top bit clear).  libchan's timer_t is INTPTR_MIN | (id << 1) | 1:
 * negative and odd, which none of those is.  QNX's TimerCreate() returns
 * the module's id itself (a timer_t is an int on QNX); TimerSettime() and
 * TimerDestroy() take either form.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "internal.h"

#define NSEC_PER_SEC	1000000000LL

/* The overlay redirects the POSIX names here: these are glibc's. */
#undef timer_create
#undef timer_settime
#undef timer_gettime
#undef timer_delete
#undef timer_getoverrun

#define TIMER_TAG	((uintptr_t)INTPTR_MIN | 1u)

static timer_t timer_encode(int id)
{
	return (timer_t)(TIMER_TAG | ((uintptr_t)(unsigned int)id << 1));
}

/* The module's id of a libchan timer_t, or -1 for glibc's. */
static int timer_decode(timer_t t)
{
	uintptr_t v = (uintptr_t)t;

	if ((v & TIMER_TAG) != TIMER_TAG)
		return -1;
	return (int)((v & ~TIMER_TAG) >> 1);
}

static int pulse_timer_create(clockid_t clock, const struct sigevent *ev)
{
	struct qchan_timer_create a;
	int fd = qchan_ctx(), err;

	if (fd < 0)
		return fd;
	memset(&a, 0, sizeof(a));
	a.clock = clock;
	a.coid = ev->sigev_coid;
	a.priority = ev->sigev_priority;
	a.code = ev->sigev_code;
	/* As MsgSendPulse / MsgSendPulsePtr carry them. */
	if (ev->sigev_notify & SIGEV_FLAG_SIVAL_INT)
		a.value = (uint64_t)(int64_t)ev->sigev_value.sival_int;
	else
		a.value = (uint64_t)(uintptr_t)ev->sigev_value.sival_ptr;
	err = qchan_ioctl(fd, QCHAN_IOC_TIMER_CREATE, &a);
	return err < 0 ? err : a.timer_id;
}

static int64_t ts_ns(const struct timespec *ts)
{
	/* A 32-bit time_t never overflows: a variable keeps -Wtype-limits quiet. */
	int64_t sec = ts->tv_sec;

	if (sec >= INT64_MAX / NSEC_PER_SEC)
		return INT64_MAX;
	return sec * NSEC_PER_SEC + ts->tv_nsec;
}

static void ns_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

static int ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NSEC_PER_SEC;
}

static int pulse_timer_settime(int id, int flags, int64_t value, int64_t interval,
			       int64_t *ovalue, int64_t *ointerval)
{
	struct qchan_timer_settime a;
	int fd = qchan_ctx(), err;

	if (fd < 0)
		return fd;
	if (flags & ~TIMER_ABSTIME)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	a.timer_id = id;
	a.flags = flags & TIMER_ABSTIME ? QCHAN_TIMER_ABSTIME : 0;
	a.value = value;
	a.interval = interval;
	err = qchan_ioctl(fd, QCHAN_IOC_TIMER_SETTIME, &a);
	if (err < 0)
		return err;
	if (ovalue)
		*ovalue = a.old_value;
	if (ointerval)
		*ointerval = a.old_interval;
	return 0;
}

static int pulse_timer_info(int id, uint32_t flags, struct qchan_timer_info *a)
{
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	memset(a, 0, sizeof(*a));
	a->timer_id = id;
	a->flags = flags;
	return qchan_ioctl(fd, QCHAN_IOC_TIMER_INFO, a);
}

static int pulse_timer_destroy(int id)
{
	struct qchan_timer_destroy a;
	int fd = qchan_ctx();

	if (fd < 0)
		return fd;
	memset(&a, 0, sizeof(a));
	a.timer_id = id;
	return qchan_ioctl(fd, QCHAN_IOC_TIMER_DESTROY, &a);
}

/* ---- POSIX, through the overlay's <time.h> ---- */

QCHAN_EXPORT int libchan_timer_create(clockid_t clock, struct sigevent *__restrict ev,
				      timer_t *__restrict timerid)
{
	int id;

	if (!ev || SIGEV_GET_TYPE(ev) != SIGEV_PULSE)
		return timer_create(clock, ev, timerid);
	id = pulse_timer_create(clock, ev);
	if (id < 0)
		return (int)qchan_set_errno(id);
	*timerid = timer_encode(id);
	return 0;
}

QCHAN_EXPORT int libchan_timer_settime(timer_t timerid, int flags,
				       const struct itimerspec *__restrict value,
				       struct itimerspec *__restrict ovalue)
{
	int id = timer_decode(timerid);
	int64_t ov, oi;
	int err;

	if (id < 0)
		return timer_settime(timerid, flags, value, ovalue);
	if (!value || !ts_valid(&value->it_value) || !ts_valid(&value->it_interval))
		return (int)qchan_set_errno(-EINVAL);
	err = pulse_timer_settime(id, flags, ts_ns(&value->it_value),
				  ts_ns(&value->it_interval), &ov, &oi);
	if (err < 0)
		return (int)qchan_set_errno(err);
	if (ovalue) {
		ns_ts(ov, &ovalue->it_value);
		ns_ts(oi, &ovalue->it_interval);
	}
	return 0;
}

QCHAN_EXPORT int libchan_timer_gettime(timer_t timerid, struct itimerspec *value)
{
	struct qchan_timer_info a;
	int id = timer_decode(timerid);
	int err;

	if (id < 0)
		return timer_gettime(timerid, value);
	err = pulse_timer_info(id, 0, &a);
	if (err < 0)
		return (int)qchan_set_errno(err);
	ns_ts(a.value, &value->it_value);
	ns_ts(a.interval, &value->it_interval);
	return 0;
}

QCHAN_EXPORT int libchan_timer_getoverrun(timer_t timerid)
{
	struct qchan_timer_info a;
	int id = timer_decode(timerid);
	int err;

	if (id < 0)
		return timer_getoverrun(timerid);
	err = pulse_timer_info(id, 0, &a);
	return err < 0 ? (int)qchan_set_errno(err) : a.overrun;
}

QCHAN_EXPORT int libchan_timer_delete(timer_t timerid)
{
	int id = timer_decode(timerid);

	if (id < 0)
		return timer_delete(timerid);
	return (int)qchan_set_errno(pulse_timer_destroy(id));
}

/* ---- QNX's kernel calls ---- */

/* TimerCreate's id, or a libchan timer_t: the module's id. */
static int qnx_timer_id(timer_t t)
{
	intptr_t v = (intptr_t)t;

	if (timer_decode(t) >= 0)
		return timer_decode(t);
	return v >= 0 && v <= INT_MAX ? (int)v : -1;
}

QCHAN_EXPORT int TimerCreate_r(clockid_t id, const struct sigevent *event)
{
	/* Only pulses: glibc's timer_create() serves the other kinds. */
	if (!event || SIGEV_GET_TYPE(event) != SIGEV_PULSE)
		return -EINVAL;
	return pulse_timer_create(id, event);
}

QCHAN_EXPORT int TimerCreate(clockid_t id, const struct sigevent *event)
{
	return (int)qchan_set_errno(TimerCreate_r(id, event));
}

QCHAN_EXPORT int TimerSettime_r(timer_t id, int flags, const struct _itimer *itime,
				struct _itimer *oitime)
{
	int tid = qnx_timer_id(id);
	int64_t ov, oi;
	int err;

	if (tid < 0 || !itime || itime->nsec > INT64_MAX || itime->interval_nsec > INT64_MAX)
		return -EINVAL;
	err = pulse_timer_settime(tid, flags, (int64_t)itime->nsec, (int64_t)itime->interval_nsec,
				  &ov, &oi);
	if (err < 0)
		return err;
	if (oitime) {
		oitime->nsec = (uint64_t)ov;
		oitime->interval_nsec = (uint64_t)oi;
	}
	return 0;
}

QCHAN_EXPORT int TimerSettime(timer_t id, int flags, const struct _itimer *itime,
			      struct _itimer *oitime)
{
	return (int)qchan_set_errno(TimerSettime_r(id, flags, itime, oitime));
}

QCHAN_EXPORT int TimerDestroy_r(timer_t id)
{
	int tid = qnx_timer_id(id);

	return tid < 0 ? -EINVAL : pulse_timer_destroy(tid);
}

QCHAN_EXPORT int TimerDestroy(timer_t id)
{
	return (int)qchan_set_errno(TimerDestroy_r(id));
}

/*
 * What the module reports of a timer, in QNX's struct _timer_info.
 * _NTO_TIMER_SEARCH and _NTO_TIMER_RESET_OVERRUNS are the module's
 * QCHAN_TIMER_INFO_* (QCHAN_FEAT_TIMER_INFO_EVENT; an older module answers
 * EINVAL and reports no event: zero, never a guess).
 */
QCHAN_EXPORT int TimerInfo_r(pid_t pid, timer_t id, int flags, struct _timer_info *info)
{
	struct qchan_timer_info a;
	int tid = qnx_timer_id(id);
	uint32_t kflags = 0;
	struct timespec now;
	int err;

	if (pid != 0 && pid != getpid())
		return -ESRCH;
	if ((flags & ~(_NTO_TIMER_SEARCH | _NTO_TIMER_RESET_OVERRUNS)) || tid < 0)
		return -EINVAL;
	if (flags & _NTO_TIMER_SEARCH)
		kflags |= QCHAN_TIMER_INFO_SEARCH;
	if (flags & _NTO_TIMER_RESET_OVERRUNS)
		kflags |= QCHAN_TIMER_INFO_RESET_OVERRUNS;
	err = pulse_timer_info(tid, kflags, &a);
	if (err < 0)
		return err;
	if (!info)
		return a.timer_id;
	memset(info, 0, sizeof(*info));
	if (a.value > 0 && !clock_gettime(a.clock, &now))
		info->itime.nsec = (uint64_t)ts_ns(&now) + (uint64_t)a.value;
	info->itime.interval_nsec = (uint64_t)a.interval;
	info->otime.nsec = (uint64_t)a.value;
	info->otime.interval_nsec = (uint64_t)a.interval;
	info->flags = _NTO_TI_TARGET_PROCESS | (a.value > 0 ? _NTO_TI_ACTIVE : 0) |
		      (a.info_flags & QCHAN_TIMER_INFO_ABSTIME ? _NTO_TI_ABSOLUTE : 0);
	info->notify = SIGEV_PULSE;
	info->clockid = a.clock;
	info->overruns = (uint32_t)a.overrun;
	info->event.sigev_notify = SIGEV_PULSE;
	info->event.sigev_coid = a.event_coid;
	info->event.sigev_priority = a.event_priority;
	info->event.sigev_code = a.event_code;
	/* As TimerCreate() took it: the 64-bit value, sign-extended from an int. */
	info->event.sigev_value.sival_ptr = (void *)(uintptr_t)a.event_value;
	return a.timer_id;
}

QCHAN_EXPORT int TimerInfo(pid_t pid, timer_t id, int flags, struct _timer_info *info)
{
	return (int)qchan_set_errno(TimerInfo_r(pid, id, flags, info));
}

/*
 * QNX's ClockPeriod() reads or sets the system tick.  Linux's hrtimers have
 * no tick to set: the period reported is clock_getres()'s, and a new one is
 * refused as QNX refuses a caller without the right to set it.
 */
QCHAN_EXPORT int ClockPeriod_r(clockid_t id, const struct _clockperiod *new_period,
			       struct _clockperiod *old, int reserved)
{
	struct timespec res;
	int saved = errno;	/* clock_getres() may set it: _r calls leave it alone */

	if (reserved || clock_getres(id, &res)) {
		errno = saved;
		return -EINVAL;
	}
	if (old) {
		old->nsec = (unsigned long)res.tv_sec * NSEC_PER_SEC + (unsigned long)res.tv_nsec;
		old->fract = 0;
	}
	return new_period ? -EPERM : 0;
}

QCHAN_EXPORT int ClockPeriod(clockid_t id, const struct _clockperiod *new_period,
			     struct _clockperiod *old, int reserved)
{
	return (int)qchan_set_errno(ClockPeriod_r(id, new_period, old, reserved));
}
