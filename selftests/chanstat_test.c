// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel view /proc/qchan/state (module/view.c), chanstat and the
 * tracepoints: every blocked state as the view names it, a deadlocked pair
 * of servers found as a cycle, a pid namespace and an unprivileged user that
 * see only what they may, tracepoints with the right fields, and chanstat
 * --json agreeing with the view.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <sched.h>

#include "qchan_test_util.h"
#include "view_util.h"
#include <sys/dispatch.h>
#include "kselftest_harness.h"

#define TRACE_DIR	"/sys/kernel/debug/tracing"

/* Polls the view for a thread line of @tid with @state; malloc'd line or NULL. */
static char *wait_thread(pid_t tid, const char *state, const char *extra)
{
	char a[32], s[32];

	snprintf(a, sizeof(a), " tid=%d", tid);
	snprintf(s, sizeof(s), " state=%s", state);
	return qt_view_wait("thread", a, s, extra);
}

static void *receiver_fn(void *arg)
{
	int chid = (int)(intptr_t)arg;
	char buf[64];

	/* Ends when the channel is destroyed under it. */
	MsgReceive(chid, buf, sizeof(buf), NULL);
	return NULL;
}

static _Atomic pid_t receiver_tid;

TEST(receive_blocked)
{
	char pat[64], *buf, *line;
	struct qt_receiver r;
	pid_t tid;
	int chid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	ASSERT_EQ(0, qt_receiver_start(&r, chid));
	tid = atomic_load(&r.tid);

	line = wait_thread(tid, "RECEIVE", NULL);
	ASSERT_NE(NULL, line) TH_LOG("no RECEIVE line for tid %d", tid);
	EXPECT_EQ(getpid(), qt_view_field(line, "pid"));
	EXPECT_EQ(chid, qt_view_field(line, "chid"));
	EXPECT_EQ(getpid(), qt_view_field(line, "server"));
	EXPECT_EQ(0, qt_view_field(line, "stopped"));
	EXPECT_LE(0, qt_view_field(line, "waited_ms"));
	EXPECT_NE(NULL, strstr(line, " comm=chanstat_test"));
	free(line);

	buf = qt_read_file(QT_VIEW_PATH);
	ASSERT_NE(NULL, buf);
	EXPECT_EQ(0, strncmp(buf, "version 1\n", 10));
	snprintf(pat, sizeof(pat), " chid=%d", chid);
	line = qt_view_line(buf, "channel", pat, NULL);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(getpid(), qt_view_field(line, "pid"));
	EXPECT_EQ(1, qt_view_field(line, "receivers"));
	EXPECT_EQ(0, qt_view_field(line, "queued"));
	free(line);
	snprintf(pat, sizeof(pat), " pid=%d", getpid());
	line = qt_view_line(buf, "process", pat, NULL);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(1, qt_view_field(line, "detail"));
	free(line);
	EXPECT_NE(NULL, strstr(buf, "\nkmsg cpu=0 "));
	free(buf);

	ASSERT_EQ(0, ChannelDestroy(chid));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(-1, r.rcvid);
}

