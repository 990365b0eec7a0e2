// SPDX-License-Identifier: GPL-2.0
/*
 * Death and teardown in every state: kill -9 of a client that is SEND- or
 * REPLY-blocked, of a server that is RECEIVE-blocked or holds rcvids or has
 * clients queued; exit with everything open; fork; exec.
 *
 * After every test (all its processes reaped, its channels destroyed) the
 * module's live-object counters (channels, connections, msgs_in_flight,
 * pinned_pages) must be back where they started: the teardown checks.
 *
 * Children report through their exit status (a distinct code per check),
 * never through the harness's ASSERTs, which belong to the test's process.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <qchan/libchan.h>
#include <sys/ptrace.h>

#include "kselftest_harness.h"

#define BIG	(256 * 1024)	/* above the default inline_max: the pinned-page path */

FIXTURE(death) {
	struct qt_stats before;
	int chid;
	int coid;
	int pipe_up[2];		/* child -> parent */
	int pipe_down[2];	/* parent -> child */
	pid_t child;
};

FIXTURE_SETUP(death)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, pipe2(self->pipe_up, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->pipe_down, O_CLOEXEC));
}

FIXTURE_TEARDOWN(death)
{
	struct qt_stats now;

	/* A failed ASSERT longjmps here with the harness's log trigger still set. */
	_metadata->trigger = 0;
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
	close(self->pipe_up[0]);
	close(self->pipe_up[1]);
	close(self->pipe_down[0]);
	close(self->pipe_down[1]);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld pinned %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pinned_pages, now.pinned_pages);
}

/* Kills and reaps the fixture's child. */
static int kill_child(FIXTURE_DATA(death) *self)
{
	int status;

	if (kill(self->child, SIGKILL))
		return -errno;
	if (waitpid(self->child, &status, 0) != self->child)
		return -errno;
	self->child = 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 0 : -ECHILD;
}

/* The next message is @want (a string): proof that nothing else was left queued. */
static void expect_next(struct __test_metadata *_metadata, int chid, int coid, const char *want)
{
	struct qt_client c;
	char buf[64];
	int rcvid;

	ASSERT_EQ(0, qt_client_send(&c, coid, want, strlen(want) + 1, NULL, 0));
	memset(buf, 0, sizeof(buf));
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ(want, buf);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
}

/* A child that connects to (@pid, @chid) and sends @len bytes; it is meant to be killed. */
static pid_t fork_sender(pid_t pid, int chid, size_t len)
{
	pid_t child = fork();

	if (child)
		return child;
	{
		uint8_t *buf = malloc(len ? len : 1);
		int coid;

		if (!buf)
			_exit(90);
		qt_fill(buf, len, 77, 0);
		coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0);
		if (coid < 0)
			_exit(91);
		MsgSend(coid, buf, len, buf, len);
		_exit(92);	/* only a reply could get here */
	}
}

TEST_F(death, client_killed_send_blocked)
{
	static const size_t lens[] = { 64, BIG };

	for (unsigned int i = 0; i < ARRAY_SIZE(lens); i++) {
		struct qt_stats s;

		self->child = fork_sender(getpid(), self->chid, lens[i]);
		ASSERT_GT(self->child, 0);
		ASSERT_EQ(0, qt_wait_proc_blocked(self->child)) TH_LOG("len %zu", lens[i]);
		ASSERT_EQ(0, qt_stats_read(&s));
		EXPECT_GE(s.msgs_in_flight, self->before.msgs_in_flight + 1);
		ASSERT_EQ(0, kill_child(self));
		/* Dequeued: the server never receives it. */
		expect_next(_metadata, self->chid, self->coid, "after SEND-blocked death");
	}
}

TEST_F(death, client_killed_reply_blocked)
{
	static const size_t lens[] = { 64, BIG };
	char buf[16];

	for (unsigned int i = 0; i < ARRAY_SIZE(lens); i++) {
		struct _msg_info info;
		int rcvid;

		self->child = fork_sender(getpid(), self->chid, lens[i]);
		ASSERT_GT(self->child, 0);
		rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
		ASSERT_GT(rcvid, 0);
		EXPECT_EQ(self->child, info.pid);
		EXPECT_EQ(-1, qt_check(buf, sizeof(buf), 77, 0));
		ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
		ASSERT_EQ(0, kill_child(self));

		EXPECT_EQ(-ESRCH, MsgRead_r(rcvid, buf, sizeof(buf), 0)) TH_LOG("len %zu", lens[i]);
		EXPECT_EQ(-ESRCH, MsgWrite_r(rcvid, buf, sizeof(buf), 0));
		EXPECT_EQ(-ESRCH, MsgInfo_r(rcvid, &info));
		EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, buf, sizeof(buf)));
		EXPECT_EQ(-ESRCH, MsgError_r(rcvid, EIO));
		expect_next(_metadata, self->chid, self->coid, "after REPLY-blocked death");
	}
}

