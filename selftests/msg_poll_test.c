// SPDX-License-Identifier: GPL-2.0
/*
 * Channel fds (QCHAN_IOC_CHANNEL_FD): a channel in a poll/epoll loop next to
 * other fds.  EPOLLIN while a message or pulse is queued and not yet
 * received, level-triggered (and EPOLLET edges per arrival); a thread
 * RECEIVE-blocked in MsgReceive takes arrivals before any poller; several
 * pollers with non-blocking receives neither lose nor double a message;
 * EPOLLHUP | EPOLLERR when the channel is destroyed or its process dies,
 * also for a process that got the fd by fork or SCM_RIGHTS; nothing is left
 * behind after kill -9; bad arguments are EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"
#include "view_util.h"

/* Generous: the guest is emulated and shared. */
#define WAIT_MS		5000

static int wait_channel_fds(long want)
{
	for (long long end = qt_now_ms() + QT_WAIT_MS; qt_stat_read("channel_fds") != want;) {
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(2);
	}
	return 0;
}

static int raw_channel_fd(struct qchan_channel_fd *a)
{
	int ret = ioctl(qchan_context_fd(), QCHAN_IOC_CHANNEL_FD, a);

	return ret < 0 ? -errno : ret;
}

/* One epoll instance watching @fd for @events; returns the epoll fd. */
static int epoll_for(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(ep);
		return -errno;
	}
	return ep;
}

/* epoll_wait for one event: its mask, 0 for none within @ms, -errno. */
static int wait1(int ep, int ms)
{
	struct epoll_event ev;
	int n;

	do
		n = epoll_wait(ep, &ev, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? (int)ev.events : 0;
}

/* A non-blocking receive of a pulse: its code, or -errno. */
static int take_pulse(int chid)
{
	union {
		struct _pulse p;
		char raw[64];
	} u;
	int rcvid = qchan_msg_try_receive(chid, &u, sizeof(u), NULL);

	if (rcvid < 0)
		return rcvid;
	return rcvid == 0 ? u.p.code : -EPROTO;
}

FIXTURE(chfd) {
	struct qt_stats before;
	long fds_before;
	int chid;
	int coid;
	int fd;
};

FIXTURE_SETUP(chfd)
{
	ASSERT_EQ(0, qt_stats_read(&self->before));
	self->fds_before = qt_stat_read("channel_fds");
	ASSERT_GE(self->fds_before, 0);
	self->chid = ChannelCreate(0);
	ASSERT_GT(self->chid, 0);
	self->coid = ConnectAttach(0, 0, self->chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(self->coid, (int)_NTO_SIDE_CHANNEL);
	self->fd = qchan_channel_fd(self->chid, QCHAN_CHFD_CLOEXEC);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(chfd)
{
	struct qt_stats now;

	if (self->fd >= 0)
		close(self->fd);
	if (self->coid >= 0)
		ConnectDetach(self->coid);
	if (self->chid > 0)
		ChannelDestroy(self->chid);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld pulses %ld->%ld msgs %ld->%ld",
		       self->before.channels, now.channels, self->before.pulses, now.pulses,
		       self->before.msgs_in_flight, now.msgs_in_flight);
	EXPECT_EQ(0, wait_channel_fds(self->fds_before));
}

TEST_F(chfd, feature_flags_and_arguments)
{
	struct qchan_features f = { 0 };
	struct qchan_channel_fd a;
	int fd;

	ASSERT_EQ(0, qchan_get_features(&f));
	EXPECT_EQ(QCHAN_FEAT_POLL, f.features & QCHAN_FEAT_POLL);

	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
	fd = qchan_channel_fd(self->chid, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(self->fds_before + 2, qt_stat_read("channel_fds"));
	close(fd);
	EXPECT_EQ(0, wait_channel_fds(self->fds_before + 1));

	/* The fd comes back in the block too. */
	a = (struct qchan_channel_fd){ .chid = self->chid, .fd = -7 };
	fd = raw_channel_fd(&a);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(fd, a.fd);
	close(fd);

	EXPECT_EQ(-EINVAL, qchan_channel_fd(self->chid, 2));
	EXPECT_EQ(-EINVAL, qchan_channel_fd(self->chid, 1U << 31));
	a = (struct qchan_channel_fd){ .chid = self->chid, .pad = 1 };
	EXPECT_EQ(-EINVAL, raw_channel_fd(&a));
	a = (struct qchan_channel_fd){ .chid = self->chid, .reserved = { 0, 1 } };
	EXPECT_EQ(-EINVAL, raw_channel_fd(&a));
	EXPECT_EQ(-EFAULT, ioctl(qchan_context_fd(), QCHAN_IOC_CHANNEL_FD, NULL) ? -errno : 0);
	EXPECT_EQ(-ESRCH, qchan_channel_fd(0, 0));
	EXPECT_EQ(-ESRCH, qchan_channel_fd(-1, 0));
	EXPECT_EQ(-ESRCH, qchan_channel_fd(self->chid + 1000, 0));
	/* Nothing is left of the failed calls. */
	EXPECT_EQ(0, wait_channel_fds(self->fds_before + 1));

	/* Not a channel's queue: read and write fail. */
	EXPECT_EQ(-1, read(self->fd, &f, 1));
	EXPECT_EQ(-1, write(self->fd, &f, 1));
}

TEST_F(chfd, pulse_raises_epollin_until_received)
{
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	int ep = epoll_for(self->fd, EPOLLIN);

	ASSERT_GE(ep, 0);
	EXPECT_EQ(0, wait1(ep, 0));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-EAGAIN, take_pulse(self->chid));

	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 7, 70));
	EXPECT_EQ(EPOLLIN, wait1(ep, WAIT_MS));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	/* Level-triggered: still there, still reported. */
	EXPECT_EQ(EPOLLIN, wait1(ep, 0));

	EXPECT_EQ(7, take_pulse(self->chid));
	/* Received: the next wait no longer reports it. */
	EXPECT_EQ(0, wait1(ep, 0));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(-EAGAIN, take_pulse(self->chid));
	close(ep);
}

