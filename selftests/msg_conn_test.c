// SPDX-License-Identifier: GPL-2.0
/*
 * Who may connect, and how much: cross-uid connections (denied unless the
 * channel is QCHAN_CHF_PUBLIC or the caller has CAP_SYS_ADMIN; PRIVATE
 * channels admit only their owner), pid namespaces (pids interpreted in
 * the caller's namespace, reported in the receiver's) and the per-process
 * limits (max_channels, max_connections, max_queued) that turn floods into
 * EAGAIN.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <qchan/libchan.h>

#include "kselftest_harness.h"

#define NOBODY	65534

/* Drops to @uid (and group) for good; 0 or -errno. */
static int become(uid_t uid)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

/* Serves @n messages on @chid, replying with their length. */
static int serve(int chid, int n)
{
	char buf[64];
	struct _msg_info info;

	for (int i = 0; i < n; i++) {
		int rcvid = MsgReceive(chid, buf, sizeof(buf), &info);

		if (rcvid <= 0)
			return -errno;
		if (MsgReply(rcvid, info.msglen, NULL, 0))
			return -errno;
	}
	return 0;
}

FIXTURE(sec) {
	struct qt_stats before;
	int chid_default;
	int chid_public;
	int chid_private;
	int up[2];
	int down[2];
};

FIXTURE_SETUP(sec)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid_default = ChannelCreate(0);
	ASSERT_GT(self->chid_default, 0);
	self->chid_public = ChannelCreate(QCHAN_CHF_PUBLIC);
	ASSERT_GT(self->chid_public, 0);
	self->chid_private = ChannelCreate(_NTO_CHF_PRIVATE);
	ASSERT_GT(self->chid_private, 0);
	ASSERT_EQ(0, pipe2(self->up, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->down, O_CLOEXEC));
}

FIXTURE_TEARDOWN(sec)
{
	struct qt_stats now;

	ChannelDestroy(self->chid_default);
	ChannelDestroy(self->chid_public);
	ChannelDestroy(self->chid_private);
	close(self->up[0]);
	close(self->up[1]);
	close(self->down[0]);
	close(self->down[1]);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

TEST_F(sec, own_process_may_connect_everywhere)
{
	int c;

	c = ConnectAttach(0, 0, self->chid_private, _NTO_SIDE_CHANNEL, 0);
	EXPECT_GE(c, 0);
	EXPECT_EQ(0, ConnectDetach(c));
	c = ConnectAttach(0, getpid(), self->chid_private, 0, 0);
	EXPECT_GE(c, 0);
	EXPECT_EQ(0, ConnectDetach(c));
}

TEST_F(sec, cross_uid_connect_denied)
{
	struct _msg_info info;
	pid_t parent = getpid(), child;
	int rcvid, status;

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int c;

		if (become(NOBODY))
			_exit(10);
		if (ConnectAttach_r(0, parent, self->chid_default, _NTO_SIDE_CHANNEL, 0) != -EPERM)
			_exit(11);
		if (ConnectAttach_r(0, parent, self->chid_default, 0, 0) != -EPERM)
			_exit(12);
		if (ConnectAttach_r(0, parent, self->chid_private, _NTO_SIDE_CHANNEL, 0) != -EPERM)
			_exit(13);
		errno = 0;
		if (ConnectAttach(0, parent, self->chid_private, 0, 0) != -1 || errno != EPERM)
			_exit(14);
		/* A public channel admits anyone. */
		c = ConnectAttach(0, parent, self->chid_public, _NTO_SIDE_CHANNEL, 0);
		if (c < 0)
			_exit(15);
		if (MsgSend(c, "nobody", 7, NULL, 0) != 7)
			_exit(16);
		_exit(0);
	}
	rcvid = MsgReceive(self->chid_public, NULL, 0, &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(child, info.pid);
	EXPECT_EQ(self->chid_public, info.chid);
	ASSERT_EQ(0, MsgReply(rcvid, info.srcmsglen, NULL, 0));
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);
}

