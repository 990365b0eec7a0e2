/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the death-notice selftests (msg_notice_test, msg_coiddeath_test):
 * bounded receives, the "nothing pending" sentinel, and client and server
 * processes driven through pipes.  The rules of qchan_test_util.h hold:
 * nothing here ASSERTs; children report through pipes and exit codes.
 */
#ifndef QCHAN_NOTICE_UTIL_H
#define QCHAN_NOTICE_UTIL_H

#include "qchan_test_util.h"

#include <qchan/libchan.h>

#include "kselftest_harness.h"

#define SENTINEL	99	/* a process pulse code: "nothing else was pending" */

union msgbuf {
	struct _pulse pulse;
	char text[32];
};

static inline void alarm_handler(int sig)
{
	(void)sig;
}

/*
 * MsgReceive that gives up (EINTR) after QT_WAIT_MS: a notice that never
 * comes fails the test instead of hanging it.  The rcvid, 0 for a pulse, or
 * -errno.
 */
static inline int receive_timed(int chid, union msgbuf *m, struct _msg_info *info)
{
	struct sigaction sa = { .sa_handler = alarm_handler };
	int r;

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: the receive ends with EINTR */
	memset(m, 0, sizeof(*m));
	alarm(QT_WAIT_MS / 1000);
	r = MsgReceive_r(chid, m, sizeof(*m), info);
	alarm(0);
	return r;
}

/* Receives a pulse on @chid: its code, or a negative errno (-EPROTO: a message came). */
static inline int receive_pulse(int chid, struct _pulse *p)
{
	union msgbuf m;
	int r = receive_timed(chid, &m, NULL);

	memset(p, 0, sizeof(*p));
	if (r > 0) {
		MsgError(r, EPROTO);
		return -EPROTO;
	}
	if (r < 0)
		return r;
	*p = m.pulse;
	return p->code;
}

/*
 * True if nothing is pending on @chid: a sentinel pulse sent now through
 * @coid (priority 0, the lowest) is the next thing received.
 */
static inline bool nothing_pending(int chid, int coid)
{
	struct _pulse p;

	if (MsgSendPulse(coid, 0, SENTINEL, 0))
		return false;
	return receive_pulse(chid, &p) == SENTINEL;
}

/* Receives one message on @chid and replies to it; its scoid, or -errno. */
static inline int serve_one(int chid, struct _msg_info *info)
{
	union msgbuf m;
	int r = receive_timed(chid, &m, info);

	if (r <= 0)
		return r ? r : -EPROTO;
	return MsgReply(r, 0, NULL, 0) ? -errno : info->scoid;
}

/* ---- a client process driven through pipes ---- */

enum {
	C_ATTACH_SIDE = 1,	/* arg: 0 -> coid */
	C_ATTACH_FD,		/* arg: ConnectAttach flags -> coid */
	C_DETACH,		/* arg: coid -> 0 or -errno */
	C_CLOSE,		/* arg: fd -> 0 or -errno */
	C_SEND,			/* arg: coid -> MsgSend's result or -errno (the server replies) */
	C_PULSE,		/* arg: coid -> MsgSendPulse_r (code 5, priority 0) */
	C_FIFO,			/* arg: SCHED_FIFO priority -> 0 or -errno */
	C_CHID,			/* arg: the server's channel the attaches go to from now -> 0 */
	C_EXEC,			/* arg: coid that survives or -1; no answer (the helper reports) */
	C_EXIT,			/* arg: exit status */
};

#define EXEC_HELPER	"--msg-notice-exec-helper"

struct client {
	pid_t pid;
	int cmd;		/* parent -> child */
	int res;		/* child -> parent */
};

static inline int client_cmd(struct client *c, int cmd, int arg)
{
	return qt_write_int(c->cmd, cmd) ?: qt_write_int(c->cmd, arg);
}

static inline int client_res(struct client *c, int *res)
{
	return qt_read_int(c->res, res);
}

/* Runs a command to its answer: the answer, or -EIO if the child is gone. */
static inline int client_do(struct client *c, int cmd, int arg)
{
	int res;

	if (client_cmd(c, cmd, arg) || client_res(c, &res))
		return -EIO;
	return res;
}

static inline void client_exec(pid_t server, int chid, int keep, int res)
{
	char a[4][16];
	char *args[] = { "msg_notice_test", EXEC_HELPER, a[0], a[1], a[2], a[3], NULL };

	snprintf(a[0], sizeof(a[0]), "%d", server);
	snprintf(a[1], sizeof(a[1]), "%d", chid);
	snprintf(a[2], sizeof(a[2]), "%d", keep);
	snprintf(a[3], sizeof(a[3]), "%d", dup(res));	/* without CLOEXEC */
	execv("/proc/self/exe", args);
}

