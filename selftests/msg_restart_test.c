// SPDX-License-Identifier: GPL-2.0
/*
 * Restarts and hostages: a blocked call that leaves the kernel and comes
 * back (stop signals, a debugger) must resume exactly what had not finished,
 * and a server's own memory must never hold a killed client in the kernel.
 *
 *  - a restarted MsgSend whose parked message was given up meanwhile fails
 *    EINTR instead of being delivered a second time;
 *  - a restarted MsgReplyReceive does not reply twice;
 *  - a stopped SEND-blocked client keeps its place in the queue, and a
 *    server may receive its message while it is stopped;
 *  - a SIGKILLed client leaves at once while the server's copy waits on a
 *    page fault of the server's own buffer that is never resolved (an
 *    unserved userfaultfd region), in every copy the server makes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define BIG		(64 * 1024)	/* above every inline_max the suite uses: the direct tier */
#define LEAVE_MS	3000		/* a killed client must be gone by then */

static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

FIXTURE(restart) {
	struct qt_stats before;
	int chid;
	pid_t child[2];
	int pipe_up[2], pipe_down[2];
};

FIXTURE_SETUP(restart)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->child[0] = self->child[1] = 0;
	ASSERT_EQ(0, pipe(self->pipe_up));
	ASSERT_EQ(0, pipe(self->pipe_down));
}

FIXTURE_TEARDOWN(restart)
{
	struct qt_stats now;

	for (int i = 0; i < 2; i++) {
		if (self->child[i] > 0) {
			kill(self->child[i], SIGKILL);
			waitpid(self->child[i], NULL, 0);
		}
	}
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld pinned %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pinned_pages, now.pinned_pages);
}

/* A client process: sends @msg (with a reply buffer of @rlen) and exits 0 if the reply status is @want. */
static pid_t start_client(struct __test_metadata *_metadata, int chid, const char *msg,
			  size_t rlen, long want)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (!pid) {
		char *r = malloc(rlen ?: 1);
		int coid = ConnectAttach(0, parent, chid, _NTO_SIDE_CHANNEL, 0);
		long ret;

		if (coid < 0 || !r)
			_exit(20);
		ret = MsgSend(coid, msg, strlen(msg) + 1, r, rlen);
		_exit(ret == want ? 0 : ret == -1 && errno == EINTR ? 21 : 22);
	}
	EXPECT_GT(pid, 0);
	return pid;
}

/*
 * Defect: a parked send whose context was closed and reopened (same fd
 * number) while its thread was stopped by a debugger was restarted as a
 * fresh send: the server received the same message twice.  The restarted
 * call must fail EINTR instead.
 *
 * The sending process has a sender thread and a main thread; we are the
 * server and the debugger.
 */
struct restart_sender {
	int ctx;
	int coid;
	_Atomic pid_t tid;
	_Atomic int result;	/* 1 until the send returns */
};

static void *restart_sender_fn(void *arg)
{
	struct restart_sender *s = arg;
	struct iovec siov = { .iov_base = "once", .iov_len = 5 };
	struct qchan_msg_send a = {
		.coid = s->coid, .send_parts = 1, .send_iov_ptr = (uintptr_t)&siov,
	};

	atomic_store(&s->tid, qt_gettid());
	atomic_store(&s->result, ioc(s->ctx, QCHAN_IOC_MSG_SEND, &a));
	return NULL;
}

