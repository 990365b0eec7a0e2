// SPDX-License-Identifier: GPL-2.0
/*
 * Core message passing through libchan's QNX API: channels, connections,
 * send/receive/reply, MsgError, MsgInfo, MsgRead/MsgWrite at offsets,
 * MsgReplyReceive, rcvid lifetime and signals.
 *
 * The test's main thread is the server; clients are threads of the same
 * process (struct qt_client) whose outcome is checked after they are joined.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <qchan/libchan.h>

#include "kselftest_harness.h"

FIXTURE(basic) {
	int chid;
	int side;	/* side-channel coid */
	int fd;		/* fd coid */
};

FIXTURE_SETUP(basic)
{
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0) TH_LOG("ChannelCreate: %s", strerror(errno));
	self->side = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->side, (int)_NTO_SIDE_CHANNEL) TH_LOG("ConnectAttach: %s", strerror(errno));
	self->fd = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GE(self->fd, 0) TH_LOG("ConnectAttach fd: %s", strerror(errno));
	ASSERT_LT(self->fd, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(basic)
{
	if (self->fd > 0)
		close(self->fd);
	if (self->side > 0)
		ConnectDetach(self->side);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
}

TEST(channel_create_destroy)
{
	int a, b;

	a = ChannelCreate(0);
	ASSERT_GT(a, 0);
	b = ChannelCreate(_NTO_CHF_FIXED_PRIORITY | _NTO_CHF_SENDER_LEN | _NTO_CHF_REPLY_LEN);
	ASSERT_GT(b, 0);
	ASSERT_NE(a, b);
	EXPECT_EQ(0, ChannelDestroy(b));
	/* A destroyed channel is gone: QNX says EINVAL. */
	errno = 0;
	EXPECT_EQ(-1, ChannelDestroy(b));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, ChannelDestroy_r(b));
	EXPECT_EQ(-EINVAL, ChannelDestroy_r(0));
	EXPECT_EQ(-EINVAL, ChannelDestroy_r(-3));
	EXPECT_EQ(0, ChannelDestroy_r(a));

	/* PRIVATE channels exist; PRIVATE and PUBLIC contradict each other. */
	a = ChannelCreate(_NTO_CHF_PRIVATE);
	ASSERT_GT(a, 0);
	EXPECT_EQ(0, ChannelDestroy(a));
	EXPECT_EQ(-EINVAL, ChannelCreate_r(_NTO_CHF_PRIVATE | QCHAN_CHF_PUBLIC));
	a = ChannelCreate(QCHAN_CHF_PUBLIC);
	ASSERT_GT(a, 0);
	EXPECT_EQ(0, ChannelDestroy(a));
}

TEST(channel_create_flags)
{
	static const unsigned int notices[] = {
		_NTO_CHF_DISCONNECT, _NTO_CHF_COID_DISCONNECT, _NTO_CHF_UNBLOCK,
		_NTO_CHF_THREAD_DEATH,
		_NTO_CHF_DISCONNECT | _NTO_CHF_COID_DISCONNECT | _NTO_CHF_FIXED_PRIORITY,
		_NTO_CHF_THREAD_DEATH | _NTO_CHF_COID_DISCONNECT | _NTO_CHF_UNBLOCK,
	};
	unsigned int i;
	int chid;

	for (i = 0; i < ARRAY_SIZE(notices); i++) {
		chid = ChannelCreate(notices[i]);
		EXPECT_GT(chid, 0) TH_LOG("flags %#x", notices[i]);
		EXPECT_EQ(0, ChannelDestroy(chid));
	}
	/* Flags the kernel does not know at all. */
	errno = 0;
	EXPECT_EQ(-1, ChannelCreate(1u << 20));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, ChannelCreate_r(1u << 31));
	EXPECT_EQ(-EINVAL, ChannelCreate_r(_NTO_CHF_NET_MSG));
}

TEST_F(basic, connect_side_channel)
{
	struct qchan_connect_query q;
	int coid, coid2;

	coid = ConnectAttach(0, getpid(), self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, (int)_NTO_SIDE_CHANNEL);
	EXPECT_NE(coid, self->side);
	coid2 = ConnectAttach(ND_LOCAL_NODE, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid2, (int)_NTO_SIDE_CHANNEL);
	EXPECT_NE(coid, coid2);

	/* A side coid is not a file descriptor of this process. */
	EXPECT_EQ(-1, fcntl(coid, F_GETFD));

	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, qchan_connect_query(coid, &q));
	EXPECT_EQ(getpid(), q.pid);
	EXPECT_EQ(self->chid, q.chid);
	EXPECT_TRUE(!!(q.coflags & QCHAN_COF_SIDE_CHANNEL));

	EXPECT_EQ(0, ConnectDetach(coid));
	/* Detached: sending fails EBADF, detaching again EINVAL. */
	errno = 0;
	EXPECT_EQ(-1, MsgSend(coid, "x", 1, NULL, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-EBADF, MsgSend_r(coid, "x", 1, NULL, 0));
	errno = 0;
	EXPECT_EQ(-1, ConnectDetach(coid));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, ConnectDetach_r(_NTO_SIDE_CHANNEL + 100000));
	EXPECT_EQ(0, ConnectDetach_r(coid2));

	/* A side coid never names anything outside the table. */
	EXPECT_EQ(-EBADF, MsgSend_r((int)_NTO_SIDE_CHANNEL + 12345, NULL, 0, NULL, 0));
}

