// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands on the context fd (IORING_OP_URING_CMD, QCHAN_UCMD_*),
 * driven with liburing directly: async sends answered by blocking and async
 * servers, receives posted in advance and satisfied by blocking and async
 * senders, reply-receive, pulses, priority order against blocking senders,
 * bad SQEs, cancellation (CANCEL, ring close, kill -9 with hundreds of
 * commands outstanding) with every counter back where it was.  Also built
 * -m32 (msg_uring_test32, over uring_raw.h): a 32-bit process's ring, whose
 * commands the kernel reads with compat vectors and answers with 32-bit
 * pulses, also when io_uring issues them from a worker (IOSQE_ASYNC).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#ifdef QU_RAW_URING	/* the 32-bit twin: no 32-bit liburing in Debian */
#include "uring_raw.h"
#else
#include <liburing.h>
#endif
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <qchan/libchan.h>

#include "kselftest_harness.h"

/* Waits until the uring_cmds counter is @want; 0 or -ETIMEDOUT. */
static int qu_wait_cmds(long want)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (qt_stat_read("uring_cmds") != want) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(5);
	}
	return 0;
}

static struct io_uring_sqe *qu_prep(struct io_uring *ring, unsigned int op, const void *arg,
				    uint64_t user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct qchan_uring_cmd uc = { .arg_ptr = (uintptr_t)arg };

	if (!sqe)
		return NULL;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, qchan_context_fd(), NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &uc, sizeof(uc));
	sqe->user_data = user_data;
	return sqe;
}

/* Submits one command and returns its CQE's res (it must be the next CQE). */
static int qu_sync(struct io_uring *ring, unsigned int op, const void *arg)
{
	struct io_uring_cqe *cqe;
	int res;

	if (!qu_prep(ring, op, arg, 0x5151) || io_uring_submit(ring) != 1)
		return -EIO;
	if (io_uring_wait_cqe(ring, &cqe))
		return -EIO;
	res = cqe->user_data == 0x5151 ? cqe->res : -EPROTO;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* The next CQE, waiting at most QT_WAIT_MS: 0 with *ud and *res, or -errno. */
static int qu_next(struct io_uring *ring, uint64_t *ud, int *res)
{
	struct __kernel_timespec ts = { .tv_sec = QT_WAIT_MS / 1000 };
	struct io_uring_cqe *cqe;
	int err = io_uring_wait_cqe_timeout(ring, &cqe, &ts);

	if (err)
		return err;
	*ud = cqe->user_data;
	*res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

/*
 * CANCELs the commands with user_data @first .. @first + @n - 1 and reaps
 * both sides: how many ended -ECANCELED, or -1 if a CANCEL failed or another
 * result came.
 */
static int qu_cancel_range(struct io_uring *ring, uint64_t first, int n)
{
	int i, res, cancelled = 0, bad = 0;
	uint64_t ud;

	for (i = 0; i < n; i++)
		if (!qu_prep(ring, QCHAN_UCMD_CANCEL, (void *)(uintptr_t)(first + i), 900 + i))
			return -1;
	if (io_uring_submit(ring) != n)
		return -1;
	for (i = 0; i < 2 * n && !qu_next(ring, &ud, &res); i++) {
		if (ud >= 900)
			bad |= res != 0;
		else if (res == -ECANCELED)
			cancelled++;
		else
			bad = 1;
	}
	return bad ? -1 : cancelled;
}

/* An async send: its argument block and buffers must live until its CQE. */
struct qu_send {
	struct qchan_msg_send a;
	iov_t siov, riov;
	char sbuf[64], rbuf[64];
};

static void qu_send_init(struct qu_send *s, int coid, const char *text)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->sbuf, sizeof(s->sbuf), "%s", text);
	SETIOV(&s->siov, s->sbuf, strlen(s->sbuf) + 1);
	SETIOV(&s->riov, s->rbuf, sizeof(s->rbuf));
	s->a.coid = coid;
	s->a.send_parts = 1;
	s->a.reply_parts = 1;
	s->a.send_iov_ptr = (uintptr_t)&s->siov;
	s->a.reply_iov_ptr = (uintptr_t)&s->riov;
}

struct qu_recv {
	struct qchan_msg_receive a;
	struct qchan_msg_info info;
	iov_t iov;
	char buf[64];
};

static void qu_recv_init(struct qu_recv *r, int chid)
{
	memset(r, 0, sizeof(*r));
	SETIOV(&r->iov, r->buf, sizeof(r->buf));
	r->a.chid = chid;
	r->a.parts = 1;
	r->a.iov_ptr = (uintptr_t)&r->iov;
	r->a.info_ptr = (uintptr_t)&r->info;
}

FIXTURE(uring) {
	struct io_uring ring;
	struct qt_stats before;
	int chid;
	int coid;
};

FIXTURE_SETUP(uring)
{
	struct qchan_features f = { 0 };

	ASSERT_GE(qchan_context_fd(), 0);
	ASSERT_EQ(0, ioctl(qchan_context_fd(), QCHAN_IOC_GET_FEATURES, &f));
	ASSERT_TRUE(!!(f.features & QCHAN_FEAT_URING));
	ASSERT_TRUE(!!(f.features & QCHAN_FEAT_URING_TIMEOUT));
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, io_uring_queue_init(64, &self->ring, 0));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(uring)
{
	struct qt_stats now;

	io_uring_queue_exit(&self->ring);
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
	EXPECT_EQ(0, qu_wait_cmds(0));
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("channels %ld/%ld conns %ld/%ld in flight %ld/%ld pulses %ld/%ld scons %ld/%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pulses, now.pulses, self->before.server_connections,
		       now.server_connections);
}

/* One thread: an async send, the blocking receive and reply, then the CQE. */
TEST_F(uring, send_blocking_server)
{
	struct _msg_info info;
	struct io_uring_cqe *cqe;
	struct qu_send s;
	char buf[64];
	int rcvid;

	qu_send_init(&s, self->coid, "hello");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	/* Nothing completes before the reply. */
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&self->ring, &cqe));

	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("hello", buf);
	EXPECT_EQ(getpid(), info.pid);
	EXPECT_EQ(6, info.srcmsglen);
	EXPECT_EQ(64, info.dstmsglen);
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&self->ring, &cqe));
	ASSERT_EQ(0, MsgReply(rcvid, 42, "world", 6));

	ASSERT_EQ(0, io_uring_wait_cqe(&self->ring, &cqe));
	EXPECT_EQ(1, cqe->user_data);
	EXPECT_EQ(0, cqe->res);
	io_uring_cqe_seen(&self->ring, cqe);
	EXPECT_EQ(42, s.a.status);
	EXPECT_STREQ("world", s.rbuf);
}

