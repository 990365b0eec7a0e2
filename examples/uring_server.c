// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One thread serving many clients through io_uring: SLOTS receives are
 * posted on the channel at once; each completed receive is answered with a
 * reply-and-receive SQE that reuses its slot (ublk's COMMIT_AND_FETCH), so
 * the thread only ever waits in io_uring_wait_cqe().  Blocking and async
 * clients are served alike.
 *
 *	uring_server IDFILE	writes "pid chid" to IDFILE, serves until a QUIT
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/neutrino.h>
#include <qchan/uring.h>

#include "uring_example.h"

#define SLOTS	16

struct slot {
	struct qchan_async_reply_receive rr;	/* the first receive uses rr.arg.receive too */
	struct qchan_async_receive r;
	struct uring_req req;
	int32_t answer;
	struct _msg_info info;
};

static struct slot slots[SLOTS];

int main(int argc, char **argv)
{
	unsigned long served = 0, pulses = 0;
	struct io_uring ring;
	int chid, i, err, quit = 0;
	char tmp[256];
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s IDFILE\n", argv[0]);
		return 2;
	}
	chid = ChannelCreate(0);
	if (chid == -1) {
		perror("ChannelCreate");
		return 1;
	}
	err = io_uring_queue_init(2 * SLOTS, &ring, 0);
	if (err) {
		fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-err));
		return 1;
	}
	for (i = 0; i < SLOTS; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		err = qchan_prep_receive(sqe, &slots[i].r, chid, &slots[i].req,
					 sizeof(slots[i].req), &slots[i].info);
		if (err) {
			fprintf(stderr, "qchan_prep_receive: %s\n", strerror(-err));
			return 1;
		}
		sqe->user_data = i;
	}
	io_uring_submit(&ring);

	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d %d\n", getpid(), chid) < 0 || fclose(f) || rename(tmp, argv[1])) {
		perror("idfile");
		return 1;
	}
	printf("uring_server: pid %d chid %d, %d receives posted, one thread\n", getpid(), chid,
	       SLOTS);

	while (!quit) {
		struct io_uring_cqe *cqe;
		struct io_uring_sqe *sqe;
		struct slot *s;
		int rcvid;

		err = io_uring_wait_cqe(&ring, &cqe);
		if (err) {
			fprintf(stderr, "io_uring_wait_cqe: %s\n", strerror(-err));
			return 1;
		}
		s = &slots[cqe->user_data];
		rcvid = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		if (rcvid < 0) {
			fprintf(stderr, "receive: %s\n", strerror(-rcvid));
			return 1;
		}
		sqe = io_uring_get_sqe(&ring);
		if (rcvid == 0) {	/* a pulse: nothing to reply, receive again */
			pulses++;
			qchan_prep_receive(sqe, &s->r, chid, &s->req, sizeof(s->req), &s->info);
		} else {
			if (s->req.op == URING_OP_QUIT)
				quit = 1;
			s->answer = s->req.value + 1;
			served++;
			qchan_prep_reply_receive(sqe, &s->rr, rcvid, 0, &s->answer,
						 sizeof(s->answer), chid, &s->req, sizeof(s->req),
						 &s->info);
		}
		sqe->user_data = s - slots;
		io_uring_submit(&ring);
	}
	/* The QUIT's reply went with the last SQE; closing the ring ends the receives. */
	io_uring_queue_exit(&ring);
	printf("uring_server: served %lu messages and %lu pulses, quitting\n", served, pulses);
	return 0;
}
