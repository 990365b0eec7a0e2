// SPDX-License-Identifier: GPL-2.0
/*
 * Events: MsgDeliverEvent of each kind (pulse, signal, signal with code,
 * signal to the sending thread, none), during the message and after the
 * reply, several times; its errors (bad events EINVAL, unknown or departed
 * clients ESRCH / EBADF, another process's rcvid); MsgVerifyEvent; secure
 * events (MsgRegisterEvent: only the named server may deliver, UPDATEABLE,
 * the max_events bound, MsgUnregisterEvent); and kill -9 of either side
 * leaves no object behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

/* What a receive copies out for a pulse, in this process's ABI (see msg_pulse_test.c). */
#if UINTPTR_MAX > UINT32_MAX
typedef struct qchan_pulse pulse_t;
#else
typedef struct {
	uint16_t type;
	uint16_t subtype;
	int8_t code;
	uint8_t zero[3];
	uint32_t value;
	int32_t scoid;
} pulse_t;
#endif

#define SIG_A	(SIGRTMIN + 1)
#define SIG_B	(SIGRTMIN + 2)

/* A pulse from @chid within QT_WAIT_MS: 0, or -errno (-ETIMEDOUT: none came). */
static int recv_pulse(int chid, pulse_t *p)
{
	struct iovec iov = { .iov_base = p, .iov_len = sizeof(*p) };
	struct qchan_msg_receive a = {
		.chid = chid, .flags = QCHAN_RECEIVE_PULSE_ONLY | QCHAN_RECEIVE_TIMEOUT,
		.parts = 1, .iov_ptr = (uintptr_t)&iov, .timeout_clock = CLOCK_MONOTONIC,
	};
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	a.timeout = (now.tv_sec + QT_WAIT_MS / 1000) * 1000000000LL + now.tv_nsec;
	memset(p, 0, sizeof(*p));
	return ioctl(qchan_context_fd(), QCHAN_IOC_MSG_RECEIVE, &a) ? -errno : 0;
}

/* Is a pulse queued on @chid?  Polls: 1 yes (and takes it), 0 no, -errno. */
static int pulse_queued(int chid)
{
	pulse_t p;
	struct iovec iov = { .iov_base = &p, .iov_len = sizeof(p) };
	struct qchan_msg_receive a = {
		.chid = chid, .flags = QCHAN_RECEIVE_PULSE_ONLY | QCHAN_RECEIVE_TIMEOUT,
		.parts = 1, .iov_ptr = (uintptr_t)&iov, .timeout_clock = CLOCK_MONOTONIC,
	};

	if (!ioctl(qchan_context_fd(), QCHAN_IOC_MSG_RECEIVE, &a))
		return 1;
	return errno == ETIMEDOUT ? 0 : -errno;
}

/* A signal of @set within QT_WAIT_MS: its number, or -errno. */
static int wait_sig(int sig, siginfo_t *si)
{
	struct timespec ts = { .tv_sec = QT_WAIT_MS / 1000 };
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, sig);
	do
		r = sigtimedwait(&set, si, &ts);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* Is @sig pending for the calling thread or its process? */
static bool sig_pending(int sig)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, sig);
}

static void block_sigs(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_A);
	sigaddset(&set, SIG_B);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* The scoid a pulse through @coid carries (a pulse on @chid tells). */
static int scoid_of(int coid, int chid)
{
	pulse_t p;

	if (MsgSendPulse(coid, 1, 1, 0) || recv_pulse(chid, &p))
		return -1;
	return p.scoid;
}

/* Polls until delivering @ev to @rcvid fails @err (a departure is seen asynchronously). */
static int deliver_until(int rcvid, const struct sigevent *ev, int err)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	int r;

	while ((r = MsgDeliverEvent_r(rcvid, ev)) != err && qt_now_ms() < end)
		qt_sleep_ms(5);
	return r;
}

