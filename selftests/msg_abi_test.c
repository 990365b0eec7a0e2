// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel ABI (uapi/linux/qchan.h) through raw ioctls on /dev/qchan,
 * without libchan: nonzero reserved fields and unknown flags are EINVAL,
 * known-but-unimplemented channel flags EOPNOTSUPP, one context per process
 * (EBUSY), a context used by another process EBADFD (except GET_FEATURES and
 * MSG_SEND), unknown ioctls ENOTTY.
 *
 * This binary never calls libchan, so the test process's only context is the
 * one the fixture opens.  It is also built -m32 (msg_abi_test32): the same
 * calls from a 32-bit process, through the module's compat_ioctl.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/ioctl.h>

#include "qchan_test_util.h"

#include "kselftest_harness.h"

/*
 * The ABI is frozen by size (the module asserts the same); every field's
 * offset, natively and -m32, is asserted in lib/test/abi_layout_test.c.
 */
_Static_assert(sizeof(struct qchan_features) == 64, "features");
_Static_assert(sizeof(struct qchan_channel_create) == 24, "channel_create");
_Static_assert(sizeof(struct qchan_channel_destroy) == 16, "channel_destroy");
_Static_assert(sizeof(struct qchan_connect_attach) == 40, "connect_attach");
_Static_assert(sizeof(struct qchan_connect_detach) == 16, "connect_detach");
_Static_assert(sizeof(struct qchan_connect_query) == 40, "connect_query");
_Static_assert(sizeof(struct qchan_msg_send) == 56, "msg_send");
_Static_assert(sizeof(struct qchan_msg_info) == 48, "msg_info");
_Static_assert(sizeof(struct qchan_msg_receive) == 56, "msg_receive");
_Static_assert(sizeof(struct qchan_msg_reply) == 48, "msg_reply");
_Static_assert(sizeof(struct qchan_msg_rw) == 56, "msg_rw");
_Static_assert(sizeof(struct qchan_msg_info_get) == 32, "msg_info_get");
_Static_assert(sizeof(struct qchan_msg_reply_receive) == 112, "msg_reply_receive");

static int ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int raw_channel_create(int fd, unsigned int flags)
{
	struct qchan_channel_create a = { .flags = flags };
	int err = ioc(fd, QCHAN_IOC_CHANNEL_CREATE, &a);

	return err ?: a.chid;
}

static int raw_channel_destroy(int fd, int chid)
{
	struct qchan_channel_destroy a = { .chid = chid };

	return ioc(fd, QCHAN_IOC_CHANNEL_DESTROY, &a);
}

static int raw_attach(int fd, pid_t pid, int chid, unsigned int flags)
{
	struct qchan_connect_attach a = { .pid = pid, .chid = chid, .flags = flags };
	int err = ioc(fd, QCHAN_IOC_CONNECT_ATTACH, &a);

	return err ?: a.coid;
}

/* A raw MSG_SEND on its own thread. */
struct raw_sender {
	pthread_t thread;
	int fd;
	struct qchan_msg_send a;
	struct iovec siov, riov;
	_Atomic pid_t tid;
	_Atomic int done;
	int err;
};

static void *raw_sender_fn(void *arg)
{
	struct raw_sender *s = arg;

	atomic_store(&s->tid, qt_gettid());
	s->err = ioc(s->fd, QCHAN_IOC_MSG_SEND, &s->a);
	atomic_store(&s->done, 1);
	return NULL;
}

static int raw_send_start(struct raw_sender *s, int fd, int coid, const void *sbuf, size_t slen,
			  void *rbuf, size_t rlen)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->siov.iov_base = (void *)sbuf;
	s->siov.iov_len = slen;
	s->riov.iov_base = rbuf;
	s->riov.iov_len = rlen;
	s->a.coid = coid;
	s->a.send_parts = 1;
	s->a.send_iov_ptr = (uintptr_t)&s->siov;
	s->a.reply_parts = 1;
	s->a.reply_iov_ptr = (uintptr_t)&s->riov;
	return -pthread_create(&s->thread, NULL, raw_sender_fn, s);
}

static int raw_send_join(struct raw_sender *s)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (!atomic_load(&s->done)) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return -pthread_join(s->thread, NULL);
}

