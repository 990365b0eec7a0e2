// SPDX-License-Identifier: GPL-2.0
/*
 * Bad pointers on either side of a message.
 *
 *  - client's send buffer: its MsgSend fails EFAULT; no server sees it.
 *  - client's reply buffer: the part a short reply can reach (inline_max
 *    bytes) is checked at send time: EFAULT, no server sees it; a fault
 *    found at reply time fails the server's MsgReply with EFAULT and the
 *    client's MsgSend with EFAULT (QNX's semantics; msg_errno_test).
 *  - server's receive buffer: MsgReceive fails EFAULT; server's reply
 *    buffer, or its MsgRead/MsgWrite buffer: ESRVRFAULT, as in QNX; the
 *    client's MsgSend fails ESRVRFAULT.
 * In every case the server keeps working and nothing is left behind.
 * Both copy tiers (inline_max 0 and 1 MiB) must behave the same, except
 * where the send-time check of the reply buffer reaches further.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <qchan/libchan.h>

#include "kselftest_harness.h"

#define LEN	8192

FIXTURE(fault) {
	int chid;
	int coid;
	unsigned long saved_inline_max;
	struct qt_stats before;
	uint8_t *noaccess;	/* LEN bytes of PROT_NONE */
	uint8_t *guarded;	/* LEN bytes ending at a PROT_NONE page */
	uint8_t *good;		/* LEN readable, writable bytes */
};

FIXTURE_VARIANT(fault) {
	unsigned long inline_max;
};

FIXTURE_VARIANT_ADD(fault, direct) {
	.inline_max = 0,
};

FIXTURE_VARIANT_ADD(fault, inline_1m) {
	.inline_max = 1024 * 1024,
};

FIXTURE_SETUP(fault)
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
	self->guarded = qt_map_guarded(LEN);
	ASSERT_NE(MAP_FAILED, self->guarded);
	self->good = malloc(LEN);
	ASSERT_NE(NULL, self->good);
}

FIXTURE_TEARDOWN(fault)
{
	struct qt_stats now;

	qt_param_set("inline_max", self->saved_inline_max);
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
	/* Faults must not leak messages or pinned pages. */
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
	EXPECT_EQ(self->before.pinned_pages, now.pinned_pages);
	EXPECT_EQ(self->before.msgs_in_flight, now.msgs_in_flight);
}

/* A bad buffer: @kind 0 unmapped-for-access, 1 runs into a guard page, 2 NULL. */
static void *bad_buf(FIXTURE_DATA(fault) *self, int kind)
{
	switch (kind) {
	case 0:
		return self->noaccess;
	case 1:
		return self->guarded + 1;	/* the last byte of LEN is past the guard */
	default:
		return NULL;
	}
}

static const char *const bad_name[] = { "PROT_NONE", "guard page", "NULL" };

/*
 * The server takes the next message and checks it is the sentinel.  Its
 * buffer covers a whole bad message, so a kernel that delivered one would
 * have had to copy the bad bytes.
 */
static void receive_sentinel(struct __test_metadata *_metadata, int chid, struct qt_client *s)
{
	static char buf[LEN];
	int rcvid;

	memset(buf, 0, sizeof(buf));
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0) TH_LOG("MsgReceive: %s", strerror(errno));
	EXPECT_STREQ("sentinel", buf);
	ASSERT_EQ(0, MsgReply(rcvid, 1, NULL, 0));
	ASSERT_EQ(0, qt_client_join(s));
	EXPECT_EQ(1, s->ret);
}

TEST_F(fault, bad_send_buffer_queued)
{
	struct qt_client bad, sentinel;

	for (int kind = 0; kind < 3; kind++) {
		pid_t tid;

		/*
		 * The bad message is first in the queue.  Which tier finds the
		 * fault decides when the sender learns it; either way the
		 * server's first message must be the sentinel behind it.
		 */
		ASSERT_EQ(0, qt_client_send(&bad, self->coid, bad_buf(self, kind), LEN, NULL, 0));
		tid = qt_wait_tid(&bad.tid);
		ASSERT_NE(0, tid);
		for (long long end = qt_now_ms() + QT_WAIT_MS;
		     !atomic_load(&bad.done) && !qt_task_blocked_in_qchan(getpid(), tid);
		     qt_sleep_ms(1))
			ASSERT_LT(qt_now_ms(), end);
		ASSERT_EQ(0, qt_client_send_blocked(&sentinel, self->coid, "sentinel", 9, NULL, 0));
		receive_sentinel(_metadata, self->chid, &sentinel);
		ASSERT_EQ(0, qt_client_join(&bad)) TH_LOG("%s: sender never returned", bad_name[kind]);
		EXPECT_EQ(-1, bad.ret) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(EFAULT, bad.err) TH_LOG("%s", bad_name[kind]);
	}
}

