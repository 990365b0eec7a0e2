// SPDX-License-Identifier: GPL-2.0
/*
 * Many senders, many receivers: priority order of queued senders, several
 * server threads on one channel, 4 server threads x 16 client processes
 * with checksummed payloads in both copy tiers, and the same load with
 * clients killed at random.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <qchan/libchan.h>

#include "kselftest_harness.h"

/*
 * Senders of different SCHED_FIFO/RR priorities queue up while the server is
 * busy; the server then receives them highest priority first, FIFO within a
 * priority, and info.priority reports each one's priority.
 */
TEST(priority_order)
{
	static const struct {
		int policy;
		int prio;
	} senders[] = {
		{ SCHED_FIFO, 10 }, { SCHED_FIFO, 30 }, { SCHED_OTHER, 0 }, { SCHED_FIFO, 20 },
		{ SCHED_RR, 30 }, { SCHED_FIFO, 5 }, { SCHED_FIFO, 20 }, { SCHED_OTHER, 0 },
		{ SCHED_FIFO, 30 }, { SCHED_RR, 99 }, { SCHED_FIFO, 1 },
	};
	enum { N = ARRAY_SIZE(senders) };
	struct qt_client c[N];
	int idx[N], order[N], chid, coid, i, j, rcvid;
	struct _msg_info info;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);

	/* One at a time, so the arrival order is the index order. */
	for (i = 0; i < N; i++) {
		pid_t tid;

		idx[i] = i;
		memset(&c[i], 0, sizeof(c[i]));
		c[i].kind = QT_SEND;
		c[i].coid = coid;
		c[i].sbuf = &idx[i];
		c[i].slen = sizeof(idx[i]);
		c[i].policy = senders[i].policy;
		c[i].prio = senders[i].prio;
		ASSERT_EQ(0, qt_client_start(&c[i]));
		tid = qt_wait_tid(&c[i].tid);
		ASSERT_NE(0, tid) TH_LOG("sender %d: setting priority failed: %s", i,
					 strerror(c[i].setup_err));
		ASSERT_EQ(0, qt_wait_blocked(getpid(), tid));
	}

	/* The expected order: a stable sort by priority, highest first. */
	for (i = 0; i < N; i++)
		order[i] = i;
	for (i = 1; i < N; i++)
		for (j = i; j > 0 && senders[order[j]].prio > senders[order[j - 1]].prio; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}

	for (i = 0; i < N; i++) {
		int got = -1;

		rcvid = MsgReceive(chid, &got, sizeof(got), &info);
		ASSERT_GT(rcvid, 0);
		EXPECT_EQ(order[i], got) TH_LOG("position %d: got sender %d (prio %d), want %d (prio %d)",
						i, got, got >= 0 && got < N ? senders[got].prio : -1,
						order[i], senders[order[i]].prio);
		if (got >= 0 && got < N)
			EXPECT_EQ(senders[got].prio, info.priority) TH_LOG("sender %d", got);
		ASSERT_EQ(0, MsgReply(rcvid, got, NULL, 0));
	}
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(i, c[i].ret);
	}
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

static void leaver_handler(int sig)
{
	(void)sig;
}

/*
 * The queue's order survives senders leaving it from anywhere (a priority's
 * first, last and only sender, interrupted by a handled signal) and senders
 * arriving after them, into priorities still queued, emptied or new: the
 * server still receives highest priority first, FIFO within a priority.
 */
