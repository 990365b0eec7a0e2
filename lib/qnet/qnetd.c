// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * qnetd: QNX's Qnet for qchan, over TIPC (docs/QNET.md).
 *
 * Local side: one qchan channel, found by name (QNET_QCHAN_NAME).  libchan's
 * ConnectAttach(nd != 0, ...) attaches to it and registers the connection
 * (a struct qnet_ctl request); the client's plain MsgSend on that coid then
 * lands here and is forwarded, with the size of the client's reply buffers,
 * to the qnetd of node nd, while the client stays REPLY-blocked on us.
 *
 * Remote side: a TIPC listener; for each message a proxy thread MsgSend()s
 * it into the target channel at the client's priority and sends back the
 * reply, the MsgError errno or the send's own failure.
 *
 * Threads: main (MsgReceive loop), one per ctl request that may block on the
 * network, one reader per outgoing link, the acceptor, one reader per
 * incoming link, one per proxied message.  g.lock covers every list.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/tipc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "../src/qnet.h"

#define HDR	sizeof(struct qnet_wire)

/* An outgoing TIPC connection to one node's qnetd (our requests, its replies). */
struct link {
	struct link *next;
	uint32_t nd;
	int fd;
	int refs;		/* the list, the reader, each lconn, each user */
	bool dead;
	pthread_mutex_t wlock;	/* one writer at a time: one message each */
};

/* A client's network connection: (pid, coid) on our channel -> (link, conn). */
struct lconn {
	struct lconn *next;
	pid_t pid;
	int coid;
	int scoid;
	uint32_t conn;
	struct link *link;	/* NULL once the link died */
};

/* A request waiting for its answer: a REPLY-blocked client, or a ctl thread. */
struct pending {
	struct pending *next;
	uint32_t seq;
	struct link *link;
	int rcvid;		/* > 0: a client's message; 0: a waiter */
	int scoid;
	/* waiter */
	pthread_cond_t cond;
	bool done;
	int err;
	int64_t status;
	uint32_t nd;
	char name[QNET_NAME_MAX];
};

/* An incoming TIPC connection: another node's qnetd asking us. */
struct peer {
	int fd;
	int refs;		/* the reader, each proxy */
	bool dead;
	pthread_mutex_t wlock;
	struct rconn *conns;
	struct proxy *proxies;
};

struct rconn {
	struct rconn *next;
	uint32_t conn;
	int coid;		/* our side connection to the target channel */
};

struct proxy {
	struct proxy *next;
	struct peer *peer;
	pthread_t thread;
	uint32_t seq;
	int coid;
	int prio;
	uint32_t rbytes;
	bool unblock;
	struct qnet_wire *msg;	/* header + payload as received */
};

