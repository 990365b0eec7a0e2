// SPDX-License-Identifier: GPL-2.0
/*
 * qchan through libchan's QNX API.
 *
 * qchan:     client MsgSend(); server MsgReceive() then MsgReply(): the plain
 *            QNX calls, two system calls per message on the server side.
 * qchan-rr:  the same client; the server loops on MsgReplyReceive(), which
 *            replies to the previous message and receives the next one in a
 *            single system call (a qchan extension).
 *
 * The server process creates the channel; its id travels to the clients
 * through shared memory.  Each client process attaches its own side-channel
 * connection.  Several clients and server threads are supported (scaling
 * runs): every server thread receives on the one channel.
 *
 * The copy tier (inline kernel buffer or pinned direct copy) is not chosen
 * here: the suite sets /sys/module/qchan/parameters/inline_max before a run
 * and labels the CSV line with --tier.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/neutrino.h>
#include <qchan/libchan.h>

#include "qbench.h"

struct qchan_state {
	struct qchan_shared {
		int chid;
		pid_t pid;
	} *sh;
	/* server process */
	char *rbuf;
	/* client process */
	int coid;
};

static void *qchan_setup(struct bench_cfg *cfg)
{
	struct qchan_state *st = calloc(1, sizeof(*st));

	(void)cfg;
	if (!st)
		die("oom");
	/* Check in the parent so a missing module is a skip, not a failed run. */
	if (access("/dev/qchan", R_OK | W_OK))
		unsupported("/dev/qchan: %m (qchan.ko not loaded)");
	st->sh = shm_alloc(sizeof(*st->sh));
	st->coid = -1;
	return st;
}

static void qchan_server_init(void *p, struct bench_cfg *cfg)
{
	struct qchan_state *st = p;
	int chid = ChannelCreate(0);

	if (chid < 0) {
		if (errno == ENOENT || errno == ENODEV)
			unsupported("ChannelCreate: %m");
		die("ChannelCreate: %m");
	}
	st->rbuf = xmalloc(cfg->rsize);
	memset(st->rbuf, REPLY_BYTE, cfg->rsize);
	st->sh->chid = chid;
	st->sh->pid = getpid();
}

/* The same with busy polling on (qchan-bp, qchan-rr-bp; module parameter busy_poll_us). */
static void qchan_bp_server_init(void *p, struct bench_cfg *cfg)
{
	struct qchan_state *st = p;
	int err;

	qchan_server_init(p, cfg);
	err = qchan_channel_busy_poll(st->sh->chid, QCHAN_BUSY_POLL_ON);
	if (err == -ENOTTY)
		unsupported("qchan_channel_busy_poll: the module predates busy polling");
	if (err)
		die("qchan_channel_busy_poll: %s", strerror(-err));
}

static void receive_check(struct bench_cfg *cfg, int rcvid, const struct _msg_info *info,
			  const char *buf, bool *first)
{
	if (rcvid <= 0)
		die("MsgReceive: %s", rcvid < 0 ? strerror(errno) : "pulse");
	if (info->msglen != (int)cfg->size || info->srcmsglen != (int)cfg->size)
		die("MsgReceive: %d of %d bytes, want %zu", info->msglen, info->srcmsglen,
		    cfg->size);
	if (*first) {
		check_request(buf, cfg->size);
		*first = false;
	}
}

static void qchan_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct qchan_state *st = p;
	char *buf = xmalloc(cfg->size);
	struct _msg_info info;
	bool first = true;

	(void)thread;
	for (;;) {
		int rcvid = MsgReceive(st->sh->chid, buf, cfg->size, &info);

		receive_check(cfg, rcvid, &info, buf, &first);
		if (MsgReply(rcvid, 0, st->rbuf, cfg->rsize) < 0)
			die("MsgReply: %m");
	}
}

static void qchan_rr_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct qchan_state *st = p;
	char *buf = xmalloc(cfg->size);
	struct _msg_info info;
	iov_t riov, iov;
	bool first = true;
	int rcvid = 0;

	(void)thread;
	SETIOV(&riov, st->rbuf, cfg->rsize);
	SETIOV(&iov, buf, cfg->size);
	for (;;) {
		rcvid = MsgReplyReceive(rcvid, 0, &riov, 1, st->sh->chid, &iov, 1, &info);
		receive_check(cfg, rcvid, &info, buf, &first);
	}
}

