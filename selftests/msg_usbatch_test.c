// SPDX-License-Identifier: GPL-2.0
/*
 * QCHAN_UCMD_SEND_BATCH: several async sends in one io_uring command
 * (libchan's qchan_prep_send_batch).  Per-entry results, statuses and reply
 * buffers; array order against blocking senders and single async sends;
 * mixed channels and coids in one batch; a bad entry anywhere failing the
 * whole command with nothing received; MsgError per entry; the channel's
 * end mid-batch; CANCEL of the whole batch; per-entry timeouts; an async
 * server; MsgRead/MsgWrite; a worker-issued batch (IOSQE_ASYNC); bad
 * arguments; ring close, the submitting thread's exit and kill -9 with
 * many batches outstanding, every counter back.  Also built -m32 over uring_raw.h (the
 * compat vectors of a 32-bit ring).
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
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <qchan/libchan.h>
#include <qchan/uring.h>

#include "kselftest_harness.h"

#define QB_MAX	16

/* A batch: its argument blocks, vectors and buffers live until its CQE. */
struct qb_batch {
	struct qchan_uring_send_batch b;
	struct qchan_msg_send e[QB_MAX];
	int32_t res[QB_MAX];
	iov_t siov[QB_MAX], riov[QB_MAX];
	char sbuf[QB_MAX][32], rbuf[QB_MAX][32];
	unsigned int n;
};

/* Entry @i of @q to @coid carrying @text. */
static void qb_add(struct qb_batch *q, int coid, const char *text)
{
	unsigned int i = q->n++;

	snprintf(q->sbuf[i], sizeof(q->sbuf[i]), "%s", text);
	memset(q->rbuf[i], 0, sizeof(q->rbuf[i]));
	SETIOV(&q->siov[i], q->sbuf[i], strlen(q->sbuf[i]) + 1);
	SETIOV(&q->riov[i], q->rbuf[i], sizeof(q->rbuf[i]));
	qchan_batch_entry(&q->e[i], coid, &q->siov[i], 1, &q->riov[i], 1);
	q->res[i] = 12345;
}

static int qb_prep(struct io_uring *ring, struct qb_batch *q, uint64_t user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	sqe->user_data = user_data;
	return qchan_prep_send_batch(sqe, &q->b, q->e, q->res, q->n);
}

static int qb_submit(struct io_uring *ring, struct qb_batch *q, uint64_t user_data)
{
	int err = qb_prep(ring, q, user_data);

	if (err)
		return err;
	return io_uring_submit(ring) == 1 ? 0 : -EIO;
}

/* The next CQE, waiting at most QT_WAIT_MS: 0 with *ud and *res, or -errno. */
static int qb_next(struct io_uring *ring, uint64_t *ud, int *res)
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

static int qb_peek(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;

	return io_uring_peek_cqe(ring, &cqe);
}

/* A raw command: @op with argument @arg, its CQE's res. */
static int qb_sync(struct io_uring *ring, unsigned int op, const void *arg)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct qchan_uring_cmd uc = { .arg_ptr = (uintptr_t)arg };
	uint64_t ud;
	int res;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, qchan_context_fd(), NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &uc, sizeof(uc));
	sqe->user_data = 0x5151;
	if (io_uring_submit(ring) != 1 || qb_next(ring, &ud, &res))
		return -EIO;
	return ud == 0x5151 ? res : -EPROTO;
}

static int qb_wait_cmds(long want)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (qt_stat_read("uring_cmds") != want) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(5);
	}
	return 0;
}

/* A receive that does not block: the rcvid, or -errno (-ETIMEDOUT: nothing queued). */
static int qb_poll_receive(int chid, char *buf, size_t len)
{
	uint64_t zero = 0;

	if (TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &zero, NULL) < 0)
		return -errno;
	return MsgReceive_r(chid, buf, len, NULL);
}

FIXTURE(usbatch) {
	struct io_uring ring;
	struct qt_stats before;
	int chid, coid;
};