TEST(priority_order_with_leavers)
{
	/* { prio, leaves }: prio 0 is SCHED_OTHER; the second half arrives after the leavers left. */
	static const struct {
		int prio;
		bool leaves;
	} senders[] = {
		{ 20, true }, { 20, false }, { 20, false }, { 20, true },	/* a band's first and last */
		{ 10, false }, { 30, true },					/* a band's only one */
		{ 0, false }, { 10, true }, { 5, false }, { 10, false },
		{ 30, false }, { 20, false }, { 0, false }, { 40, false },	/* arrive after */
		{ 10, false }, { 5, false }, { 99, false }, { 1, false },
	};
	enum { N = ARRAY_SIZE(senders), FIRST = 10 };
	struct sigaction sa = { .sa_handler = leaver_handler };
	struct sigaction old;
	struct qt_client c[N];
	int idx[N], order[N], chid, coid, i, j, n, rcvid;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));	/* no SA_RESTART: EINTR */
	chid = ChannelCreate(_NTO_CHF_FIXED_PRIORITY);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);

	for (i = 0; i < N; i++) {
		pid_t tid;

		if (i == FIRST) {
			/* The leavers go now, from the middle and both ends of their bands. */
			for (j = 0; j < FIRST; j++) {
				if (!senders[j].leaves)
					continue;
				ASSERT_EQ(0, pthread_kill(c[j].thread, SIGUSR1));
				ASSERT_EQ(0, qt_client_join(&c[j]));
				EXPECT_EQ(-1, c[j].ret);
				EXPECT_EQ(EINTR, c[j].err);
			}
		}
		idx[i] = i;
		memset(&c[i], 0, sizeof(c[i]));
		c[i].kind = QT_SEND;
		c[i].coid = coid;
		c[i].sbuf = &idx[i];
		c[i].slen = sizeof(idx[i]);
		c[i].policy = senders[i].prio ? SCHED_FIFO : SCHED_OTHER;
		c[i].prio = senders[i].prio;
		ASSERT_EQ(0, qt_client_start(&c[i]));
		tid = qt_wait_tid(&c[i].tid);
		ASSERT_NE(0, tid) TH_LOG("sender %d: setting priority failed: %s", i,
					 strerror(c[i].setup_err));
		ASSERT_EQ(0, qt_wait_blocked(getpid(), tid));
	}

	/* The expected order: the stayers, stably sorted by priority, highest first. */
	for (i = 0, n = 0; i < N; i++)
		if (!senders[i].leaves)
			order[n++] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && senders[order[j]].prio > senders[order[j - 1]].prio; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}

	for (i = 0; i < n; i++) {
		int got = -1;

		rcvid = MsgReceive(chid, &got, sizeof(got), NULL);
		ASSERT_GT(rcvid, 0);
		EXPECT_EQ(order[i], got) TH_LOG("position %d: got sender %d (prio %d), want %d (prio %d)",
						i, got, got >= 0 && got < N ? senders[got].prio : -1,
						order[i], senders[order[i]].prio);
		ASSERT_EQ(0, MsgReply(rcvid, got, NULL, 0));
	}
	for (i = 0; i < N; i++) {
		if (senders[i].leaves)
			continue;
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(i, c[i].ret);
	}
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
	sigaction(SIGUSR1, &old, NULL);
}

/* Several threads RECEIVE-blocked on one channel: each of N sends wakes a different one. */
struct holder {
	pthread_t thread;
	int chid;
	_Atomic pid_t tid;
	_Atomic int *received;
	_Atomic int *go;
	int rcvid;
	int got;
	int err;
};

static void *holder_fn(void *arg)
{
	struct holder *h = arg;

	atomic_store(&h->tid, qt_gettid());
	h->rcvid = MsgReceive(h->chid, &h->got, sizeof(h->got), NULL);
	if (h->rcvid <= 0) {
		h->err = errno;
		return NULL;
	}
	atomic_fetch_add(h->received, 1);
	/* Hold the message: a holder must not take a second one. */
	while (!atomic_load(h->go))
		qt_sleep_ms(1);
	if (MsgReply(h->rcvid, h->got, NULL, 0))
		h->err = errno;
	return NULL;
}

TEST(many_receivers_one_channel)
{
	enum { N = 4 };
	struct holder h[N];
	struct qt_client c[N];
	_Atomic int received = 0, go = 0;
	int vals[N], chid, coid, i, j;
	long long end;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	for (i = 0; i < N; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].chid = chid;
		h[i].received = &received;
		h[i].go = &go;
		h[i].got = -1;
		ASSERT_EQ(0, pthread_create(&h[i].thread, NULL, holder_fn, &h[i]));
		ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&h[i].tid)));
	}
	for (i = 0; i < N; i++) {
		vals[i] = 100 + i;
		ASSERT_EQ(0, qt_client_send(&c[i], coid, &vals[i], sizeof(vals[i]), NULL, 0));
	}
	end = qt_now_ms() + QT_WAIT_MS;
	while (atomic_load(&received) < N && qt_now_ms() < end)
		qt_sleep_ms(1);
	EXPECT_EQ(N, atomic_load(&received)) TH_LOG("a wake-up was lost");
	atomic_store(&go, 1);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, qt_client_join(&c[i]));
		EXPECT_EQ(100 + i, c[i].ret);
		ASSERT_EQ(0, pthread_join(h[i].thread, NULL));
		EXPECT_EQ(0, h[i].err);
	}
	/* Every holder got a different message. */
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			EXPECT_NE(h[i].got, h[j].got);
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