static int raw_receive(int fd, int chid, void *buf, size_t len, struct qchan_msg_info *info)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct qchan_msg_receive a = {
		.chid = chid, .parts = 1, .iov_ptr = (uintptr_t)&iov, .info_ptr = (uintptr_t)info,
	};
	int err = ioc(fd, QCHAN_IOC_MSG_RECEIVE, &a);

	return err ?: a.rcvid;
}

static int raw_reply(int fd, int rcvid, long long status)
{
	struct qchan_msg_reply a = { .rcvid = rcvid, .status = status };

	return ioc(fd, QCHAN_IOC_MSG_REPLY, &a);
}

FIXTURE(abi) {
	int fd;
	int chid;
	int coid;	/* side channel */
	struct qt_stats before;
};

FIXTURE_SETUP(abi)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->fd = open("/dev/qchan", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open /dev/qchan: %s", strerror(errno));
	self->chid = raw_channel_create(self->fd, 0);
	ASSERT_GT(self->chid, 0);
	self->coid = raw_attach(self->fd, 0, self->chid, QCHAN_COF_SIDE_CHANNEL);
	ASSERT_GE(self->coid, QCHAN_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(abi)
{
	struct qt_stats now;

	/* Closing the context destroys everything it owns. */
	if (self->fd >= 0)
		close(self->fd);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
	EXPECT_EQ(self->before.contexts, now.contexts);
}

TEST_F(abi, features)
{
	struct qchan_features f;
	unsigned long im;

	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_GET_FEATURES, &f));
	EXPECT_EQ(sizeof(f), f.size);
	EXPECT_EQ((__u32)QCHAN_ABI_VERSION, f.abi_version);
	EXPECT_EQ((__u64)(QCHAN_FEAT_MSG | QCHAN_FEAT_REPLY_RECEIVE | QCHAN_FEAT_SIDE_CHANNEL),
		  f.features & (QCHAN_FEAT_MSG | QCHAN_FEAT_REPLY_RECEIVE | QCHAN_FEAT_SIDE_CHANNEL));
	EXPECT_EQ(1024u, f.max_iov);
	ASSERT_EQ(0, qt_param_get("inline_max", &im));
	EXPECT_EQ(im, f.inline_max);

	memset(&f, 0, sizeof(f));
	f.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_GET_FEATURES, &f));
	memset(&f, 0, sizeof(f));
	f.pad = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_GET_FEATURES, &f));
	for (int i = 0; i < 4; i++) {
		memset(&f, 0, sizeof(f));
		f.reserved[i] = 1ULL << 63;
		EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_GET_FEATURES, &f)) TH_LOG("reserved[%d]", i);
	}
	EXPECT_EQ(-EFAULT, ioc(self->fd, QCHAN_IOC_GET_FEATURES, NULL));
}

TEST_F(abi, one_context_per_process)
{
	int fd2, status;
	pid_t child;

	errno = 0;
	EXPECT_EQ(-1, open("/dev/qchan", O_RDWR));
	EXPECT_EQ(EBUSY, errno);

	/* Another process has its own. */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int fd = open("/dev/qchan", O_RDWR);

		if (fd < 0)
			_exit(1);
		if (raw_channel_create(fd, 0) <= 0)
			_exit(2);
		_exit(0);
	}
	status = qt_child_result(child);
	EXPECT_EQ(0, status);

	/* Closing ours makes room for a new one, with a fresh chid space. */
	close(self->fd);
	fd2 = open("/dev/qchan", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd2, 0) TH_LOG("reopen: %s", strerror(errno));
	self->fd = fd2;
	EXPECT_EQ(-ESRCH, raw_attach(fd2, 0, self->chid, QCHAN_COF_SIDE_CHANNEL));
	EXPECT_EQ(self->chid, raw_channel_create(fd2, 0));
}

TEST_F(abi, unknown_ioctls)
{
	char buf[256] = { 0 };

	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR(QCHAN_IOC_MAGIC, 0xbf, struct qchan_features), buf));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR(QCHAN_IOC_MAGIC, 0x00, struct qchan_features), buf));
	/* Right number, wrong size: a different command. */
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR(QCHAN_IOC_MAGIC, 0xb0, struct qchan_features), buf));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IO(QCHAN_IOC_MAGIC, 0xa0), buf));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOWR('q', 0xa1, struct qchan_channel_create), buf));
	EXPECT_EQ(-ENOTTY, ioc(self->fd, TCGETS, buf));
}

