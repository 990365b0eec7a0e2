// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host-side check of libchan without the qchan module: with no /dev/qchan,
 * every call must fail cleanly -- -1 and errno ENOENT for the QNX calls,
 * -ENOENT with errno untouched for the _r calls and the native API -- and
 * argument checks done in the library must come first where they do not
 * need the kernel.  Run by "make -C lib check" on a machine without the
 * module (it skips if /dev/qchan exists).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>
#include <sys/dispatch.h>

static int failures, checks;

#define ERRNO_CANARY	4242

/* A QNX call: returns -1 with errno @err. */
#define CHECK_QNX(call, err)							\
	do {									\
		long ret_;							\
		errno = 0;							\
		ret_ = (long)(call);						\
		checks++;							\
		if (ret_ != -1 || errno != (err)) {				\
			printf("not ok %d %s: got %ld errno %d (%s), want -1 errno %d\n", \
			       checks, #call, ret_, errno, strerror(errno), (err)); \
			failures++;						\
		} else {							\
			printf("ok %d %s\n", checks, #call);			\
		}								\
	} while (0)

/* An _r or native call: returns -@err, errno left alone. */
#define CHECK_R(call, err)							\
	do {									\
		long ret_;							\
		errno = ERRNO_CANARY;						\
		ret_ = (long)(call);						\
		checks++;							\
		if (ret_ != -(long)(err) || errno != ERRNO_CANARY) {		\
			printf("not ok %d %s: got %ld errno %d, want %ld errno untouched\n", \
			       checks, #call, ret_, errno, -(long)(err));	\
			failures++;						\
		} else {							\
			printf("ok %d %s\n", checks, #call);			\
		}								\
	} while (0)

/* A value: @got must equal @want. */
#define CHECK_EQ(what, got, want)						\
	do {									\
		long long got_ = (long long)(got), want_ = (long long)(want);	\
		checks++;							\
		if (got_ != want_) {						\
			printf("not ok %d %s: got %lld, want %lld\n", checks, what, got_, want_); \
			failures++;						\
		} else {							\
			printf("ok %d %s\n", checks, what);			\
		}								\
	} while (0)

static void on_alarm(int sig)
{
	(void)sig;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * TimerTimeout as QNX's kernel does it (openqnx ker_timer.c, QNX's library
 * reference): it returns the flags of a timeout armed before and not used;
 * _NTO_TIMEOUT_NANOSLEEP sleeps at once and only then is otime written (the
 * time left when a signal handler ended the sleep).  No kernel needed.
 */
static void timeout_checks(void)
{
	uint64_t ns = 1000000000, otime = 777, abs;
	struct sigaction sa;
	struct itimerval it;
	int64_t t0;
	int ret;

	CHECK_EQ("TimerTimeout: nothing armed before", TimerTimeout(CLOCK_MONOTONIC,
		 _NTO_TIMEOUT_RECEIVE, NULL, &ns, &otime), 0);
	CHECK_EQ("TimerTimeout: otime untouched without NANOSLEEP", otime, 777);
	CHECK_EQ("TimerTimeout: returns the RECEIVE armed before", TimerTimeout(CLOCK_MONOTONIC,
		 _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY, NULL, &ns, NULL), _NTO_TIMEOUT_RECEIVE);
	CHECK_EQ("TimerTimeout_r: returns SEND|REPLY", TimerTimeout_r(CLOCK_REALTIME, 0, NULL,
		 NULL, NULL), _NTO_TIMEOUT_SEND | _NTO_TIMEOUT_REPLY);
	CHECK_EQ("TimerTimeout: 0 disarmed", TimerTimeout(CLOCK_MONOTONIC, 0, NULL, NULL, NULL), 0);

	/* A full sleep: 0, at least the time asked. */
	ns = 20000000;
	t0 = mono_ns();
	CHECK_EQ("NANOSLEEP 20 ms", TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_NANOSLEEP, NULL,
		 &ns, &otime), 0);
	CHECK_EQ("NANOSLEEP slept 20 ms", mono_ns() - t0 >= 20000000, 1);
	CHECK_EQ("NANOSLEEP: otime untouched after a full sleep", otime, 777);
	CHECK_EQ("NANOSLEEP without ntime: no sleep", TimerTimeout_r(CLOCK_MONOTONIC,
		 _NTO_TIMEOUT_NANOSLEEP, NULL, NULL, NULL), 0);

	/* A signal handler ends it: EINTR, what was left in otime. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 50000;
	setitimer(ITIMER_REAL, &it, NULL);
	ns = 5000000000ULL;
	errno = 0;
	ret = TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_NANOSLEEP, NULL, &ns, &otime);
	CHECK_EQ("NANOSLEEP interrupted: -1", ret, -1);
	CHECK_EQ("NANOSLEEP interrupted: EINTR", errno, EINTR);
	CHECK_EQ("NANOSLEEP interrupted: otime = what was left",
		 otime > 1000000000ULL && otime < 5000000000ULL, 1);
	/* The same with an absolute time, through the _r call. */
	abs = (uint64_t)mono_ns() + 5000000000ULL;
	otime = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	errno = ERRNO_CANARY;
	ret = TimerTimeout_r(CLOCK_MONOTONIC, _NTO_TIMEOUT_NANOSLEEP | TIMER_ABSTIME, NULL, &abs,
			     &otime);
	CHECK_EQ("NANOSLEEP|TIMER_ABSTIME interrupted: -EINTR, errno untouched",
		 ret == -EINTR && errno == ERRNO_CANARY, 1);
	CHECK_EQ("NANOSLEEP|TIMER_ABSTIME: otime = what was left",
		 otime > 1000000000ULL && otime < 5000000000ULL, 1);
	signal(SIGALRM, SIG_DFL);
}

/* ClockPeriod: clock_getres()'s resolution; a new period is refused. */
static void clock_period_checks(void)
{
	struct _clockperiod old = { 12345, 1 }, np = { 1000000, 0 };
	struct timespec res;

	clock_getres(CLOCK_REALTIME, &res);
	CHECK_EQ("ClockPeriod(CLOCK_REALTIME, NULL, &old, 0)",
		 ClockPeriod(CLOCK_REALTIME, NULL, &old, 0), 0);
	CHECK_EQ("ClockPeriod: clock_getres()'s resolution",
		 old.nsec == (unsigned long)res.tv_nsec && old.fract == 0, 1);
	CHECK_QNX(ClockPeriod(CLOCK_REALTIME, &np, NULL, 0), EPERM);
	CHECK_R(ClockPeriod_r(CLOCK_REALTIME, NULL, &old, 1), EINVAL);
	CHECK_R(ClockPeriod_r((clockid_t)4242, NULL, &old, 0), EINVAL);
}

int main(void)
{
	struct stat st;
	char buf[16] = "hello";
	iov_t iov[2];
	struct _msg_info info;
	struct qchan_msg_info qinfo;
	struct qchan_features feat;
	static struct _client_info client_info;	/* NGROUPS_MAX groups: not on the stack */
	long status;
	int rr;

	if (stat("/dev/qchan", &st) == 0) {
		printf("1..0 # SKIP /dev/qchan exists: this test is for machines without the module\n");
		return 0;
	}
	SETIOV(&iov[0], buf, 5);
	SETIOV(&iov[1], buf + 5, sizeof(buf) - 5);

	{
		struct sigevent ev;
		struct _itimer it = { 1000000, 0 };

		memset(&ev, 0, sizeof(ev));
		SIGEV_PULSE_INIT(&ev, _NTO_SIDE_CHANNEL, -1, 1, 0);
		CHECK_QNX(TimerCreate(CLOCK_MONOTONIC, &ev), ENOENT);
		CHECK_R(TimerCreate_r(CLOCK_MONOTONIC, &ev), ENOENT);
		CHECK_QNX(TimerSettime(0, 0, &it, NULL), ENOENT);
		CHECK_R(TimerSettime_r(0, 0, &it, NULL), ENOENT);
		CHECK_QNX(TimerDestroy(0), ENOENT);
		CHECK_R(TimerDestroy_r(0), ENOENT);
	}
	CHECK_QNX(ChannelCreate(0), ENOENT);
	CHECK_R(ChannelCreate_r(0), ENOENT);
	CHECK_QNX(ChannelDestroy(1), ENOENT);
	CHECK_R(ChannelDestroy_r(1), ENOENT);
	CHECK_QNX(ConnectAttach(0, 0, 1, _NTO_SIDE_CHANNEL, 0), ENOENT);
	CHECK_R(ConnectAttach_r(0, 0, 1, _NTO_SIDE_CHANNEL, 0), ENOENT);
	CHECK_QNX(ConnectAttach(0, 0, 1, 0, _NTO_COF_CLOEXEC), ENOENT);
	CHECK_R(ConnectAttach_r(0, 0, 1, 0, _NTO_COF_CLOEXEC), ENOENT);
	CHECK_QNX(ConnectDetach(_NTO_SIDE_CHANNEL), ENOENT);
	CHECK_R(ConnectDetach_r(_NTO_SIDE_CHANNEL), ENOENT);
	CHECK_QNX(ConnectDetach(0), ENOENT);
	CHECK_R(ConnectDetach_r(0), ENOENT);
	CHECK_QNX(ConnectFlags(0, 0, _NTO_COF_CLOEXEC, 0), ENOENT);
	CHECK_R(ConnectFlags_r(0, 0, _NTO_COF_CLOEXEC, 0), ENOENT);
	CHECK_QNX(ConnectClientInfo(-1, &client_info, 0), ENOENT);
	CHECK_R(ConnectClientInfo_r(-1, &client_info, 0), ENOENT);
	CHECK_QNX(ConnectServerInfo(0, 0, &info), ENOENT);
	CHECK_R(ConnectServerInfo_r(0, 0, &info), ENOENT);
	CHECK_QNX(name_attach(NULL, "nodev", 0) ? 0 : -1, ENOENT);
	CHECK_QNX(name_open("nodev", 0), ENOENT);
	CHECK_R(qchan_name_attach("nodev", 1, 0), ENOENT);
	CHECK_R(qchan_name_list(NULL, 0, NULL), ENOENT);

	CHECK_QNX(MsgSend(_NTO_SIDE_CHANNEL, buf, 5, buf, sizeof(buf)), ENOENT);
	CHECK_R(MsgSend_r(_NTO_SIDE_CHANNEL, buf, 5, buf, sizeof(buf)), ENOENT);
	CHECK_QNX(MsgSendnc(_NTO_SIDE_CHANNEL, buf, 5, buf, sizeof(buf)), ENOENT);
	CHECK_R(MsgSendnc_r(_NTO_SIDE_CHANNEL, buf, 5, buf, sizeof(buf)), ENOENT);
	CHECK_QNX(MsgSendv(_NTO_SIDE_CHANNEL, iov, 2, iov, 2), ENOENT);
	CHECK_R(MsgSendv_r(_NTO_SIDE_CHANNEL, iov, 2, iov, 2), ENOENT);
	CHECK_QNX(MsgSendvnc(_NTO_SIDE_CHANNEL, iov, 2, iov, 2), ENOENT);
	CHECK_R(MsgSendvnc_r(_NTO_SIDE_CHANNEL, iov, 2, iov, 2), ENOENT);
	CHECK_QNX(MsgSendsv(_NTO_SIDE_CHANNEL, buf, 5, iov, 2), ENOENT);
	CHECK_R(MsgSendsv_r(_NTO_SIDE_CHANNEL, buf, 5, iov, 2), ENOENT);
	CHECK_QNX(MsgSendsvnc(_NTO_SIDE_CHANNEL, buf, 5, iov, 2), ENOENT);
	CHECK_R(MsgSendsvnc_r(_NTO_SIDE_CHANNEL, buf, 5, iov, 2), ENOENT);
	CHECK_QNX(MsgSendvs(_NTO_SIDE_CHANNEL, iov, 2, buf, sizeof(buf)), ENOENT);
	CHECK_R(MsgSendvs_r(_NTO_SIDE_CHANNEL, iov, 2, buf, sizeof(buf)), ENOENT);
	CHECK_QNX(MsgSendvsnc(_NTO_SIDE_CHANNEL, iov, 2, buf, sizeof(buf)), ENOENT);
	CHECK_R(MsgSendvsnc_r(_NTO_SIDE_CHANNEL, iov, 2, buf, sizeof(buf)), ENOENT);

	CHECK_QNX(MsgReceive(1, buf, sizeof(buf), &info), ENOENT);
	CHECK_R(MsgReceive_r(1, buf, sizeof(buf), &info), ENOENT);
	CHECK_QNX(MsgReceivev(1, iov, 2, NULL), ENOENT);
	CHECK_R(MsgReceivev_r(1, iov, 2, NULL), ENOENT);
	CHECK_QNX(MsgReply(1, 0, buf, 5), ENOENT);
	CHECK_R(MsgReply_r(1, 0, buf, 5), ENOENT);
	CHECK_QNX(MsgReplyv(1, 0, iov, 2), ENOENT);
	CHECK_R(MsgReplyv_r(1, 0, iov, 2), ENOENT);
	CHECK_QNX(MsgError(1, EINVAL), ENOENT);
	CHECK_R(MsgError_r(1, EINVAL), ENOENT);
	CHECK_QNX(MsgRead(1, buf, sizeof(buf), 0), ENOENT);
	CHECK_R(MsgRead_r(1, buf, sizeof(buf), 0), ENOENT);
	CHECK_QNX(MsgReadv(1, iov, 2, 3), ENOENT);
	CHECK_R(MsgReadv_r(1, iov, 2, 3), ENOENT);
	CHECK_QNX(MsgWrite(1, buf, 5, 0), ENOENT);
	CHECK_R(MsgWrite_r(1, buf, 5, 0), ENOENT);
	CHECK_QNX(MsgWritev(1, iov, 2, 7), ENOENT);
	CHECK_R(MsgWritev_r(1, iov, 2, 7), ENOENT);
	CHECK_QNX(MsgInfo(1, &info), ENOENT);
	CHECK_R(MsgInfo_r(1, &info), ENOENT);
	CHECK_QNX(MsgReplyReceive(1, 0, iov, 1, 1, iov, 2, &info), ENOENT);
	CHECK_R(MsgReplyReceive_r(0, 0, NULL, 0, 1, iov, 2, &info), ENOENT);

	CHECK_R(qchan_context_fd(), ENOENT);
	CHECK_R(qchan_get_features(&feat), ENOENT);
	CHECK_R(qchan_channel_create(QCHAN_CHF_PUBLIC), ENOENT);
	CHECK_R(qchan_channel_destroy(1), ENOENT);
	CHECK_R(qchan_channel_fd(1, QCHAN_CHFD_CLOEXEC), ENOENT);
	CHECK_R(qchan_connect_attach(0, 0, 1, 0, QCHAN_COF_SIDE_CHANNEL), ENOENT);
	CHECK_R(qchan_connect_detach(QCHAN_SIDE_CHANNEL), ENOENT);
	CHECK_R(qchan_connect_query(3, NULL), ENOENT);
	CHECK_R(qchan_msg_send(QCHAN_SIDE_CHANNEL, buf, 5, buf, 5, &status), ENOENT);
	CHECK_R(qchan_msg_sendv(QCHAN_SIDE_CHANNEL, iov, 2, iov, 2, NULL), ENOENT);
	CHECK_R(qchan_msg_receive(1, buf, 5, &qinfo), ENOENT);
	CHECK_R(qchan_msg_receivev(1, iov, 2, NULL), ENOENT);
	CHECK_R(qchan_msg_try_receivev(1, iov, 2, NULL), ENOENT);
	CHECK_R(qchan_msg_reply(1, 3, buf, 5), ENOENT);
	CHECK_R(qchan_msg_replyv(1, 3, iov, 2), ENOENT);
	CHECK_R(qchan_msg_error(1, ENOSYS), ENOENT);
	CHECK_R(qchan_msg_read(1, buf, 5, 0), ENOENT);
	CHECK_R(qchan_msg_readv(1, iov, 2, 0), ENOENT);
	CHECK_R(qchan_msg_write(1, buf, 5, 0), ENOENT);
	CHECK_R(qchan_msg_writev(1, iov, 2, 0), ENOENT);
	CHECK_R(qchan_msg_info(1, &qinfo), ENOENT);
	CHECK_R(qchan_msg_reply_receive(1, 0, iov, 1, 1, iov, 2, &qinfo, &rr), ENOENT);

	/* ConnectAttach checks its QNX flags before it needs a context; ConnectFlags does not. */
	CHECK_QNX(ConnectAttach(0, 0, 1, 0, _NTO_COF_NOSHARE), EINVAL);
	CHECK_R(ConnectAttach_r(0, 0, 1, 0, 0x80), EINVAL);
	CHECK_QNX(ConnectFlags(0, 0, 0x2, 0), ENOENT);

	/* TimerTimeout needs no kernel: it checks its arguments and arms the next call. */
	CHECK_QNX(TimerTimeout(CLOCK_PROCESS_CPUTIME_ID, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL),
		  EINVAL);
	CHECK_R(TimerTimeout_r(CLOCK_MONOTONIC, 1 << 13, NULL, NULL, NULL), EINVAL);
	CHECK_R(TimerTimeout_r(CLOCK_MONOTONIC, _NTO_TIMEOUT_RECEIVE, NULL, NULL, NULL), 0);
	CHECK_QNX(MsgReceive(1, buf, 5, &info), ENOENT);
	CHECK_R(TimerTimeout_r(CLOCK_REALTIME, _NTO_TIMEOUT_SEND | TIMER_ABSTIME, NULL, NULL,
			       NULL), 0);
	CHECK_R(MsgSend_r(QCHAN_SIDE_CHANNEL, buf, 5, buf, 5), ENOENT);

	/* A second attempt re-tries the open (no cached failure). */
	CHECK_QNX(ChannelCreate(0), ENOENT);
	CHECK_R(qchan_context_fd(), ENOENT);

	/* The header's constants are QNX's. */
	checks++;
	if (_NTO_SIDE_CHANNEL != 0x40000000u || ESRVRFAULT != 312 || EOK != 0 ||
	    sizeof(struct _msg_info) != 48 || _NTO_CHF_PRIVATE != 0x1000u ||
	    _NTO_TIMEOUT_SEND != 0x10 || _NTO_TIMEOUT_RECEIVE != 0x20 ||
	    _NTO_TIMEOUT_REPLY != 0x40 || _NTO_TIMEOUT_JOIN != 0x8000 ||
	    _PULSE_CODE_UNBLOCK != -32 || _NTO_MI_UNBLOCK_REQ != 0x100) {
		printf("not ok %d constants\n", checks);
		failures++;
	} else {
		printf("ok %d constants\n", checks);
	}
	checks++;
	SETIOV(&iov[0], buf, 3);
	if (GETIOVBASE(&iov[0]) != buf || GETIOVLEN(&iov[0]) != 3) {
		printf("not ok %d SETIOV/GETIOV*\n", checks);
		failures++;
	} else {
		printf("ok %d SETIOV/GETIOV*\n", checks);
	}
	timeout_checks();
	clock_period_checks();
	/* TAP allows the plan last. */
	printf("1..%d\n", checks);
	printf("# %d failed of %d\n", failures, checks);
	return failures ? 1 : 0;
}
