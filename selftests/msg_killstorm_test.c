// SPDX-License-Identifier: GPL-2.0
/*
 * A kill storm with integrity checks.  Server processes (several receiving
 * threads each, one channel) and client processes (several sending threads
 * each) exchange checksummed messages of random sizes, in both copy tiers,
 * through the QNX API, while the parent SIGKILLs servers and clients at
 * random and starts new ones.  Every reply a client gets must be the answer
 * to its own request: it names the client's pid, thread and sequence number
 * and carries a checksum of exactly what the client sent, and its payload is
 * a pattern derived from both.  A send whose server died fails (ESRCH, or
 * EBADF once the connection is known dead) and the client moves to another
 * server; nothing else may fail.  Surviving clients report what they did,
 * and every counter of the module returns to where it was.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include "kselftest_harness.h"

#define KS_SERVERS	3
#define KS_CLIENTS	6
#define KS_THREADS	3	/* per process, both kinds */
#define KS_MAXPAY	(24 * 1024)
#define KS_SECONDS	10

struct ks_req {
	uint32_t magic;
	int32_t pid;
	int32_t tid;
	uint32_t seq;
	uint32_t len;		/* payload bytes after the header */
	uint32_t rlen;		/* reply payload bytes wanted */
	uint64_t sum;		/* fnv1a of the payload */
};

struct ks_rep {
	int32_t pid;
	int32_t tid;
	uint32_t seq;
	uint32_t server;	/* the server's pid */
	uint64_t sum;		/* echoed */
};

#define KS_MAGIC	0x6b736d67u

/* What the processes share. */
struct ks_board {
	_Atomic int server_pid[KS_SERVERS];
	_Atomic int server_chid[KS_SERVERS];
	_Atomic unsigned long replies;		/* verified replies, all clients */
	_Atomic unsigned long server_deaths_seen;	/* sends failed because a server died */
	_Atomic unsigned long bad;		/* integrity failures (must stay 0) */
	_Atomic int first_bad_line;
	_Atomic int first_bad_errno;
};

static struct ks_board *board;

static void ks_bad(int line, int err)
{
	int zero = 0;

	atomic_compare_exchange_strong(&board->first_bad_line, &zero, line);
	atomic_store(&board->first_bad_errno, err);
	atomic_fetch_add(&board->bad, 1);
}

static uint32_t ks_rand(uint64_t *s)
{
	*s = qt_mix64(*s + 0x9e3779b97f4a7c15ULL);
	return (uint32_t)*s;
}

static uint32_t ks_size(uint64_t *s)
{
	switch (ks_rand(s) % 6) {
	case 0: return 0;
	case 1: return ks_rand(s) % 64;
	case 2: return 200 + ks_rand(s) % 100;	/* around the inline threshold */
	case 3: return KS_MAXPAY - ks_rand(s) % 4096;
	default: return ks_rand(s) % 4096;
	}
}

/* ---- servers ---- */

static void *ks_server_thread(void *arg)
{
	int chid = (int)(intptr_t)arg;
	static _Thread_local uint8_t buf[sizeof(struct ks_req) + KS_MAXPAY];
	static _Thread_local uint8_t rep[sizeof(struct ks_rep) + KS_MAXPAY];
	struct _msg_info info;

	for (;;) {
		struct ks_req q;
		struct ks_rep r;
		int rcvid = MsgReceive(chid, buf, sizeof(buf), &info);
		size_t rlen;

		if (rcvid == 0) {
			struct _pulse *p = (struct _pulse *)buf;

			if (p->code == _PULSE_CODE_DISCONNECT)
				ConnectDetach(p->scoid);
			continue;
		}
		if (rcvid < 0) {
			ks_bad(__LINE__, errno);
			return NULL;
		}
		memcpy(&q, buf, sizeof(q));
		if (info.msglen < (int)sizeof(q) || q.magic != KS_MAGIC || q.pid != info.pid ||
		    q.tid != info.tid || info.srcmsglen != (int)(sizeof(q) + q.len) ||
		    q.len > KS_MAXPAY || q.rlen > KS_MAXPAY ||
		    qt_fnv1a(buf + sizeof(q), q.len) != q.sum) {
			ks_bad(__LINE__, 0);
			MsgError(rcvid, EBADMSG);
			continue;
		}
		r = (struct ks_rep){ .pid = q.pid, .tid = q.tid, .seq = q.seq,
				     .server = (uint32_t)getpid(), .sum = q.sum };
		memcpy(rep, &r, sizeof(r));
		rlen = q.rlen;
		qt_fill(rep + sizeof(r), rlen, (uint32_t)q.sum ^ q.seq, 0);
		/* ESRCH: the client was killed meanwhile, which is the storm's doing. */
		if (MsgReply(rcvid, (long)q.seq, rep, sizeof(r) + rlen) && errno != ESRCH)
			ks_bad(__LINE__, errno);
	}
}

