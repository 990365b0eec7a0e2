// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The CUSE bridge: resmgr_attach("/dev/<name>") creates that character
 * device through the kernel's CUSE (libfuse3's low-level CUSE API) and
 * serves it from bridge threads in the resource manager's process.  Each
 * Linux open() gets its own side-channel connection to the dispatch's
 * channel and every request becomes the QNX message a QNX client's libc
 * would send (_IO_CONNECT, _IO_READ, _IO_WRITE, _IO_DEVCTL, _IO_CLOSE), so
 * the manager's handlers and its dispatch loop run exactly as on QNX.
 *
 * The bridge threads block in MsgSend while a handler works (or holds a
 * reply back): a new thread starts whenever none is left waiting for
 * requests, up to RM_CUSE_MAX_THREADS.
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>
#include <devctl.h>

#include "rm.h"

#define RM_CUSE_MAX_THREADS	64
#define RM_CUSE_INIT_TIMEOUT_S	20

struct rm_cuse {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fuse_session *se;
	int efd;			/* readable: the bridge is stopping */
	int chid;
	int id;
	int state;			/* 0 starting, 1 device created, -1 failed */
	int refs;			/* bridge threads + the attach */
	int nthreads;
	int idle;
	mode_t mode;
	char path[];
};

/* The credentials of the Linux program behind each bridged connection. */
struct rm_creds {
	struct rm_creds *next;
	int coid;
	uid_t uid;
	gid_t gid;
	pid_t pid;
};

static pthread_mutex_t creds_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rm_creds *creds_list;

int rm_bridge_creds(int coid, uid_t *uid, gid_t *gid, pid_t *pid)
{
	struct rm_creds *c;
	int ret = -1;

	pthread_mutex_lock(&creds_lock);
	for (c = creds_list; c; c = c->next) {
		if (c->coid == coid) {
			*uid = c->uid;
			*gid = c->gid;
			*pid = c->pid;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&creds_lock);
	return ret;
}

static int creds_add(int coid, const struct fuse_ctx *ctx)
{
	struct rm_creds *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->coid = coid;
	c->uid = ctx->uid;
	c->gid = ctx->gid;
	c->pid = ctx->pid;
	pthread_mutex_lock(&creds_lock);
	c->next = creds_list;
	creds_list = c;
	pthread_mutex_unlock(&creds_lock);
	return 0;
}

static void creds_del(int coid)
{
	struct rm_creds **pp, *c;

	pthread_mutex_lock(&creds_lock);
	for (pp = &creds_list; (c = *pp); pp = &c->next)
		if (c->coid == coid)
			break;
	if (c)
		*pp = c->next;
	pthread_mutex_unlock(&creds_lock);
	free(c);
}

/*
 * Requests between their MsgSend and their reply to the kernel.  A manager
 * that exits right after replying (a "quit" write) would otherwise close
 * /dev/cuse under the bridge thread still carrying that reply, and the
 * Linux caller would get ECONNABORTED where a QNX client has its answer:
 * exit() waits for them, briefly (a send the manager holds never ends).
 */
#define RM_DRAIN_MS	250

static pthread_mutex_t flight_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flight_cond = PTHREAD_COND_INITIALIZER;
static int in_flight;
static pthread_once_t drain_once = PTHREAD_ONCE_INIT;

static void flight_begin(void)
{
	pthread_mutex_lock(&flight_lock);
	in_flight++;
	pthread_mutex_unlock(&flight_lock);
}

static void flight_end(void)
{
	pthread_mutex_lock(&flight_lock);
	if (--in_flight == 0)
		pthread_cond_broadcast(&flight_cond);
	pthread_mutex_unlock(&flight_lock);
}

static void drain_at_exit(void)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += RM_DRAIN_MS * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&flight_lock);
	while (in_flight > 0)
		if (pthread_cond_timedwait(&flight_cond, &flight_lock, &deadline))
			break;
	pthread_mutex_unlock(&flight_lock);
}

static void register_drain(void)
{
	atexit(drain_at_exit);
}

/*
 * A Linux caller interrupted by a signal (or killed) while the manager
 * holds its request: FUSE sends an INTERRUPT, which becomes what a signal
 * does to a QNX client REPLY-blocked on an _NTO_CHF_UNBLOCK channel.  The
 * bridge thread in MsgSend gets RM_KICK_SIG (a handler that does nothing,
 * installed only if the program left the signal alone): the kernel sends
 * the manager _PULSE_CODE_UNBLOCK, whose default answer is EINTR, and that
 * is what the caller's read() returns.  A kicker thread repeats the signal
 * until the send is over, which covers the gap between the bridge thread
 * checking for an interrupt and entering MsgSend.
 */