TEST_F(restart, abandoned_parked_send_is_not_sent_again)
{
	struct qt_stats now;
	pid_t parent = getpid(), tid;
	int rcvid, status, cmd;
	char buf[16];

	self->child[0] = fork();
	ASSERT_GE(self->child[0], 0);
	if (!self->child[0]) {
		struct restart_sender s = { .result = 1 };
		struct qchan_connect_attach ca = { .pid = parent, .chid = self->chid };
		pthread_t t;
		int fd, res;

		s.ctx = open("/dev/qchan", O_RDWR | O_CLOEXEC);
		if (s.ctx < 0 || ioc(s.ctx, QCHAN_IOC_CONNECT_ATTACH, &ca))
			_exit(30);
		s.coid = ca.coid;
		if (pthread_create(&t, NULL, restart_sender_fn, &s))
			_exit(31);
		if (qt_write_int(self->pipe_up[1], qt_wait_tid(&s.tid)))
			_exit(32);
		/* Once the sender is stopped: a new context in the old one's place. */
		if (qt_read_int(self->pipe_down[0], &cmd))
			_exit(33);
		close(s.ctx);
		fd = open("/dev/qchan", O_RDWR | O_CLOEXEC);
		if (fd < 0 || (fd != s.ctx && (dup3(fd, s.ctx, O_CLOEXEC) < 0 || close(fd))))
			_exit(34);
		if (qt_write_int(self->pipe_up[1], 0))
			_exit(35);
		pthread_join(t, NULL);
		res = atomic_load(&s.result);
		_exit(res == -EINTR ? 0 : res == 0 ? 36 : 37);
	}
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &tid));
	rcvid = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("once", buf);
	ASSERT_EQ(0, qt_wait_blocked(self->child[0], tid));

	/* The debugger stops the REPLY-blocked thread: its message parks. */
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, tid, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, tid, 0, 0));
	ASSERT_EQ(tid, waitpid(tid, &status, __WALL));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, qt_write_int(self->pipe_down[1], 1));
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &cmd));
	/* The context that held the parked message is gone: so is our rcvid. */
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 1, NULL, 0));
	/* Resume the thread: the kernel restarts its MsgSend. */
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, tid, 0, 0));

	status = qt_waitpid_timeout(self->child[0], QT_WAIT_MS);
	if (status == -ETIMEDOUT) {
		ASSERT_EQ(0, qt_stats_read(&now));
		TH_LOG("the restarted send never returned; messages in flight %ld (was %ld)",
		       now.msgs_in_flight, self->before.msgs_in_flight);
	}
	self->child[0] = 0;
	ASSERT_GE(status, 0) TH_LOG("the message was sent a second time");
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("sender: %d (36: delivered again)",
					       WEXITSTATUS(status));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.msgs_in_flight, now.msgs_in_flight);
}

/*
 * Defect: a MsgReplyReceive whose receive half was restarted after
 * SIGSTOP/SIGCONT replied again and reported the delivered reply as failed
 * (ESRCH).  The server is a child with a raw context; we are its clients.
 */
struct client_thread {
	int coid;
	long status;
	_Atomic bool done;
	pthread_t t;
};

static void *client_thread_fn(void *arg)
{
	struct client_thread *c = arg;

	c->status = MsgSend(c->coid, "a", 2, NULL, 0);
	atomic_store(&c->done, true);
	return NULL;
}

TEST_F(restart, reply_receive_restart_replies_once)
{
	struct client_thread a = { 0 };
	pid_t server;
	int chid, coid;

	server = fork();
	ASSERT_GE(server, 0);
	if (!server) {
		char buf[8];
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct qchan_channel_create cc = { 0 };
		struct qchan_msg_receive mr = { .parts = 1, .iov_ptr = (uintptr_t)&iov };
		struct qchan_msg_reply_receive rr = { .reply.status = 42 };
		struct qchan_msg_reply rp = { 0 };
		int fd = open("/dev/qchan", O_RDWR | O_CLOEXEC);

		if (fd < 0 || ioc(fd, QCHAN_IOC_CHANNEL_CREATE, &cc))
			_exit(40);
		if (qt_write_int(self->pipe_up[1], cc.chid))
			_exit(41);
		mr.chid = cc.chid;
		if (ioc(fd, QCHAN_IOC_MSG_RECEIVE, &mr) || strcmp(buf, "a"))
			_exit(42);
		/* Reply to "a", then wait (and be stopped and continued) for "b". */
		rr.reply.rcvid = mr.rcvid;
		rr.receive = mr;
		rr.receive.rcvid = 0;
		rr.reply_result = 99;
		if (ioc(fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr) || strcmp(buf, "b"))
			_exit(43);
		rp.rcvid = rr.receive.rcvid;
		rp.status = rr.reply_result == 0 ? 7 : 100 - rr.reply_result;
		_exit(ioc(fd, QCHAN_IOC_MSG_REPLY, &rp) ? 44 : 0);
	}
	self->child[0] = server;
	ASSERT_EQ(0, qt_read_int(self->pipe_up[0], &chid));
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	a.coid = coid;
	ASSERT_EQ(0, pthread_create(&a.t, NULL, client_thread_fn, &a));
	/* "a" is replied to once the server sits in the receive half. */
	for (long long end = qt_now_ms() + QT_WAIT_MS; !atomic_load(&a.done);) {
		ASSERT_LT(qt_now_ms(), end);
		qt_sleep_ms(1);
	}
	pthread_join(a.t, NULL);
	EXPECT_EQ(42, a.status);
	ASSERT_EQ(0, qt_wait_proc_blocked(server));

	ASSERT_EQ(0, kill(server, SIGSTOP));
	ASSERT_EQ(0, qt_wait_state(server, server, 'T'));
	ASSERT_EQ(0, kill(server, SIGCONT));
	ASSERT_EQ(0, qt_wait_proc_blocked(server));

	/* The server replies to "b" with 7 if its reply to "a" was reported as delivered. */
	EXPECT_EQ(7, MsgSend(coid, "b", 2, NULL, 0)) TH_LOG("7: reply_result 0; 100+e: -e");
	EXPECT_EQ(0, qt_child_result(server));
	self->child[0] = 0;
	EXPECT_EQ(0, ConnectDetach(coid));
}

