// SPDX-License-Identifier: GPL-2.0
/*
 * The unblock protocol and timeouts.  A signal with a handler or a timeout
 * releases a SEND-blocked client at once (never delivered) and a
 * REPLY-blocked one too, unless the channel has _NTO_CHF_UNBLOCK: then the
 * client stays blocked, the server gets one _PULSE_CODE_UNBLOCK pulse
 * (value: the rcvid, at the client's priority, outside max_pulses), MsgInfo
 * shows _NTO_MI_UNBLOCK_REQ, MsgRead/MsgWrite go on working and only the
 * reply releases the client, whose handler runs after its call returns.
 * TimerTimeout arms a one-shot timeout for the thread's next libchan call;
 * no ntime polls.  Clients in other processes (stopped, killed, or whose
 * server dies) are in msg_unblock_proc_test.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
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

#define MS	1000000ULL	/* ns */

/* A receive that does not block: the rcvid, 0 for a pulse, or -errno (-ETIMEDOUT: nothing). */
static int poll_receive(int chid, void *buf, size_t len, struct _msg_info *info)
{
	if (TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL))
		return -errno;
	return MsgReceive_r(chid, buf, len, info);
}

union rbuf {
	struct _pulse pulse;
	char text[32];
};

/* A client thread: optionally SCHED_FIFO, optionally with a TimerTimeout, sends "ping". */
struct client {
	pthread_t t;
	int coid;
	int prio;		/* SCHED_FIFO priority, 0: SCHED_OTHER */
	int tflags;		/* TimerTimeout flags, 0: none */
	uint64_t tns;		/* relative timeout; 0 with tflags: no ntime (poll) */
	char reply[16];
	_Atomic pid_t tid;
	_Atomic int done;
	long ret;
	int err;
	int usr1_seen;		/* handler runs counted when MsgSend returned */
	long long ms;		/* how long MsgSend took */
};

static void *client_fn(void *arg)
{
	struct client *c = arg;
	long long start;

	if (c->prio) {
		struct sched_param sp = { .sched_priority = c->prio };

		if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
			c->ret = -2;
			atomic_store(&c->done, 1);
			return NULL;
		}
	}
	atomic_store(&c->tid, qt_gettid());
	start = qt_now_ms();
	if (c->tflags && TimerTimeout(CLOCK_MONOTONIC, c->tflags, NULL, c->tns ? &c->tns : NULL,
				      NULL)) {
		c->ret = -3;
		atomic_store(&c->done, 1);
		return NULL;
	}
	c->ret = MsgSend(c->coid, "ping", 5, c->reply, sizeof(c->reply));
	c->err = c->ret == -1 ? errno : 0;
	c->ms = qt_now_ms() - start;
	c->usr1_seen = atomic_load(&qt_sig_count);
	atomic_store(&c->done, 1);
	return NULL;
}

static int client_start(struct client *c, int coid, int prio, int tflags, uint64_t tns)
{
	memset(c, 0, sizeof(*c));
	c->coid = coid;
	c->prio = prio;
	c->tflags = tflags;
	c->tns = tns;
	return -pthread_create(&c->t, NULL, client_fn, c);
}

/* Starts a client and waits until it sleeps in the module. */
static int client_start_blocked(struct client *c, int coid, int prio)
{
	pid_t tid;
	int err = client_start(c, coid, prio, 0, 0);

	if (err)
		return err;
	tid = qt_wait_tid(&c->tid);
	return tid ? qt_wait_blocked(getpid(), tid) : -ETIMEDOUT;
}

static int client_join(struct client *c)
{
	long long end = qt_now_ms() + QT_WAIT_MS;

	while (!atomic_load(&c->done)) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return -pthread_join(c->t, NULL);
}

/* The client is still blocked in the module a while after being asked to leave. */
static bool client_stays_blocked(struct client *c)
{
	qt_sleep_ms(50);
	return !atomic_load(&c->done) && qt_task_blocked_in_qchan(getpid(), atomic_load(&c->tid));
}

