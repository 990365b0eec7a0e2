// SPDX-License-Identifier: GPL-2.0
/*
 * QNX's errnos, exactly as its library reference gives them (issue 10), in
 * both copy tiers: every test runs with inline_max 1 MiB (the messages here
 * are copied through the kernel) and with 256 (LEN-byte transfers go
 * straight between the address spaces).
 *
 *  - MsgSend/MsgSendPulse on a connection whose channel was destroyed or
 *    whose server died: EBADF ("no longer connected to a channel"); a send
 *    SEND- or REPLY-blocked when the server went away: ESRCH.
 *  - The server's own reply buffer faults: MsgReply -1/ESRVRFAULT, the
 *    client ESRVRFAULT.  Its MsgRead/MsgWrite buffer: ESRVRFAULT.
 *  - The client's reply buffer cannot be written: MsgSend fails EFAULT
 *    before any server sees the message (the part a short reply can reach
 *    is checked at send time), or, when the fault is found at reply time,
 *    MsgReply fails EFAULT and the client gets EFAULT.
 *  - ConnectFlags on something that is no connection: EBADF.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <qchan/libchan.h>

#include "kselftest_harness.h"

#define LEN	8192

FIXTURE(err) {
	int chid;
	int coid;
	unsigned long saved_inline_max;
	struct qt_stats before;
	uint8_t *noaccess;	/* LEN bytes of PROT_NONE */
	uint8_t *readonly;	/* LEN bytes of PROT_READ */
	uint8_t *guarded;	/* LEN bytes ending at a PROT_NONE page */
	uint8_t *good;		/* LEN readable, writable bytes */
};

FIXTURE_VARIANT(err) {
	unsigned long inline_max;
	bool direct;		/* LEN-byte transfers take the direct tier */
};

FIXTURE_VARIANT_ADD(err, inline_1m) {
	.inline_max = 1024 * 1024,
	.direct = false,
};

FIXTURE_VARIANT_ADD(err, direct) {
	.inline_max = 256,
	.direct = true,
};

FIXTURE_SETUP(err)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, qt_param_get("inline_max", &self->saved_inline_max));
	ASSERT_EQ(0, qt_param_set("inline_max", variant->inline_max));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
	self->noaccess = qt_map_inaccessible(LEN);
	ASSERT_NE(MAP_FAILED, self->noaccess);
	self->readonly = mmap(NULL, LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->readonly);
	self->guarded = qt_map_guarded(LEN);
	ASSERT_NE(MAP_FAILED, self->guarded);
	self->good = malloc(LEN);
	ASSERT_NE(NULL, self->good);
}

FIXTURE_TEARDOWN(err)
{
	struct qt_stats now;

	qt_param_set("inline_max", self->saved_inline_max);
	if (self->coid >= 0)
		ConnectDetach(self->coid);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

/* The server takes the next message, checks it is the sentinel and answers it. */
static void receive_sentinel(struct __test_metadata *_metadata, int chid, struct qt_client *s)
{
	char buf[16] = { 0 };
	int rcvid;

	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0) TH_LOG("MsgReceive: %s", strerror(errno));
	EXPECT_STREQ("sentinel", buf);
	ASSERT_EQ(0, MsgReply(rcvid, 1, NULL, 0));
	ASSERT_EQ(0, qt_client_join(s));
	EXPECT_EQ(1, s->ret);
}

/* A client, expected to fail at once with @err (-1/errno). */
static void expect_send_fails_now(struct __test_metadata *_metadata, int coid, void *rbuf,
				  size_t rlen, int err, const char *what)
{
	struct qt_client c;

	ASSERT_EQ(0, qt_client_send(&c, coid, "req", 4, rbuf, rlen));
	/* A send the kernel delivered blocks: the join times out. */
	ASSERT_EQ(0, qt_client_join(&c)) TH_LOG("%s: the send was delivered", what);
	EXPECT_EQ(-1, c.ret) TH_LOG("%s", what);
	EXPECT_EQ(err, c.err) TH_LOG("%s: %s", what, strerror(c.err));
}

/* ---- EBADF: the connection leads to no channel any more ---- */