#define RM_KICK_SIG		(SIGRTMAX)
#define RM_KICK_PERIOD_MS	5
#define RM_KICK_MAX		400	/* 2 s: a manager may take its time to answer */

static int kick_enabled;
static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void kick_handler(int sig)
{
	(void)sig;
}

static void kick_setup(void)
{
	struct sigaction old, sa;

	if (sigaction(RM_KICK_SIG, NULL, &old) || (old.sa_flags & SA_SIGINFO) ||
	    old.sa_handler != SIG_DFL)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: the point is the EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(RM_KICK_SIG, &sa, NULL) == 0)
		kick_enabled = 1;
}

struct rm_send {
	pthread_mutex_t lock;
	pthread_t thread;
	int state;		/* 0 before MsgSend, 1 in it, 2 over */
	int interrupted;
	int refs;		/* the bridge thread, a kicker */
};

static void send_put(struct rm_send *s)
{
	int last;

	pthread_mutex_lock(&s->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->lock);
	if (last) {
		pthread_mutex_destroy(&s->lock);
		free(s);
	}
}

static void *kicker(void *arg)
{
	struct rm_send *s = arg;
	struct timespec ts = { 0, RM_KICK_PERIOD_MS * 1000000L };
	int i, over;

	for (i = 0; i < RM_KICK_MAX; i++) {
		pthread_mutex_lock(&s->lock);
		over = s->state == 2;
		/* Under the lock: the thread is in its request, so it exists. */
		if (!over)
			pthread_kill(s->thread, RM_KICK_SIG);
		pthread_mutex_unlock(&s->lock);
		if (over)
			break;
		nanosleep(&ts, NULL);
	}
	send_put(s);
	return NULL;
}

/* libfuse calls it with the request's lock held: start a kicker, never wait here. */
static void bridge_interrupt(fuse_req_t req, void *data)
{
	struct rm_send *s = data;
	pthread_attr_t attr;
	pthread_t t;
	int start;

	(void)req;
	pthread_mutex_lock(&s->lock);
	s->interrupted = 1;
	start = s->state == 1;	/* state 0: the bridge thread sees the flag */
	if (start)
		s->refs++;
	pthread_mutex_unlock(&s->lock);
	if (!start)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, kicker, s))
		send_put(s);
	pthread_attr_destroy(&attr);
}

/* MsgSendv for a request the caller may interrupt; -1 and errno as MsgSendv. */
static long bridge_sendv(fuse_req_t req, int coid, const iov_t *siov, size_t sparts,
			 const iov_t *riov, size_t rparts)
{
	struct rm_send *s = kick_enabled ? calloc(1, sizeof(*s)) : NULL;
	int intr, err;
	long n;

	if (!s)
		return MsgSendv(coid, siov, sparts, riov, rparts);
	pthread_mutex_init(&s->lock, NULL);
	s->thread = pthread_self();
	s->refs = 1;
	fuse_req_interrupt_func(req, bridge_interrupt, s);
	pthread_mutex_lock(&s->lock);
	s->state = 1;
	intr = s->interrupted;
	pthread_mutex_unlock(&s->lock);
	if (intr) {
		n = -1;
		err = EINTR;
	} else {
		n = MsgSendv(coid, siov, sparts, riov, rparts);
		err = errno;
	}
	/* Returns once no interrupt callback runs: none will start after it. */
	fuse_req_interrupt_func(req, NULL, NULL);
	pthread_mutex_lock(&s->lock);
	s->state = 2;
	pthread_mutex_unlock(&s->lock);
	send_put(s);
	errno = err;
	return n;
}

/*
 * poll: the kernel's poll handle of each connection that armed one, and the
 * process's channel on which the managers' MsgDeliverEvent() pulses for
 * them arrive (value: the connection's coid). The waker thread turns a
 * pulse into fuse_lowlevel_notify_poll(), after which the kernel polls again.
 */
struct rm_poll {
	struct rm_poll *next;
	struct rm_cuse *c;
	int coid;
	struct fuse_pollhandle *ph;
};

#define RM_POLL_PULSE_CODE	(_PULSE_CODE_MINAVAIL + 1)

static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rm_poll *poll_list;
static pthread_once_t poll_once = PTHREAD_ONCE_INIT;
static int poll_coid = -1;
static int poll_chid = -1;

