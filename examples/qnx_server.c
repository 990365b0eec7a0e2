// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * qnx_server: a QNX Neutrino message-passing server, written against the QNX
 * API only (<sys/neutrino.h>), as it would be on QNX.
 *
 *	qnx_server [-p] [FILE]
 *
 * Creates a channel and publishes "pid chid" on stdout and, atomically, in
 * FILE (the client's way to find it without a name service), then serves:
 *   EX_UPPER    replies with the text in upper case
 *   EX_SUM      replies with the sum of the values (MsgError EINVAL if the
 *               count does not match the message length)
 *   EX_REVERSE  receives only the header, MsgReads the payload piece by
 *               piece and MsgWrites it reversed into the client's reply
 *               buffer; replies with the payload's checksum
 *   EX_QUIT     replies EOK and exits
 *   anything else: MsgError ENOSYS
 *
 * Only processes of the server's euid (or with CAP_SYS_ADMIN) may connect,
 * unless -p: the channel is created with QCHAN_CHF_PUBLIC, qchan's one
 * addition to the QNX API here (QNX itself checks no uid), and any user may.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/neutrino.h>
#include <linux/qchan.h>

#include "qnx_example.h"

#define CHUNK	4096

static int publish(const char *path, int chid)
{
	char tmp[4096];
	FILE *f;

	printf("server: pid %d chid %d\n", (int)getpid(), chid);
	fflush(stdout);
	if (!path)
		return 0;
	/* Write then rename: a client polling for the file never reads half of it. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d %d\n", (int)getpid(), chid) < 0 || fclose(f) != 0) {
		perror(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static void do_upper(int rcvid, struct ex_upper *msg, const struct _msg_info *info)
{
	size_t len = (size_t)info->msglen - sizeof(msg->hdr);
	size_t i;

	if (len > EX_TEXT_MAX || msg->hdr.len != len) {
		MsgError(rcvid, EINVAL);
		return;
	}
	for (i = 0; i < len; i++)
		msg->text[i] = (char)toupper((unsigned char)msg->text[i]);
	if (MsgReply(rcvid, (long)len, msg->text, len) == -1)
		perror("server: MsgReply");
}

static void do_sum(int rcvid, const struct ex_sum *msg, const struct _msg_info *info)
{
	size_t count = msg->hdr.len / sizeof(msg->values[0]);
	int64_t sum = 0;
	size_t i;

	if (msg->hdr.len % sizeof(msg->values[0]) || count > EX_SUM_MAX ||
	    (size_t)info->msglen != sizeof(msg->hdr) + msg->hdr.len) {
		printf("server: EX_SUM: %u bytes of values in a %d-byte message: EINVAL\n",
		       msg->hdr.len, info->msglen);
		MsgError(rcvid, EINVAL);
		return;
	}
	for (i = 0; i < count; i++)
		sum += msg->values[i];
	if (MsgReply(rcvid, (long)count, &sum, sizeof(sum)) == -1)
		perror("server: MsgReply");
}

/*
 * The payload can be far bigger than anything the server buffers: read it
 * from the client's send buffer a chunk at a time and write each chunk,
 * reversed, to the mirrored place in the client's reply buffer.
 */
static void do_reverse(int rcvid, const struct ex_hdr *hdr, const struct _msg_info *info)
{
	unsigned char in[CHUNK], out[CHUNK];
	size_t total = hdr->len, done = 0, i;
	uint32_t sum = 5381;

	if ((size_t)info->srcmsglen != sizeof(*hdr) + total ||
	    (size_t)info->dstmsglen < total) {
		MsgError(rcvid, EMSGSIZE);
		return;
	}
	while (done < total) {
		size_t want = total - done < CHUNK ? total - done : CHUNK;
		ssize_t n = MsgRead(rcvid, in, want, sizeof(*hdr) + done);

		if (n != (ssize_t)want) {
			fprintf(stderr, "server: MsgRead at %zu: %zd (%s)\n", done, n,
				n < 0 ? strerror(errno) : "short");
			MsgError(rcvid, EIO);
			return;
		}
		sum = (uint32_t)ex_checksum(in, want, sum);
		for (i = 0; i < want; i++)
			out[want - 1 - i] = in[i];
		n = MsgWrite(rcvid, out, want, total - done - want);
		if (n != (ssize_t)want) {
			fprintf(stderr, "server: MsgWrite: %zd (%s)\n", n,
				n < 0 ? strerror(errno) : "short");
			MsgError(rcvid, EIO);
			return;
		}
		done += want;
	}
	/* The data is already in place: the reply carries only the status. */
	if (MsgReply(rcvid, (long)sum, NULL, 0) == -1)
		perror("server: MsgReply");
}

int main(int argc, char **argv)
{
	union ex_recv msg;
	struct _msg_info info;
	int chid, rcvid, served = 0, public = argc > 1 && !strcmp(argv[1], "-p");

	chid = ChannelCreate(public ? QCHAN_CHF_PUBLIC : 0);
	if (chid == -1) {
		perror("server: ChannelCreate");
		return 1;
	}
	if (publish(argc > 1 + public ? argv[1 + public] : NULL, chid))
		return 1;

	for (;;) {
		rcvid = MsgReceive(chid, &msg, sizeof(msg), &info);
		if (rcvid == -1) {
			if (errno == EINTR)
				continue;
			perror("server: MsgReceive");
			return 1;
		}
		if (rcvid == 0)		/* a pulse: none are sent in this example */
			continue;
		served++;
		printf("server: rcvid %d from pid %d tid %d coid %#x: type %#x, %d of %d bytes\n",
		       rcvid, (int)info.pid, info.tid, (unsigned)info.coid, msg.type,
		       info.msglen, info.srcmsglen);
		fflush(stdout);

		if (info.msglen < (int)sizeof(msg.hdr)) {
			MsgError(rcvid, EBADMSG);
			continue;
		}
		switch (msg.type) {
		case EX_UPPER:
			do_upper(rcvid, &msg.upper, &info);
			break;
		case EX_SUM:
			do_sum(rcvid, &msg.sum, &info);
			break;
		case EX_REVERSE:
			do_reverse(rcvid, &msg.hdr, &info);
			break;
		case EX_QUIT:
			MsgReply(rcvid, EOK, NULL, 0);
			printf("server: quitting after %d messages\n", served);
			ChannelDestroy(chid);
			return 0;
		default:
			MsgError(rcvid, ENOSYS);
			break;
		}
	}
}