/* MsgError and a dead rcvid reach the async sender as its CQE's -errno. */
TEST_F(uring, send_error)
{
	struct qu_send s;
	uint64_t ud;
	int rcvid, res;
	char buf[64];

	qu_send_init(&s, self->coid, "e");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 2));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgError(rcvid, ENOSPC));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(2, ud);
	EXPECT_EQ(-ENOSPC, res);
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
}

/* A receive posted in advance, satisfied by a blocking sender thread. */
TEST_F(uring, posted_receive_blocking_client)
{
	struct qt_client c;
	struct qu_recv r;
	char rbuf[64] = "";
	uint64_t ud;
	int res;

	qu_recv_init(&r, self->chid);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 7));
	ASSERT_EQ(1, io_uring_submit(&self->ring));

	ASSERT_EQ(0, qt_client_send(&c, self->coid, "ping", 5, rbuf, sizeof(rbuf)));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(7, ud);
	ASSERT_GT(res, 0);
	EXPECT_EQ(res, r.a.rcvid);
	EXPECT_EQ(5, r.a.bytes);
	EXPECT_STREQ("ping", r.buf);
	EXPECT_EQ(getpid(), r.info.pid);
	EXPECT_EQ(c.tid, r.info.tid);
	ASSERT_EQ(0, MsgReply(res, 9, "pong", 5));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(9, c.ret);
	EXPECT_STREQ("pong", rbuf);
}

/* 32 async sends and 32 posted receives in one thread; a queued message completes a receive at once. */
TEST_F(uring, async_to_async)
{
	enum { N = 32 };
	static struct qu_send s[N];
	static struct qu_recv r[N];
	long inline_before = qt_stat_read("uring_recv_inline");
	int i, n, res, seen_send = 0, rcvids[N], nr = 0;
	uint64_t ud;

	for (i = 0; i < N; i++) {
		char text[16];

		snprintf(text, sizeof(text), "m%d", i);
		qu_send_init(&s[i], self->coid, text);
		ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s[i].a, 100 + i));
	}
	ASSERT_EQ(N, io_uring_submit(&self->ring));
	for (i = 0; i < N; i++) {
		qu_recv_init(&r[i], self->chid);
		ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r[i].a, 200 + i));
	}
	ASSERT_EQ(N, io_uring_submit(&self->ring));
	/* Every message was queued: every receive completed in its submitting call. */
	EXPECT_EQ(inline_before + N, qt_stat_read("uring_recv_inline"));
	for (n = 0; n < N; n++) {
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
		ASSERT_GE(ud, 200);
		i = ud - 200;
		ASSERT_GT(res, 0);
		/* FIFO within one priority. */
		EXPECT_EQ(n, i);
		char want[16];

		snprintf(want, sizeof(want), "m%d", n);
		EXPECT_STREQ(want, r[i].buf);
		rcvids[nr++] = res;
	}
	for (i = 0; i < nr; i++) {
		char reply[16];

		snprintf(reply, sizeof(reply), "r%d", i);
		ASSERT_EQ(0, MsgReply(rcvids[i], i, reply, strlen(reply) + 1));
	}
	for (n = 0; n < N; n++) {
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
		i = ud - 100;
		ASSERT_LT(i, N);
		EXPECT_EQ(0, res);
		EXPECT_EQ(i, s[i].a.status);
		char want[16];

		snprintf(want, sizeof(want), "r%d", i);
		EXPECT_STREQ(want, s[i].rbuf);
		seen_send++;
	}
	EXPECT_EQ(N, seen_send);
}

/* REPLY_RECEIVE: the reply to one async send and the receive of the next, one SQE. */
TEST_F(uring, reply_receive)
{
	struct qchan_msg_reply_receive rr;
	struct qu_send s1, s2;
	struct qu_recv r;
	iov_t riov;
	uint64_t ud;
	int res, rcvid, done_s1 = 0, got = 0;

	qu_send_init(&s1, self->coid, "one");
	qu_send_init(&s2, self->coid, "two");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s1.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	qu_recv_init(&r, self->chid);
	ASSERT_EQ(1, ({ int rc = qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r.a); rc > 0; }));
	rcvid = r.a.rcvid;
	EXPECT_STREQ("one", r.buf);

	memset(&rr, 0, sizeof(rr));
	SETIOV(&riov, "ONE", 4);
	rr.reply.rcvid = rcvid;
	rr.reply.status = 11;
	rr.reply.parts = 1;
	rr.reply.iov_ptr = (uintptr_t)&riov;
	rr.receive = r.a;
	rr.receive.rcvid = 0;
	rr.receive.bytes = 0;
	memset(r.buf, 0, sizeof(r.buf));
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_REPLY_RECEIVE, &rr, 3));
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s2.a, 2));
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	while (got < 3) {
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
		got++;
		if (ud == 1) {
			EXPECT_EQ(0, res);
			EXPECT_EQ(11, s1.a.status);
			EXPECT_STREQ("ONE", s1.rbuf);
			done_s1 = 1;
		} else if (ud == 3) {
			EXPECT_EQ(0, rr.reply_result);
			ASSERT_GT(res, 0);
			EXPECT_STREQ("two", r.buf);
			rcvid = res;
			ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
		} else {
			EXPECT_EQ(2, ud);
			EXPECT_EQ(0, res);
		}
	}
	EXPECT_TRUE(done_s1);
}

/* SEND_PULSE completes at once; a posted receive gets the pulse (rcvid 0). */
TEST_F(uring, pulse)
{
	struct qchan_pulse_send p = { .coid = self->coid, .priority = -1, .code = 5, .value = 77 };
	struct _pulse *pulse;
	struct qu_recv r;
	uint64_t ud;
	int res;

	qu_recv_init(&r, self->chid);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 4));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(0, qu_sync(&self->ring, QCHAN_UCMD_SEND_PULSE, &p) ?: 0);
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	if (ud == 0x5151) {	/* the pulse's own CQE may come second */
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	}
	EXPECT_EQ(4, ud);
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, r.a.rcvid);
	/* QNX's struct _pulse of the receiver's ABI (32-bit: a 4-byte value) */
	pulse = (struct _pulse *)r.buf;
	EXPECT_EQ(5, pulse->code);
	EXPECT_EQ(77, pulse->value.sival_int);
	EXPECT_GE(pulse->scoid, (int)_NTO_SIDE_CHANNEL);
}

