// SPDX-License-Identifier: GPL-2.0
/*
 * _NTO_CHF_COID_DISCONNECT: a process hears, on each channel of its own
 * that asked, of each of its connections whose channel went away
 * (ChannelDestroy, the server's exit or kill -9): _PULSE_CODE_COIDDEATH,
 * the value being the coid as the process has it, scoid -1.  Nothing
 * without the flag; the pulse is never held back by a flood of process
 * pulses and takes its place in the one priority order; counters back to
 * where they were after every test (see notice_util.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "notice_util.h"

/* Receives the one COIDDEATH expected on @chid: its coid, or -errno. */
static int expect_coiddeath(int chid)
{
	struct _pulse p;
	int code = receive_pulse(chid, &p);

	if (code != _PULSE_CODE_COIDDEATH)
		return code < 0 ? code : -EPROTO;
	if (p.scoid != -1)
		return -EBADSLT;
	return p.value.sival_int;
}

/* Our COID_DISCONNECT channel (the fixture's), and a server process with a channel. */
static int coid_setup(FIXTURE_DATA(notice) *self, int *schid)
{
	self->chid = ChannelCreate(_NTO_CHF_COID_DISCONNECT);
	if (self->chid <= 0)
		return -errno;
	self->me = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	if (self->me < 0)
		return -errno;
	if (server_start(&self->c))
		return -errno;
	*schid = client_do(&self->c, S_CREATE, 0);
	return *schid > 0 ? 0 : -EIO;
}

/* Sorts two ints, for pulses that arrive in connection order. */
static void sort2(int *a, int *b)
{
	if (*a > *b) {
		int t = *a;

		*a = *b;
		*b = t;
	}
}

/*
 * ChannelDestroy by the server: one COIDDEATH per connection of ours to the
 * channel, each naming its coid; the connections are dead (EBADF) until we
 * detach them.
 */
