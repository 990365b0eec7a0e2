// SPDX-License-Identifier: GPL-2.0
/*
 * The name service (name_attach, name_open, name_detach, name_close and the
 * kernel's QCHAN_IOC_NAME_*), ConnectClientInfo / ConnectServerInfo and QNX's
 * coid numbering.
 *
 * Servers run in child processes with QNX's classic receive loop: _IO_CONNECT
 * answered EOK, other I/O messages ENOSYS, a _PULSE_CODE_DISCONNECT pulse
 * ended with ConnectDetach(scoid).  They report what they saw over a pipe.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>

#include "kselftest_harness.h"
#include "qchan_test_util.h"
#include <qchan/libchan.h>

#define MSG_ECHO	(_IO_MAX + 1)	/* reply: the value + 1 */
#define MSG_WHO		(_IO_MAX + 2)	/* reply: ConnectClientInfo of the sender */
#define MSG_QUIT	(_IO_MAX + 3)

/* What a server reports over its pipe. */
#define EV_READY	1	/* then its chid */
#define EV_CONNECT	2	/* an _IO_CONNECT as QNX's name_open sends it */
#define EV_BAD_CONNECT	3	/* an _IO_CONNECT with other fields */
#define EV_DISCONNECT	4	/* a DISCONNECT pulse, ConnectDetach(scoid) == 0 */
#define EV_BAD_DETACH	5
#define EV_FAILED	6	/* then errno */
#define EV_ECHO		7	/* a MSG_ECHO, answered */

/* What the server learnt from ConnectClientInfo (the first 8 groups). */
struct who_reply {
	int ret;
	int err;
	uint32_t nd;
	pid_t pid;
	pid_t sid;
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	uint32_t ngroups;
	gid_t groups[8];
};

struct echo_msg {
	uint16_t type;
	uint16_t subtype;
	int value;
};

union server_msg {
	struct _pulse pulse;
	uint16_t type;
	struct _io_connect connect;
	struct echo_msg echo;
	char raw[512];
};

static struct _client_info who_info;	/* big (NGROUPS_MAX groups): not on the stack */

/* The classic QNX server; @refuse: answer _IO_CONNECT with MsgError(refuse). */
static int name_server(const char *name, int report, int refuse)
{
	name_attach_t *att = name_attach(NULL, name, 0);
	struct _msg_info info;
	union server_msg msg;
	int rcvid;

	if (!att) {
		qt_write_int(report, EV_FAILED);
		qt_write_int(report, errno);
		return 1;
	}
	qt_write_int(report, EV_READY);
	qt_write_int(report, att->chid);
	for (;;) {
		rcvid = MsgReceive(att->chid, &msg, sizeof(msg), &info);
		if (rcvid == -1)
			return 2;
		if (rcvid == 0) {
			if (msg.pulse.code == _PULSE_CODE_DISCONNECT)
				qt_write_int(report, ConnectDetach(msg.pulse.scoid) == 0 ?
						     EV_DISCONNECT : EV_BAD_DETACH);
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			bool ok = msg.connect.subtype == _IO_CONNECT_OPEN &&
				  msg.connect.file_type == _FTYPE_NAME &&
				  msg.connect.path_len == 1 && msg.connect.path[0] == 0 &&
				  info.scoid > (int)_NTO_SIDE_CHANNEL;

			qt_write_int(report, ok ? EV_CONNECT : EV_BAD_CONNECT);
			if (refuse)
				MsgError(rcvid, refuse);
			else
				MsgReply(rcvid, EOK, NULL, 0);
		} else if (msg.type > _IO_BASE && msg.type <= _IO_MAX) {
			MsgError(rcvid, ENOSYS);
		} else if (msg.type == MSG_ECHO) {
			int v = msg.echo.value + 1;

			MsgReply(rcvid, EOK, &v, sizeof(v));
			qt_write_int(report, EV_ECHO);
		} else if (msg.type == MSG_WHO) {
			struct who_reply r;

			memset(&r, 0, sizeof(r));
			r.ret = ConnectClientInfo(info.scoid, &who_info, NGROUPS_MAX);
			r.err = errno;
			r.nd = who_info.nd;
			r.pid = who_info.pid;
			r.sid = who_info.sid;
			r.ruid = who_info.cred.ruid;
			r.euid = who_info.cred.euid;
			r.suid = who_info.cred.suid;
			r.rgid = who_info.cred.rgid;
			r.egid = who_info.cred.egid;
			r.sgid = who_info.cred.sgid;
			r.ngroups = who_info.cred.ngroups;
			memcpy(r.groups, who_info.cred.grouplist, sizeof(r.groups));
			MsgReply(rcvid, EOK, &r, sizeof(r));
		} else if (msg.type == MSG_QUIT) {
			MsgReply(rcvid, EOK, NULL, 0);
			name_detach(att, 0);
			return 0;
		} else {
			MsgError(rcvid, EINVAL);
		}
	}
}

