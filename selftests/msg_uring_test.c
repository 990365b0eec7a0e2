// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring commands on the context fd (IORING_OP_URING_CMD, QCHAN_UCMD_*),
 * driven with liburing directly: async sends answered by blocking and async
 * servers, receives posted in advance and satisfied by blocking and async
 * senders, reply-receive, pulses, priority order against blocking senders,
 * bad SQEs, cancellation (CANCEL, ring close, kill -9 with hundreds of
 * commands outstanding) with every counter back where it was.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <liburing.h>
#include <sched.h>
#include <sys/ioctl.h>
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
	/* An async sender's reply buffers are the kernel's until the CQE. */
	EXPECT_EQ(-1, MsgWrite(rcvid, "x", 1, 0));
	EXPECT_EQ(EOPNOTSUPP, errno);
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
	struct qchan_pulse *pulse;
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
	pulse = (struct qchan_pulse *)r.buf;
	EXPECT_EQ(5, pulse->code);
	EXPECT_EQ(77, pulse->value);
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
	/* the send block: flags, reserved, status; a bad coid; a bad vector; too big */
	s.a.flags = QCHAN_SEND_TIMEOUT_SEND;
	EXPECT_EQ(-EINVAL, qu_sync(&self->ring, QCHAN_UCMD_SEND, &s.a));
	s.a.flags = 0;
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
	r.a.timeout_clock = CLOCK_MONOTONIC;
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
		QCHAN_UCMD_SEND_PULSE, QCHAN_UCMD_CANCEL,
	};
	static union {
		struct qchan_msg_send s;
		struct qchan_msg_receive r;
		struct qchan_msg_reply_receive rr;
		struct qchan_pulse_send p;
		uint64_t words[16];
	} blocks[64];
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
		op = (r1 & 7) < 5 ? ops[r1 & 7] :
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