TEST_F(notice, coiddeath_on_channel_destroy)
{
	int schid, s1, f1, a, b;

	ASSERT_EQ(0, coid_setup(self, &schid));
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	f1 = ConnectAttach(0, self->c.pid, schid, 0, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(0, client_do(&self->c, S_DESTROY, schid));
	a = expect_coiddeath(self->chid);
	b = expect_coiddeath(self->chid);
	sort2(&a, &b);
	EXPECT_EQ(f1, a);
	EXPECT_EQ(s1, b);
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(-1, MsgSend(s1, "x", 2, NULL, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, ConnectDetach(s1));
	EXPECT_EQ(0, ConnectDetach(f1));
}

/* The server's exit, and its kill -9, end its channels: the same notices. */
TEST_F(notice, coiddeath_on_server_exit_and_kill)
{
	int schid, s1, f1, a, b;

	ASSERT_EQ(0, coid_setup(self, &schid));
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(s1, 0);
	ASSERT_EQ(0, client_cmd(&self->c, S_EXIT, 0));
	EXPECT_EQ(0, client_wait(&self->c));
	EXPECT_EQ(s1, expect_coiddeath(self->chid));
	EXPECT_EQ(0, ConnectDetach(s1));

	ASSERT_EQ(0, server_start(&self->c));
	schid = client_do(&self->c, S_CREATE, 0);
	ASSERT_GT(schid, 0);
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	f1 = ConnectAttach(0, self->c.pid, schid, 0, _NTO_COF_CLOEXEC);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	EXPECT_EQ(0, client_kill(&self->c));
	a = expect_coiddeath(self->chid);
	b = expect_coiddeath(self->chid);
	sort2(&a, &b);
	EXPECT_EQ(f1, a);
	EXPECT_EQ(s1, b);
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(0, ConnectDetach(s1));
	EXPECT_EQ(0, ConnectDetach(f1));
}

/*
 * Two channels of ours ask, one of them created after the connection was
 * made: both hear.  A channel without the flag hears nothing.
 */
TEST_F(notice, coiddeath_to_every_channel_that_asks)
{
	int schid, s1, late, late_me, plain, plain_me;

	ASSERT_EQ(0, coid_setup(self, &schid));
	plain = ChannelCreate(0);
	ASSERT_GT(plain, 0);
	plain_me = ConnectAttach(0, 0, plain, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(plain_me, 0);
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(s1, 0);
	late = ChannelCreate(_NTO_CHF_COID_DISCONNECT | _NTO_CHF_DISCONNECT);
	ASSERT_GT(late, 0);
	late_me = ConnectAttach(0, 0, late, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(late_me, 0);

	EXPECT_EQ(0, client_do(&self->c, S_DESTROY, schid));
	EXPECT_EQ(s1, expect_coiddeath(self->chid));
	EXPECT_EQ(s1, expect_coiddeath(late));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_TRUE(nothing_pending(late, late_me));
	EXPECT_TRUE(nothing_pending(plain, plain_me)) TH_LOG("no notice without the flag");
	EXPECT_EQ(0, ConnectDetach(s1));
	EXPECT_EQ(0, ConnectDetach(plain_me));
	EXPECT_EQ(0, ChannelDestroy(plain));
	EXPECT_EQ(0, ConnectDetach(late_me));
	EXPECT_EQ(0, ChannelDestroy(late));
}

/* A process without any COID_DISCONNECT channel hears nothing, and nothing is left behind. */
TEST_F(notice, no_coiddeath_without_the_flag)
{
	int schid, s1;

	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->me = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->me, 0);
	ASSERT_EQ(0, server_start(&self->c));
	schid = client_do(&self->c, S_CREATE, 0);
	ASSERT_GT(schid, 0);
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(s1, 0);
	EXPECT_EQ(0, client_do(&self->c, S_DESTROY, schid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(0, ConnectDetach(s1));
}

/*
 * The coid is the one the process uses: libchan moves an fd connection to
 * honour ConnectAttach's index, a program may dup2() it elsewhere.
 */
TEST_F(notice, coiddeath_names_the_coid_in_use)
{
	int schid, moved, target = 200, dupped, a, b;

	ASSERT_EQ(0, coid_setup(self, &schid));
	moved = ConnectAttach(0, self->c.pid, schid, 100, 0);
	ASSERT_GE(moved, 100);
	dupped = ConnectAttach(0, self->c.pid, schid, 0, 0);
	ASSERT_GE(dupped, 0);
	ASSERT_EQ(target, dup2(dupped, target));
	ASSERT_EQ(0, close(dupped));
	EXPECT_EQ(0, client_do(&self->c, S_DESTROY, schid));
	a = expect_coiddeath(self->chid);
	b = expect_coiddeath(self->chid);
	sort2(&a, &b);
	EXPECT_EQ(moved, a);
	EXPECT_EQ(target, b);
	EXPECT_EQ(0, ConnectDetach(moved));
	EXPECT_EQ(0, ConnectDetach(target));
}

/* A dead coid detached before its pulse is received is not reported any more. */
TEST_F(notice, detached_coid_is_not_reported)
{
	struct qt_stats s;
	int schid, s1, s2;

	ASSERT_EQ(0, coid_setup(self, &schid));
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	s2 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(s2, 0);
	EXPECT_EQ(0, client_do(&self->c, S_DESTROY, schid));
	ASSERT_EQ(0, qt_stats_read(&s));
	EXPECT_EQ(self->before.pulses + 2, s.pulses);
	EXPECT_EQ(0, ConnectDetach(s1));
	EXPECT_EQ(s2, expect_coiddeath(self->chid));
	EXPECT_TRUE(nothing_pending(self->chid, self->me));
	EXPECT_EQ(0, ConnectDetach(s2));
}

/* The channel is full of process pulses: the COIDDEATH still comes, after them. */
TEST_F(notice, a_flood_of_pulses_does_not_stop_a_coiddeath)
{
	struct _pulse p;
	int schid, s1;

	ASSERT_EQ(0, coid_setup(self, &schid));
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(s1, 0);
	ASSERT_EQ(0, qt_param_set("max_pulses", 4));
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, MsgSendPulse(self->me, 0, 3, i));
	EXPECT_EQ(-EAGAIN, MsgSendPulse_r(self->me, 0, 3, 4));
	EXPECT_EQ(0, client_kill(&self->c));
	for (int i = 0; i < 4; i++) {
		EXPECT_EQ(3, receive_pulse(self->chid, &p));
		EXPECT_EQ(i, p.value.sival_int);
	}
	EXPECT_EQ(s1, expect_coiddeath(self->chid));
	EXPECT_EQ(0, ConnectDetach(s1));
}

/* The COIDDEATH goes at the priority of the thread that destroyed the channel. */
TEST_F(notice, coiddeath_takes_its_place_in_the_priority_order)
{
	struct _pulse p;
	int schid, s1;

	ASSERT_EQ(0, coid_setup(self, &schid));
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(s1, 0);
	ASSERT_EQ(0, client_do(&self->c, S_FIFO, 30));
	ASSERT_EQ(0, MsgSendPulse(self->me, 10, 1, 0));
	ASSERT_EQ(0, MsgSendPulse(self->me, 40, 2, 0));
	EXPECT_EQ(0, client_do(&self->c, S_DESTROY, schid));
	EXPECT_EQ(2, receive_pulse(self->chid, &p));
	EXPECT_EQ(s1, expect_coiddeath(self->chid));
	EXPECT_EQ(1, receive_pulse(self->chid, &p));
	EXPECT_EQ(0, ConnectDetach(s1));
}

/* Our COID_DISCONNECT channel goes first: its notices go with it, nothing is left. */
TEST_F(notice, destroying_the_coid_channel_frees_its_notices)
{
	int schid, s1, f1;

	ASSERT_EQ(0, coid_setup(self, &schid));
	s1 = ConnectAttach(0, self->c.pid, schid, _NTO_SIDE_CHANNEL, 0);
	f1 = ConnectAttach(0, self->c.pid, schid, 0, 0);
	ASSERT_GE(s1, 0);
	ASSERT_GE(f1, 0);
	EXPECT_EQ(0, client_do(&self->c, S_DESTROY, schid));	/* two COIDDEATH queued */
	EXPECT_EQ(0, ConnectDetach(self->me));
	self->me = -1;
	EXPECT_EQ(0, ChannelDestroy(self->chid));
	self->chid = 0;
	EXPECT_EQ(0, ConnectDetach(s1));
	EXPECT_EQ(0, ConnectDetach(f1));
}

TEST_HARNESS_MAIN
