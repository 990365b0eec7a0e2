// SPDX-License-Identifier: GPL-2.0
/*
 * Multi-part messages and the two copy tiers: every mix of part sizes on
 * both sides (zero-length parts included), every MsgSend* variant, the
 * UIO_MAXIOV and length-overflow limits, 0-byte and 64 MiB messages.
 *
 * Each test runs under three settings of the module's inline_max: 0 (every
 * message through pinned pages), 1 MiB (everything here but the 64 MiB
 * message through a kernel buffer) and the module's default.  Results must
 * not depend on it; the bytes_inline/bytes_direct counters prove which tier
 * did the work.  Two more direct variants move the module's pin_max: 3 (the
 * sender pins a few pages of each vector itself, the server pins the rest:
 * every layout crosses from one to the other) and 0 (the server pins all).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <qchan/libchan.h>

#include "kselftest_harness.h"

FIXTURE(iov) {
	int chid;
	int coid;
	unsigned long saved_inline_max;
	unsigned long saved_pin_max;
	bool restore;
};

FIXTURE_VARIANT(iov) {
	long inline_max;	/* -1: leave the module's value */
	bool set_pin_max;
	unsigned long pin_max;
};

FIXTURE_VARIANT_ADD(iov, direct_pin_window) {
	.inline_max = 0,
	.set_pin_max = true,
	.pin_max = 3,
};

FIXTURE_VARIANT_ADD(iov, direct_server_pins) {
	.inline_max = 0,
	.set_pin_max = true,
	.pin_max = 0,
};

FIXTURE_VARIANT_ADD(iov, direct) {
	.inline_max = 0,
};

FIXTURE_VARIANT_ADD(iov, inline_1m) {
	.inline_max = 1024 * 1024,
};

FIXTURE_VARIANT_ADD(iov, default_tier) {
	.inline_max = -1,
};

