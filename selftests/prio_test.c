// SPDX-License-Identifier: GPL-2.0
/*
 * Priority inheritance: a server thread runs at its client's priority while
 * it serves it (real-time priority, or nice for SCHED_OTHER clients), is
 * raised at once when a better client queues behind a busy server (send-time
 * boost) or a pulse arrives, passes the boost down a chain of servers, comes
 * back down when the message ends (reply, the client's death) or at its
 * next MsgReceive, keeps a priority it set itself meanwhile, and
 * _NTO_CHF_FIXED_PRIORITY turns it all off.  The inversion tests run a
 * priority-10 server, a priority-50 client and a priority-30 CPU hog on one
 * CPU: with inheritance the round trip stays near the server's work time,
 * with FIXED_PRIORITY it takes the hog's whole run (which shows the test
 * can fail).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"
#include "view_util.h"

/* What a server thread saw of its own scheduling while it served. */
struct seen {
	int policy;
	int prio;		/* real-time priority, 0 for the other policies */
	int nice;
};

static void seen_self(struct seen *s)
{
	struct sched_param sp;

	s->policy = sched_getscheduler(0);
	sched_getparam(0, &sp);
	s->prio = sp.sched_priority;
	errno = 0;
	s->nice = getpriority(PRIO_PROCESS, 0);
}

static void seen_tid(pid_t tid, struct seen *s)
{
	struct sched_param sp = { 0 };

	s->policy = sched_getscheduler(tid);
	sched_getparam(tid, &sp);
	s->prio = sp.sched_priority;
	s->nice = getpriority(PRIO_PROCESS, tid);
}

/* Sets the calling thread's scheduling: SCHED_FIFO at @prio, or SCHED_OTHER at @nice. */
static int set_self(int prio, int nice)
{
	struct sched_param sp = { .sched_priority = prio };

	if (sched_setscheduler(0, prio ? SCHED_FIFO : SCHED_OTHER, &sp))
		return -errno;
	if (!prio && setpriority(PRIO_PROCESS, 0, nice))
		return -errno;
	return 0;
}

static int pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static long long thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Burns @ms of this thread's own CPU time: work that only the CPU it gets can finish. */
static void spin_cpu_ms(int ms)
{
	long long end = thread_cpu_ns() + ms * 1000000LL;

	while (thread_cpu_ns() < end)
		;
}

static void poke(int efd)
{
	if (efd >= 0)
		eventfd_write(efd, 1);
}

/* Waits until @tid runs with real-time priority @prio (0: SCHED_OTHER); 0 or -ETIMEDOUT. */
static int wait_prio(pid_t tid, int prio)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	struct seen s;

	for (;;) {
		seen_tid(tid, &s);
		if (s.prio == prio && (s.policy == SCHED_OTHER) == !prio)
			return 0;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
}

/* ---- a server thread ---- */

#define MAX_SERVED	8

struct server {
	int chid;
	int prio, nice;		/* its own scheduling: FIFO @prio, or SCHED_OTHER at @nice */
	int nmsgs;		/* messages and pulses to serve, then the thread ends */
	int work_ms;		/* CPU work per message */
	int poke_first;		/* eventfd poked when the first message arrives, or -1 */
	int hog;		/* eventfd poked at the start of each message's work, or -1 */
	int fwd_coid;		/* chain: send each message on to this connection first, or -1 */
	int set_self_prio;	/* while serving, the thread sets itself SCHED_FIFO at this */
	bool hold;		/* wait for @release before replying */
	bool after_reply;	/* after each reply wait for @go_on, then look at itself again */

	pthread_t thread;
	_Atomic pid_t tid;
	_Atomic int serving;	/* messages received so far */
	_Atomic int served;	/* messages finished so far */
	_Atomic bool release;
	_Atomic bool go_on;
	int reply_err[MAX_SERVED];
	struct seen saw[MAX_SERVED];	/* while serving message i */
	struct seen later[MAX_SERVED];	/* after its reply (@after_reply) */
};

static void *server_fn(void *arg)
{
	struct server *s = arg;
	struct seen rep;
	int msg, rcvid;

	if (set_self(s->prio, s->nice))
		return NULL;
	atomic_store(&s->tid, qt_gettid());
	for (int i = 0; i < s->nmsgs && i < MAX_SERVED; i++) {
		rcvid = MsgReceive(s->chid, &msg, sizeof(msg), NULL);
		if (rcvid < 0)
			break;
		atomic_fetch_add(&s->serving, 1);
		if (i == 0)
			poke(s->poke_first);
		poke(s->hog);
		spin_cpu_ms(s->work_ms);
		seen_self(&s->saw[i]);
		rep = s->saw[i];
		if (rcvid && s->fwd_coid >= 0 &&
		    MsgSend(s->fwd_coid, &msg, sizeof(msg), &rep, sizeof(rep)) < 0)
			rep.prio = -errno;
		if (s->set_self_prio) {
			struct sched_param sp = { .sched_priority = s->set_self_prio };

			sched_setscheduler(0, SCHED_FIFO, &sp);
		}
		while (s->hold && !atomic_load(&s->release))
			qt_sleep_ms(1);
		if (rcvid)
			s->reply_err[i] = MsgReply(rcvid, 0, &rep, sizeof(rep)) ? errno : 0;
		if (s->after_reply) {
			while (!atomic_load(&s->go_on))
				qt_sleep_ms(1);
			atomic_store(&s->go_on, false);
			seen_self(&s->later[i]);
		}
		atomic_fetch_add(&s->served, 1);
	}
	return NULL;
}

