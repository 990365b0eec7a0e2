// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * qnx_ticker_server: the QNX idiom for periodic work in a server loop,
 * written against QNX's headers only (<sys/neutrino.h>, <time.h>).
 *
 *	qnx_ticker_server [FILE]
 *
 * Creates an _NTO_CHF_UNBLOCK channel, publishes "pid chid" in FILE (as
 * qnx_server does) and arms a periodic timer whose expiry is a pulse on its
 * own channel (timer_create with a SIGEV_PULSE event): one receive loop
 * then handles messages, the timer's ticks and clients' pulses alike.
 *   TK_WAIT   the client stays REPLY-blocked until 'ticks' more ticks went by
 *   TK_COUNT  replies with the ticks so far
 *   TK_QUIT   replies EOK and exits
 * A client held by TK_WAIT that wants to leave (a signal, a TimerTimeout)
 * cannot while the server holds it: the kernel sends _PULSE_CODE_UNBLOCK
 * with its rcvid, and the server lets it go with MsgError(rcvid, EINTR).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/neutrino.h>

#include "qnx_ticker.h"

#define MAX_HELD	16

struct held {
	int rcvid;
	unsigned long until;	/* the tick count that releases it */
};

static struct held held[MAX_HELD];
static int nheld;
static unsigned long ticks;

static int publish(const char *path, int chid)
{
	char tmp[4096];
	FILE *f;

	printf("ticker: pid %d chid %d\n", (int)getpid(), chid);
	fflush(stdout);
	if (!path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d %d\n", (int)getpid(), chid) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static void release(int i, int error)
{
	if (error)
		MsgError(held[i].rcvid, error);
	else
		MsgReply(held[i].rcvid, (long)ticks, NULL, 0);
	held[i] = held[--nheld];
}

static void on_pulse(const struct _pulse *p, timer_t timer)
{
	int i;

	switch (p->code) {
	case TK_PULSE_TICK:
		ticks++;
		/* Ticks the loop was too slow to see are not lost: they are overruns. */
		ticks += (unsigned long)timer_getoverrun(timer);
		for (i = nheld - 1; i >= 0; i--)
			if (ticks >= held[i].until)
				release(i, EOK);
		break;
	case _PULSE_CODE_UNBLOCK:
		/* A held client wants to leave (its TimerTimeout expired, or a signal). */
		for (i = 0; i < nheld; i++) {
			if (held[i].rcvid == p->value.sival_int) {
				printf("ticker: rcvid %d asks to be unblocked at tick %lu: EINTR\n",
				       held[i].rcvid, ticks);
				release(i, EINTR);
				break;
			}
		}
		break;
	case TK_PULSE_HELLO:
		printf("ticker: hello pulse, value %d, at tick %lu\n", p->value.sival_int, ticks);
		break;
	default:
		break;
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct itimerspec its;
	struct sigevent ev;
	struct _msg_info info;
	union {
		uint16_t type;
		struct _pulse pulse;
		struct tk_msg msg;
	} m;
	timer_t timer;
	int chid, coid, rcvid;

	chid = ChannelCreate(_NTO_CHF_UNBLOCK);
	if (chid == -1) {
		perror("ticker: ChannelCreate");
		return 1;
	}
	/* The timer's pulses come in through a connection to our own channel. */
	coid = ConnectAttach(ND_LOCAL_NODE, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		perror("ticker: ConnectAttach");
		return 1;
	}
	SIGEV_PULSE_INIT(&ev, coid, SIGEV_PULSE_PRIO_INHERIT, TK_PULSE_TICK, 0);
	if (timer_create(CLOCK_MONOTONIC, &ev, &timer) == -1) {
		perror("ticker: timer_create");
		return 1;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = TK_PERIOD_MS * 1000000L;
	its.it_interval.tv_nsec = TK_PERIOD_MS * 1000000L;
	if (timer_settime(timer, 0, &its, NULL) == -1) {
		perror("ticker: timer_settime");
		return 1;
	}
	if (publish(argc > 1 ? argv[1] : NULL, chid))
		return 1;

	for (;;) {
		rcvid = MsgReceive(chid, &m, sizeof(m), &info);
		if (rcvid == -1) {
			if (errno == EINTR)
				continue;
			perror("ticker: MsgReceive");
			return 1;
		}
		if (rcvid == 0) {
			on_pulse(&m.pulse, timer);
			continue;
		}
		if (info.msglen < (int)sizeof(m.msg)) {
			MsgError(rcvid, EBADMSG);
			continue;
		}
		switch (m.type) {
		case TK_WAIT:
			if (nheld == MAX_HELD) {
				MsgError(rcvid, EAGAIN);
				break;
			}
			held[nheld].rcvid = rcvid;
			held[nheld].until = ticks + m.msg.ticks;
			nheld++;
			printf("ticker: holding rcvid %d for %u ticks (tick %lu)\n", rcvid,
			       m.msg.ticks, ticks);
			break;
		case TK_COUNT:
			MsgReply(rcvid, (long)ticks, NULL, 0);
			break;
		case TK_QUIT:
			MsgReply(rcvid, EOK, NULL, 0);
			timer_delete(timer);
			printf("ticker: quitting at tick %lu\n", ticks);
			ChannelDestroy(chid);
			return 0;
		default:
			MsgError(rcvid, ENOSYS);
			break;
		}
		fflush(stdout);
	}
}