static void ks_server(int slot)
{
	pthread_t t;
	int chid = ChannelCreate(_NTO_CHF_DISCONNECT);

	if (chid < 0)
		_exit(2);
	for (int i = 1; i < KS_THREADS; i++)
		pthread_create(&t, NULL, ks_server_thread, (void *)(intptr_t)chid);
	atomic_store(&board->server_chid[slot], chid);
	atomic_store(&board->server_pid[slot], getpid());
	ks_server_thread((void *)(intptr_t)chid);
	_exit(3);
}

/* ---- clients ---- */

static void *ks_client_thread(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg;
	static _Thread_local uint8_t buf[sizeof(struct ks_req) + KS_MAXPAY];
	static _Thread_local uint8_t rep[sizeof(struct ks_rep) + KS_MAXPAY + 1];
	struct ks_req q = { .magic = KS_MAGIC, .pid = getpid(), .tid = qt_gettid() };
	int coid = -1, cur_pid = 0;

	for (uint32_t seq = 1;; seq++) {
		int slot = (int)(ks_rand(&s) % KS_SERVERS);
		int spid = atomic_load(&board->server_pid[slot]);
		int chid = atomic_load(&board->server_chid[slot]);
		struct ks_rep r;
		long st;

		if (!spid) {
			qt_sleep_ms(1);
			continue;
		}
		/* A new connection now and then, and whenever the server changed. */
		if (coid < 0 || spid != cur_pid || ks_rand(&s) % 16 == 0) {
			if (coid >= 0)
				ConnectDetach(coid);
			coid = ConnectAttach(0, spid, chid, ks_rand(&s) % 2 ? _NTO_SIDE_CHANNEL : 0, 0);
			cur_pid = spid;
			if (coid < 0) {
				/* That server is gone already: ESRCH; anything else is wrong. */
				if (errno != ESRCH)
					ks_bad(__LINE__, errno);
				continue;
			}
		}
		q.seq = seq;
		q.len = ks_size(&s);
		q.rlen = ks_size(&s);
		qt_fill(buf + sizeof(q), q.len, ks_rand(&s), 0);
		q.sum = qt_fnv1a(buf + sizeof(q), q.len);
		memcpy(buf, &q, sizeof(q));
		rep[sizeof(r) + q.rlen] = 0xee;
		st = MsgSend(coid, buf, sizeof(q) + q.len, rep, sizeof(r) + q.rlen);
		if (st == -1) {
			/* The server died before or while it served us. */
			if (errno == ESRCH || errno == EBADF) {
				atomic_fetch_add(&board->server_deaths_seen, 1);
				ConnectDetach(coid);
				coid = -1;
				continue;
			}
			ks_bad(__LINE__, errno);
			continue;
		}
		memcpy(&r, rep, sizeof(r));
		if (st != (long)seq || r.pid != q.pid || r.tid != q.tid || r.seq != seq ||
		    r.sum != q.sum || (int)r.server != spid ||
		    qt_check(rep + sizeof(r), q.rlen, (uint32_t)q.sum ^ seq, 0) != -1 ||
		    rep[sizeof(r) + q.rlen] != 0xee)
			ks_bad(__LINE__, 0);
		else
			atomic_fetch_add(&board->replies, 1);
	}
	return NULL;
}