/* SEND-blocked, then REPLY-blocked on the same message. */
TEST(send_and_reply_blocked)
{
	struct qt_client c;
	char pat[64], *buf, *line;
	char rbuf[16], mbuf[64];
	int chid, coid, rcvid;
	pid_t tid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, qt_client_send_blocked(&c, coid, "hello", 6, rbuf, sizeof(rbuf)));
	tid = c.tid;

	line = wait_thread(tid, "SEND", NULL);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(chid, qt_view_field(line, "chid"));
	EXPECT_EQ(getpid(), qt_view_field(line, "server"));
	EXPECT_EQ(coid, qt_view_field(line, "coid"));
	EXPECT_EQ(6, qt_view_field(line, "slen"));
	EXPECT_EQ((long)sizeof(rbuf), qt_view_field(line, "rlen"));
	EXPECT_EQ(0, qt_view_field(line, "rcvid"));
	EXPECT_EQ(0, qt_view_field(line, "parked"));
	free(line);
	buf = qt_read_file(QT_VIEW_PATH);
	ASSERT_NE(NULL, buf);
	snprintf(pat, sizeof(pat), " chid=%d", chid);
	line = qt_view_line(buf, "channel", pat, " queued=1");
	ASSERT_NE(NULL, line) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(line, " qprio=0:1"));
	EXPECT_EQ(0, qt_view_field(line, "receivers"));
	free(line);
	snprintf(pat, sizeof(pat), " coid=%d", coid);
	line = qt_view_line(buf, "conn", pat, NULL);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(getpid(), qt_view_field(line, "server"));
	EXPECT_EQ(chid, qt_view_field(line, "chid"));
	free(line);
	free(buf);

	rcvid = MsgReceive(chid, mbuf, sizeof(mbuf), NULL);
	ASSERT_GT(rcvid, 0);
	line = wait_thread(tid, "REPLY", NULL);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(rcvid, qt_view_field(line, "rcvid"));
	EXPECT_EQ(chid, qt_view_field(line, "chid"));
	EXPECT_EQ(0, qt_view_field(line, "unblock"));
	free(line);

	ASSERT_EQ(0, MsgReply(rcvid, 0, "ok", 3));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(0, c.ret);
	/* Gone from the view once it returned. */
	buf = qt_read_file(QT_VIEW_PATH);
	ASSERT_NE(NULL, buf);
	snprintf(pat, sizeof(pat), " tid=%d", tid);
	line = qt_view_line(buf, "thread", pat, NULL);
	EXPECT_EQ(NULL, line);
	free(line);
	free(buf);
	ConnectDetach(coid);
	ChannelDestroy(chid);
}

/* A REPLY-blocked client with a handled signal on an _NTO_CHF_UNBLOCK channel: unblock pending. */
TEST(unblock_pending)
{
	struct qt_client c;
	char rbuf[16], mbuf[64], *line;
	int chid, coid, rcvid;

	ASSERT_EQ(0, qt_install_noop_handler(SIGUSR1));
	chid = ChannelCreate(_NTO_CHF_UNBLOCK);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, qt_client_send_blocked(&c, coid, "x", 2, rbuf, sizeof(rbuf)));
	rcvid = MsgReceive(chid, mbuf, sizeof(mbuf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, pthread_kill(c.thread, SIGUSR1));
	line = wait_thread(c.tid, "REPLY", " unblock=1");
	ASSERT_NE(NULL, line);
	EXPECT_EQ(rcvid, qt_view_field(line, "rcvid"));
	free(line);
	ASSERT_EQ(0, MsgReply(rcvid, 0, NULL, 0));
	ASSERT_EQ(0, qt_client_join(&c));
	ConnectDetach(coid);
	ChannelDestroy(chid);
}

/* A child that sends to @server's @chid and exits 0 when its send returns. */
static pid_t spawn_sender(pid_t server, int chid)
{
	pid_t pid = fork();
	char rbuf[8];
	int coid;

	if (pid)
		return pid;
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		_exit(10);
	_exit(MsgSend(coid, "abc", 4, rbuf, sizeof(rbuf)) == 0 ? 0 : 11);
}

