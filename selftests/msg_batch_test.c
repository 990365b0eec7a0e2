// SPDX-License-Identifier: GPL-2.0
/*
 * QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH (qchan_msg_reply_receive_batch()): each
 * reply entry's own result, receives in the queue's priority order with
 * pulses and messages mixed, blocking and io_uring clients in one batch, a
 * client that dies between the receive and the reply, bad input rejected
 * before any reply, a fault in a later slot, the receive timeout, priority
 * inheritance across a batch, a restart that does not reply twice, and
 * kill -9 of a server holding a batch with every counter back where it was.
 * Also built -m32 (msg_batch_test32, over uring_raw.h): the same layout and
 * a 32-bit process's compat vectors.
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
#include <sys/wait.h>

#include <qchan/libchan.h>

#include "kselftest_harness.h"

#define NSLOTS	8
#define BUFLEN	64

/* Slots with their buffers, and reply entries with theirs. */
struct bt {
	struct qchan_batch_slot slot[NSLOTS];
	iov_t iov[NSLOTS];
	char buf[NSLOTS][BUFLEN];
	struct qchan_batch_reply rep[NSLOTS];
	iov_t riov[NSLOTS];
	char rbuf[NSLOTS][BUFLEN];
};

static void bt_slots(struct bt *b)
{
	memset(b->slot, 0, sizeof(b->slot));
	memset(b->buf, 0, sizeof(b->buf));
	for (int i = 0; i < NSLOTS; i++) {
		SETIOV(&b->iov[i], b->buf[i], BUFLEN);
		b->slot[i].iov_ptr = (uintptr_t)&b->iov[i];
		b->slot[i].parts = 1;
		b->slot[i].rcvid = -7;		/* must be overwritten */
	}
}

/* Entry @i: reply to @rcvid with @status and the string @text. */
static void bt_reply(struct bt *b, int i, int rcvid, long status, const char *text)
{
	memset(&b->rep[i], 0, sizeof(b->rep[i]));
	snprintf(b->rbuf[i], BUFLEN, "%s", text);
	SETIOV(&b->riov[i], b->rbuf[i], strlen(b->rbuf[i]) + 1);
	b->rep[i].reply.rcvid = rcvid;
	b->rep[i].reply.status = status;
	b->rep[i].reply.parts = 1;
	b->rep[i].reply.iov_ptr = (uintptr_t)&b->riov[i];
	b->rep[i].result = 12345;	/* must be overwritten */
}

/* Entry @i: MsgError(@rcvid, @error). */
static void bt_error(struct bt *b, int i, int rcvid, int error)
{
	memset(&b->rep[i], 0, sizeof(b->rep[i]));
	b->rep[i].reply.rcvid = rcvid;
	b->rep[i].reply.flags = QCHAN_REPLY_ERROR;
	b->rep[i].reply.error = error;
	b->rep[i].result = 12345;
}

static int raw_batch(struct qchan_msg_reply_receive_batch *a)
{
	return ioctl(qchan_context_fd(), QCHAN_IOC_MSG_REPLY_RECEIVE_BATCH, a) ? -errno : 0;
}

static void raw_init(struct qchan_msg_reply_receive_batch *a, int chid, struct bt *b,
		     unsigned int nrep, unsigned int nslots)
{
	memset(a, 0, sizeof(*a));
	a->chid = chid;
	a->nr_replies = nrep;
	a->nr_slots = nslots;
	a->replies_ptr = (uintptr_t)b->rep;
	a->slots_ptr = (uintptr_t)b->slot;
}

/* An async send over io_uring: its argument block and buffers live until its CQE. */
struct qu_send {
	struct qchan_msg_send a;
	iov_t siov, riov;
	char sbuf[BUFLEN], rbuf[BUFLEN];
};

static int qu_send_submit(struct io_uring *ring, struct qu_send *s, int coid, const char *text,
			  uint64_t ud)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct qchan_uring_cmd uc;

	if (!sqe)
		return -EBUSY;
	memset(s, 0, sizeof(*s));
	snprintf(s->sbuf, sizeof(s->sbuf), "%s", text);
	SETIOV(&s->siov, s->sbuf, strlen(s->sbuf) + 1);
	SETIOV(&s->riov, s->rbuf, sizeof(s->rbuf));
	s->a.coid = coid;
	s->a.send_parts = 1;
	s->a.reply_parts = 1;
	s->a.send_iov_ptr = (uintptr_t)&s->siov;
	s->a.reply_iov_ptr = (uintptr_t)&s->riov;
	memset(&uc, 0, sizeof(uc));
	uc.arg_ptr = (uintptr_t)&s->a;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, qchan_context_fd(), NULL, 0, 0);
	sqe->cmd_op = QCHAN_UCMD_SEND;
	memcpy(sqe->cmd, &uc, sizeof(uc));
	sqe->user_data = ud;
	return io_uring_submit(ring) == 1 ? 0 : -EIO;
}

/* Waits until msgs_in_flight - @base reaches @n and the channel's queue holds them. */
static int wait_queued(long base, long n)
{
	return qt_wait_in_flight(base + n);
}

FIXTURE(batch) {
	struct qt_stats before;
	int chid;
	int coid;
	int pipe_up[2];
	pid_t child;
};

FIXTURE_SETUP(batch)
{
	struct qchan_features f = { 0 };

	ASSERT_GE(qchan_context_fd(), 0);
	ASSERT_EQ(0, ioctl(qchan_context_fd(), QCHAN_IOC_GET_FEATURES, &f));
	ASSERT_TRUE(!!(f.features & QCHAN_FEAT_BATCH));
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(_NTO_CHF_FIXED_PRIORITY);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, pipe2(self->pipe_up, O_CLOEXEC));
}

FIXTURE_TEARDOWN(batch)
{
	struct qt_stats now;

	_metadata->trigger = 0;
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
	close(self->pipe_up[0]);
	close(self->pipe_up[1]);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: msgs %ld->%ld pulses %ld->%ld", self->before.msgs_in_flight,
		       now.msgs_in_flight, self->before.pulses, now.pulses);
}

