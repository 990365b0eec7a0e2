// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduling choices of issue 15 goals 6 and 7.
 *
 * The reply_wake parameter (who runs first after a reply, module/wait.c):
 * with it on, round trips of several clients through one and two server
 * threads all complete, each with its own reply.
 *
 * Opt-in busy polling (QCHAN_IOC_CHANNEL_BUSY_POLL): bad arguments are
 * EINVAL/ESRCH; a channel with it spins (debugfs busy_polls) and one
 * without it, or with busy_poll_us 0, never does; real-time threads above
 * busy_poll_rt_max never spin and those at or below it do; a spin ends at
 * the call's timeout, on a signal, and kill -9 of a spinning receiver or
 * sender leaves nothing behind.  Windows here are long (1 s) so that the
 * spin is surely under way; the checks only need it to end well before.
 *
 * libchan's getprio()/setprio() against the priority the module reports
 * for a sender in _msg_info.priority.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define LONG_WINDOW_US	1000000UL	/* the largest the module allows */

static long busy_polls(void)
{
	return qt_stat_read("busy_polls");
}

/* A MsgReceive with a relative timeout on its own thread, at a given policy. */
struct recv_job {
	pthread_t thread;
	int chid;
	int policy, prio;
	long timeout_ms;	/* 0: none */
	int ret, err;
	long long elapsed_ms;
	_Atomic pid_t tid;
};

static void *recv_fn(void *arg)
{
	struct recv_job *j = arg;
	struct sched_param sp = { .sched_priority = j->prio };
	uint64_t ns = (uint64_t)j->timeout_ms * 1000000;
	char buf[16];
	long long t0;

	if (j->policy != SCHED_OTHER && pthread_setschedparam(pthread_self(), j->policy, &sp)) {
		j->ret = -2;
		return NULL;
	}
	atomic_store(&j->tid, qt_gettid());
	t0 = qt_now_ms();
	if (j->timeout_ms &&
	    TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL) < 0) {
		j->ret = -3;
		return NULL;
	}
	errno = 0;
	j->ret = MsgReceive(j->chid, buf, sizeof(buf), NULL);
	j->err = errno;
	j->elapsed_ms = qt_now_ms() - t0;
	return NULL;
}

static int recv_run(struct recv_job *j)
{
	atomic_store(&j->tid, 0);
	return -pthread_create(&j->thread, NULL, recv_fn, j);
}

FIXTURE(bp) {
	unsigned long old_us, old_rt_max;
	int chid, coid;
	struct qt_stats before;
};

FIXTURE_SETUP(bp)
{
	ASSERT_EQ(0, qt_param_get("busy_poll_us", &self->old_us));
	ASSERT_EQ(0, qt_param_get("busy_poll_rt_max", &self->old_rt_max));
	ASSERT_EQ(0, qt_param_set("busy_poll_us", LONG_WINDOW_US));
	self->chid = ChannelCreate(0);
	ASSERT_LT(0, self->chid);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, self->coid);
	ASSERT_EQ(0, qchan_channel_busy_poll(self->chid, QCHAN_BUSY_POLL_ON));
	ASSERT_EQ(0, qt_stats_read(&self->before));
}

FIXTURE_TEARDOWN(bp)
{
	qt_param_set("busy_poll_us", self->old_us);
	qt_param_set("busy_poll_rt_max", self->old_rt_max);
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
}