_Static_assert(LEN <= QT_RECEIVER_BUF, "a receiver takes a whole bad message");

TEST_F(fault, bad_send_buffer_handoff)
{
	struct qt_client bad, sentinel;
	struct qt_receiver r;
	iov_t iov[3];

	for (int kind = 0; kind < 4; kind++) {
		ASSERT_EQ(0, qt_receiver_start(&r, self->chid));

		if (kind < 3) {
			ASSERT_EQ(0, qt_client_send(&bad, self->coid, bad_buf(self, kind), LEN,
						    NULL, 0));
		} else {
			/* A good part, an empty part, then a bad one. */
			SETIOV(&iov[0], self->good, 100);
			SETIOV(&iov[1], NULL, 0);
			SETIOV(&iov[2], self->noaccess, 100);
			memset(&bad, 0, sizeof(bad));
			bad.kind = QT_SENDV;
			bad.coid = self->coid;
			bad.siov = iov;
			bad.sparts = 3;
			ASSERT_EQ(0, qt_client_start(&bad));
		}
		ASSERT_EQ(0, qt_client_join(&bad)) TH_LOG("kind %d: sender never returned", kind);
		EXPECT_EQ(-1, bad.ret);
		EXPECT_EQ(EFAULT, bad.err) TH_LOG("kind %d", kind);

		/* The receiver never saw it: it is still waiting. */
		EXPECT_EQ(0, qt_wait_blocked(getpid(), atomic_load(&r.tid)));
		EXPECT_FALSE(atomic_load(&r.done)) TH_LOG("kind %d: receiver got %d", kind, r.rcvid);

		ASSERT_EQ(0, qt_client_send(&sentinel, self->coid, "sentinel", 9, NULL, 0));
		ASSERT_EQ(0, pthread_join(r.thread, NULL));
		ASSERT_GT(r.rcvid, 0) TH_LOG("receiver: %s", strerror(r.err));
		EXPECT_STREQ("sentinel", r.buf);
		ASSERT_EQ(0, MsgReply(r.rcvid, 1, NULL, 0));
		ASSERT_EQ(0, qt_client_join(&sentinel));
		EXPECT_EQ(1, sentinel.ret);
	}
}

/*
 * A send buffer whose bad page lies beyond what the server's receive takes.
 * The inline tier copies the whole message at send time and fails it
 * EFAULT; the spec asks both tiers for the same result ("send buffer bad:
 * the server never sees the message"), so the direct tier must find the
 * fault before it delivers, not only in the bytes the receiver asked for.
 */