static struct {
	pthread_mutex_t lock;
	struct link *links;
	struct lconn *lconns;
	struct pending *pending;
	uint32_t next_seq;
	uint32_t next_conn;
	uint32_t nd;
	char name[QNET_NAME_MAX];
	int chid;
	bool verbose;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define logv(...) do { if (g.verbose) fprintf(stderr, "qnetd: " __VA_ARGS__); } while (0)

static void die(const char *what)
{
	fprintf(stderr, "qnetd: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int send_msg(int fd, pthread_mutex_t *wlock, const void *buf, size_t len)
{
	ssize_t n;

	pthread_mutex_lock(wlock);
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	pthread_mutex_unlock(wlock);
	return n == (ssize_t)len ? 0 : -1;
}

/* Receives one TIPC message; its length, 0 at the connection's end. */
static ssize_t recv_msg(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? 0 : n;
}

static bool wire_ok(const struct qnet_wire *w, ssize_t n)
{
	return n >= (ssize_t)HDR && w->magic == QNET_WIRE_MAGIC && w->len == n - HDR &&
	       w->len <= QNET_MAX_MSG;
}

static int tipc_connect(uint32_t type, uint32_t instance)
{
	struct sockaddr_tipc sa = {
		.family = AF_TIPC,
		.addrtype = TIPC_ADDR_NAME,
		.addr.name.name.type = type,
		.addr.name.name.instance = instance,
	};
	int fd = socket(AF_TIPC, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------ outgoing links */

static void link_put_locked(struct link *l)
{
	if (--l->refs)
		return;
	close(l->fd);
	pthread_mutex_destroy(&l->wlock);
	free(l);
}

static void link_put(struct link *l)
{
	pthread_mutex_lock(&g.lock);
	link_put_locked(l);
	pthread_mutex_unlock(&g.lock);
}

/* The link is gone: fail what waits on it, orphan its connections. */
static void link_died(struct link *l)
{
	struct pending **pp, *p, *fail = NULL;
	struct link **lp;
	struct lconn *c;

	pthread_mutex_lock(&g.lock);
	l->dead = true;
	shutdown(l->fd, SHUT_RDWR);
	for (lp = &g.links; *lp; lp = &(*lp)->next) {
		if (*lp == l) {
			*lp = l->next;
			l->refs--;	/* the list's */
			break;
		}
	}
	for (c = g.lconns; c; c = c->next) {
		if (c->link == l) {
			c->link = NULL;
			l->refs--;
		}
	}
	for (pp = &g.pending; (p = *pp);) {
		if (p->link != l) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		if (p->rcvid > 0) {
			p->next = fail;
			fail = p;
		} else {
			p->err = EHOSTDOWN;
			p->done = true;
			pthread_cond_broadcast(&p->cond);
		}
	}
	pthread_mutex_unlock(&g.lock);
	logv("link to nd %#x lost\n", l->nd);
	/* QNX's MsgSend: EHOSTDOWN, "the host is down (a send across Qnet failed)". */
	while ((p = fail)) {
		fail = p->next;
		MsgError(p->rcvid, EHOSTDOWN);
		free(p);
	}
}

static void *link_reader(void *arg)
{
	struct link *l = arg;
	struct qnet_wire *w = malloc(HDR + QNET_MAX_MSG);
	struct pending **pp, *p;
	ssize_t n;

	while (w && (n = recv_msg(l->fd, w, HDR + QNET_MAX_MSG)) > 0) {
		if (!wire_ok(w, n) || (w->op != QNET_REPLY && w->op != QNET_HELLO_REPLY))
			break;
		pthread_mutex_lock(&g.lock);
		for (pp = &g.pending; (p = *pp); pp = &p->next)
			if (p->seq == w->seq && p->link == l)
				break;
		if (p)
			*pp = p->next;
		if (p && p->rcvid == 0) {
			p->err = w->err;
			p->status = w->status;
			p->nd = w->nd;
			if (w->op == QNET_HELLO_REPLY) {
				size_t len = w->len < QNET_NAME_MAX ? w->len : QNET_NAME_MAX - 1;

				memcpy(p->name, w + 1, len);
				p->name[len] = 0;
			}
			p->done = true;
			pthread_cond_broadcast(&p->cond);
			p = NULL;
		}
		pthread_mutex_unlock(&g.lock);
		if (!p)
			continue;	/* a waiter, or a client already gone */
		if (w->err)
			MsgError(p->rcvid, w->err);
		else
			MsgReply(p->rcvid, w->status, w + 1, w->len);
		free(p);
	}
	free(w);
	link_died(l);
	link_put(l);	/* the reader's */
	return NULL;
}

static struct link *link_start(int fd, uint32_t nd)
{
	struct link *l = calloc(1, sizeof(*l));
	pthread_t t;

	if (!l)
		return NULL;
	l->fd = fd;
	l->nd = nd;
	l->refs = 2;	/* the reader's and the caller's */
	pthread_mutex_init(&l->wlock, NULL);
	if (pthread_create(&t, NULL, link_reader, l)) {
		pthread_mutex_destroy(&l->wlock);
		free(l);
		return NULL;
	}
	pthread_detach(t);
	return l;
}

/* The live link to @nd, connecting it if needed, with a reference; NULL: unreachable. */
static struct link *link_get(uint32_t nd)
{
	struct link *l;
	int fd;

	pthread_mutex_lock(&g.lock);
	for (l = g.links; l; l = l->next)
		if (l->nd == nd && !l->dead)
			break;
	if (l)
		l->refs++;
	pthread_mutex_unlock(&g.lock);
	if (l)
		return l;

	fd = tipc_connect(QNET_TIPC_NODE, nd);
	if (fd < 0)
		return NULL;
	l = link_start(fd, nd);
	if (!l) {
		close(fd);
		return NULL;
	}
	pthread_mutex_lock(&g.lock);
	l->refs++;	/* the list's */
	l->next = g.links;
	g.links = l;
	pthread_mutex_unlock(&g.lock);
	return l;
}

/* Sends @w (seq filled in here) on @l and waits for the answer, in @p. */
static int link_call(struct link *l, struct qnet_wire *w, struct pending *p)
{
	pthread_cond_init(&p->cond, NULL);
	p->link = l;
	p->rcvid = 0;
	pthread_mutex_lock(&g.lock);
	if (l->dead) {
		pthread_mutex_unlock(&g.lock);
		pthread_cond_destroy(&p->cond);
		return -EHOSTDOWN;
	}
	p->seq = w->seq = ++g.next_seq;
	p->next = g.pending;
	g.pending = p;
	pthread_mutex_unlock(&g.lock);
	if (send_msg(l->fd, &l->wlock, w, HDR + w->len) < 0)
		shutdown(l->fd, SHUT_RDWR);	/* the reader fails us */
	pthread_mutex_lock(&g.lock);
	while (!p->done)
		pthread_cond_wait(&p->cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
	pthread_cond_destroy(&p->cond);
	return p->err ? -p->err : 0;
}

/* HELLO on a fresh connection to a service: the node's nd and name. */
static int hello(uint32_t type, uint32_t instance, uint32_t *nd, char *name)
{
	struct qnet_wire w = { .magic = QNET_WIRE_MAGIC, .op = QNET_HELLO };
	struct pending p = { 0 };
	struct link *l;
	int fd, err;

	fd = tipc_connect(type, instance);
	if (fd < 0)
		return -EHOSTUNREACH;
	l = link_start(fd, 0);
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	err = link_call(l, &w, &p);
	shutdown(fd, SHUT_RDWR);	/* ends the reader */
	link_put(l);
	if (err)
		return err == -EHOSTDOWN ? -EHOSTUNREACH : err;
	*nd = p.nd;
	strcpy(name, p.name);
	return 0;
}

/* ------------------------------------------------------------ local requests */

struct ctl_job {
	int rcvid;
	struct _msg_info info;
	struct qnet_ctl req;
};

static void *ctl_job(void *arg)
{
	struct ctl_job *j = arg;
	struct qnet_ctl *r = &j->req;
	struct qnet_wire w = { .magic = QNET_WIRE_MAGIC };
	struct pending p = { 0 };
	char name[QNET_NAME_MAX];
	struct lconn *c;
	struct link *l;
	uint32_t nd;
	int err;

	switch (r->op) {
	case QNET_CTL_STRTOND:
		if (!strcmp(r->name, g.name)) {
			MsgReply(j->rcvid, ND_LOCAL_NODE, NULL, 0);
			break;
		}
		err = hello(QNET_TIPC_NAME, qnet_name_hash(r->name), &nd, name);
		if (!err && strcmp(name, r->name))
			err = -ENOENT;	/* a hash collision: not that node */
		if (err == -EHOSTUNREACH)
			err = -ENOENT;	/* nobody publishes the name */
		if (err)
			MsgError(j->rcvid, -err);
		else
			MsgReply(j->rcvid, nd == g.nd ? ND_LOCAL_NODE : nd, NULL, 0);
		break;
	case QNET_CTL_NDTOSTR:
		if (r->nd == ND_LOCAL_NODE || r->nd == g.nd) {
			MsgReply(j->rcvid, 0, g.name, strlen(g.name) + 1);
			break;
		}
		err = hello(QNET_TIPC_NODE, r->nd, &nd, name);
		if (err)
			MsgError(j->rcvid, -err);
		else
			MsgReply(j->rcvid, 0, name, strlen(name) + 1);
		break;
	case QNET_CTL_CONNECT:
		l = link_get(r->nd);
		if (!l) {
			/* QNX's ConnectAttach: EHOSTUNREACH, no route to that node. */
			MsgError(j->rcvid, EHOSTUNREACH);
			break;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			link_put(l);
			MsgError(j->rcvid, ENOMEM);
			break;
		}
		pthread_mutex_lock(&g.lock);
		w.conn = ++g.next_conn;
		pthread_mutex_unlock(&g.lock);
		w.op = QNET_CONNECT;
		w.a = r->pid;
		w.b = r->chid;
		err = link_call(l, &w, &p);
		if (err) {
			free(c);
			link_put(l);
			MsgError(j->rcvid, -err);
			break;
		}
		c->pid = j->info.pid;
		c->coid = r->coid;
		c->scoid = j->info.scoid;
		c->conn = w.conn;
		c->link = l;	/* takes our reference */
		pthread_mutex_lock(&g.lock);
		c->next = g.lconns;
		g.lconns = c;
		pthread_mutex_unlock(&g.lock);
		logv("pid %d coid %d -> nd %#x pid %d chid %d\n", c->pid, c->coid, r->nd,
		     r->pid, r->chid);
		MsgReply(j->rcvid, EOK, NULL, 0);
		break;
	}
	free(j);
	return NULL;
}

static struct lconn *lconn_find_locked(pid_t pid, int coid)
{
	struct lconn *c;

	for (c = g.lconns; c; c = c->next)
		if (c->pid == pid && c->coid == coid)
			return c;
	return NULL;
}

/* Sends a one-way request about @c (DETACH, PULSE); the caller holds g.lock. */
static void lconn_notify_locked(struct lconn *c, struct qnet_wire *w)
{
	struct link *l = c->link;

	if (!l)
		return;
	w->magic = QNET_WIRE_MAGIC;
	w->conn = c->conn;
	l->refs++;
	pthread_mutex_unlock(&g.lock);
	send_msg(l->fd, &l->wlock, w, HDR);
	pthread_mutex_lock(&g.lock);
	link_put_locked(l);
}

static void lconn_free_locked(struct lconn *c)
{
	struct qnet_wire w = { .op = QNET_DETACH };

	lconn_notify_locked(c, &w);
	if (c->link)
		link_put_locked(c->link);
	free(c);
}

static void ctl_request(int rcvid, const struct _msg_info *info, const struct qnet_ctl *r)
{
	struct qnet_wire w = { 0 };
	struct lconn **cp, *c;
	struct ctl_job *j;
	pthread_t t;
	int err;

	switch (r->op) {
	case QNET_CTL_DETACH:
		pthread_mutex_lock(&g.lock);
		for (cp = &g.lconns; (c = *cp); cp = &c->next)
			if (c->pid == info->pid && c->coid == r->coid)
				break;
		if (c) {
			*cp = c->next;
			lconn_free_locked(c);
		}
		pthread_mutex_unlock(&g.lock);
		MsgReply(rcvid, EOK, NULL, 0);
		return;
	case QNET_CTL_PULSE:
		pthread_mutex_lock(&g.lock);
		c = lconn_find_locked(info->pid, r->coid);
		/* As MsgSendPulse: queued, or EBADF for no such connection. */
		err = !c ? EBADF : !c->link ? EHOSTDOWN : 0;
		if (!err) {
			w.op = QNET_PULSE;
			w.prio = r->prio;
			w.a = r->code;
			w.status = r->value;
			lconn_notify_locked(c, &w);
		}
		pthread_mutex_unlock(&g.lock);
		if (err)
			MsgError(rcvid, err);
		else
			MsgReply(rcvid, EOK, NULL, 0);
		return;
	case QNET_CTL_CONNECT:
	case QNET_CTL_STRTOND:
	case QNET_CTL_NDTOSTR:
		break;
	default:
		MsgError(rcvid, EINVAL);
		return;
	}
	/* These may wait for the network: not in the receive loop. */
	j = malloc(sizeof(*j));
	if (!j) {
		MsgError(rcvid, ENOMEM);
		return;
	}
	j->rcvid = rcvid;
	j->info = *info;
	j->req = *r;
	j->req.name[QNET_NAME_MAX - 1] = 0;
	if (pthread_create(&t, NULL, ctl_job, j)) {
		free(j);
		MsgError(rcvid, EAGAIN);
		return;
	}
	pthread_detach(t);
}

/* A client's message on a network connection: off to its node. */
static void forward(int rcvid, const struct _msg_info *info, struct lconn *c,
		    struct qnet_wire *w)
{
	struct pending *p = calloc(1, sizeof(*p));
	struct link *l = c->link;

	if (!p) {
		pthread_mutex_unlock(&g.lock);
		MsgError(rcvid, ENOMEM);
		return;
	}
	p->rcvid = rcvid;
	p->scoid = info->scoid;
	p->link = l;
	p->seq = ++g.next_seq;
	p->next = g.pending;
	g.pending = p;
	l->refs++;
	w->magic = QNET_WIRE_MAGIC;
	w->op = QNET_SEND;
	w->conn = c->conn;
	w->seq = p->seq;
	w->prio = info->priority;
	w->a = info->dstmsglen < (int)QNET_MAX_MSG ? info->dstmsglen : (int)QNET_MAX_MSG;
	w->len = info->msglen;
	pthread_mutex_unlock(&g.lock);
	if (send_msg(l->fd, &l->wlock, w, HDR + w->len) < 0)
		shutdown(l->fd, SHUT_RDWR);	/* link_died() fails p */
	link_put(l);
}

/* The client asked out (_PULSE_CODE_UNBLOCK) or is gone: tell the proxy. */
static void unblock_locked(struct pending *p)
{
	struct qnet_wire w = { .magic = QNET_WIRE_MAGIC, .op = QNET_UNBLOCK, .seq = p->seq };
	struct link *l = p->link;

	l->refs++;
	pthread_mutex_unlock(&g.lock);
	send_msg(l->fd, &l->wlock, &w, HDR);
	pthread_mutex_lock(&g.lock);
	link_put_locked(l);
}

static void pulse(const struct _pulse *pl)
{
	struct pending **pp, *p;
	struct lconn **cp, *c;

	pthread_mutex_lock(&g.lock);
	switch (pl->code) {
	case _PULSE_CODE_UNBLOCK:
		for (p = g.pending; p; p = p->next)
			if (p->rcvid == pl->value.sival_int)
				break;
		if (p)
			unblock_locked(p);
		break;
	case _PULSE_CODE_DISCONNECT:
		/* The client process let go of us, by choice or by death. */
		for (pp = &g.pending; (p = *pp);) {
			if (p->rcvid > 0 && p->scoid == pl->scoid) {
				*pp = p->next;
				unblock_locked(p);
				free(p);
				pp = &g.pending;	/* the list may have changed */
				continue;
			}
			pp = &p->next;
		}
		for (cp = &g.lconns; (c = *cp);) {
			if (c->scoid == pl->scoid) {
				*cp = c->next;
				lconn_free_locked(c);
				cp = &g.lconns;
				continue;
			}
			cp = &c->next;
		}
		pthread_mutex_unlock(&g.lock);
		ConnectDetach(pl->scoid);
		return;
	}
	pthread_mutex_unlock(&g.lock);
}

static void serve_local(void)
{
	struct qnet_wire *w = malloc(HDR + QNET_MAX_MSG);
	struct _msg_info info;
	struct lconn *c;
	int rcvid;

	if (!w)
		die("malloc");
	for (;;) {
		rcvid = MsgReceive(g.chid, w + 1, QNET_MAX_MSG, &info);
		if (rcvid < 0) {
			if (errno == EINTR)
				continue;
			die("MsgReceive");
		}
		if (rcvid == 0) {
			pulse((struct _pulse *)(w + 1));
			continue;
		}
		pthread_mutex_lock(&g.lock);
		c = lconn_find_locked(info.pid, info.coid);
		if (c && !c->link) {
			pthread_mutex_unlock(&g.lock);
			MsgError(rcvid, EHOSTDOWN);
		} else if (c && info.srcmsglen > (int)QNET_MAX_MSG) {
			pthread_mutex_unlock(&g.lock);
			MsgError(rcvid, EMSGSIZE);
		} else if (c) {
			forward(rcvid, &info, c, w);	/* unlocks */
		} else {
			pthread_mutex_unlock(&g.lock);
			if (info.msglen == sizeof(struct qnet_ctl) &&
			    ((struct qnet_ctl *)(w + 1))->magic == QNET_CTL_MAGIC)
				ctl_request(rcvid, &info, (struct qnet_ctl *)(w + 1));
			else
				MsgError(rcvid, EBADF);	/* not a network connection */
		}
	}
}

/* ------------------------------------------------------------ remote side */

static void peer_put_locked(struct peer *pe)
{
	if (--pe->refs)
		return;
	close(pe->fd);
	pthread_mutex_destroy(&pe->wlock);
	free(pe);
}

static void *proxy_fn(void *arg)
{
	struct proxy *x = arg, **xp;
	struct peer *pe = x->peer;
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
	} else {
		status = MsgSend(x->coid, x->msg + 1, x->msg->len, r + 1, x->rbytes);
	}
	pthread_mutex_lock(&g.lock);
	for (xp = &pe->proxies; *xp; xp = &(*xp)->next) {
		if (*xp == x) {
			*xp = x->next;
			break;
		}
	}
	dead = pe->dead;
	pthread_mutex_unlock(&g.lock);
	if (r && !dead) {
		r->magic = QNET_WIRE_MAGIC;
		r->op = QNET_REPLY;
		r->seq = x->seq;
		if (status == -1) {
			r->err = errno;
		} else {
			r->status = status;
			/* The whole reply buffer: what MsgReply and MsgWrite put there. */
			r->len = x->rbytes;
		}
		if (send_msg(pe->fd, &pe->wlock, r, HDR + r->len) < 0)
			shutdown(pe->fd, SHUT_RDWR);
	}
	free(r);
	free(x->msg);
	free(x);
	pthread_mutex_lock(&g.lock);
	peer_put_locked(pe);
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

static void proxy_start(struct peer *pe, struct rconn *rc, struct qnet_wire *w, size_t n)
{
	struct qnet_wire err = { .magic = QNET_WIRE_MAGIC, .op = QNET_REPLY, .seq = w->seq };
	struct proxy *x = calloc(1, sizeof(*x));
	struct sched_param sp = { .sched_priority = w->prio };
	pthread_attr_t attr;
	int ret = ENOMEM;

	if (!x || !(x->msg = malloc(n)))
		goto fail;
	memcpy(x->msg, w, n);
	x->peer = pe;
	x->seq = w->seq;
	x->coid = rc->coid;
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
	pe->refs++;
	ret = pthread_create(&x->thread, &attr, proxy_fn, x);
	if (ret == EPERM) {	/* no CAP_SYS_NICE: at our own priority */
		pthread_attr_setinheritsched(&attr, PTHREAD_INHERIT_SCHED);
		ret = pthread_create(&x->thread, &attr, proxy_fn, x);
	}
	if (ret) {
		pe->refs--;
	} else {
		x->next = pe->proxies;
		pe->proxies = x;
	}
	pthread_mutex_unlock(&g.lock);
	pthread_attr_destroy(&attr);
	if (!ret)
		return;
fail:
	if (x)
		free(x->msg);
	free(x);
	err.err = ret == ENOMEM ? ENOMEM : EAGAIN;
	send_msg(pe->fd, &pe->wlock, &err, HDR);
}

static void *peer_reader(void *arg)
{
	struct peer *pe = arg;
	struct qnet_wire *w = malloc(HDR + QNET_MAX_MSG);
	struct qnet_wire r = { .magic = QNET_WIRE_MAGIC };
	struct rconn **rp, *rc;
	struct proxy *x;
	ssize_t n;
	int coid;

	while (w && (n = recv_msg(pe->fd, w, HDR + QNET_MAX_MSG)) > 0) {
		if (!wire_ok(w, n))
			break;
		r.seq = w->seq;
		r.err = 0;
		r.len = 0;
		switch (w->op) {
		case QNET_HELLO:
			r.op = QNET_HELLO_REPLY;
			r.nd = g.nd;
			r.len = strlen(g.name);
			memcpy(w + 1, g.name, r.len);
			memcpy(w, &r, HDR);
			send_msg(pe->fd, &pe->wlock, w, HDR + r.len);
			break;
		case QNET_CONNECT:
			r.op = QNET_REPLY;
			rc = calloc(1, sizeof(*rc));
			coid = rc ? ConnectAttach(ND_LOCAL_NODE, w->a, w->b, _NTO_SIDE_CHANNEL, 0)
				  : -1;
			if (coid < 0) {
				r.err = rc ? errno : ENOMEM;
				free(rc);
			} else {
				rc->conn = w->conn;
				rc->coid = coid;
				pthread_mutex_lock(&g.lock);
				rc->next = pe->conns;
				pe->conns = rc;
				pthread_mutex_unlock(&g.lock);
			}
			send_msg(pe->fd, &pe->wlock, &r, HDR);
			break;
		case QNET_DETACH:
			pthread_mutex_lock(&g.lock);
			for (rp = &pe->conns; (rc = *rp); rp = &rc->next)
				if (rc->conn == w->conn)
					break;
			if (rc)
				*rp = rc->next;
			pthread_mutex_unlock(&g.lock);
			if (rc) {
				ConnectDetach(rc->coid);
				free(rc);
			}
			break;
		case QNET_SEND:
		case QNET_PULSE:
			pthread_mutex_lock(&g.lock);
			for (rc = pe->conns; rc; rc = rc->next)
				if (rc->conn == w->conn)
					break;
			coid = rc ? rc->coid : -1;
			pthread_mutex_unlock(&g.lock);
			if (w->op == QNET_PULSE) {
				if (coid >= 0)
					MsgSendPulse(coid, w->prio, w->a, (int)w->status);
			} else if (coid < 0) {
				r.op = QNET_REPLY;
				r.err = EBADF;
				send_msg(pe->fd, &pe->wlock, &r, HDR);
			} else {
				proxy_start(pe, rc, w, n);
			}
			break;
		case QNET_UNBLOCK:
			pthread_mutex_lock(&g.lock);
			for (x = pe->proxies; x; x = x->next) {
				if (x->seq == w->seq) {
					/* EINTR out of MsgSend, or the server's unblock pulse. */
					x->unblock = true;
					pthread_kill(x->thread, SIGUSR1);
				}
			}
			pthread_mutex_unlock(&g.lock);
			break;
		default:
			goto out;
		}
	}
out:
	free(w);
	/* The other node's qnetd is gone: release its proxies and connections. */
	pthread_mutex_lock(&g.lock);
	pe->dead = true;
	for (x = pe->proxies; x; x = x->next) {
		x->unblock = true;
		pthread_kill(x->thread, SIGUSR1);
	}
	rc = pe->conns;
	pe->conns = NULL;
	pthread_mutex_unlock(&g.lock);
	while (rc) {
		struct rconn *next = rc->next;

		ConnectDetach(rc->coid);
		free(rc);
		rc = next;
	}
	pthread_mutex_lock(&g.lock);
	peer_put_locked(pe);
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

static void *acceptor(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		struct peer *pe;
		pthread_t t;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept");
		}
		pe = calloc(1, sizeof(*pe));
		if (!pe) {
			close(fd);
			continue;
		}
		pe->fd = fd;
		pe->refs = 1;
		pthread_mutex_init(&pe->wlock, NULL);
		if (pthread_create(&t, NULL, peer_reader, pe)) {
			close(fd);
			pthread_mutex_destroy(&pe->wlock);
			free(pe);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

static void noop(int sig)
{
	(void)sig;
}

static int tipc_listen(void)
{
	struct sockaddr_tipc sa = { .family = AF_TIPC };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_TIPC, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket(AF_TIPC) (modprobe tipc?)");
	/*
	 * TIPC settles a node's address a few seconds after its first bearer
	 * comes up (duplicate address detection): wait for it.
	 */
	for (int tries = 0;; tries++) {
		len = sizeof(sa);
		if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
			die("getsockname");
		if (sa.addr.id.node)
			break;
		if (tries == 600) {
			fprintf(stderr, "qnetd: TIPC has no node address (no bearer enabled?)\n");
			exit(1);
		}
		usleep(100000);
	}
	g.nd = qnet_addr_to_nd(sa.addr.id.node);
	sa = (struct sockaddr_tipc){
		.family = AF_TIPC,
		.addrtype = TIPC_ADDR_NAMESEQ,
		.scope = TIPC_CLUSTER_SCOPE,
		.addr.nameseq = { QNET_TIPC_NODE, g.nd, g.nd },
	};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind node service");
	sa.addr.nameseq.type = QNET_TIPC_NAME;
	sa.addr.nameseq.lower = sa.addr.nameseq.upper = qnet_name_hash(g.name);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind name service");
	if (listen(fd, 64) < 0)
		die("listen");
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: qnetd [-v] [-n NODENAME]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = noop };	/* no SA_RESTART: EINTR */
	pthread_t t;
	int opt, lfd;

	while ((opt = getopt(argc, argv, "n:v")) != -1) {
		switch (opt) {
		case 'n':
			if (!*optarg || strlen(optarg) >= QNET_NAME_MAX || strchr(optarg, '/'))
				usage();
			strcpy(g.name, optarg);
			break;
		case 'v':
			g.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!g.name[0] && gethostname(g.name, sizeof(g.name) - 1) < 0)
		die("gethostname");
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = tipc_listen();
	g.chid = ChannelCreate(_NTO_CHF_SENDER_LEN | _NTO_CHF_REPLY_LEN | _NTO_CHF_UNBLOCK |
			       _NTO_CHF_DISCONNECT | QCHAN_CHF_PUBLIC);
	if (g.chid < 0)
		die("ChannelCreate");
	errno = -qchan_name_attach(QNET_QCHAN_NAME, g.chid, 0);
	if (errno)
		die("name " QNET_QCHAN_NAME " (another qnetd in this IPC namespace?)");
	if (pthread_create(&t, NULL, acceptor, (void *)(intptr_t)lfd))
		die("pthread_create");
	printf("qnetd: node %s nd %#x ready\n", g.name, g.nd);
	fflush(stdout);
	serve_local();
	return 0;
}
