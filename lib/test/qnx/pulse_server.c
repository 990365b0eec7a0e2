// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A QNX-style pulse handler, written from QNX's documentation of struct
 * _pulse, struct sigevent and SIGEV_PULSE_INIT ("Getting Started with QNX
 * Neutrino": a timer that delivers a pulse to the server's own channel, and
 * the switch over msg.pulse.code of a receive loop).
 *
 * "make -C lib check" builds it with nothing but pkg-config's flags.  On
 * Linux, glibc's timer_create() refuses a SIGEV_PULSE event (EINVAL): qchan
 * pulses come from MsgSendPulse, timers cannot send them yet, so it runs only
 * as far as that.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/neutrino.h>
#include <sys/siginfo.h>

#define CODE_TIMER	(_PULSE_CODE_MINAVAIL + 1)
#define CODE_QUIT	(_PULSE_CODE_MINAVAIL + 2)

typedef union {
	struct _pulse	pulse;
	char		raw[64];
} message_t;

int main(void)
{
	struct itimerspec period;
	struct sigevent event;
	timer_t timer;
	message_t msg;
	int chid, coid, rcvid, ticks = 0;

	chid = ChannelCreate(_NTO_CHF_PRIVATE);
	if (chid == -1) {
		fprintf(stderr, "ChannelCreate: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	coid = ConnectAttach(ND_LOCAL_NODE, 0, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		fprintf(stderr, "ConnectAttach: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}

	SIGEV_PULSE_INIT(&event, coid, SIGEV_PULSE_PRIO_INHERIT, CODE_TIMER, 0);
	SIGEV_MAKE_UPDATEABLE(&event);
	if (SIGEV_GET_TYPE(&event) != SIGEV_PULSE)
		return EXIT_FAILURE;
	if (timer_create(CLOCK_MONOTONIC, &event, &timer) == -1) {
		fprintf(stderr, "timer_create: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	period.it_value.tv_sec = 1;
	period.it_value.tv_nsec = 0;
	period.it_interval = period.it_value;
	timer_settime(timer, 0, &period, NULL);

	for (;;) {
		rcvid = MsgReceive(chid, &msg, sizeof(msg), NULL);
		if (rcvid == -1) {
			fprintf(stderr, "MsgReceive: %s\n", strerror(errno));
			return EXIT_FAILURE;
		}
		if (rcvid != 0) {
			MsgError(rcvid, ENOSYS);	/* this server takes pulses only */
			continue;
		}
		switch (msg.pulse.code) {
		case CODE_TIMER:
			printf("tick %d (value %d)\n", ++ticks, msg.pulse.value.sival_int);
			break;
		case CODE_QUIT:
			timer_delete(timer);
			ConnectDetach(coid);
			ChannelDestroy(chid);
			return EXIT_SUCCESS;
		case _PULSE_CODE_UNBLOCK:
		case _PULSE_CODE_DISCONNECT:
		case _PULSE_CODE_THREADDEATH:
		case _PULSE_CODE_COIDDEATH:
			printf("system pulse %d from scoid %#x\n", msg.pulse.code,
			       (unsigned int)msg.pulse.scoid);
			break;
		default:
			printf("unexpected pulse %d\n", msg.pulse.code);
			break;
		}
	}
}
