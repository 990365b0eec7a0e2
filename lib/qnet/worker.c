// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A qnetd worker: the proxies of one remote identity (docs/QNET.md,
 * "Credentials").  qnetd starts it (fork + exec of its own binary, so no
 * lock or thread of qnetd's comes along) with a socket pair on
 * QNET_WORKER_FD, and forwards to it every request of the connections it
 * routes here, in qnetd's wire format.  The first is a CONNECT: while still
 * root the worker marks its qchan context a network proxy for node A
 * (QCHAN_IOC_NET_PROXY: servers see node A's nd, and each message the remote
 * client's pid and tid), then its ids, already mapped by node B's policy,
 * become the process's own before it attaches anything, so the targets'
 * connect permission (euid),
 * ConnectClientInfo (ids and groups of the client process, hence a process
 * per identity, not threads with their own ids) and anything else the
 * kernel checks see the remote user.
 *
 * Priority: an unprivileged process may create SCHED_FIFO threads up to its
 * RLIMIT_RTPRIO, which root raises before it drops its ids; no capability
 * survives, and qchan caps a pulse's priority by the same limit.
 *
 * The worker ends when qnetd shuts its socket (no connection left, the
 * other node gone, qnetd dead): it releases its proxies as a vanished
 * client would be, detaches, and exits once the last proxy is done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "qnetd.h"

struct wconn {
	struct wconn *next;
	uint32_t conn;
	int coid;		/* our side connection to the target channel */
};

struct proxy {
	struct proxy *next;
	pthread_t thread;
	uint32_t seq;
	int coid;
	uint32_t rbytes;
	bool unblock;
	struct qnet_wire *msg;	/* header + payload as received */
};

static struct {
	int fd;
	pthread_mutex_t wlock;
	pthread_cond_t idle;	/* the last proxy is done */
	struct wconn *conns;
	struct proxy *proxies;
	int become_err;		/* the ids could not be taken: every CONNECT fails so */
	bool net;		/* marked a network proxy: sends name the remote client */
} wk = { .wlock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER };

static void noop(int sig)
{
	(void)sig;
}

static void reply(uint32_t op, const struct qnet_wire *req, int err)
{
	struct qnet_wire r = {
		.magic = QNET_WIRE_MAGIC, .op = op, .conn = req->conn, .seq = req->seq, .err = err,
	};

	send_msg(wk.fd, &wk.wlock, &r, HDR);
}

/* Takes the mapped identity of the first CONNECT; 0 or an errno. */
static int become(const struct qnet_wire *w)
{
	const struct qnet_cred *c = (const struct qnet_cred *)(w + 1);
	int max = sched_get_priority_max(SCHED_FIFO);
	struct rlimit rl = { max, max };
	gid_t *groups;
	int err = 0;

	if (w->len < sizeof(*c) || c->ngroups > QNET_MAX_GROUPS ||
	    w->len != sizeof(*c) + c->ngroups * sizeof(uint32_t))
		return EINVAL;
	groups = malloc((c->ngroups + 1) * sizeof(*groups));
	if (!groups)
		return ENOMEM;
	for (uint32_t i = 0; i < c->ngroups; i++)
		groups[i] = ((const uint32_t *)(c + 1))[i];
	/*
	 * While still root (CAP_SYS_ADMIN), and before any connection: the
	 * servers see node A's nd and each message's remote pid and tid.  An
	 * older module without it: the proxies are seen as themselves.
	 */
	err = -qchan_net_proxy(w->nd, (uint32_t)w->status);
	wk.net = !err;
	if (err)
		logv("worker %d: no network proxy mark (%s)\n", (int)getpid(), strerror(err));
	err = 0;
	/*
	 * Still root and single-threaded: glibc's wrappers change the one
	 * thread there is.  The gids before the uids (root is needed to set
	 * them), and a process that cannot take all of them does not run.
	 */
	if (max < 0 || setrlimit(RLIMIT_RTPRIO, &rl) || setgroups(c->ngroups, groups) ||
	    setresgid(c->rgid, c->egid, c->sgid) || setresuid(c->ruid, c->euid, c->suid))
		err = errno;
	free(groups);
	if (!err)
		logv("worker %d: uid %u/%u/%u gid %u/%u/%u, %u groups\n", (int)getpid(), c->ruid,
		     c->euid, c->suid, c->rgid, c->egid, c->sgid, c->ngroups);
	return err;
}

static void *proxy_fn(void *arg)
{
	struct proxy *x = arg, **xp;
	struct qnet_wire *r = calloc(1, HDR + x->rbytes);
	long status;
	bool dead;

	pthread_mutex_lock(&g.lock);
	dead = x->unblock;
	pthread_mutex_unlock(&g.lock);
	if (!r) {
		status = -1;
		errno = ENOMEM;
	} else if (dead) {
		/* Released before we sent: as QNX, the message is not delivered. */
		status = -1;
		errno = EINTR;
	} else if (wk.net && x->msg->b > 0 && x->msg->status > 0 && x->msg->status <= INT_MAX) {
		struct iovec siov = { x->msg + 1, x->msg->len }, riov = { r + 1, x->rbytes };
		int ret = qchan_net_sendv(x->coid, x->msg->b, (pid_t)x->msg->status, &siov, 1,
					  &riov, 1, &status);

		if (ret < 0) {
			status = -1;
			errno = -ret;
		}
	} else {
		status = MsgSend(x->coid, x->msg + 1, x->msg->len, r + 1, x->rbytes);
	}
	if (r) {
		r->magic = QNET_WIRE_MAGIC;
		r->op = QNET_REPLY;
		r->conn = x->msg->conn;
		r->seq = x->seq;
		if (status == -1) {
			r->err = errno;
		} else {
			r->status = status;
			/* The whole reply buffer: what MsgReply and MsgWrite put there. */
			r->len = x->rbytes;
		}
		/* Fails only once qnetd is gone: nobody waits for it then. */
		send_msg(wk.fd, &wk.wlock, r, HDR + r->len);
	} else {
		reply(QNET_REPLY, x->msg, ENOMEM);
	}
	pthread_mutex_lock(&g.lock);
	for (xp = &wk.proxies; *xp; xp = &(*xp)->next) {
		if (*xp == x) {
			*xp = x->next;
			break;
		}
	}
	if (!wk.proxies)
		pthread_cond_broadcast(&wk.idle);
	pthread_mutex_unlock(&g.lock);
	free(r);
	free(x->msg);
	free(x);
	return NULL;
}

static void proxy_start(int coid, struct qnet_wire *w, size_t n)
{
	struct proxy *x = calloc(1, sizeof(*x));
	struct sched_param sp = { .sched_priority = w->prio };
	pthread_attr_t attr;
	int ret = ENOMEM;

	if (!x || !(x->msg = malloc(n)))
		goto fail;
	memcpy(x->msg, w, n);
	x->seq = w->seq;
	x->coid = coid;
	x->rbytes = w->a >= 0 && (uint32_t)w->a <= QNET_MAX_MSG ? (uint32_t)w->a : 0;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The client's priority, as its local MsgSend would have carried it. */
	if (w->prio > 0 && w->prio <= sched_get_priority_max(SCHED_FIFO)) {
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
	}
	pthread_mutex_lock(&g.lock);
	ret = pthread_create(&x->thread, &attr, proxy_fn, x);
	if (ret == EPERM) {	/* RLIMIT_RTPRIO lowered under us: at our own priority */
		pthread_attr_setinheritsched(&attr, PTHREAD_INHERIT_SCHED);
		ret = pthread_create(&x->thread, &attr, proxy_fn, x);
	}
	if (!ret) {
		x->next = wk.proxies;
		wk.proxies = x;
	}
	pthread_mutex_unlock(&g.lock);
	pthread_attr_destroy(&attr);
	if (!ret)
		return;
fail:
	if (x)
		free(x->msg);
	free(x);
	reply(QNET_REPLY, w, ret == ENOMEM ? ENOMEM : EAGAIN);
}

static int conn_coid(uint32_t conn)
{
	struct wconn *c;
	int coid = -1;

	pthread_mutex_lock(&g.lock);
	for (c = wk.conns; c; c = c->next)
		if (c->conn == conn)
			coid = c->coid;
	pthread_mutex_unlock(&g.lock);
	return coid;
}

static void handle(struct qnet_wire *w, size_t n)
{
	struct wconn **cp, *c;
	struct proxy *x;
	int coid;

	switch (w->op) {
	case QNET_CONNECT:
		if (wk.become_err) {
			reply(QNET_CONNECTED, w, wk.become_err);
			break;
		}
		c = calloc(1, sizeof(*c));
		coid = c ? ConnectAttach(ND_LOCAL_NODE, w->a, w->b, _NTO_SIDE_CHANNEL, 0) : -1;
		if (coid < 0) {
			reply(QNET_CONNECTED, w, c ? errno : ENOMEM);
			free(c);
			break;
		}
		c->conn = w->conn;
		c->coid = coid;
		pthread_mutex_lock(&g.lock);
		c->next = wk.conns;
		wk.conns = c;
		pthread_mutex_unlock(&g.lock);
		reply(QNET_CONNECTED, w, 0);
		break;
	case QNET_DETACH:
		pthread_mutex_lock(&g.lock);
		for (cp = &wk.conns; (c = *cp); cp = &c->next)
			if (c->conn == w->conn)
				break;
		if (c)
			*cp = c->next;
		pthread_mutex_unlock(&g.lock);
		if (c) {
			ConnectDetach(c->coid);
			free(c);
		}
		break;
	case QNET_PULSE:
		coid = conn_coid(w->conn);
		if (coid >= 0)
			MsgSendPulse(coid, w->prio, w->a, (int)w->status);
		break;
	case QNET_SEND:
		coid = conn_coid(w->conn);
		if (coid < 0)
			reply(QNET_REPLY, w, EBADF);
		else
			proxy_start(coid, w, n);
		break;
	case QNET_UNBLOCK:
		pthread_mutex_lock(&g.lock);
		for (x = wk.proxies; x; x = x->next) {
			if (x->seq == w->seq) {
				/* EINTR out of MsgSend, or the server's unblock pulse. */
				x->unblock = true;
				pthread_kill(x->thread, SIGUSR1);
			}
		}
		pthread_mutex_unlock(&g.lock);
		break;
	}
}

int worker_main(int fd)
{
	struct sigaction sa = { .sa_handler = noop };	/* no SA_RESTART: EINTR */
	struct qnet_wire *w = malloc(HDR + QNET_MAX_MSG);
	struct wconn *c;
	struct proxy *x;
	ssize_t n;

	wk.fd = fd;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!w)
		return 1;
	n = recv_msg(fd, w, HDR + QNET_MAX_MSG);
	if (!wire_ok(w, n) || w->op != QNET_CONNECT)
		return 1;
	wk.become_err = become(w);
	do
		handle(w, n);
	while ((n = recv_msg(fd, w, HDR + QNET_MAX_MSG)) > 0 && wire_ok(w, n));
	free(w);

	/* qnetd let go of us: release the proxies, as for a client that is gone. */
	pthread_mutex_lock(&g.lock);
	for (x = wk.proxies; x; x = x->next) {
		x->unblock = true;
		pthread_kill(x->thread, SIGUSR1);
	}
	c = wk.conns;
	wk.conns = NULL;
	pthread_mutex_unlock(&g.lock);
	while (c) {
		struct wconn *next = c->next;

		ConnectDetach(c->coid);
		free(c);
		c = next;
	}
	pthread_mutex_lock(&g.lock);
	while (wk.proxies)
		pthread_cond_wait(&wk.idle, &g.lock);
	pthread_mutex_unlock(&g.lock);
	return 0;
}
