/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libchan-resmgr internals: the dispatch handle, what resmgr_attach()
 * registered, the OCB bindings of the open connections, and the CUSE bridge.
 */
#ifndef LIBCHAN_RESMGR_RM_H
#define LIBCHAN_RESMGR_RM_H

#include <pthread.h>
#include <sys/iofunc.h>
#include <sys/dispatch.h>

#define RM_EXPORT	__attribute__((visibility("default")))

/* The smallest receive buffer: small writes arrive whole, as QNX managers expect. */
#define RM_MSG_MAX_DEFAULT	2048u
#define RM_NPARTS_DEFAULT	1u

struct rm_cuse;

/* One resmgr_attach(). */
struct rm_attach {
	struct rm_attach *next;
	int id;
	const resmgr_connect_funcs_t *connect_funcs;
	const resmgr_io_funcs_t *io_funcs;
	void *handle;
	struct rm_cuse *cuse;		/* the /dev node's bridge, or NULL */
};

/* An OCB bound to one client connection (resmgr_open_bind). */
struct rm_binding {
	struct rm_binding *next;
	int scoid;
	int coid;
	int id;
	void *ocb;
	const resmgr_io_funcs_t *io_funcs;
};

/* pulse_attach() and message_attach() entries. */
struct rm_handler {
	struct rm_handler *next;
	int low;
	int high;
	int is_pulse;
	int (*func)(message_context_t *ctp, int code, unsigned flags, void *handle);
	void *handle;
};

struct _dispatch {
	pthread_mutex_t lock;		/* the lists below; handlers run without it */
	int chid;
	int own_chid;			/* created by dispatch_create: destroyed with it */
	unsigned flags;
	unsigned nparts_max;
	unsigned msg_max_size;
	int next_id;
	int (*other_func)(resmgr_context_t *ctp, void *msg);
	struct rm_attach *attaches;
	struct rm_binding *bindings;
	struct rm_handler *handlers;
	int unblock_coid;		/* dispatch_unblock()'s side channel, or -1 */
};

/*
 * dispatch_unblock()'s pulse: user codes are 0..127 only, so it shares the
 * top code with programs and is told apart by a value no program sends.
 */
#define RM_PULSE_CODE_UNBLOCK	_DISPATCH_MAX_PULSE_CODE
#define RM_PULSE_VALUE_UNBLOCK	0x71706f6f

/* A dispatch context: the public view first, then its receive buffer. */
struct rm_context {
	dispatch_t *dpp;
	unsigned bufsize;
	unsigned nparts;
	void *buf;
	dispatch_context_t ctx;		/* last: iov[] runs on for nparts entries */
};

int rm_handle_io(resmgr_context_t *ctp);
int rm_handle_pulse(resmgr_context_t *ctp);
void rm_reply(resmgr_context_t *ctp, int ret);

/* cuse.c */
int rm_cuse_start(dispatch_t *dpp, struct rm_attach *a, const char *path, mode_t mode);
void rm_cuse_stop(struct rm_cuse *c);
int rm_bridge_creds(int coid, uid_t *uid, gid_t *gid, pid_t *pid);

#endif /* LIBCHAN_RESMGR_RM_H */