/* ---- 4 server threads x 16 client processes ---- */

#define SERVERS		4
#define CLIENTS		16
#define ROUNDS		100
#define MAXPAY		(96 * 1024)

struct hdr {
	uint32_t magic;
	int32_t pid;
	uint32_t seq;
	uint32_t len;		/* payload bytes after the header */
	uint64_t sum;		/* fnv1a of the payload */
};

#define MAGIC_MSG	0x7163686eu
#define MAGIC_STOP	0x73746f70u

/* Payload size of message @seq of client @pid: mostly small, some above the inline tier. */
static uint32_t pay_len(pid_t pid, uint32_t seq)
{
	uint64_t r = qt_mix64(((uint64_t)pid << 32) | seq);

	switch (r % 8) {
	case 0:
		return 0;
	case 1:
		return (uint32_t)(r >> 8) % 64;
	case 7:
		return 8192 + (uint32_t)(r >> 8) % (MAXPAY - 8192);
	default:
		return (uint32_t)(r >> 8) % 4096;
	}
}

struct server {
	pthread_t thread;
	int chid;
	bool use_reply_receive;
	/* Results, read after the join. */
	int handled;
	int errors;
	int reply_esrch;	/* replies to clients that were killed */
	char why[128];
	int *last_seq;		/* per client slot: the last seq seen, shared (under lock) */
	pthread_mutex_t *lock;
	pid_t *pids;
	bool tolerate_death;
};

static void server_fail(struct server *s, const char *why, long a, long b)
{
	if (!s->errors)
		snprintf(s->why, sizeof(s->why), "%s (%ld vs %ld)", why, a, b);
	s->errors++;
}

/* Checks one request; returns the reply status (the checksum) or -1. */
static long check_request(struct server *s, const uint8_t *buf, const struct _msg_info *info)
{
	struct hdr h;
	int slot = -1;

	if (info->msglen < (int)sizeof(h)) {
		server_fail(s, "short message", info->msglen, sizeof(h));
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic == MAGIC_STOP)
		return -2;
	if (h.magic != MAGIC_MSG) {
		server_fail(s, "bad magic", h.magic, MAGIC_MSG);
		return -1;
	}
	if (h.pid != info->pid)
		server_fail(s, "pid in header differs from info.pid", h.pid, info->pid);
	if (info->srcmsglen != (int)(sizeof(h) + h.len) || info->msglen != info->srcmsglen)
		server_fail(s, "length", info->msglen, sizeof(h) + h.len);
	if (h.len != pay_len(h.pid, h.seq))
		server_fail(s, "payload length for seq", h.len, pay_len(h.pid, h.seq));
	if (qt_fnv1a(buf + sizeof(h), h.len) != h.sum)
		server_fail(s, "checksum", h.seq, h.pid);

	/* A client's messages arrive in its order, whichever server takes them. */
	pthread_mutex_lock(s->lock);
	for (int i = 0; i < CLIENTS; i++)
		if (s->pids[i] == h.pid)
			slot = i;
	if (slot < 0)
		server_fail(s, "unknown client", h.pid, 0);
	else if ((int)h.seq != s->last_seq[slot] + 1)
		server_fail(s, "sequence", h.seq, s->last_seq[slot] + 1);
	else
		s->last_seq[slot] = h.seq;
	pthread_mutex_unlock(s->lock);
	return (long)(h.sum & 0x7fffffff);
}

