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
 * The connection carries the client's ids, read with ConnectClientInfo()
 * when it is attached.
 *
 * Remote side (remote.c): a TIPC listener; each connection goes to the
 * worker process (worker.c) of its client's identity as node B's policy maps
 * it, where a proxy thread MsgSend()s each message into the target channel
 * at the client's priority and sends back the reply, the MsgError errno or
 * the send's own failure.
 *
 * Threads here: main (MsgReceive loop), one per ctl request that may block
 * on the network, one reader per outgoing link.  g.lock covers every list.
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

#include "qnetd.h"

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
	uint32_t conn;
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

struct qnetd g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.policy = { .anon_uid = 65534, .anon_gid = 65534 },
};

void die(const char *what)
{
	fprintf(stderr, "qnetd: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* @wlock: NULL where one message per send() is atomic anyway (AF_UNIX). */
int send_msg(int fd, pthread_mutex_t *wlock, const void *buf, size_t len)
{
	ssize_t n;

	if (wlock)
		pthread_mutex_lock(wlock);
	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (wlock)
		pthread_mutex_unlock(wlock);
	return n == (ssize_t)len ? 0 : -1;
}

/* Receives one TIPC message; its length, 0 at the connection's end. */
ssize_t recv_msg(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? 0 : n;
}

bool wire_ok(const struct qnet_wire *w, ssize_t n)
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

/*
 * A CONNECT for the client of @info: its process's ids and groups as the
 * kernel has them now (the client cannot choose what is sent), or NULL and
 * an errno.  Later changes of the client's ids do not follow the connection:
 * it acts as whom it was attached by, as an open file does.
 */
static struct qnet_wire *connect_msg(const struct _msg_info *info, int *err)
{
	struct _client_info *ci = malloc(sizeof(*ci));
	struct qnet_wire *w = NULL;
	struct qnet_cred *c;
	uint32_t n;

	*err = ENOMEM;
	if (!ci)
		return NULL;
	if (ConnectClientInfo(info->scoid, ci, QNET_MAX_GROUPS + 1) < 0) {
		*err = errno;
		goto out;
	}
	n = ci->cred.ngroups;
	if (n > QNET_MAX_GROUPS) {
		*err = E2BIG;	/* fewer groups could grant what a group denies */
		goto out;
	}
	w = calloc(1, HDR + sizeof(*c) + n * sizeof(uint32_t));
	if (!w)
		goto out;
	c = (struct qnet_cred *)(w + 1);
	c->ruid = ci->cred.ruid;
	c->euid = ci->cred.euid;
	c->suid = ci->cred.suid;
	c->rgid = ci->cred.rgid;
	c->egid = ci->cred.egid;
	c->sgid = ci->cred.sgid;
	c->ngroups = n;
	for (uint32_t i = 0; i < n; i++)
		((uint32_t *)(c + 1))[i] = ci->cred.grouplist[i];
	w->magic = QNET_WIRE_MAGIC;
	w->op = QNET_CONNECT;
	w->len = sizeof(*c) + n * sizeof(uint32_t);
out:
	free(ci);
	return w;
}

static void *ctl_job(void *arg)
{
	struct ctl_job *j = arg;
	struct qnet_ctl *r = &j->req;
	struct qnet_wire *cw;
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
		cw = connect_msg(&j->info, &err);
		if (!cw) {
			MsgError(j->rcvid, err);
			break;
		}
		l = link_get(r->nd);
		if (!l) {
			free(cw);
			/* QNX's ConnectAttach: EHOSTUNREACH, no route to that node. */
			MsgError(j->rcvid, EHOSTUNREACH);
			break;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			free(cw);
			link_put(l);
			MsgError(j->rcvid, ENOMEM);
			break;
		}
		pthread_mutex_lock(&g.lock);
		cw->conn = ++g.next_conn;
		pthread_mutex_unlock(&g.lock);
		cw->a = r->pid;
		cw->b = r->chid;
		err = link_call(l, cw, &p);
		if (err) {
			free(cw);
			free(c);
			link_put(l);
			MsgError(j->rcvid, -err);
			break;
		}
		c->pid = j->info.pid;
		c->coid = r->coid;
		c->scoid = j->info.scoid;
		c->conn = cw->conn;
		free(cw);
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
	p->conn = c->conn;
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
	/* Who sent it: the server on node B sees them in its _msg_info. */
	w->b = info->pid;
	w->status = info->tid;
	w->len = info->msglen;
	pthread_mutex_unlock(&g.lock);
	if (send_msg(l->fd, &l->wlock, w, HDR + w->len) < 0)
		shutdown(l->fd, SHUT_RDWR);	/* link_died() fails p */
	link_put(l);
}

/* The client asked out (_PULSE_CODE_UNBLOCK) or is gone: tell the proxy. */
static void unblock_locked(struct pending *p)
{
	struct qnet_wire w = {
		.magic = QNET_WIRE_MAGIC, .op = QNET_UNBLOCK, .conn = p->conn, .seq = p->seq,
	};
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
	fprintf(stderr, "usage: qnetd [-v] [-n NODENAME] [-r] [-a UID:GID] [-o OFFSET[:COUNT]]\n"
		"  -r  trust remote root (default: remote uid/gid 0 become the -a ids)\n"
		"  -a  the ids a squashed or unmappable remote id becomes (65534:65534)\n"
		"  -o  remote ids below COUNT (65536) run as OFFSET + id, the others as -a\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pthread_t t;
	bool worker = false;
	int opt, lfd;

	while ((opt = getopt(argc, argv, "n:vra:o:W")) != -1) {
		switch (opt) {
		case 'r':
			g.policy.trust_root = true;
			break;
		case 'a':
			if (policy_parse_anon(optarg))
				usage();
			break;
		case 'o':
			if (policy_parse_offset(optarg))
				usage();
			break;
		case 'W':	/* a worker of ours (remote.c), on QNET_WORKER_FD */
			worker = true;
			break;
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
	if (worker)
		return worker_main(QNET_WORKER_FD);
	if (!g.name[0] && gethostname(g.name, sizeof(g.name) - 1) < 0)
		die("gethostname");
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
