// SPDX-License-Identifier: GPL-2.0
/*
 * Module-level tests of qchan: the module is loaded and exposes /dev/qchan,
 * the features ioctl follows the ABI's rules (answers, rejects nonzero
 * reserved fields and unknown ioctls), one context per process, and the
 * module unloads cleanly and loads again on the same boot.
 *
 * The unload/reload tests need root and the module file: $QCHAN_KO, else
 * /lib/modules/qchan.ko (where scripts/vm puts it).  They run last in this
 * binary and leave the module loaded with the parameters it had; the check
 * runner runs this binary after every other test binary.
 */
#define _GNU_SOURCE
#include "qchan_test_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <linux/qchan.h>

#include <liburing.h>
#include <qchan/libchan.h>

#include "kselftest_harness.h"

#define DEV_PATH	"/dev/qchan"
#define SYSFS_MODULE	"/sys/module/qchan"
#define SYSFS_MISC	"/sys/class/misc/qchan"
#define DEBUGFS_DIR	"/sys/kernel/debug/qchan"
#define DEFAULT_KO	"/lib/modules/qchan.ko"

#define KNOWN_FEATURES	(QCHAN_FEAT_MSG | QCHAN_FEAT_REPLY_RECEIVE | \
			 QCHAN_FEAT_SIDE_CHANNEL | QCHAN_FEAT_KMSG | QCHAN_FEAT_PULSE | \
			 QCHAN_FEAT_DISCONNECT | QCHAN_FEAT_UNBLOCK | QCHAN_FEAT_TIMEOUT | \
			 QCHAN_FEAT_EVENT | QCHAN_FEAT_TIMER | QCHAN_FEAT_PRIO_INHERIT | \
			 QCHAN_FEAT_NAME | QCHAN_FEAT_CLIENT_INFO | QCHAN_FEAT_POLL | \
			 QCHAN_FEAT_URING | QCHAN_FEAT_BUSY_POLL | QCHAN_FEAT_URING_TIMEOUT | \
			 QCHAN_FEAT_TIMER_INFO_EVENT | QCHAN_FEAT_BATCH | \
			 QCHAN_FEAT_URING_SEND_BATCH | QCHAN_FEAT_NET_PROXY)

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static const char *module_file(void)
{
	const char *ko = getenv("QCHAN_KO");

	return ko && *ko ? ko : DEFAULT_KO;
}

/* Reads a small sysfs file into buf, without the trailing newline. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

static bool proc_modules_has_qchan(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "qchan ", 6))
			found = true;
	fclose(f);
	return found;
}

static int get_features(int fd, struct qchan_features *f)
{
	return ioctl(fd, QCHAN_IOC_GET_FEATURES, f);
}

/*
 * delete_module fails with EAGAIN/EBUSY while a file still holds a module
 * reference; files of just-exited test children are released
 * asynchronously, so allow them a moment before calling it a leak.
 */
static int unload_module(void)
{
	struct timespec delay = { .tv_nsec = 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 250; i++) {
		if (syscall(SYS_delete_module, "qchan", O_NONBLOCK) == 0)
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		nanosleep(&delay, NULL);
	}
	return -errno;
}

/*
 * The module's current parameters as an insmod argument string, so a reload
 * keeps what the runner loaded it with (e.g. kmsg_test=1).
 */
static void current_params(char *buf, size_t size)
{
	char path[512], val[128];
	struct dirent *de;
	size_t used = 0;
	DIR *dir;

	buf[0] = '\0';
	dir = opendir(SYSFS_MODULE "/parameters");
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYSFS_MODULE "/parameters/%s", de->d_name);
		if (read_line(path, val, sizeof(val)) || !val[0] || strchr(val, ' '))
			continue;
		used += snprintf(buf + used, used < size ? size - used : 0, "%s%s=%s",
				 used ? " " : "", de->d_name, val);
	}
	closedir(dir);
	if (used >= size)
		buf[0] = '\0';	/* too long: fall back to the defaults */
}