TEST_F(chfd, level_triggered_with_two_queued)
{
	int ep = epoll_for(self->fd, EPOLLIN);

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 1, 0));
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 2, 0));
	EXPECT_EQ(EPOLLIN, wait1(ep, 0));
	EXPECT_EQ(1, take_pulse(self->chid));
	EXPECT_EQ(EPOLLIN, wait1(ep, 0));
	EXPECT_EQ(2, take_pulse(self->chid));
	EXPECT_EQ(0, wait1(ep, 0));
	close(ep);
}

TEST_F(chfd, edge_triggered_reports_each_arrival_once)
{
	int ep = epoll_for(self->fd, EPOLLIN | EPOLLET);

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 1, 0));
	EXPECT_EQ(EPOLLIN, wait1(ep, WAIT_MS));
	/* Still queued, but no new edge. */
	EXPECT_EQ(0, wait1(ep, 0));
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 2, 0));
	EXPECT_EQ(EPOLLIN, wait1(ep, WAIT_MS));
	EXPECT_EQ(0, wait1(ep, 0));
	EXPECT_EQ(1, take_pulse(self->chid));
	EXPECT_EQ(2, take_pulse(self->chid));
	EXPECT_EQ(-EAGAIN, take_pulse(self->chid));
	EXPECT_EQ(0, wait1(ep, 0));
	close(ep);
}

struct sender {
	pthread_t thread;
	int coid;
	int count;
	int base;
	_Atomic int failures;
};

/* Sends @count messages, each its own number, and checks the reply echoes it. */
static void *sender_fn(void *arg)
{
	struct sender *s = arg;

	for (int i = 0; i < s->count; i++) {
		int v = s->base + i, r = -1;

		if (MsgSend(s->coid, &v, sizeof(v), &r, sizeof(r)) != 0 || r != v)
			atomic_fetch_add(&s->failures, 1);
	}
	return NULL;
}