TEST_F(abi, channel_create)
{
	static const unsigned int accepted[] = {
		QCHAN_CHF_FIXED_PRIORITY, QCHAN_CHF_SENDER_LEN, QCHAN_CHF_REPLY_LEN,
		QCHAN_CHF_PRIVATE, QCHAN_CHF_PUBLIC, QCHAN_CHF_DISCONNECT, QCHAN_CHF_COID_DISCONNECT,
		QCHAN_CHF_UNBLOCK, QCHAN_CHF_THREAD_DEATH,
		QCHAN_CHF_FIXED_PRIORITY | QCHAN_CHF_SENDER_LEN | QCHAN_CHF_REPLY_LEN,
	};
	const unsigned int known = QCHAN_CHF_FIXED_PRIORITY | QCHAN_CHF_UNBLOCK |
		QCHAN_CHF_THREAD_DEATH | QCHAN_CHF_DISCONNECT | QCHAN_CHF_SENDER_LEN |
		QCHAN_CHF_COID_DISCONNECT | QCHAN_CHF_REPLY_LEN | QCHAN_CHF_PRIVATE |
		QCHAN_CHF_PUBLIC;
	struct qchan_channel_create a;
	unsigned int i;
	int chid;

	for (i = 0; i < ARRAY_SIZE(accepted); i++) {
		chid = raw_channel_create(self->fd, accepted[i]);
		EXPECT_GT(chid, 0) TH_LOG("flags %#x", accepted[i]);
		EXPECT_EQ(0, raw_channel_destroy(self->fd, chid));
	}
	for (i = 0; i < 32; i++) {
		if (known & (1U << i))
			continue;
		EXPECT_EQ(-EINVAL, raw_channel_create(self->fd, 1U << i)) TH_LOG("bit %u", i);
	}
	EXPECT_EQ(-EINVAL, raw_channel_create(self->fd, QCHAN_CHF_PRIVATE | QCHAN_CHF_PUBLIC));

	memset(&a, 0, sizeof(a));
	a.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CHANNEL_CREATE, &a));
	memset(&a, 0, sizeof(a));
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CHANNEL_CREATE, &a));
	EXPECT_EQ(-EFAULT, ioc(self->fd, QCHAN_IOC_CHANNEL_CREATE, (void *)8));
}

TEST_F(abi, channel_destroy)
{
	struct qchan_channel_destroy a;
	int chid = raw_channel_create(self->fd, 0);

	ASSERT_GT(chid, 0);
	memset(&a, 0, sizeof(a));
	a.chid = chid;
	a.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CHANNEL_DESTROY, &a));
	a.flags = 0;
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CHANNEL_DESTROY, &a));
	/* The rejected calls destroyed nothing. */
	EXPECT_GE(raw_attach(self->fd, 0, chid, QCHAN_COF_SIDE_CHANNEL), QCHAN_SIDE_CHANNEL);
	EXPECT_EQ(0, raw_channel_destroy(self->fd, chid));
	EXPECT_EQ(-EINVAL, raw_channel_destroy(self->fd, chid));
	EXPECT_EQ(-EINVAL, raw_channel_destroy(self->fd, 0));
	EXPECT_EQ(-EINVAL, raw_channel_destroy(self->fd, -1));
}

