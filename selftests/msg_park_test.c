// SPDX-License-Identifier: GPL-2.0
/*
 * Parked sends: a REPLY-blocked client that is stopped (job control, a
 * debugger) leaves the kernel with its message parked on the heap, and its
 * restarted MsgSend resumes it.  Everything a server can do to a REPLY-blocked
 * client must work while the client is stopped, and a client killed while
 * stopped must leave nothing behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define BIG	(1 * QT_MIB)

FIXTURE(park) {
	struct qt_stats before;
	int chid;
	pid_t child;
};

FIXTURE_SETUP(park)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->child = 0;
}

FIXTURE_TEARDOWN(park)
{
	struct qt_stats now;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld pinned %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pinned_pages, now.pinned_pages);
}

/* Stops @pid, which must be blocked in qchan, and waits until it really is stopped. */
static int stop(pid_t pid)
{
	int err = qt_wait_proc_blocked(pid);

	if (err)
		return err;
	if (kill(pid, SIGSTOP))
		return -errno;
	return qt_wait_state(pid, pid, 'T');
}

/*
 * The client: sends @slen bytes of pattern 1 with a reply buffer of @rlen
 * bytes, and exits 0 if MsgSend returned @want_status and the reply buffer
 * holds pattern @reply_seed (or, with @want_errno, if it failed that way).
 */
static void client(pid_t server, int chid, size_t slen, size_t rlen, long want_status,
		   uint32_t reply_seed, int want_errno, bool usr1_handler)
{
	uint8_t *s = malloc(slen ?: 1), *r = malloc(rlen ?: 1);
	int coid;
	long ret;

	if (!s || !r)
		_exit(10);
	if (usr1_handler && qt_install_noop_handler(SIGUSR1))
		_exit(11);
	qt_fill(s, slen, 1, 0);
	memset(r, 0, rlen);
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		_exit(12);
	ret = MsgSend(coid, s, slen, r, rlen);
	if (want_errno)
		_exit(ret == -1 && errno == want_errno ? 0 : 13);
	if (ret != want_status)
		_exit(ret == -1 && errno == EINTR ? 14 : 15);
	_exit(qt_check(r, rlen, reply_seed, 0) == -1 ? 0 : 16);
}

static pid_t start_client(struct __test_metadata *_metadata, int chid, size_t slen, size_t rlen,
			  long want_status, uint32_t reply_seed, int want_errno, bool usr1)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (!pid)
		client(parent, chid, slen, rlen, want_status, reply_seed, want_errno, usr1);
	EXPECT_GT(pid, 0);
	return pid;
}

static int receive(int chid, size_t want_len)
{
	struct _msg_info info;
	char buf[16];
	int rcvid = MsgReceive(chid, buf, sizeof(buf), &info);

	if (rcvid > 0 && (size_t)info.srcmsglen != want_len)
		return -EPROTO;
	return rcvid;
}

/* A short reply arrives while the client is stopped; it gets it after SIGCONT. */
TEST_F(park, reply_while_stopped)
{
	uint8_t reply[64];
	int rcvid;

	qt_fill(reply, sizeof(reply), 7, 0);
	self->child = start_client(_metadata, self->chid, 32, sizeof(reply), 42, 7, 0, false);
	rcvid = receive(self->chid, 32);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, MsgReply(rcvid, 42, reply, sizeof(reply)));
	/* A reply does not resume a stopped process. */
	qt_sleep_ms(20);
	EXPECT_EQ('T', qt_task_state(self->child, self->child));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	EXPECT_EQ(0, qt_child_result(self->child));
	self->child = 0;
}

/* MsgRead, MsgWrite and a direct-tier reply reach a stopped client's memory. */
TEST_F(park, large_read_write_reply_while_stopped)
{
	uint8_t *big = malloc(BIG), probe[16], expect[16];
	int rcvid;

	ASSERT_NE(NULL, big);
	qt_fill(big, BIG, 5, 0);
	self->child = start_client(_metadata, self->chid, BIG, BIG, 3, 5, 0, false);
	rcvid = receive(self->chid, BIG);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));

	ASSERT_EQ((ssize_t)sizeof(probe), MsgRead(rcvid, probe, sizeof(probe), BIG / 2 + 3));
	qt_fill(expect, sizeof(expect), 1, BIG / 2 + 3);
	EXPECT_EQ(0, memcmp(probe, expect, sizeof(probe)));
	/* The tail by MsgWrite, the rest by the reply: together pattern 5. */
	ASSERT_EQ(4096, MsgWrite(rcvid, big + BIG - 4096, 4096, BIG - 4096));
	ASSERT_EQ(0, MsgReply(rcvid, 3, big, BIG - 4096));

	ASSERT_EQ(0, kill(self->child, SIGCONT));
	EXPECT_EQ(0, qt_child_result(self->child));
	self->child = 0;
	free(big);
}

/* Stopped and continued twice before the reply: parked, resumed, parked again. */
TEST_F(park, stopped_twice)
{
	uint8_t r[8];
	int rcvid;

	self->child = start_client(_metadata, self->chid, 8, 8, 9, 0, 0, false);
	rcvid = receive(self->chid, 8);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	qt_fill(r, sizeof(r), 0, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 9, r, sizeof(r)));
	EXPECT_EQ(0, qt_child_result(self->child));
	self->child = 0;
}

/* Killed while stopped: the parked message dies with it, and nothing leaks (teardown). */
TEST_F(park, killed_while_stopped)
{
	struct _msg_info info;
	char buf[16];
	int rcvid;

	self->child = start_client(_metadata, self->chid, BIG, BIG, 0, 0, 0, false);
	rcvid = receive(self->chid, BIG);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, kill(self->child, SIGKILL));
	ASSERT_EQ(self->child, waitpid(self->child, NULL, 0));
	self->child = 0;
	EXPECT_EQ(-ESRCH, MsgRead_r(rcvid, buf, sizeof(buf), 0));
	EXPECT_EQ(-ESRCH, MsgInfo_r(rcvid, &info));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, buf, sizeof(buf)));
}

/* The channel dies while the client is stopped: it gets ESRCH when continued. */
TEST_F(park, channel_destroyed_while_stopped)
{
	int rcvid;

	self->child = start_client(_metadata, self->chid, 8, 8, 0, 0, ESRCH, false);
	rcvid = receive(self->chid, 8);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, stop(self->child));
	ASSERT_EQ(0, ChannelDestroy(self->chid));
	self->chid = 0;
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, kill(self->child, SIGCONT));
	EXPECT_EQ(0, qt_child_result(self->child));
	self->child = 0;
}

/* A signal with a handler still interrupts a REPLY-blocked send, as QNX documents. */
TEST_F(park, handled_signal_interrupts)
{
	int rcvid;

	self->child = start_client(_metadata, self->chid, 8, 8, 0, 0, EINTR, true);
	rcvid = receive(self->chid, 8);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->child));
	ASSERT_EQ(0, kill(self->child, SIGUSR1));
	EXPECT_EQ(0, qt_child_result(self->child));
	self->child = 0;
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
}

TEST_HARNESS_MAIN