TEST_F(err, send_on_destroyed_channel_ebadf)
{
	int fdcoid = ConnectAttach(0, 0, self->chid, 0, 0);
	iov_t iov;

	ASSERT_GE(fdcoid, 0);
	ASSERT_EQ(0, ChannelDestroy(self->chid));
	self->chid = 0;

	errno = 0;
	EXPECT_EQ(-1, MsgSend(self->coid, "x", 2, NULL, 0));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, MsgSend(fdcoid, self->good, LEN, self->good, LEN));
	EXPECT_EQ(EBADF, errno);
	SETIOV(&iov, self->good, LEN);
	errno = 0;
	EXPECT_EQ(-1, MsgSendv(self->coid, &iov, 1, &iov, 1));
	EXPECT_EQ(EBADF, errno);
	errno = 12345;
	EXPECT_EQ(-EBADF, MsgSend_r(self->coid, "x", 2, NULL, 0));
	EXPECT_EQ(12345, errno);	/* the _r calls never touch errno */
	errno = 0;
	EXPECT_EQ(-1, MsgSendPulse(self->coid, -1, 1, 2));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-EBADF, MsgSendPulse_r(fdcoid, -1, 1, 2));
	/* A connection that never existed is EBADF too. */
	EXPECT_EQ(-EBADF, MsgSend_r(self->coid + 100, "x", 2, NULL, 0));
	EXPECT_EQ(0, ConnectDetach(fdcoid));
}

/* A server child: a channel, its chid up the pipe; with @receive it takes one message. */
static void server_child(int up, bool receive)
{
	char buf[16];
	int chid = ChannelCreate(0);

	if (chid <= 0 || qt_write_int(up, chid))
		_exit(1);
	if (receive && (MsgReceive(chid, buf, sizeof(buf), NULL) <= 0 || qt_write_int(up, 0)))
		_exit(2);
	for (;;)
		pause();
}