static void server_init(struct server *s, int chid, int prio, int nmsgs)
{
	memset(s, 0, sizeof(*s));
	s->chid = chid;
	s->prio = prio;
	s->nmsgs = nmsgs;
	s->poke_first = -1;
	s->hog = -1;
	s->fwd_coid = -1;
}

/* Starts the server and waits until it is RECEIVE-blocked; its tid or -errno. */
static pid_t server_start(struct server *s)
{
	pid_t tid;
	int err;

	err = pthread_create(&s->thread, NULL, server_fn, s);
	if (err)
		return -err;
	tid = qt_wait_tid(&s->tid);
	if (!tid)
		return -ETIMEDOUT;
	err = qt_wait_blocked(getpid(), tid);
	return err ?: tid;
}

static int server_wait_serving(struct server *s, int n)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (atomic_load(&s->serving) < n) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return 0;
}

/*
 * Waits until the server is RECEIVE-blocked at its own real-time priority
 * @prio, then ends it with a pulse (its last "message") from this
 * SCHED_OTHER thread, which raises nobody.
 */
static int server_finish(struct server *s, pid_t tid, int coid, int prio)
{
	int err = qt_wait_blocked(getpid(), tid) ?: wait_prio(tid, prio);

	if (MsgSendPulse(coid, -1, 1, 0) && !err)
		err = -errno;
	pthread_join(s->thread, NULL);
	return err;
}

/* ---- a client thread ---- */

struct client {
	int coid;
	int prio, nice;
	int start;		/* eventfd to wait on before sending, or -1 */
	pthread_t thread;
	_Atomic pid_t tid;
	_Atomic bool done;
	long ret;
	int err;
	long long rtt_us;	/* the MsgSend's round trip */
	struct seen rep;	/* what the server saw */
};

static void *client_fn(void *arg)
{
	struct client *c = arg;
	int msg = 1;
	eventfd_t v;
	long long t0;

	if (set_self(c->prio, c->nice)) {
		c->ret = -1;
		c->err = errno;
		atomic_store(&c->done, true);
		return NULL;
	}
	atomic_store(&c->tid, qt_gettid());
	if (c->start >= 0)
		eventfd_read(c->start, &v);
	t0 = mono_us();
	c->ret = MsgSend(c->coid, &msg, sizeof(msg), &c->rep, sizeof(c->rep));
	c->rtt_us = mono_us() - t0;
	c->err = c->ret < 0 ? errno : 0;
	atomic_store(&c->done, true);
	return NULL;
}

static int client_start(struct client *c, int coid, int prio, int nice, int start)
{
	memset(c, 0, sizeof(*c));
	c->coid = coid;
	c->prio = prio;
	c->nice = nice;
	c->start = start;
	return -pthread_create(&c->thread, NULL, client_fn, c);
}

static int client_join(struct client *c)
{
	long long end = qt_now_ms() + 3 * QT_WAIT_MS;

	while (!atomic_load(&c->done)) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return -pthread_join(c->thread, NULL);
}

/* ---- a CPU hog ---- */

struct hog {
	int efd;
	int prio;
	int run_ms;
	pthread_t thread;
	_Atomic bool stop;
	_Atomic int runs;
};

static void *hog_fn(void *arg)
{
	struct hog *h = arg;
	eventfd_t v;

	if (set_self(h->prio, 0))
		return NULL;
	for (;;) {
		eventfd_read(h->efd, &v);
		if (atomic_load(&h->stop))
			return NULL;
		spin_cpu_ms(h->run_ms);
		atomic_fetch_add(&h->runs, 1);
	}
}

static int hog_start(struct hog *h, int prio, int run_ms)
{
	memset(h, 0, sizeof(*h));
	h->prio = prio;
	h->run_ms = run_ms;
	h->efd = eventfd(0, EFD_CLOEXEC);
	if (h->efd < 0)
		return -errno;
	return -pthread_create(&h->thread, NULL, hog_fn, h);
}

static void hog_stop(struct hog *h)
{
	atomic_store(&h->stop, true);
	eventfd_write(h->efd, 1);
	pthread_join(h->thread, NULL);
	close(h->efd);
}

