// SPDX-License-Identifier: GPL-2.0
/*
 * Qnet over TIPC (docs/QNET.md) in one guest: two "nodes", each a network
 * namespace plus an IPC namespace, joined by a veth pair with TIPC bearers
 * on it and a qnetd in each.  Clients in node A MsgSend through nd to a
 * server in node B.  qchan.ko is one module for both: what is proved is the
 * transport and the daemons, not a second kernel.
 *
 * Needs iproute2's ip and tipc in /usr/sbin, the tipc and veth modules
 * (scripts/vm --tipc) and qnetd next to this binary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>
#include <sys/netmgr.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define IP	"/usr/sbin/ip"
#define TIPC	"/usr/sbin/tipc"
#define BIG	65536

enum { OP_ECHO = 1, OP_ERROR, OP_HOLD, OP_RW, OP_CRED, OP_WHO };

/* Whom the server sees sending (OP_WHO): _msg_info, ConnectClientInfo, netmgr_ndtostr(nd). */
struct who_rep {
	uint32_t nd, srcnd;
	int32_t pid, tid;
	uint32_t ci_nd;
	int32_t ci_pid;
	char name[64];
};

/* What the server's ConnectClientInfo says about the sender (OP_CRED). */
struct cred_rep {
	int32_t ruid, euid, suid, rgid, egid, sgid;
	int32_t ngroups;
	int32_t groups[8];
	int32_t pid;
	int32_t server_prio;	/* the server thread's SCHED_FIFO priority, inherited */
};

struct req {
	int32_t op;
	int32_t arg;
	uint32_t seed;
	uint32_t rlen;
};

/* Shared by the test and every process it forks. */
struct shm {
	_Atomic int chid;
	_Atomic int ready;
	_Atomic int held;		/* rcvid of a held message, 0 if none */
	_Atomic int unblock_pulses;
	_Atomic int unblock_value;
	_Atomic int pulses;
	int pulse_code[8];
	int pulse_value[8];
	_Atomic int last_prio;
	_Atomic int last_pid;		/* the sender the server saw */
	_Atomic int last_srclen;
	_Atomic int last_dstlen;
	_Atomic int bad;		/* the server saw a corrupt message */
	_Atomic int stage;		/* client progress */
	_Atomic int err;		/* client's errno */
	_Atomic int chid_private;	/* the server's channel for its own euid only */
	_Atomic int held_proxy;		/* ConnectClientInfo's pid of the held message's scoid */
	_Atomic int who_pid[2];		/* ConnectClientInfo's pid for each who_fn client */
	_Atomic int server_pid;
	_Atomic uint32_t nd_a;		/* node A as node B names it */
	uint32_t server_uid;		/* the server's ids (and gid); 0: root */
	struct cred_rep rep;		/* the last OP_CRED answer a client got */
	char exe_dir[PATH_MAX];
};

static struct shm *shm;

FIXTURE(qnet) {
	bool skip;		/* setup skipped: 6.1's harness still runs the body */
	pid_t node[2];		/* namespace holders: A, B */
	pid_t qnetd[2];
	pid_t kids[8];
	int nkids;
	struct qt_stats before;
};

static int enter(pid_t holder)
{
	static const struct { const char *ns; int type; } ns[] = {
		{ "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC },
	};
	char path[64];

	for (int i = 0; i < 2; i++) {
		int fd, ret;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", holder, ns[i].ns);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		ret = setns(fd, ns[i].type);
		close(fd);
		if (ret)
			return -1;
	}
	return 0;
}

/* Forks a process in node @holder (0: here) running @fn or execv(@argv). */
static pid_t spawn(pid_t holder, int (*fn)(void *), void *arg, char *const argv[], int quiet)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (holder && enter(holder))
		_exit(120);
	if (quiet) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		if (quiet > 1)
			dup2(fd, 2);
	}
	if (fn)
		_exit(fn(arg));
	execv(argv[0], argv);
	_exit(127);
}

static int run(pid_t holder, char *const argv[])
{
	return qt_child_result(spawn(holder, NULL, NULL, argv, 1));
}

#define RUN(holder, ...) run(holder, (char *const[]){ __VA_ARGS__, NULL })

static int hold_fn(void *arg)
{
	int fd = (int)(intptr_t)arg;

	if (unshare(CLONE_NEWNET | CLONE_NEWIPC))
		return 1;
	if (write(fd, "", 1) != 1)
		return 1;
	for (;;)
		pause();
}

static pid_t holder(void)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = spawn(0, hold_fn, (void *)(intptr_t)p[1], NULL, 0);
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static int strtond_fn(void *arg)
{
	long long end = qt_now_ms() + 60000;
	int nd;

	while ((nd = netmgr_strtond(arg, NULL)) <= 0) {
		if (qt_now_ms() > end)
			return 1;
		qt_sleep_ms(50);
	}
	return 0;
}

/* ---- the server, in node B ---- */