/* One process, three threads: SEND-blocked, REPLY-blocked, and one being read. */
TEST_F(death, client_killed_multithreaded)
{
	struct _msg_info info;
	char buf[16];
	int rcvid1, rcvid2;
	pid_t parent = getpid();

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		int coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		static uint8_t big[3][BIG];
		struct qt_client c[3];

		if (coid < 0)
			_exit(91);
		for (int i = 0; i < 3; i++) {
			qt_fill(big[i], BIG, 77, 0);
			if (qt_client_send(&c[i], coid, big[i], BIG, big[i], BIG))
				_exit(92);
		}
		pause();
		_exit(93);
	}
	rcvid1 = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid1, 0);
	rcvid2 = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid2, 0);
	/* The third is queued; the first two are REPLY-blocked, one is being read. */
	ASSERT_EQ(0, qt_wait_in_flight(self->before.msgs_in_flight + 3));
	EXPECT_EQ((ssize_t)sizeof(buf), MsgRead(rcvid1, buf, sizeof(buf), 10));
	EXPECT_EQ(-1, qt_check(buf, sizeof(buf), 77, 10));
	ASSERT_EQ(0, kill_child(self));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid1, 0, NULL, 0));
	EXPECT_EQ(-ESRCH, MsgWrite_r(rcvid2, buf, sizeof(buf), 100));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid2, 0, NULL, 0));
	expect_next(_metadata, self->chid, self->coid, "after multithreaded death");
}

/*
 * A server child: creates a channel, tells the parent its chid, then
 * receives @nrecv messages (holding them) and reports, then waits to be
 * killed.  @nthreads extra threads sit RECEIVE-blocked.
 */
struct srv_args {
	int chid;
};

static void *srv_receive_fn(void *arg)
{
	struct srv_args *a = arg;

	MsgReceive(a->chid, NULL, 0, NULL);
	return NULL;
}

static void run_server_child(FIXTURE_DATA(death) *self, int nrecv, int nthreads)
{
	static struct srv_args args;
	pthread_t t;
	int go;

	args.chid = ChannelCreate(0);
	if (args.chid <= 0)
		_exit(81);
	if (qt_write_int(self->pipe_up[1], args.chid))
		_exit(82);
	for (int i = 0; i < nrecv; i++)
		if (MsgReceive(args.chid, NULL, 0, NULL) <= 0)
			_exit(83);
	if (qt_write_int(self->pipe_up[1], nrecv))
		_exit(84);
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t, NULL, srv_receive_fn, &args))
			_exit(85);
	if (nthreads)
		MsgReceive(args.chid, NULL, 0, NULL);
	qt_read_int(self->pipe_down[0], &go);
	pause();
	_exit(86);
}

TEST_F(death, server_killed_receive_blocked)
{
	int chid, n, coid, fdcoid;
	pid_t dead;

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child)
		run_server_child(self, 0, 2);
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));
	coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	fdcoid = ConnectAttach(0, self->child, chid, 0, 0);
	ASSERT_GE(fdcoid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	dead = self->child;
	ASSERT_EQ(0, kill_child(self));

	/* The channel died with its process: QNX's "no longer connected", EBADF. */
	EXPECT_EQ(-EBADF, MsgSend_r(coid, "x", 2, NULL, 0));
	EXPECT_EQ(-EBADF, MsgSend_r(fdcoid, "x", 2, NULL, 0));
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, dead, chid, _NTO_SIDE_CHANNEL, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ConnectDetach(fdcoid));
}

TEST_F(death, server_killed_with_queued_clients)
{
	struct qt_client c[3];
	int chid, n, coid;

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child)
		run_server_child(self, 0, 0);
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));
	coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, qt_client_send_blocked(&c[i], coid, "q", 2, NULL, 0));
	ASSERT_EQ(0, kill_child(self));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i])) TH_LOG("client %d still blocked", i);
		EXPECT_EQ(-1, c[i].ret);
		EXPECT_EQ(ESRCH, c[i].err);
	}
	EXPECT_EQ(0, ConnectDetach(coid));
}