/* A blocking sender of higher priority overtakes queued async sends; an async one of higher priority overtakes them too. */
TEST_F(uring, priority_order)
{
	struct sched_param sp = { .sched_priority = 20 };
	struct qu_send lo, hi;
	struct qt_client c;
	char buf[64];
	int rcvid[3], i;
	uint64_t ud;
	int res;

	qu_send_init(&lo, self->coid, "lo");
	qu_send_init(&hi, self->coid, "hi");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &lo.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	/* The priority is the submitter's when the SQE is issued. */
	ASSERT_EQ(0, pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp));
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &hi.a, 2));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	sp.sched_priority = 0;
	ASSERT_EQ(0, pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp));

	memset(&c, 0, sizeof(c));
	c.kind = QT_SEND;
	c.coid = self->coid;
	c.sbuf = "mid";
	c.slen = 4;
	c.policy = SCHED_FIFO;
	c.prio = 10;
	ASSERT_EQ(0, qt_client_start(&c));
	ASSERT_NE(0, qt_wait_tid(&c.tid));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), c.tid));
	for (i = 0; i < 3; i++) {
		rcvid[i] = MsgReceive(self->chid, buf, sizeof(buf), NULL);
		ASSERT_GT(rcvid[i], 0);
		EXPECT_STREQ(i == 0 ? "hi" : i == 1 ? "mid" : "lo", buf);
	}
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, MsgReply(rcvid[i], 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
		EXPECT_EQ(0, res);
	}
}

/* Bad SQEs fail with clear errors and leave nothing behind. */
TEST_F(uring, bad_sqes)
{
	struct io_uring_sqe *sqe;
	struct qchan_uring_cmd uc;
	struct qu_send s;
	struct qu_recv r;
	static char big[QCHAN_URING_MAX_MSG + 1];
	iov_t biov;
	uint64_t ud;
	int res;

	qu_send_init(&s, self->coid, "x");
	EXPECT_EQ(-ENOTTY, qu_sync(&self->ring, _IOWR(QCHAN_IOC_MAGIC, 0xe7, struct qchan_uring_cmd), &s.a));
	EXPECT_EQ(-ENOTTY, qu_sync(&self->ring, QCHAN_IOC_MSG_SEND, &s.a));
	EXPECT_EQ(-EFAULT, qu_sync(&self->ring, QCHAN_UCMD_SEND, (void *)8));
	EXPECT_EQ(-EFAULT, qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, (void *)8));

	/* flags and reserved of the command bytes */
	for (int which = 0; which < 2; which++) {
		sqe = qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 9);
		ASSERT_NE(NULL, sqe);
		memset(&uc, 0, sizeof(uc));
		uc.arg_ptr = (uintptr_t)&s.a;
		if (which)
			uc.reserved = 1;
		else
			uc.flags = 1;
		memcpy(sqe->cmd, &uc, sizeof(uc));
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
		EXPECT_EQ(-EINVAL, res);
	}
	/* the send block: flags, timeout, reserved, status; a bad coid; a bad vector; too big */
	s.a.flags = QCHAN_SEND_FINISH;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.flags = 1U << 7;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.flags = QCHAN_SEND_TIMEOUT_SEND;
	s.a.timeout_clock = 7;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.timeout_clock = CLOCK_MONOTONIC;
	s.a.timeout = -1;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.flags = 0;	/* a timeout without the flags */
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.timeout = 0;
	s.a.timeout_clock = 0;
	s.a.reserved = 1;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.reserved = 0;
	s.a.status = 3;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.status = 0;
	s.a.coid = _NTO_SIDE_CHANNEL + 999;
	EXPECT_GT(0, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.coid = self->coid;
	s.a.send_iov_ptr = 8;
	EXPECT_EQ(-EFAULT, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	SETIOV(&biov, (void *)8, 16);
	s.a.send_iov_ptr = (uintptr_t)&biov;
	EXPECT_EQ(-EFAULT, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	SETIOV(&biov, big, sizeof(big));
	EXPECT_EQ(-EMSGSIZE, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));

	/* the receive block */
	qu_recv_init(&r, self->chid);
	r.a.flags = QCHAN_RECEIVE_TIMEOUT;
	r.a.timeout_clock = 7;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r.a));
	qu_recv_init(&r, self->chid);
	r.a.timeout_clock = CLOCK_MONOTONIC;	/* without the flag */
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r.a));
	qu_recv_init(&r, self->chid);
	r.a.pad = 1;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r.a));
	qu_recv_init(&r, self->chid + 100);
	EXPECT_EQ(-ESRCH, qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r.a));
	/* a receive whose buffer is bad fails when it gets its message; the message goes back */
	qu_recv_init(&r, self->chid);
	SETIOV(&r.iov, (void *)8, 16);
	qu_send_init(&s, self->coid, "x");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(-EFAULT, qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r.a));
	/* the sender learnt the server faulted */
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(1, ud);
	EXPECT_EQ(-QCHAN_ESRVRFAULT, res);
	/* unknown CANCEL target */
	EXPECT_EQ(-ENOENT, qu_sync(&self->ring, QCHAN_UCMD_CANCEL, (void *)12345));
	/* the ioctl numbers are not ioctls */
	EXPECT_EQ(-1, ioctl(qchan_context_fd(), QCHAN_UCMD_SEND, &s.a));
	EXPECT_EQ(ENOTTY, errno);
}

/* CANCEL ends a posted receive and a queued send. */
TEST_F(uring, cancel)
{
	struct qu_send s;
	struct qu_recv r;
	char buf[64];
	uint64_t ud;
	int res, i;

	qu_recv_init(&r, self->chid);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 77));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(0, qu_sync(&self->ring, QCHAN_UCMD_CANCEL, (void *)77));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(77, ud);
	EXPECT_EQ(-ECANCELED, res);

	qu_send_init(&s, self->coid, "c");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 78));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(0, qu_sync(&self->ring, QCHAN_UCMD_CANCEL, (void *)78));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(78, ud);
	EXPECT_EQ(-ECANCELED, res);
	/* never delivered: a receive finds nothing queued */
	qu_recv_init(&r, self->chid);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 79));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	EXPECT_EQ(0, qu_sync(&self->ring, QCHAN_UCMD_CANCEL, (void *)79));
	for (i = 0; i < 1; i++) {
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
		EXPECT_EQ(79, ud);
		EXPECT_EQ(-ECANCELED, res);
	}
	(void)buf;
}

/* Closing the ring completes every outstanding command. */
TEST_F(uring, ring_close)
{
	enum { N = 16 };
	static struct qu_send s[N];
	static struct qu_recv r[N];
	long cmds_before = qt_stat_read("uring_cmds");
	int chid2, coid2, i;

	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GT(coid2, 0);
	for (i = 0; i < N; i++) {
		qu_send_init(&s[i], coid2, "queued");
		ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s[i].a, i));
		qu_recv_init(&r[i], self->chid);
		ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r[i].a, 100 + i));
	}
	ASSERT_EQ(2 * N, io_uring_submit(&self->ring));
	EXPECT_EQ(cmds_before + 2 * N, qt_stat_read("uring_cmds"));
	io_uring_queue_exit(&self->ring);
	EXPECT_EQ(0, qu_wait_cmds(cmds_before));
	/* The channels work on; a fresh ring for the teardown. */
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
	ConnectDetach(coid2);
	ChannelDestroy(chid2);
}