TEST(args)
{
	struct qchan_channel_busy_poll a = { 0 };
	struct qchan_features f;
	int chid = ChannelCreate(0);

	ASSERT_LT(0, chid);
	ASSERT_EQ(0, qchan_get_features(&f));
	EXPECT_EQ(QCHAN_FEAT_BUSY_POLL, f.features & QCHAN_FEAT_BUSY_POLL);
	EXPECT_EQ(0, qchan_channel_busy_poll(chid, QCHAN_BUSY_POLL_ON));
	EXPECT_EQ(0, qchan_channel_busy_poll(chid, 0));
	EXPECT_EQ(-EINVAL, qchan_channel_busy_poll(chid, 2));
	EXPECT_EQ(-EINVAL, qchan_channel_busy_poll(chid, 1U << 31));
	EXPECT_EQ(-ESRCH, qchan_channel_busy_poll(chid + 1000, QCHAN_BUSY_POLL_ON));
	EXPECT_EQ(-ESRCH, qchan_channel_busy_poll(-1, 0));
	a.chid = chid;
	a.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(qchan_context_fd(), QCHAN_IOC_CHANNEL_BUSY_POLL, &a));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ChannelDestroy(chid));
	/* A destroyed channel is no longer the caller's. */
	EXPECT_EQ(-ESRCH, qchan_channel_busy_poll(chid, QCHAN_BUSY_POLL_ON));
}

/* Round trips between two threads; returns how many spins they caused. */
static long round_trips(struct __test_metadata *_metadata, int chid, int coid, int n)
{
	long before = busy_polls();
	struct qt_client c;
	char sbuf[8], rbuf[8], buf[8];

	for (int i = 0; i < n; i++) {
		int rcvid;

		snprintf(sbuf, sizeof(sbuf), "q%d", i);
		EXPECT_EQ(0, qt_client_send(&c, coid, sbuf, sizeof(sbuf), rbuf, sizeof(rbuf)));
		rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
		EXPECT_LT(0, rcvid);
		EXPECT_STREQ(sbuf, buf);
		snprintf(buf, sizeof(buf), "r%d", i);
		EXPECT_EQ(0, MsgReply(rcvid, i, buf, sizeof(buf)));
		EXPECT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(i, c.ret);
		EXPECT_STREQ(buf, rbuf);
	}
	return busy_polls() - before;
}

TEST_F(bp, spins_only_when_on)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	/* A spin ends in a hit only if the peer runs meanwhile: on another CPU. */
	if (cpus < 2)
		SKIP(return, "busy polling cannot hit on %ld online CPU", cpus);
	ASSERT_LE(0, busy_polls());
	qt_param_set("busy_poll_us", 2000);
	EXPECT_LT(0, round_trips(_metadata, self->chid, self->coid, 20));
	EXPECT_LT(0, qt_stat_read("busy_poll_hits"));

	ASSERT_EQ(0, qchan_channel_busy_poll(self->chid, 0));
	EXPECT_EQ(0, round_trips(_metadata, self->chid, self->coid, 20));

	ASSERT_EQ(0, qchan_channel_busy_poll(self->chid, QCHAN_BUSY_POLL_ON));
	ASSERT_EQ(0, qt_param_set("busy_poll_us", 0));
	EXPECT_EQ(0, round_trips(_metadata, self->chid, self->coid, 20));
}

/* A spin stops at the call's deadline, long before the window. */
TEST_F(bp, timeout_ends_spin)
{
	struct recv_job j = { .chid = self->chid, .timeout_ms = 30 };
	long before = busy_polls();

	ASSERT_EQ(0, recv_run(&j));
	ASSERT_EQ(0, pthread_join(j.thread, NULL));
	EXPECT_EQ(-1, j.ret);
	EXPECT_EQ(ETIMEDOUT, j.err);
	EXPECT_LT(j.elapsed_ms, 700);
	EXPECT_LT(before, busy_polls());
}

TEST_F(bp, rt_threshold)
{
	struct recv_job hi = { .chid = self->chid, .timeout_ms = 20, .policy = SCHED_FIFO,
			       .prio = 20 };
	struct recv_job lo = hi;
	long before;

	ASSERT_EQ(0, qt_param_set("busy_poll_rt_max", 10));
	before = busy_polls();
	ASSERT_EQ(0, recv_run(&hi));
	ASSERT_EQ(0, pthread_join(hi.thread, NULL));
	ASSERT_NE(-2, hi.ret) TH_LOG("no SCHED_FIFO here");
	EXPECT_EQ(ETIMEDOUT, hi.err);
	EXPECT_EQ(before, busy_polls());

	lo.prio = 10;
	ASSERT_EQ(0, recv_run(&lo));
	ASSERT_EQ(0, pthread_join(lo.thread, NULL));
	EXPECT_EQ(ETIMEDOUT, lo.err);
	EXPECT_LT(lo.elapsed_ms, 700);
	EXPECT_LT(before, busy_polls());
}