FIXTURE(ub) {
	struct qt_stats before;
	int chid;		/* _NTO_CHF_UNBLOCK */
	int coid;
	int plain_chid;		/* no flags */
	int plain_coid;
};

FIXTURE_SETUP(ub)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, qt_install_counting_handler(SIGUSR1));
	self->chid = ChannelCreate(_NTO_CHF_UNBLOCK);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
	self->plain_chid = ChannelCreate(0);
	ASSERT_GT(self->plain_chid, 0);
	self->plain_coid = ConnectAttach(0, 0, self->plain_chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->plain_coid, (int)_NTO_SIDE_CHANNEL);
}

FIXTURE_TEARDOWN(ub)
{
	struct qt_stats now;

	ConnectDetach(self->coid);
	ConnectDetach(self->plain_coid);
	ChannelDestroy(self->chid);
	ChannelDestroy(self->plain_chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld pulses %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight,
		       self->before.pulses, now.pulses);
}

/* The whole protocol on one message: pulse, MsgInfo, MsgRead/MsgWrite, reply, handler after. */
TEST_F(ub, signal_sends_one_pulse_and_the_reply_releases)
{
	struct _msg_info info;
	union rbuf buf;
	struct client c;
	struct qt_stats now;
	char probe[8];
	int rcvid;

	ASSERT_EQ(0, client_start_blocked(&c, self->coid, 0));
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("ping", buf.text);
	EXPECT_FALSE((info.flags & _NTO_MI_UNBLOCK_REQ) != 0);

	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(_PULSE_TYPE, buf.pulse.type);
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, buf.pulse.code);
	EXPECT_EQ(rcvid, buf.pulse.value.sival_int);
	EXPECT_EQ(info.scoid, buf.pulse.scoid);
	EXPECT_TRUE(client_stays_blocked(&c));
	EXPECT_EQ(0, atomic_load(&qt_sig_count)) TH_LOG("the handler ran while the send was blocked");

	ASSERT_EQ(0, MsgInfo(rcvid, &info));
	EXPECT_TRUE((info.flags & _NTO_MI_UNBLOCK_REQ) != 0);
	EXPECT_EQ(4, MsgRead(rcvid, probe, 4, 1));
	EXPECT_EQ(0, memcmp(probe, "ing", 4));
	EXPECT_EQ(3, MsgWrite(rcvid, "abc", 3, 0));

	/* A second signal: no second pulse. */
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	EXPECT_TRUE(client_stays_blocked(&c));
	EXPECT_EQ(-ETIMEDOUT, poll_receive(self->chid, &buf, sizeof(buf), NULL));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.pulses, now.pulses);

	ASSERT_EQ(0, MsgReply(rcvid, 77, NULL, 0));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(77, c.ret);
	EXPECT_STREQ("abc", c.reply);
	EXPECT_GE(c.usr1_seen, 1) TH_LOG("the handler runs once the call returns");
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
}

/* The server may answer the unblock request with an error of its choice. */
TEST_F(ub, server_answers_with_an_error)
{
	union rbuf buf;
	struct client c;
	int rcvid;

	ASSERT_EQ(0, client_start_blocked(&c, self->coid, 0));
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
	ASSERT_EQ(_PULSE_CODE_UNBLOCK, buf.pulse.code);
	ASSERT_EQ(0, MsgError(buf.pulse.value.sival_int, EINTR));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
}

/* A reply before the pulse is received withdraws it: no pulse names a finished rcvid. */
TEST_F(ub, reply_withdraws_a_pulse_not_yet_received)
{
	union rbuf buf;
	struct client c;
	struct qt_stats now;
	int rcvid;

	ASSERT_EQ(0, client_start_blocked(&c, self->coid, 0));
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_TRUE(client_stays_blocked(&c));
	ASSERT_EQ(0, qt_stats_read(&now));
	EXPECT_EQ(self->before.pulses + 1, now.pulses);
	ASSERT_EQ(0, MsgReply(rcvid, 1, NULL, 0));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(1, c.ret);
	EXPECT_EQ(-ETIMEDOUT, poll_receive(self->chid, &buf, sizeof(buf), NULL));
}