TEST_F(death, server_killed_holding_rcvids)
{
	static uint8_t big[2][BIG];
	struct qt_client c[3];
	int chid, n, coid;

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child)
		run_server_child(self, 2, 0);
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, self->child, chid, 0, 0);
	ASSERT_GE(coid, 0);
	/* One small and one big message held; a third queued behind them. */
	ASSERT_EQ(0, qt_client_send(&c[0], coid, "small", 6, NULL, 0));
	ASSERT_EQ(0, qt_client_send(&c[1], coid, big[0], BIG, big[1], BIG));
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));
	ASSERT_EQ(2, n);
	ASSERT_EQ(0, qt_client_send_blocked(&c[2], coid, "q", 2, NULL, 0));
	ASSERT_EQ(0, kill_child(self));
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i])) TH_LOG("client %d still blocked", i);
		EXPECT_EQ(-1, c[i].ret);
		EXPECT_EQ(ESRCH, c[i].err);
	}
	close(coid);
}

/*
 * A child with everything open exits normally: two channels, side and fd
 * connections, a thread REPLY-blocked on the parent, a message from the
 * parent received and never replied to.
 */
TEST_F(death, exit_with_everything_open)
{
	struct qt_client to_child;
	struct _msg_info info;
	int chid, n, coid, rcvid, status;
	pid_t parent = getpid();

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		struct qt_client up;
		int c1 = ChannelCreate(0), c2 = ChannelCreate(_NTO_CHF_FIXED_PRIORITY);
		int pc;

		if (c1 <= 0 || c2 <= 0)
			_exit(71);
		if (ConnectAttach(0, 0, c1, _NTO_SIDE_CHANNEL, 0) < 0 ||
		    ConnectAttach(0, 0, c2, 0, 0) < 0 ||
		    ConnectAttach(0, 0, c2, _NTO_SIDE_CHANNEL, 0) < 0)
			_exit(72);
		pc = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		if (pc < 0 || ConnectAttach(0, parent, self->chid, 0, 0) < 0)
			_exit(73);
		if (qt_write_int(self->pipe_up[1], c1))
			_exit(74);
		/* The parent's message to us: received, never answered. */
		if (MsgReceive(c1, NULL, 0, NULL) <= 0)
			_exit(75);
		/* A thread of ours REPLY-blocked on the parent. */
		if (qt_client_send(&up, pc, "up", 3, NULL, 0))
			_exit(76);
		if (qt_write_int(self->pipe_up[1], 1))
			_exit(77);
		qt_read_int(self->pipe_down[0], &n);
		exit(0);
	}
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(0, qt_client_send(&to_child, coid, "down", 5, NULL, 0));
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));
	rcvid = MsgReceive(self->chid, NULL, 0, &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(self->child, info.pid);

	ASSERT_EQ(0, qt_write_int(self->pipe_down[1], 1));
	status = qt_child_result(self->child);
	self->child = 0;
	EXPECT_EQ(0, status);

	ASSERT_EQ(0, qt_client_join(&to_child));
	EXPECT_EQ(-1, to_child.ret);
	EXPECT_EQ(ESRCH, to_child.err);
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
}

/*
 * fork: the child starts with no channels and no side-channel connections
 * (a fresh chid space), inherits fd connections (usable), and can send to
 * its parent while the parent's own channels are untouched.
 */
TEST_F(death, fork_semantics)
{
	struct _msg_info info;
	int fdcoid, rcvid, status, first_chid;
	char buf[16];

	fdcoid = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GE(fdcoid, 0);
	/* This process's first channel is the fixture's: a fresh space starts there. */
	first_chid = self->chid;

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		struct qchan_connect_query q;
		long r;
		int chid;

		/* No channels: the parent's chid means nothing here. */
		if (MsgReceive_r(self->chid, NULL, 0, NULL) != -ESRCH)
			_exit(61);
		if (ChannelDestroy_r(self->chid) != -EINVAL)
			_exit(62);
		/* No side connections: the parent's side coid is no connection here. */
		if (MsgSend_r(self->coid, "x", 2, NULL, 0) != -EBADF)
			_exit(63);
		if (ConnectDetach_r(self->coid) != -EINVAL)
			_exit(64);
		/* The fd connection is inherited and usable. */
		memset(&q, 0, sizeof(q));
		if (qchan_connect_query(fdcoid, &q) || q.pid != getppid() || q.chid != self->chid)
			_exit(65);
		r = MsgSend(fdcoid, "child", 6, buf, sizeof(buf));
		if (r != 42 || strcmp(buf, "parent"))
			_exit(66);
		/* A fresh chid space. */
		chid = ChannelCreate(0);
		if (chid != first_chid)
			_exit(67);
		if (ChannelDestroy(chid))
			_exit(68);
		_exit(0);
	}
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("child", buf);
	EXPECT_EQ(self->child, info.pid);
	EXPECT_EQ(self->child, info.tid);
	EXPECT_EQ(fdcoid, info.coid);
	ASSERT_EQ(0, MsgReply(rcvid, 42, "parent", 7));
	status = qt_child_result(self->child);
	self->child = 0;
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);

	/* The parent's objects are all still there. */
	expect_next(_metadata, self->chid, self->coid, "parent still works");
	expect_next(_metadata, self->chid, fdcoid, "fd coid still works");
	close(fdcoid);
}