/* SIGSTOPped while SEND-blocked and while REPLY-blocked. */
TEST(stopped)
{
	char mbuf[16], *line;
	int chid, rcvid;
	pid_t child;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	child = spawn_sender(getpid(), chid);
	ASSERT_GT(child, 0);
	ASSERT_EQ(0, qt_wait_proc_blocked(child));
	line = wait_thread(child, "SEND", NULL);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(0, qt_view_field(line, "stopped"));
	free(line);

	ASSERT_EQ(0, kill(child, SIGSTOP));
	ASSERT_EQ(0, qt_wait_state(child, child, 'T'));
	line = wait_thread(child, "SEND", " stopped=1");
	ASSERT_NE(NULL, line) TH_LOG("SEND-blocked child %d not shown stopped", child);
	free(line);
	ASSERT_EQ(0, kill(child, SIGCONT));

	rcvid = MsgReceive(chid, mbuf, sizeof(mbuf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, kill(child, SIGSTOP));
	ASSERT_EQ(0, qt_wait_state(child, child, 'T'));
	line = wait_thread(child, "REPLY", " stopped=1");
	ASSERT_NE(NULL, line) TH_LOG("REPLY-blocked child %d not shown stopped", child);
	EXPECT_EQ(rcvid, qt_view_field(line, "rcvid"));
	free(line);
	ASSERT_EQ(0, kill(child, SIGCONT));
	ASSERT_EQ(0, MsgReply(rcvid, 0, "ok", 3));
	EXPECT_EQ(0, qt_child_result(child));
	ChannelDestroy(chid);
}

/*
 * One of a pair of servers: its channel's id goes to the parent, the peer's
 * pid and chid come back; each message it receives it forwards to the peer
 * before replying, so one message to either deadlocks the pair.
 */
static pid_t spawn_forwarder(int *to_parent, int *from_parent)
{
	int up[2], down[2];
	char mbuf[16], rbuf[16];
	int chid, coid, peer, peer_chid, rcvid;
	pid_t pid;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid) {
		close(up[1]);
		close(down[0]);
		*to_parent = up[0];
		*from_parent = down[1];
		return pid;
	}
	close(up[0]);
	close(down[1]);
	chid = ChannelCreate(0);
	if (chid <= 0 || qt_write_int(up[1], chid))
		_exit(20);
	if (qt_read_int(down[0], &peer) || qt_read_int(down[0], &peer_chid))
		_exit(21);
	coid = ConnectAttach(0, peer, peer_chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0 || qt_write_int(up[1], 1))
		_exit(22);
	for (;;) {
		rcvid = MsgReceive(chid, mbuf, sizeof(mbuf), NULL);
		if (rcvid <= 0)
			_exit(23);
		MsgSend(coid, mbuf, sizeof(mbuf), rbuf, sizeof(rbuf));
		MsgReply(rcvid, 0, NULL, 0);
	}
}