/* Three blocked clients: one call takes all three, a second answers them all. */
TEST_F(batch, receive_all_then_reply_all)
{
	static struct bt b;
	struct qt_client c[3];
	char sbuf[3][8], rbuf[3][BUFLEN];
	int n;

	for (int i = 0; i < 3; i++) {
		snprintf(sbuf[i], sizeof(sbuf[i]), "m%d", i);
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], self->coid, sbuf[i], 3, rbuf[i],
						    BUFLEN));
	}
	bt_slots(&b);
	n = qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, 0);
	ASSERT_EQ(3, n);
	for (int i = 0; i < 3; i++) {
		ASSERT_GT(b.slot[i].rcvid, 0);
		EXPECT_EQ(3, b.slot[i].bytes);
		EXPECT_STREQ(sbuf[i], b.buf[i]);	/* FIFO within one priority */
		EXPECT_EQ(getpid(), b.slot[i].info.pid);
		EXPECT_EQ(atomic_load(&c[i].tid), b.slot[i].info.tid);
		EXPECT_EQ(self->chid, b.slot[i].info.chid);
		EXPECT_EQ(self->coid, b.slot[i].info.coid);
		EXPECT_EQ(3, b.slot[i].info.msglen);
		EXPECT_EQ(BUFLEN, b.slot[i].info.dstmsglen);
		EXPECT_EQ(0, atomic_load(&c[i].done));
	}
	EXPECT_EQ(-7, b.slot[3].rcvid);		/* slots past the count untouched */

	for (int i = 0; i < 3; i++) {
		char text[16];

		snprintf(text, sizeof(text), "reply%d", i);
		bt_reply(&b, i, b.slot[i].rcvid, 100 + i, text);
	}
	bt_reply(&b, 3, 0, 0, "skipped");	/* rcvid 0: skipped, result 0 */
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 4, NULL, 0, 0));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, b.rep[i].result);
	for (int i = 0; i < 3; i++) {
		char text[16];

		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(100 + i, c[i].ret);
		snprintf(text, sizeof(text), "reply%d", i);
		EXPECT_STREQ(text, rbuf[i]);
	}
}

/* Replies and the next receives in one call; MsgError and a duplicate entry. */
TEST_F(batch, reply_and_receive_in_one_call)
{
	static struct bt b;
	struct qt_client c[4];
	char rbuf[4][BUFLEN];
	int n, first[2];
	long base;

	base = self->before.msgs_in_flight;
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], self->coid, "a", 2, rbuf[i], BUFLEN));
	bt_slots(&b);
	ASSERT_EQ(2, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, 2, 0));
	first[0] = b.slot[0].rcvid;
	first[1] = b.slot[1].rcvid;
	for (int i = 2; i < 4; i++)
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], self->coid, "b", 2, rbuf[i], BUFLEN));
	ASSERT_EQ(0, wait_queued(base, 4));

	bt_reply(&b, 0, first[0], 7, "ok");
	bt_error(&b, 1, first[1], EPERM);
	bt_reply(&b, 2, first[0], 8, "again");		/* already answered */
	bt_slots(&b);
	n = qchan_msg_reply_receive_batch(self->chid, b.rep, 3, b.slot, NSLOTS, 0);
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, b.rep[0].result);
	EXPECT_EQ(0, b.rep[1].result);
	EXPECT_EQ(-ESRCH, b.rep[2].result);
	ASSERT_EQ(0, qt_client_join(&c[0]));
	EXPECT_EQ(7, c[0].ret);
	EXPECT_STREQ("ok", rbuf[0]);
	ASSERT_EQ(0, qt_client_join(&c[1]));
	EXPECT_EQ(-1, c[1].ret);
	EXPECT_EQ(EPERM, c[1].err);
	for (int i = 0; i < 2; i++) {
		EXPECT_STREQ("b", b.buf[i]);
		bt_reply(&b, i, b.slot[i].rcvid, 9, "done");
	}
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 2, NULL, 0, 0));
	for (int i = 2; i < 4; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(9, c[i].ret);
	}
}

/*
 * Short replies are read first and given in runs, one lock hold each; every
 * other entry (several parts, longer than the stack tier, a fault) takes
 * MSG_REPLY's path in its place, so each outcome is what the entries one
 * by one would give: a run overflowing its buffer, a skipped entry, a
 * second reply to one rcvid, a MsgError, a long reply and a faulting one.
 */
TEST_F(batch, reply_runs_in_order)
{
	enum { NC = 7, NE = 10, RLEN = 300 };
	static struct bt b;
	static struct qchan_batch_reply rep[NE];
	static iov_t riov[NE][2];
	static char data[NE][RLEN], rbuf[NC][RLEN];
	static const int want[NE] = { 0, 0, 0, 0, 0, -ESRCH, 0, 0, -QCHAN_ESRVRFAULT, -ESRCH };
	void *hole = qt_map_inaccessible(4096);
	struct qt_client c[NC];
	int rcvid[NC];

	ASSERT_NE(NULL, hole);
	for (int i = 0; i < NC; i++)
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], self->coid, "r", 2, rbuf[i], RLEN));
	bt_slots(&b);
	ASSERT_EQ(NC, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, 0));
	for (int i = 0; i < NC; i++)
		rcvid[i] = b.slot[i].rcvid;

	memset(rep, 0, sizeof(rep));
	for (int e = 0; e < NE; e++) {
		rep[e].reply.parts = 1;
		rep[e].reply.iov_ptr = (uintptr_t)riov[e];
		rep[e].reply.status = 100 + e;
		rep[e].result = 12345;
	}
	/* 0-2: 200 bytes each, more than one run's buffer together. */
	for (int e = 0; e < 3; e++) {
		memset(data[e], 'a' + e, 200);
		SETIOV(&riov[e][0], data[e], 200);
		rep[e].reply.rcvid = rcvid[e];
	}
	rep[3].reply.rcvid = 0;				/* skipped */
	SETIOV(&riov[3][0], data[3], 1);
	snprintf(data[4], RLEN, "xyz");			/* two parts: MSG_REPLY's path */
	SETIOV(&riov[4][0], data[4], 1);
	SETIOV(&riov[4][1], data[4] + 1, 3);
	rep[4].reply.parts = 2;
	rep[4].reply.rcvid = rcvid[3];
	SETIOV(&riov[5][0], data[5], 1);		/* answered already (entry 0) */
	rep[5].reply.rcvid = rcvid[0];
	memset(&rep[6].reply, 0, sizeof(rep[6].reply));	/* MsgError in a run */
	rep[6].reply.rcvid = rcvid[4];
	rep[6].reply.flags = QCHAN_REPLY_ERROR;
	rep[6].reply.error = EPERM;
	memset(data[7], 'd', RLEN);			/* longer than the stack tier */
	SETIOV(&riov[7][0], data[7], RLEN);
	rep[7].reply.rcvid = rcvid[5];
	SETIOV(&riov[8][0], hole, 16);			/* our buffer faults */
	rep[8].reply.rcvid = rcvid[6];
	SETIOV(&riov[9][0], data[9], 1);		/* answered (with the fault) already */
	rep[9].reply.rcvid = rcvid[6];

	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, rep, NE, NULL, 0, 0));
	for (int e = 0; e < NE; e++) {
		EXPECT_EQ(want[e], rep[e].result) {
			TH_LOG("entry %d", e);
		}
	}
	for (int i = 0; i < NC; i++)
		ASSERT_EQ(0, qt_client_join(&c[i]));
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(100 + i, c[i].ret);
		EXPECT_EQ(0, memcmp(rbuf[i], data[i], 200));
	}
	EXPECT_EQ(104, c[3].ret);
	EXPECT_STREQ("xyz", rbuf[3]);
	EXPECT_EQ(-1, c[4].ret);
	EXPECT_EQ(EPERM, c[4].err);
	EXPECT_EQ(107, c[5].ret);
	EXPECT_EQ(0, memcmp(rbuf[5], data[7], RLEN));
	EXPECT_EQ(-1, c[6].ret);
	EXPECT_EQ(QCHAN_ESRVRFAULT, c[6].err);
	munmap(hole, 4096);
}

