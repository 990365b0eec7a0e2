// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * qnx_ticker_client: talks to qnx_ticker_server, QNX headers only.
 *
 *	qnx_ticker_client -f FILE	(FILE holds "PID CHID")
 *
 * Sends a pulse, waits 3 ticks of the server's timer (REPLY-blocked until
 * the server replies), then asks for 1000 ticks with a 300 ms TimerTimeout:
 * on the server's _NTO_CHF_UNBLOCK channel the timeout does not fail the
 * send, the server hears of it (_PULSE_CODE_UNBLOCK) and lets the client go
 * with EINTR.  Then it checks the tick count moved on and asks the server
 * to quit.  Exits 0 if everything went as described.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/neutrino.h>

#include "qnx_ticker.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long send_msg(int coid, uint16_t type, uint32_t ticks)
{
	struct tk_msg m = { .type = type, .ticks = ticks };

	return MsgSend(coid, &m, sizeof(m), NULL, 0);
}

int main(int argc, char **argv)
{
	int pid, chid, coid, ok = 1;
	long t0, t1;
	long long start, took;
	uint64_t timeout = 300 * 1000000ULL;
	FILE *f;

	if (argc != 3 || strcmp(argv[1], "-f") != 0) {
		fprintf(stderr, "usage: qnx_ticker_client -f FILE\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	if (!f || fscanf(f, "%d %d", &pid, &chid) != 2) {
		perror(argv[2]);
		return 2;
	}
	fclose(f);
	coid = ConnectAttach(ND_LOCAL_NODE, pid, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1) {
		perror("client: ConnectAttach");
		return 1;
	}

	if (MsgSendPulse(coid, -1, TK_PULSE_HELLO, 42) == -1) {
		perror("client: MsgSendPulse");
		ok = 0;
	}

	start = now_ms();
	t0 = send_msg(coid, TK_COUNT, 0);
	t1 = send_msg(coid, TK_WAIT, 3);
	took = now_ms() - start;
	printf("client: waited 3 ticks: tick %ld -> %ld in %lld ms (period %d ms)\n", t0, t1,
	       took, TK_PERIOD_MS);
	if (t0 < 0 || t1 < t0 + 3 || took < 2 * TK_PERIOD_MS) {
		printf("client: FAIL: the wait did not last 3 ticks\n");
		ok = 0;
	}

	/* A wait far too long: the timeout asks the server to let us go. */
	start = now_ms();
	TimerTimeout(CLOCK_MONOTONIC, _NTO_TIMEOUT_REPLY, NULL, &timeout, NULL);
	t1 = send_msg(coid, TK_WAIT, 1000);
	took = now_ms() - start;
	printf("client: 1000-tick wait with a 300 ms timeout: %s after %lld ms\n",
	       t1 == -1 ? strerror(errno) : "replied", took);
	if (t1 != -1 || errno != EINTR || took < 300) {
		printf("client: FAIL: expected EINTR from the server's unblock handling\n");
		ok = 0;
	}

	t1 = send_msg(coid, TK_COUNT, 0);
	printf("client: tick count now %ld\n", t1);
	if (t1 < t0 + 3 + 300 / TK_PERIOD_MS / 2) {
		printf("client: FAIL: the ticks did not keep coming\n");
		ok = 0;
	}
	if (send_msg(coid, TK_QUIT, 0) == -1) {
		perror("client: TK_QUIT");
		ok = 0;
	}
	ConnectDetach(coid);
	printf("client: %s\n", ok ? "all as expected" : "FAILED");
	return ok ? 0 : 1;
}