FIXTURE(event) {
	struct qt_stats before;
	int chid;	/* the server's */
	int coid;	/* the client's connection to it */
	int cchid;	/* the client's own channel, for its pulses */
	int ccoid;	/* the client's connection to its own channel */
};

FIXTURE_SETUP(event)
{
	block_sigs();
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
	self->cchid = ChannelCreate(0);
	ASSERT_GT(self->cchid, 0);
	self->ccoid = ConnectAttach(0, 0, self->cchid, 0, 0);	/* an fd coid */
	ASSERT_GE(self->ccoid, 0);
	ASSERT_LT(self->ccoid, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(event)
{
	struct qt_stats now;

	ConnectDetach(self->ccoid);
	ConnectDetach(self->coid);
	ChannelDestroy(self->cchid);
	ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: connections %ld->%ld pulses %ld->%ld scons %ld->%ld events %ld->%ld",
		       self->before.connections, now.connections, self->before.pulses,
		       now.pulses, self->before.server_connections, now.server_connections,
		       self->before.events, now.events);
}

/* A client thread sends @ev; the server receives it: returns the rcvid, the event in *@got. */
static int send_event(struct qt_client *c, int coid, const struct sigevent *ev, int chid,
		      struct sigevent *got)
{
	int rcvid;

	if (qt_client_send(c, coid, ev, sizeof(*ev), NULL, 0))
		return -1;
	rcvid = MsgReceive(chid, got, sizeof(*got), NULL);
	return rcvid;
}

TEST_F(event, pulse_during_and_after_reply)
{
	struct sigevent ev, got;
	struct qt_client c;
	int rcvid, scoid, i;
	pulse_t p;

	scoid = scoid_of(self->ccoid, self->cchid);
	ASSERT_GT(scoid, 0);
	SIGEV_PULSE_INIT(&ev, self->ccoid, 10, 42, 0x5a5a1234);
	rcvid = send_event(&c, self->coid, &ev, self->chid, &got);
	ASSERT_GT(rcvid, 0);

	/* While the client is REPLY-blocked. */
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(0, recv_pulse(self->cchid, &p));
	EXPECT_EQ(42, p.code);
	EXPECT_EQ(0x5a5a1234u, p.value);
	EXPECT_EQ(scoid, p.scoid);

	ASSERT_EQ(0, MsgReply(rcvid, 7, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(7, c.ret);

	/* After the reply, as often as the server likes; the rcvid itself is finished. */
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	for (i = 0; i < 3; i++) {
		got.sigev_value.sival_int = 100 + i;
		ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	}
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, recv_pulse(self->cchid, &p));
		EXPECT_EQ(42, p.code);
		EXPECT_EQ((uint32_t)(100 + i), (uint32_t)p.value);
	}

	/* A side-channel coid of the client works too. */
	SIGEV_PULSE_INIT(&got, self->coid, 3, 9, 77);
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(0, recv_pulse(self->chid, &p));
	EXPECT_EQ(9, p.code);
	EXPECT_EQ(77u, p.value);
}

TEST_F(event, pulse_priority_order)
{
	static const int prio[] = { 5, 20, SIGEV_PULSE_PRIO_INHERIT, 10 };
	static const int order[] = { 20, 10, 5, -1 };	/* inherit: this thread's 0 */
	struct sigevent ev, got;
	struct qt_client c;
	unsigned int i;
	int rcvid;
	pulse_t p;

	SIGEV_PULSE_INIT(&ev, self->ccoid, 0, 1, 0);
	rcvid = send_event(&c, self->coid, &ev, self->chid, &got);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));

	for (i = 0; i < ARRAY_SIZE(prio); i++) {
		got.sigev_priority = prio[i];
		got.sigev_code = prio[i] < 0 ? 99 : prio[i];
		ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	}
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		ASSERT_EQ(0, recv_pulse(self->cchid, &p));
		EXPECT_EQ(order[i] < 0 ? 99 : order[i], p.code);
	}
}