static int server_fn(void *arg)
{
	static char buf[BIG + 4096], out[BIG];
	struct _msg_info info;
	struct req *r = (struct req *)buf;
	int chid, rcvid;

	(void)arg;
	if (shm->server_uid) {
		uint32_t id = shm->server_uid;

		if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id))
			return 3;
	}
	/*
	 * Public: a remote root is squashed to nobody by default, and every
	 * client may reach it.  The private one takes its euid (or root).
	 */
	chid = ChannelCreate(_NTO_CHF_UNBLOCK | _NTO_CHF_SENDER_LEN | _NTO_CHF_REPLY_LEN |
			     QCHAN_CHF_PUBLIC);
	if (chid < 0)
		return 1;
	shm->chid_private = ChannelCreate(0);
	if (shm->chid_private < 0)
		return 1;
	shm->chid = chid;
	shm->ready = 1;
	for (;;) {
		rcvid = MsgReceive(chid, buf, sizeof(buf), &info);
		if (rcvid < 0)
			return 2;
		if (rcvid == 0) {
			struct _pulse *p = (struct _pulse *)buf;

			if (p->code == _PULSE_CODE_UNBLOCK) {
				int v = p->value.sival_int, held = shm->held == v;

				/* All recorded before the client is released. */
				if (held)
					shm->held = 0;
				shm->unblock_value = v;
				shm->unblock_pulses++;
				if (held)
					MsgError(v, EINTR);
			} else if (p->code >= 0 && shm->pulses < 8) {
				shm->pulse_code[shm->pulses] = p->code;
				shm->pulse_value[shm->pulses] = p->value.sival_int;
				shm->pulses++;
			}
			continue;
		}
		shm->last_prio = info.priority;
		shm->last_pid = info.pid;
		shm->last_srclen = info.srcmsglen;
		shm->last_dstlen = info.dstmsglen;
		if (info.msglen < (int)sizeof(*r)) {
			MsgError(rcvid, EINVAL);
			continue;
		}
		switch (r->op) {
		case OP_ECHO:
			if (info.msglen != info.srcmsglen ||
			    qt_check(r + 1, info.msglen - sizeof(*r), r->seed, 0) != -1) {
				shm->bad = 1;
				MsgError(rcvid, EBADMSG);
				break;
			}
			qt_fill(out, r->rlen, r->seed + 1, 0);
			MsgReply(rcvid, info.msglen, out, r->rlen);
			break;
		case OP_ERROR:
			MsgError(rcvid, r->arg);
			break;
		case OP_HOLD: {
			static struct _client_info ci;

			/* The process behind the scoid: node B's worker (_msg_info names the client). */
			shm->held_proxy = ConnectClientInfo(info.scoid, &ci, 0) ? -1 : ci.pid;
			shm->held = rcvid;
			break;
		}
		case OP_WHO: {
			static struct _client_info ci;
			struct who_rep w = {
				.nd = info.nd, .srcnd = info.srcnd, .pid = info.pid, .tid = info.tid,
			};

			if (ConnectClientInfo(info.scoid, &ci, 0) < 0) {
				MsgError(rcvid, errno);
				break;
			}
			w.ci_nd = ci.nd;
			w.ci_pid = ci.pid;
			if (netmgr_ndtostr(0, info.nd, w.name, sizeof(w.name)) < 0)
				w.name[0] = 0;
			MsgReply(rcvid, 0, &w, sizeof(w));
			break;
		}
		case OP_CRED: {
			static struct _client_info ci;
			struct cred_rep cr = { 0 };

			if (ConnectClientInfo(info.scoid, &ci, 8) < 0) {
				MsgError(rcvid, errno);
				break;
			}
			cr.ruid = ci.cred.ruid;
			cr.euid = ci.cred.euid;
			cr.suid = ci.cred.suid;
			cr.rgid = ci.cred.rgid;
			cr.egid = ci.cred.egid;
			cr.sgid = ci.cred.sgid;
			cr.ngroups = ci.cred.ngroups;
			for (int i = 0; i < cr.ngroups && i < 8; i++)
				cr.groups[i] = ci.cred.grouplist[i];
			cr.pid = ci.pid;
			if (sched_getscheduler(0) == SCHED_FIFO) {
				struct sched_param sp;

				if (!sched_getparam(0, &sp))
					cr.server_prio = sp.sched_priority;
			}
			MsgReply(rcvid, 0, &cr, sizeof(cr));
			break;
		}
		case OP_RW:
			/* The proxy's copy: all of it is there to read and write. */
			if (MsgRead(rcvid, out, 100, sizeof(*r) + 1000) != 100 ||
			    qt_check(out, 100, r->seed, 1000) != -1)
				shm->bad = 1;
			MsgWrite(rcvid, "WXYZ", 4, 50);
			MsgReply(rcvid, 7, "ab", 2);
			break;
		default:
			MsgError(rcvid, ENOSYS);
		}
	}
}