/* The reply buffers of a sender, 64 bytes of '.', after the same server calls. */
static void qu_write_pattern(int rcvid, char *got_read)
{
	iov_t wv[2];

	/* MsgRead anywhere in the (kernel-held) send data */
	got_read[MsgRead(rcvid, got_read, 8, 2) > 0 ? 3 : 0] = '\0';
	SETIOV(&wv[0], "AB", 2);
	SETIOV(&wv[1], "CDEFGH", 6);
	(void)MsgWritev(rcvid, wv, 2, 10);
	(void)MsgWrite(rcvid, "xy", 2, 30);
	(void)MsgWrite(rcvid, "tail", 4, 62);	/* 2 bytes fit */
	(void)MsgWrite(rcvid, "zz", 2, 64);	/* past the end: 0 bytes */
}

/*
 * MsgWrite/MsgWritev to an async sender land in its reply buffers at their
 * offsets, MsgReply's bytes over them from 0, exactly as for a blocking
 * sender given the same calls; MsgRead reads its send data at an offset.
 */
TEST_F(uring, msgwrite_async_sender)
{
	char rbuf_blocking[64], got[16], buf[64];
	struct qt_client c;
	struct qu_send s;
	uint64_t ud;
	iov_t wv[2];
	int rcvid, res;

	/* the blocking sender first: the reference */
	memset(rbuf_blocking, '.', sizeof(rbuf_blocking));
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "hello", 6, rbuf_blocking,
				    sizeof(rbuf_blocking)));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	qu_write_pattern(rcvid, got);
	EXPECT_STREQ("llo", got);
	ASSERT_EQ(0, MsgReply(rcvid, 5, "hi", 2));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(5, c.ret);

	qu_send_init(&s, self->coid, "hello");
	memset(s.rbuf, '.', sizeof(s.rbuf));
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	SETIOV(&wv[0], "AB", 2);
	SETIOV(&wv[1], "CDEFGH", 6);
	EXPECT_EQ(8, MsgWritev(rcvid, wv, 2, 10));
	EXPECT_EQ(2, MsgWrite(rcvid, "tail", 4, 62));
	EXPECT_EQ(0, MsgWrite(rcvid, "zz", 2, 64));
	qu_write_pattern(rcvid, got);
	EXPECT_STREQ("llo", got);
	/* nothing reaches the sender's memory before the CQE */
	EXPECT_EQ('.', s.rbuf[10]);
	ASSERT_EQ(0, MsgReply(rcvid, 5, "hi", 2));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(5, s.a.status);
	EXPECT_EQ(0, memcmp(rbuf_blocking, s.rbuf, sizeof(s.rbuf)));
	EXPECT_EQ(0, memcmp("hi........ABCDEFGH", s.rbuf, 18));
	EXPECT_EQ(0, memcmp("xy", s.rbuf + 30, 2));
	EXPECT_EQ(0, memcmp("ta", s.rbuf + 62, 2));

	/* A reply longer than the writes covers them; MsgError keeps them, as a blocking send's. */
	qu_send_init(&s, self->coid, "again");
	memset(s.rbuf, '.', sizeof(s.rbuf));
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 2));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(3, MsgWrite(rcvid, "123", 3, 40));
	ASSERT_EQ(0, MsgError(rcvid, ENOSPC));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(-ENOSPC, res);
	EXPECT_EQ(0, memcmp(".123.", s.rbuf + 39, 5));
	/* the rcvid is gone */
	EXPECT_EQ(-1, MsgWrite(rcvid, "x", 1, 0));
	EXPECT_EQ(ESRCH, errno);
}

/* Several server threads MsgWrite to one async sender at once: every byte arrives. */
struct qu_writer {
	int rcvid, base;
};

static void *qu_writer_main(void *arg)
{
	struct qu_writer *w = arg;
	char b[8];

	for (int i = 0; i < 8; i++) {
		memset(b, 'a' + w->base + i, sizeof(b));
		if (MsgWrite(w->rcvid, b, sizeof(b), (w->base * 8 + i) * 8) != sizeof(b))
			return (void *)1;
	}
	return NULL;
}

TEST_F(uring, msgwrite_concurrent)
{
	static char rbuf[512];
	pthread_t t[4];
	struct qu_writer w[4];
	struct qu_send s;
	char buf[64];
	uint64_t ud;
	void *ret;
	int rcvid, res, i;

	qu_send_init(&s, self->coid, "w");
	SETIOV(&s.riov, rbuf, sizeof(rbuf));
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 3));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	for (i = 0; i < 4; i++) {
		w[i].rcvid = rcvid;
		w[i].base = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, qu_writer_main, &w[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(NULL, ret);
	}
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(0, res);
	/* 4 writers x 8 pieces of 8 bytes: the first 256 bytes; the rest untouched */
	for (i = 0; i < 512; i++)
		if (rbuf[i] != (i < 256 ? 'a' + i / 64 + (i / 8) % 8 : 0))
			break;
	EXPECT_EQ(512, i);
}

static int64_t qu_deadline(int clock, int ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)ms * 1000000;
}

static void qu_send_timeout(struct qu_send *s, unsigned int flags, int clock, int ms)
{
	s->a.flags = flags;
	s->a.timeout_clock = clock;
	s->a.timeout = ms < 0 ? 0 : qu_deadline(clock, ms);
}

/* SEND with QCHAN_SEND_TIMEOUT_SEND: a message nobody receives fails -ETIMEDOUT, never delivered. */
TEST_F(uring, send_timeout_send_blocked)
{
	long long t0 = qt_now_ms();
	struct qu_send s;
	struct qu_recv r;
	uint64_t ud;
	int res;

	qu_send_init(&s, self->coid, "late");
	qu_send_timeout(&s, QCHAN_SEND_TIMEOUT_SEND, CLOCK_MONOTONIC, 200);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(1, ud);
	EXPECT_EQ(-ETIMEDOUT, res);
	EXPECT_GE(qt_now_ms() - t0, 190);
	/* never delivered: a polling receive finds nothing */
	qu_recv_init(&r, self->chid);
	r.a.flags = QCHAN_RECEIVE_TIMEOUT;
	r.a.timeout_clock = CLOCK_MONOTONIC;
	EXPECT_EQ(-ETIMEDOUT, qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r.a));

	/* a deadline already passed, on CLOCK_REALTIME: at once */
	qu_send_init(&s, self->coid, "past");
	qu_send_timeout(&s, QCHAN_SEND_TIMEOUT_SEND | QCHAN_SEND_TIMEOUT_REPLY, CLOCK_REALTIME, -1);
	EXPECT_EQ(-ETIMEDOUT, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
}

/*
 * QCHAN_SEND_TIMEOUT_REPLY: a received message whose reply does not come
 * fails -ETIMEDOUT and its rcvid goes; one received in time, with only the
 * SEND-blocked timeout, is not timed out later.
 */