/* Priority order across the batch: messages and pulses by priority, FIFO within one. */
TEST_F(batch, priority_order_with_pulses)
{
	static const int prio[4] = { 10, 30, 20, 30 };
	static struct bt b;
	struct qt_client c[4];
	char sbuf[4][8];
	struct _pulse *p;
	int n;

	for (int i = 0; i < 4; i++) {
		snprintf(sbuf[i], sizeof(sbuf[i]), "p%d", i);
		memset(&c[i], 0, sizeof(c[i]));
		c[i].kind = QT_SEND;
		c[i].coid = self->coid;
		c[i].sbuf = sbuf[i];
		c[i].slen = 3;
		c[i].policy = SCHED_FIFO;
		c[i].prio = prio[i];
		ASSERT_EQ(0, qt_client_start(&c[i]));
		ASSERT_NE(0, qt_wait_tid(&c[i].tid));
		ASSERT_EQ(0, qt_wait_blocked(getpid(), atomic_load(&c[i].tid)));
	}
	ASSERT_EQ(0, MsgSendPulse(self->coid, 25, 3, 0x25));
	ASSERT_EQ(0, MsgSendPulse(self->coid, 5, 4, 0x5));
	bt_slots(&b);
	n = qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, 0);
	ASSERT_EQ(6, n);
	/* 30 (p1), 30 (p3), pulse 25, 20 (p2), 10 (p0), pulse 5 */
	EXPECT_STREQ("p1", b.buf[0]);
	EXPECT_STREQ("p3", b.buf[1]);
	EXPECT_EQ(0, b.slot[2].rcvid);
	p = (struct _pulse *)b.buf[2];
	EXPECT_EQ(3, p->code);
	EXPECT_EQ(0x25, p->value.sival_int);
	EXPECT_EQ((int)sizeof(*p), (int)b.slot[2].bytes);
	EXPECT_STREQ("p2", b.buf[3]);
	EXPECT_STREQ("p0", b.buf[4]);
	EXPECT_EQ(0, b.slot[5].rcvid);
	p = (struct _pulse *)b.buf[5];
	EXPECT_EQ(4, p->code);
	EXPECT_EQ(30, b.slot[0].info.priority);
	EXPECT_EQ(10, b.slot[4].info.priority);
	n = 0;
	for (int i = 0; i < 6; i++)
		if (b.slot[i].rcvid > 0)
			bt_reply(&b, n++, b.slot[i].rcvid, 0, "");
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 4, NULL, 0, 0));
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(0, b.rep[i].result);
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(0, c[i].ret);
	}
}

/* QCHAN_BATCH_NO_INFO leaves info alone; QCHAN_RECEIVE_PULSE_ONLY leaves messages queued. */
TEST_F(batch, no_info_and_pulse_only)
{
	static struct bt b;
	struct qt_client c;
	char rbuf[BUFLEN];

	ASSERT_EQ(0, qt_client_send_blocked(&c, self->coid, "ni", 3, rbuf, BUFLEN));
	ASSERT_EQ(0, MsgSendPulse(self->coid, 1, 9, 0x99));
	ASSERT_EQ(0, MsgSendPulse(self->coid, 1, 10, 0x9a));
	bt_slots(&b);
	ASSERT_EQ(2, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS,
						   QCHAN_RECEIVE_PULSE_ONLY));
	EXPECT_EQ(0, b.slot[0].rcvid);
	EXPECT_EQ(9, ((struct _pulse *)b.buf[0])->code);
	EXPECT_EQ(0, b.slot[1].rcvid);
	EXPECT_EQ(10, ((struct _pulse *)b.buf[1])->code);
	EXPECT_EQ(0, atomic_load(&c.done));
	bt_slots(&b);
	memset(&b.slot[0].info, 0x5a, sizeof(b.slot[0].info));
	ASSERT_EQ(1, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS,
						   QCHAN_BATCH_NO_INFO));
	ASSERT_GT(b.slot[0].rcvid, 0);
	EXPECT_EQ(3, b.slot[0].bytes);
	EXPECT_STREQ("ni", b.buf[0]);
	EXPECT_EQ(0x5a5a5a5a, b.slot[0].info.pid);
	EXPECT_EQ(-EINVAL, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, 1,
							 QCHAN_RECEIVE_TIMEOUT));
	bt_reply(&b, 0, b.slot[0].rcvid, 4, "ok");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 1, NULL, 0, 0));
	EXPECT_EQ(0, b.rep[0].result);
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(4, c.ret);
}