FIXTURE_SETUP(usbatch)
{
	struct qchan_features f = { 0 };

	ASSERT_GE(qchan_context_fd(), 0);
	ASSERT_EQ(0, ioctl(qchan_context_fd(), QCHAN_IOC_GET_FEATURES, &f));
	ASSERT_TRUE(!!(f.features & QCHAN_FEAT_URING_SEND_BATCH));
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, io_uring_queue_init(64, &self->ring, 0));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(usbatch)
{
	struct qt_stats now;

	io_uring_queue_exit(&self->ring);
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
	EXPECT_EQ(0, qb_wait_cmds(0));
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("channels %ld/%ld conns %ld/%ld in flight %ld/%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight);
}

/* Four sends, one blocking server: received in order, each reply in its buffer, one CQE last. */
TEST_F(usbatch, basic)
{
	static struct qb_batch q;
	char buf[64], want[32];
	int rcvid[4], i, res;
	uint64_t ud;

	memset(&q, 0, sizeof(q));
	for (i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "m%d", i);
		qb_add(&q, self->coid, want);
	}
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 7));
	for (i = 0; i < 4; i++) {
		struct _msg_info info;

		rcvid[i] = MsgReceive(self->chid, buf, sizeof(buf), &info);
		ASSERT_GT(rcvid[i], 0);
		snprintf(want, sizeof(want), "m%d", i);
		EXPECT_STREQ(want, buf);
		EXPECT_EQ(getpid(), info.pid);
		EXPECT_EQ(32, info.dstmsglen);
	}
	/* Replied out of order: the CQE waits for the last. */
	for (i = 3; i >= 0; i--) {
		EXPECT_EQ(-EAGAIN, qb_peek(&self->ring));
		snprintf(want, sizeof(want), "r%d", i);
		ASSERT_EQ(0, MsgReply(rcvid[i], 100 + i, want, strlen(want) + 1));
	}
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(7, ud);
	EXPECT_EQ(0, res);
	for (i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "r%d", i);
		EXPECT_EQ(0, q.res[i]);
		EXPECT_EQ(100 + i, q.e[i].status);
		EXPECT_STREQ(want, q.rbuf[i]);
	}
}

/* FIFO within a priority: a blocking sender, then a batch, then a single async send. */
TEST_F(usbatch, order_against_others)
{
	static struct qb_batch q;
	static struct qchan_async_send single;
	static char single_rbuf[32];
	const char *want[] = { "blocking", "b0", "b1", "b2", "single" };
	struct io_uring_sqe *sqe;
	char rbuf[32], buf[64];
	struct qt_client c;
	int rcvid[5], i, res, cqes;
	uint64_t ud;

	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, qt_client_send_blocked(&c, self->coid, "blocking", 9, rbuf, sizeof(rbuf)));
	qb_add(&q, self->coid, "b0");
	qb_add(&q, self->coid, "b1");
	qb_add(&q, self->coid, "b2");
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 1));
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	sqe->user_data = 2;
	ASSERT_EQ(0, qchan_prep_send(sqe, &single, self->coid, "single", 7, single_rbuf,
				     sizeof(single_rbuf)));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	for (i = 0; i < 5; i++) {
		rcvid[i] = MsgReceive(self->chid, buf, sizeof(buf), NULL);
		ASSERT_GT(rcvid[i], 0);
		EXPECT_STREQ(want[i], buf);
	}
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, MsgReply(rcvid[i], i, "ok", 3));
	ASSERT_EQ(0, qt_client_join(&c));
	for (cqes = 0; cqes < 2; cqes++) {
		ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
		EXPECT_EQ(0, res);
	}
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1 + i, q.e[i].status);
	EXPECT_EQ(4, qchan_async_status(&single));
	EXPECT_STREQ("ok", single_rbuf);
}