/* Without _NTO_CHF_UNBLOCK the signal ends the send at once; the rcvid is gone. */
TEST_F(ub, without_the_flag_eintr_at_once)
{
	union rbuf buf;
	struct client c;
	int rcvid;

	ASSERT_EQ(0, client_start_blocked(&c, self->plain_coid, 0));
	rcvid = MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
	EXPECT_EQ(-ETIMEDOUT, poll_receive(self->plain_chid, &buf, sizeof(buf), NULL));
}

/* A SEND-blocked client unblocks at once, flag or not, and its message is never delivered. */
TEST_F(ub, send_blocked_client_leaves_at_once)
{
	union rbuf buf;
	struct client c;

	ASSERT_EQ(0, client_start_blocked(&c, self->coid, 0));
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(EINTR, c.err);
	EXPECT_EQ(-ETIMEDOUT, poll_receive(self->chid, &buf, sizeof(buf), NULL));
}

/* The unblock pulse goes at the client's priority, FIFO with the pulses of that priority. */
TEST_F(ub, pulse_takes_the_clients_priority)
{
	static const int want[] = { 2, 3, _PULSE_CODE_UNBLOCK, 1 };
	union rbuf buf;
	struct client c;
	int rcvid;

	ASSERT_EQ(0, client_start_blocked(&c, self->coid, 20));
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgSendPulse(self->coid, 10, 1, 0));
	ASSERT_EQ(0, MsgSendPulse(self->coid, 30, 2, 0));
	ASSERT_EQ(0, MsgSendPulse(self->coid, 20, 3, 0));
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_TRUE(client_stays_blocked(&c));
	for (unsigned int i = 0; i < ARRAY_SIZE(want); i++) {
		ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
		EXPECT_EQ(want[i], buf.pulse.code) TH_LOG("pulse %u", i);
	}
	ASSERT_EQ(0, MsgReply(rcvid, 5, NULL, 0));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(5, c.ret);
}

/* A channel full of a process's pulses still takes the kernel's unblock pulse. */
TEST_F(ub, pulse_flood_does_not_hold_back_the_unblock_pulse)
{
	union rbuf buf;
	struct client c;
	unsigned long old;
	int rcvid;

	ASSERT_EQ(0, qt_param_get("max_pulses", &old));
	ASSERT_EQ(0, client_start_blocked(&c, self->coid, 0));
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_param_set("max_pulses", 4));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, MsgSendPulse(self->coid, 0, i, i));
	EXPECT_EQ(-EAGAIN, MsgSendPulse_r(self->coid, 0, 4, 4));
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_TRUE(client_stays_blocked(&c));
	EXPECT_EQ(-EAGAIN, MsgSendPulse_r(self->coid, 0, 5, 5)) TH_LOG("the budget is unchanged");
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
		EXPECT_EQ(i, buf.pulse.code);
	}
	ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, buf.pulse.code);
	EXPECT_EQ(rcvid, buf.pulse.value.sival_int);
	ASSERT_EQ(0, qt_param_set("max_pulses", old));
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(0, c.ret);
}

/* A waiting receiver is handed the unblock pulse directly. */
struct receiver {
	pthread_t t;
	int chid;
	int ret;
	union rbuf buf;
	_Atomic pid_t tid;
};

static void *receiver_fn(void *arg)
{
	struct receiver *r = arg;

	atomic_store(&r->tid, qt_gettid());
	r->ret = MsgReceivePulse_r(r->chid, &r->buf, sizeof(r->buf), NULL);
	return NULL;
}

TEST_F(ub, waiting_receiver_gets_the_pulse)
{
	struct receiver r = { .chid = self->chid };
	union rbuf buf;
	struct client c;
	int rcvid;

	ASSERT_EQ(0, client_start_blocked(&c, self->coid, 0));
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, pthread_create(&r.t, NULL, receiver_fn, &r));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&r.tid)));
	ASSERT_EQ(0, pthread_kill(c.t, SIGUSR1));
	ASSERT_EQ(0, pthread_join(r.t, NULL));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, r.buf.pulse.code);
	EXPECT_EQ(rcvid, r.buf.pulse.value.sival_int);
	ASSERT_EQ(0, MsgReply(rcvid, 3, NULL, 0));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(3, c.ret);
}