TEST_F(chfd, message_and_pipe_in_one_loop)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sender s = { .coid = self->coid, .count = 1, .base = 42 };
	int pipefd[2], ep, got_msg = 0, got_pipe = 0;

	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC | O_NONBLOCK));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_GE(ep, 0);
	ev.data.fd = self->fd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	ev.data.fd = pipefd[0];
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev));

	/* A sender blocked in MsgSend and a pipe write: both come through the one loop. */
	ASSERT_EQ(0, pthread_create(&s.thread, NULL, sender_fn, &s));
	ASSERT_EQ(1, write(pipefd[1], "x", 1));
	for (long long end = qt_now_ms() + QT_WAIT_MS; !got_msg || !got_pipe;) {
		struct epoll_event evs[2];
		int n = epoll_wait(ep, evs, 2, 100);

		ASSERT_LT(qt_now_ms(), end);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == pipefd[0]) {
				char c;

				EXPECT_EQ(1, read(pipefd[0], &c, 1));
				got_pipe++;
			} else {
				struct _msg_info info;
				int v = 0, rcvid;

				EXPECT_EQ((uint32_t)EPOLLIN, evs[i].events);
				rcvid = qchan_msg_try_receive(self->chid, &v, sizeof(v),
							      (struct qchan_msg_info *)&info);
				if (rcvid == -EAGAIN)
					continue;
				ASSERT_GT(rcvid, 0);
				EXPECT_EQ(42, v);
				EXPECT_EQ(0, MsgReply(rcvid, 0, &v, sizeof(v)));
				got_msg++;
			}
		}
	}
	EXPECT_EQ(0, pthread_join(s.thread, NULL));
	EXPECT_EQ(0, atomic_load(&s.failures));
	EXPECT_EQ(1, got_msg);
	EXPECT_EQ(1, got_pipe);
	EXPECT_EQ(0, wait1(ep, 0));
	close(ep);
	close(pipefd[0]);
	close(pipefd[1]);
}

struct blocked_rx {
	pthread_t thread;
	int chid;
	_Atomic pid_t tid;
	int rcvid;
	int code;
};

static void *blocked_rx_fn(void *arg)
{
	struct blocked_rx *b = arg;
	struct _pulse p;

	atomic_store(&b->tid, qt_gettid());
	b->rcvid = MsgReceive(b->chid, &p, sizeof(p), NULL);
	b->code = p.code;
	return NULL;
}

/* The rule: a thread RECEIVE-blocked in MsgReceive gets an arrival; pollers never see it. */
TEST_F(chfd, blocked_receiver_takes_arrivals_first)
{
	struct blocked_rx b = { .chid = self->chid };
	int ep = epoll_for(self->fd, EPOLLIN | EPOLLET);

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, pthread_create(&b.thread, NULL, blocked_rx_fn, &b));
	ASSERT_EQ(0, qt_wait_blocked(getpid(), qt_wait_tid(&b.tid)));
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 9, 0));
	ASSERT_EQ(0, pthread_join(b.thread, NULL));
	EXPECT_EQ(0, b.rcvid);
	EXPECT_EQ(9, b.code);
	/* Never queued: not even an edge. */
	EXPECT_EQ(0, wait1(ep, 0));

	/* Queued while nobody receives: the poller is told, and whoever receives first wins. */
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 10, 0));
	EXPECT_EQ(EPOLLIN, wait1(ep, WAIT_MS));
	b.rcvid = -1;
	ASSERT_EQ(0, pthread_create(&b.thread, NULL, blocked_rx_fn, &b));
	ASSERT_EQ(0, pthread_join(b.thread, NULL));
	EXPECT_EQ(10, b.code);
	EXPECT_EQ(-EAGAIN, take_pulse(self->chid));
	close(ep);
}

/* A thread asleep in poll() is woken by a pulse from another thread. */
struct poller {
	pthread_t thread;
	int fd;
	_Atomic pid_t tid;
	int ret;
	short revents;
};

static void *poller_fn(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	atomic_store(&p->tid, qt_gettid());
	p->ret = poll(&pfd, 1, 3 * QT_WAIT_MS);
	p->revents = pfd.revents;
	return NULL;
}

TEST_F(chfd, sleeping_poller_is_woken)
{
	struct poller p = { .fd = self->fd };

	ASSERT_EQ(0, pthread_create(&p.thread, NULL, poller_fn, &p));
	ASSERT_EQ(0, qt_wait_state(getpid(), qt_wait_tid(&p.tid), 'S'));
	qt_sleep_ms(20);
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 3, 0));
	ASSERT_EQ(0, pthread_join(p.thread, NULL));
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_EQ(3, take_pulse(self->chid));
}