/* MsgRead and MsgWrite on a batched sender, as on a single async one. */
TEST_F(usbatch, msgread_msgwrite)
{
	static struct qb_batch q;
	int rcvid[2], i, res;
	char buf[64];
	uint64_t ud;

	memset(&q, 0, sizeof(q));
	qb_add(&q, self->coid, "first message");
	qb_add(&q, self->coid, "second message");
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 21));
	for (i = 0; i < 2; i++) {
		rcvid[i] = MsgReceive(self->chid, buf, 4, NULL);
		ASSERT_GT(rcvid[i], 0);
	}
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(8, MsgRead(rcvid[1], buf, sizeof(buf), 7));
	EXPECT_STREQ("message", buf);
	/* Bytes 10..15 written, then a 3-byte reply over the start. */
	ASSERT_EQ(6, MsgWrite(rcvid[1], "WRITE", 6, 10));
	ASSERT_EQ(0, MsgReply(rcvid[1], 2, "ab", 3));
	ASSERT_EQ(0, MsgReply(rcvid[0], 1, "zz", 3));
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, q.res[0]);
	EXPECT_EQ(0, q.res[1]);
	EXPECT_STREQ("zz", q.rbuf[0]);
	EXPECT_STREQ("ab", q.rbuf[1]);
	EXPECT_STREQ("WRITE", q.rbuf[1] + 10);
}

/* One batch over two channels and three coids (two connections to one channel). */
TEST_F(usbatch, mixed_channels)
{
	static struct qb_batch q;
	int chid2, coid2, coid3, rcvid, i, res;
	char buf[64];
	uint64_t ud;

	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	coid3 = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GT(coid2, 0);
	ASSERT_GE(coid3, 0);
	memset(&q, 0, sizeof(q));
	qb_add(&q, self->coid, "a0");
	qb_add(&q, coid2, "x0");
	qb_add(&q, coid3, "a1");
	qb_add(&q, coid2, "x1");
	qb_add(&q, self->coid, "a2");
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 3));
	for (i = 0; i < 3; i++) {
		char want[8];
		struct _msg_info info;

		snprintf(want, sizeof(want), "a%d", i);
		rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
		ASSERT_GT(rcvid, 0);
		EXPECT_STREQ(want, buf);
		EXPECT_EQ(i == 1 ? coid3 : self->coid, info.coid);
		ASSERT_EQ(0, MsgReply(rcvid, 10 + i, buf, 3));
	}
	for (i = 0; i < 2; i++) {
		char want[8];

		snprintf(want, sizeof(want), "x%d", i);
		rcvid = MsgReceive(chid2, buf, sizeof(buf), NULL);
		ASSERT_GT(rcvid, 0);
		EXPECT_STREQ(want, buf);
		ASSERT_EQ(0, MsgReply(rcvid, 20 + i, buf, 3));
	}
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(10, q.e[0].status);
	EXPECT_EQ(20, q.e[1].status);
	EXPECT_EQ(11, q.e[2].status);
	EXPECT_EQ(21, q.e[3].status);
	EXPECT_EQ(12, q.e[4].status);
	EXPECT_STREQ("x1", q.rbuf[3]);
	EXPECT_STREQ("a2", q.rbuf[4]);
	ConnectDetach(coid3);
	ConnectDetach(coid2);
	ChannelDestroy(chid2);
}