TEST_F(fault, bad_send_tail_short_receive)
{
	struct qt_client bad, sentinel;
	char small[16];
	int rcvid;

	memset(self->guarded, 'g', LEN);
	ASSERT_EQ(0, qt_client_send(&bad, self->coid, self->guarded + 1, LEN, NULL, 0));
	ASSERT_EQ(0, qt_client_send_blocked(&sentinel, self->coid, "sentinel", 9, NULL, 0));
	memset(small, 0, sizeof(small));
	rcvid = MsgReceive(self->chid, small, sizeof(small), NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(0, strcmp(small, "sentinel")) TH_LOG("the server received the bad message");
	ASSERT_EQ(0, MsgReply(rcvid, 1, NULL, 0));
	if (strcmp(small, "sentinel")) {
		/* It got the bad one: answer the sentinel too, so both senders finish. */
		rcvid = MsgReceive(self->chid, small, sizeof(small), NULL);
		ASSERT_GT(rcvid, 0);
		ASSERT_EQ(0, MsgReply(rcvid, 1, NULL, 0));
	}
	ASSERT_EQ(0, qt_client_join(&bad));
	ASSERT_EQ(0, qt_client_join(&sentinel));
	EXPECT_EQ(-1, bad.ret);
	EXPECT_EQ(EFAULT, bad.err);
	EXPECT_EQ(1, sentinel.ret);
}

TEST_F(fault, bad_send_iov_array)
{
	struct qt_client bad, sentinel;

	memset(&bad, 0, sizeof(bad));
	bad.kind = QT_SENDV;
	bad.coid = self->coid;
	bad.siov = (const iov_t *)self->noaccess;
	bad.sparts = 2;
	ASSERT_EQ(0, qt_client_start(&bad));
	ASSERT_EQ(0, qt_client_join(&bad));
	EXPECT_EQ(-1, bad.ret);
	EXPECT_EQ(EFAULT, bad.err);

	memset(&bad, 0, sizeof(bad));
	bad.kind = QT_SENDV;
	bad.coid = self->coid;
	bad.riov = (const iov_t *)self->noaccess;
	bad.rparts = 2;
	ASSERT_EQ(0, qt_client_start(&bad));
	ASSERT_EQ(0, qt_client_join(&bad));
	EXPECT_EQ(-1, bad.ret);
	EXPECT_EQ(EFAULT, bad.err);

	ASSERT_EQ(0, qt_client_send(&sentinel, self->coid, "sentinel", 9, NULL, 0));
	receive_sentinel(_metadata, self->chid, &sentinel);
}

TEST_F(fault, bad_reply_buffer)
{
	struct _msg_info info;
	struct qt_client c;
	int rcvid;

	qt_fill(self->good, LEN, 3, 0);
	for (int kind = 0; kind < 3; kind++) {
		ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, bad_buf(self, kind), LEN));
		if (variant->inline_max) {
			/* Within a short reply's reach: the send fails before delivery. */
			ASSERT_EQ(0, qt_client_join(&c));
			EXPECT_EQ(-1, c.ret) TH_LOG("%s", bad_name[kind]);
			EXPECT_EQ(EFAULT, c.err) TH_LOG("%s", bad_name[kind]);
			continue;
		}
		rcvid = MsgReceive(self->chid, NULL, 0, &info);
		ASSERT_GT(rcvid, 0) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(LEN, info.dstmsglen);
		/* Found at reply time: both sides learn it, as in QNX. */
		errno = 0;
		EXPECT_EQ(-1, MsgReply(rcvid, 5, self->good, LEN)) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s", bad_name[kind]);
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(-1, c.ret) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(EFAULT, c.err) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	}
	if (variant->inline_max)
		return;

	/* A reply without data never touches the bad buffer: the status arrives. */
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, self->noaccess, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 6, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(6, c.ret);

	/* MsgWrite into it fails EFAULT; the message stays answerable. */
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, self->noaccess, LEN));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-EFAULT, MsgWrite_r(rcvid, self->good, 100, 0));
	EXPECT_EQ(-EFAULT, MsgWrite_r(rcvid, self->good, 100, 4000));
	ASSERT_EQ(0, MsgReply(rcvid, 7, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(7, c.ret);
}

TEST_F(fault, bad_receive_buffer)
{
	struct qt_client c, sentinel;
	int rcvid;

	qt_fill(self->good, LEN, 4, 0);
	for (int kind = 0; kind < 3; kind++) {
		ASSERT_EQ(0, qt_client_send_blocked(&c, self->coid, self->good, LEN, NULL, 0));
		errno = 0;
		rcvid = MsgReceive(self->chid, bad_buf(self, kind), LEN, NULL);
		EXPECT_EQ(-1, rcvid) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s", bad_name[kind]);
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(-1, c.ret) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(ESRVRFAULT, c.err) TH_LOG("%s", bad_name[kind]);
	}

	/* A bad info pointer is a server fault too. */
	ASSERT_EQ(0, qt_client_send_blocked(&c, self->coid, "x", 2, NULL, 0));
	errno = 0;
	EXPECT_EQ(-1, MsgReceive(self->chid, self->good, LEN, (struct _msg_info *)self->noaccess));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(ESRVRFAULT, c.err);

	/* The server keeps working. */
	ASSERT_EQ(0, qt_client_send(&sentinel, self->coid, "sentinel", 9, NULL, 0));
	receive_sentinel(_metadata, self->chid, &sentinel);
}

TEST_F(fault, bad_server_reply_buffer)
{
	struct qt_client c, sentinel;
	int rcvid;

	for (int kind = 0; kind < 3; kind++) {
		memset(self->good, 0, LEN);
		ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, self->good, LEN));
		rcvid = MsgReceive(self->chid, NULL, 0, NULL);
		ASSERT_GT(rcvid, 0);
		errno = 0;
		EXPECT_EQ(-1, MsgReply(rcvid, 0, bad_buf(self, kind), LEN)) TH_LOG("%s",
										 bad_name[kind]);
		EXPECT_EQ(ESRVRFAULT, errno) TH_LOG("%s", bad_name[kind]);
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(-1, c.ret) TH_LOG("%s", bad_name[kind]);
		EXPECT_EQ(ESRVRFAULT, c.err) TH_LOG("%s", bad_name[kind]);
		/* The failed reply finished the message. */
		EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	}
	ASSERT_EQ(0, qt_client_send(&sentinel, self->coid, "sentinel", 9, NULL, 0));
	receive_sentinel(_metadata, self->chid, &sentinel);
}