/* ./chanstat in the guest's working directory, or the build tree's. */
static const char *chanstat_path(void)
{
	static const char *const paths[] = { "./chanstat", "../tools/chanstat" };
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

/* Runs chanstat with @args, its stdout into @out (malloc'd); its exit status. */
static int run_chanstat(const char *args, char **out)
{
	const char *path = chanstat_path();
	char cmd[256];
	int status;

	*out = NULL;
	if (!path)
		return -ENOENT;
	snprintf(cmd, sizeof(cmd), "%s %s >/tmp/chanstat.out", path, args);
	status = system(cmd);
	*out = qt_read_file("/tmp/chanstat.out");
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(deadlock_cycle)
{
	int a_in, a_out, b_in, b_out, a_chid, b_chid, ok, coid, rc;
	char pat[160], *buf, *la, *lb, *out;
	struct qt_client c;
	pid_t a, b;
	char rbuf[8];

	a = spawn_forwarder(&a_in, &a_out);
	ASSERT_GT(a, 0);
	b = spawn_forwarder(&b_in, &b_out);
	ASSERT_GT(b, 0);
	ASSERT_EQ(0, qt_read_int(a_in, &a_chid));
	ASSERT_EQ(0, qt_read_int(b_in, &b_chid));
	ASSERT_EQ(0, qt_write_int(a_out, b));
	ASSERT_EQ(0, qt_write_int(a_out, b_chid));
	ASSERT_EQ(0, qt_write_int(b_out, a));
	ASSERT_EQ(0, qt_write_int(b_out, a_chid));
	ASSERT_EQ(0, qt_read_int(a_in, &ok));
	ASSERT_EQ(0, qt_read_int(b_in, &ok));

	coid = ConnectAttach(0, a, a_chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, qt_client_send(&c, coid, "go", 3, rbuf, sizeof(rbuf)));

	/* A holds our message and waits for B's reply; B waits on A's empty channel. */
	la = wait_thread(a, "REPLY", NULL);
	ASSERT_NE(NULL, la);
	EXPECT_EQ(b, qt_view_field(la, "server"));
	EXPECT_EQ(b_chid, qt_view_field(la, "chid"));
	lb = wait_thread(b, "SEND", NULL);
	ASSERT_NE(NULL, lb);
	EXPECT_EQ(a, qt_view_field(lb, "server"));
	EXPECT_EQ(a_chid, qt_view_field(lb, "chid"));
	free(la);
	free(lb);
	buf = qt_read_file(QT_VIEW_PATH);
	ASSERT_NE(NULL, buf);
	snprintf(pat, sizeof(pat), " pid=%d", a);
	la = qt_view_line(buf, "channel", pat, " receivers=0");
	EXPECT_NE(NULL, la);
	free(la);
	free(buf);

	rc = run_chanstat("", &out);
	if (rc == -ENOENT) {
		kill(a, SIGKILL);
		kill(b, SIGKILL);
		SKIP(return, "chanstat binary not found next to the test");
	}
	ASSERT_NE(NULL, out);
	EXPECT_EQ(2, rc) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "DEADLOCK: wait-for cycle of 2 processes"));
	snprintf(pat, sizeof(pat), "pid %d (chanstat_test) tid %d REPLY-blocked on pid %d", a, a, b);
	EXPECT_NE(NULL, strstr(out, pat)) TH_LOG("%s", out);
	snprintf(pat, sizeof(pat), "pid %d (chanstat_test) tid %d SEND-blocked on pid %d", b, b, a);
	EXPECT_NE(NULL, strstr(out, pat)) TH_LOG("%s", out);
	free(out);
	rc = run_chanstat("--dot", &out);
	EXPECT_EQ(2, rc);
	ASSERT_NE(NULL, out);
	snprintf(pat, sizeof(pat), "p%d -> p%d [label=\"tid %d REPLY chid %d\", color=red", a, b,
		 a, b_chid);
	EXPECT_NE(NULL, strstr(out, pat)) TH_LOG("%s", out);
	free(out);

	rc = run_chanstat("--json", &out);
	EXPECT_EQ(2, rc);
	ASSERT_NE(NULL, out);
	snprintf(pat, sizeof(pat), "{\"pid\": %d, \"tid\": %d, \"state\": \"REPLY\", \"server\": %d, \"chid\": %d}",
		 a, a, b, b_chid);
	EXPECT_NE(NULL, strstr(out, "{\"deadlock\": true, \"threads\": [")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, pat)) TH_LOG("%s", out);
	free(out);

	/* Our client is not part of the cycle, only waiting on it. */
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(a));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(b));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	ConnectDetach(coid);
}

/* Checks that the view holds no record of another process; 0 if so. */
static int only_own(const char *buf, pid_t self)
{
	const char *p = buf;

	while ((p = strstr(p, " pid="))) {
		if (strtol(p + 5, NULL, 10) != self)
			return -1;
		p += 5;
	}
	return 0;
}

TEST(pid_namespace)
{
	pthread_t th;
	pid_t child;
	int chid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	ASSERT_EQ(0, pthread_create(&th, NULL, receiver_fn, (void *)(intptr_t)chid));

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(30);
		inner = fork();
		if (inner < 0)
			_exit(31);
		if (!inner) {
			char *buf, *line;
			int c2 = ChannelCreate(0);

			if (getpid() != 1 || c2 <= 0)
				_exit(32);
			buf = qt_read_file(QT_VIEW_PATH);
			if (!buf)
				_exit(33);
			line = qt_view_line(buf, "process", " pid=1", NULL);
			if (!line)
				_exit(34);
			free(line);
			line = qt_view_line(buf, "channel", " pid=1", NULL);
			if (!line)
				_exit(35);
			free(line);
			_exit(only_own(buf, 1) ? 36 : 0);
		}
		_exit(qt_child_result(inner));
	}
	EXPECT_EQ(0, qt_child_result(child));
	ChannelDestroy(chid);
	pthread_join(th, NULL);
}