/* A bad entry first, in the middle or last fails the command; nothing is received. */
TEST_F(usbatch, bad_entry_fails_all)
{
	static struct qb_batch q;
	int pos, kind, res, chid2, coid2;
	char buf[64];
	uint64_t ud;
	static const int want[] = { -EBADF, -EINVAL, -EFAULT, -EMSGSIZE, -EINVAL, -EBADF };

	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GT(coid2, 0);
	ASSERT_EQ(0, ChannelDestroy(chid2));	/* coid2 leads nowhere now */
	for (kind = 0; kind < 6; kind++) {
		for (pos = 0; pos < 4; pos += (pos == 0 ? 2 : 1)) {
			memset(&q, 0, sizeof(q));
			qb_add(&q, self->coid, "0");
			qb_add(&q, self->coid, "1");
			qb_add(&q, self->coid, "2");
			qb_add(&q, self->coid, "3");
			switch (kind) {
			case 0:
				q.e[pos].coid = 12345;
				break;
			case 1:
				q.e[pos].reserved = 1;
				break;
			case 2:
				q.e[pos].send_iov_ptr = 8;
				break;
			case 3:
				q.siov[pos].iov_len = QCHAN_URING_MAX_MSG + 1;
				break;
			case 4:
				q.e[pos].flags = 1U << 7;
				break;
			case 5:
				q.e[pos].coid = coid2;
				break;
			}
			ASSERT_EQ(0, qb_submit(&self->ring, &q, 40 + kind));
			ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
			EXPECT_EQ(40 + kind, ud);
			EXPECT_EQ(want[kind], res) TH_LOG("kind %d pos %d", kind, pos);
			EXPECT_EQ(12345, q.res[0]);
			EXPECT_EQ(-ETIMEDOUT, qb_poll_receive(self->chid, buf, sizeof(buf)));
		}
	}
	ConnectDetach(coid2);
}

/* MsgError and reply per entry; the CQE says 0, the results tell each. */
TEST_F(usbatch, msg_error_per_entry)
{
	static struct qb_batch q;
	int rcvid[3], i, res;
	char buf[64];
	uint64_t ud;

	memset(&q, 0, sizeof(q));
	for (i = 0; i < 3; i++)
		qb_add(&q, self->coid, "e");
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 9));
	for (i = 0; i < 3; i++) {
		rcvid[i] = MsgReceive(self->chid, buf, sizeof(buf), NULL);
		ASSERT_GT(rcvid[i], 0);
	}
	ASSERT_EQ(0, MsgReply(rcvid[0], 5, "a", 2));
	ASSERT_EQ(0, MsgError(rcvid[1], ENOSPC));
	ASSERT_EQ(0, MsgReply(rcvid[2], 7, "c", 2));
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, q.res[0]);
	EXPECT_EQ(-ENOSPC, q.res[1]);
	EXPECT_EQ(0, q.res[2]);
	EXPECT_EQ(5, q.e[0].status);
	EXPECT_EQ(7, q.e[2].status);
	EXPECT_STREQ("a", q.rbuf[0]);
	EXPECT_STREQ("", q.rbuf[1]);
	EXPECT_STREQ("c", q.rbuf[2]);
}

/* The server's channel goes mid-batch: the replied send keeps its reply, the rest fail. */
TEST_F(usbatch, channel_destroyed_mid_batch)
{
	static struct qb_batch q;
	int chid2, coid2, rcvid[2], res;
	char buf[64];
	uint64_t ud;

	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GT(coid2, 0);
	memset(&q, 0, sizeof(q));
	qb_add(&q, coid2, "0");
	qb_add(&q, coid2, "1");
	qb_add(&q, coid2, "2");
	qb_add(&q, self->coid, "other");
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 11));
	rcvid[0] = MsgReceive(chid2, buf, sizeof(buf), NULL);
	rcvid[1] = MsgReceive(chid2, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid[0], 0);
	ASSERT_GT(rcvid[1], 0);
	ASSERT_EQ(0, MsgReply(rcvid[0], 1, "done", 5));
	ASSERT_EQ(0, ChannelDestroy(chid2));	/* entry 1 received, entry 2 queued */
	EXPECT_EQ(-EAGAIN, qb_peek(&self->ring));
	rcvid[0] = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid[0], 0);
	EXPECT_STREQ("other", buf);
	ASSERT_EQ(0, MsgReply(rcvid[0], 3, NULL, 0));
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(0, q.res[0]);
	EXPECT_STREQ("done", q.rbuf[0]);
	EXPECT_NE(0, q.res[1]);
	EXPECT_NE(0, q.res[2]);
	EXPECT_EQ(0, q.res[3]);
	EXPECT_EQ(3, q.e[3].status);
	ConnectDetach(coid2);
}