static int load_module(const char *params)
{
	int fd, ret = 0;

	fd = open(module_file(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	return ret;
}

TEST(module_is_loaded)
{
	char state[64];

	ASSERT_TRUE(path_exists(SYSFS_MODULE)) TH_LOG("qchan is not loaded");
	ASSERT_EQ(0, read_line(SYSFS_MODULE "/initstate", state, sizeof(state)));
	EXPECT_STREQ("live", state);
	EXPECT_TRUE(proc_modules_has_qchan());
}

TEST(dev_is_misc_char_device)
{
	unsigned int major, minor;
	char dev[64];
	struct stat st;

	ASSERT_EQ(0, stat(DEV_PATH, &st)) TH_LOG("%s: %s", DEV_PATH, strerror(errno));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	/* The node must be the misc device the module registered, not a stale one. */
	ASSERT_EQ(0, read_line(SYSFS_MISC "/dev", dev, sizeof(dev)));
	ASSERT_EQ(2, sscanf(dev, "%u:%u", &major, &minor));
	EXPECT_EQ(major, major(st.st_rdev));
	EXPECT_EQ(minor, minor(st.st_rdev));
	EXPECT_EQ(10U, major); /* MISC_MAJOR */
}

TEST(debugfs_dir_exists)
{
	struct statfs sfs;

	if (statfs("/sys/kernel/debug", &sfs) || sfs.f_type != DEBUGFS_MAGIC)
		SKIP(return, "debugfs is not mounted at /sys/kernel/debug");
	ASSERT_TRUE(path_exists(DEBUGFS_DIR "/stats"));
}

FIXTURE(dev)
{
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, features)
{
	struct qchan_features f;
	int i;

	memset(&f, 0xa5, sizeof(f));
	f.flags = 0;
	f.pad = 0;
	memset(f.reserved, 0, sizeof(f.reserved));
	ASSERT_EQ(0, get_features(self->fd, &f)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ((__u32)sizeof(f), f.size);
	EXPECT_EQ((__u32)QCHAN_ABI_VERSION, f.abi_version);
	EXPECT_NE(0ULL, f.features & QCHAN_FEAT_MSG);
	EXPECT_EQ(0ULL, f.features & ~(__u64)KNOWN_FEATURES)
		TH_LOG("unknown feature bits 0x%llx", (unsigned long long)f.features);
	EXPECT_LE(1U, f.max_iov);
	/* Output structs are fully written: nothing of the 0xa5 fill survives. */
	EXPECT_EQ(0U, f.flags);
	EXPECT_EQ(0U, f.pad);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0ULL, f.reserved[i]);
}

TEST_F(dev, features_inline_max_matches_param)
{
	struct qchan_features f = { 0 };
	char val[32];

	if (read_line(SYSFS_MODULE "/parameters/inline_max", val, sizeof(val)))
		SKIP(return, "no inline_max parameter");
	ASSERT_EQ(0, get_features(self->fd, &f));
	EXPECT_EQ(strtoul(val, NULL, 10), f.inline_max);
}

TEST_F(dev, features_rejects_flags)
{
	static const __u32 bad[] = { 1U, 1U << 16, 1U << 31, ~0U };
	struct qchan_features f;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.flags = bad[i];
		EXPECT_EQ(-1, get_features(self->fd, &f));
		EXPECT_EQ(EINVAL, errno) TH_LOG("flags 0x%x", bad[i]);
	}
}

TEST_F(dev, features_rejects_pad)
{
	struct qchan_features f = { 0 };

	f.pad = 1;
	EXPECT_EQ(-1, get_features(self->fd, &f));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, features_rejects_reserved)
{
	struct qchan_features f;
	int i;

	for (i = 0; i < 4; i++) {
		memset(&f, 0, sizeof(f));
		f.reserved[i] = 1ULL << (i * 16);
		EXPECT_EQ(-1, get_features(self->fd, &f));
		EXPECT_EQ(EINVAL, errno) TH_LOG("reserved[%d]", i);
	}
}

TEST_F(dev, features_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, QCHAN_IOC_GET_FEATURES, NULL));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_ioctls)
{
	const unsigned long bad[] = {
		0,
		_IO(QCHAN_IOC_MAGIC, 0xff),
		_IO(QCHAN_IOC_MAGIC, 0xa0),			/* features nr, no size */
		_IOWR(QCHAN_IOC_MAGIC, 0xa0, __u64),		/* features nr, wrong size */
		_IOR(QCHAN_IOC_MAGIC, 0xa0, struct qchan_features), /* wrong direction */
		_IOWR('X', 0xa0, struct qchan_features),	/* wrong magic */
		_IOWR(QCHAN_IOC_MAGIC, 0xbf, struct qchan_msg_send),
	};
	struct qchan_features f = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, ioctl(self->fd, bad[i], &f));
		EXPECT_EQ(ENOTTY, errno) TH_LOG("ioctl 0x%lx", bad[i]);
	}
}