FIXTURE_SETUP(qnet)
{
	char *qnetd = NULL;
	char pid[2][16];

	if (access(IP, X_OK) || access(TIPC, X_OK)) {
		self->skip = true;
		SKIP(return, "iproute2's ip and tipc are not in /usr/sbin");
	}
	{
		int fd = socket(AF_TIPC, SOCK_SEQPACKET, 0);

		if (fd < 0) {
			self->skip = true;
			SKIP(return, "no AF_TIPC (modprobe tipc)");
		}
		close(fd);
	}
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shm);
	ASSERT_NE(-1, readlink("/proc/self/exe", shm->exe_dir, sizeof(shm->exe_dir) - 1));
	*strrchr(shm->exe_dir, '/') = 0;
	ASSERT_LT(0, asprintf(&qnetd, "%s/qnetd", shm->exe_dir));
	ASSERT_EQ(0, access(qnetd, X_OK));
	ASSERT_EQ(0, qt_stats_read(&self->before));

	for (int i = 0; i < 2; i++) {
		self->node[i] = holder();
		ASSERT_LT(0, self->node[i]);
		snprintf(pid[i], sizeof(pid[i]), "%d", self->node[i]);
	}
	/* A leftover of an aborted run. */
	qt_child_result(spawn(0, NULL, NULL, (char *const[]){ IP, "link", "del", "qa0", NULL }, 2));
	ASSERT_EQ(0, RUN(0, IP, "link", "add", "qa0", "type", "veth", "peer", "name", "qb0"));
	ASSERT_EQ(0, RUN(0, IP, "link", "set", "qa0", "netns", pid[0]));
	ASSERT_EQ(0, RUN(0, IP, "link", "set", "qb0", "netns", pid[1]));
	for (int i = 0; i < 2; i++) {
		char *dev = i ? "qb0" : "qa0";

		ASSERT_EQ(0, RUN(self->node[i], IP, "link", "set", dev, "up"));
		/* Distinct identities; the address is their hash. */
		ASSERT_EQ(0, RUN(self->node[i], TIPC, "node", "set", "identity",
				 i ? "qnode-b" : "qnode-a"));
		ASSERT_EQ(0, RUN(self->node[i], TIPC, "bearer", "enable", "media", "eth",
				 "dev", dev));
		self->qnetd[i] = spawn(self->node[i], NULL, NULL,
				       (char *const[]){ qnetd, "-n", i ? "nodeb" : "nodea", NULL },
				       1);
		ASSERT_LT(0, self->qnetd[i]);
	}
	/* Up when each side finds the other by name (TIPC links come up in a moment). */
	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], strtond_fn, "nodeb", NULL, 0)));
	ASSERT_EQ(0, qt_child_result(spawn(self->node[1], strtond_fn, "nodea", NULL, 0)));
	free(qnetd);
}

FIXTURE_TEARDOWN(qnet)
{
	struct qt_stats now;

	if (!shm)
		return;
	for (int i = 0; i < self->nkids; i++)
		kill(self->kids[i], SIGKILL);
	for (int i = 0; i < 2; i++) {
		if (self->qnetd[i] > 0)
			kill(self->qnetd[i], SIGKILL);
		if (self->node[i] > 0)
			kill(self->node[i], SIGKILL);
	}
	while (wait(NULL) > 0)
		;
	/* Every object of qnetd, proxies, servers and clients is gone. */
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
}

static pid_t start_server(struct __test_metadata *_metadata, FIXTURE_DATA(qnet) *self)
{
	pid_t pid = spawn(self->node[1], server_fn, NULL, NULL, 0);
	long long end = qt_now_ms() + QT_WAIT_MS;

	self->kids[self->nkids++] = pid;
	while (!shm->ready && qt_now_ms() < end)
		qt_sleep_ms(1);
	EXPECT_EQ(1, shm->ready);
	return pid;
}

static long echo(int coid, size_t slen, size_t rlen, uint32_t seed, char *rbuf)
{
	static char sbuf[sizeof(struct req) + BIG];
	struct req *r = (struct req *)sbuf;

	r->op = OP_ECHO;
	r->seed = seed;
	r->rlen = rlen;
	qt_fill(r + 1, slen, seed, 0);
	return MsgSend(coid, sbuf, sizeof(*r) + slen, rbuf, rlen);
}

struct client_arg {
	pid_t server;
	int op;
	int arg;
};

/* Sizes both ways, names both ways. */
static int sizes_fn(void *p)
{
	static const size_t sizes[] = { 0, 1, 100, 4096, 65000, BIG - sizeof(struct req) };
	static const size_t rsizes[] = { 0, 1, 100, 4096, 65000, BIG };
	static char rbuf[BIG];
	struct client_arg *a = p;
	char name[64];
	int coid, nd;

	nd = netmgr_strtond("nodeb/dev/x", NULL);
	if (nd <= 0 || netmgr_strtond("nodea", NULL) != ND_LOCAL_NODE)
		return 10;
	if (netmgr_ndtostr(0, nd, name, sizeof(name)) != 5 || strcmp(name, "nodeb"))
		return 11;
	if (netmgr_ndtostr(0, ND_LOCAL_NODE, name, sizeof(name)) != 5 || strcmp(name, "nodea"))
		return 12;
	if (netmgr_strtond("nosuchnode", NULL) != -1 || errno != ENOENT)
		return 13;
	coid = ConnectAttach(nd, a->server, shm->chid, 0, 0);
	if (coid < 0)
		return 14;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t j = 0; j < sizeof(rsizes) / sizeof(rsizes[0]); j++) {
			uint32_t seed = 100 + i * 10 + j;

			memset(rbuf, 0, sizeof(rbuf));
			if (echo(coid, sizes[i], rsizes[j], seed, rbuf) !=
			    (long)(sizeof(struct req) + sizes[i]))
				return 20;
			if (qt_check(rbuf, rsizes[j], seed + 1, 0) != -1)
				return 21;
			if (shm->last_dstlen != (int)rsizes[j])
				return 22;
		}
	}
	/* More than Qnet carries: refused, not cut. */
	{
		char *big = calloc(1, BIG + 1);

		if (MsgSend(coid, big, BIG + 1, NULL, 0) != -1 || errno != EMSGSIZE)
			return 23;
		free(big);
	}
	if (ConnectDetach(coid))
		return 24;
	/* The connection is gone: the fd is no coid any more. */
	if (MsgSend(coid, "x", 1, NULL, 0) != -1 || errno != EBADF)
		return 25;
	return 0;
}

