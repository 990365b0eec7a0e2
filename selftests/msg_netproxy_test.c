// SPDX-License-Identifier: GPL-2.0
/*
 * Qnet's network proxies without TIPC (QCHAN_IOC_NET_PROXY, _NET_SEND): a
 * privileged process marks its context as sending for a remote node, and its
 * servers then see that node in _msg_info.nd (with srcnd) and
 * ConnectClientInfo's nd, and a NET_SEND's remote pid and tid in the
 * message's _msg_info.  Unprivileged marks are EPERM, bad input EINVAL, a
 * mark after a connection or a second mark EBUSY, an unmarked NET_SEND EPERM;
 * the mark survives the drop to another uid (qnetd's worker); local clients
 * keep nd 0; a proxy killed in a NET_SEND leaks nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/ioctl.h>

#include <qchan/libchan.h>

#include "qchan_test_util.h"

#include "kselftest_harness.h"

#define NOBODY	65534
#define ND	0x1234u
#define SRCND	0x4321u

/* Exit codes of the children: 0 or the failed check's number. */
static int drop_to_nobody(void)
{
	return setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY);
}

static int net_send(int coid, pid_t pid, pid_t tid, const char *s)
{
	struct iovec siov = { (void *)s, strlen(s) + 1 };
	long status = -1;
	int ret = qchan_net_sendv(coid, pid, tid, &siov, 1, NULL, 0, &status);

	return ret ?: (int)status;
}

static int raw_net(unsigned long cmd, void *arg)
{
	int fd = qchan_context_fd();

	if (fd < 0)
		return fd;
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

FIXTURE(np)
{
	struct qt_stats before;
	int chid;
};

FIXTURE_SETUP(np)
{
	struct qchan_features f;

	ASSERT_EQ(0, qchan_get_features(&f));
	if (!(f.features & QCHAN_FEAT_NET_PROXY))
		SKIP(return, "no QCHAN_FEAT_NET_PROXY");
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(QCHAN_CHF_PUBLIC);
	ASSERT_GT(self->chid, 0);
}

FIXTURE_TEARDOWN(np)
{
	struct qt_stats now;

	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

/* Receives one message into @buf (its _msg_info into @info) and replies 7. */
static int serve_one(int chid, struct _msg_info *info, char *buf, size_t len)
{
	int rcvid = MsgReceive(chid, buf, len, info);

	if (rcvid <= 0)
		return -1;
	return MsgReply(rcvid, 7, NULL, 0);
}

TEST_F(np, bad_input_and_privilege)
{
	pid_t parent = getpid(), child;
	int status;

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct qchan_net_proxy p = { .nd = ND, .srcnd = SRCND };
		int coid;

		if (qchan_net_proxy(0, SRCND) != -EINVAL)
			_exit(1);
		p.flags = 1;
		if (raw_net(QCHAN_IOC_NET_PROXY, &p) != -EINVAL)
			_exit(2);
		p.flags = 0;
		p.pad = 1;
		if (raw_net(QCHAN_IOC_NET_PROXY, &p) != -EINVAL)
			_exit(3);
		p.pad = 0;
		p.reserved[1] = 1;
		if (raw_net(QCHAN_IOC_NET_PROXY, &p) != -EINVAL)
			_exit(4);
		/* Unmarked: a NET_SEND is refused, a plain send works. */
		coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		if (coid < 0)
			_exit(5);
		if (net_send(coid, 100, 101, "x") != -EPERM)
			_exit(6);
		/* Once connected, too late to mark. */
		if (qchan_net_proxy(ND, SRCND) != -EBUSY)
			_exit(7);
		_exit(0);
	}
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		if (drop_to_nobody())
			_exit(20);
		if (qchan_net_proxy(ND, SRCND) != -EPERM)
			_exit(21);
		_exit(0);
	}
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct qchan_net_send a = { .pid = 1, .tid = 1 };
		int coid;

		if (qchan_net_proxy(ND, SRCND))
			_exit(30);
		if (qchan_net_proxy(ND, SRCND) != -EBUSY)
			_exit(31);
		coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		if (coid < 0)
			_exit(32);
		if (net_send(coid, 0, 5, "x") != -EINVAL || net_send(coid, 5, 0, "x") != -EINVAL ||
		    net_send(coid, -3, 5, "x") != -EINVAL)
			_exit(33);
		a.send.coid = coid;
		a.flags = 1;
		if (raw_net(QCHAN_IOC_NET_SEND, &a) != -EINVAL)
			_exit(34);
		a.flags = 0;
		a.pad = 1;
		if (raw_net(QCHAN_IOC_NET_SEND, &a) != -EINVAL)
			_exit(35);
		a.pad = 0;
		a.reserved[0] = 1;
		if (raw_net(QCHAN_IOC_NET_SEND, &a) != -EINVAL)
			_exit(36);
		a.reserved[0] = 0;
		a.send.reserved = 1;	/* the send block is checked as MSG_SEND's */
		if (raw_net(QCHAN_IOC_NET_SEND, &a) != -EINVAL)
			_exit(37);
		_exit(0);
	}
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);
}