/* Blocking and io_uring clients on one channel, served by batches. */
TEST_F(batch, blocking_and_async_clients)
{
	static struct bt b;
	static struct qu_send s[3];
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct qt_client c[2];
	char rbuf[2][BUFLEN];
	int n, seen[3] = { 0 };
	long base = self->before.msgs_in_flight;

	ASSERT_EQ(0, io_uring_queue_init(16, &ring, 0));
	ASSERT_EQ(0, qt_client_send_blocked(&c[0], self->coid, "blk0", 5, rbuf[0], BUFLEN));
	for (int i = 0; i < 3; i++) {
		char text[8];

		snprintf(text, sizeof(text), "async%d", i);
		ASSERT_EQ(0, qu_send_submit(&ring, &s[i], self->coid, text, 40 + i));
	}
	ASSERT_EQ(0, qt_client_send_blocked(&c[1], self->coid, "blk1", 5, rbuf[1], BUFLEN));
	ASSERT_EQ(0, wait_queued(base, 5));
	bt_slots(&b);
	n = qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, 0);
	ASSERT_EQ(5, n);
	EXPECT_STREQ("blk0", b.buf[0]);
	EXPECT_STREQ("async0", b.buf[1]);
	EXPECT_STREQ("async1", b.buf[2]);
	EXPECT_STREQ("async2", b.buf[3]);
	EXPECT_STREQ("blk1", b.buf[4]);
	for (int i = 0; i < 5; i++)
		bt_reply(&b, i, b.slot[i].rcvid, 50 + i, b.buf[i]);
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 5, NULL, 0, 0));
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(0, b.rep[i].result);
	ASSERT_EQ(0, qt_client_join(&c[0]));
	EXPECT_EQ(50, c[0].ret);
	EXPECT_STREQ("blk0", rbuf[0]);
	ASSERT_EQ(0, qt_client_join(&c[1]));
	EXPECT_EQ(54, c[1].ret);
	for (int k = 0; k < 3; k++) {
		int i;

		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		i = (int)cqe->user_data - 40;
		ASSERT_TRUE(i >= 0 && i < 3);
		EXPECT_EQ(0, cqe->res);
		seen[i]++;
		io_uring_cqe_seen(&ring, cqe);
		EXPECT_EQ(51 + i, (long)s[i].a.status);
		EXPECT_STREQ(s[i].sbuf, s[i].rbuf);
	}
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(1, seen[i]);
	io_uring_queue_exit(&ring);
}

/* A child process that sends @text to (@pid, @chid) and exits 0 if the reply status is 77. */
static pid_t fork_client(pid_t pid, int chid, const char *text)
{
	pid_t child = fork();
	char rbuf[BUFLEN];
	long st;
	int coid;

	if (child)
		return child;
	coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		_exit(91);
	st = MsgSend(coid, text, strlen(text) + 1, rbuf, sizeof(rbuf));
	_exit(st == 77 && !strcmp(rbuf, "fine") ? 0 : 92);
}

/* A client killed between the batch's receive and its reply: that entry alone fails. */
TEST_F(batch, dead_client_mid_batch)
{
	static struct bt b;
	pid_t kid[3];
	int n, status, victim = -1;
	long base = self->before.msgs_in_flight;

	for (int i = 0; i < 3; i++) {
		char text[8];

		snprintf(text, sizeof(text), "kid%d", i);
		kid[i] = fork_client(getpid(), self->chid, text);
		ASSERT_GT(kid[i], 0);
		ASSERT_EQ(0, wait_queued(base, i + 1));
	}
	bt_slots(&b);
	n = qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, 0);
	ASSERT_EQ(3, n);
	for (int i = 0; i < 3; i++)
		if (b.slot[i].info.pid == kid[1])
			victim = i;
	ASSERT_EQ(1, victim);
	ASSERT_EQ(0, kill(kid[1], SIGKILL));
	ASSERT_EQ(kid[1], waitpid(kid[1], &status, 0));
	for (int i = 0; i < 3; i++)
		bt_reply(&b, i, b.slot[i].rcvid, 77, "fine");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 3, NULL, 0, 0));
	EXPECT_EQ(0, b.rep[0].result);
	EXPECT_EQ(-ESRCH, b.rep[1].result);
	EXPECT_EQ(0, b.rep[2].result);
	EXPECT_EQ(0, qt_child_result(kid[0]));
	EXPECT_EQ(0, qt_child_result(kid[2]));
}

/* Asserts that the two received clients are still REPLY-blocked and answerable. */
static void still_held(struct __test_metadata *_metadata, struct bt *b, struct qt_client *c,
		       const int *rcvid)
{
	struct _msg_info info;

	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, atomic_load(&c[i].done));
		EXPECT_EQ(0, MsgInfo(rcvid[i], &info));
		EXPECT_EQ(12345, b->rep[i].result);
	}
}

/* Bad input: rejected before any reply, whatever entry or slot is bad. */
TEST_F(batch, bad_input_changes_nothing)
{
	static struct bt b;
	struct qchan_msg_reply_receive_batch a;
	struct qt_client c[2];
	char rbuf[2][BUFLEN];
	int rcvid[2];
	void *hole;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], self->coid, "x", 2, rbuf[i], BUFLEN));
	bt_slots(&b);
	ASSERT_EQ(2, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, 2, 0));
	rcvid[0] = b.slot[0].rcvid;
	rcvid[1] = b.slot[1].rcvid;
	hole = qt_map_inaccessible(4096);
	ASSERT_NE(NULL, hole);

#define RESET()								\
	do {								\
		bt_reply(&b, 0, rcvid[0], 1, "r0");			\
		bt_reply(&b, 1, rcvid[1], 1, "r1");			\
		bt_slots(&b);						\
		raw_init(&a, self->chid, &b, 2, 1);			\
	} while (0)
