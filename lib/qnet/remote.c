// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * qnetd, remote side: other nodes' qnetd connect to our TIPC listener and
 * ask us to attach, send, pulse, unblock and detach for their clients.
 *
 * Nothing is done here with qnetd's own (root) credentials: each CONNECT
 * carries the client's ids, which our policy maps (root squash by default),
 * and the connection is routed to the worker process of that mapped
 * identity for this peer (worker.c), started on first use.  The worker
 * answers; its reader here passes the answers back to the peer.  A request
 * forwarded to a worker stays on its list until answered, so a worker that
 * dies (killed by the user it runs as, say) fails them ESRCH instead of
 * leaving the remote clients blocked.
 *
 * Threads: the acceptor, one reader per peer, one reader per worker.
 * g.lock covers the lists; nothing is sent under it.  A peer's reader
 * writes to its workers' sockets: a worker that stops reading stalls that
 * peer's other connections once its socket buffer is full, as a slow
 * server stalls the TIPC link already.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/tipc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qnetd.h"

/* An incoming TIPC connection: another node's qnetd asking us. */
struct peer {
	int fd;
	uint32_t nd;		/* the other node's, from its TIPC address */
	int refs;		/* the reader, each worker */
	bool dead;
	pthread_mutex_t wlock;
	struct rconn *conns;
	struct worker *workers;
};

struct rconn {
	struct rconn *next;
	uint32_t conn;
	struct worker *wk;	/* NULL once the worker died */
};

/* A request a worker has not answered yet. */
struct outstanding {
	struct outstanding *next;
	uint32_t seq;
	uint32_t conn;
	bool connect;
};

struct worker {
	struct worker *next;	/* on the peer's list while it takes new connections */
	struct peer *peer;
	int fd;
	pid_t pid;
	int refs;		/* the reader, each user out of g.lock */
	int nconns;		/* connections routed here, attached or attaching */
	bool listed;
	bool dead;
	struct outstanding *out;
	uint32_t keylen;
	struct qnet_cred key[];	/* the mapped identity, groups after it */
};

/* ------------------------------------------------------------ the id policy */

int policy_parse_anon(const char *arg)
{
	unsigned long uid, gid;
	char *end;

	errno = 0;
	uid = strtoul(arg, &end, 10);
	if (errno || *end != ':' || uid >= UINT32_MAX)
		return -1;
	gid = strtoul(end + 1, &end, 10);
	if (errno || *end || gid >= UINT32_MAX)
		return -1;
	g.policy.anon_uid = uid;
	g.policy.anon_gid = gid;
	return 0;
}

int policy_parse_offset(const char *arg)
{
	unsigned long long offset, count = 65536;
	char *end;

	errno = 0;
	offset = strtoull(arg, &end, 10);
	if (!errno && *end == ':')
		count = strtoull(end + 1, &end, 10);
	/* offset + count - 1 must be a valid id: (uint32_t)-1 is "no change" to setresuid. */
	if (errno || *end || !count || offset >= UINT32_MAX || count >= UINT32_MAX ||
	    offset + count > UINT32_MAX)
		return -1;
	g.policy.offset_set = true;
	g.policy.offset = offset;
	g.policy.count = count;
	return 0;
}

static uint32_t map_id(uint32_t id, uint32_t anon)
{
	const struct qnetd_policy *p = &g.policy;

	if (id == 0 && !p->trust_root)
		return anon;	/* root squash, as NFS */
	if (p->offset_set)
		return id < p->count ? p->offset + id : anon;
	/* -1 would leave root's own id in place (setresuid's "unchanged"). */
	return id == UINT32_MAX ? anon : id;
}