TEST_F(abi, connect_attach)
{
	struct qchan_connect_attach a;
	int coid, fl;

	memset(&a, 0, sizeof(a));
	a.chid = self->chid;
	a.flags = QCHAN_COF_SIDE_CHANNEL;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	a.reserved[1] = 0;
	a.flags = 1U << 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	a.flags = 0;
	a.index = 3;	/* an index for an fd connection */
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	a.flags = QCHAN_COF_SIDE_CHANNEL;
	a.index = -1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	a.index = 0;
	a.nd = 1;
	EXPECT_EQ(-EOPNOTSUPP, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	a.nd = 0;
	a.chid = self->chid + 100;
	EXPECT_EQ(-ESRCH, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	a.chid = self->chid;
	a.pid = -2;
	EXPECT_EQ(-ESRCH, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	a.pid = getpid();

	/* The lowest acceptable side coid. */
	a.index = QCHAN_SIDE_CHANNEL + 1000;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &a));
	EXPECT_GE(a.coid, QCHAN_SIDE_CHANNEL + 1000);

	/* fd connections, with and without CLOEXEC. */
	coid = raw_attach(self->fd, 0, self->chid, 0);
	ASSERT_GE(coid, 0);
	ASSERT_LT(coid, QCHAN_SIDE_CHANNEL);
	fl = fcntl(coid, F_GETFD);
	EXPECT_EQ(0, fl & FD_CLOEXEC);
	close(coid);
	coid = raw_attach(self->fd, 0, self->chid, QCHAN_COF_CLOEXEC);
	ASSERT_GE(coid, 0);
	fl = fcntl(coid, F_GETFD);
	EXPECT_EQ(FD_CLOEXEC, fl & FD_CLOEXEC);
	close(coid);
}

TEST_F(abi, connect_detach_and_query)
{
	struct qchan_connect_detach d;
	struct qchan_connect_query q;
	int fdcoid, p[2];

	fdcoid = raw_attach(self->fd, 0, self->chid, QCHAN_COF_CLOEXEC);
	ASSERT_GE(fdcoid, 0);

	memset(&q, 0, sizeof(q));
	q.coid = fdcoid;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	EXPECT_EQ(getpid(), q.pid);
	EXPECT_EQ(self->chid, q.chid);
	EXPECT_EQ(QCHAN_COF_CLOEXEC, q.coflags);
	memset(&q, 0, sizeof(q));
	q.coid = self->coid;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	EXPECT_EQ(QCHAN_COF_SIDE_CHANNEL, q.coflags);
	/* Inputs that must be zero (output fields may hold anything). */
	memset(&q, 0, sizeof(q));
	q.coid = self->coid;
	q.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	q.flags = 0;
	q.pad = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	q.pad = 0;
	q.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	q.reserved[0] = 0;
	q.pid = 12345;
	q.chid = -1;
	EXPECT_EQ(0, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	EXPECT_EQ(getpid(), q.pid);
	/* Not connections. */
	ASSERT_EQ(0, pipe(p));
	memset(&q, 0, sizeof(q));
	q.coid = p[0];
	EXPECT_EQ(-EBADF, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	q.coid = self->fd;	/* the context itself is no connection */
	EXPECT_EQ(-EBADF, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	q.coid = QCHAN_SIDE_CHANNEL + 999;
	EXPECT_EQ(-EBADF, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	close(p[0]);
	close(p[1]);

	memset(&d, 0, sizeof(d));
	d.coid = self->coid;
	d.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_DETACH, &d));
	d.flags = 0;
	d.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_DETACH, &d));
	d.reserved = 0;
	d.coid = fdcoid;	/* fd connections are closed with close() */
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_DETACH, &d));
	d.coid = QCHAN_SIDE_CHANNEL + 999;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_DETACH, &d));
	/* The rejected detaches left the connection alone. */
	memset(&q, 0, sizeof(q));
	q.coid = self->coid;
	EXPECT_EQ(0, ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &q));
	d.coid = self->coid;
	EXPECT_EQ(0, ioc(self->fd, QCHAN_IOC_CONNECT_DETACH, &d));
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_CONNECT_DETACH, &d));
	close(fdcoid);
}