/* Called with poll_lock held. */
static struct rm_poll *poll_unlink(int coid, struct rm_cuse *c)
{
	struct rm_poll **pp, *e;

	for (pp = &poll_list; (e = *pp); pp = &e->next)
		if (c ? e->c == c : e->coid == coid)
			break;
	if (e)
		*pp = e->next;
	return e;
}

static void *poll_waker(void *arg)
{
	struct _pulse pulse;
	struct rm_poll *e;

	(void)arg;
	for (;;) {
		if (MsgReceivePulse(poll_chid, &pulse, sizeof(pulse), NULL) == -1) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pulse.code != RM_POLL_PULSE_CODE)
			continue;
		/* Under the lock: the bridge's end (poll_purge) cannot free the session meanwhile. */
		pthread_mutex_lock(&poll_lock);
		e = poll_unlink(pulse.value.sival_int, NULL);
		if (e) {
			fuse_lowlevel_notify_poll(e->ph);
			fuse_pollhandle_destroy(e->ph);
		}
		pthread_mutex_unlock(&poll_lock);
		free(e);
	}
}

static void poll_setup(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int chid, coid;

	chid = ChannelCreate(0);
	if (chid == -1)
		return;
	coid = ConnectAttach(ND_LOCAL_NODE, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		ChannelDestroy(chid);
		return;
	}
	poll_chid = chid;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, &attr, poll_waker, NULL)) {
		ConnectDetach(coid);
		ChannelDestroy(chid);
		poll_chid = -1;
	} else {
		poll_coid = coid;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

/* Keeps the newest handle of a connection: one notify wakes all its pollers. */
static int poll_remember(struct rm_cuse *c, int coid, struct fuse_pollhandle *ph)
{
	struct rm_poll *e, *n = calloc(1, sizeof(*n));

	if (!n)
		return -1;
	n->c = c;
	n->coid = coid;
	n->ph = ph;
	pthread_mutex_lock(&poll_lock);
	e = poll_unlink(coid, NULL);
	n->next = poll_list;
	poll_list = n;
	pthread_mutex_unlock(&poll_lock);
	if (e) {
		fuse_pollhandle_destroy(e->ph);
		free(e);
	}
	return 0;
}

/* A connection closed (coid) or a bridge ended (c): its handles go. */
static void poll_forget(int coid, struct rm_cuse *c)
{
	struct rm_poll *e;

	for (;;) {
		pthread_mutex_lock(&poll_lock);
		e = poll_unlink(coid, c);
		pthread_mutex_unlock(&poll_lock);
		if (!e)
			break;
		fuse_pollhandle_destroy(e->ph);
		free(e);
	}
}

static void cuse_put(struct rm_cuse *c)
{
	int last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	poll_forget(-1, c);
	/* Closing /dev/cuse removes the device; open files then get ENODEV. */
	fuse_session_destroy(c->se);
	close(c->efd);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct rm_cuse *req_cuse(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void do_bridge_open(fuse_req_t req, struct fuse_file_info *fi)
{
	struct rm_cuse *c = req_cuse(req);
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct _io_connect msg;
	int coid, acc, err;
	iov_t iov;

	coid = ConnectAttach(ND_LOCAL_NODE, 0, c->chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		fuse_reply_err(req, errno);
		return;
	}
	if (creds_add(coid, ctx)) {
		ConnectDetach(coid);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* What QNX's open() sends for the path's remainder below the attach point: "". */
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_CONNECT;
	msg.subtype = _IO_CONNECT_OPEN;
	msg.file_type = _FTYPE_ANY;
	acc = fi->flags & O_ACCMODE;
	msg.ioflag = (uint32_t)((fi->flags & ~O_ACCMODE) | (acc + 1));
	msg.handle = (uint32_t)c->id;
	msg.access = (uint16_t)(acc + 1);
	msg.path_len = 1;
	SETIOV(&iov, &msg, offsetof(struct _io_connect, path) + 1);
	if (bridge_sendv(req, coid, &iov, 1, NULL, 0) == -1) {
		err = errno;
		creds_del(coid);
		ConnectDetach(coid);
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)coid;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	if (fuse_reply_open(req, fi) != 0) {
		/* The opener is gone (killed): nobody will release it. */
		struct _io_close cm = { .type = _IO_CLOSE, .combine_len = sizeof(cm) };

		MsgSend(coid, &cm, sizeof(cm), NULL, 0);
		creds_del(coid);
		ConnectDetach(coid);
	}
}

static void do_bridge_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct _io_read msg;
	iov_t siov, riov;
	char *buf;
	long n;

	(void)off;
	if (size > INT_MAX)
		size = INT_MAX;
	buf = calloc(1, size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_READ;
	msg.combine_len = sizeof(msg);
	msg.nbytes = (uint32_t)size;
	msg.xtype = _IO_XTYPE_NONE | ((fi->flags & O_NONBLOCK) ? _IO_XFLAG_NONBLOCK : 0);
	SETIOV(&siov, &msg, sizeof(msg));
	SETIOV(&riov, buf, size);
	n = bridge_sendv(req, (int)fi->fh, &siov, 1, &riov, 1);
	if (n == -1)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, (size_t)n < size ? (size_t)n : size);
	free(buf);
}

static void do_bridge_write(fuse_req_t req, const char *buf, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	struct _io_write msg;
	iov_t iov[2];
	long n;

	(void)off;
	memset(&msg, 0, sizeof(msg));
	msg.type = _IO_WRITE;
	msg.combine_len = sizeof(msg);
	msg.nbytes = (uint32_t)size;
	msg.xtype = _IO_XTYPE_NONE | ((fi->flags & O_NONBLOCK) ? _IO_XFLAG_NONBLOCK : 0);
	SETIOV(&iov[0], &msg, sizeof(msg));
	SETIOV(&iov[1], buf, size);
	n = bridge_sendv(req, (int)fi->fh, iov, 2, NULL, 0);
	if (n == -1)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, (size_t)n < size ? (size_t)n : size);
}

/*
 * The kernel copies an ioctl's data by the size and direction encoded in
 * its number (restricted ioctls), which is how a dcmd encodes them: only
 * the direction bits swap places (<devctl.h>).
 */
static void do_bridge_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
			 unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct _io_devctl msg;
	struct _io_devctl_reply rep;
	unsigned int ucmd = (unsigned int)cmd;
	uint32_t dcmd;
	iov_t siov[2], riov[2];
	void *out = NULL;
	long n;

	(void)arg;
	(void)flags;
	dcmd = (ucmd & ~(_POSIX_DEVDIR_TO | _POSIX_DEVDIR_FROM)) |
	       (_IOC_DIR(ucmd) & _IOC_WRITE ? _POSIX_DEVDIR_TO : 0) |
	       (_IOC_DIR(ucmd) & _IOC_READ ? _POSIX_DEVDIR_FROM : 0);
	if (out_bufsz) {
		out = calloc(1, out_bufsz);
		if (!out) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
	}
	memset(&msg, 0, sizeof(msg));
	memset(&rep, 0, sizeof(rep));
	msg.type = _IO_DEVCTL;
	msg.combine_len = sizeof(msg);
	msg.dcmd = (int32_t)dcmd;
	msg.nbytes = (uint32_t)(in_bufsz > out_bufsz ? in_bufsz : out_bufsz);
	SETIOV(&siov[0], &msg, sizeof(msg));
	SETIOV(&siov[1], in_buf, in_bufsz);
	SETIOV(&riov[0], &rep, sizeof(rep));
	SETIOV(&riov[1], out, out_bufsz);
	n = bridge_sendv(req, (int)fi->fh, siov, in_bufsz ? 2 : 1, riov, out_bufsz ? 2 : 1);
	if (n == -1)
		/* devctl() and ioctl() agree: a command nobody handles is ENOTTY. */
		fuse_reply_err(req, errno == ENOSYS ? ENOTTY : errno);
	else if (rep.ret_val < 0)
		fuse_reply_err(req, EINVAL);
	else
		fuse_reply_ioctl(req, rep.ret_val, out, out_bufsz);
	free(out);
}

/*
 * poll/select: _IO_NOTIFY with what the caller waits for; with a poll
 * handle (the caller will sleep) POLLARM, so that the manager arms an
 * event for the conditions that do not hold yet: a SIGEV_PULSE to the
 * waker above, which wakes the kernel's pollers.
 */
static void do_bridge_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct _io_notify msg;
	struct _io_notify_reply rep;
	struct sigevent ev;
	int coid = (int)fi->fh, want = 0, err;
	unsigned int revents = 0;

	pthread_once(&poll_once, poll_setup);
	if (fi->poll_events & (POLLIN | POLLRDNORM))
		want |= _NOTIFY_COND_INPUT;
	if (fi->poll_events & (POLLOUT | POLLWRNORM))
		want |= _NOTIFY_COND_OUTPUT;
	if (fi->poll_events & (POLLPRI | POLLRDBAND))
		want |= _NOTIFY_COND_OBAND;
	if (!want)
		want = _NOTIFY_COND_INPUT | _NOTIFY_COND_OUTPUT | _NOTIFY_COND_OBAND;
	if (ph && (poll_coid == -1 || poll_remember(req_cuse(req), coid, ph))) {
		fuse_pollhandle_destroy(ph);
		ph = NULL;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&rep, 0, sizeof(rep));
	msg.type = _IO_NOTIFY;
	msg.combine_len = sizeof(msg);
	msg.action = ph ? _NOTIFY_ACTION_POLLARM : _NOTIFY_ACTION_POLL;
	msg.flags = want;
	memset(&ev, 0, sizeof(ev));
	SIGEV_PULSE_INIT(&ev, poll_coid, SIGEV_PULSE_PRIO_INHERIT, RM_POLL_PULSE_CODE, coid);
	memcpy(msg.event, &ev, sizeof(ev));
	if (MsgSend(coid, &msg, sizeof(msg), &rep, sizeof(rep)) == -1) {
		err = errno;
		if (ph)
			poll_forget(coid, NULL);
		/* No notify handler: the kernel then takes the device as always ready. */
		fuse_reply_err(req, err);
		return;
	}
	if (rep.flags & _NOTIFY_COND_INPUT)
		revents |= POLLIN | POLLRDNORM;
	if (rep.flags & _NOTIFY_COND_OUTPUT)
		revents |= POLLOUT | POLLWRNORM;
	if (rep.flags & _NOTIFY_COND_OBAND)
		revents |= POLLPRI | POLLRDBAND;
	fuse_reply_poll(req, revents & (fi->poll_events ? fi->poll_events : ~0u));
}