/* Maps a CONNECT's ids in place; false if the payload is malformed. */
static bool map_cred(struct qnet_wire *w)
{
	struct qnet_cred *c = (struct qnet_cred *)(w + 1);
	uint32_t *groups = (uint32_t *)(c + 1);

	if (w->len < sizeof(*c) || c->ngroups > QNET_MAX_GROUPS ||
	    w->len != sizeof(*c) + c->ngroups * sizeof(uint32_t))
		return false;
	c->ruid = map_id(c->ruid, g.policy.anon_uid);
	c->euid = map_id(c->euid, g.policy.anon_uid);
	c->suid = map_id(c->suid, g.policy.anon_uid);
	c->rgid = map_id(c->rgid, g.policy.anon_gid);
	c->egid = map_id(c->egid, g.policy.anon_gid);
	c->sgid = map_id(c->sgid, g.policy.anon_gid);
	c->pad = 0;
	for (uint32_t i = 0; i < c->ngroups; i++)
		groups[i] = map_id(groups[i], g.policy.anon_gid);
	return true;
}

/* ------------------------------------------------------------ peers and workers */

static void peer_put_locked(struct peer *pe)
{
	if (--pe->refs)
		return;
	close(pe->fd);
	pthread_mutex_destroy(&pe->wlock);
	free(pe);
}

static void peer_answer(struct peer *pe, uint32_t seq, int err)
{
	struct qnet_wire r = { .magic = QNET_WIRE_MAGIC, .op = QNET_REPLY, .seq = seq, .err = err };

	send_msg(pe->fd, &pe->wlock, &r, HDR);
}

/* No new connections for @wk; it ends once it has finished what it has. */
static void worker_close_locked(struct worker *wk)
{
	struct worker **wp;

	if (!wk->listed)
		return;
	for (wp = &wk->peer->workers; *wp; wp = &(*wp)->next) {
		if (*wp == wk) {
			*wp = wk->next;
			break;
		}
	}
	wk->listed = false;
	shutdown(wk->fd, SHUT_WR);
}

static void worker_put_locked(struct worker *wk)
{
	if (--wk->refs)
		return;
	/* Only now: nobody sends to a reused fd number. */
	close(wk->fd);
	free(wk);
}

static void worker_drop_conn_locked(struct worker *wk)
{
	if (!--wk->nconns)
		worker_close_locked(wk);
}

/* Takes the request off @wk's list; was it there? */
static bool worker_answered_locked(struct worker *wk, uint32_t seq, bool *connect)
{
	struct outstanding **op, *o;

	for (op = &wk->out; (o = *op); op = &o->next) {
		if (o->seq == seq) {
			*op = o->next;
			*connect = o->connect;
			free(o);
			return true;
		}
	}
	return false;
}