/* An unprivileged server: root may connect (CAP_SYS_ADMIN), other uids may not, PRIVATE stays private. */
TEST_F(sec, unprivileged_server)
{
	int chids[2], status, c;
	pid_t server, other, same;
	long r;

	server = fork();
	ASSERT_GE(server, 0);
	if (!server) {
		int a, b;

		if (become(NOBODY))
			_exit(20);
		a = ChannelCreate(0);
		b = ChannelCreate(_NTO_CHF_PRIVATE);
		if (a <= 0 || b <= 0)
			_exit(21);
		if (qt_write_int(self->up[1], a) || qt_write_int(self->up[1], b))
			_exit(22);
		/* One message from root, one from a process of the same uid. */
		_exit(serve(a, 2) ? 23 : 0);
	}
	ASSERT_EQ(0, qt_read_int(self->up[0], &chids[0]));
	ASSERT_EQ(0, qt_read_int(self->up[0], &chids[1]));

	c = ConnectAttach(0, server, chids[0], _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(c, 0) TH_LOG("root could not connect: %s", strerror(errno));
	r = MsgSend(c, "root", 5, NULL, 0);
	EXPECT_EQ(5, r);
	EXPECT_EQ(0, ConnectDetach(c));
	/* PRIVATE: not even root. */
	EXPECT_EQ(-EPERM, ConnectAttach_r(0, server, chids[1], _NTO_SIDE_CHANNEL, 0));

	/* Another uid (no capabilities): denied. */
	other = fork();
	ASSERT_GE(other, 0);
	if (!other) {
		if (become(NOBODY - 1))
			_exit(30);
		_exit(ConnectAttach_r(0, server, chids[0], 0, 0) == -EPERM ? 0 : 31);
	}
	EXPECT_EQ(0, qt_child_result(other));

	/* The same uid: allowed. */
	same = fork();
	ASSERT_GE(same, 0);
	if (!same) {
		int cc;

		if (become(NOBODY))
			_exit(40);
		cc = ConnectAttach(0, server, chids[0], 0, 0);
		if (cc < 0)
			_exit(41);
		_exit(MsgSend(cc, "peer", 5, NULL, 0) == 5 ? 0 : 42);
	}
	EXPECT_EQ(0, qt_child_result(same));
	status = qt_child_result(server);
	EXPECT_EQ(0, status) TH_LOG("server failed check %d", status);
}

/*
 * pid namespaces: a process in a child namespace (pid 1 there) connects
 * through an inherited fd connection, is reported to us by its pid in our
 * namespace, cannot name us by our pid, and sees us as pid 0 (invisible)
 * when it receives from us.
 */
TEST_F(sec, pid_namespace)
{
	struct _msg_info info;
	struct qt_client c;
	pid_t mid, inner = 0;
	int fdcoid, rcvid, status, inner_chid, coid;
	pid_t parent = getpid();
	char buf[32];

	fdcoid = ConnectAttach(0, 0, self->chid_default, 0, 0);
	ASSERT_GE(fdcoid, 0);

	mid = fork();
	ASSERT_GE(mid, 0);
	if (!mid) {
		pid_t g;

		if (unshare(CLONE_NEWPID))
			_exit(50);
		g = fork();
		if (g < 0)
			_exit(51);
		if (!g) {
			struct qchan_connect_query q;
			struct _msg_info gi;
			int cg, rc;

			if (getpid() != 1)
				_exit(60);
			/* Our parent's pid means nothing here (only pid 1 exists). */
			if (ConnectAttach_r(0, parent, self->chid_default, 0, 0) != -ESRCH)
				_exit(61);
			/* The channel's owner is outside our namespace: pid 0. */
			memset(&q, 0, sizeof(q));
			if (qchan_connect_query(fdcoid, &q) || q.pid != 0 || q.chid != self->chid_default)
				_exit(62);
			if (MsgSend(fdcoid, "from the namespace", 19, NULL, 0) != 1)
				_exit(63);
			/* Pid 1 is us. */
			cg = ChannelCreate(0);
			if (cg <= 0)
				_exit(64);
			rc = ConnectAttach(0, 1, cg, _NTO_SIDE_CHANNEL, 0);
			if (rc < 0 || ConnectDetach(rc))
				_exit(65);
			if (qt_write_int(self->up[1], cg))
				_exit(66);
			rc = MsgReceive(cg, NULL, 0, &gi);
			if (rc <= 0)
				_exit(67);
			/* The sender lives outside our namespace. */
			if (gi.pid != 0 || gi.tid != 0)
				_exit(68);
			if (MsgReply(rc, 2, NULL, 0))
				_exit(69);
			_exit(0);
		}
		if (qt_write_int(self->up[1], g))
			_exit(52);
		_exit(qt_child_result(g));
	}
	ASSERT_EQ(0, qt_read_int(self->up[0], &inner));
	ASSERT_GT(inner, 1);

	rcvid = MsgReceive(self->chid_default, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("from the namespace", buf);
	EXPECT_EQ(inner, info.pid);
	EXPECT_EQ(inner, info.tid);
	ASSERT_EQ(0, MsgReply(rcvid, 1, NULL, 0));

	/* We name it by its pid in our namespace. */
	ASSERT_EQ(0, qt_read_int(self->up[0], &inner_chid));
	coid = ConnectAttach(0, inner, inner_chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0) TH_LOG("ConnectAttach to %d: %s", inner, strerror(errno));
	ASSERT_EQ(0, qt_client_send(&c, coid, NULL, 0, NULL, 0));
	status = qt_child_result(mid);
	EXPECT_EQ(0, status) TH_LOG("namespace child failed check %d", status);
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(2, c.ret);
	EXPECT_EQ(0, ConnectDetach(coid));
	close(fdcoid);
}

/* ---- limits ---- */

FIXTURE(limits) {
	unsigned long saved_channels, saved_connections, saved_queued;
	struct qt_stats before;
};

FIXTURE_SETUP(limits)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, qt_param_get("max_channels", &self->saved_channels));
	ASSERT_EQ(0, qt_param_get("max_connections", &self->saved_connections));
	ASSERT_EQ(0, qt_param_get("max_queued", &self->saved_queued));
}

