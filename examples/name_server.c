// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * name_server: a QNX name server, written against QNX's headers only.
 *
 *	name_server
 *
 * Registers NS_NAME with name_attach() and runs QNX's classic receive loop:
 * _IO_CONNECT (what a global name_open() sends) is answered EOK, every other I/O
 * message ENOSYS, a _PULSE_CODE_DISCONNECT pulse (a client's name_close())
 * frees the client's scoid with ConnectDetach(), NS_HELLO gets a greeting
 * built from ConnectClientInfo(), and NS_QUIT ends the server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/dispatch.h>
#include <sys/iomsg.h>
#include <sys/neutrino.h>

#include "name_example.h"

typedef union {
	struct _pulse		pulse;
	uint16_t		type;
	struct _io_connect	connect;
	struct ns_msg		ns;
} recv_msg_t;

static struct _client_info client;	/* large (NGROUPS_MAX groups): not on the stack */

int main(void)
{
	struct ns_greeting greeting;
	struct _msg_info info;
	name_attach_t *attach;
	recv_msg_t msg;
	int rcvid;

	attach = name_attach(NULL, NS_NAME, 0);
	if (!attach) {
		fprintf(stderr, "server: name_attach %s: %s\n", NS_NAME, strerror(errno));
		return EXIT_FAILURE;
	}
	printf("server: pid %d attached \"%s\" (chid %d)\n", getpid(), NS_NAME, attach->chid);
	fflush(stdout);

	for (;;) {
		rcvid = MsgReceive(attach->chid, &msg, sizeof(msg), &info);
		if (rcvid == -1) {
			fprintf(stderr, "server: MsgReceive: %s\n", strerror(errno));
			break;
		}
		if (rcvid == 0) {
			switch (msg.pulse.code) {
			case _PULSE_CODE_DISCONNECT:
				printf("server: client scoid %#x disconnected\n", msg.pulse.scoid);
				ConnectDetach(msg.pulse.scoid);
				break;
			case _PULSE_CODE_UNBLOCK:
				break;
			default:
				printf("server: pulse code %d\n", msg.pulse.code);
				break;
			}
			fflush(stdout);
			continue;
		}
		if (msg.type == _IO_CONNECT) {
			printf("server: _IO_CONNECT from pid %d (scoid %#x)\n", info.pid, info.scoid);
			fflush(stdout);
			MsgReply(rcvid, EOK, NULL, 0);
			continue;
		}
		if (msg.type > _IO_BASE && msg.type <= _IO_MAX) {
			MsgError(rcvid, ENOSYS);
			continue;
		}
		switch (msg.type) {
		case NS_HELLO:
			if (ConnectClientInfo(info.scoid, &client, 0) == -1) {
				MsgError(rcvid, errno);
				break;
			}
			memset(&greeting, 0, sizeof(greeting));
			greeting.pid = client.pid;
			greeting.uid = (int32_t)client.cred.euid;
			greeting.value = msg.ns.value + 1;
			snprintf(greeting.text, sizeof(greeting.text), "hello, pid %d (uid %d)",
				 (int)client.pid, (int)client.cred.euid);
			MsgReply(rcvid, EOK, &greeting, sizeof(greeting));
			break;
		case NS_QUIT:
			printf("server: quit\n");
			MsgReply(rcvid, EOK, NULL, 0);
			name_detach(attach, 0);
			return EXIT_SUCCESS;
		default:
			MsgError(rcvid, ENOSYS);
			break;
		}
	}
	name_detach(attach, 0);
	return EXIT_FAILURE;
}
