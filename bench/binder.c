// SPDX-License-Identifier: GPL-2.0
/*
 * Android binder peer: a minimal raw-ioctl client and server.
 *
 * The server becomes the context manager (handle 0), maps its receive
 * buffer and loops on BINDER_WRITE_READ: each BR_TRANSACTION is answered
 * with BC_FREE_BUFFER + BC_REPLY in one write, the way libbinder batches
 * them.  The client writes BC_TRANSACTION to handle 0 (batched with the
 * BC_FREE_BUFFER of the previous reply) and reads until BR_REPLY; a
 * synchronous transaction's BR_TRANSACTION_COMPLETE is deferred by the
 * driver, so that normally takes one ioctl.
 *
 * Binder copies a message once, into the receiver's mapped buffer, where the
 * receiver reads it in place; neither side copies it out again here (both
 * look at the first and last byte of the first message only, to check it).
 * The mapping is at most 4 MiB (the driver's limit), so 4 MiB messages do
 * not fit: that configuration is reported as unsupported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/android/binder.h>

#include "qbench.h"

#define BINDER_DEV	"/dev/binder"
#define BINDER_MAP_SIZE	(4u << 20)

struct binder_state {
	int fd;
	void *map;
	char *rbuf;			/* server's reply data */
	binder_uintptr_t pending_free;	/* client: reply buffer to free with the next send */
	uint64_t sent;
};

/* Commands are a u32 code followed by the code's payload, packed. */
struct __attribute__((packed)) cmd_free_reply {
	uint32_t free_cmd;
	binder_uintptr_t free_ptr;
	uint32_t reply_cmd;
	struct binder_transaction_data tr;
};

struct __attribute__((packed)) cmd_free_transaction {
	uint32_t free_cmd;
	binder_uintptr_t free_ptr;
	uint32_t tr_cmd;
	struct binder_transaction_data tr;
};

static void *binder_setup(struct bench_cfg *cfg)
{
	struct binder_state *st = calloc(1, sizeof(*st));

	(void)cfg;
	if (!st)
		die("oom");
	st->fd = -1;
	/* Each process opens its own: a binder_proc belongs to its opener. */
	if (access(BINDER_DEV, R_OK | W_OK))
		unsupported(BINDER_DEV ": %m (load binder_linux devices=binder)");
	return st;
}

static void binder_open(struct binder_state *st)
{
	struct binder_version v = { 0 };

	st->fd = open(BINDER_DEV, O_RDWR | O_CLOEXEC);
	if (st->fd < 0)
		unsupported(BINDER_DEV ": %m");
	if (ioctl(st->fd, BINDER_VERSION, &v) < 0)
		die("BINDER_VERSION: %m");
	if (v.protocol_version != BINDER_CURRENT_PROTOCOL_VERSION)
		unsupported("binder protocol %d, built for %d", v.protocol_version,
			    BINDER_CURRENT_PROTOCOL_VERSION);
	st->map = mmap(NULL, BINDER_MAP_SIZE, PROT_READ, MAP_PRIVATE, st->fd, 0);
	if (st->map == MAP_FAILED)
		die("binder mmap: %m");
}

static void binder_write_read(struct binder_state *st, const void *wbuf, size_t wlen,
			      void *rbuf, size_t rlen, size_t *got)
{
	struct binder_write_read bwr = {
		.write_size = wlen, .write_buffer = (uintptr_t)wbuf,
		.read_size = rlen, .read_buffer = (uintptr_t)rbuf,
	};

	for (;;) {
		if (ioctl(st->fd, BINDER_WRITE_READ, &bwr) == 0)
			break;
		if (errno != EINTR)
			die("BINDER_WRITE_READ: %m");
		/* Retry only what was not consumed yet. */
		bwr.write_size -= bwr.write_consumed;
		bwr.write_buffer += bwr.write_consumed;
		bwr.write_consumed = 0;
	}
	if (bwr.write_consumed != bwr.write_size)
		die("binder: wrote %llu of %llu bytes", (unsigned long long)bwr.write_consumed,
		    (unsigned long long)bwr.write_size);
	*got = bwr.read_consumed;
}

static void binder_server_init(void *p, struct bench_cfg *cfg)
{
	struct binder_state *st = p;
	uint32_t enter = BC_ENTER_LOOPER;
	size_t got;

	binder_open(st);
	if (ioctl(st->fd, BINDER_SET_CONTEXT_MGR, 0) < 0)
		die("BINDER_SET_CONTEXT_MGR: %m");
	binder_write_read(st, &enter, sizeof(enter), NULL, 0, &got);
	st->rbuf = xmalloc(cfg->rsize);
	memset(st->rbuf, REPLY_BYTE, cfg->rsize);
}

