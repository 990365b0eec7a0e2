// SPDX-License-Identifier: GPL-2.0
/*
 * When a context ends.  It must end when its owner lets go of it - an
 * explicit close, exec (libchan opens it O_CLOEXEC), the death of the whole
 * process - and only then:
 *  - a fork or clone that fails after copying the fd table closes the copy
 *    from the parent's thread (clone3 with a set_tid in use, an unprivileged
 *    CLONE_NEWUTS, a pids cgroup at its limit), and a thread that unshares
 *    its fd table and exits closes its private copy: the owner's context,
 *    its channels and its clients' connections must not notice;
 *  - the owner dying while another process still holds the fd (a
 *    CLONE_FILES sibling, a child holding a copy of the table) ends the
 *    context at once: clients fail with ESRCH, the counters come back,
 *    and a new process given the dead owner's pid number opens /dev/qchan;
 *  - CONNECT_QUERY reports pid 0 for a channel whose owner is gone.
 *
 * The owners are child processes that report through pipes and their exit
 * status (a distinct code per step), never through the harness's ASSERTs.
 * The test process (a subreaper, so that orphaned holders come back to it)
 * plays the client.  Every test ends with the live-object counters, the
 * live contexts among them, back where they started.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "qchan_test_util.h"

#include <grp.h>
#include <linux/magic.h>
#include <qchan/libchan.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/vfs.h>

#include "kselftest_harness.h"

#define NOBODY		65534
#define CG_ROOT		"/sys/fs/cgroup"
#define IDLE_HELPER	"--ctx-lifecycle-idle"

/* The clone3() arguments up to set_tid_size (CLONE_ARGS_SIZE_VER1). */
struct clone3_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
};

FIXTURE(life) {
	struct qt_stats before;
	long before_allocated;
	int up[2];		/* children -> test */
	int down[2];		/* test -> owner */
	int hold[2];		/* a holder waits on hold[0] until the test writes */
	pid_t owner;		/* killed and reaped by the teardown */
	pid_t holder;		/* the second holder of the owner's fd table or ctx fd */
	struct qt_client ca, cb; /* here, not on a stack: a client may outlive a failed test */
	char cgdir[PATH_MAX];
	bool cg_mounted, cg_enabled;
};

