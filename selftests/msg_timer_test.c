// SPDX-License-Identifier: GPL-2.0
/*
 * Timers that deliver pulses: timer_create() with a SIGEV_PULSE event
 * (through the libc overlay's <time.h>), QNX's TimerCreate/TimerSettime/
 * TimerDestroy, and glibc's timers still working through the same names.
 *
 * Timing assertions are built for a loaded TCG guest: a pulse may come late
 * but never early, and late ticks are never lost (they are overruns), so
 * counts are checked exactly and spacing only as averages with wide
 * margins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/qchan.h>
#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define MS	1000000LL	/* ns */
#define CODE	7

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ns_ts(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	return ts;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Receives a pulse, waiting at most @ms: 0, or -errno (-ETIMEDOUT: none came). */
static int recv_pulse(int chid, struct _pulse *p, int ms)
{
	uint64_t ns = (uint64_t)ms * MS;

	if (TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL))
		return -errno;
	memset(p, 0x5a, sizeof(*p));
	return MsgReceivePulse_r(chid, p, sizeof(*p), NULL);
}

static int pulse_timer(clockid_t clock, int coid, int code, void *value, timer_t *t)
{
	struct sigevent ev;

	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, coid, SIGEV_PULSE_PRIO_INHERIT, code, value);
	return timer_create(clock, &ev, t) ? -errno : 0;
}

static int arm(timer_t t, int flags, int64_t value, int64_t interval)
{
	struct itimerspec its = { .it_value = ns_ts(value), .it_interval = ns_ts(interval) };

	return timer_settime(t, flags, &its, NULL) ? -errno : 0;
}

static long queued_pulses(void)
{
	struct qt_stats s;

	return qt_stats_read(&s) ? -1 : s.pulses;
}

/* Waits until the module's pulse count is @want; 0 or -ETIMEDOUT. */
static int wait_pulses(long want)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (queued_pulses() != want) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(2);
	}
	return 0;
}

FIXTURE(timer) {
	struct qt_stats before;
	int chid;
	int coid;
};

FIXTURE_SETUP(timer)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(timer)
{
	struct qt_stats now;

	if (self->coid >= 0)
		ConnectDetach(self->coid);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: timers %ld->%ld pulses %ld->%ld connections %ld->%ld",
		       self->before.timers, now.timers, self->before.pulses, now.pulses,
		       self->before.connections, now.connections);
}

/*
 * N pulses of a periodic timer: each carries the event's code and value,
 * none comes before its expiry, every period is accounted for (a pulse, or
 * an overrun of one), and on average they are a period apart.
 */
TEST_F(timer, periodic_count_and_spacing)
{
	const int n = 25;
	const int64_t period = 20 * MS;
	struct _pulse p;
	int64_t start, t, lat, lat_sum = 0, lat_max = 0;
	long ticks = 0, overruns = 0;
	timer_t tid;
	int i;

	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, CODE, (void *)0x1234, &tid));
	start = now_ns(CLOCK_MONOTONIC) + period;
	ASSERT_EQ(0, arm(tid, TIMER_ABSTIME, start, period));
	for (i = 0; i < n; i++) {
		int ov;

		ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
		t = now_ns(CLOCK_MONOTONIC);
		ov = timer_getoverrun(tid);
		ASSERT_GE(ov, 0);
		ASSERT_EQ(CODE, p.code);
		ASSERT_EQ((void *)0x1234, p.value.sival_ptr);
		ASSERT_GT(p.scoid, 0);
		/* This pulse stands for expiry number ticks + ov (from 0). */
		ticks += 1 + ov;
		overruns += ov;
		lat = t - (start + (ticks - 1) * period);
		ASSERT_GE(lat, 0) TH_LOG("pulse %d came %lld ns before its expiry", i,
					 (long long)-lat);
		lat_sum += lat;
		if (lat > lat_max)
			lat_max = lat;
	}
	/* Every expiry up to now is counted: the next one is still ahead. */
	EXPECT_LE(start + (ticks - 1) * period, t);
	EXPECT_GT(start + (ticks + 1) * period, t - lat_max);
	/* Spacing: n pulses plus their overruns over the time they took. */
	EXPECT_GE(t - start, (ticks - 1) * period);
	EXPECT_LT(t - start, 3 * ticks * period);
	TH_LOG("%d pulses, %ld overruns, period %lld us: delivery latency mean %lld us, max %lld us",
	       n, overruns, (long long)(period / 1000), (long long)(lat_sum / n / 1000),
	       (long long)(lat_max / 1000));

	ASSERT_EQ(0, timer_delete(tid));
	/* A delete withdraws a pulse still queued: nothing comes any more. */
	EXPECT_EQ(-ETIMEDOUT, recv_pulse(self->chid, &p, 3 * (int)(period / MS)));
}