static void *worker_reader(void *arg)
{
	struct worker *wk = arg;
	struct peer *pe = wk->peer;
	struct qnet_wire *w = malloc(HDR + QNET_MAX_MSG);
	struct outstanding *o;
	struct rconn **rp, *rc;
	bool connect, known;
	ssize_t n;

	while (w && (n = recv_msg(wk->fd, w, HDR + QNET_MAX_MSG)) > 0) {
		if (!wire_ok(w, n) || (w->op != QNET_REPLY && w->op != QNET_CONNECTED))
			break;
		pthread_mutex_lock(&g.lock);
		known = worker_answered_locked(wk, w->seq, &connect);
		if (known && connect && w->err) {
			/* The attach failed: the connection never was. */
			for (rp = &pe->conns; (rc = *rp); rp = &rc->next) {
				if (rc->conn == w->conn && rc->wk == wk) {
					*rp = rc->next;
					free(rc);
					worker_drop_conn_locked(wk);
					break;
				}
			}
		}
		pthread_mutex_unlock(&g.lock);
		if (!known)
			continue;	/* nothing asked this: not passed on */
		w->op = QNET_REPLY;
		w->conn = 0;
		if (send_msg(pe->fd, &pe->wlock, w, n) < 0)
			shutdown(pe->fd, SHUT_RDWR);
	}
	free(w);

	/* The worker is gone (or broke the protocol: it goes). */
	kill(wk->pid, SIGKILL);
	pthread_mutex_lock(&g.lock);
	wk->dead = true;
	worker_close_locked(wk);
	for (rc = pe->conns; rc; rc = rc->next)
		if (rc->wk == wk)
			rc->wk = NULL;
	o = wk->out;
	wk->out = NULL;
	pthread_mutex_unlock(&g.lock);
	while (o) {
		struct outstanding *next = o->next;

		/* As for a server that died: the client fails ESRCH. */
		peer_answer(pe, o->seq, ESRCH);
		free(o);
		o = next;
	}
	while (waitpid(wk->pid, NULL, 0) < 0 && errno == EINTR)
		;
	logv("worker %d ended\n", (int)wk->pid);
	pthread_mutex_lock(&g.lock);
	worker_put_locked(wk);
	peer_put_locked(pe);
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

/* A new worker for @key (a mapped qnet_cred and its groups); called with g.lock held. */
static struct worker *worker_spawn_locked(struct peer *pe, const struct qnet_cred *key,
					  uint32_t keylen)
{
	struct worker *wk = calloc(1, sizeof(*wk) + keylen);
	pthread_t t;
	int sv[2];

	if (!wk)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		free(wk);
		return NULL;
	}
	wk->pid = fork();
	if (wk->pid == 0) {
		/* Only async-signal-safe calls until exec: qnetd has threads. */
		if (sv[1] == QNET_WORKER_FD ? fcntl(sv[1], F_SETFD, 0) < 0
					    : dup2(sv[1], QNET_WORKER_FD) < 0)
			_exit(127);
		execl("/proc/self/exe", "qnetd", "-W", g.verbose ? "-v" : NULL, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	if (wk->pid < 0) {
		close(sv[0]);
		free(wk);
		return NULL;
	}
	wk->fd = sv[0];
	wk->refs = 1;
	wk->peer = pe;
	wk->keylen = keylen;
	memcpy(wk->key, key, keylen);
	if (pthread_create(&t, NULL, worker_reader, wk)) {
		kill(wk->pid, SIGKILL);
		close(sv[0]);
		waitpid(wk->pid, NULL, 0);
		free(wk);
		return NULL;
	}
	pthread_detach(t);
	pe->refs++;
	wk->listed = true;
	wk->next = pe->workers;
	pe->workers = wk;
	logv("worker %d: uid %u gid %u\n", (int)wk->pid, key->euid, key->egid);
	return wk;
}

/*
 * Queues @w (len n) to @wk, referenced by the caller, as a request to
 * answer; 0, or the errno to answer with.
 */
static int worker_forward(struct worker *wk, struct qnet_wire *w, size_t n, bool connect)
{
	struct outstanding *o = calloc(1, sizeof(*o));

	if (!o)
		return ENOMEM;
	o->seq = w->seq;
	o->conn = w->conn;
	o->connect = connect;
	pthread_mutex_lock(&g.lock);
	if (wk->dead) {
		pthread_mutex_unlock(&g.lock);
		free(o);
		return ESRCH;
	}
	o->next = wk->out;
	wk->out = o;
	pthread_mutex_unlock(&g.lock);
	/* A failed send: the worker is gone, and its reader answers o. */
	send_msg(wk->fd, NULL, w, n);
	return 0;
}

static struct rconn *rconn_find_locked(struct peer *pe, uint32_t conn)
{
	struct rconn *rc;

	for (rc = pe->conns; rc; rc = rc->next)
		if (rc->conn == conn)
			return rc;
	return NULL;
}

static void peer_connect(struct peer *pe, struct qnet_wire *w, size_t n)
{
	const struct qnet_cred *key = (const struct qnet_cred *)(w + 1);
	struct rconn *rc;
	struct worker *wk;
	int err;

	if (!map_cred(w)) {
		peer_answer(pe, w->seq, EINVAL);
		return;
	}
	rc = calloc(1, sizeof(*rc));
	if (!rc) {
		peer_answer(pe, w->seq, ENOMEM);
		return;
	}
	pthread_mutex_lock(&g.lock);
	for (wk = pe->workers; wk; wk = wk->next)
		if (wk->keylen == w->len && !memcmp(wk->key, key, w->len))
			break;
	if (!wk)
		wk = worker_spawn_locked(pe, key, w->len);
	if (!wk) {
		pthread_mutex_unlock(&g.lock);
		free(rc);
		peer_answer(pe, w->seq, EAGAIN);
		return;
	}
	rc->conn = w->conn;
	rc->wk = wk;
	/* For the worker's QCHAN_IOC_NET_PROXY: node A as we name it, and us as it does. */
	w->nd = pe->nd;
	w->status = g.nd;
	rc->next = pe->conns;
	pe->conns = rc;
	wk->nconns++;
	wk->refs++;
	pthread_mutex_unlock(&g.lock);
	err = worker_forward(wk, w, n, true);
	pthread_mutex_lock(&g.lock);
	if (err) {
		for (struct rconn **rp = &pe->conns; *rp; rp = &(*rp)->next) {
			if (*rp == rc) {
				*rp = rc->next;
				free(rc);
				worker_drop_conn_locked(wk);
				break;
			}
		}
	}
	worker_put_locked(wk);
	pthread_mutex_unlock(&g.lock);
	if (err)
		peer_answer(pe, w->seq, err);
}

static void *peer_reader(void *arg)
{
	struct peer *pe = arg;
	struct qnet_wire *w = malloc(HDR + QNET_MAX_MSG);
	struct qnet_wire r = { .magic = QNET_WIRE_MAGIC };
	struct rconn **rp, *rc;
	struct worker *wk;
	ssize_t n;
	int err;

	while (w && (n = recv_msg(pe->fd, w, HDR + QNET_MAX_MSG)) > 0) {
		if (!wire_ok(w, n))
			break;
		switch (w->op) {
		case QNET_HELLO:
			r.op = QNET_HELLO_REPLY;
			r.seq = w->seq;
			r.nd = g.nd;
			r.len = strlen(g.name);
			memcpy(w + 1, g.name, r.len);
			memcpy(w, &r, HDR);
			send_msg(pe->fd, &pe->wlock, w, HDR + r.len);
			break;
		case QNET_CONNECT:
			peer_connect(pe, w, n);
			break;
		case QNET_DETACH:
			pthread_mutex_lock(&g.lock);
			for (rp = &pe->conns; (rc = *rp); rp = &rc->next)
				if (rc->conn == w->conn)
					break;
			if (rc)
				*rp = rc->next;
			wk = rc ? rc->wk : NULL;
			if (wk)
				wk->refs++;
			pthread_mutex_unlock(&g.lock);
			free(rc);
			if (!wk)
				break;
			/* Not under g.lock: the worker may be slow to read. */
			send_msg(wk->fd, NULL, w, n);
			pthread_mutex_lock(&g.lock);
			worker_drop_conn_locked(wk);
			worker_put_locked(wk);
			pthread_mutex_unlock(&g.lock);
			break;
		case QNET_SEND:
		case QNET_PULSE:
		case QNET_UNBLOCK:
			pthread_mutex_lock(&g.lock);
			rc = rconn_find_locked(pe, w->conn);
			wk = rc ? rc->wk : NULL;
			err = !rc ? EBADF : !wk ? ESRCH : 0;
			if (wk)
				wk->refs++;
			pthread_mutex_unlock(&g.lock);
			if (w->op != QNET_SEND) {
				if (wk)
					send_msg(wk->fd, NULL, w, n);
			} else {
				if (!err)
					err = worker_forward(wk, w, n, false);
				if (err)
					peer_answer(pe, w->seq, err);
			}
			if (wk) {
				pthread_mutex_lock(&g.lock);
				worker_put_locked(wk);
				pthread_mutex_unlock(&g.lock);
			}
			break;
		default:
			goto out;
		}
	}
out:
	free(w);
	/* The other node's qnetd is gone: its workers release their proxies and end. */
	pthread_mutex_lock(&g.lock);
	pe->dead = true;
	while (pe->workers)
		worker_close_locked(pe->workers);
	rc = pe->conns;
	pe->conns = NULL;
	pthread_mutex_unlock(&g.lock);
	while (rc) {
		struct rconn *next = rc->next;

		free(rc);
		rc = next;
	}
	pthread_mutex_lock(&g.lock);
	peer_put_locked(pe);
	pthread_mutex_unlock(&g.lock);
	return NULL;
}

void *acceptor(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		struct sockaddr_tipc sa = { 0 };
		socklen_t salen = sizeof(sa);
		struct peer *pe;
		pthread_t t;
		int fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);

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
		/* The kernel's word for where it came from: the nd node A's qnetd binds. */
		pe->nd = qnet_addr_to_nd(sa.addr.id.node);
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