static void *server_fn(void *arg)
{
	struct server *s = arg;
	static _Thread_local uint8_t buf[sizeof(struct hdr) + MAXPAY];
	static _Thread_local uint8_t rep[MAXPAY];
	struct _msg_info info;
	int rcvid = 0;
	long status = 0;
	size_t rlen = 0;

	for (;;) {
		if (s->use_reply_receive) {
			iov_t riov, iov;
			int rr = 0;

			SETIOV(&riov, rep, rlen);
			SETIOV(&iov, buf, sizeof(buf));
			rcvid = qchan_msg_reply_receive(rcvid, status, &riov, 1, s->chid, &iov, 1,
							(struct qchan_msg_info *)&info, &rr);
			if (rr == -ESRCH && s->tolerate_death)
				s->reply_esrch++;
			else if (rr)
				server_fail(s, "reply (MsgReplyReceive)", rr, 0);
			if (rcvid < 0) {
				server_fail(s, "MsgReplyReceive", rcvid, 0);
				return NULL;
			}
		} else {
			if (rcvid > 0) {
				int r = MsgReply_r(rcvid, status, rep, rlen);

				if (r == -ESRCH && s->tolerate_death)
					s->reply_esrch++;
				else if (r)
					server_fail(s, "MsgReply", r, 0);
			}
			rcvid = MsgReceive(s->chid, buf, sizeof(buf), &info);
			if (rcvid <= 0) {
				server_fail(s, "MsgReceive", errno, 0);
				return NULL;
			}
		}
		status = check_request(s, buf, &info);
		if (status == -2) {
			/* Stop: answer it and leave (the reply-receive thread replies on its own). */
			if (MsgReply(rcvid, 0, NULL, 0))
				server_fail(s, "stop reply", errno, 0);
			return NULL;
		}
		s->handled++;
		if (status < 0) {
			MsgError(rcvid, EBADMSG);
			rcvid = 0;
			continue;
		}
		/* The reply: pattern stream keyed by the checksum, as long as the client can take. */
		rlen = (size_t)info.dstmsglen < MAXPAY ? (size_t)info.dstmsglen : MAXPAY;
		qt_fill(rep, rlen, (uint32_t)status, 0);
	}
}

/* A client process: ROUNDS messages, each reply checked; exit status 0 if all were right. */
static int client_main(pid_t server_pid, int chid, int fd_coid)
{
	static uint8_t buf[sizeof(struct hdr) + MAXPAY], rep[MAXPAY];
	struct hdr h = { .magic = MAGIC_MSG, .pid = getpid() };
	int coid;

	/* Half the clients use an inherited fd connection, half their own side channel. */
	coid = getpid() & 1 ? fd_coid : ConnectAttach(0, server_pid, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		return 10;
	for (uint32_t seq = 0; seq < ROUNDS; seq++) {
		uint32_t rlen = pay_len(h.pid, seq + 1000);
		long r;

		h.seq = seq;
		h.len = pay_len(h.pid, seq);
		qt_fill(buf + sizeof(h), h.len, (uint32_t)h.pid ^ seq, 0);
		h.sum = qt_fnv1a(buf + sizeof(h), h.len);
		memcpy(buf, &h, sizeof(h));
		memset(rep, 0xee, rlen + 1);
		r = MsgSend(coid, buf, sizeof(h) + h.len, rep, rlen);
		if (r != (long)(h.sum & 0x7fffffff))
			return 11;
		if (qt_check(rep, rlen, (uint32_t)r, 0) != -1)
			return 12;
		if (rep[rlen] != 0xee)
			return 13;
	}
	return 0;
}

FIXTURE(load) {
	int chid;
	int coid;
	int fdcoid;
	struct server srv[SERVERS];
	pthread_mutex_t lock;
	int last_seq[CLIENTS];
	pid_t pids[CLIENTS];
	unsigned long saved_inline_max;
	struct qt_stats before;
};

FIXTURE_VARIANT(load) {
	long inline_max;
	int kill_clients;	/* how many clients to kill -9 midway */
};

FIXTURE_VARIANT_ADD(load, default_tier) {
	.inline_max = -1,
	.kill_clients = 0,
};

FIXTURE_VARIANT_ADD(load, direct) {
	.inline_max = 0,
	.kill_clients = 0,
};

FIXTURE_VARIANT_ADD(load, inline_1m) {
	.inline_max = 1024 * 1024,
	.kill_clients = 0,
};

FIXTURE_VARIANT_ADD(load, with_kills) {
	.inline_max = -1,
	.kill_clients = 5,
};

FIXTURE_SETUP(load)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, qt_param_get("inline_max", &self->saved_inline_max));
	if (variant->inline_max >= 0)
		ASSERT_EQ(0, qt_param_set("inline_max", (unsigned long)variant->inline_max));
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, 0);
	self->fdcoid = ConnectAttach(0, 0, self->chid, 0, 0);
	ASSERT_GE(self->fdcoid, 0);
	pthread_mutex_init(&self->lock, NULL);
}