/* Round trips of 16 bytes each way, for the log: through Qnet (arg->op) or locally. */
static int timing_fn(void *p)
{
	struct client_arg *a = p;
	char rbuf[16];
	long long t0;
	int coid, n = 200;

	coid = ConnectAttach(a->op ? netmgr_strtond("nodeb", NULL) : ND_LOCAL_NODE, a->server,
			     shm->chid, 0, 0);
	if (coid < 0 || echo(coid, 0, 16, 1, rbuf) < 0)
		return 10;
	t0 = qt_now_ms();
	for (int i = 0; i < n; i++)
		if (echo(coid, 0, 16, 1, rbuf) < 0)
			return 11;
	printf("# %s round trip: %lld us (mean of %d)\n", a->op ? "Qnet" : "local",
	       (qt_now_ms() - t0) * 1000 / n, n);
	return 0;
}

TEST_F_TIMEOUT(qnet, send_reply_sizes, 180)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };

	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], sizes_fn, &a, NULL, 0)));
	EXPECT_EQ(0, shm->bad);
	a.op = 1;
	EXPECT_EQ(0, qt_child_result(spawn(self->node[0], timing_fn, &a, NULL, 0)));
	a.op = 0;
	EXPECT_EQ(0, qt_child_result(spawn(self->node[1], timing_fn, &a, NULL, 0)));
}

static int error_fn(void *p)
{
	struct client_arg *a = p;
	struct req r = { .op = OP_ERROR, .arg = a->arg };
	int nd = netmgr_strtond("nodeb", NULL);
	int coid;

	/* The remote attach's own errors: no such channel. */
	if (ConnectAttach(nd, a->server, shm->chid + 100, _NTO_SIDE_CHANNEL, 0) != -1)
		return 10;
	shm->err = errno;
	coid = ConnectAttach(nd, a->server, shm->chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		return 11;
	if (MsgSend(coid, &r, sizeof(r), NULL, 0) != -1 || errno != a->arg)
		return 12;
	r.op = 99;
	if (MsgSend(coid, &r, sizeof(r), NULL, 0) != -1 || errno != ENOSYS)
		return 13;
	/* An nd nobody has. */
	if (ConnectAttach(0x7654321, a->server, shm->chid, 0, 0) != -1 || errno != EHOSTUNREACH)
		return 14;
	return 0;
}

static int local_attach_fn(void *p)
{
	struct client_arg *a = p;

	return ConnectAttach(0, a->server, shm->chid + 100, _NTO_SIDE_CHANNEL, 0) == -1 ? errno
											: 0;
}

TEST_F_TIMEOUT(qnet, msg_error, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self), .arg = EPERM };
	int local;

	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], error_fn, &a, NULL, 0)));
	/* The same errno a ConnectAttach on node B itself gets. */
	local = qt_child_result(spawn(self->node[1], local_attach_fn, &a, NULL, 0));
	EXPECT_NE(0, local);
	EXPECT_EQ(local, shm->err);
}

static int pulse_fn(void *p)
{
	struct client_arg *a = p;
	struct req r = { .op = OP_ECHO, .seed = 1 };
	int coid;

	coid = ConnectAttach(netmgr_strtond("nodeb", NULL), a->server, shm->chid, 0, 0);
	if (coid < 0)
		return 10;
	for (int i = 0; i < 3; i++)
		if (MsgSendPulse(coid, -1, 5 + i, 1000 + i))
			return 11;
	/* A message after the pulses: they were forwarded first, in order. */
	if (MsgSend(coid, &r, sizeof(r), NULL, 0) != sizeof(r))
		return 12;
	return shm->pulses == 3 ? 0 : 13;
}

TEST_F_TIMEOUT(qnet, pulses, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };
	long long end;

	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], pulse_fn, &a, NULL, 0)));
	end = qt_now_ms() + QT_WAIT_MS;
	while (shm->pulses < 3 && qt_now_ms() < end)
		qt_sleep_ms(1);
	ASSERT_EQ(3, shm->pulses);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(5 + i, shm->pulse_code[i]);
		EXPECT_EQ(1000 + i, shm->pulse_value[i]);
	}
}

static int rw_prio_fn(void *p)
{
	static char sbuf[sizeof(struct req) + 4096];
	struct client_arg *a = p;
	struct req *r = (struct req *)sbuf;
	struct sched_param sp = { .sched_priority = 15 };
	char rbuf[64];
	int coid;

	coid = ConnectAttach(netmgr_strtond("nodeb", NULL), a->server, shm->chid, 0, 0);
	if (coid < 0)
		return 10;
	r->op = OP_RW;
	r->seed = 7;
	qt_fill(r + 1, 4096, 7, 0);
	memset(rbuf, '.', sizeof(rbuf));
	if (MsgSend(coid, sbuf, sizeof(sbuf), rbuf, sizeof(rbuf)) != 7)
		return 11;
	if (memcmp(rbuf, "ab", 2) || memcmp(rbuf + 50, "WXYZ", 4))
		return 12;
	/* The remote proxy sends at the client's priority. */
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		return 13;
	r->op = OP_ECHO;
	r->rlen = 0;
	if (MsgSend(coid, sbuf, sizeof(sbuf), NULL, 0) != (long)sizeof(sbuf))
		return 14;
	return shm->last_prio == 15 ? 0 : 15;
}