#define BAD(err, what)							\
	do {								\
		EXPECT_EQ(err, raw_batch(&a)) TH_LOG("%s", what);	\
		still_held(_metadata, &b, c, rcvid);			\
	} while (0)

	RESET(); a.flags = 1U << 7;				BAD(-EINVAL, "unknown flag");
	RESET(); a.reserved[1] = 1;				BAD(-EINVAL, "reserved");
	RESET(); a.nr_replies = QCHAN_BATCH_MAX + 1;		BAD(-EINVAL, "nr_replies");
	RESET(); a.nr_slots = QCHAN_BATCH_MAX + 1;		BAD(-EINVAL, "nr_slots");
	RESET(); a.nr_replies = 0x80000001;			BAD(-EINVAL, "nr_replies huge");
	RESET(); b.rep[1].pad = 1;				BAD(-EINVAL, "entry pad");
	RESET(); b.rep[1].reply.flags = 1U << 4;		BAD(-EINVAL, "entry flags");
	RESET(); b.rep[1].reply.reserved[1] = 1;		BAD(-EINVAL, "entry reserved");
	RESET(); b.rep[1].reply.error = 5;			BAD(-EINVAL, "error w/o flag");
	RESET(); bt_error(&b, 1, rcvid[1], 600);		BAD(-EINVAL, "error range");
	RESET(); b.rep[1].reply.parts = 1025;			BAD(-EINVAL, "entry parts");
	RESET(); b.slot[0].flags = 1;				BAD(-EINVAL, "slot flags");
	RESET(); b.slot[0].reserved = 1;			BAD(-EINVAL, "slot reserved");
	RESET(); b.slot[0].parts = 1025;			BAD(-EINVAL, "slot parts");
	RESET(); a.flags = QCHAN_RECEIVE_TIMEOUT; a.timeout_clock = 4242;
								BAD(-EINVAL, "clock");
	RESET(); a.chid = 0x3fffffff;				BAD(-ESRCH, "chid");
	RESET(); a.replies_ptr = (uintptr_t)hole;		BAD(-EFAULT, "replies unreadable");
	RESET(); a.slots_ptr = (uintptr_t)hole;			BAD(-EFAULT, "slots unreadable");
	/* The libchan call's own check, before the 32-bit count. */
	RESET();
	EXPECT_EQ(-EINVAL, qchan_msg_reply_receive_batch(self->chid, b.rep, 65, NULL, 0, 0));
	still_held(_metadata, &b, c, rcvid);
#undef BAD
#undef RESET

	/* The same entries, valid, reply. */
	bt_reply(&b, 0, rcvid[0], 1, "r0");
	bt_reply(&b, 1, rcvid[1], 2, "r1");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 2, NULL, 0, 0));
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(0, b.rep[i].result);
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(i + 1, c[i].ret);
	}
	munmap(hole, 4096);
}

/* A later slot's buffer faults: the batch ends there, that sender gets ESRVRFAULT. */
TEST_F(batch, fault_in_later_slot)
{
	static struct bt b;
	struct qt_client c[3];
	char rbuf[3][BUFLEN];
	void *hole = qt_map_inaccessible(4096);
	int n;

	ASSERT_NE(NULL, hole);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], self->coid, "f", 2, rbuf[i], BUFLEN));
	bt_slots(&b);
	SETIOV(&b.iov[1], hole, BUFLEN);
	n = qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, 0);
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, qt_client_join(&c[1]));
	EXPECT_EQ(-1, c[1].ret);
	EXPECT_EQ(QCHAN_ESRVRFAULT, c[1].err);
	/* The third is still queued for the next call. */
	bt_reply(&b, 0, b.slot[0].rcvid, 3, "y");
	bt_slots(&b);
	ASSERT_EQ(1, qchan_msg_reply_receive_batch(self->chid, b.rep, 1, b.slot, NSLOTS, 0));
	EXPECT_EQ(0, b.rep[0].result);
	bt_reply(&b, 0, b.slot[0].rcvid, 4, "z");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 1, NULL, 0, 0));
	ASSERT_EQ(0, qt_client_join(&c[0]));
	EXPECT_EQ(3, c[0].ret);
	ASSERT_EQ(0, qt_client_join(&c[2]));
	EXPECT_EQ(4, c[2].ret);
	munmap(hole, 4096);
}

/* Starts client @c: a SCHED_FIFO @prio send of @text, and waits until it is blocked. */
static int start_prio_client(struct qt_client *c, int coid, const char *text, int prio)
{
	memset(c, 0, sizeof(*c));
	c->kind = QT_SEND;
	c->coid = coid;
	c->sbuf = text;
	c->slen = strlen(text) + 1;
	c->policy = SCHED_FIFO;
	c->prio = prio;
	if (qt_client_start(c) || !qt_wait_tid(&c->tid))
		return -1;
	return qt_wait_blocked(getpid(), atomic_load(&c->tid));
}

/* Replies 0 to every message slot of @b's first @n, and joins @c[0..@nc). */
static int reply_all_join(struct bt *b, int chid, int n, struct qt_client *c, int nc)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (b->slot[i].rcvid > 0)
			bt_reply(b, k++, b->slot[i].rcvid, 0, "");
	if (k && qchan_msg_reply_receive_batch(chid, b->rep, k, NULL, 0, 0))
		return -1;
	for (int i = 0; i < k; i++)
		if (b->rep[i].result)
			return -1;
	for (int i = 0; i < nc; i++)
		if (qt_client_join(&c[i]))
			return -1;
	return 0;
}

/*
 * A call takes what its later slots receive in one go; when a slot faults,
 * what it took for the slots behind goes back as if never taken: the next
 * call receives it in the queue's order (priority, then arrival), around a
 * pulse the call never took and messages that came meanwhile.
 */