FIXTURE_SETUP(iov)
{
	ASSERT_EQ(0, qt_param_get("inline_max", &self->saved_inline_max));
	ASSERT_EQ(0, qt_param_get("pin_max", &self->saved_pin_max));
	if (variant->inline_max >= 0) {
		ASSERT_EQ(0, qt_param_set("inline_max", (unsigned long)variant->inline_max));
		self->restore = true;
	}
	if (variant->set_pin_max) {
		ASSERT_EQ(0, qt_param_set("pin_max", variant->pin_max));
		self->restore = true;
	}
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(iov)
{
	if (self->restore) {
		qt_param_set("inline_max", self->saved_inline_max);
		qt_param_set("pin_max", self->saved_pin_max);
	}
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
}

/* A vector of @n parts with the given sizes, each part its own allocation. */
struct vec {
	iov_t iov[80];
	size_t parts;
	size_t total;
};

static void vec_alloc(struct vec *v, const size_t *sizes, size_t n)
{
	v->parts = n;
	v->total = 0;
	for (size_t i = 0; i < n; i++) {
		/* Zero-length parts get a NULL base: legal, and nothing may touch it. */
		SETIOV(&v->iov[i], sizes[i] ? malloc(sizes[i]) : NULL, sizes[i]);
		v->total += sizes[i];
	}
}

static void vec_free(struct vec *v)
{
	for (size_t i = 0; i < v->parts; i++)
		free(GETIOVBASE(&v->iov[i]));
}

/* Pattern bytes [0, total) of @seed laid across the parts. */
static void vec_fill(struct vec *v, uint32_t seed)
{
	size_t pos = 0;

	for (size_t i = 0; i < v->parts; i++) {
		qt_fill(GETIOVBASE(&v->iov[i]), GETIOVLEN(&v->iov[i]), seed, pos);
		pos += GETIOVLEN(&v->iov[i]);
	}
}

static void vec_set(struct vec *v, uint8_t c)
{
	for (size_t i = 0; i < v->parts; i++)
		if (GETIOVLEN(&v->iov[i]))
			memset(GETIOVBASE(&v->iov[i]), c, GETIOVLEN(&v->iov[i]));
}

/*
 * True if the first @n bytes across the parts are pattern @seed and the rest
 * still hold @c.
 */
static bool vec_check(const struct vec *v, uint32_t seed, size_t n, uint8_t c)
{
	size_t pos = 0;

	for (size_t i = 0; i < v->parts; i++) {
		const uint8_t *b = GETIOVBASE(&v->iov[i]);
		size_t len = GETIOVLEN(&v->iov[i]);
		size_t pat = pos >= n ? 0 : (n - pos < len ? n - pos : len);

		if (qt_check(b, pat, seed, pos) != -1)
			return false;
		if (qt_check_byte(b + pat, len - pat, c) != -1)
			return false;
		pos += len;
	}
	return true;
}

#define END ((size_t)-1)

/* Part layouts; each list ends with END. */
static const size_t layouts[][72] = {
	{ END },					/* no parts at all */
	{ 0, END },
	{ 1, END },
	{ 0, 0, 5, 0, END },
	{ 4096, END },
	{ 1, 4095, 1, 0, 3000, END },
	{ 7, 0, 65536, 13, 0, 1, END },
	{ 100000, END },
	{ 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
	  73, 79, 83, 89, 97, 0, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149,
	  151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227,
	  229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307,
	  311, 313, 317, 331, 337, 347, 349, 353, END },
};

static size_t layout_len(const size_t *l)
{
	size_t n = 0;

	while (l[n] != END)
		n++;
	return n;
}

/*
 * Sends layout @si with reply buffers @ri; the server receives into @rv,
 * replies from @pv.  Checks every byte on both sides.
 */
static void one_mix(struct __test_metadata *_metadata, int chid, int coid,
		    const size_t *si, const size_t *ri, const size_t *rv, const size_t *pv,
		    uint32_t seed)
{
	struct vec s, r, recv, rep;
	struct _msg_info info;
	struct qt_client c;
	size_t want;
	int rcvid;

	vec_alloc(&s, si, layout_len(si));
	vec_alloc(&r, ri, layout_len(ri));
	vec_alloc(&recv, rv, layout_len(rv));
	vec_alloc(&rep, pv, layout_len(pv));
	vec_fill(&s, seed);
	vec_set(&r, 0xcc);
	vec_set(&recv, 0xdd);
	vec_fill(&rep, seed + 1);

	memset(&c, 0, sizeof(c));
	c.kind = QT_SENDV;
	c.coid = coid;
	c.siov = s.iov;
	c.sparts = s.parts;
	c.riov = r.iov;
	c.rparts = r.parts;
	ASSERT_EQ(0, qt_client_start(&c));

	rcvid = MsgReceivev(chid, recv.iov, recv.parts, &info);
	ASSERT_GT(rcvid, 0) TH_LOG("MsgReceivev: %s", strerror(errno));
	want = s.total < recv.total ? s.total : recv.total;
	EXPECT_EQ((int)want, info.msglen);
	EXPECT_EQ((int)s.total, info.srcmsglen);
	EXPECT_EQ((int)r.total, info.dstmsglen);
	EXPECT_TRUE(vec_check(&recv, seed, want, 0xdd))
		TH_LOG("request corrupted: %zu parts/%zu bytes into %zu parts/%zu bytes",
		       s.parts, s.total, recv.parts, recv.total);

	ASSERT_EQ(0, MsgReplyv(rcvid, (long)want, rep.iov, rep.parts));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ((long)want, c.ret) TH_LOG("errno %d", c.err);
	want = rep.total < r.total ? rep.total : r.total;
	EXPECT_TRUE(vec_check(&r, seed + 1, want, 0xcc))
		TH_LOG("reply corrupted: %zu parts/%zu bytes into %zu parts/%zu bytes",
		       rep.parts, rep.total, r.parts, r.total);

	vec_free(&s);
	vec_free(&r);
	vec_free(&recv);
	vec_free(&rep);
}

TEST_F(iov, mixes)
{
	size_t n = ARRAY_SIZE(layouts);
	uint32_t seed = 100;

	/* Every send layout against every receive layout; replies likewise. */
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++)
			one_mix(_metadata, self->chid, self->coid, layouts[a], layouts[b],
				layouts[b], layouts[a], seed += 2);
}

