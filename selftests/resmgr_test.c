// SPDX-License-Identifier: GPL-2.0
/*
 * libchan-resmgr: a QNX resource manager (dispatch loop, iofunc defaults,
 * its own read/write/devctl handlers) attached at a /dev path that the CUSE
 * bridge creates, driven by Linux open/read/write/ioctl/close from another
 * process, and by QNX-style clients that send the I/O messages themselves.
 * Needs /dev/cuse (scripts/vm --cuse).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/iofunc.h>
#include <sys/dispatch.h>
#include <devctl.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"

#define RT_PATH		"/dev/qchan-rmtest"
#define RT_SUBPATH	"/dev/qchan-rm/sub"

/* The manager's own commands: __DIO* on the QNX side, _IO* on the Linux side. */
#define RT_SET		__DIOT('q', 1, int)
#define RT_GET		__DIOF('q', 2, int)
#define RT_SUM		__DIOTF('q', 3, struct rt_pair)
#define RT_PRIV		__DION('q', 4)
#define RT_COUNT	__DIOF('q', 5, int)
#define RT_PENDING	__DIOF('q', 6, int)

struct rt_pair {
	int a;
	int b;
};

#define L_SETV		_IOW('q', 1, int)
#define L_GETV		_IOR('q', 2, int)
#define L_SUM		_IOWR('q', 3, struct rt_pair)
#define L_PRIV		_IO('q', 4)
#define L_COUNT		_IOR('q', 5, int)
#define L_PENDING	_IOR('q', 6, int)
#define L_UNKNOWN	_IOR('q', 9, int)
#define L_GETFLAGS	_IOR(_DCMD_ALL, 1, int)

_Static_assert((unsigned)RT_GET == (unsigned)(L_GETV ^ 0xc0000000u) ||
	       (unsigned)RT_GET == (unsigned)((L_GETV & 0x3fffffffu) | 0x40000000u),
	       "dcmd and ioctl numbers differ only in the direction bits");

/* The manager's state (the server child's). */
static iofunc_attr_t rt_attr;
static char rt_data[256] = "hello from resmgr\n";
static int rt_value;
static int rt_pending;
static int rt_hold_reads;
static int rt_quit;

static int rt_read(resmgr_context_t *ctp, io_read_t *msg, RESMGR_OCB_T *ocb)
{
	int ret = iofunc_read_verify(ctp, msg, ocb, NULL);
	int nb;

	if (ret != EOK)
		return ret;
	if ((msg->i.xtype & _IO_XTYPE_MASK) != _IO_XTYPE_NONE)
		return ENOSYS;
	if (rt_hold_reads) {
		rt_pending++;
		return _RESMGR_NOREPLY;	/* the reader stays blocked */
	}
	nb = (int)strlen(rt_data) - (int)ocb->offset;
	if (nb <= 0)
		return _RESMGR_NPARTS(0);	/* EOF: status 0 */
	if ((unsigned)nb > msg->i.nbytes)
		nb = (int)msg->i.nbytes;
	_IO_SET_READ_NBYTES(ctp, nb);
	SETIOV(ctp->iov, rt_data + ocb->offset, nb);
	ocb->offset += nb;
	ocb->attr->flags |= IOFUNC_ATTR_ATIME;
	return _RESMGR_NPARTS(1);
}

static int rt_write(resmgr_context_t *ctp, io_write_t *msg, RESMGR_OCB_T *ocb)
{
	int ret = iofunc_write_verify(ctp, msg, ocb, NULL);
	size_t nb;

	if (ret != EOK)
		return ret;
	nb = msg->i.nbytes < sizeof(rt_data) - 1 ? msg->i.nbytes : sizeof(rt_data) - 1;
	if (resmgr_msgget(ctp, rt_data, nb, sizeof(msg->i)) != (ssize_t)nb)
		return errno;
	rt_data[nb] = '\0';
	rt_quit = !strcmp(rt_data, "quit\n");
	_IO_SET_WRITE_NBYTES(ctp, msg->i.nbytes);
	return _RESMGR_NPARTS(0);
}