static void qchan_client_init(void *p, struct client *cl)
{
	struct qchan_state *st = p;

	(void)cl;
	st->coid = ConnectAttach(0, st->sh->pid, st->sh->chid, _NTO_SIDE_CHANNEL, 0);
	if (st->coid < 0)
		die("ConnectAttach pid %d chid %d: %m", (int)st->sh->pid, st->sh->chid);
}

static int qchan_round_trip(void *p, struct client *cl)
{
	struct qchan_state *st = p;
	long r = MsgSend(st->coid, cl->sbuf, cl->cfg->size, cl->rbuf, cl->cfg->rsize);

	if (r < 0)
		die("MsgSend: %m");
	return 0;
}

static void qchan_client_fini(void *p, struct client *cl)
{
	struct qchan_state *st = p;

	(void)cl;
	if (ConnectDetach(st->coid) < 0)
		die("ConnectDetach: %m");
}

const struct mech mech_qchan = {
	.name = "qchan", .desc = "qchan MsgSend / MsgReceive + MsgReply",
	.multi = true,
	.setup = qchan_setup, .server_init = qchan_server_init,
	.server_loop = qchan_server_loop, .client_init = qchan_client_init,
	.round_trip = qchan_round_trip, .client_fini = qchan_client_fini,
};

const struct mech mech_qchan_rr = {
	.name = "qchan-rr", .desc = "qchan MsgSend / MsgReplyReceive",
	.multi = true,
	.setup = qchan_setup, .server_init = qchan_server_init,
	.server_loop = qchan_rr_server_loop, .client_init = qchan_client_init,
	.round_trip = qchan_round_trip, .client_fini = qchan_client_fini,
};

const struct mech mech_qchan_bp = {
	.name = "qchan-bp", .desc = "qchan, busy polling on (qchan_channel_busy_poll)",
	.multi = true,
	.setup = qchan_setup, .server_init = qchan_bp_server_init,
	.server_loop = qchan_server_loop, .client_init = qchan_client_init,
	.round_trip = qchan_round_trip, .client_fini = qchan_client_fini,
};

const struct mech mech_qchan_rr_bp = {
	.name = "qchan-rr-bp", .desc = "qchan-rr, busy polling on (qchan_channel_busy_poll)",
	.multi = true,
	.setup = qchan_setup, .server_init = qchan_bp_server_init,
	.server_loop = qchan_rr_server_loop, .client_init = qchan_client_init,
	.round_trip = qchan_round_trip, .client_fini = qchan_client_fini,
};

/*
 * Not IPC: one QCHAN_IOC_GET_FEATURES ioctl per "round trip": the price of
 * reaching the module (ioctl dispatch, fdget, copy in and out of a small
 * struct), to set against the path length of a message.
 */
struct qchan_ioctl_state {
	int fd;
};

static void *qchan_ioctl_setup(struct bench_cfg *cfg)
{
	struct qchan_ioctl_state *st = calloc(1, sizeof(*st));

	(void)cfg;
	if (!st)
		die("oom");
	if (access("/dev/qchan", R_OK | W_OK))
		unsupported("/dev/qchan: %m (qchan.ko not loaded)");
	return st;
}

static void qchan_ioctl_client_init(void *p, struct client *cl)
{
	struct qchan_ioctl_state *st = p;

	(void)cl;
	st->fd = qchan_context_fd();
	if (st->fd < 0)
		die("qchan_context_fd: %s", strerror(-st->fd));
}

static int qchan_ioctl_round_trip(void *p, struct client *cl)
{
	struct qchan_ioctl_state *st = p;
	struct qchan_features f = { 0 };

	(void)cl;
	if (ioctl(st->fd, QCHAN_IOC_GET_FEATURES, &f) < 0)
		die("QCHAN_IOC_GET_FEATURES: %m");
	return 0;
}

const struct mech mech_qchan_ioctl = {
	.name = "qchan-ioctl", .desc = "one QCHAN_IOC_GET_FEATURES ioctl (no IPC): the module's entry floor",
	.setup = qchan_ioctl_setup, .client_init = qchan_ioctl_client_init,
	.round_trip = qchan_ioctl_round_trip, .no_server = true,
};