FIXTURE_TEARDOWN(load)
{
	struct qt_stats now;

	qt_param_set("inline_max", self->saved_inline_max);
	for (int i = 0; i < CLIENTS; i++)
		if (self->pids[i] > 0) {
			kill(self->pids[i], SIGKILL);
			waitpid(self->pids[i], NULL, 0);
		}
	close(self->fdcoid);
	ConnectDetach(self->coid);
	ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

TEST_F_TIMEOUT(load, servers_4_clients_16, 180)
{
	struct hdr stop = { .magic = MAGIC_STOP };
	int i, status, killed = 0, esrch = 0, handled = 0;
	pid_t parent = getpid();
	int pipefd[2];

	for (i = 0; i < CLIENTS; i++)
		self->last_seq[i] = -1;
	/* Clients wait at a pipe until every pid is known to the servers. */
	ASSERT_EQ(0, pipe(pipefd));
	for (i = 0; i < CLIENTS; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (!pid) {
			char c;

			close(pipefd[1]);
			if (read(pipefd[0], &c, 1) != 0)
				_exit(20);
			_exit(client_main(parent, self->chid, self->fdcoid));
		}
		self->pids[i] = pid;
	}
	close(pipefd[0]);
	for (i = 0; i < SERVERS; i++) {
		struct server *s = &self->srv[i];

		s->chid = self->chid;
		s->use_reply_receive = i & 1;
		s->last_seq = self->last_seq;
		s->lock = &self->lock;
		s->pids = self->pids;
		s->tolerate_death = variant->kill_clients > 0;
		ASSERT_EQ(0, pthread_create(&s->thread, NULL, server_fn, s));
	}
	close(pipefd[1]);	/* go */

	if (variant->kill_clients) {
		/* Kill some clients midway, in whatever state they are in. */
		long long end = qt_now_ms() + QT_WAIT_MS;
		struct qt_stats st;

		do {
			ASSERT_EQ(0, qt_stats_read(&st));
			qt_sleep_ms(1);
		} while (st.msgs_total < self->before.msgs_total + CLIENTS * ROUNDS / 4 &&
			 qt_now_ms() < end);
		for (i = 0; i < variant->kill_clients; i++) {
			int victim = (i * 7 + 3) % CLIENTS;

			kill(self->pids[victim], SIGKILL);
		}
	}

	for (i = 0; i < CLIENTS; i++) {
		int victim = 0;

		status = qt_child_result(self->pids[i]);
		for (int k = 0; k < variant->kill_clients; k++)
			victim |= (k * 7 + 3) % CLIENTS == i;
		if (victim && status == 1000 + SIGKILL) {
			killed++;
		} else {
			EXPECT_EQ(0, status) TH_LOG("client %d (pid %d) failed: %d", i,
						    self->pids[i], status);
		}
		self->pids[i] = 0;
	}

	/* Stop the servers: one stop message each. */
	for (i = 0; i < SERVERS; i++)
		EXPECT_EQ(0, MsgSend(self->coid, &stop, sizeof(stop), NULL, 0));
	for (i = 0; i < SERVERS; i++) {
		struct server *s = &self->srv[i];

		ASSERT_EQ(0, pthread_join(s->thread, NULL));
		EXPECT_EQ(0, s->errors) TH_LOG("server %d: %d errors, first: %s", i, s->errors, s->why);
		handled += s->handled;
		esrch += s->reply_esrch;
	}
	if (!variant->kill_clients) {
		EXPECT_EQ(CLIENTS * ROUNDS, handled);
		for (i = 0; i < CLIENTS; i++)
			EXPECT_EQ(ROUNDS - 1, self->last_seq[i]) TH_LOG("client %d", i);
	} else {
		/* Killed clients may have lost at most the one message in flight each. */
		EXPECT_LE(esrch, killed);
		TH_LOG("killed %d clients; %d replies found their client gone", killed, esrch);
	}
}

/*
 * Server threads hammer one rcvid with MsgRead and MsgWrite while another
 * replies: every read is complete and correct or fails ESRCH, and no write
 * lands in the client's reply buffer after its MsgSend returned (the client
 * overwrites the buffer with a marker the moment it returns).
 */
struct hammer {
	pthread_t thread;
	int rcvid;
	bool write;
	uint8_t *buf;
	size_t len;
	_Atomic int *stop;
	int ok;
	int esrch;
	int bad;
};

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;

	while (!atomic_load(h->stop)) {
		ssize_t n = h->write ? MsgWrite_r(h->rcvid, h->buf, h->len, 0) :
				       MsgRead_r(h->rcvid, h->buf, h->len, 0);

		if (n == -ESRCH) {
			h->esrch++;
			break;
		}
		if (n != (ssize_t)h->len || (!h->write && qt_check(h->buf, h->len, 71, 0) != -1))
			h->bad++;
		else
			h->ok++;
	}
	return NULL;
}