TEST_F(chfd, destroy_gives_hup_and_wakes_pollers)
{
	struct poller p = { .fd = self->fd };
	int ep = epoll_for(self->fd, EPOLLIN);

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, pthread_create(&p.thread, NULL, poller_fn, &p));
	ASSERT_EQ(0, qt_wait_state(getpid(), qt_wait_tid(&p.tid), 'S'));
	qt_sleep_ms(20);
	ASSERT_EQ(0, ChannelDestroy(self->chid));
	ASSERT_EQ(0, pthread_join(p.thread, NULL));
	self->chid = -1;
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLHUP | POLLERR, p.revents & (POLLHUP | POLLERR | POLLIN));
	EXPECT_EQ(EPOLLHUP | EPOLLERR, wait1(ep, 0));
	close(ep);
}

struct excl_waiter {
	pthread_t thread;
	int ep;
	_Atomic pid_t tid;
	int events;
};

static void *excl_waiter_fn(void *arg)
{
	struct excl_waiter *w = arg;

	atomic_store(&w->tid, qt_gettid());
	w->events = wait1(w->ep, 3 * QT_WAIT_MS);
	return NULL;
}

/*
 * EPOLLEXCLUSIVE: one arrival wakes one of the waiting epoll instances, but
 * the channel's death wakes them all.
 */
TEST_F(chfd, exclusive_waiters_one_per_arrival_all_on_death)
{
	enum { N = 3 };
	struct excl_waiter w[N];
	int woken = 0;

	for (int i = 0; i < N; i++) {
		w[i] = (struct excl_waiter){ .ep = epoll_for(self->fd, EPOLLIN | EPOLLEXCLUSIVE) };
		ASSERT_GE(w[i].ep, 0);
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, excl_waiter_fn, &w[i]));
	}
	for (int i = 0; i < N; i++)	/* all asleep in epoll_wait */
		ASSERT_EQ(0, qt_wait_state(getpid(), qt_wait_tid(&w[i].tid), 'S'));
	qt_sleep_ms(50);
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 1, 0));
	qt_sleep_ms(200);
	for (int i = 0; i < N; i++)
		woken += w[i].events != 0;
	EXPECT_EQ(1, woken);
	EXPECT_EQ(1, take_pulse(self->chid));

	ASSERT_EQ(0, ChannelDestroy(self->chid));
	self->chid = -1;
	for (int i = 0; i < N; i++) {
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
		if (w[i].events != EPOLLIN)
			EXPECT_EQ(EPOLLHUP | EPOLLERR, w[i].events);
		close(w[i].ep);
	}
}

struct server {
	pthread_t thread;
	int chid;
	int fd;
	_Atomic int *seen;	/* per message number */
	_Atomic int *left;	/* messages not yet handled, all servers */
	int handled;
	int spurious;		/* EPOLLIN, then another thread was quicker */
	int errors;
};

/* Each server thread: its own epoll instance on the shared fd, non-blocking receives. */
static void *server_fn(void *arg)
{
	struct server *s = arg;
	int ep = epoll_for(s->fd, EPOLLIN);

	if (ep < 0) {
		s->errors++;
		return NULL;
	}
	while (atomic_load(s->left) > 0) {
		int v, rcvid, ev = wait1(ep, 50);

		if (ev == 0)
			continue;
		if (ev != EPOLLIN) {
			s->errors++;
			break;
		}
		rcvid = qchan_msg_try_receive(s->chid, &v, sizeof(v), NULL);
		if (rcvid == -EAGAIN) {
			s->spurious++;
			continue;
		}
		if (rcvid <= 0 || v < 0 || v >= 4 * 300) {
			s->errors++;
			continue;
		}
		atomic_fetch_add(&s->seen[v], 1);
		s->handled++;
		atomic_fetch_sub(s->left, 1);
		if (MsgReply(rcvid, 0, &v, sizeof(v)))
			s->errors++;
	}
	close(ep);
	return NULL;
}

