// SPDX-License-Identifier: GPL-2.0
/*
 * The unblock protocol across processes: a client stopped while blocked
 * (its message parked) whose handler runs during the stop, a client killed
 * with its unblock pulse queued, a server that dies with an unblock request
 * pending.  The rules are those of msg_unblock_test.c: a handler ends a send
 * at once (never delivered if it was queued, a later reply gets ESRCH)
 * unless the channel has _NTO_CHF_UNBLOCK and the message was received, and
 * a reply the server gave before the send ended is never lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define MS	1000000ULL	/* ns */

static int poll_receive(int chid, void *buf, size_t len)
{
	if (TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL))
		return -errno;
	return MsgReceive_r(chid, buf, len, NULL);
}

union rbuf {
	struct _pulse pulse;
	char text[32];
};

/* What a client process reports about its MsgSend. */
struct report {
	long ret;
	int err;
	int usr1;		/* handler runs when MsgSend returned */
	char reply[16];
};

/*
 * A client process: sends "ping" to @chid of @server (with a TimerTimeout of
 * @tflags / @tns if @tflags), writes a struct report to @report_fd, then
 * stays alive until @hold_fd is closed: a client that exited would end its
 * parked message through its context's close, hiding what the send did.
 */
static pid_t start_client(pid_t server, int chid, int tflags, uint64_t tns, int report_fd,
			  int hold_fd, int hold_wfd)
{
	struct report r;
	pid_t pid = fork();
	int coid;
	char c;

	if (pid)
		return pid;
	close(hold_wfd);	/* the parent's close of it is the signal to exit */
	memset(&r, 0, sizeof(r));
	if (qt_install_counting_handler(SIGUSR1))
		_exit(10);
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		_exit(11);
	if (tflags && TimerTimeout(CLOCK_MONOTONIC, tflags, NULL, &tns, NULL))
		_exit(12);
	r.ret = MsgSend(coid, "ping", 5, r.reply, sizeof(r.reply));
	r.err = r.ret == -1 ? errno : 0;
	r.usr1 = atomic_load(&qt_sig_count);
	if (write(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(13);
	while (read(hold_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Reads a client's report within QT_WAIT_MS; 0, -ETIMEDOUT or -EIO. */
static int read_report(int fd, struct report *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, QT_WAIT_MS) != 1)
		return -ETIMEDOUT;
	return read(fd, r, sizeof(*r)) == (ssize_t)sizeof(*r) ? 0 : -EIO;
}

/* Nothing arrives within @ms: the client is still in its send. */
static bool no_report(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 0;
}

/* Stops @pid, blocked in qchan, and waits until it really is stopped. */
static int stop(pid_t pid)
{
	int err = qt_wait_proc_blocked(pid);

	if (err)
		return err;
	if (kill(pid, SIGSTOP))
		return -errno;
	return qt_wait_state(pid, pid, 'T');
}

/* Waits until the pulses counter reads @want. */
static int wait_pulses(long want)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	struct qt_stats s;

	for (;;) {
		if (qt_stats_read(&s))
			return -EIO;
		if (s.pulses == want)
			return 0;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
}

FIXTURE(proc) {
	struct qt_stats before;
	int chid;		/* _NTO_CHF_UNBLOCK */
	int plain_chid;
	int report[2];
	int hold[2];
	pid_t child;
};

FIXTURE_SETUP(proc)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(_NTO_CHF_UNBLOCK);
	ASSERT_GT(self->chid, 0);
	self->plain_chid = ChannelCreate(0);
	ASSERT_GT(self->plain_chid, 0);
	ASSERT_EQ(0, pipe(self->report));
	ASSERT_EQ(0, pipe(self->hold));
	self->child = 0;
}

FIXTURE_TEARDOWN(proc)
{
	struct qt_stats now;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	close(self->report[0]);
	close(self->report[1]);
	close(self->hold[0]);
	if (self->hold[1] >= 0)
		close(self->hold[1]);
	ChannelDestroy(self->chid);
	ChannelDestroy(self->plain_chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld pulses %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pulses, now.pulses);
}

static pid_t client(FIXTURE_DATA(proc) *self, int chid, int tflags, uint64_t tns)
{
	self->child = start_client(getpid(), chid, tflags, tns, self->report[1], self->hold[0],
				   self->hold[1]);
	return self->child;
}

/* Lets the client exit and reaps it. */
static int release(FIXTURE_DATA(proc) *self)
{
	int status;

	close(self->hold[1]);
	self->hold[1] = -1;
	status = qt_child_result(self->child);
	self->child = 0;
	return status;
}

/*
 * Stopped while REPLY-blocked, a handler runs during the stop: the send
 * fails EINTR, and from then on the rcvid is gone although the client lives
 * on (before the fix the parked message stayed, and a reply "succeeded").
 */
TEST_F(proc, handler_during_stop_ends_the_send)
{
	struct report r;
	union rbuf buf;
	int rcvid;

	ASSERT_GT(client(self, self->plain_chid, 0, 0), 0);
	rcvid = MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, read_report(self->report[0], &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(1, r.usr1);
	EXPECT_EQ(-ESRCH, MsgRead_r(rcvid, buf.text, 4, 0));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 1, "late", 5)) TH_LOG("a reply nobody will get");
	EXPECT_EQ(0, release(self));
}

/* A reply given while the client is stopped with a handler pending is delivered. */
TEST_F(proc, reply_during_stop_is_not_lost)
{
	struct report r;
	union rbuf buf;
	int rcvid;

	ASSERT_GT(client(self, self->plain_chid, 0, 0), 0);
	rcvid = MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	ASSERT_EQ(0, MsgReply(rcvid, 42, "yes", 4));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, read_report(self->report[0], &r));
	EXPECT_EQ(42, r.ret) TH_LOG("errno %d: the server's successful reply was lost", r.err);
	EXPECT_STREQ("yes", r.reply);
	EXPECT_EQ(1, r.usr1);
	EXPECT_EQ(0, release(self));
}

