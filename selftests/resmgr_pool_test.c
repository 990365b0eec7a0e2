// SPDX-License-Identifier: GPL-2.0
/*
 * libchan-resmgr's thread pools: a resource manager at a /dev path (CUSE)
 * served by thread_pool_create/start with dispatch_block/dispatch_handler,
 * Linux readers held in its read handler each on a pool thread of their
 * own, the pool kept between lo_water and hi_water waiting threads and
 * never above maximum, thread_pool_limits shrinking it, thread_pool_destroy
 * ending it; poll()/select() on the node through _IO_NOTIFY and
 * iofunc_notify_trigger(). Needs /dev/cuse (scripts/vm --cuse).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/iofunc.h>
#define THREAD_POOL_PARAM_T	dispatch_context_t
#include <sys/dispatch.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define RP_PATH		"/dev/qchan-rmpool"
#define RP_MAX_TIDS	16

/* Shared between the test and its manager child. */
struct rp_shared {
	int in_handler;			/* readers held in the read handler now */
	int max_in_handler;
	int release;			/* the held readers may go */
	int ntids;
	int tids[RP_MAX_TIDS];		/* the pool threads that held a reader */
	int live;			/* pool contexts = pool threads */
	int max_live;
	int allocs;
	int frees;
	int armed;			/* _IO_NOTIFY requests that armed an event */
	int cmd;			/* to the manager's main thread, see rp_server */
	int cmd_result;
	int cmd_done;
};

static struct rp_shared *rp = MAP_FAILED;
static iofunc_attr_t rp_attr;

static int rp_get(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void rp_raise_max(int *max, int v)
{
	int old = __atomic_load_n(max, __ATOMIC_SEQ_CST);

	while (v > old && !__atomic_compare_exchange_n(max, &old, v, 0, __ATOMIC_SEQ_CST,
						       __ATOMIC_SEQ_CST))
		;
}

/* Holds every reader until the test releases them: one pool thread each. */
static int rp_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	static const char data[] = "pooled\n";
	int ret = iofunc_read_verify(ctp, msg, ocb, NULL);
	int n, nb;

	if (ret != EOK)
		return ret;
	if (ocb->offset)
		return _RESMGR_NPARTS(0);
	n = __atomic_add_fetch(&rp->in_handler, 1, __ATOMIC_SEQ_CST);
	rp_raise_max(&rp->max_in_handler, n);
	n = __atomic_fetch_add(&rp->ntids, 1, __ATOMIC_SEQ_CST);
	if (n < RP_MAX_TIDS)
		__atomic_store_n(&rp->tids[n], gettid(), __ATOMIC_SEQ_CST);
	while (!rp_get(&rp->release))
		qt_sleep_ms(2);
	__atomic_sub_fetch(&rp->in_handler, 1, __ATOMIC_SEQ_CST);
	nb = (int)sizeof(data) - 1;
	if ((unsigned)nb > msg->i.nbytes)
		nb = (int)msg->i.nbytes;
	_IO_SET_READ_NBYTES(ctp, nb);
	SETIOV(ctp->iov, data, nb);
	ocb->offset += nb;
	return _RESMGR_NPARTS(1);
}

/*
 * poll: input holds once something was written; output always. The
 * handlers run without the attr lock here, so the lists get a lock of their own.
 */
static pthread_mutex_t rp_nlock = PTHREAD_MUTEX_INITIALIZER;
static iofunc_notify_t rp_notify_lists[3];
static int rp_has_input;

static int rp_notify(resmgr_context_t *ctp, io_notify_t *msg, RESMGR_OCB_T *ocb)
{
	int ret, armed = 0;

	pthread_mutex_lock(&rp_nlock);
	ret = iofunc_notify(ctp, msg, rp_notify_lists,
			    _NOTIFY_COND_OUTPUT | (rp_has_input ? _NOTIFY_COND_INPUT : 0),
			    NULL, &armed);
	pthread_mutex_unlock(&rp_nlock);
	if (armed)
		__atomic_add_fetch(&rp->armed, 1, __ATOMIC_SEQ_CST);
	return ret;
}