static void ks_client(uint64_t seed)
{
	pthread_t t;

	for (int i = 1; i < KS_THREADS; i++)
		pthread_create(&t, NULL, ks_client_thread, (void *)(uintptr_t)(seed + (uint64_t)i));
	ks_client_thread((void *)(uintptr_t)seed);
	_exit(3);
}

static pid_t ks_spawn_server(int slot)
{
	pid_t pid;

	atomic_store(&board->server_pid[slot], 0);
	pid = fork();
	if (pid == 0)
		ks_server(slot);
	return pid;
}

static pid_t ks_spawn_client(uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0)
		ks_client(seed);
	return pid;
}

/* SIGKILL and reap within a bound: a process that cannot die is stuck in the module. */
static int ks_kill(pid_t pid)
{
	long long end = qt_now_ms() + 3 * QT_WAIT_MS;

	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, WNOHANG) != pid) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(1);
	}
	return 0;
}

FIXTURE(storm) {
	unsigned long saved_inline_max;
	struct qt_stats before;
};

FIXTURE_VARIANT(storm) {
	long inline_max;
};

FIXTURE_VARIANT_ADD(storm, default_tiers) {
	.inline_max = -1,
};

FIXTURE_VARIANT_ADD(storm, direct_only) {
	.inline_max = 0,
};

FIXTURE_SETUP(storm)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, qt_param_get("inline_max", &self->saved_inline_max));
	if (variant->inline_max >= 0)
		ASSERT_EQ(0, qt_param_set("inline_max", (unsigned long)variant->inline_max));
	board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, board);
}

FIXTURE_TEARDOWN(storm)
{
	qt_param_set("inline_max", self->saved_inline_max);
}

TEST_F_TIMEOUT(storm, kill_and_restart, 300)
{
	pid_t servers[KS_SERVERS], clients[KS_CLIENTS];
	uint64_t s = (uint64_t)time(NULL) << 8 ^ (uint64_t)(variant->inline_max & 0xff);
	unsigned long server_kills = 0, client_kills = 0;
	struct qt_stats now;
	long long end;
	int stuck = 0;

	TH_LOG("seed %llu", (unsigned long long)s);
	for (int i = 0; i < KS_SERVERS; i++)
		servers[i] = ks_spawn_server(i);
	for (int i = 0; i < KS_CLIENTS; i++)
		clients[i] = ks_spawn_client(ks_rand(&s));
	end = qt_now_ms() + KS_SECONDS * 1000;
	while (qt_now_ms() < end) {
		qt_sleep_ms(50 + ks_rand(&s) % 200);
		if (ks_rand(&s) % 3 == 0) {
			int i = (int)(ks_rand(&s) % KS_SERVERS);

			stuck += ks_kill(servers[i]) != 0;
			servers[i] = ks_spawn_server(i);
			server_kills++;
		} else {
			int i = (int)(ks_rand(&s) % KS_CLIENTS);

			stuck += ks_kill(clients[i]) != 0;
			clients[i] = ks_spawn_client(ks_rand(&s));
			client_kills++;
		}
	}
	for (int i = 0; i < KS_CLIENTS; i++)
		stuck += ks_kill(clients[i]) != 0;
	for (int i = 0; i < KS_SERVERS; i++)
		stuck += ks_kill(servers[i]) != 0;
	TH_LOG("%lu verified replies, %lu sends ended by a server's death, %lu server and %lu client kills",
	       atomic_load(&board->replies), atomic_load(&board->server_deaths_seen),
	       server_kills, client_kills);
	EXPECT_EQ(0, stuck);
	EXPECT_EQ(0UL, atomic_load(&board->bad)) {
		TH_LOG("first integrity failure at line %d, errno %d",
		       atomic_load(&board->first_bad_line), atomic_load(&board->first_bad_errno));
	}
	EXPECT_LT(100UL, atomic_load(&board->replies));
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

TEST_HARNESS_MAIN