static int rt_devctl(resmgr_context_t *ctp, io_devctl_t *msg, RESMGR_OCB_T *ocb)
{
	void *data = _DEVCTL_DATA(msg->i);
	struct rt_pair pair;
	int ret, v = 0, retval = 0;

	ret = iofunc_devctl_default(ctp, msg, ocb);
	if (ret != (int)_RESMGR_DEFAULT)
		return ret;
	switch (msg->i.dcmd) {
	case RT_SET:
		memcpy(&rt_value, data, sizeof(rt_value));
		return EOK;
	case RT_GET:
		v = rt_value;
		retval = 7;	/* devctl()'s *info: the ioctl's return value */
		break;
	case RT_SUM:
		memcpy(&pair, data, sizeof(pair));
		pair.a += pair.b;
		memset(&msg->o, 0, sizeof(msg->o));
		msg->o.nbytes = sizeof(pair);
		memcpy(_DEVCTL_DATA(msg->o), &pair, sizeof(pair));
		return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o) + sizeof(pair));
	case RT_PRIV:
		return EPERM;
	case RT_COUNT:
		v = ocb->attr->count;
		break;
	case RT_PENDING:
		v = rt_pending;
		break;
	default:
		return _RESMGR_DEFAULT;
	}
	memset(&msg->o, 0, sizeof(msg->o));
	msg->o.ret_val = retval;
	msg->o.nbytes = sizeof(v);
	memcpy(_DEVCTL_DATA(msg->o), &v, sizeof(v));
	return _RESMGR_PTR(ctp, &msg->o, sizeof(msg->o) + sizeof(v));
}

#define RT_PULSE_CODE	5
#define RT_MSG_TYPE	0x2000

static int rt_pulses;

static int rt_on_pulse(message_context_t *ctp, int code, unsigned flags, void *handle)
{
	rt_pulses += ctp->msg->pulse.value.sival_int;
	return 0;
}

static int rt_on_msg(message_context_t *ctp, int type, unsigned flags, void *handle)
{
	return MsgReply(ctp->rcvid, rt_pulses + (type - RT_MSG_TYPE) * 1000, NULL, 0);
}

struct rt_server {
	pid_t pid;
	int chid;
};

/*
 * Forks the manager: @path with the handlers above (@no_write: the write
 * entry left NULL; @mode: the attr's).  It reports its chid once attached.
 */
static int rt_server_start(struct rt_server *s, const char *path, mode_t mode, int no_write,
			   int hold_reads)
{
	int p[2], chid = -1;

	if (pipe(p))
		return -errno;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		resmgr_connect_funcs_t cf;
		resmgr_io_funcs_t iof;
		dispatch_context_t *ctp;
		dispatch_t *dpp;

		close(p[0]);
		rt_hold_reads = hold_reads;
		dpp = dispatch_create();
		if (!dpp)
			_exit(10);
		iofunc_func_init(_RESMGR_CONNECT_NFUNCS, &cf, _RESMGR_IO_NFUNCS, &iof);
		iof.read = rt_read;
		iof.write = no_write ? NULL : rt_write;
		iof.devctl = rt_devctl;
		iofunc_attr_init(&rt_attr, S_IFCHR | mode, NULL, NULL);
		if (pulse_attach(dpp, 0, RT_PULSE_CODE, rt_on_pulse, NULL) != RT_PULSE_CODE ||
		    message_attach(dpp, NULL, RT_MSG_TYPE, RT_MSG_TYPE + 1, rt_on_msg, NULL))
			_exit(14);
		if (resmgr_attach(dpp, NULL, path, _FTYPE_ANY, 0, &cf, &iof, &rt_attr) == -1) {
			qt_write_int(p[1], -errno);
			_exit(11);
		}
		ctp = dispatch_context_alloc(dpp);
		if (!ctp)
			_exit(12);
		qt_write_int(p[1], 0);
		for (;;) {
			if (!dispatch_block(ctp))
				_exit(13);
			dispatch_handler(ctp);
			if (rt_quit)
				exit(0);	/* atexit: the bridge delivers the reply first */
		}
	}
	close(p[1]);
	if (qt_read_int(p[0], &chid)) {
		close(p[0]);
		return -EIO;
	}
	close(p[0]);
	s->chid = chid;
	return chid < 0 ? chid : 0;
}

static void rt_server_stop(struct rt_server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
}

static int rt_have_cuse(void)
{
	return access("/dev/cuse", R_OK | W_OK) == 0;
}

#define RT_NEED_CUSE() do {						\
	if (!rt_have_cuse())						\
		SKIP(return, "no /dev/cuse (scripts/vm --cuse)");	\
} while (0)

