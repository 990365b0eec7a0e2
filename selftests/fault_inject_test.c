// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation and copy failures inside the module's operations, on a kernel
 * with fault injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
 * CONFIG_FAULT_INJECTION_USERCOPY: the 6.1-debug kernel); elsewhere every
 * test skips.
 *
 * Systematic: for each operation, /proc/thread-self/fail-nth makes the 1st,
 * then the 2nd, 3rd, ... fault-injection point the calling thread passes
 * fail (a slab allocation, a page allocation, a user copy), until the
 * operation completes without reaching the nth.  Every injected failure must
 * end in success (the module recovered) or in a clean errno (ENOMEM, EAGAIN,
 * EFAULT), the objects involved must stay usable (the same operation without
 * injection works, a blocked peer is released), and the live-object counters
 * must return to where they were.
 *
 * Random: a child process with make-it-fail (the failslab and
 * fail_page_alloc task filter) runs a burst of operations with a share of
 * its allocations failing; it must exit promptly (no D state), and the
 * counters must come back.
 *
 * The kernel runs with panic_on_warn: a WARNING, BUG, KASAN or lockdep
 * report ends the guest, and the 6.1-debug guest checks kmemleak afterwards.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/neutrino.h>
#include <sys/dispatch.h>

#include "kselftest_harness.h"

#define FI_DBG		"/sys/kernel/debug/"
#define FI_MAX_NTH	400	/* no single operation passes this many injection points */
#define FI_MSG		64
#define FI_BIG		(3 * 4096 + 123)	/* beyond any inline copy: pinned pages */
#define FI_QUIT_CODE	(_PULSE_CODE_MINAVAIL + 1)

static const uint64_t fi_wait_ns = 5000000000ULL;

/* ESRVRFAULT: a server's own buffer copy failed (MsgRead, MsgReply, MsgReceive's). */
static bool fi_clean_errno(int err)
{
	return err == ENOMEM || err == EAGAIN || err == EFAULT || err == ESRVRFAULT;
}

static int fi_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * Sleeping allocations count (the defaults skip them: then GFP_KERNEL never
 * fails), order-0 pages too; nothing is logged per failure (a stack dump
 * would read as a kernel problem).  Probability stays 0: only fail-nth and,
 * in the burst, make-it-fail tasks see failures.
 */
static int fi_configure(bool on, unsigned int probability)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc", "fail_usercopy" };
	char path[128], prob[16];
	unsigned int i;
	int err = 0;

	snprintf(prob, sizeof(prob), "%u", probability);
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), FI_DBG "%s/verbose", attrs[i]);
		err = err ?: fi_write(path, "0");
		snprintf(path, sizeof(path), FI_DBG "%s/task-filter", attrs[i]);
		err = err ?: fi_write(path, "Y");
		snprintf(path, sizeof(path), FI_DBG "%s/times", attrs[i]);
		err = err ?: fi_write(path, "-1");
		snprintf(path, sizeof(path), FI_DBG "%s/interval", attrs[i]);
		err = err ?: fi_write(path, "1");
		snprintf(path, sizeof(path), FI_DBG "%s/probability", attrs[i]);
		/* User copies: the systematic part covers them; random EFAULTs add little. */
		err = err ?: fi_write(path, i == 2 ? "0" : prob);
	}
	err = err ?: fi_write(FI_DBG "failslab/ignore-gfp-wait", on ? "N" : "Y");
	err = err ?: fi_write(FI_DBG "fail_page_alloc/ignore-gfp-wait", on ? "N" : "Y");
	err = err ?: fi_write(FI_DBG "fail_page_alloc/min-order", on ? "0" : "1");
	return err;
}

FIXTURE(fi) {
	struct qt_stats before;
	struct qt_stats base;	/* with the test's own objects: what every round returns to */
	int nth;	/* /proc/thread-self/fail-nth of the test's thread */
	int chid;
	int coid;
	pthread_t server;
	bool server_up;
};