TEST_F(chfd, several_servers_neither_lose_nor_double)
{
	enum { SERVERS = 4, SENDERS = 4, EACH = 300 };
	static _Atomic int seen[SENDERS * EACH];
	_Atomic int left = SENDERS * EACH;
	struct server srv[SERVERS];
	struct sender snd[SENDERS];
	int handled = 0, spurious = 0, bad = -1, bad_times = 0;

	for (int i = 0; i < SENDERS * EACH; i++)
		atomic_store(&seen[i], 0);
	for (int i = 0; i < SERVERS; i++) {
		srv[i] = (struct server){ .chid = self->chid, .fd = self->fd, .seen = seen,
					  .left = &left };
		ASSERT_EQ(0, pthread_create(&srv[i].thread, NULL, server_fn, &srv[i]));
	}
	for (int i = 0; i < SENDERS; i++) {
		snd[i] = (struct sender){ .coid = self->coid, .count = EACH, .base = i * EACH };
		ASSERT_EQ(0, pthread_create(&snd[i].thread, NULL, sender_fn, &snd[i]));
	}
	for (int i = 0; i < SENDERS; i++) {
		EXPECT_EQ(0, pthread_join(snd[i].thread, NULL));
		EXPECT_EQ(0, atomic_load(&snd[i].failures));
	}
	for (int i = 0; i < SERVERS; i++) {
		EXPECT_EQ(0, pthread_join(srv[i].thread, NULL));
		EXPECT_EQ(0, srv[i].errors);
		handled += srv[i].handled;
		spurious += srv[i].spurious;
	}
	EXPECT_EQ(SENDERS * EACH, handled);
	for (int i = 0; i < SENDERS * EACH; i++) {
		int times = atomic_load(&seen[i]);

		if (times != 1) {
			bad = i;
			bad_times = times;
		}
	}
	EXPECT_EQ(-1, bad) TH_LOG("message %d handled %d times", bad, bad_times);
	TH_LOG("%d messages, %d wake-ups found nothing left", handled, spurious);
}

/* Sends @fd over the unix socket @sock; 0 or -errno. */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -EIO;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * A server passes its channel fd to us and is killed: we may still poll it
 * (EPOLLHUP | EPOLLERR), we cannot receive, and the channel's memory goes
 * only when we close the fd.
 */
TEST(fd_passed_by_scm_rights_outlives_its_server)
{
	struct qt_stats before, now;
	long fds_before = qt_stat_read("channel_fds");
	int sv[2], fd, ep, chid;
	pid_t pid;

	ASSERT_GE(qchan_context_fd(), 0);	/* ours, before the counters are read */
	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int c = ChannelCreate(0);
		int cfd = c > 0 ? qchan_channel_fd(c, QCHAN_CHFD_CLOEXEC) : -1;
		int co = ConnectAttach(0, 0, c, _NTO_SIDE_CHANNEL, 0);

		if (cfd < 0 || co < 0 || MsgSendPulse(co, -1, 5, 0) || qt_write_int(sv[1], c) ||
		    send_fd(sv[1], cfd))
			_exit(1);
		close(cfd);
		for (;;)
			pause();
	}
	ASSERT_EQ(0, qt_read_int(sv[0], &chid));
	fd = recv_fd(sv[0]);
	ASSERT_GE(fd, 0);
	ep = epoll_for(fd, EPOLLIN);
	ASSERT_GE(ep, 0);
	/* The server's queued pulse shows here; receiving is the owner's alone. */
	EXPECT_EQ(EPOLLIN, wait1(ep, WAIT_MS));
	EXPECT_EQ(-ESRCH, take_pulse(chid));
	/* Not a context: the channel fd has no ioctls at all. */
	EXPECT_EQ(-ENOTTY, ioctl(fd, QCHAN_IOC_GET_FEATURES, NULL) ? -errno : 0);

	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(EPOLLHUP | EPOLLERR, wait1(ep, WAIT_MS));
	/* Our fd keeps the dead channel's memory, nothing more. */
	for (long long end = qt_now_ms() + QT_WAIT_MS;;) {
		ASSERT_EQ(0, qt_stats_read(&now));
		if (now.pulses == before.pulses && now.contexts == before.contexts)
			break;
		ASSERT_LT(qt_now_ms(), end);
		qt_sleep_ms(2);
	}
	EXPECT_EQ(before.channels + 1, now.channels);
	EXPECT_EQ(fds_before + 1, qt_stat_read("channel_fds"));
	close(ep);
	close(fd);
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now));
	EXPECT_EQ(0, wait_channel_fds(fds_before));
	close(sv[0]);
	close(sv[1]);
}