TEST_F(abi, msg_send_validation)
{
	struct qchan_msg_send a;
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };

	memset(&a, 0, sizeof(a));
	a.coid = self->coid;
	a.send_parts = 1;
	a.send_iov_ptr = (uintptr_t)&iov;
	for (int bit = 3; bit < 32; bit++) {
		a.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a)) TH_LOG("bit %d", bit);
	}
	a.flags = 0;
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	a.reserved = 0;
	/* Timeout fields without a timeout flag. */
	a.timeout = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	a.timeout = 0;
	a.timeout_clock = CLOCK_MONOTONIC;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	a.timeout_clock = 0;
	/* More than UIO_MAXIOV parts: QNX's EOVERFLOW. */
	a.send_parts = 1025;
	EXPECT_EQ(-EOVERFLOW, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	a.send_parts = 1;
	a.reply_parts = 1025;
	EXPECT_EQ(-EOVERFLOW, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	a.reply_parts = 0;
	a.send_iov_ptr = 16;	/* unmapped vector */
	EXPECT_EQ(-EFAULT, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	a.send_iov_ptr = (uintptr_t)&iov;
	a.coid = QCHAN_SIDE_CHANNEL + 12345;
	EXPECT_EQ(-EBADF, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	a.coid = self->fd;	/* the context is not a connection */
	EXPECT_EQ(-EBADF, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	EXPECT_EQ(-EFAULT, ioc(self->fd, QCHAN_IOC_MSG_SEND, NULL));

	/*
	 * A fresh send passes status 0: a non-zero status is a restarted call's
	 * cookie.  A cookie with no parked message behind it fails EINTR (that
	 * call ended while its thread was away) and is cleared, so a retry of
	 * the same struct is a fresh send; anything else is EINVAL.
	 */
	a.coid = self->coid;
	a.status = 5;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	EXPECT_EQ(5, a.status);
	a.status = (long long)0x71630000 << 32 | 7;
	EXPECT_EQ(-EINTR, ioc(self->fd, QCHAN_IOC_MSG_SEND, &a));
	EXPECT_EQ(0, a.status);
}

TEST_F(abi, msg_receive_validation)
{
	struct qchan_msg_receive a;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };

	/* Each of these must fail before the call blocks (nothing is queued). */
	memset(&a, 0, sizeof(a));
	a.chid = self->chid;
	a.parts = 1;
	a.iov_ptr = (uintptr_t)&iov;
	for (int bit = 2; bit < 32; bit++) {
		a.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_RECEIVE, &a)) TH_LOG("bit %d", bit);
	}
	a.flags = 0;
	a.pad = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_RECEIVE, &a));
	a.pad = 0;
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_RECEIVE, &a));
	a.reserved = 0;
	a.timeout = 1;		/* without QCHAN_RECEIVE_TIMEOUT */
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_RECEIVE, &a));
	a.timeout = 0;
	a.parts = 1025;
	EXPECT_EQ(-EOVERFLOW, ioc(self->fd, QCHAN_IOC_MSG_RECEIVE, &a));
	a.parts = 1;
	a.chid = self->chid + 7;
	EXPECT_EQ(-ESRCH, ioc(self->fd, QCHAN_IOC_MSG_RECEIVE, &a));
}

/*
 * MSG_SEND reads the caller's own struct iovec, as receive, reply, read and
 * write do: 16 bytes in a 64-bit process, 8 (QNX's 32-bit iov_t, the
 * kernel's compat_iovec) in a 32-bit one; msg_abi_test32 is the latter.  A
 * misread vector fails the send at once or carries the wrong lengths.
 */
TEST_F(abi, send_reads_callers_iovec)
{
	char s0[] = "0123", s1[] = "456789", s2[] = "ab", rep[] = "hello, world";
	char r0[2] = { 0 }, r1[8] = { 0 }, buf[16] = { 0 };
	struct iovec siov[3] = { { s0, 4 }, { s1, 6 }, { s2, 2 } };
	struct iovec riov[2] = { { r0, sizeof(r0) }, { r1, sizeof(r1) } };
	struct iovec repv[2] = { { rep, 3 }, { rep + 3, 7 } };
	struct qchan_msg_info info;
	struct qchan_msg_reply r;
	struct raw_sender s;
	int rcvid;

	memset(&s, 0, sizeof(s));
	s.fd = self->fd;
	s.a.coid = self->coid;
	s.a.send_parts = 3;
	s.a.send_iov_ptr = (uintptr_t)siov;
	s.a.reply_parts = 2;
	s.a.reply_iov_ptr = (uintptr_t)riov;
	ASSERT_EQ(0, pthread_create(&s.thread, NULL, raw_sender_fn, &s));
	/* A send that failed has left already: only a valid one blocks. */
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&s.tid)))
		TH_LOG("MSG_SEND: %s", strerror(-s.err));

	rcvid = raw_receive(self->fd, self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(12, info.msglen);
	EXPECT_EQ(12, info.srcmsglen);
	EXPECT_EQ(10, info.dstmsglen);
	EXPECT_EQ(0, memcmp(buf, "0123456789ab", 13));

	memset(&r, 0, sizeof(r));
	r.rcvid = rcvid;
	r.status = 42;
	r.parts = 2;
	r.iov_ptr = (uintptr_t)repv;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	ASSERT_EQ(0, raw_send_join(&s));
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(42, s.a.status);
	EXPECT_EQ(0, memcmp(r0, "he", 2));
	EXPECT_EQ(0, memcmp(r1, "llo, wor", 8));
}

