/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qnetd's parts: qnetd.c (main, the local clients, outgoing links),
 * remote.c (other nodes' requests, the id policy, the workers) and worker.c
 * (a worker process: the proxies of one remote identity).
 */
#ifndef QNETD_H
#define QNETD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../src/qnet.h"

#define HDR	sizeof(struct qnet_wire)

/* A worker's end of its socket pair with qnetd. */
#define QNET_WORKER_FD	3

/* How node B maps the ids a remote node sends (docs/QNET.md, "Credentials"). */
struct qnetd_policy {
	bool trust_root;	/* -r: remote root stays root (no root squash) */
	bool offset_set;	/* -o: id -> offset + id, for ids below count */
	uint32_t offset;
	uint32_t count;
	uint32_t anon_uid;	/* -a: what a squashed or unmappable id becomes */
	uint32_t anon_gid;
};

struct link;
struct lconn;
struct pending;

struct qnetd {
	pthread_mutex_t lock;
	struct link *links;
	struct lconn *lconns;
	struct pending *pending;
	uint32_t next_seq;
	uint32_t next_conn;
	uint32_t nd;
	char name[QNET_NAME_MAX];
	int chid;
	bool verbose;
	struct qnetd_policy policy;
};

extern struct qnetd g;

#define logv(...) do { if (g.verbose) fprintf(stderr, "qnetd: " __VA_ARGS__); } while (0)

void die(const char *what);
int send_msg(int fd, pthread_mutex_t *wlock, const void *buf, size_t len);
ssize_t recv_msg(int fd, void *buf, size_t len);
bool wire_ok(const struct qnet_wire *w, ssize_t n);

/* remote.c */
void *acceptor(void *arg);
int policy_parse_anon(const char *arg);
int policy_parse_offset(const char *arg);

/* worker.c */
int worker_main(int fd);

#endif /* QNETD_H */