TEST_F(event, signal_and_signal_code)
{
	struct sigevent ev, got;
	struct qt_client c;
	siginfo_t si;
	int rcvid;

	SIGEV_SIGNAL_VALUE_INT_INIT(&ev, SIG_A, 1234);
	rcvid = send_event(&c, self->coid, &ev, self->chid, &got);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));

	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(SIG_A, wait_sig(SIG_A, &si));
	EXPECT_EQ(SIG_A, si.si_signo);
	EXPECT_EQ(SI_QUEUE, si.si_code);
	EXPECT_EQ(1234, si.si_value.sival_int);
	EXPECT_EQ(getpid(), si.si_pid);
	EXPECT_EQ(getuid(), si.si_uid);

	SIGEV_SIGNAL_CODE_INIT(&got, SIG_B, 0x4321, -77);
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(SIG_B, wait_sig(SIG_B, &si));
	EXPECT_EQ(-77, si.si_code);
	EXPECT_EQ(0x4321, si.si_value.sival_int);

	/* SIGEV_NONE: valid, nothing arrives. */
	SIGEV_NONE_INIT(&got);
	EXPECT_EQ(0, MsgDeliverEvent(rcvid, &got));
	EXPECT_FALSE(sig_pending(SIG_A) || sig_pending(SIG_B));
}

struct thread_client {
	int coid;
	struct sigevent ev;
	_Atomic pid_t tid;
	long ret;
	int sig, code, value;
};

/* Sends its event, then waits for its thread-directed signal. */
static void *thread_client_fn(void *arg)
{
	struct thread_client *t = arg;
	siginfo_t si;

	atomic_store(&t->tid, qt_gettid());
	t->ret = MsgSend(t->coid, &t->ev, sizeof(t->ev), NULL, 0);
	t->sig = wait_sig(SIG_A, &si);
	t->code = si.si_code;
	t->value = si.si_value.sival_int;
	return NULL;
}

TEST_F(event, signal_thread_goes_to_the_sender)
{
	struct thread_client t = { .coid = self->coid };
	struct sigevent got;
	pthread_t th;
	int rcvid;

	SIGEV_SIGNAL_THREAD_INIT(&t.ev, SIG_A, 55, -9);
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_client_fn, &t));
	rcvid = MsgReceive(self->chid, &got, sizeof(got), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	/* After the reply: the server connection remembers its latest sender. */
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, t.ret);
	EXPECT_EQ(SIG_A, t.sig);
	EXPECT_EQ(-9, t.code);
	EXPECT_EQ(55, t.value);
	/* It went to that thread alone. */
	EXPECT_FALSE(sig_pending(SIG_A));

	/* The thread is gone now (its task goes a little after pthread_join returns). */
	EXPECT_EQ(-ESRCH, deliver_until(rcvid, &got, -ESRCH));
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(rcvid, &got));
	EXPECT_FALSE(sig_pending(SIG_A));
}

TEST_F(event, bad_events_and_rcvids)
{
	struct sigevent ev, got, bad;
	int rcvid, deadchid, deadcoid;
	struct qt_client c;

	SIGEV_PULSE_INIT(&ev, self->ccoid, 1, 1, 1);
	rcvid = send_event(&c, self->coid, &ev, self->chid, &got);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));

