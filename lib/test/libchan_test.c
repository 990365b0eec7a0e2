// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libchan's own behaviour, checked in a guest with qchan loaded (TAP):
 * what the library adds on top of the ioctls -- the lazily opened context
 * and its reset after fork, racing first use from many threads, fd coids
 * moved above ConnectAttach's index, side-channel index, ConnectFlags,
 * ConnectDetach refusing fds that are not connections, errno handling of
 * the QNX calls and their _r twins, MsgReplyReceive.  The kernel's
 * semantics are the selftests' business (selftests/msg_*).
 *
 *	scripts/vm run --file build/lib/test/libchan_test -- ./libchan_test
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

static int checks, failures;

#define CHECK(cond, ...)						\
	do {								\
		int ok_ = !!(cond);					\
									\
		checks++;						\
		failures += !ok_;					\
		printf("%sok %d ", ok_ ? "" : "not ", checks);		\
		printf(__VA_ARGS__);					\
		printf("%s\n", ok_ ? "" : " [" #cond "]");		\
		fflush(stdout);						\
	} while (0)

#define CANARY	4242

/* The echo server: a thread of this process serving one channel. */
enum { OP_ECHO, OP_ERROR, OP_QUIT };

struct req {
	int op;
	long arg;
	char data[32];
};

struct server {
	int chid;
	pthread_t thread;
	struct _msg_info last;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	struct req req;
	struct _msg_info info;
	int rcvid;

	for (;;) {
		rcvid = MsgReceive(s->chid, &req, sizeof(req), &info);
		if (rcvid == -1)
			return NULL;
		s->last = info;
		switch (req.op) {
		case OP_ECHO:
			MsgReply(rcvid, req.arg, req.data, sizeof(req.data));
			break;
		case OP_ERROR:
			MsgError(rcvid, (int)req.arg);
			break;
		default:
			MsgReply(rcvid, 0, NULL, 0);
			return NULL;
		}
	}
}

static int server_start(struct server *s)
{
	s->chid = ChannelCreate(0);
	if (s->chid == -1)
		return -1;
	return pthread_create(&s->thread, NULL, serve, s) ? -1 : 0;
}

static void server_stop(struct server *s, int coid)
{
	struct req req = { .op = OP_QUIT };

	MsgSend(coid, &req, sizeof(req), NULL, 0);
	pthread_join(s->thread, NULL);
	ChannelDestroy(s->chid);
}

static int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* First use from many threads at once: exactly one context, no EBUSY. */
#define RACERS 8
static pthread_barrier_t race_barrier;
static int race_fd[RACERS], race_chid[RACERS];

static void *racer(void *arg)
{
	int i = (int)(intptr_t)arg;

	pthread_barrier_wait(&race_barrier);
	race_chid[i] = ChannelCreate(0);
	race_fd[i] = qchan_context_fd();
	return NULL;
}

static void test_first_use_race(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* The child has no context yet (the parent's was dropped at fork). */
		pthread_t t[RACERS];
		int i, bad = 0;

		pthread_barrier_init(&race_barrier, NULL, RACERS);
		for (i = 0; i < RACERS; i++)
			pthread_create(&t[i], NULL, racer, (void *)(intptr_t)i);
		for (i = 0; i < RACERS; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < RACERS; i++)
			if (race_chid[i] <= 0 || race_fd[i] != race_fd[0] || race_fd[i] < 0)
				bad++;
		_exit(bad);
	}
	CHECK(child_status(pid) == 0, "%d threads racing the first call share one context", RACERS);
}

static void test_context(void)
{
	int fd = qchan_context_fd();
	struct qchan_features f;

	CHECK(fd >= 0, "qchan_context_fd() = %d", fd);
	CHECK(qchan_context_fd() == fd, "the context fd is stable");
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "the context fd is close-on-exec");
	CHECK(qchan_get_features(&f) == 0 && f.abi_version == QCHAN_ABI_VERSION &&
	      (f.features & QCHAN_FEAT_MSG), "features: abi %u, mask %#llx", f.abi_version,
	      (unsigned long long)f.features);
}