/* ---- the tests ---- */

FIXTURE(prio) {
	struct qt_stats before;
	int chid;
	int coid;
};

FIXTURE_VARIANT(prio) {
	unsigned int chflags;
};

FIXTURE_VARIANT_ADD(prio, inherit) {
	.chflags = 0,
};

FIXTURE_VARIANT_ADD(prio, fixed) {
	.chflags = _NTO_CHF_FIXED_PRIORITY,
};

FIXTURE_SETUP(prio)
{
	struct qchan_features f = { .size = sizeof(f) };

	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, ioctl(qchan_context_fd(), QCHAN_IOC_GET_FEATURES, &f));
	ASSERT_NE(0ULL, f.features & QCHAN_FEAT_PRIO_INHERIT);
	self->chid = ChannelCreate(variant->chflags);
	ASSERT_LE(0, self->chid);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, self->coid);
}

FIXTURE_TEARDOWN(prio)
{
	struct qt_stats now;

	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

#define INHERIT	(!(variant->chflags & _NTO_CHF_FIXED_PRIORITY))

/* A FIFO-50 client raises a FIFO-10 server to 50 while served; back to 10 after. */
TEST_F(prio, receive_rt)
{
	struct server s;
	struct client c;
	struct seen now;
	pid_t tid;

	server_init(&s, self->chid, 10, 3);
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, client_start(&c, self->coid, 50, 0, -1));
	ASSERT_EQ(0, client_join(&c));
	ASSERT_EQ(0, c.ret);
	EXPECT_EQ(SCHED_FIFO, c.rep.policy);
	EXPECT_EQ(INHERIT ? 50 : 10, c.rep.prio);
	/* Waiting in MsgReceive again, at its own priority; visible to everyone (sched_getparam). */
	ASSERT_EQ(0, qt_wait_blocked(getpid(), tid));
	seen_tid(tid, &now);
	EXPECT_EQ(SCHED_FIFO, now.policy);
	EXPECT_EQ(10, now.prio);

	/* A client below the server changes nothing. */
	ASSERT_EQ(0, client_start(&c, self->coid, 5, 0, -1));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(10, c.rep.prio);
	EXPECT_EQ(0, server_finish(&s, tid, self->coid, 10));
}

/* A SCHED_OTHER server inherits a real-time priority as SCHED_FIFO and gets its policy back. */
TEST_F(prio, other_server_rt_client)
{
	struct server s;
	struct client c;
	pid_t tid;

	server_init(&s, self->chid, 0, 1);
	s.nice = 3;
	s.after_reply = true;
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, client_start(&c, self->coid, 40, 0, -1));
	ASSERT_EQ(0, client_join(&c));
	ASSERT_EQ(0, c.ret);
	EXPECT_EQ(INHERIT ? SCHED_FIFO : SCHED_OTHER, c.rep.policy);
	EXPECT_EQ(INHERIT ? 40 : 0, c.rep.prio);
	/* The boost ends with the message, not only at the next MsgReceive. */
	atomic_store(&s.go_on, true);
	pthread_join(s.thread, NULL);
	EXPECT_EQ(SCHED_OTHER, s.later[0].policy);
	EXPECT_EQ(3, s.later[0].nice);
}

/* SCHED_OTHER clients pass their nice value on (only a better one). */
TEST_F(prio, nice)
{
	struct server s;
	struct client c;
	struct seen now;
	pid_t tid;

	server_init(&s, self->chid, 0, 2);
	s.nice = 5;
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, client_start(&c, self->coid, 0, -5, -1));
	ASSERT_EQ(0, client_join(&c));
	ASSERT_EQ(0, c.ret);
	EXPECT_EQ(SCHED_OTHER, c.rep.policy);
	EXPECT_EQ(INHERIT ? -5 : 5, c.rep.nice);
	ASSERT_EQ(0, qt_wait_blocked(getpid(), tid));
	seen_tid(tid, &now);
	EXPECT_EQ(5, now.nice);

	ASSERT_EQ(0, client_start(&c, self->coid, 0, 10, -1));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(5, c.rep.nice);
	pthread_join(s.thread, NULL);
}

/* The server's own sched_setscheduler during a boost is what it has afterwards. */
TEST_F(prio, own_setscheduler_kept)
{
	struct server s;
	struct client c;
	pid_t tid;

	server_init(&s, self->chid, 10, 1);
	s.set_self_prio = 20;
	s.after_reply = true;
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, client_start(&c, self->coid, 50, 0, -1));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(INHERIT ? 50 : 10, c.rep.prio);
	atomic_store(&s.go_on, true);
	pthread_join(s.thread, NULL);
	EXPECT_EQ(SCHED_FIFO, s.later[0].policy);
	EXPECT_EQ(20, s.later[0].prio);
}