TEST_F(iov, send_variants)
{
	static const size_t sl[] = { 10, 0, 1000, 3, 2000, END };
	static const size_t rl[] = { 0, 700, 1, 0, 5000, END };
	enum qt_send_kind kinds[] = { QT_SEND, QT_SENDNC, QT_SENDV, QT_SENDSV, QT_SENDVS,
				      QT_SENDVNC, QT_SENDSVNC, QT_SENDVSNC };
	struct vec s, r;
	uint8_t *sflat, *rflat, *buf;
	struct _msg_info info;
	struct qt_client c;
	size_t i;
	int rcvid;

	vec_alloc(&s, sl, layout_len(sl));
	vec_alloc(&r, rl, layout_len(rl));
	sflat = malloc(s.total);
	rflat = malloc(r.total);
	buf = malloc(s.total + r.total);
	ASSERT_TRUE(sflat && rflat && buf);

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		bool rv = kinds[i] == QT_SENDV || kinds[i] == QT_SENDSV ||
			  kinds[i] == QT_SENDVNC || kinds[i] == QT_SENDSVNC;

		vec_fill(&s, 7 + i);
		qt_fill(sflat, s.total, 7 + i, 0);
		vec_set(&r, 0);
		memset(rflat, 0, r.total);

		memset(&c, 0, sizeof(c));
		c.kind = kinds[i];
		c.coid = self->coid;
		c.sbuf = sflat;
		c.slen = s.total;
		c.rbuf = rflat;
		c.rlen = r.total;
		c.siov = s.iov;
		c.sparts = s.parts;
		c.riov = r.iov;
		c.rparts = r.parts;
		ASSERT_EQ(0, qt_client_start(&c));

		rcvid = MsgReceive(self->chid, buf, s.total + r.total, &info);
		ASSERT_GT(rcvid, 0);
		EXPECT_EQ((int)s.total, info.msglen) TH_LOG("kind %zu", i);
		EXPECT_EQ((int)r.total, info.dstmsglen) TH_LOG("kind %zu", i);
		EXPECT_EQ(-1, qt_check(buf, s.total, 7 + i, 0)) TH_LOG("kind %zu", i);
		qt_fill(buf, r.total, 50 + i, 0);
		ASSERT_EQ(0, MsgReply(rcvid, 1000 + i, buf, r.total));
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ((long)(1000 + i), c.ret) TH_LOG("kind %zu errno %d", i, c.err);
		if (rv) {
			EXPECT_TRUE(vec_check(&r, 50 + i, r.total, 0)) TH_LOG("kind %zu", i);
		} else {
			EXPECT_EQ(-1, qt_check(rflat, r.total, 50 + i, 0)) TH_LOG("kind %zu", i);
		}
	}
	vec_free(&s);
	vec_free(&r);
	free(sflat);
	free(rflat);
	free(buf);
}

/* Sends @siov/@riov on a thread and expects an immediate -1/@err (never a block). */
static void expect_send_fails(struct __test_metadata *_metadata, int coid,
			      const iov_t *siov, size_t sparts, const iov_t *riov, size_t rparts,
			      int err)
{
	struct qt_client c;

	memset(&c, 0, sizeof(c));
	c.kind = QT_SENDV;
	c.coid = coid;
	c.siov = siov;
	c.sparts = sparts;
	c.riov = riov;
	c.rparts = rparts;
	ASSERT_EQ(0, qt_client_start(&c));
	/* A send the kernel wrongly accepts blocks: the join times out and the test fails. */
	ASSERT_EQ(0, qt_client_join(&c)) TH_LOG("send of %zu/%zu parts blocked", sparts, rparts);
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(err, c.err) TH_LOG("%zu/%zu parts", sparts, rparts);
}