TEST_F_TIMEOUT(qnet, read_write_priority, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };

	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], rw_prio_fn, &a, NULL, 0)));
	EXPECT_EQ(0, shm->bad);
}

/* Sends a message the server holds; records the outcome. */
static int hold_fn2(void *p)
{
	struct client_arg *a = p;
	struct req r = { .op = OP_HOLD };
	int coid;

	coid = ConnectAttach(netmgr_strtond("nodeb", NULL), a->server, shm->chid, 0, 0);
	if (coid < 0)
		return 10;
	shm->stage = 1;
	if (MsgSend(coid, &r, sizeof(r), NULL, 0) != -1)
		return 11;
	shm->err = errno;
	shm->stage = 2;
	/* After a lost link the connection stays dead. */
	if (a->op && (MsgSend(coid, &r, sizeof(r), NULL, 0) != -1 || errno != a->op))
		return 12;
	return 0;
}

static pid_t start_held(struct __test_metadata *_metadata, FIXTURE_DATA(qnet) *self,
			struct client_arg *a)
{
	long long end = qt_now_ms() + 3 * QT_WAIT_MS;
	pid_t pid = spawn(self->node[0], hold_fn2, a, NULL, 0);

	self->kids[self->nkids++] = pid;
	while (!shm->held && qt_now_ms() < end)
		qt_sleep_ms(2);
	EXPECT_NE(0, shm->held);
	return pid;
}

/* The server dies holding the message: the client fails ESRCH, as locally. */
TEST_F_TIMEOUT(qnet, server_death, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };
	pid_t c = start_held(_metadata, self, &a);

	kill(a.server, SIGKILL);
	EXPECT_EQ(0, qt_child_result(c));
	EXPECT_EQ(ESRCH, shm->err);
}

/* Node B's qnetd dies: QNX's EHOSTDOWN, now and for later sends; no hang. */
TEST_F_TIMEOUT(qnet, remote_qnetd_death, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self), .op = EHOSTDOWN };
	pid_t c = start_held(_metadata, self, &a);

	kill(self->qnetd[1], SIGKILL);
	EXPECT_EQ(0, qt_child_result(c));
	EXPECT_EQ(EHOSTDOWN, shm->err);
}

/*
 * Node A's qnetd dies: its client fails as any client of a dead server
 * (ESRCH), and node B's proxy is released: the server hears it.
 */
TEST_F_TIMEOUT(qnet, local_qnetd_death, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };
	pid_t c = start_held(_metadata, self, &a);
	long long end;

	kill(self->qnetd[0], SIGKILL);
	EXPECT_EQ(0, qt_child_result(c));
	EXPECT_EQ(ESRCH, shm->err);
	end = qt_now_ms() + 3 * QT_WAIT_MS;
	while (!shm->unblock_pulses && qt_now_ms() < end)
		qt_sleep_ms(2);
	EXPECT_EQ(1, shm->unblock_pulses);
}

/* Node B drops off the network (its interface goes): EHOSTDOWN once TIPC gives up the link. */
TEST_F_TIMEOUT(qnet, node_loss, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self), .op = EHOSTDOWN };
	pid_t c = start_held(_metadata, self, &a);

	ASSERT_EQ(0, RUN(self->node[1], IP, "link", "del", "qb0"));
	EXPECT_EQ(0, qt_child_result(c));
	EXPECT_EQ(EHOSTDOWN, shm->err);
}

static int timeout_fn(void *p)
{
	struct client_arg *a = p;
	struct req r = { .op = OP_HOLD };
	uint64_t ns = 200 * 1000 * 1000;
	int coid;

	coid = ConnectAttach(netmgr_strtond("nodeb", NULL), a->server, shm->chid, 0, 0);
	if (coid < 0)
		return 10;
	if (TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_REPLY, NULL, &ns, NULL) < 0)
		return 11;
	/* The server (_NTO_CHF_UNBLOCK) hears of the timeout and answers EINTR. */
	if (MsgSend(coid, &r, sizeof(r), NULL, 0) != -1 || errno != EINTR)
		return 12;
	return 0;
}

/* A client's timeout crosses the network as the server's unblock pulse. */
TEST_F_TIMEOUT(qnet, client_timeout_unblock, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };

	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], timeout_fn, &a, NULL, 0)));
	EXPECT_EQ(1, shm->unblock_pulses);
	EXPECT_EQ(0, shm->held);
}

/* kill -9 of a REPLY-blocked client: the server gets its unblock pulse. */
TEST_F_TIMEOUT(qnet, client_kill9, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };
	pid_t c = start_held(_metadata, self, &a);
	long long end;
	int held = shm->held;

	kill(c, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(c));
	end = qt_now_ms() + 3 * QT_WAIT_MS;
	while (!shm->unblock_pulses && qt_now_ms() < end)
		qt_sleep_ms(2);
	EXPECT_EQ(1, shm->unblock_pulses);
	EXPECT_EQ(held, shm->unblock_value);
	EXPECT_EQ(0, shm->held);	/* released with MsgError by the server */
}

/* ---- credentials: node B runs a remote client's requests as that client ---- */