/*
 * A stop used to dequeue a SEND-blocked message: the restarted send went to
 * the back of the queue.  It keeps its place, and a server can take it while
 * its sender is stopped.
 */
TEST_F(restart, stopped_send_blocked_client_keeps_its_place)
{
	char buf[16];
	int rcvid1, rcvid2;

	self->child[0] = start_client(_metadata, self->chid, "first", 0, 11);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child[0]));
	self->child[1] = start_client(_metadata, self->chid, "second", 0, 12);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child[1]));

	/* Stopped and continued while SEND-blocked: still first. */
	ASSERT_EQ(0, kill(self->child[0], SIGSTOP));
	ASSERT_EQ(0, qt_wait_state(self->child[0], self->child[0], 'T'));
	ASSERT_EQ(0, kill(self->child[0], SIGCONT));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child[0]));
	/* Stopped again, and served while stopped. */
	ASSERT_EQ(0, kill(self->child[0], SIGSTOP));
	ASSERT_EQ(0, qt_wait_state(self->child[0], self->child[0], 'T'));

	rcvid1 = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid1, 0);
	EXPECT_STREQ("first", buf);
	rcvid2 = MsgReceive(self->chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid2, 0);
	EXPECT_STREQ("second", buf);
	EXPECT_EQ(0, MsgReply(rcvid1, 11, NULL, 0));
	EXPECT_EQ(0, MsgReply(rcvid2, 12, NULL, 0));

	ASSERT_EQ(0, kill(self->child[0], SIGCONT));
	EXPECT_EQ(0, qt_child_result(self->child[0]));
	EXPECT_EQ(0, qt_child_result(self->child[1]));
	self->child[0] = self->child[1] = 0;
}

/*
 * Defect: a server copy that faults on the server's own buffer held the
 * client: a SIGKILLed client sat in D state until the fault was resolved
 * (here: never, an unserved userfaultfd region).
 */
struct uffd_area {
	int uffd;
	void *p;
	size_t len;
};

static int uffd_area_make(struct uffd_area *u, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	/* Registered ranges are whole pages. */
	u->len = (len + 4095) & ~(size_t)4095;
	len = u->len;
	u->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->uffd < 0)
		return -errno;
	if (ioctl(u->uffd, UFFDIO_API, &api))
		return -errno;
	u->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->p == MAP_FAILED)
		return -errno;
	reg.range.start = (uintptr_t)u->p;
	reg.range.len = len;
	return ioctl(u->uffd, UFFDIO_REGISTER, &reg) ? -errno : 0;
}