TEST_F(iov, uio_maxiov)
{
	enum { MAX = 1024 };
	static uint8_t bytes[MAX + 1], rbytes[MAX + 1];
	static iov_t big[MAX + 1], rbig[MAX + 1];
	struct _msg_info info;
	struct qt_client c;
	uint8_t tmp[MAX + 1];
	int rcvid, i;

	for (i = 0; i <= MAX; i++) {
		SETIOV(&big[i], &bytes[i], 1);
		SETIOV(&rbig[i], &rbytes[i], 1);
	}
	qt_fill(bytes, sizeof(bytes), 5, 0);

	/* One part too many, on either vector of a send. */
	expect_send_fails(_metadata, self->coid, big, MAX + 1, NULL, 0, EOVERFLOW);
	expect_send_fails(_metadata, self->coid, big, 1, rbig, MAX + 1, EOVERFLOW);
	expect_send_fails(_metadata, self->coid, big, 0x80000000u, NULL, 0, EOVERFLOW);
#if SIZE_MAX > UINT32_MAX	/* libchan's own check: the kernel counts parts in 32 bits */
	expect_send_fails(_metadata, self->coid, big, 1, rbig, (size_t)1 << 32, EOVERFLOW);
#endif

	/* Exactly UIO_MAXIOV one-byte parts each way. */
	memset(&c, 0, sizeof(c));
	c.kind = QT_SENDV;
	c.coid = self->coid;
	c.siov = big;
	c.sparts = MAX;
	c.riov = rbig;
	c.rparts = MAX;
	ASSERT_EQ(0, qt_client_start(&c));

	/* The server's side: too many parts fail before anything is taken off the queue. */
	EXPECT_EQ(-EOVERFLOW, MsgReceivev_r(self->chid, rbig, MAX + 1, &info));
	rcvid = MsgReceivev(self->chid, rbig, MAX, &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(MAX, info.msglen);
	EXPECT_EQ(MAX, info.srcmsglen);
	EXPECT_EQ(MAX, info.dstmsglen);
	EXPECT_EQ(0, memcmp(bytes, rbytes, MAX));
	EXPECT_EQ(-EOVERFLOW, MsgReadv_r(rcvid, rbig, MAX + 1, 0));
	EXPECT_EQ(-EOVERFLOW, MsgWritev_r(rcvid, big, MAX + 1, 0));
	EXPECT_EQ(-EOVERFLOW, MsgReplyv_r(rcvid, 0, big, MAX + 1));
	/* The failed calls left the message alone. */
	EXPECT_EQ(MAX - 1, MsgReadv(rcvid, rbig, MAX, 1));
	EXPECT_EQ(0, memcmp(bytes + 1, rbytes, MAX - 1));

	qt_fill(tmp, sizeof(tmp), 6, 0);
	for (i = 0; i < MAX; i++)
		bytes[i] = tmp[i];
	/* bytes[] is also the client's send buffer, but it has been consumed. */
	ASSERT_EQ(0, MsgReplyv(rcvid, 77, big, MAX));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(77, c.ret);
	EXPECT_EQ(0, memcmp(tmp, rbytes, MAX));
}

TEST_F(iov, length_overflow)
{
	static char a[16], b[16];
	iov_t half[2], quarter[4], ok;
	struct qt_client c;
	int rcvid;

	/* Two parts of 2^63 bytes (2^31 when 32-bit): the total wraps a size_t. */
	SETIOV(&half[0], a, SIZE_MAX / 2 + 1);
	SETIOV(&half[1], b, SIZE_MAX / 2 + 1);
	/* Four parts of 2^62 (2^30): every part fits an ssize_t, their sum wraps to 0. */
	for (int i = 0; i < 4; i++)
		SETIOV(&quarter[i], a, SIZE_MAX / 4 + 1);

	expect_send_fails(_metadata, self->coid, half, 2, NULL, 0, EOVERFLOW);
	expect_send_fails(_metadata, self->coid, quarter, 4, NULL, 0, EOVERFLOW);
	SETIOV(&ok, a, 1);
	expect_send_fails(_metadata, self->coid, &ok, 1, half, 2, EOVERFLOW);
	expect_send_fails(_metadata, self->coid, &ok, 1, quarter, 4, EOVERFLOW);

	/* The server's vectors: nothing may be received, read, written or replied. */
	ASSERT_EQ(0, qt_client_send(&c, self->coid, "abc", 4, b, sizeof(b)));
	EXPECT_EQ(-EOVERFLOW, MsgReceivev_r(self->chid, half, 2, NULL));
	rcvid = MsgReceive(self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-EOVERFLOW, MsgReadv_r(rcvid, half, 2, 0));
	EXPECT_EQ(-EOVERFLOW, MsgWritev_r(rcvid, half, 2, 0));
	EXPECT_EQ(-EOVERFLOW, MsgReplyv_r(rcvid, 0, half, 2));
#if SIZE_MAX > UINT32_MAX
	/*
	 * 2^62-byte parts: the kernel may reject them as overflowing or as
	 * unmapped (the server's own buffers: ESRVRFAULT, as in QNX).
	 */
	long r = MsgReadv_r(rcvid, quarter, 4, 0);
	EXPECT_TRUE(r == -EOVERFLOW || r == -ESRVRFAULT) TH_LOG("MsgReadv: %ld", r);
	r = MsgReplyv_r(rcvid, 0, quarter, 4);
	EXPECT_TRUE(r == -EOVERFLOW || r == -ESRVRFAULT) TH_LOG("MsgReplyv: %ld", r);
	/* Whatever the server's vector did, the client is still REPLY-blocked or told ESRVRFAULT. */
	if (MsgReply_r(rcvid, 5, "ok", 3) == 0) {
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(5, c.ret);
		EXPECT_STREQ("ok", b);
	} else {
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(ESRVRFAULT, c.err);
	}
#else
	/*
	 * A 32-bit server: the sum wraps only its own size_t.  To the 64-bit
	 * kernel these are four 1 GiB parts inside the user address range,
	 * their total clipped to MAX_RW_COUNT as readv() clips it, and only the
	 * bytes the client has move (a sender's vectors are judged whole: the
	 * sends above failed with EOVERFLOW).
	 */
	EXPECT_EQ(4, MsgReadv(rcvid, quarter, 4, 0));
	EXPECT_STREQ("abc", a);
	ASSERT_EQ(0, MsgReplyv(rcvid, 5, quarter, 4));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(5, c.ret);
	EXPECT_EQ(0, c.err);
	EXPECT_STREQ("abc", b);
#endif
}

/* Which tier moved the bytes: the counters say, per the variant. */
TEST_F(iov, tier_counters)
{
	enum { LEN = 100000 };
	struct qt_stats s0, s1;
	struct qt_client c;
	char *sbuf, *rbuf, *buf;
	unsigned long im;
	int rcvid;

	ASSERT_EQ(0, qt_param_get("inline_max", &im));
	sbuf = malloc(LEN);
	rbuf = malloc(LEN);
	buf = malloc(LEN);
	ASSERT_TRUE(sbuf && rbuf && buf);
	qt_fill(sbuf, LEN, 31, 0);

	ASSERT_EQ(0, qt_stats_read(&s0));
	ASSERT_EQ(0, qt_client_send(&c, self->coid, sbuf, LEN, rbuf, LEN));
	rcvid = MsgReceive(self->chid, buf, LEN, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-1, qt_check(buf, LEN, 31, 0));
	qt_fill(buf, LEN, 32, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, buf, LEN));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(0, c.ret);
	EXPECT_EQ(-1, qt_check(rbuf, LEN, 32, 0));
	ASSERT_EQ(0, qt_stats_read(&s1));

	EXPECT_EQ(s0.msgs_total + 1, s1.msgs_total);
	if (LEN <= im) {
		EXPECT_GE(s1.bytes_inline - s0.bytes_inline, 2 * LEN);
		EXPECT_EQ(s0.bytes_direct, s1.bytes_direct);
	} else {
		EXPECT_GE(s1.bytes_direct - s0.bytes_direct, 2 * LEN);
		EXPECT_EQ(s0.bytes_inline, s1.bytes_inline);
	}
	EXPECT_EQ(s0.pinned_pages, s1.pinned_pages);
	EXPECT_EQ(s0.msgs_in_flight, s1.msgs_in_flight);
	free(sbuf);
	free(rbuf);
	free(buf);
}