#define EXPECT_BAD(init)							\
	do {									\
		memset(&bad, 0, sizeof(bad));					\
		init;								\
		EXPECT_EQ(-EINVAL, MsgDeliverEvent_r(rcvid, &bad));		\
		EXPECT_EQ(-EINVAL, MsgVerifyEvent_r(0, &bad));			\
	} while (0)
	EXPECT_BAD(SIGEV_UNBLOCK_INIT(&bad));
	EXPECT_BAD(SIGEV_INTR_INIT(&bad));
	EXPECT_BAD(SIGEV_THREAD_INIT(&bad, NULL, 0, NULL));
	EXPECT_BAD(bad.sigev_notify = SIGEV_THREAD_ID);
	EXPECT_BAD(bad.sigev_notify = 0x7f);
	EXPECT_BAD(SIGEV_SIGNAL_INIT(&bad, 0));
	EXPECT_BAD(SIGEV_SIGNAL_INIT(&bad, 65));
	EXPECT_BAD(SIGEV_SIGNAL_CODE_INIT(&bad, SIG_A, 0, 0));
	EXPECT_BAD(SIGEV_SIGNAL_CODE_INIT(&bad, SIG_A, 0, 5));
	EXPECT_BAD(SIGEV_SIGNAL_CODE_INIT(&bad, SIG_A, 0, SI_TKILL));
	EXPECT_BAD(SIGEV_SIGNAL_CODE_INIT(&bad, SIG_A, 0, -129));
	EXPECT_BAD(SIGEV_PULSE_INIT(&bad, self->ccoid, 1, 128, 0));
	EXPECT_BAD(SIGEV_PULSE_INIT(&bad, self->ccoid, 1, -1, 0));
	EXPECT_BAD(SIGEV_PULSE_INIT(&bad, self->ccoid, 256, 1, 0));
	EXPECT_BAD(SIGEV_PULSE_INIT(&bad, self->ccoid, -2, 1, 0));
	EXPECT_BAD((SIGEV_PULSE_INIT(&bad, self->ccoid, 1, 1, 0), bad.sigev_notify |= 0x10000));
	EXPECT_BAD(bad.sigev_notify = SIGEV_PULSE | SIGEV_FLAG_HANDLE);	/* handle 0 */
#undef EXPECT_BAD
	/* Unknown handle. */
	memset(&bad, 0, sizeof(bad));
	bad.sigev_notify = SIGEV_PULSE | SIGEV_FLAG_HANDLE;
	bad.sigev_handle = 12345;
	EXPECT_EQ(-EINVAL, MsgDeliverEvent_r(rcvid, &bad));

	/* A coid the client does not have. */
	SIGEV_PULSE_INIT(&bad, 1000, 1, 1, 0);
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(rcvid, &bad));
	SIGEV_PULSE_INIT(&bad, _NTO_SIDE_CHANNEL + 999, 1, 1, 0);
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(rcvid, &bad));
	SIGEV_PULSE_INIT(&bad, 0, 1, 1, 0);	/* stdin: not a connection */
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(rcvid, &bad));

	/* A connection of the client whose channel is gone: EBADF. */
	deadchid = ChannelCreate(0);
	ASSERT_GT(deadchid, 0);
	deadcoid = ConnectAttach(0, 0, deadchid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(deadcoid, 0);
	ASSERT_EQ(0, ChannelDestroy(deadchid));
	SIGEV_PULSE_INIT(&bad, deadcoid, 1, 1, 0);
	EXPECT_EQ(-EBADF, MsgVerifyEvent_r(rcvid, &bad));
	EXPECT_EQ(-EBADF, MsgDeliverEvent_r(rcvid, &bad));
	EXPECT_EQ(0, ConnectDetach(deadcoid));

	/* Rcvids naming no client. */
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(0, &got));
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(-1, &got));
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(0x7fff0001, &got));
	errno = 0;
	EXPECT_EQ(-1, MsgDeliverEvent(0x7fff0001, &got));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(0, pulse_queued(self->cchid));
}

