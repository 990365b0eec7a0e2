// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dispatch layer (<sys/dispatch.h>): one channel, contexts that receive
 * on it, and dispatch_handler() routing what arrived to the resource
 * manager (I/O messages, its pulses), to pulse_attach()/message_attach()
 * handlers, or to resmgr_attr_t's other_func.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rm.h"

RM_EXPORT dispatch_t *dispatch_create_channel(int chid, unsigned flags)
{
	dispatch_t *dpp;

	if (flags & ~(unsigned)DISPATCH_FLAG_NOLOCK) {
		errno = EINVAL;
		return NULL;
	}
	dpp = calloc(1, sizeof(*dpp));
	if (!dpp) {
		errno = ENOMEM;
		return NULL;
	}
	if (chid == -1) {
		/* A resource manager's channel: QNX's dispatch_create() flags. */
		chid = ChannelCreate(_NTO_CHF_UNBLOCK | _NTO_CHF_DISCONNECT);
		if (chid == -1) {
			free(dpp);
			return NULL;
		}
		dpp->own_chid = 1;
	}
	pthread_mutex_init(&dpp->lock, NULL);
	dpp->chid = chid;
	dpp->flags = flags;
	dpp->nparts_max = RM_NPARTS_DEFAULT;
	dpp->msg_max_size = RM_MSG_MAX_DEFAULT;
	dpp->next_id = 0;
	dpp->unblock_coid = -1;
	return dpp;
}

RM_EXPORT dispatch_t *dispatch_create(void)
{
	return dispatch_create_channel(-1, 0);
}

RM_EXPORT int dispatch_destroy(dispatch_t *dpp)
{
	struct rm_handler *h;
	struct rm_binding *b;

	if (!dpp) {
		errno = EINVAL;
		return -1;
	}
	while (dpp->attaches)
		resmgr_detach(dpp, dpp->attaches->id, 0);
	while ((h = dpp->handlers)) {
		dpp->handlers = h->next;
		free(h);
	}
	while ((b = dpp->bindings)) {
		dpp->bindings = b->next;
		free(b);
	}
	if (dpp->unblock_coid != -1)
		ConnectDetach(dpp->unblock_coid);
	if (dpp->own_chid)
		ChannelDestroy(dpp->chid);
	pthread_mutex_destroy(&dpp->lock);
	free(dpp);
	return 0;
}

static struct rm_context *rm_ctx(dispatch_context_t *ctp)
{
	return (struct rm_context *)((char *)ctp - offsetof(struct rm_context, ctx));
}

RM_EXPORT dispatch_context_t *dispatch_context_alloc(dispatch_t *dpp)
{
	struct rm_context *rc;
	unsigned nparts, bufsize;

	if (!dpp) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&dpp->lock);
	nparts = dpp->nparts_max;
	bufsize = dpp->msg_max_size;
	pthread_mutex_unlock(&dpp->lock);

	rc = calloc(1, sizeof(*rc) + (nparts - 1) * sizeof(iov_t));
	if (!rc) {
		errno = ENOMEM;
		return NULL;
	}
	/* One byte more: a message that fits is NUL-terminated (see dispatch_block). */
	rc->buf = calloc(1, bufsize + 1);
	if (!rc->buf) {
		free(rc);
		errno = ENOMEM;
		return NULL;
	}
	rc->dpp = dpp;
	rc->bufsize = bufsize;
	rc->nparts = nparts;
	rc->ctx.resmgr_context.dpp = dpp;
	rc->ctx.resmgr_context.msg = rc->buf;
	rc->ctx.resmgr_context.msg_max_size = bufsize;
	return &rc->ctx;
}

RM_EXPORT void dispatch_context_free(dispatch_context_t *ctp)
{
	struct rm_context *rc;

	if (!ctp)
		return;
	rc = rm_ctx(ctp);
	free(rc->buf);
	free(rc);
}