TEST(unprivileged)
{
	struct qt_client c;
	char rbuf[8];
	pthread_t th;
	pid_t child, self = getpid();
	int chid, chid2, coid;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, qt_client_send_blocked(&c, coid, "secret", 7, rbuf, sizeof(rbuf)));
	chid2 = ChannelCreate(0);
	ASSERT_GT(chid2, 0);
	ASSERT_EQ(0, pthread_create(&th, NULL, receiver_fn, (void *)(intptr_t)chid2));

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		char pat[32], *buf, *line;
		int own;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(40);
		own = ChannelCreate(0);
		if (own <= 0)
			_exit(41);
		buf = qt_read_file(QT_VIEW_PATH);
		if (!buf)
			_exit(42);
		snprintf(pat, sizeof(pat), " pid=%d", self);
		/* ps shows other users' processes and their states, nothing of their contents. */
		line = qt_view_line(buf, "process", pat, " detail=0");
		if (!line)
			_exit(43);
		free(line);
		line = qt_view_line(buf, "thread", pat, " state=SEND");
		if (!line || qt_view_has_field(line, "slen") || qt_view_has_field(line, "coid") ||
		    qt_view_has_field(line, "rcvid"))
			_exit(44);
		free(line);
		if (qt_view_line(buf, "channel", pat, NULL) || qt_view_line(buf, "conn", pat, NULL))
			_exit(45);
		snprintf(pat, sizeof(pat), " pid=%d", getpid());
		line = qt_view_line(buf, "channel", pat, NULL);
		if (!line)
			_exit(46);
		_exit(0);
	}
	EXPECT_EQ(0, qt_child_result(child));

	/* Destroying the channel ends the send (ESRCH) and the receive. */
	ChannelDestroy(chid);
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(-1, c.ret);
	ChannelDestroy(chid2);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ConnectDetach(coid);
}

TEST(names_and_stats)
{
	char pat[64], *buf, *line;
	name_attach_t *att;

	att = name_attach(NULL, "chanstat-test", 0);
	ASSERT_NE(NULL, att) TH_LOG("name_attach: %s", strerror(errno));
	buf = qt_read_file(QT_VIEW_PATH);
	ASSERT_NE(NULL, buf);
	snprintf(pat, sizeof(pat), " pid=%d", getpid());
	line = qt_view_line(buf, "name", pat, " name=chanstat-test");
	ASSERT_NE(NULL, line) TH_LOG("%s", buf);
	EXPECT_EQ(att->chid, qt_view_field(line, "chid"));
	free(line);
	line = qt_view_line(buf, "process", pat, NULL);
	ASSERT_NE(NULL, line);
	EXPECT_EQ(1, qt_view_field(line, "names"));
	free(line);
	free(buf);
	EXPECT_EQ(0, name_detach(att, 0));

	buf = qt_read_file("/proc/qchan/stats");
	ASSERT_NE(NULL, buf);
	EXPECT_NE(NULL, strstr(buf, "\nmsgs_total "));
	EXPECT_NE(NULL, strstr(buf, "\nbytes_direct "));
	EXPECT_NE(NULL, strstr(buf, "\npulses "));
	free(buf);
}

/* A blocked child killed with SIGKILL leaves the view, and every counter settles. */
TEST(killed_leaves_view)
{
	struct qt_stats before, after;
	char pat[32], *buf, *line;
	pid_t child;
	int chid;

	ASSERT_EQ(0, qt_stats_read(&before));
	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	child = spawn_sender(getpid(), chid);
	ASSERT_GT(child, 0);
	line = wait_thread(child, "SEND", NULL);
	ASSERT_NE(NULL, line);
	free(line);
	ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, qt_child_result(child));
	buf = qt_read_file(QT_VIEW_PATH);
	ASSERT_NE(NULL, buf);
	snprintf(pat, sizeof(pat), " pid=%d", child);
	line = qt_view_line(buf, "thread", pat, NULL);
	EXPECT_EQ(NULL, line);
	free(line);
	line = qt_view_line(buf, "process", pat, NULL);
	EXPECT_EQ(NULL, line);
	free(line);
	free(buf);
	ASSERT_EQ(0, ChannelDestroy(chid));
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
}

static void *serve_fn(void *arg)
{
	int chid = (int)(intptr_t)arg, rcvid;
	char buf[16];

	for (;;) {
		rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
		if (rcvid < 0 && errno != EINTR)
			return NULL;
		if (rcvid > 0)
			MsgReply(rcvid, 0, NULL, 0);
	}
}