struct id_arg {
	pid_t server;
	int local;		/* in node B itself, for comparison */
	int private_chan;
	uint32_t uid[3], gid[3];	/* real, effective, saved; all 0: stays root */
	int ngroups;
	gid_t groups[4];
	int prio;		/* SCHED_FIFO, set before the ids are dropped */
};

/* Attaches (and sends OP_CRED on the public channel) as the ids of @p; shm->err, shm->rep. */
static int id_fn(void *p)
{
	struct id_arg *a = p;
	struct req r = { .op = OP_CRED };
	struct sched_param sp = { .sched_priority = a->prio };
	int coid, nd;

	if (a->prio && sched_setscheduler(0, SCHED_FIFO, &sp))
		return 10;
	if ((a->uid[1] || a->gid[1]) &&
	    (setgroups(a->ngroups, a->groups) || setresgid(a->gid[0], a->gid[1], a->gid[2]) ||
	     setresuid(a->uid[0], a->uid[1], a->uid[2])))
		return 11;
	nd = a->local ? ND_LOCAL_NODE : netmgr_strtond("nodeb", NULL);
	if (nd < 0)
		return 12;
	coid = ConnectAttach(nd, a->server, a->private_chan ? shm->chid_private : shm->chid,
			     _NTO_SIDE_CHANNEL, 0);
	shm->err = coid < 0 ? errno : 0;
	if (coid < 0)
		return 0;
	memset(&shm->rep, 0xff, sizeof(shm->rep));
	if (!a->private_chan && MsgSend(coid, &r, sizeof(r), &shm->rep, sizeof(shm->rep)) != 0)
		return 13;
	return ConnectDetach(coid) ? 14 : 0;
}

/* Runs id_fn in node A (or B with a->local); its exit status, shm->err its attach's errno. */
static int as_ids(FIXTURE_DATA(qnet) *self, struct id_arg *a)
{
	return qt_child_result(spawn(self->node[a->local ? 1 : 0], id_fn, a, NULL, 0));
}

/* Node B's qnetd again, with @opts (its id policy). */
static void restart_qnetd_b(struct __test_metadata *_metadata, FIXTURE_DATA(qnet) *self,
			    const char *o1, const char *o2)
{
	char qnetd[PATH_MAX + 8];

	snprintf(qnetd, sizeof(qnetd), "%s/qnetd", shm->exe_dir);
	kill(self->qnetd[1], SIGKILL);
	qt_child_result(self->qnetd[1]);
	self->qnetd[1] = spawn(self->node[1], NULL, NULL,
			       (char *const[]){ qnetd, "-n", "nodeb", (char *)o1, (char *)o2, NULL },
			       1);
	ASSERT_LT(0, self->qnetd[1]);
	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], strtond_fn, "nodeb", NULL, 0)));
}

/*
 * A non-root client's ids and groups (and its priority) arrive as they are:
 * the server's ConnectClientInfo names them, not root; group 0 is squashed.
 */
TEST_F_TIMEOUT(qnet, remote_user_ids, 120)
{
	if (self->skip)
		return;
	struct id_arg a = {
		.server = start_server(_metadata, self),
		.uid = { 1001, 1000, 1002 }, .gid = { 2001, 2000, 2002 },
		.ngroups = 3, .groups = { 3000, 0, 2000 }, .prio = 20,
	};
	long long end;

	ASSERT_EQ(0, as_ids(self, &a));
	ASSERT_EQ(0, shm->err);
	EXPECT_EQ(1001, shm->rep.ruid);
	EXPECT_EQ(1000, shm->rep.euid);
	EXPECT_EQ(1002, shm->rep.suid);
	EXPECT_EQ(2001, shm->rep.rgid);
	EXPECT_EQ(2000, shm->rep.egid);
	EXPECT_EQ(2002, shm->rep.sgid);
	ASSERT_EQ(3, shm->rep.ngroups);
	/* The kernel keeps them sorted: 0 became 65534. */
	EXPECT_EQ(2000, shm->rep.groups[0]);
	EXPECT_EQ(3000, shm->rep.groups[1]);
	EXPECT_EQ(65534, shm->rep.groups[2]);
	/* Not qnetd (root) itself: its worker for that identity. */
	EXPECT_NE(self->qnetd[1], shm->rep.pid);
	/* The unprivileged proxy still sends at the client's priority, which the server inherits. */
	EXPECT_EQ(20, shm->last_prio);
	EXPECT_EQ(20, shm->rep.server_prio);

	/* A second connection of the same identity: the same ids again. */
	a.prio = 0;
	ASSERT_EQ(0, as_ids(self, &a));
	EXPECT_EQ(1000, shm->rep.euid);
	EXPECT_EQ(2000, shm->rep.egid);
	/* Its last connection detached, the worker ends (qnetd reaps it). */
	end = qt_now_ms() + QT_WAIT_MS;
	while (!kill(shm->rep.pid, 0) && qt_now_ms() < end)
		qt_sleep_ms(5);
	EXPECT_EQ(-1, kill(shm->rep.pid, 0));
}

/*
 * The worker dies (the user it runs as on node B may kill it) with a
 * message in the server's hands: the client fails ESRCH, as when its
 * server dies, then and on later sends; nothing is left blocked.
 */