static inline void client_loop(pid_t server, int chid, int in, int out)
{
	struct sched_param sp;
	int cmd, arg, r;

	while (!qt_read_int(in, &cmd) && !qt_read_int(in, &arg)) {
		switch (cmd) {
		case C_ATTACH_SIDE:
			r = ConnectAttach_r(0, server, chid, _NTO_SIDE_CHANNEL, 0);
			break;
		case C_ATTACH_FD:
			r = ConnectAttach_r(0, server, chid, 0, arg);
			break;
		case C_DETACH:
			r = ConnectDetach_r(arg);
			break;
		case C_CLOSE:
			r = close(arg) ? -errno : 0;
			break;
		case C_SEND:
			r = (int)MsgSend_r(arg, "hello", 6, NULL, 0);
			break;
		case C_PULSE:
			r = MsgSendPulse_r(arg, 0, 5, 0);
			break;
		case C_FIFO:
			sp.sched_priority = arg;
			r = -pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
			break;
		case C_CHID:
			chid = arg;
			r = 0;
			break;
		case C_EXEC:
			client_exec(server, chid, arg, out);
			_exit(70);
		case C_EXIT:
			_exit(arg);
		default:
			_exit(71);
		}
		if (qt_write_int(out, r))
			_exit(72);
	}
	_exit(73);
}

/* Forks a client of (@server, @chid); 0 or -errno. */
static inline int client_start(struct client *c, pid_t server, int chid)
{
	int down[2], up[2];

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0)
		return -errno;
	if (!c->pid) {
		close(down[1]);
		close(up[0]);
		client_loop(server, chid, down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	c->cmd = down[1];
	c->res = up[0];
	return 0;
}

/* Reaps the client: its exit status (qt_child_result's conventions). */
static inline int client_wait(struct client *c)
{
	int status = qt_child_result(c->pid);

	c->pid = 0;
	close(c->cmd);
	close(c->res);
	return status;
}

/* Tells the client to exit with status 0 and reaps it: 0, or its status. */
static inline int client_exit(struct client *c)
{
	if (client_cmd(c, C_EXIT, 0))
		return -EIO;
	return client_wait(c);
}

static inline int client_kill(struct client *c)
{
	kill(c->pid, SIGKILL);
	return client_wait(c) == 1000 + SIGKILL ? 0 : -ECHILD;
}


/* ---- a server process driven through pipes ---- */

enum {
	S_CREATE = 1,		/* arg: channel flags -> chid */
	S_DESTROY,		/* arg: chid -> 0 or -errno */
	S_FIFO,			/* arg: SCHED_FIFO priority -> 0 or -errno */
	S_EXIT,			/* arg: exit status */
};

static inline void server_loop(int in, int out)
{
	struct sched_param sp;
	int cmd, arg, r;

	while (!qt_read_int(in, &cmd) && !qt_read_int(in, &arg)) {
		switch (cmd) {
		case S_CREATE:
			r = ChannelCreate_r(arg);
			break;
		case S_DESTROY:
			r = ChannelDestroy_r(arg);
			break;
		case S_FIFO:
			sp.sched_priority = arg;
			r = -pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
			break;
		case S_EXIT:
			_exit(arg);
		default:
			_exit(71);
		}
		if (qt_write_int(out, r))
			_exit(72);
	}
	_exit(73);
}

static inline int server_start(struct client *s)
{
	int down[2], up[2];

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		return -errno;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (!s->pid) {
		close(down[1]);
		close(up[0]);
		server_loop(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	s->cmd = down[1];
	s->res = up[0];
	return 0;
}


/* ---- the fixture: this process, a channel, a connection of its own to it ---- */

FIXTURE(notice) {
	struct qt_stats before;
	unsigned long max_pulses;
	int chid;		/* the channel under test (flags per test) */
	int me;			/* our own side connection to it: sentinels */
	struct client c;	/* a client or a server process */
	struct client c2;
};

FIXTURE_SETUP(notice)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	ASSERT_EQ(0, qt_param_get("max_pulses", &self->max_pulses));
	self->chid = 0;
	self->me = -1;
}

FIXTURE_TEARDOWN(notice)
{
	struct qt_stats now;

	_metadata->trigger = 0;
	if (self->c.pid > 0)
		client_kill(&self->c);
	if (self->c2.pid > 0)
		client_kill(&self->c2);
	if (self->me >= 0)
		ConnectDetach(self->me);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	qt_param_set("max_pulses", self->max_pulses);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld scons %ld->%ld pulses %ld->%ld msgs %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.server_connections, now.server_connections,
		       self->before.pulses, now.pulses, self->before.msgs_in_flight,
		       now.msgs_in_flight);
}

#endif /* QCHAN_NOTICE_UTIL_H */