/* A forked child's scoid differs from the parent's on the same channel. */
TEST_F(death, scoid_differs_per_process)
{
	struct _msg_info mine, theirs;
	struct qt_client c;
	int rcvid;
	pid_t parent = getpid();

	ASSERT_EQ(0, qt_client_send(&c, self->coid, NULL, 0, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, &mine);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		int coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);

		_exit(coid < 0 ? 1 : MsgSend(coid, NULL, 0, NULL, 0) == 0 ? 0 : 2);
	}
	rcvid = MsgReceive(self->chid, NULL, 0, &theirs);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(0, qt_child_result(self->child));
	self->child = 0;
	EXPECT_NE(mine.scoid, theirs.scoid);
	EXPECT_EQ(getpid(), mine.pid);
	EXPECT_NE(mine.pid, theirs.pid);
}

/*
 * exec: the context is closed, so the process's channels die: a client
 * queued on one and a client REPLY-blocked on it both get ESRCH.  fd
 * connections without CLOEXEC survive exec and stay usable; CLOEXEC ones
 * are gone.  The exec'd image (this binary, see main) checks its side.
 */
#define EXEC_HELPER	"--msg-death-exec-helper"

static int exec_helper(int argc, char **argv)
{
	struct qchan_connect_query q;
	int cx, nc, fd;
	long r;

	if (argc != 5)
		return 51;
	cx = atoi(argv[2]);
	nc = atoi(argv[3]);
	fd = atoi(argv[4]);
	if (fcntl(cx, F_GETFD) != -1 || errno != EBADF)
		return 52;
	memset(&q, 0, sizeof(q));
	if (qchan_connect_query(nc, &q))
		return 53;
	if (q.pid != getppid())
		return 54;
	if (qt_write_int(fd, 1))
		return 55;
	r = MsgSend(nc, "exec'd", 7, NULL, 0);
	return r == 31 ? 0 : 56;
}

TEST_F(death, exec_destroys_channels)
{
	struct qt_client queued, replyb;
	struct _msg_info info;
	int chid, n, coid, cx, nc, rcvid, status;
	char buf[16];

	cx = ConnectAttach(0, 0, self->chid, 0, _NTO_COF_CLOEXEC);
	ASSERT_GE(cx, 0);
	nc = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GE(nc, 0);

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		char a2[16], a3[16], a4[16];
		char *args[] = { "msg_death_test", EXEC_HELPER, a2, a3, a4, NULL };
		int c = ChannelCreate(0), up = dup(self->pipe_up[1]);	/* without CLOEXEC */

		if (c <= 0 || up < 0)
			_exit(41);
		if (qt_write_int(self->pipe_up[1], c))
			_exit(42);
		if (MsgReceive(c, NULL, 0, NULL) <= 0)
			_exit(43);
		if (qt_write_int(self->pipe_up[1], 1))
			_exit(44);
		qt_read_int(self->pipe_down[0], &n);
		snprintf(a2, sizeof(a2), "%d", cx);
		snprintf(a3, sizeof(a3), "%d", nc);
		snprintf(a4, sizeof(a4), "%d", up);
		execv("/proc/self/exe", args);
		_exit(45);
	}
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(0, qt_client_send(&replyb, coid, "r", 2, NULL, 0));
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));
	ASSERT_EQ(0, qt_client_send_blocked(&queued, coid, "q", 2, NULL, 0));
	ASSERT_EQ(0, qt_write_int(self->pipe_down[1], 1));

	/* The exec'd image reports in... */
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));
	/* ...by which time exec has destroyed the old image's channels. */
	ASSERT_EQ(0, qt_client_join(&queued)) TH_LOG("queued client still blocked after exec");
	EXPECT_EQ(-1, queued.ret);
	EXPECT_EQ(ESRCH, queued.err);
	ASSERT_EQ(0, qt_client_join(&replyb)) TH_LOG("REPLY-blocked client still blocked after exec");
	EXPECT_EQ(-1, replyb.ret);
	EXPECT_EQ(ESRCH, replyb.err);
	EXPECT_EQ(-ESRCH, ConnectAttach_r(0, self->child, chid, _NTO_SIDE_CHANNEL, 0));

	/* The surviving fd connection works from the new image. */
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("exec'd", buf);
	EXPECT_EQ(self->child, info.pid);
	EXPECT_EQ(nc, info.coid);
	ASSERT_EQ(0, MsgReply(rcvid, 31, NULL, 0));
	status = qt_child_result(self->child);
	self->child = 0;
	EXPECT_EQ(0, status) TH_LOG("exec'd child failed check %d", status);

	EXPECT_EQ(0, ConnectDetach(coid));
	close(cx);
	close(nc);
}