TEST_F(err, send_to_dead_server_ebadf)
{
	int pipefd[2], chid, coid, fdcoid;
	pid_t server;

	ASSERT_EQ(0, pipe(pipefd));
	server = fork();
	ASSERT_GE(server, 0);
	if (!server)
		server_child(pipefd[1], false);
	ASSERT_EQ(0, qt_read_int(pipefd[0], &chid));
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	fdcoid = ConnectAttach(0, server, chid, 0, 0);
	ASSERT_GE(fdcoid, 0);
	ASSERT_EQ(0, kill(server, SIGKILL));
	ASSERT_EQ(server, waitpid(server, NULL, 0));
	/* The context's teardown may trail waitpid(): a pulse never blocks, so poll with it. */
	for (long long end = qt_now_ms() + QT_WAIT_MS; MsgSendPulse_r(coid, -1, 1, 0) != -EBADF;) {
		ASSERT_LT(qt_now_ms(), end);
		qt_sleep_ms(1);
	}
	expect_send_fails_now(_metadata, coid, self->good, LEN, EBADF, "side coid");
	expect_send_fails_now(_metadata, fdcoid, self->good, LEN, EBADF, "fd coid");
	EXPECT_EQ(-EBADF, MsgSendPulse_r(fdcoid, -1, 1, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ConnectDetach(fdcoid));
	close(pipefd[0]);
	close(pipefd[1]);
}

/* ---- ESRCH: the server went away while the send was blocked ---- */

TEST_F(err, blocked_when_server_dies_esrch)
{
	struct qt_client replyb, sendb;
	int pipefd[2], chid, coid, n;
	pid_t server;

	ASSERT_EQ(0, pipe(pipefd));
	server = fork();
	ASSERT_GE(server, 0);
	if (!server)
		server_child(pipefd[1], true);
	ASSERT_EQ(0, qt_read_int(pipefd[0], &chid));
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);

	ASSERT_EQ(0, qt_client_send(&replyb, coid, self->good, LEN, self->good, LEN));
	ASSERT_EQ(0, qt_read_int(pipefd[0], &n));	/* received: REPLY-blocked */
	ASSERT_EQ(0, qt_client_send_blocked(&sendb, coid, self->good, LEN, self->good, LEN));
	ASSERT_EQ(0, kill(server, SIGKILL));
	ASSERT_EQ(server, waitpid(server, NULL, 0));

	ASSERT_EQ(0, qt_client_join(&replyb));
	EXPECT_EQ(-1, replyb.ret);
	EXPECT_EQ(ESRCH, replyb.err) TH_LOG("REPLY-blocked: %s", strerror(replyb.err));
	ASSERT_EQ(0, qt_client_join(&sendb));
	EXPECT_EQ(-1, sendb.ret);
	EXPECT_EQ(ESRCH, sendb.err) TH_LOG("SEND-blocked: %s", strerror(sendb.err));
	/* And from now on the connection leads nowhere. */
	EXPECT_EQ(-EBADF, MsgSend_r(coid, "x", 2, NULL, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(err, blocked_when_channel_destroyed_esrch)
{
	struct qt_client replyb, sendb;
	int rcvid;

	ASSERT_EQ(0, qt_client_send(&replyb, self->coid, self->good, LEN, self->good, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_client_send_blocked(&sendb, self->coid, "q", 2, NULL, 0));
	ASSERT_EQ(0, ChannelDestroy(self->chid));
	self->chid = 0;
	ASSERT_EQ(0, qt_client_join(&replyb));
	EXPECT_EQ(ESRCH, replyb.err);
	ASSERT_EQ(0, qt_client_join(&sendb));
	EXPECT_EQ(ESRCH, sendb.err);
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	EXPECT_EQ(-EBADF, MsgSend_r(self->coid, "x", 2, NULL, 0));
}

/* ---- ESRVRFAULT: the server's own buffers ---- */

TEST_F(err, server_reply_buffer_esrvrfault)
{
	uint8_t *bad[] = { self->noaccess, self->guarded + 1 };
	struct qt_client c, sentinel;
	int rcvid;

	for (unsigned int i = 0; i < 2; i++) {
		ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, self->good, LEN));
		rcvid = MsgReceive(self->chid, NULL, 0, NULL);
		ASSERT_GT(rcvid, 0);
		errno = 0;
		if (i == 0) {
			EXPECT_EQ(-1, MsgReply(rcvid, 0, bad[i], LEN));
			EXPECT_EQ(ESRVRFAULT, errno) TH_LOG("%s", strerror(errno));
		} else {
			EXPECT_EQ(-ESRVRFAULT, MsgReply_r(rcvid, 0, bad[i], LEN));
			EXPECT_EQ(0, errno);
		}
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(-1, c.ret);
		EXPECT_EQ(ESRVRFAULT, c.err) TH_LOG("%s", strerror(c.err));
		/* The failed reply finished the message. */
		EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	}

	/* An unreadable vector is the server's fault too, and ends the message. */
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, self->good, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-ESRVRFAULT, MsgReplyv_r(rcvid, 0, (const iov_t *)self->noaccess, 2));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(ESRVRFAULT, c.err);

	ASSERT_EQ(0, qt_client_send(&sentinel, self->coid, "sentinel", 9, NULL, 0));
	receive_sentinel(_metadata, self->chid, &sentinel);
}

TEST_F(err, server_read_write_buffer_esrvrfault)
{
	struct qt_client c;
	char rbuf[16] = { 0 };
	int rcvid;

	qt_fill(self->good, LEN, 7, 0);
	ASSERT_EQ(0, qt_client_send(&c, self->coid, self->good, LEN, rbuf, sizeof(rbuf)));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	errno = 0;
	EXPECT_EQ(-1, MsgRead(rcvid, self->noaccess, LEN, 0));
	EXPECT_EQ(ESRVRFAULT, errno);
	EXPECT_EQ(-ESRVRFAULT, MsgRead_r(rcvid, self->guarded + 1, LEN, 0));
	EXPECT_EQ(-ESRVRFAULT, MsgRead_r(rcvid, self->readonly, LEN, 0));
	EXPECT_EQ(-ESRVRFAULT, MsgWrite_r(rcvid, self->noaccess, sizeof(rbuf), 0));
	EXPECT_EQ(-ESRVRFAULT, MsgReadv_r(rcvid, (const iov_t *)self->noaccess, 2, 0));
	/* The message is untouched: it can still be read and answered. */
	EXPECT_EQ(LEN, MsgRead(rcvid, self->guarded, LEN, 0));
	EXPECT_EQ(-1, qt_check(self->guarded, LEN, 7, 0));
	ASSERT_EQ(0, MsgReply(rcvid, 8, "fine", 5));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(8, c.ret);
	EXPECT_STREQ("fine", rbuf);
}

/* ---- EFAULT: the client's reply buffer ---- */

/* A reply buffer a reply could not be written to fails the send before any server sees it. */
TEST_F(err, client_reply_buffer_bad_at_send_efault)
{
	struct qt_client sentinel;
	struct qt_receiver r;
	iov_t riov[3];

	ASSERT_EQ(0, qt_receiver_start(&r, self->chid));

	expect_send_fails_now(_metadata, self->coid, self->noaccess, LEN, EFAULT, "PROT_NONE");
	expect_send_fails_now(_metadata, self->coid, self->readonly, LEN, EFAULT, "PROT_READ");
	expect_send_fails_now(_metadata, self->coid, NULL, LEN, EFAULT, "NULL");
	/* A good part, an empty one, then a bad one, within a short reply's reach. */
	SETIOV(&riov[0], self->good, 16);
	SETIOV(&riov[1], NULL, 0);
	SETIOV(&riov[2], self->readonly, 16);
	errno = 0;
	EXPECT_EQ(-1, MsgSendsv(self->coid, "req", 4, riov, 3));
	EXPECT_EQ(EFAULT, errno);

	/* The receiver never saw any of them. */
	EXPECT_EQ(0, qt_wait_blocked(getpid(), atomic_load(&r.tid)));
	EXPECT_FALSE(atomic_load(&r.done)) TH_LOG("the receiver got %d", r.rcvid);
	ASSERT_EQ(0, qt_client_send(&sentinel, self->coid, "sentinel", 9, NULL, 0));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_GT(r.rcvid, 0);
	EXPECT_STREQ("sentinel", r.buf);
	ASSERT_EQ(0, MsgReply(r.rcvid, 1, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&sentinel));
	EXPECT_EQ(1, sentinel.ret);
}

/*
 * The send-time check writes nothing: a reply buffer never touched before
 * (not even mapped in) is fine, and one the server leaves alone keeps its
 * bytes.
 */
TEST_F(err, reply_buffer_check_writes_nothing)
{
	struct qt_client c;
	uint8_t *fresh;
	int rcvid;

	fresh = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fresh);
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, fresh, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	qt_fill(self->good, LEN, 9, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 2, self->good, LEN));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(2, c.ret);
	EXPECT_EQ(-1, qt_check(fresh, LEN, 9, 0));

	qt_fill(fresh, LEN, 10, 0);
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, fresh, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 3, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(3, c.ret);
	EXPECT_EQ(-1, qt_check(fresh, LEN, 10, 0));
	munmap(fresh, LEN);
}