TEST_F(abi, round_trip_and_reply_validation)
{
	struct qchan_msg_info info;
	struct qchan_msg_reply r;
	struct qchan_msg_rw rw;
	struct qchan_msg_info_get ig;
	struct raw_sender s;
	char sbuf[8] = "raw", rbuf[8] = { 0 }, buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	int rcvid;

	ASSERT_EQ(0, raw_send_start(&s, self->fd, self->coid, sbuf, 4, rbuf, sizeof(rbuf)));
	memset(&info, 0xff, sizeof(info));
	rcvid = raw_receive(self->fd, self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("raw", buf);
	EXPECT_EQ(getpid(), info.pid);
	EXPECT_EQ(qt_wait_tid(&s.tid), info.tid);
	EXPECT_EQ(self->chid, info.chid);
	EXPECT_EQ(self->coid, info.coid);
	EXPECT_EQ(4, info.msglen);
	EXPECT_EQ(4, info.srcmsglen);
	EXPECT_EQ(8, info.dstmsglen);
	EXPECT_EQ(0, info.priority);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0u, info.nd);
	EXPECT_EQ(0u, info.srcnd);
	EXPECT_EQ(0u, info.reserved);

	/* MSG_READ / MSG_WRITE / MSG_INFO validation. */
	memset(&rw, 0, sizeof(rw));
	rw.rcvid = rcvid;
	rw.parts = 1;
	rw.iov_ptr = (uintptr_t)&iov;
	rw.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_READ, &rw));
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_WRITE, &rw));
	rw.flags = 0;
	rw.pad = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_READ, &rw));
	rw.pad = 0;
	rw.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_WRITE, &rw));
	rw.reserved[0] = 0;
	rw.offset = 1;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_MSG_READ, &rw));
	EXPECT_EQ(3u, rw.bytes);
	EXPECT_EQ(0, memcmp(buf, "aw", 3));

	memset(&ig, 0, sizeof(ig));
	ig.rcvid = rcvid;
	ig.info_ptr = (uintptr_t)&info;
	ig.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_INFO, &ig));
	ig.flags = 0;
	ig.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_INFO, &ig));
	ig.reserved[1] = 0;
	EXPECT_EQ(0, ioc(self->fd, QCHAN_IOC_MSG_INFO, &ig));

	/* MSG_REPLY validation: none of these may consume the rcvid. */
	memset(&r, 0, sizeof(r));
	r.rcvid = rcvid;
	r.flags = 2;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	r.flags = 0;
	r.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	r.reserved[0] = 0;
	r.error = EIO;		/* an error without QCHAN_REPLY_ERROR */
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	r.flags = QCHAN_REPLY_ERROR;
	r.error = QCHAN_MAX_ERROR + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	r.error = -1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	r.error = EIO;
	r.parts = 1;		/* an error carries no data */
	r.iov_ptr = (uintptr_t)&iov;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	r.parts = 0;
	r.iov_ptr = 0;
	r.status = 5;		/* nor a status */
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	EXPECT_FALSE(atomic_load(&s.done));

	/* A valid reply with a negative 64-bit status. */
	memset(&r, 0, sizeof(r));
	r.rcvid = rcvid;
	r.status = -((long long)1 << 40);
	r.parts = 1;
	r.iov_ptr = (uintptr_t)&iov;
	memcpy(buf, "back", 5);
	iov.iov_len = 5;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	ASSERT_EQ(0, raw_send_join(&s));
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(-((long long)1 << 40), s.a.status);
	EXPECT_STREQ("back", rbuf);
	EXPECT_EQ(-ESRCH, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));

	/* MsgError through the raw call. */
	ASSERT_EQ(0, raw_send_start(&s, self->fd, self->coid, sbuf, 4, rbuf, sizeof(rbuf)));
	rcvid = raw_receive(self->fd, self->chid, NULL, 0, NULL);
	ASSERT_GT(rcvid, 0);
	memset(&r, 0, sizeof(r));
	r.rcvid = rcvid;
	r.flags = QCHAN_REPLY_ERROR;
	r.error = EPIPE;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_MSG_REPLY, &r));
	ASSERT_EQ(0, raw_send_join(&s));
	EXPECT_EQ(-EPIPE, s.err);
}