/* Killing the process while its server thread is mid-copy of a big message. */
TEST_F(death, server_killed_mid_copy)
{
	const size_t len = 16 * QT_MIB;
	struct qt_client c;
	uint8_t *sbuf;
	int chid, coid;

	sbuf = malloc(len);
	ASSERT_NE(NULL, sbuf);
	qt_fill(sbuf, len, 9, 0);
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		uint8_t *rbuf = malloc(len);
		int c = ChannelCreate(0);

		if (!rbuf || c <= 0)
			_exit(31);
		qt_write_int(self->pipe_up[1], c);
		for (;;) {
			int rcvid = MsgReceive(c, rbuf, len, NULL);

			if (rcvid > 0)
				MsgReply(rcvid, 0, rbuf, len);
		}
	}
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(0, qt_client_send(&c, coid, sbuf, len, sbuf, len));
	/* Some time into the copies: the exact moment does not matter, only the outcome. */
	ASSERT_EQ(0, qt_wait_in_flight(self->before.msgs_in_flight + 1));
	qt_sleep_ms(20);
	ASSERT_EQ(0, kill_child(self));
	ASSERT_EQ(0, qt_client_join(&c));
	/* Either the reply made it, or the server's death failed the send. */
	if (c.ret == -1) {
		EXPECT_EQ(ESRCH, c.err);
	} else {
		EXPECT_EQ(0, c.ret);
		EXPECT_EQ(-1, qt_check(sbuf, len, 9, 0));
	}
	EXPECT_EQ(0, ConnectDetach(coid));
	free(sbuf);
}

/* Waits until a stopped child shows state 'T'; 0 or -ETIMEDOUT. */
static int wait_stopped(pid_t pid)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (qt_task_state(pid, pid) != 'T') {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return 0;
}

/*
 * Job control is not a failure: a client stopped (SIGSTOP) and continued
 * while SEND- or REPLY-blocked, with no handler for either signal, still
 * gets its reply, as on QNX; only a handled signal interrupts a send.
 */
TEST_F(death, stop_continue_is_transparent)
{
	struct _msg_info info;
	pid_t parent = getpid();
	int rcvid, status;
	char buf[16];

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		int coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		char r[8] = { 0 };
		long ret;

		if (coid < 0)
			_exit(21);
		ret = MsgSend(coid, "queued", 7, r, sizeof(r));
		if (ret != 1 || strcmp(r, "one"))
			_exit(ret == -1 && errno == EINTR ? 22 : 23);
		ret = MsgSend(coid, "held", 5, r, sizeof(r));
		if (ret != 2 || strcmp(r, "two"))
			_exit(ret == -1 && errno == EINTR ? 24 : 25);
		_exit(0);
	}
	/* SEND-blocked: stop, continue, then receive. */
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGSTOP));
	ASSERT_EQ(0, wait_stopped(self->child));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("queued", buf);
	ASSERT_EQ(0, MsgReply(rcvid, 1, "one", 4));

	/* REPLY-blocked: received, then the client is stopped and continued. */
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("held", buf);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGSTOP));
	ASSERT_EQ(0, wait_stopped(self->child));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	EXPECT_EQ(0, MsgReply_r(rcvid, 2, "two", 4)) TH_LOG("the stop ended the REPLY-blocked send");
	status = qt_child_result(self->child);
	self->child = 0;
	EXPECT_EQ(0, status) TH_LOG("child: %s",
				    status == 22 || status == 24 ? "EINTR without a handler" :
				    "wrong reply");
}

/*
 * A client killed while the server copies its big message: every MsgRead
 * either moves all the bytes (right ones) or fails ESRCH, and once it has
 * failed it keeps failing.  The killed sender's memory stays valid for the
 * copy in progress (the kernel waits for it), so nothing faults.
 */
