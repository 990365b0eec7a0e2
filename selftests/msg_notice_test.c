// SPDX-License-Identifier: GPL-2.0
/*
 * _NTO_CHF_DISCONNECT: a server hears of a client process once all its
 * connections to the channel are gone (ConnectDetach, close, exit, exec,
 * kill -9): one _PULSE_CODE_DISCONNECT whose scoid is the one the client's
 * messages carried, shared by all of that process's connections to the
 * channel.  The scoid stays the client's until the server's
 * ConnectDetach(scoid), and is never one of the server's own coids.
 * Without the flag nothing is sent and the scoid goes with the client's
 * last connection.
 *
 * The pulse takes its place in the one priority order and is never held
 * back by a flood of process pulses; every test ends with the module's
 * counters (channels, connections, server connections, pulses, messages)
 * back where they were.  _NTO_CHF_COID_DISCONNECT: msg_coiddeath_test.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "notice_util.h"

/*
 * The exec'd image: sends on the connection that survived exec (if any),
 * then on a new side-channel connection, reports, and exits.
 */
static int exec_helper(int argc, char **argv)
{
	int server, chid, keep, res, coid;

	if (argc != 6)
		return 60;
	server = atoi(argv[2]);
	chid = atoi(argv[3]);
	keep = atoi(argv[4]);
	res = atoi(argv[5]);
	if (qt_write_int(res, 1))
		return 61;
	if (keep >= 0 && MsgSend(keep, "kept", 5, NULL, 0))
		return 62;
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0 || MsgSend(coid, "new", 4, NULL, 0))
		return 63;
	return 0;
}


/* Our channel with @flags, our sentinel connection to it, and a client process of it. */
static int serve(FIXTURE_DATA(notice) *self, unsigned int flags)
{
	self->chid = ChannelCreate(flags);
	if (self->chid <= 0)
		return -errno;
	self->me = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	if (self->me < 0)
		return -errno;
	return client_start(&self->c, getpid(), self->chid);
}

/* The client sends on @coid, we serve it: the scoid its message carried, or -errno. */
static int scoid_of(FIXTURE_DATA(notice) *self, int coid)
{
	struct _msg_info info;
	int scoid, res;

	if (client_cmd(&self->c, C_SEND, coid))
		return -EIO;
	scoid = serve_one(self->chid, &info);
	if (client_res(&self->c, &res))
		return -EIO;
	if (scoid >= 0 && info.coid != coid)
		return -EPROTO;
	return res ? -EPROTO : scoid;
}

/* Receives the one DISCONNECT expected on @chid, and checks it names @scoid. */
static int expect_disconnect(int chid, int scoid)
{
	struct _pulse p;
	int code = receive_pulse(chid, &p);

	if (code != _PULSE_CODE_DISCONNECT)
		return code < 0 ? code : -EPROTO;
	if (p.type != _PULSE_TYPE || p.subtype != _PULSE_SUBTYPE || p.value.sival_int != 0)
		return -EPROTO;
	return p.scoid == scoid ? 0 : -EBADSLT;
}

static long scons_now(void)
{
	struct qt_stats s;

	return qt_stats_read(&s) ? -1 : s.server_connections;
}

/* ---- _NTO_CHF_DISCONNECT ---- */

/*
 * One process, three connections (two side, one fd): one scoid for all of
 * them, as in QNX; another process has its own.  The DISCONNECT comes after
 * the last detach, not before, and only once.
 */