/* MsgRead into a bad server buffer fails ESRVRFAULT (QNX) and hurts nobody else. */
TEST_F(fault, bad_read_write_server_buffer)
{
	struct qt_client c;
	char rbuf[16] = { 0 };
	int rcvid, r;

	qt_fill(self->good, LEN, 5, 0);
	ASSERT_EQ(0, qt_client_send(&c, self->coid, self->good, LEN, rbuf, sizeof(rbuf)));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-ESRVRFAULT, MsgRead_r(rcvid, self->noaccess, LEN, 0));
	EXPECT_EQ(-ESRVRFAULT, MsgWrite_r(rcvid, self->noaccess, 16, 0));
	/*
	 * The spec leaves open whether this fault also fails the client (with
	 * ESRVRFAULT); either way the two sides must agree.
	 */
	r = MsgReply_r(rcvid, 8, "fine", 5);
	ASSERT_EQ(0, qt_client_join(&c));
	if (r == 0) {
		EXPECT_EQ(8, c.ret);
		EXPECT_STREQ("fine", rbuf);
	} else {
		EXPECT_EQ(-ESRCH, r);
		EXPECT_EQ(ESRVRFAULT, c.err);
	}
}

/* Lots of faults in a row leave no pinned pages and no messages behind (teardown checks). */
TEST_F(fault, fault_storm)
{
	struct qt_client c;
	int i, rcvid;

	/* The inline tier's send would check this reply buffer and fail first. */
	uint8_t *rbuf = variant->inline_max ? NULL : self->guarded + 1;

	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, qt_client_send(&c, self->coid, self->good, LEN, rbuf, rbuf ? LEN : 0));
		rcvid = MsgReceive(self->chid, self->guarded + 1, LEN, NULL);
		ASSERT_EQ(-1, rcvid);
		ASSERT_EQ(0, qt_client_join(&c));
		ASSERT_EQ(ESRVRFAULT, c.err);
	}
}

/*
 * Another thread of the client unmaps the buffers of a REPLY-blocked send.
 * What the server can still read or write depends on the tier (the inline
 * tier copied the request at send time, a direct-tier sender pinned its
 * buffers' pages at send time: up to pin_max pages of each); whatever it
 * gets is all-or-EFAULT, the kernel survives, and the reply without data
 * still reaches the client.
 */
TEST_F(fault, client_unmaps_while_blocked)
{
	const size_t len = 1024 * 1024;
	struct qt_client c;
	uint8_t *sbuf, *rbuf, *buf;
	ssize_t n;
	int rcvid;

	sbuf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rbuf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = malloc(len);
	ASSERT_NE(MAP_FAILED, sbuf);
	ASSERT_NE(MAP_FAILED, rbuf);
	ASSERT_NE(NULL, buf);
	qt_fill(sbuf, len, 8, 0);
	ASSERT_EQ(0, qt_client_send(&c, self->coid, sbuf, len, rbuf, len));
	rcvid = MsgReceive(self->chid, buf, 16, NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, munmap(sbuf, len));
	ASSERT_EQ(0, munmap(rbuf, len));

	n = MsgRead_r(rcvid, buf, len, 0);
	if (n >= 0) {
		EXPECT_EQ((ssize_t)len, n);
		EXPECT_EQ(-1, qt_check(buf, len, 8, 0));
	} else {
		EXPECT_EQ(-EFAULT, n);
	}
	n = MsgWrite_r(rcvid, buf, len, 0);
	if (n >= 0) {
		EXPECT_EQ((ssize_t)len, n);
	} else {
		EXPECT_EQ(-EFAULT, n);
	}
	ASSERT_EQ(0, MsgReply(rcvid, 3, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(3, c.ret);
	free(buf);
}

TEST_HARNESS_MAIN