TEST_F(basic, connect_fd)
{
	struct qt_client c;
	struct _msg_info info;
	char buf[8];
	int coid, dupfd, flags, rcvid;
	long r;

	coid = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GE(coid, 0);
	ASSERT_LT(coid, (int)_NTO_SIDE_CHANNEL);
	flags = fcntl(coid, F_GETFD);
	ASSERT_GE(flags, 0);
	EXPECT_FALSE(flags & FD_CLOEXEC);
	close(coid);

	coid = ConnectAttach(0, 0, self->chid, 0, _NTO_COF_CLOEXEC);
	ASSERT_GE(coid, 0);
	flags = fcntl(coid, F_GETFD);
	ASSERT_GE(flags, 0);
	EXPECT_TRUE(flags & FD_CLOEXEC);

	/* A dup of a connection is the same connection. */
	dupfd = dup(coid);
	ASSERT_GE(dupfd, 0);
	close(coid);
	ASSERT_EQ(0, qt_client_send_blocked(&c, dupfd, "dup", 4, buf, sizeof(buf)));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("dup", buf);
	EXPECT_EQ(dupfd, info.coid);
	ASSERT_EQ(0, MsgReply(rcvid, 17, "ok", 3));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(17, c.ret);
	EXPECT_STREQ("ok", buf);

	/* Closed: the number is no connection any more. */
	close(dupfd);
	errno = 0;
	r = MsgSend(dupfd, "x", 1, NULL, 0);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EBADF, errno);

	/* The lowest acceptable coid is honoured for fd connections too. */
	coid = ConnectAttach(0, 0, self->chid, 200, 0);
	ASSERT_GE(coid, 200);
	EXPECT_LT(coid, (int)_NTO_SIDE_CHANNEL);
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(-1, fcntl(coid, F_GETFD));
}

TEST_F(basic, connect_detach_non_connection)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	/* A pipe is an fd but not a connection: detach must not close it. */
	errno = 0;
	EXPECT_EQ(-1, ConnectDetach(p[0]));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_GE(fcntl(p[0], F_GETFD), 0);
	/* Neither can one send over it. */
	EXPECT_EQ(-EBADF, MsgSend_r(p[1], "x", 1, NULL, 0));
	close(p[0]);
	close(p[1]);
	/* A closed fd is no connection either (EINVAL or EBADF, but never success). */
	errno = 0;
	EXPECT_EQ(-1, ConnectDetach(p[0]));
	EXPECT_TRUE(errno == EINVAL || errno == EBADF) TH_LOG("errno %d", errno);
	EXPECT_EQ(-EBADF, MsgSend_r(-1, NULL, 0, NULL, 0));
	EXPECT_EQ(-EBADF, MsgSend_r(1000000, NULL, 0, NULL, 0));

	/* libchan's own context fd is no connection: detaching it must not close it. */
	EXPECT_EQ(-EINVAL, ConnectDetach_r(qchan_context_fd()));
	EXPECT_GE(fcntl(qchan_context_fd(), F_GETFD), 0);
	EXPECT_EQ(-EBADF, MsgSend_r(qchan_context_fd(), NULL, 0, NULL, 0));
	/* Everything still works. */
	EXPECT_EQ(0, ConnectDetach(ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0)));
}

TEST_F(basic, connect_errors)
{
	pid_t child;
	int chid2;

	/* No such channel in this process. */
	errno = 0;
	EXPECT_EQ(-1, ConnectAttach(0, 0, self->chid + 1000, _NTO_SIDE_CHANNEL, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, 0, self->chid + 1000, 0, 0));
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, 0, 0, 0, 0));
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, 0, -1, _NTO_SIDE_CHANNEL, 0));
	/* A destroyed channel. */
	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	ASSERT_EQ(0, ChannelDestroy(chid2));
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, 0, chid2, _NTO_SIDE_CHANNEL, 0));

	/* A pid that no longer exists (a reaped child). */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child)
		_exit(0);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, child, self->chid, _NTO_SIDE_CHANNEL, 0));
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, -5, self->chid, _NTO_SIDE_CHANNEL, 0));
	/* A live process that never opened qchan (the harness's runner). */
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, getppid(), self->chid, _NTO_SIDE_CHANNEL, 0));

	/* Other nodes: not supported (ENOTSUP == EOPNOTSUPP on Linux). */
	errno = 0;
	EXPECT_EQ(-1, ConnectAttach(1, 0, self->chid, _NTO_SIDE_CHANNEL, 0));
	EXPECT_EQ(ENOTSUP, errno);
	EXPECT_EQ(-ENOTSUP, ConnectAttach_r(5, 0, self->chid, 0, 0));

	/* Connection flags qchan does not implement. */
	EXPECT_EQ(-EINVAL, ConnectAttach_r(0, 0, self->chid, _NTO_SIDE_CHANNEL,
					   _NTO_COF_NONBLOCK));
	EXPECT_EQ(-EINVAL, ConnectAttach_r(0, 0, self->chid, 0, 1 << 20));
}

TEST_F(basic, connect_flags)
{
	int coid, old;

	coid = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GE(coid, 0);
	old = ConnectFlags(0, coid, _NTO_COF_CLOEXEC, _NTO_COF_CLOEXEC);
	EXPECT_EQ(0, old);
	EXPECT_TRUE(fcntl(coid, F_GETFD) & FD_CLOEXEC);
	old = ConnectFlags(0, coid, _NTO_COF_CLOEXEC, 0);
	EXPECT_EQ((int)_NTO_COF_CLOEXEC, old);
	EXPECT_FALSE(fcntl(coid, F_GETFD) & FD_CLOEXEC);
	/* mask 0 reads the flags. */
	EXPECT_EQ(0, ConnectFlags(0, coid, 0, 0));
	/* Only CLOEXEC is a connection flag here; another process's coids are not ours to change. */
	EXPECT_EQ(-EINVAL, ConnectFlags_r(0, coid, _NTO_COF_NONBLOCK, 0));
	EXPECT_EQ(-ESRCH, ConnectFlags_r(getppid(), coid, _NTO_COF_CLOEXEC, 0));
	close(coid);
	errno = 0;
	EXPECT_EQ(-1, ConnectFlags(0, coid, _NTO_COF_CLOEXEC, _NTO_COF_CLOEXEC));
	EXPECT_EQ(EBADF, errno);	/* QNX: not a valid connection ID */

	/* Side channels never survive exec or fork: libchan reports them CLOEXEC. */
	EXPECT_EQ((int)_NTO_COF_CLOEXEC, ConnectFlags(0, self->side, 0, 0));
	EXPECT_EQ((int)_NTO_COF_CLOEXEC, ConnectFlags(0, self->side, _NTO_COF_CLOEXEC, 0));
	/* Not connections at all. */
	EXPECT_EQ(-EBADF, ConnectFlags_r(0, 0, _NTO_COF_CLOEXEC, 0));
	EXPECT_EQ(-EBADF, ConnectFlags_r(0, qchan_context_fd(), _NTO_COF_CLOEXEC, 0));
}