/*
 * A direct-tier sender's own pins: held while its message is blocked (both
 * vectors, up to pin_max pages each), all released when it is killed.
 */
TEST_F(iov, sender_pins_killed)
{
	enum { LEN = 100000 };	/* 25 pages each way */
	struct qt_stats s0, s1;
	unsigned long im, pm;
	int rcvid, chid = self->chid;
	char buf[2];
	pid_t pid;

	ASSERT_EQ(0, qt_param_get("inline_max", &im));
	ASSERT_EQ(0, qt_param_get("pin_max", &pm));
	if (LEN <= im)
		SKIP(return, "the inline tier pins nothing");
	ASSERT_EQ(0, qt_stats_read(&s0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *sbuf = malloc(LEN), *rbuf = malloc(LEN);
		int coid = ConnectAttach(0, getppid(), chid, _NTO_SIDE_CHANNEL, 0);

		if (!sbuf || !rbuf || coid < 0)
			_exit(2);
		memset(sbuf, 1, LEN);
		MsgSend(coid, sbuf, LEN, rbuf, LEN);
		_exit(3);
	}
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_stats_read(&s1));
	if (pm) {
		EXPECT_GE(s1.pinned_pages - s0.pinned_pages, 2 * (long)(pm < 25 ? pm : 25));
	} else {
		EXPECT_EQ(s0.pinned_pages, s1.pinned_pages);
	}
	kill(pid, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(pid));
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(0, qt_stats_wait_settled(&s0, &s1));
	EXPECT_EQ(s0.pinned_pages, s1.pinned_pages);
}