TEST_F(uring, send_timeout_reply_blocked)
{
	struct qu_send s;
	char buf[64];
	uint64_t ud;
	int rcvid, res;

	qu_send_init(&s, self->coid, "slow");
	qu_send_timeout(&s, QCHAN_SEND_TIMEOUT_REPLY, CLOCK_MONOTONIC, 200);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(-ETIMEDOUT, res);
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);

	/* the REPLY deadline passed while queued: it times out as soon as it is received */
	qu_send_init(&s, self->coid, "queued");
	qu_send_timeout(&s, QCHAN_SEND_TIMEOUT_REPLY, CLOCK_MONOTONIC, 50);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 2));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	qt_sleep_ms(300);
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(2, ud);
	EXPECT_EQ(-ETIMEDOUT, res);

	/* only the SEND-blocked state covered: received in time, replied to after the deadline */
	qu_send_init(&s, self->coid, "ok");
	qu_send_timeout(&s, QCHAN_SEND_TIMEOUT_SEND, CLOCK_MONOTONIC, 5000);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 3));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	s.a.timeout = qu_deadline(CLOCK_MONOTONIC, 0);	/* not read again */
	qt_sleep_ms(100);
	ASSERT_EQ(0, MsgReply(rcvid, 8, "done", 5));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(3, ud);
	EXPECT_EQ(0, res);
	EXPECT_EQ(8, s.a.status);
	EXPECT_STREQ("done", s.rbuf);
}

/* On a _NTO_CHF_UNBLOCK channel a received send's timeout asks the server, as a signal would. */
TEST_F(uring, send_timeout_unblock_protocol)
{
	struct _pulse pulse;
	struct io_uring_cqe *cqe;
	struct qu_send s;
	char buf[64];
	uint64_t ud;
	int chid, coid, rcvid, res;

	chid = ChannelCreate(_NTO_CHF_UNBLOCK);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GT(coid, 0);
	qu_send_init(&s, coid, "ub");
	qu_send_timeout(&s, QCHAN_SEND_TIMEOUT_REPLY, CLOCK_MONOTONIC, 100);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 4));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	/* the unblock pulse, value = the rcvid; the send still waits */
	ASSERT_EQ(0, MsgReceive(chid, &pulse, sizeof(pulse), NULL));
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, pulse.code);
	EXPECT_EQ(rcvid, pulse.value.sival_int);
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&self->ring, &cqe));
	ASSERT_EQ(0, MsgReply(rcvid, 0, "x", 2));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(4, ud);
	EXPECT_EQ(0, res);
	EXPECT_STREQ("x", s.rbuf);
	ConnectDetach(coid);
	ChannelDestroy(chid);
}

/* RECEIVE with QCHAN_RECEIVE_TIMEOUT: -ETIMEDOUT when nothing came; a passed deadline polls. */
TEST_F(uring, receive_timeout)
{
	long long t0 = qt_now_ms();
	struct qu_send s;
	struct qu_recv r, r2;
	uint64_t ud;
	int res;

	qu_recv_init(&r, self->chid);
	r.a.flags = QCHAN_RECEIVE_TIMEOUT;
	r.a.timeout_clock = CLOCK_MONOTONIC;
	r.a.timeout = qu_deadline(CLOCK_MONOTONIC, 200);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 1));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(1, ud);
	EXPECT_EQ(-ETIMEDOUT, res);
	EXPECT_GE(qt_now_ms() - t0, 190);

	/* one that gets its message in time is not timed out later */
	qu_recv_init(&r, self->chid);
	r.a.flags = QCHAN_RECEIVE_TIMEOUT;
	r.a.timeout_clock = CLOCK_REALTIME;
	r.a.timeout = qu_deadline(CLOCK_REALTIME, 300);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 2));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	qu_send_init(&s, self->coid, "in time");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 3));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(2, ud);
	ASSERT_GT(res, 0);
	EXPECT_STREQ("in time", r.buf);
	qt_sleep_ms(400);
	ASSERT_EQ(0, MsgReply(res, 1, NULL, 0));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(3, ud);
	EXPECT_EQ(0, res);

	/* deadline 0 takes what is queued, in the submitting call */
	qu_send_init(&s, self->coid, "queued");
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 4));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	qu_recv_init(&r2, self->chid);
	r2.a.flags = QCHAN_RECEIVE_TIMEOUT;
	r2.a.timeout_clock = CLOCK_MONOTONIC;
	res = qu_sync(&self->ring, QCHAN_UCMD_RECEIVE, &r2.a);
	ASSERT_GT(res, 0);
	EXPECT_STREQ("queued", r2.buf);
	ASSERT_EQ(0, MsgReply(res, 0, NULL, 0));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(4, ud);
}

/* max_posted_receives caps the receives posted on one channel: EAGAIN beyond. */
TEST_F(uring, posted_receive_cap)
{
	enum { N = 4 };
	static struct qu_recv r[N + 1];
	unsigned long old;
	uint64_t ud;
	int i, res;

	ASSERT_EQ(0, qt_param_get("max_posted_receives", &old));
	EXPECT_EQ(4096, old);
	ASSERT_EQ(0, qt_param_set("max_posted_receives", N));
	for (i = 0; i <= N; i++) {
		qu_recv_init(&r[i], self->chid);
		ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r[i].a, 10 + i));
	}
	ASSERT_EQ(N + 1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(10 + N, ud);
	EXPECT_EQ(-EAGAIN, res);
	/* once one completes there is room again */
	EXPECT_EQ(0, qu_sync(&self->ring, QCHAN_UCMD_CANCEL, (void *)10));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(10, ud);
	EXPECT_EQ(-ECANCELED, res);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r[0].a, 10));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qt_param_set("max_posted_receives", old));
	EXPECT_EQ(N, qu_cancel_range(&self->ring, 10, N));
}

/*
 * max_queued holds for async sends too, and the refusal is the CQE of the
 * submitting call itself: not a retry from an io_uring worker, which would
 * send under the worker's tid.
 */
TEST_F(uring, send_queue_cap)
{
	enum { N = 3 };
	static struct qu_send s[N + 1];
	struct io_uring_cqe *cqe;
	unsigned long old;
	int i;

	ASSERT_EQ(0, qt_param_get("max_queued", &old));
	ASSERT_EQ(0, qt_param_set("max_queued", N));
	for (i = 0; i <= N; i++) {
		qu_send_init(&s[i], self->coid, "queued");
		ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s[i].a, 10 + i));
	}
	ASSERT_EQ(N + 1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, io_uring_peek_cqe(&self->ring, &cqe));
	EXPECT_EQ(10 + N, cqe->user_data);
	EXPECT_EQ(-EAGAIN, cqe->res);
	io_uring_cqe_seen(&self->ring, cqe);
	ASSERT_EQ(0, qt_param_set("max_queued", old));
	EXPECT_EQ(N, qu_cancel_range(&self->ring, 10, N));
}