FIXTURE_TEARDOWN(limits)
{
	struct qt_stats now;

	qt_param_set("max_channels", self->saved_channels);
	qt_param_set("max_connections", self->saved_connections);
	qt_param_set("max_queued", self->saved_queued);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

static bool is_limit_errno(long r)
{
	return r == -EAGAIN || r == -ENOMEM;
}

TEST_F(limits, max_channels)
{
	int chids[8], i, r;
	pid_t child;

	ASSERT_EQ(0, qt_param_set("max_channels", 4));
	for (i = 0; i < 4; i++) {
		chids[i] = ChannelCreate(0);
		ASSERT_GT(chids[i], 0) TH_LOG("channel %d: %s", i, strerror(errno));
	}
	r = ChannelCreate_r(0);
	EXPECT_TRUE(is_limit_errno(r)) TH_LOG("fifth channel: %d", r);
	/* A destroyed channel frees its slot. */
	ASSERT_EQ(0, ChannelDestroy(chids[3]));
	chids[3] = ChannelCreate(0);
	EXPECT_GT(chids[3], 0);
	EXPECT_TRUE(is_limit_errno(ChannelCreate_r(0)));

	/* The limit is per process: a child has its own four. */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		for (i = 0; i < 4; i++)
			if (ChannelCreate(0) <= 0)
				_exit(1);
		_exit(is_limit_errno(ChannelCreate_r(0)) ? 0 : 2);
	}
	EXPECT_EQ(0, qt_child_result(child));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, ChannelDestroy(chids[i]));
}

TEST_F(limits, max_connections)
{
	int coids[8], chid, i, r;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	ASSERT_EQ(0, qt_param_set("max_connections", 6));
	/* Side and fd connections count alike. */
	for (i = 0; i < 6; i++) {
		coids[i] = ConnectAttach(0, 0, chid, i & 1 ? _NTO_SIDE_CHANNEL : 0, 0);
		ASSERT_GE(coids[i], 0) TH_LOG("connection %d: %s", i, strerror(errno));
	}
	r = ConnectAttach_r(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	EXPECT_TRUE(is_limit_errno(r)) TH_LOG("seventh side connection: %d", r);
	r = ConnectAttach_r(0, 0, chid, 0, 0);
	EXPECT_TRUE(is_limit_errno(r)) TH_LOG("seventh fd connection: %d", r);
	/* A closed fd connection and a detached side one free their slots. */
	ASSERT_EQ(0, ConnectDetach(coids[0]));
	ASSERT_EQ(0, ConnectDetach(coids[1]));
	coids[0] = ConnectAttach(0, 0, chid, 0, 0);
	EXPECT_GE(coids[0], 0);
	coids[1] = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	EXPECT_GE(coids[1], 0);
	EXPECT_TRUE(is_limit_errno(ConnectAttach_r(0, 0, chid, 0, 0)));
	for (i = 0; i < 6; i++)
		EXPECT_EQ(0, ConnectDetach(coids[i]));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

/* A flood of connections from a child ends in EAGAIN at the limit and leaves nothing behind. */
TEST_F(limits, connection_flood)
{
	int chid, status;
	pid_t child;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	ASSERT_EQ(0, qt_param_set("max_connections", 300));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int n = 0;
		long r;

		for (;;) {
			r = ConnectAttach_r(0, getppid(), chid, _NTO_SIDE_CHANNEL, 0);
			if (r < 0)
				break;
			n++;
		}
		_exit(n == 300 && is_limit_errno(r) ? 0 : 1);
	}
	status = qt_child_result(child);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, ChannelDestroy(chid));
}