/*
 * Send-time boost: a FIFO-50 client queues behind the FIFO-20 message the
 * FIFO-10 server is serving (after a priority-40 pulse did the same): the
 * server is at 50 at once, and stays there for the second message.
 */
TEST_F(prio, send_time_boost)
{
	struct server s;
	struct client a, b;
	pid_t tid;

	server_init(&s, self->chid, 10, 4);
	s.hold = true;
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, client_start(&a, self->coid, 20, 0, -1));
	ASSERT_EQ(0, server_wait_serving(&s, 1));
	EXPECT_EQ(0, wait_prio(tid, INHERIT ? 20 : 10));
	/* A pulse queued behind the busy server raises it at once too. */
	ASSERT_EQ(0, MsgSendPulse(self->coid, 40, 1, 0));
	EXPECT_EQ(0, wait_prio(tid, INHERIT ? 40 : 10));
	ASSERT_EQ(0, client_start(&b, self->coid, 50, 0, -1));
	ASSERT_NE(0, qt_wait_tid(&b.tid));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), b.tid));
	EXPECT_EQ(0, wait_prio(tid, INHERIT ? 50 : 10));
	atomic_store(&s.release, true);
	ASSERT_EQ(0, client_join(&a));
	ASSERT_EQ(0, client_join(&b));
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, b.ret);
	EXPECT_EQ(INHERIT ? 20 : 10, a.rep.prio);	/* seen before the hold */
	EXPECT_EQ(INHERIT ? 50 : 10, b.rep.prio);
	EXPECT_EQ(0, server_finish(&s, tid, self->coid, 10));
}

/* A pulse raises its receiver to the pulse's priority until its next MsgReceive. */
TEST_F(prio, pulse)
{
	struct server s;
	struct seen now;
	pid_t tid;

	server_init(&s, self->chid, 10, 3);
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, MsgSendPulse(self->coid, 40, 1, 0));
	ASSERT_EQ(0, server_wait_serving(&s, 1));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), tid));
	EXPECT_EQ(INHERIT ? 40 : 10, s.saw[0].prio);
	seen_tid(tid, &now);
	EXPECT_EQ(10, now.prio);
	ASSERT_EQ(0, MsgSendPulse(self->coid, 30, 1, 0));
	ASSERT_EQ(0, server_wait_serving(&s, 2));
	EXPECT_EQ(0, server_finish(&s, tid, self->coid, 10));
	EXPECT_EQ(INHERIT ? 30 : 10, s.saw[1].prio);
}

/*
 * A pulse raises no higher than its sender could set itself: an unprivileged
 * SCHED_OTHER sender with RLIMIT_RTPRIO 0 raises nobody with priority 60.
 */
TEST_F(prio, pulse_capped)
{
	struct server s;
	pid_t tid, child;

	server_init(&s, self->chid, 10, 3);
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int coid = ConnectAttach(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0);
		struct rlimit rl = { 0, 0 };

		if (coid < 0 || setrlimit(RLIMIT_RTPRIO, &rl) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(1);
		_exit(MsgSendPulse(coid, 60, 1, 0) ? 3 : 0);
	}
	EXPECT_EQ(0, qt_child_result(child));
	ASSERT_EQ(0, server_wait_serving(&s, 1));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), tid));
	EXPECT_EQ(10, s.saw[0].prio);
	/* The same pulse from a sender with CAP_SYS_NICE: 60, and above 99 is 99. */
	ASSERT_EQ(0, MsgSendPulse(self->coid, 200, 1, 0));
	ASSERT_EQ(0, server_wait_serving(&s, 2));
	EXPECT_EQ(0, server_finish(&s, tid, self->coid, 10));
	EXPECT_EQ(INHERIT ? 99 : 10, s.saw[1].prio);
}

/* Transitive: client 50 -> server 10 -> server 5: both servers run at 50. */
TEST_F(prio, chain)
{
	struct server s1, s2;
	struct client c;
	pid_t t1, t2;
	int chid2, coid2;

	chid2 = ChannelCreate(variant->chflags);
	ASSERT_LE(0, chid2);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid2);
	server_init(&s2, chid2, 5, 2);
	s2.hold = true;
	t2 = server_start(&s2);
	ASSERT_LT(0, t2);
	server_init(&s1, self->chid, 10, 2);
	s1.fwd_coid = coid2;
	t1 = server_start(&s1);
	ASSERT_LT(0, t1);

	ASSERT_EQ(0, client_start(&c, self->coid, 50, 0, -1));
	ASSERT_EQ(0, server_wait_serving(&s2, 1));
	EXPECT_EQ(0, wait_prio(t1, INHERIT ? 50 : 10));
	EXPECT_EQ(0, wait_prio(t2, INHERIT ? 50 : 5));
	atomic_store(&s2.release, true);
	ASSERT_EQ(0, client_join(&c));
	ASSERT_EQ(0, c.ret);
	EXPECT_EQ(INHERIT ? 50 : 5, c.rep.prio);
	EXPECT_EQ(0, server_finish(&s1, t1, self->coid, 10));
	EXPECT_EQ(0, server_finish(&s2, t2, coid2, 5));
	ConnectDetach(coid2);
	ChannelDestroy(chid2);
}