TEST_F(dev, second_open_is_busy)
{
	int fd2 = open(DEV_PATH, O_RDWR | O_CLOEXEC);

	EXPECT_EQ(-1, fd2);
	EXPECT_EQ(EBUSY, errno);
	if (fd2 >= 0)
		close(fd2);
}

TEST_F(dev, other_process_may_open)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child inherits our file but has no context of its own yet. */
		int fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);

		_exit(fd >= 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(reopen_after_close)
{
	int fd, i;

	for (i = 0; i < 3; i++) {
		fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open #%d: %s", i, strerror(errno));
		ASSERT_EQ(0, close(fd));
	}
}

/* Everything the module creates is gone after unload. */
static void expect_no_traces(struct __test_metadata *_metadata)
{
	EXPECT_FALSE(path_exists(DEV_PATH));
	EXPECT_FALSE(path_exists(SYSFS_MISC));
	EXPECT_FALSE(path_exists(SYSFS_MODULE));
	EXPECT_FALSE(path_exists(DEBUGFS_DIR));
	EXPECT_FALSE(proc_modules_has_qchan());
}

/* Everything the module creates is back after load, and it answers. */
static void expect_working(struct __test_metadata *_metadata)
{
	struct qchan_features f = { 0 };
	int fd;

	ASSERT_TRUE(path_exists(SYSFS_MODULE));
	ASSERT_TRUE(path_exists(SYSFS_MISC));
	EXPECT_TRUE(path_exists(DEBUGFS_DIR));
	fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	EXPECT_EQ(0, get_features(fd, &f));
	EXPECT_EQ((__u32)QCHAN_ABI_VERSION, f.abi_version);
	close(fd);
}

/*
 * Unload and reload run last: the harness runs global TEST()s first, then
 * each fixture's tests in declaration order, and this fixture is the last.
 */
FIXTURE(lifecycle)
{
	int unused;
};

FIXTURE_SETUP(lifecycle)
{
}

FIXTURE_TEARDOWN(lifecycle)
{
}

TEST_F(lifecycle, unload_busy_while_open)
{
	int fd;

	if (geteuid())
		SKIP(return, "needs root");
	fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* An open file pins the module. */
	EXPECT_EQ(-1, syscall(SYS_delete_module, "qchan", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("%s", strerror(errno));
	close(fd);
	EXPECT_TRUE(path_exists(SYSFS_MODULE));
}

/*
 * Unload while rings die: processes with io_uring rings and outstanding
 * commands (posted receives, async sends queued, handed over or held
 * unreplied by a server, commands with timeouts, some issued from io-wq)
 * exit, are killed, close their rings, exec, lose their submitting thread,
 * while this process retries the unload until it succeeds.  Every command
 * must end, or the ring's exit work (and so the file and the module) would
 * stay busy forever.  Then the module loads again, for the next round.
 * QCHAN_CHURN_ROUNDS=N runs N rounds (default 12, ~2 s each under TCG),
 * QCHAN_CHURN_VERBOSE=1 logs each client's ring flags and end.
 */
#define CHURN_CLIENTS	4
#define CHURN_CMDS	24
#define CHURN_UNLOAD_MS	30000

enum churn_end {
	CHURN_EXIT,		/* exit() with everything outstanding */
	CHURN_KILL,		/* kill -9 */
	CHURN_RING_CLOSE,	/* the ring closed, then kill -9 */
	CHURN_EXEC,		/* exec, which waits for its thread's commands */
	CHURN_THREAD,		/* the submitting thread exits, the process waits to be killed */
	CHURN_ENDS
};

struct churn_send {
	struct qchan_msg_send a;
	iov_t siov, riov;
	char sbuf[32], rbuf[32];
};

struct churn_recv {
	struct qchan_msg_receive a;
	struct qchan_msg_info info;
	iov_t iov;
	char buf[32];
};

static struct io_uring churn_ring;
static struct churn_send churn_sends[CHURN_CMDS];
static struct churn_recv churn_recvs[CHURN_CMDS];
static int churn_ids[3];	/* own chid, own coid, the server's coid */
static uint64_t churn_seed;

/* An executed program that leaves at once: CHURN_EXEC's target. */
__attribute__((constructor)) static void churn_exec_target(void)
{
	if (getenv("QCHAN_CHURN_EXIT"))
		_exit(0);
}

static int64_t churn_deadline_ns(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)ms * 1000000;
}

static bool churn_prep(unsigned int op, const void *arg, uint64_t ud, bool async)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&churn_ring);
	struct qchan_uring_cmd uc = { .arg_ptr = (uintptr_t)arg };

	if (!sqe)
		return false;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, qchan_context_fd(), NULL, 0, 0);
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &uc, sizeof(uc));
	sqe->user_data = ud;
	if (async)
		sqe->flags |= IOSQE_ASYNC;
	return true;
}