TEST_F(timer, one_shot)
{
	struct itimerspec its;
	struct _pulse p;
	timer_t tid;
	int64_t t0;

	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 1, (void *)5, &tid));
	t0 = now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(0, arm(tid, 0, 30 * MS, 0));
	ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 30 * MS);
	EXPECT_EQ(1, p.code);
	EXPECT_EQ(5, p.value.sival_int);
	EXPECT_EQ(-ETIMEDOUT, recv_pulse(self->chid, &p, 150));
	ASSERT_EQ(0, timer_gettime(tid, &its));
	EXPECT_EQ(0, ts_ns(&its.it_value));
	EXPECT_EQ(0, ts_ns(&its.it_interval));
	EXPECT_EQ(0, timer_getoverrun(tid));
	ASSERT_EQ(0, timer_delete(tid));
}

/* An absolute expiry on CLOCK_REALTIME and CLOCK_BOOTTIME; one already past fires at once. */
TEST_F(timer, absolute)
{
	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_BOOTTIME };
	struct _pulse p;
	timer_t tid;

	for (unsigned int i = 0; i < 2; i++) {
		int64_t when = now_ns(clocks[i]) + 50 * MS;

		ASSERT_EQ(0, pulse_timer(clocks[i], self->coid, 2, NULL, &tid));
		ASSERT_EQ(0, arm(tid, TIMER_ABSTIME, when, 0));
		ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
		EXPECT_GE(now_ns(clocks[i]), when);
		EXPECT_EQ(2, p.code);
		/* In the past: at once. */
		ASSERT_EQ(0, arm(tid, TIMER_ABSTIME, now_ns(clocks[i]) - 1000 * MS, 0));
		ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
		ASSERT_EQ(0, timer_delete(tid));
	}
}

/* Disarming returns the old setting and stops the pulses; re-arming replaces the setting. */
TEST_F(timer, disarm_and_rearm)
{
	struct itimerspec its = { 0 }, old;
	struct _pulse p;
	timer_t tid;

	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 3, NULL, &tid));
	ASSERT_EQ(0, arm(tid, 0, 10000 * MS, 1000 * MS));
	ASSERT_EQ(0, timer_gettime(tid, &old));
	EXPECT_GT(ts_ns(&old.it_value), 5000 * MS);
	EXPECT_LE(ts_ns(&old.it_value), 10000 * MS);
	EXPECT_EQ(1000 * MS, ts_ns(&old.it_interval));

	/* Re-armed sooner: it fires soon, then every 40 ms. */
	ASSERT_EQ(0, arm(tid, 0, 20 * MS, 40 * MS));
	ASSERT_EQ(0, recv_pulse(self->chid, &p, 5000));
	ASSERT_EQ(0, recv_pulse(self->chid, &p, 5000));

	/* Disarm: the old setting comes back, no further pulse. */
	ASSERT_EQ(0, timer_settime(tid, 0, &its, &old));
	EXPECT_GT(ts_ns(&old.it_value), 0);
	EXPECT_LE(ts_ns(&old.it_value), 40 * MS);
	EXPECT_EQ(40 * MS, ts_ns(&old.it_interval));
	/* A pulse of the last period may be queued already: take it. */
	(void)recv_pulse(self->chid, &p, 0);
	EXPECT_EQ(-ETIMEDOUT, recv_pulse(self->chid, &p, 200));
	ASSERT_EQ(0, timer_gettime(tid, &its));
	EXPECT_EQ(0, ts_ns(&its.it_value));
	EXPECT_EQ(0, ts_ns(&its.it_interval));

	/* Intervals below the minimum run at the minimum. */
	ASSERT_EQ(0, arm(tid, 0, 10000 * MS, 1000));
	ASSERT_EQ(0, timer_gettime(tid, &its));
	EXPECT_EQ(QCHAN_TIMER_MIN_INTERVAL, ts_ns(&its.it_interval));
	ASSERT_EQ(0, timer_delete(tid));
}