/*
 * A root process marks itself and drops to nobody (qnetd's worker): its
 * NET_SENDs show the remote sender, each its own, its plain sends its own
 * thread, every message and ConnectClientInfo the node.
 */
TEST_F(np, marked_sends_show_the_remote_sender)
{
	struct _client_info ci;
	struct _msg_info info;
	pid_t parent = getpid(), child;
	int up[2], status, ctid;
	char buf[32];

	ASSERT_EQ(0, pipe(up));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int coid;

		close(up[0]);
		if (qchan_net_proxy(ND, SRCND))
			_exit(1);
		if (drop_to_nobody())
			_exit(2);
		coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		if (coid < 0)
			_exit(3);
		if (net_send(coid, 1000, 1001, "first") != 7)
			_exit(4);
		if (net_send(coid, 2000, 2002, "second") != 7)
			_exit(5);
		if (qt_write_int(up[1], qt_gettid()))
			_exit(6);
		if (MsgSend(coid, "own", 4, NULL, 0) != 7)
			_exit(7);
		_exit(0);
	}
	close(up[1]);

	ASSERT_EQ(0, serve_one(self->chid, &info, buf, sizeof(buf)));
	EXPECT_STREQ("first", buf);
	EXPECT_EQ(ND, info.nd);
	EXPECT_EQ(SRCND, info.srcnd);
	EXPECT_EQ(1000, info.pid);
	EXPECT_EQ(1001, info.tid);
	memset(&ci, 0xff, sizeof(ci));
	ASSERT_EQ(0, ConnectClientInfo(info.scoid, &ci, 0));
	EXPECT_EQ(ND, ci.nd);
	EXPECT_EQ(child, ci.pid);	/* the scoid is the proxy process's */
	EXPECT_EQ(NOBODY, (int)ci.cred.euid);

	ASSERT_EQ(0, serve_one(self->chid, &info, buf, sizeof(buf)));
	EXPECT_STREQ("second", buf);
	EXPECT_EQ(ND, info.nd);
	EXPECT_EQ(2000, info.pid);
	EXPECT_EQ(2002, info.tid);

	ASSERT_EQ(0, qt_read_int(up[0], &ctid));
	ASSERT_EQ(0, serve_one(self->chid, &info, buf, sizeof(buf)));
	EXPECT_STREQ("own", buf);
	EXPECT_EQ(ND, info.nd);
	EXPECT_EQ(SRCND, info.srcnd);
	EXPECT_EQ(child, info.pid);
	EXPECT_EQ(ctid, info.tid);
	close(up[0]);
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);
}

TEST_F(np, local_client_is_nd_0)
{
	struct _client_info ci;
	struct _msg_info info;
	pid_t parent = getpid(), child;
	int status, rcvid;
	char buf[32];

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);

		_exit(coid < 0 ? 1 : MsgSend(coid, "local", 6, NULL, 0) != 7 ? 2 : 0);
	}
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ((unsigned int)ND_LOCAL_NODE, info.nd);
	EXPECT_EQ(0u, info.srcnd);
	EXPECT_EQ(child, info.pid);
	/* Before the reply: the client is still there. */
	memset(&ci, 0xff, sizeof(ci));
	ASSERT_EQ(0, ConnectClientInfo(info.scoid, &ci, 0));
	EXPECT_EQ((unsigned int)ND_LOCAL_NODE, ci.nd);
	EXPECT_EQ(child, ci.pid);
	ASSERT_EQ(0, MsgReply(rcvid, 7, NULL, 0));
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);
}

/* A proxy killed while its NET_SEND waits for the reply: nothing stays behind. */
TEST_F(np, proxy_killed_in_net_send)
{
	struct _msg_info info;
	pid_t parent = getpid(), child;
	char buf[32];
	int rcvid;

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int coid;

		if (qchan_net_proxy(ND, SRCND))
			_exit(1);
		coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		if (coid < 0)
			_exit(2);
		net_send(coid, 77, 78, "stuck");
		_exit(3);
	}
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(77, info.pid);
	EXPECT_EQ(78, info.tid);
	EXPECT_EQ(ND, info.nd);
	/* MsgInfo of the rcvid says the same. */
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, MsgInfo(rcvid, &info));
	EXPECT_EQ(77, info.pid);
	EXPECT_EQ(ND, info.nd);
	ASSERT_EQ(0, qt_wait_proc_blocked(child));
	ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
}

TEST_HARNESS_MAIN