/* Submits the round's commands: a mix decided by churn_seed. */
static void *churn_submit(void *arg)
{
	int i, n = 0;

	for (i = 0; i < CHURN_CMDS; i++) {
		uint64_t r = qt_mix64(churn_seed + i);
		bool async = (r & 7) == 0, ok;

		if (r & 0x10) {
			struct churn_recv *rv = &churn_recvs[i];

			SETIOV(&rv->iov, rv->buf, sizeof(rv->buf));
			rv->a.chid = churn_ids[0];
			rv->a.parts = 1;
			rv->a.iov_ptr = (uintptr_t)&rv->iov;
			rv->a.info_ptr = (uintptr_t)&rv->info;
			if (r & 0x20) {
				rv->a.flags = QCHAN_RECEIVE_TIMEOUT;
				rv->a.timeout = churn_deadline_ns((r >> 8) & 63);
				rv->a.timeout_clock = CLOCK_MONOTONIC;
			}
			ok = churn_prep(QCHAN_UCMD_RECEIVE, &rv->a, i, async);
		} else {
			struct churn_send *s = &churn_sends[i];

			snprintf(s->sbuf, sizeof(s->sbuf), "churn %d", i);
			SETIOV(&s->siov, s->sbuf, sizeof(s->sbuf));
			SETIOV(&s->riov, s->rbuf, sizeof(s->rbuf));
			/* To our own channel (our receives take them) or to the server. */
			s->a.coid = churn_ids[(r & 0x40) ? 2 : 1];
			s->a.send_parts = 1;
			s->a.reply_parts = 1;
			s->a.send_iov_ptr = (uintptr_t)&s->siov;
			s->a.reply_iov_ptr = (uintptr_t)&s->riov;
			if (r & 0x20) {
				s->a.flags = (r & 0x80) ? QCHAN_SEND_TIMEOUT_REPLY :
					     QCHAN_SEND_TIMEOUT_SEND;
				s->a.timeout = churn_deadline_ns((r >> 8) & 63);
				s->a.timeout_clock = CLOCK_MONOTONIC;
			}
			ok = churn_prep(QCHAN_UCMD_SEND, &s->a, i, async);
		}
		if (!ok)
			return (void *)1;
		n++;
	}
	return io_uring_submit(&churn_ring) == n ? NULL : (void *)2;
}