/* Makes the @n-th injection point this thread passes from now on fail. */
static void fi_arm(FIXTURE_DATA(fi) *self, int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(self->nth, buf, len, 0) != len)
		abort();
}

/*
 * Disarms; true if the failure was injected since fi_arm().  The read's copy
 * to user space and the write's copy from it are injection points themselves
 * (fail_usercopy): a read failing with EFAULT took the last count, so the
 * operation did not; the write disarms whether its copy fails or not.
 */
static bool fi_disarm(FIXTURE_DATA(fi) *self)
{
	char buf[16] = "";
	ssize_t n = pread(self->nth, buf, sizeof(buf) - 1, 0);

	if (n <= 0 && errno != EFAULT)
		abort();
	if (pwrite(self->nth, "0", 1, 0) != 1 && errno != EFAULT)
		abort();
	return n > 0 && atoi(buf) == 0;
}

FIXTURE_SETUP(fi)
{
	self->nth = -1;
	self->chid = -1;
	self->coid = -1;
	self->server_up = false;
	if (access("/proc/thread-self/fail-nth", W_OK) || access(FI_DBG "failslab", F_OK) ||
	    access(FI_DBG "fail_page_alloc", F_OK) || access(FI_DBG "fail_usercopy", F_OK))
		return;	/* every test skips: FI_REQUIRE */
	ASSERT_EQ(0, fi_configure(true, 0));
	self->nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth);
	ASSERT_EQ(0, qt_stats_read(&self->before));
}

FIXTURE_TEARDOWN(fi)
{
	struct qt_stats now;

	if (self->nth < 0)
		return;
	if (self->server_up) {
		MsgSendPulse(self->coid, 10, FI_QUIT_CODE, 0);
		pthread_join(self->server, NULL);
	}
	if (self->coid >= 0)
		ConnectDetach(self->coid);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, fi_configure(false, 0));
	close(self->nth);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld pulses %ld->%ld timers %ld->%ld pinned %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pulses, now.pulses, self->before.timers, now.timers,
		       self->before.pinned_pages, now.pinned_pages);
}

/* The 6.1 harness runs the test after a setup that skipped: each test says it. */
#define FI_REQUIRE() do {								\
	if (self->nth < 0)								\
		SKIP(return, "no fault injection in this kernel (6.1-debug has it)");	\
} while (0)

/* Checks one armed call: @ok it succeeded, else @err.  True: go on with n + 1. */
#define FI_OUTCOME(what, n, hit, ok, err) ({						\
	bool __go = (hit);								\
	if (!(hit)) {									\
		EXPECT_TRUE(ok) TH_LOG("%s without an injected failure: %s", what,	\
				       strerror(err));					\
	} else {									\
		EXPECT_TRUE((ok) || fi_clean_errno(err))				\
			TH_LOG("%s, injection point %d: %s (%d)", what, n,		\
			       strerror(err), err);					\
	}										\
	__go;										\
})

/* The counters every round must return to: taken once the test's own objects exist. */
#define FI_BASE() ASSERT_EQ(0, qt_stats_read(&self->base))

/* After a failed or completed round: nothing of it may stay behind. */
#define FI_SETTLED(what, n) do {							\
	struct qt_stats __now;								\
	EXPECT_EQ(0, qt_stats_wait_settled(&self->base, &__now))			\
		TH_LOG("%s, injection point %d: objects left behind", what, n);	\
} while (0)

static void fi_open_channel(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self)
{
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
}