TEST_F(limits, max_queued)
{
	struct qt_client c[3];
	int chid, coid, i, rcvid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(0, qt_param_set("max_queued", 2));
	ASSERT_EQ(0, qt_client_send_blocked(&c[0], coid, "0", 2, NULL, 0));
	ASSERT_EQ(0, qt_client_send_blocked(&c[1], coid, "1", 2, NULL, 0));
	/* The third fails at once rather than queueing. */
	ASSERT_EQ(0, qt_client_send(&c[2], coid, "2", 2, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c[2])) TH_LOG("third send queued beyond max_queued");
	EXPECT_EQ(-1, c[2].ret);
	EXPECT_TRUE(c[2].err == EAGAIN || c[2].err == ENOMEM) TH_LOG("errno %d", c[2].err);

	for (i = 0; i < 2; i++) {
		rcvid = MsgReceive(chid, NULL, 0, NULL);
		ASSERT_GT(rcvid, 0);
		ASSERT_EQ(0, MsgReply(rcvid, i, NULL, 0));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(0, c[i].err);
	}
	/* Room again once the queue drained. */
	ASSERT_EQ(0, qt_client_send(&c[2], coid, "2", 2, NULL, 0));
	rcvid = MsgReceive(chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 5, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c[2]));
	EXPECT_EQ(5, c[2].ret);
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

/* ---- lifetimes ---- */

/*
 * A chid freed by ChannelDestroy may be handed out again; a connection to
 * the old channel must never reach the new one.
 */
TEST(stale_connection_after_chid_reuse)
{
	struct qt_client c;
	int chid, chid2, coid, fdcoid, fresh, rcvid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	fdcoid = ConnectAttach(0, 0, chid, 0, 0);
	ASSERT_GE(fdcoid, 0);
	ASSERT_EQ(0, ChannelDestroy(chid));
	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	TH_LOG("chid %d destroyed, new channel got chid %d", chid, chid2);

	/* The old connections lead to the dead channel, whatever the new one's number. */
	EXPECT_EQ(-EBADF, MsgSend_r(coid, "old", 4, NULL, 0));
	EXPECT_EQ(-EBADF, MsgSend_r(fdcoid, "old", 4, NULL, 0));

	/* A fresh connection reaches the new channel. */
	fresh = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(fresh, 0);
	ASSERT_EQ(0, qt_client_send(&c, fresh, "new", 4, NULL, 0));
	rcvid = MsgReceive(chid2, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 9, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(9, c.ret);
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ConnectDetach(fresh));
	close(fdcoid);
	EXPECT_EQ(0, ChannelDestroy(chid2));
}

/* Create/connect/send/detach/destroy churn leaves the counters where they were. */
TEST(churn_leaves_nothing)
{
	struct qt_stats before, now;
	struct qt_client c;
	int i, chid, coid, fdcoid, rcvid;

	ASSERT_EQ(0, qt_stats_read(&before));
	for (i = 0; i < 300; i++) {
		chid = ChannelCreate(0);
		ASSERT_GT(chid, 0);
		coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
		ASSERT_GE(coid, 0);
		fdcoid = ConnectAttach(0, 0, chid, 0, 0);
		ASSERT_GE(fdcoid, 0);
		if (i % 10 == 0) {
			ASSERT_EQ(0, qt_client_send(&c, i & 1 ? coid : fdcoid, &i, sizeof(i), NULL, 0));
			rcvid = MsgReceive(chid, NULL, 0, NULL);
			ASSERT_GT(rcvid, 0);
			ASSERT_EQ(0, MsgReply(rcvid, i, NULL, 0));
			ASSERT_EQ(0, qt_client_join(&c));
			ASSERT_EQ(i, c.ret);
		}
		/* Alternate the order of teardown. */
		if (i & 1) {
			ASSERT_EQ(0, ChannelDestroy(chid));
			ASSERT_EQ(0, ConnectDetach(coid));
			ASSERT_EQ(0, close(fdcoid));
		} else {
			ASSERT_EQ(0, ConnectDetach(coid));
			ASSERT_EQ(0, close(fdcoid));
			ASSERT_EQ(0, ChannelDestroy(chid));
		}
	}
	ASSERT_EQ(0, qt_stats_wait_settled(&before, &now));
}

TEST_HARNESS_MAIN
