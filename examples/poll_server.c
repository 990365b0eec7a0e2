// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * poll_server: a single-threaded server whose one epoll loop serves a qchan
 * channel (through qchan_channel_fd()), a timerfd and a pipe.
 *
 * It forks its own client, which sends a few messages (MsgSend) and pulses
 * and writes lines into the pipe, then asks the server to quit.  The server
 * never blocks in MsgReceive: on EPOLLIN it takes what is queued with
 * qchan_msg_try_receive() until -EAGAIN.  Exits 0 when every message,
 * pulse and line arrived and the timer ticked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <qchan/libchan.h>
#include <sys/neutrino.h>

#define MESSAGES	3
#define PULSES		2
#define LINES		2
#define PULSE_CODE	5

static int client(pid_t server, int chid, int pipe_w)
{
	int coid = ConnectAttach(0, server, chid, _NTO_SIDE_CHANNEL, 0);
	char msg[32], reply[32];

	if (coid < 0) {
		perror("client: ConnectAttach");
		return 1;
	}
	for (int i = 1; i <= MESSAGES; i++) {
		snprintf(msg, sizeof(msg), "hello %d", i);
		if (MsgSend(coid, msg, strlen(msg) + 1, reply, sizeof(reply)) < 0) {
			perror("client: MsgSend");
			return 1;
		}
		printf("client: sent '%s', reply '%s'\n", msg, reply);
		if (i <= PULSES && MsgSendPulse(coid, -1, PULSE_CODE, i) < 0) {
			perror("client: MsgSendPulse");
			return 1;
		}
		if (i <= LINES && dprintf(pipe_w, "line %d\n", i) < 0)
			return 1;
		usleep(30000);	/* let the timer tick in between */
	}
	strcpy(msg, "quit");
	return MsgSend(coid, msg, sizeof("quit"), reply, sizeof(reply)) < 0;
}

/* Takes everything queued on @chid; returns 1 once "quit" came, -1 on error. */
static int drain_channel(int chid, int *messages, int *pulses)
{
	union {
		struct _pulse pulse;
		char text[64];
	} buf;
	int quit = 0;

	for (;;) {
		int rcvid = qchan_msg_try_receive(chid, &buf, sizeof(buf), NULL);

		if (rcvid == -EAGAIN)	/* all taken (maybe by nobody else: we are alone) */
			return quit;
		if (rcvid < 0) {
			fprintf(stderr, "server: receive: %s\n", strerror(-rcvid));
			return -1;
		}
		if (rcvid == 0) {
			printf("server: pulse code %d value %d\n", buf.pulse.code,
			       buf.pulse.value.sival_int);
			*pulses += buf.pulse.code == PULSE_CODE;
			continue;
		}
		buf.text[sizeof(buf.text) - 1] = '\0';
		printf("server: message '%s'\n", buf.text);
		if (!strcmp(buf.text, "quit"))
			quit = 1;
		else
			++*messages;
		MsgReply(rcvid, 0, "ok", 3);
	}
}

int main(void)
{
	struct itimerspec its = { .it_interval.tv_nsec = 20000000, .it_value.tv_nsec = 20000000 };
	int chid, chfd, tfd, ep, pipefd[2], messages = 0, pulses = 0, lines = 0, quit = 0;
	int fds[3];
	uint64_t ticks = 0;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	chid = ChannelCreate(0);
	if (chid < 0 || pipe2(pipefd, O_CLOEXEC)) {
		perror("server: ChannelCreate/pipe");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		_exit(client(getppid(), chid, pipefd[1]));
	}
	close(pipefd[1]);

	chfd = qchan_channel_fd(chid, QCHAN_CHFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (chfd < 0 || tfd < 0 || ep < 0 || timerfd_settime(tfd, 0, &its, NULL)) {
		fprintf(stderr, "server: setup failed (channel fd %d)\n", chfd);
		return 1;
	}
	fds[0] = chfd;
	fds[1] = tfd;
	fds[2] = pipefd[0];
	for (unsigned int i = 0; i < 3; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev))
			return 1;
	}

	while (!quit) {
		struct epoll_event evs[3];
		int n = epoll_wait(ep, evs, 3, 5000);

		if (n <= 0) {
			fprintf(stderr, "server: epoll_wait: %s\n", n ? strerror(errno) : "timeout");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == chfd) {
				quit = drain_channel(chid, &messages, &pulses);
				if (quit < 0)
					return 1;
			} else if (evs[i].data.fd == tfd) {
				uint64_t t;

				if (read(tfd, &t, sizeof(t)) == sizeof(t))
					ticks += t;
			} else {
				char line[64];
				ssize_t len = read(pipefd[0], line, sizeof(line) - 1);

				if (len > 0) {
					line[len] = '\0';
					lines += !!strstr(line, "line");
					printf("server: pipe: %s", line);
				}
			}
		}
	}
	/* Every line went in before the message after it, so the loop has seen it. */
	waitpid(pid, NULL, 0);
	printf("server: %d messages, %d pulses, %d pipe lines, %llu timer ticks\n",
	       messages, pulses, lines, (unsigned long long)ticks);
	ChannelDestroy(chid);
	return !(messages == MESSAGES && pulses == PULSES && lines == LINES && ticks > 0);
}