TEST_F(death, client_killed_during_server_copy)
{
	const size_t len = 8 * QT_MIB;
	uint8_t *buf;
	char small[16];
	int rcvid, reads = 0, gone = 0;
	pid_t victim;

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	self->child = fork_sender(getpid(), self->chid, len);
	ASSERT_GT(self->child, 0);
	rcvid = MsgReceive(self->chid, small, sizeof(small), NULL);
	ASSERT_GT(rcvid, 0);
	victim = self->child;

	/* A killer thread would need synchronisation with the reads; a child does it by pid. */
	{
		pid_t killer = fork();

		ASSERT_GE(killer, 0);
		if (!killer) {
			qt_sleep_ms(50);
			kill(victim, SIGKILL);
			_exit(0);
		}
		for (long long end = qt_now_ms() + QT_WAIT_MS; qt_now_ms() < end;) {
			ssize_t n = MsgRead_r(rcvid, buf, len, 0);

			if (n == -ESRCH) {
				gone++;
				if (gone > 3)
					break;
				continue;
			}
			ASSERT_EQ(0, gone) TH_LOG("MsgRead worked again after ESRCH");
			ASSERT_EQ((ssize_t)len, n) TH_LOG("MsgRead: %zd", n);
			ASSERT_EQ(-1, qt_check(buf, len, 77, 0));
			reads++;
		}
		EXPECT_EQ(0, qt_child_result(killer));
	}
	EXPECT_GT(gone, 0) TH_LOG("the client never died");
	TH_LOG("%d full reads before the client died", reads);
	ASSERT_EQ(0, waitpid(victim, NULL, 0) == victim ? 0 : -1);
	self->child = 0;
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	free(buf);
}

/*
 * fork while other threads sit in the module (one RECEIVE-blocked, one
 * REPLY-blocked): the fork neither waits for them nor disturbs them, and
 * the child has a working context of its own.
 */
TEST_F(death, fork_while_threads_blocked)
{
	struct qt_receiver r;
	struct qt_client c, c2;
	int chid2, coid2, rcvid, status;

	/* A second channel for a REPLY-blocked client. */
	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	coid2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid2, 0);
	ASSERT_EQ(0, qt_client_send(&c, coid2, "held", 5, NULL, 0));
	rcvid = MsgReceive(chid2, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_receiver_start(&r, self->chid));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&c.tid)));

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		int ch = ChannelCreate(0), co;

		if (ch <= 0)
			_exit(11);
		co = ConnectAttach(0, 0, ch, _NTO_SIDE_CHANNEL, 0);
		if (co < 0 || ConnectDetach(co) || ChannelDestroy(ch))
			_exit(12);
		_exit(0);
	}
	status = qt_child_result(self->child);
	self->child = 0;
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);

	/* Both blocked threads of ours carry on. */
	ASSERT_EQ(0, qt_client_send(&c2, self->coid, "wake", 5, NULL, 0));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_GT(r.rcvid, 0);
	EXPECT_STREQ("wake", r.buf);
	ASSERT_EQ(0, MsgReply(r.rcvid, 4, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c2));
	EXPECT_EQ(4, c2.ret);
	ASSERT_EQ(0, MsgReply(rcvid, 5, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(5, c.ret);
	EXPECT_EQ(0, ConnectDetach(coid2));
	EXPECT_EQ(0, ChannelDestroy(chid2));
}

/*
 * A REPLY-blocked client that is stopped has to leave the kernel to stop;
 * while it is stopped the server must still be able to read and write its
 * buffers and reply (small replies go through a kernel buffer, big ones into
 * its pages), and the reply must be there when it continues.
 */
static int stopped_client_child(pid_t parent, int chid, size_t len)
{
	uint8_t *sbuf = malloc(len), *rbuf = malloc(len);
	int coid;
	long r;

	if (!sbuf || !rbuf)
		return 30;
	qt_fill(sbuf, len, 44, 0);
	memset(rbuf, 0, len);
	coid = ConnectAttach(0, parent, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		return 31;
	r = MsgSend(coid, sbuf, len, rbuf, len);
	if (r == -1)
		return errno == EINTR ? 32 : 33;
	if (r != (long)len)
		return 34;
	/* The reply, with the 100 bytes MsgWrite put at 1000 before it (replies start at 0). */
	if (qt_check(rbuf, len, 45, 0) != -1)
		return 35;
	return 0;
}

TEST_F(death, server_works_on_stopped_client)
{
	static const size_t lens[] = { 200, BIG };
	uint8_t *buf;

	buf = malloc(BIG);
	ASSERT_NE(NULL, buf);
	for (unsigned int i = 0; i < ARRAY_SIZE(lens); i++) {
		size_t len = lens[i];
		struct _msg_info info;
		int rcvid, status;
		pid_t parent = getpid();

		self->child = fork();
		ASSERT_GE(self->child, 0);
		if (!self->child)
			_exit(stopped_client_child(parent, self->chid, len));
		rcvid = MsgReceive(self->chid, buf, 16, &info);
		ASSERT_GT(rcvid, 0);
		ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
		ASSERT_EQ(0, kill(self->child, SIGSTOP));
		ASSERT_EQ(0, wait_stopped(self->child));

		/* All of it works on the stopped client. */
		memset(buf, 0, len);
		EXPECT_EQ((ssize_t)len, MsgRead(rcvid, buf, len, 0)) TH_LOG("len %zu", len);
		EXPECT_EQ(-1, qt_check(buf, len, 44, 0));
		qt_fill(buf, len, 45, 0);
		EXPECT_EQ(100, MsgWrite(rcvid, buf + 1000 % len, 100, 1000 % len));
		memset(&info, 0, sizeof(info));
		EXPECT_EQ(0, MsgInfo(rcvid, &info));
		EXPECT_EQ(self->child, info.pid);
		EXPECT_EQ((int)len, info.srcmsglen);
		EXPECT_EQ(0, MsgReply(rcvid, (long)len, buf, len)) TH_LOG("len %zu", len);
		EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));

		ASSERT_EQ(0, kill(self->child, SIGCONT));
		status = qt_child_result(self->child);
		self->child = 0;
		EXPECT_EQ(0, status) TH_LOG("len %zu: child failed check %d", len, status);
	}
	free(buf);
}