/* cat and echo: the QNX course's use of a /dev resource manager. */
TEST(read_write)
{
	struct rt_server s;
	char buf[256];
	struct stat st;
	ssize_t n;
	int fd;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_SUBPATH, 0666, 0, 0));
	/* A '/' below /dev makes a directory, as QNX's /dev/local/mydevice. */
	ASSERT_EQ(0, stat(RT_SUBPATH, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666U, st.st_mode & 0777U);

	fd = open(RT_SUBPATH, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf));
	ASSERT_EQ((ssize_t)strlen("hello from resmgr\n"), n);
	EXPECT_EQ(0, memcmp(buf, "hello from resmgr\n", n));
	/* The OCB's offset moved: EOF next, as the handler decides. */
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	/* Opened for reading only: Linux refuses the write before it reaches the bridge. */
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, close(fd));

	fd = open(RT_SUBPATH, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(6, write(fd, "alert\n", 6));
	EXPECT_EQ(0, close(fd));

	fd = open(RT_SUBPATH, O_RDONLY);
	ASSERT_LE(0, fd);
	/* Short reads walk the offset. */
	EXPECT_EQ(3, read(fd, buf, 3));
	EXPECT_EQ(3, read(fd, buf + 3, 3));
	EXPECT_EQ(0, memcmp(buf, "alert\n", 6));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, close(fd));
	rt_server_stop(&s);
	/* The device goes with its manager. */
	for (int i = 0; i < 1000 && access(RT_SUBPATH, F_OK) == 0; i++)
		qt_sleep_ms(5);
	EXPECT_NE(0, access(RT_SUBPATH, F_OK));
}

TEST(ioctl_devctl)
{
	struct rt_pair pair = { 40, 2 };
	struct rt_server s;
	int fd, v;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 0));
	fd = open(RT_PATH, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	v = 42;
	EXPECT_EQ(0, ioctl(fd, L_SETV, &v));
	v = 0;
	/* The reply's ret_val is the ioctl's result, the data its argument. */
	EXPECT_EQ(7, ioctl(fd, L_GETV, &v));
	EXPECT_EQ(42, v);
	EXPECT_EQ(0, ioctl(fd, L_SUM, &pair));
	EXPECT_EQ(42, pair.a);
	/* A handler's errno. */
	EXPECT_EQ(-1, ioctl(fd, L_PRIV));
	EXPECT_EQ(EPERM, errno);
	/* Nobody handles it (_RESMGR_DEFAULT): ENOTTY, as devctl() and ioctl() say. */
	EXPECT_EQ(-1, ioctl(fd, L_UNKNOWN, &v));
	EXPECT_EQ(ENOTTY, errno);
	/* iofunc_devctl_default's DCMD_ALL_GETFLAGS: the open's flags. */
	v = -1;
	EXPECT_EQ(0, ioctl(fd, L_GETFLAGS, &v));
	EXPECT_EQ(O_RDWR, v & O_ACCMODE);
	EXPECT_EQ(O_NONBLOCK, v & O_NONBLOCK);
	EXPECT_EQ(0, close(fd));
	rt_server_stop(&s);
}