/* CANCEL with the batch's user_data ends every send of it, received or queued. */
TEST_F(usbatch, cancel)
{
	static struct qb_batch q;
	int rcvid, res, i;
	char buf[64];
	uint64_t ud;

	memset(&q, 0, sizeof(q));
	for (i = 0; i < 4; i++)
		qb_add(&q, self->coid, "c");
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 77));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qb_sync(&self->ring, QCHAN_UCMD_CANCEL, (void *)77));
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(77, ud);
	EXPECT_EQ(0, res);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-ECANCELED, q.res[i]);
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	/* the queued ones were withdrawn */
	EXPECT_EQ(-ETIMEDOUT, qb_poll_receive(self->chid, buf, sizeof(buf)));
	EXPECT_EQ(-ENOENT, qb_sync(&self->ring, QCHAN_UCMD_CANCEL, (void *)77));
}

/* Timeouts are per entry: one times out, its neighbour is served. */
TEST_F(usbatch, timeout_per_entry)
{
	static struct qb_batch q;
	long long t0 = qt_now_ms();
	struct timespec ts;
	int rcvid, res;
	char buf[64];
	uint64_t ud;

	memset(&q, 0, sizeof(q));
	qb_add(&q, self->coid, "late");
	qb_add(&q, self->coid, "served");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	q.e[0].flags = QCHAN_SEND_TIMEOUT_SEND;
	q.e[0].timeout_clock = CLOCK_MONOTONIC;
	q.e[0].timeout = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 200 * 1000000LL;
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 5));
	/* Entry 0 leaves the queue at its deadline; then entry 1 is first. */
	while (qt_now_ms() - t0 < 400)
		qt_sleep_ms(50);
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("served", buf);
	EXPECT_EQ(-EAGAIN, qb_peek(&self->ring));
	ASSERT_EQ(0, MsgReply(rcvid, 2, "ok", 3));
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(0, res);
	EXPECT_EQ(-ETIMEDOUT, q.res[0]);
	EXPECT_EQ(0, q.res[1]);
	EXPECT_EQ(2, q.e[1].status);
	EXPECT_STREQ("ok", q.rbuf[1]);
}

/* An async server: posted receives and REPLY_RECEIVE answer a batch. */
TEST_F(usbatch, async_server)
{
	static struct qb_batch q;
	static struct qchan_async_receive r;
	struct io_uring_sqe *sqe;
	int i, res, rcvid;
	uint64_t ud;
	char buf[64];

	memset(&q, 0, sizeof(q));
	for (i = 0; i < 3; i++) {
		char text[8];

		snprintf(text, sizeof(text), "q%d", i);
		qb_add(&q, self->coid, text);
	}
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	sqe->user_data = 50;
	ASSERT_EQ(0, qchan_prep_receive(sqe, &r, self->chid, buf, sizeof(buf), NULL));
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	ASSERT_EQ(0, qb_submit(&self->ring, &q, 51));
	for (i = 0; i < 3; i++) {
		char want[8];

		ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
		ASSERT_EQ(50, ud);
		ASSERT_GT(res, 0);
		snprintf(want, sizeof(want), "q%d", i);
		EXPECT_STREQ(want, buf);
		rcvid = res;
		if (i < 2) {
			static struct qchan_async_reply_receive rr;

			sqe = io_uring_get_sqe(&self->ring);
			sqe->user_data = 50;
			ASSERT_EQ(0, qchan_prep_reply_receive(sqe, &rr, rcvid, 30 + i, want, 3,
							      self->chid, buf, sizeof(buf), NULL));
			ASSERT_EQ(1, io_uring_submit(&self->ring));
		} else {
			ASSERT_EQ(0, MsgReply(rcvid, 30 + i, want, 3));
		}
	}
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(51, ud);
	EXPECT_EQ(0, res);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, q.res[i]);
		EXPECT_EQ(30 + i, q.e[i].status);
		EXPECT_EQ('q', q.rbuf[i][0]);
	}
}