TEST_F(basic, send_receive_reply)
{
	char sbuf[64] = "hello, server";
	char rbuf[64];
	char buf[64];
	struct _msg_info info, info2;
	struct qt_client c;
	int rcvid;

	memset(rbuf, 0, sizeof(rbuf));
	ASSERT_EQ(0, qt_client_send(&c, self->side, sbuf, 14, rbuf, sizeof(rbuf)));
	memset(&info, 0xa5, sizeof(info));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0) TH_LOG("MsgReceive: %s", strerror(errno));
	EXPECT_STREQ("hello, server", buf);
	EXPECT_EQ(0, (int)info.nd);
	EXPECT_EQ(getpid(), info.pid);
	EXPECT_EQ(qt_wait_tid(&c.tid), info.tid);
	EXPECT_EQ(self->chid, info.chid);
	EXPECT_EQ(self->side, info.coid);
	EXPECT_EQ(14, info.msglen);
	EXPECT_EQ(14, info.srcmsglen);
	EXPECT_EQ(64, info.dstmsglen);
	EXPECT_EQ(0, info.priority);
	EXPECT_EQ(0u, info.reserved);

	/* The client is REPLY-blocked now, in the module. */
	EXPECT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&c.tid)));
	EXPECT_FALSE(atomic_load(&c.done));

	/* MsgInfo tells the same story. */
	memset(&info2, 0x5a, sizeof(info2));
	ASSERT_EQ(0, MsgInfo(rcvid, &info2));
	EXPECT_EQ(info.pid, info2.pid);
	EXPECT_EQ(info.tid, info2.tid);
	EXPECT_EQ(info.chid, info2.chid);
	EXPECT_EQ(info.scoid, info2.scoid);
	EXPECT_EQ(info.coid, info2.coid);
	EXPECT_EQ(info.srcmsglen, info2.srcmsglen);
	EXPECT_EQ(info.dstmsglen, info2.dstmsglen);
	EXPECT_EQ(info.priority, info2.priority);

	ASSERT_EQ(0, MsgReply(rcvid, 1234567, "goodbye", 8));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(1234567, c.ret);
	EXPECT_STREQ("goodbye", rbuf);
	/* Bytes past the reply are untouched. */
	EXPECT_EQ(-1, qt_check_byte(rbuf + 8, sizeof(rbuf) - 8, 0));
}

TEST_F(basic, reply_status_values)
{
	static const long statuses[] = {
		0, 1, 42, 0x7fffffffL,
#if LONG_MAX > 0x7fffffffL	/* a 32-bit long has no status beyond 31 bits */
		1L << 40,
#endif
		LONG_MAX,
	};
	struct qt_client c;
	unsigned int i;
	int rcvid;

	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		ASSERT_EQ(0, qt_client_send(&c, self->fd, NULL, 0, NULL, 0));
		rcvid = MsgReceive(self->chid, NULL, 0, NULL);
		ASSERT_GT(rcvid, 0);
		ASSERT_EQ(0, MsgReply(rcvid, statuses[i], NULL, 0));
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(statuses[i], c.ret);
		EXPECT_EQ(0, c.err);
	}
}

TEST_F(basic, scoid_is_per_connection_and_stable)
{
	struct _msg_info i1, i2, i3;
	struct qt_client c;
	int rcvid;

	ASSERT_EQ(0, qt_client_send(&c, self->side, NULL, 0, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, &i1);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	ASSERT_EQ(0, qt_client_send(&c, self->side, NULL, 0, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, &i2);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	ASSERT_EQ(0, qt_client_send(&c, self->fd, NULL, 0, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, &i3);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));

	EXPECT_EQ(i1.scoid, i2.scoid);
	EXPECT_EQ(self->side, i1.coid);
	EXPECT_EQ(self->fd, i3.coid);
	EXPECT_EQ(i1.pid, i3.pid);
}

TEST_F(basic, zero_byte_messages)
{
	struct _msg_info info;
	struct qt_client c;
	char buf[16], tmp[16];
	int rcvid;

	/* NULL buffers with zero lengths are valid on every side. */
	ASSERT_EQ(0, qt_client_send(&c, self->side, NULL, 0, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(0, info.msglen);
	EXPECT_EQ(0, info.srcmsglen);
	EXPECT_EQ(0, info.dstmsglen);
	EXPECT_EQ(0, MsgRead(rcvid, buf, sizeof(buf), 0));
	EXPECT_EQ(0, MsgWrite(rcvid, "abc", 3, 0));
	ASSERT_EQ(0, MsgReply(rcvid, 7, "ignored", 8));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(7, c.ret);

	/* A message into a zero-length receive buffer: the data stays readable. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, qt_client_send(&c, self->side, "0123456789", 10, buf, sizeof(buf)));
	rcvid = MsgReceive(self->chid, NULL, 0, &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(0, info.msglen);
	EXPECT_EQ(10, info.srcmsglen);
	memset(tmp, 0, sizeof(tmp));
	EXPECT_EQ(10, MsgRead(rcvid, tmp, sizeof(tmp), 0));
	EXPECT_STREQ("0123456789", tmp);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(0, c.ret);
	EXPECT_EQ(-1, qt_check_byte(buf, sizeof(buf), 0));
}

TEST_F(basic, smaller_side_wins)
{
	char big[100], small[10], reply[20], rbuf[50];
	struct _msg_info info;
	struct qt_client c;
	int rcvid;

	qt_fill(big, sizeof(big), 1, 0);
	memset(reply, 0xee, sizeof(reply));
	ASSERT_EQ(0, qt_client_send(&c, self->side, big, sizeof(big), reply, sizeof(reply)));
	memset(small, 0, sizeof(small));
	rcvid = MsgReceive(self->chid, small, sizeof(small), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(10, info.msglen);
	EXPECT_EQ(100, info.srcmsglen);
	EXPECT_EQ(20, info.dstmsglen);
	EXPECT_EQ(-1, qt_check(small, sizeof(small), 1, 0));

	/* A 50-byte reply into a 20-byte buffer: 20 bytes land, nothing beyond. */
	qt_fill(rbuf, sizeof(rbuf), 2, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 3, rbuf, sizeof(rbuf)));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(3, c.ret);
	EXPECT_EQ(-1, qt_check(reply, sizeof(reply), 2, 0));

	/* A 5-byte reply into a 20-byte buffer leaves the other 15 alone. */
	memset(reply, 0xee, sizeof(reply));
	ASSERT_EQ(0, qt_client_send(&c, self->side, big, sizeof(big), reply, sizeof(reply)));
	rcvid = MsgReceive(self->chid, small, sizeof(small), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, rbuf, 5));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, qt_check(reply, 5, 2, 0));
	EXPECT_EQ(-1, qt_check_byte(reply + 5, sizeof(reply) - 5, 0xee));
}