/*
 * A slow receiver: one pulse stays queued, the expiries meanwhile are
 * overruns, counted for that pulse once it is taken.
 */
TEST_F(timer, overrun_when_receiver_is_slow)
{
	const int64_t period = 10 * MS;
	struct _pulse p;
	timer_t tid;
	int64_t t0, t1;
	int ov;

	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 4, NULL, &tid));
	t0 = now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(0, arm(tid, 0, period, period));
	qt_sleep_ms(300);
	EXPECT_EQ(self->before.pulses + 1, queued_pulses()) TH_LOG("one pulse queued, at most");
	/* Before any pulse was taken: no overrun to report yet. */
	EXPECT_EQ(0, timer_getoverrun(tid));
	ASSERT_EQ(0, arm(tid, 0, 0, 0));
	t1 = now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
	ov = timer_getoverrun(tid);
	/* Every period up to the disarm is the pulse or one of its overruns. */
	EXPECT_GE(ov + 1, (int)((t1 - t0) / period) / 2) TH_LOG("overrun %d over %lld ms", ov,
								  (long long)((t1 - t0) / MS));
	EXPECT_LE(ov + 1, (int)((t1 - t0) / period)) TH_LOG("overrun %d over %lld ms", ov,
							     (long long)((t1 - t0) / MS));
	EXPECT_EQ(-ETIMEDOUT, recv_pulse(self->chid, &p, 50));
	ASSERT_EQ(0, timer_delete(tid));
}

/* Deleting a timer withdraws its queued pulse. */
TEST_F(timer, delete_withdraws_queued_pulse)
{
	struct qt_stats now;
	struct _pulse p;
	timer_t tid;

	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 5, NULL, &tid));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.timers + 1, now.timers);
	ASSERT_EQ(0, arm(tid, 0, 1 * MS, 0));
	ASSERT_EQ(0, wait_pulses(self->before.pulses + 1));
	ASSERT_EQ(0, timer_delete(tid));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.pulses, now.pulses);
	EXPECT_EQ(self->before.timers, now.timers);
	EXPECT_EQ(-ETIMEDOUT, recv_pulse(self->chid, &p, 0));
	errno = 0;
	EXPECT_EQ(-1, timer_delete(tid));
	EXPECT_EQ(EINVAL, errno);
}

/* The channel goes first: its queued pulse goes with it, the timer fires into nothing. */
TEST_F(timer, channel_destroyed_under_timer)
{
	timer_t tid;

	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 5, NULL, &tid));
	ASSERT_EQ(0, arm(tid, 0, 1 * MS, 1 * MS));
	ASSERT_EQ(0, wait_pulses(self->before.pulses + 1));
	ASSERT_EQ(0, ChannelDestroy(self->chid));
	self->chid = -1;
	EXPECT_EQ(self->before.pulses, queued_pulses());
	qt_sleep_ms(30);
	EXPECT_EQ(self->before.pulses, queued_pulses());
	ASSERT_EQ(0, timer_delete(tid));
}

/*
 * kill -9 of a process with armed periodic timers, pulses queued on its own
 * channel and on ours: every timer and pulse goes.
 */
TEST_F(timer, kill9_with_armed_timers)
{
	const int nr = 8;
	int ready[2];
	pid_t pid;
	struct qt_stats base, now;
	int v;

	ASSERT_EQ(0, qt_stats_read(&base));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int chid = ChannelCreate(0);
		int own = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
		int theirs = ConnectAttach(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0);
		timer_t t;

		struct sched_param sp = { .sched_priority = 1 };

		if (chid < 0 || own < 0 || theirs < 0)
			_exit(1);
		for (int i = 0; i < nr; i++) {
			/* The second half real-time: posted by the real-time worker. */
			if (i == nr / 2 && sched_setscheduler(0, SCHED_FIFO, &sp))
				_exit(3);
			if (pulse_timer(CLOCK_MONOTONIC, i & 1 ? theirs : own, i, NULL, &t) ||
			    arm(t, 0, 1 * MS, 1 * MS + i * 100000))
				_exit(2);
		}
		qt_write_int(ready[1], 0);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(0, qt_read_int(ready[0], &v));
	close(ready[0]);
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.timers + nr, now.timers);
	/* Each timer's one pulse queued, on ours or on the child's channel. */
	ASSERT_EQ(0, wait_pulses(self->before.pulses + nr));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(pid));
	ASSERT_EQ(0, qt_stats_wait_settled(&base, &now))
		TH_LOG("left behind: timers %ld->%ld pulses %ld->%ld", base.timers, now.timers,
		       base.pulses, now.pulses);
	EXPECT_EQ(base.contexts, now.contexts);
}

