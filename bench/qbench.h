/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qbench internals: the interface every mechanism implements.
 *
 * setup() runs in the parent before any fork (create pipes, shared memory,
 * queues that both sides inherit).  The server process calls server_init()
 * once, server_thread_init() in each of its threads, then server_loop() in
 * each thread until it is killed.  Each client process calls client_init()
 * and then round_trip() once per measured exchange: send --size bytes, get
 * --reply-size bytes back.
 */
#ifndef QBENCH_H
#define QBENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_CLIENTS	8
#define MAX_THREADS	8
#define EXIT_SKIP	2

/* Every request byte is REQUEST_BYTE and every reply byte REPLY_BYTE: both sides check. */
#define REQUEST_BYTE	0x5a
#define REPLY_BYTE	((char)0xa5)

struct mech;

struct bench_cfg {
	const struct mech *mech;
	size_t size;		/* request bytes */
	size_t rsize;		/* reply bytes */
	uint64_t iters;
	uint64_t warmup;
	int client_cpu, server_cpu;
	int fifo_prio;		/* 0: SCHED_OTHER */
	int clients, threads;
	int timeout;		/* seconds, whole run */
};

struct client {
	const struct bench_cfg *cfg;
	int idx;
	char *sbuf;		/* filled with REQUEST_BYTE */
	char *rbuf;		/* reply lands here */
	void *priv;		/* mechanism's per-client state */
};

struct mech {
	const char *name;
	const char *desc;
	bool no_server;		/* runs in the client alone (memcpy) */
	bool multi;		/* supports several clients and server threads */
	void *(*setup)(struct bench_cfg *cfg);
	void (*server_init)(void *st, struct bench_cfg *cfg);
	void (*server_thread_init)(void *st, struct bench_cfg *cfg, int thread);
	void (*server_loop)(void *st, struct bench_cfg *cfg, int thread);
	void (*client_init)(void *st, struct client *cl);
	int (*round_trip)(void *st, struct client *cl);
	void (*client_fini)(void *st, struct client *cl);
	void (*teardown)(void *st, struct bench_cfg *cfg);
};

extern const char *prog;

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void unsupported(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void *xmalloc(size_t n);
void *shm_alloc(size_t n);
void read_full(int fd, void *buf, size_t n);
void write_full(int fd, const void *buf, size_t n);
void futex_wait_change(_Atomic uint32_t *word, uint32_t old);
void futex_wake_one(_Atomic uint32_t *word);
void check_request(const char *buf, size_t n);

#endif /* QBENCH_H */