TEST_F(basic, msg_error)
{
	struct qt_client c;
	int rcvid;

	ASSERT_EQ(0, qt_client_send(&c, self->side, "e", 1, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgError(rcvid, EBUSY));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EBUSY, c.err);

	/* The largest errno passes through; a QNX-only one too. */
	ASSERT_EQ(0, qt_client_send(&c, self->side, "e", 1, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgError(rcvid, QCHAN_MAX_ERROR));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(511, c.err);

	/* MsgSend_r sees -errno. */
	memset(&c, 0, sizeof(c));
	c.kind = QT_SEND_R;
	c.coid = self->fd;
	ASSERT_EQ(0, qt_client_start(&c));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgError_r(rcvid, ENOSPC));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-ENOSPC, c.ret);

	/* EOK: MsgSend returns 0. */
	ASSERT_EQ(0, qt_client_send(&c, self->side, "e", 1, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgError(rcvid, EOK));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(0, c.ret);
	EXPECT_EQ(0, c.err);

	/* Out of range: EINVAL, and the message is still waiting for a reply. */
	ASSERT_EQ(0, qt_client_send(&c, self->side, "e", 1, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	errno = 0;
	EXPECT_EQ(-1, MsgError(rcvid, 512));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, MsgError_r(rcvid, -1));
	EXPECT_EQ(-EINVAL, MsgError_r(rcvid, INT_MAX));
	EXPECT_EQ(-EINVAL, MsgError_r(rcvid, INT_MIN));
	EXPECT_FALSE(atomic_load(&c.done));
	EXPECT_EQ(0, MsgInfo(rcvid, &(struct _msg_info){ 0 }));
	ASSERT_EQ(0, MsgReply(rcvid, 99, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(99, c.ret);
}

TEST_F(basic, reply_twice_esrch)
{
	struct _msg_info info;
	struct qt_client c;
	char buf[4];
	int rcvid;

	ASSERT_EQ(0, qt_client_send(&c, self->side, "abc", 4, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 1, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(1, c.ret);

	errno = 0;
	EXPECT_EQ(-1, MsgReply(rcvid, 2, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 2, NULL, 0));
	EXPECT_EQ(-ESRCH, MsgError_r(rcvid, EIO));
	EXPECT_EQ(-ESRCH, MsgRead_r(rcvid, buf, sizeof(buf), 0));
	EXPECT_EQ(-ESRCH, MsgWrite_r(rcvid, buf, sizeof(buf), 0));
	EXPECT_EQ(-ESRCH, MsgInfo_r(rcvid, &info));

	/* Same after MsgError. */
	ASSERT_EQ(0, qt_client_send(&c, self->side, "abc", 4, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgError(rcvid, EIO));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(EIO, c.err);
	EXPECT_EQ(-ESRCH, MsgError_r(rcvid, EIO));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
}

TEST_F(basic, bogus_rcvids)
{
	static const int bogus[] = { 1, 2, 77, 0x7ffffff0, INT_MAX, -1, -12345 };
	struct _msg_info info;
	char buf[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bogus); i++) {
		EXPECT_EQ(-ESRCH, MsgReply_r(bogus[i], 0, NULL, 0)) TH_LOG("rcvid %d", bogus[i]);
		EXPECT_EQ(-ESRCH, MsgError_r(bogus[i], EIO)) TH_LOG("rcvid %d", bogus[i]);
		EXPECT_EQ(-ESRCH, MsgRead_r(bogus[i], buf, 4, 0)) TH_LOG("rcvid %d", bogus[i]);
		EXPECT_EQ(-ESRCH, MsgWrite_r(bogus[i], buf, 4, 0)) TH_LOG("rcvid %d", bogus[i]);
		EXPECT_EQ(-ESRCH, MsgInfo_r(bogus[i], &info)) TH_LOG("rcvid %d", bogus[i]);
	}
}

/*
 * Stale rcvids never reach a later client: after many finished messages,
 * replying to any old rcvid fails ESRCH and the client currently
 * REPLY-blocked keeps waiting.
 */
TEST_F(basic, stale_rcvid_never_reaches_new_client)
{
	enum { ROUNDS = 64 };
	int old[ROUNDS], rcvid, i;
	struct qt_client c;

	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(0, qt_client_send(&c, self->side, &i, sizeof(i), NULL, 0));
		old[i] = MsgReceive(self->chid, NULL, 0, NULL);
		ASSERT_GT(old[i], 0);
		ASSERT_EQ(0, MsgReply(old[i], i, NULL, 0));
		ASSERT_EQ(0, qt_client_join(&c));
		ASSERT_EQ(i, c.ret);
	}

	ASSERT_EQ(0, qt_client_send(&c, self->side, "live", 5, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	for (i = 0; i < ROUNDS; i++) {
		EXPECT_NE(old[i], rcvid) TH_LOG("rcvid %d reused after %d messages", rcvid,
						ROUNDS - i);
		if (old[i] == rcvid)
			continue;
		EXPECT_EQ(-ESRCH, MsgReply_r(old[i], 1000 + i, NULL, 0));
		EXPECT_EQ(-ESRCH, MsgError_r(old[i], EIO));
	}
	EXPECT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&c.tid)));
	EXPECT_FALSE(atomic_load(&c.done));
	ASSERT_EQ(0, MsgReply(rcvid, 5, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(5, c.ret);
}

/* A rcvid of this process means nothing in another process. */
TEST_F(basic, foreign_rcvid)
{
	struct qt_client c;
	int rcvid, status;
	pid_t child;

	ASSERT_EQ(0, qt_client_send(&c, self->side, "x", 1, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		char buf[4];

		if (MsgReply_r(rcvid, 666, NULL, 0) != -ESRCH)
			_exit(1);
		if (MsgError_r(rcvid, EIO) != -ESRCH)
			_exit(2);
		if (MsgRead_r(rcvid, buf, 1, 0) != -ESRCH)
			_exit(3);
		if (MsgWrite_r(rcvid, buf, 1, 0) != -ESRCH)
			_exit(4);
		_exit(0);
	}
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);
	EXPECT_FALSE(atomic_load(&c.done));
	ASSERT_EQ(0, MsgReply(rcvid, 8, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(8, c.ret);
}

TEST_F(basic, read_write_at_offsets)
{
	enum { SLEN = 1000, RLEN = 600 };
	char *sbuf, *rbuf, tmp[SLEN + 100];
	struct qt_client c;
	int rcvid;

	sbuf = malloc(SLEN);
	rbuf = malloc(RLEN);
	ASSERT_TRUE(sbuf && rbuf);
	qt_fill(sbuf, SLEN, 11, 0);
	memset(rbuf, 0, RLEN);
	ASSERT_EQ(0, qt_client_send(&c, self->side, sbuf, SLEN, rbuf, RLEN));
	rcvid = MsgReceive(self->chid, tmp, 16, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-1, qt_check(tmp, 16, 11, 0));

	/* Reads anywhere in the send buffer, clipped at its end. */
	EXPECT_EQ(SLEN, MsgRead(rcvid, tmp, sizeof(tmp), 0));
	EXPECT_EQ(-1, qt_check(tmp, SLEN, 11, 0));
	EXPECT_EQ(100, MsgRead(rcvid, tmp, 100, 500));
	EXPECT_EQ(-1, qt_check(tmp, 100, 11, 500));
	EXPECT_EQ(1, MsgRead(rcvid, tmp, 50, SLEN - 1));
	EXPECT_EQ(-1, qt_check(tmp, 1, 11, SLEN - 1));
	EXPECT_EQ(SLEN - 333, MsgRead(rcvid, tmp, sizeof(tmp), 333));
	EXPECT_EQ(-1, qt_check(tmp, SLEN - 333, 11, 333));
	EXPECT_EQ(0, MsgRead(rcvid, tmp, 10, SLEN));
	EXPECT_EQ(0, MsgRead(rcvid, tmp, 10, SLEN + 4096));
#if SIZE_MAX > UINT32_MAX
	EXPECT_EQ(0, MsgRead(rcvid, tmp, 10, (size_t)1 << 40));
#endif
	EXPECT_EQ(0, MsgRead(rcvid, tmp, 10, SIZE_MAX));
	EXPECT_EQ(0, MsgRead(rcvid, tmp, 0, 0));

	/* Writes anywhere in the reply buffer, clipped at its end. */
	qt_fill(tmp, sizeof(tmp), 12, 0);
	EXPECT_EQ(100, MsgWrite(rcvid, tmp + 200, 100, 200));
	EXPECT_EQ(10, MsgWrite(rcvid, tmp + RLEN - 10, 50, RLEN - 10));
	EXPECT_EQ(0, MsgWrite(rcvid, tmp, 10, RLEN));
	EXPECT_EQ(0, MsgWrite(rcvid, tmp, 10, SIZE_MAX));
	EXPECT_EQ(50, MsgWrite(rcvid, tmp, 50, 0));
	/* Data is in the client's buffer only once it returns: reply without data. */
	ASSERT_EQ(0, MsgReply(rcvid, 4, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(4, c.ret);
	EXPECT_EQ(-1, qt_check(rbuf, 50, 12, 0));
	EXPECT_EQ(-1, qt_check_byte(rbuf + 50, 150, 0));
	EXPECT_EQ(-1, qt_check(rbuf + 200, 100, 12, 200));
	EXPECT_EQ(-1, qt_check_byte(rbuf + 300, RLEN - 310, 0));
	EXPECT_EQ(-1, qt_check(rbuf + RLEN - 10, 10, 12, RLEN - 10));

	/* A reply with data after MsgWrite overwrites from offset 0. */
	memset(rbuf, 0, RLEN);
	ASSERT_EQ(0, qt_client_send(&c, self->side, sbuf, SLEN, rbuf, RLEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(RLEN, MsgWrite(rcvid, tmp, sizeof(tmp), 0));
	ASSERT_EQ(0, MsgReply(rcvid, 0, "REPLY", 5));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(0, memcmp(rbuf, "REPLY", 5));
	EXPECT_EQ(-1, qt_check(rbuf + 5, RLEN - 5, 12, 5));
	free(sbuf);
	free(rbuf);
}

TEST_F(basic, readv_writev)
{
	char sbuf[300], rbuf[300], a[7], b[1], d[200];
	iov_t iov[4];
	struct qt_client c;
	int rcvid;

	qt_fill(sbuf, sizeof(sbuf), 21, 0);
	memset(rbuf, 0, sizeof(rbuf));
	ASSERT_EQ(0, qt_client_send(&c, self->side, sbuf, sizeof(sbuf), rbuf, sizeof(rbuf)));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);

	SETIOV(&iov[0], a, sizeof(a));
	SETIOV(&iov[1], NULL, 0);
	SETIOV(&iov[2], b, sizeof(b));
	SETIOV(&iov[3], d, sizeof(d));
	EXPECT_EQ(208, MsgReadv(rcvid, iov, 4, 50));
	EXPECT_EQ(-1, qt_check(a, sizeof(a), 21, 50));
	EXPECT_EQ(-1, qt_check(b, sizeof(b), 21, 57));
	EXPECT_EQ(-1, qt_check(d, sizeof(d), 21, 58));
	/* Clipped in the middle of the last part. */
	EXPECT_EQ(58, MsgReadv(rcvid, iov, 4, 242));
	EXPECT_EQ(-1, qt_check(d, 50, 21, 250));

	qt_fill(a, sizeof(a), 22, 0);
	qt_fill(b, sizeof(b), 22, 7);
	qt_fill(d, sizeof(d), 22, 8);
	EXPECT_EQ(208, MsgWritev(rcvid, iov, 4, 10));
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, qt_check_byte(rbuf, 10, 0));
	EXPECT_EQ(-1, qt_check(rbuf + 10, 208, 22, 0));
	EXPECT_EQ(-1, qt_check_byte(rbuf + 218, sizeof(rbuf) - 218, 0));
}

TEST_F(basic, msg_reply_receive)
{
	struct qt_client c1, c2;
	struct _msg_info info;
	char r1[8] = { 0 }, r2[8] = { 0 }, buf[8];
	iov_t riov, iov;
	int rcvid, rcvid2, rr;

	/* rcvid 0: receive only. */
	ASSERT_EQ(0, qt_client_send(&c1, self->side, "one", 4, r1, sizeof(r1)));
	SETIOV(&iov, buf, sizeof(buf));
	rcvid = MsgReplyReceive(0, 0, NULL, 0, self->chid, &iov, 1, &info);
	ASSERT_GT(rcvid, 0) TH_LOG("MsgReplyReceive: %s", strerror(errno));
	EXPECT_STREQ("one", buf);
	EXPECT_EQ(4, info.msglen);

	/* Reply to c1 and receive c2 in one call. */
	ASSERT_EQ(0, qt_client_send_blocked(&c2, self->side, "two", 4, r2, sizeof(r2)));
	SETIOV(&riov, "ONE", 4);
	rcvid2 = MsgReplyReceive(rcvid, 11, &riov, 1, self->chid, &iov, 1, &info);
	ASSERT_GT(rcvid2, 0);
	EXPECT_STREQ("two", buf);
	ASSERT_EQ(0, qt_client_join(&c1));
	EXPECT_EQ(11, c1.ret);
	EXPECT_STREQ("ONE", r1);
	/* The rcvid replied to is finished. */
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));

	/* A failed reply does not stop the receive; the native call reports it. */
	ASSERT_EQ(0, qt_client_send(&c1, self->side, "three", 6, r1, sizeof(r1)));
	rcvid = qchan_msg_reply_receive(rcvid2 + 1000000, 0, NULL, 0, self->chid, &iov, 1,
					NULL, &rr);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-ESRCH, rr);
	EXPECT_STREQ("three", buf);
	/* The bad rcvid went nowhere: c2 still waits for its own reply. */
	EXPECT_FALSE(atomic_load(&c2.done));

	SETIOV(&riov, "TWO", 4);
	ASSERT_EQ(0, MsgReplyv(rcvid2, 22, &riov, 1));
	ASSERT_EQ(0, qt_client_join(&c2));
	EXPECT_EQ(22, c2.ret);
	EXPECT_STREQ("TWO", r2);
	SETIOV(&riov, "3", 2);
	ASSERT_EQ(0, MsgReplyv(rcvid, 33, &riov, 1));
	ASSERT_EQ(0, qt_client_join(&c1));
	EXPECT_EQ(33, c1.ret);
	EXPECT_STREQ("3", r1);

	/* A failed receive is reported as such. */
	errno = 0;
	EXPECT_EQ(-1, MsgReplyReceive(0, 0, NULL, 0, self->chid + 1000, &iov, 1, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-ESRCH, MsgReplyReceive_r(0, 0, NULL, 0, self->chid + 1000, &iov, 1, NULL));
}

TEST_F(basic, receive_bad_channel)
{
	char buf[4];

	errno = 0;
	EXPECT_EQ(-1, MsgReceive(self->chid + 1000, buf, sizeof(buf), NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-ESRCH, MsgReceive_r(0, buf, sizeof(buf), NULL));
	EXPECT_EQ(-ESRCH, MsgReceive_r(-1, buf, sizeof(buf), NULL));
}

/* A send that finds a thread RECEIVE-blocked hands the message to it. */
TEST_F(basic, receive_blocked_then_send)
{
	struct qt_receiver r;
	struct qt_client c;
	char reply[8] = { 0 };

	ASSERT_EQ(0, qt_receiver_start(&r, self->chid));
	EXPECT_FALSE(atomic_load(&r.done));

	/* The receiver thread gets the message; the main thread replies for it. */
	ASSERT_EQ(0, qt_client_send(&c, self->side, "wake", 5, reply, sizeof(reply)));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_GT(r.rcvid, 0) TH_LOG("receiver: %s", strerror(r.err));
	EXPECT_STREQ("wake", r.buf);
	EXPECT_EQ(5, r.info.msglen);
	EXPECT_EQ(qt_wait_tid(&c.tid), r.info.tid);
	ASSERT_EQ(0, MsgReply(r.rcvid, 55, "done", 5));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(55, c.ret);
	EXPECT_STREQ("done", reply);
}

/* Signals: every blocked state returns EINTR to a handled signal. */
TEST_F(basic, signal_send_blocked_eintr)
{
	struct qt_client c, c2;
	char buf[16] = { 0 };
	int rcvid;

	ASSERT_EQ(0, qt_install_noop_handler(SIGUSR1));
	ASSERT_EQ(0, qt_client_send_blocked(&c, self->side, "first", 6, NULL, 0));
	EXPECT_FALSE(atomic_load(&c.done));
	ASSERT_EQ(0, pthread_kill(c.thread, SIGUSR1));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);

	/* The interrupted message left the queue: the next one is received first. */
	ASSERT_EQ(0, qt_client_send(&c2, self->side, "second", 7, NULL, 0));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("second", buf);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c2));
	EXPECT_EQ(0, c2.ret);
}

TEST_F(basic, signal_reply_blocked_eintr)
{
	struct qt_client c;
	char buf[16];
	int rcvid;

	ASSERT_EQ(0, qt_install_noop_handler(SIGUSR1));
	ASSERT_EQ(0, qt_client_send(&c, self->side, "first", 6, buf, sizeof(buf)));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&c.tid)));
	ASSERT_EQ(0, pthread_kill(c.thread, SIGUSR1));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	/* The client is gone: its rcvid is dead. */
	EXPECT_EQ(-ESRCH, MsgRead_r(rcvid, buf, sizeof(buf), 0));
	EXPECT_EQ(-ESRCH, MsgWrite_r(rcvid, "x", 1, 0));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, "late", 5));
}