static int pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/*
 * A real-time program's timer: a SCHED_FIFO 10 receiver's pulses are not
 * held up by a SCHED_FIFO 5 busy loop on its CPU (the posting thread is
 * SCHED_FIFO 50).  Through a SCHED_OTHER posting thread they were ~36 ms
 * late per 10 ms tick on 6.1, and never came on 6.1-rt.
 */
TEST_F(timer, realtime_receiver_beats_lower_rt_hog)
{
	const int n = 20;
	const int64_t period = 10 * MS;
	struct sched_param sp = { .sched_priority = 10 };
	struct _pulse p;
	int64_t start, lat, lat_sum = 0, lat_max = 0;
	long ticks = 0;
	timer_t tid;
	pid_t hog;
	int i, err = 0;

	ASSERT_EQ(0, pin_cpu0());
	hog = fork();
	ASSERT_GE(hog, 0);
	if (hog == 0) {
		struct sched_param hp = { .sched_priority = 5 };
		long long end = qt_now_ms() + 4000;

		/* Bounded, so that a failing parent cannot leave it spinning. */
		if (sched_setscheduler(0, SCHED_FIFO, &hp))
			_exit(1);
		while (qt_now_ms() < end)
			;
		_exit(0);
	}
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &sp));
	/* Created by a real-time thread: posted by the SCHED_FIFO 50 worker. */
	err = pulse_timer(CLOCK_MONOTONIC, self->coid, 1, NULL, &tid);
	start = now_ns(CLOCK_MONOTONIC) + period;
	if (!err)
		err = arm(tid, TIMER_ABSTIME, start, period);
	for (i = 0; i < n && !err; i++) {
		err = recv_pulse(self->chid, &p, 2000);
		if (err)
			break;
		ticks += 1 + timer_getoverrun(tid);
		lat = now_ns(CLOCK_MONOTONIC) - (start + (ticks - 1) * period);
		lat_sum += lat;
		if (lat > lat_max)
			lat_max = lat;
	}
	sp.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &sp);
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);
	ASSERT_EQ(0, err);
	TH_LOG("%d pulses, %ld ticks, SCHED_FIFO 5 hog: latency mean %lld us, max %lld us", n,
	       ticks, (long long)(lat_sum / n / 1000), (long long)(lat_max / 1000));
	/* Without the real-time worker: ~55 ticks per pulse on 6.1 (none on 6.1-rt). */
	EXPECT_LT(ticks, 4 * n);
	EXPECT_LT(lat_sum / n, 5 * period);
	ASSERT_EQ(0, timer_delete(tid));
}

/*
 * Destroying and re-arming timers while they fire every 50 us, posted both
 * ways (SCHED_OTHER kmsg, and the real-time worker): nothing is left behind.
 */
TEST_F(timer, destroy_while_firing)
{
	struct sched_param sp = { .sched_priority = 0 };
	struct _pulse p;
	timer_t tid;
	int round, i, err = 0;

	for (round = 0; round < 2 && !err; round++) {
		sp.sched_priority = round;	/* 0: SCHED_OTHER, then SCHED_FIFO 1 */
		ASSERT_EQ(0, sched_setscheduler(0, round ? SCHED_FIFO : SCHED_OTHER, &sp));
		for (i = 0; i < 100 && !err; i++) {
			err = pulse_timer(CLOCK_MONOTONIC, self->coid, 1, NULL, &tid);
			if (!err)
				err = arm(tid, 0, 1000, 1000);
			if (!err && (i & 1))
				err = recv_pulse(self->chid, &p, QT_WAIT_MS);
			if (!err && (i & 2))
				err = arm(tid, 0, 1000, 0);
			if (!err)
				err = timer_delete(tid) ? -errno : 0;
		}
	}
	sp.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &sp);
	ASSERT_EQ(0, err) TH_LOG("round %d, timer %d", round, i);
	/* The teardown checks timers and pulses are back where they were. */
	EXPECT_EQ(self->before.pulses, queued_pulses());
}

