// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * name_client: the client of name_server, written against QNX's headers only.
 *
 *	name_client [-q]
 *
 * Finds the server by name with name_open() (waiting up to 10 s for it to
 * appear), says hello, checks that an I/O message it does not handle gets
 * ENOSYS, closes with name_close().  -q then opens the name again and asks
 * the server to quit.  Exits 0 only if every answer was right.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#include "name_example.h"

static int failures;

static void check(int ok, const char *what)
{
	if (!ok)
		failures++;
	printf("client: %s: %s\n", ok ? "ok" : "FAILED", what);
}

/* name_open, retrying while the name does not exist yet. */
static int open_server(void)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int coid, tries;

	for (tries = 0; tries < 100; tries++) {
		coid = name_open(NS_NAME, 0);
		if (coid != -1 || errno != ENOENT)
			return coid;
		nanosleep(&pause, NULL);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct ns_msg msg = { .type = NS_HELLO, .value = 41 };
	struct ns_greeting greeting;
	struct _server_info si;
	struct _io_read rd;
	int coid, quit = argc > 1 && !strcmp(argv[1], "-q");

	coid = open_server();
	if (coid == -1) {
		fprintf(stderr, "client: name_open %s: %s\n", NS_NAME, strerror(errno));
		return EXIT_FAILURE;
	}
	printf("client: name_open(\"%s\") = coid %#x\n", NS_NAME, coid);
	check(coid > (int)_NTO_SIDE_CHANNEL, "a side-channel coid above _NTO_SIDE_CHANNEL");
	check(ConnectServerInfo(0, coid, &si) == coid, "ConnectServerInfo finds the connection");
	printf("client: the server is pid %d, chid %d\n", si.pid, si.chid);

	memset(&greeting, 0, sizeof(greeting));
	if (MsgSend(coid, &msg, sizeof(msg), &greeting, sizeof(greeting)) == -1) {
		printf("client: NS_HELLO: %s\n", strerror(errno));
		check(0, "NS_HELLO");
	} else {
		printf("client: server says \"%s\"\n", greeting.text);
		check(greeting.pid == getpid() && greeting.uid == (int32_t)geteuid() &&
		      greeting.value == 42, "the server knows who is asking");
	}

	memset(&rd, 0, sizeof(rd));
	rd.type = _IO_READ;
	check(MsgSend(coid, &rd, sizeof(rd), NULL, 0) == -1 && errno == ENOSYS,
	      "an unhandled I/O message gets ENOSYS");
	check(name_close(coid) == 0, "name_close");

	if (quit) {
		coid = open_server();
		msg.type = NS_QUIT;
		check(coid != -1 && MsgSend(coid, &msg, sizeof(msg), NULL, 0) == 0,
		      "the server accepts NS_QUIT");
		if (coid != -1)
			name_close(coid);
	}
	printf("client: %s\n", failures ? "FAILED" : "all answers right");
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