TEST_F(basic, signal_receive_blocked_eintr)
{
	struct qt_receiver r;
	struct qt_client c;
	int rcvid;
	char buf[8];

	ASSERT_EQ(0, qt_install_noop_handler(SIGUSR1));
	ASSERT_EQ(0, qt_receiver_start(&r, self->chid));
	ASSERT_EQ(0, pthread_kill(r.thread, SIGUSR1));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(-1, r.rcvid);
	EXPECT_EQ(EINTR, r.err);

	/* The interrupted receiver is off the channel: a new message comes here. */
	ASSERT_EQ(0, qt_client_send(&c, self->side, "msg", 4, NULL, 0));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("msg", buf);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
}

/* ChannelDestroy fails everything queued on or received from the channel. */
TEST_F(basic, channel_destroy_with_clients)
{
	struct qt_client queued, replyb;
	struct qt_receiver r;
	struct qt_stats before, now;
	int chid2, coid2, rcvid;

	ASSERT_EQ(0, qt_stats_read(&before));
	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid2, (int)_NTO_SIDE_CHANNEL);

	ASSERT_EQ(0, qt_client_send(&replyb, coid2, "r", 2, NULL, 0));
	rcvid = MsgReceive(chid2, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_client_send_blocked(&queued, coid2, "q", 2, NULL, 0));

	ASSERT_EQ(0, ChannelDestroy(chid2));
	ASSERT_EQ(0, qt_client_join(&queued));
	EXPECT_EQ(-1, queued.ret);
	EXPECT_EQ(ESRCH, queued.err);
	ASSERT_EQ(0, qt_client_join(&replyb));
	EXPECT_EQ(-1, replyb.ret);
	EXPECT_EQ(ESRCH, replyb.err);
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	/* The connection outlives the channel but leads nowhere: QNX's EBADF. */
	EXPECT_EQ(-EBADF, MsgSend_r(coid2, NULL, 0, NULL, 0));
	EXPECT_EQ(-EBADF, MsgSendPulse_r(coid2, -1, 1, 0));
	EXPECT_EQ(-ESRCH, MsgReceive_r(chid2, NULL, 0, NULL));

	/* A receiver blocked on a channel being destroyed is released too. */
	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	ASSERT_EQ(0, qt_receiver_start(&r, chid2));
	ASSERT_EQ(0, ChannelDestroy(chid2));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(-1, r.rcvid);
	EXPECT_TRUE(r.err == ESRCH || r.err == EINVAL) TH_LOG("receiver errno %d", r.err);

	EXPECT_EQ(0, ConnectDetach(coid2));
	ASSERT_EQ(0, qt_stats_wait_settled(&before, &now));
}