/* A client: its ring, channel and commands; tells @ready, then ends as @end says. */
static void churn_client(int ready, int server_pid, int server_chid, unsigned int flags,
			 enum churn_end end)
{
	pthread_t t;
	void *ret;

	if (io_uring_queue_init(64, &churn_ring, flags))
		_exit(10);
	churn_ids[0] = ChannelCreate((churn_seed & 1) ? _NTO_CHF_UNBLOCK : 0);
	churn_ids[1] = ConnectAttach(0, 0, churn_ids[0], _NTO_SIDE_CHANNEL, 0);
	churn_ids[2] = ConnectAttach(0, server_pid, server_chid, _NTO_SIDE_CHANNEL, 0);
	if (churn_ids[0] <= 0 || churn_ids[1] < 0 || churn_ids[2] < 0)
		_exit(11);
	if (end == CHURN_THREAD) {
		if (pthread_create(&t, NULL, churn_submit, NULL) || pthread_join(t, &ret) || ret)
			_exit(12);
	} else if (churn_submit(NULL)) {
		_exit(13);
	}
	qt_write_int(ready, 1);
	switch (end) {
	case CHURN_EXIT:
		exit(0);
	case CHURN_RING_CLOSE:
		io_uring_queue_exit(&churn_ring);
		break;
	case CHURN_EXEC:
		setenv("QCHAN_CHURN_EXIT", "1", 1);
		execl("/proc/self/exe", "module_test", (char *)NULL);
		_exit(14);
	default:
		break;
	}
	for (;;)
		pause();
}

/* The server: receives, replies to some, keeps the rest REPLY-blocked; tells its chid. */
static void churn_server(int ready)
{
	int chid = ChannelCreate(0), rcvid, i;
	char buf[64];

	if (chid <= 0)
		_exit(20);
	qt_write_int(ready, chid);
	for (i = 0;; i++) {
		rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
		if (rcvid > 0 && (i & 1))
			MsgReply(rcvid, 0, "ok", 3);
	}
}

static void churn_cat(struct __test_metadata *_metadata, const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	TH_LOG("%s: %s", path, buf);
}

/* What keeps the module busy: the threads of a process left over (@pid), or the counters. */
static void churn_dump(struct __test_metadata *_metadata, pid_t pid)
{
	char path[300];
	struct dirent *de;
	DIR *dir;

	if (!pid) {
		churn_cat(_metadata, DEBUGFS_DIR "/stats");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", pid, de->d_name);
		churn_cat(_metadata, path);
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, de->d_name);
		churn_cat(_metadata, path);
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid, de->d_name);
		churn_cat(_metadata, path);
	}
	if (dir)
		closedir(dir);
}

static pid_t churn_fork(void (*fn)(int), int *value)
{
	int pfd[2];
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		fn(pfd[1]);
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0 && qt_read_int(pfd[0], value))
		*value = -1;
	close(pfd[0]);
	return pid;
}

static int churn_server_pid, churn_server_chid;
static unsigned int churn_ring_flags;
static enum churn_end churn_end_mode;

static void churn_client_main(int ready)
{
	churn_client(ready, churn_server_pid, churn_server_chid, churn_ring_flags, churn_end_mode);
}