TEST_F(abi, reply_receive)
{
	struct qchan_msg_reply_receive rr;
	struct raw_sender s1, s2;
	char buf[8];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	int rcvid;

	memset(&rr, 0, sizeof(rr));
	rr.receive.chid = self->chid;
	rr.receive.parts = 1;
	rr.receive.iov_ptr = (uintptr_t)&iov;
	rr.pad = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	rr.pad = 0;
	rr.receive.pad = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	rr.receive.pad = 0;
	rr.reply.rcvid = 12345;
	rr.reply.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	/* The reply block is validated even when rcvid 0 skips the reply. */
	rr.reply.rcvid = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	rr.reply.reserved[1] = 0;
	rr.reply.flags = 0x100;
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	rr.reply.flags = 0;
	rr.reply.error = 3;	/* an errno without QCHAN_REPLY_ERROR */
	EXPECT_EQ(-EINVAL, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	rr.reply.error = 0;

	ASSERT_EQ(0, raw_send_start(&s1, self->fd, self->coid, "one", 4, NULL, 0));
	rr.reply_result = 77;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	rcvid = rr.receive.rcvid;
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(4u, rr.receive.bytes);
	EXPECT_STREQ("one", buf);

	/* A stale rcvid: the reply fails ESRCH, the receive goes on. */
	ASSERT_EQ(0, raw_send_start(&s2, self->fd, self->coid, "two", 4, NULL, 0));
	rr.reply.rcvid = rcvid + 1000;
	rr.receive.rcvid = 0;
	ASSERT_EQ(0, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	EXPECT_EQ(-ESRCH, rr.reply_result);
	EXPECT_STREQ("two", buf);
	EXPECT_FALSE(atomic_load(&s1.done));

	/* Reply to "one" with status 1; nothing more queued, so the receive fails on a dead channel. */
	EXPECT_EQ(0, raw_reply(self->fd, rr.receive.rcvid, 2));
	rr.reply.rcvid = rcvid;
	rr.reply.status = 1;
	rr.receive.chid = self->chid + 50;
	EXPECT_EQ(-ESRCH, ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr));
	ASSERT_EQ(0, raw_send_join(&s1));
	ASSERT_EQ(0, raw_send_join(&s2));
	/* The reply half ran even though the receive half failed. */
	EXPECT_EQ(0, rr.reply_result);
	EXPECT_EQ(1, s1.a.status);
	EXPECT_EQ(2, s2.a.status);
}

/*
 * A context belongs to its opener: a forked child using the inherited fd
 * gets EBADFD for everything but GET_FEATURES, and its close of the fd
 * leaves the parent's channels alone.
 */
TEST_F(abi, foreign_context)
{
	struct qchan_msg_info info;
	int fdcoid, rcvid, status, ctx;
	char buf[16];
	pid_t child;

	fdcoid = raw_attach(self->fd, 0, self->chid, 0);
	ASSERT_GE(fdcoid, 0);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct qchan_features f = { 0 };
		struct qchan_channel_create cc = { 0 };
		struct qchan_channel_destroy cd = { .chid = self->chid };
		struct qchan_connect_attach ca = { .chid = self->chid };
		struct qchan_connect_detach dd = { .coid = self->coid };
		struct qchan_connect_query cq = { .coid = fdcoid };
		struct qchan_msg_receive mr = { .chid = self->chid };
		struct qchan_msg_reply rp = { .rcvid = 1 };
		struct qchan_msg_rw rw = { .rcvid = 1 };
		struct qchan_msg_info_get ig = { .rcvid = 1 };
		struct qchan_msg_reply_receive rr = { .receive.chid = self->chid };
		struct iovec siov = { .iov_base = "child", .iov_len = 6 };
		struct qchan_msg_send ms = {
			.coid = fdcoid, .send_parts = 1, .send_iov_ptr = (uintptr_t)&siov,
		};

		if (ioc(self->fd, QCHAN_IOC_GET_FEATURES, &f) || f.abi_version != QCHAN_ABI_VERSION)
			_exit(1);
		if (ioc(self->fd, QCHAN_IOC_CHANNEL_CREATE, &cc) != -EBADFD)
			_exit(2);
		if (ioc(self->fd, QCHAN_IOC_CHANNEL_DESTROY, &cd) != -EBADFD)
			_exit(3);
		if (ioc(self->fd, QCHAN_IOC_CONNECT_ATTACH, &ca) != -EBADFD)
			_exit(4);
		if (ioc(self->fd, QCHAN_IOC_CONNECT_DETACH, &dd) != -EBADFD)
			_exit(5);
		if (ioc(self->fd, QCHAN_IOC_CONNECT_QUERY, &cq) != -EBADFD)
			_exit(6);
		if (ioc(self->fd, QCHAN_IOC_MSG_RECEIVE, &mr) != -EBADFD)
			_exit(7);
		if (ioc(self->fd, QCHAN_IOC_MSG_REPLY, &rp) != -EBADFD)
			_exit(8);
		if (ioc(self->fd, QCHAN_IOC_MSG_READ, &rw) != -EBADFD)
			_exit(9);
		if (ioc(self->fd, QCHAN_IOC_MSG_WRITE, &rw) != -EBADFD)
			_exit(10);
		if (ioc(self->fd, QCHAN_IOC_MSG_INFO, &ig) != -EBADFD)
			_exit(11);
		if (ioc(self->fd, QCHAN_IOC_MSG_REPLY_RECEIVE, &rr) != -EBADFD)
			_exit(12);
		/*
		 * Sends too: a message's quota, parking and restart belong to the
		 * sending process's own context, whatever the coid.
		 */
		ms.coid = self->coid;
		if (ioc(self->fd, QCHAN_IOC_MSG_SEND, &ms) != -EBADFD)
			_exit(14);
		ms.coid = fdcoid;
		if (ioc(self->fd, QCHAN_IOC_MSG_SEND, &ms) != -EBADFD)
			_exit(15);
		/* Our close of the inherited context must not end the parent's. */
		close(self->fd);
		/* An inherited fd connection works through a context of our own. */
		ctx = open("/dev/qchan", O_RDWR | O_CLOEXEC);
		if (ctx < 0)
			_exit(16);
		if (ioc(ctx, QCHAN_IOC_MSG_SEND, &ms) || ms.status != 21)
			_exit(13);
		_exit(0);
	}
	rcvid = raw_receive(self->fd, self->chid, buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("child", buf);
	EXPECT_EQ(child, info.pid);
	ASSERT_EQ(0, raw_reply(self->fd, rcvid, 21));
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);

	/* Everything of ours survived the child's close. */
	EXPECT_GE(raw_attach(self->fd, 0, self->chid, QCHAN_COF_SIDE_CHANNEL), QCHAN_SIDE_CHANNEL);
	close(fdcoid);
}

/* Closing the context ends its channels: clients blocked on them get ESRCH. */
TEST_F(abi, close_fails_blocked_clients)
{
	struct raw_sender s;
	int fdcoid, ctx2;
	pid_t child;
	int status;

	fdcoid = raw_attach(self->fd, 0, self->chid, 0);
	ASSERT_GE(fdcoid, 0);
	/* The client runs in a child with its own context; we close ours under it. */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		close(self->fd);
		ctx2 = open("/dev/qchan", O_RDWR);
		if (ctx2 < 0)
			_exit(1);
		if (raw_send_start(&s, ctx2, fdcoid, "x", 2, NULL, 0))
			_exit(2);
		if (raw_send_join(&s))
			_exit(3);
		_exit(s.err == -ESRCH ? 0 : 4);
	}
	ASSERT_EQ(0, qt_wait_in_flight(self->before.msgs_in_flight + 1));
	close(self->fd);
	self->fd = -1;
	status = qt_child_result(child);
	EXPECT_EQ(0, status) TH_LOG("child failed check %d", status);
	close(fdcoid);
}

TEST_HARNESS_MAIN