static void fault_gives_back(struct __test_metadata *_metadata, FIXTURE_DATA(batch) *self,
			     unsigned int flags)
{
	static const int prio[6] = { 10, 30, 20, 30, 20, 10 };
	static const char *const text[6] = { "g0", "g1", "g2", "g3", "g4", "g5" };
	static struct bt b;
	void *hole = qt_map_inaccessible(4096);
	struct qt_client c[8];
	struct _pulse *p;

	ASSERT_NE(NULL, hole);
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(0, start_prio_client(&c[i], self->coid, text[i], prio[i]));
	ASSERT_EQ(0, MsgSendPulse(self->coid, 15, 7, 0x15));
	/* Queue: g1, g3 (30), g2, g4 (20), pulse (15), g0, g5 (10); slot 2 faults. */
	bt_slots(&b);
	SETIOV(&b.iov[2], hole, BUFLEN);
	ASSERT_EQ(2, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, flags));
	EXPECT_STREQ("g1", b.buf[0]);
	EXPECT_STREQ("g3", b.buf[1]);
	ASSERT_EQ(0, qt_client_join(&c[2]));
	EXPECT_EQ(-1, c[2].ret);
	EXPECT_EQ(QCHAN_ESRVRFAULT, c[2].err);
	EXPECT_EQ(0, reply_all_join(&b, self->chid, 2, NULL, 0));

	/* Meanwhile a 20 (after g4, which came first) and a 30 (before everything). */
	ASSERT_EQ(0, start_prio_client(&c[6], self->coid, "g6", 20));
	ASSERT_EQ(0, start_prio_client(&c[7], self->coid, "g7", 30));
	bt_slots(&b);
	ASSERT_EQ(6, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, flags));
	EXPECT_STREQ("g7", b.buf[0]);
	EXPECT_STREQ("g4", b.buf[1]);
	EXPECT_STREQ("g6", b.buf[2]);
	EXPECT_EQ(0, b.slot[3].rcvid);
	p = (struct _pulse *)b.buf[3];
	EXPECT_EQ(7, p->code);
	EXPECT_EQ(0x15, p->value.sival_int);
	EXPECT_STREQ("g0", b.buf[4]);
	EXPECT_STREQ("g5", b.buf[5]);
	if (!flags)
		EXPECT_EQ(20, b.slot[1].info.priority);
	for (int i = 0; i < 6; i++)
		if (i != 3)
			EXPECT_GT(b.slot[i].rcvid, 0);
	EXPECT_EQ(0, reply_all_join(&b, self->chid, 6, NULL, 0));
	for (int i = 0; i < 8; i++) {
		if (i == 2)
			continue;	/* joined above */
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(0, c[i].ret);
	}
	munmap(hole, 4096);
}

TEST_F(batch, fault_gives_back_later_slots)
{
	fault_gives_back(_metadata, self, 0);
}

/* The same without _msg_info: the slots a call fills after the first are taken in runs. */
TEST_F(batch, fault_gives_back_later_slots_no_info)
{
	fault_gives_back(_metadata, self, QCHAN_BATCH_NO_INFO);
}

/*
 * A later slot whose vector cannot be read: the slots before it are
 * delivered, the messages taken for it and those behind go back, and the
 * next call receives them, in order, under fresh rcvids.
 */
static void bad_vector(struct __test_metadata *_metadata, FIXTURE_DATA(batch) *self,
		       unsigned int flags)
{
	static struct bt b;
	void *hole = qt_map_inaccessible(4096);
	struct qt_client c[5];
	char text[5][4];
	int first[3];

	ASSERT_NE(NULL, hole);
	for (int i = 0; i < 5; i++) {
		snprintf(text[i], sizeof(text[i]), "v%d", i);
		ASSERT_EQ(0, start_prio_client(&c[i], self->coid, text[i], 10));
	}
	bt_slots(&b);
	b.slot[3].iov_ptr = (uintptr_t)hole;
	ASSERT_EQ(3, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, flags));
	EXPECT_EQ(-7, b.slot[3].rcvid);
	for (int i = 0; i < 3; i++) {
		EXPECT_STREQ(text[i], b.buf[i]);
		first[i] = b.slot[i].rcvid;
	}
	EXPECT_EQ(0, reply_all_join(&b, self->chid, 3, c, 3));
	bt_slots(&b);
	ASSERT_EQ(2, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, flags));
	for (int i = 0; i < 2; i++) {
		EXPECT_STREQ(text[3 + i], b.buf[i]);
		for (int j = 0; j < 3; j++)
			EXPECT_NE(first[j], b.slot[i].rcvid);
	}
	EXPECT_EQ(0, reply_all_join(&b, self->chid, 2, c + 3, 2));
	munmap(hole, 4096);
}

TEST_F(batch, bad_vector_in_later_slot)
{
	bad_vector(_metadata, self, 0);
}

TEST_F(batch, bad_vector_in_later_slot_no_info)
{
	bad_vector(_metadata, self, QCHAN_BATCH_NO_INFO);
}

/* The receive timeout: the replies are given, the receive times out; a poll takes what is queued. */
TEST_F(batch, timeout)
{
	static struct bt b;
	struct qchan_msg_reply_receive_batch a;
	struct qt_client c[3];
	char rbuf[3][BUFLEN];
	uint64_t ns = 30 * 1000000ULL;
	long long t0;

	ASSERT_EQ(0, qt_client_send_blocked(&c[0], self->coid, "t", 2, rbuf[0], BUFLEN));
	bt_slots(&b);
	ASSERT_EQ(1, qchan_msg_reply_receive_batch(self->chid, NULL, 0, b.slot, NSLOTS, 0));
	bt_reply(&b, 0, b.slot[0].rcvid, 5, "t");
	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL));
	t0 = qt_now_ms();
	EXPECT_EQ(-ETIMEDOUT, qchan_msg_reply_receive_batch(self->chid, b.rep, 1, b.slot, NSLOTS, 0));
	EXPECT_GE(qt_now_ms() - t0, 25);
	EXPECT_EQ(0, b.rep[0].result);
	ASSERT_EQ(0, qt_client_join(&c[0]));
	EXPECT_EQ(5, c[0].ret);

	/* A deadline already passed polls: both queued messages are taken. */
	for (int i = 1; i < 3; i++)
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], self->coid, "u", 2, rbuf[i], BUFLEN));
	bt_slots(&b);
	raw_init(&a, self->chid, &b, 0, NSLOTS);
	a.flags = QCHAN_RECEIVE_TIMEOUT;
	a.timeout_clock = CLOCK_MONOTONIC;
	a.timeout = 1;
	ASSERT_EQ(0, raw_batch(&a));
	ASSERT_EQ(2, a.nr_received);
	ASSERT_EQ(-ETIMEDOUT, raw_batch(&a));
	for (int i = 0; i < 2; i++)
		bt_reply(&b, i, b.slot[i].rcvid, 6, "u");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(self->chid, b.rep, 2, NULL, 0, 0));
	for (int i = 1; i < 3; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(6, c[i].ret);
	}
}