static void do_bridge_release(fuse_req_t req, struct fuse_file_info *fi)
{
	struct _io_close msg = { .type = _IO_CLOSE, .combine_len = sizeof(msg) };
	int coid = (int)fi->fh;

	MsgSend(coid, &msg, sizeof(msg), NULL, 0);
	poll_forget(coid, NULL);
	creds_del(coid);
	ConnectDetach(coid);
	fuse_reply_err(req, 0);
}

#define BRIDGE_OP(name, params, args)	\
static void bridge_##name params	\
{					\
	flight_begin();			\
	do_bridge_##name args;		\
	flight_end();			\
}

BRIDGE_OP(open, (fuse_req_t req, struct fuse_file_info *fi), (req, fi))
BRIDGE_OP(read, (fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi),
	  (req, size, off, fi))
BRIDGE_OP(write, (fuse_req_t req, const char *buf, size_t size, off_t off,
		  struct fuse_file_info *fi), (req, buf, size, off, fi))
BRIDGE_OP(ioctl, (fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
		  unsigned int flags, const void *in_buf, size_t in_bufsz, size_t out_bufsz),
	  (req, cmd, arg, fi, flags, in_buf, in_bufsz, out_bufsz))
BRIDGE_OP(release, (fuse_req_t req, struct fuse_file_info *fi), (req, fi))
BRIDGE_OP(poll, (fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph),
	  (req, fi, ph))