/* MsgRead and MsgWrite at offsets that cross part boundaries of the client's vectors. */
TEST_F(iov, read_write_across_parts)
{
	static const size_t sl[] = { 5, 0, 3000, 1, 70000, 0, 9, END };
	static const size_t rl[] = { 0, 1, 4096, 0, 50000, 2, END };
	struct vec s, r;
	struct qt_client c;
	uint8_t *buf;
	size_t offs[] = { 0, 1, 4, 5, 6, 3004, 3005, 3006, 40000, 73000, 73013, 73014, 73015 };
	size_t i, pos;
	int rcvid;

	vec_alloc(&s, sl, layout_len(sl));
	vec_alloc(&r, rl, layout_len(rl));
	buf = malloc(s.total + 100);
	ASSERT_NE(NULL, buf);
	vec_fill(&s, 41);
	vec_set(&r, 0);

	memset(&c, 0, sizeof(c));
	c.kind = QT_SENDV;
	c.coid = self->coid;
	c.siov = s.iov;
	c.sparts = s.parts;
	c.riov = r.iov;
	c.rparts = r.parts;
	ASSERT_EQ(0, qt_client_start(&c));
	rcvid = MsgReceive(self->chid, buf, 2, NULL);
	ASSERT_GT(rcvid, 0);

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		size_t o = offs[i], want = o >= s.total ? 0 : s.total - o;

		memset(buf, 0, s.total + 100);
		EXPECT_EQ((ssize_t)want, MsgRead(rcvid, buf, s.total + 100, o)) TH_LOG("offset %zu", o);
		EXPECT_EQ(-1, qt_check(buf, want, 41, o)) TH_LOG("offset %zu", o);
		/* A 7-byte window. */
		want = want < 7 ? want : 7;
		EXPECT_EQ((ssize_t)want, MsgRead(rcvid, buf, 7, o)) TH_LOG("offset %zu", o);
		EXPECT_EQ(-1, qt_check(buf, want, 41, o)) TH_LOG("offset %zu", o);
	}

	/* Write the reply vector in uneven pieces, back to front. */
	qt_fill(buf, r.total, 42, 0);
	for (pos = r.total; pos; ) {
		size_t piece = pos >= 1237 ? 1237 : pos;

		pos -= piece;
		ASSERT_EQ((ssize_t)piece, MsgWrite(rcvid, buf + pos, piece, pos));
	}
	EXPECT_EQ(0, MsgWrite(rcvid, buf, 10, r.total));
	ASSERT_EQ(0, MsgReply(rcvid, 9, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(9, c.ret);
	EXPECT_TRUE(vec_check(&r, 42, r.total, 0));
	vec_free(&s);
	vec_free(&r);
	free(buf);
}

/* MemAvailable from /proc/meminfo, in bytes (0 if unknown). */
static size_t iov_mem_available(void)
{
	unsigned long kib = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kib) == 1)
			break;
	fclose(f);
	return (size_t)kib * 1024;
}