/*
 * A boost that comes after the chain formed goes down it, and back: client
 * 20 -> server 10 -> server 5 runs both at 20; a client process at 50 that
 * queues on the first server (busy: blocked in its own send) raises both to
 * 50; its kill -9 brings both back to 20.
 */
TEST_F(prio, chain_late_boost)
{
	struct server s1, s2;
	struct client a;
	pid_t t1, t2, child;
	int chid2, coid2;

	chid2 = ChannelCreate(variant->chflags);
	ASSERT_LE(0, chid2);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid2);
	server_init(&s2, chid2, 5, 2);
	s2.hold = true;
	t2 = server_start(&s2);
	ASSERT_LT(0, t2);
	server_init(&s1, self->chid, 10, 2);
	s1.fwd_coid = coid2;
	t1 = server_start(&s1);
	ASSERT_LT(0, t1);

	ASSERT_EQ(0, client_start(&a, self->coid, 20, 0, -1));
	ASSERT_EQ(0, server_wait_serving(&s2, 1));
	EXPECT_EQ(0, wait_prio(t1, INHERIT ? 20 : 10));
	EXPECT_EQ(0, wait_prio(t2, INHERIT ? 20 : 5));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int coid = ConnectAttach(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0);
		int msg = 0;

		if (coid < 0 || set_self(50, 0))
			_exit(1);
		MsgSend(coid, &msg, sizeof(msg), NULL, 0);
		_exit(2);
	}
	ASSERT_EQ(0, qt_wait_blocked(child, child));
	EXPECT_EQ(0, wait_prio(t1, INHERIT ? 50 : 10));
	EXPECT_EQ(0, wait_prio(t2, INHERIT ? 50 : 5));
	kill(child, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	EXPECT_EQ(0, wait_prio(t1, INHERIT ? 20 : 10));
	EXPECT_EQ(0, wait_prio(t2, INHERIT ? 20 : 5));

	atomic_store(&s2.release, true);
	ASSERT_EQ(0, client_join(&a));
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(INHERIT ? 20 : 5, a.rep.prio);	/* S2 looked before the hold */
	EXPECT_EQ(0, server_finish(&s1, t1, self->coid, 10));
	EXPECT_EQ(0, server_finish(&s2, t2, coid2, 5));
	ConnectDetach(coid2);
	ChannelDestroy(chid2);
}

/* Polls the view until @chid's channel line shows the queue depths @qprio; 0 if it does. */
static int wait_qprio(int chid, const char *qprio)
{
	char ids[64], want[64], *line;

	snprintf(ids, sizeof(ids), " pid=%d chid=%d", getpid(), chid);
	snprintf(want, sizeof(want), " qprio=%s", qprio);
	line = qt_view_wait("channel", ids, want, NULL);
	if (!line)
		return -ETIMEDOUT;
	free(line);
	return 0;
}

/*
 * A sender whose priority changes while it is queued moves to its new
 * priority's place in the queue, and back to the end of its old one:
 * server 10, raised to 20 by its client, queues on a second channel behind
 * 30 and in front of another 20 (then 15, 15); a client process at 50
 * raises it to the front; its kill -9 puts it behind that other 20.
 * Without inheritance it stays at 10, last.
 */