/* Waits until the calling thread runs at real-time priority @prio (0: SCHED_OTHER). */
static int wait_self_prio(int prio)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	for (;;) {
		struct sched_param sp = { 0 };
		int policy = sched_getscheduler(0);

		sched_getparam(0, &sp);
		if (sp.sched_priority == prio && (policy == SCHED_OTHER) == !prio)
			return 0;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
}

/* Inheritance: the batch's best message raises the thread until it is replied to. */
TEST_F(batch, priority_inheritance)
{
	static const int prio[2] = { 12, 31 };
	static struct bt b;
	struct qt_client c[2];
	int chid, coid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(SCHED_OTHER, sched_getscheduler(0));
	for (int i = 0; i < 2; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].kind = QT_SEND;
		c[i].coid = coid;
		c[i].sbuf = "i";
		c[i].slen = 2;
		c[i].policy = SCHED_FIFO;
		c[i].prio = prio[i];
		ASSERT_EQ(0, qt_client_start(&c[i]));
		ASSERT_NE(0, qt_wait_tid(&c[i].tid));
		ASSERT_EQ(0, qt_wait_blocked(getpid(), atomic_load(&c[i].tid)));
	}
	bt_slots(&b);
	ASSERT_EQ(2, qchan_msg_reply_receive_batch(chid, NULL, 0, b.slot, NSLOTS, 0));
	EXPECT_EQ(31, b.slot[0].info.priority);
	EXPECT_EQ(0, wait_self_prio(31));
	/* The best one answered: the other still held. */
	bt_reply(&b, 0, b.slot[0].rcvid, 0, "");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(chid, b.rep, 1, NULL, 0, 0));
	EXPECT_EQ(0, wait_self_prio(12));
	bt_reply(&b, 0, b.slot[1].rcvid, 0, "");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(chid, b.rep, 1, NULL, 0, 0));
	EXPECT_EQ(0, wait_self_prio(0));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, qt_client_join(&c[i]));
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

/*
 * The same without _msg_info, where a call's slots are filled in runs, the
 * first one too when something is queued: the thread runs at its best
 * held message's priority, and comes down as they are answered.
 */
TEST_F(batch, priority_inheritance_runs)
{
	static const int prio[3] = { 5, 12, 31 };
	static struct bt b;
	struct qt_client c[3];
	int chid, coid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(SCHED_OTHER, sched_getscheduler(0));
	/* A first receive gives the thread its record (and makes it the channel's). */
	ASSERT_EQ(0, start_prio_client(&c[0], coid, "i", prio[0]));
	bt_slots(&b);
	ASSERT_EQ(1, qchan_msg_reply_receive_batch(chid, NULL, 0, b.slot, NSLOTS,
						   QCHAN_BATCH_NO_INFO));
	bt_reply(&b, 0, b.slot[0].rcvid, 0, "");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(chid, b.rep, 1, NULL, 0, 0));
	ASSERT_EQ(0, qt_client_join(&c[0]));
	EXPECT_EQ(0, wait_self_prio(0));

	for (int i = 1; i < 3; i++)
		ASSERT_EQ(0, start_prio_client(&c[i], coid, "j", prio[i]));
	bt_slots(&b);
	ASSERT_EQ(2, qchan_msg_reply_receive_batch(chid, NULL, 0, b.slot, NSLOTS,
						   QCHAN_BATCH_NO_INFO));
	EXPECT_EQ(0, wait_self_prio(31));
	bt_reply(&b, 0, b.slot[0].rcvid, 0, "");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(chid, b.rep, 1, NULL, 0, 0));
	EXPECT_EQ(0, wait_self_prio(12));
	bt_reply(&b, 0, b.slot[1].rcvid, 0, "");
	EXPECT_EQ(0, qchan_msg_reply_receive_batch(chid, b.rep, 1, NULL, 0, 0));
	EXPECT_EQ(0, wait_self_prio(0));
	for (int i = 1; i < 3; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(0, c[i].ret);
	}
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

/*
 * A batch stopped and continued while it waits restarts with nr_replies
 * cleared: the replies already given are not given again (a second reply to
 * the same rcvid would overwrite the entry's result with -ESRCH).
 */
TEST_F(batch, restart_replies_once)
{
	int chid, coid;
	long st;

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		static struct bt cb;
		struct qchan_msg_reply_receive_batch a;

		chid = ChannelCreate(0);
		if (chid <= 0 || qt_write_int(self->pipe_up[1], chid))
			_exit(81);
		bt_slots(&cb);
		if (qchan_msg_reply_receive_batch(chid, NULL, 0, cb.slot, 1, 0) != 1 ||
		    strcmp(cb.buf[0], "a"))
			_exit(82);
		/* Reply to "a", then wait (stopped and continued) for "b". */
		bt_reply(&cb, 0, cb.slot[0].rcvid, 42, "");
		bt_slots(&cb);
		raw_init(&a, chid, &cb, 1, 1);
		if (raw_batch(&a) || a.nr_received != 1 || strcmp(cb.buf[0], "b"))
			_exit(83);
		st = cb.rep[0].result == 0 && a.nr_replies == 0 ? 7 : 100 - cb.rep[0].result;
		bt_reply(&cb, 0, cb.slot[0].rcvid, st, "");
		_exit(qchan_msg_reply_receive_batch(chid, cb.rep, 1, NULL, 0, 0) ||
		      cb.rep[0].result ? 84 : 0);
	}
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	EXPECT_EQ(42, MsgSend(coid, "a", 2, NULL, 0));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGSTOP));
	ASSERT_EQ(0, qt_wait_state(self->child, self->child, 'T'));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	EXPECT_EQ(7, MsgSend(coid, "b", 2, NULL, 0)) TH_LOG("7: replied once; 100+e: result -e");
	EXPECT_EQ(0, qt_child_result(self->child));
	self->child = 0;
	EXPECT_EQ(0, ConnectDetach(coid));
}

/*
 * kill -9 of a server holding a batch and waiting in the next one: every
 * client (REPLY-blocked on the batch, or queued) fails with ESRCH.
 */