/* A forked child holds the fd: it sees the parent's queue, and the parent's channel death. */
TEST_F(chfd, forked_child_polls_the_parents_channel)
{
	int to_child[2], from_child[2], res;
	pid_t pid;

	ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(from_child, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int ep = epoll_for(self->fd, EPOLLIN), v;

		if (ep < 0 || wait1(ep, 0) != 0 || qt_write_int(from_child[1], 1))
			_exit(1);
		if (wait1(ep, WAIT_MS) != EPOLLIN)
			_exit(2);
		/* A child's own context knows no such channel. */
		if (take_pulse(self->chid) != -ESRCH)
			_exit(3);
		if (qt_write_int(from_child[1], 2) || qt_read_int(to_child[0], &v))
			_exit(4);
		if (wait1(ep, WAIT_MS) != (EPOLLHUP | EPOLLERR))
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(0, qt_read_int(from_child[0], &res));
	ASSERT_EQ(0, MsgSendPulse(self->coid, -1, 6, 0));
	ASSERT_EQ(0, qt_read_int(from_child[0], &res));
	EXPECT_EQ(6, take_pulse(self->chid));
	ASSERT_EQ(0, ChannelDestroy(self->chid));
	self->chid = -1;
	ASSERT_EQ(0, qt_write_int(to_child[1], 0));
	EXPECT_EQ(0, qt_child_result(pid));
	close(to_child[0]);
	close(to_child[1]);
	close(from_child[0]);
	close(from_child[1]);
}

/* kill -9 of a server asleep in epoll_wait with messages and pulses queued: nothing stays. */
TEST(kill9_in_epoll_wait_leaves_nothing)
{
	struct qt_stats before, now;
	long fds_before = qt_stat_read("channel_fds");
	int pipefd[2], chid, coid;
	struct qt_client c;
	char ids[64], *line;
	pid_t pid;

	ASSERT_GE(qchan_context_fd(), 0);
	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int c = ChannelCreate(0);
		int fd1 = c > 0 ? qchan_channel_fd(c, 0) : -1;
		int fd2 = c > 0 ? qchan_channel_fd(c, QCHAN_CHFD_CLOEXEC) : -1;
		int ep = fd1 >= 0 ? epoll_for(fd1, EPOLLIN | EPOLLET) : -1;
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd2 < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd2, &ev) ||
		    qt_write_int(pipefd[1], c))
			_exit(1);
		for (;;)
			epoll_wait(ep, &ev, 1, -1);
	}
	ASSERT_EQ(0, qt_read_int(pipefd[0], &chid));
	/* Pulses and a blocked sender of ours queued on it, the server asleep in epoll. */
	coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0);

	ASSERT_GE(coid, 0);
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(0, MsgSendPulse(coid, -1, i, 0));
	ASSERT_EQ(0, qt_client_send(&c, coid, "hi", 2, NULL, 0));
	/*
	 * Queued, not just counted in flight: a send that reaches the channel
	 * after the kill fails EBADF (no channel), not ESRCH (server died).
	 */
	snprintf(ids, sizeof(ids), " pid=%d chid=%d", pid, chid);
	line = qt_view_wait("channel", ids, " queued=1", NULL);
	ASSERT_NE(NULL, line);
	free(line);
	ASSERT_EQ(fds_before + 2, qt_stat_read("channel_fds"));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	EXPECT_EQ(ESRCH, c.err);
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now))
		TH_LOG("left behind: channels %ld->%ld pulses %ld->%ld msgs %ld->%ld",
		       before.channels, now.channels, before.pulses, now.pulses,
		       before.msgs_in_flight, now.msgs_in_flight);
	EXPECT_EQ(0, wait_channel_fds(fds_before));
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_HARNESS_MAIN
