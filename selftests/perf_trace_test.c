// SPDX-License-Identifier: GPL-2.0
/*
 * qchan's tracepoints read through perf, as docs/INTROSPECTION.md shows
 * them: `perf trace -e 'qchan:*'` (perf's own field printer and
 * --libtraceevent_print) and `perf record` + `perf script` around a few
 * MsgSend round trips name every send, receive and reply with the right
 * pids, rcvids and sizes.
 *
 * perf is Debian's linux-perf (perf 6.1; there is no 6.12 build), the host's
 * /usr/bin/perf that scripts/check copies into the guest as ./perf; the same
 * binary serves the 6.12 kernel.  The traced program is this binary run
 * again by perf with PERF_TRACE_WORKLOAD set: perf starts its workload only
 * once the events are on, so every round trip is in the trace without
 * sleeping or guessing when perf is ready.
 *
 * Always system-wide (-a; nothing else uses qchan meanwhile): events bound to
 * a task make perf switch on its context-switch hook, a static key patched
 * into __schedule(), and a vCPU of a multi-vCPU TCG guest sometimes runs into
 * the int3 of that live patch and oopses (seen on 6.12).
 */
#define _GNU_SOURCE
#include "qchan_test_util.h"
#include "kselftest_harness.h"

#define WORKLOAD_ENV	"PERF_TRACE_WORKLOAD"
#define FACTS_PATH	"/tmp/perf_trace_test.facts"
#define LOG_PATH	"/tmp/perf_trace_test.log"
#define OUT_PATH	"/tmp/perf_trace_test.out"
#define DATA_PATH	"/tmp/perf_trace_test.data"
#define ROUNDS		3
#define SLEN		24
#define RLEN		40
#define REPLY_LEN	8
#define STATUS		7

/* What the workload did: what the trace must show. */
struct facts {
	pid_t pid;		/* the client (main thread) */
	pid_t server_tid;	/* the receiving thread */
	int chid, coid, scoid;
	int rcvid[ROUNDS];
};

static void *server_fn(void *arg)
{
	struct facts *w = arg;
	struct _msg_info info;
	char buf[64];
	int i, rcvid;

	w->server_tid = qt_gettid();
	for (i = 0; i < ROUNDS; i++) {
		rcvid = MsgReceive(w->chid, buf, sizeof(buf), &info);
		if (rcvid <= 0)
			return NULL;
		w->rcvid[i] = rcvid;
		w->scoid = info.scoid;
		if (MsgReply(rcvid, STATUS, "replied", REPLY_LEN))
			return NULL;
	}
	return w;
}

/* The traced program: ROUNDS round trips to a thread of its own. */
static int workload(const char *path)
{
	struct facts w = { .pid = getpid() };
	char sbuf[SLEN] = "perf", rbuf[RLEN];
	void *ok = NULL;
	pthread_t th;
	FILE *f;
	int i;

	w.chid = ChannelCreate(0);
	if (w.chid <= 0)
		return 10;
	w.coid = ConnectAttach(0, 0, w.chid, _NTO_SIDE_CHANNEL, 0);
	if (w.coid < 0 || pthread_create(&th, NULL, server_fn, &w))
		return 11;
	for (i = 0; i < ROUNDS; i++)
		if (MsgSend(w.coid, sbuf, sizeof(sbuf), rbuf, sizeof(rbuf)) != STATUS)
			return 12;
	if (pthread_join(th, &ok) || !ok)
		return 13;
	f = fopen(path, "w");
	if (!f)
		return 14;
	fprintf(f, "%d %d %d %d %d", w.pid, w.server_tid, w.chid, w.coid, w.scoid);
	for (i = 0; i < ROUNDS; i++)
		fprintf(f, " %d", w.rcvid[i]);
	return fclose(f) ? 15 : 0;
}

/* Before the harness's main: this binary as perf's workload. */
__attribute__((constructor)) static void workload_main(void)
{
	const char *path = getenv(WORKLOAD_ENV);

	if (path)
		_exit(workload(path));
}