/*
 * Commands issued by io_uring's workers (IOSQE_ASYNC), not in the
 * submitting syscall: multi-part vectors, pulses and reply-receive still in
 * the submitter's ABI (a 32-bit one's in msg_uring_test32).
 */
TEST_F(uring, async_issue_vectors)
{
	static struct qchan_msg_reply_receive rr;
	struct io_uring_sqe *sqe;
	struct qu_send s;
	struct qu_recv r;
	struct _pulse pulse;
	char a[4] = "abc", b[8] = "defghij", ra[3], rb[16], rbuf[32];
	iov_t sv[2], rv[2], qv[2], pv;
	uint64_t ud;
	int res, rcvid;

	/* a posted receive with two parts, issued from a worker */
	qu_recv_init(&r, self->chid);
	SETIOV(&qv[0], rbuf, 5);
	SETIOV(&qv[1], rbuf + 5, sizeof(rbuf) - 5);
	r.a.iov_ptr = (uintptr_t)qv;
	r.a.parts = 2;
	sqe = qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 1);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= IOSQE_ASYNC;
	/* a send with two parts each way, from a worker too */
	qu_send_init(&s, self->coid, "");
	SETIOV(&sv[0], a, 3);
	SETIOV(&sv[1], b, 8);
	SETIOV(&rv[0], ra, sizeof(ra));
	SETIOV(&rv[1], rb, sizeof(rb));
	s.a.send_iov_ptr = (uintptr_t)sv;
	s.a.send_parts = 2;
	s.a.reply_iov_ptr = (uintptr_t)rv;
	s.a.reply_parts = 2;
	sqe = qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 2);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_EQ(2, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(1, ud);
	ASSERT_GT(res, 0);
	rcvid = res;
	EXPECT_EQ(11, r.a.bytes);
	EXPECT_STREQ("abcdefghij", rbuf);
	EXPECT_EQ(19, r.info.dstmsglen);

	/* reply-receive from a worker: a two-part reply, then a pulse into the receive */
	memset(&rr, 0, sizeof(rr));
	SETIOV(&qv[0], "01", 2);
	SETIOV(&qv[1], "23456", 6);
	rr.reply.rcvid = rcvid;
	rr.reply.status = 77;
	rr.reply.iov_ptr = (uintptr_t)qv;
	rr.reply.parts = 2;
	SETIOV(&pv, &pulse, sizeof(pulse));
	rr.receive.chid = self->chid;
	rr.receive.iov_ptr = (uintptr_t)&pv;
	rr.receive.parts = 1;
	sqe = qu_prep(&self->ring, QCHAN_UCMD_REPLY_RECEIVE, &rr, 3);
	ASSERT_NE(NULL, sqe);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(2, ud);
	EXPECT_EQ(0, res);
	EXPECT_EQ(77, s.a.status);
	EXPECT_EQ(0, rr.reply_result);
	EXPECT_EQ(0, memcmp("012", ra, 3));
	EXPECT_STREQ("3456", rb);
	memset(&pulse, 0, sizeof(pulse));
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 5, 0x1234));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(3, ud);
	EXPECT_EQ(0, res);
	EXPECT_EQ(sizeof(pulse), rr.receive.bytes);
	EXPECT_EQ(5, pulse.code);
	EXPECT_EQ(0x1234, pulse.value.sival_int);
	/* the scoid in its place: after a 4-byte value for a 32-bit receiver */
	EXPECT_GE(pulse.scoid, (int)_NTO_SIDE_CHANNEL);
}

/*
 * One-part messages and replies of every short length and either side of
 * the 256 bytes the send copies word by word (uring.c): each byte arrives,
 * nothing beyond the reply's length is written, and a reply buffer that
 * cannot be written fails the CQE with -EFAULT.
 */
TEST_F(uring, one_part_lengths)
{
	static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 16, 17, 31,
				       255, 256, 257, 300 };
	static char sbuf[320], rbuf[321], got[320], reply[320];
	struct _msg_info info;
	struct qu_send s;
	uint64_t ud;
	size_t i, j;
	int rcvid, res;
	char *ro;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i];

		for (j = 0; j < n; j++) {
			sbuf[j] = (char)(j * 7 + n);
			reply[j] = (char)(j * 13 + 1 + n);
		}
		memset(rbuf, 0x5a, sizeof(rbuf));
		memset(got, 0, sizeof(got));
		qu_send_init(&s, self->coid, "");
		SETIOV(&s.siov, sbuf, n);
		SETIOV(&s.riov, rbuf, n);
		ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 10 + i));
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		rcvid = MsgReceive(self->chid, got, sizeof(got), &info);
		ASSERT_GT(rcvid, 0);
		EXPECT_EQ((long)n, (long)info.srcmsglen);
		EXPECT_EQ((long)n, (long)info.dstmsglen);
		EXPECT_EQ(0, memcmp(sbuf, got, n)) TH_LOG("send of %zu bytes", n);
		/* a longer reply than the buffer: cut to it */
		ASSERT_EQ(0, MsgReply(rcvid, (long)n, reply, sizeof(reply)));
		ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
		EXPECT_EQ(10 + i, ud);
		EXPECT_EQ(0, res);
		EXPECT_EQ((long)n, s.a.status);
		EXPECT_EQ(0, memcmp(reply, rbuf, n)) TH_LOG("reply of %zu bytes", n);
		for (j = n; j < sizeof(rbuf); j++)
			ASSERT_EQ(0x5a, (unsigned char)rbuf[j]) TH_LOG("byte %zu of %zu", j, n);
	}

	/* A read-only reply buffer: the copy-out fails, the CQE says so. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	qu_send_init(&s, self->coid, "ro");
	SETIOV(&s.riov, ro, 16);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_SEND, &s.a, 99));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	rcvid = MsgReceive(self->chid, got, sizeof(got), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, reply, 16));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(99, ud);
	EXPECT_EQ(-EFAULT, res);
	munmap(ro, 4096);
}

/* The thread that submitted commands exits, its process living on: they complete (-ECANCELED). */
static struct io_uring qu_thread_ring;
static struct qu_send qu_thread_send;
static struct qu_recv qu_thread_recv;

static void *qu_submitter_main(void *arg)
{
	int *ids = arg;

	qu_send_init(&qu_thread_send, ids[1], "orphan");
	qu_recv_init(&qu_thread_recv, ids[0]);
	if (!qu_prep(&qu_thread_ring, QCHAN_UCMD_SEND, &qu_thread_send.a, 1) ||
	    !qu_prep(&qu_thread_ring, QCHAN_UCMD_RECEIVE, &qu_thread_recv.a, 2) ||
	    io_uring_submit(&qu_thread_ring) != 2)
		return (void *)1;
	return NULL;
}