/* A client sending in a loop until it is killed. */
static pid_t spawn_looper(pid_t server, int chid)
{
	pid_t pid = fork();
	char rbuf[8];
	int coid;

	if (pid)
		return pid;
	coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid < 0)
		_exit(10);
	for (;;)
		MsgSend(coid, "loop", 5, rbuf, sizeof(rbuf));
}

/*
 * The view read over and over while clients are killed, stopped and
 * continued in every state: it must never touch a message or a process that
 * is going (the kernel log would show it), and it leaves nothing behind.
 */
TEST(read_under_churn)
{
	struct qt_stats before, after;
	pid_t kids[4];
	pthread_t th[2];
	long long end;
	int chid, i, n = 0, reads = 0;

	ASSERT_EQ(0, qt_stats_read(&before));
	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, serve_fn, (void *)(intptr_t)chid));
	for (i = 0; i < 4; i++) {
		kids[i] = spawn_looper(getpid(), chid);
		ASSERT_GT(kids[i], 0);
	}
	end = qt_now_ms() + 3000;
	while (qt_now_ms() < end) {
		char *buf = qt_read_file(QT_VIEW_PATH);

		ASSERT_NE(NULL, buf);
		EXPECT_EQ(0, strncmp(buf, "version 1\n", 10));
		free(buf);
		reads++;
		i = n++ % 4;
		if (n % 3 == 0) {
			kill(kids[i], SIGSTOP);
			kill(kids[i], SIGCONT);
		} else if (n % 5 == 0) {
			kill(kids[i], SIGKILL);
			EXPECT_EQ(1000 + SIGKILL, qt_child_result(kids[i]));
			kids[i] = spawn_looper(getpid(), chid);
			ASSERT_GT(kids[i], 0);
		}
	}
	for (i = 0; i < 4; i++) {
		kill(kids[i], SIGKILL);
		EXPECT_EQ(1000 + SIGKILL, qt_child_result(kids[i]));
	}
	ASSERT_EQ(0, ChannelDestroy(chid));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	EXPECT_LT(10, reads);
	EXPECT_EQ(0, qt_stats_wait_settled(&before, &after));
}

static void *reply_once_fn(void *arg)
{
	int chid = (int)(intptr_t)arg, rcvid;
	uint64_t timeout = 20000000;
	char buf[16];

	atomic_store(&receiver_tid, qt_gettid());
	rcvid = MsgReceive(chid, buf, sizeof(buf), NULL);
	if (rcvid > 0)
		MsgReply(rcvid, 0, NULL, 0);
	/* Back to receiving with nothing to serve: the boost ends before it sleeps. */
	if (!TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, &timeout, NULL))
		MsgReceive(chid, buf, sizeof(buf), NULL);
	return NULL;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