/*
 * Issued from one of io_uring's workers (IOSQE_ASYNC): the entries and
 * vectors are read there (a 32-bit ring's as compat), the replies still
 * land in the submitter's buffers.
 */
TEST_F(usbatch, worker_issued)
{
	static struct qb_batch q;
	struct io_uring_sqe *sqe;
	int rcvid, i, res;
	char buf[64];
	uint64_t ud;

	memset(&q, 0, sizeof(q));
	for (i = 0; i < 3; i++) {
		char text[8];

		snprintf(text, sizeof(text), "w%d", i);
		qb_add(&q, self->coid, text);
	}
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	sqe->user_data = 61;
	ASSERT_EQ(0, qchan_prep_send_batch(sqe, &q.b, q.e, q.res, q.n));
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_EQ(1, io_uring_submit(&self->ring));
	for (i = 0; i < 3; i++) {
		char want[8];

		rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
		ASSERT_GT(rcvid, 0);
		snprintf(want, sizeof(want), "w%d", i);
		EXPECT_STREQ(want, buf);
		ASSERT_EQ(0, MsgReply(rcvid, 40 + i, buf, 3));
	}
	ASSERT_EQ(0, qb_next(&self->ring, &ud, &res));
	EXPECT_EQ(61, ud);
	EXPECT_EQ(0, res);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, q.res[i]);
		EXPECT_EQ(40 + i, q.e[i].status);
		EXPECT_EQ('w', q.rbuf[i][0]);
	}
}

static struct io_uring qb_thread_ring;
static struct qb_batch qb_thread_batch;

static void *qb_submitter_main(void *arg)
{
	int coid = *(int *)arg, i;

	for (i = 0; i < 4; i++)
		qb_add(&qb_thread_batch, coid, "orphan");
	return (void *)(intptr_t)qb_submit(&qb_thread_ring, &qb_thread_batch, 8);
}

/* A submitting thread that exits, its process living on: its batch is cancelled. */
TEST_F(usbatch, submitter_thread_exit)
{
	long cmds_before = qt_stat_read("uring_cmds");
	char buf[64];
	pthread_t t;
	uint64_t ud;
	void *ret;
	int res;

	memset(&qb_thread_batch, 0, sizeof(qb_thread_batch));
	ASSERT_EQ(0, io_uring_queue_init(8, &qb_thread_ring, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, qb_submitter_main, &self->coid));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(NULL, ret);
	/* 6.1: within the reap's second; nothing is copied (the thread is gone) */
	ASSERT_EQ(0, qb_next(&qb_thread_ring, &ud, &res));
	EXPECT_EQ(8, ud);
	EXPECT_EQ(-ECANCELED, res);
	EXPECT_EQ(12345, qb_thread_batch.res[0]);
	EXPECT_EQ(0, qb_wait_cmds(cmds_before));
	EXPECT_EQ(-ETIMEDOUT, qb_poll_receive(self->chid, buf, sizeof(buf)));
	io_uring_queue_exit(&qb_thread_ring);
}