TEST_F_TIMEOUT(qnet, worker_death, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self), .op = ESRCH };
	pid_t c = start_held(_metadata, self, &a);

	ASSERT_LT(0, shm->held_proxy);
	ASSERT_NE(self->qnetd[1], shm->held_proxy);
	ASSERT_NE(c, shm->held_proxy);
	kill(shm->held_proxy, SIGKILL);
	EXPECT_EQ(0, qt_child_result(c));
	EXPECT_EQ(ESRCH, shm->err);
}

/* A remote root is nobody on node B by default: ids, groups, and what root may reach. */
TEST_F_TIMEOUT(qnet, remote_root_squashed, 120)
{
	if (self->skip)
		return;
	struct id_arg a = { .server = start_server(_metadata, self), .prio = 30 };

	ASSERT_EQ(0, as_ids(self, &a));
	ASSERT_EQ(0, shm->err);
	EXPECT_EQ(65534, shm->rep.ruid);
	EXPECT_EQ(65534, shm->rep.euid);
	EXPECT_EQ(65534, shm->rep.suid);
	EXPECT_EQ(65534, shm->rep.rgid);
	EXPECT_EQ(65534, shm->rep.egid);
	EXPECT_EQ(65534, shm->rep.sgid);
	for (int i = 0; i < shm->rep.ngroups && i < 8; i++)
		EXPECT_NE(0, shm->rep.groups[i]);
	EXPECT_EQ(30, shm->last_prio);
	EXPECT_EQ(30, shm->rep.server_prio);
	/* Root's own channel: root on node B may attach, the squashed remote root not. */
	a.private_chan = 1;
	ASSERT_EQ(0, as_ids(self, &a));
	EXPECT_EQ(EPERM, shm->err);
	a.local = 1;
	ASSERT_EQ(0, as_ids(self, &a));
	EXPECT_EQ(0, shm->err);
}

/*
 * The module's one connect check (same euid as the channel's creator, or
 * CAP_SYS_ADMIN, unless the channel is public) applies to the remote user as
 * to a local one.
 */
TEST_F_TIMEOUT(qnet, remote_attach_permission, 120)
{
	if (self->skip)
		return;
	struct id_arg a = { .private_chan = 1, .uid = { 1000, 1000, 1000 },
			    .gid = { 1000, 1000, 1000 } };

	shm->server_uid = 1000;
	a.server = start_server(_metadata, self);
	ASSERT_EQ(0, as_ids(self, &a));
	EXPECT_EQ(0, shm->err);
	a.uid[1] = 1001;
	ASSERT_EQ(0, as_ids(self, &a));
	EXPECT_EQ(EPERM, shm->err);
	a.local = 1;
	ASSERT_EQ(0, as_ids(self, &a));
	EXPECT_EQ(EPERM, shm->err);
	/* The public channel takes anyone; the server sees uid 1001. */
	a.local = 0;
	a.private_chan = 0;
	ASSERT_EQ(0, as_ids(self, &a));
	ASSERT_EQ(0, shm->err);
	EXPECT_EQ(1001, shm->rep.euid);
}