/* 64 MiB each way: bounded only by the client's buffers, never by a kernel buffer. */
TEST_F_TIMEOUT(iov, huge_64mib, 240)
{
	const size_t len = 64 * QT_MIB;
	struct _msg_info info;
	struct qt_stats s0, s1;
	struct qt_client c;
	uint8_t *sbuf, *rbuf, *buf;
	int rcvid;

	/* 64 MiB exceed every variant's inline_max: one run covers the path, and TCG is slow. */
	if (variant->inline_max != -1)
		SKIP(return, "64 MiB goes through pinned pages whatever inline_max; run once");
	/* Three 64 MiB buffers and some headroom: a small guest (the low-memory run) has not. */
	if (iov_mem_available() < 4 * len)
		SKIP(return, "needs %lu MiB available, the guest has %lu MiB",
		     (unsigned long)(4 * len / QT_MIB),
		     (unsigned long)(iov_mem_available() / QT_MIB));

	sbuf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rbuf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sbuf);
	ASSERT_NE(MAP_FAILED, rbuf);
	ASSERT_NE(MAP_FAILED, buf);
	qt_fill(sbuf, len, 61, 0);
	memset(rbuf, 0, len);

	ASSERT_EQ(0, qt_stats_read(&s0));
	ASSERT_EQ(0, qt_client_send(&c, self->coid, sbuf, len, rbuf, len));
	rcvid = MsgReceive(self->chid, buf, len, &info);
	ASSERT_GT(rcvid, 0) TH_LOG("MsgReceive: %s", strerror(errno));
	EXPECT_EQ((int)len, info.msglen);
	EXPECT_EQ((int)len, info.srcmsglen);
	EXPECT_EQ((int)len, info.dstmsglen);
	EXPECT_EQ(-1, qt_check(buf, len, 61, 0));
	/* The tail once more through MsgRead, at an odd offset. */
	EXPECT_EQ(4097, MsgRead(rcvid, buf, 8192, len - 4097));
	EXPECT_EQ(-1, qt_check(buf, 4097, 61, len - 4097));

	qt_fill(buf, len, 62, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 64, buf, len));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(64, c.ret) TH_LOG("errno %d", c.err);
	EXPECT_EQ(-1, qt_check(rbuf, len, 62, 0));
	ASSERT_EQ(0, qt_stats_read(&s1));
	/* Far above any inline_max of these variants: it went through pinned pages. */
	EXPECT_GE(s1.bytes_direct - s0.bytes_direct, (long)(2 * len));
	EXPECT_EQ(s0.pinned_pages, s1.pinned_pages);

	munmap(sbuf, len);
	munmap(rbuf, len);
	munmap(buf, len);
}

/* Many zero-byte messages in a row: nothing accumulates. */
TEST_F(iov, zero_byte_storm)
{
	struct qt_stats s0, s1;
	struct qt_client c;
	int rcvid, i;

	ASSERT_EQ(0, qt_stats_read(&s0));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, qt_client_send(&c, self->coid, NULL, 0, NULL, 0));
		rcvid = MsgReceive(self->chid, NULL, 0, NULL);
		ASSERT_GT(rcvid, 0);
		ASSERT_EQ(0, MsgReply(rcvid, i, NULL, 0));
		ASSERT_EQ(0, qt_client_join(&c));
		ASSERT_EQ(i, c.ret);
	}
	ASSERT_EQ(0, qt_stats_read(&s1));
	EXPECT_EQ(s0.msgs_total + 200, s1.msgs_total);
	EXPECT_EQ(s0.bytes_inline, s1.bytes_inline);
	EXPECT_EQ(s0.bytes_direct, s1.bytes_direct);
	EXPECT_TRUE(qt_stats_same_objects(&s0, &s1));
}

/*
 * One-part messages and replies of every short length and either side of
 * the 256 bytes a blocking send reads and writes back word by word
 * (module/ucopy.h), under each tier: each byte arrives, nothing beyond the
 * reply buffer's length is written.  Then the one-part vectors' own
 * checks: a part too long (EOVERFLOW), a vector or a buffer that cannot be
 * read, a reply buffer that cannot be written (EFAULT).
 */