static void binder_server_loop(void *p, struct bench_cfg *cfg, int thread)
{
	struct binder_state *st = p;
	struct cmd_free_reply out = { .free_cmd = BC_FREE_BUFFER, .reply_cmd = BC_REPLY };
	uint8_t in[512] __attribute__((aligned(8)));
	size_t wlen = 0;
	bool first = true;

	(void)thread;
	for (;;) {
		size_t got, off = 0;

		binder_write_read(st, &out, wlen, in, sizeof(in), &got);
		wlen = 0;
		while (off + sizeof(uint32_t) <= got) {
			uint32_t cmd;
			struct binder_transaction_data tr;

			memcpy(&cmd, in + off, sizeof(cmd));
			off += sizeof(cmd);
			switch (cmd) {
			case BR_NOOP:
			case BR_TRANSACTION_COMPLETE:
				break;
			case BR_TRANSACTION:
				memcpy(&tr, in + off, sizeof(tr));
				off += sizeof(tr);
				if (tr.data_size != cfg->size)
					die("binder server: got %llu bytes, want %zu",
					    (unsigned long long)tr.data_size, cfg->size);
				if (first) {
					check_request((const char *)(uintptr_t)tr.data.ptr.buffer,
						      cfg->size);
					first = false;
				}
				out.free_ptr = tr.data.ptr.buffer;
				memset(&out.tr, 0, sizeof(out.tr));
				out.tr.data_size = cfg->rsize;
				out.tr.data.ptr.buffer = (uintptr_t)st->rbuf;
				wlen = sizeof(out);
				break;
			default:
				die("binder server: unexpected return 0x%x", cmd);
			}
		}
	}
}

static void binder_client_init(void *p, struct client *cl)
{
	(void)cl;
	binder_open(p);
}

static int binder_round_trip(void *p, struct client *cl)
{
	struct binder_state *st = p;
	struct cmd_free_transaction out = {
		.free_cmd = BC_FREE_BUFFER, .free_ptr = st->pending_free,
		.tr_cmd = BC_TRANSACTION,
	};
	uint8_t in[512] __attribute__((aligned(8)));
	const void *w = st->pending_free ? (const void *)&out : (const void *)&out.tr_cmd;
	size_t wlen = st->pending_free ? sizeof(out) :
		      sizeof(out) - offsetof(struct cmd_free_transaction, tr_cmd);

	out.tr.target.handle = 0;
	out.tr.code = 1;
	out.tr.data_size = cl->cfg->size;
	out.tr.data.ptr.buffer = (uintptr_t)cl->sbuf;
	st->pending_free = 0;

	for (;;) {
		size_t got, off = 0;

		binder_write_read(st, w, wlen, in, sizeof(in), &got);
		wlen = 0;
		while (off + sizeof(uint32_t) <= got) {
			uint32_t cmd;
			struct binder_transaction_data tr;
			const char *data;

			memcpy(&cmd, in + off, sizeof(cmd));
			off += sizeof(cmd);
			switch (cmd) {
			case BR_NOOP:
			case BR_TRANSACTION_COMPLETE:
				break;
			case BR_REPLY:
				memcpy(&tr, in + off, sizeof(tr));
				if (tr.data_size != cl->cfg->rsize)
					die("binder client: reply of %llu bytes, want %zu",
					    (unsigned long long)tr.data_size, cl->cfg->rsize);
				data = (const char *)(uintptr_t)tr.data.ptr.buffer;
				if (!st->sent++ && cl->cfg->rsize) {
					/* run_client() checks the reply in cl->rbuf. */
					cl->rbuf[0] = data[0];
					cl->rbuf[cl->cfg->rsize - 1] = data[cl->cfg->rsize - 1];
				}
				st->pending_free = tr.data.ptr.buffer;
				return 0;
			case BR_FAILED_REPLY:
				if (cl->cfg->size > BINDER_MAP_SIZE / 2 ||
				    cl->cfg->rsize > BINDER_MAP_SIZE / 2)
					unsupported("binder: %zu+%zu bytes do not fit the %u-byte buffer",
						    cl->cfg->size, cl->cfg->rsize, BINDER_MAP_SIZE);
				die("binder client: BR_FAILED_REPLY");
			case BR_DEAD_REPLY:
				die("binder client: BR_DEAD_REPLY");
			default:
				die("binder client: unexpected return 0x%x", cmd);
			}
		}
	}
}

const struct mech mech_binder = {
	.name = "binder", .desc = "Android binder, raw ioctls (BC_TRANSACTION/BC_REPLY)",
	.setup = binder_setup, .server_init = binder_server_init,
	.server_loop = binder_server_loop, .client_init = binder_client_init,
	.round_trip = binder_round_trip,
};