TEST_F(uring, submitter_thread_exit)
{
	long cmds_before = qt_stat_read("uring_cmds");
	int ids[2], chid2, coid2, i, res, seen = 0;
	pthread_t t;
	uint64_t ud;
	void *ret;

	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GT(coid2, 0);
	ids[0] = self->chid;	/* the receive waits here */
	ids[1] = coid2;		/* the send queues there: nobody receives */
	ASSERT_EQ(0, io_uring_queue_init(8, &qu_thread_ring, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, qu_submitter_main, ids));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	/* the ring lives on in this thread; the commands do not (6.1: within the reap's second) */
	for (i = 0; i < 2 && !qu_next(&qu_thread_ring, &ud, &res); i++) {
		EXPECT_EQ(-ECANCELED, res) TH_LOG("user_data %llu", (unsigned long long)ud);
		seen++;
	}
	EXPECT_EQ(2, seen);
	EXPECT_EQ(0, qu_wait_cmds(cmds_before));
	io_uring_queue_exit(&qu_thread_ring);
	ConnectDetach(coid2);
	ChannelDestroy(chid2);
}

/* A posted receive on a destroyed channel fails with ESRCH. */
TEST_F(uring, channel_destroy)
{
	struct qu_recv r;
	uint64_t ud;
	int res, chid2 = ChannelCreate(0);

	ASSERT_GT(chid2, 0);
	qu_recv_init(&r, chid2);
	ASSERT_NE(NULL, qu_prep(&self->ring, QCHAN_UCMD_RECEIVE, &r.a, 5));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, ChannelDestroy(chid2));
	ASSERT_EQ(0, qu_next(&self->ring, &ud, &res));
	EXPECT_EQ(5, ud);
	EXPECT_EQ(-ESRCH, res);
}

/*
 * kill -9 of a process with hundreds of commands outstanding: posted
 * receives, async sends queued on its own channel and on ours.  It dies
 * (no D state), and every counter comes back.
 */
TEST(kill9_outstanding)
{
	enum { N = 200 };
	struct qt_stats before, now;
	int pfd[2], chid, v, i, rcvid;
	char buf[64];
	pid_t pid;

	ASSERT_EQ(0, qt_stats_read(&before));
	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct qu_send s[2 * N];
		static struct qu_recv r[N];
		struct io_uring ring;
		int mychid, mychid2, mycoid, pcoid;

		close(pfd[0]);
		if (io_uring_queue_init(1024, &ring, 0))
			_exit(2);
		mychid = ChannelCreate(0);
		mychid2 = ChannelCreate(0);
		mycoid = ConnectAttach(0, 0, mychid2, _NTO_SIDE_CHANNEL, 0);
		pcoid = ConnectAttach(0, getppid(), chid, _NTO_SIDE_CHANNEL, 0);
		if (mychid <= 0 || mycoid < 0 || pcoid < 0)
			_exit(3);
		for (i = 0; i < N; i++) {
			qu_recv_init(&r[i], mychid);
			qu_send_init(&s[i], pcoid, "to parent");
			qu_send_init(&s[N + i], mycoid, "to me");
			if (!qu_prep(&ring, QCHAN_UCMD_RECEIVE, &r[i].a, i) ||
			    !qu_prep(&ring, QCHAN_UCMD_SEND, &s[i].a, N + i) ||
			    !qu_prep(&ring, QCHAN_UCMD_SEND, &s[N + i].a, 2 * N + i))
				_exit(4);
			if (io_uring_submit(&ring) != 3)
				_exit(5);
		}
		qt_write_int(pfd[1], 1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(0, qt_read_int(pfd[0], &v));
	ASSERT_EQ(0, qt_wait_in_flight(before.msgs_in_flight + 2 * N));
	EXPECT_GE(qt_stat_read("uring_cmds"), 3 * N);
	/* Take one of the child's messages: the kill finds it received. */
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	EXPECT_GT(rcvid, 0);
	EXPECT_STREQ("to parent", buf);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	/* Killed, not stuck (a D-state task would not be reaped). */
	EXPECT_TRUE(WIFSIGNALED(qt_waitpid_timeout(pid, QT_WAIT_MS)));
	/* The context ends after the reaping, asynchronously: its commands tell when. */
	EXPECT_EQ(0, qu_wait_cmds(0));
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	ChannelDestroy(chid);
	close(pfd[0]);
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now))
		TH_LOG("in flight %ld, pinned %ld", now.msgs_in_flight, now.pinned_pages);
}

/*
 * Random commands: random cmd_op near ours, random command bytes, argument
 * blocks that are half valid (a real coid or chid, random flags, vectors
 * pointing anywhere).  Nothing may crash or leak; the ring's close ends
 * whatever stays pending (the fixture checks the counters).
 */