TEST_F(fi, channel_create_destroy)
{
	int n, chid, err;
	bool hit, ok;

	FI_REQUIRE();

	FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
		fi_arm(self, n);
		chid = ChannelCreate(0);
		err = errno;
		hit = fi_disarm(self);
		if (!FI_OUTCOME("ChannelCreate", n, hit, chid > 0, err)) {
			if (chid > 0)
				ASSERT_EQ(0, ChannelDestroy(chid));
			break;
		}
		if (chid > 0) {
			/* Teardown under injection too: it may not fail, nor leak. */
			fi_arm(self, n);
			ok = ChannelDestroy(chid) == 0;
			err = errno;
			fi_disarm(self);
			EXPECT_TRUE(ok) TH_LOG("ChannelDestroy, injection point %d: %s", n,
					       strerror(err));
		}
		FI_SETTLED("ChannelCreate", n);
	}
	EXPECT_LT(n, FI_MAX_NTH);
}

TEST_F(fi, connect_attach_detach)
{
	int n, coid, err;
	bool hit;

	FI_REQUIRE();

	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
		fi_arm(self, n);
		coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
		err = errno;
		hit = fi_disarm(self);
		if (!FI_OUTCOME("ConnectAttach", n, hit, coid >= 0, err)) {
			if (coid >= 0)
				ASSERT_EQ(0, ConnectDetach(coid));
			break;
		}
		if (coid >= 0) {
			fi_arm(self, n);
			EXPECT_EQ(0, ConnectDetach(coid));
			fi_disarm(self);
		}
		/* The channel still takes connections. */
		coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
		ASSERT_GE(coid, 0);
		ASSERT_EQ(0, ConnectDetach(coid));
	}
	EXPECT_LT(n, FI_MAX_NTH);
}

/* An echo server on its own thread (never armed): replies with the message, byte-wise inverted. */
static void *fi_server(void *arg)
{
	FIXTURE_DATA(fi) *self = arg;
	static char buf[FI_BIG];
	struct _msg_info info;
	int rcvid;

	for (;;) {
		rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
		if (rcvid == 0) {
			if (((struct _pulse *)buf)->code == FI_QUIT_CODE)
				return NULL;
			continue;
		}
		if (rcvid < 0)
			continue;
		for (int i = 0; i < info.msglen; i++)
			buf[i] = (char)~buf[i];
		MsgReply(rcvid, info.msglen, buf, info.msglen);
	}
}

static void fi_send_sized(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
			  size_t len)
{
	static char sbuf[FI_BIG], rbuf[FI_BIG];
	long ret;
	int n, err;
	bool hit;

	fi_open_channel(_metadata, self);
	ASSERT_EQ(0, pthread_create(&self->server, NULL, fi_server, self));
	self->server_up = true;
	qt_fill(sbuf, len, 7, 0);
	FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
		memset(rbuf, 0, len);
		fi_arm(self, n);
		ret = MsgSend(self->coid, sbuf, len, rbuf, len);
		err = errno;
		hit = fi_disarm(self);
		if (ret == (long)len) {
			for (size_t i = 0; i < len; i++) {
				ASSERT_EQ((char)~sbuf[i], rbuf[i]) TH_LOG("byte %zu, point %d", i, n);
			}
		}
		if (!FI_OUTCOME("MsgSend", n, hit, ret == (long)len, err))
			break;
		FI_SETTLED("MsgSend", n);
	}
	EXPECT_LT(n, FI_MAX_NTH);
}

TEST_F(fi, msg_send_small)
{
	FI_REQUIRE();
	fi_send_sized(_metadata, self, FI_MSG);
}

TEST_F(fi, msg_send_big)
{
	FI_REQUIRE();
	fi_send_sized(_metadata, self, FI_BIG);
}