static void test_fork(struct server *s, int side_coid, int fd_coid)
{
	int parent_fd = qchan_context_fd();
	pid_t pid = fork();

	if (pid == 0) {
		struct req req = { .op = OP_ECHO, .arg = 77 };
		char reply[32];
		int chid, err = 0;
		long st;

		/* The parent's side channel does not exist here. */
		errno = 0;
		if (MsgSend(side_coid, &req, sizeof(req), reply, sizeof(reply)) != -1 ||
		    errno != EBADF)
			err |= 1;
		/* The fd connection was inherited and works, through the child's own context. */
		st = MsgSend(fd_coid, &req, sizeof(req), reply, sizeof(reply));
		if (st != 77)
			err |= 2;
		/* A fresh context: channels can be created (no EBADFD from the parent's). */
		chid = ChannelCreate(0);
		if (chid <= 0)
			err |= 4;
		_exit(err);
	}
	CHECK(child_status(pid) == 0, "fork: the child gets its own context, inherits fd "
	      "connections only");
	CHECK(s->last.pid == pid && s->last.coid == fd_coid,
	      "fork: the server saw the child (pid %d, coid %d) as the sender", (int)s->last.pid,
	      s->last.coid);
	CHECK(qchan_context_fd() == parent_fd, "fork: the parent's context is untouched");
	CHECK(ChannelCreate(0) > 0, "fork: the parent still creates channels");
}

static void test_connect(struct server *s)
{
	int coid, p[2];

	coid = ConnectAttach(0, 0, s->chid, 100, 0);
	CHECK(coid >= 100 && coid < (int)_NTO_SIDE_CHANNEL, "fd coid moved to >= index 100: %d",
	      coid);
	CHECK(!(fcntl(coid, F_GETFD) & FD_CLOEXEC), "fd coid without _NTO_COF_CLOEXEC");
	CHECK(ConnectFlags(0, coid, _NTO_COF_CLOEXEC, _NTO_COF_CLOEXEC) == 0,
	      "ConnectFlags returns the old flags (0)");
	CHECK(fcntl(coid, F_GETFD) & FD_CLOEXEC, "ConnectFlags set FD_CLOEXEC");
	CHECK(ConnectFlags(0, coid, 0, 0) == (int)_NTO_COF_CLOEXEC, "ConnectFlags reads it back");
	CHECK(ConnectFlags(0, coid, _NTO_COF_CLOEXEC, 0) == (int)_NTO_COF_CLOEXEC &&
	      !(fcntl(coid, F_GETFD) & FD_CLOEXEC), "ConnectFlags clears it");
	errno = 0;
	CHECK(ConnectFlags(0, coid, _NTO_COF_NOSHARE, 0) == -1 && errno == EINVAL,
	      "ConnectFlags: unsupported flag -> EINVAL");
	errno = 0;
	CHECK(ConnectFlags(getpid() + 100000, coid, 0, 0) == -1 && errno == ESRCH,
	      "ConnectFlags: another pid -> ESRCH");
	CHECK(ConnectDetach(coid) == 0 && fcntl(coid, F_GETFD) == -1 && errno == EBADF,
	      "ConnectDetach closes the fd coid");

	coid = ConnectAttach(0, 0, s->chid, 64, _NTO_COF_CLOEXEC);
	CHECK(coid >= 64 && (fcntl(coid, F_GETFD) & FD_CLOEXEC),
	      "fd coid moved with _NTO_COF_CLOEXEC keeps FD_CLOEXEC: %d", coid);
	ConnectDetach(coid);

	coid = ConnectAttach(0, 0, s->chid, _NTO_SIDE_CHANNEL | 10, 0);
	CHECK(coid >= (int)(_NTO_SIDE_CHANNEL | 10), "side coid >= requested index: %#x", coid);
	CHECK(ConnectFlags(0, coid, 0, 0) == (int)_NTO_COF_CLOEXEC,
	      "ConnectFlags: a side channel is always close-on-exec");
	CHECK(ConnectDetach(coid) == 0, "ConnectDetach of a side coid");
	errno = 0;
	CHECK(ConnectDetach(coid) == -1 && errno == EINVAL, "ConnectDetach twice -> EINVAL");

	if (pipe(p) == 0) {
		errno = 0;
		CHECK(ConnectDetach(p[0]) == -1 && errno == EINVAL && fcntl(p[0], F_GETFD) >= 0,
		      "ConnectDetach of a pipe -> EINVAL, pipe left open");
		errno = 0;
		CHECK(ConnectFlags(0, p[1], 0, 0) == -1 && errno == EBADF,
		      "ConnectFlags of a pipe -> EBADF");
		close(p[0]);
		close(p[1]);
	}
	errno = 0;
	CHECK(ConnectDetach(qchan_context_fd()) == -1 && errno == EINVAL &&
	      ChannelCreate(0) > 0, "ConnectDetach of the context fd -> EINVAL, context intact");
	errno = 0;
	CHECK(ConnectAttach(0, 0, s->chid, _NTO_SIDE_CHANNEL, _NTO_COF_NOSHARE) == -1 &&
	      errno == EINVAL, "ConnectAttach: unsupported flag -> EINVAL");
	errno = 0;
	CHECK(ConnectAttach(1, 0, s->chid, _NTO_SIDE_CHANNEL, 0) == -1 && errno != 0,
	      "ConnectAttach: remote node refused (%s)", strerror(errno));
	errno = 0;
	CHECK(ConnectAttach(0, 0, 0x7ffff, _NTO_SIDE_CHANNEL, 0) == -1 && errno == ESRCH,
	      "ConnectAttach: unknown chid -> ESRCH");
}

