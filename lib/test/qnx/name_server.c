// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A QNX-style server, written from QNX's documentation of MsgReceive,
 * struct _pulse and the name_attach() receive loop, in the form QNX
 * programs take: one receive buffer whose first member is a struct _pulse
 * header, decoded by msg.hdr.type and msg.hdr.code.  It registers its name
 * with name_attach(), as QNX's example does, and prints the pid and chid a
 * client could also pass to ConnectAttach.
 *
 * "make -C lib check" builds it with nothing but pkg-config's flags, to
 * prove that such a program compiles and links unchanged; running it needs
 * the qchan module.
 */
#include <errno.h>
#include <process.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/dispatch.h>
#include <sys/iofunc.h>
#include <sys/neutrino.h>

#define MSG_GET_COUNT	(_IO_MAX + 1)	/* own messages lie outside the I/O range */
#define MSG_ADD		(_IO_MAX + 2)

typedef struct _pulse msg_header_t;

typedef struct {
	msg_header_t	hdr;
	int		data;
} my_data_t;

typedef union {
	msg_header_t	hdr;
	my_data_t	mine;
	io_read_t	read;
	io_write_t	write;
} server_msg_t;

int main(void)
{
	struct _msg_info info;
	server_msg_t msg;
	name_attach_t *attach;
	int chid, rcvid, count = 0;

	attach = name_attach(NULL, "name_server", 0);
	if (!attach) {
		fprintf(stderr, "name_attach: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	chid = attach->chid;
	printf("server: pid %d chid %d\n", getpid(), chid);

	for (;;) {
		rcvid = MsgReceive(chid, &msg, sizeof(msg), &info);
		if (rcvid == -1) {
			fprintf(stderr, "MsgReceive: %s\n", strerror(errno));
			break;
		}

		if (rcvid == 0) {
			switch (msg.hdr.code) {
			case _PULSE_CODE_DISCONNECT:
				/* The client is gone: drop our side of its connection. */
				ConnectDetach(msg.hdr.scoid);
				break;
			case _PULSE_CODE_UNBLOCK:
				/* A client wants out of REPLY-blocked: let it go. */
				MsgError(msg.hdr.value.sival_int, EINTR);
				break;
			default:
				printf("server: pulse code %d\n", msg.hdr.code);
				break;
			}
			continue;
		}

		/* name_open() sends a connect message first: accept it. */
		if (msg.hdr.type == _IO_CONNECT) {
			MsgReply(rcvid, EOK, NULL, 0);
			continue;
		}

		/* Any other I/O message: we are not a resource manager. */
		if (msg.hdr.type > _IO_BASE && msg.hdr.type <= _IO_MAX) {
			MsgError(rcvid, ENOSYS);
			continue;
		}

		switch (msg.hdr.type) {
		case MSG_ADD:
			if (info.srcmsglen < (int)sizeof(my_data_t)) {
				MsgError(rcvid, EBADMSG);
				break;
			}
			count += msg.mine.data;
			MsgReply(rcvid, EOK, &count, sizeof(count));
			break;
		case MSG_GET_COUNT:
			MsgReply(rcvid, EOK, &count, sizeof(count));
			break;
		default:
			MsgError(rcvid, ENOSYS);
			break;
		}
	}

	name_detach(attach, 0);
	return EXIT_FAILURE;
}