/* The server side armed: MsgReceive, MsgRead, MsgReply; the client must never stay stuck. */
static void fi_serve_sized(struct __test_metadata *_metadata, FIXTURE_DATA(fi) *self,
			   size_t len)
{
	static char sbuf[FI_BIG], rbuf[FI_BIG], buf[FI_BIG];
	struct qt_client c;
	int n, err, rcvid, step;
	bool hit, ok;

	fi_open_channel(_metadata, self);
	qt_fill(sbuf, len, 9, 0);
	for (step = 0; step < 3; step++) {
		FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
			ASSERT_EQ(0, qt_client_send(&c, self->coid, sbuf, len, rbuf, len));
			if (step == 0)
				fi_arm(self, n);
			rcvid = MsgReceive(self->chid, buf, len, NULL);
			err = errno;
			hit = step == 0 ? fi_disarm(self) : false;
			if (step == 0 && !FI_OUTCOME("MsgReceive", n, hit, rcvid > 0, err))
				n = FI_MAX_NTH;
			if (rcvid <= 0) {
				/*
				 * Either the message is still queued and an unarmed
				 * receive gets it, or the client has its error.
				 */
				ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE,
							  NULL, &fi_wait_ns, NULL));
				rcvid = MsgReceive(self->chid, buf, len, NULL);
				if (rcvid <= 0) {
					ASSERT_EQ(ETIMEDOUT, errno);
					ASSERT_EQ(0, qt_client_join(&c))
						TH_LOG("point %d: no message and a stuck client", n);
					EXPECT_EQ(-1, c.ret);
					FI_SETTLED("MsgReceive", n);
					continue;
				}
			} else {
				ASSERT_EQ(-1, qt_check(buf, len, 9, 0));
			}
			if (step == 1)
				fi_arm(self, n);
			ok = MsgRead(rcvid, buf, len, 0) == (long)len;
			err = errno;
			hit = step == 1 ? fi_disarm(self) : false;
			if (step == 1 && !FI_OUTCOME("MsgRead", n, hit, ok, err))
				n = FI_MAX_NTH;
			qt_fill(buf, len, 10, 0);
			if (step == 2)
				fi_arm(self, n);
			ok = MsgReply(rcvid, 3, buf, len) == 0;
			err = errno;
			hit = step == 2 ? fi_disarm(self) : false;
			if (step == 2 && !FI_OUTCOME("MsgReply", n, hit, ok, err))
				n = FI_MAX_NTH;
			if (!ok) {
				/* Either the rcvid is still there, or the client has its error. */
				if (MsgError(rcvid, EIO) != 0)
					EXPECT_TRUE(atomic_load(&c.done) || errno == ESRCH);
			}
			ASSERT_EQ(0, qt_client_join(&c)) TH_LOG("client stuck after point %d", n);
			if (ok) {
				EXPECT_EQ(3, c.ret);
				EXPECT_EQ(-1, qt_check(rbuf, len, 10, 0));
			} else {
				EXPECT_EQ(-1, c.ret);
			}
			FI_SETTLED("server side", n);
		}
	}
}

TEST_F(fi, msg_serve_small)
{
	FI_REQUIRE();
	fi_serve_sized(_metadata, self, FI_MSG);
}

TEST_F(fi, msg_serve_big)
{
	FI_REQUIRE();
	fi_serve_sized(_metadata, self, FI_BIG);
}

TEST_F(fi, pulses)
{
	struct _pulse p;
	int n, err, r;
	bool hit;

	FI_REQUIRE();

	fi_open_channel(_metadata, self);
	FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
		fi_arm(self, n);
		r = MsgSendPulse(self->coid, 10, 5, n);
		err = errno;
		hit = fi_disarm(self);
		if (r == 0) {
			fi_arm(self, n);
			r = MsgReceivePulse(self->chid, &p, sizeof(p), NULL);
			err = errno;
			fi_disarm(self);
			if (r == 0) {
				EXPECT_EQ(5, p.code);
				EXPECT_EQ(n, p.value.sival_int);
			} else {
				EXPECT_TRUE(fi_clean_errno(err)) TH_LOG("MsgReceivePulse, point %d: %s",
									n, strerror(err));
				/* Still queued or gone with the fault: either way nothing stays. */
				ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE,
							  NULL, &fi_wait_ns, NULL));
				MsgReceivePulse(self->chid, &p, sizeof(p), NULL);
			}
			r = 0;
		}
		if (!FI_OUTCOME("MsgSendPulse", n, hit, r == 0, err))
			break;
		FI_SETTLED("MsgSendPulse", n);
	}
	EXPECT_LT(n, FI_MAX_NTH);
}