static void test_errno(struct server *s, int coid)
{
	struct req req = { .op = OP_ECHO, .arg = -5 };
	char reply[32];
	long st;

	errno = CANARY;
	st = MsgSend(coid, &req, sizeof(req), reply, sizeof(reply));
	CHECK(st == -5 && errno == CANARY, "MsgSend returns a negative status as is");

	req.op = OP_ERROR;
	req.arg = ENOENT;
	errno = 0;
	st = MsgSend(coid, &req, sizeof(req), reply, sizeof(reply));
	CHECK(st == -1 && errno == ENOENT, "MsgError(ENOENT) -> MsgSend -1/ENOENT");
	errno = CANARY;
	st = MsgSend_r(coid, &req, sizeof(req), reply, sizeof(reply));
	CHECK(st == -ENOENT && errno == CANARY, "MsgSend_r -> -ENOENT, errno untouched");
	req.arg = EOK;
	CHECK(MsgSend(coid, &req, sizeof(req), reply, sizeof(reply)) == 0,
	      "MsgError(EOK) -> MsgSend returns 0");
	req.arg = ESRVRFAULT;
	errno = 0;
	CHECK(MsgSendnc(coid, &req, sizeof(req), reply, sizeof(reply)) == -1 &&
	      errno == ESRVRFAULT, "MsgSendnc: errno ESRVRFAULT passes through");

	errno = CANARY;
	CHECK(ChannelDestroy_r(0x7ffff) < 0 && errno == CANARY,
	      "ChannelDestroy_r of an unknown chid fails without touching errno");
	errno = CANARY;
	CHECK(MsgReply_r(0x7ffffff, 0, NULL, 0) == -ESRCH && errno == CANARY,
	      "MsgReply_r of an unknown rcvid -> -ESRCH");
	errno = 0;
	CHECK(MsgReply(0x7ffffff, 0, NULL, 0) == -1 && errno == ESRCH,
	      "MsgReply of an unknown rcvid -> -1/ESRCH");
	errno = 0;
	CHECK(MsgSendv(coid, NULL, (size_t)UINT32_MAX + 1, NULL, 0) == -1 && errno == EINVAL,
	      "MsgSendv with more than 2^32 parts -> EINVAL");
	CHECK(s->last.pid == getpid() && s->last.coid == coid && s->last.chid == s->chid,
	      "_msg_info names the sender: pid %d coid %#x chid %d", (int)s->last.pid,
	      (unsigned)s->last.coid, s->last.chid);
}