TEST(tracepoints)
{
	char rbuf[16], mbuf[64], pat[160], *trace;
	struct _pulse pulse;
	struct qt_client c;
	int chid, coid, rcvid, rcvid1;
	uint64_t timeout = 20000000;
	pid_t tid1, tid2, rtid;
	pthread_t th;

	if (access(TRACE_DIR "/events/qchan/enable", W_OK))
		SKIP(return, "no tracefs at " TRACE_DIR);
	ASSERT_EQ(0, write_str(TRACE_DIR "/tracing_on", "0"));
	ASSERT_EQ(0, write_str(TRACE_DIR "/trace", ""));
	ASSERT_EQ(0, write_str(TRACE_DIR "/events/qchan/enable", "1"));
	ASSERT_EQ(0, write_str(TRACE_DIR "/tracing_on", "1"));

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, qt_client_send_blocked(&c, coid, "hello", 6, rbuf, sizeof(rbuf)));
	rcvid = MsgReceive(chid, mbuf, sizeof(mbuf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgReply(rcvid, 42, "abc", 3));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(42, c.ret);
	rcvid1 = rcvid;
	tid1 = c.tid;
	ASSERT_EQ(0, qt_client_send_blocked(&c, coid, "bad", 4, rbuf, sizeof(rbuf)));
	rcvid = MsgReceive(chid, mbuf, sizeof(mbuf), NULL);
	ASSERT_GT(rcvid, 0);
	ASSERT_EQ(0, MsgError(rcvid, EINVAL));
	ASSERT_EQ(0, qt_client_join(&c));
	EXPECT_EQ(EINVAL, c.err);
	tid2 = c.tid;
	ASSERT_EQ(0, MsgSendPulse(coid, -1, 5, 7));
	ASSERT_EQ(0, MsgReceive(chid, &pulse, sizeof(pulse), NULL));

	/* A send that times out while queued: timeout, unblock (released), error. */
	ASSERT_EQ(0, TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_SEND, NULL, &timeout, NULL));
	EXPECT_EQ(-1, MsgSend(coid, "t", 2, rbuf, sizeof(rbuf)));
	EXPECT_EQ(ETIMEDOUT, errno);

	/* A SCHED_FIFO 10 client raises the SCHED_OTHER receiver, its reply restores it. */
	atomic_store(&receiver_tid, 0);
	ASSERT_EQ(0, pthread_create(&th, NULL, reply_once_fn, (void *)(intptr_t)chid));
	rtid = qt_wait_tid(&receiver_tid);
	ASSERT_NE(0, rtid);
	ASSERT_EQ(0, qt_wait_blocked(getpid(), rtid));
	memset(&c, 0, sizeof(c));
	c.kind = QT_SEND;
	c.coid = coid;
	c.sbuf = "rt";
	c.slen = 3;
	c.rbuf = rbuf;
	c.rlen = sizeof(rbuf);
	c.policy = SCHED_FIFO;
	c.prio = 10;
	ASSERT_EQ(0, qt_client_start(&c));
	ASSERT_EQ(0, qt_client_join(&c));
	ASSERT_EQ(0, c.setup_err);
	EXPECT_EQ(0, c.ret);
	ASSERT_EQ(0, pthread_join(th, NULL));

	ASSERT_EQ(0, write_str(TRACE_DIR "/tracing_on", "0"));
	ASSERT_EQ(0, write_str(TRACE_DIR "/events/qchan/enable", "0"));
	trace = qt_read_file(TRACE_DIR "/trace");
	ASSERT_NE(NULL, trace);

	snprintf(pat, sizeof(pat), "qchan_send: server=%d chid=%d coid=%d scoid=", getpid(), chid,
		 coid);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	EXPECT_NE(NULL, strstr(trace, " slen=6 rlen=16 prio=0 ")) TH_LOG("%s", trace);
	EXPECT_NE(NULL, strstr(trace, "qchan_copy_tier: send len=6 tier=inline"));
	snprintf(pat, sizeof(pat), "qchan_receive: rcvid=%d chid=%d sender=%d len=6 prio=0",
		 rcvid1, chid, tid1);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	snprintf(pat, sizeof(pat), "qchan_reply: rcvid=%d sender=%d status=42 len=3", rcvid1, tid1);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	snprintf(pat, sizeof(pat), "qchan_error: sender=%d chid=%d rcvid=%d state=REPLY error=%d",
		 tid2, chid, rcvid, -EINVAL);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	snprintf(pat, sizeof(pat), "qchan_pulse: server=%d chid=%d scoid=", getpid(), chid);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	EXPECT_NE(NULL, strstr(trace, " code=5 value=0x7 prio=0"));
	snprintf(pat, sizeof(pat), "qchan_pulse_receive: chid=%d scoid=", chid);
	EXPECT_NE(NULL, strstr(trace, pat));
	snprintf(pat, sizeof(pat), "qchan_timeout: chid=%d blocked=send", chid);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	snprintf(pat, sizeof(pat), "qchan_unblock: sender=%d chid=%d rcvid=0 state=SEND error=%d action=release",
		 getpid(), chid, -ETIMEDOUT);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	snprintf(pat, sizeof(pat), "qchan_error: sender=%d chid=%d rcvid=0 state=SEND error=%d",
		 getpid(), chid, -ETIMEDOUT);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	/* SCHED_FIFO 10 is kernel priority 99 - 10 = 89; SCHED_OTHER nice 0 is 120. */
	snprintf(pat, sizeof(pat), "qchan_prio_boost: tid=%d kprio=120->89", rtid);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	snprintf(pat, sizeof(pat), "qchan_prio_restore: tid=%d kprio=89->120", rtid);
	EXPECT_NE(NULL, strstr(trace, pat)) TH_LOG("%s", trace);
	free(trace);
	ConnectDetach(coid);
	ChannelDestroy(chid);
}