struct marking_client {
	pthread_t thread;
	int coid;
	uint8_t *sbuf, *rbuf;
	size_t len;
	long ret;
	_Atomic int done;
};

static void *marking_client_fn(void *arg)
{
	struct marking_client *m = arg;

	m->ret = MsgSend(m->coid, m->sbuf, m->len, m->rbuf, m->len);
	/* From here on the buffer is ours again: nothing may write it. */
	memset(m->rbuf, 0x3c, m->len);
	atomic_store(&m->done, 1);
	return NULL;
}

TEST(rw_race_with_reply)
{
	enum { READERS = 2, WRITERS = 2, ROUNDS_RW = 6 };
	const size_t len = 512 * 1024;
	struct hammer h[READERS + WRITERS];
	struct marking_client m;
	_Atomic int stop;
	uint8_t *wbuf;
	int chid, coid, round, i, rcvid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	memset(&m, 0, sizeof(m));
	m.coid = coid;
	m.len = len;
	m.sbuf = malloc(len);
	m.rbuf = malloc(len);
	wbuf = malloc(len);
	ASSERT_TRUE(m.sbuf && m.rbuf && wbuf);
	qt_fill(m.sbuf, len, 71, 0);
	memset(wbuf, 0xa7, len);

	for (round = 0; round < ROUNDS_RW; round++) {
		atomic_store(&m.done, 0);
		ASSERT_EQ(0, pthread_create(&m.thread, NULL, marking_client_fn, &m));
		rcvid = MsgReceive(chid, NULL, 0, NULL);
		ASSERT_GT(rcvid, 0);
		atomic_store(&stop, 0);
		for (i = 0; i < READERS + WRITERS; i++) {
			memset(&h[i], 0, sizeof(h[i]));
			h[i].rcvid = rcvid;
			h[i].write = i >= READERS;
			h[i].len = len;
			h[i].buf = h[i].write ? wbuf : malloc(len);
			h[i].stop = &stop;
			ASSERT_NE(NULL, h[i].buf);
			ASSERT_EQ(0, pthread_create(&h[i].thread, NULL, hammer_fn, &h[i]));
		}
		/* Let the hammers get going (any amount of overlap will do), then reply. */
		qt_sleep_ms(5 * round);
		ASSERT_EQ(0, MsgReply(rcvid, round, NULL, 0));
		ASSERT_EQ(0, pthread_join(m.thread, NULL));
		EXPECT_EQ(round, m.ret);
		for (i = 0; i < READERS + WRITERS; i++) {
			ASSERT_EQ(0, pthread_join(h[i].thread, NULL));
			EXPECT_EQ(0, h[i].bad) TH_LOG("round %d hammer %d: %d bad of %d", round, i,
						     h[i].bad, h[i].ok + h[i].bad);
			EXPECT_EQ(1, h[i].esrch) TH_LOG("round %d hammer %d", round, i);
			if (!h[i].write)
				free(h[i].buf);
		}
		/* A write after the client returned would have broken the marker. */
		EXPECT_EQ(-1, qt_check_byte(m.rbuf, len, 0x3c)) TH_LOG("round %d", round);
	}
	free(m.sbuf);
	free(m.rbuf);
	free(wbuf);
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, ChannelDestroy(chid));
}

/*
 * ChannelDestroy under load: clients keep sending, servers keep answering,
 * then the channel goes.  Every thread must come back (clients with ESRCH
 * from then on, servers with a failed receive), and nothing is left over.
 */
struct looper {
	pthread_t thread;
	int id;		/* chid for servers, coid for clients */
	bool server;
	_Atomic int done;
	int ok;
	int last_err;
};

static void *looper_fn(void *arg)
{
	struct looper *l = arg;
	char buf[256];

	for (;;) {
		if (l->server) {
			int rcvid = MsgReceive_r(l->id, buf, sizeof(buf), NULL);

			if (rcvid < 0) {
				l->last_err = -rcvid;
				break;
			}
			if (MsgReply_r(rcvid, 1, buf, sizeof(buf)) == 0)
				l->ok++;
		} else {
			long r = MsgSend_r(l->id, buf, sizeof(buf), buf, sizeof(buf));

			if (r < 0) {
				l->last_err = (int)-r;
				break;
			}
			l->ok++;
		}
	}
	atomic_store(&l->done, 1);
	return NULL;
}