static int stat_get(const char *name, long *val)
{
	char n[64];
	int ret = -ENOENT;
	long v;
	FILE *f;

	f = fopen(QT_STATS_PATH, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %ld", n, &v) == 2) {
		if (!strcmp(n, name)) {
			*val = v;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* Waits until the counter @name reads @want (teardown is asynchronous); 0 or -errno. */
static int stat_wait(const char *name, long want, long *now)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	int err;

	for (;;) {
		err = stat_get(name, now);
		if (err)
			return err;
		if (*now == want)
			return 0;
		if (qt_now_ms() > end)
			return -ETIMEDOUT;
		qt_sleep_ms(2);
	}
}

FIXTURE_SETUP(life)
{
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	/* Our own context is part of the baseline. */
	ASSERT_LE(0, qchan_context_fd());
	ASSERT_EQ(0, qt_stats_read(&self->before));
	/* A module without this counter (before it counted live contexts apart) skips its check. */
	if (stat_get("contexts_allocated", &self->before_allocated))
		self->before_allocated = -1;
	ASSERT_EQ(0, pipe2(self->up, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->down, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(self->hold, O_CLOEXEC));
}

static void reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

FIXTURE_TEARDOWN(life)
{
	struct qt_stats now;
	long n;

	_metadata->trigger = 0;
	/* The owner first: its death hands the holder to us. */
	reap(&self->owner);
	reap(&self->holder);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (self->cgdir[0])
		rmdir(self->cgdir);
	if (self->cg_enabled) {
		int fd = open(CG_ROOT "/cgroup.subtree_control", O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (write(fd, "-pids", 5) != 5)
				TH_LOG("could not disable the pids controller again");
			close(fd);
		}
	}
	if (self->cg_mounted)
		umount2(CG_ROOT, 0);
	close(self->up[0]);
	close(self->up[1]);
	close(self->down[0]);
	close(self->down[1]);
	close(self->hold[0]);
	close(self->hold[1]);
	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("left behind: channels %ld->%ld connections %ld->%ld msgs %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight);
	EXPECT_EQ(0, stat_wait("contexts", self->before.contexts, &n))
		TH_LOG("live contexts %ld -> %ld", self->before.contexts, n);
	if (self->before_allocated >= 0)
		EXPECT_EQ(0, stat_wait("contexts_allocated", self->before_allocated, &n))
			TH_LOG("allocated contexts %ld -> %ld", self->before_allocated, n);
}

/* In a child: answers one "ping" on @chid with status 42 and "pong". */
static int serve_ping(int chid)
{
	char buf[16] = { 0 };
	int rcvid;

	rcvid = MsgReceive(chid, buf, sizeof(buf) - 1, NULL);
	if (rcvid <= 0)
		return -errno;
	if (strcmp(buf, "ping")) {
		MsgError(rcvid, EBADMSG);
		return -EBADMSG;
	}
	return MsgReply(rcvid, 42, "pong", 5) ? -errno : 0;
}

/* A send on @coid that the owner answers (serve_ping) within the wait. */
static void expect_served(struct __test_metadata *_metadata, struct qt_client *c, int coid)
{
	static char reply[8];

	memset(reply, 0, sizeof(reply));
	ASSERT_EQ(0, qt_client_send(c, coid, "ping", 5, reply, sizeof(reply)));
	ASSERT_EQ(0, qt_client_join(c)) TH_LOG("the send was never answered");
	EXPECT_EQ(42, c->ret) TH_LOG("send: ret %ld, %s", c->ret, strerror(c->err));
	EXPECT_STREQ("pong", reply);
}

/* A client blocked on a dead owner's channel comes back with ESRCH within the wait. */
static void expect_esrch(struct __test_metadata *_metadata, struct qt_client *c, const char *what)
{
	ASSERT_EQ(0, qt_client_join(c)) TH_LOG("%s client still blocked", what);
	EXPECT_EQ(-1, c->ret) TH_LOG("%s client", what);
	EXPECT_EQ(ESRCH, c->err) TH_LOG("%s client: %s", what, strerror(c->err));
}

/* The counters are back (the owner's context among them) while @holder still lives. */
static void expect_ctx_gone(struct __test_metadata *_metadata, FIXTURE_DATA(life) *self,
			    pid_t holder)
{
	struct qt_stats now;
	long n;

	EXPECT_EQ(0, qt_stats_wait_settled(&self->before, &now))
		TH_LOG("channels %ld->%ld connections %ld->%ld msgs %ld->%ld",
		       self->before.channels, now.channels, self->before.connections,
		       now.connections, self->before.msgs_in_flight, now.msgs_in_flight);
	EXPECT_EQ(0, stat_wait("contexts", self->before.contexts, &n))
		TH_LOG("live contexts %ld -> %ld", self->before.contexts, n);
	EXPECT_EQ(0, kill(holder, 0)) TH_LOG("the holder is gone: the test proves nothing");
	EXPECT_NE('Z', qt_task_state(holder, holder));
}

/* True if @pid's fd @fd is a /dev/qchan file. */
static bool holds_qchan(pid_t pid, int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "/dev/qchan");
}

/* In a child sharing or copying the owner's fd table: wait for the test's word. */
static void __attribute__((noreturn)) hold_until_told(int fd)
{
	char b;

	while (read(fd, &b, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* ---- failed forks and clones ---- */

enum fail_kind {
	FAIL_SET_TID,		/* clone3 with a set_tid in use: EEXIST */
	FAIL_NEWUTS,		/* CLONE_NEWUTS without CAP_SYS_ADMIN: EPERM */
	FAIL_PIDS,		/* fork() in a pids cgroup at its limit: EAGAIN */
	FAIL_UNSHARE_THREAD,	/* a thread unshares its fd table and exits */
};

static _Atomic pid_t unshare_tid;

static void *unshare_and_exit(void *arg)
{
	(void)arg;
	atomic_store(&unshare_tid, qt_gettid());
	return (void *)(intptr_t)(unshare(CLONE_FILES) ? errno : 0);
}

/* In the owner: what @kind does; the errno it failed with, or 0. */
static int fail_clone(enum fail_kind kind)
{
	struct clone3_args a;
	pid_t tid, me = getpid();
	long long end;
	pthread_t t;
	void *res;
	long r;

	switch (kind) {
	case FAIL_SET_TID:
		memset(&a, 0, sizeof(a));
		a.exit_signal = SIGCHLD;
		a.set_tid = (uintptr_t)&me;
		a.set_tid_size = 1;
		r = syscall(SYS_clone3, &a, sizeof(a));
		break;
	case FAIL_NEWUTS:
		r = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
		break;
	case FAIL_PIDS:
		r = fork();	/* glibc's, with libchan's atfork handlers */
		break;
	case FAIL_UNSHARE_THREAD:
		atomic_store(&unshare_tid, 0);
		if (pthread_create(&t, NULL, unshare_and_exit, NULL) || pthread_join(t, &res))
			return -1;
		/* join returns before the thread's files go; it is reaped after. */
		tid = atomic_load(&unshare_tid);
		end = qt_now_ms() + QT_WAIT_MS;
		while (tid && qt_task_state(me, tid)) {
			if (qt_now_ms() > end)
				return -2;
			qt_sleep_ms(1);
		}
		return (int)(intptr_t)res;
	}
	if (r == 0)
		_exit(0);	/* should have failed: the test reports it */
	if (r > 0) {
		waitpid((pid_t)r, NULL, 0);
		return 0;
	}
	return errno;
}

/*
 * The owner of the failed-clone tests: a channel, the test attaches, the
 * clone fails; then a new channel and an answer on the old one.
 */
static void __attribute__((noreturn)) fail_owner(FIXTURE_DATA(life) *self, enum fail_kind kind)
{
	int chid, chid2, go;

	if (kind == FAIL_NEWUTS &&
	    (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	     setresuid(NOBODY, NOBODY, NOBODY)))
		_exit(60);
	chid = ChannelCreate(0);
	if (chid <= 0)
		_exit(61);
	if (qt_write_int(self->up[1], chid) || qt_read_int(self->down[0], &go))
		_exit(62);
	if (qt_write_int(self->up[1], fail_clone(kind)))
		_exit(63);
	chid2 = ChannelCreate_r(0);
	if (qt_write_int(self->up[1], chid2))
		_exit(64);
	_exit(serve_ping(chid) ? 65 : 0);
}

static int write_file(const char *path, const char *s)
{
	ssize_t len = (ssize_t)strlen(s);
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[512], *tok, *save;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

/*
 * Mounts cgroup2 if it is not, enables the pids controller for the root's
 * children.  0; -errno with *why set when the guest cannot do it (SKIP).
 */
static int cg_prepare(FIXTURE_DATA(life) *self, const char **why)
{
	struct statfs sfs;

	if (statfs(CG_ROOT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL)) {
			*why = "cgroup2 cannot be mounted";
			return -errno;
		}
		self->cg_mounted = true;
	}
	if (!file_has_word(CG_ROOT "/cgroup.controllers", "pids")) {
		*why = "no pids controller in cgroup2";
		return -ENODEV;
	}
	if (!file_has_word(CG_ROOT "/cgroup.subtree_control", "pids")) {
		if (write_file(CG_ROOT "/cgroup.subtree_control", "+pids")) {
			*why = "the pids controller cannot be enabled";
			return -EPERM;
		}
		self->cg_enabled = true;
	}
	return 0;
}

/* Moves @pid alone into a new pids cgroup that admits no further task. */
static int cg_confine(FIXTURE_DATA(life) *self, pid_t pid)
{
	char path[PATH_MAX + 32], num[16];
	int err;

	snprintf(self->cgdir, sizeof(self->cgdir), CG_ROOT "/qchan-ctx-%d", getpid());
	if (mkdir(self->cgdir, 0755)) {
		self->cgdir[0] = '\0';
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/pids.max", self->cgdir);
	err = write_file(path, "1");
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/cgroup.procs", self->cgdir);
	snprintf(num, sizeof(num), "%d", pid);
	return write_file(path, num);
}

static void check_survives(struct __test_metadata *_metadata, FIXTURE_DATA(life) *self,
			   enum fail_kind kind, int want)
{
	const char *why = NULL;
	int chid, chid2, err, coid, status;

	if (kind == FAIL_PIDS) {
		err = cg_prepare(self, &why);
		if (err)
			SKIP(return, "%s: %s", why, strerror(-err));
	}

	self->owner = fork();
	ASSERT_LE(0, self->owner);
	if (!self->owner)
		fail_owner(self, kind);
	ASSERT_EQ(0, qt_read_int(self->up[0], &chid));
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, self->owner, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid) TH_LOG("attach: %s", strerror(errno));
	if (kind == FAIL_PIDS)
		ASSERT_EQ(0, cg_confine(self, self->owner));
	ASSERT_EQ(0, qt_write_int(self->down[1], 1));

	ASSERT_EQ(0, qt_read_int(self->up[0], &err));
	EXPECT_EQ(want, err) TH_LOG("the clone failed with %s, not %s", strerror(err),
				    strerror(want));
	ASSERT_EQ(0, qt_read_int(self->up[0], &chid2));
	EXPECT_LT(0, chid2) TH_LOG("ChannelCreate after the failed clone: %s", strerror(-chid2));
	/* The connection made before the failed clone is still served. */
	expect_served(_metadata, &self->ca, coid);
	status = qt_child_result(self->owner);
	self->owner = 0;
	EXPECT_EQ(0, status) TH_LOG("owner failed step %d", status);
	EXPECT_EQ(0, ConnectDetach(coid));
}

TEST_F_TIMEOUT(life, clone3_set_tid_in_use, 60)
{
	check_survives(_metadata, self, FAIL_SET_TID, EEXIST);
}

TEST_F_TIMEOUT(life, unprivileged_clone_newuts, 60)
{
	check_survives(_metadata, self, FAIL_NEWUTS, EPERM);
}

TEST_F_TIMEOUT(life, fork_at_pids_limit, 60)
{
	check_survives(_metadata, self, FAIL_PIDS, EAGAIN);
}

TEST_F_TIMEOUT(life, thread_unshares_files_and_exits, 60)
{
	check_survives(_metadata, self, FAIL_UNSHARE_THREAD, 0);
}

/* ---- the owner dies while another process holds the fd ---- */

/*
 * The owner: a channel, a side connection of its own, a sibling process
 * sharing its fd table (clone(CLONE_FILES) without CLONE_THREAD).  Reports
 * chid, its ctx fd and the sibling's pid; with @receive it then takes one
 * message and never replies.  Exits when told (or is killed).
 */
static void __attribute__((noreturn)) sibling_owner(FIXTURE_DATA(life) *self, bool receive)
{
	int chid, fd, n;
	long sib;

	chid = ChannelCreate(0);
	fd = qchan_context_fd();
	if (chid <= 0 || fd < 0 || ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0) < 0)
		_exit(70);
	sib = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (sib < 0)
		_exit(71);
	if (!sib)
		hold_until_told(self->hold[0]);
	if (qt_write_int(self->up[1], chid) || qt_write_int(self->up[1], fd) ||
	    qt_write_int(self->up[1], (int)sib))
		_exit(72);
	if (receive) {
		if (MsgReceive(chid, NULL, 0, NULL) <= 0)
			_exit(73);
		if (qt_write_int(self->up[1], 1))
			_exit(74);
	}
	if (qt_read_int(self->down[0], &n))
		_exit(75);
	_exit(0);
}

/* Starts sibling_owner(); returns its chid and ctx fd, the sibling in self->holder. */
static void start_sibling_owner(struct __test_metadata *_metadata, FIXTURE_DATA(life) *self,
				bool receive, int *chid, int *fd)
{
	int sib;

	self->owner = fork();
	ASSERT_LE(0, self->owner);
	if (!self->owner)
		sibling_owner(self, receive);
	ASSERT_EQ(0, qt_read_int(self->up[0], chid));
	ASSERT_EQ(0, qt_read_int(self->up[0], fd));
	ASSERT_EQ(0, qt_read_int(self->up[0], &sib));
	self->holder = sib;
}

TEST_F_TIMEOUT(life, owner_killed_clone_files_sibling_holds_fd, 60)
{
	int chid, fd, n, coid;

	start_sibling_owner(_metadata, self, true, &chid, &fd);
	coid = ConnectAttach(0, self->owner, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid);
	/* One client REPLY-blocked (received, never answered), one queued. */
	ASSERT_EQ(0, qt_client_send(&self->ca, coid, "a", 2, NULL, 0));
	ASSERT_EQ(0, qt_read_int(self->up[0], &n));
	ASSERT_EQ(0, qt_client_send_blocked(&self->cb, coid, "b", 2, NULL, 0));

	ASSERT_EQ(0, kill(self->owner, SIGKILL));
	ASSERT_EQ(self->owner, waitpid(self->owner, NULL, 0));
	self->owner = 0;

	expect_esrch(_metadata, &self->ca, "REPLY-blocked");
	expect_esrch(_metadata, &self->cb, "SEND-blocked");
	EXPECT_EQ(0, ConnectDetach(coid));
	expect_ctx_gone(_metadata, self, self->holder);
	EXPECT_TRUE(holds_qchan(self->holder, fd)) TH_LOG("the sibling no longer holds the fd");

	/* The file goes with the sibling, and the memory with it. */
	ASSERT_EQ(1, write(self->hold[1], "x", 1));
	EXPECT_EQ(0, qt_child_result(self->holder));
	self->holder = 0;
}

static pid_t clone3_set_tid(pid_t tid)
{
	struct clone3_args a;

	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	a.set_tid = (uintptr_t)&tid;
	a.set_tid_size = 1;
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
}

/* In a child made by a raw clone: open a context, a channel; report both, wait. */
static void __attribute__((noreturn)) reuse_owner(FIXTURE_DATA(life) *self)
{
	struct qchan_channel_create cc;
	int fd, n;

	fd = open("/dev/qchan", O_RDWR | O_CLOEXEC);
	if (qt_write_int(self->up[1], fd < 0 ? errno : 0))
		_exit(80);
	if (fd < 0)
		_exit(81);
	memset(&cc, 0, sizeof(cc));
	if (ioctl(fd, QCHAN_IOC_CHANNEL_CREATE, &cc))
		_exit(82);
	if (qt_write_int(self->up[1], cc.chid) || qt_read_int(self->down[0], &n))
		_exit(83);
	_exit(0);
}

/*
 * The owner exits normally with a CLONE_FILES sibling holding its table; a
 * new process given the dead owner's pid number (clone3 set_tid) opens its
 * own context, and ConnectAttach by that number finds the new one.
 */
TEST_F_TIMEOUT(life, owner_pid_reused_while_sibling_holds_fd, 60)
{
	struct qchan_connect_query q;
	int chid, fd, coid, c2, err, chid2;
	pid_t old;
	long n;

	start_sibling_owner(_metadata, self, false, &chid, &fd);
	coid = ConnectAttach(0, self->owner, chid, 0, 0);
	ASSERT_LE(0, coid);
	ASSERT_EQ(0, qt_write_int(self->down[1], 1));
	old = self->owner;
	EXPECT_EQ(0, qt_child_result(self->owner));
	self->owner = 0;
	ASSERT_TRUE(holds_qchan(self->holder, fd));
	/* Our connection keeps the dead channel's memory: the full count waits for the teardown. */
	EXPECT_EQ(0, stat_wait("contexts", self->before.contexts, &n))
		TH_LOG("live contexts %ld -> %ld", self->before.contexts, n);

	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, qchan_connect_query(coid, &q));
	EXPECT_EQ(0, q.pid) TH_LOG("CONNECT_QUERY names the reaped owner %d", q.pid);

	self->owner = clone3_set_tid(old);
	ASSERT_LE(0, self->owner) TH_LOG("clone3 set_tid %d: %s", old, strerror(errno));
	if (!self->owner)
		reuse_owner(self);
	ASSERT_EQ(old, self->owner);
	ASSERT_EQ(0, qt_read_int(self->up[0], &err));
	ASSERT_EQ(0, err) TH_LOG("the new process %d cannot open /dev/qchan: %s", old,
				 strerror(err));
	ASSERT_EQ(0, qt_read_int(self->up[0], &chid2));
	c2 = ConnectAttach(0, old, chid2, _NTO_SIDE_CHANNEL, 0);
	EXPECT_LE(0, c2) TH_LOG("attach to the new process: %s", strerror(errno));
	if (c2 >= 0) {
		memset(&q, 0, sizeof(q));
		EXPECT_EQ(0, qchan_connect_query(c2, &q));
		EXPECT_EQ(old, q.pid);
		EXPECT_EQ(chid2, q.chid);
		EXPECT_EQ(0, ConnectDetach(c2));
	}
	/* The old connection still names nobody, not the number's new holder. */
	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, qchan_connect_query(coid, &q));
	EXPECT_EQ(0, q.pid);
	EXPECT_EQ(0, ConnectDetach(coid));

	ASSERT_EQ(0, qt_write_int(self->down[1], 1));
	EXPECT_EQ(0, qt_child_result(self->owner));
	self->owner = 0;
	ASSERT_EQ(1, write(self->hold[1], "x", 1));
	EXPECT_EQ(0, qt_child_result(self->holder));
	self->holder = 0;
}

/* Starts an owner with one channel that, told so, closes its context (@close) or exits. */
static int start_query_owner(struct __test_metadata *_metadata, FIXTURE_DATA(life) *self,
			     bool close_ctx)
{
	struct qchan_connect_query q;
	int chid, coid, n;

	self->owner = fork();
	if (!self->owner) {
		chid = ChannelCreate(0);
		if (chid <= 0 || qt_write_int(self->up[1], chid) || qt_read_int(self->down[0], &n))
			_exit(90);
		if (!close_ctx)
			_exit(0);
		/* Closes the context, stays alive. */
		if (close(qchan_context_fd()) || qt_write_int(self->up[1], 1))
			_exit(91);
		_exit(qt_read_int(self->down[0], &n) ? 92 : 0);
	}
	if (self->owner < 0 || qt_read_int(self->up[0], &chid))
		return -1;
	coid = ConnectAttach(0, self->owner, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		return -1;
	memset(&q, 0, sizeof(q));
	EXPECT_EQ(0, qchan_connect_query(coid, &q));
	EXPECT_EQ(self->owner, q.pid);
	EXPECT_EQ(chid, q.chid);
	return coid;
}

/* CONNECT_QUERY reports 0 for a live owner that closed its context. */
TEST_F_TIMEOUT(life, connect_query_owner_closed_ctx, 60)
{
	struct qchan_connect_query q;
	int coid, n;

	coid = start_query_owner(_metadata, self, true);
	ASSERT_LE(0, coid);
	ASSERT_EQ(0, qt_write_int(self->down[1], 1));
	ASSERT_EQ(0, qt_read_int(self->up[0], &n));
	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, qchan_connect_query(coid, &q));
	EXPECT_EQ(0, q.pid) TH_LOG("the owner closed its context, the query says %d", q.pid);
	ASSERT_EQ(0, qt_write_int(self->down[1], 1));
	EXPECT_EQ(0, qt_child_result(self->owner));
	self->owner = 0;
	EXPECT_EQ(0, ConnectDetach(coid));
}

/* CONNECT_QUERY reports 0 once the owner has exited (a zombie) and after it is reaped. */
TEST_F_TIMEOUT(life, connect_query_owner_reaped, 60)
{
	struct qchan_connect_query q;
	siginfo_t si;
	int coid;

	coid = start_query_owner(_metadata, self, false);
	ASSERT_LE(0, coid);
	ASSERT_EQ(0, qt_write_int(self->down[1], 1));
	ASSERT_EQ(0, waitid(P_PID, self->owner, &si, WEXITED | WNOWAIT));
	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, qchan_connect_query(coid, &q));
	EXPECT_EQ(0, q.pid) TH_LOG("the owner is a zombie, the query says %d", q.pid);
	EXPECT_EQ(0, qt_child_result(self->owner));
	self->owner = 0;
	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, qchan_connect_query(coid, &q));
	EXPECT_EQ(0, q.pid) TH_LOG("the owner is reaped, the query says %d", q.pid);
	EXPECT_EQ(0, ConnectDetach(coid));
}

/* ---- the owner's own close, exec and exit still end it, whoever else holds the fd ---- */

enum let_go {
	LET_GO_CLOSE,
	LET_GO_EXEC,
	LET_GO_EXIT,
};

/*
 * The owner: a channel; a child holding a copy of its fd table (a raw
 * fork: no atfork handler closes the copy); one message received and never
 * answered; then it lets go as @how says and waits to be killed (the exec'd
 * image reports in first).
 */
static void __attribute__((noreturn)) let_go_owner(FIXTURE_DATA(life) *self, enum let_go how)
{
	char a2[16], a3[16];
	char *args[] = { "ctx_lifecycle_test", IDLE_HELPER, a2, a3, NULL };
	int chid, fd, n, up, down;
	long h;

	chid = ChannelCreate(0);
	fd = qchan_context_fd();
	if (chid <= 0 || fd < 0)
		_exit(100);
	h = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (h < 0)
		_exit(101);
	if (!h)
		hold_until_told(self->hold[0]);
	if (qt_write_int(self->up[1], chid) || qt_write_int(self->up[1], fd) ||
	    qt_write_int(self->up[1], (int)h))
		_exit(102);
	if (MsgReceive(chid, NULL, 0, NULL) <= 0)
		_exit(103);
	if (qt_write_int(self->up[1], 1) || qt_read_int(self->down[0], &n))
		_exit(104);
	switch (how) {
	case LET_GO_CLOSE:
		if (close(fd))
			_exit(105);
		/* Unregistered: a new context opens. */
		fd = open("/dev/qchan", O_RDWR | O_CLOEXEC);
		if (fd < 0 || close(fd) || qt_write_int(self->up[1], 1))
			_exit(106);
		break;
	case LET_GO_EXEC:
		up = dup(self->up[1]);		/* without CLOEXEC */
		down = dup(self->down[0]);
		if (up < 0 || down < 0)
			_exit(107);
		snprintf(a2, sizeof(a2), "%d", up);
		snprintf(a3, sizeof(a3), "%d", down);
		execv("/proc/self/exe", args);
		_exit(108);
	case LET_GO_EXIT:
		_exit(0);
	}
	_exit(qt_read_int(self->down[0], &n) ? 109 : 0);
}

/* The exec'd owner: reports in, then waits for the word. */
static int idle_helper(int argc, char **argv)
{
	int n;

	if (argc != 4)
		return 110;
	if (qt_write_int(atoi(argv[2]), 1))
		return 111;
	return qt_read_int(atoi(argv[3]), &n) ? 112 : 0;
}

static void check_let_go(struct __test_metadata *_metadata, FIXTURE_DATA(life) *self,
			 enum let_go how)
{
	int chid, fd, h, n, coid;

	self->owner = fork();
	ASSERT_LE(0, self->owner);
	if (!self->owner)
		let_go_owner(self, how);
	ASSERT_EQ(0, qt_read_int(self->up[0], &chid));
	ASSERT_EQ(0, qt_read_int(self->up[0], &fd));
	ASSERT_EQ(0, qt_read_int(self->up[0], &h));
	self->holder = h;
	coid = ConnectAttach(0, self->owner, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid);
	ASSERT_EQ(0, qt_client_send(&self->ca, coid, "a", 2, NULL, 0));
	ASSERT_EQ(0, qt_read_int(self->up[0], &n));
	ASSERT_EQ(0, qt_client_send_blocked(&self->cb, coid, "b", 2, NULL, 0));
	ASSERT_TRUE(holds_qchan(self->holder, fd));

	ASSERT_EQ(0, qt_write_int(self->down[1], 1));
	if (how == LET_GO_EXIT) {
		EXPECT_EQ(0, qt_child_result(self->owner));
		self->owner = 0;
	} else {
		ASSERT_EQ(0, qt_read_int(self->up[0], &n));	/* closed, or exec'd */
	}
	expect_esrch(_metadata, &self->ca, "REPLY-blocked");
	expect_esrch(_metadata, &self->cb, "SEND-blocked");
	EXPECT_EQ(-EBADF, MsgSend_r(coid, "c", 2, NULL, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
	expect_ctx_gone(_metadata, self, self->holder);
	EXPECT_TRUE(holds_qchan(self->holder, fd));

	if (self->owner) {
		ASSERT_EQ(0, qt_write_int(self->down[1], 1));
		EXPECT_EQ(0, qt_child_result(self->owner));
		self->owner = 0;
	}
	ASSERT_EQ(1, write(self->hold[1], "x", 1));
	EXPECT_EQ(0, qt_child_result(self->holder));
	self->holder = 0;
}

TEST_F_TIMEOUT(life, close_ends_context_child_holds_copy, 60)
{
	check_let_go(_metadata, self, LET_GO_CLOSE);
}

TEST_F_TIMEOUT(life, exec_ends_context_child_holds_copy, 60)
{
	check_let_go(_metadata, self, LET_GO_EXEC);
}

TEST_F_TIMEOUT(life, exit_ends_context_child_holds_copy, 60)
{
	check_let_go(_metadata, self, LET_GO_EXIT);
}

/*
 * The leader exits first, under ptrace, while a thread serves on: the
 * context lives on (on 6.1 the tracer's exit notification also wakes pidfd
 * waiters, before the group is dead).  It ends when the last thread exits,
 * with a child holding a copy of the fd table, so that only the owner's
 * death can end it.
 */
static int ptr_chid;
static int ptr_up;

static void *last_thread(void *arg)
{
	(void)arg;
	if (serve_ping(ptr_chid))
		_exit(120);
	if (qt_write_int(ptr_up, ChannelCreate_r(0)))
		_exit(121);
	if (serve_ping(ptr_chid))
		_exit(122);
	_exit(0);
}

TEST_F_TIMEOUT(life, leader_exits_first_under_ptrace, 60)
{
	long long end;
	int chid, fd, h, coid, chid2;
	pthread_t t;

	self->owner = fork();
	ASSERT_LE(0, self->owner);
	if (!self->owner) {
		int n;
		long hh;

		ptr_chid = ChannelCreate(0);
		ptr_up = self->up[1];
		fd = qchan_context_fd();
		if (ptr_chid <= 0 || fd < 0)
			_exit(123);
		hh = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (hh < 0)
			_exit(124);
		if (!hh)
			hold_until_told(self->hold[0]);
		if (qt_write_int(self->up[1], ptr_chid) || qt_write_int(self->up[1], fd) ||
		    qt_write_int(self->up[1], (int)hh))
			_exit(125);
		if (qt_read_int(self->down[0], &n) || pthread_create(&t, NULL, last_thread, NULL))
			_exit(126);
		syscall(SYS_exit, 0);	/* this thread only */
		_exit(127);
	}
	ASSERT_EQ(0, qt_read_int(self->up[0], &chid));
	ASSERT_EQ(0, qt_read_int(self->up[0], &fd));
	ASSERT_EQ(0, qt_read_int(self->up[0], &h));
	self->holder = h;
	coid = ConnectAttach(0, self->owner, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, self->owner, 0, 0)) TH_LOG("seize: %s", strerror(errno));
	ASSERT_EQ(0, qt_write_int(self->down[1], 1));
	end = qt_now_ms() + QT_WAIT_MS;
	while (qt_task_state(self->owner, self->owner) != 'Z') {
		ASSERT_LT(qt_now_ms(), end) TH_LOG("the leader never exited");
		qt_sleep_ms(1);
	}
	/*
	 * Nothing to observe if the early wake is (rightly) ignored: give a
	 * wrongly queued shutdown time to run before we look.
	 */
	qt_sleep_ms(200);
	expect_served(_metadata, &self->ca, coid);
	ASSERT_EQ(0, qt_read_int(self->up[0], &chid2));
	EXPECT_LT(0, chid2) TH_LOG("ChannelCreate after the leader's exit: %s", strerror(-chid2));
	expect_served(_metadata, &self->ca, coid);

	/* The last thread is gone: so is the context, though the child holds the table's copy. */
	EXPECT_EQ(0, qt_child_result(self->owner));
	self->owner = 0;
	/*
	 * The context ends just after the last thread is reaped, not with it: a
	 * send in between queues and fails ESRCH (also QNX's, the server died
	 * while we were SEND-blocked).  A pulse says when the channel is dead.
	 */
	end = qt_now_ms() + QT_WAIT_MS;
	while (MsgSendPulse(coid, -1, 1, 0) == 0) {
		ASSERT_LT(qt_now_ms(), end) TH_LOG("the channel never died");
		qt_sleep_ms(1);
	}
	EXPECT_EQ(EBADF, errno);
	/* A send after the channel died: QNX's EBADF, "no longer connected". */
	ASSERT_EQ(0, qt_client_send(&self->cb, coid, "c", 2, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&self->cb));
	EXPECT_EQ(-1, self->cb.ret);
	EXPECT_EQ(EBADF, self->cb.err) TH_LOG("late client: %s", strerror(self->cb.err));
	EXPECT_EQ(0, ConnectDetach(coid));
	expect_ctx_gone(_metadata, self, self->holder);
	EXPECT_TRUE(holds_qchan(self->holder, fd));
	ASSERT_EQ(1, write(self->hold[1], "x", 1));
	EXPECT_EQ(0, qt_child_result(self->holder));
	self->holder = 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], IDLE_HELPER))
		return idle_helper(argc, argv);
	return test_harness_run(argc, argv);
}