TEST_F(prio, queued_sender_moves)
{
	enum { NB = 4 };
	static const int bprio[NB] = { 30, 15, 15, 20 };	/* the last sends after the server */
	pid_t t1, child, btid[NB], want[NB + 1];
	struct client a, b[NB];
	struct _msg_info info;
	struct seen rep = {};
	int chid2, coid2, i, msg, rcvid;
	struct server s1;

	/* Fixed: the test's thread receives there without being raised itself. */
	chid2 = ChannelCreate(_NTO_CHF_FIXED_PRIORITY);
	ASSERT_LE(0, chid2);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid2);
	server_init(&s1, self->chid, 10, 2);
	s1.fwd_coid = coid2;
	t1 = server_start(&s1);
	ASSERT_LT(0, t1);

	for (i = 0; i < NB - 1; i++) {
		ASSERT_EQ(0, client_start(&b[i], coid2, bprio[i], 0, -1));
		btid[i] = qt_wait_tid(&b[i].tid);
		ASSERT_NE(0, btid[i]);
		ASSERT_EQ(0, qt_wait_blocked(getpid(), btid[i]));
	}
	ASSERT_EQ(0, client_start(&a, self->coid, 20, 0, -1));
	ASSERT_EQ(0, server_wait_serving(&s1, 1));
	ASSERT_EQ(0, wait_qprio(chid2, INHERIT ? "30:1,20:1,15:2" : "30:1,15:2,10:1"));
	ASSERT_EQ(0, client_start(&b[NB - 1], coid2, bprio[NB - 1], 0, -1));
	btid[NB - 1] = qt_wait_tid(&b[NB - 1].tid);
	ASSERT_NE(0, btid[NB - 1]);
	ASSERT_EQ(0, qt_wait_blocked(getpid(), btid[NB - 1]));
	ASSERT_EQ(0, wait_qprio(chid2, INHERIT ? "30:1,20:2,15:2" : "30:1,20:1,15:2,10:1"));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int coid = ConnectAttach(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0);

		msg = 0;
		if (coid < 0 || set_self(50, 0))
			_exit(1);
		MsgSend(coid, &msg, sizeof(msg), NULL, 0);
		_exit(2);
	}
	ASSERT_EQ(0, qt_wait_blocked(child, child));
	EXPECT_EQ(0, wait_qprio(chid2, INHERIT ? "50:1,30:1,20:1,15:2" : "30:1,20:1,15:2,10:1"));
	kill(child, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	EXPECT_EQ(0, wait_prio(t1, INHERIT ? 20 : 10));
	EXPECT_EQ(0, wait_qprio(chid2, INHERIT ? "30:1,20:2,15:2" : "30:1,20:1,15:2,10:1"));

	/* Highest first, FIFO within a priority: the server's 20 now behind the other 20. */
	want[0] = btid[0];
	want[1] = btid[3];
	if (INHERIT) {
		want[2] = t1;
		want[3] = btid[1];
		want[4] = btid[2];
	} else {
		want[2] = btid[1];
		want[3] = btid[2];
		want[4] = t1;
	}
	for (i = 0; i < NB + 1; i++) {
		rcvid = MsgReceive(chid2, &msg, sizeof(msg), &info);
		ASSERT_LT(0, rcvid);
		EXPECT_EQ(want[i], info.tid) TH_LOG("position %d", i);
		ASSERT_EQ(0, MsgReply(rcvid, 0, &rep, sizeof(rep)));
	}
	for (i = 0; i < NB; i++) {
		ASSERT_EQ(0, client_join(&b[i]));
		EXPECT_EQ(0, b[i].ret);
	}
	ASSERT_EQ(0, client_join(&a));
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, server_finish(&s1, t1, self->coid, 10));
	ConnectDetach(coid2);
	ChannelDestroy(chid2);
}

/*
 * kill -9 of a REPLY-blocked client process mid-boost: the server comes
 * back down at once, though it never replies.
 */
TEST_F(prio, kill_reply_blocked_client)
{
	struct server s;
	pid_t tid, child;

	server_init(&s, self->chid, 10, 1);
	s.hold = true;
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int coid = ConnectAttach(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0);
		int msg = 0;

		if (coid < 0 || set_self(50, 0))
			_exit(1);
		MsgSend(coid, &msg, sizeof(msg), NULL, 0);
		_exit(2);
	}
	ASSERT_EQ(0, server_wait_serving(&s, 1));
	EXPECT_EQ(0, wait_prio(tid, INHERIT ? 50 : 10));
	kill(child, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	EXPECT_EQ(0, wait_prio(tid, 10));
	atomic_store(&s.release, true);
	pthread_join(s.thread, NULL);
	EXPECT_EQ(ESRCH, s.reply_err[0]);
}

/* kill -9 of a SEND-blocked client that raised a busy server: back to the held message's 20. */
TEST_F(prio, kill_queued_client)
{
	struct server s;
	struct client a;
	pid_t tid, child;

	server_init(&s, self->chid, 10, 2);
	s.hold = true;
	tid = server_start(&s);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, client_start(&a, self->coid, 20, 0, -1));
	ASSERT_EQ(0, server_wait_serving(&s, 1));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		int coid = ConnectAttach(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0);
		int msg = 0;

		if (coid < 0 || set_self(50, 0))
			_exit(1);
		MsgSend(coid, &msg, sizeof(msg), NULL, 0);
		_exit(2);
	}
	EXPECT_EQ(0, wait_prio(tid, INHERIT ? 50 : 10));
	ASSERT_EQ(0, qt_wait_blocked(child, child));
	kill(child, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	EXPECT_EQ(0, wait_prio(tid, INHERIT ? 20 : 10));
	atomic_store(&s.release, true);
	ASSERT_EQ(0, client_join(&a));
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, server_finish(&s, tid, self->coid, 10));
}

/*
 * kill -9 of a boosted server process, serving or raised by a queued
 * client: the clients fail with ESRCH and keep their own priorities.
 */