RM_EXPORT dispatch_context_t *dispatch_block(dispatch_context_t *ctp)
{
	resmgr_context_t *c;
	struct rm_context *rc;
	int rcvid;

	if (!ctp) {
		errno = EINVAL;
		return NULL;
	}
	rc = rm_ctx(ctp);
	c = &ctp->resmgr_context;
	rcvid = MsgReceive(rc->dpp->chid, rc->buf, rc->bufsize, &c->info);
	if (rcvid == -1)
		return NULL;
	/*
	 * dispatch_unblock()'s pulse is for the pool, not the manager: the
	 * thread that took it returns as a MsgReceive() a signal interrupted.
	 */
	if (rcvid == 0 && c->info.msglen >= 0 && rc->buf &&
	    ((struct _pulse *)rc->buf)->code == RM_PULSE_CODE_UNBLOCK &&
	    ((struct _pulse *)rc->buf)->value.sival_int == RM_PULSE_VALUE_UNBLOCK) {
		errno = EINTR;
		return NULL;
	}
	c->rcvid = rcvid;
	c->offset = 0;
	c->status = 0;
	c->id = -1;
	c->size = rcvid == 0 ? (int)sizeof(struct _pulse) : c->info.msglen;
	/*
	 * Course managers treat a small write's data as a C string
	 * (strstr(msg + 1, ...)): end what arrived with a NUL, which QNX's
	 * larger receive buffer happens to give them.
	 */
	if (rcvid != 0 && c->info.msglen >= 0 && (unsigned)c->info.msglen <= rc->bufsize)
		((char *)rc->buf)[c->info.msglen] = '\0';
	return ctp;
}

static struct rm_handler *find_handler(dispatch_t *dpp, int is_pulse, int code,
				       struct rm_handler *copy)
{
	struct rm_handler *h;

	pthread_mutex_lock(&dpp->lock);
	for (h = dpp->handlers; h; h = h->next)
		if (h->is_pulse == is_pulse && code >= h->low && code <= h->high)
			break;
	if (h)
		*copy = *h;
	pthread_mutex_unlock(&dpp->lock);
	return h ? copy : NULL;
}

RM_EXPORT int dispatch_handler(dispatch_context_t *ctp)
{
	resmgr_context_t *c;
	struct rm_handler copy, *h;
	int (*other)(resmgr_context_t *, void *);
	int type;

	if (!ctp) {
		errno = EINVAL;
		return -1;
	}
	c = &ctp->resmgr_context;
	if (c->rcvid == 0) {
		h = find_handler(c->dpp, 1, c->msg->pulse.code, &copy);
		if (h) {
			h->func(c, c->msg->pulse.code, 0, h->handle);
			return 0;
		}
		return rm_handle_pulse(c);
	}
	type = c->info.msglen >= (int)sizeof(_Uint16t) ? c->msg->type : -1;
	if (type >= _IO_BASE && type <= _IO_MAX)
		return rm_handle_io(c);
	h = find_handler(c->dpp, 0, type, &copy);
	if (h) {
		h->func(c, type, 0, h->handle);
		return 0;
	}
	pthread_mutex_lock(&c->dpp->lock);
	other = c->dpp->other_func;
	pthread_mutex_unlock(&c->dpp->lock);
	if (other) {
		rm_reply(c, other(c, c->msg));
		return 0;
	}
	MsgError(c->rcvid, ENOSYS);
	return -1;
}

/*
 * Wakes one thread blocked in dispatch_block() on this dispatch (QNX: used
 * by the thread pool to shrink or end; each call frees one receiver).
 */
RM_EXPORT void dispatch_unblock(dispatch_context_t *ctp)
{
	dispatch_t *dpp;
	int coid;

	if (!ctp)
		return;
	dpp = ctp->resmgr_context.dpp;
	pthread_mutex_lock(&dpp->lock);
	if (dpp->unblock_coid == -1)
		dpp->unblock_coid = ConnectAttach(0, 0, dpp->chid, _NTO_SIDE_CHANNEL, 0);
	coid = dpp->unblock_coid;
	pthread_mutex_unlock(&dpp->lock);
	if (coid != -1)
		MsgSendPulse(coid, -1, RM_PULSE_CODE_UNBLOCK, RM_PULSE_VALUE_UNBLOCK);
}