static int raw_ioctl(unsigned long req, void *arg)
{
	int fd = qchan_context_fd();

	if (fd < 0)
		return fd;
	return ioctl(fd, req, arg) ? -errno : 0;
}

TEST_F(timer, bad_args)
{
	struct qchan_timer_create c;
	struct qchan_timer_settime s;
	struct qchan_timer_info in;
	struct qchan_timer_destroy d;
	struct itimerspec its = { 0 };
	struct sigevent ev;
	unsigned long saved;
	timer_t tid, more[4];
	int i;

	errno = 0;
	EXPECT_EQ(-EINVAL, pulse_timer(CLOCK_PROCESS_CPUTIME_ID, self->coid, 1, NULL, &tid));
	EXPECT_EQ(-EINVAL, pulse_timer(CLOCK_MONOTONIC, self->coid, 128, NULL, &tid));
	EXPECT_EQ(-EINVAL, pulse_timer(CLOCK_MONOTONIC, self->coid, -1, NULL, &tid));
	EXPECT_EQ(-EBADF, pulse_timer(CLOCK_MONOTONIC, self->coid + 1000, 1, NULL, &tid));
	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, self->coid, 256, 1, 0);
	EXPECT_EQ(-1, timer_create(CLOCK_MONOTONIC, &ev, &tid));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, TimerCreate_r(CLOCK_MONOTONIC, NULL));

	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 1, NULL, &tid));
	its.it_value.tv_nsec = 1000000000;
	EXPECT_EQ(-1, timer_settime(tid, 0, &its, NULL));
	EXPECT_EQ(EINVAL, errno);
	its.it_value.tv_nsec = 0;
	its.it_value.tv_sec = -1;
	EXPECT_EQ(-1, timer_settime(tid, 0, &its, NULL));
	EXPECT_EQ(EINVAL, errno);
	its.it_value.tv_sec = 1;
	EXPECT_EQ(-1, timer_settime(tid, 0x10, &its, NULL));
	EXPECT_EQ(EINVAL, errno);

	/* The ABI's own checks: reserved fields, flags, ids. */
	memset(&c, 0, sizeof(c));
	c.clock = CLOCK_MONOTONIC;
	c.coid = self->coid;
	c.code = 1;
	c.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_CREATE, &c));
	c.reserved[1] = 0;
	c.flags = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_CREATE, &c));
	c.flags = 0;
	c.priority = -2;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_CREATE, &c));
	memset(&s, 0, sizeof(s));
	s.timer_id = 1 << 30;
	s.value = MS;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_SETTIME, &s));
	s.timer_id = -1;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_SETTIME, &s));
	s.timer_id = 0;
	s.value = -1;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_SETTIME, &s));
	s.value = MS;
	s.interval = -1;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_SETTIME, &s));
	s.interval = 0;
	s.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_SETTIME, &s));
	memset(&in, 0, sizeof(in));
	in.timer_id = 12345;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_INFO, &in));
	memset(&d, 0, sizeof(d));
	d.timer_id = 12345;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_DESTROY, &d));
	ASSERT_EQ(0, timer_delete(tid));

	/* The per-process limit: EAGAIN beyond max_timers. */
	ASSERT_EQ(0, qt_param_get("max_timers", &saved));
	ASSERT_EQ(0, qt_param_set("max_timers", 3));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 1, NULL, &more[i]));
	EXPECT_EQ(-EAGAIN, pulse_timer(CLOCK_MONOTONIC, self->coid, 1, NULL, &more[3]));
	ASSERT_EQ(0, qt_param_set("max_timers", saved));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, timer_delete(more[i]));

	/* TIMER_INFO: unknown flags, and its out-only fields nonzero on the way in. */
	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 1, NULL, &tid));
	memset(&in, 0, sizeof(in));
	in.flags = QCHAN_TIMER_INFO_SEARCH;
	EXPECT_EQ(0, raw_ioctl(QCHAN_IOC_TIMER_INFO, &in));
	in.flags = 1U << 2;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_INFO, &in));
	memset(&in, 0, sizeof(in));
	in.event_code = 1;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_INFO, &in));
	memset(&in, 0, sizeof(in));
	in.info_flags = QCHAN_TIMER_INFO_ABSTIME;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_INFO, &in));
	memset(&in, 0, sizeof(in));
	in.timer_id = -1;
	in.flags = QCHAN_TIMER_INFO_SEARCH;
	EXPECT_EQ(-EINVAL, raw_ioctl(QCHAN_IOC_TIMER_INFO, &in));
	EXPECT_EQ(0, timer_delete(tid));
}