/* A stopped REPLY-blocked client that is killed, or whose server dies, leaves nothing behind. */
TEST_F(death, stopped_client_killed)
{
	char buf[16];
	int rcvid;

	self->child = fork_sender(getpid(), self->chid, BIG);
	ASSERT_GT(self->child, 0);
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGSTOP));
	ASSERT_EQ(0, wait_stopped(self->child));
	ASSERT_EQ(0, kill_child(self));
	EXPECT_EQ(-ESRCH, MsgRead_r(rcvid, buf, sizeof(buf), 0));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, buf, sizeof(buf)));
	expect_next(_metadata, self->chid, self->coid, "after a stopped client died");
}

TEST_F(death, stopped_client_server_dies)
{
	int chid, n, status;
	pid_t server, client;

	/* The server is a child, the client another child; we stop and continue the client. */
	server = fork();
	ASSERT_GE(server, 0);
	if (!server)
		run_server_child(self, 1, 0);
	self->child = server;
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	client = fork();
	ASSERT_GE(client, 0);
	if (!client) {
		int coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
		long r;

		if (coid < 0)
			_exit(51);
		r = MsgSend(coid, "x", 2, NULL, 0);
		_exit(r == -1 && errno == ESRCH ? 0 : r == -1 ? 52 : 53);
	}
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &n));	/* the server holds it */
	ASSERT_EQ(0, qt_wait_proc_blocked(client));
	ASSERT_EQ(0, kill(client, SIGSTOP));
	ASSERT_EQ(0, wait_stopped(client));
	ASSERT_EQ(0, kill_child(self));
	ASSERT_EQ(0, kill(client, SIGCONT));
	status = qt_child_result(client);
	EXPECT_EQ(0, status) TH_LOG("client: %s", status == 52 ? "wrong errno" :
				    status == 53 ? "send succeeded" : "setup");
}

/*
 * A handled signal that arrives while a REPLY-blocked client is stopped
 * still interrupts the send once it continues: the handler runs, so the
 * send returns EINTR, as it would had the client not been stopped.
 */
static volatile sig_atomic_t got_usr1;

static void usr1_handler(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

TEST_F(death, handled_signal_while_stopped)
{
	char buf[16];
	int rcvid, status;
	pid_t parent = getpid();

	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		struct sigaction sa = { .sa_handler = usr1_handler };
		int coid;
		long r;

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL))
			_exit(60);
		coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		if (coid < 0)
			_exit(61);
		r = MsgSend(coid, "x", 2, NULL, 0);
		if (!got_usr1)
			_exit(62);
		_exit(r == -1 && errno == EINTR ? 0 : r == -1 ? 63 : 64);
	}
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGSTOP));
	ASSERT_EQ(0, wait_stopped(self->child));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	/* The client must now leave its send (a client that keeps waiting is killed). */
	status = qt_waitpid_timeout(self->child, QT_WAIT_MS);
	self->child = 0;
	ASSERT_NE(-ETIMEDOUT, status) TH_LOG("the client kept waiting after its handler ran");
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child: %d (63: wrong errno, 64: reply arrived)",
					       WEXITSTATUS(status));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 1, NULL, 0));
}

/*
 * The handler of that signal sends a message of its own (MsgSend is a
 * system call, fine in a handler).  The interrupted send must end (EINTR)
 * and must never be delivered a second time.
 */
static int nested_coid;
static long nested_ret;

