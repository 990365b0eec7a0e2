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
			 QCHAN_FEAT_TIMER_INFO_EVENT | QCHAN_FEAT_BATCH)

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
