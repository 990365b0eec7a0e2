/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Qnet: what libchan and the qnetd daemon (lib/qnet/qnetd.c) say to each
 * other over qchan, and what two qnetd say to each other over TIPC.  Both
 * ends are built from this tree, so nothing here is public ABI; see
 * docs/QNET.md for the design.
 */
#ifndef LIBCHAN_QNET_H
#define LIBCHAN_QNET_H

#include <stdint.h>

/*
 * The qchan name (per IPC namespace: a "node" on one machine is a network
 * namespace plus an IPC namespace) under which qnetd's one channel is
 * found.  Messages from a (pid, coid) that libchan registered as a network
 * connection are forwarded; every other message on the channel is a
 * struct qnet_ctl request.
 */
#define QNET_QCHAN_NAME		"qchan.qnetd"

#define QNET_CTL_MAGIC		0x716e6374u	/* "qnct" */

enum qnet_ctl_op {
	QNET_CTL_CONNECT = 1,	/* coid (already attached to qnetd) -> nd, pid, chid */
	QNET_CTL_DETACH,	/* coid is about to be detached */
	QNET_CTL_PULSE,		/* MsgSendPulse(coid, prio, code, value) */
	QNET_CTL_STRTOND,	/* name -> nd (the reply status) */
	QNET_CTL_NDTOSTR,	/* nd -> name (the reply data) */
};

#define QNET_NAME_MAX		64	/* node names, with the NUL */

struct qnet_ctl {
	uint32_t magic;
	uint32_t op;
	int32_t coid;
	uint32_t nd;
	int32_t pid;
	int32_t chid;
	int32_t code;
	int32_t prio;
	int64_t value;
	char name[QNET_NAME_MAX];
};

/* ---- qnetd <-> qnetd, one TIPC SOCK_SEQPACKET message each ---- */

/*
 * TIPC service types (user types start at 64): each qnetd binds
 * {QNET_TIPC_NODE, its nd} and {QNET_TIPC_NAME, qnet_name_hash(its name)}.
 */
#define QNET_TIPC_NODE		0x716e6e64u	/* "qnnd" */
#define QNET_TIPC_NAME		0x716e6e6du	/* "qnnm" */

#define QNET_WIRE_MAGIC		0x716e7732u	/* "qnw2": CONNECT carries the client's ids */

/* Payload limit each way: a TIPC message carries at most 66000 bytes. */
#define QNET_MAX_MSG		65536u

enum qnet_wire_op {
	QNET_HELLO = 1,		/* -> HELLO_REPLY: nd, name in the payload */
	QNET_HELLO_REPLY,
	/*
	 * conn, a = pid, b = chid, struct qnet_cred -> REPLY (err).  Node B's
	 * qnetd hands it to the worker with nd = node A's nd (from TIPC, not
	 * from node A) and status = its own nd: the worker's
	 * qchan_net_proxy(nd, srcnd).
	 */
	QNET_CONNECT,
	QNET_DETACH,		/* conn */
	/* conn, seq, prio, a = reply bytes, b = client pid, status = its tid, payload -> REPLY */
	QNET_SEND,
	QNET_REPLY,		/* seq, err or status + payload */
	QNET_PULSE,		/* conn, prio, a = code, status = value */
	QNET_UNBLOCK,		/* conn, seq: the client wants out (signal, timeout, death) */
	QNET_CONNECTED,		/* conn, seq, err: a worker's answer to CONNECT (to its qnetd only) */
};

struct qnet_wire {
	uint32_t magic;
	uint32_t op;
	uint32_t conn;
	uint32_t seq;
	int32_t err;
	int32_t prio;
	int32_t a;
	int32_t b;
	int64_t status;
	uint32_t nd;
	uint32_t len;		/* payload bytes after the header */
};

/*
 * QNET_CONNECT's payload: the ids of the client process, as node A's qnetd
 * read them with ConnectClientInfo() on the client's own connection (never
 * what the client says), then the groups.  Node B maps them by its policy
 * and runs the connection's proxies with them.
 */
struct qnet_cred {
	uint32_t ruid;
	uint32_t euid;
	uint32_t suid;
	uint32_t rgid;
	uint32_t egid;
	uint32_t sgid;
	uint32_t ngroups;
	uint32_t pad;
	/* uint32_t groups[ngroups]; */
};

#define QNET_MAX_GROUPS		((QNET_MAX_MSG - sizeof(struct qnet_cred)) / sizeof(uint32_t))

/* One layout for 32- and 64-bit clients, and for any pair of nodes' qnetd builds. */
_Static_assert(sizeof(struct qnet_ctl) == 40 + QNET_NAME_MAX, "qnet_ctl layout");
_Static_assert(sizeof(struct qnet_wire) == 48, "qnet_wire layout");
_Static_assert(sizeof(struct qnet_cred) == 32, "qnet_cred layout");

/* FNV-1a, folded to a TIPC instance. */
static inline uint32_t qnet_name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* A TIPC node address as a QNX nd: positive, never ND_LOCAL_NODE, never -1. */
static inline uint32_t qnet_addr_to_nd(uint32_t addr)
{
	uint32_t nd = addr & 0x7fffffffu;

	return nd ? nd : 1;
}

#endif /* LIBCHAN_QNET_H */
