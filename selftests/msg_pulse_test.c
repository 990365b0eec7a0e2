// SPDX-License-Identifier: GPL-2.0
/*
 * Pulses: QCHAN_IOC_MSG_SEND_PULSE never blocks, a receive returns a pulse
 * as rcvid 0 and QNX's struct _pulse, pulses and messages come in one
 * priority order (FIFO within a priority), QCHAN_RECEIVE_PULSE_ONLY
 * (MsgReceivePulse) leaves messages queued, the per-channel bound gives
 * EAGAIN, bad arguments EINVAL, and nothing is left behind when a channel
 * or its process goes away.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

/*
 * What a receive copies out for a pulse: struct qchan_pulse to a 64-bit
 * process, QNX's 32-bit struct _pulse (a 4-byte value, 16 bytes in all) to
 * a 32-bit one, as msg_pulse_test32 runs.
 */
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
_Static_assert(sizeof(pulse_t) == 16 && sizeof(struct _pulse) == 16, "32-bit struct _pulse");
_Static_assert(offsetof(pulse_t, value) == offsetof(struct _pulse, value) &&
	       offsetof(pulse_t, scoid) == offsetof(struct _pulse, scoid), "32-bit struct _pulse");
#endif

static int ioc(unsigned long cmd, void *arg)
{
	return ioctl(qchan_context_fd(), cmd, arg) ? -errno : 0;
}

static int send_pulse(int coid, int priority, int code, uint64_t value)
{
	struct qchan_pulse_send a = {
		.coid = coid, .priority = priority, .code = code, .value = value,
	};

	return ioc(QCHAN_IOC_MSG_SEND_PULSE, &a);
}

/* A raw receive: the rcvid (0 for a pulse) or -errno; *bytes gets the count. */
static int receive(int chid, void *buf, size_t len, uint32_t flags, uint32_t *bytes)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct qchan_msg_receive a = {
		.chid = chid, .flags = flags, .parts = 1, .iov_ptr = (uintptr_t)&iov,
	};
	int err = ioc(QCHAN_IOC_MSG_RECEIVE, &a);

	if (bytes)
		*bytes = a.bytes;
	return err ?: a.rcvid;
}

FIXTURE(pulse) {
	struct qt_stats before;
	int chid;
	int coid;
};

FIXTURE_SETUP(pulse)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(pulse)
{
	struct qt_stats now;

	if (self->coid >= 0)
		ConnectDetach(self->coid);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld pulses %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pulses, now.pulses);
}

TEST_F(pulse, queued_pulse_is_received_as_struct_pulse)
{
	pulse_t p;
	uint32_t bytes;
	struct qt_stats now;

	memset(&p, 0xaa, sizeof(p));
	ASSERT_EQ(0, send_pulse(self->coid, 10, 5, 0x1122334455667788ULL));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.pulses + 1, now.pulses);
	ASSERT_EQ(0, receive(self->chid, &p, sizeof(p), 0, &bytes));
	EXPECT_EQ(sizeof(p), bytes);
	EXPECT_EQ(0, p.type);
	EXPECT_EQ(0, p.subtype);
	EXPECT_EQ(5, p.code);
	EXPECT_EQ(0, p.zero[0] | p.zero[1] | p.zero[2]);
	/* A 32-bit receiver gets the low half of the value, as QNX's 32-bit sigval holds. */
	EXPECT_EQ((__typeof__(p.value))0x1122334455667788ULL, p.value);
	EXPECT_GT(p.scoid, 0);
#if UINTPTR_MAX > UINT32_MAX
	EXPECT_EQ(0u, p.pad);
#endif

	/* Through libchan's MsgReceive too: 0 means a pulse. */
	ASSERT_EQ(0, send_pulse(self->coid, 1, 127, 9));
	memset(&p, 0, sizeof(p));
	EXPECT_EQ(0, MsgReceive(self->chid, &p, sizeof(p), NULL));
	EXPECT_EQ(127, p.code);
	EXPECT_EQ(9u, p.value);

	/* A short buffer gets the start of the pulse. */
	ASSERT_EQ(0, send_pulse(self->coid, 1, 3, 4));
	memset(&p, 0xaa, sizeof(p));
	ASSERT_EQ(0, receive(self->chid, &p, 5, 0, &bytes));
	EXPECT_EQ(5u, bytes);
	EXPECT_EQ(3, p.code);
	EXPECT_EQ(0xaa, p.zero[0]);
}