static const char *perf_path(void)
{
	static const char *const paths[] = { "./perf", "/usr/bin/perf", "/usr/local/bin/perf" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

#define NO_PERF	"no perf binary (./perf or /usr/bin/perf): scripts/check copies the host's " \
		"linux-perf, not into a guest under 512 MiB"

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static char *read_file(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Lines of @buf holding both @a and @b (@b may be NULL). */
static int count_lines(const char *buf, const char *a, const char *b)
{
	const char *p = buf, *end;
	int n = 0;

	while (*p) {
		const char *hit;

		end = strchrnul(p, '\n');
		hit = memmem(p, end - p, a, strlen(a));
		if (hit && (!b || memmem(p, end - p, b, strlen(b))))
			n++;
		p = *end ? end + 1 : end;
	}
	return n;
}

/*
 * Runs "perf @args -- <this binary>" (the workload) through the shell, perf's
 * output into LOG_PATH.  0 and the workload's @w, or perf's exit status.
 */
static int run_perf(const char *perf, const char *args, struct facts *w)
{
	char exe[256], cmd[768];
	ssize_t n;
	FILE *f;
	int st, i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -errno;
	exe[n] = '\0';
	unlink(FACTS_PATH);
	snprintf(cmd, sizeof(cmd), "%s=%s %s %s -- %s >%s 2>&1", WORKLOAD_ENV, FACTS_PATH, perf,
		 args, exe, LOG_PATH);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		return st == -1 ? -errno : st;
	f = fopen(FACTS_PATH, "r");
	if (!f)
		return -ENOENT;
	n = fscanf(f, "%d %d %d %d %d", &w->pid, &w->server_tid, &w->chid, &w->coid, &w->scoid);
	for (i = 0; i < ROUNDS && n == 5 + i; i++)
		n += fscanf(f, "%d", &w->rcvid[i]);
	fclose(f);
	return n == 5 + ROUNDS ? 0 : -EINVAL;
}

/*
 * perf trace's own printer: "comm/tid qchan:event(field: value, ...)", where
 * a field that is zero is left out (prio 0, the send direction, the inline
 * tier).
 */
TEST(perf_trace)
{
	char a[160], b[160], *log, *out;
	const char *perf = perf_path();
	struct facts w;
	int i;

	if (!perf)
		SKIP(return, NO_PERF);
	ASSERT_EQ(0, run_perf(perf, "trace -a -e 'qchan:*' -o " OUT_PATH, &w)) {
		log = read_file(LOG_PATH);
		TH_LOG("perf trace failed: %s", log ? log : "(no output)");
		free(log);
	}
	out = read_file(OUT_PATH);
	ASSERT_NE(NULL, out);

	snprintf(a, sizeof(a), "/%d qchan:qchan_copy_tier(len: %d)", w.pid, SLEN);
	EXPECT_EQ(ROUNDS, count_lines(out, a, NULL)) TH_LOG("want '%s' in:\n%s", a, out);
	snprintf(a, sizeof(a), "/%d qchan:qchan_send(server: %d, chid: %d, coid: %d, scoid: %d, ",
		 w.pid, w.pid, w.chid, w.coid, w.scoid);
	snprintf(b, sizeof(b), ", slen: %d, rlen: %d, kprio: ", SLEN, RLEN);
	EXPECT_EQ(ROUNDS, count_lines(out, a, b)) TH_LOG("want '%s' '%s' in:\n%s", a, b, out);
	for (i = 0; i < ROUNDS; i++) {
		snprintf(a, sizeof(a), "/%d qchan:qchan_receive(rcvid: %d, chid: %d, sender: %d, len: %d)",
			 w.server_tid, w.rcvid[i], w.chid, w.pid, SLEN);
		EXPECT_EQ(1, count_lines(out, a, NULL)) TH_LOG("want '%s' in:\n%s", a, out);
		snprintf(a, sizeof(a), "/%d qchan:qchan_reply(rcvid: %d, sender: %d, status: %d, len: %d)",
			 w.server_tid, w.rcvid[i], w.pid, STATUS, REPLY_LEN);
		EXPECT_EQ(1, count_lines(out, a, NULL)) TH_LOG("want '%s' in:\n%s", a, out);
	}
	snprintf(a, sizeof(a), "/%d qchan:qchan_copy_tier(dir: 1, len: %d)", w.server_tid,
		 REPLY_LEN);
	EXPECT_EQ(ROUNDS, count_lines(out, a, NULL)) TH_LOG("want '%s' in:\n%s", a, out);
	/* Nothing else happened: no error, no pulse, no unblock. */
	EXPECT_EQ(5 * ROUNDS, count_lines(out, " qchan:qchan_", NULL)) TH_LOG("%s", out);
	free(out);

	/* --libtraceevent_print: the events' own format, as ftrace prints them. */
	ASSERT_EQ(0, run_perf(perf, "trace -a --libtraceevent_print -e qchan:qchan_send -e qchan:qchan_reply -o "
			      OUT_PATH, &w));
	out = read_file(OUT_PATH);
	ASSERT_NE(NULL, out);
	snprintf(a, sizeof(a), "/%d qchan:qchan_send(", w.pid);
	snprintf(b, sizeof(b), "server=%d chid=%d coid=%d scoid=%d slen=%d rlen=%d prio=0 kprio=",
		 w.pid, w.chid, w.coid, w.scoid, SLEN, RLEN);
	EXPECT_EQ(ROUNDS, count_lines(out, a, b)) TH_LOG("want '%s' '%s' in:\n%s", a, b, out);
	for (i = 0; i < ROUNDS; i++) {
		snprintf(a, sizeof(a), "/%d qchan:qchan_reply(rcvid=%d sender=%d status=%d len=%d)",
			 w.server_tid, w.rcvid[i], w.pid, STATUS, REPLY_LEN);
		EXPECT_EQ(1, count_lines(out, a, NULL)) TH_LOG("want '%s' in:\n%s", a, out);
	}
	free(out);
}

/* perf record, then perf script: "comm tid [cpu] time: qchan:event: the event's format". */
TEST(perf_record_script)
{
	char a[160], b[160], *out;
	const char *perf = perf_path();
	struct facts w;
	char cmd[256];
	int i;

	if (!perf)
		SKIP(return, NO_PERF);
	ASSERT_EQ(0, run_perf(perf, "record -a -e qchan:qchan_send,qchan:qchan_receive,qchan:qchan_reply -o "
			      DATA_PATH, &w)) {
		out = read_file(LOG_PATH);
		TH_LOG("perf record failed: %s", out ? out : "(no output)");
		free(out);
	}
	snprintf(cmd, sizeof(cmd), "%s script -i %s >%s 2>%s", perf, DATA_PATH, OUT_PATH, LOG_PATH);
	ASSERT_EQ(0, system(cmd));
	out = read_file(OUT_PATH);
	ASSERT_NE(NULL, out);

	snprintf(a, sizeof(a), " %d [", w.pid);
	snprintf(b, sizeof(b),
		 " qchan:qchan_send: server=%d chid=%d coid=%d scoid=%d slen=%d rlen=%d prio=0 kprio=",
		 w.pid, w.chid, w.coid, w.scoid, SLEN, RLEN);
	EXPECT_EQ(ROUNDS, count_lines(out, a, b)) TH_LOG("want '%s' '%s' in:\n%s", a, b, out);
	snprintf(a, sizeof(a), " %d [", w.server_tid);
	for (i = 0; i < ROUNDS; i++) {
		snprintf(b, sizeof(b), " qchan:qchan_receive: rcvid=%d chid=%d sender=%d len=%d prio=0",
			 w.rcvid[i], w.chid, w.pid, SLEN);
		EXPECT_EQ(1, count_lines(out, a, b)) TH_LOG("want '%s' '%s' in:\n%s", a, b, out);
		snprintf(b, sizeof(b), " qchan:qchan_reply: rcvid=%d sender=%d status=%d len=%d",
			 w.rcvid[i], w.pid, STATUS, REPLY_LEN);
		EXPECT_EQ(1, count_lines(out, a, b)) TH_LOG("want '%s' '%s' in:\n%s", a, b, out);
	}
	EXPECT_EQ(3 * ROUNDS, count_lines(out, " qchan:qchan_", NULL)) TH_LOG("%s", out);
	free(out);
	unlink(DATA_PATH);
}

TEST_HARNESS_MAIN