/* SEND-blocked when stopped: the handler withdraws the message, flag or not. */
static void withdraws_a_queued_send(struct __test_metadata *_metadata, FIXTURE_DATA(proc) *self,
				    int chid)
{
	struct report r;
	union rbuf buf;

	ASSERT_GT(client(self, chid, 0, 0), 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, read_report(self->report[0], &r));
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ(-ETIMEDOUT, poll_receive(chid, &buf, sizeof(buf)))
		TH_LOG("the interrupted send is still queued");
	EXPECT_EQ(0, release(self));
}

TEST_F(proc, handler_during_stop_withdraws_a_queued_send)
{
	withdraws_a_queued_send(_metadata, self, self->plain_chid);
}

TEST_F(proc, handler_during_stop_withdraws_a_queued_send_with_the_flag)
{
	withdraws_a_queued_send(_metadata, self, self->chid);
}

/* With _NTO_CHF_UNBLOCK, a handler during the stop sends the pulse; the reply ends the call. */
TEST_F(proc, handler_during_stop_with_the_flag_asks_the_server)
{
	struct report r;
	union rbuf buf;
	int rcvid;

	ASSERT_GT(client(self, self->chid, 0, 0), 0);
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, buf.pulse.code);
	EXPECT_EQ(rcvid, buf.pulse.value.sival_int);
	EXPECT_TRUE(no_report(self->report[0], 50));
	EXPECT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, MsgReply(rcvid, 7, "ok", 3));
	ASSERT_EQ(0, read_report(self->report[0], &r));
	EXPECT_EQ(7, r.ret);
	EXPECT_STREQ("ok", r.reply);
	EXPECT_EQ(1, r.usr1);
	EXPECT_EQ(0, release(self));
}

/*
 * A REPLY timeout queues the unblock pulse, then the client is stopped: its
 * message moves to the heap with the pulse still queued, which the server
 * then receives (from the moved message).
 */
TEST_F(proc, parked_message_keeps_its_queued_pulse)
{
	struct _msg_info info;
	struct report r;
	union rbuf buf;
	int rcvid;

	ASSERT_GT(client(self, self->chid, _NTO_TIMEOUT_REPLY, 50 * MS), 0);
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, wait_pulses(self->before.pulses + 1));
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, buf.pulse.code);
	EXPECT_EQ(rcvid, buf.pulse.value.sival_int);
	ASSERT_EQ(0, MsgInfo(rcvid, &info));
	EXPECT_TRUE((info.flags & _NTO_MI_UNBLOCK_REQ) != 0);
	ASSERT_EQ(0, MsgReply(rcvid, 8, "moved", 6));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, read_report(self->report[0], &r));
	EXPECT_EQ(8, r.ret);
	EXPECT_STREQ("moved", r.reply);
	EXPECT_EQ(0, release(self));
}