TEST_F(basic, stats_count_objects)
{
	struct qt_stats s0, s1, s2;
	int chid, c1, c2;

	ASSERT_EQ(0, qt_stats_read(&s0));
	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	c1 = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(c1, 0);
	c2 = ConnectAttach(0, 0, chid, 0, 0);
	ASSERT_GE(c2, 0);
	ASSERT_EQ(0, qt_stats_read(&s1));
	EXPECT_EQ(s0.channels + 1, s1.channels);
	EXPECT_EQ(s0.connections + 2, s1.connections);
	EXPECT_EQ(0, ConnectDetach(c1));
	EXPECT_EQ(0, ConnectDetach(c2));
	EXPECT_EQ(0, ChannelDestroy(chid));
	ASSERT_EQ(0, qt_stats_wait_settled(&s0, &s2));
	EXPECT_EQ(s0.contexts, s2.contexts);
}

/* A send under way keeps its connection: closing or detaching the coid does not disturb it. */
TEST_F(basic, coid_closed_while_blocked)
{
	struct qt_client c1, c2;
	char r1[8] = { 0 }, r2[8] = { 0 }, buf[8];
	int fdc, sidec, rcvid1, rcvid2;

	fdc = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GE(fdc, 0);
	sidec = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(sidec, 0);

	/* SEND-blocked on an fd coid that is then closed. */
	ASSERT_EQ(0, qt_client_send_blocked(&c1, fdc, "fd", 3, r1, sizeof(r1)));
	EXPECT_EQ(0, close(fdc));
	rcvid1 = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid1, 0);
	EXPECT_STREQ("fd", buf);
	/* REPLY-blocked on a side coid that is then detached. */
	ASSERT_EQ(0, qt_client_send(&c2, sidec, "side", 5, r2, sizeof(r2)));
	rcvid2 = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid2, 0);
	EXPECT_STREQ("side", buf);
	EXPECT_EQ(0, ConnectDetach(sidec));

	ASSERT_EQ(0, MsgReply(rcvid1, 10, "r1", 3));
	ASSERT_EQ(0, MsgReply(rcvid2, 20, "r2", 3));
	ASSERT_EQ(0, qt_client_join(&c1));
	ASSERT_EQ(0, qt_client_join(&c2));
	EXPECT_EQ(10, c1.ret);
	EXPECT_STREQ("r1", r1);
	EXPECT_EQ(20, c2.ret);
	EXPECT_STREQ("r2", r2);
	/* And now they are gone. */
	EXPECT_EQ(-EBADF, MsgSend_r(fdc, NULL, 0, NULL, 0));
	EXPECT_EQ(-EBADF, MsgSend_r(sidec, NULL, 0, NULL, 0));
}