TEST_F(batch, kill9_server_mid_batch)
{
	struct qt_client c[3];
	int chid, n, coid, status;

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		static struct bt cb;
		int got;

		chid = ChannelCreate(0);
		if (chid <= 0 || qt_write_int(self->pipe_up[1], chid))
			_exit(81);
		bt_slots(&cb);
		got = 0;
		while (got < 3) {
			n = qchan_msg_reply_receive_batch(chid, NULL, 0, cb.slot + got, 3 - got, 0);
			if (n <= 0)
				_exit(82);
			got += n;
		}
		if (qt_write_int(self->pipe_up[1], got))
			_exit(83);
		/* Holding three; reply to none and wait in the next batch. */
		bt_slots(&cb);
		qchan_msg_reply_receive_batch(chid, NULL, 0, cb.slot + 3, 1, 0);
		_exit(84);
	}
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, qt_client_send(&c[i], coid, "k", 2, NULL, 0));
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));
	ASSERT_EQ(3, n);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&c[i].tid)));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	self->child = 0;
	EXPECT_TRUE(WIFSIGNALED(status));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i])) TH_LOG("client %d still blocked", i);
		EXPECT_EQ(-1, c[i].ret);
		EXPECT_EQ(ESRCH, c[i].err);
	}
	/* The channel died with its process. */
	EXPECT_EQ(-EBADF, MsgSend_r(coid, "x", 2, NULL, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
}

/*
 * Calls above 8 entries and slots (9 to 40, every size in turn) from two
 * server threads at once, over many rounds: their arrays come from the
 * ctx's kept block or, while the other thread holds it, an allocation of
 * their own.  Every client gets its own reply, and nothing is left behind.
 */
#define LB_CLIENTS	24
#define LB_ROUNDS	25
#define LB_SLOTS	40

struct lb_server {
	pthread_t thread;
	int chid;
	int calls;
	int err;
	struct qchan_batch_slot slot[LB_SLOTS];
	iov_t iov[LB_SLOTS];
	char buf[LB_SLOTS][BUFLEN];
	struct qchan_batch_reply rep[LB_SLOTS];
	iov_t riov[LB_SLOTS];
	char rbuf[LB_SLOTS][BUFLEN];
};

static atomic_int lb_stop;

static void *lb_server_fn(void *arg)
{
	struct lb_server *sv = arg;
	unsigned int nrep = 0, nslots;
	bool pulse = false;
	int n;

	for (;;) {
		nslots = pulse ? 0 : 9 + (sv->calls % (LB_SLOTS - 8));
		memset(sv->slot, 0, sizeof(sv->slot));
		for (unsigned int i = 0; i < nslots; i++) {
			SETIOV(&sv->iov[i], sv->buf[i], BUFLEN);
			sv->slot[i].iov_ptr = (uintptr_t)&sv->iov[i];
			sv->slot[i].parts = 1;
		}
		n = qchan_msg_reply_receive_batch(sv->chid, sv->rep, nrep, sv->slot, nslots, 0);
		sv->calls++;
		if (n < 0) {
			sv->err = n;
			return NULL;
		}
		for (unsigned int i = 0; i < nrep; i++)
			if (sv->rep[i].result)
				sv->err = sv->rep[i].result;
		if (pulse)
			return NULL;
		nrep = 0;
		for (int i = 0; i < n; i++) {
			struct qchan_batch_reply *r = &sv->rep[nrep];

			if (!sv->slot[i].rcvid) {
				pulse = atomic_load(&lb_stop);
				continue;
			}
			memset(r, 0, sizeof(*r));
			snprintf(sv->rbuf[nrep], BUFLEN, "r%.*s", BUFLEN - 2, sv->buf[i]);
			SETIOV(&sv->riov[nrep], sv->rbuf[nrep], strlen(sv->rbuf[nrep]) + 1);
			r->reply.rcvid = sv->slot[i].rcvid;
			r->reply.status = sv->slot[i].bytes;
			r->reply.parts = 1;
			r->reply.iov_ptr = (uintptr_t)&sv->riov[nrep];
			nrep++;
		}
	}
}

struct lb_client {
	pthread_t thread;
	int coid;
	int id;
	int bad;
};

static void *lb_client_fn(void *arg)
{
	struct lb_client *c = arg;
	char sbuf[32], rbuf[BUFLEN], want[BUFLEN];
	long ret;

	for (int k = 0; k < LB_ROUNDS; k++) {
		snprintf(sbuf, sizeof(sbuf), "c%d-%d", c->id, k);
		snprintf(want, sizeof(want), "r%s", sbuf);
		memset(rbuf, 0, sizeof(rbuf));
		ret = MsgSend(c->coid, sbuf, strlen(sbuf) + 1, rbuf, sizeof(rbuf));
		if (ret != (long)strlen(sbuf) + 1 || strcmp(rbuf, want))
			c->bad++;
	}
	return NULL;
}

TEST_F(batch, large_batches_two_threads)
{
	static struct lb_server sv[2];
	static struct lb_client c[LB_CLIENTS];
	int bad = 0;

	atomic_store(&lb_stop, 0);
	for (int i = 0; i < 2; i++) {
		memset(&sv[i], 0, sizeof(sv[i]));
		sv[i].chid = self->chid;
		ASSERT_EQ(0, pthread_create(&sv[i].thread, NULL, lb_server_fn, &sv[i]));
	}
	for (int i = 0; i < LB_CLIENTS; i++) {
		c[i] = (struct lb_client){ .coid = self->coid, .id = i };
		ASSERT_EQ(0, pthread_create(&c[i].thread, NULL, lb_client_fn, &c[i]));
	}
	for (int i = 0; i < LB_CLIENTS; i++) {
		ASSERT_EQ(0, pthread_join(c[i].thread, NULL));
		bad += c[i].bad;
	}
	EXPECT_EQ(0, bad);
	/* One pulse each ends them (a server may take both: keep sending). */
	atomic_store(&lb_stop, 1);
	for (int i = 0; i < 2; i++) {
		while (pthread_tryjoin_np(sv[i].thread, NULL)) {
			ASSERT_EQ(0, MsgSendPulse(self->coid, -1, _PULSE_CODE_MINAVAIL, 0));
			usleep(20000);
		}
		EXPECT_EQ(0, sv[i].err) TH_LOG("server %d", i);
		EXPECT_GT(sv[i].calls, 1);
	}
}

TEST_HARNESS_MAIN