static int rp_write(resmgr_context_t *ctp, io_write_t *msg, RESMGR_OCB_T *ocb)
{
	int ret = iofunc_write_verify(ctp, msg, ocb, NULL);

	if (ret != EOK)
		return ret;
	pthread_mutex_lock(&rp_nlock);
	rp_has_input = 1;
	iofunc_notify_trigger(rp_notify_lists, 1, IOFUNC_NOTIFY_INPUT);
	pthread_mutex_unlock(&rp_nlock);
	_IO_SET_WRITE_NBYTES(ctp, msg->i.nbytes);
	return _RESMGR_NPARTS(0);
}

static int rp_close_ocb(resmgr_context_t *ctp, void *reserved, RESMGR_OCB_T *ocb)
{
	pthread_mutex_lock(&rp_nlock);
	iofunc_notify_remove(ctp, rp_notify_lists);
	pthread_mutex_unlock(&rp_nlock);
	return iofunc_close_ocb_default(ctp, reserved, ocb);
}

/* The pool's contexts, counted: one per pool thread. */
static dispatch_context_t *rp_context_alloc(dispatch_t *dpp)
{
	dispatch_context_t *ctp = dispatch_context_alloc(dpp);
	int n;

	if (ctp) {
		__atomic_add_fetch(&rp->allocs, 1, __ATOMIC_SEQ_CST);
		n = __atomic_add_fetch(&rp->live, 1, __ATOMIC_SEQ_CST);
		rp_raise_max(&rp->max_live, n);
	}
	return ctp;
}

static void rp_context_free(dispatch_context_t *ctp)
{
	__atomic_add_fetch(&rp->frees, 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&rp->live, 1, __ATOMIC_SEQ_CST);
	dispatch_context_free(ctp);
}

#define RP_CMD_LIMITS	1	/* thread_pool_limits(pool, 1, 1, -1, -1, 0) */
#define RP_CMD_DESTROY	2	/* thread_pool_destroy(pool) */

/*
 * Forks the manager: a pool of lo/hi/max threads. Its main thread returns
 * from thread_pool_start() and carries out the test's commands.
 */
static pid_t rp_server(unsigned short lo, unsigned short hi, unsigned short max,
		       unsigned short inc)
{
	int p[2], v = -1;
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		resmgr_connect_funcs_t cf;
		resmgr_io_funcs_t iof;
		thread_pool_attr_t pa;
		thread_pool_t *pool;
		dispatch_t *dpp;
		int cmd;

		close(p[0]);
		dpp = dispatch_create();
		if (!dpp)
			_exit(10);
		iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &cf, _RESMGR_IO_NFUNCS, &iof);
		iof.read = rp_read;
		iof.write = rp_write;
		iof.notify = rp_notify;
		iof.close_ocb = rp_close_ocb;
		IOFUNC_NOTIFY_INIT(rp_notify_lists);
		/* Held readers must not hold the attr lock, or they would queue on it. */
		iof.lock_ocb = NULL;
		iof.unlock_ocb = NULL;
		iofunc_attr_init(&rp_attr, S_IFCHR | 0666, NULL, NULL);
		if (resmgr_attach(dpp, NULL, RP_PATH, _FTYPE_ANY, 0, &cf, &iof, &rp_attr) == -1) {
			qt_write_int(p[1], -errno);
			_exit(11);
		}
		memset(&pa, 0, sizeof(pa));
		pa.handle = dpp;
		pa.context_alloc = rp_context_alloc;
		pa.block_func = dispatch_block;
		pa.unblock_func = dispatch_unblock;
		pa.handler_func = dispatch_handler;
		pa.context_free = rp_context_free;
		pa.lo_water = lo;
		pa.hi_water = hi;
		pa.maximum = max;
		pa.increment = inc;
		pool = thread_pool_create(&pa, 0);
		if (!pool)
			_exit(12);
		if (thread_pool_start(pool))
			_exit(13);
		qt_write_int(p[1], 0);
		for (;;) {
			while (!(cmd = rp_get(&rp->cmd)))
				qt_sleep_ms(2);
			if (cmd == RP_CMD_LIMITS)
				v = thread_pool_limits(pool, 1, 1, -1, -1, 0);
			else if (cmd == RP_CMD_DESTROY)
				v = thread_pool_destroy(pool);
			__atomic_store_n(&rp->cmd_result, v, __ATOMIC_SEQ_CST);
			__atomic_store_n(&rp->cmd, 0, __ATOMIC_SEQ_CST);
			__atomic_add_fetch(&rp->cmd_done, 1, __ATOMIC_SEQ_CST);
		}
	}
	close(p[1]);
	if (qt_read_int(p[0], &v))
		v = -EIO;
	close(p[0]);
	if (v) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return v;
	}
	return pid;
}