static void nested_handler(int sig)
{
	int saved = errno;

	(void)sig;
	nested_ret = MsgSend(nested_coid, "nested", 7, NULL, 0);
	errno = saved;
}

TEST_F(death, handler_sends_while_stopped)
{
	struct qt_stats now;
	char buf[16];
	int chid2, rcvid, rcvid2, status;
	pid_t parent = getpid();

	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		struct sigaction sa = { .sa_handler = nested_handler };
		int coid;
		long r;

		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGUSR1, &sa, NULL))
			_exit(70);
		coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		nested_coid = ConnectAttach(0, parent, chid2, _NTO_SIDE_CHANNEL, 0);
		if (coid < 0 || nested_coid < 0)
			_exit(71);
		r = MsgSend(coid, "orig", 5, NULL, 0);
		if (nested_ret != 7)
			_exit(72);
		_exit(r == -1 && errno == EINTR ? 0 : r == -1 ? 73 : 74);
	}
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGSTOP));
	ASSERT_EQ(0, wait_stopped(self->child));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	ASSERT_EQ(0, kill(self->child, SIGCONT));

	rcvid2 = MsgReceive(chid2, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid2, 0);
	EXPECT_STREQ("nested", buf);
	ASSERT_EQ(0, MsgReply(rcvid2, 7, NULL, 0));

	/* A client that sent "orig" again would be waiting for a reply now, not exiting. */
	status = qt_waitpid_timeout(self->child, QT_WAIT_MS);
	self->child = 0;
	EXPECT_NE(-ETIMEDOUT, status) TH_LOG("the client never finished: did it send twice?");
	if (status >= 0) {
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child: %d (73: wrong errno, 74: replied)",
						       WEXITSTATUS(status));
	}
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 1, NULL, 0));
	/* Nothing else may be waiting on the channel: no second copy of "orig". */
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.msgs_in_flight, now.msgs_in_flight);
	EXPECT_EQ(0, ChannelDestroy(chid2));
}

/*
 * A debugger interrupting a blocked thread (PTRACE_INTERRUPT, as gdb does on
 * attach) must not change the outcome: the REPLY-blocked client still gets
 * its reply, the RECEIVE-blocked server still gets the next message.
 */
static int ptrace_interrupt_and_detach(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_SEIZE, pid, 0, 0))
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
		return -errno;
	if (waitpid(pid, &status, __WALL) != pid)
		return -errno;
	if (!WIFSTOPPED(status))
		return -ECHILD;
	if (ptrace(PTRACE_DETACH, pid, 0, 0))
		return -errno;
	return 0;
}

TEST_F(death, debugger_interrupts_blocked_threads)
{
	struct _msg_info info;
	char buf[16];
	int rcvid, status, chid, coid;
	pid_t parent = getpid(), server;

	/* A REPLY-blocked client. */
	self->child = fork();
	ASSERT_GE(self->child, 0);
	if (!self->child) {
		char r[8] = { 0 };
		int c = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);
		long ret;

		if (c < 0)
			_exit(81);
		ret = MsgSend(c, "debugged", 9, r, sizeof(r));
		_exit(ret == 5 && !strcmp(r, "fine") ? 0 : ret == -1 ? 82 : 83);
	}
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, ptrace_interrupt_and_detach(self->child));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	EXPECT_EQ(0, MsgReply_r(rcvid, 5, "fine", 5)) TH_LOG("the debugger ended the send");
	status = qt_child_result(self->child);
	self->child = 0;
	EXPECT_EQ(0, status) TH_LOG("client failed check %d", status);

	/* A RECEIVE-blocked server. */
	server = fork();
	ASSERT_GE(server, 0);
	if (!server) {
		int c = ChannelCreate(0), r;

		if (c <= 0 || qt_write_int(self->pipe_up[1], c))
			_exit(84);
		r = MsgReceive(c, buf, sizeof(buf), NULL);
		if (r <= 0)
			_exit(errno == EINTR ? 85 : 86);
		_exit(MsgReply(r, 6, NULL, 0) ? 87 : 0);
	}
	self->child = server;
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(server));
	ASSERT_EQ(0, ptrace_interrupt_and_detach(server));
	ASSERT_EQ(0, qt_wait_proc_blocked(server));
	EXPECT_EQ(6, MsgSend(coid, "hi", 3, NULL, 0));
	status = qt_child_result(server);
	self->child = 0;
	EXPECT_EQ(0, status) TH_LOG("server failed check %d", status);
	EXPECT_EQ(0, ConnectDetach(coid));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], EXEC_HELPER))
		return exec_helper(argc, argv);
	return test_harness_run(argc, argv);
}