/* No write handler: ENOSYS; attr mode 0444: the node refuses writers (not root). */
TEST(errors)
{
	struct rt_server s;
	pid_t pid;
	int fd;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0644, 1, 0));
	fd = open(RT_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(ENOSYS, errno);
	EXPECT_EQ(0, close(fd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(20);
		fd = open(RT_PATH, O_WRONLY);
		if (fd != -1 || errno != EACCES)
			_exit(21);
		fd = open(RT_PATH, O_RDONLY);
		if (fd == -1)
			_exit(22);
		_exit(0);
	}
	EXPECT_EQ(0, qt_child_result(pid));
	rt_server_stop(&s);
}

/* QNX-style clients: I/O without an open is EBADF, so is reading a write-only OCB. */
TEST(qnx_client_errors)
{
	struct _io_connect cm;
	struct _io_read rm;
	struct rt_server s;
	char buf[64];
	int coid;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 0));
	/* The manager's channel is its process's first: chid 1 (as on QNX). */
	coid = ConnectAttach(ND_LOCAL_NODE, s.pid, 1, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid);
	memset(&rm, 0, sizeof(rm));
	rm.type = _IO_READ;
	rm.combine_len = sizeof(rm);
	rm.nbytes = sizeof(buf);
	EXPECT_EQ(-1, MsgSend(coid, &rm, sizeof(rm), buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);

	memset(&cm, 0, sizeof(cm));
	cm.type = _IO_CONNECT;
	cm.subtype = _IO_CONNECT_OPEN;
	cm.ioflag = _IO_FLAG_WR;
	cm.handle = 0;
	cm.path_len = 1;
	EXPECT_EQ(0, MsgSend(coid, &cm, offsetof(struct _io_connect, path) + 1, NULL, 0));
	EXPECT_EQ(-1, MsgSend(coid, &rm, sizeof(rm), buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);
	/* A resmgr id nobody attached. */
	cm.handle = 99;
	EXPECT_EQ(-1, MsgSend(coid, &cm, offsetof(struct _io_connect, path) + 1, NULL, 0));
	EXPECT_EQ(ENOENT, errno);
	/* Not an I/O message, no message_attach: ENOSYS. */
	rm.type = 0x42;
	EXPECT_EQ(-1, MsgSend(coid, &rm, sizeof(rm), buf, sizeof(buf)));
	EXPECT_EQ(ENOSYS, errno);
	EXPECT_EQ(0, ConnectDetach(coid));
	rt_server_stop(&s);
}

/* Each open is its own OCB: own offset, counted in attr->count until closed. */
TEST(several_opens)
{
	struct rt_server s;
	char buf[64];
	int fd[3], v;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 0));
	for (int i = 0; i < 3; i++) {
		fd[i] = open(RT_PATH, O_RDONLY);
		ASSERT_LE(0, fd[i]);
	}
	EXPECT_EQ(0, ioctl(fd[0], L_COUNT, &v));
	EXPECT_EQ(3, v);
	EXPECT_EQ(18, read(fd[0], buf, sizeof(buf)));
	EXPECT_EQ(0, read(fd[0], buf, sizeof(buf)));
	EXPECT_EQ(5, read(fd[1], buf, 5));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(18, read(fd[2], buf, sizeof(buf)));
	EXPECT_EQ(0, close(fd[1]));
	EXPECT_EQ(0, ioctl(fd[0], L_COUNT, &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(0, close(fd[0]));
	EXPECT_EQ(0, ioctl(fd[2], L_COUNT, &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(0, close(fd[2]));
	rt_server_stop(&s);
}

/* The manager dies (kill -9) under a blocked reader: the reader gets an error, nothing leaks. */
TEST(kill9_server_reader_blocked)
{
	struct qt_stats before, now;
	struct rt_server s;
	pid_t reader;
	int fd, v = 0;

	RT_NEED_CUSE();
	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 1));
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		char buf[16];
		int rfd = open(RT_PATH, O_RDONLY);

		if (rfd == -1)
			_exit(30);
		if (read(rfd, buf, sizeof(buf)) != -1)
			_exit(31);
		_exit(0);
	}
	fd = open(RT_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 2000 && v < 1; i++) {
		ASSERT_EQ(0, ioctl(fd, L_PENDING, &v));
		if (v < 1)
			qt_sleep_ms(5);
	}
	ASSERT_EQ(1, v);
	rt_server_stop(&s);
	EXPECT_EQ(0, qt_child_result(reader));
	/* The dead manager's fd: the device is gone. */
	EXPECT_EQ(-1, ioctl(fd, L_PENDING, &v));
	close(fd);
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &now));
}

static void rt_wait_pending(struct __test_metadata *_metadata, int fd, int want)
{
	int v = -1;

	for (int i = 0; i < 2000 && v < want; i++) {
		ASSERT_EQ(0, ioctl(fd, L_PENDING, &v));
		if (v < want)
			qt_sleep_ms(5);
	}
	ASSERT_EQ(want, v);
}

/*
 * A Linux reader the manager holds (_RESMGR_NOREPLY) takes a signal: FUSE's
 * interrupt becomes QNX's unblock pulse, the default unblock answer EINTR
 * is read()'s.  Then one is killed: it dies, and its close reaches the
 * manager.
 */
TEST(linux_reader_interrupted)
{
	struct rt_server s;
	pid_t reader;
	int fd, v;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 1));
	fd = open(RT_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		char buf[16];
		int rfd = open(RT_PATH, O_RDONLY);

		if (rfd == -1 || qt_install_noop_handler(SIGUSR1))
			_exit(50);
		if (read(rfd, buf, sizeof(buf)) != -1 || errno != EINTR)
			_exit(51);
		_exit(0);
	}
	rt_wait_pending(_metadata, fd, 1);
	EXPECT_EQ(0, kill(reader, SIGUSR1));
	EXPECT_EQ(0, qt_child_result(reader));

	reader = fork();
	ASSERT_LE(0, reader);
	if (reader == 0) {
		char buf[16];
		int rfd = open(RT_PATH, O_RDONLY);

		if (rfd == -1)
			_exit(50);
		read(rfd, buf, sizeof(buf));
		_exit(52);
	}
	rt_wait_pending(_metadata, fd, 2);
	EXPECT_EQ(0, kill(reader, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(reader));
	/* Its fd closed: only ours is open again. */
	v = 0;
	for (int i = 0; i < 2000; i++) {
		ASSERT_EQ(0, ioctl(fd, L_COUNT, &v));
		if (v == 1)
			break;
		qt_sleep_ms(5);
	}
	EXPECT_EQ(1, v);
	close(fd);
	rt_server_stop(&s);
}

