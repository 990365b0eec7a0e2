// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Clients of uring_server: CHILDREN processes sending blocking MsgSend()s,
 * and this process keeping DEPTH async sends outstanding through io_uring,
 * all at once on the same channel; then a QUIT.
 *
 *	uring_client IDFILE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <liburing.h>
#include <sys/neutrino.h>
#include <qchan/uring.h>

#include "uring_example.h"

#define CHILDREN	4
#define PER_CHILD	200
#define DEPTH		32
#define ASYNC_TOTAL	800

struct pending {
	struct qchan_async_send s;
	struct uring_req req;
	int32_t answer;
};

static struct pending pend[DEPTH];

static int blocking_client(int coid, int id)
{
	for (int i = 0; i < PER_CHILD; i++) {
		struct uring_req req = { URING_OP_INCR, id * 100000 + i };
		int32_t answer = 0;

		if (MsgSend(coid, &req, sizeof(req), &answer, sizeof(answer)) == -1) {
			perror("MsgSend");
			return 1;
		}
		if (answer != req.value + 1) {
			fprintf(stderr, "child %d: wrong answer %d to %d\n", id, answer, req.value);
			return 1;
		}
	}
	return 0;
}

static int submit_one(struct io_uring *ring, int coid, int slot, int value)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct pending *p = &pend[slot];

	p->req.op = URING_OP_INCR;
	p->req.value = value;
	p->answer = 0;
	sqe->user_data = slot;
	return qchan_prep_send(sqe, &p->s, coid, &p->req, sizeof(p->req), &p->answer,
			       sizeof(p->answer));
}

int main(int argc, char **argv)
{
	int pid, chid, coid, i, done = 0, sent = 0, bad = 0;
	struct uring_req quit = { URING_OP_QUIT, 0 };
	struct io_uring ring;
	pid_t kids[CHILDREN];
	int32_t answer;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "r")) || fscanf(f, "%d %d", &pid, &chid) != 2) {
		fprintf(stderr, "usage: %s IDFILE (\"pid chid\")\n", argv[0]);
		return 2;
	}
	fclose(f);
	for (i = 0; i < CHILDREN; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0);
			_exit(coid == -1 ? 1 : blocking_client(coid, i + 1));
		}
	}
	coid = ConnectAttach(0, pid, chid, _NTO_SIDE_CHANNEL, 0);
	if (coid == -1 || io_uring_queue_init(DEPTH, &ring, 0)) {
		perror("uring_client setup");
		return 1;
	}
	for (i = 0; i < DEPTH; i++)
		if (submit_one(&ring, coid, i, sent++))
			return 1;
	io_uring_submit(&ring);
	while (done < ASYNC_TOTAL) {
		struct io_uring_cqe *cqe;
		int slot;

		if (io_uring_wait_cqe(&ring, &cqe))
			return 1;
		slot = cqe->user_data;
		if (cqe->res != 0 || pend[slot].answer != pend[slot].req.value + 1)
			bad++;
		io_uring_cqe_seen(&ring, cqe);
		done++;
		if (sent < ASYNC_TOTAL) {
			submit_one(&ring, coid, slot, sent++);
			io_uring_submit(&ring);
		}
	}
	for (i = 0; i < CHILDREN; i++) {
		int status;

		if (waitpid(kids[i], &status, 0) != kids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			bad++;
	}
	printf("uring_client: %d async sends (%d outstanding at a time) and %d blocking sends "
	       "from %d processes: %d bad\n", ASYNC_TOTAL, DEPTH, CHILDREN * PER_CHILD, CHILDREN,
	       bad);
	if (MsgSend(coid, &quit, sizeof(quit), &answer, sizeof(answer)) == -1) {
		perror("MsgSend quit");
		return 1;
	}
	io_uring_queue_exit(&ring);
	return bad ? 1 : 0;
}