/* QNX's kernel calls: TimerCreate's id, struct _itimer, an int value. */
TEST_F(timer, qnx_api)
{
	struct sigevent ev;
	struct _itimer it = { 20 * MS, 0 }, old;
	struct _pulse p;
	int id;

	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INT_INIT(&ev, self->coid, 10, _PULSE_CODE_MINAVAIL + 9, -5);
	id = TimerCreate(CLOCK_MONOTONIC, &ev);
	ASSERT_GE(id, 0);
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id, 0, &it, NULL));
	ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
	EXPECT_EQ(9, p.code);
	EXPECT_EQ(-5, p.value.sival_int);
	it.nsec = 5000 * MS;
	it.interval_nsec = 100 * MS;
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id, 0, &it, NULL));
	it.nsec = 0;
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id, 0, &it, &old));
	EXPECT_GT(old.nsec, 0u);
	EXPECT_LE(old.nsec, (uint64_t)(5000 * MS));
	EXPECT_EQ((uint64_t)(100 * MS), old.interval_nsec);
	ASSERT_EQ(0, TimerDestroy((timer_t)(intptr_t)id));
	errno = 0;
	EXPECT_EQ(-1, TimerDestroy((timer_t)(intptr_t)id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, TimerDestroy_r((timer_t)(intptr_t)id));
	/* A SIGEV_SIGNAL event is not TimerCreate's here: glibc's timer_create serves it. */
	SIGEV_SIGNAL_INIT(&ev, SIGUSR1);
	EXPECT_EQ(-EINVAL, TimerCreate_r(CLOCK_MONOTONIC, &ev));
}

/*
 * TimerInfo's event is the one the timer was created with (priority -1
 * kept); _NTO_TI_ABSOLUTE while armed with TIMER_ABSTIME; _NTO_TIMER_SEARCH
 * finds the first timer from an id on; _NTO_TIMER_RESET_OVERRUNS reports
 * the count and starts it again.
 */