static int add_handler(dispatch_t *dpp, int is_pulse, int low, int high,
		       int (*func)(message_context_t *, int, unsigned, void *), void *handle)
{
	struct rm_handler *h, *e;

	h = calloc(1, sizeof(*h));
	if (!h) {
		errno = ENOMEM;
		return -1;
	}
	h->is_pulse = is_pulse;
	h->low = low;
	h->high = high;
	h->func = func;
	h->handle = handle;
	pthread_mutex_lock(&dpp->lock);
	for (e = dpp->handlers; e; e = e->next)
		if (e->is_pulse == is_pulse && low <= e->high && high >= e->low)
			break;
	if (e) {
		pthread_mutex_unlock(&dpp->lock);
		free(h);
		errno = EBUSY;
		return -1;
	}
	h->next = dpp->handlers;
	dpp->handlers = h;
	pthread_mutex_unlock(&dpp->lock);
	return 0;
}

static int del_handler(dispatch_t *dpp, int is_pulse, int low, int high)
{
	struct rm_handler **pp, *h;

	pthread_mutex_lock(&dpp->lock);
	for (pp = &dpp->handlers; (h = *pp); pp = &h->next)
		if (h->is_pulse == is_pulse && h->low == low && h->high == high)
			break;
	if (h)
		*pp = h->next;
	pthread_mutex_unlock(&dpp->lock);
	if (!h) {
		errno = ENOENT;
		return -1;
	}
	free(h);
	return 0;
}

/* Codes QNX leaves to programs: MSG_FLAG_ALLOC_PULSE picks a free one. */
RM_EXPORT int pulse_attach(dispatch_t *dpp, int flags, int code,
			   int (*func)(message_context_t *, int, unsigned, void *), void *handle)
{
	struct rm_handler copy;

	if (!dpp || !func || ((unsigned)flags & ~(unsigned)MSG_FLAG_ALLOC_PULSE)) {
		errno = EINVAL;
		return -1;
	}
	if (flags & MSG_FLAG_ALLOC_PULSE) {
		for (code = _PULSE_CODE_MINAVAIL; code <= _DISPATCH_MAX_PULSE_CODE; code++)
			if (!find_handler(dpp, 1, code, &copy))
				break;
		if (code > _DISPATCH_MAX_PULSE_CODE) {
			errno = EAGAIN;
			return -1;
		}
	} else if (code < _PULSE_CODE_MINAVAIL - 128 || code > _DISPATCH_MAX_PULSE_CODE) {
		errno = EINVAL;
		return -1;
	}
	if (add_handler(dpp, 1, code, code, func, handle))
		return -1;
	return code;
}

RM_EXPORT int pulse_detach(dispatch_t *dpp, int code, int flags)
{
	if (!dpp || flags) {
		errno = EINVAL;
		return -1;
	}
	return del_handler(dpp, 1, code, code);
}

RM_EXPORT int message_attach(dispatch_t *dpp, resmgr_attr_t *attr, int low, int high,
			     int (*func)(message_context_t *, int, unsigned, void *), void *handle)
{
	if (!dpp || !func || low > high || low < 0 || high > 0xffff) {
		errno = EINVAL;
		return -1;
	}
	/* The I/O range belongs to the resource manager. */
	if (low <= _IO_MAX && high >= _IO_BASE) {
		errno = EINVAL;
		return -1;
	}
	if (attr) {
		pthread_mutex_lock(&dpp->lock);
		if (attr->nparts_max > dpp->nparts_max)
			dpp->nparts_max = attr->nparts_max;
		if (attr->msg_max_size > dpp->msg_max_size)
			dpp->msg_max_size = attr->msg_max_size;
		pthread_mutex_unlock(&dpp->lock);
	}
	return add_handler(dpp, 0, low, high, func, handle);
}

RM_EXPORT int message_detach(dispatch_t *dpp, int low, int high, int flags)
{
	if (!dpp || flags) {
		errno = EINVAL;
		return -1;
	}
	return del_handler(dpp, 0, low, high);
}