/* The QNX calls: struct _pulse, sival_int / sival_ptr, errno conventions. */
TEST_F(pulse, qnx_api)
{
	struct _pulse p;
	struct _msg_info info;

	memset(&info, 0x5a, sizeof(info));
	EXPECT_EQ(0, MsgSendPulse(self->coid, 1, _PULSE_CODE_MINAVAIL + 3, -5));
	EXPECT_EQ(0, MsgSendPulsePtr(self->coid, -1, 4, &p));
	ASSERT_EQ(0, MsgReceivePulse(self->chid, &p, sizeof(p), NULL));
	EXPECT_EQ(_PULSE_TYPE, p.type);
	EXPECT_EQ(_PULSE_SUBTYPE, p.subtype);
	EXPECT_EQ(3, p.code);
	EXPECT_EQ(-5, p.value.sival_int);
	ASSERT_EQ(0, MsgReceive(self->chid, &p, sizeof(p), &info));
	EXPECT_EQ(4, p.code);
	EXPECT_EQ((void *)&p, p.value.sival_ptr);
	EXPECT_EQ(0x5a5a5a5a, info.pid) TH_LOG("a pulse leaves info alone");

	errno = 0;
	EXPECT_EQ(-1, MsgSendPulse(self->coid, 0, _PULSE_CODE_MAXAVAIL + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, MsgSendPulse_r(self->coid, 0, -1, 0));
	EXPECT_EQ(-EBADF, MsgSendPulsePtr_r(_NTO_SIDE_CHANNEL + 999, 0, 1, NULL));
	EXPECT_EQ(-ESRCH, MsgReceivePulse_r(self->chid + 77, &p, sizeof(p), NULL));
}

struct receiver {
	int chid;
	uint32_t flags;
	int result;
	pulse_t p;
	_Atomic pid_t tid;
	_Atomic bool done;
	pthread_t t;
};

static void *receiver_fn(void *arg)
{
	struct receiver *r = arg;

	atomic_store(&r->tid, qt_gettid());
	r->result = receive(r->chid, &r->p, sizeof(r->p), r->flags, NULL);
	atomic_store(&r->done, true);
	return NULL;
}

static int receiver_join(struct receiver *r)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (!atomic_load(&r->done)) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return -pthread_join(r->t, NULL);
}

TEST_F(pulse, waiting_receiver_gets_the_pulse)
{
	struct receiver r = { .chid = self->chid };

	ASSERT_EQ(0, pthread_create(&r.t, NULL, receiver_fn, &r));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&r.tid)));
	ASSERT_EQ(0, send_pulse(self->coid, 0, 42, 7));
	ASSERT_EQ(0, receiver_join(&r));
	EXPECT_EQ(0, r.result);
	EXPECT_EQ(42, r.p.code);
	EXPECT_EQ(7u, r.p.value);
}

/* A client thread at a real-time priority (0: SCHED_OTHER) that sends @tag. */
struct prio_sender {
	int coid, prio;
	char tag[8];
	long status;
	_Atomic pid_t tid;
	pthread_t t;
};