TEST_F(notice, disconnect_after_the_last_of_several_connections)
{
	struct _msg_info info;
	int s1, s2, f1, scoid, other, res;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	s2 = client_do(&self->c, C_ATTACH_SIDE, 0);
	f1 = client_do(&self->c, C_ATTACH_FD, 0);
	ASSERT_GE(s1, (int)_NTO_SIDE_CHANNEL);
	ASSERT_GE(s2, (int)_NTO_SIDE_CHANNEL);
	ASSERT_GE(f1, 0);
	ASSERT_LT(f1, (int)_NTO_SIDE_CHANNEL);

	scoid = scoid_of(self, s1);
	ASSERT_GE(scoid, (int)_NTO_SIDE_CHANNEL) TH_LOG("a scoid is in the side-channel range");
	EXPECT_EQ(scoid, scoid_of(self, s2));
	EXPECT_EQ(scoid, scoid_of(self, f1));

	/* Another process: another scoid. */
	ASSERT_EQ(0, client_start(&self->c2, getpid(), self->chid));
	other = client_do(&self->c2, C_ATTACH_SIDE, 0);
	ASSERT_GE(other, 0);
	ASSERT_EQ(0, client_cmd(&self->c2, C_SEND, other));
	other = serve_one(self->chid, &info);
	EXPECT_GT(other, 0);
	EXPECT_NE(scoid, other);
	EXPECT_EQ(self->c2.pid, info.pid);
	EXPECT_EQ(0, client_res(&self->c2, &res));
	EXPECT_EQ(0, client_exit(&self->c2));
	EXPECT_EQ(0, expect_disconnect(self->chid, other));
	EXPECT_EQ(0, ConnectDetach(other));

	EXPECT_EQ(0, client_do(&self->c, C_DETACH, s2));
	EXPECT_TRUE(nothing_pending(self->chid, self->me)) TH_LOG("DISCONNECT before the last");
	EXPECT_EQ(0, client_do(&self->c, C_CLOSE, f1));
	EXPECT_TRUE(nothing_pending(self->chid, self->me)) TH_LOG("DISCONNECT before the last");
	EXPECT_EQ(scoid, scoid_of(self, s1)) TH_LOG("the scoid is the process's, not a connection's");
	EXPECT_EQ(0, client_do(&self->c, C_DETACH, s1));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me)) TH_LOG("more than one DISCONNECT");
	EXPECT_EQ(0, ConnectDetach(scoid));
}

/* The last connection being an fd that the client closes. */
TEST_F(notice, disconnect_on_close)
{
	int f1, scoid;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	f1 = client_do(&self->c, C_ATTACH_FD, _NTO_COF_CLOEXEC);
	ASSERT_GE(f1, 0);
	scoid = scoid_of(self, f1);
	ASSERT_GT(scoid, 0);
	EXPECT_EQ(0, client_do(&self->c, C_CLOSE, f1));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	EXPECT_EQ(0, ConnectDetach(scoid));
	EXPECT_EQ(0, client_exit(&self->c));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
}

/* A client that exits with connections of both kinds open. */
TEST_F(notice, disconnect_on_exit)
{
	int s1, f1, scoid;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	f1 = client_do(&self->c, C_ATTACH_FD, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	scoid = scoid_of(self, f1);
	ASSERT_GT(scoid, 0);
	EXPECT_EQ(0, client_exit(&self->c));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me)) TH_LOG("one DISCONNECT per process");
	EXPECT_EQ(0, ConnectDetach(scoid));
}

/*
 * exec ends the side-channel connections (they live in the context) and
 * the CLOEXEC fd ones: the server hears of it before the new image runs.
 * The new image's own connection is a new client for the server: a new
 * scoid, and its exit a second DISCONNECT.
 */
TEST_F(notice, disconnect_on_exec)
{
	int s1, f1, scoid, scoid2, n;
	struct _msg_info info;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	f1 = client_do(&self->c, C_ATTACH_FD, _NTO_COF_CLOEXEC);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	scoid = scoid_of(self, s1);
	ASSERT_GT(scoid, 0);
	ASSERT_EQ(0, client_cmd(&self->c, C_EXEC, -1));
	ASSERT_EQ(0, client_res(&self->c, &n));		/* the new image runs */
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));

	scoid2 = serve_one(self->chid, &info);
	EXPECT_GT(scoid2, 0);
	EXPECT_NE(scoid, scoid2) TH_LOG("the old scoid is still held: not reused");
	EXPECT_EQ(0, client_wait(&self->c));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid2));
	EXPECT_EQ(0, ConnectDetach(scoid));
	EXPECT_EQ(0, ConnectDetach(scoid2));
}