static int rp_command(int cmd)
{
	int done = rp_get(&rp->cmd_done);

	__atomic_store_n(&rp->cmd, cmd, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 10000 && rp_get(&rp->cmd_done) == done; i++)
		qt_sleep_ms(2);
	return rp_get(&rp->cmd_done) == done ? -ETIMEDOUT : rp_get(&rp->cmd_result);
}

/* Waits up to 20 s (a loaded TCG guest) for *p to become want. */
static int rp_wait_eq(int *p, int want)
{
	for (int i = 0; i < 10000 && rp_get(p) != want; i++)
		qt_sleep_ms(2);
	return rp_get(p);
}

/* A Linux reader: its read() must return the handler's data. */
static pid_t rp_reader(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		char buf[16];
		int fd = open(RP_PATH, O_RDONLY);

		if (fd == -1)
			_exit(20);
		if (read(fd, buf, sizeof(buf)) != 7 || memcmp(buf, "pooled\n", 7))
			_exit(21);
		_exit(close(fd) ? 22 : 0);
	}
	return pid;
}

FIXTURE(pool) {
	struct qt_stats before;
	pid_t server;
};

/* In the test itself: the 6.1 harness runs the body after a SKIP in the setup. */
#define RP_NEED_CUSE() do {						\
	if (access("/dev/cuse", R_OK | W_OK))				\
		SKIP(return, "no /dev/cuse (scripts/vm --cuse)");	\
} while (0)

FIXTURE_SETUP(pool)
{
	self->server = 0;
	if (access("/dev/cuse", R_OK | W_OK))
		return;
	rp = mmap(NULL, sizeof(*rp), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rp);
	memset(rp, 0, sizeof(*rp));
	ASSERT_EQ(0, qt_stats_read(&self->before));
}

FIXTURE_TEARDOWN(pool)
{
	struct qt_stats now;

	if (self->server > 0) {
		kill(self->server, SIGKILL);
		waitpid(self->server, NULL, 0);
		/* A killed pooled manager leaves nothing behind in qchan. */
		EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now));
	}
	if (rp != MAP_FAILED)
		munmap(rp, sizeof(*rp));
	rp = MAP_FAILED;
}

/*
 * Four Linux readers held in the read handler at once, each on its own pool
 * thread; lo_water threads stay waiting meanwhile; once they are served the
 * idle pool shrinks to hi_water; thread_pool_limits shrinks it further and
 * thread_pool_destroy ends every thread.
 */
TEST_F(pool, readers_on_own_threads)
{
	pid_t readers[4];
	int i, j, live;

	RP_NEED_CUSE();
	self->server = rp_server(2, 3, 8, 1);
	ASSERT_LT(0, self->server);
	/* Started: lo_water threads. */
	EXPECT_EQ(2, rp_wait_eq(&rp->live, 2));

	for (i = 0; i < 4; i++) {
		readers[i] = rp_reader();
		ASSERT_LE(0, readers[i]);
	}
	ASSERT_EQ(4, rp_wait_eq(&rp->in_handler, 4));
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			EXPECT_NE(rp->tids[i], rp->tids[j]);
	/* Four busy, and still lo_water..hi_water waiting for more work. */
	qt_sleep_ms(100);
	live = rp_get(&rp->live);
	EXPECT_LE(4 + 2, live);
	EXPECT_GE(4 + 3, live);

	__atomic_store_n(&rp->release, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, qt_child_result(readers[i]));
	/* Idle again: the threads beyond hi_water left. */
	EXPECT_EQ(3, rp_wait_eq(&rp->live, 3));
	EXPECT_GE(8, rp_get(&rp->max_live));

	/* thread_pool_limits(1, 1): down to one waiting thread, and it waits for that. */
	EXPECT_EQ(0, rp_command(RP_CMD_LIMITS));
	EXPECT_EQ(1, rp_wait_eq(&rp->live, 1));

	/* Destroyed: every thread gone, every context freed. */
	EXPECT_EQ(0, rp_command(RP_CMD_DESTROY));
	EXPECT_EQ(0, rp_get(&rp->live));
	EXPECT_EQ(rp_get(&rp->allocs), rp_get(&rp->frees));
	EXPECT_LE(6, rp_get(&rp->allocs));
}