TEST_F(event, verify_delivers_nothing)
{
	struct sigevent ev, got, bad;
	struct qt_client c;
	struct qt_stats now;
	int rcvid;

	SIGEV_PULSE_INIT(&ev, self->ccoid, 1, 1, 1);
	rcvid = send_event(&c, self->coid, &ev, self->chid, &got);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(0, MsgVerifyEvent(0, &got));
	EXPECT_EQ(0, MsgVerifyEvent(rcvid, &got));
	SIGEV_PULSE_INIT(&bad, 1000, 1, 1, 0);
	EXPECT_EQ(0, MsgVerifyEvent(0, &bad));		/* the form only */
	EXPECT_EQ(-ESRCH, MsgVerifyEvent_r(rcvid, &bad));
	EXPECT_EQ(-ESRCH, MsgVerifyEvent_r(0x7fff0001, &got));
	SIGEV_SIGNAL_INIT(&bad, SIG_A);
	EXPECT_EQ(0, MsgVerifyEvent(rcvid, &bad));
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.pulses, now.pulses);
	EXPECT_EQ(0, pulse_queued(self->cchid));
	EXPECT_FALSE(sig_pending(SIG_A));
}

/*
 * The usual pattern across two processes: a client process sends its pulse
 * and signal events, the server replies, fires them later, several times;
 * once the client is gone, ESRCH (EBADF while a DISCONNECT scoid waits).
 */
static void pattern_across_processes(struct __test_metadata *_metadata, unsigned int chflags)
{
	int chid, rcvid, status, scoid, tochild[2], fromchild[2];
	struct sigevent evs[2];
	struct _msg_info info;
	pid_t server = getpid(), child;
	pulse_t p;

	chid = ChannelCreate(chflags);
	ASSERT_GT(chid, 0);
	ASSERT_EQ(0, pipe(tochild));
	ASSERT_EQ(0, pipe(fromchild));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int cchid, ccoid, scoid_, coid, i, fails = 0;
		siginfo_t si;
		pulse_t cp;

		cchid = ChannelCreate(0);
		ccoid = ConnectAttach(0, 0, cchid, _NTO_SIDE_CHANNEL, 0);
		coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
		if (cchid <= 0 || ccoid < 0 || coid < 0)
			_exit(10);
		SIGEV_PULSE_INIT(&evs[0], ccoid, 10, 33, 0);
		SIGEV_SIGNAL_CODE_INIT(&evs[1], SIG_B, 99, -3);
		if (MsgSend(coid, evs, sizeof(evs), NULL, 0) != 5)
			_exit(11);
		for (i = 0; i < 3; i++)
			if (recv_pulse(cchid, &cp) || cp.code != 33 || cp.value != (uint32_t)i)
				fails |= 1;
		if (wait_sig(SIG_B, &si) != SIG_B || si.si_code != -3 ||
		    si.si_value.sival_int != 99 || si.si_pid != server)
			fails |= 2;
		scoid_ = scoid_of(ccoid, cchid);
		if (qt_write_int(fromchild[1], fails) || qt_write_int(fromchild[1], scoid_))
			_exit(12);
		qt_read_int(tochild[0], &i);	/* the server is done */
		_exit(0);
	}
	rcvid = MsgReceive(chid, evs, sizeof(evs), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(child, info.pid);
	ASSERT_EQ(0, MsgReply(rcvid, 5, NULL, 0));
	for (int i = 0; i < 3; i++) {
		evs[0].sigev_value.sival_int = i;
		ASSERT_EQ(0, MsgDeliverEvent(rcvid, &evs[0]));
	}
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &evs[1]));
	ASSERT_EQ(0, qt_read_int(fromchild[0], &status));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, qt_read_int(fromchild[0], &scoid));
	EXPECT_GT(scoid, 0);
	ASSERT_EQ(0, qt_write_int(tochild[1], 1));
	EXPECT_EQ(0, qt_child_result(child));

	if (chflags & _NTO_CHF_DISCONNECT) {
		ASSERT_EQ(0, recv_pulse(chid, &p));
		EXPECT_EQ(_PULSE_CODE_DISCONNECT, p.code);
		EXPECT_EQ(-EBADF, MsgDeliverEvent_r(rcvid, &evs[0]));
		ASSERT_EQ(0, ConnectDetach(info.scoid));
	} else {
		/* The client's connection goes with its process, asynchronously. */
		EXPECT_EQ(-ESRCH, deliver_until(rcvid, &evs[0], -ESRCH));
	}
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(rcvid, &evs[0]));
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(rcvid, &evs[1]));
	EXPECT_EQ(0, ChannelDestroy(chid));
	close(tochild[0]);
	close(tochild[1]);
	close(fromchild[0]);
	close(fromchild[1]);
}