TEST(destroy_under_load)
{
	enum { SRV = 3, CLI = 6 };
	struct looper l[SRV + CLI];
	struct qt_stats before, now;
	int chid, coid, i, total = 0;
	long long end;

	ASSERT_EQ(0, qt_stats_read(&before));
	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, 0);
	for (i = 0; i < SRV + CLI; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].server = i < SRV;
		l[i].id = l[i].server ? chid : coid;
		ASSERT_EQ(0, pthread_create(&l[i].thread, NULL, looper_fn, &l[i]));
	}
	/* Wait for real traffic, then pull the channel. */
	end = qt_now_ms() + QT_WAIT_MS;
	do {
		ASSERT_EQ(0, qt_stats_read(&now));
		qt_sleep_ms(2);
	} while (now.msgs_total < before.msgs_total + 200 && qt_now_ms() < end);
	ASSERT_EQ(0, ChannelDestroy(chid));
	for (i = 0; i < SRV + CLI; i++) {
		end = qt_now_ms() + QT_WAIT_MS;
		while (!atomic_load(&l[i].done) && qt_now_ms() < end)
			qt_sleep_ms(1);
		ASSERT_TRUE(atomic_load(&l[i].done)) TH_LOG("%s %d never returned",
							    l[i].server ? "server" : "client", i);
		ASSERT_EQ(0, pthread_join(l[i].thread, NULL));
		/* A client's next send after the destroy finds no channel: QNX's EBADF. */
		EXPECT_TRUE(l[i].last_err == ESRCH || (!l[i].server && l[i].last_err == EBADF))
			TH_LOG("%s %d: %s", l[i].server ? "server" : "client", i,
			       strerror(l[i].last_err));
		if (!l[i].server)
			total += l[i].ok;
	}
	EXPECT_GT(total, 0);
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now));
}

/* A server process killed under load: every client thread comes back with ESRCH. */
TEST(server_killed_under_load)
{
	enum { CLI = 8 };
	struct looper l[CLI];
	struct qt_stats before, now;
	int p[2], chid, coid, i, status, total = 0;
	pid_t server;
	long long end;

	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, pipe(p));
	server = fork();
	ASSERT_GE(server, 0);
	if (!server) {
		static struct looper sl[4];
		int c = ChannelCreate(0);

		if (c <= 0 || qt_write_int(p[1], c))
			_exit(1);
		for (i = 0; i < 4; i++) {
			sl[i].server = true;
			sl[i].id = c;
			if (pthread_create(&sl[i].thread, NULL, looper_fn, &sl[i]))
				_exit(2);
		}
		pause();
		_exit(3);
	}
	ASSERT_EQ(0, qt_read_int(p[0], &chid));
	coid = ConnectAttach(0, server, chid, 0, 0);
	ASSERT_GE(coid, 0);
	for (i = 0; i < CLI; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].id = coid;
		ASSERT_EQ(0, pthread_create(&l[i].thread, NULL, looper_fn, &l[i]));
	}
	end = qt_now_ms() + QT_WAIT_MS;
	do {
		ASSERT_EQ(0, qt_stats_read(&now));
		qt_sleep_ms(2);
	} while (now.msgs_total < before.msgs_total + 200 && qt_now_ms() < end);
	ASSERT_EQ(0, kill(server, SIGKILL));
	status = qt_child_result(server);
	EXPECT_EQ(1000 + SIGKILL, status);
	for (i = 0; i < CLI; i++) {
		end = qt_now_ms() + QT_WAIT_MS;
		while (!atomic_load(&l[i].done) && qt_now_ms() < end)
			qt_sleep_ms(1);
		ASSERT_TRUE(atomic_load(&l[i].done)) TH_LOG("client %d never returned", i);
		ASSERT_EQ(0, pthread_join(l[i].thread, NULL));
		/* Blocked when the server died (ESRCH), or sent after (EBADF). */
		EXPECT_TRUE(l[i].last_err == ESRCH || l[i].last_err == EBADF)
			TH_LOG("client %d: %s", i, strerror(l[i].last_err));
		total += l[i].ok;
	}
	EXPECT_GT(total, 0);
	close(coid);
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now));
}

TEST_HARNESS_MAIN