/* Killed with its unblock pulse queued, running or parked: nothing is left (teardown). */
TEST_F(proc, killed_client_with_a_queued_pulse_leaves_nothing)
{
	union rbuf buf;
	int rcvid;

	for (int parked = 0; parked < 2; parked++) {
		ASSERT_GT(client(self, self->chid, 0, 0), 0);
		rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
		ASSERT_GT(rcvid, 0);
		ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
		if (parked) {
			ASSERT_EQ(0, stop(self->child));
			ASSERT_EQ(0, kill(self->child, SIGUSR1));
			ASSERT_EQ(0, kill(self->child, SIGCONT));
		} else {
			ASSERT_EQ(0, kill(self->child, SIGUSR1));
		}
		ASSERT_EQ(0, wait_pulses(self->before.pulses + 1));
		ASSERT_EQ(0, kill(self->child, SIGKILL));
		ASSERT_EQ(self->child, waitpid(self->child, NULL, 0));
		self->child = 0;
		ASSERT_EQ(0, wait_pulses(self->before.pulses));
		EXPECT_EQ(-ETIMEDOUT, poll_receive(self->chid, &buf, sizeof(buf)));
		EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	}
}

/* A server process: an unblock channel; reports its chid, then each rcvid and pulse it gets. */
static pid_t start_server(int report_fd)
{
	pid_t pid = fork();
	union rbuf buf;
	int chid, rcvid;

	if (pid)
		return pid;
	chid = ChannelCreate(_NTO_CHF_UNBLOCK);
	if (chid <= 0 || qt_write_int(report_fd, chid))
		_exit(20);
	for (;;) {
		rcvid = MsgReceive(chid, &buf, sizeof(buf), NULL);
		if (rcvid < 0)
			_exit(21);
		if (qt_write_int(report_fd, rcvid ? rcvid : buf.pulse.code) ||
		    (!rcvid && qt_write_int(report_fd, buf.pulse.value.sival_int)))
			_exit(22);
	}
}

struct sender {
	pthread_t t;
	int coid;
	long ret;
	int err;
	int usr1;
	_Atomic pid_t tid;
};

static void *sender_fn(void *arg)
{
	struct sender *s = arg;

	atomic_store(&s->tid, qt_gettid());
	s->ret = MsgSend(s->coid, "ping", 5, NULL, 0);
	s->err = s->ret == -1 ? errno : 0;
	s->usr1 = atomic_load(&qt_sig_count);
	return NULL;
}

/* A server that dies with an unblock request pending releases its client: ESRCH. */
TEST_F(proc, dying_server_releases_its_client)
{
	struct sender s = { 0 };
	int chid, rcvid, code, value;

	ASSERT_EQ(0, qt_install_counting_handler(SIGUSR1));
	self->child = start_server(self->report[1]);
	ASSERT_GT(self->child, 0);
	ASSERT_EQ(0, qt_read_int(self->report[0], &chid));
	s.coid = ConnectAttach(0, self->child, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(s.coid, 0);
	ASSERT_EQ(0, pthread_create(&s.t, NULL, sender_fn, &s));
	ASSERT_EQ(0, qt_read_int(self->report[0], &rcvid));
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&s.tid)));
	ASSERT_EQ(0, pthread_kill(s.t, SIGUSR1));
	ASSERT_EQ(0, qt_read_int(self->report[0], &code));
	ASSERT_EQ(0, qt_read_int(self->report[0], &value));
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, code);
	EXPECT_EQ(rcvid, value);
	EXPECT_EQ(0, qt_wait_blocked(getpid(), s.tid)) TH_LOG("the client must wait for the reply");
	EXPECT_EQ(0, atomic_load(&qt_sig_count));
	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(self->child, waitpid(self->child, NULL, 0));
	self->child = 0;
	ASSERT_EQ(0, pthread_join(s.t, NULL));
	EXPECT_EQ(-1, s.ret);
	EXPECT_EQ(ESRCH, s.err);
	EXPECT_EQ(1, s.usr1);
	EXPECT_EQ(0, ConnectDetach(s.coid));
}

TEST_HARNESS_MAIN