TEST_F(prio, kill_boosted_server)
{
	for (int queued = 0; queued < 2; queued++) {
		struct client a, b;
		struct seen now;
		int ready[2], chid, coid;
		pid_t child;

		ASSERT_EQ(0, pipe(ready));
		child = fork();
		ASSERT_LE(0, child);
		if (!child) {
			int msg;

			chid = ChannelCreate(variant->chflags);
			if (chid < 0 || set_self(10, 0) || qt_write_int(ready[1], chid))
				_exit(1);
			MsgReceive(chid, &msg, sizeof(msg), NULL);
			for (;;)
				pause();
		}
		ASSERT_EQ(0, qt_read_int(ready[0], &chid));
		close(ready[0]);
		close(ready[1]);
		coid = ConnectAttach(0, child, chid, _NTO_SIDE_CHANNEL, 0);
		ASSERT_LE(0, coid);
		ASSERT_EQ(0, qt_wait_blocked(child, child));
		ASSERT_EQ(0, client_start(&a, coid, queued ? 20 : 50, 0, -1));
		/* Blocked before the kill (ESRCH); a send after it would find no channel (EBADF). */
		ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&a.tid)));
		EXPECT_EQ(0, wait_prio(child, INHERIT ? (queued ? 20 : 50) : 10));
		if (queued) {
			ASSERT_EQ(0, client_start(&b, coid, 50, 0, -1));
			ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&b.tid)));
			EXPECT_EQ(0, wait_prio(child, INHERIT ? 50 : 10));
		}
		kill(child, SIGKILL);
		EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
		ASSERT_EQ(0, client_join(&a));
		EXPECT_EQ(-1, a.ret);
		EXPECT_EQ(ESRCH, a.err);
		if (queued) {
			ASSERT_EQ(0, client_join(&b));
			EXPECT_EQ(ESRCH, b.err);
		}
		/* The clients' threads are gone; this thread was never touched. */
		seen_self(&now);
		EXPECT_EQ(SCHED_OTHER, now.policy);
		ConnectDetach(coid);
	}
}

/*
 * The inversion, on one CPU: a FIFO-50 client, a FIFO-10 server whose
 * message takes WORK_MS of CPU, and a FIFO-30 hog that wakes when the work
 * starts and burns HOG_MS.  @mode: 0 the client's message is received at
 * once; 1 it queues behind a FIFO-20 message (send-time boost); 2 the
 * server hands it on to a second FIFO-10 server, which does the work
 * (chain).  Returns the FIFO-50 client's round trip in microseconds.
 */
#define WORK_MS	10
#define HOG_MS	(20 * WORK_MS)

static long long inversion(struct __test_metadata *_metadata, unsigned int chflags, int mode)
{
	struct server s1, s2;
	struct client lo, hi;
	struct hog hog;
	int chid, coid, chid2 = -1, coid2 = -1, go;
	long long rtt;

	ASSERT_EQ(0, pin_cpu0());
	chid = ChannelCreate(chflags);
	ASSERT_LE(0, chid);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid);
	ASSERT_EQ(0, hog_start(&hog, 30, HOG_MS));
	go = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, go);

	server_init(&s1, chid, 10, mode == 1 ? 2 : 1);
	if (mode == 2) {
		chid2 = ChannelCreate(chflags);
		ASSERT_LE(0, chid2);
		coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
		ASSERT_LE(0, coid2);
		server_init(&s2, chid2, 10, 1);
		s2.work_ms = WORK_MS;
		s2.hog = hog.efd;
		ASSERT_LT(0, server_start(&s2));
		s1.fwd_coid = coid2;
	} else {
		s1.work_ms = WORK_MS;
		s1.hog = mode == 0 ? hog.efd : -1;
	}
	if (mode == 1) {
		/* The first message lets the FIFO-50 client queue, then wakes the hog. */
		s1.poke_first = go;
		s1.hog = hog.efd;
	}
	ASSERT_LT(0, server_start(&s1));

	if (mode == 1) {
		ASSERT_EQ(0, client_start(&hi, coid, 50, 0, go));
		ASSERT_NE(0, qt_wait_tid(&hi.tid));
		ASSERT_EQ(0, client_start(&lo, coid, 20, 0, -1));
		ASSERT_EQ(0, client_join(&lo));
		EXPECT_EQ(0, lo.ret);
	} else {
		ASSERT_EQ(0, client_start(&hi, coid, 50, 0, -1));
	}
	ASSERT_EQ(0, client_join(&hi));
	EXPECT_EQ(0, hi.ret);
	rtt = hi.rtt_us;

	pthread_join(s1.thread, NULL);
	if (mode == 2) {
		pthread_join(s2.thread, NULL);
		ConnectDetach(coid2);
		ChannelDestroy(chid2);
	}
	hog_stop(&hog);
	EXPECT_LE(1, atomic_load(&hog.runs));
	close(go);
	ConnectDetach(coid);
	ChannelDestroy(chid);
	return rtt;
}