/* A handled signal ends a receiver's spin (EINTR), and a REPLY-blocked sender's. */
TEST_F(bp, signal_ends_spin)
{
	struct recv_job j = { .chid = self->chid };
	char buf[8] = "x", rbuf[8];
	struct qt_client c;
	long long t0;
	pid_t tid;
	int rcvid;

	ASSERT_EQ(0, qt_install_noop_handler(SIGUSR1));
	ASSERT_EQ(0, recv_run(&j));
	tid = qt_wait_tid(&j.tid);
	ASSERT_NE(0, tid);
	qt_sleep_ms(50);
	t0 = qt_now_ms();
	ASSERT_EQ(0, pthread_kill(j.thread, SIGUSR1));
	ASSERT_EQ(0, pthread_join(j.thread, NULL));
	EXPECT_EQ(-1, j.ret);
	EXPECT_EQ(EINTR, j.err);
	EXPECT_LT(qt_now_ms() - t0, 700);

	ASSERT_EQ(0, qt_client_send(&c, self->coid, buf, sizeof(buf), rbuf, sizeof(rbuf)));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_LT(0, rcvid);
	qt_sleep_ms(50);
	t0 = qt_now_ms();
	ASSERT_EQ(0, pthread_kill(c.thread, SIGUSR1));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	EXPECT_LT(qt_now_ms() - t0, 700);
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
}

/* kill -9 of a process spinning in MsgReceive, and of one spinning REPLY-blocked. */
TEST_F(bp, kill9_while_spinning)
{
	struct qt_stats now;
	char buf[8] = "k";
	long before;
	int rcvid, pfd[2];
	pid_t pid;

	before = busy_polls();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int chid = ChannelCreate(0);

		if (chid < 0 || qchan_channel_busy_poll(chid, QCHAN_BUSY_POLL_ON))
			_exit(1);
		MsgReceive(chid, buf, sizeof(buf), NULL);
		_exit(2);
	}
	qt_sleep_ms(100);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(pid));

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int coid = ConnectAttach(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0);
		char rbuf[8];

		qt_write_int(pfd[1], coid < 0 ? -1 : 0);
		MsgSend(coid, buf, sizeof(buf), rbuf, sizeof(rbuf));
		_exit(2);
	}
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_LT(0, rcvid);
	qt_sleep_ms(100);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(pid));
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	close(pfd[0]);
	close(pfd[1]);
	/* Both spun (or slept after their window, on a slow host): nothing is left. */
	EXPECT_LT(before, busy_polls());
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

/* A server thread answering every message with its sequence number + 1000. */
static void *echo_server(void *arg)
{
	int chid = *(int *)arg;
	uint32_t v;

	for (;;) {
		int rcvid = MsgReceive(chid, &v, sizeof(v), NULL);

		if (rcvid <= 0)
			return NULL;	/* the channel is gone */
		v += 1000;
		MsgReply(rcvid, 0, &v, sizeof(v));
	}
}

struct echo_client {
	pthread_t thread;
	int coid, bad;
};

static void *echo_client_fn(void *arg)
{
	struct echo_client *c = arg;

	for (uint32_t i = 0; i < 300; i++) {
		uint32_t r = 0;

		if (MsgSend(c->coid, &i, sizeof(i), &r, sizeof(r)) || r != i + 1000)
			c->bad++;
	}
	return NULL;
}