/* Waits until a thread faults on the area (the fault is never served). */
static int uffd_wait_fault(struct uffd_area *u)
{
	struct pollfd p = { .fd = u->uffd, .events = POLLIN };
	int n = poll(&p, 1, QT_WAIT_MS);

	return n == 1 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

/* Waits for @pid to exit without ever blocking: 0, -ETIMEDOUT or -errno. */
static int wait_gone(pid_t pid, int ms)
{
	long long end = qt_now_ms() + ms;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
}

enum server_op { OP_RECEIVE, OP_READ, OP_WRITE, OP_REPLY };

struct server_thread {
	enum server_op op;
	int chid, rcvid;
	void *buf;
	size_t len;
	long result;
	int err;
	_Atomic bool done;
	pthread_t t;
};

static void *server_thread_fn(void *arg)
{
	struct server_thread *s = arg;

	switch (s->op) {
	case OP_RECEIVE:
		s->result = MsgReceive(s->chid, s->buf, s->len, NULL);
		break;
	case OP_READ:
		s->result = MsgRead(s->rcvid, s->buf, s->len, 0);
		break;
	case OP_WRITE:
		s->result = MsgWrite(s->rcvid, s->buf, s->len, 0);
		break;
	case OP_REPLY:
		s->result = MsgReply(s->rcvid, 0, s->buf, s->len);
		break;
	}
	s->err = errno;
	atomic_store(&s->done, true);
	return NULL;
}

/*
 * A client sends @slen bytes with a reply buffer of @rlen; the server
 * thread runs @op on an unserved userfaultfd buffer of @len bytes; the
 * client is killed and must leave within LEAVE_MS.  Then the fault is
 * released (closing the userfaultfd) and the server thread must see the
 * message gone: @want_errno.
 */
static void killed_client_leaves(struct __test_metadata *_metadata,
				 FIXTURE_DATA(restart) *self, enum server_op op,
				 size_t slen, size_t rlen, size_t len, int want_errno)
{
	struct server_thread s = { .op = op, .chid = self->chid, .len = len };
	struct uffd_area u = { .uffd = -1, .p = MAP_FAILED };
	pid_t parent = getpid();
	char *small = malloc(slen);
	int err, rcvid = 0;

	ASSERT_NE(NULL, small);
	self->child[0] = fork();
	ASSERT_GE(self->child[0], 0);
	if (!self->child[0]) {
		char *sb = malloc(slen), *rb = malloc(rlen);
		int coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);

		if (coid < 0 || !sb || !rb)
			_exit(50);
		memset(sb, 'c', slen);
		MsgSend(coid, sb, slen, rb, rlen);
		_exit(51);
	}
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child[0]));
	/* After the fork: the client must not hold the userfaultfd open. */
	err = uffd_area_make(&u, len);
	if (err == -ENOSYS || err == -EPERM)
		SKIP(return, "no userfaultfd here (%d)", err);
	ASSERT_EQ(0, err);
	s.buf = u.p;
	if (op != OP_RECEIVE) {
		rcvid = MsgReceive(self->chid, small, slen, NULL);
		ASSERT_GT(rcvid, 0);
		s.rcvid = rcvid;
	}
	ASSERT_EQ(0, pthread_create(&s.t, NULL, server_thread_fn, &s));
	ASSERT_EQ(0, uffd_wait_fault(&u)) TH_LOG("the server thread never touched its buffer");

	ASSERT_EQ(0, kill(self->child[0], SIGKILL));
	err = wait_gone(self->child[0], LEAVE_MS);
	EXPECT_EQ(0, err) TH_LOG("the killed client is held by the server's page fault (state %c)",
				 qt_task_state(self->child[0], self->child[0]));

	/* Release the fault: the server's copy goes on, without the client. */
	close(u.uffd);
	if (err)
		ASSERT_EQ(0, wait_gone(self->child[0], QT_WAIT_MS));
	self->child[0] = 0;
	if (op == OP_RECEIVE) {
		/* The message is gone: the receive waits for the next one, until the channel goes. */
		qt_sleep_ms(50);
		EXPECT_FALSE(atomic_load(&s.done)) TH_LOG("receive returned %ld", s.result);
		EXPECT_EQ(0, ChannelDestroy(self->chid));
		self->chid = 0;
	}
	pthread_join(s.t, NULL);
	EXPECT_EQ(-1, s.result);
	EXPECT_EQ(want_errno, s.err);
	if (rcvid)
		EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	munmap(u.p, u.len);
	free(small);
}

TEST_F(restart, killed_client_leaves_while_receive_faults_inline)
{
	killed_client_leaves(_metadata, self, OP_RECEIVE, 16, 0, 4096, ESRCH);
}

TEST_F(restart, killed_client_leaves_while_receive_faults_direct)
{
	killed_client_leaves(_metadata, self, OP_RECEIVE, BIG, 0, BIG, ESRCH);
}

TEST_F(restart, killed_client_leaves_while_read_faults)
{
	killed_client_leaves(_metadata, self, OP_READ, BIG, 0, BIG, ESRCH);
}

TEST_F(restart, killed_client_leaves_while_write_faults)
{
	killed_client_leaves(_metadata, self, OP_WRITE, 16, BIG, BIG, ESRCH);
}

TEST_F(restart, killed_client_leaves_while_reply_faults_inline)
{
	killed_client_leaves(_metadata, self, OP_REPLY, 16, 16, 16, ESRCH);
}

TEST_F(restart, killed_client_leaves_while_reply_faults_direct)
{
	killed_client_leaves(_metadata, self, OP_REPLY, 16, BIG, BIG, ESRCH);
}

TEST_HARNESS_MAIN