/* Many rcvids held at once, answered out of order: each reply reaches its own client. */
TEST_F(basic, many_rcvids_out_of_order)
{
	enum { N = 48 };
	struct qt_client c[N];
	struct _msg_info info;
	int rcvid[N], who[N], payload[N], i;

	for (i = 0; i < N; i++) {
		payload[i] = i;	/* never written again: it is client i's send buffer */
		ASSERT_EQ(0, qt_client_send(&c[i], i & 1 ? self->fd : self->side, &payload[i],
					    sizeof(payload[i]), NULL, 0));
	}
	for (i = 0; i < N; i++) {
		int got = -1;

		rcvid[i] = MsgReceive(self->chid, &got, sizeof(got), &info);
		ASSERT_GT(rcvid[i], 0);
		ASSERT_GE(got, 0);
		ASSERT_LT(got, N);
		EXPECT_EQ(qt_wait_tid(&c[got].tid), info.tid);
		who[i] = got;
	}
	/* Every rcvid distinct. */
	for (i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			ASSERT_NE(rcvid[i], rcvid[j]);
	/* Odd positions first, then even, each in reverse. */
	for (i = N - 1; i >= 0; i--)
		if (i & 1)
			ASSERT_EQ(0, MsgReply(rcvid[i], 1000 + who[i], NULL, 0));
	for (i = N - 1; i >= 0; i--)
		if (!(i & 1)) {
			struct _msg_info mi;

			ASSERT_EQ(0, MsgInfo(rcvid[i], &mi));
			EXPECT_EQ(qt_wait_tid(&c[who[i]].tid), mi.tid);
			ASSERT_EQ(0, MsgReply(rcvid[i], 1000 + who[i], NULL, 0));
		}
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(1000 + i, c[i].ret);
	}
}