/* A manager that exits as soon as it replied: the writer still gets its count. */
TEST(reply_then_exit)
{
	struct rt_server s;
	int fd;

	RT_NEED_CUSE();
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 0));
		fd = open(RT_PATH, O_WRONLY);
		ASSERT_LE(0, fd);
		EXPECT_EQ(5, write(fd, "quit\n", 5));
		close(fd);
		EXPECT_EQ(0, qt_child_result(s.pid));
		for (int j = 0; j < 1000 && access(RT_PATH, F_OK) == 0; j++)
			qt_sleep_ms(5);
	}
}

/* dispatch_handler() routes pulse_attach()ed codes and message_attach()ed types. */
TEST(pulse_and_message_attach)
{
	struct rt_server s;
	_Uint16t type;
	int coid;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 0));
	coid = ConnectAttach(ND_LOCAL_NODE, s.pid, 1, _NTO_SIDE_CHANNEL, 0);
	ASSERT_LE(0, coid);
	EXPECT_EQ(0, MsgSendPulse(coid, -1, RT_PULSE_CODE, 3));
	EXPECT_EQ(0, MsgSendPulse(coid, -1, RT_PULSE_CODE, 4));
	type = RT_MSG_TYPE;
	EXPECT_EQ(7, MsgSend(coid, &type, sizeof(type), NULL, 0));
	type = RT_MSG_TYPE + 1;
	EXPECT_EQ(1007, MsgSend(coid, &type, sizeof(type), NULL, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
	rt_server_stop(&s);
}

/*
 * A QNX client that a signal wants out of a send the manager holds: the
 * kernel's _PULSE_CODE_UNBLOCK reaches the I/O unblock handler, whose default
 * (iofunc_unblock_default, _RESMGR_DEFAULT) makes the library reply EINTR.
 */
TEST(qnx_client_unblock)
{
	struct rt_server s;
	pid_t client;
	int fd, v = 0;

	RT_NEED_CUSE();
	ASSERT_EQ(0, rt_server_start(&s, RT_PATH, 0666, 0, 1));
	client = fork();
	ASSERT_LE(0, client);
	if (client == 0) {
		struct _io_connect cm;
		struct _io_read rm;
		char buf[16];
		int c;

		if (qt_install_noop_handler(SIGUSR1))
			_exit(40);
		c = ConnectAttach(ND_LOCAL_NODE, s.pid, 1, _NTO_SIDE_CHANNEL, 0);
		if (c == -1)
			_exit(41);
		memset(&cm, 0, sizeof(cm));
		cm.type = _IO_CONNECT;
		cm.subtype = _IO_CONNECT_OPEN;
		cm.ioflag = _IO_FLAG_RD;
		cm.path_len = 1;
		if (MsgSend(c, &cm, offsetof(struct _io_connect, path) + 1, NULL, 0))
			_exit(42);
		memset(&rm, 0, sizeof(rm));
		rm.type = _IO_READ;
		rm.combine_len = sizeof(rm);
		rm.nbytes = sizeof(buf);
		if (MsgSend(c, &rm, sizeof(rm), buf, sizeof(buf)) != -1 || errno != EINTR)
			_exit(43);
		_exit(0);
	}
	fd = open(RT_PATH, O_RDONLY);
	ASSERT_LE(0, fd);
	for (int i = 0; i < 2000 && v < 1; i++) {
		ASSERT_EQ(0, ioctl(fd, L_PENDING, &v));
		if (v < 1)
			qt_sleep_ms(5);
	}
	ASSERT_EQ(1, v);
	EXPECT_EQ(0, kill(client, SIGUSR1));
	EXPECT_EQ(0, qt_child_result(client));
	close(fd);
	rt_server_stop(&s);
}

TEST_HARNESS_MAIN