static void *prio_sender_fn(void *arg)
{
	struct prio_sender *s = arg;
	struct sched_param sp = { .sched_priority = s->prio };

	if (s->prio && pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		s->status = -100;
	atomic_store(&s->tid, qt_gettid());
	if (!s->status)
		s->status = MsgSend(s->coid, s->tag, sizeof(s->tag), NULL, 0);
	return NULL;
}

static int prio_send_queued(struct prio_sender *s, int coid, int prio, const char *tag)
{
	s->coid = coid;
	s->prio = prio;
	snprintf(s->tag, sizeof(s->tag), "%s", tag);
	if (pthread_create(&s->t, NULL, prio_sender_fn, s))
		return -1;
	return qt_wait_blocked(getpid(), qt_wait_tid(&s->tid));
}

TEST_F(pulse, one_priority_order_with_messages)
{
	struct prio_sender m0 = { 0 }, m20 = { 0 };
	union {
		pulse_t p;
		char tag[8];
	} u;
	int rcvid;

	/* Queued in this order: message@0, pulse@10 code 1, pulse@0 code 2, message@20, pulse@20 code 3. */
	ASSERT_EQ(0, prio_send_queued(&m0, self->coid, 0, "m0"));
	ASSERT_EQ(0, send_pulse(self->coid, 10, 1, 0));
	ASSERT_EQ(0, send_pulse(self->coid, 0, 2, 0));
	ASSERT_EQ(0, prio_send_queued(&m20, self->coid, 20, "m20"));
	ASSERT_EQ(0, send_pulse(self->coid, 20, 3, 0));

	/* Higher priority first; FIFO within a priority, messages and pulses alike. */
	rcvid = receive(self->chid, &u, sizeof(u), 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("m20", u.tag);
	EXPECT_EQ(0, MsgReply(rcvid, 20, NULL, 0));
	ASSERT_EQ(0, receive(self->chid, &u, sizeof(u), 0, NULL));
	EXPECT_EQ(3, u.p.code);
	ASSERT_EQ(0, receive(self->chid, &u, sizeof(u), 0, NULL));
	EXPECT_EQ(1, u.p.code);
	rcvid = receive(self->chid, &u, sizeof(u), 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("m0", u.tag);
	EXPECT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, receive(self->chid, &u, sizeof(u), 0, NULL));
	EXPECT_EQ(2, u.p.code);

	pthread_join(m0.t, NULL);
	pthread_join(m20.t, NULL);
	EXPECT_EQ(0, m0.status);
	EXPECT_EQ(20, m20.status);
}

TEST_F(pulse, priority_minus_one_is_the_callers)
{
	struct prio_sender m20 = { 0 };
	struct sched_param sp = { .sched_priority = 30 }, old_sp;
	union {
		pulse_t p;
		char tag[8];
	} u;
	int rcvid, old_policy;

	ASSERT_EQ(0, prio_send_queued(&m20, self->coid, 20, "m20"));
	ASSERT_EQ(0, pthread_getschedparam(pthread_self(), &old_policy, &old_sp));
	ASSERT_EQ(0, pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp));
	EXPECT_EQ(0, send_pulse(self->coid, -1, 9, 0));
	ASSERT_EQ(0, pthread_setschedparam(pthread_self(), old_policy, &old_sp));
	/* The pulse went out at 30: ahead of the message at 20. */
	ASSERT_EQ(0, receive(self->chid, &u, sizeof(u), 0, NULL));
	EXPECT_EQ(9, u.p.code);
	rcvid = receive(self->chid, &u, sizeof(u), 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_EQ(0, MsgReply(rcvid, 20, NULL, 0));
	pthread_join(m20.t, NULL);
	EXPECT_EQ(20, m20.status);
}

TEST_F(pulse, receive_pulse_only_leaves_messages_queued)
{
	struct prio_sender m = { 0 };
	struct receiver r = { .chid = self->chid, .flags = QCHAN_RECEIVE_PULSE_ONLY };
	union {
		pulse_t p;
		char tag[8];
	} u;
	int rcvid;

	/* A message queued before a pulse: a pulse-only receive skips it. */
	ASSERT_EQ(0, prio_send_queued(&m, self->coid, 0, "msg"));
	ASSERT_EQ(0, send_pulse(self->coid, 0, 11, 0));
	ASSERT_EQ(0, receive(self->chid, &u, sizeof(u), QCHAN_RECEIVE_PULSE_ONLY, NULL));
	EXPECT_EQ(11, u.p.code);

	/* A waiting pulse-only receiver is never handed a message, but gets the next pulse. */
	ASSERT_EQ(0, pthread_create(&r.t, NULL, receiver_fn, &r));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&r.tid)));
	qt_sleep_ms(20);
	EXPECT_FALSE(atomic_load(&r.done));
	ASSERT_EQ(0, send_pulse(self->coid, 0, 12, 0));
	ASSERT_EQ(0, receiver_join(&r));
	EXPECT_EQ(0, r.result);
	EXPECT_EQ(12, r.p.code);

	/* The message is still there for a plain receive. */
	rcvid = receive(self->chid, &u, sizeof(u), 0, NULL);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("msg", u.tag);
	EXPECT_EQ(0, MsgReply(rcvid, 1, NULL, 0));
	pthread_join(m.t, NULL);
	EXPECT_EQ(1, m.status);
}

TEST_F(pulse, a_full_channel_gives_eagain)
{
	unsigned long old;
	pulse_t p;
	struct qt_stats now;

	ASSERT_EQ(0, qt_param_get("max_pulses", &old));
	ASSERT_EQ(0, qt_param_set("max_pulses", 4));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, send_pulse(self->coid, 0, i, i));
	EXPECT_EQ(-EAGAIN, send_pulse(self->coid, 0, 4, 4));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.pulses + 4, now.pulses);
	/* Taking one makes room for one. */
	ASSERT_EQ(0, receive(self->chid, &p, sizeof(p), 0, NULL));
	EXPECT_EQ(0, p.code);
	EXPECT_EQ(0, send_pulse(self->coid, 0, 5, 5));
	EXPECT_EQ(-EAGAIN, send_pulse(self->coid, 0, 6, 6));
	ASSERT_EQ(0, qt_param_set("max_pulses", old));
	/* Destroying the channel frees what is queued (the teardown checks the count). */
}