/* maximum caps the pool: two of five readers wait for a thread to come free. */
TEST_F(pool, maximum_caps_threads)
{
	pid_t readers[5];
	int i;

	RP_NEED_CUSE();
	self->server = rp_server(2, 2, 3, 2);
	ASSERT_LT(0, self->server);
	EXPECT_EQ(2, rp_wait_eq(&rp->live, 2));
	for (i = 0; i < 5; i++) {
		readers[i] = rp_reader();
		ASSERT_LE(0, readers[i]);
	}
	ASSERT_EQ(3, rp_wait_eq(&rp->in_handler, 3));
	qt_sleep_ms(300);
	EXPECT_EQ(3, rp_get(&rp->in_handler));
	EXPECT_EQ(3, rp_get(&rp->live));

	__atomic_store_n(&rp->release, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(0, qt_child_result(readers[i]));
	EXPECT_EQ(3, rp_get(&rp->max_in_handler));
	EXPECT_EQ(3, rp_get(&rp->max_live));
	EXPECT_EQ(5, rp_get(&rp->ntids));
}

struct rp_poller {
	int fd;
	int ret;
	short revents;
	int done;
};

static void *rp_poll_thread(void *arg)
{
	struct rp_poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	p->ret = poll(&pfd, 1, 30000);
	p->revents = pfd.revents;
	__atomic_store_n(&p->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * poll() and select() on the node: _IO_NOTIFY answers what holds now; a
 * poller that sleeps has the manager arm its event, and the manager's
 * iofunc_notify_trigger() (in its write handler) wakes it.
 */
TEST_F(pool, poll_wakes_on_trigger)
{
	struct rp_poller p = { .fd = -1 };
	struct pollfd pfd;
	struct timeval tv = { 0, 0 };
	pthread_t t;
	fd_set rfds;
	int wfd;

	RP_NEED_CUSE();
	self->server = rp_server(1, 2, 4, 1);
	ASSERT_LT(0, self->server);
	p.fd = open(RP_PATH, O_RDONLY);
	ASSERT_LE(0, p.fd);
	/* Nothing to read yet; output always possible. */
	pfd.fd = p.fd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	pfd.events = POLLIN | POLLOUT;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);

	ASSERT_EQ(0, pthread_create(&t, NULL, rp_poll_thread, &p));
	for (int i = 0; i < 10000 && !rp_get(&rp->armed); i++)
		qt_sleep_ms(2);
	EXPECT_LE(1, rp_get(&rp->armed));
	qt_sleep_ms(200);
	EXPECT_EQ(0, rp_get(&p.done));

	wfd = open(RP_PATH, O_WRONLY);
	ASSERT_LE(0, wfd);
	EXPECT_EQ(1, write(wfd, "x", 1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLIN, p.revents & (POLLIN | POLLERR | POLLHUP));

	/* Readable now, by select() too. */
	FD_ZERO(&rfds);
	FD_SET(p.fd, &rfds);
	EXPECT_EQ(1, select(p.fd + 1, &rfds, NULL, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(p.fd, &rfds));
	EXPECT_EQ(0, close(wfd));
	EXPECT_EQ(0, close(p.fd));
}

TEST(create_errors)
{
	thread_pool_attr_t pa;
	dispatch_t *dpp = (dispatch_t *)&pa;	/* never used: every call fails first */

	memset(&pa, 0, sizeof(pa));
	pa.handle = dpp;
	pa.maximum = 1;
	/* No callbacks. */
	errno = 0;
	EXPECT_EQ(NULL, thread_pool_create(&pa, 0));
	EXPECT_EQ(EINVAL, errno);
	pa.context_alloc = dispatch_context_alloc;
	pa.block_func = dispatch_block;
	pa.handler_func = dispatch_handler;
	pa.context_free = dispatch_context_free;
	/* Both self flags, unknown flags, no maximum. */
	EXPECT_EQ(NULL, thread_pool_create(&pa, POOL_FLAG_EXIT_SELF | POOL_FLAG_USE_SELF));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, thread_pool_create(&pa, 0x100));
	EXPECT_EQ(EINVAL, errno);
	pa.maximum = 0;
	EXPECT_EQ(NULL, thread_pool_create(&pa, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, thread_pool_start(NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, thread_pool_destroy(NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, thread_pool_limits(NULL, 1, 1, 1, 1, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