TEST_F_TIMEOUT(lifecycle, unload_while_rings_die, 300)
{
	static const unsigned int ring_flags[] = {
		0, IORING_SETUP_SQPOLL, IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
	};
	const char *env = getenv("QCHAN_CHURN_ROUNDS");
	int rounds = env ? atoi(env) : 12, round, i, v, ret, status;
	pid_t clients[CHURN_CLIENTS], server;
	char params[1024];
	long long end;

	if (geteuid())
		SKIP(return, "needs root");
	if (!path_exists(module_file()))
		SKIP(return, "%s missing (set QCHAN_KO)", module_file());
	current_params(params, sizeof(params));
	for (round = 0; round < rounds; round++) {
		churn_server_pid = server = churn_fork(churn_server, &churn_server_chid);
		ASSERT_LT(0, server);
		ASSERT_LT(0, churn_server_chid);
		for (i = 0; i < CHURN_CLIENTS; i++) {
			uint64_t r = qt_mix64(round * CHURN_CLIENTS + i + 1);

			churn_seed = r;
			churn_end_mode = (round * CHURN_CLIENTS + i) % CHURN_ENDS;
			/* A SINGLE_ISSUER ring takes no submission from another thread. */
			churn_ring_flags = churn_end_mode == CHURN_THREAD ? ring_flags[(r >> 16) % 2] :
					   ring_flags[(r >> 16) % 3];
			clients[i] = churn_fork(churn_client_main, &v);
			ASSERT_LT(0, clients[i]);
			EXPECT_EQ(1, v) TH_LOG("round %d client %d (end %d) failed to set up",
					       round, i, churn_end_mode);
			if (getenv("QCHAN_CHURN_VERBOSE"))
				TH_LOG("round %d client %d: pid %d end %d ring flags %#x", round, i,
				       clients[i], churn_end_mode, churn_ring_flags);
		}
		/* Unload attempts from now on, racing with the ends. */
		for (i = 0; i < CHURN_CLIENTS; i++) {
			kill(clients[i], SIGKILL);
			syscall(SYS_delete_module, "qchan", O_NONBLOCK);
		}
		if (round & 1)
			kill(server, SIGKILL);
		end = qt_now_ms() + CHURN_UNLOAD_MS;
		while ((ret = syscall(SYS_delete_module, "qchan", O_NONBLOCK)) &&
		       (errno == EAGAIN || errno == EBUSY) && qt_now_ms() < end) {
			for (i = 0; i < CHURN_CLIENTS; i++)
				if (clients[i] && waitpid(clients[i], &status, WNOHANG) == clients[i])
					clients[i] = 0;
			if (server && waitpid(server, &status, WNOHANG) == server)
				server = 0;
			else if (server && qt_now_ms() % 3 == 0)
				kill(server, SIGKILL);
			qt_sleep_ms(1);
		}
		if (ret) {
			for (i = 0; i < CHURN_CLIENTS; i++)
				if (clients[i])
					churn_dump(_metadata, clients[i]);
			if (server)
				churn_dump(_metadata, server);
			churn_dump(_metadata, 0);
			ASSERT_EQ(0, ret) TH_LOG("round %d: the module stays busy", round);
		}
		/* Unloaded: nobody holds the device, so whoever is left is dead. */
		for (i = 0; i < CHURN_CLIENTS; i++)
			if (clients[i])
				waitpid(clients[i], &status, 0);
		if (server)
			waitpid(server, &status, 0);
		expect_no_traces(_metadata);
		ret = load_module(params);
		ASSERT_EQ(0, ret) TH_LOG("round %d: finit_module: %s", round, strerror(-ret));
		if (getenv("QCHAN_CHURN_VERBOSE"))
			TH_LOG("round %d done at %lld ms", round, qt_now_ms());
	}
	expect_working(_metadata);
}

TEST_F(lifecycle, unload_and_reload)
{
	char params[1024];
	int cycle, ret;

	if (geteuid())
		SKIP(return, "needs root");
	if (!path_exists(module_file()))
		SKIP(return, "%s missing (set QCHAN_KO)", module_file());

	current_params(params, sizeof(params));
	/* The first load was the runner's: this is the second and third on one boot. */
	for (cycle = 0; cycle < 2; cycle++) {
		ret = unload_module();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: delete_module: %s", cycle, strerror(-ret));
		expect_no_traces(_metadata);
		ret = load_module(params);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: finit_module %s \"%s\": %s", cycle,
					 module_file(), params, strerror(-ret));
		expect_working(_metadata);
	}
}

TEST_F(lifecycle, load_twice_is_eexist)
{
	if (geteuid())
		SKIP(return, "needs root");
	if (!path_exists(module_file()))
		SKIP(return, "%s missing (set QCHAN_KO)", module_file());
	ASSERT_TRUE(path_exists(SYSFS_MODULE));
	EXPECT_EQ(-EEXIST, load_module(""));
	expect_working(_metadata);
}

TEST_HARNESS_MAIN