/* The batch's own fields and pointers. */
TEST_F(usbatch, bad_args)
{
	static struct qb_batch q;
	struct qchan_uring_send_batch b;
	char buf[64];

	memset(&q, 0, sizeof(q));
	qb_add(&q, self->coid, "x");
	memset(&b, 0, sizeof(b));
	b.sends_ptr = (uintptr_t)q.e;
	b.results_ptr = (uintptr_t)q.res;
	b.count = 1;
	b.flags = 1;
	EXPECT_EQ(-EINVAL, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	b.flags = 0;
	b.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	b.reserved[1] = 0;
	b.count = 0;
	EXPECT_EQ(-EINVAL, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	b.count = QCHAN_SEND_BATCH_MAX + 1;
	EXPECT_EQ(-EINVAL, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	b.count = 1;
	b.sends_ptr = 16;
	EXPECT_EQ(-EFAULT, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	b.sends_ptr = (uintptr_t)q.e;
	b.results_ptr = ~0ULL - 2;
	EXPECT_EQ(-EFAULT, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	EXPECT_EQ(-EFAULT, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, (void *)24));
	q.e[0].status = 3;	/* no restart cookie */
	b.results_ptr = (uintptr_t)q.res;
	EXPECT_EQ(-EINVAL, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	q.e[0].status = 0;
	q.e[0].flags = QCHAN_SEND_FINISH;
	EXPECT_EQ(-EINVAL, qb_sync(&self->ring, QCHAN_UCMD_SEND_BATCH, &b));
	EXPECT_EQ(-ETIMEDOUT, qb_poll_receive(self->chid, buf, sizeof(buf)));
	/* A batch is not an ioctl. */
	EXPECT_EQ(-1, ioctl(qchan_context_fd(), QCHAN_UCMD_SEND_BATCH, &b));
	EXPECT_EQ(ENOTTY, errno);
}

/* Closing the ring with batches outstanding (queued and received) ends them all. */
TEST_F(usbatch, ring_close)
{
	enum { N = 8 };
	static struct qb_batch q[N];
	long cmds_before = qt_stat_read("uring_cmds");
	char buf[64];
	int i, j, rcvid;

	for (i = 0; i < N; i++) {
		memset(&q[i], 0, sizeof(q[i]));
		for (j = 0; j < 4; j++)
			qb_add(&q[i], self->coid, "queued");
		ASSERT_EQ(0, qb_prep(&self->ring, &q[i], i));
	}
	ASSERT_EQ(N, io_uring_submit(&self->ring));
	EXPECT_EQ(cmds_before + 4 * N, qt_stat_read("uring_cmds"));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	io_uring_queue_exit(&self->ring);
	EXPECT_EQ(0, qb_wait_cmds(cmds_before));
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
	EXPECT_EQ(-ETIMEDOUT, qb_poll_receive(self->chid, buf, sizeof(buf)));
}

/* kill -9 of a process with hundreds of batched sends outstanding: dies, counters back. */
TEST(kill9_outstanding)
{
	enum { N = 40, PER = 8 };
	struct qt_stats before, now;
	int pfd[2], chid, v, rcvid;
	char buf[64];
	pid_t pid;

	ASSERT_EQ(0, qt_stats_read(&before));
	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct qb_batch q[N];
		struct io_uring ring;
		int mychid, mycoid, pcoid, i, j;

		close(pfd[0]);
		if (io_uring_queue_init(256, &ring, 0))
			_exit(2);
		mychid = ChannelCreate(0);
		mycoid = ConnectAttach(0, 0, mychid, _NTO_SIDE_CHANNEL, 0);
		pcoid = ConnectAttach(0, getppid(), chid, _NTO_SIDE_CHANNEL, 0);
		if (mychid <= 0 || mycoid < 0 || pcoid < 0)
			_exit(3);
		for (i = 0; i < N; i++) {
			for (j = 0; j < PER; j++)
				qb_add(&q[i], j & 1 ? mycoid : pcoid, j & 1 ? "to me" : "to parent");
			if (qb_prep(&ring, &q[i], i))
				_exit(4);
			if (io_uring_submit(&ring) != 1)
				_exit(5);
		}
		qt_write_int(pfd[1], 1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(0, qt_read_int(pfd[0], &v));
	ASSERT_EQ(0, qt_wait_in_flight(before.msgs_in_flight + N * PER));
	EXPECT_GE(qt_stat_read("uring_cmds"), N * PER);
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	EXPECT_GT(rcvid, 0);
	EXPECT_STREQ("to parent", buf);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_TRUE(WIFSIGNALED(qt_waitpid_timeout(pid, QT_WAIT_MS)));
	EXPECT_EQ(0, qb_wait_cmds(0));
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	ChannelDestroy(chid);
	close(pfd[0]);
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now))
		TH_LOG("in flight %ld, pinned %ld", now.msgs_in_flight, now.pinned_pages);
}

TEST_HARNESS_MAIN