TEST_F(event, pattern_across_processes)
{
	pattern_across_processes(_metadata, 0);
}

TEST_F(event, pattern_across_processes_disconnect)
{
	pattern_across_processes(_metadata, _NTO_CHF_DISCONNECT);
}

/*
 * A client whose connection went takes its rcvids with it: a new
 * connection of the same process gets another scoid, and the old rcvid
 * names nobody (ESRCH), never the new connection.
 */
TEST_F(event, departed_client_rcvid_names_nobody)
{
	struct sigevent ev, got;
	struct qt_client c;
	int chid, coid, old, rcvid;
	struct _msg_info info;
	pulse_t p;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	SIGEV_PULSE_INIT(&ev, self->ccoid, 1, 8, 8);
	old = send_event(&c, coid, &ev, chid, &got);
	ASSERT_GT(old, 0);
	ASSERT_EQ(0, MsgReply(old, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	ASSERT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(old, &got));

	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	ASSERT_EQ(0, qt_client_send(&c, coid, &ev, sizeof(ev), NULL, 0));
	rcvid = MsgReceive(chid, &got, sizeof(got), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(old, &got));
	EXPECT_EQ(0, pulse_queued(self->cchid));
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(0, recv_pulse(self->cchid, &p));
	EXPECT_EQ(8, p.code);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	ASSERT_EQ(0, ConnectDetach(coid));
	ASSERT_EQ(0, ChannelDestroy(chid));
}

/* An rcvid means nothing in another process, even its child. */
TEST_F(event, other_process_rcvid)
{
	struct sigevent ev, got;
	struct qt_client c;
	int rcvid;
	pid_t child;

	SIGEV_PULSE_INIT(&ev, self->ccoid, 1, 1, 1);
	rcvid = send_event(&c, self->coid, &ev, self->chid, &got);
	ASSERT_GT(rcvid, 0);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		int chid = ChannelCreate(0);

		_exit(chid > 0 && MsgDeliverEvent_r(rcvid, &got) == -ESRCH ? 0 : 1);
	}
	EXPECT_EQ(0, qt_child_result(child));
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(0, pulse_queued(self->cchid));
}

TEST_F(event, registered_event_same_server)
{
	struct sigevent reg, sent, got;
	struct qt_client c;
	struct qt_stats now;
	int rcvid;
	pulse_t p;

	/* Only the server of self->coid (this process) may deliver it. */
	SIGEV_PULSE_INIT(&reg, self->ccoid, 10, 21, 500);
	ASSERT_EQ(0, MsgRegisterEvent(&reg, self->coid));
	EXPECT_TRUE(reg.sigev_notify & SIGEV_FLAG_HANDLE);
	EXPECT_NE(0, reg.sigev_handle);
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.events + 1, now.events);

	/* The server's copy of the event cannot change what is delivered... */
	sent = reg;
	sent.sigev_value.sival_int = 600;
	sent.sigev_code = 22;
	rcvid = send_event(&c, self->coid, &sent, self->chid, &got);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	ASSERT_EQ(0, MsgVerifyEvent(rcvid, &got));
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(0, recv_pulse(self->cchid, &p));
	EXPECT_EQ(21, p.code);
	EXPECT_EQ(500u, p.value);
	ASSERT_EQ(0, MsgUnregisterEvent(&reg));
	EXPECT_EQ(-EINVAL, MsgDeliverEvent_r(rcvid, &got));
	EXPECT_EQ(-ESRCH, MsgUnregisterEvent_r(&reg));

	/* ...unless the client made it UPDATEABLE / CODE_UPDATEABLE. */
	SIGEV_PULSE_INIT(&reg, self->ccoid, 10, 21, 500);
	reg.sigev_notify |= SIGEV_FLAG_UPDATEABLE | SIGEV_FLAG_CODE_UPDATEABLE;
	ASSERT_EQ(0, MsgRegisterEvent(&reg, -1));
	got = reg;
	got.sigev_value.sival_int = 600;
	got.sigev_code = 22;
	ASSERT_EQ(0, MsgDeliverEvent(rcvid, &got));
	ASSERT_EQ(0, recv_pulse(self->cchid, &p));
	EXPECT_EQ(22, p.code);
	EXPECT_EQ(600u, p.value);
	got.sigev_code = 200;	/* updated into an invalid event */
	EXPECT_EQ(-EINVAL, MsgDeliverEvent_r(rcvid, &got));
	EXPECT_EQ(0, MsgUnregisterEvent(&reg));

	/* Registration errors. */
	EXPECT_EQ(-EINVAL, MsgRegisterEvent_r(&sent, self->coid));	/* already a handle */
	SIGEV_PULSE_INIT(&sent, self->ccoid, 1, 1, 1);
	EXPECT_EQ(-EBADF, MsgRegisterEvent_r(&sent, 12345));
	SIGEV_UNBLOCK_INIT(&sent);
	EXPECT_EQ(-EINVAL, MsgRegisterEvent_r(&sent, self->coid));
}