TEST(reply_wake)
{
	unsigned long old;
	int chid;

	ASSERT_EQ(0, qt_param_get("reply_wake", &old));
	ASSERT_EQ(0, qt_param_set("reply_wake", 1));
	for (int threads = 1; threads <= 2; threads++) {
		struct echo_client c[3];
		pthread_t srv[2];

		chid = ChannelCreate(0);
		ASSERT_LT(0, chid);
		for (int i = 0; i < threads; i++)
			ASSERT_EQ(0, pthread_create(&srv[i], NULL, echo_server, &chid));
		for (int i = 0; i < 3; i++) {
			c[i].bad = 0;
			c[i].coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
			ASSERT_LE(0, c[i].coid);
			ASSERT_EQ(0, pthread_create(&c[i].thread, NULL, echo_client_fn, &c[i]));
		}
		for (int i = 0; i < 3; i++) {
			ASSERT_EQ(0, pthread_join(c[i].thread, NULL));
			EXPECT_EQ(0, c[i].bad);
			ConnectDetach(c[i].coid);
		}
		/* Destroying the channel fails the servers' receives: they return. */
		ASSERT_EQ(0, ChannelDestroy(chid));
		for (int i = 0; i < threads; i++)
			ASSERT_EQ(0, pthread_join(srv[i], NULL));
	}
	qt_param_set("reply_wake", old);
}

/* libchan's, declared by the libc overlay's <sched.h>, which is not on this include path. */
extern int getprio(pid_t pid);
extern int setprio(pid_t pid, int prio);

/*
 * getprio() is the priority the module gives the thread's messages, which
 * the server reads in _msg_info.priority: 0 under SCHED_OTHER, then 7
 * after setprio(0, 7) (SCHED_RR), then 0 again after setprio(0, 0).
 */
#define PRIO_STEPS	3

struct prio_client {
	pthread_t thread;
	int coid;
	int policy[PRIO_STEPS];	/* after each setprio() */
	int prio[PRIO_STEPS];	/* getprio() before each send */
	int set_err;		/* errno of a setprio() that failed */
	int send_err;
};

static const int prio_step[PRIO_STEPS] = { 0, 7, 0 };

static void *prio_client_fn(void *arg)
{
	struct prio_client *c = arg;

	for (int i = 0; i < PRIO_STEPS; i++) {
		/* A failed step still sends, so that the server is not left waiting. */
		if (setprio(0, prio_step[i]) < 0 && !c->set_err)
			c->set_err = errno;
		c->policy[i] = sched_getscheduler(0);
		c->prio[i] = getprio(0);
		if (MsgSend(c->coid, &i, sizeof(i), NULL, 0) && !c->send_err)
			c->send_err = errno;
	}
	return NULL;
}

TEST(getprio_is_msg_info_priority)
{
	struct prio_client c;
	struct _msg_info info;
	int chid, rcvid, n;

	memset(&c, 0, sizeof(c));
	/* No inheritance: the server thread's own priority stays out of it. */
	chid = ChannelCreate(_NTO_CHF_FIXED_PRIORITY);
	ASSERT_LT(0, chid);
	c.coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, c.coid);
	ASSERT_EQ(0, pthread_create(&c.thread, NULL, prio_client_fn, &c));
	for (int i = 0; i < PRIO_STEPS; i++) {
		rcvid = MsgReceive(chid, &n, sizeof(n), &info);
		ASSERT_LT(0, rcvid);
		ASSERT_EQ(i, n);
		EXPECT_EQ(prio_step[i], c.prio[i]);
		EXPECT_EQ(c.prio[i], info.priority) TH_LOG("step %d", i);
		EXPECT_EQ(prio_step[i] ? SCHED_RR : SCHED_OTHER, c.policy[i]) TH_LOG("step %d", i);
		ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	}
	ASSERT_EQ(0, pthread_join(c.thread, NULL));
	EXPECT_EQ(0, c.set_err);
	EXPECT_EQ(0, c.send_err);
	EXPECT_EQ(0, ConnectDetach(c.coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

TEST_HARNESS_MAIN