static void bridge_init_done(void *userdata)
{
	struct rm_cuse *c = userdata;

	/* The kernel created the node as it took the init reply: give it the attr's mode. */
	chmod(c->path, c->mode & 07777);
	pthread_mutex_lock(&c->lock);
	c->state = 1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static const struct cuse_lowlevel_ops bridge_ops = {
	.init_done = bridge_init_done,
	.open = bridge_open,
	.read = bridge_read,
	.write = bridge_write,
	.ioctl = bridge_ioctl,
	.release = bridge_release,
	.poll = bridge_poll,
};

static int spawn_worker(struct rm_cuse *c);

static void *worker(void *arg)
{
	struct rm_cuse *c = arg;
	struct fuse_buf fbuf;
	struct pollfd p[2];
	int fd = fuse_session_fd(c->se);
	int res;

	memset(&fbuf, 0, sizeof(fbuf));
	for (;;) {
		p[0].fd = fd;
		p[0].events = POLLIN;
		p[1].fd = c->efd;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents || fuse_session_exited(c->se))
			break;
		res = fuse_session_receive_buf(c->se, &fbuf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0)
			break;	/* the kernel ended the connection (ENODEV) */
		pthread_mutex_lock(&c->lock);
		if (--c->idle == 0 && c->nthreads < RM_CUSE_MAX_THREADS)
			spawn_worker(c);
		pthread_mutex_unlock(&c->lock);
		fuse_session_process_buf(c->se, &fbuf);
		pthread_mutex_lock(&c->lock);
		c->idle++;
		pthread_mutex_unlock(&c->lock);
	}
	free(fbuf.mem);
	pthread_mutex_lock(&c->lock);
	c->nthreads--;
	c->idle--;
	if (c->state == 0) {
		c->state = -1;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	cuse_put(c);
	return NULL;
}

/*
 * Called with c->lock held.  Bridge threads take no signals but RM_KICK_SIG:
 * the program's threads take its own.
 */
static int spawn_worker(struct rm_cuse *c)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int ret;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	if (kick_enabled)
		sigdelset(&all, RM_KICK_SIG);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	c->refs++;
	c->nthreads++;
	c->idle++;
	ret = pthread_create(&t, &attr, worker, c);
	if (ret) {
		c->refs--;
		c->nthreads--;
		c->idle--;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return ret;
}

/* cuse_lowlevel_setup() installs fuse's exit handlers: a library must not. */
static const int fuse_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD };

int rm_cuse_start(dispatch_t *dpp, struct rm_attach *a, const char *path, mode_t mode)
{
	struct sigaction saved[sizeof(fuse_signals) / sizeof(fuse_signals[0])];
	char arg0[] = "libchan-resmgr", arg1[] = "-f";
	char *argv[] = { arg0, arg1, NULL };
	const char *dev_info_argv[1];
	struct cuse_info ci;
	struct rm_cuse *c;
	struct timespec deadline;
	struct stat st;
	char *devname;
	size_t len = strlen(path);
	int multithreaded, fd, ret = 0;
	unsigned i;

	if (stat(path, &st) == 0)
		return EEXIST;
	pthread_once(&drain_once, register_drain);
	pthread_once(&kick_once, kick_setup);
	c = calloc(1, sizeof(*c) + len + 1);
	devname = malloc(len + sizeof("DEVNAME="));
	if (!c || !devname) {
		free(c);
		free(devname);
		return ENOMEM;
	}
	memcpy(c->path, path, len + 1);
	/* DEVNAME is below /dev; a '/' in it makes subdirectories (local/mydevice). */
	snprintf(devname, len + sizeof("DEVNAME="), "DEVNAME=%s", path + 5);
	dev_info_argv[0] = devname;
	c->chid = dpp->chid;
	c->id = a->id;
	c->mode = mode;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd == -1) {
		ret = errno;
		goto err_free;
	}

	memset(&ci, 0, sizeof(ci));
	ci.dev_info_argc = 1;
	ci.dev_info_argv = dev_info_argv;
	for (i = 0; i < sizeof(fuse_signals) / sizeof(fuse_signals[0]); i++)
		sigaction(fuse_signals[i], NULL, &saved[i]);
	c->se = cuse_lowlevel_setup(2, argv, &ci, &bridge_ops, &multithreaded, c);
	if (c->se)
		fuse_remove_signal_handlers(c->se);
	for (i = 0; i < sizeof(fuse_signals) / sizeof(fuse_signals[0]); i++)
		sigaction(fuse_signals[i], &saved[i], NULL);
	if (!c->se) {
		/* No /dev/cuse (module not loaded) or no permission to open it. */
		ret = access("/dev/cuse", F_OK) ? ENODEV : EACCES;
		goto err_efd;
	}
	fd = fuse_session_fd(c->se);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

	pthread_mutex_lock(&c->lock);
	c->refs = 1;	/* the attach's */
	if (spawn_worker(c)) {
		pthread_mutex_unlock(&c->lock);
		fuse_session_destroy(c->se);
		ret = EAGAIN;
		goto err_efd;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += RM_CUSE_INIT_TIMEOUT_S;
	while (c->state == 0 && ret == 0)
		ret = pthread_cond_timedwait(&c->cond, &c->lock, &deadline);
	ret = c->state == 1 ? 0 : EBUSY;
	pthread_mutex_unlock(&c->lock);
	free(devname);
	if (ret) {
		rm_cuse_stop(c);
		return ret;
	}
	a->cuse = c;
	return 0;

err_efd:
	close(c->efd);
err_free:
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c);
	free(devname);
	return ret;
}

void rm_cuse_stop(struct rm_cuse *c)
{
	uint64_t one = 1;

	/* Threads leave when back from their request; the last one closes the device. */
	if (write(c->efd, &one, sizeof(one)) != sizeof(one))
		fuse_session_exit(c->se);
	cuse_put(c);
}