TEST_F(event, max_events)
{
	unsigned long old;
	struct sigevent ev[3];
	int i;

	ASSERT_EQ(0, qt_param_get("max_events", &old));
	ASSERT_EQ(0, qt_param_set("max_events", 2));
	for (i = 0; i < 3; i++)
		SIGEV_SIGNAL_INIT(&ev[i], SIG_A);
	EXPECT_EQ(0, MsgRegisterEvent_r(&ev[0], -1));
	EXPECT_EQ(0, MsgRegisterEvent_r(&ev[1], -1));
	EXPECT_EQ(-EAGAIN, MsgRegisterEvent_r(&ev[2], -1));
	EXPECT_NE(ev[0].sigev_handle, ev[1].sigev_handle);
	EXPECT_EQ(0, MsgUnregisterEvent_r(&ev[0]));
	EXPECT_EQ(0, MsgRegisterEvent_r(&ev[2], -1));
	EXPECT_EQ(0, MsgUnregisterEvent_r(&ev[1]));
	EXPECT_EQ(0, MsgUnregisterEvent_r(&ev[2]));
	EXPECT_EQ(0, qt_param_set("max_events", old));
}

/*
 * Secure events across processes: the client registers one event for the
 * server of its connection, one for another server, one for any; the
 * server may deliver the first and the last (EACCES for the other).
 */