TEST_F(iov, one_part_lengths)
{
	static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 16, 17, 24, 31,
				       32, 33, 255, 256, 257, 300 };
	static char sbuf[320], rbuf[321], got[320], reply[320];
	struct _msg_info info;
	struct qt_client c;
	unsigned long inline_max;
	iov_t big, ok, *bad_iov;
	size_t i, j;
	char *ro, *none;
	int rcvid;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		size_t n = lens[i];

		for (j = 0; j < sizeof(sbuf); j++) {
			sbuf[j] = (char)(j * 7 + n);
			reply[j] = (char)(j * 13 + 1 + n);
		}
		memset(rbuf, 0x5a, sizeof(rbuf));
		memset(got, 0, sizeof(got));
		ASSERT_EQ(0, qt_client_send(&c, self->coid, sbuf, n, rbuf, n));
		rcvid = MsgReceive(self->chid, got, sizeof(got), &info);
		ASSERT_GT(rcvid, 0);
		EXPECT_EQ((long)n, (long)info.srcmsglen);
		EXPECT_EQ((long)n, (long)info.dstmsglen);
		EXPECT_EQ(0, memcmp(sbuf, got, n)) TH_LOG("send of %zu bytes", n);
		for (j = n; j < sizeof(got); j++)
			ASSERT_EQ(0, got[j]) TH_LOG("received byte %zu of %zu", j, n);
		/* A longer reply than the buffer: cut to it. */
		ASSERT_EQ(0, MsgReply(rcvid, (long)n + 1, reply, sizeof(reply)));
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ((long)n + 1, c.ret) TH_LOG("errno %d", c.err);
		EXPECT_EQ(0, memcmp(reply, rbuf, n)) TH_LOG("reply of %zu bytes", n);
		for (j = n; j < sizeof(rbuf); j++)
			ASSERT_EQ(0x5a, (unsigned char)rbuf[j]) TH_LOG("byte %zu of %zu", j, n);
	}

	/* A part longer than MAX_RW_COUNT (2^63 bytes, 2^31 when 32-bit), either way. */
	SETIOV(&big, sbuf, SIZE_MAX / 2 + 1);
	SETIOV(&ok, sbuf, 16);
	expect_send_fails(_metadata, self->coid, &big, 1, &ok, 1, EOVERFLOW);
	expect_send_fails(_metadata, self->coid, &ok, 1, &big, 1, EOVERFLOW);

	/* Faults: the one-part vector itself, the bytes it names, a read-only reply buffer. */
	none = qt_map_inaccessible(4096);
	ASSERT_NE(MAP_FAILED, none);
	bad_iov = (iov_t *)none;
	expect_send_fails(_metadata, self->coid, bad_iov, 1, &ok, 1, EFAULT);
	expect_send_fails(_metadata, self->coid, &ok, 1, bad_iov, 1, EFAULT);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		SETIOV(&big, none, lens[i] ? lens[i] : 1);
		expect_send_fails(_metadata, self->coid, &big, 1, &ok, 1, EFAULT);
	}
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, qt_param_get("inline_max", &inline_max));
	SETIOV(&big, ro, 16);
	if (inline_max) {
		/* Within a short reply's reach: the send fails before delivery. */
		expect_send_fails(_metadata, self->coid, &ok, 1, &big, 1, EFAULT);
	} else {
		/* Direct tier: found at reply time, by both sides (msg_fault_test). */
		ASSERT_EQ(0, qt_client_send(&c, self->coid, "req", 4, ro, 16));
		rcvid = MsgReceive(self->chid, NULL, 0, NULL);
		ASSERT_GT(rcvid, 0);
		EXPECT_EQ(-EFAULT, MsgReply_r(rcvid, 5, reply, 16));
		ASSERT_EQ(0, qt_client_join(&c));
		EXPECT_EQ(-1, c.ret);
		EXPECT_EQ(EFAULT, c.err);
	}
	munmap(ro, 4096);
	munmap(none, 4096);
}

TEST_HARNESS_MAIN