TEST_F(fi, timers)
{
	struct _itimer it = { 1000000, 0 };
	struct sigevent ev;
	struct _pulse p;
	int n, err, id, r;
	bool hit;

	FI_REQUIRE();

	fi_open_channel(_metadata, self);
	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, self->coid, 10, _PULSE_CODE_MINAVAIL + 2, 0);
	FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
		fi_arm(self, n);
		id = TimerCreate(CLOCK_MONOTONIC, &ev);
		err = errno;
		hit = fi_disarm(self);
		if (!FI_OUTCOME("TimerCreate", n, hit, id >= 0, err))
			n = FI_MAX_NTH;
		if (id < 0)
			id = TimerCreate(CLOCK_MONOTONIC, &ev);
		ASSERT_GE(id, 0);
		fi_arm(self, n);
		r = TimerSettime((timer_t)(intptr_t)id, 0, &it, NULL);
		err = errno;
		hit = fi_disarm(self);
		if (r == 0)
			ASSERT_EQ(0, MsgReceivePulse(self->chid, &p, sizeof(p), NULL));
		FI_OUTCOME("TimerSettime", n, hit, r == 0, err);
		fi_arm(self, n);
		r = TimerDestroy((timer_t)(intptr_t)id);
		err = errno;
		fi_disarm(self);
		if (r) {
			/* A clean failure leaves the timer: an unarmed destroy takes it. */
			EXPECT_TRUE(fi_clean_errno(err)) TH_LOG("TimerDestroy, point %d: %s",
								n, strerror(err));
			EXPECT_EQ(0, TimerDestroy((timer_t)(intptr_t)id));
		}
		FI_SETTLED("timers", n);
	}
}

TEST_F(fi, names)
{
	name_attach_t *att;
	char name[64];
	int n, err, r;
	bool hit;

	FI_REQUIRE();

	snprintf(name, sizeof(name), "fi-%d", getpid());
	FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
		fi_arm(self, n);
		att = name_attach(NULL, name, 0);
		err = errno;
		hit = fi_disarm(self);
		if (!FI_OUTCOME("name_attach", n, hit, att != NULL, err))
			n = FI_MAX_NTH;
		if (!att) {
			/* Nothing of the failed attach may hold the name. */
			att = name_attach(NULL, name, 0);
			ASSERT_NE(NULL, att) TH_LOG("point %d: %s", n, strerror(errno));
		}
		fi_arm(self, n);
		r = name_detach(att, 0);
		err = errno;
		fi_disarm(self);
		if (r) {
			/* A clean failure keeps @att (libchan): an unarmed detach finishes. */
			EXPECT_TRUE(fi_clean_errno(err)) TH_LOG("name_detach, point %d: %s",
								n, strerror(err));
			EXPECT_EQ(0, name_detach(att, 0));
		}
		FI_SETTLED("names", n);
	}
}