/* ---- timeouts ---- */

/* A SEND timeout: ETIMEDOUT after the time, never delivered, with or without the flag. */
TEST_F(ub, send_timeout)
{
	int coids[] = { self->coid, self->plain_coid }, chids[] = { self->chid, self->plain_chid };
	union rbuf buf;
	struct client c;

	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, client_start(&c, coids[i], 0, _NTO_TIMEOUT_SEND, 100 * MS));
		ASSERT_EQ(0, client_join(&c));
		EXPECT_EQ(-1, c.ret);
		EXPECT_EQ(ETIMEDOUT, c.err);
		EXPECT_GE(c.ms, 100);
		EXPECT_EQ(-ETIMEDOUT, poll_receive(chids[i], &buf, sizeof(buf), NULL));
	}
}

/* No ntime: a send that finds no waiting server fails at once and is never delivered. */
TEST_F(ub, send_without_ntime_does_not_queue)
{
	union rbuf buf;
	struct client c;

	ASSERT_EQ(0, client_start(&c, self->plain_coid, 0, _NTO_TIMEOUT_SEND, 0));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(ETIMEDOUT, c.err);
	EXPECT_EQ(-ETIMEDOUT, poll_receive(self->plain_chid, &buf, sizeof(buf), NULL));
}

/* A REPLY timeout without the flag: ETIMEDOUT, and the rcvid is gone. */
TEST_F(ub, reply_timeout_without_the_flag)
{
	union rbuf buf;
	struct client c;
	int rcvid;

	ASSERT_EQ(0, client_start(&c, self->plain_coid, 0, _NTO_TIMEOUT_REPLY, 150 * MS));
	rcvid = MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(ETIMEDOUT, c.err);
	EXPECT_GE(c.ms, 150);
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
}

/* A REPLY timeout with the flag: the unblock pulse, and the client waits for the reply. */
TEST_F(ub, reply_timeout_with_the_flag_asks_the_server)
{
	struct _msg_info info;
	union rbuf buf;
	struct client c;
	int rcvid;

	ASSERT_EQ(0, client_start(&c, self->coid, 0, _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY,
				  100 * MS));
	rcvid = MsgReceive(self->chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReceive(self->chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(_PULSE_CODE_UNBLOCK, buf.pulse.code);
	EXPECT_EQ(rcvid, buf.pulse.value.sival_int);
	ASSERT_EQ(0, MsgInfo(rcvid, &info));
	EXPECT_TRUE((info.flags & _NTO_MI_UNBLOCK_REQ) != 0);
	EXPECT_TRUE(client_stays_blocked(&c));
	ASSERT_EQ(0, MsgReply(rcvid, 9, "late", 5));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(9, c.ret);
	EXPECT_STREQ("late", c.reply);
	EXPECT_EQ(0, c.usr1_seen);
}

/* A timeout for the REPLY state only does not limit the SEND-blocked wait. */
TEST_F(ub, timeout_covers_only_its_states)
{
	union rbuf buf;
	struct client c;
	int rcvid;

	ASSERT_EQ(0, client_start(&c, self->plain_coid, 0, _NTO_TIMEOUT_REPLY, 50 * MS));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&c.tid)));
	qt_sleep_ms(150);
	ASSERT_FALSE(atomic_load(&c.done));
	rcvid = MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(ETIMEDOUT, c.err) TH_LOG("the REPLY timeout starts counting from the arming");
	EXPECT_EQ(-ESRCH, MsgReply_r(rcvid, 0, NULL, 0));
}