/* Every _r twin returns -errno and leaves errno alone; the plain call sets it. */
TEST_F(basic, r_variants_leave_errno_alone)
{
	char buf[4];
	iov_t iov;
	int bad = self->chid + 1000;

	SETIOV(&iov, buf, sizeof(buf));
#define CHECK_R(expr, err) do {						\
		errno = 12345;						\
		EXPECT_EQ(-(long)(err), (long)(expr)) TH_LOG("%s", #expr);	\
		EXPECT_EQ(12345, errno) TH_LOG("%s touched errno", #expr);	\
	} while (0)
	CHECK_R(ChannelCreate_r(1u << 20), EINVAL);
	CHECK_R(ChannelDestroy_r(bad), EINVAL);
	CHECK_R(ConnectAttach_r(0, 0, bad, 0, 0), ESRCH);
	CHECK_R(ConnectDetach_r(_NTO_SIDE_CHANNEL + 5000), EINVAL);
	CHECK_R(MsgSend_r(-1, buf, 1, buf, 1), EBADF);
	CHECK_R(MsgSendnc_r(-1, buf, 1, buf, 1), EBADF);
	CHECK_R(MsgSendv_r(-1, &iov, 1, &iov, 1), EBADF);
	CHECK_R(MsgSendvnc_r(-1, &iov, 1, &iov, 1), EBADF);
	CHECK_R(MsgSendsv_r(-1, buf, 1, &iov, 1), EBADF);
	CHECK_R(MsgSendsvnc_r(-1, buf, 1, &iov, 1), EBADF);
	CHECK_R(MsgSendvs_r(-1, &iov, 1, buf, 1), EBADF);
	CHECK_R(MsgSendvsnc_r(-1, &iov, 1, buf, 1), EBADF);
	CHECK_R(MsgReceive_r(bad, buf, 1, NULL), ESRCH);
	CHECK_R(MsgReceivev_r(bad, &iov, 1, NULL), ESRCH);
	CHECK_R(MsgReply_r(99999, 0, buf, 1), ESRCH);
	CHECK_R(MsgReplyv_r(99999, 0, &iov, 1), ESRCH);
	CHECK_R(MsgError_r(99999, EIO), ESRCH);
	CHECK_R(MsgRead_r(99999, buf, 1, 0), ESRCH);
	CHECK_R(MsgReadv_r(99999, &iov, 1, 0), ESRCH);
	CHECK_R(MsgWrite_r(99999, buf, 1, 0), ESRCH);
	CHECK_R(MsgWritev_r(99999, &iov, 1, 0), ESRCH);
	CHECK_R(MsgInfo_r(99999, &(struct _msg_info){ 0 }), ESRCH);
	CHECK_R(MsgReplyReceive_r(0, 0, NULL, 0, bad, &iov, 1, NULL), ESRCH);
#undef CHECK_R

	/* The plain calls: -1 and errno. */
	errno = 0;
	EXPECT_EQ(-1, MsgSendv(-1, &iov, 1, &iov, 1));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, MsgReceivev(bad, &iov, 1, NULL));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, MsgReadv(99999, &iov, 1, 0));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, MsgWritev(99999, &iov, 1, 0));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, MsgInfo(99999, &(struct _msg_info){ 0 }));
	EXPECT_EQ(ESRCH, errno);
}

TEST_HARNESS_MAIN