struct server {
	pid_t pid;
	int report;	/* read end */
	int chid;
};

/* 0, or the errno the server's name_attach failed with (or -EIO). */
static int server_start(struct server *s, const char *name, int refuse)
{
	int p[2], ev;

	if (pipe(p))
		return -errno;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (!s->pid) {
		close(p[0]);
		_exit(name_server(name, p[1], refuse));
	}
	close(p[1]);
	s->report = p[0];
	if (qt_read_int(s->report, &ev))
		return -EIO;
	if (ev == EV_FAILED)
		return qt_read_int(s->report, &ev) ? -EIO : ev;
	if (ev != EV_READY || qt_read_int(s->report, &s->chid))
		return -EIO;
	return 0;
}

/* The next event, or -ETIMEDOUT. */
static int server_event(struct server *s)
{
	long long end = qt_now_ms() + 3 * QT_WAIT_MS;
	struct timespec ts = { 0, 1000000 };
	int ev;

	fcntl(s->report, F_SETFL, O_NONBLOCK);
	while (qt_now_ms() < end) {
		if (read(s->report, &ev, sizeof(ev)) == (ssize_t)sizeof(ev))
			return ev;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static int server_stop(struct server *s)
{
	kill(s->pid, SIGKILL);
	close(s->report);
	return qt_child_result(s->pid);
}

/* The "names" counter of debugfs, or -1. */
static long names_count(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen(QT_STATS_PATH, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "names %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static long names_wait(long want)
{
	long long end = qt_now_ms() + QT_WAIT_MS;
	long v;

	do {
		v = names_count();
		if (v == want)
			return v;
		qt_sleep_ms(2);
	} while (qt_now_ms() < end);
	return v;
}

/* Is @name in the caller's listing, owned by @pid? */
static bool listed(const char *name, pid_t pid)
{
	static struct qchan_name_entry e[256];
	unsigned int total;
	int n = qchan_name_list(e, 256, &total);

	for (int i = 0; i < n; i++)
		if (!strcmp(e[i].name, name) && e[i].pid == pid)
			return true;
	return false;
}

TEST(classic_server_loop)
{
	struct qt_stats before, after;
	struct server s;
	struct echo_msg m = { .type = MSG_ECHO, .value = 41 };
	struct _io_read rd;
	int coid, reply = 0;

	ASSERT_LE(0, qchan_context_fd());	/* our own context is not a leak */
	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, server_start(&s, "qt-classic", 0));

	/* A local name: no _IO_CONNECT (QNX sends one only through gns). */
	coid = name_open("qt-classic", 0);
	ASSERT_GT(coid, (int)_NTO_SIDE_CHANNEL) TH_LOG("name_open: %s", strerror(errno));

	EXPECT_EQ(0, MsgSend(coid, &m, sizeof(m), &reply, sizeof(reply)));
	EXPECT_EQ(EV_ECHO, server_event(&s)) TH_LOG("the echo is the server's first message");
	EXPECT_EQ(42, reply);
	memset(&rd, 0, sizeof(rd));
	rd.type = _IO_READ;
	EXPECT_EQ(-1, MsgSend(coid, &rd, sizeof(rd), NULL, 0));
	EXPECT_EQ(ENOSYS, errno);

	/* name_close: the server hears DISCONNECT and frees the scoid. */
	EXPECT_EQ(0, name_close(coid));
	EXPECT_EQ(EV_DISCONNECT, server_event(&s));

	/* A global open (QNX: through gns) is announced with _IO_CONNECT. */
	coid = name_open("qt-classic", NAME_FLAG_ATTACH_GLOBAL);
	ASSERT_GT(coid, (int)_NTO_SIDE_CHANNEL);
	EXPECT_EQ(EV_CONNECT, server_event(&s));
	m.type = MSG_QUIT;
	EXPECT_EQ(0, MsgSend(coid, &m, sizeof(m), NULL, 0));
	EXPECT_EQ(0, qt_child_result(s.pid));
	close(s.report);
	EXPECT_EQ(0, name_close(coid));

	/* name_detach and the server's exit left nothing behind. */
	EXPECT_EQ(-1, name_open("qt-classic", 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
	EXPECT_EQ(before.contexts, after.contexts);
}

TEST(refused_open_fails_and_detaches)
{
	struct qt_stats before, after;
	struct server s;

	ASSERT_EQ(0, server_start(&s, "qt-refuse", EACCES));
	ASSERT_EQ(0, qt_stats_read(&before));
	EXPECT_EQ(-1, name_open("qt-refuse", NAME_FLAG_ATTACH_GLOBAL));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(EV_CONNECT, server_event(&s));
	/* The connection name_open made is gone: the server sees its DISCONNECT. */
	EXPECT_EQ(EV_DISCONNECT, server_event(&s));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
	EXPECT_EQ(before.connections, after.connections);
	EXPECT_EQ(1000 + SIGKILL, server_stop(&s));
}

/*
 * QNX 7/8 servers answer every I/O message with MsgError(ENOSYS), and their
 * clients' local name_open still works: no _IO_CONNECT reaches them.
 */
TEST(local_open_sends_no_connect)
{
	struct qt_stats before, after;
	struct server s;
	struct echo_msg m = { .type = MSG_ECHO, .value = 6 };
	int coid, reply = 0;

	ASSERT_EQ(0, server_start(&s, "qt-enosys", ENOSYS));
	ASSERT_EQ(0, qt_stats_read(&before));
	coid = name_open("qt-enosys", 0);
	ASSERT_GT(coid, (int)_NTO_SIDE_CHANNEL) TH_LOG("name_open: %s", strerror(errno));
	EXPECT_EQ(0, MsgSend(coid, &m, sizeof(m), &reply, sizeof(reply)));
	EXPECT_EQ(7, reply);
	EXPECT_EQ(EV_ECHO, server_event(&s)) TH_LOG("no _IO_CONNECT before the first message");
	EXPECT_EQ(0, name_close(coid));
	EXPECT_EQ(EV_DISCONNECT, server_event(&s));
	/* Through "gns" the same server refuses the open. */
	EXPECT_EQ(-1, name_open("qt-enosys", NAME_FLAG_ATTACH_GLOBAL));
	EXPECT_EQ(ENOSYS, errno);
	EXPECT_EQ(EV_CONNECT, server_event(&s));
	EXPECT_EQ(EV_DISCONNECT, server_event(&s));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
	EXPECT_EQ(before.connections, after.connections);
	EXPECT_EQ(1000 + SIGKILL, server_stop(&s));
}

/* A server that dies while a (global) name_open waits on its _IO_CONNECT: ESRCH, nothing left. */
TEST(server_dies_during_open)
{
	struct qt_stats before, after;
	int p[2], ready = 0;
	pid_t server, client;

	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, pipe(p));
	server = fork();
	ASSERT_LE(0, server);
	if (!server) {
		name_attach_t *a = name_attach(NULL, "qt-dying", 0);

		qt_write_int(p[1], a ? 1 : -1);
		pause();	/* never receives */
		_exit(0);
	}
	ASSERT_EQ(0, qt_read_int(p[0], &ready));
	ASSERT_EQ(1, ready);
	client = fork();
	ASSERT_LE(0, client);
	if (!client)
		_exit(name_open("qt-dying", NAME_FLAG_ATTACH_GLOBAL) == -1 && errno == ESRCH ?
		      0 : 10);
	ASSERT_EQ(0, qt_wait_proc_blocked(client));
	kill(server, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(server));
	EXPECT_EQ(0, qt_child_result(client));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
	close(p[0]);
	close(p[1]);
}

static _Atomic int race_stop;

static void *race_attacher(void *arg)
{
	int *rounds = arg;

	while (!atomic_load(&race_stop)) {
		name_attach_t *a = name_attach(NULL, "qt-race", 0);

		if (a) {
			name_detach(a, 0);
			(*rounds)++;
		}
	}
	return NULL;
}

/* Attach/detach against lookups and connects: never a stale channel, nothing leaked. */
TEST(attach_detach_open_race)
{
	struct qt_stats before, after;
	long names0 = names_count();
	int rounds = 0, opened = 0, i, coid;
	pthread_t t;

	ASSERT_LE(0, qchan_context_fd());
	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, pthread_create(&t, NULL, race_attacher, &rounds));
	for (i = 0; i < 3000; i++) {
		coid = qchan_name_open("qt-race", 0, QCHAN_COF_SIDE_CHANNEL, NULL, NULL);
		if (coid >= 0) {
			opened++;
			ASSERT_EQ(0, ConnectDetach(coid));
		} else {
			ASSERT_TRUE(coid == -ENOENT || coid == -ESRCH) TH_LOG("%d", coid);
		}
	}
	atomic_store(&race_stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%d attach/detach rounds, %d opens", rounds, opened);
	EXPECT_LT(0, rounds);
	EXPECT_EQ(names0, names_wait(names0));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
}

TEST(errors)
{
	char longname[QCHAN_NAME_MAX + 2];
	name_attach_t *a, *b;
	struct server s;

	memset(longname, 'x', sizeof(longname));
	longname[QCHAN_NAME_MAX + 1] = 0;

	a = name_attach(NULL, "qt-dup", 0);
	ASSERT_NE(NULL, a);
	/* The same name in the same process, and from another process: EEXIST. */
	EXPECT_EQ(NULL, name_attach(NULL, "qt-dup", 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(EEXIST, server_start(&s, "qt-dup", 0));
	EXPECT_EQ(1, qt_child_result(s.pid));
	close(s.report);

	EXPECT_EQ(NULL, name_attach(NULL, "", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, name_attach(NULL, "a/b", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, name_attach(NULL, "..", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, name_attach(NULL, NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, name_attach(NULL, "qt-flags", 0x100));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, name_attach(NULL, longname, 0));
	EXPECT_EQ(ENAMETOOLONG, errno);
	/* The kernel checks on its own too. */
	EXPECT_EQ(-ENAMETOOLONG, qchan_name_attach(longname, a->chid, 0));
	EXPECT_EQ(-EINVAL, qchan_name_attach("x/", a->chid, 0));
	EXPECT_EQ(-EINVAL, qchan_name_attach("qt-nochan", a->chid + 1000, 0));
	EXPECT_EQ(-EINVAL, qchan_name_attach("qt-flags", a->chid, 2));
	EXPECT_EQ(-EFAULT, qchan_name_attach((const char *)8, a->chid, 0));
	longname[QCHAN_NAME_MAX] = 0;	/* exactly the limit */
	b = name_attach(NULL, longname, NAME_FLAG_ATTACH_GLOBAL);
	ASSERT_NE(NULL, b) TH_LOG("name_attach: %s", strerror(errno));

	EXPECT_EQ(-1, name_open("qt-none", 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, name_open("qt-dup", 0x100));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENOENT, qchan_name_detach("qt-none"));

	/* Detached: unknown to name_open, and free to attach again. */
	EXPECT_EQ(0, name_detach(a, 0));
	EXPECT_EQ(-ENOENT, qchan_name_open("qt-dup", 0, QCHAN_COF_SIDE_CHANNEL, NULL, NULL));
	a = name_attach(NULL, "qt-dup", 0);
	ASSERT_NE(NULL, a);
	/* Destroying the channel takes the name with it. */
	EXPECT_EQ(0, ChannelDestroy(a->chid));
	EXPECT_EQ(-ENOENT, qchan_name_open("qt-dup", 0, QCHAN_COF_SIDE_CHANNEL, NULL, NULL));
	EXPECT_EQ(-ENOENT, qchan_name_detach("qt-dup"));
	/* name_detach still frees it, and reports the channel already gone. */
	EXPECT_EQ(-1, name_detach(a, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, name_detach(b, 0));
}

TEST(max_names)
{
	unsigned long old;
	name_attach_t *a[3];
	char name[32];
	int i;

	ASSERT_EQ(0, qt_param_get("max_names", &old));
	ASSERT_EQ(0, qt_param_set("max_names", 2));
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "qt-max-%d", i);
		a[i] = name_attach(NULL, name, 0);
	}
	EXPECT_NE(NULL, a[0]);
	EXPECT_NE(NULL, a[1]);
	EXPECT_EQ(NULL, a[2]);
	EXPECT_EQ(EAGAIN, errno);
	qt_param_set("max_names", old);
	for (i = 0; i < 2; i++)
		if (a[i])
			EXPECT_EQ(0, name_detach(a[i], 0));
}

/* A process's names vanish with it, kill -9 included, with every object it had. */
TEST(vanish_on_kill9)
{
	struct qt_stats before, after;
	long names0 = names_count();
	int p[2], chid = 0, pchid = 0, coid;
	name_attach_t *a;
	pid_t pid, spid = 0;

	ASSERT_LE(0, names0);
	ASSERT_EQ(0, qt_stats_read(&before));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		name_attach_t *b = name_attach(NULL, "qt-kill2", 0);

		a = name_attach(NULL, "qt-kill", 0);
		qt_write_int(p[1], a && b ? a->chid : -1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, qt_read_int(p[0], &chid));
	ASSERT_GT(chid, 0);
	EXPECT_EQ(names0 + 2, names_count());
	EXPECT_TRUE(listed("qt-kill", pid));
	EXPECT_TRUE(listed("qt-kill2", pid));

	/* Opening takes the name's channel, and the pid and chid to ConnectAttach it. */
	coid = qchan_name_open("qt-kill", 0, QCHAN_COF_SIDE_CHANNEL, &spid, &pchid);
	ASSERT_GT(coid, (int)QCHAN_SIDE_CHANNEL);
	EXPECT_EQ(pid, spid);
	EXPECT_EQ(chid, pchid);

	kill(pid, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(pid));
	EXPECT_EQ(names0, names_wait(names0));
	EXPECT_FALSE(listed("qt-kill", pid));
	EXPECT_EQ(-ENOENT, qchan_name_open("qt-kill2", 0, QCHAN_COF_SIDE_CHANNEL, NULL, NULL));
	/* Another process may take the name at once: nothing stale remains. */
	a = name_attach(NULL, "qt-kill", 0);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, name_detach(a, 0));
	EXPECT_EQ(0, ConnectDetach(coid));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
	close(p[0]);
	close(p[1]);
}

/* Each IPC namespace has its own names. */
TEST(ipc_namespaces)
{
	name_attach_t *a = name_attach(NULL, "qt-ns", 0);
	int p[2], r[2], res = -1;
	pid_t pid;

	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(r));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		name_attach_t *b, *c;
		int go, code = 0;

		if (unshare(CLONE_NEWIPC))
			_exit(10);
		/* Not visible here, and free to attach here. */
		if (qchan_name_open("qt-ns", 0, QCHAN_COF_SIDE_CHANNEL, NULL, NULL) != -ENOENT)
			code = 11;
		b = name_attach(NULL, "qt-ns", 0);
		c = name_attach(NULL, "qt-ns-child", 0);
		if (!b || !c)
			code = 12;
		else if (!listed("qt-ns", getpid()) || listed("qt-ns", getppid()))
			code = 13;
		qt_write_int(r[1], code);
		qt_read_int(p[0], &go);
		_exit(code);
	}
	ASSERT_EQ(0, qt_read_int(r[0], &res));
	EXPECT_EQ(0, res);
	/* The parent's namespace sees neither of the child's names. */
	EXPECT_EQ(-ENOENT, qchan_name_open("qt-ns-child", 0, QCHAN_COF_SIDE_CHANNEL, NULL, NULL));
	EXPECT_TRUE(listed("qt-ns", getpid()));
	EXPECT_FALSE(listed("qt-ns", pid));
	EXPECT_FALSE(listed("qt-ns-child", pid));
	qt_write_int(p[1], 1);
	EXPECT_EQ(0, qt_child_result(pid));
	EXPECT_EQ(0, name_detach(a, 0));
}

/* Opening obeys ConnectAttach's rule: another euid may not connect. */
TEST(open_needs_connect_permission)
{
	name_attach_t *a = name_attach(NULL, "qt-perm", 0);
	pid_t pid;

	ASSERT_NE(NULL, a);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresuid(1234, 1234, 1234))
			_exit(10);
		_exit(qchan_name_open("qt-perm", 0, QCHAN_COF_SIDE_CHANNEL, NULL, NULL) ==
		      -EPERM ? 0 : 11);
	}
	EXPECT_EQ(0, qt_child_result(pid));
	EXPECT_EQ(0, name_detach(a, 0));
}

/* ConnectClientInfo tells the server the client's current ids and groups. */
TEST(client_info_across_uids)
{
	struct server s;
	int p[2], res = -1;
	pid_t pid;

	ASSERT_EQ(0, server_start(&s, "qt-who", 0));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		static const gid_t groups[] = { 7001, 7002, 7003 };
		struct echo_msg m = { .type = MSG_WHO };
		struct who_reply w;
		int coid = name_open("qt-who", 0);

		if (coid < 0)
			_exit(10);
		if (setgroups(3, groups) || setresgid(4321, 4322, 4323) ||
		    setresuid(1234, 1235, 1236))
			_exit(11);
		if (MsgSend(coid, &m, sizeof(m), &w, sizeof(w)))
			_exit(12);
		if (w.ret != 0)
			_exit(13);
		if (w.pid != getpid() || w.nd != 0 || w.sid != getsid(0))
			_exit(14);
		if (w.ruid != 1234 || w.euid != 1235 || w.suid != 1236)
			_exit(15);
		if (w.rgid != 4321 || w.egid != 4322 || w.sgid != 4323)
			_exit(16);
		if (w.ngroups != 3 || w.groups[0] != 7001 || w.groups[1] != 7002 ||
		    w.groups[2] != 7003)
			_exit(17);
		_exit(0);
	}
	res = qt_child_result(pid);
	EXPECT_EQ(0, res);
	EXPECT_EQ(EV_DISCONNECT, server_event(&s));
	EXPECT_EQ(1000 + SIGKILL, server_stop(&s));
	close(p[0]);
	close(p[1]);
}

TEST(client_info_self_and_errors)
{
	struct _client_info *ci = calloc(1, sizeof(*ci));

	ASSERT_NE(NULL, ci);
	/* -1: the caller; ngroups 0 counts the groups. */
	ASSERT_EQ(0, ConnectClientInfo(-1, ci, 0));
	EXPECT_EQ(getpid(), ci->pid);
	EXPECT_EQ(getuid(), ci->cred.ruid);
	EXPECT_EQ(getegid(), ci->cred.egid);
	EXPECT_EQ((unsigned int)getgroups(0, NULL), ci->cred.ngroups);
	EXPECT_EQ(-1, ConnectClientInfo(_NTO_SIDE_CHANNEL + 12345, ci, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, ConnectClientInfo_r(5, ci, 0));
	EXPECT_EQ(-EINVAL, ConnectClientInfo_r(-1, ci, -1));
	free(ci);
}

/* Side-channel coids start above _NTO_SIDE_CHANNEL; fd coids at the lowest free fd. */
TEST(coid_numbering)
{
	struct _pulse pulse;
	int chid = ChannelCreate(0);
	pid_t pid;

	ASSERT_GT(chid, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		pid_t server = getppid();
		struct _server_info si;
		int lowest, fdcoid, side;

		/* The process's first libchan call: the context must not take the lowest fd. */
		lowest = open("/dev/null", O_RDONLY);
		close(lowest);
		fdcoid = ConnectAttach(0, server, chid, 0, 0);
		if (fdcoid != lowest)
			_exit(10);
		if (qchan_context_fd() < 100)
			_exit(11);
		side = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
		if (side != (int)_NTO_SIDE_CHANNEL + 1)
			_exit(12);
		/* ConnectServerInfo finds a coid, or the next one above it. */
		if (ConnectServerInfo(0, fdcoid, &si) != fdcoid || si.pid != server ||
		    si.chid != chid || si.scoid <= (int)_NTO_SIDE_CHANNEL)
			_exit(13);
		if (ConnectServerInfo(0, fdcoid + 1, &si) != side || si.coid != side)
			_exit(14);
		if (ConnectServerInfo(0, side + 1, &si) != -1 || errno != EINVAL)
			_exit(15);
		if (ConnectServerInfo(1, side, &si) != -1 || errno != ESRCH)
			_exit(16);
		/* The moved context still works. */
		_exit(MsgSendPulse(side, -1, 7, 0) ? 17 : 0);
	}
	EXPECT_EQ(0, qt_child_result(pid));
	EXPECT_EQ(0, MsgReceivePulse(chid, &pulse, sizeof(pulse), NULL));
	EXPECT_EQ(7, pulse.code);
	/* The server's own first scoid is above _NTO_SIDE_CHANNEL too. */
	EXPECT_GT(pulse.scoid, (int)_NTO_SIDE_CHANNEL);
}

TEST(features)
{
	struct qchan_features f;

	ASSERT_EQ(0, qchan_get_features(&f));
	EXPECT_TRUE(!!(f.features & QCHAN_FEAT_NAME));
	EXPECT_TRUE(!!(f.features & QCHAN_FEAT_CLIENT_INFO));
}

TEST_HARNESS_MAIN