/* Non-blocking receive: ETIMEDOUT when nothing is queued, else what is queued. */
TEST_F(ub, receive_without_ntime_polls)
{
	struct _msg_info info;
	union rbuf buf;
	struct client c;
	int rcvid;

	EXPECT_EQ(-ETIMEDOUT, poll_receive(self->plain_chid, &buf, sizeof(buf), NULL));
	ASSERT_EQ(0, TimerTimeout(CLOCK_REALTIME, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL));
	EXPECT_EQ(-ETIMEDOUT, MsgReceivePulse_r(self->plain_chid, &buf, sizeof(buf), NULL));

	ASSERT_EQ(0, MsgSendPulse(self->plain_coid, 1, 12, 34));
	ASSERT_EQ(0, poll_receive(self->plain_chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(12, buf.pulse.code);

	ASSERT_EQ(0, client_start_blocked(&c, self->plain_coid, 0));
	rcvid = poll_receive(self->plain_chid, &buf, sizeof(buf), &info);
	ASSERT_GT(rcvid, 0);
	EXPECT_STREQ("ping", buf.text);
	ASSERT_EQ(0, MsgReply(rcvid, 2, NULL, 0));
	ASSERT_EQ(0, client_join(&c));
	EXPECT_EQ(2, c.ret);

	/* The receive half of MsgReplyReceive takes the timeout too. */
	iov_t iov;

	SETIOV(&iov, &buf, sizeof(buf));
	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL));
	EXPECT_EQ(-ETIMEDOUT, MsgReplyReceive_r(0, 0, NULL, 0, self->plain_chid, &iov, 1, NULL));
}

/* A relative and an absolute (TIMER_ABSTIME, CLOCK_REALTIME) receive timeout. */
TEST_F(ub, receive_timeout_relative_and_absolute)
{
	union rbuf buf;
	struct timespec now;
	uint64_t ns = 100 * MS, abs;
	long long start = qt_now_ms();

	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL));
	EXPECT_EQ(-1, MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_GE(qt_now_ms() - start, 100);

	clock_gettime(CLOCK_REALTIME, &now);
	abs = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec + 100 * MS;
	start = qt_now_ms();
	ASSERT_EQ(0, TimerTimeout(CLOCK_REALTIME, _NTO_TIMEOUT_RECEIVE | TIMER_ABSTIME, NULL,
				  &abs, NULL));
	EXPECT_EQ(-ETIMEDOUT, MsgReceive_r(self->plain_chid, &buf, sizeof(buf), NULL));
	EXPECT_GE(qt_now_ms() - start, 90);
}

/* A blocked receive that times out leaves the channel ready for the next one. */
struct timed_receiver {
	pthread_t t;
	int chid;
	int tflags;
	uint64_t ns;
	bool clear_first;	/* make another libchan call between TimerTimeout and the receive */
	int ret;
	union rbuf buf;
	_Atomic pid_t tid;
	_Atomic int done;
};

static void *timed_receiver_fn(void *arg)
{
	struct timed_receiver *r = arg;
	struct _msg_info info;

	atomic_store(&r->tid, qt_gettid());
	TimerTimeout(CLOCK_MONOTONIC, r->tflags, NULL, r->ns ? &r->ns : NULL, NULL);
	if (r->clear_first)
		MsgInfo_r(-1, &info);
	r->ret = MsgReceive_r(r->chid, &r->buf, sizeof(r->buf), NULL);
	atomic_store(&r->done, 1);
	return NULL;
}

/* One-shot, for its states, cleared by the next libchan call whatever it is. */
TEST_F(ub, timeout_is_one_shot_and_cleared_by_the_next_call)
{
	struct timed_receiver cases[] = {
		{ .tflags = _NTO_TIMEOUT_RECEIVE, .clear_first = true },
		{ .tflags = _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY },
		{ .tflags = 0, .ns = 1 },
	};
	union rbuf buf;

	/* Used by the first receive, gone for the second. */
	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL));
	EXPECT_EQ(-ETIMEDOUT, MsgReceive_r(self->plain_chid, &buf, sizeof(buf), NULL));

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct timed_receiver *r = &cases[i];

		r->chid = self->plain_chid;
		ASSERT_EQ(0, pthread_create(&r->t, NULL, timed_receiver_fn, r));
		ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&r->tid))) TH_LOG("case %u", i);
		qt_sleep_ms(30);
		EXPECT_FALSE(atomic_load(&r->done)) TH_LOG("case %u did not block", i);
		ASSERT_EQ(0, MsgSendPulse(self->plain_coid, 0, 40 + i, 0));
		ASSERT_EQ(0, pthread_join(r->t, NULL));
		EXPECT_EQ(0, r->ret);
		EXPECT_EQ((int)(40 + i), r->buf.pulse.code);
	}
}