TEST_F(uring, fuzz)
{
	static const unsigned int ops[] = {
		QCHAN_UCMD_SEND, QCHAN_UCMD_RECEIVE, QCHAN_UCMD_REPLY_RECEIVE,
		QCHAN_UCMD_SEND_PULSE, QCHAN_UCMD_CANCEL, QCHAN_UCMD_SEND_BATCH,
	};
	static union {
		struct qchan_msg_send s;
		struct qchan_msg_receive r;
		struct qchan_msg_reply_receive rr;
		struct qchan_pulse_send p;
		struct qchan_uring_send_batch sb;
		uint64_t words[16];
	} blocks[64];
	/* SEND_BATCH: up to 4 half-valid sends and their results per block */
	static struct qchan_msg_send bsends[64][4];
	static int32_t bres[64][4];
	static char bufs[64][64];
	static iov_t iovs[64][2];
	uint64_t seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	struct io_uring_cqe *cqe;
	int i, completed = 0;

	for (i = 0; i < 4000; i++) {
		int k = i % 64;
		uint64_t r1 = qt_mix64(seed + 2 * i), r2 = qt_mix64(seed + 2 * i + 1);
		struct qchan_uring_cmd uc = { 0 };
		struct io_uring_sqe *sqe;
		unsigned int op;

		/* Block k is reused only after its command completed: 64 at a time at most. */
		if (i >= 64 && i % 64 == 0) {
			io_uring_queue_exit(&self->ring);
			ASSERT_EQ(0, io_uring_queue_init(64, &self->ring, 0));
		}
		for (int w = 0; w < 16; w++)
			blocks[k].words[w] = (r2 >> (w % 8)) & 1 ? qt_mix64(r1 + w) : 0;
		SETIOV(&iovs[k][0], (r1 & 3) ? (void *)bufs[k] : (void *)(uintptr_t)(r2 & 0xffff),
		       (r2 >> 8) & 127);
		SETIOV(&iovs[k][1], bufs[k], 16);
		op = (r1 & 7) < 6 ? ops[r1 & 7] :
		     _IOC((r1 >> 3) & 3, QCHAN_IOC_MAGIC, 0xe0 + ((r1 >> 5) & 15), (r1 >> 9) & 255);
		switch (op) {
		case QCHAN_UCMD_SEND:
			blocks[k].s.coid = (r2 & 1) ? self->coid : (int)(r2 >> 32);
			blocks[k].s.send_parts = (r2 >> 1) & 3;
			blocks[k].s.reply_parts = (r2 >> 3) & 3;
			blocks[k].s.send_iov_ptr = (uintptr_t)iovs[k];
			blocks[k].s.reply_iov_ptr = (r2 & 32) ? (uintptr_t)iovs[k] : r2;
			if (r2 & 64)
				blocks[k].s.flags = blocks[k].s.status = blocks[k].s.reserved = 0;
			break;
		case QCHAN_UCMD_RECEIVE:
			blocks[k].r.chid = (r2 & 1) ? self->chid : (int)(r2 >> 32);
			blocks[k].r.parts = (r2 >> 1) & 3;
			blocks[k].r.iov_ptr = (uintptr_t)iovs[k];
			blocks[k].r.info_ptr = (r2 & 16) ? (uintptr_t)bufs[k] : 0;
			if (r2 & 64)
				blocks[k].r.flags = blocks[k].r.pad = blocks[k].r.reserved = 0;
			blocks[k].r.timeout = blocks[k].r.timeout_clock = 0;
			break;
		case QCHAN_UCMD_SEND_PULSE:
			blocks[k].p.coid = self->coid;
			break;
		case QCHAN_UCMD_SEND_BATCH:
			for (int e = 0; e < 4; e++) {
				uint64_t re = qt_mix64(r2 + e);

				memset(&bsends[k][e], 0, sizeof(bsends[k][e]));
				bsends[k][e].coid = (re & 7) ? self->coid : (int)(re >> 32);
				bsends[k][e].send_parts = (re >> 3) & 3;
				bsends[k][e].reply_parts = (re >> 5) & 3;
				bsends[k][e].send_iov_ptr = (uintptr_t)iovs[k];
				bsends[k][e].reply_iov_ptr = (re & 0x80) ? (uintptr_t)iovs[k] : re;
				if ((re & 0x300) == 0x300)
					bsends[k][e].reserved = re >> 40;
			}
			blocks[k].sb.sends_ptr = (r2 & 0x80) ? (uintptr_t)bsends[k] : r1;
			blocks[k].sb.results_ptr = (r2 & 0x100) ? (uintptr_t)bres[k] : r1 >> 8;
			blocks[k].sb.count = (r2 >> 9) & 7;
			if (r2 & 64)
				blocks[k].sb.flags = blocks[k].sb.reserved[0] =
					blocks[k].sb.reserved[1] = 0;
			break;
		}
		uc.arg_ptr = (r1 & 0x100) ? (uintptr_t)&blocks[k] : r2;
		if (op == QCHAN_UCMD_CANCEL)
			uc.arg_ptr = r2 & 0x3f;
		if ((r1 & 0xe00) == 0xe00)
			uc.flags = r2;
		if ((r1 & 0x7000) == 0x7000)
			uc.reserved = r2 >> 16;
		sqe = io_uring_get_sqe(&self->ring);
		ASSERT_NE(NULL, sqe);
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, qchan_context_fd(), NULL, 0, 0);
		sqe->cmd_op = op;
		memcpy(sqe->cmd, &uc, sizeof(uc));
		sqe->user_data = k;
		ASSERT_EQ(1, io_uring_submit(&self->ring));
		while (!io_uring_peek_cqe(&self->ring, &cqe)) {
			completed++;
			io_uring_cqe_seen(&self->ring, cqe);
		}
	}
	EXPECT_GT(completed, 1000);
	io_uring_queue_exit(&self->ring);
	EXPECT_EQ(0, qu_wait_cmds(0));
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
}

/*
 * A thread whose posted receive takes its own blocking send: the copy waits
 * for task work in that very thread, which sleeps in the send.  kill -9
 * must still end it (no D state), and every counter comes back.
 */
TEST(kill9_send_to_own_posted_receive)
{
	struct qt_stats before, now;
	int pfd[2], v, status;
	long long end;
	pid_t pid, ret;

	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct qu_recv r;
		struct io_uring ring;
		int chid, coid;
		char reply[8];

		close(pfd[0]);
		chid = ChannelCreate(0);
		coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
		if (chid <= 0 || coid < 0 || io_uring_queue_init(8, &ring, 0))
			_exit(2);
		qu_recv_init(&r, chid);
		if (!qu_prep(&ring, QCHAN_UCMD_RECEIVE, &r.a, 1) || io_uring_submit(&ring) != 1)
			_exit(3);
		qt_write_int(pfd[1], 1);
		MsgSend(coid, "self", 5, reply, sizeof(reply));
		_exit(4);
	}
	close(pfd[1]);
	ASSERT_EQ(0, qt_read_int(pfd[0], &v));
	close(pfd[0]);
	ASSERT_EQ(0, qt_wait_blocked(pid, pid));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	/* Not qt_waitpid_timeout(): its last resort, a blocking wait, would hang here. */
	end = qt_now_ms() + QT_WAIT_MS;
	while ((ret = waitpid(pid, &status, WNOHANG)) == 0 && qt_now_ms() < end)
		qt_sleep_ms(5);
	ASSERT_EQ(pid, ret) TH_LOG("killed, the sender stays in state %c", qt_task_state(pid, pid));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, qu_wait_cmds(0));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now));
}

/* The program exec_outstanding execs: this one, leaving at once. */
__attribute__((constructor)) static void qu_exec_target(void)
{
	if (getenv("QU_EXIT_AT_ONCE"))
		_exit(0);
}

/* exec with commands outstanding completes them (6.1: within the ring watch's second). */
TEST(exec_outstanding)
{
	struct qt_stats before, now;
	pid_t pid;
	int status;

	ASSERT_EQ(0, qt_stats_read(&before));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct qu_recv r[8];
		struct io_uring ring;
		int chid = ChannelCreate(0);

		if (chid <= 0 || io_uring_queue_init(16, &ring, 0))
			_exit(2);
		for (int i = 0; i < 8; i++) {
			qu_recv_init(&r[i], chid);
			if (!qu_prep(&ring, QCHAN_UCMD_RECEIVE, &r[i].a, i))
				_exit(3);
		}
		if (io_uring_submit(&ring) != 8)
			_exit(4);
		setenv("QU_EXIT_AT_ONCE", "1", 1);
		execl("/proc/self/exe", "msg_uring_test", (char *)NULL);
		_exit(5);
	}
	status = qt_waitpid_timeout(pid, QT_WAIT_MS);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, qu_wait_cmds(0));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now));
}

TEST_HARNESS_MAIN