TEST_F(pulse, bad_arguments)
{
	struct qchan_pulse_send a = { .coid = self->coid };
	struct qt_stats now;

	EXPECT_EQ(-EINVAL, send_pulse(self->coid, 0, -1, 0));
	EXPECT_EQ(-EINVAL, send_pulse(self->coid, 0, 128, 0));
	EXPECT_EQ(-EINVAL, send_pulse(self->coid, -2, 0, 0));
	EXPECT_EQ(-EINVAL, send_pulse(self->coid, 256, 0, 0));
	a.flags = 1;
	EXPECT_EQ(-EINVAL, ioc(QCHAN_IOC_MSG_SEND_PULSE, &a));
	a.flags = 0;
	a.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, ioc(QCHAN_IOC_MSG_SEND_PULSE, &a));
	EXPECT_EQ(-EFAULT, ioc(QCHAN_IOC_MSG_SEND_PULSE, NULL));
	EXPECT_EQ(-EBADF, send_pulse(_NTO_SIDE_CHANNEL + 4321, 0, 0, 0));
	EXPECT_EQ(-EBADF, send_pulse(qchan_context_fd(), 0, 0, 0));
	EXPECT_EQ(-EINVAL, receive(self->chid, NULL, 0, 1U << 2, NULL));
	/* Nothing was queued by the failed calls. */
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.pulses, now.pulses);
}

TEST_F(pulse, dead_channel_and_dead_server)
{
	int pipefd[2], chid, coid;
	pid_t server;

	/* To a destroyed channel: QNX's EBADF ("no longer connected"), nothing queued. */
	ASSERT_EQ(0, ChannelDestroy(self->chid));
	self->chid = 0;
	EXPECT_EQ(-EBADF, send_pulse(self->coid, 0, 1, 0));

	/* A server killed with pulses queued frees them. */
	ASSERT_EQ(0, pipe(pipefd));
	server = fork();
	ASSERT_GE(server, 0);
	if (!server) {
		int c = ChannelCreate(0);

		if (c <= 0 || qt_write_int(pipefd[1], c))
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, qt_read_int(pipefd[0], &chid));
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(0, send_pulse(coid, 0, i, i));
	ASSERT_EQ(0, kill(server, SIGKILL));
	ASSERT_EQ(server, waitpid(server, NULL, 0));
	for (long long end = qt_now_ms() + QT_WAIT_MS; send_pulse(coid, 0, 0, 0) != -EBADF;) {
		ASSERT_LT(qt_now_ms(), end);
		qt_sleep_ms(1);
	}
	EXPECT_EQ(0, ConnectDetach(coid));
	close(pipefd[0]);
	close(pipefd[1]);
}

/*
 * Many senders, one receiver: every pulse arrives exactly once, in its
 * sender's order (FIFO within a priority), none lost or doubled.
 */
TEST_F(pulse, flood_from_processes_arrives_exactly_once)
{
	enum { PROCS = 4, EACH = 200 };
	unsigned char seen[PROCS][EACH] = { { 0 } };
	long last[PROCS];
	pid_t pids[PROCS], parent = getpid();
	pulse_t p;
	int got = 0;

	for (int i = 0; i < PROCS; i++) {
		last[i] = -1;
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (!pids[i]) {
			int coid = ConnectAttach(0, parent, self->chid, _NTO_SIDE_CHANNEL, 0);

			for (int n = 0; n < EACH; n++) {
				int err;

				while ((err = send_pulse(coid, 0, i, n)) == -EAGAIN)
					qt_sleep_ms(1);
				if (err)
					_exit(1);
			}
			_exit(0);
		}
	}
	while (got < PROCS * EACH) {
		ASSERT_EQ(0, receive(self->chid, &p, sizeof(p), 0, NULL));
		ASSERT_LT(p.code, PROCS);
		ASSERT_LT(p.value, (uint64_t)EACH);
		EXPECT_EQ(0, seen[p.code][p.value]);
		EXPECT_EQ(last[p.code] + 1, (long)p.value);
		last[p.code] = (long)p.value;
		seen[p.code][p.value]++;
		got++;
	}
	for (int i = 0; i < PROCS; i++)
		EXPECT_EQ(0, qt_child_result(pids[i]));
}

TEST_HARNESS_MAIN