static void ub_noop_handler(int sig)
{
	(void)sig;
}

/* Sends SIGUSR2 to the thread *arg after 100 ms. */
static void *ub_kill_after_100ms(void *arg)
{
	qt_sleep_ms(100);
	pthread_kill(*(pthread_t *)arg, SIGUSR2);
	return NULL;
}

/*
 * QNX returns the flags of a timeout armed before and not used, and writes
 * otime only for _NTO_TIMEOUT_NANOSLEEP (openqnx ker_timer.c): the armed
 * timeout still works after being replaced, and a receive uses it up.
 */
TEST_F(ub, returns_previous_flags)
{
	uint64_t ns = 2000 * MS, left = 12345;
	union rbuf buf;

	EXPECT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, &left));
	EXPECT_EQ(12345u, left) TH_LOG("otime is for _NTO_TIMEOUT_NANOSLEEP only");
	ns = 1;
	EXPECT_EQ((int)_NTO_TIMEOUT_RECEIVE,
		  TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE | _NTO_TIMEOUT_SEND, NULL, &ns,
			       NULL));
	EXPECT_EQ(-1, MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, 0, NULL, NULL, NULL))
		TH_LOG("the receive used the timeout up");
	/* flags without states disarm: the next receive blocks, so send it something first. */
	EXPECT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &ns, NULL));
	EXPECT_EQ((int)_NTO_TIMEOUT_RECEIVE, TimerTimeout(CLOCK_MONOTONIC, 0, NULL, NULL, NULL));
	ASSERT_EQ(0, MsgSendPulse(self->plain_coid, 0, 1, 0));
	EXPECT_EQ(0, MsgReceive(self->plain_chid, &buf, sizeof(buf), NULL));
}

/* _NTO_TIMEOUT_NANOSLEEP sleeps at once; a signal ends it with EINTR and what was left. */
TEST_F(ub, nanosleep_state)
{
	uint64_t ns = 50 * MS, left = 0;
	long long start = qt_now_ms();
	struct sigaction sa;
	pthread_t self_t = pthread_self();
	pthread_t killer;

	EXPECT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_NANOSLEEP, NULL, &ns, &left));
	EXPECT_GE(qt_now_ms() - start, 50);
	EXPECT_EQ(0u, left);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ub_noop_handler;
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&killer, NULL, ub_kill_after_100ms, &self_t));
	ns = 20000 * MS;
	EXPECT_EQ(-1, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_NANOSLEEP, NULL, &ns, &left));
	EXPECT_EQ(EINTR, errno);
	EXPECT_GT(left, 10000 * MS);
	EXPECT_LT(left, 20000 * MS);
	ASSERT_EQ(0, pthread_join(killer, NULL));
	signal(SIGUSR2, SIG_DFL);
}