/*
 * A fault found only at reply time: past a short reply's reach (direct
 * tier), the server's MsgReply fails EFAULT and so does the client's send.
 */
TEST_F(err, client_reply_buffer_fault_at_reply_efault)
{
	struct qt_client c;
	int rcvid;

	if (!variant->direct) {
		/* The whole buffer is within a short reply's reach: checked at send time. */
		expect_send_fails_now(_metadata, self->coid, self->guarded + 1, LEN, EFAULT,
				      "guard page");
		return;
	}
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, self->guarded + 1, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	qt_fill(self->good, LEN, 11, 0);
	errno = 0;
	EXPECT_EQ(-1, MsgReply(rcvid, 4, self->good, LEN));
	EXPECT_EQ(EFAULT, errno) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EFAULT, c.err) TH_LOG("%s", strerror(c.err));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
}

/*
 * Another thread of the client unmaps its reply buffer while it is
 * REPLY-blocked.  The client gets EFAULT in both tiers.  The direct tier
 * finds the fault in MsgReply, which fails EFAULT as in QNX; a short reply
 * is copied out by the client after MsgReply has returned, so there the
 * server cannot learn it (docs/DESIGN.md, "Errors").
 */
TEST_F(err, client_reply_buffer_unmapped_while_blocked)
{
	struct qt_client c;
	uint8_t *rbuf;
	int rcvid, r;

	rbuf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rbuf);
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, rbuf, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, munmap(rbuf, LEN));
	EXPECT_EQ(-EFAULT, MsgWrite_r(rcvid, self->good, 16, 0));	/* the sender's buffer */
	r = MsgReply_r(rcvid, 5, self->good, LEN);
	EXPECT_EQ(variant->direct ? -EFAULT : 0, r);
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EFAULT, c.err) TH_LOG("%s", strerror(c.err));
}

/* ---- the rest of the audit ---- */

TEST_F(err, connect_flags_not_a_connection_ebadf)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	errno = 0;
	EXPECT_EQ(-1, ConnectFlags(0, p[0], _NTO_COF_CLOEXEC, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-EBADF, ConnectFlags_r(0, self->coid + 100, 0, 0));
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(-EBADF, ConnectFlags_r(0, p[0], 0, 0));
}

TEST_F(err, too_many_parts_eoverflow)
{
	enum { MAX = 1024 };	/* UIO_MAXIOV: QNX allows more, with the same errno beyond */
	static iov_t big[MAX + 1];
	struct qt_client c;
	int rcvid;

	for (int i = 0; i <= MAX; i++)
		SETIOV(&big[i], self->good, 1);
	errno = 0;
	EXPECT_EQ(-1, MsgSendv(self->coid, big, MAX + 1, NULL, 0));
	EXPECT_EQ(EOVERFLOW, errno);
	EXPECT_EQ(-EOVERFLOW, MsgSendv_r(self->coid, big, 1, big, MAX + 1));
	EXPECT_EQ(-EOVERFLOW, MsgReceivev_r(self->chid, big, MAX + 1, NULL));
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, NULL, 0));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-EOVERFLOW, MsgReadv_r(rcvid, big, MAX + 1, 0));
	EXPECT_EQ(-EOVERFLOW, MsgReplyv_r(rcvid, 0, big, MAX + 1));
	ASSERT_EQ(0, MsgReply(rcvid, 6, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(6, c.ret);
}

TEST_HARNESS_MAIN