/* A client thread for the MsgReplyReceive test: sends @n numbered messages. */
struct rr_client {
	int coid, n, bad;
};

static void *rr_send(void *arg)
{
	struct rr_client *c = arg;
	int i;

	for (i = 1; i <= c->n; i++) {
		struct req req = { .op = OP_ECHO, .arg = i };
		long reply = 0, st;

		snprintf(req.data, sizeof(req.data), "msg %d", i);
		st = MsgSend(c->coid, &req, sizeof(req), &reply, sizeof(reply));
		if (st != i * 10 || reply != -i)
			c->bad++;
	}
	return NULL;
}

static void test_reply_receive(void)
{
	struct rr_client c = { .n = 5 };
	struct _msg_info info;
	struct req req;
	pthread_t t;
	iov_t riov, iov;
	long answer;
	int chid, rcvid = 0, i, rr, ok = 1;

	chid = ChannelCreate(0);
	c.coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (chid == -1 || c.coid == -1) {
		CHECK(0, "MsgReplyReceive setup: %s", strerror(errno));
		return;
	}
	pthread_create(&t, NULL, rr_send, &c);
	SETIOV(&iov, &req, sizeof(req));
	SETIOV(&riov, &answer, sizeof(answer));
	/* The classic loop, one system call per message; the last reply is a plain one. */
	for (i = 0; i < c.n; i++) {
		if (i == 2) {
			/* The native call, with the reply's own result. */
			rr = -1;
			rcvid = qchan_msg_reply_receive(rcvid, req.arg * 10, &riov, 1, chid, &iov, 1,
							(struct qchan_msg_info *)&info, &rr);
			ok &= rr == 0;
		} else {
			rcvid = MsgReplyReceive(rcvid, i ? req.arg * 10 : 0, &riov, 1, chid, &iov, 1,
						&info);
		}
		if (rcvid <= 0 || info.pid != getpid() || req.arg != i + 1 ||
		    info.msglen != (int)sizeof(req)) {
			ok = 0;
			break;
		}
		answer = -req.arg;
	}
	if (ok)
		MsgReplyv(rcvid, req.arg * 10, &riov, 1);
	pthread_join(t, NULL);
	CHECK(ok && c.bad == 0, "MsgReplyReceive serves %d messages in a loop", c.n);

	/* A stale rcvid: the reply fails, the receive still happens. */
	c.n = 1;
	c.bad = 0;
	pthread_create(&t, NULL, rr_send, &c);
	rcvid = qchan_msg_reply_receive(0x7ffffff, 0, NULL, 0, chid, &iov, 1, NULL, &rr);
	CHECK(rcvid > 0 && rr == -ESRCH, "stale rcvid: reply_result -ESRCH, receive proceeds");
	answer = -1;
	MsgReply(rcvid, 10, &answer, sizeof(answer));
	pthread_join(t, NULL);
	CHECK(c.bad == 0, "the message received after a failed reply is answered");

	errno = 0;
	CHECK(MsgInfo(rcvid, &info) == -1 && errno == ESRCH, "MsgInfo of a replied rcvid -> ESRCH");
	ConnectDetach(c.coid);
	ChannelDestroy(chid);
}

int main(void)
{
	struct server s;
	int side, fd;

	test_context();
	if (server_start(&s)) {
		printf("Bail out! cannot start the server: %s\n", strerror(errno));
		return 1;
	}
	side = ConnectAttach(0, 0, s.chid, _NTO_SIDE_CHANNEL, 0);
	fd = ConnectAttach(0, 0, s.chid, 0, 0);
	if (side == -1 || fd == -1) {
		printf("Bail out! ConnectAttach: %s\n", strerror(errno));
		return 1;
	}
	test_first_use_race();
	test_fork(&s, side, fd);
	test_connect(&s);
	test_errno(&s, side);
	test_reply_receive();
	server_stop(&s, side);

	printf("1..%d\n# %d failed of %d\n", checks, failures, checks);
	return failures ? 1 : 0;
}