/* Bad arguments: EINVAL, and nothing changes (the armed timeout, the queue). */
TEST_F(ub, bad_arguments)
{
	struct qchan_msg_send s;
	struct qchan_msg_receive r;
	struct sigevent ev;
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	union rbuf buf;
	int fd = qchan_context_fd();

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, TimerTimeout_r(CLOCK_PROCESS_CPUTIME_ID, _NTO_TIMEOUT_RECEIVE, NULL,
					  NULL, NULL));
	EXPECT_EQ(-EINVAL, TimerTimeout_r(42, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, TimerTimeout_r(CLOCK_MONOTONIC, 1 << 13, NULL, NULL, NULL))
		TH_LOG("_NTO_TIMEOUT_MUTEX is not implemented");
	EXPECT_EQ(-EINVAL, TimerTimeout_r(CLOCK_MONOTONIC, 1 << 31, NULL, NULL, NULL));
	EXPECT_EQ(-EINVAL, TimerTimeout_r(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, &ev, NULL, NULL));
	errno = 0;
	EXPECT_EQ(-1, TimerTimeout(CLOCK_MONOTONIC, 1 << 3, NULL, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Still armed: the receive polls. */
	EXPECT_EQ(-ETIMEDOUT, MsgReceive_r(self->plain_chid, &buf, sizeof(buf), NULL));
	ev.sigev_notify = SIGEV_UNBLOCK;
	EXPECT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, &ev, NULL, NULL));
	EXPECT_EQ(-ETIMEDOUT, MsgReceive_r(self->plain_chid, &buf, sizeof(buf), NULL));

	/* The kernel's side: clocks, deadlines, flags. */
	memset(&s, 0, sizeof(s));
	s.coid = self->plain_coid;
	s.send_parts = 1;
	s.send_iov_ptr = (uintptr_t)&iov;
	s.flags = QCHAN_SEND_TIMEOUT_SEND;
	s.timeout_clock = CLOCK_PROCESS_CPUTIME_ID;
	EXPECT_EQ(-1, ioctl(fd, QCHAN_IOC_MSG_SEND, &s));
	EXPECT_EQ(EINVAL, errno);
	s.timeout_clock = CLOCK_MONOTONIC;
	s.timeout = -1;
	EXPECT_EQ(-1, ioctl(fd, QCHAN_IOC_MSG_SEND, &s));
	EXPECT_EQ(EINVAL, errno);
	s.flags = QCHAN_SEND_FINISH;	/* with no cookie */
	s.timeout = 0;
	s.timeout_clock = 0;
	EXPECT_EQ(-1, ioctl(fd, QCHAN_IOC_MSG_SEND, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ETIMEDOUT, poll_receive(self->plain_chid, &buf, sizeof(buf), NULL))
		TH_LOG("a rejected send was queued");

	memset(&r, 0, sizeof(r));
	r.chid = self->plain_chid;
	r.flags = QCHAN_RECEIVE_TIMEOUT;
	r.timeout_clock = 7;
	EXPECT_EQ(-1, ioctl(fd, QCHAN_IOC_MSG_RECEIVE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.timeout_clock = CLOCK_REALTIME;
	r.timeout = -5;
	EXPECT_EQ(-1, ioctl(fd, QCHAN_IOC_MSG_RECEIVE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.timeout = 0;
	r.reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, QCHAN_IOC_MSG_RECEIVE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.reserved = 0;
	EXPECT_EQ(-1, ioctl(fd, QCHAN_IOC_MSG_RECEIVE, &r));
	EXPECT_EQ(ETIMEDOUT, errno) TH_LOG("the fixed block polls");
}

/*
 * _NTO_TIMEOUT_JOIN: the thread's next pthread_join fails with ETIMEDOUT at
 * the deadline (this file is built with the libc overlay, whose <pthread.h>
 * makes pthread_join libchan's).
 */
static void *wait_on_pipe(void *arg)
{
	char c;

	return read(*(int *)arg, &c, 1) == 1 ? arg : NULL;
}

TEST(join_timeout)
{
	uint64_t ns = 50 * MS;
	int pipefd[2];
	pthread_t t;
	void *ret = NULL;
	long long start;

	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_on_pipe, &pipefd[0]));
	start = qt_now_ms();
	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_JOIN, NULL, &ns, NULL));
	EXPECT_EQ(ETIMEDOUT, pthread_join(t, &ret));
	EXPECT_GE(qt_now_ms() - start, 50);
	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_JOIN, NULL, NULL, NULL));
	EXPECT_EQ(ETIMEDOUT, pthread_join(t, &ret)) TH_LOG("no ntime: poll");
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	EXPECT_EQ(0, pthread_join(t, &ret)) TH_LOG("the timeout was one-shot");
	EXPECT_EQ(&pipefd[0], ret);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