TEST_F(timer, timer_info_event_search_reset)
{
	struct _itimer it = { 5000 * MS, 0 };
	struct sigevent ev;
	struct _timer_info ti;
	struct _pulse p;
	int id[3], i;

	memset(&ev, 0, sizeof(ev));
	for (i = 0; i < 3; i++) {
		SIGEV_PULSE_INIT(&ev, self->coid, i == 1 ? SIGEV_PULSE_PRIO_INHERIT : 10 + i,
				 _PULSE_CODE_MINAVAIL + i, 70 + i);
		id[i] = TimerCreate(CLOCK_MONOTONIC, &ev);
		ASSERT_GE(id[i], 0);
	}
	ASSERT_LT(id[0], id[1]);
	ASSERT_LT(id[1], id[2]);
	for (i = 0; i < 3; i++) {
		memset(&ti, 0x5a, sizeof(ti));
		EXPECT_EQ(id[i], TimerInfo(0, (timer_t)(intptr_t)id[i], 0, &ti));
		EXPECT_EQ(SIGEV_PULSE, SIGEV_GET_TYPE(&ti.event));
		EXPECT_EQ(self->coid, ti.event.sigev_coid);
		EXPECT_EQ(i == 1 ? SIGEV_PULSE_PRIO_INHERIT : 10 + i, ti.event.sigev_priority);
		EXPECT_EQ(_PULSE_CODE_MINAVAIL + i, ti.event.sigev_code);
		EXPECT_EQ(70 + i, ti.event.sigev_value.sival_int);
		EXPECT_EQ(0u, ti.flags & (unsigned int)_NTO_TI_ABSOLUTE);
	}

	/* Absolute while armed so; a relative settime or a disarm clears it. */
	it.nsec = (uint64_t)now_ns(CLOCK_MONOTONIC) + 5000 * MS;
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id[0], TIMER_ABSTIME, &it, NULL));
	EXPECT_EQ(id[0], TimerInfo(0, (timer_t)(intptr_t)id[0], 0, &ti));
	EXPECT_EQ((unsigned int)(_NTO_TI_ACTIVE | _NTO_TI_ABSOLUTE),
		  ti.flags & (_NTO_TI_ACTIVE | _NTO_TI_ABSOLUTE));
	it.nsec = 5000 * MS;
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id[0], 0, &it, NULL));
	EXPECT_EQ(id[0], TimerInfo(0, (timer_t)(intptr_t)id[0], 0, &ti));
	EXPECT_EQ((unsigned int)_NTO_TI_ACTIVE, ti.flags & (_NTO_TI_ACTIVE | _NTO_TI_ABSOLUTE));

	/* Search: the id itself, the next one after a gap, none past the last. */
	EXPECT_EQ(id[0], TimerInfo(0, (timer_t)0, _NTO_TIMER_SEARCH, &ti));
	EXPECT_EQ(70, ti.event.sigev_value.sival_int);
	ASSERT_EQ(0, TimerDestroy((timer_t)(intptr_t)id[1]));
	EXPECT_EQ(id[2], TimerInfo(0, (timer_t)(intptr_t)id[1], _NTO_TIMER_SEARCH, &ti));
	EXPECT_EQ(72, ti.event.sigev_value.sival_int);
	EXPECT_EQ(id[2], TimerInfo_r(0, (timer_t)(intptr_t)id[1], _NTO_TIMER_SEARCH, NULL));
	EXPECT_EQ(-EINVAL, TimerInfo_r(0, (timer_t)(intptr_t)id[1], 0, &ti));
	EXPECT_EQ(-EINVAL, TimerInfo_r(0, (timer_t)(intptr_t)(id[2] + 1), _NTO_TIMER_SEARCH, &ti));

	/*
	 * Overruns: a 1 ms timer whose pulse nobody takes for 100 ms, then
	 * disarmed; once the pulse is taken, its count is the overruns.
	 */
	it.nsec = 1 * MS;
	it.interval_nsec = 1 * MS;
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id[2], 0, &it, NULL));
	qt_sleep_ms(100);
	it.nsec = 0;
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id[2], 0, &it, NULL));
	ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
	EXPECT_EQ(_PULSE_CODE_MINAVAIL + 2, p.code);
	EXPECT_EQ(id[2], TimerInfo(0, (timer_t)(intptr_t)id[2], _NTO_TIMER_RESET_OVERRUNS, &ti));
	EXPECT_LT(0u, ti.overruns);
	EXPECT_EQ(id[2], TimerInfo(0, (timer_t)(intptr_t)id[2], 0, &ti));
	EXPECT_EQ(0u, ti.overruns);
	EXPECT_EQ(0, TimerDestroy((timer_t)(intptr_t)id[0]));
	EXPECT_EQ(0, TimerDestroy((timer_t)(intptr_t)id[2]));
}