/*
 * An fd connection without CLOEXEC survives exec: the process still has a
 * connection, so no DISCONNECT; the new image's new connection shares its
 * scoid; its exit ends them both, with one DISCONNECT.
 */
TEST_F(notice, exec_keeps_an_fd_connection_and_its_scoid)
{
	int s1, f1, scoid, n;
	struct _msg_info info;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	f1 = client_do(&self->c, C_ATTACH_FD, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	scoid = scoid_of(self, f1);
	ASSERT_GT(scoid, 0);
	ASSERT_EQ(0, client_cmd(&self->c, C_EXEC, f1));
	ASSERT_EQ(0, client_res(&self->c, &n));

	EXPECT_EQ(scoid, serve_one(self->chid, &info));		/* on the kept fd */
	EXPECT_EQ(f1, info.coid);
	EXPECT_EQ(scoid, serve_one(self->chid, &info)) TH_LOG("the same process: the same scoid");
	EXPECT_EQ(0, client_wait(&self->c));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(0, ConnectDetach(scoid));
}

/* kill -9 of a client REPLY-blocked on one connection, with another open. */
TEST_F(notice, disconnect_on_kill_reply_blocked)
{
	union msgbuf m;
	struct _msg_info info;
	int s1, f1, rcvid;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	f1 = client_do(&self->c, C_ATTACH_FD, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	ASSERT_EQ(0, client_cmd(&self->c, C_SEND, f1));
	rcvid = receive_timed(self->chid, &m, &info);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(self->c.pid));
	EXPECT_EQ(0, client_kill(&self->c));
	EXPECT_EQ(0, expect_disconnect(self->chid, info.scoid));
	EXPECT_EQ(-1, MsgReply(rcvid, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(0, ConnectDetach(info.scoid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
}

/* kill -9 of a client SEND-blocked: its message is gone, the DISCONNECT comes instead. */
TEST_F(notice, disconnect_on_kill_send_blocked)
{
	int s1, scoid;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(s1, 0);
	scoid = scoid_of(self, s1);
	ASSERT_GT(scoid, 0);
	ASSERT_EQ(0, client_cmd(&self->c, C_SEND, s1));
	ASSERT_EQ(0, qt_wait_in_flight(self->before.msgs_in_flight + 1));
	ASSERT_EQ(0, qt_wait_proc_blocked(self->c.pid));
	EXPECT_EQ(0, client_kill(&self->c));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me)) TH_LOG("the killed client's message");
	EXPECT_EQ(0, ConnectDetach(scoid));
}

/*
 * The scoid stays valid - the client's, not reused, refused by
 * ConnectDetach while the client is connected - until the server's
 * ConnectDetach(scoid); then it is gone.  It is never one of the server's
 * own side-channel coids.
 */
TEST_F(notice, scoid_is_held_until_the_server_detaches_it)
{
	int s1, scoid, mine[8], again, scoid2;
	long scons;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(s1, 0);
	scoid = scoid_of(self, s1);
	ASSERT_GT(scoid, 0);
	EXPECT_NE(scoid, self->me);

	/* While the client is connected: EINVAL, and nothing changes. */
	EXPECT_EQ(-EINVAL, ConnectDetach_r(scoid));
	EXPECT_EQ(scoid, scoid_of(self, s1));

	EXPECT_EQ(0, client_do(&self->c, C_DETACH, s1));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	scons = scons_now();

	/* Held: none of our new side coids, no new client's scoid takes it. */
	for (int i = 0; i < 8; i++) {
		mine[i] = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
		EXPECT_GE(mine[i], (int)_NTO_SIDE_CHANNEL);
		EXPECT_NE(scoid, mine[i]);
	}
	again = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(again, 0);
	scoid2 = scoid_of(self, again);
	EXPECT_GT(scoid2, 0);
	EXPECT_NE(scoid, scoid2) TH_LOG("a new connection of the process: a new scoid");
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(0, ConnectDetach(mine[i]));
	EXPECT_EQ(scons + 1, scons_now());

	/* The server lets go: once. */
	EXPECT_EQ(0, ConnectDetach(scoid));
	EXPECT_EQ(scons, scons_now());
	EXPECT_EQ(-EINVAL, ConnectDetach_r(scoid));
	/* A number none of our tables holds. */
	EXPECT_EQ(-EINVAL, ConnectDetach_r(scoid2 + 1000));
	EXPECT_EQ(0, client_do(&self->c, C_DETACH, again));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid2));
	EXPECT_EQ(0, ConnectDetach(scoid2));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
}

/* A server may let go of a scoid before it receives the DISCONNECT: the pulse goes too. */
TEST_F(notice, detaching_the_scoid_withdraws_its_pulse)
{
	struct qt_stats s;
	int s1, scoid;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(s1, 0);
	scoid = scoid_of(self, s1);
	ASSERT_GT(scoid, 0);
	EXPECT_EQ(0, client_do(&self->c, C_DETACH, s1));
	ASSERT_EQ(0, qt_stats_read(&s));
	EXPECT_EQ(self->before.pulses + 1, s.pulses) TH_LOG("the DISCONNECT is queued");
	EXPECT_EQ(0, ConnectDetach(scoid));
	ASSERT_EQ(0, qt_stats_read(&s));
	EXPECT_EQ(self->before.pulses, s.pulses);
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
}

/* Without the flag: no pulse, and the server connection goes with the last connection. */
TEST_F(notice, no_disconnect_without_the_flag)
{
	int s1, f1, scoid;
	long scons;

	ASSERT_EQ(0, serve(self, 0));
	scons = scons_now();
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	f1 = client_do(&self->c, C_ATTACH_FD, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	scoid = scoid_of(self, s1);
	ASSERT_GT(scoid, 0);
	EXPECT_EQ(scoid, scoid_of(self, f1));
	EXPECT_EQ(scons + 1, scons_now());
	EXPECT_EQ(0, client_do(&self->c, C_DETACH, s1));
	EXPECT_EQ(0, client_do(&self->c, C_CLOSE, f1));
	EXPECT_EQ(scons, scons_now());
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(-EINVAL, ConnectDetach_r(scoid));

	/* Nor on exit. */
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GT(scoid_of(self, s1), 0);
	EXPECT_EQ(0, client_exit(&self->c));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(scons, scons_now());
}

/*
 * Two channels asking: a client connected to both (through one connection
 * each) is heard of on each, under each channel's own scoid.
 */
TEST_F(notice, two_channels_both_hear_of_the_client)
{
	int chid2, me2, a, b, sa, sb, res;
	struct _msg_info info;

	chid2 = ChannelCreate(_NTO_CHF_DISCONNECT);
	ASSERT_GT(chid2, 0);
	me2 = ConnectAttach(0, 0, chid2, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(me2, 0);
	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	a = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(a, 0);
	sa = scoid_of(self, a);
	ASSERT_GT(sa, 0);
	ASSERT_EQ(0, client_do(&self->c, C_CHID, chid2));
	b = client_do(&self->c, C_ATTACH_FD, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(0, client_cmd(&self->c, C_SEND, b));
	sb = serve_one(chid2, &info);
	EXPECT_GT(sb, 0);
	EXPECT_EQ(0, client_res(&self->c, &res));

	EXPECT_EQ(0, client_exit(&self->c));
	EXPECT_EQ(0, expect_disconnect(self->chid, sa));
	EXPECT_EQ(0, expect_disconnect(chid2, sb));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_TRUE(nothing_pending(chid2, me2));
	EXPECT_EQ(0, ConnectDetach(sa));
	EXPECT_EQ(0, ConnectDetach(sb));
	EXPECT_EQ(0, ConnectDetach(me2));
	EXPECT_EQ(0, ChannelDestroy(chid2));
}

/* max_pulses process pulses queued (the channel is full for them): the DISCONNECT still comes. */
TEST_F(notice, a_flood_of_pulses_does_not_stop_a_disconnect)
{
	struct _pulse p;
	int s1, scoid;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(s1, 0);
	scoid = scoid_of(self, s1);
	ASSERT_GT(scoid, 0);
	ASSERT_EQ(0, qt_param_set("max_pulses", 4));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, client_do(&self->c, C_PULSE, s1));
	EXPECT_EQ(-EAGAIN, client_do(&self->c, C_PULSE, s1)) TH_LOG("the channel is full");
	EXPECT_EQ(-EAGAIN, MsgSendPulse_r(self->me, 0, 1, 0));
	EXPECT_EQ(0, client_exit(&self->c));
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(5, receive_pulse(self->chid, &p));
		EXPECT_EQ(scoid, p.scoid);
	}
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	EXPECT_EQ(0, ConnectDetach(scoid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
}

/*
 * The DISCONNECT goes at the priority of the thread that let go of the last
 * connection (here SCHED_FIFO 30): ahead of a pulse queued earlier at 10,
 * behind one at 40.
 */
TEST_F(notice, disconnect_takes_its_place_in_the_priority_order)
{
	struct _pulse p;
	int s1, scoid;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	ASSERT_GE(s1, 0);
	scoid = scoid_of(self, s1);
	ASSERT_GT(scoid, 0);
	ASSERT_EQ(0, client_do(&self->c, C_FIFO, 30));
	ASSERT_EQ(0, MsgSendPulse(self->me, 10, 1, 0));
	ASSERT_EQ(0, MsgSendPulse(self->me, 40, 2, 0));
	EXPECT_EQ(0, client_do(&self->c, C_DETACH, s1));
	EXPECT_EQ(2, receive_pulse(self->chid, &p));
	EXPECT_EQ(0, expect_disconnect(self->chid, scoid));
	EXPECT_EQ(1, receive_pulse(self->chid, &p));
	EXPECT_EQ(0, ConnectDetach(scoid));
}

/*
 * Destroying the channel drops its scoids, held (a client gone, its
 * DISCONNECT still queued) or live (a client still connected); the live
 * client's connection is dead and goes without a trace (the teardown checks
 * the counters).
 */
TEST_F(notice, channel_destroy_drops_held_and_live_scoids)
{
	int s1, f1, s2, held;

	ASSERT_EQ(0, serve(self, _NTO_CHF_DISCONNECT));
	s1 = client_do(&self->c, C_ATTACH_SIDE, 0);
	f1 = client_do(&self->c, C_ATTACH_FD, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	ASSERT_GT(scoid_of(self, f1), 0);
	ASSERT_EQ(0, client_start(&self->c2, getpid(), self->chid));
	s2 = client_do(&self->c2, C_ATTACH_SIDE, 0);
	ASSERT_GE(s2, 0);
	held = scoid_of(self, s1);	/* any scoid of ours: the next check must fail on it */
	EXPECT_EQ(0, client_do(&self->c2, C_DETACH, s2));	/* its DISCONNECT is queued */
	EXPECT_EQ(0, ConnectDetach(self->me));			/* ours too */
	self->me = -1;
	EXPECT_EQ(0, ChannelDestroy(self->chid));
	self->chid = 0;
	EXPECT_EQ(-EINVAL, ConnectDetach_r(held));
	EXPECT_EQ(-EBADF, client_do(&self->c, C_SEND, f1));
	EXPECT_EQ(0, client_do(&self->c, C_CLOSE, f1));
	EXPECT_EQ(0, client_do(&self->c, C_DETACH, s1));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], EXEC_HELPER))
		return exec_helper(argc, argv);
	return test_harness_run(argc, argv);
}