static int many_groups_fn(void *p)
{
	struct client_arg *a = p;
	int n = 16377;	/* one more than a CONNECT carries (QNET_MAX_GROUPS) */
	gid_t *groups = calloc(n, sizeof(*groups));

	if (!groups)
		return 10;
	for (int i = 0; i < n; i++)
		groups[i] = 10000 + i;
	if (setgroups(n, groups) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
		return 11;
	if (ConnectAttach(netmgr_strtond("nodeb", NULL), a->server, shm->chid, 0, 0) != -1)
		return 12;
	shm->err = errno;
	return 0;
}

/* More groups than the CONNECT carries: refused, not cut (a group may deny). */
TEST_F_TIMEOUT(qnet, remote_too_many_groups, 120)
{
	if (self->skip)
		return;
	struct client_arg a = { .server = start_server(_metadata, self) };

	ASSERT_EQ(0, qt_child_result(spawn(self->node[0], many_groups_fn, &a, NULL, 0)));
	EXPECT_EQ(E2BIG, shm->err);
}

/* qnetd -r trusts a remote root; -o OFFSET:COUNT moves remote ids into a range of node B's. */
TEST_F_TIMEOUT(qnet, remote_id_policy, 180)
{
	if (self->skip)
		return;
	struct id_arg a = { .server = start_server(_metadata, self) };

	restart_qnetd_b(_metadata, self, "-r", NULL);
	ASSERT_EQ(0, as_ids(self, &a));
	ASSERT_EQ(0, shm->err);
	EXPECT_EQ(0, shm->rep.euid);
	EXPECT_EQ(0, shm->rep.egid);
	a.private_chan = 1;
	ASSERT_EQ(0, as_ids(self, &a));
	EXPECT_EQ(0, shm->err);

	restart_qnetd_b(_metadata, self, "-o", "100000:65536");
	a.private_chan = 0;
	a.uid[0] = a.uid[1] = a.uid[2] = 1000;
	a.gid[0] = a.gid[1] = a.gid[2] = 2000;
	ASSERT_EQ(0, as_ids(self, &a));
	ASSERT_EQ(0, shm->err);
	EXPECT_EQ(101000, shm->rep.euid);
	EXPECT_EQ(101000, shm->rep.ruid);
	EXPECT_EQ(102000, shm->rep.egid);
	/* Outside the range: nobody. */
	a.uid[1] = 70000;
	ASSERT_EQ(0, as_ids(self, &a));
	ASSERT_EQ(0, shm->err);
	EXPECT_EQ(65534, shm->rep.euid);
	EXPECT_EQ(101000, shm->rep.ruid);
	/* Root is still squashed, not offset. */
	memset(&a.uid, 0, sizeof(a.uid));
	memset(&a.gid, 0, sizeof(a.gid));
	ASSERT_EQ(0, as_ids(self, &a));
	ASSERT_EQ(0, shm->err);
	EXPECT_EQ(65534, shm->rep.euid);
}

static int nd_a_fn(void *p)
{
	int nd = netmgr_strtond("nodea", NULL);

	(void)p;
	shm->nd_a = nd > 0 ? (uint32_t)nd : 0;
	return nd > 0 ? 0 : 1;
}

/* OP_WHO from the calling thread: the server must see this thread of this process. */
static int who(int coid, uint32_t want_nd, uint32_t want_srcnd, const char *want_name)
{
	struct req r = { .op = OP_WHO };
	struct who_rep w;

	memset(&w, 0xff, sizeof(w));
	if (MsgSend(coid, &r, sizeof(r), &w, sizeof(w)) != 0)
		return 1;
	if (w.nd != want_nd || w.ci_nd != want_nd)
		return 2;
	if (w.srcnd != want_srcnd)
		return 3;
	if (w.pid != getpid() || w.tid != qt_gettid())
		return 4;
	if (strcmp(w.name, want_name))
		return 5;
	return w.ci_pid > 0 ? -w.ci_pid : 6;
}

static void *who_thread(void *p)
{
	return (void *)(intptr_t)who(((int *)p)[0], ((int *)p)[1], ((int *)p)[2], "nodea");
}

/*
 * A client in node A (arg: which of two): the server sees its nd, node A's
 * name, srcnd (node B as node A names it), its pid and each thread's tid.
 * Client 0 keeps its connection (so both share the worker) until stage 2.
 */
static int who_fn(void *p)
{
	int idx = (int)(intptr_t)p, nd = netmgr_strtond("nodeb", NULL), ret;
	int targ[3];
	pthread_t t;
	void *tret;
	long long end;

	if (nd <= 0)
		return 10;
	targ[0] = ConnectAttach(nd, shm->server_pid, shm->chid, _NTO_SIDE_CHANNEL, 0);
	if (targ[0] < 0)
		return 11;
	ret = who(targ[0], shm->nd_a, nd, "nodea");
	if (ret >= 0)
		return 20 + ret;
	shm->who_pid[idx] = -ret;
	targ[1] = (int)shm->nd_a;
	targ[2] = nd;
	if (pthread_create(&t, NULL, who_thread, targ) || pthread_join(t, &tret))
		return 12;
	if ((intptr_t)tret != ret)
		return 30 + (int)(intptr_t)tret;
	if (!idx) {
		shm->stage = 1;
		end = qt_now_ms() + 3 * QT_WAIT_MS;
		while (shm->stage != 2 && qt_now_ms() < end)
			qt_sleep_ms(2);
	}
	return ConnectDetach(targ[0]) ? 13 : 0;
}

/* A client on node B itself: nd and srcnd 0, as before. */
static int who_local_fn(void *p)
{
	int coid = ConnectAttach(ND_LOCAL_NODE, (pid_t)(intptr_t)p, shm->chid, _NTO_SIDE_CHANNEL, 0);
	int ret;

	if (coid < 0)
		return 10;
	ret = who(coid, ND_LOCAL_NODE, 0, "nodeb");
	if (ret >= 0)
		return 20 + ret;
	return -ret == getpid() ? 0 : 14;
}

/*
 * QNX's _msg_info across Qnet: nd (naming node A on node B), srcnd, the
 * remote client's pid and tid; ConnectClientInfo's nd the same.  Two clients
 * of one identity through one worker each see their own pid; a local
 * client is nd 0.
 */
TEST_F_TIMEOUT(qnet, remote_sender_info, 120)
{
	if (self->skip)
		return;
	pid_t server = start_server(_metadata, self), c0;
	long long end = qt_now_ms() + 3 * QT_WAIT_MS;

	/* Node A as node B names it: what the server's nd must be. */
	ASSERT_EQ(0, qt_child_result(spawn(self->node[1], nd_a_fn, NULL, NULL, 0)));
	ASSERT_LT(0u, shm->nd_a);
	shm->server_pid = server;
	shm->stage = 0;
	c0 = spawn(self->node[0], who_fn, (void *)0, NULL, 0);
	self->kids[self->nkids++] = c0;
	while (shm->stage != 1 && qt_now_ms() < end)
		qt_sleep_ms(2);
	ASSERT_EQ(1, shm->stage);
	EXPECT_EQ(0, qt_child_result(spawn(self->node[0], who_fn, (void *)1, NULL, 0)));
	shm->stage = 2;
	EXPECT_EQ(0, qt_child_result(c0));
	/* One identity from one node: one worker, whose scoid both share. */
	EXPECT_LT(0, shm->who_pid[0]);
	EXPECT_EQ(shm->who_pid[0], shm->who_pid[1]);
	EXPECT_NE(self->qnetd[1], shm->who_pid[0]);

	EXPECT_EQ(0, qt_child_result(spawn(self->node[1], who_local_fn,
					   (void *)(intptr_t)server, NULL, 0)));
}

TEST_HARNESS_MAIN