/* TimerInfo: QNX's struct _timer_info of a disarmed, an armed and a gone timer. */
TEST_F(timer, timer_info)
{
	struct sigevent ev;
	struct _itimer it = { 5000 * MS, 250 * MS };
	struct _timer_info ti;
	struct _pulse p;
	int64_t before;
	int id;

	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, self->coid, 10, _PULSE_CODE_MINAVAIL + 3, 0);
	id = TimerCreate(CLOCK_MONOTONIC, &ev);
	ASSERT_GE(id, 0);

	memset(&ti, 0x5a, sizeof(ti));
	EXPECT_EQ(id, TimerInfo(0, (timer_t)(intptr_t)id, 0, &ti));
	EXPECT_EQ(0u, ti.flags & (unsigned int)_NTO_TI_ACTIVE);
	EXPECT_EQ(0u, ti.otime.nsec);
	EXPECT_EQ(0u, ti.itime.nsec);
	EXPECT_EQ((int)CLOCK_MONOTONIC, (int)ti.clockid);
	EXPECT_EQ(SIGEV_PULSE, ti.notify);
	EXPECT_EQ(SIGEV_PULSE, SIGEV_GET_TYPE(&ti.event));
	EXPECT_EQ(0u, ti.overruns);
	EXPECT_EQ(0, ti.tid);

	before = now_ns(CLOCK_MONOTONIC);
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id, 0, &it, NULL));
	EXPECT_EQ(id, TimerInfo(getpid(), (timer_t)(intptr_t)id, 0, &ti));
	EXPECT_EQ((unsigned int)_NTO_TI_ACTIVE, ti.flags & _NTO_TI_ACTIVE);
	EXPECT_GT(ti.otime.nsec, 0u);
	EXPECT_LE(ti.otime.nsec, (uint64_t)(5000 * MS));
	EXPECT_EQ((uint64_t)(250 * MS), ti.otime.interval_nsec);
	EXPECT_EQ((uint64_t)(250 * MS), ti.itime.interval_nsec);
	/* itime: the absolute expiry, about 5 s after the settime. */
	EXPECT_GE(ti.itime.nsec, (uint64_t)before + 4000 * MS);
	EXPECT_LE(ti.itime.nsec, (uint64_t)now_ns(CLOCK_MONOTONIC) + 5000 * MS);
	/* NULL info: only whether the timer exists. */
	EXPECT_EQ(id, TimerInfo_r(0, (timer_t)(intptr_t)id, 0, NULL));

	/* A timer_create()d timer_t works too, and overruns are timer_getoverrun()'s. */
	it.nsec = 1 * MS;
	it.interval_nsec = 0;
	ASSERT_EQ(0, TimerSettime((timer_t)(intptr_t)id, 0, &it, NULL));
	ASSERT_EQ(0, recv_pulse(self->chid, &p, QT_WAIT_MS));
	EXPECT_EQ(id, TimerInfo(0, (timer_t)(intptr_t)id, 0, &ti));
	EXPECT_EQ(0u, ti.flags & (unsigned int)_NTO_TI_ACTIVE) TH_LOG("a one-shot that fired is disarmed");

	errno = 0;
	EXPECT_EQ(-1, TimerInfo(getpid() + 100000, (timer_t)(intptr_t)id, 0, &ti));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-EINVAL, TimerInfo_r(0, (timer_t)(intptr_t)id, 4, &ti));
	ASSERT_EQ(0, TimerDestroy((timer_t)(intptr_t)id));
	errno = 0;
	EXPECT_EQ(-1, TimerInfo(0, (timer_t)(intptr_t)id, 0, &ti));
	EXPECT_EQ(EINVAL, errno);
}

static _Atomic int usr1;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&usr1, 1);
}

/* The overlay's timer_* still serve glibc's kinds of event, next to pulse timers. */
TEST_F(timer, glibc_timers_still_work)
{
	struct itimerspec its;
	struct sigevent ev;
	struct sigaction sa;
	struct _pulse p;
	timer_t sig_tid, pulse_tid;
	long long end;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	atomic_store(&usr1, 0);
	ASSERT_EQ(0, pulse_timer(CLOCK_MONOTONIC, self->coid, 6, NULL, &pulse_tid));
	memset(&ev, 0, sizeof(ev));
	SIGEV_SIGNAL_INIT(&ev, SIGUSR1);
	ASSERT_EQ(0, timer_create(CLOCK_MONOTONIC, &ev, &sig_tid));
	EXPECT_NE(sig_tid, pulse_tid);
	ASSERT_EQ(0, arm(sig_tid, 0, 10 * MS, 10 * MS));
	ASSERT_EQ(0, arm(pulse_tid, 0, 10 * MS, 0));
	ASSERT_EQ(0, timer_gettime(sig_tid, &its));
	EXPECT_EQ(10 * MS, ts_ns(&its.it_interval));
	/* The signal timer's handler interrupts the receive now and then (EINTR). */
	do
		err = recv_pulse(self->chid, &p, QT_WAIT_MS);
	while (err == -EINTR);
	ASSERT_EQ(0, err);
	EXPECT_EQ(6, p.code);
	end = qt_now_ms() + QT_WAIT_MS;
	while (atomic_load(&usr1) < 3 && qt_now_ms() < end)
		qt_sleep_ms(5);
	EXPECT_GE(atomic_load(&usr1), 3);
	EXPECT_GE(timer_getoverrun(sig_tid), 0);
	ASSERT_EQ(0, timer_delete(sig_tid));
	ASSERT_EQ(0, timer_delete(pulse_tid));
	signal(SIGUSR1, SIG_DFL);
}

TEST_HARNESS_MAIN