TEST_F(event, registered_event_wrong_server)
{
	int pipefd[2], schid, coid, other, otherchid, i;
	struct sigevent evs[3];
	pid_t child;
	long ret;
	pulse_t p;

	otherchid = ChannelCreate(0);
	ASSERT_GT(otherchid, 0);
	other = ConnectAttach(0, 0, otherchid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(other, 0);
	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct sigevent got[3];
		int rcvid, res = 0;

		schid = ChannelCreate(0);
		if (schid <= 0 || qt_write_int(pipefd[1], schid))
			_exit(10);
		rcvid = MsgReceive(schid, got, sizeof(got), NULL);
		if (rcvid <= 0)
			_exit(11);
		for (i = 0; i < 3; i++) {
			int e = MsgVerifyEvent_r(rcvid, &got[i]);
			int d = MsgDeliverEvent_r(rcvid, &got[i]);

			res |= (e == d ? (d == 0 ? 0 : d == -EACCES ? 1 : 3) : 7) << (i * 3);
		}
		MsgReply(rcvid, res, NULL, 0);
		_exit(0);
	}
	ASSERT_EQ(0, qt_read_int(pipefd[0], &schid));
	coid = ConnectAttach(0, child, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	SIGEV_PULSE_INIT(&evs[0], self->ccoid, 1, 1, 0);
	SIGEV_PULSE_INIT(&evs[1], self->ccoid, 1, 2, 0);
	SIGEV_PULSE_INIT(&evs[2], self->ccoid, 1, 3, 0);
	ASSERT_EQ(0, MsgRegisterEvent(&evs[0], coid));
	ASSERT_EQ(0, MsgRegisterEvent(&evs[1], other));	/* this process's own channel */
	ASSERT_EQ(0, MsgRegisterEvent(&evs[2], -1));
	ret = MsgSend(coid, evs, sizeof(evs), NULL, 0);
	EXPECT_EQ(0 | 1 << 3 | 0 << 6, ret);
	EXPECT_EQ(0, qt_child_result(child));
	ASSERT_EQ(0, recv_pulse(self->cchid, &p));
	EXPECT_EQ(1, p.code);
	ASSERT_EQ(0, recv_pulse(self->cchid, &p));
	EXPECT_EQ(3, p.code);
	EXPECT_EQ(0, pulse_queued(self->cchid));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, MsgUnregisterEvent(&evs[i]));
	ConnectDetach(coid);
	ConnectDetach(other);
	ChannelDestroy(otherchid);
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * kill -9 of a client with registered events and a message REPLY-blocked,
 * then of a server holding a client's rcvid: nothing is left behind and
 * the rcvid names nobody.
 */
TEST_F(event, kill9_both_sides)
{
	struct qt_stats base, now;
	struct sigevent ev, got;
	int pipefd[2], rcvid, schid, coid;
	pid_t me = getpid(), child;
	struct qt_client c;
	long ret;
	pulse_t p;

	ASSERT_EQ(0, qt_stats_read(&base));
	/* The client dies. */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct sigevent r[4];
		int c = ConnectAttach(0, me, self->chid, _NTO_SIDE_CHANNEL, 0);

		for (int i = 0; i < 4; i++) {
			SIGEV_SIGNAL_INIT(&r[i], SIG_A);
			if (MsgRegisterEvent(&r[i], c))
				_exit(1);
		}
		MsgSend(c, &r[0], sizeof(r[0]), NULL, 0);
		_exit(2);
	}
	rcvid = MsgReceive(self->chid, &got, sizeof(got), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(base.events + 4, now.events);
	ASSERT_EQ(0, MsgVerifyEvent(rcvid, &got));
	ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	EXPECT_EQ(-ESRCH, deliver_until(rcvid, &got, -ESRCH));
	EXPECT_EQ(-ESRCH, MsgDeliverEvent_r(rcvid, &got));
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	EXPECT_EQ(0, qt_stats_wait_settled(&base, &now));
	EXPECT_EQ(base.events, now.events);

	/* The server dies holding our rcvid. */
	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		schid = ChannelCreate(0);
		if (schid <= 0 || qt_write_int(pipefd[1], schid))
			_exit(10);
		rcvid = MsgReceive(schid, &got, sizeof(got), NULL);
		MsgDeliverEvent(rcvid, &got);
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, qt_read_int(pipefd[0], &schid));
	coid = ConnectAttach(0, child, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	SIGEV_PULSE_INIT(&ev, self->ccoid, 1, 4, 4);
	ASSERT_EQ(0, MsgRegisterEvent(&ev, coid));
	ASSERT_EQ(0, qt_client_send(&c, coid, &ev, sizeof(ev), NULL, 0));
	ASSERT_EQ(0, recv_pulse(self->cchid, &p));
	EXPECT_EQ(4, p.code);
	ASSERT_EQ(0, kill(child, SIGKILL));
	ASSERT_EQ(0, qt_client_join(&c));
	ret = c.ret;
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ESRCH, c.err);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	EXPECT_EQ(0, MsgUnregisterEvent(&ev));
	ConnectDetach(coid);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