/* A tiny JSON syntax check: returns the end of the value at @p, or NULL. */
static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_container(const char *p, char close, bool object)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p);
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	char *end;

	p = json_ws(p);
	if (*p == '{')
		return json_container(p, '}', true);
	if (*p == '[')
		return json_container(p, ']', false);
	if (*p == '"')
		return json_string(p);
	if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	strtod(p, &end);
	return end == p ? NULL : end;
}

TEST(json_matches_view)
{
	char rbuf[8], pat[256], *view, *json, *line, *p;
	struct qt_client c;
	int chid, coid, rc, threads = 0;
	const char *end;

	chid = ChannelCreate(0);
	ASSERT_GT(chid, 0);
	coid = ConnectAttach(0, 0, chid, _NTO_SIDE_CHANNEL, 0);
	ASSERT_GE(coid, (int)_NTO_SIDE_CHANNEL);
	ASSERT_EQ(0, qt_client_send_blocked(&c, coid, "q", 2, rbuf, sizeof(rbuf)));

	rc = run_chanstat("--json", &json);
	if (rc == -ENOENT) {
		ChannelDestroy(chid);
		qt_client_join(&c);
		SKIP(return, "chanstat binary not found next to the test");
	}
	view = qt_read_file(QT_VIEW_PATH);
	ASSERT_NE(NULL, view);
	ASSERT_NE(NULL, json);
	EXPECT_EQ(0, rc);
	end = json_value(json);
	ASSERT_NE(NULL, end) TH_LOG("invalid JSON:\n%s", json);
	EXPECT_EQ('\0', *json_ws(end));
	EXPECT_NE(NULL, strstr(json, "\"version\": 1,"));
	/* Waiting on ourselves with the main thread free: a cycle, not a deadlock. */
	EXPECT_NE(NULL, strstr(json, "\"deadlock\": false")) TH_LOG("%s", json);
	EXPECT_EQ(NULL, strstr(json, "\"deadlock\": true")) TH_LOG("%s", json);

	/* Every thread of the view, with its identity and what it waits on. */
	for (p = view; (p = strstr(p, "\nthread ")); p++) {
		line = strndup(p + 1, strcspn(p + 1, "\n"));
		ASSERT_NE(NULL, line);
		snprintf(pat, sizeof(pat),
			 "{\"pid\": %ld, \"tid\": %ld, \"state\": \"%s\", \"chid\": %ld, \"server\": %ld,",
			 qt_view_field(line, "pid"), qt_view_field(line, "tid"),
			 strstr(line, "state=SEND") ? "SEND" :
			 strstr(line, "state=REPLY") ? "REPLY" : "RECEIVE",
			 qt_view_field(line, "chid"), qt_view_field(line, "server"));
		EXPECT_NE(NULL, strstr(json, pat)) TH_LOG("%s not in\n%s", pat, json);
		free(line);
		threads++;
	}
	EXPECT_LE(1, threads);
	snprintf(pat, sizeof(pat), "\"tid\": %d, \"state\": \"SEND\", \"chid\": %d", c.tid, chid);
	EXPECT_NE(NULL, strstr(json, pat)) TH_LOG("%s", json);
	snprintf(pat, sizeof(pat), "{\"pid\": %d, \"chid\": %d, \"flags\": 0,", getpid(), chid);
	EXPECT_NE(NULL, strstr(json, pat)) TH_LOG("%s", json);
	free(view);
	free(json);

	ChannelDestroy(chid);
	ASSERT_EQ(0, qt_client_join(&c));
	ConnectDetach(coid);
}

TEST_HARNESS_MAIN