/* Events: the server delivers the client's registered pulse event, armed. */
TEST_F(fi, deliver_event)
{
	struct sigevent ev, got;
	struct qt_client c;
	struct _pulse p;
	int n, err, r, rcvid, cchid, ccoid;
	bool hit;

	FI_REQUIRE();

	fi_open_channel(_metadata, self);
	cchid = ChannelCreate(0);
	ASSERT_GT(cchid, 0);
	ccoid = ConnectAttach(0, 0, cchid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(ccoid, 0);
	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, ccoid, 10, _PULSE_CODE_MINAVAIL + 3, 0);
	FI_BASE();
	for (n = 1; n < FI_MAX_NTH; n++) {
		ASSERT_EQ(0, qt_client_send(&c, self->coid, &ev, sizeof(ev), NULL, 0));
		rcvid = MsgReceive(self->chid, &got, sizeof(got), NULL);
		ASSERT_GT(rcvid, 0);
		fi_arm(self, n);
		r = MsgDeliverEvent(rcvid, &got);
		err = errno;
		hit = fi_disarm(self);
		if (r == 0)
			ASSERT_EQ(0, MsgReceivePulse(cchid, &p, sizeof(p), NULL));
		ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
		ASSERT_EQ(0, qt_client_join(&c));
		if (!FI_OUTCOME("MsgDeliverEvent", n, hit, r == 0, err))
			break;
		FI_SETTLED("MsgDeliverEvent", n);
	}
	EXPECT_EQ(0, ConnectDetach(ccoid));
	EXPECT_EQ(0, ChannelDestroy(cchid));
	EXPECT_LT(n, FI_MAX_NTH);
}

/* The burst's child: every call may fail; what it returns is not judged, only what stays. */
static void fi_burst_child(unsigned int seed, int rounds)
{
	static char buf[FI_BIG];
	const uint64_t ms = 1000000;
	int chid = -1, coid = -1, i;

	srandom(seed);
	for (i = 0; i < rounds; i++) {
		switch (random() % 8) {
		case 0:
			if (chid > 0)
				ChannelDestroy(chid);
			chid = ChannelCreate(0);
			break;
		case 1:
			if (coid >= 0)
				ConnectDetach(coid);
			coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
			break;
		case 2:
			MsgSendPulse(coid, 10, 1, i);
			break;
		case 3:
			/* Alone in the process: every blocking call has a timeout. */
			if (TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ms, NULL) == 0)
				MsgReceive_r(chid, buf, random() % sizeof(buf), NULL);
			break;
		case 4: {
			struct _itimer it = { 1000, 0 };
			struct sigevent ev;
			int id;

			SIGEV_PULSE_INIT(&ev, coid, 10, _PULSE_CODE_MINAVAIL, 0);
			id = TimerCreate(CLOCK_MONOTONIC, &ev);
			if (id >= 0 && random() % 2)
				TimerSettime((timer_t)(intptr_t)id, 0, &it, NULL);
			break;
		}
		case 5:
			if (TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY,
					 NULL, &ms, NULL) == 0)
				MsgSend_r(coid, buf, random() % sizeof(buf), buf, sizeof(buf));
			break;
		case 6:
			if (fork() == 0)
				_exit(0);
			break;
		default:
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		}
	}
	/* Exits with whatever is left: channels, connections, armed timers, queued pulses. */
	_exit(0);
}

/* Like qt_waitpid_timeout, but notes the child's state before it kills it. */
static int fi_wait_child(pid_t pid, int ms, char *state)
{
	long long end = qt_now_ms() + ms;
	int status;

	*state = '?';
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (qt_now_ms() > end) {
			*state = qt_task_state(pid, pid);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		qt_sleep_ms(5);
	}
	return status;
}

TEST_F_TIMEOUT(fi, random_burst, 600)
{
	unsigned int seed = (unsigned int)qt_now_ms();
	int round, status, fd;
	char state;
	pid_t pid;

	FI_REQUIRE();

	FI_BASE();
	TH_LOG("seed %u", seed);
	ASSERT_EQ(0, fi_configure(true, 10));
	for (round = 0; round < 8; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			fd = open("/proc/self/make-it-fail", O_WRONLY);
			if (fd < 0 || write(fd, "1", 1) != 1)
				_exit(3);
			close(fd);
			fi_burst_child(seed + round, 400);
		}
		status = fi_wait_child(pid, 120000, &state);
		ASSERT_LE(0, status) TH_LOG("round %d: child stuck in state %c", round, state);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("round %d: status %#x", round, status);
		FI_SETTLED("burst", round);
	}
	ASSERT_EQ(0, fi_configure(true, 0));
}

TEST_HARNESS_MAIN