static void inversion_test(struct __test_metadata *_metadata, unsigned int chflags, int mode)
{
	long long rtt = inversion(_metadata, chflags, mode);

	TH_LOG("mode %d %s: round trip %lld us (work %d ms, hog %d ms)", mode,
	       chflags ? "FIXED_PRIORITY" : "inherit", rtt, WORK_MS, HOG_MS);
	/*
	 * Thread CPU time paces the work and the hog, so a loaded host
	 * stretches both: the ratio to the hog's run is what tells.
	 */
	if (chflags) {
		EXPECT_LT(HOG_MS * 1000LL, rtt);
	} else {
		EXPECT_GT(HOG_MS * 1000LL / 2, rtt);
	}
}

TEST_F(prio, inversion_receive)
{
	inversion_test(_metadata, variant->chflags, 0);
}

TEST_F(prio, inversion_send_time)
{
	inversion_test(_metadata, variant->chflags, 1);
}

TEST_F(prio, inversion_chain)
{
	inversion_test(_metadata, variant->chflags, 2);
}

/* ---- a thread holding several messages at once ---- */

#define HOLD_N	3

static const int hold_prios[HOLD_N] = { 20, 40, 30 };	/* the clients' */
static const int hold_order[HOLD_N] = { 40, 20, 30 };	/* the replies' */

struct holder {
	int chid;
	struct client *c;	/* at hold_prios[i] */
	_Atomic pid_t tid;
	int err;
	struct seen all;	/* holding every message */
	struct seen after[HOLD_N];	/* after each reply, once its client returned */
};

static void *holder_fn(void *arg)
{
	struct holder *h = arg;
	int rcvid[HOLD_N], prio[HOLD_N], msg;
	struct _msg_info info;
	struct seen rep;

	if (set_self(10, 0)) {
		h->err = errno;
		return NULL;
	}
	atomic_store(&h->tid, qt_gettid());
	for (int i = 0; i < HOLD_N; i++) {
		rcvid[i] = MsgReceive(h->chid, &msg, sizeof(msg), &info);
		if (rcvid[i] <= 0) {
			h->err = rcvid[i] ? errno : EPROTO;
			return NULL;
		}
		prio[i] = info.priority;
	}
	seen_self(&h->all);
	for (int k = 0; k < HOLD_N; k++) {
		struct client *c = NULL;
		long long end = qt_now_ms() + QT_WAIT_MS;

		for (int i = 0; i < HOLD_N; i++) {
			if (prio[i] != hold_order[k])
				continue;
			seen_self(&rep);
			if (MsgReply(rcvid[i], 0, &rep, sizeof(rep)))
				h->err = errno;
		}
		for (int i = 0; i < HOLD_N; i++)
			if (hold_prios[i] == hold_order[k])
				c = &h->c[i];
		/* Its MsgSend returns once it has brought us down: then we look. */
		while (!atomic_load(&c->done) && qt_now_ms() < end)
			qt_sleep_ms(1);
		seen_self(&h->after[k]);
	}
	return NULL;
}

/*
 * A thread holding several messages (REPLY-blocked clients at 20, 40, 30)
 * runs at the best one it still holds: 40, then 30 once 40 is replied to,
 * still 30 after 20, its own 10 after the last.
 */
TEST_F(prio, holds_several)
{
	struct client c[HOLD_N];
	struct holder h = { .chid = self->chid, .c = c };
	pthread_t thread;
	pid_t tid;

	ASSERT_EQ(0, pthread_create(&thread, NULL, holder_fn, &h));
	tid = qt_wait_tid(&h.tid);
	ASSERT_LT(0, tid);
	ASSERT_EQ(0, qt_wait_blocked(getpid(), tid));
	for (int i = 0; i < HOLD_N; i++)
		ASSERT_EQ(0, client_start(&c[i], self->coid, hold_prios[i], 0, -1));
	for (int i = 0; i < HOLD_N; i++) {
		ASSERT_EQ(0, client_join(&c[i]));
		EXPECT_EQ(0, c[i].ret);
	}
	pthread_join(thread, NULL);
	ASSERT_EQ(0, h.err);
	EXPECT_EQ(SCHED_FIFO, h.all.policy);
	EXPECT_EQ(INHERIT ? 40 : 10, h.all.prio);
	EXPECT_EQ(INHERIT ? 30 : 10, h.after[0].prio);
	EXPECT_EQ(INHERIT ? 30 : 10, h.after[1].prio);
	EXPECT_EQ(10, h.after[2].prio);
	EXPECT_EQ(SCHED_FIFO, h.after[2].policy);
}

TEST_HARNESS_MAIN
